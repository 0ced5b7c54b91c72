//! The inventory: every page and data source shared with the integration, compared with what the
//! last one found, so that deletions reach the destination and pages shared late are read.
//!
//! The search is listed to its end (one request per 100 objects, cheap next to content): a page it
//! lists that the last inventory did not know, whatever its edit time, was shared late and is read
//! in full. A page, data source or database the last inventory knew that neither the listings nor
//! the read met is retrieved: Notion's search is not a complete index, so only a 404 (or 403)
//! makes it a deletion record.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use notion_model::{Id, Timestamp};
use serde_json::json;

use super::{Reader, is_unavailable, lock};
use crate::api::Object;
use crate::catalog::SyncMode;
use crate::config::Inventory as Setting;
use crate::error::Result;
use crate::idset::IdSet;
use crate::protocol::{LogLevel, Message};
use crate::state::Known;
use crate::stream::StreamName;

/// What a read tracks for the inventory.
#[derive(Debug, Default)]
pub(super) struct Inventory {
    /// Whether ids are tracked at all (the pages stream is read incrementally from search).
    tracking: bool,
    /// Whether the search is listed to its end and candidates are confirmed in this read.
    due: bool,
    /// What the last inventory found (`None`: this read takes the first one).
    input: Option<Known>,
    /// Pages the listings returned (search, rows included; the trash).
    listed: IdSet,
    /// Pages read in this pass.
    read: IdSet,
    /// Data sources met.
    data_sources: IdSet,
    /// Databases met.
    databases: IdSet,
    /// Deleted or unshared objects found.
    gone: Vec<Id>,
}

impl Inventory {
    /// The inventory of a read: tracked when the pages stream is read incrementally from search;
    /// due per the setting, or always when there is none to compare with yet.
    pub(super) fn new(
        setting: Setting,
        incremental_pages: bool,
        input: Option<Known>,
        now: DateTime<Utc>,
    ) -> Self {
        let tracking = incremental_pages && setting != Setting::Never;
        let due = tracking
            && match (&input, setting) {
                (None, _) | (_, Setting::EverySync) => true,
                (Some(k), Setting::Every(period)) => chrono::Duration::from_std(period)
                    .map(|p| k.at + p <= now)
                    .unwrap_or(true),
                _ => false,
            };
        Inventory {
            tracking,
            due,
            input,
            ..Inventory::default()
        }
    }

    /// Whether listings go on past the read's lower bound.
    pub(super) fn lists_everything(&self) -> bool {
        self.due
    }

    /// Whether a page listed past the lower bound was shared since the last inventory.
    pub(super) fn is_late_share(&self, page: &Id) -> bool {
        self.due && self.input.as_ref().is_some_and(|k| !k.pages.contains(page))
    }

    /// A page a listing returned.
    pub(super) fn listed(&mut self, page: Id) {
        if self.tracking {
            self.listed.insert(page);
        }
    }

    /// A page read in this pass.
    pub(super) fn read(&mut self, page: Id) {
        if self.tracking {
            self.read.insert(page);
        }
    }

    /// A data source met.
    pub(super) fn data_source(&mut self, id: Id) {
        if self.tracking {
            self.data_sources.insert(id);
        }
    }

    /// A database met.
    pub(super) fn database(&mut self, id: Id) {
        if self.tracking {
            self.databases.insert(id);
        }
    }

    /// A candidate Notion still returns: it stays known.
    fn still_there(&mut self, stream: StreamName, id: Id) {
        match stream {
            StreamName::Pages => self.listed(id),
            StreamName::DataSources => self.data_source(id),
            _ => self.database(id),
        }
    }

    /// What the state carries during the pass (what the last inventory found).
    pub(super) fn checkpointed(&self) -> Option<Known> {
        self.input.clone().filter(|_| self.tracking)
    }

    /// The rough size of the inventory in a state, in bytes.
    pub(super) fn encoded_len(&self) -> usize {
        self.input.as_ref().map_or(0, Known::encoded_len)
    }

    /// What the last inventory knew and this read met in no way: to confirm one by one.
    fn candidates(&self) -> (Vec<Id>, Vec<Id>, Vec<Id>) {
        let Some(known) = self.input.as_ref().filter(|_| self.due) else {
            return Default::default();
        };
        let pages = known
            .pages
            .iter()
            .filter(|p| !self.listed.contains(p) && !self.read.contains(p))
            .copied()
            .collect();
        let data_sources = known
            .data_sources
            .iter()
            .filter(|d| !self.data_sources.contains(d))
            .copied()
            .collect();
        let databases = known
            .databases
            .iter()
            .filter(|d| !self.databases.contains(d))
            .copied()
            .collect();
        (pages, data_sources, databases)
    }

    /// What the final state carries: this inventory (when taken) or the last one with what was
    /// met since, less what is gone.
    fn result(&self, started: DateTime<Utc>) -> Option<Known> {
        if !self.tracking {
            return None;
        }
        let mut known = match (&self.input, self.due) {
            (Some(input), false) => input.clone(),
            _ => Known {
                at: started,
                pages: IdSet::new(),
                data_sources: IdSet::new(),
                databases: IdSet::new(),
            },
        };
        known.pages.extend(self.listed.iter().copied());
        known.pages.extend(self.read.iter().copied());
        known.data_sources.extend(self.data_sources.iter().copied());
        known.databases.extend(self.databases.iter().copied());
        for id in &self.gone {
            known.pages.remove(id);
            known.data_sources.remove(id);
            known.databases.remove(id);
        }
        Some(known)
    }
}

