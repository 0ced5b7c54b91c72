//! Objects of types Notion does not have yet (`fixtures/unknown`) round-trip exactly and land
//! in the `Unknown` variants with their type names; unknown members land in `extra`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use notion_model::api_error::AdditionalValue;
use notion_model::block::BlockKind;
use notion_model::property::{
    FormulaKind, PropertySchema, PropertySchemaKind, PropertyValue, PropertyValueKind, RollupKind,
};
use notion_model::rich_text::{MentionKind, RichTextKind};
use notion_model::{
    Block, Color, Comment, DataSource, Database, ErrorBody, ErrorCode, FileKind, Icon, IconKind,
    List, NamedFile, Page, Parent, ParentKind, RichText, User, UserKind,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/unknown")
}

/// Decodes a fixture, checks it writes back to the same value, and returns the model.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let text = std::fs::read_to_string(dir().join(name)).unwrap();
    let model: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let original: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        serde_json::to_value(&model).unwrap(),
        original,
        "{name} changed in a round trip"
    );
    // A second pass through `Value` (not text) gives the same result.
    let again: T = serde_json::from_value(original.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(&again).unwrap(),
        original,
        "{name} via Value"
    );
    model
}

fn unknown_payload<'a>(
    type_name: &'a str,
    payload: &'a Option<Value>,
) -> (&'a str, Option<&'a Value>) {
    (type_name, payload.as_ref())
}

