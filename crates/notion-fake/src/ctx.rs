//! The state every request shares ([`Shared`]) and one request's context ([`Ctx`]):
//! what the handlers and the server both depend on.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::HeaderValue;
use notion_model::{ApiVersion, Id, List};
use serde::Serialize;
use serde_json::Value;

use crate::auth::{Auth, Capabilities};
use crate::clock::Clock;
use crate::counters::CounterSet;
use crate::cursor::{CursorKind, Cursors};
use crate::error::ApiError;
use crate::faults::Faults;
use crate::ratelimit::RateLimiter;
use crate::render::{self, Item};
use crate::routes::Route;
use crate::workspace::Workspace;

/// Settings that can change while the server runs.
#[derive(Debug, Clone)]
pub(crate) struct Live {
    pub(crate) rate_limit: Option<u32>,
    pub(crate) search_lag: Duration,
    pub(crate) versions: Vec<ApiVersion>,
    /// Blocks one markdown response renders at most.
    pub(crate) markdown_block_limit: usize,
}

/// State shared by every connection.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) live: std::sync::RwLock<Live>,
    pub(crate) clock: std::sync::Arc<Clock>,
    pub(crate) counters: CounterSet,
    pub(crate) limiter: RateLimiter,
    pub(crate) faults: Faults,
    pub(crate) auth: Auth,
    pub(crate) cursors: Cursors,
    pub(crate) ws: Workspace,
    /// The webhook subscription and its deliveries.
    pub(crate) webhooks: std::sync::Arc<crate::webhooks::Webhooks>,
    seq: AtomicU64,
    request_id_salt: u64,
    base_url: std::sync::OnceLock<String>,
    /// The last `Date` header, by Unix second.
    date: std::sync::Mutex<(i64, HeaderValue)>,
}

impl Shared {
    pub(crate) fn new(
        live: Live,
        faults: Faults,
        ws: Workspace,
        webhooks: std::sync::Arc<crate::webhooks::Webhooks>,
        salt: u64,
    ) -> Self {
        Shared {
            live: std::sync::RwLock::new(live),
            clock: ws.clock.clone(),
            counters: CounterSet::default(),
            limiter: RateLimiter::default(),
            faults,
            auth: Auth::new(),
            cursors: Cursors::new(),
            ws,
            webhooks,
            seq: AtomicU64::new(0),
            request_id_salt: salt,
            base_url: std::sync::OnceLock::new(),
            date: std::sync::Mutex::new((i64::MIN, HeaderValue::from_static(""))),
        }
    }

    /// Records the address the server listens on.
    pub(crate) fn set_addr(&self, addr: SocketAddr) {
        let _ = self.base_url.set(format!("http://{addr}"));
        self.ws.signer.set_base_url(format!("http://{addr}"));
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn base_url(&self) -> &str {
        self.base_url
            .get()
            .map_or("http://127.0.0.1", String::as_str)
    }

    /// The `Date` header: the fake clock's now as an RFC 7231 IMF-fixdate (formatted once per
    /// second).
    pub(crate) fn date_header(&self) -> HeaderValue {
        let now = self.clock.now();
        let second = now.timestamp();
        if let Ok(cached) = self.date.lock()
            && cached.0 == second
        {
            return cached.1.clone();
        }
        let text = now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let value = HeaderValue::from_str(&text)
            .unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"));
        if let Ok(mut cached) = self.date.lock() {
            *cached = (second, value.clone());
        }
        value
    }

    /// Reads the live settings.
    pub(crate) fn with_live_read<R>(&self, f: impl FnOnce(&Live) -> R) -> R {
        match self.live.read() {
            Ok(l) => f(&l),
            Err(e) => f(&e.into_inner()),
        }
    }

    pub(crate) fn with_live(&self, f: impl FnOnce(&mut Live)) {
        if let Ok(mut l) = self.live.write() {
            f(&mut l);
        }
    }

    /// A random-looking v4 UUID, different for every response.
    pub(crate) fn request_id(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let h = crate::rng::hash(self.request_id_salt, &[n]);
        let l = crate::rng::mix(h);
        let mut v = (u128::from(h) << 64) | u128::from(l);
        // Version 4, variant 10.
        v = (v & !(0xF << 76)) | (0x4 << 76);
        v = (v & !(0x3 << 62)) | (0x2 << 62);
        let mut out = String::with_capacity(36);
        for i in 0..32 {
            if matches!(i, 8 | 12 | 16 | 20) {
                out.push('-');
            }
            out.push(HEX[((v >> (124 - 4 * i)) & 0xF) as usize] as char);
        }
        out
    }
}

/// One request, after version, auth and rate-limit checks.
pub(crate) struct Ctx<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) version: ApiVersion,
    pub(crate) caps: Capabilities,
    pub(crate) route: Route,
    pub(crate) query: String,
    pub(crate) body: Bytes,
    pub(crate) content_type: String,
    pub(crate) authorization: Option<String>,
    pub(crate) search_lag: std::time::Duration,
    pub(crate) request_id: String,
    /// The fake clock when the request arrived.
    pub(crate) now: DateTime<Utc>,
}

