//! The workspace as served: the base answers, corrected by the overlay; and the mutations.

use std::sync::{RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};

use super::overlay::{Added, BlockState, Overlay, PageState, PageVersion};
use super::{BlockInfo, Found, Obj, RowState, SearchEntry, Workspace};
use crate::clock::to_minute;
use crate::error::FakeError;
use crate::filter::RowView;
use crate::ids::{Decoded, RawId};

impl Workspace {
    pub(crate) fn ov(&self) -> RwLockReadGuard<'_, Overlay> {
        self.overlay.read().unwrap_or_else(|e| e.into_inner())
    }

    fn ov_mut(&self) -> RwLockWriteGuard<'_, Overlay> {
        self.overlay.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The page a block (or page) belongs to.
    pub(crate) fn page_of(&self, id: &RawId) -> Option<RawId> {
        if let Some(a) = self.ov().added.get(id) {
            return match a {
                Added::Block { page, .. } | Added::Comment { page, .. } => Some(*page),
                Added::Page { .. } => Some(*id),
                Added::DataSource { .. } => None,
            };
        }
        match self.g.decode(id)? {
            Decoded::Page(_) => Some(*id),
            Decoded::Block { page, .. } => Some(self.g.id(Decoded::Page(page))),
            _ => None,
        }
    }

    fn hidden(&self, ov: &Overlay, id: &RawId) -> bool {
        if ov.unshared.contains(id) {
            return true;
        }
        self.page_of_in(ov, id)
            .is_some_and(|p| ov.unshared.contains(&p))
    }

    fn page_of_in(&self, ov: &Overlay, id: &RawId) -> Option<RawId> {
        if let Some(a) = ov.added.get(id) {
            return match a {
                Added::Block { page, .. } | Added::Comment { page, .. } => Some(*page),
                Added::Page { .. } => Some(*id),
                Added::DataSource { .. } => None,
            };
        }
        match self.g.decode(id)? {
            Decoded::Page(_) => Some(*id),
            Decoded::Block { page, .. } => Some(self.g.id(Decoded::Page(page))),
            _ => None,
        }
    }

    /// What `id` names, if the connection may see it.
    pub(crate) fn find(&self, id: &RawId) -> Found {
        let ov = self.ov();
        if self.hidden(&ov, id) {
            return Found::Missing;
        }
        if let Some(a) = ov.added.get(id) {
            return match a {
                Added::Block { .. } => Found::Block,
                Added::Page { .. } => Found::Page,
                Added::DataSource { .. } => Found::DataSource,
                Added::Comment { .. } => Found::Comment,
            };
        }
        drop(ov);
        self.base_find(id)
    }

    pub(crate) fn data_source_ids(&self, db: &RawId) -> Vec<RawId> {
        let mut v = self.base_data_source_ids(db);
        if let Some(more) = self.ov().data_sources.get(db) {
            v.extend(more.iter().copied());
        }
        v
    }

    /// Children of a page or block (`None`: not found or not shared).
    pub(crate) fn children(&self, id: &RawId) -> Option<Vec<RawId>> {
        let ov = self.ov();
        if self.hidden(&ov, id) {
            return None;
        }
        if let Some(c) = ov.children.get(id) {
            return Some(c.clone());
        }
        if let Some(a) = ov.added.get(id) {
            return match a {
                Added::Block { .. } | Added::Page { .. } => Some(Vec::new()),
                _ => None,
            };
        }
        drop(ov);
        self.base_children(id)
    }

    /// Comments whose parent is the page or block `id`.
    pub(crate) fn comments(&self, id: &RawId) -> Option<Vec<RawId>> {
        let ov = self.ov();
        if self.hidden(&ov, id) {
            return None;
        }
        let added = ov.comments.get(id).cloned().unwrap_or_default();
        let is_added = matches!(
            ov.added.get(id),
            Some(Added::Block { .. } | Added::Page { .. })
        );
        drop(ov);
        let mut v = if is_added {
            Vec::new()
        } else {
            self.base_comments(id)?
        };
        v.extend(added);
        Some(v)
    }

    /// Rows of a data source, including trashed ones (`None`: not a data source).
    pub(crate) fn rows(&self, ds: &RawId) -> Option<Vec<RawId>> {
        let ov = self.ov();
        let added_ds = matches!(ov.added.get(ds), Some(Added::DataSource { .. }));
        let extra = ov.rows.get(ds).cloned().unwrap_or_default();
        let unshared = ov.unshared.clone();
        drop(ov);
        let mut v = if added_ds {
            Vec::new()
        } else {
            self.base_rows(ds)?
        };
        v.extend(extra);
        if !unshared.is_empty() {
            v.retain(|r| !unshared.contains(r));
        }
        Some(v)
    }

    /// `(created, last edited)` of a page, with mutations.
    pub(crate) fn page_times(&self, id: &RawId) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let ov = self.ov();
        let created = match ov.added.get(id) {
            Some(Added::Page { created, .. }) => Some(*created),
            _ => None,
        };
        let edited = ov
            .pages
            .get(id)
            .and_then(PageState::current)
            .map(|v| v.edited);
        drop(ov);
        let (c, e) = match created {
            Some(c) => (c, c),
            None => self.base_page_times(id)?,
        };
        Some((c, edited.unwrap_or(e)))
    }

    /// Whether a page is in the trash.
    pub(crate) fn page_trashed(&self, id: &RawId) -> bool {
        self.ov()
            .pages
            .get(id)
            .and_then(PageState::current)
            .is_some_and(|v| v.trashed)
    }

    /// A row as filters see it.
    pub(crate) fn row_view(&self, id: &RawId) -> Option<RowState> {
        let (created, edited) = self.page_times(id)?;
        let base = self.base_row_view(id);
        let props = base.map(|b| b.row.props).unwrap_or_default();
        Some(RowState {
            trashed: self.page_trashed(id),
            row: RowView {
                created,
                edited,
                props,
            },
        })
    }

    /// Search index entries as indexed at `horizon`.
    pub(crate) fn search_entries(&self, legacy: bool, horizon: DateTime<Utc>) -> Vec<SearchEntry> {
        let mut base = self.base_search_entries(legacy, horizon);
        let ov = self.ov();
        if ov.pages.is_empty() && ov.unshared.is_empty() && ov.added.is_empty() {
            return base;
        }
        base.retain_mut(|e| {
            let id = match e.obj {
                Obj::Page(id) | Obj::DataSource(id) | Obj::Database(id) => id,
                _ => return true,
            };
            if self.hidden(&ov, &id) {
                return false;
            }
            if let Some(v) = ov.pages.get(&id).and_then(|st| st.indexed_at(horizon)) {
                if v.trashed {
                    return false;
                }
                e.edited = v.edited;
            }
            true
        });
        for (id, a) in &ov.added {
            if let Added::Page {
                data_source, title, ..
            } = a
            {
                if !self.data_source_in_search(data_source) || self.hidden(&ov, id) {
                    continue;
                }
                if let Some(v) = ov.pages.get(id).and_then(|s| s.indexed_at(horizon))
                    && !v.trashed
                    && !legacy
                {
                    {
                        base.push(SearchEntry {
                            obj: Obj::Page(*id),
                            title: title.clone(),
                            edited: v.edited,
                        });
                    }
                }
            }
        }
        base
    }

    fn data_source_in_search(&self, ds: &RawId) -> bool {
        match self.g.decode(ds) {
            Some(Decoded::DataSource(d)) => self.g.data_source_in_search(d),
            _ => false,
        }
    }

    /// Every page a complete reader reaches now (shared, not trashed).
    pub(crate) fn reachable_pages(&self) -> Vec<RawId> {
        let ov = self.ov();
        let mut v: Vec<RawId> = self.base_reachable_pages().collect();
        let mut added: Vec<(RawId, u64)> = ov
            .added
            .iter()
            .filter(|(_, a)| matches!(a, Added::Page { .. }))
            .filter_map(|(id, _)| match self.g.decode(id) {
                Some(Decoded::Added(n)) => Some((*id, n)),
                _ => None,
            })
            .collect();
        added.sort_by_key(|(_, n)| *n);
        v.extend(added.into_iter().map(|(id, _)| id));
        v.retain(|p| {
            !self.hidden(&ov, p)
                && !ov
                    .pages
                    .get(p)
                    .and_then(PageState::current)
                    .is_some_and(|x| x.trashed)
        });
        v
    }

    pub(crate) fn reachable_databases(&self) -> Vec<RawId> {
        let ov = self.ov();
        let mut v = self.base_reachable_databases();
        v.retain(|d| !ov.unshared.contains(d));
        v
    }

    pub(crate) fn reachable_data_sources(&self) -> Vec<(RawId, bool)> {
        let ov = self.ov();
        let mut v = self.base_reachable_data_sources();
        v.retain(|(d, _)| !ov.unshared.contains(d));
        for list in ov.data_sources.values() {
            for ds in list {
                if !ov.unshared.contains(ds) {
                    v.push((*ds, false));
                }
            }
        }
        v
    }

    /// How many objects an unfiltered search returns now (no lag).
    pub(crate) fn search_count(&self) -> usize {
        self.search_entries(false, DateTime::<Utc>::MAX_UTC).len()
    }

    /// The blocks of a page in pre-order, with the page itself first.
    pub(crate) fn page_blocks(&self, page: &RawId) -> Option<(Vec<BlockInfo>, usize)> {
        let touched = {
            let ov = self.ov();
            if self.hidden(&ov, page) {
                return None;
            }
            ov.added.contains_key(page)
                || ov
                    .comments
                    .keys()
                    .any(|k| self.page_of_in(&ov, k) == Some(*page))
                || ov
                    .children
                    .keys()
                    .any(|k| self.page_of_in(&ov, k) == Some(*page))
        };
        if !touched {
            return self.base_page_blocks(page);
        }
        // Generic walk through the served structure.
        let mut out = Vec::new();
        let top = self.children(page)?;
        let page_comments = self.comments(page).map(|c| c.len()).unwrap_or(0);
        out.push(BlockInfo {
            id: *page,
            parent: *page,
            depth: 0,
            children: top.len(),
            comments: page_comments,
            child_ref: false,
        });
        let mut stack: Vec<(RawId, RawId, u32)> =
            top.into_iter().rev().map(|b| (b, *page, 1)).collect();
        let mut seen = std::collections::HashSet::new();
        while let Some((id, parent, depth)) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let child_ref = matches!(self.find(&id), Found::Page | Found::Database);
            let kids = if child_ref {
                Vec::new()
            } else {
                self.children(&id).unwrap_or_default()
            };
            let comments = if child_ref {
                0
            } else {
                self.comments(&id).map(|c| c.len()).unwrap_or(0)
            };
            out.push(BlockInfo {
                id,
                parent,
                depth,
                children: kids.len(),
                comments,
                child_ref,
            });
            for k in kids.into_iter().rev() {
                stack.push((k, id, depth + 1));
            }
        }
        Some((out, page_comments))
    }

    // ---- mutations --------------------------------------------------------------------------

    fn next_id(&self, ov: &mut Overlay) -> RawId {
        ov.seq += 1;
        self.g.id(Decoded::Added(ov.seq))
    }

    fn bump_page(
        &self,
        ov: &mut Overlay,
        page: RawId,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut PageVersion),
    ) {
        let st = ov.pages.entry(page).or_default();
        let mut v = st.current().cloned().unwrap_or(PageVersion {
            at: now,
            edited: to_minute(now),
            trashed: false,
            props: serde_json::Map::new(),
        });
        v.at = now;
        v.edited = to_minute(now);
        f(&mut v);
        st.versions.push(v);
    }

    fn need(&self, id: &RawId, want: &[Found]) -> Result<Found, FakeError> {
        let f = self.find(id);
        if want.contains(&f) {
            Ok(f)
        } else {
            Err(FakeError::Mutation(format!(
                "{id} is not a shared {want:?}"
            )))
        }
    }

    /// Replaces property values of a page (Notion JSON shape, keyed by property name).
    pub(crate) fn edit_page_properties(
        &self,
        page: &RawId,
        props: serde_json::Map<String, serde_json::Value>,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        self.need(page, &[Found::Page])?;
        let mut ov = self.ov_mut();
        self.bump_page(&mut ov, *page, now, |v| v.props.extend(props));
        Ok(())
    }

    /// Moves a page to the trash or restores it.
    pub(crate) fn set_trashed(
        &self,
        page: &RawId,
        trashed: bool,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        self.need(page, &[Found::Page])?;
        let mut ov = self.ov_mut();
        self.bump_page(&mut ov, *page, now, |v| v.trashed = trashed);
        Ok(())
    }

    /// Appends a paragraph block under a page or block; returns its id.
    pub(crate) fn add_block(
        &self,
        parent: &RawId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<RawId, FakeError> {
        self.need(parent, &[Found::Page, Found::Block])?;
        let page = self
            .page_of(parent)
            .ok_or_else(|| FakeError::Mutation(format!("{parent} has no page")))?;
        let mut kids = self.children(parent).unwrap_or_default();
        let depth = self
            .page_blocks(&page)
            .and_then(|(b, _)| b.iter().find(|x| x.id == *parent).map(|x| x.depth))
            .unwrap_or(0)
            + 1;
        let mut ov = self.ov_mut();
        let id = self.next_id(&mut ov);
        ov.added.insert(
            id,
            Added::Block {
                page,
                parent: *parent,
                depth,
                created: to_minute(now),
                text: text.to_owned(),
            },
        );
        kids.push(id);
        ov.children.insert(*parent, kids);
        self.bump_page(&mut ov, page, now, |_| {});
        Ok(id)
    }

    /// Replaces the text of a block.
    pub(crate) fn edit_block(
        &self,
        block: &RawId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        self.need(block, &[Found::Block])?;
        let page = self
            .page_of(block)
            .ok_or_else(|| FakeError::Mutation(format!("{block} has no page")))?;
        let mut ov = self.ov_mut();
        let st = ov.blocks.entry(*block).or_insert(BlockState {
            page,
            edited: now,
            text: None,
            trashed: false,
        });
        st.edited = to_minute(now);
        st.text = Some(text.to_owned());
        self.bump_page(&mut ov, page, now, |_| {});
        Ok(())
    }

    /// Deletes a block (it leaves its parent's children; retrieving it shows `in_trash`).
    pub(crate) fn remove_block(&self, block: &RawId, now: DateTime<Utc>) -> Result<(), FakeError> {
        self.need(block, &[Found::Block])?;
        let page = self
            .page_of(block)
            .ok_or_else(|| FakeError::Mutation(format!("{block} has no page")))?;
        let parent = self
            .page_blocks(&page)
            .and_then(|(b, _)| b.iter().find(|x| x.id == *block).map(|x| x.parent))
            .ok_or_else(|| FakeError::Mutation(format!("{block} is not in its page")))?;
        let mut kids = self.children(&parent).unwrap_or_default();
        kids.retain(|k| k != block);
        let mut ov = self.ov_mut();
        ov.children.insert(parent, kids);
        let st = ov.blocks.entry(*block).or_insert(BlockState {
            page,
            edited: now,
            text: None,
            trashed: false,
        });
        st.edited = to_minute(now);
        st.trashed = true;
        self.bump_page(&mut ov, page, now, |_| {});
        Ok(())
    }

    /// Adds a comment on a page or block; returns its id.
    pub(crate) fn add_comment(
        &self,
        parent: &RawId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<RawId, FakeError> {
        self.need(parent, &[Found::Page, Found::Block])?;
        let page = self
            .page_of(parent)
            .ok_or_else(|| FakeError::Mutation(format!("{parent} has no page")))?;
        let mut ov = self.ov_mut();
        let id = self.next_id(&mut ov);
        ov.added.insert(
            id,
            Added::Comment {
                parent: *parent,
                page,
                created: to_minute(now),
                text: text.to_owned(),
            },
        );
        ov.comments.entry(*parent).or_default().push(id);
        Ok(id)
    }

    /// Adds a row to a data source; returns its page id.
    pub(crate) fn add_row(
        &self,
        ds: &RawId,
        title: &str,
        now: DateTime<Utc>,
    ) -> Result<RawId, FakeError> {
        self.need(ds, &[Found::DataSource])?;
        let mut ov = self.ov_mut();
        let id = self.next_id(&mut ov);
        ov.added.insert(
            id,
            Added::Page {
                data_source: *ds,
                created: to_minute(now),
                title: title.to_owned(),
            },
        );
        ov.rows.entry(*ds).or_default().push(id);
        self.bump_page(&mut ov, id, now, |_| {});
        Ok(id)
    }

    /// Adds a data source to a database; returns its id.
    pub(crate) fn add_data_source(
        &self,
        db: &RawId,
        title: &str,
        now: DateTime<Utc>,
    ) -> Result<RawId, FakeError> {
        self.need(db, &[Found::Database])?;
        let mut ov = self.ov_mut();
        let id = self.next_id(&mut ov);
        ov.added.insert(
            id,
            Added::DataSource {
                database: *db,
                created: now,
                title: title.to_owned(),
            },
        );
        ov.data_sources.entry(*db).or_default().push(id);
        Ok(id)
    }

    /// Stops sharing an object (and, for a page, its content) with the connection.
    pub(crate) fn unshare(&self, id: &RawId) -> Result<(), FakeError> {
        self.need(id, &[Found::Page, Found::Database, Found::DataSource])?;
        self.ov_mut().unshared.insert(*id);
        Ok(())
    }
}
