//! Property-based fuzzing of the connector's input parsers: the configuration
//! ([`Config::from_json`]), the configured catalog ([`Selection::from_catalog_json`]) and the
//! state ([`State::from_json`]), from arbitrary JSON, arbitrary text and near-valid documents
//! with one or more mutations.
//!
//! Properties: no parser panics; every error names a field (a path into the document, or the
//! file as a whole); an accepted configuration or state written back out parses to the same
//! value. CI runs a few cases per property (`PROPTEST_CASES`, default 64); `cargo xtask fuzz`
//! runs many.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use notion_streams::{Config, Error, Selection, State, StreamName};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{Map, Value, json};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

/// Member names that occur in the documents, so that arbitrary objects hit the parsers' paths.
const KEYS: &[&str] = &[
    "credentials",
    "auth_type",
    "token",
    "client_id",
    "client_secret",
    "access_token",
    "refresh_token",
    "start_date",
    "api_version",
    "base_url",
    "requests_per_second",
    "burst",
    "concurrency",
    "max_retries",
    "retry_base_delay",
    "request_timeout",
    "page_size",
    "fetch_page_blocks",
    "max_block_depth",
    "database_ids",
    "fetch_full_properties",
    "comments",
    "markdown_source",
    "inventory",
    "checkpoint_interval",
    "lookback_minutes",
    "streams",
    "stream",
    "name",
    "sync_mode",
    "cursor_field",
    "primary_key",
    "json_schema",
    "destination_sync_mode",
    "type",
    "state",
    "stream_descriptor",
    "stream_state",
    "global",
    "stream_states",
    "shared_state",
    "data",
    "last_edited_time",
    "pass",
    "started_at",
    "lower",
    "sources",
    "status",
    "floor",
    "done_ids",
    "pending_pages",
    "databases",
    "data_sources",
    "pages",
    "blocks",
    "comments",
    "users",
];

/// Strings that mean something to the parsers.
const WORDS: &[&str] = &[
    "",
    " ",
    "token",
    "OAuth2.0",
    "oauth2",
    "STREAM",
    "GLOBAL",
    "LEGACY",
    "STATE",
    "full_refresh",
    "incremental",
    "pages",
    "users",
    "blocks",
    "done",
    "partial",
    "2026-03-11",
    "2025-09-03",
    "2022-06-28",
    "2024-01-01T00:00:00.000Z",
    "2024-13-45T99:99:99Z",
    "1970-01-01",
    "http://127.0.0.1:1",
    "https://api.notion.com",
    "file:///etc/passwd",
    "pages_and_blocks",
    "none",
    "393abc1e-edcd-812a-b3b0-d8e69c6a6f4c",
    "393abc1eedcd812ab3b0d8e69c6a6f4c",
    "NaN",
    "\u{feff}",
    "\n",
    "\"",
    "\\",
    "\u{0}",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => "[a-z_]{0,10}",
    ]
}

fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(WORDS).prop_map(str::to_owned),
        1 => ".{0,24}",
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        prop::sample::select(&[0i64, 1, -1, 10, 11, 64, 65, 100, 101, 10_080, 4_294_967_296][..])
            .prop_map(|n| json!(n)),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
    ]
}

/// Arbitrary JSON, biased towards the documents' member names and values.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        string().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One change to a document.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the value at the chosen path.
    Replace(Value),
    /// Remove the chosen member or element.
    Remove,
    /// Add a member to the chosen object (or an element to the chosen array).
    Insert(String, Value),
}

fn mutation() -> impl Strategy<Value = (usize, Mutation)> {
    (
        any::<usize>(),
        prop_oneof![
            3 => arb_json().prop_map(Mutation::Replace),
            2 => Just(Mutation::Remove),
            1 => (key(), arb_json()).prop_map(|(k, v)| Mutation::Insert(k, v)),
        ],
    )
}

