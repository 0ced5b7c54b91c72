//! Side by side with Airbyte's Python connector (`airbyte-source-notion` from PyPI, installed in
//! a virtual environment under `target/` at bench time), both reading the same fake workspace
//! on 127.0.0.1 without rate limit or latency.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use notion_fake::{Counters, GenConfig};
use serde_json::{Value, json};

use super::common::{
    ENDPOINTS, Fake, Measured, Meter, Run, Table, connector_catalog, connector_config,
    ensure_success, load_average, tail, thousands, work_dir, write_json,
};

/// Options of `cargo xtask bench airbyte`.
#[derive(Debug, Parser)]
pub(crate) struct AirbyteArgs {
    /// Workspace size (pages).
    #[arg(long, default_value_t = 1000)]
    pages: u32,
    /// Workspaces, comma separated: `nested` (`bench-sync-N`: nested blocks, inner comments,
    /// long relations) and `flat` (`bench-N`: 30 top-level blocks per page, where Airbyte's
    /// depth limit cuts nothing).
    #[arg(long, value_delimiter = ',', default_value = "nested,flat")]
    workspaces: Vec<Shape>,
    /// The PyPI version of `airbyte-source-notion`.
    #[arg(long, default_value = "3.2.0")]
    version: String,
    /// The Python interpreter that creates the virtual environment (3.10 or 3.11).
    #[arg(long, default_value = "python3")]
    python: String,
}

/// A benchmark workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Shape {
    /// `bench-sync-N`.
    Nested,
    /// `bench-N`.
    Flat,
}

impl Shape {
    fn config(self, pages: u32) -> GenConfig {
        match self {
            Shape::Nested => GenConfig::bench_sync(pages),
            Shape::Flat => GenConfig::bench(pages),
        }
    }

    fn name(self, pages: u32) -> String {
        match self {
            Shape::Nested => format!("bench-sync-{pages}"),
            Shape::Flat => format!("bench-{pages}"),
        }
    }
}

/// Airbyte's streams, in the order the tables list them.
const AIRBYTE_STREAMS: [&str; 5] = ["users", "databases", "pages", "blocks", "comments"];
/// The URL Airbyte's manifest calls.
const NOTION_URL: &str = "https://api.notion.com/v1/";

/// The virtual environment with Airbyte's connector, created on first use.
fn venv(args: &AirbyteArgs) -> Result<PathBuf> {
    let dir = work_dir()?
        .join("airbyte")
        .join(format!("venv-{}", args.version));
    let exe = dir.join("bin/source-notion");
    let marker = dir.join(".installed");
    if exe.exists() && marker.exists() {
        return Ok(dir);
    }
    eprintln!(
        "installing airbyte-source-notion=={} from PyPI into {}",
        args.version,
        dir.display()
    );
    let status = Command::new(&args.python)
        .args(["-m", "venv"])
        .arg(&dir)
        .status()
        .with_context(|| format!("{} -m venv", args.python))?;
    ensure!(status.success(), "creating the virtual environment failed");
    let status = Command::new(dir.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("airbyte-source-notion=={}", args.version))
        .status()
        .context("pip install")?;
    ensure!(
        status.success(),
        "pip install airbyte-source-notion=={} failed",
        args.version
    );
    ensure!(exe.exists(), "{} was not installed", exe.display());
    std::fs::write(&marker, &args.version)?;
    Ok(dir)
}

/// The installed package's directory.
fn package_dir(venv: &Path) -> Result<PathBuf> {
    for entry in std::fs::read_dir(venv.join("lib"))? {
        let p = entry?.path().join("site-packages/source_notion");
        if p.join("manifest.yaml").exists() {
            return Ok(p);
        }
    }
    bail!(
        "source_notion/manifest.yaml not found under {}",
        venv.display()
    )
}

