//! Notion webhooks: signature checking, typed events, de-duplication, and coalescing into
//! targeted reads — pure logic — plus a small HTTP receiver on hyper (feature `server`).
//!
//! Notion POSTs two kinds of bodies to a subscription's URL:
//!
//! - once, the **verification request** `{"verification_token": "secret_…"}`: the person setting
//!   the subscription up pastes that token into the integration's settings, and it is the key of
//!   every later signature;
//! - **events** (`{"id", "type", "entity", "data", …}`), each signed
//!   `X-Notion-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body keyed by the token.
//!
//! The pieces:
//!
//! - [`signature`]: [`sign`] and [`verify`] (constant-time), [`VerificationToken`] (redacted).
//! - [`event`]: [`Delivery`] and [`Event`], decoded leniently; unknown types are
//!   [`EventKind::Unknown`], never errors.
//! - [`target`]: what an event asks to read again ([`Event::disposition`] → [`Target`]s): the
//!   page and its blocks for content, the page for properties, moves and deletions, the comments
//!   of the block a comment is on, the data source or database for schema events.
//! - [`dedup`]: [`Dedup`], the bounded set of recent event ids.
//! - [`coalesce`]: [`Coalescer`], one read per object per window.
//! - [`endpoint`]: [`Endpoint`], one request in, one reply out, over a [`Handler`] that stores
//!   the token and queues events durably before they are acknowledged; [`MemoryHandler`] keeps
//!   them in memory.
//! - `server` (feature `server`): the HTTP/1.1 receiver.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use notion_webhook::{
//!     Coalescer, Disposition, Endpoint, MemoryHandler, Request, VerificationToken, sign,
//! };
//!
//! let endpoint = Endpoint::new(MemoryHandler::new(10_000));
//! let post = |signature: Option<&str>, body: &[u8]| {
//!     endpoint
//!         .respond(Request { method: "POST", path: "/", signature, body })
//!         .status
//! };
//!
//! // Before the verification request, events are refused.
//! let event = br#"{"id":"e1","type":"page.content_updated",
//!     "entity":{"id":"153104cd-477e-809d-8dc4-ff2d96ae3090","type":"page"}}"#;
//! assert_eq!(post(None, event), 401);
//! assert_eq!(post(None, br#"{"verification_token":"secret_x"}"#), 200);
//!
//! // Signed events are queued once; a bad signature changes nothing.
//! let token = VerificationToken::new("secret_x");
//! assert_eq!(post(Some(&sign(&token, b"{}")), event), 401);
//! assert_eq!(post(Some(&sign(&token, event)), event), 200);
//! assert_eq!(post(Some(&sign(&token, event)), event), 200); // a duplicate, acknowledged
//! let queued = endpoint.handler().take();
//! assert_eq!(queued.len(), 1);
//!
//! // Each event becomes targeted reads, coalesced per object.
//! let Disposition::Read(targets) = queued[0].disposition() else { unreachable!() };
//! let mut coalescer = Coalescer::new(Duration::from_secs(1));
//! let now = Instant::now();
//! for target in targets {
//!     coalescer.push(target, queued[0].id.clone(), now);
//! }
//! assert!(coalescer.take_due(now).is_empty());
//! let due = coalescer.take_due(now + Duration::from_secs(1));
//! assert_eq!(due[0].tags, ["e1"]);
//! ```

pub mod coalesce;
pub mod dedup;
pub mod endpoint;
pub mod error;
pub mod event;
pub mod memory;
#[cfg(feature = "server")]
pub mod server;
pub mod signature;
pub mod target;

pub use coalesce::{Batch, Coalescer};
pub use dedup::Dedup;
pub use endpoint::{Endpoint, Handler, Outcome, Queued, Reply, Request, Verification};
pub use error::{Error, Result};
pub use event::{Delivery, Entity, EntityKind, Event, EventKind};
pub use memory::MemoryHandler;
pub use signature::{SIGNATURE_HEADER, VerificationToken, sign, verify};
pub use target::{Comments, Disposition, Key, PageReads, Target};
