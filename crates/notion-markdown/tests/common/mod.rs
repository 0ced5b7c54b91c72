//! Shared by the integration tests: fixture pages, the demo workspace of `notion-fake`, and
//! what a CommonMark reader (pulldown-cmark) finds in Markdown.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod structure;

use std::collections::HashMap;
use std::path::Path;

use notion_markdown::{MapResolver, PageTree};
use notion_model::{Block, Id, Page};
use serde_json::Value;

/// A fixture page: `tests/fixtures/<name>.json`.
pub struct Fixture {
    pub name: String,
    pub page: Option<Page>,
    pub root: Id,
    pub resolver: MapResolver,
    /// Each block with its parent and position, in the file's order (Notion's order).
    pub blocks: Vec<(Block, Id, u32)>,
    /// The same blocks as JSON text.
    pub json: Vec<String>,
}

/// The names of the fixture pages.
pub const FIXTURES: [&str; 4] = ["text", "lists", "media", "structure"];

/// Reads a fixture page.
pub fn fixture(name: &str) -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let page: Option<Page> = match &doc["page"] {
        Value::Null => None,
        page => Some(serde_json::from_value(page.clone()).unwrap()),
    };
    let mut resolver = MapResolver::new();
    for (key, kind) in [("users", 0), ("pages", 1), ("databases", 2)] {
        for (id, title) in doc[key].as_object().unwrap() {
            let id: Id = id.parse().unwrap();
            let title = title.as_str().unwrap();
            match kind {
                0 => resolver.insert_user(id, title),
                1 => resolver.insert_page(id, title),
                _ => resolver.insert_database(id, title),
            }
        }
    }
    for original in doc["synced_originals"].as_array().unwrap() {
        let root: Id = original["root"].as_str().unwrap().parse().unwrap();
        let mut tree = PageTree::new(root);
        for (block, parent, position) in positioned(original["blocks"].as_array().unwrap()) {
            tree.insert(block, parent, position);
        }
        resolver.insert_synced_original(tree);
    }
    let raw = doc["blocks"].as_array().unwrap();
    let blocks = positioned(raw);
    let root = page.as_ref().map(|p| p.id).unwrap_or_else(|| blocks[0].1);
    Fixture {
        name: name.to_owned(),
        page,
        root,
        resolver,
        blocks,
        json: raw
            .iter()
            .map(|b| serde_json::to_string(b).unwrap())
            .collect(),
    }
}

/// Blocks with their parent (from their `parent` member) and their position among the
/// siblings before them in the list.
pub fn positioned(raw: &[Value]) -> Vec<(Block, Id, u32)> {
    let mut next: HashMap<Id, u32> = HashMap::new();
    raw.iter()
        .map(|value| {
            let block: Block = serde_json::from_value(value.clone()).unwrap();
            let parent = block.parent.as_ref().and_then(|p| p.id()).unwrap();
            let slot = next.entry(parent).or_default();
            let position = *slot;
            *slot += 1;
            (block, parent, position)
        })
        .collect()
}

impl Fixture {
    /// The tree, blocks inserted in the file's order.
    pub fn tree(&self) -> PageTree {
        let mut tree = PageTree::new(self.root);
        for (block, parent, position) in &self.blocks {
            tree.insert(block.clone(), *parent, *position);
        }
        tree
    }

    /// The tree, blocks inserted last first (children before their parents).
    pub fn tree_reversed(&self) -> PageTree {
        let mut tree = PageTree::new(self.root);
        for (block, parent, position) in self.blocks.iter().rev() {
            tree.insert(block.clone(), *parent, *position);
        }
        tree
    }

    /// The tree, built from the blocks' JSON text.
    pub fn tree_from_json(&self) -> PageTree {
        let mut tree = PageTree::new(self.root);
        for (json, (_, parent, position)) in self.json.iter().zip(&self.blocks) {
            tree.insert_json(json, *parent, *position).unwrap();
        }
        tree
    }
}

/// One page of the demo workspace.
pub struct DemoPage {
    pub page: Page,
    pub tree: PageTree,
}

/// Every page of `notion-fake`'s demo workspace with its blocks (the fake's ground truth, in
/// Notion's order), and a resolver knowing its users, pages, databases and synced originals.
pub fn demo() -> (Vec<DemoPage>, MapResolver) {
    use notion_fake::{ApiVersion, FakeNotion, Options, Stream, WorkspaceSpec};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fake = runtime
        .block_on(FakeNotion::start(WorkspaceSpec::Demo, Options::default()))
        .unwrap();
    let version = ApiVersion::V2026_03_11;
    let truth = |stream| fake.ground_truth(stream, version).collect::<Vec<_>>();
    let users = truth(Stream::Users);
    let pages = truth(Stream::Pages);
    let databases = truth(Stream::Databases);
    let blocks = truth(Stream::Blocks);
    runtime.block_on(fake.shutdown());

    let mut resolver = MapResolver::new();
    for user in &users {
        resolver.add_user(&serde_json::from_value(user.object.clone()).unwrap());
    }
    for database in &databases {
        resolver.add_database(&serde_json::from_value(database.object.clone()).unwrap());
    }
    let pages: Vec<Page> = pages
        .iter()
        .map(|p| serde_json::from_value(p.object.clone()).unwrap())
        .collect();
    for page in &pages {
        resolver.add_page(page);
    }

    let mut trees: HashMap<Id, PageTree> =
        pages.iter().map(|p| (p.id, PageTree::new(p.id))).collect();
    for record in &blocks {
        let block: Block = serde_json::from_value(record.object.clone()).unwrap();
        let page = record.page_id.unwrap();
        trees.get_mut(&page).unwrap().push(block).unwrap();
    }
    // Originals of synced blocks, for duplicates on other pages.
    for tree in trees.values() {
        for original in tree.synced_originals() {
            resolver.insert_synced_original(tree.subtree(original));
        }
    }
    let pages = pages
        .into_iter()
        .map(|page| {
            let tree = trees.remove(&page.id).unwrap();
            DemoPage { page, tree }
        })
        .collect();
    (pages, resolver)
}

/// A file-name-safe snapshot name for a title.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}
