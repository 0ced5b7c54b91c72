//! Date values of properties, formulas, rollups and mentions.

use crate::codec::object;

object! {
    /// A date or date range: `{start, end, time_zone}`.
    ///
    /// `start` and `end` are ISO 8601 dates (`2026-09-15`) or date-times, kept as text.
    #[derive(Debug, Clone, PartialEq)]
    pub struct DateValue {
        /// The start date or date-time.
        req start: String,
        /// The end of a range, `null` for a single date.
        null end: String,
        /// The IANA time zone the value was entered in, `null` when none.
        null time_zone: String,
    }
}

impl DateValue {
    /// A single date (no end, no time zone), written with explicit `null`s as Notion does.
    pub fn new(start: impl Into<String>) -> Self {
        DateValue {
            start: start.into(),
            end: Some(None),
            time_zone: Some(None),
            extra: Default::default(),
        }
    }

    /// A range.
    pub fn range(start: impl Into<String>, end: impl Into<String>) -> Self {
        DateValue {
            start: start.into(),
            end: Some(Some(end.into())),
            time_zone: Some(None),
            extra: Default::default(),
        }
    }
}
