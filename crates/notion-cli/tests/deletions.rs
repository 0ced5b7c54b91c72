//! Deletions end to end against the fake: what is gone from Notion leaves the mirror, so an
//! incremental sync after deletions gives the mirror a fresh full sync of the workspace gives.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use notion_fake::{ApiVersion, FakeNotion, GenConfig, Stream, WorkspaceSpec};
use rusqlite::Connection;
use serde_json::{Value, json};

/// Every table of the mirror, rows sorted, without what depends on the run (run ids, content
/// versions, file URL signatures, the index's document numbers); the views' SQL; the pages the
/// search index holds (checked against its content). The `pages` rows of `trashed` are left
/// out: an incremental sync keeps a page moved to the trash, marked `in_trash`, where a full
/// sync, which does not read the trash, never meets it.
fn canonical(path: &Path, trashed: &[notion_model::Id]) -> Vec<String> {
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
                            unsign_files(&mut raw);
                            cells.push(unsign_text(&raw.to_string()));
                        }
                        ("markdown", rusqlite::types::Value::Text(t)) => {
                            // Signed file URLs in the Markdown, too.
                            cells.push(unsign_text(&t));
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
    out.extend(
        conn.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name")
            .unwrap()
            .query_map([], |r| {
                Ok(format!(
                    "view {}: {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?
                ))
            })
            .unwrap()
            .map(Result::unwrap),
    );
    let indexed: Vec<String> = conn
        .prepare("SELECT page_id FROM search_docs ORDER BY page_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    out.push(format!("indexed: {indexed:?}"));
    conn.execute(
        "INSERT INTO page_search (page_search, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .unwrap();
    out
}

/// Markdown with the query strings of URLs left out.
fn unsign_text(t: &str) -> String {
    let mut out = String::new();
    let mut rest = t;
    while let Some(i) = rest.find("?X-Amz-") {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find([')', ' ', '"', '\\', '\n']).unwrap_or(rest.len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

async fn sync(config: &Path, db: &Path, extra: &[&str]) -> Run {
    let extra: Vec<&str> = ["--summary-json", "-"]
        .iter()
        .chain(extra)
        .copied()
        .collect();
    sync_ok(config, db, &extra).await
}

/// Where the differences between two dumps are, for a readable failure.
fn diff(got: &[String], want: &[String]) -> String {
    let missing: Vec<&String> = want.iter().filter(|w| !got.contains(w)).take(4).collect();
    let extra: Vec<&String> = got.iter().filter(|g| !want.contains(g)).take(4).collect();
    format!("missing {missing:#?}\nextra {extra:#?}")
}

/// A block at depth 2 or more that has children, and two standalone pages other than its
/// page, without child pages (the fake keeps serving a child page whose parent was trashed or
/// unshared, where Notion trashes or unshares the subtree).
fn targets(fake: &FakeNotion) -> (notion_model::Id, notion_model::Id, notion_model::Id) {
    let v = ApiVersion::V2026_03_11;
    let blocks: Vec<_> = fake.ground_truth(Stream::Blocks, v).collect();
    let deep = blocks
        .iter()
        .find(|b| {
            b.depth >= Some(2)
                && b.object["has_children"] == true
                && b.object["type"] != "synced_block"
        })
        .expect("a nested block with children");
    let has_child_pages = |page: notion_model::Id| {
        blocks.iter().any(|b| {
            b.page_id == Some(page)
                && (b.object["type"] == "child_page" || b.object["type"] == "child_database")
        })
    };
    let pages: Vec<_> = fake.ground_truth(Stream::Pages, v).collect();
    let mut standalone = pages.iter().filter(|p| {
        p.object["parent"]["type"] == "workspace"
            && Some(p.id) != deep.page_id
            && !has_child_pages(p.id)
    });
    let trashed = standalone.next().unwrap().id;
    let unshared = standalone.next().unwrap().id;
    (deep.id, trashed, unshared)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_deletions_an_incremental_sync_equals_a_fresh_full_sync() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let db = dir.path("synced.db");
    sync(&cfg, &db, &[]).await;
    let before: i64 = Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM blocks", [], |r| r.get(0))
        .unwrap();

    fake.advance(Duration::from_secs(3600));
    let (deep, trashed, unshared) = targets(&fake);
    fake.remove_block(deep).unwrap();
    fake.trash_page(trashed).unwrap();
    fake.unshare(unshared).unwrap();
    fake.advance(Duration::from_secs(60));

    let r = sync(&cfg, &db, &[]).await;
    let summary: Value = serde_json::from_str(&r.stdout).unwrap();
    let fresh = dir.path("fresh.db");
    sync(&cfg, &fresh, &["--full-refresh"]).await;
    let (got, want) = (canonical(&db, &[trashed]), canonical(&fresh, &[]));
    assert!(got == want, "{}", diff(&got, &want));

    // Something was deleted, and counted: the removed block's subtree, the trashed page's
    // content and document, the unshared page.
    let conn = Connection::open(&db).unwrap();
    let after: i64 = conn
        .query_row("SELECT COUNT(*) FROM blocks", [], |r| r.get(0))
        .unwrap();
    assert!(after < before - 1, "{before} → {after}");
    let in_trash: i64 = conn
        .query_row(
            "SELECT in_trash FROM pages WHERE id = ?1",
            [trashed.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(in_trash, 1, "the trashed page is kept, marked");
    for (table, column, id) in [
        ("blocks", "page_id", trashed),
        ("comments", "page_id", trashed),
        ("page_markdown", "id", trashed),
        ("blocks", "page_id", unshared),
        ("comments", "page_id", unshared),
    ] {
        let n: i64 = conn
            .query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} = ?1"),
                [id.to_string()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0, "{table} of {id}");
    }
    for (table, id) in [
        ("blocks", deep),
        ("pages", unshared),
        ("page_markdown", trashed),
    ] {
        let n: i64 = conn
            .query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE id = ?1"),
                [id.to_string()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0, "{table} {id}");
    }
    let deleted = &summary["deleted"];
    assert!(deleted["blocks"].as_u64().unwrap() >= 2, "{summary}");
    assert!(deleted["pages"].as_u64().unwrap() >= 1, "{summary}");
    assert!(deleted["page_markdown"].as_u64().unwrap() >= 2, "{summary}");
    let stored: String = conn
        .query_row(
            "SELECT deleted FROM sync_runs ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&stored).unwrap(), *deleted);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_refresh_removes_what_an_incremental_sync_cannot_see() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    // Without the inventory, an incremental sync does not notice an unshared page.
    let cfg = dir.write("config.json", &config(&fake, json!({"inventory": "never"})));
    let db = dir.path("synced.db");
    sync(&cfg, &db, &[]).await;
    fake.advance(Duration::from_secs(3600));
    let (_, _, unshared) = targets(&fake);
    fake.unshare(unshared).unwrap();
    sync(&cfg, &db, &[]).await;
    let still: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM pages WHERE id = ?1",
            [unshared.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        still, 1,
        "an incremental sync without the inventory keeps it"
    );

    let r = sync(&cfg, &db, &["--full-refresh"]).await;
    let summary: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        summary["deleted"]["pages"].as_u64().unwrap() >= 1,
        "{summary}"
    );
    let fresh = dir.path("fresh.db");
    sync(&cfg, &fresh, &["--full-refresh"]).await;
    let (got, want) = (canonical(&db, &[]), canonical(&fresh, &[]));
    assert!(got == want, "{}", diff(&got, &want));

    // A full refresh of some streams sweeps those only.
    let r = sync(&cfg, &db, &["--full-refresh", "--streams", "users"]).await;
    let summary: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(summary["deleted"], json!({}), "{summary}");
    let (got, want) = (canonical(&db, &[]), canonical(&fresh, &[]));
    assert!(got == want, "{}", diff(&got, &want));
    fake.shutdown().await;
}
