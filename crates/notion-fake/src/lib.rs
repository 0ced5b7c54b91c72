//! A faithful fake of the Notion API, for tests, benchmarks and the no-token demo.
//!
//! It serves a generated workspace (seeded, deterministic, built on demand from the ids, so
//! 100,000 pages cost no memory) or the hand-made demo workspace over HTTP/1.1 on 127.0.0.1,
//! and behaves like Notion where connectors have broken before: versions, opaque cursors, page
//! sizes, the 10,000-row query cap, relation and people values cut at 25, minute timestamps,
//! search lag, unshared objects, capabilities, per-connection rate-limit windows, OAuth with
//! refresh-token rotation, and injectable faults and latency. Every object is a `notion-model`
//! value shaped for the request's `Notion-Version`; every body the fake serves validates
//! against the SDK-derived schemas in `fixtures/schemas`.
//!
//! # Starting it in a test
//!
//! ```
//! use notion_fake::{FakeNotion, GenConfig, Options, ReadOptions, Stream, WorkspaceSpec};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fake = FakeNotion::start(WorkspaceSpec::Generated(GenConfig::small()), Options::default()).await?;
//! assert!(fake.base_url().starts_with("http://127.0.0.1:"));
//!
//! // Any HTTP client: `Authorization: Bearer <token>` and a `Notion-Version` header.
//! let mut tcp = tokio::net::TcpStream::connect(fake.addr()).await?;
//! let request = format!(
//!     "GET /v1/users/me HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {}\r\n\
//!      notion-version: 2026-03-11\r\nconnection: close\r\n\r\n",
//!     fake.token()
//! );
//! tcp.write_all(request.as_bytes()).await?;
//! let mut response = String::new();
//! tcp.read_to_string(&mut response).await?;
//! assert!(response.starts_with("HTTP/1.1 200"));
//! assert!(response.contains("\"object\":\"user\""));
//!
//! // What the server saw, and what a complete read needs and must find.
//! assert_eq!(fake.counters().total(), 1);
//! let minimum = fake.min_requests(ReadOptions::default());
//! assert!(minimum.total() > 100);
//! let pages = fake.ground_truth(Stream::Pages, notion_fake::ApiVersion::V2026_03_11).count();
//! assert!(pages > 50);
//!
//! // Change the workspace as a user would; timestamps move with the fake clock.
//! fake.advance(std::time::Duration::from_secs(120));
//! let page = fake.ground_truth(Stream::Pages, notion_fake::ApiVersion::V2026_03_11).next().unwrap().id;
//! fake.add_block(page, "A new paragraph")?;
//! fake.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! The binary does the same from a shell: `notion-fake --workspace e2e --port 0` prints
//! `notion-fake listening on http://127.0.0.1:PORT` (`--help` lists every flag).
//!
//! # Workspaces
//!
//! [`WorkspaceSpec::Demo`] (`--workspace demo`) is a small team wiki written by hand in
//! `demo/` of this crate (compiled in): three people and two bots, a "Team Handbook" page tree using
//! every block type with inline comments, and a "Projects" database with two data sources
//! ("Projects" and "Archive") covering every property type, 30 rows with content and comments.
//!
//! [`WorkspaceSpec::Generated`] takes a [`GenConfig`]: the seed and size knobs (people and bots,
//! databases, every n-th database with two data sources, rows per data source, standalone
//! pages, blocks per page and per row, nesting depth, child pages and child databases, pages
//! never shared, comments on pages and on every n-th block), the block and property [`Mix`], and
//! the named [`Features`]. Presets (counts as read by a complete reader):
//!
//! | Preset | Users | Databases / data sources | Pages (rows) | Blocks | Comments | Minimum requests |
//! |---|---|---|---|---|---|---|
//! | [`GenConfig::small`] (`small`) | 8 | 4 / 5 | 73 (60) | 476 | 164 | 692 |
//! | [`GenConfig::e2e`] (`e2e`) | 34 | 4 / 6 | 12,709 (12,699) | 1,058 | 436 | 27,043 |
//! | [`GenConfig::e2e_without_big_rows`] | 34 | 4 / 6 | 221 (211) | 1,094 | 451 | 1,858 |
//! | [`GenConfig::rollups`] (`rollups`) | 6 | 2 / 2 | 166 (163) | 223 | 78 | 602 |
//! | [`GenConfig::bench`]`(n)` (`bench-N`, `bench` = 100,000) | 43 | n/1000 / n/1000 | n (n/2) | 30 n | ≈ n/2 | ≈ 32 n |
//! | demo (`demo`) | 5 | 1 / 2 | 35 (30) | 203 | 35 | 297 |
//!
//! `e2e` turns on every named feature: a page nested 12 levels deep, a page with 120 top-level
//! blocks that have children, a row whose relation lists 80 rows and whose people value lists 30
//! people, a 12,500-row data source (beyond the query cap; its rows have no content and no
//! comments and a small schema, so a complete read stays cheap), a database with two data
//! sources, synced blocks (duplicates in other pages than their original), tables, column lists
//! and tabs, inner-block comments, child pages and child databases, unshared pages that
//! relations, mentions and links point at, rollups and formulas over relations of 26, 60
//! and 150 entries ([`Features::rollups`]), and three old pages not shared until
//! [`FakeNotion::share_page`] ([`Features::late_shares`]). In the rich mix a "showcase" page holds one block of
//! every type and rich text of every kind, and data sources have every property type.
//!
//! # Versions
//!
//! `2025-09-03` and `2026-03-11` shapes for every endpoint (`archived` mirrors `in_trash` before
//! 2026-03-11; meeting notes are `transcription` blocks before 2026-03-11). `2022-06-28` is
//! answered for the endpoints Airbyte's Python connector calls, in that version's shapes: users,
//! search (filter value `database`; database objects carry `properties`, the schema of their
//! data source; databases with two data sources are left out), `GET /v1/databases/{id}` and
//! `POST /v1/databases/{id}/query` (rows with `database_id` parents; a database with two data
//! sources answers `validation_error`, as Notion does), pages, property items, blocks, block
//! children and comments. No `Notion-Version` is 400 `missing_version`; an unknown one is 400
//! `validation_error`.
//!
//! # Behaviour
//!
//! * **Trash.** Search without an `in_trash` filter and queries without `in_trash: true` leave
//!   trashed pages out. Search with `filter: {"in_trash": true}` (optionally with the object
//!   filter) returns the trashed pages only: standalone pages, child pages and rows, sorted like
//!   any search. A query with `"in_trash": true` returns the trashed rows only.
//!   `GET /v1/pages/{id}` of a trashed page answers with `in_trash: true` (and `archived: true`
//!   before 2026-03-11). Trashing and restoring bump the page's `last_edited_time`. A trashed
//!   page takes its child pages and child databases (their data sources and rows) out of search.
//!   Ground truth and the minimum requests leave all of them out.
//! * **Comments bump timestamps.** Adding a comment bumps the `last_edited_time` of the block it
//!   is on and of that block's page; a page-level comment bumps the page.
//! * **`Date` header.** Every response (errors, faults and proxy pages too) carries `Date`, the
//!   fake clock's now as an RFC 7231 IMF-fixdate.
//! * **Synced blocks.** A duplicate `synced_block` (with `synced_from`) has `has_children: true`
//!   and its children endpoint returns the original's children, with the same ids. Originals live
//!   in shared pages. A complete reader reads each block once, under the page where it lives,
//!   and does not descend into duplicates.
//! * **Child pages and databases.** A `child_page` block is its page (same id, times and
//!   authors); its children endpoint lists the page's content. Generated child pages, child
//!   databases and their data sources and rows are not in search.
//! * **Pages and blocks** carry minute-precision times (`2026-07-04T09:08:00.000Z`), databases
//!   and data sources millisecond times with an offset (`2026-07-04T09:08:57.778+00:00`).
//! * **Hosted files.** Every Notion-hosted file (image, video, PDF, audio and file blocks of
//!   type `file`, `files` property values, icons and covers of pages, databases and data
//!   sources, comment attachments) has a URL on the fake itself,
//!   `http://127.0.0.1:PORT/files/{file id}/{name}?X-Amz-Algorithm=…&X-Amz-Date=…&X-Amz-Expires=…&X-Amz-Signature=…`,
//!   with `expiry_time` its signing time plus [`Options::file_url_expiry`] (an hour by
//!   default). URLs are signed at the start of the current window of half the expiry, so
//!   retrieving the object in a later window gives a fresh URL. A download answers the file's
//!   deterministic bytes (content derived from the file id, size from the workspace, one
//!   large file of [`Options::large_file_bytes`]) with its `Content-Type`; an expired URL or a
//!   wrong signature gets 403 with an S3-style XML error (`AccessDenied`,
//!   `SignatureDoesNotMatch`), a replaced or unknown file 404 `NoSuchKey`. Downloads take no
//!   token, are not rate limited and have their own counters ([`Counters::file_downloads`]).
//!   External files stay external. [`FakeNotion::hosted_files`] lists every hosted file with
//!   its size and SHA-256.
//! * **Queries** filter on timestamps and on property values (checkbox, number, select, status,
//!   multi-select, text types, date, people, relation, created/edited by, files, formula,
//!   rollup and unique id conditions, nested `and`/`or`) and sort by timestamps or properties
//!   (empty values last). They stop at 10,000 results; the last page then carries
//!   `request_status: {type: "incomplete", incomplete_reason: "query_result_limit_reached"}`.
//!   `filter_properties` (ids or names) trims the page objects of queries and page retrieves.
//! * **Property items**: `title`, `rich_text`, `people`, `relation` and `rollup` are paginated
//!   lists of one-element items with `property_item.next_url`; other types are one item.
//! * **Rollups and formulas over long relations.** A page object computes a rollup, and a
//!   formula that reads a relation, over the first 25 entries of the relation (a `count` says
//!   25 of 80, `show_original` lists 25 values). `GET /v1/pages/{id}/properties/{rollup}` lists
//!   the relation's entries, one item each, with `property_item.rollup` `{"type":
//!   "incomplete"}` on every page but the last, which carries the aggregate over all entries;
//!   a formula's property item is its value over all entries. Functions: `count`,
//!   `count_values`, `empty`, `not_empty`, `unique`, `percent_empty`, `percent_not_empty`,
//!   `sum`, `average`, `median`, `min`, `max`, `range`, `earliest_date`, `latest_date`,
//!   `date_range`, `checked`, `unchecked`, `percent_checked`, `percent_unchecked`,
//!   `show_original`, `show_unique`.
//! * **Markdown.** `GET /v1/pages/{id}/markdown` (2026-03-11 only; 400 before) renders the
//!   content the block-children endpoint serves as enhanced markdown (tab-indented children,
//!   Notion's tags for toggles, callouts, columns, tables, synced blocks, media, child pages
//!   and mentions, backslash escapes outside code): the text of every block shows. One
//!   response renders at most [`Options::markdown_block_limit`] blocks (default 200): a child
//!   subtree that does not fit is left out whole, replaced by `<unknown url=… alt=…/>` and
//!   listed in `unknown_block_ids`, with `truncated: true`; the same endpoint called with such a
//!   block id renders that block and its subtree. A meeting-notes transcript shows with
//!   `include_transcript=true`, a placeholder tag otherwise. Pages not shared are 404.
//!   [`FakeNotion::page_texts`] lists what each page's markdown must show.
//!
//! # The minimum number of requests
//!
//! [`FakeNotion::min_requests`] is what a complete read costs with `page_size` 100 everywhere:
//!
//! * `ceil(users / 100)` list-users requests (at least 1);
//! * one unfiltered search: `ceil(visible pages and data sources / 100)` (at least 1);
//! * one retrieve per shared database, and one per data source that search does not show;
//! * per data source, `ceil(rows / 100)` query requests (at least 1), trashed rows excluded;
//!   past the 10,000-row cap a reader continues with a window (for example `created_time`
//!   after the last row seen), whose pages count the same way;
//! * one page retrieve per page that is not a row and that search does not return (child pages,
//!   found through `child_page` blocks);
//! * `ceil(children / 100)` block-children requests (at least 1) for every page, and for every
//!   block with children except `child_page` / `child_database` blocks and duplicate synced
//!   blocks;
//! * comments: `ceil(n / 100)` (at least 1) per page, and per block when inner-block comments
//!   are read ([`ReadOptions`]), not for `child_page` / `child_database` blocks;
//! * with [`ReadOptions::markdown`], content is read as markdown instead: one markdown request
//!   per page and one per omitted subtree (recursively) replace the block-children requests,
//!   and inner-block comments are not read;
//! * when truncated values are completed: `ceil(n / 100)` property-item requests per relation
//!   or people value longer than 25, and per rollup over such a relation; one per formula that
//!   reads one (its expression names it as `prop("…")`).
//!
//! [`FakeNotion::ground_truth`] lists, lazily, every object such a read must find, exactly as
//! served — and for pages, as a reader that completes truncated values ends with them: every
//! relation and people value complete (relations with `has_more: false`), rollups and formulas
//! computed over every entry.
//!
//! # Faults, latency and limits
//!
//! Per endpoint and probability ([`FaultRule`], reproducible from a seed) or scripted for the
//! next N requests ([`FakeNotion::script_fault`]): 500, 502 with an HTML body, 503, 504, 529 with
//! `Retry-After`, a connection reset, a stall, a body cut short of its `Content-Length`. Fixed or
//! jittered latency per endpoint, on tokio time (so `tokio::time::pause` skips it). Rate limit:
//! a budget per token per 60-second window (default 180), then 429 with an integer
//! `Retry-After` and `additional_data`. Tokens can be revoked, expire after N requests, or lose
//! capabilities (403 `restricted_resource`).
//!
//! # Mutations
//!
//! The handle edits the workspace as a user would, at the fake clock's now, bumping
//! `last_edited_time` as Notion does: [`FakeNotion::edit_page_properties`],
//! [`FakeNotion::trash_page`], [`FakeNotion::restore_page`], [`FakeNotion::delete_page`] (for
//! good: 404), [`FakeNotion::move_page`], [`FakeNotion::add_block`],
//! [`FakeNotion::edit_block`], [`FakeNotion::remove_block`] (it shows `in_trash`),
//! [`FakeNotion::delete_block`] (404, with its subtree), [`FakeNotion::add_comment`],
//! [`FakeNotion::resolve_comment`] (its discussion leaves the listings),
//! [`FakeNotion::add_row`], [`FakeNotion::add_data_source`],
//! [`FakeNotion::delete_data_source`], schema changes ([`FakeNotion::add_property`],
//! [`FakeNotion::rename_property`], [`FakeNotion::change_property_type`],
//! [`FakeNotion::remove_property`]: rows' values follow, rows are not edited, the data source
//! is), [`FakeNotion::replace_file`], [`FakeNotion::unshare`] and [`FakeNotion::share_page`]
//! (an old page, with its old times, becomes visible). Queries see a change at once; search
//! sees it after the configured lag. Counters, ground truth and the minimum requests follow.
//!
//! # Webhooks
//!
//! [`FakeNotion::subscribe_webhook`] (or [`Options::webhook`]) takes a receiver on loopback:
//! the fake POSTs it the one-time verification request `{"verification_token": "secret_…"}`,
//! then one event per mutation, as Notion sends them (`id`, `timestamp`, `workspace_id`,
//! `workspace_name`, `subscription_id`, `integration_id`, `type`, `authors`,
//! `accessible_by`, `attempt_number`, `api_version`, `entity`, `data` with `parent`,
//! `updated_blocks`, `updated_properties`, `page_id`), signed `X-Notion-Signature:
//! sha256=<hex HMAC-SHA256 of the raw body keyed by the verification token>`:
//!
//! | Mutation | Event |
//! |---|---|
//! | `edit_page_properties`, `replace_file` (a page's file) | `page.properties_updated` |
//! | `add_block`, `edit_block`, `remove_block`, `delete_block`, `replace_file` (a block's) | `page.content_updated` |
//! | `add_row` | `page.created` |
//! | `trash_page`, `delete_page` / `restore_page` | `page.deleted` / `page.undeleted` |
//! | `move_page` | `page.moved` |
//! | `add_comment` / `resolve_comment` (each comment of the discussion) | `comment.created` / `comment.updated` |
//! | `add_data_source` / `delete_data_source` | `data_source.created` / `data_source.deleted` |
//! | schema changes | `data_source.schema_updated` |
//!
//! A `2022-06-28` subscription gets `database.*` instead of `data_source.*`. Access changes
//! (`unshare`, `share_page`) send nothing. A non-2xx answer is retried with backoff
//! ([`WebhookConfig`]), `attempt_number` counting up; every POST and the receiver's status is
//! recorded ([`FakeNotion::webhook_deliveries`]). Deliveries run on their own tasks: mutations
//! and API handlers never wait for the receiver. Test hooks: [`FakeNotion::script_webhook_fault`]
//! (bad or missing signature, duplicate, reordered, delayed) and
//! [`FakeNotion::send_webhook_event`] (any type, such as one receivers do not know).
//!
//! # Inside the crate
//!
//! The modules depend on each other without cycles; an arrow reads "uses":
//!
//! ```text
//! lib (FakeNotion, Options)
//!  ├─► server ─► api ─► query, property, oauth, markdown ─┐
//!  │     └─────► files (downloads of hosted files) ───────┤
//!  ├─► accounting (minimum requests, ground truth) ───────┤
//!  ├─► events (the webhook event of a mutation) ──────────┤
//!  │                                                       ▼
//!  └──────────────────────────────► ctx: Shared (the server's state), Ctx (one request), pagination
//!                                     │
//!                                     ▼
//!     workspace, webhooks, render, auth, faults, ratelimit, counters, cursor, clock, routes, error
//!
//! workspace: base (the Base trait) ◄─ generator + content (the generated workspace)
//!                                  ◄─ demo: spec (fixture format) ─► build (model objects) ─► serve
//!            live + overlay (the served view: the base corrected by mutations; the mutations)
//!            changes (deletions, sharing, moves, schema changes)
//!            hosted (placeholders, signed URLs, file bytes), rollup (rollup functions)
//! ```
//!
//! `server` runs the pipeline (faults, latency, version, auth, rate limit) and hands a `Ctx`
//! to `api::dispatch`; every handler reads the workspace through `ctx`. `accounting` computes
//! the minimum requests and ground truth from the same workspace view the handlers serve.

