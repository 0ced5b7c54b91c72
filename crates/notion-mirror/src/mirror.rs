//! The SQLite mirror: one table per stream, the state, and the history of runs.
//!
//! Records are upserted by primary key with their raw JSON and the typed columns people query.
//! Records and the state that covers them are committed in one transaction, so a sync killed at
//! any point and run again ends with the same content as an uninterrupted one.

use std::borrow::Cow;
use std::path::Path;

use notion_streams::shape::RawObject;
use notion_streams::{State, StreamName};
use rusqlite::{Connection, params};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::columns::{Columns, Parent, block_plain_text, rich_text_plain, trashed};
use crate::error::{Error, Result};
use crate::schema::{
    APPLICATION, APPLICATION_KEY, SCHEMA, SCHEMA_VERSION, schema_objects, upsert_sql,
};

/// The SQLite mirror.
pub struct Mirror {
    pub(crate) conn: Connection,
    in_transaction: bool,
    /// The upsert statement of each stream's table.
    upserts: Vec<String>,
}

/// What became of a record given to [`Mirror::record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "a record that was not stored must be counted and reported"]
pub enum RecordOutcome {
    /// Upserted into its stream's table.
    Stored,
    /// Not stored, for the reason given: the record is not a JSON object, or has no non-empty
    /// string `id` (its primary key). Count and report it; it is not silently dropped.
    NotStored(&'static str),
}

/// What a file holds, before anything is written to it.
enum Found {
    /// No table: a new mirror.
    Empty,
    /// A mirror of this program, of this schema version.
    Mirror { version: i64 },
    /// Anything else, and why.
    Foreign(String),
}

/// Looks at a file without changing it.
fn inspect(conn: &Connection) -> Result<Found> {
    let names: Vec<String> = match conn
        .prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
    {
        Ok(names) => names,
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            return Ok(Found::Foreign("it is not a SQLite database".into()));
        }
        Err(e) => return Err(e.into()),
    };
    if names.is_empty() {
        return Ok(Found::Empty);
    }
    let meta = |key: &str| -> Option<String> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .ok()
    };
    if names.iter().any(|n| n == "meta") {
        let application = meta(APPLICATION_KEY);
        let version = meta("schema_version").and_then(|v| v.parse::<i64>().ok());
        // Mirrors written before the marker existed hold our tables only.
        let ours = schema_objects();
        let unmarked_mirror = application.is_none()
            && names
                .iter()
                .all(|n| ours.contains(&n.as_str()) || crate::files::owns(n));
        if (application.as_deref() == Some(APPLICATION) || unmarked_mirror)
            && let Some(version) = version
        {
            return Ok(Found::Mirror { version });
        }
    }
    let mut listed: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
    if names.len() > listed.len() {
        listed.push("…");
    }
    Ok(Found::Foreign(format!(
        "it holds other tables ({})",
        listed.join(", ")
    )))
}

