//! What the hostile-input suites share: running the `notion-source` binary as a child process
//! under a wall-clock limit (a hang is killed and reported) while sampling its peak memory, the
//! checks every run must pass (exit code, protocol lines, one clear message, no Rust `Debug`
//! output, no panic text, no secret), and the `KNOWN_FAILING` bookkeeping.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod hostile;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_notion-source");

/// Message types of the Airbyte protocol.
const MESSAGE_TYPES: [&str; 8] = [
    "RECORD",
    "STATE",
    "LOG",
    "SPEC",
    "CONNECTION_STATUS",
    "CATALOG",
    "TRACE",
    "CONTROL",
];

/// Captured output is cut at this many bytes per stream.
const CAPTURE_LIMIT: usize = 64 << 20;

/// The outcome of one run of the binary.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    /// The run was killed: it outlived its wall-clock limit or its stop condition held.
    pub killed: Option<String>,
    pub stdout: String,
    pub stderr: String,
    /// Highest resident set size seen (`VmHWM`, sampled while the child ran), KiB.
    pub peak_rss_kib: u64,
    pub wall: Duration,
}

impl Outcome {
    /// Stdout lines parsed as JSON (lines that are not JSON are skipped; see
    /// [`protocol_problems`]).
    pub fn messages(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Records of `stream` (their `data`).
    pub fn records(&self, stream: &str) -> Vec<Value> {
        self.messages()
            .into_iter()
            .filter(|m| m["type"] == "RECORD" && m["record"]["stream"] == stream)
            .map(|m| m["record"]["data"].clone())
            .collect()
    }

    /// TRACE ERROR messages and CONNECTION_STATUS messages: the messages that report an outcome.
    pub fn verdicts(&self) -> Vec<Value> {
        self.messages()
            .into_iter()
            .filter(|m| {
                (m["type"] == "TRACE" && m["trace"]["type"] == "ERROR")
                    || m["type"] == "CONNECTION_STATUS"
            })
            .collect()
    }

    /// The text of a verdict message.
    pub fn verdict_text(v: &Value) -> String {
        if v["type"] == "CONNECTION_STATUS" {
            v["connectionStatus"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        } else {
            let e = &v["trace"]["error"];
            let mut s = e["message"].as_str().unwrap_or_default().to_owned();
            if let Some(i) = e["internal_message"].as_str() {
                s.push_str(" | ");
                s.push_str(i);
            }
            s
        }
    }

    /// The last STATE message of each stream, as a state file for the next read.
    pub fn last_states(&self) -> Value {
        let mut last = std::collections::BTreeMap::new();
        for m in self.messages().into_iter().filter(|m| m["type"] == "STATE") {
            let name = m["state"]["stream"]["stream_descriptor"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            last.insert(name, m["state"].clone());
        }
        Value::Array(last.into_values().collect())
    }

    /// Stderr lines that are errors: not empty, not warnings, not log lines.
    pub fn stderr_errors(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .filter(|l| {
                let lower = l.to_ascii_lowercase();
                !(lower.starts_with("warning")
                    || lower.contains(" warn ")
                    || lower.contains(" info ")
                    || lower.contains(" debug ")
                    || lower.starts_with("notion-source: warning"))
            })
            .collect()
    }
}

/// When to stop a child early, besides its wall-clock limit: checked every few milliseconds;
/// `Some(reason)` kills it.
pub type StopWhen<'a> = &'a (dyn Fn() -> Option<String> + Sync);

/// Runs `cmd` to its end, or kills it after `limit` or when `stop` says so.
pub fn run(mut cmd: Command, limit: Duration, stop: Option<StopWhen<'_>>) -> Outcome {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE");
    let started = Instant::now();
    let mut child = cmd.spawn().expect("the binary starts");
    let pid = child.id();
    let out = capture(child.stdout.take().expect("stdout"));
    let err = capture(child.stderr.take().expect("stderr"));
    let mut peak = 0u64;
    let mut killed = None;
    let status = loop {
        peak = peak.max(vm_hwm_kib(pid));
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            killed = Some(format!("still running after {limit:?} (a hang)"));
        } else if let Some(reason) = stop.and_then(|f| f()) {
            killed = Some(reason);
        }
        if killed.is_some() {
            peak = peak.max(vm_hwm_kib(pid));
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let wall = started.elapsed();
    Outcome {
        code: status.code(),
        killed,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        peak_rss_kib: peak,
        wall,
    }
}

fn capture(r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut r = r;
        let mut buf = Vec::new();
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            match r.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if buf.len() < CAPTURE_LIMIT {
                        buf.extend_from_slice(&chunk[..n]);
                    }
                }
            }
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// The peak resident set size of a running process (0 once it has exited).
fn vm_hwm_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Problems with stdout as a protocol stream: every line must be one JSON AirbyteMessage.
pub fn protocol_problems(stdout: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, line) in stdout.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(v)
                if v["type"]
                    .as_str()
                    .is_some_and(|t| MESSAGE_TYPES.contains(&t)) => {}
            Ok(_) => problems.push(format!(
                "stdout line {} is not an AirbyteMessage: {}",
                i + 1,
                cut(line, 200)
            )),
            Err(_) => problems.push(format!(
                "stdout line {} is not JSON: {}",
                i + 1,
                cut(line, 200)
            )),
        }
    }
    problems
}

