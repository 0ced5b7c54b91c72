//! What users read, end to end against notion-fake: rollups and formulas over relations Notion
//! cuts at 25, page documents (from blocks and from the markdown endpoint), and deletions on
//! Airbyte.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::*;
use notion_fake::{ApiVersion, Endpoint, GenConfig, ReadOptions, Stream, WorkspaceSpec};
use notion_model::Id;
use serde_json::{Value, json};

fn truth_pages(fake: &notion_fake::FakeNotion) -> BTreeMap<String, Value> {
    fake.ground_truth(Stream::Pages, ApiVersion::LATEST)
        .map(|r| (r.id.to_string(), r.object))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_and_formulas_over_long_relations_equal_notions_complete_values() {
    let fake = fake(
        WorkspaceSpec::Generated(GenConfig::rollups()),
        unthrottled(),
    )
    .await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let cat = dir.write("catalog.json", &catalog(&["pages"], "full_refresh"));
    let r = read(&cfg, &cat, None).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let truth = truth_pages(&fake);
    let mut checked = BTreeMap::<String, usize>::new();
    let mut long_relations = BTreeSet::new();
    for page in r.records("pages") {
        let id = page["id"].as_str().unwrap();
        let expected = &truth[id]["properties"];
        for (name, value) in page["properties"].as_object().unwrap() {
            let kind = value["type"].as_str().unwrap_or_default();
            if let "rollup" | "formula" | "relation" = kind {
                assert_eq!(
                    value, &expected[name],
                    "page {id}, property {name}: what Notion computes over every entry"
                );
                *checked.entry(kind.to_owned()).or_default() += 1;
            }
            if kind == "relation" && value["relation"].as_array().is_some_and(|a| a.len() > 25) {
                long_relations.insert(value["relation"].as_array().unwrap().len());
            }
        }
    }
    assert!(
        checked["rollup"] > 0 && checked["formula"] > 0,
        "{checked:?}"
    );
    for n in [26, 60, 150] {
        assert!(
            long_relations.contains(&n),
            "a relation of {n} entries: {long_relations:?}"
        );
    }
    let min = fake.min_requests(ReadOptions {
        page_comments: false,
        inner_comments: false,
        ..ReadOptions::default()
    });
    assert_eq!(
        fake.counters().endpoint(Endpoint::PagePropertyItem),
        min.property_items,
        "one listing per truncated value and per rollup or formula that reads one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_from_the_markdown_endpoint_cost_one_request_per_page_and_hold_every_text() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::e2e()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write(
        "config.json",
        &config(
            &fake,
            json!({"markdown_source": "api", "fetch_page_blocks": false, "comments": "none"}),
        ),
    );
    let cat = dir.write(
        "catalog.json",
        &catalog(&["users", "page_markdown"], "incremental"),
    );
    let r = read(&cfg, &cat, None).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let min = fake.min_requests(ReadOptions {
        page_comments: false,
        inner_comments: false,
        markdown: true,
        ..ReadOptions::default()
    });
    assert_eq!(
        fake.counters().total(),
        min.total(),
        "one request per page (and per part left out) plus the listings: {:?} vs {min:?}",
        fake.counters()
    );
    assert_eq!(fake.counters().endpoint(Endpoint::BlockChildren), 0);
    let docs: BTreeMap<String, String> = r
        .records("page_markdown")
        .into_iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_owned(),
                d["markdown"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut pages = 0;
    for text in fake.page_texts() {
        let doc = docs
            .get(&text.id.to_string())
            .unwrap_or_else(|| panic!("no document for page {}", text.id));
        for line in &text.lines {
            assert!(
                doc.contains(line.as_str()),
                "page {}: {line:?} missing from its document:\n{doc}",
                text.id
            );
        }
        pages += 1;
    }
    assert_eq!(docs.len(), pages, "one document per page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_deep_in_a_page_renders_that_page_again_and_no_other() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let cat = dir.write(
        "catalog.json",
        &catalog(&["pages", "blocks", "page_markdown"], "incremental"),
    );
    let first = read(&cfg, &cat, None).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(!first.records("page_markdown").is_empty());
    let state = dir.write("state.json", &first.last_states());

    fake.advance(Duration::from_secs(3600));
    let deep = fake
        .ground_truth(Stream::Blocks, ApiVersion::LATEST)
        .filter(|b| b.depth.unwrap_or(0) >= 3 && b.object["type"] == "paragraph")
        .max_by_key(|b| b.depth)
        .expect("a paragraph three levels down");
    fake.edit_block(deep.id, "an edit deep down").unwrap();
    let second = read(&cfg, &cat, Some(&state)).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    let docs = second.records("page_markdown");
    assert_eq!(
        ids(&docs),
        BTreeSet::from([deep.page_id.unwrap().to_string()]),
        "exactly the edited page's document"
    );
    assert!(
        docs[0]["markdown"]
            .as_str()
            .unwrap()
            .contains("an edit deep down")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_read_emits_the_deletions_airbyte_destinations_apply() {
    let mut gen_config = GenConfig::small();
    gen_config.features.late_shares = true;
    let fake = fake(WorkspaceSpec::Generated(gen_config), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let cat = dir.write("catalog.json", &catalog(&ALL_STREAMS, "incremental"));
    let first = read(&cfg, &cat, None).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let state = dir.write("state.json", &first.last_states());

    fake.advance(Duration::from_secs(3600));
    let blocks: Vec<_> = fake
        .ground_truth(Stream::Blocks, ApiVersion::LATEST)
        .collect();
    let pages: Vec<_> = fake
        .ground_truth(Stream::Pages, ApiVersion::LATEST)
        .collect();
    let comments: Vec<_> = fake
        .ground_truth(Stream::Comments, ApiVersion::LATEST)
        .collect();
    let standalone: Vec<Id> = pages
        .iter()
        .filter(|p| p.object["parent"]["type"] == "workspace")
        .map(|p| p.id)
        .collect();
    // A block deep in a page, a comment, a trashed page, an unshared page, a page shared late.
    let deep = blocks
        .iter()
        .filter(|b| b.depth.unwrap_or(0) >= 2 && !b.object["has_children"].as_bool().unwrap())
        .find(|b| b.page_id != Some(standalone[1]) && b.page_id != Some(standalone[2]))
        .unwrap();
    fake.delete_block(deep.id).unwrap();
    let resolved = comments.iter().find(|c| c.page_id != deep.page_id).unwrap();
    fake.resolve_comment(resolved.id).unwrap();
    fake.trash_page(standalone[1]).unwrap();
    fake.unshare(standalone[2]).unwrap();
    let late = fake.unshared_pages()[0];
    fake.share_page(late).unwrap();

    let second = read(&cfg, &cat, Some(&state)).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    let page_records = second.records("pages");
    let by_id = |id: Id| {
        page_records
            .iter()
            .find(|p| p["id"] == id.to_string().as_str())
            .cloned()
            .unwrap_or(Value::Null)
    };
    // The unshared page: a deletion record, its cursor when the deletion was seen.
    let gone = by_id(standalone[2]);
    assert_eq!(gone["_deleted_reason"], "not_found", "{gone}");
    assert!(gone["_ab_cdc_deleted_at"].is_string());
    // The trashed page is marked, with a new content version (its blocks drop out).
    let trashed = by_id(standalone[1]);
    assert_eq!(trashed["in_trash"], true);
    // The page shared late is read in full, old as it is.
    assert!(by_id(late).is_object(), "the late share is read");
    assert!(
        second
            .records("blocks")
            .iter()
            .any(|b| b["_page_id"] == late.to_string().as_str()),
        "with its blocks"
    );
    // The page of the deleted block is read again: every block but the deleted one comes with
    // the page's new version, so the dedup query drops the deleted one.
    let page_of_deep = by_id(deep.page_id.unwrap());
    let version = page_of_deep["_content_version"].as_str().unwrap();
    let current: BTreeSet<String> = second
        .records("blocks")
        .iter()
        .filter(|b| b["_page_id"] == page_of_deep["id"] && b["_content_version"] == version)
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = fake
        .ground_truth(Stream::Blocks, ApiVersion::LATEST)
        .filter(|b| b.page_id == deep.page_id)
        .map(|b| b.id.to_string())
        .collect();
    assert_eq!(current, expected);
    assert!(!current.contains(&deep.id.to_string()));
    // The resolved comment is not emitted again with its page's new version.
    assert!(
        !second
            .records("comments")
            .iter()
            .any(|c| c["id"] == resolved.id.to_string().as_str())
    );
    // Every deletion record validates against its stream's schema, which declares the
    // deletion members on every stream.
    let mut deletions = 0;
    for stream in ALL_STREAMS {
        let mut schema = notion_streams::schema::stream_schema(stream.parse().unwrap());
        assert!(
            schema["properties"]["_ab_cdc_deleted_at"].is_object(),
            "{stream}"
        );
        schema["additionalProperties"] = json!(false);
        let validator = jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        for rec in second.records(stream) {
            if rec.get("_ab_cdc_deleted_at").is_some() {
                deletions += 1;
                if let Err(e) = validator.validate(&rec) {
                    panic!("{stream} deletion record does not match its schema: {e}\n{rec}");
                }
            }
        }
    }
    assert!(deletions >= 2, "the unshared page and its document");
}
