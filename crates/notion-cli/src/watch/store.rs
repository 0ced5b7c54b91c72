//! The webhook store: a small SQLite file next to the mirror (`notion.db-webhooks`) holding the
//! verification token, the events received (pending until applied to the mirror, then kept
//! as ids for de-duplication) and the time of the last safety-net sync.
//!
//! It is a file of its own, not tables in the mirror, so that receiving an event never waits
//! for the mirror's write lock: a sync holds it from a batch's first record to its state, which
//! can take many seconds at Notion's rate limit. Each event is committed (and synced to disk)
//! before it is acknowledged.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use notion_webhook::VerificationToken;
use rusqlite::{Connection, OptionalExtension, params};

/// Applied events whose ids are kept for de-duplication; older ones are forgotten.
pub(crate) const KEPT_IDS: usize = 50_000;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    type        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body        BLOB,
    applied_at  TEXT
);
CREATE INDEX IF NOT EXISTS events_pending ON events (seq) WHERE applied_at IS NULL;
";

const APPLICATION: &str = "notion-source webhooks";

/// The verification token as stored.
#[derive(Debug, Clone)]
pub(crate) struct StoredToken {
    pub(crate) token: VerificationToken,
    /// An event signed with it was accepted: it is the subscription's token.
    pub(crate) confirmed: bool,
}

/// An event received and not applied yet.
#[derive(Debug)]
pub(crate) struct PendingEvent {
    pub(crate) id: String,
    pub(crate) body: Vec<u8>,
}

/// The webhook store.
pub(crate) struct Store {
    conn: Connection,
    /// Applied events whose ids are kept ([`KEPT_IDS`]).
    keep: usize,
}

impl Store {
    /// The store of the mirror at `db`: `<db>-webhooks`, in the same directory.
    pub(crate) fn path_for(db: &Path) -> PathBuf {
        let mut name = db.file_name().unwrap_or_default().to_os_string();
        name.push("-webhooks");
        db.with_file_name(name)
    }