/// Every path in `v` (as JSON pointer segments), the root first.
fn paths(v: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                prefix.push(k.clone());
                paths(c, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                prefix.push(i.to_string());
                paths(c, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn pointer(path: &[String]) -> String {
    path.iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Applies `mutations` to a copy of `doc`.
fn mutate(doc: &Value, mutations: &[(usize, Mutation)]) -> Value {
    let mut doc = doc.clone();
    for (pick, m) in mutations {
        let mut all = Vec::new();
        paths(&doc, &mut Vec::new(), &mut all);
        let path = all[pick % all.len()].clone();
        match m {
            Mutation::Replace(v) => {
                if let Some(slot) = doc.pointer_mut(&pointer(&path)) {
                    *slot = v.clone();
                }
            }
            Mutation::Remove => {
                let Some((last, parent)) = path.split_last() else {
                    continue;
                };
                match doc.pointer_mut(&pointer(parent)) {
                    Some(Value::Object(o)) => {
                        o.remove(last);
                    }
                    Some(Value::Array(a)) => {
                        if let Ok(i) = last.parse::<usize>()
                            && i < a.len()
                        {
                            a.remove(i);
                        }
                    }
                    _ => {}
                }
            }
            Mutation::Insert(k, v) => match doc.pointer_mut(&pointer(&path)) {
                Some(Value::Object(o)) => {
                    o.insert(k.clone(), v.clone());
                }
                Some(Value::Array(a)) => a.push(v.clone()),
                _ => {}
            },
        }
    }
    doc
}

// ---------------------------------------------------------------------------------------------
// Valid documents to start from.

fn valid_configs() -> Vec<Value> {
    vec![
        json!({"credentials": {"auth_type": "token", "token": "ntn_fuzz"}}),
        json!({
            "credentials": {"auth_type": "OAuth2.0", "client_id": "c", "client_secret": "s", "access_token": "a", "refresh_token": "r"},
            "start_date": "2024-01-01T00:00:00.000Z", "api_version": "2025-09-03",
            "base_url": "http://127.0.0.1:8080", "requests_per_second": 0, "burst": 5, "concurrency": 4,
            "max_retries": 3, "retry_base_delay": 0.5, "request_timeout": 30, "page_size": 50,
            "fetch_page_blocks": false, "max_block_depth": 3,
            "database_ids": ["393abc1e-edcd-812a-b3b0-d8e69c6a6f4c"], "fetch_full_properties": false,
            "comments": "pages", "checkpoint_interval": 10, "lookback_minutes": 0,
        }),
    ]
}

fn catalog_entry(name: &str, mode: &str) -> Value {
    json!({"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]}, "sync_mode": mode, "destination_sync_mode": "append", "cursor_field": ["last_edited_time"], "primary_key": [["id"]]})
}

fn valid_catalogs() -> Vec<Value> {
    vec![json!({"streams": [
        catalog_entry("users", "full_refresh"),
        catalog_entry("pages", "incremental"),
        catalog_entry("blocks", "incremental"),
        catalog_entry("comments", "full_refresh"),
    ]})]
}

fn valid_states() -> Vec<Value> {
    let t = "2026-01-01T00:00:00.000Z";
    let pass = json!({
        "started_at": t, "lower": t,
        "sources": {"search": {"status": "done"}, "data_source:393abc1e-edcd-812a-b3b0-d8e69c6a6f4c": {"status": "partial", "floor": t, "done_ids": ["393abc1e-edcd-81d5-bf32-d1339d9031c2"]}},
        "pending_pages": ["393abc1e-edcd-812a-b3b0-d8e69c6a6f4c"], "databases": [], "data_sources": [],
    });
    vec![
        json!([
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "pages"}, "stream_state": {"last_edited_time": t, "pass": pass}}},
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "users"}, "stream_state": {}}},
        ]),
        json!([{"type": "GLOBAL", "global": {"shared_state": {}, "stream_states": [
            {"stream_descriptor": {"name": "blocks"}, "stream_state": {"last_edited_time": t}}
        ]}}]),
        json!({"comments": {"last_edited_time": t}}),
        json!([{"type": "STATE", "state": {"type": "LEGACY", "data": {"databases": {"last_edited_time": t}}}}]),
    ]
}

// ---------------------------------------------------------------------------------------------
// The properties.

const CONFIG_FIELDS: &[&str] = &[
    "(config file)",
    "credentials",
    "start_date",
    "api_version",
    "base_url",
    "requests_per_second",
    "burst",
    "concurrency",
    "max_retries",
    "retry_base_delay",
    "request_timeout",
    "page_size",
    "fetch_page_blocks",
    "max_block_depth",
    "database_ids",
    "fetch_full_properties",
    "comments",
    "markdown_source",
    "inventory",
    "checkpoint_interval",
    "lookback_minutes",
];

