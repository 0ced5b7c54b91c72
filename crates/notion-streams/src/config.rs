//! The connector's configuration: parsing, defaults and validation.
//!
//! The configuration is a JSON object (the Airbyte `config.json`). Every field but `credentials`
//! is optional. Invalid values are reported with the field's path and the fix, see
//! [`Config::from_json`].
//!
//! Each rule lives in the crate that owns the setting: the connection settings (`base_url`,
//! `requests_per_second`, `burst`, `max_retries`, `retry_base_delay`, `request_timeout`) are
//! checked by `notion-http` ([`notion_http::ClientConfig::validate`]), which
//! [`Config::validate`] runs on the client configuration the connector will build, so that a
//! configuration that validates never fails later in [`Connector::new`](crate::Connector::new).

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use notion_model::{ApiVersion, Id};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, InvalidField, Result};

pub use notion_http::config::DEFAULT_BASE_URL;
use notion_http::config::{
    DEFAULT_BURST, DEFAULT_MAX_RETRY_AFTER, DEFAULT_REQUEST_TIMEOUT, DEFAULT_REQUESTS_PER_SECOND,
    InvalidSetting, MAX_RETRIES,
};
use notion_http::pagination::MAX_PAGE_SIZE;
use notion_http::rate_limit::MAX_BURST;
pub use notion_http::rate_limit::MAX_REQUESTS_PER_SECOND;

/// `check`'s retry budget: retries of a failed request.
pub const CHECK_MAX_RETRIES: u32 = 2;
/// `check`'s retry budget: the backoff's base delay.
pub const CHECK_RETRY_BASE_DELAY: Duration = Duration::from_millis(500);
/// `check`'s timeout of one attempt.
pub const CHECK_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// `check`'s longest `Retry-After` waited for; a longer one fails the check (rate limited).
pub const CHECK_MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The most requests in flight at once.
pub const MAX_CONCURRENCY: u32 = 64;
/// The longest lookback window, in minutes (one week).
pub const MAX_LOOKBACK_MINUTES: u32 = 10_080;
/// The default of `max_file_bytes`: 100 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// The default of `file_concurrency`.
pub const DEFAULT_FILE_CONCURRENCY: u32 = 4;
/// The most file downloads in flight at once.
pub const MAX_FILE_CONCURRENCY: u32 = 32;
/// The settings only the standalone `sync` uses. They are left out of the Airbyte
/// specification (the platform cannot use them) but are known members of the configuration.
pub const SYNC_ONLY_FIELDS: &[&str] = &["download_files", "max_file_bytes", "file_concurrency"];

/// A secret string (token, refresh token, client secret): kept verbatim, never shown by `Debug`.
///
/// It serializes as the plain string because the configuration must be written back when OAuth
/// tokens rotate; nothing else in the connector serializes a configuration.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value. Call it only to hand the value to the credentials or to write the
    /// configuration back.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// How the connector authenticates with Notion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "auth_type")]
#[non_exhaustive]
pub enum CredentialsConfig {
    /// A public integration's OAuth 2.0 tokens. Notion rotates the refresh token on every refresh;
    /// the rotated pair is reported so that it can be stored.
    #[serde(rename = "OAuth2.0", alias = "oauth2")]
    #[schemars(title = "OAuth2.0")]
    OAuth2 {
        /// The OAuth client ID of your public Notion integration.
        #[schemars(title = "Client ID", extend("airbyte_secret" = true, "order" = 1))]
        client_id: Secret,
        /// The OAuth client secret of your public Notion integration.
        #[schemars(title = "Client Secret", extend("airbyte_secret" = true, "order" = 2))]
        client_secret: Secret,
        /// The access token obtained by completing the OAuth flow.
        #[schemars(title = "Access Token", extend("airbyte_secret" = true, "order" = 3))]
        access_token: Secret,
        /// The refresh token obtained with the access token, if Notion issued one. With it the
        /// connector refreshes an expired access token once and reports the rotated pair.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(title = "Refresh Token", extend("airbyte_secret" = true, "order" = 4))]
        refresh_token: Option<Secret>,
    },
    /// An internal integration token (`ntn_…`, or `secret_…` for older integrations) or a personal
    /// access token.
    #[serde(rename = "token")]
    #[schemars(title = "Access Token")]
    Token {
        /// The integration's token, from the integration's settings page.
        #[schemars(title = "Access Token", extend("airbyte_secret" = true, "order" = 1))]
        token: Secret,
    },
}

/// Which comments the `comments` stream reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentsMode {
    /// Comments on pages and on every block inside them (complete; one extra request per block).
    #[default]
    PagesAndBlocks,
    /// Comments at the top of pages only (one request per page).
    Pages,
    /// No comments.
    None,
}

/// Where the `page_markdown` stream's documents come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MarkdownSource {
    /// Rendered locally from the blocks read (no extra request; the content is walked).
    #[default]
    Blocks,
    /// Notion's `GET /v1/pages/{id}/markdown`: one request per page (plus one per part Notion
    /// leaves out); with `fetch_page_blocks: false`, the cheapest way to read all the text.
    Api,
}

/// The connector's configuration.
///
/// Build it with [`Config::from_json`] (which validates) or [`Config::with_token`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    title = "Notion Source Spec",
    description = "Reads users, databases, data sources, pages, blocks and comments shared with a Notion integration."
)]
pub struct Config {
    /// How to authenticate with Notion.
    #[schemars(title = "Authentication Method", extend("order" = 0))]
    pub credentials: CredentialsConfig,

