//! One classification of every attempt's outcome, shared by the retry policy, the logs and the
//! error mapping.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};
use notion_model::ErrorBody;

use crate::error::{Error, ErrorKind};

/// Notion's `additional_data.rate_limit_reason` for an integration whose access is blocked.
pub const RATE_LIMIT_BLOCKED: &str = "public_api_request_blocked";

/// Why an attempt may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryReason {
    /// 429 `rate_limited` (not blocked).
    RateLimited,
    /// 529 `service_overload`.
    Overloaded,
    /// 500, 502, 503 or 504.
    ServerError,
    /// The attempt timed out.
    Timeout,
    /// The connection failed, was reset, or the body was cut short.
    Transport,
}

impl RetryReason {
    /// True for answers that are a verdict on the whole connection (429, 529): they pause
    /// every caller, not only the request that received them.
    pub fn pauses_connection(self) -> bool {
        matches!(self, Self::RateLimited | Self::Overloaded)
    }

    /// A short name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RateLimited => "rate_limited",
            Self::Overloaded => "overloaded",
            Self::ServerError => "server_error",
            Self::Timeout => "timeout",
            Self::Transport => "transport",
        }
    }
}

/// What to do with an attempt's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// A 2xx response.
    Success,
    /// A transient failure: retry (within the retry budget).
    Retry(RetryReason),
    /// A final failure: report it.
    Fail,
}

/// What an attempt's outcome means, decided once from the status, Notion's `code`, the body's
/// shape and the error raised below the retry layer. Everything else is derived from it: whether
/// to retry ([`Class::verdict`]), the error's category ([`Class::kind`]), and the headline and
/// hint users read ([`Class::headline_and_hint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Class {
    /// A 2xx response.
    Success,
    /// 429 `rate_limited` (any reason but a block).
    RateLimited,
    /// 429 with `rate_limit_reason` `public_api_request_blocked`: retrying will not help.
    Blocked,
    /// 529 `service_overload`.
    Overloaded,
    /// 500, 502, 503 or 504.
    ServerError,
    /// Another 5xx (501, 505, …): not retried.
    OtherServerError,
    /// 401.
    Unauthorized,
    /// 403.
    Restricted,
    /// 404 with a JSON error body: the object does not exist or is not shared.
    NotFound,
    /// 404 without a JSON error body: the server at `base_url` is not the Notion API (a wrong
    /// base path or host).
    NotTheApi,
    /// 409.
    Conflict,
    /// 400 `missing_version` or `invalid_request_url`: the base URL or API version is wrong.
    BadEndpoint,
    /// Another 4xx: the request is invalid.
    Invalid,
    /// A status Notion never answers with (1xx, 3xx redirects, …).
    UnexpectedStatus,
    /// The attempt timed out.
    Timeout,
    /// The connection failed, was reset, or the body was cut short (or the OAuth token endpoint
    /// could not be reached).
    Transport,
    /// An error raised below the retry layer that retrying cannot fix (configuration, a rejected
    /// OAuth refresh, an undecodable answer).
    Fatal,
}

impl Class {
    /// Classifies a response from its status and body.
    pub fn of_response(status: StatusCode, body: &[u8]) -> Self {
        match status.as_u16() {
            200..=299 => Class::Success,
            429 if rate_limit_reason(body).as_deref() == Some(RATE_LIMIT_BLOCKED) => Class::Blocked,
            429 => Class::RateLimited,
            529 => Class::Overloaded,
            500 | 502 | 503 | 504 => Class::ServerError,
            500..=599 => Class::OtherServerError,
            401 => Class::Unauthorized,
            403 => Class::Restricted,
            404 if serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
                .is_ok() =>
            {
                Class::NotFound
            }
            404 => Class::NotTheApi,
            409 => Class::Conflict,
            400..=499 => match parse_error_body(body).map(|b| b.code) {
                Some(code)
                    if matches!(code.as_str(), "missing_version" | "invalid_request_url") =>
                {
                    Class::BadEndpoint
                }
                _ => Class::Invalid,
            },
            _ => Class::UnexpectedStatus,
        }
    }

    /// Classifies an error raised below the retry layer.
    pub fn of_error(error: &Error) -> Self {
        match error {
            Error::Timeout { .. } => Class::Timeout,
            Error::Transport { .. } => Class::Transport,
            // The token endpoint was unreachable or failed: the next attempt refreshes again.
            Error::Auth(auth) if auth.is_transient() => Class::Transport,
            _ => Class::Fatal,
        }
    }