fn check_config(text: &str) -> Result<(), TestCaseError> {
    match Config::from_json(text) {
        Ok(settings) => {
            // Written back out, an accepted configuration parses to the same configuration
            // (as written: warnings about unknown members are not part of it).
            let again = serde_json::to_string(&settings.config).unwrap();
            match Config::from_json(&again) {
                Ok(s) => prop_assert_eq!(
                    serde_json::to_value(&s.config).unwrap(),
                    serde_json::to_value(&settings.config).unwrap()
                ),
                Err(e) => prop_assert!(false, "{again} was accepted once, then not: {e}"),
            }
        }
        Err(Error::Config(f)) => {
            let head = f.field.split(['.', '[']).next().unwrap_or_default();
            prop_assert!(
                CONFIG_FIELDS.contains(&head),
                "the error names `{}`, not a configuration field: {}",
                f.field,
                f
            );
            prop_assert!(!f.problem.is_empty() && !f.fix.is_empty());
        }
        Err(other) => prop_assert!(false, "not a configuration error: {other}"),
    }
    Ok(())
}

fn check_catalog(text: &str) -> Result<(), TestCaseError> {
    match Selection::from_catalog_json(text) {
        Ok(_) => {}
        Err(Error::Catalog(f)) => prop_assert!(
            f.field == "(catalog file)" || f.field.starts_with("streams"),
            "the error names `{}`: {}",
            f.field,
            f
        ),
        Err(other) => prop_assert!(false, "not a catalog error: {other}"),
    }
    Ok(())
}

fn check_state(text: &str) -> Result<(), TestCaseError> {
    match State::from_json(text) {
        Ok(state) => {
            // Written back as STATE messages, an accepted state parses to the same state (the
            // cursor kept to the millisecond, never later).
            let messages: Vec<Value> = StreamName::ALL
                .iter()
                .filter_map(|s| {
                    state.get(*s).map(|st| json!({"type": "STREAM", "stream": {"stream_descriptor": {"name": s.as_str()}, "stream_state": st.to_value()}}))
                })
                .collect();
            let again = State::from_value(&Value::Array(messages)).map_err(|e| {
                TestCaseError::fail(format!("an accepted state written back is rejected: {e}"))
            })?;
            for s in StreamName::ALL {
                let (a, b) = (state.get(s), again.get(s));
                prop_assert_eq!(a.is_some(), b.is_some());
                if let (Some(a), Some(b)) = (a, b) {
                    prop_assert_eq!(&a.pass, &b.pass);
                    match (a.cursor, b.cursor) {
                        (Some(x), Some(y)) => prop_assert!(
                            y <= x && (x - y).num_milliseconds() < 1,
                            "cursor {x} came back as {y}"
                        ),
                        (x, y) => prop_assert_eq!(x, y),
                    }
                }
            }
        }
        Err(Error::State(f)) => prop_assert!(
            f.field == "(state file)" || f.field.starts_with("state"),
            "the error names `{}`: {}",
            f.field,
            f
        ),
        Err(other) => prop_assert!(false, "not a state error: {other}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn config_from_arbitrary_json(doc in arb_json()) {
        check_config(&doc.to_string())?;
    }

    #[test]
    fn config_from_arbitrary_text(text in ".{0,64}") {
        check_config(&text)?;
    }

    #[test]
    fn config_near_valid(
        which in 0usize..2,
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let doc = mutate(&valid_configs()[which], &mutations);
        check_config(&doc.to_string())?;
    }

    #[test]
    fn catalog_from_arbitrary_json(doc in arb_json()) {
        check_catalog(&doc.to_string())?;
    }

    #[test]
    fn catalog_near_valid(mutations in prop::collection::vec(mutation(), 1..4)) {
        let doc = mutate(&valid_catalogs()[0], &mutations);
        check_catalog(&doc.to_string())?;
    }

    #[test]
    fn state_from_arbitrary_json(doc in arb_json()) {
        check_state(&doc.to_string())?;
    }

    #[test]
    fn state_from_arbitrary_text(text in ".{0,64}") {
        check_state(&text)?;
    }

    #[test]
    fn state_near_valid(
        which in 0usize..4,
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let doc = mutate(&valid_states()[which], &mutations);
        check_state(&doc.to_string())?;
    }
}

#[test]
fn the_valid_documents_are_valid() {
    for c in valid_configs() {
        Config::from_json(&c.to_string()).unwrap();
    }
    for c in valid_catalogs() {
        Selection::from_catalog_json(&c.to_string()).unwrap();
    }
    for s in valid_states() {
        State::from_json(&s.to_string()).unwrap();
    }
}
