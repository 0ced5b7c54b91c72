//! A read: one pass over the workspace that emits the records of the selected streams.
//!
//! The read is made of units with one job each, all sharing one [`Reader`]:
//!
//! | unit | module | job |
//! |---|---|---|
//! | bounds | [`bounds`] | each stream's lower bound; the cursor a finished pass leaves |
//! | discovery | [`discovery`] | users; data sources and pages through search; the trash |
//! | rows | [`rows`] | the rows of one data source, in windows past Notion's 10,000-row cap |
//! | sources | [`source`] | pages of a search or query processed concurrently, progress tracked |
//! | registry | [`registry`] | databases and data sources met anywhere, each retrieved once |
//! | pages | [`page`] | one page's record (truncated values completed); pages found by walking |
//! | content | [`content`] | one page's block tree, at every depth |
//! | comments | [`comments`] | the comments of a page and its blocks, each emitted once |
//!
//! # How pages are found
//! - **search** (`POST /v1/search`, newest first): standalone and child pages, and data sources.
//!   On a first sync one unfiltered search serves both; later syncs list data sources with a
//!   filtered search (cheap: every data source, every sync) and read pages newest first only down
//!   to the stream's cursor.
//! - **data-source queries** (newest first, filtered on `last_edited_time`): the rows. Rows that
//!   search also returns are skipped there. A query that stops at Notion's 10,000-row cap is
//!   continued with a new query on the older window.
//! - **walking content**: `child_page` blocks found while reading a page's blocks are pages too
//!   (search is best-effort); `child_database` blocks are databases. A page found both ways is
//!   read once.
//!
//! # Incremental reads
//! Each page-driven stream has a cursor `L`: pages edited at or after `L` are re-read (their
//! blocks and comments too); records older than `L` are not emitted. At the end the cursor moves
//! to the pass's start (server time) less the lookback window, never backwards.
//!
//! # Checkpoints
//! Pages are processed concurrently; each source keeps a floor below which nothing is finished
//! (see [`progress`]). Every `checkpoint_interval` records the streams' states carry the floors,
//! so a read resumed from its last state skips what was finished. A stream that fails stops
//! emitting states, so its state never moves past what it did not read.

pub(crate) mod bounds;
mod comments;
mod content;
mod discovery;
mod document;
mod inventory;
mod page;
pub(crate) mod progress;
mod registry;
mod rows;
mod schemas;
mod sink;
mod source;
mod typed;

#[cfg(test)]
mod memory;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use notion_model::{Id, Timestamp};
use tokio::sync::{Semaphore, mpsc};

use crate::api::{ListPage, ListRequest, NotionApi, Object};
use crate::catalog::Selection;
use crate::config::Settings;
use crate::error::{Error, Result, StreamFailure};
use crate::protocol::{LogLevel, Message, StreamStatus};
use crate::shape::RawObject;
use crate::state::{
    PassState, SourceKey, SourceProgress, State, StreamState, format_time, parse_time,
};
use crate::stream::StreamName;

use bounds::{Bounds, PAGE_STREAMS};
pub(crate) use page::rich_text_plain;
pub(crate) use sink::Sink;

/// A listing being read, page by page.
pub(crate) type PageStream = BoxStream<'static, Result<ListPage>>;

/// Counters of a read, for the end-of-sync summary.
#[derive(Debug, Default)]
pub struct ReadCounters {
    /// Objects Notion answered 404 or 403 for (not shared with the integration, or deleted).
    pub not_shared: AtomicU64,
    /// Blocks whose children `max_block_depth` kept from being read.
    pub depth_cuts: AtomicU64,
    /// Pages whose content or comments were read.
    pub pages_processed: AtomicU64,
    /// Rows not read because more than 10,000 rows share one `last_edited_time`.
    pub rows_unread_at_cap: AtomicU64,
    /// Objects skipped because they had no valid `id` (never emitted: `id` is the primary key).
    pub invalid_records: AtomicU64,
    /// Streams that failed, with their errors, in order.
    failures: Mutex<Vec<StreamFailure>>,
}

impl ReadCounters {
    /// The streams that failed so far, with their errors.
    pub fn failures(&self) -> Vec<StreamFailure> {
        lock(&self.failures).clone()
    }

    /// The failure of one stream, if it failed.
    pub(crate) fn failure_of(&self, stream: StreamName) -> Option<StreamFailure> {
        lock(&self.failures)
            .iter()
            .find(|f| f.stream == stream)
            .cloned()
    }
}

