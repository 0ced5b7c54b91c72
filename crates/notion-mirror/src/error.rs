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
    /// The mirror was written by an earlier version and must be upgraded (by opening it with
    /// [`crate::Mirror::open`], which `sync` does) before it can be searched; it was not
    /// changed.
    #[error(
        "it was written by an earlier notion-source (schema {found}; this one reads schema {}): a sync upgrades it",
        crate::SCHEMA_VERSION
    )]
    OlderSchema {
        /// The file's schema version.
        found: i64,
    },
    /// There is no file to search.
    #[error("there is no such file")]
    NoMirror,
    /// The search query is not valid FTS5 syntax (SQLite's message names what is wrong).
    #[error("invalid search query: {0}")]
    InvalidQuery(String),
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
