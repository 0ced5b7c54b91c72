//! Every block type.

use super::payload::*;
use crate::codec::tagged_kind;
use crate::rich_text::{Equation, LinkPreview, RichText, plain_text};
use crate::{Empty, FileKind};

tagged_kind! {
    /// The type of a block and its payload.
    ///
    /// `transcription` (API versions before 2026-03-11) is read as [`BlockKind::MeetingNotes`]
    /// with [`MeetingNotes::legacy_transcription`] set, and written back as `transcription`.
    #[derive(Debug, Clone, PartialEq)]
    pub enum BlockKind {
        /// `paragraph`
        Paragraph(Paragraph) = "paragraph",
        /// `heading_1`
        Heading1(Heading) = "heading_1",
        /// `heading_2`
        Heading2(Heading) = "heading_2",
        /// `heading_3`
        Heading3(Heading) = "heading_3",
        /// `heading_4` (since 2026-03-30)
        Heading4(Heading) = "heading_4",
        /// `bulleted_list_item`
        BulletedListItem(TextBlock) = "bulleted_list_item",
        /// `numbered_list_item`
        NumberedListItem(NumberedListItem) = "numbered_list_item",
        /// `quote`
        Quote(TextBlock) = "quote",
        /// `to_do`
        ToDo(ToDo) = "to_do",
        /// `toggle`
        Toggle(TextBlock) = "toggle",
        /// `template`
        Template(Template) = "template",
        /// `synced_block`
        SyncedBlock(SyncedBlock) = "synced_block",
        /// `child_page`
        ChildPage(ChildTitle) = "child_page",
        /// `child_database`
        ChildDatabase(ChildTitle) = "child_database",
        /// `equation`
        Equation(Equation) = "equation",
        /// `code`
        Code(Code) = "code",
        /// `callout`
        Callout(Callout) = "callout",
        /// `divider`
        Divider(Empty) = "divider",
        /// `breadcrumb`
        Breadcrumb(Empty) = "breadcrumb",
        /// `table_of_contents`
        TableOfContents(TableOfContents) = "table_of_contents",
        /// `column_list`
        ColumnList(Empty) = "column_list",
        /// `column`
        Column(Column) = "column",
        /// `link_to_page`
        LinkToPage(LinkToPage) = "link_to_page",
        /// `table`
        Table(Table) = "table",
        /// `table_row`
        TableRow(TableRow) = "table_row",
        /// `embed`
        Embed(UrlBlock) = "embed",
        /// `bookmark`
        Bookmark(UrlBlock) = "bookmark",
        /// `image`
        Image(Media) = "image",
        /// `video`
        Video(Media) = "video",
        /// `pdf`
        Pdf(Media) = "pdf",
        /// `file`
        File(Media) = "file",
        /// `audio`
        Audio(Media) = "audio",
        /// `link_preview`
        LinkPreview(LinkPreview) = "link_preview",
        /// `tab` (since 2026-03-25); its children are paragraphs, one per tab.
        Tab(Empty) = "tab",
        /// `meeting_notes`, or `transcription` before 2026-03-11.
        MeetingNotes(Box<MeetingNotes>) = "meeting_notes" | "transcription" => legacy_transcription,
        /// `unsupported`
        Unsupported(Unsupported) = "unsupported",
    }
}

impl BlockKind {
    /// A paragraph of plain text.
    pub fn paragraph(text: impl Into<String>) -> Self {
        BlockKind::Paragraph(Paragraph::new(vec![RichText::plain(text)]))
    }

    /// A heading of level 1 to 4 (other levels give level 4) of plain text.
    pub fn heading(level: u8, text: impl Into<String>) -> Self {
        let heading = Heading::new(vec![RichText::plain(text)]);
        match level {
            0 | 1 => BlockKind::Heading1(heading),
            2 => BlockKind::Heading2(heading),
            3 => BlockKind::Heading3(heading),
            _ => BlockKind::Heading4(heading),
        }
    }

