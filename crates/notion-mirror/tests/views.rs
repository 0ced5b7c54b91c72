//! Typed views: one per data source, a typed column per property, recreated with the schema.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use notion_mirror::{Mirror, RecordOutcome, Table};
use rusqlite::Connection;
use rusqlite::types::Value as Sql;
use serde_json::{Value, json};

fn text(s: &str) -> Value {
    json!([{"type": "text", "text": {"content": s}, "plain_text": s}])
}

/// A data source record whose schema is `properties` (name → type, and id).
fn data_source(id: &str, title: &str, properties: &[(&str, &str, &str)]) -> String {
    // Written by hand: the members keep their order, as in Notion's JSON.
    let props: Vec<String> = properties
        .iter()
        .map(|(name, pid, kind)| {
            format!(
                "{}:{}",
                json!(name),
                json!({"id": pid, "name": name, "type": kind, *kind: {}})
            )
        })
        .collect();
    format!(
        r#"{{"object":"data_source","id":{},"_title":{},"_database_id":"db","created_time":"2026-01-01T00:00:00.000+00:00","properties":{{{}}}}}"#,
        json!(id),
        json!(title),
        props.join(",")
    )
}

/// A row of data source `ds` with property values (name → value, with its id and type).
fn row(id: &str, ds: &str, values: Value) -> String {
    json!({"object": "page", "id": id, "url": format!("https://www.notion.so/{id}"),
           "created_time": "2026-01-01T00:00:00.000Z", "last_edited_time": "2026-01-02T00:00:00.000Z",
           "in_trash": false, "parent": {"type": "data_source_id", "data_source_id": ds},
           "_data_source_id": ds, "properties": values})
    .to_string()
}

fn value(pid: &str, kind: &str, payload: Value) -> Value {
    json!({"id": pid, "type": kind, kind: payload})
}

/// Every property type, with its id.
const EVERY_TYPE: &[(&str, &str, &str)] = &[
    ("Name", "title", "title"),
    ("Summary", "s", "rich_text"),
    ("Budget", "b", "number"),
    ("Approved", "a", "checkbox"),
    ("Timeline", "t", "date"),
    ("Priority", "p", "select"),
    ("Status", "st", "status"),
    ("Tags", "tg", "multi_select"),
    ("Owner", "o", "people"),
    ("Depends on", "r", "relation"),
    ("Weekly", "f", "formula"),
    ("Label", "fs", "formula"),
    ("Late", "fb", "formula"),
    ("Next", "fd", "formula"),
    ("Total", "ru", "rollup"),
    ("Latest", "rd", "rollup"),
    ("All", "ra", "rollup"),
    ("ID", "u", "unique_id"),
    ("Brief", "fi", "files"),
    ("Repository", "url", "url"),
    ("Contact", "e", "email"),
    ("Phone", "ph", "phone_number"),
    ("Created", "ct", "created_time"),
    ("Created by", "cb", "created_by"),
    ("Edited", "lt", "last_edited_time"),
    ("Edited by", "lb", "last_edited_by"),
    ("Site", "pl", "place"),
    ("Review", "bt", "button"),
];