    /// Whether to retry an attempt of this class.
    pub fn verdict(self) -> Verdict {
        match self {
            Class::Success => Verdict::Success,
            Class::RateLimited => Verdict::Retry(RetryReason::RateLimited),
            Class::Overloaded => Verdict::Retry(RetryReason::Overloaded),
            Class::ServerError => Verdict::Retry(RetryReason::ServerError),
            Class::Timeout => Verdict::Retry(RetryReason::Timeout),
            Class::Transport => Verdict::Retry(RetryReason::Transport),
            _ => Verdict::Fail,
        }
    }

    /// The category of the error an answer of this class becomes.
    pub fn kind(self) -> ErrorKind {
        match self {
            Class::Success | Class::UnexpectedStatus => ErrorKind::Unexpected,
            Class::RateLimited | Class::Blocked => ErrorKind::RateLimited,
            Class::Overloaded | Class::ServerError | Class::OtherServerError => ErrorKind::Server,
            Class::Unauthorized => ErrorKind::Authentication,
            Class::Restricted => ErrorKind::Restricted,
            Class::NotFound => ErrorKind::NotFound,
            Class::NotTheApi | Class::BadEndpoint => ErrorKind::Configuration,
            Class::Conflict => ErrorKind::Conflict,
            Class::Invalid => ErrorKind::Validation,
            Class::Timeout => ErrorKind::Timeout,
            Class::Transport => ErrorKind::Transport,
            Class::Fatal => ErrorKind::Decode,
        }
    }

    /// What happened, in a few words, and what to do about it.
    pub fn headline_and_hint(self) -> (&'static str, &'static str) {
        match self {
            Class::Success => ("Notion answered", ""),
            Class::RateLimited => (
                "Notion's rate limit was exceeded",
                "lower requests_per_second or retry later",
            ),
            Class::Blocked => (
                "Notion blocked API access for this integration",
                "contact Notion support; retrying will not help",
            ),
            Class::Overloaded => (
                "Notion is overloaded",
                "retry later or lower requests_per_second",
            ),
            Class::ServerError | Class::OtherServerError => (
                "Notion had a server error",
                "this is usually temporary; retry later",
            ),
            Class::Unauthorized => (
                "Notion rejected the credentials",
                "check the integration token, or re-authorize the OAuth connection",
            ),
            Class::Restricted => (
                "the integration is not allowed to do this",
                "enable the missing capability (e.g. read user information, read comments) in \
                 the integration settings, or check the workspace's permissions",
            ),
            Class::NotFound => (
                "the object does not exist or is not shared with the integration",
                "share the page or database with the integration (Connections menu in Notion)",
            ),
            Class::NotTheApi => (
                "the server at base_url answered 404 without a Notion error: it is not the \
                 Notion API",
                "check base_url (https://api.notion.com, without a path)",
            ),
            Class::Conflict => ("Notion reported a conflict", "retry later"),
            Class::BadEndpoint => (
                "Notion rejected the request",
                "check base_url and api_version in the configuration",
            ),
            Class::Invalid => (
                "Notion rejected the request as invalid",
                "check the request parameters (a stale start_cursor requires restarting \
                 pagination)",
            ),
            Class::UnexpectedStatus => (
                "Notion sent an unexpected HTTP status",
                "check base_url (redirects are not followed)",
            ),
            Class::Timeout => (
                "Notion did not answer in time",
                "retry later or raise request_timeout",
            ),
            Class::Transport => (
                "network error talking to Notion",
                "check connectivity to base_url",
            ),
            Class::Fatal => ("the request failed", "see the error for details"),
        }
    }
}

/// The verdict on one attempt, with the server's requested wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    /// What the outcome means.
    pub class: Class,
    /// What to do.
    pub verdict: Verdict,
    /// `Retry-After` (header, or `additional_data.retry_after`), when present.
    pub retry_after: Option<Duration>,
    /// The HTTP status, for responses.
    pub status: Option<StatusCode>,
}

/// Classifies an attempt's outcome. Every request this crate sends is a read (POST search and
/// query included), so all transient failures are retryable.
pub fn classify(result: &Result<Response<Bytes>, Error>) -> Classification {
    match result {
        Ok(response) => classify_response(response),
        Err(error) => classify_error(error),
    }
}

/// Classifies a response.
pub fn classify_response(response: &Response<Bytes>) -> Classification {
    let status = response.status();
    let class = Class::of_response(status, response.body());
    Classification {
        retry_after: match class {
            Class::Success => None,
            _ => retry_after(response.headers(), response.body()),
        },
        verdict: class.verdict(),
        class,
        status: Some(status),
    }
}

