//! The error type of the HTTP layer and the client.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};
use notion_model::{AdditionalValue, ErrorCode};

use crate::classify::{self, Class};

/// A boxed error, as used at tower service boundaries.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The category of an [`Error`], for callers that branch on it (e.g. skip objects that are
/// not shared, stop on authentication problems).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 429: the request rate or an access block.
    RateLimited,
    /// 401, or a failed OAuth refresh.
    Authentication,
    /// 404: the object does not exist or is not shared with the integration.
    NotFound,
    /// 400 and other client errors: the request is invalid.
    Validation,
    /// 403: a capability or permission is missing.
    Restricted,
    /// 409.
    Conflict,
    /// 5xx and 529.
    Server,
    /// Connection failures, resets, truncated bodies.
    Transport,
    /// No complete answer within the request timeout.
    Timeout,
    /// A success response whose body does not match the expected type.
    Decode,
    /// Invalid client configuration, or a `base_url` that does not lead to the Notion API.
    Configuration,
    /// An answer Notion never gives (a redirect, an informational status).
    Unexpected,
}

/// Who can make a failed request succeed: the user (fix the configuration, a permission, a
/// share), time (retry later), or neither (an unexpected answer or a bug).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Blame {
    /// The user has to act: credentials, capabilities, configuration.
    User,
    /// A temporary condition: network, rate limit, server errors.
    Transient,
    /// Neither: an unexpected or invalid answer, or a bug.
    Unexpected,
}

impl ErrorKind {
    /// Who can make a request that failed this way succeed.
    pub fn blame(self) -> Blame {
        match self {
            ErrorKind::Authentication | ErrorKind::Restricted | ErrorKind::Configuration => {
                Blame::User
            }
            ErrorKind::RateLimited
            | ErrorKind::Server
            | ErrorKind::Transport
            | ErrorKind::Timeout => Blame::Transient,
            ErrorKind::NotFound
            | ErrorKind::Validation
            | ErrorKind::Conflict
            | ErrorKind::Decode
            | ErrorKind::Unexpected => Blame::Unexpected,
        }
    }
}

/// An error answer from the Notion API, with everything Notion sent to identify it.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Notion's error `code` (`object_not_found`, `rate_limited`, …), when the body had one.
    pub code: Option<ErrorCode>,
    /// Notion's message, or a description of a non-JSON body.
    pub message: String,
    /// Notion's request id, from the body or the `x-notion-request-id` header.
    pub request_id: Option<String>,
    /// `additional_data` as Notion sent it.
    pub additional_data: Option<BTreeMap<String, AdditionalValue>>,
    /// The server's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
    /// The start of a body that was not Notion's JSON error (proxy HTML, plain text), with
    /// anything that looks like a credential removed.
    pub body_excerpt: Option<String>,
    /// How many times the request was sent before giving up, when known.
    pub attempts: Option<u32>,
    /// What the answer means (see [`classify`](crate::classify)).
    pub class: Class,
}

impl ApiError {
    /// Builds the error from a non-success response.
    pub fn from_response(response: &Response<Bytes>) -> Self {
        Self::from_parts(response.status(), response.headers(), response.body())
    }