fn check(name: &str) {
    match name {
        "block-unknown-type-with-payload.json" => {
            let block: Block = round_trip(name);
            let Some(BlockKind::Unknown { type_name, payload }) = &block.kind else {
                panic!("{block:?}")
            };
            let (type_name, payload) = unknown_payload(type_name, payload);
            assert_eq!(type_name, "hologram");
            assert_eq!(payload.unwrap()["depth"], 3);
            assert_eq!(block.type_name(), Some("hologram"));
            assert!(block.children_fetchable());
            assert_eq!(block.plain_text(), "");
            assert!(block.extra.is_empty());
        }
        "block-unknown-type-without-payload.json" => {
            let block: Block = round_trip(name);
            let Some(BlockKind::Unknown { type_name, payload }) = &block.kind else {
                panic!("{block:?}")
            };
            assert_eq!(type_name, "spacer");
            assert_eq!(payload, &None);
            assert!(!block.children_fetchable());
        }
        "block-known-type-extra-members.json" => {
            let block: Block = round_trip(name);
            let Some(BlockKind::Paragraph(paragraph)) = &block.kind else {
                panic!("{block:?}")
            };
            assert_eq!(
                block.extra.keys().collect::<Vec<_>>(),
                ["collaborators", "is_locked", "request_id", "word_count"]
            );
            assert_eq!(
                block.parent.as_ref().unwrap().extra["page_title_hint"],
                "Recipes"
            );
            assert_eq!(paragraph.extra["alignment"], "center");
            assert_eq!(
                paragraph.color,
                Some(Color::Unknown("teal_background".into()))
            );
            let item = &paragraph.rich_text.as_ref().unwrap()[0];
            assert_eq!(item.extra["spellcheck"], json!({"ok": true}));
            assert_eq!(item.annotations.as_ref().unwrap().extra["font"], "serif");
            let RichTextKind::Text(text) = &item.kind else {
                panic!()
            };
            assert_eq!(text.extra["lang"], "en");
            assert_eq!(block.plain_text(), "Kale");
        }
        "property-value-unknown-type.json" => {
            let values: BTreeMap<String, PropertyValue> = round_trip(name);
            let PropertyValueKind::Unknown { type_name, payload } = &values["Mood"].kind else {
                panic!()
            };
            assert_eq!(type_name, "mood");
            assert_eq!(payload.as_ref().unwrap()["score"], 0.8);
            assert_eq!(values["Mood"].id.as_deref(), Some("m%3Fod"));
            let PropertyValueKind::Unknown { type_name, payload } = &values["Reminder"].kind else {
                panic!()
            };
            assert_eq!((type_name.as_str(), payload), ("reminder", &None));
            let PropertyValueKind::Formula(formula) = &values["Score"].kind else {
                panic!()
            };
            let FormulaKind::Unknown { type_name, .. } = &formula.kind else {
                panic!()
            };
            assert_eq!(type_name, "duration");
            let PropertyValueKind::Rollup(rollup) = &values["Total"].kind else {
                panic!()
            };
            let RollupKind::Unknown { type_name, payload } = &rollup.kind else {
                panic!()
            };
            assert_eq!(type_name, "histogram");
            assert_eq!(payload.as_ref().unwrap(), &json!([1, 2, 3]));
            assert_eq!(rollup.function.as_deref(), Some("histogram"));
        }
        "property-schema-unknown-type.json" => {
            let schemas: BTreeMap<String, PropertySchema> = round_trip(name);
            let PropertySchemaKind::Unknown { type_name, payload } = &schemas["Mood"].kind else {
                panic!()
            };
            assert_eq!(type_name, "mood");
            assert_eq!(payload.as_ref().unwrap()["scale"], 5);
            assert_eq!(schemas["Last visited"].type_name(), "last_visited_time");
            assert!(schemas["Last visited"].kind.is_unknown());
        }
        "rich-text-mention-unknown-type.json" => {
            let item: RichText = round_trip(name);
            let RichTextKind::Mention(mention) = &item.kind else {
                panic!()
            };
            let MentionKind::Unknown { type_name, payload } = &mention.kind else {
                panic!()
            };
            assert_eq!(type_name, "reminder");
            assert_eq!(payload.as_ref().unwrap()["notify"], "1_day_before");
            assert_eq!(item.text(), "@Reminder December 1, 2026");
        }
        "rich-text-unknown-type.json" => {
            let item: RichText = round_trip(name);
            assert_eq!(item.kind.type_name(), "footnote");
            assert!(item.kind.is_unknown());
            assert_eq!(item.text(), "[3]");
        }
        "icon-unknown-type.json" => {
            let icon: Icon = round_trip(name);
            let IconKind::Unknown { type_name, payload } = &icon.kind else {
                panic!()
            };
            assert_eq!(type_name, "sticker");
            assert_eq!(payload.as_ref().unwrap()["animated"], true);
            assert_eq!(icon.as_emoji(), None);
        }
        "parent-unknown-type.json" => {
            let parent: Parent = round_trip(name);
            let ParentKind::Unknown { type_name, payload } = &parent.kind else {
                panic!()
            };
            assert_eq!(type_name, "teamspace_id");
            assert_eq!(
                payload.as_ref().unwrap(),
                "2f6c8a0e-1b3d-4e5f-8a9b-0c1d2e3f4a5b"
            );
            assert_eq!(parent.id(), None);
        }
        "file-object-unknown-type.json" => {
            let file: NamedFile = round_trip(name);
            let FileKind::Unknown { type_name, .. } = &file.kind else {
                panic!()
            };
            assert_eq!(type_name, "drive");
            assert_eq!(file.name.as_deref(), Some("Budget.xlsx"));
            assert_eq!(file.kind.url(), None);
        }
        "page-extra-members.json" => {
            let page: Page = round_trip(name);
            assert_eq!(
                page.extra.keys().collect::<Vec<_>>(),
                ["is_verified", "template_source", "word_count"]
            );
            assert_eq!(page.extra["word_count"], Value::Null);
            assert_eq!(
                page.icon.as_ref().unwrap().as_ref().unwrap().extra["skin_tone"],
                Value::Null
            );
            assert_eq!(page.property("Name").unwrap().extra["truncated"], false);
            let projects = page.property("Projects").unwrap();
            assert_eq!(projects.has_more, Some(true));
            let PropertyValueKind::Relation(refs) = &projects.kind else {
                panic!()
            };
            assert_eq!(refs[0].extra["title_hint"], "Launch");
            let editor = page.last_edited_by.as_ref().unwrap();
            assert!(matches!(editor.kind, Some(UserKind::Bot(_))));
            assert!(!page.is_trashed());
        }
        "database-extra-members.json" => {
            let database: Database = round_trip(name);
            assert_eq!(
                database.extra.keys().collect::<Vec<_>>(),
                ["default_view_id", "sharing"]
            );
            assert_eq!(
                database.data_sources.as_ref().unwrap()[0].extra["row_count"],
                12
            );
            assert!(database.parent.as_ref().unwrap().is_workspace());
        }
        "data-source-extra-members.json" => {
            let data_source: DataSource = round_trip(name);
            assert_eq!(
                data_source.extra.keys().collect::<Vec<_>>(),
                ["sync_source"]
            );
            assert_eq!(data_source.property("Name").unwrap().extra["visible"], true);
            let PropertySchemaKind::Status(status) = &data_source.property("Status").unwrap().kind
            else {
                panic!()
            };
            assert_eq!(
                status.extra["default_option_id"],
                "330aeafb-598c-4e1c-bc13-1148aa5963d3"
            );
            let option = &status.options.as_ref().unwrap()[0];
            assert_eq!(option.color, Some(Color::Unknown("teal".into())));
            assert_eq!(option.extra["archived"], false);
            assert_eq!(data_source.title_property_name(), Some("Name"));
        }
        "user-extra-members.json" => {
            let user: User = round_trip(name);
            assert_eq!(user.extra["is_guest"], false);
            assert_eq!(
                user.person_details().unwrap().extra["timezone"],
                "Europe/Paris"
            );
            assert_eq!(user.email(), Some("person@example.com"));
        }
        "comment-extra-members.json" => {
            let comment: Comment = round_trip(name);
            assert_eq!(
                comment.extra.keys().collect::<Vec<_>>(),
                ["reactions", "resolved"]
            );
            assert_eq!(
                comment.display_name.as_ref().unwrap().name_type.as_deref(),
                Some("agent")
            );
            assert_eq!(
                comment.attachments.as_ref().unwrap()[0].category.as_deref(),
                Some("spreadsheet")
            );
        }
        "list-extra-members.json" => {
            let list: List<Block> = round_trip(name);
            assert_eq!(list.extra.keys().collect::<Vec<_>>(), ["cursor_expires_at"]);
            assert_eq!(list.type_payload, Some(json!({"total_hint": 0})));
            assert_eq!(
                list.request_id.as_deref(),
                Some("cab23bce-99fa-4823-acd2-0e3f3e9c6b12")
            );
        }
        "error-unknown-code.json" => {
            let body: ErrorBody = round_trip(name);
            assert_eq!(body.code, ErrorCode::Unknown("quota_exceeded".into()));
            assert_eq!(body.status, Some(422));
            let data = body.additional_data.as_ref().unwrap();
            assert_eq!(data["quota"], AdditionalValue::Text("blocks".into()));
            assert_eq!(data["limits"], AdditionalValue::List(vec!["1000".into()]));
            assert_eq!(
                data["details"],
                AdditionalValue::Other(json!({"used": 1001}))
            );
            assert_eq!(body.extra.keys().collect::<Vec<_>>(), ["docs_url"]);
        }
        other => panic!("{other}: add an expectation for this fixture"),
    }
}

