//! Tokens, capabilities and OAuth state.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

use crate::error::ApiError;

/// The capabilities of a connection (Notion's integration settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Read content (pages, databases, data sources, blocks, search).
    pub read_content: bool,
    /// Read comments.
    pub read_comments: bool,
    /// Read user information (users list and retrieve).
    pub read_user_information: bool,
}

impl Capabilities {
    /// Every read capability on.
    pub const ALL: Capabilities = Capabilities {
        read_content: true,
        read_comments: true,
        read_user_information: true,
    };
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities::ALL
    }
}

/// An OAuth client registered with the fake.
#[derive(Clone)]
pub struct OAuthClient {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

#[derive(Debug, Clone)]
struct TokenEntry {
    caps: Capabilities,
    /// Requests left before the token expires.
    remaining: Option<u64>,
    revoked: bool,
    issued_at: i64,
}

#[derive(Debug, Clone)]
struct CodeEntry {
    client_id: String,
    redirect_uri: Option<String>,
    used: bool,
}

#[derive(Debug, Clone)]
struct RefreshEntry {
    client_id: String,
    used: bool,
}

#[derive(Debug, Default)]
struct State {
    tokens: HashMap<String, TokenEntry>,
    clients: HashMap<String, String>,
    codes: HashMap<String, CodeEntry>,
    refresh: HashMap<String, RefreshEntry>,
    oauth_expire_after: Option<u64>,
    seq: u64,
}

/// A token pair issued by the OAuth endpoint.
#[derive(Clone)]
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
}

/// Token store.
#[derive(Debug)]
pub(crate) struct Auth {
    state: Mutex<State>,
    rand: std::collections::hash_map::RandomState,
}

