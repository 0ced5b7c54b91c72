//! Finding what to read through listings that cover the whole workspace: the users, every data
//! source and the pages (search, newest first), and pages moved to the trash.

use std::sync::Arc;

use super::bounds::PAGE_STREAMS;
use super::source::SourceKind;
use super::{Reader, is_listing_loop, is_unavailable, lock, timestamp};
use crate::api::{Direction, ListRequest, SearchRequest};
use crate::error::Result;
use crate::protocol::Message;
use crate::schema::declared_fields;
use crate::shape::{RawObject, malformed, shape};
use crate::state::{SourceKey, SourceProgress};
use crate::stream::StreamName;

/// Every stream whose objects are found through search.
const DISCOVERED: [StreamName; 6] = [
    StreamName::Databases,
    StreamName::DataSources,
    StreamName::Pages,
    StreamName::Blocks,
    StreamName::Comments,
    StreamName::PageMarkdown,
];

/// The endpoint names used in messages.
const USERS: &str = "GET /v1/users";
const SEARCH: &str = "POST /v1/search";

impl Reader {
    /// Reads every user. Without the "read user information" capability (403) the stream
    /// fails and the others go on; so does a listing the loop guards stop.
    pub(super) async fn read_users(&self) -> Result<()> {
        let declared = declared_fields(StreamName::Users);
        let mut pages = self.list(ListRequest::Users);
        while let Some(page) = self.next_page(&mut pages).await {
            let page = match page {
                Ok(p) => p,
                Err(e) if is_unavailable(&e) || is_listing_loop(&e) => {
                    return self.fail_stream(StreamName::Users, e).await;
                }
                Err(e) => return Err(e),
            };
            for raw in &page.results {
                let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a user", e))?;
                if self.object_id(&obj, "a user", USERS).await?.is_none() {
                    continue;
                }
                self.remember_user(raw.get());
                self.out
                    .record(StreamName::Users, shape(&obj, declared, &[], &[]))
                    .await?;
            }
        }
        Ok(())
    }

    /// Lists every data source through search (one filtered search, read to the end).
    pub(super) async fn list_data_sources(&self) -> Result<()> {
        let request = ListRequest::Search(
            SearchRequest::new()
                .data_sources()
                .sort_by_last_edited(Direction::Descending),
        );
        let mut pages = self.list(request);
        while let Some(page) = self.next_page(&mut pages).await {
            let page = match page {
                Ok(p) => p,
                // Rows are read per data source: every stream that depends on them fails.
                Err(e) if is_listing_loop(&e) => {
                    self.fail_typed_streams(&e).await?;
                    return self.fail_streams(&DISCOVERED, e).await;
                }
                Err(e) => return Err(e),
            };
            for raw in &page.results {
                self.data_source_found(raw, true, SEARCH).await?;
            }
        }
        Ok(())
    }

    /// Reads pages newest first through search, down to the lowest cursor. `unified`: the same
    /// search lists data sources too (a first sync).
    pub(super) async fn search_pages(self: &Arc<Self>, unified: bool) -> Result<()> {
        if matches!(
            self.resumed_progress(&SourceKey::Search),
            Some(SourceProgress::Done)
        ) {
            self.set_progress(SourceKey::Search, Some(SourceProgress::Done));
            return Ok(());
        }
        let mut search = SearchRequest::new().sort_by_last_edited(Direction::Descending);
        if !unified {
            search = search.pages();
        }
        let reader = self.clone();
        let result = self
            .clone()
            .run_source(SourceKey::Search, SourceKind::Search, move |_upper| {
                reader.list(ListRequest::Search(search.clone()))
            })
            .await;
        match result {
            // The unified search also lists the data sources (and through them the databases).
            Err(e) if is_listing_loop(&e) && unified => {
                self.fail_typed_streams(&e).await?;
                self.fail_streams(&DISCOVERED, e).await
            }
            Err(e) if is_listing_loop(&e) => self.fail_streams(&PAGE_STREAMS, e).await,
            other => other,
        }
    }

    /// A page found in the trash: its record (with `in_trash`), its content gone, and a
    /// deletion record of its document.
    async fn page_trashed(&self, id: notion_model::Id, obj: &RawObject<'_>) -> Result<()> {
        if self.selection.contains(StreamName::Pages) {
            self.emit_page_record(obj, None).await?;
        }
        let version = self.content_version();
        self.out
            .send(Message::PageContent {
                page: id,
                version: version.clone(),
                blocks: self.selection.contains(StreamName::Blocks),
                comments: self.selection.contains(StreamName::Comments),
            })
            .await?;
        if let Ok(observed) = notion_model::Timestamp::parse(&version) {
            self.emit_document_tombstone(id, &observed, "trashed")
                .await?;
        }
        Ok(())
    }

    /// Pages moved to the trash since the cursor: search and queries no longer return them, so
    /// a search of the trash (newest first, down to the cursor) finds them, and their records
    /// are emitted with `in_trash: true`.
    pub(super) async fn read_trashed_pages(&self) -> Result<()> {
        let request = ListRequest::Search(
            SearchRequest::new()
                .in_trash()
                .sort_by_last_edited(Direction::Descending),
        );
        // How far back: the page-driven streams' bound, and the typed streams' (rows moved to
        // the trash are emitted with `in_trash: true` in their data source's stream too).
        let pages_bound = self.bounds.min_pages().filter(|_| self.reads_pages());
        let floor = match (pages_bound, self.typed.lowest_bound()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut pages = self.list(request);
        while let Some(page) = self.next_page(&mut pages).await {
            let page = match page {
                Ok(p) => p,
                Err(e) if is_listing_loop(&e) => {
                    self.fail_typed_streams(&e).await?;
                    return self.fail_stream(StreamName::Pages, e).await;
                }
                Err(e) => return Err(e),
            };
            for raw in &page.results {
                let obj =
                    RawObject::parse(raw.get()).map_err(|e| malformed("a trashed page", e))?;
                if obj.str("object").as_deref() != Some("page") {
                    continue;
                }
                let Some(ts) = timestamp(&obj) else { continue };
                let lists_everything = lock(&self.inventory).lists_everything();
                if floor.is_none_or(|f| ts < f) && !lists_everything {
                    return Ok(());
                }
                let Some(id) = self.object_id(&obj, "a trashed page", SEARCH).await? else {
                    continue;
                };
                lock(&self.inventory).listed(id);
                if pages_bound.is_some_and(|b| ts >= b) {
                    self.page_trashed(id, &obj).await?;
                }
                if let Some(target) = self.typed_target(&obj, ts, false)
                    && self.typed.row_bound_is_set(&target.0)
                {
                    self.emit_typed_record(&target, raw, None).await?;
                }
            }
        }
        Ok(())
    }
}
