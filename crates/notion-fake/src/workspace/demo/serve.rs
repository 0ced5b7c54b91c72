//! The served view: the demo's answers to the base-workspace questions.

use chrono::{DateTime, Utc};
use notion_model::block::{self as mb, ChildTitle};
use notion_model::{Block, Comment, DataSource, Database, Id, Page, Parent, PropertyValue, User};

use super::Demo;
use super::build::key_id;
use crate::workspace::base::Base;
use crate::workspace::rollup::truncated_sizes;
use crate::workspace::{BlockInfo, Found};

impl Demo {
    fn child_block(&self, id: &Id) -> Option<Block> {
        if let Some(p) = self.pages.get(id) {
            let times = (
                p.page.created_time.clone()?,
                p.page.last_edited_time.clone()?,
            );
            let parent = match &p.data_source {
                Some(ds) => Parent::database(*self.ds_database.get(ds)?),
                None => p.page.parent.clone()?,
            };
            return Some(
                Block::new(
                    *id,
                    parent,
                    mb::BlockKind::ChildPage(ChildTitle::new(p.title.clone())),
                )
                .with_created(times.0, p.page.created_by.as_ref()?.id)
                .with_last_edited(times.1, p.page.last_edited_by.as_ref()?.id)
                .with_children(self.children.get(id).is_some_and(|c| !c.is_empty())),
            );
        }
        let db = self.databases.iter().find(|d| d.id == *id)?;
        let by = self
            .db_sources
            .get(id)
            .and_then(|s| s.first())
            .and_then(|ds| self.data_sources.get(ds))
            .and_then(|d| d.created_by.as_ref())
            .map_or(self.bot, |u| u.id);
        Some(
            Block::new(
                *id,
                db.parent.clone()?,
                mb::BlockKind::ChildDatabase(ChildTitle::new(db.title())),
            )
            .with_created(db.created_time.as_ref()?.truncated_to_minute(), by)
            .with_last_edited(db.last_edited_time.as_ref()?.truncated_to_minute(), by),
        )
    }
}

impl Base for Demo {
    fn workspace_id(&self) -> Id {
        self.workspace_id
    }

    fn workspace_name(&self) -> String {
        self.name.clone()
    }

    fn bot_id(&self) -> Id {
        self.bot
    }

    fn added_id(&self, n: u64) -> Id {
        key_id("added", &n.to_string())
    }

    fn user_ids(&self) -> Vec<Id> {
        self.users.iter().map(|u| u.id).collect()
    }

    fn user(&self, id: &Id) -> Option<User> {
        self.users.iter().find(|u| u.id == *id).cloned()
    }

    fn find(&self, id: &Id) -> Found {
        if self.pages.contains_key(id) {
            Found::Page
        } else if self.databases.iter().any(|d| d.id == *id) {
            Found::Database
        } else if self.data_sources.contains_key(id) {
            Found::DataSource
        } else if self.blocks.contains_key(id) {
            Found::Block
        } else if self.comment_objs.contains_key(id) {
            Found::Comment
        } else if self.users.iter().any(|u| u.id == *id) {
            Found::User
        } else {
            Found::Missing
        }
    }

    fn page_of(&self, id: &Id) -> Option<Id> {
        if self.pages.contains_key(id) {
            return Some(*id);
        }
        if let Some(b) = self.blocks.get(id) {
            return Some(b.page);
        }
        self.comment_objs.get(id).map(|c| c.page)
    }

    fn database_ids(&self) -> Vec<Id> {
        self.databases.iter().map(|d| d.id).collect()
    }

    fn database(&self, id: &Id) -> Option<Database> {
        self.databases.iter().find(|d| d.id == *id).cloned()
    }

    fn data_source_ids(&self, database: &Id) -> Vec<Id> {
        self.db_sources.get(database).cloned().unwrap_or_default()
    }

    fn database_of(&self, data_source: &Id) -> Option<Id> {
        self.ds_database.get(data_source).copied()
    }

    fn data_source(&self, id: &Id) -> Option<DataSource> {
        self.data_sources.get(id).cloned()
    }

    fn data_source_in_search(&self, id: &Id) -> bool {
        self.data_sources.contains_key(id)
    }

    fn rows(&self, data_source: &Id) -> Option<Vec<Id>> {
        self.ds_rows.get(data_source).cloned()
    }

    fn page_ids(&self) -> Vec<Id> {
        self.page_order.clone()
    }

    fn page(&self, id: &Id, _now: DateTime<Utc>) -> Option<Page> {
        Some(self.pages.get(id)?.page.clone())
    }

