//! Data-source property schemas.

use super::{SelectOption, StatusGroup};
use crate::codec::{object, tagged_kind};
use crate::{Empty, Id};

object! {
    /// A data-source property schema: `{id, name, description, type, <type>: {config}}`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct PropertySchema {
        /// The property id (stable across renames; the title property is `title`).
        opt id: String,
        /// The property name.
        opt name: String,
        /// The description, `null` when none.
        null description: String,
    }
    /// The property type and its configuration.
    tag req kind: PropertySchemaKind;
}

tagged_kind! {
    /// The type of a data-source property and its configuration.
    #[derive(Debug, Clone, PartialEq)]
    pub enum PropertySchemaKind {
        /// `title`
        Title(Empty) = "title",
        /// `rich_text`
        RichText(Empty) = "rich_text",
        /// `number`
        Number(NumberConfig) = "number",
        /// `select`
        Select(SelectConfig) = "select",
        /// `multi_select`
        MultiSelect(SelectConfig) = "multi_select",
        /// `status`
        Status(StatusConfig) = "status",
        /// `date`
        Date(Empty) = "date",
        /// `people`
        People(Empty) = "people",
        /// `files`
        Files(Empty) = "files",
        /// `checkbox`
        Checkbox(Empty) = "checkbox",
        /// `url`
        Url(Empty) = "url",
        /// `email`
        Email(Empty) = "email",
        /// `phone_number`
        PhoneNumber(Empty) = "phone_number",
        /// `formula`
        Formula(FormulaConfig) = "formula",
        /// `relation`
        Relation(RelationConfig) = "relation",
        /// `rollup`
        Rollup(RollupConfig) = "rollup",
        /// `created_time`
        CreatedTime(Empty) = "created_time",
        /// `created_by`
        CreatedBy(Empty) = "created_by",
        /// `last_edited_time`
        LastEditedTime(Empty) = "last_edited_time",
        /// `last_edited_by`
        LastEditedBy(Empty) = "last_edited_by",
        /// `unique_id`
        UniqueId(UniqueIdConfig) = "unique_id",
        /// `button`
        Button(Empty) = "button",
        /// `place`
        Place(Empty) = "place",
        /// `verification` (wiki data sources)
        Verification(Empty) = "verification",
    }
}

object! {
    /// `number` configuration.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct NumberConfig {
        /// The display format (`number`, `percent`, `dollar`, …).
        opt format: String,
    }
}

object! {
    /// `select` and `multi_select` configuration.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct SelectConfig {
        /// The options.
        opt options: Vec<SelectOption>,
    }
}

object! {
    /// `status` configuration.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct StatusConfig {
        /// The options.
        opt options: Vec<SelectOption>,
        /// The groups of options.
        opt groups: Vec<StatusGroup>,
    }
}

object! {
    /// `formula` configuration.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct FormulaConfig {
        /// The formula expression.
        opt expression: String,
    }
}

object! {
    /// `relation` configuration. `type` (`single_property` / `dual_property`) may be absent.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct RelationConfig {
        /// The related database.
        opt database_id: Id,
        /// The related data source.
        opt data_source_id: Id,
        /// `single_property` or `dual_property`.
        opt relation_type as "type": String,
        /// Present (`{}`) on one-way relations.
        opt single_property: Empty,
        /// The synced property of a two-way relation.
        opt dual_property: DualProperty,
    }
}

object! {
    /// The other side of a two-way relation.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct DualProperty {
        /// The id of the synced property.
        opt synced_property_id: String,
        /// The name of the synced property.
        opt synced_property_name: String,
    }
}

object! {
    /// `rollup` configuration.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct RollupConfig {
        /// The relation property id.
        opt relation_property_id: String,
        /// The relation property name.
        opt relation_property_name: String,
        /// The rolled-up property id.
        opt rollup_property_id: String,
        /// The rolled-up property name.
        opt rollup_property_name: String,
        /// The rollup function.
        opt function: String,
    }
}

object! {
    /// `unique_id` configuration.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct UniqueIdConfig {
        /// The prefix, `null` when none.
        null prefix: String,
    }
}

impl PropertySchema {
    /// A schema entry with no description.
    pub fn new(id: impl Into<String>, name: impl Into<String>, kind: PropertySchemaKind) -> Self {
        PropertySchema {
            id: Some(id.into()),
            name: Some(name.into()),
            description: Some(None),
            kind,
            extra: Default::default(),
        }
    }

    /// The value of `type`.
    pub fn type_name(&self) -> &str {
        self.kind.type_name()
    }
}
