//! The crate's error type.

/// Errors of the mirror.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// SQLite failed (the file cannot be opened, read or written).
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The state stored in the file cannot be read back.
    #[error("{0}")]
    InvalidState(String),
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
