//! Notion API versions (`Notion-Version` header).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// `2022-06-28`: the version before databases were split into data sources.
pub const VERSION_2022_06_28: &str = "2022-06-28";
/// `2025-09-03`: databases hold data sources; responses carry `archived` next to `in_trash`.
pub const VERSION_2025_09_03: &str = "2025-09-03";
/// `2026-03-11`: the latest version; no `archived`, `transcription` renamed `meeting_notes`.
pub const VERSION_2026_03_11: &str = "2026-03-11";

/// A Notion API version.
///
/// The model reads responses of both supported versions. `2022-06-28` is known so that callers
/// can reject it with a reason ([`ApiVersion::ensure_supported`]) rather than as a typo.
///
/// ```
/// use notion_model::ApiVersion;
///
/// let v: ApiVersion = "2026-03-11".parse()?;
/// assert_eq!(v, ApiVersion::LATEST);
/// assert!("2022-06-28".parse::<ApiVersion>()?.ensure_supported().is_err());
/// assert!("2024-01-01".parse::<ApiVersion>().unwrap_err().to_string().contains("2025-09-03"));
/// # Ok::<(), notion_model::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `2022-06-28` (legacy: cannot read multi-source databases).
    V2022_06_28,
    /// `2025-09-03`.
    V2025_09_03,
    /// `2026-03-11`.
    V2026_03_11,
}

impl ApiVersion {
    /// The latest version.
    pub const LATEST: ApiVersion = ApiVersion::V2026_03_11;

    /// The versions this model supports, oldest first.
    pub const SUPPORTED: [ApiVersion; 2] = [ApiVersion::V2025_09_03, ApiVersion::V2026_03_11];

    /// The header value.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2022_06_28 => VERSION_2022_06_28,
            ApiVersion::V2025_09_03 => VERSION_2025_09_03,
            ApiVersion::V2026_03_11 => VERSION_2026_03_11,
        }
    }

    /// Whether this is a legacy version the model does not support.
    pub const fn is_legacy(self) -> bool {
        matches!(self, ApiVersion::V2022_06_28)
    }

    /// Whether the model supports this version.
    pub const fn is_supported(self) -> bool {
        !self.is_legacy()
    }

    /// Why this version is not supported, if it is not.
    pub const fn unsupported_reason(self) -> Option<&'static str> {
        match self {
            ApiVersion::V2022_06_28 => Some(
                "it cannot read databases with several data sources and has no data-source \
                 endpoints; use 2025-09-03 or 2026-03-11",
            ),
            ApiVersion::V2025_09_03 | ApiVersion::V2026_03_11 => None,
        }
    }

    /// This version, or an error saying why it is not supported.
    pub fn ensure_supported(self) -> Result<Self, Error> {
        match self.unsupported_reason() {
            None => Ok(self),
            Some(reason) => Err(Error::UnsupportedVersion {
                version: self,
                reason,
            }),
        }
    }

    /// Whether responses of this version carry the deprecated `archived` member next to
    /// `in_trash`.
    pub const fn has_archived(self) -> bool {
        !matches!(self, ApiVersion::V2026_03_11)
    }

    /// Whether Notion serves `GET /v1/pages/{id}/markdown` in this version.
    pub const fn has_page_markdown(self) -> bool {
        matches!(self, ApiVersion::V2026_03_11)
    }

    /// Whether meeting-notes blocks have type `transcription` in this version.
    pub const fn uses_transcription_type(self) -> bool {
        !matches!(self, ApiVersion::V2026_03_11)
    }

    /// Parses a version string.
    pub fn parse(input: &str) -> Result<Self, Error> {
        match input {
            VERSION_2022_06_28 => Ok(ApiVersion::V2022_06_28),
            VERSION_2025_09_03 => Ok(ApiVersion::V2025_09_03),
            VERSION_2026_03_11 => Ok(ApiVersion::V2026_03_11),
            other => Err(Error::UnknownVersion(other.chars().take(64).collect())),
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApiVersion {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        ApiVersion::parse(s)
    }
}

impl Serialize for ApiVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ApiVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = crate::codec::Key::deserialize(deserializer)?;
        ApiVersion::parse(&key.0).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_known_version() {
        for v in [
            ApiVersion::V2022_06_28,
            ApiVersion::V2025_09_03,
            ApiVersion::V2026_03_11,
        ] {
            assert_eq!(v.as_str().parse::<ApiVersion>().unwrap(), v);
            assert_eq!(v.to_string(), v.as_str());
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(serde_json::from_str::<ApiVersion>(&json).unwrap(), v);
        }
        assert_eq!(ApiVersion::V2025_09_03.as_str(), "2025-09-03");
        assert_eq!(ApiVersion::V2026_03_11.as_str(), "2026-03-11");
    }

    #[test]
    fn unknown_versions_name_the_supported_ones() {
        let message = "2026-04-01".parse::<ApiVersion>().unwrap_err().to_string();
        assert!(message.contains("2026-04-01"), "{message}");
        assert!(
            message.contains("2025-09-03") && message.contains("2026-03-11"),
            "{message}"
        );
        assert!(serde_json::from_str::<ApiVersion>("\"v1\"").is_err());
    }

    #[test]
    fn legacy_is_known_but_rejected_with_a_reason() {
        let legacy: ApiVersion = "2022-06-28".parse().unwrap();
        assert!(legacy.is_legacy());
        assert!(!legacy.is_supported());
        let message = legacy.ensure_supported().unwrap_err().to_string();
        assert!(
            message.contains("2022-06-28") && message.contains("data source"),
            "{message}"
        );
        for v in ApiVersion::SUPPORTED {
            assert_eq!(v.ensure_supported().unwrap(), v);
        }
    }

    #[test]
    fn version_dependent_shapes() {
        assert!(ApiVersion::V2025_09_03.has_archived());
        assert!(!ApiVersion::V2026_03_11.has_archived());
        assert!(ApiVersion::V2025_09_03.uses_transcription_type());
        assert!(!ApiVersion::V2026_03_11.uses_transcription_type());
    }
}
