//! Notion-hosted files at expiring signed URLs on the fake itself: deterministic content,
//! S3-like refusals, fresh URLs, the large file, separate counters, new versions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use http::Method;
use notion_fake::{
    ApiVersion, FakeNotion, GenConfig, HostedFile, Options, Stream, TruthRecord, WorkspaceSpec,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

async fn start(spec: WorkspaceSpec, expiry: Duration, large: u64) -> FakeNotion {
    FakeNotion::start(
        spec,
        Options {
            rate_limit: None,
            file_url_expiry: expiry,
            large_file_bytes: large,
            ..Options::default()
        },
    )
    .await
    .unwrap()
}

/// The value at a JSON path such as `properties.Attachments.files[0].file`.
fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    let mut cur = v;
    for part in path.split('.') {
        match part.split_once('[') {
            Some((key, index)) => {
                let i: usize = index.trim_end_matches(']').parse().unwrap();
                cur = &cur[key][i];
            }
            None => cur = &cur[part],
        }
    }
    cur
}

/// The served object holding a hosted file, from ground truth.
fn record(fake: &FakeNotion, f: &HostedFile) -> TruthRecord {
    fake.ground_truth(f.stream, ApiVersion::V2026_03_11)
        .find(|r| r.id == f.record)
        .unwrap_or_else(|| panic!("{:?} {} is in ground truth", f.stream, f.record))
}

/// Downloads a URL of the fake (GET, no API headers).
async fn download(fake: &FakeNotion, url: &str) -> Resp {
    let path = url
        .strip_prefix(&fake.base_url())
        .expect("a URL on the fake");
    raw(fake, Method::GET, path, &[], None).await.unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hosted_file_downloads_with_its_size_hash_and_type() {
    let fake = start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Duration::from_secs(3600),
        300_000,
    )
    .await;
    let files: Vec<HostedFile> = fake.hosted_files().collect();
    for stream in [
        Stream::Pages,
        Stream::Blocks,
        Stream::Comments,
        Stream::Databases,
        Stream::DataSources,
    ] {
        assert!(
            files.iter().any(|f| f.stream == stream),
            "hosted files on {stream:?}"
        );
    }
    for field in [
        "icon.file",
        "cover.file",
        "image.file",
        "pdf.file",
        "attachments[0].file",
    ] {
        assert!(files.iter().any(|f| f.field == field), "a hosted {field}");
    }
    assert!(files.iter().any(|f| f.field.starts_with("properties.")));
    let large: Vec<_> = files.iter().filter(|f| f.size == 300_000).collect();
    assert_eq!(large.len(), 1, "one large file");
    let api_before = fake.counters().total();
    for f in &files {
        let obj = record(&fake, f).object;
        let file = at(&obj, &f.field);
        let url = file["url"].as_str().unwrap();
        assert!(
            url.starts_with(&format!("{}/files/{}/", fake.base_url(), f.id)),
            "{url}"
        );
        assert!(url.contains("X-Amz-Expires=3600") && url.contains("X-Amz-Signature="));
        let expiry =
            chrono::DateTime::parse_from_rfc3339(file["expiry_time"].as_str().unwrap()).unwrap();
        assert!(expiry > fake.now());
        let r = download(&fake, url).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.body.len() as u64, f.size);
        assert_eq!(sha256(&r.body), f.sha256, "{} {}", f.id, f.field);
        assert_eq!(r.header("content-type"), Some(f.content_type.as_str()));
        assert!(r.header("date").is_some());
    }
    let c = fake.counters();
    assert_eq!(c.downloads(), files.len() as u64);
    assert_eq!(c.file_downloads.get(&200), Some(&(files.len() as u64)));
    assert_eq!(c.total(), api_before, "downloads are not API requests");
    // External files stay where they are.
    let external = fake
        .ground_truth(Stream::Blocks, ApiVersion::V2026_03_11)
        .find(|b| b.object["type"] == "image" && b.object["image"]["type"] == "external")
        .expect("an external image");
    assert!(
        external.object["image"]["external"]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
}

#[tokio::test]
async fn urls_expire_signatures_are_checked_and_retrieval_gives_fresh_urls() {
    let fake = start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Duration::from_secs(4),
        4096,
    )
    .await;
    let f = fake
        .hosted_files()
        .find(|f| f.stream == Stream::Blocks)
        .unwrap();
    let block = get(&fake, &format!("/v1/blocks/{}", f.record)).await.json();
    let file = at(&block, &f.field).clone();
    let url = file["url"].as_str().unwrap().to_owned();
    assert!(url.contains("X-Amz-Expires=4"));
    assert_eq!(download(&fake, &url).await.status, 200);

    // A wrong signature, missing parameters.
    let forged = format!("{}0", url);
    let r = download(&fake, &forged).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.header("content-type"), Some("application/xml"));
    assert!(String::from_utf8_lossy(&r.body).contains("<Code>SignatureDoesNotMatch</Code>"));
    let bare = url.split('?').next().unwrap();
    let r = download(&fake, bare).await;
    assert_eq!(r.status, 403);
    assert!(String::from_utf8_lossy(&r.body).contains("<Code>AccessDenied</Code>"));

    // Past its expiry time: refused; retrieving the block again gives a fresh URL.
    fake.advance(Duration::from_secs(5));
    let r = download(&fake, &url).await;
    assert_eq!(r.status, 403);
    let body = String::from_utf8_lossy(&r.body).into_owned();
    assert!(body.contains("<Code>AccessDenied</Code>") && body.contains("Request has expired"));
    assert!(body.contains(&format!(
        "<Expires>{}</Expires>",
        chrono::DateTime::parse_from_rfc3339(file["expiry_time"].as_str().unwrap())
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
    )));
    let again = get(&fake, &format!("/v1/blocks/{}", f.record)).await.json();
    let fresh = at(&again, &f.field)["url"].as_str().unwrap().to_owned();
    assert_ne!(fresh, url);
    assert!(at(&again, &f.field)["expiry_time"].as_str() > file["expiry_time"].as_str());
    let r = download(&fake, &fresh).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        sha256(&r.body),
        f.sha256,
        "the same content behind a new URL"
    );
    let c = fake.counters();
    assert_eq!(c.file_downloads.get(&403), Some(&3));
    assert_eq!(c.file_downloads.get(&200), Some(&2));
}

