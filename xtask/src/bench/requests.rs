//! Request efficiency: full syncs against the fake's minimum, and incremental syncs after k
//! edits against what the edited pages need plus the fixed cost of a sync.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use notion_fake::{ApiVersion, Counters, Endpoint, Id, MinRequests, ReadOptions, Stream};
use serde_json::{Value, json};

use super::common::{
    ENDPOINTS, Fake, Meter, Run, Setup, Table, ensure_success, load_average, thousands,
    unthrottled_setup, write_json,
};

/// Options of `cargo xtask bench requests`.
#[derive(Debug, Parser)]
pub(crate) struct RequestsArgs {
    /// Workspace sizes (pages), comma separated (the `bench-sync-N` workspace).
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    pages: Vec<u32>,
    /// Edits before each incremental sync, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "1,10,100")]
    edits: Vec<u32>,
}

/// Expected requests per endpoint.
type PerEndpoint = BTreeMap<Endpoint, u64>;

fn from_min(m: &MinRequests) -> PerEndpoint {
    BTreeMap::from([
        (Endpoint::ListUsers, m.users),
        (Endpoint::Search, m.search),
        (Endpoint::RetrieveDatabase, m.databases),
        (Endpoint::RetrieveDataSource, m.data_sources),
        (Endpoint::QueryDataSource, m.queries),
        (Endpoint::RetrievePage, m.pages),
        (Endpoint::BlockChildren, m.block_children),
        (Endpoint::ListComments, m.comments),
        (Endpoint::PagePropertyItem, m.property_items),
    ])
}

fn issued(c: &Counters) -> PerEndpoint {
    ENDPOINTS
        .iter()
        .map(|(e, _)| (*e, c.endpoint(*e)))
        .collect()
}

fn sum(p: &PerEndpoint) -> u64 {
    p.values().sum()
}

fn ceil100(n: u64) -> u64 {
    n.div_ceil(100)
}

pub(crate) fn run(args: RequestsArgs, meter: Meter) -> Result<()> {
    for &pages in &args.pages {
        one_workspace(pages, &args.edits, meter)?;
    }
    Ok(())
}

/// A page of the workspace, as ground truth shows it.
struct PageInfo {
    id: Id,
    /// The data source of a row.
    data_source: Option<String>,
    /// Reached only through a `child_page` block (not in search).
    child: bool,
    /// Name of the title property.
    title_property: String,
}

