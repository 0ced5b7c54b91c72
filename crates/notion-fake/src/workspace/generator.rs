//! The generated workspace's structure: which objects exist, how they nest, and their block
//! trees. Nothing here is held per object: every answer is computed from the seed and indices.

use chrono::{DateTime, Duration, Utc};

use super::config::{GenConfig, LATE_SHARES, LONG_RELATION, Mix, ROLLUP_RELATIONS};
use crate::clock::to_minute;
use notion_model::Id;

use crate::ids::{Decoded, IdCodec, PAGE_LEVEL};
use crate::render::PAGE_VALUE_LIMIT;
use crate::rng::{self, Rng};

/// Marks a top-level block (its parent is the page).
pub(crate) const ROOT: u32 = u32::MAX;

/// A generated block type (with what it points at, for structural types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Paragraph,
    Heading1,
    Heading2,
    Heading3,
    Bulleted,
    Numbered,
    ToDo,
    Toggle,
    Quote,
    Callout,
    Code,
    Equation,
    Divider,
    Bookmark,
    Image,
    Video,
    File,
    Pdf,
    Audio,
    Embed,
    TableOfContents,
    Breadcrumb,
    /// A link to a page (a generated page index, possibly unshared).
    LinkToPage(u32),
    Heading4,
    Template,
    LinkPreview,
    Table {
        width: u8,
    },
    TableRow,
    ColumnList,
    Column,
    SyncedOriginal,
    /// A duplicate of the synced block `block` of page `page` (its children are the original's).
    SyncedDuplicate {
        page: u32,
        block: u32,
    },
    Tab,
    TabItem,
    MeetingNotes,
    /// The child page with this page index (the block id is the page id).
    ChildPage(u32),
    /// The child database with this database index (the block id is the database id).
    ChildDatabase(u32),
    Unsupported,
}

impl BlockKind {
    /// Whether blocks of this kind may hold nested children in generated pages.
    fn nestable(self) -> bool {
        matches!(
            self,
            BlockKind::Paragraph
                | BlockKind::Bulleted
                | BlockKind::Numbered
                | BlockKind::ToDo
                | BlockKind::Toggle
                | BlockKind::Quote
                | BlockKind::Callout
        )
    }
}

/// One block of a page's tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockSkel {
    pub(crate) kind: BlockKind,
    /// Index of the parent block, or [`ROOT`].
    pub(crate) parent: u32,
    /// 1 for top-level blocks.
    pub(crate) depth: u16,
    pub(crate) has_children: bool,
    /// Minutes after the page's creation when the block was last edited.
    pub(crate) edited_after: u32,
}

/// A page's block tree, in pre-order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tree {
    pub(crate) blocks: Vec<BlockSkel>,
}

impl Tree {
    /// Indices of the direct children of `parent` ([`ROOT`] for the page) in this tree, in
    /// order (a synced duplicate has none here: see [`Gen::children_of`]).
    pub(crate) fn children(&self, parent: u32) -> Vec<u32> {
        self.blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| b.parent == parent)
            .map(|(i, _)| i as u32)
            .collect()
    }

    fn push(&mut self, kind: BlockKind, parent: u32, depth: u16, edited_after: u32) -> u32 {
        let i = self.blocks.len() as u32;
        if let Some(p) = self.blocks.get_mut(parent as usize) {
            p.has_children = true;
        }
        self.blocks.push(BlockSkel {
            kind,
            parent,
            depth,
            has_children: matches!(kind, BlockKind::SyncedDuplicate { .. }),
            edited_after,
        });
        i
    }
}

/// What a page index names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageKind {
    /// A workspace-level page (search-visible).
    Standalone(u32),
    /// A row of a data source.
    Row { ds: u32, row: u32 },
    /// A child page of a standalone page (`host`), reached through a `child_page` block.
    Child { n: u32, host: u32 },
    /// A page not shared with the connection.
    Unshared(u32),
}

/// What a database index names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DatabaseKind {
    /// A workspace-level database.
    Top(u32),
    /// A database inside a standalone page (`host`), reached through a `child_database` block.
    Child { n: u32, host: u32 },
}

