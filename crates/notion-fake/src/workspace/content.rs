//! The generated workspace's objects, built from `notion-model` types on demand.
//!
//! Everything is a function of the seed and the indices in an id: a block's content comes from a
//! generator seeded with its page and block index, a row's values from its data source and row
//! number. Nothing is stored per object.

use chrono::{DateTime, Duration, Utc};
use notion_model::block::{
    self as mb, CalendarEvent, Callout, ChildTitle, Code, Column, Heading, LinkToPage,
    LinkToPageKind, Media, MeetingNotes, MeetingNotesChildren, NumberedListItem, Paragraph,
    Recording, SyncedBlock, SyncedFrom, SyncedFromKind, Table, TableOfContents, TableRow, Template,
    TextBlock, ToDo, Unsupported, UrlBlock,
};
use notion_model::comment::{Attachment, DisplayName};
use notion_model::file::NotionFile;
use notion_model::icon::{IconKind, NativeIcon};
use notion_model::property::{
    DualProperty, Formula, FormulaConfig, FormulaKind, NumberConfig, Place, PropertySchema,
    PropertySchemaKind, PropertyValue, PropertyValueKind, RelationConfig, Rollup, RollupConfig,
    SelectConfig, SelectOption, StatusConfig, StatusGroup, UniqueId, UniqueIdConfig, Verification,
};
use notion_model::rich_text::{
    Annotations, Equation, LinkMention, LinkPreview, MentionKind, TemplateMention,
    TemplateMentionKind,
};
use notion_model::user::{Bot, WorkspaceLimits};
use notion_model::{
    Block, Color, Comment, CustomEmoji, DataSource, DataSourceRef, Database, DateValue, Empty,
    FileKind, Icon, Id, NamedFile, ObjectRef, Owner, Page, Parent, PropertySchemas, PropertyValues,
    RichText, Timestamp, User, UserOrGroup,
};
use serde_json::Number;

use super::base::Base;
use super::config::Mix;
use super::generator::{BlockKind, DatabaseKind, Gen, PageKind, ROOT, Times, Tree};
use super::hosted::{self, Size};
use super::rollup;
use super::text::{self, DATABASE_NAMES, EMOJIS, FIRST_NAMES, LANGUAGES, LAST_NAMES, PAGE_TITLES};
use super::{BlockInfo, Found};
use crate::clock::fmt_millis;
use crate::ids::{Decoded, PAGE_LEVEL};
use crate::render::PAGE_VALUE_LIMIT;
use crate::rng::{self, Rng};

/// What the rollups and formulas of one row read: the relation's entries and, when a rollup
/// reads more than `Estimate`, the values of the related rows.
struct Related {
    /// Page indices of the relation's entries (computed on first use).
    targets: Option<Vec<u32>>,
    /// Values of each entry (`None`: not a row of the data source), computed on first use.
    values: Option<Vec<Option<PropertyValues>>>,
}

/// The name of every generated workspace.
pub(crate) const WORKSPACE_NAME: &str = "Fake Workspace";

/// A data-source property of the generated schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prop {
    Title,
    Summary,
    Estimate,
    Priority,
    Tags,
    Status,
    Due,
    Owner,
    Files,
    Done,
    Link,
    Email,
    Phone,
    Double,
    Related,
    RelatedEstimate,
    Created,
    CreatedBy,
    Edited,
    EditedBy,
    TaskId,
    Notify,
    Office,
    Verification,
    RelatedCount,
    RelatedEstimates,
    LatestRelatedDue,
    RelatedDone,
    RelatedTotal,
    RelatedItems,
}

impl Prop {
    /// For a rollup over `Related`: its function and the property it rolls up.
    fn rollup(self) -> Option<(&'static str, Prop)> {
        match self {
            Prop::RelatedEstimate => Some(("sum", Prop::Estimate)),
            Prop::RelatedCount => Some(("count", Prop::Title)),
            Prop::RelatedEstimates => Some(("show_original", Prop::Estimate)),
            Prop::LatestRelatedDue => Some(("latest_date", Prop::Due)),
            Prop::RelatedDone => Some(("percent_checked", Prop::Done)),
            _ => None,
        }
    }

    /// For a formula that reads `Related`: its expression.
    fn relation_formula(self) -> Option<&'static str> {
        match self {
            Prop::RelatedTotal => Some("prop(\"Related\").map(current.prop(\"Estimate\")).sum()"),
            Prop::RelatedItems => Some("prop(\"Related\").length()"),
            _ => None,
        }
    }

    /// Whether the value is computed from the rows `Related` points at.
    fn reads_relation(self) -> bool {
        self.rollup().is_some() || self.relation_formula().is_some()
    }

    /// `(name, id)` in the rich schema.
    fn name_and_id(self) -> (&'static str, &'static str) {
        RICH.iter()
            .chain(ROLLUPS.iter())
            .find(|(p, _, _)| *p == self)
            .map_or(("", ""), |(_, name, id)| (*name, *id))
    }
}

/// `(property, name, id)` of the rich schema: every property type.
const RICH: [(Prop, &str, &str); 24] = [
    (Prop::Title, "Name", "title"),
    (Prop::Summary, "Summary", "S%5Eqm"),
    (Prop::Estimate, "Estimate", "N%3Fb%3A"),
    (Prop::Priority, "Priority", "pr%7Ci"),
    (Prop::Tags, "Tags", "t%40gs"),
    (Prop::Status, "Status", "st%3Aa"),
    (Prop::Due, "Due", "d%7Cue"),
    (Prop::Owner, "Owner", "%3Fown"),
    (Prop::Files, "Attachments", "f%3Ail"),
    (Prop::Done, "Done", "d0n%3F"),
    (Prop::Link, "Link", "l%5Enk"),
    (Prop::Email, "Contact email", "em%3Al"),
    (Prop::Phone, "Phone", "ph%3An"),
    (Prop::Double, "Double estimate", "fx%3A2"),
    (Prop::Related, "Related", "r%40l"),
    (Prop::RelatedEstimate, "Related estimate", "r%7Cup"),
    (Prop::Created, "Created", "cr%3At"),
    (Prop::CreatedBy, "Created by", "cr%3Ab"),
    (Prop::Edited, "Last edited", "le%3At"),
    (Prop::EditedBy, "Last edited by", "le%3Ab"),
    (Prop::TaskId, "Task ID", "uid%3A"),
    (Prop::Notify, "Notify", "bt%3An"),
    (Prop::Office, "Office", "pl%3Ac"),
    (Prop::Verification, "Verification", "vr%3Af"),
];

/// What the rollups feature adds to the rich schema: rollups and formulas over `Related`.
const ROLLUPS: [(Prop, &str, &str); 6] = [
    (Prop::RelatedCount, "Related count", "r%7Ccnt"),
    (Prop::RelatedEstimates, "Related estimates", "r%7Carr"),
    (Prop::LatestRelatedDue, "Latest related due", "r%7Cdue"),
    (Prop::RelatedDone, "Related done", "r%7Cpct"),
    (Prop::RelatedTotal, "Related total", "fx%3Art"),
    (Prop::RelatedItems, "Related items", "fx%3Arn"),
];

/// The simple schema (indices into [`RICH`]).
const SIMPLE: [usize; 7] = [0, 2, 4, 6, 7, 9, 14];

const PRIORITIES: [(&str, &str, Color); 3] = [
    ("6f1c0a52-0d3e-4a4b-9a8e-5c1f0b7d2e01", "High", Color::Red),
    (
        "6f1c0a52-0d3e-4a4b-9a8e-5c1f0b7d2e02",
        "Medium",
        Color::Yellow,
    ),
    ("6f1c0a52-0d3e-4a4b-9a8e-5c1f0b7d2e03", "Low", Color::Gray),
];
const TAGS: [(&str, &str, Color); 5] = [
    (
        "1d0e7f3a-5b2c-4e8d-a1f0-3c9b8e7d6a01",
        "Backend",
        Color::Blue,
    ),
    (
        "1d0e7f3a-5b2c-4e8d-a1f0-3c9b8e7d6a02",
        "Frontend",
        Color::Purple,
    ),
    (
        "1d0e7f3a-5b2c-4e8d-a1f0-3c9b8e7d6a03",
        "Design",
        Color::Pink,
    ),
    (
        "1d0e7f3a-5b2c-4e8d-a1f0-3c9b8e7d6a04",
        "Research",
        Color::Green,
    ),
    ("1d0e7f3a-5b2c-4e8d-a1f0-3c9b8e7d6a05", "Ops", Color::Orange),
];
const STATUSES: [(&str, &str, Color); 3] = [
    (
        "a3f2c1d0-7e6b-4c5a-9b8d-0e1f2a3b4c01",
        "Not started",
        Color::Default,
    ),
    (
        "a3f2c1d0-7e6b-4c5a-9b8d-0e1f2a3b4c02",
        "In progress",
        Color::Blue,
    ),
    ("a3f2c1d0-7e6b-4c5a-9b8d-0e1f2a3b4c03", "Done", Color::Green),
];
const STATUS_GROUPS: [(&str, &str, Color, usize); 3] = [
    (
        "b4e3d2c1-8f7a-4d6b-ac9e-1f2a3b4c5d01",
        "To-do",
        Color::Gray,
        0,
    ),
    (
        "b4e3d2c1-8f7a-4d6b-ac9e-1f2a3b4c5d02",
        "In progress",
        Color::Blue,
        1,
    ),
    (
        "b4e3d2c1-8f7a-4d6b-ac9e-1f2a3b4c5d03",
        "Complete",
        Color::Green,
        2,
    ),
];

