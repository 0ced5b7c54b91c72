//! A [`Handler`] in memory: the token, recent ids and queued events held by the process. For
//! tests and for receivers that can afford to lose what a restart drops.

use std::sync::{Mutex, MutexGuard};

use crate::dedup::Dedup;
use crate::endpoint::{Handler, Queued, Verification};
use crate::error::Result;
use crate::event::Event;
use crate::signature::VerificationToken;

/// A handler keeping everything in memory: the first token it is given (a later, different
/// one is refused once an event was accepted with it), up to `capacity` recent event ids, and
/// the events queued.
#[derive(Debug)]
pub struct MemoryHandler {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    token: Option<VerificationToken>,
    confirmed: bool,
    dedup: Dedup,
    queued: Vec<Event>,
}

impl MemoryHandler {
    /// A handler without a token, remembering up to `capacity` event ids.
    pub fn new(capacity: usize) -> Self {
        MemoryHandler {
            inner: Mutex::new(Inner {
                token: None,
                confirmed: false,
                dedup: Dedup::new(capacity),
                queued: Vec::new(),
            }),
        }
    }

    /// A handler that knows its token already.
    pub fn with_token(token: VerificationToken, capacity: usize) -> Self {
        let handler = MemoryHandler::new(capacity);
        handler.lock().token = Some(token);
        handler
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the events queued so far, in arrival order.
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut self.lock().queued)
    }
}

impl Handler for MemoryHandler {
    fn token(&self) -> Option<VerificationToken> {
        self.lock().token.clone()
    }

    fn verification(&self, token: VerificationToken) -> Result<Verification> {
        let mut inner = self.lock();
        Ok(match &inner.token {
            Some(t) if *t == token => Verification::Unchanged,
            Some(_) if inner.confirmed => Verification::Refused,
            _ => {
                inner.token = Some(token);
                Verification::Stored
            }
        })
    }

    fn event(&self, event: Event, _body: &[u8]) -> Result<Queued> {
        let mut inner = self.lock();
        inner.confirmed = true;
        if !inner.dedup.insert(&event.id) {
            return Ok(Queued::Duplicate);
        }
        inner.queued.push(event);
        Ok(Queued::New)
    }
}
