//! A complete read over HTTP: every body validates against the SDK schemas, the read costs
//! exactly the minimum number of requests, and it sees exactly the ground truth.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::walk::{WalkOptions, Walked, walk};
use common::*;
use notion_fake::{
    ApiVersion, FakeNotion, Features, GenConfig, MinRequests, Options, ReadOptions, Stream,
    WorkspaceSpec,
};

/// Every named feature except the 12,500-row data source (read in `e2e_read.rs`).
fn rich_config() -> GenConfig {
    GenConfig {
        people: 32,
        features: Features {
            big_data_source: false,
            ..Features::ALL
        },
        ..GenConfig::e2e()
    }
}

async fn start(spec: WorkspaceSpec) -> FakeNotion {
    FakeNotion::start(
        spec,
        Options {
            rate_limit: None,
            ..Options::default()
        },
    )
    .await
    .unwrap()
}

fn by_kind(m: &MinRequests) -> BTreeMap<&'static str, u64> {
    [
        ("users", m.users),
        ("search", m.search),
        ("databases", m.databases),
        ("data_sources", m.data_sources),
        ("queries", m.queries),
        ("pages", m.pages),
        ("block_children", m.block_children),
        ("comments", m.comments),
        ("property_items", m.property_items),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .collect()
}

fn ids(fake: &FakeNotion, stream: Stream, version: ApiVersion) -> BTreeSet<String> {
    fake.ground_truth(stream, version)
        .map(|r| r.id.to_string())
        .collect()
}

/// Checks a walk against the fake's own accounting.
fn check_walk(fake: &FakeNotion, w: &Walked, version: ApiVersion, read: ReadOptions) {
    assert!(
        w.errors.is_empty(),
        "{} invalid bodies, first: {:#?}",
        w.errors.len(),
        &w.errors[..w.errors.len().min(5)]
    );
    // Every request the walker sent reached the server, and no more than the minimum.
    assert_eq!(fake.counters().total(), w.total());
    assert_eq!(w.requests, by_kind(&fake.min_requests(read)));
    // It saw exactly the ground truth, as served.
    assert_eq!(w.users, ids(fake, Stream::Users, version));
    assert_eq!(w.databases, ids(fake, Stream::Databases, version));
    assert_eq!(w.data_sources, ids(fake, Stream::DataSources, version));
    assert_eq!(w.pages, ids(fake, Stream::Pages, version));
    assert_eq!(w.comments, ids(fake, Stream::Comments, version));
    let truth_blocks: BTreeMap<String, (String, u32)> = fake
        .ground_truth(Stream::Blocks, version)
        .map(|r| {
            (
                r.id.to_string(),
                (r.page_id.unwrap().to_string(), r.depth.unwrap()),
            )
        })
        .collect();
    assert_eq!(w.blocks, truth_blocks);
    for stream in [
        Stream::Users,
        Stream::Databases,
        Stream::DataSources,
        Stream::Pages,
        Stream::Blocks,
        Stream::Comments,
    ] {
        for r in fake.ground_truth(stream, version) {
            let key = format!("{}:{}", r.object["object"].as_str().unwrap(), r.id);
            let served = &w.objects[&key];
            assert_eq!(
                served, &r.object,
                "{stream:?} {} differs from ground truth",
                r.id
            );
        }
    }
}

