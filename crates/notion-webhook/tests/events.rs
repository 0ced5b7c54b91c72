//! Events as Notion sends them, and what each asks to read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use notion_webhook::{
    Comments, Delivery, Disposition, Entity, EntityKind, Event, EventKind, PageReads, Target,
};
use serde_json::{Value, json};

/// The documented `page.created` payload (fixtures/notion-api/examples).
const PAGE_CREATED: &str =
    include_str!("../../../fixtures/notion-api/examples/webhook-page-created.json");

fn id(text: &str) -> notion_model::Id {
    text.parse().unwrap()
}

fn event(value: Value) -> Event {
    Event::parse(value.to_string().as_bytes()).unwrap()
}

#[test]
fn the_documented_payload_reads_completely() {
    let Delivery::Event(e) = Delivery::parse(PAGE_CREATED.as_bytes()).unwrap() else {
        panic!("an event")
    };
    assert_eq!(e.id, "367cba44-b6f3-4c92-81e7-6a2e9659efd4");
    assert_eq!(e.kind, EventKind::PageCreated);
    assert_eq!(e.timestamp.as_deref(), Some("2024-12-05T23:55:34.285Z"));
    assert_eq!(
        e.entity,
        Some(Entity {
            id: id("153104cd-477e-809d-8dc4-ff2d96ae3090"),
            kind: EntityKind::Page
        })
    );
    assert_eq!(
        e.parent,
        Some(Entity {
            id: id("36cc9195-760f-4fff-a67e-3a46c559b176"),
            kind: EntityKind::Database
        })
    );
    assert_eq!(
        e.parent_data_source,
        Some(id("98024f3c-b1d3-4aec-a301-f01e0dacf023"))
    );
    assert_eq!(e.attempt_number, Some(1));
    assert_eq!(e.api_version.as_deref(), Some("2025-09-03"));
    assert_eq!(
        e.disposition(),
        Disposition::Read(vec![Target::Page {
            id: id("153104cd-477e-809d-8dc4-ff2d96ae3090"),
            reads: PageReads::everything(),
        }])
    );
}

const PAGE: &str = "153104cd-477e-809d-8dc4-ff2d96ae3090";
const BLOCK: &str = "1c3104cd-477e-80aa-8dc4-ff2d96ae3091";
const SOURCE: &str = "98024f3c-b1d3-4aec-a301-f01e0dacf023";
const DATABASE: &str = "36cc9195-760f-4fff-a67e-3a46c559b176";

fn page_event(kind: &str) -> Event {
    event(json!({
        "id": "e", "type": kind, "timestamp": "2026-11-02T09:00:00.000Z",
        "entity": {"id": PAGE, "type": "page"},
        "data": {"parent": {"id": DATABASE, "type": "database", "data_source_id": SOURCE}}
    }))
}

#[test]
fn page_events_read_what_changed() {
    let page = |reads| {
        Disposition::Read(vec![Target::Page {
            id: id(PAGE),
            reads,
        }])
    };
    for (kind, expected) in [
        ("page.created", page(PageReads::everything())),
        ("page.undeleted", page(PageReads::everything())),
        ("page.content_updated", page(PageReads::content())),
        (
            "page.transcription_block.transcript_deleted",
            page(PageReads::content()),
        ),
        ("page.properties_updated", page(PageReads::page())),
        ("page.moved", page(PageReads::page())),
        ("page.deleted", page(PageReads::page())),
        ("page.locked", page(PageReads::page())),
        ("page.unlocked", page(PageReads::page())),
    ] {
        assert_eq!(page_event(kind).disposition(), expected, "{kind}");
    }
    // Without a page entity there is nothing to read.
    let e =
        event(json!({"id": "e", "type": "page.moved", "entity": {"id": PAGE, "type": "block"}}));
    assert!(matches!(e.disposition(), Disposition::Incomplete(_)));
}

