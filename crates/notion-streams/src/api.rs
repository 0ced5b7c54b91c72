//! The Notion endpoints the streams read, as a trait.
//!
//! [`NotionApi`] is implemented for [`notion_http::NotionClient`]; tests may implement it for
//! anything. Every method returns objects as raw JSON: records pass through without a round trip
//! through typed models.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use notion_model::Id;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::Result;

/// One page of a paginated list.
#[derive(Debug, Default)]
pub struct ListPage {
    /// The objects of this page, as raw JSON.
    pub results: Vec<Box<RawValue>>,
    /// The cursor of the next page, passed back verbatim.
    pub next_cursor: Option<String>,
    /// Whether there is a next page.
    pub has_more: bool,
    /// Whether Notion stopped the query early (`request_status.type == "incomplete"`, the
    /// 10,000-row cap of data-source queries).
    pub incomplete: bool,
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
    /// `GET /v1/users`, one page.
    fn list_users<'a>(&'a self, cursor: Option<&'a str>) -> BoxFuture<'a, Result<ListPage>>;
    /// `POST /v1/search` with this body (`start_cursor` and `page_size` included).
    fn search(&self, body: Value) -> BoxFuture<'_, Result<ListPage>>;
    /// `POST /v1/data_sources/{id}/query` with this body.
    fn query_data_source(&self, id: Id, body: Value) -> BoxFuture<'_, Result<ListPage>>;
    /// `GET /v1/databases/{id}`.
    fn database(&self, id: Id) -> BoxFuture<'_, Result<Box<RawValue>>>;
    /// `GET /v1/data_sources/{id}`.
    fn data_source(&self, id: Id) -> BoxFuture<'_, Result<Box<RawValue>>>;
    /// `GET /v1/pages/{id}`.
    fn page(&self, id: Id) -> BoxFuture<'_, Result<Box<RawValue>>>;
    /// `GET /v1/pages/{page_id}/properties/{property_id}`, one page (a property item, or a list
    /// of property items).
    fn page_property<'a>(
        &'a self,
        page_id: Id,
        property_id: &'a str,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Box<RawValue>>>;
    /// `GET /v1/blocks/{id}/children`, one page.
    fn block_children<'a>(
        &'a self,
        id: Id,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<ListPage>>;
    /// `GET /v1/comments?block_id=…`, one page.
    fn comments<'a>(
        &'a self,
        block_id: Id,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<ListPage>>;
    /// The server's clock, from the `Date` header of the latest response, if known.
    fn server_time(&self) -> Option<DateTime<Utc>>;
    /// Counters of the HTTP layer.
    fn stats(&self) -> HttpStats;
}
