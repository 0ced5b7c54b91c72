//! Property-based fuzzing of the fake's query filters and sorts, through its HTTP endpoint
//! (`POST /v1/data_sources/{id}/query`): filters built from Notion's grammar — every property
//! type, operator and timestamp, `and`/`or` nested past the allowed depth, formula and rollup
//! conditions — with arbitrary operands, property names and JSON in any place.
//!
//! Properties: every query is answered, with a list (200) or a `validation_error` (400) — never
//! a 500 or a dropped connection; a filter the fake accepts returns only rows of the data
//! source. CI runs a few cases per property (`PROPTEST_CASES`, default 64); `cargo xtask fuzz`
//! runs many.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use notion_fake::{ApiVersion, FakeNotion, GenConfig, Options, Stream, WorkspaceSpec};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{Map, Value, json};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

struct Fixture {
    rt: tokio::runtime::Runtime,
    fake: FakeNotion,
    /// Data source ids with their property names.
    data_sources: Vec<(String, Vec<String>)>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let fake = rt
            .block_on(FakeNotion::start(
                WorkspaceSpec::Generated(GenConfig::small()),
                Options {
                    rate_limit: None,
                    ..Options::default()
                },
            ))
            .unwrap();
        let data_sources = fake
            .ground_truth(Stream::DataSources, ApiVersion::V2026_03_11)
            .map(|r| {
                let props = r.object["properties"]
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                (r.id.to_string(), props)
            })
            .collect();
        Fixture {
            rt,
            fake,
            data_sources,
        }
    })
}

/// POSTs `body` to `path`; the status and the JSON body.
fn post(path: &str, body: &Value) -> (u16, Value) {
    let f = fixture();
    f.rt.block_on(async {
        let stream = tokio::net::TcpStream::connect(f.fake.addr()).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let req = Request::post(path)
            .header("host", "127.0.0.1")
            .header("authorization", format!("Bearer {}", f.fake.token()))
            .header("notion-version", "2026-03-11")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap();
        let resp = sender
            .send_request(req)
            .await
            .unwrap_or_else(|e| panic!("no answer to {body}: {e}"));
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "the answer to {body} is not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        (status, json)
    })
}

const TYPES: &[&str] = &[
    "checkbox",
    "number",
    "select",
    "status",
    "multi_select",
    "rich_text",
    "title",
    "url",
    "email",
    "phone_number",
    "date",
    "created_time",
    "last_edited_time",
    "people",
    "relation",
    "created_by",
    "last_edited_by",
    "files",
    "formula",
    "rollup",
    "unique_id",
    "verification",
    "place",
    "button",
    "",
];

const OPERATORS: &[&str] = &[
    "equals",
    "does_not_equal",
    "contains",
    "does_not_contain",
    "starts_with",
    "ends_with",
    "is_empty",
    "is_not_empty",
    "greater_than",
    "less_than",
    "greater_than_or_equal_to",
    "less_than_or_equal_to",
    "before",
    "after",
    "on_or_before",
    "on_or_after",
    "past_week",
    "next_month",
    "this_week",
    "any",
    "every",
    "none",
    "string",
    "checkbox",
    "number",
    "date",
    "",
];

const OPERANDS: &[&str] = &[
    "2026-07-04",
    "2026-07-04T09:08:00.000Z",
    "2026-07-04T09:08:00+02:00",
    "2026-13-45",
    "yesterday",
    "",
    "a",
    "Done",
    "393abc1e-edcd-812a-b3b0-d8e69c6a6f4c",
    "0",
    "-1",
    "NaN",
];

fn operand() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        prop::sample::select(OPERANDS).prop_map(|s| json!(s)),
        ".{0,12}".prop_map(Value::String),
        Just(json!({})),
        Just(json!([])),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    operand().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{0,8}", inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A condition `{op: operand}`, sometimes with extra or no members.
fn condition() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => (prop::sample::select(OPERATORS), operand()).prop_map(|(op, v)| json!({op: v})),
        1 => (prop::sample::select(OPERATORS), operand(), prop::sample::select(OPERATORS), operand())
            .prop_map(|(a, x, b, y)| json!({a: x, b: y})),
        1 => arb_json(),
    ]
}

