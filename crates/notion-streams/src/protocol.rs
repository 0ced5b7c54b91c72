//! Airbyte protocol messages: what the connector emits, and how each is written as one JSON line.
//!
//! [`Message`] is the connector's output. [`Message::write_json_line`] writes the
//! `AirbyteMessage` envelope; records are written straight from their JSON bytes, without a
//! round trip through a JSON tree.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::error::FailureType;
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
        /// The stream's state object.
        state: Value,
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
        match self {
            Message::Record {
                stream,
                data,
                emitted_at,
            } => {
                // The record body is already JSON: write the envelope around it.
                writeln!(
                    out,
                    "{{\"type\":\"RECORD\",\"record\":{{\"stream\":\"{}\",\"data\":{},\"emitted_at\":{}}}}}",
                    stream.as_str(),
                    data,
                    emitted_at
                )
            }
            other => {
                let value = other.to_value();
                serde_json::to_writer(&mut *out, &value)?;
                out.write_all(b"\n")
            }
        }
    }

    /// The message as an `AirbyteMessage` JSON value.
    pub fn to_value(&self) -> Value {
        match self {
            Message::Record {
                stream,
                data,
                emitted_at,
            } => json!({
                "type": "RECORD",
                "record": {
                    "stream": stream.as_str(),
                    "data": serde_json::from_str::<Value>(data).unwrap_or(Value::Null),
                    "emitted_at": emitted_at
                }
            }),
            Message::State {
                stream,
                state,
                record_count,
            } => json!({
                "type": "STATE",
                "state": {
                    "type": "STREAM",
                    "stream": {
                        "stream_descriptor": {"name": stream.as_str()},
                        "stream_state": state
                    },
                    "sourceStats": {"recordCount": *record_count as f64}
                }
            }),
            Message::Log { level, message } => json!({
                "type": "LOG",
                "log": {"level": level.as_str(), "message": message}
            }),
            Message::Status { stream, status } => json!({
                "type": "TRACE",
                "trace": {
                    "type": "STREAM_STATUS",
                    "emitted_at": now_millis() as f64,
                    "stream_status": {
                        "stream_descriptor": {"name": stream.as_str()},
                        "status": status.as_str()
                    }
                }
            }),
            Message::Error {
                stream,
                message,
                internal_message,
                failure_type,
            } => {
                let mut error = json!({
                    "message": message,
                    "failure_type": failure_type.as_str(),
                });
                if let Some(internal) = internal_message {
                    error["internal_message"] = json!(internal);
                }
                if let Some(s) = stream {
                    error["stream_descriptor"] = json!({"name": s.as_str()});
                }
                json!({
                    "type": "TRACE",
                    "trace": {"type": "ERROR", "emitted_at": now_millis() as f64, "error": error}
                })
            }
            Message::ControlConfig { config } => json!({
                "type": "CONTROL",
                "control": {
                    "type": "CONNECTOR_CONFIG",
                    "emitted_at": now_millis() as f64,
                    "connectorConfig": {"config": config}
                }
            }),
        }
    }
}

/// The `CONNECTION_STATUS` message of `check`.
pub fn connection_status(succeeded: bool, message: Option<&str>) -> Value {
    let mut status = json!({"status": if succeeded { "SUCCEEDED" } else { "FAILED" }});
    if let Some(m) = message {
        status["message"] = json!(m);
    }
    json!({"type": "CONNECTION_STATUS", "connectionStatus": status})
}

/// The `SPEC` message.
pub fn spec_message(spec: Value) -> Value {
    json!({"type": "SPEC", "spec": spec})
}

/// The `CATALOG` message of `discover`.
pub fn catalog_message(catalog: Value) -> Value {
    json!({"type": "CATALOG", "catalog": catalog})
}

#[cfg(test)]
mod tests {
    use super::*;

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
            state: json!({"last_edited_time": "2026-01-01T00:00:00.000Z"}),
            record_count: 3,
        };
        let v = m.to_value();
        assert_eq!(v["state"]["type"], "STREAM");
        assert_eq!(v["state"]["sourceStats"]["recordCount"], json!(3.0));
    }
}
