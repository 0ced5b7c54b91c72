//! `notion-source`: the Notion source connector.
//!
//! Airbyte protocol commands (`spec`, `check`, `discover`, `read`) write JSON lines on stdout;
//! `sync` keeps a local SQLite mirror current; `search` searches it; `watch` keeps it fresh in
//! seconds from Notion's webhooks; `demo` (the default `demo` feature) syncs a built-in fake
//! workspace.

mod airbyte;
mod config_file;
#[cfg(feature = "demo")]
mod demo;
mod diagnose;
mod output;
mod search;
mod sync;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code of a failed read or sync.
const EXIT_FAILED: u8 = 1;
/// Exit code of invalid input (configuration, catalog, state, arguments).
const EXIT_INVALID_INPUT: u8 = 2;

/// A fast, complete, incremental Notion source connector.
#[derive(Debug, Parser)]
#[command(name = "notion-source", version, about, long_about = None)]
struct Cli {
    /// Log debugging detail to stderr: one line per HTTP request (method, path, status,
    /// milliseconds, attempts, request id), retries and waits.
    #[arg(long, global = true)]
    debug: bool,
    /// How log lines are written on stderr: `text`, or `json` (one JSON object per line).
    #[arg(long, global = true, value_enum, default_value_t)]
    log_format: output::LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the connector specification (Airbyte SPEC message).
    Spec,
    /// Check that the configuration's credentials can read Notion (CONNECTION_STATUS message).
    Check {
        /// The configuration file (JSON).
        #[arg(long)]
        config: PathBuf,
    },
    /// List the streams and their schemas (CATALOG message).
    Discover {
        /// The configuration file (JSON).
        #[arg(long)]
        config: PathBuf,
    },
    /// Read streams and write Airbyte messages on stdout: the catalog's, or without a catalog
    /// every stream (or those of `--streams`), incremental where the stream supports it.
    Read {
        /// The configuration file (JSON).
        #[arg(long)]
        config: PathBuf,
        /// The configured catalog (JSON). Without it, every stream is read in the best mode it
        /// supports.
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// The state of a previous read: the JSON array of its last STATE messages.
        #[arg(long)]
        state: Option<PathBuf>,
        /// Streams to read without a catalog (comma-separated); all by default.
        #[arg(long, value_delimiter = ',', conflicts_with = "catalog")]
        streams: Vec<notion_streams::StreamName>,
    },
    /// Sync the workspace into a local SQLite database, incrementally.
    Sync(sync::SyncArgs),
    /// Search the pages of a mirror `sync` wrote: titles and Markdown, best matches first.
    Search(search::SearchArgs),
    /// Keep the SQLite mirror fresh from Notion's webhooks, with a periodic incremental sync
    /// as the safety net.
    Watch(watch::WatchArgs),
    /// Sync the built-in demo workspace (a fake Notion API on 127.0.0.1) into a local database.
    #[cfg(feature = "demo")]
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    output::init_tracing(cli.debug, cli.log_format);
    output::install_panic_hook(matches!(
        cli.command,
        Command::Spec | Command::Check { .. } | Command::Discover { .. } | Command::Read { .. }
    ));
    // Every command runs on one thread: records are made and written (to stdout or SQLite) on
    // the thread that read them, with no wake-ups across threads and no per-thread allocator
    // arenas, so CPU per record is lower and memory stays flat however big the workspace
    // (docs/benchmarks.md). It gives up some unthrottled speed, never reached under Notion's
    // 3–10 requests per second.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("notion-source: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let code = runtime.block_on(async move {
        match cli.command {
            Command::Spec => airbyte::spec(),
            Command::Check { config } => airbyte::check(&config).await,
            Command::Discover { config } => airbyte::discover(&config).await,
            Command::Read {
                config,
                catalog,
                state,
                streams,
            } => airbyte::read(&config, catalog.as_deref(), &streams, state.as_deref()).await,
            Command::Sync(args) => sync::run(args).await,
            Command::Search(args) => search::run(&args),
            Command::Watch(args) => watch::run(args).await,
            #[cfg(feature = "demo")]
            Command::Demo(args) => demo::run(args).await,
        }
    });
    ExitCode::from(code)
}
