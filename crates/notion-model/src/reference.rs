//! References to other objects.

use crate::Id;
use crate::codec::object;

object! {
    /// A reference by id: a page or database mention, a relation entry, a linked page.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ObjectRef {
        /// The referenced object's id.
        req id: Id,
    }
}

impl ObjectRef {
    /// A reference to this id.
    pub fn new(id: Id) -> Self {
        ObjectRef {
            id,
            extra: Default::default(),
        }
    }
}

object! {
    /// A reference to a data source inside a database: `{id, name}`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct DataSourceRef {
        /// The data source id.
        req id: Id,
        /// The data source name.
        opt name: String,
    }
}

impl DataSourceRef {
    /// A reference to a data source.
    pub fn new(id: Id, name: impl Into<String>) -> Self {
        DataSourceRef {
            id,
            name: Some(name.into()),
            extra: Default::default(),
        }
    }
}

object! {
    /// A typed reference without `object`: `{id, type}`, as in webhook authors and entities
    /// (`type` `person`, `bot`, `page`, …) and the creator of a file upload.
    #[derive(Debug, Clone, PartialEq)]
    pub struct EntityRef {
        /// The id.
        opt id: Id,
        /// What the id refers to (`person`, `bot`, `agent`, `page`, `database`, …).
        opt entity_type as "type": String,
    }
}
