//! Parents of pages, blocks, databases, data sources and comments.

use serde::de;
use serde::ser::SerializeMap;
use serde_json::{Map, Value};

use crate::Id;
use crate::codec::{Kind, decode_payload, object, write_tagged};

object! {
    /// Where an object lives: `{type: "page_id", page_id}` and its siblings.
    ///
    /// ```
    /// use notion_model::{Id, Parent};
    ///
    /// let parent: Parent = serde_json::from_str(
    ///     r#"{"type":"data_source_id","data_source_id":"98024f3c-b1d3-4aec-a301-f01e0dacf023",
    ///         "database_id":"36cc9195-760f-4fff-a67e-3a46c559b176"}"#,
    /// )?;
    /// assert_eq!(parent.id(), Some("98024f3c-b1d3-4aec-a301-f01e0dacf023".parse::<Id>()?));
    /// assert_eq!(parent.kind.type_name(), "data_source_id");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct Parent {}
    /// The kind of parent and its id.
    tag req kind: ParentKind;
}

/// The kind of a [`Parent`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ParentKind {
    /// `page_id`
    Page(Id),
    /// `data_source_id`: a row of a data source (2025-09-03 and later).
    DataSource {
        /// The data source.
        data_source_id: Id,
        /// The database holding the data source.
        database_id: Option<Id>,
    },
    /// `database_id`: the parent of a data source, or a row's parent before 2025-09-03.
    Database(Id),
    /// `block_id`
    Block(Id),
    /// `workspace` (the payload is `true`).
    Workspace(bool),
    /// `agent_id` (pages created by custom agents).
    Agent(Id),
    /// A parent type this model does not know, kept as sent.
    Unknown {
        /// The value of `type`.
        type_name: String,
        /// The member named after the type, if the object had one.
        payload: Option<Value>,
    },
}

impl ParentKind {
    /// The value of `type`.
    pub fn type_name(&self) -> &str {
        match self {
            ParentKind::Page(_) => "page_id",
            ParentKind::DataSource { .. } => "data_source_id",
            ParentKind::Database(_) => "database_id",
            ParentKind::Block(_) => "block_id",
            ParentKind::Workspace(_) => "workspace",
            ParentKind::Agent(_) => "agent_id",
            ParentKind::Unknown { type_name, .. } => type_name,
        }
    }

    /// Whether this is a parent type the model does not know.
    pub fn is_unknown(&self) -> bool {
        matches!(self, ParentKind::Unknown { .. })
    }
}

impl Kind for ParentKind {
    fn serialize_into<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        let name = self.type_name();
        match self {
            ParentKind::Page(id)
            | ParentKind::Database(id)
            | ParentKind::Block(id)
            | ParentKind::Agent(id) => write_tagged(map, name, Some(id)),
            ParentKind::Workspace(flag) => write_tagged(map, name, Some(flag)),
            ParentKind::DataSource {
                data_source_id,
                database_id,
            } => {
                write_tagged(map, name, Some(data_source_id))?;
                if let Some(database_id) = database_id {
                    map.serialize_entry("database_id", database_id)?;
                }
                Ok(())
            }
            ParentKind::Unknown { type_name, payload } => {
                write_tagged(map, type_name, payload.as_ref())
            }
        }
    }

    fn take_from<E: de::Error>(
        type_name: String,
        rest: &mut Map<String, Value>,
    ) -> Result<Self, E> {
        let Some(payload) = rest.remove(type_name.as_str()) else {
            return Ok(ParentKind::Unknown {
                type_name,
                payload: None,
            });
        };
        Ok(match type_name.as_str() {
            "page_id" => ParentKind::Page(decode_payload(&type_name, payload)?),
            "database_id" => ParentKind::Database(decode_payload(&type_name, payload)?),
            "block_id" => ParentKind::Block(decode_payload(&type_name, payload)?),
            "agent_id" => ParentKind::Agent(decode_payload(&type_name, payload)?),
            "workspace" => ParentKind::Workspace(decode_payload(&type_name, payload)?),
            "data_source_id" => {
                let data_source_id = decode_payload(&type_name, payload)?;
                // `database_id` belongs to this variant; a `null` stays in `extra`, as sent.
                let database_id = match rest.remove("database_id") {
                    None => None,
                    Some(Value::Null) => {
                        rest.insert("database_id".to_owned(), Value::Null);
                        None
                    }
                    Some(value) => Some(decode_payload("database_id", value)?),
                };
                ParentKind::DataSource {
                    data_source_id,
                    database_id,
                }
            }
            _ => ParentKind::Unknown {
                type_name,
                payload: Some(payload),
            },
        })
    }
}

impl Parent {
    /// A parent of this kind, with no extra members.
    pub fn new(kind: ParentKind) -> Self {
        Parent {
            kind,
            extra: Map::new(),
        }
    }

    /// `{type: "page_id", page_id}`
    pub fn page(id: Id) -> Self {
        Parent::new(ParentKind::Page(id))
    }

    /// `{type: "block_id", block_id}`
    pub fn block(id: Id) -> Self {
        Parent::new(ParentKind::Block(id))
    }

    /// `{type: "database_id", database_id}`
    pub fn database(id: Id) -> Self {
        Parent::new(ParentKind::Database(id))
    }

    /// `{type: "data_source_id", data_source_id, database_id}`
    pub fn data_source(data_source_id: Id, database_id: Id) -> Self {
        Parent::new(ParentKind::DataSource {
            data_source_id,
            database_id: Some(database_id),
        })
    }

    /// `{type: "workspace", workspace: true}`
    pub fn workspace() -> Self {
        Parent::new(ParentKind::Workspace(true))
    }

    /// `{type: "agent_id", agent_id}`
    pub fn agent(id: Id) -> Self {
        Parent::new(ParentKind::Agent(id))
    }

    /// The id of the parent object (the data source for a data-source parent); `None` for the
    /// workspace and unknown parent types.
    pub fn id(&self) -> Option<Id> {
        match &self.kind {
            ParentKind::Page(id)
            | ParentKind::Database(id)
            | ParentKind::Block(id)
            | ParentKind::Agent(id) => Some(*id),
            ParentKind::DataSource { data_source_id, .. } => Some(*data_source_id),
            ParentKind::Workspace(_) | ParentKind::Unknown { .. } => None,
        }
    }

    /// Whether the parent is the workspace.
    pub fn is_workspace(&self) -> bool {
        matches!(self.kind, ParentKind::Workspace(_))
    }
}
