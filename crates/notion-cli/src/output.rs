//! Stdout and stderr: protocol lines, logging, panics.

use std::io::{self, BufWriter, Stdout, Write};

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

/// Logs go to stderr: `warn` by default, `debug` for our crates with `--debug`; `RUST_LOG`
/// overrides both.
pub(crate) fn init_tracing(debug: bool) {
    let default = if debug {
        "warn,notion_http=debug,notion_auth=debug,notion_streams=debug,notion_source=debug"
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_target(debug)
        .try_init();
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
