//! Validation of served bodies against the SDK-derived JSON schemas in `fixtures/schemas`.
//!
//! The same three documented allowances as the model's fixture test, each applied only where
//! needed:
//!
//! * **archived**: the SDK still requires `archived` on blocks, pages, databases and data
//!   sources; `2026-03-11` responses no longer carry it. For `2026-03-11` bodies a copy gets
//!   `archived = in_trash` on those objects (top level and list results) before validation;
//!   `2025-09-03` bodies must carry `archived` themselves.
//! * **error-code**: the SDK's error-code enum lacks documented codes (`missing_version`,
//!   `invalid_grant`, …); such a code is added to the enum.
//! * **property-schema-type**: the SDK's data-source property union has no `button`, `place`
//!   or `verification` member; one shaped like the SDK's other empty-config members is added.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};

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
const SCHEMA_TYPES_MISSING_FROM_SDK: &[&str] = &["button", "place", "verification"];
const OBJECTS_WITH_ARCHIVED: &[&str] = &["block", "page", "database", "data_source"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn bundle(name: &str) -> Value {
    static CACHE: OnceLock<Mutex<HashMap<String, Value>>> = OnceLock::new();
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

fn allow_error_code(schema: &mut Value, code: &str) {
    let defs = schema["definitions"].as_object_mut().unwrap();
    let body = defs.get_mut("APIErrorResponseBody").unwrap();
    body["properties"]["code"]["enum"]
        .as_array_mut()
        .unwrap()
        .push(json!(code));
}

fn allow_property_schema_type(schema: &mut Value, type_name: &str) {
    let defs = schema["definitions"].as_object_mut().unwrap();
    let Some(union) = defs
        .get_mut("DatabasePropertyConfigResponse")
        .and_then(|u| u["anyOf"].as_array_mut())
    else {
        return;
    };
    let mut member = union
        .iter()
        .find(|m| m["properties"]["type"]["const"] == "checkbox")
        .cloned()
        .unwrap();
    let props = member["properties"].as_object_mut().unwrap();
    let config = props.remove("checkbox").unwrap();
    props.insert("type".into(), json!({"type": "string", "const": type_name}));
    props.insert(type_name.into(), config);
    let required = member["required"].as_array_mut().unwrap();
    required.retain(|r| r != "checkbox");
    required.push(json!(type_name));
    union.push(member);
}

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

fn missing_schema_types(value: &Value) -> Vec<&'static str> {
    let results = value
        .get("results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    let mut found: Vec<&'static str> = std::iter::once(value)
        .chain(results)
        .filter(|o| o.get("object") == Some(&json!("data_source")))
        .filter_map(|o| o.get("properties").and_then(Value::as_object))
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

type Validator = Arc<jsonschema::Validator>;

fn validator(spec: &str, code: Option<&str>, types: &[&str]) -> Validator {
    static CACHE: OnceLock<Mutex<HashMap<String, Validator>>> = OnceLock::new();
    let key = format!("{spec}|{code:?}|{types:?}");
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap().get(&key) {
        return v.clone();
    }
    let mut schema = bundle(spec);
    if let Some(code) = code {
        allow_error_code(&mut schema, code);
    }
    for t in types {
        allow_property_schema_type(&mut schema, t);
    }
    let v = Arc::new(jsonschema::validator_for(&schema).unwrap());
    cache.lock().unwrap().insert(key, v.clone());
    v
}

/// The full schema of a list item, by its `object`.
fn item_schema(item: &Value) -> Option<&'static str> {
    match item.get("object").and_then(Value::as_str) {
        Some("block") => Some("BlockObjectResponse"),
        Some("page") => Some("PageObjectResponse"),
        Some("data_source") => Some("DataSourceObjectResponse"),
        Some("comment") => Some("CommentObjectResponse"),
        Some("user") => Some("UserObjectResponse"),
        Some("property_item") => Some("PropertyItemObjectResponse"),
        _ => None,
    }
}

fn check(spec: &str, instance: &Value, version: &str, what: &str) -> Result<(), String> {
    let mut instance = instance.clone();
    let missing = add_archived(&mut instance.clone());
    if missing > 0 {
        if version != "2026-03-11" {
            return Err(format!(
                "{what}: {missing} object(s) lack `archived` in a {version} response"
            ));
        }
        add_archived(&mut instance);
    }
    let code = if spec == "APIErrorResponseBody" {
        instance["code"]
            .as_str()
            .filter(|c| CODES_MISSING_FROM_SDK.contains(c))
            .map(str::to_owned)
    } else {
        None
    };
    let types = missing_schema_types(&instance);
    let v = validator(spec, code.as_deref(), &types);
    let errors: Vec<String> = v
        .iter_errors(&instance)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{what} against {spec}: {}", errors.join("; ")))
    }
}

/// Validates a body against `spec`, and each list result against its full object schema.
pub fn validate(spec: &str, body: &Value, version: &str, what: &str) -> Result<(), String> {
    check(spec, body, version, what)?;
    if body.get("object") == Some(&json!("list"))
        && let Some(results) = body.get("results").and_then(Value::as_array)
    {
        for (i, item) in results.iter().enumerate() {
            if let Some(item_spec) = item_schema(item) {
                check(item_spec, item, version, &format!("{what} results[{i}]"))?;
            }
        }
    }
    Ok(())
}
