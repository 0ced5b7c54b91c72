//! `notion-source sync` and `demo`: the local SQLite mirror.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use notion_fake::{ApiVersion, GenConfig, Latency, Stream, WorkspaceSpec};
use rusqlite::Connection;
use serde_json::{Value, json};

/// Every row of every stream table, keyed by table and id (state and run history left out).
/// The content version (which read emitted a row), the run that wrote it, and the signatures of
/// Notion-hosted file URLs (fresh on every read) are left out: two reads of the same content
/// give the same dump.
fn dump(db: &Path) -> BTreeMap<(String, String), String> {
    let conn = Connection::open(db).unwrap();
    let mut out = BTreeMap::new();
    for table in common::ALL_STREAMS {
        let mut st = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY id"))
            .unwrap();
        let names: Vec<String> = st.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows = st.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let id: String = row.get("id").unwrap();
            let mut cells = Vec::new();
            for (i, name) in names.iter().enumerate() {
                let value = row.get::<_, rusqlite::types::Value>(i).unwrap();
                match (name.as_str(), value) {
                    ("content_version" | "run_id", _) => {}
                    ("raw", rusqlite::types::Value::Text(text)) => {
                        let mut raw: Value = serde_json::from_str(&text).unwrap();
                        if let Some(obj) = raw.as_object_mut() {
                            obj.remove("_content_version");
                        }
                        unsign_files(&mut raw);
                        cells.push(raw.to_string());
                    }
                    (_, value) => cells.push(format!("{value:?}")),
                }
            }
            out.insert((table.to_owned(), id), cells.join("\t"));
        }
    }
    out
}

async fn sync(config: &Path, db: &Path) -> Run {
    run(args(&[
        "sync",
        "--config",
        &path_str(config),
        "--db",
        &path_str(db),
        "--quiet",
    ]))
    .await
}