impl Ctx<'_> {
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The `filter_properties` query parameter (repeated, or as `filter_properties[]`):
    /// property ids or names to keep in page objects; `None` when absent.
    pub(crate) fn filter_properties(&self) -> Option<Vec<String>> {
        let keep: Vec<String> = url::form_urlencoded::parse(self.query.as_bytes())
            .filter(|(k, _)| k == "filter_properties" || k == "filter_properties[]")
            .map(|(_, v)| v.into_owned())
            .collect();
        (!keep.is_empty()).then_some(keep)
    }

    /// A page as a list item of this request: from the serialized-page cache when the
    /// workspace is unchanged and nothing trims its properties.
    pub(crate) fn page_item(&self, id: &Id) -> Option<Item> {
        let ws = &self.shared.ws;
        if self.filter_properties().is_none() && ws.unchanged() {
            return ws.page_json(id, self.version, self.now).map(Item::Json);
        }
        ws.page(id, self.now)
            .map(|p| Item::Page(Box::new(self.page_out(p))))
    }

    /// A page as served for this request: shaped for the version, properties trimmed to
    /// `filter_properties`.
    pub(crate) fn page_out(&self, mut page: notion_model::Page) -> notion_model::Page {
        if let (Some(keep), Some(props)) = (self.filter_properties(), &mut page.properties) {
            props.retain(|name, v| {
                keep.iter().any(|k| {
                    k == name
                        || v.id.as_deref() == Some(k.as_str())
                        || v.id.as_deref().map(percent_decode).as_deref() == Some(k.as_str())
                })
            });
        }
        render::page(page, self.version)
    }

    pub(crate) fn json_body(&self) -> Result<serde_json::Map<String, Value>, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Map::new());
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(ApiError::validation(
                "body failed validation: body should be an object.",
            )),
            Err(_) => Err(ApiError::invalid_json()),
        }
    }

    pub(crate) fn id_param(&self, what: &str) -> Result<Id, ApiError> {
        let raw = self.route.id.as_deref().unwrap_or("");
        Id::parse(raw).map_err(|_| {
            ApiError::validation(format!(
                "path failed validation: path.{what}_id should be a valid uuid, instead was `\"{raw}\"`."
            ))
        })
    }

    pub(crate) fn not_found(&self, what: &str, id: &Id) -> ApiError {
        ApiError::not_found(what, &id.to_string(), &self.shared.ws.bot_id().to_string())
    }

    pub(crate) fn need(&self, ok: bool) -> Result<(), ApiError> {
        if ok {
            Ok(())
        } else {
            Err(ApiError::restricted())
        }
    }

    /// The response body: `value` and the request id.
    pub(crate) fn respond<T: Serialize + ?Sized>(&self, value: &T) -> Result<Bytes, ApiError> {
        render::body(value, &self.request_id)
    }
}

