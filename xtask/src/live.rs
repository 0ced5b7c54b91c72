//! `cargo xtask live`: an opt-in check of the connector against the real Notion API.
//!
//! Reads the token from `NOTION_TOKEN` (never from the command line, so it stays out of shell
//! history and process lists), writes a temporary configuration, and runs the release binary:
//! `check` must succeed, `discover` must list the six streams, and `read` must exit 0 with every
//! record valid against its stream's schema (undeclared top-level fields forbidden), a state
//! for every stream, and the token nowhere in the output. Never run in CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use clap::Args;
use notion_streams::StreamName;
use serde_json::{Value, json};

/// Arguments of `cargo xtask live`.
#[derive(Debug, Args)]
pub(crate) struct LiveArgs {
    /// Streams to read (comma-separated); all by default.
    #[arg(long, value_delimiter = ',')]
    streams: Vec<String>,
    /// Only objects edited at or after this date (RFC 3339), to keep the run short.
    #[arg(long)]
    start_date: Option<String>,
    /// Notion API version.
    #[arg(long, default_value = "2026-03-11")]
    api_version: String,
    /// Comments mode (`pages_and_blocks`, `pages`, `none`).
    #[arg(long, default_value = "pages")]
    comments: String,
}

pub(crate) fn run(root: &Path, args: LiveArgs) -> Result<()> {
    let token = std::env::var("NOTION_TOKEN")
        .context("set NOTION_TOKEN to the token of an integration shared with some pages")?;
    ensure!(!token.trim().is_empty(), "NOTION_TOKEN is empty");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "notion-cli"])
        .current_dir(root)
        .status()?;
    ensure!(status.success(), "building notion-source failed");
    let bin = root.join("target/release/notion-source");
    let dir = std::env::temp_dir().join(format!("notion-source-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = check_all(&bin, &dir, &token, &args);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn check_all(bin: &Path, dir: &Path, token: &str, args: &LiveArgs) -> Result<()> {
    let mut config = json!({
        "credentials": {"auth_type": "token", "token": token},
        "api_version": args.api_version,
        "comments": args.comments,
    });
    if let Some(d) = &args.start_date {
        config["start_date"] = json!(d);
    }
    let config_path = write(dir, "config.json", &config)?;

    let check = run_protocol(bin, &["check", "--config"], &[&config_path], token)?;
    let status = check
        .iter()
        .find(|m| m["type"] == "CONNECTION_STATUS")
        .context("check printed no CONNECTION_STATUS")?;
    ensure!(
        status["connectionStatus"]["status"] == "SUCCEEDED",
        "check failed: {}",
        status["connectionStatus"]["message"]
    );
    eprintln!("check: SUCCEEDED");

    let discover = run_protocol(bin, &["discover", "--config"], &[&config_path], token)?;
    let catalog = discover
        .iter()
        .find(|m| m["type"] == "CATALOG")
        .context("discover printed no CATALOG")?;
    let streams: Vec<Value> = catalog["catalog"]["streams"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        streams.len() == StreamName::ALL.len(),
        "discover listed {} streams",
        streams.len()
    );
    eprintln!("discover: {} streams", streams.len());

    let wanted: Vec<&str> = if args.streams.is_empty() {
        StreamName::ALL.iter().map(|s| s.as_str()).collect()
    } else {
        args.streams.iter().map(String::as_str).collect()
    };
    let configured: Vec<Value> = streams
        .iter()
        .filter(|s| wanted.contains(&s["name"].as_str().unwrap_or("")))
        .map(|s| {
            let incremental = s["supported_sync_modes"]
                .as_array()
                .is_some_and(|m| m.contains(&json!("incremental")));
            json!({
                "stream": s,
                "sync_mode": if incremental { "incremental" } else { "full_refresh" },
                "destination_sync_mode": "append",
            })
        })
        .collect();
    let catalog_path = write(dir, "catalog.json", &json!({"streams": configured}))?;
    let messages = run_protocol(
        bin,
        &["read", "--config", "--catalog"],
        &[&config_path, &catalog_path],
        token,
    )?;
    for s in &streams {
        let name = s["name"].as_str().unwrap_or("");
        if !wanted.contains(&name) {
            continue;
        }
        let mut schema = s["json_schema"].clone();
        schema["additionalProperties"] = json!(false);
        let validator = jsonschema::draft7::new(&schema)
            .map_err(|e| anyhow::anyhow!("the {name} schema is invalid: {e}"))?;
        let mut records = 0usize;
        for m in messages
            .iter()
            .filter(|m| m["type"] == "RECORD" && m["record"]["stream"] == name)
        {
            records += 1;
            if let Err(e) = validator.validate(&m["record"]["data"]) {
                bail!("a {name} record does not match its schema: {e}");
            }
        }
        let states = messages
            .iter()
            .filter(|m| {
                m["type"] == "STATE" && m["state"]["stream"]["stream_descriptor"]["name"] == name
            })
            .count();
        ensure!(states > 0, "no state for {name}");
        eprintln!("read: {name}: {records} records, {states} states");
    }
    Ok(())
}

fn write(dir: &Path, name: &str, value: &Value) -> Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value)?)?;
    Ok(path)
}

/// Runs a protocol command; `flags` are paired with `files` in order (the first flag is the
/// command itself).
fn run_protocol(bin: &Path, flags: &[&str], files: &[&PathBuf], token: &str) -> Result<Vec<Value>> {
    let mut cmd = Command::new(bin);
    cmd.arg(flags[0]);
    for (flag, file) in flags[1..].iter().zip(files) {
        cmd.arg(flag).arg(file);
    }
    let out = cmd.output()?;
    let stdout = String::from_utf8(out.stdout)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(
        !stdout.contains(token) && !stderr.contains(token),
        "the token appeared in the output of {}",
        flags[0]
    );
    ensure!(
        out.status.success(),
        "{} exited with {}: {}",
        flags[0],
        out.status,
        stderr.lines().last().unwrap_or("")
    );
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).with_context(|| format!("not a JSON line: {l}")))
        .collect()
}
