//! Where a read's messages go, with the per-stream counters checkpoints need.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::mpsc;

use crate::error::{Error, Result};
use crate::protocol::{LogLevel, Message, StreamStatus, now_millis};
use crate::state::StreamState;
use crate::stream::StreamName;

/// Sends messages to the consumer of a read and counts records.
#[derive(Debug)]
pub(crate) struct Sink {
    tx: mpsc::Sender<Message>,
    since_state: [AtomicU64; StreamName::COUNT],
    running: [AtomicBool; StreamName::COUNT],
    /// Bytes of records sent since the last checkpoint.
    bytes_since_checkpoint: AtomicU64,
}

impl Sink {
    pub(crate) fn new(tx: mpsc::Sender<Message>) -> Self {
        Sink {
            tx,
            since_state: Default::default(),
            running: Default::default(),
            bytes_since_checkpoint: AtomicU64::new(0),
        }
    }

    /// Sends one message; fails when the consumer went away.
    pub(crate) async fn send(&self, m: Message) -> Result<()> {
        self.tx.send(m).await.map_err(|_| Error::Cancelled)
    }

    /// Sends a log line.
    pub(crate) async fn log(&self, level: LogLevel, message: String) -> Result<()> {
        self.send(Message::log(level, message)).await
    }

    /// Sends a stream's status.
    pub(crate) async fn status(&self, stream: StreamName, status: StreamStatus) -> Result<()> {
        self.send(Message::Status { stream, status }).await
    }

    /// Emits a record of `stream` (and the stream's RUNNING status before its first record).
    pub(crate) async fn record(&self, stream: StreamName, data: String) -> Result<()> {
        let i = stream.index();
        if !self.running[i].swap(true, Ordering::Relaxed) {
            self.status(stream, StreamStatus::Running).await?;
        }
        self.since_state[i].fetch_add(1, Ordering::Relaxed);
        self.bytes_since_checkpoint
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        self.send(Message::Record {
            stream,
            data,
            emitted_at: now_millis(),
        })
        .await
    }

    /// Emits a state of `stream` and resets its count.
    pub(crate) async fn state(&self, stream: StreamName, state: StreamState) -> Result<()> {
        let count = self.since_state[stream.index()].swap(0, Ordering::Relaxed);
        self.send(Message::State {
            stream,
            state: Box::new(state),
            record_count: count,
        })
        .await
    }

    /// Bytes of records sent since the last checkpoint.
    pub(crate) fn bytes_since_checkpoint(&self) -> u64 {
        self.bytes_since_checkpoint.load(Ordering::Relaxed)
    }

    /// Counts the bytes of a record sent other than by [`Sink::record`].
    pub(crate) fn count_bytes(&self, n: usize) {
        self.bytes_since_checkpoint
            .fetch_add(n as u64, Ordering::Relaxed);
    }

    /// A checkpoint begins: the byte count starts again.
    pub(crate) fn checkpointed(&self) {
        self.bytes_since_checkpoint.store(0, Ordering::Relaxed);
    }

    /// Records of `stream` emitted since its last state.
    pub(crate) fn since_state(&self, stream: StreamName) -> u64 {
        self.since_state[stream.index()].load(Ordering::Relaxed)
    }
}
