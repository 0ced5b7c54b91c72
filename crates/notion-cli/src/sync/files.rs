//! `download_files`: the Notion-hosted files of synced records, downloaded while their links
//! work (they expire an hour after the record was read), into `<db>.files/`, listed in the
//! mirror's `files` table.
//!
//! Downloads start as records arrive and run alongside the read, `file_concurrency` at a time;
//! the read waits when too many are queued. An expired link is refreshed once through the
//! connector's API (same rate limit and credentials). Results are written in the mirror's open
//! transaction and committed with the next state; after the read, the remaining downloads (and
//! those earlier syncs left unfinished) are completed, and copies nothing refers to are swept.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use futures::future::BoxFuture;
use notion_files::{
    DownloadSettings, DownloadStats, Downloader, Downloads, Finished, Outcome, Owner, Refresh,
    Store, record_files,
};
use notion_mirror::{Error as MirrorError, FileDownload, FileKey, FileUpkeep, Mirror};
use notion_model::Id;
use notion_streams::api::ListRequest;
use notion_streams::{Config, NotionApi, Object, StreamName};
use serde::Serialize;

use super::progress::Progress;
use super::summary::tenths;

/// Downloads queued at most before the read waits for some to finish.
const MAX_QUEUED: usize = 1024;
/// Rows of earlier syncs' unfinished files queued at a time.
const BACKLOG_BATCH: usize = 64;
/// Results written between two commits after the read has ended.
const COMMIT_EVERY: usize = 100;
/// Failures printed before only their count is.
const FAILURES_SHOWN: u64 = 10;

/// What the files part of a sync did (the `files` member of the summary).
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct FilesSummary {
    /// The store's directory.
    pub(crate) store: String,
    /// Files downloaded this run.
    pub(crate) downloaded: u64,
    /// Their bytes.
    pub(crate) bytes: u64,
    /// Files over `max_file_bytes`, recorded and skipped.
    pub(crate) skipped_too_large: u64,
    /// Downloads that failed (tried again by the next syncs).
    pub(crate) failed: u64,
    /// Objects read again for a fresh link: the API requests downloads cost.
    pub(crate) refreshes: u64,
    /// Requests to file hosts.
    pub(crate) file_requests: u64,
    /// Files downloaded per second, while downloads ran.
    pub(crate) files_per_second: f64,
    /// Bytes downloaded per second, while downloads ran.
    pub(crate) bytes_per_second: f64,
    /// Stored copies removed because nothing refers to them any more.
    pub(crate) removed: u64,
    /// Rows of the `files` table after the run, by status.
    pub(crate) by_status: BTreeMap<String, i64>,
}

/// The files part of a running sync.
pub(crate) struct FileSync {
    upkeep: FileUpkeep,
    downloads: Downloads<FileKey>,
    /// Results written since the last commit: written again after a rollback (their rows may
    /// have been committed before).
    since_commit: Vec<(FileKey, Finished)>,
    backlog_done: bool,
    failures: u64,
    quiet: bool,
    /// When the first download was queued, and when the last one finished.
    busy: Option<(Instant, Instant)>,
}

impl FileSync {
    /// Opens the store beside the database and starts the upkeep. Refreshes go through `api`.
    pub(crate) fn start(
        mirror: &Mirror,
        db: &Path,
        config: &Config,
        api: Arc<dyn NotionApi>,
        quiet: bool,
    ) -> Result<FileSync, String> {
        let root = Store::beside(db);
        let store = Store::open(&root)
            .map_err(|e| format!("cannot open the file store {}: {e}", root.display()))?;
        let settings = DownloadSettings {
            max_file_bytes: config.max_file_bytes,
            concurrency: usize::try_from(config.file_concurrency).unwrap_or(1),
            ..DownloadSettings::default()
        };
        let downloader = Downloader::new(store, settings, Arc::new(ApiRefresh { api }))
            .map_err(|e| e.to_string())?;
        let upkeep = FileUpkeep::start(mirror, config.max_file_bytes)
            .map_err(|e| format!("cannot read the files table: {e}"))?;
        Ok(FileSync {
            upkeep,
            downloads: Downloads::new(downloader),
            since_commit: Vec::new(),
            backlog_done: false,
            failures: 0,
            quiet,
            busy: None,
        })
    }

    fn queue(&mut self, downloads: Vec<FileDownload>) {
        if !downloads.is_empty() && self.busy.is_none() {
            self.busy = Some((Instant::now(), Instant::now()));
        }
        for d in downloads {
            self.downloads.push(d.key, d.job);
        }
    }

