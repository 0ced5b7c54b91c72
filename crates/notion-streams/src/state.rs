//! Incremental state: per-stream cursors and the progress of an unfinished sync.
//!
//! A stream's state is `{"last_edited_time": L}`: the next sync reads objects edited at or after
//! `L` (the previous sync's start less the lookback window, never earlier than an earlier `L`).
//! While a sync is running its checkpoints also carry `pass`: how far each source of pages (the
//! search, each data source) has been read, so that a sync resumed from its last checkpoint
//! re-reads at most the work in flight at that checkpoint.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use notion_model::{Id, Timestamp};

use crate::idset::IdSet;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::{Error, InvalidField, Result};
use crate::stream::StreamName;

/// Formats a cursor the way Notion writes timestamps (`2026-07-04T09:08:00.000Z`).
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses any RFC 3339 timestamp.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// How far one source of pages has been read in an unfinished sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SourceProgress {
    /// Read completely.
    Done,
    /// Read in descending `last_edited_time` order down to `floor`: every page edited after
    /// `floor` is done, and so are the pages edited at `floor` whose IDs are listed.
    Partial {
        /// The oldest `last_edited_time` reached, as Notion wrote it.
        floor: Timestamp,
        /// Pages edited exactly at `floor` that are done.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        done_ids: Vec<Id>,
    },
}

/// The key of a source of pages in [`PassState::sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceKey {
    /// The rows of a data source.
    DataSource(Id),
    /// The search for pages.
    Search,
}

impl fmt::Display for SourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceKey::Search => f.write_str("search"),
            SourceKey::DataSource(id) => write!(f, "data_source:{id}"),
        }
    }
}

impl std::str::FromStr for SourceKey {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.strip_prefix("data_source:") {
            None if s == "search" => Ok(SourceKey::Search),
            Some(id) => id
                .parse()
                .map(SourceKey::DataSource)
                .map_err(|_| format!("`{s}` names no valid data source id")),
            None => Err(format!("`{s}` is not `search` or `data_source:<id>`")),
        }
    }
}

impl Serialize for SourceKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SourceKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Timestamps written the way Notion writes them (`2026-07-04T09:08:00.000Z`).
mod notion_time {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_time(*t))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        super::parse_time(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a timestamp")))
    }

    pub(super) mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serializer};

        pub(in super::super) fn serialize<S: Serializer>(
            t: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            match Option::<std::borrow::Cow<'de, str>>::deserialize(d)? {
                None => Ok(None),
                Some(text) => super::super::parse_time(&text).map(Some).ok_or_else(|| {
                    serde::de::Error::custom(format!("`{text}` is not a timestamp"))
                }),
            }
        }
    }
}

/// The progress of an unfinished sync (a "pass").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassState {
    /// Server time when the pass started; the next cursor is derived from it.
    #[serde(with = "notion_time")]
    pub started_at: DateTime<Utc>,
    /// The lower bound the pass reads from (absent: everything).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "notion_time::option"
    )]
    pub lower: Option<DateTime<Utc>>,
    /// Progress by source of pages.
    #[serde(default)]
    pub sources: BTreeMap<SourceKey, SourceProgress>,
    /// Pages found by walking page content that are not processed yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_pages: Vec<Id>,
    /// Databases found by walking page content (`child_database` blocks): a resumed sync may
    /// not walk those pages again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub databases: Vec<Id>,
    /// Data sources found other than by the data-source search (through databases, or as
    /// parents of rows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_sources: Vec<Id>,
}

/// The state of one stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamState {
    /// Objects edited at or after this time are read by the next incremental sync
    /// (`last_edited_time`).
    pub cursor: Option<DateTime<Utc>>,
    /// For blocks and comments, whose records carry the content version of the read that
    /// emitted them: the version of the last complete read (`_content_version`, the stream's
    /// cursor field). Every record the next read emits has a newer one.
    pub version: Option<DateTime<Utc>>,
    /// The progress of an unfinished sync.
    pub pass: Option<PassState>,
    /// For pages: what the last inventory found, to tell deletions and late shares.
    pub known: Option<Known>,
    /// For pages: a fingerprint of each data source's schema (property ids, names, types and
    /// options) as of the last complete read. The rows of a data source whose schema changed
    /// since are read again: their values changed without their `last_edited_time`.
    pub schemas: BTreeMap<Id, String>,
}

