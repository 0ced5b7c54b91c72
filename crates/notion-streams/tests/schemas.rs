//! The checked-in stream schemas and connector specification match what the code generates.

use std::path::Path;

#[test]
fn checked_in_schemas_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (path, generated) in notion_streams::schema::generated_files() {
        let on_disk = std::fs::read_to_string(root.join(&path)).unwrap_or_default();
        if on_disk != generated {
            stale.push(path);
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}: run `cargo xtask schemas` and commit the result"
    );
}

#[test]
fn stream_schemas_are_valid_draft7_with_declared_keys() {
    for stream in notion_streams::StreamName::ALL {
        let schema = notion_streams::schema::stream_schema(stream);
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        jsonschema::draft7::new(&schema).expect("a valid draft-07 schema");
        let props = schema["properties"].as_object().expect("properties");
        assert!(
            props.contains_key("id"),
            "{stream} declares its primary key"
        );
        if stream.is_incremental() {
            assert!(
                props.contains_key("last_edited_time"),
                "{stream} declares its cursor"
            );
        }
        assert!(
            props.contains_key("_extra"),
            "{stream} declares the catch-all"
        );
        let text = schema.to_string();
        assert!(!text.contains("$ref"), "{stream}: no unresolved $ref");
        assert!(!text.contains("allOf"), "{stream}: no allOf");
    }
}

#[test]
fn spec_marks_every_secret() {
    let spec = notion_streams::schema::spec();
    let creds = &spec["connectionSpecification"]["properties"]["credentials"];
    let variants = creds["oneOf"].as_array().expect("credentials oneOf");
    assert_eq!(variants.len(), 2);
    for v in variants {
        let props = v["properties"].as_object().expect("properties");
        assert!(
            props["auth_type"]["const"].is_string(),
            "auth_type is a const"
        );
        for (name, p) in props {
            if name != "auth_type" {
                assert_eq!(p["airbyte_secret"], true, "{name} is marked secret");
            }
        }
    }
}
