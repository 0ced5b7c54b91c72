//! Search and data-source query results.

use crate::codec::object_union;
use crate::{DataSource, List, Page};

object_union! {
    /// A result of search or of a data-source query: a page or a data source.
    #[derive(Debug, Clone, PartialEq)]
    pub enum SearchResult {
        /// `object: "page"`
        Page(Box<Page>) = "page",
        /// `object: "data_source"`
        DataSource(Box<DataSource>) = "data_source",
    }
}

/// The response of `POST /v1/search` and `POST /v1/data_sources/{id}/query`
/// (`type: "page_or_data_source"`).
pub type SearchResponse = List<SearchResult>;

impl SearchResult {
    /// The page, if this is one.
    pub fn as_page(&self) -> Option<&Page> {
        match self {
            SearchResult::Page(page) => Some(page),
            _ => None,
        }
    }

    /// The data source, if this is one.
    pub fn as_data_source(&self) -> Option<&DataSource> {
        match self {
            SearchResult::DataSource(data_source) => Some(data_source),
            _ => None,
        }
    }
}
