//! Notion behaviours the fake models, over HTTP on loopback: trash semantics, the `Date` header,
//! comments bumping `last_edited_time`, and synced blocks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::*;
use http::Method;
use notion_fake::{
    ApiVersion, Endpoint, FakeNotion, Fault, Features, GenConfig, Id, Options, ReadOptions, Stream,
    WorkspaceSpec,
};
use serde_json::{Value, json};

async fn start(cfg: GenConfig) -> FakeNotion {
    FakeNotion::start(WorkspaceSpec::Generated(cfg), Options::default())
        .await
        .unwrap()
}

fn ids(v: &[Value]) -> BTreeSet<String> {
    v.iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect()
}

fn minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:00.000Z").to_string()
}

/// A standalone page, a child page and a row of the `small` workspace.
fn three_pages(fake: &FakeNotion) -> (Id, Id, Id, Id) {
    let pages: Vec<_> = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .collect();
    let standalone = pages
        .iter()
        .find(|p| p.object["parent"]["type"] == "workspace")
        .unwrap()
        .id;
    let child = pages
        .iter()
        .find(|p| p.object["parent"]["type"] == "page_id")
        .unwrap()
        .id;
    let row = pages
        .iter()
        .find(|p| p.object["parent"]["type"] == "data_source_id")
        .unwrap();
    let ds = Id::parse(row.object["parent"]["data_source_id"].as_str().unwrap()).unwrap();
    (standalone, child, row.id, ds)
}

#[tokio::test]
async fn trash_hides_pages_from_search_and_queries_and_trash_search_finds_them() {
    let fake = start(GenConfig::small()).await;
    let (standalone, child, row, ds) = three_pages(&fake);
    let min_before = fake.min_requests(ReadOptions::default());
    fake.advance(Duration::from_secs(120));
    let at = minute(fake.now());
    for p in [standalone, child, row] {
        fake.trash_page(p).unwrap();
    }
    let trashed: BTreeSet<String> = [standalone, child, row].iter().map(Id::to_string).collect();
    // Search without an in_trash filter leaves them out.
    let all = ids(&post_all(&fake, V26, "/v1/search", &json!({})).await.0);
    assert!(all.is_disjoint(&trashed));
    // Trash search returns exactly the trashed pages: standalone, child and row.
    let (found, _) = post_all(
        &fake,
        V26,
        "/v1/search",
        &json!({"filter": {"in_trash": true}}),
    )
    .await;
    assert_eq!(ids(&found), trashed);
    for p in &found {
        assert_eq!(p["in_trash"], true);
        assert_eq!(p["last_edited_time"], at, "trashing bumps last_edited_time");
    }
    let pages_only = post_all(
        &fake,
        V26,
        "/v1/search",
        &json!({"filter": {"property": "object", "value": "page", "in_trash": true},
                "sort": {"timestamp": "last_edited_time", "direction": "ascending"}}),
    )
    .await
    .0;
    assert_eq!(ids(&pages_only), trashed);
    let sources = post_all(
        &fake,
        V26,
        "/v1/search",
        &json!({"filter": {"property": "object", "value": "data_source", "in_trash": true}}),
    )
    .await
    .0;
    assert!(sources.is_empty());
    // Queries leave trashed rows out unless asked for them, and then return only those.
    let q = format!("/v1/data_sources/{ds}/query");
    let live = ids(&post_all(&fake, V26, &q, &json!({})).await.0);
    assert!(!live.contains(&row.to_string()));
    let in_trash = ids(&post_all(&fake, V26, &q, &json!({"in_trash": true})).await.0);
    assert_eq!(in_trash, BTreeSet::from([row.to_string()]));
    // Retrieving a trashed page works, marked in_trash (and archived before 2026-03-11).
    let p = get_v(&fake, V26, &format!("/v1/pages/{standalone}"))
        .await
        .json();
    assert_eq!(p["in_trash"], true);
    assert!(p.get("archived").is_none());
    let p = get_v(&fake, V25, &format!("/v1/pages/{standalone}"))
        .await
        .json();
    assert_eq!(
        (p["in_trash"].clone(), p["archived"].clone()),
        (json!(true), json!(true))
    );
    // Ground truth and the minimum drop them.
    let truth: BTreeSet<String> = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .map(|r| r.id.to_string())
        .collect();
    assert!(truth.is_disjoint(&trashed));
    let min = fake.min_requests(ReadOptions::default());
    assert!(min.block_children < min_before.block_children);
    assert_eq!(
        min.pages + 1,
        min_before.pages,
        "the child page needs no retrieve"
    );
    // Restoring brings them back.
    for p in [standalone, child, row] {
        fake.restore_page(p).unwrap();
    }
    assert!(
        ids(&post_all(
            &fake,
            V26,
            "/v1/search",
            &json!({"filter": {"in_trash": true}})
        )
        .await
        .0)
        .is_empty()
    );
    assert!(ids(&post_all(&fake, V26, &q, &json!({})).await.0).contains(&row.to_string()));
    assert_eq!(fake.min_requests(ReadOptions::default()), min_before);
}

