//! Notion pages as faithful Markdown, rendered from `notion-model` types. Pure: no I/O, no
//! async.
//!
//! Give the blocks of a page to a [`PageTree`] in any order (each with its parent's id and its
//! position among its siblings), then [`render_page`] with the page object and a [`Resolver`]
//! for what the blocks refer to (user names, page and database titles, originals of synced
//! blocks from other pages). The result holds the Markdown with YAML front matter, the body
//! alone, the front matter alone, the title, the block count and the block types that could
//! only be rendered as a placeholder.
//!
//! # Example
//!
//! ```
//! use notion_markdown::{MapResolver, PageTree, RenderOptions, render_page};
//! use notion_model::{Id, Page};
//!
//! let page: Page = serde_json::from_str(r#"{"object": "page", "id": "59833787-2cf9-4fdf-8782-e53db20768a5",
//!   "url": "https://app.notion.com/p/598337872cf94fdf8782e53db20768a5",
//!   "properties": {"Name": {"id": "title", "type": "title", "title": [{"type": "text",
//!     "text": {"content": "Launch: v2"}, "plain_text": "Launch: v2"}]},
//!     "Tags": {"id": "t", "type": "multi_select", "multi_select": [{"name": "yes"}]}}}"#)?;
//!
//! let mut tree = PageTree::new(page.id);
//! // Blocks as Notion sends them, with their parent and position; a child before its parent.
//! let item = "393abc1e-edcd-812a-b3b0-d8e69c6a6f4c".parse::<Id>()?;
//! tree.insert_json(r#"{"object": "block", "id": "393abc1e-edcd-8182-aa10-e3ab78a2475f",
//!   "type": "to_do", "to_do": {"checked": true, "rich_text": [{"type": "text",
//!   "text": {"content": "Write *the* notes"}, "plain_text": "Write *the* notes"}]}}"#, item, 0)?;
//! tree.insert_json(r#"{"object": "block", "id": "393abc1e-edcd-812a-b3b0-d8e69c6a6f4c",
//!   "type": "bulleted_list_item", "bulleted_list_item": {"rich_text": [{"type": "text",
//!   "text": {"content": "Ship it"}, "annotations": {"bold": true}, "plain_text": "Ship it"}]}}"#,
//!   page.id, 0)?;
//!
//! let rendered = render_page(Some(&page), &tree, &MapResolver::new(), &RenderOptions::default());
//! assert_eq!(rendered.title, "Launch: v2");
//! assert_eq!(rendered.body, "- **Ship it**\n  - [x] Write \\*the\\* notes\n");
//! assert_eq!(rendered.front_matter, "id: \"59833787-2cf9-4fdf-8782-e53db20768a5\"\n\
//!     title: \"Launch: v2\"\n\
//!     url: \"https://app.notion.com/p/598337872cf94fdf8782e53db20768a5\"\n\
//!     Name: \"Launch: v2\"\n\
//!     Tags:\n  - \"yes\"\n");
//! assert!(rendered.markdown.starts_with("---\nid: "));
//! assert_eq!(rendered.block_count, 2);
//! assert!(rendered.unrendered.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How blocks are written
//!
//! CommonMark with GitHub's extensions (tables, task lists, strikethrough) and `$`/`$$` math:
//!
//! * headings 1–4 as `#`…`####` (a toggleable heading's children follow it); paragraphs, with
//!   `\n` in the text as hard breaks (`\` at the end of the line);
//! * bulleted (`-`), numbered (`1.`, starting at `list_start_index`, numbering continuing over
//!   consecutive items) and to-do (`- [ ]`, `- [x]`) items, children indented under the item;
//! * quotes and callouts as block quotes (`>`), children inside; a callout starts with its
//!   icon (the emoji, `:name:` for a custom emoji, a link for an image icon);
//! * toggles and templates as `<details><summary>text</summary>` with the children inside:
//!   collapsible where HTML renders, readable as text elsewhere, and unlike a bullet it is not
//!   mistaken for a list; the summary is plain text;
//! * code as a fence longer than any run of backticks inside, with the language as highlighters
//!   name it (`plain text` → `text`, `c++` → `cpp`, …) and the caption as a paragraph after it;
//!   equations as `$$`…`$$`; dividers as `---`;
//! * tables as GitHub tables (an empty header row when the table has no column header; a row
//!   header in bold; `|` escaped and line breaks as `<br>` in cells);
//! * column lists as their columns' content in order; synced blocks as their original's content
//!   (from the tree, else the resolver, else a placeholder); tabs as each tab's title in bold
//!   followed by its content; meeting notes as the title (with time and attendees), then
//!   "Summary" and "Notes" sections (the transcript on request, [`RenderOptions`]);
//! * images as `![caption](url)`; videos, audio, PDFs, files, bookmarks, embeds and link
//!   previews as links whose text is the caption (else the file name or the URL); child pages
//!   and databases and `link_to_page` as links to the Notion page (titles from the block or the
//!   resolver);
//! * table of contents and breadcrumb as HTML comments (`<!-- table of contents -->`);
//!   `unsupported` blocks, unknown future types and blocks without content as a placeholder
//!   comment, recorded in [`Rendered::unrendered`]. Blocks in the trash are left out.
//!
//! Rich text keeps bold (`**`), italic (`*`), strikethrough (`~~`), underline (`<u>…</u>`, as
//! Markdown has none), inline code (a backtick fence longer than any run inside), links,
//! inline equations (`$…$`) and every mention (users as `@Name`, pages and databases as links
//! titled through the resolver, dates as `start → end`, link previews and link mentions as
//! links, template mentions as `@Today`, custom emojis as `:name:`, unknown mentions as their
//! `plain_text`); colors are dropped. Emphasis never starts or ends with a space, adjacent runs
//! with the same annotations merge, and where no delimiter would be read back correctly
//! (`word**(x)**word`) an HTML tag is used. Text is escaped so that it reads back as written
//! (`*`, `_`, `[`, `<`, `` ` ``, `|`, `$`, `#` or `1.` at a line start, …) without escaping
//! what cannot be misread.
//!
//! Rendering is iterative, so no tree overflows the stack; indentation stops growing past
//! [`RenderOptions::max_indent`] levels.

