//! Rows gone from Notion leave the mirror: tombstones, a re-read page's content, a full
//! refresh's sweep. The records are built as the connector writes them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use notion_mirror::{Highlight, Mirror, RecordOutcome, Search, Table};
use rusqlite::Connection;
use serde_json::{Value, json};

const V1: &str = "2026-11-02T09:00:03.000Z";
const V2: &str = "2026-11-03T09:00:07.000Z";

fn text(s: &str) -> Value {
    json!([{"type": "text", "text": {"content": s}, "plain_text": s}])
}

fn page(id: &str, title: &str, parent: Value, in_trash: bool, version: &str) -> String {
    let mut p = json!({"object": "page", "id": id, "_title": title, "parent": parent,
        "in_trash": in_trash, "last_edited_time": "2026-11-01T00:00:00.000Z",
        "properties": {"Name": {"id": "title", "type": "title", "title": text(title)}},
        "_content_version": version});
    if let Some(ds) = parent_data_source(&p) {
        p["_data_source_id"] = json!(ds);
    }
    p.to_string()
}

fn parent_data_source(p: &Value) -> Option<String> {
    p["parent"]["data_source_id"].as_str().map(str::to_owned)
}

fn workspace() -> Value {
    json!({"type": "workspace", "workspace": true})
}

fn block(id: &str, page: &str, parent: &str, position: u32, depth: u32, version: &str) -> String {
    let parent = if parent == page {
        json!({"type": "page_id", "page_id": parent})
    } else {
        json!({"type": "block_id", "block_id": parent})
    };
    json!({"object": "block", "id": id, "type": "paragraph",
        "paragraph": {"rich_text": text(&format!("text of {id}"))}, "parent": parent,
        "has_children": false, "_page_id": page, "_depth": depth, "_position": position,
        "_content_version": version})
    .to_string()
}

fn comment(id: &str, page: &str, on: &str, version: &str) -> String {
    json!({"object": "comment", "id": id, "discussion_id": format!("d-{id}"),
        "parent": {"type": "block_id", "block_id": on}, "rich_text": text("a remark"),
        "_page_id": page, "_content_version": version})
    .to_string()
}

fn markdown(id: &str, title: &str, version: &str) -> String {
    json!({"object": "page_markdown", "id": id, "title": title,
        "markdown": format!("---\ntitle: \"{title}\"\n---\n\nAll about {title}.\n"),
        "front_matter": format!("title: \"{title}\"\n"), "in_trash": false,
        "last_edited_time": "2026-11-01T00:00:00.000Z", "_page_id": id, "_block_count": 1,
        "_unrendered": [], "_source": "blocks", "_content_version": version})
    .to_string()
}

fn data_source(id: &str, title: &str) -> String {
    json!({"object": "data_source", "id": id, "_title": title, "_database_id": "db",
        "properties": {"Name": {"id": "title", "name": "Name", "type": "title", "title": {}}}})
    .to_string()
}

/// A deletion record, as the connector writes it.
fn tombstone(object: &str, id: &str, reason: &str) -> String {
    json!({"object": object, "id": id, "last_edited_time": V2, "_ab_cdc_deleted_at": V2,
        "_deleted_reason": reason, "_content_version": V2})
    .to_string()
}

