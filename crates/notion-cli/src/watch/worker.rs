//! The one writer of the mirror: events become coalesced targeted reads, each written in one
//! transaction and then marked applied in the store; the safety-net sync runs in the same loop,
//! its batches (records and the state covering them) committed as `sync` commits them, and
//! targeted reads run between two of its batches.
//!
//! A target applied while a sync runs may be overwritten by an older copy of the same object
//! that the sync read before the change and writes after it: such targets are read once more
//! when the sync ends.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use notion_mirror::{Mirror, RecordOutcome};
use notion_streams::shape::RawObject;
use notion_streams::{
    Config, Error, LogLevel, Message, Read, Selection, State, StreamName, SyncMode,
};
use notion_webhook::{Batch, Coalescer, Disposition, Event, Key, Target};
use tokio::sync::{mpsc, watch};

use super::reads::Reads;
use super::receiver::{SharedStore, lock};
use crate::EXIT_FAILED;

/// A failed read is tried again after this delay, doubled on each failure up to
/// [`MAX_RETRY_DELAY`].
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(2);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(300);
/// A failed safety-net sync is tried again after at most this long.
const SYNC_RETRY_DELAY: Duration = Duration::from_secs(300);

/// Rotated OAuth tokens: the access token and the refresh token, if any.
pub(crate) type Rotation = (String, Option<String>);

/// What the worker needs.
pub(crate) struct Worker {
    pub(crate) mirror: Mirror,
    pub(crate) store: SharedStore,
    pub(crate) reads: Reads,
    pub(crate) coalescer: Coalescer<String>,
    pub(crate) sync_every: Duration,
    /// The configuration as last stored, and its file (rotated tokens are written to it).
    pub(crate) config: Config,
    pub(crate) config_path: PathBuf,
    /// Targets of each event not applied yet (an event is applied when all of them are).
    pub(crate) outstanding: HashMap<String, usize>,
    /// Failed reads per object, for the retry delay.
    pub(crate) failures: HashMap<Key, u32>,
    pub(crate) next_sync: Option<Instant>,
    pub(crate) stats: Stats,
    /// Unknown event types met (each is reported once).
    pub(crate) unknown_kinds: std::collections::HashSet<String>,
}

/// What the worker did, for the closing line.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    events: u64,
    ignored: u64,
    reads: u64,
    records: u64,
    failed_reads: u64,
    syncs: u64,
}

/// A safety-net sync in progress.
struct Pass {
    read: Read,
    run: i64,
    started: Instant,
    /// Records written since the last commit.
    dirty: bool,
    /// States written since the last commit (the records before them are covered).
    states_to_commit: bool,
    records: u64,
    errors: Vec<String>,
    /// Targets applied during the pass, by object.
    applied: HashMap<Key, Target>,
    /// Of those, the ones the pass wrote again afterwards: read them once more at its end.
    reread: HashMap<Key, Target>,
}

impl Pass {
    /// Whether targets may be written now: no record of the pass is waiting for its state.
    fn at_boundary(&self) -> bool {
        !self.dirty || self.states_to_commit
    }
}

