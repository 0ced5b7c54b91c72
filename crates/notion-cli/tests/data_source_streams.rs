//! Typed streams per data source (`data_source_streams`) end to end: `discover` lists a `ds_`
//! stream per data source, records validate against the discovered schemas and their values
//! equal the fake's ground truth for every property type, incremental reads emit what changed,
//! and deleted rows become deletion records in their stream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use common::*;
use notion_fake::{ApiVersion, FakeNotion, GenConfig, Stream, WorkspaceSpec};
use notion_streams::typed::{self, DataSourceStream, Source};
use serde_json::{Value, json};

const V: ApiVersion = ApiVersion::V2026_03_11;

/// `discover` with `config`.
async fn discover(config: &Path) -> Run {
    run(args(&["discover", "--config", &path_str(config)])).await
}

/// The catalog `discover` printed.
fn catalog_of(r: &Run) -> Value {
    let catalogs = r.of_type("CATALOG");
    assert_eq!(catalogs.len(), 1, "{}", r.stdout);
    catalogs[0]["catalog"].clone()
}

/// The `ds_` streams of a catalog, by name.
fn ds_streams(catalog: &Value) -> BTreeMap<String, Value> {
    catalog["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"].as_str().unwrap().starts_with("ds_"))
        .map(|s| (s["name"].as_str().unwrap().to_owned(), s.clone()))
        .collect()
}

/// A configured catalog of `streams`: built-in names, or discovered `ds_` streams.
fn configured(streams: &[&str], mode: &str) -> Value {
    catalog(streams, mode)
}

/// The typed streams of the fake's data sources that search lists, named as the connector
/// must name them. (The generated workspace keeps the data sources of inline databases out of
/// search, as Notion's search may: they are found only by walking page content, which
/// `discover` does not do, so they have no typed stream.)
fn expected_streams(fake: &FakeNotion) -> Vec<DataSourceStream> {
    typed::streams(
        fake.ground_truth(Stream::DataSources, V)
            .filter(|r| r.object["is_inline"] != json!(true))
            .map(|r| Source::from_record(&r.object.to_string()).unwrap())
            .collect(),
    )
}

fn text(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => json!(s),
        _ => Value::Null,
    }
}

fn number(v: Option<&Value>) -> Value {
    v.and_then(Value::as_f64).map_or(Value::Null, |n| json!(n))
}

fn list(v: Option<&Value>, key: &str) -> Value {
    match v.and_then(Value::as_array) {
        Some(items) => items.iter().map(|i| i[key].clone()).collect(),
        None => Value::Null,
    }
}

/// A URL without its query (Notion-hosted file URLs are signed afresh on every read).
fn unsigned(url: &Value) -> Value {
    match url.as_str() {
        Some(u) => json!(u.split('?').next().unwrap_or(u)),
        None => url.clone(),
    }
}

/// Numbers as floats and file URLs without their signature, so values compare as meant.
fn normal(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64()),
        Value::Array(items) => items.iter().map(normal).collect(),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| {
                let v = if k == "url" { unsigned(v) } else { normal(v) };
                (k.clone(), v)
            })
            .collect(),
        other => other.clone(),
    }
}

