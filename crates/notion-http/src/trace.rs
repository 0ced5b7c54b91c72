//! One line per logical request (all its attempts), at `debug`: method, path (never the query
//! string), final status, milliseconds, attempts, time waited on the limiter and Notion's
//! request id, in a `notion_request` span (method and path) that also gives context to the
//! retry layer's warnings. Headers and bodies are never recorded, so no credential can reach
//! the logs.

use std::task::{Context, Poll};

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{Request, Response};
use tokio::time::Instant;
use tower::{Layer, Service};
use tracing::Instrument;

use crate::classify::{Verdict, classify};
use crate::error::Error;
use crate::stats::RequestMetrics;

/// Wraps each request in a `notion_request` span and logs its outcome.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer;

impl TraceLayer {
    /// The layer.
    pub fn new() -> Self {
        Self
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Trace { inner }
    }
}

/// The service produced by [`TraceLayer`].
#[derive(Debug, Clone)]
pub struct Trace<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for Trace<S>
where
    S: Service<Request<B>, Response = Response<Bytes>, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response<Bytes>, Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let metrics = request
            .extensions()
            .get::<RequestMetrics>()
            .cloned()
            .unwrap_or_else(|| {
                let metrics = RequestMetrics::new();
                request.extensions_mut().insert(metrics.clone());
                metrics
            });
        let span = tracing::debug_span!(
            "notion_request",
            method = %request.method(),
            path = %request.uri().path(),
        );
        let future = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        Box::pin(
            async move {
                let start = Instant::now();
                let result = future.await;
                let ms = start.elapsed().as_millis() as u64;
                let attempts = metrics.attempts();
                let limiter_wait_ms = metrics.limiter_wait().as_millis() as u64;
                let class = classify(&result);
                let status = class.status.map(|s| s.as_u16());
                match (&result, class.verdict) {
                    (Ok(response), Verdict::Success) => {
                        let request_id = response
                            .headers()
                            .get("x-notion-request-id")
                            .and_then(|v| v.to_str().ok());
                        tracing::debug!(
                            status,
                            ms,
                            attempts,
                            limiter_wait_ms,
                            request_id,
                            "notion request"
                        );
                    }
                    (Ok(response), _) => {
                        let api = crate::error::ApiError::from_response(response);
                        tracing::debug!(
                            status,
                            ms,
                            attempts,
                            limiter_wait_ms,
                            request_id = api.request_id.as_deref(),
                            code = api.code.as_ref().map(|c| c.as_str()),
                            "notion request failed"
                        );
                    }
                    (Err(error), _) => {
                        tracing::debug!(
                            status,
                            ms,
                            attempts,
                            limiter_wait_ms,
                            request_id = error.request_id(),
                            error = %error,
                            "notion request failed"
                        );
                    }
                }
                result
            }
            .instrument(span),
        )
    }
}
