//! Full-text search over pages: an FTS5 index of each page's title and Markdown, kept in step
//! with `pages` and `page_markdown` by triggers, and the read-only [`Search`] over it.
//!
//! The index is an external-content FTS5 table (`page_search`) over the view `search_content`:
//! one document per page in `search_docs` (its `docid` is the document's rowid), with three
//! columns: `title` (`pages.title`, else `page_markdown.title`), `body` (the Markdown after its
//! front matter) and `front_matter` (the page's id, title, URL, times and properties as YAML).
//! A page in the trash, or in neither table, has no document. Triggers on both tables take a
//! page's document out of the index with the values it was indexed with *before* a row
//! changes, and put it back *after*, so every write — upserts, tombstones, the content a page
//! lost, a full refresh's sweep — keeps the index exact, inside the writer's transaction.

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::error::{Error, Result};
use crate::mirror::{Found, inspect};
use crate::schema::SCHEMA_VERSION;

/// Takes page `$X`'s document out of the index (with the values it was indexed with).
const UNINDEX: &str = "
    INSERT INTO page_search (page_search, rowid, title, body, front_matter)
        SELECT 'delete', docid, title, body, front_matter FROM search_content WHERE page_id = $X;
    DELETE FROM search_docs WHERE page_id = $X;";

/// Indexes page `$X` if it is in `pages` or `page_markdown` and not in the trash.
const INDEX: &str = "
    INSERT INTO search_docs (page_id) SELECT $X
        WHERE (EXISTS (SELECT 1 FROM pages WHERE id = $X)
               OR EXISTS (SELECT 1 FROM page_markdown WHERE id = $X))
          AND NOT EXISTS (SELECT 1 FROM pages WHERE id = $X AND in_trash = 1)
          AND NOT EXISTS (SELECT 1 FROM page_markdown WHERE id = $X AND in_trash = 1)
          AND NOT EXISTS (SELECT 1 FROM search_docs WHERE page_id = $X);
    INSERT INTO page_search (rowid, title, body, front_matter)
        SELECT docid, title, body, front_matter FROM search_content WHERE page_id = $X;";

/// The index's tables and view (the triggers are in [`triggers`]).
pub(crate) const SEARCH: &str = r#"
CREATE TABLE IF NOT EXISTS search_docs (
    docid   INTEGER PRIMARY KEY,
    page_id TEXT NOT NULL UNIQUE
);
CREATE VIEW IF NOT EXISTS search_content AS
SELECT d.docid AS docid, d.page_id AS page_id,
       COALESCE(p.title, m.title, '') AS title,
       CASE WHEN m.markdown IS NULL THEN ''
            WHEN COALESCE(m.front_matter, '') != ''
                 AND substr(m.markdown, 1, length(m.front_matter) + 8)
                     = '---' || char(10) || m.front_matter || '---' || char(10)
            THEN substr(m.markdown, length(m.front_matter) + 9)
            ELSE m.markdown END AS body,
       COALESCE(m.front_matter, '') AS front_matter
