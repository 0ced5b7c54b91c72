//! `GET /v1/pages/{id}/markdown`: the text of every block, truncation with
//! `unknown_block_ids` and their follow-ups, versions, sharing and capabilities, and the
//! minimum number of requests of a read that takes content as markdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::schema::validate;
use common::*;
use notion_fake::{
    Capabilities, Endpoint, FakeNotion, GenConfig, Id, Options, ReadOptions, Stream, WorkspaceSpec,
};
use serde_json::Value;

async fn start(cfg: GenConfig, markdown_block_limit: usize) -> FakeNotion {
    FakeNotion::start(
        WorkspaceSpec::Generated(cfg),
        Options {
            rate_limit: None,
            markdown_block_limit,
            ..Options::default()
        },
    )
    .await
    .unwrap()
}

/// One markdown response, checked against the SDK schema.
async fn markdown(fake: &FakeNotion, id: &str, query: &str) -> Value {
    let r = get(fake, &format!("/v1/pages/{id}/markdown{query}")).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    validate("PageMarkdownResponse", &j, V26, "page markdown").unwrap();
    assert_eq!(j["object"], "page_markdown");
    assert_eq!(j["id"], id);
    assert_eq!(
        j["truncated"],
        !j["unknown_block_ids"].as_array().unwrap().is_empty()
    );
    j
}

/// A page's whole markdown: the first response and the follow-ups of every omitted subtree
/// (depth first). Returns the text and the number of requests.
async fn whole(fake: &FakeNotion, id: &str) -> (String, u64) {
    let mut text = String::new();
    let mut requests = 0;
    let mut pending = vec![id.to_owned()];
    while let Some(next) = pending.pop() {
        let j = markdown(fake, &next, "?include_transcript=true").await;
        requests += 1;
        text.push_str(j["markdown"].as_str().unwrap());
        for u in j["unknown_block_ids"].as_array().unwrap().iter().rev() {
            let u = u.as_str().unwrap();
            assert!(
                j["markdown"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("#{}\"", u.replace('-', ""))),
                "an omitted subtree leaves an <unknown> tag naming it"
            );
            pending.push(u.to_owned());
        }
    }
    (text, requests)
}

/// Markdown escapes special characters with backslashes; compare without them.
fn unescaped(s: &str) -> String {
    s.replace('\\', "")
}