    /// UTC date and time (RFC 3339, for example `2024-01-01T00:00:00.000Z`). The first sync reads
    /// only objects edited at or after it. Leave it out to read everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        title = "Start Date",
        extend("format" = "date-time", "examples" = ["2024-01-01T00:00:00.000Z"], "order" = 1)
    )]
    pub start_date: Option<String>,

    /// Notion API version sent in the `Notion-Version` header: `2026-03-11` (default) or
    /// `2025-09-03`.
    #[serde(default = "defaults::api_version")]
    #[schemars(
        title = "Notion API Version",
        extend("enum" = ["2026-03-11", "2025-09-03"], "order" = 2)
    )]
    pub api_version: String,

    /// Base URL of the Notion API. Plain `http://` is accepted only for loopback addresses (a
    /// local fake server).
    #[serde(default = "defaults::base_url")]
    #[schemars(title = "API Base URL", extend("order" = 3))]
    pub base_url: String,

    /// Requests per second, shared by all concurrent requests (a token bucket). Notion allows 3
    /// on most plans and 10 on Business and Enterprise; at most 10. `0` turns the limiter off and
    /// is accepted only for a loopback `base_url`.
    #[serde(default = "defaults::requests_per_second")]
    #[schemars(title = "Requests per Second", range(min = 0.0, max = MAX_REQUESTS_PER_SECOND), extend("order" = 4))]
    pub requests_per_second: f64,

    /// Requests that may be sent at once before the rate limiter spaces them out.
    #[serde(default = "defaults::burst")]
    #[schemars(title = "Rate Limit Burst", range(min = 1, max = MAX_BURST), extend("order" = 5))]
    pub burst: u32,

    /// Requests in flight at once (block trees and comments of many pages are read together).
    #[serde(default = "defaults::concurrency")]
    #[schemars(title = "Concurrency", range(min = 1, max = MAX_CONCURRENCY), extend("order" = 6))]
    pub concurrency: u32,

    /// Retries of a failed request (429, 529, 5xx, timeouts, connection errors) before the sync
    /// fails.
    #[serde(default = "defaults::max_retries")]
    #[schemars(title = "Max Retries", range(max = MAX_RETRIES), extend("order" = 7))]
    pub max_retries: u32,

    /// Base delay of the exponential backoff between retries, in seconds. A `Retry-After` from
    /// Notion is honoured when it is longer.
    #[serde(default = "defaults::retry_base_delay")]
    #[schemars(title = "Retry Base Delay (seconds)", range(min = 0.0, max = 60.0), extend("order" = 8))]
    pub retry_base_delay: f64,

    /// Timeout of one request attempt, in seconds.
    #[serde(default = "defaults::request_timeout")]
    #[schemars(title = "Request Timeout (seconds)", range(min = 1.0, max = 600.0), extend("order" = 9))]
    pub request_timeout: f64,

    /// Page size of list requests (Notion's maximum is 100).
    #[serde(default = "defaults::page_size")]
    #[schemars(title = "Page Size", range(min = 1, max = MAX_PAGE_SIZE), extend("order" = 10))]
    pub page_size: u32,

    /// Read the content (blocks) of pages.
    #[serde(default = "defaults::yes")]
    #[schemars(title = "Fetch Page Blocks", extend("order" = 11))]
    pub fetch_page_blocks: bool,

    /// Deepest block level read (top-level blocks of a page are level 1). Leave it out to read
    /// every level. Blocks whose children are cut are counted and reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Max Block Depth", range(min = 1), extend("order" = 12))]
    pub max_block_depth: Option<u32>,

    /// Read only these databases (IDs, with or without dashes): their data sources, rows, and
    /// the rows' blocks and comments. Standalone pages are then not read. Empty: everything
    /// shared with the integration.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(title = "Database IDs", extend("order" = 13))]
    pub database_ids: Vec<String>,

    /// Complete property values Notion truncates in page objects (relations and people over 25
    /// entries) through the page-property endpoint.
    #[serde(default = "defaults::yes")]
    #[schemars(title = "Fetch Full Properties", extend("order" = 14))]
    pub fetch_full_properties: bool,

    /// Which comments to read: `pages_and_blocks` (default, complete: one request per page and per
    /// block), `pages` (top-of-page comments only), or `none`.
    #[serde(default)]
    #[schemars(title = "Comments", extend("order" = 15))]
    pub comments: CommentsMode,

    /// Where the `page_markdown` stream's documents come from: `blocks` (default: rendered from
    /// the blocks read, no extra request) or `api` (Notion's markdown endpoint, one request per
    /// page; needs `api_version` 2026-03-11).
    #[serde(default)]
    #[schemars(title = "Markdown Source", extend("order" = 18))]
    pub markdown_source: MarkdownSource,

    /// How often incremental syncs take an inventory of every page and data source shared with
    /// the integration (the search listed to its end: one request per 100 objects), to find
    /// what was deleted or unshared and what was shared late with an old edit time:
    /// `every_sync` (default), `never`, or a period such as `24h` or `7d`.
    #[serde(default = "defaults::inventory")]
    #[schemars(title = "Inventory", extend("order" = 19))]
    pub inventory: String,

    /// Emit a state checkpoint after this many records of a stream.
    #[serde(default = "defaults::checkpoint_interval")]
    #[schemars(title = "Checkpoint Interval", range(min = 1), extend("order" = 16))]
    pub checkpoint_interval: u32,

    /// Minutes re-read before the previous sync's start on an incremental sync, so that edits
    /// hidden by Notion's minute-precision timestamps or search-index lag are not missed.
    #[serde(default = "defaults::lookback_minutes")]
    #[schemars(title = "Lookback Window (minutes)", range(max = MAX_LOOKBACK_MINUTES), extend("order" = 17))]
    pub lookback_minutes: u32,

    /// Airbyte only: add one stream per data source (`ds_<title>`) whose records are its rows
    /// with a typed member per property, for destinations that want typed tables. `discover`
    /// then reads the data sources' schemas from Notion.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(title = "Typed Streams per Data Source", extend("default" = false, "order" = 20))]
    pub data_source_streams: bool,

    /// Standalone `sync` only: download every Notion-hosted file the synced records reference
    /// (their links expire after an hour) into `<db>.files/`, listed in the `files` table.
    #[serde(default)]
    #[schemars(skip)]
    pub download_files: bool,

    /// Standalone `sync` only: the largest file downloaded, in bytes; larger files are recorded
    /// with their size and skipped.
    #[serde(default = "defaults::max_file_bytes")]
    #[schemars(skip)]
    pub max_file_bytes: u64,

    /// Standalone `sync` only: file downloads in flight at once (file hosts are not Notion's
    /// API and do not count against its rate limit).
    #[serde(default = "defaults::file_concurrency")]
    #[schemars(skip)]
    pub file_concurrency: u32,

    /// Fields this version of the connector does not know; kept and reported as a warning.
    #[serde(flatten, skip_serializing_if = "Map::is_empty")]
    #[schemars(skip)]
    pub unknown_fields: Map<String, Value>,

    /// Members of `credentials` this version does not know (serde drops them; they are
    /// reported as warnings).
    #[serde(skip)]
    #[schemars(skip)]
    unknown_credentials: Vec<String>,
}

