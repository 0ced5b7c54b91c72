//! Freshness through webhooks: the time from a change in the fake to the mirror row updated by
//! `notion-source watch`, under Notion's limits (180 requests per 60 s, 100 ms latency, the
//! connector at its defaults), and the requests each event costs.
//!
//! The mirror is synced first (unthrottled). Then changes are made at a steady pace — a
//! paragraph edited (`page.content_updated`), a row renamed (`page.properties_updated`), a
//! comment added (`comment.created`), in turn, each on another page — and each is announced
//! at once by a signed event, as Notion sends it (Notion's own delay before it sends an event
//! is not part of the figure). The mirror is polled until every change is there.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use notion_fake::{ApiVersion, GenConfig, Id, Latency, Stream};
use notion_webhook::{VerificationToken, sign};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Value, json};

use super::common::{
    Fake, Table, connector_bin, connector_config, load_average, tail, work_dir, write_json,
};

/// Options of `cargo xtask bench webhooks`.
#[derive(Debug, Parser)]
pub(crate) struct WebhooksArgs {
    /// Changes made (and events sent).
    #[arg(long, default_value_t = 100)]
    changes: usize,
    /// Milliseconds between two changes.
    #[arg(long, default_value_t = 2000)]
    interval_ms: u64,
    /// The fake's budget per 60-second window.
    #[arg(long, default_value_t = 180)]
    budget: u32,
    /// The fake's latency per request, in milliseconds.
    #[arg(long, default_value_t = 100)]
    latency_ms: u64,
    /// `watch --coalesce`: how long events of one object are gathered.
    #[arg(long, default_value = "1s")]
    coalesce: String,
}

const TOKEN: &str = "secret_bench_webhooks";

/// A change and how to see it in the mirror.
struct Change {
    kind: &'static str,
    sql: &'static str,
    id: String,
    /// The value the query returns once the change is in the mirror.
    want: String,
    made: Instant,
    seen: Option<Duration>,
}

