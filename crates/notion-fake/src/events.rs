//! The webhook events a mutation causes: their types, entities and `data`, from the
//! workspace as it is around the change.

use notion_model::{Id, ParentKind};

use crate::ctx::Shared;
use crate::webhooks::{
    Context, EventData, EventSpec, UpdatedBlock, UpdatedProperty, WebhookParent,
};
use crate::workspace::Found;
use crate::workspace::changes::PropertyChange;

/// The people and workspace the events name, now.
fn context(shared: &Shared) -> Context {
    let ws = &shared.ws;
    Context {
        workspace_id: ws.workspace_id(),
        workspace_name: ws.base.workspace_name(),
        bot: ws.bot_id(),
        author: ws.editor(),
        now: shared.clock.now(),
    }
}

/// Queues an event.
fn emit(shared: &Shared, spec: EventSpec) -> Option<Id> {
    shared.webhooks.emit(spec, &context(shared))
}

/// Whether the subscription sends the `database.*` events of `2022-06-28` instead of
/// `data_source.*`.
fn legacy(shared: &Shared) -> bool {
    shared
        .webhooks
        .api_version()
        .is_some_and(notion_model::ApiVersion::is_legacy)
}

/// The parent of a page as events name it: a database (with its data source) for a row, a
/// page, or the workspace (`space`).
pub(crate) fn page_parent(shared: &Shared, page: &Id) -> WebhookParent {
    let ws = &shared.ws;
    let parent = ws
        .page_unsigned(page, shared.clock.now())
        .and_then(|p| p.parent);
    match parent.map(|p| p.kind) {
        Some(ParentKind::DataSource {
            data_source_id,
            database_id,
            ..
        }) => WebhookParent {
            id: database_id.unwrap_or(data_source_id),
            parent_type: "database",
            data_source_id: Some(data_source_id),
        },
        Some(ParentKind::Database(db)) => WebhookParent {
            id: db,
            parent_type: "database",
            data_source_id: None,
        },
        Some(ParentKind::Page(p)) => WebhookParent {
            id: p,
            parent_type: "page",
            data_source_id: None,
        },
        Some(ParentKind::Block(b)) => WebhookParent {
            id: b,
            parent_type: "block",
            data_source_id: None,
        },
        _ => WebhookParent {
            id: ws.workspace_id(),
            parent_type: "space",
            data_source_id: None,
        },
    }
}

/// A page event (`page.created`, `page.deleted`, `page.undeleted`, `page.moved`) with the
/// page's parent.
pub(crate) fn page(shared: &Shared, event_type: &str, page: &Id, parent: WebhookParent) {
    emit(
        shared,
        EventSpec {
            event_type: event_type.to_owned(),
            entity: (*page, "page"),
            data: EventData {
                parent: Some(parent),
                ..EventData::default()
            },
        },
    );
}

/// `page.content_updated` for blocks of a page.
pub(crate) fn content_updated(shared: &Shared, page: &Id, blocks: &[Id]) {
    emit(
        shared,
        EventSpec {
            event_type: "page.content_updated".to_owned(),
            entity: (*page, "page"),
            data: EventData {
                parent: Some(page_parent(shared, page)),
                updated_blocks: Some(
                    blocks
                        .iter()
                        .map(|b| UpdatedBlock {
                            id: *b,
                            block_type: "block",
                        })
                        .collect(),
                ),
                ..EventData::default()
            },
        },
    );
}

/// `page.properties_updated` with the ids of the properties changed.
pub(crate) fn properties_updated(shared: &Shared, page: &Id, properties: Vec<String>) {
    emit(
        shared,
        EventSpec {
            event_type: "page.properties_updated".to_owned(),
            entity: (*page, "page"),
            data: EventData {
                parent: Some(page_parent(shared, page)),
                updated_properties: serde_json::to_value(properties).ok(),
                ..EventData::default()
            },
        },
    );
}

