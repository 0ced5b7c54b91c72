//! An in-memory [`NotionApi`] for the read's unit tests: a small workspace described in code,
//! served with Notion's paging, ordering, filters, 10,000-row cap (scaled down) and errors, and a
//! log of every request made.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};
use http::{HeaderMap, StatusCode};
use notion_model::Id;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::api::{
    DateCondition, Direction, Filter, HttpStats, ListPage, ListRequest, NotionApi, Object,
    ObjectKind, Sort, Timestamp,
};
use crate::error::{Error, Result};
use crate::state::parse_time;

/// A short, stable id for tests: `id(7)` is `00000000-0000-0000-0000-000000000007`.
pub(crate) fn id(n: u128) -> Id {
    Id::from_u128(n)
}

/// `2026-01-01T00:MM:00.000Z`: minute `m` of the test day.
pub(crate) fn at(minute: u32) -> String {
    format!("2026-01-01T{:02}:{:02}:00.000Z", minute / 60, minute % 60)
}

/// The workspace and the log of requests.
#[derive(Default)]
pub(crate) struct MemoryApi {
    ws: Mutex<Workspace>,
    log: Mutex<Vec<String>>,
    /// Items per page of every listing.
    pub(crate) page_size: usize,
    /// Rows a query returns before it stops as incomplete (Notion: 10,000).
    pub(crate) query_cap: usize,
    /// The server's clock.
    pub(crate) now: Option<DateTime<Utc>>,
}

#[derive(Default)]
struct Workspace {
    users: Vec<Value>,
    pages: BTreeMap<Id, Value>,
    databases: BTreeMap<Id, Value>,
    data_sources: BTreeMap<Id, Value>,
    children: HashMap<Id, Vec<Value>>,
    comments: HashMap<Id, Vec<Value>>,
    properties: HashMap<(Id, String), (Vec<Value>, Option<Value>)>,
    /// Objects (and listings of them) answered with this status.
    errors: HashMap<Id, u16>,
    /// Pages search does not return.
    hidden: HashSet<Id>,
    /// Pages in the trash.
    trash: HashSet<Id>,
    /// Users listing fails with this status.
    users_error: Option<u16>,
    /// Every comments listing fails with this status.
    comments_error: Option<u16>,
    /// Answers of `GET /v1/pages/{id}/markdown`.
    markdown: HashMap<Id, Value>,
}

impl MemoryApi {
    /// An empty workspace served 2 items per page, with a cap of 5 rows per query.
    pub(crate) fn new() -> Self {
        MemoryApi {
            page_size: 2,
            query_cap: 5,
            now: parse_time("2026-01-02T00:00:00.000Z"),
            ..MemoryApi::default()
        }
    }