/// The progress of this pass, checkpointed with the page-driven streams' states.
#[derive(Debug, Default)]
struct Pass {
    /// Server time of the pass's first response; `None` until then.
    started_at: Option<DateTime<Utc>>,
    lower: Option<DateTime<Utc>>,
    sources: BTreeMap<SourceKey, SourceProgress>,
}

/// Pages met by more than one way, so that each is read once.
#[derive(Debug, Default)]
struct PageSet {
    /// Pages read (or being read) in this pass, other than rows.
    seen: HashSet<Id>,
    /// Pages found by walking content and not read yet.
    pending: BTreeSet<Id>,
    /// Pending pages being read.
    in_flight: BTreeSet<Id>,
}

/// Everything shared by the units of one read.
pub(crate) struct Reader {
    pub(crate) api: Arc<dyn NotionApi>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) selection: Selection,
    pub(crate) out: Sink,
    pub(crate) bounds: Bounds,
    pub(crate) counters: Arc<ReadCounters>,
    /// Requests in flight at once.
    requests: Semaphore,
    input: State,
    pass: Mutex<Pass>,
    /// What the interrupted pass this read continues had finished.
    resume: BTreeMap<SourceKey, SourceProgress>,
    /// Whether this read continues an interrupted pass.
    resuming: bool,
    pages: Mutex<PageSet>,
    registry: Mutex<registry::Registry>,
    /// What documents refer to (read only when the `page_markdown` stream is).
    references: Mutex<document::References>,
    /// Ids for the inventory.
    inventory: Mutex<inventory::Inventory>,
    /// The typed streams of data sources.
    typed: typed::TypedStreams,
    failed: [AtomicBool; StreamName::COUNT],
}

/// Starts a read of `selection` from `input`, emitting into `tx`.
pub(crate) async fn run(
    api: Arc<dyn NotionApi>,
    settings: Arc<Settings>,
    selection: Selection,
    input: State,
    tx: mpsc::Sender<Message>,
    counters: Arc<ReadCounters>,
) -> Result<()> {
    let out = Sink::new(tx);
    for w in &input.warnings {
        out.log(LogLevel::Warn, w.clone()).await?;
    }
    for s in selection.streams().iter() {
        out.status(s, StreamStatus::Started).await?;
    }
    let reader = Arc::new(Reader::new(api, settings, selection, input, out, counters));
    reader.typed_statuses(|_| StreamStatus::Started).await?;
    let result = reader.clone().run_all().await;
    reader.finish(result).await
}

/// Lists the data sources as a read does (the data-source search, or the configured
/// databases) and returns their typed streams, named as reads name them.
pub(crate) async fn list_typed_streams(
    api: Arc<dyn NotionApi>,
    settings: Arc<Settings>,
    tx: mpsc::Sender<Message>,
) -> Result<Vec<crate::typed::DataSourceStream>> {
    let selection = Selection::of([], crate::catalog::SyncMode::FullRefresh);
    let input = State::default();
    let mut reader = Reader::new(
        api,
        settings,
        selection,
        input,
        Sink::new(tx),
        Arc::new(ReadCounters::default()),
    );
    reader.typed = typed::TypedStreams::new(&reader.selection, &reader.input, None, true);
    let reader = Arc::new(reader);
    reader.list_data_sources_phase(false).await?;
    reader.resolve_typed_streams().await?;
    Ok(reader.resolved_typed_streams())
}

/// Reads one stream (`blocks` or `comments`) of the given pages, in full. A page that is not
/// found or not shared fails the read with the error.
pub(crate) async fn run_for_pages(
    api: Arc<dyn NotionApi>,
    settings: Arc<Settings>,
    stream: StreamName,
    page_ids: Vec<Id>,
    tx: mpsc::Sender<Message>,
    counters: Arc<ReadCounters>,
) -> Result<()> {
    let selection = Selection::of([stream], crate::catalog::SyncMode::FullRefresh);
    let out = Sink::new(tx);
    let reader = Arc::new(Reader::new(
        api,
        settings,
        selection,
        State::default(),
        out,
        counters,
    ));
    for id in page_ids {
        reader.walk_page(id, true).await?;
    }
    reader.failures_result()
}

