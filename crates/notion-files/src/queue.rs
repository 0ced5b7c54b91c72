//! Downloads in flight: a queue that runs up to `concurrency` of them at once, each under a key
//! the caller chooses, and hands back each one as it finishes.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::download::{Downloader, Finished, Job};

/// Downloads running concurrently on the current tokio runtime. Dropping the queue cancels the
/// downloads still running (their temporary files are removed).
pub struct Downloads<K> {
    downloader: Downloader,
    permits: Arc<Semaphore>,
    running: JoinSet<(K, Finished)>,
}

impl<K> std::fmt::Debug for Downloads<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downloads")
            .field("pending", &self.running.len())
            .finish_non_exhaustive()
    }
}

impl<K: Send + 'static> Downloads<K> {
    /// A queue of the downloader's `concurrency` (at least 1).
    pub fn new(downloader: Downloader) -> Self {
        let permits = Arc::new(Semaphore::new(downloader.settings().concurrency.max(1)));
        Downloads {
            downloader,
            permits,
            running: JoinSet::new(),
        }
    }

    /// The downloader.
    pub fn downloader(&self) -> &Downloader {
        &self.downloader
    }

    /// Queues a download; it starts when one of the `concurrency` slots is free.
    pub fn push(&mut self, key: K, job: Job) {
        let downloader = self.downloader.clone();
        let permits = self.permits.clone();
        self.running.spawn(async move {
            // The semaphore is never closed.
            let _permit = permits.acquire_owned().await.ok();
            let finished = downloader.download(&job).await;
            (key, finished)
        });
    }

    /// Downloads queued and not yet handed back.
    pub fn pending(&self) -> usize {
        self.running.len()
    }

    /// The next finished download; `None` when none is pending. Cancel-safe.
    pub async fn next(&mut self) -> Option<(K, Finished)> {
        loop {
            match self.running.join_next().await? {
                Ok(done) => return Some(done),
                // A download task cannot panic by design; if one did, its file is left for a
                // later sync rather than the queue stopping.
                Err(e) => tracing::warn!("a download stopped unexpectedly: {e}"),
            }
        }
    }
}
