//! The configured catalog: which streams to read, and how.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::config::quoted;
use crate::error::{Error, InvalidField, Result};
use crate::stream::{StreamName, StreamSet};

/// How a stream is synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncMode {
    /// Read everything, ignore state.
    #[default]
    FullRefresh,
    /// Read what changed since the state.
    Incremental,
}

/// The streams selected for a read and their sync modes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    streams: StreamSet,
    modes: [SyncMode; StreamName::COUNT],
    /// Typed streams of data sources (`ds_…`), by name.
    data_sources: BTreeMap<String, SyncMode>,
}

impl Selection {
    /// Every stream; incremental where supported.
    pub fn all_incremental() -> Self {
        Self::of(StreamName::ALL, SyncMode::Incremental)
    }

    /// Every stream in full refresh.
    pub fn all_full_refresh() -> Self {
        Self::of(StreamName::ALL, SyncMode::FullRefresh)
    }

    /// The given streams with one mode (incremental only where supported).
    pub fn of(streams: impl IntoIterator<Item = StreamName>, mode: SyncMode) -> Self {
        let mut s = Selection {
            streams: StreamSet::EMPTY,
            modes: [SyncMode::FullRefresh; StreamName::COUNT],
            data_sources: BTreeMap::new(),
        };
        for stream in streams {
            s.streams.insert(stream);
            s.modes[stream.index()] = if stream.is_incremental() {
                mode
            } else {
                SyncMode::FullRefresh
            };
        }
        s
    }

    /// The selected streams.
    pub fn streams(&self) -> StreamSet {
        self.streams
    }

    /// Whether `stream` is selected.
    pub fn contains(&self, stream: StreamName) -> bool {
        self.streams.contains(stream)
    }

    /// The sync mode of `stream`.
    pub fn mode(&self, stream: StreamName) -> SyncMode {
        self.modes[stream.index()]
    }

    /// Adds the typed stream of a data source (`ds_…`, as `discover` named it).
    pub fn with_data_source_stream(mut self, name: impl Into<String>, mode: SyncMode) -> Self {
        self.data_sources.insert(name.into(), mode);
        self
    }

    /// The typed streams of data sources selected, by name, with their sync modes.
    pub fn data_source_streams(&self) -> impl Iterator<Item = (&str, SyncMode)> {
        self.data_sources.iter().map(|(n, m)| (n.as_str(), *m))
    }

    /// Whether typed streams of data sources are selected.
    pub fn has_data_source_streams(&self) -> bool {
        !self.data_sources.is_empty()
    }

