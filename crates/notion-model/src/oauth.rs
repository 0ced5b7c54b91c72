//! OAuth token and introspection responses.

use std::fmt;

use crate::codec::object;
use crate::{Id, Owner};

object! {
    /// The response of `POST /v1/oauth/token` (code exchange and refresh).
    ///
    /// There is no `expires_in`: refresh when a request answers 401 `unauthorized`. A refresh
    /// returns a new refresh token; store the pair.
    ///
    /// `Debug` redacts both tokens (and shows only the names of unknown members):
    ///
    /// ```
    /// use notion_model::TokenResponse;
    ///
    /// let token: TokenResponse = serde_json::from_str(
    ///     r#"{"access_token":"ntn_secret","token_type":"bearer","refresh_token":"nrt_secret",
    ///         "bot_id":"b3414d65-1224-4e5f-9c1a-cc9d8773d601"}"#,
    /// )?;
    /// let debug = format!("{token:?}");
    /// assert!(!debug.contains("ntn_secret") && !debug.contains("nrt_secret"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Clone, PartialEq)]
    pub struct TokenResponse {
        /// The access token (secret).
        req access_token: String,
        /// `bearer`.
        opt token_type: String,
        /// The refresh token (secret), `null` when none.
        null refresh_token: String,
        /// The bot (integration user) of this authorization.
        opt bot_id: Id,
        /// The workspace.
        opt workspace_id: Id,
        /// The workspace name.
        null workspace_name: String,
        /// The workspace icon (URL or emoji).
        null workspace_icon: String,
        /// Who authorized: the workspace or a user.
        opt owner: Owner,
        /// The page duplicated from the integration's template, if any.
        null duplicated_template_id: Id,
        /// The request id.
        opt request_id: String,
    }
}

const REDACTED: &str = "<redacted>";

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let refresh_token = self
            .refresh_token
            .as_ref()
            .map(|t| t.as_ref().map(|_| REDACTED));
        let extra_keys: Vec<&str> = self.extra.keys().map(String::as_str).collect();
        f.debug_struct("TokenResponse")
            .field("access_token", &REDACTED)
            .field("token_type", &self.token_type)
            .field("refresh_token", &refresh_token)
            .field("bot_id", &self.bot_id)
            .field("workspace_id", &self.workspace_id)
            .field("workspace_name", &self.workspace_name)
            .field("workspace_icon", &self.workspace_icon)
            .field("owner", &self.owner)
            .field("duplicated_template_id", &self.duplicated_template_id)
            .field("request_id", &self.request_id)
            .field("extra_keys", &extra_keys)
            .finish()
    }
}

impl TokenResponse {
    /// The refresh token, if there is one.
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_ref().and_then(Option::as_deref)
    }
}

object! {
    /// The response of `POST /v1/oauth/introspect`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct IntrospectResponse {
        /// Whether the token is active.
        req active: bool,
        /// The granted scope.
        opt scope: String,
        /// When the token was issued (seconds since the epoch).
        opt iat: u64,
        /// The request id.
        opt request_id: String,
    }
}
