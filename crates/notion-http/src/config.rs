//! Client configuration and its validation.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use notion_auth::{Credentials, OnTokenRotation};
use notion_model::ApiVersion;
use url::{Host, Url};

use crate::error::Error;

/// The default API base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.notion.com";

/// Everything needed to build a [`NotionClient`](crate::NotionClient).
///
/// Start from [`ClientConfig::new`] (defaults tuned for Notion's standard limits) and change
/// fields as needed.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// API base URL: `https://…`; plain `http://` only for loopback (127.0.0.0/8, ::1,
    /// localhost). Default `https://api.notion.com`.
    pub base_url: String,
    /// `Notion-Version` header: `2026-03-11` (default) or `2025-09-03`; `2022-06-28` is
    /// rejected (it cannot read databases with several data sources).
    pub api_version: ApiVersion,
    /// How requests are authenticated.
    pub credentials: Credentials,
    /// Sustained request rate of the connection, at most 10. Default 3 (Notion's 180 per
    /// minute); use 10 on Business and Enterprise plans.
    pub requests_per_second: f64,
    /// Requests that may start back to back. Default 1; each extra request of burst lowers the
    /// sustained rate so that no 60-s window is exceeded.
    pub burst: u32,
    /// Retries of a transient failure after the first attempt. Default 5.
    pub max_retries: u32,
    /// Base of the exponential backoff (full jitter). Default 500 ms.
    pub retry_base_delay: Duration,
    /// Cap of the exponential backoff. Default 30 s.
    pub retry_max_delay: Duration,
    /// Longest `Retry-After` honoured; a longer one fails the request. Default 5 min.
    pub max_retry_after: Duration,
    /// Time allowed for one attempt, response body included. Default 60 s.
    pub request_timeout: Duration,
    /// Time allowed to open a connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Items per page every listing asks for (1–100); `None` leaves it to Notion (100).
    pub page_size: Option<u32>,
    /// Largest response body accepted. Default 64 MiB.
    pub max_response_bytes: usize,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Receives each rotated OAuth token pair; persist it, the old refresh token is invalid.
    pub on_token_rotation: Option<OnTokenRotation>,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("credentials", &self.credentials)
            .field("requests_per_second", &self.requests_per_second)
            .field("burst", &self.burst)
            .field("max_retries", &self.max_retries)
            .field("retry_base_delay", &self.retry_base_delay)
            .field("retry_max_delay", &self.retry_max_delay)
            .field("max_retry_after", &self.max_retry_after)
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("page_size", &self.page_size)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("user_agent", &self.user_agent)
            .field("on_token_rotation", &self.on_token_rotation.is_some())
            .finish()
    }
}

impl ClientConfig {
    /// A configuration with `credentials` and default settings.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_version: ApiVersion::LATEST,
            credentials,
            requests_per_second: 3.0,
            burst: 1,
            max_retries: 5,
            retry_base_delay: Duration::from_millis(500),
            retry_max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            page_size: None,
            max_response_bytes: 64 * 1024 * 1024,
            user_agent: concat!("notion-source/", env!("CARGO_PKG_VERSION")).to_owned(),
            on_token_rotation: None,
        }
    }

    /// Sets the base URL.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }
}

/// A validated base URL: scheme, host, port and an optional path prefix, without a trailing
/// slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Validates `raw`: `https`, or `http` on a loopback host; no credentials, query or
    /// fragment. Errors name the `base_url` field and never echo the URL (it could hold
    /// credentials).
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let err = |message: &str| Error::config("base_url", message);
        let url = Url::parse(raw.trim()).map_err(|e| {
            err(&format!(
                "is not a valid URL ({e}); expected e.g. {DEFAULT_BASE_URL}"
            ))
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(err("must not contain a user name or password"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(err("must not contain a query string or fragment"));
        }
        let host = url.host().ok_or_else(|| err("has no host"))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(err(&format!(
                    "uses plain http for host `{host}`; plain http is accepted only for loopback \
                     addresses (127.0.0.0/8, ::1, localhost), use https"
                )));
            }
            other => {
                return Err(err(&format!("has scheme `{other}`; use https")));
            }
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// The URL text, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the host is a loopback address (a local server).
    pub fn is_loopback(&self) -> bool {
        Url::parse(&self.0)
            .ok()
            .and_then(|u| u.host().map(|h| is_loopback(&h)))
            .unwrap_or(false)
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(domain) => domain.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_accepts_https_and_loopback_http_only() {
        for ok in [
            "https://api.notion.com",
            "https://api.notion.com/",
            "https://proxy.example.com/notion/",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:9000",
            "http://localhost:3000/",
        ] {
            let base = BaseUrl::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(!base.as_str().ends_with('/'), "{base:?}");
        }
        for bad in [
            "http://api.notion.com",
            "http://10.0.0.1",
            "http://[::2]",
            "ftp://127.0.0.1",
            "not a url",
            "https://user:pw@api.notion.com",
            "https://api.notion.com?x=1",
        ] {
            let err = BaseUrl::parse(bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Configuration {
                        field: "base_url",
                        ..
                    }
                ),
                "{bad}"
            );
            assert!(err.to_string().contains("base_url"), "{err}");
            assert!(!err.to_string().contains("pw"), "{err}");
        }
    }

    #[test]
    fn debug_redacts_credentials() {
        let config = ClientConfig::new(Credentials::token("ntn_very_secret"));
        let text = format!("{config:?}");
        assert!(!text.contains("ntn_very_secret"), "{text}");
    }
}
