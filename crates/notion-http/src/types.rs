//! The typed defaults of the client's endpoints: the model's types. Every endpoint can decode
//! into another type with `as_type` instead.

pub use notion_model::{
    Block, Comment, DataSource, Database, GetPagePropertyResponse, List, Page, PageMarkdown,
    PropertyItemList, SearchResponse, SearchResult, User,
};

/// A page of users.
pub type UserList = List<User>;
/// A page of blocks.
pub type BlockList = List<Block>;
/// A page of comments.
pub type CommentList = List<Comment>;
/// A page of data-source query results (pages, or data sources for wiki sources); check
/// `request_status` for Notion's 10,000-row cap.
pub type QueryResultList = SearchResponse;
/// A page of search results (pages and data sources).
pub type SearchResultList = SearchResponse;
