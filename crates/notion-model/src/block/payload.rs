//! Payloads of block types: what sits under `block[block.type]`.

use crate::codec::{object, tagged_kind};
use crate::file::FileKind;
use crate::rich_text::{RichText, plain_text};
use crate::{Color, Icon, Id};

object! {
    /// `paragraph` (also the items of a `tab` block, whose icon is the tab's icon).
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Paragraph {
        /// The text.
        opt rich_text: Vec<RichText>,
        /// Text or background color.
        opt color: Color,
        /// The icon of a tab item; `null` otherwise.
        null icon: Icon,
    }
}

object! {
    /// `heading_1` … `heading_4`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Heading {
        /// The text.
        opt rich_text: Vec<RichText>,
        /// Text or background color.
        opt color: Color,
        /// Whether the heading is a toggle with children.
        opt is_toggleable: bool,
    }
}

object! {
    /// `bulleted_list_item`, `quote`, `toggle`: text and color.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct TextBlock {
        /// The text.
        opt rich_text: Vec<RichText>,
        /// Text or background color.
        opt color: Color,
    }
}

object! {
    /// `numbered_list_item`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct NumberedListItem {
        /// The text.
        opt rich_text: Vec<RichText>,
        /// Text or background color.
        opt color: Color,
        /// The number the list starts at (first item only).
        opt list_start_index: serde_json::Number,
        /// `numbers`, `letters` or `roman`.
        opt list_format: String,
    }
}

object! {
    /// `to_do`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct ToDo {
        /// The text.
        opt rich_text: Vec<RichText>,
        /// Whether it is checked.
        opt checked: bool,
        /// Text or background color.
        opt color: Color,
    }
}

object! {
    /// `callout`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Callout {
        /// The text.
        opt rich_text: Vec<RichText>,
        /// The callout icon.
        null icon: Icon,
        /// Text or background color.
        opt color: Color,
    }
}

object! {
    /// `code`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Code {
        /// The code.
        opt rich_text: Vec<RichText>,
        /// The caption.
        opt caption: Vec<RichText>,
        /// The language (`rust`, `plain text`, …; about 90 values).
        opt language: String,
    }
}

object! {
    /// `template` (creation deprecated since 2023).
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Template {
        /// The button text.
        opt rich_text: Vec<RichText>,
    }
}

object! {
    /// `synced_block`: the original (`synced_from: null`) or a duplicate.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct SyncedBlock {
        /// The original block of a duplicate; `null` on the original.
        null synced_from: SyncedFrom,
    }
}

object! {
    /// Where a duplicate synced block comes from: `{type: "block_id", block_id}`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct SyncedFrom {}
    /// The original block.
    tag req kind: SyncedFromKind;
}

tagged_kind! {
    /// The kind of a [`SyncedFrom`].
    #[derive(Debug, Clone, PartialEq)]
    pub enum SyncedFromKind {
        /// `block_id`
        Block(Id) = "block_id",
    }
}

object! {
    /// `child_page` and `child_database`: the title as plain text.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct ChildTitle {
        /// The page or database title.
        opt title: String,
    }
}

object! {
    /// `table_of_contents`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct TableOfContents {
        /// The color.
        opt color: Color,
    }
}

object! {
    /// `column`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Column {
        /// The share of the row's width, between 0 and 1.
        opt width_ratio: serde_json::Number,
    }
}

object! {
    /// `link_to_page`: `{type: "page_id" | "database_id" | "comment_id", …}`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct LinkToPage {}
    /// The linked object.
    tag req kind: LinkToPageKind;
}

tagged_kind! {
    /// What a `link_to_page` block links to.
    #[derive(Debug, Clone, PartialEq)]
    pub enum LinkToPageKind {
        /// `page_id`
        Page(Id) = "page_id",
        /// `database_id`
        Database(Id) = "database_id",
        /// `comment_id`
        Comment(Id) = "comment_id",
    }
}

object! {
    /// `table`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Table {
        /// Number of columns.
        opt table_width: u64,
        /// Whether the first row is a header.
        opt has_column_header: bool,
        /// Whether the first column is a header.
        opt has_row_header: bool,
    }
}

object! {
    /// `table_row`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct TableRow {
        /// One rich-text array per cell.
        opt cells: Vec<Vec<RichText>>,
    }
}

object! {
    /// `bookmark` and `embed`: a URL and a caption.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct UrlBlock {
        /// The URL.
        opt url: String,
        /// The caption.
        opt caption: Vec<RichText>,
    }
}

object! {
    /// `image`, `video`, `pdf`, `audio` and `file`: a file object with a caption (and a name for
    /// `file`).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Media {
        /// The caption.
        opt caption: Vec<RichText>,
        /// The file name (`file` blocks).
        opt name: String,
    }
    /// Where the file lives.
    tag req kind: FileKind;
}