async fn read_and_check(fake: &FakeNotion, versions: &[(&'static str, ApiVersion)]) -> Walked {
    let read = ReadOptions::default();
    let mut last = None;
    for (v, version) in versions {
        fake.reset_counters();
        let w = walk(
            fake,
            WalkOptions {
                version: v,
                read,
                validate: true,
                keep: true,
                concurrency: 4,
            },
        )
        .await;
        check_walk(fake, &w, *version, read);
        last = Some(w);
    }
    last.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_workspace_validates_and_reads_at_the_minimum() {
    let fake = start(WorkspaceSpec::Generated(rich_config())).await;
    let w = read_and_check(
        &fake,
        &[
            (V25, ApiVersion::V2025_09_03),
            (V26, ApiVersion::V2026_03_11),
        ],
    )
    .await;
    // The named features are there.
    let types: BTreeSet<&str> = w
        .objects
        .values()
        .filter(|o| o["object"] == "block")
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    for t in [
        "paragraph",
        "heading_1",
        "heading_2",
        "heading_3",
        "heading_4",
        "bulleted_list_item",
        "numbered_list_item",
        "to_do",
        "toggle",
        "quote",
        "callout",
        "code",
        "equation",
        "divider",
        "breadcrumb",
        "table_of_contents",
        "column_list",
        "column",
        "table",
        "table_row",
        "synced_block",
        "child_page",
        "child_database",
        "link_to_page",
        "link_preview",
        "bookmark",
        "embed",
        "image",
        "video",
        "pdf",
        "audio",
        "file",
        "tab",
        "meeting_notes",
        "template",
        "unsupported",
    ] {
        assert!(types.contains(t), "no {t} block");
    }
    let max_depth = w.blocks.values().map(|(_, d)| *d).max().unwrap();
    assert!(max_depth >= 12, "deepest block at depth {max_depth}");
    assert!(
        w.completed_values.values().any(|n| *n == 80),
        "the 80-entry relation was completed"
    );
    assert!(w.completed_values.values().any(|n| *n == 30));
    assert!(
        w.requests["pages"] > 0,
        "child pages are found through blocks"
    );
    assert!(
        w.requests["data_sources"] > 0,
        "child databases' sources are retrieved"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_workspace_validates_and_reads_at_the_minimum() {
    let fake = start(WorkspaceSpec::Demo).await;
    read_and_check(
        &fake,
        &[
            (V25, ApiVersion::V2025_09_03),
            (V26, ApiVersion::V2026_03_11),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_bodies_validate() {
    use common::schema::validate;
    use http::Method;
    use notion_fake::{Capabilities, Endpoint, Fault};
    use serde_json::json;

    for spec in [
        WorkspaceSpec::Generated(GenConfig::e2e_without_big_rows()),
        WorkspaceSpec::Demo,
    ] {
        let fake = start(spec).await;
        for (v, version) in [
            (V25, ApiVersion::V2025_09_03),
            (V26, ApiVersion::V2026_03_11),
        ] {
            // Every block, retrieved on its own; every page and database as a block too.
            for b in fake.ground_truth(Stream::Blocks, version) {
                let r = get_v(&fake, v, &format!("/v1/blocks/{}", b.id)).await;
                assert_eq!(r.status, 200);
                let j = r.json();
                validate("BlockObjectResponse", &j, v, "block").unwrap();
                let mut served = j.clone();
                served.as_object_mut().unwrap().remove("request_id");
                assert_eq!(served, b.object);
            }
            for p in fake.ground_truth(Stream::Pages, version).take(20) {
                let j = get_v(&fake, v, &format!("/v1/blocks/{}", p.id))
                    .await
                    .json();
                assert_eq!(j["type"], "child_page");
                validate("BlockObjectResponse", &j, v, "page as block").unwrap();
            }
            for u in fake.ground_truth(Stream::Users, version) {
                let j = get_v(&fake, v, &format!("/v1/users/{}", u.id)).await.json();
                validate("UserObjectResponse", &j, v, "user").unwrap();
            }
            let me = get_v(&fake, v, "/v1/users/me").await.json();
            validate("UserObjectResponse", &me, v, "me").unwrap();
            assert!(me["bot"]["owner"]["workspace"] == true);
        }
        // Error bodies of every kind.
        let mut errors = vec![
            get(&fake, "/v1/pages/0123456789abcdef0123456789abcdef").await,
            get(&fake, "/v1/pages/not-an-id").await,
            get(&fake, "/v1/nothing").await,
            get_v(&fake, "2024-01-01", "/v1/users").await,
            raw(
                &fake,
                Method::GET,
                "/v1/users",
                &[("authorization", "Bearer x")],
                None,
            )
            .await
            .unwrap(),
            raw(
                &fake,
                Method::GET,
                "/v1/users",
                &[("authorization", "Bearer x"), ("notion-version", V26)],
                None,
            )
            .await
            .unwrap(),
            post(&fake, "/v1/search", &json!({"page_size": 500})).await,
        ];
        for fault in [
            Fault::InternalError,
            Fault::ServiceUnavailable,
            Fault::GatewayTimeout,
            Fault::Overloaded { retry_after: 2 },
        ] {
            fake.script_fault(Some(Endpoint::Me), 1, fault);
            errors.push(get(&fake, "/v1/users/me").await);
        }
        fake.set_capabilities(
            fake.token(),
            Capabilities {
                read_comments: false,
                ..Capabilities::ALL
            },
        );
        errors.push(
            get(
                &fake,
                "/v1/comments?block_id=0123456789abcdef0123456789abcdef",
            )
            .await,
        );
        fake.set_capabilities(fake.token(), Capabilities::ALL);
        fake.set_rate_limit(Some(1));
        get(&fake, "/v1/users/me").await;
        errors.push(get(&fake, "/v1/users/me").await);
        fake.set_rate_limit(None);
        for e in &errors {
            assert!(e.status >= 400);
            validate("APIErrorResponseBody", &e.json(), V26, "error").unwrap();
        }
        // OAuth.
        let basic = "Basic ZmFrZS1jbGllbnQ6ZmFrZS1zZWNyZXQ=";
        let code = fake.issue_auth_code("fake-client", None);
        let token = raw(
            &fake,
            Method::POST,
            "/v1/oauth/token",
            &[
                ("authorization", basic),
                ("content-type", "application/json"),
            ],
            Some(
                serde_json::to_vec(&json!({"grant_type": "authorization_code", "code": code}))
                    .unwrap(),
            ),
        )
        .await
        .unwrap()
        .json();
        validate("OauthTokenResponse", &token, V26, "token").unwrap();
        let introspect = raw(
            &fake,
            Method::POST,
            "/v1/oauth/introspect",
            &[
                ("authorization", basic),
                ("content-type", "application/json"),
            ],
            Some(serde_json::to_vec(&json!({"token": token["access_token"]})).unwrap()),
        )
        .await
        .unwrap()
        .json();
        validate("OauthIntrospectResponse", &introspect, V26, "introspect").unwrap();
        let bad_grant = raw(
            &fake,
            Method::POST,
            "/v1/oauth/token",
            &[
                ("authorization", basic),
                ("content-type", "application/json"),
            ],
            Some(
                serde_json::to_vec(&json!({"grant_type": "authorization_code", "code": code}))
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
        assert_eq!(bad_grant.status, 400);
        validate(
            "APIErrorResponseBody",
            &bad_grant.json(),
            V26,
            "invalid_grant",
        )
        .unwrap();
    }
}

#[tokio::test]
async fn the_validator_rejects_broken_bodies() {
    use common::schema::validate;
    let fake = start(WorkspaceSpec::Generated(GenConfig::small())).await;
    let page = fake
        .ground_truth(Stream::Pages, ApiVersion::V2025_09_03)
        .next()
        .unwrap()
        .object;
    validate("PageObjectResponse", &page, V25, "page").unwrap();
    let mut broken = page.clone();
    broken.as_object_mut().unwrap().remove("properties");
    assert!(validate("PageObjectResponse", &broken, V25, "page").is_err());
    // A 2025-09-03 body must carry `archived` itself; 2026-03-11 bodies are patched.
    let mut no_archived = page.clone();
    no_archived.as_object_mut().unwrap().remove("archived");
    assert!(validate("PageObjectResponse", &no_archived, V25, "page").is_err());
    validate("PageObjectResponse", &no_archived, V26, "page").unwrap();
    let mut wrong = page;
    wrong["created_time"] = serde_json::json!(12);
    assert!(validate("PageObjectResponse", &wrong, V26, "page").is_err());
}
