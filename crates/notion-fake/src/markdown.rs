//! `GET /v1/pages/{id}/markdown`: a page's content (or a block's subtree) as Notion's enhanced
//! markdown.
//!
//! The content is the block tree the block-children endpoint serves, rendered in one pass:
//! children indented by tabs, Notion's tags for toggles, callouts, columns, tables, synced
//! blocks, media, child pages and mentions, special characters escaped with backslashes
//! outside code. One response renders at most the block limit
//! ([`Options::markdown_block_limit`](crate::Options::markdown_block_limit)): a child subtree
//! that does not fit in what is left is omitted whole, replaced by an `<unknown …/>` tag and
//! listed in `unknown_block_ids`, and `truncated` is true. The same endpoint called with such a
//! block id renders that block and its subtree under the same limit, so following the ids
//! always ends.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use notion_model::block::BlockKind;
use notion_model::rich_text::{MentionKind, RichTextKind};
use notion_model::{ApiVersion, Block, Color, FileKind, Id, PageMarkdown, RichText};

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::workspace::{Found, Workspace};

/// Blocks one markdown response renders at most, unless configured otherwise.
pub(crate) const DEFAULT_BLOCK_LIMIT: usize = 200;

/// A block and its content as the markdown renders it.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) block: Block,
    pub(crate) children: Vec<Node>,
    /// Blocks in this subtree, the block included.
    size: usize,
}

impl Node {
    /// `child_page` and `child_database` blocks: a link to their own content.
    fn is_reference(&self) -> bool {
        matches!(
            self.block.kind,
            Some(BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_))
        )
    }
}

/// The content under `id` (a page or a block), as trees: what the block-children endpoint
/// lists, recursively. Child pages and child databases are leaves; a duplicate synced block
/// holds its original's children.
pub(crate) fn content(ws: &Workspace, id: &Id, now: DateTime<Utc>) -> Vec<Node> {
    ws.children_blocks(id, now)
        .unwrap_or_default()
        .into_iter()
        .map(|b| node(ws, b, now, 0))
        .collect()
}

/// Nesting deeper than this is not followed (synced blocks cannot form cycles in the fake,
/// but nothing here may loop on any input).
const MAX_DEPTH: usize = 64;

fn node(ws: &Workspace, block: Block, now: DateTime<Utc>, depth: usize) -> Node {
    let leaf = matches!(
        block.kind,
        Some(BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_))
    ) || !block.has_children()
        || depth >= MAX_DEPTH;
    let children: Vec<Node> = if leaf {
        Vec::new()
    } else {
        ws.children_blocks(&block.id, now)
            .unwrap_or_default()
            .into_iter()
            .map(|b| node(ws, b, now, depth + 1))
            .collect()
    };
    let size = 1 + children.iter().map(|c| c.size).sum::<usize>();
    Node {
        block,
        children,
        size,
    }
}

/// Which children one response renders within `left` blocks: each child subtree whole, or
/// not at all (child pages and databases always: their content is not inline).
fn fits(children: &[Node], left: &mut usize) -> Vec<bool> {
    children
        .iter()
        .map(|c| {
            if c.is_reference() || c.size <= *left {
                *left = left.saturating_sub(c.size);
                true
            } else {
                false
            }
        })
        .collect()
}

/// The requests that read content of `children` completely: this one and a follow-up for
/// every omitted subtree (`root_line`: the response renders its root block first).
pub(crate) fn requests(children: &[Node], limit: usize, root_line: bool) -> u64 {
    let mut left = limit.saturating_sub(usize::from(root_line));
    let mut n = 1;
    for (c, fit) in children.iter().zip(fits(children, &mut left)) {
        if !fit {
            n += requests(&c.children, limit, true);
        }
    }
    n
}

/// Options of one rendering.
struct Render<'a> {
    out: String,
    unknown: Vec<Id>,
    page_url: &'a str,
    include_transcript: bool,
}

fn simple_url(id: &Id) -> String {
    format!("https://app.notion.com/p/{}", id.simple())
}

