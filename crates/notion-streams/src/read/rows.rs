//! The rows of one data source: queried newest first, filtered on `last_edited_time` between
//! the read's lower bound and the current window's upper bound.

use std::sync::Arc;

use notion_model::{Id, Timestamp};

use super::bounds::PAGE_STREAMS;
use super::source::SourceKind;
use super::{Reader, is_listing_loop};
use crate::api::{DataSourceQuery, Direction, Filter, ListRequest, Sort};
use crate::error::Result;
use crate::state::{SourceKey, SourceProgress, format_time};

/// The query of one window: rows edited at or after `lower` and at or before `upper`, newest
/// first.
pub(super) fn window_query(lower: Option<&str>, upper: Option<&Timestamp>) -> DataSourceQuery {
    let filter = Filter::all(
        lower
            .map(Filter::edited_on_or_after)
            .into_iter()
            .chain(upper.map(|u| Filter::edited_on_or_before(u.as_str()))),
    );
    DataSourceQuery {
        filter,
        sorts: vec![Sort::last_edited(Direction::Descending)],
        ..DataSourceQuery::default()
    }
}

impl Reader {
    /// Reads the rows of one data source newest first, in windows of at most 10,000 rows. A
    /// query the loop guards stop fails the page-driven streams; the other data sources go on.
    pub(super) async fn query_rows(self: Arc<Self>, ds: Id) -> Result<()> {
        let key = SourceKey::DataSource(ds);
        if matches!(self.resumed_progress(&key), Some(SourceProgress::Done)) {
            self.set_progress(key, Some(SourceProgress::Done));
            return Ok(());
        }
        let lower = self.row_lower(ds).flatten().map(format_time);
        // Rows whose values a schema change rewrote, older than the bound: records only.
        if let Some(below) = &lower
            && self.schema_changed(ds)
        {
            match self.reread_rows(ds, below).await {
                Err(e) if is_listing_loop(&e) => {
                    return self.fail_streams(&PAGE_STREAMS, e).await;
                }
                other => other?,
            }
        }
        let reader = self.clone();
        let result = self
            .clone()
            .run_source(key, SourceKind::Query, move |upper| {
                reader.list(ListRequest::QueryDataSource {
                    data_source: ds,
                    query: window_query(lower.as_deref(), upper.as_ref()),
                })
            })
            .await;
        match result {
            Err(e) if is_listing_loop(&e) => {
                self.fail_typed_streams(&e).await?;
                self.fail_streams(&PAGE_STREAMS, e).await
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_filter_between_the_bounds_newest_first() {
        let upper = Timestamp::parse("2026-02-01T00:00:00.000Z").unwrap();
        let body = |q: DataSourceQuery| serde_json::to_value(q).unwrap();
        assert_eq!(
            body(window_query(None, None)),
            serde_json::json!({"sorts": [{"timestamp": "last_edited_time", "direction": "descending"}]})
        );
        assert_eq!(
            body(window_query(Some("2026-01-01T00:00:00.000Z"), Some(&upper))),
            serde_json::json!({
                "filter": {"and": [
                    {"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": "2026-01-01T00:00:00.000Z"}},
                    {"timestamp": "last_edited_time", "last_edited_time": {"on_or_before": "2026-02-01T00:00:00.000Z"}}
                ]},
                "sorts": [{"timestamp": "last_edited_time", "direction": "descending"}]
            })
        );
    }
}