/// Starts `sync` and kills it after `after`.
async fn sync_killed_after(config: PathBuf, db: PathBuf, after: Duration) {
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(BIN)
            .args(["sync", "--quiet", "--config"])
            .arg(&config)
            .arg("--db")
            .arg(&db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(after);
        let _ = child.kill();
        let _ = child.wait();
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_syncs_rerun_to_the_same_mirror_as_a_clean_sync() {
    let mut options = unthrottled();
    options.latency = Latency {
        fixed: Duration::from_millis(2),
        jitter: Duration::from_millis(2),
    };
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), options).await;
    let dir = Dir::new();
    let cfg = dir.write(
        "config.json",
        &config(&fake, json!({"checkpoint_interval": 25, "concurrency": 4})),
    );
    let clean_db = dir.path("clean.db");
    let started = Instant::now();
    let clean = sync(&cfg, &clean_db).await;
    let clean_time = started.elapsed();
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    let expected = dump(&clean_db);
    assert_eq!(
        expected.keys().filter(|(t, _)| t == "pages").count(),
        fake.ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
            .count()
    );

    for trial in 0..10u32 {
        let db = dir.path(&format!("trial-{trial}.db"));
        // Kill points spread over the length of a clean sync.
        let at = clean_time.mul_f64(0.05 + 0.09 * f64::from(trial));
        sync_killed_after(cfg.clone(), db.clone(), at).await;
        let rerun = sync(&cfg, &db).await;
        assert_eq!(rerun.code, 0, "trial {trial}: {}", rerun.stderr);
        // The killed run is not left `running` forever.
        let statuses: Vec<String> = Connection::open(&db)
            .unwrap()
            .prepare("SELECT status FROM sync_runs ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(statuses.last().map(String::as_str), Some("succeeded"));
        // (A kill that came after the sync finished leaves a `succeeded` run.)
        assert!(
            statuses[..statuses.len() - 1]
                .iter()
                .all(|s| s == "interrupted" || s == "succeeded"),
            "trial {trial}: {statuses:?}"
        );
        let got = dump(&db);
        if got != expected {
            let missing: Vec<_> = expected
                .keys()
                .filter(|k| !got.contains_key(*k))
                .take(3)
                .collect();
            let different: Vec<_> = expected
                .iter()
                .filter(|(k, v)| got.get(*k).is_some_and(|g| g != *v))
                .map(|(k, _)| k)
                .take(3)
                .collect();
            let extra: Vec<_> = got
                .keys()
                .filter(|k| !expected.contains_key(*k))
                .take(3)
                .collect();
            panic!(
                "trial {trial} (killed after {at:?}): missing {missing:?}, different {different:?}, extra {extra:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_sync_updates_exactly_the_changed_rows() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let db = dir.path("notion.db");
    let first = sync(&cfg, &db).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let before = dump(&db);

    fake.advance(Duration::from_secs(3600));
    let blocks: Vec<_> = fake
        .ground_truth(Stream::Blocks, ApiVersion::V2026_03_11)
        .collect();
    let pages: Vec<_> = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .collect();
    let comments: Vec<_> = fake
        .ground_truth(Stream::Comments, ApiVersion::V2026_03_11)
        .collect();
    let edited = blocks
        .iter()
        .find(|b| b.object["type"] == "paragraph")
        .unwrap();
    fake.edit_block(edited.id, "changed").unwrap();
    let trashed = pages
        .iter()
        .find(|p| p.id != edited.page_id.unwrap() && p.object["parent"]["type"] == "workspace")
        .unwrap()
        .id;
    fake.trash_page(trashed).unwrap();

    let second = sync(&cfg, &db).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    let after = dump(&db);
    let changed: Vec<&(String, String)> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    let page_of_block = edited.page_id.unwrap().to_string();
    let mut want = vec![
        ("blocks".to_owned(), edited.id.to_string()),
        ("pages".to_owned(), page_of_block.clone()),
        ("pages".to_owned(), trashed.to_string()),
        ("page_markdown".to_owned(), page_of_block),
    ];
    want.sort();
    let mut got: Vec<(String, String)> = changed.into_iter().cloned().collect();
    got.sort();
    assert_eq!(
        got, want,
        "exactly the edited block, its page and its document, and the trashed page changed"
    );
    // The trashed page's content and document are gone; nothing else is.
    let mut gone: Vec<(String, String)> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    gone.sort();
    let mut want_gone: Vec<(String, String)> = blocks
        .iter()
        .filter(|b| b.page_id == Some(trashed))
        .map(|b| ("blocks".to_owned(), b.id.to_string()))
        .chain(
            comments
                .iter()
                .filter(|c| c.page_id == Some(trashed))
                .map(|c| ("comments".to_owned(), c.id.to_string())),
        )
        .chain([("page_markdown".to_owned(), trashed.to_string())])
        .collect();
    want_gone.sort();
    assert!(want_gone.len() > 2, "{want_gone:?}");
    assert_eq!(gone, want_gone);
    let conn = Connection::open(&db).unwrap();
    let in_trash: i64 = conn
        .query_row(
            "SELECT in_trash FROM pages WHERE id = ?1",
            [trashed.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(in_trash, 1, "the trashed page is marked, not dropped");
    let deleted: String = conn
        .query_row(
            "SELECT deleted FROM sync_runs ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let deleted: Value = serde_json::from_str(&deleted).unwrap();
    let count = |t: &str| want_gone.iter().filter(|(table, _)| table == t).count();
    assert_eq!(
        deleted,
        json!({"blocks": count("blocks"), "comments": count("comments"), "page_markdown": 1}),
        "the run counts what it deleted"
    );
    let text: String = conn
        .query_row(
            "SELECT plain_text FROM blocks WHERE id = ?1",
            [edited.id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(text, "changed");
    let runs: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sync_runs WHERE status = 'succeeded'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(runs, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_fills_every_stream_and_its_queries_run() {
    let dir = Dir::new();
    let db = dir.path("demo.db");
    let summary = dir.path("summary.json");
    let r = run(args(&[
        "demo",
        "--unthrottled",
        "--db",
        &path_str(&db),
        "--summary-json",
        &path_str(&summary),
    ]))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["status"], "succeeded");
    for table in common::ALL_STREAMS {
        assert!(s["records"][table].as_u64().unwrap() > 0, "{table}: {s}");
    }
    assert!(
        r.stdout.contains("SELECT"),
        "the example queries are printed"
    );
    let conn = Connection::open(&db).unwrap();
    for sql in r.stdout.lines().filter(|l| l.starts_with("SELECT")) {
        let mut st = conn.prepare(sql).unwrap();
        let n = st.query_map([], |_| Ok(())).unwrap().count();
        assert!(n > 0, "{sql} returns rows");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_counts_config_warnings_and_shows_stream_errors() {
    let mut options = unthrottled();
    let mut caps = notion_fake::Capabilities::ALL;
    caps.read_comments = false;
    options.tokens = vec![("ntn_no_comments".to_owned(), caps)];
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), options).await;
    let dir = Dir::new();
    let mut c = config(&fake, json!({"max_block_dept": 2}));
    c["credentials"]["token"] = json!("ntn_no_comments");
    let cfg = dir.write("config.json", &c);
    let db = dir.path("m.db");
    let summary = dir.path("summary.json");
    let r = run(args(&[
        "sync",
        "--config",
        &path_str(&cfg),
        "--db",
        &path_str(&db),
        "--summary-json",
        &path_str(&summary),
    ]))
    .await;
    assert_eq!(r.code, 1, "the comments stream failed: {}", r.stderr);
    assert!(
        r.stderr
            .contains("warning: unknown config field `max_block_dept` is ignored; did you mean `max_block_depth`?"),
        "{}",
        r.stderr
    );
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert!(s["warnings"].as_u64().unwrap() >= 1, "{s}");
    let errors = s["stream_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{s}");
    assert_eq!(errors[0]["stream"], "comments");
    assert!(
        errors[0]["message"].as_str().unwrap().contains("comments"),
        "{s}"
    );
    assert!(
        r.stderr
            .contains("stream error: the comments stream failed"),
        "{}",
        r.stderr
    );
    assert!(
        s["rows"]["pages"].as_u64().unwrap() > 0,
        "the other streams completed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_another_application_is_refused_untouched() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let db = dir.path("app.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TABLE pages (slug TEXT PRIMARY KEY); INSERT INTO pages VALUES ('home');",
        )
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    let r = sync(&cfg, &db).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("was not changed: it is not a notion-source mirror"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(fake.counters().total(), 0, "nothing was read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_summary_that_cannot_be_written_fails_before_the_sync() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let db = dir.path("m.db");
    let summary = dir.path("no-such-dir/summary.json");
    let r = run(args(&[
        "sync",
        "--config",
        &path_str(&cfg),
        "--db",
        &path_str(&db),
        "--summary-json",
        &path_str(&summary),
    ]))
    .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--summary-json"), "{}", r.stderr);
    assert_eq!(fake.counters().total(), 0, "the sync did not start");
    assert!(!db.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_is_written_with_every_key() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let db = dir.path("m.db");
    let r = run(args(&[
        "sync",
        "--quiet",
        "--config",
        &path_str(&cfg),
        "--db",
        &path_str(&db),
        "--streams",
        "users,pages",
        "--summary-json",
        "-",
    ]))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(s["status"], "succeeded");
    assert_eq!(
        s["records"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["pages", "users"]
    );
    assert_eq!(s["rows"]["users"], s["records"]["users"]);
    assert!(s["requests"].as_u64().unwrap() > 0);
    assert!(s["requests_per_second"].is_number());
    assert_eq!(s["records_not_stored"], 0);
    assert_eq!(s["stream_errors"], json!([]));
    assert!(s["error"].is_null());
    assert_eq!(s["database"], json!(path_str(&db)));
    // The same summary is kept in the run history.
    let stored: String = Connection::open(&db)
        .unwrap()
        .query_row("SELECT summary FROM sync_runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&stored).unwrap(), s);
}
