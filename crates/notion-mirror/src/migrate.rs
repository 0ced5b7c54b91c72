//! Creating the schema in a new file, and upgrading a mirror of an earlier schema, in the
//! caller's transaction.

use rusqlite::{Connection, params};

use crate::columns::{Columns, block_plain_text};
use crate::error::Result;
use crate::schema::{ADDED_IN_2, SCHEMA_VERSION, TABLES};
use crate::search;
use notion_streams::shape::RawObject;

/// Blocks whose plain text is computed again per statement, when a schema-1 file is upgraded.
const BATCH: i64 = 1000;

/// Creates the schema (`from`: `None` for a new file) or completes and upgrades the schema of
/// a mirror at version `from`. Runs in the caller's transaction: a failure leaves the file as
/// it was.
pub(crate) fn create_or_upgrade(conn: &Connection, from: Option<i64>) -> Result<()> {
    let upgrade = from.is_some_and(|v| v < SCHEMA_VERSION);
    if upgrade {
        for (table, column) in ADDED_IN_2 {
            let name = column.split_whitespace().next().unwrap_or_default();
            if has_table(conn, table)? && !has_column(conn, table, name)? {
                conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column}"))?;
            }
        }
    }
    conn.execute_batch(TABLES)?;
    conn.execute_batch(search::SEARCH)?;
    conn.execute_batch(&search::triggers())?;
    conn.execute_batch(crate::files::SCHEMA)?;
    if upgrade {
        backfill(conn)?;
        conn.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
            params![SCHEMA_VERSION.to_string()],
        )?;
    } else {
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?1)",
            params![SCHEMA_VERSION.to_string()],
        )?;
    }
    Ok(())
}

fn has_table(conn: &Connection, table: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        [table],
        |r| r.get(0),
    )?)
}

fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool> {
    let mut st = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = st.query_map([], |r| r.get::<_, String>(1))?;
    for name in names {
        if name? == column {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Fills what schema 2 adds from the records already stored, as a sync of them would have.
fn backfill(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "UPDATE blocks SET position = json_extract(raw, '$._position'),
                           content_version = json_extract(raw, '$._content_version');
         UPDATE pages SET content_version = json_extract(raw, '$._content_version');
         UPDATE comments SET content_version = json_extract(raw, '$._content_version');
         UPDATE page_markdown SET in_trash = json_extract(raw, '$.in_trash');",
    )?;
    // Blocks' plain text as this version writes it (table cells separated, captions, …).
    let mut after = i64::MIN;
    loop {
        let batch: Vec<(i64, String)> = conn
            .prepare_cached(
                "SELECT rowid, raw FROM blocks WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
            )?
            .query_map(params![after, BATCH], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let Some((last, _)) = batch.last() else { break };
        after = *last;
        let mut update =
            conn.prepare_cached("UPDATE blocks SET plain_text = ?1 WHERE rowid = ?2")?;
        for (rowid, raw) in &batch {
            let text = RawObject::parse(raw).ok().and_then(|obj| {
                let c = Columns::read(&obj);
                block_plain_text(c.kind.as_deref(), c.payload)
            });
            update.execute(params![text, rowid])?;
        }
    }
    search::rebuild(conn)?;
    let data_sources = conn
        .prepare("SELECT id FROM data_sources")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    crate::views::refresh(conn, &data_sources)?;
    Ok(())
}
