//! The crate's error type.

use std::fmt;

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
    /// Some streams failed (each reported its error as it failed); the others completed.
    #[error("streams failed: {}", .0.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))]
    StreamsFailed(Vec<crate::stream::StreamName>),
    /// The read was cancelled (the output was closed).
    #[error("the read was cancelled")]
    Cancelled,
}

impl Error {
    /// The Airbyte failure type of this error.
    pub fn failure_type(&self) -> FailureType {
        match self {
            Error::Config(_) | Error::Catalog(_) | Error::State(_) => FailureType::Config,
            Error::Http(e) => http_failure_type(e),
            Error::Response { .. } | Error::Io(_) | Error::Cancelled | Error::StreamsFailed(_) => {
                FailureType::System
            }
        }
    }

    pub(crate) fn response(context: impl Into<String>, message: impl fmt::Display) -> Self {
        Error::Response {
            context: context.into(),
            message: message.to_string(),
        }
    }
}

fn http_failure_type(e: &notion_http::Error) -> FailureType {
    use notion_http::ErrorKind as K;
    match e.kind() {
        K::Authentication | K::Restricted | K::Configuration => FailureType::Config,
        K::RateLimited | K::Server | K::Transport | K::Timeout => FailureType::Transient,
        _ => FailureType::System,
    }
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
