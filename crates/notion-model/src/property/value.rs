//! Page property values.

use serde_json::Number;

use super::{Formula, Rollup, SelectOption};
use crate::codec::{object, tagged_kind};
use crate::file::NamedFile;
use crate::rich_text::{RichText, plain_text};
use crate::{DateValue, Empty, ObjectRef, Timestamp, User, UserOrGroup};

object! {
    /// A page property value: `{id, type, <type>: value}`.
    ///
    /// `id` is absent on the items of a rollup array. `has_more` is set on `relation` values:
    /// `true` when the page object carries only the first 25 references.
    #[derive(Debug, Clone, PartialEq)]
    pub struct PropertyValue {
        /// The property id (stable across renames; URL-encoded short string or UUID).
        opt id: String,
        /// `relation` values: whether more references exist than the page object lists.
        opt has_more: bool,
    }
    /// The property type and value.
    tag req kind: PropertyValueKind;
}

tagged_kind! {
    /// The type and value of a page property.
    #[derive(Debug, Clone, PartialEq)]
    pub enum PropertyValueKind {
        /// `title`
        Title(Vec<RichText>) = "title",
        /// `rich_text`
        RichText(Vec<RichText>) = "rich_text",
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
        /// `people`: users and groups.
        People(Vec<UserOrGroup>) = "people",
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
        /// `relation`: the referenced pages (see [`PropertyValue::has_more`]).
        Relation(Vec<ObjectRef>) = "relation",
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
        /// `button` (always `{}`)
        Button(Empty) = "button",
        /// `place`
        Place(Option<Place>) = "place",
        /// `verification` (wiki pages)
        Verification(Option<Box<Verification>>) = "verification",
    }
}

object! {
    /// A `unique_id` value: `{number, prefix}`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct UniqueId {
        /// The number.
        null number: u64,
        /// The prefix, `null` when none.
        null prefix: String,
    }
}

object! {
    /// A `place` value.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Place {
        /// Latitude.
        opt lat: Number,
        /// Longitude.
        opt lon: Number,
        /// Name of the place.
        null name: String,
        /// Address.
        null address: String,
        /// AWS place id.
        null aws_place_id: String,
        /// Google place id.
        null google_place_id: String,
    }
}

object! {
    /// A `verification` value (wiki pages).
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Verification {
        /// `verified`, `unverified` or `expired`.
        opt state: String,
        /// When the verification started and ends; `null` when unverified.
        null date: DateValue,
        /// Who verified the page; `null` when unverified.
        null verified_by: User,
    }
}

impl PropertyValue {
    /// A value of this kind with this property id.
    pub fn new(id: impl Into<String>, kind: PropertyValueKind) -> Self {
        PropertyValue {
            id: Some(id.into()),
            has_more: None,
            kind,
            extra: Default::default(),
        }
    }

    /// A `title` value of plain text, under the id `title` Notion always uses.
    pub fn title(text: impl Into<String>) -> Self {
        PropertyValue::new(
            "title",
            PropertyValueKind::Title(vec![RichText::plain(text)]),
        )
    }

    /// A `relation` value with its `has_more` flag.
    pub fn relation(id: impl Into<String>, pages: Vec<ObjectRef>, has_more: bool) -> Self {
        let mut value = PropertyValue::new(id, PropertyValueKind::Relation(pages));
        value.has_more = Some(has_more);
        value
    }

    /// The value of `type`.
    pub fn type_name(&self) -> &str {
        self.kind.type_name()
    }

    /// The rich text of `title` and `rich_text` values.
    pub fn rich_text(&self) -> Option<&[RichText]> {
        match &self.kind {
            PropertyValueKind::Title(items) | PropertyValueKind::RichText(items) => Some(items),
            _ => None,
        }
    }

    /// The plain text of `title` and `rich_text` values; the text of `url`, `email`,
    /// `phone_number`, `select`, `status` and string formulas; `None` otherwise.
    pub fn plain_text(&self) -> Option<String> {
        match &self.kind {
            PropertyValueKind::Title(items) | PropertyValueKind::RichText(items) => {
                Some(plain_text(items))
            }
            PropertyValueKind::Url(text)
            | PropertyValueKind::Email(text)
            | PropertyValueKind::PhoneNumber(text) => text.clone(),
            PropertyValueKind::Select(option) | PropertyValueKind::Status(option) => {
                option.as_ref().map(|o| o.name.clone())
            }
            PropertyValueKind::Formula(Formula {
                kind: super::FormulaKind::String(s),
                ..
            }) => s.clone(),
            _ => None,
        }
    }
}
