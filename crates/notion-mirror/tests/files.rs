//! The `files` table's upkeep: what a record's files need, what downloads gave, what is gone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use notion_files::{Blob, Finished, Outcome, Owner, Store};
use notion_mirror::files::{
    DOWNLOADED, EXTERNAL, FAILED, MAX_ATTEMPTS, PENDING, SKIPPED_TOO_LARGE,
};
use notion_mirror::{FileDownload, FileUpkeep, Mirror, RecordOutcome};
use notion_streams::StreamName;
use rusqlite::Connection;
use serde_json::{Value, json};

const MAX: u64 = 1 << 20;

struct Fixture {
    _dir: tempfile::TempDir,
    db: PathBuf,
    mirror: Mirror,
    store: Store,
    files: FileUpkeep,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notion.db");
    let mirror = Mirror::open(&db).unwrap();
    let store = Store::open(Store::beside(&db)).unwrap();
    let files = FileUpkeep::start(&mirror, MAX).unwrap();
    Fixture {
        _dir: dir,
        db,
        mirror,
        store,
        files,
    }
}

impl Fixture {
    /// Stores a record and brings its files up to date.
    fn record(&mut self, stream: StreamName, record: &Value) -> Vec<FileDownload> {
        let data = record.to_string();
        // A tombstone deletes its row; any other record is stored.
        assert!(matches!(
            self.mirror.record(stream, &data).unwrap(),
            RecordOutcome::Stored | RecordOutcome::Deleted
        ));
        self.files
            .record(&mut self.mirror, &self.store, stream, &data)
            .unwrap()
    }

    /// Completes a download with `bytes`, stored as a real download would.
    fn download(&mut self, d: &FileDownload, bytes: &[u8]) -> Blob {
        let blob = put(&self.store, bytes, "png");
        let done = Finished {
            outcome: Outcome::Downloaded(blob.clone()),
            url: d.job.url.clone(),
            refreshed: false,
            body_bytes: bytes.len() as u64,
            requests: 1,
        };
        assert!(
            self.files
                .finished(&mut self.mirror, &d.key, &done)
                .unwrap()
        );
        blob
    }

    fn finish(&mut self, d: &FileDownload, outcome: Outcome) -> bool {
        let done = Finished {
            outcome,
            url: d.job.url.clone(),
            refreshed: false,
            body_bytes: 0,
            requests: 1,
        };
        self.files
            .finished(&mut self.mirror, &d.key, &done)
            .unwrap()
    }