/// Escapes Notion's special characters outside code.
fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*' | '~' | '`' | '$' | '[' | ']' | '<' | '>' | '{' | '}' | '|' | '^'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
}

fn attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;")
}

/// Rich text as inline enhanced markdown.
fn rich(items: &[RichText]) -> String {
    let mut out = String::new();
    for item in items {
        let plain = item.plain_text.clone().unwrap_or_default();
        let mut text = String::new();
        match &item.kind {
            RichTextKind::Text(t) => {
                let a = item.annotations.clone().unwrap_or_default();
                if a.code == Some(true) {
                    text.push('`');
                    text.push_str(&t.content);
                    text.push('`');
                } else {
                    escape(&t.content, &mut text);
                }
                if a.bold == Some(true) {
                    text = format!("**{text}**");
                }
                if a.italic == Some(true) {
                    text = format!("*{text}*");
                }
                if a.strikethrough == Some(true) {
                    text = format!("~~{text}~~");
                }
                if a.underline == Some(true) {
                    text = format!("<span underline=\"true\">{text}</span>");
                }
                if let Some(c) = a.color.filter(|c| *c != Color::Default) {
                    text = format!("<span color=\"{}\">{text}</span>", attr(c.as_str()));
                }
                if let Some(url) = t.link.clone().flatten().map(|l| l.url) {
                    text = format!("[{text}]({url})");
                }
            }
            RichTextKind::Equation(e) => {
                text = format!("${}$", e.expression);
            }
            RichTextKind::Mention(m) => {
                let mut inner = String::new();
                escape(&plain, &mut inner);
                text = match &m.kind {
                    MentionKind::User(u) => format!(
                        "<mention-user url=\"user://{}\">{inner}</mention-user>",
                        u.id
                    ),
                    MentionKind::Page(p) => format!(
                        "<mention-page url=\"{}\">{inner}</mention-page>",
                        simple_url(&p.id)
                    ),
                    MentionKind::Database(d) => format!(
                        "<mention-database url=\"{}\">{inner}</mention-database>",
                        simple_url(&d.id)
                    ),
                    MentionKind::Date(d) => match d.end.clone().flatten() {
                        Some(end) => format!(
                            "<mention-date start=\"{}\" end=\"{}\"/>",
                            attr(&d.start),
                            attr(&end)
                        ),
                        None => format!("<mention-date start=\"{}\"/>", attr(&d.start)),
                    },
                    _ => match &item.href.clone().flatten() {
                        Some(url) => format!("[{inner}]({url})"),
                        None => inner,
                    },
                };
            }
            _ => escape(&plain, &mut text),
        }
        out.push_str(&text);
    }
    out
}