    /// Parses and validates a configured catalog (`ConfiguredAirbyteCatalog` JSON). A UTF-8
    /// byte order mark before it is ignored.
    ///
    /// Members the connector does not use (`destination_sync_mode`, `primary_key`,
    /// `generation_id`, `null`s, …) are ignored, and a stream configured `incremental` that
    /// supports only full refresh (`users`) is read in full refresh, as Airbyte's Python CDK
    /// does.
    pub fn from_catalog_json(text: &str) -> Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value: Value = serde_json::from_str(text).map_err(|e| {
            Error::Catalog(InvalidField::new(
                "(catalog file)",
                format!("is not valid JSON ({e})"),
                "pass the configured catalog as a JSON object with a `streams` list",
            ))
        })?;
        Self::from_catalog(&value)
    }

    /// Validates a configured catalog value.
    pub fn from_catalog(value: &Value) -> Result<Self> {
        let bad = |field: String, problem: String, fix: &str| {
            Err(Error::Catalog(InvalidField::new(field, problem, fix)))
        };
        let Some(streams) = value.get("streams").and_then(Value::as_array) else {
            return bad(
                "streams".into(),
                "is missing or not a list".into(),
                "pass a configured catalog: {\"streams\": [{\"stream\": {\"name\": …}, \"sync_mode\": …, \"destination_sync_mode\": …}]}",
            );
        };
        let mut selection = Selection {
            streams: StreamSet::EMPTY,
            modes: [SyncMode::FullRefresh; StreamName::COUNT],
            data_sources: BTreeMap::new(),
        };
        for (i, entry) in streams.iter().enumerate() {
            let Some(name) = entry
                .get("stream")
                .and_then(|s| s.get("name"))
                .and_then(Value::as_str)
            else {
                return bad(
                    format!("streams[{i}].stream.name"),
                    "is missing".into(),
                    "name one of the streams `discover` lists",
                );
            };
            let stream: StreamName = match name.parse() {
                Ok(s) => s,
                Err(_) if crate::typed::is_stream_name(name) => {
                    let mode = match entry.get("sync_mode").and_then(Value::as_str) {
                        Some("full_refresh") => SyncMode::FullRefresh,
                        Some("incremental") => SyncMode::Incremental,
                        _ => {
                            return bad(
                                format!("streams[{i}].sync_mode"),
                                describe(entry.get("sync_mode")),
                                "use \"full_refresh\" or \"incremental\"",
                            );
                        }
                    };
                    if let Some(cursor) = entry.get("cursor_field").and_then(Value::as_array)
                        && !cursor.is_empty()
                        && cursor.last().and_then(Value::as_str) != Some("last_edited_time")
                    {
                        return bad(
                            format!("streams[{i}].cursor_field"),
                            format!(
                                "is {}, but `{name}` has a source-defined cursor",
                                Value::Array(cursor.clone())
                            ),
                            "use [\"last_edited_time\"] or leave it out",
                        );
                    }
                    if selection.data_sources.get(name).is_some_and(|m| *m != mode) {
                        return bad(
                            format!("streams[{i}].stream.name"),
                            format!("is `{name}` again, with another sync_mode"),
                            "list each stream once",
                        );
                    }
                    selection.data_sources.insert(name.to_owned(), mode);
                    continue;
                }
                Err(_) => {
                    let names: Vec<&str> = StreamName::ALL.iter().map(|s| s.as_str()).collect();
                    return bad(
                        format!("streams[{i}].stream.name"),
                        format!(
                            "is {}, which is not a stream of this connector ({})",
                            quoted(name),
                            names.join(", ")
                        ),
                        "remove it or run `discover` for the list of streams",
                    );
                }
            };
            let mode = match entry.get("sync_mode").and_then(Value::as_str) {
                Some("full_refresh") => SyncMode::FullRefresh,
                // As Airbyte's Python CDK does: a stream configured incremental that supports
                // only full refresh is read in full (PyAirbyte configures every stream so).
                Some("incremental") if stream.is_incremental() => SyncMode::Incremental,
                Some("incremental") => SyncMode::FullRefresh,
                _ => {
                    return bad(
                        format!("streams[{i}].sync_mode"),
                        describe(entry.get("sync_mode")),
                        "use \"full_refresh\" or \"incremental\"",
                    );
                }
            };
            // Blocks and comments had `last_edited_time` as their cursor before their records
            // carried a content version: catalogs written then stay valid.
            if let (Some(cursor), Some(field)) = (
                entry.get("cursor_field").and_then(Value::as_array),
                stream.cursor_field(),
            ) && !cursor.is_empty()
                && !matches!(
                    cursor.last().and_then(Value::as_str),
                    Some(f) if f == field || f == "last_edited_time"
                )
            {
                return bad(
                    format!("streams[{i}].cursor_field"),
                    format!(
                        "is {}, but `{name}` has a source-defined cursor",
                        Value::Array(cursor.clone())
                    ),
                    &format!("use [\"{field}\"] or leave it out"),
                );
            }
            if selection.streams.contains(stream) && selection.modes[stream.index()] != mode {
                return bad(
                    format!("streams[{i}].stream.name"),
                    format!("is `{name}` again, with another sync_mode"),
                    "list each stream once",
                );
            }
            selection.streams.insert(stream);
            selection.modes[stream.index()] = mode;
        }
        Ok(selection)
    }
}

