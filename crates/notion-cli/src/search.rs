//! `notion-source search`: full-text search over the pages of a mirror `sync` wrote.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use notion_mirror::{Error, Highlight, Hit, Search};

use crate::{EXIT_FAILED, EXIT_INVALID_INPUT};

/// Arguments of `search`.
#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// The mirror to search (a file `sync` wrote).
    #[arg(long, default_value = "notion.db")]
    pub(crate) db: PathBuf,
    /// What to look for, in SQLite FTS5 syntax: words (all must match), `"a phrase"`,
    /// `prefix*`, `OR`, `NOT`, `title:word`.
    pub(crate) query: String,
    /// At most this many pages.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) limit: u32,
}

pub(crate) fn run(args: &SearchArgs) -> u8 {
    let search = match Search::open(&args.db) {
        Ok(s) => s,
        Err(e) => return report(&args.db, &args.query, &e),
    };
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let highlight = if color {
        Highlight {
            open: "\x1b[1;33m".into(),
            close: "\x1b[0m".into(),
        }
    } else {
        Highlight::default()
    };
    match search.pages(&args.query, args.limit as usize, &highlight) {
        Ok(hits) => {
            print_hits(&args.query, &hits);
            0
        }
        Err(e) => report(&args.db, &args.query, &e),
    }
}

/// Reports an error on stderr and returns the exit code.
fn report(db: &Path, query: &str, e: &Error) -> u8 {
    let db = db.display();
    match e {
        Error::NoMirror => {
            eprintln!(
                "notion-source: there is no mirror at {db}; create it with `notion-source sync --db {db}` (or give --db the file sync wrote)"
            );
            EXIT_INVALID_INPUT
        }
        Error::NotAMirror(_) | Error::NewerSchema { .. } | Error::OlderSchema { .. } => {
            eprintln!("notion-source: cannot search {db}: {e}");
            EXIT_INVALID_INPUT
        }
        Error::InvalidQuery(why) => {
            eprintln!(
                "notion-source: invalid search query {query:?}: {why}; put words in double quotes to search for them as written (\"hauler-v2\")"
            );
            EXIT_INVALID_INPUT
        }
        _ => {
            eprintln!("notion-source: cannot search {db}: {e}");
            EXIT_FAILED
        }
    }
}

/// The hits as text: the title, the path of the titles above the page, a snippet.
pub(crate) fn render_hits(query: &str, hits: &[Hit]) -> String {
    if hits.is_empty() {
        return format!("No page matches {query:?}.\n");
    }
    let mut out = String::new();
    for (i, hit) in hits.iter().enumerate() {
        let title = if hit.title.is_empty() {
            "Untitled"
        } else {
            &hit.title
        };
        out.push_str(&format!("{}. {title}\n", i + 1));
        if !hit.path.is_empty() {
            out.push_str(&format!("   in {}\n", hit.path.join(" › ")));
        }
        let snippet = one_line(&hit.snippet);
        if !snippet.is_empty() {
            out.push_str(&format!("   {snippet}\n"));
        }
    }
    out
}

#[allow(clippy::print_stdout)]
fn print_hits(query: &str, hits: &[Hit]) {
    print!("{}", render_hits(query, hits));
}

/// A snippet on one line: line breaks and runs of spaces become one space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
