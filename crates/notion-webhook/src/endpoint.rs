//! The receiving end, without HTTP plumbing: one request in, one reply out.
//!
//! [`Endpoint::respond`] decides every answer: the verification request is handed to the
//! [`Handler`] to store; an event is checked against the stored token's signature, decoded and
//! handed over to be queued durably, and only then acknowledged (2xx), so that a receiver
//! killed at any point loses nothing Notion will not deliver again.

use crate::error::{Error, Result};
use crate::event::{Delivery, Event, EventKind};
use crate::signature::{VerificationToken, verify};

/// The default limit of a request body. Notion's events are well under 4 KiB.
pub const DEFAULT_MAX_BODY: usize = 256 * 1024;

/// Where deliveries go: the receiver's storage.
///
/// Methods are called on the connection's task and should be quick (a local write).
pub trait Handler: Send + Sync + 'static {
    /// The token events are verified with; `None` until the verification request came.
    fn token(&self) -> Option<VerificationToken>;

    /// Notion's verification request: store the token durably and show it to the person
    /// setting the subscription up (who pastes it into the integration's settings).
    fn verification(&self, token: VerificationToken) -> Result<Verification>;

    /// A verified event: queue it durably, unless its id was seen before. The event is
    /// acknowledged when this returns `Ok`; an `Err` is answered 503, and Notion retries.
    fn event(&self, event: Event, body: &[u8]) -> Result<Queued>;
}

/// What the handler did with a verification request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verification {
    /// A new token was stored.
    Stored,
    /// The token stored already (a resent request).
    Unchanged,
    /// Refused: another token is in use (its events were accepted). Answered 409.
    Refused,
}

/// What the handler did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Queued {
    /// Queued durably.
    New,
    /// Seen before: acknowledged, nothing changed.
    Duplicate,
}

/// A request, as far as the endpoint cares.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The path (any path receives events; `/healthz` answers health checks).
    pub path: &'a str,
    /// The `X-Notion-Signature` header, if any.
    pub signature: Option<&'a str>,
    /// The raw body.
    pub body: &'a [u8],
}

/// What became of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A verification request.
    Verification(Verification),
    /// An event, queued or a duplicate.
    Event {
        /// Its id.
        id: String,
        /// Its type.
        kind: EventKind,
        /// New or duplicate.
        queued: Queued,
    },
    /// Refused, for this reason (nothing changed).
    Refused(Error),
    /// A health check.
    Health,
    /// Not a POST.
    WrongMethod,
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// A short plain-text body.
    pub message: &'static str,
    /// What happened.
    pub outcome: Outcome,
}

impl Reply {
    fn new(status: u16, message: &'static str, outcome: Outcome) -> Self {
        Reply {
            status,
            message,
            outcome,
        }
    }

    fn refused(error: Error) -> Self {
        let (status, message) = match &error {
            Error::MissingSignature | Error::MalformedSignature | Error::SignatureMismatch => {
                (401, "invalid signature\n")
            }
            Error::NotVerified => (
                401,
                "not verified yet: waiting for the subscription's verification request\n",
            ),
            Error::NotJson(_) | Error::NotAnEvent(_) => (400, "malformed event\n"),
            Error::TooLarge { .. } => (413, "body too large\n"),
            Error::Storage(_) => (503, "cannot store the event now; retry later\n"),
        };
        Reply::new(status, message, Outcome::Refused(error))
    }
}

/// The webhook endpoint: checks and routes each request to a [`Handler`].
#[derive(Debug)]
pub struct Endpoint<H> {
    handler: H,
    max_body: usize,
}

impl<H: Handler> Endpoint<H> {
    /// An endpoint handing deliveries to `handler`, with bodies up to [`DEFAULT_MAX_BODY`].
    pub fn new(handler: H) -> Self {
        Endpoint {
            handler,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Sets the largest body accepted, in bytes.
    pub fn with_max_body(mut self, max_body: usize) -> Self {
        self.max_body = max_body;
        self
    }

    /// The largest body accepted, in bytes.
    pub fn max_body(&self) -> usize {
        self.max_body
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// Answers one request.
    pub fn respond(&self, request: Request<'_>) -> Reply {
        if matches!(request.method, "GET" | "HEAD") && request.path == "/healthz" {
            return Reply::new(200, "ok\n", Outcome::Health);
        }
        if request.method != "POST" {
            return Reply::new(405, "POST only\n", Outcome::WrongMethod);
        }
        if request.body.len() > self.max_body {
            return Reply::refused(Error::TooLarge {
                limit: self.max_body,
            });
        }
        let Some(token) = self.handler.token() else {
            // Nothing can be verified yet: only the verification request is accepted.
            return match Delivery::parse(request.body) {
                Ok(Delivery::Verification(t)) => self.verification(t),
                _ => Reply::refused(Error::NotVerified),
            };
        };
        if let Err(e) = verify(&token, request.body, request.signature) {
            // A new subscription (or a resent token) sends an unsigned verification request.
            if e == Error::MissingSignature
                && let Ok(Delivery::Verification(t)) = Delivery::parse(request.body)
            {
                return self.verification(t);
            }
            return Reply::refused(e);
        }
        match Delivery::parse(request.body) {
            Err(e) => Reply::refused(e),
            Ok(Delivery::Verification(t)) => self.verification(t),
            Ok(Delivery::Event(event)) => {
                let (id, kind) = (event.id.clone(), event.kind.clone());
                match self.handler.event(*event, request.body) {
                    Ok(queued) => Reply::new(200, "ok\n", Outcome::Event { id, kind, queued }),
                    Err(e) => Reply::refused(e),
                }
            }
        }
    }

    fn verification(&self, token: VerificationToken) -> Reply {
        match self.handler.verification(token) {
            Ok(v @ (Verification::Stored | Verification::Unchanged)) => Reply::new(
                200,
                "verification token received\n",
                Outcome::Verification(v),
            ),
            Ok(v) => Reply::new(
                409,
                "a verification token is in use already\n",
                Outcome::Verification(v),
            ),
            Err(e) => Reply::refused(e),
        }
    }
}