    fn ws(&self) -> std::sync::MutexGuard<'_, Workspace> {
        super::lock(&self.ws)
    }

    /// The requests made so far, sorted (units run concurrently).
    pub(crate) fn requests(&self) -> Vec<String> {
        let mut log = super::lock(&self.log).clone();
        log.sort();
        log
    }

    /// Forgets the requests made so far.
    pub(crate) fn clear_requests(&self) {
        super::lock(&self.log).clear();
    }

    fn note(&self, request: String) {
        super::lock(&self.log).push(request);
    }

    /// A user.
    pub(crate) fn user(&self, n: u128) -> &Self {
        self.ws().users.push(
            json!({"object": "user", "id": id(n), "type": "person", "name": format!("user {n}")}),
        );
        self
    }

    /// A raw user object (to test odd shapes).
    pub(crate) fn raw_user(&self, user: Value) -> &Self {
        self.ws().users.push(user);
        self
    }

    /// A standalone page edited at `minute`.
    pub(crate) fn page(&self, n: u128, minute: u32) -> &Self {
        let page = page_object(n, minute, json!({"type": "workspace", "workspace": true}));
        self.ws().pages.insert(id(n), page);
        self
    }

    /// A child page of page `parent` (search does not return it).
    pub(crate) fn child_page(&self, n: u128, parent: u128, minute: u32) -> &Self {
        let page = page_object(n, minute, json!({"type": "page_id", "page_id": id(parent)}));
        let mut ws = self.ws();
        ws.pages.insert(id(n), page);
        ws.hidden.insert(id(n));
        drop(ws);
        self.block(n, parent, "child_page", true)
    }

    /// A database with one data source.
    pub(crate) fn database(&self, db: u128, ds: u128, minute: u32) -> &Self {
        let mut ws = self.ws();
        ws.databases.insert(
            id(db),
            json!({"object": "database", "id": id(db), "last_edited_time": at(minute),
                   "title": text(&format!("db {db}")),
                   "data_sources": [{"id": id(ds), "name": format!("ds {ds}")}]}),
        );
        ws.data_sources.insert(
            id(ds),
            json!({"object": "data_source", "id": id(ds), "last_edited_time": at(minute),
                   "parent": {"type": "database_id", "database_id": id(db)},
                   "title": text(&format!("ds {ds}")), "properties": {}}),
        );
        drop(ws);
        self
    }

    /// Sets the property schema of a data source.
    pub(crate) fn schema(&self, ds: u128, properties: Value) -> &Self {
        if let Some(d) = self.ws().data_sources.get_mut(&id(ds)) {
            d["properties"] = properties;
        }
        self
    }

    /// A row of data source `ds` edited at `minute`.
    pub(crate) fn row(&self, n: u128, ds: u128, minute: u32) -> &Self {
        let db = self
            .ws()
            .data_sources
            .get(&id(ds))
            .map(|d| d["parent"]["database_id"].clone());
        let page = page_object(
            n,
            minute,
            json!({"type": "data_source_id", "data_source_id": id(ds), "database_id": db}),
        );
        self.ws().pages.insert(id(n), page);
        self
    }

    /// Replaces a page's properties.
    pub(crate) fn properties(&self, n: u128, properties: Value) -> &Self {
        if let Some(p) = self.ws().pages.get_mut(&id(n)) {
            p["properties"] = properties;
        }
        self
    }

    /// The items (and the list summary) of `GET /v1/pages/{n}/properties/{property}`.
    pub(crate) fn property_items(
        &self,
        n: u128,
        property: &str,
        items: Vec<Value>,
        summary: Option<Value>,
    ) -> &Self {
        self.ws()
            .properties
            .insert((id(n), property.to_owned()), (items, summary));
        self
    }

    /// A block of `kind` under `parent` (a page or a block), appended to its children.
    pub(crate) fn block(&self, n: u128, parent: u128, kind: &str, has_children: bool) -> &Self {
        let mut block = json!({"object": "block", "id": id(n), "type": kind,
                               "has_children": has_children, "last_edited_time": at(0),
                               "parent": {"type": "block_id", "block_id": id(parent)}});
        block[kind] = match kind {
            "paragraph" | "toggle" | "quote" | "bulleted_list_item" | "heading_1" => {
                json!({"rich_text": text(&format!("block {n}")), "color": "default"})
            }
            "child_page" | "child_database" => json!({"title": format!("page {n}")}),
            "synced_block" => json!({"synced_from": null}),
            _ => json!({}),
        };
        self.raw_block(parent, block)
    }

    /// A block given as JSON, appended to `parent`'s children.
    pub(crate) fn raw_block(&self, parent: u128, block: Value) -> &Self {
        self.ws()
            .children
            .entry(id(parent))
            .or_default()
            .push(block);
        self
    }

    /// A comment on a page or block.
    pub(crate) fn comment(&self, n: u128, on: u128) -> &Self {
        let comment = json!({"object": "comment", "id": id(n), "last_edited_time": at(0),
                             "parent": {"type": "block_id", "block_id": id(on)},
                             "rich_text": text(&format!("comment {n}"))});
        self.raw_comment(on, comment)
    }

    /// A comment given as JSON, listed for `on`.
    pub(crate) fn raw_comment(&self, on: u128, comment: Value) -> &Self {
        self.ws().comments.entry(id(on)).or_default().push(comment);
        self
    }

    /// Answers requests about object `n` (and its listings) with `status`.
    pub(crate) fn fail(&self, n: u128, status: u16) -> &Self {
        self.ws().errors.insert(id(n), status);
        self
    }

    /// The answer of `GET /v1/pages/{n}/markdown`.
    pub(crate) fn markdown(&self, n: u128, markdown: &str, unknown: &[u128]) -> &Self {
        self.ws().markdown.insert(
            id(n),
            json!({"object": "page_markdown", "id": id(n), "markdown": markdown,
                   "truncated": !unknown.is_empty(),
                   "unknown_block_ids": unknown.iter().map(|u| id(*u)).collect::<Vec<_>>()}),
        );
        self
    }

    /// Answers every comments listing with `status`.
    pub(crate) fn fail_comments(&self, status: u16) -> &Self {
        self.ws().comments_error = Some(status);
        self
    }

    /// Answers the users listing with `status`.
    pub(crate) fn fail_users(&self, status: u16) -> &Self {
        self.ws().users_error = Some(status);
        self
    }

    /// Deletes a page for good: gone from every listing, 404 when retrieved.
    pub(crate) fn delete(&self, n: u128) -> &Self {
        let mut ws = self.ws();
        ws.pages.remove(&id(n));
        ws.errors.insert(id(n), 404);
        drop(ws);
        self
    }

    /// Keeps a page out of search results (search is not a complete index).
    pub(crate) fn hide(&self, n: u128) -> &Self {
        self.ws().hidden.insert(id(n));
        self
    }

    /// Moves a page to the trash.
    pub(crate) fn trash(&self, n: u128) -> &Self {
        let mut ws = self.ws();
        ws.trash.insert(id(n));
        if let Some(p) = ws.pages.get_mut(&id(n)) {
            p["in_trash"] = json!(true);
        }
        drop(ws);
        self
    }

    fn error_for(&self, object: Id) -> Option<Error> {
        self.ws().errors.get(&object).map(|s| http_error(*s))
    }

    fn paged(&self, items: Vec<Value>, incomplete: bool) -> BoxStream<'static, Result<ListPage>> {
        let size = self.page_size.max(1);
        let chunks: Vec<Vec<Value>> = if items.is_empty() {
            vec![Vec::new()]
        } else {
            items.chunks(size).map(<[Value]>::to_vec).collect()
        };
        let last = chunks.len() - 1;
        stream::iter(chunks.into_iter().enumerate().map(move |(i, chunk)| {
            Ok(ListPage {
                results: chunk.iter().map(raw).collect(),
                incomplete: incomplete && i == last,
                summary: None,
            })
        }))
        .boxed()
    }
}

