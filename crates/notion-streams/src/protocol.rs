//! Airbyte protocol messages: what the connector emits, and how each is written as one JSON line.
//!
//! [`Message`] is the connector's output. [`Message::write_json_line`] writes the
//! `AirbyteMessage` envelope; records are written straight from their JSON bytes, without a
//! round trip through a JSON tree.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::error::FailureType;
use crate::state::StreamState;
use crate::stream::StreamName;

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Severity of a log message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LogLevel {
    /// Debugging detail.
    Debug,
    /// Progress and facts.
    Info,
    /// Something the user should know: a cut, an object not shared, a skipped stream.
    Warn,
    /// A failure.
    Error,
}

impl LogLevel {
    fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
        }
    }
}

/// The status of a stream during a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamStatus {
    /// The stream is about to be read.
    Started,
    /// The stream's first record is about to be emitted.
    Running,
    /// The stream finished without error.
    Complete,
    /// The stream stopped because of an error or an interruption.
    Incomplete,
}

impl StreamStatus {
    fn as_str(self) -> &'static str {
        match self {
            StreamStatus::Started => "STARTED",
            StreamStatus::Running => "RUNNING",
            StreamStatus::Complete => "COMPLETE",
            StreamStatus::Incomplete => "INCOMPLETE",
        }
    }
}

/// One output of the connector.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Message {
    /// A record of a stream. `data` is the record's JSON object, as text.
    Record {
        /// The stream.
        stream: StreamName,
        /// The record, a JSON object.
        data: String,
        /// When it was read, in milliseconds since the Unix epoch.
        emitted_at: i64,
    },
    /// A checkpoint of a stream: every record of the stream emitted before it is covered.
    State {
        /// The stream.
        stream: StreamName,
        /// The stream's state (boxed: it is the largest message, and the rarest).
        state: Box<StreamState>,
        /// Records of the stream emitted since its previous state.
        record_count: u64,
    },
    /// A log line.
    Log {
        /// Its severity.
        level: LogLevel,
        /// The message (never holds a secret).
        message: String,
    },
    /// A stream's status changed.
    Status {
        /// The stream.
        stream: StreamName,
        /// The new status.
        status: StreamStatus,
    },
    /// An error, for a stream or for the whole read.
    Error {
        /// The stream that failed, if one did.
        stream: Option<StreamName>,
        /// A message for the user.
        message: String,
        /// Technical detail.
        internal_message: Option<String>,
        /// The kind of failure.
        failure_type: FailureType,
    },
    /// The configuration changed (rotated OAuth tokens): the platform should store it.
    ControlConfig {
        /// The whole updated configuration.
        config: Value,
    },
    /// A record of the typed stream of a data source (`ds_…`; setting `data_source_streams`).
    DataSourceRecord {
        /// The stream's name.
        stream: Arc<str>,
        /// The record, a JSON object.
        data: String,
        /// When it was read, in milliseconds since the Unix epoch.
        emitted_at: i64,
    },
    /// A checkpoint of the typed stream of a data source.
    DataSourceState {
        /// The stream's name.
        stream: Arc<str>,
        /// The stream's state (boxed, as in `State`).
        state: Box<StreamState>,
        /// Records of the stream emitted since its previous state.
        record_count: u64,
    },
    /// The status of the typed stream of a data source changed.
    DataSourceStatus {
        /// The stream's name.
        stream: Arc<str>,
        /// The new status.
        status: StreamStatus,
    },
    /// The typed stream of a data source failed (the other streams go on).
    DataSourceError {
        /// The stream's name.
        stream: Arc<str>,
        /// A message for the user: what failed and what to do.
        message: String,
        /// The kind of failure.
        failure_type: FailureType,
    },
    /// A page's content was read completely in this read: every block (when `blocks`) and
    /// every comment (when `comments`) of the page that is current was emitted with `version`
    /// as its `_content_version`, so those of an older version are gone (deleted, resolved, or
    /// the page was trashed or deleted). For library and standalone use: nothing is written for
    /// it in the Airbyte protocol, where the records' versions say the same.
    PageContent {
        /// The page.
        page: notion_model::Id,
        /// The content version of this read.
        version: String,
        /// Whether the page's blocks were all emitted.
        blocks: bool,
        /// Whether the page's comments were all emitted (per the `comments` setting).
        comments: bool,
    },
}

/// The `AirbyteMessage` envelope of every message but records, as serde types.
mod wire {
    use serde::Serialize;
    use serde_json::Value;

    use crate::state::StreamState;

