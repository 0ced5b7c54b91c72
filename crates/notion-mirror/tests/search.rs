//! Full-text search: the index kept in step with `pages` and `page_markdown`, and the
//! read-only `Search`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use notion_mirror::{Error, Highlight, Mirror, RecordOutcome, Search, Table};
use notion_streams::StreamName;
use rusqlite::Connection;
use serde_json::{Value, json};

fn page(id: &str, title: &str, parent: Value) -> String {
    json!({
        "object": "page", "id": id, "last_edited_time": "2026-01-01T00:00:00.000Z",
        "in_trash": false, "parent": parent, "_title": title,
        "url": format!("https://www.notion.so/{id}"),
    })
    .to_string()
}

fn trashed_page(id: &str, title: &str) -> String {
    let mut p: Value = serde_json::from_str(&page(id, title, workspace())).unwrap();
    p["in_trash"] = json!(true);
    p.to_string()
}

fn workspace() -> Value {
    json!({"type": "workspace", "workspace": true})
}

fn under_page(id: &str) -> Value {
    json!({"type": "page_id", "page_id": id})
}

/// A `page_markdown` record as the connector writes it.
fn markdown(id: &str, title: &str, body: &str) -> String {
    let front_matter = format!("id: \"{id}\"\ntitle: \"{title}\"\n");
    json!({
        "object": "page_markdown", "id": id, "title": title,
        "markdown": format!("---\n{front_matter}---\n\n{body}"),
        "front_matter": front_matter, "url": format!("https://www.notion.so/{id}"),
        "parent": workspace(), "created_time": "2026-01-01T00:00:00.000Z",
        "last_edited_time": "2026-01-02T00:00:00.000Z", "in_trash": false,
        "_page_id": id, "_block_count": 3, "_unrendered": ["unsupported:ai_block"],
        "_source": "blocks", "_truncated": false,
        "_content_version": "2026-11-02T09:00:03.000Z",
    })
    .to_string()
}

fn store(m: &mut Mirror, table: Table, record: &str) {
    assert_eq!(m.record_in(table, record).unwrap(), RecordOutcome::Stored);
}

fn ids(path: &Path, query: &str) -> Vec<String> {
    Search::open(path)
        .unwrap()
        .pages(query, 100, &Highlight::default())
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}

/// FTS5's own check of the index against its content (`rank = 1`: external content too).
fn integrity_check(path: &Path) {
    Connection::open(path)
        .unwrap()
        .execute(
            "INSERT INTO page_search (page_search, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .unwrap();
}

#[test]
fn pages_are_found_by_title_and_markdown_with_their_path_and_a_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    store(
        &mut m,
        Table::Pages,
        &page("root", "Team Handbook", workspace()),
    );
    store(
        &mut m,
        Table::Pages,
        &page("eng", "Engineering", under_page("root")),
    );
    // A page under a block of a page, and a row of a data source of a database on a page.
    store(
        &mut m,
        Table::Blocks,
        &json!({"object": "block", "id": "blk", "type": "toggle", "toggle": {"rich_text": []},
                "parent": under_page("eng"), "_page_id": "eng", "_depth": 1, "_position": 0})
        .to_string(),
    );
    store(
        &mut m,
        Table::Pages,
        &page(
            "deep",
            "Charging notes",
            json!({"type": "block_id", "block_id": "blk"}),
        ),
    );
    store(
        &mut m,
        Table::Databases,
        &json!({"object": "database", "id": "db", "_title": "Projects", "parent": under_page("root")})
            .to_string(),
    );
    store(
        &mut m,
        Table::DataSources,
        &json!({"object": "data_source", "id": "ds", "_title": "Active", "_database_id": "db"})
            .to_string(),
    );
    store(
        &mut m,
        Table::Pages,
        &page(
            "row",
            "Opportunity charging",
            json!({"type": "data_source_id", "data_source_id": "ds", "database_id": "db"}),
        ),
    );
    store(
        &mut m,
        Table::PageMarkdown,
        &markdown(
            "eng",
            "Engineering",
            "We review every change.\n\nBatteries need **charging** overnight.\n",
        ),
    );
    m.commit().unwrap();

    let search = Search::open(&path).unwrap();
    let hits = search.pages("charging", 10, &Highlight::default()).unwrap();
    let found: Vec<(&str, Vec<&str>)> = hits
        .iter()
        .map(|h| (h.id.as_str(), h.path.iter().map(String::as_str).collect()))
        .collect();
    // Title matches weigh more than a word in the body.
    assert_eq!(found.len(), 3, "{hits:?}");
    assert_eq!(found[2], ("eng", vec!["Team Handbook"]));
    assert!(
        found.contains(&("row", vec!["Team Handbook", "Projects"])),
        "{found:?}"
    );
    assert!(
        found.contains(&("deep", vec!["Team Handbook", "Engineering"])),
        "{found:?}"
    );
    let eng = &hits[2];
    assert_eq!(eng.title, "Engineering");
    assert_eq!(eng.url.as_deref(), Some("https://www.notion.so/eng"));
    assert!(
        eng.snippet.contains("need **«charging»** overnight"),
        "{}",
        eng.snippet
    );
    assert!(hits[0].score <= hits[1].score && hits[1].score <= hits[2].score);

    // Stemming, prefixes, phrases, columns; the limit.
    assert_eq!(ids(&path, "batteries review"), ["eng"]);
    assert_eq!(ids(&path, "battery"), ["eng"]);
    assert_eq!(ids(&path, "charg*").len(), 3);
    assert_eq!(ids(&path, "\"charging notes\""), ["deep"]);
    assert_eq!(ids(&path, "title:charging").len(), 2);
    assert_eq!(
        search
            .pages("charging", 1, &Highlight::default())
            .unwrap()
            .len(),
        1
    );
    assert!(ids(&path, "unicorn").is_empty());
    integrity_check(&path);
}