#[tokio::test]
async fn trash_search_respects_the_search_lag() {
    let fake = FakeNotion::start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Options {
            search_lag: Duration::from_secs(60),
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let (standalone, ..) = three_pages(&fake);
    fake.trash_page(standalone).unwrap();
    let trash = json!({"filter": {"in_trash": true}});
    assert!(
        post_all(&fake, V26, "/v1/search", &trash)
            .await
            .0
            .is_empty()
    );
    assert!(
        ids(&post_all(&fake, V26, "/v1/search", &json!({})).await.0)
            .contains(&standalone.to_string())
    );
    fake.advance(Duration::from_secs(61));
    assert_eq!(post_all(&fake, V26, "/v1/search", &trash).await.0.len(), 1);
}

#[tokio::test]
async fn every_response_carries_a_date_header_from_the_fake_clock() {
    let fake = start(GenConfig::small()).await;
    let expect = |t: DateTime<Utc>| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let parse = |r: &Resp| {
        DateTime::parse_from_rfc2822(r.header("date").expect("a Date header"))
            .unwrap()
            .with_timezone(&Utc)
    };
    let before = fake.now();
    let ok = get(&fake, "/v1/users/me").await;
    let d = parse(&ok);
    assert!(d >= before - chrono::Duration::seconds(1) && d <= fake.now());
    assert!(ok.header("date").unwrap().ends_with(" GMT"));
    // Errors, faults and proxy pages too.
    let not_found = get(&fake, "/v1/pages/0123456789abcdef0123456789abcdef").await;
    assert!(not_found.header("date").is_some());
    fake.script_fault(Some(Endpoint::Me), 1, Fault::ServiceUnavailable);
    assert!(get(&fake, "/v1/users/me").await.header("date").is_some());
    fake.script_fault(Some(Endpoint::Me), 1, Fault::BadGatewayHtml);
    let html = get(&fake, "/v1/users/me").await;
    assert_eq!(html.status, 502);
    assert!(html.header("date").is_some());
    let missing = raw(&fake, Method::GET, "/v1/users/me", &[], None)
        .await
        .unwrap();
    assert!(missing.header("date").is_some());
    // The clock drives it.
    fake.advance(Duration::from_secs(3 * 3600));
    let later = get(&fake, "/v1/users/me").await;
    let d2 = parse(&later);
    assert!(d2 - d >= chrono::Duration::hours(3));
    assert_eq!(later.header("date").unwrap(), expect(d2));
}

#[tokio::test]
async fn comments_bump_the_block_and_its_page() {
    let fake = start(GenConfig::small()).await;
    let page = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .find(|p| p.object["parent"]["type"] == "workspace")
        .unwrap()
        .id;
    let block = fake
        .ground_truth(Stream::Blocks, ApiVersion::V2026_03_11)
        .find(|b| b.page_id == Some(page) && b.depth == Some(2))
        .unwrap();
    let block_id = block.id;
    let before = get(&fake, &format!("/v1/blocks/{block_id}")).await.json();
    fake.advance(Duration::from_secs(600));
    let at = minute(fake.now());
    fake.add_comment(block_id, "A comment on an inner block")
        .unwrap();
    let b = get(&fake, &format!("/v1/blocks/{block_id}")).await.json();
    assert_eq!(b["last_edited_time"], at);
    assert_ne!(b["last_edited_time"], before["last_edited_time"]);
    let p = get(&fake, &format!("/v1/pages/{page}")).await.json();
    assert_eq!(p["last_edited_time"], at);
    // The block's parent is not bumped.
    let parent = b["parent"]["block_id"].as_str().unwrap();
    let pb = get(&fake, &format!("/v1/blocks/{parent}")).await.json();
    assert_ne!(pb["last_edited_time"], at);
    // The page lists first in a descending search, and its children show the bumped block.
    let s = post(
        &fake,
        "/v1/search",
        &json!({"sort": {"timestamp": "last_edited_time", "direction": "descending"}, "page_size": 1}),
    )
    .await
    .json();
    assert_eq!(s["results"][0]["id"], page.to_string());
    let kids = get_all(&fake, V26, &format!("/v1/blocks/{parent}/children"))
        .await
        .0;
    let k = kids
        .iter()
        .find(|k| k["id"] == block_id.to_string())
        .unwrap();
    assert_eq!(k["last_edited_time"], at);
    // A page-level comment bumps the page.
    fake.advance(Duration::from_secs(600));
    let at2 = minute(fake.now());
    let c = fake.add_comment(page, "On the page").unwrap();
    assert_eq!(
        get(&fake, &format!("/v1/pages/{page}")).await.json()["last_edited_time"],
        at2
    );
    let listed = get_all(&fake, V26, &format!("/v1/comments?block_id={page}"))
        .await
        .0;
    let served = listed.iter().find(|x| x["id"] == c.to_string()).unwrap();
    assert_eq!(served["created_time"], at2);
    assert_eq!(
        served["parent"],
        json!({"type": "page_id", "page_id": page.to_string()})
    );
}

#[tokio::test]
async fn synced_duplicates_list_the_originals_children_and_are_read_once() {
    let fake = start(GenConfig {
        features: Features {
            layout_blocks: true,
            ..Features::default()
        },
        ..GenConfig::small()
    })
    .await;
    let blocks: Vec<_> = fake
        .ground_truth(Stream::Blocks, ApiVersion::V2026_03_11)
        .collect();
    let duplicates: Vec<_> = blocks
        .iter()
        .filter(|b| {
            b.object["type"] == "synced_block" && !b.object["synced_block"]["synced_from"].is_null()
        })
        .collect();
    assert!(duplicates.len() > 1);
    let mut cross_page = 0;
    for d in &duplicates {
        assert_eq!(d.object["has_children"], true);
        let original = d.object["synced_block"]["synced_from"]["block_id"]
            .as_str()
            .unwrap();
        let original_record = blocks
            .iter()
            .find(|b| b.id.to_string() == original)
            .unwrap();
        assert!(original_record.object["synced_block"]["synced_from"].is_null());
        if original_record.page_id != d.page_id {
            cross_page += 1;
        }
        let through_dup = get_all(&fake, V26, &format!("/v1/blocks/{}/children", d.id))
            .await
            .0;
        let through_original = get_all(&fake, V26, &format!("/v1/blocks/{original}/children"))
            .await
            .0;
        assert!(!through_dup.is_empty());
        assert_eq!(through_dup, through_original, "the same blocks, same ids");
        // Each of those blocks is in the ground truth once, under the original's page.
        for c in &through_dup {
            let recs: Vec<_> = blocks
                .iter()
                .filter(|b| b.id.to_string() == c["id"].as_str().unwrap())
                .collect();
            assert_eq!(recs.len(), 1);
            assert_eq!(recs[0].page_id, original_record.page_id);
        }
    }
    assert!(
        cross_page > 0,
        "duplicates in other pages than their original"
    );
    // Originals live in shared pages, found by search.
    let searchable: BTreeSet<String> = ids(&post_all(&fake, V26, "/v1/search", &json!({})).await.0);
    for d in &duplicates {
        let original = d.object["synced_block"]["synced_from"]["block_id"]
            .as_str()
            .unwrap();
        let page = blocks
            .iter()
            .find(|b| b.id.to_string() == original)
            .unwrap()
            .page_id
            .unwrap();
        assert!(searchable.contains(&page.to_string()));
    }
    // Blocks added under an original show through every duplicate.
    let d = duplicates[0];
    let original = Id::parse(
        d.object["synced_block"]["synced_from"]["block_id"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let added = fake.add_block(original, "Added to the original").unwrap();
    let through_dup = get_all(&fake, V26, &format!("/v1/blocks/{}/children", d.id))
        .await
        .0;
    assert_eq!(through_dup.last().unwrap()["id"], added.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trashing_a_page_takes_its_child_pages_and_databases_along() {
    use common::walk::{WalkOptions, walk};
    let fake = FakeNotion::start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Options {
            rate_limit: None,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let v = ApiVersion::V2026_03_11;
    let child_db = fake
        .ground_truth(Stream::Databases, v)
        .find(|d| d.object["parent"]["type"] == "page_id")
        .unwrap();
    let host = Id::parse(child_db.object["parent"]["page_id"].as_str().unwrap()).unwrap();
    let children: Vec<Id> = fake
        .ground_truth(Stream::Pages, v)
        .filter(|p| p.object["parent"]["page_id"] == host.to_string())
        .map(|p| p.id)
        .collect();
    let sources: Vec<String> = child_db.object["data_sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    let rows_before = fake.ground_truth(Stream::Pages, v).count();
    fake.trash_page(host).unwrap();
    let pages: BTreeSet<String> = fake
        .ground_truth(Stream::Pages, v)
        .map(|r| r.id.to_string())
        .collect();
    assert!(!pages.contains(&host.to_string()));
    for c in &children {
        assert!(
            !pages.contains(&c.to_string()),
            "child page {c} left with its parent"
        );
    }
    assert!(
        pages.len() < rows_before - 1 - children.len(),
        "the child database's rows too"
    );
    let dbs: BTreeSet<String> = fake
        .ground_truth(Stream::Databases, v)
        .map(|r| r.id.to_string())
        .collect();
    assert!(!dbs.contains(&child_db.id.to_string()));
    let ds: BTreeSet<String> = fake
        .ground_truth(Stream::DataSources, v)
        .map(|r| r.id.to_string())
        .collect();
    assert!(sources.iter().all(|s| !ds.contains(s)));
    // A complete read still costs exactly the minimum and finds exactly that.
    fake.reset_counters();
    let w = walk(
        &fake,
        WalkOptions {
            version: V26,
            read: ReadOptions::default(),
            validate: false,
            keep: false,
            concurrency: 4,
        },
    )
    .await;
    assert_eq!(w.total(), fake.min_requests(ReadOptions::default()).total());
    assert_eq!(w.pages, pages);
    assert_eq!(w.databases, dbs);
}
