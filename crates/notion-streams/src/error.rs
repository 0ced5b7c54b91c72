//! The crate's error type.

use std::fmt;
use std::sync::Arc;

/// What kind of failure an error is, in the Airbyte protocol's terms.
///
/// The platform acts on it: a `Config` failure asks the user to act, a `Transient` one may succeed
/// when retried, a `System` one is a bug or an unexpected condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureType {
    /// The user has to act (bad credentials, missing permission, invalid configuration).
    Config,
    /// A connector or platform bug, or an unexpected response.
    System,
    /// A temporary condition (network, rate limit, server error) that may succeed on retry.
    Transient,
}

impl FailureType {
    /// The protocol's name for the failure type (`config_error`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureType::Config => "config_error",
            FailureType::System => "system_error",
            FailureType::Transient => "transient_error",
        }
    }
}

impl fmt::Display for FailureType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An invalid value in the connector's input, naming the field and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidField {
    /// Path of the offending field, for example `credentials.token` or `page_size`.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

impl InvalidField {
    /// A new invalid-field report.
    pub fn new(
        field: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

impl fmt::Display for InvalidField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}; {}", self.field, self.problem, self.fix)
    }
}

/// Errors of the streams crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid.
    #[error("invalid config: {0}")]
    Config(InvalidField),
    /// The configured catalog is invalid.
    #[error("invalid catalog: {0}")]
    Catalog(InvalidField),
    /// The state is invalid.
    #[error("invalid state: {0}")]
    State(InvalidField),
    /// A request to Notion failed.
    #[error(transparent)]
    Http(#[from] notion_http::Error),
    /// Notion sent a response the connector could not read.
    #[error("unexpected response from Notion for {context}: {message}")]
    Response {
        /// What was being read.
        context: String,
        /// What was wrong with it.
        message: String,
    },
    /// Writing output failed.
    #[error("could not write output: {0}")]
    Io(#[from] std::io::Error),
    /// A stream failed (the others went on); the error is shared with [`Error::StreamsFailed`].
    #[error("the {} stream failed: {}", .0.stream, .0.error)]
    StreamFailed(StreamFailure),
    /// An error about one object, named.
    #[error("{object}: {error}")]
    About {
        /// The object, e.g. `database 1f2… (configured in database_ids)`.
        object: String,
        /// What went wrong.
        error: Box<Error>,
    },
    /// An error delivered twice (to the records' consumer, then by `finish`).
    #[error(transparent)]
    Shared(Arc<Error>),
    /// Some streams failed (each reported its error as it failed); the others completed.
    #[error("streams failed: {}", .0.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; "))]
    StreamsFailed(Vec<StreamFailure>),
    /// Typed streams of data sources failed (each reported its error as it failed); the other
    /// streams completed.
    #[error("typed streams of data sources failed: {}", .0.join(", "))]
    DataSourceStreamsFailed(Vec<String>),
    /// The read was cancelled (the output was closed).
    #[error("the read was cancelled")]
    Cancelled,
}

/// A stream that failed in a read, with its error (shared when one listing failed several
/// streams).
#[derive(Debug, Clone)]
pub struct StreamFailure {
    /// The stream.
    pub stream: crate::stream::StreamName,
    /// Why it failed.
    pub error: Arc<Error>,
}

impl fmt::Display for StreamFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.stream, self.error)
    }
}

impl Error {
    /// The Airbyte failure type of this error.
    pub fn failure_type(&self) -> FailureType {
        match self {
            Error::Config(_) | Error::Catalog(_) | Error::State(_) => FailureType::Config,
            Error::Http(e) => match e.kind().blame() {
                notion_http::Blame::User => FailureType::Config,
                notion_http::Blame::Transient => FailureType::Transient,
                _ => FailureType::System,
            },
            Error::StreamFailed(f) => f.error.failure_type(),
            Error::Shared(e) => e.failure_type(),
            Error::About { error, .. } => error.failure_type(),
            Error::DataSourceStreamsFailed(_) => FailureType::Config,
            Error::Response { .. } | Error::Io(_) | Error::Cancelled | Error::StreamsFailed(_) => {
                FailureType::System
            }
        }
    }

    /// The category of an error Notion answered (or a request failed with); `None` for errors
    /// of the connector's own input or output.
    pub fn http_kind(&self) -> Option<notion_http::ErrorKind> {
        match self {
            Error::Http(e) => Some(e.kind()),
            Error::StreamFailed(f) => f.error.http_kind(),
            Error::Shared(e) => e.http_kind(),
            Error::About { error, .. } => error.http_kind(),
            _ => None,
        }
    }

    /// Whether the object read does not exist or is not shared with the integration.
    pub fn is_not_found(&self) -> bool {
        self.http_kind() == Some(notion_http::ErrorKind::NotFound)
    }

    /// The details Notion sent with the error (status, `code`, message, request id), if any.
    pub fn api(&self) -> Option<&notion_http::ApiError> {
        match self {
            Error::Http(e) => e.api(),
            Error::StreamFailed(f) => f.error.api(),
            Error::Shared(e) => e.api(),
            Error::About { error, .. } => error.api(),
            _ => None,
        }
    }

    pub(crate) fn response(context: impl Into<String>, message: impl fmt::Display) -> Self {
        Error::Response {
            context: context.into(),
            message: message.to_string(),
        }
    }
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
