//! Select, multi-select and status options.

use crate::Color;
use crate::codec::object;

object! {
    /// A select, multi-select or status option: `{id, name, color}` in values, plus
    /// `description` in schemas.
    #[derive(Debug, Clone, PartialEq)]
    pub struct SelectOption {
        /// The option id.
        opt id: String,
        /// The option name.
        req name: String,
        /// The option color.
        opt color: Color,
        /// The option description (schemas only).
        null description: String,
    }
}

object! {
    /// A group of status options (`To-do`, `In progress`, `Complete`).
    #[derive(Debug, Clone, PartialEq)]
    pub struct StatusGroup {
        /// The group id.
        opt id: String,
        /// The group name.
        opt name: String,
        /// The group color.
        opt color: Color,
        /// The ids of the options in the group.
        opt option_ids: Vec<String>,
    }
}

impl SelectOption {
    /// An option as it appears in a value: `{id, name, color}`.
    pub fn new(id: impl Into<String>, name: impl Into<String>, color: Color) -> Self {
        SelectOption {
            id: Some(id.into()),
            name: name.into(),
            color: Some(color),
            description: None,
            extra: Default::default(),
        }
    }
}
