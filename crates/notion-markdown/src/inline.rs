//! Rich text as inline Markdown.
//!
//! Rich text is first flattened into characters, each with its marks (bold, italic,
//! strikethrough, underline, code, link). Every mark's regions are then shrunk so that they
//! neither start nor end with whitespace (`**bold** `, not `**bold **`, which CommonMark
//! would not read as emphasis), runs of equal marks are merged into segments, and the segments
//! are nested with a stack, opening longer-lasting marks first. Each emphasis is finally written
//! with the first delimiter CommonMark reads back as intended at that place (`**`/`__`,
//! `*`/`_`, `~~`), or as an HTML tag when none is (`word**(x)**word`), so output never depends
//! on a reader guessing.

use std::borrow::Cow;

use notion_model::rich_text::{Mention, MentionKind, RichText, RichTextKind, TemplateMentionKind};
use notion_model::{DateValue, Id};

use crate::Resolver;
use crate::escape;

/// Where the inline Markdown goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    /// Paragraph text: `\n` is a hard break; each line is escaped as a line start.
    Paragraph,
    /// A heading: one line; a closing run of `#` is escaped.
    Heading,
    /// A table cell: `\n` is `<br>`, and `|` is escaped everywhere, code included.
    TableCell,
    /// The text of a link or the alt text of an image: one line, no links inside.
    LinkText,
}

impl Context {
    fn links(self) -> bool {
        self != Context::LinkText
    }

    fn multiline(self) -> bool {
        matches!(self, Context::Paragraph | Context::TableCell)
    }

    fn table(self) -> bool {
        self == Context::TableCell
    }
}

/// Renders rich text as inline Markdown in `ctx`; with `bold`, all of it is bold.
pub(crate) fn render(
    items: &[RichText],
    ctx: Context,
    bold: bool,
    resolver: &dyn Resolver,
) -> String {
    let mut builder = Builder::new(ctx);
    for item in items {
        builder.push_item(item, bold, resolver);
    }
    builder.finish()
}

/// Renders plain text (no markup) as inline Markdown in `ctx`.
pub(crate) fn render_plain(text: &str, ctx: Context, bold: bool) -> String {
    let mut builder = Builder::new(ctx);
    let marks = Marks {
        bits: if bold { BOLD } else { 0 },
        link: 0,
    };
    builder.push_str(text, marks);
    builder.finish()
}

/// The text a mention reads as, and the URL it links to.
pub(crate) fn mention_text(
    item: &RichText,
    mention: &Mention,
    resolver: &dyn Resolver,
) -> (String, Option<String>) {
    let plain = item.plain_text.as_deref().filter(|s| !s.is_empty());
    let href = item.href().map(str::to_owned);
    match &mention.kind {
        MentionKind::User(user) => {
            let name = resolver
                .user_name(user.id)
                .filter(|n| !n.is_empty())
                .or_else(|| user.name.clone().flatten().map(Cow::Owned));
            let text = match (name, plain) {
                (Some(name), _) => format!("@{name}"),
                (None, Some(plain)) => plain.to_owned(),
                (None, None) => format!("@{}", user.id),
            };
            (text, href)
        }
        MentionKind::Page(page) => {
            let title = resolver.page_title(page.id);
            (
                titled(title, plain),
                Some(href.unwrap_or_else(|| notion_url(page.id))),
            )
        }
        MentionKind::Database(db) => {
            let title = resolver.database_title(db.id);
            (
                titled(title, plain),
                Some(href.unwrap_or_else(|| notion_url(db.id))),
            )
        }
        MentionKind::Date(date) => (date_text(date), href),
        MentionKind::LinkPreview(preview) => (
            plain.unwrap_or(&preview.url).to_owned(),
            Some(href.unwrap_or_else(|| preview.url.clone())),
        ),
        MentionKind::LinkMention(link) => {
            let title = link.title.as_deref().filter(|t| !t.is_empty());
            (
                title.or(plain).unwrap_or(&link.href).to_owned(),
                Some(href.unwrap_or_else(|| link.href.clone())),
            )
        }
        MentionKind::TemplateMention(template) => {
            let text = plain
                .map(str::to_owned)
                .unwrap_or_else(|| match &template.kind {
                    TemplateMentionKind::Date(value) | TemplateMentionKind::User(value) => {
                        capitalised_at(value)
                    }
                    _ => "@".to_owned(),
                });
            (text, href)
        }
        MentionKind::CustomEmoji(emoji) => {
            let text = match emoji.name.as_deref().filter(|n| !n.is_empty()) {
                Some(name) => format!(":{name}:"),
                None => plain.unwrap_or_default().to_owned(),
            };
            (text, href)
        }
        _ => (plain.unwrap_or_default().to_owned(), href),
    }
}