/// The objects a destination holds, as of the last inventory (see `docs/streams.md`,
/// deletions): what the next inventory compares with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    /// When the inventory was taken (server time).
    #[serde(with = "notion_time")]
    pub at: DateTime<Utc>,
    /// Pages (rows included), in the trash or not.
    pub pages: IdSet,
    /// Data sources.
    pub data_sources: IdSet,
    /// Databases.
    pub databases: IdSet,
}

impl Known {
    /// The size of its serialized form, roughly, in bytes.
    pub fn encoded_len(&self) -> usize {
        self.pages.encoded_len()
            + self.data_sources.encoded_len()
            + self.databases.encoded_len()
            + 128
    }
}

impl Serialize for StreamState {
    /// `{"last_edited_time": …, "pass": …}`, each member only when set (`{}` for a stream
    /// without a cursor).
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        if let Some(c) = self.cursor {
            map.serialize_entry("last_edited_time", &format_time(c))?;
        }
        if let Some(v) = self.version {
            map.serialize_entry(crate::stream::CONTENT_VERSION, &format_time(v))?;
        }
        if let Some(p) = &self.pass {
            map.serialize_entry("pass", p)?;
        }
        if let Some(k) = &self.known {
            map.serialize_entry("known", k)?;
        }
        if !self.schemas.is_empty() {
            map.serialize_entry("schemas", &self.schemas)?;
        }
        map.end()
    }
}

impl StreamState {
    /// The state as the JSON object of a STATE message.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|_| Value::Object(Map::new()))
    }

    fn from_value(stream: &str, field: &str, value: &Value) -> Result<Option<Self>> {
        let bad = |sub: &str, problem: String| {
            Error::State(InvalidField::new(
                format!("{field}{sub}"),
                problem,
                format!(
                    "pass the STATE messages the connector emitted for `{stream}`, or drop the stream's state to sync it from the start"
                ),
            ))
        };
        let obj = match value {
            Value::Null => return Ok(None),
            Value::Object(o) => o,
            other => return Err(bad("", format!("is {other}, not an object"))),
        };
        let time = |key: &str| match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => match parse_time(s) {
                Some(t) => Ok(Some(t)),
                None => Err(bad(
                    &format!(".{key}"),
                    format!("is `{s}`, not a timestamp"),
                )),
            },
            Some(other) => Err(bad(&format!(".{key}"), format!("is {other}, not a string"))),
        };
        let cursor = time("last_edited_time")?;
        let version = time(crate::stream::CONTENT_VERSION)?;
        let pass = match obj.get("pass") {
            None | Some(Value::Null) => None,
            Some(v) => match serde_json::from_value::<PassState>(v.clone()) {
                Ok(p) => Some(p),
                Err(e) => return Err(bad(".pass", format!("is not a sync progress object ({e})"))),
            },
        };
        let known = match obj.get("known") {
            None | Some(Value::Null) => None,
            Some(v) => match serde_json::from_value::<Known>(v.clone()) {
                Ok(k) => Some(k),
                Err(e) => return Err(bad(".known", format!("is not an inventory ({e})"))),
            },
        };
        let schemas = match obj.get("schemas") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(v) => match serde_json::from_value::<BTreeMap<Id, String>>(v.clone()) {
                Ok(m) => m,
                Err(e) => {
                    return Err(bad(
                        ".schemas",
                        format!("is not a map of data source ids to fingerprints ({e})"),
                    ));
                }
            },
        };
        Ok(Some(StreamState {
            cursor,
            version,
            pass,
            known,
            schemas,
        }))
    }
}

