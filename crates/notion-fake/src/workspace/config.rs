//! Knobs of the generated workspace.

/// Rows a long relation ([`GenConfig::long_relation_every`]) points at.
pub const LONG_RELATION: u32 = 30;

/// Named special features (each one a knob; [`GenConfig::e2e`] turns them all on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Features {
    /// Standalone page 0 holds a chain of toggles nested 12 levels deep.
    pub deep_nesting: bool,
    /// Standalone page 1 holds 120 top-level toggles that each have a child, so its children
    /// list paginates and a reader meets more than 100 blocks with children.
    pub wide_page: bool,
    /// Row 0 of the first data source relates to 80 other rows (page objects show 25 and
    /// `has_more`); the first data source gets at least 81 rows.
    pub big_relation: bool,
    /// Row 0 of the first data source lists more than 25 people (needs `people` ≥ 30).
    pub many_people: bool,
    /// The first data source has 12,500 rows (beyond the 10,000-row query cap). Its rows have
    /// no content, no comments and the small schema, so reading all of them stays cheap.
    pub big_data_source: bool,
    /// Database 1 has two data sources (besides any from `two_source_every`).
    pub two_source_database: bool,
    /// Standalone and child pages get synced blocks (an original, and a duplicate of the
    /// showcase page's original), tables, column lists and tabs.
    pub layout_blocks: bool,
    /// Rollups and formulas over relations longer than the 25 entries a page object computes
    /// over (rich mix). The rich schema gains rollups over `Related` (`count`, `show_original`,
    /// `latest_date`, `percent_checked`, besides the `sum` it always has) and two formulas that
    /// read it (a count and a sum); rows 1, 2 and 3 of the first data source other than the
    /// 12,500-row one relate to [`ROLLUP_RELATIONS`] of its rows (it gets at least 151). Page
    /// objects carry the values computed over the first 25 entries, the property-item endpoint
    /// the complete ones.
    pub rollups: bool,
    /// [`LATE_SHARES`] standalone pages exist, with content, comments and old timestamps, but
    /// are not shared with the connection (404, not in search) until
    /// [`FakeNotion::share_page`](crate::FakeNotion::share_page) shares them.
    pub late_shares: bool,
}

/// Pages not shared at the start with [`Features::late_shares`].
pub const LATE_SHARES: u32 = 3;

/// Lengths of the relations of rows 1, 2 and 3 of the rollup data source
/// ([`Features::rollups`]).
pub const ROLLUP_RELATIONS: [u32; 3] = [26, 60, 150];

impl Features {
    /// Every feature on.
    pub const ALL: Features = Features {
        deep_nesting: true,
        wide_page: true,
        big_relation: true,
        many_people: true,
        big_data_source: true,
        two_source_database: true,
        layout_blocks: true,
        rollups: true,
        late_shares: true,
    };
}

/// How varied the generated blocks and properties are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Mix {
    /// Text blocks only (paragraphs, headings, lists, toggles) and a small schema (fast).
    Simple,
    /// Every block type and every property type; a "showcase" page holds one block of every
    /// type and rich text of every kind.
    #[default]
    Rich,
}

/// Size and shape of a generated workspace. Everything derives from `seed`.
#[derive(Debug, Clone, PartialEq)]
pub struct GenConfig {
    /// The seed.
    pub seed: u64,
    /// Person users.
    pub people: u32,
    /// Bot users besides the connection's own bot.
    pub bots: u32,
    /// Databases at workspace level (each has one data source, or two, see below).
    pub databases: u32,
    /// Every n-th database has two data sources (0: none).
    pub two_source_every: u32,
    /// Rows per data source.
    pub rows_per_data_source: u32,
    /// Standalone pages at workspace level (search-visible).
    pub pages: u32,
    /// Blocks per standalone or child page (approximately, all levels).
    pub blocks_per_page: u32,
    /// Blocks per row page.
    pub blocks_per_row: u32,
    /// Maximum nesting depth of ordinary pages (1 = no nesting).
    pub max_depth: u32,
    /// Child pages (reached through `child_page` blocks of standalone pages; not in search).
    pub child_pages: u32,
    /// Child databases (reached through `child_database` blocks of standalone pages; neither
    /// they, their data sources nor their rows are in search).
    pub child_databases: u32,
    /// Pages never shared with the connection (referenced by relations, mentions and
    /// `link_to_page` blocks; 404 when fetched).
    pub unshared_pages: u32,
    /// Each page carries 0..=n comments on itself.
    pub page_comments: u32,
    /// Every n-th block carries a comment (0: none).
    pub inner_comment_every: u32,
    /// Every n-th row of each data source relates to [`LONG_RELATION`] rows of its data source,
    /// more than the 25 a page object shows (0: none).
    pub long_relation_every: u32,
    /// Block and property type mix.
    pub mix: Mix,
    /// Special features.
    pub features: Features,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig::small()
    }
}

