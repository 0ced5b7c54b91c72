//! The Airbyte protocol commands: `spec`, `check`, `discover`, `read`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use notion_streams::protocol::{catalog_message, connection_status, spec_message};
use notion_streams::{
    Config, Connector, Error, FailureType, LogLevel, Message, Selection, Settings, State,
    StreamName, SyncMode, schema,
};

use crate::output::ProtocolOut;
use crate::{EXIT_FAILED, EXIT_INVALID_INPUT};

/// Reads a file given on the command line, naming it in the error.
pub(crate) fn read_file(path: &Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the {what} file {}: {e}", path.display()))
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

pub(crate) fn spec() -> u8 {
    let mut out = ProtocolOut::new();
    match out.value(&spec_message(schema::spec())) {
        Ok(()) => 0,
        Err(_) => EXIT_FAILED,
    }
}

pub(crate) fn discover(config: &Path) -> u8 {
    let mut out = ProtocolOut::new();
    match load_settings(config) {
        Ok(settings) => warn_config(&mut out, &settings),
        Err(message) => {
            let _ = out.error(&message, FailureType::Config);
            return EXIT_INVALID_INPUT;
        }
    }
    match out.value(&catalog_message(schema::catalog())) {
        Ok(()) => 0,
        Err(_) => EXIT_FAILED,
    }
}

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
    let connector = match Connector::new(settings) {
        Ok(c) => c,
        Err(e) => {
            let _ = out.value(&connection_status(false, Some(&e.to_string())));
            return 0;
        }
    };
    match connector.check().await {
        Ok(()) => {
            let _ = out.value(&connection_status(true, None));
            0
        }
        Err(e) if e.failure_type() == FailureType::Config => {
            let _ = out.value(&connection_status(false, Some(&e.to_string())));
            0
        }
        Err(e) => {
            let _ = out.error(&e.to_string(), e.failure_type());
            EXIT_FAILED
        }
    }
}

/// The configuration as last rotated, shared with the token-rotation callback.
pub(crate) type SharedConfig = Arc<Mutex<(Config, bool)>>;

/// Builds a connector whose OAuth token rotations update `shared` (and set its flag).
pub(crate) fn connector_with_rotation(
    settings: Settings,
    shared: &SharedConfig,
) -> Result<Connector, Error> {
    let sink = shared.clone();
    let on_rotation: notion_streams::client::OnRotation = Arc::new(move |access, refresh| {
        let mut guard = sink.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.set_oauth_tokens(access, refresh);
        guard.1 = true;
    });
    let api = notion_streams::client::build(&settings, Some(on_rotation))?;
    Ok(Connector::with_api(settings, api))
}

/// Takes the rotated configuration, if the tokens rotated since the last call.
pub(crate) fn take_rotated(shared: &SharedConfig) -> Option<Config> {
    let mut guard = shared.lock().unwrap_or_else(|p| p.into_inner());
    if guard.1 {
        guard.1 = false;
        Some(guard.0.clone())
    } else {
        None
    }
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
    let state = match state {
        None => State::default(),
        Some(p) => match read_file(p, "state")
            .and_then(|t| State::from_json(&t).map_err(|e| e.to_string()))
        {
            Ok(s) => s,
            Err(m) => return invalid(&mut out, m),
        },
    };
    let shared: SharedConfig = Arc::new(Mutex::new((settings.config.clone(), false)));
    let connector = match connector_with_rotation(settings, &shared) {
        Ok(c) => c,
        Err(e) => return invalid(&mut out, e.to_string()),
    };
    connector.set_state(state);
    let mut read = connector.read(selection);
    while let Some(message) = read.next().await {
        if let Some(config) = take_rotated(&shared) {
            let config = serde_json::to_value(&config).unwrap_or_default();
            if out.message(&Message::ControlConfig { config }).is_err() {
                return EXIT_FAILED;
            }
        }
        if out.message(&message).is_err() {
            // stdout is gone: nobody is listening any more.
            return EXIT_FAILED;
        }
    }
    if let Some(config) = take_rotated(&shared) {
        let config = serde_json::to_value(&config).unwrap_or_default();
        let _ = out.message(&Message::ControlConfig { config });
    }
    let result = read.finish().await;
    let code = match result {
        Ok(()) => 0,
        Err(Error::StreamsFailed(_)) => EXIT_FAILED,
        Err(e) => {
            let _ = out.error(&e.to_string(), e.failure_type());
            EXIT_FAILED
        }
    };
    let _ = out.flush();
    code
}
