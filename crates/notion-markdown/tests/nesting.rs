//! Deep and pathological trees: rendered without overflowing the stack, indented as deep as
//! asked, nothing lost.

mod common;

use common::structure::parse;
use notion_markdown::{MapResolver, NoResolver, PageTree, RenderOptions, render_page};
use notion_model::block::{Callout, SyncedBlock, SyncedFrom, SyncedFromKind, TextBlock};
use notion_model::rich_text::RichText;
use notion_model::{Block, BlockKind, Icon, Id, Parent};

const PAGE: Id = Id::from_u128(0xAAAA);

/// A chain of `depth` blocks, each the only child of the one before; `kind(level)` picks each
/// block's type.
fn chain(depth: u128, kind: impl Fn(u128) -> BlockKind) -> PageTree {
    let mut tree = PageTree::new(PAGE);
    let mut parent = PAGE;
    for level in 1..=depth {
        let id = Id::from_u128(level);
        let parent_ref = if parent == PAGE {
            Parent::page(PAGE)
        } else {
            Parent::block(parent)
        };
        tree.insert(Block::new(id, parent_ref, kind(level)), parent, 0);
        parent = id;
    }
    tree
}

#[test]
fn two_hundred_levels_of_lists_are_indented_and_read_back() {
    let tree = chain(200, |level| {
        BlockKind::bulleted_list_item(format!("Level {level}"))
    });
    let unbounded = RenderOptions::default().with_max_indent(usize::MAX);
    let body = render_page(None, &tree, &NoResolver, &unbounded).body;
    let last = body.lines().last().unwrap();
    assert_eq!(last, format!("{}- Level 200", " ".repeat(2 * 199)));
    let items = parse(&body).items;
    assert_eq!(items.len(), 200);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item.depth, i + 1);
        assert_eq!(item.text, format!("Level {}", i + 1));
    }

    // By default, indentation stops growing at 64 levels; nothing is lost.
    let body = render_page(None, &tree, &NoResolver, &RenderOptions::default()).body;
    assert_eq!(body.lines().count(), 200);
    let deepest = body
        .lines()
        .map(|l| l.len() - l.trim_start().len())
        .max()
        .unwrap();
    assert_eq!(deepest, 2 * 64);
    assert!(body.ends_with("- Level 200\n"));
}

#[test]
fn toggles_in_quotes_in_callouts_two_hundred_deep() {
    let text = |level: u128| vec![RichText::plain(format!("Level {level}"))];
    let tree = chain(200, |level| match level % 3 {
        0 => BlockKind::Toggle(TextBlock::new(text(level))),
        1 => BlockKind::Quote(TextBlock::new(text(level))),
        _ => BlockKind::Callout(Callout::new(text(level), Some(Icon::emoji("💡")))),
    });
    let rendered = render_page(
        None,
        &tree,
        &NoResolver,
        &RenderOptions::default().with_max_indent(usize::MAX),
    );
    for level in 1..=200 {
        assert!(rendered.body.contains(&format!("Level {level}")), "{level}");
    }
    // 200 levels of which two thirds quote: the innermost line is quoted 133 times.
    let innermost = rendered
        .body
        .lines()
        .find(|l| l.contains("Level 200"))
        .unwrap();
    assert_eq!(innermost.matches('>').count(), 134);
    assert_eq!(rendered.body.matches("</details>").count(), 66);
}

#[test]
fn fifty_thousand_levels_do_not_overflow_the_stack() {
    let tree = chain(50_000, |level| match level % 4 {
        0 => BlockKind::toggle(format!("t{level}")),
        1 => BlockKind::quote(format!("q{level}")),
        2 => BlockKind::numbered_list_item(format!("n{level}")),
        _ => BlockKind::ColumnList(notion_model::Empty::new()),
    });
    let rendered = render_page(None, &tree, &NoResolver, &RenderOptions::default());
    assert_eq!(rendered.block_count, 50_000);
    assert!(rendered.body.contains("n49998"));
    assert!(rendered.body.contains("t50000"));
}

#[test]
fn a_synced_block_inside_its_own_original_stops() {
    let original = Id::from_u128(1);
    let duplicate = Id::from_u128(2);
    let mut tree = PageTree::new(PAGE);
    let synced = |from: Option<Id>| {
        BlockKind::SyncedBlock(SyncedBlock {
            synced_from: Some(from.map(|id| SyncedFrom {
                kind: SyncedFromKind::Block(id),
                extra: Default::default(),
            })),
            extra: Default::default(),
        })
    };
    tree.insert(
        Block::new(original, Parent::page(PAGE), synced(None)),
        PAGE,
        0,
    );
    tree.insert(
        Block::new(
            Id::from_u128(3),
            Parent::block(original),
            BlockKind::paragraph("Inside"),
        ),
        original,
        0,
    );
    tree.insert(
        Block::new(duplicate, Parent::block(original), synced(Some(original))),
        original,
        1,
    );
    let rendered = render_page(None, &tree, &MapResolver::new(), &RenderOptions::default());
    assert_eq!(
        rendered.body.matches("Inside").count(),
        2,
        "{}",
        rendered.body
    );
    assert_eq!(rendered.unrendered, ["synced_block"]);
}

#[test]
fn a_huge_declared_table_width_is_not_trusted() {
    use notion_model::block::{Table, TableRow};
    let mut tree = PageTree::new(PAGE);
    let table = Table {
        table_width: Some(u64::MAX),
        has_column_header: Some(true),
        has_row_header: Some(false),
        extra: Default::default(),
    };
    tree.insert(
        Block::new(
            Id::from_u128(1),
            Parent::page(PAGE),
            BlockKind::Table(table),
        ),
        PAGE,
        0,
    );
    let row = TableRow::new(vec![vec![RichText::plain("a")], vec![RichText::plain("b")]]);
    tree.insert(
        Block::new(
            Id::from_u128(2),
            Parent::block(Id::from_u128(1)),
            BlockKind::TableRow(row),
        ),
        Id::from_u128(1),
        0,
    );
    let body = render_page(None, &tree, &NoResolver, &RenderOptions::default()).body;
    assert!(body.starts_with("| a | b |"), "{body}");
    assert!(body.len() < 4096, "{}", body.len());
}