/// `null` is an empty list (Airbyte's form sends an optional list left empty so).
fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
}

mod defaults {
    pub(super) fn inventory() -> String {
        "every_sync".to_owned()
    }
    pub(super) fn api_version() -> String {
        notion_model::ApiVersion::LATEST.as_str().to_owned()
    }
    pub(super) fn base_url() -> String {
        super::DEFAULT_BASE_URL.to_owned()
    }
    pub(super) fn requests_per_second() -> f64 {
        super::DEFAULT_REQUESTS_PER_SECOND
    }
    pub(super) fn burst() -> u32 {
        super::DEFAULT_BURST
    }
    pub(super) fn concurrency() -> u32 {
        8
    }
    pub(super) fn max_retries() -> u32 {
        8
    }
    pub(super) fn retry_base_delay() -> f64 {
        1.0
    }
    pub(super) fn request_timeout() -> f64 {
        super::DEFAULT_REQUEST_TIMEOUT.as_secs_f64()
    }
    pub(super) fn page_size() -> u32 {
        super::MAX_PAGE_SIZE
    }
    pub(super) fn yes() -> bool {
        true
    }
    pub(super) fn checkpoint_interval() -> u32 {
        100
    }
    pub(super) fn lookback_minutes() -> u32 {
        10
    }
    pub(super) fn max_file_bytes() -> u64 {
        super::DEFAULT_MAX_FILE_BYTES
    }
    pub(super) fn file_concurrency() -> u32 {
        super::DEFAULT_FILE_CONCURRENCY
    }
}

/// A configuration that passed validation, with its values parsed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The configuration as given (with defaults filled in).
    pub config: Config,
    /// The API version.
    pub api_version: ApiVersion,
    /// The parsed start date.
    pub start_date: Option<DateTime<Utc>>,
    /// The databases to restrict the sync to (empty: all).
    pub database_ids: Vec<Id>,
    /// `retry_base_delay` as a duration.
    pub retry_base_delay: Duration,
    /// `request_timeout` as a duration.
    pub request_timeout: Duration,
    /// `lookback_minutes` as a duration.
    pub lookback: Duration,
    /// The longest `Retry-After` honoured; a longer one fails the request (five minutes; less
    /// for [`Settings::for_check`]).
    pub max_retry_after: Duration,
    /// Things the user should know that do not stop a sync: members this version does not know
    /// (with the known name they are closest to), for a warning on stderr and a LOG message.
    pub warnings: Vec<String>,
    /// When incremental syncs take an inventory (`inventory`).
    pub inventory: Inventory,
}

/// When incremental syncs take an inventory of every page and data source (see
/// `docs/streams.md`, deletions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Inventory {
    /// At every incremental sync.
    EverySync,
    /// Never: deletions and late shares are not detected (trashed pages still are).
    Never,
    /// When the last one is older than this.
    Every(Duration),
}

impl Inventory {
    /// Parses the `inventory` setting: `every_sync`, `never`, or a period (`90m`, `24h`, `7d`).
    pub fn parse(text: &str) -> Option<Inventory> {
        match text.trim() {
            "every_sync" => Some(Inventory::EverySync),
            "never" => Some(Inventory::Never),
            period => {
                let unit_at = period.find(|c: char| !c.is_ascii_digit())?;
                let (number, unit) = period.split_at(unit_at);
                let n: u64 = number.parse().ok()?;
                let seconds = match unit {
                    "m" => 60,
                    "h" => 3_600,
                    "d" => 86_400,
                    _ => return None,
                };
                (n > 0).then(|| Inventory::Every(Duration::from_secs(n.saturating_mul(seconds))))
            }
        }
    }
}

impl Settings {
    /// The settings `check` runs with: the same connection with a short retry and timeout
    /// budget ([`CHECK_MAX_RETRIES`], [`CHECK_RETRY_BASE_DELAY`], [`CHECK_REQUEST_TIMEOUT`],
    /// [`CHECK_MAX_RETRY_AFTER`]), so that `check` answers within seconds whatever fails.
    pub fn for_check(&self) -> Settings {
        let mut s = self.clone();
        s.config.max_retries = s.config.max_retries.min(CHECK_MAX_RETRIES);
        s.retry_base_delay = s.retry_base_delay.min(CHECK_RETRY_BASE_DELAY);
        s.config.retry_base_delay = s.retry_base_delay.as_secs_f64();
        s.request_timeout = s.request_timeout.min(CHECK_REQUEST_TIMEOUT);
        s.config.request_timeout = s.request_timeout.as_secs_f64();
        s.max_retry_after = s.max_retry_after.min(CHECK_MAX_RETRY_AFTER);
        s
    }
}