    /// A bulleted list item of plain text.
    pub fn bulleted_list_item(text: impl Into<String>) -> Self {
        BlockKind::BulletedListItem(TextBlock::new(vec![RichText::plain(text)]))
    }

    /// A numbered list item of plain text.
    pub fn numbered_list_item(text: impl Into<String>) -> Self {
        BlockKind::NumberedListItem(NumberedListItem::new(vec![RichText::plain(text)]))
    }

    /// A to-do of plain text.
    pub fn to_do(text: impl Into<String>, checked: bool) -> Self {
        BlockKind::ToDo(ToDo::new(vec![RichText::plain(text)], checked))
    }

    /// A toggle of plain text.
    pub fn toggle(text: impl Into<String>) -> Self {
        BlockKind::Toggle(TextBlock::new(vec![RichText::plain(text)]))
    }

    /// A quote of plain text.
    pub fn quote(text: impl Into<String>) -> Self {
        BlockKind::Quote(TextBlock::new(vec![RichText::plain(text)]))
    }

    /// A code block.
    pub fn code(code: impl Into<String>, language: impl Into<String>) -> Self {
        BlockKind::Code(Code::new(code, language))
    }

    /// A child page block.
    pub fn child_page(title: impl Into<String>) -> Self {
        BlockKind::ChildPage(ChildTitle::new(title))
    }

    /// A child database block.
    pub fn child_database(title: impl Into<String>) -> Self {
        BlockKind::ChildDatabase(ChildTitle::new(title))
    }

    /// A divider.
    pub fn divider() -> Self {
        BlockKind::Divider(Empty::new())
    }

    /// An image block.
    pub fn image(file: FileKind) -> Self {
        BlockKind::Image(Media::new(file))
    }

    /// The rich text of text-like blocks (paragraphs, headings, list items, quotes, to-dos,
    /// toggles, callouts, code, templates) and the title of meeting notes.
    pub fn rich_text(&self) -> Option<&[RichText]> {
        let items = match self {
            BlockKind::Paragraph(p) => &p.rich_text,
            BlockKind::Heading1(h)
            | BlockKind::Heading2(h)
            | BlockKind::Heading3(h)
            | BlockKind::Heading4(h) => &h.rich_text,
            BlockKind::BulletedListItem(t) | BlockKind::Quote(t) | BlockKind::Toggle(t) => {
                &t.rich_text
            }
            BlockKind::NumberedListItem(n) => &n.rich_text,
            BlockKind::ToDo(t) => &t.rich_text,
            BlockKind::Callout(c) => &c.rich_text,
            BlockKind::Code(c) => &c.rich_text,
            BlockKind::Template(t) => &t.rich_text,
            BlockKind::MeetingNotes(m) => &m.title,
            _ => return None,
        };
        items.as_deref()
    }

    /// The readable text of the block: its rich text; the cells of a table row (joined by
    /// tabs); the title of a child page or database; an equation's expression; the caption of
    /// media, bookmarks and embeds; the URL of a link preview. Empty for other types.
    pub fn plain_text(&self) -> String {
        if let Some(items) = self.rich_text() {
            return plain_text(items);
        }
        match self {
            BlockKind::TableRow(row) => row.cell_texts().join("\t"),
            BlockKind::ChildPage(c) | BlockKind::ChildDatabase(c) => {
                c.title.clone().unwrap_or_default()
            }
            BlockKind::Equation(e) => e.expression.clone(),
            BlockKind::Image(m)
            | BlockKind::Video(m)
            | BlockKind::Pdf(m)
            | BlockKind::File(m)
            | BlockKind::Audio(m) => m.caption_text(),
            BlockKind::Bookmark(u) | BlockKind::Embed(u) => {
                u.caption.as_deref().map(plain_text).unwrap_or_default()
            }
            BlockKind::LinkPreview(l) => l.url.clone(),
            _ => String::new(),
        }
    }
}