    /// The table after a commit: `field → (status, sha256, size, error)` of a record.
    fn rows(&mut self, record_id: &str) -> Vec<(String, String, Option<String>, Option<i64>)> {
        self.mirror.commit().unwrap();
        let conn = Connection::open(&self.db).unwrap();
        let mut st = conn
            .prepare(
                "SELECT field, status, sha256, size FROM files WHERE record_id = ?1 ORDER BY field",
            )
            .unwrap();
        st.query_map([record_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    fn one(&mut self, sql: &str) -> Value {
        self.mirror.commit().unwrap();
        let conn = Connection::open(&self.db).unwrap();
        conn.query_row(sql, [], |r| {
            Ok(match r.get::<_, rusqlite::types::Value>(0)? {
                rusqlite::types::Value::Null => Value::Null,
                rusqlite::types::Value::Integer(i) => json!(i),
                rusqlite::types::Value::Text(t) => json!(t),
                other => json!(format!("{other:?}")),
            })
        })
        .unwrap()
    }

    /// A new sync: the upkeep starts again from the table.
    fn next_sync(&mut self, max: u64) {
        self.mirror.commit().unwrap();
        self.files = FileUpkeep::start(&self.mirror, max).unwrap();
    }

    fn backlog(&mut self) -> Vec<FileDownload> {
        self.files
            .backlog(&mut self.mirror, &self.store, 1000)
            .unwrap()
    }
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Puts bytes in the store as a download would and returns the blob.
fn put(store: &Store, bytes: &[u8], ext: &str) -> Blob {
    let hash = sha(bytes);
    let local = store.local_path(&hash, Some(ext));
    let path = store.resolve(&local).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    Blob {
        sha256: hash,
        size: bytes.len() as u64,
        mime_type: Some("image/png".into()),
        local_path: local,
    }
}

fn hosted(path: &str, sig: u32) -> Value {
    json!({"url": format!("https://files.example{path}?X-Amz-Signature={sig}"),
           "expiry_time": "2026-07-04T10:00:00.000Z"})
}

fn image(id: &str, page: &str, path: &str, sig: u32) -> Value {
    json!({"object": "block", "id": id, "type": "image", "_page_id": page,
           "image": {"caption": [], "type": "file", "file": hosted(path, sig)}})
}

fn blob_exists(store: &Store, blob: &Blob) -> bool {
    store.resolve(&blob.local_path).is_some_and(|p| p.exists())
}

#[test]
fn a_new_file_is_downloaded_once_and_read_again_with_a_fresh_signature_it_is_not() {
    let mut f = fixture();
    let d = f.record(StreamName::Blocks, &image("b1", "p1", "/ws/1/cat.png", 1));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].key.stream, StreamName::Blocks);
    assert_eq!(d[0].key.record_id, "b1");
    assert_eq!(d[0].job.field, "image.file.url");
    assert_eq!(d[0].job.owner, Some(Owner::Block("b1".into())));
    assert_eq!(d[0].job.name.as_deref(), Some("cat.png"));
    assert_eq!(f.rows("b1")[0].1, PENDING);
    let blob = f.download(&d[0], b"cat");
    assert_eq!(
        f.rows("b1"),
        vec![(
            "image.file.url".into(),
            DOWNLOADED.into(),
            Some(sha(b"cat")),
            Some(3)
        )]
    );
    assert_eq!(
        f.one("SELECT local_path FROM files"),
        json!(blob.local_path)
    );
    assert_eq!(
        f.one("SELECT url_path FROM files"),
        json!("https://files.example/ws/1/cat.png")
    );
    assert_eq!(f.one("SELECT page_id FROM files"), json!("p1"));
    assert_eq!(f.one("SELECT mime_type FROM files"), json!("image/png"));
    // The next sync reads the block again: a new signature, the same file.
    f.next_sync(MAX);
    assert!(
        f.record(StreamName::Blocks, &image("b1", "p1", "/ws/1/cat.png", 2))
            .is_empty()
    );
    assert_eq!(
        f.one("SELECT url FROM files"),
        json!("https://files.example/ws/1/cat.png?X-Amz-Signature=2")
    );
    assert_eq!(f.rows("b1")[0].1, DOWNLOADED);
    // Read twice in one sync while its download runs: queued once.
    let d = f.record(StreamName::Blocks, &image("b2", "p1", "/ws/2/dog.png", 1));
    assert_eq!(d.len(), 1);
    assert!(
        f.record(StreamName::Blocks, &image("b2", "p1", "/ws/2/dog.png", 2))
            .is_empty()
    );
}

#[test]
fn a_changed_file_is_downloaded_and_the_copy_nothing_refers_to_is_swept() {
    let mut f = fixture();
    let d = f.record(StreamName::Blocks, &image("b1", "p1", "/ws/1/v1.png", 1));
    let old = f.download(&d[0], b"version one");
    f.next_sync(MAX);
    let d = f.record(StreamName::Blocks, &image("b1", "p1", "/ws/2/v2.png", 1));
    assert_eq!(d.len(), 1, "another path is another file");
    let new = f.download(&d[0], b"version two");
    f.mirror.commit().unwrap();
    let swept = FileUpkeep::sweep(&f.mirror, &f.store).unwrap();
    assert_eq!((swept.files, swept.bytes), (1, 11));
    assert!(!blob_exists(&f.store, &old));
    assert!(blob_exists(&f.store, &new));
}

#[test]
fn files_a_record_no_longer_has_and_files_of_deleted_records_are_forgotten() {
    let mut f = fixture();
    let page = |files: Value| {
        json!({"object": "page", "id": "p1",
               "icon": {"type": "file", "file": hosted("/ws/i/icon.png", 1)},
               "properties": {"Attachments": {"id": "a", "type": "files", "files": files}}})
    };
    let d = f.record(
        StreamName::Pages,
        &page(json!([
            {"name": "a.png", "type": "file", "file": hosted("/ws/a/a.png", 1)},
            {"name": "b.png", "type": "file", "file": hosted("/ws/b/b.png", 1)}
        ])),
    );
    assert_eq!(d.len(), 3);
    let blobs: Vec<Blob> = d
        .iter()
        .map(|d| f.download(d, d.job.field.as_bytes()))
        .collect();
    // The second attachment is removed.
    f.next_sync(MAX);
    let d = f.record(
        StreamName::Pages,
        &page(json!([{"name": "a.png", "type": "file", "file": hosted("/ws/a/a.png", 2)}])),
    );
    assert!(d.is_empty());
    let fields: Vec<String> = f.rows("p1").into_iter().map(|r| r.0).collect();
    assert_eq!(fields, ["icon.file.url", "properties.Attachments.files[0]"]);
    FileUpkeep::sweep(&f.mirror, &f.store).unwrap();
    assert!(!blob_exists(&f.store, &blobs[2]));
    assert!(blob_exists(&f.store, &blobs[1]));
    // The page is deleted: a tombstone.
    f.next_sync(MAX);
    let tombstone = json!({"object": "page", "id": "p1", "last_edited_time": "2026-07-05T00:00:00.000Z",
        "_ab_cdc_deleted_at": "2026-07-05T00:00:00.000Z", "_deleted_reason": "not_found"});
    assert!(f.record(StreamName::Pages, &tombstone).is_empty());
    assert!(f.rows("p1").is_empty());
    f.mirror.commit().unwrap();
    let swept = FileUpkeep::sweep(&f.mirror, &f.store).unwrap();
    assert_eq!(swept.files, 2);
    for blob in &blobs {
        assert!(!blob_exists(&f.store, blob));
    }
}

#[test]
fn an_attachment_inserted_first_downloads_only_itself() {
    let mut f = fixture();
    let page = |names: &[&str]| {
        let files: Vec<Value> = names
            .iter()
            .map(|n| json!({"name": n, "type": "file", "file": hosted(&format!("/ws/{n}"), 1)}))
            .collect();
        json!({"object": "page", "id": "p1",
               "properties": {"Files": {"id": "f", "type": "files", "files": files}}})
    };
    let d = f.record(StreamName::Pages, &page(&["a.png", "b.png"]));
    for d in &d {
        f.download(d, d.job.url.as_bytes());
    }
    f.next_sync(MAX);
    let d = f.record(StreamName::Pages, &page(&["new.png", "a.png", "b.png"]));
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].job.field, "properties.Files.files[0]");
    assert_eq!(d[0].job.name.as_deref(), Some("new.png"));
    let rows = f.rows("p1");
    assert_eq!(rows[1].1, DOWNLOADED);
    assert_eq!(
        f.one("SELECT url_path FROM files WHERE field = 'properties.Files.files[2]'"),
        json!("https://files.example/ws/b.png")
    );
    assert_eq!(
        rows[2].2,
        Some(sha(b"https://files.example/ws/b.png?X-Amz-Signature=1"))
    );
}

