//! A mirror written by an earlier schema is upgraded when it is opened, in one transaction,
//! to what a new mirror of the same records holds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use notion_mirror::{Highlight, Mirror, RecordOutcome, SCHEMA_VERSION, Search, Table};
use rusqlite::Connection;
use serde_json::json;

const SCHEMA_1: &str = include_str!("fixtures/schema-1.sql");

fn text(s: &str) -> serde_json::Value {
    json!([{"type": "text", "text": {"content": s}, "plain_text": s}])
}

/// Records of a small workspace, by table.
fn records() -> Vec<(Table, String)> {
    let page = json!({"object": "page", "id": "p1", "_title": "Fleet dashboard",
        "parent": {"type": "workspace", "workspace": true}, "in_trash": false,
        "last_edited_time": "2026-01-01T00:00:00.000Z"});
    let trashed = json!({"object": "page", "id": "p2", "_title": "Old fleet notes",
        "parent": {"type": "workspace", "workspace": true}, "in_trash": true});
    let table = json!({"object": "block", "id": "b1", "type": "table",
        "table": {"table_width": 2}, "parent": {"type": "page_id", "page_id": "p1"},
        "_page_id": "p1", "_depth": 1, "_position": 1});
    let row = json!({"object": "block", "id": "b2", "type": "table_row",
        "table_row": {"cells": [text("Scout"), text("2.0 m/s")]},
        "parent": {"type": "block_id", "block_id": "b1"}, "_page_id": "p1", "_depth": 2,
        "_position": 0});
    let image = json!({"object": "block", "id": "b3", "type": "image",
        "image": {"type": "external", "external": {"url": "https://x.test/map.png"},
                  "caption": text("Map of the floor")},
        "parent": {"type": "page_id", "page_id": "p1"}, "_page_id": "p1", "_depth": 1,
        "_position": 0});
    let comment = json!({"object": "comment", "id": "c1", "discussion_id": "d1",
        "rich_text": text("Looks good"), "parent": {"type": "page_id", "page_id": "p1"},
        "_page_id": "p1"});
    let data_source = json!({"object": "data_source", "id": "ds1", "_title": "Fleet",
        "_database_id": "db1", "properties": {"Name": {"id": "title", "type": "title", "title": {}},
        "Speed": {"id": "sp", "type": "number", "number": {}}}});
    vec![
        (Table::DataSources, data_source.to_string()),
        (Table::Pages, page.to_string()),
        (Table::Pages, trashed.to_string()),
        (Table::Blocks, table.to_string()),
        (Table::Blocks, row.to_string()),
        (Table::Blocks, image.to_string()),
        (Table::Comments, comment.to_string()),
    ]
}

/// The `page_markdown` table of the last schema-1 mirrors.
const PAGE_MARKDOWN_1: &str = "CREATE TABLE IF NOT EXISTS page_markdown (
    id               TEXT PRIMARY KEY,
    title            TEXT,
    markdown         TEXT,
    front_matter     TEXT,
    block_count      INTEGER,
    unrendered       TEXT,
    source           TEXT,
    last_edited_time TEXT,
    content_version  TEXT,
    raw              TEXT NOT NULL
);";

fn page_markdown() -> String {
    json!({"object": "page_markdown", "id": "p1", "title": "Fleet dashboard",
        "markdown": "---\nid: \"p1\"\n---\n\nRobots at the dock.\n", "front_matter": "id: \"p1\"\n",
        "in_trash": false, "last_edited_time": "2026-01-01T00:00:00.000Z", "_block_count": 3,
        "_unrendered": [], "_source": "blocks", "_content_version": "2026-01-02T00:00:00.000Z"})
    .to_string()
}