/// Page-level timestamps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Times {
    pub(crate) created: DateTime<Utc>,
    pub(crate) edited: DateTime<Utc>,
}

/// The generated workspace's layout.
#[derive(Debug, Clone)]
pub(crate) struct Gen {
    pub(crate) cfg: GenConfig,
    pub(crate) codec: IdCodec,
    pub(crate) start: DateTime<Utc>,
    /// Data-source index range per database (len = databases + 1).
    db_ds_start: Vec<u32>,
    /// Row counts per data source.
    ds_rows: Vec<u32>,
    /// First page index of each data source's rows (len = data sources + 1).
    ds_row_start: Vec<u32>,
    first_row: u32,
    first_child: u32,
    first_unshared: u32,
    end_pages: u32,
    /// Standalone pages with special trees (deep nesting, wide page).
    specials: u32,
}

/// Rows of the big data source.
pub(crate) const BIG_ROWS: u32 = 12_500;
/// Targets of the big relation.
pub(crate) const BIG_RELATION: u32 = 80;
/// People in the big people value.
pub(crate) const MANY_PEOPLE: u32 = 30;
/// Top-level toggles (each with a child) of the wide page.
pub(crate) const WIDE_TOGGLES: u32 = 120;
/// Nesting depth of the deep page.
pub(crate) const DEEP_LEVELS: u16 = 12;

/// One block of every type the showcase page lists (after its layout blocks).
const SHOWCASE: [BlockKind; 31] = [
    BlockKind::Heading1,
    BlockKind::Paragraph,
    BlockKind::Heading2,
    BlockKind::Paragraph,
    BlockKind::Heading3,
    BlockKind::Heading4,
    BlockKind::Bulleted,
    BlockKind::Numbered,
    BlockKind::ToDo,
    BlockKind::Toggle,
    BlockKind::Quote,
    BlockKind::Callout,
    BlockKind::Code,
    BlockKind::Equation,
    BlockKind::Divider,
    BlockKind::Breadcrumb,
    BlockKind::TableOfContents,
    BlockKind::LinkToPage(0),
    BlockKind::LinkPreview,
    BlockKind::Bookmark,
    BlockKind::Embed,
    BlockKind::Image,
    BlockKind::Video,
    BlockKind::Pdf,
    BlockKind::Audio,
    BlockKind::File,
    BlockKind::MeetingNotes,
    BlockKind::Template,
    BlockKind::Unsupported,
    BlockKind::Paragraph,
    BlockKind::Paragraph,
];

impl Gen {
    pub(crate) fn new(cfg: GenConfig, start: DateTime<Utc>) -> Self {
        let n_db = cfg.databases + cfg.child_databases;
        let mut db_ds_start = Vec::with_capacity(n_db as usize + 1);
        let mut n = 0u32;
        for d in 0..n_db {
            db_ds_start.push(n);
            let two = d < cfg.databases
                && ((cfg.features.two_source_database && d == 1)
                    || (cfg.two_source_every > 0
                        && d % cfg.two_source_every == cfg.two_source_every - 1));
            n += if two { 2 } else { 1 };
        }
        db_ds_start.push(n);
        let big = cfg.features.big_data_source && cfg.databases > 0;
        let rollup_source = rollup_source(&cfg, n);
        let ds_rows: Vec<u32> = (0..n)
            .map(|ds| {
                let mut rows = cfg.rows_per_data_source;
                if ds == 0 && big {
                    rows = BIG_ROWS;
                } else if ds == 0 && cfg.features.big_relation {
                    // Room for the big relation's targets.
                    rows = rows.max(BIG_RELATION + 1);
                }
                if Some(ds) == rollup_source {
                    // Room for the longest rollup relation's targets.
                    rows = rows.max(ROLLUP_RELATIONS[2] + 1);
                }
                rows
            })
            .collect();
        let first_row = cfg.pages;
        let mut ds_row_start = Vec::with_capacity(ds_rows.len() + 1);
        let mut p = first_row;
        for r in &ds_rows {
            ds_row_start.push(p);
            p += r;
        }
        ds_row_start.push(p);
        let first_child = p;
        let first_unshared = first_child + cfg.child_pages;
        let end_pages = first_unshared + cfg.unshared_pages;
        let specials = (u32::from(cfg.features.deep_nesting) + u32::from(cfg.features.wide_page))
            .min(cfg.pages);
        Gen {
            codec: IdCodec::new(cfg.seed),
            cfg,
            start,
            db_ds_start,
            ds_rows,
            ds_row_start,
            first_row,
            first_child,
            first_unshared,
            end_pages,
            specials,
        }
    }

