//! Data-source templates.

use crate::Id;
use crate::codec::object;

object! {
    /// The response of `GET /v1/data_sources/{id}/templates` (no `object` member).
    #[derive(Debug, Clone, PartialEq)]
    pub struct TemplateList {
        /// The templates.
        opt templates: Vec<Template>,
        /// Whether there is another page.
        opt has_more: bool,
        /// The cursor of the next page, `null` on the last page.
        null next_cursor: String,
    }
}

object! {
    /// A page template of a data source.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Template {
        /// The template page id.
        req id: Id,
        /// Its name.
        opt name: String,
        /// Whether it is the default template.
        opt is_default: bool,
    }
}
