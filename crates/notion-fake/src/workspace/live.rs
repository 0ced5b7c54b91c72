//! The workspace as served: the base answers, corrected by the overlay; and the mutations.

use std::collections::HashSet;
use std::sync::{Arc, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};
use notion_model::block::BlockKind;
use notion_model::property::{
    Formula, FormulaKind, PropertySchemaKind, Rollup, RollupKind, UniqueId, Verification,
};
use notion_model::{
    Block, Comment, DataSource, DataSourceRef, Database, Empty, Id, Page, Parent, PropertySchema,
    PropertyValue, PropertyValueKind, PropertyValues, RichText, Timestamp, User,
};
use serde_json::Value;

use super::changes;
use super::hosted::{self, Holder};
use super::overlay::{Added, BlockState, Overlay, PageState, PageVersion};
use super::rollup::truncated_sizes;
use super::{BlockInfo, Found, Obj, SearchEntry, Workspace};
use crate::clock::{fmt_millis, to_minute};
use crate::error::FakeError;
use crate::filter::{FilterValue, RowView, filter_value};

/// A hosted file: its id, the object holding it, where it sits, and its current size.
#[derive(Debug, Clone)]
pub(crate) struct HostedFileInfo {
    pub(crate) id: String,
    pub(crate) owner: Id,
    pub(crate) found: hosted::Found,
    pub(crate) size: u64,
}

/// A row and its `(created, last edited)` times.
pub(crate) type RowTimes = (Id, DateTime<Utc>, DateTime<Utc>);

/// A row as queries see it.
#[derive(Debug, Clone)]
pub(crate) struct RowState {
    pub(crate) id: Id,
    pub(crate) trashed: bool,
    pub(crate) row: RowView,
}

fn ts(t: DateTime<Utc>) -> Timestamp {
    Timestamp::from_datetime(t)
}

/// Replaces the text of a text-like block; false when the block has no text.
fn set_text(kind: &mut BlockKind, text: &str) -> bool {
    let rich = Some(vec![RichText::plain(text)]);
    match kind {
        BlockKind::Paragraph(p) => p.rich_text = rich,
        BlockKind::Heading1(h)
        | BlockKind::Heading2(h)
        | BlockKind::Heading3(h)
        | BlockKind::Heading4(h) => h.rich_text = rich,
        BlockKind::BulletedListItem(t) | BlockKind::Quote(t) | BlockKind::Toggle(t) => {
            t.rich_text = rich
        }
        BlockKind::NumberedListItem(n) => n.rich_text = rich,
        BlockKind::ToDo(t) => t.rich_text = rich,
        BlockKind::Callout(c) => c.rich_text = rich,
        BlockKind::Code(c) => c.rich_text = rich,
        BlockKind::Template(t) => t.rich_text = rich,
        _ => return false,
    }
    true
}

/// The value a new row gets for a property of this schema.
fn default_value(
    schema: &PropertySchema,
    title: &str,
    now: DateTime<Utc>,
    by: Id,
    number: u64,
) -> PropertyValueKind {
    match &schema.kind {
        PropertySchemaKind::Title(_) => PropertyValueKind::Title(vec![RichText::plain(title)]),
        PropertySchemaKind::RichText(_) => PropertyValueKind::RichText(Vec::new()),
        PropertySchemaKind::Number(_) => PropertyValueKind::Number(None),
        PropertySchemaKind::Select(_) => PropertyValueKind::Select(None),
        PropertySchemaKind::MultiSelect(_) => PropertyValueKind::MultiSelect(Vec::new()),
        PropertySchemaKind::Status(_) => PropertyValueKind::Status(None),
        PropertySchemaKind::Date(_) => PropertyValueKind::Date(None),
        PropertySchemaKind::People(_) => PropertyValueKind::People(Vec::new()),
        PropertySchemaKind::Files(_) => PropertyValueKind::Files(Vec::new()),
        PropertySchemaKind::Checkbox(_) => PropertyValueKind::Checkbox(false),
        PropertySchemaKind::Url(_) => PropertyValueKind::Url(None),
        PropertySchemaKind::Email(_) => PropertyValueKind::Email(None),
        PropertySchemaKind::PhoneNumber(_) => PropertyValueKind::PhoneNumber(None),
        PropertySchemaKind::Formula(_) => {
            PropertyValueKind::Formula(Formula::new(FormulaKind::Number(None)))
        }
        PropertySchemaKind::Relation(_) => PropertyValueKind::Relation(Vec::new()),
        PropertySchemaKind::Rollup(c) => PropertyValueKind::Rollup(Rollup::new(
            RollupKind::Number(Some(0.into())),
            c.function.clone().unwrap_or_else(|| "sum".to_owned()),
        )),
        PropertySchemaKind::CreatedTime(_) => PropertyValueKind::CreatedTime(ts(now)),
        PropertySchemaKind::CreatedBy(_) => PropertyValueKind::CreatedBy(User::partial(by)),
        PropertySchemaKind::LastEditedTime(_) => PropertyValueKind::LastEditedTime(ts(now)),
        PropertySchemaKind::LastEditedBy(_) => PropertyValueKind::LastEditedBy(User::partial(by)),
        PropertySchemaKind::UniqueId(c) => PropertyValueKind::UniqueId(UniqueId {
            number: Some(Some(number)),
            prefix: c.prefix.clone().or(Some(None)),
            extra: Default::default(),
        }),
        PropertySchemaKind::Button(_) => PropertyValueKind::Button(Empty::new()),
        PropertySchemaKind::Place(_) => PropertyValueKind::Place(None),
        PropertySchemaKind::Verification(_) => {
            PropertyValueKind::Verification(Some(Box::new(Verification {
                state: Some("unverified".to_owned()),
                date: Some(None),
                verified_by: Some(None),
                extra: Default::default(),
            })))
        }
        _ => PropertyValueKind::RichText(Vec::new()),
    }
}

impl Workspace {
    pub(crate) fn ov(&self) -> RwLockReadGuard<'_, Overlay> {
        self.overlay.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn ov_mut(&self) -> RwLockWriteGuard<'_, Overlay> {
        self.overlay.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Who the fake says made the mutations: the first person, else the bot.
    pub(crate) fn editor(&self) -> Id {
        let bot = self.base.bot_id();
        self.base
            .user_ids()
            .into_iter()
            .find(|u| {
                *u != bot
                    && self
                        .base
                        .user(u)
                        .is_some_and(|x| x.person_details().is_some())
            })
            .unwrap_or(bot)
    }

