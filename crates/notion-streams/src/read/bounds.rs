//! The lower bound of each stream in a read, and the cursor a finished read leaves.
//!
//! A stream read incrementally emits objects edited at or after its cursor (never before
//! `start_date`); pages are skipped only when every selected page-driven stream would skip them.

use chrono::{DateTime, Duration as ChronoDuration, DurationRound, Utc};

use crate::catalog::{Selection, SyncMode};
use crate::state::State;
use crate::stream::StreamName;

/// The streams read page by page: a page's record, its blocks, its comments, its document.
pub(crate) const PAGE_STREAMS: [StreamName; 4] = [
    StreamName::Pages,
    StreamName::Blocks,
    StreamName::Comments,
    StreamName::PageMarkdown,
];

/// The lower bound of each stream: objects edited before it are not emitted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Bounds {
    per_stream: [Option<DateTime<Utc>>; StreamName::COUNT],
    /// The lowest bound of the selected page-driven streams: pages edited before it are skipped.
    min_pages: Option<DateTime<Utc>>,
}

impl Bounds {
    /// The bounds of a read of `selection` from `input`, never before `start_date`.
    pub(crate) fn new(
        selection: &Selection,
        input: &State,
        start_date: Option<DateTime<Utc>>,
        lookback: std::time::Duration,
    ) -> Self {
        let mut per_stream = [None; StreamName::COUNT];
        for s in StreamName::ALL {
            let cursor = input_cursor(selection, input, s, lookback);
            per_stream[s.index()] = match (cursor, start_date) {
                (Some(c), Some(d)) => Some(c.max(d)),
                (c, d) => c.or(d),
            };
        }
        let selected: Vec<StreamName> = PAGE_STREAMS
            .into_iter()
            .filter(|s| selection.contains(*s))
            .collect();
        let min_pages = if selected.iter().any(|s| per_stream[s.index()].is_none()) {
            None
        } else {
            selected.iter().filter_map(|s| per_stream[s.index()]).min()
        };
        Bounds {
            per_stream,
            min_pages,
        }
    }

    /// The bound of `stream`.
    pub(crate) fn get(&self, s: StreamName) -> Option<DateTime<Utc>> {
        self.per_stream[s.index()]
    }

    /// The lowest bound of the selected page-driven streams.
    pub(crate) fn min_pages(&self) -> Option<DateTime<Utc>> {
        self.min_pages
    }

    /// Whether an object edited at `ts` is new enough for `stream`.
    pub(crate) fn admits(&self, s: StreamName, ts: DateTime<Utc>) -> bool {
        self.get(s).is_none_or(|b| ts >= b)
    }

    /// Whether a page edited at `ts` is read at all.
    pub(crate) fn admits_page(&self, ts: DateTime<Utc>) -> bool {
        self.min_pages.is_none_or(|b| ts >= b)
    }
}

/// The cursor `stream` was read from: its state's, when it is read incrementally. A state
/// that has only a content version (blocks, comments) re-reads the pages edited since that
/// version less the lookback window.
pub(crate) fn input_cursor(
    selection: &Selection,
    input: &State,
    stream: StreamName,
    lookback: std::time::Duration,
) -> Option<DateTime<Utc>> {
    match selection.mode(stream) {
        SyncMode::Incremental => input.get(stream).and_then(|st| {
            st.cursor.or_else(|| {
                let lookback = ChronoDuration::from_std(lookback).unwrap_or_default();
                st.version.map(|v| v - lookback)
            })
        }),
        SyncMode::FullRefresh => None,
    }
}

/// The content version `stream` was read from, when it is read incrementally.
pub(crate) fn input_version(
    selection: &Selection,
    input: &State,
    stream: StreamName,
) -> Option<DateTime<Utc>> {
    match selection.mode(stream) {
        SyncMode::Incremental => input.get(stream).and_then(|st| st.version),
        SyncMode::FullRefresh => None,
    }
}

