//! Accessors, constructors, version tolerance and Debug output.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;

use notion_model::block::{BlockKind, MeetingNotes};
use notion_model::property::{PropertySchemaKind, PropertyValueKind};
use notion_model::rich_text::plain_text;
use notion_model::{
    ApiVersion, Block, DataSource, DataSourceRef, Database, ErrorBody, ErrorCode,
    GetPagePropertyResponse, Group, Icon, Id, List, Page, Parent, PropertyValue, RichText,
    SearchResponse, SearchResult, Timestamp, TokenResponse, User, UserOrGroup,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn example<T: DeserializeOwned>(name: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/notion-api/examples")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn id(text: &str) -> Id {
    text.parse().unwrap()
}

#[test]
fn transcription_is_read_as_meeting_notes_and_written_back_as_transcription() {
    let mut block: Block = example("block-transcription.json");
    let Some(BlockKind::MeetingNotes(notes)) = &block.kind else {
        panic!("{block:?}")
    };
    assert!(notes.legacy_transcription);
    assert_eq!(notes.status.as_deref(), Some("notes_ready"));
    assert_eq!(block.type_name(), Some("transcription"));
    assert_eq!(block.plain_text(), "Weekly sync");
    let json = serde_json::to_value(&block).unwrap();
    assert_eq!(json["type"], "transcription");
    assert!(json.get("transcription").is_some() && json.get("meeting_notes").is_none());

    // Shaped for 2026-03-11 it becomes meeting_notes, without `archived`.
    block.adapt_to(ApiVersion::V2026_03_11);
    let json = serde_json::to_value(&block).unwrap();
    assert_eq!(json["type"], "meeting_notes");
    assert!(json.get("transcription").is_none() && json.get("archived").is_none());
    assert_eq!(
        json["meeting_notes"]["children"]["summary_block_id"],
        "d81feacc-b036-526d-a59f-f3edf5b4f5eb"
    );

    let mut current: Block = example("block-meeting_notes.json");
    let Some(BlockKind::MeetingNotes(notes)) = &current.kind else {
        panic!()
    };
    assert!(!notes.legacy_transcription);
    current.adapt_to(ApiVersion::V2025_09_03);
    let json = serde_json::to_value(&current).unwrap();
    assert_eq!(json["type"], "transcription");
    assert_eq!(json["archived"], false);
}

#[test]
fn in_trash_and_archived_are_kept_as_sent() {
    let both: Block = example("block-child-page-trashed.json");
    assert_eq!((both.in_trash, both.archived), (Some(true), Some(true)));
    assert!(both.is_trashed());

    let base = json!({"object": "block", "id": "393abc1e-edcd-817b-81a7-f1fcafdcd00b",
                      "type": "divider", "divider": {}});
    let with = |extra: Value| {
        let mut v = base.clone();
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    for (members, trashed) in [
        (json!({"in_trash": true}), true),
        (json!({"archived": true}), true),
        (json!({"in_trash": false, "archived": true}), false), // in_trash wins
        (json!({"in_trash": true, "archived": false}), true),
        (json!({}), false),
    ] {
        let json = with(members.clone());
        let block: Block = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(block.is_trashed(), trashed, "{members}");
        assert_eq!(serde_json::to_value(&block).unwrap(), json, "{members}");
    }

    let page: Page = serde_json::from_value(
        json!({"object": "page", "id": "393abc1e-edcd-81f5-ae94-ec2d55fe98ed", "archived": true}),
    )
    .unwrap();
    assert!(page.is_trashed());
    let database: Database = example("database.json");
    assert!(!database.is_trashed());
    let data_source: DataSource = example("data-source.json");
    assert!(!data_source.is_trashed());
}

#[test]
fn adapt_to_sets_archived_per_version() {
    let mut page = Page::new(
        id("393abc1e-edcd-81f5-ae94-ec2d55fe98ed"),
        Parent::workspace(),
        BTreeMap::new(),
    );
    page.in_trash = Some(true);
    page.adapt_to(ApiVersion::V2025_09_03);
    assert_eq!(page.archived, Some(true));
    page.adapt_to(ApiVersion::V2026_03_11);
    assert_eq!(page.archived, None);
    let mut database = Database::new(Id::from_u128(7), Parent::workspace(), "Tasks", vec![]);
    database.adapt_to(ApiVersion::V2025_09_03);
    assert_eq!(database.archived, Some(false));
}

#[test]
fn page_accessors() {
    let page: Page = example("page.json");
    assert_eq!(page.title(), "Test 2026-07-04 11:08:14.736683");
    assert_eq!(page.title_property().unwrap().0, "title");
    assert_eq!(
        page.parent.as_ref().unwrap().id(),
        Some(id("393abc1e-edcd-80f3-813b-e205934558c6"))
    );

    let page: Page = example("page-in-data-source-all-properties.json");
    assert_eq!(page.title(), "Launch checklist");
    assert_eq!(page.title_property().unwrap().0, "Name");
    assert_eq!(
        page.property("Priority").unwrap().plain_text().as_deref(),
        Some("High")
    );
    assert_eq!(
        page.property("Summary").unwrap().plain_text().as_deref(),
        Some("Launch checklist")
    );
    assert_eq!(
        page.property("Contact email")
            .unwrap()
            .plain_text()
            .as_deref(),
        Some("alex@example.com")
    );
    assert_eq!(page.property("Estimate").unwrap().plain_text(), None);
    let PropertyValueKind::Number(Some(n)) = &page.property("Estimate").unwrap().kind else {
        panic!()
    };
    assert_eq!(n.as_u64(), Some(8));
    let PropertyValueKind::Relation(refs) = &page.property("Projects").unwrap().kind else {
        panic!()
    };
    assert_eq!(refs[0].id, id("dd456007-6c66-4bba-957e-ea501dcda3a6"));
    assert_eq!(page.property("Projects").unwrap().has_more, Some(false));
    let PropertyValueKind::People(people) = &page.property("Owner").unwrap().kind else {
        panic!()
    };
    assert_eq!(
        people[0].id(),
        Some(id("c2f20311-9e54-4d11-8c79-7398424ae41e"))
    );
    let PropertyValueKind::Verification(Some(v)) = &page.property("Verification").unwrap().kind
    else {
        panic!()
    };
    assert_eq!(v.state.as_deref(), Some("verified"));
    assert!(page.property("Nope").is_none());
    assert_eq!(
        page.icon.as_ref().unwrap().as_ref().unwrap().as_emoji(),
        Some("🐞")
    );
    let parent = page.parent.as_ref().unwrap();
    assert_eq!(
        parent.id(),
        Some(id("98024f3c-b1d3-4aec-a301-f01e0dacf023"))
    );
    let partial: Page =
        serde_json::from_value(json!({"object": "page", "id": "393abc1eedcd81f5ae94ec2d55fe98ed"}))
            .unwrap();
    assert_eq!(partial.title(), "");
    assert!(partial.property("Name").is_none());
}

#[test]
fn database_and_data_source_accessors() {
    let database: Database = example("database.json");
    assert_eq!(
        database.title(),
        "Test Database - 2026-07-04 11:08:57.449785"
    );
    assert_eq!(
        database.data_sources.as_ref().unwrap()[0].id,
        id("b71e1213-3d03-46cb-b9c2-db9856a9f42d")
    );
    // The +00:00 timestamp is kept as written.
    assert_eq!(
        database.created_time.as_ref().unwrap().as_str(),
        "2026-07-04T09:08:57.778+00:00"
    );

    let data_source: DataSource = example("data-source.json");
    assert_eq!(
        data_source.title(),
        "Test Data Source - 2026-07-04 11:09:14.284382"
    );
    assert_eq!(data_source.title_property_name(), Some("Name"));
    assert!(matches!(
        data_source.property("Name").unwrap().kind,
        PropertySchemaKind::Title(_)
    ));
    assert!(data_source.property("Missing").is_none());
    assert_eq!(
        data_source.database_parent.as_ref().unwrap().id(),
        Some(id("393abc1e-edcd-81e9-afca-e7cba9d39cff"))
    );
}

#[test]
fn block_text_and_children() {
    let row: Block = example("block-table_row.json");
    assert_eq!(
        row.plain_text(),
        "column 1 content\tcolumn 2 content\tcolumn 3 content"
    );
    assert!(row.rich_text().is_none());
    let child: Block = example("block-child_page.json");
    assert_eq!(child.plain_text(), "Lacinato kale");
    assert!(child.has_children());
    assert!(!child.children_fetchable(), "child pages are read as pages");
    let database: Block = example("block-child_database.json");
    assert!(!database.children_fetchable());
    let toggle: Block = example("block-toggle.json");
    assert!(toggle.children_fetchable());
    assert_eq!(toggle.plain_text(), "Additional project details");
    let code: Block = example("block-code.json");
    assert_eq!(code.plain_text(), "const a = 3");
    let equation: Block = example("block-equation.json");
    assert_eq!(equation.plain_text(), "e=mc^2");
    let mention: Block = example("block-paragraph-mention-date.json");
    assert_eq!(mention.plain_text(), "2022-12-16");
    assert_eq!(mention.rich_text().unwrap().len(), 1);
    let divider: Block = example("block-divider.json");
    assert_eq!(divider.plain_text(), "");
    let file: Block = example("block-file.json");
    let Some(BlockKind::File(media)) = &file.kind else {
        panic!()
    };
    assert_eq!(media.name.as_deref(), Some("doc.txt"));
    assert_eq!(
        media.kind.url(),
        Some("https://companywebsite.com/files/doc.txt")
    );
    let partial: Block = serde_json::from_value(
        json!({"object": "block", "id": "393abc1eedcd81f5ae94ec2d55fe98ed"}),
    )
    .unwrap();
    assert_eq!(partial.type_name(), None);
    assert!(!partial.children_fetchable());
}

#[test]
fn lists_and_unions() {
    let search: SearchResponse = example("search-results.json");
    assert!(!search.has_more());
    assert_eq!(search.next_cursor(), None);
    assert_eq!(search.list_type.as_deref(), Some("page_or_data_source"));
    let SearchResult::Page(page) = &search.results[0] else {
        panic!()
    };
    assert!(page.parent.as_ref().unwrap().is_workspace());
    assert_eq!(search.results[0].object_name(), Some("page"));

    let mut incomplete: Value =
        serde_json::from_str(&serde_json::to_string(&search).unwrap()).unwrap();
    incomplete["request_status"] =
        json!({"type": "incomplete", "incomplete_reason": "query_result_limit_reached"});
    let incomplete: SearchResponse = serde_json::from_value(incomplete).unwrap();
    assert!(incomplete.is_incomplete());
    assert_eq!(
        incomplete
            .request_status
            .unwrap()
            .incomplete_reason
            .as_deref(),
        Some("query_result_limit_reached")
    );

    let other: SearchResult =
        serde_json::from_value(json!({"object": "database", "id": "x"})).unwrap();
    assert!(matches!(other, SearchResult::Unknown(_)));
    assert_eq!(other.object_name(), Some("database"));

    let title: GetPagePropertyResponse = example("property-item-list-title.json");
    let GetPagePropertyResponse::List(list) = title else {
        panic!()
    };
    assert_eq!(list.type_payload.unwrap().id.as_deref(), Some("title"));
    let number: GetPagePropertyResponse = example("property-item-number.json");
    assert!(matches!(number, GetPagePropertyResponse::Item(_)));

    let people: Vec<UserOrGroup> = serde_json::from_value(json!([
        {"object": "user", "id": "c2f20311-9e54-4d11-8c79-7398424ae41e"},
        {"object": "group", "id": "0b5f86c7-0a4e-4a43-9ee3-1b6b1d6a4a3e", "name": "Design"}
    ]))
    .unwrap();
    assert!(matches!(&people[0], UserOrGroup::User(u) if u.is_partial()));
    let UserOrGroup::Group(group) = &people[1] else {
        panic!()
    };
    assert_eq!(
        group,
        &Group::new(id("0b5f86c7-0a4e-4a43-9ee3-1b6b1d6a4a3e"), "Design")
    );

    let users: List<User> = example("list-users.json");
    assert_eq!(users.results[0].email(), Some("person@example.com"));
    let bot = users.results[1].bot_details().unwrap();
    assert_eq!(
        bot.workspace_name.clone().flatten().as_deref(),
        Some("notion-sdk-py")
    );
    assert_eq!(
        bot.workspace_limits
            .as_ref()
            .unwrap()
            .max_file_upload_size_in_bytes,
        Some(5_242_880)
    );
}

#[test]
fn error_bodies() {
    let body: ErrorBody = example("error-rate_limited.json");
    assert_eq!(body.code, ErrorCode::RateLimited);
    assert_eq!(body.status, Some(429));
    assert_eq!(body.retry_after_seconds(), Some(37));
    assert_eq!(
        body.rate_limit_reason(),
        Some("public_api_request_rate_limit")
    );
    assert_eq!(
        body.to_string(),
        "429 rate_limited: You have been rate limited. Please try again in a few minutes."
    );
    let guidance: ErrorBody = example("error-service_unavailable.json");
    assert!(matches!(
        &guidance.additional_data.as_ref().unwrap()["retry_guidance"],
        notion_model::AdditionalValue::List(items) if items.len() == 3
    ));
    assert_eq!(guidance.request_id, None);
    let built = ErrorBody::new(404, ErrorCode::ObjectNotFound, "Could not find page.");
    assert_eq!(
        serde_json::to_value(&built).unwrap(),
        json!({"object": "error", "status": 404, "code": "object_not_found", "message": "Could not find page."})
    );
}

#[test]
fn constructors_build_notion_shaped_objects() {
    let page_id = id("59833787-2cf9-4fdf-8782-e53db20768a5");
    let user = id("ee5f0f84-409a-440f-983a-a5315961c6e4");
    let at: Timestamp = "2026-07-04T09:08:31.250Z".parse().unwrap();
    let mut block = Block::new(
        id("66ea1e5c-82d0-59e2-bf72-14eb55437019"),
        Parent::page(page_id),
        BlockKind::paragraph("Lacinato kale"),
    )
    .with_created(at.truncated_to_minute(), user)
    .with_last_edited(at.truncated_to_minute(), user);
    block.adapt_to(ApiVersion::V2026_03_11);
    // Identical to the documented paragraph example.
    let expected: Value = example("block-paragraph.json");
    let mut expected = expected;
    expected["created_time"] = json!("2026-07-04T09:08:00.000Z");
    expected["last_edited_time"] = json!("2026-07-04T09:08:00.000Z");
    assert_eq!(serde_json::to_value(&block).unwrap(), expected);

    let mut properties = BTreeMap::new();
    properties.insert("Name".to_owned(), PropertyValue::title("Launch"));
    let page = Page::new(
        id("393abc1e-edcd-81f5-ae94-ec2d55fe98ed"),
        Parent::page(page_id),
        properties,
    );
    assert_eq!(page.title(), "Launch");

    let list = List::new("block", vec![block.clone()], Some("cursor-1".into()));
    let json = serde_json::to_value(&list).unwrap();
    assert_eq!(json["has_more"], true);
    assert_eq!(json["next_cursor"], "cursor-1");
    assert_eq!(json["block"], json!({}));

    insta::assert_json_snapshot!("constructed_block", block);
    insta::assert_json_snapshot!("constructed_page", page);

    let data_source = DataSource::new(Id::from_u128(2), Id::from_u128(1), "Tasks", BTreeMap::new());
    assert_eq!(data_source.title(), "Tasks");
    let database = Database::new(
        Id::from_u128(1),
        Parent::workspace(),
        "Tasks",
        vec![DataSourceRef::new(Id::from_u128(2), "Tasks")],
    );
    assert_eq!(database.title(), "Tasks");
    let items = [
        RichText::plain("a"),
        RichText::link("b", "https://example.com"),
        RichText::equation("c"),
    ];
    assert_eq!(plain_text(&items), "abc");
    assert_eq!(items[1].href(), Some("https://example.com"));
    let notes = MeetingNotes {
        legacy_transcription: true,
        ..Default::default()
    };
    assert_eq!(
        BlockKind::MeetingNotes(Box::new(notes)).type_name(),
        "transcription"
    );
    assert_eq!(Icon::emoji("🥬").as_emoji(), Some("🥬"));
}

#[test]
fn token_response_debug_is_redacted() {
    let token: TokenResponse = example("oauth-token-response.json");
    assert_eq!(token.access_token, "ntn_example_access_token");
    assert_eq!(token.refresh_token(), Some("nrt_example_refresh_token"));
    let debug = format!("{token:#?}");
    assert!(!debug.contains("ntn_example_access_token"), "{debug}");
    assert!(!debug.contains("nrt_example_refresh_token"), "{debug}");
    insta::assert_snapshot!("token_response_debug", debug);

    let mut with_secret_extra = token.clone();
    with_secret_extra
        .extra
        .insert("id_token".into(), json!("eyJ-secret"));
    with_secret_extra.refresh_token = Some(None);
    let debug = format!("{with_secret_extra:?}");
    assert!(
        !debug.contains("eyJ-secret") && debug.contains("id_token"),
        "{debug}"
    );
}

#[test]
fn debug_of_an_unknown_block() {
    let block: Block = serde_json::from_value(json!({
        "object": "block", "id": "0c3e9a1b-6f0e-4d2c-9d1a-5b7e2f4a8c10",
        "created_time": "2026-11-20T10:15:00.000Z", "type": "hologram", "hologram": {"depth": 3}
    }))
    .unwrap();
    insta::assert_debug_snapshot!("unknown_block_debug", block);
}

#[test]
fn versions_parse_from_json() {
    let v: ApiVersion = serde_json::from_value(json!("2025-09-03")).unwrap();
    assert_eq!(v, ApiVersion::V2025_09_03);
    assert!(serde_json::from_value::<ApiVersion>(json!("2026-04-01")).is_err());
    let user = User::partial(Id::NIL);
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        json!({"object": "user", "id": "00000000-0000-0000-0000-000000000000"})
    );
}