/// What kind of JSON value `v` is, for messages that must not repeat the value itself.
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The state given to a read: one optional state per stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    streams: [Option<StreamState>; StreamName::COUNT],
    /// States of the typed streams of data sources (`ds_…`), by name.
    data_sources: BTreeMap<String, StreamState>,
    /// Things worth a warning (states of unknown streams, which are ignored).
    pub warnings: Vec<String>,
}

impl State {
    /// The state of `stream`.
    pub fn get(&self, stream: StreamName) -> Option<&StreamState> {
        self.streams[stream.index()].as_ref()
    }

    /// Sets the state of `stream`.
    pub fn set(&mut self, stream: StreamName, state: Option<StreamState>) {
        self.streams[stream.index()] = state;
    }

    /// The state of the typed stream of a data source (`ds_…`).
    pub fn data_source(&self, name: &str) -> Option<&StreamState> {
        self.data_sources.get(name)
    }

    /// Sets the state of the typed stream of a data source.
    pub fn set_data_source(&mut self, name: &str, state: Option<StreamState>) {
        match state {
            Some(st) => {
                self.data_sources.insert(name.to_owned(), st);
            }
            None => {
                self.data_sources.remove(name);
            }
        }
    }

    /// Parses a state file: a JSON array of `AirbyteStateMessage`s (per-stream, global or
    /// legacy), or a legacy object keyed by stream name. An empty file or `null` is no state.
    pub fn from_json(text: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Ok(State::default());
        }
        let value: Value = serde_json::from_str(text).map_err(|e| {
            Error::State(InvalidField::new(
                "(state file)",
                format!("is not valid JSON ({e})"),
                "pass the JSON array of STATE messages a previous read emitted",
            ))
        })?;
        Self::from_value(&value)
    }

    /// Parses a state value (see [`State::from_json`]).
    pub fn from_value(value: &Value) -> Result<Self> {
        let mut state = State::default();
        match value {
            Value::Null => {}
            Value::Array(messages) => {
                for (i, m) in messages.iter().enumerate().filter(|(_, m)| !m.is_null()) {
                    if !m.is_object() {
                        return Err(Error::State(InvalidField::new(
                            format!("state[{i}]"),
                            format!("is {}, not a state message", json_kind(m)),
                            "pass the JSON array of STATE messages a previous read emitted",
                        )));
                    }
                    // Accept both bare state messages and full AirbyteMessage envelopes.
                    let m = m
                        .get("state")
                        .filter(|_| m.get("type") == Some(&json!("STATE")))
                        .unwrap_or(m);
                    state.add_message(&format!("state[{i}]"), m)?;
                }
            }
            Value::Object(_) if value.get("type").is_some() || value.get("stream").is_some() => {
                state.add_message("state", value)?;
            }
            Value::Object(map) => state.add_legacy("state", map)?,
            other => {
                return Err(Error::State(InvalidField::new(
                    "(state file)",
                    format!("is {other}"),
                    "pass the JSON array of STATE messages a previous read emitted",
                )));
            }
        }
        Ok(state)
    }

    fn add_message(&mut self, field: &str, m: &Value) -> Result<()> {
        // Members may be present as `null` (Airbyte's platform and PyAirbyte write every
        // member, `global_` included) and carry counts we do not use (`sourceStats`,
        // `destinationStats`): a `null` member is an absent one.
        let member = |name: &str| m.get(name).filter(|v| !v.is_null());
        let global = member("global").or_else(|| member("global_"));
        let kind =
            member("type")
                .and_then(Value::as_str)
                .unwrap_or(if member("stream").is_some() {
                    "STREAM"
                } else if global.is_some() {
                    "GLOBAL"
                } else {
                    "LEGACY"
                });
        match kind {
            "STREAM" => {
                let stream = member("stream").unwrap_or(&Value::Null);
                self.add_stream(&format!("{field}.stream"), stream)
            }
            "GLOBAL" => {
                let states = match global.and_then(|g| g.get("stream_states")) {
                    None | Some(Value::Null) => None,
                    Some(Value::Array(states)) => Some(states),
                    Some(other) => {
                        return Err(Error::State(InvalidField::new(
                            format!("{field}.global.stream_states"),
                            format!("is {}, not a list", json_kind(other)),
                            "pass the STATE messages the connector emitted",
                        )));
                    }
                };
                for (j, s) in states.into_iter().flatten().enumerate() {
                    self.add_stream(&format!("{field}.global.stream_states[{j}]"), s)?;
                }
                Ok(())
            }
            "LEGACY" => match m.get("data") {
                Some(Value::Object(map)) => self.add_legacy(&format!("{field}.data"), map),
                _ => Ok(()),
            },
            other => Err(Error::State(InvalidField::new(
                format!("{field}.type"),
                format!("is `{other}`"),
                "use STREAM state messages",
            ))),
        }
    }

    fn add_stream(&mut self, field: &str, s: &Value) -> Result<()> {
        let Some(name) = s
            .get("stream_descriptor")
            .and_then(|d| d.get("name"))
            .and_then(Value::as_str)
        else {
            return Err(Error::State(InvalidField::new(
                format!("{field}.stream_descriptor.name"),
                "is missing",
                "pass the STATE messages the connector emitted",
            )));
        };
        match name.parse::<StreamName>() {
            Ok(stream) => {
                let parsed = StreamState::from_value(
                    name,
                    &format!("{field}.stream_state"),
                    s.get("stream_state").unwrap_or(&Value::Null),
                )?;
                self.set(stream, parsed);
            }
            Err(_) if crate::typed::is_stream_name(name) => {
                let parsed = StreamState::from_value(
                    name,
                    &format!("{field}.stream_state"),
                    s.get("stream_state").unwrap_or(&Value::Null),
                )?;
                self.set_data_source(name, parsed);
            }
            Err(_) => self
                .warnings
                .push(format!("ignored the state of unknown stream `{name}`")),
        }
        Ok(())
    }

    fn add_legacy(&mut self, field: &str, map: &Map<String, Value>) -> Result<()> {
        for (name, v) in map {
            match name.parse::<StreamName>() {
                Ok(stream) => {
                    let parsed = StreamState::from_value(name, &format!("{field}.{name}"), v)?;
                    self.set(stream, parsed);
                }
                Err(_) if crate::typed::is_stream_name(name) => {
                    let parsed = StreamState::from_value(name, &format!("{field}.{name}"), v)?;
                    self.set_data_source(name, parsed);
                }
                Err(_) => self
                    .warnings
                    .push(format!("ignored the state of unknown stream `{name}`")),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_stream_messages_round_trip() {
        let st = StreamState {
            cursor: parse_time("2026-07-04T09:08:00.000Z"),
            version: None,
            pass: None,
            known: None,
            schemas: BTreeMap::new(),
        };
        let msg = json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "pages"}, "stream_state": st.to_value()}}]);
        let state = State::from_value(&msg).unwrap();
        assert_eq!(state.get(StreamName::Pages), Some(&st));
        assert_eq!(state.get(StreamName::Blocks), None);
    }

    #[test]
    fn legacy_and_envelopes_are_accepted() {
        let state = State::from_value(
            &json!({"pages": {"last_edited_time": "2026-01-01T00:00:00Z"}, "bogus": {}}),
        )
        .unwrap();
        assert!(state.get(StreamName::Pages).unwrap().cursor.is_some());
        assert_eq!(state.warnings.len(), 1);
        let state = State::from_value(&json!([{"type": "STATE", "state": {"type": "STREAM", "stream": {"stream_descriptor": {"name": "blocks"}, "stream_state": {"last_edited_time": "2026-01-01T00:00:00Z"}}}}])).unwrap();
        assert!(state.get(StreamName::Blocks).is_some());
    }

    #[test]
    fn platform_and_pyairbyte_shapes_are_accepted() {
        let cursor = json!({"last_edited_time": "2026-01-01T00:00:00.000Z"});
        let state = State::from_value(&json!([
            // PyAirbyte: every member written, `global_` and `data` null, float counts.
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "pages", "namespace": null}, "stream_state": cursor},
             "global_": null, "data": null, "sourceStats": {"recordCount": 12.0}, "destinationStats": null},
            // The platform: destination counts too.
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "users"}, "stream_state": {}},
             "sourceStats": {"recordCount": 3.0}, "destinationStats": {"recordCount": 3.0}},
            // No type, a null stream: a legacy `data` object.
            {"type": null, "stream": null, "data": {"blocks": cursor}},
            // A global state under PyAirbyte's member name.
            {"type": "GLOBAL", "global_": {"shared_state": null, "stream_states": [
                {"stream_descriptor": {"name": "comments"}, "stream_state": cursor}]}},
            null
        ]))
        .unwrap();
        for s in [StreamName::Pages, StreamName::Blocks, StreamName::Comments] {
            assert!(state.get(s).unwrap().cursor.is_some(), "{s}");
        }
        assert_eq!(state.get(StreamName::Users), Some(&StreamState::default()));
        assert!(State::from_value(&json!([])).unwrap() == State::default());
        let no_type_global = State::from_value(&json!([{"global": {"stream_states": [
            {"stream_descriptor": {"name": "pages"}, "stream_state": cursor}]}}]))
        .unwrap();
        assert!(no_type_global.get(StreamName::Pages).is_some());
    }

    #[test]
    fn typed_streams_of_data_sources_have_their_own_states() {
        let cursor = json!({"last_edited_time": "2026-01-01T00:00:00.000Z"});
        let state = State::from_value(&json!([
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "ds_projects"}, "stream_state": cursor}},
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "pages"}, "stream_state": {}}},
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "bogus"}, "stream_state": cursor}}
        ]))
        .unwrap();
        assert!(state.data_source("ds_projects").unwrap().cursor.is_some());
        assert_eq!(state.data_source("ds_tasks"), None);
        assert!(state.get(StreamName::Pages).unwrap().cursor.is_none());
        assert_eq!(state.warnings.len(), 1, "{:?}", state.warnings);
        let legacy = State::from_value(&json!({"ds_tasks": cursor})).unwrap();
        assert!(legacy.data_source("ds_tasks").is_some());
        let err = State::from_value(&json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "ds_x"}, "stream_state": {"last_edited_time": "soon"}}}])).unwrap_err();
        assert!(err.to_string().contains("`ds_x`"), "{err}");
    }

    #[test]
    fn null_stream_state_resets() {
        let state = State::from_value(&json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "pages"}, "stream_state": null}}])).unwrap();
        assert_eq!(state.get(StreamName::Pages), None);
    }

    #[test]
    fn bad_cursor_names_the_field() {
        let err = State::from_value(&json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "pages"}, "stream_state": {"last_edited_time": "soon"}}}])).unwrap_err();
        match err {
            Error::State(f) => assert_eq!(f.field, "state[0].stream.stream_state.last_edited_time"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pass_progress_round_trips() {
        let mut sources = BTreeMap::new();
        sources.insert(SourceKey::Search, SourceProgress::Done);
        sources.insert(
            SourceKey::DataSource(Id::from_u128(0xabc)),
            SourceProgress::Partial {
                floor: Timestamp::parse("2026-01-01T00:00:00.000Z").unwrap(),
                done_ids: vec![Id::from_u128(1)],
            },
        );
        let st = StreamState {
            cursor: None,
            version: None,
            pass: Some(PassState {
                started_at: parse_time("2026-01-02T00:00:00.000Z").unwrap(),
                lower: None,
                sources,
                pending_pages: vec![],
                databases: vec![Id::from_u128(2)],
                data_sources: vec![],
            }),
            known: Some(Known {
                at: parse_time("2026-01-01T00:00:00.000Z").unwrap(),
                pages: [Id::from_u128(7), Id::from_u128(8)].into_iter().collect(),
                data_sources: IdSet::new(),
                databases: [Id::from_u128(9)].into_iter().collect(),
            }),
            schemas: [(Id::from_u128(3), "00ff00ff00ff00ff".to_owned())].into(),
        };
        let parsed = StreamState::from_value("pages", "s", &st.to_value())
            .unwrap()
            .unwrap();
        assert_eq!(parsed, st);
    }
}