impl GenConfig {
    /// A small workspace: a few of everything, no heavy special features.
    pub fn small() -> Self {
        GenConfig {
            seed: 1,
            people: 6,
            bots: 1,
            databases: 3,
            two_source_every: 3,
            rows_per_data_source: 12,
            pages: 10,
            blocks_per_page: 20,
            blocks_per_row: 3,
            max_depth: 3,
            child_pages: 3,
            child_databases: 1,
            unshared_pages: 2,
            page_comments: 2,
            inner_comment_every: 7,
            long_relation_every: 0,
            mix: Mix::Rich,
            features: Features::default(),
        }
    }

    /// The end-to-end preset: a small workspace with every named feature (12-level nesting,
    /// a page with 120 blocks that have children, an 80-row relation, 30 people, a 12,500-row
    /// data source whose rows have no content, no comments and the small schema, a database
    /// with two data sources, inner-block comments, child pages and databases, synced blocks,
    /// tables, column lists, tabs, unshared pages, rollups and formulas over relations of 26,
    /// 60 and 150 entries, three old pages not shared yet).
    pub fn e2e() -> Self {
        GenConfig {
            people: 32,
            features: Features::ALL,
            ..GenConfig::small()
        }
    }

    /// [`GenConfig::e2e`] without the 12,500-row data source (every other feature): cheap to
    /// read completely, with schema validation, in a test.
    pub fn e2e_without_big_rows() -> Self {
        GenConfig {
            features: Features {
                big_data_source: false,
                ..Features::ALL
            },
            ..GenConfig::e2e()
        }
    }

    /// A small workspace for rollup and formula tests: two databases, [`Features::rollups`]
    /// only (rows of the first data source relate to 26, 60 and 150 of its 151 rows), short
    /// pages and few comments.
    pub fn rollups() -> Self {
        GenConfig {
            people: 4,
            databases: 2,
            two_source_every: 0,
            pages: 3,
            blocks_per_page: 4,
            blocks_per_row: 1,
            max_depth: 1,
            child_pages: 0,
            child_databases: 0,
            page_comments: 1,
            inner_comment_every: 0,
            features: Features {
                rollups: true,
                ..Features::default()
            },
            ..GenConfig::small()
        }
    }

    /// The benchmark shape: `pages` pages in all (standalone pages and rows), 30 top-level blocks
    /// each (so one children request returns 30 blocks).
    pub fn bench(pages: u32) -> Self {
        let databases = (pages / 1000).max(1);
        let rows = pages / 2 / databases;
        GenConfig {
            seed: 1,
            people: 40,
            bots: 2,
            databases,
            two_source_every: 0,
            rows_per_data_source: rows,
            pages: pages - rows * databases,
            blocks_per_page: 30,
            blocks_per_row: 30,
            max_depth: 1,
            child_pages: 0,
            child_databases: 0,
            unshared_pages: 10,
            page_comments: 1,
            inner_comment_every: 0,
            long_relation_every: 0,
            mix: Mix::Rich,
            features: Features::default(),
        }
    }

    /// The connector benchmark shape: `pages` pages in all — rows (half), child pages (1%) and
    /// standalone pages — with about 30 blocks per page and 15 per row, nested up to 3 levels,
    /// synced blocks, tables, column lists and tabs, up to 2 comments per page, a comment on
    /// every 10th block, and every 20th row relating to [`LONG_RELATION`] rows (more than the
    /// 25 a page object shows). One database (one data source) per 1,000 pages.
    pub fn bench_sync(pages: u32) -> Self {
        let flat = GenConfig::bench(pages);
        let child_pages = pages / 100;
        GenConfig {
            pages: flat.pages.saturating_sub(child_pages),
            blocks_per_row: 15,
            max_depth: 3,
            child_pages,
            page_comments: 2,
            inner_comment_every: 10,
            long_relation_every: 20,
            features: Features {
                layout_blocks: true,
                ..Features::default()
            },
            ..flat
        }
    }

    /// A named preset: `small`, `e2e`, `rollups`, `bench` (100,000 pages), `bench-N` (N pages),
    /// `bench-sync-N` ([`GenConfig::bench_sync`], N pages).
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "small" => Some(GenConfig::small()),
            "e2e" => Some(GenConfig::e2e()),
            "rollups" => Some(GenConfig::rollups()),
            "bench" => Some(GenConfig::bench(100_000)),
            _ => {
                if let Some(n) = name.strip_prefix("bench-sync-") {
                    n.parse().ok().map(GenConfig::bench_sync)
                } else {
                    name.strip_prefix("bench-")
                        .and_then(|n| n.parse().ok())
                        .map(GenConfig::bench)
                }
            }
        }
    }
}