impl Reader {
    /// The inventory this read leaves in the pages stream's final state.
    pub(super) fn final_inventory(&self) -> Option<Known> {
        let started = lock(&self.pass).started_at.unwrap_or_else(Utc::now);
        lock(&self.inventory).result(started)
    }

    /// Confirms the objects the last inventory knew and this read did not meet: retrieved one
    /// by one, those Notion does not find (or no longer shares) become deletion records. Those
    /// it still returns stay known (search is not a complete index).
    pub(super) async fn confirm_inventory(self: &Arc<Self>) -> Result<()> {
        let (pages, data_sources, databases) = lock(&self.inventory).candidates();
        if pages.is_empty() && data_sources.is_empty() && databases.is_empty() {
            return Ok(());
        }
        self.out
            .log(
                LogLevel::Info,
                format!(
                    "inventory: confirming {} pages, {} data sources and {} databases no listing returned",
                    pages.len(),
                    data_sources.len(),
                    databases.len()
                ),
            )
            .await?;
        for (ids, object, stream) in [
            (pages, Object::Page as fn(Id) -> Object, StreamName::Pages),
            (data_sources, Object::DataSource, StreamName::DataSources),
            (databases, Object::Database, StreamName::Databases),
        ] {
            for id in ids {
                match self.retrieve(object(id)).await {
                    Ok(_) => lock(&self.inventory).still_there(stream, id),
                    Err(e) if is_unavailable(&e) => {
                        lock(&self.inventory).gone.push(id);
                        self.object_gone(stream, id).await?;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// Emits the deletion records of an object that is gone (and, for a page, drops its content
    /// and its document).
    async fn object_gone(&self, stream: StreamName, id: Id) -> Result<()> {
        let version = self.content_version();
        let observed = Timestamp::parse(&version).unwrap_or_else(|_| Timestamp::from(Utc::now()));
        if self.selection.contains(stream) {
            let object = match stream {
                StreamName::Pages => "page",
                StreamName::DataSources => "data_source",
                _ => "database",
            };
            let mut record = json!({
                "object": object,
                "id": id,
                "last_edited_time": observed.as_str(),
                "_ab_cdc_deleted_at": observed.as_str(),
                "_deleted_reason": "not_found",
            });
            if stream == StreamName::Pages {
                record["_content_version"] = json!(version);
            }
            self.out.record(stream, record.to_string()).await?;
        }
        if stream == StreamName::Pages {
            self.out
                .send(Message::PageContent {
                    page: id,
                    version,
                    blocks: self.selection.contains(StreamName::Blocks),
                    comments: self.selection.contains(StreamName::Comments),
                })
                .await?;
            self.emit_document_tombstone(id, &observed, "not_found")
                .await?;
            self.typed_row_gone(id, &observed).await?;
        }
        Ok(())
    }

    /// Whether the pages stream is read incrementally (where inventories apply).
    pub(super) fn incremental_pages(selection: &crate::catalog::Selection) -> bool {
        selection.contains(StreamName::Pages)
            && selection.mode(StreamName::Pages) == SyncMode::Incremental
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(pages: &[u128], at: &str) -> Known {
        Known {
            at: crate::state::parse_time(at).unwrap(),
            pages: pages.iter().map(|n| Id::from_u128(*n)).collect(),
            data_sources: IdSet::new(),
            databases: IdSet::new(),
        }
    }

    #[test]
    fn an_inventory_is_due_per_the_setting_and_always_without_a_previous_one() {
        let now = crate::state::parse_time("2026-01-02T00:00:00Z").unwrap();
        let day = Setting::Every(std::time::Duration::from_secs(86_400));
        let cases = [
            (Setting::EverySync, Some("2026-01-01T23:00:00Z"), true),
            (Setting::Never, None, false),
            (day, None, true),
            (day, Some("2026-01-01T12:00:00Z"), false),
            (day, Some("2025-12-31T12:00:00Z"), true),
        ];
        for (setting, at, due) in cases {
            let inv = Inventory::new(setting, true, at.map(|a| known(&[1], a)), now);
            assert_eq!(inv.due, due, "{setting:?} {at:?}");
        }
        assert!(!Inventory::new(Setting::EverySync, false, None, now).due);
    }

    #[test]
    fn candidates_are_the_known_objects_nothing_met_and_the_result_drops_the_gone() {
        let now = crate::state::parse_time("2026-01-02T00:00:00Z").unwrap();
        let mut inv = Inventory::new(
            Setting::EverySync,
            true,
            Some(known(&[1, 2, 3, 4], "2026-01-01T00:00:00Z")),
            now,
        );
        inv.listed(Id::from_u128(1));
        inv.read(Id::from_u128(2));
        inv.listed(Id::from_u128(9));
        assert!(inv.is_late_share(&Id::from_u128(9)));
        assert!(!inv.is_late_share(&Id::from_u128(1)));
        let (pages, _, _) = inv.candidates();
        assert_eq!(pages, vec![Id::from_u128(3), Id::from_u128(4)]);
        // 3 is still there (search missed it), 4 is gone.
        inv.still_there(StreamName::Pages, Id::from_u128(3));
        inv.gone.push(Id::from_u128(4));
        let result = inv.result(now).unwrap();
        let ids: Vec<u128> = result.pages.iter().map(|i| i.as_u128()).collect();
        assert_eq!(ids, vec![1, 2, 3, 9]);
        assert_eq!(result.at, now);
    }
}
