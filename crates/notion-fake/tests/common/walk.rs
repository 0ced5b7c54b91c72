//! A complete reader of a fake workspace over HTTP: keep-alive connections, bounded
//! concurrency, the minimum number of requests, and (optionally) schema validation of every
//! body it receives.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use notion_fake::{FakeNotion, ReadOptions};
use serde_json::{Value, json};
use tokio::net::TcpStream;

use super::Resp;
use super::schema::validate;

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// A keep-alive client: a pool of HTTP/1.1 connections.
pub struct Client {
    addr: std::net::SocketAddr,
    token: String,
    pool: Mutex<Vec<Sender>>,
}

impl Client {
    pub fn new(fake: &FakeNotion) -> Arc<Client> {
        Client::to(fake.addr(), fake.token())
    }

    /// A client of the server at `addr`.
    pub fn to(addr: std::net::SocketAddr, token: &str) -> Arc<Client> {
        Arc::new(Client {
            addr,
            token: token.to_owned(),
            pool: Mutex::new(Vec::new()),
        })
    }

    async fn connect(&self) -> Sender {
        let stream = TcpStream::connect(self.addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(async move {
            let _ = conn.await;
        });
        sender
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        version: &str,
        body: Option<&Value>,
    ) -> Resp {
        let pooled = self.pool.lock().unwrap().pop();
        let mut sender = match pooled {
            Some(s) if !s.is_closed() => s,
            _ => self.connect().await,
        };
        sender.ready().await.unwrap();
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1")
            .header("authorization", format!("Bearer {}", self.token))
            .header("notion-version", version)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(
                body.map(|b| serde_json::to_vec(b).unwrap())
                    .unwrap_or_default(),
            )))
            .unwrap();
        let resp = sender.send_request(req).await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        self.pool.lock().unwrap().push(sender);
        Resp {
            status,
            headers,
            body,
        }
    }
}

/// How to walk.
#[derive(Debug, Clone, Copy)]
pub struct WalkOptions {
    pub version: &'static str,
    pub read: ReadOptions,
    pub validate: bool,
    /// Keep a copy of every object read (in [`Walked::objects`]).
    pub keep: bool,
    pub concurrency: usize,
}

/// What a walk read.
#[derive(Debug, Default)]
pub struct Walked {
    /// Requests by kind (`users`, `search`, `databases`, `data_sources`, `queries`, `pages`,
    /// `block_children`, `comments`, `property_items`).
    pub requests: BTreeMap<&'static str, u64>,
    pub users: BTreeSet<String>,
    pub databases: BTreeSet<String>,
    pub data_sources: BTreeSet<String>,
    pub pages: BTreeSet<String>,
    /// Block id → (page id, depth).
    pub blocks: BTreeMap<String, (String, u32)>,
    pub comments: BTreeSet<String>,
    /// Relation and people values completed through the property-item endpoint.
    pub completed_values: BTreeMap<(String, String), usize>,
    /// Queries that ended with `request_status` incomplete.
    pub capped_queries: u64,
    /// Every object read, by `object:id` (the first copy seen).
    pub objects: BTreeMap<String, Value>,
    /// Validation failures.
    pub errors: Vec<String>,
}

impl Walked {
    pub fn total(&self) -> u64 {
        self.requests.values().sum()
    }
}

struct Walker {
    client: Arc<Client>,
    o: WalkOptions,
    out: Mutex<Walked>,
    /// Data-source schemas (`properties`) by data-source id.
    schemas: Mutex<BTreeMap<String, Value>>,
}

impl Walker {
    fn count(&self, kind: &'static str) {
        *self.out.lock().unwrap().requests.entry(kind).or_insert(0) += 1;
    }

    fn keep(&self, object: &Value) {
        if !self.o.keep {
            return;
        }
        let id = format!(
            "{}:{}",
            object["object"].as_str().unwrap(),
            object["id"].as_str().unwrap()
        );
        self.out
            .lock()
            .unwrap()
            .objects
            .entry(id)
            .or_insert_with(|| {
                let mut o = object.clone();
                if let Some(m) = o.as_object_mut() {
                    m.remove("request_id");
                }
                o
            });
    }

    /// Remembers a data source's schema (rollups and formulas name the relation they read).
    fn schema(&self, data_source: &Value) {
        if let Some(id) = data_source["id"].as_str() {
            self.schemas
                .lock()
                .unwrap()
                .insert(id.to_owned(), data_source["properties"].clone());
        }
    }

