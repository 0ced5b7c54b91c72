//! Property tests: random text, rendered and read back by pulldown-cmark, comes back exactly,
//! as text only (no emphasis, links, HTML, code, headings or lists); random annotations come
//! back on exactly the characters that carry them.

mod common;

use common::structure::{options, parse};
use notion_markdown::{NoResolver, PageTree, RenderOptions, render_page};
use notion_model::block::TableRow;
use notion_model::rich_text::{Annotations, RichText};
use notion_model::{Block, BlockKind, Id, Parent};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn text(&mut self, alphabet: &[char], max: usize) -> String {
        let len = self.below(max + 1);
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}

/// Markdown's special characters, words, whitespace and a few non-ASCII characters.
const HOSTILE: &[char] = &[
    '*', '_', '[', ']', '(', ')', '#', '<', '>', '|', '\\', '`', '~', '$', '&', '!', '-', '+', '=',
    '.', ':', ';', '\'', '"', '{', '}', '^', '%', '@', '/', '1', '9', '0', 'a', 'b', 'Z', 'x', ' ',
    ' ', ' ', '\t', '\n', 'é', '😀', '\u{a0}', '#', '*', '_', '`',
];

const PAGE: Id = Id::from_u128(0x1000);

fn page_with(kind: BlockKind) -> PageTree {
    let mut tree = PageTree::new(PAGE);
    tree.insert(
        Block::new(Id::from_u128(1), Parent::page(PAGE), kind),
        PAGE,
        0,
    );
    tree
}

fn body(tree: &PageTree) -> String {
    render_page(None, tree, &NoResolver, &RenderOptions::default()).body
}

/// What CommonMark keeps of a paragraph's text: each line without surrounding spaces and
/// tabs, without empty lines at either end.
fn paragraph_text(text: &str) -> String {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.trim_matches([' ', '\t']))
        .collect();
    let first = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(first, |l| l + 1);
    lines[first..last].join("\n")
}

/// The text of `markdown`, failing on any markup but paragraphs and hard breaks.
fn text_only(markdown: &str, context: &str) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
            Event::Text(t) => out.push_str(&t),
            Event::HardBreak => out.push('\n'),
            other => panic!("{context}: unexpected {other:?} in\n{markdown}"),
        }
    }
    out
}

#[test]
fn random_text_in_a_paragraph_comes_back_exactly() {
    let mut rng = Rng(0x5EED_0001);
    for case in 0..4000 {
        let text = rng.text(HOSTILE, 40);
        let markdown = body(&page_with(BlockKind::paragraph(text.clone())));
        let context = format!("case {case}: {text:?}");
        assert_eq!(
            text_only(&markdown, &context),
            paragraph_text(&text),
            "{context}\n{markdown}"
        );
    }
}

#[test]
fn random_text_in_headings_items_and_cells_comes_back_exactly() {
    let mut rng = Rng(0x5EED_0002);
    for case in 0..1500 {
        let text = rng.text(HOSTILE, 30);
        let context = format!("case {case}: {text:?}");

        let heading = body(&page_with(BlockKind::heading(2, text.clone())));
        let found = parse(&heading);
        let want = paragraph_text(&text.replace('\n', " "));
        if want.is_empty() {
            assert!(
                found.headings.iter().all(|(_, t)| t.is_empty()),
                "{context}\n{heading}"
            );
        } else {
            assert_eq!(found.headings.len(), 1, "{context}\n{heading}");
            assert_eq!(
                found.headings[0].1,
                common::structure::normalise(&want),
                "{context}\n{heading}"
            );
        }
        assert!(
            found.items.is_empty() && found.code.is_empty(),
            "{context}\n{heading}"
        );

        let item = body(&page_with(BlockKind::bulleted_list_item(text.clone())));
        let found = parse(&item);
        assert_eq!(found.items.len(), 1, "{context}\n{item}");
        assert_eq!(found.items[0].depth, 1, "{context}\n{item}");
        assert_eq!(found.items[0].task, None, "{context}\n{item}");
        assert_eq!(
            found.items[0].text,
            common::structure::normalise(&paragraph_text(&text)),
            "{context}\n{item}"
        );

        let mut tree = page_with(BlockKind::Table(notion_model::block::Table {
            table_width: Some(2),
            has_column_header: Some(true),
            has_row_header: Some(false),
            extra: Default::default(),
        }));
        let row = TableRow::new(vec![
            vec![RichText::plain(text.clone())],
            vec![RichText::plain("x")],
        ]);
        tree.insert(
            Block::new(
                Id::from_u128(2),
                Parent::block(Id::from_u128(1)),
                BlockKind::TableRow(row),
            ),
            Id::from_u128(1),
            0,
        );
        let table = body(&tree);
        let found = parse(&table);
        assert_eq!(found.tables.len(), 1, "{context}\n{table}");
        assert_eq!(
            found.tables[0],
            vec![vec![
                common::structure::normalise(&paragraph_text(&text)),
                "x".to_owned()
            ]],
            "{context}\n{table}"
        );
    }
}

