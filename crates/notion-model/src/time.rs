//! Timestamps as Notion writes them.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// An RFC 3339 timestamp that keeps the text it was read from.
///
/// Notion writes timestamps in several forms (`2026-07-04T09:08:00.000Z` on pages and blocks,
/// `2026-07-04T09:08:57.778+00:00` on databases, offsets such as `-07:00` in documented
/// examples). A `Timestamp` parses any of them, compares, orders and hashes by the instant, and
/// serializes the original text unchanged.
///
/// ```
/// use notion_model::Timestamp;
///
/// let a: Timestamp = "2026-07-04T09:08:57.778+00:00".parse()?;
/// let b: Timestamp = "2026-07-04T11:08:57.778+02:00".parse()?;
/// assert_eq!(a, b);
/// assert_eq!(b.as_str(), "2026-07-04T11:08:57.778+02:00");
/// assert_eq!(a.truncated_to_minute().as_str(), "2026-07-04T09:08:00.000Z");
/// # Ok::<(), notion_model::Error>(())
/// ```
#[derive(Clone)]
pub struct Timestamp {
    instant: DateTime<Utc>,
    text: String,
}

impl Timestamp {
    /// Parses an RFC 3339 timestamp, keeping the text.
    pub fn parse(text: &str) -> Result<Self, Error> {
        Self::parse_owned(text.to_owned())
    }

    fn parse_owned(text: String) -> Result<Self, Error> {
        match DateTime::parse_from_rfc3339(&text) {
            Ok(parsed) => Ok(Timestamp {
                instant: parsed.with_timezone(&Utc),
                text,
            }),
            Err(source) => Err(Error::InvalidTimestamp {
                input: text,
                source,
            }),
        }
    }

    /// The timestamp of this instant, written the way Notion writes page and block times:
    /// UTC, milliseconds, `Z` (`2026-07-04T09:08:00.000Z`). Sub-millisecond digits are dropped
    /// from the text (the instant keeps them).
    pub fn from_datetime(instant: DateTime<Utc>) -> Self {
        let text = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            instant.year(),
            instant.month(),
            instant.day(),
            instant.hour(),
            instant.minute(),
            instant.second(),
            instant.nanosecond() / 1_000_000 % 1000,
        );
        Timestamp { instant, text }
    }

    /// This instant with seconds and fractions dropped, written Notion-style. Notion stores page
    /// and block `last_edited_time` with minute granularity.
    pub fn truncated_to_minute(&self) -> Self {
        let seconds = self.instant.timestamp();
        let floored = seconds - seconds.rem_euclid(60);
        let instant = DateTime::from_timestamp(floored, 0).unwrap_or(self.instant);
        Self::from_datetime(instant)
    }

    /// The instant, in UTC.
    pub fn instant(&self) -> DateTime<Utc> {
        self.instant
    }

    /// The text this timestamp was read from (or written as).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The text, by value.
    pub fn into_string(self) -> String {
        self.text
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.instant == other.instant
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.instant.cmp(&other.instant)
    }
}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.instant.hash(state);
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({:?})", self.text)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Timestamp {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Timestamp::parse(s)
    }
}

impl TryFrom<String> for Timestamp {
    type Error = Error;

    fn try_from(value: String) -> Result<Self, Error> {
        Timestamp::parse_owned(value)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(instant: DateTime<Utc>) -> Self {
        Timestamp::from_datetime(instant)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(value: Timestamp) -> Self {
        value.instant
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = crate::codec::Key::deserialize(deserializer)?;
        Timestamp::parse_owned(key.0.into_owned()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn keeps_the_original_text() {
        for text in [
            "2026-07-04T09:08:00.000Z",
            "2026-07-04T09:08:57.778+00:00",
            "2025-09-03T10:00:00-07:00",
            "2026-07-04T09:08:57.123456789Z",
            "2026-07-04T09:08:57Z",
        ] {
            let t = ts(text);
            assert_eq!(t.as_str(), text);
            assert_eq!(t.to_string(), text);
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{text}\""));
            let back: Timestamp = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(back.as_str(), text);
        }
    }

    #[test]
    fn offsets_and_fractions_give_the_same_instant() {
        let z = ts("2026-07-04T09:08:00.000Z");
        assert_eq!(z, ts("2026-07-04T09:08:00+00:00"));
        assert_eq!(z, ts("2026-07-04T02:08:00.000-07:00"));
        assert_eq!(z, ts("2026-07-04T11:08:00.000000+02:00"));
        assert_ne!(z, ts("2026-07-04T09:08:00.001Z"));
        assert_eq!(
            ts("2026-07-04T09:08:57.778+00:00")
                .instant()
                .timestamp_subsec_millis(),
            778
        );
        assert_eq!(
            ts("2026-07-04T09:08:57.123456789Z")
                .instant()
                .timestamp_subsec_nanos(),
            123_456_789
        );
    }

    #[test]
    fn orders_and_hashes_by_instant() {
        use std::collections::HashSet;
        let earlier = ts("2026-07-04T10:00:00.000+02:00"); // 08:00Z
        let later = ts("2026-07-04T09:00:00.000Z");
        assert!(earlier < later);
        let mut sorted = vec![later.clone(), earlier.clone()];
        sorted.sort();
        assert_eq!(sorted, vec![earlier.clone(), later.clone()]);
        let set: HashSet<Timestamp> = [ts("2026-07-04T09:00:00Z"), ts("2026-07-04T11:00:00+02:00")]
            .into_iter()
            .collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn rejects_non_rfc3339() {
        for bad in [
            "",
            "2026-07-04",
            "2026-07-04 09:08",
            "yesterday",
            "2026-13-01T00:00:00Z",
        ] {
            let err = Timestamp::parse(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidTimestamp { .. }), "{bad}");
        }
        assert!(serde_json::from_str::<Timestamp>("\"2026-07-04\"").is_err());
    }

    #[test]
    fn formats_notion_style_and_truncates_to_the_minute() {
        let t = ts("2026-07-04T11:08:57.778+02:00");
        let notion = Timestamp::from_datetime(t.instant());
        assert_eq!(notion.as_str(), "2026-07-04T09:08:57.778Z");
        assert_eq!(notion, t);
        let minute = t.truncated_to_minute();
        assert_eq!(minute.as_str(), "2026-07-04T09:08:00.000Z");
        assert!(minute < t);
        assert_eq!(minute.truncated_to_minute(), minute);
        let before_epoch = ts("1969-12-31T23:59:30.500Z").truncated_to_minute();
        assert_eq!(before_epoch.as_str(), "1969-12-31T23:59:00.000Z");
    }
}
