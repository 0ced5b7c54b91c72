//! The targeted reads of events, as connector messages: records, and tombstones for objects
//! that are gone.
//!
//! This is the one place that knows how a target is read. It uses the connector library's
//! `read_blocks` and `read_comments` and retrieves pages, data sources and databases through
//! the connector's API (the same client, rate limiter and retries), shaping them as the
//! streams do. When the connector reads targets itself (`Connector::read_targets`, emitting
//! records, tombstones and page-content markers), [`Reads::read`] becomes a call to it.

use std::borrow::Cow;
use std::sync::Arc;

use futures::StreamExt;
use notion_model::Id;
use notion_streams::api::ListRequest;
use notion_streams::schema::declared_fields;
use notion_streams::shape::{Enrichment, RawObject, malformed, shape};
use notion_streams::{CommentsMode, Connector, Error, Message, NotionApi, Object, StreamName};
use notion_webhook::{Comments, PageReads, Target};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Reads targets through the connector.
pub(crate) struct Reads {
    connector: Connector,
    api: Arc<dyn NotionApi>,
}

/// The messages of one target, in the order they were read.
pub(crate) type Messages = Vec<Message>;

impl Reads {
    /// Reads through `connector`, whose requests go through `api`.
    pub(crate) fn new(connector: Connector, api: Arc<dyn NotionApi>) -> Self {
        Reads { connector, api }
    }

    /// The connector (for the safety-net sync).
    pub(crate) fn connector(&self) -> &Connector {
        &self.connector
    }

    /// Reads one target.
    pub(crate) async fn read(&self, target: &Target) -> Result<Messages, Error> {
        let mut out = Messages::new();
        match target {
            Target::Page { id, reads } => self.page(*id, reads, &mut out).await?,
            Target::DataSource(id) => {
                self.data_source(*id, &mut out).await?;
            }
            Target::Database(id) => self.database(*id, &mut out).await?,
            // Targets a later version adds are read by the next sync.
            _ => {}
        }
        Ok(out)
    }

    async fn page(&self, id: Id, reads: &PageReads, out: &mut Messages) -> Result<(), Error> {
        if reads.page || reads.blocks {
            let raw = match self.api.retrieve(Object::Page(id)).await {
                Ok(raw) => raw,
                Err(e) if e.is_not_found() => return self.gone(StreamName::Pages, id, out),
                Err(e) => return Err(e),
            };
            let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a page", e))?;
            out.push(record(StreamName::Pages, page_record(&obj)));
            if trashed(&obj) {
                // A page in the trash has no content to read.
                return Ok(());
            }
        }
        if reads.blocks {
            let records = self.connector.read_blocks(vec![id]);
            if collect(records, StreamName::Blocks, out).await? {
                return self.gone(StreamName::Pages, id, out);
            }
        }
        let mode = self.connector.settings().config.comments;
        match &reads.comments {
            _ if mode == CommentsMode::None => {}
            Comments::None => {}
            Comments::All => {
                let records = self.connector.read_comments(vec![id]);
                if collect(records, StreamName::Comments, out).await? {
                    return self.gone(StreamName::Pages, id, out);
                }
            }
            Comments::On(parents) => {
                for parent in parents {
                    if mode == CommentsMode::Pages && *parent != id {
                        continue;
                    }
                    self.comments_on(id, *parent, out).await?;
                }
            }
        }
        Ok(())
    }