impl Render<'_> {
    fn line(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.out.push('\t');
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// The `<unknown …/>` tag of an omitted subtree, which is listed in `unknown_block_ids`.
    fn omitted(&mut self, n: &Node, indent: usize) {
        self.unknown.push(n.block.id);
        let alt = n.block.type_name().unwrap_or("block").to_owned();
        let tag = format!(
            "<unknown url=\"{}#{}\" alt=\"{}\"/>",
            self.page_url,
            n.block.id.simple(),
            attr(&alt)
        );
        self.line(indent, &tag);
    }

    /// Renders `children` within `left` blocks; omitted subtrees become `<unknown …/>` tags.
    fn children(&mut self, children: &[Node], indent: usize, left: &mut usize) {
        for (c, fit) in children.iter().zip(fits(children, left)) {
            if fit {
                let mut all = usize::MAX;
                self.block(c, indent, &mut all);
            } else {
                self.omitted(c, indent);
            }
        }
    }

    /// Renders a block, and its children within `left` blocks.
    fn block(&mut self, n: &Node, indent: usize, left: &mut usize) {
        let kids = |r: &mut Self, indent: usize, left: &mut usize| {
            r.children(&n.children, indent, left);
        };
        let Some(kind) = &n.block.kind else {
            return;
        };
        let rt = |k: &BlockKind| k.rich_text().map(rich).unwrap_or_default();
        match kind {
            BlockKind::Paragraph(_) | BlockKind::Template(_) => {
                let text = rt(kind);
                self.line(
                    indent,
                    if text.is_empty() {
                        "<empty-block/>"
                    } else {
                        &text
                    },
                );
                kids(self, indent + 1, left);
            }
            BlockKind::Heading1(_)
            | BlockKind::Heading2(_)
            | BlockKind::Heading3(_)
            | BlockKind::Heading4(_) => {
                let hashes = match kind {
                    BlockKind::Heading1(_) => "#",
                    BlockKind::Heading2(_) => "##",
                    BlockKind::Heading3(_) => "###",
                    _ => "####",
                };
                self.line(indent, &format!("{hashes} {}", rt(kind)));
                kids(self, indent + 1, left);
            }
            BlockKind::BulletedListItem(_) => {
                self.line(indent, &format!("- {}", rt(kind)));
                kids(self, indent + 1, left);
            }
            BlockKind::NumberedListItem(_) => {
                self.line(indent, &format!("1. {}", rt(kind)));
                kids(self, indent + 1, left);
            }
            BlockKind::ToDo(t) => {
                let mark = if t.checked == Some(true) { "x" } else { " " };
                self.line(indent, &format!("- [{mark}] {}", rt(kind)));
                kids(self, indent + 1, left);
            }
            BlockKind::Quote(_) => {
                self.line(indent, &format!("> {}", rt(kind)));
                kids(self, indent + 1, left);
            }
            BlockKind::Toggle(_) => {
                self.line(indent, "<details>");
                self.line(indent, &format!("<summary>{}</summary>", rt(kind)));
                kids(self, indent + 1, left);
                self.line(indent, "</details>");
            }
            BlockKind::Callout(c) => {
                let icon = match c.icon.clone().flatten().map(|i| i.kind) {
                    Some(notion_model::IconKind::Emoji(e)) => format!(" icon=\"{}\"", attr(&e)),
                    _ => String::new(),
                };
                self.line(indent, &format!("<callout{icon}>"));
                self.line(indent + 1, &rt(kind));
                kids(self, indent + 1, left);
                self.line(indent, "</callout>");
            }
            BlockKind::Code(c) => {
                let code: String = c
                    .rich_text
                    .iter()
                    .flatten()
                    .map(|r| r.plain_text.clone().unwrap_or_default())
                    .collect();
                let lang = c.language.clone().unwrap_or_default();
                self.line(indent, &format!("```{lang}"));
                for l in code.lines() {
                    self.line(indent, l);
                }
                self.line(indent, "```");
                if let Some(caption) = c.caption.as_deref().filter(|c| !c.is_empty()) {
                    self.line(indent, &rich(caption));
                }
            }
            BlockKind::Equation(e) => {
                self.line(indent, "$$");
                self.line(indent, &e.expression);
                self.line(indent, "$$");
            }
            BlockKind::Divider(_) => self.line(indent, "---"),
            BlockKind::Breadcrumb(_) => self.line(indent, "<breadcrumb/>"),
            BlockKind::TableOfContents(_) => self.line(indent, "<table_of_contents/>"),
            BlockKind::ColumnList(_) => {
                self.line(indent, "<columns>");
                kids(self, indent + 1, left);
                self.line(indent, "</columns>");
            }
            BlockKind::Column(_) => {
                self.line(indent, "<column>");
                kids(self, indent + 1, left);
                self.line(indent, "</column>");
            }
            BlockKind::Table(t) => {
                let header = t.has_column_header == Some(true);
                self.line(indent, &format!("<table header-row=\"{header}\">"));
                kids(self, indent + 1, left);
                self.line(indent, "</table>");
            }
            BlockKind::TableRow(r) => {
                let cells: String = r
                    .cells
                    .iter()
                    .flatten()
                    .map(|c| format!("<td>{}</td>", rich(c)))
                    .collect();
                self.line(indent, &format!("<tr>{cells}</tr>"));
            }
            BlockKind::SyncedBlock(s) => {
                let url = format!("{}#{}", self.page_url, n.block.id.simple());
                let tag = match s.synced_from.clone().flatten() {
                    Some(_) => "synced_block_reference",
                    None => "synced_block",
                };
                self.line(indent, &format!("<{tag} url=\"{url}\">"));
                kids(self, indent + 1, left);
                self.line(indent, &format!("</{tag}>"));
            }
            BlockKind::ChildPage(c) | BlockKind::ChildDatabase(c) => {
                let tag = if matches!(kind, BlockKind::ChildPage(_)) {
                    "page"
                } else {
                    "database"
                };
                let mut title = String::new();
                escape(c.title.as_deref().unwrap_or_default(), &mut title);
                let url = simple_url(&n.block.id);
                self.line(indent, &format!("<{tag} url=\"{url}\">{title}</{tag}>"));
            }
            BlockKind::LinkToPage(l) => {
                let (tag, id) = match &l.kind {
                    notion_model::block::LinkToPageKind::Database(id) => ("mention-database", *id),
                    notion_model::block::LinkToPageKind::Page(id) => ("mention-page", *id),
                    _ => ("mention-page", n.block.id),
                };
                self.line(indent, &format!("<{tag} url=\"{}\"/>", simple_url(&id)));
            }
            BlockKind::Bookmark(u) | BlockKind::Embed(u) => {
                let url = u.url.clone().unwrap_or_default();
                let caption = u.caption.as_deref().map(rich).unwrap_or_default();
                if matches!(kind, BlockKind::Embed(_)) {
                    self.line(
                        indent,
                        &format!("<embed src=\"{}\">{caption}</embed>", attr(&url)),
                    );
                } else {
                    let text = if caption.is_empty() { &url } else { &caption };
                    self.line(indent, &format!("[{text}]({url})"));
                }
            }
            BlockKind::Image(m)
            | BlockKind::Video(m)
            | BlockKind::Pdf(m)
            | BlockKind::File(m)
            | BlockKind::Audio(m) => {
                let url = match &m.kind {
                    FileKind::File(f) => f.url.clone(),
                    FileKind::External(f) => f.url.clone(),
                    _ => String::new(),
                };
                let caption = m.caption.as_deref().map(rich).unwrap_or_default();
                let line = match kind {
                    BlockKind::Image(_) => format!("![{caption}]({url})"),
                    _ => {
                        let tag = n.block.type_name().unwrap_or("file");
                        format!("<{tag} src=\"{}\">{caption}</{tag}>", attr(&url))
                    }
                };
                self.line(indent, &line);
            }
            BlockKind::LinkPreview(l) => self.line(indent, &format!("[{0}]({0})", l.url)),
            BlockKind::Tab(_) => {
                self.line(indent, "<tabs>");
                kids(self, indent + 1, left);
                self.line(indent, "</tabs>");
            }
            BlockKind::MeetingNotes(m) => {
                self.line(indent, "<meeting-notes>");
                self.line(indent + 1, &rt(kind));
                let sections = m.children.clone().unwrap_or_default();
                for (c, fit) in n.children.iter().zip(fits(&n.children, left)) {
                    if !fit {
                        self.omitted(c, indent + 1);
                        continue;
                    }
                    let tag = if Some(c.block.id) == sections.summary_block_id {
                        "summary"
                    } else if Some(c.block.id) == sections.notes_block_id {
                        "notes"
                    } else if Some(c.block.id) == sections.transcript_block_id {
                        "transcript"
                    } else {
                        ""
                    };
                    if tag == "transcript" && !self.include_transcript {
                        let url = format!("{}#{}", self.page_url, n.block.id.simple());
                        self.line(indent + 1, &format!("<transcript url=\"{url}\"/>"));
                        continue;
                    }
                    let mut all = usize::MAX;
                    if tag.is_empty() {
                        self.block(c, indent + 1, &mut all);
                    } else {
                        self.line(indent + 1, &format!("<{tag}>"));
                        self.block(c, indent + 2, &mut all);
                        self.line(indent + 1, &format!("</{tag}>"));
                    }
                }
                self.line(indent, "</meeting-notes>");
            }
            _ => {
                let alt = match kind {
                    BlockKind::Unsupported(u) => u.block_type.clone().unwrap_or_default(),
                    other => other.type_name().to_owned(),
                };
                let url = format!("{}#{}", self.page_url, n.block.id.simple());
                self.line(
                    indent,
                    &format!("<unknown url=\"{url}\" alt=\"{}\"/>", attr(&alt)),
                );
                kids(self, indent + 1, left);
            }
        }
    }
}

