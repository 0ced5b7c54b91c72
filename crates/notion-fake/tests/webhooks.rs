//! Webhooks over loopback: the verification request, a signed event per mutation with the
//! payload Notion sends, retries with backoff, the test hooks (bad and missing signatures,
//! duplicates, reordering, delays, unknown types), and delivery that never blocks the API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use hmac::{Hmac, Mac};
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use notion_fake::{
    ApiVersion, FakeNotion, GenConfig, Id, Options, Stream, WebhookConfig, WebhookFault,
    WorkspaceSpec,
};
use serde_json::Value;
use sha2::Sha256;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    signature: Option<String>,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A tiny webhook receiver on loopback: records every POST, answers statuses from a script
/// (then 200), and can hold answers until released.
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
    gate: Arc<Semaphore>,
}

impl Receiver {
    async fn start(open: bool) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/notion/hook", listener.local_addr().unwrap());
        let r = Receiver {
            url,
            got: Arc::default(),
            statuses: Arc::default(),
            gate: Arc::new(Semaphore::new(if open {
                Semaphore::MAX_PERMITS
            } else {
                0
            })),
        };
        let me = r.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let me = me.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| {
                        let me = me.clone();
                        async move {
                            assert_eq!(req.uri().path(), "/notion/hook");
                            let signature = req
                                .headers()
                                .get("x-notion-signature")
                                .map(|v| v.to_str().unwrap().to_owned());
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let _permit = me.gate.acquire().await.unwrap();
                            me.got.lock().unwrap().push(Received {
                                signature,
                                body: String::from_utf8(body.to_vec()).unwrap(),
                            });
                            let status = me.statuses.lock().unwrap().pop_front().unwrap_or(200);
                            let mut resp = Response::new(Full::new(Bytes::new()));
                            *resp.status_mut() = http::StatusCode::from_u16(status).unwrap();
                            Ok::<_, std::convert::Infallible>(resp)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        r
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// The events received (the verification request left out).
    fn events(&self) -> Vec<Received> {
        self.got()
            .into_iter()
            .filter(|r| !r.body.contains("verification_token"))
            .collect()
    }
}

fn hmac(key: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

async fn fake_with(receiver: &Receiver, config: impl FnOnce(&mut WebhookConfig)) -> FakeNotion {
    let mut c = WebhookConfig::new(&receiver.url);
    c.first_retry = Duration::from_millis(20);
    config(&mut c);
    FakeNotion::start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Options {
            rate_limit: None,
            webhook: Some(c),
            ..Options::default()
        },
    )
    .await
    .unwrap()
}

async fn settle(fake: &FakeNotion) {
    fake.settle_webhooks(Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutation_sends_a_signed_event_after_the_verification_request() {
    let receiver = Receiver::start(true).await;
    let fake = fake_with(&receiver, |_| {}).await;
    settle(&fake).await;
    let token = fake.webhook_verification_token().unwrap();
    assert!(token.starts_with("secret_"));
    let first = &receiver.got()[0];
    assert_eq!(
        first.json(),
        serde_json::json!({"verification_token": token})
    );
    assert_eq!(first.signature, None);

    let pages: Vec<_> = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .collect();
    let row = pages
        .iter()
        .find(|p| p.object["parent"]["type"] == "data_source_id")
        .unwrap();
    let standalone = pages
        .iter()
        .find(|p| p.object["parent"]["type"] == "workspace")
        .unwrap();
    let other = pages
        .iter()
        .filter(|p| p.object["parent"]["type"] == "workspace")
        .nth(3)
        .unwrap();
    let ds = Id::parse(row.object["parent"]["data_source_id"].as_str().unwrap()).unwrap();
    let db = Id::parse(row.object["parent"]["database_id"].as_str().unwrap()).unwrap();

    fake.edit_page_properties(row.id, serde_json::json!({"Estimate": {"number": 99}}))
        .unwrap();
    fake.trash_page(standalone.id).unwrap();
    fake.restore_page(standalone.id).unwrap();
    let block = fake
        .add_block(standalone.id, "Written for a webhook")
        .unwrap();
    fake.edit_block(block, "Rewritten").unwrap();
    fake.delete_block(block).unwrap();
    let comment = fake.add_comment(standalone.id, "A remark").unwrap();
    fake.resolve_comment(comment).unwrap();
    let new_row = fake.add_row(ds, "Fresh row").unwrap();
    fake.add_property(ds, "Reviewed", "checkbox").unwrap();
    fake.move_page(other.id, standalone.id).unwrap();
    fake.delete_page(new_row).unwrap();
    let extra = fake.add_data_source(db, "Extra").unwrap();
    fake.delete_data_source(extra).unwrap();
    settle(&fake).await;

    let events = receiver.events();
    let types: Vec<String> = events
        .iter()
        .map(|e| e.json()["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "page.properties_updated",
            "page.deleted",
            "page.undeleted",
            "page.content_updated",
            "page.content_updated",
            "page.content_updated",
            "comment.created",
            "comment.updated",
            "page.created",
            "data_source.schema_updated",
            "page.moved",
            "page.deleted",
            "data_source.created",
            "data_source.deleted",
        ]
    );
    let mut ids = std::collections::BTreeSet::new();
    for e in &events {
        assert_eq!(e.signature.as_deref(), Some(hmac(&token, &e.body).as_str()));
        let j = e.json();
        let parsed: notion_model::WebhookEvent = serde_json::from_str(&e.body).unwrap();
        assert!(ids.insert(parsed.id.unwrap()), "event ids are unique");
        assert_eq!(j["attempt_number"], 1);
        assert_eq!(j["api_version"], "2025-09-03");
        assert!(j["subscription_id"].is_string() && j["integration_id"].is_string());
        assert!(j["workspace_id"].is_string() && j["workspace_name"].is_string());
        assert_eq!(j["authors"][0]["type"], "person");
        assert!(j["timestamp"].is_string());
    }
    let by = |t: &str| {
        events
            .iter()
            .map(Received::json)
            .find(|j| j["type"] == t)
            .unwrap()
    };
    let props = by("page.properties_updated");
    assert_eq!(
        props["entity"],
        serde_json::json!({"id": row.id.to_string(), "type": "page"})
    );
    assert_eq!(props["data"]["parent"]["type"], "database");
    assert_eq!(props["data"]["parent"]["data_source_id"], ds.to_string());
    assert_eq!(
        props["data"]["updated_properties"],
        serde_json::json!(["N%3Fb%3A"])
    );
    let content = by("page.content_updated");
    assert_eq!(content["entity"]["id"], standalone.id.to_string());
    assert_eq!(content["data"]["parent"]["type"], "space");
    assert_eq!(
        content["data"]["updated_blocks"][0],
        serde_json::json!({"id": block.to_string(), "type": "block"})
    );
    let created = by("comment.created");
    assert_eq!(
        created["entity"],
        serde_json::json!({"id": comment.to_string(), "type": "comment"})
    );
    assert_eq!(created["data"]["page_id"], standalone.id.to_string());
    assert_eq!(
        created["data"]["parent"],
        serde_json::json!({"id": standalone.id.to_string(), "type": "page"})
    );
    let schema = by("data_source.schema_updated");
    assert_eq!(
        schema["entity"],
        serde_json::json!({"id": ds.to_string(), "type": "data_source"})
    );
    assert_eq!(
        schema["data"]["parent"],
        serde_json::json!({"id": db.to_string(), "type": "database"})
    );
    assert_eq!(schema["data"]["updated_properties"][0]["name"], "Reviewed");
    assert_eq!(schema["data"]["updated_properties"][0]["action"], "created");
    let moved = by("page.moved");
    assert_eq!(
        moved["data"]["parent"],
        serde_json::json!({"id": standalone.id.to_string(), "type": "page"})
    );
    // What the fake sent is recorded with the receiver's answers.
    let log = fake.webhook_deliveries();
    assert_eq!(log.len(), receiver.got().len());
    assert!(log.iter().all(|d| d.status == Some(200) && d.attempt == 1));
    assert_eq!(log[0].event_type, "verification");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_deliveries_are_retried_with_backoff_up_to_the_limit() {
    let receiver = Receiver::start(true).await;
    let fake = fake_with(&receiver, |c| c.max_attempts = 3).await;
    settle(&fake).await;
    let page = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .next()
        .unwrap()
        .id;
    receiver.statuses.lock().unwrap().extend([500, 503]);
    fake.add_block(page, "Retried").unwrap();
    settle(&fake).await;
    let events = receiver.events();
    assert_eq!(events.len(), 3);
    let attempts: Vec<u64> = events
        .iter()
        .map(|e| e.json()["attempt_number"].as_u64().unwrap())
        .collect();
    assert_eq!(attempts, [1, 2, 3]);
    assert!(
        events
            .windows(2)
            .all(|w| w[0].json()["id"] == w[1].json()["id"]),
        "one event"
    );
    let token = fake.webhook_verification_token().unwrap();
    assert!(
        events
            .iter()
            .all(|e| e.signature == Some(hmac(&token, &e.body))),
        "each attempt signed"
    );
    let statuses: Vec<Option<u16>> = fake
        .webhook_deliveries()
        .iter()
        .filter(|d| d.event_type == "page.content_updated")
        .map(|d| d.status)
        .collect();
    assert_eq!(statuses, [Some(500), Some(503), Some(200)]);

    // A receiver that keeps failing gets max_attempts tries, then no more.
    receiver
        .statuses
        .lock()
        .unwrap()
        .extend([500, 500, 500, 500]);
    fake.add_block(page, "Given up").unwrap();
    settle(&fake).await;
    assert_eq!(receiver.events().len(), 6);
    assert_eq!(receiver.statuses.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_hooks_send_bad_missing_duplicate_reordered_late_and_unknown_events() {
    let receiver = Receiver::start(true).await;
    let fake = fake_with(&receiver, |_| {}).await;
    settle(&fake).await;
    let token = fake.webhook_verification_token().unwrap();
    let page = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .next()
        .unwrap()
        .id;
    let blocks: Vec<Id> = (0..8)
        .map(|i| fake.add_block(page, &format!("setup {i}")).unwrap())
        .collect();
    settle(&fake).await;
    let start = receiver.events().len();
    let text = |e: &Received| {
        e.json()["data"]["updated_blocks"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    fake.script_webhook_fault(1, WebhookFault::BadSignature);
    fake.edit_block(blocks[0], "a").unwrap();
    fake.script_webhook_fault(1, WebhookFault::Unsigned);
    fake.edit_block(blocks[1], "b").unwrap();
    fake.script_webhook_fault(1, WebhookFault::Duplicate);
    fake.edit_block(blocks[2], "c").unwrap();
    settle(&fake).await;
    let got = receiver.events()[start..].to_vec();
    assert_eq!(got.len(), 4);
    assert!(got[0].signature.is_some() && got[0].signature != Some(hmac(&token, &got[0].body)));
    assert_eq!(got[1].signature, None);
    assert_eq!(got[2].body, got[3].body, "the same event twice");
    assert_eq!(got[2].signature, Some(hmac(&token, &got[2].body)));

    // Reordered: held until the next event has gone.
    let start = receiver.events().len();
    fake.script_webhook_fault(1, WebhookFault::Reorder);
    fake.edit_block(blocks[3], "d").unwrap();
    settle(&fake).await;
    assert_eq!(receiver.events().len(), start, "held back");
    fake.edit_block(blocks[4], "e").unwrap();
    settle(&fake).await;
    let got = receiver.events()[start..].to_vec();
    assert_eq!(
        got.iter().map(text).collect::<Vec<_>>(),
        [blocks[4].to_string(), blocks[3].to_string()]
    );

    // Delayed: arrives after a later event.
    let start = receiver.events().len();
    fake.script_webhook_fault(1, WebhookFault::Delay(Duration::from_millis(300)));
    fake.edit_block(blocks[5], "f").unwrap();
    fake.edit_block(blocks[6], "g").unwrap();
    settle(&fake).await;
    let got = receiver.events()[start..].to_vec();
    assert_eq!(
        got.iter().map(text).collect::<Vec<_>>(),
        [blocks[6].to_string(), blocks[5].to_string()]
    );

    // An event type receivers do not know.
    let id = fake.send_webhook_event("page.teleported", page).unwrap();
    settle(&fake).await;
    let last = receiver.events().last().unwrap().json();
    assert_eq!(last["type"], "page.teleported");
    assert_eq!(last["id"], id.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_never_blocks_the_api() {
    let receiver = Receiver::start(false).await;
    let fake = fake_with(&receiver, |_| {}).await;
    let page = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .next()
        .unwrap()
        .id;
    // The receiver holds every answer: the verification and the event wait, the API does not.
    fake.add_block(page, "While the receiver is busy").unwrap();
    for _ in 0..3 {
        assert_eq!(get(&fake, "/v1/users/me").await.status, 200);
    }
    assert!(fake.webhook_deliveries().is_empty(), "nothing answered yet");
    receiver.gate.add_permits(Semaphore::MAX_PERMITS / 2);
    settle(&fake).await;
    let log = fake.webhook_deliveries();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].event_type, "page.content_updated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receivers_are_on_loopback_and_old_versions_get_database_events() {
    let fake = FakeNotion::start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Options::default(),
    )
    .await
    .unwrap();
    assert!(
        fake.subscribe_webhook(WebhookConfig::new("http://example.com/hook"))
            .is_err()
    );
    assert!(
        fake.subscribe_webhook(WebhookConfig::new("https://127.0.0.1:1/hook"))
            .is_err()
    );
    // No subscription: mutations send nothing.
    let ds = fake
        .ground_truth(Stream::DataSources, ApiVersion::V2026_03_11)
        .next()
        .unwrap();
    fake.add_property(ds.id, "Quiet", "number").unwrap();
    assert!(fake.webhook_deliveries().is_empty());

    let receiver = Receiver::start(true).await;
    let mut config = WebhookConfig::new(&receiver.url);
    config.api_version = ApiVersion::V2022_06_28;
    fake.subscribe_webhook(config).unwrap();
    fake.rename_property(ds.id, "Quiet", "Loud").unwrap();
    settle(&fake).await;
    let e = receiver.events()[0].json();
    assert_eq!(e["type"], "database.schema_updated");
    assert_eq!(e["entity"]["type"], "database");
    assert_eq!(e["entity"]["id"], ds.object["parent"]["database_id"]);
    assert_eq!(e["api_version"], "2022-06-28");
    assert_eq!(e["data"]["updated_properties"][0]["name"], "Loud");
}