/// A title from the resolver, else Notion's `plain_text`, else `Untitled`.
fn titled(resolved: Option<Cow<'_, str>>, plain: Option<&str>) -> String {
    resolved
        .filter(|t| !t.is_empty())
        .map(Cow::into_owned)
        .or_else(|| plain.map(str::to_owned))
        .unwrap_or_else(|| "Untitled".to_owned())
}

/// `@Today` for `today`.
fn capitalised_at(value: &str) -> String {
    let mut chars = value.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    format!("@{first}{}", chars.as_str())
}

/// The Notion URL of a page or database.
pub(crate) fn notion_url(id: Id) -> String {
    format!("https://app.notion.com/p/{}", id.simple())
}

/// A date or a range: `start` or `start → end`.
pub(crate) fn date_text(date: &DateValue) -> String {
    match date.end.as_ref().and_then(Option::as_deref) {
        Some(end) => format!("{} → {end}", date.start),
        None => date.start.clone(),
    }
}

const BOLD: u8 = 1;
const ITALIC: u8 = 2;
const STRIKE: u8 = 4;
const UNDERLINE: u8 = 8;
const CODE: u8 = 16;

/// The marks of one character: annotation bits and a link (an index into the link table plus
/// one; 0 for none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Marks {
    bits: u8,
    link: u32,
}

#[derive(Clone, Copy, Debug)]
enum Unit {
    Char(char),
    /// An inline equation: an index into the expression table.
    Math(u32),
}

#[derive(Clone, Copy, Debug)]
struct Cell {
    unit: Unit,
    marks: Marks,
}

impl Cell {
    fn is_whitespace(&self) -> bool {
        matches!(self.unit, Unit::Char(c) if c.is_whitespace())
    }

    fn is_blank(&self) -> bool {
        matches!(self.unit, Unit::Char(' ' | '\t'))
    }
}

struct Builder {
    ctx: Context,
    lines: Vec<Vec<Cell>>,
    links: Vec<String>,
    math: Vec<String>,
}

impl Builder {
    fn new(ctx: Context) -> Self {
        Builder {
            ctx,
            lines: vec![Vec::new()],
            links: Vec::new(),
            math: Vec::new(),
        }
    }

    fn link_id(&mut self, url: Option<String>) -> u32 {
        let Some(url) = url.filter(|_| self.ctx.links()) else {
            return 0;
        };
        let index = match self.links.iter().position(|l| *l == url) {
            Some(index) => index,
            None => {
                self.links.push(url);
                self.links.len() - 1
            }
        };
        u32::try_from(index + 1).unwrap_or(0)
    }

