//! The receiver's handler: the verification token and events go to the store, durably, before
//! Notion gets its 2xx; new events are handed to the worker.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use notion_webhook::{Dedup, Error, Event, Handler, Queued, Verification, VerificationToken};
use tokio::sync::mpsc;

use super::store::{Store, StoredToken};

/// Recent event ids de-duplicated in memory before the store is asked.
const DEDUP_IN_MEMORY: usize = 10_000;

/// The store, shared by the receiver and the worker (each holds it for one statement or
/// transaction at a time).
pub(crate) type SharedStore = Arc<Mutex<Store>>;

/// Locks the store.
pub(crate) fn lock(store: &SharedStore) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|e| e.into_inner())
}

/// The watch's [`Handler`].
pub(crate) struct Receiver {
    store: SharedStore,
    /// Where the store is, to tell the person setting up.
    store_path: PathBuf,
    /// The `--db` given, for the command that shows the token again.
    db: PathBuf,
    token: Mutex<Option<StoredToken>>,
    dedup: Mutex<Dedup>,
    events: mpsc::UnboundedSender<Event>,
}

impl Receiver {
    /// A receiver over `store`, handing new events to `events`.
    pub(crate) fn new(
        store: SharedStore,
        store_path: PathBuf,
        db: PathBuf,
        events: mpsc::UnboundedSender<Event>,
    ) -> Result<Self, String> {
        let (token, recent) = {
            let s = lock(&store);
            let token = s.token().map_err(|e| e.to_string())?;
            let recent = s.recent_ids(DEDUP_IN_MEMORY).map_err(|e| e.to_string())?;
            (token, recent)
        };
        let mut dedup = Dedup::new(DEDUP_IN_MEMORY);
        dedup.restore(recent);
        Ok(Receiver {
            store,
            store_path,
            db,
            token: Mutex::new(token),
            dedup: Mutex::new(dedup),
            events,
        })
    }

    fn token_lock(&self) -> MutexGuard<'_, Option<StoredToken>> {
        self.token.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn storage(e: rusqlite::Error) -> Error {
    Error::Storage(e.to_string())
}

impl Handler for Receiver {
    fn token(&self) -> Option<VerificationToken> {
        self.token_lock().as_ref().map(|t| t.token.clone())
    }

    fn verification(&self, token: VerificationToken) -> notion_webhook::Result<Verification> {
        let mut current = self.token_lock();
        let outcome = match current.as_ref() {
            Some(t) if t.token == token => Verification::Unchanged,
            Some(t) if t.confirmed => Verification::Refused,
            _ => {
                lock(&self.store).set_token(&token).map_err(storage)?;
                *current = Some(StoredToken {
                    token: token.clone(),
                    confirmed: false,
                });
                Verification::Stored
            }
        };
        match outcome {
            Verification::Refused => eprintln!(
                "notion-source: refused a verification request: events were accepted with the \
                 token stored already. If the subscription was created again, restart with \
                 --reset-verification."
            ),
            _ => show_token(&token, &self.store_path, &self.db),
        }
        Ok(outcome)
    }

    fn event(&self, event: Event, body: &[u8]) -> notion_webhook::Result<Queued> {
        {
            let dedup = self.dedup.lock().unwrap_or_else(|e| e.into_inner());
            if dedup.contains(&event.id) {
                return Ok(Queued::Duplicate);
            }
        }
        let new = lock(&self.store)
            .queue(&event.id, event.kind.as_str(), body)
            .map_err(storage)?;
        self.dedup
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(&event.id);
        {
            let mut token = self.token_lock();
            if let Some(t) = token.as_mut()
                && !t.confirmed
            {
                lock(&self.store).confirm_token().map_err(storage)?;
                t.confirmed = true;
            }
        }
        if !new {
            return Ok(Queued::Duplicate);
        }
        // The worker may be gone (shutting down): the event is pending in the store and is
        // applied at the next start.
        let _ = self.events.send(event);
        Ok(Queued::New)
    }
}

/// Shows the verification token to the person setting the subscription up: on stderr, not in
/// the logs.
pub(crate) fn show_token(token: &VerificationToken, store: &std::path::Path, db: &std::path::Path) {
    eprintln!(
        "\nnotion-source: Notion sent the webhook subscription's verification token:\n\n    {}\n\n\
         Paste it into the integration's Webhooks tab to verify the subscription. It is stored in \
         {}; `notion-source watch --db {} --show-verification-token` prints it again.\n",
        token.expose(),
        store.display(),
        db.display()
    );
}
