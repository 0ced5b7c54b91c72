//! The one paginator: every list endpoint is read through [`Paginated`], as a
//! `futures::Stream` of pages or of items. Cursors are passed back verbatim, never parsed.
//!
//! # Loop guards
//! A server that repeats itself must not keep a reader busy forever. A listing fails with
//! [`Error::Pagination`] naming the endpoint when:
//! - a `next_cursor` comes back that this listing already followed (the same cursor again, or a
//!   cycle A → B → A);
//! - [`STALL_PAGES`] pages in a row bring no item the listing has not seen (endless fresh cursors
//!   over the same items);
//! - a page says `has_more: true` without a `next_cursor`.
//!
//! What a guard remembers is bounded: 8-byte fingerprints of cursors and items, at most
//! [`MAX_FINGERPRINTS`] of each per listing.

use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::marker::PhantomData;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::client::NotionClient;
use crate::endpoint::Endpoint;
use crate::error::Error;

/// Notion's largest page size.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Pages in a row without a new item after which a listing is stopped as a loop.
pub const STALL_PAGES: u32 = 5;

/// Most fingerprints of cursors (and of items) a listing keeps for its loop guards; past it the
/// oldest are forgotten.
pub const MAX_FINGERPRINTS: usize = 1 << 20;

/// A page of a paginated response: its items and where to continue.
///
/// Implemented for the model's list type and for `serde_json::Value` (raw passthrough of a
/// whole page).
pub trait ListResponse: DeserializeOwned + Send + 'static {
    /// The type of the items.
    type Item: Send + 'static;
    /// Whether another page follows.
    fn has_more(&self) -> bool;
    /// The cursor of the next page, verbatim.
    fn next_cursor(&self) -> Option<&str>;
    /// The items of this page.
    fn into_results(self) -> Vec<Self::Item>;
    /// Calls `f` with a fingerprint of each item that identifies it within its listing, for the
    /// loop guards. Lists whose items cannot be told apart call it for none.
    fn item_fingerprints(&self, f: &mut dyn FnMut(u64));
}

/// An item a list can fingerprint for the paginator's loop guards.
pub trait ListItem {
    /// A fingerprint that differs between the items of one listing, or `None` when the item
    /// cannot be told apart from others.
    fn fingerprint(&self) -> Option<u64>;
}

/// A fast, non-cryptographic hash of bytes (8 at a time), for fingerprints: they only tell a
/// listing's own items and cursors apart.
fn hash_of(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    for b in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(*b)).wrapping_mul(K);
    }
    h
}

/// A set of fingerprints: they are hashes already, so the set does not hash them again.
type Fingerprints = HashSet<u64, BuildHasherDefault<PassThrough>>;

/// A hasher for `u64` keys that are already hashes.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_of(bytes);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl ListItem for Box<RawValue> {
    /// The length and the first and last bytes of the item's text (its `id` is near the start
    /// of every object Notion lists), without hashing the whole item.
    fn fingerprint(&self) -> Option<u64> {
        let text = self.get().as_bytes();
        let head = &text[..text.len().min(160)];
        let tail = &text[text.len().saturating_sub(64)..];
        Some(hash_of(head) ^ hash_of(tail).rotate_left(17) ^ text.len() as u64)
    }
}

impl ListItem for serde_json::Value {
    fn fingerprint(&self) -> Option<u64> {
        Some(hash_of(self.to_string().as_bytes()))
    }
}

macro_rules! item_by_id {
    ($($t:ty),* $(,)?) => {$(
        impl ListItem for $t {
            fn fingerprint(&self) -> Option<u64> {
                Some(hash_of(self.id.to_string().as_bytes()))
            }
        }
    )*};
}
item_by_id!(
    notion_model::Block,
    notion_model::Comment,
    notion_model::User,
    notion_model::Page,
    notion_model::DataSource,
    notion_model::Database,
);

impl ListItem for notion_model::SearchResult {
    fn fingerprint(&self) -> Option<u64> {
        match self {
            notion_model::SearchResult::Page(p) => Some(hash_of(p.id.to_string().as_bytes())),
            notion_model::SearchResult::DataSource(d) => Some(hash_of(d.id.to_string().as_bytes())),
            _ => None,
        }
    }
}

impl ListItem for notion_model::PropertyItem {
    fn fingerprint(&self) -> Option<u64> {
        serde_json::to_string(self)
            .ok()
            .map(|text| hash_of(text.as_bytes()))
    }
}