    fn push_item(&mut self, item: &RichText, bold: bool, resolver: &dyn Resolver) {
        let ann = item.annotations.as_ref();
        let flag = |f: fn(&notion_model::rich_text::Annotations) -> Option<bool>, bit: u8| {
            if ann.and_then(f).unwrap_or(false) {
                bit
            } else {
                0
            }
        };
        let mut bits = flag(|a| a.bold, BOLD)
            | flag(|a| a.italic, ITALIC)
            | flag(|a| a.strikethrough, STRIKE)
            | flag(|a| a.underline, UNDERLINE)
            | flag(|a| a.code, CODE);
        if bold {
            bits |= BOLD;
        }
        match &item.kind {
            RichTextKind::Text(text) => {
                let url = item.href().map(str::to_owned).or_else(|| {
                    text.link
                        .as_ref()
                        .and_then(Option::as_ref)
                        .map(|l| l.url.clone())
                });
                let marks = Marks {
                    bits,
                    link: self.link_id(url),
                };
                self.push_str(&text.content, marks);
            }
            RichTextKind::Equation(equation) => {
                let marks = Marks {
                    bits,
                    link: self.link_id(item.href().map(str::to_owned)),
                };
                let expression = equation.expression.trim();
                if bits & CODE != 0 {
                    self.push_str(expression, marks);
                } else if !expression.is_empty() {
                    self.math.push(expression.to_owned());
                    let index = u32::try_from(self.math.len() - 1).unwrap_or(0);
                    self.push_cell(Unit::Math(index), marks);
                }
            }
            RichTextKind::Mention(mention) => {
                let (text, url) = mention_text(item, mention, resolver);
                let marks = Marks {
                    bits,
                    link: self.link_id(url),
                };
                self.push_str(&text, marks);
            }
            _ => {
                let marks = Marks {
                    bits,
                    link: self.link_id(item.href().map(str::to_owned)),
                };
                self.push_str(item.plain_text.as_deref().unwrap_or_default(), marks);
            }
        }
    }

    fn push_cell(&mut self, unit: Unit, marks: Marks) {
        if let Some(line) = self.lines.last_mut() {
            line.push(Cell { unit, marks });
        }
    }

    fn push_str(&mut self, text: &str, marks: Marks) {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let newline = match c {
                '\r' => {
                    chars.next_if_eq(&'\n');
                    true
                }
                '\n' => true,
                _ => false,
            };
            if !newline {
                self.push_cell(Unit::Char(c), marks);
            } else if self.ctx.multiline() {
                self.lines.push(Vec::new());
            } else {
                self.push_cell(Unit::Char(' '), marks);
            }
        }
    }

    fn finish(self) -> String {
        let mut lines: Vec<String> = self
            .lines
            .into_iter()
            .map(|cells| render_line(cells, self.ctx, &self.links, &self.math))
            .collect();
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        let first = lines
            .iter()
            .position(|l| !l.is_empty())
            .unwrap_or(lines.len());
        let lines = &lines[first..];
        match self.ctx {
            Context::TableCell => lines.join("<br>"),
            _ => lines.join("\\\n"),
        }
    }
}

/// One line of cells as Markdown.
fn render_line(mut cells: Vec<Cell>, ctx: Context, links: &[String], math: &[String]) -> String {
    for bit in [BOLD, ITALIC, STRIKE, UNDERLINE, CODE] {
        trim_regions(&mut cells, |m| m.bits & bit != 0, |m| m.bits &= !bit);
    }
    trim_regions(&mut cells, |m| m.link != 0, |m| m.link = 0);
    let start = cells
        .iter()
        .position(|c| !c.is_blank())
        .unwrap_or(cells.len());
    let end = cells
        .iter()
        .rposition(|c| !c.is_blank())
        .map_or(start, |e| e + 1);
    let cells = &cells[start..end.max(start)];

    let segments = segments(cells);
    let mut tokens = tokens(&segments, ctx, math);
    decide(&mut tokens, links, ctx);
    let mut line = write(&tokens, links, ctx);
    match ctx {
        Context::Paragraph => escape::escape_line_start(&mut line),
        Context::Heading => escape::escape_heading_end(&mut line),
        Context::TableCell | Context::LinkText => {}
    }
    line
}