impl Config {
    /// A configuration with the given credentials and every default.
    pub fn new(credentials: CredentialsConfig) -> Self {
        Config {
            credentials,
            start_date: None,
            api_version: defaults::api_version(),
            base_url: defaults::base_url(),
            requests_per_second: defaults::requests_per_second(),
            burst: defaults::burst(),
            concurrency: defaults::concurrency(),
            max_retries: defaults::max_retries(),
            retry_base_delay: defaults::retry_base_delay(),
            request_timeout: defaults::request_timeout(),
            page_size: defaults::page_size(),
            fetch_page_blocks: true,
            max_block_depth: None,
            database_ids: Vec::new(),
            fetch_full_properties: true,
            comments: CommentsMode::default(),
            markdown_source: MarkdownSource::default(),
            inventory: defaults::inventory(),
            checkpoint_interval: defaults::checkpoint_interval(),
            lookback_minutes: defaults::lookback_minutes(),
            data_source_streams: false,
            download_files: false,
            max_file_bytes: defaults::max_file_bytes(),
            file_concurrency: defaults::file_concurrency(),
            unknown_fields: Map::new(),
            unknown_credentials: Vec::new(),
        }
    }

    /// A configuration with an internal integration token and every default.
    pub fn with_token(token: impl Into<String>) -> Self {
        Self::new(CredentialsConfig::Token {
            token: Secret::new(token),
        })
    }

    /// Parses and validates a configuration from JSON text. A UTF-8 byte order mark before it
    /// is ignored.
    pub fn from_json(text: &str) -> Result<Settings> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value: Value = serde_json::from_str(text).map_err(|e| {
            Error::Config(InvalidField::new(
                "(config file)",
                format!("is not valid JSON ({e})"),
                "write the configuration as one JSON object",
            ))
        })?;
        Self::from_value(value)?.validate()
    }

    /// Parses a configuration from a JSON value without validating its values.
    pub fn from_value(value: Value) -> Result<Config> {
        if !value.is_object() {
            return Err(Error::Config(InvalidField::new(
                "(config file)",
                "is not a JSON object",
                "write the configuration as one JSON object, for example {\"credentials\": {\"auth_type\": \"token\", \"token\": \"ntn_…\"}}",
            )));
        }
        let mut value = value;
        check_credentials_shape(&value)?;
        normalise_auth_type(&mut value);
        let unknown_credentials = unknown_credential_members(&value);
        let mut config: Config = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." {
                "credentials".to_owned()
            } else {
                path
            };
            // serde's message may quote the value; under `credentials` that is a secret.
            let problem = if field.starts_with("credentials") {
                "is invalid".to_owned()
            } else {
                describe_serde_error(&e.inner().to_string())
            };
            Error::Config(InvalidField::new(field.clone(), problem, fix_for(&field)))
        })?;
        config.unknown_credentials = unknown_credentials;
        Ok(config)
    }

    /// Warnings about members this version does not know, each naming the member and, when
    /// one is close (a typo), the known name it probably means.
    pub fn unknown_member_warnings(&self) -> Vec<String> {
        let known = known_fields();
        let top = self
            .unknown_fields
            .keys()
            .map(|name| unknown_member_warning("", name, &known));
        let credentials = self.unknown_credentials.iter().map(|name| {
            let known: Vec<String> = credential_fields(&self.credentials)
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
            unknown_member_warning("credentials.", name, &known)
        });
        top.chain(credentials).collect()
    }

    /// Checks every value and parses the ones that need it: the connector's own settings
    /// here, the connection settings through `notion-http`'s rules on the client configuration
    /// the connector builds from them. Secrets are trimmed of surrounding whitespace (a pasted
    /// token often ends with a line break).
    pub fn validate(mut self) -> Result<Settings> {
        let invalid = |field: &str, problem: String, fix: &str| {
            Err(Error::Config(InvalidField::new(field, problem, fix)))
        };
        let fix_secret = |field: &str| -> &'static str {
            if field == "credentials.token" {
                "paste the integration's token from its settings page"
            } else {
                "give the value from your public integration and its OAuth flow"
            }
        };
        // An empty refresh token is no refresh token.
        if let CredentialsConfig::OAuth2 { refresh_token, .. } = &mut self.credentials
            && refresh_token
                .as_ref()
                .is_some_and(|r| r.expose().trim().is_empty())
        {
            *refresh_token = None;
        }
        for (field, secret) in self.credentials.secrets_mut() {
            let trimmed = secret.expose().trim();
            if trimmed.len() != secret.expose().len() {
                *secret = Secret::new(trimmed.to_owned());
            }
            if secret.expose().is_empty() {
                return invalid(field, "is empty".into(), fix_secret(field));
            }
            if secret.expose().chars().any(char::is_control) {
                return invalid(
                    field,
                    "contains a line break or another control character".into(),
                    "paste the value again, on one line",
                );
            }
        }
        if self.api_version.trim() == "2022-06-28" {
            return invalid(
                "api_version",
                "is 2022-06-28, which cannot read databases with more than one data source and truncates relations at 25".into(),
                "use 2026-03-11 (the default) or 2025-09-03",
            );
        }
        let api_version = match self.api_version.trim().parse::<ApiVersion>() {
            Ok(v) if v.is_supported() => v,
            _ => {
                return invalid(
                    "api_version",
                    format!(
                        "is {}, which this connector does not support",
                        quoted(&self.api_version)
                    ),
                    "use 2026-03-11 (the default) or 2025-09-03",
                );
            }
        };
        if self.markdown_source == MarkdownSource::Api && !api_version.has_page_markdown() {
            return invalid(
                "markdown_source",
                format!(
                    "is \"api\", but Notion serves page Markdown only from API version 2026-03-11 \
                     (api_version is {})",
                    api_version.as_str()
                ),
                "use api_version 2026-03-11 (the default), or markdown_source \"blocks\"",
            );
        }
        let start_date = match &self.start_date {
            None => None,
            Some(text) if text.trim().is_empty() => None,
            Some(text) => match parse_start_date(text) {
                Some(date) => Some(date),
                None => {
                    return invalid(
                        "start_date",
                        format!("is {}, which is not a date-time", quoted(text)),
                        "use RFC 3339 in UTC, for example 2024-01-01T00:00:00.000Z",
                    );
                }
            },
        };
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return invalid(
                "concurrency",
                format!("is {}", self.concurrency),
                &format!("use a value from 1 to {MAX_CONCURRENCY}"),
            );
        }
        let retry_base_delay =
            notion_http::config::retry_base_delay_from_secs(self.retry_base_delay)
                .map_err(from_http)?;
        let request_timeout = notion_http::config::request_timeout_from_secs(self.request_timeout)
            .map_err(from_http)?;
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return invalid(
                "page_size",
                format!("is {}, outside Notion's range", self.page_size),
                &format!("use a value from 1 to {MAX_PAGE_SIZE}"),
            );
        }
        if self.max_block_depth == Some(0) {
            return invalid(
                "max_block_depth",
                "is 0".into(),
                "use 1 or more (1 reads only the top-level blocks), or leave it out to read every level",
            );
        }
        let mut database_ids = Vec::with_capacity(self.database_ids.len());
        for (i, text) in self.database_ids.iter().enumerate() {
            match text.trim().parse::<Id>() {
                Ok(id) => database_ids.push(id),
                Err(_) => {
                    return invalid(
                        &format!("database_ids[{i}]"),
                        format!("is {}, which is not a Notion ID", quoted(text)),
                        "copy the 32-character ID from the database's URL (dashes optional)",
                    );
                }
            }
        }
        if self.checkpoint_interval == 0 {
            return invalid(
                "checkpoint_interval",
                "is 0".into(),
                "use 1 or more records",
            );
        }
        if self.lookback_minutes > MAX_LOOKBACK_MINUTES {
            return invalid(
                "lookback_minutes",
                format!("is {}", self.lookback_minutes),
                &format!("use at most {MAX_LOOKBACK_MINUTES} (one week)"),
            );
        }
        if self.max_file_bytes == 0 {
            return invalid(
                "max_file_bytes",
                "is 0".into(),
                "use 1 or more bytes (the default is 104857600, 100 MiB)",
            );
        }
        if !(1..=MAX_FILE_CONCURRENCY).contains(&self.file_concurrency) {
            return invalid(
                "file_concurrency",
                format!("is {}", self.file_concurrency),
                &format!("use a value from 1 to {MAX_FILE_CONCURRENCY}"),
            );
        }
        let lookback = Duration::from_secs(u64::from(self.lookback_minutes) * 60);
        let warnings = self.unknown_member_warnings();
        let Some(inventory) = Inventory::parse(&self.inventory) else {
            return invalid(
                "inventory",
                format!("is {}", quoted(&self.inventory)),
                "use \"every_sync\", \"never\", or a period such as \"24h\" or \"7d\" (minutes m, hours h, days d)",
            );
        };
        let settings = Settings {
            config: self,
            api_version,
            start_date,
            database_ids,
            retry_base_delay,
            request_timeout,
            lookback,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            warnings,
            inventory,
        };
        // The connection settings, by the rules of the crate that owns them, on exactly the
        // client configuration `Connector::new` will build.
        crate::client::client_config(&settings, None)
            .validate()
            .map_err(from_http)?;
        Ok(settings)
    }

    /// Replaces the OAuth access and refresh tokens (after Notion rotated them).
    pub fn set_oauth_tokens(&mut self, access: &str, refresh: Option<&str>) {
        if let CredentialsConfig::OAuth2 {
            access_token,
            refresh_token,
            ..
        } = &mut self.credentials
        {
            *access_token = Secret::new(access);
            if let Some(r) = refresh {
                *refresh_token = Some(Secret::new(r));
            }
        }
    }

    /// The secret values of this configuration (for tests and log scrubbing).
    pub fn secrets(&self) -> Vec<&str> {
        match &self.credentials {
            CredentialsConfig::Token { token } => vec![token.expose()],
            CredentialsConfig::OAuth2 {
                client_id,
                client_secret,
                access_token,
                refresh_token,
            } => {
                let mut v = vec![
                    client_id.expose(),
                    client_secret.expose(),
                    access_token.expose(),
                ];
                v.extend(refresh_token.as_ref().map(Secret::expose));
                v
            }
        }
    }
}

