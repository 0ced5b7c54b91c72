//! A small hostile Notion server for tests (hyper, 127.0.0.1 only).
//!
//! It serves a tiny, fixed workspace — 3 users, a database with one data source of 3 rows (one
//! with a relation Notion cut short, so the page-property endpoint is read), 4 standalone pages
//! with 9 blocks, 2 comments — paginated honestly by `page_size` with opaque cursors. Rules make
//! it misbehave on one endpoint from its n-th request on: any status, headers and body; huge,
//! endless, dribbled or cut-off bodies; slow headers; a gzip bomb; cursor loops; records with
//! broken ids. [`Hostile::heal`] turns every rule off (to resume a read against a sane server).

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http::{Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The bearer token the server expects.
pub const TOKEN: &str = "ntn_HostileServerSecret_3d9a61c04e";

type Body = BoxBody<Bytes, std::io::Error>;

/// An endpoint of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ep {
    Me,
    Users,
    Search,
    Database,
    DataSource,
    Query,
    Page,
    PageProperty,
    BlockChildren,
    Comments,
    Other,
}

impl Ep {
    /// The paginated endpoints.
    pub const PAGINATED: [Ep; 6] = [
        Ep::Users,
        Ep::Search,
        Ep::Query,
        Ep::BlockChildren,
        Ep::Comments,
        Ep::PageProperty,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Ep::Me => "me",
            Ep::Users => "users",
            Ep::Search => "search",
            Ep::Database => "database",
            Ep::DataSource => "data-source",
            Ep::Query => "query",
            Ep::Page => "page",
            Ep::PageProperty => "page-property",
            Ep::BlockChildren => "block-children",
            Ep::Comments => "comments",
            Ep::Other => "other",
        }
    }

    /// Words of which an error about this endpoint names at least one.
    pub fn words(self) -> &'static [&'static str] {
        match self {
            Ep::Me => &["users/me", "bot user", "me"],
            Ep::Users => &["/v1/users", "users"],
            Ep::Search => &["search"],
            Ep::Database => &["database"],
            Ep::DataSource => &["data source", "data_source"],
            Ep::Query => &["query", "data source", "data_source"],
            Ep::Page => &["page"],
            Ep::PageProperty => &["propert"],
            Ep::BlockChildren => &["children", "block"],
            Ep::Comments => &["comment"],
            Ep::Other => &[],
        }
    }
}

/// A cursor misbehaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loop {
    /// Every page answers `has_more: true` with the same `next_cursor`.
    SameCursor,
    /// The cursors cycle: first page → A → B → A → …
    Cycle,
    /// Every page has a new cursor and the same items.
    FreshCursors,
    /// `has_more: true` without a `next_cursor`.
    HasMoreWithoutCursor,
}

impl Loop {
    pub const ALL: [Loop; 4] = [
        Loop::SameCursor,
        Loop::Cycle,
        Loop::FreshCursors,
        Loop::HasMoreWithoutCursor,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Loop::SameCursor => "same-cursor",
            Loop::Cycle => "cursor-cycle",
            Loop::FreshCursors => "fresh-cursors-same-items",
            Loop::HasMoreWithoutCursor => "has-more-without-cursor",
        }
    }
}

/// How a record's id is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadId {
    Missing,
    Null,
    Number,
    /// An object nested this deep.
    Nested(usize),
}

/// A misbehaviour.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Any status, headers and body.
    Raw {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Bytes,
    },
    /// `Content-Length` of this many bytes of a JSON-looking prefix and spaces.
    Huge(u64),
    /// A chunked body that never ends.
    Endless,
    /// A gzip body inflating to 256 MiB, sent with `Content-Encoding: gzip`.
    GzipBomb,
    /// The normal answer, after this delay.
    SlowHeaders(Duration),
    /// The normal answer's headers at once, then its body 16 bytes per delay.
    SlowBody(Duration),
    /// The normal answer's headers (full `Content-Length`), half its body, then the connection
    /// is cut.
    ResetMidBody,
    /// The connection is closed without an answer.
    ResetBeforeAnswer,
    /// The normal list with its pagination broken.
    Loop(Loop),
    /// The normal list with the id of its `index`-th item broken.
    BadId(BadId, usize),
}

