//! The connection-wide rate limiter: one token bucket and one cooldown shared by every clone of
//! the service.
//!
//! # Why the effective rate is slightly below the configured one
//!
//! Notion counts requests per connection in fixed 60-second windows (180 per window at 3 req/s,
//! 600 at 10 req/s). A token bucket with rate `r` and burst `b` lets at most `b + r·L` requests
//! start in any interval of length `L`. The requests that *arrive* in one server window were
//! sent during an interval that is longer than the window by the spread of network latency
//! (arrival jitter). To keep every window within budget the bucket therefore runs at
//!
//! ```text
//! effective rate = (requests_per_second · 60 s − burst) / (60 s + JITTER_ALLOWANCE)
//! ```
//!
//! With the defaults (3 req/s, burst 1, 0.5 s jitter allowance) that is 2.959 req/s, 98.6 % of
//! the allowed rate, and no window boundary can see more than 180 arrivals. A larger burst costs
//! rate one-for-one within each window.
//!
//! # Cooldown
//!
//! A 429 or 529 is a verdict on the connection, not on one request. The retry layer calls
//! [`RateLimiter::pause_for`] with the server's `Retry-After`; every caller of the limiter
//! then waits until the cooldown ends before it is given a slot, including callers that had
//! already reserved one.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use http::Request;
use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt};

use crate::config::InvalidSetting;
use crate::error::Error;
use crate::stats::{RequestMetrics, Stats};

/// The server's counting window.
pub const WINDOW: Duration = Duration::from_secs(60);
/// How much arrival-time spread (latency jitter) the limiter tolerates without exceeding a
/// window's budget.
pub const JITTER_ALLOWANCE: Duration = Duration::from_millis(500);
/// The highest configurable rate (Notion's Business and Enterprise plans: 600 per minute).
pub const MAX_REQUESTS_PER_SECOND: f64 = 10.0;
/// The highest configurable burst.
pub const MAX_BURST: u32 = 100;

/// What to write instead of an unusable `requests_per_second`.
const RATE_FIX: &str = "use 3 (most plans) or up to 10 (Business and Enterprise plans)";

/// Checks `requests_per_second` and `burst`, the one place these rules live:
///
/// - the rate is a number from 0 to [`MAX_REQUESTS_PER_SECOND`]; 0 turns the limiter off and is
///   accepted only for a `loopback` base URL (a local server);
/// - the burst is from 1 to [`MAX_BURST`];
/// - one 60-second window's budget (`rate · 60`) must exceed the burst, or the bucket could
///   never refill: a rate of at most one request a minute is refused, and so is a burst as large
///   as the budget.
///
/// [`RateLimiter::new`] and [`ClientConfig::validate`](crate::ClientConfig::validate) call it,
/// and so does the connector's configuration.
pub fn check_rate(
    requests_per_second: f64,
    burst: u32,
    loopback: bool,
) -> Result<(), InvalidSetting> {
    let rate = requests_per_second;
    if !rate.is_finite() || rate < 0.0 {
        return Err(InvalidSetting::new(
            "requests_per_second",
            format!("is {rate}"),
            format!(
                "use a number above 0 and at most {MAX_REQUESTS_PER_SECOND} (3 on most plans, \
                 10 on Business and Enterprise plans)"
            ),
        ));
    }
    if rate > MAX_REQUESTS_PER_SECOND {
        return Err(InvalidSetting::new(
            "requests_per_second",
            format!(
                "is {rate}, above Notion's highest limit of {MAX_REQUESTS_PER_SECOND} per second"
            ),
            RATE_FIX,
        ));
    }
    if rate == 0.0 && !loopback {
        return Err(InvalidSetting::new(
            "requests_per_second",
            "is 0 (no limit), which is accepted only for a loopback base_url (a local server)",
            RATE_FIX,
        ));
    }
    if burst == 0 || burst > MAX_BURST {
        return Err(InvalidSetting::new(
            "burst",
            format!("is {burst}"),
            format!("use a value from 1 to {MAX_BURST} (1, the default, suits Notion)"),
        ));
    }
    if rate == 0.0 {
        return Ok(());
    }
    let budget = rate * WINDOW.as_secs_f64();
    if budget <= 1.0 {
        return Err(InvalidSetting::new(
            "requests_per_second",
            format!("is {rate}, one request a minute or less"),
            "use at least 0.02 (more than one request a minute); Notion allows 3 per second",
        ));
    }
    if f64::from(burst) >= budget {
        let most = (budget.ceil() as u32).saturating_sub(1).clamp(1, MAX_BURST);
        return Err(InvalidSetting::new(
            "burst",
            format!(
                "is {burst}, but {rate} requests per second allow only {budget} requests in one \
                 60-second window"
            ),
            format!("use a burst of at most {most}, or raise requests_per_second"),
        ));
    }
    Ok(())
}

