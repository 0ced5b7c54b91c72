//! The Notion source connector: six streams (users, databases, data sources, pages, blocks,
//! comments), incremental state, checkpoints, and the Airbyte protocol messages.
//!
//! - [`Config`] parses and validates the configuration; [`Settings`] is the validated form.
//! - [`Connector`] checks credentials, lists the streams and reads them as a stream of
//!   [`Message`]s (records, states, logs, statuses, errors).
//! - [`Message::write_json_line`] writes a message as an Airbyte protocol line.
//! - [`schema`] generates the streams' JSON schemas and the connector specification.
//! - [`typed`] holds the typed streams of data sources (`ds_…`, setting `data_source_streams`):
//!   their names, schemas and records, a projection of the rows the `pages` stream reads.
//!
//! Records are the Notion objects as Notion sent them, limited to the fields their stream
//! declares (undeclared top-level fields go into `_extra`), plus enrichment fields whose names
//! start with `_` (for blocks: `_page_id` and `_depth`; for pages: `_title`, `_data_source_id`,
//! `_database_id`).
//!
//! ```
//! use notion_streams::{Config, StreamName, schema};
//!
//! let settings = Config::from_json(r#"{"credentials": {"auth_type": "token", "token": "ntn_x"}}"#)?;
//! assert_eq!(settings.config.page_size, 100);
//! let blocks = schema::stream_schema(StreamName::Blocks);
//! assert!(blocks["properties"]["paragraph"].is_object());
//! # Ok::<(), notion_streams::Error>(())
//! ```

pub mod api;
pub mod catalog;
mod check;
pub mod client;
pub mod config;
pub mod connector;
pub mod error;
pub mod idset;
pub mod protocol;
mod read;
pub mod records;
pub mod rotation;
pub mod schema;
pub mod shape;
pub mod state;
pub mod stream;
pub mod typed;

pub use api::{HttpStats, ListPage, NotionApi, Object};
pub use catalog::{Selection, SyncMode};
pub use config::{CommentsMode, Config, CredentialsConfig, Secret, Settings};
pub use connector::{Connector, Read, Records};
pub use error::{Error, FailureType, InvalidField, Result, StreamFailure};
pub use protocol::{LogLevel, Message, StreamStatus};
pub use read::ReadCounters;
pub use rotation::TokensRotated;
pub use state::{State, StreamState};
pub use stream::{StreamName, StreamSet};
