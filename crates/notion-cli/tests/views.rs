//! Typed views end to end: after a sync, every data source's view holds exactly its rows, and
//! every typed value equals what the fake serves (its ground truth), for every property type.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;
use notion_fake::{ApiVersion, FakeNotion, GenConfig, Stream, WorkspaceSpec};
use rusqlite::Connection;
use rusqlite::types::Value as Sql;
use serde_json::{Value, json};

/// What a typed column should hold.
#[derive(Debug, Clone, PartialEq)]
enum Want {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    /// JSON text, compared as JSON.
    Json(Value),
}

fn text_or_null(v: Option<&Value>) -> Want {
    v.and_then(Value::as_str)
        .map_or(Want::Null, |s| Want::Text(s.to_owned()))
}

fn real_or_null(v: Option<&Value>) -> Want {
    v.and_then(Value::as_f64).map_or(Want::Null, Want::Real)
}

fn plain(v: Option<&Value>) -> Want {
    match v.and_then(Value::as_array) {
        Some(items) => Want::Text(
            items
                .iter()
                .filter_map(|i| i["plain_text"].as_str())
                .collect(),
        ),
        None => Want::Null,
    }
}

fn list(v: Option<&Value>, key: &str) -> Want {
    match v.and_then(Value::as_array) {
        Some(items) => Want::Json(items.iter().map(|i| i[key].clone()).collect()),
        None => Want::Null,
    }
}

/// A URL without its query (Notion-hosted file URLs are signed afresh on every read).
fn unsigned(url: &Value) -> Value {
    match url.as_str() {
        Some(u) => json!(u.split('?').next().unwrap_or(u)),
        None => url.clone(),
    }
}

/// The value with the fake's port taken out of its file links (the mirror was written from
/// another fake serving the same workspace).
fn portless(want: Want) -> Want {
    fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("127.0.0.1:") {
            let (head, tail) = rest.split_at(i + "127.0.0.1".len());
            out.push_str(head);
            rest = tail[1..].trim_start_matches(|c: char| c.is_ascii_digit());
        }
        out.push_str(rest);
        out
    }
    match want {
        Want::Text(t) => Want::Text(strip(&t)),
        Want::Json(v) => Want::Json(serde_json::from_str(&strip(&v.to_string())).unwrap()),
        other => other,
    }
}

/// The typed value (and a date's end) of a property value of type `kind`, read here from the
/// value's JSON, independently of the view's SQL.
fn want(kind: &str, value: Option<&Value>) -> (Want, Option<Want>) {
    let Some(v) = value else {
        return (Want::Null, (kind == "date").then_some(Want::Null));
    };
    let payload = v.get(kind);
    let main = match kind {
        "title" | "rich_text" => plain(payload),
        "number" => real_or_null(payload),
        "checkbox" => payload
            .and_then(Value::as_bool)
            .map_or(Want::Null, |b| Want::Int(i64::from(b))),
        "date" => {
            return (
                text_or_null(payload.and_then(|d| d.get("start"))),
                Some(text_or_null(payload.and_then(|d| d.get("end")))),
            );
        }
        "select" | "status" => text_or_null(payload.and_then(|s| s.get("name"))),
        "multi_select" => list(payload, "name"),
        "people" | "relation" => list(payload, "id"),
        "formula" | "rollup" => {
            let p = payload.cloned().unwrap_or(Value::Null);
            match p["type"].as_str() {
                Some("number") => real_or_null(p.get("number")),
                Some("string") => text_or_null(p.get("string")),
                Some("boolean") => p["boolean"]
                    .as_bool()
                    .map_or(Want::Null, |b| Want::Int(i64::from(b))),
                Some("date") => text_or_null(p["date"].get("start")),
                Some("array") => Want::Json(p["array"].clone()),
                _ => Want::Json(p),
            }
        }
        "unique_id" => match payload.and_then(|u| u["number"].as_i64()) {
            Some(n) => Want::Text(match payload.and_then(|u| u["prefix"].as_str()) {
                Some(prefix) => format!("{prefix}-{n}"),
                None => n.to_string(),
            }),
            None => Want::Null,
        },
        "files" => match payload.and_then(Value::as_array) {
            Some(files) => Want::Json(
                files
                    .iter()
                    .map(|f| {
                        let url = f["file"]
                            .get("url")
                            .or_else(|| f["external"].get("url"))
                            .cloned()
                            .unwrap_or(Value::Null);
                        json!({"name": f["name"], "url": unsigned(&url)})
                    })
                    .collect(),
            ),
            None => Want::Null,
        },
        "url" | "email" | "phone_number" | "created_time" | "last_edited_time" => {
            text_or_null(payload)
        }
        "created_by" | "last_edited_by" => text_or_null(payload.and_then(|u| u.get("id"))),
        _ => payload.map_or(Want::Null, |p| Want::Json(p.clone())),
    };
    (main, None)
}

