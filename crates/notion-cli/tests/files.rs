//! `sync` with `download_files` against the fake, whose Notion-hosted files are served at
//! expiring signed URLs on the fake itself: every file stored with its hash, expired links
//! refreshed once, only changed files fetched again, files over the limit skipped, files of
//! deleted records removed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use common::*;
use notion_fake::{FakeNotion, GenConfig, HostedFile, Options, Stream, WorkspaceSpec};
use rusqlite::Connection;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A fake without rate limit, with links valid for `expiry` and a large file of `large` bytes.
async fn start(spec: WorkspaceSpec, expiry: Duration, large: u64) -> FakeNotion {
    fake(
        spec,
        Options {
            file_url_expiry: expiry,
            large_file_bytes: large,
            ..unthrottled()
        },
    )
    .await
}

/// Runs `sync` and returns its summary.
async fn sync(dir: &Dir, fake: &FakeNotion, extra: Value) -> Value {
    let mut extra = extra;
    extra["download_files"] = json!(true);
    let cfg = dir.write("config.json", &config(fake, extra));
    let summary = dir.path("summary.json");
    let run = run(args(&[
        "sync",
        "--config",
        &path_str(&cfg),
        "--db",
        &path_str(&dir.path("notion.db")),
        "--quiet",
        "--summary-json",
        &path_str(&summary),
    ]))
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_slice(&std::fs::read(summary).unwrap()).unwrap()
}

fn stream_name(s: Stream) -> &'static str {
    match s {
        Stream::Users => "users",
        Stream::Databases => "databases",
        Stream::DataSources => "data_sources",
        Stream::Pages => "pages",
        Stream::Blocks => "blocks",
        Stream::Comments => "comments",
        other => panic!("{other:?}"),
    }
}

/// The `field` of the `files` table for the fake's path of a file object: `image.file` →
/// `image.file.url`, `properties.Files.files[0].file` → `properties.Files.files[0]`.
fn field(f: &HostedFile) -> String {
    if f.field.starts_with("properties.") {
        f.field.trim_end_matches(".file").to_owned()
    } else {
        format!("{}.url", f.field)
    }
}

/// A row of the `files` table.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    status: String,
    size: Option<i64>,
    sha256: Option<String>,
    mime_type: Option<String>,
    local_path: Option<String>,
    error: Option<String>,
}