/// Shrinks every region of a mark (maximal run of cells where `has` holds with the same link)
/// so that it neither starts nor ends with whitespace.
fn trim_regions(cells: &mut [Cell], has: impl Fn(&Marks) -> bool, clear: impl Fn(&mut Marks)) {
    let mut i = 0;
    while i < cells.len() {
        if !has(&cells[i].marks) {
            i += 1;
            continue;
        }
        let link = cells[i].marks.link;
        let mut j = i;
        while j < cells.len() && has(&cells[j].marks) && cells[j].marks.link == link {
            j += 1;
        }
        let next = j;
        let mut a = i;
        while a < j && cells[a].is_whitespace() {
            clear(&mut cells[a].marks);
            a += 1;
        }
        while j > a && cells[j - 1].is_whitespace() {
            clear(&mut cells[j - 1].marks);
            j -= 1;
        }
        i = next;
    }
}

struct Segment<'c> {
    marks: Marks,
    cells: &'c [Cell],
}

fn segments(cells: &[Cell]) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=cells.len() {
        if i == cells.len() || cells[i].marks != cells[start].marks {
            if let Some(first) = cells.get(start) {
                out.push(Segment {
                    marks: first.marks,
                    cells: &cells[start..i],
                });
            }
            start = i;
        }
    }
    out
}

/// A mark as it nests: a link or an emphasis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    Link(u32),
    Bold,
    Italic,
    Strike,
    Underline,
}

impl Mark {
    fn of(marks: Marks) -> Vec<Mark> {
        let mut out = Vec::new();
        if marks.link != 0 {
            out.push(Mark::Link(marks.link));
        }
        for (bit, mark) in [
            (BOLD, Mark::Bold),
            (ITALIC, Mark::Italic),
            (STRIKE, Mark::Strike),
            (UNDERLINE, Mark::Underline),
        ] {
            if marks.bits & bit != 0 {
                out.push(mark);
            }
        }
        out
    }

    /// Whether `marks` carry this mark.
    fn in_marks(self, marks: Marks) -> bool {
        match self {
            Mark::Link(id) => marks.link == id,
            Mark::Bold => marks.bits & BOLD != 0,
            Mark::Italic => marks.bits & ITALIC != 0,
            Mark::Strike => marks.bits & STRIKE != 0,
            Mark::Underline => marks.bits & UNDERLINE != 0,
        }
    }
}

/// How an emphasis or link is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Repr {
    Undecided,
    Delim(&'static str),
    Tag(&'static str),
    Link(u32),
    Autolink(u32),
}

#[derive(Debug)]
enum Token {
    Open {
        mark: Mark,
        repr: Repr,
    },
    Close {
        open: usize,
    },
    /// Rendered Markdown (never empty) and, for plain text, the raw text.
    Content {
        markdown: String,
        raw: Option<String>,
    },
}

/// Nests the segments' marks with a stack: marks that end are closed (and those opened inside
/// them), new marks are opened longest-lasting first.
fn tokens(segments: &[Segment<'_>], ctx: Context, math: &[String]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut stack: Vec<(Mark, usize)> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let wanted = Mark::of(segment.marks);
        let keep = stack
            .iter()
            .take_while(|(mark, _)| mark.in_marks(segment.marks))
            .count();
        while stack.len() > keep {
            if let Some((_, open)) = stack.pop() {
                tokens.push(Token::Close { open });
            }
        }
        let mut new: Vec<(usize, usize, Mark)> = wanted
            .iter()
            .enumerate()
            .filter(|(_, mark)| !stack.iter().any(|(m, _)| m == *mark))
            .map(|(order, mark)| {
                let lasts = segments[i..]
                    .iter()
                    .take_while(|s| mark.in_marks(s.marks))
                    .count();
                (usize::MAX - lasts, order, *mark)
            })
            .collect();
        new.sort_unstable_by_key(|(lasts, order, _)| (*lasts, *order));
        for (_, _, mark) in new {
            stack.push((mark, tokens.len()));
            tokens.push(Token::Open {
                mark,
                repr: Repr::Undecided,
            });
        }
        tokens.push(content(segment, ctx, math));
    }
    while let Some((_, open)) = stack.pop() {
        tokens.push(Token::Close { open });
    }
    tokens
}

/// The Markdown of one segment: a code span, or escaped text and inline equations.
fn content(segment: &Segment<'_>, ctx: Context, math: &[String]) -> Token {
    let expression = |i: u32| math.get(i as usize).map_or("", String::as_str);
    let mut markdown = String::new();
    if segment.marks.bits & CODE != 0 {
        let code: String = segment
            .cells
            .iter()
            .map(|c| match c.unit {
                Unit::Char(c) => Cow::Owned(c.to_string()),
                Unit::Math(i) => Cow::Borrowed(expression(i)),
            })
            .collect();
        escape::push_code_span(&mut markdown, &code, ctx.table());
        return Token::Content {
            markdown,
            raw: None,
        };
    }
    let mut raw = Some(String::new());
    let mut chars = Vec::new();
    for cell in segment.cells {
        match cell.unit {
            Unit::Char(c) => {
                chars.push(c);
                if let Some(raw) = &mut raw {
                    raw.push(c);
                }
            }
            Unit::Math(i) => {
                escape::push_text(&mut markdown, &chars);
                chars.clear();
                raw = None;
                push_math(&mut markdown, expression(i), ctx.table());
            }
        }
    }
    escape::push_text(&mut markdown, &chars);
    Token::Content { markdown, raw }
}

/// `$expression$`, on one line, with `$` (and `|` in a table) escaped.
fn push_math(out: &mut String, expression: &str, in_table: bool) {
    out.push('$');
    for c in expression.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '$' => out.push_str("\\$"),
            '|' if in_table => out.push_str("\\|"),
            c => out.push(c),
        }
    }
    out.push('$');
}

