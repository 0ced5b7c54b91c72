//! The typed streams of data sources (`ds_…`): a projection of the rows the read already reads.
//!
//! The data sources the data-source listing returns (search, or the configured databases) are
//! captured with their schemas and named as `discover` names them ([`crate::typed::streams`]).
//! Each row of a data source whose stream is selected is emitted, built from the page record
//! with its truncated values completed, in its stream too; a stream has its own bound, state
//! (cursor, progress, and the ids of its rows, so that a row found deleted by the inventory
//! becomes a deletion record in its stream too), status and failure.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use notion_model::{Id, Timestamp};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::bounds::{PAGE_STREAMS, next_cursor};
use super::{Reader, lock, parent_data_source_id};
use crate::catalog::{Selection, SyncMode};
use crate::error::{Error, FailureType, Result};
use crate::idset::IdSet;
use crate::protocol::{Message, StreamStatus, now_millis};
use crate::shape::{RawObject, malformed};
use crate::state::{Known, PassState, State, StreamState};
use crate::typed::{DataSourceStream, Source};

/// A row's typed stream: its name and its stream.
pub(super) type Target = (Arc<str>, Arc<DataSourceStream>);

/// One selected typed stream.
#[derive(Debug)]
struct Selected {
    name: Arc<str>,
    mode: SyncMode,
    /// Rows edited before it are not emitted (incremental reads).
    bound: Option<DateTime<Utc>>,
    /// The cursor it was read from.
    previous: Option<DateTime<Utc>>,
    /// The interrupted pass its state carries.
    pass: Option<PassState>,
    /// Its rows (incremental streams): what deletions are matched against.
    rows: Option<IdSet>,
    since_state: u64,
    running: bool,
    failed: bool,
}

/// The typed streams of one read.
#[derive(Debug, Default)]
pub(crate) struct TypedStreams {
    /// Whether data sources are captured (typed streams are selected, or `discover` asks).
    capture: bool,
    /// Whether the configured databases are being listed (their data sources are listed).
    configured_listing: AtomicBool,
    /// Data sources the listing returned.
    listed: Mutex<Vec<Source>>,
    /// The streams of the listed data sources, once the listing is over.
    resolved: OnceLock<Resolved>,
    selected: Mutex<BTreeMap<Arc<str>, Selected>>,
}

/// What the listing resolved to.
#[derive(Debug, Default)]
struct Resolved {
    all: Vec<DataSourceStream>,
    /// Selected streams by data source.
    by_source: HashMap<Id, Target>,
}

impl TypedStreams {
    /// The typed streams of a read of `selection` from `input`. `discover`: data sources are
    /// captured even though no stream is selected.
    pub(super) fn new(
        selection: &Selection,
        input: &State,
        start_date: Option<DateTime<Utc>>,
        discover: bool,
    ) -> Self {
        let selected: BTreeMap<Arc<str>, Selected> = selection
            .data_source_streams()
            .map(|(name, mode)| {
                let st = input
                    .data_source(name)
                    .filter(|_| mode == SyncMode::Incremental);
                let previous = st.and_then(|s| s.cursor);
                let bound = match (previous, start_date) {
                    (Some(c), Some(d)) => Some(c.max(d)),
                    (c, d) => c.or(d),
                };
                let name: Arc<str> = Arc::from(name);
                let selected = Selected {
                    name: name.clone(),
                    mode,
                    bound,
                    previous,
                    pass: st.and_then(|s| s.pass.clone()),
                    rows: (mode == SyncMode::Incremental).then(|| {
                        st.and_then(|s| s.known.as_ref())
                            .map(|k| k.pages.clone())
                            .unwrap_or_default()
                    }),
                    since_state: 0,
                    running: false,
                    failed: false,
                };
                (name, selected)
            })
            .collect();
        TypedStreams {
            capture: discover || !selected.is_empty(),
            selected: Mutex::new(selected),
            ..TypedStreams::default()
        }
    }

    /// Whether any typed stream is selected.
    pub(super) fn any_selected(&self) -> bool {
        !lock(&self.selected).is_empty()
    }

    /// The names of the selected typed streams.
    fn names(&self) -> Vec<Arc<str>> {
        lock(&self.selected).keys().cloned().collect()
    }