/// Pagination parameters.
pub(crate) struct PageReq {
    size: usize,
    cursor: Option<String>,
}

fn page_size_value(v: &Value, place: &str) -> Result<usize, ApiError> {
    let n = v
        .as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()));
    match n {
        Some(n) if (1..=100).contains(&n) => Ok(n as usize),
        Some(n) if n > 100 => Err(ApiError::validation(format!(
            "{place} failed validation: {place}.page_size should be ≤ `100`, instead was `{n}`."
        ))),
        _ => Err(ApiError::validation(format!(
            "{place} failed validation: {place}.page_size should be a positive integer, instead was `{v}`."
        ))),
    }
}

pub(crate) fn page_req_query(ctx: &Ctx<'_>) -> Result<PageReq, ApiError> {
    let size = match ctx.query_param("page_size") {
        Some(s) => page_size_value(&Value::String(s), "query")?,
        None => 100,
    };
    let cursor = ctx.query_param("start_cursor").filter(|s| !s.is_empty());
    Ok(PageReq { size, cursor })
}

pub(crate) fn page_req_body(body: &serde_json::Map<String, Value>) -> Result<PageReq, ApiError> {
    let size = match body.get("page_size") {
        Some(Value::Null) | None => 100,
        Some(v) if v.is_number() => page_size_value(v, "body")?,
        Some(v) => {
            return Err(ApiError::validation(format!(
                "body failed validation: body.page_size should be a number or `undefined`, instead was `{v}`."
            )));
        }
    };
    let cursor = match body.get("start_cursor") {
        Some(Value::Null) | None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => {
            return Err(ApiError::validation(format!(
                "body failed validation: body.start_cursor should be a string or `undefined`, instead was `{v}`."
            )));
        }
    };
    Ok(PageReq { size, cursor })
}

/// The range of `len` items a page request selects, and the next cursor.
pub(crate) fn paginate(
    ctx: &Ctx<'_>,
    kind: CursorKind,
    scope: u64,
    len: usize,
    req: &PageReq,
) -> Result<(std::ops::Range<usize>, Option<String>), ApiError> {
    let start = match &req.cursor {
        None => 0,
        Some(c) => {
            let pos = ctx.shared.cursors.decode(kind, scope, c).ok_or_else(|| {
                ApiError::validation(format!("The start_cursor provided is invalid: {c}"))
            })?;
            usize::try_from(pos).unwrap_or(usize::MAX).min(len)
        }
    };
    let end = (start + req.size).min(len);
    let next = (end < len).then(|| ctx.shared.cursors.encode(kind, scope, end as u64));
    Ok((start..end, next))
}

/// A list response of `ty` with these results.
pub(crate) fn list<T>(ty: &str, results: Vec<T>, next: Option<String>) -> List<T> {
    List::new(ty, results, next)
}

/// A database as served in the request's version (`None`: not shared).
pub(crate) fn database_item(ctx: &Ctx<'_>, id: &Id) -> Result<Option<Item>, ApiError> {
    let ws = &ctx.shared.ws;
    let Some(db) = ws.database(id) else {
        return Ok(None);
    };
    let schema = if ctx.version.is_legacy() {
        let sources = ws.data_source_ids(id);
        if sources.len() > 1 {
            return Err(ApiError::validation(format!(
                "Database {id} has multiple data sources, which is not supported in API version {}. Use 2025-09-03 or later.",
                ctx.version
            )));
        }
        sources
            .first()
            .and_then(|ds| ws.data_source(ds))
            .and_then(|d| d.properties)
    } else {
        None
    };
    Ok(Some(Item::Database(Box::new(render::database(
        db,
        ctx.version,
        schema,
    )))))
}

/// Percent-decodes a path segment.
pub(crate) fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(s.replace('+', "%2B").as_bytes())
        .map(|(k, v)| {
            if v.is_empty() {
                k.into_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .collect()
}