    /// Builds the error from the parts of a non-success response.
    pub fn from_parts(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let header_request_id = headers
            .get("x-notion-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = classify::retry_after(headers, body);
        let class = Class::of_response(status, body);
        match classify::parse_error_body(body) {
            Some(parsed) => Self {
                status,
                code: Some(parsed.code),
                message: parsed.message,
                request_id: parsed.request_id.or(header_request_id),
                additional_data: parsed.additional_data,
                retry_after,
                body_excerpt: None,
                attempts: None,
                class,
            },
            None => {
                let excerpt = excerpt(body);
                let message = if excerpt.is_empty() {
                    "empty response body".to_owned()
                } else if looks_like_html(body) {
                    "non-JSON (HTML) response body, likely from a proxy or gateway".to_owned()
                } else {
                    "response body is not Notion's JSON error".to_owned()
                };
                Self {
                    status,
                    code: None,
                    message,
                    request_id: header_request_id,
                    additional_data: None,
                    retry_after,
                    body_excerpt: (!excerpt.is_empty()).then_some(excerpt),
                    attempts: None,
                    class,
                }
            }
        }
    }

    /// A string value of `additional_data` (e.g. `rate_limit_reason`).
    pub fn additional(&self, key: &str) -> Option<&str> {
        match self.additional_data.as_ref()?.get(key)? {
            AdditionalValue::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The category of the error.
    pub fn kind(&self) -> ErrorKind {
        self.class.kind()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (headline, hint) = self.class.headline_and_hint();
        write!(f, "{headline} (HTTP {}", self.status.as_u16())?;
        if let Some(code) = &self.code {
            write!(f, ", {code}")?;
        }
        write!(f, "): {}", self.message)?;
        if let Some(excerpt) = &self.body_excerpt {
            write!(f, " [body starts: {excerpt}]")?;
        }
        if let Some(attempts) = self.attempts.filter(|a| *a > 1) {
            write!(f, "; gave up after {attempts} attempts")?;
        }
        write!(f, "; {hint}")?;
        if let Some(wait) = self
            .retry_after
            .filter(|_| self.class == Class::RateLimited)
        {
            write!(f, " (Notion asked to wait {} s)", wait.as_secs())?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// Errors of the HTTP layer and the client. Messages are meant for users: they say what
/// happened and what to do, and never contain a credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 429: rate limited (after the configured retries), or access blocked.
    #[error("{0}")]
    RateLimited(Box<ApiError>),
    /// 401: the token was rejected (and could not be refreshed).
    #[error("{0}")]
    Authentication(Box<ApiError>),
    /// The OAuth token could not be refreshed or exchanged.
    #[error("authentication failed: {0}")]
    Auth(#[from] notion_auth::Error),
    /// 404: not found or not shared with the integration.
    #[error("{0}")]
    NotFound(Box<ApiError>),
    /// 400 (and other 4xx): the request is invalid.
    #[error("{0}")]
    Validation(Box<ApiError>),
    /// 403: missing capability or permission.
    #[error("{0}")]
    Restricted(Box<ApiError>),
    /// 409: conflict.
    #[error("{0}")]
    Conflict(Box<ApiError>),
    /// 5xx or 529 (after the configured retries).
    #[error("{0}")]
    Server(Box<ApiError>),
    /// An answer Notion never gives: a redirect, an informational status, or a 404 from a
    /// server that is not the Notion API.
    #[error("{0}")]
    Unexpected(Box<ApiError>),
    /// The connection failed, was reset, or the body was cut short.
    #[error(
        "network error talking to Notion ({context}): {source}; check connectivity to base_url"
    )]
    Transport {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// No complete response within the request timeout.
    #[error(
        "Notion did not answer within {} s (request_timeout); retry later or raise request_timeout",
        after.as_secs_f64()
    )]
    Timeout {
        /// The timeout that elapsed.
        after: Duration,
    },
    /// A success response did not have the expected shape.
    #[error("could not read Notion's response as {what}: {source}")]
    Decode {
        /// The expected type or endpoint.
        what: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// A listing did not advance (a cursor loop, the same items again and again, or
    /// `has_more` without a cursor) and was stopped; the pages before were delivered.
    #[error("Notion's listing {endpoint} was stopped: {problem}")]
    Pagination {
        /// The endpoint, as `METHOD /path`.
        endpoint: String,
        /// What went wrong.
        problem: String,
    },
    /// The configuration is invalid.
    #[error("invalid configuration `{field}`: {message}")]
    Configuration {
        /// The configuration field at fault.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// Maps a non-success response to the error of its category.
    pub fn from_response(response: &Response<Bytes>) -> Self {
        Self::from_api(ApiError::from_response(response))
    }

    /// Wraps an [`ApiError`] in the variant of its category.
    pub fn from_api(api: ApiError) -> Self {
        let api = Box::new(api);
        match api.kind() {
            ErrorKind::Authentication => Self::Authentication(api),
            ErrorKind::Restricted => Self::Restricted(api),
            ErrorKind::NotFound => Self::NotFound(api),
            ErrorKind::Conflict => Self::Conflict(api),
            ErrorKind::RateLimited => Self::RateLimited(api),
            ErrorKind::Validation => Self::Validation(api),
            ErrorKind::Server => Self::Server(api),
            _ => Self::Unexpected(api),
        }
    }

    pub(crate) fn transport(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Transport {
            context: context.into(),
            source: source.into(),
        }
    }

    pub(crate) fn decode(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Decode {
            what: what.into(),
            source: source.into(),
        }
    }

    pub(crate) fn config(field: &'static str, message: impl Into<String>) -> Self {
        Self::Configuration {
            field,
            message: message.into(),
        }
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::RateLimited(api)
            | Self::Authentication(api)
            | Self::NotFound(api)
            | Self::Validation(api)
            | Self::Restricted(api)
            | Self::Conflict(api)
            | Self::Server(api)
            | Self::Unexpected(api) => api.kind(),
            Self::Auth(_) => ErrorKind::Authentication,
            Self::Transport { .. } => ErrorKind::Transport,
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::Decode { .. } => ErrorKind::Decode,
            Self::Pagination { .. } => ErrorKind::Unexpected,
            Self::Configuration { .. } => ErrorKind::Configuration,
        }
    }

    /// What the failed attempt meant (see [`classify`](crate::classify)): the class of Notion's
    /// answer, or of the error that stood for one.
    pub fn class(&self) -> Class {
        match self.api() {
            Some(api) => api.class,
            None => Class::of_error(self),
        }
    }

    /// The API error details, for errors Notion answered.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::RateLimited(api)
            | Self::Authentication(api)
            | Self::NotFound(api)
            | Self::Validation(api)
            | Self::Restricted(api)
            | Self::Conflict(api)
            | Self::Server(api)
            | Self::Unexpected(api) => Some(api),
            _ => None,
        }
    }

    /// HTTP status, for errors Notion answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.api().map(|api| api.status)
    }

    /// Notion's error `code`, when it sent one.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.api()?.code.as_ref()
    }

