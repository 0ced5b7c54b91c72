//! The structure a CommonMark reader finds in Markdown (headings, list items, tables, code
//! blocks), and the structure a page's blocks should produce.

#![allow(clippy::unwrap_used)]

use notion_markdown::{PageTree, Resolver, rich_text_plain};
use notion_model::block::SyncedFromKind;
use notion_model::rich_text::RichText;
use notion_model::{Block, BlockKind, Id};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Headings, list items, tables and code blocks, in document order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Structure {
    pub headings: Vec<(u8, String)>,
    pub items: Vec<ListItem>,
    pub tables: Vec<Vec<Vec<String>>>,
    pub code: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    pub depth: usize,
    pub ordered: bool,
    pub task: Option<bool>,
    pub text: String,
}

/// The options a GitHub-flavoured reader with math uses.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_MATH
}

/// Collapses whitespace runs to one space and trims.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

enum Sink {
    Heading(u8, String),
    Item(usize, String),
    Cell(String),
    Code(String, String),
}

/// What pulldown-cmark reads in `markdown`.
pub fn parse(markdown: &str) -> Structure {
    let mut out = Structure::default();
    let mut lists: Vec<bool> = Vec::new();
    // Open containers: `Some(i)` for a list item (its index in `out.items`).
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut sinks: Vec<Sink> = Vec::new();
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut item_paragraphs: Vec<usize> = Vec::new();
    for event in Parser::new_ext(markdown, options()) {
        let text = match &event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                Some(t.to_string())
            }
            Event::SoftBreak => Some(" ".to_owned()),
            Event::HardBreak => Some("\n".to_owned()),
            Event::InlineHtml(h) if h.trim() == "<br>" => Some("\n".to_owned()),
            _ => None,
        };
        if let Some(text) = text {
            match sinks.last_mut() {
                Some(Sink::Heading(_, s) | Sink::Item(_, s) | Sink::Cell(s) | Sink::Code(_, s)) => {
                    s.push_str(&text)
                }
                None => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let level = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                };
                sinks.push(Sink::Heading(level, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(Sink::Heading(level, text)) = sinks.pop() {
                    out.headings.push((level, normalise(&text)));
                }
            }
            Event::Start(Tag::List(start)) => lists.push(start.is_some()),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                out.items.push(ListItem {
                    depth: lists.len(),
                    ordered: lists.last().copied().unwrap_or(false),
                    task: None,
                    text: String::new(),
                });
                let index = out.items.len() - 1;
                open.push(Some(index));
                item_paragraphs.push(0);
                sinks.push(Sink::Item(index, String::new()));
            }
            Event::End(TagEnd::Item) => {
                open.pop();
                item_paragraphs.pop();
                if let Some(Sink::Item(index, text)) = sinks.pop() {
                    out.items[index].text = normalise(&text);
                }
            }
            Event::TaskListMarker(checked) => {
                if let Some(Some(index)) = open.last() {
                    out.items[*index].task = Some(checked);
                }
            }
            // Only the first paragraph of an item is its text; nested blocks are not.
            Event::Start(Tag::Paragraph) => {
                if let (Some(Some(_)), Some(count)) = (open.last(), item_paragraphs.last_mut()) {
                    *count += 1;
                    if *count > 1 {
                        sinks.push(Sink::Cell(String::new()));
                    }
                } else {
                    open.push(None);
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if let (Some(Some(_)), Some(count)) = (open.last(), item_paragraphs.last()) {
                    if *count > 1 {
                        sinks.pop();
                    }
                } else {
                    open.pop();
                }
            }
            Event::Start(Tag::BlockQuote(_)) => {
                open.push(None);
                sinks.push(Sink::Cell(String::new()));
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                open.pop();
                sinks.pop();
            }
            Event::Start(Tag::Table(_)) => {
                table.clear();
                sinks.push(Sink::Cell(String::new()));
            }
            Event::End(TagEnd::Table) => {
                sinks.pop();
                out.tables.push(std::mem::take(&mut table));
            }
            Event::Start(Tag::TableHead | Tag::TableRow) => row.clear(),
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                table.push(std::mem::take(&mut row))
            }
            Event::Start(Tag::TableCell) => sinks.push(Sink::Cell(String::new())),
            Event::End(TagEnd::TableCell) => {
                if let Some(Sink::Cell(text)) = sinks.pop() {
                    row.push(normalise(&text));
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => "(indented)".to_owned(),
                };
                sinks.push(Sink::Code(info, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(Sink::Code(info, text)) = sinks.pop() {
                    out.code.push((info, text));
                }
            }
            _ => {}
        }
    }
    out
}

/// The structure the blocks under `root` should produce: every heading, list item (depth,
/// kind, task state, text), table and code block, through the containers the renderer passes
/// (columns, synced blocks and their originals, toggles, quotes, callouts, tabs, meeting-notes
/// summary and notes).
pub fn expected(tree: &PageTree, resolver: &dyn Resolver) -> Structure {
    let mut out = Structure::default();
    walk(tree, tree, tree.root(), 0, resolver, &mut out);
    out
}

fn text(items: Option<&[RichText]>, resolver: &dyn Resolver) -> String {
    normalise(&rich_text_plain(items.unwrap_or_default(), Some(resolver)))
}

/// The fence info the renderer gives Notion's languages (those the test pages use).
fn language(notion: &str) -> String {
    match notion {
        "plain text" => "text".to_owned(),
        "c++" => "cpp".to_owned(),
        "shell" => "sh".to_owned(),
        other => other.to_owned(),
    }
}

