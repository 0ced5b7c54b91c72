//! The end-of-sync summary: written as JSON (`--summary-json`, the `sync_runs` table) and as
//! text for a person.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

/// What a sync did. Its JSON is the `--summary-json` file and the `summary` column of
/// `sync_runs`.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Summary {
    /// `succeeded` or `failed`.
    pub(crate) status: &'static str,
    /// Records read this run, by stream.
    pub(crate) records: BTreeMap<&'static str, u64>,
    /// Rows in the mirror after the run, by table.
    pub(crate) rows: BTreeMap<&'static str, i64>,
    /// Rows deleted from the mirror this run, by table: objects gone from Notion (deletion
    /// records, content a re-read page no longer has, rows a full refresh did not see).
    pub(crate) deleted: BTreeMap<&'static str, u64>,
    /// The typed view of each data source, by view name.
    pub(crate) views: Vec<ViewSummary>,
    /// Requests sent to Notion (attempts, retries included).
    pub(crate) requests: u64,
    /// Retried attempts.
    pub(crate) retries: u64,
    /// 429 answers.
    pub(crate) rate_limited: u64,
    /// Requests per second over the run.
    pub(crate) requests_per_second: f64,
    /// Connection-wide pauses after a 429 or 529.
    pub(crate) rate_limit_pauses: u64,
    /// Objects not shared with the integration (or deleted).
    pub(crate) not_shared: u64,
    /// Blocks whose children `max_block_depth` cut.
    pub(crate) depth_cuts: u64,
    /// Rows not read because more than 10,000 rows share one `last_edited_time`.
    pub(crate) rows_unread_at_query_cap: u64,
    /// Records the mirror could not store (no string `id`).
    pub(crate) records_not_stored: u64,
    /// Warnings (configuration fields not known among them).
    pub(crate) warnings: u64,
    /// Seconds the run took.
    pub(crate) duration_seconds: f64,
    /// The mirror file.
    pub(crate) database: String,
    /// Streams that failed while the others went on.
    pub(crate) stream_errors: Vec<StreamError>,
    /// Why the sync failed, if it did.
    pub(crate) error: Option<String>,
    /// What `download_files` did (`null` when it is off).
    pub(crate) files: Option<super::files::FilesSummary>,
}

/// A data source's typed view.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ViewSummary {
    /// The view's name.
    pub(crate) name: String,
    /// The data source's title.
    pub(crate) data_source: Option<String>,
    /// Its rows in the mirror.
    pub(crate) rows: i64,
}

/// Views listed by name in the text summary; more are counted.
const VIEWS_SHOWN: usize = 8;

/// A stream that failed, and why.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StreamError {
    /// The stream, when the error is one stream's.
    pub(crate) stream: Option<&'static str>,
    /// The error, for a person.
    pub(crate) message: String,
}

/// Rounds to one decimal.
pub(crate) fn tenths(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Summary {
    /// The summary as text for a person.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nSync {} in {:.1}s → {}",
            self.status, self.duration_seconds, self.database
        );
        out.push_str("  records this run:");
        for (k, v) in &self.records {
            let _ = write!(out, "  {k} {v}");
        }
        out.push_str("\n  rows in the mirror:");
        for (k, v) in &self.rows {
            let _ = write!(out, "  {k} {v}");
        }
        if !self.deleted.is_empty() {
            out.push_str("\n  deleted (gone from Notion):");
            for (k, v) in &self.deleted {
                let _ = write!(out, "  {k} {v}");
            }
        }
        if !self.views.is_empty() {
            out.push_str("\n  typed views:");
            for (i, v) in self.views.iter().take(VIEWS_SHOWN).enumerate() {
                let sep = if i == 0 { " " } else { " · " };
                let _ = write!(out, "{sep}{} ({} rows)", v.name, v.rows);
            }
            if self.views.len() > VIEWS_SHOWN {
                let _ = write!(
                    out,
                    " · and {} more (SELECT * FROM data_source_views)",
                    self.views.len() - VIEWS_SHOWN
                );
            }
        }
        let _ = writeln!(
            out,
            "\n  requests {} ({:.1}/s) · retries {} · 429s {}",
            self.requests, self.requests_per_second, self.retries, self.rate_limited
        );
        let _ = writeln!(
            out,
            "  not shared with the integration {} · blocks cut by max_block_depth {} · warnings {}",
            self.not_shared, self.depth_cuts, self.warnings
        );
        if self.rows_unread_at_query_cap > 0 {
            let _ = writeln!(
                out,
                "  rows not read: more than 10,000 rows share one last_edited_time in {} data source(s)",
                self.rows_unread_at_query_cap
            );
        }
        if self.records_not_stored > 0 {
            let _ = writeln!(
                out,
                "  records not stored (no string id): {}",
                self.records_not_stored
            );
        }
        if let Some(files) = &self.files {
            out.push_str(&files.render());
        }
        for e in &self.stream_errors {
            let _ = writeln!(out, "  stream error: {}", e.message);
        }
        if let Some(e) = &self.error {
            let _ = writeln!(out, "  error: {e}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_every_key_and_nulls() {
        let s = Summary {
            status: "succeeded",
            records: [("pages", 3)].into_iter().collect(),
            ..Summary::default()
        };
        let v = serde_json::to_value(&s).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        for key in [
            "status",
            "records",
            "rows",
            "deleted",
            "views",
            "requests",
            "retries",
            "rate_limited",
            "requests_per_second",
            "rate_limit_pauses",
            "not_shared",
            "depth_cuts",
            "rows_unread_at_query_cap",
            "records_not_stored",
            "warnings",
            "duration_seconds",
            "database",
            "stream_errors",
            "error",
            "files",
        ] {
            assert!(keys.contains(&key), "{key}");
        }
        assert!(v["error"].is_null());
        assert_eq!(v["records"]["pages"], 3);
        assert!(s.render().contains("Sync succeeded"));
        assert!(!s.render().contains("typed views"));
        assert!(!s.render().contains("deleted"));
        let s = Summary {
            deleted: [("blocks", 3), ("pages", 1)].into_iter().collect(),
            ..Summary::default()
        };
        assert!(
            s.render()
                .contains("\n  deleted (gone from Notion):  blocks 3  pages 1\n")
        );
        let views = |n: usize| Summary {
            views: (0..n)
                .map(|i| ViewSummary {
                    name: format!("ds_{i}"),
                    data_source: None,
                    rows: 2,
                })
                .collect(),
            ..Summary::default()
        };
        assert!(
            views(2)
                .render()
                .contains("\n  typed views: ds_0 (2 rows) · ds_1 (2 rows)\n")
        );
        assert!(views(10).render().contains("· ds_7 (2 rows) · and 2 more"));
    }
}
