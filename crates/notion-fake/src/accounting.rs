//! Ground truth and the minimum number of requests a complete read needs.
//!
//! # The minimum-request definition
//!
//! For a reader that uses `page_size` 100 everywhere, the minimum number of requests to read
//! the whole workspace is the sum of:
//!
//! * `ceil(users / 100)` list-users requests (at least 1);
//! * `ceil(search-visible pages and data sources / 100)` requests for one unfiltered search
//!   (at least 1);
//! * one retrieve per shared database (workspace-level and child databases);
//! * one retrieve per data source that search does not show (those of child databases);
//! * `ceil(rows / 100)` query requests per data source (at least 1);
//! * for every page (standalone, child or row): `ceil(children / 100)` block-children requests
//!   for the page (at least 1) and for every block with children, not descending into
//!   `child_page` / `child_database` blocks (those are read as pages and databases);
//! * comments, when page comments are read: `ceil(n / 100)` (at least 1) per page, and when
//!   inner-block comments are read, the same per block (except `child_page` / `child_database`
//!   blocks, whose comments are their page's);
//! * when truncated properties are completed: `ceil(n / 100)` property-item requests per
//!   relation or people value of more than 25 entries (`has_more` in the page object).

use std::sync::Arc;

use crate::ids::RawId;
use crate::server::Shared;
use crate::version::ApiVersion;
use crate::workspace::{Obj, Workspace};

/// What a complete reader reads besides the objects themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Read the comments of every page.
    pub page_comments: bool,
    /// Read the comments of every block (needs a request per block).
    pub inner_comments: bool,
    /// Complete relation and people values truncated at 25 through the property-item endpoint.
    pub complete_properties: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            page_comments: true,
            inner_comments: true,
            complete_properties: true,
        }
    }
}

/// The minimum number of requests per kind (see the module docs for the definition).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MinRequests {
    /// `GET /v1/users` pages.
    pub users: u64,
    /// `POST /v1/search` pages.
    pub search: u64,
    /// `GET /v1/databases/{id}`.
    pub databases: u64,
    /// `GET /v1/data_sources/{id}` for data sources search does not show.
    pub data_sources: u64,
    /// `POST /v1/data_sources/{id}/query` pages.
    pub queries: u64,
    /// `GET /v1/blocks/{id}/children` pages.
    pub block_children: u64,
    /// `GET /v1/comments` pages.
    pub comments: u64,
    /// `GET /v1/pages/{id}/properties/{property_id}` pages.
    pub property_items: u64,
}

impl MinRequests {
    /// The sum of all kinds.
    pub fn total(&self) -> u64 {
        self.users
            + self.search
            + self.databases
            + self.data_sources
            + self.queries
            + self.block_children
            + self.comments
            + self.property_items
    }
}

fn pages_of(n: usize) -> u64 {
    n.div_ceil(100).max(1) as u64
}

pub(crate) fn min_requests(ws: &Workspace, opts: ReadOptions) -> MinRequests {
    let mut m = MinRequests {
        users: pages_of(ws.user_count()),
        search: pages_of(ws.search_count()),
        databases: ws.reachable_databases().len() as u64,
        ..MinRequests::default()
    };
    for (ds, in_search) in ws.reachable_data_sources() {
        if !in_search {
            m.data_sources += 1;
        }
        m.queries += pages_of(ws.live_rows(&ds).len());
    }
    for page in ws.reachable_pages() {
        let Some((blocks, _)) = ws.page_blocks(&page) else {
            continue;
        };
        for (i, b) in blocks.iter().enumerate() {
            let is_page = i == 0;
            if b.child_ref {
                continue;
            }
            if is_page || b.children > 0 {
                m.block_children += pages_of(b.children);
            }
            if (is_page && opts.page_comments) || (!is_page && opts.inner_comments) {
                m.comments += pages_of(b.comments);
            }
        }
        if opts.complete_properties {
            for n in ws.truncated_values(&page) {
                m.property_items += pages_of(n);
            }
        }
    }
    m
}

/// A stream of the connector, for ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stream {
    /// Users (list users).
    Users,
    /// Databases.
    Databases,
    /// Data sources.
    DataSources,
    /// Pages: standalone, child and rows.
    Pages,
    /// Blocks of every page at every depth (not the pages themselves).
    Blocks,
    /// Comments on pages and on blocks.
    Comments,
}

/// One object a complete reader must see.
#[derive(Debug, Clone, PartialEq)]
pub struct TruthRecord {
    /// The object id.
    pub id: RawId,
    /// For blocks and comments: the page they belong to.
    pub page_id: Option<RawId>,
    /// For blocks: depth below the page (1 = top level).
    pub depth: Option<u32>,
    /// The object exactly as the server serves it (without `request_id`).
    pub object: serde_json::Value,
}

pub(crate) fn render(ws: &Workspace, o: &Obj, version: ApiVersion) -> serde_json::Value {
    let mut out = Vec::new();
    match ws.write_object(o, version, &mut out) {
        Ok(()) => serde_json::from_slice(&out).unwrap_or(serde_json::Value::Null),
        Err(_) => serde_json::Value::Null,
    }
}

/// The lazy ground-truth iterator of `stream`.
pub(crate) fn ground_truth(
    shared: Arc<Shared>,
    stream: Stream,
    version: ApiVersion,
) -> Box<dyn Iterator<Item = TruthRecord> + Send> {
    let ws = &shared.ws;
    let simple = |ids: Vec<RawId>,
                  make: fn(RawId) -> Obj,
                  shared: Arc<Shared>|
     -> Box<dyn Iterator<Item = TruthRecord> + Send> {
        Box::new(ids.into_iter().map(move |id| TruthRecord {
            id,
            page_id: None,
            depth: None,
            object: render(&shared.ws, &make(id), version),
        }))
    };
    match stream {
        Stream::Users => simple(ws.users(), Obj::User, shared.clone()),
        Stream::Databases => simple(ws.reachable_databases(), Obj::Database, shared.clone()),
        Stream::DataSources => simple(
            ws.reachable_data_sources()
                .into_iter()
                .map(|(d, _)| d)
                .collect(),
            Obj::DataSource,
            shared.clone(),
        ),
        Stream::Pages => simple(ws.reachable_pages(), Obj::Page, shared.clone()),
        Stream::Blocks => {
            let pages = ws.reachable_pages();
            Box::new(pages.into_iter().flat_map(move |page| {
                let shared = shared.clone();
                let blocks = shared
                    .ws
                    .page_blocks(&page)
                    .map(|(b, _)| b)
                    .unwrap_or_default();
                blocks.into_iter().skip(1).map(move |b| TruthRecord {
                    id: b.id,
                    page_id: Some(page),
                    depth: Some(b.depth),
                    object: render(&shared.ws, &Obj::Block(b.id), version),
                })
            }))
        }
        Stream::Comments => {
            let pages = ws.reachable_pages();
            Box::new(pages.into_iter().flat_map(move |page| {
                let shared = shared.clone();
                let blocks = shared
                    .ws
                    .page_blocks(&page)
                    .map(|(b, _)| b)
                    .unwrap_or_default();
                let ids: Vec<RawId> = blocks
                    .iter()
                    .filter(|b| !b.child_ref && b.comments > 0)
                    .flat_map(|b| shared.ws.comments(&b.id).unwrap_or_default())
                    .collect();
                ids.into_iter().map(move |id| TruthRecord {
                    id,
                    page_id: Some(page),
                    depth: None,
                    object: render(&shared.ws, &Obj::Comment(id), version),
                })
            }))
        }
    }
}
