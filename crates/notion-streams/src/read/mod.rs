//! A read: one pass over the workspace that emits the records of the selected streams.
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
//! so a read resumed from its last state skips what was finished.

mod output;
mod page;
pub(crate) mod progress;

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, Duration as ChronoDuration, DurationRound, Utc};
use futures::FutureExt;
use futures::future::BoxFuture;
use notion_model::Id;
use serde_json::json;
use serde_json::value::RawValue;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::api::{ListPage, NotionApi};
use crate::catalog::{Selection, SyncMode};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::protocol::{LogLevel, Message, StreamStatus};
use crate::schema::declared_fields;
use crate::shape::{Enrichment, RawObject, malformed, shape};
use crate::state::{PassState, SourceProgress, State, StreamState, format_time, parse_time};
use crate::stream::StreamName;

pub(crate) use output::Output;
use progress::{Resume, Tracker};

const PAGE_STREAMS: [StreamName; 3] = [StreamName::Pages, StreamName::Blocks, StreamName::Comments];
const SEARCH: &str = "search";
/// Walk-found pages kept for later before they are read at once (bounds the state's size).
const MAX_PENDING: usize = 2_000;

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
}

/// The lower bound of each stream: objects edited before it are not emitted.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Bounds {
    per_stream: [Option<DateTime<Utc>>; 6],
    /// The lowest bound of the selected page-driven streams: pages edited before it are skipped.
    min_pages: Option<DateTime<Utc>>,
}

impl Bounds {
    fn get(&self, s: StreamName) -> Option<DateTime<Utc>> {
        self.per_stream[s.index()]
    }

    /// Whether an object edited at `ts` is new enough for `stream`.
    pub(crate) fn admits(&self, s: StreamName, ts: DateTime<Utc>) -> bool {
        self.get(s).is_none_or(|b| ts >= b)
    }

    fn admits_page(&self, ts: DateTime<Utc>) -> bool {
        self.min_pages.is_none_or(|b| ts >= b)
    }
}

/// Everything shared by the tasks of one read.
pub(crate) struct Reader {
    pub(crate) api: Arc<dyn NotionApi>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) selection: Selection,
    pub(crate) out: Output,
    pub(crate) bounds: Bounds,
    pub(crate) counters: Arc<ReadCounters>,
    requests: Semaphore,
    input: State,
    pass: Mutex<PassState>,
    resume: BTreeMap<String, SourceProgress>,
    /// Whether this read continues an interrupted pass.
    resuming: bool,
    /// Whether the pass's start is known.
    started: AtomicBool,
    seen_pages: Mutex<HashSet<Id>>,
    pending_pages: Mutex<BTreeSet<Id>>,
    pending_in_flight: Mutex<BTreeSet<Id>>,
    known_ds: Mutex<BTreeMap<Id, Option<Id>>>,
    queried_ds: Mutex<BTreeSet<Id>>,
    known_db: Mutex<HashSet<Id>>,
    /// Databases met in page content, and data sources met other than by the data-source
    /// search: checkpointed, because a resumed pass may not meet them again.
    found_db: Mutex<BTreeSet<Id>>,
    found_ds: Mutex<BTreeSet<Id>>,
    row_ds_refs: Mutex<BTreeSet<Id>>,
    pub(crate) comments_failed: AtomicBool,
    failures: Mutex<Vec<(StreamName, Error)>>,
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
    let out = Output::new(tx);
    for w in &input.warnings {
        out.send(Message::log(LogLevel::Warn, w.clone())).await?;
    }
    for s in selection.streams().iter() {
        out.send(Message::Status {
            stream: s,
            status: StreamStatus::Started,
        })
        .await?;
    }
    let reader = Arc::new(Reader::new(api, settings, selection, input, out, counters));
    let result = reader.clone().run_all().await;
    reader.finish(result).await
}

/// Reads one stream (`blocks` or `comments`) of the given pages, in full.
pub(crate) async fn run_for_pages(
    api: Arc<dyn NotionApi>,
    settings: Arc<Settings>,
    stream: StreamName,
    page_ids: Vec<Id>,
    tx: mpsc::Sender<Message>,
    counters: Arc<ReadCounters>,
) -> Result<()> {
    let selection = Selection::of([stream], SyncMode::FullRefresh);
    let out = Output::new(tx);
    let reader = Arc::new(Reader::new(
        api,
        settings,
        selection,
        State::default(),
        out,
        counters,
    ));
    let blocks = stream == StreamName::Blocks;
    let comments = if stream == StreamName::Comments {
        reader.settings.config.comments
    } else {
        crate::config::CommentsMode::None
    };
    let walk = blocks || comments == crate::config::CommentsMode::PagesAndBlocks;
    for id in page_ids {
        reader.walk(id, walk, blocks, comments).await?;
    }
    Ok(())
}

