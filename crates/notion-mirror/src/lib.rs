//! A local SQLite mirror of a Notion workspace, written from the records of `notion-streams`.
//!
//! One table per stream (`users`, `databases`, `data_sources`, `pages`, `blocks`, `comments`,
//! `page_markdown`; [`Table`]) holds each record's raw JSON (`raw`) and the typed columns people
//! query (ids, parent, type, title or plain text, a block's position among its siblings, times,
//! `in_trash`). A block's plain text is `notion_markdown`'s. `sync_state` holds the connector's
//! state and `sync_runs` the history of runs. An FTS5 index of every page's title and
//! Markdown, kept in step by triggers, answers [`Search`] (read-only). Each data source has a
//! typed view (`ds_<title>`, a column per property; [`Mirror::views`]), re-created in the
//! transaction that changes its schema.
//!
//! Rows gone from Notion are deleted: a tombstone record (`_ab_cdc_deleted_at`) deletes its row
//! (a page's with its content), [`Mirror::page_content`] the blocks and comments a re-read page
//! no longer has, [`Mirror::sweep`] what a successful full read did not see. Deletions are
//! counted ([`Mirror::deletions`]) once committed.
//!
//! [`Mirror::open`] creates a mirror in a new or empty file and opens one it wrote before (a
//! marker in `meta`), upgrading a mirror of an earlier schema in one transaction; any other
//! file is refused untouched. Records are upserted inside a
//! transaction that the caller commits once the STATE covering them is stored
//! ([`Mirror::state`] then [`Mirror::commit`]); [`Mirror::rollback`] drops the records no state
//! covers. A sync killed at any point and run again therefore ends with the
//! same content as an uninterrupted one. A record without a primary key is not stored and
//! [`Mirror::record`] says so ([`RecordOutcome::NotStored`]); a run left `running` by a killed
//! sync is marked `interrupted` when the next one starts.
//!
//! The `files` table lists the files synced records reference (Notion-hosted files, whose
//! links expire after an hour, and external links) and where their copies are stored;
//! [`FileUpkeep`] keeps it current during a sync that downloads files ([`files`]).
//!
//! ```
//! use notion_mirror::{Highlight, Mirror, RecordOutcome, Search};
//! use notion_streams::StreamName;
//! use serde_json::json;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let mut mirror = Mirror::open(&dir.path().join("notion.db"))?;
//! let run = mirror.start_run("incremental")?;
//! let user = r#"{"object":"user","id":"u1","name":"Ada","type":"person"}"#;
//! assert_eq!(mirror.record(StreamName::Users, user)?, RecordOutcome::Stored);
//! let no_id = r#"{"object":"user","name":"Nobody"}"#;
//! assert!(matches!(mirror.record(StreamName::Users, no_id)?, RecordOutcome::NotStored(_)));
//! mirror.state(StreamName::Users, &json!({}))?;
//! mirror.commit()?;
//! mirror.finish_run(run, "succeeded", &json!({"status": "succeeded"}), None)?;
//! assert_eq!(mirror.counts()?[0], ("users", 1));
//! assert!(mirror.load_state()?.get(StreamName::Users).is_some());
//!
//! // Pages are searchable by their title and Markdown as soon as they are committed.
//! let page = r#"{"object":"page","id":"p1","_title":"Battery swap station","in_trash":false}"#;
//! assert_eq!(mirror.record(StreamName::Pages, page)?, RecordOutcome::Stored);
//! mirror.commit()?;
//! let hits = Search::open(&dir.path().join("notion.db"))?.pages("battery", 10, &Highlight::default())?;
//! assert_eq!(hits[0].title, "Battery swap station");
//! assert_eq!(hits[0].snippet, "«Battery» swap station");
//! # Ok(())
//! # }
//! ```

mod columns;
pub mod error;
pub mod files;
mod migrate;
mod mirror;
mod schema;
pub mod search;
mod views;

pub use error::{Error, Result};
pub use files::{FileCounts, FileDownload, FileKey, FileUpkeep};
pub use mirror::{Deletions, Mirror, RecordOutcome};
pub use schema::{SCHEMA_VERSION, Table};
pub use search::{Highlight, Hit, Search};
pub use views::View;
