//! Helpers shared by the benchmark parts: release builds, the fake Notion API in this process,
//! the connector run as a separate, measured process, and table printing.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use notion_fake::{Endpoint, FakeNotion, GenConfig, Options, WorkspaceSpec};
use notion_streams::StreamName;
use serde_json::{Value, json};

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    crate::root()
}

/// Where benchmark files go (`target/bench`).
pub(crate) fn work_dir() -> Result<PathBuf> {
    let dir = root().join("target").join("bench");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Builds the release binaries (`notion-source`, `notion-fake`) once per run of the xtask.
pub(crate) fn build_release() -> Result<()> {
    static BUILT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if BUILT.get().is_some() {
        return Ok(());
    }
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "notion-cli",
            "-p",
            "notion-fake",
        ])
        .current_dir(root())
        .status()
        .context("cargo build --release")?;
    ensure!(status.success(), "building the release binaries failed");
    let _ = BUILT.set(true);
    Ok(())
}

static CONNECTOR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Measures this `notion-source` binary instead of the release build (to compare builds).
pub(crate) fn use_connector(path: PathBuf) {
    let _ = CONNECTOR.set(path);
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set, else `target/`.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// The `notion-source` binary measured: the release build, or the one given with `--connector`.
pub(crate) fn connector_bin() -> PathBuf {
    CONNECTOR
        .get()
        .cloned()
        .unwrap_or_else(|| target_dir().join("release/notion-source"))
}

/// The release `notion-fake` binary.
pub(crate) fn fake_bin() -> PathBuf {
    target_dir().join("release/notion-fake")
}

/// A fake Notion API served from this process (on its own runtime), so that the benchmark can
/// read its counters, its minimum requests and its ground truth, and edit its workspace.
pub(crate) struct Fake {
    fake: Option<FakeNotion>,
    rt: tokio::runtime::Runtime,
}

impl Fake {
    /// Starts a fake serving `workspace` with `options`.
    pub(crate) fn start(workspace: GenConfig, options: Options) -> Result<Fake> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let fake = rt.block_on(FakeNotion::start(
            WorkspaceSpec::Generated(workspace),
            options,
        ))?;
        Ok(Fake {
            fake: Some(fake),
            rt,
        })
    }

    /// Options for an unthrottled fake: no rate limit, no latency.
    pub(crate) fn unthrottled() -> Options {
        Options {
            rate_limit: None,
            ..Options::default()
        }
    }
}

impl std::ops::Deref for Fake {
    type Target = FakeNotion;
    fn deref(&self) -> &FakeNotion {
        // Present from `start` until drop.
        self.fake.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        if let Some(f) = self.fake.take() {
            self.rt.block_on(f.shutdown());
        }
    }
}