/// A rule: `reply` for requests `from..from+times` (1-based) of `ep`.
#[derive(Debug, Clone)]
pub struct Rule {
    pub ep: Ep,
    pub from: u32,
    /// How many requests it applies to (`None`: all from `from` on).
    pub times: Option<u32>,
    pub reply: Reply,
}

impl Rule {
    /// `reply` for every request of `ep`.
    pub fn always(ep: Ep, reply: Reply) -> Rule {
        Rule {
            ep,
            from: 1,
            times: None,
            reply,
        }
    }
}

struct State {
    ws: Workspace,
    rules: Vec<Rule>,
    healed: AtomicBool,
    counts: Mutex<HashMap<Ep, u32>>,
    fresh: AtomicU32,
    /// A request asked for a compressed answer (`Accept-Encoding`).
    asked_compression: AtomicBool,
}

/// A running hostile server. Dropping it stops it.
pub struct Hostile {
    pub addr: SocketAddr,
    state: Arc<State>,
    stop: watch::Sender<bool>,
}

impl Hostile {
    /// Starts a server with `rules` on the current runtime.
    pub async fn start(rules: Vec<Rule>) -> Hostile {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(State {
            ws: Workspace::new(),
            rules,
            healed: AtomicBool::new(false),
            counts: Mutex::new(HashMap::new()),
            fresh: AtomicU32::new(0),
            asked_compression: AtomicBool::new(false),
        });
        let (stop, rx) = watch::channel(false);
        let st = state.clone();
        tokio::spawn(async move {
            let mut stop_rx = rx.clone();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let st = st.clone();
                        let mut conn_stop = rx.clone();
                        tokio::spawn(async move {
                            let svc = service_fn(move |req| handle(st.clone(), req));
                            let conn = hyper::server::conn::http1::Builder::new()
                                .keep_alive(true)
                                .serve_connection(TokioIo::new(stream), svc);
                            tokio::pin!(conn);
                            tokio::select! {
                                _ = conn.as_mut() => {}
                                _ = conn_stop.wait_for(|s| *s) => {}
                            }
                        });
                    }
                    _ = stop_rx.wait_for(|s| *s) => break,
                }
            }
        });
        Hostile { addr, state, stop }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Turns every rule off.
    pub fn heal(&self) {
        self.state.healed.store(true, Ordering::SeqCst);
    }

    /// Requests received by `ep`.
    pub fn count(&self, ep: Ep) -> u32 {
        self.state
            .counts
            .lock()
            .unwrap()
            .get(&ep)
            .copied()
            .unwrap_or(0)
    }

    /// Whether any request asked for a compressed answer.
    pub fn asked_compression(&self) -> bool {
        self.state.asked_compression.load(Ordering::SeqCst)
    }

    /// The ids of every object of each stream a complete read emits.
    pub fn expected(&self) -> BTreeMap<&'static str, Vec<String>> {
        self.state.ws.expected()
    }

    /// The users a read has emitted before the `n`-th request to the users endpoint.
    pub fn users_before_page(&self, n: u32, page_size: usize) -> Vec<String> {
        self.state
            .ws
            .users
            .iter()
            .take((n.saturating_sub(1)) as usize * page_size)
            .map(|u| u["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// A listener that counts connections and answers none (a redirect target that must never be
/// reached).
pub struct Trap {
    pub addr: SocketAddr,
    pub connections: Arc<AtomicU32>,
    stop: watch::Sender<bool>,
}

impl Trap {
    pub async fn start() -> Trap {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let connections = Arc::new(AtomicU32::new(0));
        let (stop, mut rx) = watch::channel(false);
        let c = connections.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        if accepted.is_ok() {
                            c.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    _ = rx.wait_for(|s| *s) => break,
                }
            }
        });
        Trap {
            addr,
            connections,
            stop,
        }
    }
}

impl Drop for Trap {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

// ---------------------------------------------------------------------------------------------
// The workspace.

fn id(kind: u32, n: u32) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

fn time(day: u32, hour: u32) -> String {
    format!("2025-01-{day:02}T{hour:02}:00:00.000Z")
}

fn text(s: &str) -> Value {
    json!([{
        "type": "text", "text": {"content": s, "link": null},
        "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"},
        "plain_text": s, "href": null
    }])
}

