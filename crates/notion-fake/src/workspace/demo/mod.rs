//! The hand-made demo workspace: the compact fixtures of `demo/*.json` (in this crate),
//! compiled in and expanded into `notion-model` objects at start.
//!
//! The fixture format is compact so it stays hand-writable; objects refer to each other by
//! `key` and get stable ids derived from their keys (see `demo/README.md`). Three modules:
//! [`spec`] is the fixture format (serde), [`build`] expands it into model objects, [`serve`]
//! answers the [`Base`](super::base::Base) questions from the expanded objects.

mod build;
mod serve;
mod spec;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use notion_model::{Block, Comment, DataSource, Database, Id, Page, PropertyValue, User};

use crate::error::FakeError;

use spec::{FILES, FileSpec};

// ---- the expanded workspace ---------------------------------------------------------------

#[derive(Debug, Clone)]
struct DemoPage {
    page: Page,
    title: String,
    in_search: bool,
    data_source: Option<Id>,
}

#[derive(Debug, Clone)]
struct DemoBlock {
    block: Block,
    page: Id,
    synced_from: Option<Id>,
}

#[derive(Debug, Clone)]
struct DemoComment {
    comment: Comment,
    page: Id,
}

/// The demo workspace, expanded.
#[derive(Debug)]
pub(crate) struct Demo {
    workspace_id: Id,
    name: String,
    bot: Id,
    users: Vec<User>,
    databases: Vec<Database>,
    db_sources: HashMap<Id, Vec<Id>>,
    data_sources: HashMap<Id, DataSource>,
    ds_database: HashMap<Id, Id>,
    ds_rows: HashMap<Id, Vec<Id>>,
    page_order: Vec<Id>,
    pages: HashMap<Id, DemoPage>,
    /// Blocks, including the `child_page` / `child_database` blocks (keyed by the page or
    /// database id).
    blocks: HashMap<Id, DemoBlock>,
    children: HashMap<Id, Vec<Id>>,
    comments: HashMap<Id, Vec<Id>>,
    comment_objs: HashMap<Id, DemoComment>,
    /// Rollup values over every entry of relations longer than a page object computes over.
    complete: HashMap<Id, Vec<(String, PropertyValue)>>,
}

impl Demo {
    /// Loads the compiled-in fixtures.
    pub(crate) fn load(start: DateTime<Utc>) -> Result<Demo, FakeError> {
        let mut specs = Vec::new();
        for (file, text) in FILES {
            let spec: FileSpec =
                serde_json::from_str(text).map_err(|source| FakeError::Fixture {
                    file: file.to_owned(),
                    source,
                })?;
            specs.push(spec);
        }
        Demo::build(specs, start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::base::Base;

    #[test]
    fn the_demo_loads() {
        let demo = Demo::load(crate::clock::default_start()).unwrap();
        assert!(demo.users.len() >= 4);
        assert_eq!(demo.databases.len(), 1);
        let sources = demo.data_source_ids(&demo.databases[0].id);
        assert_eq!(sources.len(), 2);
        let rows: usize = sources.iter().map(|s| demo.rows(s).unwrap().len()).sum();
        assert!(rows >= 25, "{rows} rows");
    }
}
