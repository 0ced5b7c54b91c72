//! The HTTP client on its own: single objects, listings by typed request, statistics.
//!
//! `cargo run -p notion-streams --example client_calls`

#![allow(clippy::print_stdout)] // an example program prints what it read

mod common;

use futures::TryStreamExt;
use notion_http::query::{DataSourceQuery, Direction, Filter, SearchRequest, Sort};
use notion_http::{ListRequest, NotionClient};
use notion_model::{List, SearchResult};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (settings, _fake) = common::settings().await?;
    let client = NotionClient::new(notion_streams::client::client_config(&settings, None))?;

    let me = client.me().await?;
    println!("connected as {:?}", me.name.flatten());

    // Data sources, newest first, as typed model objects.
    let search = SearchRequest::new()
        .data_sources()
        .sort_by_last_edited(Direction::Descending);
    let results: Vec<SearchResult> = client.search(&search).items().try_collect().await?;
    for result in &results {
        if let SearchResult::DataSource(ds) = result {
            // Its rows edited since November, oldest first, by the typed request.
            let query = DataSourceQuery::new()
                .filter(Filter::edited_on_or_after("2026-11-01T00:00:00Z"))
                .sort(Sort::last_edited(Direction::Ascending));
            let request = ListRequest::QueryDataSource {
                data_source: ds.id,
                query,
            };
            let rows: Vec<Value> = client
                .list::<List<Value>>(&request)
                .items()
                .try_collect()
                .await?;
            println!(
                "data source {}: {} rows edited since November",
                ds.id,
                rows.len()
            );
        }
    }
    let stats = client.stats();
    println!(
        "{} requests, {} retries, {} rate-limited",
        stats.requests_sent, stats.retries, stats.rate_limited
    );
    Ok(())
}
