//! Data-source queries over real property values (filters, sorts), the 10,000-row cap and
//! continuing with a window, and the paginated property-item endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::schema::validate;
use common::*;
use notion_fake::{
    ApiVersion, FakeNotion, Features, GenConfig, Mix, Options, Stream, WorkspaceSpec,
};
use serde_json::{Value, json};

async fn start(cfg: GenConfig) -> FakeNotion {
    FakeNotion::start(
        WorkspaceSpec::Generated(cfg),
        Options {
            rate_limit: None,
            ..Options::default()
        },
    )
    .await
    .unwrap()
}

fn first_data_source(fake: &FakeNotion) -> String {
    fake.ground_truth(Stream::DataSources, ApiVersion::V2026_03_11)
        .next()
        .unwrap()
        .id
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_query_cap_stops_at_10000_and_a_window_continues() {
    let fake = start(GenConfig {
        mix: Mix::Simple,
        features: Features {
            big_data_source: true,
            ..Features::default()
        },
        ..GenConfig::small()
    })
    .await;
    let ds = first_data_source(&fake);
    let path = format!("/v1/data_sources/{ds}/query");
    let sorts = json!([{"timestamp": "created_time", "direction": "ascending"}]);
    let (first, pages) = post_all(
        &fake,
        V26,
        &path,
        &json!({"sorts": sorts, "page_size": 100}),
    )
    .await;
    assert_eq!(first.len(), 10_000);
    assert_eq!(pages.len(), 100);
    for p in &pages[..99] {
        assert!(p.get("request_status").is_none());
        assert_eq!(p["has_more"], true);
    }
    let last = pages.last().unwrap();
    assert_eq!(last["has_more"], false);
    assert_eq!(last["next_cursor"], Value::Null);
    assert_eq!(
        last["request_status"],
        json!({"type": "incomplete", "incomplete_reason": "query_result_limit_reached"})
    );
    validate("QueryDataSourceResponse", last, V26, "capped page").unwrap();
    // Continue after the last row seen: the window is under the cap, complete.
    let after = first.last().unwrap()["created_time"].clone();
    let (rest, pages) = post_all(
        &fake,
        V26,
        &path,
        &json!({"sorts": sorts, "page_size": 100,
                "filter": {"timestamp": "created_time", "created_time": {"after": after}}}),
    )
    .await;
    assert_eq!(rest.len(), 2_500);
    assert!(pages.iter().all(|p| p.get("request_status").is_none()));
    let all: BTreeSet<String> = first
        .iter()
        .chain(&rest)
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all.len(), 12_500, "no row twice, none missing");
    // A small page size pages through the cap the same way.
    let r = post_v(&fake, V26, &path, &json!({"page_size": 100, "filter": {"timestamp": "created_time", "created_time": {"on_or_before": after}}})).await.json();
    assert_eq!(r["has_more"], true);
}

/// Evaluates a predicate on every row (read without a filter), for comparison.
async fn rows(fake: &FakeNotion, ds: &str) -> Vec<Value> {
    post_all(
        fake,
        V26,
        &format!("/v1/data_sources/{ds}/query"),
        &json!({}),
    )
    .await
    .0
}

