//! `check` always answers with one CONNECTION_STATUS and exits 0, whatever fails: FAILED with the
//! reason and the fix, after a short retry budget.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;

use common::*;
use notion_fake::{Fault, FaultRule, GenConfig, WorkspaceSpec};
use serde_json::{Value, json};

/// A loopback server answering every request with `response`; returns its base URL.
fn fixed_server(response: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{addr}")
}

/// Runs `check` against `base_url` and returns its FAILED message.
async fn failed_check(dir: &Dir, base_url: &str) -> String {
    let cfg = dir.write(
        "config.json",
        &json!({
            "credentials": {"auth_type": "token", "token": "ntn_check_token"},
            "base_url": base_url,
            "requests_per_second": 0,
        }),
    );
    let r = run(args(&["check", "--config", &path_str(&cfg)])).await;
    assert_eq!(r.code, 0, "check exits 0: {}", r.stderr);
    assert_eq!(r.messages.len(), 1, "{}", r.stdout);
    let status: &Value = &r.messages[0]["connectionStatus"];
    assert_eq!(status["status"], "FAILED", "{status}");
    let message = status["message"].as_str().unwrap().to_owned();
    assert!(!message.contains("ntn_check_token"), "{message}");
    message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_host_is_a_failed_status() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let m = failed_check(&Dir::new(), &format!("http://127.0.0.1:{port}")).await;
    assert!(m.starts_with("unreachable host"), "{m}");
    assert!(m.contains("check base_url"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notion_down_is_a_failed_status_after_a_short_retry_budget() {
    let mut options = unthrottled();
    options.faults = vec![FaultRule {
        endpoint: None,
        probability: 1.0,
        fault: Fault::ServiceUnavailable,
    }];
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), options).await;
    let dir = Dir::new();
    let mut c = config(&fake, json!({"max_retries": 8}));
    c["credentials"]["token"] = json!(fake.token());
    let cfg = dir.write("config.json", &c);
    let r = run(args(&["check", "--config", &path_str(&cfg)])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.messages.len(), 1, "{}", r.stdout);
    let status = &r.messages[0]["connectionStatus"];
    assert_eq!(status["status"], "FAILED");
    let m = status["message"].as_str().unwrap();
    assert!(
        m.starts_with("Notion is down or overloaded (HTTP 503)"),
        "{m}"
    );
    assert!(m.contains("status.notion.so"), "{m}");
    assert_eq!(
        fake.counters().total(),
        3,
        "check retries twice, whatever max_retries says"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_is_a_failed_status_without_waiting_for_the_window() {
    let mut options = unthrottled();
    options.rate_limit = Some(1);
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), options).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let r = run(args(&["check", "--config", &path_str(&cfg)])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let status = &r.messages[0]["connectionStatus"];
    assert_eq!(status["status"], "FAILED", "{status}");
    let m = status["message"].as_str().unwrap();
    assert!(m.starts_with("rate limited"), "{m}");
    assert_eq!(
        fake.counters().status(429),
        1,
        "a long Retry-After is not waited for"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_base_path_is_a_failed_status() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let mut c = config(&fake, json!({}));
    c["base_url"] = json!(format!("{}/api", fake.base_url()));
    let cfg = dir.write("config.json", &c);
    let r = run(args(&["check", "--config", &path_str(&cfg)])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let m = r.messages[0]["connectionStatus"]["message"]
        .as_str()
        .unwrap();
    assert!(m.starts_with("wrong base path"), "{m}");

    let m = failed_check(
        &dir,
        &fixed_server(
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
        ),
    )
    .await;
    assert!(m.starts_with("wrong base path"), "{m}");
    assert!(m.contains("without /v1"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_page_or_a_redirect_is_a_failed_status() {
    let dir = Dir::new();
    let html = "<html><body>Sign in</body></html>";
    let response: &'static str = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
            html.len()
        )
        .into_boxed_str(),
    );
    let m = failed_check(&dir, &fixed_server(response)).await;
    assert!(m.starts_with("unexpected response"), "{m}");
    assert!(m.contains("not the Notion API"), "{m}");

    let m = failed_check(
        &dir,
        &fixed_server(
            "HTTP/1.1 301 Moved Permanently\r\nLocation: https://example.com/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
    )
    .await;
    assert!(m.contains("redirect (HTTP 301)"), "{m}");
}
