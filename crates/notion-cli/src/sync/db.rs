//! The local SQLite mirror: one table per stream, the state, and the history of runs.
//!
//! Records are upserted by primary key with their raw JSON and the typed columns people query.
//! Records and the state that covers them are committed in one transaction, so a sync killed at
//! any point and run again ends with the same content as an uninterrupted one.

use std::path::Path;

use notion_streams::{State, StreamName};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// The schema version this build writes.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id         TEXT PRIMARY KEY,
    name       TEXT,
    type       TEXT,
    email      TEXT,
    raw        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS databases (
    id               TEXT PRIMARY KEY,
    title            TEXT,
    parent_type      TEXT,
    parent_id        TEXT,
    created_time     TEXT,
    last_edited_time TEXT,
    in_trash         INTEGER,
    url              TEXT,
    raw              TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS data_sources (
    id               TEXT PRIMARY KEY,
    database_id      TEXT,
    title            TEXT,
    created_time     TEXT,
    last_edited_time TEXT,
    in_trash         INTEGER,
    raw              TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pages (
    id               TEXT PRIMARY KEY,
    title            TEXT,
    parent_type      TEXT,
    parent_id        TEXT,
    data_source_id   TEXT,
    database_id      TEXT,
    created_time     TEXT,
    last_edited_time TEXT,
    in_trash         INTEGER,
    is_archived      INTEGER,
    url              TEXT,
    raw              TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pages_data_source ON pages (data_source_id);
CREATE TABLE IF NOT EXISTS blocks (
    id               TEXT PRIMARY KEY,
    page_id          TEXT,
    parent_type      TEXT,
    parent_id        TEXT,
    type             TEXT,
    depth            INTEGER,
    plain_text       TEXT,
    has_children     INTEGER,
    created_time     TEXT,
    last_edited_time TEXT,
    in_trash         INTEGER,
    raw              TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS blocks_page ON blocks (page_id);
CREATE TABLE IF NOT EXISTS comments (
    id               TEXT PRIMARY KEY,
    page_id          TEXT,
    parent_type      TEXT,
    parent_id        TEXT,
    discussion_id    TEXT,
    plain_text       TEXT,
    created_by       TEXT,
    created_time     TEXT,
    last_edited_time TEXT,
    raw              TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS comments_page ON comments (page_id);
CREATE TABLE IF NOT EXISTS sync_state (
    stream     TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,
    mode        TEXT NOT NULL,
    summary     TEXT,
    error       TEXT
);
"#;

/// The typed columns of a record, read from its JSON.
#[derive(Deserialize, Default)]
struct Columns<'a> {
    #[serde(borrow, default)]
    name: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "type", borrow, default)]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    person: Option<Person>,
    #[serde(default)]
    parent: Option<Parent>,
    #[serde(borrow, default)]
    created_time: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    last_edited_time: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    in_trash: Option<bool>,
    #[serde(default)]
    archived: Option<bool>,
    #[serde(default)]
    is_archived: Option<bool>,
    #[serde(default)]
    has_children: Option<bool>,
    #[serde(borrow, default)]
    url: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    discussion_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    created_by: Option<Ref>,
    #[serde(borrow, default)]
    rich_text: Option<&'a RawValue>,
    #[serde(borrow, default)]
    _title: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    _page_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    _data_source_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    _database_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    _depth: Option<i64>,
}

#[derive(Deserialize, Default)]
struct Person {
    email: Option<String>,
}

#[derive(Deserialize, Default)]
struct Ref {
    id: Option<String>,
}

#[derive(Deserialize, Default)]
struct Parent {
    #[serde(rename = "type")]
    kind: Option<String>,
    page_id: Option<String>,
    block_id: Option<String>,
    database_id: Option<String>,
    data_source_id: Option<String>,
    workspace: Option<Value>,
}

impl Parent {
    fn id(&self) -> Option<String> {
        match self.kind.as_deref() {
            Some("page_id") => self.page_id.clone(),
            Some("block_id") => self.block_id.clone(),
            Some("database_id") => self.database_id.clone(),
            Some("data_source_id") => self.data_source_id.clone(),
            Some("workspace") => self.workspace.as_ref().map(|_| "workspace".to_owned()),
            _ => None,
        }
    }
}

fn trashed(c: &Columns<'_>) -> Option<bool> {
    c.in_trash.or(c.archived)
}

/// The plain text of a block: the rich text under its type's member (or a table row's cells,
/// or a child page's title).
fn block_plain_text(raw: &str, kind: Option<&str>) -> Option<String> {
    let kind = kind?;
    let v: Value = serde_json::from_str(raw).ok()?;
    let payload = v.get(kind)?;
    let mut text = String::new();
    let mut push_rich = |rt: &Value| {
        for item in rt.as_array().into_iter().flatten() {
            if let Some(t) = item.get("plain_text").and_then(Value::as_str) {
                text.push_str(t);
            }
        }
    };
    if let Some(rt) = payload.get("rich_text") {
        push_rich(rt);
    } else if let Some(cells) = payload.get("cells").and_then(Value::as_array) {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                push_rich(&Value::String("\t".into()));
            }
            push_rich(cell);
        }
    } else if let Some(t) = payload.get("title").and_then(Value::as_str) {
        text.push_str(t);
    } else if let Some(e) = payload.get("expression").and_then(Value::as_str) {
        text.push_str(e);
    } else if let Some(u) = payload.get("url").and_then(Value::as_str) {
        text.push_str(u);
    }
    Some(text)
}