#[derive(Debug)]
struct State {
    /// GCRA theoretical arrival time of the next request.
    tat: Option<Instant>,
    /// No request may start before this instant.
    cooldown_until: Option<Instant>,
}

/// A token bucket (GCRA) with a shared cooldown, on tokio's clock (so tests can pause time).
pub struct RateLimiter {
    state: Mutex<State>,
    interval: Duration,
    tolerance: Duration,
    requests_per_second: f64,
    burst: u32,
    stats: Stats,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("requests_per_second", &self.requests_per_second)
            .field("burst", &self.burst)
            .field("effective_rate", &self.effective_rate())
            .finish()
    }
}

impl RateLimiter {
    /// A limiter for `requests_per_second` (0 < r ≤ 10) with `burst` (1 ≤ b ≤ 100, and fewer
    /// than one window's budget): the rules of [`check_rate`].
    pub fn new(requests_per_second: f64, burst: u32) -> Result<Self, Error> {
        check_rate(requests_per_second, burst, false)?;
        if requests_per_second == 0.0 {
            // Accepted by `check_rate` for loopback only; a limiter needs a rate.
            return Err(InvalidSetting::new(
                "requests_per_second",
                "is 0, which is no rate",
                "use RateLimiter::unlimited for no limit",
            )
            .into());
        }
        let budget = requests_per_second * WINDOW.as_secs_f64();
        let effective = (budget - f64::from(burst)) / (WINDOW + JITTER_ALLOWANCE).as_secs_f64();
        let interval = Duration::from_secs_f64(1.0 / effective);
        Ok(Self {
            state: Mutex::new(State {
                tat: None,
                cooldown_until: None,
            }),
            interval,
            tolerance: interval * (burst - 1),
            requests_per_second,
            burst,
            stats: Stats::default(),
        })
    }

    /// A limiter that never spaces requests but still honours a 429/529 cooldown: for local
    /// servers only (a fake API in tests and benchmarks).
    pub fn unlimited() -> Self {
        Self {
            state: Mutex::new(State {
                tat: None,
                cooldown_until: None,
            }),
            interval: Duration::ZERO,
            tolerance: Duration::ZERO,
            requests_per_second: f64::INFINITY,
            burst: 1,
            stats: Stats::default(),
        }
    }

    /// Records waits into `stats`.
    pub fn with_stats(mut self, stats: Stats) -> Self {
        self.stats = stats;
        self
    }

    /// The rate the bucket actually runs at (see the module documentation).
    pub fn effective_rate(&self) -> f64 {
        if self.interval.is_zero() {
            f64::INFINITY
        } else {
            1.0 / self.interval.as_secs_f64()
        }
    }

    /// The configured rate.
    pub fn requests_per_second(&self) -> f64 {
        self.requests_per_second
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a slot (and for any cooldown) and returns how long it waited.
    pub async fn acquire(&self) -> Duration {
        if self.interval.is_zero()
            && self
                .lock()
                .cooldown_until
                .is_none_or(|c| c <= Instant::now())
        {
            return Duration::ZERO;
        }
        let start = Instant::now();
        loop {
            let send_at = {
                let mut state = self.lock();
                let now = Instant::now();
                let earliest = state.cooldown_until.map_or(now, |c| c.max(now));
                let tat = state.tat.unwrap_or(earliest);
                let conforming = tat.checked_sub(self.tolerance).unwrap_or(tat);
                let send_at = earliest.max(conforming);
                state.tat = Some(tat.max(send_at) + self.interval);
                send_at
            };
            tokio::time::sleep_until(send_at).await;
            // A cooldown that started while we waited applies to us too.
            let paused = self
                .lock()
                .cooldown_until
                .is_some_and(|c| c > Instant::now());
            if !paused {
                break;
            }
        }
        let waited = start.elapsed();
        self.stats.limiter_waited(waited);
        waited
    }

    /// Pauses every caller for `wait` from now (a 429/529 `Retry-After`). Overlapping pauses
    /// keep the later end.
    pub fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut state = self.lock();
        let until = state.cooldown_until.map_or(until, |c| c.max(until));
        state.cooldown_until = Some(until);
        // Slots reserved before the pause are void; new ones start when it ends.
        state.tat = Some(state.tat.map_or(until, |t| t.max(until)));
        self.stats.cooldown();
        tracing::debug!(wait_ms = wait.as_millis() as u64, "connection paused");
    }