const WORDS: &[char] = &[
    'a', 'b', 'c', 'é', 'Z', '1', ' ', ' ', ' ', '(', ')', ',', '.', '\'', '*', '_', '~', '`',
    '😀', '-', '"', '\n',
];

const URLS: [&str; 2] = ["https://example.com/a_b", "https://example.org/x?y=(1)"];

/// What a character carries: bold, italic, strikethrough, underline, code, link.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Marks {
    bold: bool,
    italic: bool,
    strike: bool,
    underline: bool,
    code: bool,
    link: Option<String>,
}

/// The non-whitespace characters of `markdown` with their marks, and its whole text.
fn marked(markdown: &str, context: &str) -> (Vec<(char, Marks)>, String) {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut marks = Marks::default();
    let mut push = |s: &str, marks: &Marks, out: &mut Vec<(char, Marks)>| {
        text.push_str(s);
        out.extend(
            s.chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| (c, marks.clone())),
        );
    };
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
            Event::Start(Tag::Strong) => marks.bold = true,
            Event::End(TagEnd::Strong) => marks.bold = false,
            Event::Start(Tag::Emphasis) => marks.italic = true,
            Event::End(TagEnd::Emphasis) => marks.italic = false,
            Event::Start(Tag::Strikethrough) => marks.strike = true,
            Event::End(TagEnd::Strikethrough) => marks.strike = false,
            Event::Start(Tag::Link { dest_url, .. }) => marks.link = Some(dest_url.to_string()),
            Event::End(TagEnd::Link) => marks.link = None,
            Event::InlineHtml(tag) => match tag.as_ref() {
                "<u>" | "</u>" => marks.underline = tag.as_ref() == "<u>",
                "<strong>" | "</strong>" => marks.bold = tag.as_ref() == "<strong>",
                "<em>" | "</em>" => marks.italic = tag.as_ref() == "<em>",
                "<del>" | "</del>" => marks.strike = tag.as_ref() == "<del>",
                other => panic!("{context}: unexpected HTML {other:?} in\n{markdown}"),
            },
            Event::Text(t) => push(&t, &marks, &mut out),
            Event::Code(t) => {
                let code = Marks {
                    code: true,
                    ..marks.clone()
                };
                push(&t, &code, &mut out);
            }
            Event::HardBreak => push("\n", &marks, &mut out),
            other => panic!("{context}: unexpected {other:?} in\n{markdown}"),
        }
    }
    (out, text)
}

#[test]
fn random_annotations_come_back_on_their_characters() {
    let mut rng = Rng(0x5EED_0003);
    for case in 0..4000 {
        let mut items = Vec::new();
        let mut want = Vec::new();
        let mut all = String::new();
        for _ in 0..1 + rng.below(6) {
            let link = rng.chance(20).then(|| URLS[rng.below(2)].to_owned());
            let text = match &link {
                Some(url) if rng.chance(30) => url.clone(),
                _ => rng.text(WORDS, 8),
            };
            let marks = Marks {
                bold: rng.chance(35),
                italic: rng.chance(35),
                strike: rng.chance(20),
                underline: rng.chance(10),
                code: rng.chance(15),
                link: link.clone(),
            };
            let mut item = match &link {
                Some(url) => RichText::link(text.clone(), url.clone()),
                None => RichText::plain(text.clone()),
            };
            item.annotations = Some(Annotations {
                bold: Some(marks.bold),
                italic: Some(marks.italic),
                strikethrough: Some(marks.strike),
                underline: Some(marks.underline),
                code: Some(marks.code),
                ..Annotations::plain()
            });
            items.push(item);
            all.push_str(&text);
            want.extend(
                text.chars()
                    .filter(|c| !c.is_whitespace())
                    .map(|c| (c, marks.clone())),
            );
        }
        let block = BlockKind::Paragraph(notion_model::block::Paragraph::new(items));
        let markdown = body(&page_with(block));
        let context = format!("case {case}: {all:?}");
        let (found, text) = marked(&markdown, &context);
        assert_eq!(text, paragraph_text(&all), "{context}\n{markdown}");
        assert_eq!(found, want, "{context}\n{markdown}");
    }
}
