//! Typed rows of data sources: the names, JSON schemas and values of the `ds_<slug>` streams
//! (opt-in setting `data_source_streams`), and the naming rules the SQLite mirror's typed views
//! share with them.
//!
//! A data source's rows become a table with the members `id`, `url`, `created_time`,
//! `last_edited_time`, `in_trash` and one per property (two for a date: its start and
//! `<name>_end`), named from the property's name ([`slug`], unique within the table). Values are
//! typed from the property's type ([`typed_value`]); every value may be `null`.
//!
//! ```
//! use notion_streams::typed::{self, Source};
//!
//! let schema = r#"{"id": "0b6a7c1e-4f2d-4a8b-9c3d-2e1f0a9b8c7d", "created_time": "2026-01-01T00:00:00.000Z",
//!   "title": [{"plain_text": "Projects"}],
//!   "properties": {"Name": {"id": "title", "type": "title"}, "Budget": {"id": "b%3A", "type": "number"}}}"#;
//! let sources = typed::streams(vec![Source::from_record(schema).unwrap()]);
//! assert_eq!(sources[0].name, "ds_projects");
//! let row = r#"{"id": "r1", "properties": {"Budget": {"id": "b%3A", "type": "number", "number": 12.5}}}"#;
//! let record = sources[0].record(row).unwrap();
//! assert_eq!(record["budget"], 12.5);
//! assert!(record["name"].is_null());
//! ```

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::shape::RawObject;

/// The members every typed row starts with, from the page object.
pub const BASE_COLUMNS: [&str; 5] = ["id", "url", "created_time", "last_edited_time", "in_trash"];

/// The prefix of every typed stream (and view) name.
pub const PREFIX: &str = "ds_";

/// A property of a data source's schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The property's id (stable across renames).
    pub id: String,
    /// The property's name.
    pub name: String,
    /// The property's type (`number`, `select`, …, or a type Notion added).
    pub kind: String,
}

/// A property's place in a typed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The property.
    pub property: Property,
    /// The member's (column's) name.
    pub name: String,
    /// A date's end member.
    pub end: Option<String>,
}

#[derive(Deserialize)]
struct SchemaEntry {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// The properties of a data source record, in the order of its `properties` member, the title
/// first. Entries without an id or type, and repeated ids, are left out.
pub fn properties(record: &str) -> Vec<Property> {
    let Ok(obj) = RawObject::parse(record) else {
        return Vec::new();
    };
    let Some(Ok(props)) = obj.get("properties").map(|p| RawObject::parse(p.get())) else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    let mut out: Vec<Property> = props
        .entries()
        .filter_map(|(name, value)| {
            let entry: SchemaEntry = serde_json::from_str(value.get()).ok()?;
            let (id, kind) = (entry.id?, entry.kind?);
            seen.insert(id.clone()).then(|| Property {
                id,
                name: name.to_owned(),
                kind,
            })
        })
        .collect();
    out.sort_by_key(|p| p.kind != "title");
    out
}

/// A name's words in lowercase letters and digits, joined by `_`.
pub fn words(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// A property name as a member (column) name: its [`words`], `p_` before a leading digit (so
/// the column can be written without quotes in SQL).
pub fn slug(name: &str) -> String {
    let mut out = words(name);
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "p_");
    }
    out
}

/// The name a data source titled `title` asks for: `ds_` and the title's [`words`]
/// (`ds_untitled` for a title without any).
pub fn base_name(title: Option<&str>) -> String {
    let w = words(title.unwrap_or_default());
    if w.is_empty() {
        format!("{PREFIX}untitled")
    } else {
        format!("{PREFIX}{w}")
    }
}

/// `base`, or `base_2`, `base_3`, … : the first that `taken` does not hold.
pub fn unique(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|c| !taken.contains(c))
        .unwrap_or_default()
}

