//! Error bodies sent by the Notion API.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::codec::{object, string_enum};

object! {
    /// An error response body:
    /// `{object: "error", status, code, message, additional_data?, request_id?}`.
    ///
    /// ```
    /// use notion_model::{ErrorBody, ErrorCode};
    ///
    /// let body: ErrorBody = serde_json::from_str(
    ///     r#"{"object":"error","status":429,"code":"rate_limited","message":"Slow down.",
    ///         "additional_data":{"rate_limit_reason":"public_api_request_rate_limit","retry_after":"37"}}"#,
    /// )?;
    /// assert_eq!(body.code, ErrorCode::RateLimited);
    /// assert_eq!(body.retry_after_seconds(), Some(37));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct ErrorBody {
        /// `error`.
        opt object: String,
        /// The HTTP status.
        opt status: u16,
        /// The error code (stable across versions).
        req code: ErrorCode,
        /// The message (wording may change without notice).
        req message: String,
        /// Details: values are strings or string arrays.
        opt additional_data: BTreeMap<String, AdditionalValue>,
        /// The request id, for support.
        opt request_id: String,
    }
}

string_enum! {
    /// A Notion error code. Codes Notion adds later are kept in [`ErrorCode::Unknown`]; map them
    /// by HTTP status.
    pub enum ErrorCode {
        /// 400: the body is not JSON.
        InvalidJson = "invalid_json",
        /// 400: the URL is invalid.
        InvalidRequestUrl = "invalid_request_url",
        /// 400: the request is not supported.
        InvalidRequest = "invalid_request",
        /// 400: an OAuth code or refresh token is invalid, expired or revoked.
        InvalidGrant = "invalid_grant",
        /// 400: the body or parameters fail validation (also a stale `start_cursor`).
        ValidationError = "validation_error",
        /// 400: no `Notion-Version` header.
        MissingVersion = "missing_version",
        /// 400: a bad beta header.
        InvalidBeta = "invalid_beta",
        /// 400: OAuth client not allowed this grant.
        UnauthorizedClient = "unauthorized_client",
        /// 400: OAuth grant type not supported.
        UnsupportedGrantType = "unsupported_grant_type",
        /// 400: OAuth scope invalid.
        InvalidScope = "invalid_scope",
        /// 401: the token is invalid, expired or revoked.
        Unauthorized = "unauthorized",
        /// 401: OAuth client authentication failed.
        InvalidClient = "invalid_client",
        /// 403: missing capability or permission.
        RestrictedResource = "restricted_resource",
        /// 403: OAuth test environment error.
        TestEnvError = "test_env_error",
        /// 404: not found, or not shared with the connection.
        ObjectNotFound = "object_not_found",
        /// 409: transaction conflict.
        ConflictError = "conflict_error",
        /// 409: row limit exceeded.
        RowLimitExceeded = "row_limit_exceeded",
        /// 429: rate limited; honour `Retry-After`.
        RateLimited = "rate_limited",
        /// 500: unexpected error.
        InternalServerError = "internal_server_error",
        /// 502: upstream failure.
        BadGateway = "bad_gateway",
        /// 503: unavailable or too slow.
        ServiceUnavailable = "service_unavailable",
        /// 503: Notion's database is unavailable.
        DatabaseConnectionUnavailable = "database_connection_unavailable",
        /// 504: server-side timeout.
        GatewayTimeout = "gateway_timeout",
        /// 529: Notion is overloaded; honour `Retry-After`.
        ServiceOverload = "service_overload",
    }
}

/// A value of `additional_data`: a string or a list of strings (anything else is kept as sent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum AdditionalValue {
    /// A string (`retry_after`, `rate_limit_reason`, `integration_id`, …).
    Text(String),
    /// A list of strings (`retry_guidance`, `committed_child_ids`, …).
    List(Vec<String>),
    /// Any other JSON value.
    Other(Value),
}

impl ErrorBody {
    /// A body as Notion writes it: `object: "error"`, the status, code and message.
    pub fn new(status: u16, code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            object: Some("error".to_owned()),
            status: Some(status),
            code,
            message: message.into(),
            additional_data: None,
            request_id: None,
            extra: Default::default(),
        }
    }

    /// A string value of `additional_data`.
    pub fn additional_text(&self, key: &str) -> Option<&str> {
        match self.additional_data.as_ref()?.get(key)? {
            AdditionalValue::Text(text) => Some(text),
            _ => None,
        }
    }

    /// `additional_data.retry_after` as whole seconds.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        self.additional_text("retry_after")?.trim().parse().ok()
    }

    /// `additional_data.rate_limit_reason`.
    pub fn rate_limit_reason(&self) -> Option<&str> {
        self.additional_text("rate_limit_reason")
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "{status} {}: {}", self.code, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}