pub(crate) fn run(args: WebhooksArgs) -> Result<()> {
    let load_before = load_average();
    let fake = Fake::start(GenConfig::small(), Fake::unthrottled())?;
    let dir = work_dir()?.join("webhooks");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("notion.db");

    // The mirror first, unthrottled.
    let fast = write_json(
        &dir,
        "sync.json",
        &connector_config(&fake, json!({"requests_per_second": 0})),
    )?;
    let out = Command::new(connector_bin())
        .args(["sync", "--quiet", "--config"])
        .arg(&fast)
        .arg("--db")
        .arg(&db)
        .output()
        .context("running sync")?;
    ensure!(
        out.status.success(),
        "sync failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Then Notion's limits, and the connector at its defaults.
    fake.set_rate_limit(Some(args.budget));
    fake.set_latency(
        None,
        Latency {
            fixed: Duration::from_millis(args.latency_ms),
            jitter: Duration::ZERO,
        },
    );
    let config = write_json(&dir, "config.json", &connector_config(&fake, json!({})))?;
    let mut watch = Command::new(connector_bin())
        .args(["watch", "--listen", "127.0.0.1:0", "--sync-every", "0"])
        .args(["--coalesce", &args.coalesce, "--config"])
        .arg(&config)
        .arg("--db")
        .arg(&db)
        .env("RUST_LOG", "notion_source=info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting watch")?;
    let result = measure(&args, &fake, &db, &mut watch);
    let _ = Command::new("kill")
        .args(["-TERM", &watch.id().to_string()])
        .status();
    let _ = watch.wait();
    let (changes, requests, stderr) = result?;

    let mut by_kind: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut all = Vec::new();
    for c in &changes {
        let s = c.seen.map_or(f64::NAN, |d| d.as_secs_f64());
        by_kind.entry(c.kind).or_default().push(s);
        all.push(s);
    }
    let mut t = Table::new(
        format!(
            "Webhooks: change in the fake to row in the mirror, {} changes one every {} ms, \
             {}-request budget per 60 s, {} ms latency, connector defaults, --coalesce {} \
             (load average {load_before})",
            changes.len(),
            args.interval_ms,
            args.budget,
            args.latency_ms,
            args.coalesce
        ),
        &["change (event)", "changes", "p50", "p95", "max"],
    );
    for (kind, mut v) in by_kind {
        t.row(row(kind, &mut v));
    }
    t.row(row("all", &mut all));
    t.note(format!(
        "Requests: {requests} for {} events, {:.2} per event (429 responses: {}). Times from \
         the mutation in the fake to the row read back from the mirror's SQLite file, polled \
         every 10 ms; Notion's own delay before it sends an event is not included.",
        changes.len(),
        requests as f64 / changes.len() as f64,
        fake.counters().status(429)
    ));
    if stderr.contains("warning") || stderr.contains("error") {
        t.note(format!("watch stderr: {}", tail(&stderr, 1000).trim()));
    }
    t.print();
    Ok(())
}

fn row(kind: &str, v: &mut [f64]) -> Vec<String> {
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    vec![
        kind.to_owned(),
        v.len().to_string(),
        format!("{:.2} s", q(0.5)),
        format!("{:.2} s", q(0.95)),
        format!("{:.2} s", q(1.0)),
    ]
}

/// Sends the changes and waits for each in the mirror; the changes, the requests spent and
/// watch's stderr.
fn measure(
    args: &WebhooksArgs,
    fake: &Fake,
    db: &std::path::Path,
    watch: &mut Child,
) -> Result<(Vec<Change>, u64, String)> {
    let (addr, stderr) = listening(watch)?;
    let token = VerificationToken::new(TOKEN);
    let status = post(
        addr,
        None,
        json!({"verification_token": TOKEN}).to_string().as_bytes(),
    )?;
    ensure!(status == 200, "the verification request got {status}");

    let truth = |s| {
        fake.ground_truth(s, ApiVersion::V2026_03_11)
            .collect::<Vec<_>>()
    };
    let paragraphs: Vec<(Id, Id)> = truth(Stream::Blocks)
        .into_iter()
        .filter(|b| b.object["type"] == "paragraph")
        .filter_map(|b| Some((b.id, b.page_id?)))
        .collect();
    let rows: Vec<(Id, String)> = truth(Stream::Pages)
        .into_iter()
        .filter_map(|p| {
            let props = p.object["properties"].as_object()?;
            let title = props.iter().find(|(_, v)| v["type"] == "title")?.0.clone();
            (p.object["parent"]["type"] == "data_source_id").then_some((p.id, title))
        })
        .collect();
    ensure!(
        !paragraphs.is_empty() && !rows.is_empty(),
        "the workspace has no paragraph or no row"
    );
    // Another page for each change, as far as the workspace allows.
    let mut by_page: BTreeMap<Id, Id> = BTreeMap::new();
    for (block, page) in &paragraphs {
        by_page.entry(*page).or_insert(*block);
    }
    let blocks: Vec<(Id, Id)> = by_page.into_iter().map(|(p, b)| (b, p)).collect();

    fake.reset_counters();
    let conn = Connection::open(db)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let mut changes: Vec<Change> = Vec::new();
    let started = Instant::now();
    let mut next = started;
    let deadline_after_last = Duration::from_secs(120);
    loop {
        let now = Instant::now();
        if changes.len() < args.changes && now >= next {
            let i = changes.len();
            let text = format!("Change {i} at {}", started.elapsed().as_millis());
            let (change, event) = match i % 3 {
                0 => {
                    let (block, page) = blocks[(i / 3) % blocks.len()];
                    fake.edit_block(block, &text)?;
                    (
                        (
                            "page.content_updated",
                            "SELECT plain_text FROM blocks WHERE id = ?1",
                            block,
                        ),
                        event(i, "page.content_updated", page, "page", json!({})),
                    )
                }
                1 => {
                    let (row, title) = &rows[(i / 3) % rows.len()];
                    let value = json!({"title": [{"type": "text", "text": {"content": text}, "plain_text": text}]});
                    fake.edit_page_properties(*row, json!({ title.clone(): value }))?;
                    (
                        (
                            "page.properties_updated",
                            "SELECT title FROM pages WHERE id = ?1",
                            *row,
                        ),
                        event(i, "page.properties_updated", *row, "page", json!({})),
                    )
                }
                _ => {
                    let (block, page) = blocks[(i / 3 + blocks.len() / 2) % blocks.len()];
                    let comment = fake.add_comment(block, &text)?;
                    (
                        (
                            "comment.created",
                            "SELECT plain_text FROM comments WHERE id = ?1",
                            comment,
                        ),
                        event(
                            i,
                            "comment.created",
                            comment,
                            "comment",
                            json!({"page_id": page.to_string(),
                                   "parent": {"id": block.to_string(), "type": "block"}}),
                        ),
                    )
                }
            };
            let made = Instant::now();
            let body = event.to_string();
            let status = post(addr, Some(&sign(&token, body.as_bytes())), body.as_bytes())?;
            ensure!(status == 200, "event {i} got {status}");
            changes.push(Change {
                kind: change.0,
                sql: change.1,
                id: change.2.to_string(),
                want: text,
                made,
                seen: None,
            });
            next += Duration::from_millis(args.interval_ms);
        }
        for c in changes.iter_mut().filter(|c| c.seen.is_none()) {
            let value: Option<Option<String>> =
                conn.query_row(c.sql, [&c.id], |r| r.get(0)).optional()?;
            if value.flatten().as_deref() == Some(c.want.as_str()) {
                c.seen = Some(c.made.elapsed());
            }
        }
        if changes.len() == args.changes && changes.iter().all(|c| c.seen.is_some()) {
            break;
        }
        if changes.len() == args.changes && Instant::now() > next + deadline_after_last {
            let missing = changes.iter().filter(|c| c.seen.is_none()).count();
            bail!(
                "{missing} changes never reached the mirror; watch stderr: {}",
                tail(&stderr.lock().map(|s| s.clone()).unwrap_or_default(), 2000)
            );
        }
        if watch.try_wait()?.is_some() {
            bail!(
                "watch exited: {}",
                tail(&stderr.lock().map(|s| s.clone()).unwrap_or_default(), 2000)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let requests = fake.counters().total();
    let text = stderr.lock().map(|s| s.clone()).unwrap_or_default();
    Ok((changes, requests, text))
}

/// Waits for watch to listen; its address and its stderr, collected on a thread.
fn listening(watch: &mut Child) -> Result<(SocketAddr, std::sync::Arc<std::sync::Mutex<String>>)> {
    let pipe = watch.stderr.take().context("watch's stderr")?;
    let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = text.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(|l| l.ok()) {
            if let Some(addr) = line.split("listening on http://").nth(1) {
                let _ = tx.send(addr.trim().to_owned());
            }
            if let Ok(mut s) = sink.lock() {
                s.push_str(&line);
                s.push('\n');
                if s.len() > 1 << 20 {
                    let cut = s.len() - (1 << 19);
                    let cut = (cut..s.len()).find(|i| s.is_char_boundary(*i)).unwrap_or(0);
                    s.drain(..cut);
                }
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .context("watch did not start listening")?;
    Ok((addr.parse()?, text))
}

fn event(i: usize, kind: &str, entity: Id, entity_type: &str, data: Value) -> Value {
    json!({
        "id": format!("bench-{i}"),
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "type": kind,
        "attempt_number": 1,
        "api_version": "2026-03-11",
        "entity": {"id": entity.to_string(), "type": entity_type},
        "data": data,
    })
}

fn post(addr: SocketAddr, signature: Option<&str>, body: &[u8]) -> Result<u16> {
    let mut tcp = std::net::TcpStream::connect(addr)?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!(
        "POST / HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
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
        .with_context(|| format!("not an HTTP response: {response:?}"))
}
