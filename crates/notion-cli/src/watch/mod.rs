//! `notion-source watch`: the mirror kept fresh in seconds by Notion's webhooks.
//!
//! One process: the receiver (`notion_webhook::server`) checks each request and queues events
//! durably in the webhook store (`store.rs`) before answering 2xx; the worker (`worker.rs`), the
//! mirror's one writer, turns them into coalesced targeted reads (`reads.rs`) and runs the
//! periodic safety-net sync. A signal stops the receiver (requests in hand are answered) and
//! the worker after the work in hand; a killed process loses nothing: events not applied are
//! pending in the store, events not acknowledged are delivered again by Notion.

mod duration;
mod reads;
mod receiver;
mod store;
mod worker;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;
use notion_mirror::{Error as MirrorError, Mirror};
use notion_streams::Connector;
use notion_streams::client::OnRotation;
use notion_webhook::Coalescer;
use notion_webhook::endpoint::Endpoint;
use notion_webhook::server::{ServerOptions, serve};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::airbyte::load_settings;
use crate::{EXIT_FAILED, EXIT_INVALID_INPUT};
use reads::Reads;
use receiver::Receiver;
use store::Store;
use worker::{Rotation, Stats, Worker};

/// Arguments of `watch`.
#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// The configuration file (JSON). Rotated OAuth tokens are written back to it.
    #[arg(long, required_unless_present = "show_verification_token")]
    pub(crate) config: Option<PathBuf>,
    /// The SQLite mirror to keep current (a new one is synced in full first). The webhook
    /// store is the file next to it with `-webhooks` appended.
    #[arg(long, default_value = "notion.db")]
    pub(crate) db: PathBuf,
    /// The address to receive Notion's webhook requests on, behind a reverse proxy with TLS
    /// (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub(crate) listen: SocketAddr,
    /// Accept a `--listen` address that is not loopback (reachable from other machines).
    #[arg(long)]
    pub(crate) allow_non_loopback: bool,
    /// How often the safety-net incremental sync runs (`30m`, `1h`, …; 0: never). It catches
    /// what events missed; the first runs at start when the last is older than this.
    #[arg(long, default_value = "1h", value_parser = duration::parse)]
    pub(crate) sync_every: Duration,
    /// How long events about one object are gathered into one read (`500ms`, `2s`, …).
    #[arg(long, default_value = "1s", value_parser = duration::parse)]
    pub(crate) coalesce: Duration,
    /// Print the stored verification token (to paste into the integration's settings) and
    /// exit.
    #[arg(long)]
    pub(crate) show_verification_token: bool,
    /// Forget the stored verification token and wait for a new verification request (after
    /// the subscription was created again).
    #[arg(long)]
    pub(crate) reset_verification: bool,
}

