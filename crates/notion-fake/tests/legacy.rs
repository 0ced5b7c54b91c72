//! The `2022-06-28` shapes, for the requests Airbyte's Python connector sends (its manifest:
//! users, search for databases and for pages sorted by `last_edited_time` descending, block
//! children, comments; every request with `page_size` 100 and `start_cursor` pagination), and
//! the database endpoints of that version.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use notion_fake::{ApiVersion, FakeNotion, GenConfig, Options, Stream, WorkspaceSpec};
use serde_json::{Value, json};

async fn start() -> FakeNotion {
    // `small`: three databases, the third with two data sources, and a child database.
    FakeNotion::start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Options::default(),
    )
    .await
    .unwrap()
}

/// Airbyte's body: the sort and filter of its manifest, page size 100.
fn airbyte_search(value: &str) -> Value {
    json!({
        "sort": {"direction": "descending", "timestamp": "last_edited_time"},
        "filter": {"property": "object", "value": value},
        "page_size": 100,
    })
}

/// Parses the way Airbyte's cursor does: `%Y-%m-%dT%H:%M:%S.%fZ`.
fn airbyte_time(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.fZ")
        .unwrap_or_else(|e| panic!("`{s}` is not in Airbyte's format: {e}"))
}

#[tokio::test]
async fn search_for_databases_returns_single_source_databases_with_properties() {
    let fake = start().await;
    let (results, pages) = post_all(&fake, V22, "/v1/search", &airbyte_search("database")).await;
    assert_eq!(pages[0]["type"], "page_or_database");
    assert!(pages[0]["page_or_database"].is_object());
    // Workspace-level databases with one data source (the two-source one is left out, as
    // Notion does on this version; child databases are not in search).
    let truth: Vec<Value> = fake
        .ground_truth(Stream::Databases, ApiVersion::V2025_09_03)
        .map(|r| r.object)
        .filter(|d| d["parent"]["type"] == "workspace")
        .collect();
    let single: BTreeSet<String> = truth
        .iter()
        .filter(|d| d["data_sources"].as_array().unwrap().len() == 1)
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    let found: BTreeSet<String> = results
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(found, single);
    assert!(
        single.len() < truth.len(),
        "one database has two data sources"
    );
    let mut last = None;
    for d in &results {
        assert_eq!(d["object"], "database");
        assert!(d.get("data_sources").is_none());
        assert_eq!(d["archived"], false);
        assert_eq!(d["in_trash"], false);
        let props = d["properties"].as_object().unwrap();
        assert_eq!(props["Name"]["type"], "title");
        assert!(props.len() > 10, "the first data source's schema");
        let edited = airbyte_time(d["last_edited_time"].as_str().unwrap());
        airbyte_time(d["created_time"].as_str().unwrap());
        if let Some(prev) = last {
            assert!(prev >= edited, "sorted by last_edited_time descending");
        }
        last = Some(edited);
    }
    // The 2025-09-03 filter value does not exist on this version, and the other way round.
    let r = post_v(&fake, V22, "/v1/search", &airbyte_search("data_source")).await;
    assert_error(&r, 400, "validation_error");
    let r = post_v(&fake, V25, "/v1/search", &airbyte_search("database")).await;
    assert_error(&r, 400, "validation_error");
}

