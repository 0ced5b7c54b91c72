//! What a page's blocks refer to: user names, page and database titles, originals of synced
//! blocks.

use std::borrow::Cow;
use std::collections::HashMap;

use notion_model::{Database, Id, Page, User, rich_text::plain_text};

use crate::PageTree;

/// Looks up what a page's blocks refer to by id. Every method has a default that knows
/// nothing; the renderer then falls back on what the blocks themselves carry (a mention's
/// `plain_text`, a child page block's title) or renders a placeholder.
pub trait Resolver {
    /// The display name of a user (from the users stream).
    fn user_name(&self, _id: Id) -> Option<Cow<'_, str>> {
        None
    }

    /// The title of a page (mentions, `link_to_page`).
    fn page_title(&self, _id: Id) -> Option<Cow<'_, str>> {
        None
    }

    /// The title of a database (mentions, `link_to_page`).
    fn database_title(&self, _id: Id) -> Option<Cow<'_, str>> {
        None
    }

    /// The original of a duplicate synced block: a tree rooted at the original block's id
    /// holding its descendants. Needed when the original lives on another page; originals in
    /// the page's own tree are found there.
    fn synced_original(&self, _id: Id) -> Option<&PageTree> {
        None
    }
}

/// A [`Resolver`] that knows nothing: mentions render as Notion's `plain_text`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResolver;

impl Resolver for NoResolver {}

/// A [`Resolver`] backed by hash maps.
///
/// ```
/// use notion_markdown::{MapResolver, Resolver};
/// use notion_model::Id;
///
/// let mut resolver = MapResolver::new();
/// resolver.insert_user(Id::from_u128(1), "Maya Chen");
/// assert_eq!(resolver.user_name(Id::from_u128(1)).as_deref(), Some("Maya Chen"));
/// assert!(resolver.page_title(Id::from_u128(1)).is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct MapResolver {
    users: HashMap<Id, String>,
    pages: HashMap<Id, String>,
    databases: HashMap<Id, String>,
    synced: HashMap<Id, PageTree>,
}

impl MapResolver {
    /// An empty resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a user's display name.
    pub fn insert_user(&mut self, id: Id, name: impl Into<String>) {
        self.users.insert(id, name.into());
    }

    /// Records a page's title.
    pub fn insert_page(&mut self, id: Id, title: impl Into<String>) {
        self.pages.insert(id, title.into());
    }

    /// Records a database's title.
    pub fn insert_database(&mut self, id: Id, title: impl Into<String>) {
        self.databases.insert(id, title.into());
    }

    /// Records the original of synced blocks: `tree` is rooted at the original block's id.
    pub fn insert_synced_original(&mut self, tree: PageTree) {
        self.synced.insert(tree.root(), tree);
    }

    /// Records a user's name, if the user object carries one.
    pub fn add_user(&mut self, user: &User) {
        if let Some(Some(name)) = &user.name {
            self.insert_user(user.id, name.clone());
        }
    }

    /// Records a page's plain-text title.
    pub fn add_page(&mut self, page: &Page) {
        self.insert_page(page.id, page.title());
    }

    /// Records a database's plain-text title.
    pub fn add_database(&mut self, database: &Database) {
        let title = database
            .title
            .as_deref()
            .map(plain_text)
            .unwrap_or_default();
        self.insert_database(database.id, title);
    }
}

impl Resolver for MapResolver {
    fn user_name(&self, id: Id) -> Option<Cow<'_, str>> {
        self.users.get(&id).map(|s| Cow::Borrowed(s.as_str()))
    }

    fn page_title(&self, id: Id) -> Option<Cow<'_, str>> {
        self.pages.get(&id).map(|s| Cow::Borrowed(s.as_str()))
    }

    fn database_title(&self, id: Id) -> Option<Cow<'_, str>> {
        self.databases.get(&id).map(|s| Cow::Borrowed(s.as_str()))
    }

    fn synced_original(&self, id: Id) -> Option<&PageTree> {
        self.synced.get(&id)
    }
}