impl Mirror {
    /// Opens a mirror, or creates one in a new or empty file. A file that is anything else (a
    /// database of another application, not a database at all, a newer schema) is refused
    /// untouched. The schema is created or completed in one transaction.
    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        match inspect(&conn)? {
            Found::Empty => {}
            Found::Mirror { version } if version > SCHEMA_VERSION => {
                return Err(Error::NewerSchema { found: version });
            }
            Found::Mirror { .. } => {}
            Found::Foreign(why) => return Err(Error::NotAMirror(why)),
        }
        let tx = conn.transaction()?;
        tx.execute_batch(SCHEMA)?;
        tx.execute_batch(crate::files::SCHEMA)?;
        tx.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?1)",
            params![SCHEMA_VERSION.to_string()],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
            params![APPLICATION_KEY, APPLICATION],
        )?;
        tx.commit()?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        Ok(Mirror {
            conn,
            in_transaction: false,
            upserts: StreamName::ALL.iter().map(|s| upsert_sql(*s)).collect(),
        })
    }

    /// The schema version the file was created with.
    pub fn schema_version(&self) -> Result<i64> {
        let v: String = self.conn.query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )?;
        Ok(v.parse().unwrap_or(0))
    }

    pub(crate) fn begin(&mut self) -> Result<()> {
        if !self.in_transaction {
            self.conn.execute_batch("BEGIN")?;
            self.in_transaction = true;
        }
        Ok(())
    }

    /// Upserts a record (within the open transaction). A record without a primary key is not
    /// stored, and says so.
    pub fn record(&mut self, stream: StreamName, data: &str) -> Result<RecordOutcome> {
        self.begin()?;
        let Ok(obj) = RawObject::parse(data) else {
            return Ok(RecordOutcome::NotStored("it is not a JSON object"));
        };
        let c = Columns::read(&obj);
        let Some(id) = c.id.as_deref().filter(|id| !id.is_empty()) else {
            return Ok(RecordOutcome::NotStored("it has no string `id`"));
        };
        let parent_type = c.parent.as_ref().and_then(|p| p.kind.clone());
        let parent_id = c.parent.as_ref().and_then(Parent::id);
        let trash = trashed(&c);
        let created = c.created_time.as_deref();
        let edited = c.last_edited_time.as_deref();
        let upserted = match stream {
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
            StreamName::PageMarkdown => {
                #[derive(serde::Deserialize)]
                struct Document<'a> {
                    #[serde(borrow)]
                    title: Option<Cow<'a, str>>,
                    #[serde(borrow)]
                    markdown: Option<Cow<'a, str>>,
                    #[serde(borrow)]
                    front_matter: Option<Cow<'a, str>>,
                    _block_count: Option<i64>,
                    #[serde(borrow)]
                    _unrendered: Option<&'a RawValue>,
                    #[serde(borrow)]
                    _source: Option<Cow<'a, str>>,
                    #[serde(borrow)]
                    _content_version: Option<Cow<'a, str>>,
                }
                let Ok(d) = serde_json::from_str::<Document<'_>>(data) else {
                    return Ok(RecordOutcome::NotStored("it is not a page_markdown record"));
                };
                self.upsert(
                    stream,
                    params![
                        id,
                        d.title.as_deref(),
                        d.markdown.as_deref(),
                        d.front_matter.as_deref(),
                        d._block_count,
                        d._unrendered.map(|r| r.get()),
                        d._source.as_deref(),
                        edited,
                        d._content_version.as_deref(),
                        data
                    ],
                )
            }
        };
        upserted.map(|()| RecordOutcome::Stored)
    }

    /// `INSERT … ON CONFLICT(id) DO UPDATE` of one row of a stream's table; `values` follow the
    /// table's columns (see [`columns`]).
    fn upsert(&self, stream: StreamName, values: &[&dyn rusqlite::ToSql]) -> Result<()> {
        self.conn
            .prepare_cached(&self.upserts[stream as usize])?
            .execute(values)?;
        Ok(())
    }

    /// Stores a stream's state (within the open transaction, with every record before it; the
    /// caller commits).
    pub fn state(&mut self, stream: StreamName, state: &Value) -> Result<()> {
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
    pub fn commit(&mut self) -> Result<()> {
        if self.in_transaction {
            self.conn.execute_batch("COMMIT")?;
            self.in_transaction = false;
        }
        Ok(())
    }

    /// Drops the records not covered by a state.
    pub fn rollback(&mut self) -> Result<()> {
        if self.in_transaction {
            self.conn.execute_batch("ROLLBACK")?;
            self.in_transaction = false;
        }
        Ok(())
    }

    /// The stored state, as the connector reads it.
    pub fn load_state(&self) -> Result<State> {
        let mut st = self
            .conn
            .prepare("SELECT stream, state FROM sync_state ORDER BY stream")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut messages = Vec::new();
        for row in rows {
            let (stream, state) = row?;
            let state: Value = serde_json::from_str(&state).map_err(|e| {
                Error::InvalidState(format!("the stored state of {stream} is not JSON: {e}"))
            })?;
            messages.push(serde_json::json!({
                "type": "STREAM",
                "stream": {"stream_descriptor": {"name": stream}, "stream_state": state}
            }));
        }
        State::from_value(&Value::Array(messages)).map_err(|e| Error::InvalidState(e.to_string()))
    }

    /// Records the start of a run and returns its ID. Runs still `running` from earlier (killed
    /// or crashed before they finished) are marked `interrupted` first. Call it before any
    /// record of the run.
    pub fn start_run(&mut self, mode: &str) -> Result<i64> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE sync_runs SET status = 'interrupted', \
             error = 'the sync stopped before it finished (killed or crashed)' \
             WHERE status = 'running'",
            [],
        )?;
        tx.execute(
            "INSERT INTO sync_runs (started_at, status, mode) VALUES (?1, 'running', ?2)",
            params![chrono::Utc::now().to_rfc3339(), mode],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Records the end of a run.
    pub fn finish_run(
        &mut self,
        run: i64,
        status: &str,
        summary: &Value,
        error: Option<&str>,
    ) -> Result<()> {
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
    pub fn counts(&self) -> Result<Vec<(&'static str, i64)>> {
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