/// Every row of the `files` table, by (stream, record id, field).
fn files(db: &Path) -> BTreeMap<(String, String, String), Row> {
    let conn = Connection::open(db).unwrap();
    let mut st = conn
        .prepare(
            "SELECT stream, record_id, field, status, size, sha256, mime_type, local_path, error \
             FROM files",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((
            (r.get(0)?, r.get(1)?, r.get(2)?),
            Row {
                status: r.get(3)?,
                size: r.get(4)?,
                sha256: r.get(5)?,
                mime_type: r.get(6)?,
                local_path: r.get(7)?,
                error: r.get(8)?,
            },
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn key(f: &HostedFile) -> (String, String, String) {
    (
        stream_name(f.stream).to_owned(),
        f.record.to_string(),
        field(f),
    )
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks that `f` is stored: its row says so and the copy on disk has its hash.
fn assert_stored(dir: &Dir, rows: &BTreeMap<(String, String, String), Row>, f: &HostedFile) {
    let row = rows
        .get(&key(f))
        .unwrap_or_else(|| panic!("no row for {:?}", key(f)));
    assert_eq!(row.status, "downloaded", "{:?}: {row:?}", key(f));
    assert_eq!(
        row.sha256.as_deref(),
        Some(f.sha256.as_str()),
        "{:?}",
        key(f)
    );
    assert_eq!(row.size, Some(f.size as i64));
    assert_eq!(row.mime_type.as_deref(), Some(f.content_type.as_str()));
    let local = row.local_path.as_deref().unwrap();
    assert!(local.starts_with("notion.db.files/"), "{local}");
    let bytes = std::fs::read(dir.0.path().join(local)).unwrap();
    assert_eq!(sha256(&bytes), f.sha256, "{local}");
}

/// Stored copies in the store (not temporary files).
fn stored_copies(dir: &Dir) -> usize {
    let root = dir.path("notion.db.files");
    std::fs::read_dir(&root)
        .unwrap()
        .map(Result::unwrap)
        .filter(|e| e.file_name() != "tmp")
        .map(|e| std::fs::read_dir(e.path()).unwrap().count())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hosted_file_of_the_demo_is_stored_with_its_hash() {
    let fake = start(WorkspaceSpec::Demo, Duration::from_secs(3600), 600_000).await;
    let dir = Dir::new();
    let summary = sync(&dir, &fake, json!({})).await;
    let hosted: Vec<HostedFile> = fake.hosted_files().collect();
    assert!(hosted.len() >= 5, "{hosted:?}");
    let rows = files(&dir.path("notion.db"));
    for f in &hosted {
        assert_stored(&dir, &rows, f);
    }
    let downloaded = rows.values().filter(|r| r.status == "downloaded").count();
    assert_eq!(downloaded, hosted.len(), "one row per hosted file");
    // External files are listed, not fetched; nothing failed.
    assert!(rows.values().any(|r| r.status == "external"));
    assert!(
        rows.values()
            .all(|r| r.status == "downloaded" || r.status == "external"),
        "{rows:#?}"
    );
    let counters = fake.counters();
    assert_eq!(
        counters.file_downloads.get(&200),
        Some(&(hosted.len() as u64))
    );
    assert_eq!(
        counters.downloads(),
        hosted.len() as u64,
        "each file fetched once"
    );
    let files = &summary["files"];
    assert_eq!(files["downloaded"], json!(hosted.len()));
    assert_eq!(
        files["bytes"],
        json!(hosted.iter().map(|f| f.size).sum::<u64>())
    );
    assert_eq!(files["refreshes"], 0, "links used within the hour");
    assert_eq!(files["by_status"]["downloaded"], json!(hosted.len()));
    assert_eq!(stored_copies(&dir), hosted.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_link_is_refreshed_once_and_only_once() {
    let fake = start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Duration::from_secs(60),
        100_000,
    )
    .await;
    let dir = Dir::new();
    let quiet = json!({"lookback_minutes": 0, "inventory": "never"});
    sync(&dir, &fake, quiet.clone()).await;
    let hosted: Vec<HostedFile> = fake.hosted_files().collect();
    // The copies are lost, and every link the mirror holds has expired.
    std::fs::remove_dir_all(dir.path("notion.db.files")).unwrap();
    fake.advance(Duration::from_secs(600));
    fake.reset_counters();
    let summary = sync(&dir, &fake, quiet).await;
    let rows = files(&dir.path("notion.db"));
    for f in &hosted {
        assert_stored(&dir, &rows, f);
    }
    let n = hosted.len() as u64;
    let counters = fake.counters();
    // Each stored link answered 403 once; each object read again gave a link that worked.
    assert_eq!(counters.file_downloads.get(&403), Some(&n), "{counters:?}");
    assert_eq!(counters.file_downloads.get(&200), Some(&n), "{counters:?}");
    assert_eq!(summary["files"]["refreshes"], json!(n));
    assert_eq!(summary["files"]["failed"], 0);
    // The API requests of this sync are the refreshes and the incremental read's own.
    let baseline = {
        let dir = Dir::new();
        sync(
            &dir,
            &fake,
            json!({"lookback_minutes": 0, "inventory": "never", "download_files": false}),
        )
        .await;
        // A first sync of a new mirror reads everything: compare with the incremental one
        // below instead.
        fake.reset_counters();
        sync(
            &dir,
            &fake,
            json!({"lookback_minutes": 0, "inventory": "never"}),
        )
        .await;
        fake.counters().total()
    };
    assert_eq!(counters.total(), baseline + n, "{counters:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_sync_downloads_only_the_changed_file() {
    let fake = start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Duration::from_secs(3600),
        100_000,
    )
    .await;
    let dir = Dir::new();
    sync(&dir, &fake, json!({})).await;
    let before = stored_copies(&dir);
    let old = fake
        .hosted_files()
        .find(|f| f.stream == Stream::Blocks)
        .unwrap();
    fake.advance(Duration::from_secs(120));
    let new = fake.replace_file(&old.id).unwrap();
    assert_ne!(new.sha256, old.sha256);
    fake.reset_counters();
    let summary = sync(&dir, &fake, json!({})).await;
    let counters = fake.counters();
    assert_eq!(counters.downloads(), 1, "{counters:?}");
    assert_eq!(summary["files"]["downloaded"], 1);
    assert_eq!(summary["files"]["refreshes"], 0);
    let rows = files(&dir.path("notion.db"));
    assert_stored(&dir, &rows, &new);
    // The previous version's copy is gone; every other file is as it was.
    assert_eq!(summary["files"]["removed"], 1);
    assert_eq!(stored_copies(&dir), before);
    for f in fake.hosted_files() {
        assert_stored(&dir, &rows, &f);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_max_file_bytes_is_recorded_and_skipped() {
    let large = 3 * 1024 * 1024;
    let fake = start(WorkspaceSpec::Demo, Duration::from_secs(3600), large).await;
    let dir = Dir::new();
    let summary = sync(&dir, &fake, json!({"max_file_bytes": 1024 * 1024})).await;
    let big = fake.hosted_files().find(|f| f.size == large).unwrap();
    let rows = files(&dir.path("notion.db"));
    let row = &rows[&key(&big)];
    assert_eq!(row.status, "skipped_too_large");
    assert_eq!(row.size, Some(large as i64), "the size its host declared");
    assert_eq!((&row.sha256, &row.local_path), (&None, &None));
    assert!(
        row.error
            .as_deref()
            .unwrap()
            .contains("over max_file_bytes"),
        "{row:?}"
    );
    assert_eq!(summary["files"]["skipped_too_large"], 1);
    for f in fake.hosted_files().filter(|f| f.size != large) {
        assert_stored(&dir, &rows, &f);
    }
    // A higher limit: the next sync fetches it (the link has not expired: no refresh).
    fake.reset_counters();
    let summary = sync(&dir, &fake, json!({"max_file_bytes": 4 * 1024 * 1024})).await;
    assert_stored(&dir, &files(&dir.path("notion.db")), &big);
    assert_eq!(summary["files"]["downloaded"], 1);
    assert_eq!(fake.counters().downloads(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_of_deleted_blocks_and_pages_are_removed() {
    let fake = start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Duration::from_secs(3600),
        100_000,
    )
    .await;
    let dir = Dir::new();
    sync(&dir, &fake, json!({})).await;
    let hosted: Vec<HostedFile> = fake.hosted_files().collect();
    let block = hosted
        .iter()
        .find(|f| f.stream == Stream::Blocks)
        .unwrap()
        .clone();
    let page = hosted
        .iter()
        .find(|f| f.stream == Stream::Pages && f.record != block.record)
        .unwrap()
        .clone();
    let before = files(&dir.path("notion.db"));
    let block_copy = before[&key(&block)].local_path.clone().unwrap();
    fake.advance(Duration::from_secs(120));
    fake.remove_block(block.record).unwrap();
    fake.delete_page(page.record).unwrap();
    let summary = sync(&dir, &fake, json!({})).await;
    let after = files(&dir.path("notion.db"));
    assert!(
        !after.contains_key(&key(&block)),
        "the removed block's file"
    );
    assert!(!dir.0.path().join(&block_copy).exists());
    assert!(
        !after
            .keys()
            .any(|(s, id, _)| s == "pages" && *id == page.record.to_string()),
        "the deleted page's files"
    );
    assert!(
        summary["files"]["removed"].as_u64().unwrap() >= 2,
        "{summary}"
    );
    assert_eq!(summary["files"]["downloaded"], 0);
}