    fn seed(&self) -> u64 {
        self.cfg.seed
    }

    // ---- counts ---------------------------------------------------------------------------

    /// Users: index 0 is the connection's bot, then people, then other bots.
    pub(crate) fn user_count(&self) -> u32 {
        1 + self.cfg.people + self.cfg.bots
    }

    pub(crate) fn database_count(&self) -> u32 {
        self.cfg.databases + self.cfg.child_databases
    }

    pub(crate) fn data_source_count(&self) -> u32 {
        self.ds_rows.len() as u32
    }

    pub(crate) fn page_count(&self) -> u32 {
        self.end_pages
    }

    // ---- ids ------------------------------------------------------------------------------

    pub(crate) fn id(&self, d: Decoded) -> Id {
        self.codec.encode(d)
    }

    pub(crate) fn decode(&self, id: &Id) -> Option<Decoded> {
        let d = self.codec.decode(id)?;
        let ok = match d {
            Decoded::User(i) => i < self.user_count(),
            Decoded::Database(i) => i < self.database_count(),
            Decoded::DataSource(i) => i < self.data_source_count(),
            Decoded::Page(i) => i < self.end_pages,
            Decoded::Block { page, block } => {
                page < self.end_pages && block < self.block_count_upper(page)
            }
            Decoded::Comment { page, .. } | Decoded::Discussion { page, .. } => {
                page < self.end_pages
            }
            Decoded::Added(_) => true,
        };
        ok.then_some(d)
    }

    fn block_count_upper(&self, page: u32) -> u32 {
        // Cheap bound used to reject garbage before generating a tree.
        match self.page_kind(page) {
            PageKind::Standalone(i) if i < self.specials => 1000,
            PageKind::Row { .. } => self.cfg.blocks_per_row.saturating_mul(4) + 64,
            _ => self
                .cfg
                .blocks_per_page
                .saturating_mul(4)
                .saturating_add(64 + self.cfg.child_pages + self.cfg.child_databases),
        }
    }

    // ---- kinds ----------------------------------------------------------------------------

    pub(crate) fn page_kind(&self, p: u32) -> PageKind {
        if p < self.first_row {
            PageKind::Standalone(p)
        } else if p < self.first_child {
            let ds = self.ds_row_start.partition_point(|s| *s <= p) as u32 - 1;
            PageKind::Row {
                ds,
                row: p - self.ds_row_start[ds as usize],
            }
        } else if p < self.first_unshared {
            let n = p - self.first_child;
            PageKind::Child {
                n,
                host: self.host_of(n),
            }
        } else {
            PageKind::Unshared(p - self.first_unshared)
        }
    }

    /// The standalone page that holds child page / child database number `n`.
    fn host_of(&self, n: u32) -> u32 {
        let ordinary = self.cfg.pages.saturating_sub(self.specials);
        if ordinary == 0 {
            0
        } else {
            self.specials + n % ordinary
        }
    }

    pub(crate) fn row_page(&self, ds: u32, row: u32) -> u32 {
        self.ds_row_start[ds as usize] + row
    }

    pub(crate) fn rows_of(&self, ds: u32) -> std::ops::Range<u32> {
        self.ds_row_start[ds as usize]..self.ds_row_start[ds as usize + 1]
    }

    pub(crate) fn unshared_page(&self, n: u32) -> Option<u32> {
        (self.cfg.unshared_pages > 0).then(|| self.first_unshared + n % self.cfg.unshared_pages)
    }