#[test]
fn the_index_follows_every_change_of_pages_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    store(&mut m, Table::Pages, &page("a", "Alpha", workspace()));
    store(
        &mut m,
        Table::PageMarkdown,
        &markdown("a", "Alpha", "zebra crossing\n"),
    );
    // Markdown first, then the page.
    store(
        &mut m,
        Table::PageMarkdown,
        &markdown("b", "Bravo", "yak shaving\n"),
    );
    store(&mut m, Table::Pages, &page("b", "Bravo", workspace()));
    m.commit().unwrap();
    assert_eq!(ids(&path, "zebra"), ["a"]);
    assert_eq!(ids(&path, "bravo"), ["b"]);

    // New text replaces the old; a renamed page is found by its new title only.
    store(
        &mut m,
        Table::PageMarkdown,
        &markdown("a", "Alpha", "giraffe\n"),
    );
    store(&mut m, Table::Pages, &page("b", "Bison", workspace()));
    m.commit().unwrap();
    assert!(ids(&path, "zebra").is_empty());
    assert_eq!(ids(&path, "giraffe"), ["a"]);
    // (Its Markdown, not read again, still has the old title in its front matter.)
    assert!(
        ids(&path, "title:bravo").is_empty(),
        "the old title is gone"
    );
    assert_eq!(ids(&path, "title:bison"), ["b"]);

    // A trashed page leaves the index; restored, it is back.
    store(&mut m, Table::Pages, &trashed_page("a", "Alpha"));
    m.commit().unwrap();
    assert!(ids(&path, "giraffe").is_empty());
    assert!(ids(&path, "alpha").is_empty());
    store(&mut m, Table::Pages, &page("a", "Alpha", workspace()));
    m.commit().unwrap();
    assert_eq!(ids(&path, "giraffe"), ["a"]);

    // Rolled back with the records: the index is as it was.
    store(
        &mut m,
        Table::PageMarkdown,
        &markdown("a", "Alpha", "okapi\n"),
    );
    m.rollback().unwrap();
    assert!(ids(&path, "okapi").is_empty());
    assert_eq!(ids(&path, "giraffe"), ["a"]);
    integrity_check(&path);

    // Rows deleted by any statement leave the index.
    let conn = Connection::open(&path).unwrap();
    conn.execute("DELETE FROM page_markdown WHERE id = 'a'", [])
        .unwrap();
    assert!(ids(&path, "giraffe").is_empty());
    assert_eq!(ids(&path, "alpha"), ["a"], "still found by its title");
    conn.execute("DELETE FROM pages WHERE id = 'a'", [])
        .unwrap();
    assert!(ids(&path, "alpha").is_empty());
    integrity_check(&path);
}

