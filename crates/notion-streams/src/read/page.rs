//! The work done for one page: its record (with truncated property values completed), its
//! blocks at every depth, and its comments.

use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use notion_model::Id;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{Reader, is_unavailable, parent_data_source_id, parent_database_id, timestamp};
use crate::config::CommentsMode;
use crate::error::{Error, Result};
use crate::schema::declared_fields;
use crate::shape::{Enrichment, RawObject, malformed, shape};
use crate::stream::StreamName;

/// Concurrent requests within one page's block tree.
const TREE_CONCURRENCY: usize = 8;

#[derive(Deserialize)]
struct PlainText<'a> {
    #[serde(borrow)]
    plain_text: Option<Cow<'a, str>>,
}

/// The plain text of a rich-text array given as raw JSON.
pub(crate) fn rich_text_plain(raw: Option<&RawValue>) -> String {
    let Some(raw) = raw else {
        return String::new();
    };
    let items: Vec<PlainText<'_>> = serde_json::from_str(raw.get()).unwrap_or_default();
    items
        .iter()
        .filter_map(|i| i.plain_text.as_deref())
        .collect()
}

#[derive(Deserialize)]
struct PropertyProbe<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    title: Option<&'a RawValue>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    has_more: Option<bool>,
    #[serde(borrow)]
    people: Option<&'a RawValue>,
}

/// The work items of a block-tree walk.
enum Fetch {
    /// All children of a block (or page) at this depth.
    Children { parent: Id, depth: u32 },
    /// All comments of a block (or page).
    Comments { block: Id },
}

enum Fetched {
    Children {
        depth: u32,
        blocks: Vec<Box<RawValue>>,
    },
    Comments {
        comments: Vec<Box<RawValue>>,
    },
    Unavailable,
}

impl Reader {
    /// Processes one page given as Notion sent it.
    pub(crate) async fn process_page(self: Arc<Self>, raw: Box<RawValue>) -> Result<()> {
        let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a page", e))?;
        let Some(id) = obj.str("id").and_then(|s| s.parse::<Id>().ok()) else {
            return Err(Error::response("a page", "it has no valid id"));
        };
        let Some(ts) = timestamp(&obj) else {
            return Err(Error::response(
                "a page",
                format!("{id} has no valid last_edited_time"),
            ));
        };
        self.counters
            .pages_processed
            .fetch_add(1, Ordering::Relaxed);
        if self.selection.contains(StreamName::Pages) && self.bounds.admits(StreamName::Pages, ts) {
            self.emit_page(id, &obj).await?;
        }
        let comments_mode = if self.selection.contains(StreamName::Comments)
            && self.bounds.admits(StreamName::Comments, ts)
            && !self.comments_failed.load(Ordering::Relaxed)
        {
            self.settings.config.comments
        } else {
            CommentsMode::None
        };
        let blocks = self.selection.contains(StreamName::Blocks)
            && self.bounds.admits(StreamName::Blocks, ts);
        // Content is walked for the blocks stream, for block comments, and to find child pages
        // and databases that search did not return.
        let walk = self.settings.config.fetch_page_blocks;
        drop(obj);
        self.walk(id, walk, blocks, comments_mode).await
    }

    async fn emit_page(&self, id: Id, obj: &RawObject<'_>) -> Result<()> {
        let properties = match self.settings.config.fetch_full_properties {
            true => self.complete_properties(id, obj).await?,
            false => None,
        };
        self.emit_page_record(obj, properties).await
    }

    /// Emits a page record, with `properties` replaced when they were completed.
    pub(crate) async fn emit_page_record(
        &self,
        obj: &RawObject<'_>,
        properties: Option<Box<RawValue>>,
    ) -> Result<()> {
        let props_raw = match &properties {
            Some(p) => Some(p.as_ref()),
            None => obj.get("properties"),
        };
        let title = title_of(props_raw);
        let mut enrich = vec![("_title", Enrichment::Str(title.into()))];
        let ds = parent_data_source_id(obj).map(|d| d.to_string());
        let db = ds
            .as_ref()
            .and_then(|_| parent_database_id(obj))
            .map(|d| d.to_string());
        if let Some(ds) = &ds {
            enrich.push(("_data_source_id", Enrichment::Str(ds.into())));
        }
        if let Some(db) = &db {
            enrich.push(("_database_id", Enrichment::Str(db.into())));
        }
        let overrides: Vec<(&str, &RawValue)> = match &properties {
            Some(p) => vec![("properties", p.as_ref())],
            None => Vec::new(),
        };
        let record = shape(obj, declared_fields(StreamName::Pages), &overrides, &enrich);
        self.out.record(StreamName::Pages, record).await
    }