    /// The comments on one block (or on the page itself): one listing.
    async fn comments_on(&self, page: Id, block: Id, out: &mut Messages) -> Result<(), Error> {
        let page_text = page.to_string();
        let mut listing = self.api.list(ListRequest::Comments { block });
        while let Some(list) = listing.next().await {
            let list = match list {
                Ok(list) => list,
                // The block is gone: the page's content events say what became of it.
                Err(e) if e.is_not_found() => return Ok(()),
                Err(e) => return Err(e),
            };
            for raw in list.results {
                let Ok(obj) = RawObject::parse(raw.get()) else {
                    continue;
                };
                if obj.str("id").is_none() {
                    continue;
                }
                out.push(record(
                    StreamName::Comments,
                    shape(
                        &obj,
                        declared_fields(StreamName::Comments),
                        &[],
                        &[("_page_id", Enrichment::Str(Cow::Borrowed(&page_text)))],
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A data source; `None` when it is gone (a tombstone was written).
    async fn data_source(&self, id: Id, out: &mut Messages) -> Result<Option<()>, Error> {
        let raw = match self.api.retrieve(Object::DataSource(id)).await {
            Ok(raw) => raw,
            Err(e) if e.is_not_found() => {
                self.gone(StreamName::DataSources, id, out)?;
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a data source", e))?;
        let mut enrich = Vec::new();
        let database = parent_ids(&obj).database_id;
        if let Some(d) = &database {
            enrich.push(("_database_id", Enrichment::Str(Cow::Borrowed(d.as_str()))));
        }
        let title = rich_text_plain(obj.get("title"));
        enrich.push(("_title", Enrichment::Str(Cow::Owned(title))));
        out.push(record(
            StreamName::DataSources,
            shape(&obj, declared_fields(StreamName::DataSources), &[], &enrich),
        ));
        Ok(Some(()))
    }

    /// A database and its data sources.
    async fn database(&self, id: Id, out: &mut Messages) -> Result<(), Error> {
        let raw = match self.api.retrieve(Object::Database(id)).await {
            Ok(raw) => raw,
            Err(e) if e.is_not_found() => return self.gone(StreamName::Databases, id, out),
            Err(e) => return Err(e),
        };
        let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a database", e))?;
        let title = rich_text_plain(obj.get("title"));
        out.push(record(
            StreamName::Databases,
            shape(
                &obj,
                declared_fields(StreamName::Databases),
                &[],
                &[("_title", Enrichment::Str(Cow::Owned(title)))],
            ),
        ));
        #[derive(Deserialize)]
        struct Ref {
            id: String,
        }
        let sources: Vec<Ref> = obj.parse_member("data_sources").unwrap_or_default();
        for source in sources {
            if let Ok(ds) = source.id.parse::<Id>() {
                self.data_source(ds, out).await?;
            }
        }
        Ok(())
    }

    /// A tombstone: the object is gone (deleted, or no longer shared).
    fn gone(&self, stream: StreamName, id: Id, out: &mut Messages) -> Result<(), Error> {
        let at = self
            .api
            .server_time()
            .unwrap_or_else(chrono::Utc::now)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let object = match stream {
            StreamName::Databases => "database",
            StreamName::DataSources => "data_source",
            _ => "page",
        };
        let tombstone = serde_json::json!({
            "object": object,
            "id": id.to_string(),
            "last_edited_time": at,
            "_ab_cdc_deleted_at": at,
            "_deleted_reason": "not_found",
        });
        out.push(record(stream, tombstone.to_string()));
        Ok(())
    }
}

/// The records of a read into `out`; `true` when the page is gone (not found, or no longer
/// shared).
async fn collect(
    mut records: notion_streams::Records,
    stream: StreamName,
    out: &mut Messages,
) -> Result<bool, Error> {
    while let Some(item) = records.next().await {
        match item {
            Ok(value) => out.push(record(stream, value.to_string())),
            Err(e) if e.is_not_found() => return Ok(true),
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

fn record(stream: StreamName, data: String) -> Message {
    Message::Record {
        stream,
        data,
        emitted_at: notion_streams::protocol::now_millis(),
    }
}

/// A page's record, as the `pages` stream shapes it (`_title`, `_data_source_id`,
/// `_database_id`). Property values Notion truncates (relations and people past 25 entries)
/// are left as sent: the next sync completes them.
fn page_record(obj: &RawObject<'_>) -> String {
    let title = title_of(obj.get("properties"));
    let parent = parent_ids(obj);
    let mut enrich = vec![("_title", Enrichment::Str(Cow::Owned(title)))];
    if parent.kind.as_deref() == Some("data_source_id")
        && let Some(ds) = &parent.data_source_id
    {
        enrich.push((
            "_data_source_id",
            Enrichment::Str(Cow::Borrowed(ds.as_str())),
        ));
        if let Some(db) = &parent.database_id {
            enrich.push(("_database_id", Enrichment::Str(Cow::Borrowed(db.as_str()))));
        }
    }
    shape(obj, declared_fields(StreamName::Pages), &[], &enrich)
}

/// Whether an object is in the trash (`in_trash`, or `archived` before 2026-03-11).
fn trashed(obj: &RawObject<'_>) -> bool {
    obj.bool("in_trash")
        .or_else(|| obj.bool("archived"))
        .unwrap_or(false)
}

#[derive(Default, Deserialize)]
struct ParentIds {
    #[serde(rename = "type")]
    kind: Option<String>,
    data_source_id: Option<String>,
    database_id: Option<String>,
}

/// The ids of an object's parent, dashed as ids are written.
fn parent_ids(obj: &RawObject<'_>) -> ParentIds {
    let mut p: ParentIds = obj.parse_member("parent").unwrap_or_default();
    let dashed = |s: Option<String>| s.and_then(|s| s.parse::<Id>().ok()).map(|i| i.to_string());
    p.data_source_id = dashed(p.data_source_id);
    p.database_id = dashed(p.database_id);
    p
}

#[derive(Deserialize)]
struct Property<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    title: Option<&'a RawValue>,
}

/// The plain text of a page's title property.
fn title_of(properties: Option<&RawValue>) -> String {
    let Some(raw) = properties else {
        return String::new();
    };
    let map: std::collections::BTreeMap<Cow<'_, str>, Property<'_>> =
        serde_json::from_str(raw.get()).unwrap_or_default();
    map.values()
        .find(|p| p.kind.as_deref() == Some("title"))
        .map(|p| rich_text_plain(p.title))
        .unwrap_or_default()
}

/// The concatenated `plain_text` of a rich-text array.
fn rich_text_plain(raw: Option<&RawValue>) -> String {
    #[derive(Deserialize)]
    struct Item<'a> {
        #[serde(borrow)]
        plain_text: Option<Cow<'a, str>>,
    }
    let Some(raw) = raw else {
        return String::new();
    };
    let items: Vec<Item<'_>> = serde_json::from_str(raw.get()).unwrap_or_default();
    items
        .iter()
        .filter_map(|i| i.plain_text.as_deref())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_record_carries_the_stream_enrichment() {
        let text = r#"{"object":"page","id":"p","request_id":"r",
            "parent":{"type":"data_source_id","data_source_id":"98024F3CB1D34AECA301F01E0DACF023","database_id":"36cc9195-760f-4fff-a67e-3a46c559b176"},
            "properties":{"Name":{"id":"title","type":"title","title":[{"plain_text":"Hello "},{"plain_text":"world"}]}},
            "in_trash":true}"#;
        let obj = RawObject::parse(text).unwrap();
        let rec: serde_json::Value = serde_json::from_str(&page_record(&obj)).unwrap();
        assert_eq!(rec["_title"], "Hello world");
        assert_eq!(
            rec["_data_source_id"],
            "98024f3c-b1d3-4aec-a301-f01e0dacf023"
        );
        assert_eq!(rec["_database_id"], "36cc9195-760f-4fff-a67e-3a46c559b176");
        assert!(rec.get("request_id").is_none());
        assert!(trashed(&obj));
    }
}
