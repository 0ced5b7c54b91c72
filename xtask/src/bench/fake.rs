//! Benchmark of the fake server: builds it in release mode, starts it as a process on a
//! generated workspace, and drives `GET /v1/blocks/{id}/children` with keep-alive connections.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

/// Options of `cargo xtask bench fake`.
#[derive(Debug, Parser)]
pub(crate) struct FakeArgs {
    /// Pages in the generated workspace.
    #[arg(long, default_value_t = 100_000)]
    pages: u32,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Use this binary instead of building one.
    #[arg(long)]
    binary: Option<String>,
}

const TOKEN: &str = "ntn_fake_token";
const VERSION: &str = "2026-03-11";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[allow(clippy::print_stdout)]
pub(crate) fn run(args: FakeArgs) -> Result<()> {
    let binary = match &args.binary {
        Some(b) => b.clone(),
        None => super::common::fake_bin().display().to_string(),
    };
    let started = Instant::now();
    let mut child = Command::new(&binary)
        .args([
            "--workspace",
            &format!("bench-{}", args.pages),
            "--rate-limit",
            "0",
            "--token",
            TOKEN,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {binary}"))?;
    let stdout = child.stdout.take().context("stdout")?;
    let pid = child.id();
    let server = Server(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let startup = started.elapsed();
    let url = line
        .trim()
        .strip_prefix("notion-fake listening on http://")
        .with_context(|| format!("unexpected first line `{line}`"))?
        .to_owned();
    let startup_rss = peak_rss_kib(pid).unwrap_or(0);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let result = rt.block_on(load(&url, &args, pid))?;
    let (requests, bytes, blocks, elapsed) =
        (result.requests, result.bytes, result.blocks, result.elapsed);
    let peak_rss = peak_rss_kib(pid).unwrap_or(0);
    drop(server);

    println!("notion-fake benchmark");
    println!("  workspace        bench-{} (generated)", args.pages);
    println!(
        "  startup          {:.3} s (spawn to listening line)",
        startup.as_secs_f64()
    );
    println!("  RSS after start  {:.1} MiB", startup_rss as f64 / 1024.0);
    println!(
        "  search           {:.3} s for the ids of 2,000 pages (the first request builds the search index)",
        result.first_search.as_secs_f64()
    );
    println!("  peak RSS         {:.1} MiB", peak_rss as f64 / 1024.0);
    println!(
        "  block children   {requests} requests in {:.2} s on {} connections: {:.0} req/s, {:.1} blocks/response, {:.1} MB/s",
        elapsed.as_secs_f64(),
        args.connections,
        requests as f64 / elapsed.as_secs_f64(),
        blocks as f64 / requests.max(1) as f64,
        bytes as f64 / elapsed.as_secs_f64() / 1e6,
    );
    if let Some(cpu) = result.server_cpu {
        let per = cpu.as_secs_f64() / requests.max(1) as f64;
        println!(
            "  server CPU       {:.1} µs per request ({:.0} req/s per fully used core; {:.2} cores used)",
            per * 1e6,
            1.0 / per,
            cpu.as_secs_f64() / elapsed.as_secs_f64(),
        );
    }
    Ok(())
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: &str) -> Result<Sender> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn send(
    s: &mut Sender,
    method: http::Method,
    path: &str,
    body: Option<&str>,
) -> Result<Bytes> {
    s.ready().await?;
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("notion-version", VERSION)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.unwrap_or("").to_owned())))?;
    let resp = s.send_request(req).await?;
    let status = resp.status();
    let b = resp.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        bail!("{path}: {status}: {}", String::from_utf8_lossy(&b));
    }
    Ok(b)
}

/// Page ids from the first search pages.
async fn page_ids(addr: &str, want: usize) -> Result<Vec<String>> {
    let mut s = connect(addr).await?;
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    while ids.len() < want {
        let body = match &cursor {
            Some(c) => format!(
                r#"{{"filter":{{"property":"object","value":"page"}},"start_cursor":"{c}"}}"#
            ),
            None => r#"{"filter":{"property":"object","value":"page"}}"#.to_owned(),
        };
        let b = send(&mut s, http::Method::POST, "/v1/search", Some(&body)).await?;
        let j: serde_json::Value = serde_json::from_slice(&b)?;
        for r in j["results"].as_array().context("results")? {
            ids.push(r["id"].as_str().context("id")?.to_owned());
        }
        match j["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    Ok(ids)
}

/// Blocks in a children response (each starts with `{"object":"block"`).
fn count_blocks(body: &[u8]) -> u64 {
    const NEEDLE: &[u8] = b"{\"object\":\"block\"";
    body.windows(NEEDLE.len()).filter(|w| *w == NEEDLE).count() as u64
}

/// CPU time (user + system) a process used so far, from `/proc/PID/stat` (clock ticks of
/// 1/100 s, Linux's `USER_HZ`).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// What the load phase measured.
struct LoadResult {
    requests: u64,
    bytes: u64,
    blocks: u64,
    elapsed: Duration,
    first_search: Duration,
    server_cpu: Option<Duration>,
}

async fn load(addr: &str, args: &FakeArgs, pid: u32) -> Result<LoadResult> {
    let searched = Instant::now();
    let ids = std::sync::Arc::new(page_ids(addr, 2000).await?);
    let first_search = searched.elapsed();
    if ids.is_empty() {
        bail!("search returned no page");
    }

    let cpu_before = cpu_time(pid);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..args.connections {
        let ids = ids.clone();
        let addr = addr.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut s = connect(&addr).await?;
            let (mut n, mut bytes, mut blocks) = (0u64, 0u64, 0u64);
            let mut i = c * 7919;
            while Instant::now() < deadline {
                let id = &ids[i % ids.len()];
                i += 1;
                let b = send(
                    &mut s,
                    http::Method::GET,
                    &format!("/v1/blocks/{id}/children"),
                    None,
                )
                .await?;
                n += 1;
                bytes += b.len() as u64;
                blocks += count_blocks(&b);
            }
            anyhow::Ok((n, bytes, blocks))
        }));
    }
    let (mut n, mut bytes, mut blocks) = (0, 0, 0);
    for t in tasks {
        let (a, b, c) = t.await??;
        n += a;
        bytes += b;
        blocks += c;
    }
    let elapsed = start.elapsed();
    let server_cpu = match (cpu_before, cpu_time(pid)) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    Ok(LoadResult {
        requests: n,
        bytes,
        blocks,
        elapsed,
        first_search,
        server_cpu,
    })
}
