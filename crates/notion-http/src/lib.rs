//! notion-http: the tower stack and the typed client for the Notion API.

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
