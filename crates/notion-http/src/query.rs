//! Request bodies for search and data-source queries, with small typed builders. Filters and
//! sorts are JSON values, so anything Notion accepts can be passed through unchanged.

use serde::Serialize;
use serde_json::{Value, json};

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
    fn as_str(self) -> &'static str {
        match self {
            Self::CreatedTime => "created_time",
            Self::LastEditedTime => "last_edited_time",
        }
    }
}

/// Builders for data-source query filters (JSON values).
#[derive(Debug)]
pub struct Filter;

impl Filter {
    /// A timestamp filter, e.g. `Filter::timestamp(Timestamp::LastEditedTime, "on_or_after",
    /// "2026-11-01T00:00:00Z")`. Operators: `equals`, `before`, `after`, `on_or_before`,
    /// `on_or_after`, `is_empty`, `is_not_empty`, `past_week`, ….
    pub fn timestamp(timestamp: Timestamp, operator: &str, value: impl Into<Value>) -> Value {
        let name = timestamp.as_str();
        json!({ "timestamp": name, name: { operator: value.into() } })
    }

    /// `last_edited_time` on or after `rfc3339`.
    pub fn edited_on_or_after(rfc3339: &str) -> Value {
        Self::timestamp(Timestamp::LastEditedTime, "on_or_after", rfc3339)
    }

    /// `created_time` before `rfc3339`.
    pub fn created_before(rfc3339: &str) -> Value {
        Self::timestamp(Timestamp::CreatedTime, "before", rfc3339)
    }

    /// All of `filters`.
    pub fn and(filters: impl IntoIterator<Item = Value>) -> Value {
        json!({ "and": filters.into_iter().collect::<Vec<_>>() })
    }

    /// Any of `filters`.
    pub fn or(filters: impl IntoIterator<Item = Value>) -> Value {
        json!({ "or": filters.into_iter().collect::<Vec<_>>() })
    }
}

/// Builders for sorts (JSON values).
#[derive(Debug)]
pub struct Sort;

impl Sort {
    /// Sort by a page timestamp.
    pub fn timestamp(timestamp: Timestamp, direction: Direction) -> Value {
        json!({ "timestamp": timestamp.as_str(), "direction": direction })
    }

    /// Sort by a property (name or id).
    pub fn property(property: &str, direction: Direction) -> Value {
        json!({ "property": property, "direction": direction })
    }
}

/// The body of `POST /v1/search` (without pagination, which the client adds).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchRequest {
    /// Text matched against titles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// `{"property":"object","value":"page"|"data_source"}` and/or `{"in_trash":true}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Value>,
    /// `{"timestamp":"last_edited_time","direction":…}`, the only timestamp sort allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<Value>,
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
        self.filter = Some(json!({ "property": "object", "value": "page" }));
        self
    }

    /// Only data sources.
    pub fn data_sources(mut self) -> Self {
        self.filter = Some(json!({ "property": "object", "value": "data_source" }));
        self
    }

    /// A raw filter.
    pub fn filter(mut self, filter: Value) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Sorted by `last_edited_time`.
    pub fn sort_by_last_edited(mut self, direction: Direction) -> Self {
        self.sort = Some(Sort::timestamp(Timestamp::LastEditedTime, direction));
        self
    }

    /// A raw sort.
    pub fn sort(mut self, sort: Value) -> Self {
        self.sort = Some(sort);
        self
    }
}

/// The body of `POST /v1/data_sources/{id}/query` (without pagination), plus the
/// `filter_properties[]` query parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DataSourceQuery {
    /// A filter (see [`Filter`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Value>,
    /// Sorts, first is primary (see [`Sort`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sorts: Vec<Value>,
    /// Ask for trashed pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_trash: Option<bool>,
    /// Ask for archived pages (excluded by default since 2026-07-15).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_archived: Option<bool>,
    /// `page` or `data_source` (wiki data sources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_type: Option<String>,
    /// Property ids or names to return (query parameter `filter_properties[]`); empty = all.
    #[serde(skip)]
    pub filter_properties: Vec<String>,
}

impl DataSourceQuery {
    /// All rows, in Notion's order.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the filter.
    pub fn filter(mut self, filter: Value) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Adds a sort.
    pub fn sort(mut self, sort: Value) -> Self {
        self.sorts.push(sort);
        self
    }

    /// Rows edited at or after `rfc3339`, oldest edit first: the incremental-sync query.
    pub fn edited_since(rfc3339: &str) -> Self {
        Self::new()
            .filter(Filter::edited_on_or_after(rfc3339))
            .sort(Sort::timestamp(
                Timestamp::LastEditedTime,
                Direction::Ascending,
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            Filter::and([Filter::created_before("a"), json!({"x": 1})]),
            json!({"and": [{"timestamp": "created_time", "created_time": {"before": "a"}}, {"x": 1}]})
        );
    }
}
