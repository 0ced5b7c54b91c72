//! Handling errors by kind: a page that does not exist, a stream the integration may not read,
//! and what `finish` reports.
//!
//! `cargo run -p notion-streams --example errors_by_kind`

#![allow(clippy::print_stdout)] // an example program prints what it read

mod common;

use futures::StreamExt;
use notion_http::ErrorKind;
use notion_model::Id;
use notion_streams::{Connector, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (settings, _fake) = common::settings().await?;
    let connector = Connector::new(settings)?;

    // Blocks of a page that does not exist (or is not shared): a not-found error, with what
    // Notion sent to identify it.
    let missing: Id = "00000000-0000-4000-8000-00000000dead".parse()?;
    let mut blocks = connector.read_blocks(vec![missing]);
    while let Some(item) = blocks.next().await {
        match item {
            Ok(block) => println!("block {}", block["id"]),
            Err(e) if e.is_not_found() => {
                let api = e.api();
                println!(
                    "page {missing} is not shared with the integration: HTTP {:?}, code {:?}, request id {:?}",
                    api.map(|a| a.status.as_u16()),
                    api.and_then(|a| a.code.as_ref()).map(|c| c.as_str()),
                    api.and_then(|a| a.request_id.as_deref()),
                );
            }
            Err(e) => return Err(e.into()),
        }
    }

    // Branch on the kind of a failure, as a scheduler would.
    let mut users = connector.read_users();
    while let Some(item) = users.next().await {
        if let Err(e) = item {
            match e.http_kind() {
                Some(ErrorKind::Restricted) => {
                    println!("enable \"read user information\" for the integration: {e}")
                }
                Some(ErrorKind::Authentication) => println!("re-authorize: {e}"),
                Some(ErrorKind::RateLimited | ErrorKind::Server | ErrorKind::Timeout) => {
                    println!("temporary ({}), retry later: {e}", e.failure_type())
                }
                _ => println!("failed: {e}"),
            }
        }
    }
    // `finish` gives every failed stream's error at the end.
    match users.finish().await {
        Ok(()) => println!("users read completely"),
        Err(Error::StreamsFailed(failed)) => {
            for f in failed {
                println!("{} failed: {}", f.stream, f.error);
            }
        }
        Err(e) => println!("the read stopped: {e}"),
    }
    Ok(())
}
