//! notion-http: the tower stack and the typed client for the Notion API.

pub mod blocks;
pub mod classify;
pub mod config;
pub mod error;
pub mod headers;
pub mod rate_limit;
pub mod retry;
pub mod stats;
pub mod timeout;
pub mod trace;
pub mod transport;

pub use error::{ApiError, BoxError, Error, ErrorKind};
pub mod client;
pub mod pagination;
pub mod query;
pub mod types;

pub use blocks::BlockEvent;
pub use client::{Call, Connection, NotionClient, NotionService, build_stack, oauth_client};
pub use config::ClientConfig;
pub use pagination::{ListResponse, Paginated};
pub use stats::{Stats, StatsSnapshot};
