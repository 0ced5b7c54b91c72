//! Helpers shared by the end-to-end tests: a fake Notion API in the test process, and the
//! `notion-source` binary run against it.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use notion_fake::{ApiVersion, FakeNotion, Options, WorkspaceSpec};
use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_notion-source");

/// Starts a fake with `options`, serving `spec`.
pub async fn fake(spec: WorkspaceSpec, options: Options) -> FakeNotion {
    FakeNotion::start(spec, options).await.expect("fake starts")
}

/// Options for a fast fake: no rate limit, no latency.
pub fn unthrottled() -> Options {
    Options {
        rate_limit: None,
        ..Options::default()
    }
}

/// A temporary directory that lives as long as the value.
pub struct Dir(pub tempfile::TempDir);

impl Dir {
    pub fn new() -> Self {
        Dir(tempfile::tempdir().expect("tempdir"))
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    pub fn write(&self, name: &str, value: &Value) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, serde_json::to_vec_pretty(value).unwrap()).unwrap();
        p
    }
}

/// A configuration for the fake: its token, no client-side rate limit, and `extra` fields.
pub fn config(fake: &FakeNotion, extra: Value) -> Value {
    let mut c = json!({
        "credentials": {"auth_type": "token", "token": fake.token()},
        "base_url": fake.base_url(),
        "requests_per_second": 0,
        "concurrency": 8,
    });
    if let (Some(c), Some(e)) = (c.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    c
}

/// A configured catalog of `streams` in `mode`.
pub fn catalog(streams: &[&str], mode: &str) -> Value {
    json!({"streams": streams.iter().map(|s| {
        let incremental = *s != "users" && mode == "incremental";
        json!({
            "stream": {"name": s, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
            "sync_mode": if incremental { "incremental" } else { "full_refresh" },
            "destination_sync_mode": "append",
        })
    }).collect::<Vec<_>>()})
}

pub const ALL_STREAMS: [&str; 7] = [
    "users",
    "databases",
    "data_sources",
    "pages",
    "blocks",
    "comments",
    "page_markdown",
];
pub const INCREMENTAL_STREAMS: [&str; 6] = [
    "databases",
    "data_sources",
    "pages",
    "blocks",
    "comments",
    "page_markdown",
];

/// The outcome of a run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub messages: Vec<Value>,
}

impl Run {
    /// Records of `stream`, in order.
    pub fn records(&self, stream: &str) -> Vec<Value> {
        records(&self.messages, stream)
    }

    /// Messages of a type (`RECORD`, `STATE`, `TRACE`, …).
    pub fn of_type(&self, kind: &str) -> Vec<&Value> {
        self.messages.iter().filter(|m| m["type"] == kind).collect()
    }

    /// The last state of each stream, as a state file for the next read.
    pub fn last_states(&self) -> Value {
        last_states(&self.messages)
    }
}

pub fn records(messages: &[Value], stream: &str) -> Vec<Value> {
    messages
        .iter()
        .filter(|m| m["type"] == "RECORD" && m["record"]["stream"] == stream)
        .map(|m| m["record"]["data"].clone())
        .collect()
}

pub fn last_states(messages: &[Value]) -> Value {
    let mut last: BTreeMap<String, Value> = BTreeMap::new();
    for m in messages.iter().filter(|m| m["type"] == "STATE") {
        let name = m["state"]["stream"]["stream_descriptor"]["name"]
            .as_str()
            .unwrap()
            .to_owned();
        last.insert(name, m["state"].clone());
    }
    Value::Array(last.into_values().collect())
}

/// Parses stdout: every line must be one JSON AirbyteMessage.
pub fn parse_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}"));
            assert!(v["type"].is_string(), "not an AirbyteMessage: {l}");
            v
        })
        .collect()
}

/// Runs the binary to completion (off the async runtime, so the in-process fake keeps serving).
pub async fn run(args: Vec<String>) -> Run {
    run_with_env(args, &[]).await
}

/// Runs the binary with environment variables set (`RUST_LOG` is unset unless given).
pub async fn run_with_env(args: Vec<String>, env: &[(&str, &str)]) -> Run {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let out = Command::new(BIN)
            .args(&args)
            .env_remove("RUST_LOG")
            .envs(env)
            .output()
            .expect("binary runs");
        let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        // The Airbyte commands write only protocol messages on stdout.
        let protocol = args
            .iter()
            .find(|a| !a.starts_with("--"))
            .is_some_and(|c| ["spec", "check", "discover", "read"].contains(&c.as_str()));
        let messages = if protocol {
            parse_lines(&stdout)
        } else {
            Vec::new()
        };
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout,
            stderr,
            messages,
        }
    })
    .await
    .expect("join")
}

