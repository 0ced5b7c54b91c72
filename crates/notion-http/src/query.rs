//! Typed requests: the bodies of search and data-source queries (filters and sorts), and
//! [`ListRequest`], one value per paginated endpoint.
//!
//! Everything serializes to the JSON Notion expects; [`Filter::Raw`] passes any other filter
//! through unchanged.

use notion_model::Id;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Oldest or smallest first.
    Ascending,
    /// Newest or largest first.
    Descending,
}

/// A timestamp every page has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timestamp {
    /// `created_time`.
    CreatedTime,
    /// `last_edited_time`.
    LastEditedTime,
}

impl Timestamp {
    /// The name Notion uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreatedTime => "created_time",
            Self::LastEditedTime => "last_edited_time",
        }
    }
}

/// A condition on a date or timestamp; values are RFC 3339 texts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateCondition {
    /// `equals`.
    Equals(String),
    /// `before`.
    Before(String),
    /// `after`.
    After(String),
    /// `on_or_before`.
    OnOrBefore(String),
    /// `on_or_after`.
    OnOrAfter(String),
}

impl DateCondition {
    fn operator_and_value(&self) -> (&'static str, &str) {
        match self {
            Self::Equals(v) => ("equals", v),
            Self::Before(v) => ("before", v),
            Self::After(v) => ("after", v),
            Self::OnOrBefore(v) => ("on_or_before", v),
            Self::OnOrAfter(v) => ("on_or_after", v),
        }
    }
}

/// A data-source query filter.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Filter {
    /// A condition on a page timestamp:
    /// `{"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": "…"}}`.
    Timestamp(Timestamp, DateCondition),
    /// All of the filters.
    And(Vec<Filter>),
    /// Any of the filters.
    Or(Vec<Filter>),
    /// Any other filter, as JSON.
    Raw(Value),
}

impl Filter {
    /// `last_edited_time` on or after `rfc3339`.
    pub fn edited_on_or_after(rfc3339: impl Into<String>) -> Self {
        Self::Timestamp(
            Timestamp::LastEditedTime,
            DateCondition::OnOrAfter(rfc3339.into()),
        )
    }

    /// `last_edited_time` on or before `rfc3339`.
    pub fn edited_on_or_before(rfc3339: impl Into<String>) -> Self {
        Self::Timestamp(
            Timestamp::LastEditedTime,
            DateCondition::OnOrBefore(rfc3339.into()),
        )
    }

    /// `created_time` before `rfc3339`.
    pub fn created_before(rfc3339: impl Into<String>) -> Self {
        Self::Timestamp(
            Timestamp::CreatedTime,
            DateCondition::Before(rfc3339.into()),
        )
    }

    /// All of `filters`; one filter stands alone, none is `None`.
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Option<Self> {
        let mut filters: Vec<Filter> = filters.into_iter().collect();
        match filters.len() {
            0 => None,
            1 => filters.pop(),
            _ => Some(Self::And(filters)),
        }
    }
}

impl Serialize for Filter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Filter::Timestamp(timestamp, condition) => {
                struct Condition<'a>(&'a DateCondition);
                impl Serialize for Condition<'_> {
                    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                        let (op, value) = self.0.operator_and_value();
                        let mut map = s.serialize_map(Some(1))?;
                        map.serialize_entry(op, value)?;
                        map.end()
                    }
                }
                let name = timestamp.as_str();
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("timestamp", name)?;
                map.serialize_entry(name, &Condition(condition))?;
                map.end()
            }
            Filter::And(filters) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("and", filters)?;
                map.end()
            }
            Filter::Or(filters) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("or", filters)?;
                map.end()
            }
            Filter::Raw(value) => value.serialize(serializer),
        }
    }
}

/// A sort of a data-source query.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Sort {
    /// By a page timestamp.
    Timestamp(Timestamp, Direction),
    /// By a property (name or id).
    Property(String, Direction),
}

