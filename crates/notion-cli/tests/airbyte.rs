//! The Airbyte protocol commands, run as the built binary against the fake Notion API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use notion_fake::{ApiVersion, Capabilities, GenConfig, ReadOptions, Stream, WorkspaceSpec};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_is_the_generated_specification() {
    let r = run(args(&["spec"])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.messages.len(), 1);
    assert_eq!(r.messages[0]["type"], "SPEC");
    insta::assert_json_snapshot!("spec", r.messages[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_lists_every_stream() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let r = run(args(&["discover", "--config", &path_str(&cfg)])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.messages.len(), 1);
    let catalog = &r.messages[0];
    assert_eq!(catalog["type"], "CATALOG");
    let names: Vec<&str> = catalog["catalog"]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ALL_STREAMS);
    insta::assert_json_snapshot!("discover", catalog);
    assert_eq!(fake.counters().total(), 0, "discover needs no request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_config_is_a_config_error_naming_the_field() {
    let dir = Dir::new();
    let cfg = dir.write(
        "config.json",
        &json!({"credentials": {"auth_type": "token", "token": "ntn_secret_value"}, "page_size": 500}),
    );
    let r = run(args(&["discover", "--config", &path_str(&cfg)])).await;
    assert_ne!(r.code, 0);
    let traces = r.of_type("TRACE");
    assert_eq!(traces.len(), 1);
    let error = &traces[0]["trace"]["error"];
    assert_eq!(error["failure_type"], "config_error");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("page_size") && message.contains("1 to 100"),
        "{message}"
    );
    assert!(!r.stdout.contains("ntn_secret_value") && !r.stderr.contains("ntn_secret_value"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_succeeds_with_a_good_token_and_fails_cleanly_with_a_bad_one() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let good = dir.write("good.json", &config(&fake, json!({})));
    let r = run(args(&["check", "--config", &path_str(&good)])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.messages.len(), 1);
    assert_eq!(r.messages[0]["connectionStatus"]["status"], "SUCCEEDED");

    let mut bad_cfg = config(&fake, json!({}));
    bad_cfg["credentials"]["token"] = json!("ntn_not_a_valid_token");
    let bad = dir.write("bad.json", &bad_cfg);
    let r = run(args(&["check", "--config", &path_str(&bad)])).await;
    assert_eq!(r.code, 0, "check that reports FAILED exits 0");
    assert_eq!(r.messages.len(), 1);
    let status = &r.messages[0]["connectionStatus"];
    assert_eq!(status["status"], "FAILED");
    assert!(
        status["message"].as_str().unwrap().contains("401"),
        "{status}"
    );
    assert!(!r.stdout.contains("ntn_not_a_valid_token"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_catalog_emits_a_trace_error_and_fails() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let cat = dir.write(
        "catalog.json",
        &json!({"streams": [{"stream": {"name": "not_a_stream", "json_schema": {}, "supported_sync_modes": ["full_refresh"]}, "sync_mode": "INVALID", "destination_sync_mode": "append"}]}),
    );
    let r = read(&cfg, &cat, None).await;
    assert_ne!(r.code, 0);
    let traces = r.of_type("TRACE");
    assert!(!traces.is_empty());
    assert_eq!(traces[0]["trace"]["type"], "ERROR");
    assert!(
        traces[0]["trace"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not_a_stream")
    );
}

/// Checks the protocol rules every read must follow.
fn assert_protocol(r: &Run, streams: &[&str]) {
    for s in streams {
        let statuses: Vec<&str> = r
            .of_type("TRACE")
            .iter()
            .filter(|t| t["trace"]["type"] == "STREAM_STATUS")
            .filter(|t| t["trace"]["stream_status"]["stream_descriptor"]["name"] == *s)
            .map(|t| t["trace"]["stream_status"]["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses.first(), Some(&"STARTED"), "{s}: {statuses:?}");
        assert_eq!(statuses.last(), Some(&"COMPLETE"), "{s}: {statuses:?}");
        let states: Vec<&Value> = r
            .of_type("STATE")
            .into_iter()
            .filter(|m| m["state"]["stream"]["stream_descriptor"]["name"] == *s)
            .collect();
        assert!(!states.is_empty(), "{s} has a state");
        for st in states {
            assert_eq!(st["state"]["type"], "STREAM");
            assert!(st["state"]["sourceStats"]["recordCount"].is_f64());
        }
    }
    // The last state of each stream comes after its last record.
    for s in streams {
        let last_record = r
            .messages
            .iter()
            .rposition(|m| m["type"] == "RECORD" && m["record"]["stream"] == *s);
        let last_state = r.messages.iter().rposition(|m| {
            m["type"] == "STATE" && m["state"]["stream"]["stream_descriptor"]["name"] == *s
        });
        if let Some(rec) = last_record {
            assert!(
                last_state.unwrap() > rec,
                "{s}: a state covers the last record"
            );
        }
    }
}

/// Validates every record against its stream's discovered schema, with undeclared top-level
/// fields forbidden (as Airbyte's acceptance tests do).
fn assert_records_match_schemas(r: &Run) {
    for stream in ALL_STREAMS {
        let mut schema = notion_streams::schema::stream_schema(stream.parse().unwrap());
        schema["additionalProperties"] = json!(false);
        let validator = jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        for rec in r.records(stream) {
            if let Err(e) = validator.validate(&rec) {
                panic!("{stream} record does not match its schema: {e}\n{rec}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_read_equals_the_ground_truth_of_the_e2e_workspace() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::e2e()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let cat = dir.write("catalog.json", &catalog(&ALL_STREAMS, "incremental"));
    let r = read(&cfg, &cat, None).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_protocol(&r, &ALL_STREAMS);
    assert_records_match_schemas(&r);

    for (name, stream) in [
        ("users", Stream::Users),
        ("databases", Stream::Databases),
        ("data_sources", Stream::DataSources),
        ("pages", Stream::Pages),
        ("blocks", Stream::Blocks),
        ("comments", Stream::Comments),
    ] {
        let records = r.records(name);
        let got = ids(&records);
        assert_eq!(got.len(), records.len(), "{name}: each record once");
        let want = truth_ids(&fake, stream);
        let missing: Vec<_> = want.difference(&got).take(5).collect();
        let extra: Vec<_> = got.difference(&want).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: {} records, {} in ground truth; missing {missing:?}, unexpected {extra:?}",
            got.len(),
            want.len()
        );
        // Records are the objects as served (pages aside: their truncated values are completed).
        let by_id: std::collections::HashMap<&str, &Value> = records
            .iter()
            .map(|r| (r["id"].as_str().unwrap(), r))
            .collect();
        for truth in fake.ground_truth(stream, ApiVersion::V2026_03_11) {
            let id = truth.id.to_string();
            let rec = by_id[id.as_str()];
            let mut sent = as_sent(rec);
            let mut want = truth.object.clone();
            if name == "pages" {
                sent.as_object_mut().unwrap().remove("properties");
                want.as_object_mut().unwrap().remove("properties");
            }
            assert_eq!(
                sent, want,
                "{name} {id} differs from what the server serves"
            );
            if name == "blocks" {
                assert_eq!(rec["_page_id"], truth.page_id.unwrap().to_string().as_str());
                assert_eq!(rec["_depth"], json!(truth.depth.unwrap()));
            }
        }
    }

    // The named features arrive complete.
    let blocks = r.records("blocks");
    let max_depth = blocks
        .iter()
        .filter_map(|b| b["_depth"].as_u64())
        .max()
        .unwrap();
    assert!(
        max_depth >= 12,
        "12-level nesting read (max depth {max_depth})"
    );
    let pages = r.records("pages");
    let relation_lengths: Vec<usize> = pages
        .iter()
        .flat_map(|p| p["properties"].as_object().unwrap().values())
        .filter(|v| v["type"] == "relation")
        .map(|v| {
            assert_ne!(v["has_more"], true, "no truncated relation left");
            v["relation"].as_array().unwrap().len()
        })
        .collect();
    assert!(
        relation_lengths.contains(&80),
        "the 80-target relation is complete"
    );
    let people_max = pages
        .iter()
        .flat_map(|p| p["properties"].as_object().unwrap().values())
        .filter(|v| v["type"] == "people")
        .map(|v| v["people"].as_array().unwrap().len())
        .max()
        .unwrap();
    assert!(
        people_max > 25,
        "people over 25 are complete ({people_max})"
    );
    let rows_per_source = pages.iter().fold(
        std::collections::BTreeMap::<String, usize>::new(),
        |mut m, p| {
            if let Some(ds) = p["_data_source_id"].as_str() {
                *m.entry(ds.to_owned()).or_default() += 1;
            }
            m
        },
    );
    assert!(
        rows_per_source.values().any(|n| *n == 12_500),
        "the 12,500-row data source is read past the 10,000-row cap: {rows_per_source:?}"
    );
    let dbs_with_two = r
        .records("databases")
        .iter()
        .filter(|d| d["data_sources"].as_array().unwrap().len() == 2)
        .count();
    assert!(dbs_with_two >= 1, "a database with two data sources");
    let comments = r.records("comments");
    assert!(
        comments.iter().any(|c| c["parent"]["type"] == "block_id"),
        "comments on inner blocks"
    );

    // It took exactly the minimum number of requests the workspace needs.
    let min = fake.min_requests(ReadOptions {
        page_comments: true,
        inner_comments: true,
        complete_properties: true,
        ..ReadOptions::default()
    });
    assert_eq!(
        fake.counters().total(),
        min.total(),
        "requests sent vs the minimum: {min:?}; sent: {:?}",
        fake.counters()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_far_in_the_future_reads_nothing_and_states_every_stream() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let cat = dir.write(
        "catalog.json",
        &catalog(&INCREMENTAL_STREAMS, "incremental"),
    );
    let future: Vec<Value> = INCREMENTAL_STREAMS
        .iter()
        .map(|s| json!({"type": "STREAM", "stream": {"stream_descriptor": {"name": s}, "stream_state": {"last_edited_time": "2999-01-01T00:00:00.000Z"}}}))
        .collect();
    let state = dir.write("state.json", &Value::Array(future));
    let r = read(&cfg, &cat, Some(&state)).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.of_type("RECORD").is_empty(), "no records");
    let states = r.last_states();
    assert_eq!(states.as_array().unwrap().len(), INCREMENTAL_STREAMS.len());
    for s in states.as_array().unwrap() {
        assert_eq!(
            s["stream"]["stream_state"]["last_edited_time"], "2999-01-01T00:00:00.000Z",
            "state never moves backwards"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_without_the_capability_fail_that_stream_only() {
    let mut options = unthrottled();
    let mut caps = Capabilities::ALL;
    caps.read_comments = false;
    options.tokens = vec![("ntn_no_comments".to_owned(), caps)];
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), options).await;
    let dir = Dir::new();
    let mut c = config(&fake, json!({}));
    c["credentials"]["token"] = json!("ntn_no_comments");
    let cfg = dir.write("config.json", &c);
    let cat = dir.write(
        "catalog.json",
        &catalog(&["pages", "comments"], "incremental"),
    );
    let r = read(&cfg, &cat, None).await;
    assert_ne!(r.code, 0, "a failed stream fails the read");
    assert!(!r.records("pages").is_empty(), "the other streams complete");
    let errors: Vec<&Value> = r
        .of_type("TRACE")
        .into_iter()
        .filter(|t| t["trace"]["type"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), 1, "one error, for comments");
    assert_eq!(
        errors[0]["trace"]["error"]["stream_descriptor"]["name"],
        "comments"
    );
    assert_eq!(errors[0]["trace"]["error"]["failure_type"], "config_error");
    let statuses: BTreeSet<(String, String)> = r
        .of_type("TRACE")
        .iter()
        .filter(|t| t["trace"]["type"] == "STREAM_STATUS")
        .map(|t| {
            (
                t["trace"]["stream_status"]["stream_descriptor"]["name"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                t["trace"]["stream_status"]["status"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    assert!(statuses.contains(&("comments".into(), "INCOMPLETE".into())));
    assert!(statuses.contains(&("pages".into(), "COMPLETE".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_without_a_catalog_reads_every_stream_in_its_best_mode() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let r = run(args(&["read", "--config", &path_str(&cfg)])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_protocol(&r, &ALL_STREAMS);
    for (name, stream) in [
        ("users", Stream::Users),
        ("databases", Stream::Databases),
        ("pages", Stream::Pages),
        ("blocks", Stream::Blocks),
    ] {
        assert_eq!(ids(&r.records(name)), truth_ids(&fake, stream), "{name}");
    }
    // Incremental where supported: the states carry cursors, and a read from them re-reads
    // only what the lookback window covers.
    let states = r.last_states();
    for s in states.as_array().unwrap() {
        let name = s["stream"]["stream_descriptor"]["name"].as_str().unwrap();
        let has_cursor = s["stream"]["stream_state"]["last_edited_time"].is_string();
        assert_eq!(has_cursor, name != "users", "{name}: {s}");
    }
    let state = dir.write("state.json", &states);
    let again = run(args(&[
        "read",
        "--config",
        &path_str(&cfg),
        "--state",
        &path_str(&state),
        "--streams",
        "users,pages",
    ]))
    .await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_protocol(&again, &["users", "pages"]);
    let streams: BTreeSet<&str> = again
        .messages
        .iter()
        .filter_map(|m| m["record"]["stream"].as_str())
        .collect();
    assert!(
        streams.iter().all(|s| ["users", "pages"].contains(s)),
        "{streams:?}"
    );
    assert_eq!(
        ids(&again.records("users")),
        truth_ids(&fake, Stream::Users)
    );
    assert!(
        again.records("pages").len() < r.records("pages").len(),
        "pages are read incrementally from the state"
    );

    // `--streams` and `--catalog` do not go together.
    let cat = dir.write("catalog.json", &catalog(&["pages"], "incremental"));
    let both = run(args(&[
        "read",
        "--config",
        &path_str(&cfg),
        "--catalog",
        &path_str(&cat),
        "--streams",
        "users",
    ]))
    .await;
    assert_eq!(both.code, 2, "{}", both.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_config_members_are_warned_about_with_the_name_they_are_closest_to() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write(
        "config.json",
        &config(&fake, json!({"max_block_dept": 2, "colour": "blue"})),
    );
    for command in ["check", "discover"] {
        let r = run(args(&[command, "--config", &path_str(&cfg)])).await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        let logs: Vec<&str> = r
            .of_type("LOG")
            .iter()
            .filter(|l| l["log"]["level"] == "WARN")
            .map(|l| l["log"]["message"].as_str().unwrap())
            .collect();
        assert_eq!(logs.len(), 2, "{command}: {logs:?}");
        assert!(
            logs.iter()
                .any(|l| l.contains("`max_block_dept`")
                    && l.contains("did you mean `max_block_depth`?")),
            "{logs:?}"
        );
        assert!(
            logs.iter()
                .any(|l| l.contains("`colour`") && !l.contains("did you mean")),
            "{logs:?}"
        );
        assert!(
            r.stderr.contains("did you mean `max_block_depth`?"),
            "{command}: {}",
            r.stderr
        );
    }
    let r = run(args(&[
        "read",
        "--config",
        &path_str(&cfg),
        "--streams",
        "users",
    ]))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.of_type("LOG").iter().any(|l| {
        l["log"]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `max_block_depth`?")
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_retrieves_every_configured_database() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let shared = truth_ids(&fake, Stream::Databases)
        .into_iter()
        .next()
        .unwrap();
    let missing = "0f1e2d3c-4b5a-4697-8877-665544332211";
    let status = |r: &Run| {
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(r.messages.len(), 1, "{:?}", r.messages);
        r.messages[0]["connectionStatus"].clone()
    };

    let cfg = dir.write("null.json", &config(&fake, json!({"database_ids": null})));
    let r = run(args(&["check", "--config", &path_str(&cfg)])).await;
    assert_eq!(
        status(&r)["status"],
        "SUCCEEDED",
        "null means every database"
    );

    let cfg = dir.write(
        "shared.json",
        &config(&fake, json!({"database_ids": [shared.replace('-', "")]})),
    );
    let r = run(args(&["check", "--config", &path_str(&cfg)])).await;
    assert_eq!(status(&r)["status"], "SUCCEEDED");

    let cfg = dir.write(
        "missing.json",
        &config(&fake, json!({"database_ids": [shared, missing]})),
    );
    let r = run(args(&["check", "--config", &path_str(&cfg)])).await;
    let s = status(&r);
    assert_eq!(s["status"], "FAILED");
    let message = s["message"].as_str().unwrap();
    assert!(
        message.contains("database_ids[1]") && message.contains(missing),
        "{message}"
    );
    assert!(message.contains("shared with the integration"), "{message}");
}