    pub(crate) fn database_kind(&self, d: u32) -> DatabaseKind {
        if d < self.cfg.databases {
            DatabaseKind::Top(d)
        } else {
            let n = d - self.cfg.databases;
            DatabaseKind::Child {
                n,
                host: self.host_of(n),
            }
        }
    }

    pub(crate) fn data_sources_of(&self, db: u32) -> std::ops::Range<u32> {
        self.db_ds_start[db as usize]..self.db_ds_start[db as usize + 1]
    }

    pub(crate) fn database_of(&self, ds: u32) -> u32 {
        self.db_ds_start.partition_point(|s| *s <= ds) as u32 - 1
    }

    /// Child pages and child databases of standalone page `p` (page indices, database indices).
    pub(crate) fn hosted(&self, p: u32) -> (Vec<u32>, Vec<u32>) {
        let ordinary = self.cfg.pages.saturating_sub(self.specials);
        let mut pages = Vec::new();
        let mut dbs = Vec::new();
        if p < self.specials || ordinary == 0 && p != 0 {
            return (pages, dbs);
        }
        let step = ordinary.max(1);
        let mut n = p.saturating_sub(self.specials);
        while n < self.cfg.child_pages {
            pages.push(self.first_child + n);
            n += step;
        }
        let mut n = p.saturating_sub(self.specials);
        while n < self.cfg.child_databases {
            dbs.push(self.cfg.databases + n);
            n += step;
        }
        (pages, dbs)
    }

    /// Whether a page is served (shared with the connection).
    pub(crate) fn page_shared(&self, p: u32) -> bool {
        !matches!(self.page_kind(p), PageKind::Unshared(_))
    }

    /// Whether a page appears in search.
    pub(crate) fn page_in_search(&self, p: u32) -> bool {
        match self.page_kind(p) {
            PageKind::Standalone(_) => true,
            PageKind::Row { ds, .. } => self.data_source_in_search(ds),
            PageKind::Child { .. } | PageKind::Unshared(_) => false,
        }
    }

    /// Whether a data source appears in search (those of child databases do not).
    pub(crate) fn data_source_in_search(&self, ds: u32) -> bool {
        matches!(
            self.database_kind(self.database_of(ds)),
            DatabaseKind::Top(_)
        )
    }

    // ---- times ----------------------------------------------------------------------------

    fn minutes_before_start(&self, m: i64) -> DateTime<Utc> {
        to_minute(self.start - Duration::minutes(m))
    }

    pub(crate) fn page_times(&self, p: u32) -> Times {
        let h = rng::hash(self.seed(), &[0x7105, u64::from(p)]);
        let created_ago = match self.page_kind(p) {
            // Rows of one data source: created in distinct minutes, oldest first.
            PageKind::Row { ds, row } => {
                let n = u64::from(self.ds_rows[ds as usize]);
                (60 * 24 * 20 + (n - u64::from(row)) * 3 + (h % 2)) as i64
            }
            _ => (60 * 24 * 30 + h % (60 * 24 * 300)) as i64,
        };
        let created = self.minutes_before_start(created_ago);
        let span = (created_ago - 60).max(1);
        let edited_ago = created_ago - ((h >> 20) % span as u64) as i64;
        Times {
            created,
            edited: self.minutes_before_start(edited_ago.max(60)),
        }
    }

    pub(crate) fn database_times(&self, d: u32) -> Times {
        let h = rng::hash(self.seed(), &[0xDB7, u64::from(d)]);
        let created_ago = 60 * 24 * 400 + (h % 10_000) as i64;
        let ms = (h >> 32) % 60_000;
        let created =
            self.start - Duration::minutes(created_ago) + Duration::milliseconds(ms as i64);
        let edited = self.start - Duration::minutes(30 + (h >> 40) as i64 % 1000)
            + Duration::milliseconds(((h >> 16) % 60_000) as i64);
        Times { created, edited }
    }

    // ---- block trees ----------------------------------------------------------------------