/// The columns of `properties`, keeping the names of `previous` (keyed by property id) for
/// properties whose name did not change (the mirror keeps its views' columns so; a stream,
/// which has no memory, passes none and gets the same names a new view would).
pub fn assign(properties: &[Property], previous: &[Column]) -> Vec<Column> {
    let before: HashMap<&str, &Column> = previous
        .iter()
        .map(|c| (c.property.id.as_str(), c))
        .collect();
    let mut taken: HashSet<String> = BASE_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let mut names: Vec<Option<String>> = vec![None; properties.len()];
    let mut ends: Vec<Option<String>> = vec![None; properties.len()];
    // Kept first: a property whose name did not change keeps its column (and its end column).
    for (i, p) in properties.iter().enumerate() {
        if let Some(c) = before.get(p.id.as_str())
            && c.property.name == p.name
            && !taken.contains(&c.name)
        {
            taken.insert(c.name.clone());
            names[i] = Some(c.name.clone());
            if p.kind == "date"
                && let Some(end) = &c.end
                && !taken.contains(end)
            {
                taken.insert(end.clone());
                ends[i] = Some(end.clone());
            }
        }
    }
    // Then new and renamed properties, in order, around the kept names.
    for (i, p) in properties.iter().enumerate() {
        if names[i].is_none() {
            let base = slug(&p.name);
            let name = unique(if base.is_empty() { "property" } else { &base }, &taken);
            taken.insert(name.clone());
            names[i] = Some(name);
        }
    }
    // End columns of dates that have none yet.
    for (i, p) in properties.iter().enumerate() {
        if p.kind == "date"
            && ends[i].is_none()
            && let Some(name) = &names[i]
        {
            let end = unique(&format!("{name}_end"), &taken);
            taken.insert(end.clone());
            ends[i] = Some(end);
        }
    }
    properties
        .iter()
        .zip(names.into_iter().zip(ends))
        .map(|(p, (name, end))| Column {
            property: p.clone(),
            name: name.unwrap_or_default(),
            end,
        })
        .collect()
}

/// A data source as the typed streams see it: what its name and schema are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The data source's id, as Notion writes it.
    pub id: String,
    /// Its title (plain text), if it has one.
    pub title: Option<String>,
    /// When it was created (orders data sources that ask for one name).
    pub created_time: Option<String>,
    /// Its properties, title first.
    pub properties: Vec<Property>,
}

impl Source {
    /// The source of a data source object (Notion's JSON); `None` without a string `id`.
    pub fn from_record(record: &str) -> Option<Source> {
        let obj = RawObject::parse(record).ok()?;
        let id = obj.str("id")?.into_owned();
        let title = obj
            .get("title")
            .map(|t| crate::read::rich_text_plain(Some(t)))
            .filter(|t| !t.is_empty());
        Some(Source {
            id,
            title,
            created_time: obj.str("created_time").map(|s| s.into_owned()),
            properties: properties(record),
        })
    }
}

/// The typed stream of one data source: its name, its data source and its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSourceStream {
    /// The stream's name (`ds_<slug of the title>`, unique).
    pub name: String,
    /// The data source.
    pub source: Source,
    /// The members after [`BASE_COLUMNS`], one per property (two for a date).
    pub columns: Vec<Column>,
}

