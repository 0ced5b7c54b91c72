//! `cargo xtask fuzz`: the property-based fuzz tests with many cases (CI runs them with few).
//! Each target is a test file that reads `PROPTEST_CASES`; they are built optimised by default.

use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;

use crate::bench::common::{Table, thousands};

/// Options of `cargo xtask fuzz`.
#[derive(Debug, Parser)]
pub(crate) struct FuzzArgs {
    /// Cases per property.
    #[arg(long, default_value_t = 10_000)]
    cases: u32,
    /// Run only the targets whose name contains this (`inputs`, `decode`, `retry`, `filter`).
    #[arg(long)]
    only: Option<String>,
    /// Build the tests unoptimised (faster to build, slower to run).
    #[arg(long)]
    debug: bool,
}

/// The fuzz targets: package, test file, what it fuzzes.
const TARGETS: [(&str, &str, &str); 4] = [
    (
        "notion-streams",
        "fuzz_inputs",
        "configuration, catalog and state parsers",
    ),
    (
        "notion-model",
        "fuzz_decode",
        "the model's decoders (arbitrary JSON, mutated examples)",
    ),
    (
        "notion-http",
        "fuzz_retry_after",
        "Retry-After parsing and the retry policy's waits",
    ),
    (
        "notion-fake",
        "fuzz_filter",
        "the fake's query filters and sorts (over HTTP)",
    ),
];

pub(crate) fn run(args: FuzzArgs) -> Result<()> {
    let mut t = Table::new(
        format!(
            "Fuzz: {} cases per property{}",
            thousands(u64::from(args.cases)),
            if args.debug { ", unoptimised" } else { "" }
        ),
        &["target", "fuzzes", "result", "seconds (with the build)"],
    );
    let mut failed = Vec::new();
    for (package, target, what) in TARGETS {
        if args.only.as_deref().is_some_and(|o| !target.contains(o)) {
            continue;
        }
        let mut cmd = Command::new(env!("CARGO"));
        cmd.arg("test");
        if !args.debug {
            cmd.arg("--release");
        }
        cmd.args(["-p", package, "--test", target])
            .env("PROPTEST_CASES", args.cases.to_string())
            .current_dir(crate::root());
        let started = Instant::now();
        let status = cmd
            .status()
            .with_context(|| format!("cargo test -p {package} --test {target}"))?;
        let ok = status.success();
        if !ok {
            failed.push(target);
        }
        t.row(vec![
            format!("{package} {target}"),
            what.to_owned(),
            if ok { "pass" } else { "FAIL" }.to_owned(),
            format!("{:.0}", started.elapsed().as_secs_f64()),
        ]);
    }
    t.note("A failing property prints its smallest failing input (proptest shrinks it).");
    t.print();
    if !failed.is_empty() {
        bail!("fuzz targets failed: {}", failed.join(", "));
    }
    Ok(())
}