struct Workspace {
    me: Value,
    users: Vec<Value>,
    database: Value,
    data_source: Value,
    pages: Vec<Value>,
    rows: Vec<Value>,
    /// Block children by parent id.
    children: BTreeMap<String, Vec<Value>>,
    /// Comments by block id.
    comments: BTreeMap<String, Vec<Value>>,
    /// Property items of the cut relation (row 1, property `rel1`).
    relation_items: Vec<Value>,
}

const DB: u32 = 0xdb;
const DS: u32 = 0xd5;

impl Workspace {
    fn new() -> Workspace {
        let user = |n: u32| json!({"object": "user", "id": id(1, n)});
        let users: Vec<Value> = (1..=3)
            .map(|n| json!({"object": "user", "id": id(1, n), "type": "person", "name": format!("Person {n}"), "avatar_url": null, "person": {"email": format!("p{n}@example.com")}}))
            .collect();
        let me = json!({"object": "user", "id": id(1, 99), "type": "bot", "name": "Hostile bot", "avatar_url": null, "bot": {"owner": {"type": "workspace", "workspace": true}, "workspace_name": "Hostile"}});
        let db_id = id(3, DB);
        let ds_id = id(3, DS);
        let database = json!({
            "object": "database", "id": db_id, "title": text("Tasks"), "description": [],
            "parent": {"type": "workspace", "workspace": true}, "is_inline": false, "in_trash": false,
            "created_time": time(1, 9), "last_edited_time": "2025-01-05T12:00:00.000+00:00",
            "created_by": user(1), "last_edited_by": user(1), "icon": null, "cover": null,
            "data_sources": [{"id": ds_id, "name": "Tasks"}], "url": "https://www.notion.so/tasks",
        });
        let data_source = json!({
            "object": "data_source", "id": ds_id, "title": text("Tasks"), "description": [],
            "parent": {"type": "database_id", "database_id": db_id},
            "database_parent": {"type": "workspace", "workspace": true},
            "in_trash": false, "created_time": time(1, 9), "last_edited_time": "2025-01-05T12:00:00.000+00:00",
            "created_by": user(1), "last_edited_by": user(1), "icon": null, "cover": null,
            "properties": {
                "Name": {"id": "title", "name": "Name", "description": null, "type": "title", "title": {}},
                "Related": {"id": "rel1", "name": "Related", "description": null, "type": "relation", "relation": {"data_source_id": ds_id, "type": "single_property", "single_property": {}}}
            },
            "url": "https://www.notion.so/tasks",
        });
        let title = |s: &str| json!({"id": "title", "type": "title", "title": text(s)});
        let pages: Vec<Value> = (1..=4)
            .map(|n| json!({
                "object": "page", "id": id(2, n), "created_time": time(1, 9), "last_edited_time": time(10 - n, 10),
                "created_by": user(1), "last_edited_by": user(2), "cover": null, "icon": null,
                "parent": {"type": "workspace", "workspace": true}, "in_trash": false, "is_locked": false,
                "properties": {"title": title(&format!("Page {n}"))}, "url": format!("https://www.notion.so/p{n}"),
                "public_url": null,
            }))
            .collect();
        let rows: Vec<Value> = (1..=3)
            .map(|n| {
                let mut props = json!({"Name": {"id": "title", "type": "title", "title": text(&format!("Row {n}"))}});
                if n == 1 {
                    props["Related"] = json!({"id": "rel1", "type": "relation", "relation": [{"id": id(6, 2)}], "has_more": true});
                }
                json!({
                    "object": "page", "id": id(6, n), "created_time": time(1, 9), "last_edited_time": time(5 - n, 10),
                    "created_by": user(1), "last_edited_by": user(1), "cover": null, "icon": null,
                    "parent": {"type": "data_source_id", "data_source_id": ds_id, "database_id": db_id},
                    "in_trash": false, "is_locked": false, "properties": props,
                    "url": format!("https://www.notion.so/r{n}"), "public_url": null,
                })
            })
            .collect();
        let block = |parent: &str, parent_type: &str, n: u32, ts: &str, has_children: bool| {
            json!({
                "object": "block", "id": id(4, n), "parent": {"type": parent_type, parent_type: parent},
                "created_time": time(1, 9), "last_edited_time": ts, "created_by": user(1), "last_edited_by": user(1),
                "has_children": has_children, "in_trash": false, "archived": false, "type": "paragraph",
                "paragraph": {"rich_text": text(&format!("Block {n}")), "color": "default"},
            })
        };
        let mut children = BTreeMap::new();
        for (k, p) in pages.iter().enumerate() {
            let pid = p["id"].as_str().unwrap_or_default().to_owned();
            let ts = p["last_edited_time"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let k = k as u32 + 1;
            let first = block(&pid, "page_id", k * 100 + 1, &ts, k == 1);
            if k == 1 {
                let b = first["id"].as_str().unwrap_or_default().to_owned();
                children.insert(b.clone(), vec![block(&b, "block_id", 111, &ts, false)]);
            }
            children.insert(
                pid.clone(),
                vec![first, block(&pid, "page_id", k * 100 + 2, &ts, false)],
            );
        }
        let p1 = id(2, 1);
        let comment = |n: u32| {
            json!({
                "object": "comment", "id": id(5, n), "parent": {"type": "page_id", "page_id": p1},
                "discussion_id": id(7, 1), "created_time": time(9, 11), "last_edited_time": time(9, 11),
                "created_by": user(1), "rich_text": text(&format!("Comment {n}")), "display_name": {"type": "user", "resolved_name": "Person 1"},
            })
        };
        let mut comments = BTreeMap::new();
        comments.insert(p1.clone(), vec![comment(1), comment(2)]);
        let relation_items = [id(6, 2), id(6, 3), id(2, 1)]
            .iter()
            .map(|r| json!({"object": "property_item", "id": "rel1", "type": "relation", "relation": {"id": r}}))
            .collect();
        Workspace {
            me,
            users,
            database,
            data_source,
            pages,
            rows,
            children,
            comments,
            relation_items,
        }
    }

    fn expected(&self) -> BTreeMap<&'static str, Vec<String>> {
        let ids = |v: &[Value]| -> Vec<String> {
            v.iter()
                .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        let mut m = BTreeMap::new();
        m.insert("users", ids(&self.users));
        m.insert("databases", ids(std::slice::from_ref(&self.database)));
        m.insert("data_sources", ids(std::slice::from_ref(&self.data_source)));
        m.insert(
            "pages",
            ids(&self.pages)
                .into_iter()
                .chain(ids(&self.rows))
                .collect(),
        );
        m.insert(
            "blocks",
            self.children.values().flat_map(|v| ids(v)).collect(),
        );
        m.insert(
            "comments",
            self.comments.values().flat_map(|v| ids(v)).collect(),
        );
        for v in m.values_mut() {
            v.sort();
        }
        m
    }
}

// ---------------------------------------------------------------------------------------------
// Serving.

struct Req {
    ep: Ep,
    /// The path's object id (`/v1/blocks/{id}/children`, …), or the comments' `block_id`.
    target: String,
    page_size: usize,
    cursor: Option<String>,
    body: Value,
}

fn parse(method: &http::Method, uri: &http::Uri, body: &[u8]) -> Req {
    let path = uri.path();
    let query: BTreeMap<String, String> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (ep, target) = match (method.as_str(), parts.as_slice()) {
        ("GET", ["v1", "users", "me"]) => (Ep::Me, String::new()),
        ("GET", ["v1", "users"]) => (Ep::Users, String::new()),
        ("POST", ["v1", "search"]) => (Ep::Search, String::new()),
        ("GET", ["v1", "databases", id]) => (Ep::Database, (*id).to_owned()),
        ("GET", ["v1", "data_sources", id]) => (Ep::DataSource, (*id).to_owned()),
        ("POST", ["v1", "data_sources", id, "query"]) => (Ep::Query, (*id).to_owned()),
        ("GET", ["v1", "pages", id]) => (Ep::Page, (*id).to_owned()),
        ("GET", ["v1", "pages", id, "properties", _]) => (Ep::PageProperty, (*id).to_owned()),
        ("GET", ["v1", "blocks", id, "children"]) => (Ep::BlockChildren, (*id).to_owned()),
        ("GET", ["v1", "comments"]) => (
            Ep::Comments,
            query.get("block_id").cloned().unwrap_or_default(),
        ),
        _ => (Ep::Other, String::new()),
    };
    let page_size = query
        .get("page_size")
        .and_then(|s| s.parse().ok())
        .or_else(|| body["page_size"].as_u64().map(|n| n as usize))
        .unwrap_or(100)
        .clamp(1, 100);
    let cursor = query
        .get("start_cursor")
        .cloned()
        .or_else(|| body["start_cursor"].as_str().map(str::to_owned));
    Req {
        ep,
        target,
        page_size,
        cursor,
        body,
    }
}

fn json_response(status: u16, value: &Value) -> Response<Body> {
    raw(
        status,
        vec![("content-type", "application/json".to_owned())],
        Bytes::from(value.to_string()),
    )
}

fn raw(status: u16, headers: Vec<(&'static str, String)>, body: Bytes) -> Response<Body> {
    let mut b = Response::builder().status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    for (k, v) in headers {
        b = b.header(k, v);
    }
    b.body(Full::new(body).map_err(|never| match never {}).boxed())
        .expect("response")
}

fn error(status: u16, code: &str, message: &str) -> Response<Body> {
    json_response(
        status,
        &json!({"object": "error", "status": status, "code": code, "message": message, "request_id": "hostile"}),
    )
}

fn list(items: &[Value], next: Option<String>, has_more: bool, kind: &str) -> Value {
    json!({
        "object": "list", "results": items, "next_cursor": next, "has_more": has_more,
        "type": kind, kind: {}, "request_id": "hostile",
    })
}

impl State {
    /// The whole list an endpoint answers for this request, and its list type.
    fn items(&self, r: &Req) -> Option<(Vec<Value>, &'static str)> {
        let ws = &self.ws;
        match r.ep {
            Ep::Users => Some((ws.users.clone(), "user")),
            Ep::Search => {
                if r.body["filter"]["in_trash"] == true {
                    return Some((Vec::new(), "page_or_data_source"));
                }
                let only = r.body["filter"]["value"].as_str();
                let mut v = Vec::new();
                if only != Some("data_source") {
                    v.extend(ws.pages.iter().cloned());
                }
                if only != Some("page") {
                    v.push(ws.data_source.clone());
                }
                Some((v, "page_or_data_source"))
            }
            Ep::Query if r.target == id(3, DS) => Some((ws.rows.clone(), "page_or_data_source")),
            Ep::BlockChildren => Some((
                ws.children.get(&r.target).cloned().unwrap_or_default(),
                "block",
            )),
            Ep::Comments => Some((
                ws.comments.get(&r.target).cloned().unwrap_or_default(),
                "comment",
            )),
            Ep::PageProperty if r.target == id(6, 1) => {
                Some((ws.relation_items.clone(), "property_item"))
            }
            _ => None,
        }
    }

    /// The honest answer.
    fn normal(&self, r: &Req) -> Response<Body> {
        match r.ep {
            Ep::Me => return json_response(200, &self.ws.me),
            Ep::Database if r.target == id(3, DB) => {
                return json_response(200, &self.ws.database);
            }
            Ep::DataSource if r.target == id(3, DS) => {
                return json_response(200, &self.ws.data_source);
            }
            _ => {}
        }
        match self.items(r) {
            Some((items, kind)) => {
                let offset: usize = r
                    .cursor
                    .as_deref()
                    .and_then(|c| c.strip_prefix('c'))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let end = (offset + r.page_size).min(items.len());
                let page = &items[offset.min(end)..end];
                let more = end < items.len();
                let mut l = list(page, more.then(|| format!("c{end}")), more, kind);
                if kind == "property_item" {
                    l["property_item"] =
                        json!({"id": "rel1", "next_url": null, "type": "relation", "relation": {}});
                }
                json_response(200, &l)
            }
            None => error(404, "object_not_found", "Could not find the object."),
        }
    }

    /// A list answer with broken pagination.
    fn looped(&self, r: &Req, kind: Loop) -> Response<Body> {
        let Some((items, list_type)) = self.items(r) else {
            return self.normal(r);
        };
        let half = items.len().div_ceil(2).max(1);
        let first: Vec<Value> = items.iter().take(half).cloned().collect();
        let second: Vec<Value> = items.iter().skip(half).cloned().collect();
        let (page, next, more) = match kind {
            Loop::SameCursor => (first, Some("same".to_owned()), true),
            Loop::Cycle => match r.cursor.as_deref() {
                Some("A") => (second, Some("B".to_owned()), true),
                _ => (first, Some("A".to_owned()), true),
            },
            Loop::FreshCursors => {
                let n = self.fresh.fetch_add(1, Ordering::Relaxed);
                (first, Some(format!("fresh-{n}")), true)
            }
            Loop::HasMoreWithoutCursor => (first, None, true),
        };
        json_response(200, &list(&page, next, more, list_type))
    }

    fn bad_id(&self, r: &Req, bad: BadId, index: usize) -> Response<Body> {
        let Some((mut items, list_type)) = self.items(r) else {
            return self.normal(r);
        };
        if let Some(item) = items.get_mut(index).and_then(Value::as_object_mut) {
            match bad {
                BadId::Missing => {
                    item.remove("id");
                }
                BadId::Null => {
                    item.insert("id".into(), Value::Null);
                }
                BadId::Number => {
                    item.insert("id".into(), json!(12345));
                }
                BadId::Nested(_) => {
                    item.insert("id".into(), json!("NESTED"));
                }
            }
        }
        // Every item on one page, so the broken one is read.
        let body = list(&items, None, false, list_type).to_string();
        let body = match bad {
            BadId::Nested(depth) => body.replacen(
                "\"NESTED\"",
                &format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
                1,
            ),
            _ => body,
        };
        raw(
            200,
            vec![("content-type", "application/json".to_owned())],
            Bytes::from(body),
        )
    }
}

fn stream_body(
    s: impl futures::Stream<Item = Result<Frame<Bytes>, std::io::Error>> + Send + Sync + 'static,
) -> Body {
    BodyExt::boxed(StreamBody::new(s))
}

async fn handle(st: Arc<State>, req: Request<Incoming>) -> Result<Response<Body>, std::io::Error> {
    let (parts, incoming) = req.into_parts();
    let body = incoming
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let r = parse(&parts.method, &parts.uri, &body);
    let auth = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let encodings = parts
        .headers
        .get_all("accept-encoding")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    if ["gzip", "deflate", "br", "zstd"]
        .iter()
        .any(|e| encodings.contains(e))
    {
        st.asked_compression.store(true, Ordering::SeqCst);
    }
    let n = {
        let mut counts = st.counts.lock().unwrap();
        let c = counts.entry(r.ep).or_insert(0);
        *c += 1;
        *c
    };
    if auth != format!("Bearer {TOKEN}") {
        return Ok(error(401, "unauthorized", "API token is invalid."));
    }
    let rule = if st.healed.load(Ordering::SeqCst) {
        None
    } else {
        st.rules
            .iter()
            .find(|rule| {
                rule.ep == r.ep && n >= rule.from && rule.times.is_none_or(|t| n < rule.from + t)
            })
            .cloned()
    };
    let Some(rule) = rule else {
        return Ok(st.normal(&r));
    };
    Ok(match rule.reply {
        Reply::Raw {
            status,
            headers,
            body,
        } => raw(status, headers, body),
        Reply::Huge(len) => {
            let prefix = Bytes::from_static(b"{\"object\":\"list\",\"results\":[");
            let mut left = len - prefix.len() as u64;
            let head = futures::stream::once(async move { Ok(Frame::data(prefix)) });
            let spaces = Bytes::from(vec![b' '; 1 << 20]);
            let rest = futures::stream::iter(std::iter::from_fn(move || {
                if left == 0 {
                    return None;
                }
                let n = left.min(spaces.len() as u64);
                left -= n;
                Some(Ok(Frame::data(spaces.slice(..n as usize))))
            }));
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .header("content-length", len.to_string())
                .body(stream_body(head.chain(rest)))
                .expect("response")
        }
        Reply::Endless => {
            let chunk = Bytes::from(vec![b' '; 1 << 16]);
            let s = futures::stream::repeat_with(move || Ok(Frame::data(chunk.clone())));
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(stream_body(s))
                .expect("response")
        }
        Reply::GzipBomb => raw(
            200,
            vec![
                ("content-type", "application/json".to_owned()),
                ("content-encoding", "gzip".to_owned()),
            ],
            gzip_bomb(),
        ),
        Reply::SlowHeaders(d) => {
            tokio::time::sleep(d).await;
            st.normal(&r)
        }
        Reply::SlowBody(d) => {
            let normal = st.normal(&r);
            let (parts, body) = normal.into_parts();
            let bytes = body
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            let len = bytes.len();
            let chunks: Vec<Bytes> = (0..len)
                .step_by(16)
                .map(|i| bytes.slice(i..(i + 16).min(len)))
                .collect();
            let s = futures::stream::iter(chunks).then(move |c| async move {
                tokio::time::sleep(d).await;
                Ok(Frame::data(c))
            });
            let mut resp = Response::from_parts(parts, stream_body(s));
            resp.headers_mut()
                .insert("content-length", len.to_string().parse().expect("header"));
            resp
        }
        Reply::ResetMidBody => {
            let normal = st.normal(&r);
            let (parts, body) = normal.into_parts();
            let bytes = body
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            let len = bytes.len();
            let half = bytes.slice(..len / 2);
            let s =
                futures::stream::iter([Ok(Frame::data(half)), Err(std::io::Error::other("cut"))]);
            let mut resp = Response::from_parts(parts, stream_body(s));
            resp.headers_mut()
                .insert("content-length", len.to_string().parse().expect("header"));
            resp
        }
        Reply::ResetBeforeAnswer => return Err(std::io::Error::other("reset")),
        Reply::Loop(kind) => {
            tokio::time::sleep(Duration::from_millis(5)).await;
            st.looped(&r, kind)
        }
        Reply::BadId(bad, index) => st.bad_id(&r, bad, index),
    })
}

/// A gzip member inflating to 256 MiB of zeros (about 1.7 MB): fixed-Huffman deflate of one
/// literal and back-references of length 258 at distance 1.
pub fn gzip_bomb() -> Bytes {
    static BOMB: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    BOMB.get_or_init(|| {
        const SIZE: u64 = 1 << 28;
        /// CRC-32 of 256 MiB of zeros.
        const CRC: u32 = 0x2a0e_7dbb;
        let mut w = Bits::default();
        w.lsb(1, 1); // BFINAL
        w.lsb(1, 2); // BTYPE = fixed Huffman
        w.msb(0b0011_0000, 8); // literal 0
        let mut left = SIZE - 1;
        while left > 0 {
            let len = left.min(258);
            let len = if left - len > 0 && left - len < 3 {
                len - 3
            } else {
                len
            };
            w.length(len as u32);
            w.msb(0, 5); // distance code 0: distance 1
            left -= len;
        }
        w.msb(0, 7); // end of block
        let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
        out.extend(w.finish());
        out.extend(CRC.to_le_bytes());
        out.extend((SIZE as u32).to_le_bytes());
        Bytes::from(out)
    })
    .clone()
}

#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn bit(&mut self, b: u32) {
        self.acc |= (b & 1) << self.n;
        self.n += 1;
        if self.n == 8 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.n = 0;
        }
    }
    /// A field, least significant bit first.
    fn lsb(&mut self, v: u32, n: u32) {
        for i in 0..n {
            self.bit(v >> i);
        }
    }
    /// A Huffman code, most significant bit first.
    fn msb(&mut self, v: u32, n: u32) {
        for i in (0..n).rev() {
            self.bit(v >> i);
        }
    }
    /// A match length (3..=258) in the fixed code.
    fn length(&mut self, len: u32) {
        const BASE: [u32; 29] = [
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99,
            115, 131, 163, 195, 227, 258,
        ];
        const EXTRA: [u32; 29] = [
            0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
        ];
        let i = BASE.iter().rposition(|b| *b <= len).unwrap_or(0);
        let code = 257 + i as u32;
        if code <= 279 {
            self.msb(code - 256, 7);
        } else {
            self.msb(0b1100_0000 + (code - 280), 8);
        }
        self.lsb(len - BASE[i], EXTRA[i]);
    }
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}
