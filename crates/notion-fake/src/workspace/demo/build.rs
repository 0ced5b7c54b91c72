//! Expanding the fixture specs into `notion-model` objects.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use notion_model::block::{
    self as mb, CalendarEvent, Callout, ChildTitle, Code, Column, Heading, LinkToPage,
    LinkToPageKind, Media, MeetingNotes, MeetingNotesChildren, NumberedListItem, Paragraph,
    Recording, SyncedBlock, SyncedFrom, SyncedFromKind, Table, TableOfContents, TableRow, Template,
    TextBlock, ToDo, Unsupported, UrlBlock,
};
use notion_model::comment::{Attachment, DisplayName};
use notion_model::property::{
    DualProperty, Formula, FormulaConfig, FormulaKind, NumberConfig, Place, PropertySchemaKind,
    RelationConfig, Rollup, RollupConfig, RollupKind, SelectConfig, SelectOption, StatusConfig,
    StatusGroup, UniqueId, UniqueIdConfig, Verification,
};
use notion_model::rich_text::{
    Annotations, Equation, Link, LinkMention, LinkPreview, MentionKind, TemplateMention,
    TemplateMentionKind, Text,
};
use notion_model::user::{Bot, WorkspaceLimits};
use notion_model::{
    Block, Color, Comment, CustomEmoji, DataSource, DataSourceRef, Database, DateValue, Empty,
    FileKind, Icon, Id, NamedFile, ObjectRef, Owner, Page, Parent, PropertySchema, PropertySchemas,
    PropertyValue, PropertyValueKind, PropertyValues, RichText, RichTextKind, Timestamp, User,
    UserOrGroup,
};
use serde_json::{Map, Number, Value};

use super::spec::{CommentSpec, DataSourceSpec, DatabaseSpec, FileSpec, PageSpec, RowSpec};
use super::{Demo, DemoBlock, DemoComment, DemoPage};
use crate::clock::fmt_millis;
use crate::error::FakeError;
use crate::render::PAGE_VALUE_LIMIT;
use crate::rng;
use crate::workspace::hosted::{Size, placeholder};
use crate::workspace::rollup;

/// A stable id for a key.
pub(super) fn key_id(kind: &str, key: &str) -> Id {
    let a = rng::hash(0xDE70, &[fnv(kind), fnv(key)]);
    let b = rng::hash(a, &[fnv(key)]);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    // The same leading bytes for every object of the workspace, as in Notion.
    bytes[..4].copy_from_slice(&[0x2a, 0x1d, 0xe7, 0x0c]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    Id::from_bytes(bytes)
}

pub(super) fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

pub(super) fn bad(msg: impl Into<String>) -> FakeError {
    FakeError::Demo(msg.into())
}

/// Parses `2026-10-05T14:32` (minutes, UTC) or any RFC 3339 timestamp.
pub(super) fn instant(s: &str) -> Result<DateTime<Utc>, FakeError> {
    let full = if s.len() == 16 {
        format!("{s}:00Z")
    } else {
        s.to_owned()
    };
    DateTime::parse_from_rfc3339(&full)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| bad(format!("bad time `{s}`: {e}")))
}

pub(super) fn ts(t: DateTime<Utc>) -> Timestamp {
    Timestamp::from_datetime(t)
}

pub(super) fn color(s: &str) -> Color {
    Color::from(s)
}

fn option_id(ds: &str, prop: &str, name: &str) -> String {
    key_id("option", &format!("{ds}/{prop}/{name}")).to_string()
}

/// A property id in Notion's short URL-encoded style.
fn prop_id(name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut h = fnv(name);
    let mut s = String::new();
    for i in 0..4 {
        if i == 1 {
            s.push_str("%3A");
        }
        s.push(ALPHABET[(h % ALPHABET.len() as u64) as usize] as char);
        h /= ALPHABET.len() as u64;
    }
    s
}

/// Builds objects from specs: resolves keys and keeps the hosted-file placeholders.
struct Builder {
    users: HashMap<String, (Id, String)>,
    pages: HashMap<String, (Id, String)>,
    databases: HashMap<String, (Id, String)>,
    data_sources: HashMap<String, Id>,
    /// The database of each data source.
    ds_database: HashMap<Id, Id>,
    /// Row keys: id and title.
    rows: HashMap<String, (Id, String)>,
}

impl Builder {
    fn user(&self, key: &str) -> Result<Id, FakeError> {
        self.users
            .get(key)
            .map(|(id, _)| *id)
            .ok_or_else(|| bad(format!("unknown user `{key}`")))
    }

    fn user_name(&self, key: &str) -> String {
        self.users
            .get(key)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    }

    /// A Notion-hosted file (a placeholder the served object turns into a signed URL): `size`
    /// in bytes, `"large"` for the large file, or derived from the name (1 KiB to 256 KiB).
    fn hosted(name: &str, size: Option<&Value>) -> FileKind {
        let size = match size {
            Some(Value::String(s)) if s == "large" => Size::Large,
            Some(v) => Size::Bytes(v.as_u64().unwrap_or(1024)),
            None => Size::Bytes(1024 + fnv(name) % (255 << 10)),
        };
        FileKind::File(placeholder(size, name))
    }

    fn icon(&self, v: &Value) -> Result<Icon, FakeError> {
        match v {
            Value::String(e) => Ok(Icon::emoji(e.clone())),
            Value::Object(m) => {
                if let Some(url) = m.get("external").and_then(Value::as_str) {
                    Ok(Icon::external(url))
                } else if let Some(name) = m.get("hosted").and_then(Value::as_str) {
                    match Builder::hosted(name, m.get("size")) {
                        FileKind::File(f) => Ok(Icon::new(notion_model::IconKind::File(f))),
                        _ => Err(bad(format!("bad icon {v}"))),
                    }
                } else if let Some(name) = m.get("icon").and_then(Value::as_str) {
                    Ok(Icon::new(notion_model::IconKind::Native(
                        notion_model::icon::NativeIcon {
                            name: name.to_owned(),
                            color: m.get("color").and_then(Value::as_str).map(color),
                            extra: Default::default(),
                        },
                    )))
                } else {
                    Err(bad(format!("bad icon {v}")))
                }
            }
            _ => Err(bad(format!("bad icon {v}"))),
        }
    }

