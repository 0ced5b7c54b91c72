//! Client configuration and its validation.
//!
//! Every rule on an HTTP setting lives here or in [`rate_limit`] (the rate
//! and the burst), once: [`ClientConfig::validate`] runs them all, [`build_stack`] runs
//! `validate` first, and the connector's configuration (`notion-streams`) calls the same
//! functions, so a setting accepted there is never refused here. Errors are
//! [`InvalidSetting`]s: the user's field, what is wrong, and the fix.
//!
//! [`build_stack`]: crate::build_stack

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use notion_auth::{Authenticator, Credentials, OnTokenRotation};
use notion_model::ApiVersion;
use url::{Host, Url};

use crate::error::Error;
use crate::rate_limit;

/// The default API base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.notion.com";
/// The default sustained rate: Notion's limit on most plans (180 requests a minute).
pub const DEFAULT_REQUESTS_PER_SECOND: f64 = 3.0;
/// The default burst: requests start one at a time.
pub const DEFAULT_BURST: u32 = 1;
/// The most retries of one request.
pub const MAX_RETRIES: u32 = 20;
/// The longest base delay of the retry backoff.
pub const MAX_RETRY_BASE_DELAY: Duration = Duration::from_secs(60);
/// The default cap of the retry backoff.
pub const DEFAULT_RETRY_MAX_DELAY: Duration = Duration::from_secs(30);
/// The default longest `Retry-After` honoured.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// The shortest timeout of one attempt.
pub const MIN_REQUEST_TIMEOUT: Duration = Duration::from_secs(1);
/// The longest timeout of one attempt.
pub const MAX_REQUEST_TIMEOUT: Duration = Duration::from_secs(600);
/// The default timeout of one attempt.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A setting that breaks its rule: the user's field, what is wrong with it, and the fix.
///
/// It never holds a secret or the base URL (which could carry credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSetting {
    /// The setting's name, as the user writes it (`requests_per_second`, `burst`, …).
    pub field: &'static str,
    /// What is wrong with the value.
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

impl InvalidSetting {
    /// A new report.
    pub fn new(field: &'static str, problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            field,
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

impl fmt::Display for InvalidSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}; {}", self.field, self.problem, self.fix)
    }
}

impl std::error::Error for InvalidSetting {}

impl From<InvalidSetting> for Error {
    fn from(s: InvalidSetting) -> Self {
        Error::config(s.field, format!("{}; {}", s.problem, s.fix))
    }
}

/// `retry_base_delay` from a number of seconds, checked (0 to 60).
pub fn retry_base_delay_from_secs(seconds: f64) -> Result<Duration, InvalidSetting> {
    duration_from_secs(
        "retry_base_delay",
        seconds,
        Duration::ZERO,
        MAX_RETRY_BASE_DELAY,
    )
}

/// `request_timeout` from a number of seconds, checked (1 to 600).
pub fn request_timeout_from_secs(seconds: f64) -> Result<Duration, InvalidSetting> {
    duration_from_secs(
        "request_timeout",
        seconds,
        MIN_REQUEST_TIMEOUT,
        MAX_REQUEST_TIMEOUT,
    )
}

fn duration_from_secs(
    field: &'static str,
    seconds: f64,
    min: Duration,
    max: Duration,
) -> Result<Duration, InvalidSetting> {
    let duration = Duration::try_from_secs_f64(seconds).ok();
    match duration {
        Some(d) if d >= min && d <= max => Ok(d),
        _ => Err(out_of_range(field, &format!("{seconds}"), min, max)),
    }
}

