//! The mirror's public API on a file in a temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use notion_mirror::{Error, Mirror, RecordOutcome, SCHEMA_VERSION};
use notion_streams::StreamName;
use rusqlite::Connection;
use serde_json::json;

fn page(id: &str, title: &str, edited: &str) -> String {
    json!({
        "object": "page", "id": id, "last_edited_time": edited, "in_trash": false,
        "parent": {"type": "data_source_id", "data_source_id": "ds1", "database_id": "db1"},
        "_title": title, "_data_source_id": "ds1", "_database_id": "db1",
    })
    .to_string()
}

fn rows(path: &std::path::Path, sql: &str) -> Vec<Vec<String>> {
    let conn = Connection::open(path).unwrap();
    let mut st = conn.prepare(sql).unwrap();
    let n = st.column_count();
    st.query_map([], |r| {
        Ok((0..n)
            .map(|i| match r.get::<_, rusqlite::types::Value>(i).unwrap() {
                rusqlite::types::Value::Null => "NULL".to_owned(),
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .collect())
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn records_are_upserted_with_typed_columns_and_committed_with_their_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    assert_eq!(m.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(
        m.record(
            StreamName::Pages,
            &page("p1", "One", "2026-01-01T00:00:00.000Z"),
        )
        .unwrap(),
        RecordOutcome::Stored
    );
    assert_eq!(
        m.record(
            StreamName::Pages,
            &page("p1", "One, edited", "2026-01-02T00:00:00.000Z"),
        )
        .unwrap(),
        RecordOutcome::Stored
    );
    m.state(
        StreamName::Pages,
        &json!({"last_edited_time": "2026-01-01T00:00:00.000Z"}),
    )
    .unwrap();
    m.commit().unwrap();
    assert_eq!(
        rows(
            &path,
            "SELECT id, title, parent_type, parent_id, data_source_id, last_edited_time, in_trash FROM pages"
        ),
        vec![vec![
            "p1",
            "One, edited",
            "data_source_id",
            "ds1",
            "ds1",
            "2026-01-02T00:00:00.000Z",
            "0"
        ]]
    );
    let state = m.load_state().unwrap();
    assert!(state.get(StreamName::Pages).unwrap().cursor.is_some());
    assert_eq!(state.get(StreamName::Blocks), None);
}

#[test]
fn records_no_state_covers_are_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    assert_eq!(
        m.record(
            StreamName::Pages,
            &page("p1", "One", "2026-01-01T00:00:00.000Z"),
        )
        .unwrap(),
        RecordOutcome::Stored
    );
    m.state(StreamName::Pages, &json!({})).unwrap();
    m.commit().unwrap();
    assert_eq!(
        m.record(
            StreamName::Pages,
            &page("p2", "Two", "2026-01-01T00:00:00.000Z"),
        )
        .unwrap(),
        RecordOutcome::Stored
    );
    m.rollback().unwrap();
    let counts = m.counts().unwrap();
    assert_eq!(counts.len(), StreamName::COUNT);
    assert!(counts.contains(&("pages", 1)));
    drop(m);
    // Reopening keeps the content and the schema version.
    let m = Mirror::open(&path).unwrap();
    assert!(m.counts().unwrap().contains(&("pages", 1)));
    assert_eq!(m.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn runs_are_recorded_with_their_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    let first = m.start_run("full_refresh").unwrap();
    m.finish_run(first, "failed", &json!({"status": "failed"}), Some("boom"))
        .unwrap();
    let second = m.start_run("incremental").unwrap();
    assert!(second > first);
    assert_eq!(
        rows(
            &path,
            "SELECT id, status, mode, summary, error FROM sync_runs ORDER BY id"
        ),
        vec![
            vec![
                first.to_string(),
                "failed".into(),
                "full_refresh".into(),
                r#"{"status":"failed"}"#.into(),
                "boom".into()
            ],
            vec![
                second.to_string(),
                "running".into(),
                "incremental".into(),
                "NULL".into(),
                "NULL".into()
            ],
        ]
    );
}

#[test]
fn a_stored_state_that_is_not_json_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    m.state(StreamName::Pages, &json!({})).unwrap();
    m.commit().unwrap();
    Connection::open(&path)
        .unwrap()
        .execute("UPDATE sync_state SET state = 'not json'", [])
        .unwrap();
    let err = m.load_state().unwrap_err().to_string();
    assert!(err.contains("pages") && err.contains("not JSON"), "{err}");
}

#[test]
fn every_stream_has_its_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    for (stream, record) in [
        (
            StreamName::Users,
            json!({"object": "user", "id": "u", "name": "Ada", "type": "person", "person": {"email": "ada@example.com"}}),
        ),
        (
            StreamName::Databases,
            json!({"object": "database", "id": "db", "_title": "Tasks", "parent": {"type": "workspace", "workspace": true}}),
        ),
        (
            StreamName::DataSources,
            json!({"object": "data_source", "id": "ds", "_title": "Tasks", "_database_id": "db"}),
        ),
        (
            StreamName::Blocks,
            json!({"object": "block", "id": "b", "type": "paragraph", "paragraph": {"rich_text": [{"plain_text": "Hi"}]}, "_page_id": "p", "_depth": 1}),
        ),
        (
            StreamName::Comments,
            json!({"object": "comment", "id": "c", "discussion_id": "d", "rich_text": [{"plain_text": "Nice"}], "created_by": {"id": "u"}, "_page_id": "p"}),
        ),
    ] {
        assert_eq!(
            m.record(stream, &record.to_string()).unwrap(),
            RecordOutcome::Stored
        );
    }
    m.commit().unwrap();
    assert_eq!(
        rows(&path, "SELECT email FROM users"),
        vec![vec!["ada@example.com"]]
    );
    assert_eq!(
        rows(&path, "SELECT parent_type, parent_id, title FROM databases"),
        vec![vec!["workspace", "workspace", "Tasks"]]
    );
    assert_eq!(
        rows(&path, "SELECT database_id FROM data_sources"),
        vec![vec!["db"]]
    );
    assert_eq!(
        rows(&path, "SELECT page_id, type, depth, plain_text FROM blocks"),
        vec![vec!["p", "paragraph", "1", "Hi"]]
    );
    assert_eq!(
        rows(
            &path,
            "SELECT page_id, discussion_id, plain_text, created_by FROM comments"
        ),
        vec![vec!["p", "d", "Nice", "u"]]
    );
}

/// The bytes of every file of a SQLite database (main file, journal, WAL), by name.
fn snapshot(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_database_of_another_application_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    {
        let conn = Connection::open(&path).unwrap();
        // A table named like one of ours, with other columns: once a 40-line SQL error and a
        // half-changed file.
        conn.execute_batch(
            "CREATE TABLE pages (slug TEXT PRIMARY KEY, body TEXT);
             CREATE TABLE authors (name TEXT);
             INSERT INTO pages VALUES ('home', 'Welcome');",
        )
        .unwrap();
    }
    let before = snapshot(dir.path());
    let err = Mirror::open(&path).err().expect("refused");
    assert!(matches!(err, Error::NotAMirror(_)), "{err}");
    let text = err.to_string();
    assert!(text.contains("authors, pages"), "{text}");
    assert!(text.lines().count() == 1, "{text}");
    assert_eq!(snapshot(dir.path()), before, "the file is not changed");
}

#[test]
fn a_file_that_is_not_a_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(200)).unwrap();
    let before = snapshot(dir.path());
    let err = Mirror::open(&path).err().expect("refused");
    assert!(err.to_string().contains("not a SQLite database"), "{err}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn an_empty_file_becomes_a_mirror_and_a_mirror_of_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    drop(Mirror::open(&path).unwrap());
    let marker: String = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT value FROM meta WHERE key = 'application'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(marker, "notion-source");

    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    let before = snapshot(dir.path());
    let err = Mirror::open(&path).err().expect("refused");
    assert!(matches!(err, Error::NewerSchema { found: 99 }), "{err}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_mirror_written_before_the_marker_is_opened_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    drop(Mirror::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.execute("DELETE FROM meta WHERE key = 'application'", [])
        .unwrap();
    drop(conn);
    let m = Mirror::open(&path).unwrap();
    assert_eq!(m.schema_version().unwrap(), SCHEMA_VERSION);
    drop(m);
    let n: i64 = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM meta WHERE key = 'application'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn runs_left_running_are_marked_interrupted_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    let killed = m.start_run("incremental").unwrap();
    drop(m); // killed: never finished
    let mut m = Mirror::open(&path).unwrap();
    let next = m.start_run("incremental").unwrap();
    m.finish_run(next, "succeeded", &json!({}), None).unwrap();
    assert_eq!(
        rows(
            &path,
            "SELECT id, status, error IS NOT NULL FROM sync_runs ORDER BY id"
        ),
        vec![
            vec![killed.to_string(), "interrupted".into(), "1".into()],
            vec![next.to_string(), "succeeded".into(), "0".into()],
        ]
    );
}

#[test]
fn records_without_a_primary_key_are_not_stored_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Mirror::open(&dir.path().join("m.db")).unwrap();
    for record in [
        r#"{"object":"page","title":"no id"}"#,
        r#"{"object":"page","id":42}"#,
        r#"{"object":"page","id":""}"#,
        r#"[1,2]"#,
    ] {
        match m.record(StreamName::Pages, record).unwrap() {
            RecordOutcome::NotStored(why) => assert!(!why.is_empty()),
            other => panic!("{record}: {other:?}"),
        }
    }
    m.commit().unwrap();
    assert!(m.counts().unwrap().contains(&("pages", 0)));
}
