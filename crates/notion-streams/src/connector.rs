//! The connector's programmatic API: check, discover, read.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use futures::{Stream, StreamExt};
use notion_model::Id;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::api::{HttpStats, ListRequest, NotionApi, SearchRequest};
use crate::catalog::{Selection, SyncMode};
use crate::config::Settings;
use crate::error::{Error, Result, StreamFailure};
use crate::protocol::Message;
use crate::read::{self, ReadCounters, lock};
use crate::rotation::{Rotations, TokensRotated};
use crate::state::State;
use crate::stream::StreamName;

/// Messages buffered between the read and its consumer.
const CHANNEL_CAPACITY: usize = 1024;

/// A Notion source connector built from a validated configuration.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use futures::StreamExt;
/// use notion_streams::{Config, Connector, Message, Selection};
///
/// let settings = Config::with_token("ntn_…").validate()?;
/// let connector = Connector::new(settings)?;
/// connector.check().await?;
/// let mut read = connector.read(Selection::all_incremental());
/// while let Some(message) = read.next().await {
///     if let Message::Record { stream, data, .. } = message {
///         println!("{stream}: {data}");
///     }
/// }
/// read.finish().await?;
/// let state = connector.get_state(); // pass it to the next read with `set_state`
/// # let _ = state; Ok(()) }
/// ```
pub struct Connector {
    settings: Arc<Settings>,
    api: Arc<dyn NotionApi>,
    state: Arc<Mutex<State>>,
    rotations: Arc<Rotations>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// A connector reading through the HTTP client its settings describe. OAuth token
    /// rotations are given out as [`TokensRotated`] events ([`Connector::rotated`]).
    pub fn new(settings: Settings) -> Result<Self> {
        let (on_rotation, rotations) = Rotations::channel();
        let api = crate::client::build(&settings, Some(on_rotation))?;
        let mut connector = Self::with_api(settings, api);
        connector.rotations = Arc::new(rotations);
        Ok(connector)
    }

    /// A connector reading through any implementation of the API (for tests and embedding).
    pub fn with_api(settings: Settings, api: Arc<dyn NotionApi>) -> Self {
        Connector {
            settings: Arc::new(settings),
            api,
            state: Arc::new(Mutex::new(State::default())),
            rotations: Arc::new(Rotations::none()),
        }
    }

    /// Waits for Notion to rotate the OAuth tokens; `None` when this connector cannot see
    /// rotations. Store the tokens before anything else: the previous refresh token no
    /// longer works. Cancel-safe: await it alongside a read's messages.
    pub async fn rotated(&self) -> Option<TokensRotated> {
        self.rotations.next().await
    }

    /// The latest token rotation not yet taken (after [`Connector::check`], or after a read).
    pub fn take_rotated(&self) -> Option<TokensRotated> {
        self.rotations.take()
    }

    /// The validated settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The API the connector reads through. Requests made with it share the connector's
    /// rate limit, retries and credentials (to retrieve an object again, for example for a
    /// fresh file URL).
    pub fn api(&self) -> Arc<dyn NotionApi> {
        self.api.clone()
    }

    /// Counters of the HTTP layer (requests, retries, 429s, waits).
    pub fn http_stats(&self) -> HttpStats {
        self.api.stats()
    }

    /// Checks that the credentials work and content can be read: retrieves the integration's
    /// bot user, reads one page of a search, and retrieves each configured database.
    pub async fn check(&self) -> Result<()> {
        self.api.me().await?;
        let mut search = self.api.list(ListRequest::Search(SearchRequest::new()));
        if let Some(page) = search.next().await {
            page?;
        }
        crate::check::configured_databases(self.api.as_ref(), &self.settings).await
    }

    /// The catalog of streams (`discover`): the built-in streams. With `data_source_streams`,
    /// see [`Connector::discover_with_data_sources`].
    pub fn discover(&self) -> Value {
        crate::schema::catalog()
    }