/// A rich-text array of one plain text run, as Notion writes it.
pub(crate) fn text(content: &str) -> Value {
    json!([{"type": "text", "text": {"content": content, "link": null}, "plain_text": content,
            "href": null,
            "annotations": {"bold": false, "italic": false, "strikethrough": false,
                            "underline": false, "code": false, "color": "default"}}])
}

fn page_object(n: u128, minute: u32, parent: Value) -> Value {
    json!({"object": "page", "id": id(n), "last_edited_time": at(minute), "parent": parent,
           "created_time": at(0), "in_trash": false, "url": format!("https://app.notion.com/p/{n}"),
           "properties": {"Name": {"id": "title", "type": "title",
                                   "title": text(&format!("page {n}"))}}})
}

fn raw(v: &Value) -> Box<RawValue> {
    RawValue::from_string(v.to_string())
        .unwrap_or_else(|_| RawValue::from_string("null".into()).unwrap_or_else(|_| unreachable!()))
}

/// The error Notion answers with `status`.
pub(crate) fn http_error(status: u16) -> Error {
    let code = match status {
        403 => "restricted_resource",
        404 => "object_not_found",
        429 => "rate_limited",
        _ => "internal_server_error",
    };
    let body = json!({"object": "error", "status": status, "code": code, "message": "test"});
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Error::Http(notion_http::Error::from_api(
        notion_http::ApiError::from_parts(status, &HeaderMap::new(), body.to_string().as_bytes()),
    ))
}

fn edited(v: &Value) -> Option<DateTime<Utc>> {
    v["last_edited_time"].as_str().and_then(parse_time)
}