object! {
    /// `meeting_notes` (`transcription` before 2026-03-11).
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct MeetingNotes {
        /// The title.
        opt title: Vec<RichText>,
        /// `transcription_not_started`, `transcription_paused`, `transcription_in_progress`,
        /// `summary_in_progress` or `notes_ready`.
        opt status: String,
        /// The blocks holding the summary, notes and transcript.
        opt children: MeetingNotesChildren,
        /// The calendar event the meeting belongs to.
        opt calendar_event: CalendarEvent,
        /// When the recording ran.
        opt recording: Recording,
        /// Whether the block was read as type `transcription` (API versions before 2026-03-11);
        /// it is then written back under that name. Not a JSON member.
        skip legacy_transcription: bool,
    }
}

object! {
    /// The blocks a meeting-notes block points at.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct MeetingNotesChildren {
        /// The summary block.
        opt summary_block_id: Id,
        /// The notes block.
        opt notes_block_id: Id,
        /// The transcript block.
        opt transcript_block_id: Id,
    }
}

object! {
    /// The calendar event of meeting notes. Times are kept as text: an all-day event may carry
    /// a date rather than an RFC 3339 timestamp.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct CalendarEvent {
        /// Start.
        opt start_time: String,
        /// End.
        opt end_time: String,
        /// Attendee user ids.
        opt attendees: Vec<Id>,
    }
}

object! {
    /// When the recording of meeting notes ran.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Recording {
        /// Start (text, as sent).
        opt start_time: String,
        /// End (text, as sent).
        opt end_time: String,
    }
}

object! {
    /// `unsupported`: a block the API cannot represent; `block_type` names the real type
    /// (since 2026-03-02).
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Unsupported {
        /// The block's real type (`button`, `ai_block`, …).
        opt block_type: String,
    }
}

impl Paragraph {
    /// A paragraph with the default color and no icon.
    pub fn new(rich_text: Vec<RichText>) -> Self {
        Paragraph {
            rich_text: Some(rich_text),
            color: Some(Color::Default),
            icon: Some(None),
            extra: Default::default(),
        }
    }
}

impl Heading {
    /// A heading with the default color, not toggleable.
    pub fn new(rich_text: Vec<RichText>) -> Self {
        Heading {
            rich_text: Some(rich_text),
            color: Some(Color::Default),
            is_toggleable: Some(false),
            extra: Default::default(),
        }
    }
}

impl TextBlock {
    /// Text with the default color.
    pub fn new(rich_text: Vec<RichText>) -> Self {
        TextBlock {
            rich_text: Some(rich_text),
            color: Some(Color::Default),
            extra: Default::default(),
        }
    }
}

impl NumberedListItem {
    /// A numbered item with the default color.
    pub fn new(rich_text: Vec<RichText>) -> Self {
        NumberedListItem {
            rich_text: Some(rich_text),
            color: Some(Color::Default),
            ..Default::default()
        }
    }
}

impl ToDo {
    /// A to-do with the default color.
    pub fn new(rich_text: Vec<RichText>, checked: bool) -> Self {
        ToDo {
            rich_text: Some(rich_text),
            checked: Some(checked),
            color: Some(Color::Default),
            extra: Default::default(),
        }
    }
}

impl Callout {
    /// A callout with an icon and the default color.
    pub fn new(rich_text: Vec<RichText>, icon: Option<Icon>) -> Self {
        Callout {
            rich_text: Some(rich_text),
            icon: Some(icon),
            color: Some(Color::Default),
            extra: Default::default(),
        }
    }
}

impl Code {
    /// A code block without a caption.
    pub fn new(code: impl Into<String>, language: impl Into<String>) -> Self {
        Code {
            rich_text: Some(vec![RichText::plain(code)]),
            caption: Some(Vec::new()),
            language: Some(language.into()),
            extra: Default::default(),
        }
    }
}

impl ChildTitle {
    /// A child page or database title.
    pub fn new(title: impl Into<String>) -> Self {
        ChildTitle {
            title: Some(title.into()),
            extra: Default::default(),
        }
    }
}

impl Media {
    /// A file block payload without a caption.
    pub fn new(kind: FileKind) -> Self {
        Media {
            caption: Some(Vec::new()),
            name: None,
            kind,
            extra: Default::default(),
        }
    }

    /// The caption as plain text.
    pub fn caption_text(&self) -> String {
        self.caption.as_deref().map(plain_text).unwrap_or_default()
    }
}

impl TableRow {
    /// A row of plain-text cells.
    pub fn new(cells: Vec<Vec<RichText>>) -> Self {
        TableRow {
            cells: Some(cells),
            extra: Default::default(),
        }
    }

    /// The cells as plain text, in order.
    pub fn cell_texts(&self) -> Vec<String> {
        self.cells
            .iter()
            .flatten()
            .map(|cell| plain_text(cell))
            .collect()
    }
}
