//! `cargo xtask bench <part>`: benchmarks, one module per part.

mod fake;

use anyhow::Result;
use clap::{Args, Subcommand};

/// Arguments of `cargo xtask bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    part: Part,
}

#[derive(Debug, Subcommand)]
enum Part {
    /// The fake Notion server: startup time, peak memory, block-children requests per second.
    Fake(fake::FakeArgs),
}

pub(crate) fn run(args: BenchArgs) -> Result<()> {
    match args.part {
        Part::Fake(a) => fake::run(a),
    }
}