/// What a pass gives the mirror, in order.
enum Out {
    Record(Table, String),
    /// `Message::PageContent` for a page (blocks and comments read completely).
    PageContent(&'static str),
}

use Out::{PageContent, Record};

fn apply(m: &mut Mirror, pass: &[Out], version: &str) {
    for out in pass {
        match out {
            Record(table, record) => {
                let outcome = m.record_in(*table, record).unwrap();
                assert!(
                    matches!(outcome, RecordOutcome::Stored | RecordOutcome::Deleted),
                    "{outcome:?}"
                );
            }
            PageContent(page) => {
                m.page_content(page, version, &[Table::Blocks, Table::Comments])
                    .unwrap();
            }
        }
    }
    m.commit().unwrap();
}

/// The content of a page read completely at `version`: its record, its blocks and comments,
/// its document, then `PageContent`.
fn read_page(
    id: &'static str,
    title: &str,
    blocks: &[(&str, &str, u32, u32)],
    comments: &[(&str, &str)],
    version: &str,
) -> Vec<Out> {
    let mut out = vec![Record(
        Table::Pages,
        page(id, title, workspace(), false, version),
    )];
    for (b, parent, position, depth) in blocks {
        out.push(Record(
            Table::Blocks,
            block(b, id, parent, *position, *depth, version),
        ));
    }
    for (c, on) in comments {
        out.push(Record(Table::Comments, comment(c, id, on, version)));
    }
    out.push(Record(Table::PageMarkdown, markdown(id, title, version)));
    out.push(PageContent(id));
    out
}

fn row(id: &'static str, ds: &str, version: &str) -> Vec<Out> {
    let parent = json!({"type": "data_source_id", "data_source_id": ds, "database_id": "db"});
    vec![
        Record(Table::Pages, page(id, id, parent, false, version)),
        Record(Table::PageMarkdown, markdown(id, id, version)),
        PageContent(id),
    ]
}

/// The workspace before: pages Alpha (a block nested three deep, a comment on it), Bravo
/// (two comments), Charlie and Delta; data sources S (two rows) and T (one row).
fn first_sync() -> Vec<Out> {
    let mut out = vec![
        Record(
            Table::Users,
            json!({"object": "user", "id": "u1", "name": "Ada"}).to_string(),
        ),
        Record(Table::DataSources, data_source("S", "Sites")),
        Record(Table::DataSources, data_source("T", "Trials")),
    ];
    out.extend(read_page(
        "A",
        "Alpha",
        &[
            ("a1", "A", 0, 1),
            ("a11", "a1", 0, 2),
            ("a111", "a11", 0, 3),
            ("a2", "A", 1, 1),
        ],
        &[("ca", "a111")],
        V1,
    ));
    out.extend(read_page(
        "B",
        "Bravo",
        &[("b1", "B", 0, 1)],
        &[("cb1", "B"), ("cb2", "b1")],
        V1,
    ));
    out.extend(read_page(
        "C",
        "Charlie",
        &[("c1", "C", 0, 1)],
        &[("cc", "c1")],
        V1,
    ));
    out.extend(read_page(
        "D",
        "Delta",
        &[("d1", "D", 0, 1)],
        &[("cd", "d1")],
        V1,
    ));
    out.extend(row("r1", "S", V1));
    out.extend(row("r2", "S", V1));
    out.extend(row("t1", "T", V1));
    out
}

/// The incremental pass after: in Alpha the block `a11` (and its child, and the comment on
/// it) was deleted; in Bravo comment `cb2` was resolved; Charlie was trashed; Delta was
/// deleted; data source T was deleted (its row too).
fn incremental_sync() -> Vec<Out> {
    let mut out = read_page(
        "A",
        "Alpha",
        &[("a1", "A", 0, 1), ("a2", "A", 1, 1)],
        &[],
        V2,
    );
    out.extend(read_page(
        "B",
        "Bravo",
        &[("b1", "B", 0, 1)],
        &[("cb1", "B")],
        V2,
    ));
    out.extend([
        Record(Table::Pages, page("C", "Charlie", workspace(), true, V2)),
        Record(
            Table::PageMarkdown,
            tombstone("page_markdown", "C", "trashed"),
        ),
        PageContent("C"),
        Record(Table::Pages, tombstone("page", "D", "not_found")),
        PageContent("D"),
        Record(
            Table::DataSources,
            tombstone("data_source", "T", "not_found"),
        ),
        Record(Table::Pages, tombstone("page", "t1", "not_found")),
        PageContent("t1"),
    ]);
    out
}

/// A full read of the workspace after the changes (a full read does not read the trash:
/// Charlie is not in it).
fn full_sync_after() -> Vec<Out> {
    let mut out = vec![
        Record(
            Table::Users,
            json!({"object": "user", "id": "u1", "name": "Ada"}).to_string(),
        ),
        Record(Table::DataSources, data_source("S", "Sites")),
    ];
    out.extend(read_page(
        "A",
        "Alpha",
        &[("a1", "A", 0, 1), ("a2", "A", 1, 1)],
        &[],
        V2,
    ));
    out.extend(read_page(
        "B",
        "Bravo",
        &[("b1", "B", 0, 1)],
        &[("cb1", "B")],
        V2,
    ));
    out.extend(row("r1", "S", V2));
    out.extend(row("r2", "S", V2));
    out
}

/// Every table of the file, rows sorted, without what depends on the run (run ids, content
/// versions, the index's document numbers); the views' SQL; the pages the index holds. The
/// `pages` rows of `trashed` are left out: an incremental pass keeps a page moved to the trash,
/// marked, where a full read (which does not read the trash) never meets it.
fn canonical(path: &Path, trashed: &[&str]) -> Vec<String> {
    let conn = Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND name NOT LIKE 'page_search%'
             AND name NOT IN ('meta', 'sync_state', 'sync_runs', 'search_docs') ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = Vec::new();
    for table in tables {
        let mut st = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let names: Vec<String> = st.column_names().iter().map(|c| (*c).to_owned()).collect();
        let mut rows: Vec<String> = st
            .query_map([], |r| {
                let mut cells = Vec::new();
                for (i, name) in names.iter().enumerate() {
                    let v: rusqlite::types::Value = r.get(i)?;
                    match (name.as_str(), v) {
                        ("run_id" | "content_version", _) => {}
                        ("raw", rusqlite::types::Value::Text(t)) => {
                            let mut raw: Value = serde_json::from_str(&t).unwrap();
                            raw.as_object_mut().unwrap().remove("_content_version");
                            cells.push(raw.to_string());
                        }
                        (_, v) => cells.push(format!("{v:?}")),
                    }
                }
                Ok(format!("{table}: {}", cells.join(" | ")))
            })
            .unwrap()
            .map(Result::unwrap)
            .filter(|row: &String| {
                !trashed
                    .iter()
                    .any(|t| row.starts_with(&format!("pages: Text(\"{t}\")")))
            })
            .collect();
        rows.sort();
        out.extend(rows);
    }
    let views = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name")
        .unwrap()
        .query_map([], |r| {
            Ok(format!(
                "view {}: {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    out.extend(views);
    let indexed = conn
        .prepare("SELECT page_id FROM search_docs ORDER BY page_id")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    out.push(format!("indexed: {indexed:?}"));
    conn.execute(
        "INSERT INTO page_search (page_search, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .unwrap();
    out
}

fn count(path: &Path, sql: &str) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[test]
fn an_incremental_pass_with_deletions_gives_what_a_full_sync_of_the_new_workspace_gives() {
    let dir = tempfile::tempdir().unwrap();
    let synced = dir.path().join("synced.db");
    let mut m = Mirror::open(&synced).unwrap();
    apply(&mut m, &first_sync(), V1);
    assert_eq!(count(&synced, "SELECT COUNT(*) FROM blocks"), 7);
    assert_eq!(count(&synced, "SELECT COUNT(*) FROM ds_trials"), 1);
    apply(&mut m, &incremental_sync(), V2);

    let fresh = dir.path().join("fresh.db");
    let mut f = Mirror::open(&fresh).unwrap();
    apply(&mut f, &full_sync_after(), V2);
    assert_eq!(canonical(&synced, &["C"]), canonical(&fresh, &[]));
    assert_eq!(
        count(&synced, "SELECT in_trash FROM pages WHERE id = 'C'"),
        1,
        "the trashed page is kept, marked"
    );

    // What went, counted by table.
    let deleted: Vec<(&str, u64)> = m.deletions().iter().map(|(t, n)| (t.name(), n)).collect();
    assert_eq!(
        deleted,
        [
            ("data_sources", 1),
            ("pages", 2),
            ("blocks", 4),
            ("comments", 4),
            ("page_markdown", 3)
        ]
    );
    // The trashed and the deleted pages left the search index; the view of T is gone.
    let search = Search::open(&synced).unwrap();
    for gone in ["charlie", "delta"] {
        assert!(
            search
                .pages(gone, 10, &Highlight::default())
                .unwrap()
                .is_empty()
        );
    }
    assert_eq!(
        count(
            &synced,
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ds_trials'"
        ),
        0
    );
}

#[test]
fn a_full_refresh_sweeps_what_it_did_not_see() {
    let dir = tempfile::tempdir().unwrap();
    let synced = dir.path().join("synced.db");
    let mut m = Mirror::open(&synced).unwrap();
    m.start_run("incremental").unwrap();
    apply(&mut m, &first_sync(), V1);
    drop(m);

    // A full refresh reads the workspace after the changes, without any deletion record.
    let mut m = Mirror::open(&synced).unwrap();
    let run = m.start_run("full_refresh").unwrap();
    apply(&mut m, &full_sync_after(), V2);
    let swept = m.sweep(run, &Table::ALL).unwrap();
    assert_eq!(
        swept.get(Table::Pages),
        3,
        "Charlie (in the trash), Delta and T's row"
    );
    assert_eq!(swept.get(Table::DataSources), 1);
    let fresh = dir.path().join("fresh.db");
    let mut f = Mirror::open(&fresh).unwrap();
    apply(&mut f, &full_sync_after(), V2);
    assert_eq!(canonical(&synced, &[]), canonical(&fresh, &[]));
    m.finish_run(run, "succeeded", &json!({}), None).unwrap();
    let stored: String = Connection::open(&synced)
        .unwrap()
        .query_row("SELECT deleted FROM sync_runs WHERE id = ?1", [run], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&stored).unwrap(),
        m.deletions().to_json()
    );
    // Swept, and gone with the pages' content read again in the full refresh.
    let deleted: Vec<(&str, u64)> = m.deletions().iter().map(|(t, n)| (t.name(), n)).collect();
    assert_eq!(
        deleted,
        [
            ("data_sources", 1),
            ("pages", 3),
            ("blocks", 4),
            ("comments", 4),
            ("page_markdown", 3)
        ]
    );
}

#[test]
fn a_sweep_leaves_the_tables_it_is_not_given_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    m.start_run("incremental").unwrap();
    apply(&mut m, &first_sync(), V1);
    let run = m.start_run("full_refresh").unwrap();
    // Only users were read in this run.
    apply(
        &mut m,
        &[Record(
            Table::Users,
            json!({"object": "user", "id": "u2", "name": "Bo"}).to_string(),
        )],
        V2,
    );
    let swept = m.sweep(run, &[Table::Users]).unwrap();
    assert_eq!(swept.iter().collect::<Vec<_>>(), [(Table::Users, 1)]);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM users"), 1);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM pages"), 7);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM blocks"), 7);
}

#[test]
fn page_content_deletes_only_older_rows_of_that_page_and_the_tables_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    apply(&mut m, &first_sync(), V1);
    // Bravo re-read without its comments (comments not read in this pass): its comments stay.
    let _ = m
        .record_in(Table::Blocks, &block("b1", "B", "B", 0, 1, V2))
        .unwrap();
    assert_eq!(m.page_content("B", V2, &[Table::Blocks]).unwrap(), 0);
    assert_eq!(
        count(&path, "SELECT COUNT(*) FROM comments WHERE page_id = 'B'"),
        2
    );
    // A block of this pass is kept; an older one of the same page goes; other pages are
    // untouched; a newer version is never deleted by an older pass.
    let _ = m
        .record_in(Table::Blocks, &block("a2", "A", "A", 1, 1, V2))
        .unwrap();
    assert_eq!(m.page_content("A", V2, &[Table::Blocks]).unwrap(), 3);
    assert_eq!(m.page_content("A", V1, &[Table::Blocks]).unwrap(), 0);
    m.commit().unwrap();
    assert_eq!(
        count(&path, "SELECT COUNT(*) FROM blocks WHERE page_id = 'A'"),
        1
    );
    assert_eq!(count(&path, "SELECT COUNT(*) FROM blocks"), 4);
    assert_eq!(m.deletions().get(Table::Blocks), 3);
}

#[test]
fn deletions_rolled_back_with_their_records_are_not_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    apply(&mut m, &first_sync(), V1);
    assert_eq!(
        m.record_in(Table::Pages, &tombstone("page", "D", "not_found"))
            .unwrap(),
        RecordOutcome::Deleted
    );
    let _ = m
        .record_in(
            Table::DataSources,
            &tombstone("data_source", "T", "not_found"),
        )
        .unwrap();
    // Killed before the state that covers them.
    m.rollback().unwrap();
    assert_eq!(m.deletions().total(), 0);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM pages WHERE id = 'D'"), 1);
    assert_eq!(
        count(&path, "SELECT COUNT(*) FROM blocks WHERE page_id = 'D'"),
        1
    );
    assert_eq!(count(&path, "SELECT COUNT(*) FROM ds_trials"), 1);
    // A tombstone of something the mirror does not have deletes nothing.
    let _ = m
        .record_in(Table::Pages, &tombstone("page", "nobody", "not_found"))
        .unwrap();
    m.commit().unwrap();
    assert_eq!(m.deletions().total(), 0);
}