impl Reader {
    fn new(
        api: Arc<dyn NotionApi>,
        settings: Arc<Settings>,
        selection: Selection,
        input: State,
        out: Output,
        counters: Arc<ReadCounters>,
    ) -> Self {
        let start = settings.start_date;
        let mut per_stream = [None; 6];
        for s in StreamName::ALL {
            let cursor = match selection.mode(s) {
                SyncMode::Incremental => input.get(s).and_then(|st| st.cursor),
                SyncMode::FullRefresh => None,
            };
            per_stream[s.index()] = match (cursor, start) {
                (Some(c), Some(d)) => Some(c.max(d)),
                (c, d) => c.or(d),
            };
        }
        let selected_pages: Vec<StreamName> = PAGE_STREAMS
            .into_iter()
            .filter(|s| selection.contains(*s))
            .collect();
        let min_pages = if selected_pages
            .iter()
            .any(|s| per_stream[s.index()].is_none())
        {
            None
        } else {
            selected_pages
                .iter()
                .filter_map(|s| per_stream[s.index()])
                .min()
        };
        // Resume an unfinished pass only when every selected incremental page-driven stream
        // carries the same one.
        let passes: Vec<Option<&PassState>> = selected_pages
            .iter()
            .filter(|s| selection.mode(**s) == SyncMode::Incremental)
            .map(|s| input.get(*s).and_then(|st| st.pass.as_ref()))
            .collect();
        let resumed = match passes.first() {
            Some(Some(first))
                if passes
                    .iter()
                    .all(|p| p.map(|p| &p.started_at) == Some(&first.started_at)) =>
            {
                Some((*first).clone())
            }
            _ => None,
        };
        let (pass, resume, resume_pending) = match resumed {
            Some(p) => {
                let resume = p.sources.clone();
                let pending = p.pending_pages.clone();
                (p, resume, pending)
            }
            None => (
                PassState {
                    started_at: String::new(),
                    lower: min_pages.map(format_time),
                    sources: BTreeMap::new(),
                    pending_pages: Vec::new(),
                    databases: Vec::new(),
                    data_sources: Vec::new(),
                },
                BTreeMap::new(),
                Vec::new(),
            ),
        };
        let resuming = !pass.started_at.is_empty();
        let concurrency = settings.config.concurrency.max(1) as usize;
        Reader {
            api,
            settings,
            selection,
            out,
            bounds: Bounds {
                per_stream,
                min_pages,
            },
            counters,
            requests: Semaphore::new(concurrency),
            input,
            pass: Mutex::new(pass),
            resume,
            resuming,
            started: AtomicBool::new(false),
            seen_pages: Mutex::new(HashSet::new()),
            // Pages an interrupted pass had found by walking and not read yet.
            pending_pages: Mutex::new(
                resume_pending
                    .iter()
                    .filter_map(|s| s.parse().ok())
                    .collect(),
            ),
            pending_in_flight: Mutex::new(BTreeSet::new()),
            known_ds: Mutex::new(BTreeMap::new()),
            queried_ds: Mutex::new(BTreeSet::new()),
            known_db: Mutex::new(HashSet::new()),
            found_db: Mutex::new(BTreeSet::new()),
            found_ds: Mutex::new(BTreeSet::new()),
            row_ds_refs: Mutex::new(BTreeSet::new()),
            comments_failed: AtomicBool::new(false),
            failures: Mutex::new(Vec::new()),
        }
    }

    fn resuming(&self) -> bool {
        self.resuming
    }

    /// Runs an API call within the request concurrency limit. The first response of the pass
    /// dates its start (the server's clock, from the `Date` header).
    pub(crate) async fn call<T>(&self, f: BoxFuture<'_, Result<T>>) -> Result<T> {
        let _permit = self
            .requests
            .acquire()
            .await
            .map_err(|_| Error::Cancelled)?;
        let result = f.await;
        if !self.started.load(Ordering::Relaxed) {
            self.mark_started();
        }
        result
    }