    /// The database of a data source.
    pub(crate) fn database_of(&self, ds: &Id) -> Option<Id> {
        let ov = self.ov();
        self.database_of_in(&ov, ds)
    }

    /// The page a block or comment sits in (a page: itself).
    pub(crate) fn page_of(&self, id: &Id) -> Option<Id> {
        let ov = self.ov();
        self.page_of_in(&ov, id)
    }

    /// The page a block (or comment) sits in, for a mutation of it.
    pub(super) fn page_holding(&self, id: &Id) -> Result<Id, FakeError> {
        let ov = self.ov();
        self.page_of_in(&ov, id)
            .ok_or_else(|| FakeError::Mutation(format!("{id} has no page")))
    }

    pub(super) fn page_of_in(&self, ov: &Overlay, id: &Id) -> Option<Id> {
        if let Some(a) = ov.added.get(id) {
            return match a {
                Added::Block { page, .. } | Added::Comment { page, .. } => Some(*page),
                Added::Page { .. } => Some(*id),
                Added::DataSource { .. } => None,
            };
        }
        self.base.page_of(id)
    }

    pub(super) fn data_source_of_in(&self, ov: &Overlay, page: &Id) -> Option<Id> {
        match ov.added.get(page) {
            Some(Added::Page { data_source, .. }) => Some(*data_source),
            Some(_) => None,
            None => self.base.row_data_source(page),
        }
    }

    pub(super) fn database_of_in(&self, ov: &Overlay, ds: &Id) -> Option<Id> {
        match ov.added.get(ds) {
            Some(Added::DataSource { database, .. }) => Some(*database),
            Some(_) => None,
            None => self.base.database_of(ds),
        }
    }

    /// Whether `id` itself is out of reach: unshared, deleted, or a page not shared yet.
    pub(crate) fn gone(&self, ov: &Overlay, id: &Id) -> bool {
        ov.unshared.contains(id)
            || ov.deleted.contains(id)
            || (self.late.contains(id) && !ov.shared.contains(id))
    }

    /// Whether the connection cannot see `id`: it, its page, or the data source and database
    /// holding its page, was unshared or deleted (or is a page not shared yet).
    fn hidden(&self, ov: &Overlay, id: &Id) -> bool {
        let hides = !ov.hides_nothing();
        if !hides && self.late.is_empty() {
            return false;
        }
        if self.gone(ov, id) {
            return true;
        }
        let page = self.page_of_in(ov, id);
        if let Some(p) = &page
            && self.gone(ov, p)
        {
            return true;
        }
        // Pages not shared yet are standalone pages that hold no child page or database.
        if !hides {
            return false;
        }
        let ds = match &page {
            Some(p) => self.data_source_of_in(ov, p),
            None => Some(*id),
        };
        let mut db = None;
        if let Some(ds) = ds {
            if self.gone(ov, &ds) {
                return true;
            }
            db = self.database_of_in(ov, &ds);
            if let Some(db) = &db
                && self.gone(ov, db)
            {
                return true;
            }
        }
        // Inside a page that is gone (its child pages and child databases go with it).
        if ov.hides_nothing() {
            return false;
        }
        let mut cur = match page {
            Some(p) if !ov.added.contains_key(&p) => p,
            Some(_) => match db {
                Some(db) => db,
                None => return false,
            },
            None => db.unwrap_or(*id),
        };
        for _ in 0..64 {
            let next = match ov.added.get(&cur) {
                Some(Added::Page { data_source, .. }) => self.base.parent_page(data_source),
                Some(_) => None,
                None => self.parent_page_in(ov, &cur),
            };
            match next {
                Some(n) if self.gone(ov, &n) => return true,
                Some(n) => cur = n,
                None => return false,
            }
        }
        false
    }

    /// Whether a page, database or data source is in the trash or inside a page that is (a
    /// trashed page takes its child pages and child databases with it).
    fn under_trash(&self, ov: &Overlay, id: &Id) -> bool {
        if !ov
            .pages
            .values()
            .any(|st| st.current().is_some_and(|v| v.trashed))
        {
            return false;
        }
        let trashed = |p: &Id| {
            ov.pages
                .get(p)
                .and_then(PageState::current)
                .is_some_and(|v| v.trashed)
        };
        let mut cur = *id;
        for _ in 0..64 {
            if trashed(&cur) {
                return true;
            }
            let next = match ov.added.get(&cur) {
                Some(Added::Page { data_source, .. }) => self.base.parent_page(data_source),
                Some(Added::DataSource { database, .. }) => self.base.parent_page(database),
                Some(_) => None,
                None => self.parent_page_in(ov, &cur),
            };
            match next {
                Some(n) => cur = n,
                None => return false,
            }
        }
        false
    }

    /// What `id` names, if the connection may see it.
    pub(crate) fn find(&self, id: &Id) -> Found {
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
        self.base.find(id)
    }

    pub(crate) fn data_source_ids(&self, db: &Id) -> Vec<Id> {
        let ov = self.ov();
        let mut v = self.base.data_source_ids(db);
        if let Some(more) = ov.data_sources.get(db) {
            v.extend(more.iter().copied());
        }
        v.retain(|d| !self.hidden(&ov, d));
        v
    }

    // ---- objects ------------------------------------------------------------------------------

    pub(crate) fn user(&self, id: &Id) -> Option<User> {
        self.base.user(id)
    }

    fn database_unsigned(&self, id: &Id) -> Option<Database> {
        let ov = self.ov();
        if self.hidden(&ov, id) {
            return None;
        }
        let mut db = self.base.database(id)?;
        if let Some(more) = ov.data_sources.get(id) {
            let refs = db.data_sources.get_or_insert_with(Vec::new);
            for ds in more {
                if let Some(Added::DataSource { data_source, .. }) = ov.added.get(ds) {
                    refs.push(DataSourceRef::new(*ds, data_source.title()));
                }
            }
        }
        if let Some(refs) = &mut db.data_sources {
            refs.retain(|r| !self.gone(&ov, &r.id));
        }
        Some(db)
    }

    fn data_source_unsigned(&self, id: &Id) -> Option<DataSource> {
        let ov = self.ov();
        if self.hidden(&ov, id) {
            return None;
        }
        let mut ds = match ov.added.get(id) {
            Some(Added::DataSource { data_source, .. }) => (**data_source).clone(),
            Some(_) => return None,
            None => self.base.data_source(id)?,
        };
        if let Some(changes) = ov.schema.get(id) {
            changes::apply_to_schema(&mut ds, changes);
        }
        if let Some(t) = Workspace::data_source_edited(&ov, id) {
            ds.last_edited_time = Some(t);
        }
        Some(ds)
    }