    /// Rich text from a string or a list of items (see the fixture README).
    fn rich(&self, v: &Value) -> Result<Vec<RichText>, FakeError> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::String(s) => Ok(vec![RichText::plain(s.clone())]),
            Value::Array(items) => items.iter().map(|i| self.rich_item(i)).collect(),
            other => Ok(vec![self.rich_item(other)?]),
        }
    }

    fn rich_item(&self, v: &Value) -> Result<RichText, FakeError> {
        let m = match v {
            Value::String(s) => return Ok(RichText::plain(s.clone())),
            Value::Object(m) => m,
            _ => return Err(bad(format!("bad rich text item {v}"))),
        };
        let s = |k: &str| m.get(k).and_then(Value::as_str);
        if let Some(expr) = s("equation") {
            return Ok(RichText::equation(expr));
        }
        if let Some(kind) = s("mention") {
            let (mention, plain, href) = match kind {
                "user" => {
                    let key = s("user").unwrap_or_default();
                    (
                        MentionKind::User(Box::new(User::partial(self.user(key)?))),
                        format!("@{}", self.user_name(key)),
                        None,
                    )
                }
                "page" => {
                    let key = s("page").unwrap_or_default();
                    let (id, title) = self
                        .pages
                        .get(key)
                        .or_else(|| self.rows.get(key))
                        .cloned()
                        .ok_or_else(|| bad(format!("unknown page `{key}`")))?;
                    (
                        MentionKind::Page(ObjectRef::new(id)),
                        title,
                        Some(format!("https://app.notion.com/p/{}", id.simple())),
                    )
                }
                "database" => {
                    let key = s("database").unwrap_or_default();
                    let (id, title) = self
                        .databases
                        .get(key)
                        .cloned()
                        .ok_or_else(|| bad(format!("unknown database `{key}`")))?;
                    (
                        MentionKind::Database(ObjectRef::new(id)),
                        title,
                        Some(format!("https://app.notion.com/p/{}", id.simple())),
                    )
                }
                "date" => {
                    let start = s("start").unwrap_or_default().to_owned();
                    let d = match s("end") {
                        Some(end) => DateValue::range(start.clone(), end),
                        None => DateValue::new(start.clone()),
                    };
                    (MentionKind::Date(d), start, None)
                }
                "link_preview" => {
                    let url = s("url").unwrap_or_default().to_owned();
                    (
                        MentionKind::LinkPreview(LinkPreview {
                            url: url.clone(),
                            extra: Default::default(),
                        }),
                        url.clone(),
                        Some(url),
                    )
                }
                "link_mention" => {
                    let url = s("url").unwrap_or_default().to_owned();
                    (
                        MentionKind::LinkMention(Box::new(LinkMention {
                            href: url.clone(),
                            title: s("title").map(str::to_owned),
                            description: s("description").map(str::to_owned),
                            link_provider: s("provider").map(str::to_owned),
                            ..Default::default()
                        })),
                        url.clone(),
                        Some(url),
                    )
                }
                "template_date" | "template_user" => {
                    let value = s("value").unwrap_or(if kind == "template_user" {
                        "me"
                    } else {
                        "today"
                    });
                    let (k, plain) = if kind == "template_user" {
                        (
                            TemplateMentionKind::User(value.to_owned()),
                            "@Me".to_owned(),
                        )
                    } else {
                        (
                            TemplateMentionKind::Date(value.to_owned()),
                            if value == "now" { "@Now" } else { "@Today" }.to_owned(),
                        )
                    };
                    (
                        MentionKind::TemplateMention(TemplateMention {
                            kind: k,
                            extra: Default::default(),
                        }),
                        plain,
                        None,
                    )
                }
                "custom_emoji" => {
                    let name = s("name").unwrap_or("emoji").to_owned();
                    (
                        MentionKind::CustomEmoji(CustomEmoji {
                            id: key_id("emoji", &name),
                            name: Some(name.clone()),
                            url: s("url").map(str::to_owned),
                            extra: Default::default(),
                        }),
                        format!(":{name}:"),
                        None,
                    )
                }
                other => return Err(bad(format!("unknown mention `{other}`"))),
            };
            let mut item = RichText::mention(mention, plain);
            if let Some(h) = href {
                item.href = Some(Some(h));
            }
            return Ok(item);
        }
        let content = s("text")
            .ok_or_else(|| bad(format!("a rich text item needs `text`: {v}")))?
            .to_owned();
        let mut item = match s("link") {
            Some(url) => {
                let mut i = RichText::link(content, url);
                if let RichTextKind::Text(Text { link, .. }) = &mut i.kind {
                    *link = Some(Some(Link {
                        url: url.to_owned(),
                        extra: Default::default(),
                    }));
                }
                i
            }
            None => RichText::plain(content),
        };
        let mut a = Annotations::plain();
        let flag = |k: &str| m.get(k).and_then(Value::as_bool).unwrap_or(false);
        a.bold = Some(flag("bold"));
        a.italic = Some(flag("italic"));
        a.strikethrough = Some(flag("strikethrough"));
        a.underline = Some(flag("underline"));
        a.code = Some(flag("code"));
        if let Some(c) = s("color") {
            a.color = Some(color(c));
        }
        item.annotations = Some(a);
        Ok(item)
    }

    fn media(&self, m: &Map<String, Value>, v: &Value) -> Result<Media, FakeError> {
        let file = match v {
            Value::String(url) => FileKind::external(url.clone()),
            Value::Object(f) => match (
                f.get("url").and_then(Value::as_str),
                f.get("hosted").and_then(Value::as_str),
            ) {
                (Some(url), _) => FileKind::external(url),
                (None, Some(name)) => Builder::hosted(name, f.get("size")),
                _ => return Err(bad(format!("a file needs `url` or `hosted`: {v}"))),
            },
            _ => return Err(bad(format!("bad file {v}"))),
        };
        let mut media = Media::new(file);
        if let Some(c) = m.get("caption") {
            media.caption = Some(self.rich(c)?);
        }
        Ok(media)
    }
}

/// What a block spec expands to, before ids of its children are known.
struct Expanded {
    kind: mb::BlockKind,
    children: Vec<Value>,
    /// The key of the original, for a duplicate synced block.
    synced_from: Option<String>,
    /// A child page / database key.
    child_ref: Option<(bool, String)>,
}

const BLOCK_TYPES: [&str; 38] = [
    "paragraph",
    "heading_1",
    "heading_2",
    "heading_3",
    "heading_4",
    "bulleted_list_item",
    "numbered_list_item",
    "to_do",
    "toggle",
    "quote",
    "callout",
    "code",
    "equation",
    "divider",
    "breadcrumb",
    "table_of_contents",
    "column_list",
    "column",
    "table",
    "table_row",
    "synced_block",
    "synced_from",
    "child_page",
    "child_database",
    "link_to_page",
    "link_to_database",
    "link_preview",
    "bookmark",
    "embed",
    "image",
    "video",
    "pdf",
    "audio",
    "file",
    "tab",
    "meeting_notes",
    "template",
    "unsupported",
];

