//! The block tree as Markdown.
//!
//! Rendering is iterative: a stack of frames on the heap, one per container whose content is
//! indented (list items, quotes, callouts) or wrapped (toggles as `<details>`), each holding the
//! items still to render as a stack. Containers that add no Markdown structure (column lists
//! and columns, synced blocks, toggleable headings, tabs, meeting-notes sections, children of
//! paragraphs) splice their children into the current frame. A pathological tree therefore
//! cannot overflow the call stack, and indentation stops growing at
//! [`RenderOptions::max_indent`](crate::RenderOptions) levels (deeper content stays in order,
//! at that indentation).

use std::collections::{BTreeSet, HashSet};
use std::ptr;

use notion_model::FileKind;
use notion_model::block::{
    Callout, Code, LinkToPageKind, Media, MeetingNotes, SyncedFromKind, Table, UrlBlock,
};
use notion_model::icon::IconKind;
use notion_model::rich_text::RichText;
use notion_model::{Block, BlockKind, Id};

use crate::escape;
use crate::inline::{self, Context, notion_url};
use crate::language;
use crate::plain::rich_text_plain;
use crate::{PageTree, RenderOptions, Resolver};

/// The most columns a table's declared width adds to its rows' own cells.
const MAX_DECLARED_COLUMNS: usize = 256;

/// What rendering the blocks produced.
pub(crate) struct Body {
    pub(crate) markdown: String,
    pub(crate) unrendered: BTreeSet<String>,
    pub(crate) missing_synced: Vec<Id>,
}

/// Renders the blocks of `tree` (its root's children, then blocks not reachable from the root).
pub(crate) fn body(tree: &PageTree, resolver: &dyn Resolver, options: &RenderOptions) -> Body {
    let mut r = Renderer {
        main: tree,
        resolver,
        options,
        out: String::new(),
        frames: Vec::new(),
        unrendered: BTreeSet::new(),
        missing_synced: Vec::new(),
        touched: HashSet::new(),
        seen: HashSet::new(),
        serials: 0,
        open_synced: Vec::new(),
    };
    let root = tree.root();
    let mut frame = Frame::new(String::new(), First::None, 0, End::Root);
    frame.push_children(tree, root, 0);
    r.frames.push(frame);
    r.drain();

    // Blocks whose parent is missing, then blocks caught in a cycle of parents; in an order
    // that does not depend on the order blocks were inserted in.
    let untouched: Vec<Id> = tree
        .ids_by_parent_and_position()
        .into_iter()
        .filter(|id| !r.touched.contains(id))
        .collect();
    let orphans: Vec<Id> = untouched
        .iter()
        .copied()
        .filter(|id| {
            tree.parent_of(*id)
                .is_some_and(|p| p != root && tree.get(p).is_none())
        })
        .collect();
    r.push_items(orphans.iter().map(|id| Item::Block {
        tree,
        id: *id,
        serial: 0,
        group: (0, tree.parent_of(*id).unwrap_or(root)),
    }));
    r.drain();
    for id in untouched {
        if !r.touched.contains(&id) {
            r.push_items([Item::Block {
                tree,
                id,
                serial: 0,
                group: (0, id),
            }]);
            r.drain();
        }
    }

    let mut markdown = r.out;
    let trimmed = markdown.trim_end_matches('\n').len();
    markdown.truncate(trimmed);
    if !markdown.is_empty() {
        markdown.push('\n');
    }
    Body {
        markdown,
        unrendered: r.unrendered,
        missing_synced: r.missing_synced,
    }
}

/// The kind of list a list item belongs to: bulleted and to-do items share `-` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ListKind {
    Bullet,
    Ordered,
}

/// How a list item starts.
struct Marker {
    kind: ListKind,
    /// `- `, `- [x] `, `12. `.
    text: String,
    /// The indentation of the item's content and children.
    width: usize,
    /// The number of a numbered item (0 for others).
    number: u64,
}

impl Marker {
    fn bullet(text: &str) -> Self {
        Marker {
            kind: ListKind::Bullet,
            text: text.to_owned(),
            width: 2,
            number: 0,
        }
    }

    /// `n. `; CommonMark reads at most nine digits.
    fn number(n: u64) -> Self {
        let number = n.min(999_999_999);
        let text = format!("{number}. ");
        Marker {
            kind: ListKind::Ordered,
            width: text.len(),
            text,
            number,
        }
    }
}

