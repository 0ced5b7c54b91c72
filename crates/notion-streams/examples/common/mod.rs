//! What the examples share: the settings to read with.
//!
//! With `NOTION_TOKEN` set, the examples read your workspace (through `https://api.notion.com`);
//! without it, they start the fake Notion API on 127.0.0.1 with its small demo workspace, so
//! that they run anywhere.

use notion_fake::{FakeNotion, Options, WorkspaceSpec};
use notion_streams::{Config, Settings};

/// The settings to read with, and the fake server when one was started (keep it alive).
pub(crate) async fn settings() -> Result<(Settings, Option<FakeNotion>), Box<dyn std::error::Error>>
{
    if let Ok(token) = std::env::var("NOTION_TOKEN") {
        return Ok((Config::with_token(token.trim()).validate()?, None));
    }
    let fake = FakeNotion::start(
        WorkspaceSpec::Demo,
        Options {
            rate_limit: None,
            ..Options::default()
        },
    )
    .await?;
    let mut config = Config::with_token(fake.token());
    config.base_url = fake.base_url();
    // The limiter may be off only for a server on this machine.
    config.requests_per_second = 0.0;
    Ok((config.validate()?, Some(fake)))
}
