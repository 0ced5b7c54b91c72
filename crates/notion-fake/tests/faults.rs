//! Injected faults and latency, over real TCP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use notion_fake::{
    Endpoint, FakeNotion, Fault, FaultRule, GenConfig, Latency, Options, WorkspaceSpec,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn start(options: Options) -> FakeNotion {
    FakeNotion::start(WorkspaceSpec::Generated(GenConfig::small()), options)
        .await
        .unwrap()
}

async fn try_get(fake: &FakeNotion, path: &str) -> Result<Resp, String> {
    let auth = format!("Bearer {}", fake.token());
    raw(
        fake,
        http::Method::GET,
        path,
        &[("authorization", &auth), ("notion-version", V26)],
        None,
    )
    .await
}

#[tokio::test]
async fn scripted_status_faults() {
    let fake = start(Options::default()).await;
    fake.script_fault(Some(Endpoint::ListUsers), 1, Fault::InternalError);
    fake.script_fault(Some(Endpoint::ListUsers), 1, Fault::ServiceUnavailable);
    fake.script_fault(Some(Endpoint::ListUsers), 1, Fault::GatewayTimeout);
    fake.script_fault(
        Some(Endpoint::ListUsers),
        1,
        Fault::Overloaded { retry_after: 7 },
    );
    fake.script_fault(Some(Endpoint::ListUsers), 1, Fault::BadGatewayHtml);
    // Other endpoints are unaffected.
    assert_eq!(get(&fake, "/v1/users/me").await.status, 200);
    assert_error(&get(&fake, "/v1/users").await, 500, "internal_server_error");
    assert_error(&get(&fake, "/v1/users").await, 503, "service_unavailable");
    assert_error(&get(&fake, "/v1/users").await, 504, "gateway_timeout");
    let r = get(&fake, "/v1/users").await;
    assert_error(&r, 529, "service_overload");
    assert_eq!(r.header("retry-after"), Some("7"));
    assert_eq!(r.json()["additional_data"]["retry_after"], "7");
    let r = get(&fake, "/v1/users").await;
    assert_eq!(r.status, 502);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(String::from_utf8_lossy(&r.body).contains("<html>"));
    assert_eq!(get(&fake, "/v1/users").await.status, 200);
    let c = fake.counters();
    assert_eq!(c.get(Endpoint::ListUsers, 502), 1);
    assert_eq!(c.get(Endpoint::ListUsers, 529), 1);
}

#[tokio::test]
async fn scripted_count_applies_to_the_next_n_requests() {
    let fake = start(Options::default()).await;
    fake.script_fault(None, 3, Fault::InternalError);
    for _ in 0..3 {
        assert_eq!(get(&fake, "/v1/users/me").await.status, 500);
    }
    assert_eq!(get(&fake, "/v1/users/me").await.status, 200);
}

#[tokio::test]
async fn connection_reset_sends_no_response() {
    let fake = start(Options::default()).await;
    fake.script_fault(Some(Endpoint::Me), 1, Fault::ConnectionReset);
    let mut s = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
    let req = format!(
        "GET /v1/users/me HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\nnotion-version: {V26}\r\n\r\n",
        fake.token()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let n = s.read_to_end(&mut buf).await.unwrap_or(0);
    assert_eq!(
        n,
        0,
        "no byte of a response: {}",
        String::from_utf8_lossy(&buf)
    );
    assert_eq!(fake.counters().get(Endpoint::Me, 0), 1);
    assert!(try_get(&fake, "/v1/users/me").await.is_ok());
}

#[tokio::test]
async fn truncated_body_sends_less_than_content_length() {
    let fake = start(Options::default()).await;
    fake.script_fault(Some(Endpoint::ListUsers), 1, Fault::TruncatedBody);
    let mut s = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
    let req = format!(
        "GET /v1/users HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\nnotion-version: {V26}\r\n\r\n",
        fake.token()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"));
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(body.len() < len, "{} < {len}", body.len());
    // A client sees an error.
    fake.script_fault(Some(Endpoint::ListUsers), 1, Fault::TruncatedBody);
    assert!(try_get(&fake, "/v1/users").await.is_err());
}

#[tokio::test(start_paused = true)]
async fn stall_and_latency_use_tokio_time() {
    let fake = start(Options::default()).await;
    fake.script_fault(
        Some(Endpoint::Me),
        1,
        Fault::Stall(Duration::from_secs(300)),
    );
    let t0 = tokio::time::Instant::now();
    assert_eq!(get(&fake, "/v1/users/me").await.status, 200);
    assert!(t0.elapsed() >= Duration::from_secs(300));
    fake.set_latency(
        Some(Endpoint::ListUsers),
        Latency {
            fixed: Duration::from_secs(2),
            jitter: Duration::from_secs(1),
        },
    );
    let t0 = tokio::time::Instant::now();
    assert_eq!(get(&fake, "/v1/users").await.status, 200);
    let e = t0.elapsed();
    assert!(
        e >= Duration::from_secs(2) && e <= Duration::from_secs(3) + Duration::from_millis(50),
        "{e:?}"
    );
    let t0 = tokio::time::Instant::now();
    assert_eq!(get(&fake, "/v1/users/me").await.status, 200);
    assert!(t0.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn probabilistic_faults_are_reproducible() {
    let rule = FaultRule {
        endpoint: Some(Endpoint::Me),
        probability: 0.3,
        fault: Fault::InternalError,
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let fake = start(Options {
            faults: vec![rule],
            fault_seed: 42,
            rate_limit: None,
            ..Options::default()
        })
        .await;
        let mut statuses = Vec::new();
        for _ in 0..60 {
            statuses.push(get(&fake, "/v1/users/me").await.status);
        }
        // Other endpoints never fail.
        assert_eq!(get(&fake, "/v1/users").await.status, 200);
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    let failures = runs[0].iter().filter(|s| **s == 500).count();
    assert!((5..=35).contains(&failures), "{failures} failures of 60");
    // Changed at runtime.
    let fake = start(Options::default()).await;
    fake.add_fault(FaultRule {
        endpoint: None,
        probability: 1.0,
        fault: Fault::GatewayTimeout,
    });
    assert_eq!(get(&fake, "/v1/users/me").await.status, 504);
    fake.clear_faults();
    assert_eq!(get(&fake, "/v1/users/me").await.status, 200);
}
