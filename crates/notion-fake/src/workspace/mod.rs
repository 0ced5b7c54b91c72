//! The workspace the server serves: a generated or demo base, plus the mutations applied on top.
// Some fields and helpers here are read only by the object renderer.
#![allow(dead_code)]

pub mod config;
pub(crate) mod generator;
mod live;
pub(crate) mod overlay;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::ApiError;
use crate::filter::RowView;
use crate::ids::{Decoded, PAGE_LEVEL, RawId};
use crate::version::ApiVersion;
use generator::{BlockKind, Gen, PageKind, ROOT};

pub use config::{Features, GenConfig, Mix};

/// An object to serialize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Obj {
    User(RawId),
    Database(RawId),
    DataSource(RawId),
    Page(RawId),
    Block(RawId),
    Comment(RawId),
}

/// The `type` of a list response.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ListType {
    User,
    Block,
    Comment,
    PageOrDataSource,
    PageOrDatabase,
}

impl ListType {
    pub(crate) fn name(self) -> &'static str {
        match self {
            ListType::User => "user",
            ListType::Block => "block",
            ListType::Comment => "comment",
            ListType::PageOrDataSource => "page_or_data_source",
            ListType::PageOrDatabase => "page_or_database",
        }
    }
}

/// What an id names, as far as the connection can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    User,
    Database,
    DataSource,
    Page,
    Block,
    Comment,
    /// Unknown, or not shared with the connection.
    Missing,
}

/// The answer of the property-item endpoint.
#[derive(Debug, Clone)]
pub(crate) enum PropertyItems {
    Single(Value),
    List { items: Vec<Value>, meta: Value },
}

/// An entry of the search index.
#[derive(Debug, Clone)]
pub(crate) struct SearchEntry {
    pub(crate) obj: Obj,
    pub(crate) title: String,
    pub(crate) edited: DateTime<Utc>,
}

/// One node of a page's content tree, for walks. Index 0 of [`Workspace::page_blocks`] is the
/// page itself (depth 0).
#[derive(Debug, Clone)]
pub(crate) struct BlockInfo {
    pub(crate) id: RawId,
    pub(crate) parent: RawId,
    pub(crate) depth: u32,
    /// Number of children a children request returns (0 when `has_children` is false).
    pub(crate) children: usize,
    pub(crate) comments: usize,
    /// A `child_page` / `child_database` block (its content is read as a page / database).
    pub(crate) child_ref: bool,
}

/// A row and its trash state.
#[derive(Debug, Clone)]
pub(crate) struct RowState {
    pub(crate) trashed: bool,
    pub(crate) row: RowView,
}

/// The served workspace.
#[derive(Debug)]
pub(crate) struct Workspace {
    pub(crate) g: Gen,
    pub(crate) overlay: std::sync::RwLock<overlay::Overlay>,
}

impl Workspace {
    pub(crate) fn generated(cfg: GenConfig, start: DateTime<Utc>) -> Self {
        Workspace {
            g: Gen::new(cfg, start),
            overlay: std::sync::RwLock::new(overlay::Overlay::default()),
        }
    }

    /// The connection's own bot user.
    pub(crate) fn bot_id(&self) -> RawId {
        self.g.id(Decoded::User(0))
    }

    pub(crate) fn users(&self) -> Vec<RawId> {
        (0..self.g.user_count())
            .map(|u| self.g.id(Decoded::User(u)))
            .collect()
    }

    pub(crate) fn user_exists(&self, id: &RawId) -> bool {
        matches!(self.g.decode(id), Some(Decoded::User(_)))
    }

