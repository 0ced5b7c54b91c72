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
//! * one retrieve per data source that search does not show (those of child databases and
//!   those added after the start);
//! * query requests per data source: `ceil(rows / 100)` (at least 1), rows in the trash
//!   excluded, for a reader that sorts on `last_edited_time`, newest first. Past the 10,000-row
//!   cap it continues with a window query on `last_edited_time` at or before the oldest row
//!   read: the rows edited at that instant are read again (others may share the minute), and
//!   the pages of every window count;
//! * one page retrieve per page that is not a row and that search does not return (child pages,
//!   found through `child_page` blocks);
//! * for every page (standalone, child or row): `ceil(children / 100)` block-children requests
//!   (at least 1), and the same for every block with children, except `child_page` /
//!   `child_database` blocks (read as pages and databases) and duplicate synced blocks (their
//!   children are the original's, read under the page where the original lives);
//! * with markdown reads, instead of the block-children requests: one markdown request per page
//!   and one per subtree it omits, recursively (inner-block comments are then not read);
//! * comments, when page comments are read: `ceil(n / 100)` (at least 1) per page; when
//!   inner-block comments are read, the same per block (except `child_page` / `child_database`
//!   blocks, whose comments are their page's);
//! * when truncated properties are completed: `ceil(n / 100)` property-item requests per
//!   relation or people value of more than 25 entries (`has_more` in the page object) and per
//!   rollup over such a relation (the data source's schema names the relation), and one per
//!   formula whose expression reads such a relation.

use std::collections::HashMap;
use std::sync::Arc;

use notion_model::{ApiVersion, Block, Id};

use crate::ctx::Shared;
use crate::markdown;
use crate::render::{self, Item};
use crate::workspace::hosted::{self, Holder};
use crate::workspace::{BlockInfo, HostedFileInfo, Workspace};

/// What a complete reader reads besides the objects themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Read the comments of every page.
    pub page_comments: bool,
    /// Read the comments of every block (needs a request per block).
    pub inner_comments: bool,
    /// Complete relation and people values truncated at 25, and the rollups and formulas
    /// computed over such a relation, through the property-item endpoint.
    pub complete_properties: bool,
    /// Read page content through `GET /v1/pages/{id}/markdown` instead of the block-children
    /// endpoint: one request per page and one per omitted subtree it lists in
    /// `unknown_block_ids` (recursively). Inner-block comments are then not read (the markdown
    /// carries no block ids but those of omitted subtrees).
    pub markdown: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            page_comments: true,
            inner_comments: true,
            complete_properties: true,
            markdown: false,
        }
    }
}

/// The minimum number of requests per kind (see the crate docs for the definition).
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
    /// `GET /v1/pages/{id}` for pages that are not rows and that search does not show.
    pub pages: u64,
    /// `GET /v1/blocks/{id}/children` pages.
    pub block_children: u64,
    /// `GET /v1/comments` pages.
    pub comments: u64,
    /// `GET /v1/pages/{id}/properties/{property_id}` pages.
    pub property_items: u64,
    /// `GET /v1/pages/{id}/markdown`: per page, and per omitted subtree (markdown reads only).
    pub markdown: u64,
}

impl MinRequests {
    /// The sum of all kinds.
    pub fn total(&self) -> u64 {
        self.users
            + self.search
            + self.databases
            + self.data_sources
            + self.queries
            + self.pages
            + self.block_children
            + self.comments
            + self.property_items
            + self.markdown
    }
}

fn pages_of(n: usize) -> u64 {
    n.div_ceil(100).max(1) as u64
}

/// Notion's cap on the rows one data-source query returns.
const QUERY_CAP: usize = 10_000;

/// Query pages to read rows edited at `edited`, newest first, in windows past the row cap.
fn query_pages(mut edited: Vec<chrono::DateTime<chrono::Utc>>) -> u64 {
    edited.sort_unstable_by(|a, b| b.cmp(a));
    let mut start = 0;
    let mut total = 0;
    loop {
        let remaining = edited.len() - start;
        if remaining <= QUERY_CAP {
            return total + pages_of(remaining);
        }
        total += (QUERY_CAP / 100) as u64;
        // The next window starts at the first row edited at the oldest instant read.
        let boundary = edited[start + QUERY_CAP - 1];
        let next = start + edited[start..].partition_point(|t| *t > boundary);
        if next == start {
            // More rows share one instant than a query returns: no reader gets further.
            return total;
        }
        start = next;
    }
}

