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

/// `t` as Notion writes page, block and comment times (`2026-07-04T09:08:00.000Z`), formatted
/// without `format!` (this is on the hot path: two per block).
pub(crate) fn notion_time(t: DateTime<Utc>) -> notion_model::Timestamp {
    use chrono::{Datelike, Timelike};
    fn put(buf: &mut [u8], at: usize, value: u32, digits: usize) {
        let mut v = value;
        for i in (0..digits).rev() {
            if let Some(b) = buf.get_mut(at + i) {
                *b = b'0' + (v % 10) as u8;
            }
            v /= 10;
        }
    }
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return notion_model::Timestamp::from_datetime(t);
    }
    let mut buf = *b"0000-00-00T00:00:00.000Z";
    put(&mut buf, 0, year as u32, 4);
    put(&mut buf, 5, t.month(), 2);
    put(&mut buf, 8, t.day(), 2);
    put(&mut buf, 11, t.hour(), 2);
    put(&mut buf, 14, t.minute(), 2);
    put(&mut buf, 17, t.second(), 2);
    put(&mut buf, 20, t.nanosecond() / 1_000_000 % 1000, 3);
    let text = String::from_utf8_lossy(&buf).into_owned();
    notion_model::Timestamp::try_from(text)
        .unwrap_or_else(|_| notion_model::Timestamp::from_datetime(t))
}

/// `2026-07-04T09:08:57.778+00:00` (databases).
pub(crate) fn fmt_millis(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notion_time_matches_the_model() {
        for t in [
            default_start(),
            default_start() + chrono::Duration::milliseconds(123_456_789),
            Utc.with_ymd_and_hms(1999, 1, 2, 3, 4, 5).single().unwrap(),
        ] {
            let fast = notion_time(t);
            let model = notion_model::Timestamp::from_datetime(t);
            assert_eq!(fast.as_str(), model.as_str());
            assert_eq!(fast, model);
        }
    }
}
