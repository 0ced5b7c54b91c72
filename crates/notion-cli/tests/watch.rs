//! `notion-source watch`: Notion's webhook events, signed here as Notion signs them, bring
//! changes made in the fake into the mirror; the verification handshake, bad signatures,
//! duplicates, a signal and a kill.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use notion_fake::{ApiVersion, Endpoint, FakeNotion, Id, Latency, Stream, WorkspaceSpec};
use notion_webhook::{VerificationToken, sign};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Value, json};

const TOKEN: &str = "secret_webhook_test_token";

/// A running `watch`.
struct Watch {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Watch {
    /// Starts `watch` on a free port with a short coalescing window, waits until it listens.
    fn start(config: &Path, db: &Path, extra: &[&str]) -> Watch {
        let mut child = Command::new(BIN)
            .args(["watch", "--listen", "127.0.0.1:0", "--coalesce", "100ms"])
            .arg("--config")
            .arg(config)
            .arg("--db")
            .arg(db)
            .args(extra)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("watch starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(pipe).lines();
            while let Some(Ok(line)) = lines.next() {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(rest.trim().to_owned());
                }
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("watch did not listen: {}", stderr.lock().unwrap()));
        Watch {
            child,
            addr: addr.parse().unwrap(),
            stderr,
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// POSTs a body, signed with `signature` if given; the status.
    fn post(&self, signature: Option<&str>, body: &[u8]) -> u16 {
        post(self.addr, signature, body).unwrap_or_else(|e| panic!("POST failed: {e}"))
    }

    /// POSTs an event signed with the test token.
    fn send(&self, event: &Value) -> u16 {
        let body = event.to_string();
        let signature = sign(&VerificationToken::new(TOKEN), body.as_bytes());
        self.post(Some(&signature), body.as_bytes())
    }

    /// The verification handshake.
    fn verify(&self) {
        let body = json!({"verification_token": TOKEN}).to_string();
        assert_eq!(self.post(None, body.as_bytes()), 200);
    }

    /// Waits for a line of stderr containing `text`.
    fn wait_stderr(&self, text: &str, timeout: Duration) {
        assert!(
            wait(timeout, || self.stderr().contains(text)),
            "no `{text}` on stderr: {}",
            self.stderr()
        );
    }

    /// SIGTERM, then waits for the exit; the exit code and stderr.
    fn terminate(mut self) -> (i32, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let code = wait_exit(&mut self.child, Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(50));
        (code, self.stderr())
    }

    /// SIGKILL.
    fn kill(mut self) {
        self.child.kill().unwrap();
        let _ = self.child.wait();
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_exit(child: &mut Child, timeout: Duration) -> i32 {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        assert!(Instant::now() < deadline, "watch did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn post(addr: SocketAddr, signature: Option<&str>, body: &[u8]) -> std::io::Result<u16> {
    let mut tcp = std::net::TcpStream::connect(addr)?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!(
        "POST /notion/webhook HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    if let Some(s) = signature {
        head.push_str(&format!("x-notion-signature: {s}\r\n"));
    }
    head.push_str("\r\n");
    tcp.write_all(head.as_bytes())?;
    tcp.write_all(body)?;
    let mut response = String::new();
    tcp.read_to_string(&mut response)?;
    response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {response:?}")))
}

fn wait(timeout: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    ok()
}

/// One value of the mirror (`None`: no such row).
fn query(db: &Path, sql: &str, id: &str) -> Option<rusqlite::types::Value> {
    let conn = Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(sql, [id], |r| r.get(0)).optional().unwrap()
}

fn text(v: Option<rusqlite::types::Value>) -> Option<String> {
    match v {
        Some(rusqlite::types::Value::Text(t)) => Some(t),
        _ => None,
    }
}

/// A Notion event of `kind` about `entity`, with `data`.
fn event(id: &str, kind: &str, entity: (Id, &str), data: Value) -> Value {
    json!({
        "id": id,
        "timestamp": "2026-11-02T09:00:00.000Z",
        "workspace_id": "13950b26-c203-4f3b-b97d-93ec06319565",
        "workspace_name": "Fake",
        "subscription_id": "29d75c0d-5546-4414-8459-7b7a92f1fc4b",
        "integration_id": "0ef2e755-4912-8096-91c1-00376a88a5ca",
        "type": kind,
        "authors": [{"id": "c7c11cca-1d73-471d-9b6e-bdef51470190", "type": "person"}],
        "attempt_number": 1,
        "api_version": "2026-03-11",
        "entity": {"id": entity.0.to_string(), "type": entity.1},
        "data": data,
    })
}

/// A top-level paragraph of a page of the demo workspace, and its page.
fn a_paragraph(fake: &FakeNotion, skip: usize) -> (Id, Id) {
    let block = fake
        .ground_truth(Stream::Blocks, ApiVersion::V2026_03_11)
        .filter(|b| b.object["type"] == "paragraph" && b.depth == Some(1))
        .nth(skip)
        .expect("a paragraph");
    (block.id, block.page_id.expect("its page"))
}

/// A row of the demo's data source and the name of its title property.
fn a_row(fake: &FakeNotion, skip: usize) -> (Id, String) {
    let row = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .filter(|p| p.object["parent"]["type"] == "data_source_id")
        .nth(skip)
        .expect("a row");
    let title = row.object["properties"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v["type"] == "title")
        .map(|(k, _)| k.clone())
        .unwrap();
    (row.id, title)
}

fn title_value(text: &str) -> Value {
    json!({"title": [{"type": "text", "text": {"content": text}, "plain_text": text}]})
}

/// The files `watch` is given (the fake stays on the test's runtime).
struct Paths {
    config: PathBuf,
    db: PathBuf,
}

/// Starts watch, waits for its first sync, and verifies the subscription.
fn started(p: &Paths) -> Watch {
    let w = Watch::start(&p.config, &p.db, &[]);
    w.wait_stderr("safety-net sync finished", Duration::from_secs(60));
    w.verify();
    w
}

struct Setup {
    fake: FakeNotion,
    dir: Dir,
    config: PathBuf,
    db: PathBuf,
}

async fn setup() -> Setup {
    let fake = fake(WorkspaceSpec::Demo, unthrottled()).await;
    let dir = Dir::new();
    let config = dir.write("config.json", &config(&fake, json!({})));
    let db = dir.path("notion.db");
    Setup {
        fake,
        dir,
        config,
        db,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_in_notion_reach_the_mirror_through_events() {
    let s = setup().await;
    let (block, page) = a_paragraph(&s.fake, 0);
    let (row, title) = a_row(&s.fake, 0);
    let (config, db) = (s.config.clone(), s.db.clone());
    let w = tokio::task::spawn_blocking(move || {
        let w = Watch::start(&config, &db, &[]);
        // Until the verification request, events are refused.
        let early = event("e0", "page.moved", (page, "page"), json!({}));
        assert_eq!(w.send(&early), 401);
        w.verify();
        // The token is shown (stderr is read by another thread: give it a moment).
        w.wait_stderr(TOKEN, Duration::from_secs(10));
        w.wait_stderr("safety-net sync finished", Duration::from_secs(60));
        w
    })
    .await
    .unwrap();

    // The token can be printed again.
    let shown = run(args(&[
        "watch",
        "--db",
        &path_str(&s.db),
        "--show-verification-token",
    ]))
    .await;
    assert_eq!((shown.code, shown.stdout.trim()), (0, TOKEN));

    // Content: a paragraph edited.
    s.fake.advance(Duration::from_secs(60));
    s.fake
        .edit_block(block, "Edited in Notion, seen through a webhook")
        .unwrap();
    let sql = "SELECT plain_text FROM blocks WHERE id = ?1";
    let block_text = block.to_string();
    assert_ne!(
        text(query(&s.db, sql, &block_text)).as_deref(),
        Some("Edited in Notion, seen through a webhook")
    );
    let content = event(
        "e1",
        "page.content_updated",
        (page, "page"),
        json!({"parent": {"id": page.to_string(), "type": "page"},
               "updated_blocks": [{"id": block_text, "type": "block"}]}),
    );
    assert_eq!(w.send(&content), 200);
    // A block added.
    let added = s
        .fake
        .add_block(page, "A paragraph added in Notion")
        .unwrap();
    let again = event("e2", "page.content_updated", (page, "page"), json!({}));
    assert_eq!(w.send(&again), 200);
    // A row's title.
    s.fake
        .edit_page_properties(row, json!({ title.clone(): title_value("Renamed row") }))
        .unwrap();
    let props = event(
        "e3",
        "page.properties_updated",
        (row, "page"),
        json!({"updated_properties": ["title"]}),
    );
    assert_eq!(w.send(&props), 200);
    // A comment on the paragraph.
    let comment = s
        .fake
        .add_comment(block, "A comment through a webhook")
        .unwrap();
    let commented = event(
        "e4",
        "comment.created",
        (comment, "comment"),
        json!({"page_id": page.to_string(), "parent": {"id": block_text, "type": "block"}}),
    );
    assert_eq!(w.send(&commented), 200);

    let db = s.db.clone();
    let (row_text, added_text, comment_text) =
        (row.to_string(), added.to_string(), comment.to_string());
    tokio::task::spawn_blocking(move || {
        let seen = |sql: &str, id: &str, want: &str| {
            wait(Duration::from_secs(20), || {
                text(query(&db, sql, id)).as_deref() == Some(want)
            })
        };
        assert!(seen(
            sql,
            &block_text,
            "Edited in Notion, seen through a webhook"
        ));
        assert!(seen(sql, &added_text, "A paragraph added in Notion"));
        assert!(seen(
            "SELECT title FROM pages WHERE id = ?1",
            &row_text,
            "Renamed row"
        ));
        assert!(seen(
            "SELECT plain_text FROM comments WHERE id = ?1",
            &comment_text,
            "A comment through a webhook"
        ));
        // The added block carries its page and position, as the streams write it.
        let raw = text(query(
            &db,
            "SELECT raw FROM blocks WHERE id = ?1",
            &added_text,
        ))
        .unwrap();
        let raw: Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(raw["_page_id"], page.to_string());
        assert!(raw["_position"].is_u64());
    })
    .await
    .unwrap();

    // Trash, then a page no longer shared: a row in the trash, then a row deleted.
    s.fake.trash_page(row).unwrap();
    assert_eq!(
        w.send(&event("e5", "page.deleted", (row, "page"), json!({}))),
        200
    );
    let (other, _) = a_row(&s.fake, 1);
    s.fake.unshare(other).unwrap();
    assert_eq!(
        w.send(&event("e6", "page.deleted", (other, "page"), json!({}))),
        200
    );
    let db = s.db.clone();
    let (row_text, other_text) = (row.to_string(), other.to_string());
    tokio::task::spawn_blocking(move || {
        assert!(wait(Duration::from_secs(20), || {
            query(&db, "SELECT in_trash FROM pages WHERE id = ?1", &row_text)
                == Some(rusqlite::types::Value::Integer(1))
        }));
        // The tombstone deleted the row (and what belongs to it).
        assert!(wait(Duration::from_secs(20), || {
            query(&db, "SELECT raw FROM pages WHERE id = ?1", &other_text).is_none()
        }));
        let (code, stderr) = w.terminate();
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains("watch stopped: 6 events received"),
            "{stderr}"
        );
        assert!(stderr.contains("0 events pending"), "{stderr}");
    })
    .await
    .unwrap();
    drop(s.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signatures_replays_and_duplicates_change_nothing() {
    let s = setup().await;
    let (block, page) = a_paragraph(&s.fake, 1);
    let (config, db) = (s.config.clone(), s.db.clone());
    let w = tokio::task::spawn_blocking(move || started(&Paths { config, db }))
        .await
        .unwrap();
    s.fake.advance(Duration::from_secs(60));
    s.fake
        .edit_block(block, "Changed, but announced by a forged event")
        .unwrap();
    s.fake.reset_counters();
    let forged = event("f1", "page.content_updated", (page, "page"), json!({}));
    let body = forged.to_string();
    let other_key = sign(
        &VerificationToken::new("secret_someone_else"),
        body.as_bytes(),
    );
    let other_body = sign(&VerificationToken::new(TOKEN), b"{\"id\":\"f2\"}");
    let fake = &s.fake;
    let statuses = tokio::task::spawn_blocking({
        let addr = w.addr;
        move || {
            let p = |sig: Option<&str>, b: &[u8]| post(addr, sig, b).unwrap();
            vec![
                p(None, body.as_bytes()),
                p(Some(&other_key), body.as_bytes()),
                p(Some(&other_body), body.as_bytes()),
                p(Some("sha256=not-hex"), body.as_bytes()),
                p(
                    Some(&sign(&VerificationToken::new(TOKEN), b"{oops")),
                    b"{oops",
                ),
            ]
        }
    })
    .await
    .unwrap();
    assert_eq!(statuses, [401, 401, 401, 401, 400]);
    // Nothing was read and nothing queued.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(fake.counters().total(), 0);
    let store = s.dir.path("notion.db-webhooks");
    let events: i64 = Connection::open(&store)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(events, 0);

    // A real event, delivered three times (Notion retries; a replay): read once.
    let real = event("r1", "page.properties_updated", (page, "page"), json!({}));
    assert_eq!(w.send(&real), 200);
    assert_eq!(w.send(&real), 200);
    let db = s.db.clone();
    let page_text = page.to_string();
    tokio::task::spawn_blocking(move || {
        assert!(wait(Duration::from_secs(20), || {
            query(&db, "SELECT 1 FROM pages WHERE id = ?1", &page_text).is_some()
        }));
    })
    .await
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(w.send(&real), 200);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(fake.counters().endpoint(Endpoint::RetrievePage), 1);
    assert_eq!(fake.counters().total(), 1);

    // Unknown and unmirrored types are acknowledged and read nothing.
    let unknown = event("u1", "page.teleported", (page, "page"), json!({}));
    let upload = event(
        "u2",
        "file_upload.completed",
        (page, "file_upload"),
        json!({}),
    );
    assert_eq!(w.send(&unknown), 200);
    assert_eq!(w.send(&upload), 200);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(fake.counters().total(), 1);
    // A forged verification request cannot replace the token in use.
    let takeover = json!({"verification_token": "secret_attacker"}).to_string();
    assert_eq!(w.post(None, takeover.as_bytes()), 409);
    let unknown_again = event("u3", "page.teleported", (page, "page"), json!({}));
    assert_eq!(w.send(&unknown_again), 200, "still the same token");
    let (code, stderr) = tokio::task::spawn_blocking(move || w.terminate())
        .await
        .unwrap();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("secret_attacker"), "{stderr}");
    assert_eq!(
        stderr
            .matches("ignoring events of type page.teleported")
            .count(),
        1,
        "an unknown type is reported once: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_watch_restarts_without_loss() {
    let s = setup().await;
    let (block, page) = a_paragraph(&s.fake, 2);
    let (config, db) = (s.config.clone(), s.db.clone());
    let w = tokio::task::spawn_blocking(move || started(&Paths { config, db }))
        .await
        .unwrap();
    // Reads are slow now: the event is acknowledged (queued) and the read still in flight
    // when the process is killed.
    s.fake.set_latency(
        Some(Endpoint::BlockChildren),
        Latency {
            fixed: Duration::from_secs(3),
            jitter: Duration::ZERO,
        },
    );
    s.fake.advance(Duration::from_secs(60));
    s.fake.edit_block(block, "Written before the kill").unwrap();
    let acknowledged = event("k1", "page.content_updated", (page, "page"), json!({}));
    assert_eq!(w.send(&acknowledged), 200);
    let fake = &s.fake;
    assert!(wait(Duration::from_secs(10), || {
        fake.counters().endpoint(Endpoint::RetrievePage) > 0
    }));
    tokio::task::spawn_blocking(move || w.kill()).await.unwrap();
    let sql = "SELECT plain_text FROM blocks WHERE id = ?1";
    let block_text = block.to_string();
    assert_ne!(
        text(query(&s.db, sql, &block_text)).as_deref(),
        Some("Written before the kill")
    );

    // While it is down, Notion's delivery fails; it will be delivered again.
    let (row, title) = a_row(&s.fake, 2);
    s.fake
        .edit_page_properties(row, json!({ title: title_value("Renamed while down") }))
        .unwrap();
    let in_flight = event("k2", "page.properties_updated", (row, "page"), json!({}));

    s.fake
        .set_latency(Some(Endpoint::BlockChildren), Latency::default());
    let (config, db) = (s.config.clone(), s.db.clone());
    let w = tokio::task::spawn_blocking(move || {
        let w = Watch::start(&config, &db, &[]);
        w.wait_stderr("applied first", Duration::from_secs(10));
        w
    })
    .await
    .unwrap();
    // Delivered again: the one acknowledged before the kill (a duplicate) and the one that
    // failed.
    assert_eq!(w.send(&acknowledged), 200);
    assert_eq!(w.send(&in_flight), 200);
    let db = s.db.clone();
    let row_text = row.to_string();
    tokio::task::spawn_blocking(move || {
        assert!(wait(Duration::from_secs(20), || {
            text(query(&db, sql, &block_text)).as_deref() == Some("Written before the kill")
        }));
        assert!(wait(Duration::from_secs(20), || {
            text(query(
                &db,
                "SELECT title FROM pages WHERE id = ?1",
                &row_text,
            ))
            .as_deref()
                == Some("Renamed while down")
        }));
        let (code, stderr) = w.terminate();
        assert_eq!(code, 0, "{stderr}");
        // Applied once each: the duplicate was not queued again.
        assert!(
            stderr.contains("1 events received before this start"),
            "{stderr}"
        );
        assert!(
            stderr.contains("watch stopped: 2 events received"),
            "{stderr}"
        );
        assert!(stderr.contains("0 events pending"), "{stderr}");
    })
    .await
    .unwrap();
    let store = s.dir.path("notion.db-webhooks");
    let (applied, pending): (i64, i64) = Connection::open(&store)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FILTER (WHERE applied_at IS NOT NULL), \
                    COUNT(*) FILTER (WHERE applied_at IS NULL) FROM events",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((applied, pending), (2, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_address_needs_the_flag() {
    let s = setup().await;
    let refused = run(args(&[
        "watch",
        "--config",
        &path_str(&s.config),
        "--db",
        &path_str(&s.db),
        "--listen",
        "0.0.0.0:0",
    ]))
    .await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--allow-non-loopback"),
        "{}",
        refused.stderr
    );
    assert!(!s.db.exists(), "nothing was written");
    let none = run(args(&[
        "watch",
        "--db",
        &path_str(&s.db),
        "--show-verification-token",
    ]))
    .await;
    assert_eq!(none.code, 1, "{}", none.stderr);
}

/// A fake whose every answer takes 150 ms: a first sync of the demo takes seconds.
async fn slow_setup() -> Setup {
    let s = setup().await;
    s.fake.set_latency(
        None,
        Latency {
            fixed: Duration::from_millis(150),
            jitter: Duration::ZERO,
        },
    );
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_applied_while_the_safety_net_sync_runs() {
    let s = slow_setup().await;
    let (block, page) = a_paragraph(&s.fake, 3);
    let (config, db) = (s.config.clone(), s.db.clone());
    let w = tokio::task::spawn_blocking(move || {
        let w = Watch::start(&config, &db, &[]);
        w.verify();
        w.wait_stderr("safety-net sync started", Duration::from_secs(10));
        w
    })
    .await
    .unwrap();
    s.fake.advance(Duration::from_secs(60));
    s.fake
        .edit_block(block, "Edited during the first sync")
        .unwrap();
    let content = event("s1", "page.content_updated", (page, "page"), json!({}));
    assert_eq!(w.send(&content), 200);
    let db = s.db.clone();
    tokio::task::spawn_blocking(move || {
        let sql = "SELECT plain_text FROM blocks WHERE id = ?1";
        let id = block.to_string();
        let current = || text(query(&db, sql, &id));
        assert!(wait(Duration::from_secs(20), || {
            current().as_deref() == Some("Edited during the first sync")
        }));
        assert!(
            !w.stderr().contains("safety-net sync finished"),
            "applied between the sync's batches, before it ended: {}",
            w.stderr()
        );
        w.wait_stderr("safety-net sync finished", Duration::from_secs(60));
        // Whatever the sync read before the edit, the row ends current.
        assert!(wait(Duration::from_secs(10), || {
            current().as_deref() == Some("Edited during the first sync")
        }));
        let (code, stderr) = w.terminate();
        assert_eq!(code, 0, "{stderr}");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_during_the_sync_leaves_the_mirror_consistent() {
    let s = slow_setup().await;
    let (config, db) = (s.config.clone(), s.db.clone());
    let stderr = tokio::task::spawn_blocking(move || {
        let w = Watch::start(&config, &db, &[]);
        w.wait_stderr("safety-net sync started", Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(1500));
        let (code, stderr) = w.terminate();
        assert_eq!(code, 0, "{stderr}");
        stderr
    })
    .await
    .unwrap();
    assert!(stderr.contains("safety-net sync interrupted"), "{stderr}");
    let conn = Connection::open(&s.db).unwrap();
    let status: String = conn
        .query_row(
            "SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "interrupted");
    drop(conn);
    // A sync takes over from what was committed and completes.
    s.fake.set_latency(None, Latency::default());
    let sync = run(args(&[
        "sync",
        "--quiet",
        "--config",
        &path_str(&s.config),
        "--db",
        &path_str(&s.db),
    ]))
    .await;
    assert_eq!(sync.code, 0, "{}", sync.stderr);
}