    async fn run_all(self: Arc<Self>) -> Result<()> {
        if self.selection.contains(StreamName::Users) {
            self.read_users().await?;
        }
        let needs_pages = PAGE_STREAMS.iter().any(|s| self.selection.contains(*s));
        let needs_ds = needs_pages
            || self.selection.contains(StreamName::DataSources)
            || self.selection.contains(StreamName::Databases);
        if !needs_ds {
            return Ok(());
        }
        if !self.settings.database_ids.is_empty() {
            for id in self.settings.database_ids.clone() {
                self.database_found(id).await?;
            }
        } else {
            let unified = self.bounds.min_pages.is_none() && !self.resuming() && needs_pages;
            if !unified {
                self.list_data_sources().await?;
            }
            if needs_pages {
                self.search_pages(unified).await?;
            } else if unified {
                self.list_data_sources().await?;
            }
            self.settle_search_rows().await?;
        }
        // What the interrupted pass had found on the way.
        let (found_dbs, found_dss) = {
            let pass = lock(&self.pass);
            (pass.databases.clone(), pass.data_sources.clone())
        };
        for id in found_dbs.iter().filter_map(|s| s.parse::<Id>().ok()) {
            self.database_found(id).await?;
        }
        for ds in found_dss.iter().filter_map(|s| s.parse::<Id>().ok()) {
            self.retrieve_data_source(ds, "data source").await?;
        }
        // Databases of known data sources (their containers are records too).
        let dbs: Vec<Id> = lock(&self.known_ds).values().flatten().copied().collect();
        for db in dbs {
            self.database_found(db).await?;
        }
        loop {
            let next_ds = {
                let known = lock(&self.known_ds);
                let queried = lock(&self.queried_ds);
                known.keys().find(|k| !queried.contains(k)).copied()
            };
            if let Some(ds) = next_ds {
                lock(&self.queried_ds).insert(ds);
                if needs_pages {
                    self.clone().query_rows(ds).await?;
                }
                continue;
            }
            if needs_pages && !lock(&self.pending_pages).is_empty() {
                self.clone().drain_pending().await?;
                continue;
            }
            break;
        }
        if self.selection.contains(StreamName::Pages)
            && self.bounds.get(StreamName::Pages).is_some()
            && self.settings.database_ids.is_empty()
        {
            self.read_trashed_pages().await?;
        }
        Ok(())
    }

    /// Pages moved to the trash since the cursor: search and queries no longer return them, so
    /// a search of the trash (newest first, down to the cursor) finds them, and their records
    /// are emitted with `in_trash: true`.
    async fn read_trashed_pages(&self) -> Result<()> {
        let mut cursor: Option<String> = None;
        loop {
            let mut body = json!({
                "filter": {"in_trash": true},
                "sort": {"timestamp": "last_edited_time", "direction": "descending"},
                "page_size": self.settings.config.page_size,
            });
            if let Some(c) = &cursor {
                body["start_cursor"] = json!(c);
            }
            let page = self.call(self.api.search(body)).await?;
            for raw in &page.results {
                let obj =
                    RawObject::parse(raw.get()).map_err(|e| malformed("a trashed page", e))?;
                if obj.str("object").as_deref() != Some("page") {
                    continue;
                }
                let Some(ts) = timestamp(&obj) else { continue };
                if !self.bounds.admits(StreamName::Pages, ts) {
                    return Ok(());
                }
                self.emit_page_record(&obj, None).await?;
            }
            match next_cursor(&page) {
                Some(c) => cursor = Some(c),
                None => return Ok(()),
            }
        }
    }

    /// Records the pass's start (server time) the first time it is called.
    fn mark_started(&self) {
        let mut pass = lock(&self.pass);
        if pass.started_at.is_empty() {
            let now = self.api.server_time().unwrap_or_else(Utc::now);
            pass.started_at = format_time(now);
        }
        self.started.store(true, Ordering::Relaxed);
    }