fn rich_text_plain(raw: Option<&RawValue>) -> Option<String> {
    let raw = raw?;
    let v: Vec<Value> = serde_json::from_str(raw.get()).ok()?;
    Some(
        v.iter()
            .filter_map(|i| i.get("plain_text").and_then(Value::as_str))
            .collect(),
    )
}

/// The columns of a stream's table, `id` first and `raw` last (the order of `upsert` values).
fn columns(stream: StreamName) -> &'static [&'static str] {
    match stream {
        StreamName::Users => &["id", "name", "type", "email", "raw"],
        StreamName::Databases => &[
            "id",
            "title",
            "parent_type",
            "parent_id",
            "created_time",
            "last_edited_time",
            "in_trash",
            "url",
            "raw",
        ],
        StreamName::DataSources => &[
            "id",
            "database_id",
            "title",
            "created_time",
            "last_edited_time",
            "in_trash",
            "raw",
        ],
        StreamName::Pages => &[
            "id",
            "title",
            "parent_type",
            "parent_id",
            "data_source_id",
            "database_id",
            "created_time",
            "last_edited_time",
            "in_trash",
            "is_archived",
            "url",
            "raw",
        ],
        StreamName::Blocks => &[
            "id",
            "page_id",
            "parent_type",
            "parent_id",
            "type",
            "depth",
            "plain_text",
            "has_children",
            "created_time",
            "last_edited_time",
            "in_trash",
            "raw",
        ],
        StreamName::Comments => &[
            "id",
            "page_id",
            "parent_type",
            "parent_id",
            "discussion_id",
            "plain_text",
            "created_by",
            "created_time",
            "last_edited_time",
            "raw",
        ],
    }
}

/// The upsert statement of a stream's table.
fn upsert_sql(stream: StreamName) -> String {
    let cols = columns(stream);
    let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> = cols[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT(id) DO UPDATE SET {}",
        stream.as_str(),
        cols.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    )
}

/// The SQLite mirror.
pub(crate) struct Mirror {
    conn: Connection,
    in_transaction: bool,
    /// The upsert statement of each stream's table.
    upserts: Vec<String>,
}