impl Reader {
    fn new(
        api: Arc<dyn NotionApi>,
        settings: Arc<Settings>,
        selection: Selection,
        input: State,
        out: Sink,
        counters: Arc<ReadCounters>,
    ) -> Self {
        let bounds = Bounds::new(&selection, &input, settings.start_date, settings.lookback);
        let typed = typed::TypedStreams::new(&selection, &input, settings.start_date, false);
        let resumed = resumable_pass(&selection, &input, typed.input_passes());
        let resuming = resumed.is_some();
        let (pass, resume, pending, databases, data_sources) = match resumed {
            Some(p) => (
                Pass {
                    started_at: Some(p.started_at),
                    lower: p.lower,
                    sources: p.sources.clone(),
                },
                p.sources,
                p.pending_pages,
                p.databases,
                p.data_sources,
            ),
            None => (
                Pass {
                    started_at: None,
                    lower: bounds.min_pages(),
                    sources: BTreeMap::new(),
                },
                BTreeMap::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
            ),
        };
        let concurrency = settings.config.concurrency.max(1) as usize;
        let incremental_pages =
            Reader::incremental_pages(&selection) && settings.database_ids.is_empty();
        let inventory = inventory::Inventory::new(
            settings.inventory,
            incremental_pages,
            input
                .get(StreamName::Pages)
                .and_then(|s| s.known.clone())
                .filter(|_| incremental_pages),
            api.server_time().unwrap_or_else(Utc::now),
        );
        Reader {
            api,
            settings,
            selection,
            out,
            bounds,
            counters,
            requests: Semaphore::new(concurrency),
            input,
            pass: Mutex::new(pass),
            resume,
            resuming,
            pages: Mutex::new(PageSet {
                pending: pending.into_iter().collect(),
                ..PageSet::default()
            }),
            registry: Mutex::new(registry::Registry::resumed(databases, data_sources)),
            references: Mutex::new(document::References::default()),
            inventory: Mutex::new(inventory),
            typed,
            failed: Default::default(),
        }
    }

    /// Pages to read at once: the configured concurrency.
    pub(crate) fn concurrency(&self) -> usize {
        self.settings.config.concurrency.max(1) as usize
    }

    /// Retrieves one object within the request concurrency limit.
    pub(crate) async fn retrieve(
        &self,
        object: Object,
    ) -> Result<Box<serde_json::value::RawValue>> {
        let _permit = self
            .requests
            .acquire()
            .await
            .map_err(|_| Error::Cancelled)?;
        let result = self.api.retrieve(object).await;
        self.mark_started();
        result
    }

    /// Starts a listing (no request is made until [`Reader::next_page`]).
    pub(crate) fn list(&self, request: ListRequest) -> PageStream {
        self.api.list(request)
    }

    /// The next page of a listing, read within the request concurrency limit. The first response
    /// of the pass dates its start (the server's clock, from the `Date` header).
    pub(crate) async fn next_page(&self, pages: &mut PageStream) -> Option<Result<ListPage>> {
        let _permit = match self.requests.acquire().await {
            Ok(p) => p,
            Err(_) => return Some(Err(Error::Cancelled)),
        };
        let result = pages.next().await;
        self.mark_started();
        result
    }

    /// Every result of a listing.
    pub(crate) async fn list_all(&self, request: ListRequest) -> Result<Vec<ListPage>> {
        let mut pages = self.list(request);
        let mut all = Vec::new();
        while let Some(page) = self.next_page(&mut pages).await {
            all.push(page?);
        }
        Ok(all)
    }

    async fn run_all(self: Arc<Self>) -> Result<()> {
        if self.selection.contains(StreamName::Users) {
            self.read_users().await?;
        }
        let needs_pages = self.reads_pages();
        let needs_rows = needs_pages || self.typed.any_selected();
        let needs_ds = needs_rows
            || self.selection.contains(StreamName::DataSources)
            || self.selection.contains(StreamName::Databases);
        if !needs_ds {
            return Ok(());
        }
        self.list_data_sources_phase(needs_pages).await?;
        // Every data source the listing returned is known: the typed streams are named as
        // `discover` names them, before any row is read.
        self.resolve_typed_streams().await?;
        if self.settings.database_ids.is_empty() {
            self.settle_search_rows().await?;
        }
        self.resume_found_objects().await?;
        // Databases of known data sources (their containers are records too).
        for db in self.databases_of_known_data_sources() {
            self.database_found(db).await?;
        }
        loop {
            if let Some(ds) = self.next_unqueried_data_source() {
                if self.row_lower(ds).is_some() {
                    self.clone().query_rows(ds).await?;
                }
                continue;
            }
            if needs_pages && self.has_pending_pages() {
                self.clone().drain_pending().await?;
                continue;
            }
            break;
        }
        if self.settings.database_ids.is_empty()
            && ((needs_pages && self.bounds.min_pages().is_some())
                || self.typed.lowest_bound().is_some())
        {
            self.read_trashed_pages().await?;
        }
        self.confirm_inventory().await?;
        Ok(())
    }

