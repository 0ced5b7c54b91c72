//! `notion-source sync`: a local, queryable SQLite mirror of the workspace, kept current by
//! incremental runs.

mod files;
mod progress;
mod summary;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use futures::StreamExt;
use notion_streams::{
    Config, Connector, Error, LogLevel, Message, Selection, Settings, State, StreamName, SyncMode,
    TokensRotated,
};
use std::sync::atomic::Ordering;

use crate::airbyte::load_settings;
use crate::{EXIT_FAILED, EXIT_INVALID_INPUT};
use files::FileSync;
use notion_mirror::{Error as MirrorError, Mirror, RecordOutcome, Table};
use progress::Progress;
use summary::{StreamError, Summary, ViewSummary, tenths};

/// Arguments of `sync`.
#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// The configuration file (JSON). Rotated OAuth tokens are written back to it.
    #[arg(long)]
    pub(crate) config: PathBuf,
    /// The SQLite database to create or update.
    #[arg(long, default_value = "notion.db")]
    pub(crate) db: PathBuf,
    /// Streams to sync (comma-separated); all by default.
    #[arg(long, value_delimiter = ',')]
    pub(crate) streams: Vec<StreamName>,
    /// Ignore the stored state and read everything again.
    #[arg(long)]
    pub(crate) full_refresh: bool,
    /// Print nothing but errors.
    #[arg(long)]
    pub(crate) quiet: bool,
    /// Write the end-of-sync summary as JSON to this file (`-` for stdout).
    #[arg(long)]
    pub(crate) summary_json: Option<PathBuf>,
}

/// How a sync is run, whatever started it.
pub(crate) struct SyncJob {
    pub(crate) settings: Settings,
    /// Where rotated OAuth tokens are written back (the configuration file), if anywhere.
    pub(crate) config_path: Option<PathBuf>,
    pub(crate) db: PathBuf,
    pub(crate) streams: Vec<StreamName>,
    pub(crate) full_refresh: bool,
    pub(crate) quiet: bool,
    pub(crate) summary_json: Option<PathBuf>,
}

pub(crate) async fn run(args: SyncArgs) -> u8 {
    let settings = match load_settings(&args.config) {
        Ok(s) => s,
        Err(m) => {
            eprintln!("notion-source: {m}");
            return EXIT_INVALID_INPUT;
        }
    };
    let job = SyncJob {
        settings,
        config_path: Some(args.config),
        db: args.db,
        streams: args.streams,
        full_refresh: args.full_refresh,
        quiet: args.quiet,
        summary_json: args.summary_json,
    };
    match run_job(job).await {
        Ok(_) => 0,
        Err(code) => code,
    }
}

