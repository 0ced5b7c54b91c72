//! The local SQLite mirror: one table per stream, the state, and the history of runs.
//!
//! Records are upserted by primary key with their raw JSON and the typed columns people query.
//! Records and the state that covers them are committed in one transaction, so a sync killed at
//! any point and run again ends with the same content as an uninterrupted one.

use std::path::Path;

use std::borrow::Cow;

use notion_streams::shape::RawObject;
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

/// The typed columns of a record, read from its top-level members in one pass over the record
/// (members are parsed one by one, from the raw JSON of their values).
#[derive(Default)]
struct Columns<'a> {
    id: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    person: Option<Person>,
    parent: Option<Parent>,
    created_time: Option<Cow<'a, str>>,
    last_edited_time: Option<Cow<'a, str>>,
    in_trash: Option<bool>,
    archived: Option<bool>,
    is_archived: Option<bool>,
    has_children: Option<bool>,
    url: Option<Cow<'a, str>>,
    discussion_id: Option<Cow<'a, str>>,
    created_by: Option<Ref>,
    rich_text: Option<&'a RawValue>,
    title: Option<Cow<'a, str>>,
    page_id: Option<Cow<'a, str>>,
    data_source_id: Option<Cow<'a, str>>,
    database_id: Option<Cow<'a, str>>,
    depth: Option<i64>,
    /// The member named by `type` (a block's content).
    payload: Option<&'a RawValue>,
}

impl<'a> Columns<'a> {
    fn read(obj: &RawObject<'a>) -> Self {
        let kind = obj.str("type");
        let payload = kind.as_deref().and_then(|k| obj.get(k));
        Columns {
            id: obj.str("id"),
            name: obj.str("name"),
            person: obj.parse_member("person"),
            parent: obj.parse_member("parent"),
            created_time: obj.str("created_time"),
            last_edited_time: obj.str("last_edited_time"),
            in_trash: obj.bool("in_trash"),
            archived: obj.bool("archived"),
            is_archived: obj.bool("is_archived"),
            has_children: obj.bool("has_children"),
            url: obj.str("url"),
            discussion_id: obj.str("discussion_id"),
            created_by: obj.parse_member("created_by"),
            rich_text: obj.get("rich_text"),
            title: obj.str("_title"),
            page_id: obj.str("_page_id"),
            data_source_id: obj.str("_data_source_id"),
            database_id: obj.str("_database_id"),
            depth: obj.parse_member("_depth"),
            kind,
            payload,
        }
    }
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

#[derive(Deserialize)]
struct PlainText<'a> {
    #[serde(borrow)]
    plain_text: Cow<'a, str>,
}

/// Appends the `plain_text` of every item of a rich-text array (items without one are skipped).
/// Returns whether `raw` was an array.
fn push_rich(text: &mut String, raw: &RawValue) -> bool {
    let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) else {
        return false;
    };
    for item in items {
        if let Ok(t) = serde_json::from_str::<PlainText<'_>>(item.get()) {
            text.push_str(&t.plain_text);
        }
    }
    true
}

/// A JSON string member, if it is one.
fn json_str(raw: Option<&RawValue>) -> Option<Cow<'_, str>> {
    raw.and_then(|r| serde_json::from_str::<Cow<'_, str>>(r.get()).ok())
}

/// The plain text of a block: the rich text under its type's member (or a table row's cells,
/// or a child page's title).
fn block_plain_text(payload: Option<&RawValue>) -> Option<String> {
    let mut text = String::new();
    // A payload that is not an object has no text.
    let Ok(payload) = RawObject::parse(payload?.get()) else {
        return Some(text);
    };
    if let Some(rt) = payload.get("rich_text") {
        push_rich(&mut text, rt);
    } else if let Some(cells) = payload
        .get("cells")
        .and_then(|c| serde_json::from_str::<Vec<&RawValue>>(c.get()).ok())
    {
        for cell in cells {
            push_rich(&mut text, cell);
        }
    } else if let Some(t) = json_str(payload.get("title")) {
        text.push_str(&t);
    } else if let Some(e) = json_str(payload.get("expression")) {
        text.push_str(&e);
    } else if let Some(u) = json_str(payload.get("url")) {
        text.push_str(&u);
    }
    Some(text)
}