FROM search_docs d
LEFT JOIN pages p ON p.id = d.page_id
LEFT JOIN page_markdown m ON m.id = d.page_id;
CREATE VIRTUAL TABLE IF NOT EXISTS page_search USING fts5(
    title, body, front_matter,
    content = 'search_content', content_rowid = 'docid',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
"#;

/// The tables FTS5 keeps the index in.
pub(crate) const SHADOW_TABLES: [&str; 4] = [
    "page_search_data",
    "page_search_idx",
    "page_search_docsize",
    "page_search_config",
];

/// The triggers keeping the index in step with `pages` and `page_markdown`.
pub(crate) fn triggers() -> String {
    let mut sql = String::new();
    // The columns the document is made of: when none changes, nothing is re-indexed.
    for (table, watched) in [
        ("pages", &["title", "in_trash"][..]),
        (
            "page_markdown",
            &["title", "markdown", "front_matter", "in_trash"][..],
        ),
    ] {
        let changed = watched
            .iter()
            .map(|c| format!("old.{c} IS NOT new.{c}"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let unindex = |x: &str| UNINDEX.replace("$X", x);
        let index = |x: &str| INDEX.replace("$X", x);
        // An upsert fires BEFORE INSERT, then the UPDATE triggers when the row exists: the
        // insert triggers only act on a row that is really new.
        sql.push_str(&format!(
            "CREATE TRIGGER IF NOT EXISTS {table}_search_before_insert BEFORE INSERT ON {table}
             WHEN NOT EXISTS (SELECT 1 FROM {table} WHERE id = new.id)
             BEGIN {} END;
             CREATE TRIGGER IF NOT EXISTS {table}_search_after_insert AFTER INSERT ON {table}
             BEGIN {} END;
             CREATE TRIGGER IF NOT EXISTS {table}_search_before_update BEFORE UPDATE ON {table}
             WHEN {changed}
             BEGIN {} END;
             CREATE TRIGGER IF NOT EXISTS {table}_search_after_update AFTER UPDATE ON {table}
             WHEN {changed}
             BEGIN {} END;
             CREATE TRIGGER IF NOT EXISTS {table}_search_before_delete BEFORE DELETE ON {table}
             BEGIN {} END;
             CREATE TRIGGER IF NOT EXISTS {table}_search_after_delete AFTER DELETE ON {table}
             BEGIN {} END;\n",
            unindex("new.id"),
            index("new.id"),
            unindex("old.id"),
            index("new.id"),
            unindex("old.id"),
            index("old.id"),
        ));
    }
    sql
}

/// Indexes every page from scratch (a file upgraded from schema 1).
pub(crate) fn rebuild(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM search_docs;
         INSERT INTO search_docs (page_id)
             SELECT id FROM pages UNION SELECT id FROM page_markdown
             EXCEPT SELECT id FROM pages WHERE in_trash = 1
             EXCEPT SELECT id FROM page_markdown WHERE in_trash = 1;
         INSERT INTO page_search (page_search) VALUES ('rebuild');",
    )?;
    Ok(())
}

/// A page that matches a search.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Hit {
    /// The page id.
    pub id: String,
    /// The page title (empty when it has none).
    pub title: String,
    /// The titles above the page, outermost first: parent pages, and for a data-source row
    /// its database (and what holds the database). Empty for a page at the top of the
    /// workspace.
    pub path: Vec<String>,
    /// Words around the best match, the matched words between the highlight markers.
    pub snippet: String,
    /// The page's URL, when the mirror has it.
    pub url: Option<String>,
    /// The bm25 score (lower is better; a match in the title weighs ten times one in the body,
    /// one in the front matter twice).
    pub score: f64,
}

/// How matched words are marked in [`Hit::snippet`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight {
    /// Written before a matched word.
    pub open: String,
    /// Written after a matched word.
    pub close: String,
}

impl Default for Highlight {
    /// `«` and `»`.
    fn default() -> Self {
        Highlight {
            open: "«".into(),
            close: "»".into(),
        }
    }
}

/// Full-text search in a mirror, read-only: nothing is ever written to the file.
pub struct Search {
    conn: Connection,
}

/// How far [`Hit::path`] walks up (a cycle or a very deep tree stops there).
const MAX_PATH: usize = 64;

