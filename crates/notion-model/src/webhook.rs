//! Webhook events.

use serde_json::Value;

use crate::codec::object;
use crate::{EntityRef, Id, Timestamp};

object! {
    /// A webhook event (`page.created`, `data_source.schema_updated`, `comment.created`, …).
    #[derive(Debug, Clone, PartialEq)]
    pub struct WebhookEvent {
        /// The event id.
        opt id: Id,
        /// When the event happened.
        opt timestamp: Timestamp,
        /// The workspace.
        opt workspace_id: Id,
        /// The workspace name.
        opt workspace_name: String,
        /// The subscription.
        opt subscription_id: Id,
        /// The integration.
        opt integration_id: Id,
        /// The event type (`page.created`, …).
        req event_type as "type": String,
        /// Who caused the event.
        opt authors: Vec<EntityRef>,
        /// Who can see the entity.
        opt accessible_by: Vec<EntityRef>,
        /// Delivery attempt, from 1.
        opt attempt_number: u64,
        /// The API version the payload follows.
        opt api_version: String,
        /// The object the event is about.
        opt entity: EntityRef,
        /// Event-specific data (kept as JSON).
        opt data: Value,
    }
}
