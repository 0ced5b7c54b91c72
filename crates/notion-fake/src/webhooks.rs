//! Webhook deliveries: the one-time verification request, then a signed event per mutation,
//! POSTed to a receiver on loopback, retried with backoff on a non-2xx answer, recorded with
//! the receiver's status codes; test hooks send events badly signed, unsigned, twice, out of
//! order, late, or of an unknown type.
//!
//! Deliveries run on tasks of the server's runtime: a mutation or an API handler only queues
//! an event. First attempts leave in the order of the mutations; retries and delayed events
//! are scheduled apart, so they never hold up the others.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use notion_model::{ApiVersion, EntityRef, Id, Timestamp, WebhookEvent};
use serde::Serialize;
use sha2::Sha256;
use tokio::sync::Notify;

use crate::error::FakeError;
use crate::rng;

/// Where and how the fake delivers webhook events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// The receiver: an `http://` URL on loopback (`127.0.0.1`, `localhost` or `[::1]`).
    pub url: String,
    /// Delivery attempts per event, the first included (Notion retries a few times).
    /// Default 4.
    pub max_attempts: u32,
    /// The wait before the second attempt; it doubles before each further one. Default 1 s.
    pub first_retry: Duration,
    /// The API version of the payloads: `2025-09-03` and later send `data_source.*` events,
    /// `2022-06-28` the `database.*` ones. Default `2025-09-03`.
    pub api_version: ApiVersion,
}

impl WebhookConfig {
    /// A subscription delivering to `url` with the default retries.
    pub fn new(url: impl Into<String>) -> Self {
        WebhookConfig {
            url: url.into(),
            max_attempts: 4,
            first_retry: Duration::from_secs(1),
            api_version: ApiVersion::V2025_09_03,
        }
    }
}

/// A deliberate fault of the next webhook events (test hooks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookFault {
    /// `X-Notion-Signature` computed with a wrong key.
    BadSignature,
    /// No `X-Notion-Signature` header.
    Unsigned,
    /// The event is delivered twice (the same event id).
    Duplicate,
    /// The event is held back and delivered after the next one.
    Reorder,
    /// The event is delivered after this delay.
    Delay(Duration),
}

/// One POST the fake made to the receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// The event id (`None` for the verification request).
    pub event_id: Option<Id>,
    /// The event type (`verification` for the verification request).
    pub event_type: String,
    /// The attempt, from 1 (`attempt_number` in the body).
    pub attempt: u32,
    /// The raw body sent.
    pub body: String,
    /// The `X-Notion-Signature` header sent, if any.
    pub signature: Option<String>,
    /// The receiver's status (`None`: no answer, the connection failed).
    pub status: Option<u16>,
}

/// `{id, type, data_source_id?}`: the parent of an event's entity.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WebhookParent {
    pub(crate) id: Id,
    #[serde(rename = "type")]
    pub(crate) parent_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) data_source_id: Option<Id>,
}

/// `{id, type}`: a block a content update touched.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct UpdatedBlock {
    pub(crate) id: Id,
    #[serde(rename = "type")]
    pub(crate) block_type: &'static str,
}

/// `{id, name, action}`: a property a schema update touched.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct UpdatedProperty {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) action: &'static str,
}

/// The `data` member of an event.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct EventData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) parent: Option<WebhookParent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) page_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) updated_blocks: Option<Vec<UpdatedBlock>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) updated_properties: Option<serde_json::Value>,
}

/// An event to deliver, before its envelope.
#[derive(Debug, Clone)]
pub(crate) struct EventSpec {
    pub(crate) event_type: String,
    pub(crate) entity: (Id, &'static str),
    pub(crate) data: EventData,
}

/// Who the events name: the workspace and the people involved.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub(crate) workspace_id: Id,
    pub(crate) workspace_name: String,
    pub(crate) bot: Id,
    pub(crate) author: Id,
    pub(crate) now: DateTime<Utc>,
}

/// A POST to make.
#[derive(Debug, Clone)]
struct Job {
    event_id: Option<Id>,
    event_type: String,
    /// The event without its `attempt_number` (set per attempt); `None`: the verification.
    event: Option<Box<WebhookEvent>>,
    attempt: u32,
    fault: Option<WebhookFault>,
}

#[derive(Debug, Default)]
struct State {
    config: Option<WebhookConfig>,
    token: Option<String>,
    subscription: Option<Id>,
    faults: VecDeque<WebhookFault>,
    held: Option<Job>,
    log: Vec<WebhookDelivery>,
}

/// The webhook subscription of one fake server.
#[derive(Debug)]
pub(crate) struct Webhooks {
    state: Mutex<State>,
    tx: tokio::sync::mpsc::UnboundedSender<Job>,
    rx: Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<Job>>>,
    runtime: tokio::runtime::Handle,
    seed: u64,
    seq: AtomicU64,
    /// Jobs queued, in flight or waiting for a retry.
    pending: AtomicUsize,
    idle: Notify,
}

type HmacSha256 = Hmac<Sha256>;