impl Mirror {
    /// Opens (or creates) the database and its tables.
    pub(crate) fn open(path: &Path) -> rusqlite::Result<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        let version: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if version.is_none() {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                params![SCHEMA_VERSION.to_string()],
            )?;
        }
        Ok(Mirror {
            conn,
            in_transaction: false,
            upserts: StreamName::ALL.iter().map(|s| upsert_sql(*s)).collect(),
        })
    }

    /// The schema version the file was created with.
    pub(crate) fn schema_version(&self) -> rusqlite::Result<i64> {
        let v: String = self.conn.query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )?;
        Ok(v.parse().unwrap_or(0))
    }

    fn begin(&mut self) -> rusqlite::Result<()> {
        if !self.in_transaction {
            self.conn.execute_batch("BEGIN")?;
            self.in_transaction = true;
        }
        Ok(())
    }

    /// Upserts a record (within the open transaction).
    pub(crate) fn record(&mut self, stream: StreamName, data: &str) -> rusqlite::Result<()> {
        self.begin()?;
        let c: Columns<'_> = serde_json::from_str(data).unwrap_or_default();
        #[derive(Deserialize)]
        struct IdOnly {
            id: String,
        }
        let Ok(IdOnly { id }) = serde_json::from_str::<IdOnly>(data) else {
            return Ok(());
        };
        let parent_type = c.parent.as_ref().and_then(|p| p.kind.clone());
        let parent_id = c.parent.as_ref().and_then(Parent::id);
        let trash = trashed(&c);
        let created = c.created_time.as_deref();
        let edited = c.last_edited_time.as_deref();
        match stream {
            StreamName::Users => {
                let email = c.person.as_ref().and_then(|p| p.email.clone());
                self.upsert(
                    stream,
                    params![id, c.name.as_deref(), c.kind.as_deref(), email, data],
                )
            }
            StreamName::Databases => self.upsert(
                stream,
                params![
                    id,
                    c._title.as_deref(),
                    parent_type,
                    parent_id,
                    created,
                    edited,
                    trash,
                    c.url.as_deref(),
                    data
                ],
            ),
            StreamName::DataSources => self.upsert(
                stream,
                params![
                    id,
                    c._database_id.as_deref(),
                    c._title.as_deref(),
                    created,
                    edited,
                    trash,
                    data
                ],
            ),
            StreamName::Pages => self.upsert(
                stream,
                params![
                    id,
                    c._title.as_deref(),
                    parent_type,
                    parent_id,
                    c._data_source_id.as_deref(),
                    c._database_id.as_deref(),
                    created,
                    edited,
                    trash,
                    c.is_archived,
                    c.url.as_deref(),
                    data
                ],
            ),
            StreamName::Blocks => {
                let text = block_plain_text(data, c.kind.as_deref());
                self.upsert(
                    stream,
                    params![
                        id,
                        c._page_id.as_deref(),
                        parent_type,
                        parent_id,
                        c.kind.as_deref(),
                        c._depth,
                        text,
                        c.has_children,
                        created,
                        edited,
                        trash,
                        data
                    ],
                )
            }
            StreamName::Comments => {
                let text = rich_text_plain(c.rich_text);
                let author = c.created_by.as_ref().and_then(|r| r.id.clone());
                self.upsert(
                    stream,
                    params![
                        id,
                        c._page_id.as_deref(),
                        parent_type,
                        parent_id,
                        c.discussion_id.as_deref(),
                        text,
                        author,
                        created,
                        edited,
                        data
                    ],
                )
            }
        }
    }

    /// `INSERT … ON CONFLICT(id) DO UPDATE` of one row of a stream's table; `values` follow the
    /// table's columns (see [`columns`]).
    fn upsert(&self, stream: StreamName, values: &[&dyn rusqlite::ToSql]) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(&self.upserts[stream as usize])?
            .execute(values)?;
        Ok(())
    }

    /// Stores a stream's state and commits it with every record before it.
    pub(crate) fn state(&mut self, stream: StreamName, state: &Value) -> rusqlite::Result<()> {
        self.begin()?;
        self.conn
            .prepare_cached(
                "INSERT INTO sync_state (stream, state, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(stream) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            )?
            .execute(params![
                stream.as_str(),
                state.to_string(),
                chrono::Utc::now().to_rfc3339()
            ])?;
        self.commit()
    }

    /// Commits the open transaction.
    pub(crate) fn commit(&mut self) -> rusqlite::Result<()> {
        if self.in_transaction {
            self.conn.execute_batch("COMMIT")?;
            self.in_transaction = false;
        }
        Ok(())
    }

    /// Drops the records not covered by a state.
    pub(crate) fn rollback(&mut self) -> rusqlite::Result<()> {
        if self.in_transaction {
            self.conn.execute_batch("ROLLBACK")?;
            self.in_transaction = false;
        }
        Ok(())
    }

    /// The stored state, as the connector reads it.
    pub(crate) fn load_state(&self) -> Result<State, String> {
        let mut st = self
            .conn
            .prepare("SELECT stream, state FROM sync_state ORDER BY stream")
            .map_err(|e| e.to_string())?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| e.to_string())?;
        let mut messages = Vec::new();
        for row in rows {
            let (stream, state) = row.map_err(|e| e.to_string())?;
            let state: Value = serde_json::from_str(&state)
                .map_err(|e| format!("the stored state of {stream} is not JSON: {e}"))?;
            messages.push(serde_json::json!({
                "type": "STREAM",
                "stream": {"stream_descriptor": {"name": stream}, "stream_state": state}
            }));
        }
        State::from_value(&Value::Array(messages)).map_err(|e| e.to_string())
    }

    /// Records the start of a run; returns its ID.
    pub(crate) fn start_run(&mut self, mode: &str) -> rusqlite::Result<i64> {
        self.conn.execute(
            "INSERT INTO sync_runs (started_at, status, mode) VALUES (?1, 'running', ?2)",
            params![chrono::Utc::now().to_rfc3339(), mode],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records the end of a run.
    pub(crate) fn finish_run(
        &mut self,
        run: i64,
        status: &str,
        summary: &Value,
        error: Option<&str>,
    ) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE sync_runs SET finished_at = ?1, status = ?2, summary = ?3, error = ?4 WHERE id = ?5",
            params![
                chrono::Utc::now().to_rfc3339(),
                status,
                summary.to_string(),
                error,
                run
            ],
        )?;
        Ok(())
    }

    /// Row counts of the stream tables.
    pub(crate) fn counts(&self) -> rusqlite::Result<Vec<(&'static str, i64)>> {
        let mut v = Vec::new();
        for table in [
            "users",
            "databases",
            "data_sources",
            "pages",
            "blocks",
            "comments",
        ] {
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
            v.push((table, n));
        }
        Ok(v)
    }
}
