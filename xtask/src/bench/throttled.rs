//! Under Notion's limits: the fake enforces 180 requests per 60-second window with 100 ms of
//! latency; the connector runs at its defaults (3 requests per second). Measures the achieved
//! request rate against the allowed one, and the 429s.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Parser;
use notion_fake::{GenConfig, Latency, Options};
use serde_json::json;

use super::common::{
    Fake, Run, Table, connector_catalog, connector_config, load_average, tail, thousands, wait_for,
    work_dir, write_json,
};

/// Options of `cargo xtask bench throttled`.
#[derive(Debug, Parser)]
pub(crate) struct ThrottledArgs {
    /// Seconds of reading, from the connector's first request (at least 180 covers three
    /// 60-second windows).
    #[arg(long, default_value_t = 240)]
    seconds: u64,
    /// Workspace size (pages, the `bench-sync-N` workspace); big enough not to finish early.
    #[arg(long, default_value_t = 1000)]
    pages: u32,
    /// The fake's budget per 60-second window.
    #[arg(long, default_value_t = 180)]
    budget: u32,
    /// The fake's latency per request, in milliseconds.
    #[arg(long, default_value_t = 100)]
    latency_ms: u64,
}

const WINDOW: f64 = 60.0;

pub(crate) fn run(args: ThrottledArgs) -> Result<()> {
    let load_before = load_average();
    let options = Options {
        rate_limit: Some(args.budget),
        latency: Latency {
            fixed: Duration::from_millis(args.latency_ms),
            jitter: Duration::ZERO,
        },
        ..Options::default()
    };
    let fake = Fake::start(GenConfig::bench_sync(args.pages), options)?;
    let dir = work_dir()?.join("throttled");
    std::fs::create_dir_all(&dir)?;
    // The connector's defaults: 3 requests per second, burst 1, 8 in flight.
    let config = write_json(&dir, "config.json", &connector_config(&fake, json!({})))?;
    let catalog = write_json(&dir, "catalog.json", &connector_catalog())?;
    fake.reset_counters();
    let (mut child, counter, stderr) = Run::connector(&[
        "read",
        "--config",
        &config.display().to_string(),
        "--catalog",
        &catalog.display().to_string(),
    ])
    .spawn()?;
    if !wait_for(Duration::from_secs(30), || fake.counters().total() > 0) {
        let _ = child.kill();
        let _ = child.wait();
        bail!(
            "the connector sent no request: {}",
            tail(&stderr.join().unwrap_or_default(), 2000)
        );
    }
    let t0 = Instant::now();
    // Arrivals per second, sampled from the fake's counters.
    let mut samples: Vec<(f64, u64, u64)> = vec![(0.0, fake.counters().total(), 0)];
    let end = t0 + Duration::from_secs(args.seconds);
    let mut finished_early = false;
    while Instant::now() < end {
        std::thread::sleep(Duration::from_millis(200));
        let c = fake.counters();
        samples.push((t0.elapsed().as_secs_f64(), c.total(), c.status(429)));
        if child.try_wait()?.is_some() {
            finished_early = true;
            break;
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    let _ = counter.join();
    let errors = stderr.join().unwrap_or_default();
    let c = fake.counters();
    // Requests up to the end of the measurement (the last sample).
    let &(_, total, too_many) = samples.last().unwrap_or(&(0.0, 0, 0));
    let allowed_rate = f64::from(args.budget) / WINDOW;
    let rate = total as f64 / elapsed;

    // Full windows from the first request (the fake's windows start at a token's first request
    // and restart at the first request after 60 s; with continuous traffic they line up).
    let at = |t: f64| -> u64 {
        samples
            .iter()
            .rev()
            .find(|(s, ..)| *s <= t)
            .map(|(_, n, _)| *n)
            .unwrap_or(0)
    };
    let mut t = Table::new(
        format!(
            "Throttled: {}-request budget per 60 s, {} ms latency, the connector at its defaults (load average {load_before})",
            args.budget, args.latency_ms
        ),
        &["window", "requests", "of the budget"],
    );
    let windows = (elapsed / WINDOW).floor() as usize;
    for w in 0..windows {
        let (a, b) = (w as f64 * WINDOW, (w + 1) as f64 * WINDOW);
        let n = at(b) - at(a);
        t.row(vec![
            format!("{:.0}–{:.0} s", a, b),
            thousands(n),
            format!("{:.1}%", 100.0 * n as f64 / f64::from(args.budget)),
        ]);
    }
    t.row(vec![
        format!("all {elapsed:.0} s"),
        thousands(total),
        format!(
            "{:.1}% ({rate:.3} req/s of {allowed_rate:.3})",
            100.0 * rate / allowed_rate
        ),
    ]);
    t.note(format!(
        "429 responses: {too_many} (all responses: {}, of which 429: {}). Requests counted at \
         the fake from the connector's first request for {elapsed:.0} s; workspace \
         bench-sync-{}.{}",
        thousands(c.total()),
        c.status(429),
        args.pages,
        if finished_early {
            " The read finished before the end: use a bigger workspace."
        } else {
            ""
        }
    ));
    if !errors.trim().is_empty() {
        t.note(format!("connector stderr: {}", tail(&errors, 1000).trim()));
    }
    t.print();
    Ok(())
}
