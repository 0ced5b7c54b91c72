//! What an event asks to read again: a page (its record, its blocks, its comments), a data
//! source or a database. Events only say that something changed; the reader fetches the
//! current objects, so the order events arrive in does not matter.

use std::collections::BTreeSet;

use notion_model::Id;

use crate::event::{EntityKind, Event, EventKind};

/// What to read again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// A page: any of its record, its blocks and its comments. A page that is gone (not found
    /// or no longer shared) becomes a tombstone.
    Page {
        /// The page.
        id: Id,
        /// Which of its parts.
        reads: PageReads,
    },
    /// A data source (its record: title, schema, trash).
    DataSource(Id),
    /// A database (its record, and its data sources).
    Database(Id),
}

/// The object a target reads: targets with the same key merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// A page.
    Page(Id),
    /// A data source.
    DataSource(Id),
    /// A database.
    Database(Id),
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Page(id) => write!(f, "page {id}"),
            Key::DataSource(id) => write!(f, "data source {id}"),
            Key::Database(id) => write!(f, "database {id}"),
        }
    }
}

/// The parts of a page to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageReads {
    /// The page object (`GET /v1/pages/{id}`): properties, title, parent, trash.
    pub page: bool,
    /// Every block of the page, at every depth.
    pub blocks: bool,
    /// Its comments.
    pub comments: Comments,
}

/// Which comments of a page to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Comments {
    /// None.
    #[default]
    None,
    /// Those on these blocks (or on the page itself, by its id): what comment events name.
    On(BTreeSet<Id>),
    /// Every comment of the page and its blocks.
    All,
}

impl Comments {
    /// Both sets of comments.
    fn merge(&mut self, other: Comments) {
        *self = match (std::mem::take(self), other) {
            (Comments::All, _) | (_, Comments::All) => Comments::All,
            (Comments::None, c) | (c, Comments::None) => c,
            (Comments::On(mut a), Comments::On(b)) => {
                a.extend(b);
                Comments::On(a)
            }
        };
    }

    /// Whether no comment is to be read.
    pub fn is_none(&self) -> bool {
        matches!(self, Comments::None)
    }
}

impl PageReads {
    /// The page object only.
    pub fn page() -> Self {
        PageReads {
            page: true,
            ..PageReads::default()
        }
    }

    /// The page object and its blocks.
    pub fn content() -> Self {
        PageReads {
            page: true,
            blocks: true,
            comments: Comments::None,
        }
    }

    /// Everything: the page, its blocks, every comment.
    pub fn everything() -> Self {
        PageReads {
            page: true,
            blocks: true,
            comments: Comments::All,
        }
    }

    /// Both sets of parts.
    pub fn merge(&mut self, other: PageReads) {
        self.page |= other.page;
        self.blocks |= other.blocks;
        self.comments.merge(other.comments);
    }
}

impl Target {
    /// The object read.
    pub fn key(&self) -> Key {
        match self {
            Target::Page { id, .. } => Key::Page(*id),
            Target::DataSource(id) => Key::DataSource(*id),
            Target::Database(id) => Key::Database(*id),
        }
    }

    /// Adds what `other` reads of the same object (`other` of another object is ignored).
    pub fn merge(&mut self, other: Target) {
        if let (Target::Page { id, reads }, Target::Page { id: o, reads: r }) = (self, other)
            && *id == o
        {
            reads.merge(r);
        }
    }
}

/// What becomes of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Disposition {
    /// These reads bring the mirror up to date.
    Read(Vec<Target>),
    /// A known type that changes nothing a reader keeps (file uploads, views).
    NotMirrored,
    /// A known type without the ids needed to act on it.
    Incomplete(&'static str),
    /// A type this version does not know: logged and ignored.
    Unknown,
}

