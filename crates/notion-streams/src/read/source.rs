//! A source of pages — the search, or the rows of one data source — read newest first: its
//! pages are processed concurrently while the next list page is fetched, and the finished
//! prefix is tracked so that checkpoints can resume it.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use notion_model::{Id, Timestamp};
use serde_json::value::RawValue;
use tokio::task::JoinSet;

use super::progress::{self, Resume, Tracker};
use super::{PageStream, Reader, edited_at, lock, parent_data_source_id};
use crate::api::ListPage;
use crate::error::{Error, Result};
use crate::protocol::LogLevel;
use crate::shape::{RawObject, malformed};
use crate::state::SourceKey;

/// Which kind of source a page came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SourceKind {
    /// `POST /v1/search`: pages (rows are skipped: their query reads them) and data sources.
    Search,
    /// `POST /v1/data_sources/{id}/query`: rows, in windows past the 10,000-row cap.
    Query,
}

impl SourceKind {
    fn endpoint(self) -> &'static str {
        match self {
            SourceKind::Search => "POST /v1/search",
            SourceKind::Query => "POST /v1/data_sources/{id}/query",
        }
    }
}

type Fetched = (PageStream, Option<Result<ListPage>>);

/// Fetches the next page of a listing, giving the listing back with it.
fn fetch_next(reader: Arc<Reader>, mut pages: PageStream) -> BoxFuture<'static, Fetched> {
    async move {
        let page = reader.next_page(&mut pages).await;
        (pages, page)
    }
    .boxed()
}

/// Windows after Notion's 10,000-row cap: the oldest row fetched so far and the ids fetched at
/// that instant, and what the current window skips (met at the boundary in the previous one).
#[derive(Default)]
struct Windows {
    current: u32,
    oldest: Option<Timestamp>,
    at_oldest: HashSet<Id>,
    skip: (u32, Option<Timestamp>, HashSet<Id>),
}

impl Windows {
    /// Notes the rows of a fetched query page.
    fn fetched(&mut self, page: &ListPage) {
        for raw in &page.results {
            let Ok(obj) = RawObject::parse(raw.get()) else {
                continue;
            };
            let (Some(id), Some(ts)) = (
                obj.str("id").and_then(|s| s.parse::<Id>().ok()),
                edited_at(&obj),
            ) else {
                continue;
            };
            match &self.oldest {
                Some(t) if *t == ts => {
                    self.at_oldest.insert(id);
                }
                Some(t) if *t < ts => {}
                _ => {
                    self.oldest = Some(ts);
                    self.at_oldest = HashSet::from([id]);
                }
            }
        }
    }

    /// Whether a row of window `window` was met at the boundary of the previous window.
    fn skips(&self, window: u32, id: Id, ts: &Timestamp) -> bool {
        self.skip.0 == window && self.skip.1.as_ref() == Some(ts) && self.skip.2.contains(&id)
    }

    /// Opens the next window below the oldest row fetched; `None` when it would not move (more
    /// than 10,000 rows share one `last_edited_time`).
    fn next(&mut self, upper: &Option<Timestamp>) -> Option<Timestamp> {
        let next = self.oldest.clone()?;
        if upper.as_ref().map(Timestamp::as_str) == Some(next.as_str()) {
            return None;
        }
        self.current += 1;
        self.skip = (self.current, Some(next.clone()), self.at_oldest.clone());
        Some(next)
    }
}

