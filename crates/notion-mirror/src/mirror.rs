//! The SQLite mirror: one table per stream, the state, and the history of runs.
//!
//! Records are upserted by primary key with their raw JSON and the typed columns people query.
//! Records and the state that covers them are committed in one transaction, so a sync killed at
//! any point and run again ends with the same content as an uninterrupted one. Deletions —
//! tombstones, the content a re-read page no longer has, a full refresh's sweep — happen in
//! the transaction of the records around them, and are counted per table.

use std::collections::BTreeSet;
use std::path::Path;

use notion_streams::shape::RawObject;
use notion_streams::{State, StreamName};
use rusqlite::{Connection, params};
use serde_json::Value;

use crate::columns::{Columns, Parent, block_plain_text, rich_text_plain, trashed};
use crate::error::{Error, Result};
use crate::migrate;
use crate::schema::{
    APPLICATION, APPLICATION_KEY, SCHEMA_VERSION, Table, schema_objects, upsert_sql,
};
use crate::views::{self, View};

/// The SQLite mirror.
pub struct Mirror {
    pub(crate) conn: Connection,
    in_transaction: bool,
    /// The upsert statement of each table.
    upserts: Vec<String>,
    /// The run records are written for (their `run_id`).
    run: Option<i64>,
    /// Data sources written or deleted in the open transaction: their views are brought up to
    /// date before it commits.
    changed_data_sources: BTreeSet<String>,
    /// Rows deleted in the open transaction.
    pending: Deletions,
    /// Rows deleted in committed transactions since the mirror was opened.
    committed: Deletions,
}

/// What became of a record given to [`Mirror::record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "a record that was not stored must be counted and reported"]
pub enum RecordOutcome {
    /// Upserted into its stream's table.
    Stored,
    /// A tombstone (`_ab_cdc_deleted_at` set): the object's row was deleted, with what belongs
    /// to it (a page's blocks, comments and Markdown; a data source's view).
    Deleted,
    /// Not stored, for the reason given: the record is not a JSON object, or has no non-empty
    /// string `id` (its primary key), or its stream has no table. Count and report it; it is
    /// not silently dropped.
    NotStored(&'static str),
}

/// Rows deleted, by table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deletions([u64; Table::ALL.len()]);

impl Deletions {
    /// Rows deleted from `table`.
    pub fn get(&self, table: Table) -> u64 {
        self.0[table.index()]
    }

    /// Rows deleted in all.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The tables rows were deleted from, with their counts.
    pub fn iter(&self) -> impl Iterator<Item = (Table, u64)> + '_ {
        Table::ALL
            .into_iter()
            .map(|t| (t, self.get(t)))
            .filter(|(_, n)| *n > 0)
    }

    fn add(&mut self, table: Table, n: usize) {
        self.0[table.index()] += n as u64;
    }

    fn merge(&mut self, other: &Deletions) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine += theirs;
        }
    }

    /// As a JSON object, by table name.
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.iter()
                .map(|(t, n)| (t.name().to_owned(), Value::from(n)))
                .collect(),
        )
    }
}

/// What a file holds, before anything is written to it.
pub(crate) enum Found {
    /// No table: a new mirror.
    Empty,
    /// A mirror of this program, of this schema version.
    Mirror { version: i64 },
    /// Anything else, and why.
    Foreign(String),
}