fn out_of_range(field: &'static str, value: &str, min: Duration, max: Duration) -> InvalidSetting {
    InvalidSetting::new(
        field,
        format!("is {value}"),
        format!(
            "use a number of seconds from {} to {}",
            min.as_secs_f64(),
            max.as_secs_f64()
        ),
    )
}

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
    /// Sustained request rate of the connection, at most 10; 0 turns the limiter off (loopback
    /// only). Default 3 (Notion's 180 per minute); use 10 on Business and Enterprise plans.
    pub requests_per_second: f64,
    /// Requests that may start back to back. Default 1; each extra request of burst lowers the
    /// sustained rate so that no 60-s window is exceeded.
    pub burst: u32,
    /// Retries of a transient failure after the first attempt, at most 20. Default 5.
    pub max_retries: u32,
    /// Base of the exponential backoff (full jitter), at most 60 s and at most
    /// `retry_max_delay`. Default 500 ms.
    pub retry_base_delay: Duration,
    /// Cap of the exponential backoff. Default 30 s.
    pub retry_max_delay: Duration,
    /// Longest `Retry-After` honoured; a longer one fails the request. Default 5 min.
    pub max_retry_after: Duration,
    /// Time allowed for one attempt, response body included, 1 to 600 s. Default 60 s.
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
            requests_per_second: DEFAULT_REQUESTS_PER_SECOND,
            burst: DEFAULT_BURST,
            max_retries: 5,
            retry_base_delay: Duration::from_millis(500),
            retry_max_delay: DEFAULT_RETRY_MAX_DELAY,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
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

    /// Checks every setting against its rule and returns the parsed base URL. A configuration
    /// that passes builds a client ([`build_stack`](crate::build_stack) runs this first).
    pub fn validate(&self) -> Result<BaseUrl, InvalidSetting> {
        let base = BaseUrl::parse(&self.base_url)?;
        self.api_version.ensure_supported().map_err(|e| {
            InvalidSetting::new(
                "api_version",
                format!("is {}: {e}", self.api_version.as_str()),
                "use 2026-03-11 (the default) or 2025-09-03",
            )
        })?;
        if http::HeaderValue::from_str(&self.user_agent).is_err() {
            return Err(InvalidSetting::new(
                "user_agent",
                "is not a valid header value",
                "use printable ASCII characters only",
            ));
        }
        rate_limit::check_rate(self.requests_per_second, self.burst, base.is_loopback())?;
        if self.max_retries > MAX_RETRIES {
            return Err(InvalidSetting::new(
                "max_retries",
                format!("is {}", self.max_retries),
                format!("use a value from 0 to {MAX_RETRIES}"),
            ));
        }
        // The ranges users may give in seconds are checked where seconds become durations
        // (`retry_base_delay_from_secs`, `request_timeout_from_secs`); here what the stack needs.
        if self.retry_base_delay > self.retry_max_delay {
            return Err(InvalidSetting::new(
                "retry_base_delay",
                format!(
                    "is {} s, longer than retry_max_delay ({} s)",
                    self.retry_base_delay.as_secs_f64(),
                    self.retry_max_delay.as_secs_f64()
                ),
                "use a base delay no longer than the longest delay",
            ));
        }
        if self.request_timeout.is_zero() {
            return Err(InvalidSetting::new(
                "request_timeout",
                "is 0",
                "use a positive duration (60 s by default)",
            ));
        }
        if self.connect_timeout.is_zero() {
            return Err(InvalidSetting::new(
                "connect_timeout",
                "is 0",
                "use a positive duration",
            ));
        }
        // The bearer header is built from the access token: a token that cannot be sent is a
        // configuration error now, not a failure of the first request.
        Authenticator::new(self.credentials.clone()).map_err(|e| {
            InvalidSetting::new(
                "credentials",
                e.to_string(),
                "paste the token again, without line breaks or other control characters",
            )
        })?;
        Ok(base)
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
    pub fn parse(raw: &str) -> Result<Self, InvalidSetting> {
        const FIX: &str = "use https://api.notion.com (the default), or http://127.0.0.1:PORT \
                           for a local server";
        let err = |problem: String| InvalidSetting::new("base_url", problem, FIX);
        let url = Url::parse(raw.trim()).map_err(|e| err(format!("is not a valid URL ({e})")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(err("contains a user name or password".into()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(err("contains a query string or fragment".into()));
        }
        let host = url.host().ok_or_else(|| err("has no host".into()))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(err(format!(
                    "uses plain http for host `{host}`, which is accepted only for loopback \
                     addresses (127.0.0.0/8, ::1, localhost)"
                )));
            }
            other => {
                return Err(err(format!("has the scheme `{other}`, not https")));
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
            assert_eq!(err.field, "base_url", "{bad}");
            assert!(err.to_string().contains("base_url"), "{err}");
            assert!(!err.to_string().contains("pw"), "{err}");
            assert!(
                !err.to_string().contains(bad),
                "the URL is never echoed: {err}"
            );
            let err = Error::from(err);
            assert!(matches!(
                err,
                Error::Configuration {
                    field: "base_url",
                    ..
                }
            ));
        }
    }

    #[test]
    fn validate_names_the_field_of_each_rule() {
        let field = |f: &dyn Fn(&mut ClientConfig)| {
            let mut config = ClientConfig::new(Credentials::token("ntn_x"));
            f(&mut config);
            config.validate().map(drop).map_err(|e| e.field)
        };
        assert_eq!(field(&|_| {}), Ok(()));
        assert_eq!(
            field(&|c| c.requests_per_second = 0.0),
            Err("requests_per_second")
        );
        assert_eq!(
            field(&|c| {
                c.requests_per_second = 0.0;
                c.base_url = "http://127.0.0.1:1".into();
            }),
            Ok(())
        );
        assert_eq!(field(&|c| c.burst = 500), Err("burst"));
        assert_eq!(field(&|c| c.max_retries = 21), Err("max_retries"));
        assert_eq!(
            field(&|c| c.retry_base_delay = Duration::from_secs(31)),
            Err("retry_base_delay")
        );
        assert_eq!(
            field(&|c| c.request_timeout = Duration::ZERO),
            Err("request_timeout")
        );
        assert_eq!(
            field(&|c| c.credentials = Credentials::token("ntn_x\n")),
            Err("credentials")
        );
        assert_eq!(
            field(&|c| c.api_version = ApiVersion::V2022_06_28),
            Err("api_version")
        );
    }

    #[test]
    fn seconds_become_durations_within_their_range() {
        assert_eq!(retry_base_delay_from_secs(0.0), Ok(Duration::ZERO));
        assert_eq!(
            retry_base_delay_from_secs(60.0),
            Ok(Duration::from_secs(60))
        );
        assert!(retry_base_delay_from_secs(-0.5).is_err());
        assert!(retry_base_delay_from_secs(f64::NAN).is_err());
        let err = request_timeout_from_secs(0.5).unwrap_err();
        assert_eq!(err.field, "request_timeout");
        assert!(err.fix.contains("from 1 to 600"), "{err}");
        assert!(request_timeout_from_secs(1e300).is_err());
    }

    #[test]
    fn debug_redacts_credentials() {
        let config = ClientConfig::new(Credentials::token("ntn_very_secret"));
        let text = format!("{config:?}");
        assert!(!text.contains("ntn_very_secret"), "{text}");
    }
}