    /// Lists the data sources: the configured databases', or every data source through search
    /// (with the pages too, on a first sync that reads pages: `needs_pages`).
    async fn list_data_sources_phase(self: &Arc<Self>, needs_pages: bool) -> Result<()> {
        if !self.settings.database_ids.is_empty() {
            self.typed.set_configured_listing(true);
            for id in self.settings.database_ids.clone() {
                self.configured_database(id).await?;
            }
            self.typed.set_configured_listing(false);
            return Ok(());
        }
        let unified = self.bounds.min_pages().is_none() && !self.resuming && needs_pages;
        if !unified {
            self.list_data_sources().await?;
        }
        if needs_pages {
            self.search_pages(unified).await?;
        }
        Ok(())
    }

    /// Records the pass's start (server time) the first time it is called.
    fn mark_started(&self) {
        let mut pass = lock(&self.pass);
        if pass.started_at.is_none() {
            pass.started_at = Some(self.api.server_time().unwrap_or_else(Utc::now));
        }
    }

    /// The content version of this read: its start (server time), the same for every record.
    pub(crate) fn content_version(&self) -> String {
        format_time(lock(&self.pass).started_at.unwrap_or_else(Utc::now))
    }

    /// Sets (or clears) the progress of a source of pages.
    pub(crate) fn set_progress(&self, key: SourceKey, progress: Option<SourceProgress>) {
        let mut pass = lock(&self.pass);
        match progress {
            Some(p) => {
                pass.sources.insert(key, p);
            }
            None => {
                pass.sources.remove(&key);
            }
        }
    }

    /// What an interrupted pass had recorded for a source.
    pub(crate) fn resumed_progress(&self, key: &SourceKey) -> Option<&SourceProgress> {
        self.resume.get(key)
    }

    /// Emits a checkpoint when a stream has emitted `checkpoint_interval` records since its
    /// last, and (when the pages state carries an inventory) at least twice the inventory's size
    /// in records since the last checkpoint, so states stay a small part of the output.
    pub(crate) async fn maybe_checkpoint(&self) -> Result<()> {
        let n = u64::from(self.settings.config.checkpoint_interval);
        let due = self
            .selection
            .streams()
            .iter()
            .any(|s| self.out.since_state(s) >= n)
            || self.typed.checkpoint_due(n);
        let inventory_bytes =
            (lock(&self.inventory).encoded_len() + self.typed.encoded_len()) as u64;
        if due && self.out.bytes_since_checkpoint() >= 2 * inventory_bytes {
            self.checkpoint(false).await?;
        }
        Ok(())
    }

    /// The pass's progress as it stands.
    fn pass_snapshot(&self) -> PassState {
        let (started_at, lower, mut sources) = {
            let pass = lock(&self.pass);
            (
                pass.started_at.unwrap_or_else(Utc::now),
                pass.lower,
                pass.sources.clone(),
            )
        };
        // Sources resumed from the input state and not reached yet keep their progress.
        for (k, v) in &self.resume {
            sources.entry(*k).or_insert_with(|| v.clone());
        }
        let pending_pages: Vec<Id> = {
            let pages = lock(&self.pages);
            let all: BTreeSet<Id> = pages.pending.union(&pages.in_flight).copied().collect();
            all.into_iter().collect()
        };
        let (databases, data_sources) = lock(&self.registry).found();
        PassState {
            started_at,
            lower,
            sources,
            pending_pages,
            databases,
            data_sources,
        }
    }

