//! What a base workspace (generated or demo) answers, before mutations.
//!
//! A base holds no per-request state. The generated base computes every answer from the seed
//! and the indices encoded in ids; the demo base looks them up in maps built at start.

use std::fmt;

use chrono::{DateTime, Utc};
use notion_model::{Block, Comment, DataSource, Database, Id, Page, PropertyValue, User};

use super::{BlockInfo, Found};

/// A base workspace: structure and objects, as the connection sees them (shared objects only).
pub(crate) trait Base: fmt::Debug + Send + Sync {
    /// The workspace id.
    fn workspace_id(&self) -> Id;
    /// The workspace name.
    fn workspace_name(&self) -> String;
    /// The connection's own bot user.
    fn bot_id(&self) -> Id;
    /// The id of the `n`-th object added by a mutation.
    fn added_id(&self, n: u64) -> Id;

    /// Users in list order (members and bots).
    fn user_ids(&self) -> Vec<Id>;
    /// A full user object.
    fn user(&self, id: &Id) -> Option<User>;

    /// What `id` names, if the connection may see it.
    fn find(&self, id: &Id) -> Found;
    /// The page a block or comment lives in (a page: itself).
    fn page_of(&self, id: &Id) -> Option<Id>;

    /// Every shared database, in index order.
    fn database_ids(&self) -> Vec<Id>;
    /// A database object (2025-09-03 shape, with its data sources).
    fn database(&self, id: &Id) -> Option<Database>;
    /// The data sources of a database.
    fn data_source_ids(&self, database: &Id) -> Vec<Id>;
    /// The database of a data source.
    fn database_of(&self, data_source: &Id) -> Option<Id>;
    /// A data source object.
    fn data_source(&self, id: &Id) -> Option<DataSource>;
    /// Whether search shows a data source.
    fn data_source_in_search(&self, id: &Id) -> bool;
    /// Rows of a data source, in creation order (`None`: not a data source).
    fn rows(&self, data_source: &Id) -> Option<Vec<Id>>;

    /// Every shared page in index order (standalone, rows, child pages).
    fn page_ids(&self) -> Vec<Id>;
    /// A page object as Notion computes it: relation and people values complete (the served
    /// response cuts them at 25), rollups and formulas that read a relation computed over its
    /// first 25 entries; `now` dates signed file URLs.
    fn page(&self, id: &Id, now: DateTime<Utc>) -> Option<Page>;
    /// `(created, last edited)` of a page.
    fn page_times(&self, id: &Id) -> Option<(DateTime<Utc>, DateTime<Utc>)>;
    /// The plain-text title of a page (for search).
    fn page_title(&self, id: &Id) -> String;
    /// The plain-text title of a database (for search).
    fn database_title(&self, id: &Id) -> String;
    /// The page that holds a page (a child page's parent page) or a database (a child
    /// database's page); for a row or a data source, its database's page. `None` at workspace
    /// level.
    fn parent_page(&self, id: &Id) -> Option<Id>;
    /// The data source a row belongs to.
    fn row_data_source(&self, page: &Id) -> Option<Id>;
    /// Whether search shows the page.
    fn page_in_search(&self, id: &Id) -> bool;
    /// Pages that exist (with their content and old timestamps) but are not shared with the
    /// connection until a mutation shares them.
    fn late_pages(&self) -> Vec<Id> {
        Vec::new()
    }
    /// The property-item requests (by item count) that complete a page's values beyond what
    /// its object shows: relation and people values of more than 25 entries, rollups over such
    /// a relation (one item per entry), formulas that read one (one item each).
    fn truncated_values(&self, page: &Id) -> Vec<usize>;
    /// The rollup and formula values that the page object computes over the first 25 entries
    /// of a longer relation, computed over every entry (what the property-item endpoint
    /// serves). Empty when no value of the page is cut.
    fn complete_values(&self, page: &Id, now: DateTime<Utc>) -> Vec<(String, PropertyValue)>;

    /// A block object (a page or database id gives its `child_page` / `child_database` block).
    fn block(&self, id: &Id, now: DateTime<Utc>) -> Option<Block>;
    /// The children of a page or block (`None`: not found). A duplicate synced block's children
    /// are its original's.
    fn children(&self, id: &Id) -> Option<Vec<Id>>;
    /// The children as block objects (the hot path: one tree walk for all of them).
    fn children_blocks(&self, id: &Id, now: DateTime<Utc>) -> Option<Vec<Block>> {
        let ids = self.children(id)?;
        Some(ids.iter().filter_map(|b| self.block(b, now)).collect())
    }
    /// The original of a duplicate synced block.
    fn synced_original(&self, id: &Id) -> Option<Id>;
    /// The blocks of a page in pre-order, the page itself first (depth 0). Each block appears
    /// once, under the page where it lives (a duplicate synced block's children are not listed
    /// under it).
    fn page_blocks(&self, page: &Id) -> Option<Vec<BlockInfo>>;

    /// Comments on a page or block (`None`: not found).
    fn comment_ids(&self, parent: &Id) -> Option<Vec<Id>>;
    /// A comment object.
    fn comment(&self, id: &Id, now: DateTime<Utc>) -> Option<Comment>;
}
