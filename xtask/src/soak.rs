//! `cargo xtask soak`: a full read of a `bench-sync-N` workspace with mixed faults injected by
//! the fake (500, 502 with an HTML body, 503, 504, 529 with `Retry-After`, connection resets,
//! stalls longer than the request timeout), compared with a fault-free read of the same
//! workspace: the records (sorted, without `emitted_at`; the goal is identical), the retries,
//! and the time the faults cost.
//!
//! By default under Notion's limits (the fake enforces 180 requests per 60 s with 100 ms of
//! latency; the connector at its default 3 requests per second) on a small workspace, which
//! takes minutes; `--unthrottled` compares at scale (`bench-sync-1000` by default) with no
//! limit, no latency and the connector's limiter off. Results: docs/benchmarks.md, "Soak".

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use notion_fake::{Fault, FaultRule, GenConfig, Latency, Options, ReadOptions};
use serde_json::{Value, json};

use crate::bench::common::{
    Fake, Table, build_release, connector_bin, connector_catalog, connector_config, load_average,
    machine, tail, thousands, work_dir, write_json,
};

/// Options of `cargo xtask soak`.
#[derive(Debug, Parser)]
pub(crate) struct SoakArgs {
    /// Pages of the `bench-sync-N` workspace (default: 1000 with `--unthrottled`, 12 under
    /// Notion's limits — a full read of 1000 pages at 3 requests per second takes about 3 h).
    #[arg(long)]
    pages: Option<u32>,
    /// No rate limit, no latency, the connector's limiter off: the fault comparison at scale.
    #[arg(long)]
    unthrottled: bool,
    /// Share of requests that fail, spread evenly over the seven kinds of fault.
    #[arg(long, default_value_t = 0.10)]
    fault_rate: f64,
    /// Seed of the fault injection.
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

/// The connector's per-attempt timeout in both runs; stalls last longer.
const REQUEST_TIMEOUT_S: u64 = 5;
const STALL: Duration = Duration::from_secs(REQUEST_TIMEOUT_S + 1);

/// What one read produced.
#[derive(Debug, Default)]
struct ReadResult {
    /// `(stream, id, hash of the record without emitted_at)`, sorted.
    records: Vec<(String, String, u64)>,
    /// Records per stream.
    per_stream: BTreeMap<String, u64>,
    errors: Vec<String>,
    /// Retries the connector logged (`retrying Notion request` warnings).
    retries: u64,
    other_lines: u64,
    wall: f64,
    code: i32,
    stderr: String,
    /// Requests the fake received, and answers by status.
    requests: u64,
    statuses: BTreeMap<u16, u64>,
}

pub(crate) fn run(args: SoakArgs) -> Result<()> {
    if cfg!(debug_assertions) && std::env::var_os("XTASK_OPTIMISED").is_none() {
        // The fake runs in this process and must not be the bottleneck.
        let status = Command::new(env!("CARGO"))
            .args(["run", "--release", "--quiet", "-p", "xtask", "--"])
            .args(std::env::args().skip(1))
            .env("XTASK_OPTIMISED", "1")
            .current_dir(crate::root())
            .status()
            .context("cargo run --release -p xtask")?;
        if !status.success() {
            bail!("the soak failed");
        }
        return Ok(());
    }
    build_release()?;
    let pages = args
        .pages
        .unwrap_or(if args.unthrottled { 1000 } else { 12 });
    let mode = if args.unthrottled {
        "unthrottled"
    } else {
        "throttled"
    };
    #[allow(clippy::print_stdout)]
    {
        println!(
            "# cargo xtask soak — {}, machine: {}, load average {}, bench-sync-{pages}, {mode}, {:.0}% faults, seed {}",
            chrono::Utc::now().format("%Y-%m-%d"),
            machine(),
            load_average(),
            args.fault_rate * 100.0,
            args.seed
        );
    }
    let clean = read(pages, &args, false)?;
    let faulty = read(pages, &args, true)?;
    report(pages, &args, &clean, &faulty)
}

/// The faults: each kind with an equal share of `rate`.
fn rules(rate: f64) -> Vec<FaultRule> {
    let kinds = [
        Fault::InternalError,
        Fault::BadGatewayHtml,
        Fault::ServiceUnavailable,
        Fault::GatewayTimeout,
        Fault::Overloaded { retry_after: 1 },
        Fault::ConnectionReset,
        Fault::Stall(STALL),
    ];
    // The first matching rule wins: rule i fires with p_i given that none before it did, so
    // that each kind fails rate/7 of all requests.
    let share = rate / kinds.len() as f64;
    let mut left = 1.0;
    kinds
        .into_iter()
        .map(|fault| {
            let p = (share / left).min(1.0);
            left -= share;
            FaultRule {
                endpoint: None,
                probability: p,
                fault,
            }
        })
        .collect()
}

fn read(pages: u32, args: &SoakArgs, faults: bool) -> Result<ReadResult> {
    let mut options = if args.unthrottled {
        Fake::unthrottled()
    } else {
        Options {
            rate_limit: Some(180),
            latency: Latency {
                fixed: Duration::from_millis(100),
                jitter: Duration::ZERO,
            },
            ..Options::default()
        }
    };
    if faults {
        options.faults = rules(args.fault_rate);
        options.fault_seed = args.seed;
    }
    // A new fake per read: both start at the same clock, so signed file URLs are equal.
    let fake = Fake::start(GenConfig::bench_sync(pages), options)?;
    let dir = work_dir()?.join("soak");
    std::fs::create_dir_all(&dir)?;
    let mut extra = json!({"request_timeout": REQUEST_TIMEOUT_S});
    if args.unthrottled {
        extra["requests_per_second"] = json!(0);
    }
    let config = write_json(&dir, "config.json", &connector_config(&fake, extra))?;
    let catalog = write_json(&dir, "catalog.json", &connector_catalog())?;
    #[allow(clippy::print_stdout)]
    {
        println!(
            "{} read: at least {} requests …",
            if faults { "faulty" } else { "fault-free" },
            thousands(fake.min_requests(ReadOptions::default()).total())
        );
    }
    let started = Instant::now();
    let mut child = Command::new(connector_bin())
        .args(["read", "--config"])
        .arg(&config)
        .arg("--catalog")
        .arg(&catalog)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting notion-source")?;
    let stdout = child.stdout.take().context("stdout")?;
    let mut stderr = child.stderr.take().context("stderr")?;
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let mut result = ReadResult::default();
    let mut line = Vec::new();
    let mut reader = BufReader::with_capacity(1 << 20, stdout);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let Ok(mut v) = serde_json::from_slice::<Value>(&line) else {
            result.other_lines += 1;
            continue;
        };
        match v["type"].as_str() {
            Some("RECORD") => {
                let stream = v["record"]["stream"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let id = v["record"]["data"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                if let Some(r) = v["record"].as_object_mut() {
                    r.remove("emitted_at");
                }
                // serde_json's maps are sorted: the text is canonical.
                let mut h = std::collections::hash_map::DefaultHasher::new();
                v["record"].to_string().hash(&mut h);
                *result.per_stream.entry(stream.clone()).or_default() += 1;
                result.records.push((stream, id, h.finish()));
            }
            Some("TRACE") if v["trace"]["type"] == "ERROR" => {
                result
                    .errors
                    .push(v["trace"]["error"]["message"].to_string());
            }
            _ => {}
        }
    }
    let status = child.wait()?;
    result.wall = started.elapsed().as_secs_f64();
    result.code = status.code().unwrap_or(-1);
    result.stderr = err.join().unwrap_or_default();
    result.retries = result
        .stderr
        .lines()
        .filter(|l| l.contains("retrying Notion request"))
        .count() as u64;
    result.records.sort();
    let c = fake.counters();
    result.requests = c.total();
    for s in [0u16, 200, 404, 429, 500, 502, 503, 504, 529] {
        let n = c.status(s);
        if n > 0 {
            result.statuses.insert(s, n);
        }
    }
    if result.code != 0 {
        bail!(
            "the {} read exited {}: {}\n{}",
            if faults { "faulty" } else { "fault-free" },
            result.code,
            result.errors.join("\n"),
            tail(&result.stderr, 3000)
        );
    }
    Ok(result)
}

fn report(pages: u32, args: &SoakArgs, clean: &ReadResult, faulty: &ReadResult) -> Result<()> {
    let missing = difference(&clean.records, &faulty.records);
    let extra = difference(&faulty.records, &clean.records);
    let identical = missing == 0 && extra == 0;
    let faults: u64 = faulty
        .statuses
        .iter()
        .filter(|(s, _)| matches!(s, 500 | 502 | 503 | 504 | 529 | 0))
        .map(|(_, n)| n)
        .sum();
    let mut t = Table::new(
        format!(
            "Soak: bench-sync-{pages}, {}, {:.0}% mixed faults (seed {})",
            if args.unthrottled {
                "unthrottled (no limit, no latency, the connector's limiter off)"
            } else {
                "under Notion's limit (180 requests per 60 s, 100 ms latency, the connector at 3 requests/s)"
            },
            args.fault_rate * 100.0,
            args.seed
        ),
        &[
            "read",
            "records",
            "requests",
            "answered 5xx/529",
            "reset",
            "429",
            "retries",
            "wall s",
            "requests/s",
        ],
    );
    for (name, r) in [("fault-free", clean), ("with faults", faulty)] {
        let five: u64 = r
            .statuses
            .iter()
            .filter(|(s, _)| matches!(s, 500 | 502 | 503 | 504 | 529))
            .map(|(_, n)| n)
            .sum();
        t.row(vec![
            name.to_owned(),
            thousands(r.records.len() as u64),
            thousands(r.requests),
            thousands(five),
            thousands(r.statuses.get(&0).copied().unwrap_or(0)),
            thousands(r.statuses.get(&429).copied().unwrap_or(0)),
            thousands(r.retries),
            format!("{:.1}", r.wall),
            format!("{:.2}", r.requests as f64 / r.wall),
        ]);
    }
    t.note(format!(
        "Records {}: {} of the fault-free read's missing, {} extra (compared sorted, without emitted_at). \
         Faults answered: {} ({:.1}% of the faulty read's requests), besides stalls, which the fake answers \
         {} s late, after the connector's {REQUEST_TIMEOUT_S} s timeout (not counted by the fake). Retries \
         (the connector's own count): {}. The faults cost {:+.1} s ({:.1} s → {:.1} s, {:+.0}%).",
        if identical { "identical" } else { "DIFFER" },
        missing,
        extra,
        thousands(faults),
        100.0 * faults as f64 / faulty.requests.max(1) as f64,
        STALL.as_secs(),
        thousands(faulty.retries),
        faulty.wall - clean.wall,
        clean.wall,
        faulty.wall,
        100.0 * (faulty.wall / clean.wall - 1.0),
    ));
    t.note(format!(
        "Records per stream: {}.",
        clean
            .per_stream
            .iter()
            .map(|(s, n)| format!("{s} {}", thousands(*n)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if clean.other_lines + faulty.other_lines > 0 {
        t.note(format!(
            "Lines on stdout that were not protocol messages: {}.",
            clean.other_lines + faulty.other_lines
        ));
    }
    t.print();
    if !identical {
        bail!("the records of the faulty read differ from the fault-free read's");
    }
    Ok(())
}

/// How many entries of sorted `a` are not matched in sorted `b` (as multisets).
fn difference(a: &[(String, String, u64)], b: &[(String, String, u64)]) -> usize {
    let mut j = 0;
    let mut missing = 0;
    for x in a {
        while j < b.len() && b[j] < *x {
            j += 1;
        }
        if j < b.len() && b[j] == *x {
            j += 1;
        } else {
            missing += 1;
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_fault_gets_an_equal_share() {
        let rules = rules(0.10);
        let mut none_before = 1.0;
        for r in &rules {
            let share = none_before * r.probability;
            assert!((share - 0.10 / 7.0).abs() < 1e-12, "{share}");
            none_before -= share;
        }
        assert!((none_before - 0.90).abs() < 1e-12);
    }

    #[test]
    fn multiset_difference() {
        let r = |s: &str, n: u64| (s.to_owned(), String::new(), n);
        let a = vec![r("a", 1), r("a", 1), r("b", 2)];
        let b = vec![r("a", 1), r("b", 2), r("c", 3)];
        assert_eq!(difference(&a, &b), 1);
        assert_eq!(difference(&b, &a), 1);
        assert_eq!(difference(&a, &a), 0);
    }
}
