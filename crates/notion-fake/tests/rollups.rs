//! Rollups and formulas over relations longer than 25 entries: page objects compute over the
//! first 25, the property-item endpoint over all of them (paginated, `incomplete` before the
//! last page), and ground truth holds the complete values.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, NaiveDate, Utc};
use common::walk::{WalkOptions, walk};
use common::{V26, get, get_all};
use notion_fake::workspace::config::ROLLUP_RELATIONS;
use notion_fake::{
    ApiVersion, FakeNotion, GenConfig, Options, ReadOptions, Stream, TruthRecord, WorkspaceSpec,
};
use serde_json::{Value, json};

async fn start() -> FakeNotion {
    FakeNotion::start(
        WorkspaceSpec::Generated(GenConfig::rollups()),
        Options {
            rate_limit: None,
            ..Options::default()
        },
    )
    .await
    .unwrap()
}

fn relation(page: &Value) -> Vec<String> {
    page["properties"]["Related"]["relation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The rows whose relation is longer than 25, by relation length (from ground truth).
fn long_rows(fake: &FakeNotion) -> Vec<(usize, TruthRecord)> {
    let mut rows: Vec<(usize, TruthRecord)> = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .filter(|t| t.object["properties"]["Related"].is_object())
        .map(|t| (relation(&t.object).len(), t))
        .filter(|(n, _)| *n > 25)
        .collect();
    rows.sort_by_key(|(n, _)| *n);
    rows
}

/// Start (or end) of a date value as an instant: dates are midnight UTC.
fn instant(s: &str) -> DateTime<Utc> {
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => d.and_hms_opt(0, 0, 0).unwrap().and_utc(),
        Err(_) => DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc),
    }
}

/// What the rollups and formulas over `Related` must say about these related pages.
struct Expected {
    count: usize,
    sum: f64,
    estimates: Vec<Value>,
    latest_due: Value,
    done: f64,
}

async fn expected(fake: &FakeNotion, targets: &[String]) -> Expected {
    let mut sum = 0.0;
    let mut estimates = Vec::new();
    let mut latest: Option<(DateTime<Utc>, String)> = None;
    let (mut checked, mut boxes) = (0usize, 0usize);
    for t in targets {
        let r = get(fake, &format!("/v1/pages/{t}")).await;
        assert_eq!(r.status, 200, "related rows are shared here");
        let p = r.json();
        let props = &p["properties"];
        let estimate = &props["Estimate"]["number"];
        sum += estimate.as_f64().unwrap_or(0.0);
        estimates.push(json!({"type": "number", "number": estimate}));
        if let Some(d) = props["Due"]["date"].as_object() {
            let end = d["end"].as_str().unwrap_or(d["start"].as_str().unwrap());
            let at = instant(end);
            if latest.as_ref().is_none_or(|(l, _)| at > *l) {
                latest = Some((at, end.to_owned()));
            }
        }
        boxes += 1;
        checked += usize::from(props["Done"]["checkbox"] == true);
    }
    Expected {
        count: targets.len(),
        sum,
        estimates,
        latest_due: latest.map_or(Value::Null, |(_, s)| Value::String(s)),
        done: checked as f64 / boxes as f64,
    }
}