    fn check(&self, spec: &str, body: &Value, what: &str) {
        if self.o.validate
            && let Err(e) = validate(spec, body, self.o.version, what)
        {
            self.out.lock().unwrap().errors.push(e);
        }
    }

    async fn get(&self, kind: &'static str, spec: &str, path: &str) -> Value {
        let r = self
            .client
            .send(Method::GET, path, self.o.version, None)
            .await;
        self.count(kind);
        assert_eq!(
            r.status,
            200,
            "GET {path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let j = r.json();
        self.check(spec, &j, &format!("GET {path}"));
        j
    }

    async fn post(&self, kind: &'static str, spec: &str, path: &str, body: &Value) -> Value {
        let r = self
            .client
            .send(Method::POST, path, self.o.version, Some(body))
            .await;
        self.count(kind);
        assert_eq!(
            r.status,
            200,
            "POST {path} {body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let j = r.json();
        self.check(spec, &j, &format!("POST {path} {body}"));
        j
    }

    /// Every result of a paginated GET.
    async fn get_all(&self, kind: &'static str, spec: &str, path: &str) -> Vec<Value> {
        self.get_all_last(kind, spec, path).await.0
    }

    /// Every result of a paginated GET, and the last page.
    async fn get_all_last(
        &self,
        kind: &'static str,
        spec: &str,
        path: &str,
    ) -> (Vec<Value>, Value) {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        let sep = if path.contains('?') { '&' } else { '?' };
        loop {
            let p = match &cursor {
                Some(c) => format!("{path}{sep}page_size=100&start_cursor={c}"),
                None => format!("{path}{sep}page_size=100"),
            };
            let j = self.get(kind, spec, &p).await;
            out.extend(j["results"].as_array().unwrap().iter().cloned());
            match j["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return (out, j),
            }
        }
    }

    /// Every result of a paginated POST; the last page's body too.
    async fn post_all(
        &self,
        kind: &'static str,
        spec: &str,
        path: &str,
        body: &Value,
    ) -> (Vec<Value>, Value) {
        let mut out = Vec::new();
        let mut b = body.clone();
        b["page_size"] = json!(100);
        loop {
            let j = self.post(kind, spec, path, &b).await;
            out.extend(j["results"].as_array().unwrap().iter().cloned());
            match j["next_cursor"].as_str() {
                Some(c) => b["start_cursor"] = json!(c),
                None => return (out, j),
            }
        }
    }

    /// Every row of a data source, newest first: past the 10,000-row cap, a window query on
    /// `last_edited_time` at or before the oldest row read continues (rows met twice at the
    /// window's edge are kept once).
    async fn rows(&self, ds: &str) -> Vec<Value> {
        let path = format!("/v1/data_sources/{ds}/query");
        let sorts = json!([{"timestamp": "last_edited_time", "direction": "descending"}]);
        let mut body = json!({"sorts": sorts});
        let mut all: Vec<Value> = Vec::new();
        let mut ids = std::collections::HashSet::new();
        loop {
            let (rows, last) = self
                .post_all("queries", "QueryDataSourceResponse", &path, &body)
                .await;
            let capped = last["request_status"]["type"] == "incomplete";
            let oldest = rows.last().map(|r| r["last_edited_time"].clone());
            for r in rows {
                if ids.insert(r["id"].as_str().unwrap().to_owned()) {
                    all.push(r);
                }
            }
            match (capped, oldest) {
                (true, Some(oldest)) => {
                    self.out.lock().unwrap().capped_queries += 1;
                    body = json!({
                        "sorts": sorts,
                        "filter": {"timestamp": "last_edited_time", "last_edited_time": {"on_or_before": oldest}},
                    });
                }
                _ => return all,
            }
        }
    }

    /// Reads a page's property values beyond 25 (relation and people values with `has_more`,
    /// and the rollups and formulas that read such a relation) and keeps the page completed,
    /// then its blocks at every depth and its comments. Returns the child pages and child
    /// databases found.
    async fn page_content(&self, page: &Value) -> (Vec<String>, Vec<String>) {
        let page_id = page["id"].as_str().unwrap().to_owned();
        let mut completed = if self.o.keep {
            page.clone()
        } else {
            Value::Null
        };
        let empty = serde_json::Map::new();
        let props = page["properties"].as_object().unwrap_or(&empty);
        let cut: Vec<&String> = props
            .iter()
            .filter(|(_, p)| p["type"] == "relation" && p["has_more"] == true)
            .map(|(name, _)| name)
            .collect();
        let schema = if cut.is_empty() {
            Value::Null
        } else {
            page["parent"]["data_source_id"]
                .as_str()
                .and_then(|ds| self.schemas.lock().unwrap().get(ds).cloned())
                .unwrap_or(Value::Null)
        };
        for (name, prop) in props {
            let ty = prop["type"].as_str().unwrap_or_default();
            let reads_cut = match ty {
                "rollup" => schema[name]["rollup"]["relation_property_name"]
                    .as_str()
                    .is_some_and(|r| cut.iter().any(|c| *c == r)),
                "formula" => schema[name]["formula"]["expression"]
                    .as_str()
                    .is_some_and(|e| cut.iter().any(|c| e.contains(&format!("prop(\"{c}\")")))),
                _ => false,
            };
            if prop["has_more"] != true && !reads_cut {
                continue;
            }
            let pid = prop["id"].as_str().unwrap();
            let path = format!("/v1/pages/{page_id}/properties/{pid}");
            let mut value = Value::Null;
            match ty {
                "formula" => {
                    let item = self
                        .get("property_items", "GetPagePropertyResponse", &path)
                        .await;
                    value["formula"] = item["formula"].clone();
                }
                _ => {
                    let (items, last) = self
                        .get_all_last("property_items", "GetPagePropertyResponse", &path)
                        .await;
                    if ty == "rollup" {
                        value["rollup"] = last["property_item"]["rollup"].clone();
                    } else {
                        value[ty] = items.iter().map(|i| i[ty].clone()).collect();
                        value["has_more"] = Value::Bool(false);
                        self.out
                            .lock()
                            .unwrap()
                            .completed_values
                            .insert((page_id.clone(), pid.to_owned()), items.len());
                    }
                }
            }
            if self.o.keep {
                for (k, v) in value.as_object().into_iter().flatten() {
                    completed["properties"][name][k] = v.clone();
                }
            }
        }
        if self.o.keep {
            self.keep(&completed);
        }
        if self.o.read.page_comments {
            self.comments(&page_id).await;
        }
        let mut child_pages = Vec::new();
        let mut child_dbs = Vec::new();
        let mut stack = vec![(page_id.clone(), 0u32)];
        while let Some((parent, depth)) = stack.pop() {
            let blocks = self
                .get_all(
                    "block_children",
                    "ListBlockChildrenResponse",
                    &format!("/v1/blocks/{parent}/children"),
                )
                .await;
            for b in blocks.iter().rev() {
                let id = b["id"].as_str().unwrap().to_owned();
                let ty = b["type"].as_str().unwrap();
                self.keep(b);
                {
                    let mut out = self.out.lock().unwrap();
                    let prev = out.blocks.insert(id.clone(), (page_id.clone(), depth + 1));
                    assert!(prev.is_none(), "block {id} read twice");
                }
                match ty {
                    "child_page" => child_pages.push(id),
                    "child_database" => child_dbs.push(id),
                    _ => {
                        let duplicate =
                            ty == "synced_block" && !b["synced_block"]["synced_from"].is_null();
                        if self.o.read.inner_comments {
                            self.comments(&id).await;
                        }
                        if b["has_children"] == true && !duplicate {
                            stack.push((id, depth + 1));
                        }
                    }
                }
            }
        }
        (child_pages, child_dbs)
    }

    async fn comments(&self, id: &str) {
        let list = self
            .get_all(
                "comments",
                "ListCommentsResponse",
                &format!("/v1/comments?block_id={id}"),
            )
            .await;
        for c in &list {
            self.keep(c);
        }
        let mut out = self.out.lock().unwrap();
        for c in list {
            out.comments.insert(c["id"].as_str().unwrap().to_owned());
        }
    }
}

/// Runs `f` over `items` with at most `n` in flight.
async fn each<T, F, Fut, R>(items: Vec<T>, n: usize, f: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = R> + Send + 'static,
{
    let f = Arc::new(f);
    let sem = Arc::new(tokio::sync::Semaphore::new(n.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (i, item) in items.into_iter().enumerate() {
        let permit = sem.clone().acquire_owned().await.unwrap();
        let f = f.clone();
        set.spawn(async move {
            let r = f(item).await;
            drop(permit);
            (i, r)
        });
    }
    let mut out: Vec<(usize, R)> = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap());
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// Reads the whole workspace the way a complete reader must (see `MinRequests`).
pub async fn walk(fake: &FakeNotion, o: WalkOptions) -> Walked {
    walk_with(Client::new(fake), o).await
}

/// [`walk`] with a given client.
pub async fn walk_with(client: Arc<Client>, o: WalkOptions) -> Walked {
    let w = Arc::new(Walker {
        client,
        o,
        out: Mutex::new(Walked::default()),
        schemas: Mutex::new(BTreeMap::new()),
    });
    let users = w.get_all("users", "ListUsersResponse", "/v1/users").await;
    {
        let mut out = w.out.lock().unwrap();
        out.users = users
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect();
    }
    for u in &users {
        w.keep(u);
    }
    let (found, _) = w
        .post_all("search", "SearchResponse", "/v1/search", &json!({}))
        .await;
    let mut in_search = BTreeSet::new();
    let mut db_pending = BTreeSet::new();
    let mut known_pages = BTreeSet::new();
    let mut content_pending = Vec::new();
    for r in found {
        let id = r["id"].as_str().unwrap().to_owned();
        match r["object"].as_str() {
            Some("data_source") => {
                w.keep(&r);
                w.schema(&r);
                in_search.insert(id);
                db_pending.insert(r["parent"]["database_id"].as_str().unwrap().to_owned());
            }
            _ => {
                if known_pages.insert(id) {
                    content_pending.push(r);
                }
            }
        }
    }
    let mut dbs_done = BTreeSet::new();
    let mut child_pages_pending: Vec<String> = Vec::new();
    loop {
        // Databases, and the data sources search did not show.
        let dbs: Vec<String> = db_pending
            .iter()
            .filter(|d| !dbs_done.contains(*d))
            .cloned()
            .collect();
        db_pending.clear();
        let in_search_a = Arc::new(in_search.clone());
        let sources: Vec<Vec<String>> = each(dbs.clone(), o.concurrency, {
            let w = w.clone();
            move |db: String| {
                let w = w.clone();
                let in_search = in_search_a.clone();
                async move {
                    let d = w
                        .get(
                            "databases",
                            "DatabaseObjectResponse",
                            &format!("/v1/databases/{db}"),
                        )
                        .await;
                    w.keep(&d);
                    let mut ids = Vec::new();
                    for s in d["data_sources"].as_array().unwrap() {
                        let id = s["id"].as_str().unwrap().to_owned();
                        if !in_search.contains(&id) {
                            let d = w
                                .get(
                                    "data_sources",
                                    "DataSourceObjectResponse",
                                    &format!("/v1/data_sources/{id}"),
                                )
                                .await;
                            w.keep(&d);
                            w.schema(&d);
                        }
                        ids.push(id);
                    }
                    ids
                }
            }
        })
        .await;
        dbs_done.extend(dbs.iter().cloned());
        let sources: Vec<String> = sources.into_iter().flatten().collect();
        {
            let mut out = w.out.lock().unwrap();
            out.databases.extend(dbs);
            out.data_sources.extend(sources.iter().cloned());
        }
        // Rows.
        let rows: Vec<Vec<Value>> = each(sources, o.concurrency, {
            let w = w.clone();
            move |ds: String| {
                let w = w.clone();
                async move { w.rows(&ds).await }
            }
        })
        .await;
        for r in rows.into_iter().flatten() {
            let id = r["id"].as_str().unwrap().to_owned();
            if known_pages.insert(id) {
                content_pending.push(r);
            }
        }
        // Child pages found through child_page blocks.
        let fetch: Vec<String> = child_pages_pending
            .drain(..)
            .filter(|p| !known_pages.contains(p))
            .collect();
        let fetched: Vec<Value> = each(fetch, o.concurrency, {
            let w = w.clone();
            move |p: String| {
                let w = w.clone();
                async move {
                    w.get("pages", "PageObjectResponse", &format!("/v1/pages/{p}"))
                        .await
                }
            }
        })
        .await;
        for p in fetched {
            if known_pages.insert(p["id"].as_str().unwrap().to_owned()) {
                content_pending.push(p);
            }
        }
        if content_pending.is_empty() && db_pending.is_empty() {
            break;
        }
        // Page content.
        let found: Vec<(Vec<String>, Vec<String>)> =
            each(std::mem::take(&mut content_pending), o.concurrency, {
                let w = w.clone();
                move |page: Value| {
                    let w = w.clone();
                    async move { w.page_content(&page).await }
                }
            })
            .await;
        for (pages, dbs) in found {
            child_pages_pending.extend(pages);
            db_pending.extend(dbs.into_iter().filter(|d| !dbs_done.contains(d)));
        }
        if child_pages_pending.is_empty() && db_pending.is_empty() {
            break;
        }
    }
    let mut out = std::mem::take(&mut *w.out.lock().unwrap());
    out.pages = known_pages;
    out
}
