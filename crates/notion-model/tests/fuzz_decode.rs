//! Property-based fuzzing of the model's decoders, from arbitrary JSON (biased towards the
//! API's member names and type tags) and from the example responses in
//! `fixtures/notion-api/examples` with one or more mutations (a member removed, a value
//! replaced, a member added).
//!
//! Properties: decoding never panics, whatever the input; whatever decodes is stable:
//! decode → encode → decode → encode gives the same JSON as the first encode. CI runs a few
//! cases per property (`PROPTEST_CASES`, default 64); `cargo xtask fuzz` runs many.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use notion_model::property::{PropertySchema, PropertyValue};
use notion_model::{
    AsyncTask, Block, Comment, CustomEmoji, DataSource, Database, ErrorBody, File, FileUpload,
    GetPagePropertyResponse, Icon, IntrospectResponse, List, Page, PageMarkdown, Parent, RichText,
    SearchResponse, TemplateList, TokenResponse, User, View, ViewQuery, WebhookEvent,
};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

/// Decodes `text` as `T`; when it decodes, checks that the round trip is stable and returns
/// the first encoding.
fn stable<T: DeserializeOwned + Serialize>(text: &str) -> Result<Option<Value>, String> {
    let Ok(first) = serde_json::from_str::<T>(text) else {
        return Ok(None);
    };
    let encoded = serde_json::to_value(&first).map_err(|e| format!("encode: {e}"))?;
    let second: T = serde_json::from_str(&encoded.to_string())
        .map_err(|e| format!("{encoded} does not decode again: {e}"))?;
    let again = serde_json::to_value(&second).map_err(|e| format!("encode: {e}"))?;
    if again != encoded {
        return Err(format!("unstable round trip:\n{encoded}\n{again}"));
    }
    Ok(Some(encoded))
}

type Decoder = fn(&str) -> Result<Option<Value>, String>;

/// Every decoder, by the file-name prefix of its examples (first match wins).
const DECODERS: &[(&str, Decoder)] = &[
    ("async-task-", stable::<AsyncTask>),
    ("block-", stable::<Block>),
    ("comment.json", stable::<Comment>),
    ("cover-", stable::<File>),
    ("data-source.json", stable::<DataSource>),
    ("database.json", stable::<Database>),
    ("error-", stable::<ErrorBody>),
    ("file-object-", stable::<File>),
    ("file-upload.json", stable::<FileUpload>),
    ("icon-", stable::<Icon>),
    ("list-block-children-", stable::<List<Block>>),
    ("list-comments.json", stable::<List<Comment>>),
    ("list-custom-emojis-", stable::<List<CustomEmoji>>),
    ("list-data-source-templates-", stable::<TemplateList>),
    ("list-users.json", stable::<List<User>>),
    ("list-views.json", stable::<List<View>>),
    ("oauth-introspect-", stable::<IntrospectResponse>),
    ("oauth-token-", stable::<TokenResponse>),
    ("page-markdown.json", stable::<PageMarkdown>),
    ("page", stable::<Page>),
    ("parent-", stable::<Parent>),
    ("property-item-", stable::<GetPagePropertyResponse>),
    (
        "property-schema-",
        stable::<BTreeMap<String, PropertySchema>>,
    ),
    ("property-value-", stable::<BTreeMap<String, PropertyValue>>),
    ("query-data-source-", stable::<SearchResponse>),
    ("rich-text-", stable::<RichText>),
    ("search-results.json", stable::<SearchResponse>),
    ("user-", stable::<User>),
    ("view-query.json", stable::<ViewQuery>),
    ("view.json", stable::<View>),
    ("webhook-page-created.json", stable::<WebhookEvent>),
];

/// The example responses with their decoder.
fn fixtures() -> &'static [(String, Value, Decoder)] {
    static FIXTURES: OnceLock<Vec<(String, Value, Decoder)>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/notion-api/examples");
        let mut out = Vec::new();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        for name in names {
            let Some((_, decode)) = DECODERS.iter().find(|(p, _)| name.starts_with(p)) else {
                continue;
            };
            let value: Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join(&name)).unwrap()).unwrap();
            out.push((name, value, *decode));
        }
        assert!(out.len() > 150, "{} examples found", out.len());
        out
    })
}