/// The typed streams of `sources`, named deterministically: `ds_` and the title's words; of
/// data sources asking for one name, the oldest (by `created_time`, then id) gets it and the
/// others `_2`, `_3`, … in that order. Listed by name.
pub fn streams(mut sources: Vec<Source>) -> Vec<DataSourceStream> {
    sources.sort_by(|a, b| (&a.created_time, &a.id).cmp(&(&b.created_time, &b.id)));
    sources.dedup_by(|a, b| a.id == b.id);
    let mut taken = HashSet::new();
    let mut out: Vec<DataSourceStream> = sources
        .into_iter()
        .map(|source| {
            let name = unique(&base_name(source.title.as_deref()), &taken);
            taken.insert(name.clone());
            let columns = assign(&source.properties, &[]);
            DataSourceStream {
                name,
                source,
                columns,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Whether `name` is a typed stream's name (it starts with `ds_`).
pub fn is_stream_name(name: &str) -> bool {
    name.starts_with(PREFIX)
}

/// A nullable JSON schema type.
fn nullable(types: &[&str]) -> Value {
    let mut t: Vec<Value> = types.iter().map(|t| json!(t)).collect();
    t.push(json!("null"));
    Value::Array(t)
}

/// The JSON schema of a property's member (and of a date's end member).
fn column_schema(kind: &str, name: &str) -> Value {
    let described = |mut schema: Value| {
        schema["description"] = json!(format!("Property `{name}` ({kind})."));
        schema
    };
    let strings = json!({"type": "array", "items": {"type": ["string", "null"]}});
    described(match kind {
        "number" => json!({"type": nullable(&["number"])}),
        "checkbox" => json!({"type": nullable(&["boolean"])}),
        "multi_select" | "people" | "relation" => {
            let mut s = strings;
            s["type"] = nullable(&["array"]);
            s
        }
        "files" => json!({
            "type": nullable(&["array"]),
            "items": {"type": "object", "properties": {
                "name": {"type": ["string", "null"]},
                "url": {"type": ["string", "null"]}
            }}
        }),
        "formula" | "rollup" => {
            json!({"type": nullable(&["number", "string", "boolean", "array", "object"])})
        }
        "created_time" | "last_edited_time" => {
            json!({"type": nullable(&["string"]), "format": "date-time"})
        }
        "title" | "rich_text" | "date" | "select" | "status" | "unique_id" | "url" | "email"
        | "phone_number" | "created_by" | "last_edited_by" => {
            json!({"type": nullable(&["string"])})
        }
        // Types this version does not know: the value's JSON, whatever it is.
        _ => json!({}),
    })
}

impl DataSourceStream {
    /// The JSON schema (draft-07) of the stream's records.
    pub fn schema(&self) -> Value {
        let mut props = Map::new();
        props.insert(
            "id".into(),
            json!({"type": "string", "description": "The row's (page's) id."}),
        );
        props.insert(
            "url".into(),
            json!({"type": ["string", "null"], "description": "The row's URL in Notion."}),
        );
        for member in ["created_time", "last_edited_time"] {
            props.insert(
                member.into(),
                json!({"type": ["string", "null"], "format": "date-time", "description": format!("The row's `{member}`.")}),
            );
        }
        props.insert(
            "in_trash".into(),
            json!({"type": ["boolean", "null"], "description": "Whether the row is in the trash."}),
        );
        for c in &self.columns {
            let name = &c.property.name;
            props.insert(c.name.clone(), column_schema(&c.property.kind, name));
            if let Some(end) = &c.end {
                let mut s = column_schema(&c.property.kind, name);
                s["description"] = json!(format!("End of property `{name}` (date)."));
                props.insert(end.clone(), s);
            }
        }
        let mut schema = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": self.name,
            "description": format!(
                "Rows of the data source {} ({}), a member per property.",
                self.source.title.as_deref().unwrap_or("(untitled)"),
                self.source.id
            ),
            "type": "object",
            "additionalProperties": true,
            "properties": props,
        });
        crate::schema::add_deletion_members(&mut schema);
        schema
    }

    /// The `AirbyteStream` of the stream, as `discover` lists it.
    pub fn airbyte_stream(&self) -> Value {
        json!({
            "name": self.name,
            "json_schema": self.schema(),
            "source_defined_primary_key": [["id"]],
            "is_resumable": true,
            "supported_sync_modes": ["full_refresh", "incremental"],
            "source_defined_cursor": true,
            "default_cursor_field": ["last_edited_time"],
        })
    }

    /// The record of a row (a page object as Notion sent it, with its truncated values
    /// completed); `None` when it is not a JSON object.
    pub fn record(&self, page: &str) -> Option<Map<String, Value>> {
        let Ok(Value::Object(page)) = serde_json::from_str::<Value>(page) else {
            return None;
        };
        Some(self.record_of(&page))
    }

    /// The record of a row given as a JSON object.
    pub fn record_of(&self, page: &Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        for member in BASE_COLUMNS {
            let v = page.get(member).cloned();
            // `archived` is what `2025-09-03` calls `in_trash`.
            let v = match (member, v) {
                ("in_trash", None) => page.get("archived").cloned(),
                (_, v) => v,
            };
            out.insert(member.to_owned(), v.unwrap_or(Value::Null));
        }
        let values = page.get("properties").and_then(Value::as_object);
        for c in &self.columns {
            let value = values.and_then(|v| locate(v, &c.property));
            let (main, end) = typed_value(&c.property.kind, value);
            out.insert(c.name.clone(), main);
            if let Some(name) = &c.end {
                out.insert(name.clone(), end.unwrap_or(Value::Null));
            }
        }
        out
    }

    /// The property ids of the stream's columns.
    pub fn property_ids(&self) -> BTreeSet<&str> {
        self.columns
            .iter()
            .map(|c| c.property.id.as_str())
            .collect()
    }
}

/// A row's value of property `p`: under its name when that value carries the property's id (or
/// no id), else found by id among all its values (a row read before a rename).
pub fn locate<'a>(values: &'a Map<String, Value>, p: &Property) -> Option<&'a Value> {
    if let Some(v @ Value::Object(o)) = values.get(&p.name)
        && o.get("id").is_none_or(|id| id.as_str() == Some(&p.id))
    {
        return Some(v);
    }
    values
        .values()
        .find(|v| v.get("id").and_then(Value::as_str) == Some(&p.id))
}

