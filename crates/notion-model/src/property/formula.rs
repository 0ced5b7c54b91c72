//! Formula and rollup results.

use serde_json::Number;

use super::PropertyValue;
use crate::codec::{object, tagged_kind};
use crate::{DateValue, Empty};

object! {
    /// A formula result: `{type: "string" | "number" | "boolean" | "date" | "unsupported", …}`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Formula {}
    /// The result type and value.
    tag req kind: FormulaKind;
}

tagged_kind! {
    /// The type and value of a formula result.
    #[derive(Debug, Clone, PartialEq)]
    pub enum FormulaKind {
        /// `string`
        String(Option<String>) = "string",
        /// `number`
        Number(Option<Number>) = "number",
        /// `boolean`
        Boolean(Option<bool>) = "boolean",
        /// `date`
        Date(Option<DateValue>) = "date",
        /// `unsupported`: too expensive to compute (since 2026-08-05).
        Unsupported(Empty) = "unsupported",
    }
}

object! {
    /// A rollup result: `{type, <type>: …, function}`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Rollup {
        /// The rollup function (`sum`, `count`, `show_original`, …).
        opt function: String,
    }
    /// The result type and value.
    tag req kind: RollupKind;
}

tagged_kind! {
    /// The type and value of a rollup result.
    #[derive(Debug, Clone, PartialEq)]
    pub enum RollupKind {
        /// `number`
        Number(Option<Number>) = "number",
        /// `date`
        Date(Option<DateValue>) = "date",
        /// `array`: property values without ids.
        Array(Vec<PropertyValue>) = "array",
        /// `unsupported`
        Unsupported(Empty) = "unsupported",
        /// `incomplete` (while paginating a rollup property item).
        Incomplete(Empty) = "incomplete",
    }
}

impl Formula {
    /// A formula result of this kind.
    pub fn new(kind: FormulaKind) -> Self {
        Formula {
            kind,
            extra: Default::default(),
        }
    }
}

impl Rollup {
    /// A rollup result of this kind computed with `function`.
    pub fn new(kind: RollupKind, function: impl Into<String>) -> Self {
        Rollup {
            function: Some(function.into()),
            kind,
            extra: Default::default(),
        }
    }
}