fn rich_text_plain(raw: Option<&RawValue>) -> Option<String> {
    let mut text = String::new();
    push_rich(&mut text, raw?).then_some(text)
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
        let Ok(obj) = RawObject::parse(data) else {
            return Ok(());
        };
        let c = Columns::read(&obj);
        let Some(id) = c.id.as_deref() else {
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
                    c.title.as_deref(),
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
                    c.database_id.as_deref(),
                    c.title.as_deref(),
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
                    c.title.as_deref(),
                    parent_type,
                    parent_id,
                    c.data_source_id.as_deref(),
                    c.database_id.as_deref(),
                    created,
                    edited,
                    trash,
                    c.is_archived,
                    c.url.as_deref(),
                    data
                ],
            ),
            StreamName::Blocks => {
                let text = block_plain_text(c.payload);
                self.upsert(
                    stream,
                    params![
                        id,
                        c.page_id.as_deref(),
                        parent_type,
                        parent_id,
                        c.kind.as_deref(),
                        c.depth,
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
                        c.page_id.as_deref(),
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

    /// Stores a stream's state (within the open transaction, with every record before it; the
    /// caller commits).
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
        Ok(())
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
        for table in StreamName::ALL.map(|s| s.as_str()) {
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
            v.push((table, n));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(record: &str) -> Option<String> {
        let obj = RawObject::parse(record).unwrap();
        block_plain_text(Columns::read(&obj).payload)
    }

    #[test]
    fn block_text_comes_from_the_member_named_by_type() {
        let rt = r#"[{"plain_text":"Hello "},{"type":"mention"},{"plain_text":"w\u00f6rld"}]"#;
        assert_eq!(
            plain(&format!(
                r#"{{"id":"b","type":"paragraph","paragraph":{{"rich_text":{rt}}}}}"#
            )),
            Some("Hello wörld".into())
        );
        assert_eq!(
            plain(
                r#"{"id":"b","type":"table_row","table_row":{"cells":[[{"plain_text":"a"}],[{"plain_text":"b"}]]}}"#
            ),
            Some("ab".into())
        );
        assert_eq!(
            plain(r#"{"id":"b","type":"child_page","child_page":{"title":"Sub"}}"#),
            Some("Sub".into())
        );
        assert_eq!(
            plain(r#"{"id":"b","type":"equation","equation":{"expression":"e=mc^2"}}"#),
            Some("e=mc^2".into())
        );
        assert_eq!(
            plain(
                r#"{"id":"b","type":"bookmark","bookmark":{"url":"https://x.test","caption":[]}}"#
            ),
            Some("https://x.test".into())
        );
        assert_eq!(
            plain(r#"{"id":"b","type":"divider","divider":{}}"#),
            Some(String::new())
        );
        assert_eq!(
            plain(r#"{"id":"b","type":"divider","divider":null}"#),
            Some(String::new())
        );
        assert_eq!(plain(r#"{"id":"b","type":"divider"}"#), None);
    }

    #[test]
    fn columns_are_read_from_top_level_members() {
        let rec = r#"{"id":"p","object":"page","parent":{"type":"data_source_id","data_source_id":"d","database_id":"x"},
            "in_trash":false,"archived":true,"_title":"T \"q\"","_depth":3,"created_by":{"id":"u"}}"#;
        let obj = RawObject::parse(rec).unwrap();
        let c = Columns::read(&obj);
        assert_eq!(c.id.as_deref(), Some("p"));
        assert_eq!(c.parent.as_ref().and_then(Parent::id).as_deref(), Some("d"));
        assert_eq!(trashed(&c), Some(false));
        assert_eq!(c.title.as_deref(), Some("T \"q\""));
        assert_eq!(c.depth, Some(3));
        assert_eq!(c.created_by.and_then(|r| r.id).as_deref(), Some("u"));
        assert_eq!(
            rich_text_plain(Some(
                &RawValue::from_string(r#"[{"plain_text":"x"}]"#.into()).unwrap()
            )),
            Some("x".into())
        );
    }
}
