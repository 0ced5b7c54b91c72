//! Development tasks: `cargo xtask <command>`.

mod bench;
mod fuzz;
mod live;
mod schemas;
mod soak;

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Result, ensure};
use clap::{Parser, Subcommand};

/// Development tasks.
#[derive(Debug, Parser)]
#[command(name = "xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Regenerate the stream schemas and the connector specification.
    Schemas {
        /// Fail if a checked-in file is stale instead of rewriting it.
        #[arg(long)]
        check: bool,
    },
    /// Run the no-token demo (a release build of `notion-source demo`).
    Demo,
    /// Run a benchmark.
    Bench(bench::BenchArgs),
    /// Check the connector against the real Notion API (token from `NOTION_TOKEN`).
    Live(live::LiveArgs),
    /// Run the property-based fuzz tests with many cases.
    Fuzz(fuzz::FuzzArgs),
    /// A full read with injected faults, compared with a fault-free read.
    Soak(soak::SoakArgs),
}

/// The workspace root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

fn main() -> Result<()> {
    match Cli::parse().task {
        Task::Schemas { check } => schemas::run(&root(), check),
        Task::Demo => {
            let status = Command::new(env!("CARGO"))
                .args(["run", "--release", "--bin", "notion-source", "--", "demo"])
                .current_dir(root())
                .status()?;
            ensure!(status.success(), "the demo failed");
            Ok(())
        }
        Task::Bench(args) => bench::run(args),
        Task::Live(args) => live::run(&root(), args),
        Task::Fuzz(args) => fuzz::run(args),
        Task::Soak(args) => soak::run(args),
    }
}
