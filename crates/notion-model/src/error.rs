//! The crate's error type.

use crate::ApiVersion;

/// Errors of the model: values that do not parse.
///
/// Decoding JSON reports through `serde_json::Error`; these errors appear inside it when an id,
/// timestamp or version member is malformed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not an id: 32 hex digits, with or without the 8-4-4-4-12 dashes.
    #[error("invalid id {0:?}: expected 32 hexadecimal digits, optionally dashed 8-4-4-4-12")]
    InvalidId(String),

    /// Not an RFC 3339 timestamp.
    #[error("invalid timestamp {input:?}: {source}")]
    InvalidTimestamp {
        /// The text that failed to parse.
        input: String,
        /// Why it failed.
        #[source]
        source: chrono::ParseError,
    },

    /// A `Notion-Version` this model does not know.
    #[error("unknown Notion API version {0:?}; supported versions are 2025-09-03 and 2026-03-11")]
    UnknownVersion(String),

    /// A known `Notion-Version` this model does not support.
    #[error("Notion API version {version} is not supported: {reason}")]
    UnsupportedVersion {
        /// The version.
        version: ApiVersion,
        /// Why it is not supported.
        reason: &'static str,
    },
}