    /// A page as the workspace holds it (hosted files as placeholders).
    pub(crate) fn page_unsigned(&self, id: &Id, now: DateTime<Utc>) -> Option<Page> {
        let ov = self.ov();
        if self.hidden(&ov, id) {
            return None;
        }
        let mut page = match ov.added.get(id) {
            Some(Added::Page { page, .. }) => (**page).clone(),
            Some(_) => return None,
            None => self.base.page(id, now)?,
        };
        let ds = self.data_source_of_in(&ov, id);
        changes::patch_page(&ov, &mut page, ds.as_ref());
        if let Some(v) = ov.pages.get(id).and_then(PageState::current) {
            apply_version(&mut page, v);
        }
        Some(page)
    }

    /// A block as the workspace holds it (hosted files as placeholders).
    pub(crate) fn block_unsigned(&self, id: &Id, now: DateTime<Utc>) -> Option<Block> {
        let ov = self.ov();
        if self.hidden(&ov, id) {
            return None;
        }
        let mut b = match ov.added.get(id) {
            Some(Added::Block { block, .. }) => (**block).clone(),
            Some(_) => return None,
            None => self.base.block(id, now)?,
        };
        self.patch_block(&ov, &mut b);
        Some(b)
    }

    fn patch_block(&self, ov: &Overlay, b: &mut Block) {
        if let Some(st) = ov.blocks.get(&b.id) {
            b.last_edited_time = Some(ts(st.edited));
            b.last_edited_by = Some(User::partial(st.by));
            if let (Some(text), Some(kind)) = (&st.text, &mut b.kind) {
                set_text(kind, text);
            }
            if st.trashed {
                b.in_trash = Some(true);
            }
        }
        if let Some(kids) = ov.children.get(&b.id) {
            b.has_children = Some(!kids.is_empty());
        }
        // A page edit shows on its child_page block, and so does a move.
        if matches!(b.kind, Some(BlockKind::ChildPage(_))) {
            if let Some(v) = ov.pages.get(&b.id).and_then(PageState::current) {
                b.last_edited_time = Some(ts(v.edited));
                b.in_trash = Some(v.trashed);
            }
            if let Some(parent) = Workspace::moved_parent(ov, &b.id) {
                b.parent = Some(parent);
            }
        }
    }

    /// Children of a page or block (`None`: not found or not shared). A duplicate synced block
    /// lists its original's children.
    pub(crate) fn children(&self, id: &Id) -> Option<Vec<Id>> {
        let ov = self.ov();
        if self.hidden(&ov, id) {
            return None;
        }
        self.children_in(&ov, id)
    }

    fn children_in(&self, ov: &Overlay, id: &Id) -> Option<Vec<Id>> {
        if let Some(c) = ov.children.get(id) {
            return Some(c.clone());
        }
        if let Some(a) = ov.added.get(id) {
            return match a {
                Added::Block { .. } | Added::Page { .. } => Some(Vec::new()),
                _ => None,
            };
        }
        if !ov.children.is_empty()
            && let Some(original) = self.base.synced_original(id)
            && let Some(c) = ov.children.get(&original)
        {
            return Some(c.clone());
        }
        self.base.children(id)
    }

    /// The children as block objects, hosted files as placeholders.
    pub(crate) fn children_blocks_unsigned(
        &self,
        id: &Id,
        now: DateTime<Utc>,
    ) -> Option<Vec<Block>> {
        let ov = self.ov();
        if self.hidden(&ov, id) {
            return None;
        }
        if ov.is_empty() {
            drop(ov);
            return self.base.children_blocks(id, now);
        }
        let changed = ov.children.contains_key(id)
            || ov.added.contains_key(id)
            || (!ov.children.is_empty()
                && self
                    .base
                    .synced_original(id)
                    .is_some_and(|o| ov.children.contains_key(&o)));
        let mut blocks = if changed {
            let ids = self.children_in(&ov, id)?;
            drop(ov);
            return Some(
                ids.iter()
                    .filter_map(|b| self.block_unsigned(b, now))
                    .collect(),
            );
        } else {
            self.base.children_blocks(id, now)?
        };
        for b in &mut blocks {
            self.patch_block(&ov, b);
        }
        Some(blocks)
    }