mod accounting;
mod api;
mod auth;
mod body;
mod clock;
mod counters;
mod ctx;
mod cursor;
mod error;
mod events;
mod faults;
mod files;
mod filter;
mod ids;
mod markdown;
mod oauth;
mod property;
mod query;
mod ratelimit;
mod render;
mod rng;
mod routes;
mod server;
mod webhooks;
pub mod workspace;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use accounting::{
    ChildRefs, HostedFile, MinRequests, PageText, ReadOptions, Stream, TruthRecord,
};
pub use auth::{Capabilities, OAuthClient};
pub use clock::{Clock, default_start};
pub use counters::Counters;
pub use error::FakeError;
pub use faults::{Fault, FaultRule, Latency};
pub use notion_model::{ApiVersion, Id};
pub use routes::Endpoint;
pub use webhooks::{WebhookConfig, WebhookDelivery, WebhookFault};
pub use workspace::{Features, GenConfig, Mix};

/// Every `Notion-Version` the fake answers, oldest first: `2022-06-28` (the legacy shapes, for
/// the endpoints Airbyte's Python connector calls), `2025-09-03` and `2026-03-11`.
pub const VERSIONS: [ApiVersion; 3] = [
    ApiVersion::V2022_06_28,
    ApiVersion::V2025_09_03,
    ApiVersion::V2026_03_11,
];