impl Event {
    /// What reading this event asks for.
    pub fn disposition(&self) -> Disposition {
        use EventKind as K;
        let page = self.entity_of(&EntityKind::Page);
        let read_page = |reads: PageReads| match page {
            Some(id) => Disposition::Read(vec![Target::Page { id, reads }]),
            None => Disposition::Incomplete("no page entity"),
        };
        match &self.kind {
            // A new or restored page: everything it holds.
            K::PageCreated | K::PageUndeleted => read_page(PageReads::everything()),
            // Content (a title edit is content too): the page and its blocks.
            K::PageContentUpdated | K::PageTranscriptDeleted => read_page(PageReads::content()),
            // The page object: properties, parent, trash (a page gone becomes a tombstone).
            K::PagePropertiesUpdated
            | K::PageMoved
            | K::PageDeleted
            | K::PageLocked
            | K::PageUnlocked => read_page(PageReads::page()),
            K::CommentCreated | K::CommentUpdated | K::CommentDeleted => self.comments(),
            K::DataSourceCreated
            | K::DataSourceContentUpdated
            | K::DataSourceSchemaUpdated
            | K::DataSourceMoved
            | K::DataSourceDeleted
            | K::DataSourceUndeleted
            | K::DatabaseCreated
            | K::DatabaseContentUpdated
            | K::DatabaseSchemaUpdated
            | K::DatabaseMoved
            | K::DatabaseDeleted
            | K::DatabaseUndeleted => self.schema(),
            K::FileUploadCreated
            | K::FileUploadCompleted
            | K::FileUploadExpired
            | K::FileUploadFailed
            | K::ViewCreated
            | K::ViewUpdated
            | K::ViewDeleted => Disposition::NotMirrored,
            K::Unknown(_) => Disposition::Unknown,
        }
    }

    /// `comment.*`: the comments of the block or page the comment is on.
    fn comments(&self) -> Disposition {
        let parent = self.parent.as_ref();
        let page = self
            .page_id
            .or_else(|| parent.filter(|p| p.kind == EntityKind::Page).map(|p| p.id));
        let Some(page) = page else {
            return Disposition::Incomplete("no page id");
        };
        let comments = match parent {
            Some(p) if matches!(p.kind, EntityKind::Page | EntityKind::Block) => {
                Comments::On(BTreeSet::from([p.id]))
            }
            _ => Comments::All,
        };
        Disposition::Read(vec![Target::Page {
            id: page,
            reads: PageReads {
                comments,
                ..PageReads::default()
            },
        }])
    }

    /// `data_source.*` and `database.*`: the data source or database; for content events,
    /// also the rows they name.
    fn schema(&self) -> Disposition {
        let Some(entity) = &self.entity else {
            return Disposition::Incomplete("no entity");
        };
        let data_source_event = self.kind.as_str().starts_with("data_source.");
        let mut targets = vec![match entity.kind {
            EntityKind::DataSource => Target::DataSource(entity.id),
            EntityKind::Database | EntityKind::Block => Target::Database(entity.id),
            // The entity's kind is the event family's when it says nothing else.
            _ if data_source_event => Target::DataSource(entity.id),
            _ => Target::Database(entity.id),
        }];
        if matches!(
            self.kind,
            EventKind::DataSourceContentUpdated | EventKind::DatabaseContentUpdated
        ) {
            targets.extend(
                self.updated_blocks
                    .iter()
                    .filter(|b| b.kind == EntityKind::Page)
                    .map(|b| Target::Page {
                        id: b.id,
                        reads: PageReads::page(),
                    }),
            );
        }
        Disposition::Read(targets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Id {
        Id::from_u128(n)
    }

    #[test]
    fn reads_merge_into_the_larger_set() {
        let mut r = PageReads::page();
        r.merge(PageReads {
            comments: Comments::On(BTreeSet::from([id(1)])),
            ..PageReads::default()
        });
        r.merge(PageReads {
            comments: Comments::On(BTreeSet::from([id(2)])),
            ..PageReads::default()
        });
        assert_eq!(
            r,
            PageReads {
                page: true,
                blocks: false,
                comments: Comments::On(BTreeSet::from([id(1), id(2)])),
            }
        );
        r.merge(PageReads::everything());
        assert_eq!(r, PageReads::everything());
        r.merge(PageReads::page());
        assert_eq!(r, PageReads::everything());
    }

    #[test]
    fn targets_of_other_objects_do_not_merge() {
        let mut t = Target::Page {
            id: id(1),
            reads: PageReads::page(),
        };
        t.merge(Target::Page {
            id: id(2),
            reads: PageReads::everything(),
        });
        t.merge(Target::DataSource(id(1)));
        assert_eq!(
            t,
            Target::Page {
                id: id(1),
                reads: PageReads::page()
            }
        );
    }
}
