//! Errors: the crate's own error enum, and the Notion error responses the server sends.

use std::collections::BTreeMap;

use notion_model::{AdditionalValue, ErrorBody, ErrorCode};

/// Errors of the fake itself (starting it, loading a workspace, bad options).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FakeError {
    /// The listener could not be bound or used.
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    /// A demo fixture could not be parsed.
    #[error("demo fixture `{file}` is invalid: {source}")]
    Fixture {
        /// The fixture file name.
        file: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// The demo workspace is inconsistent (a reference to an object it does not hold, …).
    #[error("demo workspace is inconsistent: {0}")]
    Demo(String),
    /// A mutation named an object the workspace does not hold, or is not valid for it.
    #[error("mutation rejected: {0}")]
    Mutation(String),
    /// An option value is invalid.
    #[error("invalid option: {0}")]
    Option(String),
}

/// A Notion error response: status, `code`, `message`, optional `additional_data`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) additional_data: Option<BTreeMap<String, String>>,
    /// Sent as an integer `Retry-After` header when set.
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            additional_data: None,
            retry_after: None,
        }
    }

    pub(crate) fn with_data(mut self, key: &str, value: impl Into<String>) -> Self {
        self.additional_data
            .get_or_insert_with(BTreeMap::new)
            .insert(key.to_owned(), value.into());
        self
    }

    pub(crate) fn validation(message: impl Into<String>) -> Self {
        ApiError::new(400, "validation_error", message)
    }

    pub(crate) fn invalid_json() -> Self {
        ApiError::new(400, "invalid_json", "Error parsing JSON body.")
    }

    pub(crate) fn invalid_url() -> Self {
        ApiError::new(400, "invalid_request_url", "Invalid request URL.")
    }

    pub(crate) fn missing_version() -> Self {
        ApiError::new(
            400,
            "missing_version",
            "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
        )
    }

    pub(crate) fn bad_version(value: &str, supported: &[notion_model::ApiVersion]) -> Self {
        let list: Vec<String> = supported.iter().map(|v| format!("\"{v}\"")).collect();
        ApiError::validation(format!(
            "Notion-Version header failed validation: Notion-Version header should be one of {}, instead was `{value}`.",
            list.join(", ")
        ))
    }

    pub(crate) fn unauthorized() -> Self {
        ApiError::new(401, "unauthorized", "API token is invalid.")
    }

    pub(crate) fn restricted() -> Self {
        ApiError::new(
            403,
            "restricted_resource",
            "API token does not have access to this resource.",
        )
    }

    pub(crate) fn not_found(what: &str, id: &str, integration_id: &str) -> Self {
        ApiError::new(
            404,
            "object_not_found",
            format!(
                "Could not find {what} with ID: {id}. Make sure the relevant pages and databases are shared with your integration \"notion-fake\"."
            ),
        )
        .with_data("integration_id", integration_id)
    }

    pub(crate) fn rate_limited(retry_after: u64) -> Self {
        let mut e = ApiError::new(
            429,
            "rate_limited",
            "You have been rate limited. Please try again in a few minutes.",
        )
        .with_data("rate_limit_reason", "public_api_request_rate_limit")
        .with_data("retry_after", retry_after.to_string());
        e.retry_after = Some(retry_after);
        e
    }

    pub(crate) fn internal() -> Self {
        ApiError::new(500, "internal_server_error", "Unexpected error occurred.")
    }

    pub(crate) fn service_unavailable() -> Self {
        ApiError::new(
            503,
            "service_unavailable",
            "Notion is unavailable, please try again later.",
        )
    }

    pub(crate) fn gateway_timeout() -> Self {
        ApiError::new(504, "gateway_timeout", "Gateway Timeout")
    }

    pub(crate) fn overloaded(retry_after: u64) -> Self {
        let mut e = ApiError::new(
            529,
            "service_overload",
            "Notion is temporarily overloaded. Please try again later.",
        )
        .with_data("retry_after", retry_after.to_string());
        e.retry_after = Some(retry_after);
        e
    }

    pub(crate) fn invalid_grant(message: impl Into<String>) -> Self {
        ApiError::new(400, "invalid_grant", message)
    }

    pub(crate) fn invalid_client() -> Self {
        ApiError::new(401, "invalid_client", "Invalid client.")
    }

    /// The JSON body (the model's [`ErrorBody`]), with the given request id.
    pub(crate) fn body(&self, request_id: &str) -> Vec<u8> {
        let mut body = ErrorBody::new(self.status, ErrorCode::from(self.code), &self.message);
        body.additional_data = self.additional_data.as_ref().map(|data| {
            data.iter()
                .map(|(k, v)| (k.clone(), AdditionalValue::Text(v.clone())))
                .collect()
        });
        body.request_id = Some(request_id.to_owned());
        serde_json::to_vec(&body).unwrap_or_default()
    }
}
