//! Typed views: one SQL view per data source, a column per property.
//!
//! A view is named from its data source's title (`ds_` and the title in lowercase words joined
//! by `_`, unique; `data_source_views` holds the mapping) and reads the rows' raw JSON in
//! `pages` with SQLite's JSON functions, so it is always as current as the rows. Its columns
//! are `id`, `url`, `created_time`, `last_edited_time`, `in_trash` and one per property (two
//! for a date: its start and `<name>_end`), named from the property's name and kept in
//! `data_source_columns`, keyed by property id: a column keeps its name while its property
//! keeps its name, whatever happens to the others (collisions take a suffix, `_2`, `_3`, …).
//!
//! A row's value is found under the property's current name when it carries the property's
//! id there, else by id among all its values — rows stored before a rename stay typed.
//! A view is created again, in the transaction of the records that changed it, when its data
//! source's properties (names, types, order), title, or existence change.

use std::collections::{BTreeSet, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

// The naming rules (members, columns, view and stream names) are those of the typed streams
// of `notion-streams`, so that a view's columns and a `ds_` stream's members agree.
#[cfg(test)]
use notion_streams::typed::slug;
pub(crate) use notion_streams::typed::{BASE_COLUMNS, Column, Property, assign, properties};
use notion_streams::typed::{base_name, unique};

/// A typed view of a data source, as [`crate::Mirror::views`] lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct View {
    /// The view's name (`ds_…`).
    pub name: String,
    /// The data source's id.
    pub data_source_id: String,
    /// The data source's title.
    pub title: Option<String>,
    /// The view's columns, in order.
    pub columns: Vec<String>,
    /// Rows of the data source in the mirror.
    pub rows: i64,
}

/// A SQL string literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A SQL identifier.
pub(crate) fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Whether `name` can be written as a quoted label of a JSON path.
fn path_safe(name: &str) -> bool {
    !name
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
}

/// The JSON text of a row's value of property `p` (from the row's `raw`): under its name when
/// that value carries the property's id (or no id), else found by id.
fn locate(p: &Property) -> String {
    let by_id = format!(
        "(SELECT value FROM json_each(raw, '$.properties') \
         WHERE type = 'object' AND json_extract(value, '$.id') IS {} LIMIT 1)",
        lit(&p.id)
    );
    if !path_safe(&p.name) {
        return by_id;
    }
    let path = lit(&format!("$.properties.\"{}\"", p.name));
    let id_path = lit(&format!("$.properties.\"{}\".id", p.name));
    format!(
        "CASE WHEN json_type(raw, {path}) = 'object' \
         AND COALESCE(json_extract(raw, {id_path}) = {id}, 1) \
         THEN json_extract(raw, {path}) ELSE {by_id} END",
        id = lit(&p.id)
    )
}

// The SQL below is stored in the file (views are part of its schema), so it must parse in
// every SQLite a reader may use, not only the bundled one: nothing newer than 3.38 (no ORDER BY
// inside an aggregate, no `->`). A table-valued `json_each` yields an array's items in order,
// and an aggregate over it takes them in that order.

/// `v`'s rich-text array `member` as plain text.
fn plain_text(v: &str, member: &str) -> String {
    format!(
        "CASE WHEN json_type({v}, '$.{member}') = 'array' THEN COALESCE((\
         SELECT group_concat(json_extract(e.value, '$.plain_text'), '') \
         FROM json_each({v}, '$.{member}') e WHERE e.type = 'object'), '') END"
    )
}

/// `v`'s array `member` as a JSON array of `item` (an expression of each item `e`).
fn each(v: &str, member: &str, item: &str) -> String {
    format!(
        "CASE WHEN json_type({v}, '$.{member}') = 'array' THEN (\
         SELECT json_group_array({item}) \
         FROM json_each({v}, '$.{member}') e WHERE e.type = 'object') END"
    )
}

