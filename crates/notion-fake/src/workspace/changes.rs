//! The mutations change capture needs: deleting blocks, pages and data sources for good,
//! resolving comments, sharing pages, moving pages, and changing data-source schemas (rows'
//! values follow). The served view applies them in `live.rs`.

use chrono::{DateTime, Utc};
use notion_model::property::{
    FormulaConfig, NumberConfig, RelationConfig, RollupConfig, SelectConfig, StatusConfig,
    UniqueIdConfig,
};
use notion_model::{
    DataSource, Empty, Id, Page, Parent, PropertySchema, PropertySchemaKind, PropertyValue,
    PropertyValueKind, PropertyValues, RichText, Timestamp,
};

use super::overlay::{Overlay, SchemaChange};
use super::{Found, Workspace};
use crate::clock::fmt_millis;
use crate::error::FakeError;

/// A property type a schema change can give: the schema with an empty configuration.
pub(crate) fn schema_kind(type_name: &str) -> Option<PropertySchemaKind> {
    Some(match type_name {
        "title" => PropertySchemaKind::Title(Empty::new()),
        "rich_text" => PropertySchemaKind::RichText(Empty::new()),
        "number" => PropertySchemaKind::Number(NumberConfig {
            format: Some("number".to_owned()),
            extra: Default::default(),
        }),
        "select" => PropertySchemaKind::Select(SelectConfig {
            options: Some(Vec::new()),
            extra: Default::default(),
        }),
        "multi_select" => PropertySchemaKind::MultiSelect(SelectConfig {
            options: Some(Vec::new()),
            extra: Default::default(),
        }),
        "status" => PropertySchemaKind::Status(StatusConfig {
            options: Some(Vec::new()),
            groups: Some(Vec::new()),
            extra: Default::default(),
        }),
        "date" => PropertySchemaKind::Date(Empty::new()),
        "people" => PropertySchemaKind::People(Empty::new()),
        "files" => PropertySchemaKind::Files(Empty::new()),
        "checkbox" => PropertySchemaKind::Checkbox(Empty::new()),
        "url" => PropertySchemaKind::Url(Empty::new()),
        "email" => PropertySchemaKind::Email(Empty::new()),
        "phone_number" => PropertySchemaKind::PhoneNumber(Empty::new()),
        "formula" => PropertySchemaKind::Formula(FormulaConfig {
            expression: Some(String::new()),
            extra: Default::default(),
        }),
        "relation" => PropertySchemaKind::Relation(RelationConfig::default()),
        "rollup" => PropertySchemaKind::Rollup(RollupConfig::default()),
        "unique_id" => PropertySchemaKind::UniqueId(UniqueIdConfig {
            prefix: Some(None),
            extra: Default::default(),
        }),
        "created_time" => PropertySchemaKind::CreatedTime(Empty::new()),
        "created_by" => PropertySchemaKind::CreatedBy(Empty::new()),
        "last_edited_time" => PropertySchemaKind::LastEditedTime(Empty::new()),
        "last_edited_by" => PropertySchemaKind::LastEditedBy(Empty::new()),
        _ => return None,
    })
}

/// The value a row shows for a property whose type changed: text keeps its words, other
/// values become empty.
fn retyped(old: Option<&PropertyValue>, schema: &PropertySchema) -> PropertyValueKind {
    let text = old.and_then(PropertyValue::plain_text).unwrap_or_default();
    match &schema.kind {
        PropertySchemaKind::Title(_) => PropertyValueKind::Title(vec![RichText::plain(text)]),
        PropertySchemaKind::RichText(_) if text.is_empty() => {
            PropertyValueKind::RichText(Vec::new())
        }
        PropertySchemaKind::RichText(_) => PropertyValueKind::RichText(vec![RichText::plain(text)]),
        PropertySchemaKind::Number(_) => PropertyValueKind::Number(
            text.trim()
                .parse::<f64>()
                .ok()
                .and_then(crate::workspace::rollup::number),
        ),
        PropertySchemaKind::Url(_) => PropertyValueKind::Url((!text.is_empty()).then_some(text)),
        PropertySchemaKind::Email(_) => {
            PropertyValueKind::Email((!text.is_empty()).then_some(text))
        }
        PropertySchemaKind::PhoneNumber(_) => {
            PropertyValueKind::PhoneNumber((!text.is_empty()).then_some(text))
        }
        _ => empty_value(schema),
    }
}

