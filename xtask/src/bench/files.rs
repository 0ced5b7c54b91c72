//! Files: `sync` with `download_files` against the fake, whose Notion-hosted files are served at
//! expiring signed URLs on the fake itself. Files and bytes per second of the downloads, and
//! the API requests they cost: none while the links are valid, one refresh per file when every
//! link the mirror holds has expired.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use clap::Parser;
use notion_fake::GenConfig;
use serde_json::{Value, json};

use super::common::{
    Fake, Meter, Run, Table, connector_config, ensure_success, load_average, thousands, work_dir,
    write_json,
};

/// Options of `cargo xtask bench files`.
#[derive(Debug, Parser)]
pub(crate) struct FilesArgs {
    /// Workspace size (pages of the `bench-sync-N` workspace).
    #[arg(long, default_value = "1000")]
    pages: u32,
    /// Bytes of the workspace's large hosted file.
    #[arg(long, default_value = "8388608")]
    large: u64,
    /// `file_concurrency` values to measure, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "4,16")]
    concurrency: Vec<u32>,
}

/// One `sync` and its summary.
struct Synced {
    summary: Value,
    wall: f64,
}

/// Runs `sync` into `db` with `extra` configuration.
fn sync(fake: &Fake, dir: &Path, db: &Path, extra: Value, meter: Meter) -> Result<Synced> {
    let mut config = json!({"requests_per_second": 0, "concurrency": 16});
    if let (Some(c), Some(e)) = (config.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    let config = write_json(dir, "config.json", &connector_config(fake, config))?;
    let summary = dir.join("summary.json");
    let run = Run::connector(&[
        "sync",
        "--quiet",
        "--config",
        &config.display().to_string(),
        "--db",
        &db.display().to_string(),
        "--summary-json",
        &summary.display().to_string(),
    ]);
    let measured = run.measure(meter)?;
    ensure_success("sync", &measured)?;
    let summary: Value = serde_json::from_slice(
        &std::fs::read(&summary).with_context(|| format!("reading {}", summary.display()))?,
    )?;
    Ok(Synced {
        summary,
        wall: measured.usage.wall,
    })
}

/// Removes a mirror and its store.
fn remove(db: &Path) {
    for suffix in ["", "-wal", "-shm", ".files"] {
        let p = db.with_file_name(format!(
            "{}{suffix}",
            db.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ));
        let _ = std::fs::remove_dir_all(&p);
        let _ = std::fs::remove_file(&p);
    }
}

fn mib(bytes: f64) -> String {
    format!("{:.1}", bytes / (1024.0 * 1024.0))
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

pub(crate) fn run(args: FilesArgs, meter: Meter) -> Result<()> {
    let load_before = load_average();
    let options = notion_fake::Options {
        large_file_bytes: args.large,
        ..Fake::unthrottled()
    };
    let fake = Fake::start(GenConfig::bench_sync(args.pages), options)?;
    let hosted = fake.hosted_files().count() as u64;
    let hosted_bytes: u64 = fake.hosted_files().map(|f| f.size).sum();
    let dir = work_dir()?.join("files");
    std::fs::create_dir_all(&dir)?;
    let quiet = json!({"lookback_minutes": 0, "inventory": "never"});

    // The same syncs without files: the API requests a sync costs anyway.
    let plain = dir.join("plain.db");
    remove(&plain);
    let full = sync(&fake, &dir, &plain, quiet.clone(), meter)?;
    let base_full = u(&full.summary["requests"]);

    let mut t = Table::new(
        format!(
            "Files: sync with download_files, bench-sync-{} ({} hosted files, {} MiB; load average {load_before} → {})",
            args.pages,
            thousands(hosted),
            mib(hosted_bytes as f64),
            load_average()
        ),
        &[
            "sync",
            "file_concurrency",
            "files",
            "MiB",
            "files/s",
            "MiB/s",
            "refreshes",
            "API requests",
            "of which for files",
            "wall s",
        ],
    );
    t.row(vec![
        "full, without files".into(),
        "-".into(),
        "0".into(),
        "0".into(),
        "-".into(),
        "-".into(),
        "0".into(),
        thousands(base_full),
        "-".into(),
        format!("{:.1}", full.wall),
    ]);
    for &concurrency in &args.concurrency {
        let db = dir.join(format!("files-{concurrency}.db"));
        remove(&db);
        let mut extra = quiet.clone();
        extra["download_files"] = json!(true);
        extra["file_concurrency"] = json!(concurrency);
        let first = sync(&fake, &dir, &db, extra.clone(), meter)?;
        let f = &first.summary["files"];
        ensure!(
            u(&f["downloaded"]) == hosted && u(&f["failed"]) == 0,
            "not every file was downloaded: {f}"
        );
        let requests = u(&first.summary["requests"]);
        t.row(vec![
            "full".into(),
            concurrency.to_string(),
            thousands(u(&f["downloaded"])),
            mib(u(&f["bytes"]) as f64),
            format!("{:.0}", f["files_per_second"].as_f64().unwrap_or(0.0)),
            mib(f["bytes_per_second"].as_f64().unwrap_or(0.0)),
            thousands(u(&f["refreshes"])),
            thousands(requests),
            format!("{:+}", requests as i64 - base_full as i64),
            format!("{:.1}", first.wall),
        ]);
        // Every copy lost, every link the mirror holds expired: each file costs one refresh.
        std::fs::remove_dir_all(db.with_file_name(format!("files-{concurrency}.db.files")))?;
        fake.advance(Duration::from_secs(2 * 3600));
        let plain_again = sync(&fake, &dir, &plain, quiet.clone(), meter)?;
        let again = sync(&fake, &dir, &db, extra, meter)?;
        let f = &again.summary["files"];
        ensure!(
            u(&f["downloaded"]) == hosted && u(&f["failed"]) == 0,
            "not every file was downloaded again: {f}"
        );
        let base = u(&plain_again.summary["requests"]);
        let requests = u(&again.summary["requests"]);
        t.row(vec![
            "incremental, links expired".into(),
            concurrency.to_string(),
            thousands(u(&f["downloaded"])),
            mib(u(&f["bytes"]) as f64),
            format!("{:.0}", f["files_per_second"].as_f64().unwrap_or(0.0)),
            mib(f["bytes_per_second"].as_f64().unwrap_or(0.0)),
            thousands(u(&f["refreshes"])),
            thousands(requests),
            format!("{:+}", requests as i64 - base as i64),
            format!("{:.1}", again.wall),
        ]);
    }
    t.note(
        "files/s and MiB/s over the time downloads ran (from the first queued to the last finished); \
         \"of which for files\": API requests beyond the same sync without download_files. \
         Downloads go to the fake's file URLs on 127.0.0.1 and are not API requests.",
    );
    t.print();
    Ok(())
}
