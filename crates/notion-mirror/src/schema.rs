//! The tables of the mirror: one per stream with its typed columns, the state, the run history,
//! the full-text index and the typed views' mapping.

use notion_streams::StreamName;

/// The schema version this build writes.
///
/// 1: the stream tables, `sync_state`, `sync_runs`, `meta`. 2: blocks' `position`, the
/// `page_markdown` table, the full-text index (`page_search`), the typed views' tables
/// (`data_source_views`, `data_source_columns`), `content_version` (pages, blocks, comments)
/// and `run_id` (every record table) columns, `sync_runs.deleted`.
pub const SCHEMA_VERSION: i64 = 2;

/// The `meta` key marking a file as a mirror of this program, and its value.
pub(crate) const APPLICATION_KEY: &str = "application";
/// The value of [`APPLICATION_KEY`].
pub(crate) const APPLICATION: &str = "notion-source";

/// A table of the mirror holding the records of one stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Table {
    /// `users`.
    Users,
    /// `databases`.
    Databases,
    /// `data_sources`.
    DataSources,
    /// `pages`.
    Pages,
    /// `blocks`.
    Blocks,
    /// `comments`.
    Comments,
    /// `page_markdown`: each page as Markdown with front matter.
    PageMarkdown,
}

impl Table {
    /// Every record table, in the order the mirror lists them.
    pub const ALL: [Table; 7] = [
        Table::Users,
        Table::Databases,
        Table::DataSources,
        Table::Pages,
        Table::Blocks,
        Table::Comments,
        Table::PageMarkdown,
    ];

    /// The table's name (the name of the stream it holds).
    pub fn name(self) -> &'static str {
        match self {
            Table::Users => "users",
            Table::Databases => "databases",
            Table::DataSources => "data_sources",
            Table::Pages => "pages",
            Table::Blocks => "blocks",
            Table::Comments => "comments",
            Table::PageMarkdown => "page_markdown",
        }
    }

    /// The table of a stream's records, by the stream's catalog name (`None` for a stream the
    /// mirror has no table for).
    pub fn for_stream(stream: StreamName) -> Option<Table> {
        Table::from_name(stream.as_str())
    }

    /// The table named `name`.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// A small index, for per-table arrays.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The columns of the table in the order of its upsert's values: `id` first, `raw`, then
    /// the columns schema 2 added (appended, as the upgrade of a schema-1 file adds them, so a
    /// new and an upgraded mirror have the same columns in the same order).
    pub(crate) fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Users => &["id", "name", "type", "email", "raw", "run_id"],
            Table::Databases => &[
                "id",
                "title",
                "parent_type",
                "parent_id",
                "created_time",
                "last_edited_time",
                "in_trash",
                "url",
                "raw",
                "run_id",
            ],
            Table::DataSources => &[
                "id",
                "database_id",
                "title",
                "created_time",
                "last_edited_time",
                "in_trash",
                "raw",
                "run_id",
            ],
            Table::Pages => &[
                "id",
                "title",
                "parent_type",
                "parent_id",
                "data_source_id",
                "database_id",
                "created_time",
                "last_edited_time",
                "in_trash",
                "is_archived",
                "url",
                "raw",
                "content_version",
                "run_id",
            ],
            Table::Blocks => &[
                "id",
                "page_id",
                "parent_type",
                "parent_id",
                "type",
                "depth",
                "plain_text",
                "has_children",
                "created_time",
                "last_edited_time",
                "in_trash",
                "raw",
                "position",
                "content_version",
                "run_id",
            ],
            Table::Comments => &[
                "id",
                "page_id",
                "parent_type",
                "parent_id",
                "discussion_id",
                "plain_text",
                "created_by",
                "created_time",
                "last_edited_time",
                "raw",
                "content_version",
                "run_id",
            ],
            Table::PageMarkdown => &[
                "id",
                "title",
                "markdown",
                "front_matter",
                "block_count",
                "unrendered",
                "source",
                "last_edited_time",
                "content_version",
                "raw",
                "in_trash",
                "run_id",
            ],
        }
    }
}