    /// The standalone page that shows every block type and every rich-text kind (rich mix), and
    /// holds the synced original other pages duplicate.
    pub(crate) fn showcase(&self) -> Option<u32> {
        (self.cfg.mix == Mix::Rich && self.cfg.pages > self.specials).then_some(self.specials)
    }

    /// Whether page `p` has the layout blocks (synced blocks, table, columns, tabs).
    fn has_layout(&self, p: u32) -> bool {
        match self.page_kind(p) {
            PageKind::Standalone(i) => {
                i >= self.specials
                    && (self.cfg.features.layout_blocks || self.showcase() == Some(p))
            }
            PageKind::Child { .. } => self.cfg.features.layout_blocks,
            _ => false,
        }
    }

    /// The block tree of page `p`.
    pub(crate) fn tree(&self, p: u32) -> Tree {
        let mut rng = Rng::new(self.seed(), &[0x7EEE, u64::from(p)]);
        let times = self.page_times(p);
        let span = ((times.edited - times.created).num_minutes().max(0)) as u32;
        let mut t = Tree::default();
        let at = |rng: &mut Rng| {
            if span == 0 {
                0
            } else {
                rng.below(u64::from(span) + 1) as u32
            }
        };
        match self.page_kind(p) {
            PageKind::Unshared(_) => {
                let e = at(&mut rng);
                t.push(BlockKind::Paragraph, ROOT, 1, e);
            }
            PageKind::Standalone(i) if i < self.specials && self.special_is_deep(i) => {
                let e = at(&mut rng);
                t.push(BlockKind::Heading1, ROOT, 1, e);
                let mut parent = ROOT;
                for depth in 1..DEEP_LEVELS {
                    let e = at(&mut rng);
                    let toggle = t.push(BlockKind::Toggle, parent, depth, e);
                    let e = at(&mut rng);
                    t.push(BlockKind::Paragraph, toggle, depth + 1, e);
                    parent = toggle;
                }
                let e = at(&mut rng);
                t.push(BlockKind::Paragraph, parent, DEEP_LEVELS, e);
            }
            PageKind::Standalone(i) if i < self.specials => {
                let e = at(&mut rng);
                t.push(BlockKind::Heading1, ROOT, 1, e);
                for _ in 0..WIDE_TOGGLES {
                    let e = at(&mut rng);
                    let toggle = t.push(BlockKind::Toggle, ROOT, 1, e);
                    let e = at(&mut rng);
                    t.push(BlockKind::Paragraph, toggle, 2, e);
                }
            }
            kind => {
                let target = match kind {
                    PageKind::Row { ds, .. } => self.row_blocks(ds),
                    _ => self.cfg.blocks_per_page,
                };
                if self.has_layout(p) {
                    self.layout_blocks(p, &mut t, &mut rng, span);
                }
                if self.showcase() == Some(p) {
                    for kind in SHOWCASE {
                        let e = at(&mut rng);
                        let i = t.push(kind, ROOT, 1, e);
                        if kind == BlockKind::MeetingNotes {
                            for _ in 0..3 {
                                let e = at(&mut rng);
                                t.push(BlockKind::Paragraph, i, 2, e);
                            }
                        }
                    }
                }
                while (t.blocks.len() as u32) < target {
                    let budget = target - t.blocks.len() as u32;
                    self.random_block(&mut t, &mut rng, ROOT, 1, budget, span);
                }
                if let PageKind::Standalone(_) = kind {
                    let (pages, dbs) = self.hosted(p);
                    for c in pages {
                        let e = at(&mut rng);
                        let i = t.push(BlockKind::ChildPage(c), ROOT, 1, e);
                        t.blocks[i as usize].has_children = self.page_has_content(c);
                    }
                    for d in dbs {
                        let e = at(&mut rng);
                        t.push(BlockKind::ChildDatabase(d), ROOT, 1, e);
                    }
                }
            }
        }
        t
    }

