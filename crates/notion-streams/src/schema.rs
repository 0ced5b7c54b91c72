//! JSON schemas of the streams and of the connector's configuration, generated from the Rust
//! types.
//!
//! `cargo xtask schemas` writes them to `crates/notion-streams/schemas/`; a test fails when the
//! checked-in files are stale.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::records::{
    BlockRecord, CommentRecord, DataSourceRecord, DatabaseRecord, PageMarkdownRecord, PageRecord,
    UserRecord,
};
use crate::stream::StreamName;

/// The block types whose content member the `blocks` schema declares.
pub const BLOCK_TYPES: &[&str] = &[
    "audio",
    "bookmark",
    "breadcrumb",
    "bulleted_list_item",
    "callout",
    "child_database",
    "child_page",
    "code",
    "column",
    "column_list",
    "divider",
    "embed",
    "equation",
    "file",
    "heading_1",
    "heading_2",
    "heading_3",
    "heading_4",
    "image",
    "link_preview",
    "link_to_page",
    "meeting_notes",
    "numbered_list_item",
    "paragraph",
    "pdf",
    "quote",
    "synced_block",
    "tab",
    "table",
    "table_of_contents",
    "table_row",
    "template",
    "to_do",
    "toggle",
    "transcription",
    "unsupported",
    "video",
];

fn generate<T: JsonSchema>() -> Value {
    let mut settings = SchemaSettings::draft07();
    settings.inline_subschemas = true;
    settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// The JSON schema (draft-07) of a stream's records.
pub fn stream_schema(stream: StreamName) -> Value {
    let mut schema = match stream {
        StreamName::Users => generate::<UserRecord>(),
        StreamName::Databases => generate::<DatabaseRecord>(),
        StreamName::DataSources => generate::<DataSourceRecord>(),
        StreamName::Pages => generate::<PageRecord>(),
        StreamName::Blocks => generate::<BlockRecord>(),
        StreamName::Comments => generate::<CommentRecord>(),
        StreamName::PageMarkdown => generate::<PageMarkdownRecord>(),
    };
    add_deletion_members(&mut schema);
    if let Some(obj) = schema.as_object_mut() {
        // Records are open objects: Notion adds fields without notice. Undeclared top-level
        // fields are moved into `_extra`, so a record never carries one.
        obj.insert("additionalProperties".into(), Value::Bool(true));
        if stream == StreamName::Blocks
            && let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut)
        {
            for name in BLOCK_TYPES {
                props.insert(
                    (*name).to_owned(),
                    json!({
                        "description": format!("Content of a `{name}` block."),
                        "type": ["object", "null"]
                    }),
                );
            }
        }
        normalise(obj);
    }
    schema
}

/// Declares Airbyte's deletion members on a stream's schema: a record with
/// `_ab_cdc_deleted_at` set removes its row in append-dedup mode. Declared on every stream so
/// the column exists first.
pub(crate) fn add_deletion_members(schema: &mut Value) {
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert(
            "_ab_cdc_deleted_at".into(),
            json!({
                "description": "When the connector saw that the object is gone (deleted, or no longer shared): set only on deletion records.",
                "type": ["string", "null"],
                "format": "date-time"
            }),
        );
        props.insert(
            "_deleted_reason".into(),
            json!({
                "description": "Why a deletion record was emitted: `not_found` (deleted, or no longer shared with the integration) or `trashed`.",
                "type": ["string", "null"]
            }),
        );
    }
}

/// Rewrites generated schema details into the forms Airbyte expects: nullable types as
/// `[T, "null"]` and the `_extra` catch-all as an open object.
fn normalise(obj: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = obj.get_mut("type") {
        types.sort_by_key(|t| t.as_str() == Some("null"));
    }
    // Doc comments wrap lines; descriptions are paragraphs.
    if let Some(Value::String(d)) = obj.get_mut("description") {
        *d = d
            .split("\n\n")
            .map(|p| p.split('\n').collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n\n");
    }
    // Rust integer widths are not JSON Schema formats.
    if obj
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| f.starts_with("int") || f.starts_with("uint") || f == "double")
    {
        obj.remove("format");
    }
    // A choice between string constants is an `enum` (Airbyte wants `oneOf` on objects only).
    let consts: Option<Vec<Value>> = obj.get("oneOf").and_then(Value::as_array).and_then(|v| {
        v.iter()
            .map(|alt| alt.get("const").filter(|c| c.is_string()).cloned())
            .collect()
    });
    if let Some(consts) = consts {
        obj.remove("oneOf");
        obj.insert("type".into(), json!("string"));
        obj.insert("enum".into(), Value::Array(consts));
    }
    if let Some(Value::Array(alts)) = obj.get_mut("oneOf") {
        for alt in alts.iter_mut() {
            if let Value::Object(a) = alt {
                normalise(a);
            }
        }
    }
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        for (_, prop) in props.iter_mut() {
            if let Value::Object(p) = prop {
                normalise(p);
            }
        }
    }
    if let Some(Value::Object(items)) = obj.get_mut("items") {
        normalise(items);
    }
}