/// Looks at a file without changing it.
pub(crate) fn inspect(conn: &Connection) -> Result<Found> {
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
        // Mirrors written before the marker existed hold our tables only (with the search
        // index's own tables and the typed views).
        let ours = schema_objects();
        let views: Vec<String> = conn
            .prepare("SELECT view_name FROM data_source_views")
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .unwrap_or_default();
        let unmarked_mirror = application.is_none()
            && names.iter().all(|n| {
                ours.contains(n)
                    || crate::search::SHADOW_TABLES.contains(&n.as_str())
                    || views.contains(n)
            });
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
    /// Opens a mirror, or creates one in a new or empty file. A mirror of an earlier schema is
    /// upgraded. A file that is anything else (a database of another application, not a
    /// database at all, a newer schema) is refused untouched. The schema is created, completed
    /// or upgraded in one transaction.
    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let from = match inspect(&conn)? {
            Found::Empty => None,
            Found::Mirror { version } if version > SCHEMA_VERSION => {
                return Err(Error::NewerSchema { found: version });
            }
            Found::Mirror { version } => Some(version),
            Found::Foreign(why) => return Err(Error::NotAMirror(why)),
        };
        let tx = conn.transaction()?;
        migrate::create_or_upgrade(&tx, from)?;
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
            upserts: Table::ALL.iter().map(|t| upsert_sql(*t)).collect(),
            run: None,
            changed_data_sources: BTreeSet::new(),
            pending: Deletions::default(),
            committed: Deletions::default(),
        })
    }

    /// The schema version of the file.
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

    /// Writes a record of `stream` (within the open transaction): upserts it into the stream's
    /// table, or for a tombstone deletes its row. A record without a primary key is not
    /// stored, and says so.
    pub fn record(&mut self, stream: StreamName, data: &str) -> Result<RecordOutcome> {
        match Table::for_stream(stream) {
            Some(table) => self.record_in(table, data),
            None => Ok(RecordOutcome::NotStored(
                "the mirror has no table for its stream",
            )),
        }
    }

    /// Writes a record into `table` (within the open transaction), as [`Mirror::record`] does
    /// for the table of a stream.
    pub fn record_in(&mut self, table: Table, data: &str) -> Result<RecordOutcome> {
        self.begin()?;
        let Ok(obj) = RawObject::parse(data) else {
            return Ok(RecordOutcome::NotStored("it is not a JSON object"));
        };
        let c = Columns::read(&obj);
        let Some(id) = c.id.as_deref().filter(|id| !id.is_empty()) else {
            return Ok(RecordOutcome::NotStored("it has no string `id`"));
        };
        if c.deleted_at.is_some() {
            self.delete(table, id)?;
            return Ok(RecordOutcome::Deleted);
        }
        let parent_type = c.parent.as_ref().and_then(|p| p.kind.clone());
        let parent_id = c.parent.as_ref().and_then(Parent::id);
        let trash = trashed(&c);
        let created = c.created_time.as_deref();
        let edited = c.last_edited_time.as_deref();
        let version = c.content_version.as_deref();
        let run = self.run;
        match table {
            Table::Users => {
                let email = c.person.as_ref().and_then(|p| p.email.clone());
                self.upsert(
                    table,
                    params![id, c.name.as_deref(), c.kind.as_deref(), email, data, run],
                )?;
            }
            Table::Databases => self.upsert(
                table,
                params![
                    id,
                    c.title.as_deref(),
                    parent_type,
                    parent_id,
                    created,
                    edited,
                    trash,
                    c.url.as_deref(),
                    data,
                    run
                ],
            )?,
            Table::DataSources => {
                self.upsert(
                    table,
                    params![
                        id,
                        c.database_id.as_deref(),
                        c.title.as_deref(),
                        created,
                        edited,
                        trash,
                        data,
                        run
                    ],
                )?;
                self.changed_data_sources.insert(id.to_owned());
            }
            Table::Pages => self.upsert(
                table,
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
                    data,
                    version,
                    run
                ],
            )?,
            Table::Blocks => {
                let text = block_plain_text(c.kind.as_deref(), c.payload);
                self.upsert(
                    table,
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
                        data,
                        c.position,
                        version,
                        run
                    ],
                )?;
            }
            Table::Comments => {
                let text = rich_text_plain(c.rich_text);
                let author = c.created_by.as_ref().and_then(|r| r.id.clone());
                self.upsert(
                    table,
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
                        data,
                        version,
                        run
                    ],
                )?;
            }
            Table::PageMarkdown => self.upsert(
                table,
                params![
                    id,
                    c.text_title.as_deref(),
                    c.markdown.as_deref(),
                    c.front_matter.as_deref(),
                    c.block_count,
                    c.unrendered.map(|u| u.get()),
                    c.source.as_deref(),
                    edited,
                    version,
                    data,
                    trash,
                    run
                ],
            )?,
        }
        Ok(RecordOutcome::Stored)
    }

    /// `INSERT … ON CONFLICT(id) DO UPDATE` of one row of a table; `values` follow the
    /// table's columns ([`Table::columns`]).
    fn upsert(&self, table: Table, values: &[&dyn rusqlite::ToSql]) -> Result<()> {
        self.conn
            .prepare_cached(&self.upserts[table.index()])?
            .execute(values)?;
        Ok(())
    }

    /// Deletes an object's row, and what belongs to it: a page's blocks, comments and
    /// Markdown (its search entry goes with them); a data source's view (at commit).
    fn delete(&mut self, table: Table, id: &str) -> Result<()> {
        let n = self.delete_where(table, "id = ?1", id)?;
        self.pending.add(table, n);
        match table {
            Table::Pages => {
                for (t, column) in [
                    (Table::Blocks, "page_id"),
                    (Table::Comments, "page_id"),
                    (Table::PageMarkdown, "id"),
                ] {
                    let n = self.delete_where(t, &format!("{column} = ?1"), id)?;
                    self.pending.add(t, n);
                }
            }
            Table::DataSources => {
                self.changed_data_sources.insert(id.to_owned());
            }
            _ => {}
        }
        Ok(())
    }

    fn delete_where(&self, table: Table, condition: &str, id: &str) -> Result<usize> {
        Ok(self
            .conn
            .prepare_cached(&format!("DELETE FROM {} WHERE {condition}", table.name()))?
            .execute([id])?)
    }

    /// A page's content was read completely at content version `version` (the connector's
    /// `Message::PageContent`): its rows in `tables` (`blocks`, `comments`: those the read
    /// emitted completely) with an older version, or none, are gone and are deleted (within the
    /// open transaction). Other tables are left alone. Returns the rows deleted.
    pub fn page_content(&mut self, page: &str, version: &str, tables: &[Table]) -> Result<u64> {
        self.begin()?;
        let mut deleted = 0;
        for table in [Table::Blocks, Table::Comments] {
            if !tables.contains(&table) {
                continue;
            }
            let n = self
                .conn
                .prepare_cached(&format!(
                    "DELETE FROM {} WHERE page_id = ?1 AND (content_version IS NULL OR content_version < ?2)",
                    table.name()
                ))?
                .execute([page, version])?;
            self.pending.add(table, n);
            deleted += n as u64;
        }
        Ok(deleted)
    }

    /// The end of a successful full read of `tables` in run `run`: their rows the run did not
    /// write are no longer in Notion and are deleted (with what belongs to them, as for a
    /// tombstone), in one transaction. Returns the rows deleted.
    pub fn sweep(&mut self, run: i64, tables: &[Table]) -> Result<Deletions> {
        self.commit()?;
        self.begin()?;
        for table in tables {
            let stale: Vec<String> = self
                .conn
                .prepare(&format!(
                    "SELECT id FROM {} WHERE run_id IS NOT ?1",
                    table.name()
                ))?
                .query_map([run], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in stale {
                self.delete(*table, &id)?;
            }
        }
        let swept = self.pending;
        self.commit()?;
        Ok(swept)
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

    /// Brings the typed views of the data sources written in the open transaction up to date,
    /// then commits it.
    pub fn commit(&mut self) -> Result<()> {
        if self.in_transaction {
            if !self.changed_data_sources.is_empty() {
                views::refresh(&self.conn, &self.changed_data_sources)?;
                self.changed_data_sources.clear();
            }
            self.conn.execute_batch("COMMIT")?;
            self.in_transaction = false;
            let pending = std::mem::take(&mut self.pending);
            self.committed.merge(&pending);
        }
        Ok(())
    }

    /// Drops the records (and deletions) not covered by a state.
    pub fn rollback(&mut self) -> Result<()> {
        if self.in_transaction {
            self.conn.execute_batch("ROLLBACK")?;
            self.in_transaction = false;
        }
        self.changed_data_sources.clear();
        self.pending = Deletions::default();
        Ok(())
    }

    /// Rows deleted in the transactions committed since the mirror was opened.
    pub fn deletions(&self) -> Deletions {
        self.committed
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

    /// Records the start of a run and returns its ID; the records written from now on carry
    /// it (`run_id`). Runs still `running` from earlier (killed or crashed before they
    /// finished) are marked `interrupted` first. Call it before any record of the run.
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
        self.run = Some(id);
        Ok(id)
    }

    /// Records the end of a run, with the rows deleted by the transactions committed since the
    /// mirror was opened (`deleted`, a JSON object by table).
    pub fn finish_run(
        &mut self,
        run: i64,
        status: &str,
        summary: &Value,
        error: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_runs SET finished_at = ?1, status = ?2, summary = ?3, error = ?4, deleted = ?5
             WHERE id = ?6",
            params![
                chrono::Utc::now().to_rfc3339(),
                status,
                summary.to_string(),
                error,
                self.committed.to_json().to_string(),
                run
            ],
        )?;
        Ok(())
    }

    /// Row counts of the record tables.
    pub fn counts(&self) -> Result<Vec<(&'static str, i64)>> {
        let mut v = Vec::new();
        for table in Table::ALL.map(Table::name) {
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
            v.push((table, n));
        }
        Ok(v)
    }

    /// The typed views of the data sources, by name.
    pub fn views(&self) -> Result<Vec<View>> {
        views::list(&self.conn)
    }
}
