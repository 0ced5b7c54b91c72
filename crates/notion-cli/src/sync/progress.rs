//! Progress on stderr while a sync runs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use notion_streams::{HttpStats, StreamName};

/// A one-line live view: records per stream, requests, current rate, rate-limit waits.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    streams: Vec<StreamName>,
    records: [AtomicU64; StreamName::COUNT],
    last_draw: std::sync::Mutex<(Instant, u64)>,
}

impl Progress {
    pub(crate) fn new(visible: bool, streams: &[StreamName]) -> Self {
        let bar = visible.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            streams: streams.to_vec(),
            records: Default::default(),
            last_draw: std::sync::Mutex::new((Instant::now(), 0)),
        }
    }

    pub(crate) fn record(&self, stream: StreamName) {
        self.records[stream as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Redraws at most ten times a second.
    pub(crate) fn tick(&self, http: HttpStats) {
        let Some(bar) = &self.bar else { return };
        let mut last = self.last_draw.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let since = now.duration_since(last.0);
        if since < Duration::from_millis(100) {
            return;
        }
        let rate = (http.requests.saturating_sub(last.1)) as f64 / since.as_secs_f64();
        *last = (now, http.requests);
        let per_stream: Vec<String> = self
            .streams
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s,
                    self.records[*s as usize].load(Ordering::Relaxed)
                )
            })
            .collect();
        bar.set_message(format!(
            "{} · requests {} ({rate:.1}/s) · 429 pauses {}",
            per_stream.join(" · "),
            http.requests,
            http.pauses
        ));
    }

    /// Prints a line above the progress line.
    pub(crate) fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Records emitted per stream.
    pub(crate) fn records_by_stream(&self) -> std::collections::BTreeMap<&'static str, u64> {
        self.streams
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    self.records[*s as usize].load(Ordering::Relaxed),
                )
            })
            .collect()
    }
}