impl Search {
    /// Opens a mirror for searching. A missing file, a file that is not a mirror, and a
    /// mirror of another schema version (an earlier one: `sync` upgrades it) are errors; the
    /// file is not changed.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(Error::NoMirror);
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        match inspect(&conn)? {
            Found::Empty => Err(Error::NotAMirror("it is empty".into())),
            Found::Foreign(why) => Err(Error::NotAMirror(why)),
            Found::Mirror { version } if version > SCHEMA_VERSION => {
                Err(Error::NewerSchema { found: version })
            }
            Found::Mirror { version } if version < SCHEMA_VERSION => {
                Err(Error::OlderSchema { found: version })
            }
            Found::Mirror { .. } => Ok(Search { conn }),
        }
    }

    /// The pages best matching `query` (FTS5 query syntax: words, `"a phrase"`, `word*`,
    /// `AND`/`OR`/`NOT`, `title:word`, `body:word`, `front_matter:word`), best first, at most
    /// `limit`. The snippet comes from the body when a word matches there. A query FTS5 cannot
    /// parse is [`Error::InvalidQuery`].
    pub fn pages(&self, query: &str, limit: usize, highlight: &Highlight) -> Result<Vec<Hit>> {
        // The best documents first, then snippets of those only.
        let mut st = self.conn.prepare(
            "WITH top AS (
                 SELECT s.rowid AS docid, d.page_id AS page_id,
                        bm25(page_search, 10.0, 1.0, 2.0) AS score
                 FROM page_search s JOIN search_docs d ON d.docid = s.rowid
                 WHERE page_search MATCH ?1
                 ORDER BY score, d.page_id LIMIT ?4)
             SELECT top.page_id, COALESCE(p.title, m.title, ''), p.url,
                    snippet(page_search, 1, ?2, ?3, '…', 16),
                    snippet(page_search, -1, ?2, ?3, '…', 16),
                    top.score
             FROM page_search JOIN top ON top.docid = page_search.rowid
             LEFT JOIN pages p ON p.id = top.page_id
             LEFT JOIN page_markdown m ON m.id = top.page_id
             WHERE page_search MATCH ?1
             ORDER BY top.score, top.page_id",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = st
            .query_map(
                params![query, highlight.open, highlight.close, limit],
                |r| {
                    // The body's words around a match, else wherever the match is.
                    let body: Option<String> = r.get(3)?;
                    let any: Option<String> = r.get(4)?;
                    let snippet = body
                        .filter(|s| s.contains(&highlight.open))
                        .or(any)
                        .unwrap_or_default();
                    Ok(Hit {
                        id: r.get(0)?,
                        title: r.get(1)?,
                        url: r.get(2)?,
                        snippet,
                        score: r.get(5)?,
                        path: Vec::new(),
                    })
                },
            )
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(query_error)?;
        rows.into_iter()
            .map(|mut hit| {
                hit.path = self.path(&hit.id)?;
                Ok(hit)
            })
            .collect()
    }

    /// The titles above a page, outermost first.
    pub fn path(&self, page: &str) -> Result<Vec<String>> {
        let mut path = Vec::new();
        let mut seen = HashSet::new();
        let mut at = self.titled("pages", page)?.and_then(|p| p.parent);
        while let Some(Link { kind, id }) = at.take() {
            if path.len() >= MAX_PATH || !seen.insert(id.clone()) {
                break;
            }
            at = match kind.as_str() {
                "page_id" | "database_id" => {
                    let table = if kind == "page_id" {
                        "pages"
                    } else {
                        "databases"
                    };
                    let Some(Titled { title, parent }) = self.titled(table, &id)? else {
                        break;
                    };
                    path.push(title);
                    parent
                }
                // A page under a block: the block's page; a row: its data source's database.
                "block_id" => self
                    .lookup("SELECT page_id FROM blocks WHERE id = ?1", &id)?
                    .map(|p| Link {
                        kind: "page_id".into(),
                        id: p,
                    }),
                "data_source_id" => self
                    .lookup("SELECT database_id FROM data_sources WHERE id = ?1", &id)?
                    .map(|d| Link {
                        kind: "database_id".into(),
                        id: d,
                    }),
                _ => None,
            };
        }
        path.reverse();
        Ok(path)
    }

    /// The one text value `sql` selects for `id`, if any.
    fn lookup(&self, sql: &str, id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(sql, [id], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// A page's or database's title and parent.
    fn titled(&self, table: &str, id: &str) -> Result<Option<Titled>> {
        let row: Option<(Option<String>, Option<String>, Option<String>)> = self
            .conn
            .query_row(
                &format!("SELECT title, parent_type, parent_id FROM {table} WHERE id = ?1"),
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(row.map(|(title, kind, parent)| Titled {
            title: title
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "Untitled".into()),
            parent: kind.zip(parent).map(|(kind, id)| Link { kind, id }),
        }))
    }
}

/// A parent: its type (`page_id`, `block_id`, …) and id.
struct Link {
    kind: String,
    id: String,
}

/// A page or database with its title and parent.
struct Titled {
    title: String,
    parent: Option<Link>,
}

/// An error of running a search. The statement is prepared before, so a plain SQL error
/// (`SQLITE_ERROR`) comes from the one input, the query, which FTS5 could not parse
/// (`fts5: syntax error near …`, `unterminated string`, `no such column: …`).
fn query_error(e: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(failure, Some(message)) = &e
        && failure.extended_code == rusqlite::ffi::SQLITE_ERROR
    {
        return Error::InvalidQuery(message.clone());
    }
    e.into()
}
