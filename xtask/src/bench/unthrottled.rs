//! Unthrottled: the fake with no limit and no latency, the connector's limiter off. Records per
//! second, CPU time and peak RSS of the connector process, for `read` (records to a pipe that
//! counts them) and `sync` (records into SQLite).

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use serde_json::Value;

use super::common::{
    Measured, Meter, Run, Setup, Table, ensure_success, load_average, thousands, unthrottled_setup,
};

/// Options of `cargo xtask bench unthrottled`.
#[derive(Debug, Parser)]
pub(crate) struct UnthrottledArgs {
    /// Workspace sizes (pages, the `bench-sync-N` workspace), comma separated.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
    pages: Vec<u32>,
    /// What the connector does with records, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "read,sync")]
    modes: Vec<Mode>,
}

/// Where records go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Mode {
    /// `notion-source read`: Airbyte messages on stdout, into a pipe that counts them.
    Read,
    /// `notion-source sync`: into a new SQLite file.
    Sync,
}

/// One measured run.
pub(crate) struct Figures {
    pub(crate) pages: u32,
    pub(crate) mode: Mode,
    pub(crate) records: u64,
    pub(crate) requests: u64,
    pub(crate) measured: Measured,
}

pub(crate) fn run(args: UnthrottledArgs, meter: Meter) -> Result<()> {
    let load_before = load_average();
    let mut all: Vec<Figures> = Vec::new();
    for &pages in &args.pages {
        for &mode in &args.modes {
            all.push(measure(pages, mode, meter)?);
        }
    }
    let mut t = Table::new(
        format!(
            "Unthrottled: the connector as a release process, limiter off (load average {load_before} → {})",
            load_average()
        ),
        &[
            "workspace",
            "mode",
            "records",
            "requests",
            "wall s",
            "records/s",
            "requests/s",
            "CPU s",
            "CPU µs/record",
            "peak RSS MiB",
        ],
    );
    for f in &all {
        let u = f.measured.usage;
        t.row(vec![
            format!("bench-sync-{}", f.pages),
            format!("{:?}", f.mode).to_lowercase(),
            thousands(f.records),
            thousands(f.requests),
            format!("{:.1}", u.wall),
            thousands((f.records as f64 / u.wall) as u64),
            thousands((f.requests as f64 / u.wall) as u64),
            format!("{:.1}", u.cpu()),
            format!("{:.1}", u.cpu() * 1e6 / f.records.max(1) as f64),
            format!("{:.1}", u.rss_mib()),
        ]);
    }
    for mode in [Mode::Read, Mode::Sync] {
        let rss = |p: u32| {
            all.iter()
                .find(|f| f.pages == p && f.mode == mode)
                .map(|f| f.measured.usage.rss_mib())
        };
        let sizes: Vec<u32> = args.pages.clone();
        for w in sizes.windows(2) {
            if let (Some(a), Some(b)) = (rss(w[0]), rss(w[1])) {
                t.note(format!(
                    "{}: peak RSS {} → {} pages: {:.2}×",
                    format!("{mode:?}").to_lowercase(),
                    thousands(u64::from(w[0])),
                    thousands(u64::from(w[1])),
                    b / a
                ));
            }
        }
    }
    t.note(format!(
        "Measured with {}; the fake runs in the benchmark process. The connector uses its \
         defaults but `requests_per_second: 0` (8 requests in flight, comments on every block).",
        meter.describe()
    ));
    t.print();
    Ok(())
}

/// Runs one read or sync of `bench-sync-{pages}` and measures it.
pub(crate) fn measure(pages: u32, mode: Mode, meter: Meter) -> Result<Figures> {
    let Setup {
        fake,
        dir,
        config: config_s,
        catalog,
    } = unthrottled_setup(pages, &format!("unthrottled-{pages}"))?;
    fake.reset_counters();
    let (measured, records) = match mode {
        Mode::Read => {
            let m = Run::connector(&["read", "--config", &config_s, "--catalog", &catalog])
                .measure(meter)?;
            ensure_success("read", &m)?;
            let n = m.output.total();
            (m, n)
        }
        Mode::Sync => {
            let db = dir.join("notion.db");
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
            let summary = dir.join("summary.json");
            let mut run = Run::connector(&[
                "sync",
                "--config",
                &config_s,
                "--db",
                &db.display().to_string(),
                "--quiet",
                "--summary-json",
                &summary.display().to_string(),
            ]);
            run.count_stdout = false;
            let m = run.measure(meter)?;
            ensure_success("sync", &m)?;
            let s: Value = serde_json::from_str(
                &std::fs::read_to_string(&summary).context("the sync summary")?,
            )?;
            let n = s["records"]
                .as_object()
                .map(|o| o.values().filter_map(Value::as_u64).sum())
                .unwrap_or(0);
            (m, n)
        }
    };
    Ok(Figures {
        pages,
        mode,
        records,
        requests: fake.counters().total(),
        measured,
    })
}
