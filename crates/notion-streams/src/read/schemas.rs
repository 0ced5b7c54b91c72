//! Data source schemas between reads. Notion changes the values of a data source's rows when
//! its schema changes — a property renamed (values are keyed by name), retyped (values
//! converted), removed, an option renamed — without changing the rows' `last_edited_time`, so an
//! incremental read would keep the old values. A fingerprint of each schema is kept in the pages
//! state; the rows of a data source whose fingerprint changed are read again (their records;
//! their content did not change).

use std::collections::BTreeMap;

use notion_model::Id;
use serde_json::Value;

use super::{Reader, lock, timestamp};
use crate::api::{DataSourceQuery, Filter, ListRequest};
use crate::error::Result;
use crate::protocol::LogLevel;
use crate::shape::{RawObject, malformed};
use crate::stream::StreamName;

/// The endpoint named in messages.
const QUERY: &str = "POST /v1/data_sources/{id}/query";

/// A fingerprint of a data source's schema: its properties' ids, names and types, and the
/// options of select, multi-select and status properties (FNV-1a, 64 bits, hex). `None` when
/// the object has no readable `properties`.
pub(crate) fn fingerprint(data_source: &RawObject<'_>) -> Option<String> {
    let properties: BTreeMap<String, Value> = data_source.parse_member("properties")?;
    let mut entries: Vec<String> = properties
        .iter()
        .map(|(name, p)| {
            let kind = p["type"].as_str().unwrap_or_default();
            let options = p[kind]["options"]
                .as_array()
                .map(|opts| {
                    opts.iter()
                        .map(|o| {
                            format!(
                                "{}={}",
                                o["id"].as_str().unwrap_or_default(),
                                o["name"].as_str().unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let id = p["id"].as_str().unwrap_or_default();
            format!("{id}\u{1f}{name}\u{1f}{kind}\u{1f}{options}")
        })
        .collect();
    entries.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in entries.join("\u{1e}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    Some(format!("{hash:016x}"))
}

impl Reader {
    /// Whether the schema of `ds` changed since the last complete read (a data source the last
    /// read did not fingerprint has not: its rows are new to the destination, and read as such).
    pub(super) fn schema_changed(&self, ds: Id) -> bool {
        // The pages state's fingerprint, else the data source's typed stream's.
        let typed = self
            .typed
            .stream_of(ds)
            .and_then(|((name, _), _)| self.input.data_source(&name))
            .and_then(|s| s.schemas.get(&ds).cloned());
        let Some(before) = self
            .input
            .get(StreamName::Pages)
            .and_then(|s| s.schemas.get(&ds).cloned())
            .or(typed)
        else {
            return false;
        };
        lock(&self.registry)
            .schema(ds)
            .is_some_and(|now| now != before.as_str())
    }

    /// The fingerprints the pages state keeps: those of this read when it is complete (`done`),
    /// else those the read started from (a resumed read must still see a change).
    pub(super) fn schemas_state(&self, done: bool) -> BTreeMap<Id, String> {
        let previous = || {
            self.input
                .get(StreamName::Pages)
                .map(|s| s.schemas.clone())
                .unwrap_or_default()
        };
        if !done {
            return previous();
        }
        let current = lock(&self.registry).schemas();
        if current.is_empty() {
            previous()
        } else {
            current
        }
    }

    /// Reads again the records (`pages`, and the data source's typed stream) of the rows of
    /// `ds` edited at or before `below` (the read's lower bound; newer rows are read in full by
    /// the data source's query): their values changed with the schema. One query page per 100 rows, and what completing their
    /// properties costs.
    pub(super) async fn reread_rows(&self, ds: Id, below: &str) -> Result<()> {
        let emit_pages = self.selection.contains(StreamName::Pages);
        if !emit_pages && self.typed.stream_of(ds).is_none() {
            return Ok(());
        }
        let request = ListRequest::QueryDataSource {
            data_source: ds,
            query: DataSourceQuery {
                filter: Some(Filter::edited_on_or_before(below)),
                ..DataSourceQuery::default()
            },
        };
        let mut pages = self.list(request);
        let mut rows = 0u64;
        while let Some(page) = self.next_page(&mut pages).await {
            for raw in &page?.results {
                let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a row", e))?;
                if obj.str("object").as_deref() != Some("page") {
                    continue;
                }
                let Some(id) = self.object_id(&obj, "a row", QUERY).await? else {
                    continue;
                };
                // Its typed stream's record too, whatever the row's edit time.
                let typed = timestamp(&obj).and_then(|ts| self.typed_target(&obj, ts, true));
                let properties = match self.settings.config.fetch_full_properties {
                    true => self.complete_properties(id, &obj).await?,
                    false => None,
                };
                if emit_pages {
                    self.emit_page_record(&obj, properties.as_deref()).await?;
                }
                if let Some(target) = &typed {
                    self.emit_typed_record(target, raw, properties.as_deref())
                        .await?;
                }
                rows += 1;
            }
        }
        self.out
            .log(
                LogLevel::Info,
                format!(
                    "read again the {rows} older rows of data source {ds}: its schema changed \
                     since the last sync"
                ),
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fp(v: Value) -> String {
        let text = v.to_string();
        fingerprint(&RawObject::parse(&text).unwrap()).unwrap()
    }

    #[test]
    fn the_fingerprint_follows_names_types_and_options_not_order() {
        let base = json!({"properties": {
            "Name": {"id": "title", "type": "title", "title": {}},
            "Status": {"id": "s", "type": "select", "select": {"options": [{"id": "1", "name": "Open"}]}}
        }});
        let same = json!({"properties": {
            "Status": {"id": "s", "type": "select", "select": {"options": [{"id": "1", "name": "Open"}]}},
            "Name": {"id": "title", "type": "title", "title": {}}
        }});
        assert_eq!(fp(base.clone()), fp(same));
        let renamed = json!({"properties": {
            "Title": {"id": "title", "type": "title", "title": {}},
            "Status": {"id": "s", "type": "select", "select": {"options": [{"id": "1", "name": "Open"}]}}
        }});
        let retyped = json!({"properties": {
            "Name": {"id": "title", "type": "title", "title": {}},
            "Status": {"id": "s", "type": "rich_text", "rich_text": {}}
        }});
        let option = json!({"properties": {
            "Name": {"id": "title", "type": "title", "title": {}},
            "Status": {"id": "s", "type": "select", "select": {"options": [{"id": "1", "name": "Done"}]}}
        }});
        for changed in [renamed, retyped, option] {
            assert_ne!(fp(base.clone()), fp(changed));
        }
        let text = json!({"title": []}).to_string();
        assert_eq!(fingerprint(&RawObject::parse(&text).unwrap()), None);
    }
}