fn one_workspace(pages: u32, ks: &[u32], meter: Meter) -> Result<()> {
    let load_before = load_average();
    let Setup {
        fake,
        dir,
        config: config_s,
        catalog: catalog_s,
    } = unthrottled_setup(pages, &format!("requests-{pages}"))?;

    // ---- full sync ---------------------------------------------------------------------------
    let minimum = fake.min_requests(ReadOptions::default());
    fake.reset_counters();
    let full =
        Run::connector(&["read", "--config", &config_s, "--catalog", &catalog_s]).measure(meter)?;
    ensure_success("the full sync", &full)?;
    let counters = fake.counters();
    let sent = issued(&counters);
    let want = from_min(&minimum);
    let mut t = Table::new(
        format!(
            "Requests: full sync of bench-sync-{pages} ({} records, {:.1} s, load average {load_before})",
            thousands(full.output.total()),
            full.usage.wall
        ),
        &["endpoint", "issued", "minimum", "difference"],
    );
    for (e, name) in ENDPOINTS {
        let (a, b) = (
            sent.get(&e).copied().unwrap_or(0),
            want.get(&e).copied().unwrap_or(0),
        );
        if a == 0 && b == 0 {
            continue;
        }
        t.row(vec![
            name.to_owned(),
            thousands(a),
            thousands(b),
            format!("{:+}", a as i64 - b as i64),
        ]);
    }
    let (total, min_total) = (counters.total(), minimum.total());
    t.row(vec![
        "total".to_owned(),
        thousands(total),
        thousands(min_total),
        format!("{:+}", total as i64 - min_total as i64),
    ]);
    t.note(format!(
        "records: {}; non-2xx responses: {}",
        full.output
            .records
            .iter()
            .map(|(s, n)| format!("{s} {}", thousands(*n)))
            .collect::<Vec<_>>()
            .join(", "),
        counters.total() - counters.status(200)
    ));
    t.print();
    let mut state = full.output.state_file();

    // ---- the workspace as ground truth shows it ---------------------------------------------
    let users = fake
        .ground_truth(Stream::Users, ApiVersion::V2026_03_11)
        .count() as u64;
    let data_sources: Vec<String> = fake
        .ground_truth(Stream::DataSources, ApiVersion::V2026_03_11)
        .map(|r| r.id.to_string())
        .collect();
    let databases = fake
        .ground_truth(Stream::Databases, ApiVersion::V2026_03_11)
        .count() as u64;
    let all_pages: Vec<PageInfo> = fake
        .ground_truth(Stream::Pages, ApiVersion::V2026_03_11)
        .map(|r| {
            let parent = &r.object["parent"];
            let title_property = r.object["properties"]
                .as_object()
                .and_then(|m| m.iter().find(|(_, v)| v["type"] == "title"))
                .map(|(k, _)| k.clone())
                .unwrap_or_default();
            PageInfo {
                id: r.id,
                data_source: parent["data_source_id"].as_str().map(str::to_owned),
                child: parent["type"] == "page_id",
                title_property,
            }
        })
        .collect();
    // Incremental syncs find edited pages through search and data-source queries; child pages
    // (not in search) are read again only when their parent changes (docs/streams.md).
    let candidates: Vec<&PageInfo> = all_pages.iter().filter(|p| !p.child).collect();
    ensure!(!candidates.is_empty(), "the workspace has no pages to edit");

    // ---- incremental syncs -------------------------------------------------------------------
    let mut columns: Vec<(u32, PerEndpoint, PerEndpoint, u64)> = Vec::new();
    for (round, &k) in ks.iter().enumerate() {
        fake.advance(Duration::from_secs(3600));
        let edited = edit(&fake, &candidates, k, round)?;
        // Past the lookback window, so that the next sync's cursor is after these edits.
        fake.advance(Duration::from_secs(15 * 60));
        let state_file = write_json(&dir, &format!("state-{round}.json"), &state)?;
        fake.reset_counters();
        let inc = Run::connector(&[
            "read",
            "--config",
            &config_s,
            "--catalog",
            &catalog_s,
            "--state",
            &state_file.display().to_string(),
        ])
        .measure(meter)?;
        ensure_success("an incremental sync", &inc)?;
        let c = fake.counters();
        state = inc.output.state_file();

        // What the edited pages need, and the fixed cost of a sync.
        let ids: Vec<Id> = edited.iter().map(|p| p.id).collect();
        let (content, refs) = fake.page_content_requests(&ids, ReadOptions::default());
        let mut want = from_min(&content);
        let rows_per_ds = edited
            .iter()
            .fold(BTreeMap::<&str, u64>::new(), |mut m, p| {
                if let Some(ds) = &p.data_source {
                    *m.entry(ds.as_str()).or_insert(0) += 1;
                }
                m
            });
        let queries: u64 = data_sources
            .iter()
            .map(|ds| ceil100(rows_per_ds.get(ds.as_str()).copied().unwrap_or(0)).max(1))
            .sum();
        let search_pages = ceil100(edited.len() as u64 + 1);
        *want.entry(Endpoint::ListUsers).or_insert(0) += ceil100(users).max(1);
        *want.entry(Endpoint::Search).or_insert(0) +=
            ceil100(data_sources.len() as u64).max(1) + search_pages + 1;
        *want.entry(Endpoint::RetrieveDatabase).or_insert(0) += databases;
        *want.entry(Endpoint::QueryDataSource).or_insert(0) += queries;
        *want.entry(Endpoint::RetrievePage).or_insert(0) += refs.pages.len() as u64;
        if !refs.databases.is_empty() {
            bail!("the benchmark workspace has no child databases");
        }
        let pages_read = inc.output.of("pages");
        columns.push((k, issued(&c), want, pages_read));
    }

    let fixed = ceil100(users).max(1)
        + ceil100(data_sources.len() as u64).max(1)
        + 2
        + databases
        + data_sources.len() as u64;
    let mut header = vec!["endpoint".to_owned()];
    for (k, ..) in &columns {
        header.push(format!("k={k} issued"));
        header.push(format!("k={k} expected"));
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = Table::new(
        format!("Requests: incremental syncs of bench-sync-{pages} after k edits"),
        &header_refs,
    );
    for (e, name) in ENDPOINTS {
        if columns.iter().all(|(_, a, b, _)| {
            a.get(&e).copied().unwrap_or(0) == 0 && b.get(&e).copied().unwrap_or(0) == 0
        }) {
            continue;
        }
        let mut row = vec![name.to_owned()];
        for (_, a, b, _) in &columns {
            row.push(thousands(a.get(&e).copied().unwrap_or(0)));
            row.push(thousands(b.get(&e).copied().unwrap_or(0)));
        }
        t.row(row);
    }
    let mut row = vec!["total".to_owned()];
    for (_, a, b, _) in &columns {
        row.push(thousands(sum(a)));
        row.push(thousands(sum(b)));
    }
    t.row(row);
    let mut row = vec!["  of which fixed per sync".to_owned()];
    for _ in &columns {
        row.push(String::new());
        row.push(thousands(fixed));
    }
    t.row(row);
    let mut row = vec!["  of which per edited page".to_owned()];
    for (k, _, b, _) in &columns {
        row.push(String::new());
        row.push(format!(
            "{:.1}",
            sum(b).saturating_sub(fixed) as f64 / f64::from((*k).max(1))
        ));
    }
    t.row(row);
    let mut row = vec!["pages re-read".to_owned()];
    for (_, _, _, n) in &columns {
        row.push(thousands(*n));
        row.push(String::new());
    }
    t.row(row);
    t.note(format!(
        "Fixed per sync: {} users page, 1 data-source search page per 100 data sources ({}), \
         1 page search page (more when over 99 pages changed), 1 trash search, {databases} \
         database retrieve(s) and {} data-source query(ies) (one each per database and data \
         source: they grow with the number of databases, not pages). Per edited page: its block \
         tree, the comments of the page and of each block, truncated relations, and a retrieve \
         of each child page it links to. Edits: block text, a comment on an inner block, the \
         title property, in turn, on k different pages (not child pages).",
        ceil100(users).max(1),
        data_sources.len(),
        data_sources.len()
    ));
    t.print();
    Ok(())
}

/// Applies `k` edits to `k` pages spread over the workspace; returns the pages edited.
fn edit<'a>(
    fake: &Fake,
    candidates: &[&'a PageInfo],
    k: u32,
    round: usize,
) -> Result<Vec<&'a PageInfo>> {
    let n = candidates.len();
    let k = (k as usize).min(n);
    let mut chosen: Vec<&PageInfo> = Vec::new();
    let mut taken = BTreeSet::new();
    for i in 0..k {
        let mut j = (i * n / k + round * 7919) % n;
        while !taken.insert(j) {
            j = (j + 1) % n;
        }
        chosen.push(candidates[j]);
    }
    for (i, page) in chosen.iter().enumerate() {
        match i % 3 {
            0 => {
                let blocks = children(fake, &page.id)?;
                match blocks.iter().find(|b| is_text(b)) {
                    Some(b) => fake.edit_block(block_id(b)?, "Edited for the benchmark")?,
                    None => {
                        fake.add_comment(page.id, "A comment for the benchmark")?;
                    }
                }
            }
            1 => {
                let blocks = children(fake, &page.id)?;
                let parent = blocks.iter().find(|b| {
                    b["has_children"] == true
                        && !matches!(
                            b["type"].as_str(),
                            Some("child_page" | "child_database" | "synced_block")
                        )
                });
                let target = match parent {
                    Some(p) => children(fake, &block_id(p)?)?
                        .first()
                        .map(block_id)
                        .transpose()?,
                    None => blocks.first().map(block_id).transpose()?,
                };
                fake.add_comment(target.unwrap_or(page.id), "A comment for the benchmark")?;
            }
            _ => {
                let title = json!({"title": [{"type": "text", "text": {"content": "Renamed", "link": null},
                    "plain_text": "Renamed", "href": null, "annotations": {"bold": false, "italic": false,
                    "strikethrough": false, "underline": false, "code": false, "color": "default"}}]});
                fake.edit_page_properties(page.id, json!({ page.title_property.clone(): title }))?;
            }
        }
    }
    Ok(chosen)
}

