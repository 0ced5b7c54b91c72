//! Profile of the connector's hot path: `perf record` around a release `notion-source` reading
//! the fake without rate limit, then its CPU time by hot-path category and the functions with the
//! most samples.

use std::process::{Command, Stdio};

use anyhow::{Context, Result, ensure};
use clap::Parser;

use super::common::{Run, Setup, Table, connector_bin, load_average, tail, unthrottled_setup};
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
    let Setup {
        fake: _fake,
        dir,
        config,
        catalog,
    } = unthrottled_setup(args.pages, "profile")?;
    let data = dir.join(format!(
        "perf-{}-{}-{}.data",
        connector_name(),
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
            config.clone(),
            "--catalog".to_owned(),
            catalog.clone(),
        ]),
        Mode::Sync => perf.extend([
            "sync".to_owned(),
            "--config".to_owned(),
            config.clone(),
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
            "--show-nr-samples",
            "--sort",
            "dso,symbol",
            "--percent-limit",
            "0",
        ])
        .arg("-g")
        .arg("none")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .output()
        .context("perf report")?;
    let text = String::from_utf8_lossy(&report.stdout);
    let samples: Vec<Sample> = text.lines().filter_map(Sample::parse).collect();
    let what = match args.mode {
        Mode::Read => format!(
            "read of bench-sync-{} ({} records)",
            args.pages,
            output.total()
        ),
        Mode::Sync => format!("sync of bench-sync-{} into SQLite", args.pages),
    };
    let mut by_category: Vec<(&str, u64)> = CATEGORIES.iter().map(|(c, _)| (*c, 0)).collect();
    by_category.push((OTHER, 0));
    for s in &samples {
        let c = category(s);
        if let Some(e) = by_category.iter_mut().find(|(name, _)| *name == c) {
            e.1 += s.count;
        }
    }
    let total: u64 = by_category.iter().map(|(_, n)| n).sum();
    // Each sample stands for 1/frequency of a CPU's time.
    let seconds = |n: u64| n as f64 / f64::from(args.frequency);
    let mut t = Table::new(
        format!(
            "Profile by category: {} {what} (load average {load_before})",
            connector_name()
        ),
        &["category", "sampled CPU s", "share"],
    );
    for (c, n) in &by_category {
        t.row(vec![
            (*c).to_owned(),
            format!("{:.2}", seconds(*n)),
            format!("{:.1}%", 100.0 * *n as f64 / total.max(1) as f64),
        ]);
    }
    t.row(vec![
        "total".to_owned(),
        format!("{:.2}", seconds(total)),
        "100%".to_owned(),
    ]);
    t.note(
        "Every sample of the process (user and kernel, all threads), classed by the function it \
         fell in; sampled CPU seconds are samples over the sampling frequency (perf slows the \
         process it samples: compare categories and builds, not with whole-process CPU time). \
         `kernel` is mostly the TCP send and receive path, thread wake-ups and (sync) the page \
         cache.",
    );
    t.print();
    let mut t = Table::new(
        format!(
            "Profile: {} {what}, the {} functions with the most samples",
            connector_name(),
            args.top
        ),
        &["self %", "where", "function"],
    );
    for s in samples.iter().take(args.top) {
        t.row(vec![
            format!("{:.2}%", s.percent),
            s.dso.clone(),
            shorten(&s.symbol),
        ]);
    }
    t.note(format!(
        "perf data: {} (`perf report -i {0}` for details)",
        data.display()
    ));
    t.print();
    Ok(())
}

/// The measured binary's file name, or its folder's when it is `notion-source` (e.g. `before`
/// for `target/bench/before/notion-source`), to tell profiles of two builds apart.
fn connector_name() -> String {
    let bin = connector_bin();
    if bin == super::common::root().join("target/release/notion-source") {
        return "notion-source".to_owned();
    }
    let name = |p: Option<&std::ffi::OsStr>| p.map(|n| n.to_string_lossy().into_owned());
    match name(bin.file_name()) {
        Some(n) if n != "notion-source" => n,
        _ => name(bin.parent().and_then(|p| p.file_name())).unwrap_or_else(|| "other".to_owned()),
    }
}

