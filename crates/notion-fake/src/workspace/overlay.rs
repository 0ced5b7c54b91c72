//! Mutations applied on top of the base workspace.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use notion_model::{Block, Comment, DataSource, Id, Page, PropertySchema, PropertyValue};

/// One version of a page after a mutation (search shows the version indexed at its horizon).
#[derive(Debug, Clone)]
pub(crate) struct PageVersion {
    /// Fake-clock instant the change happened.
    pub(crate) at: DateTime<Utc>,
    /// The page's `last_edited_time` (minute precision) after the change.
    pub(crate) edited: DateTime<Utc>,
    /// Who made the change.
    pub(crate) by: Id,
    pub(crate) trashed: bool,
    /// Property values replaced so far, by property name.
    pub(crate) props: Vec<(String, PropertyValue)>,
}

/// What mutations did to a page.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageState {
    /// Versions, oldest first (the base version is implicit).
    pub(crate) versions: Vec<PageVersion>,
}

impl PageState {
    pub(crate) fn current(&self) -> Option<&PageVersion> {
        self.versions.last()
    }

    /// The version search has indexed at `horizon` (`None`: the base version).
    pub(crate) fn indexed_at(&self, horizon: DateTime<Utc>) -> Option<&PageVersion> {
        self.versions.iter().rev().find(|v| v.at <= horizon)
    }
}

/// A block changed by a mutation.
#[derive(Debug, Clone)]
pub(crate) struct BlockState {
    pub(crate) edited: DateTime<Utc>,
    pub(crate) by: Id,
    /// New text of a text block.
    pub(crate) text: Option<String>,
    pub(crate) trashed: bool,
}

/// Objects that exist only in the overlay, as created.
#[derive(Debug, Clone)]
pub(crate) enum Added {
    Block {
        page: Id,
        block: Box<Block>,
    },
    Page {
        data_source: Id,
        /// The moment it was added (search lag).
        at: DateTime<Utc>,
        page: Box<Page>,
    },
    DataSource {
        database: Id,
        data_source: Box<DataSource>,
    },
    Comment {
        page: Id,
        comment: Box<Comment>,
    },
}

/// Every mutation so far.
#[derive(Debug, Default)]
pub(crate) struct Overlay {
    pub(crate) seq: u64,
    pub(crate) pages: HashMap<Id, PageState>,
    pub(crate) blocks: HashMap<Id, BlockState>,
    /// Child lists replaced by added or removed blocks.
    pub(crate) children: HashMap<Id, Vec<Id>>,
    pub(crate) added: HashMap<Id, Added>,
    /// Comments added per parent (after the base comments).
    pub(crate) comments: HashMap<Id, Vec<Id>>,
    pub(crate) unshared: HashSet<Id>,
    /// Rows added per data source.
    pub(crate) rows: HashMap<Id, Vec<Id>>,
    /// Data sources added per database.
    pub(crate) data_sources: HashMap<Id, Vec<Id>>,
    /// Pages whose content or comments a mutation changed (their walks are recomputed).
    pub(crate) touched: HashSet<Id>,
    /// Content versions of hosted files replaced, by holding object and slot.
    pub(crate) file_versions: HashMap<(Id, usize), u32>,
    /// Objects deleted for good (pages, blocks and their subtrees, data sources): 404.
    pub(crate) deleted: HashSet<Id>,
    /// Pages of the base that were not shared at the start and are now.
    pub(crate) shared: HashSet<Id>,
    /// Discussions resolved (their comments leave the listings).
    pub(crate) resolved: HashSet<Id>,
    /// Schema changes per data source, in order.
    pub(crate) schema: HashMap<Id, Vec<SchemaChange>>,
    /// Data sources whose schema changed: when (their `last_edited_time`).
    pub(crate) ds_edited: HashMap<Id, DateTime<Utc>>,
    /// Pages moved under another page: the new parent page.
    pub(crate) moved: HashMap<Id, Id>,
}

/// A change to a data source's schema (rows' values follow).
#[derive(Debug, Clone)]
pub(crate) enum SchemaChange {
    /// A new property.
    Add(String, Box<PropertySchema>),
    /// A property renamed (`from`, `to`).
    Rename(String, String),
    /// A property's type changed to this schema (values become empty, text keeps its words).
    Retype(String, Box<PropertySchema>),
    /// A property removed.
    Remove(String),
}

impl Overlay {
    /// Whether no mutation happened yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.seq == 0
            && self.pages.is_empty()
            && self.unshared.is_empty()
            && self.deleted.is_empty()
            && self.shared.is_empty()
            && self.resolved.is_empty()
            && self.schema.is_empty()
            && self.moved.is_empty()
    }

    /// Whether nothing is hidden by a mutation (unshared or deleted).
    pub(crate) fn hides_nothing(&self) -> bool {
        self.unshared.is_empty() && self.deleted.is_empty()
    }
}
