//! Versions, auth, capabilities, pagination rules, cursors, rate limiting, errors, request ids.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use http::Method;
use notion_fake::{Capabilities, Endpoint, FakeNotion, GenConfig, Options, WorkspaceSpec};
use serde_json::json;

async fn start(options: Options) -> FakeNotion {
    FakeNotion::start(WorkspaceSpec::Generated(GenConfig::small()), options)
        .await
        .unwrap()
}

#[tokio::test]
async fn version_header_is_required_and_checked() {
    let fake = start(Options::default()).await;
    let auth = format!("Bearer {}", fake.token());
    let r = raw(
        &fake,
        Method::GET,
        "/v1/users",
        &[("authorization", &auth)],
        None,
    )
    .await
    .unwrap();
    assert_error(&r, 400, "missing_version");
    let r = get_v(&fake, "2024-01-01", "/v1/users").await;
    assert_error(&r, 400, "validation_error");
    for v in [V22, V25, V26] {
        assert_eq!(get_v(&fake, v, "/v1/users").await.status, 200);
    }
    fake.set_versions(&[notion_fake::ApiVersion::V2026_03_11]);
    assert_error(
        &get_v(&fake, V25, "/v1/users").await,
        400,
        "validation_error",
    );
    // Endpoints the legacy version does not serve.
    fake.set_versions(&notion_fake::VERSIONS);
    let ds = get_v(
        &fake,
        V22,
        "/v1/data_sources/00000000000000000000000000000000",
    )
    .await;
    assert_error(&ds, 400, "validation_error");
}

#[tokio::test]
async fn unknown_url_and_bad_ids() {
    let fake = start(Options::default()).await;
    assert_error(&get(&fake, "/v1/nothing").await, 400, "invalid_request_url");
    assert_error(
        &get(&fake, "/v1/pages/not-a-uuid").await,
        400,
        "validation_error",
    );
    assert_error(
        &get(&fake, "/v1/pages/0123456789abcdef0123456789abcdef").await,
        404,
        "object_not_found",
    );
    let j = get(&fake, "/v1/blocks/01234567-89ab-cdef-0123-456789abcdef")
        .await
        .json();
    assert_eq!(j["code"], "object_not_found");
    assert!(j["additional_data"]["integration_id"].is_string());
    let r = raw(
        &fake,
        Method::POST,
        "/v1/search",
        &[
            ("authorization", &format!("Bearer {}", fake.token())),
            ("notion-version", V26),
        ],
        Some(b"{not json".to_vec()),
    )
    .await
    .unwrap();
    assert_error(&r, 400, "invalid_json");
}

#[tokio::test]
async fn bad_revoked_and_expiring_tokens_get_401() {
    let fake = start(Options::default()).await;
    let r = raw(
        &fake,
        Method::GET,
        "/v1/users/me",
        &[("authorization", "Bearer nope"), ("notion-version", V26)],
        None,
    )
    .await
    .unwrap();
    assert_error(&r, 401, "unauthorized");
    let r = raw(
        &fake,
        Method::GET,
        "/v1/users/me",
        &[("notion-version", V26)],
        None,
    )
    .await
    .unwrap();
    assert_error(&r, 401, "unauthorized");

    fake.expire_token_after(fake.token(), 2);
    assert_eq!(get(&fake, "/v1/users/me").await.status, 200);
    assert_eq!(get(&fake, "/v1/users/me").await.status, 200);
    assert_error(&get(&fake, "/v1/users/me").await, 401, "unauthorized");

    fake.add_token("other", Capabilities::ALL);
    let call = || {
        raw(
            &fake,
            Method::GET,
            "/v1/users/me",
            &[("authorization", "Bearer other"), ("notion-version", V26)],
            None,
        )
    };
    assert_eq!(call().await.unwrap().status, 200);
    fake.revoke_token("other");
    assert_error(&call().await.unwrap(), 401, "unauthorized");
}

#[tokio::test]
async fn switched_off_capabilities_get_403() {
    let fake = start(Options::default()).await;
    let t = fake.token().to_owned();
    fake.set_capabilities(
        &t,
        Capabilities {
            read_content: false,
            read_comments: false,
            read_user_information: false,
        },
    );
    assert_error(&get(&fake, "/v1/users").await, 403, "restricted_resource");
    assert_error(
        &post(&fake, "/v1/search", &json!({})).await,
        403,
        "restricted_resource",
    );
    let me = get(&fake, "/v1/users/me").await;
    assert_eq!(me.status, 200, "users/me needs no capability");
    let c = get(
        &fake,
        "/v1/comments?block_id=0123456789abcdef0123456789abcdef",
    )
    .await;
    assert_error(&c, 403, "restricted_resource");
    fake.set_capabilities(&t, Capabilities::ALL);
    assert_eq!(get(&fake, "/v1/users").await.status, 200);
}