/// A small deterministic generator (no dependency needed for one test).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn after_random_writes_the_index_holds_exactly_the_pages_not_in_the_trash() {
    let words = [
        "amber", "basalt", "cobalt", "dune", "ember", "fjord", "glacier", "harbor",
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    let mut rng = Lcg(7);
    // What each page should be found by: (title word, body word, in the trash, has markdown).
    let mut model: Vec<Option<(String, Option<String>, bool)>> = vec![None; 12];
    for step in 0..600 {
        let p = rng.below(12) as usize;
        let id = format!("p{p}");
        let word = words[rng.below(8) as usize].to_owned();
        match rng.below(5) {
            0 | 1 => {
                let trash = rng.below(4) == 0;
                let record = if trash {
                    trashed_page(&id, &word)
                } else {
                    page(&id, &word, workspace())
                };
                store(&mut m, Table::Pages, &record);
                let body = model[p].as_ref().and_then(|e| e.1.clone());
                model[p] = Some((word, body, trash));
            }
            2 | 3 => {
                store(
                    &mut m,
                    Table::PageMarkdown,
                    &markdown(&id, &word, &format!("{word}\n")),
                );
                let entry = model[p].get_or_insert((word.clone(), None, false));
                entry.1 = Some(word);
            }
            _ => {
                m.commit().unwrap();
                Connection::open(&path)
                    .unwrap()
                    .execute("DELETE FROM page_markdown WHERE id = ?1", [&id])
                    .unwrap();
                if let Some(entry) = &mut model[p] {
                    entry.1 = None;
                }
            }
        }
        if step % 7 == 0 {
            m.commit().unwrap();
        }
    }
    m.commit().unwrap();
    integrity_check(&path);
    let conn = Connection::open(&path).unwrap();
    for word in words {
        let got: BTreeSet<String> = ids(&path, &format!("body:{word}")).into_iter().collect();
        let want: BTreeSet<String> = model
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.as_ref()
                    .is_some_and(|(_, body, trash)| !trash && body.as_deref() == Some(word))
            })
            .map(|(i, _)| format!("p{i}"))
            .collect();
        assert_eq!(got, want, "body {word}");
        // Titles: the page's title, else the Markdown's (a page known only by its Markdown).
        let got: BTreeSet<String> = ids(&path, &format!("title:{word}")).into_iter().collect();
        let want: BTreeSet<String> = (0..12)
            .filter(|i| {
                let title: Option<String> = conn
                    .query_row(
                        "SELECT COALESCE(p.title, m.title) FROM (SELECT ?1 AS id) x
                         LEFT JOIN pages p ON p.id = x.id LEFT JOIN page_markdown m ON m.id = x.id",
                        [format!("p{i}")],
                        |r| r.get(0),
                    )
                    .unwrap();
                let trash = model[*i as usize].as_ref().is_some_and(|e| e.2);
                !trash && title.as_deref() == Some(word)
            })
            .map(|i| format!("p{i}"))
            .collect();
        assert_eq!(got, want, "title {word}");
    }
}

#[test]
fn searching_never_writes_and_explains_what_it_cannot_search() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    assert!(matches!(Search::open(&missing), Err(Error::NoMirror)));
    assert!(!missing.exists(), "nothing was created");

    let foreign = dir.path().join("app.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT)")
        .unwrap();
    assert!(matches!(Search::open(&foreign), Err(Error::NotAMirror(_))));

    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(Search::open(&empty), Err(Error::NotAMirror(_))));
    assert_eq!(std::fs::read(&empty).unwrap(), b"");

    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    store(&mut m, Table::Pages, &page("a", "Alpha", workspace()));
    m.commit().unwrap();
    drop(m);
    let search = Search::open(&path).unwrap();
    for bad in [
        "\"unbalanced",
        "AND",
        "alpha OR",
        "hauler-v2",
        "nosuchcolumn:x",
        "(a",
    ] {
        match search.pages(bad, 10, &Highlight::default()) {
            Err(Error::InvalidQuery(why)) => assert!(!why.is_empty(), "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    assert!(matches!(
        Search::open(&path),
        Err(Error::OlderSchema { found: 1 })
    ));
}

#[test]
fn page_markdown_records_fill_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    let record = markdown("p1", "Launch: v2", "- **Ship it**\n");
    store(&mut m, Table::PageMarkdown, &record);
    // The stream's records, by name, once the connector has the stream.
    if let Ok(stream) = "page_markdown".parse::<StreamName>() {
        assert_eq!(m.record(stream, &record).unwrap(), RecordOutcome::Stored);
    }
    m.commit().unwrap();
    let row: (
        String,
        String,
        String,
        String,
        i64,
        String,
        String,
        String,
        String,
        i64,
        String,
    ) = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT id, title, markdown, front_matter, block_count, unrendered, source,
                        last_edited_time, content_version, in_trash, raw FROM page_markdown",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(row.0, "p1");
    assert_eq!(row.1, "Launch: v2");
    assert_eq!(
        row.2,
        "---\nid: \"p1\"\ntitle: \"Launch: v2\"\n---\n\n- **Ship it**\n"
    );
    assert_eq!(row.3, "id: \"p1\"\ntitle: \"Launch: v2\"\n");
    assert_eq!(row.4, 3);
    assert_eq!(row.5, r#"["unsupported:ai_block"]"#);
    assert_eq!(row.6, "blocks");
    assert_eq!(row.7, "2026-01-02T00:00:00.000Z");
    assert_eq!(row.8, "2026-11-02T09:00:03.000Z");
    assert_eq!(row.9, 0);
    assert_eq!(row.10, record);
}