    /// What `id` names, if the connection may see it.
    pub(crate) fn base_find(&self, id: &RawId) -> Found {
        match self.g.decode(id) {
            Some(Decoded::User(_)) => Found::User,
            Some(Decoded::Database(_)) => Found::Database,
            Some(Decoded::DataSource(_)) => Found::DataSource,
            Some(Decoded::Page(p)) if self.g.page_shared(p) => Found::Page,
            Some(Decoded::Block { page, block }) if self.g.page_shared(page) => {
                let tree = self.g.tree(page);
                match tree.blocks.get(block as usize).map(|b| b.kind) {
                    Some(BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_)) | None => {
                        Found::Missing
                    }
                    Some(_) => Found::Block,
                }
            }
            Some(Decoded::Comment { page, block, n }) if self.g.page_shared(page) => {
                let tree = self.g.tree(page);
                if n < self.g.comment_count(page, block, &tree) {
                    Found::Comment
                } else {
                    Found::Missing
                }
            }
            _ => Found::Missing,
        }
    }

    pub(crate) fn base_data_source_ids(&self, db: &RawId) -> Vec<RawId> {
        match self.g.decode(db) {
            Some(Decoded::Database(d)) => self
                .g
                .data_sources_of(d)
                .map(|ds| self.g.id(Decoded::DataSource(ds)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Children of a page or block (`None`: not found or not shared).
    pub(crate) fn base_children(&self, id: &RawId) -> Option<Vec<RawId>> {
        let (page, parent) = match self.g.decode(id)? {
            Decoded::Page(p) if self.g.page_shared(p) => (p, ROOT),
            Decoded::Block { page, block } if self.base_find(id) == Found::Block => (page, block),
            Decoded::Database(_) => return Some(Vec::new()),
            _ => return None,
        };
        let tree = self.g.tree(page);
        Some(
            tree.children(parent)
                .into_iter()
                .map(|b| self.g.block_id(page, b, &tree))
                .collect(),
        )
    }

    /// Comments whose parent is the page or block `id`.
    pub(crate) fn base_comments(&self, id: &RawId) -> Option<Vec<RawId>> {
        let (page, block) = match self.g.decode(id)? {
            Decoded::Page(p) if self.g.page_shared(p) => (p, PAGE_LEVEL),
            Decoded::Block { page, block } if self.base_find(id) == Found::Block => (page, block),
            Decoded::Database(_) => return Some(Vec::new()),
            _ => return None,
        };
        let tree = self.g.tree(page);
        let n = self.g.comment_count(page, block, &tree);
        Some(
            (0..n)
                .map(|n| self.g.id(Decoded::Comment { page, block, n }))
                .collect(),
        )
    }

    /// Property items of a page property (`None`: no such property).
    pub(crate) fn property_item(
        &self,
        _page: &RawId,
        _property: &str,
        _version: ApiVersion,
    ) -> Option<PropertyItems> {
        None
    }

    /// Search index entries (data sources and pages, or databases and pages for the legacy
    /// version), as indexed at `horizon`, in default order.
    pub(crate) fn base_search_entries(
        &self,
        legacy: bool,
        _horizon: DateTime<Utc>,
    ) -> Vec<SearchEntry> {
        let g = &self.g;
        let mut out = Vec::new();
        for ds in 0..g.data_source_count() {
            if legacy {
                let db = g.database_of(ds);
                if g.data_sources_of(db).start == ds
                    && g.data_sources_of(db).len() == 1
                    && g.data_source_in_search(ds)
                {
                    out.push(SearchEntry {
                        obj: Obj::Database(g.id(Decoded::Database(db))),
                        title: format!("Database {db}"),
                        edited: g.database_times(db).edited,
                    });
                }
            } else if g.data_source_in_search(ds) {
                let db = g.database_of(ds);
                out.push(SearchEntry {
                    obj: Obj::DataSource(g.id(Decoded::DataSource(ds))),
                    title: format!("Database {db}"),
                    edited: g.database_times(db).edited,
                });
            }
        }
        for p in 0..g.page_count() {
            if g.page_in_search(p) {
                out.push(SearchEntry {
                    obj: Obj::Page(g.id(Decoded::Page(p))),
                    title: format!("Page {p}"),
                    edited: g.page_times(p).edited,
                });
            }
        }
        out
    }

    /// Rows of a data source (`None`: not a data source).
    pub(crate) fn base_rows(&self, ds: &RawId) -> Option<Vec<RawId>> {
        match self.g.decode(ds)? {
            Decoded::DataSource(d) => Some(
                self.g
                    .rows_of(d)
                    .map(|p| self.g.id(Decoded::Page(p)))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// A row as filters see it.
    pub(crate) fn base_row_view(&self, id: &RawId) -> Option<RowState> {
        let (created, edited) = self.base_page_times(id)?;
        Some(RowState {
            trashed: false,
            row: RowView {
                created,
                edited,
                props: Vec::new(),
            },
        })
    }

    /// The workspace id.
    pub(crate) fn workspace_id(&self) -> RawId {
        self.g.id(Decoded::Added(u64::MAX))
    }

    /// Rows of a data source that are not in the trash.
    pub(crate) fn live_rows(&self, ds: &RawId) -> Vec<RawId> {
        self.rows(ds)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| self.row_view(r).is_some_and(|v| !v.trashed))
            .collect()
    }

    /// `(created, last edited)` of a page.
    pub(crate) fn base_page_times(&self, id: &RawId) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        match self.g.decode(id)? {
            Decoded::Page(p) => {
                let t = self.g.page_times(p);
                Some((t.created, t.edited))
            }
            _ => None,
        }
    }

    /// Serializes an object as served in `version`.
    pub(crate) fn write_object(
        &self,
        o: &Obj,
        version: ApiVersion,
        out: &mut Vec<u8>,
    ) -> Result<(), ApiError> {
        crate::render::write(self, o, version, out)
    }

    // ---- structure walks (ground truth, minimum requests) ----------------------------------

    /// Every page a complete reader reaches (shared, not in the trash), in index order.
    pub(crate) fn base_reachable_pages(&self) -> impl Iterator<Item = RawId> + '_ {
        (0..self.g.page_count())
            .filter(|p| self.g.page_shared(*p))
            .map(|p| self.g.id(Decoded::Page(p)))
    }

    /// Every shared database.
    pub(crate) fn base_reachable_databases(&self) -> Vec<RawId> {
        (0..self.g.database_count())
            .map(|d| self.g.id(Decoded::Database(d)))
            .collect()
    }

    /// Every data source of a shared database, and whether search shows it.
    pub(crate) fn base_reachable_data_sources(&self) -> Vec<(RawId, bool)> {
        (0..self.g.data_source_count())
            .map(|ds| {
                (
                    self.g.id(Decoded::DataSource(ds)),
                    self.g.data_source_in_search(ds),
                )
            })
            .collect()
    }

    /// How many objects an unfiltered search returns now.
    pub(crate) fn base_search_count(&self) -> usize {
        let g = &self.g;
        let ds = (0..g.data_source_count())
            .filter(|d| g.data_source_in_search(*d))
            .count();
        let pages = (0..g.page_count()).filter(|p| g.page_in_search(*p)).count();
        ds + pages
    }

    /// The blocks of a page in pre-order (a synced duplicate's mirrored children are not
    /// repeated), and the number of comments on the page itself.
    pub(crate) fn base_page_blocks(&self, page: &RawId) -> Option<(Vec<BlockInfo>, usize)> {
        let Some(Decoded::Page(p)) = self.g.decode(page) else {
            return None;
        };
        if !self.g.page_shared(p) {
            return None;
        }
        let tree = self.g.tree(p);
        let mut out = Vec::with_capacity(tree.blocks.len());
        for (i, b) in tree.blocks.iter().enumerate() {
            let i = i as u32;
            let parent = if b.parent == ROOT {
                *page
            } else {
                self.g.block_id(p, b.parent, &tree)
            };
            let child_ref = matches!(
                b.kind,
                BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_)
            );
            out.push(BlockInfo {
                id: self.g.block_id(p, i, &tree),
                parent,
                depth: u32::from(b.depth),
                children: if b.has_children {
                    tree.children(i).len()
                } else {
                    0
                },
                comments: usize::from(self.g.comment_count(p, i, &tree)),
                child_ref,
            });
        }
        let page_comments = usize::from(self.g.comment_count(p, PAGE_LEVEL, &tree));
        let top = tree.children(ROOT).len();
        out.insert(
            0,
            BlockInfo {
                id: *page,
                parent: *page,
                depth: 0,
                children: top,
                comments: page_comments,
                child_ref: false,
            },
        );
        Some((out, page_comments))
    }

    /// Sizes of the relation and people values of a page that its page object truncates.
    pub(crate) fn truncated_values(&self, page: &RawId) -> Vec<usize> {
        match self.g.decode(page) {
            Some(Decoded::Page(p)) => self.g.truncated_values(p),
            _ => Vec::new(),
        }
    }

    pub(crate) fn user_count(&self) -> usize {
        self.g.user_count() as usize
    }

    pub(crate) fn page_kind(&self, id: &RawId) -> Option<PageKind> {
        match self.g.decode(id)? {
            Decoded::Page(p) => Some(self.g.page_kind(p)),
            _ => None,
        }
    }
}
