//! What Notion POSTs: the one-time verification request, or an event.
//!
//! Decoding is lenient, like the model's: only an event's `id` and `type` are required. A member
//! that is missing or of another shape is `None` (or empty), unknown members are ignored, and an
//! unknown `type` is [`EventKind::Unknown`], never an error.

use notion_model::Id;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::signature::VerificationToken;

macro_rules! event_kinds {
    ($($variant:ident = $text:literal, $doc:literal;)*) => {
        /// The `type` of an event (the list of Notion's SDK, `webhooks.d.ts`).
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum EventKind {
            $(#[doc = $doc] $variant,)*
            /// A type this version does not know, kept as sent.
            Unknown(String),
        }

        impl EventKind {
            /// The kind named `text`.
            pub fn parse(text: &str) -> Self {
                match text {
                    $($text => EventKind::$variant,)*
                    other => EventKind::Unknown(other.to_owned()),
                }
            }

            /// The `type` text.
            pub fn as_str(&self) -> &str {
                match self {
                    $(EventKind::$variant => $text,)*
                    EventKind::Unknown(text) => text,
                }
            }
        }
    };
}

event_kinds! {
    PageCreated = "page.created", "`page.created`";
    PageContentUpdated = "page.content_updated", "`page.content_updated` (aggregated)";
    PagePropertiesUpdated = "page.properties_updated", "`page.properties_updated` (aggregated)";
    PageMoved = "page.moved", "`page.moved`";
    PageDeleted = "page.deleted", "`page.deleted` (moved to the trash)";
    PageUndeleted = "page.undeleted", "`page.undeleted` (restored from the trash)";
    PageLocked = "page.locked", "`page.locked`";
    PageUnlocked = "page.unlocked", "`page.unlocked`";
    PageTranscriptDeleted = "page.transcription_block.transcript_deleted",
        "`page.transcription_block.transcript_deleted`";
    DatabaseCreated = "database.created", "`database.created`";
    DatabaseContentUpdated = "database.content_updated", "`database.content_updated`";
    DatabaseSchemaUpdated = "database.schema_updated", "`database.schema_updated`";
    DatabaseMoved = "database.moved", "`database.moved`";
    DatabaseDeleted = "database.deleted", "`database.deleted`";
    DatabaseUndeleted = "database.undeleted", "`database.undeleted`";
    DataSourceCreated = "data_source.created", "`data_source.created`";
    DataSourceContentUpdated = "data_source.content_updated", "`data_source.content_updated`";
    DataSourceSchemaUpdated = "data_source.schema_updated", "`data_source.schema_updated`";
    DataSourceMoved = "data_source.moved", "`data_source.moved`";
    DataSourceDeleted = "data_source.deleted", "`data_source.deleted`";
    DataSourceUndeleted = "data_source.undeleted", "`data_source.undeleted`";
    CommentCreated = "comment.created", "`comment.created`";
    CommentUpdated = "comment.updated", "`comment.updated`";
    CommentDeleted = "comment.deleted", "`comment.deleted`";
    FileUploadCreated = "file_upload.created", "`file_upload.created`";
    FileUploadCompleted = "file_upload.completed", "`file_upload.completed`";
    FileUploadExpired = "file_upload.expired", "`file_upload.expired`";
    FileUploadFailed = "file_upload.upload_failed", "`file_upload.upload_failed`";
    ViewCreated = "view.created", "`view.created`";
    ViewUpdated = "view.updated", "`view.updated`";
    ViewDeleted = "view.deleted", "`view.deleted`";
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of an entity or parent (`entity.type`, `data.parent.type`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EntityKind {
    /// `page`.
    Page,
    /// `block`.
    Block,
    /// `database`.
    Database,
    /// `data_source`.
    DataSource,
    /// `comment`.
    Comment,
    /// `file_upload`.
    FileUpload,
    /// `view`.
    View,
    /// `space` (the workspace, as a parent).
    Space,
    /// `team` (a teamspace, as a parent).
    Team,
    /// `agent`.
    Agent,
    /// Another kind, kept as sent.
    Unknown(String),
}

impl EntityKind {
    /// The kind named `text`.
    pub fn parse(text: &str) -> Self {
        match text {
            "page" => EntityKind::Page,
            "block" => EntityKind::Block,
            "database" => EntityKind::Database,
            "data_source" => EntityKind::DataSource,
            "comment" => EntityKind::Comment,
            "file_upload" => EntityKind::FileUpload,
            "view" => EntityKind::View,
            "space" => EntityKind::Space,
            "team" => EntityKind::Team,
            "agent" => EntityKind::Agent,
            other => EntityKind::Unknown(other.to_owned()),
        }
    }
}

/// An object an event names: its id and kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entity {
    /// The object's id.
    pub id: Id,
    /// What it is.
    pub kind: EntityKind,
}

impl Entity {
    /// `{"id": …, "type": …}`; `None` unless the id parses and the type is a string.
    fn from_value(value: Option<&Value>) -> Option<Entity> {
        let obj = value?.as_object()?;
        Some(Entity {
            id: id_member(obj, "id")?,
            kind: EntityKind::parse(obj.get("type")?.as_str()?),
        })
    }
}

/// A webhook event. Every member but `id` and `kind` is optional: Notion's payloads differ by
/// type and version, and a member this crate cannot read is `None` rather than an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event's id: the same for every delivery attempt of the event (de-duplication key).
    pub id: String,
    /// Its type.
    pub kind: EventKind,
    /// When it happened (RFC 3339, as sent).
    pub timestamp: Option<String>,
    /// The object that changed.
    pub entity: Option<Entity>,
    /// The object's parent (`data.parent`): for a comment, the page or block it is on.
    pub parent: Option<Entity>,
    /// The data source of the parent (`data.parent.data_source_id`, rows of a data source).
    pub parent_data_source: Option<Id>,
    /// The page a comment is on (`data.page_id`).
    pub page_id: Option<Id>,
    /// The blocks or pages an aggregated content event names (`data.updated_blocks`).
    pub updated_blocks: Vec<Entity>,
    /// The delivery attempt, from 1.
    pub attempt_number: Option<u32>,
    /// The API version the subscription uses.
    pub api_version: Option<String>,
    /// The workspace.
    pub workspace_id: Option<String>,
    /// The subscription.
    pub subscription_id: Option<String>,
}

/// A POST from Notion.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// The one-time verification request of a new subscription: the token to paste into the
    /// integration's settings, and the key of every later event's signature.
    Verification(VerificationToken),
    /// An event.
    Event(Box<Event>),
}