fn is_text(b: &Value) -> bool {
    matches!(
        b["type"].as_str(),
        Some(
            "paragraph"
                | "heading_1"
                | "heading_2"
                | "heading_3"
                | "bulleted_list_item"
                | "numbered_list_item"
                | "to_do"
                | "toggle"
                | "quote"
                | "callout"
        )
    )
}

fn block_id(b: &Value) -> Result<Id> {
    b["id"]
        .as_str()
        .context("a block without id")?
        .parse()
        .map_err(|_| anyhow::anyhow!("a bad block id"))
}

/// The first page of children of a block or page, read from the fake over HTTP.
fn children(fake: &Fake, id: &Id) -> Result<Vec<Value>> {
    let body = http_get(fake, &format!("/v1/blocks/{id}/children?page_size=100"))?;
    Ok(body["results"].as_array().cloned().unwrap_or_default())
}

/// A GET request to the fake (one connection per request).
pub(crate) fn http_get(fake: &Fake, path: &str) -> Result<Value> {
    let addr = fake.addr();
    let mut stream = std::net::TcpStream::connect(addr)?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {}\r\nnotion-version: 2026-03-11\r\nconnection: close\r\n\r\n",
        fake.token()
    );
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("a response without a body")?;
    ensure!(head.starts_with("HTTP/1.1 200"), "GET {path}: {head}");
    Ok(serde_json::from_str(body)?)
}