    fn page_times(&self, id: &Id) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let p = &self.pages.get(id)?.page;
        Some((
            p.created_time.as_ref()?.instant(),
            p.last_edited_time.as_ref()?.instant(),
        ))
    }

    fn page_title(&self, id: &Id) -> String {
        self.pages
            .get(id)
            .map(|p| p.title.clone())
            .unwrap_or_default()
    }

    fn database_title(&self, id: &Id) -> String {
        self.databases
            .iter()
            .find(|d| d.id == *id)
            .map(Database::title)
            .unwrap_or_default()
    }

    fn parent_page(&self, id: &Id) -> Option<Id> {
        let of_parent = |p: &Option<Parent>| match p.as_ref().map(|p| &p.kind) {
            Some(notion_model::ParentKind::Page(pid)) => Some(*pid),
            _ => None,
        };
        if let Some(p) = self.pages.get(id) {
            return match &p.data_source {
                Some(ds) => self.parent_page(self.ds_database.get(ds)?),
                None => of_parent(&p.page.parent),
            };
        }
        if let Some(db) = self.databases.iter().find(|d| d.id == *id) {
            return of_parent(&db.parent);
        }
        self.parent_page(self.ds_database.get(id)?)
    }

    fn row_data_source(&self, page: &Id) -> Option<Id> {
        self.pages.get(page)?.data_source
    }

    fn page_in_search(&self, id: &Id) -> bool {
        self.pages.get(id).is_some_and(|p| p.in_search)
    }

    fn truncated_values(&self, page: &Id) -> Vec<usize> {
        let Some(p) = self.pages.get(page) else {
            return Vec::new();
        };
        let schema = p
            .data_source
            .and_then(|ds| self.data_sources.get(&ds))
            .and_then(|ds| ds.properties.as_ref());
        p.page
            .properties
            .as_ref()
            .map(|props| truncated_sizes(props, schema))
            .unwrap_or_default()
    }

    fn complete_values(&self, page: &Id, _now: DateTime<Utc>) -> Vec<(String, PropertyValue)> {
        self.complete.get(page).cloned().unwrap_or_default()
    }

    fn block(&self, id: &Id, _now: DateTime<Utc>) -> Option<Block> {
        if self.pages.contains_key(id) || self.databases.iter().any(|d| d.id == *id) {
            return self.child_block(id);
        }
        self.blocks.get(id).map(|b| b.block.clone())
    }

    fn children(&self, id: &Id) -> Option<Vec<Id>> {
        if self.databases.iter().any(|d| d.id == *id) {
            return Some(Vec::new());
        }
        if let Some(original) = self.synced_original(id) {
            return Some(self.children.get(&original).cloned().unwrap_or_default());
        }
        if self.pages.contains_key(id) {
            return Some(self.children.get(id).cloned().unwrap_or_default());
        }
        if self.blocks.contains_key(id) {
            return Some(self.children.get(id).cloned().unwrap_or_default());
        }
        None
    }

    fn synced_original(&self, id: &Id) -> Option<Id> {
        self.blocks.get(id)?.synced_from
    }

    fn page_blocks(&self, page: &Id) -> Option<Vec<BlockInfo>> {
        if !self.pages.contains_key(page) {
            return None;
        }
        let top = self.children.get(page).cloned().unwrap_or_default();
        let mut out = vec![BlockInfo {
            id: *page,
            parent: *page,
            depth: 0,
            children: top.len(),
            comments: self.comments.get(page).map_or(0, Vec::len),
            child_ref: false,
            synced_duplicate: false,
        }];
        let mut stack: Vec<(Id, Id, u32)> = top.into_iter().rev().map(|b| (b, *page, 1)).collect();
        while let Some((id, parent, depth)) = stack.pop() {
            let child_ref =
                self.pages.contains_key(&id) || self.databases.iter().any(|d| d.id == id);
            let duplicate = self.synced_original(&id).is_some();
            let kids = if child_ref || duplicate {
                Vec::new()
            } else {
                self.children.get(&id).cloned().unwrap_or_default()
            };
            out.push(BlockInfo {
                id,
                parent,
                depth,
                children: kids.len(),
                comments: if child_ref {
                    0
                } else {
                    self.comments.get(&id).map_or(0, Vec::len)
                },
                child_ref,
                synced_duplicate: duplicate,
            });
            for k in kids.into_iter().rev() {
                stack.push((k, id, depth + 1));
            }
        }
        Some(out)
    }

    fn comment_ids(&self, parent: &Id) -> Option<Vec<Id>> {
        if self.databases.iter().any(|d| d.id == *parent) {
            return Some(Vec::new());
        }
        if !self.pages.contains_key(parent) && !self.blocks.contains_key(parent) {
            return None;
        }
        Some(self.comments.get(parent).cloned().unwrap_or_default())
    }

    fn comment(&self, id: &Id, _now: DateTime<Utc>) -> Option<Comment> {
        Some(self.comment_objs.get(id)?.comment.clone())
    }
}