/// Whether a page matches a query filter (timestamp conditions on `last_edited_time`, `and`).
fn matches(filter: &Filter, page: &Value) -> bool {
    match filter {
        Filter::Timestamp(Timestamp::LastEditedTime, condition) => {
            let Some(t) = edited(page) else { return false };
            let bound = |v: &str| parse_time(v);
            match condition {
                DateCondition::OnOrAfter(v) => bound(v).is_some_and(|b| t >= b),
                DateCondition::OnOrBefore(v) => bound(v).is_some_and(|b| t <= b),
                DateCondition::Before(v) => bound(v).is_some_and(|b| t < b),
                DateCondition::After(v) => bound(v).is_some_and(|b| t > b),
                DateCondition::Equals(v) => bound(v).is_some_and(|b| t == b),
                _ => false,
            }
        }
        Filter::And(all) => all.iter().all(|f| matches(f, page)),
        Filter::Or(any) => any.iter().any(|f| matches(f, page)),
        _ => false,
    }
}

fn describe_filter(filter: &Option<Filter>) -> String {
    let Some(filter) = filter else {
        return String::new();
    };
    let one = |f: &Filter| match f {
        Filter::Timestamp(_, DateCondition::OnOrAfter(v)) => format!(" >={v}"),
        Filter::Timestamp(_, DateCondition::OnOrBefore(v)) => format!(" <={v}"),
        other => format!(" {other:?}"),
    };
    match filter {
        Filter::And(all) => all.iter().map(one).collect(),
        f => one(f),
    }
}

fn sort_newest_first(items: &mut [Value]) {
    items.sort_by(|a, b| {
        edited(b)
            .cmp(&edited(a))
            .then_with(|| a["id"].as_str().cmp(&b["id"].as_str()))
    });
}