/// What lies next to a delimiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Whitespace,
    Punctuation,
    Other,
}

/// The possible classes of a neighbouring character. CommonMark's punctuation is Unicode's
/// punctuation and (since 0.31) symbols; a non-ASCII character that is neither alphanumeric nor
/// whitespace may be read either way, so both are checked.
fn classes(c: Option<char>) -> &'static [Class] {
    match c {
        None => &[Class::Whitespace],
        Some(c) if c.is_whitespace() => &[Class::Whitespace],
        Some(c) if c.is_ascii_punctuation() => &[Class::Punctuation],
        Some(c) if c.is_alphanumeric() || c.is_ascii() => &[Class::Other],
        Some(_) => &[Class::Punctuation, Class::Other],
    }
}

fn left_flanking(prev: Class, next: Class) -> bool {
    next != Class::Whitespace
        && (next != Class::Punctuation || prev == Class::Whitespace || prev == Class::Punctuation)
}

fn right_flanking(prev: Class, next: Class) -> bool {
    prev != Class::Whitespace
        && (prev != Class::Punctuation || next == Class::Whitespace || next == Class::Punctuation)
}

fn can_open(delim: char, prev: Class, next: Class) -> bool {
    let left = left_flanking(prev, next);
    if delim == '_' {
        left && (!right_flanking(prev, next) || prev == Class::Punctuation)
    } else {
        left
    }
}

fn can_close(delim: char, prev: Class, next: Class) -> bool {
    let right = right_flanking(prev, next);
    if delim == '_' {
        right && (!left_flanking(prev, next) || next == Class::Punctuation)
    } else {
        right
    }
}

/// Neighbouring characters: markup is always ASCII punctuation, the line's ends whitespace.
fn char_before(tokens: &[Token], at: usize) -> Option<char> {
    match at.checked_sub(1).and_then(|i| tokens.get(i)) {
        None => None,
        Some(Token::Content { markdown, .. }) => markdown.chars().last(),
        Some(_) => Some('*'),
    }
}

fn char_after(tokens: &[Token], at: usize) -> Option<char> {
    match tokens.get(at + 1) {
        None => None,
        Some(Token::Content { markdown, .. }) => markdown.chars().next(),
        Some(_) => Some('*'),
    }
}

