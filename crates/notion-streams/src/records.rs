//! The record types of the six streams.
//!
//! A record is the Notion object as Notion sent it, limited to the top-level fields its stream
//! declares, plus documented enrichment fields (their names start with `_`). Top-level fields Notion
//! adds later are not dropped: they go into the `_extra` object. These structs define the declared
//! fields and generate each stream's JSON schema (see [`crate::schema`]); records themselves are
//! written from the raw JSON without a round trip through these types.

#![allow(missing_docs)] // Field docs below are schema descriptions; the structs document the shape.

use schemars::JsonSchema;
use serde_json::{Map, Value};

/// A JSON object of any shape.
pub type Object = Map<String, Value>;

/// A `users` record: a person or a bot of the workspace.
#[derive(JsonSchema)]
#[schemars(
    title = "users",
    description = "A person or bot of the Notion workspace."
)]
pub struct UserRecord {
    /// Always `user`.
    pub object: Option<String>,
    /// The user's ID.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Avatar image URL.
    pub avatar_url: Option<String>,
    /// `person` or `bot`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Person details (`email` when the integration may read e-mail addresses).
    pub person: Option<Object>,
    /// Bot details (owner, workspace).
    pub bot: Option<Object>,
    /// Top-level fields Notion sent that this version does not declare.
    pub _extra: Option<Object>,
}

/// A `databases` record: a database container (its schemas and rows belong to data sources).
#[derive(JsonSchema)]
#[schemars(
    title = "databases",
    description = "A Notion database: a container of one or more data sources."
)]
pub struct DatabaseRecord {
    /// Always `database`.
    pub object: Option<String>,
    /// The database's ID.
    pub id: String,
    /// Title as rich text.
    pub title: Option<Vec<Value>>,
    /// Description as rich text.
    pub description: Option<Vec<Value>>,
    /// Icon.
    pub icon: Option<Object>,
    /// Cover image.
    pub cover: Option<Object>,
    /// Where the database lives.
    pub parent: Option<Object>,
    /// Whether it is shown inline in its parent page.
    pub is_inline: Option<bool>,
    /// Whether it is in the trash.
    pub in_trash: Option<bool>,
    /// `in_trash` under its name before API version 2026-03-11.
    pub archived: Option<bool>,
    /// Whether it is locked against edits.
    pub is_locked: Option<bool>,
    /// When it was created.
    #[schemars(extend("format" = "date-time"))]
    pub created_time: Option<String>,
    /// Who created it.
    pub created_by: Option<Object>,
    /// When it was last edited (the cursor).
    #[schemars(extend("format" = "date-time"))]
    pub last_edited_time: Option<String>,
    /// Who last edited it.
    pub last_edited_by: Option<Object>,
    /// Its data sources: `[{id, name}]`.
    pub data_sources: Option<Vec<Value>>,
    /// Link to it in Notion.
    pub url: Option<String>,
    /// Public link, when published.
    pub public_url: Option<String>,
    /// Plain-text title (enrichment).
    pub _title: Option<String>,
    /// Top-level fields Notion sent that this version does not declare.
    pub _extra: Option<Object>,
}

/// A `data_sources` record: a table of a database, with its property schema.
#[derive(JsonSchema)]
#[schemars(
    title = "data_sources",
    description = "A data source of a Notion database: its property schema."
)]
pub struct DataSourceRecord {
    /// Always `data_source`.
    pub object: Option<String>,
    /// The data source's ID.
    pub id: String,
    /// Title as rich text.
    pub title: Option<Vec<Value>>,
    /// Description as rich text.
    pub description: Option<Vec<Value>>,
    /// Icon.
    pub icon: Option<Object>,
    /// Cover image.
    pub cover: Option<Object>,
    /// Its database: `{type: "database_id", database_id}`.
    pub parent: Option<Object>,
    /// The database's own parent.
    pub database_parent: Option<Object>,
    /// Property schema, by property name.
    pub properties: Option<Object>,
    /// Whether it is shown inline.
    pub is_inline: Option<bool>,
    /// Whether it is in the trash.
    pub in_trash: Option<bool>,
    /// `in_trash` under its name before API version 2026-03-11.
    pub archived: Option<bool>,
    /// When it was created.
    #[schemars(extend("format" = "date-time"))]
    pub created_time: Option<String>,
    /// Who created it.
    pub created_by: Option<Object>,
    /// When it was last edited (the cursor).
    #[schemars(extend("format" = "date-time"))]
    pub last_edited_time: Option<String>,
    /// Who last edited it.
    pub last_edited_by: Option<Object>,
    /// Link to it in Notion.
    pub url: Option<String>,
    /// Public link, when published.
    pub public_url: Option<String>,
    /// ID of its database (enrichment).
    pub _database_id: Option<String>,
    /// Plain-text title (enrichment).
    pub _title: Option<String>,
    /// Top-level fields Notion sent that this version does not declare.
    pub _extra: Option<Object>,
}