/// The markdown of `id`'s content within `limit` blocks; for a block, the block itself first.
pub(crate) fn render(
    ws: &Workspace,
    id: &Id,
    root: Option<&Block>,
    page: &Id,
    limit: usize,
    include_transcript: bool,
    now: DateTime<Utc>,
) -> PageMarkdown {
    let children = content(ws, id, now);
    let page_url = simple_url(page);
    let mut r = Render {
        out: String::new(),
        unknown: Vec::new(),
        page_url: &page_url,
        include_transcript,
    };
    let mut left = limit;
    match root {
        Some(block) => {
            // The block's own line, then its children within what is left.
            left = left.saturating_sub(1);
            let n = Node {
                block: block.clone(),
                children,
                size: 0,
            };
            r.block(&n, 0, &mut left);
        }
        None => r.children(&children, 0, &mut left),
    }
    PageMarkdown {
        id: *id,
        truncated: Some(!r.unknown.is_empty()),
        markdown: Some(r.out),
        unknown_block_ids: Some(r.unknown),
        extra: Default::default(),
    }
}

/// `GET /v1/pages/{id}/markdown` (`id`: a page, or a block from `unknown_block_ids`).
pub(crate) fn page_markdown(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    if ctx.version < ApiVersion::V2026_03_11 {
        return Err(ApiError::validation(format!(
            "The page markdown endpoints require Notion-Version 2026-03-11 or later, instead was `{}`.",
            ctx.version
        )));
    }
    let id = ctx.id_param("page")?;
    let ws = &ctx.shared.ws;
    let (root, page) = match ws.find(&id) {
        Found::Page => (None, id),
        Found::Block => {
            let block = ws
                .block(&id, ctx.now)
                .ok_or_else(|| ctx.not_found("page", &id))?;
            let page = ws.page_of(&id).unwrap_or(id);
            (Some(block), page)
        }
        _ => return Err(ctx.not_found("page", &id)),
    };
    let include_transcript = ctx
        .query_param("include_transcript")
        .is_some_and(|v| v == "true");
    let limit = ctx.shared.with_live_read(|l| l.markdown_block_limit);
    let md = render(
        ws,
        &id,
        root.as_ref(),
        &page,
        limit,
        include_transcript,
        ctx.now,
    );
    ctx.respond(&md)
}

