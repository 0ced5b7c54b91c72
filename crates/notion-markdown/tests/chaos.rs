//! Random trees: blocks under random parents (the page, other blocks, parents never read, each
//! other in cycles) at random positions, inserted in random order. Rendering never panics,
//! does not depend on the insertion order, and renders every block's text exactly once.

mod common;

use common::{FIXTURES, fixture};
use notion_markdown::{NoResolver, PageTree, RenderOptions, render_page};
use notion_model::block::{Callout, SyncedBlock, TextBlock};
use notion_model::rich_text::RichText;
use notion_model::{Block, BlockKind, Empty, Icon, Id, Parent};

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }
}

const PAGE: Id = Id::from_u128(0xFFFF_0000);

/// A block of one of the kinds that render their text and their children, with the text
/// `w{n}x`.
fn block(n: usize, kind: usize) -> BlockKind {
    let text = format!("w{n}x");
    let rich = || vec![RichText::plain(text.clone())];
    match kind {
        0 => BlockKind::paragraph(text),
        1 => BlockKind::bulleted_list_item(text),
        2 => BlockKind::numbered_list_item(text),
        3 => BlockKind::to_do(text, n.is_multiple_of(2)),
        4 => BlockKind::Toggle(TextBlock::new(rich())),
        5 => BlockKind::Quote(TextBlock::new(rich())),
        6 => BlockKind::Callout(Callout::new(rich(), Some(Icon::emoji("💡")))),
        7 => BlockKind::heading(1 + n as u8 % 4, text),
        8 => BlockKind::ColumnList(Empty::new()),
        9 => BlockKind::Column(Default::default()),
        _ => BlockKind::SyncedBlock(SyncedBlock {
            synced_from: Some(None),
            extra: Default::default(),
        }),
    }
}

fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

#[test]
fn random_trees_render_every_text_once() {
    let mut rng = Rng(0xC4A0_5EED);
    for case in 0..300 {
        let count = 1 + rng.below(60);
        let ids: Vec<Id> = (0..count).map(|n| Id::from_u128(n as u128 + 1)).collect();
        let mut placed = Vec::new();
        for (n, id) in ids.iter().enumerate() {
            let parent = match rng.below(10) {
                0..=2 => PAGE,
                3 => Id::from_u128(0xDEAD_0000 + rng.below(3) as u128),
                _ => ids[rng.below(count)],
            };
            let kind = block(n, rng.below(11));
            let parent_ref = if parent == PAGE {
                Parent::page(PAGE)
            } else {
                Parent::block(parent)
            };
            placed.push((
                Block::new(*id, parent_ref, kind),
                parent,
                rng.below(4) as u32,
            ));
        }
        let mut forward = PageTree::new(PAGE);
        for (block, parent, position) in &placed {
            forward.insert(block.clone(), *parent, *position);
        }
        let options = RenderOptions::default().with_max_indent(8);
        let body = render_page(None, &forward, &NoResolver, &options).body;

        shuffle(&mut rng, &mut placed);
        let mut shuffled = PageTree::new(PAGE);
        for (block, parent, position) in &placed {
            shuffled.insert(block.clone(), *parent, *position);
        }
        let again = render_page(None, &shuffled, &NoResolver, &options).body;
        assert_eq!(
            body, again,
            "case {case}: insertion order changed the output"
        );

        for (block, _, _) in &placed {
            let n = block.id.as_u128() as usize - 1;
            let with_text = !matches!(
                block.kind,
                Some(BlockKind::ColumnList(_) | BlockKind::Column(_) | BlockKind::SyncedBlock(_))
            );
            let expected = usize::from(with_text);
            assert_eq!(
                body.matches(&format!("w{n}x")).count(),
                expected,
                "case {case}: block {n} ({:?})\n{body}",
                block.type_name()
            );
        }
    }
}

#[test]
fn fixture_blocks_under_random_parents_never_panic() {
    let mut rng = Rng(0xF1C5_0000);
    let fixtures: Vec<_> = FIXTURES.iter().map(|name| fixture(name)).collect();
    let pool: Vec<&Block> = fixtures
        .iter()
        .flat_map(|f| f.blocks.iter().map(|(b, _, _)| b))
        .collect();
    for _ in 0..200 {
        let mut tree = PageTree::new(PAGE);
        let ids: Vec<Id> = pool.iter().map(|b| b.id).collect();
        for block in &pool {
            let parent = match rng.below(6) {
                0 => PAGE,
                1 => Id::from_u128(rng.below(5) as u128),
                _ => ids[rng.below(ids.len())],
            };
            tree.insert((*block).clone(), parent, rng.below(3) as u32);
        }
        for fixture in &fixtures {
            let rendered = render_page(None, &tree, &fixture.resolver, &RenderOptions::default());
            assert_eq!(rendered.block_count, tree.len());
        }
    }
}
