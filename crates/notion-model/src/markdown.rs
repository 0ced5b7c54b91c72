//! Page content as markdown.

use crate::Id;
use crate::codec::object;

object! {
    /// The response of `GET /v1/pages/{id}/markdown` (`object: "page_markdown"`).
    #[derive(Debug, Clone, PartialEq)]
    pub struct PageMarkdown: object "page_markdown" {
        /// The page id.
        req id: Id,
        /// The "enhanced markdown" of the page.
        opt markdown: String,
        /// Whether sub-trees were too large to inline.
        opt truncated: bool,
        /// Blocks left out of the markdown.
        opt unknown_block_ids: Vec<Id>,
    }
}