#[test]
fn the_same_file_under_another_record_is_reused() {
    let mut f = fixture();
    let d = f.record(
        StreamName::Blocks,
        &image("b1", "p1", "/ws/1/shared.png", 1),
    );
    let blob = f.download(&d[0], b"shared");
    // A synced copy of the block elsewhere links the same file.
    assert!(
        f.record(
            StreamName::Blocks,
            &image("b9", "p2", "/ws/1/shared.png", 7)
        )
        .is_empty()
    );
    assert_eq!(
        f.rows("b9"),
        vec![(
            "image.file.url".into(),
            DOWNLOADED.into(),
            Some(blob.sha256.clone()),
            Some(6)
        )]
    );
    // Without its copy on disk, it is downloaded again.
    std::fs::remove_file(f.store.resolve(&blob.local_path).unwrap()).unwrap();
    assert_eq!(
        f.record(
            StreamName::Blocks,
            &image("b8", "p2", "/ws/1/shared.png", 8)
        )
        .len(),
        1
    );
}

#[test]
fn external_links_are_recorded_not_fetched() {
    let mut f = fixture();
    let block = json!({"object": "block", "id": "b1", "type": "file", "_page_id": "p1",
        "file": {"type": "external", "external": {"url": "https://example.com/doc.txt?v=1"}, "name": "Doc.txt"}});
    assert!(f.record(StreamName::Blocks, &block).is_empty());
    assert_eq!(
        f.rows("b1"),
        vec![("file.external.url".into(), EXTERNAL.into(), None, None)]
    );
    // The whole link is what an external file is.
    assert_eq!(
        f.one("SELECT url_path FROM files"),
        json!("https://example.com/doc.txt?v=1")
    );
    assert_eq!(f.one("SELECT name FROM files"), json!("Doc.txt"));
    // It becomes a hosted file.
    let hosted_block = image("b1", "p1", "/ws/1/x.png", 1);
    let mut hosted_block = hosted_block;
    hosted_block["type"] = json!("file");
    hosted_block["file"] = hosted_block["image"].take();
    let d = f.record(StreamName::Blocks, &hosted_block);
    assert_eq!(d.len(), 1);
    let fields: Vec<String> = f.rows("b1").into_iter().map(|r| r.0).collect();
    assert_eq!(fields, ["file.file.url"]);
}

