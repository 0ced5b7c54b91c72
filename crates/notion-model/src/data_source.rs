//! Data sources: the tables inside databases.

use std::collections::BTreeMap;

use crate::block::{adapt_archived, is_trashed};
use crate::codec::object;
use crate::property::{PropertySchema, PropertySchemaKind};
use crate::rich_text::{RichText, plain_text};
use crate::{ApiVersion, Cover, Icon, Id, Parent, Timestamp, User};

/// Property schemas by name.
pub type PropertySchemas = BTreeMap<String, PropertySchema>;

object! {
    /// A data source (2025-09-03 and later): a table with its schema (`properties`); its rows are
    /// pages whose parent is `{type: "data_source_id", …}`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct DataSource: object "data_source" {
        /// The data source id (not interchangeable with the database id).
        req id: Id,
        /// The title.
        opt title: Vec<RichText>,
        /// The description.
        opt description: Vec<RichText>,
        /// The database (or, for externally synced sources, data source) holding it.
        opt parent: Parent,
        /// The parent of the database.
        opt database_parent: Parent,
        /// Whether the database is shown inline.
        opt is_inline: bool,
        /// Whether it is in the trash.
        opt in_trash: bool,
        /// Deprecated mirror of `in_trash`, sent before 2026-03-11.
        opt archived: bool,
        /// When it was created.
        opt created_time: Timestamp,
        /// Who created it.
        opt created_by: User,
        /// When it was last edited.
        opt last_edited_time: Timestamp,
        /// Who last edited it.
        opt last_edited_by: User,
        /// The schema: property schemas by name.
        opt properties: PropertySchemas,
        /// The icon, `null` when none.
        null icon: Icon,
        /// The cover, `null` when none.
        null cover: Cover,
        /// The Notion URL.
        opt url: String,
        /// The public URL, `null` when not published.
        null public_url: String,
    }
}

impl DataSource {
    /// A data source with a plain-text title and this schema, inside `database_id`.
    pub fn new(
        id: Id,
        database_id: Id,
        title: impl Into<String>,
        properties: PropertySchemas,
    ) -> Self {
        DataSource {
            id,
            title: Some(vec![RichText::plain(title)]),
            description: Some(Vec::new()),
            parent: Some(Parent::database(database_id)),
            database_parent: None,
            is_inline: Some(false),
            in_trash: Some(false),
            archived: None,
            created_time: None,
            created_by: None,
            last_edited_time: None,
            last_edited_by: None,
            properties: Some(properties),
            icon: Some(None),
            cover: Some(None),
            url: Some(format!("https://app.notion.com/p/{}", database_id.simple())),
            public_url: Some(None),
            extra: Default::default(),
        }
    }

    /// Shapes the data source as a response of this API version.
    pub fn adapt_to(&mut self, version: ApiVersion) {
        self.archived = adapt_archived(version, self.in_trash, self.archived);
    }

    /// The plain-text title.
    pub fn title(&self) -> String {
        self.title.as_deref().map(plain_text).unwrap_or_default()
    }

    /// The schema of the property with this name.
    pub fn property(&self, name: &str) -> Option<&PropertySchema> {
        self.properties.as_ref()?.get(name)
    }

    /// The name of the `title` property.
    pub fn title_property_name(&self) -> Option<&str> {
        self.properties
            .as_ref()?
            .iter()
            .find(|(_, schema)| matches!(schema.kind, PropertySchemaKind::Title(_)))
            .map(|(name, _)| name.as_str())
    }

    /// Whether the data source is in the trash: `in_trash`, else `archived`, else `false`.
    pub fn is_trashed(&self) -> bool {
        is_trashed(self.in_trash, self.archived)
    }
}
