//! A complete read of the `e2e` preset (every named feature, including the 12,500-row data
//! source) over HTTP with keep-alive connections: it costs exactly the minimum number of
//! requests and sees exactly the ground truth. The elapsed time is printed (not asserted).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Instant;

use common::walk::{WalkOptions, walk};
use notion_fake::{ApiVersion, FakeNotion, GenConfig, Options, ReadOptions, Stream, WorkspaceSpec};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_preset_full_read() {
    let fake = FakeNotion::start(
        WorkspaceSpec::Generated(GenConfig::e2e()),
        Options {
            rate_limit: None,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let read = ReadOptions::default();
    let min = fake.min_requests(read);
    let started = Instant::now();
    let w = walk(
        &fake,
        WalkOptions {
            version: common::V26,
            read,
            validate: false,
            keep: false,
            concurrency: 8,
        },
    )
    .await;
    let elapsed = started.elapsed();
    eprintln!(
        "e2e full read: {} requests in {:.2} s ({:.0} req/s), {} pages, {} blocks, {} comments",
        w.total(),
        elapsed.as_secs_f64(),
        w.total() as f64 / elapsed.as_secs_f64(),
        w.pages.len(),
        w.blocks.len(),
        w.comments.len()
    );
    assert_eq!(w.total(), min.total());
    assert_eq!(fake.counters().total(), min.total());
    assert_eq!(
        w.capped_queries, 1,
        "the 12,500-row data source needs one window"
    );
    let truth: BTreeSet<String> = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(w.pages, truth);
    assert!(w.pages.len() > 12_500);
}