pub fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

pub fn path_str(p: &Path) -> String {
    p.display().to_string()
}

/// `read` with the given files.
pub async fn read(config: &Path, catalog: &Path, state: Option<&Path>) -> Run {
    let mut a = vec![
        "read".to_string(),
        "--config".into(),
        path_str(config),
        "--catalog".into(),
        path_str(catalog),
    ];
    if let Some(s) = state {
        a.push("--state".into());
        a.push(path_str(s));
    }
    run(a).await
}

/// Starts `read` and kills it once `records_before_kill` records have been printed; returns
/// the messages printed before the kill.
pub async fn read_and_kill(
    config: PathBuf,
    catalog: PathBuf,
    state: Option<PathBuf>,
    records_before_kill: usize,
) -> Vec<Value> {
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(BIN);
        cmd.arg("read")
            .arg("--config")
            .arg(&config)
            .arg("--catalog")
            .arg(&catalog)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(s) = &state {
            cmd.arg("--state").arg(s);
        }
        let mut child: Child = cmd.spawn().expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut messages = Vec::new();
        let mut seen = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            if !line.ends_with('\n') {
                break; // cut mid-line by the kill
            }
            let v: Value = serde_json::from_str(line.trim_end()).expect("JSON line");
            if v["type"] == "RECORD" {
                seen += 1;
            }
            messages.push(v);
            if seen >= records_before_kill {
                child.kill().expect("kill");
                break;
            }
        }
        let _ = child.wait();
        messages
    })
    .await
    .expect("join")
}

/// Ids of every ground-truth object of a stream.
pub fn truth_ids(fake: &FakeNotion, stream: notion_fake::Stream) -> BTreeSet<String> {
    fake.ground_truth(stream, ApiVersion::V2026_03_11)
        .map(|r| r.id.to_string())
        .collect()
}

/// Ids of records.
pub fn ids(records: &[Value]) -> BTreeSet<String> {
    records
        .iter()
        .map(|r| r["id"].as_str().expect("record id").to_owned())
        .collect()
}

/// A record without its enrichment, with `_extra` merged back: the object as Notion sent it.
pub fn as_sent(record: &Value) -> Value {
    let mut obj = record.as_object().expect("object").clone();
    let extra = obj.remove("_extra");
    obj.retain(|k, _| !k.starts_with('_'));
    if let Some(Value::Object(extra)) = extra {
        for (k, v) in extra {
            obj.insert(k, v);
        }
    }
    Value::Object(obj)
}

/// Sends a raw HTTP/1.1 request to the fake and returns the JSON body.
pub fn http_post_json(base_url: &str, path: &str, basic_auth: &str, body: &Value) -> Value {
    let addr = base_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let body = body.to_string();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {basic_auth}\r\nContent-Type: application/json\r\nNotion-Version: 2026-03-11\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let body = response.split("\r\n\r\n").nth(1).expect("body");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {response}"))
}

/// Base64 (standard alphabet, padded) of `s`, for HTTP Basic auth.
pub fn base64(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Notion-hosted file objects without their expiring signature (fresh on every read).
pub fn unsign_files(v: &mut Value) {
    match v {
        Value::Object(obj) => {
            if obj.remove("expiry_time").is_some()
                && let Some(Value::String(url)) = obj.get_mut("url")
                && let Some(i) = url.find('?')
            {
                url.truncate(i);
            }
            obj.values_mut().for_each(unsign_files);
        }
        Value::Array(items) => items.iter_mut().for_each(unsign_files),
        _ => {}
    }
}

/// Runs `sync --quiet --config C --db D` with `extra` arguments; asserts it succeeds.
pub async fn sync_ok(config: &Path, db: &Path, extra: &[&str]) -> Run {
    let mut a = vec![
        "sync".to_owned(),
        "--quiet".into(),
        "--config".into(),
        path_str(config),
        "--db".into(),
        path_str(db),
    ];
    a.extend(extra.iter().map(|s| (*s).to_owned()));
    let r = run(a).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}
