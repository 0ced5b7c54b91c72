//! The typed defaults of the client's endpoints.

use serde_json::Value;

/// A user object.
pub type User = Value;
/// A database (container) object.
pub type Database = Value;
/// A data source object.
pub type DataSource = Value;
/// A page object.
pub type Page = Value;
/// A block object.
pub type Block = Value;
/// A comment object.
pub type Comment = Value;
/// A page of users.
pub type UserList = Value;
/// A page of blocks.
pub type BlockList = Value;
/// A page of comments.
pub type CommentList = Value;
/// A page of data-source query results (pages, or data sources for wiki sources).
pub type QueryResultList = Value;
/// A page of search results (pages and data sources).
pub type SearchResultList = Value;
/// A page of property items.
pub type PropertyItemList = Value;