    /// Notion's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.api()?.request_id.as_deref()
    }
}

impl From<crate::timeout::Elapsed> for Error {
    fn from(elapsed: crate::timeout::Elapsed) -> Self {
        Self::Timeout { after: elapsed.0 }
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = String::from_utf8_lossy(&body[..body.len().min(256)]).to_ascii_lowercase();
    start.trim_start().starts_with('<') || start.contains("<html")
}

const EXCERPT_CHARS: usize = 160;

/// The first characters of a body, whitespace collapsed, with credential-like words removed.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let mut out = String::new();
    let mut redact_next = false;
    for word in text.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        let secret_like = redact_next
            || lower.starts_with("ntn_")
            || lower.starts_with("secret_")
            || lower.contains("token")
            || lower.contains("authorization");
        redact_next = lower == "bearer" || lower == "basic" || lower.ends_with("authorization:");
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(if secret_like { "[redacted]" } else { word });
        if out.chars().count() > EXCERPT_CHARS {
            break;
        }
    }
    if out.chars().count() > EXCERPT_CHARS {
        out = out.chars().take(EXCERPT_CHARS).collect::<String>() + "…";
    }
    out
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
    fn json_error_keeps_code_message_request_id_and_additional_data() {
        let err = Error::from_response(&response(
            404,
            &[("x-notion-request-id", "hdr-id")],
            r#"{"object":"error","status":404,"code":"object_not_found","message":"Could not find page","request_id":"body-id","additional_data":{"integration_id":"i1"}}"#,
        ));
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(err.code(), Some(&ErrorCode::ObjectNotFound));
        assert_eq!(err.request_id(), Some("body-id"));
        assert_eq!(err.api().unwrap().additional("integration_id"), Some("i1"));
        let text = err.to_string();
        assert!(text.contains("HTTP 404, object_not_found"), "{text}");
        assert!(text.contains("share the page"), "{text}");
        assert!(text.contains("request id body-id"), "{text}");
    }

    #[test]
    fn html_and_empty_bodies_give_status_and_excerpt() {
        let err = Error::from_response(&response(
            502,
            &[("x-notion-request-id", "hdr-id")],
            "<html><body><h1>502 Bad Gateway</h1> Authorization: Bearer ntn_leak token=abc</body></html>",
        ));
        assert_eq!(err.kind(), ErrorKind::Server);
        assert_eq!(err.request_id(), Some("hdr-id"));
        let text = err.to_string();
        assert!(text.contains("HTTP 502"), "{text}");
        assert!(text.contains("HTML"), "{text}");
        assert!(text.contains("Bad Gateway"), "{text}");
        assert!(
            !text.contains("ntn_leak") && !text.contains("abc"),
            "{text}"
        );

        let err = Error::from_response(&response(503, &[], ""));
        assert!(err.to_string().contains("empty response body"), "{err}");
    }

    #[test]
    fn categories_follow_status() {
        for (status, kind) in [
            (400, ErrorKind::Validation),
            (401, ErrorKind::Authentication),
            (403, ErrorKind::Restricted),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Conflict),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Server),
            (529, ErrorKind::Server),
        ] {
            assert_eq!(
                Error::from_response(&response(status, &[], "{}")).kind(),
                kind
            );
        }
    }

    #[test]
    fn blocked_rate_limit_says_retrying_does_not_help() {
        let err = Error::from_response(&response(
            429,
            &[],
            r#"{"object":"error","status":429,"code":"rate_limited","message":"blocked","additional_data":{"rate_limit_reason":"public_api_request_blocked"}}"#,
        ));
        assert!(err.to_string().contains("contact Notion support"), "{err}");
    }
}
