//! A read of every stream, then an incremental read from the state the first one left: the
//! second reads only what changed (here: nothing).
//!
//! `cargo run -p notion-streams --example read_with_state`

#![allow(clippy::print_stdout)] // an example program prints what it read

mod common;

use std::collections::BTreeMap;

use futures::StreamExt;
use notion_streams::{Connector, Message, Selection, State, StreamName};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (settings, _fake) = common::settings().await?;
    let connector = Connector::new(settings)?;

    for round in ["first (everything)", "second (incremental)"] {
        let mut counts: BTreeMap<StreamName, u64> = BTreeMap::new();
        let mut read = connector.read(Selection::all_incremental());
        while let Some(message) = read.next().await {
            match message {
                Message::Record { stream, .. } => *counts.entry(stream).or_default() += 1,
                Message::Log { level, message } => eprintln!("{level:?}: {message}"),
                _ => {}
            }
        }
        read.finish().await?;
        println!("{round} read: {counts:?}");
    }

    // The state survives a restart as the JSON array of STATE messages a read emits; here it is
    // kept as text and parsed back, as a program would between runs.
    let state = connector.get_state();
    let cursor = state.get(StreamName::Pages).and_then(|s| s.cursor);
    println!("pages will be read from {cursor:?} next time");
    let saved = serde_json::to_string(&[serde_json::json!({
        "type": "STREAM",
        "stream": {"stream_descriptor": {"name": "pages"},
                   "stream_state": state.get(StreamName::Pages).map(|s| s.to_value())},
    })])?;
    connector.set_state(State::from_json(&saved)?);
    Ok(())
}