fn assert_text_shown(fake: &FakeNotion, page: Id, md: &str) {
    let md = unescaped(md);
    let texts = fake.page_texts().find(|t| t.id == page).unwrap();
    for line in &texts.lines {
        assert!(
            md.contains(&unescaped(line)),
            "page {page}: `{line}` missing from its markdown:\n{md}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_shows_the_text_of_every_block_and_reads_at_the_minimum() {
    let fake = start(GenConfig::e2e_without_big_rows(), 200).await;
    let read = ReadOptions {
        markdown: true,
        ..ReadOptions::default()
    };
    let min = fake.min_requests(read);
    assert_eq!(min.block_children, 0, "markdown replaces block children");
    let texts: Vec<_> = fake.page_texts().collect();
    assert_eq!(
        texts.len(),
        fake.ground_truth(Stream::Pages, notion_fake::ApiVersion::V2026_03_11)
            .count()
    );
    assert!(texts.iter().map(|t| t.lines.len()).sum::<usize>() > 1000);
    let mut requests = 0;
    let mut truncated_pages = 0;
    for t in &texts {
        let (md, n) = whole(&fake, &t.id.to_string()).await;
        requests += n;
        truncated_pages += usize::from(n > 1);
        assert_text_shown(&fake, t.id, &md);
    }
    assert!(
        truncated_pages >= 1,
        "the 241-block page is cut at 200 blocks"
    );
    assert_eq!(requests, min.markdown);
    assert_eq!(
        fake.counters().endpoint(Endpoint::PageMarkdown),
        min.markdown
    );
    // The rest of a markdown read: page comments only.
    let blocks = fake.min_requests(ReadOptions::default());
    assert!(min.comments < blocks.comments);
    assert_eq!(min.pages, blocks.pages);
    assert_eq!(min.queries, blocks.queries);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_limit_omits_subtrees_that_follow_ups_render() {
    let fake = start(GenConfig::small(), 1_000).await;
    let page = fake
        .ground_truth(Stream::Blocks, notion_fake::ApiVersion::V2026_03_11)
        .filter(|b| b.depth == Some(2))
        .find_map(|b| b.page_id)
        .expect("a page with nested blocks");
    let id = page.to_string();
    let full = markdown(&fake, &id, "?include_transcript=true").await;
    assert_eq!(full["truncated"], false);
    assert_eq!(full["unknown_block_ids"], Value::Array(Vec::new()));

    fake.set_markdown_block_limit(3);
    let cut = markdown(&fake, &id, "?include_transcript=true").await;
    assert_eq!(cut["truncated"], true);
    let page_blocks: BTreeSet<String> = fake
        .ground_truth(Stream::Blocks, notion_fake::ApiVersion::V2026_03_11)
        .filter(|b| b.page_id == Some(page))
        .map(|b| b.id.to_string())
        .collect();
    let unknown: Vec<&str> = cut["unknown_block_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert!(unknown.iter().all(|u| page_blocks.contains(*u)));
    assert!(
        cut["markdown"]
            .as_str()
            .unwrap()
            .contains("<unknown url=\"")
    );
    // A follow-up starts with the omitted block itself.
    let block = get(&fake, &format!("/v1/blocks/{}", unknown[0]))
        .await
        .json();
    let sub = markdown(&fake, unknown[0], "?include_transcript=true").await;
    let first_text = block[block["type"].as_str().unwrap()]["rich_text"][0]["plain_text"]
        .as_str()
        .unwrap_or_default();
    assert!(unescaped(sub["markdown"].as_str().unwrap()).contains(&unescaped(first_text)));
    // Following every id shows the whole page, in more requests than with a large limit.
    let (md, requests) = whole(&fake, &id).await;
    assert!(requests > 2);
    assert_text_shown(&fake, page, &md);
    let min = fake.min_requests(ReadOptions {
        markdown: true,
        ..ReadOptions::default()
    });
    fake.set_markdown_block_limit(1_000);
    let min_large = fake.min_requests(ReadOptions {
        markdown: true,
        ..ReadOptions::default()
    });
    assert!(min.markdown > min_large.markdown);
}

#[tokio::test]
async fn meeting_transcripts_show_when_asked() {
    let fake = start(GenConfig::small(), 200).await;
    let notes = fake
        .ground_truth(Stream::Blocks, notion_fake::ApiVersion::V2026_03_11)
        .find(|b| b.object["type"] == "meeting_notes")
        .expect("the showcase page has meeting notes");
    let transcript = notes.object["meeting_notes"]["children"]["transcript_block_id"]
        .as_str()
        .unwrap();
    let t = get(&fake, &format!("/v1/blocks/{transcript}")).await.json();
    let text = unescaped(
        t["paragraph"]["rich_text"][0]["plain_text"]
            .as_str()
            .unwrap(),
    );
    let page = notes.page_id.unwrap().to_string();
    let with = markdown(&fake, &page, "?include_transcript=true").await;
    let without = markdown(&fake, &page, "").await;
    assert!(unescaped(with["markdown"].as_str().unwrap()).contains(&text));
    let plain = without["markdown"].as_str().unwrap();
    assert!(!unescaped(plain).contains(&text));
    assert!(plain.contains("<transcript url=\""));
}

#[tokio::test]
async fn versions_sharing_and_capabilities() {
    let fake = start(GenConfig::small(), 200).await;
    let page = fake
        .ground_truth(Stream::Pages, notion_fake::ApiVersion::V2026_03_11)
        .next()
        .unwrap()
        .id;
    let path = format!("/v1/pages/{page}/markdown");
    assert_error(&get_v(&fake, V25, &path).await, 400, "validation_error");
    assert_error(&get_v(&fake, V22, &path).await, 400, "validation_error");
    assert_eq!(get(&fake, &path).await.status, 200);
    // A database, an unknown id, and a page no longer shared: 404.
    let db = fake
        .ground_truth(Stream::Databases, notion_fake::ApiVersion::V2026_03_11)
        .next()
        .unwrap()
        .id;
    assert_error(
        &get(&fake, &format!("/v1/pages/{db}/markdown")).await,
        404,
        "object_not_found",
    );
    assert_error(
        &get(
            &fake,
            "/v1/pages/00000000-0000-4000-8000-000000000000/markdown",
        )
        .await,
        404,
        "object_not_found",
    );
    fake.unshare(page).unwrap();
    assert_error(&get(&fake, &path).await, 404, "object_not_found");
    // Without the read-content capability: 403.
    let other = fake
        .ground_truth(Stream::Pages, notion_fake::ApiVersion::V2026_03_11)
        .next()
        .unwrap()
        .id;
    fake.set_capabilities(
        fake.token(),
        Capabilities {
            read_content: false,
            ..Capabilities::ALL
        },
    );
    assert_error(
        &get(&fake, &format!("/v1/pages/{other}/markdown")).await,
        403,
        "restricted_resource",
    );
}

#[tokio::test]
async fn mutations_show_in_the_markdown() {
    let fake = start(GenConfig::small(), 200).await;
    let page = fake
        .ground_truth(Stream::Pages, notion_fake::ApiVersion::V2026_03_11)
        .next()
        .unwrap()
        .id;
    let added = fake.add_block(page, "Freshly written words").unwrap();
    let md = markdown(&fake, &page.to_string(), "?include_transcript=true").await;
    assert!(
        md["markdown"]
            .as_str()
            .unwrap()
            .contains("Freshly written words")
    );
    assert_text_shown(&fake, page, md["markdown"].as_str().unwrap());
    fake.remove_block(added).unwrap();
    let md = markdown(&fake, &page.to_string(), "").await;
    assert!(
        !md["markdown"]
            .as_str()
            .unwrap()
            .contains("Freshly written words")
    );
}