    /// The passes of the selected incremental typed streams' states.
    pub(super) fn input_passes(&self) -> Vec<Option<PassState>> {
        lock(&self.selected)
            .values()
            .filter(|s| s.mode == SyncMode::Incremental)
            .map(|s| s.pass.clone())
            .collect()
    }

    /// The configured databases are being listed (`true`) or are listed (`false`).
    pub(super) fn set_configured_listing(&self, on: bool) {
        self.configured_listing.store(on, Ordering::Relaxed);
    }

    /// A data source met: captured when it comes from the data-source listing.
    pub(super) fn data_source_met(&self, raw: &RawValue, from_search: bool) {
        if !self.capture
            || self.resolved.get().is_some()
            || !(from_search || self.configured_listing.load(Ordering::Relaxed))
        {
            return;
        }
        if let Some(source) = Source::from_record(raw.get()) {
            lock(&self.listed).push(source);
        }
    }

    /// The streams of every data source listed (for `discover`).
    pub(super) fn listed_streams(&self) -> Vec<DataSourceStream> {
        crate::typed::streams(lock(&self.listed).clone())
    }

    /// The selected stream of data source `ds`, with its lower bound (`None`: unbounded);
    /// `None` when no stream of it is selected or it failed.
    pub(super) fn stream_of(&self, ds: Id) -> Option<(Target, Option<DateTime<Utc>>)> {
        let (name, stream) = self.resolved.get()?.by_source.get(&ds)?;
        let selected = lock(&self.selected);
        let s = selected.get(name).filter(|s| !s.failed)?;
        Some(((name.clone(), stream.clone()), s.bound))
    }

    /// The lower bound of the rows of `ds` its typed stream reads: `None` when it has no
    /// stream selected, `Some(None)` when it reads them all.
    pub(super) fn row_bound(&self, ds: Id) -> Option<Option<DateTime<Utc>>> {
        self.stream_of(ds).map(|(_, bound)| bound)
    }

    /// Whether the stream `name` reads rows from a bound (not all of them).
    pub(super) fn row_bound_is_set(&self, name: &str) -> bool {
        lock(&self.selected)
            .get(name)
            .is_some_and(|s| s.bound.is_some())
    }

    /// The lowest bound of the selected incremental streams that have one: how far back the
    /// trash is read for them.
    pub(super) fn lowest_bound(&self) -> Option<DateTime<Utc>> {
        lock(&self.selected)
            .values()
            .filter(|s| !s.failed && s.mode == SyncMode::Incremental)
            .filter_map(|s| s.bound)
            .min()
    }

    /// The rough size of the rows the states carry, in bytes.
    pub(super) fn encoded_len(&self) -> usize {
        lock(&self.selected)
            .values()
            .filter_map(|s| s.rows.as_ref())
            .map(IdSet::encoded_len)
            .sum()
    }

    /// Whether a stream has emitted `n` records since its last state.
    pub(super) fn checkpoint_due(&self, n: u64) -> bool {
        lock(&self.selected).values().any(|s| s.since_state >= n)
    }
}

impl Reader {
    /// Names the typed streams of the data sources the listing returned, and fails each
    /// selected stream that matches none (renamed, deleted or unshared since `discover`).
    pub(super) async fn resolve_typed_streams(&self) -> Result<()> {
        let typed = &self.typed;
        if !typed.capture || typed.resolved.get().is_some() {
            return Ok(());
        }
        let all = typed.listed_streams();
        let names = typed.names();
        let mut by_source = HashMap::new();
        for s in &all {
            if names.iter().any(|n| **n == *s.name)
                && let Ok(id) = s.source.id.parse::<Id>()
            {
                let name = names
                    .iter()
                    .find(|n| ***n == *s.name)
                    .cloned()
                    .unwrap_or_else(|| Arc::from(s.name.as_str()));
                by_source.insert(id, (name, Arc::new(s.clone())));
            }
        }
        let unmatched: Vec<Arc<str>> = names
            .into_iter()
            .filter(|n| !all.iter().any(|s| *s.name == **n))
            .collect();
        let _ = typed.resolved.set(Resolved { all, by_source });
        for name in unmatched {
            self.fail_typed_stream(
                &name,
                format!(
                    "the stream `{name}` matches no data source shared with the integration \
                     (renamed, deleted or no longer shared since the catalog was made): run \
                     discover again and update the catalog"
                ),
                FailureType::Config,
            )
            .await?;
        }
        Ok(())
    }

