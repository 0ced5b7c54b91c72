//! The `read_*` conveniences: each stream's records as JSON values, errors where they happen.
//!
//! `cargo run -p notion-streams --example read_conveniences`

#![allow(clippy::print_stdout)] // an example program prints what it read

mod common;

use futures::TryStreamExt;
use notion_model::Id;
use notion_streams::Connector;
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (settings, _fake) = common::settings().await?;
    let connector = Connector::new(settings)?;

    let users: Vec<Value> = connector.read_users().try_collect().await?;
    println!("{} users", users.len());
    let databases: Vec<Value> = connector.read_databases().try_collect().await?;
    println!("{} databases", databases.len());
    let data_sources: Vec<Value> = connector.read_data_sources().try_collect().await?;
    println!("{} data sources", data_sources.len());
    let pages: Vec<Value> = connector.read_pages().try_collect().await?;
    println!("{} pages", pages.len());

    // The rows of one database, and the blocks and comments of a few pages.
    if let Some(database) = databases
        .first()
        .and_then(|d| d["id"].as_str())
        .and_then(|id| id.parse::<Id>().ok())
    {
        let rows: Vec<Value> = connector.read_database(database).try_collect().await?;
        println!("{} rows in database {database}", rows.len());
    }
    let some_pages: Vec<Id> = pages
        .iter()
        .filter_map(|p| p["id"].as_str()?.parse().ok())
        .take(3)
        .collect();
    let blocks: Vec<Value> = connector
        .read_blocks(some_pages.clone())
        .try_collect()
        .await?;
    println!("{} blocks in {} pages", blocks.len(), some_pages.len());
    let comments: Vec<Value> = connector.read_comments(some_pages).try_collect().await?;
    println!("{} comments on them", comments.len());
    Ok(())
}