    #[derive(Serialize)]
    pub(super) struct Descriptor<'a> {
        pub(super) name: &'a str,
    }

    #[derive(Serialize)]
    #[serde(tag = "type")]
    pub(super) enum Envelope<'a> {
        #[serde(rename = "STATE")]
        State { state: StateMessage<'a> },
        #[serde(rename = "LOG")]
        Log { log: Log<'a> },
        #[serde(rename = "TRACE")]
        Trace { trace: Trace<'a> },
        #[serde(rename = "CONTROL")]
        Control { control: Control<'a> },
        #[serde(rename = "SPEC")]
        Spec { spec: &'a Value },
        #[serde(rename = "CATALOG")]
        Catalog { catalog: &'a Value },
        #[serde(rename = "CONNECTION_STATUS")]
        ConnectionStatus {
            #[serde(rename = "connectionStatus")]
            connection_status: ConnectionStatus<'a>,
        },
    }

    #[derive(Serialize)]
    pub(super) struct StateMessage<'a> {
        #[serde(rename = "type")]
        pub(super) kind: &'static str,
        pub(super) stream: StreamStateMessage<'a>,
        #[serde(rename = "sourceStats")]
        pub(super) source_stats: SourceStats,
    }

    #[derive(Serialize)]
    pub(super) struct StreamStateMessage<'a> {
        pub(super) stream_descriptor: Descriptor<'a>,
        pub(super) stream_state: &'a StreamState,
    }

    #[derive(Serialize)]
    pub(super) struct SourceStats {
        #[serde(rename = "recordCount")]
        pub(super) record_count: f64,
    }

    #[derive(Serialize)]
    pub(super) struct Log<'a> {
        pub(super) level: &'static str,
        pub(super) message: &'a str,
    }

    #[derive(Serialize)]
    #[serde(tag = "type")]
    pub(super) enum Trace<'a> {
        #[serde(rename = "STREAM_STATUS")]
        StreamStatus {
            emitted_at: f64,
            stream_status: StreamStatus<'a>,
        },
        #[serde(rename = "ERROR")]
        Error { emitted_at: f64, error: Error<'a> },
    }

    #[derive(Serialize)]
    pub(super) struct StreamStatus<'a> {
        pub(super) stream_descriptor: Descriptor<'a>,
        pub(super) status: &'static str,
    }

    #[derive(Serialize)]
    pub(super) struct Error<'a> {
        pub(super) message: &'a str,
        pub(super) failure_type: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) internal_message: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) stream_descriptor: Option<Descriptor<'a>>,
    }

    #[derive(Serialize)]
    #[serde(tag = "type")]
    pub(super) enum Control<'a> {
        #[serde(rename = "CONNECTOR_CONFIG")]
        ConnectorConfig {
            emitted_at: f64,
            #[serde(rename = "connectorConfig")]
            connector_config: ConnectorConfig<'a>,
        },
    }

    #[derive(Serialize)]
    pub(super) struct ConnectorConfig<'a> {
        pub(super) config: &'a Value,
    }

    #[derive(Serialize)]
    pub(super) struct ConnectionStatus<'a> {
        pub(super) status: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub(super) message: Option<&'a str>,
    }
}

impl Message {
    /// A log message.
    pub fn log(level: LogLevel, message: impl Into<String>) -> Self {
        Message::Log {
            level,
            message: message.into(),
        }
    }

    /// Writes the message as one `AirbyteMessage` JSON line (with the trailing newline).
    pub fn write_json_line(&self, out: &mut impl Write) -> io::Result<()> {
        match self.envelope() {
            Some(envelope) => {
                serde_json::to_writer(&mut *out, &envelope)?;
                out.write_all(b"\n")
            }
            None => match self {
                // The record body is already JSON text (made by `shape`): the envelope is
                // written around it, without parsing it again.
                Message::Record {
                    stream,
                    data,
                    emitted_at,
                } => writeln!(
                    out,
                    "{{\"type\":\"RECORD\",\"record\":{{\"stream\":\"{}\",\"data\":{},\"emitted_at\":{}}}}}",
                    stream.as_str(),
                    data,
                    emitted_at
                ),
                Message::DataSourceRecord {
                    stream,
                    data,
                    emitted_at,
                } => {
                    let name = serde_json::to_string(&**stream).map_err(io::Error::other)?;
                    writeln!(
                        out,
                        "{{\"type\":\"RECORD\",\"record\":{{\"stream\":{name},\"data\":{data},\"emitted_at\":{emitted_at}}}}}"
                    )
                }
                _ => Ok(()),
            },
        }
    }

