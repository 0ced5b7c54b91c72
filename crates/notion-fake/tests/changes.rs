//! The mutations change capture needs: blocks, pages and data sources deleted for good,
//! resolved comments, pages shared late, moved pages, schema changes whose values the rows
//! follow; ground truth and a complete read reflect each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::walk::{WalkOptions, walk};
use common::*;
use notion_fake::{
    ApiVersion, FakeNotion, Features, GenConfig, Id, Options, ReadOptions, Stream, TruthRecord,
    WorkspaceSpec,
};
use serde_json::{Value, json};

async fn start(features: Features) -> FakeNotion {
    FakeNotion::start(
        WorkspaceSpec::Generated(GenConfig {
            features,
            ..GenConfig::small()
        }),
        Options {
            rate_limit: None,
            ..Options::default()
        },
    )
    .await
    .unwrap()
}

fn truth(fake: &FakeNotion, stream: Stream) -> Vec<TruthRecord> {
    fake.ground_truth(stream, ApiVersion::V2026_03_11).collect()
}

fn ids(records: &[TruthRecord]) -> BTreeSet<Id> {
    records.iter().map(|r| r.id).collect()
}

/// A complete read sees exactly the ground truth, at the minimum number of requests.
async fn read_matches_truth(fake: &FakeNotion) {
    fake.reset_counters();
    let read = ReadOptions::default();
    let w = walk(
        fake,
        WalkOptions {
            version: V26,
            read,
            validate: true,
            keep: true,
            concurrency: 4,
        },
    )
    .await;
    assert!(
        w.errors.is_empty(),
        "{:?}",
        &w.errors[..w.errors.len().min(3)]
    );
    assert_eq!(
        w.total(),
        fake.min_requests(read).total(),
        "{:?} vs {:?}",
        w.requests,
        fake.min_requests(read)
    );
    for stream in [
        Stream::Pages,
        Stream::Blocks,
        Stream::Comments,
        Stream::DataSources,
    ] {
        for r in truth(fake, stream) {
            let key = format!("{}:{}", r.object["object"].as_str().unwrap(), r.id);
            assert_eq!(w.objects.get(&key), Some(&r.object), "{stream:?} {}", r.id);
        }
    }
    let pages: BTreeSet<String> = ids(&truth(fake, Stream::Pages))
        .iter()
        .map(Id::to_string)
        .collect();
    assert_eq!(w.pages, pages);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_blocks_are_gone_and_resolved_comments_leave_the_listings() {
    let fake = start(Features::default()).await;
    let blocks = truth(&fake, Stream::Blocks);
    // A block with children: it and its subtree go.
    let parent = blocks
        .iter()
        .find(|b| b.object["has_children"] == true && b.object["type"] == "toggle")
        .or_else(|| {
            blocks
                .iter()
                .find(|b| b.object["has_children"] == true && b.object["type"] == "paragraph")
        })
        .unwrap_or_else(|| {
            blocks
                .iter()
                .find(|b| b.object["has_children"] == true && b.object["type"] != "synced_block")
                .unwrap()
        });
    let page = parent.page_id.unwrap();
    let child = blocks
        .iter()
        .find(|b| b.object["parent"]["block_id"] == parent.id.to_string())
        .unwrap();
    fake.advance(Duration::from_secs(120));
    fake.delete_block(parent.id).unwrap();
    assert_error(
        &get(&fake, &format!("/v1/blocks/{}", parent.id)).await,
        404,
        "object_not_found",
    );
    assert_error(
        &get(&fake, &format!("/v1/blocks/{}", child.id)).await,
        404,
        "object_not_found",
    );
    let (kids, _) = get_all(&fake, V26, &format!("/v1/blocks/{page}/children")).await;
    assert!(kids.iter().all(|k| k["id"] != parent.id.to_string()));
    let after = ids(&truth(&fake, Stream::Blocks));
    assert!(!after.contains(&parent.id) && !after.contains(&child.id));
    let p = get(&fake, &format!("/v1/pages/{page}")).await.json();
    assert!(
        p["last_edited_time"]
            .as_str()
            .unwrap()
            .starts_with(&fake.now().format("%Y-%m-%dT%H:%M").to_string())
    );
    assert!(fake.delete_block(parent.id).is_err());

    // Resolving a comment takes its whole discussion out of the listings.
    let comments = truth(&fake, Stream::Comments);
    let c = &comments[0];
    let discussion = c.object["discussion_id"].clone();
    let parent_id = c.object["parent"]["page_id"]
        .as_str()
        .or(c.object["parent"]["block_id"].as_str())
        .unwrap()
        .to_owned();
    let thread: Vec<Id> = comments
        .iter()
        .filter(|x| x.object["discussion_id"] == discussion)
        .map(|x| x.id)
        .collect();
    fake.resolve_comment(c.id).unwrap();
    let (listed, _) = get_all(&fake, V26, &format!("/v1/comments?block_id={parent_id}")).await;
    assert!(listed.iter().all(|l| l["discussion_id"] != discussion));
    let left = ids(&truth(&fake, Stream::Comments));
    assert!(thread.iter().all(|t| !left.contains(t)));
    assert_eq!(left.len(), comments.len() - thread.len());
    read_matches_truth(&fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_pages_shared_late_appear_with_their_old_times() {
    let fake = start(Features {
        late_shares: true,
        ..Features::default()
    })
    .await;
    let waiting = fake.unshared_pages();
    assert_eq!(waiting.len(), 3);
    let pages_before = ids(&truth(&fake, Stream::Pages));
    let (found, _) = post_all(&fake, V26, "/v1/search", &json!({})).await;
    for p in &waiting {
        assert_error(
            &get(&fake, &format!("/v1/pages/{p}")).await,
            404,
            "object_not_found",
        );
        assert_error(
            &get(&fake, &format!("/v1/blocks/{p}/children")).await,
            404,
            "object_not_found",
        );
        assert!(!pages_before.contains(p));
        assert!(found.iter().all(|r| r["id"] != p.to_string()));
    }
    let min_before = fake.min_requests(ReadOptions::default()).total();
    fake.advance(Duration::from_secs(3600));
    let p = waiting[0];
    fake.share_page(p).unwrap();
    assert_eq!(fake.unshared_pages().len(), 2);
    let page = get(&fake, &format!("/v1/pages/{p}")).await.json();
    let edited =
        chrono::DateTime::parse_from_rfc3339(page["last_edited_time"].as_str().unwrap()).unwrap();
    assert!(
        edited < fake.clock().start(),
        "its last_edited_time stays old"
    );
    let (found, _) = post_all(
        &fake,
        V26,
        "/v1/search",
        &json!({"sort": {"timestamp": "last_edited_time", "direction": "descending"}}),
    )
    .await;
    assert!(found.iter().any(|r| r["id"] == p.to_string()));
    assert!(ids(&truth(&fake, Stream::Pages)).contains(&p));
    assert!(fake.min_requests(ReadOptions::default()).total() > min_before);
    assert!(fake.share_page(p).is_err(), "already shared");
    read_matches_truth(&fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_data_sources_deleted_for_good_answer_404() {
    let fake = start(Features::default()).await;
    let pages = truth(&fake, Stream::Pages);
    let standalone = pages
        .iter()
        .find(|p| p.object["parent"]["type"] == "workspace")
        .unwrap()
        .id;
    fake.delete_page(standalone).unwrap();
    assert_error(
        &get(&fake, &format!("/v1/pages/{standalone}")).await,
        404,
        "object_not_found",
    );
    let (found, _) = post_all(&fake, V26, "/v1/search", &json!({})).await;
    assert!(found.iter().all(|r| r["id"] != standalone.to_string()));
    let (trash, _) = post_all(
        &fake,
        V26,
        "/v1/search",
        &json!({"filter": {"in_trash": true}}),
    )
    .await;
    assert!(trash.is_empty(), "deleted for good, not in the trash");
    assert!(!ids(&truth(&fake, Stream::Pages)).contains(&standalone));

    // A data source with its rows: gone from its database.
    let sources = truth(&fake, Stream::DataSources);
    let db_of = |t: &TruthRecord| {
        t.object["parent"]["database_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let ds = sources
        .iter()
        .find(|s| sources.iter().filter(|o| db_of(o) == db_of(s)).count() == 2)
        .expect("a database with two data sources");
    let db = db_of(ds);
    let rows: Vec<Id> = pages
        .iter()
        .filter(|p| p.object["parent"]["data_source_id"] == ds.id.to_string())
        .map(|p| p.id)
        .collect();
    assert!(!rows.is_empty());
    fake.delete_data_source(ds.id).unwrap();
    assert_error(
        &get(&fake, &format!("/v1/data_sources/{}", ds.id)).await,
        404,
        "object_not_found",
    );
    assert_error(
        &get(&fake, &format!("/v1/pages/{}", rows[0])).await,
        404,
        "object_not_found",
    );
    let d = get(&fake, &format!("/v1/databases/{db}")).await.json();
    let listed = d["data_sources"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed.iter().all(|s| s["id"] != ds.id.to_string()));
    assert!(!ids(&truth(&fake, Stream::DataSources)).contains(&ds.id));
    let left = ids(&truth(&fake, Stream::Pages));
    assert!(rows.iter().all(|r| !left.contains(r)));
    // The last data source of a database takes the database with it.
    let only = sources
        .iter()
        .find(|s| sources.iter().filter(|o| db_of(o) == db_of(s)).count() == 1)
        .unwrap();
    fake.delete_data_source(only.id).unwrap();
    assert_error(
        &get(&fake, &format!("/v1/databases/{}", db_of(only))).await,
        404,
        "object_not_found",
    );
    assert!(
        truth(&fake, Stream::Databases)
            .iter()
            .all(|d| d.id.to_string() != db_of(only))
    );
    read_matches_truth(&fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_changes_carry_the_rows_values_along() {
    let fake = start(Features::default()).await;
    let ds = truth(&fake, Stream::DataSources)[0].clone();
    let rows: Vec<TruthRecord> = truth(&fake, Stream::Pages)
        .into_iter()
        .filter(|p| p.object["parent"]["data_source_id"] == ds.id.to_string())
        .collect();
    let before = ds.object["last_edited_time"].clone();
    fake.advance(Duration::from_secs(600));
    fake.add_property(ds.id, "Reviewed", "checkbox").unwrap();
    fake.rename_property(ds.id, "Estimate", "Points").unwrap();
    fake.change_property_type(ds.id, "Link", "rich_text")
        .unwrap();
    fake.remove_property(ds.id, "Tags").unwrap();
    assert!(
        fake.add_property(ds.id, "Points", "number").is_err(),
        "names are unique"
    );
    assert!(
        fake.remove_property(ds.id, "Name").is_err(),
        "the title stays"
    );
    assert!(fake.change_property_type(ds.id, "Nope", "number").is_err());

    let d = get(&fake, &format!("/v1/data_sources/{}", ds.id))
        .await
        .json();
    let schema = d["properties"].as_object().unwrap();
    assert_eq!(schema["Reviewed"]["type"], "checkbox");
    assert_eq!(schema["Points"]["type"], "number");
    assert_eq!(
        schema["Points"]["id"], ds.object["properties"]["Estimate"]["id"],
        "a rename keeps the id"
    );
    assert_eq!(schema["Link"]["type"], "rich_text");
    assert!(!schema.contains_key("Estimate") && !schema.contains_key("Tags"));
    assert_ne!(d["last_edited_time"], before);
    for row in &rows {
        let p = get(&fake, &format!("/v1/pages/{}", row.id)).await.json();
        let props = p["properties"].as_object().unwrap();
        assert_eq!(props["Reviewed"]["checkbox"], false);
        assert_eq!(
            props["Points"]["number"],
            row.object["properties"]["Estimate"]["number"]
        );
        assert!(!props.contains_key("Estimate") && !props.contains_key("Tags"));
        let link = row.object["properties"]["Link"]["url"].as_str();
        let text = props["Link"]["rich_text"][0]["plain_text"].as_str();
        assert_eq!(text, link, "text keeps its words");
        assert_eq!(
            p["last_edited_time"], row.object["last_edited_time"],
            "rows are not edited"
        );
    }
    // Queries read the new schema.
    let (hits, _) = post_all(
        &fake,
        V26,
        &format!("/v1/data_sources/{}/query", ds.id),
        &json!({"filter": {"property": "Reviewed", "checkbox": {"equals": false}}}),
    )
    .await;
    assert_eq!(hits.len(), rows.len());
    let truth_ds = truth(&fake, Stream::DataSources);
    let t = truth_ds.iter().find(|t| t.id == ds.id).unwrap();
    let mut served = d.clone();
    served.as_object_mut().unwrap().remove("request_id");
    assert_eq!(&served, &t.object);
    read_matches_truth(&fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moved_pages_change_parent_and_their_child_page_block_moves() {
    let fake = start(Features::default()).await;
    let pages = truth(&fake, Stream::Pages);
    let child = pages
        .iter()
        .find(|p| p.object["parent"]["type"] == "page_id")
        .unwrap();
    let old_parent = child.object["parent"]["page_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_parent = pages
        .iter()
        .find(|p| p.object["parent"]["type"] == "workspace" && p.id.to_string() != old_parent)
        .unwrap()
        .id;
    fake.move_page(child.id, new_parent).unwrap();
    let p = get(&fake, &format!("/v1/pages/{}", child.id)).await.json();
    assert_eq!(
        p["parent"],
        json!({"type": "page_id", "page_id": new_parent.to_string()})
    );
    let (old_kids, _) = get_all(&fake, V26, &format!("/v1/blocks/{old_parent}/children")).await;
    assert!(old_kids.iter().all(|k| k["id"] != child.id.to_string()));
    let (new_kids, _) = get_all(&fake, V26, &format!("/v1/blocks/{new_parent}/children")).await;
    let block: &Value = new_kids.last().unwrap();
    assert_eq!(block["id"], child.id.to_string());
    assert_eq!(block["type"], "child_page");
    assert_eq!(block["parent"]["page_id"], new_parent.to_string());
    assert!(fake.move_page(new_parent, child.id).is_err(), "no cycles");
    read_matches_truth(&fake).await;
}