/// Classifies an error raised below the retry layer.
pub fn classify_error(error: &Error) -> Classification {
    let class = Class::of_error(error);
    Classification {
        class,
        verdict: class.verdict(),
        retry_after: None,
        status: None,
    }
}

/// Parses a Notion JSON error body; `None` when the body is not one (HTML, empty, other JSON).
pub(crate) fn parse_error_body(body: &[u8]) -> Option<ErrorBody> {
    serde_json::from_slice(body).ok()
}

fn rate_limit_reason(body: &[u8]) -> Option<String> {
    parse_error_body(body)?
        .rate_limit_reason()
        .map(str::to_owned)
}

/// `Retry-After` as a duration: integer seconds or an HTTP-date in the header, else the body's
/// `additional_data.retry_after`.
pub(crate) fn retry_after(headers: &HeaderMap, body: &[u8]) -> Option<Duration> {
    let header = headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|value| parse_retry_after(value, SystemTime::now()));
    if header.is_some() {
        return header;
    }
    parse_error_body(body)?
        .retry_after_seconds()
        .map(Duration::from_secs)
}

/// Parses a `Retry-After` value: delay-seconds, or an HTTP-date (a date in the past means 0).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Bytes> {
        let mut builder = Response::builder().status(status);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(Bytes::from(body.to_owned())).unwrap()
    }

    #[test]
    fn statuses() {
        let cases = [
            (200, Verdict::Success),
            (400, Verdict::Fail),
            (401, Verdict::Fail),
            (403, Verdict::Fail),
            (404, Verdict::Fail),
            (409, Verdict::Fail),
            (429, Verdict::Retry(RetryReason::RateLimited)),
            (500, Verdict::Retry(RetryReason::ServerError)),
            (502, Verdict::Retry(RetryReason::ServerError)),
            (503, Verdict::Retry(RetryReason::ServerError)),
            (504, Verdict::Retry(RetryReason::ServerError)),
            (501, Verdict::Fail),
            (529, Verdict::Retry(RetryReason::Overloaded)),
        ];
        for (status, verdict) in cases {
            assert_eq!(
                classify_response(&response(status, &[], "")).verdict,
                verdict,
                "{status}"
            );
        }
    }

    #[test]
    fn blocked_429_is_final_other_reasons_retry() {
        let body = |reason: &str| {
            format!(
                r#"{{"object":"error","status":429,"code":"rate_limited","message":"m","additional_data":{{"rate_limit_reason":"{reason}"}}}}"#
            )
        };
        let blocked = response(429, &[("retry-after", "5")], &body(RATE_LIMIT_BLOCKED));
        assert_eq!(classify_response(&blocked).verdict, Verdict::Fail);
        let other = response(429, &[], &body("public_api_space_request_rate_limit"));
        assert_eq!(
            classify_response(&other).verdict,
            Verdict::Retry(RetryReason::RateLimited)
        );
    }

    #[test]
    fn retry_after_header_date_and_body() {
        let r = response(429, &[("retry-after", "37")], "");
        assert_eq!(
            classify_response(&r).retry_after,
            Some(Duration::from_secs(37))
        );
        let r = response(
            529,
            &[],
            r#"{"object":"error","code":"service_overload","message":"m","additional_data":{"retry_after":"12"}}"#,
        );
        assert_eq!(
            classify_response(&r).retry_after,
            Some(Duration::from_secs(12))
        );

        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::ZERO)
        );
        let earlier = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777 - 30);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", earlier),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn errors() {
        let timeout = Error::Timeout {
            after: Duration::from_secs(1),
        };
        assert_eq!(
            classify_error(&timeout).verdict,
            Verdict::Retry(RetryReason::Timeout)
        );
        let transport = Error::transport("reading body", "connection reset");
        assert_eq!(
            classify_error(&transport).verdict,
            Verdict::Retry(RetryReason::Transport)
        );
        let config = Error::config("base_url", "bad");
        assert_eq!(classify_error(&config).verdict, Verdict::Fail);
        let rejected = Error::Auth(notion_auth::Error::OAuthRejected {
            status: 400,
            code: Some("invalid_grant".into()),
            message: "used".into(),
            request_id: None,
        });
        assert_eq!(classify_error(&rejected).verdict, Verdict::Fail);
        let unreachable = Error::Auth(notion_auth::Error::InvalidResponse {
            status: Some(502),
            detail: "bad gateway".into(),
        });
        assert_eq!(
            classify_error(&unreachable).verdict,
            Verdict::Retry(RetryReason::Transport)
        );
    }
}