/// An empty value of a property schema.
pub(crate) fn empty_value(schema: &PropertySchema) -> PropertyValueKind {
    match &schema.kind {
        PropertySchemaKind::Title(_) => PropertyValueKind::Title(Vec::new()),
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
        PropertySchemaKind::Relation(_) => PropertyValueKind::Relation(Vec::new()),
        PropertySchemaKind::Formula(_) => PropertyValueKind::Formula(
            notion_model::property::Formula::new(notion_model::property::FormulaKind::Number(None)),
        ),
        PropertySchemaKind::Rollup(_) => {
            PropertyValueKind::Rollup(notion_model::property::Rollup::new(
                notion_model::property::RollupKind::Number(None),
                "count",
            ))
        }
        _ => PropertyValueKind::RichText(Vec::new()),
    }
}

/// Applies schema changes to a data source's properties.
pub(crate) fn apply_to_schema(ds: &mut DataSource, changes: &[SchemaChange]) {
    let props = ds.properties.get_or_insert_with(Default::default);
    for c in changes {
        match c {
            SchemaChange::Add(name, schema) => {
                props.insert(name.clone(), (**schema).clone());
            }
            SchemaChange::Rename(from, to) => {
                if let Some(mut s) = props.remove(from) {
                    s.name = Some(to.clone());
                    props.insert(to.clone(), s);
                }
            }
            SchemaChange::Retype(name, schema) => {
                props.insert(name.clone(), (**schema).clone());
            }
            SchemaChange::Remove(name) => {
                props.remove(name);
            }
        }
    }
}

/// Applies schema changes to a row's values.
pub(crate) fn apply_to_row(props: &mut PropertyValues, changes: &[SchemaChange]) {
    for c in changes {
        match c {
            SchemaChange::Add(name, schema) => {
                let mut v =
                    PropertyValue::new(schema.id.clone().unwrap_or_default(), empty_value(schema));
                if matches!(v.kind, PropertyValueKind::Relation(_)) {
                    v.has_more = Some(false);
                }
                props.insert(name.clone(), v);
            }
            SchemaChange::Rename(from, to) => {
                if let Some(v) = props.remove(from) {
                    props.insert(to.clone(), v);
                }
            }
            SchemaChange::Retype(name, schema) => {
                let kind = retyped(props.get(name), schema);
                let mut v = PropertyValue::new(schema.id.clone().unwrap_or_default(), kind);
                if matches!(v.kind, PropertyValueKind::Relation(_)) {
                    v.has_more = Some(false);
                }
                props.insert(name.clone(), v);
            }
            SchemaChange::Remove(name) => {
                props.remove(name);
            }
        }
    }
}

/// What a change to a schema did, for the `data_source.schema_updated` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PropertyChange {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    /// `created`, `updated` or `deleted`.
    pub(crate) action: &'static str,
}

impl Workspace {
    fn schema_of(&self, ds: &Id) -> Result<notion_model::PropertySchemas, FakeError> {
        self.need(ds, &[Found::DataSource])?;
        self.data_source(ds)
            .and_then(|d| d.properties)
            .ok_or_else(|| FakeError::Mutation(format!("{ds} is not a data source")))
    }

    fn push_schema_change(&self, ds: &Id, change: SchemaChange, now: DateTime<Utc>) {
        let mut ov = self.ov_mut();
        ov.schema.entry(*ds).or_default().push(change);
        ov.ds_edited.insert(*ds, now);
    }

    /// Adds a property of type `type_name` (empty configuration) to a data source; rows get
    /// an empty value.
    pub(crate) fn add_property(
        &self,
        ds: &Id,
        name: &str,
        type_name: &str,
        now: DateTime<Utc>,
    ) -> Result<PropertyChange, FakeError> {
        let schema = self.schema_of(ds)?;
        if schema.contains_key(name) {
            return Err(FakeError::Mutation(format!("`{name}` exists already")));
        }
        let kind = schema_kind(type_name)
            .ok_or_else(|| FakeError::Mutation(format!("unknown property type `{type_name}`")))?;
        let id = {
            let mut ov = self.ov_mut();
            ov.seq += 1;
            format!("new%3A{}", ov.seq)
        };
        let prop = PropertySchema::new(id.clone(), name, kind);
        self.push_schema_change(ds, SchemaChange::Add(name.to_owned(), Box::new(prop)), now);
        Ok(PropertyChange {
            id,
            name: Some(name.to_owned()),
            action: "created",
        })
    }

    /// Renames a property of a data source (rows' values move with it).
    pub(crate) fn rename_property(
        &self,
        ds: &Id,
        from: &str,
        to: &str,
        now: DateTime<Utc>,
    ) -> Result<PropertyChange, FakeError> {
        let schema = self.schema_of(ds)?;
        let old = schema
            .get(from)
            .ok_or_else(|| FakeError::Mutation(format!("no property `{from}`")))?;
        if schema.contains_key(to) {
            return Err(FakeError::Mutation(format!("`{to}` exists already")));
        }
        let id = old.id.clone().unwrap_or_default();
        self.push_schema_change(
            ds,
            SchemaChange::Rename(from.to_owned(), to.to_owned()),
            now,
        );
        Ok(PropertyChange {
            id,
            name: Some(to.to_owned()),
            action: "updated",
        })
    }