    /// Brings a stored record's files up to date and queues their downloads.
    pub(crate) fn record(
        &mut self,
        mirror: &mut Mirror,
        stream: StreamName,
        data: &str,
    ) -> Result<(), MirrorError> {
        let store = self.downloads.downloader().store();
        let downloads = self.upkeep.record(mirror, store, stream, data)?;
        self.queue(downloads);
        Ok(())
    }

    /// Queues more of what earlier syncs left unfinished, while few downloads are queued.
    pub(crate) fn refill(&mut self, mirror: &mut Mirror) -> Result<(), MirrorError> {
        let concurrency = self.downloads.downloader().settings().concurrency;
        if self.backlog_done || self.downloads.pending() >= 2 * concurrency {
            return Ok(());
        }
        let store = self.downloads.downloader().store();
        let downloads = self.upkeep.backlog(mirror, store, BACKLOG_BATCH)?;
        self.backlog_done = downloads.is_empty();
        self.queue(downloads);
        Ok(())
    }

    /// Downloads queued and not finished.
    pub(crate) fn pending(&self) -> usize {
        self.downloads.pending()
    }

    /// Whether the read may go on: not too many downloads are queued.
    pub(crate) fn has_room(&self) -> bool {
        self.downloads.pending() < MAX_QUEUED
    }

    /// The next finished download (cancel-safe).
    pub(crate) async fn next(&mut self) -> Option<(FileKey, Finished)> {
        self.downloads.next().await
    }

    /// Writes what a download gave (within the open transaction).
    pub(crate) fn finished(
        &mut self,
        mirror: &mut Mirror,
        key: FileKey,
        finished: Finished,
        progress: &Progress,
    ) -> Result<(), MirrorError> {
        if let Some((_, last)) = &mut self.busy {
            *last = Instant::now();
        }
        if let Outcome::Failed(why) = &finished.outcome {
            self.failures += 1;
            if self.failures <= FAILURES_SHOWN && !self.quiet {
                progress.println(&format!(
                    "warning: a file of {} {} ({}) was not downloaded: {why}",
                    key.stream, key.record_id, key.field
                ));
            }
        }
        self.upkeep.finished(mirror, &key, &finished)?;
        self.since_commit.push((key, finished));
        Ok(())
    }

    /// A page's content was read completely: the files of its blocks and comments that were
    /// not read again are forgotten.
    pub(crate) fn page_content(
        &mut self,
        mirror: &mut Mirror,
        page: &str,
        version: &str,
        blocks: bool,
        comments: bool,
    ) -> Result<(), MirrorError> {
        self.upkeep
            .page_content(mirror, page, version, blocks, comments)
            .map(drop)
    }

    /// The mirror committed: what was written is kept.
    pub(crate) fn committed(&mut self) {
        self.since_commit.clear();
    }

    /// The mirror rolled back the records after the last state: results written since are
    /// written again (those whose rows were rolled back change nothing; their copies are swept).
    pub(crate) fn rolled_back(&mut self, mirror: &mut Mirror) -> Result<(), MirrorError> {
        for (key, finished) in std::mem::take(&mut self.since_commit) {
            self.upkeep.finished(mirror, &key, &finished)?;
        }
        Ok(())
    }

    /// After the read: completes every queued download and what earlier syncs left
    /// unfinished, committing as it goes, then sweeps copies nothing refers to.
    pub(crate) async fn finish(
        mut self,
        mirror: &mut Mirror,
        progress: &Progress,
    ) -> Result<FilesSummary, MirrorError> {
        self.rolled_back(mirror)?;
        let mut written = 0;
        loop {
            self.refill(mirror)?;
            let Some((key, finished)) = self.downloads.next().await else {
                break;
            };
            self.finished(mirror, key, finished, progress)?;
            written += 1;
            if written % COMMIT_EVERY == 0 {
                mirror.commit()?;
                self.committed();
            }
        }
        // Files of records deleted in ways no record announced (a deleted page's blocks, a
        // full refresh's sweep) go too.
        FileUpkeep::forget_orphans(mirror)?;
        mirror.commit()?;
        self.committed();
        if self.failures > FAILURES_SHOWN && !self.quiet {
            progress.println(&format!(
                "warning: {} files were not downloaded in all (the `files` table says why)",
                self.failures
            ));
        }
        let store = self.downloads.downloader().store();
        let swept = FileUpkeep::sweep(mirror, store)?;
        let stats = self.downloads.downloader().stats();
        let counts = FileUpkeep::counts(mirror)?;
        Ok(self.summary(stats, swept.files, counts.by_status))
    }