/// Accepts `auth_type` spelled in any case (`OAuth2.0`, `oauth2`, `TOKEN`), and a credentials
/// object without `auth_type` when its fields make the kind plain.
/// Checks the shape of `credentials` before it is decoded, so that an error names the member at
/// fault and never repeats a value (they are secrets).
fn check_credentials_shape(value: &Value) -> Result<()> {
    let invalid = |field: &str, problem: String, fix: &str| {
        Err(Error::Config(InvalidField::new(field, problem, fix)))
    };
    let creds = match value.get("credentials") {
        None => return Ok(()),
        Some(Value::Object(creds)) => creds,
        Some(other) => {
            return invalid(
                "credentials",
                format!("is {}, not an object", crate::state::json_kind(other)),
                fix_for("credentials"),
            );
        }
    };
    match creds.get("auth_type") {
        None | Some(Value::String(_)) => {}
        Some(other) => {
            return invalid(
                "credentials.auth_type",
                format!("is {}, not a string", crate::state::json_kind(other)),
                "use \"token\" or \"OAuth2.0\"",
            );
        }
    }
    for member in [
        "token",
        "client_id",
        "client_secret",
        "access_token",
        "refresh_token",
    ] {
        match creds.get(member) {
            None | Some(Value::String(_)) => {}
            Some(Value::Null) if member == "refresh_token" => {}
            Some(other) => {
                return invalid(
                    &format!("credentials.{member}"),
                    format!("is {}, not a string", crate::state::json_kind(other)),
                    "give it as a string, exactly as Notion shows it",
                );
            }
        }
    }
    Ok(())
}

