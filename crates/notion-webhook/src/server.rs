//! A small HTTP/1.1 receiver on hyper: reads each request's body (bounded in size and time),
//! answers it with [`Endpoint::respond`], and shuts down gracefully — requests in hand are
//! answered, new connections refused.
//!
//! TLS is left to a reverse proxy in front (Notion only sends to `https://` URLs).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Response, StatusCode, header};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::endpoint::{Endpoint, Handler, Outcome, Request};
use crate::error::Error;
use crate::signature::SIGNATURE_HEADER;

/// Limits of the receiver.
#[derive(Debug, Clone, Copy)]
pub struct ServerOptions {
    /// Time to read a request's headers.
    pub header_timeout: Duration,
    /// Time to read a request's body.
    pub body_timeout: Duration,
    /// Connections served at once; more are closed at once.
    pub max_connections: usize,
    /// How long a shutdown waits for requests in hand.
    pub grace: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 256,
            grace: Duration::from_secs(10),
        }
    }
}

/// Serves `endpoint` on `listener` until `shutdown` completes, then answers the requests in
/// hand (for up to [`ServerOptions::grace`]) and returns.
pub async fn serve<H: Handler>(
    listener: TcpListener,
    endpoint: Arc<Endpoint<H>>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let permits = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a little, go on.
                        tracing::warn!("cannot accept a connection: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    tracing::warn!("too many connections: closing a new one");
                    continue;
                };
                let endpoint = endpoint.clone();
                let mut stop = stop_rx.clone();
                connections.spawn(async move {
                    let _permit = permit;
                    let service = service_fn(move |req| {
                        let endpoint = endpoint.clone();
                        async move { Ok::<_, Infallible>(answer(&endpoint, req, options).await) }
                    });
                    let conn = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(options.header_timeout)
                        .serve_connection(TokioIo::new(stream), service);
                    let mut conn = std::pin::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = stop.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                });
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(options.grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
    Ok(())
}

/// Reads one request and answers it.
async fn answer<H: Handler>(
    endpoint: &Endpoint<H>,
    req: http::Request<Incoming>,
    options: ServerOptions,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let signature = parts
        .headers
        .get(SIGNATURE_HEADER)
        .map(|v| v.to_str().unwrap_or("\u{fffd}").to_owned());
    let limit = endpoint.max_body();
    let collected =
        tokio::time::timeout(options.body_timeout, Limited::new(body, limit).collect()).await;
    let body = match collected {
        Ok(Ok(c)) => c.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            tracing::info!("refused a webhook request: {}", Error::TooLarge { limit });
            return plain(StatusCode::PAYLOAD_TOO_LARGE, "body too large\n");
        }
        Ok(Err(_)) => return plain(StatusCode::BAD_REQUEST, "cannot read the body\n"),
        Err(_) => return plain(StatusCode::REQUEST_TIMEOUT, "body too slow\n"),
    };
    let reply = endpoint.respond(Request {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        signature: signature.as_deref(),
        body: &body,
    });
    match &reply.outcome {
        Outcome::Refused(e) => tracing::info!("refused a webhook request ({}): {e}", reply.status),
        Outcome::Event { id, kind, queued } => {
            tracing::debug!("webhook event {id} ({kind}): {queued:?}");
        }
        _ => {}
    }
    plain(
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        reply.message,
    )
}

fn plain(status: StatusCode, message: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(message.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
