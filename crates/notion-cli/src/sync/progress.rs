//! Progress on stderr while a sync runs, and the end-of-sync summary.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use notion_streams::{HttpStats, StreamName};
use serde_json::{Map, Value, json};

/// A one-line live view: records per stream, requests, current rate, rate-limit waits.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    streams: Vec<StreamName>,
    records: [AtomicU64; 6],
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
    pub(crate) fn records_json(&self) -> Map<String, Value> {
        self.streams
            .iter()
            .map(|s| {
                (
                    s.as_str().to_owned(),
                    json!(self.records[*s as usize].load(Ordering::Relaxed)),
                )
            })
            .collect()
    }
}

/// The summary as text for a person.
pub(crate) fn render_summary(s: &Value) -> String {
    let mut out = String::new();
    let status = s["status"].as_str().unwrap_or("?");
    out.push_str(&format!(
        "\nSync {status} in {:.1}s → {}\n",
        s["duration_seconds"].as_f64().unwrap_or(0.0),
        s["database"].as_str().unwrap_or("")
    ));
    out.push_str("  records this run:");
    if let Some(records) = s["records"].as_object() {
        for (k, v) in records {
            out.push_str(&format!("  {k} {v}"));
        }
    }
    out.push('\n');
    out.push_str("  rows in the mirror:");
    if let Some(rows) = s["rows"].as_object() {
        for (k, v) in rows {
            out.push_str(&format!("  {k} {v}"));
        }
    }
    out.push('\n');
    out.push_str(&format!(
        "  requests {} ({:.1}/s) · retries {} · 429s {}\n",
        s["requests"],
        s["requests_per_second"].as_f64().unwrap_or(0.0),
        s["retries"],
        s["rate_limited"]
    ));
    out.push_str(&format!(
        "  not shared with the integration {} · blocks cut by max_block_depth {} · warnings {}\n",
        s["not_shared"], s["depth_cuts"], s["warnings"]
    ));
    if s["rows_unread_at_query_cap"].as_u64().unwrap_or(0) > 0 {
        out.push_str(&format!(
            "  rows not read: more than 10,000 rows share one last_edited_time in {} data source(s)\n",
            s["rows_unread_at_query_cap"]
        ));
    }
    for e in s["stream_errors"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  stream error: {}\n",
            e["message"].as_str().unwrap_or("")
        ));
    }
    if let Some(e) = s["error"].as_str() {
        out.push_str(&format!("  error: {e}\n"));
    }
    out
}