/// The typed value (and a date's end) of a property value of type `kind`, read here from the
/// value's JSON, independently of the connector's code.
fn want(kind: &str, value: Option<&Value>) -> (Value, Option<Value>) {
    let Some(v) = value else {
        return (Value::Null, (kind == "date").then_some(Value::Null));
    };
    let payload = v.get(kind);
    let main = match kind {
        "title" | "rich_text" => match payload.and_then(Value::as_array) {
            Some(items) => json!(
                items
                    .iter()
                    .filter_map(|i| i["plain_text"].as_str())
                    .collect::<String>()
            ),
            None => Value::Null,
        },
        "number" => number(payload),
        "checkbox" => payload.cloned().unwrap_or(Value::Null),
        "date" => {
            return (
                text(payload.and_then(|d| d.get("start"))),
                Some(text(payload.and_then(|d| d.get("end")))),
            );
        }
        "select" | "status" => text(payload.and_then(|s| s.get("name"))),
        "multi_select" => list(payload, "name"),
        "people" | "relation" => list(payload, "id"),
        "formula" | "rollup" => {
            let p = payload.cloned().unwrap_or(Value::Null);
            match p["type"].as_str() {
                Some("number") => number(p.get("number")),
                Some("string") => text(p.get("string")),
                Some("boolean") => p["boolean"].clone(),
                Some("date") => text(p["date"].get("start")),
                Some("array") => p["array"].clone(),
                _ => p,
            }
        }
        "unique_id" => match payload.and_then(|u| u["number"].as_i64()) {
            Some(n) => json!(match payload.and_then(|u| u["prefix"].as_str()) {
                Some(prefix) => format!("{prefix}-{n}"),
                None => n.to_string(),
            }),
            None => Value::Null,
        },
        "files" => match payload.and_then(Value::as_array) {
            Some(files) => files
                .iter()
                .map(|f| {
                    let url = f["file"]
                        .get("url")
                        .or_else(|| f["external"].get("url"))
                        .cloned()
                        .unwrap_or(Value::Null);
                    json!({"name": f["name"], "url": url})
                })
                .collect(),
            None => Value::Null,
        },
        "url" | "email" | "phone_number" | "created_time" | "last_edited_time" => text(payload),
        "created_by" | "last_edited_by" => text(payload.and_then(|u| u.get("id"))),
        _ => payload.cloned().unwrap_or(Value::Null),
    };
    (main, None)
}

const EVERY_TYPE: [&str; 21] = [
    "title",
    "rich_text",
    "number",
    "checkbox",
    "date",
    "select",
    "status",
    "multi_select",
    "people",
    "relation",
    "formula",
    "rollup",
    "unique_id",
    "files",
    "url",
    "email",
    "phone_number",
    "created_time",
    "created_by",
    "last_edited_time",
    "last_edited_by",
];