    /// Blocks per row page of data source `ds` (the rows of the 12,500-row data source are
    /// empty, to keep a complete read of it cheap).
    pub(crate) fn row_blocks(&self, ds: u32) -> u32 {
        if self.is_big(ds) {
            0
        } else {
            self.cfg.blocks_per_row
        }
    }

    /// The data source whose rows 1, 2 and 3 carry the long relations of [`Features::rollups`].
    ///
    /// [`Features::rollups`]: super::config::Features::rollups
    pub(crate) fn rollup_source(&self) -> Option<u32> {
        rollup_source(&self.cfg, self.data_source_count())
    }

    /// The standalone pages not shared at the start ([`Features::late_shares`]): the last
    /// ordinary standalone pages that hold no child page or database and are not the showcase.
    ///
    /// [`Features::late_shares`]: super::config::Features::late_shares
    pub(crate) fn late_pages(&self) -> Vec<u32> {
        if !self.cfg.features.late_shares {
            return Vec::new();
        }
        (self.specials..self.cfg.pages)
            .rev()
            .filter(|p| Some(*p) != self.showcase())
            .filter(|p| {
                let (pages, dbs) = self.hosted(*p);
                pages.is_empty() && dbs.is_empty()
            })
            .take(LATE_SHARES as usize)
            .collect()
    }

    /// Whether `ds` is the 12,500-row data source.
    pub(crate) fn is_big(&self, ds: u32) -> bool {
        ds == 0 && self.cfg.features.big_data_source && self.cfg.databases > 0
    }

    /// Whether page `p` has at least one block (without generating its tree).
    pub(crate) fn page_has_content(&self, p: u32) -> bool {
        match self.page_kind(p) {
            PageKind::Row { ds, .. } => self.row_blocks(ds) > 0,
            PageKind::Standalone(i) if i < self.specials => true,
            _ => self.cfg.blocks_per_page > 0 || self.has_layout(p),
        }
    }

    fn special_is_deep(&self, i: u32) -> bool {
        self.cfg.features.deep_nesting && i == 0
    }

    /// Synced blocks, a table, a column list and tabs. The duplicate copies the showcase page's
    /// original (this page's own on the showcase page).
    fn layout_blocks(&self, p: u32, t: &mut Tree, rng: &mut Rng, span: u32) {
        let mut at = || {
            if span == 0 {
                0
            } else {
                rng.below(u64::from(span) + 1) as u32
            }
        };
        let e = at();
        let original = t.push(BlockKind::SyncedOriginal, ROOT, 1, e);
        let e = at();
        t.push(BlockKind::Paragraph, original, 2, e);
        let e = at();
        t.push(BlockKind::Bulleted, original, 2, e);
        let e = at();
        let table = t.push(BlockKind::Table { width: 3 }, ROOT, 1, e);
        for _ in 0..3 {
            let e = at();
            t.push(BlockKind::TableRow, table, 2, e);
        }
        let e = at();
        let cols = t.push(BlockKind::ColumnList, ROOT, 1, e);
        for _ in 0..2 {
            let e = at();
            let col = t.push(BlockKind::Column, cols, 2, e);
            let e = at();
            t.push(BlockKind::Paragraph, col, 3, e);
        }
        let e = at();
        let tab = t.push(BlockKind::Tab, ROOT, 1, e);
        for _ in 0..2 {
            let e = at();
            let item = t.push(BlockKind::TabItem, tab, 2, e);
            let e = at();
            t.push(BlockKind::Paragraph, item, 3, e);
        }
        let e = at();
        let source = self.showcase().filter(|s| self.has_layout(*s)).unwrap_or(p);
        t.push(
            BlockKind::SyncedDuplicate {
                page: source,
                // The original is the first block of every layout page.
                block: if source == p { original } else { 0 },
            },
            ROOT,
            1,
            e,
        );
    }