    /// Comments whose parent is the page or block `id`.
    pub(crate) fn comments(&self, id: &Id) -> Option<Vec<Id>> {
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
            self.base.comment_ids(id)?
        };
        v.extend(added);
        let resolved = !self.ov().resolved.is_empty();
        if resolved {
            v.retain(|c| {
                let discussion = self
                    .comment_unsigned(c, self.clock.now())
                    .and_then(|c| c.discussion_id);
                !discussion.is_some_and(|d| self.ov().resolved.contains(&d))
            });
        }
        Some(v)
    }

    /// A comment as the workspace holds it (hosted files as placeholders).
    pub(crate) fn comment_unsigned(&self, id: &Id, now: DateTime<Utc>) -> Option<Comment> {
        let ov = self.ov();
        if self.hidden(&ov, id) {
            return None;
        }
        match ov.added.get(id) {
            Some(Added::Comment { comment, .. }) => Some((**comment).clone()),
            Some(_) => None,
            None => self.base.comment(id, now),
        }
    }

    // ---- served objects: hosted files signed ----------------------------------------------

    /// The content version of each hosted file of `owner`.
    fn file_version(&self, owner: &Id) -> impl Fn(usize) -> u32 + '_ {
        let versions: Vec<(usize, u32)> = {
            let ov = self.ov();
            ov.file_versions
                .iter()
                .filter(|((o, _), _)| o == owner)
                .map(|((_, slot), v)| (*slot, *v))
                .collect()
        };
        move |slot| {
            versions
                .iter()
                .find(|(s, _)| *s == slot)
                .map_or(0, |(_, v)| *v)
        }
    }

    fn sign(&self, holder: Holder<'_>, owner: &Id, now: DateTime<Utc>) {
        let version = self.file_version(owner);
        self.signer.sign_all(holder, owner, &version, now);
    }

    /// A database as served now.
    pub(crate) fn database(&self, id: &Id) -> Option<Database> {
        let mut db = self.database_unsigned(id)?;
        self.sign(Holder::Database(&mut db), id, self.clock.now());
        Some(db)
    }

    /// A data source as served now.
    pub(crate) fn data_source(&self, id: &Id) -> Option<DataSource> {
        let mut ds = self.data_source_unsigned(id)?;
        self.sign(Holder::DataSource(&mut ds), id, self.clock.now());
        Some(ds)
    }

    /// A page as served now, with complete property values (the response cuts relation and
    /// people values at 25).
    pub(crate) fn page(&self, id: &Id, now: DateTime<Utc>) -> Option<Page> {
        let mut page = self.page_unsigned(id, now)?;
        self.sign(Holder::Page(&mut page), id, now);
        Some(page)
    }

    /// A block as served now.
    pub(crate) fn block(&self, id: &Id, now: DateTime<Utc>) -> Option<Block> {
        let mut block = self.block_unsigned(id, now)?;
        self.sign(Holder::Block(&mut block), id, now);
        Some(block)
    }

    /// The children as block objects (the block-children endpoint).
    pub(crate) fn children_blocks(&self, id: &Id, now: DateTime<Utc>) -> Option<Vec<Block>> {
        let mut blocks = self.children_blocks_unsigned(id, now)?;
        for b in &mut blocks {
            let owner = b.id;
            self.sign(Holder::Block(b), &owner, now);
        }
        Some(blocks)
    }

    /// A comment as served now.
    pub(crate) fn comment(&self, id: &Id, now: DateTime<Utc>) -> Option<Comment> {
        let mut c = self.comment_unsigned(id, now)?;
        self.sign(Holder::Comment(&mut c), id, now);
        Some(c)
    }

    /// The hosted files an object holds (a page, block, comment, database or data source), in
    /// slot order.
    pub(crate) fn files_of(&self, id: &Id, now: DateTime<Utc>) -> Vec<hosted::Found> {
        match self.find(id) {
            Found::Page => self
                .page_unsigned(id, now)
                .map(|mut p| Holder::Page(&mut p).files()),
            Found::Block => self
                .block_unsigned(id, now)
                .map(|mut b| Holder::Block(&mut b).files()),
            Found::Comment => self
                .comment_unsigned(id, now)
                .map(|mut c| Holder::Comment(&mut c).files()),
            Found::Database => self
                .database_unsigned(id)
                .map(|mut d| Holder::Database(&mut d).files()),
            Found::DataSource => self
                .data_source_unsigned(id)
                .map(|mut d| Holder::DataSource(&mut d).files()),
            _ => None,
        }
        .unwrap_or_default()
    }

    /// The current version of a hosted file by its id (`None`: no such file, or an older
    /// version).
    pub(crate) fn hosted_file(&self, file_id: &str, now: DateTime<Utc>) -> Option<HostedFileInfo> {
        let (owner, slot, version) = hosted::parse_file_id(file_id)?;
        if self.file_version(&owner)(slot) != version {
            return None;
        }
        let found = self.files_of(&owner, now).into_iter().nth(slot)?;
        let size = hosted::version_size(self.signer.bytes_of(found.size), version);
        Some(HostedFileInfo {
            id: file_id.to_owned(),
            owner,
            found,
            size,
        })
    }

    /// The current files of an object, from what it holds (see [`Workspace::files_of`]).
    pub(crate) fn file_infos(&self, owner: &Id, found: Vec<hosted::Found>) -> Vec<HostedFileInfo> {
        let version = self.file_version(owner);
        found
            .into_iter()
            .map(|f| {
                let v = version(f.slot);
                HostedFileInfo {
                    id: hosted::file_id(owner, f.slot, v),
                    owner: *owner,
                    size: hosted::version_size(self.signer.bytes_of(f.size), v),
                    found: f,
                }
            })
            .collect()
    }

    /// The current file in a slot of an object.
    pub(crate) fn hosted_file_at(
        &self,
        owner: &Id,
        slot: usize,
        now: DateTime<Utc>,
    ) -> Option<HostedFileInfo> {
        let id = hosted::file_id(owner, slot, self.file_version(owner)(slot));
        self.hosted_file(&id, now)
    }

    // ---- rows and queries -----------------------------------------------------------------

    /// Rows of a data source, trashed ones included (`None`: not a data source).
    pub(crate) fn rows(&self, ds: &Id) -> Option<Vec<Id>> {
        let ov = self.ov();
        self.rows_in(&ov, ds)
    }

    fn rows_in(&self, ov: &Overlay, ds: &Id) -> Option<Vec<Id>> {
        let mut v: Vec<Id> = match ov.added.get(ds) {
            Some(Added::DataSource { .. }) => Vec::new(),
            Some(_) => return None,
            None => self.base_rows(ds)?.iter().map(|(id, _, _)| *id).collect(),
        };
        if let Some(extra) = ov.rows.get(ds) {
            v.extend(extra.iter().copied());
        }
        if !ov.hides_nothing() {
            v.retain(|r| !self.hidden(ov, r));
        }
        Some(v)
    }

    fn page_times_in(&self, ov: &Overlay, id: &Id) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let (c, e) = match ov.added.get(id) {
            Some(Added::Page { page, .. }) => {
                let c = page.created_time.as_ref().map(Timestamp::instant)?;
                (c, c)
            }
            Some(_) => return None,
            None => self.base.page_times(id)?,
        };
        match ov.pages.get(id).and_then(PageState::current) {
            Some(v) => Some((c, v.edited)),
            None => Some((c, e)),
        }
    }

    /// The rows of a data source as queries see them; property values only when `props`.
    pub(crate) fn row_states(&self, ds: &Id, props: bool, now: DateTime<Utc>) -> Vec<RowState> {
        let ov = self.ov();
        let mut out = Vec::new();
        if ov.is_empty()
            && let Some(rows) = self.base_rows(ds)
        {
            out.reserve(rows.len());
            out.extend(rows.iter().map(|(id, created, edited)| RowState {
                id: *id,
                trashed: false,
                row: RowView {
                    created: *created,
                    edited: *edited,
                    props: Vec::new(),
                },
            }));
        }
        let rows = if ov.is_empty() {
            Vec::new()
        } else {
            self.rows_in(&ov, ds).unwrap_or_default()
        };
        out.reserve(rows.len());
        for id in rows {
            let Some((created, edited)) = self.page_times_in(&ov, &id) else {
                continue;
            };
            let trashed = ov
                .pages
                .get(&id)
                .and_then(PageState::current)
                .is_some_and(|v| v.trashed);
            out.push(RowState {
                id,
                trashed,
                row: RowView {
                    created,
                    edited,
                    props: Vec::new(),
                },
            });
        }
        drop(ov);
        if props {
            for r in &mut out {
                if let Some(page) = self.page(&r.id, now) {
                    r.row.props = page
                        .properties
                        .iter()
                        .flatten()
                        .map(|(name, v)| {
                            (
                                name.clone(),
                                v.id.clone().unwrap_or_default(),
                                v.type_name().to_owned(),
                                filter_value(v),
                            )
                        })
                        .collect::<Vec<(String, String, String, FilterValue)>>();
                }
            }
        }
        out
    }

    // ---- search ---------------------------------------------------------------------------

    /// Search entries as indexed at `horizon`: data sources (databases on the legacy version)
    /// and pages not in the trash, or, with `trash`, the pages in the trash.
    pub(crate) fn search_entries(
        &self,
        legacy: bool,
        horizon: DateTime<Utc>,
        trash: bool,
    ) -> Vec<SearchEntry> {
        let ov = self.ov();
        let mut out = Vec::new();
        if trash {
            let mut trashed: Vec<(Id, DateTime<Utc>)> = ov
                .pages
                .iter()
                .filter(|(id, _)| !self.hidden(&ov, id))
                .filter_map(|(id, st)| {
                    let v = st.indexed_at(horizon)?;
                    v.trashed.then_some((*id, v.edited))
                })
                .collect();
            trashed.sort_by_key(|(id, _)| *id);
            out.extend(trashed.into_iter().map(|(id, edited)| SearchEntry {
                obj: Obj::Page(id),
                edited,
            }));
            return out;
        }
        let base = self.base_search(legacy);
        if ov.is_empty() {
            return base.to_vec();
        }
        out.reserve(base.len());
        for e in base {
            match e.obj {
                Obj::Database(db) => {
                    if !self.hidden(&ov, &db)
                        && !ov.data_sources.contains_key(&db)
                        && !self.under_trash(&ov, &db)
                    {
                        out.push(e.clone());
                    }
                }
                Obj::DataSource(ds) => {
                    if !self.hidden(&ov, &ds) && !self.under_trash(&ov, &ds) {
                        out.push(e.clone());
                    }
                }
                Obj::Page(id) => {
                    if self.hidden(&ov, &id) {
                        continue;
                    }
                    // Inside a trashed page (the page itself follows its indexed version).
                    if let Some(parent) = self.base.parent_page(&id)
                        && self.under_trash(&ov, &parent)
                    {
                        continue;
                    }
                    match ov.pages.get(&id).and_then(|st| st.indexed_at(horizon)) {
                        Some(v) if v.trashed => {}
                        Some(v) => out.push(SearchEntry {
                            obj: e.obj,
                            edited: v.edited,
                        }),
                        None => out.push(e.clone()),
                    }
                }
            }
        }
        // Pages shared late, as indexed (search shows them with their old times).
        let mut late: Vec<&Id> = ov.shared.iter().filter(|p| !self.hidden(&ov, p)).collect();
        late.sort_unstable();
        for id in late {
            if !self.base.page_in_search(id) || self.under_trash(&ov, id) {
                continue;
            }
            match ov.pages.get(id).and_then(|st| st.indexed_at(horizon)) {
                Some(v) if v.trashed => {}
                Some(v) => out.push(SearchEntry {
                    obj: Obj::Page(*id),
                    edited: v.edited,
                }),
                None => {
                    if let Some((_, edited)) = self.base.page_times(id) {
                        out.push(SearchEntry {
                            obj: Obj::Page(*id),
                            edited,
                        });
                    }
                }
            }
        }
        // Rows added to data sources search shows, once indexed.
        let mut added: Vec<(&Id, &Added)> = ov
            .added
            .iter()
            .filter(|(_, a)| matches!(a, Added::Page { .. }))
            .collect();
        added.sort_by_key(|(id, _)| **id);
        for (id, a) in added {
            let Added::Page {
                data_source, at, ..
            } = a
            else {
                continue;
            };
            if *at > horizon
                || !self.base.data_source_in_search(data_source)
                || self.hidden(&ov, id)
            {
                continue;
            }
            let (trashed, edited) = match ov.pages.get(id).and_then(|st| st.indexed_at(horizon)) {
                Some(v) => (v.trashed, v.edited),
                None => continue,
            };
            if !trashed {
                out.push(SearchEntry {
                    obj: Obj::Page(*id),
                    edited,
                });
            }
        }
        out
    }

    /// The base search index (before mutations), built on first use: data sources (databases
    /// with one data source on the legacy version) and pages search shows.
    fn base_search(&self, legacy: bool) -> &[SearchEntry] {
        let cell = if legacy {
            &self.caches.search_legacy
        } else {
            &self.caches.search
        };
        cell.get_or_init(|| {
            let mut out = Vec::new();
            for db in self.base.database_ids() {
                let sources = self.base.data_source_ids(&db);
                if legacy {
                    if sources.len() == 1
                        && sources.iter().all(|ds| self.base.data_source_in_search(ds))
                        && let Some(d) = self.base.database(&db)
                    {
                        let edited = d.last_edited_time.as_ref().map(Timestamp::instant);
                        out.push(SearchEntry {
                            obj: Obj::Database(db),
                            edited: edited.unwrap_or(DateTime::<Utc>::MIN_UTC),
                        });
                    }
                    continue;
                }
                for ds in sources {
                    if self.base.data_source_in_search(&ds) {
                        let edited = self
                            .base
                            .data_source(&ds)
                            .and_then(|d| d.last_edited_time.map(|t| t.instant()));
                        out.push(SearchEntry {
                            obj: Obj::DataSource(ds),
                            edited: edited.unwrap_or(DateTime::<Utc>::MIN_UTC),
                        });
                    }
                }
            }
            for id in self.base.page_ids() {
                if self.base.page_in_search(&id)
                    && !self.late.contains(&id)
                    && let Some((_, edited)) = self.base.page_times(&id)
                {
                    out.push(SearchEntry {
                        obj: Obj::Page(id),
                        edited,
                    });
                }
            }
            out
        })
    }

    /// The base rows of a data source with their times, built on first use.
    fn base_rows(&self, ds: &Id) -> Option<Arc<Vec<RowTimes>>> {
        if let Some(rows) = self
            .caches
            .rows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(ds)
        {
            return Some(rows.clone());
        }
        let rows: Vec<_> = self
            .base
            .rows(ds)?
            .into_iter()
            .filter_map(|id| self.base.page_times(&id).map(|(c, e)| (id, c, e)))
            .collect();
        let rows = Arc::new(rows);
        self.caches
            .rows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(*ds, rows.clone());
        Some(rows)
    }

    /// The title search matches for an entry (a data source or legacy database: the
    /// database's title).
    pub(crate) fn search_title(&self, obj: &Obj, now: DateTime<Utc>) -> String {
        match obj {
            Obj::Page(id) => {
                let edited = {
                    let ov = self.ov();
                    ov.added.contains_key(id) || ov.pages.contains_key(id)
                };
                if edited {
                    self.page(id, now).map(|p| p.title()).unwrap_or_default()
                } else {
                    self.base.page_title(id)
                }
            }
            Obj::DataSource(id) => self
                .base
                .database_of(id)
                .map(|db| self.base.database_title(&db))
                .unwrap_or_default(),
            Obj::Database(id) => self.base.database_title(id),
        }
    }

    // ---- structure walks (ground truth, minimum requests) ---------------------------------

    /// Every page a complete reader reaches now (shared, not trashed), in index order.
    pub(crate) fn reachable_pages(&self) -> Vec<Id> {
        let ov = self.ov();
        let mut v = self.base.page_ids();
        let mut added: Vec<Id> = ov
            .added
            .iter()
            .filter(|(_, a)| matches!(a, Added::Page { .. }))
            .map(|(id, _)| *id)
            .collect();
        added.sort_unstable();
        v.extend(added);
        if !ov.is_empty() || !self.late.is_empty() {
            v.retain(|p| !self.hidden(&ov, p) && !self.under_trash(&ov, p));
        }
        v
    }

    /// Whether a page is a row of a data source.
    pub(crate) fn is_row(&self, id: &Id) -> bool {
        let ov = self.ov();
        self.data_source_of_in(&ov, id).is_some()
    }

    /// Whether search (without lag) shows a page.
    pub(crate) fn page_in_search(&self, id: &Id) -> bool {
        let ov = self.ov();
        match ov.added.get(id) {
            Some(Added::Page { data_source, .. }) => self.base.data_source_in_search(data_source),
            Some(_) => false,
            None => self.base.page_in_search(id),
        }
    }

    /// Every shared database.
    pub(crate) fn reachable_databases(&self) -> Vec<Id> {
        let ov = self.ov();
        let mut v = self.base.database_ids();
        v.retain(|d| !self.hidden(&ov, d) && !self.under_trash(&ov, d));
        v
    }

    /// Every data source of a shared database, and whether search shows it.
    pub(crate) fn reachable_data_sources(&self) -> Vec<(Id, bool)> {
        let mut out = Vec::new();
        for db in self.reachable_databases() {
            for ds in self.data_source_ids(&db) {
                let ov = self.ov();
                let in_search = !ov.added.contains_key(&ds) && self.base.data_source_in_search(&ds);
                out.push((ds, in_search));
            }
        }
        out
    }

    /// How many objects an unfiltered search returns now (no lag).
    pub(crate) fn search_count(&self) -> usize {
        self.search_entries(false, DateTime::<Utc>::MAX_UTC, false)
            .len()
    }

    /// The blocks of a page in pre-order, with the page itself first.
    pub(crate) fn page_blocks(&self, page: &Id) -> Option<Vec<BlockInfo>> {
        let touched = {
            let ov = self.ov();
            if self.hidden(&ov, page) {
                return None;
            }
            ov.touched.contains(page) || ov.added.contains_key(page)
        };
        if !touched {
            return self.base.page_blocks(page);
        }
        // A generic walk through the served structure.
        let mut out = Vec::new();
        let top = self.children(page)?;
        out.push(BlockInfo {
            id: *page,
            parent: *page,
            depth: 0,
            children: top.len(),
            comments: self.comments(page).map_or(0, |c| c.len()),
            child_ref: false,
            synced_duplicate: false,
        });
        let mut stack: Vec<(Id, Id, u32)> = top.into_iter().rev().map(|b| (b, *page, 1)).collect();
        let mut seen = HashSet::new();
        while let Some((id, parent, depth)) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let child_ref = matches!(self.find(&id), Found::Page | Found::Database);
            let synced_duplicate = !child_ref && self.base.synced_original(&id).is_some();
            let kids = if child_ref || synced_duplicate {
                Vec::new()
            } else {
                self.children(&id).unwrap_or_default()
            };
            let comments = if child_ref {
                0
            } else {
                self.comments(&id).map_or(0, |c| c.len())
            };
            out.push(BlockInfo {
                id,
                parent,
                depth,
                children: kids.len(),
                comments,
                child_ref,
                synced_duplicate,
            });
            for k in kids.into_iter().rev() {
                stack.push((k, id, depth + 1));
            }
        }
        Some(out)
    }

    /// Sizes of the relation and people values of a page that its page object truncates.
    pub(crate) fn truncated_values(&self, page: &Id, now: DateTime<Utc>) -> Vec<usize> {
        let edited = {
            let ov = self.ov();
            ov.added.contains_key(page)
                || self
                    .data_source_of_in(&ov, page)
                    .is_some_and(|ds| ov.schema.contains_key(&ds))
                || ov
                    .pages
                    .get(page)
                    .and_then(PageState::current)
                    .is_some_and(|v| !v.props.is_empty())
        };
        if !edited {
            return self.base.truncated_values(page);
        }
        let schema = {
            let ov = self.ov();
            self.data_source_of_in(&ov, page)
        }
        .and_then(|ds| self.data_source(&ds))
        .and_then(|ds| ds.properties);
        self.page(page, now)
            .and_then(|p| p.properties)
            .map(|props| truncated_sizes(&props, schema.as_ref()))
            .unwrap_or_default()
    }

    /// The rollup and formula values a page object computes over the first 25 entries of a
    /// longer relation, computed over every entry (values a mutation set stay as set).
    pub(crate) fn complete_values(
        &self,
        id: &Id,
        now: DateTime<Utc>,
    ) -> Vec<(String, PropertyValue)> {
        let ov = self.ov();
        if self.hidden(&ov, id) || ov.added.contains_key(id) {
            return Vec::new();
        }
        let edited: Vec<String> = ov
            .pages
            .get(id)
            .and_then(PageState::current)
            .map(|v| v.props.iter().map(|(n, _)| n.clone()).collect())
            .unwrap_or_default();
        drop(ov);
        let mut values = self.base.complete_values(id, now);
        values.retain(|(name, _)| !edited.contains(name));
        values
    }

    /// A page with every value complete: what a reader that completes truncated values ends
    /// with (the served response still cuts relation and people values at 25).
    pub(crate) fn page_complete(&self, id: &Id, now: DateTime<Utc>) -> Option<Page> {
        let mut page = self.page(id, now)?;
        let complete = self.complete_values(id, now);
        if let Some(props) = &mut page.properties {
            for (name, value) in complete {
                props.insert(name, value);
            }
        }
        Some(page)
    }

    // ---- mutations --------------------------------------------------------------------------

    fn next_id(&self, ov: &mut Overlay) -> Id {
        ov.seq += 1;
        self.base.added_id(ov.seq)
    }

    pub(super) fn bump_page(
        &self,
        ov: &mut Overlay,
        page: Id,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut PageVersion),
    ) {
        let by = self.editor();
        let st = ov.pages.entry(page).or_default();
        let mut v = st.current().cloned().unwrap_or(PageVersion {
            at: now,
            edited: to_minute(now),
            by,
            trashed: false,
            props: Vec::new(),
        });
        v.at = now;
        v.edited = to_minute(now);
        v.by = by;
        f(&mut v);
        st.versions.push(v);
    }

    pub(super) fn bump_block(&self, ov: &mut Overlay, block: Id, now: DateTime<Utc>) {
        let by = self.editor();
        let st = ov.blocks.entry(block).or_insert(BlockState {
            edited: to_minute(now),
            by,
            text: None,
            trashed: false,
        });
        st.edited = to_minute(now);
        st.by = by;
    }

    pub(super) fn need(&self, id: &Id, want: &[Found]) -> Result<Found, FakeError> {
        let f = self.find(id);
        if want.contains(&f) {
            Ok(f)
        } else {
            Err(FakeError::Mutation(format!(
                "{id} is not a shared {want:?}"
            )))
        }
    }

    /// Replaces property values of a page (Notion's JSON shape, keyed by property name; `type`
    /// and `id` may be left out).
    pub(crate) fn edit_page_properties(
        &self,
        page: &Id,
        props: serde_json::Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        self.need(page, &[Found::Page])?;
        let current = self
            .page(page, now)
            .and_then(|p| p.properties)
            .unwrap_or_default();
        let mut parsed = Vec::new();
        for (name, value) in props {
            let existing = current
                .get(&name)
                .ok_or_else(|| FakeError::Mutation(format!("the page has no property `{name}`")))?;
            let Value::Object(mut m) = value else {
                return Err(FakeError::Mutation(format!("`{name}` must be an object")));
            };
            let ty = existing.type_name().to_owned();
            if !m.contains_key(&ty) {
                return Err(FakeError::Mutation(format!(
                    "`{name}` is a {ty} property: give `{{\"{ty}\": …}}`"
                )));
            }
            m.insert("type".into(), Value::String(ty));
            if let Some(id) = &existing.id {
                m.insert("id".into(), Value::String(id.clone()));
            }
            if existing.has_more.is_some() && !m.contains_key("has_more") {
                m.insert("has_more".into(), Value::Bool(false));
            }
            let v: PropertyValue = serde_json::from_value(Value::Object(m))
                .map_err(|e| FakeError::Mutation(format!("`{name}`: {e}")))?;
            parsed.push((name, v));
        }
        let mut ov = self.ov_mut();
        self.bump_page(&mut ov, *page, now, |v| {
            for (name, value) in parsed {
                v.props.retain(|(n, _)| *n != name);
                v.props.push((name, value));
            }
        });
        Ok(())
    }

    /// Moves a page to the trash or restores it; bumps its `last_edited_time`.
    pub(crate) fn set_trashed(
        &self,
        page: &Id,
        trashed: bool,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        self.need(page, &[Found::Page])?;
        let mut ov = self.ov_mut();
        self.bump_page(&mut ov, *page, now, |v| v.trashed = trashed);
        Ok(())
    }

    /// Appends a paragraph under a page or block; returns its id.
    pub(crate) fn add_block(
        &self,
        parent: &Id,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Id, FakeError> {
        let found = self.need(parent, &[Found::Page, Found::Block])?;
        let page = self.page_holding(parent)?;
        let mut kids = self.children(parent).unwrap_or_default();
        let by = self.editor();
        let mut ov = self.ov_mut();
        let id = self.next_id(&mut ov);
        let block_parent = if found == Found::Page {
            Parent::page(*parent)
        } else {
            Parent::block(*parent)
        };
        let block = Block::new(id, block_parent, BlockKind::paragraph(text))
            .with_created(ts(to_minute(now)), by)
            .with_last_edited(ts(to_minute(now)), by);
        ov.added.insert(
            id,
            Added::Block {
                page,
                block: Box::new(block),
            },
        );
        kids.push(id);
        ov.children.insert(*parent, kids);
        ov.touched.insert(page);
        self.bump_page(&mut ov, page, now, |_| {});
        Ok(id)
    }

    /// Replaces a text block's text.
    pub(crate) fn edit_block(
        &self,
        block: &Id,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        self.need(block, &[Found::Block])?;
        let mut current = self
            .block(block, now)
            .and_then(|b| b.kind)
            .ok_or_else(|| FakeError::Mutation(format!("{block} is not a block")))?;
        if !set_text(&mut current, text) {
            return Err(FakeError::Mutation(format!("{block} has no text")));
        }
        let page = self.page_holding(block)?;
        let mut ov = self.ov_mut();
        self.bump_block(&mut ov, *block, now);
        if let Some(st) = ov.blocks.get_mut(block) {
            st.text = Some(text.to_owned());
        }
        self.bump_page(&mut ov, page, now, |_| {});
        Ok(())
    }

    /// Deletes a block (it leaves its parent's children; retrieving it shows `in_trash`).
    pub(crate) fn remove_block(&self, block: &Id, now: DateTime<Utc>) -> Result<(), FakeError> {
        self.need(block, &[Found::Block])?;
        let page = self.page_holding(block)?;
        let parent = self
            .page_blocks(&page)
            .and_then(|b| b.iter().find(|x| x.id == *block).map(|x| x.parent))
            .ok_or_else(|| FakeError::Mutation(format!("{block} is not in its page")))?;
        let mut kids = self.children(&parent).unwrap_or_default();
        kids.retain(|k| k != block);
        let mut ov = self.ov_mut();
        ov.children.insert(parent, kids);
        self.bump_block(&mut ov, *block, now);
        if let Some(st) = ov.blocks.get_mut(block) {
            st.trashed = true;
        }
        ov.touched.insert(page);
        self.bump_page(&mut ov, page, now, |_| {});
        Ok(())
    }

    /// Adds a comment on a page or block; bumps the `last_edited_time` of the block and of its
    /// page (a page-level comment bumps the page).
    pub(crate) fn add_comment(
        &self,
        parent: &Id,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Id, FakeError> {
        let found = self.need(parent, &[Found::Page, Found::Block])?;
        let page = self.page_holding(parent)?;
        let by = self.editor();
        let name = self
            .base
            .user(&by)
            .and_then(|u| u.name().map(str::to_owned));
        let mut ov = self.ov_mut();
        let id = self.next_id(&mut ov);
        let discussion = self.next_id(&mut ov);
        let comment = Comment {
            id,
            parent: Some(if found == Found::Page {
                Parent::page(*parent)
            } else {
                Parent::block(*parent)
            }),
            discussion_id: Some(discussion),
            created_time: Some(ts(to_minute(now))),
            last_edited_time: Some(ts(to_minute(now))),
            created_by: Some(User::partial(by)),
            rich_text: Some(vec![RichText::plain(text)]),
            display_name: Some(notion_model::comment::DisplayName {
                name_type: Some("user".to_owned()),
                resolved_name: Some(name),
                extra: Default::default(),
            }),
            attachments: None,
            extra: Default::default(),
        };
        ov.added.insert(
            id,
            Added::Comment {
                page,
                comment: Box::new(comment),
            },
        );
        ov.comments.entry(*parent).or_default().push(id);
        ov.touched.insert(page);
        if found == Found::Block {
            self.bump_block(&mut ov, *parent, now);
        }
        self.bump_page(&mut ov, page, now, |_| {});
        Ok(id)
    }

    /// Adds a row to a data source; returns its page id.
    pub(crate) fn add_row(
        &self,
        ds: &Id,
        title: &str,
        now: DateTime<Utc>,
    ) -> Result<Id, FakeError> {
        self.need(ds, &[Found::DataSource])?;
        let source = self
            .data_source(ds)
            .ok_or_else(|| FakeError::Mutation(format!("{ds} is not a data source")))?;
        let database = {
            let ov = self.ov();
            self.database_of_in(&ov, ds)
        }
        .ok_or_else(|| FakeError::Mutation(format!("{ds} has no database")))?;
        let number = self.rows(ds).map_or(0, |r| r.len()) as u64 + 1;
        let by = self.editor();
        let at = to_minute(now);
        let mut props = PropertyValues::new();
        for (name, schema) in source.properties.iter().flatten() {
            let kind = default_value(schema, title, at, by, number);
            let mut v = PropertyValue::new(schema.id.clone().unwrap_or_default(), kind);
            if matches!(v.kind, PropertyValueKind::Relation(_)) {
                v.has_more = Some(false);
            }
            props.insert(name.clone(), v);
        }
        let mut ov = self.ov_mut();
        let id = self.next_id(&mut ov);
        let page = Page::new(id, Parent::data_source(*ds, database), props)
            .with_created(ts(at), by)
            .with_last_edited(ts(at), by);
        ov.added.insert(
            id,
            Added::Page {
                data_source: *ds,
                at: now,
                page: Box::new(page),
            },
        );
        ov.rows.entry(*ds).or_default().push(id);
        self.bump_page(&mut ov, id, now, |_| {});
        Ok(id)
    }

    /// Adds a data source (with a title property only) to a database; returns its id.
    pub(crate) fn add_data_source(
        &self,
        db: &Id,
        title: &str,
        now: DateTime<Utc>,
    ) -> Result<Id, FakeError> {
        self.need(db, &[Found::Database])?;
        let database = self
            .database(db)
            .ok_or_else(|| FakeError::Mutation(format!("{db} is not a database")))?;
        let by = self.editor();
        let mut ov = self.ov_mut();
        let id = self.next_id(&mut ov);
        let mut schema = notion_model::PropertySchemas::new();
        schema.insert(
            "Name".to_owned(),
            PropertySchema::new("title", "Name", PropertySchemaKind::Title(Empty::new())),
        );
        let mut ds = DataSource::new(id, *db, title, schema);
        ds.database_parent = database.parent.clone();
        let t = Timestamp::parse(&fmt_millis(now)).unwrap_or_else(|_| ts(now));
        ds.created_time = Some(t.clone());
        ds.last_edited_time = Some(t);
        ds.created_by = Some(User::partial(by));
        ds.last_edited_by = Some(User::partial(by));
        ov.added.insert(
            id,
            Added::DataSource {
                database: *db,
                data_source: Box::new(ds),
            },
        );
        ov.data_sources.entry(*db).or_default().push(id);
        Ok(id)
    }

    /// Replaces a hosted file's content with a new version (a new id, URL, size and hash); bumps
    /// the `last_edited_time` of the block or page holding it.
    pub(crate) fn replace_file(
        &self,
        file_id: &str,
        now: DateTime<Utc>,
    ) -> Result<HostedFileInfo, FakeError> {
        let file = self
            .hosted_file(file_id, now)
            .ok_or_else(|| FakeError::Mutation(format!("no current hosted file `{file_id}`")))?;
        let owner = file.owner;
        let slot = file.found.slot;
        let found = self.find(&owner);
        let page = match found {
            Found::Page | Found::Block | Found::Comment => Some(self.page_holding(&owner)?),
            _ => None,
        };
        {
            let mut ov = self.ov_mut();
            *ov.file_versions.entry((owner, slot)).or_insert(0) += 1;
            if found == Found::Block {
                self.bump_block(&mut ov, owner, now);
            }
            if let Some(page) = page {
                ov.touched.insert(page);
                self.bump_page(&mut ov, page, now, |_| {});
            }
        }
        self.hosted_file_at(&owner, slot, now)
            .ok_or_else(|| FakeError::Mutation(format!("`{file_id}` is gone")))
    }

    /// Stops sharing an object (and, for a page, its content) with the connection.
    pub(crate) fn unshare(&self, id: &Id) -> Result<(), FakeError> {
        self.need(id, &[Found::Page, Found::Database, Found::DataSource])?;
        let mut ov = self.ov_mut();
        ov.unshared.insert(*id);
        ov.touched.insert(*id);
        Ok(())
    }
}

/// Applies a page version (time, editor, trash state, edited values) to a page object.
fn apply_version(page: &mut Page, v: &PageVersion) {
    page.last_edited_time = Some(ts(v.edited));
    page.last_edited_by = Some(User::partial(v.by));
    page.in_trash = Some(v.trashed);
    if let Some(props) = &mut page.properties {
        for (name, value) in &v.props {
            props.insert(name.clone(), value.clone());
        }
        for value in props.values_mut() {
            match &mut value.kind {
                PropertyValueKind::LastEditedTime(t) => *t = ts(v.edited),
                PropertyValueKind::LastEditedBy(u) => *u = User::partial(v.by),
                _ => {}
            }
        }
    }
}
