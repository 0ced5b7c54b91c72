//! The whole client against `notion-fake` over real loopback HTTP: pagination of every list
//! endpoint, the block walk, faults, errors, OAuth refresh, the rate limiter and the logs.
//!
//! Most tests run on tokio's paused clock: the limiter's waits (and the fake's rate-limit
//! windows, which use the same clock) then cost no real time, while requests still travel over
//! real sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;
use common::capture_logs;

use futures::TryStreamExt;
use notion_auth::{Credentials, OAuthClientCredentials, RefreshToken, TokenPair};
use notion_fake::{
    ApiVersion, Capabilities, Endpoint, FakeNotion, Fault, Features, GenConfig, Latency, Options,
    Stream, WorkspaceSpec,
};
use notion_http::query::{DataSourceQuery, SearchRequest};
use notion_http::{ClientConfig, Error, ErrorKind, NotionClient, oauth_client};
use notion_model::{Block, ErrorCode, List, SearchResult};
use serde_json::Value;

const CLIENT_ID: &str = "fake-client";
const CLIENT_SECRET: &str = "fake-secret";

async fn fake_with(config: GenConfig, options: Options) -> FakeNotion {
    FakeNotion::start(WorkspaceSpec::Generated(config), options)
        .await
        .unwrap()
}

fn unthrottled() -> Options {
    Options {
        rate_limit: None,
        ..Options::default()
    }
}

fn client_config(fake: &FakeNotion, credentials: Credentials) -> ClientConfig {
    let mut config = ClientConfig::new(credentials);
    config.base_url = fake.base_url();
    config.requests_per_second = 10.0;
    config.retry_base_delay = Duration::from_millis(5);
    config.retry_max_delay = Duration::from_millis(20);
    config.request_timeout = Duration::from_secs(30);
    config
}

fn token_client(fake: &FakeNotion) -> NotionClient {
    NotionClient::new(client_config(fake, Credentials::token(fake.token()))).unwrap()
}

async fn search_results(client: &NotionClient) -> Vec<SearchResult> {
    client
        .search(&SearchRequest::new())
        .items()
        .try_collect()
        .await
        .unwrap()
}

/// The `small` workspace with some special features on.
fn small_with(features: Features) -> GenConfig {
    GenConfig {
        features,
        ..GenConfig::small()
    }
}