impl Auth {
    pub(crate) fn new() -> Self {
        Auth {
            state: Mutex::new(State::default()),
            rand: std::collections::hash_map::RandomState::new(),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        self.state.lock().ok().map(|mut s| f(&mut s))
    }

    fn random_suffix(&self, seq: u64) -> String {
        let mut h = self.rand.build_hasher();
        h.write_u64(seq);
        let a = h.finish();
        h.write_u64(a);
        format!("{a:016x}{:016x}", h.finish())
    }

    pub(crate) fn add_token(&self, token: &str, caps: Capabilities, now: i64) {
        self.with(|s| {
            s.tokens.insert(
                token.to_owned(),
                TokenEntry {
                    caps,
                    remaining: None,
                    revoked: false,
                    issued_at: now,
                },
            )
        });
    }

    pub(crate) fn set_capabilities(&self, token: &str, caps: Capabilities) -> bool {
        self.with(|s| s.tokens.get_mut(token).map(|t| t.caps = caps).is_some())
            .unwrap_or(false)
    }

    pub(crate) fn revoke(&self, token: &str) -> bool {
        self.with(|s| s.tokens.get_mut(token).map(|t| t.revoked = true).is_some())
            .unwrap_or(false)
    }

    pub(crate) fn expire_after(&self, token: &str, requests: u64) -> bool {
        self.with(|s| {
            s.tokens
                .get_mut(token)
                .map(|t| t.remaining = Some(requests))
                .is_some()
        })
        .unwrap_or(false)
    }

    pub(crate) fn set_oauth_expiry(&self, requests: Option<u64>) {
        self.with(|s| s.oauth_expire_after = requests);
    }

    /// Checks a bearer token and spends one of its requests.
    pub(crate) fn authorize(&self, token: &str) -> Result<Capabilities, ApiError> {
        self.with(|s| {
            let t = s.tokens.get_mut(token).ok_or_else(ApiError::unauthorized)?;
            if t.revoked {
                return Err(ApiError::unauthorized());
            }
            if let Some(r) = t.remaining.as_mut() {
                if *r == 0 {
                    return Err(ApiError::unauthorized());
                }
                *r -= 1;
            }
            Ok(t.caps)
        })
        .unwrap_or_else(|| Err(ApiError::internal()))
    }

    pub(crate) fn add_client(&self, client: &OAuthClient) {
        self.with(|s| {
            s.clients
                .insert(client.client_id.clone(), client.client_secret.clone())
        });
    }

    pub(crate) fn issue_code(&self, client_id: &str, redirect_uri: Option<&str>) -> String {
        self.with(|s| {
            s.seq += 1;
            let code = format!("fake_code_{}", self.random_suffix(s.seq));
            s.codes.insert(
                code.clone(),
                CodeEntry {
                    client_id: client_id.to_owned(),
                    redirect_uri: redirect_uri.map(str::to_owned),
                    used: false,
                },
            );
            code
        })
        .unwrap_or_default()
    }

    /// Checks HTTP Basic client credentials.
    pub(crate) fn check_client(&self, id: &str, secret: &str) -> bool {
        self.with(|s| s.clients.get(id).is_some_and(|x| x == secret))
            .unwrap_or(false)
    }

    fn issue_pair(&self, s: &mut State, client_id: &str, now: i64) -> Issued {
        s.seq += 1;
        let access_token = format!("ntn_fake_{}", self.random_suffix(s.seq));
        s.seq += 1;
        let refresh_token = format!("nrt_fake_{}", self.random_suffix(s.seq));
        s.tokens.insert(
            access_token.clone(),
            TokenEntry {
                caps: Capabilities::ALL,
                remaining: s.oauth_expire_after,
                revoked: false,
                issued_at: now,
            },
        );
        s.refresh.insert(
            refresh_token.clone(),
            RefreshEntry {
                client_id: client_id.to_owned(),
                used: false,
            },
        );
        Issued {
            access_token,
            refresh_token,
        }
    }

    pub(crate) fn exchange_code(
        &self,
        client_id: &str,
        code: &str,
        redirect_uri: Option<&str>,
        now: i64,
    ) -> Result<Issued, ApiError> {
        self.with(|s| {
            let entry = s
                .codes
                .get_mut(code)
                .ok_or_else(|| ApiError::invalid_grant("Invalid code."))?;
            if entry.used {
                return Err(ApiError::invalid_grant(
                    "Invalid code: this code has been revoked.",
                ));
            }
            if entry.client_id != client_id {
                return Err(ApiError::invalid_grant("Invalid code."));
            }
            if entry.redirect_uri.is_some() && entry.redirect_uri.as_deref() != redirect_uri {
                return Err(ApiError::invalid_grant("Invalid redirect_uri."));
            }
            entry.used = true;
            Ok(self.issue_pair(s, client_id, now))
        })
        .unwrap_or_else(|| Err(ApiError::internal()))
    }

    pub(crate) fn refresh(
        &self,
        client_id: &str,
        refresh_token: &str,
        now: i64,
    ) -> Result<Issued, ApiError> {
        self.with(|s| {
            let entry = s
                .refresh
                .get_mut(refresh_token)
                .ok_or_else(|| ApiError::invalid_grant("Invalid refresh token."))?;
            if entry.used || entry.client_id != client_id {
                return Err(ApiError::invalid_grant(
                    "Invalid refresh token: this token has been revoked.",
                ));
            }
            entry.used = true;
            Ok(self.issue_pair(s, client_id, now))
        })
        .unwrap_or_else(|| Err(ApiError::internal()))
    }

    /// `(active, issued_at)` for introspection.
    pub(crate) fn introspect(&self, token: &str) -> (bool, Option<i64>) {
        self.with(|s| {
            if let Some(t) = s.tokens.get(token) {
                let active = !t.revoked && t.remaining != Some(0);
                return (active, Some(t.issued_at));
            }
            if let Some(r) = s.refresh.get(token) {
                return (!r.used, None);
            }
            (false, None)
        })
        .unwrap_or((false, None))
    }

    pub(crate) fn revoke_any(&self, token: &str) {
        self.with(|s| {
            if let Some(t) = s.tokens.get_mut(token) {
                t.revoked = true;
            }
            if let Some(r) = s.refresh.get_mut(token) {
                r.used = true;
            }
        });
    }
}