    async fn read_users(&self) -> Result<()> {
        let declared = declared_fields(StreamName::Users);
        let mut cursor: Option<String> = None;
        loop {
            let page = match self.call(self.api.list_users(cursor.as_deref())).await {
                Ok(p) => p,
                Err(e) if is_unavailable(&e) => {
                    // No "read user information" capability: the stream cannot be read.
                    self.fail_stream(StreamName::Users, e).await?;
                    return Ok(());
                }
                Err(e) => return Err(e),
            };
            for raw in &page.results {
                let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a user", e))?;
                self.out
                    .record(StreamName::Users, shape(&obj, declared, &[], &[]))
                    .await?;
            }
            match next_cursor(&page) {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        Ok(())
    }

    /// Lists every data source through search (one filtered search, read to the end).
    async fn list_data_sources(&self) -> Result<()> {
        let mut cursor: Option<String> = None;
        loop {
            let mut body = json!({
                "filter": {"property": "object", "value": "data_source"},
                "sort": {"timestamp": "last_edited_time", "direction": "descending"},
                "page_size": self.settings.config.page_size,
            });
            if let Some(c) = &cursor {
                body["start_cursor"] = json!(c);
            }
            let page = self.call(self.api.search(body)).await?;
            for raw in &page.results {
                self.data_source_found(raw, true).await?;
            }
            match next_cursor(&page) {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        Ok(())
    }

    /// A data source object met in search or retrieved: emits it and remembers it.
    async fn data_source_found(&self, raw: &RawValue, from_search: bool) -> Result<()> {
        let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a data source", e))?;
        if obj.str("object").as_deref() != Some("data_source") {
            return Ok(());
        }
        let Some(id) = obj.str("id").and_then(|s| s.parse::<Id>().ok()) else {
            return Err(Error::response("a data source", "it has no valid id"));
        };
        let database_id = parent_database_id(&obj);
        {
            let mut known = lock(&self.known_ds);
            if known.contains_key(&id) {
                return Ok(());
            }
            known.insert(id, database_id);
        }
        if !self.settings.database_ids.is_empty()
            && from_search
            && !database_id.is_some_and(|d| self.settings.database_ids.contains(&d))
        {
            return Ok(());
        }
        let ts = timestamp(&obj);
        if self.selection.contains(StreamName::DataSources)
            && ts.is_none_or(|t| self.bounds.admits(StreamName::DataSources, t))
        {
            let mut enrich = Vec::new();
            let db_text = database_id.map(|d| d.to_string());
            if let Some(d) = &db_text {
                enrich.push(("_database_id", Enrichment::Str(d.into())));
            }
            let title = page::rich_text_plain(obj.get("title"));
            enrich.push(("_title", Enrichment::Str(title.into())));
            self.out
                .record(
                    StreamName::DataSources,
                    shape(&obj, declared_fields(StreamName::DataSources), &[], &enrich),
                )
                .await?;
        }
        Ok(())
    }

    /// A database ID met anywhere: retrieves it once, emits it, and learns its data sources.
    pub(crate) async fn database_found(&self, id: Id) -> Result<()> {
        if !lock(&self.known_db).insert(id) {
            return Ok(());
        }
        lock(&self.found_db).insert(id);
        let raw = match self.call(self.api.database(id)).await {
            Ok(r) => r,
            Err(e) if is_unavailable(&e) => {
                self.not_shared(&format!("database {id}"), &e).await?;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a database", e))?;
        let ts = timestamp(&obj);
        if self.selection.contains(StreamName::Databases)
            && ts.is_none_or(|t| self.bounds.admits(StreamName::Databases, t))
        {
            let title = page::rich_text_plain(obj.get("title"));
            self.out
                .record(
                    StreamName::Databases,
                    shape(
                        &obj,
                        declared_fields(StreamName::Databases),
                        &[],
                        &[("_title", Enrichment::Str(title.into()))],
                    ),
                )
                .await?;
        }
        #[derive(serde::Deserialize)]
        struct Ref {
            id: String,
        }
        let refs: Vec<Ref> = obj.parse_member("data_sources").unwrap_or_default();
        for r in refs {
            let Ok(ds) = r.id.parse::<Id>() else { continue };
            self.retrieve_data_source(ds, "data source").await?;
        }
        Ok(())
    }

    /// Retrieves a data source met other than by the data-source search (once).
    async fn retrieve_data_source(&self, ds: Id, what: &str) -> Result<()> {
        if lock(&self.known_ds).contains_key(&ds) {
            return Ok(());
        }
        match self.call(self.api.data_source(ds)).await {
            Ok(raw) => {
                self.data_source_found(&raw, false).await?;
                lock(&self.found_ds).insert(ds);
                Ok(())
            }
            Err(e) if is_unavailable(&e) => self.not_shared(&format!("{what} {ds}"), &e).await,
            Err(e) => Err(e),
        }
    }

    /// Reads pages newest first through search, down to the lowest cursor.
    async fn search_pages(self: &Arc<Self>, unified: bool) -> Result<()> {
        let resume = Resume::from_progress(self.resume.get(SEARCH));
        if matches!(self.resume.get(SEARCH), Some(SourceProgress::Done)) {
            self.set_progress(SEARCH, Some(SourceProgress::Done));
            return Ok(());
        }
        let page_size = self.settings.config.page_size;
        let fetch = move |reader: Arc<Reader>,
                          cursor: Option<String>,
                          _upper: Option<String>|
              -> BoxFuture<'static, Result<ListPage>> {
            async move {
                let mut body = json!({
                    "sort": {"timestamp": "last_edited_time", "direction": "descending"},
                    "page_size": page_size,
                });
                if !unified {
                    body["filter"] = json!({"property": "object", "value": "page"});
                }
                if let Some(c) = cursor {
                    body["start_cursor"] = json!(c);
                }
                reader.call(reader.api.search(body)).await
            }
            .boxed()
        };
        self.clone()
            .run_source(SEARCH.to_owned(), resume, None, SourceKind::Search, fetch)
            .await
    }

    /// Rows met in search belong to data sources; those whose data source is still unknown are
    /// looked up, so that their rows are read by a query.
    async fn settle_search_rows(&self) -> Result<()> {
        let refs: Vec<Id> = std::mem::take(&mut *lock(&self.row_ds_refs))
            .into_iter()
            .collect();
        for ds in refs {
            self.retrieve_data_source(ds, "data source of rows found in search")
                .await?;
        }
        Ok(())
    }

    /// Reads the rows of one data source newest first, in windows of at most 10,000 rows.
    async fn query_rows(self: Arc<Self>, ds: Id) -> Result<()> {
        let key = format!("data_source:{ds}");
        if matches!(self.resume.get(&key), Some(SourceProgress::Done)) {
            self.set_progress(&key, Some(SourceProgress::Done));
            return Ok(());
        }
        let resume = Resume::from_progress(self.resume.get(&key));
        let lower = self.bounds.min_pages.map(format_time);
        let upper = match self.resume.get(&key) {
            Some(SourceProgress::Partial { floor, .. }) => Some(floor.clone()),
            _ => None,
        };
        let page_size = self.settings.config.page_size;
        let fetch = move |reader: Arc<Reader>,
                          cursor: Option<String>,
                          upper: Option<String>|
              -> BoxFuture<'static, Result<ListPage>> {
            let lower = lower.clone();
            async move {
                let mut filters = Vec::new();
                if let Some(l) = &lower {
                    filters.push(json!({"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": l}}));
                }
                if let Some(u) = &upper {
                    filters.push(json!({"timestamp": "last_edited_time", "last_edited_time": {"on_or_before": u}}));
                }
                let mut body = json!({
                    "sorts": [{"timestamp": "last_edited_time", "direction": "descending"}],
                    "page_size": page_size,
                });
                match filters.len() {
                    0 => {}
                    1 => body["filter"] = filters.remove(0),
                    _ => body["filter"] = json!({"and": filters}),
                }
                if let Some(c) = cursor {
                    body["start_cursor"] = json!(c);
                }
                reader.call(reader.api.query_data_source(ds, body)).await
            }
            .boxed()
        };
        self.clone()
            .run_source(key, resume, upper, SourceKind::Query, fetch)
            .await
    }

    /// Reads the pages found by walking content that no source has returned.
    async fn drain_pending(self: Arc<Self>) -> Result<()> {
        let batch: Vec<Id> = std::mem::take(&mut *lock(&self.pending_pages))
            .into_iter()
            .collect();
        let max = self.settings.config.concurrency.max(1) as usize;
        let mut units: JoinSet<(Id, Result<()>)> = JoinSet::new();
        let mut queue: VecDeque<Id> = batch.into_iter().collect();
        loop {
            while units.len() < max {
                let Some(id) = queue.pop_front() else { break };
                if !lock(&self.seen_pages).insert(id) {
                    continue;
                }
                lock(&self.pending_in_flight).insert(id);
                let reader = self.clone();
                units.spawn(async move {
                    let r = reader.clone().read_pending_page(id).await;
                    (id, r)
                });
            }
            let Some(joined) = units.join_next().await else {
                break;
            };
            let (id, result) = joined.map_err(|e| Error::response("a page task", e))?;
            result?;
            lock(&self.pending_in_flight).remove(&id);
            self.maybe_checkpoint().await?;
        }
        Ok(())
    }

    async fn read_pending_page(self: Arc<Self>, id: Id) -> Result<()> {
        let raw = match self.call(self.api.page(id)).await {
            Ok(r) => r,
            Err(e) if is_unavailable(&e) => {
                self.not_shared(&format!("page {id}"), &e).await?;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let admitted = {
            let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a page", e))?;
            timestamp(&obj).is_none_or(|t| self.bounds.admits_page(t))
        };
        if admitted {
            self.process_page(raw).await?;
        }
        Ok(())
    }

    /// A page met as a `child_page` block.
    pub(crate) fn child_page_found(&self, id: Id) {
        if lock(&self.seen_pages).contains(&id) {
            return;
        }
        lock(&self.pending_pages).insert(id);
    }

    /// Reads one source of pages: fetches its list pages (newest first), processes each page
    /// concurrently, tracks progress and checkpoints.
    async fn run_source<F>(
        self: Arc<Self>,
        key: String,
        resume: Resume,
        mut upper: Option<String>,
        kind: SourceKind,
        fetch: F,
    ) -> Result<()>
    where
        F: Fn(Arc<Reader>, Option<String>, Option<String>) -> BoxFuture<'static, Result<ListPage>>
            + Send,
    {
        let max_units = self.settings.config.concurrency.max(1) as usize * 2;
        let mut tracker = Tracker::new(&resume);
        let mut units: JoinSet<(progress::Seq, Result<()>)> = JoinSet::new();
        // Fetched items, tagged with the window (query) they came from.
        let mut items: VecDeque<(u32, Box<RawValue>)> = VecDeque::new();
        let mut window: u32 = 0;
        let mut in_flight_fetch: Option<BoxFuture<'static, Result<ListPage>>> =
            Some(fetch(self.clone(), None, upper.clone()));
        let mut reached_bound = false;
        // Windows after Notion's 10,000-row cap: the oldest row fetched so far and the IDs
        // fetched at that instant, and the IDs the current window must skip (met in the last).
        let mut fetched_oldest: Option<(DateTime<Utc>, String)> = None;
        let mut fetched_at_oldest: HashSet<String> = HashSet::new();
        let mut skip: (u32, Option<DateTime<Utc>>, HashSet<String>) = (0, None, HashSet::new());
        loop {
            // Start as many page units as allowed.
            while units.len() < max_units && !reached_bound {
                let Some((item_window, raw)) = items.pop_front() else {
                    break;
                };
                let obj = RawObject::parse(raw.get())
                    .map_err(|e| malformed("a search or query result", e))?;
                let object = obj.str("object");
                if object.as_deref() == Some("data_source") {
                    drop(obj);
                    self.data_source_found(&raw, true).await?;
                    continue;
                }
                if object.as_deref() != Some("page") {
                    continue;
                }
                let Some(id_text) = obj.str("id").map(|s| s.into_owned()) else {
                    continue;
                };
                let Ok(id) = id_text.parse::<Id>() else {
                    continue;
                };
                let ts_text = obj
                    .str("last_edited_time")
                    .map(|s| s.into_owned())
                    .unwrap_or_default();
                let Some(ts) = parse_time(&ts_text) else {
                    return Err(Error::response(
                        "a page",
                        format!("{id} has no valid last_edited_time"),
                    ));
                };
                if !self.bounds.admits_page(ts) {
                    reached_bound = true;
                    break;
                }
                if skip.0 == item_window && skip.1 == Some(ts) && skip.2.contains(&id_text) {
                    continue;
                }
                if resume.skips(&id_text, ts) {
                    continue;
                }
                // Rows are read by their data source's query; other pages once, whether search
                // or a content walk finds them first (rows are never `child_page` blocks, so
                // only those pages are remembered).
                if kind == SourceKind::Search {
                    if let Some(ds) = parent_data_source_id(&obj) {
                        lock(&self.row_ds_refs).insert(ds);
                        continue;
                    }
                    if !lock(&self.seen_pages).insert(id) {
                        continue;
                    }
                }
                drop(obj);
                let seq = tracker.start(&id_text, ts, &ts_text);
                let reader = self.clone();
                units.spawn(async move { (seq, reader.process_page(raw).await) });
            }
            // Fetch the next list page while units run (before the buffered items run out).
            let need_more = items.len() < max_units && !reached_bound;
            tokio::select! {
                fetched = async {
                    match in_flight_fetch.as_mut() {
                        Some(f) => f.await,
                        None => std::future::pending().await,
                    }
                }, if in_flight_fetch.is_some() && need_more => {
                    in_flight_fetch = None;
                    let page = fetched?;
                    let more = next_cursor(&page);
                    let incomplete = page.incomplete;
                    if kind == SourceKind::Query {
                        for raw in &page.results {
                            let Ok(obj) = RawObject::parse(raw.get()) else { continue };
                            let (Some(id), Some(text)) = (obj.str("id"), obj.str("last_edited_time")) else { continue };
                            let Some(ts) = parse_time(&text) else { continue };
                            match &fetched_oldest {
                                Some((t, _)) if *t == ts => {
                                    fetched_at_oldest.insert(id.into_owned());
                                }
                                Some((t, _)) if *t < ts => {}
                                _ => {
                                    fetched_oldest = Some((ts, text.into_owned()));
                                    fetched_at_oldest = HashSet::from([id.into_owned()]);
                                }
                            }
                        }
                    }
                    items.extend(page.results.into_iter().map(|r| (window, r)));
                    match more {
                        Some(c) => in_flight_fetch = Some(fetch(self.clone(), Some(c), upper.clone())),
                        None if incomplete && kind == SourceKind::Query => {
                            // Notion stopped at 10,000 rows: query again for rows at or below the
                            // oldest one seen (those met at that instant are skipped).
                            let next = fetched_oldest.as_ref().map(|(_, text)| text.clone());
                            if next.is_some() && next != upper {
                                upper = next;
                                window += 1;
                                skip = (window, fetched_oldest.as_ref().map(|(t, _)| *t), fetched_at_oldest.clone());
                                in_flight_fetch = Some(fetch(self.clone(), None, upper.clone()));
                            } else {
                                self.counters.rows_unread_at_cap.fetch_add(1, Ordering::Relaxed);
                                self.out.send(Message::log(LogLevel::Warn, format!(
                                    "{key}: more than 10,000 rows share last_edited_time {}; rows beyond Notion's query cap were not read",
                                    upper.as_deref().unwrap_or("?")
                                ))).await?;
                            }
                        }
                        None => {}
                    }
                }
                joined = units.join_next(), if !units.is_empty() => {
                    if let Some(joined) = joined {
                        let (seq, result) = joined.map_err(|e| Error::response("a page task", e))?;
                        result?;
                        tracker.finish(seq);
                        self.set_progress(&key, tracker.progress());
                        self.maybe_checkpoint().await?;
                        if lock(&self.pending_pages).len() > MAX_PENDING {
                            // Keep the checkpointed list of pages to read later short.
                            self.clone().drain_pending().await?;
                        }
                    }
                }
                else => break,
            }
            if units.is_empty()
                && (items.is_empty() || reached_bound)
                && (in_flight_fetch.is_none() || reached_bound)
            {
                break;
            }
        }
        tracker.set_finished();
        debug_assert_eq!(tracker.in_flight(), 0);
        self.set_progress(&key, tracker.progress());
        self.maybe_checkpoint().await?;
        Ok(())
    }

    fn set_progress(&self, key: &str, progress: Option<SourceProgress>) {
        let mut pass = lock(&self.pass);
        match progress {
            Some(p) => {
                pass.sources.insert(key.to_owned(), p);
            }
            None => {
                pass.sources.remove(key);
            }
        }
    }

    /// Emits a checkpoint when a stream has emitted `checkpoint_interval` records since its last.
    async fn maybe_checkpoint(&self) -> Result<()> {
        let n = u64::from(self.settings.config.checkpoint_interval);
        if self
            .selection
            .streams()
            .iter()
            .any(|s| self.out.since_state(s) >= n)
        {
            self.checkpoint(false).await?;
        }
        Ok(())
    }

    /// The pass's progress as it stands.
    fn pass_snapshot(&self) -> PassState {
        let mut pass = lock(&self.pass).clone();
        // Sources resumed from the input state and not reached yet keep their progress.
        for (k, v) in &self.resume {
            pass.sources.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let pending: BTreeSet<String> = lock(&self.pending_pages)
            .iter()
            .chain(lock(&self.pending_in_flight).iter())
            .map(|id| id.to_string())
            .collect();
        pass.pending_pages = pending.into_iter().collect();
        let mut dbs: BTreeSet<String> = pass.databases.iter().cloned().collect();
        dbs.extend(lock(&self.found_db).iter().map(Id::to_string));
        pass.databases = dbs.into_iter().collect();
        let mut dss: BTreeSet<String> = pass.data_sources.iter().cloned().collect();
        dss.extend(lock(&self.found_ds).iter().map(Id::to_string));
        pass.data_sources = dss.into_iter().collect();
        pass
    }

    /// Emits the state of every selected stream. `done`: the pass is complete and cursors move.
    async fn checkpoint(&self, done: bool) -> Result<()> {
        let pass = (!done).then(|| self.pass_snapshot());
        let new_cursor = if done {
            let started = parse_time(&lock(&self.pass).started_at).unwrap_or_else(Utc::now);
            let lookback = ChronoDuration::from_std(self.settings.lookback).unwrap_or_default();
            let t = started - lookback;
            Some(t.duration_trunc(ChronoDuration::minutes(1)).unwrap_or(t))
        } else {
            None
        };
        for s in self.selection.streams().iter() {
            let input_cursor = match self.selection.mode(s) {
                SyncMode::Incremental => self.input.get(s).and_then(|st| st.cursor),
                SyncMode::FullRefresh => None,
            };
            let state = if !s.is_incremental() {
                json!({})
            } else {
                let cursor = match (input_cursor, new_cursor) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => b.or(a),
                };
                let page_driven = PAGE_STREAMS.contains(&s);
                StreamState {
                    cursor,
                    pass: if page_driven { pass.clone() } else { None },
                }
                .to_value()
            };
            self.out.state(s, state).await?;
        }
        Ok(())
    }

    /// Reports an object that is not shared with the integration (or was deleted).
    pub(crate) async fn not_shared(&self, what: &str, e: &Error) -> Result<()> {
        self.counters.not_shared.fetch_add(1, Ordering::Relaxed);
        self.out
            .send(Message::log(
                LogLevel::Warn,
                format!("skipped {what}: {e} (not shared with the integration, or deleted)"),
            ))
            .await
    }

    /// Marks a stream failed (it stops; the others go on; the read fails at the end).
    pub(crate) async fn fail_stream(&self, stream: StreamName, e: Error) -> Result<()> {
        self.out
            .send(Message::Error {
                stream: Some(stream),
                message: format!("the {stream} stream failed: {e}"),
                internal_message: None,
                failure_type: e.failure_type(),
            })
            .await?;
        lock(&self.failures).push((stream, e));
        Ok(())
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
                        .send(Message::log(
                            LogLevel::Warn,
                            format!(
                                "{cuts} blocks have children deeper than max_block_depth={} that were not read (their records carry \"_children_cut\": true)",
                                self.settings.config.max_block_depth.unwrap_or(0)
                            ),
                        ))
                        .await?;
                }
                let failures = std::mem::take(&mut *lock(&self.failures));
                for s in self.selection.streams().iter() {
                    let failed = failures.iter().any(|(f, _)| *f == s);
                    self.out
                        .send(Message::Status {
                            stream: s,
                            status: if failed {
                                StreamStatus::Incomplete
                            } else {
                                StreamStatus::Complete
                            },
                        })
                        .await?;
                }
                if failures.is_empty() {
                    Ok(())
                } else {
                    Err(Error::StreamsFailed(
                        failures.into_iter().map(|(s, _)| s).collect(),
                    ))
                }
            }
            Err(Error::Cancelled) => Err(Error::Cancelled),
            Err(e) => {
                for s in self.selection.streams().iter() {
                    self.out
                        .send(Message::Status {
                            stream: s,
                            status: StreamStatus::Incomplete,
                        })
                        .await?;
                }
                Err(e)
            }
        }
    }
}

/// Which kind of source a page came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceKind {
    Search,
    Query,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn next_cursor(page: &ListPage) -> Option<String> {
    if page.has_more {
        page.next_cursor.clone()
    } else {
        None
    }
}

/// `last_edited_time` of an object.
pub(crate) fn timestamp(obj: &RawObject<'_>) -> Option<DateTime<Utc>> {
    obj.str("last_edited_time").and_then(|s| parse_time(&s))
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