    /// Completes property values Notion truncated in the page object (relations and people with
    /// more than 25 entries) through the page-property endpoint. `None`: nothing to complete.
    async fn complete_properties(
        &self,
        page: Id,
        obj: &RawObject<'_>,
    ) -> Result<Option<Box<RawValue>>> {
        let Some(raw) = obj.get("properties") else {
            return Ok(None);
        };
        let probes: Vec<(Cow<'_, str>, PropertyProbe<'_>)> = {
            let map: std::collections::BTreeMap<Cow<'_, str>, PropertyProbe<'_>> =
                match serde_json::from_str(raw.get()) {
                    Ok(m) => m,
                    Err(_) => return Ok(None),
                };
            map.into_iter().collect()
        };
        let truncated: Vec<(String, String, String)> = probes
            .iter()
            .filter_map(|(name, p)| {
                let kind = p.kind.as_deref()?;
                let cut = match kind {
                    "relation" => p.has_more == Some(true),
                    "people" => {
                        p.has_more == Some(true)
                            || p.people.is_some_and(|r| {
                                serde_json::from_str::<Vec<&RawValue>>(r.get())
                                    .is_ok_and(|v| v.len() >= 25)
                            })
                    }
                    _ => false,
                };
                cut.then(|| {
                    (
                        name.to_string(),
                        p.id.as_deref().unwrap_or_default().to_owned(),
                        kind.to_owned(),
                    )
                })
            })
            .collect();
        if truncated.is_empty() {
            return Ok(None);
        }
        let mut props: Map<String, Value> =
            serde_json::from_str(raw.get()).map_err(|e| malformed("page properties", e))?;
        for (name, prop_id, kind) in truncated {
            if prop_id.is_empty() {
                continue;
            }
            let Some(values) = self.property_values(page, &prop_id, &kind).await? else {
                continue;
            };
            if let Some(Value::Object(p)) = props.get_mut(&name) {
                p.insert(kind.clone(), Value::Array(values));
                if kind == "relation" || p.contains_key("has_more") {
                    p.insert("has_more".into(), Value::Bool(false));
                }
            }
        }
        let text = serde_json::to_string(&props).map_err(|e| malformed("page properties", e))?;
        Ok(Some(
            RawValue::from_string(text).map_err(|e| malformed("page properties", e))?,
        ))
    }