use ctx::{Live, Shared};

/// The token every fake accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "ntn_fake_token";

/// Which workspace to serve.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WorkspaceSpec {
    /// A generated workspace.
    Generated(GenConfig),
    /// The hand-made demo workspace (`demo/` of this crate, compiled in).
    Demo,
}

/// Server options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Port on 127.0.0.1 (0: an ephemeral port).
    pub port: u16,
    /// Requests per token per 60-second window (`None`: unthrottled). Default 180.
    pub rate_limit: Option<u32>,
    /// Delay before new or edited pages show in search. Default zero.
    pub search_lag: Duration,
    /// Accepted `Notion-Version` values. Default: all.
    pub versions: Vec<ApiVersion>,
    /// Bearer tokens accepted, with their capabilities. Default: [`DEFAULT_TOKEN`], all capabilities.
    pub tokens: Vec<(String, Capabilities)>,
    /// OAuth clients accepted by the token endpoint.
    pub oauth_clients: Vec<OAuthClient>,
    /// OAuth access tokens expire after this many requests (`None`: never).
    pub oauth_token_requests: Option<u64>,
    /// Probabilistic faults.
    pub faults: Vec<FaultRule>,
    /// Seed of the fault and latency random generator.
    pub fault_seed: u64,
    /// Latency added to every request.
    pub latency: Latency,
    /// The clock's start instant (generated objects are dated before it).
    pub start: DateTime<Utc>,
    /// Blocks one `GET /v1/pages/{id}/markdown` response renders at most; larger content is
    /// truncated, its omitted subtrees listed in `unknown_block_ids`. Default 200.
    pub markdown_block_limit: usize,
    /// How long the signed URLs of Notion-hosted files stay valid (`X-Amz-Expires`). Default
    /// one hour.
    pub file_url_expiry: Duration,
    /// Bytes of the workspace's large hosted file (for tests of download limits). Default
    /// 8 MiB.
    pub large_file_bytes: u64,
    /// A webhook receiver to subscribe at start (see [`FakeNotion::subscribe_webhook`]).
    pub webhook: Option<WebhookConfig>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            port: 0,
            rate_limit: Some(180),
            search_lag: Duration::ZERO,
            versions: VERSIONS.to_vec(),
            tokens: vec![(DEFAULT_TOKEN.to_owned(), Capabilities::ALL)],
            oauth_clients: vec![OAuthClient {
                client_id: "fake-client".to_owned(),
                client_secret: "fake-secret".to_owned(),
            }],
            oauth_token_requests: None,
            faults: Vec::new(),
            fault_seed: 0,
            latency: Latency::default(),
            start: default_start(),
            markdown_block_limit: markdown::DEFAULT_BLOCK_LIMIT,
            file_url_expiry: workspace::hosted::DEFAULT_EXPIRY,
            large_file_bytes: workspace::hosted::DEFAULT_LARGE_FILE,
            webhook: None,
        }
    }
}