/// The cursor a completed read leaves: the pass's start (server time) less the lookback
/// window, to the minute, and never before the cursor it was read from.
pub(crate) fn next_cursor(
    started: DateTime<Utc>,
    lookback: std::time::Duration,
    previous: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let lookback = ChronoDuration::from_std(lookback).unwrap_or_default();
    let t = started - lookback;
    let t = t.duration_trunc(ChronoDuration::minutes(1)).unwrap_or(t);
    match previous {
        Some(p) => p.max(t),
        None => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{StreamState, parse_time};

    fn t(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap()
    }

    fn state(cursors: &[(StreamName, &str)]) -> State {
        let mut st = State::default();
        for (s, c) in cursors {
            st.set(
                *s,
                Some(StreamState {
                    cursor: Some(t(c)),
                    version: None,
                    pass: None,
                    known: None,
                    schemas: Default::default(),
                }),
            );
        }
        st
    }

    #[test]
    fn incremental_streams_start_at_their_cursor_and_full_refresh_at_the_start_date() {
        struct Case {
            name: &'static str,
            selection: Selection,
            cursors: Vec<(StreamName, &'static str)>,
            start: Option<&'static str>,
            pages: Option<&'static str>,
            blocks: Option<&'static str>,
            min_pages: Option<&'static str>,
        }
        let cases = [
            Case {
                name: "first sync reads everything",
                selection: Selection::all_incremental(),
                cursors: vec![],
                start: None,
                pages: None,
                blocks: None,
                min_pages: None,
            },
            Case {
                name: "cursors bound each stream; pages read down to the lowest",
                selection: Selection::all_incremental(),
                cursors: vec![
                    (StreamName::Pages, "2026-03-01T00:00:00Z"),
                    (StreamName::Blocks, "2026-02-01T00:00:00Z"),
                    (StreamName::Comments, "2026-04-01T00:00:00Z"),
                    (StreamName::PageMarkdown, "2026-04-01T00:00:00Z"),
                ],
                start: None,
                pages: Some("2026-03-01T00:00:00Z"),
                blocks: Some("2026-02-01T00:00:00Z"),
                min_pages: Some("2026-02-01T00:00:00Z"),
            },
            Case {
                name: "a page stream without a cursor reads every page",
                selection: Selection::all_incremental(),
                cursors: vec![(StreamName::Pages, "2026-03-01T00:00:00Z")],
                start: None,
                pages: Some("2026-03-01T00:00:00Z"),
                blocks: None,
                min_pages: None,
            },
            Case {
                name: "start_date wins over an older cursor, full refresh ignores cursors",
                selection: Selection::of([StreamName::Pages], SyncMode::FullRefresh),
                cursors: vec![(StreamName::Pages, "2026-03-01T00:00:00Z")],
                start: Some("2026-01-01T00:00:00Z"),
                pages: Some("2026-01-01T00:00:00Z"),
                blocks: Some("2026-01-01T00:00:00Z"),
                min_pages: Some("2026-01-01T00:00:00Z"),
            },
            Case {
                name: "a newer cursor wins over start_date",
                selection: Selection::all_incremental(),
                cursors: vec![
                    (StreamName::Pages, "2026-03-01T00:00:00Z"),
                    (StreamName::Blocks, "2026-03-01T00:00:00Z"),
                    (StreamName::Comments, "2026-03-01T00:00:00Z"),
                    (StreamName::PageMarkdown, "2026-03-01T00:00:00Z"),
                ],
                start: Some("2026-01-01T00:00:00Z"),
                pages: Some("2026-03-01T00:00:00Z"),
                blocks: Some("2026-03-01T00:00:00Z"),
                min_pages: Some("2026-03-01T00:00:00Z"),
            },
        ];
        for c in cases {
            let b = Bounds::new(
                &c.selection,
                &state(&c.cursors),
                c.start.map(t),
                std::time::Duration::from_secs(600),
            );
            assert_eq!(b.get(StreamName::Pages), c.pages.map(t), "{}", c.name);
            assert_eq!(b.get(StreamName::Blocks), c.blocks.map(t), "{}", c.name);
            assert_eq!(b.min_pages(), c.min_pages.map(t), "{}", c.name);
        }
    }

    #[test]
    fn the_next_cursor_is_the_start_less_the_lookback_to_the_minute_never_backwards() {
        let lookback = std::time::Duration::from_secs(600);
        assert_eq!(
            next_cursor(t("2026-05-01T10:20:35.123Z"), lookback, None),
            t("2026-05-01T10:10:00Z")
        );
        assert_eq!(
            next_cursor(
                t("2026-05-01T10:20:35Z"),
                lookback,
                Some(t("2026-05-02T00:00:00Z"))
            ),
            t("2026-05-02T00:00:00Z")
        );
    }
}
