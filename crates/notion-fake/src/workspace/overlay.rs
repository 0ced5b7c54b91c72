//! Mutations applied on top of the base workspace.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use notion_model::{Block, Comment, DataSource, Id, Page, PropertyValue};

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
}

impl Overlay {
    /// Whether no mutation happened yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.seq == 0 && self.pages.is_empty() && self.unshared.is_empty()
    }
}
