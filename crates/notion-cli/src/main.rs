//! `notion-source`: the Notion source connector.
//!
//! Airbyte protocol commands (`spec`, `check`, `discover`, `read`) write JSON lines on stdout;
//! `sync` keeps a local SQLite mirror current; `demo` (the default `demo` feature) syncs a
//! built-in fake workspace.

mod airbyte;
#[cfg(feature = "demo")]
mod demo;
mod output;
mod sync;

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
    /// Log debugging detail (HTTP requests, retries, waits) to stderr.
    #[arg(long, global = true)]
    debug: bool,
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
    /// Read the catalog's streams and write Airbyte messages on stdout.
    Read {
        /// The configuration file (JSON).
        #[arg(long)]
        config: PathBuf,
        /// The configured catalog (JSON).
        #[arg(long)]
        catalog: PathBuf,
        /// The state of a previous read: the JSON array of its last STATE messages.
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Sync the workspace into a local SQLite database, incrementally.
    Sync(sync::SyncArgs),
    /// Sync the built-in demo workspace (a fake Notion API on 127.0.0.1) into a local database.
    #[cfg(feature = "demo")]
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    output::init_tracing(cli.debug);
    output::install_panic_hook(matches!(
        cli.command,
        Command::Spec | Command::Check { .. } | Command::Discover { .. } | Command::Read { .. }
    ));
    // `sync` runs on one thread: its records are made and written to SQLite on the same thread,
    // which keeps glibc's allocator from holding freed memory in per-thread arenas, so memory
    // stays flat however big the workspace (docs/benchmarks.md). It gives up about a third of
    // the unthrottled speed, never reached under Notion's 3–10 requests per second.
    let mut builder = if matches!(cli.command, Command::Sync(_)) {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = match builder.enable_all().build() {
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
            Command::Discover { config } => airbyte::discover(&config),
            Command::Read {
                config,
                catalog,
                state,
            } => airbyte::read(&config, &catalog, state.as_deref()).await,
            Command::Sync(args) => sync::run(args).await,
            #[cfg(feature = "demo")]
            Command::Demo(args) => demo::run(args).await,
        }
    });
    ExitCode::from(code)
}
