//! The bottom of the stack: hyper-util's pooled client over rustls (ring, webpki roots, HTTP/1.1
//! and HTTP/2 by ALPN), reading the whole response body under a size limit.
//!
//! Reading the body here means that a reset or a truncated body is a transport error *inside*
//! the retry loop, that the per-attempt timeout covers the body, and that the retry policy can
//! classify by Notion's error `code`.

use std::fmt;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tower::Service;

use crate::error::Error;

/// Settings of the HTTP transport.
#[derive(Debug, Clone, Copy)]
pub struct TransportConfig {
    /// Time allowed to open a TCP connection.
    pub connect_timeout: Duration,
    /// How long an idle pooled connection is kept.
    pub pool_idle_timeout: Duration,
    /// Idle connections kept per host.
    pub pool_max_idle_per_host: usize,
    /// Largest response body accepted, in bytes.
    pub max_response_bytes: usize,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: 32,
            max_response_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Sends `Request<Bytes>` and answers `Response<Bytes>` with the whole body. Every status is
/// an `Ok` response; errors are transport failures only.
#[derive(Clone)]
pub struct HttpTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    max_response_bytes: usize,
}

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTransport")
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl HttpTransport {
    /// Builds the pooled HTTPS client. Plain `http://` is accepted by the transport; the
    /// client configuration allows it for loopback addresses only.
    pub fn new(config: TransportConfig) -> Result<Self, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(config.connect_timeout));
        http.set_keepalive(Some(Duration::from_secs(60)));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| Error::config("tls", format!("cannot set up TLS: {e}")))?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(config.pool_idle_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .build(https);
        Ok(Self {
            client,
            max_response_bytes: config.max_response_bytes,
        })
    }
}

impl Service<Request<Bytes>> for HttpTransport {
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response<Bytes>, Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // The legacy client is always ready; connections are checked out per request.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let client = self.client.clone();
        let limit = self.max_response_bytes;
        Box::pin(async move {
            let request = request.map(Full::new);
            let response = client.request(request).await.map_err(|e| {
                let context = if e.is_connect() {
                    "connecting"
                } else {
                    "sending the request"
                };
                Error::transport(context, e)
            })?;
            let (parts, body) = response.into_parts();
            let body = match Limited::new(body, limit).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                    return Err(Error::decode(
                        "a response within the size limit",
                        format!("the response body exceeds {limit} bytes"),
                    ));
                }
                Err(e) => return Err(Error::transport("reading the response body", e)),
            };
            // Notion answers every success with a JSON object. A body that is not one was cut
            // short (or mangled on the way) even when its framing looked complete, so it is a
            // transport error and retried like a reset.
            if parts.status.is_success() && !whole_json_object(&parts, &body) {
                // A page of another media type (a proxy's or a login page) is a wrong answer,
                // not a cut one: retrying does not help.
                if let Some(kind) = non_json_content_type(&parts) {
                    return Err(Error::decode(
                        "a JSON object",
                        format!("the server answered a {kind} page, not Notion's JSON"),
                    ));
                }
                return Err(Error::transport(
                    "reading the response body",
                    "the JSON body is truncated or malformed",
                ));
            }
            Ok(Response::from_parts(parts, body))
        })
    }
}

/// The response's media type when it says the body is not JSON (`text/html`, …).
fn non_json_content_type(parts: &http::response::Parts) -> Option<String> {
    let value = parts
        .headers
        .get(http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    let media = value.split(';').next().unwrap_or_default().trim();
    (!media.is_empty() && !media.to_ascii_lowercase().contains("json")).then(|| media.to_owned())
}

/// Whether a success body is a whole JSON object.
///
/// When the HTTP layer delimited the body — by `Content-Length`, by chunked encoding, or by
/// HTTP/2 framing — a body cut short on the way is already an error by now, so a body that is
/// braced as an object is whole; the caller's decoding reads it once, and rejects what is
/// still malformed. A body delimited only by the end of the connection may have been cut
/// anywhere: it is parsed here in full.
fn whole_json_object(parts: &http::response::Parts, body: &[u8]) -> bool {
    let trimmed = body.trim_ascii();
    if !(trimmed.starts_with(b"{") && trimmed.ends_with(b"}")) {
        return false;
    }
    let framed = parts.version == http::Version::HTTP_2
        || parts.headers.contains_key(http::header::CONTENT_LENGTH)
        || parts
            .headers
            .get_all(http::header::TRANSFER_ENCODING)
            .iter()
            .any(|v| {
                v.to_str()
                    .is_ok_and(|v| v.to_ascii_lowercase().contains("chunked"))
            });
    framed || serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> http::response::Parts {
        let mut b = Response::builder();
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn framed_bodies_are_checked_for_braces_and_unframed_ones_in_full() {
        let cl = parts(&[("content-length", "10")]);
        let chunked = parts(&[("transfer-encoding", "Chunked")]);
        let unframed = parts(&[]);
        for p in [&cl, &chunked, &unframed] {
            assert!(whole_json_object(p, br#" {"object":"list"} "#));
            assert!(!whole_json_object(p, br#"{"object":"li"#));
            assert!(!whole_json_object(p, b"<html>502</html>"));
            assert!(!whole_json_object(p, b""));
        }
        // Cut inside, at a closing brace: only the full parse of an unframed body sees it.
        let cut = br#"{"results":[{"id":"a"}"#;
        assert!(!whole_json_object(&unframed, cut));
        assert!(!whole_json_object(&unframed, br#"{"a":"x}"#));
    }

    #[test]
    fn pages_of_other_media_types_are_told_apart() {
        let html = parts(&[("content-type", "text/html; charset=utf-8")]);
        assert_eq!(non_json_content_type(&html).as_deref(), Some("text/html"));
        let json = parts(&[("content-type", "application/json; charset=utf-8")]);
        assert_eq!(non_json_content_type(&json), None);
        assert_eq!(non_json_content_type(&parts(&[])), None);
    }
}
