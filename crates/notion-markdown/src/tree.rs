//! The block tree of a page, assembled from blocks given in any order.

use std::collections::{HashMap, HashSet};

use notion_model::{Block, BlockKind, Id};

use crate::Error;

/// The blocks of one page (or, for the original of a synced block, of one block), each under
/// its parent at its position among its siblings.
///
/// Blocks may be inserted in any order (a reader walks a page breadth-first, several levels at
/// a time). Nothing given is lost when rendering: a block whose parent is missing is rendered
/// after the page's content, as are blocks caught in a cycle of parents. Inserting a block
/// again replaces it (and moves it, if its parent or position changed). Siblings at the same
/// position are ordered by id, so the output never depends on the order of insertion.
///
/// ```
/// use notion_markdown::PageTree;
/// use notion_model::{Block, BlockKind, Id, Parent};
///
/// let page = Id::from_u128(1);
/// let item = Id::from_u128(2);
/// let mut tree = PageTree::new(page);
/// // A child before its parent, and the second item before the first.
/// tree.insert(Block::new(Id::from_u128(4), Parent::block(item), BlockKind::paragraph("Inner")), item, 0);
/// tree.insert(Block::new(Id::from_u128(3), Parent::page(page), BlockKind::paragraph("Second")), page, 1);
/// tree.insert(Block::new(item, Parent::page(page), BlockKind::toggle("First")), page, 0);
///
/// let top: Vec<String> = tree.children(page).map(|b| b.plain_text()).collect();
/// assert_eq!(top, ["First", "Second"]);
/// assert_eq!(tree.len(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct PageTree {
    root: Id,
    nodes: HashMap<Id, Node>,
    /// Children of each parent, ordered by `(position, id)`.
    children: HashMap<Id, Vec<Id>>,
}

#[derive(Debug, Clone)]
struct Node {
    block: Block,
    parent: Id,
    position: u32,
}

impl PageTree {
    /// An empty tree of the page (or block) `root`.
    pub fn new(root: Id) -> Self {
        PageTree {
            root,
            nodes: HashMap::new(),
            children: HashMap::new(),
        }
    }

    /// The page (or block) whose content this is.
    pub fn root(&self) -> Id {
        self.root
    }

    /// Puts `block` under `parent` (the page or a block) at `position` (0-based, among the
    /// parent's children). Returns the block this one replaces, if its id was already there.
    pub fn insert(&mut self, block: Block, parent: Id, position: u32) -> Option<Block> {
        let id = block.id;
        let previous = self.nodes.remove(&id).map(|old| {
            if let Some(siblings) = self.children.get_mut(&old.parent) {
                siblings.retain(|s| *s != id);
            }
            old.block
        });
        let key = (position, id);
        let siblings = self.children.entry(parent).or_default();
        let nodes = &self.nodes;
        let at = siblings
            .binary_search_by(|s| {
                let position = nodes.get(s).map_or(0, |n| n.position);
                (position, *s).cmp(&key)
            })
            .unwrap_or_else(|at| at);
        siblings.insert(at, id);
        self.nodes.insert(
            id,
            Node {
                block,
                parent,
                position,
            },
        );
        previous
    }

    /// Decodes a block from its JSON text (as Notion sends it) and inserts it; returns its id.
    pub fn insert_json(&mut self, json: &str, parent: Id, position: u32) -> Result<Id, Error> {
        let block: Block = serde_json::from_str(json)?;
        let id = block.id;
        self.insert(block, parent, position);
        Ok(id)
    }

    /// Inserts `block` under the parent it names (`block.parent`), after the children that
    /// parent has so far: for blocks given in Notion's order. Returns its id.
    pub fn push(&mut self, block: Block) -> Result<Id, Error> {
        let id = block.id;
        let parent = block
            .parent
            .as_ref()
            .and_then(notion_model::Parent::id)
            .ok_or(Error::NoParent(id))?;
        let position = self
            .children
            .get(&parent)
            .and_then(|s| s.last())
            .and_then(|last| self.nodes.get(last))
            .map_or(0, |n| n.position.saturating_add(1));
        self.insert(block, parent, position);
        Ok(id)
    }

    /// The block with this id.
    pub fn get(&self, id: Id) -> Option<&Block> {
        self.nodes.get(&id).map(|n| &n.block)
    }

    /// The parent this block was inserted under.
    pub fn parent_of(&self, id: Id) -> Option<Id> {
        self.nodes.get(&id).map(|n| n.parent)
    }