impl Worker {
    /// Runs until `shutdown`; returns the exit code.
    pub(crate) async fn run(
        mut self,
        mut events: mpsc::UnboundedReceiver<Event>,
        mut shutdown: watch::Receiver<bool>,
        mut rotations: mpsc::UnboundedReceiver<Rotation>,
    ) -> u8 {
        if let Err(e) = self.load_pending() {
            eprintln!("notion-source: cannot read the pending events: {e}");
            return EXIT_FAILED;
        }
        self.next_sync = self.first_sync();
        let mut pass: Option<Pass> = None;
        let code = loop {
            if *shutdown.borrow() {
                break 0;
            }
            let boundary = pass.as_ref().is_none_or(Pass::at_boundary);
            if boundary
                && self
                    .coalescer
                    .next_due()
                    .is_some_and(|d| d <= Instant::now())
            {
                if let Some(p) = pass.as_mut()
                    && let Err(e) = self.commit_pass(p)
                {
                    eprintln!("notion-source: cannot write to the mirror: {e}");
                    break EXIT_FAILED;
                }
                if let Err(e) = self.apply_due(pass.as_mut(), &shutdown).await {
                    eprintln!("notion-source: {e}");
                    break EXIT_FAILED;
                }
                continue;
            }
            let next_due = if boundary {
                self.coalescer.next_due()
            } else {
                None
            };
            let next_sync = if pass.is_none() { self.next_sync } else { None };
            tokio::select! {
                biased;
                _ = shutdown.changed() => {}
                Some(rotation) = rotations.recv() => self.store_tokens(rotation),
                Some(event) = events.recv() => self.event(event, Instant::now()),
                message = next_message(pass.as_mut()) => {
                    let Some(p) = pass.as_mut() else { continue };
                    match message {
                        Some(m) => {
                            if let Err(e) = self.pass_message(p, m) {
                                eprintln!("notion-source: cannot write to the mirror: {e}");
                                break EXIT_FAILED;
                            }
                        }
                        None => {
                            if let Some(p) = pass.take() {
                                self.end_pass(p, false).await;
                            }
                        }
                    }
                }
                () = sleep_until(next_due) => {}
                () = sleep_until(next_sync) => match self.start_pass() {
                    Ok(p) => pass = Some(p),
                    Err(e) => {
                        eprintln!("notion-source: cannot start the safety-net sync: {e}");
                        self.next_sync = Some(Instant::now() + SYNC_RETRY_DELAY.min(self.sync_every));
                    }
                },
            }
        };
        if let Some(p) = pass.take() {
            self.end_pass(p, true).await;
        }
        let (pending, _) = lock(&self.store).counts().unwrap_or_default();
        let s = &self.stats;
        eprintln!(
            "notion-source: watch stopped: {} events received ({} ignored), {} targeted reads \
             ({} failed, retried), {} records written, {} safety-net syncs; {pending} events \
             pending for the next start",
            s.events, s.ignored, s.reads, s.failed_reads, s.records, s.syncs
        );
        code
    }

    /// The events received before this start and not applied yet: due at once.
    fn load_pending(&mut self) -> Result<(), String> {
        let pending = lock(&self.store).pending().map_err(|e| e.to_string())?;
        if !pending.is_empty() {
            eprintln!(
                "notion-source: {} events received before this start are applied first",
                pending.len()
            );
        }
        let now = Instant::now();
        for p in pending {
            match Event::parse(&p.body) {
                // Due at once: the window has passed while the watch was stopped.
                Ok(event) => self.event(event, now - self.coalescer.window()),
                Err(e) => {
                    eprintln!(
                        "notion-source: warning: dropping stored event {}: {e}",
                        p.id
                    );
                    self.mark_applied(&[p.id]);
                }
            }
        }
        Ok(())
    }

    /// When the first safety-net sync runs: at once for a mirror never synced, or when the last
    /// one is older than the interval (or unknown); never with an interval of zero.
    fn first_sync(&self) -> Option<Instant> {
        if self.sync_every.is_zero() {
            return None;
        }
        let now = Instant::now();
        let state = self.mirror.load_state().unwrap_or_default();
        if StreamName::ALL.iter().all(|s| state.get(*s).is_none()) {
            return Some(now);
        }
        let last = lock(&self.store).last_sync().ok().flatten();
        let since = last.and_then(|t| (Utc::now() - t).to_std().ok());
        Some(match since {
            Some(since) if since < self.sync_every => now + (self.sync_every - since),
            _ => now,
        })
    }

