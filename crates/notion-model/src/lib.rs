//! Lossless serde types for every object of the Notion API.
//!
//! Users, databases, data sources, pages and their property values and schemas, blocks of every
//! type, rich text, files, icons, covers, parents, comments, property items, list responses,
//! search results, error bodies, OAuth responses, file uploads, views and webhook events.
//!
//! # The lossless guarantee
//!
//! For every response Notion sends, `serialize(deserialize(x))` equals `x` as a JSON value:
//!
//! * every object keeps the members this model does not know in an `extra` map and writes them
//!   back;
//! * every tagged union (`{"type": "x", "x": {…}}`: blocks, property values and schemas, rich
//!   text, mentions, icons, files, parents, formula and rollup results, users) has an `Unknown`
//!   variant keeping a type Notion adds later, with its name and payload;
//! * a member that may be absent or `null` keeps which it was (`Option<Option<T>>`);
//! * timestamps keep their original text; numbers keep integer or decimal form.
//!
//! Ids are the one normalisation: they are written dashed and lowercase, the form Notion sends.
//!
//! The model reads `2025-09-03` and `2026-03-11` responses: `in_trash` or `archived` (both kept
//! as sent, `is_trashed()` prefers `in_trash`), and the block type `transcription` as
//! `meeting_notes` (written back as `transcription`). It does no I/O.
//!
//! # Example
//!
//! ```
//! use notion_model::{Block, BlockKind, List, Page};
//!
//! let json = r#"{
//!   "object": "list", "next_cursor": null, "has_more": false, "type": "block", "block": {},
//!   "results": [{
//!     "object": "block", "id": "393abc1e-edcd-812a-b3b0-d8e69c6a6f4c",
//!     "parent": {"type": "page_id", "page_id": "393abc1e-edcd-819d-8f00-c5238cf6ef26"},
//!     "created_time": "2026-07-04T09:12:00.000Z", "last_edited_time": "2026-07-04T09:12:00.000Z",
//!     "has_children": false, "in_trash": false, "archived": false,
//!     "type": "paragraph",
//!     "paragraph": {"rich_text": [], "color": "default", "icon": null},
//!     "a_member_added_next_year": {"kept": true}
//!   }, {
//!     "object": "block", "id": "393abc1e-edcd-8182-aa10-e3ab78a2475f",
//!     "has_children": true, "type": "hologram", "hologram": {"depth": 3}
//!   }]
//! }"#;
//!
//! let list: List<Block> = serde_json::from_str(json)?;
//! assert!(matches!(list.results[0].kind, Some(BlockKind::Paragraph(_))));
//! assert!(list.results[0].extra.contains_key("a_member_added_next_year"));
//! assert_eq!(list.results[1].type_name(), Some("hologram"));
//! assert!(list.results[1].children_fetchable());
//!
//! // Nothing was lost.
//! let original: serde_json::Value = serde_json::from_str(json)?;
//! assert_eq!(serde_json::to_value(&list)?, original);
//!
//! // Pages: properties by name, title as plain text.
//! let page: Page = serde_json::from_str(r#"{"object": "page", "id": "393abc1eedcd81f5ae94ec2d55fe98ed",
//!   "properties": {"Name": {"id": "title", "type": "title", "title": [{"type": "text",
//!   "text": {"content": "Launch", "link": null}, "plain_text": "Launch", "href": null}]}}}"#)?;
//! assert_eq!(page.title(), "Launch");
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! # Layout
//!
//! Each module holds one kind of object; the main types are re-exported at the crate root.

mod codec;

pub mod api_error;
pub mod async_task;
pub mod block;
pub mod color;
pub mod comment;
pub mod data_source;
pub mod database;
pub mod date;
pub mod empty;
pub mod error;
pub mod file;
pub mod file_upload;
pub mod icon;
pub mod id;
pub mod list;
pub mod markdown;
pub mod oauth;
pub mod page;
pub mod parent;
pub mod property;
pub mod property_item;
pub mod reference;
pub mod rich_text;
pub mod search;
pub mod template;
pub mod time;
pub mod user;
pub mod version;
pub mod view;
pub mod webhook;

pub use api_error::{AdditionalValue, ErrorBody, ErrorCode};
pub use async_task::AsyncTask;
pub use block::{Block, BlockKind};
pub use color::Color;
pub use comment::Comment;
pub use data_source::{DataSource, PropertySchemas};
pub use database::Database;
pub use date::DateValue;
pub use empty::Empty;
pub use error::Error;
pub use file::{Cover, File, FileKind, NamedFile};
pub use file_upload::FileUpload;
pub use icon::{CustomEmoji, Icon, IconKind};
pub use id::Id;
pub use list::{List, RequestStatus};
pub use markdown::PageMarkdown;
pub use oauth::{IntrospectResponse, TokenResponse};
pub use page::{Page, PropertyValues};
pub use parent::{Parent, ParentKind};
pub use property::{PropertySchema, PropertySchemaKind, PropertyValue, PropertyValueKind};
pub use property_item::{
    GetPagePropertyResponse, PropertyItem, PropertyItemKind, PropertyItemList,
};
pub use reference::{DataSourceRef, EntityRef, ObjectRef};
pub use rich_text::{Mention, MentionKind, RichText, RichTextKind};
pub use search::{SearchResponse, SearchResult};
pub use template::TemplateList;
pub use time::Timestamp;
pub use user::{Group, Owner, User, UserKind, UserOrGroup};
pub use version::ApiVersion;
pub use view::{View, ViewQuery};
pub use webhook::WebhookEvent;

/// The README's example, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
