//! A faithful fake of the Notion API, for tests, benchmarks and the no-token demo.
//!
//! It serves a generated (seeded, deterministic, lazily materialised) or hand-made demo
//! workspace over HTTP/1.1 on 127.0.0.1, behaving like Notion where connectors have broken
//! before: versions, opaque cursors, page sizes, the 10,000-row query cap, 25-item property
//! truncation, minute timestamps, search lag, unshared objects, capabilities, per-connection
//! rate-limit windows, OAuth with refresh-token rotation, and injectable faults and latency.
//!
//! # Starting it in a test
//!
//! ```
//! use notion_fake::{FakeNotion, GenConfig, Options, WorkspaceSpec};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), notion_fake::FakeError> {
//! let fake = FakeNotion::start(WorkspaceSpec::Generated(GenConfig::small()), Options::default()).await?;
//! let url = fake.base_url(); // e.g. http://127.0.0.1:41234
//! assert!(url.starts_with("http://127.0.0.1:"));
//! // Send `Authorization: Bearer <fake.token()>` and `Notion-Version: 2026-03-11`.
//! assert_eq!(fake.counters().total(), 0);
//! fake.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod accounting;
mod api;
mod auth;
mod body;
mod clock;
mod counters;
mod cursor;
mod error;
mod faults;
mod filter;
mod ids;
mod oauth;
mod query;
mod ratelimit;
mod render;
mod rng;
mod routes;
mod server;
pub mod workspace;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use accounting::{MinRequests, ReadOptions, Stream, TruthRecord};
pub use auth::{Capabilities, OAuthClient};
pub use clock::{Clock, default_start};
pub use counters::Counters;
pub use error::FakeError;
pub use faults::{Fault, FaultRule, Latency};
pub use notion_model::{ApiVersion, Id};
pub use routes::Endpoint;
pub use workspace::{Features, GenConfig, Mix};

/// Every `Notion-Version` the fake answers, oldest first: `2022-06-28` (the legacy shapes, for
/// the endpoints Airbyte's Python connector calls), `2025-09-03` and `2026-03-11`.
pub const VERSIONS: [ApiVersion; 3] = [
    ApiVersion::V2022_06_28,
    ApiVersion::V2025_09_03,
    ApiVersion::V2026_03_11,
];

use server::{Live, Shared};

/// The token every fake accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "ntn_fake_token";

/// Which workspace to serve.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WorkspaceSpec {
    /// A generated workspace.
    Generated(GenConfig),
    /// The hand-made demo workspace (`fixtures/demo/`, compiled in).
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
        let clock = Clock::new(options.start);
        let ws = match spec {
            WorkspaceSpec::Generated(cfg) => workspace::Workspace::generated(cfg, options.start),
            WorkspaceSpec::Demo => workspace::Workspace::demo(options.start)?,
        };
        let faults = faults::Faults::new(options.fault_seed);
        faults.set_rules(options.faults.clone());
        faults.set_latency(None, options.latency);
        let live = Live {
            rate_limit: options.rate_limit,
            search_lag: options.search_lag,
            versions: options.versions.clone(),
        };
        let salt = options.fault_seed ^ 0x5EED;
        let shared = Arc::new(Shared::new(live, clock, faults, ws, salt));
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

    /// Every object of `stream` a complete reader must see, as served in `version`, lazily.
    pub fn ground_truth(
        &self,
        stream: Stream,
        version: ApiVersion,
    ) -> Box<dyn Iterator<Item = TruthRecord> + Send> {
        accounting::ground_truth(self.shared.clone(), stream, version)
    }

    // ---- mutations (each bumps timestamps as Notion does, at the fake clock's now) ---------

    /// Replaces property values of a page (`{"Name": {<value in Notion's JSON shape>}}`); bumps
    /// the page's `last_edited_time`.
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
        self.shared.ws.edit_page_properties(&page, map, self.now())
    }

    /// Moves a page to the trash.
    pub fn trash_page(&self, page: Id) -> Result<(), FakeError> {
        self.shared.ws.set_trashed(&page, true, self.now())
    }

    /// Restores a page from the trash.
    pub fn restore_page(&self, page: Id) -> Result<(), FakeError> {
        self.shared.ws.set_trashed(&page, false, self.now())
    }

    /// Appends a paragraph under a page or block; bumps the page's `last_edited_time`.
    pub fn add_block(&self, parent: Id, text: &str) -> Result<Id, FakeError> {
        self.shared.ws.add_block(&parent, text, self.now())
    }

    /// Replaces a text block's text; bumps the block's and the page's `last_edited_time`.
    pub fn edit_block(&self, block: Id, text: &str) -> Result<(), FakeError> {
        self.shared.ws.edit_block(&block, text, self.now())
    }

    /// Deletes a block; bumps the page's `last_edited_time`.
    pub fn remove_block(&self, block: Id) -> Result<(), FakeError> {
        self.shared.ws.remove_block(&block, self.now())
    }

    /// Adds a comment on a page or block (nothing else changes).
    pub fn add_comment(&self, parent: Id, text: &str) -> Result<Id, FakeError> {
        self.shared.ws.add_comment(&parent, text, self.now())
    }

    /// Adds a row to a data source.
    pub fn add_row(&self, data_source: Id, title: &str) -> Result<Id, FakeError> {
        self.shared.ws.add_row(&data_source, title, self.now())
    }

    /// Adds a data source to a database.
    pub fn add_data_source(&self, database: Id, title: &str) -> Result<Id, FakeError> {
        self.shared.ws.add_data_source(&database, title, self.now())
    }

    /// Stops sharing a page, database or data source with the connection (404 from then on).
    pub fn unshare(&self, id: Id) -> Result<(), FakeError> {
        self.shared.ws.unshare(&id)
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
