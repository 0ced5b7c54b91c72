//! The OAuth token and introspection endpoints.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use http::Method;
use notion_fake::{FakeNotion, GenConfig, Options, WorkspaceSpec};
use serde_json::{Value, json};

const BASIC: &str = "Basic ZmFrZS1jbGllbnQ6ZmFrZS1zZWNyZXQ="; // fake-client:fake-secret

async fn start() -> FakeNotion {
    FakeNotion::start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Options::default(),
    )
    .await
    .unwrap()
}

async fn token_json(fake: &FakeNotion, auth: &str, body: &Value) -> Resp {
    raw(
        fake,
        Method::POST,
        "/v1/oauth/token",
        &[
            ("authorization", auth),
            ("content-type", "application/json"),
            ("notion-version", V26),
        ],
        Some(serde_json::to_vec(body).unwrap()),
    )
    .await
    .unwrap()
}

async fn token_form(fake: &FakeNotion, body: &str) -> Resp {
    raw(
        fake,
        Method::POST,
        "/v1/oauth/token",
        &[
            ("authorization", BASIC),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Some(body.as_bytes().to_vec()),
    )
    .await
    .unwrap()
}

async fn me_with(fake: &FakeNotion, token: &str) -> u16 {
    raw(
        fake,
        Method::GET,
        "/v1/users/me",
        &[
            ("authorization", &format!("Bearer {token}")),
            ("notion-version", V26),
        ],
        None,
    )
    .await
    .unwrap()
    .status
}

#[tokio::test]
async fn code_exchange_refresh_rotation_and_reuse() {
    let fake = start().await;
    let code = fake.issue_auth_code("fake-client", Some("http://localhost/cb"));
    let r = token_json(
        &fake,
        BASIC,
        &json!({"grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost/cb"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    assert_eq!(j["token_type"], "bearer");
    assert!(j["request_id"].is_string());
    assert!(j.get("expires_in").is_none());
    let access = j["access_token"].as_str().unwrap().to_owned();
    let refresh = j["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(me_with(&fake, &access).await, 200);

    // The code is single-use.
    let again = token_json(
        &fake,
        BASIC,
        &json!({"grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost/cb"}),
    )
    .await;
    assert_error(&again, 400, "invalid_grant");

    // Refresh (form-encoded) rotates the refresh token.
    let r = token_form(
        &fake,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert_eq!(r.status, 200);
    let j2 = r.json();
    let access2 = j2["access_token"].as_str().unwrap().to_owned();
    let refresh2 = j2["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh2, refresh);
    assert_ne!(access2, access);
    assert_eq!(me_with(&fake, &access2).await, 200);

    // Reusing the old refresh token, or an unknown one, fails.
    let r = token_form(
        &fake,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert_error(&r, 400, "invalid_grant");
    let r = token_json(
        &fake,
        BASIC,
        &json!({"grant_type": "refresh_token", "refresh_token": "nrt_unknown"}),
    )
    .await;
    assert_error(&r, 400, "invalid_grant");

    // Bad client credentials.
    let r = token_json(
        &fake,
        "Basic Zm9vOmJhcg==",
        &json!({"grant_type": "refresh_token", "refresh_token": refresh2}),
    )
    .await;
    assert_error(&r, 401, "invalid_client");
    let r = token_json(
        &fake,
        "Bearer x",
        &json!({"grant_type": "refresh_token", "refresh_token": refresh2}),
    )
    .await;
    assert_error(&r, 401, "invalid_client");
}

#[tokio::test]
async fn oauth_tokens_expire_and_introspect() {
    let fake = start().await;
    fake.set_oauth_token_requests(Some(1));
    let code = fake.issue_auth_code("fake-client", None);
    let j = token_form(&fake, &format!("grant_type=authorization_code&code={code}"))
        .await
        .json();
    let access = j["access_token"].as_str().unwrap().to_owned();
    let introspect = |token: String| {
        let fake = &fake;
        async move {
            raw(
                fake,
                Method::POST,
                "/v1/oauth/introspect",
                &[
                    ("authorization", BASIC),
                    ("content-type", "application/json"),
                ],
                Some(serde_json::to_vec(&json!({ "token": token })).unwrap()),
            )
            .await
            .unwrap()
            .json()
        }
    };
    let i = introspect(access.clone()).await;
    assert_eq!(i["active"], true);
    assert!(i["iat"].is_i64());
    assert!(i["request_id"].is_string());
    assert_eq!(me_with(&fake, &access).await, 200);
    assert_eq!(me_with(&fake, &access).await, 401);
    assert_eq!(introspect(access).await["active"], false);
    assert_eq!(introspect("garbage".into()).await["active"], false);
}
