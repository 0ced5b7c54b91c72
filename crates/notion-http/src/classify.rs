//! One classification of every attempt's outcome, shared by the retry policy, the logs and the
//! error mapping.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};
use notion_model::ErrorBody;

use crate::error::Error;

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

/// The verdict on one attempt, with the server's requested wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
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
    let retry_after = || retry_after(response.headers(), response.body());
    let verdict = match status.as_u16() {
        200..=299 => Verdict::Success,
        429 if rate_limit_reason(response.body()).as_deref() == Some(RATE_LIMIT_BLOCKED) => {
            Verdict::Fail
        }
        429 => Verdict::Retry(RetryReason::RateLimited),
        529 => Verdict::Retry(RetryReason::Overloaded),
        500 | 502 | 503 | 504 => Verdict::Retry(RetryReason::ServerError),
        _ => Verdict::Fail,
    };
    Classification {
        retry_after: match verdict {
            Verdict::Success => None,
            _ => retry_after(),
        },
        verdict,
        status: Some(status),
    }
}

/// Classifies an error raised below the retry layer.
pub fn classify_error(error: &Error) -> Classification {
    let verdict = match error {
        Error::Timeout { .. } => Verdict::Retry(RetryReason::Timeout),
        Error::Transport { .. } => Verdict::Retry(RetryReason::Transport),
        // The token endpoint was unreachable or failed: the next attempt refreshes again.
        Error::Auth(auth) if auth.is_transient() => Verdict::Retry(RetryReason::Transport),
        _ => Verdict::Fail,
    };
    Classification {
        verdict,
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