impl Delivery {
    /// Reads a request body: a JSON object with a string `verification_token` (and no `type`)
    /// is the verification request; one with a string `id` and `type` is an event.
    pub fn parse(body: &[u8]) -> Result<Delivery> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| Error::NotJson(e.to_string()))?;
        let Value::Object(obj) = value else {
            return Err(Error::NotJson("not an object".into()));
        };
        if !obj.contains_key("type")
            && let Some(token) = obj.get("verification_token").and_then(Value::as_str)
        {
            if token.is_empty() {
                return Err(Error::NotAnEvent("the verification token is empty"));
            }
            return Ok(Delivery::Verification(VerificationToken::new(token)));
        }
        Event::from_object(&obj).map(|e| Delivery::Event(Box::new(e)))
    }
}

impl Event {
    /// Reads an event from a request body.
    pub fn parse(body: &[u8]) -> Result<Event> {
        match Delivery::parse(body)? {
            Delivery::Event(event) => Ok(*event),
            Delivery::Verification(_) => Err(Error::NotAnEvent("it is a verification request")),
        }
    }

    fn from_object(obj: &Map<String, Value>) -> Result<Event> {
        let id = obj
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or(Error::NotAnEvent("no string `id`"))?;
        let kind = obj
            .get("type")
            .and_then(Value::as_str)
            .ok_or(Error::NotAnEvent("no string `type`"))?;
        let data = obj.get("data").and_then(Value::as_object);
        let parent_obj = data
            .and_then(|d| d.get("parent"))
            .and_then(Value::as_object);
        let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned);
        Ok(Event {
            id: id.to_owned(),
            kind: EventKind::parse(kind),
            timestamp: text("timestamp"),
            entity: Entity::from_value(obj.get("entity")),
            parent: Entity::from_value(data.and_then(|d| d.get("parent"))),
            parent_data_source: parent_obj.and_then(|p| id_member(p, "data_source_id")),
            page_id: data.and_then(|d| id_member(d, "page_id")),
            updated_blocks: data
                .and_then(|d| d.get("updated_blocks"))
                .and_then(Value::as_array)
                .map(|blocks| {
                    blocks
                        .iter()
                        .filter_map(|b| Entity::from_value(Some(b)))
                        .collect()
                })
                .unwrap_or_default(),
            attempt_number: obj
                .get("attempt_number")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok()),
            api_version: text("api_version"),
            workspace_id: text("workspace_id"),
            subscription_id: text("subscription_id"),
        })
    }

    /// The id of the entity, if it is of `kind`.
    pub fn entity_of(&self, kind: &EntityKind) -> Option<Id> {
        self.entity
            .as_ref()
            .filter(|e| &e.kind == kind)
            .map(|e| e.id)
    }
}