#[tokio::test]
async fn downloads_are_not_rate_limited() {
    let fake = FakeNotion::start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Options {
            rate_limit: Some(3),
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let f = fake.hosted_files().next().unwrap();
    let obj = record(&fake, &f).object;
    let url = at(&obj, &f.field)["url"].as_str().unwrap().to_owned();
    for _ in 0..3 {
        assert_eq!(get(&fake, "/v1/users/me").await.status, 200);
    }
    assert_eq!(get(&fake, "/v1/users/me").await.status, 429);
    for _ in 0..5 {
        assert_eq!(download(&fake, &url).await.status, 200);
    }
    let c = fake.counters();
    assert_eq!((c.total(), c.downloads()), (4, 5));
}

#[tokio::test]
async fn replacing_a_file_gives_a_new_version_and_bumps_its_page() {
    let fake = start(
        WorkspaceSpec::Generated(GenConfig::small()),
        Duration::from_secs(3600),
        4096,
    )
    .await;
    let f = fake
        .hosted_files()
        .find(|f| f.stream == Stream::Blocks)
        .unwrap();
    let block = get(&fake, &format!("/v1/blocks/{}", f.record)).await.json();
    let old_url = at(&block, &f.field)["url"].as_str().unwrap().to_owned();
    let page = block["parent"].clone();
    fake.advance(Duration::from_secs(120));
    let new = fake.replace_file(&f.id).unwrap();
    assert_ne!(new.id, f.id);
    assert_ne!(new.sha256, f.sha256);
    assert_ne!(new.size, f.size);
    assert_eq!(
        (new.record, &new.field, &new.name),
        (f.record, &f.field, &f.name)
    );
    assert!(fake.hosted_files().any(|h| h == new));
    assert!(!fake.hosted_files().any(|h| h.id == f.id));
    // The old URL is gone; the block serves the new one.
    let r = download(&fake, &old_url).await;
    assert_eq!(r.status, 404);
    assert!(String::from_utf8_lossy(&r.body).contains("<Code>NoSuchKey</Code>"));
    let block = get(&fake, &format!("/v1/blocks/{}", f.record)).await.json();
    let url = at(&block, &f.field)["url"].as_str().unwrap().to_owned();
    assert!(url.contains(&format!("/files/{}/", new.id)));
    let r = download(&fake, &url).await;
    assert_eq!(
        (r.body.len() as u64, sha256(&r.body)),
        (new.size, new.sha256.clone())
    );
    // The block and its page were edited now.
    let now = fake.now().format("%Y-%m-%dT%H:%M").to_string();
    assert!(
        block["last_edited_time"]
            .as_str()
            .unwrap()
            .starts_with(&now)
    );
    let page_id = page["page_id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| {
            fake.ground_truth(Stream::Blocks, ApiVersion::V2026_03_11)
                .find(|b| b.id == f.record)
                .unwrap()
                .page_id
                .unwrap()
                .to_string()
        });
    let p = get(&fake, &format!("/v1/pages/{page_id}")).await.json();
    assert!(p["last_edited_time"].as_str().unwrap().starts_with(&now));
    assert!(
        fake.replace_file(&f.id).is_err(),
        "an old version cannot be replaced"
    );
}

#[tokio::test]
async fn the_demo_has_hosted_images_a_pdf_a_file_property_and_the_large_file() {
    let fake = start(WorkspaceSpec::Demo, Duration::from_secs(3600), 2 << 20).await;
    let files: Vec<HostedFile> = fake.hosted_files().collect();
    let named = |n: &str| {
        files
            .iter()
            .find(|f| f.name == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert_eq!(named("office-map.png").content_type, "image/png");
    assert_eq!(named("office-map.png").size, 184_320);
    assert_eq!(named("safety-standard.pdf").content_type, "application/pdf");
    assert_eq!(named("warehouse-scan.zip").size, 2 << 20);
    assert!(
        named("p-hauler-v2-brief.pdf")
            .field
            .starts_with("properties.Brief.files[")
    );
    assert_eq!(named("onboarding-cover.jpg").field, "cover.file");
    assert_eq!(named("faq-icon.png").field, "icon.file");
    assert_eq!(named("whiteboard.png").stream, Stream::Comments);
    let big = named("warehouse-scan.zip");
    let obj = record(&fake, big).object;
    let r = download(&fake, at(&obj, &big.field)["url"].as_str().unwrap()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("2097152"));
    assert_eq!(sha256(&r.body), big.sha256);
}
