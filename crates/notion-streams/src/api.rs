//! The seam between the streams and the HTTP client: the Notion endpoints the streams read, as a
//! trait taking `notion-http`'s typed requests.
//!
//! [`NotionApi`] is implemented over [`notion_http::NotionClient`] in [`crate::client`]; the read's
//! unit tests implement it in memory. Objects come back as raw JSON: records pass through
//! without a round trip through typed models. Listings come back as streams of pages, read through
//! `notion-http`'s one paginator (with its loop guards).

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use notion_model::Id;
use serde_json::value::RawValue;

use crate::error::Result;

pub use notion_http::ListRequest;
pub use notion_http::query::{
    DataSourceQuery, DateCondition, Direction, Filter, ObjectKind, SearchRequest, Sort, Timestamp,
};

/// One page of a listing.
#[derive(Debug, Default)]
pub struct ListPage {
    /// The objects of this page, as raw JSON.
    pub results: Vec<Box<RawValue>>,
    /// Whether Notion stopped the query early (`request_status.type == "incomplete"`, the
    /// 10,000-row cap of data-source queries).
    pub incomplete: bool,
    /// For page-property listings, the `property_item` summary of the list (a rollup's aggregate
    /// over every entry is there).
    pub summary: Option<Box<RawValue>>,
}

/// A single object to retrieve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Object {
    /// `GET /v1/databases/{id}`.
    Database(Id),
    /// `GET /v1/data_sources/{id}`.
    DataSource(Id),
    /// `GET /v1/pages/{id}`.
    Page(Id),
    /// `GET /v1/pages/{id}/markdown` (a page, or a block Notion left out of one).
    PageMarkdown(Id),
    /// `GET /v1/blocks/{id}`.
    Block(Id),
}

impl Object {
    /// What the object is, for messages (`database 1f2…`).
    pub fn describe(&self) -> String {
        match self {
            Object::Database(id) => format!("database {id}"),
            Object::DataSource(id) => format!("data source {id}"),
            Object::Page(id) => format!("page {id}"),
            Object::PageMarkdown(id) => format!("the Markdown of {id}"),
            Object::Block(id) => format!("block {id}"),
        }
    }
}

/// Counters of the HTTP layer, for the end-of-sync summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpStats {
    /// Requests sent (attempts, retries included).
    pub requests: u64,
    /// Retries.
    pub retries: u64,
    /// Responses with status 429.
    pub rate_limited: u64,
    /// Times a 429 or 529 `Retry-After` paused every request of the connection.
    pub pauses: u64,
    /// Milliseconds requests spent waiting for the rate limiter, a `Retry-After` or a backoff,
    /// summed over requests.
    pub waited_ms: u64,
}

/// The read endpoints of the Notion API used by the streams.
pub trait NotionApi: Send + Sync + 'static {
    /// `GET /v1/users/me`.
    fn me(&self) -> BoxFuture<'_, Result<Box<RawValue>>>;
    /// Retrieves one object.
    fn retrieve(&self, object: Object) -> BoxFuture<'_, Result<Box<RawValue>>>;
    /// Reads a listing page by page (each page one request, made when the stream is polled).
    fn list(&self, request: ListRequest) -> BoxStream<'static, Result<ListPage>>;
    /// The server's clock, from the `Date` header of the latest response, if known.
    fn server_time(&self) -> Option<DateTime<Utc>>;
    /// Counters of the HTTP layer.
    fn stats(&self) -> HttpStats;
}