    /// Opens or creates the store. A file that is something else is refused untouched.
    pub(crate) fn open(path: &Path) -> Result<Store, String> {
        let conn = Connection::open(path).map_err(|e| e.to_string())?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| e.to_string())?;
        let tables: Vec<String> = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| format!("it is not a SQLite database ({e})"))?;
        if !tables.is_empty() {
            let marker: Option<String> = conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'application'",
                    [],
                    |r| r.get(0),
                )
                .ok();
            if marker.as_deref() != Some(APPLICATION) {
                return Err("it holds other tables".into());
            }
        }
        conn.execute_batch(SCHEMA).map_err(|e| e.to_string())?;
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('application', ?1)",
            [APPLICATION],
        )
        .map_err(|e| e.to_string())?;
        // WAL, and every commit on disk before it returns: an event is acknowledged only once
        // it is durable.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| e.to_string())?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| e.to_string())?;
        Ok(Store {
            conn,
            keep: KEPT_IDS,
        })
    }

    fn meta(&self, key: &str) -> rusqlite::Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
    }

    fn set_meta(&self, key: &str, value: &str) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The verification token, if Notion sent one.
    pub(crate) fn token(&self) -> rusqlite::Result<Option<StoredToken>> {
        Ok(self.meta("verification_token")?.map(|t| StoredToken {
            token: VerificationToken::new(t),
            confirmed: self
                .meta("verification_confirmed")
                .ok()
                .flatten()
                .is_some_and(|v| v == "1"),
        }))
    }

    /// Stores a new verification token (not confirmed yet).
    pub(crate) fn set_token(&mut self, token: &VerificationToken) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('verification_token', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [token.expose()],
        )?;
        tx.execute("DELETE FROM meta WHERE key = 'verification_confirmed'", [])?;
        tx.commit()
    }

    /// Marks the token as the subscription's: an event signed with it was accepted.
    pub(crate) fn confirm_token(&self) -> rusqlite::Result<()> {
        self.set_meta("verification_confirmed", "1")
    }

    /// Forgets the token: events are refused until a new verification request.
    pub(crate) fn reset_token(&mut self) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM meta WHERE key IN ('verification_token', 'verification_confirmed')",
            [],
        )?;
        tx.commit()
    }

    /// Queues an event, durably; `false` when its id was received before.
    pub(crate) fn queue(&self, id: &str, kind: &str, body: &[u8]) -> rusqlite::Result<bool> {
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO events (id, type, received_at, body) VALUES (?1, ?2, ?3, ?4)",
            params![id, kind, Utc::now().to_rfc3339(), body],
        )?;
        Ok(n == 1)
    }

    /// Events received and not applied yet, oldest first.
    pub(crate) fn pending(&self) -> rusqlite::Result<Vec<PendingEvent>> {
        let mut st = self
            .conn
            .prepare("SELECT id, body FROM events WHERE applied_at IS NULL ORDER BY seq")?;
        let rows = st.query_map([], |r| {
            Ok(PendingEvent {
                id: r.get(0)?,
                body: r.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default(),
            })
        })?;
        rows.collect()
    }

    /// The ids of the most recent events, oldest first (to de-duplicate in memory).
    pub(crate) fn recent_ids(&self, limit: usize) -> rusqlite::Result<Vec<String>> {
        let mut st = self.conn.prepare(
            "SELECT id FROM (SELECT seq, id FROM events ORDER BY seq DESC LIMIT ?1) ORDER BY seq",
        )?;
        let rows = st.query_map([limit as i64], |r| r.get(0))?;
        rows.collect()
    }

    /// Marks events applied (their bodies dropped, their ids kept for de-duplication) and
    /// forgets the oldest applied ones past [`KEPT_IDS`] events.
    pub(crate) fn applied(&mut self, ids: &[String]) -> rusqlite::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let now = Utc::now().to_rfc3339();
        let tx = self.conn.transaction()?;
        {
            let mut st = tx.prepare_cached(
                "UPDATE events SET applied_at = ?1, body = NULL WHERE id = ?2 AND applied_at IS NULL",
            )?;
            for id in ids {
                st.execute(params![now, id])?;
            }
        }
        tx.execute(
            "DELETE FROM events WHERE applied_at IS NOT NULL AND seq <= (
                 SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET ?1)",
            [self.keep as i64],
        )?;
        tx.commit()
    }

    /// When the last safety-net sync finished.
    pub(crate) fn last_sync(&self) -> rusqlite::Result<Option<DateTime<Utc>>> {
        Ok(self
            .meta("last_sync")?
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// Records the end of a safety-net sync.
    pub(crate) fn set_last_sync(&self, at: DateTime<Utc>) -> rusqlite::Result<()> {
        self.set_meta("last_sync", &at.to_rfc3339())
    }

    /// Events by state: (pending, applied).
    pub(crate) fn counts(&self) -> rusqlite::Result<(u64, u64)> {
        self.conn.query_row(
            "SELECT COUNT(*) FILTER (WHERE applied_at IS NULL),
                    COUNT(*) FILTER (WHERE applied_at IS NOT NULL) FROM events",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_queued_once_and_applied() {
        let dir = tempfile::tempdir().unwrap();
        let path = Store::path_for(&dir.path().join("notion.db"));
        assert!(path.ends_with("notion.db-webhooks"));
        let mut store = Store::open(&path).unwrap();
        assert!(store.queue("a", "page.moved", b"{1}").unwrap());
        assert!(!store.queue("a", "page.moved", b"{2}").unwrap());
        assert!(store.queue("b", "page.moved", b"{3}").unwrap());
        store.applied(&["a".to_owned()]).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        let pending = store.pending().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(
            (pending[0].id.as_str(), &pending[0].body[..]),
            ("b", &b"{3}"[..])
        );
        assert_eq!(store.recent_ids(10).unwrap(), ["a", "b"]);
        assert!(
            !store.queue("a", "page.moved", b"{}").unwrap(),
            "applied ids are kept"
        );
        assert_eq!(store.counts().unwrap(), (1, 1));
    }

    #[test]
    fn the_oldest_applied_ids_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("w")).unwrap();
        store.keep = 3;
        let ids: Vec<String> = (0..6).map(|i| i.to_string()).collect();
        for id in &ids {
            store.queue(id, "page.moved", b"{}").unwrap();
        }
        store.applied(&ids[..5]).unwrap();
        // The 3 most recent events stay (one of them pending); older applied ones go.
        assert_eq!(store.recent_ids(10).unwrap(), ["3", "4", "5"]);
        assert_eq!(store.pending().unwrap().len(), 1);
    }

    #[test]
    fn the_token_is_kept_confirmed_and_reset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w");
        let mut store = Store::open(&path).unwrap();
        assert!(store.token().unwrap().is_none());
        store
            .set_token(&VerificationToken::new("secret_a"))
            .unwrap();
        store.confirm_token().unwrap();
        let t = Store::open(&path).unwrap().token().unwrap().unwrap();
        assert_eq!((t.token.expose(), t.confirmed), ("secret_a", true));
        store
            .set_token(&VerificationToken::new("secret_b"))
            .unwrap();
        assert!(!store.token().unwrap().unwrap().confirmed);
        store.reset_token().unwrap();
        assert!(store.token().unwrap().is_none());
    }

    #[test]
    fn other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        assert!(Store::open(&path).is_err());
        std::fs::write(
            dir.path().join("text"),
            "hello, this is not a database at all",
        )
        .unwrap();
        assert!(Store::open(&dir.path().join("text")).is_err());
    }
}
