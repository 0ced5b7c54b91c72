//! Development tasks: `cargo xtask <command>`.

mod bench;
mod schemas;

use std::path::PathBuf;

use anyhow::Result;
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
    /// Run a benchmark.
    Bench(bench::BenchArgs),
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
        Task::Bench(args) => bench::run(args),
    }
}