    fn summary(
        &self,
        stats: DownloadStats,
        removed: u64,
        by_status: Vec<(String, i64, i64)>,
    ) -> FilesSummary {
        let seconds = self
            .busy
            .map_or(0.0, |(first, last)| {
                last.duration_since(first).as_secs_f64()
            })
            .max(0.001);
        FilesSummary {
            store: self
                .downloads
                .downloader()
                .store()
                .root()
                .display()
                .to_string(),
            downloaded: stats.downloaded,
            bytes: stats.bytes,
            skipped_too_large: stats.too_large,
            failed: stats.failed,
            refreshes: stats.refreshes,
            file_requests: stats.requests,
            files_per_second: tenths(stats.downloaded as f64 / seconds),
            bytes_per_second: (stats.bytes as f64 / seconds).round(),
            removed,
            by_status: by_status.into_iter().map(|(s, n, _)| (s, n)).collect(),
        }
    }
}

/// Reads objects again through the connector's API for fresh links: `GET` the block, page,
/// database or data source; a comment among its parent's comments.
struct ApiRefresh {
    api: Arc<dyn NotionApi>,
}

fn notion_id(id: &str) -> Result<Id, String> {
    id.parse::<Id>()
        .map_err(|_| format!("{id:?} is not a Notion ID"))
}

impl Refresh for ApiRefresh {
    fn refresh(&self, owner: &Owner) -> BoxFuture<'static, Result<String, String>> {
        let api = self.api.clone();
        let owner = owner.clone();
        Box::pin(async move {
            let object = match &owner {
                Owner::Block(id) => Object::Block(notion_id(id)?),
                Owner::Page(id) => Object::Page(notion_id(id)?),
                Owner::Database(id) => Object::Database(notion_id(id)?),
                Owner::DataSource(id) => Object::DataSource(notion_id(id)?),
                Owner::Comment { id, parent } => {
                    let wanted = notion_id(id)?;
                    let mut pages = api.list(ListRequest::Comments {
                        block: notion_id(parent)?,
                    });
                    while let Some(page) = pages.next().await {
                        let page = page.map_err(|e| e.to_string())?;
                        for comment in page.results {
                            let found = record_files(comment.get())
                                .ok()
                                .and_then(|f| f.id.parse::<Id>().ok());
                            if found == Some(wanted) {
                                return Ok(comment.get().to_owned());
                            }
                        }
                    }
                    return Err(format!(
                        "comment {id} is no longer among the comments of {parent}"
                    ));
                }
                other => return Err(format!("{} cannot be read again", other.describe())),
            };
            let raw = api.retrieve(object).await.map_err(|e| e.to_string())?;
            Ok(raw.get().to_owned())
        })
    }
}

impl FilesSummary {
    /// The summary's line for a person.
    pub(crate) fn render(&self) -> String {
        let rows: Vec<String> = self
            .by_status
            .iter()
            .map(|(status, n)| format!("{status} {n}"))
            .collect();
        format!(
            "  files: {} downloaded ({}) · {} too large · {} failed · {} links refreshed · {} removed\n  files in the mirror: {} → {}\n",
            self.downloaded,
            bytes(self.bytes),
            self.skipped_too_large,
            self.failed,
            self.refreshes,
            self.removed,
            if rows.is_empty() {
                "none".to_owned()
            } else {
                rows.join("  ")
            },
            self.store
        )
    }
}

/// Bytes for a person (`1.2 MiB`).
fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GiB", n / (1024.0 * 1024.0 * 1024.0))
    } else if n >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", n / (1024.0 * 1024.0))
    } else if n >= 1024.0 {
        format!("{:.1} KiB", n / 1024.0)
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_for_a_person() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(100 * 1024 * 1024), "100.0 MiB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }

    #[test]
    fn the_summary_names_each_status() {
        let s = FilesSummary {
            store: "notion.db.files".into(),
            downloaded: 2,
            bytes: 2048,
            by_status: [("downloaded".to_owned(), 2), ("external".to_owned(), 1)]
                .into_iter()
                .collect(),
            ..FilesSummary::default()
        };
        let text = s.render();
        assert!(text.contains("files: 2 downloaded (2.0 KiB)"), "{text}");
        assert!(
            text.contains("files in the mirror: downloaded 2  external 1 → notion.db.files"),
            "{text}"
        );
    }
}