#[test]
fn a_file_over_the_limit_is_kept_skipped_until_the_limit_allows_it() {
    let mut f = fixture();
    let d = f.record(StreamName::Blocks, &image("b1", "p1", "/ws/1/big.mp4", 1));
    assert!(f.finish(
        &d[0],
        Outcome::TooLarge {
            size: Some(5 << 20),
            detail: "5242880 bytes, over max_file_bytes (1048576)".into()
        }
    ));
    assert_eq!(
        f.rows("b1"),
        vec![(
            "image.file.url".into(),
            SKIPPED_TOO_LARGE.into(),
            None,
            Some(5 << 20)
        )]
    );
    assert_eq!(
        f.one("SELECT error FROM files"),
        json!("5242880 bytes, over max_file_bytes (1048576)")
    );
    f.next_sync(MAX);
    assert!(f.backlog().is_empty());
    assert!(
        f.record(StreamName::Blocks, &image("b1", "p1", "/ws/1/big.mp4", 2))
            .is_empty()
    );
    // A higher limit: the file is fetched.
    f.next_sync(10 << 20);
    let d = f.backlog();
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].job.url,
        "https://files.example/ws/1/big.mp4?X-Amz-Signature=2"
    );
    assert_eq!(f.rows("b1")[0].1, PENDING);
}