impl Builder {
    fn expand(&self, spec: &Value) -> Result<Expanded, FakeError> {
        let m = spec
            .as_object()
            .ok_or_else(|| bad(format!("a block must be an object: {spec}")))?;
        let ty = BLOCK_TYPES
            .iter()
            .find(|t| m.contains_key(**t))
            .ok_or_else(|| bad(format!("a block needs a type key: {spec}")))?;
        let v = &m[*ty];
        let children = m
            .get("children")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let col = m.get("color").and_then(Value::as_str).map(color);
        let mut out = Expanded {
            kind: mb::BlockKind::divider(),
            children,
            synced_from: None,
            child_ref: None,
        };
        out.kind = match *ty {
            "paragraph" => {
                let mut p = Paragraph::new(self.rich(v)?);
                if let Some(c) = col {
                    p.color = Some(c);
                }
                mb::BlockKind::Paragraph(p)
            }
            "heading_1" | "heading_2" | "heading_3" | "heading_4" => {
                let mut h = Heading::new(self.rich(v)?);
                h.is_toggleable = Some(m.get("toggleable").and_then(Value::as_bool) == Some(true));
                if let Some(c) = col {
                    h.color = Some(c);
                }
                match *ty {
                    "heading_1" => mb::BlockKind::Heading1(h),
                    "heading_2" => mb::BlockKind::Heading2(h),
                    "heading_3" => mb::BlockKind::Heading3(h),
                    _ => mb::BlockKind::Heading4(h),
                }
            }
            "bulleted_list_item" | "toggle" | "quote" => {
                let mut t = TextBlock::new(self.rich(v)?);
                if let Some(c) = col {
                    t.color = Some(c);
                }
                match *ty {
                    "toggle" => mb::BlockKind::Toggle(t),
                    "quote" => mb::BlockKind::Quote(t),
                    _ => mb::BlockKind::BulletedListItem(t),
                }
            }
            "numbered_list_item" => {
                mb::BlockKind::NumberedListItem(NumberedListItem::new(self.rich(v)?))
            }
            "to_do" => mb::BlockKind::ToDo(ToDo::new(
                self.rich(v)?,
                m.get("checked").and_then(Value::as_bool) == Some(true),
            )),
            "callout" => {
                let icon = m.get("icon").map(|i| self.icon(i)).transpose()?;
                let mut c = Callout::new(self.rich(v)?, icon);
                c.color = Some(col.unwrap_or(Color::GrayBackground));
                mb::BlockKind::Callout(c)
            }
            "code" => {
                let mut c = Code::new(
                    v.as_str().unwrap_or_default(),
                    m.get("language")
                        .and_then(Value::as_str)
                        .unwrap_or("plain text"),
                );
                if let Some(cap) = m.get("caption") {
                    c.caption = Some(self.rich(cap)?);
                }
                mb::BlockKind::Code(c)
            }
            "equation" => mb::BlockKind::Equation(Equation {
                expression: v.as_str().unwrap_or_default().to_owned(),
                extra: Default::default(),
            }),
            "divider" => mb::BlockKind::divider(),
            "breadcrumb" => mb::BlockKind::Breadcrumb(Empty::new()),
            "table_of_contents" => mb::BlockKind::TableOfContents(TableOfContents {
                color: Some(col.unwrap_or_default()),
                extra: Default::default(),
            }),
            "column_list" => {
                out.children = v.as_array().cloned().unwrap_or_default();
                mb::BlockKind::ColumnList(Empty::new())
            }
            "column" => {
                out.children = v.as_array().cloned().unwrap_or_default();
                mb::BlockKind::Column(Column {
                    width_ratio: m
                        .get("width")
                        .and_then(Value::as_f64)
                        .and_then(Number::from_f64),
                    extra: Default::default(),
                })
            }
            "table" => {
                let rows = v
                    .as_array()
                    .ok_or_else(|| bad("a table is a list of rows"))?;
                let width = rows.first().and_then(Value::as_array).map_or(0, Vec::len);
                out.children = rows
                    .iter()
                    .map(|r| serde_json::json!({"table_row": r}))
                    .collect();
                mb::BlockKind::Table(Table {
                    table_width: Some(width as u64),
                    has_column_header: Some(m.get("header").and_then(Value::as_bool) == Some(true)),
                    has_row_header: Some(false),
                    extra: Default::default(),
                })
            }
            "table_row" => mb::BlockKind::TableRow(TableRow::new(
                v.as_array()
                    .ok_or_else(|| bad("a table row is a list of cells"))?
                    .iter()
                    .map(|c| self.rich(c))
                    .collect::<Result<_, _>>()?,
            )),
            "synced_block" => {
                out.children = v.as_array().cloned().unwrap_or_default();
                mb::BlockKind::SyncedBlock(SyncedBlock {
                    synced_from: Some(None),
                    extra: Default::default(),
                })
            }
            "synced_from" => {
                out.synced_from = v.as_str().map(str::to_owned);
                // The original's id is filled in once every block exists.
                mb::BlockKind::SyncedBlock(SyncedBlock {
                    synced_from: Some(None),
                    extra: Default::default(),
                })
            }
            "child_page" | "child_database" => {
                let key = v.as_str().unwrap_or_default().to_owned();
                let page = *ty == "child_page";
                let title = if page {
                    self.pages.get(&key).map(|(_, t)| t.clone())
                } else {
                    self.databases.get(&key).map(|(_, t)| t.clone())
                }
                .ok_or_else(|| bad(format!("unknown {ty} `{key}`")))?;
                out.child_ref = Some((page, key));
                if page {
                    mb::BlockKind::ChildPage(ChildTitle::new(title))
                } else {
                    mb::BlockKind::ChildDatabase(ChildTitle::new(title))
                }
            }
            "link_to_page" | "link_to_database" => {
                let key = v.as_str().unwrap_or_default();
                let kind = if *ty == "link_to_page" {
                    let id = self
                        .pages
                        .get(key)
                        .or_else(|| self.rows.get(key))
                        .map(|(id, _)| *id)
                        .ok_or_else(|| bad(format!("unknown page `{key}`")))?;
                    LinkToPageKind::Page(id)
                } else {
                    let (id, _) = self
                        .databases
                        .get(key)
                        .ok_or_else(|| bad(format!("unknown database `{key}`")))?;
                    LinkToPageKind::Database(*id)
                };
                mb::BlockKind::LinkToPage(LinkToPage {
                    kind,
                    extra: Default::default(),
                })
            }
            "link_preview" => mb::BlockKind::LinkPreview(LinkPreview {
                url: v.as_str().unwrap_or_default().to_owned(),
                extra: Default::default(),
            }),
            "bookmark" | "embed" => {
                let u = UrlBlock {
                    url: v.as_str().map(str::to_owned),
                    caption: Some(match m.get("caption") {
                        Some(c) => self.rich(c)?,
                        None => Vec::new(),
                    }),
                    extra: Default::default(),
                };
                if *ty == "bookmark" {
                    mb::BlockKind::Bookmark(u)
                } else {
                    mb::BlockKind::Embed(u)
                }
            }
            "image" | "video" | "pdf" | "audio" | "file" => {
                let mut media = self.media(m, v)?;
                match *ty {
                    "image" => mb::BlockKind::Image(media),
                    "video" => mb::BlockKind::Video(media),
                    "pdf" => mb::BlockKind::Pdf(media),
                    "audio" => mb::BlockKind::Audio(media),
                    _ => {
                        media.name = Some(
                            m.get("name")
                                .and_then(Value::as_str)
                                .or_else(|| v.get("hosted").and_then(Value::as_str))
                                .unwrap_or("file")
                                .to_owned(),
                        );
                        mb::BlockKind::File(media)
                    }
                }
            }
            "tab" => {
                // Tab items: paragraphs with an icon, holding the tab's content.
                out.children = v
                    .as_array()
                    .ok_or_else(|| bad("a tab block is a list of tabs"))?
                    .iter()
                    .map(|t| {
                        serde_json::json!({
                            "paragraph": t.get("title").cloned().unwrap_or(Value::Null),
                            "icon": t.get("icon").cloned().unwrap_or(Value::Null),
                            "children": t.get("children").cloned().unwrap_or(Value::Array(Vec::new())),
                        })
                    })
                    .collect();
                mb::BlockKind::Tab(Empty::new())
            }
            "meeting_notes" => {
                let sections = ["summary", "notes", "transcript"];
                out.children = sections
                    .iter()
                    .map(|s| {
                        serde_json::json!({
                            "heading_3": s[..1].to_uppercase() + &s[1..],
                            "toggleable": true,
                            "children": m.get(*s).cloned().unwrap_or(Value::Array(Vec::new())),
                        })
                    })
                    .collect();
                let attendees = m
                    .get("attendees")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|a| self.user(a.as_str().unwrap_or_default()))
                    .collect::<Result<Vec<_>, _>>()?;
                let st = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
                mb::BlockKind::MeetingNotes(Box::new(MeetingNotes {
                    title: Some(self.rich(v)?),
                    status: Some(st("status").unwrap_or_else(|| "notes_ready".to_owned())),
                    children: Some(MeetingNotesChildren::default()),
                    calendar_event: Some(CalendarEvent {
                        start_time: st("start"),
                        end_time: st("end"),
                        attendees: Some(attendees),
                        extra: Default::default(),
                    }),
                    recording: Some(Recording {
                        start_time: st("start"),
                        end_time: st("end"),
                        extra: Default::default(),
                    }),
                    legacy_transcription: false,
                    extra: Default::default(),
                }))
            }
            "template" => mb::BlockKind::Template(Template {
                rich_text: Some(self.rich(v)?),
                extra: Default::default(),
            }),
            "unsupported" => mb::BlockKind::Unsupported(Unsupported {
                block_type: v.as_str().map(str::to_owned),
                extra: Default::default(),
            }),
            _ => return Err(bad(format!("unknown block type `{ty}`"))),
        };
        // Tab items carry their icon on the paragraph.
        if let (mb::BlockKind::Paragraph(p), Some(icon)) =
            (&mut out.kind, m.get("icon").filter(|i| !i.is_null()))
        {
            p.icon = Some(Some(self.icon(icon)?));
        }
        Ok(out)
    }
}