    /// The envelope of every message but records.
    fn envelope(&self) -> Option<wire::Envelope<'_>> {
        use wire::*;
        Some(match self {
            Message::Record { .. }
            | Message::DataSourceRecord { .. }
            | Message::PageContent { .. } => return None,
            Message::State {
                stream,
                state,
                record_count,
            } => state_envelope(stream.as_str(), state, *record_count),
            Message::DataSourceState {
                stream,
                state,
                record_count,
            } => state_envelope(stream, state, *record_count),
            Message::DataSourceStatus { stream, status } => status_envelope(stream, *status),
            Message::DataSourceError {
                stream,
                message,
                failure_type,
            } => Envelope::Trace {
                trace: Trace::Error {
                    emitted_at: now_millis() as f64,
                    error: wire::Error {
                        message,
                        failure_type: failure_type.as_str(),
                        internal_message: None,
                        stream_descriptor: Some(Descriptor { name: stream }),
                    },
                },
            },
            Message::Log { level, message } => Envelope::Log {
                log: Log {
                    level: level.as_str(),
                    message,
                },
            },
            Message::Status { stream, status } => status_envelope(stream.as_str(), *status),
            Message::Error {
                stream,
                message,
                internal_message,
                failure_type,
            } => Envelope::Trace {
                trace: Trace::Error {
                    emitted_at: now_millis() as f64,
                    error: wire::Error {
                        message,
                        failure_type: failure_type.as_str(),
                        internal_message: internal_message.as_deref(),
                        stream_descriptor: stream.map(|s| Descriptor { name: s.as_str() }),
                    },
                },
            },
            Message::ControlConfig { config } => Envelope::Control {
                control: Control::ConnectorConfig {
                    emitted_at: now_millis() as f64,
                    connector_config: ConnectorConfig { config },
                },
            },
        })
    }

    /// The message as an `AirbyteMessage` JSON value.
    pub fn to_value(&self) -> Value {
        let mut line = Vec::new();
        if self.write_json_line(&mut line).is_err() {
            return Value::Null;
        }
        serde_json::from_slice(&line).unwrap_or(Value::Null)
    }
}

/// The STATE envelope of a stream's state.
fn state_envelope<'a>(
    name: &'a str,
    state: &'a StreamState,
    record_count: u64,
) -> wire::Envelope<'a> {
    use wire::*;
    Envelope::State {
        state: StateMessage {
            kind: "STREAM",
            stream: StreamStateMessage {
                stream_descriptor: Descriptor { name },
                stream_state: state,
            },
            source_stats: SourceStats {
                record_count: record_count as f64,
            },
        },
    }
}

/// The TRACE envelope of a stream's status.
fn status_envelope(name: &str, status: StreamStatus) -> wire::Envelope<'_> {
    use wire::*;
    Envelope::Trace {
        trace: Trace::StreamStatus {
            emitted_at: now_millis() as f64,
            stream_status: wire::StreamStatus {
                stream_descriptor: Descriptor { name },
                status: status.as_str(),
            },
        },
    }
}

/// The `CONNECTION_STATUS` message of `check`.
pub fn connection_status(succeeded: bool, message: Option<&str>) -> Value {
    to_value(&wire::Envelope::ConnectionStatus {
        connection_status: wire::ConnectionStatus {
            status: if succeeded { "SUCCEEDED" } else { "FAILED" },
            message,
        },
    })
}

/// The `SPEC` message.
pub fn spec_message(spec: Value) -> Value {
    to_value(&wire::Envelope::Spec { spec: &spec })
}

/// The `CATALOG` message of `discover`.
pub fn catalog_message(catalog: Value) -> Value {
    to_value(&wire::Envelope::Catalog { catalog: &catalog })
}

fn to_value(envelope: &wire::Envelope<'_>) -> Value {
    serde_json::to_value(envelope).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn record_line_is_valid_json_on_one_line() {
        let m = Message::Record {
            stream: StreamName::Pages,
            data: r#"{"id":"x","n":"a\nb"}"#.into(),
            emitted_at: 5,
        };
        let mut out = Vec::new();
        m.write_json_line(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches('\n').count(), 1);
        let v: Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(v, m.to_value());
        assert_eq!(v["record"]["emitted_at"], json!(5));
    }

    #[test]
    fn state_has_source_stats_as_a_number() {
        let m = Message::State {
            stream: StreamName::Blocks,
            state: Box::new(StreamState {
                cursor: crate::state::parse_time("2026-01-01T00:00:00.000Z"),
                version: None,
                pass: None,
                known: None,
                schemas: Default::default(),
            }),
            record_count: 3,
        };
        let v = m.to_value();
        assert_eq!(v["state"]["type"], "STREAM");
        assert_eq!(v["state"]["sourceStats"]["recordCount"], json!(3.0));
    }
}