impl<T, P> ListResponse for notion_model::List<T, P>
where
    T: DeserializeOwned + ListItem + Send + 'static,
    P: DeserializeOwned + Send + 'static,
{
    type Item = T;

    fn has_more(&self) -> bool {
        notion_model::List::has_more(self)
    }

    fn next_cursor(&self) -> Option<&str> {
        notion_model::List::next_cursor(self)
    }

    fn into_results(self) -> Vec<T> {
        self.results
    }

    fn item_fingerprints(&self, f: &mut dyn FnMut(u64)) {
        for item in &self.results {
            if let Some(fp) = item.fingerprint() {
                f(fp);
            }
        }
    }
}

impl ListResponse for serde_json::Value {
    type Item = serde_json::Value;

    fn has_more(&self) -> bool {
        self.get("has_more").and_then(serde_json::Value::as_bool) == Some(true)
    }

    fn next_cursor(&self) -> Option<&str> {
        self.get("next_cursor").and_then(serde_json::Value::as_str)
    }

    fn into_results(self) -> Vec<Self::Item> {
        match self {
            serde_json::Value::Object(mut object) => match object.remove("results") {
                Some(serde_json::Value::Array(items)) => items,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    fn item_fingerprints(&self, f: &mut dyn FnMut(u64)) {
        if let Some(items) = self.get("results").and_then(serde_json::Value::as_array) {
            for item in items {
                if let Some(fp) = item.fingerprint() {
                    f(fp);
                }
            }
        }
    }
}

/// A page of `GET /v1/pages/{id}/properties/{property_id}`, as raw JSON: a list of property
/// items (title, rich text, people, relation, rollup) with the list's `property_item` summary, or
/// the one `property_item` of a simple property (number, select, formula, …).
#[derive(Debug)]
#[non_exhaustive]
pub enum PropertyPage {
    /// A paginated list; `type_payload` holds the `property_item` summary (for a rollup, its
    /// aggregate).
    List(notion_model::List<Box<RawValue>, Box<RawValue>>),
    /// A single property item.
    Item(Box<RawValue>),
}

impl<'de> serde::Deserialize<'de> for PropertyPage {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Probe<'a> {
            #[serde(borrow)]
            object: Option<std::borrow::Cow<'a, str>>,
        }
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let probe: Probe<'_> = serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?;
        if probe.object.as_deref() == Some("list") {
            serde_json::from_str(raw.get())
                .map(PropertyPage::List)
                .map_err(serde::de::Error::custom)
        } else {
            Ok(PropertyPage::Item(raw))
        }
    }
}

impl ListResponse for PropertyPage {
    type Item = Box<RawValue>;

    fn has_more(&self) -> bool {
        match self {
            PropertyPage::List(list) => list.has_more(),
            PropertyPage::Item(_) => false,
        }
    }

    fn next_cursor(&self) -> Option<&str> {
        match self {
            PropertyPage::List(list) => list.next_cursor(),
            PropertyPage::Item(_) => None,
        }
    }

    fn into_results(self) -> Vec<Box<RawValue>> {
        match self {
            PropertyPage::List(list) => list.results,
            PropertyPage::Item(item) => vec![item],
        }
    }

    fn item_fingerprints(&self, f: &mut dyn FnMut(u64)) {
        if let PropertyPage::List(list) = self {
            list.item_fingerprints(f);
        }
    }
}

/// A paginated request. Consume it with [`pages`](Self::pages) or [`items`](Self::items); choose
/// the page type with [`as_type`](Self::as_type).
#[must_use = "a paginated request does nothing until its stream is polled"]
pub struct Paginated<L> {
    client: NotionClient,
    endpoint: Endpoint,
    page_size: Option<u32>,
    start_cursor: Option<String>,
    _page: PhantomData<fn() -> L>,
}

impl<L> fmt::Debug for Paginated<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginated")
            .field("endpoint", &self.endpoint)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

/// What a listing has seen, for its loop guards.
#[derive(Default)]
struct Guard {
    cursors: Fingerprints,
    items: Fingerprints,
    pages_without_news: u32,
}

impl Guard {
    /// Checks a page that was just read; `Err` names the problem.
    fn check<L: ListResponse>(&mut self, page: &L) -> Result<(), String> {
        let mut news = false;
        let items = &mut self.items;
        page.item_fingerprints(&mut |fp| {
            if items.len() >= MAX_FINGERPRINTS {
                items.clear();
            }
            news |= items.insert(fp);
        });
        if !page.has_more() {
            return Ok(());
        }
        let Some(cursor) = page.next_cursor() else {
            return Err("a page said has_more: true but gave no next_cursor".into());
        };
        if self.cursors.len() >= MAX_FINGERPRINTS {
            self.cursors.clear();
        }
        if !self.cursors.insert(hash_of(cursor.as_bytes())) {
            return Err(
                "the server returned a next_cursor it had returned before (a cursor loop)".into(),
            );
        }
        self.pages_without_news = if news { 0 } else { self.pages_without_news + 1 };
        if self.pages_without_news >= STALL_PAGES {
            return Err(format!(
                "{STALL_PAGES} pages in a row brought nothing new (the same items again under \
                 new cursors)"
            ));
        }
        Ok(())
    }
}

struct State {
    client: NotionClient,
    endpoint: Endpoint,
    page_size: Option<u32>,
    next: Next,
    guard: Guard,
}

enum Next {
    Cursor(Option<String>),
    Done,
}

impl<L: ListResponse> Paginated<L> {
    pub(crate) fn new(client: NotionClient, endpoint: Endpoint) -> Self {
        let page_size = client.page_size();
        Self {
            client,
            endpoint,
            page_size,
            start_cursor: None,
            _page: PhantomData,
        }
    }