/// Synced blocks while loading: duplicates waiting for their original, originals by key.
#[derive(Default)]
struct Synced {
    duplicates: Vec<(Id, String)>,
    originals: HashMap<String, Id>,
}

/// State while expanding the blocks of one page.
struct PageCtx {
    page: Id,
    created: DateTime<Utc>,
    edited: DateTime<Utc>,
    by: Id,
    edited_by: Id,
}

impl Demo {
    pub(super) fn build(specs: Vec<FileSpec>, start: DateTime<Utc>) -> Result<Demo, FakeError> {
        let mut ws_spec = None;
        let mut users = Vec::new();
        let mut pages = Vec::new();
        let mut databases = Vec::new();
        for s in specs {
            if s.workspace.is_some() {
                ws_spec = s.workspace;
            }
            users.extend(s.users);
            pages.extend(s.pages);
            databases.extend(s.databases);
        }
        let ws_spec = ws_spec.ok_or_else(|| bad("no `workspace`"))?;
        let workspace_id = key_id("workspace", &ws_spec.name);
        let mut b = Builder {
            users: HashMap::new(),
            pages: HashMap::new(),
            databases: HashMap::new(),
            data_sources: HashMap::new(),
            rows: HashMap::new(),
            ds_database: HashMap::new(),
        };
        // Users: the connection's bot first.
        let bot = key_id("user", &ws_spec.bot);
        let mut user_objs = vec![User::bot(
            bot,
            ws_spec.bot_name.clone(),
            Bot {
                owner: Some(Owner::workspace()),
                workspace_id: Some(workspace_id),
                workspace_name: Some(Some(ws_spec.name.clone())),
                workspace_limits: Some(WorkspaceLimits {
                    max_file_upload_size_in_bytes: Some(5_242_880),
                    extra: Default::default(),
                }),
                extra: Default::default(),
            },
        )];
        b.users
            .insert(ws_spec.bot.clone(), (bot, ws_spec.bot_name.clone()));
        for u in &users {
            let id = key_id("user", &u.key);
            b.users.insert(u.key.clone(), (id, u.name.clone()));
            let mut user = if u.bot {
                User::bot(id, u.name.clone(), Bot::default())
            } else {
                let mut user = User::person(id, u.name.clone(), u.email.clone());
                if let Some(notion_model::UserKind::Person(p)) = &mut user.kind {
                    p.email_verified = Some(true);
                }
                user
            };
            user.avatar_url = Some(u.avatar.clone());
            user_objs.push(user);
        }
        // Keys of pages, databases, data sources and rows.
        for p in &pages {
            let title = b.rich(&p.title)?;
            let text = notion_model::rich_text::plain_text(&title);
            if b.pages
                .insert(p.key.clone(), (key_id("page", &p.key), text))
                .is_some()
            {
                return Err(bad(format!("duplicate page key `{}`", p.key)));
            }
        }
        for d in &databases {
            b.databases
                .insert(d.key.clone(), (key_id("database", &d.key), d.title.clone()));
            for ds in &d.data_sources {
                b.data_sources
                    .insert(ds.key.clone(), key_id("data_source", &ds.key));
                b.ds_database
                    .insert(key_id("data_source", &ds.key), key_id("database", &d.key));
                let title_prop = ds
                    .properties
                    .iter()
                    .find(|p| p.ty == "title")
                    .map(|p| p.name.clone())
                    .ok_or_else(|| {
                        bad(format!("data source `{}` has no title property", ds.key))
                    })?;
                for r in &ds.rows {
                    let title = r
                        .values
                        .get(&title_prop)
                        .map(|v| b.rich(v))
                        .transpose()?
                        .map(|t| notion_model::rich_text::plain_text(&t))
                        .unwrap_or_default();
                    if b.rows
                        .insert(r.key.clone(), (key_id("page", &r.key), title))
                        .is_some()
                    {
                        return Err(bad(format!("duplicate row key `{}`", r.key)));
                    }
                }
            }
        }
        let mut demo = Demo {
            workspace_id,
            name: ws_spec.name.clone(),
            bot,
            users: user_objs,
            databases: Vec::new(),
            db_sources: HashMap::new(),
            data_sources: HashMap::new(),
            ds_database: HashMap::new(),
            ds_rows: HashMap::new(),
            page_order: Vec::new(),
            pages: HashMap::new(),
            blocks: HashMap::new(),
            children: HashMap::new(),
            comments: HashMap::new(),
            comment_objs: HashMap::new(),
            complete: HashMap::new(),
        };
        let mut synced = Synced::default();
        // Standalone and child pages.
        for p in &pages {
            let (id, title) = b.pages[&p.key].clone();
            let parent = if p.parent == "workspace" {
                Parent::workspace()
            } else {
                let (pid, _) = b
                    .pages
                    .get(&p.parent)
                    .ok_or_else(|| bad(format!("unknown parent page `{}`", p.parent)))?;
                Parent::page(*pid)
            };
            let created = instant(&p.created)?;
            let edited = instant(&p.edited)?;
            let by = b.user(&p.by)?;
            let edited_by = b.user(p.edited_by.as_deref().unwrap_or(&p.by))?;
            let mut props = PropertyValues::new();
            props.insert("title".to_owned(), {
                let mut v = PropertyValue::title("");
                v.kind = PropertyValueKind::Title(b.rich(&p.title)?);
                v
            });
            let mut page = Page::new(id, parent, props)
                .with_created(ts(created), by)
                .with_last_edited(ts(edited), edited_by);
            page.url = Some(page_url(id, &title));
            page.icon = Some(p.icon.as_ref().map(|i| b.icon(i)).transpose()?);
            page.cover = Some(match &p.cover {
                None => None,
                Some(Value::String(url)) => Some(notion_model::File::external(url)),
                Some(Value::Object(c)) => match c.get("hosted").and_then(Value::as_str) {
                    Some(name) => Some(notion_model::File::new(Builder::hosted(
                        name,
                        c.get("size"),
                    ))),
                    None => return Err(bad(format!("page `{}`: bad cover", p.key))),
                },
                Some(_) => return Err(bad(format!("page `{}`: bad cover", p.key))),
            });
            demo.page_order.push(id);
            demo.pages.insert(
                id,
                DemoPage {
                    page,
                    title,
                    in_search: p.in_search,
                    data_source: None,
                },
            );
            let ctx = PageCtx {
                page: id,
                created,
                edited,
                by,
                edited_by,
            };
            demo.add_blocks(&b, &ctx, id, &p.blocks, &p.key, &mut synced)?;
            demo.add_comments(&b, id, id, &p.comments, &p.key)?;
        }
        // Databases, data sources and rows.
        for d in &databases {
            demo.add_database(&b, d, &mut synced)?;
        }
        // Duplicate synced blocks point at their originals.
        for (dup, key) in synced.duplicates {
            let original = *synced
                .originals
                .get(&key)
                .ok_or_else(|| bad(format!("unknown synced block `{key}`")))?;
            if let Some(db) = demo.blocks.get_mut(&dup) {
                db.synced_from = Some(original);
                db.block.kind = Some(mb::BlockKind::SyncedBlock(SyncedBlock {
                    synced_from: Some(Some(SyncedFrom {
                        kind: SyncedFromKind::Block(original),
                        extra: Default::default(),
                    })),
                    extra: Default::default(),
                }));
                db.block.has_children = Some(true);
            }
        }
        // `child_page` blocks: whether the page has content.
        let has_content: Vec<(Id, bool)> = demo
            .pages
            .keys()
            .map(|p| (*p, demo.children.get(p).is_some_and(|c| !c.is_empty())))
            .collect();
        for (p, has) in has_content {
            if let Some(b) = demo.blocks.get_mut(&p) {
                b.block.has_children = Some(has);
            }
        }
        demo.check(&pages, start)?;
        Ok(demo)
    }