fn normalise_auth_type(value: &mut Value) {
    let Some(creds) = value.get_mut("credentials").and_then(Value::as_object_mut) else {
        return;
    };
    let kind = match creds.get("auth_type").and_then(Value::as_str) {
        Some(t) => match t.to_ascii_lowercase().as_str() {
            "oauth2.0" | "oauth2" | "oauth" => Some("OAuth2.0"),
            "token" | "access_token" => Some("token"),
            _ => None,
        },
        None if creds.contains_key("token") => Some("token"),
        None if creds.contains_key("access_token") => Some("OAuth2.0"),
        None => None,
    };
    if let Some(kind) = kind {
        creds.insert("auth_type".into(), Value::String(kind.into()));
    }
}

impl CredentialsConfig {
    /// Each secret with the name of its field.
    fn secrets_mut(&mut self) -> Vec<(&'static str, &mut Secret)> {
        match self {
            CredentialsConfig::Token { token } => vec![("credentials.token", token)],
            CredentialsConfig::OAuth2 {
                client_id,
                client_secret,
                access_token,
                refresh_token,
            } => {
                let mut v = vec![
                    ("credentials.client_id", client_id),
                    ("credentials.client_secret", client_secret),
                    ("credentials.access_token", access_token),
                ];
                v.extend(
                    refresh_token
                        .as_mut()
                        .map(|r| ("credentials.refresh_token", r)),
                );
                v
            }
        }
    }
}

/// The members of token credentials.
const TOKEN_FIELDS: &[&str] = &["auth_type", "token"];
/// The members of OAuth credentials.
const OAUTH_FIELDS: &[&str] = &[
    "auth_type",
    "client_id",
    "client_secret",
    "access_token",
    "refresh_token",
];

/// The members of `credentials` each authentication method knows.
fn credential_fields(credentials: &CredentialsConfig) -> &'static [&'static str] {
    match credentials {
        CredentialsConfig::Token { .. } => TOKEN_FIELDS,
        CredentialsConfig::OAuth2 { .. } => OAUTH_FIELDS,
    }
}

