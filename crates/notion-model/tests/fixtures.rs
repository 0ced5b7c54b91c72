//! Every example response in `fixtures/notion-api/examples`:
//!
//! 1. decodes into its typed model (chosen from the file name; a file without a mapping fails),
//!    and lands in known variants (no `Unknown` block, property, mention, icon, file or parent
//!    type, no unknown error code);
//! 2. serializes back to a JSON value equal to the input;
//! 3. serialized from the typed value, validates against the SDK-derived JSON schema in
//!    `fixtures/schemas` (and, for lists, each result against its full object schema).
//!
//! Validation allows exactly three documented differences between the SDK types and real
//! responses (see `fixtures/schemas` and the schema README's audit), each applied only where it
//! is needed and recorded in the `allowances` snapshot:
//!
//! * **archived**: the SDK still requires `archived` on blocks, pages, databases and data
//!   sources; `2026-03-11` responses no longer carry it. For files whose `PROVENANCE.md` version
//!   is `2026-03-11`, a copy gets `archived = in_trash` on those objects (top level and list
//!   results) before validation. Files of other versions must carry `archived` themselves.
//! * **error-code**: the SDK's `APIErrorCode` enum lacks documented codes. When an error body's
//!   code is one of [`CODES_MISSING_FROM_SDK`], that one code is added to the enum of the schema.
//! * **property-schema-type**: the SDK's data-source property union has no `button`, `place` or
//!   `verification` member (its request types and page values do). When a property schema of
//!   one of those types is present, a member for that type is added to the union, shaped like
//!   the SDK's other empty-config members (`{id, name, description, type, <type>: {}}`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use notion_model::block::BlockKind;
use notion_model::property::{PropertySchema, PropertyValue, PropertyValueKind, RollupKind};
use notion_model::property_item::{PropertyItemKind, PropertyItemListKind};
use notion_model::rich_text::{MentionKind, RichTextKind};
use notion_model::{
    AsyncTask, Block, Comment, CustomEmoji, DataSource, Database, ErrorBody, File, FileUpload,
    GetPagePropertyResponse, Icon, IntrospectResponse, List, Page, PageMarkdown, Parent, RichText,
    SearchResponse, SearchResult, TemplateList, TokenResponse, User, UserOrGroup, View, ViewQuery,
    WebhookEvent,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Documented error codes the SDK's `APIErrorCode` enum lacks (REFERENCE §4, schema README).
const CODES_MISSING_FROM_SDK: &[&str] = &[
    "missing_version",
    "bad_gateway",
    "database_connection_unavailable",
    "row_limit_exceeded",
    "invalid_grant",
    "invalid_client",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "test_env_error",
];

/// Property-schema types the SDK's response union lacks.
const SCHEMA_TYPES_MISSING_FROM_SDK: &[&str] = &["button", "place", "verification"];

/// Objects whose SDK type requires `archived`.
const OBJECTS_WITH_ARCHIVED: &[&str] = &["block", "page", "database", "data_source"];

// ---------------------------------------------------------------------------------------------
// Typed checks: a fixture of a known type must not land in an Unknown variant.

trait Known {
    fn known(&self) -> Result<(), String>;
}

fn unknown(what: &str, name: &str) -> Result<(), String> {
    Err(format!("{what} type `{name}` landed in Unknown"))
}

impl Known for RichText {
    fn known(&self) -> Result<(), String> {
        match &self.kind {
            RichTextKind::Mention(m) if m.kind.is_unknown() => {
                unknown("mention", m.kind.type_name())
            }
            RichTextKind::Mention(m) => match &m.kind {
                MentionKind::TemplateMention(t) if t.kind.is_unknown() => {
                    unknown("template mention", t.kind.type_name())
                }
                _ => Ok(()),
            },
            kind if kind.is_unknown() => unknown("rich text", kind.type_name()),
            _ => Ok(()),
        }
    }
}

impl<T: Known> Known for Vec<T> {
    fn known(&self) -> Result<(), String> {
        self.iter().try_for_each(Known::known)
    }
}

impl<T: Known> Known for Option<T> {
    fn known(&self) -> Result<(), String> {
        self.as_ref().map_or(Ok(()), Known::known)
    }
}

impl<T: Known> Known for BTreeMap<String, T> {
    fn known(&self) -> Result<(), String> {
        self.values().try_for_each(Known::known)
    }
}

impl Known for Block {
    fn known(&self) -> Result<(), String> {
        let kind = self.kind.as_ref().ok_or("block without type")?;
        if kind.is_unknown() {
            return unknown("block", kind.type_name());
        }
        self.parent.known()?;
        if let Some(items) = kind.rich_text() {
            items.iter().try_for_each(Known::known)?;
        }
        match kind {
            BlockKind::Callout(c) => c.icon.clone().flatten().known(),
            BlockKind::Paragraph(p) => p.icon.clone().flatten().known(),
            BlockKind::Image(m)
            | BlockKind::Video(m)
            | BlockKind::Pdf(m)
            | BlockKind::File(m)
            | BlockKind::Audio(m) => {
                if m.kind.is_unknown() {
                    return unknown("file", m.kind.type_name());
                }
                m.caption.known()
            }
            BlockKind::TableRow(row) => row.cells.iter().flatten().try_for_each(Known::known),
            BlockKind::LinkToPage(l) if l.kind.is_unknown() => {
                unknown("link_to_page", l.kind.type_name())
            }
            _ => Ok(()),
        }
    }
}

impl Known for Parent {
    fn known(&self) -> Result<(), String> {
        if self.kind.is_unknown() {
            unknown("parent", self.kind.type_name())
        } else {
            Ok(())
        }
    }
}

impl Known for Icon {
    fn known(&self) -> Result<(), String> {
        if self.kind.is_unknown() {
            unknown("icon", self.kind.type_name())
        } else {
            Ok(())
        }
    }
}

impl Known for File {
    fn known(&self) -> Result<(), String> {
        if self.kind.is_unknown() {
            unknown("file", self.kind.type_name())
        } else {
            Ok(())
        }
    }
}

impl Known for PropertyValue {
    fn known(&self) -> Result<(), String> {
        match &self.kind {
            kind if kind.is_unknown() => unknown("property value", kind.type_name()),
            PropertyValueKind::Title(items) | PropertyValueKind::RichText(items) => items.known(),
            PropertyValueKind::Formula(f) if f.kind.is_unknown() => {
                unknown("formula", f.kind.type_name())
            }
            PropertyValueKind::Rollup(r) => match &r.kind {
                kind if kind.is_unknown() => unknown("rollup", kind.type_name()),
                RollupKind::Array(items) => items.iter().try_for_each(Known::known),
                _ => Ok(()),
            },
            PropertyValueKind::People(people) => {
                match people.iter().find(|p| matches!(p, UserOrGroup::Unknown(_))) {
                    Some(p) => Err(format!("people entry {p:?} landed in Unknown")),
                    None => Ok(()),
                }
            }
            PropertyValueKind::Files(files) => match files.iter().find(|f| f.kind.is_unknown()) {
                Some(f) => unknown("file", f.kind.type_name()),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

impl Known for PropertySchema {
    fn known(&self) -> Result<(), String> {
        if self.kind.is_unknown() {
            unknown("property schema", self.kind.type_name())
        } else {
            Ok(())
        }
    }
}

impl Known for Page {
    fn known(&self) -> Result<(), String> {
        self.parent.known()?;
        self.icon.clone().flatten().known()?;
        self.cover.clone().flatten().known()?;
        self.properties.known()
    }
}

impl Known for DataSource {
    fn known(&self) -> Result<(), String> {
        self.parent.known()?;
        self.database_parent.known()?;
        self.icon.clone().flatten().known()?;
        self.title.known()?;
        self.properties.known()
    }
}

impl Known for Database {
    fn known(&self) -> Result<(), String> {
        self.parent.known()?;
        self.icon.clone().flatten().known()?;
        self.title.known()
    }
}

impl Known for SearchResult {
    fn known(&self) -> Result<(), String> {
        match self {
            SearchResult::Page(page) => page.known(),
            SearchResult::DataSource(ds) => ds.known(),
            other => Err(format!(
                "search result {:?} landed in Unknown",
                other.object_name()
            )),
        }
    }
}

impl Known for Comment {
    fn known(&self) -> Result<(), String> {
        self.parent.known()?;
        self.rich_text.known()
    }
}

impl Known for User {
    fn known(&self) -> Result<(), String> {
        match &self.kind {
            Some(kind) if kind.is_unknown() => unknown("user", kind.type_name()),
            _ => Ok(()),
        }
    }
}

impl Known for ErrorBody {
    fn known(&self) -> Result<(), String> {
        if self.code.is_unknown() {
            Err(format!("error code `{}` is unknown", self.code))
        } else {
            Ok(())
        }
    }
}

impl Known for GetPagePropertyResponse {
    fn known(&self) -> Result<(), String> {
        match self {
            GetPagePropertyResponse::Item(item) => match &item.kind {
                kind if kind.is_unknown() => unknown("property item", kind.type_name()),
                PropertyItemKind::Title(t) | PropertyItemKind::RichText(t) => t.known(),
                PropertyItemKind::Formula(f) if f.kind.is_unknown() => {
                    unknown("formula", f.kind.type_name())
                }
                _ => Ok(()),
            },
            GetPagePropertyResponse::List(list) => {
                let info = list
                    .type_payload
                    .as_ref()
                    .ok_or("property item list without summary")?;
                if let PropertyItemListKind::Unknown { type_name, .. } = &info.kind {
                    return unknown("property item list", type_name);
                }
                list.results
                    .iter()
                    .try_for_each(|item| GetPagePropertyResponse::Item(item.clone()).known())
            }
            GetPagePropertyResponse::Unknown(v) => Err(format!("{v} landed in Unknown")),
            _ => Err("unexpected variant".into()),
        }
    }
}

impl<T: Known, P> Known for List<T, P> {
    fn known(&self) -> Result<(), String> {
        self.results.iter().try_for_each(Known::known)
    }
}

macro_rules! no_unknown_variants {
    ($($t:ty),*) => { $( impl Known for $t { fn known(&self) -> Result<(), String> { Ok(()) } } )* };
}
no_unknown_variants!(
    AsyncTask,
    FileUpload,
    PageMarkdown,
    View,
    ViewQuery,
    WebhookEvent,
    TemplateList,
    TokenResponse,
    IntrospectResponse,
    CustomEmoji
);

// ---------------------------------------------------------------------------------------------
// Mapping from file name to model and schema.

/// Decodes the text into `T`, checks its variants, and serializes it back.
fn typed<T: DeserializeOwned + Serialize + Known>(text: &str) -> Result<Value, String> {
    let model: T = serde_json::from_str(text).map_err(|e| format!("decode: {e}"))?;
    model.known()?;
    serde_json::to_value(&model).map_err(|e| format!("encode: {e}"))
}

type Decode = fn(&str) -> Result<Value, String>;

struct Mapping {
    /// File-name prefix (first match wins, so specific prefixes come first).
    prefix: &'static str,
    decode: Decode,
    /// Schema file name, optionally `#/definitions/X`.
    schema: &'static str,
    /// Also validate each `results[]` item against its full object schema.
    items: bool,
}

const fn map(prefix: &'static str, decode: Decode, schema: &'static str) -> Mapping {
    Mapping {
        prefix,
        decode,
        schema,
        items: false,
    }
}

const fn list(prefix: &'static str, decode: Decode, schema: &'static str) -> Mapping {
    Mapping {
        prefix,
        decode,
        schema,
        items: true,
    }
}

fn mappings() -> Vec<Mapping> {
    vec![
        map("async-task-", typed::<AsyncTask>, "GetAsyncTaskResponse"),
        map("block-", typed::<Block>, "BlockObjectResponse"),
        map("comment.json", typed::<Comment>, "CommentObjectResponse"),
        map("cover-", typed::<File>, "PageCoverResponse"),
        map(
            "data-source.json",
            typed::<DataSource>,
            "DataSourceObjectResponse",
        ),
        map("database.json", typed::<Database>, "DatabaseObjectResponse"),
        map("error-", typed::<ErrorBody>, "APIErrorResponseBody"),
        map("file-object-", typed::<File>, "PageCoverResponse"),
        map(
            "file-upload.json",
            typed::<FileUpload>,
            "FileUploadObjectResponse",
        ),
        map("icon-", typed::<Icon>, "PageIconResponse"),
        list(
            "list-block-children-",
            typed::<List<Block>>,
            "ListBlockChildrenResponse",
        ),
        list(
            "list-comments.json",
            typed::<List<Comment>>,
            "ListCommentsResponse",
        ),
        map(
            "list-custom-emojis-",
            typed::<List<CustomEmoji>>,
            "ListCustomEmojisResponse",
        ),
        map(
            "list-data-source-templates-",
            typed::<TemplateList>,
            "ListDataSourceTemplatesResponse",
        ),
        list("list-users.json", typed::<List<User>>, "ListUsersResponse"),
        map(
            "list-views.json",
            typed::<List<View>>,
            "ListDatabaseViewsResponse",
        ),
        map(
            "oauth-introspect-",
            typed::<IntrospectResponse>,
            "OauthIntrospectResponse",
        ),
        map("oauth-token-", typed::<TokenResponse>, "OauthTokenResponse"),
        map(
            "page-markdown.json",
            typed::<PageMarkdown>,
            "PageMarkdownResponse",
        ),
        map("page", typed::<Page>, "PageObjectResponse"),
        map(
            "parent-",
            typed::<Parent>,
            "ParentForBlockBasedObjectResponse",
        ),
        map(
            "property-item-list-",
            typed::<GetPagePropertyResponse>,
            "PropertyItemListResponse",
        ),
        map(
            "property-item-",
            typed::<GetPagePropertyResponse>,
            "PropertyItemObjectResponse",
        ),
        map(
            "property-schema-",
            typed::<BTreeMap<String, PropertySchema>>,
            "DataSourcePropertiesMap",
        ),
        map(
            "property-value-",
            typed::<BTreeMap<String, PropertyValue>>,
            "PagePropertiesMap",
        ),
        list(
            "query-data-source-",
            typed::<SearchResponse>,
            "QueryDataSourceResponse",
        ),
        map("rich-text-", typed::<RichText>, "RichTextItemResponse"),
        list(
            "search-results.json",
            typed::<SearchResponse>,
            "SearchResponse",
        ),
        map("user-", typed::<User>, "UserObjectResponse"),
        map("view-query.json", typed::<ViewQuery>, "ViewQueryResponse"),
        map("view.json", typed::<View>, "DataSourceViewObjectResponse"),
        map(
            "webhook-page-created.json",
            typed::<WebhookEvent>,
            "PageCreatedWebhookPayload",
        ),
    ]
}

/// The full schema for a list item, by its `object`.
fn item_schema(item: &Value) -> Result<&'static str, String> {
    match item.get("object").and_then(Value::as_str) {
        Some("block") => Ok("BlockObjectResponse"),
        Some("page") => Ok("PageObjectResponse"),
        Some("data_source") => Ok("DataSourceObjectResponse"),
        Some("comment") => Ok("CommentObjectResponse"),
        Some("user") => Ok("UserObjectResponse"),
        other => Err(format!("no item schema for object {other:?}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Schemas and allowances.

fn schema_bundle(name: &str) -> Value {
    static CACHE: OnceLock<std::sync::Mutex<HashMap<String, Value>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap();
    cache
        .entry(name.to_owned())
        .or_insert_with(|| {
            let path = fixtures()
                .join("schemas")
                .join(format!("{name}.schema.json"));
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
        })
        .clone()
}

/// The schema for `Name` or `Name#/definitions/X`.
fn schema(spec: &str) -> Value {
    match spec.split_once('#') {
        None => schema_bundle(spec),
        Some((file, pointer)) => {
            let bundle = schema_bundle(file);
            json!({
                "$schema": bundle["$schema"],
                "$ref": format!("#{pointer}"),
                "definitions": bundle["definitions"],
            })
        }
    }
}

/// Allowance `error-code`: adds one documented code to the SDK's error-code enum.
fn allow_error_code(schema: &mut Value, code: &str) {
    let defs = schema["definitions"].as_object_mut().unwrap();
    let body = defs.get_mut("APIErrorResponseBody").unwrap();
    body["properties"]["code"]["enum"]
        .as_array_mut()
        .unwrap()
        .push(json!(code));
}

/// Allowance `property-schema-type`: adds a union member for an empty-config property type.
fn allow_property_schema_type(schema: &mut Value, type_name: &str) {
    let defs = schema["definitions"].as_object_mut().unwrap();
    let union = defs
        .get_mut("DatabasePropertyConfigResponse")
        .expect("schema has DatabasePropertyConfigResponse")["anyOf"]
        .as_array_mut()
        .unwrap();
    // Take the SDK's own `checkbox` member (EmptyObject config) and rename its type.
    let checkbox = union
        .iter()
        .find(|m| m["properties"]["type"]["const"] == "checkbox")
        .cloned()
        .unwrap();
    let mut member = checkbox;
    let props = member["properties"].as_object_mut().unwrap();
    let config = props.remove("checkbox").unwrap();
    props.insert("type".into(), json!({"type": "string", "const": type_name}));
    props.insert(type_name.into(), config);
    let required = member["required"].as_array_mut().unwrap();
    required.retain(|r| r != "checkbox");
    required.push(json!(type_name));
    union.push(member);
}

/// Allowance `archived`: `archived = in_trash` on objects that need it (top level and results).
fn add_archived(value: &mut Value) -> usize {
    let mut added = 0;
    let mut patch = |object: &mut Value| {
        let Some(map) = object.as_object_mut() else {
            return;
        };
        let kind = map
            .get("object")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !OBJECTS_WITH_ARCHIVED.contains(&kind) || map.contains_key("archived") {
            return;
        }
        if let Some(in_trash) = map.get("in_trash").cloned() {
            map.insert("archived".into(), in_trash);
            added += 1;
        }
    };
    patch(value);
    if let Some(results) = value.get_mut("results").and_then(Value::as_array_mut) {
        results.iter_mut().for_each(&mut patch);
    }
    added
}

/// Objects lacking `archived` that need it, at the top level or in results.
fn missing_archived(value: &Value) -> usize {
    let mut copy = value.clone();
    add_archived(&mut copy)
}

/// Property-schema types used in the instance that the SDK union lacks.
fn sdk_missing_schema_types(spec: &str, value: &Value) -> Vec<&'static str> {
    let maps: Vec<&serde_json::Map<String, Value>> = if spec.starts_with("DataSourcePropertiesMap")
    {
        value.as_object().into_iter().collect()
    } else {
        // Property schemas live on data sources (top level or list results).
        let results = value
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        std::iter::once(value)
            .chain(results)
            .filter(|object| object.get("object") == Some(&json!("data_source")))
            .filter_map(|object| object.get("properties").and_then(Value::as_object))
            .collect()
    };
    let mut found: Vec<&'static str> = maps
        .iter()
        .flat_map(|m| m.values())
        .filter_map(|p| p.get("type").and_then(Value::as_str))
        .filter_map(|t| {
            SCHEMA_TYPES_MISSING_FROM_SDK
                .iter()
                .copied()
                .find(|m| *m == t)
        })
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// Validates `instance` against `spec`, applying the allowances that apply; returns the
/// allowances used.
fn validate(
    file: &str,
    spec: &str,
    instance: &Value,
    version: &str,
) -> Result<Vec<String>, String> {
    let mut allowances = Vec::new();
    let mut instance = instance.clone();
    let mut schema = schema(spec);

    let missing = missing_archived(&instance);
    if missing > 0 {
        if version != "2026-03-11" {
            return Err(format!(
                "{missing} object(s) lack `archived` in a {version} response"
            ));
        }
        add_archived(&mut instance);
        allowances.push(format!(
            "archived (added from in_trash on {missing} object(s))"
        ));
    }

    if spec == "APIErrorResponseBody" {
        let code = instance["code"].as_str().unwrap_or_default().to_owned();
        if CODES_MISSING_FROM_SDK.contains(&code.as_str()) {
            allow_error_code(&mut schema, &code);
            allowances.push(format!("error-code `{code}`"));
        }
    }

    for type_name in sdk_missing_schema_types(spec, &instance) {
        allow_property_schema_type(&mut schema, type_name);
        allowances.push(format!("property-schema-type `{type_name}`"));
    }

    let validator =
        jsonschema::validator_for(&schema).map_err(|e| format!("schema {spec}: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if !errors.is_empty() {
        return Err(format!("{file} against {spec}: {}", errors.join("; ")));
    }
    Ok(allowances)
}

/// `Notion-Version` of each example, from the provenance table.
fn versions() -> HashMap<String, String> {
    let text = std::fs::read_to_string(fixtures().join("notion-api/PROVENANCE.md")).unwrap();
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | `file` | source | version | note |
            let file = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let version = cells.get(3)?;
            file.ends_with(".json")
                .then(|| (file.to_owned(), (*version).to_owned()))
        })
        .collect()
}

#[test]
fn every_example_round_trips_and_validates() {
    let dir = fixtures().join("notion-api/examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        200,
        "the example set changed; review this test"
    );

    let mappings = mappings();
    let versions = versions();
    let mut failures = Vec::new();
    let mut log = String::new();
    let mut validated = 0;
    let mut items_validated = 0;

    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let Some(mapping) = mappings.iter().find(|m| name.starts_with(m.prefix)) else {
            failures.push(format!("{name}: no mapping to a model type"));
            continue;
        };
        let Some(version) = versions.get(name) else {
            failures.push(format!("{name}: not listed in PROVENANCE.md"));
            continue;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let original: Value = serde_json::from_str(&text).unwrap();

        let serialized = match (mapping.decode)(&text) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        if serialized != original {
            failures.push(format!(
                "{name}: round trip changed the value:\n{serialized:#}"
            ));
            continue;
        }

        match validate(name, mapping.schema, &serialized, version) {
            Ok(allowances) => {
                validated += 1;
                for allowance in allowances {
                    writeln!(log, "{name}: {allowance}").unwrap();
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }

        if mapping.items {
            for (i, item) in serialized["results"].as_array().unwrap().iter().enumerate() {
                let outcome = item_schema(item)
                    .and_then(|spec| validate(name, spec, item, version).map(|a| (spec, a)));
                match outcome {
                    Ok((spec, allowances)) => {
                        items_validated += 1;
                        for allowance in allowances {
                            writeln!(log, "{name} results[{i}] ({spec}): {allowance}").unwrap();
                        }
                    }
                    Err(e) => failures.push(format!("{name} results[{i}]: {e}")),
                }
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(validated, 200);
    writeln!(
        log,
        "-- {validated} files validated, {items_validated} list items validated"
    )
    .unwrap();
    insta::assert_snapshot!("allowances", log);
}

#[test]
fn every_mapping_is_used() {
    let names: Vec<String> = std::fs::read_dir(fixtures().join("notion-api/examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mappings = mappings();
    for (i, m) in mappings.iter().enumerate() {
        let used = names.iter().any(|n| {
            // the first matching mapping for this name must be this one
            mappings
                .iter()
                .position(|other| n.starts_with(other.prefix))
                == Some(i)
        });
        assert!(used, "mapping `{}` matches no example", m.prefix);
    }
}

#[test]
fn allowances_are_needed_where_applied() {
    // Without the allowance, the SDK schema rejects a 2026-03-11 block, an undocumented-in-SDK
    // error code and a `button` property schema: the allowances are not vacuous.
    let block: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("notion-api/examples/block-paragraph.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema("BlockObjectResponse")).unwrap();
    assert!(!validator.is_valid(&block));

    let error =
        json!({"object": "error", "status": 400, "code": "missing_version", "message": "m"});
    let validator = jsonschema::validator_for(&schema("APIErrorResponseBody")).unwrap();
    assert!(!validator.is_valid(&error));

    let button =
        json!({"B": {"id": "b", "name": "B", "description": null, "type": "button", "button": {}}});
    let validator = jsonschema::validator_for(&schema("DataSourcePropertiesMap")).unwrap();
    assert!(!validator.is_valid(&button));

    // And with them, a wrong shape is still rejected.
    let mut patched = schema("DataSourcePropertiesMap");
    allow_property_schema_type(&mut patched, "button");
    let validator = jsonschema::validator_for(&patched).unwrap();
    assert!(validator.is_valid(&button));
    let broken = json!({"B": {"id": "b", "name": "B", "type": "button", "button": {}}});
    assert!(
        !validator.is_valid(&broken),
        "description is still required"
    );
    let mut patched = schema("APIErrorResponseBody");
    allow_error_code(&mut patched, "missing_version");
    let validator = jsonschema::validator_for(&patched).unwrap();
    assert!(validator.is_valid(&error));
    assert!(!validator.is_valid(&json!({"code": "no_such_code", "message": "m"})));
}

#[test]
fn list_fixtures_decode_as_raw_values() {
    use serde_json::value::RawValue;
    let text = std::fs::read_to_string(
        fixtures().join("notion-api/examples/list-block-children-page1.json"),
    )
    .unwrap();
    let list: List<Box<RawValue>> = serde_json::from_str(&text).unwrap();
    assert_eq!(list.results.len(), 2);
    assert!(list.has_more());
    assert_eq!(
        list.next_cursor(),
        Some("393abc1e-edcd-817b-900d-c75ec8d2f272")
    );
    assert_eq!(list.list_type.as_deref(), Some("block"));
    assert_eq!(
        list.request_id.as_deref(),
        Some("83eecdcc-3631-4b27-ac6f-5c898683d65c")
    );
    // Each result is the exact text of the input, decodable later.
    let first: Block = serde_json::from_str(list.results[0].get()).unwrap();
    assert_eq!(first.plain_text(), "paragraph 0");
    assert!(
        text.contains(list.results[1].get()) || {
            let a: Value = serde_json::from_str(list.results[1].get()).unwrap();
            let b: Value = serde_json::from_str(&text).unwrap();
            a == b["results"][1]
        }
    );
    // And it writes back to the same value.
    let back: Value = serde_json::from_str(&serde_json::to_string(&list).unwrap()).unwrap();
    let original: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back, original);

    // Every list fixture decodes this way.
    for entry in std::fs::read_dir(fixtures().join("notion-api/examples")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        if value.get("object") == Some(&json!("list")) {
            let list: List<Box<RawValue>> = serde_json::from_str(&text).unwrap();
            assert_eq!(
                list.results.len(),
                value["results"].as_array().unwrap().len(),
                "{path:?}"
            );
        }
    }
}

#[test]
fn constructed_objects_validate_against_the_sdk_schemas() {
    use notion_model::block::BlockKind;
    use notion_model::property::{PropertySchemaKind, SelectConfig};
    use notion_model::{ApiVersion, DataSourceRef, Id, PropertyValue, Timestamp};

    let at: Timestamp = "2026-07-04T09:08:31.250Z".parse().unwrap();
    let user = Id::from_u128(0xee5f_0f84);
    let page_id = Id::from_u128(0x5983_3787);
    let kinds = [
        BlockKind::paragraph("text"),
        BlockKind::heading(2, "heading"),
        BlockKind::bulleted_list_item("item"),
        BlockKind::numbered_list_item("item"),
        BlockKind::to_do("to do", true),
        BlockKind::toggle("toggle"),
        BlockKind::quote("quote"),
        BlockKind::code("fn main() {}", "rust"),
        BlockKind::child_page("child"),
        BlockKind::child_database("db"),
        BlockKind::divider(),
        BlockKind::image(notion_model::FileKind::external(
            "https://example.com/a.png",
        )),
    ];
    for version in ApiVersion::SUPPORTED {
        for (i, kind) in kinds.iter().enumerate() {
            let mut block = Block::new(
                Id::from_u128(i as u128 + 1),
                Parent::page(page_id),
                kind.clone(),
            )
            .with_created(at.truncated_to_minute(), user)
            .with_last_edited(at.truncated_to_minute(), user);
            block.adapt_to(version);
            let value = serde_json::to_value(&block).unwrap();
            // 2026-03-11 objects lack `archived`: the documented allowance applies.
            let allowances = validate(
                "constructed block",
                "BlockObjectResponse",
                &value,
                version.as_str(),
            )
            .unwrap();
            assert_eq!(
                allowances.is_empty(),
                version.has_archived(),
                "{version} {allowances:?}"
            );
        }

        let mut properties = BTreeMap::new();
        properties.insert("Name".to_owned(), PropertyValue::title("Launch"));
        let mut page = Page::new(
            Id::from_u128(9),
            Parent::data_source(Id::from_u128(10), Id::from_u128(11)),
            properties,
        )
        .with_created(at.clone(), user)
        .with_last_edited(at.clone(), user);
        page.adapt_to(version);
        validate(
            "constructed page",
            "PageObjectResponse",
            &serde_json::to_value(&page).unwrap(),
            version.as_str(),
        )
        .unwrap();

        let mut database = Database::new(
            Id::from_u128(11),
            Parent::page(page_id),
            "Tasks",
            vec![DataSourceRef::new(Id::from_u128(10), "Tasks")],
        );
        database.created_time = Some(at.clone());
        database.last_edited_time = Some(at.clone());
        database.adapt_to(version);
        validate(
            "constructed database",
            "DatabaseObjectResponse",
            &serde_json::to_value(&database).unwrap(),
            version.as_str(),
        )
        .unwrap();

        let mut schemas = BTreeMap::new();
        schemas.insert(
            "Name".to_owned(),
            PropertySchema::new(
                "title",
                "Name",
                PropertySchemaKind::Title(Default::default()),
            ),
        );
        schemas.insert(
            "Tags".to_owned(),
            PropertySchema::new(
                "tags",
                "Tags",
                PropertySchemaKind::MultiSelect(SelectConfig {
                    options: Some(vec![]),
                    ..Default::default()
                }),
            ),
        );
        let mut data_source =
            DataSource::new(Id::from_u128(10), Id::from_u128(11), "Tasks", schemas);
        data_source.database_parent = Some(Parent::page(page_id));
        data_source.created_time = Some(at.clone());
        data_source.last_edited_time = Some(at.clone());
        data_source.created_by = Some(User::partial(user));
        data_source.last_edited_by = Some(User::partial(user));
        data_source.adapt_to(version);
        validate(
            "constructed data source",
            "DataSourceObjectResponse",
            &serde_json::to_value(&data_source).unwrap(),
            version.as_str(),
        )
        .unwrap();

        let list = List::new(
            "page_or_data_source",
            vec![SearchResult::Page(Box::new(page))],
            None,
        );
        validate(
            "constructed list",
            "QueryDataSourceResponse",
            &serde_json::to_value(&list).unwrap(),
            version.as_str(),
        )
        .unwrap();
    }
}