/// The delimiter character an already decided neighbouring token writes.
fn delimiter_at(tokens: &[Token], at: Option<usize>) -> Option<char> {
    let repr = match at.and_then(|i| tokens.get(i))? {
        Token::Open { repr, .. } => *repr,
        Token::Close { open } => match tokens.get(*open)? {
            Token::Open { repr, .. } => *repr,
            _ => return None,
        },
        Token::Content { .. } => return None,
    };
    match repr {
        Repr::Delim(d) => d.chars().next(),
        _ => None,
    }
}

/// The URL of a link mark (`id` is an index into `links` plus one).
fn link_url(links: &[String], id: u32) -> &str {
    (id as usize)
        .checked_sub(1)
        .and_then(|i| links.get(i))
        .map_or("", String::as_str)
}

/// Chooses how each emphasis and link is written, in the order they open.
fn decide(tokens: &mut [Token], links: &[String], ctx: Context) {
    let mut pairs: Vec<(usize, usize)> = tokens
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match t {
            Token::Close { open } => Some((*open, i)),
            _ => None,
        })
        .collect();
    pairs.sort_unstable();
    for (open, close) in pairs {
        let Some(Token::Open { mark, .. }) = tokens.get(open) else {
            continue;
        };
        let repr = match *mark {
            Mark::Link(id) => {
                let url = link_url(links, id);
                let sole_text = close == open + 2
                    && matches!(tokens.get(open + 1), Some(Token::Content { raw: Some(raw), .. }) if raw == url);
                if sole_text && escape::is_autolink(url, ctx.table()) {
                    Repr::Autolink(id)
                } else {
                    Repr::Link(id)
                }
            }
            Mark::Underline => Repr::Tag("u"),
            Mark::Bold => choose(tokens, open, close, &["**", "__"]).unwrap_or(Repr::Tag("strong")),
            Mark::Italic => choose(tokens, open, close, &["*", "_"]).unwrap_or(Repr::Tag("em")),
            Mark::Strike => choose(tokens, open, close, &["~~"]).unwrap_or(Repr::Tag("del")),
        };
        if let Some(Token::Open { repr: slot, .. }) = tokens.get_mut(open) {
            *slot = repr;
        }
    }
}

