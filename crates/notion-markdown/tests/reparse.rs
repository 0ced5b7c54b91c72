//! The Markdown read back by a CommonMark reader (pulldown-cmark, with GitHub's tables, task
//! lists and strikethrough, and math) has the structure of the blocks: headings (level and
//! text), list items (depth, ordered or not, task state, text), tables (rows, columns, cell
//! text) and code blocks (language and content). Over the fixture pages and every page of the
//! demo workspace.

mod common;

use common::structure::{Structure, expected, parse};
use common::{FIXTURES, demo, fixture};
use notion_markdown::{PageTree, RenderOptions, Resolver, render_page};

fn check(name: &str, tree: &PageTree, resolver: &dyn Resolver) -> Structure {
    let rendered = render_page(None, tree, resolver, &RenderOptions::default());
    let found = parse(&rendered.body);
    let want = expected(tree, resolver);
    assert_eq!(
        found.headings, want.headings,
        "{name}: headings\n{}",
        rendered.body
    );
    assert_eq!(
        found.items, want.items,
        "{name}: list items\n{}",
        rendered.body
    );
    assert_eq!(
        found.tables, want.tables,
        "{name}: tables\n{}",
        rendered.body
    );
    assert_eq!(
        found.code, want.code,
        "{name}: code blocks\n{}",
        rendered.body
    );
    want
}

#[test]
fn fixture_pages_read_back_as_their_blocks() {
    let mut total = Structure::default();
    for name in FIXTURES {
        let fixture = fixture(name);
        let want = check(name, &fixture.tree(), &fixture.resolver);
        total.headings.extend(want.headings);
        total.items.extend(want.items);
        total.tables.extend(want.tables);
        total.code.extend(want.code);
    }
    // The check has something to check.
    assert!(total.headings.len() >= 9, "{:?}", total.headings);
    assert!(total.items.iter().any(|i| i.depth >= 12));
    assert!(total.items.iter().any(|i| i.ordered));
    assert!(total.items.iter().any(|i| i.task == Some(true)));
    assert_eq!(total.tables.len(), 2);
    assert!(total.code.len() >= 4);
}

#[test]
fn demo_pages_read_back_as_their_blocks() {
    let (pages, resolver) = demo();
    assert!(pages.len() >= 30, "{}", pages.len());
    let mut checked = Structure::default();
    for page in &pages {
        let want = check(&page.page.title(), &page.tree, &resolver);
        checked.headings.extend(want.headings);
        checked.items.extend(want.items);
        checked.tables.extend(want.tables);
        checked.code.extend(want.code);
    }
    assert!(!checked.headings.is_empty());
    assert!(!checked.items.is_empty());
    assert!(!checked.tables.is_empty());
    assert!(!checked.code.is_empty());
}