/// The stream tables, the state and the run history.
pub(crate) const TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id         TEXT PRIMARY KEY,
    name       TEXT,
    type       TEXT,
    email      TEXT,
    raw        TEXT NOT NULL,
    run_id     INTEGER
);
CREATE TABLE IF NOT EXISTS databases (
    id               TEXT PRIMARY KEY,
    title            TEXT,
    parent_type      TEXT,
    parent_id        TEXT,
    created_time     TEXT,
    last_edited_time TEXT,
    in_trash         INTEGER,
    url              TEXT,
    raw              TEXT NOT NULL,
    run_id           INTEGER
);
CREATE TABLE IF NOT EXISTS data_sources (
    id               TEXT PRIMARY KEY,
    database_id      TEXT,
    title            TEXT,
    created_time     TEXT,
    last_edited_time TEXT,
    in_trash         INTEGER,
    raw              TEXT NOT NULL,
    run_id           INTEGER
);
CREATE TABLE IF NOT EXISTS pages (
    id               TEXT PRIMARY KEY,
    title            TEXT,
    parent_type      TEXT,
    parent_id        TEXT,
    data_source_id   TEXT,
    database_id      TEXT,
    created_time     TEXT,
    last_edited_time TEXT,
    in_trash         INTEGER,
    is_archived      INTEGER,
    url              TEXT,
    raw              TEXT NOT NULL,
    content_version  TEXT,
    run_id           INTEGER
);
CREATE INDEX IF NOT EXISTS pages_data_source ON pages (data_source_id);
CREATE TABLE IF NOT EXISTS blocks (
    id               TEXT PRIMARY KEY,
    page_id          TEXT,
    parent_type      TEXT,
    parent_id        TEXT,
    type             TEXT,
    depth            INTEGER,
    plain_text       TEXT,
    has_children     INTEGER,
    created_time     TEXT,
    last_edited_time TEXT,
    in_trash         INTEGER,
    raw              TEXT NOT NULL,
    position         INTEGER,
    content_version  TEXT,
    run_id           INTEGER
);
CREATE INDEX IF NOT EXISTS blocks_page ON blocks (page_id);
CREATE INDEX IF NOT EXISTS blocks_parent ON blocks (parent_id, position);
CREATE TABLE IF NOT EXISTS comments (
    id               TEXT PRIMARY KEY,
    page_id          TEXT,
    parent_type      TEXT,
    parent_id        TEXT,
    discussion_id    TEXT,
    plain_text       TEXT,
    created_by       TEXT,
    created_time     TEXT,
    last_edited_time TEXT,
    raw              TEXT NOT NULL,
    content_version  TEXT,
    run_id           INTEGER
);
CREATE INDEX IF NOT EXISTS comments_page ON comments (page_id);
CREATE TABLE IF NOT EXISTS page_markdown (
    id               TEXT PRIMARY KEY,
    title            TEXT,
    markdown         TEXT,
    front_matter     TEXT,
    block_count      INTEGER,
    unrendered       TEXT,
    source           TEXT,
    last_edited_time TEXT,
    content_version  TEXT,
    raw              TEXT NOT NULL,
    in_trash         INTEGER,
    run_id           INTEGER
);
CREATE TABLE IF NOT EXISTS sync_state (
    stream     TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,
    mode        TEXT NOT NULL,
    summary     TEXT,
    error       TEXT,
    deleted     TEXT
);
CREATE TABLE IF NOT EXISTS data_source_views (
    data_source_id TEXT PRIMARY KEY,
    view_name      TEXT NOT NULL UNIQUE,
    title          TEXT
);
CREATE TABLE IF NOT EXISTS data_source_columns (
    data_source_id TEXT NOT NULL,
    property_id    TEXT NOT NULL,
    property_name  TEXT NOT NULL,
    property_type  TEXT NOT NULL,
    column_name    TEXT NOT NULL,
    end_column     TEXT,
    position       INTEGER NOT NULL,
    PRIMARY KEY (data_source_id, property_id)
);
"#;

/// What schema 2 adds to the tables of a schema-1 file, before [`TABLES`] and
/// [`crate::search::SEARCH`] complete it (columns are appended, in the order [`TABLES`] lists
/// them). A table a schema-1 file does not have is created whole by [`TABLES`]
/// (`page_markdown` came late in schema 1).
pub(crate) const ADDED_IN_2: &[(&str, &str)] = &[
    ("users", "run_id INTEGER"),
    ("databases", "run_id INTEGER"),
    ("data_sources", "run_id INTEGER"),
    ("pages", "content_version TEXT"),
    ("pages", "run_id INTEGER"),
    ("blocks", "position INTEGER"),
    ("blocks", "content_version TEXT"),
    ("blocks", "run_id INTEGER"),
    ("comments", "content_version TEXT"),
    ("comments", "run_id INTEGER"),
    ("page_markdown", "in_trash INTEGER"),
    ("page_markdown", "run_id INTEGER"),
    ("sync_runs", "deleted TEXT"),
];

/// The upsert statement of a table.
pub(crate) fn upsert_sql(table: Table) -> String {
    let cols = table.columns();
    let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> = cols[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT(id) DO UPDATE SET {}",
        table.name(),
        cols.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    )
}

/// The tables, indexes, views and triggers the schema creates (the full-text index's own
/// tables aside).
pub(crate) fn schema_objects() -> Vec<String> {
    [
        TABLES.to_owned(),
        crate::search::SEARCH.to_owned(),
        crate::search::triggers(),
        crate::files::SCHEMA.to_owned(),
    ]
    .iter()
    .flat_map(|sql| {
        let words: Vec<&str> = sql.split_whitespace().collect();
        words
            .windows(4)
            .filter(|w| w[..3] == ["IF", "NOT", "EXISTS"])
            .map(|w| w[3].to_owned())
            .collect::<Vec<_>>()
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_objects_are_every_table_index_view_and_trigger() {
        let objects = schema_objects();
        for name in [
            "meta",
            "users",
            "pages",
            "blocks_page",
            "blocks_parent",
            "page_markdown",
            "sync_state",
            "sync_runs",
            "search_docs",
            "search_content",
            "page_search",
            "data_source_views",
            "data_source_columns",
            "pages_search_before_insert",
            "page_markdown_search_after_delete",
        ] {
            assert!(objects.iter().any(|o| o == name), "{name}: {objects:?}");
        }
        let unique: std::collections::BTreeSet<_> = objects.iter().collect();
        assert_eq!(unique.len(), objects.len(), "{objects:?}");
    }

    #[test]
    fn every_table_is_named_after_its_stream() {
        for stream in StreamName::ALL {
            assert_eq!(
                Table::for_stream(stream).map(Table::name),
                Some(stream.as_str())
            );
        }
        assert_eq!(Table::from_name("page_markdown"), Some(Table::PageMarkdown));
        for (i, t) in Table::ALL.into_iter().enumerate() {
            assert_eq!(t.index(), i);
            assert_eq!(t.columns()[0], "id");
            assert!(TABLES.contains(&format!("CREATE TABLE IF NOT EXISTS {} (", t.name())));
            for c in t.columns() {
                assert!(TABLES.contains(&format!("    {c} ")), "{c}");
            }
        }
    }
}
