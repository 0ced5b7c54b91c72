//! The tower stack and the typed client for the Notion API.
//!
//! # The client
//!
//! [`NotionClient`] is built from a [`ClientConfig`] and is cheap to clone: clones share one
//! connection pool, one rate limiter, one token and one set of [statistics](StatsSnapshot).
//! Single objects are [`Call`]s you `.await`; lists are [`Paginated`] requests you consume as
//! `futures::Stream`s of pages or of items. Both can decode into another type with `as_type`
//! (e.g. `serde_json::Value` or `Box<RawValue>` for raw passthrough).
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use notion_auth::Credentials;
//! use notion_http::query::{DataSourceQuery, SearchRequest};
//! use notion_http::{ClientConfig, NotionClient};
//!
//! # async fn demo() -> Result<(), notion_http::Error> {
//! let client = NotionClient::new(ClientConfig::new(Credentials::token("ntn_…")))?;
//! let me = client.me().await?;
//! let mut results = client.search(&SearchRequest::new().data_sources()).items();
//! while let Some(item) = results.try_next().await? {
//!     let _ = item;
//! }
//! let rows = client
//!     .query_data_source("data-source-id", &DataSourceQuery::edited_since("2026-11-01T00:00:00Z"))
//!     .pages();
//! let _ = (me, rows);
//! println!("{:?}", client.stats());
//! # Ok(())
//! # }
//! ```
//!
//! # The stack
//!
//! Every request goes through these layers, outermost first; each is a public type that can be
//! used on its own:
//!
//! | layer | type | what it does |
//! |---|---|---|
//! | trace | [`trace::TraceLayer`] | one `debug` line per logical request: method, path, status, milliseconds, attempts, limiter wait, request id |
//! | retry | [`retry::RetryLayer`] | retries 429 (unless blocked), 529, 500/502/503/504, timeouts and connection errors with full-jitter backoff, waiting at least `Retry-After` |
//! | rate limit | [`rate_limit::RateLimitLayer`] | one token bucket and one cooldown shared by every clone |
//! | timeout | [`timeout::TimeoutLayer`] | per attempt, covering the response body |
//! | headers | [`headers::NotionHeadersLayer`] | `Notion-Version`, `User-Agent`, `Content-Type` |
//! | auth | [`notion_auth::AuthLayer`] | bearer token, single-flight OAuth refresh on 401 |
//! | transport | [`transport::HttpTransport`] | hyper-util pooled client, rustls (ring, webpki roots), HTTP/1.1 and HTTP/2, whole body read under a size limit |
//!
//! [`build_stack`] composes them with `tower::ServiceBuilder`; to compose them yourself:
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use http::HeaderValue;
//! use notion_auth::{AuthLayer, Authenticator, Credentials};
//! use notion_http::headers::NotionHeadersLayer;
//! use notion_http::rate_limit::{RateLimitLayer, RateLimiter};
//! use notion_http::retry::{RetryConfig, RetryLayer, RetryPolicy};
//! use notion_http::timeout::TimeoutLayer;
//! use notion_http::trace::TraceLayer;
//! use notion_http::transport::{HttpTransport, TransportConfig};
//!
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let limiter = Arc::new(RateLimiter::new(3.0, 1)?);
//! let auth = Authenticator::new(Credentials::token("ntn_…"))?;
//! let service = tower::ServiceBuilder::new()
//!     .layer(TraceLayer::new())
//!     .layer(RetryLayer::new(
//!         RetryPolicy::new(RetryConfig::default()).with_limiter(limiter.clone()),
//!     ))
//!     .layer(RateLimitLayer::new(limiter))
//!     .layer(TimeoutLayer::new(Duration::from_secs(60)))
//!     .layer(NotionHeadersLayer::new(
//!         HeaderValue::from_static("2026-03-11"),
//!         HeaderValue::from_static("my-tool/1.0"),
//!     ))
//!     .layer(AuthLayer::new(auth))
//!     .service(HttpTransport::new(TransportConfig::default())?);
//! # let _ = service;
//! # Ok(())
//! # }
//! ```
//!
//! # How the limiter, the cooldown and the retries work together
//!
//! - Every attempt (first tries and retries alike) takes a slot from the shared token bucket,
//!   which runs slightly below the configured rate so that Notion's fixed 60-second windows are
//!   never exceeded (see [`rate_limit`]).
//! - A 429 or 529 sets a connection-wide cooldown of `Retry-After` seconds: every caller waits
//!   for it before its next slot, not only the request that was refused.
//! - The refused request itself waits the longer of its backoff and `Retry-After`, then goes
//!   back through the limiter. A `Retry-After` above `max_retry_after` fails the request.
//! - Retries happen above the limiter and the timeout, so each attempt gets a fresh timeout and
//!   a fresh token (the auth layer sits below).
//!
//! # Errors
//!
//! One [`Error`] enum with a [`kind`](Error::kind) per category; errors from Notion carry an
//! [`ApiError`] with status, `code`, message, `request_id` and `additional_data`.

pub mod classify;
pub mod client;
pub mod config;
pub mod count;
mod endpoint;
pub mod error;
pub mod headers;
pub mod pagination;
pub mod query;
pub mod rate_limit;
pub mod retry;
pub mod stats;
pub mod timeout;
pub mod trace;
pub mod transport;
pub mod types;

pub use client::{Call, Connection, NotionClient, NotionService, build_stack, oauth_client};
pub use config::ClientConfig;
pub use error::{ApiError, Blame, BoxError, Error, ErrorKind};
pub use pagination::{ListItem, ListResponse, Paginated, PropertyPage};
pub use query::ListRequest;
pub use stats::{Stats, StatsSnapshot};