    /// Every value of a paginated property (relation or people), as page-object values.
    async fn property_values(
        &self,
        page: Id,
        prop_id: &str,
        kind: &str,
    ) -> Result<Option<Vec<Value>>> {
        let mut values = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let raw = match self
                .call(self.api.page_property(page, prop_id, cursor.as_deref()))
                .await
            {
                Ok(r) => r,
                Err(e) if is_unavailable(&e) => {
                    self.not_shared(&format!("property {prop_id} of page {page}"), &e)
                        .await?;
                    return Ok(None);
                }
                Err(e) => return Err(e),
            };
            #[derive(Deserialize)]
            struct ItemList {
                #[serde(default)]
                results: Vec<Map<String, Value>>,
                next_cursor: Option<String>,
                #[serde(default)]
                has_more: bool,
            }
            let list: ItemList = serde_json::from_str(raw.get())
                .map_err(|e| malformed("a property item list", e))?;
            for mut item in list.results {
                if let Some(v) = item.remove(kind) {
                    values.push(v);
                }
            }
            match (list.has_more, list.next_cursor) {
                (true, Some(c)) => cursor = Some(c),
                _ => break,
            }
        }
        Ok(Some(values))
    }

    /// Reads a page's block tree (every depth, up to `max_block_depth`) and its comments.
    pub(super) async fn walk(
        self: &Arc<Self>,
        page: Id,
        walk: bool,
        emit_blocks: bool,
        comments: CommentsMode,
    ) -> Result<()> {
        let max_depth = self.settings.config.max_block_depth;
        let page_text = page.to_string();
        let mut queue: VecDeque<Fetch> = VecDeque::new();
        if walk {
            queue.push_back(Fetch::Children {
                parent: page,
                depth: 1,
            });
        }
        if comments != CommentsMode::None {
            queue.push_back(Fetch::Comments { block: page });
        }
        let mut visited: HashSet<Id> = HashSet::new();
        let mut running: FuturesUnordered<BoxFuture<'_, Result<Fetched>>> = FuturesUnordered::new();
        loop {
            while running.len() < TREE_CONCURRENCY {
                let Some(f) = queue.pop_front() else { break };
                running.push(self.fetch(f).boxed());
            }
            let Some(done) = running.next().await else {
                break;
            };
            match done {
                Ok(Fetched::Unavailable) => {}
                Ok(Fetched::Comments { comments }) => {
                    if self.comments_failed.load(Ordering::Relaxed) {
                        continue;
                    }
                    for raw in comments {
                        let obj =
                            RawObject::parse(raw.get()).map_err(|e| malformed("a comment", e))?;
                        if timestamp(&obj)
                            .is_some_and(|t| !self.bounds.admits(StreamName::Comments, t))
                        {
                            continue;
                        }
                        let record = shape(
                            &obj,
                            declared_fields(StreamName::Comments),
                            &[],
                            &[("_page_id", Enrichment::Str(Cow::Borrowed(&page_text)))],
                        );
                        self.out.record(StreamName::Comments, record).await?;
                    }
                }
                Ok(Fetched::Children { depth, blocks }) => {
                    for raw in blocks {
                        let obj =
                            RawObject::parse(raw.get()).map_err(|e| malformed("a block", e))?;
                        let Some(id) = obj.str("id").and_then(|s| s.parse::<Id>().ok()) else {
                            continue;
                        };
                        if !visited.insert(id) {
                            // Seen already in this page (a synced-block cycle).
                            continue;
                        }
                        let kind = obj.str("type");
                        let has_children = obj.bool("has_children").unwrap_or(false);
                        let mut cut = false;
                        match kind.as_deref() {
                            Some("child_page") => self.child_page_found(id),
                            Some("child_database") => self.database_found(id).await?,
                            // A duplicate synced block shows its original's children: they are
                            // read once, under the page where the original lives.
                            Some("synced_block") if is_synced_duplicate(&obj) => {}
                            _ if has_children => {
                                if max_depth.is_some_and(|m| depth >= m) {
                                    cut = true;
                                    self.counters.depth_cuts.fetch_add(1, Ordering::Relaxed);
                                } else {
                                    queue.push_back(Fetch::Children {
                                        parent: id,
                                        depth: depth + 1,
                                    });
                                }
                            }
                            _ => {}
                        }
                        // A child page's or database's comments are its own, read with it.
                        let stands_for_page =
                            matches!(kind.as_deref(), Some("child_page" | "child_database"));
                        if comments == CommentsMode::PagesAndBlocks && !stands_for_page {
                            queue.push_back(Fetch::Comments { block: id });
                        }
                        if emit_blocks
                            && timestamp(&obj)
                                .is_none_or(|t| self.bounds.admits(StreamName::Blocks, t))
                        {
                            let mut enrich = vec![
                                ("_page_id", Enrichment::Str(Cow::Borrowed(&page_text))),
                                ("_depth", Enrichment::U32(depth)),
                            ];
                            if cut {
                                enrich.push(("_children_cut", Enrichment::Bool(true)));
                            }
                            let record =
                                shape(&obj, declared_fields(StreamName::Blocks), &[], &enrich);
                            self.out.record(StreamName::Blocks, record).await?;
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Runs one fetch of a walk, reading every page of the list.
    async fn fetch(&self, f: Fetch) -> Result<Fetched> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let result = match &f {
                Fetch::Children { parent, .. } => {
                    self.call(self.api.block_children(*parent, cursor.as_deref()))
                        .await
                }
                Fetch::Comments { block } => {
                    self.call(self.api.comments(*block, cursor.as_deref()))
                        .await
                }
            };
            let page = match result {
                Ok(p) => p,
                Err(e) if is_unavailable(&e) => {
                    return self.unavailable(&f, e).await;
                }
                Err(e) => return Err(e),
            };
            all.extend(page.results);
            match (page.has_more, page.next_cursor) {
                (true, Some(c)) => cursor = Some(c),
                _ => break,
            }
        }
        Ok(match f {
            Fetch::Children { depth, .. } => Fetched::Children { depth, blocks: all },
            Fetch::Comments { .. } => Fetched::Comments { comments: all },
        })
    }

    async fn unavailable(&self, f: &Fetch, e: Error) -> Result<Fetched> {
        let restricted =
            matches!(&e, Error::Http(h) if h.kind() == notion_http::ErrorKind::Restricted);
        match f {
            Fetch::Comments { .. } if restricted => {
                // No "read comments" capability: the comments stream cannot be read at all.
                if !self.comments_failed.swap(true, Ordering::Relaxed) {
                    self.fail_stream(StreamName::Comments, e).await?;
                }
            }
            Fetch::Comments { block } => {
                self.not_shared(&format!("comments of {block}"), &e).await?;
            }
            Fetch::Children { parent, .. } => {
                self.not_shared(&format!("children of {parent}"), &e)
                    .await?;
            }
        }
        Ok(Fetched::Unavailable)
    }
}

/// Whether a `synced_block` is a duplicate (its `synced_from` names the original).
fn is_synced_duplicate(obj: &RawObject<'_>) -> bool {
    #[derive(Deserialize)]
    struct Synced<'a> {
        #[serde(borrow)]
        synced_from: Option<&'a RawValue>,
    }
    obj.parse_member_borrowed::<Synced<'_>>("synced_block")
        .is_some_and(|s| s.synced_from.is_some_and(|f| f.get() != "null"))
}

/// The plain-text title of a page from its `properties` (the property of type `title`).
fn title_of(properties: Option<&RawValue>) -> String {
    let Some(raw) = properties else {
        return String::new();
    };
    let map: std::collections::BTreeMap<Cow<'_, str>, PropertyProbe<'_>> =
        serde_json::from_str(raw.get()).unwrap_or_default();
    map.values()
        .find(|p| p.kind.as_deref() == Some("title"))
        .map(|p| rich_text_plain(p.title))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_plain_text() {
        let props = RawValue::from_string(
            r#"{"Name":{"id":"title","type":"title","title":[{"plain_text":"Hello "},{"plain_text":"world"}]},"N":{"id":"x","type":"number","number":1}}"#.into(),
        )
        .unwrap();
        assert_eq!(title_of(Some(&props)), "Hello world");
        assert_eq!(title_of(None), "");
    }
}