    /// Reads the pages as another type, e.g. a list of `Box<RawValue>` or `serde_json::Value`.
    pub fn as_type<M: ListResponse>(self) -> Paginated<M> {
        Paginated {
            client: self.client,
            endpoint: self.endpoint,
            page_size: self.page_size,
            start_cursor: self.start_cursor,
            _page: PhantomData,
        }
    }

    /// Items per page for this listing (1–100), instead of the client's
    /// [`page_size`](crate::ClientConfig::page_size).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size.clamp(1, MAX_PAGE_SIZE));
        self
    }

    /// Starts from a cursor returned by an earlier page.
    pub fn start_cursor(mut self, cursor: impl Into<String>) -> Self {
        self.start_cursor = Some(cursor.into());
        self
    }

    /// The pages, one request each, in order. A loop guard that trips ends the stream with
    /// [`Error::Pagination`] after the pages read so far.
    pub fn pages(self) -> BoxStream<'static, Result<L, Error>> {
        let state = State {
            client: self.client,
            endpoint: self.endpoint,
            page_size: self.page_size,
            next: Next::Cursor(self.start_cursor),
            guard: Guard::default(),
        };
        stream::try_unfold(state, |mut state| async move {
            let cursor = match std::mem::replace(&mut state.next, Next::Done) {
                Next::Done => return Ok(None),
                Next::Cursor(cursor) => cursor,
            };
            let page: L = state
                .client
                .fetch(&state.endpoint, cursor.as_deref(), state.page_size)
                .await?;
            if let Err(problem) = state.guard.check(&page) {
                return Err(Error::Pagination {
                    endpoint: state.endpoint.to_string(),
                    problem,
                });
            }
            state.next = match page.next_cursor() {
                Some(next) if page.has_more() => Next::Cursor(Some(next.to_owned())),
                _ => Next::Done,
            };
            Ok(Some((page, state)))
        })
        .boxed()
    }

    /// The items of every page, in order.
    pub fn items(self) -> BoxStream<'static, Result<L::Item, Error>> {
        self.pages()
            .map_ok(|page| stream::iter(page.into_results().into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notion_model::List;

    fn page(ids: &[&str], next: Option<&str>) -> List<Box<RawValue>> {
        let items = ids
            .iter()
            .map(|id| RawValue::from_string(format!(r#"{{"object":"block","id":"{id}"}}"#)))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        List::new("block", items, next.map(str::to_owned))
    }

    #[test]
    fn guards() {
        let mut g = Guard::default();
        assert!(g.check(&page(&["a"], Some("c1"))).is_ok());
        assert!(g.check(&page(&["b"], Some("c2"))).is_ok());
        let err = g.check(&page(&["c"], Some("c1"))).unwrap_err();
        assert!(err.contains("cursor loop"), "{err}");

        let mut g = Guard::default();
        // The first page brings news; then STALL_PAGES pages of the same items.
        for i in 0..=STALL_PAGES {
            let r = g.check(&page(&["a", "b"], Some(&format!("fresh{i}"))));
            if i < STALL_PAGES {
                assert!(r.is_ok(), "page {i}");
            } else {
                assert!(r.unwrap_err().contains("nothing new"));
            }
        }

        let mut g = Guard::default();
        let mut broken = page(&["a"], None);
        broken.has_more = Some(true);
        assert!(g.check(&broken).unwrap_err().contains("no next_cursor"));
        assert!(g.check(&page(&["z"], None)).is_ok());
    }
}