    /// A new event: its targets go to the coalescer; an event with nothing to read is applied.
    fn event(&mut self, event: Event, now: Instant) {
        self.stats.events += 1;
        match event.disposition() {
            Disposition::Read(targets) if !targets.is_empty() => {
                tracing::debug!(
                    "event {} ({}): {} targeted reads",
                    event.id,
                    event.kind,
                    targets.len()
                );
                *self.outstanding.entry(event.id.clone()).or_default() += targets.len();
                for target in targets {
                    self.coalescer.push(target, event.id.clone(), now);
                }
                return;
            }
            Disposition::Unknown => {
                // Said once per type: Notion may send a new type often.
                if self.unknown_kinds.insert(event.kind.as_str().to_owned()) {
                    eprintln!(
                        "notion-source: warning: ignoring events of type {}, which this version \
                         does not know (the safety-net sync reads what they changed)",
                        event.kind
                    );
                }
                tracing::info!(
                    "ignored event {} of an unknown type {}",
                    event.id,
                    event.kind
                );
            }
            Disposition::Incomplete(why) => eprintln!(
                "notion-source: warning: ignored event {} ({}): {why}",
                event.id, event.kind
            ),
            _ => tracing::debug!("event {} ({}): nothing to read", event.id, event.kind),
        }
        self.stats.ignored += 1;
        self.mark_applied(&[event.id]);
    }

    /// Marks events applied in the store. A failure is reported: the events are applied again
    /// at the next start, which changes nothing.
    fn mark_applied(&self, ids: &[String]) {
        if let Err(e) = lock(&self.store).applied(ids) {
            eprintln!("notion-source: warning: cannot mark events applied in the store: {e}");
        }
    }

