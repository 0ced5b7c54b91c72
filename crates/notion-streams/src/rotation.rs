//! OAuth token rotation as an event: Notion rotates the refresh token on every refresh, so the
//! previous one stops working and the new pair must be stored before anything else happens.
//!
//! A [`Connector`](crate::Connector) built with [`Connector::new`](crate::Connector::new)
//! gives out each rotation as a [`TokensRotated`] value: wait for it with
//! [`Connector::rotated`](crate::Connector::rotated) (alongside a read's messages), or take the
//! latest with [`Connector::take_rotated`](crate::Connector::take_rotated) (after `check`).
//! The caller stores it: an Airbyte `CONTROL` message, or the configuration file rewritten.

use std::fmt;

use tokio::sync::{Mutex, mpsc};

use crate::client::OnRotation;
use crate::config::{Config, Secret};

/// OAuth tokens Notion has just rotated: the refresh token the configuration holds no longer
/// works. Store these at once ([`TokensRotated::apply_to`] a copy of the configuration).
#[derive(Clone, PartialEq, Eq)]
pub struct TokensRotated {
    /// The new access token.
    pub access_token: Secret,
    /// The new refresh token, when Notion sent one.
    pub refresh_token: Option<Secret>,
}

impl fmt::Debug for TokensRotated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokensRotated([redacted])")
    }
}

impl TokensRotated {
    /// Writes the new tokens into `config` (an OAuth configuration; others are unchanged).
    pub fn apply_to(&self, config: &mut Config) {
        config.set_oauth_tokens(
            self.access_token.expose(),
            self.refresh_token.as_ref().map(Secret::expose),
        );
    }
}

/// The receiving end of a connector's rotations.
pub(crate) struct Rotations {
    rx: Mutex<mpsc::UnboundedReceiver<TokensRotated>>,
}

impl Rotations {
    /// A sender for the HTTP client's rotation hook, and its receiver.
    pub(crate) fn channel() -> (OnRotation, Rotations) {
        let (tx, rx) = mpsc::unbounded_channel();
        let on_rotation: OnRotation = std::sync::Arc::new(move |access, refresh| {
            // The receiver lives as long as the connector that holds the client.
            let _ = tx.send(TokensRotated {
                access_token: Secret::new(access),
                refresh_token: refresh.map(Secret::new),
            });
        });
        (on_rotation, Rotations { rx: Mutex::new(rx) })
    }

    /// No rotation will ever come (a connector over an API built elsewhere).
    pub(crate) fn none() -> Rotations {
        let (_, rx) = mpsc::unbounded_channel();
        Rotations { rx: Mutex::new(rx) }
    }

    /// The latest rotation not yet taken, if any (earlier ones are superseded by it). While a
    /// caller waits in [`Rotations::next`], that caller gets it instead.
    pub(crate) fn take(&self) -> Option<TokensRotated> {
        let mut rx = self.rx.try_lock().ok()?;
        let mut latest = None;
        while let Ok(t) = rx.try_recv() {
            latest = Some(t);
        }
        latest
    }

    /// Waits for the next rotation (the latest, if several are queued); `None` when none can
    /// come.
    pub(crate) async fn next(&self) -> Option<TokensRotated> {
        let mut rx = self.rx.lock().await;
        let mut latest = rx.recv().await?;
        while let Ok(t) = rx.try_recv() {
            latest = t;
        }
        Some(latest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CredentialsConfig;

    #[tokio::test]
    async fn rotations_arrive_in_order_and_the_latest_wins() {
        let (on_rotation, rotations) = Rotations::channel();
        assert!(rotations.take().is_none());
        on_rotation("a1", Some("r1"));
        on_rotation("a2", Some("r2"));
        let t = rotations.take().unwrap();
        assert_eq!(t.access_token.expose(), "a2");
        assert!(rotations.take().is_none());
        on_rotation("a3", None);
        let t = rotations.next().await.unwrap();
        assert_eq!(t.access_token.expose(), "a3");
        assert!(!format!("{t:?}").contains("a3"));

        let mut config = Config::new(CredentialsConfig::OAuth2 {
            client_id: Secret::new("c"),
            client_secret: Secret::new("s"),
            access_token: Secret::new("a0"),
            refresh_token: Some(Secret::new("r0")),
        });
        t.apply_to(&mut config);
        assert_eq!(config.secrets(), vec!["c", "s", "a3", "r0"]);
        assert!(Rotations::none().next().await.is_none());
    }
}