pub(crate) fn min_requests(shared: &Shared, opts: ReadOptions) -> MinRequests {
    let ws = &shared.ws;
    let now = shared.clock.now();
    let mut m = MinRequests {
        users: pages_of(ws.users().len()),
        search: pages_of(ws.search_count()),
        databases: ws.reachable_databases().len() as u64,
        ..MinRequests::default()
    };
    for (ds, in_search) in ws.reachable_data_sources() {
        if !in_search {
            m.data_sources += 1;
        }
        let edited: Vec<_> = ws
            .row_states(&ds, false, now)
            .iter()
            .filter(|r| !r.trashed)
            .map(|r| r.row.edited)
            .collect();
        m.queries += query_pages(edited);
    }
    for page in ws.reachable_pages() {
        if !ws.is_row(&page) && !ws.page_in_search(&page) {
            m.pages += 1;
        }
        add_page_content(&mut m, shared, &page, opts, now);
    }
    m
}

/// Adds the requests that read one page's content: its block tree, comments and truncated
/// property values.
fn add_page_content(
    m: &mut MinRequests,
    shared: &Shared,
    page: &Id,
    opts: ReadOptions,
    now: chrono::DateTime<chrono::Utc>,
) {
    let ws = &shared.ws;
    let Some(blocks) = ws.page_blocks(page) else {
        return;
    };
    if opts.markdown {
        let limit = shared.with_live_read(|l| l.markdown_block_limit);
        let content = markdown::content(ws, page, now);
        m.markdown += markdown::requests(&content, limit, false);
        if opts.page_comments {
            m.comments += pages_of(blocks.first().map_or(0, |b| b.comments));
        }
    }
    for (i, b) in blocks.iter().enumerate().filter(|_| !opts.markdown) {
        let is_page = i == 0;
        if b.child_ref {
            continue;
        }
        if is_page || (b.children > 0 && !b.synced_duplicate) {
            m.block_children += pages_of(b.children);
        }
        if (is_page && opts.page_comments) || (!is_page && opts.inner_comments) {
            m.comments += pages_of(b.comments);
        }
    }
    if opts.complete_properties {
        for n in ws.truncated_values(page, now) {
            m.property_items += pages_of(n);
        }
    }
}

/// The requests that read the content of `pages` (block trees, comments, truncated property
/// values), as counted by [`min_requests`], and the `child_page` / `child_database` blocks met
/// on the way.
pub(crate) fn page_content_requests(
    shared: &Shared,
    pages: &[Id],
    opts: ReadOptions,
) -> (MinRequests, ChildRefs) {
    let ws = &shared.ws;
    let now = shared.clock.now();
    let mut m = MinRequests::default();
    let mut refs = ChildRefs::default();
    for page in pages {
        add_page_content(&mut m, shared, page, opts, now);
        for b in ws.page_blocks(page).unwrap_or_default().iter().skip(1) {
            if !b.child_ref {
                continue;
            }
            if ws.database(&b.id).is_some() {
                refs.databases.push(b.id);
            } else {
                refs.pages.push(b.id);
            }
        }
    }
    (m, refs)
}

/// The `child_page` and `child_database` blocks of some pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildRefs {
    /// Ids of the child pages.
    pub pages: Vec<Id>,
    /// Ids of the child databases.
    pub databases: Vec<Id>,
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
    /// Pages: standalone, child and rows (not in the trash).
    Pages,
    /// Blocks of every page at every depth (not the pages themselves), each once, under the
    /// page where it lives.
    Blocks,
    /// Comments on pages and on blocks.
    Comments,
}

/// One object a complete reader must see.
#[derive(Debug, Clone, PartialEq)]
pub struct TruthRecord {
    /// The object id.
    pub id: Id,
    /// For blocks and comments: the page they belong to.
    pub page_id: Option<Id>,
    /// For blocks: depth below the page (1 = top level).
    pub depth: Option<u32>,
    /// The object exactly as the server serves it now (without `request_id`); a page with its
    /// truncated values completed (see [`FakeNotion::ground_truth`](crate::FakeNotion::ground_truth)).
    pub object: serde_json::Value,
}

fn value(item: Option<Item>) -> serde_json::Value {
    item.and_then(|i| serde_json::to_value(i).ok())
        .unwrap_or(serde_json::Value::Null)
}