    /// Time left in the current cooldown, if any.
    pub fn cooldown_remaining(&self) -> Option<Duration> {
        let until = self.lock().cooldown_until?;
        let now = Instant::now();
        (until > now).then(|| until - now)
    }
}

/// Applies a shared [`RateLimiter`] before each request reaches the inner service.
#[derive(Debug, Clone)]
pub struct RateLimitLayer {
    limiter: Arc<RateLimiter>,
}

impl RateLimitLayer {
    /// A layer sharing `limiter`: every service it produces, and every clone of those, draws
    /// from the same bucket.
    pub fn new(limiter: Arc<RateLimiter>) -> Self {
        Self { limiter }
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimit {
            inner,
            limiter: self.limiter.clone(),
        }
    }
}

/// The service produced by [`RateLimitLayer`]. Unlike tower's `RateLimit` it is `Clone`, and
/// clones share one bucket.
#[derive(Debug, Clone)]
pub struct RateLimit<S> {
    inner: S,
    limiter: Arc<RateLimiter>,
}

impl<S, B> Service<Request<B>> for RateLimit<S>
where
    S: Service<Request<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    S::Response: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness of the inner service is awaited after the limiter, in the future, so that
        // no inner capacity is held while waiting for a slot.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let inner = self.inner.clone();
        let limiter = self.limiter.clone();
        Box::pin(async move {
            let waited = limiter.acquire().await;
            if let Some(metrics) = request.extensions().get::<RequestMetrics>() {
                metrics.limiter_waited(waited);
            }
            inner.oneshot(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_bounds() {
        assert!(RateLimiter::new(0.0, 1).is_err());
        assert!(RateLimiter::new(10.5, 1).is_err());
        assert!(RateLimiter::new(f64::NAN, 1).is_err());
        assert!(RateLimiter::new(3.0, 0).is_err());
        assert!(RateLimiter::new(0.05, 3).is_err());
        let err = RateLimiter::new(11.0, 1).unwrap_err();
        assert!(err.to_string().contains("requests_per_second"), "{err}");
        assert!(RateLimiter::new(0.02, 1).is_ok());
        let limiter = RateLimiter::new(3.0, 1).unwrap();
        let rate = limiter.effective_rate();
        assert!(rate > 0.97 * 3.0 && rate < 3.0, "{rate}");
        assert!(RateLimiter::new(10.0, 10).unwrap().effective_rate() > 0.97 * 10.0);
    }

    #[test]
    fn rate_rules_name_the_field_and_the_fix() {
        let field =
            |r: f64, b: u32, loopback: bool| check_rate(r, b, loopback).map_err(|e| e.field);
        assert_eq!(field(3.0, 1, false), Ok(()));
        assert_eq!(field(0.0, 1, true), Ok(()));
        assert_eq!(field(0.0, 1, false), Err("requests_per_second"));
        assert_eq!(field(-1.0, 1, true), Err("requests_per_second"));
        assert_eq!(field(f64::INFINITY, 1, true), Err("requests_per_second"));
        assert_eq!(field(10.5, 1, false), Err("requests_per_second"));
        assert_eq!(field(3.0, 0, false), Err("burst"));
        assert_eq!(field(3.0, 101, false), Err("burst"));
        assert_eq!(field(0.0, 101, true), Err("burst"));
        assert_eq!(field(1.0, 60, false), Err("burst"));
        assert_eq!(field(1.0, 59, false), Ok(()));
        // At one request a minute or less no burst is possible: the rate is at fault.
        let err = check_rate(0.01, 1, false).unwrap_err();
        assert_eq!(err.field, "requests_per_second");
        assert!(err.fix.contains("0.02"), "{err}");
        assert!(!err.to_string().contains("between 1 and 1"), "{err}");
    }

    /// Sends `n` requests through `tasks` concurrent callers and returns the send instants.
    async fn run(limiter: Arc<RateLimiter>, tasks: usize, n: usize) -> Vec<Instant> {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let remaining = Arc::new(std::sync::atomic::AtomicUsize::new(n));
        let mut handles = Vec::new();
        for _ in 0..tasks {
            let limiter = limiter.clone();
            let sent = sent.clone();
            let remaining = remaining.clone();
            handles.push(tokio::spawn(async move {
                while remaining
                    .fetch_update(
                        std::sync::atomic::Ordering::SeqCst,
                        std::sync::atomic::Ordering::SeqCst,
                        |r| r.checked_sub(1),
                    )
                    .is_ok()
                {
                    limiter.acquire().await;
                    sent.lock().unwrap().push(Instant::now());
                }
            }));
        }
        for handle in handles {
            handle.await.unwrap();
        }
        let mut sent = sent.lock().unwrap().clone();
        sent.sort();
        sent
    }

    /// The largest number of arrivals one fixed 60-s server window can see, whatever its phase,
    /// when each request arrives between 0 and `jitter` after it was sent: the most sends in
    /// any half-open interval of length `WINDOW + jitter`.
    fn worst_window(sent: &[Instant], jitter: Duration) -> usize {
        let span = WINDOW + jitter;
        let mut worst = 0;
        let mut end = 0;
        for (i, t) in sent.iter().enumerate() {
            while end < sent.len() && sent[end] < *t + span {
                end += 1;
            }
            worst = worst.max(end - i);
        }
        worst
    }

    #[tokio::test(start_paused = true)]
    async fn shared_bucket_keeps_fixed_windows_within_budget_at_high_utilisation() {
        for (rate, burst, budget) in [(3.0, 1, 180), (3.0, 3, 180), (10.0, 1, 600)] {
            let limiter = Arc::new(RateLimiter::new(rate, burst).unwrap());
            let start = Instant::now();
            let n = 400;
            let sent = run(limiter, 8, n).await;
            assert_eq!(sent.len(), n);
            let worst = worst_window(&sent, JITTER_ALLOWANCE);
            assert!(
                worst <= budget,
                "rate {rate} burst {burst}: {worst} > {budget}"
            );
            // Utilisation: requests per second achieved over the run, against the allowed rate.
            let elapsed = (*sent.last().unwrap() - start).as_secs_f64();
            let achieved = (n - 1) as f64 / elapsed;
            assert!(
                achieved >= 0.97 * rate,
                "rate {rate} burst {burst}: achieved {achieved:.3}/s"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn burst_is_available_up_front() {
        let limiter = RateLimiter::new(3.0, 3).unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            limiter.acquire().await;
        }
        assert_eq!(Instant::now(), start);
        limiter.acquire().await;
        assert!(Instant::now() > start);
    }

    #[tokio::test(start_paused = true)]
    async fn cooldown_pauses_every_caller_including_reserved_ones() {
        let limiter = Arc::new(RateLimiter::new(3.0, 1).unwrap());
        let start = Instant::now();
        limiter.acquire().await;
        // Two callers reserve slots, then a 429 pauses the connection for 10 s.
        let a = tokio::spawn({
            let l = limiter.clone();
            async move {
                l.acquire().await;
                Instant::now()
            }
        });
        let b = tokio::spawn({
            let l = limiter.clone();
            async move {
                l.acquire().await;
                Instant::now()
            }
        });
        tokio::task::yield_now().await;
        limiter.pause_for(Duration::from_secs(10));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        assert!(a >= start + Duration::from_secs(10), "{:?}", a - start);
        assert!(b >= start + Duration::from_secs(10), "{:?}", b - start);
        assert!(a != b, "slots after a cooldown are still spaced");
        assert!(limiter.cooldown_remaining().is_none());
        // A later, shorter pause does not shorten a longer one.
        limiter.pause_for(Duration::from_secs(5));
        limiter.pause_for(Duration::from_secs(1));
        assert!(limiter.cooldown_remaining().unwrap() > Duration::from_secs(4));
    }

    #[tokio::test(start_paused = true)]
    async fn clones_of_the_service_share_the_bucket() {
        let limiter = Arc::new(RateLimiter::new(2.0, 1).unwrap());
        let calls = Arc::new(Mutex::new(Vec::new()));
        let inner = {
            let calls = calls.clone();
            tower::service_fn(move |_req: Request<()>| {
                calls.lock().unwrap().push(Instant::now());
                async { Ok::<_, std::convert::Infallible>(()) }
            })
        };
        let svc = RateLimitLayer::new(limiter.clone()).layer(inner);
        let start = Instant::now();
        let handles: Vec<_> = (0..6)
            .map(|_| tokio::spawn(svc.clone().oneshot(Request::new(()))))
            .collect();
        for h in handles {
            h.await.unwrap().unwrap();
        }
        let calls = calls.lock().unwrap();
        // 6 requests through 6 clones take 5 intervals of the single shared bucket.
        let span = *calls.iter().max().unwrap() - start;
        assert!(span >= limiter.interval * 5, "{span:?}");
    }
}