#[test]
fn every_unknown_fixture_round_trips_into_unknown_variants() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 17, "{names:?}");
    for name in &names {
        check(name);
    }
}

#[test]
fn unexpected_nulls_are_kept() {
    // `has_children` is never null in Notion's responses; if it were, the null must survive.
    let json = json!({"object": "block", "id": "7b2c4d6e-8f10-4a12-b314-c5d6e7f80912",
                      "has_children": null, "type": "divider", "divider": {}});
    let block: Block = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(block.has_children, None);
    assert_eq!(block.extra["has_children"], Value::Null);
    assert_eq!(serde_json::to_value(&block).unwrap(), json);
}

#[test]
fn known_type_without_its_payload_is_kept_as_unknown() {
    let json =
        json!({"object": "block", "id": "7b2c4d6e-8f10-4a12-b314-c5d6e7f80912", "type": "divider"});
    let block: Block = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(block.type_name(), Some("divider"));
    assert!(block.kind.as_ref().unwrap().is_unknown());
    assert_eq!(serde_json::to_value(&block).unwrap(), json);
}

#[test]
fn a_malformed_known_payload_is_an_error_naming_the_type() {
    let json = json!({"object": "block", "id": "7b2c4d6e-8f10-4a12-b314-c5d6e7f80912",
                      "type": "table", "table": {"table_width": "three"}});
    let err = serde_json::from_value::<Block>(json)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`table` payload"), "{err}");
}