fn every_value() -> Value {
    json!({
        "Name": value("title", "title", json!([
            {"type": "text", "text": {"content": "Hauler "}, "plain_text": "Hauler "},
            {"type": "mention", "mention": {"type": "date", "date": {"start": "2026-01-01"}}, "plain_text": "v2"}])),
        "Summary": value("s", "rich_text", text("Heavy, \"quoted\" payloads")),
        "Budget": value("b", "number", json!(240000)),
        "Approved": value("a", "checkbox", json!(true)),
        "Timeline": value("t", "date", json!({"start": "2026-06-01", "end": "2026-12-15", "time_zone": null})),
        "Priority": value("p", "select", json!({"id": "x", "name": "High", "color": "red"})),
        "Status": value("st", "status", json!({"id": "y", "name": "In progress", "color": "blue"})),
        "Tags": value("tg", "multi_select", json!([{"id": "1", "name": "Hardware"}, {"id": "2", "name": "Customer"}])),
        "Owner": value("o", "people", json!([{"object": "user", "id": "u1"}, {"object": "user", "id": "u2"}])),
        "Depends on": {"id": "r", "type": "relation", "relation": [{"id": "r1"}, {"id": "r2"}], "has_more": false},
        "Weekly": value("f", "formula", json!({"type": "number", "number": 4615.38})),
        "Label": value("fs", "formula", json!({"type": "string", "string": "big"})),
        "Late": value("fb", "formula", json!({"type": "boolean", "boolean": false})),
        "Next": value("fd", "formula", json!({"type": "date", "date": {"start": "2026-07-01", "end": null}})),
        "Total": value("ru", "rollup", json!({"type": "number", "number": 12, "function": "sum"})),
        "Latest": value("rd", "rollup", json!({"type": "date", "date": {"start": "2026-05-05"}, "function": "latest_date"})),
        "All": value("ra", "rollup", json!({"type": "array", "array": [{"type": "number", "number": 1}], "function": "show_original"})),
        "ID": value("u", "unique_id", json!({"prefix": "PRJ", "number": 7})),
        "Brief": value("fi", "files", json!([
            {"name": "brief.pdf", "type": "file", "file": {"url": "https://files.test/brief.pdf?sig=1", "expiry_time": "2026-01-01T01:00:00.000Z"}},
            {"name": "Spec", "type": "external", "external": {"url": "https://x.test/spec.pdf"}}])),
        "Repository": value("url", "url", json!("https://github.com/acme/hauler")),
        "Contact": value("e", "email", json!("ada@example.com")),
        "Phone": value("ph", "phone_number", json!("+1 555 0100")),
        "Created": value("ct", "created_time", json!("2026-01-01T00:00:00.000Z")),
        "Created by": value("cb", "created_by", json!({"object": "user", "id": "u1"})),
        "Edited": value("lt", "last_edited_time", json!("2026-01-02T00:00:00.000Z")),
        "Edited by": value("lb", "last_edited_by", json!({"object": "user", "id": "u2"})),
        "Site": value("pl", "place", json!({"lat": 37.8, "lon": -122.27, "name": "Oakland"})),
        "Review": value("bt", "button", json!({})),
    })
}

fn store(m: &mut Mirror, table: Table, record: &str) {
    assert_eq!(m.record_in(table, record).unwrap(), RecordOutcome::Stored);
}