fn ts(t: DateTime<Utc>) -> Timestamp {
    crate::clock::notion_time(t)
}

/// Databases and data sources write millisecond times with an offset, as Notion does.
fn ts_millis(t: DateTime<Utc>) -> Timestamp {
    Timestamp::parse(&fmt_millis(t)).unwrap_or_else(|_| Timestamp::from_datetime(t))
}

fn minutes(m: u32) -> Duration {
    Duration::minutes(i64::from(m))
}

fn options(list: &[(&str, &str, Color)]) -> Vec<SelectOption> {
    list.iter()
        .map(|(id, name, color)| SelectOption::new(*id, *name, color.clone()))
        .collect()
}

fn schema_options(list: &[(&str, &str, Color)]) -> Vec<SelectOption> {
    options(list)
        .into_iter()
        .map(|mut o| {
            o.description = Some(None);
            o
        })
        .collect()
}

fn num(n: i64) -> Number {
    Number::from(n)
}

impl Gen {
    // ---- identity and people ----------------------------------------------------------------

    /// The name of user `u` (0: the connection's bot).
    pub(crate) fn user_name(&self, u: u32) -> String {
        let people = self.cfg.people;
        if u == 0 {
            "notion-fake".to_owned()
        } else if u <= people {
            let i = (u - 1) as usize;
            let first = FIRST_NAMES[i % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i / FIRST_NAMES.len() + i * 7) % LAST_NAMES.len()];
            format!("{first} {last}")
        } else {
            format!("Automation bot {}", u - people)
        }
    }

    fn user_obj(&self, u: u32) -> User {
        let id = self.id(Decoded::User(u));
        let people = self.cfg.people;
        if u == 0 {
            let bot = Bot {
                owner: Some(Owner::workspace()),
                workspace_id: Some(self.workspace_id()),
                workspace_name: Some(Some(WORKSPACE_NAME.to_owned())),
                workspace_limits: Some(WorkspaceLimits {
                    max_file_upload_size_in_bytes: Some(5_242_880),
                    extra: Default::default(),
                }),
                extra: Default::default(),
            };
            return User::bot(id, self.user_name(0), bot);
        }
        if u <= people {
            let name = self.user_name(u);
            let mut email = name.to_lowercase().replace([' ', '-'], ".");
            if u as usize > FIRST_NAMES.len() {
                email.push_str(&u.to_string());
            }
            email.push_str("@example.com");
            let mut user = User::person(id, name, Some(email));
            if let Some(notion_model::UserKind::Person(p)) = &mut user.kind {
                p.email_verified = Some(!u.is_multiple_of(5));
            }
            if !u.is_multiple_of(3) {
                user.avatar_url = Some(Some(format!(
                    "https://s3-us-west-2.amazonaws.com/public.notion-static.com/avatars/{}.png",
                    id.simple()
                )));
            }
            return user;
        }
        User::bot(id, self.user_name(u), Bot::default())
    }

    /// A person (or the bot when there are no people), picked by `h`.
    fn person(&self, h: u64) -> Id {
        let people = self.cfg.people;
        if people == 0 {
            self.id(Decoded::User(0))
        } else {
            self.id(Decoded::User(1 + (h % u64::from(people)) as u32))
        }
    }

    fn person_index(&self, h: u64) -> u32 {
        if self.cfg.people == 0 {
            0
        } else {
            1 + (h % u64::from(self.cfg.people)) as u32
        }
    }

    // ---- titles ------------------------------------------------------------------------------

    pub(crate) fn page_title_text(&self, p: u32) -> String {
        match self.page_kind(p) {
            PageKind::Standalone(i) => {
                let base = PAGE_TITLES[i as usize % PAGE_TITLES.len()];
                if (i as usize) < PAGE_TITLES.len() {
                    base.to_owned()
                } else {
                    format!("{base} {i}")
                }
            }
            PageKind::Child { n, .. } => {
                let mut rng = Rng::new(self.cfg.seed, &[0x717, u64::from(p)]);
                format!("{} (subpage {n})", text::title(&mut rng, 2))
            }
            PageKind::Row { row, .. } => {
                let mut rng = Rng::new(self.cfg.seed, &[0x718, u64::from(p)]);
                format!("{} {}", text::title(&mut rng, 2), row + 1)
            }
            PageKind::Unshared(n) => format!("Private notes {n}"),
        }
    }

    pub(crate) fn database_title_text(&self, d: u32) -> String {
        let base = DATABASE_NAMES[d as usize % DATABASE_NAMES.len()];
        match self.database_kind(d) {
            DatabaseKind::Top(_) if (d as usize) < DATABASE_NAMES.len() => base.to_owned(),
            DatabaseKind::Top(_) => format!("{base} {d}"),
            DatabaseKind::Child { n, .. } => format!("Inline {} {n}", base.to_lowercase()),
        }
    }

    fn data_source_title(&self, ds: u32) -> String {
        let db = self.database_of(ds);
        if self.data_sources_of(db).start == ds {
            self.database_title_text(db)
        } else {
            "Archive".to_owned()
        }
    }

    fn page_url(&self, id: Id, title: &str) -> String {
        let slug = text::slug(title);
        if slug.is_empty() {
            format!("https://app.notion.com/p/{}", id.simple())
        } else {
            format!("https://app.notion.com/p/{slug}-{}", id.simple())
        }
    }

    // ---- files and icons ---------------------------------------------------------------------

    /// A Notion-hosted file: a signed URL valid until the end of the fake clock's next hour.
    /// A Notion-hosted file (a placeholder the served object turns into a signed URL), of a
    /// size derived from `key` and `name`: 1 KiB to 256 KiB.
    fn hosted_file(&self, key: Id, name: &str, _now: DateTime<Utc>) -> FileKind {
        let h = rng::hash(
            self.cfg.seed,
            &[0x516, key.as_u128() as u64, name.len() as u64],
        );
        FileKind::File(hosted::placeholder(
            Size::Bytes(1024 + h % (255 << 10)),
            name,
        ))
    }

    /// The large hosted file (its size is an option of the server).
    fn large_file(&self, name: &str) -> FileKind {
        FileKind::File(hosted::placeholder(Size::Large, name))
    }

    fn icon(&self, h: u64) -> Option<Icon> {
        match h % 6 {
            0 => None,
            1 => Some(Icon::external(format!(
                "https://www.notion.so/icons/{}_gray.svg",
                ["document", "book", "compass", "bookmark"][(h >> 8) as usize % 4]
            ))),
            2 => Some(Icon::new(IconKind::Native(NativeIcon {
                name: ["rocket", "star", "flag"][(h >> 8) as usize % 3].to_owned(),
                color: Some(Color::Blue),
                extra: Default::default(),
            }))),
            5 => Some(Icon::new(IconKind::File(hosted::placeholder(
                Size::Bytes(512 + (h >> 8) % 4096),
                "icon.png",
            )))),
            _ => Some(Icon::emoji(EMOJIS[(h >> 8) as usize % EMOJIS.len()])),
        }
    }

    fn custom_emoji(&self) -> CustomEmoji {
        CustomEmoji {
            id: self.id(Decoded::Added(u64::MAX - 1)),
            name: Some("bufo".to_owned()),
            url: Some(
                "https://s3-us-west-2.amazonaws.com/public.notion-static.com/emoji/bufo.png"
                    .to_owned(),
            ),
            extra: Default::default(),
        }
    }

    // ---- rich text ---------------------------------------------------------------------------

    fn plain(&self, rng: &mut Rng, min: u64, max: u64) -> Vec<RichText> {
        vec![RichText::plain(text::sentence(rng, min, max))]
    }

    /// One rich-text item of kind `k` (0..16): styled text, a link, an equation, or a mention.
    fn rich_item(&self, k: u32, rng: &mut Rng) -> RichText {
        let styled = |rng: &mut Rng, f: fn(&mut Annotations)| {
            let mut item = RichText::plain(format!(" {} ", text::word(rng)));
            if let Some(a) = &mut item.annotations {
                f(a);
            }
            item
        };
        match k {
            0 => RichText::plain(text::sentence(rng, 3, 8)),
            1 => styled(rng, |a| a.bold = Some(true)),
            2 => styled(rng, |a| {
                a.italic = Some(true);
                a.color = Some(Color::Purple);
            }),
            3 => styled(rng, |a| {
                a.strikethrough = Some(true);
                a.underline = Some(true);
            }),
            4 => styled(rng, |a| a.code = Some(true)),
            5 => RichText::link("the spec", "https://example.com/spec"),
            6 => RichText::equation("e^{i\\pi} + 1 = 0"),
            7 => {
                let u = self.person_index(rng.next_u64());
                let id = self.id(Decoded::User(u));
                RichText::mention(
                    MentionKind::User(Box::new(User::partial(id))),
                    format!("@{}", self.user_name(u)),
                )
            }
            8 => RichText::mention(
                MentionKind::Date(DateValue::new("2026-11-16")),
                "2026-11-16",
            ),
            9 => {
                // A shared standalone page, or sometimes one the connection cannot see.
                let target = match self.unshared_page(rng.below(100) as u32) {
                    Some(u) if rng.chance(0.3) => u,
                    _ => rng.below(u64::from(self.cfg.pages.max(1))) as u32 % self.page_count(),
                };
                let id = self.id(Decoded::Page(target));
                let mut item = RichText::mention(
                    MentionKind::Page(ObjectRef::new(id)),
                    self.page_title_text(target),
                );
                item.href = Some(Some(format!("https://app.notion.com/p/{}", id.simple())));
                item
            }
            10 if self.database_count() > 0 => {
                let d = rng.below(u64::from(self.database_count())) as u32;
                let id = self.id(Decoded::Database(d));
                let mut item = RichText::mention(
                    MentionKind::Database(ObjectRef::new(id)),
                    self.database_title_text(d),
                );
                item.href = Some(Some(format!("https://app.notion.com/p/{}", id.simple())));
                item
            }
            11 => {
                let url = "https://github.com/notion-source/notion-source/pull/42";
                let mut item = RichText::mention(
                    MentionKind::LinkPreview(LinkPreview {
                        url: url.to_owned(),
                        extra: Default::default(),
                    }),
                    url,
                );
                item.href = Some(Some(url.to_owned()));
                item
            }
            12 => {
                let url = "https://www.rust-lang.org/";
                let mut item = RichText::mention(
                    MentionKind::LinkMention(Box::new(LinkMention {
                        href: url.to_owned(),
                        title: Some("Rust Programming Language".to_owned()),
                        description: Some("A language empowering everyone.".to_owned()),
                        link_provider: Some("rust-lang.org".to_owned()),
                        icon_url: Some(
                            "https://www.rust-lang.org/static/images/favicon.svg".to_owned(),
                        ),
                        ..Default::default()
                    })),
                    url,
                );
                item.href = Some(Some(url.to_owned()));
                item
            }
            13 => RichText::mention(
                MentionKind::TemplateMention(TemplateMention {
                    kind: TemplateMentionKind::Date("today".to_owned()),
                    extra: Default::default(),
                }),
                "@Today",
            ),
            14 => RichText::mention(
                MentionKind::TemplateMention(TemplateMention {
                    kind: TemplateMentionKind::User("me".to_owned()),
                    extra: Default::default(),
                }),
                "@Me",
            ),
            15 => RichText::mention(MentionKind::CustomEmoji(self.custom_emoji()), ":bufo:"),
            _ => RichText::plain(text::sentence(rng, 2, 5)),
        }
    }

    /// Text of a text block: usually one plain run; sometimes a mix of kinds; on the showcase
    /// page every kind.
    fn rich(&self, rng: &mut Rng, page: u32) -> Vec<RichText> {
        if self.showcase() == Some(page) {
            return (0..16).map(|k| self.rich_item(k, rng)).collect();
        }
        if self.cfg.mix == Mix::Rich && rng.chance(0.25) {
            let n = 2 + rng.below(3);
            let mut v = vec![RichText::plain(text::sentence(rng, 3, 8))];
            for _ in 0..n {
                let k = rng.below(16) as u32;
                v.push(self.rich_item(k, rng));
            }
            return v;
        }
        self.plain(rng, 4, 14)
    }

    // ---- blocks ------------------------------------------------------------------------------

    /// Block `b` of page `p`, whose tree is `tree`.
    pub(crate) fn block_obj(
        &self,
        p: u32,
        b: u32,
        tree: &Tree,
        times: Times,
        now: DateTime<Utc>,
    ) -> Option<Block> {
        let skel = tree.blocks.get(b as usize)?;
        // A child page or database block is the page or database itself: its times and
        // authors are theirs.
        match skel.kind {
            BlockKind::ChildPage(c) => return self.child_page_block(c),
            BlockKind::ChildDatabase(d) => return Some(self.child_database_block(d)),
            _ => {}
        }
        let page_id = self.id(Decoded::Page(p));
        let id = self.block_id(p, b, tree);
        let parent = if skel.parent == ROOT {
            Parent::page(page_id)
        } else {
            Parent::block(self.block_id(p, skel.parent, tree))
        };
        let mut rng = Rng::new(self.cfg.seed, &[0xB10C, u64::from(p), u64::from(b)]);
        let created = times.created + minutes(rng.below(u64::from(skel.edited_after) + 1) as u32);
        let edited = times.created + minutes(skel.edited_after);
        let h = rng.next_u64();
        let kind = self.block_kind(p, b, skel.kind, tree, &mut rng, now);
        Some(
            Block::new(id, parent, kind)
                .with_created(ts(created), self.person(h))
                .with_last_edited(ts(edited), self.person(h >> 16))
                .with_children(skel.has_children),
        )
    }

    fn block_kind(
        &self,
        p: u32,
        b: u32,
        kind: BlockKind,
        tree: &Tree,
        rng: &mut Rng,
        now: DateTime<Utc>,
    ) -> mb::BlockKind {
        let key = self.id(Decoded::Block { page: p, block: b });
        match kind {
            BlockKind::Paragraph => mb::BlockKind::Paragraph(Paragraph::new(self.rich(rng, p))),
            BlockKind::Heading1 => {
                mb::BlockKind::Heading1(Heading::new(vec![RichText::plain(text::title(rng, 3))]))
            }
            BlockKind::Heading2 => {
                mb::BlockKind::Heading2(Heading::new(vec![RichText::plain(text::title(rng, 3))]))
            }
            BlockKind::Heading3 => {
                mb::BlockKind::Heading3(Heading::new(vec![RichText::plain(text::title(rng, 2))]))
            }
            BlockKind::Heading4 => {
                mb::BlockKind::Heading4(Heading::new(vec![RichText::plain(text::title(rng, 2))]))
            }
            BlockKind::Bulleted => {
                mb::BlockKind::BulletedListItem(TextBlock::new(self.rich(rng, p)))
            }
            BlockKind::Numbered => {
                let mut n = NumberedListItem::new(self.plain(rng, 3, 9));
                if rng.chance(0.2) {
                    n.list_format = Some("letters".to_owned());
                }
                mb::BlockKind::NumberedListItem(n)
            }
            BlockKind::ToDo => {
                let checked = rng.chance(0.4);
                mb::BlockKind::ToDo(ToDo::new(self.plain(rng, 3, 9), checked))
            }
            BlockKind::Toggle => mb::BlockKind::Toggle(TextBlock::new(self.plain(rng, 2, 6))),
            BlockKind::Quote => mb::BlockKind::Quote(TextBlock::new(self.rich(rng, p))),
            BlockKind::Callout => {
                let icon = Icon::emoji(EMOJIS[rng.below(EMOJIS.len() as u64) as usize]);
                let mut c = Callout::new(self.plain(rng, 5, 12), Some(icon));
                c.color = Some(Color::GrayBackground);
                mb::BlockKind::Callout(c)
            }
            BlockKind::Code => {
                let lang = LANGUAGES[rng.below(LANGUAGES.len() as u64) as usize];
                let mut c = Code::new(
                    format!("// {}\nlet total = items.len();", text::sentence(rng, 2, 5)),
                    lang,
                );
                if rng.chance(0.3) {
                    c.caption = Some(vec![RichText::plain("Example")]);
                }
                mb::BlockKind::Code(c)
            }
            BlockKind::Equation => mb::BlockKind::Equation(Equation {
                expression: "\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}".to_owned(),
                extra: Default::default(),
            }),
            BlockKind::Divider => mb::BlockKind::divider(),
            BlockKind::Breadcrumb => mb::BlockKind::Breadcrumb(Empty::new()),
            BlockKind::TableOfContents => mb::BlockKind::TableOfContents(TableOfContents {
                color: Some(Color::Default),
                extra: Default::default(),
            }),
            BlockKind::Bookmark | BlockKind::Embed => {
                let u = UrlBlock {
                    url: Some(format!("https://example.com/{}", text::word(rng))),
                    caption: Some(if rng.chance(0.5) {
                        self.plain(rng, 2, 5)
                    } else {
                        Vec::new()
                    }),
                    extra: Default::default(),
                };
                if kind == BlockKind::Bookmark {
                    mb::BlockKind::Bookmark(u)
                } else {
                    mb::BlockKind::Embed(u)
                }
            }
            BlockKind::Image
            | BlockKind::Video
            | BlockKind::File
            | BlockKind::Pdf
            | BlockKind::Audio => {
                let (name, ext_url) = match kind {
                    BlockKind::Image => ("diagram.png", "https://images.example.com/diagram.png"),
                    BlockKind::Video => ("demo.mp4", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
                    BlockKind::Pdf => ("report.pdf", "https://example.com/report.pdf"),
                    BlockKind::Audio => ("standup.mp3", "https://example.com/standup.mp3"),
                    _ => ("budget.xlsx", "https://example.com/budget.xlsx"),
                };
                // The showcase page has both forms; other pages pick one.
                let hosted = if self.showcase() == Some(p) {
                    matches!(kind, BlockKind::Image | BlockKind::File | BlockKind::Pdf)
                } else {
                    rng.chance(0.5)
                };
                let file = if hosted && self.showcase() == Some(p) && kind == BlockKind::File {
                    self.large_file("dataset.zip")
                } else if hosted {
                    self.hosted_file(key, name, now)
                } else {
                    FileKind::external(ext_url)
                };
                let mut m = Media::new(file);
                if rng.chance(0.4) {
                    m.caption = Some(self.plain(rng, 2, 5));
                }
                match kind {
                    BlockKind::Image => mb::BlockKind::Image(m),
                    BlockKind::Video => mb::BlockKind::Video(m),
                    BlockKind::Pdf => mb::BlockKind::Pdf(m),
                    BlockKind::Audio => mb::BlockKind::Audio(m),
                    _ => {
                        m.name = Some(name.to_owned());
                        mb::BlockKind::File(m)
                    }
                }
            }
            BlockKind::LinkToPage(target) => {
                let target = target.min(self.page_count().saturating_sub(1));
                let kind = if self.showcase() == Some(p) && self.database_count() > 0 {
                    LinkToPageKind::Database(self.id(Decoded::Database(0)))
                } else {
                    LinkToPageKind::Page(self.id(Decoded::Page(target)))
                };
                mb::BlockKind::LinkToPage(LinkToPage {
                    kind,
                    extra: Default::default(),
                })
            }
            BlockKind::LinkPreview => mb::BlockKind::LinkPreview(LinkPreview {
                url: "https://github.com/notion-source/notion-source/discussions/1".to_owned(),
                extra: Default::default(),
            }),
            BlockKind::Table { width } => mb::BlockKind::Table(Table {
                table_width: Some(u64::from(width)),
                has_column_header: Some(true),
                has_row_header: Some(false),
                extra: Default::default(),
            }),
            BlockKind::TableRow => {
                let width = tree
                    .blocks
                    .get(tree.blocks.get(b as usize).map_or(0, |s| s.parent) as usize)
                    .map_or(3, |t| match t.kind {
                        BlockKind::Table { width } => width,
                        _ => 3,
                    });
                let cells = (0..width)
                    .map(|_| vec![RichText::plain(text::word(rng))])
                    .collect();
                mb::BlockKind::TableRow(TableRow::new(cells))
            }
            BlockKind::ColumnList => mb::BlockKind::ColumnList(Empty::new()),
            BlockKind::Column => mb::BlockKind::Column(Column {
                width_ratio: serde_json::Number::from_f64(0.5),
                extra: Default::default(),
            }),
            BlockKind::SyncedOriginal => mb::BlockKind::SyncedBlock(SyncedBlock {
                synced_from: Some(None),
                extra: Default::default(),
            }),
            BlockKind::SyncedDuplicate { page, block } => mb::BlockKind::SyncedBlock(SyncedBlock {
                synced_from: Some(Some(SyncedFrom {
                    kind: SyncedFromKind::Block(self.id(Decoded::Block { page, block })),
                    extra: Default::default(),
                })),
                extra: Default::default(),
            }),
            BlockKind::Tab => mb::BlockKind::Tab(Empty::new()),
            BlockKind::TabItem => {
                let mut para = Paragraph::new(vec![RichText::plain(text::title(rng, 1))]);
                para.icon = Some(Some(Icon::emoji(
                    EMOJIS[rng.below(EMOJIS.len() as u64) as usize],
                )));
                mb::BlockKind::Paragraph(para)
            }
            BlockKind::MeetingNotes => {
                let kids = tree.children(b);
                let kid = |i: usize| {
                    kids.get(i)
                        .map(|k| self.id(Decoded::Block { page: p, block: *k }))
                };
                let attendees: Vec<Id> = (0..3).map(|i| self.person(i)).collect();
                mb::BlockKind::MeetingNotes(Box::new(MeetingNotes {
                    title: Some(vec![RichText::plain("Weekly sync")]),
                    status: Some("notes_ready".to_owned()),
                    children: Some(MeetingNotesChildren {
                        summary_block_id: kid(0),
                        notes_block_id: kid(1),
                        transcript_block_id: kid(2),
                        extra: Default::default(),
                    }),
                    calendar_event: Some(CalendarEvent {
                        start_time: Some("2026-10-26T10:00:00.000Z".to_owned()),
                        end_time: Some("2026-10-26T10:30:00.000Z".to_owned()),
                        attendees: Some(attendees),
                        extra: Default::default(),
                    }),
                    recording: Some(Recording {
                        start_time: Some("2026-10-26T10:01:00.000Z".to_owned()),
                        end_time: Some("2026-10-26T10:29:00.000Z".to_owned()),
                        extra: Default::default(),
                    }),
                    legacy_transcription: false,
                    extra: Default::default(),
                }))
            }
            BlockKind::Template => mb::BlockKind::Template(Template {
                rich_text: Some(vec![RichText::plain("Add a follow-up task")]),
                extra: Default::default(),
            }),
            BlockKind::Unsupported => mb::BlockKind::Unsupported(Unsupported {
                block_type: Some(["ai_block", "button", "form"][rng.below(3) as usize].to_owned()),
                extra: Default::default(),
            }),
            BlockKind::ChildPage(c) => {
                mb::BlockKind::ChildPage(ChildTitle::new(self.page_title_text(c)))
            }
            BlockKind::ChildDatabase(d) => {
                mb::BlockKind::ChildDatabase(ChildTitle::new(self.database_title_text(d)))
            }
        }
    }

    /// The `child_page` block of a page (its id is the page's).
    fn child_page_block(&self, p: u32) -> Option<Block> {
        let id = self.id(Decoded::Page(p));
        let times = self.page_times(p);
        let parent = match self.page_kind(p) {
            PageKind::Standalone(_) => Parent::workspace(),
            PageKind::Child { host, .. } => Parent::page(self.id(Decoded::Page(host))),
            PageKind::Row { ds, .. } => {
                Parent::database(self.id(Decoded::Database(self.database_of(ds))))
            }
            PageKind::Unshared(_) => return None,
        };
        let h = rng::hash(self.cfg.seed, &[0x9A, u64::from(p)]);
        Some(
            Block::new(
                id,
                parent,
                mb::BlockKind::ChildPage(ChildTitle::new(self.page_title_text(p))),
            )
            .with_created(ts(times.created), self.person(h))
            .with_last_edited(ts(times.edited), self.person(h >> 16))
            .with_children(self.page_has_content(p)),
        )
    }

    /// The `child_database` block of a database (its id is the database's).
    fn child_database_block(&self, d: u32) -> Block {
        let id = self.id(Decoded::Database(d));
        let times = self.database_times(d);
        let parent = match self.database_kind(d) {
            DatabaseKind::Top(_) => Parent::workspace(),
            DatabaseKind::Child { host, .. } => Parent::page(self.id(Decoded::Page(host))),
        };
        let h = rng::hash(self.cfg.seed, &[0x9B, u64::from(d)]);
        Block::new(
            id,
            parent,
            mb::BlockKind::ChildDatabase(ChildTitle::new(self.database_title_text(d))),
        )
        .with_created(ts(crate::clock::to_minute(times.created)), self.person(h))
        .with_last_edited(
            ts(crate::clock::to_minute(times.edited)),
            self.person(h >> 16),
        )
    }

    // ---- databases and data sources ----------------------------------------------------------

    fn database_parent(&self, d: u32) -> Parent {
        match self.database_kind(d) {
            DatabaseKind::Top(_) => Parent::workspace(),
            DatabaseKind::Child { host, .. } => Parent::page(self.id(Decoded::Page(host))),
        }
    }

    /// A database's icon (its data sources show it too): an emoji, or a hosted image for every
    /// third database.
    fn database_icon(&self, d: u32) -> Icon {
        let h = rng::hash(self.cfg.seed, &[0xDB1, u64::from(d)]);
        if d % 3 == 2 {
            let key = self.id(Decoded::Database(d));
            Icon::new(IconKind::File(
                match self.hosted_file(key, "database.png", self.start) {
                    FileKind::File(f) => f,
                    _ => hosted::placeholder(Size::Bytes(2048), "database.png"),
                },
            ))
        } else {
            Icon::emoji(EMOJIS[h as usize % EMOJIS.len()])
        }
    }

    fn database_obj(&self, d: u32) -> Database {
        let id = self.id(Decoded::Database(d));
        let refs = self
            .data_sources_of(d)
            .map(|ds| {
                DataSourceRef::new(self.id(Decoded::DataSource(ds)), self.data_source_title(ds))
            })
            .collect();
        let mut db = Database::new(
            id,
            self.database_parent(d),
            self.database_title_text(d),
            refs,
        );
        let times = self.database_times(d);
        db.created_time = Some(ts_millis(times.created));
        db.last_edited_time = Some(ts_millis(times.edited));
        db.is_inline = Some(matches!(self.database_kind(d), DatabaseKind::Child { .. }));
        let h = rng::hash(self.cfg.seed, &[0xDB1, u64::from(d)]);
        db.icon = Some(Some(self.database_icon(d)));
        if h.is_multiple_of(3) {
            db.description = Some(vec![RichText::plain("Everything the team tracks.")]);
        }
        db
    }

    /// The properties of data source `ds`: every type in the rich mix, a few otherwise. The
    /// 12,500-row data source always has the small schema (it carries the big relation and
    /// people values), so that a complete read of it stays cheap.
    fn schema_props(&self, ds: u32) -> Vec<(Prop, &'static str, &'static str)> {
        if self.cfg.mix == Mix::Simple || self.is_big(ds) {
            SIMPLE.iter().map(|i| RICH[*i]).collect()
        } else if self.cfg.features.rollups {
            RICH.iter().chain(ROLLUPS.iter()).copied().collect()
        } else {
            RICH.to_vec()
        }
    }

    fn schema(&self, ds: u32) -> PropertySchemas {
        let ds_id = self.id(Decoded::DataSource(ds));
        let db_id = self.id(Decoded::Database(self.database_of(ds)));
        let mut out = PropertySchemas::new();
        for (prop, name, pid) in self.schema_props(ds) {
            let kind = match prop {
                Prop::Title => PropertySchemaKind::Title(Empty::new()),
                Prop::Summary => PropertySchemaKind::RichText(Empty::new()),
                Prop::Estimate => PropertySchemaKind::Number(NumberConfig {
                    format: Some("number".to_owned()),
                    extra: Default::default(),
                }),
                Prop::Priority => PropertySchemaKind::Select(SelectConfig {
                    options: Some(schema_options(&PRIORITIES)),
                    extra: Default::default(),
                }),
                Prop::Tags => PropertySchemaKind::MultiSelect(SelectConfig {
                    options: Some(schema_options(&TAGS)),
                    extra: Default::default(),
                }),
                Prop::Status => PropertySchemaKind::Status(StatusConfig {
                    options: Some(schema_options(&STATUSES)),
                    groups: Some(
                        STATUS_GROUPS
                            .iter()
                            .map(|(id, name, color, opt)| StatusGroup {
                                id: Some((*id).to_owned()),
                                name: Some((*name).to_owned()),
                                color: Some(color.clone()),
                                option_ids: Some(vec![STATUSES[*opt].0.to_owned()]),
                                extra: Default::default(),
                            })
                            .collect(),
                    ),
                    extra: Default::default(),
                }),
                Prop::Due => PropertySchemaKind::Date(Empty::new()),
                Prop::Owner => PropertySchemaKind::People(Empty::new()),
                Prop::Files => PropertySchemaKind::Files(Empty::new()),
                Prop::Done => PropertySchemaKind::Checkbox(Empty::new()),
                Prop::Link => PropertySchemaKind::Url(Empty::new()),
                Prop::Email => PropertySchemaKind::Email(Empty::new()),
                Prop::Phone => PropertySchemaKind::PhoneNumber(Empty::new()),
                Prop::Double => PropertySchemaKind::Formula(FormulaConfig {
                    expression: Some("prop(\"Estimate\") * 2".to_owned()),
                    extra: Default::default(),
                }),
                Prop::Related => PropertySchemaKind::Relation(RelationConfig {
                    database_id: Some(db_id),
                    data_source_id: Some(ds_id),
                    relation_type: Some("single_property".to_owned()),
                    single_property: Some(Empty::new()),
                    dual_property: None::<DualProperty>,
                    extra: Default::default(),
                }),
                Prop::RelatedEstimate
                | Prop::RelatedCount
                | Prop::RelatedEstimates
                | Prop::LatestRelatedDue
                | Prop::RelatedDone => {
                    let (function, source) = prop.rollup().unwrap_or(("sum", Prop::Estimate));
                    let (source_name, source_id) = source.name_and_id();
                    PropertySchemaKind::Rollup(RollupConfig {
                        relation_property_id: Some("r%40l".to_owned()),
                        relation_property_name: Some("Related".to_owned()),
                        rollup_property_id: Some(source_id.to_owned()),
                        rollup_property_name: Some(source_name.to_owned()),
                        function: Some(function.to_owned()),
                        extra: Default::default(),
                    })
                }
                Prop::RelatedTotal | Prop::RelatedItems => {
                    PropertySchemaKind::Formula(FormulaConfig {
                        expression: prop.relation_formula().map(str::to_owned),
                        extra: Default::default(),
                    })
                }
                Prop::Created => PropertySchemaKind::CreatedTime(Empty::new()),
                Prop::CreatedBy => PropertySchemaKind::CreatedBy(Empty::new()),
                Prop::Edited => PropertySchemaKind::LastEditedTime(Empty::new()),
                Prop::EditedBy => PropertySchemaKind::LastEditedBy(Empty::new()),
                Prop::TaskId => PropertySchemaKind::UniqueId(UniqueIdConfig {
                    prefix: Some(Some("TASK".to_owned())),
                    extra: Default::default(),
                }),
                Prop::Notify => PropertySchemaKind::Button(Empty::new()),
                Prop::Office => PropertySchemaKind::Place(Empty::new()),
                Prop::Verification => PropertySchemaKind::Verification(Empty::new()),
            };
            out.insert(name.to_owned(), PropertySchema::new(pid, name, kind));
        }
        out
    }

    fn data_source_obj(&self, ds: u32) -> DataSource {
        let db = self.database_of(ds);
        let id = self.id(Decoded::DataSource(ds));
        let db_id = self.id(Decoded::Database(db));
        let mut obj = DataSource::new(id, db_id, self.data_source_title(ds), self.schema(ds));
        obj.database_parent = Some(self.database_parent(db));
        let times = self.database_times(db);
        obj.created_time = Some(ts_millis(times.created));
        obj.last_edited_time = Some(ts_millis(times.edited));
        let h = rng::hash(self.cfg.seed, &[0xD5, u64::from(ds)]);
        obj.created_by = Some(User::partial(self.person(h)));
        obj.last_edited_by = Some(User::partial(self.person(h >> 16)));
        obj.is_inline = Some(matches!(self.database_kind(db), DatabaseKind::Child { .. }));
        obj.icon = Some(Some(self.database_icon(db)));
        obj
    }

    // ---- pages and row values ----------------------------------------------------------------

    /// The `Estimate` of a row (`None`: empty).
    fn estimate(&self, ds: u32, row: u32) -> Option<i64> {
        let h = rng::hash(self.cfg.seed, &[0xE5, u64::from(ds), u64::from(row)]);
        (!h.is_multiple_of(10)).then_some(((h >> 8) % 21) as i64)
    }

    fn page_obj(&self, p: u32, now: DateTime<Utc>) -> Option<Page> {
        let id = self.id(Decoded::Page(p));
        let times = self.page_times(p);
        let title = self.page_title_text(p);
        let (parent, properties) = match self.page_kind(p) {
            PageKind::Unshared(_) => return None,
            PageKind::Standalone(_) => {
                let mut props = PropertyValues::new();
                props.insert(
                    "title".to_owned(),
                    notion_model::PropertyValue::title(&title),
                );
                (Parent::workspace(), props)
            }
            PageKind::Child { host, .. } => {
                let mut props = PropertyValues::new();
                props.insert(
                    "title".to_owned(),
                    notion_model::PropertyValue::title(&title),
                );
                (Parent::page(self.id(Decoded::Page(host))), props)
            }
            PageKind::Row { ds, row } => {
                let db = self.database_of(ds);
                (
                    Parent::data_source(
                        self.id(Decoded::DataSource(ds)),
                        self.id(Decoded::Database(db)),
                    ),
                    self.row_values(ds, row, &title, times, now, true),
                )
            }
        };
        let h = rng::hash(self.cfg.seed, &[0x9A, u64::from(p)]);
        let mut page = Page::new(id, parent, properties)
            .with_created(ts(times.created), self.person(h))
            .with_last_edited(ts(times.edited), self.person(h >> 16));
        page.url = Some(self.page_url(id, &title));
        page.icon = Some(self.icon(h >> 24));
        if (h >> 40).is_multiple_of(5) {
            page.cover = Some(Some(if (h >> 44).is_multiple_of(2) {
                notion_model::File::external(
                    "https://images.unsplash.com/photo-1497366216548-37526070297c",
                )
            } else {
                notion_model::File::new(self.hosted_file(id, "cover.jpg", now))
            }));
        }
        Some(page)
    }

    /// The property values of row `row` of data source `ds`, as its page object shows them:
    /// values computed from `Related` read its first 25 entries (left out unless `derived`).
    fn row_values(
        &self,
        ds: u32,
        row: u32,
        title: &str,
        times: Times,
        now: DateTime<Utc>,
        derived: bool,
    ) -> PropertyValues {
        let mut related = Related {
            targets: None,
            values: None,
        };
        let mut rng = Rng::new(self.cfg.seed, &[0x7A1, u64::from(ds), u64::from(row)]);
        let page_id = self.id(Decoded::Page(self.row_page(ds, row)));
        let h = rng::hash(self.cfg.seed, &[0x9A, u64::from(self.row_page(ds, row))]);
        let mut out = PropertyValues::new();
        for (prop, name, pid) in self.schema_props(ds) {
            let kind = match prop {
                Prop::Title => PropertyValueKind::Title(vec![RichText::plain(title)]),
                Prop::Summary => PropertyValueKind::RichText(if rng.chance(0.15) {
                    Vec::new()
                } else if rng.chance(0.3) {
                    vec![
                        RichText::plain(text::sentence(&mut rng, 3, 6)),
                        RichText::link("details", "https://example.com/details"),
                    ]
                } else {
                    self.plain(&mut rng, 4, 10)
                }),
                Prop::Estimate => PropertyValueKind::Number(self.estimate(ds, row).map(num)),
                Prop::Priority => PropertyValueKind::Select(
                    (!rng.chance(0.2)).then(|| options(&PRIORITIES)[rng.below(3) as usize].clone()),
                ),
                Prop::Tags => {
                    let all = options(&TAGS);
                    let mut picked: Vec<usize> =
                        (0..rng.below(4)).map(|_| rng.below(5) as usize).collect();
                    picked.sort_unstable();
                    picked.dedup();
                    PropertyValueKind::MultiSelect(
                        picked.into_iter().map(|i| all[i].clone()).collect(),
                    )
                }
                Prop::Status => PropertyValueKind::Status(Some(
                    options(&STATUSES)[rng.below(3) as usize].clone(),
                )),
                Prop::Due => PropertyValueKind::Date(match rng.below(5) {
                    0 => None,
                    1 => Some(DateValue::range(
                        format!("2026-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
                        format!("2027-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
                    )),
                    2 => Some(DateValue::new(format!(
                        "2026-{:02}-{:02}T{:02}:30:00.000+00:00",
                        1 + rng.below(12),
                        1 + rng.below(28),
                        8 + rng.below(10)
                    ))),
                    _ => Some(DateValue::new(format!(
                        "2026-{:02}-{:02}",
                        1 + rng.below(12),
                        1 + rng.below(28)
                    ))),
                }),
                Prop::Owner => PropertyValueKind::People(
                    self.row_people(ds, row)
                        .into_iter()
                        .map(|u| UserOrGroup::User(User::partial(self.id(Decoded::User(u)))))
                        .collect(),
                ),
                Prop::Files => PropertyValueKind::Files(
                    (0..rng.below(3))
                        .map(|i| {
                            if i == 0 && rng.chance(0.5) {
                                NamedFile::new(
                                    "Project brief.pdf",
                                    self.hosted_file(page_id, "brief.pdf", now),
                                )
                            } else {
                                NamedFile::new(
                                    "Mockup.png",
                                    FileKind::external("https://images.example.com/mockup.png"),
                                )
                            }
                        })
                        .collect(),
                ),
                Prop::Done => PropertyValueKind::Checkbox(rng.chance(0.5)),
                Prop::Link => PropertyValueKind::Url(
                    rng.chance(0.6)
                        .then(|| format!("https://example.com/tasks/{}", row + 1)),
                ),
                Prop::Email => PropertyValueKind::Email(
                    rng.chance(0.6)
                        .then(|| format!("contact{}@example.com", row + 1)),
                ),
                Prop::Phone => PropertyValueKind::PhoneNumber(
                    rng.chance(0.5)
                        .then(|| format!("+1 415 555 {:04}", row % 10_000)),
                ),
                Prop::Double => PropertyValueKind::Formula(Formula::new(FormulaKind::Number(
                    self.estimate(ds, row).map(|e| num(e * 2)),
                ))),
                Prop::Related => {
                    let refs = self
                        .row_relation(ds, row)
                        .into_iter()
                        .map(|p| ObjectRef::new(self.id(Decoded::Page(p))))
                        .collect();
                    out.insert(name.to_owned(), PropertyValue::relation(pid, refs, false));
                    continue;
                }
                Prop::RelatedEstimate
                | Prop::RelatedCount
                | Prop::RelatedEstimates
                | Prop::LatestRelatedDue
                | Prop::RelatedDone
                | Prop::RelatedTotal
                | Prop::RelatedItems => {
                    if !derived {
                        continue;
                    }
                    self.derived(prop, ds, row, &mut related, PAGE_VALUE_LIMIT, now)
                }
                Prop::Created => PropertyValueKind::CreatedTime(ts(times.created)),
                Prop::CreatedBy => PropertyValueKind::CreatedBy(User::partial(self.person(h))),
                Prop::Edited => PropertyValueKind::LastEditedTime(ts(times.edited)),
                Prop::EditedBy => {
                    PropertyValueKind::LastEditedBy(User::partial(self.person(h >> 16)))
                }
                Prop::TaskId => PropertyValueKind::UniqueId(UniqueId {
                    number: Some(Some(u64::from(row) + 1)),
                    prefix: Some(Some("TASK".to_owned())),
                    extra: Default::default(),
                }),
                Prop::Notify => PropertyValueKind::Button(Empty::new()),
                Prop::Office => PropertyValueKind::Place(rng.chance(0.5).then(|| Place {
                    lat: Number::from_f64(37.7749),
                    lon: Number::from_f64(-122.4194),
                    name: Some(Some("San Francisco office".to_owned())),
                    address: Some(None),
                    aws_place_id: Some(None),
                    google_place_id: Some(None),
                    extra: Default::default(),
                })),
                Prop::Verification => {
                    PropertyValueKind::Verification(Some(Box::new(if rng.chance(0.5) {
                        Verification {
                            state: Some("verified".to_owned()),
                            date: Some(Some(DateValue::range(
                                "2026-09-01T09:00:00.000Z",
                                "2026-12-01T09:00:00.000Z",
                            ))),
                            verified_by: Some(Some(User::partial(self.person(h >> 32)))),
                            extra: Default::default(),
                        }
                    } else {
                        Verification {
                            state: Some("unverified".to_owned()),
                            date: Some(None),
                            verified_by: Some(None),
                            extra: Default::default(),
                        }
                    })))
                }
            };
            out.insert(name.to_owned(), PropertyValue::new(pid, kind));
        }
        out
    }

    /// A rollup or formula over `Related` of row `row`, computed over the first `limit`
    /// entries of the relation.
    fn derived(
        &self,
        prop: Prop,
        ds: u32,
        row: u32,
        related: &mut Related,
        limit: usize,
        now: DateTime<Utc>,
    ) -> PropertyValueKind {
        let rows = self.rows_of(ds);
        let targets = related
            .targets
            .get_or_insert_with(|| self.row_relation(ds, row));
        let entries = &targets[..targets.len().min(limit)];
        let estimates = || {
            entries
                .iter()
                .map(|p| match rows.contains(p) {
                    true => self.estimate(ds, p - rows.start),
                    false => None,
                })
                .collect::<Vec<_>>()
        };
        if prop.relation_formula().is_some() {
            let value = match prop {
                Prop::RelatedItems => entries.len() as i64,
                _ => estimates().into_iter().flatten().sum(),
            };
            return PropertyValueKind::Formula(Formula::new(FormulaKind::Number(Some(num(value)))));
        }
        let (function, source) = prop.rollup().unwrap_or(("sum", Prop::Estimate));
        let values: Vec<PropertyValueKind> = match source {
            Prop::Estimate => entries
                .iter()
                .zip(estimates())
                .filter(|(p, _)| rows.contains(p))
                .map(|(_, e)| PropertyValueKind::Number(e.map(num)))
                .collect(),
            _ => {
                let name = source.name_and_id().0;
                let all = related.values.get_or_insert_with(|| {
                    targets
                        .iter()
                        .map(|p| {
                            rows.contains(p).then(|| {
                                let times = self.page_times(*p);
                                let title = self.page_title_text(*p);
                                self.row_values(ds, p - rows.start, &title, times, now, false)
                            })
                        })
                        .collect()
                });
                all.iter()
                    .take(entries.len())
                    .flatten()
                    .filter_map(|values| values.get(name).map(|v| v.kind.clone()))
                    .collect()
            }
        };
        PropertyValueKind::Rollup(Rollup::new(
            rollup::compute(function, entries.len(), &values),
            function,
        ))
    }

    /// The rollups and formulas of data source `ds` that read `Related`: `(rollups,
    /// formulas)`.
    pub(crate) fn relation_readers(&self, ds: u32) -> (usize, usize) {
        let props = self.schema_props(ds);
        let rollups = props
            .iter()
            .filter(|(p, _, _)| p.rollup().is_some())
            .count();
        let formulas = props
            .iter()
            .filter(|(p, _, _)| p.relation_formula().is_some())
            .count();
        (rollups, formulas)
    }

    /// The values of row page `p` that its page object computes over the first 25 entries of a
    /// longer relation, computed over every entry.
    fn complete_row_values(&self, p: u32, now: DateTime<Utc>) -> Vec<(String, PropertyValue)> {
        let PageKind::Row { ds, row } = self.page_kind(p) else {
            return Vec::new();
        };
        let targets = self.row_relation(ds, row);
        if targets.len() <= PAGE_VALUE_LIMIT {
            return Vec::new();
        }
        let mut related = Related {
            targets: Some(targets),
            values: None,
        };
        self.schema_props(ds)
            .into_iter()
            .filter(|(prop, _, _)| prop.reads_relation())
            .map(|(prop, name, pid)| {
                let kind = self.derived(prop, ds, row, &mut related, usize::MAX, now);
                (name.to_owned(), PropertyValue::new(pid, kind))
            })
            .collect()
    }

    // ---- comments ----------------------------------------------------------------------------

    fn comment_obj(&self, page: u32, block: u32, n: u16, now: DateTime<Utc>) -> Option<Comment> {
        let tree = self.tree(page);
        if n >= self.comment_count(page, block, &tree) {
            return None;
        }
        let times = self.page_times(page);
        let parent = if block == PAGE_LEVEL {
            Parent::page(self.id(Decoded::Page(page)))
        } else {
            Parent::block(self.block_id(page, block, &tree))
        };
        let mut rng = Rng::new(
            self.cfg.seed,
            &[0xC0C, u64::from(page), u64::from(block), u64::from(n)],
        );
        let span = (times.edited - times.created).num_minutes().max(0) as u64;
        let at = times.created + Duration::minutes(rng.below(span + 1) as i64);
        let author = self.person_index(rng.next_u64());
        let id = self.id(Decoded::Comment { page, block, n });
        // Every second comment answers the one before it.
        let discussion = self.id(Decoded::Discussion {
            page,
            block,
            n: n / 2,
        });
        let mut rich_text = vec![RichText::plain(text::sentence(&mut rng, 4, 12))];
        if rng.chance(0.2) {
            rich_text.push(self.rich_item(7, &mut rng));
        }
        let attachments = rng.chance(0.2).then(|| {
            vec![Attachment {
                category: Some("image".to_owned()),
                file: Some(match self.hosted_file(id, "screenshot.png", now) {
                    FileKind::File(f) => f,
                    _ => NotionFile {
                        url: String::new(),
                        expiry_time: None,
                        extra: Default::default(),
                    },
                }),
                extra: Default::default(),
            }]
        });
        Some(Comment {
            id,
            parent: Some(parent),
            discussion_id: Some(discussion),
            created_time: Some(ts(at)),
            last_edited_time: Some(ts(at)),
            created_by: Some(User::partial(self.id(Decoded::User(author)))),
            rich_text: Some(rich_text),
            display_name: Some(DisplayName {
                name_type: Some("user".to_owned()),
                resolved_name: Some(Some(self.user_name(author))),
                extra: Default::default(),
            }),
            attachments,
            extra: Default::default(),
        })
    }

    // ---- structure ---------------------------------------------------------------------------

    /// `(page, parent block)` whose children a children request for `id` lists.
    fn children_target(&self, id: &Id) -> Option<(u32, u32, Tree)> {
        match self.decode(id)? {
            Decoded::Page(p) if self.page_shared(p) => Some((p, ROOT, self.tree(p))),
            Decoded::Block { page, block } if self.page_shared(page) => {
                let tree = self.tree(page);
                let skel = tree.blocks.get(block as usize)?;
                if matches!(
                    skel.kind,
                    BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_)
                ) {
                    return None;
                }
                match self.children_source(block, &tree) {
                    Some((sp, sb)) if sp != page => Some((sp, sb, self.tree(sp))),
                    Some((_, sb)) => Some((page, sb, tree)),
                    None => Some((page, block, tree)),
                }
            }
            _ => None,
        }
    }
}

impl Base for Gen {
    fn workspace_id(&self) -> Id {
        self.id(Decoded::Added(u64::MAX))
    }

    fn workspace_name(&self) -> String {
        WORKSPACE_NAME.to_owned()
    }

    fn bot_id(&self) -> Id {
        self.id(Decoded::User(0))
    }

    fn added_id(&self, n: u64) -> Id {
        self.id(Decoded::Added(n))
    }

    fn user_ids(&self) -> Vec<Id> {
        (0..self.user_count())
            .map(|u| self.id(Decoded::User(u)))
            .collect()
    }

    fn user(&self, id: &Id) -> Option<User> {
        match self.decode(id)? {
            Decoded::User(u) => Some(self.user_obj(u)),
            _ => None,
        }
    }

    fn find(&self, id: &Id) -> Found {
        match self.decode(id) {
            Some(Decoded::User(_)) => Found::User,
            Some(Decoded::Database(_)) => Found::Database,
            Some(Decoded::DataSource(_)) => Found::DataSource,
            Some(Decoded::Page(p)) if self.page_shared(p) => Found::Page,
            Some(Decoded::Block { page, block }) if self.page_shared(page) => {
                let tree = self.tree(page);
                match tree.blocks.get(block as usize).map(|b| b.kind) {
                    Some(BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_)) | None => {
                        Found::Missing
                    }
                    Some(_) => Found::Block,
                }
            }
            Some(Decoded::Comment { page, block, n }) if self.page_shared(page) => {
                let tree = self.tree(page);
                if n < self.comment_count(page, block, &tree) {
                    Found::Comment
                } else {
                    Found::Missing
                }
            }
            _ => Found::Missing,
        }
    }

    fn page_of(&self, id: &Id) -> Option<Id> {
        match self.decode(id)? {
            Decoded::Page(_) => Some(*id),
            Decoded::Block { page, .. } | Decoded::Comment { page, .. } => {
                Some(self.id(Decoded::Page(page)))
            }
            _ => None,
        }
    }

    fn database_ids(&self) -> Vec<Id> {
        (0..self.database_count())
            .map(|d| self.id(Decoded::Database(d)))
            .collect()
    }

    fn database(&self, id: &Id) -> Option<Database> {
        match self.decode(id)? {
            Decoded::Database(d) => Some(self.database_obj(d)),
            _ => None,
        }
    }

    fn data_source_ids(&self, database: &Id) -> Vec<Id> {
        match self.decode(database) {
            Some(Decoded::Database(d)) => self
                .data_sources_of(d)
                .map(|ds| self.id(Decoded::DataSource(ds)))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn database_of(&self, data_source: &Id) -> Option<Id> {
        match self.decode(data_source)? {
            Decoded::DataSource(ds) => Some(self.id(Decoded::Database(Gen::database_of(self, ds)))),
            _ => None,
        }
    }

    fn data_source(&self, id: &Id) -> Option<DataSource> {
        match self.decode(id)? {
            Decoded::DataSource(ds) => Some(self.data_source_obj(ds)),
            _ => None,
        }
    }

    fn data_source_in_search(&self, id: &Id) -> bool {
        match self.decode(id) {
            Some(Decoded::DataSource(ds)) => Gen::data_source_in_search(self, ds),
            _ => false,
        }
    }

    fn rows(&self, data_source: &Id) -> Option<Vec<Id>> {
        match self.decode(data_source)? {
            Decoded::DataSource(ds) => Some(
                self.rows_of(ds)
                    .map(|p| self.id(Decoded::Page(p)))
                    .collect(),
            ),
            _ => None,
        }
    }

    fn page_ids(&self) -> Vec<Id> {
        (0..self.page_count())
            .filter(|p| self.page_shared(*p))
            .map(|p| self.id(Decoded::Page(p)))
            .collect()
    }

    fn page(&self, id: &Id, now: DateTime<Utc>) -> Option<Page> {
        match self.decode(id)? {
            Decoded::Page(p) => self.page_obj(p, now),
            _ => None,
        }
    }

    fn page_times(&self, id: &Id) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        match self.decode(id)? {
            Decoded::Page(p) if self.page_shared(p) => {
                let t = Gen::page_times(self, p);
                Some((t.created, t.edited))
            }
            _ => None,
        }
    }

    fn page_title(&self, id: &Id) -> String {
        match self.decode(id) {
            Some(Decoded::Page(p)) => self.page_title_text(p),
            _ => String::new(),
        }
    }

    fn database_title(&self, id: &Id) -> String {
        match self.decode(id) {
            Some(Decoded::Database(d)) => self.database_title_text(d),
            _ => String::new(),
        }
    }

    fn parent_page(&self, id: &Id) -> Option<Id> {
        let db_host = |d: u32| match self.database_kind(d) {
            DatabaseKind::Child { host, .. } => Some(self.id(Decoded::Page(host))),
            DatabaseKind::Top(_) => None,
        };
        match self.decode(id)? {
            Decoded::Page(p) => match self.page_kind(p) {
                PageKind::Child { host, .. } => Some(self.id(Decoded::Page(host))),
                PageKind::Row { ds, .. } => db_host(Gen::database_of(self, ds)),
                _ => None,
            },
            Decoded::Database(d) => db_host(d),
            Decoded::DataSource(ds) => db_host(Gen::database_of(self, ds)),
            _ => None,
        }
    }

    fn row_data_source(&self, page: &Id) -> Option<Id> {
        match self.decode(page)? {
            Decoded::Page(p) => match self.page_kind(p) {
                PageKind::Row { ds, .. } => Some(self.id(Decoded::DataSource(ds))),
                _ => None,
            },
            _ => None,
        }
    }

    fn page_in_search(&self, id: &Id) -> bool {
        match self.decode(id) {
            Some(Decoded::Page(p)) => Gen::page_in_search(self, p),
            _ => false,
        }
    }

    fn late_pages(&self) -> Vec<Id> {
        Gen::late_pages(self)
            .into_iter()
            .map(|p| self.id(Decoded::Page(p)))
            .collect()
    }

    fn truncated_values(&self, page: &Id) -> Vec<usize> {
        match self.decode(page) {
            Some(Decoded::Page(p)) => Gen::truncated_values(self, p),
            _ => Vec::new(),
        }
    }

    fn complete_values(&self, page: &Id, now: DateTime<Utc>) -> Vec<(String, PropertyValue)> {
        match self.decode(page) {
            Some(Decoded::Page(p)) => self.complete_row_values(p, now),
            _ => Vec::new(),
        }
    }

    fn block(&self, id: &Id, now: DateTime<Utc>) -> Option<Block> {
        match self.decode(id)? {
            Decoded::Page(p) if self.page_shared(p) => self.child_page_block(p),
            Decoded::Database(d) => Some(self.child_database_block(d)),
            Decoded::Block { page, block } if self.page_shared(page) => {
                let tree = self.tree(page);
                let skel = tree.blocks.get(block as usize)?;
                if matches!(
                    skel.kind,
                    BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_)
                ) {
                    return None;
                }
                let times = Gen::page_times(self, page);
                self.block_obj(page, block, &tree, times, now)
            }
            _ => None,
        }
    }

    fn children(&self, id: &Id) -> Option<Vec<Id>> {
        if let Some(Decoded::Database(_)) = self.decode(id) {
            return Some(Vec::new());
        }
        let (page, parent, tree) = self.children_target(id)?;
        Some(
            tree.children(parent)
                .into_iter()
                .map(|b| self.block_id(page, b, &tree))
                .collect(),
        )
    }

    fn children_blocks(&self, id: &Id, now: DateTime<Utc>) -> Option<Vec<Block>> {
        if let Some(Decoded::Database(_)) = self.decode(id) {
            return Some(Vec::new());
        }
        let (page, parent, tree) = self.children_target(id)?;
        let times = Gen::page_times(self, page);
        Some(
            tree.children(parent)
                .into_iter()
                .filter_map(|b| self.block_obj(page, b, &tree, times, now))
                .collect(),
        )
    }

    fn synced_original(&self, id: &Id) -> Option<Id> {
        match self.decode(id)? {
            Decoded::Block { page, block } => {
                let tree = self.tree(page);
                let (sp, sb) = self.children_source(block, &tree)?;
                Some(self.id(Decoded::Block {
                    page: sp,
                    block: sb,
                }))
            }
            _ => None,
        }
    }

    fn page_blocks(&self, page: &Id) -> Option<Vec<BlockInfo>> {
        let Some(Decoded::Page(p)) = self.decode(page) else {
            return None;
        };
        if !self.page_shared(p) {
            return None;
        }
        let tree = self.tree(p);
        let mut out = Vec::with_capacity(tree.blocks.len() + 1);
        out.push(BlockInfo {
            id: *page,
            parent: *page,
            depth: 0,
            children: tree.children(ROOT).len(),
            comments: usize::from(self.comment_count(p, PAGE_LEVEL, &tree)),
            child_ref: false,
            synced_duplicate: false,
        });
        // Child counts in one pass.
        let mut kids = vec![0usize; tree.blocks.len()];
        for b in &tree.blocks {
            if b.parent != ROOT
                && let Some(k) = kids.get_mut(b.parent as usize)
            {
                *k += 1;
            }
        }
        for (i, b) in tree.blocks.iter().enumerate() {
            let i = i as u32;
            let parent = if b.parent == ROOT {
                *page
            } else {
                self.block_id(p, b.parent, &tree)
            };
            let child_ref = matches!(
                b.kind,
                BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_)
            );
            let synced_duplicate = matches!(b.kind, BlockKind::SyncedDuplicate { .. });
            out.push(BlockInfo {
                id: self.block_id(p, i, &tree),
                parent,
                depth: u32::from(b.depth),
                children: if child_ref || synced_duplicate {
                    0
                } else {
                    kids[i as usize]
                },
                comments: usize::from(self.comment_count(p, i, &tree)),
                child_ref,
                synced_duplicate,
            });
        }
        Some(out)
    }

    fn comment_ids(&self, parent: &Id) -> Option<Vec<Id>> {
        let (page, block) = match self.decode(parent)? {
            Decoded::Page(p) if self.page_shared(p) => (p, PAGE_LEVEL),
            Decoded::Block { page, block } if self.find(parent) == Found::Block => (page, block),
            Decoded::Database(_) => return Some(Vec::new()),
            _ => return None,
        };
        let tree = self.tree(page);
        let n = self.comment_count(page, block, &tree);
        Some(
            (0..n)
                .map(|n| self.id(Decoded::Comment { page, block, n }))
                .collect(),
        )
    }

    fn comment(&self, id: &Id, now: DateTime<Utc>) -> Option<Comment> {
        match self.decode(id)? {
            Decoded::Comment { page, block, n } if self.page_shared(page) => {
                self.comment_obj(page, block, n, now)
            }
            _ => None,
        }
    }
}