/// A filter of Notion's grammar, `property` names from the data source (or not).
fn filter(props: Vec<String>) -> impl Strategy<Value = Value> {
    let name = prop_oneof![
        4 => prop::sample::select(props),
        1 => ".{0,10}",
    ];
    let leaf = prop_oneof![
        5 => (name.clone(), prop::sample::select(TYPES), condition())
            .prop_map(|(p, ty, c)| json!({"property": p, ty: c})),
        2 => (name.clone(), prop::sample::select(&["formula", "rollup"][..]), prop::sample::select(OPERATORS), condition())
            .prop_map(|(p, ty, sub, c)| json!({"property": p, ty: {sub: c}})),
        2 => (prop::sample::select(&["created_time", "last_edited_time", "edited", ""][..]), condition())
            .prop_map(|(ts, c)| json!({"timestamp": ts, ts: c})),
        1 => arb_json(),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        (
            prop::sample::select(&["and", "or"][..]),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(k, v)| json!({k: v}))
    })
}

fn sorts(props: Vec<String>) -> impl Strategy<Value = Value> {
    let one = prop_oneof![
        (
            prop::sample::select(props),
            prop::sample::select(&["ascending", "descending", "up", ""][..])
        )
            .prop_map(|(p, d)| json!({"property": p, "direction": d})),
        (
            prop::sample::select(&["created_time", "last_edited_time", "x"][..]),
            prop::sample::select(&["ascending", "descending"][..])
        )
            .prop_map(|(t, d)| json!({"timestamp": t, "direction": d})),
        arb_json(),
    ];
    prop_oneof![
        4 => prop::collection::vec(one, 0..3).prop_map(Value::Array),
        1 => arb_json(),
    ]
}

/// A query body: a filter, sorts, or both (and sometimes garbage in their place).
fn query() -> impl Strategy<Value = (String, Value)> {
    let ds = fixture().data_sources.clone();
    (0..ds.len()).prop_flat_map(move |i| {
        let (id, props) = ds[i].clone();
        (
            Just(id),
            proptest::option::of(filter(props.clone())),
            proptest::option::of(sorts(props)),
            proptest::option::of(arb_json()),
        )
            .prop_map(|(id, f, s, extra)| {
                let mut body = json!({"page_size": 100});
                if let Some(f) = f {
                    body["filter"] = f;
                }
                if let Some(s) = s {
                    body["sorts"] = s;
                }
                if let Some(x) = extra {
                    body["filter_properties"] = x;
                }
                (id, body)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn every_query_is_answered_with_a_list_or_a_validation_error((ds, body) in query()) {
        let (status, answer) = post(&format!("/v1/data_sources/{ds}/query"), &body);
        match status {
            200 => {
                prop_assert_eq!(&answer["object"], "list", "{}", answer);
                for row in answer["results"].as_array().unwrap() {
                    prop_assert_eq!(&row["parent"]["data_source_id"], &json!(ds), "a row of another data source");
                }
            }
            400 => prop_assert_eq!(&answer["code"], "validation_error", "{} → {}", body, answer),
            other => prop_assert!(false, "{body} → {other}: {answer}"),
        }
    }

    #[test]
    fn arbitrary_bodies_are_answered(body in arb_json()) {
        let ds = fixture().data_sources[0].0.clone();
        let (status, answer) = post(&format!("/v1/data_sources/{ds}/query"), &body);
        prop_assert!(status == 200 || status == 400, "{body} → {status}: {answer}");
    }
}

#[test]
fn filters_nested_past_two_levels_are_refused() {
    let ds = fixture().data_sources[0].0.clone();
    let leaf =
        json!({"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": "2020-01-01"}});
    let deep = json!({"and": [{"or": [{"and": [{"or": [leaf]}]}]}]});
    let (status, answer) = post(
        &format!("/v1/data_sources/{ds}/query"),
        &json!({"filter": deep}),
    );
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = post(
        &format!("/v1/data_sources/{ds}/query"),
        &json!({"filter": {"and": [{"or": [leaf]}]}}),
    );
    assert_eq!(status, 200, "{answer}");
}
