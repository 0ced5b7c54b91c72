//! `notion-source demo`: a full sync of the built-in demo workspace, served by a fake Notion API
//! on 127.0.0.1 with Notion-like latency and rate limit. No token, no network.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use notion_fake::{FakeNotion, Latency, Options, WorkspaceSpec};
use notion_streams::Config;
use rusqlite::Connection;

use crate::sync::{SyncJob, run_job};
use crate::{EXIT_FAILED, EXIT_INVALID_INPUT};

/// The example queries the demo prints and runs.
pub(crate) const EXAMPLE_QUERIES: [(&str, &str); 3] = [
    (
        "Pages edited most recently",
        "SELECT title, last_edited_time FROM pages ORDER BY last_edited_time DESC, title LIMIT 5;",
    ),
    (
        "Pages with the most blocks",
        "SELECT p.title, COUNT(*) AS blocks FROM blocks b JOIN pages p ON p.id = b.page_id \
         GROUP BY p.id ORDER BY blocks DESC, p.title LIMIT 5;",
    ),
    (
        "Projects by status (the typed view of the Projects data source)",
        "SELECT status, COUNT(*) AS projects, SUM(budget) AS budget FROM ds_projects \
         GROUP BY status ORDER BY projects DESC, status;",
    ),
];

/// The example search the demo prints and runs: it matches a title and the text of pages.
pub(crate) const EXAMPLE_SEARCH: &str = "charging";

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// The SQLite database to write (replaced if it exists).
    #[arg(long, default_value = "notion-demo.db")]
    db: PathBuf,
    /// Print nothing but errors and the final summary.
    #[arg(long)]
    quiet: bool,
    /// Write the end-of-sync summary as JSON to this file (`-` for stdout).
    #[arg(long)]
    summary_json: Option<PathBuf>,
    /// Serve and read without latency or rate limit (for tests).
    #[arg(long, hide = true)]
    unthrottled: bool,
}

pub(crate) async fn run(args: DemoArgs) -> u8 {
    // Notion's Business-plan limit (600 requests a minute) with Notion-like latency, so the demo
    // shows a realistic sync and still finishes in well under a minute.
    let options = if args.unthrottled {
        Options {
            rate_limit: None,
            ..Options::default()
        }
    } else {
        Options {
            rate_limit: Some(600),
            latency: Latency {
                fixed: Duration::from_millis(40),
                jitter: Duration::from_millis(80),
            },
            ..Options::default()
        }
    };
    let fake = match FakeNotion::start(WorkspaceSpec::Demo, options).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("notion-source: cannot start the demo server: {e}");
            return EXIT_FAILED;
        }
    };
    for suffix in ["", "-wal", "-shm"] {
        let mut p = args.db.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    let mut config = Config::with_token(fake.token());
    config.base_url = fake.base_url();
    config.requests_per_second = if args.unthrottled { 0.0 } else { 10.0 };
    let settings = match config.validate() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("notion-source: {e}");
            return EXIT_INVALID_INPUT;
        }
    };
    if !args.quiet {
        eprintln!(
            "Demo: syncing the built-in demo workspace from a fake Notion API at {} (10 requests/s, Notion-like latency) into {}",
            fake.base_url(),
            args.db.display()
        );
    }
    let job = SyncJob {
        settings,
        config_path: None,
        db: args.db.clone(),
        streams: Vec::new(),
        full_refresh: false,
        quiet: false,
        summary_json: args.summary_json,
    };
    let outcome = run_job(job).await;
    fake.shutdown().await;
    if let Err(code) = outcome {
        return code;
    }
    print_queries(&args.db);
    0
}

/// Prints the example queries and their results (the demo's own output, on stdout).
#[allow(clippy::print_stdout)]
fn print_queries(db: &std::path::Path) {
    let conn = match Connection::open(db) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("notion-source: cannot open {}: {e}", db.display());
            return;
        }
    };
    println!("\nTry these queries (sqlite3 {}):", db.display());
    for (title, sql) in EXAMPLE_QUERIES {
        println!("\n-- {title}\n{sql}");
        match run_query(&conn, sql) {
            Ok(rows) => {
                for row in rows {
                    println!("   {}", row.join(" | "));
                }
            }
            Err(e) => println!("   (query failed: {e})"),
        }
    }
    println!(
        "\nSearch the pages, their titles and text (best matches first):\n\nnotion-source search --db {} {EXAMPLE_SEARCH:?}",
        db.display()
    );
    let hits = notion_mirror::Search::open(db)
        .and_then(|s| s.pages(EXAMPLE_SEARCH, 3, &notion_mirror::Highlight::default()));
    match hits {
        Ok(hits) => {
            for line in crate::search::render_hits(EXAMPLE_SEARCH, &hits).lines() {
                println!("   {line}");
            }
        }
        Err(e) => println!("   (search failed: {e})"),
    }
}

/// Runs a query and returns its rows as text.
pub(crate) fn run_query(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<Vec<String>>> {
    let mut st = conn.prepare(sql)?;
    let n = st.column_count();
    let mut rows = st.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut cells = Vec::with_capacity(n);
        for i in 0..n {
            let v: rusqlite::types::Value = row.get(i)?;
            cells.push(match v {
                rusqlite::types::Value::Null => "NULL".to_owned(),
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Real(f) => f.to_string(),
                rusqlite::types::Value::Text(t) => t,
                rusqlite::types::Value::Blob(b) => format!("<{} bytes>", b.len()),
            });
        }
        out.push(cells);
    }
    Ok(out)
}