/// The Notion parent a block was listed under (with its expansion serial): lists continue only
/// between items of the same parent.
type Group = (u32, Id);

/// Something to render.
enum Item<'a> {
    /// A block of `tree`. `serial` numbers the expansion it belongs to (0: the page itself; each
    /// duplicate synced block renders its original's blocks again under a new serial).
    Block {
        tree: &'a PageTree,
        id: Id,
        serial: u32,
        group: Group,
    },
    /// A block rendered as a bold title followed by its children: a tab, a meeting-notes
    /// section (`label`), or a tab item (`label` empty: the title is the block's text).
    Section {
        tree: &'a PageTree,
        id: Id,
        serial: u32,
        label: &'static str,
    },
    /// The end of a synced block's expansion.
    EndSynced(Id),
}

/// The separator before a frame's first block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum First {
    /// Nothing (the page, a quote without text).
    None,
    /// A blank line.
    Blank,
    /// Nothing if the first block is a list item that may interrupt the item's text (a bullet,
    /// or a numbered item starting at 1), else a blank line.
    Tight,
}

/// What closes a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Root,
    Item,
    Quote,
    Details,
}

/// The previous block written in a frame.
#[derive(Clone, Copy, Debug)]
struct Prev {
    list: Option<(ListKind, Group)>,
    number: u64,
    /// The next list item needs a blank line before it (the item held more than text and
    /// tight lists, or was HTML).
    blank_after: bool,
}

struct Frame<'a> {
    /// What every line of the frame starts with.
    prefix: String,
    first: First,
    /// Items still to render, last first.
    items: Vec<Item<'a>>,
    prev: Option<Prev>,
    started: bool,
    /// The frame holds something other than text and tight lists.
    loose: bool,
    /// Indentation levels (list items, quotes) above the frame's content.
    depth: usize,
    end: End,
}

impl<'a> Frame<'a> {
    fn new(prefix: String, first: First, depth: usize, end: End) -> Self {
        Frame {
            prefix,
            first,
            items: Vec::new(),
            prev: None,
            started: false,
            loose: false,
            depth,
            end,
        }
    }

    fn push_children(&mut self, tree: &'a PageTree, parent: Id, serial: u32) {
        self.push_children_as(tree, parent, serial, (serial, parent));
    }

    /// Pushes `parent`'s children as if they were listed under `group`'s parent.
    fn push_children_as(&mut self, tree: &'a PageTree, parent: Id, serial: u32, group: Group) {
        self.items
            .extend(tree.child_ids(parent).iter().rev().map(|id| Item::Block {
                tree,
                id: *id,
                serial,
                group,
            }));
    }
}

struct Renderer<'a> {
    main: &'a PageTree,
    resolver: &'a dyn Resolver,
    options: &'a RenderOptions,
    out: String,
    frames: Vec<Frame<'a>>,
    unrendered: BTreeSet<String>,
    missing_synced: Vec<Id>,
    /// Blocks of the page's own tree rendered (or deliberately left out) anywhere.
    touched: HashSet<Id>,
    /// `(serial, block)` pairs rendered: a block renders once per expansion.
    seen: HashSet<(u32, Id)>,
    serials: u32,
    /// Originals of the synced blocks being expanded (a duplicate inside its own original
    /// is not expanded again).
    open_synced: Vec<Id>,
}