/// Points the installed manifest at `base_url` (loopback), keeping the original beside it.
fn point_at(package: &Path, base_url: &str) -> Result<()> {
    ensure!(
        base_url.starts_with("http://127.0.0.1:"),
        "Airbyte's connector is pointed at loopback only"
    );
    let manifest = package.join("manifest.yaml");
    let original = package.join("manifest.yaml.orig");
    if !original.exists() {
        std::fs::copy(&manifest, &original)?;
    }
    let text = std::fs::read_to_string(&original)?;
    ensure!(
        text.contains(NOTION_URL),
        "the manifest does not name {NOTION_URL}"
    );
    let patched = text.replace(NOTION_URL, &format!("{base_url}/v1/"));
    ensure!(
        !patched.contains("api.notion.com"),
        "the manifest still names api.notion.com"
    );
    // No other module may call Notion directly.
    for entry in std::fs::read_dir(package)? {
        let p = entry?.path();
        if p.extension().is_some_and(|e| e == "py") {
            let code = std::fs::read_to_string(&p)?;
            ensure!(
                !code.contains("https://api.notion.com"),
                "{} calls api.notion.com directly",
                p.display()
            );
        }
    }
    std::fs::write(&manifest, patched)?;
    Ok(())
}

/// Airbyte's configured catalog: every stream it discovers, full refresh.
fn airbyte_catalog(exe: &Path, config: &Path) -> Result<Value> {
    let out = Command::new(exe)
        .arg("discover")
        .arg("--config")
        .arg(config)
        .output()
        .context("source-notion discover")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let catalog = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|m| m["type"] == "CATALOG")
        .with_context(|| {
            format!(
                "no CATALOG from source-notion discover: {}{}",
                tail(&stdout, 2000),
                tail(&String::from_utf8_lossy(&out.stderr), 2000)
            )
        })?;
    let streams: Vec<Value> = catalog["catalog"]["streams"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|s| json!({"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}))
        .collect();
    ensure!(!streams.is_empty(), "Airbyte's catalog has no stream");
    Ok(json!({ "streams": streams }))
}

/// A figure of one side, as table text.
type Figure = dyn Fn(&Side) -> String;

struct Side {
    name: String,
    measured: Measured,
    counters: Counters,
}

impl Side {
    fn records_per_second(&self) -> f64 {
        self.measured.output.total() as f64 / self.measured.usage.wall
    }
}

pub(crate) fn run(args: AirbyteArgs, meter: Meter) -> Result<()> {
    let venv = venv(&args)?;
    for &shape in &args.workspaces {
        one_workspace(&args, shape, &venv, meter)?;
    }
    Ok(())
}

fn one_workspace(args: &AirbyteArgs, shape: Shape, venv: &Path, meter: Meter) -> Result<()> {
    let package = package_dir(venv)?;
    let exe = venv.join("bin/source-notion");
    let load_before = load_average();
    let fake = Fake::start(shape.config(args.pages), Fake::unthrottled())?;
    point_at(&package, &fake.base_url())?;
    let dir = work_dir()?.join("airbyte");
    std::fs::create_dir_all(&dir)?;

    // Airbyte's connector, with a configuration of its own format.
    let ab_config = write_json(
        &dir,
        "airbyte-config.json",
        &json!({
            "credentials": {"auth_type": "token", "token": fake.token()},
            "start_date": "2020-01-01T00:00:00.000Z",
        }),
    )?;
    let ab_catalog = write_json(
        &dir,
        "airbyte-catalog.json",
        &airbyte_catalog(&exe, &ab_config)?,
    )?;
    fake.reset_counters();
    let airbyte = Run {
        program: exe.clone(),
        args: vec![
            "read".into(),
            "--config".into(),
            ab_config.display().to_string(),
            "--catalog".into(),
            ab_catalog.display().to_string(),
        ],
        env: Vec::new(),
        count_stdout: true,
    }
    .measure(meter)?;
    ensure_success("Airbyte's source-notion read", &airbyte)?;
    let airbyte = Side {
        name: format!("airbyte-source-notion {}", args.version),
        measured: airbyte,
        counters: fake.counters(),
    };

    // notion-source, at its defaults (limiter off), and reading comments like Airbyte does.
    let catalog = write_json(&dir, "catalog.json", &connector_catalog())?;
    let mut ours = Vec::new();
    for (name, extra) in [
        ("notion-source", json!({"requests_per_second": 0})),
        (
            "notion-source, comments: pages",
            json!({"requests_per_second": 0, "comments": "pages"}),
        ),
    ] {
        let config = write_json(&dir, "config.json", &connector_config(&fake, extra.clone()))?;
        fake.reset_counters();
        let m = Run::connector(&[
            "read",
            "--config",
            &config.display().to_string(),
            "--catalog",
            &catalog.display().to_string(),
        ])
        .measure(meter)?;
        ensure_success(name, &m)?;
        ours.push(Side {
            name: name.to_owned(),
            measured: m,
            counters: fake.counters(),
        });
    }
    let load_after = load_average();

    let sides: Vec<&Side> = std::iter::once(&airbyte).chain(ours.iter()).collect();
    let mut header = vec!["".to_owned()];
    header.extend(sides.iter().map(|s| s.name.clone()));
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = Table::new(
        format!(
            "Side by side: {} on the fake (no limit, no latency; load average {load_before} → {load_after})",
            shape.name(args.pages)
        ),
        &header_refs,
    );
    let mut names: Vec<&str> = AIRBYTE_STREAMS.to_vec();
    names.insert(2, "data_sources");
    for stream in names {
        let mut row = vec![format!("{stream} records")];
        for s in &sides {
            let n = s.measured.output.of(stream);
            row.push(
                if n == 0 && s.name.starts_with("airbyte") && stream == "data_sources" {
                    "—".to_owned()
                } else {
                    thousands(n)
                },
            );
        }
        t.row(row);
    }
    let rows: [(&str, &Figure); 8] = [
        ("records", &|s| thousands(s.measured.output.total())),
        ("requests", &|s| thousands(s.counters.total())),
        ("wall s", &|s| format!("{:.2}", s.measured.usage.wall)),
        ("records/s", &|s| thousands(s.records_per_second() as u64)),
        ("wall ms per page read", &|s| {
            format!(
                "{:.2}",
                1000.0 * s.measured.usage.wall / s.measured.output.of("pages").max(1) as f64
            )
        }),
        ("CPU s", &|s| format!("{:.2}", s.measured.usage.cpu())),
        ("CPU µs per record", &|s| {
            format!(
                "{:.0}",
                1e6 * s.measured.usage.cpu() / s.measured.output.total().max(1) as f64
            )
        }),
        ("peak RSS MiB", &|s| {
            format!("{:.1}", s.measured.usage.rss_mib())
        }),
    ];
    for (label, f) in rows {
        let mut row = vec![label.to_owned()];
        row.extend(sides.iter().map(|s| f(s)));
        t.row(row);
    }
    for (e, name) in ENDPOINTS {
        if sides.iter().all(|s| s.counters.endpoint(e) == 0) {
            continue;
        }
        let mut row = vec![format!("  {name}")];
        row.extend(sides.iter().map(|s| thousands(s.counters.endpoint(e))));
        t.row(row);
    }
    for s in &ours {
        t.note(format!(
            "{} / Airbyte: {:.1}× the records per second, {:.1}× less wall time per page read, \
             {:.1}× less peak memory ({:.1} vs {:.1} MiB), {:.1}× less CPU per record.",
            s.name,
            s.records_per_second() / airbyte.records_per_second(),
            (airbyte.measured.usage.wall / airbyte.measured.output.of("pages").max(1) as f64)
                / (s.measured.usage.wall / s.measured.output.of("pages").max(1) as f64),
            airbyte.measured.usage.rss_mib() / s.measured.usage.rss_mib(),
            s.measured.usage.rss_mib(),
            airbyte.measured.usage.rss_mib(),
            (airbyte.measured.usage.cpu() / airbyte.measured.output.total().max(1) as f64)
                / (s.measured.usage.cpu() / s.measured.output.total().max(1) as f64),
        ));
    }
    t.note(
        "Not like for like: Airbyte reads pages through search only (2022-06-28: relations cut \
         at 25, no data sources), blocks with its own depth limit, and comments of pages only; \
         notion-source reads rows through data-source queries, completes relations, every \
         block, and (by default) the comments of every block. The `comments: pages` column \
         reads comments as Airbyte does.",
    );
    if !airbyte.measured.output.problems.is_empty() {
        t.note(format!(
            "Airbyte reported {} warnings/errors, e.g. {}",
            airbyte.measured.output.problems.len(),
            tail(&airbyte.measured.output.problems[0], 300)
        ));
    }
    t.note(format!("Measured with {}.", meter.describe()));
    t.print();
    Ok(())
}
