//! The HTTP receiver on 127.0.0.1: answers, limits and a graceful shutdown.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use notion_webhook::server::{ServerOptions, serve};
use notion_webhook::{Endpoint, MemoryHandler, VerificationToken, sign};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const EVENT: &[u8] = br#"{"id":"e1","type":"page.moved","entity":{"id":"153104cd-477e-809d-8dc4-ff2d96ae3090","type":"page"}}"#;

async fn post(addr: std::net::SocketAddr, signature: Option<&str>, body: &[u8]) -> (u16, String) {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "POST /hook HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    if let Some(s) = signature {
        head.push_str(&format!("x-notion-signature: {s}\r\n"));
    }
    head.push_str("\r\n");
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(body).await.unwrap();
    let mut response = String::new();
    tcp.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

#[tokio::test]
async fn answers_over_http_and_stops_gracefully() {
    let token = VerificationToken::new("secret_t");
    let endpoint =
        Arc::new(Endpoint::new(MemoryHandler::with_token(token.clone(), 10)).with_max_body(1024));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        endpoint.clone(),
        ServerOptions::default(),
        async {
            let _ = stopped.await;
        },
    ));

    assert_eq!(post(addr, None, EVENT).await.0, 401);
    assert_eq!(post(addr, Some(&sign(&token, b"x")), EVENT).await.0, 401);
    assert_eq!(post(addr, Some(&sign(&token, b"{")), b"{").await.0, 400);
    let big = vec![b'x'; 2048];
    assert_eq!(post(addr, Some(&sign(&token, &big)), &big).await.0, 413);
    let (status, body) = post(addr, Some(&sign(&token, EVENT)), EVENT).await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    assert_eq!(endpoint.handler().take().len(), 1);

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn a_request_in_hand_is_answered_during_shutdown() {
    let token = VerificationToken::new("secret_t");
    let endpoint = Arc::new(Endpoint::new(MemoryHandler::with_token(token.clone(), 10)));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        endpoint.clone(),
        ServerOptions::default(),
        async {
            let _ = stopped.await;
        },
    ));
    // Headers sent, body not yet: the shutdown comes in between.
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let signature = sign(&token, EVENT);
    tcp.write_all(
        format!(
            "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\nx-notion-signature: {signature}\r\n\r\n",
            EVENT.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    tcp.write_all(EVENT).await.unwrap();
    let mut response = String::new();
    tcp.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert_eq!(endpoint.handler().take().len(), 1);
    server.await.unwrap().unwrap();
}