/// The configuration of `notion-source` for a fake, with `extra` fields merged in.
pub(crate) fn connector_config(fake: &FakeNotion, extra: Value) -> Value {
    let mut c = json!({
        "credentials": {"auth_type": "token", "token": fake.token()},
        "base_url": fake.base_url(),
    });
    if let (Some(c), Some(e)) = (c.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    c
}

/// A configured catalog of every stream of the connector, incremental where it can be.
pub(crate) fn connector_catalog() -> Value {
    json!({"streams": StreamName::ALL.iter().map(|s| {
        let mode = if *s == StreamName::Users { "full_refresh" } else { "incremental" };
        json!({
            "stream": {"name": s.as_str(), "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
            "sync_mode": mode,
            "destination_sync_mode": "append",
        })
    }).collect::<Vec<_>>()})
}

/// A benchmark's fake and the connector's files for it.
pub(crate) struct Setup {
    /// The fake, unthrottled, serving `bench-sync-N`.
    pub(crate) fake: Fake,
    /// `target/bench/<name>`.
    pub(crate) dir: PathBuf,
    /// The connector's configuration: the fake, limiter off.
    pub(crate) config: String,
    /// The connector's catalog: every stream.
    pub(crate) catalog: String,
}

/// Starts an unthrottled fake on `bench-sync-{pages}` and writes the connector's configuration
/// (limiter off) and catalog into `target/bench/{name}`.
pub(crate) fn unthrottled_setup(pages: u32, name: &str) -> Result<Setup> {
    let fake = Fake::start(GenConfig::bench_sync(pages), Fake::unthrottled())?;
    let dir = work_dir()?.join(name);
    std::fs::create_dir_all(&dir)?;
    let config = write_json(
        &dir,
        "config.json",
        &connector_config(&fake, json!({"requests_per_second": 0})),
    )?;
    let catalog = write_json(&dir, "catalog.json", &connector_catalog())?;
    Ok(Setup {
        fake,
        dir,
        config: config.display().to_string(),
        catalog: catalog.display().to_string(),
    })
}

/// Writes `value` as JSON to `dir/name`.
pub(crate) fn write_json(dir: &Path, name: &str, value: &Value) -> Result<PathBuf> {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(value)?)
        .with_context(|| format!("writing {}", p.display()))?;
    Ok(p)
}

/// What the protocol output of a read held.
#[derive(Debug, Default, Clone)]
pub(crate) struct Output {
    /// Records per stream.
    pub(crate) records: BTreeMap<String, u64>,
    /// The last STATE message (its `state` member) per stream.
    pub(crate) last_states: BTreeMap<String, Value>,
    /// TRACE ERROR messages and LOG messages at WARN or above.
    pub(crate) problems: Vec<String>,
    /// Lines that were not protocol messages.
    pub(crate) other_lines: u64,
    /// Bytes read.
    pub(crate) bytes: u64,
}

impl Output {
    /// All records.
    pub(crate) fn total(&self) -> u64 {
        self.records.values().sum()
    }

    /// Records of `stream`.
    pub(crate) fn of(&self, stream: &str) -> u64 {
        self.records.get(stream).copied().unwrap_or(0)
    }

    /// The last states as a state file for the next read.
    pub(crate) fn state_file(&self) -> Value {
        Value::Array(self.last_states.values().cloned().collect())
    }

    fn line(&mut self, line: &[u8]) {
        self.bytes += line.len() as u64 + 1;
        let head = &line[..line.len().min(160)];
        if find(head, b"\"type\":\"RECORD\"").is_some() {
            let key = b"\"stream\":\"";
            if let Some(i) = find(head, key) {
                let rest = &head[i + key.len()..];
                if let Some(end) = rest.iter().position(|b| *b == b'"') {
                    let name = String::from_utf8_lossy(&rest[..end]).into_owned();
                    *self.records.entry(name).or_insert(0) += 1;
                    return;
                }
            }
            self.other_lines += 1;
            return;
        }
        let Ok(v) = serde_json::from_slice::<Value>(line) else {
            self.other_lines += 1;
            return;
        };
        match v["type"].as_str() {
            Some("STATE") => {
                let name = v["state"]["stream"]["stream_descriptor"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                self.last_states.insert(name, v["state"].clone());
            }
            Some("TRACE") if v["trace"]["type"] == "ERROR" => {
                self.problems
                    .push(v["trace"]["error"]["message"].to_string());
            }
            Some("LOG")
                if matches!(v["log"]["level"].as_str(), Some("WARN" | "ERROR" | "FATAL")) =>
            {
                self.problems.push(v["log"]["message"].to_string());
            }
            _ => {}
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads protocol lines from `r` on a thread, counting records per stream.
fn count_output(r: impl Read + Send + 'static) -> JoinHandle<Output> {
    std::thread::spawn(move || {
        let mut out = Output::default();
        let mut reader = BufReader::with_capacity(1 << 20, r);
        let mut line = Vec::with_capacity(1 << 16);
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if line.last() == Some(&b'\n') {
                        line.pop();
                    }
                    if !line.is_empty() {
                        out.line(&line);
                    }
                }
            }
        }
        out
    })
}

/// Collects a child's stderr on a thread (the last 64 KiB).
fn collect_stderr(r: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut reader = BufReader::new(r);
        let mut chunk = [0u8; 8192];
        while let Ok(n) = reader.read(&mut chunk) {
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.len() > 1 << 17 {
                buf.drain(..buf.len() - (1 << 16));
            }
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Whole-process figures of a finished process.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Usage {
    /// Wall time from spawn to exit.
    pub(crate) wall: f64,
    /// User CPU seconds.
    pub(crate) user: f64,
    /// System CPU seconds.
    pub(crate) sys: f64,
    /// Peak resident set size, KiB.
    pub(crate) max_rss_kib: u64,
    /// Exit code.
    pub(crate) code: i32,
}

impl Usage {
    /// User and system CPU seconds.
    pub(crate) fn cpu(&self) -> f64 {
        self.user + self.sys
    }

    /// Peak RSS in MiB.
    pub(crate) fn rss_mib(&self) -> f64 {
        self.max_rss_kib as f64 / 1024.0
    }
}

/// How a process is measured: GNU time's `-o` file, or a small Python wrapper around `wait4`
/// (both report the kernel's rusage of the process: CPU time and peak RSS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Meter {
    /// `/usr/bin/time` when it is GNU time, else the Python wrapper.
    Auto,
    /// GNU time (`/usr/bin/time -f … -o FILE`).
    Time,
    /// `python3` and `os.wait4`.
    Python,
}

/// The Python wrapper: runs its arguments as a child (stdin, stdout and stderr inherited),
/// waits for it with `wait4` and writes wall time, CPU time, peak RSS and exit code as JSON.
const WAIT4_PY: &str = r#"import json, os, subprocess, sys, time
out = sys.argv[1]
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[2:])
_, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t0
code = os.waitstatus_to_exitcode(status)
with open(out, "w") as f:
    json.dump({"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime,
               "max_rss_kib": ru.ru_maxrss, "code": code}, f)
sys.exit(code if 0 <= code < 256 else 1)
"#;

fn gnu_time_available() -> bool {
    Command::new("/usr/bin/time")
        .arg("--version")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map(|o| {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            text.contains("GNU")
        })
        .unwrap_or(false)
}

impl Meter {
    /// The meter to use on this machine.
    pub(crate) fn resolve(self) -> Result<Meter> {
        match self {
            Meter::Auto if gnu_time_available() => Ok(Meter::Time),
            Meter::Auto => Ok(Meter::Python),
            Meter::Time if !gnu_time_available() => bail!("/usr/bin/time is not GNU time"),
            m => Ok(m),
        }
    }

    /// What the tables say about the meter.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Meter::Time => "GNU time (rusage of the process)",
            Meter::Python | Meter::Auto => "python3 os.wait4 (rusage of the process)",
        }
    }
}

