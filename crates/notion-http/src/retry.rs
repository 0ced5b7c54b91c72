//! Retries with exponential backoff and full jitter, honouring `Retry-After`, on tower's
//! [`tower::retry::Retry`].
//!
//! The policy is cloned per request (tower's design), so the attempt counter is per request;
//! the shared parts — the rate limiter whose cooldown a 429/529 sets, and the statistics — are
//! behind `Arc`s.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use tower::Layer;
use tower::retry::Policy;
use tower::util::rng::{HasherRng, Rng};

use crate::classify::{Verdict, classify};
use crate::error::Error;
use crate::rate_limit::RateLimiter;
use crate::stats::Stats;

/// Retry settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// The backoff before retry `n` (from 0) is uniform in `[0, min(max_delay, base_delay·2ⁿ)]`.
    pub base_delay: Duration,
    /// The cap of the exponential backoff.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the request fails with its 429/529.
    pub max_retry_after: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

/// The retry policy: which outcomes to retry (see [`classify`]) and how long to wait.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    config: RetryConfig,
    attempt: u32,
    limiter: Option<Arc<RateLimiter>>,
    stats: Stats,
    rng: HasherRng,
}

impl RetryPolicy {
    /// A policy with `config`. Without a limiter, 429/529 only delay their own request.
    pub fn new(config: RetryConfig) -> Self {
        Self {
            config,
            attempt: 0,
            limiter: None,
            stats: Stats::default(),
            rng: HasherRng::default(),
        }
    }

    /// Pauses `limiter` (every caller of the connection) on a 429/529.
    pub fn with_limiter(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Records retries and outcomes into `stats`.
    pub fn with_stats(mut self, stats: Stats) -> Self {
        self.stats = stats;
        self
    }

    /// The backoff before retry number `attempt` (from 0): full jitter over an exponential
    /// ceiling.
    pub fn backoff(&mut self, attempt: u32) -> Duration {
        let ceiling = self
            .config
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.min(30)))
            .min(self.config.max_delay);
        ceiling.mul_f64(self.rng.next_f64())
    }
}

fn clone_request<B: Clone>(request: &Request<B>) -> Request<B> {
    let mut clone = Request::new(request.body().clone());
    *clone.method_mut() = request.method().clone();
    *clone.uri_mut() = request.uri().clone();
    *clone.version_mut() = request.version();
    *clone.headers_mut() = request.headers().clone();
    *clone.extensions_mut() = request.extensions().clone();
    clone
}

impl<B: Clone> Policy<Request<B>, Response<Bytes>, Error> for RetryPolicy {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        _request: &mut Request<B>,
        result: &mut Result<Response<Bytes>, Error>,
    ) -> Option<Self::Future> {
        let class = classify(result);
        self.stats.outcome(&class);
        let Verdict::Retry(reason) = class.verdict else {
            return None;
        };
        let status = class.status.map(|s| s.as_u16());
        let attempt = self.attempt + 1;
        if self.attempt >= self.config.max_retries {
            tracing::warn!(
                attempt,
                reason = reason.as_str(),
                status,
                "giving up on Notion request after {attempt} attempts"
            );
            return None;
        }
        if let Some(wait) = class
            .retry_after
            .filter(|w| *w > self.config.max_retry_after)
        {
            tracing::warn!(
                attempt,
                status,
                retry_after_s = wait.as_secs(),
                "Retry-After exceeds max_retry_after; not retrying"
            );
            if let Some(limiter) = &self.limiter {
                limiter.pause_for(self.config.max_retry_after);
            }
            return None;
        }
        let backoff = self.backoff(self.attempt);
        let wait = backoff.max(class.retry_after.unwrap_or_default());
        if let Some(limiter) = self.limiter.as_ref().filter(|_| reason.pauses_connection()) {
            limiter.pause_for(class.retry_after.unwrap_or(backoff));
        }
        self.attempt += 1;
        self.stats.retried(wait);
        tracing::warn!(
            attempt,
            reason = reason.as_str(),
            status,
            wait_ms = wait.as_millis() as u64,
            retry_after_s = class.retry_after.map(|d| d.as_secs()),
            request_id = result.as_ref().err().and_then(Error::request_id),
            "retrying Notion request"
        );
        Some(tokio::time::sleep(wait))
    }

    fn clone_request(&mut self, request: &Request<B>) -> Option<Request<B>> {
        Some(clone_request(request))
    }
}

/// Retries transient failures (see [`classify`]) per [`RetryPolicy`].
#[derive(Clone, Debug)]
pub struct RetryLayer {
    policy: RetryPolicy,
}

impl RetryLayer {
    /// A layer applying `policy`.
    pub fn new(policy: RetryPolicy) -> Self {
        Self { policy }
    }
}

