//! Mutations on top of a generated workspace, and search lag.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use notion_fake::{
    ApiVersion, FakeNotion, GenConfig, Id, Options, ReadOptions, Stream, WorkspaceSpec,
};
use serde_json::{Value, json};

async fn start(options: Options) -> FakeNotion {
    FakeNotion::start(WorkspaceSpec::Generated(GenConfig::small()), options)
        .await
        .unwrap()
}

fn ids(v: &[Value]) -> Vec<String> {
    v.iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect()
}

fn first(fake: &FakeNotion, stream: Stream) -> Id {
    fake.ground_truth(stream, ApiVersion::V2026_03_11)
        .next()
        .unwrap()
        .id
}

#[tokio::test]
async fn added_and_removed_blocks_change_children() {
    let fake = start(Options::default()).await;
    let page = first(&fake, Stream::Pages);
    let before = get_all(&fake, V26, &format!("/v1/blocks/{page}/children"))
        .await
        .0;
    let min_before = fake.min_requests(ReadOptions::default());
    let added = fake.add_block(page, "new paragraph").unwrap();
    let after = ids(&get_all(&fake, V26, &format!("/v1/blocks/{page}/children"))
        .await
        .0);
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after.last().unwrap(), &added.to_string());
    // A child under the new block.
    let nested = fake.add_block(added, "nested").unwrap();
    let kids = ids(
        &get_all(&fake, V26, &format!("/v1/blocks/{added}/children"))
            .await
            .0,
    );
    assert_eq!(kids, vec![nested.to_string()]);
    let min_after = fake.min_requests(ReadOptions::default());
    // One more block-children request (the new block has children) and two more comment lists.
    assert_eq!(min_after.block_children, min_before.block_children + 1);
    assert_eq!(min_after.comments, min_before.comments + 2);
    fake.remove_block(added).unwrap();
    let again = ids(&get_all(&fake, V26, &format!("/v1/blocks/{page}/children"))
        .await
        .0);
    assert_eq!(again, ids(&before));
    assert_eq!(fake.min_requests(ReadOptions::default()), min_before);
}

#[tokio::test]
async fn comments_on_inner_blocks_need_the_block_id() {
    let fake = start(Options::default()).await;
    let page = first(&fake, Stream::Pages);
    let block = get(&fake, &format!("/v1/blocks/{page}/children"))
        .await
        .json()["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let block: Id = Id::parse(&block).unwrap();
    let on_page = get_all(&fake, V26, &format!("/v1/comments?block_id={page}"))
        .await
        .0;
    let c = fake.add_comment(block, "inner comment").unwrap();
    let on_block = ids(
        &get_all(&fake, V26, &format!("/v1/comments?block_id={block}"))
            .await
            .0,
    );
    assert!(on_block.contains(&c.to_string()));
    let on_page_after = get_all(&fake, V26, &format!("/v1/comments?block_id={page}"))
        .await
        .0;
    assert_eq!(ids(&on_page_after), ids(&on_page));
    let truth: Vec<Id> = fake
        .ground_truth(Stream::Comments, ApiVersion::V2026_03_11)
        .map(|r| r.id)
        .collect();
    assert!(truth.contains(&c));
}

#[tokio::test]
async fn trash_restore_and_unshare() {
    let fake = start(Options::default()).await;
    let page = first(&fake, Stream::Pages);
    async fn search(fake: &FakeNotion) -> Vec<String> {
        ids(&post_all(fake, V26, "/v1/search", &json!({})).await.0)
    }
    assert!(search(&fake).await.contains(&page.to_string()));
    fake.trash_page(page).unwrap();
    assert!(!search(&fake).await.contains(&page.to_string()));
    assert_eq!(get(&fake, &format!("/v1/pages/{page}")).await.status, 200);
    assert!(
        !fake
            .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
            .any(|r| r.id == page)
    );
    fake.restore_page(page).unwrap();
    assert!(search(&fake).await.contains(&page.to_string()));
    fake.unshare(page).unwrap();
    assert_error(
        &get(&fake, &format!("/v1/pages/{page}")).await,
        404,
        "object_not_found",
    );
    assert_error(
        &get(&fake, &format!("/v1/blocks/{page}/children")).await,
        404,
        "object_not_found",
    );
    assert!(!search(&fake).await.contains(&page.to_string()));
}

#[tokio::test]
async fn new_rows_appear_in_queries_at_once_and_in_search_after_the_lag() {
    let fake = start(Options {
        search_lag: Duration::from_secs(120),
        ..Options::default()
    })
    .await;
    let ds = first(&fake, Stream::DataSources);
    let row = fake.add_row(ds, "Fresh row").unwrap();
    let rows = ids(&post_all(
        &fake,
        V26,
        &format!("/v1/data_sources/{ds}/query"),
        &json!({}),
    )
    .await
    .0);
    assert!(rows.contains(&row.to_string()));
    async fn in_search(fake: &FakeNotion, row: Id) -> bool {
        let filter = json!({"filter": {"property": "object", "value": "page"}});
        ids(&post_all(fake, V26, "/v1/search", &filter).await.0).contains(&row.to_string())
    }
    assert!(!in_search(&fake, row).await, "absent until indexed");
    fake.advance(Duration::from_secs(121));
    assert!(in_search(&fake, row).await, "indexed after the lag");
    assert_eq!(get(&fake, &format!("/v1/pages/{row}")).await.status, 200);
}

#[tokio::test]
async fn edits_bump_last_edited_time_and_timestamp_filters_see_them() {
    let fake = start(Options::default()).await;
    let ds = first(&fake, Stream::DataSources);
    let rows = post_all(
        &fake,
        V26,
        &format!("/v1/data_sources/{ds}/query"),
        &json!({}),
    )
    .await
    .0;
    let row = Id::parse(rows[0]["id"].as_str().unwrap()).unwrap();
    let since = fake.now();
    fake.advance(Duration::from_secs(60));
    fake.edit_page_properties(row, json!({"Done": {"checkbox": true}}))
        .unwrap();
    let filter = json!({"filter": {"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": since.to_rfc3339()}}});
    let changed = ids(
        &post_all(&fake, V26, &format!("/v1/data_sources/{ds}/query"), &filter)
            .await
            .0,
    );
    assert_eq!(changed, vec![row.to_string()]);
    // Search sorted by last_edited_time descending puts it first.
    let s = post(&fake, "/v1/search", &json!({"sort": {"timestamp": "last_edited_time", "direction": "descending"}, "page_size": 1})).await.json();
    assert_eq!(s["results"][0]["id"], row.to_string());
}
