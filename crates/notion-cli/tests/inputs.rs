//! Small input mistakes get a clear message naming the user's field and the fix, never Rust
//! internals: a rate too low for any burst, a pasted token with a line break, a byte order mark,
//! a catalog with an unknown sync mode.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use notion_fake::{GenConfig, Stream, WorkspaceSpec};
use serde_json::json;

/// Writes `value` as JSON with a UTF-8 byte order mark in front, as Windows editors do.
fn write_with_bom(dir: &Dir, name: &str, value: &serde_json::Value) -> std::path::PathBuf {
    let p = dir.path(name);
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(serde_json::to_vec_pretty(value).unwrap());
    std::fs::write(&p, bytes).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_below_one_request_a_minute_names_requests_per_second() {
    let dir = Dir::new();
    let cfg = dir.write(
        "config.json",
        &json!({"credentials": {"auth_type": "token", "token": "ntn_x"}, "requests_per_second": 0.01}),
    );
    let r = run(args(&["check", "--config", &path_str(&cfg)])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let m = r.messages[0]["connectionStatus"]["message"]
        .as_str()
        .unwrap();
    assert!(m.contains("`requests_per_second` is 0.01"), "{m}");
    assert!(m.contains("at least 0.02"), "{m}");
    assert!(!m.contains("burst"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_pasted_with_a_line_break_works() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let mut c = config(&fake, json!({}));
    c["credentials"]["token"] = json!(format!("{}\n", fake.token()));
    let cfg = dir.write("config.json", &c);
    let r = run(args(&["check", "--config", &path_str(&cfg)])).await;
    assert_eq!(
        r.messages[0]["connectionStatus"]["status"], "SUCCEEDED",
        "{}",
        r.stdout
    );
    // A line break inside is refused, naming the field, without echoing the token.
    c["credentials"]["token"] = json!("ntn_abc\ndef");
    let cfg = dir.write("config.json", &c);
    let r = run(args(&["check", "--config", &path_str(&cfg)])).await;
    let m = r.messages[0]["connectionStatus"]["message"]
        .as_str()
        .unwrap();
    assert!(m.contains("`credentials.token`"), "{m}");
    assert!(!m.contains("ntn_abc"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_with_a_byte_order_mark_are_read() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = write_with_bom(&dir, "config.json", &config(&fake, json!({})));
    let cat = write_with_bom(&dir, "catalog.json", &catalog(&["users"], "full_refresh"));
    let state = write_with_bom(&dir, "state.json", &json!([]));
    let r = read(&cfg, &cat, Some(&state)).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(ids(&r.records("users")), truth_ids(&fake, Stream::Users));
    let r = run(args(&[
        "sync",
        "--quiet",
        "--config",
        &path_str(&cfg),
        "--db",
        &path_str(&dir.path("m.db")),
        "--streams",
        "users",
    ]))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_errors_show_the_json_not_rust_internals() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let cat = dir.write(
        "catalog.json",
        &json!({"streams": [{"stream": {"name": "pages"}, "sync_mode": "cdc", "destination_sync_mode": "append"}]}),
    );
    let r = read(&cfg, &cat, None).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    let m = r.of_type("TRACE")[0]["trace"]["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        m.contains("`streams[0].sync_mode` is \"cdc\"; use \"full_refresh\" or \"incremental\""),
        "{m}"
    );
    assert!(!m.contains("Some("), "{m}");
}