/// Discovers with the setting, checks the `ds_` streams, reads them all (without `pages`),
/// validates every record against its discovered schema and compares every value with the
/// fake's ground truth. Returns the property types checked.
async fn check_workspace(fake: &FakeNotion) -> BTreeSet<String> {
    let dir = Dir::new();
    // Without the setting: the built-in catalog, unchanged.
    let plain = dir.write("plain.json", &config(fake, json!({})));
    let r = discover(&plain).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(catalog_of(&r), notion_streams::schema::catalog());

    let cfg = dir.write(
        "config.json",
        &config(fake, json!({"data_source_streams": true})),
    );
    let r = discover(&cfg).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let catalog = catalog_of(&r);
    // The built-in streams come first, as without the setting.
    let builtin = notion_streams::schema::catalog();
    let n = builtin["streams"].as_array().unwrap().len();
    assert_eq!(
        catalog["streams"].as_array().unwrap()[..n],
        builtin["streams"].as_array().unwrap()[..]
    );
    let discovered = ds_streams(&catalog);
    let expected = expected_streams(fake);
    assert_eq!(
        discovered.keys().cloned().collect::<Vec<_>>(),
        expected.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
        "a stream per data source, named from its title"
    );
    for s in discovered.values() {
        assert_eq!(s["source_defined_primary_key"], json!([["id"]]));
        assert_eq!(s["default_cursor_field"], json!(["last_edited_time"]));
        assert_eq!(s["source_defined_cursor"], json!(true));
        assert_eq!(
            s["supported_sync_modes"],
            json!(["full_refresh", "incremental"])
        );
        for member in [
            "_ab_cdc_deleted_at",
            "_deleted_reason",
            "id",
            "last_edited_time",
        ] {
            assert!(
                s["json_schema"]["properties"][member].is_object(),
                "{member}"
            );
        }
    }

    // Read every ds_ stream, without `pages`.
    let names: Vec<&str> = discovered.keys().map(String::as_str).collect();
    let cat = dir.write("catalog.json", &configured(&names, "incremental"));
    let r = read(&cfg, &cat, None).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.records("pages").is_empty(), "pages is not selected");
    let rows: Vec<Value> = fake
        .ground_truth(Stream::Pages, V)
        .map(|r| r.object)
        .collect();
    let mut kinds = BTreeSet::new();
    for stream in &expected {
        let name = stream.name.as_str();
        let mut schema = discovered[name]["json_schema"].clone();
        schema["additionalProperties"] = json!(false);
        let validator = jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        let records = r.records(name);
        for rec in &records {
            if let Err(e) = validator.validate(rec) {
                panic!("{name} record does not match its schema: {e}\n{rec}");
            }
        }
        // Its status and state.
        let statuses: Vec<&str> = r
            .of_type("TRACE")
            .into_iter()
            .filter(|m| m["trace"]["stream_status"]["stream_descriptor"]["name"] == name)
            .map(|m| m["trace"]["stream_status"]["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses.first(), Some(&"STARTED"), "{name}");
        assert_eq!(statuses.last(), Some(&"COMPLETE"), "{name}");
        assert!(r.last_states().as_array().unwrap().iter().any(|s| {
            s["stream"]["stream_descriptor"]["name"] == name
                && s["stream"]["stream_state"]["last_edited_time"].is_string()
        }));

        let expected_rows: BTreeMap<&str, &Value> = rows
            .iter()
            .filter(|p| p["parent"]["data_source_id"].as_str() == Some(&stream.source.id))
            .map(|p| (p["id"].as_str().unwrap(), p))
            .collect();
        let got: BTreeMap<&str, &Value> = records
            .iter()
            .map(|r| (r["id"].as_str().unwrap(), r))
            .collect();
        assert_eq!(got.len(), records.len(), "{name}: each row once");
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected_rows.keys().collect::<Vec<_>>(),
            "{name}: its rows"
        );
        for (id, page) in &expected_rows {
            let rec = got[id];
            for member in ["url", "created_time", "last_edited_time", "in_trash"] {
                assert_eq!(rec[member], page[member], "{name}.{member} of {id}");
            }
            for c in &stream.columns {
                let value = page["properties"]
                    .as_object()
                    .unwrap()
                    .values()
                    .find(|v| v["id"] == json!(c.property.id));
                let (main, end) = want(&c.property.kind, value);
                assert_eq!(
                    normal(&rec[&c.name]),
                    normal(&main),
                    "{name}.{} of {id}: {value:?}",
                    c.name
                );
                if let (Some(member), Some(end)) = (&c.end, end) {
                    assert_eq!(
                        normal(&rec[member]),
                        normal(&end),
                        "{name}.{member} of {id}"
                    );
                }
                kinds.insert(c.property.kind.clone());
            }
        }
    }
    kinds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_data_sources_typed_streams_equal_the_fakes_rows() {
    let fake = fake(WorkspaceSpec::Demo, unthrottled()).await;
    let kinds = check_workspace(&fake).await;
    for kind in EVERY_TYPE {
        assert!(kinds.contains(kind), "{kind}: {kinds:?}");
    }
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_e2e_workspaces_typed_streams_equal_the_fakes_rows() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::e2e()), unthrottled()).await;
    let kinds = check_workspace(&fake).await;
    for kind in EVERY_TYPE {
        assert!(kinds.contains(kind), "{kind}: {kinds:?}");
    }
    fake.shutdown().await;
}

