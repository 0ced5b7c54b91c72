//! A tiny HTTP/1.1 client for the tests (one connection per request).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use notion_fake::FakeNotion;
use serde_json::Value;
use tokio::net::TcpStream;

pub mod schema;
pub mod walk;

pub const V25: &str = "2025-09-03";
pub const V26: &str = "2026-03-11";
pub const V22: &str = "2022-06-28";

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request; `Err` when the connection fails or is closed without a full response.
pub async fn raw(
    fake: &FakeNotion,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Result<Resp, String> {
    let stream = TcpStream::connect(fake.addr())
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let req = b
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    Ok(Resp {
        status,
        headers,
        body,
    })
}

/// GET with the default token and a version.
pub async fn get_v(fake: &FakeNotion, version: &str, path: &str) -> Resp {
    let auth = format!("Bearer {}", fake.token());
    raw(
        fake,
        Method::GET,
        path,
        &[("authorization", &auth), ("notion-version", version)],
        None,
    )
    .await
    .unwrap()
}

pub async fn get(fake: &FakeNotion, path: &str) -> Resp {
    get_v(fake, V26, path).await
}

/// POST JSON with the default token and a version.
pub async fn post_v(fake: &FakeNotion, version: &str, path: &str, body: &Value) -> Resp {
    let auth = format!("Bearer {}", fake.token());
    raw(
        fake,
        Method::POST,
        path,
        &[
            ("authorization", &auth),
            ("notion-version", version),
            ("content-type", "application/json"),
        ],
        Some(serde_json::to_vec(body).unwrap()),
    )
    .await
    .unwrap()
}

pub async fn post(fake: &FakeNotion, path: &str, body: &Value) -> Resp {
    post_v(fake, V26, path, body).await
}

/// Asserts an error body: shape and code.
pub fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(
        r.status,
        status,
        "body: {}",
        String::from_utf8_lossy(&r.body)
    );
    let j = r.json();
    assert_eq!(j["object"], "error");
    assert_eq!(j["status"], status);
    assert_eq!(j["code"], code);
    assert!(j["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(j["request_id"].as_str().is_some());
    assert_eq!(r.header("x-notion-request-id"), j["request_id"].as_str());
}

/// Follows `next_cursor` through a GET list endpoint; returns all results and the page count.
pub async fn get_all(fake: &FakeNotion, version: &str, path: &str) -> (Vec<Value>, usize) {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let p = match &cursor {
            Some(c) => format!("{path}{sep}start_cursor={c}"),
            None => path.to_owned(),
        };
        let r = get_v(fake, version, &p).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let j = r.json();
        pages += 1;
        out.extend(j["results"].as_array().unwrap().iter().cloned());
        match j["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(j["has_more"], true);
                cursor = Some(c.to_owned());
            }
            None => {
                assert_eq!(j["has_more"], false);
                return (out, pages);
            }
        }
    }
}

/// Follows `next_cursor` through a POST list endpoint.
pub async fn post_all(
    fake: &FakeNotion,
    version: &str,
    path: &str,
    body: &Value,
) -> (Vec<Value>, Vec<Value>) {
    let mut out = Vec::new();
    let mut raw_pages = Vec::new();
    let mut b = body.clone();
    loop {
        let r = post_v(fake, version, path, &b).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let j = r.json();
        out.extend(j["results"].as_array().unwrap().iter().cloned());
        let next = j["next_cursor"].as_str().map(str::to_owned);
        raw_pages.push(j);
        match next {
            Some(c) => b["start_cursor"] = Value::String(c),
            None => return (out, raw_pages),
        }
    }
}