/// Checks rollup and formula values (`{type: "rollup", rollup: …}` or the aggregate itself)
/// against what they must say.
fn check(props: &Value, e: &Expected, what: &str) {
    let num = |v: &Value| v.as_f64().unwrap();
    assert_eq!(
        num(&props["Related count"]["rollup"]["number"]),
        e.count as f64,
        "{what}: count"
    );
    assert_eq!(
        num(&props["Related estimate"]["rollup"]["number"]),
        e.sum,
        "{what}: sum"
    );
    assert_eq!(
        props["Related estimates"]["rollup"]["array"],
        Value::Array(e.estimates.clone()),
        "{what}: show_original"
    );
    assert_eq!(
        props["Related estimates"]["rollup"]["function"],
        "show_original"
    );
    assert_eq!(
        props["Latest related due"]["rollup"]["date"]["start"], e.latest_due,
        "{what}: latest_date"
    );
    assert!(
        (num(&props["Related done"]["rollup"]["number"]) - e.done).abs() < 1e-9,
        "{what}: percent_checked"
    );
    assert_eq!(
        num(&props["Related items"]["formula"]["number"]),
        e.count as f64,
        "{what}: formula count"
    );
    assert_eq!(
        num(&props["Related total"]["formula"]["number"]),
        e.sum,
        "{what}: formula sum"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_objects_compute_over_the_first_25_entries() {
    let fake = start().await;
    let rows = long_rows(&fake);
    let lengths: Vec<usize> = rows.iter().map(|(n, _)| *n).collect();
    assert_eq!(lengths, ROLLUP_RELATIONS.map(|n| n as usize).to_vec());
    for (n, truth) in &rows {
        let page = get(&fake, &format!("/v1/pages/{}", truth.id)).await.json();
        let shown = relation(&page);
        assert_eq!(shown.len(), 25);
        assert_eq!(page["properties"]["Related"]["has_more"], true);
        assert_eq!(
            shown[..],
            relation(&truth.object)[..25],
            "the first 25 entries"
        );
        let e = expected(&fake, &shown).await;
        check(
            &page["properties"],
            &e,
            &format!("page object, {n} entries"),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_property_endpoint_serves_complete_values_and_ground_truth_holds_them() {
    let fake = start().await;
    for (n, truth) in long_rows(&fake) {
        let id = truth.id;
        let page = get(&fake, &format!("/v1/pages/{id}")).await.json();
        let mut complete = serde_json::Map::new();
        for (name, value) in page["properties"].as_object().unwrap() {
            let pid = value["id"].as_str().unwrap();
            match value["type"].as_str().unwrap() {
                "rollup" => {
                    // Page by page: `incomplete` until the last page, which has the aggregate.
                    let mut cursor: Option<String> = None;
                    let mut items = 0;
                    loop {
                        let path = match &cursor {
                            Some(c) => {
                                format!("/v1/pages/{id}/properties/{pid}?start_cursor={c}")
                            }
                            None => format!("/v1/pages/{id}/properties/{pid}"),
                        };
                        let j = get(&fake, &path).await.json();
                        assert_eq!(j["object"], "list");
                        assert_eq!(j["property_item"]["type"], "rollup");
                        assert_eq!(j["property_item"]["id"], pid);
                        let results = j["results"].as_array().unwrap();
                        assert!(results.iter().all(|r| r["type"] == "relation"));
                        items += results.len();
                        let rollup = &j["property_item"]["rollup"];
                        assert_eq!(rollup["function"], value["rollup"]["function"]);
                        match j["next_cursor"].as_str() {
                            Some(c) => {
                                assert_eq!(rollup["type"], "incomplete", "{name} mid-way");
                                assert_eq!(rollup["incomplete"], json!({}));
                                assert!(j["property_item"]["next_url"].is_string());
                                cursor = Some(c.to_owned());
                            }
                            None => {
                                assert_ne!(rollup["type"], "incomplete", "{name} at the end");
                                complete.insert(
                                    name.clone(),
                                    json!({"id": pid, "type": "rollup", "rollup": rollup}),
                                );
                                break;
                            }
                        }
                    }
                    assert_eq!(items, n, "{name}: one item per relation entry");
                }
                "formula" => {
                    let j = get(&fake, &format!("/v1/pages/{id}/properties/{pid}"))
                        .await
                        .json();
                    assert_eq!(j["object"], "property_item");
                    complete.insert(
                        name.clone(),
                        json!({"id": pid, "type": "formula", "formula": j["formula"]}),
                    );
                }
                _ => {}
            }
        }
        let all = relation(&truth.object);
        assert_eq!(all.len(), n);
        let (items, _) = get_all(
            &fake,
            V26,
            &format!("/v1/pages/{id}/properties/r%40l?page_size=100"),
        )
        .await;
        let listed: Vec<&str> = items
            .iter()
            .map(|i| i["relation"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(listed, all, "the relation's items are its entries in order");
        let e = expected(&fake, &all).await;
        let complete = Value::Object(complete);
        check(&complete, &e, &format!("property items, {n} entries"));
        // Ground truth holds the complete values, and the relation complete.
        let props = &truth.object["properties"];
        assert_eq!(props["Related"]["has_more"], false);
        for (name, value) in complete.as_object().unwrap() {
            assert_eq!(&props[name], value, "ground truth of {name} ({n} entries)");
        }
        // Everything else is as served.
        let mut served = page.clone();
        served.as_object_mut().unwrap().remove("request_id");
        for name in complete
            .as_object()
            .unwrap()
            .keys()
            .chain(["Related".to_owned()].iter())
        {
            served["properties"].as_object_mut().unwrap().remove(name);
        }
        let mut want = truth.object.clone();
        for name in complete
            .as_object()
            .unwrap()
            .keys()
            .chain(["Related".to_owned()].iter())
        {
            want["properties"].as_object_mut().unwrap().remove(name);
        }
        assert_eq!(served, want);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_relations_are_served_as_ground_truth_says() {
    let fake = start().await;
    let mut checked = 0;
    for truth in fake.ground_truth(Stream::Pages, ApiVersion::V2026_03_11) {
        let Some(rel) = truth.object["properties"]["Related"]["relation"].as_array() else {
            continue;
        };
        if rel.len() > 25 || checked >= 20 {
            continue;
        }
        let mut page = get(&fake, &format!("/v1/pages/{}", truth.id)).await.json();
        page.as_object_mut().unwrap().remove("request_id");
        assert_eq!(page, truth.object);
        // The count rollup's property item agrees with the page object.
        let j = get(&fake, &format!("/v1/pages/{}/properties/r%7Ccnt", truth.id))
            .await
            .json();
        assert_eq!(
            j["property_item"]["rollup"],
            truth.object["properties"]["Related count"]["rollup"]
        );
        checked += 1;
    }
    assert_eq!(checked, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completing_rollups_and_formulas_costs_their_property_item_pages() {
    let fake = start().await;
    let read = ReadOptions::default();
    let min = fake.min_requests(read);
    // Per long relation: the relation itself and its 5 rollups, ceil(n / 100) pages each, and
    // its 2 formulas, one item each.
    let want: u64 = ROLLUP_RELATIONS
        .iter()
        .map(|n| 6 * u64::from(n.div_ceil(100)) + 2)
        .sum();
    assert_eq!(min.property_items, want);
    let w = walk(
        &fake,
        WalkOptions {
            version: V26,
            read,
            validate: true,
            keep: false,
            concurrency: 4,
        },
    )
    .await;
    assert!(
        w.errors.is_empty(),
        "{:#?}",
        &w.errors[..w.errors.len().min(5)]
    );
    assert_eq!(w.requests.get("property_items"), Some(&want));
    assert_eq!(w.total(), min.total());
    assert_eq!(fake.counters().total(), min.total());
    // Without completing truncated values, none of them.
    let lean = fake.min_requests(ReadOptions {
        complete_properties: false,
        ..read
    });
    assert_eq!(lean.property_items, 0);
}