    /// The typed stream of every data source (setting `data_source_streams`): the data sources
    /// listed as a read lists them (the data-source search, or the configured databases), named
    /// as a read names them. Makes requests; fails when Notion cannot be read.
    pub async fn data_source_streams(&self) -> Result<Vec<crate::typed::DataSourceStream>> {
        let (tx, mut rx) = mpsc::channel(CHANNEL_CAPACITY);
        let listing = read::list_typed_streams(self.api.clone(), self.settings.clone(), tx);
        // Messages of the listing (warnings about objects not shared) are not part of a
        // catalog: drained and dropped.
        let drain = async { while rx.recv().await.is_some() {} };
        let (streams, ()) = futures::join!(listing, drain);
        streams
    }

    /// The catalog with the typed stream of every data source after the built-in streams
    /// (`discover` with `data_source_streams`).
    pub async fn discover_with_data_sources(&self) -> Result<Value> {
        let streams = self.data_source_streams().await?;
        Ok(crate::schema::catalog_with(&streams))
    }

    /// The state the next read starts from (updated by every STATE a read emits).
    pub fn get_state(&self) -> State {
        lock(&self.state).clone()
    }

    /// Sets the state the next read starts from.
    pub fn set_state(&self, state: State) {
        *lock(&self.state) = state;
    }

    /// Reads the selected streams from the current state. The returned stream yields every
    /// message (records, states, logs, statuses); call [`Read::finish`] for the outcome.
    pub fn read(&self, selection: Selection) -> Read {
        let input = self.get_state();
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let counters = Arc::new(ReadCounters::default());
        let handle = tokio::spawn(read::run(
            self.api.clone(),
            self.settings.clone(),
            selection,
            input,
            tx,
            counters.clone(),
        ));
        Read::new(rx, handle, self.state.clone(), counters)
    }

    /// Reads the given streams, yielding only their records.
    fn records(&self, streams: &[StreamName], mode: SyncMode) -> Records {
        Records::new(self.read(Selection::of(streams.iter().copied(), mode)))
    }

    /// Every user of the workspace.
    pub fn read_users(&self) -> Records {
        self.records(&[StreamName::Users], SyncMode::FullRefresh)
    }

    /// Databases (incremental from the current state).
    pub fn read_databases(&self) -> Records {
        self.records(&[StreamName::Databases], SyncMode::Incremental)
    }

    /// Data sources (incremental from the current state).
    pub fn read_data_sources(&self) -> Records {
        self.records(&[StreamName::DataSources], SyncMode::Incremental)
    }

    /// Pages (incremental from the current state).
    pub fn read_pages(&self) -> Records {
        self.records(&[StreamName::Pages], SyncMode::Incremental)
    }

    /// Every block of the given pages, at every depth (up to `max_block_depth`). A page that does
    /// not exist or is not shared ends the records with an error whose
    /// [`is_not_found`](Error::is_not_found) is true.
    pub fn read_blocks(&self, page_ids: Vec<Id>) -> Records {
        self.pages_records(page_ids, StreamName::Blocks)
    }

    /// The comments of the given pages (and of their blocks, per the `comments` setting). A page
    /// that does not exist or is not shared ends the records with a not-found error.
    pub fn read_comments(&self, page_ids: Vec<Id>) -> Records {
        self.pages_records(page_ids, StreamName::Comments)
    }

    /// The rows of one database (every data source), as `pages` records. A database that does
    /// not exist or is not shared fails the read with a not-found error.
    pub fn read_database(&self, database_id: Id) -> Records {
        let mut settings = (*self.settings).clone();
        settings.database_ids = vec![database_id];
        let scoped = Connector {
            settings: Arc::new(settings),
            api: self.api.clone(),
            state: Arc::new(Mutex::new(State::default())),
            rotations: self.rotations.clone(),
        };
        scoped.records(&[StreamName::Pages], SyncMode::FullRefresh)
    }

    fn pages_records(&self, page_ids: Vec<Id>, stream: StreamName) -> Records {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let counters = Arc::new(ReadCounters::default());
        let handle = tokio::spawn(read::run_for_pages(
            self.api.clone(),
            self.settings.clone(),
            stream,
            page_ids,
            tx,
            counters.clone(),
        ));
        Records::new(Read::new(
            rx,
            handle,
            Arc::new(Mutex::new(State::default())),
            counters,
        ))
    }
}