fn database_value(ws: &Workspace, id: &Id, version: ApiVersion) -> serde_json::Value {
    let Some(db) = ws.database(id) else {
        return serde_json::Value::Null;
    };
    let schema = if version.is_legacy() {
        ws.data_source_ids(id)
            .first()
            .and_then(|ds| ws.data_source(ds))
            .and_then(|d| d.properties)
    } else {
        None
    };
    value(Some(Item::Database(Box::new(render::database(
        db, version, schema,
    )))))
}

fn record(id: Id, object: serde_json::Value) -> TruthRecord {
    TruthRecord {
        id,
        page_id: None,
        depth: None,
        object,
    }
}

/// The lazy ground-truth iterator of `stream`.
pub(crate) fn ground_truth(
    shared: Arc<Shared>,
    stream: Stream,
    version: ApiVersion,
) -> Box<dyn Iterator<Item = TruthRecord> + Send> {
    let now = shared.clock.now();
    match stream {
        Stream::Users => {
            let ids = shared.ws.users();
            Box::new(
                ids.into_iter()
                    .map(move |id| record(id, value(shared.ws.user(&id).map(Item::User)))),
            )
        }
        Stream::Databases => {
            let ids = shared.ws.reachable_databases();
            Box::new(
                ids.into_iter()
                    .map(move |id| record(id, database_value(&shared.ws, &id, version))),
            )
        }
        Stream::DataSources => {
            let ids = shared.ws.reachable_data_sources();
            Box::new(ids.into_iter().map(move |(id, _)| {
                let d = shared
                    .ws
                    .data_source(&id)
                    .map(|d| Item::DataSource(Box::new(render::data_source(d, version))));
                record(id, value(d))
            }))
        }
        Stream::Pages => {
            let ids = shared.ws.reachable_pages();
            Box::new(ids.into_iter().map(move |id| {
                let p = shared
                    .ws
                    .page_complete(&id, now)
                    .map(|p| Item::Page(Box::new(render::page_complete(p, version))));
                record(id, value(p))
            }))
        }
        Stream::Blocks => {
            let pages = shared.ws.reachable_pages();
            Box::new(pages.into_iter().flat_map(move |page| {
                page_block_objects(&shared.ws, &page, now, true)
                    .into_iter()
                    .map(|(info, b)| TruthRecord {
                        id: info.id,
                        page_id: Some(page),
                        depth: Some(info.depth),
                        object: value(b.map(|b| Item::Block(Box::new(render::block(b, version))))),
                    })
                    .collect::<Vec<_>>()
            }))
        }
        Stream::Comments => {
            let pages = shared.ws.reachable_pages();
            Box::new(pages.into_iter().flat_map(move |page| {
                let ws = &shared.ws;
                let infos = ws.page_blocks(&page).unwrap_or_default();
                let out: Vec<TruthRecord> = infos
                    .iter()
                    .filter(|b| !b.child_ref && b.comments > 0)
                    .flat_map(|b| ws.comments(&b.id).unwrap_or_default())
                    .map(|id| TruthRecord {
                        id,
                        page_id: Some(page),
                        depth: None,
                        object: value(ws.comment(&id, now).map(|c| Item::Comment(Box::new(c)))),
                    })
                    .collect();
                out
            }))
        }
    }
}

/// The blocks of a page (not the page itself) in pre-order, each once under the page where it
/// lives, with their objects.
fn page_block_objects(
    ws: &Workspace,
    page: &Id,
    now: chrono::DateTime<chrono::Utc>,
    signed: bool,
) -> Vec<(BlockInfo, Option<Block>)> {
    let infos = ws.page_blocks(page).unwrap_or_default();
    // One children listing per parent (the generated base builds a tree per call).
    let mut by_id: HashMap<Id, Block> = HashMap::new();
    for (i, info) in infos.iter().enumerate() {
        if info.child_ref || info.synced_duplicate || (i > 0 && info.children == 0) {
            continue;
        }
        let blocks = if signed {
            ws.children_blocks(&info.id, now)
        } else {
            ws.children_blocks_unsigned(&info.id, now)
        };
        for b in blocks.unwrap_or_default() {
            by_id.insert(b.id, b);
        }
    }
    infos
        .into_iter()
        .skip(1)
        .map(|info| {
            let b = by_id.remove(&info.id).or_else(|| {
                if signed {
                    ws.block(&info.id, now)
                } else {
                    ws.block_unsigned(&info.id, now)
                }
            });
            (info, b)
        })
        .collect()
}