    /// Every child page is linked from exactly one `child_page` block of its parent, and the
    /// content is dated before the clock's start.
    fn check(&self, pages: &[PageSpec], start: DateTime<Utc>) -> Result<(), FakeError> {
        for p in pages.iter().filter(|p| p.parent != "workspace") {
            let id = key_id("page", &p.key);
            let Some(block) = self.blocks.get(&id) else {
                return Err(bad(format!(
                    "child page `{}` has no child_page block in `{}`",
                    p.key, p.parent
                )));
            };
            if block.page != key_id("page", &p.parent) {
                return Err(bad(format!(
                    "the child_page block of `{}` is not in its parent `{}`",
                    p.key, p.parent
                )));
            }
        }
        let late = self
            .pages
            .values()
            .filter_map(|p| p.page.last_edited_time.as_ref())
            .any(|t| t.instant() > start);
        if late {
            return Err(bad("a page is edited after the clock's start"));
        }
        Ok(())
    }

    fn add_blocks(
        &mut self,
        b: &Builder,
        ctx: &PageCtx,
        parent: Id,
        specs: &[Value],
        path: &str,
        synced: &mut Synced,
    ) -> Result<(), FakeError> {
        let mut ids = Vec::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            let e = b.expand(spec)?;
            let key = spec.get("key").and_then(Value::as_str);
            let here = format!("{path}/{i}");
            let id = match &e.child_ref {
                Some((true, k)) => key_id("page", k),
                Some((false, k)) => key_id("database", k),
                None => key_id("block", key.unwrap_or(&here)),
            };
            if let (Some(k), mb::BlockKind::SyncedBlock(s)) = (key, &e.kind)
                && s.synced_from == Some(None)
                && e.synced_from.is_none()
            {
                synced.originals.insert(k.to_owned(), id);
            }
            let block_parent = if parent == ctx.page {
                Parent::page(ctx.page)
            } else {
                Parent::block(parent)
            };
            let created = match spec.get("created").and_then(Value::as_str) {
                Some(t) => instant(t)?,
                None => ctx.created,
            };
            let edited = match spec.get("edited").and_then(Value::as_str) {
                Some(t) => instant(t)?,
                None => ctx.edited,
            };
            let by = match spec.get("by").and_then(Value::as_str) {
                Some(u) => b.user(u)?,
                None => ctx.by,
            };
            let edited_by = match spec.get("by").and_then(Value::as_str) {
                Some(u) => b.user(u)?,
                None => ctx.edited_by,
            };
            let mut block = Block::new(id, block_parent, e.kind)
                .with_created(ts(created), by)
                .with_last_edited(ts(edited), edited_by);
            // A child page's block learns whether the page has content at the end.
            if e.child_ref.is_none() {
                block = block.with_children(!e.children.is_empty());
            }
            if let Some(k) = &e.synced_from {
                synced.duplicates.push((id, k.clone()));
            }
            if self
                .blocks
                .insert(
                    id,
                    DemoBlock {
                        block,
                        page: ctx.page,
                        synced_from: None,
                    },
                )
                .is_some()
            {
                return Err(bad(format!("duplicate block id at {here}")));
            }
            ids.push(id);
            if e.child_ref.is_none() {
                self.add_blocks(b, ctx, id, &e.children, &here, synced)?;
                // Meeting notes point at their three sections.
                if let Some(DemoBlock {
                    block:
                        Block {
                            kind: Some(mb::BlockKind::MeetingNotes(notes)),
                            ..
                        },
                    ..
                }) = self.blocks.get_mut(&id)
                {
                    let kids = self.children.get(&id).cloned().unwrap_or_default();
                    notes.children = Some(MeetingNotesChildren {
                        summary_block_id: kids.first().copied(),
                        notes_block_id: kids.get(1).copied(),
                        transcript_block_id: kids.get(2).copied(),
                        extra: Default::default(),
                    });
                }
                if let Some(cs) = spec.get("comments") {
                    let cs: Vec<CommentSpec> = serde_json::from_value(cs.clone())
                        .map_err(|e| bad(format!("comments at {here}: {e}")))?;
                    self.add_comments(b, ctx.page, id, &cs, &here)?;
                }
            }
        }
        if !ids.is_empty() || parent == ctx.page {
            self.children.insert(parent, ids);
        }
        Ok(())
    }

    fn add_comments(
        &mut self,
        b: &Builder,
        page: Id,
        parent: Id,
        specs: &[CommentSpec],
        path: &str,
    ) -> Result<(), FakeError> {
        let mut ids = Vec::new();
        for (i, c) in specs.iter().enumerate() {
            let id = key_id("comment", &format!("{path}#{i}"));
            let thread = c.thread.clone().unwrap_or_else(|| format!("{path}#{i}"));
            let at = ts(instant(&c.at)?);
            let by = b.user(&c.by)?;
            let comment = Comment {
                id,
                parent: Some(if parent == page {
                    Parent::page(page)
                } else {
                    Parent::block(parent)
                }),
                discussion_id: Some(key_id("discussion", &format!("{path}@{thread}"))),
                created_time: Some(at.clone()),
                last_edited_time: Some(at),
                created_by: Some(User::partial(by)),
                rich_text: Some(b.rich(&c.text)?),
                display_name: Some(DisplayName {
                    name_type: Some("user".to_owned()),
                    resolved_name: Some(Some(b.user_name(&c.by))),
                    extra: Default::default(),
                }),
                attachments: c.attachment.as_ref().map(|name| {
                    vec![Attachment {
                        category: Some("image".to_owned()),
                        file: Some(placeholder(
                            Size::Bytes(1024 + fnv(name) % (255 << 10)),
                            name,
                        )),
                        extra: Default::default(),
                    }]
                }),
                extra: Default::default(),
            };
            self.comment_objs.insert(id, DemoComment { comment, page });
            ids.push(id);
        }
        if !ids.is_empty() {
            self.comments.insert(parent, ids);
        }
        Ok(())
    }

    fn add_database(
        &mut self,
        b: &Builder,
        d: &DatabaseSpec,
        synced: &mut Synced,
    ) -> Result<(), FakeError> {
        let (id, _) = b.databases[&d.key].clone();
        let parent = if d.parent == "workspace" {
            Parent::workspace()
        } else {
            let (pid, _) = b
                .pages
                .get(&d.parent)
                .ok_or_else(|| bad(format!("unknown parent page `{}`", d.parent)))?;
            Parent::page(*pid)
        };
        let refs = d
            .data_sources
            .iter()
            .map(|ds| DataSourceRef::new(b.data_sources[&ds.key], ds.title.clone()))
            .collect();
        let mut db = Database::new(id, parent.clone(), d.title.clone(), refs);
        let created = instant(&d.created)?;
        let edited = instant(&d.edited)?;
        let millis = |t: DateTime<Utc>| {
            Timestamp::parse(&fmt_millis(t + Duration::milliseconds(417))).unwrap_or_else(|_| ts(t))
        };
        db.created_time = Some(millis(created));
        db.last_edited_time = Some(millis(edited));
        db.is_inline = Some(d.inline);
        db.icon = Some(d.icon.as_ref().map(|i| b.icon(i)).transpose()?);
        if let Some(desc) = &d.description {
            db.description = Some(b.rich(desc)?);
        }
        let by = b.user(&d.by)?;
        self.databases.push(db);
        let mut sources = Vec::new();
        for ds in &d.data_sources {
            let ds_id = b.data_sources[&ds.key];
            sources.push(ds_id);
            let schema = self.schema(b, ds)?;
            let mut obj = DataSource::new(ds_id, id, ds.title.clone(), schema.clone());
            obj.database_parent = Some(parent.clone());
            obj.created_time = Some(millis(created));
            obj.last_edited_time = Some(millis(edited));
            obj.created_by = Some(User::partial(by));
            obj.last_edited_by = Some(User::partial(by));
            obj.is_inline = Some(d.inline);
            obj.icon = Some(d.icon.as_ref().map(|i| b.icon(i)).transpose()?);
            self.data_sources.insert(ds_id, obj);
            self.ds_database.insert(ds_id, id);
            let mut rows = Vec::new();
            for (n, r) in ds.rows.iter().enumerate() {
                let row = self.add_row(b, (id, ds_id), ds, &schema, (r, n), synced)?;
                rows.push(row);
            }
            self.ds_rows.insert(ds_id, rows);
        }
        // Rollups read the rows they relate to.
        for ds in &d.data_sources {
            self.compute_rollups(b.data_sources[&ds.key], ds);
        }
        self.db_sources.insert(id, sources);
        Ok(())
    }

    fn schema(&self, b: &Builder, ds: &DataSourceSpec) -> Result<PropertySchemas, FakeError> {
        let mut out = PropertySchemas::new();
        for p in &ds.properties {
            let pid = match (&p.id, p.ty.as_str()) {
                (Some(id), _) => id.clone(),
                (None, "title") => "title".to_owned(),
                (None, _) => prop_id(&format!("{}/{}", ds.key, p.name)),
            };
            let opts = |list: &[(String, String)]| -> Vec<SelectOption> {
                list.iter()
                    .map(|(name, c)| {
                        let mut o =
                            SelectOption::new(option_id(&ds.key, &p.name, name), name, color(c));
                        o.description = Some(None);
                        o
                    })
                    .collect()
            };
            let kind = match p.ty.as_str() {
                "title" => PropertySchemaKind::Title(Empty::new()),
                "rich_text" => PropertySchemaKind::RichText(Empty::new()),
                "number" => PropertySchemaKind::Number(NumberConfig {
                    format: Some(p.format.clone().unwrap_or_else(|| "number".to_owned())),
                    extra: Default::default(),
                }),
                "select" => PropertySchemaKind::Select(SelectConfig {
                    options: Some(opts(&p.options)),
                    extra: Default::default(),
                }),
                "multi_select" => PropertySchemaKind::MultiSelect(SelectConfig {
                    options: Some(opts(&p.options)),
                    extra: Default::default(),
                }),
                "status" => PropertySchemaKind::Status(StatusConfig {
                    options: Some(opts(&p.options)),
                    groups: Some(
                        p.groups
                            .iter()
                            .map(|(name, c, members)| StatusGroup {
                                id: Some(option_id(&ds.key, &p.name, &format!("group {name}"))),
                                name: Some(name.clone()),
                                color: Some(color(c)),
                                option_ids: Some(
                                    members
                                        .iter()
                                        .map(|m| option_id(&ds.key, &p.name, m))
                                        .collect(),
                                ),
                                extra: Default::default(),
                            })
                            .collect(),
                    ),
                    extra: Default::default(),
                }),
                "date" => PropertySchemaKind::Date(Empty::new()),
                "people" => PropertySchemaKind::People(Empty::new()),
                "files" => PropertySchemaKind::Files(Empty::new()),
                "checkbox" => PropertySchemaKind::Checkbox(Empty::new()),
                "url" => PropertySchemaKind::Url(Empty::new()),
                "email" => PropertySchemaKind::Email(Empty::new()),
                "phone_number" => PropertySchemaKind::PhoneNumber(Empty::new()),
                "formula" => PropertySchemaKind::Formula(FormulaConfig {
                    expression: p.expression.clone(),
                    extra: Default::default(),
                }),
                "relation" => {
                    let target = p
                        .target
                        .as_deref()
                        .ok_or_else(|| bad(format!("relation `{}` needs `target`", p.name)))?;
                    let target_ds = *b
                        .data_sources
                        .get(target)
                        .ok_or_else(|| bad(format!("unknown data source `{target}`")))?;
                    PropertySchemaKind::Relation(RelationConfig {
                        database_id: b.ds_database.get(&target_ds).copied(),
                        data_source_id: Some(target_ds),
                        relation_type: Some(
                            if p.dual.is_some() {
                                "dual_property"
                            } else {
                                "single_property"
                            }
                            .to_owned(),
                        ),
                        single_property: p.dual.is_none().then(Empty::new),
                        dual_property: p.dual.as_ref().map(|name| DualProperty {
                            synced_property_id: Some(prop_id(&format!("{target}/{name}"))),
                            synced_property_name: Some(name.clone()),
                            extra: Default::default(),
                        }),
                        extra: Default::default(),
                    })
                }
                "rollup" => {
                    let rel = p.relation.clone().unwrap_or_default();
                    let prop = p.property.clone().unwrap_or_default();
                    PropertySchemaKind::Rollup(RollupConfig {
                        relation_property_id: Some(prop_id(&format!("{}/{rel}", ds.key))),
                        relation_property_name: Some(rel),
                        rollup_property_id: Some(prop_id(&format!("{}/{prop}", ds.key))),
                        rollup_property_name: Some(prop),
                        function: Some(p.function.clone().unwrap_or_else(|| "sum".to_owned())),
                        extra: Default::default(),
                    })
                }
                "created_time" => PropertySchemaKind::CreatedTime(Empty::new()),
                "created_by" => PropertySchemaKind::CreatedBy(Empty::new()),
                "last_edited_time" => PropertySchemaKind::LastEditedTime(Empty::new()),
                "last_edited_by" => PropertySchemaKind::LastEditedBy(Empty::new()),
                "unique_id" => PropertySchemaKind::UniqueId(UniqueIdConfig {
                    prefix: Some(p.prefix.clone()),
                    extra: Default::default(),
                }),
                "button" => PropertySchemaKind::Button(Empty::new()),
                "place" => PropertySchemaKind::Place(Empty::new()),
                "verification" => PropertySchemaKind::Verification(Empty::new()),
                other => return Err(bad(format!("unknown property type `{other}`"))),
            };
            let mut schema = PropertySchema::new(pid, p.name.clone(), kind);
            if let Some(d) = &p.description {
                schema.description = Some(Some(d.clone()));
            }
            out.insert(p.name.clone(), schema);
        }
        Ok(out)
    }

    /// Adds row `n` of data source `ds` (`ids`: the database and data source ids).
    fn add_row(
        &mut self,
        b: &Builder,
        (db, ds_id): (Id, Id),
        ds: &DataSourceSpec,
        schema: &PropertySchemas,
        (r, n): (&RowSpec, usize),
        synced: &mut Synced,
    ) -> Result<Id, FakeError> {
        let id = b.rows[&r.key].0;
        let created = instant(&r.created)?;
        let edited = instant(&r.edited)?;
        let by = b.user(&r.by)?;
        let edited_by = b.user(r.edited_by.as_deref().unwrap_or(&r.by))?;
        for name in r.values.keys() {
            if !schema.contains_key(name) {
                return Err(bad(format!(
                    "row `{}` sets unknown property `{name}`",
                    r.key
                )));
            }
        }
        let mut props = PropertyValues::new();
        let mut title = String::new();
        for p in &ds.properties {
            let s = &schema[&p.name];
            let pid = s.id.clone().unwrap_or_default();
            let v = r.values.get(&p.name).unwrap_or(&Value::Null);
            let opt = |name: &str| -> Option<SelectOption> {
                match &s.kind {
                    PropertySchemaKind::Select(c) | PropertySchemaKind::MultiSelect(c) => {
                        c.options.as_ref()
                    }
                    PropertySchemaKind::Status(c) => c.options.as_ref(),
                    _ => None,
                }
                .and_then(|os| os.iter().find(|o| o.name == name))
                .map(|o| {
                    SelectOption::new(
                        o.id.clone().unwrap_or_default(),
                        o.name.clone(),
                        o.color.clone().unwrap_or_default(),
                    )
                })
            };
            let kind = match p.ty.as_str() {
                "title" => {
                    let rich = b.rich(v)?;
                    title = notion_model::rich_text::plain_text(&rich);
                    PropertyValueKind::Title(rich)
                }
                "rich_text" => PropertyValueKind::RichText(b.rich(v)?),
                "number" => {
                    PropertyValueKind::Number(v.as_f64().and_then(|_| v.as_number().cloned()))
                }
                "select" => PropertyValueKind::Select(match v.as_str() {
                    Some(name) => Some(
                        opt(name)
                            .ok_or_else(|| bad(format!("row `{}`: no option `{name}`", r.key)))?,
                    ),
                    None => None,
                }),
                "status" => PropertyValueKind::Status(match v.as_str() {
                    Some(name) => Some(
                        opt(name)
                            .ok_or_else(|| bad(format!("row `{}`: no option `{name}`", r.key)))?,
                    ),
                    None => None,
                }),
                "multi_select" => PropertyValueKind::MultiSelect(
                    v.as_array()
                        .into_iter()
                        .flatten()
                        .map(|x| {
                            let name = x.as_str().unwrap_or_default();
                            opt(name)
                                .ok_or_else(|| bad(format!("row `{}`: no option `{name}`", r.key)))
                        })
                        .collect::<Result<_, _>>()?,
                ),
                "date" => PropertyValueKind::Date(match v {
                    Value::String(s) => Some(DateValue::new(s.clone())),
                    Value::Object(m) => {
                        let mut d = DateValue::new(
                            m.get("start").and_then(Value::as_str).unwrap_or_default(),
                        );
                        d.end = Some(m.get("end").and_then(Value::as_str).map(str::to_owned));
                        d.time_zone = Some(
                            m.get("time_zone")
                                .and_then(Value::as_str)
                                .map(str::to_owned),
                        );
                        Some(d)
                    }
                    _ => None,
                }),
                "people" => PropertyValueKind::People(
                    v.as_array()
                        .into_iter()
                        .flatten()
                        .map(|u| {
                            b.user(u.as_str().unwrap_or_default())
                                .map(|id| UserOrGroup::User(User::partial(id)))
                        })
                        .collect::<Result<_, _>>()?,
                ),
                "files" => PropertyValueKind::Files(
                    v.as_array()
                        .into_iter()
                        .flatten()
                        .map(|f| {
                            let name = f.get("name").and_then(Value::as_str).unwrap_or("file");
                            match f.get("url").and_then(Value::as_str) {
                                Some(url) => NamedFile::new(name, FileKind::external(url)),
                                None => NamedFile::new(name, Builder::hosted(name, f.get("size"))),
                            }
                        })
                        .collect(),
                ),
                "checkbox" => PropertyValueKind::Checkbox(v.as_bool().unwrap_or(false)),
                "url" => PropertyValueKind::Url(v.as_str().map(str::to_owned)),
                "email" => PropertyValueKind::Email(v.as_str().map(str::to_owned)),
                "phone_number" => PropertyValueKind::PhoneNumber(v.as_str().map(str::to_owned)),
                "formula" => PropertyValueKind::Formula(Formula::new(match p.result.as_deref() {
                    Some("string") => FormulaKind::String(v.as_str().map(str::to_owned)),
                    Some("boolean") => FormulaKind::Boolean(v.as_bool()),
                    Some("date") => FormulaKind::Date(v.as_str().map(DateValue::new)),
                    _ => FormulaKind::Number(v.as_number().cloned()),
                })),
                "relation" => {
                    let refs = v
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|k| {
                            let k = k.as_str().unwrap_or_default();
                            b.rows
                                .get(k)
                                .map(|(id, _)| ObjectRef::new(*id))
                                .ok_or_else(|| bad(format!("row `{}`: unknown row `{k}`", r.key)))
                        })
                        .collect::<Result<_, _>>()?;
                    props.insert(p.name.clone(), PropertyValue::relation(pid, refs, false));
                    continue;
                }
                "rollup" => PropertyValueKind::Rollup(Rollup::new(
                    RollupKind::Number(Some(0.into())),
                    p.function.clone().unwrap_or_else(|| "sum".to_owned()),
                )),
                "created_time" => PropertyValueKind::CreatedTime(ts(created)),
                "created_by" => PropertyValueKind::CreatedBy(User::partial(by)),
                "last_edited_time" => PropertyValueKind::LastEditedTime(ts(edited)),
                "last_edited_by" => PropertyValueKind::LastEditedBy(User::partial(edited_by)),
                "unique_id" => PropertyValueKind::UniqueId(UniqueId {
                    number: Some(Some(v.as_u64().unwrap_or(n as u64 + 1))),
                    prefix: Some(p.prefix.clone()),
                    extra: Default::default(),
                }),
                "button" => PropertyValueKind::Button(Empty::new()),
                "place" => PropertyValueKind::Place(match v {
                    Value::Object(m) => Some(Place {
                        lat: m.get("lat").and_then(Value::as_number).cloned(),
                        lon: m.get("lon").and_then(Value::as_number).cloned(),
                        name: Some(m.get("name").and_then(Value::as_str).map(str::to_owned)),
                        address: Some(m.get("address").and_then(Value::as_str).map(str::to_owned)),
                        aws_place_id: Some(None),
                        google_place_id: Some(None),
                        extra: Default::default(),
                    }),
                    _ => None,
                }),
                "verification" => PropertyValueKind::Verification(Some(Box::new(match v {
                    Value::Object(m) => Verification {
                        state: Some(
                            m.get("state")
                                .and_then(Value::as_str)
                                .unwrap_or("verified")
                                .to_owned(),
                        ),
                        date: Some(m.get("start").and_then(Value::as_str).map(|s| {
                            match m.get("end").and_then(Value::as_str) {
                                Some(e) => DateValue::range(s, e),
                                None => DateValue::new(s),
                            }
                        })),
                        verified_by: Some(match m.get("by").and_then(Value::as_str) {
                            Some(u) => Some(User::partial(b.user(u)?)),
                            None => None,
                        }),
                        extra: Default::default(),
                    },
                    _ => Verification {
                        state: Some("unverified".to_owned()),
                        date: Some(None),
                        verified_by: Some(None),
                        extra: Default::default(),
                    },
                }))),
                other => return Err(bad(format!("unknown property type `{other}`"))),
            };
            props.insert(p.name.clone(), PropertyValue::new(pid, kind));
        }
        let mut page = Page::new(id, Parent::data_source(ds_id, db), props)
            .with_created(ts(created), by)
            .with_last_edited(ts(edited), edited_by);
        page.url = Some(page_url(id, &title));
        page.icon = Some(r.icon.as_ref().map(|i| b.icon(i)).transpose()?);
        self.page_order.push(id);
        self.pages.insert(
            id,
            DemoPage {
                page,
                title,
                in_search: true,
                data_source: Some(ds_id),
            },
        );
        let ctx = PageCtx {
            page: id,
            created,
            edited,
            by,
            edited_by,
        };
        self.add_blocks(b, &ctx, id, &r.blocks, &r.key, synced)?;
        self.add_comments(b, id, id, &r.comments, &r.key)?;
        Ok(id)
    }

    /// Rollups over the related rows: page objects compute over the first 25 entries; the
    /// values over every entry of a longer relation are kept for the property-item endpoint.
    fn compute_rollups(&mut self, ds_id: Id, ds: &DataSourceSpec) {
        let rows = self.ds_rows.get(&ds_id).cloned().unwrap_or_default();
        for p in ds.properties.iter().filter(|p| p.ty == "rollup") {
            let rel = p.relation.clone().unwrap_or_default();
            let prop = p.property.clone().unwrap_or_default();
            let function = p.function.clone().unwrap_or_else(|| "sum".to_owned());
            for row in &rows {
                let targets: Vec<Id> = self
                    .pages
                    .get(row)
                    .and_then(|r| r.page.property(&rel))
                    .and_then(|v| match &v.kind {
                        PropertyValueKind::Relation(refs) => {
                            Some(refs.iter().map(|r| r.id).collect())
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                let over = |entries: &[Id]| {
                    let values: Vec<PropertyValueKind> = entries
                        .iter()
                        .filter_map(|t| self.pages.get(t))
                        .filter_map(|t| t.page.property(&prop))
                        .map(|v| v.kind.clone())
                        .collect();
                    Rollup::new(
                        rollup::compute(&function, entries.len(), &values),
                        function.clone(),
                    )
                };
                let shown = over(&targets[..targets.len().min(PAGE_VALUE_LIMIT)]);
                let complete = (targets.len() > PAGE_VALUE_LIMIT).then(|| over(&targets));
                if let Some(page) = self.pages.get_mut(row)
                    && let Some(props) = &mut page.page.properties
                    && let Some(v) = props.get_mut(&p.name)
                {
                    v.kind = PropertyValueKind::Rollup(shown);
                    if let Some(all) = complete {
                        let mut value = v.clone();
                        value.kind = PropertyValueKind::Rollup(all);
                        self.complete
                            .entry(*row)
                            .or_default()
                            .push((p.name.clone(), value));
                    }
                }
            }
        }
    }
}

pub(super) fn page_url(id: Id, title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("https://app.notion.com/p/{}", id.simple())
    } else {
        format!("https://app.notion.com/p/{slug}-{}", id.simple())
    }
}
