//! The mirror's content end to end, on the demo workspace: blocks in document order, their
//! plain text, and `notion-source search`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::*;
use notion_fake::{ApiVersion, Stream, WorkspaceSpec};
use rusqlite::{Connection, OptionalExtension};

/// The documented query that prints a page's blocks in document order.
const STREAMS_DOC: &str = include_str!("../../../docs/streams.md");

fn documented_tree_query() -> String {
    let start = STREAMS_DOC
        .find("```sql\nWITH RECURSIVE")
        .expect("docs/streams.md shows the recursive query");
    let sql = &STREAMS_DOC[start + "```sql\n".len()..];
    sql[..sql.find("```").unwrap()].to_owned()
}

/// Syncs the demo workspace into `db`.
async fn demo(db: &Path) {
    let r = run(args(&[
        "demo",
        "--unthrottled",
        "--quiet",
        "--db",
        &path_str(db),
    ]))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_query_prints_every_demo_page_in_document_order() {
    let dir = Dir::new();
    let db = dir.path("demo.db");
    demo(&db).await;
    let fake = fake(WorkspaceSpec::Demo, unthrottled()).await;
    let conn = Connection::open(&db).unwrap();
    let sql = documented_tree_query();
    assert!(sql.contains("'Onboarding'"), "{sql}");
    let blocks: Vec<_> = fake
        .ground_truth(Stream::Blocks, ApiVersion::V2026_03_11)
        .collect();
    let mut pages_checked = 0;
    for page in fake.ground_truth(Stream::Pages, ApiVersion::V2026_03_11) {
        let (title, same_title): (String, i64) = conn
            .query_row(
                "SELECT title, (SELECT COUNT(*) FROM pages q WHERE q.title = p.title) FROM pages p WHERE id = ?1",
                [page.id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        if same_title > 1 {
            continue;
        }
        // The page's blocks in Notion's order (pre-order), as lines the query prints.
        let want: Vec<String> = blocks
            .iter()
            .filter(|b| b.page_id == Some(page.id))
            .map(|b| {
                let (kind, text): (String, String) = conn
                    .query_row(
                        "SELECT type, plain_text FROM blocks WHERE id = ?1",
                        [b.id.to_string()],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .unwrap();
                let indent = "  ".repeat(b.depth.unwrap() as usize - 1);
                format!("{indent}{kind}: {text}")
            })
            .collect();
        let quoted = format!("'{}'", title.replace('\'', "''"));
        let got: Vec<String> = conn
            .prepare(&sql.replace("'Onboarding'", &quoted))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(got, want, "{title}");
        pages_checked += 1;
    }
    assert!(pages_checked >= 30, "{pages_checked}");
    // What the documentation shows is what the demo prints.
    let shown = STREAMS_DOC
        .split("On the demo workspace (`notion-source demo`) it begins:\n\n```\n")
        .nth(1)
        .unwrap();
    let got: Vec<String> = conn
        .prepare(&sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for line in shown[..shown.find("```").unwrap()].lines() {
        if line != "…" {
            assert!(got.iter().any(|g| g == line), "{line:?} in {got:#?}");
        }
    }
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_plain_text_is_the_markdown_crates_for_every_demo_block() {
    let dir = Dir::new();
    let db = dir.path("demo.db");
    demo(&db).await;
    let fake = fake(WorkspaceSpec::Demo, unthrottled()).await;
    let conn = Connection::open(&db).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    let mut checked = 0;
    for truth in fake.ground_truth(Stream::Blocks, ApiVersion::V2026_03_11) {
        let block: notion_model::Block = serde_json::from_value(truth.object.clone()).unwrap();
        let stored: Option<String> = conn
            .query_row(
                "SELECT plain_text FROM blocks WHERE id = ?1",
                [truth.id.to_string()],
                |r| r.get(0),
            )
            .optional()
            .unwrap()
            .flatten();
        assert_eq!(
            stored.as_deref(),
            Some(notion_markdown::block_plain_text(&block).as_str()),
            "{}",
            truth.object
        );
        kinds.insert(truth.object["type"].as_str().unwrap().to_owned());
        checked += 1;
    }
    assert_eq!(checked, 203);
    for kind in [
        "table_row",
        "image",
        "code",
        "equation",
        "bookmark",
        "child_page",
    ] {
        assert!(kinds.contains(kind), "{kind}: {kinds:?}");
    }
    // Table cells are separated, captions are there.
    let row: String = conn
        .query_row(
            "SELECT plain_text FROM blocks WHERE type = 'table_row' AND plain_text LIKE '% | %' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(row.contains(" | "), "{row}");
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_prints_the_best_pages_with_their_path_and_explains_errors() {
    let dir = Dir::new();
    let db = dir.path("demo.db");
    demo(&db).await;
    let db_arg = path_str(&db);
    let search = |extra: &[&str]| {
        let mut a = vec!["search", "--db", db_arg.as_str()];
        a.extend_from_slice(extra);
        run(args(&a))
    };

    let r = search(&["safety audit"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("1. Safety audit 20"), "{}", r.stdout);
    assert!(r.stdout.contains("\n   in Projects\n"), "{}", r.stdout);
    assert!(r.stdout.contains("«Safety» «audit»"), "{}", r.stdout);
    assert!(r.stdout.contains("\n2. Safety audit 20"), "{}", r.stdout);

    // A word of a page's body only (the page_markdown stream's Markdown): its words are shown.
    let r = search(&["idle seconds"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.lines().take(2).collect::<Vec<_>>(),
        ["1. Opportunity charging", "   in Projects"],
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("Charge during «idle» «seconds» between picks"),
        "{}",
        r.stdout
    );
    let conn = Connection::open(&db).unwrap();
    let titles_with_idle: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM pages WHERE title LIKE '%idle%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(titles_with_idle, 0, "found by its body, not its title");

    // A child page: the path names its parent pages.
    let r = search(&["title:\"first week\"", "--limit", "1"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.lines().take(2).collect::<Vec<_>>(),
        ["1. First week FAQ", "   in Team Handbook › Onboarding"],
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("\n2. "), "--limit 1: {}", r.stdout);

    let r = search(&["unicorns"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "No page matches \"unicorns\".\n");

    let r = search(&["\"unbalanced"]).await;
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("invalid search query \"\\\"unbalanced\": unterminated string"),
        "{}",
        r.stderr
    );
    let r = search(&["robots AND"]).await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("fts5: syntax error near"), "{}", r.stderr);
    assert_eq!(r.stdout, "");

    let missing = dir.path("missing.db");
    let r = run(args(&["search", "--db", &path_str(&missing), "x"])).await;
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("there is no mirror at") && r.stderr.contains("sync --db"),
        "{}",
        r.stderr
    );
    assert!(!missing.exists());

    let foreign = dir.path("app.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT)")
        .unwrap();
    let before = std::fs::read(&foreign).unwrap();
    let r = run(args(&["search", "--db", &path_str(&foreign), "x"])).await;
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("it is not a notion-source mirror"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&foreign).unwrap(), before);
}