fn string_at(v: &Value, path: &[&str]) -> Value {
    let mut cur = v;
    for key in path {
        match cur.get(key) {
            Some(next) => cur = next,
            None => return Value::Null,
        }
    }
    match cur {
        Value::String(_) => cur.clone(),
        _ => Value::Null,
    }
}

/// A rich-text array's plain text (`""` for an empty array; `null` when it is not an array).
fn plain_text(v: Option<&Value>) -> Value {
    match v {
        Some(Value::Array(items)) => Value::String(
            items
                .iter()
                .filter_map(|i| i.get("plain_text").and_then(Value::as_str))
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// An array's object items mapped by `item` (`null` when it is not an array).
fn each(v: Option<&Value>, item: impl Fn(&Value) -> Value) -> Value {
    match v {
        Some(Value::Array(items)) => {
            Value::Array(items.iter().filter(|i| i.is_object()).map(item).collect())
        }
        _ => Value::Null,
    }
}

/// The typed value of a property value of type `kind` (`None`: the row has no such value), and
/// for a date its end. The rules of the mirror's typed views, in JSON: numbers, booleans,
/// strings and arrays; the value's JSON for a type this version does not know.
pub fn typed_value(kind: &str, value: Option<&Value>) -> (Value, Option<Value>) {
    let Some(v) = value else {
        return (Value::Null, (kind == "date").then_some(Value::Null));
    };
    let payload = v.get(kind);
    let main = match kind {
        "title" | "rich_text" => plain_text(payload),
        "number" => match payload {
            Some(n @ Value::Number(_)) => n.clone(),
            _ => Value::Null,
        },
        "checkbox" => match payload {
            Some(b @ Value::Bool(_)) => b.clone(),
            _ => Value::Null,
        },
        "date" => {
            return (
                string_at(v, &["date", "start"]),
                Some(string_at(v, &["date", "end"])),
            );
        }
        "select" | "status" => string_at(v, &[kind, "name"]),
        "multi_select" => each(payload, |i| string_at(i, &["name"])),
        "people" | "relation" => each(payload, |i| string_at(i, &["id"])),
        "formula" | "rollup" => match payload {
            None | Some(Value::Null) => Value::Null,
            Some(p) => match p.get("type").and_then(Value::as_str) {
                Some("number") => match p.get("number") {
                    Some(n @ Value::Number(_)) => n.clone(),
                    _ => Value::Null,
                },
                Some("string") => string_at(p, &["string"]),
                Some("boolean") => match p.get("boolean") {
                    Some(b @ Value::Bool(_)) => b.clone(),
                    _ => Value::Null,
                },
                Some("date") => string_at(p, &["date", "start"]),
                Some("array") => p.get("array").cloned().unwrap_or(Value::Null),
                _ => p.clone(),
            },
        },
        "unique_id" => match payload.and_then(|u| u.get("number")) {
            Some(Value::Number(n)) => {
                let n = n.to_string();
                Value::String(match payload.and_then(|u| u.get("prefix")) {
                    Some(Value::String(prefix)) => format!("{prefix}-{n}"),
                    _ => n,
                })
            }
            _ => Value::Null,
        },
        "files" => each(payload, |f| {
            let url = match string_at(f, &["file", "url"]) {
                Value::Null => string_at(f, &["external", "url"]),
                url => url,
            };
            json!({"name": string_at(f, &["name"]), "url": url})
        }),
        "url" | "email" | "phone_number" | "created_time" | "last_edited_time" => {
            string_at(v, &[kind])
        }
        "created_by" | "last_edited_by" => string_at(v, &[kind, "id"]),
        _ => payload.cloned().unwrap_or(Value::Null),
    };
    (main, None)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn prop(id: &str, name: &str, kind: &str) -> Property {
        Property {
            id: id.into(),
            name: name.into(),
            kind: kind.into(),
        }
    }

    fn source(id: &str, title: &str, created: &str) -> Source {
        Source {
            id: id.into(),
            title: Some(title.into()).filter(|t: &String| !t.is_empty()),
            created_time: Some(created.into()),
            properties: vec![prop("title", "Name", "title")],
        }
    }

    fn names(streams: &[DataSourceStream]) -> Vec<(&str, &str)> {
        streams
            .iter()
            .map(|s| (s.source.id.as_str(), s.name.as_str()))
            .collect()
    }

    #[test]
    fn stream_names_are_the_titles_words_and_the_oldest_keeps_a_shared_name() {
        let sources = vec![
            source("c", "Tasks", "2026-01-03T00:00:00.000Z"),
            source("a", "Tasks!", "2026-01-02T00:00:00.000Z"),
            source("b", "  tasks ", "2026-01-02T00:00:00.000Z"),
            source("d", "", "2026-01-01T00:00:00.000Z"),
            source("e", "👍", "2026-01-01T00:00:00.000Z"),
            source("f", "Größe & Gewicht (2026)", "2026-01-01T00:00:00.000Z"),
            source("g", "Tasks 2", "2026-01-01T00:00:00.000Z"),
        ];
        let streams = streams(sources.clone());
        assert_eq!(
            names(&streams),
            [
                ("f", "ds_größe_gewicht_2026"),
                ("a", "ds_tasks"),
                // `Tasks 2` asks for `ds_tasks_2` and is older: `b` and `c` get the next free.
                ("g", "ds_tasks_2"),
                ("b", "ds_tasks_3"),
                ("c", "ds_tasks_4"),
                ("d", "ds_untitled"),
                ("e", "ds_untitled_2"),
            ]
        );
        // The same data sources in any order: the same names.
        let mut reversed = sources;
        reversed.reverse();
        assert_eq!(names(&self::streams(reversed)), names(&streams));
    }

    #[test]
    fn a_rename_changes_only_the_renamed_streams_name() {
        let before = streams(vec![
            source("a", "Projects", "2026-01-01T00:00:00.000Z"),
            source("b", "Tasks", "2026-01-02T00:00:00.000Z"),
        ]);
        let after = streams(vec![
            source("a", "Projects 2026", "2026-01-01T00:00:00.000Z"),
            source("b", "Tasks", "2026-01-02T00:00:00.000Z"),
        ]);
        assert_eq!(names(&before), [("a", "ds_projects"), ("b", "ds_tasks")]);
        assert_eq!(
            names(&after),
            [("a", "ds_projects_2026"), ("b", "ds_tasks")]
        );
    }

    #[test]
    fn names_are_lowercase_words_joined_by_underscores() {
        assert_eq!(slug("Weekly budget"), "weekly_budget");
        assert_eq!(slug("  Depends on (rows) "), "depends_on_rows");
        assert_eq!(slug("Größe €"), "größe");
        assert_eq!(slug("2026 goals"), "p_2026_goals");
        assert_eq!(slug("👍"), "");
        assert_eq!(slug("_ab_cdc_deleted_at"), "ab_cdc_deleted_at");
        assert_eq!(base_name(None), "ds_untitled");
        assert_eq!(base_name(Some("2026 Plan")), "ds_2026_plan");
    }

    #[test]
    fn member_collisions_take_a_suffix_and_dates_an_end_member() {
        let props = [
            prop("title", "Name", "title"),
            prop("a", "ID", "unique_id"),
            prop("b", "Due", "date"),
            prop("c", "Due end", "rich_text"),
            prop("d", "due", "number"),
            prop("e", "👍", "checkbox"),
            prop("f", "URL", "url"),
            prop("g", "In trash", "checkbox"),
        ];
        let columns: Vec<String> = assign(&props, &[])
            .iter()
            .flat_map(|c| std::iter::once(c.name.clone()).chain(c.end.clone()))
            .collect();
        assert_eq!(
            columns,
            [
                "name",
                "id_2",
                "due",
                "due_end_2",
                "due_end",
                "due_2",
                "property",
                "url_2",
                "in_trash_2"
            ]
        );
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

    #[test]
    fn values_are_typed_per_property_type() {
        let cases: Vec<(&str, Value, Value)> = vec![
            (
                "title",
                json!({"title": [{"plain_text": "Hello "}, {"plain_text": "world"}, 3]}),
                json!("Hello world"),
            ),
            ("rich_text", json!({"rich_text": []}), json!("")),
            ("rich_text", json!({"rich_text": null}), Value::Null),
            ("number", json!({"number": 4}), json!(4)),
            ("number", json!({"number": null}), Value::Null),
            ("checkbox", json!({"checkbox": true}), json!(true)),
            ("select", json!({"select": {"name": "A"}}), json!("A")),
            ("select", json!({"select": null}), Value::Null),
            ("status", json!({"status": {"name": "Done"}}), json!("Done")),
            (
                "multi_select",
                json!({"multi_select": [{"name": "x"}, {"name": "y"}]}),
                json!(["x", "y"]),
            ),
            (
                "relation",
                json!({"relation": [{"id": "p1"}, {"id": "p2"}], "has_more": false}),
                json!(["p1", "p2"]),
            ),
            ("people", json!({"people": [{"id": "u1"}]}), json!(["u1"])),
            (
                "formula",
                json!({"formula": {"type": "number", "number": 2.5}}),
                json!(2.5),
            ),
            (
                "formula",
                json!({"formula": {"type": "date", "date": {"start": "2026-01-01"}}}),
                json!("2026-01-01"),
            ),
            (
                "rollup",
                json!({"rollup": {"type": "array", "array": [{"type": "number", "number": 1}]}}),
                json!([{"type": "number", "number": 1}]),
            ),
            (
                "rollup",
                json!({"rollup": {"type": "unsupported", "unsupported": {}}}),
                json!({"type": "unsupported", "unsupported": {}}),
            ),
            (
                "unique_id",
                json!({"unique_id": {"prefix": "TASK", "number": 7}}),
                json!("TASK-7"),
            ),
            (
                "unique_id",
                json!({"unique_id": {"prefix": null, "number": 7}}),
                json!("7"),
            ),
            (
                "unique_id",
                json!({"unique_id": {"number": null}}),
                Value::Null,
            ),
            (
                "files",
                json!({"files": [
                    {"name": "a.pdf", "type": "file", "file": {"url": "https://s3/a.pdf?sig"}},
                    {"name": "b", "type": "external", "external": {"url": "https://x/b"}}]}),
                json!([{"name": "a.pdf", "url": "https://s3/a.pdf?sig"}, {"name": "b", "url": "https://x/b"}]),
            ),
            ("url", json!({"url": "https://x"}), json!("https://x")),
            ("email", json!({"email": null}), Value::Null),
            ("phone_number", json!({"phone_number": "+1"}), json!("+1")),
            (
                "created_by",
                json!({"created_by": {"object": "user", "id": "u9"}}),
                json!("u9"),
            ),
            (
                "place",
                json!({"place": {"lat": 1.0, "lon": 2.0}}),
                json!({"lat": 1.0, "lon": 2.0}),
            ),
        ];
        for (kind, value, want) in cases {
            let (main, end) = typed_value(kind, Some(&value));
            assert_eq!(main, want, "{kind}: {value}");
            assert_eq!(end, None);
        }
        assert_eq!(
            typed_value(
                "date",
                Some(&json!({"date": {"start": "2026-01-01", "end": "2026-01-03"}}))
            ),
            (json!("2026-01-01"), Some(json!("2026-01-03")))
        );
        assert_eq!(typed_value("date", None), (Value::Null, Some(Value::Null)));
        assert_eq!(typed_value("number", None), (Value::Null, None));
    }

    #[test]
    fn a_row_is_read_by_property_id_after_a_rename() {
        let ds = DataSourceStream {
            name: "ds_t".into(),
            source: source("t", "T", "2026-01-01T00:00:00.000Z"),
            columns: assign(
                &[prop("title", "Name", "title"), prop("n", "Score", "number")],
                &[],
            ),
        };
        // The row still carries the old name; a value under the new name with another id is
        // not the property's.
        let row = json!({"id": "r", "url": "u", "archived": true, "properties": {
            "Points": {"id": "n", "type": "number", "number": 3},
            "Score": {"id": "zz", "type": "rich_text", "rich_text": []},
            "Name": {"id": "title", "type": "title", "title": [{"plain_text": "R"}]}}});
        let rec = ds.record(&row.to_string()).unwrap();
        assert_eq!(
            Value::Object(rec),
            json!({"id": "r", "url": "u", "created_time": null, "last_edited_time": null,
                   "in_trash": true, "name": "R", "score": 3})
        );
    }
}
