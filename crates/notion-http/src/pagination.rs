//! Paginated endpoints as `futures::Stream`s. Cursors are passed back verbatim, never parsed.

use std::fmt;
use std::marker::PhantomData;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;

use crate::client::{Endpoint, NotionClient};
use crate::error::Error;

/// Notion's largest page size.
pub const MAX_PAGE_SIZE: u32 = 100;

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
}

impl<T, P> ListResponse for notion_model::List<T, P>
where
    T: DeserializeOwned + Send + 'static,
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

struct State {
    client: NotionClient,
    endpoint: Endpoint,
    page_size: Option<u32>,
    next: Next,
}

enum Next {
    Cursor(Option<String>),
    Done,
    Broken,
}

impl<L: ListResponse> Paginated<L> {
    pub(crate) fn new(client: NotionClient, endpoint: Endpoint) -> Self {
        Self {
            client,
            endpoint,
            page_size: None,
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

    /// Items per page (1–100; Notion's default is 100).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size.clamp(1, MAX_PAGE_SIZE));
        self
    }

    /// Starts from a cursor returned by an earlier page.
    pub fn start_cursor(mut self, cursor: impl Into<String>) -> Self {
        self.start_cursor = Some(cursor.into());
        self
    }

    /// The pages, one request each, in order.
    pub fn pages(self) -> BoxStream<'static, Result<L, Error>> {
        let state = State {
            client: self.client,
            endpoint: self.endpoint,
            page_size: self.page_size,
            next: Next::Cursor(self.start_cursor),
        };
        stream::try_unfold(state, |mut state| async move {
            let cursor = match std::mem::replace(&mut state.next, Next::Done) {
                Next::Done => return Ok(None),
                Next::Broken => {
                    return Err(Error::decode(
                        state.endpoint.what,
                        "the list said has_more but gave no next_cursor",
                    ));
                }
                Next::Cursor(cursor) => cursor,
            };
            let page: L = state
                .client
                .fetch_page(&state.endpoint, cursor.as_deref(), state.page_size)
                .await?;
            state.next = match (page.has_more(), page.next_cursor()) {
                (false, _) => Next::Done,
                (true, Some(next)) => Next::Cursor(Some(next.to_owned())),
                (true, None) => Next::Broken,
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
