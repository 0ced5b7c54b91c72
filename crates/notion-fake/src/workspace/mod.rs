//! The workspace the server serves: a generated or demo base, plus the mutations applied on top.

pub(crate) mod base;
pub(crate) mod changes;
pub mod config;
mod content;
pub(crate) mod demo;
pub(crate) mod generator;
pub(crate) mod hosted;
mod live;
pub(crate) mod overlay;
mod rollup;
mod text;

use chrono::{DateTime, Utc};
use notion_model::Id;

use std::sync::Arc;

use crate::clock::Clock;
use crate::error::FakeError;
use base::Base;
use generator::Gen;

pub use config::{Features, GenConfig, Mix};
pub(crate) use live::HostedFileInfo;

/// An object search can return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Obj {
    /// A database (legacy version only).
    Database(Id),
    DataSource(Id),
    Page(Id),
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

/// An entry of the search index.
#[derive(Debug, Clone)]
pub(crate) struct SearchEntry {
    pub(crate) obj: Obj,
    /// `last_edited_time` as indexed.
    pub(crate) edited: DateTime<Utc>,
}

/// One node of a page's content tree, for walks. The first entry of a page's list is the page
/// itself (depth 0).
#[derive(Debug, Clone)]
pub(crate) struct BlockInfo {
    pub(crate) id: Id,
    pub(crate) parent: Id,
    pub(crate) depth: u32,
    /// Number of children a complete reader lists through this block (0 for `child_page` /
    /// `child_database` blocks and duplicate synced blocks).
    pub(crate) children: usize,
    pub(crate) comments: usize,
    /// A `child_page` / `child_database` block (its content is read as a page / database).
    pub(crate) child_ref: bool,
    /// A duplicate synced block (its children are the original's, read where they live).
    pub(crate) synced_duplicate: bool,
}

/// Base answers that are expensive and never change, built on first use.
#[derive(Debug, Default)]
pub(crate) struct Caches {
    pub(crate) search: std::sync::OnceLock<Vec<SearchEntry>>,
    pub(crate) search_legacy: std::sync::OnceLock<Vec<SearchEntry>>,
    /// Page objects as served (JSON), while the workspace is unchanged; see
    /// [`Workspace::page_json`].
    pub(crate) page_json: std::sync::Mutex<PageJson>,
    /// Base rows of each data source with `(created, last edited)`.
    pub(crate) rows:
        std::sync::Mutex<std::collections::HashMap<Id, std::sync::Arc<Vec<live::RowTimes>>>>,
}

/// Serialized page objects by `(page, version)`, for one signing window of the fake clock
/// (signed file URLs change from window to window), at most [`PageJson::LIMIT`] bytes.
#[derive(Debug, Default)]
pub(crate) struct PageJson {
    hour: i64,
    bytes: usize,
    map: std::collections::HashMap<(Id, notion_model::ApiVersion), std::sync::Arc<str>>,
}

impl PageJson {
    /// Past this many bytes the cache starts over.
    const LIMIT: usize = 64 << 20;
}

/// The served workspace.
#[derive(Debug)]
pub(crate) struct Workspace {
    pub(crate) base: Box<dyn Base>,
    pub(crate) overlay: std::sync::RwLock<overlay::Overlay>,
    pub(crate) caches: Caches,
    /// The fake's clock (hosted-file URLs are signed at its now).
    pub(crate) clock: Arc<Clock>,
    /// Signs hosted-file URLs and checks downloads.
    pub(crate) signer: hosted::Signer,
    /// Pages of the base not shared at the start (shared later by a mutation).
    pub(crate) late: std::collections::HashSet<Id>,
}

/// What hosted files look like: how long their URLs stay valid, how big the large file is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileOptions {
    pub(crate) expiry: std::time::Duration,
    pub(crate) large: u64,
}

impl Workspace {
    pub(crate) fn generated(cfg: GenConfig, clock: Arc<Clock>, files: FileOptions) -> Self {
        let seed = cfg.seed;
        Workspace::new(Box::new(Gen::new(cfg, clock.start())), clock, files, seed)
    }

    pub(crate) fn demo(clock: Arc<Clock>, files: FileOptions) -> Result<Self, FakeError> {
        let demo = demo::Demo::load(clock.start())?;
        Ok(Workspace::new(Box::new(demo), clock, files, 0xDE70))
    }

    fn new(base: Box<dyn Base>, clock: Arc<Clock>, files: FileOptions, seed: u64) -> Self {
        let late = base.late_pages().into_iter().collect();
        Workspace {
            late,
            base,
            overlay: std::sync::RwLock::new(overlay::Overlay::default()),
            caches: Caches::default(),
            clock,
            signer: hosted::Signer::new(seed, files.expiry, files.large),
        }
    }

    /// A page object as served in `version`, serialized, from the cache while no mutation has
    /// happened (search and queries serialize the same rows again and again), within one
    /// signing window of hosted-file URLs.
    pub(crate) fn page_json(
        &self,
        id: &Id,
        version: notion_model::ApiVersion,
        now: DateTime<Utc>,
    ) -> Option<std::sync::Arc<str>> {
        let hour = self.signer.window_of(now);
        {
            let cache = self
                .caches
                .page_json
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if cache.hour == hour
                && let Some(json) = cache.map.get(&(*id, version))
            {
                return Some(json.clone());
            }
        }
        let page = crate::render::page(self.page(id, now)?, version);
        let json: std::sync::Arc<str> = serde_json::to_string(&page).ok()?.into();
        let mut cache = self
            .caches
            .page_json
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if cache.hour != hour || cache.bytes + json.len() > PageJson::LIMIT {
            cache.map.clear();
            cache.bytes = 0;
            cache.hour = hour;
        }
        cache.bytes += json.len();
        cache.map.insert((*id, version), json.clone());
        Some(json)
    }

    /// Whether no mutation happened yet.
    pub(crate) fn unchanged(&self) -> bool {
        self.ov().is_empty()
    }

    /// The connection's own bot user.
    pub(crate) fn bot_id(&self) -> Id {
        self.base.bot_id()
    }

    /// The workspace id.
    pub(crate) fn workspace_id(&self) -> Id {
        self.base.workspace_id()
    }

    pub(crate) fn users(&self) -> Vec<Id> {
        self.base.user_ids()
    }
}
