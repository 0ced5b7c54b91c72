//! Incremental reads, interrupted reads, and OAuth token refresh, run as the built binary
//! against the fake Notion API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use notion_fake::{ApiVersion, Endpoint, GenConfig, Latency, Stream, TruthRecord, WorkspaceSpec};
use notion_model::Id;
use serde_json::json;

fn truth(fake: &notion_fake::FakeNotion, stream: Stream) -> Vec<TruthRecord> {
    fake.ground_truth(stream, ApiVersion::V2026_03_11).collect()
}

fn parent_type(r: &TruthRecord) -> String {
    r.object["parent"]["type"].as_str().unwrap_or("").to_owned()
}

/// Block-children requests a complete reader needs for the block trees of `pages`.
fn children_requests(blocks: &[TruthRecord], pages: &[Id]) -> u64 {
    let mut n = pages.len() as u64;
    for b in blocks {
        if !b.page_id.is_some_and(|p| pages.contains(&p)) {
            continue;
        }
        let o = &b.object;
        let kind = o["type"].as_str().unwrap_or("");
        let duplicate = kind == "synced_block" && !o["synced_block"]["synced_from"].is_null();
        if o["has_children"] == true
            && kind != "child_page"
            && kind != "child_database"
            && !duplicate
        {
            n += 1;
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_read_re_emits_exactly_what_changed() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    // Without the inventory, whose listing of the whole search would see E's edit at once: this
    // test is about the lookback window.
    let cfg = dir.write("config.json", &config(&fake, json!({"inventory": "never"})));
    let cat = dir.write(
        "catalog.json",
        &catalog(&INCREMENTAL_STREAMS, "incremental"),
    );

    let first = read(&cfg, &cat, None).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let state1 = dir.write("state1.json", &first.last_states());

    // The search index shows edits half an hour late. An hour later, edits.
    fake.set_search_lag(Duration::from_secs(30 * 60));
    fake.advance(Duration::from_secs(3600));
    let pages = truth(&fake, Stream::Pages);
    let blocks = truth(&fake, Stream::Blocks);
    let standalone: Vec<&TruthRecord> = pages
        .iter()
        .filter(|p| parent_type(p) == "workspace")
        .collect();
    assert!(standalone.len() >= 3, "the workspace has standalone pages");
    // A: edit a block's content.
    let a_block = blocks
        .iter()
        .find(|b| b.page_id == Some(standalone[0].id) && b.object["type"] == "paragraph")
        .expect("a paragraph on page A");
    let a = standalone[0].id;
    fake.edit_block(a_block.id, "edited text").unwrap();
    // B: comment on an inner block.
    let b_block = blocks
        .iter()
        .find(|b| b.page_id == Some(standalone[1].id) && b.depth.unwrap_or(0) >= 2)
        .expect("an inner block on page B");
    let b = standalone[1].id;
    let comment = fake
        .add_comment(b_block.id, "a new inline comment")
        .unwrap();
    // C: a new row.
    let data_source = truth(&fake, Stream::DataSources)[0].id;
    let row = fake.add_row(data_source, "A new row").unwrap();
    // D: a page moved to the trash.
    let d = pages
        .iter()
        .find(|p| parent_type(p) == "data_source_id" && p.id != row)
        .unwrap()
        .id;
    fake.trash_page(d).unwrap();
    // Once those are indexed, E: an edit that the search index does not show yet.
    fake.advance(Duration::from_secs(31 * 60));
    let e = standalone[2].id;
    let title_prop = standalone[2].object["properties"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v["type"] == "title")
        .map(|(k, _)| k.clone())
        .unwrap();
    fake.edit_page_properties(
        e,
        json!({title_prop: {"title": [{"type": "text", "text": {"content": "Renamed", "link": null}, "plain_text": "Renamed", "href": null, "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"}}]}}),
    )
    .unwrap();

    fake.reset_counters();
    let second = read(&cfg, &cat, Some(&state1)).await;

    assert_eq!(second.code, 0, "{}", second.stderr);
    let s = |v: &[Id]| v.iter().map(|i| i.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        ids(&second.records("pages")),
        s(&[a, b, row, d]),
        "pages: the edited, the commented, the new and the trashed one (E is hidden by search lag)"
    );
    let trashed = second
        .records("pages")
        .into_iter()
        .find(|p| p["id"] == d.to_string().as_str())
        .unwrap();
    assert_eq!(trashed["in_trash"], true, "the trashed page is marked");
    // Every block and comment of a re-read page comes again, with this read's content version,
    // so that one no longer there can be told deleted.
    let changed = [a, b, row];
    let of_changed = |stream: Stream| -> BTreeSet<String> {
        truth(&fake, stream)
            .iter()
            .filter(|r| r.page_id.is_some_and(|p| changed.contains(&p)))
            .map(|r| r.id.to_string())
            .collect()
    };
    let second_blocks = ids(&second.records("blocks"));
    assert_eq!(
        second_blocks,
        of_changed(Stream::Blocks),
        "blocks: every block of the changed pages"
    );
    assert!(second_blocks.contains(&a_block.id.to_string()));
    assert!(second_blocks.contains(&b_block.id.to_string()));
    let second_comments = ids(&second.records("comments"));
    assert_eq!(second_comments, of_changed(Stream::Comments));
    assert!(second_comments.contains(&comment.to_string()));
    // No block tree of an unchanged page was fetched.
    assert_eq!(
        fake.counters().endpoint(Endpoint::BlockChildren),
        children_requests(&blocks, &[a, b, row]),
        "block-children requests only for the changed pages"
    );
    for st in second.last_states().as_array().unwrap() {
        let name = st["stream"]["stream_descriptor"]["name"].as_str().unwrap();
        let before = first
            .last_states()
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stream"]["stream_descriptor"]["name"] == name)
            .unwrap()["stream"]["stream_state"]["last_edited_time"]
            .clone();
        let after = &st["stream"]["stream_state"]["last_edited_time"];
        assert!(
            after.as_str().unwrap() > before.as_str().unwrap(),
            "{name}: the cursor moved forward"
        );
        // No record is older than the state it was read from, on the stream's cursor field.
        let cursor_field = name
            .parse::<notion_streams::StreamName>()
            .unwrap()
            .cursor_field()
            .unwrap();
        let before_cursor = first
            .last_states()
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stream"]["stream_descriptor"]["name"] == name)
            .unwrap()["stream"]["stream_state"][cursor_field]
            .clone();
        for rec in second.records(name) {
            assert!(
                rec[cursor_field].as_str().unwrap() >= before_cursor.as_str().unwrap(),
                "{name}: {rec} is older than the state's cursor"
            );
        }
    }

    // Half an hour later the search index shows E's edit; the lookback window catches it.
    let state2 = dir.write("state2.json", &second.last_states());
    fake.advance(Duration::from_secs(31 * 60));
    let third = read(&cfg, &cat, Some(&state2)).await;
    assert_eq!(third.code, 0, "{}", third.stderr);
    let renamed = third
        .records("pages")
        .into_iter()
        .find(|p| p["id"] == e.to_string().as_str())
        .expect("the edit hidden by search lag is read by the next sync");
    assert_eq!(renamed["_title"], "Renamed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_read_resumed_from_its_last_state_loses_nothing() {
    let mut options = unthrottled();
    options.latency = Latency {
        fixed: Duration::from_millis(3),
        jitter: Duration::from_millis(2),
    };
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), options).await;
    let dir = Dir::new();
    let checkpoint = 20;
    let cfg = dir.write(
        "config.json",
        &config(
            &fake,
            json!({"checkpoint_interval": checkpoint, "concurrency": 4}),
        ),
    );
    let cat = dir.write("catalog.json", &catalog(&ALL_STREAMS, "incremental"));
    let total_pages = truth(&fake, Stream::Pages).len();

    let first = read_and_kill(cfg.clone(), cat.clone(), None, 150).await;
    let pages_before = records(&first, "pages").len();
    assert!(
        pages_before > 0 && pages_before < total_pages,
        "killed in the middle ({pages_before} of {total_pages} pages)"
    );
    let state = dir.write("state.json", &last_states(&first));
    let second = read(&cfg, &cat, Some(&state)).await;
    assert_eq!(second.code, 0, "{}", second.stderr);

    for (name, stream) in [
        ("users", Stream::Users),
        ("databases", Stream::Databases),
        ("data_sources", Stream::DataSources),
        ("pages", Stream::Pages),
        ("blocks", Stream::Blocks),
        ("comments", Stream::Comments),
    ] {
        let mut got = ids(&records(&first, name));
        got.extend(ids(&second.records(name)));
        let want = truth_ids(&fake, stream);
        let missing: Vec<_> = want.difference(&got).take(5).collect();
        assert!(missing.is_empty(), "{name}: lost {missing:?}");
    }
    // The resumed read skipped what the last checkpoint covered.
    let redone = second.records("pages").len();
    let in_flight = 2 * 4;
    assert!(
        redone <= total_pages - pages_before + checkpoint + in_flight,
        "re-read {redone} pages of {total_pages}, {pages_before} were read before the kill"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_access_token_expiring_mid_sync_is_refreshed_once() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    // Complete the OAuth flow as a public integration would.
    let code = fake.issue_auth_code("fake-client", None);
    let tokens = http_post_json(
        &fake.base_url(),
        "/v1/oauth/token",
        &base64("fake-client:fake-secret"),
        &json!({"grant_type": "authorization_code", "code": code}),
    );
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    fake.expire_token_after(&access, 40);
    fake.reset_counters();

    let dir = Dir::new();
    let mut c = config(&fake, json!({}));
    c["credentials"] = json!({
        "auth_type": "OAuth2.0",
        "client_id": "fake-client",
        "client_secret": "fake-secret",
        "access_token": access,
        "refresh_token": refresh,
    });
    let cfg = dir.write("config.json", &c);
    let cat = dir.write("catalog.json", &catalog(&ALL_STREAMS, "incremental"));
    let mut a = vec!["--debug".to_string(), "read".into()];
    a.extend(args(&[
        "--config",
        &path_str(&cfg),
        "--catalog",
        &path_str(&cat),
    ]));
    let r = run(a).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        fake.counters().endpoint(Endpoint::OAuthToken),
        1,
        "one refresh for the whole sync"
    );
    let controls = r.of_type("CONTROL");
    assert_eq!(
        controls.len(),
        1,
        "one CONTROL message with the rotated tokens"
    );
    let new = &controls[0]["control"]["connectorConfig"]["config"]["credentials"];
    let new_access = new["access_token"].as_str().unwrap().to_owned();
    let new_refresh = new["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_access, access);
    assert_ne!(new_refresh, refresh);
    assert_eq!(
        new["client_secret"], "fake-secret",
        "the rest of the config is kept"
    );
    // Every record was read.
    assert_eq!(ids(&r.records("pages")), truth_ids(&fake, Stream::Pages));
    // No secret anywhere but in the CONTROL message, which exists to carry them.
    for secret in [&access, &refresh, "fake-secret", &new_access, &new_refresh] {
        assert!(!r.stderr.contains(secret), "a secret in the logs");
        for line in r.stdout.lines().filter(|l| !l.contains("\"CONTROL\"")) {
            assert!(!line.contains(secret), "a secret in {line}");
        }
    }
}