/// A process to measure.
pub(crate) struct Run {
    pub(crate) program: PathBuf,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    /// Where the child's stdout goes: counted as protocol lines, or discarded.
    pub(crate) count_stdout: bool,
}

/// The result of a measured run.
#[derive(Debug)]
pub(crate) struct Measured {
    pub(crate) usage: Usage,
    pub(crate) output: Output,
    pub(crate) stderr: String,
}

impl Run {
    /// A run of the release `notion-source` with these arguments.
    pub(crate) fn connector(args: &[&str]) -> Run {
        Run {
            program: connector_bin(),
            args: args.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
            count_stdout: true,
        }
    }

    /// Runs the process to completion under `meter`.
    pub(crate) fn measure(&self, meter: Meter) -> Result<Measured> {
        let dir = work_dir()?;
        let usage_file = dir.join(format!("usage-{}.txt", std::process::id()));
        let _ = std::fs::remove_file(&usage_file);
        let mut cmd = match meter {
            Meter::Time => {
                let mut c = Command::new("/usr/bin/time");
                c.arg("-f").arg("%e %U %S %M %x").arg("-o").arg(&usage_file);
                c.arg(&self.program);
                c
            }
            Meter::Python | Meter::Auto => {
                let script = dir.join("wait4.py");
                std::fs::write(&script, WAIT4_PY)?;
                let mut c = Command::new("python3");
                c.arg(&script).arg(&usage_file).arg(&self.program);
                c
            }
        };
        cmd.args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(if self.count_stdout {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting {}", self.program.display()))?;
        let counter = child.stdout.take().map(count_output);
        let stderr = child.stderr.take().map(collect_stderr);
        let status = child.wait()?;
        let wall_outside = started.elapsed().as_secs_f64();
        let output = counter
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        let stderr = stderr
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&usage_file).with_context(|| {
            format!(
                "no usage figures from the meter (exit {status}); stderr: {}",
                tail(&stderr, 2000)
            )
        })?;
        let _ = std::fs::remove_file(&usage_file);
        let usage = match meter {
            Meter::Time => parse_gnu_time(&text, wall_outside)?,
            Meter::Python | Meter::Auto => {
                let v: Value = serde_json::from_str(&text)?;
                Usage {
                    wall: v["wall"].as_f64().unwrap_or(wall_outside),
                    user: v["user"].as_f64().unwrap_or(0.0),
                    sys: v["sys"].as_f64().unwrap_or(0.0),
                    max_rss_kib: v["max_rss_kib"].as_u64().unwrap_or(0),
                    code: v["code"].as_i64().unwrap_or(-1) as i32,
                }
            }
        };
        Ok(Measured {
            usage,
            output,
            stderr,
        })
    }

    /// Starts the process unmeasured, its stdout counted; returns the child and the counter.
    pub(crate) fn spawn(&self) -> Result<(Child, JoinHandle<Output>, JoinHandle<String>)> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", self.program.display()))?;
        let counter = count_output(child.stdout.take().context("stdout")?);
        let stderr = collect_stderr(child.stderr.take().context("stderr")?);
        Ok((child, counter, stderr))
    }
}

