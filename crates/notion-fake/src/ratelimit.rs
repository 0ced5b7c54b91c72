//! Per-connection (per token) rate limiting: a fixed request budget per 60-second window.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The window length Notion uses.
pub(crate) const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
struct Window {
    start: Instant,
    used: u32,
}

/// Fixed 60-second windows per token, starting at the token's first request.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    windows: Mutex<HashMap<String, Window>>,
}

impl RateLimiter {
    /// Spends one request of `token`'s budget, or returns the whole seconds until its window resets.
    pub(crate) fn check(&self, token: &str, budget: Option<u32>) -> Result<(), u64> {
        let Some(budget) = budget else {
            return Ok(());
        };
        let now = Instant::now();
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(());
        };
        let w = windows.entry(token.to_owned()).or_insert(Window {
            start: now,
            used: 0,
        });
        if now.duration_since(w.start) >= WINDOW {
            w.start = now;
            w.used = 0;
        }
        if w.used < budget {
            w.used += 1;
            Ok(())
        } else {
            let left = WINDOW.saturating_sub(now.duration_since(w.start));
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            Err(secs.max(1))
        }
    }

    /// Forgets every window.
    pub(crate) fn reset(&self) {
        if let Ok(mut w) = self.windows.lock() {
            w.clear();
        }
    }
}
