//! The bottom-most counting layer: every request that reaches the transport.

use std::task::{Context, Poll};

use bytes::Bytes;
use http::Request;
use tower::{Layer, Service};

use crate::stats::{RequestMetrics, Stats};

/// Counts every request that reaches the transport (attempts and OAuth replays) in [`Stats`],
/// and the attempts of each logical request in its [`RequestMetrics`].
#[derive(Clone, Debug)]
pub struct CountLayer {
    stats: Stats,
}

impl CountLayer {
    /// A layer counting into `stats`.
    pub fn new(stats: Stats) -> Self {
        Self { stats }
    }
}

impl<S> Layer<S> for CountLayer {
    type Service = Count<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Count {
            inner,
            stats: self.stats.clone(),
        }
    }
}

/// The service of [`CountLayer`].
#[derive(Clone, Debug)]
pub struct Count<S> {
    inner: S,
    stats: Stats,
}

impl<S: Service<Request<Bytes>>> Service<Request<Bytes>> for Count<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        self.stats.request_sent();
        if let Some(metrics) = request.extensions().get::<RequestMetrics>() {
            metrics.attempt();
        }
        self.inner.call(request)
    }
}
