//! Credentials, OAuth 2.0 and the authentication layer of the Notion connector.
//!
//! - [`Credentials`] hold an internal-integration token (or personal access token), or OAuth 2.0
//!   tokens of a public integration. Secrets live in [`secrecy`] types whose `Debug` and
//!   `Display` print `[redacted]`; the bearer header is marked sensitive.
//! - [`OAuthClient`] exchanges an authorization code, refreshes a token pair (through the
//!   [`oauth2`] crate) and introspects a token, over any tower HTTP service you give it: this
//!   crate opens no connection itself (`notion-http` wires its hyper client in).
//! - [`AuthLayer`] adds `Authorization: Bearer …`; with a refreshable [`Authenticator`] it answers
//!   a 401 by refreshing once — one refresh for all concurrent requests — replaying the request
//!   with the new token, and handing the rotated pair to your callback. Notion's token response
//!   has no `expires_in`, so refresh is reactive.
//!
//! ```
//! use std::sync::Arc;
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use notion_auth::{AuthLayer, Authenticator, Credentials, OAuthClient, OAuthClientCredentials};
//! use tower::{Layer, ServiceExt};
//!
//! # #[derive(Debug)] struct MyError;
//! # impl From<notion_auth::Error> for MyError { fn from(_: notion_auth::Error) -> Self { MyError } }
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // Any tower service that sends whole-body requests can carry token requests.
//! let token_transport = tower::service_fn(|_req: Request<Bytes>| async {
//!     Ok::<_, std::io::Error>(Response::new(Bytes::new()))
//! });
//! let oauth = OAuthClient::new(
//!     "https://api.notion.com",
//!     OAuthClientCredentials::new("client-id", "client-secret"),
//!     token_transport,
//! )?;
//! let credentials = Credentials::oauth("access", Some("refresh".into()), None);
//! let auth = Authenticator::with_refresh(
//!     credentials,
//!     oauth,
//!     Some(Arc::new(|pair: &notion_auth::TokenPair| {
//!         // Persist pair.access_token.expose_secret() and the refresh token here.
//!         let _ = pair;
//!     })),
//! )?;
//! let api = tower::service_fn(|_req: Request<Bytes>| async {
//!     Ok::<_, MyError>(Response::new(Bytes::new()))
//! });
//! let response = AuthLayer::new(auth).layer(api).oneshot(Request::new(Bytes::new())).await;
//! # let _ = response;
//! # Ok(())
//! # }
//! ```

mod credentials;
mod layer;
mod oauth;

use std::sync::Arc;

pub use credentials::{
    AccessToken, ClientId, ClientSecret, Credentials, OAuthClientCredentials, OAuthCredentials,
    RefreshToken, TokenPair,
};
pub use layer::{Auth, AuthLayer, Authenticator, OnTokenRotation};
pub use notion_model::IntrospectResponse;
pub use oauth::{OAuthClient, TokenDetails, TokenGrant, TokenTransport};

/// A boxed error, as used at tower service boundaries.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Errors of this crate. None of them contains a secret.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A credential cannot be used as given.
    #[error("invalid {field}: {reason}")]
    InvalidCredential {
        /// Which credential.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Notion's OAuth endpoint refused the request (e.g. `invalid_grant` for a reused refresh
    /// token, `invalid_client` for wrong client credentials).
    #[error("{}", rejected_message(*.status, .code.as_deref(), .message, .request_id.as_deref()))]
    OAuthRejected {
        /// HTTP status.
        status: u16,
        /// OAuth error code (`invalid_grant`, `invalid_client`, …).
        code: Option<String>,
        /// Notion's explanation.
        message: String,
        /// Notion's request id, for support.
        request_id: Option<String>,
    },
    /// The access token was rejected and cannot be refreshed.
    #[error("the access token was rejected (401) and cannot be refreshed: {reason}")]
    RefreshUnavailable {
        /// Why no refresh is possible.
        reason: &'static str,
    },
    /// The token endpoint could not be reached.
    #[error("could not reach Notion's OAuth token endpoint: {0}")]
    Transport(#[source] Arc<dyn std::error::Error + Send + Sync>),
    /// The token endpoint answered something that is not a token response.
    #[error("unexpected answer from Notion's OAuth endpoint (HTTP {}): {detail}", status.map_or_else(|| "?".to_owned(), |s| s.to_string()))]
    InvalidResponse {
        /// HTTP status, when known.
        status: Option<u16>,
        /// What was wrong (never the body itself).
        detail: String,
    },
    /// The OAuth configuration is invalid.
    #[error("invalid OAuth configuration: {0}")]
    Configuration(String),
}

impl Error {
    /// True when Notion rejected the grant: the authorization code or refresh token is invalid,
    /// expired, revoked or was already used. Only a new authorization helps.
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, Self::OAuthRejected { code: Some(code), .. } if code == "invalid_grant")
    }

    /// True for failures that may go away by themselves (the token endpoint could not be
    /// reached, or answered with a server error): trying again later can succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport(_) => true,
            Self::OAuthRejected { status, .. } => *status >= 500,
            Self::InvalidResponse { status, .. } => status.is_none_or(|s| s >= 500),
            _ => false,
        }
    }
}

fn rejected_message(
    status: u16,
    code: Option<&str>,
    message: &str,
    request_id: Option<&str>,
) -> String {
    let code_text = code.unwrap_or("unknown_error");
    let hint = match code {
        Some("invalid_grant") => {
            "the authorization code or refresh token is invalid, expired, revoked or was already \
             used; re-authorize the integration to get a new token pair"
        }
        Some("invalid_client") => "check the OAuth client id and client secret",
        Some("unauthorized_client") | Some("unsupported_grant_type") | Some("invalid_scope") => {
            "the integration is not allowed to use this grant; check its OAuth settings"
        }
        _ => "check the OAuth configuration of the integration",
    };
    let mut text = format!(
        "Notion rejected the OAuth token request (HTTP {status}, {code_text}): {message}; {hint}"
    );
    if let Some(id) = request_id {
        text.push_str(&format!(" (request id {id})"));
    }
    text
}