impl Reader {
    /// Reads one source of pages: fetches its list pages (newest first), processes each page
    /// concurrently, tracks progress and checkpoints. `window(upper)` starts the listing of the
    /// pages edited at or before `upper` (`None`: all).
    pub(super) async fn run_source<F>(
        self: Arc<Self>,
        key: SourceKey,
        kind: SourceKind,
        window: F,
    ) -> Result<()>
    where
        F: Fn(Option<Timestamp>) -> PageStream + Send,
    {
        let resume = Resume::from_progress(self.resumed_progress(&key));
        let mut upper = match kind {
            SourceKind::Query => resume.floor().cloned(),
            SourceKind::Search => None,
        };
        let endpoint = kind.endpoint();
        let max_units = self.concurrency() * 2;
        let mut tracker = Tracker::new(&resume);
        let mut units: JoinSet<(progress::Seq, Result<()>)> = JoinSet::new();
        // Fetched items, tagged with the window (query) they came from.
        let mut items: VecDeque<(u32, Box<RawValue>)> = VecDeque::new();
        let mut in_flight: Option<BoxFuture<'static, Fetched>> =
            Some(fetch_next(self.clone(), window(upper.clone())));
        let mut last_incomplete = false;
        let mut reached_bound = false;
        let mut windows = Windows::default();
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
                    self.data_source_found(&raw, true, endpoint).await?;
                    continue;
                }
                if object.as_deref() != Some("page") {
                    continue;
                }
                let Some(id) = self.object_id(&obj, "a page", endpoint).await? else {
                    continue;
                };
                let Some(ts) = edited_at(&obj) else {
                    return Err(Error::response(
                        "a page",
                        format!("{id} has no valid last_edited_time"),
                    ));
                };
                if kind == SourceKind::Search {
                    lock(&self.inventory).listed(id);
                }
                let admitted = match key {
                    SourceKey::DataSource(ds) => self.admits_row(ds, ts.instant()),
                    _ => self.bounds.admits_page(ts.instant()),
                };
                if !admitted {
                    if kind == SourceKind::Search && lock(&self.inventory).lists_everything() {
                        // Past the bound the search is an inventory: only pages shared since
                        // the last one are read (in full, whatever their edit time).
                        if lock(&self.inventory).is_late_share(&id) && self.mark_seen(id) {
                            drop(obj);
                            let seq = tracker.start(id, ts);
                            let reader = self.clone();
                            units.spawn(async move { (seq, reader.process_late_share(raw).await) });
                        }
                        continue;
                    }
                    reached_bound = true;
                    break;
                }
                if windows.skips(item_window, id, &ts) || resume.skips(id, &ts) {
                    continue;
                }
                // Rows are read by their data source's query; other pages once, whether search
                // or a content walk finds them first (rows are never `child_page` blocks, so
                // only those pages are remembered).
                if kind == SourceKind::Search {
                    if let Some(ds) = parent_data_source_id(&obj) {
                        self.row_found_in_search(ds);
                        continue;
                    }
                    if !self.mark_seen(id) {
                        continue;
                    }
                }
                drop(obj);
                let seq = tracker.start(id, ts);
                let reader = self.clone();
                units.spawn(async move { (seq, reader.process_page(raw).await) });
            }
            // Fetch the next list page while units run (before the buffered items run out).
            let need_more = items.len() < max_units && !reached_bound;
            tokio::select! {
                fetched = async {
                    match in_flight.as_mut() {
                        Some(f) => f.await,
                        None => std::future::pending().await,
                    }
                }, if in_flight.is_some() && need_more => {
                    in_flight = None;
                    let (pages, page) = fetched;
                    match page {
                        Some(page) => {
                            let page = page?;
                            if kind == SourceKind::Query {
                                windows.fetched(&page);
                            }
                            last_incomplete = page.incomplete;
                            let w = windows.current;
                            items.extend(page.results.into_iter().map(|r| (w, r)));
                            in_flight = Some(fetch_next(self.clone(), pages));
                        }
                        None if last_incomplete && kind == SourceKind::Query => {
                            // Notion stopped at 10,000 rows: query again for rows at or below
                            // the oldest one seen (those met at that instant are skipped).
                            last_incomplete = false;
                            match windows.next(&upper) {
                                Some(next) => {
                                    upper = Some(next);
                                    in_flight =
                                        Some(fetch_next(self.clone(), window(upper.clone())));
                                }
                                None => {
                                    self.counters
                                        .rows_unread_at_cap
                                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                    self.out
                                        .log(
                                            LogLevel::Warn,
                                            format!(
                                                "{key}: more than 10,000 rows share last_edited_time {}; rows beyond Notion's query cap were not read",
                                                upper.as_ref().map_or("?", Timestamp::as_str)
                                            ),
                                        )
                                        .await?;
                                }
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
                        self.set_progress(key, tracker.progress());
                        self.maybe_checkpoint().await?;
                        if self.pending_pages_over_limit() {
                            // Keep the checkpointed list of pages to read later short.
                            self.clone().drain_pending().await?;
                        }
                    }
                }
                else => break,
            }
            if units.is_empty()
                && (items.is_empty() || reached_bound)
                && (in_flight.is_none() || reached_bound)
            {
                break;
            }
        }
        tracker.set_finished();
        debug_assert_eq!(tracker.in_flight(), 0);
        self.set_progress(key, tracker.progress());
        self.maybe_checkpoint().await?;
        Ok(())
    }
}