#[test]
fn comment_events_read_the_comments_of_their_block() {
    let on_block = event(json!({
        "id": "e", "type": "comment.created",
        "entity": {"id": "2c3104cd-477e-80aa-8dc4-ff2d96ae3092", "type": "comment"},
        "data": {"page_id": PAGE, "parent": {"id": BLOCK, "type": "block"}}
    }));
    assert_eq!(
        on_block.disposition(),
        Disposition::Read(vec![Target::Page {
            id: id(PAGE),
            reads: PageReads {
                comments: Comments::On(BTreeSet::from([id(BLOCK)])),
                ..PageReads::default()
            },
        }])
    );
    // On the page itself, without `page_id`: the parent is the page.
    let on_page = event(json!({
        "id": "e", "type": "comment.deleted",
        "entity": {"id": "2c3104cd-477e-80aa-8dc4-ff2d96ae3092", "type": "comment"},
        "data": {"parent": {"id": PAGE, "type": "page"}}
    }));
    assert_eq!(
        on_page.disposition(),
        Disposition::Read(vec![Target::Page {
            id: id(PAGE),
            reads: PageReads {
                comments: Comments::On(BTreeSet::from([id(PAGE)])),
                ..PageReads::default()
            },
        }])
    );
    // A page but no parent: every comment of the page.
    let no_parent = event(json!({"id": "e", "type": "comment.updated", "data": {"page_id": PAGE}}));
    assert_eq!(
        no_parent.disposition(),
        Disposition::Read(vec![Target::Page {
            id: id(PAGE),
            reads: PageReads {
                comments: Comments::All,
                ..PageReads::default()
            },
        }])
    );
    let nothing = event(json!({"id": "e", "type": "comment.updated"}));
    assert!(matches!(nothing.disposition(), Disposition::Incomplete(_)));
}

#[test]
fn schema_events_read_the_data_source_or_database() {
    let source = event(json!({
        "id": "e", "type": "data_source.schema_updated",
        "entity": {"id": SOURCE, "type": "data_source"},
        "data": {"parent": {"id": DATABASE, "type": "database"},
                 "updated_properties": [{"id": "a", "name": "Status", "action": "created"}]}
    }));
    assert_eq!(
        source.disposition(),
        Disposition::Read(vec![Target::DataSource(id(SOURCE))])
    );
    let database = event(json!({
        "id": "e", "type": "database.moved", "entity": {"id": DATABASE, "type": "database"}
    }));
    assert_eq!(
        database.disposition(),
        Disposition::Read(vec![Target::Database(id(DATABASE))])
    );
    // Rows named by a content event are read too.
    let content = event(json!({
        "id": "e", "type": "data_source.content_updated",
        "entity": {"id": SOURCE, "type": "data_source"},
        "data": {"updated_blocks": [{"id": PAGE, "type": "page"}, {"id": BLOCK, "type": "block"}]}
    }));
    assert_eq!(
        content.disposition(),
        Disposition::Read(vec![
            Target::DataSource(id(SOURCE)),
            Target::Page {
                id: id(PAGE),
                reads: PageReads::page()
            },
        ])
    );
    // An entity of an unexpected kind is read as the event's family says.
    let odd = event(json!({
        "id": "e", "type": "data_source.deleted", "entity": {"id": SOURCE, "type": "thing"}
    }));
    assert_eq!(
        odd.disposition(),
        Disposition::Read(vec![Target::DataSource(id(SOURCE))])
    );
}

#[test]
fn other_events_read_nothing() {
    let upload = event(json!({"id": "e", "type": "file_upload.completed",
        "entity": {"id": PAGE, "type": "file_upload"}}));
    assert_eq!(upload.disposition(), Disposition::NotMirrored);
    let view = event(json!({"id": "e", "type": "view.updated"}));
    assert_eq!(view.disposition(), Disposition::NotMirrored);
    let unknown = event(json!({"id": "e", "type": "page.teleported",
        "entity": {"id": PAGE, "type": "page"}}));
    assert_eq!(unknown.disposition(), Disposition::Unknown);
    assert_eq!(unknown.kind.as_str(), "page.teleported");
}