    /// Changes a property's type (rows' values become empty; text keeps its words).
    pub(crate) fn retype_property(
        &self,
        ds: &Id,
        name: &str,
        type_name: &str,
        now: DateTime<Utc>,
    ) -> Result<PropertyChange, FakeError> {
        let schema = self.schema_of(ds)?;
        let old = schema
            .get(name)
            .ok_or_else(|| FakeError::Mutation(format!("no property `{name}`")))?;
        let kind = schema_kind(type_name)
            .ok_or_else(|| FakeError::Mutation(format!("unknown property type `{type_name}`")))?;
        if matches!(old.kind, PropertySchemaKind::Title(_)) != (type_name == "title") {
            return Err(FakeError::Mutation(
                "a data source has exactly one title property".to_owned(),
            ));
        }
        let id = old.id.clone().unwrap_or_default();
        let prop = PropertySchema::new(id.clone(), name, kind);
        self.push_schema_change(
            ds,
            SchemaChange::Retype(name.to_owned(), Box::new(prop)),
            now,
        );
        Ok(PropertyChange {
            id,
            name: Some(name.to_owned()),
            action: "updated",
        })
    }

    /// Removes a property from a data source (and its values from the rows).
    pub(crate) fn remove_property(
        &self,
        ds: &Id,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<PropertyChange, FakeError> {
        let schema = self.schema_of(ds)?;
        let old = schema
            .get(name)
            .ok_or_else(|| FakeError::Mutation(format!("no property `{name}`")))?;
        if matches!(old.kind, PropertySchemaKind::Title(_)) {
            return Err(FakeError::Mutation(
                "the title property cannot be removed".to_owned(),
            ));
        }
        let id = old.id.clone().unwrap_or_default();
        self.push_schema_change(ds, SchemaChange::Remove(name.to_owned()), now);
        Ok(PropertyChange {
            id,
            name: None,
            action: "deleted",
        })
    }

    /// Deletes a block and its subtree for good: gone from its parent's children, 404 when
    /// retrieved. Bumps the page's `last_edited_time`.
    pub(crate) fn delete_block(&self, block: &Id, now: DateTime<Utc>) -> Result<Id, FakeError> {
        self.need(block, &[Found::Block])?;
        let page = self.page_holding(block)?;
        let infos = self
            .page_blocks(&page)
            .ok_or_else(|| FakeError::Mutation(format!("{block} is not in its page")))?;
        let at = infos
            .iter()
            .position(|x| x.id == *block)
            .ok_or_else(|| FakeError::Mutation(format!("{block} is not in its page")))?;
        let parent = infos[at].parent;
        let depth = infos[at].depth;
        // The subtree: the blocks after it in pre-order, deeper than it.
        let subtree: Vec<Id> = std::iter::once(*block)
            .chain(
                infos[at + 1..]
                    .iter()
                    .take_while(|x| x.depth > depth)
                    .map(|x| x.id),
            )
            .collect();
        let mut kids = self.children(&parent).unwrap_or_default();
        kids.retain(|k| k != block);
        let mut ov = self.ov_mut();
        ov.children.insert(parent, kids);
        ov.deleted.extend(subtree);
        ov.touched.insert(page);
        self.bump_page(&mut ov, page, now, |_| {});
        Ok(page)
    }

    /// Resolves the discussion of a comment: its comments leave the listings. Returns the
    /// comments resolved and the page they are on.
    pub(crate) fn resolve_comment(
        &self,
        comment: &Id,
        now: DateTime<Utc>,
    ) -> Result<(Vec<notion_model::Comment>, Id), FakeError> {
        self.need(comment, &[Found::Comment])?;
        let c = self
            .comment(comment, now)
            .ok_or_else(|| FakeError::Mutation(format!("{comment} is not a comment")))?;
        let discussion = c
            .discussion_id
            .ok_or_else(|| FakeError::Mutation(format!("{comment} has no discussion")))?;
        let page = self.page_holding(comment)?;
        let parent = match c.parent.as_ref().map(|p| &p.kind) {
            Some(notion_model::ParentKind::Block(b)) => *b,
            _ => page,
        };
        let thread: Vec<notion_model::Comment> = self
            .comments(&parent)
            .unwrap_or_default()
            .iter()
            .filter_map(|id| self.comment(id, now))
            .filter(|c| c.discussion_id == Some(discussion))
            .collect();
        let mut ov = self.ov_mut();
        ov.resolved.insert(discussion);
        ov.touched.insert(page);
        Ok((thread, page))
    }

    /// Shares a page the connection could not see (a page not shared at the start, or one
    /// unshared by a mutation). Its timestamps stay as they were.
    pub(crate) fn share_page(&self, page: &Id) -> Result<(), FakeError> {
        let mut ov = self.ov_mut();
        if ov.unshared.remove(page) {
            ov.touched.insert(*page);
            return Ok(());
        }
        if self.late.contains(page) && !ov.shared.contains(page) {
            ov.shared.insert(*page);
            ov.touched.insert(*page);
            return Ok(());
        }
        Err(FakeError::Mutation(format!(
            "{page} is not a page waiting to be shared"
        )))
    }

    /// Deletes a page for good (404 from then on; out of search, queries and the trash).
    pub(crate) fn delete_page(&self, page: &Id) -> Result<(), FakeError> {
        self.need(page, &[Found::Page])?;
        let mut ov = self.ov_mut();
        ov.deleted.insert(*page);
        ov.touched.insert(*page);
        Ok(())
    }

    /// Deletes a data source for good (404; its rows with it; gone from its database). The
    /// last data source of a database takes the database with it.
    pub(crate) fn delete_data_source(&self, ds: &Id) -> Result<Id, FakeError> {
        self.need(ds, &[Found::DataSource])?;
        let db = {
            let ov = self.ov();
            self.database_of_in(&ov, ds)
        }
        .ok_or_else(|| FakeError::Mutation(format!("{ds} has no database")))?;
        let last = self.data_source_ids(&db) == [*ds];
        let mut ov = self.ov_mut();
        ov.deleted.insert(*ds);
        if last {
            ov.deleted.insert(db);
        }
        ov.touched.insert(*ds);
        Ok(db)
    }

    /// Moves a page (not a row) under another page: its `child_page` block leaves its old
    /// parent and ends its new parent's children. Bumps the page.
    pub(crate) fn move_page(
        &self,
        page: &Id,
        to: &Id,
        now: DateTime<Utc>,
    ) -> Result<(), FakeError> {
        self.need(page, &[Found::Page])?;
        self.need(to, &[Found::Page])?;
        if self.is_row(page) {
            return Err(FakeError::Mutation(format!("{page} is a row")));
        }
        if page == to || self.ancestors(to).contains(page) {
            return Err(FakeError::Mutation(format!(
                "{page} cannot move under itself"
            )));
        }
        let old_parent = self.parent_page_of(page);
        let old_kids = old_parent.map(|p| {
            let mut kids = self.children(&p).unwrap_or_default();
            kids.retain(|k| k != page);
            (p, kids)
        });
        let mut new_kids = self.children(to).unwrap_or_default();
        new_kids.retain(|k| k != page);
        new_kids.push(*page);
        let mut ov = self.ov_mut();
        if let Some((p, kids)) = old_kids {
            ov.children.insert(p, kids);
            ov.touched.insert(p);
        }
        ov.children.insert(*to, new_kids);
        ov.touched.insert(*to);
        ov.moved.insert(*page, *to);
        self.bump_page(&mut ov, *page, now, |_| {});
        Ok(())
    }

    /// The page holding a page, after moves.
    pub(crate) fn parent_page_of(&self, page: &Id) -> Option<Id> {
        let ov = self.ov();
        self.parent_page_in(&ov, page)
    }

    pub(crate) fn parent_page_in(&self, ov: &Overlay, page: &Id) -> Option<Id> {
        if let Some(p) = ov.moved.get(page) {
            return Some(*p);
        }
        self.base.parent_page(page)
    }

    fn ancestors(&self, page: &Id) -> Vec<Id> {
        let mut out = Vec::new();
        let mut cur = *page;
        for _ in 0..64 {
            match self.parent_page_of(&cur) {
                Some(p) => {
                    out.push(p);
                    cur = p;
                }
                None => break,
            }
        }
        out
    }

    /// A data source's `last_edited_time` after a schema change.
    pub(crate) fn data_source_edited(ov: &Overlay, ds: &Id) -> Option<Timestamp> {
        ov.ds_edited
            .get(ds)
            .and_then(|t| Timestamp::parse(&fmt_millis(*t)).ok())
    }

    /// A moved page's new parent.
    pub(crate) fn moved_parent(ov: &Overlay, page: &Id) -> Option<Parent> {
        ov.moved.get(page).map(|p| Parent::page(*p))
    }
}

/// Applies the overlay's schema changes and moves to a page object.
pub(crate) fn patch_page(ov: &Overlay, page: &mut Page, data_source: Option<&Id>) {
    if let Some(ds) = data_source
        && let Some(changes) = ov.schema.get(ds)
        && let Some(props) = &mut page.properties
    {
        apply_to_row(props, changes);
    }
    if let Some(parent) = Workspace::moved_parent(ov, &page.id) {
        page.parent = Some(parent);
    }
}