impl Sort {
    /// By `last_edited_time`.
    pub fn last_edited(direction: Direction) -> Self {
        Self::Timestamp(Timestamp::LastEditedTime, direction)
    }
}

impl Serialize for Sort {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        match self {
            Sort::Timestamp(t, d) => {
                map.serialize_entry("timestamp", t.as_str())?;
                map.serialize_entry("direction", d)?;
            }
            Sort::Property(p, d) => {
                map.serialize_entry("property", p)?;
                map.serialize_entry("direction", d)?;
            }
        }
        map.end()
    }
}

/// The kind of objects a search returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectKind {
    /// Pages only.
    Page,
    /// Data sources only.
    DataSource,
}

/// The body of `POST /v1/search` (without pagination, which the client adds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchRequest {
    /// Text matched against titles.
    pub query: Option<String>,
    /// Only objects of this kind.
    pub object: Option<ObjectKind>,
    /// Search the trash instead (`filter.in_trash`).
    pub in_trash: bool,
    /// Sorted by `last_edited_time` in this direction (the only timestamp sort search allows);
    /// `None`: by relevance.
    pub sort: Option<Direction>,
}

impl SearchRequest {
    /// Everything shared with the integration.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only objects whose title matches `query`.
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }

    /// Only pages.
    pub fn pages(mut self) -> Self {
        self.object = Some(ObjectKind::Page);
        self
    }

    /// Only data sources.
    pub fn data_sources(mut self) -> Self {
        self.object = Some(ObjectKind::DataSource);
        self
    }

    /// Objects in the trash.
    pub fn in_trash(mut self) -> Self {
        self.in_trash = true;
        self
    }

    /// Sorted by `last_edited_time`.
    pub fn sort_by_last_edited(mut self, direction: Direction) -> Self {
        self.sort = Some(direction);
        self
    }
}

impl Serialize for SearchRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct FilterBody<'a>(&'a SearchRequest);
        impl Serialize for FilterBody<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(None)?;
                if let Some(object) = self.0.object {
                    map.serialize_entry("property", "object")?;
                    map.serialize_entry(
                        "value",
                        match object {
                            ObjectKind::Page => "page",
                            ObjectKind::DataSource => "data_source",
                        },
                    )?;
                }
                if self.0.in_trash {
                    map.serialize_entry("in_trash", &true)?;
                }
                map.end()
            }
        }
        struct SortBody(Direction);
        impl Serialize for SortBody {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("timestamp", "last_edited_time")?;
                map.serialize_entry("direction", &self.0)?;
                map.end()
            }
        }
        let mut map = serializer.serialize_map(None)?;
        if let Some(q) = &self.query {
            map.serialize_entry("query", q)?;
        }
        if self.object.is_some() || self.in_trash {
            map.serialize_entry("filter", &FilterBody(self))?;
        }
        if let Some(direction) = self.sort {
            map.serialize_entry("sort", &SortBody(direction))?;
        }
        map.end()
    }
}

/// The body of `POST /v1/data_sources/{id}/query` (without pagination), plus the
/// `filter_properties[]` query parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataSourceQuery {
    /// A filter.
    pub filter: Option<Filter>,
    /// Sorts, first is primary.
    pub sorts: Vec<Sort>,
    /// Ask for trashed pages.
    pub in_trash: Option<bool>,
    /// Ask for archived pages (excluded by default since 2026-07-15).
    pub is_archived: Option<bool>,
    /// `page` or `data_source` (wiki data sources).
    pub result_type: Option<String>,
    /// Property ids or names to return (query parameter `filter_properties[]`); empty = all.
    pub filter_properties: Vec<String>,
}

impl DataSourceQuery {
    /// All rows, in Notion's order.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the filter.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Adds a sort.
    pub fn sort(mut self, sort: Sort) -> Self {
        self.sorts.push(sort);
        self
    }

