//! Database views and view queries.

use serde_json::Value;

use crate::codec::object;
use crate::list::RequestStatus;
use crate::{Id, Page, Parent, Timestamp, User};

object! {
    /// A database view (`object: "view"`); list responses carry only `{object, id}`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct View: object "view" {
        /// The view id.
        req id: Id,
        /// The database.
        opt parent: Parent,
        /// The data source shown, `null` for none.
        null data_source_id: Id,
        /// The view name.
        opt name: String,
        /// `table`, `board`, `list`, `calendar`, `timeline`, `gallery`, `form`, `chart`, `map`,
        /// `dashboard`.
        opt view_type as "type": String,
        /// When it was created.
        opt created_time: Timestamp,
        /// Who created it.
        null created_by: User,
        /// When it was last edited.
        opt last_edited_time: Timestamp,
        /// Who last edited it.
        null last_edited_by: User,
        /// The Notion URL.
        opt url: String,
        /// The view filter (kept as JSON).
        null filter: Value,
        /// The view sorts (kept as JSON).
        null sorts: Value,
        /// Quick filters (kept as JSON).
        null quick_filters: Value,
        /// Layout configuration (kept as JSON).
        null configuration: Value,
        /// The dashboard holding this view.
        opt dashboard_view_id: String,
    }
}

object! {
    /// A view query (`object: "view_query"`): a cached result set paged by cursor.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ViewQuery: object "view_query" {
        /// The query id.
        req id: Id,
        /// The view.
        opt view_id: Id,
        /// When the cached result expires.
        opt expires_at: Timestamp,
        /// How many pages matched.
        opt total_count: u64,
        /// Page references (`{object: "page", id}`).
        opt results: Vec<Page>,
        /// The cursor of the next page, `null` on the last page.
        null next_cursor: String,
        /// Whether there is another page.
        opt has_more: bool,
        /// Set when the query stopped early.
        opt request_status: RequestStatus,
    }
}
