//! Stdout and stderr: protocol lines, logging, panics.

use std::io::{self, BufWriter, IsTerminal, Stdout, Write};

use notion_streams::{FailureType, Message};
use serde_json::{Value, json};
use tracing_subscriber::EnvFilter;

/// Writes Airbyte messages on stdout, one per line.
pub(crate) struct ProtocolOut {
    out: BufWriter<Stdout>,
}

impl ProtocolOut {
    pub(crate) fn new() -> Self {
        ProtocolOut {
            out: BufWriter::with_capacity(1 << 16, io::stdout()),
        }
    }

    /// Writes one message; STATE messages (commit points) are flushed at once.
    pub(crate) fn message(&mut self, m: &Message) -> io::Result<()> {
        m.write_json_line(&mut self.out)?;
        if matches!(m, Message::State { .. } | Message::ControlConfig { .. }) {
            self.out.flush()?;
        }
        Ok(())
    }

    /// Writes a message given as a JSON value.
    pub(crate) fn value(&mut self, v: &Value) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, v)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }

    /// Writes a TRACE ERROR message.
    pub(crate) fn error(&mut self, message: &str, failure_type: FailureType) -> io::Result<()> {
        self.message(&Message::Error {
            stream: None,
            message: message.to_owned(),
            internal_message: None,
            failure_type,
        })?;
        self.out.flush()
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// How log lines are written on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// One line of text per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// This project's crates: `--debug` and a bare `RUST_LOG` level apply to them only, so that
/// the HTTP libraries underneath do not flood the log.
const OUR_CRATES: [&str; 7] = [
    "notion_source",
    "notion_webhook",
    "notion_streams",
    "notion_http",
    "notion_auth",
    "notion_mirror",
    "notion_model",
];

/// The log filter: `warn` by default; `--debug` is `debug` for this project's crates; `RUST_LOG`
/// overrides both, a bare level (`RUST_LOG=debug`) applying to this project's crates only and
/// directives naming targets (`RUST_LOG=hyper=trace`) taken as written.
pub(crate) fn log_filter(debug: bool, rust_log: Option<&str>) -> String {
    let ours = |level: &str| {
        let mut filter = "warn".to_owned();
        for krate in OUR_CRATES {
            filter.push_str(&format!(",{krate}={level}"));
        }
        filter
    };
    match rust_log.map(str::trim).filter(|s| !s.is_empty()) {
        Some(spec) if !spec.contains('=') && !spec.contains(',') => ours(spec),
        Some(spec) => spec.to_owned(),
        None if debug => ours("debug"),
        None => "warn".to_owned(),
    }
}

/// Colour only on a terminal, and never when `NO_COLOR` is set to anything but an empty string
/// (<https://no-color.org>).
pub(crate) fn use_ansi(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Logs go to stderr (see [`log_filter`]), as text or one JSON object per line.
pub(crate) fn init_tracing(debug: bool, format: LogFormat) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let spec = log_filter(debug, rust_log.as_deref());
    let filter =
        EnvFilter::try_new(&spec).unwrap_or_else(|_| EnvFilter::new(log_filter(debug, None)));
    let ansi = use_ansi(
        io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_target(debug || rust_log.is_some());
    let _ = match format {
        LogFormat::Text => builder.with_ansi(ansi).try_init(),
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
    };
}

/// A panic becomes a TRACE ERROR on stdout (protocol commands) or a message on stderr, and the
/// process exits non-zero. Panic messages never carry secrets: library code does not put
/// credentials in panics.
pub(crate) fn install_panic_hook(protocol: bool) {
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if protocol {
            let line = json!({
                "type": "TRACE",
                "trace": {
                    "type": "ERROR",
                    "emitted_at": notion_streams::protocol::now_millis() as f64,
                    "error": {
                        "message": "the connector failed unexpectedly",
                        "internal_message": format!("panic: {message}{location}"),
                        "failure_type": "system_error"
                    }
                }
            });
            let mut out = io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        } else {
            eprintln!("notion-source: internal error: {message}{location}");
        }
        std::process::exit(101);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_bare_levels_apply_to_our_crates_only() {
        assert_eq!(log_filter(false, None), "warn");
        for filter in [log_filter(true, None), log_filter(false, Some("debug"))] {
            assert!(filter.starts_with("warn,"), "{filter}");
            assert!(filter.contains("notion_http=debug"), "{filter}");
            assert!(!filter.contains("hyper"), "{filter}");
        }
        assert_eq!(
            log_filter(true, Some("hyper=trace,notion_http=debug")),
            "hyper=trace,notion_http=debug"
        );
        assert_eq!(log_filter(true, Some("  ")), log_filter(true, None));
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        assert!(use_ansi(true, None));
        assert!(use_ansi(true, Some(OsStr::new(""))));
        assert!(!use_ansi(true, Some(OsStr::new("1"))));
        assert!(!use_ansi(false, None));
    }
}
