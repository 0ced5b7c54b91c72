//! The crate's error type.

/// What can go wrong with a webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request has no `X-Notion-Signature` header.
    #[error("the request has no X-Notion-Signature header")]
    MissingSignature,
    /// The `X-Notion-Signature` header is not `sha256=` and 64 hexadecimal digits.
    #[error("the X-Notion-Signature header is not `sha256=<64 hex digits>`")]
    MalformedSignature,
    /// The signature does not match the body and the verification token.
    #[error("the signature does not match the body")]
    SignatureMismatch,
    /// No verification token is known yet, so no event can be verified.
    #[error("no verification token yet: events are refused until Notion's verification request")]
    NotVerified,
    /// The body is not a JSON object.
    #[error("the body is not a JSON object: {0}")]
    NotJson(String),
    /// The body is JSON but neither an event (string `id` and `type`) nor a verification
    /// request (string `verification_token`).
    #[error("the body is neither an event nor a verification request: {0}")]
    NotAnEvent(&'static str),
    /// The body is larger than the receiver accepts.
    #[error("the body is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The handler could not store what it was given (the sender should retry).
    #[error("cannot store the delivery: {0}")]
    Storage(String),
}

impl Error {
    /// Whether the error is about the request's authenticity (answered 401).
    pub fn is_unauthorized(&self) -> bool {
        matches!(
            self,
            Error::MissingSignature
                | Error::MalformedSignature
                | Error::SignatureMismatch
                | Error::NotVerified
        )
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
