//! The HTTP server: accept loop, request pipeline (faults, latency, version, auth, rate limit),
//! response building.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::api;
use crate::auth::Capabilities;
use crate::body::FakeBody;
use crate::ctx::{Ctx, Shared};
use crate::error::ApiError;
use crate::faults::Fault;
use crate::files;
use crate::routes::{Endpoint, route};
use notion_model::ApiVersion;

/// The connection reset fault: returning it makes hyper drop the connection without a response.
#[derive(Debug, thiserror::Error)]
#[error("connection reset on purpose")]
pub(crate) struct Reset;

const MAX_BODY: usize = 1 << 20;

/// Runs the accept loop until `shutdown` flips to true.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) {
    let mut stop = shutdown.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let mut conn_shutdown = shutdown.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| handle(shared.clone(), req));
                    let conn = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), svc);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = conn_shutdown.wait_for(|s| *s) => {}
                    }
                });
            }
            _ = stop.wait_for(|s| *s) => break,
        }
    }
}

/// Binds 127.0.0.1:`port`.
pub(crate) async fn bind(port: u16) -> std::io::Result<(TcpListener, SocketAddr)> {
    let l = TcpListener::bind(("127.0.0.1", port)).await?;
    let a = l.local_addr()?;
    Ok((l, a))
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<FakeBody>, Reset> {
    let request_id = shared.request_id();
    if req.uri().path().starts_with("/files/") {
        let (status, mut resp) = files::download(
            &shared,
            req.method(),
            req.uri().path(),
            req.uri().query().unwrap_or(""),
            &request_id,
        );
        resp.headers_mut()
            .insert(header::DATE, shared.date_header());
        shared.counters.record_download(status);
        return Ok(resp);
    }
    let r = route(req.method(), req.uri().path());
    let endpoint = r.endpoint;
    let (fault, delay) = shared.faults.decide(endpoint);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut truncate = false;
    let early = match fault {
        Some(Fault::ConnectionReset) => {
            shared.counters.record(endpoint, 0);
            return Err(Reset);
        }
        Some(Fault::Stall(d)) => {
            tokio::time::sleep(d).await;
            None
        }
        Some(Fault::TruncatedBody) => {
            truncate = true;
            None
        }
        Some(Fault::BadGatewayHtml) => Some((502, html_502(&request_id))),
        Some(f) => {
            let e = match f {
                Fault::ServiceUnavailable => ApiError::service_unavailable(),
                Fault::GatewayTimeout => ApiError::gateway_timeout(),
                Fault::Overloaded { retry_after } => ApiError::overloaded(retry_after),
                _ => ApiError::internal(),
            };
            Some((e.status, error_response(&e, &request_id)))
        }
        None => None,
    };
    let (status, mut resp) = match early {
        Some(x) => x,
        None => match process(&shared, req, r, &request_id).await {
            Ok(b) => {
                let len = b.len();
                let body = if truncate {
                    FakeBody::truncated(b)
                } else {
                    FakeBody::full(b)
                };
                let mut resp = json_response(StatusCode::OK, body);
                resp.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
                if let Ok(v) = HeaderValue::from_str(&request_id) {
                    resp.headers_mut().insert("x-notion-request-id", v);
                }
                (200, resp)
            }
            Err(e) => (e.status, error_response(&e, &request_id)),
        },
    };
    resp.headers_mut()
        .insert(header::DATE, shared.date_header());
    shared.counters.record(endpoint, status);
    Ok(resp)
}

async fn process(
    shared: &Shared,
    req: Request<Incoming>,
    r: crate::routes::Route,
    request_id: &str,
) -> Result<Bytes, ApiError> {
    let endpoint = r.endpoint;
    let (rate_limit, search_lag, version_ok) = shared.with_live_read(|l| {
        let header = req.headers().get("notion-version").map(|v| {
            let s = v.to_str().unwrap_or("");
            match s.parse::<ApiVersion>() {
                Ok(v) if l.versions.contains(&v) => Ok(v),
                _ => Err(ApiError::bad_version(s, &l.versions)),
            }
        });
        (l.rate_limit, l.search_lag, header)
    });
    let oauth = matches!(
        endpoint,
        Endpoint::OAuthToken | Endpoint::OAuthIntrospect | Endpoint::OAuthRevoke
    );
    let version = match version_ok {
        None if oauth => ApiVersion::V2026_03_11,
        None => return Err(ApiError::missing_version()),
        Some(v) => v?,
    };
    if endpoint == Endpoint::Unknown {
        return Err(ApiError::invalid_url());
    }
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut caps = Capabilities::ALL;
    if !oauth {
        let token = authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?
            .trim()
            .to_owned();
        caps = shared.auth.authorize(&token)?;
        shared
            .limiter
            .check(&token, rate_limit)
            .map_err(ApiError::rate_limited)?;
    }
    let query = req.uri().query().unwrap_or("").to_owned();
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(ApiError::validation("Request body is too large.")),
    };
    let ctx = Ctx {
        shared,
        version,
        caps,
        route: r,
        query,
        body,
        content_type,
        authorization,
        search_lag,
        request_id: request_id.to_owned(),
        now: shared.clock.now(),
    };
    api::dispatch(&ctx)
}

fn json_response(status: StatusCode, body: FakeBody) -> Response<FakeBody> {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

pub(crate) fn error_response(e: &ApiError, request_id: &str) -> Response<FakeBody> {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = json_response(status, FakeBody::full(e.body(request_id)));
    if let Some(s) = e.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-notion-request-id", v);
    }
    resp
}

fn html_502(request_id: &str) -> Response<FakeBody> {
    let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";
    let mut resp = Response::new(FakeBody::full(html));
    *resp.status_mut() = StatusCode::BAD_GATEWAY;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-notion-request-id", v);
    }
    resp
}