    /// Reads and writes every target due now. `Err` only when the mirror cannot be written.
    async fn apply_due(
        &mut self,
        mut pass: Option<&mut Pass>,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<(), String> {
        let mut due = self.coalescer.take_due(Instant::now()).into_iter();
        while let Some(batch) = due.next() {
            if *shutdown.borrow() {
                // Not read: back to the coalescer; their events stay pending in the store.
                for rest in std::iter::once(batch).chain(due.by_ref()) {
                    self.coalescer
                        .push_due(rest.target, rest.tags, Instant::now());
                }
                break;
            }
            self.apply(batch, pass.as_deref_mut()).await?;
        }
        Ok(())
    }

    /// One targeted read, written in one transaction; its events are applied once every target
    /// of theirs is. A failed read is tried again later.
    async fn apply(&mut self, batch: Batch<String>, pass: Option<&mut Pass>) -> Result<(), String> {
        let key = batch.target.key();
        let started = Instant::now();
        self.stats.reads += 1;
        let messages = match self.reads.read(&batch.target).await {
            Ok(m) => m,
            Err(e) => {
                self.stats.failed_reads += 1;
                let failures = self.failures.entry(key).or_default();
                *failures += 1;
                let delay = retry_delay(*failures);
                eprintln!(
                    "notion-source: warning: reading {key} failed ({e}); trying again in {} s",
                    delay.as_secs()
                );
                self.coalescer
                    .push_due(batch.target, batch.tags, Instant::now() + delay);
                return Ok(());
            }
        };
        self.failures.remove(&key);
        let mut written = 0u64;
        for message in &messages {
            if let Message::Record { stream, data, .. } = message {
                match self.mirror.record(*stream, data) {
                    Ok(RecordOutcome::Stored) => written += 1,
                    Ok(RecordOutcome::NotStored(why)) => {
                        eprintln!(
                            "notion-source: warning: a {stream} record was not stored: {why}"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let _ = self.mirror.rollback();
                        return Err(format!("cannot write to the mirror: {e}"));
                    }
                }
            }
        }
        self.mirror
            .commit()
            .map_err(|e| format!("cannot write to the mirror: {e}"))?;
        self.stats.records += written;
        tracing::info!(
            "{key}: {written} records in {} ms ({} events)",
            started.elapsed().as_millis(),
            batch.tags.len()
        );
        let mut applied = Vec::new();
        for tag in batch.tags {
            let left = self.outstanding.entry(tag.clone()).or_insert(1);
            *left = left.saturating_sub(1);
            if *left == 0 {
                self.outstanding.remove(&tag);
                applied.push(tag);
            }
        }
        self.mark_applied(&applied);
        if let Some(p) = pass {
            match p.applied.get_mut(&key) {
                Some(t) => t.merge(batch.target),
                None => {
                    p.applied.insert(key, batch.target);
                }
            }
        }
        Ok(())
    }

    /// Starts a safety-net sync from the mirror's state.
    fn start_pass(&mut self) -> Result<Pass, String> {
        let state: State = self.mirror.load_state().map_err(|e| e.to_string())?;
        let connector = self.reads.connector();
        connector.set_state(state);
        let run = self
            .mirror
            .start_run("incremental")
            .map_err(|e| e.to_string())?;
        self.next_sync = None;
        eprintln!("notion-source: safety-net sync started");
        Ok(Pass {
            read: connector.read(Selection::of(StreamName::ALL, SyncMode::Incremental)),
            run,
            started: Instant::now(),
            dirty: false,
            states_to_commit: false,
            records: 0,
            errors: Vec::new(),
            applied: HashMap::new(),
            reread: HashMap::new(),
        })
    }

    /// Commits the pass's records and states written so far, when they are all covered.
    fn commit_pass(&mut self, p: &mut Pass) -> Result<(), String> {
        if p.states_to_commit {
            self.mirror.commit().map_err(|e| e.to_string())?;
            p.states_to_commit = false;
            p.dirty = false;
        }
        Ok(())
    }

    /// One message of the safety-net sync, written as `sync` writes it.
    fn pass_message(&mut self, p: &mut Pass, message: Message) -> Result<(), String> {
        if !matches!(message, Message::State { .. }) {
            self.commit_pass(p)?;
        }
        match message {
            Message::Record { stream, data, .. } => {
                if !p.applied.is_empty()
                    && let Some(key) = key_of(stream, &data)
                    && let Some(target) = p.applied.remove(&key)
                {
                    p.reread.insert(key, target);
                }
                match self
                    .mirror
                    .record(stream, &data)
                    .map_err(|e| e.to_string())?
                {
                    RecordOutcome::NotStored(why) => {
                        eprintln!(
                            "notion-source: warning: a {stream} record was not stored: {why}"
                        );
                    }
                    _ => p.records += 1,
                }
                p.dirty = true;
            }
            Message::State { stream, state, .. } => {
                self.mirror
                    .state(stream, &state.to_value())
                    .map_err(|e| e.to_string())?;
                p.states_to_commit = true;
            }
            // The mirror keeps rows a re-read page no longer has until it can drop them by
            // content version; `sync` writes the same messages the same way.
            Message::PageContent { .. } => {}
            Message::Log { level, message } if level >= LogLevel::Warn => {
                eprintln!("notion-source: warning: {message}");
            }
            Message::Error { message, .. } => {
                eprintln!("notion-source: error: {message}");
                p.errors.push(message);
            }
            _ => {}
        }
        Ok(())
    }

    /// Ends a safety-net sync: what its states cover is committed, the rest rolled back (the
    /// next sync reads it again).
    async fn end_pass(&mut self, mut p: Pass, interrupted: bool) {
        let committed = self.commit_pass(&mut p);
        let _ = self.mirror.rollback();
        let outcome: Result<(), String> = if interrupted {
            drop(p.read);
            Err("stopped by a signal before it finished".into())
        } else {
            match p.read.finish().await {
                Ok(()) if p.errors.is_empty() => committed,
                Ok(()) => Err(p.errors.join("; ")),
                Err(Error::StreamsFailed(f)) => Err(format!(
                    "streams failed: {}",
                    f.iter()
                        .map(|s| s.stream.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Err(e) => Err(e.to_string()),
            }
        };
        let seconds = p.started.elapsed().as_secs_f64();
        let status = match &outcome {
            Ok(()) => "succeeded",
            Err(_) if interrupted => "interrupted",
            Err(_) => "failed",
        };
        let summary = serde_json::json!({
            "status": status,
            "records": p.records,
            "duration_seconds": (seconds * 10.0).round() / 10.0,
            "started_by": "watch",
        });
        let _ = self.mirror.finish_run(
            p.run,
            status,
            &summary,
            outcome.as_ref().err().map(String::as_str),
        );
        self.stats.syncs += 1;
        let now = Instant::now();
        match &outcome {
            Ok(()) => {
                let _ = lock(&self.store).set_last_sync(Utc::now());
                eprintln!(
                    "notion-source: safety-net sync finished: {} records in {seconds:.1} s",
                    p.records
                );
            }
            Err(e) => eprintln!("notion-source: safety-net sync {status}: {e}"),
        }
        if !interrupted && !self.sync_every.is_zero() {
            let delay = if outcome.is_ok() {
                self.sync_every
            } else {
                self.sync_every.min(SYNC_RETRY_DELAY)
            };
            self.next_sync = Some(now + delay);
        }
        for (_, target) in p.reread {
            self.coalescer.push_due(target, Vec::new(), now);
        }
    }

    /// Writes rotated OAuth tokens into the configuration file at once.
    fn store_tokens(&mut self, (access, refresh): Rotation) {
        self.config.set_oauth_tokens(&access, refresh.as_deref());
        if let Err(e) = crate::config_file::write(&self.config_path, &self.config) {
            eprintln!(
                "notion-source: error: Notion rotated the OAuth tokens but {} could not be \
                 rewritten ({e}); the refresh token it holds no longer works: authorize the \
                 integration again",
                self.config_path.display()
            );
        }
    }
}

/// The next message of the sync in progress; never, without one.
async fn next_message(pass: Option<&mut Pass>) -> Option<Message> {
    match pass {
        Some(p) => p.read.next().await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `at`; forever without one.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// The delay before the `failures`-th retry of a read.
fn retry_delay(failures: u32) -> Duration {
    FIRST_RETRY_DELAY
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
        .min(MAX_RETRY_DELAY)
}

/// The object a record of the sync belongs to, as targets name objects.
fn key_of(stream: StreamName, data: &str) -> Option<Key> {
    let obj = RawObject::parse(data).ok()?;
    let id = |member: &str| obj.str(member)?.parse().ok();
    match stream {
        StreamName::Pages => id("id").map(Key::Page),
        StreamName::Blocks | StreamName::Comments => id("_page_id").map(Key::Page),
        StreamName::DataSources => id("id").map(Key::DataSource),
        StreamName::Databases => id("id").map(Key::Database),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_five_minutes() {
        assert_eq!(retry_delay(1), Duration::from_secs(2));
        assert_eq!(retry_delay(2), Duration::from_secs(4));
        assert_eq!(retry_delay(8), Duration::from_secs(256));
        assert_eq!(retry_delay(9), MAX_RETRY_DELAY);
        assert_eq!(retry_delay(u32::MAX), MAX_RETRY_DELAY);
    }

    #[test]
    fn sync_records_name_the_objects_targets_read() {
        let page = "153104cd-477e-809d-8dc4-ff2d96ae3090";
        let key = Key::Page(page.parse().unwrap());
        assert_eq!(
            key_of(StreamName::Pages, &format!(r#"{{"id":"{page}"}}"#)),
            Some(key)
        );
        assert_eq!(
            key_of(
                StreamName::Blocks,
                &format!(r#"{{"id":"x","_page_id":"{page}"}}"#)
            ),
            Some(key)
        );
        assert_eq!(
            key_of(StreamName::Users, &format!(r#"{{"id":"{page}"}}"#)),
            None
        );
        assert_eq!(key_of(StreamName::Pages, "not json"), None);
    }
}
