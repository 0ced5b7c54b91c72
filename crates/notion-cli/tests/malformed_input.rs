//! Malformed input: every case runs the built `notion-source` binary with one malformed (or
//! oddly formed but valid) configuration, catalog, state or command line and checks what a user
//! sees.
//!
//! For input that is invalid: `check` exits 0 with exactly one CONNECTION_STATUS `FAILED`;
//! `discover` and `read` exit 2 with exactly one TRACE error (`config_error`); `sync` exits 2 with
//! exactly one error line on stderr (and leaves its database file as it was). The message names
//! the field at fault, and holds no Rust `Debug` output. For input that is valid, the command
//! succeeds. Always: no crash signal, no hang (a 30 s limit), no panic text, no secret (the
//! tokens used) anywhere, and stdout of the protocol commands only JSON AirbyteMessage lines.
//!
//! Valid input reads a tiny fake workspace on 127.0.0.1; invalid input must be rejected before
//! any request. The cases are data (the tables below); [`KNOWN_FAILING`] lists the cases whose
//! current behaviour is wrong, with the reason — a listed case that passes fails the suite.
//! `SUITE_VERBOSE=1` prints every failing case's problems.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use notion_fake::{Capabilities, FakeNotion, GenConfig, Options, WorkspaceSpec};
use serde_json::{Value, json};
use support::{Outcome, common_problems, judge, message_problems, parallel, threads};

/// The integration token of every case.
const TOKEN: &str = "ntn_MalformedSuiteSecret_8f2c1e0b7a";
/// OAuth secrets of the OAuth cases.
const CLIENT_SECRET: &str = "oauth-client-secret-9c1e55d2";
const ACCESS_TOKEN: &str = "oauth-access-token-4b2dd93a";
const REFRESH_TOKEN: &str = "oauth-refresh-token-0e8f7c61";
/// A password in a `base_url`.
const URL_PASSWORD: &str = "hunter2-url-password";
const SECRETS: [&str; 5] = [
    TOKEN,
    CLIENT_SECRET,
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    URL_PASSWORD,
];

/// Cases whose current behaviour is wrong, and why. An entry names a case, or all commands of
/// a configuration case (`config/<name>`). Empty it as the fixes land: a listed case that passes
/// fails the suite.
const KNOWN_FAILING: &[(&str, &str)] = &[];

/// A command of the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    Spec,
    Check,
    Discover,
    Read,
    Sync,
}

impl Cmd {
    fn name(self) -> &'static str {
        match self {
            Cmd::Spec => "spec",
            Cmd::Check => "check",
            Cmd::Discover => "discover",
            Cmd::Read => "read",
            Cmd::Sync => "sync",
        }
    }
}

/// An input file.
#[derive(Debug, Clone)]
enum File {
    Json(Value),
    Text(String),
    Bytes(Vec<u8>),
    /// A path where nothing is.
    Missing,
    /// A directory.
    Directory,
    /// A file every read of which fails (`/proc/self/mem`: EIO at offset 0, even for root).
    Unreadable,
}

/// The SQLite file `sync` is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Db {
    /// A new file in an empty directory.
    Fresh,
    Directory,
    /// A text file.
    NotSqlite,
    /// Another program's SQLite database.
    Unrelated,
}