/// The rows of a query, each cell as SQLite gives it.
fn query(path: &Path, sql: &str) -> Vec<Vec<Sql>> {
    let conn = Connection::open(path).unwrap();
    let mut st = conn.prepare(sql).unwrap();
    let n = st.column_count();
    st.query_map([], |r| (0..n).map(|i| r.get::<_, Sql>(i)).collect())
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn columns(path: &Path, view: &str) -> Vec<String> {
    let conn = Connection::open(path).unwrap();
    let st = conn.prepare(&format!("SELECT * FROM \"{view}\"")).unwrap();
    st.column_names().iter().map(|c| (*c).to_owned()).collect()
}

fn t(s: &str) -> Sql {
    Sql::Text(s.to_owned())
}

#[test]
fn a_view_has_a_typed_column_for_every_property_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    store(
        &mut m,
        Table::DataSources,
        &data_source("ds", "Projects", EVERY_TYPE),
    );
    store(&mut m, Table::Pages, &row("p1", "ds", every_value()));
    // A row with every value empty, as Notion sends them.
    store(
        &mut m,
        Table::Pages,
        &row(
            "p2",
            "ds",
            json!({"Name": value("title", "title", json!([])), "Budget": value("b", "number", Value::Null),
                   "Timeline": value("t", "date", Value::Null), "Priority": value("p", "select", Value::Null),
                   "Tags": value("tg", "multi_select", json!([])), "Approved": value("a", "checkbox", json!(false)),
                   "ID": value("u", "unique_id", json!({"prefix": null, "number": 8}))}),
        ),
    );
    // A page of another data source is not a row of this one.
    store(&mut m, Table::Pages, &row("other", "ds2", json!({})));
    m.commit().unwrap();

    assert_eq!(
        columns(&path, "ds_projects"),
        [
            "id",
            "url",
            "created_time",
            "last_edited_time",
            "in_trash",
            "name",
            "summary",
            "budget",
            "approved",
            "timeline",
            "timeline_end",
            "priority",
            "status",
            "tags",
            "owner",
            "depends_on",
            "weekly",
            "label",
            "late",
            "next",
            "total",
            "latest",
            "all",
            "id_2",
            "brief",
            "repository",
            "contact",
            "phone",
            "created",
            "created_by",
            "edited",
            "edited_by",
            "site",
            "review"
        ]
    );
    let rows = query(&path, "SELECT * FROM ds_projects ORDER BY id");
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0],
        [
            t("p1"),
            t("https://www.notion.so/p1"),
            t("2026-01-01T00:00:00.000Z"),
            t("2026-01-02T00:00:00.000Z"),
            Sql::Integer(0),
            t("Hauler v2"),
            t("Heavy, \"quoted\" payloads"),
            Sql::Real(240000.0),
            Sql::Integer(1),
            t("2026-06-01"),
            t("2026-12-15"),
            t("High"),
            t("In progress"),
            t(r#"["Hardware","Customer"]"#),
            t(r#"["u1","u2"]"#),
            t(r#"["r1","r2"]"#),
            Sql::Real(4615.38),
            t("big"),
            Sql::Integer(0),
            t("2026-07-01"),
            Sql::Real(12.0),
            t("2026-05-05"),
            t(r#"[{"number":1,"type":"number"}]"#),
            t("PRJ-7"),
            t(
                r#"[{"name":"brief.pdf","url":"https://files.test/brief.pdf?sig=1"},{"name":"Spec","url":"https://x.test/spec.pdf"}]"#
            ),
            t("https://github.com/acme/hauler"),
            t("ada@example.com"),
            t("+1 555 0100"),
            t("2026-01-01T00:00:00.000Z"),
            t("u1"),
            t("2026-01-02T00:00:00.000Z"),
            t("u2"),
            t(r#"{"lat":37.8,"lon":-122.27,"name":"Oakland"}"#),
            t("{}"),
        ]
    );
    let empty = &rows[1];
    assert_eq!(empty[5], t(""), "an empty title");
    assert_eq!(empty[7], Sql::Null, "no number");
    assert_eq!(empty[8], Sql::Integer(0));
    assert_eq!((&empty[9], &empty[10]), (&Sql::Null, &Sql::Null));
    assert_eq!(empty[11], Sql::Null);
    assert_eq!(empty[13], t("[]"));
    assert_eq!(empty[23], t("8"), "a unique id without prefix");
    assert_eq!(empty[6], Sql::Null, "a property the row does not carry");

    let views = m.views().unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].name, "ds_projects");
    assert_eq!(views[0].title.as_deref(), Some("Projects"));
    assert_eq!(views[0].rows, 2);
    assert_eq!(views[0].columns, columns(&path, "ds_projects"));
}

#[test]
fn the_view_follows_schema_changes_in_the_transaction_that_brings_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    let v1 = [
        ("Name", "title", "title"),
        ("Status", "st", "status"),
        ("Budget", "b", "number"),
        ("Due", "d", "date"),
        ("Notes", "n", "rich_text"),
    ];
    store(&mut m, Table::DataSources, &data_source("ds", "Tasks", &v1));
    let values = json!({
        "Name": value("title", "title", text("Write docs")),
        "Status": value("st", "status", json!({"name": "Done"})),
        "Budget": value("b", "number", json!(3)),
        "Due": value("d", "date", json!({"start": "2026-02-01", "end": null})),
        "Notes": value("n", "rich_text", text("first")),
    });
    store(&mut m, Table::Pages, &row("t1", "ds", values));
    m.commit().unwrap();
    assert_eq!(
        columns(&path, "ds_tasks"),
        [
            "id",
            "url",
            "created_time",
            "last_edited_time",
            "in_trash",
            "name",
            "status",
            "budget",
            "due",
            "due_end",
            "notes"
        ]
    );

    // Renamed (Status → State), retyped (Budget: number → rich_text), removed (Notes), added
    // (Owner), and a new property taking the freed name "Status".
    let v2 = [
        ("Name", "title", "title"),
        ("State", "st", "status"),
        ("Budget", "b", "rich_text"),
        ("Due", "d", "date"),
        ("Owner", "o", "people"),
        ("Status", "x", "select"),
    ];
    store(&mut m, Table::DataSources, &data_source("ds", "Tasks", &v2));
    // Before the commit, a rollback keeps the old view.
    m.rollback().unwrap();
    assert_eq!(columns(&path, "ds_tasks").len(), 11);
    store(&mut m, Table::DataSources, &data_source("ds", "Tasks", &v2));
    // A row written since the change, under the new names.
    let values = json!({
        "Name": value("title", "title", text("Ship")),
        "State": value("st", "status", json!({"name": "In progress"})),
        "Budget": value("b", "rich_text", text("about 5")),
        "Due": value("d", "date", Value::Null),
        "Owner": value("o", "people", json!([{"id": "u1"}])),
        "Status": value("x", "select", json!({"name": "Green"})),
    });
    store(&mut m, Table::Pages, &row("t2", "ds", values));
    m.commit().unwrap();
    assert_eq!(
        columns(&path, "ds_tasks"),
        [
            "id",
            "url",
            "created_time",
            "last_edited_time",
            "in_trash",
            "name",
            "state",
            "budget",
            "due",
            "due_end",
            "owner",
            "status"
        ]
    );
    let rows = query(
        &path,
        "SELECT id, name, state, budget, due, owner, status FROM ds_tasks ORDER BY id",
    );
    // The row stored before the rename is still typed: its value is found by property id.
    assert_eq!(
        rows,
        [
            vec![
                t("t1"),
                t("Write docs"),
                t("Done"),
                Sql::Null, // a number where text is expected now: read again, it is typed
                t("2026-02-01"),
                Sql::Null,
                Sql::Null
            ],
            vec![
                t("t2"),
                t("Ship"),
                t("In progress"),
                t("about 5"),
                Sql::Null,
                t(r#"["u1"]"#),
                t("Green")
            ],
        ]
    );
    let mapping = query(
        &path,
        "SELECT property_id, property_name, property_type, column_name, end_column
         FROM data_source_columns WHERE data_source_id = 'ds' ORDER BY position",
    );
    assert_eq!(
        mapping,
        [
            vec![t("title"), t("Name"), t("title"), t("name"), Sql::Null],
            vec![t("st"), t("State"), t("status"), t("state"), Sql::Null],
            vec![t("b"), t("Budget"), t("rich_text"), t("budget"), Sql::Null],
            vec![t("d"), t("Due"), t("date"), t("due"), t("due_end")],
            vec![t("o"), t("Owner"), t("people"), t("owner"), Sql::Null],
            vec![t("x"), t("Status"), t("select"), t("status"), Sql::Null],
        ]
    );
    // The same schema again changes nothing.
    let sql = |p: &Path| query(p, "SELECT sql FROM sqlite_master WHERE name = 'ds_tasks'");
    let before = sql(&path);
    store(&mut m, Table::DataSources, &data_source("ds", "Tasks", &v2));
    m.commit().unwrap();
    assert_eq!(sql(&path), before);
}

#[test]
fn views_are_named_from_titles_uniquely_and_follow_renames() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    let schema = [("Name", "title", "title")];
    store(
        &mut m,
        Table::DataSources,
        &data_source("a", "Road map", &schema),
    );
    store(
        &mut m,
        Table::DataSources,
        &data_source("b", "Road-map!", &schema),
    );
    store(&mut m, Table::DataSources, &data_source("c", "", &schema));
    store(
        &mut m,
        Table::DataSources,
        &data_source("d", "2026 Goals", &schema),
    );
    m.commit().unwrap();
    let names = |p: &Path| {
        query(
            p,
            "SELECT data_source_id, view_name FROM data_source_views ORDER BY data_source_id",
        )
    };
    assert_eq!(
        names(&path),
        [
            vec![t("a"), t("ds_road_map")],
            vec![t("b"), t("ds_road_map_2")],
            vec![t("c"), t("ds_untitled")],
            vec![t("d"), t("ds_2026_goals")],
        ]
    );
    // A renamed data source's view is renamed; the other keeps its name.
    store(
        &mut m,
        Table::DataSources,
        &data_source("a", "Plans", &schema),
    );
    m.commit().unwrap();
    assert_eq!(names(&path)[0], [t("a"), t("ds_plans")]);
    assert_eq!(names(&path)[1], [t("b"), t("ds_road_map_2")]);
    let views: Vec<Vec<Sql>> = query(
        &path,
        "SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE 'ds\\_%' ESCAPE '\\' ORDER BY name",
    );
    assert_eq!(
        views,
        [
            vec![t("ds_2026_goals")],
            vec![t("ds_plans")],
            vec![t("ds_road_map_2")],
            vec![t("ds_untitled")]
        ]
    );
}