/// A `pages` record: a standalone page, a child page, or a row of a data source.
#[derive(JsonSchema)]
#[schemars(
    title = "pages",
    description = "A Notion page: standalone, child of a page or block, or a data-source row."
)]
pub struct PageRecord {
    /// Always `page`.
    pub object: Option<String>,
    /// The page's ID.
    pub id: String,
    /// When it was created.
    #[schemars(extend("format" = "date-time"))]
    pub created_time: Option<String>,
    /// Who created it.
    pub created_by: Option<Object>,
    /// When it was last edited (the cursor; minute precision).
    #[schemars(extend("format" = "date-time"))]
    pub last_edited_time: Option<String>,
    /// Who last edited it.
    pub last_edited_by: Option<Object>,
    /// Cover image.
    pub cover: Option<Object>,
    /// Icon.
    pub icon: Option<Object>,
    /// Where the page lives.
    pub parent: Option<Object>,
    /// Whether it is in the trash.
    pub in_trash: Option<bool>,
    /// `in_trash` under its name before API version 2026-03-11.
    pub archived: Option<bool>,
    /// Whether it is archived (hidden from default data-source queries).
    pub is_archived: Option<bool>,
    /// Whether it is locked against edits.
    pub is_locked: Option<bool>,
    /// Property values by property name, complete (values Notion truncates at 25 entries are
    /// completed unless `fetch_full_properties` is off).
    pub properties: Option<Object>,
    /// Link to it in Notion.
    pub url: Option<String>,
    /// Public link, when published.
    pub public_url: Option<String>,
    /// Plain-text title (enrichment).
    pub _title: Option<String>,
    /// ID of the data source the page is a row of (enrichment).
    pub _data_source_id: Option<String>,
    /// ID of the database the page is a row of (enrichment).
    pub _database_id: Option<String>,
    /// The content version of the read that emitted the page (enrichment): the page's blocks
    /// and comments that are current carry the same (see `docs/streams.md`, deletions).
    #[schemars(extend("format" = "date-time"))]
    pub _content_version: Option<String>,
    /// Top-level fields Notion sent that this version does not declare.
    pub _extra: Option<Object>,
}

/// A `blocks` record: one block of a page, at any depth. The block's content is under the member
/// named by its `type` (for example `paragraph`).
#[derive(JsonSchema)]
#[schemars(
    title = "blocks",
    description = "A block of a Notion page, at any depth. Its content is under the member named by `type`."
)]
pub struct BlockRecord {
    /// Always `block`.
    pub object: Option<String>,
    /// The block's ID.
    pub id: String,
    /// Its parent: the page or the block that contains it.
    pub parent: Option<Object>,
    /// When it was created.
    #[schemars(extend("format" = "date-time"))]
    pub created_time: Option<String>,
    /// Who created it.
    pub created_by: Option<Object>,
    /// When it was last edited (the cursor; minute precision).
    #[schemars(extend("format" = "date-time"))]
    pub last_edited_time: Option<String>,
    /// Who last edited it.
    pub last_edited_by: Option<Object>,
    /// Whether it has children (read and emitted as their own records).
    pub has_children: Option<bool>,
    /// Whether it is in the trash.
    pub in_trash: Option<bool>,
    /// `in_trash` under its name before API version 2026-03-11.
    pub archived: Option<bool>,
    /// The block type, for example `paragraph`; the content is under the member of that name.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// ID of the page the block belongs to (enrichment).
    pub _page_id: Option<String>,
    /// Level of the block in its page: 1 for the page's own children (enrichment).
    pub _depth: Option<u32>,
    /// Position of the block among its parent's children, from 0, in Notion's order
    /// (enrichment): with `parent` it puts a page back in document order.
    pub _position: Option<u32>,
    /// `true` when the block has children that `max_block_depth` kept from being read
    /// (enrichment; absent otherwise).
    pub _children_cut: Option<bool>,
    /// The content version of the read that emitted the block (enrichment; the cursor): every
    /// block of a re-read page carries the page's new version, so a block whose version is older
    /// than its page's was deleted.
    #[schemars(extend("format" = "date-time"))]
    pub _content_version: Option<String>,
    /// Top-level fields Notion sent that this version does not declare (for example the content
    /// of a block type newer than this version).
    pub _extra: Option<Object>,
}