mod error;
mod escape;
mod front_matter;
mod inline;
mod language;
mod plain;
mod render;
mod resolve;
mod tree;
mod yaml;

use notion_model::{Id, Page};

pub use error::Error;
pub use plain::{block_plain_text, block_plain_text_with, rich_text_plain};
pub use resolve::{MapResolver, NoResolver, Resolver};
pub use tree::PageTree;

/// How to render.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenderOptions {
    /// Start [`Rendered::markdown`] with the YAML front matter between `---` lines (default:
    /// true).
    pub front_matter: bool,
    /// Render the transcript of meeting notes after their summary and notes (default: false).
    pub meeting_transcript: bool,
    /// Indentation levels (list items, quotes) past which nested content is no longer indented
    /// further (default: 64).
    pub max_indent: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            front_matter: true,
            meeting_transcript: false,
            max_indent: 64,
        }
    }
}

impl RenderOptions {
    /// Sets [`RenderOptions::front_matter`].
    pub fn with_front_matter(mut self, front_matter: bool) -> Self {
        self.front_matter = front_matter;
        self
    }

    /// Sets [`RenderOptions::meeting_transcript`].
    pub fn with_meeting_transcript(mut self, transcript: bool) -> Self {
        self.meeting_transcript = transcript;
        self
    }

    /// Sets [`RenderOptions::max_indent`].
    pub fn with_max_indent(mut self, levels: usize) -> Self {
        self.max_indent = levels;
        self
    }
}

/// A rendered page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rendered {
    /// The front matter between `---` lines (when asked for and there is a page), a blank
    /// line, and the body.
    pub markdown: String,
    /// The blocks as Markdown (empty, or ending with one `\n`).
    pub body: String,
    /// The front matter as a YAML block mapping, without `---` lines: `id`, `title`, `url`,
    /// `created_time`, `last_edited_time`, then every property by name (a property named like
    /// one of those keys gets ` (property)` appended). Empty without a page.
    pub front_matter: String,
    /// The page title as plain text (empty without a page).
    pub title: String,
    /// The number of blocks in the tree.
    pub block_count: usize,
    /// The block types rendered as a placeholder, sorted and unique: an unknown type's name,
    /// `unsupported:<block_type>` (`unsupported` without one), `synced_block` (original not
    /// available), `link_to_page` (a link to a comment), `partial` (a block without its
    /// content), a media type without a URL.
    pub unrendered: Vec<String>,
    /// Originals of duplicate synced blocks that were neither in the tree nor known to the
    /// resolver (rendered as a placeholder).
    pub missing_synced: Vec<Id>,
}

/// Renders a page: its front matter from `page` (none without one) and its blocks from `tree`.
pub fn render_page(
    page: Option<&Page>,
    tree: &PageTree,
    resolver: &dyn Resolver,
    options: &RenderOptions,
) -> Rendered {
    let body = render::body(tree, resolver, options);
    let (title, front_matter) = match page {
        Some(page) => {
            let title = page
                .title_property()
                .and_then(|(_, value)| value.rich_text())
                .map(|items| rich_text_plain(items, Some(resolver)))
                .unwrap_or_default();
            let yaml = front_matter::front_matter(page, &title, resolver);
            (title, yaml)
        }
        None => (String::new(), String::new()),
    };
    let markdown = if options.front_matter && !front_matter.is_empty() {
        let separator = if body.markdown.is_empty() { "" } else { "\n" };
        format!("---\n{front_matter}---\n{separator}{}", body.markdown)
    } else {
        body.markdown.clone()
    };
    Rendered {
        markdown,
        body: body.markdown,
        front_matter,
        title,
        block_count: tree.len(),
        unrendered: body.unrendered.into_iter().collect(),
        missing_synced: body.missing_synced,
    }
}

/// The README's example, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
