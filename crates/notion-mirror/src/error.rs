//! The crate's error type.

/// Errors of the mirror.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// SQLite failed (the file cannot be opened, read or written).
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The store of downloaded files cannot be read or written.
    #[error(transparent)]
    Files(#[from] notion_files::Error),
    /// The state stored in the file cannot be read back.
    #[error("{0}")]
    InvalidState(String),
    /// The file is neither empty nor a mirror of this program; it was not changed.
    #[error("it is not a notion-source mirror: {0}")]
    NotAMirror(String),
    /// The file was written by a newer version (a newer schema); it was not changed.
    #[error(
        "it was written by a newer notion-source (schema {found}; this one writes schema {})",
        crate::SCHEMA_VERSION
    )]
    NewerSchema {
        /// The file's schema version.
        found: i64,
    },
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
