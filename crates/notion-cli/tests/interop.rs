//! The inputs Airbyte's Python clients and platform send, exactly as they send them: PyAirbyte
//! configures every stream `incremental` (even `users`, full refresh only), writes catalog and
//! state files under temporary names, starts with a state of `[]`, and writes state messages
//! with every member (`global_`, `data`, `sourceStats` with float counts, `destinationStats`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use notion_fake::{GenConfig, Stream, WorkspaceSpec};
use serde_json::{Value, json};

const TRUTH: [(&str, Stream); 6] = [
    ("users", Stream::Users),
    ("databases", Stream::Databases),
    ("data_sources", Stream::DataSources),
    ("pages", Stream::Pages),
    ("blocks", Stream::Blocks),
    ("comments", Stream::Comments),
];

/// The configured catalog PyAirbyte builds from `discover`: every stream incremental, with the
/// members it writes as `null`.
fn pyairbyte_catalog(discovered: &Value) -> Value {
    let streams: Vec<Value> = discovered["catalog"]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|stream| {
            json!({
                "stream": stream,
                "sync_mode": "incremental",
                "destination_sync_mode": "overwrite",
                "cursor_field": null,
                "primary_key": null,
                "generation_id": null,
                "minimum_generation_id": null,
                "sync_id": null,
            })
        })
        .collect();
    json!({"streams": streams})
}

/// The state messages as PyAirbyte (`global_`, `data` null) and the platform
/// (`destinationStats`) write them, from a read's last states.
fn client_state(last_states: &Value) -> Value {
    let messages: Vec<Value> = last_states
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let count = st["sourceStats"]["recordCount"].as_f64().unwrap_or(0.0);
            let mut m = json!({
                "type": "STREAM",
                "stream": {
                    "stream_descriptor": {"name": st["stream"]["stream_descriptor"]["name"], "namespace": null},
                    "stream_state": st["stream"]["stream_state"],
                },
                "sourceStats": {"recordCount": count},
            });
            if i % 2 == 0 {
                m["global_"] = Value::Null;
                m["data"] = Value::Null;
                m["destinationStats"] = Value::Null;
            } else {
                m["destinationStats"] = json!({"recordCount": count});
            }
            m
        })
        .collect();
    Value::Array(messages)
}

fn assert_complete(r: &Run) {
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.of_type("TRACE")
            .iter()
            .any(|t| t["trace"]["type"] == "ERROR"),
        "no error: {:?}",
        r.of_type("TRACE")
    );
    for (name, _) in TRUTH {
        let last_status = r
            .of_type("TRACE")
            .into_iter()
            .rfind(|t| t["trace"]["stream_status"]["stream_descriptor"]["name"] == name)
            .map(|t| t["trace"]["stream_status"]["status"].clone());
        assert_eq!(last_status, Some(json!("COMPLETE")), "{name}");
        assert!(
            r.of_type("STATE")
                .iter()
                .any(|s| s["state"]["stream"]["stream_descriptor"]["name"] == name),
            "{name} has a state"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_as_pyairbyte_and_the_platform_configure_them() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    // Temporary names, without the `.json` extension.
    let cfg = dir.write("tmpq8cz1k2w", &config(&fake, json!({})));
    let discovered = run(args(&["discover", "--config", &path_str(&cfg)])).await;
    assert_eq!(discovered.code, 0, "{}", discovered.stderr);
    let cat = dir.write(
        "tmp3v0_catalog",
        &pyairbyte_catalog(&discovered.messages[0]),
    );
    let state = dir.write("tmpx1y2.state.txt", &json!([]));

    let first = read(&cfg, &cat, Some(&state)).await;
    assert_complete(&first);
    for (name, stream) in TRUTH {
        assert_eq!(
            ids(&first.records(name)),
            truth_ids(&fake, stream),
            "{name}"
        );
    }
    // `users`, configured incremental, was read in full and states an empty object.
    let users_states: Vec<Value> = first
        .of_type("STATE")
        .iter()
        .filter(|s| s["state"]["stream"]["stream_descriptor"]["name"] == "users")
        .map(|s| s["state"]["stream"]["stream_state"].clone())
        .collect();
    assert_eq!(users_states.last(), Some(&json!({})));

    // The next read, from the state as the clients store it.
    let state = dir.write("tmpx1y3.state.txt", &client_state(&first.last_states()));
    let second = read(&cfg, &cat, Some(&state)).await;
    assert_complete(&second);
    assert_eq!(
        ids(&second.records("users")),
        truth_ids(&fake, Stream::Users),
        "users is read in full again"
    );
    // Incremental streams move forward from the state they were given.
    for (name, _) in TRUTH.iter().skip(1) {
        let before = first.last_states();
        let cursor_of = |states: &Value| {
            states
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["stream"]["stream_descriptor"]["name"] == *name)
                .map(|s| s["stream"]["stream_state"]["last_edited_time"].clone())
                .unwrap()
        };
        let (a, b) = (cursor_of(&before), cursor_of(&second.last_states()));
        assert!(
            b.as_str().unwrap() >= a.as_str().unwrap(),
            "{name}: {a} then {b}"
        );
    }
}