/// `sha256=<hex HMAC-SHA256 of body keyed by key>`.
pub(crate) fn signature(key: &str, body: &[u8]) -> String {
    let Ok(mut mac) = HmacSha256::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Whether a receiver URL is on loopback.
fn loopback(url: &str) -> Result<(String, u16, String), FakeError> {
    let u =
        url::Url::parse(url).map_err(|e| FakeError::Option(format!("webhook URL `{url}`: {e}")))?;
    if u.scheme() != "http" {
        return Err(FakeError::Option(format!(
            "webhook URL `{url}`: only http:// on loopback"
        )));
    }
    let host = match u.host() {
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => ip.to_string(),
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => ip.to_string(),
        Some(url::Host::Domain("localhost")) => "127.0.0.1".to_owned(),
        _ => {
            return Err(FakeError::Option(format!(
                "webhook URL `{url}`: the receiver must be on loopback"
            )));
        }
    };
    let port = u.port_or_known_default().unwrap_or(80);
    let mut path = u.path().to_owned();
    if let Some(q) = u.query() {
        path.push('?');
        path.push_str(q);
    }
    Ok((host, port, path))
}

impl Webhooks {
    pub(crate) fn new(runtime: tokio::runtime::Handle, seed: u64) -> Self {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        Webhooks {
            state: Mutex::new(State::default()),
            tx,
            rx: Mutex::new(Some(rx)),
            runtime,
            seed,
            seq: AtomicU64::new(0),
            pending: AtomicUsize::new(0),
            idle: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn next_id(&self) -> Id {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let a = rng::hash(self.seed, &[0x3EB, n]);
        let b = rng::mix(a ^ n);
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_be_bytes());
        bytes[8..].copy_from_slice(&b.to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Id::from_bytes(bytes)
    }

    /// Subscribes `config.url` and sends it the verification request; returns the
    /// verification token that signs the events. Replaces an earlier subscription.
    pub(crate) fn subscribe(
        self: &std::sync::Arc<Self>,
        config: WebhookConfig,
    ) -> Result<String, FakeError> {
        loopback(&config.url)?;
        if config.max_attempts == 0 {
            return Err(FakeError::Option(
                "webhook max_attempts must be at least 1".to_owned(),
            ));
        }
        self.start_worker();
        let token = format!(
            "secret_{:016x}{:016x}",
            rng::hash(
                self.seed,
                &[0x70C, self.seq.fetch_add(1, Ordering::Relaxed)]
            ),
            rng::hash(self.seed, &[0x70D])
        );
        let subscription = self.next_id();
        {
            let mut st = self.state();
            st.config = Some(config);
            st.token = Some(token.clone());
            st.subscription = Some(subscription);
        }
        self.queue(Job {
            event_id: None,
            event_type: "verification".to_owned(),
            event: None,
            attempt: 1,
            fault: None,
        });
        Ok(token)
    }

    /// The verification token of the subscription.
    pub(crate) fn token(&self) -> Option<String> {
        self.state().token.clone()
    }

    /// The API version of the subscription's payloads (`None`: no subscription).
    pub(crate) fn api_version(&self) -> Option<ApiVersion> {
        self.state().config.as_ref().map(|c| c.api_version)
    }

    /// The next `count` events get `fault`.
    pub(crate) fn script(&self, count: u32, fault: WebhookFault) {
        let mut st = self.state();
        for _ in 0..count {
            st.faults.push_back(fault);
        }
    }

    /// Every POST made so far.
    pub(crate) fn deliveries(&self) -> Vec<WebhookDelivery> {
        self.state().log.clone()
    }

    /// Queues an event (nothing when no receiver is subscribed); returns its id.
    pub(crate) fn emit(&self, spec: EventSpec, cx: &Context) -> Option<Id> {
        let (subscription, version) = {
            let st = self.state();
            (st.subscription?, st.config.as_ref()?.api_version)
        };
        let id = self.next_id();
        let person = |id: Id, ty: &str| EntityRef {
            id: Some(id),
            entity_type: Some(ty.to_owned()),
            extra: Default::default(),
        };
        let event = WebhookEvent {
            id: Some(id),
            timestamp: Some(Timestamp::from_datetime(cx.now)),
            workspace_id: Some(cx.workspace_id),
            workspace_name: Some(cx.workspace_name.clone()),
            subscription_id: Some(subscription),
            integration_id: Some(cx.bot),
            event_type: spec.event_type.clone(),
            authors: Some(vec![person(cx.author, "person")]),
            accessible_by: Some(vec![person(cx.author, "person"), person(cx.bot, "bot")]),
            attempt_number: Some(1),
            api_version: Some(version.as_str().to_owned()),
            entity: Some(person(spec.entity.0, spec.entity.1)),
            data: serde_json::to_value(&spec.data).ok(),
            extra: Default::default(),
        };
        let fault = self.state().faults.pop_front();
        let job = Job {
            event_id: Some(id),
            event_type: spec.event_type,
            event: Some(Box::new(event)),
            attempt: 1,
            fault,
        };
        match fault {
            Some(WebhookFault::Reorder) => {
                let earlier = self.state().held.replace(job);
                if let Some(earlier) = earlier {
                    self.queue(earlier);
                }
            }
            Some(WebhookFault::Duplicate) => {
                self.queue(job.clone());
                self.queue(job);
            }
            _ => {
                self.queue(job);
                let held = self.state().held.take();
                if let Some(held) = held {
                    self.queue(held);
                }
            }
        }
        Some(id)
    }

    fn queue(&self, job: Job) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        if self.tx.send(job).is_err() {
            self.done();
        }
    }

    fn done(&self) {
        if self.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }

    /// Waits until every queued delivery, retry and delayed event is done (held events
    /// excepted), or `timeout` passes.
    pub(crate) async fn settle(&self, timeout: Duration) {
        let wait = async {
            loop {
                let notified = self.idle.notified();
                if self.pending.load(Ordering::SeqCst) == 0 {
                    return;
                }
                notified.await;
            }
        };
        let _ = tokio::time::timeout(timeout, wait).await;
    }

    /// Starts the delivery task (once).
    fn start_worker(self: &std::sync::Arc<Self>) {
        let rx = self.rx.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(mut rx) = rx else {
            return;
        };
        let me = std::sync::Arc::downgrade(self);
        self.runtime.spawn(async move {
            while let Some(job) = rx.recv().await {
                let Some(hooks) = me.upgrade() else {
                    return;
                };
                if let Some(WebhookFault::Delay(d)) = job.fault {
                    hooks.schedule(job, d);
                } else if let Some((next, backoff)) = hooks.attempt(job).await {
                    hooks.schedule(next, backoff);
                }
            }
        });
    }

    /// Makes an attempt after `delay` on its own task (retries and delayed events), and the
    /// retries it needs.
    fn schedule(self: &std::sync::Arc<Self>, job: Job, delay: Duration) {
        let me = self.clone();
        self.runtime.spawn(async move {
            tokio::time::sleep(delay).await;
            if let Some((next, backoff)) = me.attempt(job).await {
                me.schedule(next, backoff);
            }
        });
    }

    /// Makes one attempt; on failure, the next attempt and when it is due (it counts as
    /// pending already).
    async fn attempt(&self, job: Job) -> Option<(Job, Duration)> {
        let (config, token) = {
            let st = self.state();
            (st.config.clone(), st.token.clone())
        };
        let (Some(config), Some(token)) = (config, token) else {
            self.done();
            return None;
        };
        let body = match &job.event {
            None => serde_json::json!({ "verification_token": token }).to_string(),
            Some(event) => {
                let mut e = (**event).clone();
                e.attempt_number = Some(u64::from(job.attempt));
                serde_json::to_string(&e).unwrap_or_default()
            }
        };
        let signature = match (&job.event, job.fault) {
            (None, _) | (_, Some(WebhookFault::Unsigned)) => None,
            (_, Some(WebhookFault::BadSignature)) => Some(signature(
                "secret_not_the_verification_token",
                body.as_bytes(),
            )),
            _ => Some(signature(&token, body.as_bytes())),
        };
        let status = post(&config.url, &body, signature.as_deref()).await;
        self.state().log.push(WebhookDelivery {
            event_id: job.event_id,
            event_type: job.event_type.clone(),
            attempt: job.attempt,
            body,
            signature,
            status,
        });
        let ok = status.is_some_and(|s| (200..300).contains(&s));
        let retry = (!ok && job.attempt < config.max_attempts).then(|| {
            let backoff = config
                .first_retry
                .saturating_mul(1 << (job.attempt - 1).min(16));
            self.pending.fetch_add(1, Ordering::SeqCst);
            (
                Job {
                    attempt: job.attempt + 1,
                    ..job
                },
                backoff,
            )
        });
        self.done();
        retry
    }
}

/// POSTs a body; the status, or `None` when the receiver cannot be reached.
async fn post(url: &str, body: &str, signature: Option<&str>) -> Option<u16> {
    let (host, port, path) = loopback(url).ok()?;
    let send = async {
        let stream = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .ok()?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .ok()?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("host", format!("{host}:{port}"))
            .header("content-type", "application/json")
            .header("user-agent", "notion-api");
        if let Some(s) = signature {
            req = req.header("x-notion-signature", s);
        }
        let req = req.body(Full::new(Bytes::from(body.to_owned()))).ok()?;
        let resp = sender.send_request(req).await.ok()?;
        let status = resp.status().as_u16();
        let _ = resp.into_body().collect().await;
        Some(status)
    };
    tokio::time::timeout(Duration::from_secs(10), send)
        .await
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn receivers_are_on_loopback() {
        assert!(loopback("http://127.0.0.1:8080/hook").is_ok());
        assert!(loopback("http://localhost:9/x?y=1").is_ok());
        assert!(loopback("http://[::1]:9/").is_ok());
        assert!(loopback("https://127.0.0.1:9/").is_err());
        assert!(loopback("http://example.com/hook").is_err());
        assert!(loopback("http://10.0.0.1/hook").is_err());
        assert!(loopback("not a url").is_err());
    }
}
