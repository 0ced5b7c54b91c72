//! The six streams: names, primary keys, cursors and sync modes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The member carrying the content version of the read that emitted a record.
pub const CONTENT_VERSION: &str = "_content_version";

/// A stream of the connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamName {
    /// People and bots of the workspace (full refresh).
    Users,
    /// Database containers.
    Databases,
    /// Data sources (tables) of databases, with their property schemas.
    DataSources,
    /// Pages: standalone, child pages and data-source rows.
    Pages,
    /// Blocks of pages, at any depth.
    Blocks,
    /// Unresolved comments on pages and blocks.
    Comments,
    /// Each page as a Markdown document.
    PageMarkdown,
}

impl StreamName {
    /// How many streams there are.
    pub const COUNT: usize = 7;

    /// Every stream, in the order they are listed by `discover`.
    pub const ALL: [StreamName; Self::COUNT] = [
        StreamName::Users,
        StreamName::Databases,
        StreamName::DataSources,
        StreamName::Pages,
        StreamName::Blocks,
        StreamName::Comments,
        StreamName::PageMarkdown,
    ];

    /// The stream's name in the catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamName::Users => "users",
            StreamName::Databases => "databases",
            StreamName::DataSources => "data_sources",
            StreamName::Pages => "pages",
            StreamName::Blocks => "blocks",
            StreamName::Comments => "comments",
            StreamName::PageMarkdown => "page_markdown",
        }
    }

    /// Whether the stream supports incremental syncs.
    pub fn is_incremental(self) -> bool {
        !matches!(self, StreamName::Users)
    }

    /// The cursor field of an incremental stream: `last_edited_time`, except for blocks and
    /// comments, whose records carry the content version of the read that emitted them (every
    /// block and comment of a re-read page is emitted again, whatever its own edit time).
    pub fn cursor_field(self) -> Option<&'static str> {
        match self {
            StreamName::Users => None,
            StreamName::Blocks | StreamName::Comments => Some(CONTENT_VERSION),
            _ => Some("last_edited_time"),
        }
    }

    /// A small index, for per-stream arrays.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for StreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an unknown stream name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStream(pub String);

impl fmt::Display for UnknownStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = StreamName::ALL.iter().map(|s| s.as_str()).collect();
        write!(
            f,
            "unknown stream {:?} (streams: {})",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownStream {}

impl FromStr for StreamName {
    type Err = UnknownStream;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StreamName::ALL
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| UnknownStream(s.to_owned()))
    }
}

/// A set of streams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamSet(u8);

impl StreamSet {
    /// No stream.
    pub const EMPTY: StreamSet = StreamSet(0);

    /// Every stream.
    pub fn all() -> Self {
        StreamName::ALL.into_iter().collect()
    }

    /// Whether the set holds `stream`.
    pub fn contains(self, stream: StreamName) -> bool {
        self.0 & (1 << stream.index()) != 0
    }

    /// Adds `stream`.
    pub fn insert(&mut self, stream: StreamName) {
        self.0 |= 1 << stream.index();
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The streams of the set, in catalog order.
    pub fn iter(self) -> impl Iterator<Item = StreamName> {
        StreamName::ALL
            .into_iter()
            .filter(move |s| self.contains(*s))
    }
}

impl FromIterator<StreamName> for StreamSet {
    fn from_iter<I: IntoIterator<Item = StreamName>>(iter: I) -> Self {
        let mut set = StreamSet::EMPTY;
        for s in iter {
            set.insert(s);
        }
        set
    }
}