/// Members of `credentials` its (normalised) `auth_type` does not know.
fn unknown_credential_members(value: &Value) -> Vec<String> {
    let Some(creds) = value.get("credentials").and_then(Value::as_object) else {
        return Vec::new();
    };
    let known = match creds.get("auth_type").and_then(Value::as_str) {
        Some("token") => TOKEN_FIELDS,
        Some("OAuth2.0") => OAUTH_FIELDS,
        _ => return Vec::new(),
    };
    creds
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// The top-level members of the configuration: those of its JSON schema and the settings only
/// `sync` uses.
fn known_fields() -> Vec<String> {
    let schema = schemars::schema_for!(Config);
    let mut known: Vec<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    known.extend(SYNC_ONLY_FIELDS.iter().map(|f| (*f).to_owned()));
    known
}

fn unknown_member_warning(prefix: &str, name: &str, known: &[String]) -> String {
    match closest(name, known) {
        Some(near) => format!(
            "unknown config field `{prefix}{name}` is ignored; did you mean `{prefix}{near}`?"
        ),
        None => format!(
            "unknown config field `{prefix}{name}` is ignored (this version of notion-source does not know it)"
        ),
    }
}

/// The known name `name` is most likely a typo of: within an edit distance of 2 (3 for long
/// names), ignoring case and `-` for `_`.
fn closest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    let normal = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let name = normal(name);
    let limit = if name.chars().count() >= 12 { 3 } else { 2 };
    known
        .iter()
        .map(|k| (edit_distance(&name, &normal(k)), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// A connection setting refused by `notion-http`, as a configuration error of the same field.
fn from_http(s: InvalidSetting) -> Error {
    Error::Config(InvalidField::new(s.field, s.problem, s.fix))
}

/// A value from the user's input, quoted as JSON writes a string.
pub(crate) fn quoted(text: &str) -> String {
    let shown: String = text
        .chars()
        .take(120)
        .map(|c| if c.is_control() { '�' } else { c })
        .collect();
    let more = if text.chars().count() > 120 {
        "…"
    } else {
        ""
    };
    format!("`{shown}{more}`")
}

fn describe_serde_error(message: &str) -> String {
    // serde's messages end with " at line L column C" for text input; values have none.
    let message = message.split(" at line ").next().unwrap_or(message);
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("is required but missing ({})", rest.trim_matches('`'));
    }
    if message.starts_with("unknown variant") {
        return format!("has an unknown value ({message})");
    }
    if message.contains("auth_type") {
        return "needs `auth_type`: \"token\" or \"OAuth2.0\"".to_owned();
    }
    format!("is invalid ({message})")
}

fn fix_for(field: &str) -> &'static str {
    match field {
        "credentials" => {
            "give {\"auth_type\": \"token\", \"token\": \"ntn_…\"} or {\"auth_type\": \"OAuth2.0\", \"client_id\": …, \"client_secret\": …, \"access_token\": …}"
        }
        f if f.starts_with("credentials") => {
            "see docs/configuration.md for the fields of each authentication method"
        }
        "comments" => "use \"pages_and_blocks\", \"pages\" or \"none\"",
        "markdown_source" => "use \"blocks\" or \"api\"",
        "database_ids" => "give a list of database IDs as strings",
        _ => "see docs/configuration.md for the type and range of this field",
    }
}

/// Parses a start date: RFC 3339, or a plain `YYYY-MM-DD` date (midnight UTC).
pub fn parse_start_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<Settings> {
        Config::from_json(&v.to_string())
    }

    fn field_of(r: Result<Settings>) -> String {
        match r {
            Err(Error::Config(f)) => f.field,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn minimal_token_config_gets_defaults() {
        let s = parse(json!({"credentials": {"auth_type": "token", "token": "ntn_abc"}})).unwrap();
        assert_eq!(s.api_version, ApiVersion::V2026_03_11);
        assert_eq!(s.config.page_size, 100);
        assert_eq!(s.config.requests_per_second, 3.0);
        assert_eq!(s.config.comments, CommentsMode::PagesAndBlocks);
        assert_eq!(s.config.checkpoint_interval, 100);
        assert!(s.config.fetch_full_properties);
        assert_eq!(s.config.max_block_depth, None);
        assert_eq!(s.lookback, Duration::from_secs(600));
    }

    #[test]
    fn oauth_accepts_both_spellings() {
        for t in ["OAuth2.0", "oauth2", "OAUTH2"] {
            let s = parse(json!({"credentials": {"auth_type": t, "client_id": "c", "client_secret": "s", "access_token": "a", "refresh_token": "r"}})).unwrap();
            assert!(matches!(
                s.config.credentials,
                CredentialsConfig::OAuth2 {
                    refresh_token: Some(_),
                    ..
                }
            ));
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_of(parse(json!({}))), "credentials");
        assert_eq!(
            field_of(parse(json!({"credentials": {"auth_type": "token"}}))),
            "credentials"
        );
        let base = || json!({"credentials": {"auth_type": "token", "token": "t"}});
        let with = |k: &str, v: Value| {
            let mut b = base();
            b[k] = v;
            b
        };
        assert_eq!(field_of(parse(with("page_size", json!(500)))), "page_size");
        assert_eq!(field_of(parse(with("page_size", json!("x")))), "page_size");
        assert_eq!(
            field_of(parse(with("requests_per_second", json!(11)))),
            "requests_per_second"
        );
        assert_eq!(
            field_of(parse(with("requests_per_second", json!(0)))),
            "requests_per_second"
        );
        assert_eq!(
            field_of(parse(with("api_version", json!("2022-06-28")))),
            "api_version"
        );
        assert_eq!(
            field_of(parse(with("start_date", json!("yesterday")))),
            "start_date"
        );
        assert_eq!(
            field_of(parse(with("base_url", json!("http://example.com")))),
            "base_url"
        );
        assert_eq!(
            field_of(parse(with("database_ids", json!(["nope"])))),
            "database_ids[0]"
        );
        assert_eq!(field_of(parse(with("comments", json!("all")))), "comments");
        assert_eq!(
            field_of(parse(with("max_block_depth", json!(0)))),
            "max_block_depth"
        );
    }

    #[test]
    fn legacy_version_error_says_why() {
        let err = parse(json!({"credentials": {"auth_type": "token", "token": "t"}, "api_version": "2022-06-28"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than one data source"), "{err}");
        assert!(err.contains("2026-03-11"), "{err}");
    }

    #[test]
    fn loopback_http_and_unlimited_rate_are_accepted() {
        let s = parse(json!({"credentials": {"auth_type": "token", "token": "t"}, "base_url": "http://127.0.0.1:8080", "requests_per_second": 0})).unwrap();
        assert_eq!(s.config.requests_per_second, 0.0);
    }

    #[test]
    fn start_date_forms() {
        assert!(parse_start_date("2024-01-01").is_some());
        assert!(parse_start_date("2024-01-01T00:00:00.000Z").is_some());
        assert!(parse_start_date("2024-01-01T00:00:00+02:00").is_some());
        assert!(parse_start_date("01/01/2024").is_none());
    }

    #[test]
    fn debug_redacts_secrets() {
        let s = parse(json!({"credentials": {"auth_type": "oauth2", "client_id": "cid-123", "client_secret": "csecret-456", "access_token": "atok-789", "refresh_token": "rtok-000"}})).unwrap();
        let debug = format!("{:?}", s);
        for secret in ["cid-123", "csecret-456", "atok-789", "rtok-000"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        let err = parse(
            json!({"credentials": {"auth_type": "token", "token": "ntn_secret"}, "page_size": 0}),
        )
        .unwrap_err()
        .to_string();
        assert!(!err.contains("ntn_secret"));
    }

    #[test]
    fn connection_settings_are_checked_by_the_http_rules() {
        let base = || json!({"credentials": {"auth_type": "token", "token": "t"}});
        let with = |pairs: &[(&str, Value)]| {
            let mut b = base();
            for (k, v) in pairs {
                b[*k] = v.clone();
            }
            parse(b)
        };
        let err = |pairs: &[(&str, Value)]| match with(pairs) {
            Err(Error::Config(f)) => f,
            other => panic!("expected a config error, got {other:?}"),
        };
        // Far below one request a minute: the rate is named, not the burst.
        let f = err(&[("requests_per_second", json!(0.01))]);
        assert_eq!(f.field, "requests_per_second");
        assert!(f.fix.contains("0.02"), "{f}");
        // A burst the rate cannot refill within a window.
        let f = err(&[("requests_per_second", json!(1)), ("burst", json!(60))]);
        assert_eq!(f.field, "burst");
        assert!(f.fix.contains("at most 59"), "{f}");
        assert_eq!(err(&[("burst", json!(0))]).field, "burst");
        assert_eq!(err(&[("max_retries", json!(21))]).field, "max_retries");
        assert_eq!(
            err(&[("retry_base_delay", json!(-1))]).field,
            "retry_base_delay"
        );
        assert_eq!(
            err(&[("retry_base_delay", json!(61))]).field,
            "retry_base_delay"
        );
        assert_eq!(
            err(&[("request_timeout", json!(0.5))]).field,
            "request_timeout"
        );
        // The base URL is never echoed (it could carry credentials).
        let f = err(&[("base_url", json!("http://user:hunter2@example.com"))]);
        assert_eq!(f.field, "base_url");
        assert!(!f.to_string().contains("hunter2"), "{f}");
        // A long base delay is accepted and builds a client.
        let s = with(&[("retry_base_delay", json!(60))]).unwrap();
        crate::Connector::new(s).unwrap();
    }

    #[test]
    fn a_configuration_that_validates_builds_a_connector() {
        let rates = [0.0, 0.01, 0.02, 0.5, 1.0, 3.0, 10.0, 10.5];
        let bursts = [0, 1, 2, 29, 30, 59, 60, 100, 101];
        let urls = [
            "https://api.notion.com",
            "http://127.0.0.1:9",
            "http://example.com",
        ];
        let delays = [0.0, 0.5, 30.0, 45.0, 60.0, 61.0];
        let mut accepted = 0;
        for rate in rates {
            for burst in bursts {
                for url in urls {
                    for delay in delays {
                        let config = json!({
                            "credentials": {"auth_type": "token", "token": " ntn_x\n"},
                            "requests_per_second": rate, "burst": burst,
                            "base_url": url, "retry_base_delay": delay,
                        });
                        let Ok(settings) = parse(config.clone()) else {
                            continue;
                        };
                        accepted += 1;
                        if let Err(e) = crate::Connector::new(settings) {
                            panic!("{config} validates but the connector fails: {e}");
                        }
                    }
                }
            }
        }
        assert!(accepted > 100, "{accepted}");
    }

    #[test]
    fn tokens_are_trimmed_and_control_characters_refused() {
        let s = parse(json!({"credentials": {"auth_type": "token", "token": "  ntn_abc\r\n"}}))
            .unwrap();
        assert_eq!(s.config.secrets(), vec!["ntn_abc"]);
        let f = match parse(json!({"credentials": {"auth_type": "token", "token": "ntn_a\nbc"}})) {
            Err(Error::Config(f)) => f,
            other => panic!("{other:?}"),
        };
        assert_eq!(f.field, "credentials.token");
        assert!(!f.to_string().contains("ntn_a"), "{f}");
        let s = parse(json!({"credentials": {"auth_type": "oauth2", "client_id": "c", "client_secret": "s", "access_token": "a\n", "refresh_token": " "}}))
            .unwrap();
        assert!(matches!(
            s.config.credentials,
            CredentialsConfig::OAuth2 {
                refresh_token: None,
                ..
            }
        ));
        assert_eq!(s.config.secrets(), vec!["c", "s", "a"]);
    }

    #[test]
    fn unknown_fields_are_kept_and_warned_about() {
        let s =
            parse(json!({"credentials": {"auth_type": "token", "token": "t"}, "colour": "blue"}))
                .unwrap();
        assert!(s.config.unknown_fields.contains_key("colour"));
        assert_eq!(s.warnings.len(), 1);
        assert!(s.warnings[0].contains("`colour`"), "{:?}", s.warnings);
        assert!(!s.warnings[0].contains("did you mean"), "{:?}", s.warnings);
        // Written back (after a token rotation) with the unknown field.
        let text = serde_json::to_value(&s.config).unwrap();
        assert_eq!(text["colour"], "blue");
    }

    #[test]
    fn typos_get_the_known_name_they_are_closest_to() {
        let s = parse(json!({
            "credentials": {"auth_type": "OAuth2.0", "client_id": "c", "client_secret": "s",
                            "access_token": "a", "refesh_token": "r"},
            "max_block_dept": 3,
            "Requests-Per-Second": 10,
            "databse_ids": [],
        }))
        .unwrap();
        let w = s.warnings.join("\n");
        for expected in [
            "`max_block_dept` is ignored; did you mean `max_block_depth`?",
            "`Requests-Per-Second` is ignored; did you mean `requests_per_second`?",
            "`databse_ids` is ignored; did you mean `database_ids`?",
            "`credentials.refesh_token` is ignored; did you mean `credentials.refresh_token`?",
        ] {
            assert!(w.contains(expected), "{expected} in {w}");
        }
        assert_eq!(s.warnings.len(), 4);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(closest("zzz", &known_fields()), None);
    }

    #[test]
    fn known_fields_are_the_configs_members() {
        let known = known_fields();
        for name in [
            "credentials",
            "max_block_depth",
            "database_ids",
            "lookback_minutes",
        ] {
            assert!(known.iter().any(|k| k == name), "{name}: {known:?}");
        }
        assert!(
            !known
                .iter()
                .any(|k| k == "unknown_fields" || k == "unknown_credentials")
        );
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let text = format!(
            "\u{feff}{}",
            json!({"credentials": {"auth_type": "token", "token": "t"}})
        );
        assert!(Config::from_json(&text).is_ok());
    }

    #[test]
    fn file_settings_default_off_and_are_checked() {
        let s = parse(json!({"credentials": {"auth_type": "token", "token": "t"}})).unwrap();
        assert!(!s.config.download_files);
        assert_eq!(s.config.max_file_bytes, 100 * 1024 * 1024);
        assert_eq!(s.config.file_concurrency, 4);
        let s = parse(json!({"credentials": {"auth_type": "token", "token": "t"},
            "download_files": true, "max_file_bytes": 1024, "file_concurrency": 32}))
        .unwrap();
        assert!(s.config.download_files);
        assert_eq!(s.config.max_file_bytes, 1024);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        let base = || json!({"credentials": {"auth_type": "token", "token": "t"}});
        let with = |k: &str, v: Value| {
            let mut b = base();
            b[k] = v;
            b
        };
        assert_eq!(
            field_of(parse(with("max_file_bytes", json!(0)))),
            "max_file_bytes"
        );
        assert_eq!(
            field_of(parse(with("max_file_bytes", json!(-1)))),
            "max_file_bytes"
        );
        assert_eq!(
            field_of(parse(with("file_concurrency", json!(0)))),
            "file_concurrency"
        );
        assert_eq!(
            field_of(parse(with("file_concurrency", json!(33)))),
            "file_concurrency"
        );
        assert_eq!(
            field_of(parse(with("download_files", json!("yes")))),
            "download_files"
        );
        // Sync-only: not in the Airbyte specification, but known (typos get the name).
        let spec = crate::schema::config_schema();
        assert!(spec["properties"].get("download_files").is_none());
        let s = parse(with("download_file", json!(true))).unwrap();
        assert!(
            s.warnings[0].contains("did you mean `download_files`?"),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn null_database_ids_mean_all() {
        let s = parse(
            json!({"credentials": {"auth_type": "token", "token": "t"}, "database_ids": null}),
        )
        .unwrap();
        assert!(s.database_ids.is_empty());
        assert!(s.warnings.is_empty());
    }
}