    /// The children of the page or of a block, in order.
    pub fn children(&self, parent: Id) -> impl Iterator<Item = &Block> + '_ {
        self.child_ids(parent).iter().filter_map(|id| self.get(*id))
    }

    /// The blocks under `root` (not `root` itself) as a tree of their own, rooted at `root`:
    /// for example the content of an original synced block, for a [`Resolver`] rendering its
    /// duplicates on other pages.
    ///
    /// [`Resolver`]: crate::Resolver
    pub fn subtree(&self, root: Id) -> PageTree {
        let mut out = PageTree::new(root);
        let mut seen = HashSet::from([root]);
        let mut stack = vec![root];
        while let Some(parent) = stack.pop() {
            for id in self.child_ids(parent) {
                if let Some(node) = self.nodes.get(id)
                    && seen.insert(*id)
                {
                    out.insert(node.block.clone(), parent, node.position);
                    stack.push(*id);
                }
            }
        }
        out
    }

    /// The original synced blocks (`synced_from: null`) that have children in the tree, in id
    /// order.
    pub fn synced_originals(&self) -> Vec<Id> {
        let mut ids: Vec<Id> = self
            .nodes
            .iter()
            .filter(|(id, node)| {
                matches!(
                    &node.block.kind,
                    Some(BlockKind::SyncedBlock(s)) if matches!(s.synced_from, None | Some(None))
                ) && self.has_children(**id)
            })
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The number of blocks.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree holds no block.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The ids of the children of `parent`, in order.
    pub(crate) fn child_ids(&self, parent: Id) -> &[Id] {
        self.children.get(&parent).map_or(&[], Vec::as_slice)
    }

    /// Whether the page or block `id` has children in the tree.
    pub fn has_children(&self, id: Id) -> bool {
        !self.child_ids(id).is_empty()
    }

    /// Every block id, ordered by parent, then position, then id.
    pub(crate) fn ids_by_parent_and_position(&self) -> Vec<Id> {
        let mut ids: Vec<(Id, u32, Id)> = self
            .nodes
            .iter()
            .map(|(id, n)| (n.parent, n.position, *id))
            .collect();
        ids.sort_unstable();
        ids.into_iter().map(|(_, _, id)| id).collect()
    }
}

#[cfg(test)]
mod tests {
    use notion_model::{BlockKind, Parent};

    use super::*;

    fn para(n: u128, parent: Id, text: &str) -> Block {
        Block::new(
            Id::from_u128(n),
            Parent::block(parent),
            BlockKind::paragraph(text),
        )
    }

    fn texts(tree: &PageTree, parent: Id) -> Vec<String> {
        tree.children(parent).map(Block::plain_text).collect()
    }

    #[test]
    fn orders_by_position_then_id() {
        let root = Id::from_u128(100);
        let mut tree = PageTree::new(root);
        tree.insert(para(4, root, "c2"), root, 2);
        tree.insert(para(1, root, "a"), root, 0);
        tree.insert(para(3, root, "c"), root, 2);
        tree.insert(para(2, root, "b"), root, 1);
        assert_eq!(texts(&tree, root), ["a", "b", "c", "c2"]);
    }

    #[test]
    fn a_duplicate_replaces_and_moves() {
        let root = Id::from_u128(100);
        let other = Id::from_u128(1);
        let mut tree = PageTree::new(root);
        tree.insert(para(1, root, "a"), root, 0);
        tree.insert(para(2, root, "b"), root, 1);
        let old = tree.insert(para(2, other, "b moved"), other, 0);
        assert_eq!(old.map(|b| b.plain_text()).as_deref(), Some("b"));
        assert_eq!(texts(&tree, root), ["a"]);
        assert_eq!(texts(&tree, other), ["b moved"]);
        assert_eq!(tree.len(), 2);
        assert_eq!(tree.parent_of(Id::from_u128(2)), Some(other));
    }

    #[test]
    fn push_follows_the_block_parent() {
        let root = Id::from_u128(100);
        let mut tree = PageTree::new(root);
        tree.push(Block::new(
            Id::from_u128(1),
            Parent::page(root),
            BlockKind::paragraph("a"),
        ))
        .unwrap();
        tree.push(Block::new(
            Id::from_u128(2),
            Parent::page(root),
            BlockKind::paragraph("b"),
        ))
        .unwrap();
        assert_eq!(texts(&tree, root), ["a", "b"]);
        let mut partial = para(3, root, "x");
        partial.parent = None;
        assert!(matches!(tree.push(partial), Err(Error::NoParent(_))));
    }

    #[test]
    fn subtrees_and_synced_originals() {
        use notion_model::block::SyncedBlock;
        let root = Id::from_u128(100);
        let original = Id::from_u128(1);
        let mut tree = PageTree::new(root);
        let synced = BlockKind::SyncedBlock(SyncedBlock {
            synced_from: Some(None),
            extra: Default::default(),
        });
        tree.insert(Block::new(original, Parent::page(root), synced), root, 0);
        tree.insert(para(2, original, "a"), original, 0);
        tree.insert(para(3, Id::from_u128(2), "b"), Id::from_u128(2), 0);
        tree.insert(para(4, root, "c"), root, 1);
        assert_eq!(tree.synced_originals(), [original]);
        let sub = tree.subtree(original);
        assert_eq!(sub.root(), original);
        assert_eq!(sub.len(), 2);
        assert_eq!(texts(&sub, original), ["a"]);
        assert_eq!(texts(&sub, Id::from_u128(2)), ["b"]);
    }

    #[test]
    fn bad_json_is_an_error_not_a_panic() {
        let mut tree = PageTree::new(Id::from_u128(1));
        for bad in [
            "",
            "{",
            "[]",
            r#"{"object":"block"}"#,
            r#"{"object":"block","id":"nope"}"#,
            r#"{"object":"block","id":"393abc1e-edcd-8182-aa10-e3ab78a2475f","type":"paragraph","paragraph":7}"#,
        ] {
            assert!(tree.insert_json(bad, Id::from_u128(1), 0).is_err(), "{bad}");
        }
        assert!(tree.is_empty());
    }
}