async fn query_ids(fake: &FakeNotion, ds: &str, body: Value) -> Vec<String> {
    post_all(fake, V26, &format!("/v1/data_sources/{ds}/query"), &body)
        .await
        .0
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn where_(rows: &[Value], f: impl Fn(&Value) -> bool) -> Vec<String> {
    rows.iter()
        .filter(|r| f(&r["properties"]))
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn property_filters_and_sorts_read_the_values_rows_show() {
    let fake = start(GenConfig {
        rows_per_data_source: 40,
        ..GenConfig::small()
    })
    .await;
    let ds = first_data_source(&fake);
    let all = rows(&fake, &ds).await;
    assert_eq!(all.len(), 40);
    let num = |p: &Value, k: &str| p[k]["number"].as_f64();
    let cases: Vec<(Value, Vec<String>)> = vec![
        (
            json!({"property": "Done", "checkbox": {"equals": true}}),
            where_(&all, |p| p["Done"]["checkbox"] == true),
        ),
        (
            json!({"property": "Estimate", "number": {"greater_than": 10}}),
            where_(&all, |p| num(p, "Estimate").is_some_and(|n| n > 10.0)),
        ),
        (
            json!({"property": "Estimate", "number": {"is_empty": true}}),
            where_(&all, |p| p["Estimate"]["number"].is_null()),
        ),
        (
            json!({"property": "Priority", "select": {"equals": "High"}}),
            where_(&all, |p| p["Priority"]["select"]["name"] == "High"),
        ),
        (
            json!({"property": "Status", "status": {"does_not_equal": "Done"}}),
            where_(&all, |p| p["Status"]["status"]["name"] != "Done"),
        ),
        (
            json!({"property": "Tags", "multi_select": {"contains": "Design"}}),
            where_(&all, |p| {
                p["Tags"]["multi_select"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|o| o["name"] == "Design")
            }),
        ),
        (
            json!({"property": "Name", "title": {"contains": "1"}}),
            where_(&all, |p| {
                p["Name"]["title"][0]["plain_text"]
                    .as_str()
                    .unwrap()
                    .contains('1')
            }),
        ),
        (
            json!({"property": "Double estimate", "formula": {"number": {"less_than_or_equal_to": 10}}}),
            where_(&all, |p| {
                p["Double estimate"]["formula"]["number"]
                    .as_f64()
                    .is_some_and(|n| n <= 10.0)
            }),
        ),
        (
            json!({"property": "Task ID", "unique_id": {"greater_than": 30}}),
            where_(&all, |p| {
                p["Task ID"]["unique_id"]["number"].as_u64().unwrap() > 30
            }),
        ),
        (
            json!({"property": "Attachments", "files": {"is_not_empty": true}}),
            where_(&all, |p| {
                !p["Attachments"]["files"].as_array().unwrap().is_empty()
            }),
        ),
        (
            json!({"property": "Due", "date": {"on_or_after": "2026-07-01"}}),
            where_(&all, |p| {
                p["Due"]["date"]["start"]
                    .as_str()
                    .is_some_and(|s| &s[..10] >= "2026-07-01")
            }),
        ),
        (
            json!({"or": [
                {"property": "Done", "checkbox": {"equals": true}},
                {"and": [
                    {"property": "Estimate", "number": {"less_than": 5}},
                    {"property": "Priority", "select": {"is_not_empty": true}}
                ]}
            ]}),
            where_(&all, |p| {
                p["Done"]["checkbox"] == true
                    || (num(p, "Estimate").is_some_and(|n| n < 5.0)
                        && !p["Priority"]["select"].is_null())
            }),
        ),
    ];
    for (filter, expected) in cases {
        assert!(
            !expected.is_empty() || filter.get("property").is_some(),
            "{filter}"
        );
        let got = query_ids(&fake, &ds, json!({"filter": filter.clone()})).await;
        assert_eq!(got, expected, "filter {filter}");
    }
    // People and relation filters by id.
    let owner = all
        .iter()
        .find_map(|r| r["properties"]["Owner"]["people"][0]["id"].as_str())
        .unwrap()
        .to_owned();
    let got = query_ids(
        &fake,
        &ds,
        json!({"filter": {"property": "Owner", "people": {"contains": owner}}}),
    )
    .await;
    assert_eq!(
        got,
        where_(&all, |p| {
            p["Owner"]["people"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["id"] == owner.as_str())
        })
    );
    assert!(!got.is_empty());
    // Sorts: by a number descending (empty last), then by title.
    let sorted = post_all(
        &fake,
        V26,
        &format!("/v1/data_sources/{ds}/query"),
        &json!({"sorts": [{"property": "Estimate", "direction": "descending"},
                          {"property": "Name", "direction": "ascending"}]}),
    )
    .await
    .0;
    let keys: Vec<(Option<f64>, String)> = sorted
        .iter()
        .map(|r| {
            (
                r["properties"]["Estimate"]["number"].as_f64(),
                r["properties"]["Name"]["title"][0]["plain_text"]
                    .as_str()
                    .unwrap()
                    .to_lowercase(),
            )
        })
        .collect();
    for w in keys.windows(2) {
        let ((a, an), (b, bn)) = (&w[0], &w[1]);
        match (a, b) {
            (Some(a), Some(b)) => assert!(a > b || (a == b && an <= bn), "{w:?}"),
            (None, Some(_)) => panic!("empty values sort last: {w:?}"),
            _ => {}
        }
    }
    // Unknown properties and mismatched types are validation errors.
    let bad = |f: Value| {
        let fake = &fake;
        let ds = ds.clone();
        async move {
            post(
                fake,
                &format!("/v1/data_sources/{ds}/query"),
                &json!({"filter": f}),
            )
            .await
        }
    };
    assert_error(
        &bad(json!({"property": "Nope", "checkbox": {"equals": true}})).await,
        400,
        "validation_error",
    );
    assert_error(
        &bad(json!({"property": "Done", "number": {"equals": 1}})).await,
        400,
        "validation_error",
    );
    // Edits are seen by filters at once.
    let row = notion_fake::Id::parse(all[0]["id"].as_str().unwrap()).unwrap();
    fake.edit_page_properties(row, json!({"Estimate": {"number": 999}}))
        .unwrap();
    let got = query_ids(
        &fake,
        &ds,
        json!({"filter": {"property": "Estimate", "number": {"equals": 999}}}),
    )
    .await;
    assert_eq!(got, vec![row.to_string()]);
}

#[tokio::test]
async fn property_items_paginate_long_values() {
    let fake = start(GenConfig::e2e_without_big_rows()).await;
    // Ground truth holds the complete values; the page object shows 25 of each.
    let row = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .find(|p| {
            let props = &p.object["properties"];
            props["Related"]["relation"].as_array().map(Vec::len) == Some(80)
                && props["Owner"]["people"].as_array().map(Vec::len) == Some(30)
        })
        .expect("row 0 has the big relation and many people");
    assert_eq!(row.object["properties"]["Related"]["has_more"], false);
    assert_eq!(row.object["properties"]["Owner"]["has_more"], false);
    let page = &get(&fake, &format!("/v1/pages/{}", row.id)).await.json();
    assert_eq!(page["properties"]["Related"]["has_more"], true);
    assert_eq!(page["properties"]["Owner"]["has_more"], true);
    let related = &page["properties"]["Related"];
    assert_eq!(related["relation"].as_array().unwrap().len(), 25);
    assert_eq!(
        page["properties"]["Owner"]["people"]
            .as_array()
            .unwrap()
            .len(),
        25
    );
    for v in [V25, V26] {
        let pid = related["id"].as_str().unwrap();
        let path = format!("/v1/pages/{}/properties/{pid}?page_size=25", row.id);
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        let mut n = 0;
        loop {
            let p = match &cursor {
                Some(c) => format!("{path}&start_cursor={c}"),
                None => path.clone(),
            };
            let r = get_v(&fake, v, &p).await;
            assert_eq!(r.status, 200);
            let j = r.json();
            validate("GetPagePropertyResponse", &j, v, "relation items").unwrap();
            assert_eq!(j["type"], "property_item");
            assert_eq!(j["property_item"]["type"], "relation");
            assert_eq!(j["property_item"]["id"], pid);
            for item in j["results"].as_array().unwrap() {
                assert_eq!(item["object"], "property_item");
                assert_eq!(item["type"], "relation");
                all.push(item["relation"]["id"].as_str().unwrap().to_owned());
            }
            n += 1;
            match j["next_cursor"].as_str() {
                Some(c) => {
                    let next_url = j["property_item"]["next_url"].as_str().unwrap();
                    assert!(next_url.starts_with(&fake.base_url()));
                    assert!(next_url.ends_with(&format!("start_cursor={c}")));
                    cursor = Some(c.to_owned());
                }
                None => {
                    assert_eq!(j["property_item"]["next_url"], Value::Null);
                    break;
                }
            }
        }
        assert_eq!(n, 4, "80 entries in pages of 25");
        assert_eq!(all.len(), 80);
        let first: Vec<String> = related["relation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(&all[..25], &first[..], "the page object shows the first 25");
        assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), 80);
        // People: 30 entries.
        let owner = page["properties"]["Owner"]["id"].as_str().unwrap();
        let (items, pages) = get_all(
            &fake,
            v,
            &format!("/v1/pages/{}/properties/{owner}?page_size=20", row.id),
        )
        .await;
        assert_eq!((items.len(), pages), (30, 2));
    }
    // Every other property of the row validates as an item (or a list of items).
    for (name, prop) in page["properties"].as_object().unwrap() {
        let pid = prop["id"].as_str().unwrap();
        for v in [V25, V26] {
            let r = get_v(&fake, v, &format!("/v1/pages/{}/properties/{pid}", row.id)).await;
            assert_eq!(
                r.status,
                200,
                "{name}: {}",
                String::from_utf8_lossy(&r.body)
            );
            let j = r.json();
            validate("GetPagePropertyResponse", &j, v, name).unwrap();
            let ty = prop["type"].as_str().unwrap();
            if matches!(ty, "title" | "rich_text" | "people" | "relation" | "rollup") {
                assert_eq!(j["object"], "list", "{name}");
                assert_eq!(j["property_item"]["type"], ty);
            } else {
                assert_eq!(j["object"], "property_item", "{name}");
                assert_eq!(j["type"], ty);
                // The complete value: a formula over the cut relation reads all 80 entries.
                let complete = &row.object["properties"][name];
                assert_eq!(j[ty], complete[ty], "{name}: the item holds the value");
                if name == "Related items" {
                    assert_eq!(
                        (j[ty]["number"].as_u64(), prop[ty]["number"].as_u64()),
                        (Some(80), Some(25))
                    );
                }
            }
        }
    }
    // By name, and unknown properties.
    let by_name = get(&fake, &format!("/v1/pages/{}/properties/Estimate", row.id)).await;
    assert_eq!(by_name.json()["type"], "number");
    assert_error(
        &get(&fake, &format!("/v1/pages/{}/properties/nope", row.id)).await,
        400,
        "validation_error",
    );
}

#[tokio::test]
async fn filter_properties_trims_page_objects() {
    let fake = start(GenConfig::small()).await;
    let ds = first_data_source(&fake);
    let q = post(
        &fake,
        &format!("/v1/data_sources/{ds}/query?filter_properties=title&filter_properties=d0n%253F"),
        &json!({"page_size": 3}),
    )
    .await
    .json();
    for r in q["results"].as_array().unwrap() {
        let names: BTreeSet<&str> = r["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(names, BTreeSet::from(["Done", "Name"]));
    }
    let row = q["results"][0]["id"].as_str().unwrap();
    let p = get(
        &fake,
        &format!("/v1/pages/{row}?filter_properties[]=Estimate"),
    )
    .await
    .json();
    assert_eq!(p["properties"].as_object().unwrap().len(), 1);
    assert_eq!(p["properties"]["Estimate"]["type"], "number");
    let all = get(&fake, &format!("/v1/pages/{row}")).await.json();
    assert!(all["properties"].as_object().unwrap().len() > 20);
}