/// A row of a data source and the name of its title property.
fn a_row(fake: &FakeNotion, skip: &[String]) -> (notion_model::Id, String, String) {
    let row = fake
        .ground_truth(Stream::Pages, V)
        .find(|r| {
            r.object["parent"]["type"] == "data_source_id"
                && !skip.contains(
                    &r.object["parent"]["data_source_id"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
        })
        .expect("a row");
    let title = row.object["properties"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v["type"] == "title")
        .map(|(k, _)| k.clone())
        .unwrap();
    let ds = row.object["parent"]["data_source_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (row.id, title, ds)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_reads_emit_the_edited_row_and_deleted_rows_as_deletion_records() {
    let fake = fake(WorkspaceSpec::Demo, unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write(
        "config.json",
        &config(&fake, json!({"data_source_streams": true})),
    );
    let expected = expected_streams(&fake);
    let stream_of = |ds: &str| {
        expected
            .iter()
            .find(|s| s.source.id == ds)
            .unwrap()
            .name
            .clone()
    };
    let mut names: Vec<&str> = expected.iter().map(|s| s.name.as_str()).collect();
    names.push("pages");
    let cat = dir.write("catalog.json", &configured(&names, "incremental"));
    let first = read(&cfg, &cat, None).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let state = dir.write("state.json", &first.last_states());

    fake.advance(Duration::from_secs(3600));
    let (edited, title, edited_ds) = a_row(&fake, &[]);
    fake.edit_page_properties(
        edited,
        json!({title: {"title": [{"type": "text", "text": {"content": "Edited", "link": null}, "plain_text": "Edited", "href": null, "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"}}]}}),
    )
    .unwrap();
    let (deleted, _, deleted_ds) = a_row(&fake, std::slice::from_ref(&edited_ds));
    fake.delete_page(deleted).unwrap();
    fake.advance(Duration::from_secs(60));

    let second = read(&cfg, &cat, Some(&state)).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    for s in &expected {
        let records = second.records(&s.name);
        if s.name == stream_of(&edited_ds) {
            assert_eq!(records.len(), 1, "{}: {records:?}", s.name);
            assert_eq!(records[0]["id"], json!(edited.to_string()));
            let title_member = &s.columns[0].name;
            assert_eq!(records[0][title_member], json!("Edited"));
            assert!(records[0]["_ab_cdc_deleted_at"].is_null());
        } else if s.name == stream_of(&deleted_ds) {
            assert_eq!(records.len(), 1, "{}: {records:?}", s.name);
            assert_eq!(records[0]["id"], json!(deleted.to_string()));
            assert_eq!(records[0]["_deleted_reason"], json!("not_found"));
            assert!(records[0]["_ab_cdc_deleted_at"].is_string());
        } else {
            assert!(records.is_empty(), "{}: {records:?}", s.name);
        }
    }
    // The pages stream has its deletion record too.
    assert!(
        second
            .records("pages")
            .iter()
            .any(|p| p["id"] == json!(deleted.to_string()) && p["_ab_cdc_deleted_at"].is_string())
    );

    // A full refresh of one ds_ stream reads all its rows again.
    let name = stream_of(&edited_ds);
    let cat = dir.write("one.json", &configured(&[&name], "full_refresh"));
    let full = read(&cfg, &cat, Some(&state)).await;
    assert_eq!(full.code, 0, "{}", full.stderr);
    let want: BTreeSet<String> = fake
        .ground_truth(Stream::Pages, V)
        .filter(|r| r.object["parent"]["data_source_id"] == json!(edited_ds))
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(ids(&full.records(&name)), want);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ds_stream_matching_no_data_source_fails_with_the_fix_and_others_complete() {
    let fake = fake(WorkspaceSpec::Demo, unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write(
        "config.json",
        &config(&fake, json!({"data_source_streams": true})),
    );
    let expected = expected_streams(&fake);
    let good = expected[0].name.clone();
    let cat = dir.write(
        "catalog.json",
        &configured(&[&good, "ds_renamed_since"], "incremental"),
    );
    let r = read(&cfg, &cat, None).await;
    assert_ne!(r.code, 0);
    let errors: Vec<&Value> = r
        .of_type("TRACE")
        .into_iter()
        .filter(|m| m["trace"]["type"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), 1, "{}", r.stdout);
    let error = &errors[0]["trace"]["error"];
    assert_eq!(
        error["stream_descriptor"]["name"],
        json!("ds_renamed_since")
    );
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("`ds_renamed_since`") && message.contains("run discover again"),
        "{message}"
    );
    assert_eq!(error["failure_type"], json!("config_error"));
    assert!(!r.records(&good).is_empty());
    let last_status = |name: &str| {
        r.of_type("TRACE")
            .into_iter()
            .filter(|m| m["trace"]["stream_status"]["stream_descriptor"]["name"] == name)
            .map(|m| m["trace"]["stream_status"]["status"].clone())
            .next_back()
    };
    assert_eq!(last_status(&good), Some(json!("COMPLETE")));
    assert_eq!(last_status("ds_renamed_since"), Some(json!("INCOMPLETE")));

    // Without the setting, a catalog selecting ds_ streams is refused, with the fix.
    let off = dir.write("off.json", &config(&fake, json!({})));
    let r = read(&off, &cat, None).await;
    assert_ne!(r.code, 0);
    assert!(r.stdout.contains("data_source_streams"), "{}", r.stdout);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_with_the_setting_reports_an_unreachable_api() {
    let dir = Dir::new();
    let cfg = dir.write(
        "config.json",
        &json!({
            "credentials": {"auth_type": "token", "token": "ntn_x"},
            "base_url": "http://127.0.0.1:9",
            "requests_per_second": 0,
            "max_retries": 0,
            "data_source_streams": true,
        }),
    );
    let r = discover(&cfg).await;
    assert_ne!(r.code, 0);
    assert!(r.of_type("CATALOG").is_empty());
    let errors = r.of_type("TRACE");
    assert_eq!(errors.len(), 1, "{}", r.stdout);
    let message = errors[0]["trace"]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("could not list the data sources"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_streams_cost_no_request_beyond_the_pages_stream() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::e2e()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write(
        "config.json",
        &config(&fake, json!({"data_source_streams": true})),
    );
    let expected = expected_streams(&fake);
    let typed: Vec<&str> = expected.iter().map(|s| s.name.as_str()).collect();
    let cost = |streams: Vec<&str>, name: &str| {
        let cat = dir.write(name, &configured(&streams, "full_refresh"));
        let fake = &fake;
        let cfg = &cfg;
        async move {
            fake.reset_counters();
            let r = read(cfg, &cat, None).await;
            assert_eq!(r.code, 0, "{}", r.stderr);
            fake.counters().total()
        }
    };
    let pages = cost(vec!["pages"], "pages.json").await;
    let mut both = typed.clone();
    both.push("pages");
    let with_typed = cost(both, "both.json").await;
    let only_typed = cost(typed, "typed.json").await;
    assert_eq!(
        with_typed, pages,
        "typed streams next to pages add no request"
    );
    assert!(
        only_typed < pages,
        "typed streams alone read rows only: {only_typed} requests, pages {pages}"
    );
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retyped_property_brings_every_row_of_its_stream_again() {
    let fake = fake(WorkspaceSpec::Demo, unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write(
        "config.json",
        &config(&fake, json!({"data_source_streams": true})),
    );
    let expected = expected_streams(&fake);
    // A data source with rows and a number property; only typed streams are selected.
    let (stream, ds, property) = expected
        .iter()
        .find_map(|s| {
            let ds: notion_model::Id = s.source.id.parse().unwrap();
            let schema = fake
                .ground_truth(Stream::DataSources, V)
                .find(|r| r.id == ds)?
                .object;
            let (name, _) = schema["properties"]
                .as_object()?
                .iter()
                .find(|(_, p)| p["type"] == "number")?;
            Some((s.name.clone(), ds, name.clone()))
        })
        .expect("a data source with a number property");
    let names: Vec<&str> = expected.iter().map(|s| s.name.as_str()).collect();
    let cat = dir.write("catalog.json", &configured(&names, "incremental"));
    let first = read(&cfg, &cat, None).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let state = dir.write("state.json", &first.last_states());

    fake.advance(Duration::from_secs(3600));
    fake.change_property_type(ds, &property, "rich_text")
        .unwrap();
    let second = read(&cfg, &cat, Some(&state)).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    // No row was edited, yet every row of the retyped data source comes again; no other.
    let want: BTreeSet<String> = fake
        .ground_truth(Stream::Pages, V)
        .filter(|r| r.object["parent"]["data_source_id"] == json!(ds.to_string()))
        .map(|r| r.id.to_string())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&second.records(&stream)), want);
    for s in expected.iter().filter(|s| s.name != stream) {
        assert!(second.records(&s.name).is_empty(), "{}", s.name);
    }
    // Once read, the next read brings nothing again.
    let state = dir.write("state2.json", &second.last_states());
    let third = read(&cfg, &cat, Some(&state)).await;
    assert_eq!(third.code, 0, "{}", third.stderr);
    assert!(third.records(&stream).is_empty());
    fake.shutdown().await;
}