fn parse_gnu_time(text: &str, wall_outside: f64) -> Result<Usage> {
    // The last line holds the figures; earlier lines may say "Command exited with …".
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .context("empty GNU time output")?;
    let f: Vec<&str> = line.split_whitespace().collect();
    ensure!(f.len() >= 5, "unexpected GNU time output `{line}`");
    Ok(Usage {
        wall: f[0].parse().unwrap_or(wall_outside),
        user: f[1].parse()?,
        sys: f[2].parse()?,
        max_rss_kib: f[3].parse()?,
        code: f[4].parse()?,
    })
}

/// The last `n` bytes of a text.
pub(crate) fn tail(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// Fails with the process's stderr when it did not exit 0.
pub(crate) fn ensure_success(what: &str, m: &Measured) -> Result<()> {
    if m.usage.code != 0 {
        bail!(
            "{what} exited with {}: {}\n{}",
            m.usage.code,
            m.output.problems.join("\n"),
            tail(&m.stderr, 4000)
        );
    }
    Ok(())
}

/// The load average (1, 5 and 15 minutes).
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".to_owned())
}

/// The machine: CPU model and count, memory.
pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "?".to_owned());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map(|k| format!("{:.0} GiB", k as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "?".to_owned());
    format!("{cores} × {cpu}, {mem}")
}

/// The endpoints a reader calls, in the order the tables list them.
pub(crate) const ENDPOINTS: [(Endpoint, &str); 11] = [
    (Endpoint::ListUsers, "GET /v1/users"),
    (Endpoint::Search, "POST /v1/search"),
    (Endpoint::RetrieveDatabase, "GET /v1/databases/{id}"),
    (Endpoint::QueryDatabase, "POST /v1/databases/{id}/query"),
    (Endpoint::RetrieveDataSource, "GET /v1/data_sources/{id}"),
    (
        Endpoint::QueryDataSource,
        "POST /v1/data_sources/{id}/query",
    ),
    (Endpoint::RetrievePage, "GET /v1/pages/{id}"),
    (
        Endpoint::PagePropertyItem,
        "GET /v1/pages/{id}/properties/{p}",
    ),
    (Endpoint::BlockChildren, "GET /v1/blocks/{id}/children"),
    (Endpoint::ListComments, "GET /v1/comments"),
    (Endpoint::Me, "GET /v1/users/me"),
];

/// A plain-text table.
pub(crate) struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    notes: Vec<String>,
}

impl Table {
    pub(crate) fn new(title: impl Into<String>, header: &[&str]) -> Table {
        Table {
            title: title.into(),
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Prints the table (columns aligned; numbers right-aligned).
    #[allow(clippy::print_stdout)]
    pub(crate) fn print(&self) {
        let n = self.header.len();
        let mut width = vec![0usize; n];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(n) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::from("|");
            for (i, w) in width.iter().enumerate() {
                let c = cells.get(i).map(String::as_str).unwrap_or("");
                let pad = w - c.chars().count();
                let numeric = c
                    .chars()
                    .next()
                    .is_some_and(|ch| ch.is_ascii_digit() || ch == '-' || ch == '+');
                if numeric && i > 0 {
                    s.push_str(&format!(" {}{} |", " ".repeat(pad), c));
                } else {
                    s.push_str(&format!(" {}{} |", c, " ".repeat(pad)));
                }
            }
            s
        };
        println!();
        println!("## {}", self.title);
        println!();
        println!("{}", line(&self.header));
        let mut sep = String::from("|");
        for w in &width {
            sep.push_str(&format!("{}|", "-".repeat(w + 2)));
        }
        println!("{sep}");
        for r in &self.rows {
            println!("{}", line(r));
        }
        if !self.notes.is_empty() {
            println!();
            for note in &self.notes {
                println!("{note}");
            }
        }
    }
}

/// A number with thousands separators.
pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Waits up to `timeout` for `f` to hold, polling.
pub(crate) fn wait_for(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    f()
}