/// What the case must do.
#[derive(Debug, Clone)]
enum Expect {
    /// Rejected as invalid input, the message naming each of these.
    Invalid(Vec<&'static str>),
    /// Accepted: the command succeeds.
    Accepted,
    /// A command-line usage error (exit 2) naming this argument on stderr.
    Usage(&'static str),
}

#[derive(Debug, Clone)]
struct Case {
    name: String,
    cmd: Cmd,
    config: File,
    catalog: Option<File>,
    state: Option<File>,
    db: Db,
    /// Arguments after the command and its files.
    extra: Vec<String>,
    /// Replace the whole command line (after the binary) with this; files are written first
    /// and `{config}`, `{catalog}`, `{state}` and `{dir}` are substituted.
    argv: Option<Vec<&'static str>>,
    expect: Expect,
}

impl Case {
    fn new(name: impl Into<String>, cmd: Cmd, config: File, expect: Expect) -> Case {
        Case {
            name: name.into(),
            cmd,
            config,
            catalog: None,
            state: None,
            db: Db::Fresh,
            extra: Vec::new(),
            argv: None,
            expect,
        }
    }
}

/// What every case runs against.
struct Env {
    base_url: String,
}

fn invalid(names: &[&'static str]) -> Expect {
    Expect::Invalid(names.to_vec())
}

// ---------------------------------------------------------------------------------------------
// The tables.

/// A valid configuration for the fake: no limiter, no retries.
fn base_config(env: &Env) -> Value {
    json!({
        "credentials": {"auth_type": "token", "token": TOKEN},
        "base_url": env.base_url,
        "requests_per_second": 0,
        "max_retries": 0,
        "request_timeout": 10,
    })
}

fn with(env: &Env, key: &str, value: Value) -> File {
    let mut c = base_config(env);
    c[key] = value;
    File::Json(c)
}

fn with_credentials(env: &Env, credentials: Value) -> File {
    with(env, "credentials", credentials)
}

/// The configuration text with `"key": <raw>` added (for numbers JSON values cannot hold).
fn with_raw(env: &Env, key: &str, raw: &str) -> File {
    let text = base_config(env).to_string();
    let text = format!("{{\"{key}\": {raw}, {}", &text[1..]);
    File::Text(text)
}

fn deep_array(levels: usize) -> String {
    format!("{}{}", "[".repeat(levels), "]".repeat(levels))
}

/// Configuration cases: (name, file, expectation). Each runs with `check`, `discover`, `read`
/// and `sync`.
fn config_cases(env: &Env) -> Vec<(String, File, Expect)> {
    let mut v: Vec<(String, File, Expect)> = Vec::new();
    let mut add = |name: &str, file: File, expect: Expect| v.push((name.to_owned(), file, expect));

    // Wrong types and out-of-range values of the integer fields.
    let ints: [(&str, &[i64], &[i64]); 7] = [
        ("burst", &[0, 101], &[1, 100]),
        ("concurrency", &[0, 65], &[1, 64]),
        ("max_retries", &[21], &[0, 20]),
        ("page_size", &[0, 101], &[1, 100]),
        ("checkpoint_interval", &[0], &[1]),
        ("lookback_minutes", &[10_081], &[0, 10_080]),
        ("max_block_depth", &[0], &[1]),
    ];
    for (field, bad, good) in ints {
        let names = vec![field];
        for (label, value) in [
            ("string", json!("10")),
            ("bool", json!(true)),
            ("array", json!([1])),
            ("object", json!({"value": 1})),
            ("fraction", json!(1.5)),
            ("negative", json!(-1)),
            ("beyond-u32", json!(4_294_967_296u64)),
            ("huge", json!(1e300)),
        ] {
            add(
                &format!("{field}-{label}"),
                with(env, field, value),
                Expect::Invalid(names.clone()),
            );
        }
        for n in bad {
            add(
                &format!("{field}-{n}"),
                with(env, field, json!(n)),
                Expect::Invalid(names.clone()),
            );
        }
        for n in good {
            add(
                &format!("{field}-{n}-valid"),
                with(env, field, json!(n)),
                Expect::Accepted,
            );
        }
    }
    // Wrong types and out-of-range values of the number fields.
    let floats: [(&str, &[f64]); 3] = [
        ("requests_per_second", &[-1.0, 11.0, 1e308]),
        ("retry_base_delay", &[-1.0, 61.0, 1e308]),
        ("request_timeout", &[0.0, 0.5, 601.0, 1e308]),
    ];
    for (field, bad) in floats {
        for (label, value) in [
            ("string", json!("1")),
            ("nan-string", json!("NaN")),
            ("inf-string", json!("inf")),
            ("bool", json!(true)),
            ("array", json!([])),
            ("object", json!({})),
        ] {
            add(
                &format!("{field}-{label}"),
                with(env, field, value),
                invalid(&[field]),
            );
        }
        for (i, n) in bad.iter().enumerate() {
            add(
                &format!("{field}-out-of-range-{i}"),
                with(env, field, json!(n)),
                invalid(&[field]),
            );
        }
        add(
            &format!("{field}-1e400"),
            with_raw(env, field, "1e400"),
            invalid(&["config"]),
        );
    }
    add(
        "requests_per_second-tiny",
        with(env, "requests_per_second", json!(0.001)),
        invalid(&["requests_per_second"]),
    );
    {
        let mut c = base_config(env);
        c["base_url"] = json!("https://api.notion.com");
        c["requests_per_second"] = json!(0);
        add(
            "requests_per_second-0-not-loopback",
            File::Json(c),
            invalid(&["requests_per_second"]),
        );
    }
    // Booleans.
    for field in ["fetch_page_blocks", "fetch_full_properties"] {
        for (label, value) in [
            ("string", json!("yes")),
            ("number", json!(1)),
            ("string-true", json!("true")),
            ("array", json!([])),
        ] {
            add(
                &format!("{field}-{label}"),
                with(env, field, value),
                invalid(&[field]),
            );
        }
    }
    // Strings.
    for (label, value) in [
        ("number", json!(20240101)),
        ("bool", json!(true)),
        ("words", json!("yesterday")),
        ("month-13", json!("2024-13-45")),
        ("hour-25", json!("2024-01-01T25:00:00Z")),
        ("with-quote", json!("2024-01-01\"T")),
        ("object", json!({"date": "2024-01-01"})),
    ] {
        add(
            &format!("start_date-{label}"),
            with(env, "start_date", value),
            invalid(&["start_date"]),
        );
    }
    add(
        "start_date-null",
        with(env, "start_date", Value::Null),
        Expect::Accepted,
    );
    add(
        "start_date-date-only",
        with(env, "start_date", json!("2020-01-01")),
        Expect::Accepted,
    );
    for (label, value) in [
        ("number", json!(20_260_311)),
        ("legacy", json!("2022-06-28")),
        ("future", json!("2099-01-01")),
        ("word", json!("latest")),
        ("empty", json!("")),
        ("array", json!(["2026-03-11"])),
        ("with-quote", json!("2026-03-11\"")),
    ] {
        add(
            &format!("api_version-{label}"),
            with(env, "api_version", value),
            invalid(&["api_version"]),
        );
    }
    add(
        "api_version-older-supported",
        with(env, "api_version", json!("2025-09-03")),
        Expect::Accepted,
    );
    for (label, value) in [
        ("number", json!(42)),
        ("garbage", json!("not a url")),
        ("plain-http-remote", json!("http://example.com")),
        ("file-scheme", json!("file:///etc/passwd")),
        ("ftp-scheme", json!("ftp://127.0.0.1/")),
        ("javascript-scheme", json!("javascript:alert(1)")),
        ("empty", json!("")),
        ("query", json!("https://api.notion.com/?x=1")),
        ("array", json!(["https://api.notion.com"])),
    ] {
        add(
            &format!("base_url-{label}"),
            with(env, "base_url", value),
            invalid(&["base_url"]),
        );
    }
    add(
        "base_url-with-password",
        with(
            env,
            "base_url",
            json!(format!("http://user:{URL_PASSWORD}@example.com")),
        ),
        invalid(&["base_url"]),
    );
    for (label, value) in [
        ("unknown", json!("all")),
        ("wrong-case", json!("PAGES")),
        ("number", json!(1)),
        ("array", json!(["pages"])),
    ] {
        add(
            &format!("comments-{label}"),
            with(env, "comments", value),
            invalid(&["comments"]),
        );
    }
    add(
        "comments-none-valid",
        with(env, "comments", json!("none")),
        Expect::Accepted,
    );
    for (label, value, name) in [
        ("string", json!("abc"), "database_ids"),
        ("number-entry", json!([123]), "database_ids"),
        ("not-an-id", json!(["nope"]), "database_ids[0]"),
        ("null-entry", json!([null]), "database_ids"),
        ("empty-entry", json!([""]), "database_ids[0]"),
        ("object", json!({"a": 1}), "database_ids"),
    ] {
        add(
            &format!("database_ids-{label}"),
            with(env, "database_ids", value),
            Expect::Invalid(vec![name]),
        );
    }
    add(
        "database_ids-null",
        with(env, "database_ids", Value::Null),
        Expect::Accepted,
    );
    add(
        "database_ids-empty-list",
        with(env, "database_ids", json!([])),
        Expect::Accepted,
    );

    // Credentials.
    let mut no_credentials = base_config(env);
    if let Some(o) = no_credentials.as_object_mut() {
        o.remove("credentials");
    }
    add(
        "credentials-missing",
        File::Json(no_credentials),
        invalid(&["credentials"]),
    );
    for (label, value, names) in [
        ("null", Value::Null, &["credentials"][..]),
        ("is-the-token-string", json!(TOKEN), &["credentials"][..]),
        ("array", json!([TOKEN]), &["credentials"][..]),
        ("empty-object", json!({}), &["credentials"][..]),
        (
            "auth_type-unknown",
            json!({"auth_type": "apikey", "token": TOKEN}),
            &["auth_type"][..],
        ),
        (
            "auth_type-number",
            json!({"auth_type": 5, "token": TOKEN}),
            &["auth_type"][..],
        ),
        (
            "token-missing",
            json!({"auth_type": "token"}),
            &["token"][..],
        ),
        (
            "token-empty",
            json!({"auth_type": "token", "token": ""}),
            &["credentials.token"][..],
        ),
        (
            "token-whitespace",
            json!({"auth_type": "token", "token": "  \t "}),
            &["credentials.token"][..],
        ),
        (
            "token-number",
            json!({"auth_type": "token", "token": 12345}),
            &["credentials.token"][..],
        ),
        (
            "token-null",
            json!({"auth_type": "token", "token": null}),
            &["credentials.token"][..],
        ),
        (
            "token-object",
            json!({"auth_type": "token", "token": {"value": TOKEN}}),
            &["credentials.token"][..],
        ),
        (
            "token-inner-newline",
            json!({"auth_type": "token", "token": format!("{TOKEN}\nX-Injected: 1")}),
            &["credentials.token"][..],
        ),
        (
            "oauth-client_id-missing",
            json!({"auth_type": "OAuth2.0", "client_secret": CLIENT_SECRET, "access_token": ACCESS_TOKEN}),
            &["client_id"][..],
        ),
        (
            "oauth-client_secret-empty",
            json!({"auth_type": "OAuth2.0", "client_id": "cid", "client_secret": "", "access_token": ACCESS_TOKEN}),
            &["credentials.client_secret"][..],
        ),
        (
            "oauth-access_token-number",
            json!({"auth_type": "OAuth2.0", "client_id": "cid", "client_secret": CLIENT_SECRET, "access_token": 5}),
            &["credentials.access_token"][..],
        ),
        (
            "oauth-refresh_token-array",
            json!({"auth_type": "OAuth2.0", "client_id": "cid", "client_secret": CLIENT_SECRET, "access_token": ACCESS_TOKEN, "refresh_token": [REFRESH_TOKEN]}),
            &["credentials.refresh_token"][..],
        ),
        (
            "oauth-with-a-token-only",
            json!({"auth_type": "OAuth2.0", "token": TOKEN}),
            &["credentials"][..],
        ),
    ] {
        add(
            &format!("credentials-{label}"),
            with_credentials(env, value),
            Expect::Invalid(names.to_vec()),
        );
    }
    for (label, value) in [
        (
            "token-trailing-newline",
            json!({"auth_type": "token", "token": format!("{TOKEN}\n")}),
        ),
        (
            "token-padded-with-spaces",
            json!({"auth_type": "token", "token": format!("  {TOKEN}  ")}),
        ),
        (
            "auth_type-upper-case",
            json!({"auth_type": "TOKEN", "token": TOKEN}),
        ),
        ("auth_type-missing", json!({"token": TOKEN})),
    ] {
        add(label, with_credentials(env, value), Expect::Accepted);
    }
    add(
        "unknown-field-holding-the-token",
        with(env, "tokn", json!(TOKEN)),
        Expect::Accepted,
    );

    // The file as a whole.
    let valid = base_config(env).to_string();
    for (label, file) in [
        ("file-empty", File::Text(String::new())),
        ("file-whitespace", File::Text(" \n\t\n".into())),
        ("file-null", File::Text("null".into())),
        ("file-array", File::Text(format!("[{valid}]"))),
        ("file-string", File::Text(format!("{:?}", valid))),
        ("file-number", File::Text("42".into())),
        (
            "file-truncated",
            File::Text(valid[..valid.len() / 2].into()),
        ),
        ("file-trailing-garbage", File::Text(format!("{valid} xyz"))),
        ("file-two-objects", File::Text(format!("{valid}{valid}"))),
        (
            "file-with-comments",
            File::Text(format!("// config\n{valid}")),
        ),
        ("file-nested-100k", File::Text(deep_array(100_000))),
        (
            "file-field-nested-100k",
            File::Text(format!("{{\"x\": {}, {}", deep_array(100_000), &valid[1..])),
        ),
        (
            "file-invalid-utf8",
            File::Bytes({
                let mut b = valid.clone().into_bytes();
                b.insert(10, 0xff);
                b.insert(11, 0xfe);
                b
            }),
        ),
        (
            "file-utf16",
            File::Bytes({
                let mut b = vec![0xff, 0xfe];
                for u in valid.encode_utf16() {
                    b.extend_from_slice(&u.to_le_bytes());
                }
                b
            }),
        ),
        ("file-nul-bytes", File::Bytes(vec![0u8; 4096])),
        ("file-missing", File::Missing),
        ("file-directory", File::Directory),
        ("file-unreadable", File::Unreadable),
    ] {
        add(label, file, invalid(&["config"]));
    }
    add(
        "file-bom",
        File::Bytes([&[0xef, 0xbb, 0xbf][..], valid.as_bytes()].concat()),
        Expect::Accepted,
    );
    add(
        "file-16mib-of-whitespace",
        File::Text(format!("{}{valid}", " ".repeat(16 << 20))),
        Expect::Accepted,
    );
    let mut huge = base_config(env);
    huge["notes"] = json!("x".repeat(16 << 20));
    add(
        "file-16mib-unknown-field",
        File::Json(huge),
        Expect::Accepted,
    );
    v
}

/// A configured catalog entry.
fn entry(name: &str, mode: &str) -> Value {
    json!({
        "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
        "sync_mode": mode,
        "destination_sync_mode": "append",
    })
}

fn catalog_of(entries: Vec<Value>) -> File {
    File::Json(json!({ "streams": entries }))
}

/// Catalog cases (run with `read`).
fn catalog_cases() -> Vec<(String, File, Expect)> {
    let users = || entry("users", "full_refresh");
    let dbs = || entry("databases", "incremental");
    let mut v: Vec<(String, File, Expect)> = Vec::new();
    let mut add = |name: &str, file: File, expect: Expect| v.push((name.to_owned(), file, expect));
    add(
        "streams-missing",
        File::Json(json!({})),
        invalid(&["streams"]),
    );
    add(
        "streams-object",
        File::Json(json!({"streams": {"users": users()}})),
        invalid(&["streams"]),
    );
    add(
        "streams-null",
        File::Json(json!({"streams": null})),
        invalid(&["streams"]),
    );
    add("streams-empty", catalog_of(vec![]), Expect::Accepted);
    add(
        "entry-number",
        catalog_of(vec![json!(42)]),
        invalid(&["streams[0]"]),
    );
    add(
        "stream-name-missing",
        catalog_of(vec![json!({"stream": {}, "sync_mode": "full_refresh"})]),
        invalid(&["streams[0].stream.name"]),
    );
    add(
        "stream-name-number",
        catalog_of(vec![
            json!({"stream": {"name": 7}, "sync_mode": "full_refresh"}),
        ]),
        invalid(&["streams[0].stream.name"]),
    );
    add(
        "stream-unknown",
        catalog_of(vec![users(), entry("tasks", "full_refresh")]),
        invalid(&["streams[1].stream.name", "tasks"]),
    );
    add(
        "not-configured-discover-output",
        File::Json(
            json!({"streams": [{"name": "users", "json_schema": {}, "supported_sync_modes": ["full_refresh"]}]}),
        ),
        invalid(&["streams[0].stream.name"]),
    );
    add(
        "sync_mode-unknown",
        catalog_of(vec![entry("pages", "cdc")]),
        invalid(&["streams[0].sync_mode"]),
    );
    add(
        "sync_mode-missing",
        catalog_of(vec![json!({"stream": {"name": "users"}})]),
        invalid(&["streams[0].sync_mode"]),
    );
    add(
        "sync_mode-number",
        catalog_of(vec![json!({"stream": {"name": "users"}, "sync_mode": 1})]),
        invalid(&["streams[0].sync_mode"]),
    );
    add(
        "incremental-users",
        catalog_of(vec![entry("users", "incremental")]),
        Expect::Accepted,
    );
    add(
        "duplicate-same-mode",
        catalog_of(vec![users(), users()]),
        Expect::Accepted,
    );
    add(
        "duplicate-conflicting-modes",
        catalog_of(vec![dbs(), entry("databases", "full_refresh")]),
        invalid(&["streams[1]"]),
    );
    add(
        "json_schema-missing",
        catalog_of(vec![
            json!({"stream": {"name": "users"}, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}),
        ]),
        Expect::Accepted,
    );
    add(
        "json_schema-not-an-object",
        catalog_of(vec![
            json!({"stream": {"name": "users", "json_schema": 42}, "sync_mode": "full_refresh"}),
        ]),
        Expect::Accepted,
    );
    let mut with_cursor = |label: &str, cursor: Value, expect: Expect| {
        let mut e = dbs();
        e["cursor_field"] = cursor;
        add(
            &format!("cursor_field-{label}"),
            catalog_of(vec![e]),
            expect,
        );
    };
    with_cursor(
        "unknown",
        json!(["foo"]),
        invalid(&["streams[0].cursor_field"]),
    );
    with_cursor(
        "nested",
        json!(["properties", "Due"]),
        invalid(&["streams[0].cursor_field"]),
    );
    with_cursor(
        "source-defined",
        json!(["last_edited_time"]),
        Expect::Accepted,
    );
    with_cursor("empty", json!([]), Expect::Accepted);
    with_cursor("string", json!("last_edited_time"), Expect::Accepted);
    let mut users_cursor = users();
    users_cursor["cursor_field"] = json!(["updated"]);
    add(
        "cursor_field-on-full-refresh-users",
        catalog_of(vec![users_cursor]),
        Expect::Accepted,
    );
    for (label, pk) in [
        ("source-defined", json!([["id"]])),
        ("other-field", json!([["title"]])),
        ("string", json!("id")),
    ] {
        let mut e = users();
        e["primary_key"] = pk;
        add(
            &format!("primary_key-{label}"),
            catalog_of(vec![e]),
            Expect::Accepted,
        );
    }
    let mut e = users();
    e["destination_sync_mode"] = json!("teleport");
    add(
        "destination_sync_mode-unknown",
        catalog_of(vec![e]),
        Expect::Accepted,
    );
    let mut e = users();
    e["stream"]["namespace"] = json!("notion");
    add("namespace", catalog_of(vec![e]), Expect::Accepted);
    let valid = json!({"streams": [users()]}).to_string();
    for (label, file) in [
        ("file-empty", File::Text(String::new())),
        ("file-null", File::Text("null".into())),
        ("file-array", File::Text(format!("[{valid}]"))),
        ("file-string", File::Text("\"users\"".into())),
        (
            "file-truncated",
            File::Text(valid[..valid.len() / 2].into()),
        ),
        ("file-nested-100k", File::Text(deep_array(100_000))),
        (
            "file-invalid-utf8",
            File::Bytes(b"{\"streams\": [\xff]}".to_vec()),
        ),
        ("file-missing", File::Missing),
        ("file-directory", File::Directory),
    ] {
        add(label, file, invalid(&["catalog"]));
    }
    add(
        "file-bom",
        File::Bytes([&[0xef, 0xbb, 0xbf][..], valid.as_bytes()].concat()),
        Expect::Accepted,
    );
    v
}

fn stream_state(name: &str, state: Value) -> Value {
    json!({"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": state}})
}

/// State cases (run with `read` of users and databases).
fn state_cases() -> Vec<(String, File, Expect)> {
    let t = "2026-01-01T00:00:00.000Z";
    let good = || stream_state("databases", json!({"last_edited_time": t}));
    let mut v: Vec<(String, File, Expect)> = Vec::new();
    let mut add = |name: &str, file: File, expect: Expect| v.push((name.to_owned(), file, expect));
    // Every shape Airbyte sends.
    add("per-stream", File::Json(json!([good()])), Expect::Accepted);
    add(
        "global",
        File::Json(
            json!([{"type": "GLOBAL", "global": {"shared_state": {}, "stream_states": [
                {"stream_descriptor": {"name": "databases"}, "stream_state": {"last_edited_time": t}}
            ]}}]),
        ),
        Expect::Accepted,
    );
    add(
        "legacy-message",
        File::Json(json!([{"type": "LEGACY", "data": {"databases": {"last_edited_time": t}}}])),
        Expect::Accepted,
    );
    add(
        "legacy-object",
        File::Json(json!({"databases": {"last_edited_time": t}})),
        Expect::Accepted,
    );
    add(
        "single-message-object",
        File::Json(good()),
        Expect::Accepted,
    );
    add(
        "airbyte-message-envelopes",
        File::Json(json!([{"type": "STATE", "state": good()}])),
        Expect::Accepted,
    );
    add(
        "platform-extras",
        File::Json(json!([{
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": "databases", "namespace": null}, "stream_state": {"last_edited_time": t}},
            "global_": null, "data": null,
            "sourceStats": {"recordCount": 12.0}, "destinationStats": {"recordCount": 12.0}
        }])),
        Expect::Accepted,
    );
    add("empty-array", File::Text("[]".into()), Expect::Accepted);
    add("null", File::Text("null".into()), Expect::Accepted);
    add("empty-file", File::Text(String::new()), Expect::Accepted);
    add("empty-object", File::Text("{}".into()), Expect::Accepted);
    add(
        "stream_state-null",
        File::Json(json!([stream_state("databases", Value::Null)])),
        Expect::Accepted,
    );
    add(
        "stream_state-empty",
        File::Json(json!([stream_state("databases", json!({}))])),
        Expect::Accepted,
    );
    add(
        "unknown-stream",
        File::Json(json!([
            stream_state("tasks", json!({"last_edited_time": t})),
            good()
        ])),
        Expect::Accepted,
    );
    add(
        "same-stream-twice",
        File::Json(json!([good(), good()])),
        Expect::Accepted,
    );
    add(
        "cursor-far-future",
        File::Json(json!([stream_state(
            "databases",
            json!({"last_edited_time": "9999-12-31T23:59:59Z"})
        )])),
        Expect::Accepted,
    );
    add(
        "cursor-with-offset",
        File::Json(json!([stream_state(
            "databases",
            json!({"last_edited_time": "2026-01-01T02:00:00+02:00"})
        )])),
        Expect::Accepted,
    );
    // Wrong types and values.
    for (label, cursor) in [
        ("number", json!(12345)),
        ("words", json!("yesterday")),
        ("month-13", json!("2024-13-45T00:00:00Z")),
        ("date-only", json!("2024-01-01")),
        ("object", json!({"t": t})),
        ("array", json!([t])),
    ] {
        add(
            &format!("cursor-{label}"),
            File::Json(json!([stream_state(
                "pages",
                json!({"last_edited_time": cursor})
            )])),
            invalid(&["state[0].stream.stream_state.last_edited_time"]),
        );
    }
    add(
        "stream_state-string",
        File::Json(json!([stream_state("pages", json!("abc"))])),
        invalid(&["state[0].stream.stream_state"]),
    );
    add(
        "stream_state-number",
        File::Json(json!([stream_state("pages", json!(5))])),
        invalid(&["state[0].stream.stream_state"]),
    );
    add(
        "pass-number",
        File::Json(json!([stream_state("pages", json!({"pass": 5}))])),
        invalid(&["state[0].stream.stream_state.pass"]),
    );
    add(
        "pass-started_at-bad",
        File::Json(json!([stream_state(
            "pages",
            json!({"pass": {"started_at": "soon"}})
        )])),
        invalid(&["state[0].stream.stream_state.pass"]),
    );
    add(
        "pass-source-status-unknown",
        File::Json(json!([stream_state(
            "pages",
            json!({"pass": {"started_at": t, "sources": {"search": {"status": "halfway"}}}})
        )])),
        invalid(&["state[0].stream.stream_state.pass"]),
    );
    add(
        "stream_descriptor-missing",
        File::Json(json!([{"type": "STREAM", "stream": {"stream_state": {}}}])),
        invalid(&["state[0].stream.stream_descriptor"]),
    );
    add(
        "stream_descriptor-name-number",
        File::Json(
            json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": 3}, "stream_state": {}}}]),
        ),
        invalid(&["state[0].stream.stream_descriptor"]),
    );
    add(
        "type-unknown",
        File::Json(json!([{"type": "BANANA", "stream": {}}])),
        invalid(&["state[0].type"]),
    );
    add(
        "global-stream_states-not-a-list",
        File::Json(json!([{"type": "GLOBAL", "global": {"stream_states": 7}}])),
        invalid(&["state[0].global"]),
    );
    add(
        "legacy-stream-string",
        File::Json(json!({"pages": "abc"})),
        invalid(&["pages"]),
    );
    add(
        "array-of-numbers",
        File::Text("[1, 2]".into()),
        invalid(&["state[0]"]),
    );
    for (label, file) in [
        ("file-string", File::Text("\"abc\"".into())),
        ("file-number", File::Text("42".into())),
        (
            "file-truncated",
            File::Text("[{\"type\": \"STREAM\", \"str".into()),
        ),
        ("file-nested-100k", File::Text(deep_array(100_000))),
        (
            "file-field-nested-100k",
            File::Text(format!(
                "[{{\"type\": \"STREAM\", \"x\": {}}}]",
                deep_array(100_000)
            )),
        ),
        ("file-invalid-utf8", File::Bytes(b"[\xc3\x28]".to_vec())),
        ("file-missing", File::Missing),
        ("file-directory", File::Directory),
        ("file-unreadable", File::Unreadable),
    ] {
        add(label, file, invalid(&["state"]));
    }
    let valid = json!([good()]).to_string();
    add(
        "file-bom",
        File::Bytes([&[0xef, 0xbb, 0xbf][..], valid.as_bytes()].concat()),
        Expect::Accepted,
    );
    v
}

/// Command-line cases.
fn cli_cases(env: &Env) -> Vec<Case> {
    let config = File::Json(base_config(env));
    let users = catalog_of(vec![entry("users", "full_refresh")]);
    let argv = |name: &str, cmd: Cmd, args: Vec<&'static str>, expect: Expect| {
        let mut c = Case::new(format!("cli/{name}"), cmd, config.clone(), expect);
        c.catalog = Some(users.clone());
        c.argv = Some(args);
        c
    };
    let mut v = vec![
        argv("spec", Cmd::Spec, vec!["spec"], Expect::Accepted),
        argv(
            "spec-with-config",
            Cmd::Spec,
            vec!["spec", "--config", "{config}"],
            Expect::Usage("--config"),
        ),
        argv("no-command", Cmd::Spec, vec![], Expect::Usage("Usage")),
        argv(
            "unknown-command",
            Cmd::Spec,
            vec!["frobnicate"],
            Expect::Usage("frobnicate"),
        ),
        argv(
            "check-without-config",
            Cmd::Check,
            vec!["check"],
            Expect::Usage("--config"),
        ),
        argv(
            "check-unknown-flag",
            Cmd::Check,
            vec!["check", "--config", "{config}", "--bogus"],
            Expect::Usage("--bogus"),
        ),
        argv(
            "check-config-without-value",
            Cmd::Check,
            vec!["check", "--config"],
            Expect::Usage("--config"),
        ),
        argv(
            "discover-twice-config",
            Cmd::Discover,
            vec!["discover", "--config", "{config}", "--config", "{config}"],
            Expect::Usage("--config"),
        ),
        argv(
            "read-unknown-flag",
            Cmd::Read,
            vec![
                "read",
                "--config",
                "{config}",
                "--catalog",
                "{catalog}",
                "--bogus",
            ],
            Expect::Usage("--bogus"),
        ),
        argv(
            "read-without-catalog",
            Cmd::Read,
            vec!["read", "--config", "{config}"],
            Expect::Accepted,
        ),
        argv(
            "check-debug",
            Cmd::Check,
            vec!["--debug", "check", "--config", "{config}"],
            Expect::Accepted,
        ),
        argv(
            "read-debug",
            Cmd::Read,
            vec![
                "--debug",
                "read",
                "--config",
                "{config}",
                "--catalog",
                "{catalog}",
            ],
            Expect::Accepted,
        ),
        argv(
            "sync-debug",
            Cmd::Sync,
            vec![
                "--debug",
                "sync",
                "--config",
                "{config}",
                "--db",
                "{dir}/m.db",
                "--streams",
                "users",
            ],
            Expect::Accepted,
        ),
        argv(
            "read-debug-invalid-token",
            Cmd::Read,
            vec![
                "--debug",
                "read",
                "--config",
                "{dir}/bad.json",
                "--catalog",
                "{catalog}",
            ],
            invalid(&["credentials.token"]),
        ),
        argv(
            "sync-unknown-stream",
            Cmd::Sync,
            vec![
                "sync",
                "--config",
                "{config}",
                "--db",
                "{dir}/m.db",
                "--streams",
                "users,tasks",
            ],
            Expect::Usage("tasks"),
        ),
        argv(
            "sync-without-config",
            Cmd::Sync,
            vec!["sync", "--db", "{dir}/m.db"],
            Expect::Usage("--config"),
        ),
        argv(
            "sync-summary-json-unwritable",
            Cmd::Sync,
            vec![
                "sync",
                "--config",
                "{config}",
                "--db",
                "{dir}/m.db",
                "--streams",
                "users",
                "--summary-json",
                "{dir}/no/such/dir/summary.json",
            ],
            invalid(&["summary"]),
        ),
    ];
    for (name, db, names) in [
        ("sync-db-directory", Db::Directory, &["db"][..]),
        ("sync-db-not-sqlite", Db::NotSqlite, &["db"][..]),
        ("sync-db-unrelated-sqlite", Db::Unrelated, &["db"][..]),
    ] {
        let mut c = Case::new(
            format!("cli/{name}"),
            Cmd::Sync,
            config.clone(),
            Expect::Invalid(names.to_vec()),
        );
        c.db = db;
        v.push(c);
    }
    let mut c = Case::new(
        "cli/read-catalog-unreadable",
        Cmd::Read,
        config.clone(),
        invalid(&["catalog"]),
    );
    c.catalog = Some(File::Unreadable);
    v.push(c);
    v
}

fn all_cases(env: &Env) -> Vec<Case> {
    let mut cases = Vec::new();
    let users = catalog_of(vec![entry("users", "full_refresh")]);
    for (name, file, expect) in config_cases(env) {
        for cmd in [Cmd::Check, Cmd::Discover, Cmd::Read, Cmd::Sync] {
            let mut c = Case::new(
                format!("config/{name}/{}", cmd.name()),
                cmd,
                file.clone(),
                expect.clone(),
            );
            c.catalog = Some(users.clone());
            cases.push(c);
        }
    }
    for (name, file, expect) in catalog_cases() {
        let mut c = Case::new(
            format!("catalog/{name}"),
            Cmd::Read,
            File::Json(base_config(env)),
            expect,
        );
        c.catalog = Some(file);
        cases.push(c);
    }
    let users_and_databases = catalog_of(vec![
        entry("users", "full_refresh"),
        entry("databases", "incremental"),
    ]);
    for (name, file, expect) in state_cases() {
        let mut c = Case::new(
            format!("state/{name}"),
            Cmd::Read,
            File::Json(base_config(env)),
            expect,
        );
        c.catalog = Some(users_and_databases.clone());
        c.state = Some(file);
        cases.push(c);
    }
    cases.extend(cli_cases(env));
    cases
}

// ---------------------------------------------------------------------------------------------
// Running a case.

/// Writes an input file; returns its path.
fn write(dir: &Path, name: &str, file: &File) -> PathBuf {
    let path = dir.join(name);
    match file {
        File::Json(v) => std::fs::write(&path, serde_json::to_vec(v).unwrap()).unwrap(),
        File::Text(t) => std::fs::write(&path, t).unwrap(),
        File::Bytes(b) => std::fs::write(&path, b).unwrap(),
        File::Missing => {}
        File::Directory => std::fs::create_dir(&path).unwrap(),
        File::Unreadable => return PathBuf::from("/proc/self/mem"),
    }
    path
}

fn sqlite_file(path: &Path, db: Db) {
    match db {
        Db::Fresh => {}
        Db::Directory => std::fs::create_dir(path).unwrap(),
        Db::NotSqlite => std::fs::write(path, "name,email\nada,ada@example.com\n").unwrap(),
        Db::Unrelated => {
            let c = rusqlite::Connection::open(path).unwrap();
            c.execute_batch(
                "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
                 INSERT INTO customers (name) VALUES ('Ada'), ('Grace');
                 CREATE TABLE pages (id TEXT, body TEXT);",
            )
            .unwrap();
        }
    }
}

fn run_case(case: &Case) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write(d, "config.json", &case.config);
    let catalog = case.catalog.as_ref().map(|f| write(d, "catalog.json", f));
    let state = case.state.as_ref().map(|f| write(d, "state.json", f));
    let db = d.join("mirror.db");
    sqlite_file(&db, case.db);
    let db_before = std::fs::read(&db).ok();
    // An invalid token, for the `--debug` case.
    std::fs::write(
        d.join("bad.json"),
        json!({"credentials": {"auth_type": "token", "token": " "}, "base_url": "http://127.0.0.1:9"}).to_string(),
    )
    .unwrap();
    let path_str = |p: &Path| p.display().to_string();
    let args: Vec<String> = match &case.argv {
        Some(argv) => argv
            .iter()
            .map(|a| {
                a.replace("{config}", &path_str(&config))
                    .replace(
                        "{catalog}",
                        &catalog.as_deref().map(path_str).unwrap_or_default(),
                    )
                    .replace(
                        "{state}",
                        &state.as_deref().map(path_str).unwrap_or_default(),
                    )
                    .replace("{dir}", &path_str(d))
            })
            .collect(),
        None => {
            let mut a = vec![case.cmd.name().to_owned()];
            if case.cmd != Cmd::Spec {
                a.extend(["--config".into(), path_str(&config)]);
            }
            if case.cmd == Cmd::Read {
                if let Some(c) = &catalog {
                    a.extend(["--catalog".into(), path_str(c)]);
                }
                if let Some(s) = &state {
                    a.extend(["--state".into(), path_str(s)]);
                }
            }
            if case.cmd == Cmd::Sync {
                a.extend([
                    "--db".into(),
                    path_str(&db),
                    "--streams".into(),
                    "users".into(),
                    "--quiet".into(),
                ]);
            }
            a.extend(case.extra.iter().cloned());
            a
        }
    };
    let mut cmd = Command::new(support::BIN);
    cmd.args(&args).current_dir(d);
    let o = support::run(cmd, Duration::from_secs(30), None);
    let mut p = common_problems(&o, case.cmd != Cmd::Sync, &SECRETS);
    p.extend(expectation_problems(case, &o));
    if case.cmd == Cmd::Sync
        && matches!(case.expect, Expect::Invalid(_))
        && matches!(case.db, Db::NotSqlite | Db::Unrelated)
        && std::fs::read(&db).ok() != db_before
    {
        p.push("the database file was changed".to_owned());
    }
    p
}