#[tokio::test]
async fn page_size_rules() {
    let fake = start(Options::default()).await;
    assert_error(
        &get(&fake, "/v1/users?page_size=101").await,
        400,
        "validation_error",
    );
    assert_error(
        &get(&fake, "/v1/users?page_size=0").await,
        400,
        "validation_error",
    );
    assert_error(
        &get(&fake, "/v1/users?page_size=abc").await,
        400,
        "validation_error",
    );
    assert_error(
        &post(&fake, "/v1/search", &json!({"page_size": 101})).await,
        400,
        "validation_error",
    );
    assert_error(
        &post(&fake, "/v1/search", &json!({"page_size": "5"})).await,
        400,
        "validation_error",
    );
    let j = get(&fake, "/v1/users?page_size=3").await.json();
    assert_eq!(j["results"].as_array().unwrap().len(), 3);
    assert_eq!(j["has_more"], true);
    // Default page size is 100.
    let j = post(&fake, "/v1/search", &json!({})).await.json();
    assert_eq!(
        j["results"].as_array().unwrap().len(),
        100.min(j["results"].as_array().unwrap().len())
    );
    let (all, pages) = get_all(&fake, V26, "/v1/users?page_size=2").await;
    assert_eq!(all.len(), 8);
    assert_eq!(pages, 4);
}

#[tokio::test]
async fn cursors_are_opaque_and_checked() {
    let fake = start(Options::default()).await;
    let j = get(&fake, "/v1/users?page_size=2").await.json();
    let c = j["next_cursor"].as_str().unwrap().to_owned();
    assert!(
        notion_fake::Id::parse(&c).is_err(),
        "cursor must not be a UUID"
    );
    // Valid on its own endpoint.
    assert_eq!(
        get(&fake, &format!("/v1/users?page_size=2&start_cursor={c}"))
            .await
            .status,
        200
    );
    // Tampered.
    let mut t = c.clone().into_bytes();
    let i = t.len() - 3;
    t[i] = if t[i] == b'A' { b'B' } else { b'A' };
    let t = String::from_utf8(t).unwrap();
    assert_error(
        &get(&fake, &format!("/v1/users?start_cursor={t}")).await,
        400,
        "validation_error",
    );
    // Garbage and UUID-looking cursors.
    assert_error(
        &get(
            &fake,
            "/v1/users?start_cursor=393abc1e-edcd-817b-900d-c75ec8d2f272",
        )
        .await,
        400,
        "validation_error",
    );
    // From another endpoint.
    assert_error(
        &post(&fake, "/v1/search", &json!({"start_cursor": c})).await,
        400,
        "validation_error",
    );
    // From another query of the same endpoint.
    let s = post(&fake, "/v1/search", &json!({"page_size": 2}))
        .await
        .json();
    let sc = s["next_cursor"].as_str().unwrap();
    let other = post(
        &fake,
        "/v1/search",
        &json!({"page_size": 2, "start_cursor": sc, "filter": {"property": "object", "value": "page"}}),
    )
    .await;
    assert_error(&other, 400, "validation_error");
    // From another server.
    let fake2 = start(Options::default()).await;
    assert_error(
        &get(&fake2, &format!("/v1/users?start_cursor={c}")).await,
        400,
        "validation_error",
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limit_windows_per_token() {
    let fake = start(Options {
        rate_limit: Some(5),
        ..Options::default()
    })
    .await;
    fake.add_token("second", Capabilities::ALL);
    for _ in 0..5 {
        assert_eq!(get(&fake, "/v1/users/me").await.status, 200);
    }
    tokio::time::advance(Duration::from_secs(20)).await;
    let r = get(&fake, "/v1/users/me").await;
    assert_error(&r, 429, "rate_limited");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert_eq!(retry, 40);
    let j = r.json();
    assert_eq!(
        j["additional_data"]["rate_limit_reason"],
        "public_api_request_rate_limit"
    );
    assert_eq!(j["additional_data"]["retry_after"], "40");
    // Another token has its own window.
    let other = raw(
        &fake,
        Method::GET,
        "/v1/users/me",
        &[("authorization", "Bearer second"), ("notion-version", V26)],
        None,
    )
    .await
    .unwrap();
    assert_eq!(other.status, 200);
    tokio::time::advance(Duration::from_secs(40)).await;
    assert_eq!(get(&fake, "/v1/users/me").await.status, 200);
    assert_eq!(fake.counters().get(Endpoint::Me, 429), 1);
    fake.set_rate_limit(None);
    for _ in 0..20 {
        assert_eq!(get(&fake, "/v1/users/me").await.status, 200);
    }
}

#[tokio::test]
async fn every_response_has_a_request_id_and_counters_count() {
    let fake = start(Options::default()).await;
    let a = get(&fake, "/v1/users/me").await;
    let b = get(&fake, "/v1/users/me").await;
    let (ja, jb) = (a.json(), b.json());
    assert!(ja["request_id"].is_string());
    assert_ne!(ja["request_id"], jb["request_id"]);
    assert_eq!(a.header("x-notion-request-id"), ja["request_id"].as_str());
    get(&fake, "/v1/nothing").await;
    let c = fake.counters();
    assert_eq!(c.total(), 3);
    assert_eq!(c.get(Endpoint::Me, 200), 2);
    assert_eq!(c.get(Endpoint::Unknown, 400), 1);
    assert_eq!(c.status(200), 2);
    fake.reset_counters();
    assert_eq!(fake.counters().total(), 0);
}