#[tokio::test(start_paused = true)]
async fn every_list_endpoint_paginates_to_the_same_items_as_one_big_page() {
    let fake = fake_with(GenConfig::small(), unthrottled()).await;
    let client = token_client(&fake);

    // Users: page size 2 against the ground truth.
    let users: Vec<notion_model::User> = client
        .list_users()
        .page_size(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    let truth: BTreeSet<String> = fake
        .ground_truth(Stream::Users, ApiVersion::LATEST)
        .map(|r| r.id.to_string())
        .collect();
    let got: BTreeSet<String> = users.iter().map(|u| u.id.to_string()).collect();
    assert_eq!(got, truth);
    assert_eq!(users.len(), truth.len(), "no duplicates");
    assert!(fake.counters().endpoint(Endpoint::ListUsers) > 1);

    // Search: small pages give the same results as big ones.
    let big = search_results(&client).await;
    let small: Vec<SearchResult> = client
        .search(&SearchRequest::new())
        .page_size(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids = |r: &[SearchResult]| -> Vec<String> {
        r.iter()
            .map(|r| match r {
                SearchResult::Page(p) => p.id.to_string(),
                SearchResult::DataSource(d) => d.id.to_string(),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    };
    assert_eq!(ids(&small), ids(&big));
    assert!(big.len() > 3);

    // Data-source queries, comments and block children, each with tiny pages.
    let mut rows = 0;
    for source in big.iter().filter_map(SearchResult::as_data_source) {
        let id = source.id.to_string();
        let all: Vec<SearchResult> = client
            .query_data_source(&id, &DataSourceQuery::new())
            .items()
            .try_collect()
            .await
            .unwrap();
        let paged: Vec<SearchResult> = client
            .query_data_source(&id, &DataSourceQuery::new())
            .page_size(5)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids(&paged), ids(&all));
        rows += all.len();
    }
    assert!(rows > 5);
    let mut comments_seen = 0;
    for page in big.iter().filter_map(SearchResult::as_page) {
        let id = page.id.to_string();
        let all: Vec<Value> = client
            .comments(&id)
            .as_type::<List<Value>>()
            .items()
            .try_collect()
            .await
            .unwrap();
        let paged: Vec<Value> = client
            .comments(&id)
            .as_type::<List<Value>>()
            .page_size(1)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(paged, all);
        comments_seen += all.len();
        let children: Vec<Block> = client
            .block_children(&id)
            .page_size(4)
            .items()
            .try_collect()
            .await
            .unwrap();
        let whole: Vec<Block> = client
            .block_children(&id)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(children, whole);
    }
    assert!(comments_seen > 0);
    let counters = fake.counters();
    for endpoint in [
        Endpoint::Search,
        Endpoint::QueryDataSource,
        Endpoint::ListComments,
        Endpoint::BlockChildren,
    ] {
        assert!(counters.endpoint(endpoint) > 1, "{endpoint:?}");
    }
    assert_eq!(counters.status(429) + counters.status(500), 0);
}

#[tokio::test(start_paused = true)]
async fn truncated_relation_is_completed_through_property_items() {
    let config = small_with(Features {
        big_relation: true,
        ..Features::default()
    });
    let fake = fake_with(config, unthrottled()).await;
    let client = token_client(&fake);
    let mut completed = false;
    for source in search_results(&client)
        .await
        .iter()
        .filter_map(SearchResult::as_data_source)
    {
        let rows: Vec<Value> = client
            .query_data_source(&source.id.to_string(), &DataSourceQuery::new())
            .as_type::<List<Value>>()
            .items()
            .try_collect()
            .await
            .unwrap();
        for row in rows {
            let Some(properties) = row["properties"].as_object() else {
                continue;
            };
            for property in properties.values() {
                if property["type"] == "relation" && property["has_more"] == true {
                    let items: Vec<notion_model::PropertyItem> = client
                        .page_property_items(
                            row["id"].as_str().unwrap(),
                            property["id"].as_str().unwrap(),
                        )
                        .page_size(10)
                        .items()
                        .try_collect()
                        .await
                        .unwrap();
                    assert_eq!(items.len(), 80);
                    completed = true;
                }
            }
        }
    }
    assert!(completed, "the big relation was found and completed");
}

#[tokio::test(start_paused = true)]
async fn each_retryable_fault_is_recovered() {
    let fake = fake_with(GenConfig::small(), unthrottled()).await;
    let mut config = client_config(&fake, Credentials::token(fake.token()));
    config.request_timeout = Duration::from_secs(2);
    let client = NotionClient::new(config).unwrap();
    let faults = [
        Fault::InternalError,
        Fault::BadGatewayHtml,
        Fault::ServiceUnavailable,
        Fault::GatewayTimeout,
        Fault::Overloaded { retry_after: 1 },
        Fault::ConnectionReset,
        Fault::Stall(Duration::from_secs(60)),
        Fault::TruncatedBody,
    ];
    for fault in faults {
        fake.reset_counters();
        fake.script_fault(Some(Endpoint::ListUsers), 2, fault);
        let before = client.stats();
        let users: Vec<Value> = client
            .list_users()
            .as_type::<List<Value>>()
            .items()
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert!(!users.is_empty());
        let after = client.stats();
        assert_eq!(after.retries - before.retries, 2, "{fault:?}");
        assert_eq!(after.requests_sent - before.requests_sent, 3, "{fault:?}");
        if !matches!(fault, Fault::Stall(_)) {
            // A stalled request is abandoned by the client before the server counts it.
            assert_eq!(
                fake.counters().endpoint(Endpoint::ListUsers),
                3,
                "{fault:?}"
            );
        }
    }
    let stats = client.stats();
    assert_eq!(stats.timeouts, 2);
    assert_eq!(stats.overloaded, 2);
    assert_eq!(stats.rate_limited, 0);
}

#[tokio::test(start_paused = true)]
async fn non_retryable_errors_surface_with_code_and_request_id() {
    let fake = fake_with(GenConfig::small(), unthrottled()).await;
    fake.add_token(
        "ntn_no_comments",
        Capabilities {
            read_comments: false,
            ..Capabilities::ALL
        },
    );
    let client = token_client(&fake);
    let page = search_results(&client)
        .await
        .iter()
        .find_map(|r| r.as_page().map(|p| p.id.to_string()))
        .unwrap();

    let check = |err: Error, kind: ErrorKind, code: ErrorCode| {
        assert_eq!(err.kind(), kind, "{err}");
        assert_eq!(err.code(), Some(&code), "{err}");
        assert!(err.request_id().is_some_and(|id| !id.is_empty()), "{err}");
        assert_eq!(err.api().unwrap().attempts, Some(1), "{err}");
    };

    // 400: a cursor Notion never issued.
    let err = client
        .list_users()
        .start_cursor("not-a-cursor")
        .pages()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    check(err, ErrorKind::Validation, ErrorCode::ValidationError);
    // 404: an id that does not exist.
    let err = client
        .get_page("0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    check(err, ErrorKind::NotFound, ErrorCode::ObjectNotFound);
    // 403: comments without the capability.
    let restricted =
        NotionClient::new(client_config(&fake, Credentials::token("ntn_no_comments"))).unwrap();
    let err = restricted
        .comments(&page)
        .pages()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    check(err, ErrorKind::Restricted, ErrorCode::RestrictedResource);
    // 401: an unknown token (static tokens are never refreshed).
    let unknown =
        NotionClient::new(client_config(&fake, Credentials::token("ntn_unknown"))).unwrap();
    let err = unknown.me().await.unwrap_err();
    check(err, ErrorKind::Authentication, ErrorCode::Unauthorized);
    assert!(fake.counters().status(500) == 0);
}

#[tokio::test(start_paused = true)]
async fn retry_after_of_a_429_is_honoured_and_pauses_every_caller() {
    let fake = fake_with(
        GenConfig::small(),
        Options {
            rate_limit: Some(3),
            ..Options::default()
        },
    )
    .await;
    let client = token_client(&fake);
    let start = tokio::time::Instant::now();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.me().as_type::<Value>().await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // Three fit in the first window; the rest waited for the window to reset.
    assert!(
        start.elapsed() >= Duration::from_secs(59),
        "{:?}",
        start.elapsed()
    );
    let counters = fake.counters();
    assert_eq!(
        counters.status(429),
        1,
        "the cooldown kept the other callers back"
    );
    assert_eq!(client.stats().rate_limited, 1);
    assert_eq!(client.stats().cooldowns, 1);
}

#[tokio::test(start_paused = true)]
async fn default_limiter_keeps_a_180_per_minute_server_free_of_429s() {
    // 100-500 ms of latency before the server counts a request: arrivals jitter by 0.4 s, so
    // bursts can pile up at a window boundary.
    let options = Options {
        latency: Latency {
            fixed: Duration::from_millis(100),
            jitter: Duration::from_millis(400),
        },
        ..Options::default()
    };
    let fake = fake_with(GenConfig::small(), options).await;
    let mut config = ClientConfig::new(Credentials::token(fake.token()));
    config.base_url = fake.base_url();
    config.request_timeout = Duration::from_secs(3600);
    let client = NotionClient::new(config).unwrap();
    let me = client.me().as_type::<Value>().await.unwrap();
    let user = me["id"].as_str().unwrap().to_owned();
    let start = tokio::time::Instant::now();
    let n = 400;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            let next = next.clone();
            let user = user.clone();
            tokio::spawn(async move {
                while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < n {
                    client.get_user(&user).as_type::<Value>().await.unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(fake.counters().status(429), 0);
    let stats = client.stats();
    assert_eq!((stats.rate_limited, stats.retries), (0, 0));
    assert_eq!(stats.requests_sent, n as u64 + 1);
    // Achieved rate over the run (virtual time), against the allowed 3 per second.
    let achieved = n as f64 / elapsed;
    assert!(achieved >= 0.97 * 3.0, "{achieved:.3} requests per second");
}

/// Exchanges an authorization code issued by the fake for a token pair.
async fn authorize(fake: &FakeNotion) -> TokenPair {
    let oauth = oauth_client(
        &fake.base_url(),
        OAuthClientCredentials::new(CLIENT_ID, CLIENT_SECRET),
        Duration::from_secs(5),
    )
    .unwrap();
    let code = fake.issue_auth_code(CLIENT_ID, None);
    oauth.exchange_code(&code, None).await.unwrap().tokens
}

fn oauth_config(
    fake: &FakeNotion,
    pair: &TokenPair,
    rotated: Arc<Mutex<Vec<TokenPair>>>,
) -> ClientConfig {
    let mut config = client_config(
        fake,
        Credentials::oauth(
            pair.access_token.expose_secret(),
            pair.refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            Some(OAuthClientCredentials::new(CLIENT_ID, CLIENT_SECRET)),
        ),
    );
    config.on_token_rotation = Some(Arc::new(move |pair: &TokenPair| {
        rotated.lock().unwrap().push(pair.clone());
    }));
    config
}

#[tokio::test(start_paused = true)]
async fn oauth_refresh_happens_once_for_20_concurrent_requests() {
    let fake = fake_with(GenConfig::small(), unthrottled()).await;
    let pair = authorize(&fake).await;
    let rotated = Arc::new(Mutex::new(Vec::new()));
    let client = NotionClient::new(oauth_config(&fake, &pair, rotated.clone())).unwrap();
    client.me().as_type::<Value>().await.unwrap();
    assert!(fake.expire_token_after(pair.access_token.expose_secret(), 0));
    fake.reset_counters();

    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.me().as_type::<Value>().await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(fake.counters().endpoint(Endpoint::OAuthToken), 1);
    assert_eq!(client.stats().token_refreshes, 1);
    let rotated = rotated.lock().unwrap().clone();
    assert_eq!(rotated.len(), 1);
    let new = &rotated[0];
    assert_ne!(
        new.access_token.expose_secret(),
        pair.access_token.expose_secret()
    );
    assert_ne!(
        new.refresh_token.as_ref().unwrap().expose_secret(),
        pair.refresh_token.as_ref().unwrap().expose_secret(),
        "the refresh token rotated"
    );
    assert_eq!(
        client.tokens().access_token.expose_secret(),
        new.access_token.expose_secret()
    );
    assert!(client.introspect(&new.access_token).await.unwrap().active);
}

#[tokio::test(start_paused = true)]
async fn a_reused_refresh_token_gives_a_clear_authentication_error() {
    let fake = fake_with(GenConfig::small(), unthrottled()).await;
    let pair = authorize(&fake).await;
    // Someone else already used the refresh token.
    let oauth = oauth_client(
        &fake.base_url(),
        OAuthClientCredentials::new(CLIENT_ID, CLIENT_SECRET),
        Duration::from_secs(5),
    )
    .unwrap();
    let old_refresh: RefreshToken = pair.refresh_token.clone().unwrap();
    oauth.refresh(&old_refresh).await.unwrap();
    assert!(fake.expire_token_after(pair.access_token.expose_secret(), 0));

    let client = NotionClient::new(oauth_config(&fake, &pair, Arc::default())).unwrap();
    let err = client.me().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    let text = format!("{err} {err:?}");
    assert!(text.contains("invalid_grant"), "{text}");
    assert!(text.contains("re-authorize"), "{text}");
    for secret in [
        pair.access_token.expose_secret(),
        old_refresh.expose_secret(),
        CLIENT_SECRET,
    ] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[tokio::test]
async fn logs_at_trace_of_a_run_with_faults_and_refresh_hold_no_secret() {
    let capture = capture_logs();

    let fake = fake_with(GenConfig::small(), unthrottled()).await;
    let pair = authorize(&fake).await;
    let rotated = Arc::new(Mutex::new(Vec::new()));
    let client = NotionClient::new(oauth_config(&fake, &pair, rotated.clone())).unwrap();
    assert!(fake.expire_token_after(pair.access_token.expose_secret(), 0));
    for fault in [
        Fault::BadGatewayHtml,
        Fault::ConnectionReset,
        Fault::Overloaded { retry_after: 0 },
        Fault::TruncatedBody,
    ] {
        fake.script_fault(None, 1, fault);
    }
    let users: Vec<Value> = client
        .list_users()
        .as_type::<List<Value>>()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(!users.is_empty());
    let _ = client.get_page("0123456789abcdef0123456789abcdef").await;
    assert_eq!(rotated.lock().unwrap().len(), 1);

    let logs = capture.text();
    assert!(logs.contains("OAuth token refreshed"), "{logs}");
    assert!(logs.contains("retrying Notion request"), "{logs}");
    let new = rotated.lock().unwrap()[0].clone();
    let secrets = [
        pair.access_token.expose_secret().to_owned(),
        pair.refresh_token.unwrap().expose_secret().to_owned(),
        new.access_token.expose_secret().to_owned(),
        new.refresh_token.unwrap().expose_secret().to_owned(),
        CLIENT_SECRET.to_owned(),
    ];
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret is in the logs:\n{logs}"
        );
    }
}
