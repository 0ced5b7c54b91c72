//! Profile of the connector's hot path: `perf record` around a release `notion-source` reading
//! the fake without rate limit, then the functions with the most samples.

use std::process::{Command, Stdio};

use anyhow::{Context, Result, ensure};
use clap::Parser;
use notion_fake::GenConfig;
use serde_json::json;

use super::common::{
    Fake, Run, Table, connector_bin, connector_catalog, connector_config, load_average, tail,
    work_dir, write_json,
};
use super::unthrottled::Mode;

/// Options of `cargo xtask bench profile`.
#[derive(Debug, Parser)]
pub(crate) struct ProfileArgs {
    /// Workspace size (pages, the `bench-sync-N` workspace).
    #[arg(long, default_value_t = 10_000)]
    pages: u32,
    /// `read` or `sync`.
    #[arg(long, value_enum, default_value = "read")]
    mode: Mode,
    /// Functions to list.
    #[arg(long, default_value_t = 40)]
    top: usize,
    /// Sampling frequency (Hz).
    #[arg(long, default_value_t = 999)]
    frequency: u32,
    /// Record call graphs with DWARF unwinding (bigger files; shows callers in `perf report`).
    #[arg(long)]
    call_graph: bool,
}

pub(crate) fn run(args: ProfileArgs) -> Result<()> {
    let load_before = load_average();
    let fake = Fake::start(GenConfig::bench_sync(args.pages), Fake::unthrottled())?;
    let dir = work_dir()?.join("profile");
    std::fs::create_dir_all(&dir)?;
    let config = write_json(
        &dir,
        "config.json",
        &connector_config(&fake, json!({"requests_per_second": 0})),
    )?;
    let catalog = write_json(&dir, "catalog.json", &connector_catalog())?;
    let data = dir.join(format!(
        "perf-{}-{}.data",
        args.pages,
        format!("{:?}", args.mode).to_lowercase()
    ));
    let db = dir.join("notion.db");
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let mut perf = vec![
        "record".to_owned(),
        "-F".to_owned(),
        args.frequency.to_string(),
        "-o".to_owned(),
        data.display().to_string(),
    ];
    if args.call_graph {
        perf.extend(["--call-graph".to_owned(), "dwarf,16384".to_owned()]);
    }
    perf.push("--".to_owned());
    perf.push(connector_bin().display().to_string());
    match args.mode {
        Mode::Read => perf.extend([
            "read".to_owned(),
            "--config".to_owned(),
            config.display().to_string(),
            "--catalog".to_owned(),
            catalog.display().to_string(),
        ]),
        Mode::Sync => perf.extend([
            "sync".to_owned(),
            "--config".to_owned(),
            config.display().to_string(),
            "--db".to_owned(),
            db.display().to_string(),
            "--quiet".to_owned(),
        ]),
    }
    let run = Run {
        program: "perf".into(),
        args: perf,
        env: Vec::new(),
        count_stdout: true,
    };
    let (mut child, counter, stderr) = run.spawn().context("perf (is it installed?)")?;
    let status = child.wait()?;
    let output = counter.join().unwrap_or_default();
    let errors = stderr.join().unwrap_or_default();
    ensure!(
        status.success(),
        "perf record failed: {}",
        tail(&errors, 2000)
    );
    let report = Command::new("perf")
        .arg("report")
        .arg("-i")
        .arg(&data)
        .args([
            "--no-children",
            "--stdio",
            "--sort",
            "symbol",
            "--percent-limit",
            "0.3",
        ])
        .arg("-g")
        .arg("none")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .output()
        .context("perf report")?;
    let text = String::from_utf8_lossy(&report.stdout);
    let mut t = Table::new(
        format!(
            "Profile: notion-source {} of bench-sync-{} ({} records; load average {load_before})",
            format!("{:?}", args.mode).to_lowercase(),
            args.pages,
            output.total()
        ),
        &["self %", "function"],
    );
    for line in text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .take(args.top)
    {
        let mut parts = line.split_whitespace();
        let pct = parts.next().unwrap_or_default().to_owned();
        let rest: Vec<&str> = parts.skip(1).collect();
        t.row(vec![pct, rest.join(" ")]);
    }
    t.note(format!(
        "perf data: {} (`perf report -i {0}` for details)",
        data.display()
    ));
    t.print();
    Ok(())
}
