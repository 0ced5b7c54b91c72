//! `cargo xtask bench [part]`: benchmarks, one module per part. Without a part, every part runs
//! with its defaults and prints its table (see docs/benchmarks.md).

mod airbyte;
pub(crate) mod common;
mod fake;
mod files;
mod profile;
mod requests;
mod throttled;
mod unthrottled;
mod webhooks;

use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use common::Meter;

/// Arguments of `cargo xtask bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    part: Option<Part>,
    /// How the connector process is measured (CPU time, peak RSS).
    #[arg(long, value_enum, default_value = "auto", global = true)]
    meter: Meter,
    /// Measure this `notion-source` binary instead of the release build (e.g. an older build,
    /// to compare).
    #[arg(long, global = true)]
    connector: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Part {
    /// Requests of full and incremental syncs against the fake's minimum.
    Requests(requests::RequestsArgs),
    /// Achieved request rate and 429s under Notion's limit (180 per 60 s, 100 ms latency).
    Throttled(throttled::ThrottledArgs),
    /// Records per second, CPU and peak RSS of the connector without rate limit.
    Unthrottled(unthrottled::UnthrottledArgs),
    /// Side by side with Airbyte's Python connector (installed from PyPI into target/).
    Airbyte(airbyte::AirbyteArgs),
    /// The fake Notion server: startup time, peak memory, block-children requests per second.
    Fake(fake::FakeArgs),
    /// Webhooks: from a change in the fake to the mirror row updated by `watch`, under
    /// Notion's limits; requests per event.
    Webhooks(webhooks::WebhooksArgs),
    /// `sync` with `download_files`: files and bytes per second, API requests for files.
    Files(files::FilesArgs),
    /// A perf profile of the connector reading the fake (not part of the default run).
    Profile(profile::ProfileArgs),
}

pub(crate) fn run(args: BenchArgs) -> Result<()> {
    // The fake runs in this process and must not be the bottleneck: re-run optimised when
    // built for debugging.
    if cfg!(debug_assertions) && std::env::var_os("XTASK_OPTIMISED").is_none() {
        let status = Command::new(env!("CARGO"))
            .args(["run", "--release", "--quiet", "-p", "xtask", "--"])
            .args(std::env::args().skip(1))
            .env("XTASK_OPTIMISED", "1")
            .current_dir(common::root())
            .status()
            .context("cargo run --release -p xtask")?;
        if !status.success() {
            bail!("benchmark failed");
        }
        return Ok(());
    }
    common::build_release()?;
    if let Some(path) = args.connector {
        let path = std::fs::canonicalize(&path)
            .with_context(|| format!("--connector {}", path.display()))?;
        common::use_connector(path);
    }
    let meter = args.meter.resolve()?;
    header(meter);
    match args.part {
        Some(Part::Requests(a)) => requests::run(a, meter),
        Some(Part::Throttled(a)) => throttled::run(a),
        Some(Part::Unthrottled(a)) => unthrottled::run(a, meter),
        Some(Part::Airbyte(a)) => airbyte::run(a, meter),
        Some(Part::Fake(a)) => fake::run(a),
        Some(Part::Webhooks(a)) => webhooks::run(a),
        Some(Part::Files(a)) => files::run(a, meter),
        Some(Part::Profile(a)) => profile::run(a),
        None => {
            // Every part, one at a time (the machine may be small and shared).
            requests::run(defaults("requests"), meter)?;
            throttled::run(defaults("throttled"))?;
            unthrottled::run(defaults("unthrottled"), meter)?;
            airbyte::run(defaults("airbyte"), meter)?;
            files::run(defaults("files"), meter)?;
            fake::run(defaults("fake"))?;
            webhooks::run(defaults("webhooks"))
        }
    }
}

/// A part's default arguments.
fn defaults<T: Parser>(name: &str) -> T {
    T::parse_from([name])
}

#[allow(clippy::print_stdout)]
fn header(meter: Meter) {
    println!(
        "# cargo xtask bench — {}, machine: {}, load average {}, processes measured with {}, connector {}",
        chrono::Utc::now().format("%Y-%m-%d"),
        common::machine(),
        common::load_average(),
        meter.describe(),
        common::connector_bin()
            .strip_prefix(common::root())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| common::connector_bin().display().to_string())
    );
}