impl NotionApi for MemoryApi {
    fn me(&self) -> BoxFuture<'_, Result<Box<RawValue>>> {
        self.note("me".into());
        async move { Ok(raw(&json!({"object": "user", "id": id(1), "type": "bot"}))) }.boxed()
    }

    fn retrieve(&self, object: Object) -> BoxFuture<'_, Result<Box<RawValue>>> {
        let (name, oid) = match object {
            Object::Database(i) => ("database", i),
            Object::DataSource(i) => ("data_source", i),
            Object::Page(i) => ("page", i),
            Object::PageMarkdown(i) => ("markdown", i),
            Object::Block(i) => ("block", i),
        };
        self.note(format!("{name} {}", short(oid)));
        let result = match self.error_for(oid) {
            Some(e) => Err(e),
            None => {
                let ws = self.ws();
                let found = match object {
                    Object::Database(i) => ws.databases.get(&i),
                    Object::DataSource(i) => ws.data_sources.get(&i),
                    Object::Page(i) => ws.pages.get(&i),
                    Object::PageMarkdown(i) => ws.markdown.get(&i),
                    Object::Block(i) => ws
                        .children
                        .values()
                        .flatten()
                        .find(|b| b["id"].as_str() == Some(i.to_string().as_str())),
                };
                found.map(raw).ok_or_else(|| http_error(404))
            }
        };
        async move { result }.boxed()
    }

    fn list(&self, request: ListRequest) -> BoxStream<'static, Result<ListPage>> {
        let fail = |e: Error| stream::iter([Err(e)]).boxed();
        match request {
            ListRequest::Users => {
                self.note("users".into());
                let ws = self.ws();
                if let Some(status) = ws.users_error {
                    return fail(http_error(status));
                }
                let users = ws.users.clone();
                drop(ws);
                self.paged(users, false)
            }
            ListRequest::Search(search) => {
                let what = match (search.in_trash, search.object) {
                    (true, _) => "trash",
                    (false, Some(ObjectKind::Page)) => "pages",
                    (false, Some(ObjectKind::DataSource)) => "data_sources",
                    (false, _) => "all",
                };
                self.note(format!("search {what}"));
                let ws = self.ws();
                let mut items: Vec<Value> = Vec::new();
                if search.in_trash {
                    items.extend(
                        ws.pages
                            .iter()
                            .filter(|(k, _)| ws.trash.contains(k))
                            .map(|(_, p)| p.clone()),
                    );
                } else {
                    if search.object != Some(ObjectKind::DataSource) {
                        items.extend(
                            ws.pages
                                .iter()
                                .filter(|(k, _)| !ws.hidden.contains(k) && !ws.trash.contains(k))
                                .map(|(_, p)| p.clone()),
                        );
                    }
                    if search.object != Some(ObjectKind::Page) {
                        items.extend(ws.data_sources.values().cloned());
                    }
                }
                drop(ws);
                if search.sort == Some(Direction::Descending) {
                    sort_newest_first(&mut items);
                }
                self.paged(items, false)
            }
            ListRequest::QueryDataSource { data_source, query } => {
                self.note(format!(
                    "query {}{}",
                    short(data_source),
                    describe_filter(&query.filter)
                ));
                if let Some(e) = self.error_for(data_source) {
                    return fail(e);
                }
                let ws = self.ws();
                let mut rows: Vec<Value> = ws
                    .pages
                    .iter()
                    .filter(|(k, p)| {
                        !ws.trash.contains(k)
                            && p["parent"]["data_source_id"] == json!(data_source)
                            && query.filter.as_ref().is_none_or(|f| matches(f, p))
                    })
                    .map(|(_, p)| p.clone())
                    .collect();
                drop(ws);
                if query.sorts.first() == Some(&Sort::last_edited(Direction::Descending)) {
                    sort_newest_first(&mut rows);
                }
                let incomplete = rows.len() > self.query_cap;
                rows.truncate(self.query_cap);
                self.paged(rows, incomplete)
            }
            ListRequest::BlockChildren { block } => {
                self.note(format!("children {}", short(block)));
                if let Some(e) = self.error_for(block) {
                    return fail(e);
                }
                let items = self.ws().children.get(&block).cloned().unwrap_or_default();
                self.paged(items, false)
            }
            ListRequest::Comments { block } => {
                self.note(format!("comments {}", short(block)));
                if let Some(status) = self.ws().comments_error {
                    return fail(http_error(status));
                }
                if let Some(e) = self.error_for(block) {
                    return fail(e);
                }
                let items = self.ws().comments.get(&block).cloned().unwrap_or_default();
                self.paged(items, false)
            }
            ListRequest::PageProperty { page, property } => {
                self.note(format!("property {} {property}", short(page)));
                let Some((items, summary)) = self.ws().properties.get(&(page, property)).cloned()
                else {
                    return fail(http_error(404));
                };
                // Every page but the last carries an `incomplete` summary, as Notion sends it.
                let size = self.page_size.max(1);
                let chunks: Vec<Vec<Value>> = if items.is_empty() {
                    vec![Vec::new()]
                } else {
                    items.chunks(size).map(<[Value]>::to_vec).collect()
                };
                let last = chunks.len() - 1;
                let incomplete =
                    json!({"type": "rollup", "rollup": {"type": "incomplete", "incomplete": {}}});
                let pages: Vec<Result<ListPage>> = chunks
                    .into_iter()
                    .enumerate()
                    .map(|(i, chunk)| {
                        Ok(ListPage {
                            results: chunk.iter().map(raw).collect(),
                            incomplete: false,
                            summary: if i == last {
                                summary.as_ref().map(raw)
                            } else {
                                Some(raw(&incomplete))
                            },
                        })
                    })
                    .collect();
                stream::iter(pages).boxed()
            }
            _ => fail(http_error(400)),
        }
    }

    fn server_time(&self) -> Option<DateTime<Utc>> {
        self.now
    }

    fn stats(&self) -> HttpStats {
        HttpStats {
            requests: super::lock(&self.log).len() as u64,
            ..HttpStats::default()
        }
    }
}

/// A test id as the number it was made from (`id(12)` → `12`).
pub(crate) fn short(i: Id) -> String {
    let digits = i.to_string().replace('-', "");
    u128::from_str_radix(&digits, 16).map_or(digits, |n| n.to_string())
}
