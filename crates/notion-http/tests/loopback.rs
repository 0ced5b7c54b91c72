//! The real transport (hyper-util over TCP) against a scripted raw-HTTP server on 127.0.0.1:
//! resets, truncated bodies, stalls, proxy HTML, and what the logs contain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;
use common::capture_logs;

use notion_auth::{Credentials, OAuthClientCredentials, TokenPair};
use notion_http::{ClientConfig, ErrorKind, NotionClient};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Clone)]
enum Action {
    Respond(u16, Vec<(&'static str, String)>, String),
    /// Close the connection without answering.
    Reset,
    /// Promise a body and send only part of it.
    Truncate(String),
    /// Never answer.
    Stall,
}

fn json_response(status: u16, body: Value) -> Action {
    Action::Respond(
        status,
        vec![("content-type", "application/json".into())],
        body.to_string(),
    )
}

struct Seen {
    method: String,
    path: String,
    headers: String,
    body: String,
}

type Route = Arc<dyn Fn(&Seen) -> Action + Send + Sync>;

async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut first = head.lines().next()?.split(' ');
    Some(Seen {
        method: first.next()?.to_owned(),
        path: first.next()?.to_owned(),
        headers: head.clone(),
        body: String::from_utf8_lossy(&buf[header_end..header_end + length]).to_string(),
    })
}

async fn serve(route: Route) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let route = route.clone();
            tokio::spawn(async move {
                while let Some(seen) = read_request(&mut stream).await {
                    match route(&seen) {
                        Action::Respond(status, headers, body) => {
                            let mut out = format!(
                                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\n",
                                body.len()
                            );
                            for (k, v) in headers {
                                out.push_str(&format!("{k}: {v}\r\n"));
                            }
                            out.push_str("\r\n");
                            out.push_str(&body);
                            if stream.write_all(out.as_bytes()).await.is_err() {
                                return;
                            }
                        }
                        Action::Reset => return,
                        Action::Truncate(body) => {
                            let out = format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
                                body.len() + 50,
                                body
                            );
                            let _ = stream.write_all(out.as_bytes()).await;
                            return;
                        }
                        Action::Stall => {
                            tokio::time::sleep(Duration::from_secs(300)).await;
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn config(base_url: String, credentials: Credentials) -> ClientConfig {
    let mut config = ClientConfig::new(credentials);
    config.base_url = base_url;
    config.requests_per_second = 10.0;
    config.max_retries = 8;
    config.retry_base_delay = Duration::from_millis(1);
    config.retry_max_delay = Duration::from_millis(5);
    config.request_timeout = Duration::from_secs(5);
    config
}

/// A route that fails each request path with `faults` in order, then answers `ok`.
fn scripted(faults: Vec<Action>, ok: Value) -> (Route, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let hits2 = hits.clone();
    let route: Route = Arc::new(move |_seen: &Seen| {
        let n = hits2.fetch_add(1, Ordering::SeqCst);
        faults
            .get(n)
            .cloned()
            .unwrap_or_else(|| json_response(200, ok.clone()))
    });
    (route, hits)
}

#[tokio::test(start_paused = true)]
async fn every_transient_fault_is_recovered_over_real_tcp() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>".to_owned();
    let (route, hits) = scripted(
        vec![
            Action::Reset,
            Action::Truncate(r#"{"object":"user","id":"#.into()),
            Action::Stall,
            Action::Respond(502, vec![("content-type", "text/html".into())], html),
            json_response(
                500,
                json!({"object":"error","status":500,"code":"internal_server_error","message":"m"}),
            ),
            json_response(
                503,
                json!({"object":"error","status":503,"code":"service_unavailable","message":"m"}),
            ),
            json_response(
                504,
                json!({"object":"error","status":504,"code":"gateway_timeout","message":"m"}),
            ),
            Action::Respond(
                529,
                vec![
                    ("retry-after", "0".into()),
                    ("content-type", "application/json".into()),
                ],
                json!({"object":"error","status":529,"code":"service_overload","message":"m"})
                    .to_string(),
            ),
        ],
        json!({"object": "user", "id": "u1"}),
    );
    let base = serve(route).await;
    let client = NotionClient::new(config(base, Credentials::token("ntn_tcp"))).unwrap();
    let user = client.get_user("u1").as_type::<Value>().await.unwrap();
    assert_eq!(user["id"], "u1");
    assert_eq!(hits.load(Ordering::SeqCst), 9);
    let stats = client.stats();
    assert_eq!(stats.retries, 8);
    assert_eq!(stats.transport_errors, 2, "{stats:?}");
    assert_eq!(stats.timeouts, 1, "{stats:?}");
    assert_eq!(stats.server_errors, 4, "{stats:?}");
    assert_eq!(stats.overloaded, 1, "{stats:?}");
}

#[tokio::test]
async fn final_errors_surface_with_code_and_request_id() {
    let route: Route = Arc::new(|seen: &Seen| {
        let (status, code) = match seen.path.as_str() {
            "/v1/pages/bad" => (400, "validation_error"),
            "/v1/pages/unauth" => (401, "unauthorized"),
            "/v1/pages/restricted" => (403, "restricted_resource"),
            _ => (404, "object_not_found"),
        };
        Action::Respond(
            status,
            vec![
                ("content-type", "application/json".into()),
                ("x-notion-request-id", format!("req-{status}")),
            ],
            json!({"object": "error", "status": status, "code": code, "message": "nope"})
                .to_string(),
        )
    });
    let base = serve(route).await;
    let client = NotionClient::new(config(base, Credentials::token("ntn_tcp"))).unwrap();
    for (id, kind, code) in [
        ("bad", ErrorKind::Validation, "validation_error"),
        ("unauth", ErrorKind::Authentication, "unauthorized"),
        ("restricted", ErrorKind::Restricted, "restricted_resource"),
        ("gone", ErrorKind::NotFound, "object_not_found"),
    ] {
        let err = client.get_page(id).as_type::<Value>().await.unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
        assert_eq!(err.code().map(|c| c.as_str()), Some(code));
        assert!(err.request_id().unwrap().starts_with("req-"), "{err}");
    }
    assert_eq!(
        client.stats().requests_sent,
        4,
        "final errors are not retried"
    );
}

#[tokio::test]
async fn trace_logs_of_faults_and_oauth_refresh_contain_no_secret() {
    const ACCESS: &str = "ntn_secret_access_0";
    const NEW_ACCESS: &str = "ntn_secret_access_1";
    const REFRESH: &str = "secret_refresh_0";
    const NEW_REFRESH: &str = "secret_refresh_1";
    const CLIENT_SECRET: &str = "secret_client_xyz";

    let capture = capture_logs();

    let hits = Arc::new(AtomicUsize::new(0));
    let hits2 = hits.clone();
    let route: Route = Arc::new(move |seen: &Seen| {
        if seen.path == "/v1/oauth/token" {
            assert_eq!(seen.method, "POST");
            assert!(
                seen.body.contains(REFRESH),
                "refresh token sent in the body"
            );
            return json_response(
                200,
                json!({"access_token": NEW_ACCESS, "token_type": "bearer",
                       "refresh_token": NEW_REFRESH, "bot_id": "bot"}),
            );
        }
        if !seen.headers.contains(NEW_ACCESS) {
            return json_response(
                401,
                json!({"object":"error","status":401,"code":"unauthorized",
                "message":"API token is invalid."}),
            );
        }
        match hits2.fetch_add(1, Ordering::SeqCst) {
            0 => Action::Reset,
            1 => Action::Respond(
                502,
                vec![],
                "<html>Bearer ntn_secret_access_1 bad gateway</html>".into(),
            ),
            2 => Action::Respond(
                429,
                vec![
                    ("retry-after", "0".into()),
                    ("content-type", "application/json".into()),
                ],
                json!({"object":"error","status":429,"code":"rate_limited","message":"slow down"})
                    .to_string(),
            ),
            _ => json_response(200, json!({"object": "user", "id": "me"})),
        }
    });
    let base = serve(route).await;
    let rotated: Arc<Mutex<Vec<TokenPair>>> = Arc::default();
    let rotated2 = rotated.clone();
    let mut config = config(
        base,
        Credentials::oauth(
            ACCESS,
            Some(REFRESH.into()),
            Some(OAuthClientCredentials::new("client-id", CLIENT_SECRET)),
        ),
    );
    config.on_token_rotation = Some(Arc::new(move |pair: &TokenPair| {
        rotated2.lock().unwrap().push(pair.clone());
    }));
    let client = NotionClient::new(config.clone()).unwrap();
    let me = client.me().as_type::<Value>().await.unwrap();
    assert_eq!(me["id"], "me");
    let rotated = rotated.lock().unwrap().clone();
    assert_eq!(rotated.len(), 1);
    assert_eq!(rotated[0].access_token.expose_secret(), NEW_ACCESS);
    assert_eq!(client.stats().token_refreshes, 1);

    // Errors and Debug output are part of what users see.
    let err = client.get_page("x").as_type::<Value>().await;
    let mut seen = format!(
        "{config:?} {client:?} {:?} {:?}",
        rotated[0],
        client.tokens()
    );
    if let Err(err) = err {
        seen.push_str(&format!("{err} {err:?}"));
    }
    let logs = capture.text();
    assert!(
        logs.contains("retrying Notion request"),
        "logs captured: {logs}"
    );
    assert!(logs.contains("OAuth token refreshed"), "{logs}");
    for secret in [ACCESS, NEW_ACCESS, REFRESH, NEW_REFRESH, CLIENT_SECRET] {
        assert!(!logs.contains(secret), "{secret} in logs:\n{logs}");
        assert!(!seen.contains(secret), "{secret} in output:\n{seen}");
    }
}
