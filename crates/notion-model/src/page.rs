//! Pages.

use std::collections::BTreeMap;

use crate::block::{adapt_archived, is_trashed};
use crate::codec::object;
use crate::property::{PropertyValue, PropertyValueKind};
use crate::rich_text::plain_text;
use crate::{ApiVersion, Cover, Icon, Id, Parent, Timestamp, User};

/// Page properties by name.
pub type PropertyValues = BTreeMap<String, PropertyValue>;

object! {
    /// A page: `{object: "page", id, parent, properties, …}`.
    ///
    /// Everything except `id` is optional so that partial pages (`{object, id}`) decode too.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Page: object "page" {
        /// The page id.
        req id: Id,
        /// When the page was created.
        opt created_time: Timestamp,
        /// When it was last edited (minute granularity).
        opt last_edited_time: Timestamp,
        /// Who created it.
        opt created_by: User,
        /// Who last edited it.
        opt last_edited_by: User,
        /// The cover, `null` when none.
        null cover: Cover,
        /// The icon, `null` when none.
        null icon: Icon,
        /// Where the page lives.
        opt parent: Parent,
        /// Whether it is in the trash.
        opt in_trash: bool,
        /// Deprecated mirror of `in_trash`, sent before 2026-03-11.
        opt archived: bool,
        /// Whether the page is archived (hidden from default data-source queries since
        /// 2026-07-15); distinct from `in_trash`.
        opt is_archived: bool,
        /// Whether the page is locked.
        opt is_locked: bool,
        /// Property values by name (a page under a page has only `title`).
        opt properties: PropertyValues,
        /// The Notion URL.
        opt url: String,
        /// The public URL, `null` when not published.
        null public_url: String,
    }
}

impl Page {
    /// A page with these properties, not in the trash, without icon, cover or timestamps.
    pub fn new(id: Id, parent: Parent, properties: PropertyValues) -> Self {
        Page {
            id,
            created_time: None,
            last_edited_time: None,
            created_by: None,
            last_edited_by: None,
            cover: Some(None),
            icon: Some(None),
            parent: Some(parent),
            in_trash: Some(false),
            archived: None,
            is_archived: Some(false),
            is_locked: Some(false),
            properties: Some(properties),
            url: Some(format!("https://app.notion.com/p/{}", id.simple())),
            public_url: Some(None),
            extra: Default::default(),
        }
    }

    /// Sets `created_time` and `created_by` (a partial user).
    pub fn with_created(mut self, time: Timestamp, by: Id) -> Self {
        self.created_time = Some(time);
        self.created_by = Some(User::partial(by));
        self
    }

    /// Sets `last_edited_time` and `last_edited_by` (a partial user).
    pub fn with_last_edited(mut self, time: Timestamp, by: Id) -> Self {
        self.last_edited_time = Some(time);
        self.last_edited_by = Some(User::partial(by));
        self
    }

    /// Shapes the page as a response of this API version (`archived` mirrors `in_trash`
    /// before 2026-03-11, absent from then on).
    pub fn adapt_to(&mut self, version: ApiVersion) {
        self.archived = adapt_archived(version, self.in_trash, self.archived);
    }

    /// The value of the property with this name.
    pub fn property(&self, name: &str) -> Option<&PropertyValue> {
        self.properties.as_ref()?.get(name)
    }

    /// The name and value of the `title` property.
    pub fn title_property(&self) -> Option<(&str, &PropertyValue)> {
        self.properties
            .as_ref()?
            .iter()
            .find(|(_, value)| matches!(value.kind, PropertyValueKind::Title(_)))
            .map(|(name, value)| (name.as_str(), value))
    }

    /// The plain-text title (empty when the page has none or is partial).
    pub fn title(&self) -> String {
        match self.title_property() {
            Some((
                _,
                PropertyValue {
                    kind: PropertyValueKind::Title(items),
                    ..
                },
            )) => plain_text(items),
            _ => String::new(),
        }
    }

    /// Whether the page is in the trash: `in_trash`, else `archived`, else `false`.
    pub fn is_trashed(&self) -> bool {
        is_trashed(self.in_trash, self.archived)
    }
}