    fn random_kind(&self, rng: &mut Rng) -> BlockKind {
        const SIMPLE: [BlockKind; 8] = [
            BlockKind::Paragraph,
            BlockKind::Paragraph,
            BlockKind::Paragraph,
            BlockKind::Heading2,
            BlockKind::Bulleted,
            BlockKind::Numbered,
            BlockKind::ToDo,
            BlockKind::Toggle,
        ];
        if self.cfg.mix == Mix::Simple || rng.chance(0.6) {
            return SIMPLE[rng.below(SIMPLE.len() as u64) as usize];
        }
        match rng.below(24) {
            0 => BlockKind::Heading1,
            1 => BlockKind::Heading3,
            2 => BlockKind::Quote,
            3 => BlockKind::Callout,
            4 => BlockKind::Code,
            5 => BlockKind::Equation,
            6 => BlockKind::Divider,
            7 => BlockKind::Bookmark,
            8 => BlockKind::Image,
            9 => BlockKind::Video,
            10 => BlockKind::File,
            11 => BlockKind::Pdf,
            12 => BlockKind::Audio,
            13 => BlockKind::Embed,
            14 => BlockKind::TableOfContents,
            15 => BlockKind::Breadcrumb,
            16 => match self.unshared_page(rng.below(1000) as u32) {
                Some(u) if rng.chance(0.5) => BlockKind::LinkToPage(u),
                _ => BlockKind::LinkToPage(rng.below(u64::from(self.cfg.pages.max(1))) as u32),
            },
            17 => BlockKind::Heading4,
            18 => BlockKind::Unsupported,
            19 => BlockKind::LinkPreview,
            _ => BlockKind::Paragraph,
        }
    }

    fn random_block(
        &self,
        t: &mut Tree,
        rng: &mut Rng,
        parent: u32,
        depth: u16,
        budget: u32,
        span: u32,
    ) {
        let kind = self.random_kind(rng);
        let e = if span == 0 {
            0
        } else {
            rng.below(u64::from(span) + 1) as u32
        };
        let idx = t.push(kind, parent, depth, e);
        if kind.nestable() && u32::from(depth) < self.cfg.max_depth && budget > 1 && rng.chance(0.3)
        {
            let k = 1 + rng.below(3) as u32;
            for _ in 0..k.min(budget - 1) {
                self.random_block(t, rng, idx, depth + 1, 1, span);
            }
        }
    }

    /// The id of block `b` of page `p` (child page and child database blocks carry the id of
    /// the page or database).
    pub(crate) fn block_id(&self, p: u32, b: u32, tree: &Tree) -> Id {
        match tree.blocks.get(b as usize).map(|x| x.kind) {
            Some(BlockKind::ChildPage(c)) => self.id(Decoded::Page(c)),
            Some(BlockKind::ChildDatabase(d)) => self.id(Decoded::Database(d)),
            _ => self.id(Decoded::Block { page: p, block: b }),
        }
    }

    /// For a synced duplicate (block `b` of `tree`): the page and block index of its original.
    pub(crate) fn children_source(&self, b: u32, tree: &Tree) -> Option<(u32, u32)> {
        match tree.blocks.get(b as usize).map(|x| x.kind) {
            Some(BlockKind::SyncedDuplicate { page, block }) => Some((page, block)),
            _ => None,
        }
    }

    // ---- row values -----------------------------------------------------------------------

    /// Pages a row's relation points at (page indices; may include unshared pages).
    pub(crate) fn row_relation(&self, ds: u32, row: u32) -> Vec<u32> {
        let rows = self.rows_of(ds);
        let n = rows.len() as u32;
        if ds == 0 && row == 0 && self.cfg.features.big_relation {
            let mut v: Vec<u32> = (1..n)
                .take(BIG_RELATION as usize)
                .map(|r| rows.start + r)
                .collect();
            let mut k = 0;
            while v.len() < BIG_RELATION as usize {
                match self.unshared_page(k) {
                    Some(u) if k < self.cfg.unshared_pages => v.push(u),
                    _ => break,
                }
                k += 1;
            }
            return v;
        }
        if Some(ds) == self.rollup_source()
            && let Some(len) = row
                .checked_sub(1)
                .and_then(|i| ROLLUP_RELATIONS.get(i as usize))
            && n > *len
        {
            // The next `len` rows of the data source, wrapping around.
            return (1..=*len).map(|i| rows.start + (row + i) % n).collect();
        }
        let every = self.cfg.long_relation_every;
        if every > 0 && row % every == every - 1 && n > LONG_RELATION {
            // The next LONG_RELATION rows of the data source, wrapping around.
            return (1..=LONG_RELATION)
                .map(|i| rows.start + (row + i) % n)
                .collect();
        }
        let mut rng = Rng::new(self.seed(), &[0x4E1, u64::from(ds), u64::from(row)]);
        let k = rng.below(4) as u32;
        let mut v: Vec<u32> = (0..k.min(n))
            .map(|_| rows.start + rng.below(u64::from(n)) as u32)
            .collect();
        v.sort_unstable();
        v.dedup();
        if rng.chance(0.1)
            && let Some(u) = self.unshared_page(rng.below(100) as u32)
        {
            v.push(u);
        }
        v
    }