fn walk(
    main: &PageTree,
    tree: &PageTree,
    parent: Id,
    depth: usize,
    resolver: &dyn Resolver,
    out: &mut Structure,
) {
    let blocks: Vec<&Block> = tree.children(parent).collect();
    walk_blocks(main, tree, &blocks, depth, resolver, out);
}

fn walk_blocks(
    main: &PageTree,
    tree: &PageTree,
    blocks: &[&Block],
    depth: usize,
    resolver: &dyn Resolver,
    out: &mut Structure,
) {
    for block in blocks {
        if block.is_trashed() {
            continue;
        }
        let id = block.id;
        let Some(kind) = &block.kind else {
            walk(main, tree, id, depth, resolver, out);
            continue;
        };
        let item =
            |ordered: bool, task: Option<bool>, rich: Option<&[RichText]>, out: &mut Structure| {
                let mut own = text(rich, resolver);
                // An item without text reads its first paragraph as its text (Markdown has no
                // way to tell them apart).
                if own.is_empty()
                    && task.is_none()
                    && let Some(BlockKind::Paragraph(p)) =
                        tree.children(id).next().and_then(|c| c.kind.as_ref())
                {
                    own = text(p.rich_text.as_deref(), resolver);
                }
                out.items.push(ListItem {
                    depth: depth + 1,
                    ordered,
                    task,
                    text: own,
                });
            };
        match kind {
            BlockKind::Heading1(h)
            | BlockKind::Heading2(h)
            | BlockKind::Heading3(h)
            | BlockKind::Heading4(h) => {
                let level = match kind {
                    BlockKind::Heading1(_) => 1,
                    BlockKind::Heading2(_) => 2,
                    BlockKind::Heading3(_) => 3,
                    _ => 4,
                };
                out.headings
                    .push((level, text(h.rich_text.as_deref(), resolver)));
                walk(main, tree, id, depth, resolver, out);
            }
            BlockKind::BulletedListItem(t) => {
                item(false, None, t.rich_text.as_deref(), out);
                walk(main, tree, id, depth + 1, resolver, out);
            }
            BlockKind::NumberedListItem(n) => {
                item(true, None, n.rich_text.as_deref(), out);
                walk(main, tree, id, depth + 1, resolver, out);
            }
            BlockKind::ToDo(t) => {
                item(
                    false,
                    Some(t.checked == Some(true)),
                    t.rich_text.as_deref(),
                    out,
                );
                walk(main, tree, id, depth + 1, resolver, out);
            }
            BlockKind::Table(table) => {
                let rows: Vec<Vec<String>> = tree
                    .children(id)
                    .filter_map(|row| match &row.kind {
                        Some(BlockKind::TableRow(r)) => Some(
                            r.cells
                                .iter()
                                .flatten()
                                .map(|cell| text(Some(cell), resolver))
                                .collect(),
                        ),
                        _ => None,
                    })
                    .collect();
                if rows.is_empty() {
                    continue;
                }
                let width = rows
                    .iter()
                    .map(Vec::len)
                    .chain([table.table_width.unwrap_or(0) as usize])
                    .max()
                    .unwrap();
                let pad = |mut row: Vec<String>| {
                    row.resize(width, String::new());
                    row
                };
                let mut rows: Vec<Vec<String>> = rows.into_iter().map(pad).collect();
                if table.has_column_header != Some(true) {
                    rows.insert(0, vec![String::new(); width]);
                }
                out.tables.push(rows);
            }
            BlockKind::Code(code) => {
                let content: String = code.rich_text.iter().flatten().map(|r| r.text()).collect();
                let content = if content.is_empty() {
                    content
                } else {
                    format!("{content}\n")
                };
                out.code.push((
                    language(code.language.as_deref().unwrap_or_default()),
                    content,
                ));
            }
            BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_) => {}
            BlockKind::SyncedBlock(s) => {
                let original = match s
                    .synced_from
                    .as_ref()
                    .and_then(Option::as_ref)
                    .map(|f| &f.kind)
                {
                    Some(SyncedFromKind::Block(original)) if !tree.has_children(id) => *original,
                    _ => {
                        walk(main, tree, id, depth, resolver, out);
                        continue;
                    }
                };
                if main.has_children(original) {
                    walk(main, main, original, depth, resolver, out);
                } else if let Some(source) = resolver.synced_original(original) {
                    walk(main, source, source.root(), depth, resolver, out);
                }
            }
            BlockKind::Tab(_) => {
                for tab in tree.children(id) {
                    walk(main, tree, tab.id, depth, resolver, out);
                }
            }
            BlockKind::MeetingNotes(notes) => {
                let sections = notes.children.clone().unwrap_or_default();
                for section in [sections.summary_block_id, sections.notes_block_id]
                    .into_iter()
                    .flatten()
                {
                    walk(main, tree, section, depth, resolver, out);
                }
                let skip = [
                    sections.summary_block_id,
                    sections.notes_block_id,
                    sections.transcript_block_id,
                ];
                let rest: Vec<&Block> = tree
                    .children(id)
                    .filter(|c| !skip.contains(&Some(c.id)))
                    .collect();
                walk_blocks(main, tree, &rest, depth, resolver, out);
            }
            _ => walk(main, tree, id, depth, resolver, out),
        }
    }
}