#[test]
fn property_names_of_any_shape_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    let names = [
        ("Name", "title", "title"),
        ("Owner's \"nick\" name", "q", "rich_text"),
        ("a.b[0]", "dot", "rich_text"),
        ("Größe", "u", "number"),
        ("back\\slash", "bs", "rich_text"),
        ("", "empty", "checkbox"),
        ("hologram", "h", "hologram"),
    ];
    store(
        &mut m,
        Table::DataSources,
        &data_source("ds", "Odd; DROP TABLE pages; --", &names),
    );
    let values = json!({
        "Name": value("title", "title", text("x")),
        "Owner's \"nick\" name": value("q", "rich_text", text("Bo")),
        "a.b[0]": value("dot", "rich_text", text("dotted")),
        "Größe": value("u", "number", json!(1.5)),
        "back\\slash": value("bs", "rich_text", text("bs")),
        "": value("empty", "checkbox", json!(true)),
        "hologram": value("h", "hologram", json!({"depth": 3})),
    });
    store(&mut m, Table::Pages, &row("r", "ds", values));
    m.commit().unwrap();
    assert_eq!(
        query(&path, "SELECT * FROM ds_odd_drop_table_pages")[0][5..],
        [
            t("x"),
            t("Bo"),
            t("dotted"),
            Sql::Real(1.5),
            t("bs"),
            Sql::Integer(1),
            t(r#"{"depth":3}"#)
        ]
    );
    assert_eq!(
        columns(&path, "ds_odd_drop_table_pages")[5..],
        [
            "name",
            "owner_s_nick_name",
            "a_b_0",
            "größe",
            "back_slash",
            "property",
            "hologram"
        ]
    );
}

#[test]
fn the_stored_sql_parses_in_sqlite_3_38() {
    // Views and triggers are part of the file's schema: every SQLite that opens the file parses
    // them. Nothing newer than 3.38: no ORDER BY inside an aggregate (3.44), no `->` (3.38 has
    // it, older JSON1 builds do not).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut m = Mirror::open(&path).unwrap();
    store(
        &mut m,
        Table::DataSources,
        &data_source("ds", "Projects", EVERY_TYPE),
    );
    m.commit().unwrap();
    for row in query(
        &path,
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL",
    ) {
        let (Sql::Text(name), Sql::Text(sql)) = (&row[0], &row[1]) else {
            panic!("{row:?}")
        };
        assert!(!sql.contains("->"), "{name}: {sql}");
        assert!(!sql.contains("->>"), "{name}: {sql}");
        let aggregates = ["group_concat(", "json_group_array(", "json_group_object("];
        for aggregate in aggregates {
            for (i, _) in sql.match_indices(aggregate) {
                let call = &sql[i..];
                let end = call.find(')').unwrap_or(call.len());
                assert!(!call[..end].contains("ORDER BY"), "{name}: {sql}");
            }
        }
    }
}
