//! The SQLite mirror: one table per stream, the state, and the history of runs.
//!
//! Records are upserted by primary key with their raw JSON and the typed columns people query.
//! Records and the state that covers them are committed in one transaction, so a sync killed at
//! any point and run again ends with the same content as an uninterrupted one.

use std::path::Path;

use notion_streams::shape::RawObject;
use notion_streams::{State, StreamName};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use crate::columns::{Columns, Parent, block_plain_text, rich_text_plain, trashed};
use crate::error::{Error, Result};
use crate::schema::{SCHEMA, SCHEMA_VERSION, upsert_sql};

/// The SQLite mirror.
pub struct Mirror {
    conn: Connection,
    in_transaction: bool,
    /// The upsert statement of each stream's table.
    upserts: Vec<String>,
}

impl Mirror {
    /// Opens (or creates) the database and its tables.
    pub fn open(path: &Path) -> Result<Self> {
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
    pub fn schema_version(&self) -> Result<i64> {
        let v: String = self.conn.query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )?;
        Ok(v.parse().unwrap_or(0))
    }

    fn begin(&mut self) -> Result<()> {
        if !self.in_transaction {
            self.conn.execute_batch("BEGIN")?;
            self.in_transaction = true;
        }
        Ok(())
    }

    /// Upserts a record (within the open transaction).
    pub fn record(&mut self, stream: StreamName, data: &str) -> Result<()> {
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

    /// Records the start of a run; returns its ID.
    pub fn start_run(&mut self, mode: &str) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO sync_runs (started_at, status, mode) VALUES (?1, 'running', ?2)",
            params![chrono::Utc::now().to_rfc3339(), mode],
        )?;
        Ok(self.conn.last_insert_rowid())
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
