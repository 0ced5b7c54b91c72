//! The crate's error type.

use std::path::PathBuf;

/// Errors of the file store and the downloader. A download that fails is not an error: it is
/// an [`Outcome`](crate::Outcome) to record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A record is not a JSON object with a string `id`.
    #[error("the record cannot be read for files: {0}")]
    Record(String),
    /// The HTTPS client for file hosts cannot be set up.
    #[error("cannot set up TLS for file downloads: {0}")]
    Tls(String),
    /// The store's directory cannot be created, read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`create`, `read`, `remove`, …).
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