    /// Rows edited at or after `rfc3339`, oldest edit first: the incremental-sync query.
    pub fn edited_since(rfc3339: &str) -> Self {
        Self::new()
            .filter(Filter::edited_on_or_after(rfc3339))
            .sort(Sort::last_edited(Direction::Ascending))
    }
}

impl Serialize for DataSourceQuery {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(f) = &self.filter {
            map.serialize_entry("filter", f)?;
        }
        if !self.sorts.is_empty() {
            map.serialize_entry("sorts", &self.sorts)?;
        }
        if let Some(v) = self.in_trash {
            map.serialize_entry("in_trash", &v)?;
        }
        if let Some(v) = self.is_archived {
            map.serialize_entry("is_archived", &v)?;
        }
        if let Some(v) = &self.result_type {
            map.serialize_entry("result_type", v)?;
        }
        map.end()
    }
}

/// One paginated endpoint and its parameters: what [`NotionClient::list`] reads.
///
/// [`NotionClient::list`]: crate::NotionClient::list
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ListRequest {
    /// `GET /v1/users`.
    Users,
    /// `POST /v1/search`.
    Search(SearchRequest),
    /// `POST /v1/data_sources/{id}/query`.
    QueryDataSource {
        /// The data source.
        data_source: Id,
        /// The query.
        query: DataSourceQuery,
    },
    /// `GET /v1/blocks/{id}/children`.
    BlockChildren {
        /// The block or page.
        block: Id,
    },
    /// `GET /v1/comments?block_id=…`.
    Comments {
        /// The block or page.
        block: Id,
    },
    /// `GET /v1/pages/{id}/properties/{property_id}`.
    PageProperty {
        /// The page.
        page: Id,
        /// The property id, as Notion returned it (already URL-encoded).
        property: String,
    },
}

impl ListRequest {
    /// A short name of the endpoint, for messages and counters (`search`, `block_children`, …).
    pub fn endpoint_name(&self) -> &'static str {
        match self {
            Self::Users => "list_users",
            Self::Search(_) => "search",
            Self::QueryDataSource { .. } => "query_data_source",
            Self::BlockChildren { .. } => "block_children",
            Self::Comments { .. } => "list_comments",
            Self::PageProperty { .. } => "page_property",
        }
    }
}

/// Serializes a request body into a JSON map (empty for a body that is not an object).
pub(crate) fn body_map<T: Serialize>(body: &T) -> serde_json::Map<String, Value> {
    match body.serialize(serde_json::value::Serializer) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies() {
        let q = DataSourceQuery::edited_since("2026-11-01T00:00:00Z");
        assert_eq!(
            serde_json::to_value(&q).unwrap(),
            json!({
                "filter": {"timestamp": "last_edited_time",
                           "last_edited_time": {"on_or_after": "2026-11-01T00:00:00Z"}},
                "sorts": [{"timestamp": "last_edited_time", "direction": "ascending"}]
            })
        );
        let s = SearchRequest::new()
            .query("Roadmap")
            .pages()
            .sort_by_last_edited(Direction::Descending);
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"query": "Roadmap", "filter": {"property": "object", "value": "page"},
                   "sort": {"timestamp": "last_edited_time", "direction": "descending"}})
        );
        assert_eq!(
            serde_json::to_value(SearchRequest::new().in_trash()).unwrap(),
            json!({"filter": {"in_trash": true}})
        );
        assert_eq!(
            serde_json::to_value(Filter::all([
                Filter::created_before("a"),
                Filter::Raw(json!({"x": 1}))
            ]))
            .unwrap(),
            json!({"and": [{"timestamp": "created_time", "created_time": {"before": "a"}}, {"x": 1}]})
        );
        assert_eq!(Filter::all([]), None);
        assert_eq!(
            serde_json::to_value(Sort::Property("Name".into(), Direction::Ascending)).unwrap(),
            json!({"property": "Name", "direction": "ascending"})
        );
    }
}