/// A comment event (`comment.created`, `comment.updated`, `comment.deleted`).
pub(crate) fn comment(
    shared: &Shared,
    event_type: &str,
    comment: &notion_model::Comment,
    page: &Id,
) {
    let parent = match comment.parent.as_ref().map(|p| &p.kind) {
        Some(ParentKind::Block(b)) => WebhookParent {
            id: *b,
            parent_type: "block",
            data_source_id: None,
        },
        _ => WebhookParent {
            id: *page,
            parent_type: "page",
            data_source_id: None,
        },
    };
    emit(
        shared,
        EventSpec {
            event_type: event_type.to_owned(),
            entity: (comment.id, "comment"),
            data: EventData {
                parent: Some(parent),
                page_id: Some(*page),
                ..EventData::default()
            },
        },
    );
}

/// The parent of a database as events name it (a page, or the workspace).
fn database_parent(shared: &Shared, db: &Id) -> WebhookParent {
    let ws = &shared.ws;
    match ws.database(db).and_then(|d| d.parent).map(|p| p.kind) {
        Some(ParentKind::Page(p)) => WebhookParent {
            id: p,
            parent_type: "page",
            data_source_id: None,
        },
        Some(ParentKind::Block(b)) => WebhookParent {
            id: b,
            parent_type: "block",
            data_source_id: None,
        },
        _ => WebhookParent {
            id: ws.workspace_id(),
            parent_type: "space",
            data_source_id: None,
        },
    }
}

/// A data-source event (`data_source.created`, `data_source.deleted`,
/// `data_source.schema_updated`), or its `database.*` twin for `2022-06-28` subscriptions.
pub(crate) fn data_source(
    shared: &Shared,
    action: &str,
    ds: &Id,
    db: &Id,
    changes: Option<Vec<PropertyChange>>,
) {
    let updated = changes.map(|c| {
        let list: Vec<UpdatedProperty> = c
            .into_iter()
            .map(|p| UpdatedProperty {
                id: p.id,
                name: p.name,
                action: p.action,
            })
            .collect();
        serde_json::to_value(list).unwrap_or_default()
    });
    let spec = if legacy(shared) {
        EventSpec {
            event_type: format!("database.{action}"),
            entity: (*db, "database"),
            data: EventData {
                parent: Some(database_parent(shared, db)),
                updated_properties: updated,
                ..EventData::default()
            },
        }
    } else {
        EventSpec {
            event_type: format!("data_source.{action}"),
            entity: (*ds, "data_source"),
            data: EventData {
                parent: Some(WebhookParent {
                    id: *db,
                    parent_type: "database",
                    data_source_id: None,
                }),
                updated_properties: updated,
                ..EventData::default()
            },
        }
    };
    emit(shared, spec);
}

/// The event of a replaced hosted file: its block's page content, its page's properties, or
/// its comment.
pub(crate) fn file_replaced(shared: &Shared, owner: &Id, field: &str) {
    let ws = &shared.ws;
    match ws.find(owner) {
        Found::Block => {
            if let Some(page) = ws.page_of(owner) {
                content_updated(shared, &page, &[*owner]);
            }
        }
        Found::Page => {
            let prop = field
                .strip_prefix("properties.")
                .and_then(|p| p.split('.').next())
                .and_then(|name| {
                    ws.page_unsigned(owner, shared.clock.now())
                        .and_then(|p| p.properties)
                        .and_then(|props| props.get(name).and_then(|v| v.id.clone()))
                });
            // An icon or a cover is not a property: Notion names the title.
            properties_updated(
                shared,
                owner,
                vec![prop.unwrap_or_else(|| "title".to_owned())],
            );
        }
        Found::Comment => {
            if let (Some(c), Some(page)) = (
                ws.comment_unsigned(owner, shared.clock.now()),
                ws.page_of(owner),
            ) {
                comment(shared, "comment.updated", &c, &page);
            }
        }
        _ => {}
    }
}

/// An event of any type about a page (for receivers' handling of types they do not know).
pub(crate) fn custom(shared: &Shared, event_type: &str, entity: &Id) -> Option<Id> {
    emit(
        shared,
        EventSpec {
            event_type: event_type.to_owned(),
            entity: (*entity, "page"),
            data: EventData {
                parent: Some(page_parent(shared, entity)),
                ..EventData::default()
            },
        },
    )
}
