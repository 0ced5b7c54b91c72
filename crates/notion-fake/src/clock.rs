//! The fake's clock: "now" starts at a fixed instant and advances with (tokio) time, plus any
//! explicit [`Clock::advance`].

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use tokio::time::Instant;

/// The default start instant: 2026-11-02T09:00:00Z.
pub fn default_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// The workspace clock. Generated objects are dated before its start instant.
#[derive(Debug)]
pub struct Clock {
    start: DateTime<Utc>,
    base: Instant,
    advanced: Mutex<Duration>,
}

impl Clock {
    /// A clock that reads `start` now.
    pub(crate) fn new(start: DateTime<Utc>) -> Self {
        Clock {
            start,
            base: Instant::now(),
            advanced: Mutex::new(Duration::ZERO),
        }
    }

    /// The start instant.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The fake's current time.
    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = self.base.elapsed() + self.advanced_by();
        self.start + chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::zero())
    }

    /// Moves "now" forward by `by` (does not move tokio time).
    pub fn advance(&self, by: Duration) {
        if let Ok(mut a) = self.advanced.lock() {
            *a += by;
        }
    }

    fn advanced_by(&self) -> Duration {
        self.advanced.lock().map(|a| *a).unwrap_or_default()
    }
}

/// Truncates to the minute (pages, blocks and comments carry minute-precision timestamps).
pub(crate) fn to_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    let secs = t.timestamp();
    Utc.timestamp_opt(secs - secs.rem_euclid(60), 0)
        .single()
        .unwrap_or(t)
}

/// `2026-07-04T09:08:57.778+00:00` (databases).
pub(crate) fn fmt_millis(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}