/// The readable text of a block, line by line: rich text, captions, table cells, titles of
/// child pages and databases, equations, link previews (what the markdown must show).
pub(crate) fn block_texts(block: &Block) -> Vec<String> {
    let Some(kind) = &block.kind else {
        return Vec::new();
    };
    let mut texts: Vec<String> = Vec::new();
    let mut items = |rt: Option<&[RichText]>| {
        for item in rt.into_iter().flatten() {
            if let RichTextKind::Mention(m) = &item.kind
                && let MentionKind::Date(d) = &m.kind
            {
                texts.push(d.start.clone());
                continue;
            }
            texts.push(item.plain_text.clone().unwrap_or_default());
        }
    };
    items(kind.rich_text());
    match kind {
        BlockKind::Code(c) => items(c.caption.as_deref()),
        BlockKind::TableRow(r) => {
            for cell in r.cells.iter().flatten() {
                items(Some(cell));
            }
        }
        BlockKind::Image(m)
        | BlockKind::Video(m)
        | BlockKind::Pdf(m)
        | BlockKind::File(m)
        | BlockKind::Audio(m) => items(m.caption.as_deref()),
        BlockKind::Bookmark(u) | BlockKind::Embed(u) => items(u.caption.as_deref()),
        BlockKind::ChildPage(c) | BlockKind::ChildDatabase(c) => {
            texts.push(c.title.clone().unwrap_or_default());
        }
        BlockKind::Equation(e) => texts.push(e.expression.clone()),
        BlockKind::LinkPreview(l) => texts.push(l.url.clone()),
        _ => {}
    }
    texts
        .iter()
        .flat_map(|t| t.lines())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}
