//! The tables of the mirror: one per stream with its typed columns, the state, the run history.

use notion_streams::StreamName;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 1;

/// The `meta` key marking a file as a mirror of this program, and its value.
pub(crate) const APPLICATION_KEY: &str = "application";
/// The value of [`APPLICATION_KEY`].
pub(crate) const APPLICATION: &str = "notion-source";

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id         TEXT PRIMARY KEY,
    name       TEXT,
    type       TEXT,
    email      TEXT,
    raw        TEXT NOT NULL
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
    raw              TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS data_sources (
    id               TEXT PRIMARY KEY,
    database_id      TEXT,
    title            TEXT,
    created_time     TEXT,
    last_edited_time TEXT,
    in_trash         INTEGER,
    raw              TEXT NOT NULL
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
    raw              TEXT NOT NULL
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
    raw              TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS blocks_page ON blocks (page_id);
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
    raw              TEXT NOT NULL
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
    raw              TEXT NOT NULL
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
    error       TEXT
);
"#;

/// The columns of a stream's table, `id` first and `raw` last (the order of `upsert` values).
pub(crate) fn columns(stream: StreamName) -> &'static [&'static str] {
    match stream {
        StreamName::Users => &["id", "name", "type", "email", "raw"],
        StreamName::Databases => &[
            "id",
            "title",
            "parent_type",
            "parent_id",
            "created_time",
            "last_edited_time",
            "in_trash",
            "url",
            "raw",
        ],
        StreamName::DataSources => &[
            "id",
            "database_id",
            "title",
            "created_time",
            "last_edited_time",
            "in_trash",
            "raw",
        ],
        StreamName::Pages => &[
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
        ],
        StreamName::Blocks => &[
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
        ],
        StreamName::Comments => &[
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
        ],
        StreamName::PageMarkdown => &[
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
        ],
    }
}

/// The upsert statement of a stream's table.
pub(crate) fn upsert_sql(stream: StreamName) -> String {
    let cols = columns(stream);
    let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> = cols[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT(id) DO UPDATE SET {}",
        stream.as_str(),
        cols.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    )
}

/// The tables and indexes [`SCHEMA`] creates.
pub(crate) fn schema_objects() -> Vec<&'static str> {
    let words: Vec<&str> = SCHEMA.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[0] == "EXISTS")
        .map(|w| w[1])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_objects_are_every_table_and_index() {
        let objects = schema_objects();
        for name in [
            "meta",
            "users",
            "pages",
            "blocks_page",
            "sync_state",
            "sync_runs",
        ] {
            assert!(objects.contains(&name), "{name}: {objects:?}");
        }
        assert_eq!(objects.len(), 13, "{objects:?}");
    }
}