fn expectation_problems(case: &Case, o: &Outcome) -> Vec<String> {
    let mut p = Vec::new();
    let code = o.code;
    let verdicts = o.verdicts();
    let mut expect_code = |want: i32| {
        if code != Some(want) {
            p.push(format!(
                "exit code {code:?}, expected {want}; stdout: {} stderr: {}",
                support::cut(&o.stdout, 300),
                support::cut(&o.stderr, 300)
            ));
        }
    };
    match (&case.expect, case.cmd) {
        (Expect::Usage(arg), _) => {
            expect_code(2);
            if !o.stderr.contains(arg) {
                p.push(format!(
                    "stderr does not name `{arg}`: {}",
                    support::cut(&o.stderr, 300)
                ));
            }
        }
        (Expect::Invalid(names), Cmd::Check) => {
            expect_code(0);
            match verdicts.as_slice() {
                [v] if v["type"] == "CONNECTION_STATUS" => {
                    if v["connectionStatus"]["status"] != "FAILED" {
                        p.push(format!("the CONNECTION_STATUS is not FAILED: {v}"));
                    }
                    p.extend(message_problems(&Outcome::verdict_text(v), names));
                }
                other => p.push(format!(
                    "expected exactly one CONNECTION_STATUS, got {}: {}",
                    other.len(),
                    support::cut(&o.stdout, 400)
                )),
            }
        }
        (Expect::Invalid(names), Cmd::Discover | Cmd::Read | Cmd::Spec) => {
            expect_code(2);
            match verdicts.as_slice() {
                [v] if v["type"] == "TRACE" => {
                    if v["trace"]["error"]["failure_type"] != "config_error" {
                        p.push(format!("the failure type is not config_error: {v}"));
                    }
                    p.extend(message_problems(&Outcome::verdict_text(v), names));
                }
                other => p.push(format!(
                    "expected exactly one TRACE error, got {}: {}",
                    other.len(),
                    support::cut(&o.stdout, 400)
                )),
            }
            let data = o
                .messages()
                .iter()
                .filter(|m| m["type"] == "RECORD" || m["type"] == "STATE")
                .count();
            if data > 0 {
                p.push(format!(
                    "{data} records or states emitted for invalid input"
                ));
            }
        }
        (Expect::Invalid(names), Cmd::Sync) => {
            expect_code(2);
            if !o.stdout.trim().is_empty() {
                p.push(format!(
                    "sync wrote on stdout: {}",
                    support::cut(&o.stdout, 200)
                ));
            }
            match o.stderr_errors().as_slice() {
                [line] => p.extend(message_problems(line, names)),
                other => p.push(format!(
                    "expected exactly one error line on stderr, got {}: {}",
                    other.len(),
                    support::cut(&o.stderr, 400)
                )),
            }
        }
        (Expect::Accepted, cmd) => {
            expect_code(0);
            let wanted = match cmd {
                Cmd::Spec => Some("SPEC"),
                Cmd::Discover => Some("CATALOG"),
                Cmd::Check => Some("CONNECTION_STATUS"),
                Cmd::Read | Cmd::Sync => None,
            };
            if let Some(kind) = wanted {
                let n = o.messages().iter().filter(|m| m["type"] == kind).count();
                if n != 1 {
                    p.push(format!(
                        "expected one {kind} message, got {n}: {}",
                        support::cut(&o.stdout, 300)
                    ));
                }
            }
            if cmd == Cmd::Check
                && !verdicts
                    .iter()
                    .any(|v| v["connectionStatus"]["status"] == "SUCCEEDED")
            {
                p.push(format!(
                    "check did not succeed: {}",
                    support::cut(&o.stdout, 300)
                ));
            }
            if cmd != Cmd::Check
                && let Some(v) = verdicts.first()
            {
                p.push(format!("an error was reported: {v}"));
            }
        }
    }
    p
}