/// Rust `Debug` output in a user-facing message, if any: `Some(…)`, `Ok(…)`, `String(…)`, a
/// `\"` escape of a debug-printed string, a `Name { field: … }` struct dump.
pub fn debug_output(text: &str) -> Option<String> {
    const MARKERS: [&str; 10] = [
        "Some(", "Ok(", "Err(", "String(", "Number(", "Bool(", "Object {", "Array [", "\\\"", "\\n",
    ];
    for m in MARKERS {
        if text.contains(m) {
            return Some(m.to_owned());
        }
    }
    // `None` as a word: our messages say "none" in lowercase.
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find("None") {
        let at = from + i;
        let before = at.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(at + 4).copied();
        let word = |b: Option<u8>| b.is_none_or(|b| !b.is_ascii_alphanumeric() && b != b'_');
        if word(before) && word(after) {
            return Some("None".to_owned());
        }
        from = at + 4;
    }
    // A struct dump: `Ident { ident: `.
    for (i, _) in text.match_indices(" { ") {
        let head = &text[..i];
        let ident: String = head
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let tail = &text[i + 3..];
        let field: String = tail
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if ident.chars().last().is_some_and(|c| c.is_ascii_uppercase())
            && !field.is_empty()
            && tail[field.len()..].starts_with(':')
        {
            return Some(format!(
                "{} {{ {field}:",
                ident.chars().rev().collect::<String>()
            ));
        }
    }
    None
}

/// Panic text in the output, if any.
pub fn panic_text(text: &str) -> Option<&'static str> {
    [
        "panicked",
        "panic:",
        "RUST_BACKTRACE",
        "failed unexpectedly",
        "internal error",
        "stack overflow",
    ]
    .into_iter()
    .find(|m| text.contains(m))
}

/// The first of `secrets` that appears in `text`.
pub fn leaked<'a>(text: &str, secrets: &[&'a str]) -> Option<&'a str> {
    secrets
        .iter()
        .copied()
        .find(|s| !s.is_empty() && text.contains(s))
}

/// Checks shared by every run: no crash signal, no hang, no panic text, no secret, and stdout
/// only protocol lines when `protocol`.
pub fn common_problems(o: &Outcome, protocol: bool, secrets: &[&str]) -> Vec<String> {
    let mut p = Vec::new();
    if let Some(reason) = &o.killed {
        p.push(format!("killed: {reason}"));
    } else if o.code.is_none() {
        p.push("ended by a signal (a crash)".to_owned());
    }
    for (name, text) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        if let Some(m) = panic_text(text) {
            p.push(format!("panic text `{m}` on {name}: {}", cut(text, 300)));
        }
        if let Some(s) = leaked(text, secrets) {
            p.push(format!("the secret `{}…` appears on {name}", cut(s, 6)));
        }
    }
    if protocol {
        p.extend(protocol_problems(&o.stdout));
    }
    p
}

/// Problems with a message: it must name each of `names` and hold no `Debug` output.
pub fn message_problems(message: &str, names: &[&str]) -> Vec<String> {
    let mut p = Vec::new();
    for n in names {
        if !message.to_lowercase().contains(&n.to_lowercase()) {
            p.push(format!("the message does not name `{n}`: {message}"));
        }
    }
    if let Some(m) = debug_output(message) {
        p.push(format!("Rust Debug output `{m}` in the message: {message}"));
    }
    p
}

/// The first `n` characters of a text.
pub fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// Runs `job` over `items` on `threads` threads; results in the items' order.
pub fn parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    job: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<Option<R>>> =
        std::sync::Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = job(item);
                    results.lock().unwrap()[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item ran"))
        .collect()
}

/// How many cases run at once: most of a case is waiting for a child process, so twice the
/// machine's cores, from 4 to 16.
pub fn threads() -> usize {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    (cores * 2).clamp(4, 16)
}

/// Judges a suite: every case passes except those in `known_failing` (name, reason), which
/// must fail — a listed case that passes fails the suite, so the list cannot go stale. Panics
/// with a report of everything wrong.
pub fn judge(suite: &str, results: &[(String, Vec<String>)], known_failing: &[(&str, &str)]) {
    let mut report = Vec::new();
    for (name, _) in known_failing {
        if !results.iter().any(|(n, _)| n == name) {
            report.push(format!(
                "KNOWN_FAILING names `{name}`, which is not a case of {suite}"
            ));
        }
    }
    let mut passed = 0;
    let mut known = 0;
    for (name, problems) in results {
        let listed = known_failing.iter().find(|(n, _)| n == name);
        match (problems.is_empty(), listed) {
            (true, None) => passed += 1,
            (false, Some(_)) => known += 1,
            (true, Some((_, reason))) => report.push(format!(
                "{name}: passes now — remove it from KNOWN_FAILING (it was listed for: {reason})"
            )),
            (false, None) => {
                report.push(format!("{name}:\n    {}", problems.join("\n    ")));
            }
        }
    }
    eprintln!(
        "{suite}: {} cases, {passed} pass, {known} known failing, {} wrong",
        results.len(),
        report.len()
    );
    if std::env::var_os("SUITE_VERBOSE").is_some() {
        for (name, problems) in results {
            if !problems.is_empty() {
                eprintln!("  {name}: {}", problems.join(" / "));
            }
        }
    }
    assert!(report.is_empty(), "{suite}:\n{}", report.join("\n"));
}