impl<'a> Renderer<'a> {
    fn frame(&mut self) -> Option<&mut Frame<'a>> {
        self.frames.last_mut()
    }

    fn push_items(&mut self, items: impl IntoIterator<Item = Item<'a>>) {
        let mut items: Vec<Item<'a>> = items.into_iter().collect();
        items.reverse();
        if let Some(frame) = self.frame() {
            frame.items.extend(items);
        }
    }

    fn splice_children(&mut self, tree: &'a PageTree, parent: Id, serial: u32) {
        if let Some(frame) = self.frame() {
            frame.push_children(tree, parent, serial);
        }
    }

    /// Renders items until only the page's frame is left, with nothing in it.
    fn drain(&mut self) {
        loop {
            let Some(frame) = self.frames.last_mut() else {
                return;
            };
            match frame.items.pop() {
                Some(item) => self.item(item),
                None if self.frames.len() > 1 => self.end_frame(),
                None => return,
            }
        }
    }

    fn end_frame(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        if frame.end == End::Details {
            self.line(&frame.prefix, "");
            self.line(&frame.prefix, "</details>");
        }
        let html = frame.end == End::Details;
        if let Some(parent) = self.frame() {
            parent.loose |= frame.loose || html;
            if let Some(prev) = &mut parent.prev {
                prev.blank_after |= frame.loose || html;
            }
        }
    }

    /// Marks a block as rendered in expansion `serial`; false if it already was.
    fn visit(&mut self, tree: &PageTree, id: Id, serial: u32) -> bool {
        if !self.seen.insert((serial, id)) {
            return false;
        }
        if ptr::eq(tree, self.main) {
            self.touched.insert(id);
        }
        true
    }

    /// Marks a block and its descendants as deliberately left out.
    fn skip_subtree(&mut self, tree: &PageTree, id: Id) {
        if !ptr::eq(tree, self.main) {
            return;
        }
        self.touched.insert(id);
        let mut stack = tree.child_ids(id).to_vec();
        while let Some(id) = stack.pop() {
            if self.touched.insert(id) {
                stack.extend_from_slice(tree.child_ids(id));
            }
        }
    }

    fn item(&mut self, item: Item<'a>) {
        match item {
            Item::EndSynced(id) => {
                if let Some(at) = self.open_synced.iter().rposition(|o| *o == id) {
                    self.open_synced.remove(at);
                }
            }
            Item::Section {
                tree,
                id,
                serial,
                label,
            } => self.section(tree, id, serial, label),
            Item::Block {
                tree,
                id,
                serial,
                group,
            } => self.block(tree, id, serial, group),
        }
    }

    // ---- writing -------------------------------------------------------------------------

    fn line(&mut self, prefix: &str, text: &str) {
        if text.is_empty() {
            self.out.push_str(prefix.trim_end());
        } else {
            self.out.push_str(prefix);
            self.out.push_str(text);
        }
        self.out.push('\n');
    }

    /// Writes `text`'s lines: the first after `first`, the others after `rest`.
    fn lines(&mut self, first: &str, rest: &str, text: &str) {
        for (i, line) in text.split('\n').enumerate() {
            self.line(if i == 0 { first } else { rest }, line);
        }
    }

    /// Starts a block in the current frame: writes the separator it needs after the previous
    /// block and returns the frame's prefix. `list` is the list a list item belongs to.
    fn begin(&mut self, list: Option<(ListKind, Group, u64)>) -> String {
        let Some(frame) = self.frames.last_mut() else {
            return String::new();
        };
        let blank = if !frame.started {
            match frame.first {
                First::None => false,
                First::Blank => true,
                First::Tight => !matches!(
                    list,
                    Some((ListKind::Bullet, _, _)) | Some((ListKind::Ordered, _, 1))
                ),
            }
        } else {
            match (frame.prev, list) {
                (Some(prev), Some((kind, group, _))) => {
                    prev.blank_after || prev.list != Some((kind, group))
                }
                _ => true,
            }
        };
        frame.started = true;
        if list.is_none() || blank {
            frame.loose = true;
        }
        frame.prev = Some(Prev {
            list: list.map(|(kind, group, _)| (kind, group)),
            number: list.map_or(0, |(_, _, n)| n),
            blank_after: false,
        });
        let prefix = frame.prefix.clone();
        if blank {
            self.line(&prefix, "");
        }
        prefix
    }

    /// A paragraph of inline Markdown.
    fn paragraph(&mut self, text: &str) {
        let prefix = self.begin(None);
        self.lines(&prefix, &prefix, text);
    }

    /// An HTML comment on its own line.
    fn comment(&mut self, text: &str) {
        self.paragraph(&format!("<!-- {text} -->"));
    }

    fn inline(&self, items: Option<&[RichText]>, ctx: Context) -> String {
        inline::render(items.unwrap_or_default(), ctx, false, self.resolver)
    }

    /// Pushes a frame for a container's children, or splices them into the current frame past
    /// the indentation limit.
    #[allow(clippy::too_many_arguments)]
    fn open_frame(
        &mut self,
        tree: &'a PageTree,
        id: Id,
        serial: u32,
        group: Group,
        prefix: String,
        first: First,
        end: End,
    ) {
        let depth = self.frame().map_or(0, |f| f.depth);
        let indents = end != End::Details;
        if indents && depth >= self.options.max_indent {
            // Past the limit, children follow as siblings (a list continues).
            if let Some(frame) = self.frame() {
                frame.push_children_as(tree, id, serial, group);
            }
            return;
        }
        let mut frame = Frame::new(prefix, first, depth + usize::from(indents), end);
        frame.push_children(tree, id, serial);
        self.frames.push(frame);
    }

    // ---- blocks --------------------------------------------------------------------------

    fn block(&mut self, tree: &'a PageTree, id: Id, serial: u32, group: Group) {
        let Some(block) = tree.get(id) else {
            return;
        };
        if !self.visit(tree, id, serial) {
            return;
        }
        if block.is_trashed() {
            self.skip_subtree(tree, id);
            return;
        }
        let Some(kind) = &block.kind else {
            self.comment("block without content");
            self.unrendered.insert("partial".to_owned());
            self.splice_children(tree, id, serial);
            return;
        };
        match kind {
            BlockKind::Paragraph(p) => {
                let text = self.inline(p.rich_text.as_deref(), Context::Paragraph);
                if text.is_empty() {
                    // An empty paragraph ends a list, as in Notion.
                    if let Some(frame) = self.frame() {
                        frame.prev = frame.prev.map(|p| Prev { list: None, ..p });
                    }
                } else {
                    self.paragraph(&text);
                }
                self.splice_children(tree, id, serial);
            }
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
                let text = self.inline(h.rich_text.as_deref(), Context::Heading);
                let hashes = "#".repeat(level);
                let line = if text.is_empty() {
                    hashes
                } else {
                    format!("{hashes} {text}")
                };
                self.paragraph(&line);
                self.splice_children(tree, id, serial);
            }
            BlockKind::BulletedListItem(t) => {
                let text = self.inline(t.rich_text.as_deref(), Context::Paragraph);
                self.list_item(tree, id, serial, group, Marker::bullet("- "), &text);
            }
            BlockKind::ToDo(t) => {
                let text = self.inline(t.rich_text.as_deref(), Context::Paragraph);
                let checked = t.checked == Some(true);
                let marker = Marker::bullet(if checked { "- [x] " } else { "- [ ] " });
                self.list_item(tree, id, serial, group, marker, &text);
            }
            BlockKind::NumberedListItem(n) => {
                let text = self.inline(n.rich_text.as_deref(), Context::Paragraph);
                let previous =
                    self.frames.last().and_then(|f| f.prev).and_then(|p| {
                        (p.list == Some((ListKind::Ordered, group))).then_some(p.number)
                    });
                let number = match previous {
                    Some(previous) => previous.saturating_add(1),
                    None => n
                        .list_start_index
                        .as_ref()
                        .and_then(serde_json::Number::as_u64)
                        .unwrap_or(1),
                };
                self.list_item(tree, id, serial, group, Marker::number(number), &text);
            }
            BlockKind::Quote(t) => {
                let text = self.inline(t.rich_text.as_deref(), Context::Paragraph);
                self.quote(tree, id, serial, text);
            }
            BlockKind::Callout(c) => {
                let text = self.callout_text(c);
                self.quote(tree, id, serial, text);
            }
            BlockKind::Toggle(t) => self.details(tree, id, serial, t.rich_text.as_deref()),
            BlockKind::Template(t) => self.details(tree, id, serial, t.rich_text.as_deref()),
            BlockKind::SyncedBlock(s) => {
                match s
                    .synced_from
                    .as_ref()
                    .and_then(Option::as_ref)
                    .map(|f| &f.kind)
                {
                    Some(SyncedFromKind::Block(original)) => {
                        self.synced_duplicate(tree, id, serial, *original);
                    }
                    _ => self.splice_children(tree, id, serial),
                }
            }
            BlockKind::ChildPage(c) | BlockKind::ChildDatabase(c) => {
                let title = c
                    .title
                    .clone()
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "Untitled".to_owned());
                self.paragraph(&link(&title, &notion_url(id)));
                // The content is a page or database of its own.
                self.skip_subtree(tree, id);
            }
            BlockKind::LinkToPage(l) => {
                let (title, target) = match &l.kind {
                    LinkToPageKind::Page(page) => (self.resolver.page_title(*page), *page),
                    LinkToPageKind::Database(db) => (self.resolver.database_title(*db), *db),
                    other => {
                        let what = match other {
                            LinkToPageKind::Comment(c) => format!("link to comment {c}"),
                            _ => format!("link to {}", escape::comment_safe(other.type_name())),
                        };
                        self.comment(&what);
                        self.unrendered.insert("link_to_page".to_owned());
                        return;
                    }
                };
                let url = notion_url(target);
                let text = match title.filter(|t| !t.is_empty()) {
                    Some(title) => link(&title, &url),
                    None => format!("<{url}>"),
                };
                self.paragraph(&text);
            }
            BlockKind::Equation(e) => {
                let text = display_math(&e.expression);
                self.paragraph(&text);
            }
            BlockKind::Code(c) => self.code(c),
            BlockKind::Divider(_) => self.paragraph("---"),
            BlockKind::Breadcrumb(_) => self.comment("breadcrumb"),
            BlockKind::TableOfContents(_) => self.comment("table of contents"),
            BlockKind::ColumnList(_) | BlockKind::Column(_) => {
                self.splice_children(tree, id, serial)
            }
            BlockKind::Table(t) => self.table(tree, id, serial, t),
            BlockKind::TableRow(row) => {
                let cells: Vec<String> = row
                    .cells
                    .iter()
                    .flatten()
                    .map(|cell| inline::render(cell, Context::TableCell, false, self.resolver))
                    .collect();
                self.paragraph(&cells.join(" \\| "));
            }
            BlockKind::Embed(u) | BlockKind::Bookmark(u) => {
                let text = self.url_block(u);
                self.paragraph(&text);
                self.splice_children(tree, id, serial);
            }
            BlockKind::Image(m) => {
                let text = match m.kind.url() {
                    Some(url) => {
                        let alt = self.inline(m.caption.as_deref(), Context::LinkText);
                        let mut out = format!("![{alt}](");
                        escape::push_destination(&mut out, url, false);
                        out.push(')');
                        out
                    }
                    None => self.media_without_url("image"),
                };
                self.paragraph(&text);
                self.splice_children(tree, id, serial);
            }
            BlockKind::Video(m) | BlockKind::Pdf(m) | BlockKind::File(m) | BlockKind::Audio(m) => {
                let text = self.media(m, kind.type_name());
                self.paragraph(&text);
                self.splice_children(tree, id, serial);
            }
            BlockKind::LinkPreview(l) => {
                let text = if escape::is_autolink(&l.url, false) {
                    format!("<{}>", l.url)
                } else {
                    link(&l.url, &l.url)
                };
                self.paragraph(&text);
            }
            BlockKind::Tab(_) => {
                let items: Vec<Item<'a>> = tree
                    .child_ids(id)
                    .iter()
                    .map(|child| Item::Section {
                        tree,
                        id: *child,
                        serial,
                        label: "",
                    })
                    .collect();
                self.push_items(items);
            }
            BlockKind::MeetingNotes(m) => self.meeting_notes(tree, id, serial, m),
            BlockKind::Unsupported(u) => {
                let name = u
                    .block_type
                    .as_deref()
                    .map(escape::comment_safe)
                    .filter(|n| !n.is_empty());
                match name {
                    Some(name) => {
                        self.comment(&format!("unsupported block: {name}"));
                        self.unrendered.insert(format!("unsupported:{name}"));
                    }
                    None => {
                        self.comment("unsupported block");
                        self.unrendered.insert("unsupported".to_owned());
                    }
                }
                self.splice_children(tree, id, serial);
            }
            other => {
                let name = escape::comment_safe(other.type_name());
                self.comment(&format!("unknown block type: {name}"));
                self.unrendered.insert(name);
                self.splice_children(tree, id, serial);
            }
        }
    }

    fn list_item(
        &mut self,
        tree: &'a PageTree,
        id: Id,
        serial: u32,
        group: Group,
        marker: Marker,
        text: &str,
    ) {
        let prefix = self.begin(Some((marker.kind, group, marker.number)));
        let first = format!("{prefix}{}", marker.text);
        let rest = format!("{prefix}{}", " ".repeat(marker.width));
        self.lines(&first, &rest, text);
        if tree.has_children(id) {
            // An item whose first line is only its marker ends at a blank line: its children
            // follow at once.
            let empty = text.is_empty() && !marker.text.contains('[');
            let first = if empty { First::None } else { First::Tight };
            self.open_frame(tree, id, serial, group, rest, first, End::Item);
        }
    }

    fn quote(&mut self, tree: &'a PageTree, id: Id, serial: u32, text: String) {
        let prefix = self.begin(None);
        let quoted = format!("{prefix}> ");
        let has_children = tree.has_children(id);
        if !text.is_empty() || !has_children {
            self.lines(&quoted, &quoted, &text);
        }
        if has_children {
            let first = if text.is_empty() {
                First::None
            } else {
                First::Blank
            };
            self.open_frame(tree, id, serial, (serial, id), quoted, first, End::Quote);
        }
    }

    fn callout_text(&self, callout: &Callout) -> String {
        let text = self.inline(callout.rich_text.as_deref(), Context::Paragraph);
        let icon = match callout
            .icon
            .as_ref()
            .and_then(Option::as_ref)
            .map(|i| &i.kind)
        {
            Some(IconKind::Emoji(emoji)) => {
                let mut out = String::new();
                escape::push_plain(&mut out, emoji);
                out
            }
            Some(IconKind::CustomEmoji(emoji)) => match emoji.name.as_deref() {
                Some(name) if !name.is_empty() => {
                    let mut out = String::new();
                    escape::push_plain(&mut out, &format!(":{name}:"));
                    out
                }
                _ => String::new(),
            },
            Some(IconKind::External(file)) => link("icon", &file.url),
            Some(IconKind::File(file)) => link("icon", &file.url),
            _ => String::new(),
        };
        match (icon.is_empty(), text.is_empty()) {
            (true, _) => text,
            (false, true) => icon,
            (false, false) => format!("{icon} {text}"),
        }
    }

    /// A toggle or template: `<details>` with the text as `<summary>` and the children inside.
    fn details(&mut self, tree: &'a PageTree, id: Id, serial: u32, text: Option<&[RichText]>) {
        let summary = escape::html(&rich_text_plain(
            text.unwrap_or_default(),
            Some(self.resolver),
        ));
        let prefix = self.begin(None);
        if tree.has_children(id) {
            self.line(&prefix, "<details>");
            self.line(&prefix, &format!("<summary>{summary}</summary>"));
            self.open_frame(
                tree,
                id,
                serial,
                (serial, id),
                prefix,
                First::Blank,
                End::Details,
            );
        } else {
            self.line(
                &prefix,
                &format!("<details><summary>{summary}</summary></details>"),
            );
            if let Some(prev) = self.frame().and_then(|f| f.prev.as_mut()) {
                prev.blank_after = true;
            }
        }
    }

    fn synced_duplicate(&mut self, tree: &'a PageTree, id: Id, serial: u32, original: Id) {
        if tree.has_children(id) {
            self.splice_children(tree, id, serial);
            return;
        }
        let source = if self.open_synced.contains(&original) {
            None
        } else if self.main.has_children(original) {
            Some((self.main, original))
        } else {
            self.resolver
                .synced_original(original)
                .map(|t| (t, t.root()))
        };
        match source {
            Some((source, root)) => {
                self.serials += 1;
                let serial = self.serials;
                self.open_synced.push(original);
                if let Some(frame) = self.frame() {
                    frame.items.push(Item::EndSynced(original));
                    frame.push_children(source, root, serial);
                }
            }
            None => {
                self.comment(&format!("synced block: original {original} not available"));
                self.unrendered.insert("synced_block".to_owned());
                if !self.missing_synced.contains(&original) {
                    self.missing_synced.push(original);
                }
            }
        }
    }

    fn code(&mut self, code: &Code) {
        let text: String = code
            .rich_text
            .iter()
            .flatten()
            .map(RichText::text)
            .collect::<String>()
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        let info = language::fence_info(code.language.as_deref().unwrap_or_default());
        let fence = "`".repeat(escape::longest_run(&text, '`').max(2) + 1);
        let prefix = self.begin(None);
        self.line(&prefix, &format!("{fence}{info}"));
        if !text.is_empty() {
            self.lines(&prefix, &prefix, &text);
        }
        self.line(&prefix, &fence);
        let caption = self.inline(code.caption.as_deref(), Context::Paragraph);
        if !caption.is_empty() {
            self.paragraph(&caption);
        }
    }

    fn table(&mut self, tree: &'a PageTree, id: Id, serial: u32, table: &Table) {
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut others: Vec<Item<'a>> = Vec::new();
        for child in tree.child_ids(id) {
            match tree.get(*child).and_then(|b| b.kind.as_ref()) {
                Some(BlockKind::TableRow(row))
                    if !tree.get(*child).is_some_and(Block::is_trashed) =>
                {
                    if !self.visit(tree, *child, serial) {
                        continue;
                    }
                    let cells = row
                        .cells
                        .iter()
                        .flatten()
                        .enumerate()
                        .map(|(column, cell)| {
                            let header = table.has_row_header == Some(true) && column == 0;
                            inline::render(cell, Context::TableCell, header, self.resolver)
                        });
                    rows.push(cells.collect());
                }
                _ => others.push(Item::Block {
                    tree,
                    id: *child,
                    serial,
                    group: (serial, id),
                }),
            }
        }
        if !rows.is_empty() {
            // The declared width pads short rows, within reason: it is input, not a promise.
            let declared = table
                .table_width
                .and_then(|w| usize::try_from(w).ok())
                .unwrap_or(0)
                .min(MAX_DECLARED_COLUMNS);
            let width = rows
                .iter()
                .map(Vec::len)
                .chain([declared, 1])
                .max()
                .unwrap_or(1);
            let header = if table.has_column_header == Some(true) {
                rows.remove(0)
            } else {
                Vec::new()
            };
            let row_line = |cells: &[String]| {
                let mut line = String::from("|");
                for column in 0..width {
                    line.push(' ');
                    line.push_str(cells.get(column).map_or("", String::as_str));
                    line.push_str(" |");
                }
                line
            };
            let mut text = row_line(&header);
            text.push('\n');
            text.push_str(&"| --- ".repeat(width));
            text.push('|');
            for row in &rows {
                text.push('\n');
                text.push_str(&row_line(row));
            }
            self.paragraph(&text);
            if let Some(prev) = self.frame().and_then(|f| f.prev.as_mut()) {
                prev.blank_after = true;
            }
        }
        self.push_items(others);
    }

    fn url_block(&self, block: &UrlBlock) -> String {
        let url = block.url.as_deref().unwrap_or_default();
        let caption = self.inline(block.caption.as_deref(), Context::LinkText);
        if !caption.is_empty() {
            let mut out = format!("[{caption}](");
            escape::push_destination(&mut out, url, false);
            out.push(')');
            out
        } else if escape::is_autolink(url, false) {
            format!("<{url}>")
        } else {
            link(url, url)
        }
    }

    /// A video, audio, PDF or file: a link whose text is the caption, else the file's name,
    /// else (for a file Notion hosts, whose URL is long and signed) the last segment of its
    /// URL's path; else the URL itself.
    fn media(&mut self, media: &Media, type_name: &str) -> String {
        let Some(url) = media.kind.url() else {
            return self.media_without_url(type_name);
        };
        let caption = self.inline(media.caption.as_deref(), Context::LinkText);
        let name = media
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| match media.kind {
                FileKind::File(_) => file_name(url),
                _ => None,
            });
        let text = match name {
            _ if !caption.is_empty() => caption,
            Some(name) => {
                let mut out = String::new();
                escape::push_plain(&mut out, &name);
                out
            }
            None if escape::is_autolink(url, false) => return format!("<{url}>"),
            None => return link(url, url),
        };
        let mut out = format!("[{text}](");
        escape::push_destination(&mut out, url, false);
        out.push(')');
        out
    }

    fn media_without_url(&mut self, type_name: &str) -> String {
        let name = escape::comment_safe(type_name);
        self.unrendered.insert(name.clone());
        format!("<!-- {name} without a URL -->")
    }

    fn meeting_notes(&mut self, tree: &'a PageTree, id: Id, serial: u32, notes: &MeetingNotes) {
        let mut title = inline::render(
            notes.title.as_deref().unwrap_or_default(),
            Context::Paragraph,
            true,
            self.resolver,
        );
        if title.is_empty() {
            title = inline::render_plain("Meeting notes", Context::Paragraph, true);
        }
        let mut lines = vec![title];
        if let Some(event) = &notes.calendar_event {
            let when = match (&event.start_time, &event.end_time) {
                (Some(start), Some(end)) => format!("{start} → {end}"),
                (Some(start), None) => start.clone(),
                _ => String::new(),
            };
            if !when.is_empty() {
                lines.push(inline::render_plain(&when, Context::Paragraph, false));
            }
            let names: Vec<String> = event
                .attendees
                .iter()
                .flatten()
                .map(|a| match self.resolver.user_name(*a) {
                    Some(name) => format!("@{name}"),
                    None => format!("@{a}"),
                })
                .collect();
            if !names.is_empty() {
                let attendees = format!("Attendees: {}", names.join(", "));
                lines.push(inline::render_plain(&attendees, Context::Paragraph, false));
            }
        }
        self.paragraph(&lines.join("\\\n"));

        let children = notes.children.as_ref();
        let summary = children.and_then(|c| c.summary_block_id);
        let notes_id = children.and_then(|c| c.notes_block_id);
        let transcript = children.and_then(|c| c.transcript_block_id);
        let mut items = Vec::new();
        for (section, label) in [(summary, "Summary"), (notes_id, "Notes")] {
            if let Some(section) = section {
                items.push(Item::Section {
                    tree,
                    id: section,
                    serial,
                    label,
                });
            }
        }
        if let Some(transcript) = transcript {
            if self.options.meeting_transcript {
                items.push(Item::Section {
                    tree,
                    id: transcript,
                    serial,
                    label: "Transcript",
                });
            } else {
                self.skip_subtree(tree, transcript);
            }
        }
        let sections = [summary, notes_id, transcript];
        let group = (serial, id);
        items.extend(
            tree.child_ids(id)
                .iter()
                .filter(|child| !sections.contains(&Some(**child)))
                .map(|child| Item::Block {
                    tree,
                    id: *child,
                    serial,
                    group,
                }),
        );
        self.push_items(items);
    }

    /// A tab item (its text as the title) or a meeting-notes section (`label` as the title),
    /// followed by its children.
    fn section(&mut self, tree: &'a PageTree, id: Id, serial: u32, label: &'static str) {
        let Some(block) = tree.get(id) else {
            return;
        };
        let title = if label.is_empty() {
            let Some(BlockKind::Paragraph(item)) = &block.kind else {
                // Not a tab item: an ordinary block.
                self.block(tree, id, serial, (serial, tree.parent_of(id).unwrap_or(id)));
                return;
            };
            let mut items: Vec<RichText> = Vec::new();
            if let Some(emoji) = item
                .icon
                .as_ref()
                .and_then(Option::as_ref)
                .and_then(|i| i.as_emoji())
            {
                items.push(RichText::plain(format!("{emoji} ")));
            }
            items.extend(item.rich_text.iter().flatten().cloned());
            inline::render(&items, Context::Paragraph, true, self.resolver)
        } else {
            inline::render_plain(label, Context::Paragraph, true)
        };
        if !self.visit(tree, id, serial) {
            return;
        }
        if block.is_trashed() {
            self.skip_subtree(tree, id);
            return;
        }
        if !title.is_empty() {
            self.paragraph(&title);
        }
        self.splice_children(tree, id, serial);
    }
}