/// Runs a sync and returns its summary; `Err` carries the exit code (the error was reported on
/// stderr).
pub(crate) async fn run_job(job: SyncJob) -> Result<Summary, u8> {
    let started = Instant::now();
    // A summary that cannot be written fails now, not after the sync.
    if let Some(path) = &job.summary_json
        && let Err(e) = summary_file_writable(path)
    {
        eprintln!(
            "notion-source: cannot write the summary to {} ({e}); fix --summary-json",
            path.display()
        );
        return Err(EXIT_INVALID_INPUT);
    }
    if job.db.is_dir() {
        eprintln!(
            "notion-source: --db {} is a directory; give the path of a database file (it is created when missing)",
            job.db.display()
        );
        return Err(EXIT_INVALID_INPUT);
    }
    let mut mirror = match Mirror::open(&job.db) {
        Ok(m) => m,
        Err(e @ (MirrorError::NotAMirror(_) | MirrorError::NewerSchema { .. })) => {
            eprintln!(
                "notion-source: {} was not changed: {e}; give --db a new file (or an empty one), or the mirror an earlier sync wrote",
                job.db.display()
            );
            return Err(EXIT_INVALID_INPUT);
        }
        Err(e) => {
            eprintln!(
                "notion-source: cannot open the database {}: {e}",
                job.db.display()
            );
            return Err(EXIT_FAILED);
        }
    };
    let state = if job.full_refresh {
        State::default()
    } else {
        match mirror.load_state() {
            Ok(s) => s,
            Err(e) => {
                eprintln!(
                    "notion-source: the state stored in {} is invalid ({e}); run with --full-refresh to start over",
                    job.db.display()
                );
                return Err(EXIT_INVALID_INPUT);
            }
        }
    };
    let streams: Vec<StreamName> = if job.streams.is_empty() {
        StreamName::ALL.to_vec()
    } else {
        job.streams.clone()
    };
    let mode = if job.full_refresh {
        SyncMode::FullRefresh
    } else {
        SyncMode::Incremental
    };
    let selection = Selection::of(streams.iter().copied(), mode);
    let config_warnings = job.settings.warnings.clone();
    let mut tokens = TokenStore {
        config: job.settings.config.clone(),
        path: job.config_path.clone(),
    };
    let connector = match Connector::new(job.settings) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("notion-source: {e}");
            return Err(EXIT_INVALID_INPUT);
        }
    };
    connector.set_state(state);
    let download_files = connector.settings().config.download_files;
    let mut files = if download_files {
        match FileSync::start(
            &mirror,
            &job.db,
            &connector.settings().config,
            connector.api(),
            job.quiet,
        ) {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("notion-source: {e}");
                return Err(EXIT_FAILED);
            }
        }
    } else {
        None
    };
    let run_id = mirror
        .start_run(if job.full_refresh {
            "full_refresh"
        } else {
            "incremental"
        })
        .map_err(|e| {
            eprintln!("notion-source: cannot write to the database: {e}");
            EXIT_FAILED
        })?;
    let show_progress = !job.quiet && std::io::stderr().is_terminal();
    let progress = Progress::new(show_progress, &streams);
    let mut read = connector.read(selection);
    let mut failure: Option<String> = None;
    let mut summary = Summary {
        database: job.db.display().to_string(),
        ..Summary::default()
    };
    for warning in &config_warnings {
        summary.warnings += 1;
        if !job.quiet {
            progress.println(&format!("warning: {warning}"));
        }
    }
    // Consecutive states (a checkpoint states every stream) are committed together, with the
    // records before them, when the next message is not a state.
    let mut states_to_commit = false;
    loop {
        if let Some(f) = files.as_mut()
            && let Err(e) = f.refill(&mut mirror)
        {
            failure = Some(format!("cannot write to the database: {e}"));
            break;
        }
        let downloading = files.as_ref().is_some_and(|f| f.pending() > 0);
        let room = files.as_ref().is_none_or(FileSync::has_room);
        // A rotation is stored before the next message is handled; finished downloads are
        // written as they come, and the read waits while too many are queued.
        let message = tokio::select! {
            biased;
            Some(rotated) = connector.rotated() => {
                tokens.store(&rotated, &progress);
                continue;
            }
            Some((key, done)) = next_download(&mut files), if downloading => {
                if let Some(f) = files.as_mut()
                    && let Err(e) = f.finished(&mut mirror, key, done, &progress)
                {
                    failure = Some(format!("cannot write to the database: {e}"));
                    break;
                }
                continue;
            }
            message = read.next(), if room => match message {
                Some(m) => m,
                None => break,
            },
            else => continue,
        };
        let is_state = matches!(message, Message::State { .. });
        if states_to_commit && !is_state {
            if let Err(e) = mirror.commit() {
                failure = Some(format!("cannot write to the database: {e}"));
                break;
            }
            if let Some(f) = files.as_mut() {
                f.committed();
            }
            states_to_commit = false;
        }
        let written = match &message {
            Message::Record { stream, data, .. } => {
                progress.record(*stream);
                match mirror.record(*stream, data) {
                    Ok(RecordOutcome::Stored | RecordOutcome::Deleted) if files.is_some() => files
                        .as_mut()
                        .map_or(Ok(()), |f| f.record(&mut mirror, *stream, data)),
                    Ok(RecordOutcome::NotStored(why)) => {
                        summary.records_not_stored += 1;
                        summary.warnings += 1;
                        if summary.records_not_stored <= NOT_STORED_SHOWN && !job.quiet {
                            progress.println(&format!(
                                "warning: a {stream} record was not stored: {why}"
                            ));
                        }
                        Ok(())
                    }
                    other => other.map(drop),
                }
            }
            Message::State { stream, state, .. } => {
                states_to_commit = true;
                mirror.state(*stream, &state.to_value())
            }
            // The page's blocks and comments not emitted again in this read are gone.
            Message::PageContent {
                page,
                version,
                blocks,
                comments,
            } => {
                let tables: Vec<Table> = [(*blocks, Table::Blocks), (*comments, Table::Comments)]
                    .into_iter()
                    .filter_map(|(read, table)| read.then_some(table))
                    .collect();
                let page = page.to_string();
                mirror
                    .page_content(&page, version, &tables)
                    .map(drop)
                    .and_then(|()| match files.as_mut() {
                        // Their files go with them.
                        Some(f) => f.page_content(&mut mirror, &page, version, *blocks, *comments),
                        None => Ok(()),
                    })
            }
            Message::Log { level, message } => {
                if *level >= LogLevel::Warn {
                    summary.warnings += 1;
                    if !job.quiet {
                        progress.println(&format!("warning: {message}"));
                    }
                }
                Ok(())
            }
            Message::Error {
                stream, message, ..
            } => {
                progress.println(&format!("error: {message}"));
                summary.stream_errors.push(StreamError {
                    stream: stream.map(StreamName::as_str),
                    message: message.clone(),
                });
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(e) = written {
            failure = Some(format!("cannot write to the database: {e}"));
            break;
        }
        progress.tick(connector.http_stats());
    }
    if states_to_commit && failure.is_none() {
        match mirror.commit() {
            Ok(()) => {
                if let Some(f) = files.as_mut() {
                    f.committed();
                }
            }
            Err(e) => failure = Some(format!("cannot write to the database: {e}")),
        }
    }
    let counters = read.counters();
    summary.not_shared = counters.not_shared.load(Ordering::Relaxed);
    summary.depth_cuts = counters.depth_cuts.load(Ordering::Relaxed);
    summary.rows_unread_at_query_cap = counters.rows_unread_at_cap.load(Ordering::Relaxed);
    if let Some(rotated) = connector.take_rotated() {
        tokens.store(&rotated, &progress);
    }
    let result = read.finish().await;
    if let Some(rotated) = connector.take_rotated() {
        tokens.store(&rotated, &progress);
    }
    progress.finish();
    if summary.records_not_stored > NOT_STORED_SHOWN && !job.quiet {
        eprintln!(
            "warning: {} records were not stored in all (no string id)",
            summary.records_not_stored
        );
    }
    let mut failure = failure.or_else(|| match result {
        Ok(()) => None,
        Err(Error::StreamsFailed(s)) => Some(format!(
            "streams failed: {}",
            s.iter()
                .map(|s| s.stream.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Err(e) => Some(e.to_string()),
    });
    // Records after the last state are not covered by it: drop them, the next run reads them.
    let _ = mirror.rollback();
    // A successful read of a stream in full saw everything it has: rows it did not write are
    // gone from Notion (a full refresh; `users`, always read in full).
    if failure.is_none() {
        let swept: Vec<Table> = streams
            .iter()
            .filter(|s| job.full_refresh || !s.is_incremental())
            .filter_map(|s| Table::for_stream(*s))
            .collect();
        if let Err(e) = mirror.sweep(run_id, &swept) {
            failure = Some(format!("cannot write to the database: {e}"));
        }
    }
    // Downloads still running, and files earlier syncs left unfinished, are completed (the
    // first write that fails stops them).
    if let Some(f) = files.take() {
        match f.finish(&mut mirror, &progress).await {
            Ok(files_summary) => summary.files = Some(files_summary),
            Err(e) => {
                let _ = mirror.rollback();
                failure.get_or_insert(format!("cannot write to the database: {e}"));
            }
        }
    }
    let http = connector.http_stats();
    let elapsed = started.elapsed().as_secs_f64();
    summary.status = if failure.is_none() {
        "succeeded"
    } else {
        "failed"
    };
    summary.records = progress.records_by_stream();
    summary.rows = mirror.counts().unwrap_or_default().into_iter().collect();
    summary.deleted = mirror
        .deletions()
        .iter()
        .map(|(table, n)| (table.name(), n))
        .collect();
    summary.views = mirror
        .views()
        .unwrap_or_default()
        .into_iter()
        .map(|v| ViewSummary {
            name: v.name,
            data_source: v.title,
            rows: v.rows,
        })
        .collect();
    summary.requests = http.requests;
    summary.retries = http.retries;
    summary.rate_limited = http.rate_limited;
    summary.requests_per_second = tenths(http.requests as f64 / elapsed.max(0.001));
    summary.rate_limit_pauses = http.pauses;
    summary.duration_seconds = tenths(elapsed);
    summary.error = failure.clone();
    let _ = mirror.finish_run(
        run_id,
        summary.status,
        &serde_json::to_value(&summary).unwrap_or_default(),
        failure.as_deref(),
    );
    if !job.quiet {
        eprint!("{}", summary.render());
    }
    if let Some(path) = &job.summary_json
        && let Err(e) = write_summary(path, &summary)
    {
        let message = format!("cannot write the summary to {}: {e}", path.display());
        failure.get_or_insert(message);
    }
    match failure {
        None => Ok(summary),
        Some(message) => {
            eprintln!("notion-source: sync failed: {message}");
            Err(EXIT_FAILED)
        }
    }
}

/// The next finished download, if files are downloaded.
async fn next_download(
    files: &mut Option<FileSync>,
) -> Option<(notion_mirror::FileKey, notion_files::Finished)> {
    match files {
        Some(f) => f.next().await,
        None => None,
    }
}

/// Warnings printed about records not stored, before only their count is.
const NOT_STORED_SHOWN: u64 = 10;

/// Checks that the summary file can be written (creating it when it does not exist), so that a
/// wrong path fails before the sync.
fn summary_file_writable(path: &Path) -> std::io::Result<()> {
    if path.as_os_str() == "-" {
        return Ok(());
    }
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map(drop)
}

/// Writes the summary as JSON to a file, or to stdout for `-` (`sync` writes nothing else there).
#[allow(clippy::print_stdout)]
fn write_summary(path: &Path, summary: &Summary) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(summary).map_err(std::io::Error::other)?;
    if path.as_os_str() == "-" {
        println!("{text}");
        Ok(())
    } else {
        std::fs::write(path, text + "\n")
    }
}

/// Where `sync` stores rotated OAuth tokens: the configuration file it was given.
struct TokenStore {
    /// The configuration as last stored.
    config: Config,
    /// The configuration file (none for the demo).
    path: Option<PathBuf>,
}

impl TokenStore {
    /// Writes the rotated tokens into the configuration file at once (write-then-rename,
    /// keeping its permissions). A failure is reported loudly: the previous refresh token no
    /// longer works.
    fn store(&mut self, rotated: &TokensRotated, progress: &Progress) {
        rotated.apply_to(&mut self.config);
        let Some(path) = &self.path else { return };
        if let Err(e) = crate::config_file::write(path, &self.config) {
            progress.println(&format!(
                "error: Notion rotated the OAuth tokens but {} could not be rewritten ({e}); \
                 the refresh token it holds no longer works: authorize the integration again \
                 after this sync",
                path.display()
            ));
        }
    }
}