/// A schema-1 mirror of [`records`], as that version wrote it (its plain text of a table row
/// ran the cells together and left captions out); the last schema-1 mirrors also had a
/// `page_markdown` table (`with_markdown`).
fn write_schema_1(path: &Path, with_markdown: bool) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(SCHEMA_1).unwrap();
    if with_markdown {
        conn.execute_batch(PAGE_MARKDOWN_1).unwrap();
        conn.execute(
            "INSERT INTO page_markdown VALUES ('p1', 'Fleet dashboard', ?1, ?2, 3, '[]', 'blocks',
             '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', ?3)",
            rusqlite::params![
                "---\nid: \"p1\"\n---\n\nRobots at the dock.\n",
                "id: \"p1\"\n",
                page_markdown()
            ],
        )
        .unwrap();
    }
    conn.execute_batch(
        "INSERT INTO meta VALUES ('schema_version', '1'), ('application', 'notion-source');
         INSERT INTO sync_state VALUES ('pages', '{\"last_edited_time\":\"2026-01-01T00:00:00.000Z\"}', '2026-01-02T00:00:00Z');
         INSERT INTO sync_runs (started_at, finished_at, status, mode) VALUES ('2026-01-02T00:00:00Z', '2026-01-02T00:01:00Z', 'succeeded', 'incremental');",
    )
    .unwrap();
    for (table, record) in records() {
        let v: serde_json::Value = serde_json::from_str(&record).unwrap();
        match table {
            Table::Pages => conn.execute(
                "INSERT INTO pages (id, title, parent_type, parent_id, in_trash, last_edited_time, raw)
                 VALUES (?1, ?2, 'workspace', 'workspace', ?3, ?4, ?5)",
                rusqlite::params![v["id"].as_str(), v["_title"].as_str(), v["in_trash"].as_bool(),
                    v["last_edited_time"].as_str(), record],
            ),
            Table::Blocks => conn.execute(
                "INSERT INTO blocks (id, page_id, parent_type, parent_id, type, depth, plain_text, raw)
                 VALUES (?1, 'p1', ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![v["id"].as_str(), v["parent"]["type"].as_str(),
                    v["parent"]["page_id"].as_str().or(v["parent"]["block_id"].as_str()),
                    v["type"].as_str(), v["_depth"].as_i64(),
                    if v["type"] == "table_row" { "Scout2.0 m/s" } else { "" }, record],
            ),
            Table::DataSources => conn.execute(
                "INSERT INTO data_sources (id, database_id, title, raw) VALUES ('ds1', 'db1', 'Fleet', ?1)",
                [record],
            ),
            _ => conn.execute(
                "INSERT INTO comments (id, page_id, parent_type, parent_id, discussion_id, plain_text, raw)
                 VALUES ('c1', 'p1', 'page_id', 'p1', 'd1', 'Looks good', ?1)",
                [record],
            ),
        }
        .unwrap();
    }
}

/// Every row of the record tables, with every column.
fn content(path: &Path) -> Vec<String> {
    let conn = Connection::open(path).unwrap();
    let mut out = Vec::new();
    for table in Table::ALL {
        let mut st = conn
            .prepare(&format!("SELECT * FROM {} ORDER BY id", table.name()))
            .unwrap();
        let n = st.column_count();
        let names: Vec<String> = st.column_names().iter().map(|c| (*c).to_owned()).collect();
        out.push(format!("{}: {}", table.name(), names.join(", ")));
        let mut rows = st.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let cells: Vec<String> = (0..n)
                .map(|i| format!("{:?}", row.get::<_, rusqlite::types::Value>(i).unwrap()))
                .collect();
            out.push(cells.join("\t"));
        }
    }
    out
}