const KEYS: &[&str] = &[
    "object",
    "id",
    "type",
    "parent",
    "properties",
    "results",
    "has_more",
    "next_cursor",
    "created_time",
    "last_edited_time",
    "created_by",
    "last_edited_by",
    "in_trash",
    "archived",
    "rich_text",
    "text",
    "content",
    "link",
    "plain_text",
    "annotations",
    "href",
    "mention",
    "equation",
    "expression",
    "title",
    "paragraph",
    "heading_1",
    "to_do",
    "checked",
    "children",
    "has_children",
    "page_id",
    "database_id",
    "data_source_id",
    "block_id",
    "workspace",
    "user",
    "person",
    "bot",
    "email",
    "name",
    "icon",
    "cover",
    "emoji",
    "external",
    "file",
    "url",
    "expiry_time",
    "relation",
    "people",
    "rollup",
    "formula",
    "number",
    "select",
    "multi_select",
    "status",
    "date",
    "start",
    "end",
    "time_zone",
    "options",
    "color",
    "code",
    "message",
    "additional_data",
    "request_id",
    "property_item",
    "next_url",
    "synced_block",
    "synced_from",
    "table",
    "table_width",
    "cells",
    "request_status",
    "data_sources",
    "discussion_id",
];

const TAGS: &[&str] = &[
    "page",
    "block",
    "list",
    "user",
    "database",
    "data_source",
    "comment",
    "property_item",
    "error",
    "paragraph",
    "text",
    "mention",
    "equation",
    "title",
    "rich_text",
    "relation",
    "people",
    "rollup",
    "formula",
    "number",
    "select",
    "date",
    "person",
    "bot",
    "emoji",
    "external",
    "file",
    "file_upload",
    "custom_emoji",
    "page_id",
    "database_id",
    "data_source_id",
    "block_id",
    "workspace",
    "table",
    "table_row",
    "synced_block",
    "child_page",
    "unsupported",
    "hologram",
    "array",
    "incomplete",
    "2026-07-04T09:12:00.000Z",
    "393abc1e-edcd-812a-b3b0-d8e69c6a6f4c",
    "393abc1eedcd812ab3b0d8e69c6a6f4c",
    "",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => "[a-z_]{0,10}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        prop::sample::select(TAGS).prop_map(|s| Value::String(s.to_owned())),
        ".{0,16}".prop_map(Value::String),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 128, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One change to a document.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(Value),
    Remove,
    Insert(String, Value),
}

fn mutation() -> impl Strategy<Value = (usize, Mutation)> {
    (
        any::<usize>(),
        prop_oneof![
            3 => prop_oneof![leaf(), arb_json()].prop_map(Mutation::Replace),
            2 => Just(Mutation::Remove),
            1 => (key(), arb_json()).prop_map(|(k, v)| Mutation::Insert(k, v)),
        ],
    )
}

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Arbitrary JSON through every decoder.
    #[test]
    fn arbitrary_json_decodes_or_fails_cleanly(doc in arb_json()) {
        let text = doc.to_string();
        for (prefix, decode) in DECODERS {
            decode(&text).map_err(|e| TestCaseError::fail(format!("{prefix}: {e}")))?;
        }
    }

    /// Arbitrary JSON as the body of each known type tag of a block, a property value and a
    /// rich text item.
    #[test]
    fn arbitrary_payloads_of_known_types(tag in prop::sample::select(TAGS), payload in arb_json()) {
        for doc in [
            json!({"object": "block", "id": "393abc1e-edcd-812a-b3b0-d8e69c6a6f4c", "type": tag, tag: payload}),
            json!({"Prop": {"id": "a", "type": tag, tag: payload}}),
            json!({"type": tag, tag: payload, "plain_text": "x"}),
        ] {
            let text = doc.to_string();
            stable::<Block>(&text).map_err(TestCaseError::fail)?;
            stable::<BTreeMap<String, PropertyValue>>(&text).map_err(TestCaseError::fail)?;
            stable::<BTreeMap<String, PropertySchema>>(&text).map_err(TestCaseError::fail)?;
            stable::<RichText>(&text).map_err(TestCaseError::fail)?;
        }
    }

    /// Example responses with mutations, through their own decoder and the list decoders.
    #[test]
    fn mutated_examples_decode_or_fail_cleanly(
        which in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let all = fixtures();
        let (name, value, decode) = &all[which % all.len()];
        let text = mutate(value, &mutations).to_string();
        decode(&text).map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
        stable::<SearchResponse>(&text).map_err(|e| TestCaseError::fail(format!("{name} as a search response: {e}")))?;
    }
}

#[test]
fn every_example_round_trips_stably() {
    for (name, value, decode) in fixtures() {
        let encoded = decode(&value.to_string())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .unwrap_or_else(|| panic!("{name} does not decode"));
        assert_eq!(&encoded, value, "{name} is not lossless");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for depth in [200, 10_000, 100_000] {
        let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        for payload in [&nested, &objects] {
            let page = format!(
                "{{\"object\": \"page\", \"id\": \"393abc1e-edcd-812a-b3b0-d8e69c6a6f4c\", \"properties\": {{\"P\": {{\"id\": \"a\", \"type\": \"hologram\", \"hologram\": {payload}}}}}}}"
            );
            for (prefix, decode) in DECODERS {
                decode(&page).unwrap_or_else(|e| panic!("{prefix}: {e}"));
            }
        }
    }
}
