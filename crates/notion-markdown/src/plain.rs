//! Plain text of blocks and rich text, for search and warehouse columns.

use notion_model::block::LinkToPageKind;
use notion_model::rich_text::{RichText, RichTextKind};
use notion_model::{Block, BlockKind};

use crate::Resolver;
use crate::inline;

/// The readable text of one block, without Markdown: its rich text (mentions as Notion's
/// `plain_text`, equations as their expression), a table row's cells separated by ` | `, a child
/// page's or database's title, an equation's expression, code followed by its caption, the
/// caption of an image, video, audio, PDF or file (after the file's name), the URL and caption
/// of a bookmark or embed, the URL of a link preview, the rich text of a block type this crate
/// does not know. Empty for blocks without text (dividers, columns, …).
///
/// ```
/// use notion_markdown::block_plain_text;
/// use notion_model::Block;
///
/// let row: Block = serde_json::from_str(r#"{"object": "block", "id": "d2968855-e29e-5367-a637-e3075408262a",
///   "type": "table_row", "table_row": {"cells": [
///     [{"type": "text", "text": {"content": "Scout"}, "plain_text": "Scout"}],
///     [{"type": "text", "text": {"content": "2.0 m/s"}, "plain_text": "2.0 m/s"}]]}}"#)?;
/// assert_eq!(block_plain_text(&row), "Scout | 2.0 m/s");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn block_plain_text(block: &Block) -> String {
    plain(block, None)
}

/// [`block_plain_text`] with mentions and page links as their display text through a
/// [`Resolver`]: user names, page and database titles.
pub fn block_plain_text_with(block: &Block, resolver: &dyn Resolver) -> String {
    plain(block, Some(resolver))
}

/// The readable text of rich text: mentions through `resolver` (Notion's `plain_text` without
/// one), equations as their expression.
pub fn rich_text_plain(items: &[RichText], resolver: Option<&dyn Resolver>) -> String {
    let mut out = String::new();
    for item in items {
        match (&item.kind, resolver) {
            (RichTextKind::Text(text), _) => out.push_str(&text.content),
            (RichTextKind::Equation(equation), _) => out.push_str(&equation.expression),
            (RichTextKind::Mention(mention), Some(resolver)) => {
                out.push_str(&inline::mention_text(item, mention, resolver).0);
            }
            _ => out.push_str(item.text()),
        }
    }
    out
}

fn plain(block: &Block, resolver: Option<&dyn Resolver>) -> String {
    let Some(kind) = &block.kind else {
        return String::new();
    };
    let rich = |items: &Option<Vec<RichText>>| {
        rich_text_plain(items.as_deref().unwrap_or_default(), resolver)
    };
    let join = |parts: &[String]| {
        parts
            .iter()
            .filter(|p| !p.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    };
    match kind {
        BlockKind::Code(code) => join(&[rich(&code.rich_text), rich(&code.caption)]),
        BlockKind::TableRow(row) => row
            .cells
            .iter()
            .flatten()
            .map(|cell| rich_text_plain(cell, resolver))
            .collect::<Vec<_>>()
            .join(" | "),
        BlockKind::ChildPage(child) | BlockKind::ChildDatabase(child) => {
            child.title.clone().unwrap_or_default()
        }
        BlockKind::Equation(equation) => equation.expression.clone(),
        BlockKind::Image(media)
        | BlockKind::Video(media)
        | BlockKind::Pdf(media)
        | BlockKind::File(media)
        | BlockKind::Audio(media) => {
            join(&[media.name.clone().unwrap_or_default(), rich(&media.caption)])
        }
        BlockKind::Bookmark(link) | BlockKind::Embed(link) => {
            join(&[link.url.clone().unwrap_or_default(), rich(&link.caption)])
        }
        BlockKind::LinkPreview(preview) => preview.url.clone(),
        BlockKind::LinkToPage(link) => match (resolver, &link.kind) {
            (Some(r), LinkToPageKind::Page(id)) => {
                r.page_title(*id).unwrap_or_default().into_owned()
            }
            (Some(r), LinkToPageKind::Database(id)) => {
                r.database_title(*id).unwrap_or_default().into_owned()
            }
            _ => String::new(),
        },
        // A type this crate does not know: its rich text, if it has some.
        BlockKind::Unknown {
            payload: Some(payload),
            ..
        } => payload
            .get("rich_text")
            .and_then(|items| serde_json::from_value::<Vec<RichText>>(items.clone()).ok())
            .map(|items| rich_text_plain(&items, resolver))
            .unwrap_or_default(),
        other => other
            .rich_text()
            .map(|items| rich_text_plain(items, resolver))
            .unwrap_or_default(),
    }
}
