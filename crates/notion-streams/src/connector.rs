//! The connector's programmatic API: check, discover, read.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::Stream;
use notion_model::Id;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::api::{HttpStats, NotionApi};
use crate::catalog::{Selection, SyncMode};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::protocol::Message;
use crate::read::{self, ReadCounters};
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

    /// Counters of the HTTP layer (requests, retries, 429s, waits).
    pub fn http_stats(&self) -> HttpStats {
        self.api.stats()
    }

    /// Checks that the credentials work and content can be read: retrieves the integration's
    /// bot user, runs a one-result search, and retrieves each configured database.
    pub async fn check(&self) -> Result<()> {
        self.api.me().await?;
        self.api.search(serde_json::json!({"page_size": 1})).await?;
        crate::check::configured_databases(self.api.as_ref(), &self.settings).await
    }

    /// The catalog of streams (`discover`).
    pub fn discover(&self) -> Value {
        crate::schema::catalog()
    }

    /// The state the next read starts from (updated by every STATE a read emits).
    pub fn get_state(&self) -> State {
        read::lock(&self.state).clone()
    }

    /// Sets the state the next read starts from.
    pub fn set_state(&self, state: State) {
        *read::lock(&self.state) = state;
    }

    /// Reads the selected streams from the current state. The returned stream yields every
    /// message (records, states, logs, statuses); call [`Read::finish`] for the outcome.
    pub fn read(&self, selection: Selection) -> Read {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let counters = Arc::new(ReadCounters::default());
        let input = self.get_state();
        let handle = tokio::spawn(read::run(
            self.api.clone(),
            self.settings.clone(),
            selection,
            input,
            tx,
            counters.clone(),
        ));
        Read {
            rx,
            handle: Some(handle),
            state: self.state.clone(),
            counters,
        }
    }

    /// Reads the given streams in full refresh, yielding only their records as JSON values.
    fn records(&self, streams: &[StreamName], mode: SyncMode) -> Records {
        Records {
            read: self.read(Selection::of(streams.iter().copied(), mode)),
        }
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

    /// Every block of the given pages, at every depth (up to `max_block_depth`).
    pub fn read_blocks(&self, page_ids: Vec<Id>) -> Records {
        self.pages_records(page_ids, StreamName::Blocks)
    }

    /// The comments of the given pages (and of their blocks, per the `comments` setting).
    pub fn read_comments(&self, page_ids: Vec<Id>) -> Records {
        self.pages_records(page_ids, StreamName::Comments)
    }

    /// The rows of one database (every data source), as `pages` records.
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
        Records {
            read: Read {
                rx,
                handle: Some(handle),
                state: Arc::new(Mutex::new(State::default())),
                counters,
            },
        }
    }
}

/// A running read: a stream of [`Message`]s.
pub struct Read {
    rx: mpsc::Receiver<Message>,
    handle: Option<JoinHandle<Result<()>>>,
    state: Arc<Mutex<State>>,
    counters: Arc<ReadCounters>,
}

impl Read {
    /// Counters of the read so far (objects not shared, depth cuts, pages processed).
    pub fn counters(&self) -> &ReadCounters {
        &self.counters
    }

    /// Waits for the read to end and returns its outcome. Messages not yet consumed are
    /// dropped.
    pub async fn finish(mut self) -> Result<()> {
        self.rx.close();
        while self.rx.recv().await.is_some() {}
        match self.handle.take() {
            Some(h) => h.await.map_err(|e| Error::response("the read task", e))?,
            None => Ok(()),
        }
    }
}

impl Stream for Read {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let polled = self.rx.poll_recv(cx);
        if let Poll::Ready(Some(Message::State { stream, state, .. })) = &polled {
            // Keep the connector's state current, so `get_state` after a read resumes it.
            if let Ok(parsed) = State::from_value(&serde_json::json!([{
                "type": "STREAM",
                "stream": {"stream_descriptor": {"name": stream.as_str()}, "stream_state": state}
            }])) {
                read::lock(&self.state).set(*stream, parsed.get(*stream).cloned());
            }
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

/// The records of a read, as JSON values; errors end the stream.
pub struct Records {
    read: Read,
}

impl Records {
    /// Waits for the read to end and returns its outcome.
    pub async fn finish(self) -> Result<()> {
        self.read.finish().await
    }
}

impl Stream for Records {
    type Item = Result<Value>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Value>>> {
        loop {
            match Pin::new(&mut self.read).poll_next(cx) {
                Poll::Ready(Some(Message::Record { data, .. })) => {
                    return Poll::Ready(Some(
                        serde_json::from_str(&data).map_err(|e| Error::response("a record", e)),
                    ));
                }
                Poll::Ready(Some(Message::Error { message, .. })) => {
                    return Poll::Ready(Some(Err(Error::response("the read", message))));
                }
                Poll::Ready(Some(_)) => continue,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