/// The service produced by [`RetryLayer`].
pub type Retry<S> = tower::retry::Retry<RetryPolicy, S>;

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;

    fn layer(&self, inner: S) -> Self::Service {
        tower::retry::Retry::new(self.policy.clone(), inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use tokio::time::Instant;
    use tower::{ServiceExt, service_fn};

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Bytes> {
        let mut b = Response::builder().status(status);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Bytes::from(body.to_owned())).unwrap()
    }

    type Script = Arc<Mutex<Vec<Result<Response<Bytes>, Error>>>>;
    type Calls = Arc<Mutex<Vec<Instant>>>;

    /// A service that answers from `script` in order and records when it was called.
    fn scripted(
        script: Vec<Result<Response<Bytes>, Error>>,
    ) -> (
        impl tower::Service<Request<Bytes>, Response = Response<Bytes>, Error = Error, Future: Send>
        + Clone
        + Send,
        Calls,
    ) {
        let script: Script = Arc::new(Mutex::new(script.into_iter().rev().collect()));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let calls2 = calls.clone();
        let svc = service_fn(move |_req: Request<Bytes>| {
            calls2.lock().unwrap().push(Instant::now());
            let next = script.lock().unwrap().pop().expect("script exhausted");
            async move { next }
        });
        (svc, calls)
    }

    fn config(max_retries: u32) -> RetryConfig {
        RetryConfig {
            max_retries,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(120),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_each_transient_failure_then_succeeds() {
        let stats = Stats::default();
        let (svc, calls) = scripted(vec![
            Ok(response(500, &[], "")),
            Ok(response(502, &[], "<html>bad gateway</html>")),
            Ok(response(503, &[], "")),
            Ok(response(504, &[], "")),
            Err(Error::Timeout {
                after: Duration::from_secs(1),
            }),
            Err(Error::transport("reading body", "connection reset")),
            Ok(response(200, &[], "{}")),
        ]);
        let svc = RetryLayer::new(RetryPolicy::new(config(6)).with_stats(stats.clone())).layer(svc);
        let resp = svc.oneshot(Request::new(Bytes::new())).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(calls.lock().unwrap().len(), 7);
        let snap = stats.snapshot();
        assert_eq!(snap.retries, 6);
        assert_eq!(snap.server_errors, 4);
        assert_eq!(snap.timeouts, 1);
        assert_eq!(snap.transport_errors, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn final_errors_are_not_retried() {
        for status in [400, 401, 403, 404, 409] {
            let (svc, calls) = scripted(vec![Ok(response(status, &[], ""))]);
            let svc = RetryLayer::new(RetryPolicy::new(config(3))).layer(svc);
            let resp = svc.oneshot(Request::new(Bytes::new())).await.unwrap();
            assert_eq!(resp.status(), status);
            assert_eq!(calls.lock().unwrap().len(), 1);
        }
        let blocked = r#"{"object":"error","code":"rate_limited","message":"m","additional_data":{"rate_limit_reason":"public_api_request_blocked"}}"#;
        let (svc, calls) = scripted(vec![Ok(response(429, &[("retry-after", "1")], blocked))]);
        let svc = RetryLayer::new(RetryPolicy::new(config(3))).layer(svc);
        assert_eq!(
            svc.oneshot(Request::new(Bytes::new()))
                .await
                .unwrap()
                .status(),
            429
        );
        assert_eq!(calls.lock().unwrap().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_max_retries() {
        let (svc, calls) = scripted(vec![
            Ok(response(503, &[], "")),
            Ok(response(503, &[], "")),
            Ok(response(503, &[], "")),
        ]);
        let svc = RetryLayer::new(RetryPolicy::new(config(2))).layer(svc);
        let resp = svc.oneshot(Request::new(Bytes::new())).await.unwrap();
        assert_eq!(resp.status(), 503);
        assert_eq!(calls.lock().unwrap().len(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn waits_at_least_retry_after_and_pauses_the_connection() {
        let limiter = Arc::new(RateLimiter::new(3.0, 1).unwrap());
        let (svc, calls) = scripted(vec![
            Ok(response(429, &[("retry-after", "7")], "")),
            Ok(response(529, &[("retry-after", "3")], "")),
            Ok(response(200, &[], "{}")),
        ]);
        let policy = RetryPolicy::new(config(5)).with_limiter(limiter.clone());
        let stats = Stats::default();
        let svc = RetryLayer::new(policy.with_stats(stats.clone())).layer(svc);
        let start = Instant::now();
        let handle = tokio::spawn(svc.oneshot(Request::new(Bytes::new())));
        // Let the first attempt run; the connection is then paused for everyone.
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(limiter.cooldown_remaining().unwrap() > Duration::from_secs(6));
        assert_eq!(handle.await.unwrap().unwrap().status(), 200);
        let calls = calls.lock().unwrap();
        assert!(calls[1] - calls[0] >= Duration::from_secs(7));
        assert!(calls[2] - calls[1] >= Duration::from_secs(3));
        assert!(calls[2] - start < Duration::from_secs(7 + 3 + 2 + 2));
        let snap = stats.snapshot();
        assert_eq!(
            (snap.rate_limited, snap.overloaded, snap.retries),
            (1, 1, 2)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn overlong_retry_after_is_not_waited_for() {
        let (svc, calls) = scripted(vec![Ok(response(429, &[("retry-after", "3600")], ""))]);
        let svc = RetryLayer::new(RetryPolicy::new(config(5))).layer(svc);
        let resp = svc.oneshot(Request::new(Bytes::new())).await.unwrap();
        assert_eq!(resp.status(), 429);
        assert_eq!(calls.lock().unwrap().len(), 1);
    }

    #[test]
    fn backoff_is_full_jitter_under_an_exponential_cap() {
        let mut policy = RetryPolicy::new(config(10));
        let mut saw_small = false;
        for attempt in 0..8 {
            let ceiling =
                (Duration::from_millis(100) * 2u32.pow(attempt)).min(Duration::from_secs(2));
            for _ in 0..50 {
                let d = policy.backoff(attempt);
                assert!(d <= ceiling, "{d:?} > {ceiling:?}");
                saw_small |= d < ceiling / 4;
            }
        }
        assert!(saw_small, "full jitter draws from the whole range");
    }
}