/// Runs `watch` until a signal; returns the exit code.
pub(crate) async fn run(args: WatchArgs) -> u8 {
    let store_path = Store::path_for(&args.db);
    if args.show_verification_token {
        return show_verification_token(&store_path);
    }
    let Some(config_path) = args.config else {
        eprintln!("notion-source: --config is required");
        return EXIT_INVALID_INPUT;
    };
    let settings = match load_settings(&config_path) {
        Ok(s) => s,
        Err(m) => {
            eprintln!("notion-source: {m}");
            return EXIT_INVALID_INPUT;
        }
    };
    for warning in &settings.warnings {
        eprintln!("notion-source: warning: {warning}");
    }
    if !args.listen.ip().is_loopback() {
        if !args.allow_non_loopback {
            eprintln!(
                "notion-source: --listen {} is reachable from other machines; listen on \
                 loopback behind a reverse proxy with TLS (docs/operations.md), or add \
                 --allow-non-loopback",
                args.listen
            );
            return EXIT_INVALID_INPUT;
        }
        eprintln!(
            "notion-source: warning: listening on {}, reachable from other machines: Notion \
             sends only to https URLs, so put a reverse proxy with TLS in front, and keep this \
             port closed to anything else",
            args.listen
        );
    }
    let mirror = match open_mirror(&args.db) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let mut store = match Store::open(&store_path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "notion-source: {} was not changed: {e}; it is the webhook store of --db (move \
                 the other file away)",
                store_path.display()
            );
            return EXIT_INVALID_INPUT;
        }
    };
    if args.reset_verification {
        if let Err(e) = store.reset_token() {
            eprintln!(
                "notion-source: cannot write to {}: {e}",
                store_path.display()
            );
            return EXIT_FAILED;
        }
        eprintln!("notion-source: the verification token was forgotten");
    }
    let verified = matches!(store.token(), Ok(Some(_)));

    // Rotated OAuth tokens arrive from the HTTP client; the worker writes them to the file.
    let (rotation_tx, rotation_rx) = mpsc::unbounded_channel::<Rotation>();
    let on_rotation: OnRotation = Arc::new(move |access, refresh| {
        let _ = rotation_tx.send((access.to_owned(), refresh.map(str::to_owned)));
    });
    let config = settings.config.clone();
    let api = match notion_streams::client::build(&settings, Some(on_rotation)) {
        Ok(api) => api,
        Err(e) => {
            eprintln!("notion-source: {e}");
            return EXIT_INVALID_INPUT;
        }
    };
    let connector = Connector::with_api(settings, api.clone());

    let listener = match TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("notion-source: cannot listen on {}: {e}", args.listen);
            return EXIT_FAILED;
        }
    };
    let addr = listener.local_addr().unwrap_or(args.listen);
    eprintln!(
        "notion-source: watching {}: listening on http://{addr}",
        args.db.display()
    );
    if !verified {
        eprintln!(
            "notion-source: waiting for the verification request: create the webhook \
             subscription in the integration's settings with your public https URL (see \
             docs/operations.md); the token will be shown here"
        );
    }

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    tokio::spawn(signals(shutdown_tx.clone()));
    let store = Arc::new(Mutex::new(store));
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let handler = match Receiver::new(store.clone(), store_path, args.db.clone(), events_tx) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("notion-source: cannot read the webhook store: {e}");
            return EXIT_FAILED;
        }
    };
    let endpoint = Arc::new(Endpoint::new(handler));
    let mut stopped = shutdown_rx.clone();
    let server = tokio::spawn(serve(
        listener,
        endpoint,
        ServerOptions::default(),
        async move {
            let _ = stopped.wait_for(|s| *s).await;
        },
    ));
    let worker = Worker {
        mirror,
        store,
        reads: Reads::new(connector, api),
        coalescer: Coalescer::new(args.coalesce),
        sync_every: args.sync_every,
        config,
        config_path,
        outstanding: HashMap::new(),
        failures: HashMap::new(),
        next_sync: None,
        stats: Stats::default(),
        unknown_kinds: Default::default(),
    };
    let code = worker.run(events_rx, shutdown_rx, rotation_rx).await;
    // The worker may have stopped on an error: stop the receiver too.
    let _ = shutdown_tx.send(true);
    match server.await {
        Ok(Ok(())) => code,
        Ok(Err(e)) => {
            eprintln!("notion-source: the receiver failed: {e}");
            EXIT_FAILED
        }
        Err(_) => EXIT_FAILED,
    }
}

/// Opens the mirror as `sync` does, with the same messages.
fn open_mirror(db: &Path) -> Result<Mirror, u8> {
    match Mirror::open(db) {
        Ok(m) => Ok(m),
        Err(e @ (MirrorError::NotAMirror(_) | MirrorError::NewerSchema { .. })) => {
            eprintln!(
                "notion-source: {} was not changed: {e}; give --db a new file (or an empty \
                 one), or the mirror an earlier sync wrote",
                db.display()
            );
            Err(EXIT_INVALID_INPUT)
        }
        Err(e) => {
            eprintln!(
                "notion-source: cannot open the database {}: {e}",
                db.display()
            );
            Err(EXIT_FAILED)
        }
    }
}

/// `--show-verification-token`: the stored token on stdout.
#[allow(clippy::print_stdout)]
fn show_verification_token(store_path: &Path) -> u8 {
    if !store_path.exists() {
        eprintln!(
            "notion-source: no webhook store at {}: run watch first",
            store_path.display()
        );
        return EXIT_FAILED;
    }
    match Store::open(store_path).map(|s| s.token()) {
        Ok(Ok(Some(t))) => {
            println!("{}", t.token.expose());
            0
        }
        Ok(Ok(None)) => {
            eprintln!("notion-source: Notion has not sent the verification request yet");
            EXIT_FAILED
        }
        Ok(Err(e)) => {
            eprintln!("notion-source: cannot read {}: {e}", store_path.display());
            EXIT_FAILED
        }
        Err(e) => {
            eprintln!("notion-source: cannot read {}: {e}", store_path.display());
            EXIT_FAILED
        }
    }
}

/// Waits for SIGINT or SIGTERM and says so on `shutdown`.
async fn signals(shutdown: watch::Sender<bool>) {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    eprintln!("notion-source: stopping: finishing the work in hand");
    let _ = shutdown.send(true);
}