/// The readable text of a page's content: what its markdown must show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageText {
    /// The page id.
    pub id: Id,
    /// Every line of readable text of its blocks, in page order, each block once under the
    /// page where it lives: rich text (a mention's text, a date mention's start), captions,
    /// table cells, titles of child pages and databases, equations, link previews; trimmed,
    /// empty lines left out. A meeting-notes transcript shows with `include_transcript=true`.
    pub lines: Vec<String>,
}

/// The lazy iterator of [`PageText`]s of every page a complete reader reaches.
pub(crate) fn page_texts(shared: Arc<Shared>) -> Box<dyn Iterator<Item = PageText> + Send> {
    let now = shared.clock.now();
    let pages = shared.ws.reachable_pages();
    Box::new(pages.into_iter().map(move |id| {
        let lines = page_block_objects(&shared.ws, &id, now, true)
            .into_iter()
            .filter_map(|(_, b)| b)
            .flat_map(|b| markdown::block_texts(&b))
            .collect();
        PageText { id, lines }
    }))
}

/// A Notion-hosted file a complete reader can download, as served now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedFile {
    /// The file id: the path segment of its URL, `{record id}.{n}` (`n`: its position among
    /// the record's hosted files), followed by `.{version}` once its content was replaced.
    pub id: String,
    /// The object holding it: a page, block, comment, database or data source.
    pub record: Id,
    /// The stream of that object.
    pub stream: Stream,
    /// The JSON path of the file object in the record (`image.file`, `cover.file`,
    /// `properties.Attachments.files[0].file`, `attachments[0].file`, …).
    pub field: String,
    /// The file name (the last segment of the URL path).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its content, in lowercase hex.
    pub sha256: String,
    /// The `Content-Type` a download answers with.
    pub content_type: String,
}

impl HostedFile {
    pub(crate) fn new(info: HostedFileInfo, stream: Stream) -> HostedFile {
        let bytes = hosted::content(&info.id, info.size);
        HostedFile {
            sha256: hosted::sha256(&bytes),
            content_type: hosted::content_type(&info.found.name).to_owned(),
            id: info.id,
            record: info.owner,
            stream,
            field: info.found.field,
            name: info.found.name,
            size: info.size,
        }
    }
}

/// Every hosted file of the objects a complete reader reaches, lazily: pages, their blocks and
/// comments, databases and data sources.
pub(crate) fn hosted_files(shared: Arc<Shared>) -> Box<dyn Iterator<Item = HostedFile> + Send> {
    let now = shared.clock.now();
    let ws = &shared.ws;
    let mut holders: Vec<(Id, Stream)> = Vec::new();
    holders.extend(
        ws.reachable_databases()
            .into_iter()
            .map(|d| (d, Stream::Databases)),
    );
    holders.extend(
        ws.reachable_data_sources()
            .into_iter()
            .map(|(d, _)| (d, Stream::DataSources)),
    );
    let pages = ws.reachable_pages();
    let head = holders.into_iter().flat_map({
        let shared = shared.clone();
        move |(id, stream)| {
            let ws = &shared.ws;
            ws.file_infos(&id, ws.files_of(&id, now))
                .into_iter()
                .map(move |i| HostedFile::new(i, stream))
                .collect::<Vec<_>>()
        }
    });
    let rest = pages.into_iter().flat_map(move |page| {
        let ws = &shared.ws;
        let mut infos: Vec<(HostedFileInfo, Stream)> = ws
            .file_infos(&page, ws.files_of(&page, now))
            .into_iter()
            .map(|i| (i, Stream::Pages))
            .collect();
        let blocks = page_block_objects(ws, &page, now, false);
        for (info, block) in &blocks {
            if let Some(mut b) = block.clone() {
                let found = Holder::Block(&mut b).files();
                infos.extend(
                    ws.file_infos(&info.id, found)
                        .into_iter()
                        .map(|i| (i, Stream::Blocks)),
                );
            }
        }
        let commented = std::iter::once(page).chain(
            blocks
                .iter()
                .filter(|(i, _)| !i.child_ref && i.comments > 0)
                .map(|(i, _)| i.id),
        );
        for parent in commented {
            for c in ws.comments(&parent).unwrap_or_default() {
                infos.extend(
                    ws.file_infos(&c, ws.files_of(&c, now))
                        .into_iter()
                        .map(|i| (i, Stream::Comments)),
                );
            }
        }
        infos
            .into_iter()
            .map(|(i, s)| HostedFile::new(i, s))
            .collect::<Vec<_>>()
    });
    Box::new(head.chain(rest))
}