/// Every object of the file's schema: type, name, table and SQL.
fn objects(path: &Path) -> Vec<(String, String, String, Option<String>)> {
    Connection::open(path)
        .unwrap()
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_schema_1_mirror_is_upgraded_to_what_a_new_mirror_of_its_records_holds() {
    upgrade(false);
}

#[test]
fn a_schema_1_mirror_with_page_markdown_is_upgraded_to_what_a_new_mirror_holds() {
    upgrade(true);
}

fn upgrade(with_markdown: bool) {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    write_schema_1(&old, with_markdown);
    let mirror = Mirror::open(&old).unwrap();
    assert_eq!(mirror.schema_version().unwrap(), SCHEMA_VERSION);
    let state = mirror.load_state().unwrap();
    assert!(
        state
            .get(notion_streams::StreamName::Pages)
            .unwrap()
            .cursor
            .is_some()
    );
    drop(mirror);

    let new = dir.path().join("new.db");
    let mut mirror = Mirror::open(&new).unwrap();
    let mut all = records();
    if with_markdown {
        all.push((Table::PageMarkdown, page_markdown()));
    }
    for (table, record) in all {
        assert_eq!(
            mirror.record_in(table, &record).unwrap(),
            RecordOutcome::Stored
        );
    }
    mirror.commit().unwrap();
    drop(mirror);

    // The same tables, columns (in the same order), indexes, views and triggers.
    let fresh: Vec<_> = objects(&new)
        .into_iter()
        .map(|(t, n, tbl, sql)| {
            (
                t,
                n,
                tbl,
                sql.map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")),
            )
        })
        .collect();
    let upgraded: Vec<_> = objects(&old)
        .into_iter()
        .map(|(t, n, tbl, sql)| {
            (
                t,
                n,
                tbl,
                sql.map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")),
            )
        })
        .collect();
    let names = |o: &[(String, String, String, Option<String>)]| -> Vec<(String, String)> {
        o.iter()
            .map(|(t, n, _, _)| (t.clone(), n.clone()))
            .collect()
    };
    assert_eq!(names(&upgraded), names(&fresh));
    let columns = |path: &Path, table: &str| -> Vec<(String, String)> {
        Connection::open(path)
            .unwrap()
            .prepare(&format!("PRAGMA table_info({table})"))
            .unwrap()
            .query_map([], |r| Ok((r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for (kind, name, _, _) in &fresh {
        if kind == "table" {
            assert_eq!(columns(&old, name), columns(&new, name), "{name}");
        }
    }
    // The same rows: positions filled in, plain text as this version writes it.
    assert_eq!(content(&old), content(&new));
    let conn = Connection::open(&old).unwrap();
    let blocks: Vec<(String, i64, String)> = conn
        .prepare("SELECT id, position, plain_text FROM blocks ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        blocks,
        [
            ("b1".into(), 1, String::new()),
            ("b2".into(), 0, "Scout | 2.0 m/s".into()),
            ("b3".into(), 0, "Map of the floor".into())
        ]
    );
    // Searchable: the page, not the trashed one.
    let hits = Search::open(&old)
        .unwrap()
        .pages("fleet", 10, &Highlight::default())
        .unwrap();
    assert_eq!(
        hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["p1"]
    );
    let by_body = Search::open(&old)
        .unwrap()
        .pages("dock", 10, &Highlight::default())
        .unwrap();
    assert_eq!(by_body.len(), usize::from(with_markdown));
    conn.execute(
        "INSERT INTO page_search (page_search, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .unwrap();
    // The data source's view.
    let speed: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('ds_fleet')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(speed[5..], ["name", "speed"]);
    // The run history is kept.
    let runs: i64 = conn
        .query_row("SELECT COUNT(*) FROM sync_runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 1);
}

#[test]
fn an_upgrade_that_fails_leaves_the_schema_1_mirror_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    write_schema_1(&path, true);
    // Something in the file makes the upgrade fail half-way (after columns were added and
    // tables created).
    Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE UPDATE ON blocks BEGIN SELECT RAISE(ABORT, 'refused'); END;",
        )
        .unwrap();
    let objects_before = objects(&path);
    let content_before = {
        let conn = Connection::open(&path).unwrap();
        let mut st = conn
            .prepare("SELECT id, plain_text, raw FROM blocks ORDER BY id")
            .unwrap();
        st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>()
    };
    let err = Mirror::open(&path).err().expect("the upgrade fails");
    assert!(err.to_string().contains("refused"), "{err}");
    assert_eq!(
        objects(&path),
        objects_before,
        "no column, table or index added"
    );
    let conn = Connection::open(&path).unwrap();
    let version: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, "1");
    let content_after: Vec<(String, String, String)> = conn
        .prepare("SELECT id, plain_text, raw FROM blocks ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(content_after, content_before);
    // Once the obstacle is gone, the upgrade goes through.
    conn.execute_batch("DROP TRIGGER refuse").unwrap();
    drop(conn);
    assert_eq!(
        Mirror::open(&path).unwrap().schema_version().unwrap(),
        SCHEMA_VERSION
    );
}