#[tokio::test]
async fn search_for_pages_gives_rows_database_parents() {
    let fake = start().await;
    let (results, pages) = post_all(&fake, V22, "/v1/search", &airbyte_search("page")).await;
    assert_eq!(pages.last().unwrap()["has_more"], false);
    let mut rows = 0;
    let mut last = None;
    for p in &results {
        assert_eq!(p["object"], "page");
        assert_eq!(p["archived"], p["in_trash"]);
        let parent = &p["parent"];
        assert_ne!(parent["type"], "data_source_id");
        if parent["type"] == "database_id" {
            assert!(parent.get("data_source_id").is_none());
            rows += 1;
        }
        let edited = airbyte_time(p["last_edited_time"].as_str().unwrap());
        if let Some(prev) = last {
            assert!(prev >= edited);
        }
        last = Some(edited);
    }
    assert!(rows > 0);
    // The same pages as 2025-09-03 search, with the same ids.
    let (current, _) = post_all(
        &fake,
        V25,
        "/v1/search",
        &json!({"filter": {"property": "object", "value": "page"}}),
    )
    .await;
    let ids = |v: &[Value]| -> BTreeSet<String> {
        v.iter()
            .map(|x| x["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&results), ids(&current));
}

#[tokio::test]
async fn databases_retrieve_and_query_on_the_legacy_version() {
    let fake = start().await;
    let dbs: Vec<Value> = fake
        .ground_truth(Stream::Databases, ApiVersion::V2025_09_03)
        .map(|r| r.object)
        .collect();
    let single = dbs
        .iter()
        .find(|d| d["data_sources"].as_array().unwrap().len() == 1)
        .unwrap();
    let multi = dbs
        .iter()
        .find(|d| d["data_sources"].as_array().unwrap().len() == 2)
        .unwrap();
    let id = single["id"].as_str().unwrap();
    let d = get_v(&fake, V22, &format!("/v1/databases/{id}")).await;
    assert_eq!(d.status, 200);
    let d = d.json();
    assert_eq!(d["object"], "database");
    assert!(d["properties"]["Name"]["title"].is_object());
    assert_eq!(d["archived"], false);
    // Rows through the database, with database parents.
    let (rows, pages) =
        post_all(&fake, V22, &format!("/v1/databases/{id}/query"), &json!({})).await;
    assert_eq!(pages[0]["type"], "page_or_database");
    let ds = single["data_sources"][0]["id"].as_str().unwrap();
    let (current, _) = post_all(
        &fake,
        V25,
        &format!("/v1/data_sources/{ds}/query"),
        &json!({}),
    )
    .await;
    assert_eq!(rows.len(), current.len());
    for (old, new) in rows.iter().zip(&current) {
        assert_eq!(old["id"], new["id"]);
        assert_eq!(
            old["parent"],
            json!({"type": "database_id", "database_id": id})
        );
        assert_eq!(new["parent"]["type"], "data_source_id");
        assert_eq!(old["properties"], new["properties"]);
        assert_eq!(old["archived"], false);
    }
    // Filters and sorts work as on the data source.
    let filtered = post_v(
        &fake,
        V22,
        &format!("/v1/databases/{id}/query"),
        &json!({"filter": {"property": "Done", "checkbox": {"equals": true}}, "sorts": [{"property": "Name", "direction": "ascending"}]}),
    )
    .await
    .json();
    for r in filtered["results"].as_array().unwrap() {
        assert_eq!(r["properties"]["Done"]["checkbox"], true);
    }
    // A database with two data sources cannot be read on this version.
    let mid = multi["id"].as_str().unwrap();
    assert_error(
        &get_v(&fake, V22, &format!("/v1/databases/{mid}")).await,
        400,
        "validation_error",
    );
    assert_error(
        &post_v(
            &fake,
            V22,
            &format!("/v1/databases/{mid}/query"),
            &json!({}),
        )
        .await,
        400,
        "validation_error",
    );
    // The query endpoint moved to data sources in 2025-09-03.
    assert_error(
        &post_v(&fake, V25, &format!("/v1/databases/{id}/query"), &json!({})).await,
        400,
        "invalid_request_url",
    );
}

#[tokio::test]
async fn users_blocks_and_comments_on_the_legacy_version() {
    let fake = start().await;
    let (users, _) = get_all(&fake, V22, "/v1/users?page_size=100").await;
    let truth: Vec<Value> = fake
        .ground_truth(Stream::Users, ApiVersion::V2025_09_03)
        .map(|r| r.object)
        .collect();
    assert_eq!(users, truth);
    // Block children (Airbyte descends into every block with children) and comments.
    let page = fake
        .ground_truth(Stream::Pages, ApiVersion::V2025_09_03)
        .find(|p| p.object["parent"]["type"] == "workspace")
        .unwrap();
    let mut stack = vec![page.id.to_string()];
    let mut blocks = 0;
    while let Some(id) = stack.pop() {
        let (children, _) = get_all(
            &fake,
            V22,
            &format!("/v1/blocks/{id}/children?page_size=100"),
        )
        .await;
        for b in children {
            blocks += 1;
            assert_eq!(b["object"], "block");
            assert_eq!(b["archived"], false);
            assert_eq!(b["in_trash"], false);
            airbyte_time(b["last_edited_time"].as_str().unwrap());
            if b["has_children"] == true {
                stack.push(b["id"].as_str().unwrap().to_owned());
            }
        }
    }
    assert!(blocks > 10);
    let (comments, _) = get_all(
        &fake,
        V22,
        &format!("/v1/comments?block_id={}&page_size=100", page.id),
    )
    .await;
    for c in comments {
        assert_eq!(c["object"], "comment");
        airbyte_time(c["last_edited_time"].as_str().unwrap());
    }
    // Data sources do not exist on this version.
    let ds = fake
        .ground_truth(Stream::DataSources, ApiVersion::V2025_09_03)
        .next()
        .unwrap()
        .id;
    assert_error(
        &get_v(&fake, V22, &format!("/v1/data_sources/{ds}")).await,
        400,
        "validation_error",
    );
}
