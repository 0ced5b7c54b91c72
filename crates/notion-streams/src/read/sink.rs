//! Where a read's messages go, with the per-stream counters checkpoints need.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::mpsc;

use crate::error::{Error, Result};
use crate::protocol::{Message, StreamStatus, now_millis};
use crate::stream::StreamName;

/// Sends messages to the consumer of a read and counts records.
#[derive(Debug)]
pub(crate) struct Output {
    tx: mpsc::Sender<Message>,
    since_state: [AtomicU64; 6],
    running: [AtomicBool; 6],
}

impl Output {
    pub(crate) fn new(tx: mpsc::Sender<Message>) -> Self {
        Output {
            tx,
            since_state: Default::default(),
            running: Default::default(),
        }
    }

    /// Sends one message; fails when the consumer went away.
    pub(crate) async fn send(&self, m: Message) -> Result<()> {
        self.tx.send(m).await.map_err(|_| Error::Cancelled)
    }

    /// Emits a record of `stream` (and the stream's RUNNING status before its first record).
    pub(crate) async fn record(&self, stream: StreamName, data: String) -> Result<()> {
        let i = stream.index();
        if !self.running[i].swap(true, Ordering::Relaxed) {
            self.send(Message::Status {
                stream,
                status: StreamStatus::Running,
            })
            .await?;
        }
        self.since_state[i].fetch_add(1, Ordering::Relaxed);
        self.send(Message::Record {
            stream,
            data,
            emitted_at: now_millis(),
        })
        .await
    }

    /// Emits a state of `stream` and resets its count.
    pub(crate) async fn state(&self, stream: StreamName, state: serde_json::Value) -> Result<()> {
        let count = self.since_state[stream.index()].swap(0, Ordering::Relaxed);
        self.send(Message::State {
            stream,
            state,
            record_count: count,
        })
        .await
    }

    /// Records of `stream` emitted since its last state.
    pub(crate) fn since_state(&self, stream: StreamName) -> u64 {
        self.since_state[stream.index()].load(Ordering::Relaxed)
    }
}
