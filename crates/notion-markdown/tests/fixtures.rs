//! The fixture pages (`tests/fixtures/`): their Markdown, front matter and plain text, whatever
//! order their blocks arrive in.

mod common;

use common::{FIXTURES, fixture};
use notion_markdown::{RenderOptions, block_plain_text, block_plain_text_with, render_page};

#[test]
fn fixture_pages_render_as_reviewed() {
    for name in FIXTURES {
        let fixture = fixture(name);
        let rendered = render_page(
            fixture.page.as_ref(),
            &fixture.tree(),
            &fixture.resolver,
            &RenderOptions::default(),
        );
        insta::assert_snapshot!(format!("{name}_markdown"), rendered.markdown);
        let summary = format!(
            "title: {:?}\nblock_count: {}\nunrendered: {:?}\nmissing_synced: {:?}\n",
            rendered.title, rendered.block_count, rendered.unrendered, rendered.missing_synced
        );
        insta::assert_snapshot!(format!("{name}_summary"), summary);
        assert_eq!(rendered.block_count, fixture.blocks.len(), "{name}");
    }
}

#[test]
fn insertion_order_and_json_input_do_not_change_the_output() {
    for name in FIXTURES {
        let fixture = fixture(name);
        let options = RenderOptions::default();
        let render = |tree| render_page(fixture.page.as_ref(), &tree, &fixture.resolver, &options);
        let in_order = render(fixture.tree());
        assert_eq!(
            render(fixture.tree_reversed()),
            in_order,
            "{name}: reversed"
        );
        assert_eq!(
            render(fixture.tree_from_json()),
            in_order,
            "{name}: from JSON"
        );
    }
}

#[test]
fn every_block_is_rendered_or_reported() {
    // Every text a block carries shows in the Markdown (the transcript of meeting notes asked
    // for), unless the block is in the trash or of a type rendered as a placeholder.
    for name in FIXTURES {
        let fixture = fixture(name);
        let rendered = render_page(
            fixture.page.as_ref(),
            &fixture.tree(),
            &fixture.resolver,
            &RenderOptions::default().with_meeting_transcript(true),
        );
        let flat = common::structure::normalise(&rendered.body.replace(['\\', '*', '`'], ""));
        for (block, _, _) in &fixture.blocks {
            let text =
                common::structure::normalise(&block_plain_text_with(block, &fixture.resolver));
            let placeholder = block.kind.as_ref().is_some_and(|k| k.is_unknown());
            if block.is_trashed()
                || placeholder
                || text.is_empty()
                || block.type_name() == Some("code")
            {
                continue;
            }
            let first_line = text.lines().next().unwrap_or_default();
            let probe: String = first_line
                .chars()
                .filter(|c| c.is_alphanumeric())
                .take(12)
                .collect();
            let haystack: String = flat.chars().filter(|c| c.is_alphanumeric()).collect();
            assert!(
                haystack.contains(&probe),
                "{name}: {:?} ({probe:?}) not in the Markdown",
                block.type_name()
            );
        }
    }
}

#[test]
fn plain_text_of_every_block() {
    for name in FIXTURES {
        let fixture = fixture(name);
        let mut out = String::new();
        for (block, _, _) in &fixture.blocks {
            let plain = block_plain_text(block);
            let resolved = block_plain_text_with(block, &fixture.resolver);
            out.push_str(&format!(
                "{}: {plain:?}\n",
                block.type_name().unwrap_or("(partial)")
            ));
            if resolved != plain {
                out.push_str(&format!("  resolved: {resolved:?}\n"));
            }
        }
        insta::assert_snapshot!(format!("{name}_plain_text"), out);
    }
}

#[test]
fn front_matter_is_valid_yaml_text() {
    let fixture = fixture("lists");
    let rendered = render_page(
        fixture.page.as_ref(),
        &fixture.tree(),
        &fixture.resolver,
        &RenderOptions::default(),
    );
    assert!(
        rendered
            .markdown
            .starts_with(&format!("---\n{}---\n\n", rendered.front_matter))
    );
    assert!(rendered.markdown.ends_with(&rendered.body));
    let without = render_page(
        fixture.page.as_ref(),
        &fixture.tree(),
        &fixture.resolver,
        &RenderOptions::default().with_front_matter(false),
    );
    assert_eq!(without.markdown, rendered.body);
    assert_eq!(without.front_matter, rendered.front_matter);
}

#[test]
fn a_block_read_twice_renders_once_with_its_last_content() {
    let fixture = fixture("lists");
    let mut tree = fixture.tree();
    let (first, parent, position) = fixture.blocks[0].clone();
    let mut again = first.clone();
    if let Some(notion_model::BlockKind::BulletedListItem(item)) = &mut again.kind {
        item.rich_text = Some(vec![notion_model::RichText::plain("Lacinato kale, edited")]);
    }
    assert!(tree.insert(again, parent, position).is_some());
    assert_eq!(tree.len(), fixture.blocks.len());
    let rendered = render_page(None, &tree, &fixture.resolver, &RenderOptions::default());
    assert!(
        rendered
            .body
            .starts_with("- Lacinato kale, edited\n  - Curly kale\n"),
        "{}",
        rendered.body
    );
    assert_eq!(rendered.body.matches("Lacinato kale, edited").count(), 1);
    assert!(!rendered.body.contains("- Lacinato kale\n"));
}