/// A `comments` record: an unresolved comment on a page or on a block.
#[derive(JsonSchema)]
#[schemars(
    title = "comments",
    description = "An unresolved comment on a page or on one of its blocks."
)]
pub struct CommentRecord {
    /// Always `comment`.
    pub object: Option<String>,
    /// The comment's ID.
    pub id: String,
    /// The page or block it is attached to.
    pub parent: Option<Object>,
    /// The discussion thread it belongs to.
    pub discussion_id: Option<String>,
    /// When it was created.
    #[schemars(extend("format" = "date-time"))]
    pub created_time: Option<String>,
    /// When it was last edited (the cursor).
    #[schemars(extend("format" = "date-time"))]
    pub last_edited_time: Option<String>,
    /// Who wrote it.
    pub created_by: Option<Object>,
    /// The comment as rich text.
    pub rich_text: Option<Vec<Value>>,
    /// The name shown for the author.
    pub display_name: Option<Object>,
    /// Attached files.
    pub attachments: Option<Vec<Value>>,
    /// ID of the page the comment belongs to (enrichment).
    pub _page_id: Option<String>,
    /// The content version of the read that emitted the comment (enrichment; the cursor): a
    /// comment whose version is older than its page's was resolved or deleted.
    #[schemars(extend("format" = "date-time"))]
    pub _content_version: Option<String>,
    /// Top-level fields Notion sent that this version does not declare.
    pub _extra: Option<Object>,
}

/// A `page_markdown` record: a page as a Markdown document.
#[derive(JsonSchema)]
#[schemars(
    title = "page_markdown",
    description = "A Notion page as a Markdown document: YAML front matter with its properties, then its content."
)]
pub struct PageMarkdownRecord {
    /// Always `page_markdown`.
    pub object: Option<String>,
    /// The page's ID.
    pub id: String,
    /// Plain-text title.
    pub title: Option<String>,
    /// The document: front matter between `---` lines, a blank line, then the content.
    pub markdown: Option<String>,
    /// The front matter alone, a YAML mapping (id, title, url, timestamps, properties).
    pub front_matter: Option<String>,
    /// Link to the page in Notion.
    pub url: Option<String>,
    /// Where the page lives.
    pub parent: Option<Object>,
    /// When the page was created.
    #[schemars(extend("format" = "date-time"))]
    pub created_time: Option<String>,
    /// When the page was last edited (the cursor).
    #[schemars(extend("format" = "date-time"))]
    pub last_edited_time: Option<String>,
    /// Whether the page is in the trash.
    pub in_trash: Option<bool>,
    /// ID of the page (enrichment, as on blocks and comments).
    pub _page_id: Option<String>,
    /// How many blocks the document was made from (rendered from blocks only).
    pub _block_count: Option<u32>,
    /// Block types rendered as a placeholder, sorted (`unsupported:<type>`, an unknown type,
    /// `synced_block` whose original was not read, …).
    pub _unrendered: Option<Vec<String>>,
    /// `blocks` (rendered from the blocks read) or `api` (Notion's markdown endpoint).
    pub _source: Option<String>,
    /// Whether parts of the page could not be rendered (Notion's markdown endpoint left blocks
    /// out that could not be fetched either).
    pub _truncated: Option<bool>,
    /// The content version of the read that emitted the document (enrichment).
    #[schemars(extend("format" = "date-time"))]
    pub _content_version: Option<String>,
    /// Never set: documents are made by the connector (declared like every stream's).
    pub _extra: Option<Object>,
}