#[test]
fn a_download_for_a_row_queued_again_or_gone_changes_nothing() {
    let mut f = fixture();
    let first = f.record(StreamName::Blocks, &image("b1", "p1", "/ws/1/v1.png", 1));
    // Read again with another file before the first download finished.
    let second = f.record(StreamName::Blocks, &image("b1", "p1", "/ws/2/v2.png", 1));
    assert_eq!(second.len(), 1);
    let blob = put(&f.store, b"stale", "png");
    let stale = Finished {
        outcome: Outcome::Downloaded(blob),
        url: first[0].job.url.clone(),
        refreshed: false,
        body_bytes: 5,
        requests: 1,
    };
    assert!(
        !f.files
            .finished(&mut f.mirror, &first[0].key, &stale)
            .unwrap()
    );
    assert_eq!(f.rows("b1")[0].1, PENDING);
    f.download(&second[0], b"fresh");
    assert_eq!(f.rows("b1")[0].2, Some(sha(b"fresh")));
    // A record deleted while its download ran.
    let d = f.record(
        StreamName::Pages,
        &json!({"object": "page", "id": "p2",
        "cover": {"type": "file", "file": hosted("/ws/c/cover.jpg", 1)}}),
    );
    f.record(
        StreamName::Pages,
        &json!({"object": "page", "id": "p2", "_ab_cdc_deleted_at": "2026-07-05T00:00:00.000Z"}),
    );
    assert!(!f.finish(&d[0], Outcome::Failed("gone".into())));
    assert!(f.rows("p2").is_empty());
}

#[test]
fn failed_and_unfinished_downloads_are_taken_up_by_later_syncs() {
    let mut f = fixture();
    let comment = json!({"object": "comment", "id": "c1", "_page_id": "p1",
        "parent": {"type": "block_id", "block_id": "b7"},
        "attachments": [{"category": "image", "file": hosted("/ws/x/shot.png", 1)}]});
    let d = f.record(StreamName::Comments, &comment);
    assert!(f.finish(
        &d[0],
        Outcome::Failed("500 from https://files.example/ws/x/shot.png".into())
    ));
    assert_eq!(f.rows("c1")[0].1, FAILED);
    assert_eq!(f.one("SELECT attempts FROM files"), json!(1));
    // A block whose download was still running when the sync stopped.
    let pending = f.record(StreamName::Blocks, &image("b1", "p1", "/ws/1/a.png", 1));
    assert_eq!(pending.len(), 1);
    for attempt in 2..=MAX_ATTEMPTS {
        f.next_sync(MAX);
        let mut d = f.backlog();
        d.sort_by(|a, b| a.key.record_id.cmp(&b.key.record_id));
        if attempt == 2 {
            assert_eq!(d.len(), 2, "{d:?}");
            assert_eq!(d[0].key.record_id, "b1");
            assert_eq!(d[0].job.owner, Some(Owner::Block("b1".into())));
            f.download(&d[0], b"a");
            d.remove(0);
        }
        assert_eq!(d.len(), 1, "{d:?}");
        // The comment is read again among its parent's comments.
        assert_eq!(
            d[0].job.owner,
            Some(Owner::Comment {
                id: "c1".into(),
                parent: "b7".into()
            })
        );
        assert_eq!(d[0].job.field, "attachments[0].file.url");
        assert!(f.finish(&d[0], Outcome::Failed("still failing".into())));
        assert_eq!(
            f.one("SELECT attempts FROM files WHERE record_id = 'c1'"),
            json!(attempt)
        );
        // The backlog is scanned once per sync.
        assert!(f.backlog().is_empty());
    }
    f.next_sync(MAX);
    assert!(
        f.backlog().is_empty(),
        "given up after {MAX_ATTEMPTS} syncs"
    );
    // Its record read again (it changed): tried again.
    let d = f.record(StreamName::Comments, &comment);
    assert_eq!(d.len(), 1);
    assert_eq!(
        f.one("SELECT attempts FROM files WHERE record_id = 'c1'"),
        json!(0)
    );
    // A stored copy that went missing is fetched again.
    f.next_sync(MAX);
    let path = f.one("SELECT local_path FROM files WHERE record_id = 'b1'");
    std::fs::remove_file(f.store.resolve(path.as_str().unwrap()).unwrap()).unwrap();
    let d = f.backlog();
    assert_eq!(d.len(), 2, "{d:?}");
}