    /// Emits the state of every selected stream that has not failed. `done`: the pass is
    /// complete and cursors move.
    async fn checkpoint(&self, done: bool) -> Result<()> {
        self.out.checkpointed();
        let pass = (!done).then(|| self.pass_snapshot());
        let started = lock(&self.pass).started_at.unwrap_or_else(Utc::now);
        for s in self.selection.streams().iter() {
            if self.has_failed(s) {
                continue;
            }
            let state = if !s.is_incremental() {
                StreamState::default()
            } else {
                let lookback = self.settings.lookback;
                let previous = bounds::input_cursor(&self.selection, &self.input, s, lookback);
                let previous_version = bounds::input_version(&self.selection, &self.input, s);
                let cursor = if done {
                    Some(bounds::next_cursor(started, lookback, previous))
                } else {
                    previous
                };
                let version = if s.cursor_field() == Some(crate::stream::CONTENT_VERSION) {
                    match (done, previous_version) {
                        (true, Some(v)) => Some(v.max(started)),
                        (true, None) => Some(started),
                        (false, v) => v,
                    }
                } else {
                    None
                };
                let known = if s == StreamName::Pages {
                    if done {
                        self.final_inventory()
                    } else {
                        lock(&self.inventory).checkpointed()
                    }
                } else {
                    None
                };
                let schemas = if s == StreamName::Pages {
                    self.schemas_state(done)
                } else {
                    BTreeMap::new()
                };
                StreamState {
                    cursor,
                    version,
                    pass: if PAGE_STREAMS.contains(&s) {
                        pass.clone()
                    } else {
                        None
                    },
                    known,
                    schemas,
                }
            };
            self.out.state(s, state).await?;
        }
        self.typed_checkpoint(done, started, pass.as_ref()).await
    }

    /// Reports an object that is not shared with the integration (or was deleted).
    pub(crate) async fn not_shared(&self, what: &str, e: &Error) -> Result<()> {
        self.counters.not_shared.fetch_add(1, Ordering::Relaxed);
        self.out
            .log(
                LogLevel::Warn,
                format!("skipped {what}: {e} (not shared with the integration, or deleted)"),
            )
            .await
    }

    /// Reports an object without a valid `id` (it is not emitted: `id` is the primary key).
    pub(crate) async fn invalid_record(&self, what: &str, endpoint: &str) -> Result<()> {
        self.counters
            .invalid_records
            .fetch_add(1, Ordering::Relaxed);
        self.out
            .log(
                LogLevel::Warn,
                format!(
                    "skipped {what} from {endpoint}: it has no valid string `id` (the primary \
                     key), so it cannot be emitted"
                ),
            )
            .await
    }

    /// The id of an object, or `None` after reporting it (see [`Reader::invalid_record`]).
    pub(crate) async fn object_id(
        &self,
        obj: &RawObject<'_>,
        what: &str,
        endpoint: &str,
    ) -> Result<Option<Id>> {
        match obj.str("id").and_then(|s| s.parse::<Id>().ok()) {
            Some(id) => Ok(Some(id)),
            None => {
                self.invalid_record(what, endpoint).await?;
                Ok(None)
            }
        }
    }

    /// Whether a stream failed in this read.
    pub(crate) fn has_failed(&self, stream: StreamName) -> bool {
        self.failed[stream.index()].load(Ordering::Relaxed)
    }

    /// Marks a stream failed: it stops, its state stays where it was, the others go on, and the
    /// read fails at the end with every stream's error. A stream fails once.
    pub(crate) async fn fail_stream(&self, stream: StreamName, e: Error) -> Result<()> {
        self.fail_stream_with(stream, Arc::new(e)).await
    }

    async fn fail_stream_with(&self, stream: StreamName, e: Arc<Error>) -> Result<()> {
        if self.failed[stream.index()].swap(true, Ordering::Relaxed) {
            return Ok(());
        }
        self.out
            .send(Message::Error {
                stream: Some(stream),
                message: format!("the {stream} stream failed: {e}"),
                internal_message: None,
                failure_type: e.failure_type(),
            })
            .await?;
        lock(&self.counters.failures).push(StreamFailure { stream, error: e });
        Ok(())
    }

    /// Fails every selected stream in `streams` with one error (a listing several streams
    /// depend on broke).
    pub(crate) async fn fail_streams(&self, streams: &[StreamName], e: Error) -> Result<()> {
        let e = Arc::new(e);
        for s in streams.iter().copied() {
            if self.selection.contains(s) {
                self.fail_stream_with(s, e.clone()).await?;
            }
        }
        Ok(())
    }

    /// The read's outcome from its failed streams.
    fn failures_result(&self) -> Result<()> {
        let failed = self.counters.failures();
        let typed = self.failed_typed_streams();
        if !failed.is_empty() {
            Err(Error::StreamsFailed(failed))
        } else if !typed.is_empty() {
            Err(Error::DataSourceStreamsFailed(typed))
        } else {
            Ok(())
        }
    }

