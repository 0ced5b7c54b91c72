//! Mutations applied on top of the base workspace.
// Some fields and helpers here are read only by the object renderer.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::ids::RawId;

/// One indexed version of a page, for search lag.
#[derive(Debug, Clone)]
pub(crate) struct PageVersion {
    /// Fake-clock instant the change happened.
    pub(crate) at: DateTime<Utc>,
    /// The page's `last_edited_time` (minute precision) after the change.
    pub(crate) edited: DateTime<Utc>,
    pub(crate) trashed: bool,
    /// Property values replaced so far (Notion JSON shape, by property name).
    pub(crate) props: serde_json::Map<String, serde_json::Value>,
}

/// What a mutation did to a page.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageState {
    /// Versions, oldest first (the base version is implicit).
    pub(crate) versions: Vec<PageVersion>,
    pub(crate) edited_by: Option<RawId>,
}

impl PageState {
    pub(crate) fn current(&self) -> Option<&PageVersion> {
        self.versions.last()
    }

    /// The version indexed by search at `horizon`: `Some(None)` is the base version.
    pub(crate) fn indexed_at(&self, horizon: DateTime<Utc>) -> Option<&PageVersion> {
        self.versions.iter().rev().find(|v| v.at <= horizon)
    }
}

/// A block changed or added by a mutation.
#[derive(Debug, Clone)]
pub(crate) struct BlockState {
    pub(crate) page: RawId,
    pub(crate) edited: DateTime<Utc>,
    /// New text of a text block.
    pub(crate) text: Option<String>,
    pub(crate) trashed: bool,
}

/// Objects that exist only in the overlay.
#[derive(Debug, Clone)]
pub(crate) enum Added {
    Block {
        page: RawId,
        parent: RawId,
        depth: u32,
        created: DateTime<Utc>,
        text: String,
    },
    Page {
        data_source: RawId,
        created: DateTime<Utc>,
        title: String,
    },
    DataSource {
        database: RawId,
        created: DateTime<Utc>,
        title: String,
    },
    Comment {
        parent: RawId,
        page: RawId,
        created: DateTime<Utc>,
        text: String,
    },
}

/// Every mutation so far.
#[derive(Debug, Default)]
pub(crate) struct Overlay {
    pub(crate) seq: u64,
    pub(crate) pages: HashMap<RawId, PageState>,
    pub(crate) blocks: HashMap<RawId, BlockState>,
    /// Child lists replaced by added or removed blocks.
    pub(crate) children: HashMap<RawId, Vec<RawId>>,
    pub(crate) added: HashMap<RawId, Added>,
    /// Comments added per parent (after the base comments).
    pub(crate) comments: HashMap<RawId, Vec<RawId>>,
    pub(crate) unshared: HashSet<RawId>,
    /// Rows added per data source.
    pub(crate) rows: HashMap<RawId, Vec<RawId>>,
    /// Data sources added per database.
    pub(crate) data_sources: HashMap<RawId, Vec<RawId>>,
}
