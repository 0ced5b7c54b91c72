//! Databases: containers of data sources.

use crate::block::{adapt_archived, is_trashed};
use crate::codec::object;
use crate::rich_text::{RichText, plain_text};
use crate::{ApiVersion, Cover, DataSourceRef, Icon, Id, Parent, Timestamp, User};

object! {
    /// A database (2025-09-03 and later): the container of one or more data sources. It has no
    /// `properties`; the schema lives on each data source.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Database: object "database" {
        /// The database id.
        req id: Id,
        /// The title.
        opt title: Vec<RichText>,
        /// The description.
        opt description: Vec<RichText>,
        /// Where the database lives.
        opt parent: Parent,
        /// Whether it is shown inline in its parent page.
        opt is_inline: bool,
        /// Whether it is in the trash.
        opt in_trash: bool,
        /// Deprecated mirror of `in_trash`, sent before 2026-03-11.
        opt archived: bool,
        /// Whether it is locked.
        opt is_locked: bool,
        /// When it was created.
        opt created_time: Timestamp,
        /// Who created it.
        opt created_by: User,
        /// When it was last edited.
        opt last_edited_time: Timestamp,
        /// Who last edited it.
        opt last_edited_by: User,
        /// Its data sources.
        opt data_sources: Vec<DataSourceRef>,
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

impl Database {
    /// A database with a plain-text title and these data sources, not in the trash.
    pub fn new(
        id: Id,
        parent: Parent,
        title: impl Into<String>,
        data_sources: Vec<DataSourceRef>,
    ) -> Self {
        Database {
            id,
            title: Some(vec![RichText::plain(title)]),
            description: Some(Vec::new()),
            parent: Some(parent),
            is_inline: Some(false),
            in_trash: Some(false),
            archived: None,
            is_locked: Some(false),
            created_time: None,
            created_by: None,
            last_edited_time: None,
            last_edited_by: None,
            data_sources: Some(data_sources),
            icon: Some(None),
            cover: Some(None),
            url: Some(format!("https://app.notion.com/p/{}", id.simple())),
            public_url: Some(None),
            extra: Default::default(),
        }
    }

    /// Shapes the database as a response of this API version.
    pub fn adapt_to(&mut self, version: ApiVersion) {
        self.archived = adapt_archived(version, self.in_trash, self.archived);
    }

    /// The plain-text title.
    pub fn title(&self) -> String {
        self.title.as_deref().map(plain_text).unwrap_or_default()
    }

    /// Whether the database is in the trash: `in_trash`, else `archived`, else `false`.
    pub fn is_trashed(&self) -> bool {
        is_trashed(self.in_trash, self.archived)
    }
}