// ---------------------------------------------------------------------------------------------

fn tiny_workspace() -> GenConfig {
    GenConfig {
        people: 2,
        bots: 0,
        databases: 1,
        two_source_every: 0,
        rows_per_data_source: 2,
        pages: 2,
        blocks_per_page: 3,
        blocks_per_row: 1,
        max_depth: 1,
        child_pages: 0,
        child_databases: 0,
        unshared_pages: 0,
        page_comments: 1,
        inner_comment_every: 0,
        ..GenConfig::small()
    }
}

#[test]
fn malformed_input() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake: FakeNotion = rt
        .block_on(FakeNotion::start(
            WorkspaceSpec::Generated(tiny_workspace()),
            Options {
                rate_limit: None,
                tokens: vec![(TOKEN.to_owned(), Capabilities::ALL)],
                ..Options::default()
            },
        ))
        .unwrap();
    let env = Env {
        base_url: fake.base_url(),
    };
    let cases = all_cases(&env);
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    let inputs: std::collections::BTreeSet<&str> =
        cases.iter().map(|c| case_input(&c.name)).collect();
    let started = Instant::now();
    let problems = parallel(&cases, threads(), run_case);
    eprintln!(
        "malformed input: {} inputs, {} runs in {:.1} s",
        inputs.len(),
        cases.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        inputs.len() >= 150,
        "the corpus shrank to {} inputs",
        inputs.len()
    );
    let results: Vec<(String, Vec<String>)> = cases
        .iter()
        .zip(problems)
        .map(|(c, p)| (c.name.clone(), p))
        .collect();
    let known = expand_known(&results);
    judge("malformed input", &results, &known);
    rt.block_on(fake.shutdown());
}

/// A case's input: its name without the command of a configuration case.
fn case_input(name: &str) -> &str {
    if name.starts_with("config/") {
        name.rsplit_once('/').map(|(head, _)| head).unwrap_or(name)
    } else {
        name
    }
}

/// `KNOWN_FAILING` with each `config/<name>` entry expanded to the runs of that input that
/// fail (an entry none of whose runs fails is kept as is, so that `judge` reports it).
fn expand_known(results: &[(String, Vec<String>)]) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    for (entry, reason) in KNOWN_FAILING {
        let runs: Vec<&(String, Vec<String>)> = results
            .iter()
            .filter(|(n, _)| n.starts_with(&format!("{entry}/")))
            .collect();
        if runs.is_empty() {
            out.push((*entry, *reason));
            continue;
        }
        let failing: Vec<&'static str> = runs
            .iter()
            .filter(|(_, p)| !p.is_empty())
            .map(|(n, _)| &*n.clone().leak())
            .collect();
        if failing.is_empty() {
            // Every run passes: `judge` reports each one as passing now.
            out.extend(runs.iter().map(|(n, _)| (&*n.clone().leak(), *reason)));
        } else {
            out.extend(failing.into_iter().map(|n| (n, *reason)));
        }
    }
    out
}