    /// The streams `discover` lists.
    pub(super) fn resolved_typed_streams(&self) -> Vec<DataSourceStream> {
        self.typed
            .resolved
            .get()
            .map(|r| r.all.clone())
            .unwrap_or_default()
    }

    /// Marks a typed stream failed (once) and reports it; its state stays where it was.
    async fn fail_typed_stream(
        &self,
        name: &Arc<str>,
        message: String,
        failure_type: FailureType,
    ) -> Result<()> {
        {
            let mut selected = lock(&self.typed.selected);
            match selected.get_mut(name) {
                Some(s) if !s.failed => s.failed = true,
                _ => return Ok(()),
            }
        }
        self.out
            .send(Message::DataSourceError {
                stream: name.clone(),
                message,
                failure_type,
            })
            .await
    }

    /// Fails every selected typed stream with one error (the rows' listing broke).
    pub(super) async fn fail_typed_streams(&self, e: &Error) -> Result<()> {
        for name in self.typed.names() {
            self.fail_typed_stream(
                &name,
                format!("the {name} stream failed: {e}"),
                e.failure_type(),
            )
            .await?;
        }
        Ok(())
    }

    /// Sends a status of every selected typed stream.
    pub(super) async fn typed_statuses(&self, status: impl Fn(bool) -> StreamStatus) -> Result<()> {
        let streams: Vec<(Arc<str>, bool)> = lock(&self.typed.selected)
            .values()
            .map(|s| (s.name.clone(), s.failed))
            .collect();
        for (stream, failed) in streams {
            self.out
                .send(Message::DataSourceStatus {
                    stream,
                    status: status(failed),
                })
                .await?;
        }
        Ok(())
    }

    /// The typed streams that failed.
    pub(super) fn failed_typed_streams(&self) -> Vec<String> {
        lock(&self.typed.selected)
            .values()
            .filter(|s| s.failed)
            .map(|s| s.name.to_string())
            .collect()
    }

    /// The lower bound of the rows of `ds` this read reads: the page-driven streams' and its
    /// typed stream's, the lower of the two (`Some(None)`: every row); `None` when no
    /// selected stream reads them.
    pub(super) fn row_lower(&self, ds: Id) -> Option<Option<DateTime<Utc>>> {
        let pages = PAGE_STREAMS
            .iter()
            .any(|s| self.selection.contains(*s))
            .then(|| self.bounds.min_pages());
        match (pages, self.typed.row_bound(ds)) {
            (Some(Some(a)), Some(Some(b))) => Some(Some(a.min(b))),
            (Some(None), _) | (_, Some(None)) => Some(None),
            (a, b) => a.or(b),
        }
    }

    /// Whether the row of data source `ds` edited at `ts` is read.
    pub(super) fn admits_row(&self, ds: Id, ts: DateTime<Utc>) -> bool {
        match self.row_lower(ds) {
            Some(bound) => bound.is_none_or(|b| ts >= b),
            None => false,
        }
    }

    /// Whether any page-driven stream (pages, blocks, comments, documents) is selected.
    pub(super) fn reads_pages(&self) -> bool {
        PAGE_STREAMS.iter().any(|s| self.selection.contains(*s))
    }

    /// The typed stream a page edited at `ts` is emitted in, if any (`in_full`: whatever its
    /// edit time).
    pub(super) fn typed_target(
        &self,
        obj: &RawObject<'_>,
        ts: DateTime<Utc>,
        in_full: bool,
    ) -> Option<Target> {
        let ds = parent_data_source_id(obj)?;
        let ((name, stream), bound) = self.typed.stream_of(ds)?;
        if let (Some(id), Some(rows)) = (
            obj.str("id").and_then(|s| s.parse::<Id>().ok()),
            lock(&self.typed.selected)
                .get_mut(&name)
                .and_then(|s| s.rows.as_mut()),
        ) {
            rows.insert(id);
        }
        (in_full || bound.is_none_or(|b| ts >= b)).then_some((name, stream))
    }

    /// Emits the typed record of a row, from its page object and its completed properties.
    pub(super) async fn emit_typed_record(
        &self,
        target: &Target,
        page: &RawValue,
        properties: Option<&RawValue>,
    ) -> Result<()> {
        let mut obj: Map<String, Value> =
            serde_json::from_str(page.get()).map_err(|e| malformed("a page", e))?;
        if let Some(p) = properties {
            let p: Value = serde_json::from_str(p.get()).map_err(|e| malformed("a page", e))?;
            obj.insert("properties".into(), p);
        }
        let record = Value::Object(target.1.record_of(&obj)).to_string();
        self.typed_record(&target.0, record).await
    }