    /// Ends the read: final states and statuses, or the error.
    async fn finish(&self, result: Result<()>) -> Result<()> {
        match result {
            Ok(()) => {
                self.mark_started();
                self.checkpoint(true).await?;
                let cuts = self.counters.depth_cuts.load(Ordering::Relaxed);
                if cuts > 0 {
                    self.out
                        .log(
                            LogLevel::Warn,
                            format!(
                                "{cuts} blocks have children deeper than max_block_depth={} that were not read (their records carry \"_children_cut\": true)",
                                self.settings.config.max_block_depth.unwrap_or(0)
                            ),
                        )
                        .await?;
                }
                for s in self.selection.streams().iter() {
                    let status = if self.has_failed(s) {
                        StreamStatus::Incomplete
                    } else {
                        StreamStatus::Complete
                    };
                    self.out.status(s, status).await?;
                }
                self.typed_statuses(|failed| match failed {
                    true => StreamStatus::Incomplete,
                    false => StreamStatus::Complete,
                })
                .await?;
                self.failures_result()
            }
            Err(Error::Cancelled) => Err(Error::Cancelled),
            Err(e) => {
                for s in self.selection.streams().iter() {
                    self.out.status(s, StreamStatus::Incomplete).await?;
                }
                self.typed_statuses(|_| StreamStatus::Incomplete).await?;
                Err(e)
            }
        }
    }
}

/// The interrupted pass a read continues: only when every selected incremental page-driven
/// stream (typed streams of data sources included: `typed`, their passes) carries the same one.
fn resumable_pass(
    selection: &Selection,
    input: &State,
    typed: Vec<Option<PassState>>,
) -> Option<PassState> {
    let passes: Vec<Option<&PassState>> = PAGE_STREAMS
        .iter()
        .filter(|s| selection.contains(**s))
        .filter(|s| selection.mode(**s) == crate::catalog::SyncMode::Incremental)
        .map(|s| input.get(*s).and_then(|st| st.pass.as_ref()))
        .chain(typed.iter().map(Option::as_ref))
        .collect();
    match passes.first() {
        Some(Some(first))
            if passes
                .iter()
                .all(|p| p.map(|p| p.started_at) == Some(first.started_at)) =>
        {
            Some((*first).clone())
        }
        _ => None,
    }
}

/// Locks a mutex, ignoring poisoning (a panicking task does not leave partial updates behind:
/// every critical section is a few assignments).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `last_edited_time` of an object.
pub(crate) fn timestamp(obj: &RawObject<'_>) -> Option<DateTime<Utc>> {
    obj.str("last_edited_time").and_then(|s| parse_time(&s))
}

/// `last_edited_time` of an object, keeping Notion's text.
pub(crate) fn edited_at(obj: &RawObject<'_>) -> Option<Timestamp> {
    obj.str("last_edited_time")
        .and_then(|s| Timestamp::parse(&s).ok())
}

#[derive(serde::Deserialize)]
struct ParentProbe {
    #[serde(rename = "type")]
    kind: Option<String>,
    data_source_id: Option<String>,
    database_id: Option<String>,
}

/// The data source a page is a row of.
pub(crate) fn parent_data_source_id(obj: &RawObject<'_>) -> Option<Id> {
    let p: ParentProbe = obj.parse_member("parent")?;
    if p.kind.as_deref() == Some("data_source_id") {
        p.data_source_id.and_then(|s| s.parse().ok())
    } else {
        None
    }
}

/// The database of a data source (its parent), or of a row.
pub(crate) fn parent_database_id(obj: &RawObject<'_>) -> Option<Id> {
    let p: ParentProbe = obj.parse_member("parent")?;
    p.database_id.and_then(|s| s.parse().ok())
}

/// Whether an error means the object cannot be read by this integration (404 or 403).
pub(crate) fn is_unavailable(e: &Error) -> bool {
    use notion_http::ErrorKind as K;
    matches!(e, Error::Http(h) if matches!(h.kind(), K::NotFound | K::Restricted))
}

/// Whether an error is a listing the loop guards stopped.
pub(crate) fn is_listing_loop(e: &Error) -> bool {
    matches!(e, Error::Http(notion_http::Error::Pagination { .. }))
}