#[test]
fn content_read_again_forgets_the_files_of_blocks_and_comments_that_are_gone() {
    let mut f = fixture();
    let versioned = |id: &str, page: &str, version: &str| {
        let mut b = image(id, page, &format!("/ws/{id}.png"), 1);
        b["_content_version"] = json!(version);
        b
    };
    let v1 = "2026-07-04T09:00:00.000Z";
    let v2 = "2026-07-04T10:00:00.000Z";
    for (id, page) in [("b1", "p1"), ("b2", "p1"), ("b3", "p2")] {
        f.record(StreamName::Blocks, &versioned(id, page, v1));
    }
    f.record(
        StreamName::Pages,
        &json!({"object": "page", "id": "p1", "icon": {"type": "file", "file": hosted("/ws/p1.png", 1)}}),
    );
    let comment = json!({"object": "comment", "id": "c1", "_page_id": "p1", "_content_version": v1,
        "parent": {"type": "page_id", "page_id": "p1"},
        "attachments": [{"category": "image", "file": hosted("/ws/c1.png", 1)}]});
    f.record(StreamName::Comments, &comment);
    // p1 is read again: only b1 is still there. Its comments were not read (not selected).
    f.next_sync(MAX);
    f.record(StreamName::Blocks, &versioned("b1", "p1", v2));
    assert_eq!(
        f.files
            .page_content(&mut f.mirror, "p1", v2, true, false)
            .unwrap(),
        1
    );
    assert_eq!(f.rows("c1").len(), 1, "comments not read stay");
    // Then its comments are read: the comment was resolved.
    assert_eq!(
        f.files
            .page_content(&mut f.mirror, "p1", v2, false, true)
            .unwrap(),
        1
    );
    assert!(f.rows("c1").is_empty());
    assert_eq!(f.rows("b1").len(), 1);
    assert!(f.rows("b2").is_empty());
    assert_eq!(f.rows("b3").len(), 1, "another page's blocks stay");
    assert_eq!(f.rows("p1").len(), 1, "the page's own files stay");
    assert_eq!(
        f.one("SELECT content_version FROM files WHERE record_id = 'b1'"),
        json!(v2)
    );
}

#[test]
fn rows_are_written_with_the_records_and_rolled_back_with_them() {
    let mut f = fixture();
    f.record(StreamName::Blocks, &image("b1", "p1", "/ws/1/a.png", 1));
    f.mirror.rollback().unwrap();
    assert!(f.rows("b1").is_empty());
    let counts = FileUpkeep::counts(&f.mirror).unwrap();
    assert_eq!(counts.rows(PENDING), 0);
    let d = f.record(StreamName::Blocks, &image("b1", "p1", "/ws/1/a.png", 1));
    f.download(&d[0], b"abc");
    f.record(
        StreamName::Blocks,
        &json!({"object": "block", "id": "b2", "type": "video", "_page_id": "p1",
                "video": {"type": "external", "external": {"url": "https://youtu.be/x"}}}),
    );
    f.mirror.commit().unwrap();
    let counts = FileUpkeep::counts(&f.mirror).unwrap();
    assert_eq!(
        counts.by_status,
        vec![(DOWNLOADED.to_owned(), 1, 3), (EXTERNAL.to_owned(), 1, 0)]
    );
}

#[test]
fn the_files_table_is_created_in_existing_mirrors() {
    let dir = tempfile::tempdir().unwrap();
    let db: &Path = &dir.path().join("old.db");
    {
        let mut m = Mirror::open(db).unwrap();
        let stored = m
            .record(StreamName::Users, r#"{"object":"user","id":"u1"}"#)
            .unwrap();
        assert_eq!(stored, RecordOutcome::Stored);
        m.commit().unwrap();
    }
    let conn = Connection::open(db).unwrap();
    conn.execute_batch("DROP TABLE files").unwrap();
    drop(conn);
    let m = Mirror::open(db).unwrap();
    assert!(FileUpkeep::counts(&m).unwrap().by_status.is_empty());
}