/// `[text](url)` with `text` as plain text.
fn link(text: &str, url: &str) -> String {
    let mut out = String::from("[");
    escape::push_plain(&mut out, text);
    out.push_str("](");
    escape::push_destination(&mut out, url, false);
    out.push(')');
    out
}

/// The last segment of a URL's path, if any.
fn file_name(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let (_, after_scheme) = path.split_once("://").unwrap_or(("", path));
    let (_, path) = after_scheme.split_once('/')?;
    path.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A display equation: `$$`, the expression, `$$` on their own lines. When a line of the
/// expression could start a Markdown block, the expression is written on one line.
fn display_math(expression: &str) -> String {
    let lines: Vec<&str> = expression
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let escaped = |l: &str| l.replace('$', "\\$");
    let unsafe_start = |l: &&str| {
        let mut probe = l.to_string();
        escape::escape_line_start(&mut probe);
        probe.len() != l.len() || l.starts_with(['<', '|', '`', '~', '*', '_', '[', '!'])
    };
    if lines.is_empty() {
        return "$$ $$".to_owned();
    }
    if lines.iter().any(unsafe_start) {
        let joined: Vec<String> = lines.iter().map(|l| escaped(l)).collect();
        return format!("$${}$$", joined.join(" "));
    }
    let body: Vec<String> = lines.iter().map(|l| escaped(l)).collect();
    format!("$$\n{}\n$$", body.join("\n"))
}
