//! The Airbyte protocol commands: `spec`, `check`, `discover`, `read`.

use std::path::Path;

use futures::StreamExt;
use notion_streams::protocol::{catalog_message, connection_status, spec_message};
use notion_streams::{
    Config, Connector, Error, FailureType, LogLevel, Message, Selection, Settings, State,
    StreamName, SyncMode, TokensRotated, schema,
};

use crate::output::ProtocolOut;
use crate::{EXIT_FAILED, EXIT_INVALID_INPUT, diagnose};

/// Reads a file given on the command line, naming it in the error, without a UTF-8 byte order
/// mark (editors on Windows write one).
pub(crate) fn read_file(path: &Path, what: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the {what} file {}: {e}", path.display()))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// Loads and validates the configuration file.
pub(crate) fn load_settings(path: &Path) -> Result<Settings, String> {
    let text = read_file(path, "config")?;
    Config::from_json(&text).map_err(|e| e.to_string())
}

/// Reports the configuration's warnings (unknown members): a line on stderr and a LOG message.
fn warn_config(out: &mut ProtocolOut, settings: &Settings) {
    for warning in &settings.warnings {
        eprintln!("notion-source: warning: {warning}");
        let _ = out.message(&Message::log(LogLevel::Warn, warning.clone()));
    }
}

/// Stores rotated OAuth tokens the Airbyte way: the configuration, updated, in a `CONTROL`
/// message (the platform stores it for the next run).
fn control_message(config: &mut Config, tokens: &TokensRotated) -> Message {
    tokens.apply_to(config);
    Message::ControlConfig {
        config: serde_json::to_value(&*config).unwrap_or_default(),
    }
}

pub(crate) fn spec() -> u8 {
    let mut out = ProtocolOut::new();
    match out.value(&spec_message(schema::spec())) {
        Ok(()) => 0,
        Err(_) => EXIT_FAILED,
    }
}

/// `discover`: the built-in streams; with `data_source_streams`, also the typed stream of every
/// data source, whose schemas are read from Notion (a failure to read them is reported as
/// `read` reports one, and exits non-zero).
pub(crate) async fn discover(config: &Path) -> u8 {
    let mut out = ProtocolOut::new();
    let settings = match load_settings(config) {
        Ok(settings) => settings,
        Err(message) => {
            let _ = out.error(&message, FailureType::Config);
            return EXIT_INVALID_INPUT;
        }
    };
    warn_config(&mut out, &settings);
    let catalog = if settings.config.data_source_streams {
        let mut config = settings.config.clone();
        let connector = match Connector::new(settings) {
            Ok(c) => c,
            Err(e) => {
                let _ = out.error(&e.to_string(), FailureType::Config);
                return EXIT_INVALID_INPUT;
            }
        };
        let catalog = connector.discover_with_data_sources().await;
        if let Some(tokens) = connector.take_rotated() {
            let _ = out.message(&control_message(&mut config, &tokens));
        }
        match catalog {
            Ok(c) => c,
            Err(e) => {
                let _ = out.error(
                    &format!("could not list the data sources for their typed streams: {e}"),
                    e.failure_type(),
                );
                let _ = out.flush();
                return EXIT_FAILED;
            }
        }
    } else {
        schema::catalog()
    };
    match out.value(&catalog_message(catalog)) {
        Ok(()) => 0,
        Err(_) => EXIT_FAILED,
    }
}

/// `check` always answers with one CONNECTION_STATUS and exits 0: SUCCEEDED, or FAILED with the
/// reason and the fix, within a short retry and timeout budget. Rotated tokens are emitted in a
/// CONTROL message first.
pub(crate) async fn check(config: &Path) -> u8 {
    let mut out = ProtocolOut::new();
    let settings = match load_settings(config) {
        Ok(s) => s,
        Err(message) => {
            let _ = out.value(&connection_status(false, Some(&message)));
            return 0;
        }
    };
    warn_config(&mut out, &settings);
    let mut config = settings.config.clone();
    let connector = match Connector::new(settings.for_check()) {
        Ok(c) => c,
        Err(e) => {
            let _ = out.value(&connection_status(false, Some(&e.to_string())));
            return 0;
        }
    };
    let result = connector.check().await;
    if let Some(tokens) = connector.take_rotated() {
        let _ = out.message(&control_message(&mut config, &tokens));
    }
    let status = match result {
        Ok(()) => connection_status(true, None),
        Err(e) => connection_status(false, Some(&diagnose::check_failure(&e, &settings))),
    };
    let _ = out.value(&status);
    0
}

/// `read`: the catalog's streams, or without a catalog `streams` (every stream if empty), each
/// incremental where it supports it.
pub(crate) async fn read(
    config: &Path,
    catalog: Option<&Path>,
    streams: &[StreamName],
    state: Option<&Path>,
) -> u8 {
    let mut out = ProtocolOut::new();
    let invalid = |out: &mut ProtocolOut, message: String| {
        let _ = out.error(&message, FailureType::Config);
        EXIT_INVALID_INPUT
    };
    let settings = match load_settings(config) {
        Ok(s) => s,
        Err(m) => return invalid(&mut out, m),
    };
    warn_config(&mut out, &settings);
    let selection = match catalog {
        Some(catalog) => match read_file(catalog, "catalog")
            .and_then(|t| Selection::from_catalog_json(&t).map_err(|e| e.to_string()))
        {
            Ok(s) => s,
            Err(m) => return invalid(&mut out, m),
        },
        None if streams.is_empty() => Selection::all_incremental(),
        None => Selection::of(streams.iter().copied(), SyncMode::Incremental),
    };
    if selection.has_data_source_streams() && !settings.config.data_source_streams {
        let names: Vec<&str> = selection.data_source_streams().map(|(n, _)| n).collect();
        return invalid(
            &mut out,
            format!(
                "invalid catalog: it selects {} but `data_source_streams` is off; set \
                 `\"data_source_streams\": true` in the config (and run discover again), or \
                 remove those streams from the catalog",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let state = match state {
        None => State::default(),
        Some(p) => match read_file(p, "state")
            .and_then(|t| State::from_json(&t).map_err(|e| e.to_string()))
        {
            Ok(s) => s,
            Err(m) => return invalid(&mut out, m),
        },
    };
    let mut config = settings.config.clone();
    let connector = match Connector::new(settings) {
        Ok(c) => c,
        Err(e) => return invalid(&mut out, e.to_string()),
    };
    connector.set_state(state);
    let mut read = connector.read(selection);
    loop {
        // A rotation is stored before the next message is written.
        let message = tokio::select! {
            biased;
            Some(tokens) = connector.rotated() => control_message(&mut config, &tokens),
            message = read.next() => match message {
                Some(m) => m,
                None => break,
            },
        };
        if out.message(&message).is_err() {
            // stdout is gone: nobody is listening any more.
            return EXIT_FAILED;
        }
    }
    if let Some(tokens) = connector.take_rotated() {
        let _ = out.message(&control_message(&mut config, &tokens));
    }
    let result = read.finish().await;
    if let Some(tokens) = connector.take_rotated() {
        let _ = out.message(&control_message(&mut config, &tokens));
    }
    let code = match result {
        Ok(()) => 0,
        Err(Error::StreamsFailed(_) | Error::DataSourceStreamsFailed(_)) => EXIT_FAILED,
        Err(e) => {
            let _ = out.error(&e.to_string(), e.failure_type());
            EXIT_FAILED
        }
    };
    let _ = out.flush();
    code
}