    /// People of a row's people property (user indices).
    pub(crate) fn row_people(&self, ds: u32, row: u32) -> Vec<u32> {
        let people = self.cfg.people;
        if people == 0 {
            return Vec::new();
        }
        if ds == 0 && row == 0 && self.cfg.features.many_people {
            return (0..people.min(MANY_PEOPLE)).map(|i| 1 + i).collect();
        }
        let mut rng = Rng::new(self.seed(), &[0x9E0, u64::from(ds), u64::from(row)]);
        let k = rng.below(3) as u32;
        let mut v: Vec<u32> = (0..k)
            .map(|_| 1 + rng.below(u64::from(people)) as u32)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The property-item requests (by item count) that complete the values of page `p`
    /// beyond what its object shows: relation and people values of more than 25 entries, the
    /// rollups over such a relation (one item per entry) and the formulas that read it (one
    /// item each).
    pub(crate) fn truncated_values(&self, p: u32) -> Vec<usize> {
        let PageKind::Row { ds, row } = self.page_kind(p) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let relation = self.row_relation(ds, row).len();
        if relation > PAGE_VALUE_LIMIT {
            out.push(relation);
            let (rollups, formulas) = self.relation_readers(ds);
            out.extend(std::iter::repeat_n(relation, rollups));
            out.extend(std::iter::repeat_n(1, formulas));
        }
        let people = self.row_people(ds, row).len();
        if people > PAGE_VALUE_LIMIT {
            out.push(people);
        }
        out
    }

    // ---- comments -------------------------------------------------------------------------

    /// Number of comments on page `p` itself (`b == PAGE_LEVEL`) or on its block `b`.
    pub(crate) fn comment_count(&self, p: u32, b: u32, tree: &Tree) -> u16 {
        match self.page_kind(p) {
            PageKind::Unshared(_) => return 0,
            PageKind::Row { ds, .. } if self.is_big(ds) => return 0,
            _ => {}
        }
        if b == PAGE_LEVEL {
            let h = rng::hash(self.seed(), &[0xC0, u64::from(p)]);
            return (h % (u64::from(self.cfg.page_comments) + 1)) as u16;
        }
        let every = u64::from(self.cfg.inner_comment_every);
        let Some(skel) = tree.blocks.get(b as usize) else {
            return 0;
        };
        if every == 0
            || matches!(
                skel.kind,
                BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_)
            )
        {
            return 0;
        }
        let h = rng::hash(self.seed(), &[0xC1, u64::from(p), u64::from(b)]);
        if h.is_multiple_of(every) {
            1 + (h >> 32) as u16 % 2
        } else {
            0
        }
    }
}

/// The data source whose rows carry the long relations of the rollups feature (`None` when
/// the feature is off or the schema has no rollups).
fn rollup_source(cfg: &GenConfig, data_sources: u32) -> Option<u32> {
    if !cfg.features.rollups || cfg.mix != Mix::Rich || cfg.databases == 0 {
        return None;
    }
    let big = cfg.features.big_data_source;
    let ds = u32::from(big);
    (ds < data_sources && (!big || cfg.databases > 1)).then_some(ds)
}
