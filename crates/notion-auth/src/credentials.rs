//! Credentials and the secret types that hold them.
//!
//! Every secret is a [`secrecy::SecretString`] behind a newtype whose `Debug` and `Display`
//! print `[redacted]`. The only ways to read a secret are [`AccessToken::expose_secret`] (and
//! its siblings), meant for persisting a rotated token, and [`AccessToken::bearer_header`], which
//! returns a header value already marked sensitive.

use std::fmt;

use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::Error;

const REDACTED: &str = "[redacted]";

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// Returns the secret text. Use it only to hand the value to secure storage.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({REDACTED})", stringify!($name))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(REDACTED)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }
    };
}

secret_type!(
    /// A bearer token: an internal-integration token, a personal access token or an OAuth
    /// access token.
    AccessToken
);
secret_type!(
    /// An OAuth 2.0 refresh token. Notion rotates it on every refresh.
    RefreshToken
);
secret_type!(
    /// The client secret of a public (OAuth) integration.
    ClientSecret
);

impl AccessToken {
    /// Returns `Bearer <token>` as a header value marked sensitive, so that HTTP libraries and
    /// tracing layers never print it.
    pub fn bearer_header(&self) -> Result<HeaderValue, Error> {
        let mut value =
            HeaderValue::try_from(format!("Bearer {}", self.expose_secret())).map_err(|_| {
                Error::InvalidCredential {
                    field: "access_token",
                    reason: "contains characters that are not allowed in an HTTP header",
                }
            })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// The client id of a public integration. Not a secret, but sent only to the token endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    /// Wraps a client id.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The client id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The OAuth client credentials of a public integration (sent with HTTP Basic authentication to
/// the token endpoint).
#[derive(Clone, Debug)]
pub struct OAuthClientCredentials {
    /// The integration's OAuth client id.
    pub client_id: ClientId,
    /// The integration's OAuth client secret.
    pub client_secret: ClientSecret,
}

impl OAuthClientCredentials {
    /// Creates client credentials.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: ClientId::new(client_id),
            client_secret: ClientSecret::new(client_secret),
        }
    }
}

/// An access token with the refresh token that was issued with it, if any.
///
/// This is what the token-rotation callback receives: persist both values, because Notion
/// invalidates a refresh token once it has been used.
#[derive(Clone, Debug)]
pub struct TokenPair {
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token, when the authorization server issued one.
    pub refresh_token: Option<RefreshToken>,
}

/// OAuth 2.0 credentials of a public integration.
#[derive(Clone, Debug)]
pub struct OAuthCredentials {
    /// The current access token.
    pub access_token: AccessToken,
    /// The refresh token; without it a 401 cannot be recovered.
    pub refresh_token: Option<RefreshToken>,
    /// The client id and secret; required for refreshing.
    pub client: Option<OAuthClientCredentials>,
}

/// How requests are authenticated.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// A static token: an internal-integration token (`ntn_…`, older `secret_…`) or a personal
    /// access token. It is never refreshed.
    Token(AccessToken),
    /// OAuth 2.0 tokens of a public integration, refreshed on a 401 when a refresh token and the
    /// client credentials are present.
    OAuth(OAuthCredentials),
}

impl Credentials {
    /// Static token credentials.
    pub fn token(token: impl Into<String>) -> Self {
        Self::Token(AccessToken::new(token))
    }

    /// OAuth credentials with an optional refresh token and client credentials.
    pub fn oauth(
        access_token: impl Into<String>,
        refresh_token: Option<String>,
        client: Option<OAuthClientCredentials>,
    ) -> Self {
        Self::OAuth(OAuthCredentials {
            access_token: AccessToken::new(access_token),
            refresh_token: refresh_token.map(RefreshToken::new),
            client,
        })
    }

    /// The access token sent with the next request.
    pub fn access_token(&self) -> &AccessToken {
        match self {
            Self::Token(token) => token,
            Self::OAuth(oauth) => &oauth.access_token,
        }
    }

    /// True when a 401 can be recovered by refreshing (OAuth with a refresh token and client
    /// credentials).
    pub fn can_refresh(&self) -> bool {
        matches!(
            self,
            Self::OAuth(OAuthCredentials {
                refresh_token: Some(_),
                client: Some(_),
                ..
            })
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let creds = Credentials::oauth(
            "ntn_access_secret_value",
            Some("refresh_secret_value".into()),
            Some(OAuthClientCredentials::new(
                "client-id",
                "client_secret_value",
            )),
        );
        let debug = format!("{creds:?}");
        assert!(!debug.contains("ntn_access_secret_value"), "{debug}");
        assert!(!debug.contains("refresh_secret_value"), "{debug}");
        assert!(!debug.contains("client_secret_value"), "{debug}");
        assert!(debug.contains("[redacted]"));
        assert!(debug.contains("client-id"));
        assert_eq!(creds.access_token().to_string(), "[redacted]");
        assert_eq!(
            format!("{:?}", creds.access_token()),
            "AccessToken([redacted])"
        );
        assert!(creds.can_refresh());
        assert!(!Credentials::token("x").can_refresh());
    }

    #[test]
    fn bearer_header_is_sensitive() {
        let token = AccessToken::new("ntn_abc");
        let header = token.bearer_header().unwrap();
        assert!(header.is_sensitive());
        assert_eq!(header.to_str().unwrap(), "Bearer ntn_abc");
        assert!(!format!("{header:?}").contains("ntn_abc"));
    }

    #[test]
    fn bearer_header_rejects_control_characters_without_echoing_them() {
        let err = AccessToken::new("ntn_abc\nxyz")
            .bearer_header()
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("ntn_abc"), "{text}");
    }
}