/// The top-level fields a stream's records may carry.
pub fn declared_fields(stream: StreamName) -> &'static BTreeSet<String> {
    static FIELDS: OnceLock<Vec<BTreeSet<String>>> = OnceLock::new();
    let all = FIELDS.get_or_init(|| {
        StreamName::ALL
            .iter()
            .map(|s| {
                stream_schema(*s)
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default()
            })
            .collect()
    });
    &all[stream.index()]
}

/// The `AirbyteStream` of a stream, as `discover` lists it.
pub fn airbyte_stream(stream: StreamName) -> Value {
    let mut s = json!({
        "name": stream.as_str(),
        "json_schema": stream_schema(stream),
        "source_defined_primary_key": [["id"]],
        "is_resumable": stream.is_incremental(),
    });
    if let Some(cursor) = stream.cursor_field() {
        s["supported_sync_modes"] = json!(["full_refresh", "incremental"]);
        s["source_defined_cursor"] = json!(true);
        s["default_cursor_field"] = json!([cursor]);
    } else {
        s["supported_sync_modes"] = json!(["full_refresh"]);
    }
    s
}

/// The catalog `discover` returns: every stream.
pub fn catalog() -> Value {
    catalog_with(&[])
}

/// The catalog with the typed streams of data sources after the built-in streams.
pub fn catalog_with(data_sources: &[crate::typed::DataSourceStream]) -> Value {
    let streams: Vec<Value> = StreamName::ALL
        .iter()
        .map(|s| airbyte_stream(*s))
        .chain(data_sources.iter().map(|d| d.airbyte_stream()))
        .collect();
    json!({ "streams": streams })
}

/// The JSON schema of the configuration (`connectionSpecification`).
pub fn config_schema() -> Value {
    let mut schema = generate::<Config>();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("additionalProperties".into(), Value::Bool(true));
        // Airbyte's form renders the credentials `oneOf` only on an object node.
        if let Some(creds) = obj
            .get_mut("properties")
            .and_then(|p| p.get_mut("credentials"))
            .and_then(Value::as_object_mut)
        {
            creds.insert("type".into(), json!("object"));
        }
        normalise(obj);
    }
    schema
}

/// The connector specification `spec` returns.
pub fn spec() -> Value {
    json!({
        "documentationUrl": "https://github.com/notion-source/notion-source/blob/main/docs/configuration.md",
        "changelogUrl": "https://github.com/notion-source/notion-source/blob/main/CHANGELOG.md",
        "supportsIncremental": true,
        "connectionSpecification": config_schema(),
        "advanced_auth": {
            "auth_flow_type": "oauth2.0",
            "predicate_key": ["credentials", "auth_type"],
            "predicate_value": "OAuth2.0",
            "oauth_config_specification": {
                "complete_oauth_output_specification": {
                    "type": "object",
                    "properties": {
                        "access_token": {"type": "string", "path_in_connector_config": ["credentials", "access_token"]},
                        "refresh_token": {"type": "string", "path_in_connector_config": ["credentials", "refresh_token"]}
                    }
                },
                "complete_oauth_server_input_specification": {
                    "type": "object",
                    "properties": {
                        "client_id": {"type": "string"},
                        "client_secret": {"type": "string"}
                    }
                },
                "complete_oauth_server_output_specification": {
                    "type": "object",
                    "properties": {
                        "client_id": {"type": "string", "path_in_connector_config": ["credentials", "client_id"]},
                        "client_secret": {"type": "string", "path_in_connector_config": ["credentials", "client_secret"]}
                    }
                }
            }
        }
    })
}

/// The files `cargo xtask schemas` writes, as (path relative to this crate, pretty JSON).
pub fn generated_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let pretty = |v: &Value| {
        let mut text = serde_json::to_string_pretty(v).unwrap_or_default();
        text.push('\n');
        text
    };
    for s in StreamName::ALL {
        files.push((
            format!("schemas/{}.json", s.as_str()),
            pretty(&stream_schema(s)),
        ));
    }
    files.push(("schemas/spec.json".to_owned(), pretty(&spec())));
    files
}