/// A running read: a stream of [`Message`]s. When it ends, [`Read::finish`] gives the outcome:
/// `Ok`, the error that stopped it, or [`Error::StreamsFailed`] with every failed stream's error.
pub struct Read {
    rx: mpsc::Receiver<Message>,
    handle: Option<JoinHandle<Result<()>>>,
    outcome: Option<Result<()>>,
    state: Arc<Mutex<State>>,
    counters: Arc<ReadCounters>,
}

impl Read {
    fn new(
        rx: mpsc::Receiver<Message>,
        handle: JoinHandle<Result<()>>,
        state: Arc<Mutex<State>>,
        counters: Arc<ReadCounters>,
    ) -> Self {
        Read {
            rx,
            handle: Some(handle),
            outcome: None,
            state,
            counters,
        }
    }

    /// Counters of the read so far (objects not shared, depth cuts, pages processed).
    pub fn counters(&self) -> &ReadCounters {
        &self.counters
    }

    /// Waits for the read to end and returns its outcome. Messages not yet consumed are
    /// dropped.
    pub async fn finish(mut self) -> Result<()> {
        self.rx.close();
        while self.rx.recv().await.is_some() {}
        std::future::poll_fn(|cx| self.poll_outcome(cx)).await;
        self.outcome.take().unwrap_or(Ok(()))
    }

    /// Polls the read task to its end and keeps its outcome.
    fn poll_outcome(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(handle) = self.handle.as_mut() {
            let joined = ready!(Pin::new(handle).poll(cx));
            self.handle = None;
            self.outcome =
                Some(joined.unwrap_or_else(|e| Err(Error::response("the read task", e))));
        }
        Poll::Ready(())
    }

    /// The failure of `stream` reported so far, if any.
    fn failure_of(&self, stream: StreamName) -> Option<StreamFailure> {
        self.counters.failure_of(stream)
    }
}

impl Stream for Read {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let polled = self.rx.poll_recv(cx);
        // Keep the connector's state current, so `get_state` after a read resumes it.
        match &polled {
            Poll::Ready(Some(Message::State { stream, state, .. })) => {
                lock(&self.state).set(*stream, Some((**state).clone()));
            }
            Poll::Ready(Some(Message::DataSourceState { stream, state, .. })) => {
                lock(&self.state).set_data_source(stream, Some((**state).clone()));
            }
            _ => {}
        }
        polled
    }
}

impl Drop for Read {
    fn drop(&mut self) {
        if let Some(h) = &self.handle {
            h.abort();
        }
    }
}

/// The records of a read, as JSON values. Errors arrive where they happen: a stream that fails
/// yields [`Error::StreamFailed`] and the others go on; an error that stops the read is the last
/// item. [`Records::finish`] returns the outcome too.
pub struct Records {
    read: Read,
    done: bool,
}

impl Records {
    fn new(read: Read) -> Self {
        Records { read, done: false }
    }

    /// Waits for the read to end and returns its outcome (every failed stream's error in
    /// [`Error::StreamsFailed`]).
    pub async fn finish(self) -> Result<()> {
        self.read.finish().await
    }

    /// Counters of the read so far.
    pub fn counters(&self) -> &ReadCounters {
        self.read.counters()
    }
}

impl Stream for Records {
    type Item = Result<Value>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Value>>> {
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut self.read).poll_next(cx)) {
                Some(Message::Record { data, .. }) => {
                    return Poll::Ready(Some(
                        serde_json::from_str(&data).map_err(|e| Error::response("a record", e)),
                    ));
                }
                Some(Message::Error {
                    stream: Some(stream),
                    ..
                }) => {
                    if let Some(failure) = self.read.failure_of(stream) {
                        return Poll::Ready(Some(Err(Error::StreamFailed(failure))));
                    }
                }
                Some(_) => continue,
                None => {
                    ready!(self.read.poll_outcome(cx));
                    self.done = true;
                    // An error that stopped the read is delivered here; failed streams were
                    // delivered as they failed, and `finish` returns them all.
                    return Poll::Ready(match self.read.outcome.take() {
                        Some(Err(e)) if !matches!(e, Error::StreamsFailed(_)) => {
                            let shared = Arc::new(e);
                            self.read.outcome = Some(Err(Error::Shared(shared.clone())));
                            Some(Err(Error::Shared(shared)))
                        }
                        other => {
                            self.read.outcome = other;
                            None
                        }
                    });
                }
            }
        }
    }
}
