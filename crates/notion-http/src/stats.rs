//! Request statistics, shared by the layers of one client.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::classify::{Class, Classification};

#[derive(Debug, Default)]
struct Counters {
    requests_sent: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    overloaded: AtomicU64,
    server_errors: AtomicU64,
    timeouts: AtomicU64,
    transport_errors: AtomicU64,
    limiter_wait_us: AtomicU64,
    retry_wait_us: AtomicU64,
    cooldowns: AtomicU64,
    server_date_secs: AtomicU64,
}

/// Counters shared by every layer of a client (cheap to clone). Read them with
/// [`Stats::snapshot`].
#[derive(Debug, Clone, Default)]
pub struct Stats {
    counters: Arc<Counters>,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatsSnapshot {
    /// HTTP requests sent on the wire (every attempt, including OAuth replays).
    pub requests_sent: u64,
    /// Attempts that were retried.
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// 529 answers received.
    pub overloaded: u64,
    /// 500/502/503/504 answers received.
    pub server_errors: u64,
    /// Attempts that timed out.
    pub timeouts: u64,
    /// Attempts that failed on the connection (refused, reset, truncated body).
    pub transport_errors: u64,
    /// Total time requests waited on the rate limiter (token bucket and cooldowns), summed over
    /// requests.
    pub limiter_wait: Duration,
    /// Total time requests waited between retries, summed over requests.
    pub retry_wait: Duration,
    /// How many times a 429/529 paused the whole connection.
    pub cooldowns: u64,
    /// Successful OAuth token refreshes (filled in by
    /// [`NotionClient::stats`](crate::NotionClient::stats)).
    pub token_refreshes: u64,
    /// The server's clock, from the `Date` header of the latest response that had one.
    pub server_date: Option<SystemTime>,
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl Stats {
    /// New, zeroed counters.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current values.
    pub fn snapshot(&self) -> StatsSnapshot {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            requests_sent: get(&c.requests_sent),
            retries: get(&c.retries),
            rate_limited: get(&c.rate_limited),
            overloaded: get(&c.overloaded),
            server_errors: get(&c.server_errors),
            timeouts: get(&c.timeouts),
            transport_errors: get(&c.transport_errors),
            limiter_wait: Duration::from_micros(get(&c.limiter_wait_us)),
            retry_wait: Duration::from_micros(get(&c.retry_wait_us)),
            cooldowns: get(&c.cooldowns),
            token_refreshes: 0,
            server_date: match get(&c.server_date_secs) {
                0 => None,
                secs => Some(UNIX_EPOCH + Duration::from_secs(secs)),
            },
        }
    }

    pub(crate) fn request_sent(&self) {
        self.counters.requests_sent.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn limiter_waited(&self, wait: Duration) {
        self.counters
            .limiter_wait_us
            .fetch_add(micros(wait), Ordering::Relaxed);
    }

    pub(crate) fn retried(&self, wait: Duration) {
        self.counters.retries.fetch_add(1, Ordering::Relaxed);
        self.counters
            .retry_wait_us
            .fetch_add(micros(wait), Ordering::Relaxed);
    }

    /// Records the server's clock from a response's `Date` header.
    pub(crate) fn server_date(&self, date: SystemTime) {
        if let Ok(d) = date.duration_since(UNIX_EPOCH) {
            self.counters
                .server_date_secs
                .store(d.as_secs(), Ordering::Relaxed);
        }
    }

    pub(crate) fn cooldown(&self) {
        self.counters.cooldowns.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an attempt's outcome by its classification.
    pub(crate) fn outcome(&self, class: &Classification) {
        let c = &self.counters;
        let counter = match class.class {
            Class::RateLimited | Class::Blocked => &c.rate_limited,
            Class::Overloaded => &c.overloaded,
            Class::ServerError => &c.server_errors,
            Class::Timeout => &c.timeouts,
            Class::Transport => &c.transport_errors,
            _ => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Debug, Default)]
struct PerRequest {
    attempts: AtomicU32,
    limiter_wait_us: AtomicU64,
}

/// Per-request metrics, carried in the request's extensions from the trace layer down (the
/// retry layer copies extensions into every attempt). Layers add to it when present.
#[derive(Debug, Clone, Default)]
pub struct RequestMetrics {
    inner: Arc<PerRequest>,
}

impl RequestMetrics {
    /// New, zeroed metrics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attempts sent for this request.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts.load(Ordering::Relaxed)
    }

    /// Time this request waited on the rate limiter.
    pub fn limiter_wait(&self) -> Duration {
        Duration::from_micros(self.inner.limiter_wait_us.load(Ordering::Relaxed))
    }

    pub(crate) fn attempt(&self) {
        self.inner.attempts.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn limiter_waited(&self, wait: Duration) {
        self.inner
            .limiter_wait_us
            .fetch_add(micros(wait), Ordering::Relaxed);
    }
}
