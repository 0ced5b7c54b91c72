//! Page properties: values (on pages), schemas (on data sources), and what they share.

mod formula;
mod schema;
mod select;
mod value;

pub use formula::{Formula, FormulaKind, Rollup, RollupKind};
pub use schema::{
    DualProperty, FormulaConfig, NumberConfig, PropertySchema, PropertySchemaKind, RelationConfig,
    RollupConfig, SelectConfig, StatusConfig, UniqueIdConfig,
};
pub use select::{SelectOption, StatusGroup};
pub use value::{Place, PropertyValue, PropertyValueKind, UniqueId, Verification};