/// The JSON text of `v`'s member at `path` (`null` when it is null, SQL NULL when absent).
fn json_member(v: &str, path: &str) -> String {
    format!(
        "CASE WHEN json_type({v}, '{path}') IS NOT NULL \
         THEN json_quote(json_extract({v}, '{path}')) END"
    )
}

/// The typed value of a property of type `kind` whose value's JSON is `v`, and for a date its
/// end.
fn typed(kind: &str, v: &str) -> (String, Option<String>) {
    let x = |path: &str| format!("json_extract({v}, '{path}')");
    let main = match kind {
        "title" | "rich_text" => plain_text(v, kind),
        "number" => format!("CAST({} AS REAL)", x("$.number")),
        "checkbox" => x("$.checkbox"),
        "date" => return (x("$.date.start"), Some(x("$.date.end"))),
        "select" | "status" => x(&format!("$.{kind}.name")),
        "multi_select" => each(v, kind, "json_extract(e.value, '$.name')"),
        "people" | "relation" => each(v, kind, "json_extract(e.value, '$.id')"),
        "formula" | "rollup" => format!(
            "CASE {t} WHEN 'number' THEN CAST({number} AS REAL) WHEN 'string' THEN {string} \
             WHEN 'boolean' THEN {boolean} WHEN 'date' THEN {date} WHEN 'array' THEN {array} \
             ELSE {other} END",
            t = x(&format!("$.{kind}.type")),
            number = x(&format!("$.{kind}.number")),
            string = x(&format!("$.{kind}.string")),
            boolean = x(&format!("$.{kind}.boolean")),
            date = x(&format!("$.{kind}.date.start")),
            array = json_member(v, &format!("$.{kind}.array")),
            other = json_member(v, &format!("$.{kind}")),
        ),
        "unique_id" => format!(
            "CASE WHEN json_type({v}, '$.unique_id.number') IN ('integer', 'real') \
             THEN COALESCE({} || '-', '') || {} END",
            x("$.unique_id.prefix"),
            x("$.unique_id.number")
        ),
        "files" => each(
            v,
            kind,
            "json_object('name', json_extract(e.value, '$.name'), 'url', \
             COALESCE(json_extract(e.value, '$.file.url'), json_extract(e.value, '$.external.url')))",
        ),
        "url" | "email" | "phone_number" | "created_time" | "last_edited_time" => {
            x(&format!("$.{kind}"))
        }
        "created_by" | "last_edited_by" => x(&format!("$.{kind}.id")),
        // Any other type: the JSON of its content (of the whole value, for a type name that
        // cannot be written in a path).
        other if other.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            json_member(v, &format!("$.{other}"))
        }
        _ => v.to_owned(),
    };
    (main, None)
}

/// The `CREATE VIEW` statement of a data source's view.
pub(crate) fn view_sql(view: &str, data_source: &str, columns: &[Column]) -> String {
    let mut inner: Vec<String> = BASE_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let mut outer = inner.clone();
    for (i, c) in columns.iter().enumerate() {
        let v = format!("_v{i}");
        inner.push(format!("{} AS {v}", locate(&c.property)));
        let (main, end) = typed(&c.property.kind, &v);
        outer.push(format!("{main} AS {}", ident(&c.name)));
        if let (Some(end), Some(name)) = (end, &c.end) {
            outer.push(format!("{end} AS {}", ident(name)));
        }
    }
    format!(
        "CREATE VIEW {} AS SELECT {} FROM (SELECT {} FROM pages WHERE data_source_id = {})",
        ident(view),
        outer.join(",\n  "),
        inner.join(",\n    "),
        lit(data_source)
    )
}