/// A running fake server and its control handle. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeNotion {
    shared: Arc<Shared>,
    addr: SocketAddr,
    token: String,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl FakeNotion {
    /// Builds the workspace and starts serving on 127.0.0.1.
    pub async fn start(spec: WorkspaceSpec, options: Options) -> Result<FakeNotion, FakeError> {
        let clock = Arc::new(Clock::new(options.start));
        let files = workspace::FileOptions {
            expiry: options.file_url_expiry,
            large: options.large_file_bytes,
        };
        let ws = match spec {
            WorkspaceSpec::Generated(cfg) => workspace::Workspace::generated(cfg, clock, files),
            WorkspaceSpec::Demo => workspace::Workspace::demo(clock, files)?,
        };
        let faults = faults::Faults::new(options.fault_seed);
        faults.set_rules(options.faults.clone());
        faults.set_latency(None, options.latency);
        let live = Live {
            rate_limit: options.rate_limit,
            search_lag: options.search_lag,
            versions: options.versions.clone(),
            markdown_block_limit: options.markdown_block_limit.max(1),
        };
        let salt = options.fault_seed ^ 0x5EED;
        let hooks = Arc::new(webhooks::Webhooks::new(
            tokio::runtime::Handle::current(),
            options.fault_seed ^ 0x3EB,
        ));
        let shared = Arc::new(Shared::new(live, faults, ws, hooks, salt));
        let now = shared.clock.now().timestamp();
        for (t, caps) in &options.tokens {
            shared.auth.add_token(t, *caps, now);
        }
        for c in &options.oauth_clients {
            shared.auth.add_client(c);
        }
        shared.auth.set_oauth_expiry(options.oauth_token_requests);
        let (listener, addr) = server::bind(options.port).await?;
        shared.set_addr(addr);
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, shared.clone(), rx));
        if let Some(config) = options.webhook.clone() {
            shared.webhooks.subscribe(config)?;
        }
        let token = options
            .tokens
            .first()
            .map(|(t, _)| t.clone())
            .unwrap_or_default();
        Ok(FakeNotion {
            shared,
            addr,
            token,
            shutdown: tx,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first configured token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Stops accepting connections and closes open ones.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    // ---- counters ----------------------------------------------------------------------------

    /// Request counters by endpoint and status.
    pub fn counters(&self) -> Counters {
        self.shared.counters.snapshot()
    }

    /// Sets every counter to zero.
    pub fn reset_counters(&self) {
        self.shared.counters.reset();
    }

    /// The minimum number of requests a complete read of the workspace needs now (see
    /// [`MinRequests`] and the definition in the crate docs).
    pub fn min_requests(&self, options: ReadOptions) -> MinRequests {
        accounting::min_requests(&self.shared, options)
    }

    /// The requests that read the content of `pages` — block trees, comments and truncated
    /// property values, counted as [`FakeNotion::min_requests`] counts them — and the child pages
    /// and child databases their content links to. What an incremental read spends on the
    /// pages it re-reads.
    pub fn page_content_requests(
        &self,
        pages: &[Id],
        options: ReadOptions,
    ) -> (MinRequests, ChildRefs) {
        accounting::page_content_requests(&self.shared, pages, options)
    }

    /// Every object of `stream` a complete reader must see, exactly as served now in `version`
    /// (pages with their truncated values completed), lazily (see the crate docs).
    pub fn ground_truth(
        &self,
        stream: Stream,
        version: ApiVersion,
    ) -> Box<dyn Iterator<Item = TruthRecord> + Send> {
        accounting::ground_truth(self.shared.clone(), stream, version)
    }

    /// The readable text of every page a complete reader reaches, lazily: what the markdown of
    /// each page must show (see [`PageText`]).
    pub fn page_texts(&self) -> Box<dyn Iterator<Item = PageText> + Send> {
        accounting::page_texts(self.shared.clone())
    }

    /// Every Notion-hosted file of the objects a complete reader reaches, as served now, with
    /// its size and SHA-256, lazily (see [`HostedFile`]).
    pub fn hosted_files(&self) -> Box<dyn Iterator<Item = HostedFile> + Send> {
        accounting::hosted_files(self.shared.clone())
    }

    // ---- mutations (each bumps timestamps as Notion does, at the fake clock's now) ---------

    /// Replaces property values of a page (`{"Name": {<value in Notion's JSON shape>}}`); bumps
    /// the page's `last_edited_time`. Webhook: `page.properties_updated`.
    pub fn edit_page_properties(
        &self,
        page: Id,
        properties: serde_json::Value,
    ) -> Result<(), FakeError> {
        let serde_json::Value::Object(map) = properties else {
            return Err(FakeError::Mutation(
                "properties must be a JSON object".into(),
            ));
        };
        let names: Vec<String> = map.keys().cloned().collect();
        self.shared
            .ws
            .edit_page_properties(&page, map, self.now())?;
        let props = self
            .shared
            .ws
            .page_unsigned(&page, self.now())
            .and_then(|p| p.properties)
            .unwrap_or_default();
        let ids = names
            .iter()
            .filter_map(|n| props.get(n).and_then(|v| v.id.clone()))
            .collect();
        events::properties_updated(&self.shared, &page, ids);
        Ok(())
    }

    /// Moves a page to the trash; bumps its `last_edited_time`. Webhook: `page.deleted`.
    pub fn trash_page(&self, page: Id) -> Result<(), FakeError> {
        self.shared.ws.set_trashed(&page, true, self.now())?;
        let parent = events::page_parent(&self.shared, &page);
        events::page(&self.shared, "page.deleted", &page, parent);
        Ok(())
    }

    /// Restores a page from the trash; bumps its `last_edited_time`. Webhook:
    /// `page.undeleted`.
    pub fn restore_page(&self, page: Id) -> Result<(), FakeError> {
        self.shared.ws.set_trashed(&page, false, self.now())?;
        let parent = events::page_parent(&self.shared, &page);
        events::page(&self.shared, "page.undeleted", &page, parent);
        Ok(())
    }

    /// Deletes a page for good: 404 from then on, out of search, queries, the trash and ground
    /// truth. Webhook: `page.deleted`.
    pub fn delete_page(&self, page: Id) -> Result<(), FakeError> {
        let parent = events::page_parent(&self.shared, &page);
        self.shared.ws.delete_page(&page)?;
        events::page(&self.shared, "page.deleted", &page, parent);
        Ok(())
    }

    /// Appends a paragraph under a page or block; bumps the page's `last_edited_time`.
    /// Webhook: `page.content_updated`.
    pub fn add_block(&self, parent: Id, text: &str) -> Result<Id, FakeError> {
        let id = self.shared.ws.add_block(&parent, text, self.now())?;
        self.content_event(&id);
        Ok(id)
    }

    /// Replaces a text block's text; bumps the block's and the page's `last_edited_time`.
    /// Webhook: `page.content_updated`.
    pub fn edit_block(&self, block: Id, text: &str) -> Result<(), FakeError> {
        self.shared.ws.edit_block(&block, text, self.now())?;
        self.content_event(&block);
        Ok(())
    }

    /// Removes a block from its parent's children (retrieving it shows `in_trash`); bumps the
    /// page's `last_edited_time`. Webhook: `page.content_updated`.
    pub fn remove_block(&self, block: Id) -> Result<(), FakeError> {
        let page = self.shared.ws.page_of(&block);
        self.shared.ws.remove_block(&block, self.now())?;
        if let Some(page) = page {
            events::content_updated(&self.shared, &page, &[block]);
        }
        Ok(())
    }

    /// Deletes a block and its subtree for good: gone from its parent's children, 404 when
    /// retrieved. Bumps the page's `last_edited_time`. Webhook: `page.content_updated`.
    pub fn delete_block(&self, block: Id) -> Result<(), FakeError> {
        let page = self.shared.ws.delete_block(&block, self.now())?;
        events::content_updated(&self.shared, &page, &[block]);
        Ok(())
    }

    fn content_event(&self, block: &Id) {
        if let Some(page) = self.shared.ws.page_of(block) {
            events::content_updated(&self.shared, &page, &[*block]);
        }
    }

    /// Adds a comment on a page or block; bumps the `last_edited_time` of the block and of its
    /// page (a page-level comment bumps the page). Webhook: `comment.created`.
    pub fn add_comment(&self, parent: Id, text: &str) -> Result<Id, FakeError> {
        let id = self.shared.ws.add_comment(&parent, text, self.now())?;
        if let (Some(c), Some(page)) = (
            self.shared.ws.comment_unsigned(&id, self.now()),
            self.shared.ws.page_of(&id),
        ) {
            events::comment(&self.shared, "comment.created", &c, &page);
        }
        Ok(id)
    }

    /// Resolves the discussion a comment belongs to: its comments leave the listings and
    /// ground truth. Webhook: `comment.updated` for each of them.
    pub fn resolve_comment(&self, comment: Id) -> Result<(), FakeError> {
        let (thread, page) = self.shared.ws.resolve_comment(&comment, self.now())?;
        for c in &thread {
            events::comment(&self.shared, "comment.updated", c, &page);
        }
        Ok(())
    }

    /// Adds a row (empty values but the title) to a data source; returns its page id.
    /// Webhook: `page.created`.
    pub fn add_row(&self, data_source: Id, title: &str) -> Result<Id, FakeError> {
        let id = self.shared.ws.add_row(&data_source, title, self.now())?;
        let parent = events::page_parent(&self.shared, &id);
        events::page(&self.shared, "page.created", &id, parent);
        Ok(id)
    }

    /// Adds a data source (with a title property only) to a database; returns its id. Search
    /// does not show it: readers find it through the database. Webhook:
    /// `data_source.created`.
    pub fn add_data_source(&self, database: Id, title: &str) -> Result<Id, FakeError> {
        let id = self
            .shared
            .ws
            .add_data_source(&database, title, self.now())?;
        events::data_source(&self.shared, "created", &id, &database, None);
        Ok(id)
    }

    /// Deletes a data source for good: 404, its rows with it, gone from its database.
    /// Webhook: `data_source.deleted`.
    pub fn delete_data_source(&self, data_source: Id) -> Result<(), FakeError> {
        let db = self.shared.ws.delete_data_source(&data_source)?;
        events::data_source(&self.shared, "deleted", &data_source, &db, None);
        Ok(())
    }

    /// Adds a property (`type_name`: `rich_text`, `number`, `select`, `date`, `checkbox`,
    /// `url`, … with an empty configuration) to a data source; rows get an empty value. Bumps
    /// the data source's `last_edited_time`. Webhook: `data_source.schema_updated`.
    pub fn add_property(
        &self,
        data_source: Id,
        name: &str,
        type_name: &str,
    ) -> Result<(), FakeError> {
        let change = self
            .shared
            .ws
            .add_property(&data_source, name, type_name, self.now())?;
        self.schema_event(&data_source, change);
        Ok(())
    }

    /// Renames a property of a data source; rows' values move with it. Webhook:
    /// `data_source.schema_updated`.
    pub fn rename_property(&self, data_source: Id, from: &str, to: &str) -> Result<(), FakeError> {
        let change = self
            .shared
            .ws
            .rename_property(&data_source, from, to, self.now())?;
        self.schema_event(&data_source, change);
        Ok(())
    }

    /// Changes a property's type (see [`FakeNotion::add_property`]); rows' values become
    /// empty, text keeping its words. Webhook: `data_source.schema_updated`.
    pub fn change_property_type(
        &self,
        data_source: Id,
        name: &str,
        type_name: &str,
    ) -> Result<(), FakeError> {
        let change = self
            .shared
            .ws
            .retype_property(&data_source, name, type_name, self.now())?;
        self.schema_event(&data_source, change);
        Ok(())
    }

    /// Removes a property from a data source and its values from the rows. Webhook:
    /// `data_source.schema_updated`.
    pub fn remove_property(&self, data_source: Id, name: &str) -> Result<(), FakeError> {
        let change = self
            .shared
            .ws
            .remove_property(&data_source, name, self.now())?;
        self.schema_event(&data_source, change);
        Ok(())
    }

    fn schema_event(&self, data_source: &Id, change: workspace::changes::PropertyChange) {
        if let Some(db) = self.shared.ws.database_of(data_source) {
            events::data_source(
                &self.shared,
                "schema_updated",
                data_source,
                &db,
                Some(vec![change]),
            );
        }
    }

    /// Moves a page (not a row) under another page; bumps it. Webhook: `page.moved`.
    pub fn move_page(&self, page: Id, to: Id) -> Result<(), FakeError> {
        self.shared.ws.move_page(&page, &to, self.now())?;
        let parent = events::page_parent(&self.shared, &page);
        events::page(&self.shared, "page.moved", &page, parent);
        Ok(())
    }

    /// Replaces a hosted file's content with a new version: a new file id and URL, a new size
    /// and SHA-256; the old URL answers 404. Bumps the `last_edited_time` of the block and
    /// page holding it. Returns the new version. Webhook: the holder's update event.
    pub fn replace_file(&self, file_id: &str) -> Result<HostedFile, FakeError> {
        let info = self.shared.ws.replace_file(file_id, self.now())?;
        let stream = match self.shared.ws.find(&info.owner) {
            workspace::Found::Page => Stream::Pages,
            workspace::Found::Block => Stream::Blocks,
            workspace::Found::Comment => Stream::Comments,
            workspace::Found::Database => Stream::Databases,
            _ => Stream::DataSources,
        };
        events::file_replaced(&self.shared, &info.owner, &info.found.field);
        Ok(HostedFile::new(info, stream))
    }

    /// Stops sharing a page, database or data source with the connection (404 from then on).
    /// Access changes send no webhook event.
    pub fn unshare(&self, id: Id) -> Result<(), FakeError> {
        self.shared.ws.unshare(&id)
    }

    /// Shares a page the connection could not see: one of the pages not shared at the start
    /// ([`Features::late_shares`]), whose content and timestamps are old, or a page unshared
    /// earlier. It appears in search (with its old `last_edited_time`) and reads. Access
    /// changes send no webhook event.
    pub fn share_page(&self, page: Id) -> Result<(), FakeError> {
        self.shared.ws.share_page(&page)
    }

    /// The pages not shared yet ([`Features::late_shares`]): they exist, with old timestamps,
    /// and answer 404 until [`FakeNotion::share_page`].
    pub fn unshared_pages(&self) -> Vec<Id> {
        let mut v: Vec<Id> = self
            .shared
            .ws
            .late
            .iter()
            .filter(|p| self.shared.ws.find(p) == workspace::Found::Missing)
            .copied()
            .collect();
        v.sort_unstable();
        v
    }

    // ---- webhooks ----------------------------------------------------------------------------

    /// Subscribes a webhook receiver (loopback only) and POSTs it the one-time verification
    /// request `{"verification_token": "secret_…"}`; returns the token. From then on every
    /// mutation POSTs a signed event (`X-Notion-Signature: sha256=<hex HMAC-SHA256 of the raw
    /// body keyed by the token>`), retried with backoff on a non-2xx answer.
    pub fn subscribe_webhook(&self, config: WebhookConfig) -> Result<String, FakeError> {
        self.shared.webhooks.subscribe(config)
    }

    /// The verification token of the webhook subscription.
    pub fn webhook_verification_token(&self) -> Option<String> {
        self.shared.webhooks.token()
    }

    /// The next `count` webhook events get `fault` (bad or no signature, sent twice, out of
    /// order, late).
    pub fn script_webhook_fault(&self, count: u32, fault: WebhookFault) {
        self.shared.webhooks.script(count, fault);
    }

    /// Sends an event of any type (for example one receivers do not know) about a page;
    /// returns its id (`None`: no subscription).
    pub fn send_webhook_event(&self, event_type: &str, page: Id) -> Option<Id> {
        events::custom(&self.shared, event_type, &page)
    }

    /// Every POST made to the webhook receiver, with its status.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.shared.webhooks.deliveries()
    }

    /// Waits until queued webhook deliveries, retries and delayed events are done (an event
    /// held for reordering waits for the next one), at most `timeout`.
    pub async fn settle_webhooks(&self, timeout: Duration) {
        self.shared.webhooks.settle(timeout).await;
    }

    // ---- clock -------------------------------------------------------------------------------

    /// The workspace clock.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// The fake's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// Moves the fake's clock forward (edits made after this land in later minutes).
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    // ---- limits, lag, versions ---------------------------------------------------------------

    /// Sets the per-token budget per 60-second window (`None`: unthrottled) and resets windows.
    pub fn set_rate_limit(&self, budget: Option<u32>) {
        self.shared.with_live(|l| l.rate_limit = budget);
        self.shared.limiter.reset();
    }

    /// Sets the search index lag.
    pub fn set_search_lag(&self, lag: Duration) {
        self.shared.with_live(|l| l.search_lag = lag);
    }

    /// Sets the most blocks one markdown response renders (at least 1).
    pub fn set_markdown_block_limit(&self, blocks: usize) {
        self.shared
            .with_live(|l| l.markdown_block_limit = blocks.max(1));
    }

    /// Sets the accepted `Notion-Version` values.
    pub fn set_versions(&self, versions: &[ApiVersion]) {
        self.shared.with_live(|l| l.versions = versions.to_vec());
    }

    // ---- faults and latency ------------------------------------------------------------------

    /// Adds a probabilistic fault rule.
    pub fn add_fault(&self, rule: FaultRule) {
        self.shared.faults.add_rule(rule);
    }

    /// Replaces all probabilistic fault rules.
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.shared.faults.set_rules(rules);
    }

    /// The next `count` requests to `endpoint` (any endpoint when `None`) fail with `fault`.
    pub fn script_fault(&self, endpoint: Option<Endpoint>, count: u32, fault: Fault) {
        self.shared.faults.script(endpoint, count, fault);
    }

    /// Removes every fault rule and scripted fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Reseeds the fault and latency random generator.
    pub fn reseed_faults(&self, seed: u64) {
        self.shared.faults.reseed(seed);
    }

    /// Sets the latency of `endpoint` (every endpoint without its own setting when `None`).
    pub fn set_latency(&self, endpoint: Option<Endpoint>, latency: Latency) {
        self.shared.faults.set_latency(endpoint, latency);
    }

    // ---- tokens ------------------------------------------------------------------------------

    /// Accepts another bearer token.
    pub fn add_token(&self, token: &str, capabilities: Capabilities) {
        let now = self.shared.clock.now().timestamp();
        self.shared.auth.add_token(token, capabilities, now);
    }

    /// Changes a token's capabilities (false when the token is unknown).
    pub fn set_capabilities(&self, token: &str, capabilities: Capabilities) -> bool {
        self.shared.auth.set_capabilities(token, capabilities)
    }

    /// Revokes a token: its next request gets 401 `unauthorized`.
    pub fn revoke_token(&self, token: &str) -> bool {
        self.shared.auth.revoke(token)
    }

    /// The token expires after `requests` more requests (0: now).
    pub fn expire_token_after(&self, token: &str, requests: u64) -> bool {
        self.shared.auth.expire_after(token, requests)
    }

    /// OAuth access tokens issued from now on expire after this many requests.
    pub fn set_oauth_token_requests(&self, requests: Option<u64>) {
        self.shared.auth.set_oauth_expiry(requests);
    }

    /// Registers an OAuth client.
    pub fn add_oauth_client(&self, client: &OAuthClient) {
        self.shared.auth.add_client(client);
    }

    /// Issues a one-time authorization code for `client_id` (as the authorize redirect would).
    pub fn issue_auth_code(&self, client_id: &str, redirect_uri: Option<&str>) -> String {
        self.shared.auth.issue_code(client_id, redirect_uri)
    }
}

impl Drop for FakeNotion {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
