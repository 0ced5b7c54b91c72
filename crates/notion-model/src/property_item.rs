//! Property items: the page-property endpoint's responses.

use serde_json::Number;

use crate::codec::{object, object_union, tagged_kind};
use crate::file::NamedFile;
use crate::property::{Formula, Place, Rollup, SelectOption, UniqueId, Verification};
use crate::rich_text::RichText;
use crate::{DateValue, Empty, List, ObjectRef, Timestamp, User, UserOrGroup};

object! {
    /// One property item: `{object: "property_item", id, type, <type>: value}`.
    ///
    /// Paginated types (`title`, `rich_text`, `people`, `relation`, `rollup`) come as a
    /// [`PropertyItemList`] whose results hold one element each.
    #[derive(Debug, Clone, PartialEq)]
    pub struct PropertyItem: object "property_item" {
        /// The property id.
        req id: String,
    }
    /// The property type and value.
    tag req kind: PropertyItemKind;
}

tagged_kind! {
    /// The type and value of a property item.
    #[derive(Debug, Clone, PartialEq)]
    pub enum PropertyItemKind {
        /// `title`: one rich-text item.
        Title(RichText) = "title",
        /// `rich_text`: one rich-text item.
        RichText(RichText) = "rich_text",
        /// `number`
        Number(Option<Number>) = "number",
        /// `select`
        Select(Option<SelectOption>) = "select",
        /// `multi_select`
        MultiSelect(Vec<SelectOption>) = "multi_select",
        /// `status`
        Status(Option<SelectOption>) = "status",
        /// `date`
        Date(Option<DateValue>) = "date",
        /// `people`: one user or group.
        People(UserOrGroup) = "people",
        /// `files`
        Files(Vec<NamedFile>) = "files",
        /// `checkbox`
        Checkbox(bool) = "checkbox",
        /// `url`
        Url(Option<String>) = "url",
        /// `email`
        Email(Option<String>) = "email",
        /// `phone_number`
        PhoneNumber(Option<String>) = "phone_number",
        /// `formula`
        Formula(Formula) = "formula",
        /// `relation`: one referenced page.
        Relation(ObjectRef) = "relation",
        /// `rollup`
        Rollup(Rollup) = "rollup",
        /// `created_time`
        CreatedTime(Timestamp) = "created_time",
        /// `created_by`
        CreatedBy(User) = "created_by",
        /// `last_edited_time`
        LastEditedTime(Timestamp) = "last_edited_time",
        /// `last_edited_by`
        LastEditedBy(User) = "last_edited_by",
        /// `unique_id`
        UniqueId(UniqueId) = "unique_id",
        /// `button`
        Button(Empty) = "button",
        /// `place`
        Place(Option<Place>) = "place",
        /// `verification`
        Verification(Option<Box<Verification>>) = "verification",
    }
}

object! {
    /// The `property_item` member of a property-item list: which property is paginated, the
    /// URL of the next page and, for rollups, the aggregate so far.
    #[derive(Debug, Clone, PartialEq)]
    pub struct PropertyItemListInfo {
        /// The property id.
        opt id: String,
        /// The URL of the next page, `null` on the last page.
        null next_url: String,
    }
    /// The property type (`{}` payload, or the rollup aggregate).
    tag req kind: PropertyItemListKind;
}

tagged_kind! {
    /// The property type of a property-item list.
    #[derive(Debug, Clone, PartialEq)]
    pub enum PropertyItemListKind {
        /// `title`
        Title(Empty) = "title",
        /// `rich_text`
        RichText(Empty) = "rich_text",
        /// `people`
        People(Empty) = "people",
        /// `relation`
        Relation(Empty) = "relation",
        /// `rollup`: the aggregate (may be `incomplete` mid-pagination).
        Rollup(Rollup) = "rollup",
    }
}

/// A page of property items, with the summary under `property_item`.
pub type PropertyItemList = List<PropertyItem, PropertyItemListInfo>;

object_union! {
    /// The response of `GET /v1/pages/{id}/properties/{property_id}`: one item, or a list.
    #[derive(Debug, Clone, PartialEq)]
    pub enum GetPagePropertyResponse {
        /// A single item (simple property types).
        Item(PropertyItem) = "property_item",
        /// A page of items (title, rich text, people, relation, rollup).
        List(PropertyItemList) = "list",
    }
}
