//! `Notion-Version` values the fake understands.

use std::fmt;
use std::str::FromStr;

/// A Notion API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `2022-06-28`: legacy shapes (databases carry `properties`, rows have `database_id` parents),
    /// answered only for the endpoints Airbyte's Python connector calls.
    V2022_06_28,
    /// `2025-09-03`: databases and data sources; objects carry `archived` mirroring `in_trash`;
    /// meeting-notes blocks are named `transcription`.
    V2025_09_03,
    /// `2026-03-11`: no `archived`; meeting-notes blocks are named `meeting_notes`.
    V2026_03_11,
}

impl ApiVersion {
    /// Every version the fake knows, oldest first.
    pub const ALL: [ApiVersion; 3] = [
        ApiVersion::V2022_06_28,
        ApiVersion::V2025_09_03,
        ApiVersion::V2026_03_11,
    ];

    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2022_06_28 => "2022-06-28",
            ApiVersion::V2025_09_03 => "2025-09-03",
            ApiVersion::V2026_03_11 => "2026-03-11",
        }
    }

    /// Whether objects carry the legacy `archived` member.
    pub fn has_archived(self) -> bool {
        self < ApiVersion::V2026_03_11
    }

    /// Whether this is the legacy (pre-data-source) shape.
    pub fn is_legacy(self) -> bool {
        self == ApiVersion::V2022_06_28
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApiVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown Notion-Version `{s}`"))
    }
}