/// The stored columns of a data source's view.
fn stored_columns(conn: &Connection, data_source: &str) -> Result<Vec<Column>> {
    let mut st = conn.prepare_cached(
        "SELECT property_id, property_name, property_type, column_name, end_column
         FROM data_source_columns WHERE data_source_id = ?1 ORDER BY position",
    )?;
    let rows = st.query_map([data_source], |r| {
        Ok(Column {
            property: Property {
                id: r.get(0)?,
                name: r.get(1)?,
                kind: r.get(2)?,
            },
            name: r.get(3)?,
            end: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A view name for a data source titled `title`, unique among the views of other data sources
/// and every other object of the file.
fn view_name(conn: &Connection, data_source: &str, title: Option<&str>) -> Result<String> {
    let base = base_name(title);
    let mut taken = HashSet::new();
    let mut st = conn.prepare_cached(
        "SELECT view_name FROM data_source_views WHERE data_source_id IS NOT ?1
         UNION SELECT name FROM sqlite_master
         WHERE name NOT IN (SELECT view_name FROM data_source_views WHERE data_source_id = ?1)",
    )?;
    for name in st.query_map([data_source], |r| r.get::<_, String>(0))? {
        taken.insert(name?.to_lowercase());
    }
    Ok(unique(&base, &taken))
}

/// Creates, re-creates or drops the views of `data_sources` as their records now are.
pub(crate) fn refresh(conn: &Connection, data_sources: &BTreeSet<String>) -> Result<()> {
    // In creation order, so that of two data sources with one title the older gets the name.
    let mut order: Vec<(Option<String>, &String)> = Vec::new();
    for id in data_sources {
        let created: Option<String> = conn
            .query_row(
                "SELECT created_time FROM data_sources WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        order.push((created, id));
    }
    order.sort();
    for (_, id) in order {
        refresh_one(conn, id)?;
    }
    Ok(())
}

fn refresh_one(conn: &Connection, id: &str) -> Result<()> {
    let record: Option<(Option<String>, String)> = conn
        .query_row(
            "SELECT title, raw FROM data_sources WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let existing: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT view_name, title FROM data_source_views WHERE data_source_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((title, raw)) = record else {
        if let Some((view, _)) = existing {
            conn.execute_batch(&format!("DROP VIEW IF EXISTS {}", ident(&view)))?;
            conn.execute(
                "DELETE FROM data_source_views WHERE data_source_id = ?1",
                [id],
            )?;
        }
        conn.execute(
            "DELETE FROM data_source_columns WHERE data_source_id = ?1",
            [id],
        )?;
        return Ok(());
    };
    let before = stored_columns(conn, id)?;
    let columns = assign(&properties(&raw), &before);
    let name = match &existing {
        Some((name, stored_title)) if *stored_title == title => name.clone(),
        _ => view_name(conn, id, title.as_deref())?,
    };
    let exists: bool = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ?1",
            [&name],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    let same_name = existing.as_ref().is_some_and(|(n, _)| *n == name);
    if columns == before && same_name && exists {
        return Ok(());
    }
    if let Some((old, _)) = &existing {
        conn.execute_batch(&format!("DROP VIEW IF EXISTS {}", ident(old)))?;
    }
    conn.execute_batch(&view_sql(&name, id, &columns))?;
    conn.execute(
        "DELETE FROM data_source_columns WHERE data_source_id = ?1",
        [id],
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO data_source_columns
         (data_source_id, property_id, property_name, property_type, column_name, end_column, position)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (i, c) in columns.iter().enumerate() {
        insert.execute(params![
            id,
            c.property.id,
            c.property.name,
            c.property.kind,
            c.name,
            c.end,
            i64::try_from(i).unwrap_or(i64::MAX)
        ])?;
    }
    conn.execute(
        "INSERT INTO data_source_views (data_source_id, view_name, title) VALUES (?1, ?2, ?3)
         ON CONFLICT(data_source_id) DO UPDATE SET view_name = excluded.view_name, title = excluded.title",
        params![id, name, title],
    )?;
    Ok(())
}

/// Every data source's view, by name.
pub(crate) fn list(conn: &Connection) -> Result<Vec<View>> {
    let mut st = conn.prepare(
        "SELECT v.view_name, v.data_source_id, v.title,
                (SELECT COUNT(*) FROM pages p WHERE p.data_source_id = v.data_source_id)
         FROM data_source_views v ORDER BY v.view_name",
    )?;
    let views = st
        .query_map([], |r| {
            Ok(View {
                name: r.get(0)?,
                data_source_id: r.get(1)?,
                title: r.get(2)?,
                rows: r.get(3)?,
                columns: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    views
        .into_iter()
        .map(|mut view| {
            let mut columns: Vec<String> = BASE_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
            for c in stored_columns(conn, &view.data_source_id)? {
                columns.push(c.name);
                columns.extend(c.end);
            }
            view.columns = columns;
            Ok(view)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(id: &str, name: &str, kind: &str) -> Property {
        Property {
            id: id.into(),
            name: name.into(),
            kind: kind.into(),
        }
    }

    fn names(columns: &[Column]) -> Vec<String> {
        columns
            .iter()
            .flat_map(|c| std::iter::once(c.name.clone()).chain(c.end.clone()))
            .collect()
    }

    #[test]
    fn names_are_lowercase_words_joined_by_underscores() {
        assert_eq!(slug("Weekly budget"), "weekly_budget");
        assert_eq!(slug("  Depends on (rows) "), "depends_on_rows");
        assert_eq!(slug("Größe €"), "größe");
        assert_eq!(slug("2026 goals"), "p_2026_goals");
        assert_eq!(slug("👍"), "");
    }

    #[test]
    fn collisions_take_a_suffix_and_dates_an_end_column() {
        let props = [
            prop("title", "Name", "title"),
            prop("a", "ID", "unique_id"),
            prop("b", "Due", "date"),
            prop("c", "Due end", "rich_text"),
            prop("d", "due", "number"),
            prop("e", "👍", "checkbox"),
            prop("f", "URL", "url"),
        ];
        let columns = assign(&props, &[]);
        assert_eq!(
            names(&columns),
            [
                "name",
                "id_2",
                "due",
                "due_end_2",
                "due_end",
                "due_2",
                "property",
                "url_2"
            ]
        );
    }

    #[test]
    fn renames_and_removals_leave_other_columns_alone() {
        let v1 = assign(
            &[
                prop("title", "Name", "title"),
                prop("a", "Status", "status"),
                prop("b", "Status ", "select"),
                prop("c", "When", "date"),
            ],
            &[],
        );
        assert_eq!(
            names(&v1),
            ["name", "status", "status_2", "when", "when_end"]
        );
        // `Status` renamed, `When` retyped, a new property named like a freed column.
        let v2 = assign(
            &[
                prop("title", "Name", "title"),
                prop("a", "State", "status"),
                prop("b", "Status ", "select"),
                prop("c", "When", "rich_text"),
                prop("d", "Status", "number"),
            ],
            &v1,
        );
        assert_eq!(names(&v2), ["name", "state", "status_2", "when", "status"]);
        // Back to a date: the end column comes back.
        let v3 = assign(
            &[prop("title", "Name", "title"), prop("c", "When", "date")],
            &v2,
        );
        assert_eq!(names(&v3), ["name", "when", "when_end"]);
    }

    #[test]
    fn properties_come_in_schema_order_title_first() {
        let record = r#"{"id":"ds","properties":{
            "B":{"id":"b","name":"B","type":"number","number":{}},
            "Name":{"id":"title","name":"Name","type":"title","title":{}},
            "A":{"id":"a","type":"select"},
            "No id":{"type":"select"},
            "Again":{"id":"a","type":"select"}}}"#;
        assert_eq!(
            properties(record),
            [
                prop("title", "Name", "title"),
                prop("b", "B", "number"),
                prop("a", "A", "select")
            ]
        );
        assert_eq!(properties(r#"{"id":"ds"}"#), []);
        assert_eq!(properties("not json"), []);
    }
}