    /// Emits a record of a typed stream (and its RUNNING status before its first record).
    async fn typed_record(&self, stream: &Arc<str>, data: String) -> Result<()> {
        let first = {
            let mut selected = lock(&self.typed.selected);
            let Some(s) = selected.get_mut(stream) else {
                return Ok(());
            };
            s.since_state += 1;
            !std::mem::replace(&mut s.running, true)
        };
        if first {
            self.out
                .send(Message::DataSourceStatus {
                    stream: stream.clone(),
                    status: StreamStatus::Running,
                })
                .await?;
        }
        self.out.count_bytes(data.len());
        self.out
            .send(Message::DataSourceRecord {
                stream: stream.clone(),
                data,
                emitted_at: now_millis(),
            })
            .await
    }

    /// A page found deleted (or no longer shared): a deletion record in the typed stream whose
    /// rows held it.
    pub(super) async fn typed_row_gone(&self, id: Id, observed: &Timestamp) -> Result<()> {
        let streams: Vec<Arc<str>> = lock(&self.typed.selected)
            .values_mut()
            .filter(|s| !s.failed)
            .filter_map(|s| {
                s.rows
                    .as_mut()
                    .is_some_and(|rows| rows.remove(&id))
                    .then(|| s.name.clone())
            })
            .collect();
        for stream in streams {
            let record = json!({
                "id": id,
                "last_edited_time": observed.as_str(),
                "_ab_cdc_deleted_at": observed.as_str(),
                "_deleted_reason": "not_found",
            });
            self.typed_record(&stream, record.to_string()).await?;
        }
        Ok(())
    }

    /// The schema fingerprint a typed stream's state keeps (see `schemas.rs`): its data
    /// source's as read now when the pass is complete, else the one it was read from.
    fn typed_schema_state(&self, ds: Option<Id>, name: &str, done: bool) -> BTreeMap<Id, String> {
        let previous = || {
            self.input
                .data_source(name)
                .map(|s| s.schemas.clone())
                .unwrap_or_default()
        };
        match ds {
            Some(ds) if done => lock(&self.registry)
                .schema(ds)
                .map(|f| BTreeMap::from([(ds, f.to_owned())]))
                .unwrap_or_else(previous),
            _ => previous(),
        }
    }

    /// Emits the state of every selected typed stream that has not failed. `done`: the pass
    /// is complete and cursors move.
    pub(super) async fn typed_checkpoint(
        &self,
        done: bool,
        started: DateTime<Utc>,
        pass: Option<&PassState>,
    ) -> Result<()> {
        // The data source of each stream, for its schema's fingerprint.
        let sources: HashMap<Arc<str>, Id> = self
            .typed
            .resolved
            .get()
            .map(|r| {
                r.by_source
                    .iter()
                    .map(|(ds, (name, _))| (name.clone(), *ds))
                    .collect()
            })
            .unwrap_or_default();
        let states: Vec<(Arc<str>, StreamState, u64)> = {
            let mut selected = lock(&self.typed.selected);
            selected
                .values_mut()
                .filter(|s| !s.failed)
                .map(|s| {
                    let incremental = s.mode == SyncMode::Incremental;
                    let cursor = if done {
                        Some(next_cursor(started, self.settings.lookback, s.previous))
                    } else {
                        s.previous
                    };
                    let state = StreamState {
                        cursor,
                        version: None,
                        pass: pass.filter(|_| incremental).cloned(),
                        known: s.rows.as_ref().map(|rows| Known {
                            at: started,
                            pages: rows.clone(),
                            data_sources: IdSet::new(),
                            databases: IdSet::new(),
                        }),
                        schemas: self.typed_schema_state(
                            sources.get(&s.name).copied(),
                            &s.name,
                            done,
                        ),
                    };
                    let count = std::mem::take(&mut s.since_state);
                    (s.name.clone(), state, count)
                })
                .collect()
        };
        for (stream, state, record_count) in states {
            self.out
                .send(Message::DataSourceState {
                    stream,
                    state: Box::new(state),
                    record_count,
                })
                .await?;
        }
        Ok(())
    }
}
