//! Check that the credentials can read Notion, and list the streams with their schemas.
//!
//! `cargo run -p notion-streams --example check_and_discover` (set `NOTION_TOKEN` to use your
//! workspace; without it the example reads a fake demo workspace on 127.0.0.1).

#![allow(clippy::print_stdout)] // an example program prints what it read

mod common;

use notion_streams::Connector;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (settings, _fake) = common::settings().await?;
    let connector = Connector::new(settings)?;
    match connector.check().await {
        Ok(()) => println!("check: the credentials can read the workspace"),
        Err(e) => println!("check failed ({}): {e}", e.failure_type()),
    }
    let catalog = connector.discover();
    for stream in catalog["streams"].as_array().into_iter().flatten() {
        println!(
            "stream {:<13} primary key {} cursor {}",
            stream["name"].as_str().unwrap_or_default(),
            stream["source_defined_primary_key"],
            stream["default_cursor_field"],
        );
    }
    Ok(())
}