/// Member `key` of `obj` as an id.
fn id_member(obj: &Map<String, Value>, key: &str) -> Option<Id> {
    obj.get(key)?.as_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_kind_reads_back() {
        for text in [
            "page.created",
            "page.content_updated",
            "page.transcription_block.transcript_deleted",
            "data_source.schema_updated",
            "comment.deleted",
            "file_upload.upload_failed",
            "view.updated",
        ] {
            let kind = EventKind::parse(text);
            assert!(!matches!(kind, EventKind::Unknown(_)), "{text}");
            assert_eq!(kind.as_str(), text);
        }
        assert_eq!(
            EventKind::parse("page.teleported"),
            EventKind::Unknown("page.teleported".into())
        );
        assert_eq!(
            EventKind::parse("page.teleported").as_str(),
            "page.teleported"
        );
    }

    #[test]
    fn a_verification_request_is_not_an_event() {
        let d = Delivery::parse(br#"{"verification_token":"secret_abc"}"#).unwrap();
        assert_eq!(
            d,
            Delivery::Verification(VerificationToken::new("secret_abc"))
        );
        assert_eq!(
            Delivery::parse(br#"{"verification_token":""}"#),
            Err(Error::NotAnEvent("the verification token is empty"))
        );
    }

    #[test]
    fn only_id_and_type_are_required() {
        let e = Event::parse(br#"{"id":"e1","type":"page.moved"}"#).unwrap();
        assert_eq!(e.id, "e1");
        assert_eq!(e.kind, EventKind::PageMoved);
        assert_eq!(e.entity, None);
        // Members of other shapes are left out, not errors.
        let e = Event::parse(
            br#"{"id":"e2","type":"page.moved","entity":{"id":"nope","type":"page"},
                "data":{"parent":7,"updated_blocks":[1,{"id":"x"}]},"attempt_number":-1}"#,
        )
        .unwrap();
        assert_eq!((e.entity, e.parent, e.attempt_number), (None, None, None));
        assert!(e.updated_blocks.is_empty());
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(matches!(Delivery::parse(b"{"), Err(Error::NotJson(_))));
        assert!(matches!(Delivery::parse(b"[1]"), Err(Error::NotJson(_))));
        assert!(matches!(Delivery::parse(b"\xff"), Err(Error::NotJson(_))));
        assert_eq!(
            Delivery::parse(br#"{"type":"page.moved"}"#),
            Err(Error::NotAnEvent("no string `id`"))
        );
        assert_eq!(
            Delivery::parse(br#"{"id":"e","type":5}"#),
            Err(Error::NotAnEvent("no string `type`"))
        );
    }
}