/// The first delimiter that opens at `open` and closes at `close` whatever the reader's idea
/// of punctuation, and that does not touch a delimiter of the same character (which would
/// merge into one run).
fn choose(tokens: &[Token], open: usize, close: usize, delims: &[&'static str]) -> Option<Repr> {
    delims.iter().copied().find_map(|delim| {
        let c = delim.chars().next()?;
        let touches = [
            open.checked_sub(1),
            Some(open + 1),
            Some(close - 1),
            Some(close + 1),
        ]
        .into_iter()
        .any(|at| delimiter_at(tokens, at) == Some(c));
        if touches {
            return None;
        }
        let all = |at: usize, f: fn(char, Class, Class) -> bool| {
            let (before, after) = (char_before(tokens, at), char_after(tokens, at));
            classes(before)
                .iter()
                .all(|p| classes(after).iter().all(|n| f(c, *p, *n)))
        };
        (all(open, can_open) && all(close, can_close)).then_some(Repr::Delim(delim))
    })
}

/// Writes the tokens.
fn write(tokens: &[Token], links: &[String], ctx: Context) -> String {
    let mut out = String::new();
    let mut in_autolink = false;
    for token in tokens {
        match token {
            Token::Open { repr, .. } => match repr {
                Repr::Delim(d) => out.push_str(d),
                Repr::Tag(t) => {
                    out.push('<');
                    out.push_str(t);
                    out.push('>');
                }
                Repr::Link(_) => out.push('['),
                Repr::Autolink(id) => {
                    out.push('<');
                    out.push_str(link_url(links, *id));
                    out.push('>');
                    in_autolink = true;
                }
                Repr::Undecided => {}
            },
            Token::Close { open } => {
                let repr = match tokens.get(*open) {
                    Some(Token::Open { repr, .. }) => *repr,
                    _ => Repr::Undecided,
                };
                match repr {
                    Repr::Delim(d) => out.push_str(d),
                    Repr::Tag(t) => {
                        out.push_str("</");
                        out.push_str(t);
                        out.push('>');
                    }
                    Repr::Link(id) => {
                        out.push_str("](");
                        let url = link_url(links, id);
                        escape::push_destination(&mut out, url, ctx.table());
                        out.push(')');
                    }
                    Repr::Autolink(_) => in_autolink = false,
                    Repr::Undecided => {}
                }
            }
            Token::Content { markdown, .. } => {
                if !in_autolink {
                    out.push_str(markdown);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use notion_model::rich_text::Annotations;

    use super::*;
    use crate::NoResolver;

    fn run(text: &str, f: impl Fn(&mut Annotations)) -> RichText {
        let mut item = RichText::plain(text);
        if let Some(a) = item.annotations.as_mut() {
            f(a);
        }
        item
    }

    fn md(items: &[RichText]) -> String {
        render(items, Context::Paragraph, false, &NoResolver)
    }

    #[test]
    fn spaces_move_outside_emphasis() {
        let items = [
            run("Welcome ", |a| a.bold = Some(true)),
            RichText::plain("to "),
            run(" the ", |a| a.italic = Some(true)),
            RichText::plain("team."),
        ];
        assert_eq!(md(&items), "**Welcome** to  *the* team.");
    }

    #[test]
    fn adjacent_runs_merge_and_nest() {
        let items = [
            run("a ", |a| a.bold = Some(true)),
            run("b", |a| {
                a.bold = Some(true);
                a.italic = Some(true);
            }),
            run(" c", |a| a.bold = Some(true)),
        ];
        assert_eq!(md(&items), "**a *b* c**");
        let same = [
            run("ab", |a| a.bold = Some(true)),
            run("cd", |a| a.bold = Some(true)),
        ];
        assert_eq!(md(&same), "**abcd**");
    }

    #[test]
    fn intraword_and_punctuation_emphasis() {
        let items = [
            RichText::plain("un"),
            run("frigging", |a| a.italic = Some(true)),
            RichText::plain("believable"),
        ];
        assert_eq!(md(&items), "un*frigging*believable");
        let items = [
            RichText::plain("word"),
            run("(x)", |a| a.bold = Some(true)),
            RichText::plain("word"),
        ];
        assert_eq!(md(&items), "word<strong>(x)</strong>word");
        let items = [run("both", |a| {
            a.bold = Some(true);
            a.italic = Some(true);
        })];
        assert_eq!(md(&items), "**_both_**");
    }

    #[test]
    fn code_links_and_math() {
        let items = [
            RichText::plain("Run "),
            run("cargo `x`", |a| a.code = Some(true)),
            RichText::plain(" see "),
            RichText::link("docs", "https://example.com/a (b)"),
            RichText::plain(" or "),
            RichText::link("https://example.com", "https://example.com"),
            RichText::plain(", "),
            RichText::equation("E = mc^2"),
        ];
        assert_eq!(
            md(&items),
            "Run `` cargo `x` `` see [docs](https://example.com/a%20\\(b\\)) or <https://example.com>, $E = mc^2$"
        );
    }

    #[test]
    fn hard_breaks_and_line_starts() {
        let items = [RichText::plain(
            "# not a heading\n1. not a list\n\n- nor this\n",
        )];
        assert_eq!(
            md(&items),
            "\\# not a heading\\\n1\\. not a list\\\n\\\n\\- nor this"
        );
        assert_eq!(
            render(
                &[RichText::plain("a\nb|c")],
                Context::TableCell,
                false,
                &NoResolver
            ),
            "a<br>b\\|c"
        );
        assert_eq!(
            render(
                &[RichText::plain("Issue #")],
                Context::Heading,
                false,
                &NoResolver
            ),
            "Issue \\#"
        );
    }
}