fn got(cell: &Sql, want: &Want) -> Want {
    match (cell, want) {
        (Sql::Null, _) => Want::Null,
        (Sql::Integer(i), _) => Want::Int(*i),
        (Sql::Real(r), _) => Want::Real(*r),
        (Sql::Text(t), Want::Json(_)) => {
            let mut v: Value = serde_json::from_str(t).unwrap();
            if let Value::Array(items) = &mut v {
                for item in items {
                    if let Some(url) = item.get("url").cloned() {
                        item["url"] = unsigned(&url);
                    }
                }
            }
            Want::Json(v)
        }
        (Sql::Text(t), _) => Want::Text(t.clone()),
        (Sql::Blob(_), _) => panic!("a blob"),
    }
}

/// Checks every view of the mirror against the fake's ground truth; returns the property
/// types checked.
fn check_views(fake: &FakeNotion, db: &Path) -> BTreeSet<String> {
    let conn = Connection::open(db).unwrap();
    let version = ApiVersion::V2026_03_11;
    let rows: Vec<Value> = fake
        .ground_truth(Stream::Pages, version)
        .map(|r| r.object)
        .collect();
    let mut kinds = BTreeSet::new();
    let data_sources: Vec<Value> = fake
        .ground_truth(Stream::DataSources, version)
        .map(|r| r.object)
        .collect();
    assert!(!data_sources.is_empty());
    for ds in &data_sources {
        let ds_id = ds["id"].as_str().unwrap();
        let view: String = conn
            .query_row(
                "SELECT view_name FROM data_source_views WHERE data_source_id = ?1",
                [ds_id],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("no view for {ds_id}: {e}"));
        // Property id → (type, column, end column).
        let mapping: BTreeMap<String, (String, String, Option<String>)> = conn
            .prepare(
                "SELECT property_id, property_type, column_name, end_column
                 FROM data_source_columns WHERE data_source_id = ?1",
            )
            .unwrap()
            .query_map([ds_id], |r| {
                Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let schema = ds["properties"].as_object().unwrap();
        assert_eq!(
            mapping.keys().cloned().collect::<BTreeSet<_>>(),
            schema
                .values()
                .map(|p| p["id"].as_str().unwrap().to_owned())
                .collect::<BTreeSet<_>>(),
            "{view}: a column per property"
        );
        let expected_rows: BTreeMap<String, &Value> = rows
            .iter()
            .filter(|p| p["parent"]["data_source_id"] == ds["id"])
            .map(|p| (p["id"].as_str().unwrap().to_owned(), p))
            .collect();
        let mut st = conn.prepare(&format!("SELECT * FROM \"{view}\"")).unwrap();
        let names: Vec<String> = st.column_names().iter().map(|c| (*c).to_owned()).collect();
        let index = |name: &str| names.iter().position(|n| n == name).unwrap();
        let view_rows: Vec<Vec<Sql>> = st
            .query_map([], |r| {
                (0..names.len()).map(|i| r.get::<_, Sql>(i)).collect()
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            view_rows
                .iter()
                .map(|r| match &r[0] {
                    Sql::Text(id) => id.clone(),
                    other => panic!("{other:?}"),
                })
                .collect::<BTreeSet<_>>(),
            expected_rows.keys().cloned().collect::<BTreeSet<_>>(),
            "{view}: its rows"
        );
        for row in &view_rows {
            let Sql::Text(id) = &row[0] else { panic!() };
            let page = expected_rows[id];
            assert_eq!(
                row[index("url")],
                Sql::Text(page["url"].as_str().unwrap().into())
            );
            assert_eq!(
                row[index("in_trash")],
                Sql::Integer(i64::from(page["in_trash"].as_bool().unwrap()))
            );
            for (pid, (kind, column, end)) in &mapping {
                let value = page["properties"]
                    .as_object()
                    .unwrap()
                    .values()
                    .find(|v| v["id"] == json!(pid));
                let (main, end_want) = want(kind, value);
                let cell = &row[index(column)];
                assert_eq!(
                    portless(got(cell, &main)),
                    portless(main),
                    "{view}.{column} of {id}: {value:?}"
                );
                if let (Some(end), Some(end_want)) = (end, end_want) {
                    let cell = &row[index(end)];
                    assert_eq!(got(cell, &end_want), end_want, "{view}.{end} of {id}");
                }
                kinds.insert(kind.clone());
            }
        }
    }
    kinds
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_views_equal_the_fakes_rows_for_every_property_type() {
    let dir = Dir::new();
    let db = dir.path("demo.db");
    let r = run(args(&[
        "demo",
        "--unthrottled",
        "--quiet",
        "--db",
        &path_str(&db),
    ]))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let fake = fake(WorkspaceSpec::Demo, unthrottled()).await;
    let kinds = check_views(&fake, &db);
    for kind in EVERY_TYPE {
        assert!(kinds.contains(kind), "{kind}: {kinds:?}");
    }
    // The demo prints a query of the typed view of its Projects data source.
    assert!(
        r.stdout.contains("FROM ds_projects GROUP BY status"),
        "{}",
        r.stdout
    );
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_workspaces_views_equal_its_rows_and_follow_new_data_sources() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let db = dir.path("m.db");
    let summary = dir.path("summary.json");
    let r = run(args(&[
        "sync",
        "--quiet",
        "--config",
        &path_str(&cfg),
        "--db",
        &path_str(&db),
        "--summary-json",
        &path_str(&summary),
    ]))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let kinds = check_views(&fake, &db);
    for kind in EVERY_TYPE {
        assert!(kinds.contains(kind), "{kind}: {kinds:?}");
    }
    // The summary lists the views.
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let listed = s["views"].as_array().unwrap();
    assert_eq!(
        listed.len(),
        fake.ground_truth(Stream::DataSources, ApiVersion::V2026_03_11)
            .count()
    );
    assert!(
        listed
            .iter()
            .all(|v| v["name"].as_str().unwrap().starts_with("ds_"))
    );

    // A data source added to a database, with a row: the next incremental sync gives its view.
    let database = fake
        .ground_truth(Stream::Databases, ApiVersion::V2026_03_11)
        .next()
        .unwrap()
        .id;
    fake.advance(std::time::Duration::from_secs(600));
    let added = fake.add_data_source(database, "Field notes").unwrap();
    let row = fake.add_row(added, "Dock 4 is slow").unwrap();
    sync_ok(&cfg, &db, &[]).await;
    check_views(&fake, &db);
    let names: Vec<(String, String)> = Connection::open(&db)
        .unwrap()
        .prepare("SELECT id, name FROM ds_field_notes")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(names, [(row.to_string(), "Dock 4 is slow".to_owned())]);
    fake.shutdown().await;
}

/// The properties of a data source in the fake's ground truth: name → type.
fn schema_of(fake: &FakeNotion, data_source: notion_model::Id) -> BTreeMap<String, String> {
    let ds = fake
        .ground_truth(Stream::DataSources, ApiVersion::V2026_03_11)
        .find(|r| r.id == data_source)
        .unwrap()
        .object;
    ds["properties"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, p)| (name.clone(), p["type"].as_str().unwrap().to_owned()))
        .collect()
}

/// The view's column names, in order.
fn view_columns(db: &Path, data_source: notion_model::Id) -> (String, Vec<String>) {
    let conn = Connection::open(db).unwrap();
    let view: String = conn
        .query_row(
            "SELECT view_name FROM data_source_views WHERE data_source_id = ?1",
            [data_source.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    let st = conn.prepare(&format!("SELECT * FROM \"{view}\"")).unwrap();
    let columns = st.column_names().iter().map(|c| (*c).to_owned()).collect();
    (view, columns)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_changes_in_notion_give_the_new_view_after_an_incremental_sync() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let db = dir.path("m.db");
    sync_ok(&cfg, &db, &[]).await;
    // A data source with rows, and two of its properties other than the title: one renamed,
    // one retyped; a third removed if it has one; a new one added.
    let rows: Vec<Value> = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .map(|r| r.object)
        .collect();
    let ds = fake
        .ground_truth(Stream::DataSources, ApiVersion::V2026_03_11)
        .map(|r| r.id)
        .find(|id| {
            let n = schema_of(&fake, *id)
                .values()
                .filter(|t| {
                    ["rich_text", "number", "select", "url", "checkbox"].contains(&t.as_str())
                })
                .count();
            n >= 3
                && rows
                    .iter()
                    .any(|p| p["parent"]["data_source_id"] == json!(id.to_string()))
        })
        .expect("a data source with three simple properties and rows");
    let before = schema_of(&fake, ds);
    let simple: Vec<(String, String)> = before
        .iter()
        .filter(|(_, t)| ["rich_text", "number", "select", "url", "checkbox"].contains(&t.as_str()))
        .map(|(n, t)| (n.clone(), t.clone()))
        .collect();
    let (renamed, _) = &simple[0];
    let (retyped, old_type) = &simple[1];
    let (removed, _) = &simple[2];
    let new_type = if old_type == "rich_text" {
        "number"
    } else {
        "rich_text"
    };
    let (_, columns_before) = view_columns(&db, ds);

    fake.advance(std::time::Duration::from_secs(600));
    fake.add_property(ds, "Review date", "date").unwrap();
    fake.rename_property(ds, renamed, "Renamed here").unwrap();
    fake.change_property_type(ds, retyped, new_type).unwrap();
    fake.remove_property(ds, removed).unwrap();
    let after = schema_of(&fake, ds);
    assert_eq!(after["Renamed here"], before[renamed]);
    assert_eq!(after[retyped.as_str()], new_type);
    assert!(!after.contains_key(removed.as_str()) && !after.contains_key(renamed.as_str()));
    assert_eq!(after["Review date"], "date");

    sync_ok(&cfg, &db, &[]).await;
    // Every view (this one included) holds the fake's rows with the new schema's types.
    check_views(&fake, &db);
    let (view, columns) = view_columns(&db, ds);
    let has = |c: &str| columns.iter().any(|n| n == c);
    assert!(
        has("review_date") && has("review_date_end"),
        "{view}: {columns:?}"
    );
    assert!(has("renamed_here"), "{view}: {columns:?}");
    let slug = |s: &str| s.to_lowercase().replace(' ', "_");
    assert!(!has(&slug(removed)), "{view}: {columns:?}");
    assert!(!has(&slug(renamed)), "{view}: {columns:?}");
    // Columns of the properties left alone keep their names.
    for c in &columns_before {
        if [slug(renamed), slug(removed)].contains(c) {
            continue;
        }
        assert!(has(c), "{view}: {c} kept, {columns:?}");
    }
    let types: BTreeMap<String, String> = Connection::open(&db)
        .unwrap()
        .prepare(
            "SELECT c.property_id, c.property_type FROM data_source_columns c
             WHERE c.data_source_id = ?1",
        )
        .unwrap()
        .query_map([ds.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(types.values().any(|t| t == new_type));
    fake.shutdown().await;
}