/// One line of `perf report --sort dso,symbol`.
struct Sample {
    percent: f64,
    /// Samples in the function.
    count: u64,
    dso: String,
    symbol: String,
}

impl Sample {
    fn parse(line: &str) -> Option<Sample> {
        let line = line.trim();
        if line.starts_with('#') {
            return None;
        }
        let (pct, rest) = line.split_once(char::is_whitespace)?;
        let percent: f64 = pct.strip_suffix('%')?.parse().ok()?;
        let (count, rest) = rest.trim_start().split_once(char::is_whitespace)?;
        let count: u64 = count.parse().ok()?;
        let rest = rest.trim_start();
        let (dso, rest) = rest.split_once(char::is_whitespace)?;
        // `[k] symbol` or `[.] symbol`.
        let mut symbol = rest.trim_start().get(3..).unwrap_or_default().trim();
        // perf's empty extra columns.
        while let Some(s) = symbol.strip_suffix(" -") {
            symbol = s.trim_end();
        }
        Some(Sample {
            percent,
            count,
            dso: dso.to_owned(),
            symbol: symbol.to_owned(),
        })
    }
}

/// Samples in none of [`CATEGORIES`].
const OTHER: &str = "other";

/// Categories of the hot path and the symbol fragments that place a function in one (first
/// match wins; kernel samples are placed by their object, not their name).
const CATEGORIES: [(&str, &[&str]); 9] = [
    ("kernel (TCP, scheduling, page cache)", &[]),
    (
        "SQLite writes",
        &[
            "sqlite3", "rusqlite", "pcache", "wal", "pager", "btree", "Btree", "balance", "Vdbe",
            "vdbe", "Cell", "moveTo", "Page",
        ],
    ),
    (
        "JSON decode",
        &[
            "serde_json::de",
            "serde_json::read",
            "serde_core::de",
            "Deserialize",
            "Visitor",
            "visit_",
            "from_utf8",
            "RawObject",
            "RawValue",
        ],
    ),
    (
        "JSON encode and record shaping",
        &[
            "serde_json::ser",
            "Serialize",
            "notion_streams::shape",
            "format_escaped",
            "itoa",
            "ryu",
        ],
    ),
    (
        "memory allocation",
        &[
            "malloc",
            "free",
            "unlink_chunk",
            "realloc",
            "alloc::",
            "__rust_alloc",
            "__rdl_",
        ],
    ),
    (
        "memory copies and compares",
        &["memmove", "memcpy", "memcmp", "memset", "memchr"],
    ),
    (
        "HTTP (hyper, http)",
        &["hyper", "http::", "h2::", "httparse", "bytes::"],
    ),
    (
        "limiter, retry, auth and other layers (tower)",
        &["notion_http", "notion_auth", "tower"],
    ),
    (
        "async runtime and connector logic",
        &[
            "tokio",
            "futures",
            "notion_streams",
            "notion_cli",
            "notion_model",
            "std::sync",
            "parking_lot",
        ],
    ),
];

fn category(s: &Sample) -> &'static str {
    if s.dso.contains("kernel") {
        return CATEGORIES[0].0;
    }
    // SQLite's functions are C functions (no `::` in their names), besides rusqlite's.
    let c_function = !s.symbol.contains("::");
    CATEGORIES[1..]
        .iter()
        .enumerate()
        .find(|(i, (_, fragments))| {
            fragments
                .iter()
                .any(|f| s.symbol.contains(f) && (*i != 0 || c_function || *f == "rusqlite"))
        })
        .map(|(_, c)| c)
        .map(|(c, _)| *c)
        .unwrap_or(OTHER)
}

/// A function name cut to a table's width.
fn shorten(symbol: &str) -> String {
    const MAX: usize = 100;
    if symbol.chars().count() <= MAX {
        return symbol.to_owned();
    }
    let cut: String = symbol.chars().take(MAX - 1).collect();
    format!("{cut}…")
}