/// A member's value as the user wrote it: `missing`, or its JSON.
fn describe(value: Option<&Value>) -> String {
    match value {
        None => "is missing".to_owned(),
        Some(v) => format!("is {v}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(name: &str, mode: &str) -> Value {
        json!({"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]}, "sync_mode": mode, "destination_sync_mode": "append"})
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let text = format!(
            "\u{feff}{}",
            json!({"streams": [entry("pages", "full_refresh")]})
        );
        assert!(
            Selection::from_catalog_json(&text)
                .unwrap()
                .contains(StreamName::Pages)
        );
    }

    #[test]
    fn valid_catalog() {
        let s = Selection::from_catalog(
            &json!({"streams": [entry("pages", "incremental"), entry("users", "full_refresh")]}),
        )
        .unwrap();
        assert!(s.contains(StreamName::Pages));
        assert!(!s.contains(StreamName::Blocks));
        assert_eq!(s.mode(StreamName::Pages), SyncMode::Incremental);
    }

    #[test]
    fn incremental_on_a_full_refresh_stream_reads_it_in_full() {
        // As PyAirbyte sends it: every stream incremental, with nulls and members we ignore.
        let pyairbyte = |name: &str| {
            json!({
                "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"],
                           "source_defined_cursor": null, "default_cursor_field": null,
                           "source_defined_primary_key": [["id"]], "namespace": null, "is_resumable": null},
                "sync_mode": "incremental", "destination_sync_mode": "overwrite",
                "cursor_field": null, "primary_key": null,
                "generation_id": null, "minimum_generation_id": null, "sync_id": null,
            })
        };
        let s =
            Selection::from_catalog(&json!({"streams": [pyairbyte("users"), pyairbyte("pages")]}))
                .unwrap();
        assert!(s.contains(StreamName::Users));
        assert_eq!(s.mode(StreamName::Users), SyncMode::FullRefresh);
        assert_eq!(s.mode(StreamName::Pages), SyncMode::Incremental);
    }

    #[test]
    fn typed_streams_of_data_sources_are_selected_by_name() {
        let mut cursor = entry("ds_projects", "incremental");
        cursor["cursor_field"] = json!(["last_edited_time"]);
        let s = Selection::from_catalog(&json!({"streams": [
            cursor, entry("ds_tasks", "full_refresh"), entry("pages", "incremental")]}))
        .unwrap();
        assert_eq!(
            s.data_source_streams().collect::<Vec<_>>(),
            [
                ("ds_projects", SyncMode::Incremental),
                ("ds_tasks", SyncMode::FullRefresh)
            ]
        );
        assert!(s.contains(StreamName::Pages));
        let mut bad = entry("ds_projects", "incremental");
        bad["cursor_field"] = json!(["created_time"]);
        for (catalog, field) in [
            (json!({"streams": [bad]}), "streams[0].cursor_field"),
            (
                json!({"streams": [entry("ds_a", "full_refresh"), entry("ds_a", "incremental")]}),
                "streams[1].stream.name",
            ),
            (
                json!({"streams": [entry("ds_a", "cdc")]}),
                "streams[0].sync_mode",
            ),
        ] {
            match Selection::from_catalog(&catalog) {
                Err(Error::Catalog(f)) => assert_eq!(f.field, field),
                other => panic!("{catalog}: {other:?}"),
            }
        }
    }

    #[test]
    fn invalid_entries_name_the_field() {
        for (catalog, field) in [
            (json!({}), "streams"),
            (
                json!({"streams": [entry("nope", "full_refresh")]}),
                "streams[0].stream.name",
            ),
            (
                json!({"streams": [entry("pages", "INVALID")]}),
                "streams[0].sync_mode",
            ),
        ] {
            match Selection::from_catalog(&catalog) {
                Err(Error::Catalog(f)) => assert_eq!(f.field, field),
                other => panic!("{catalog}: {other:?}"),
            }
        }
    }

    #[test]
    fn messages_show_the_json_the_user_wrote() {
        for (catalog, expected) in [
            (
                json!({"streams": [entry("pages", "cdc")]}),
                "`streams[0].sync_mode` is \"cdc\"; use",
            ),
            (
                json!({"streams": [{"stream": {"name": "pages"}}]}),
                "`streams[0].sync_mode` is missing; use",
            ),
            (
                json!({"streams": [{"stream": {"name": "pages"}, "sync_mode": 3}]}),
                "`streams[0].sync_mode` is 3; use",
            ),
            (
                json!({"streams": [entry("nope", "full_refresh")]}),
                "is `nope`, which is not a stream of this connector (users, databases",
            ),
            (
                json!({"streams": [{"stream": {"name": "pages"}, "sync_mode": "incremental", "cursor_field": ["created_time"]}]}),
                "is [\"created_time\"], but",
            ),
        ] {
            let text = Selection::from_catalog(&catalog).unwrap_err().to_string();
            assert!(text.contains(expected), "{text}");
            assert!(
                !text.contains("Some(") && !text.contains("String("),
                "{text}"
            );
        }
    }
}
