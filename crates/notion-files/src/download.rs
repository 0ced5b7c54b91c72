//! One download: the link fetched, the body streamed to a temporary file and hashed while it is
//! written (constant memory), cut at the size limit, renamed into the store when complete. An
//! expired link is refreshed once by reading its object again.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::client::{Failure, Fetched, FileClient};
use crate::error::Result;
use crate::links::{self, extension, media_type};
use crate::refs::{Owner, Source, record_files};
use crate::store::Store;

/// Bytes gathered before one write to the temporary file.
const WRITE_BUFFER: usize = 256 * 1024;
/// Bytes of an error body read to tell an expired link from other refusals.
const ERROR_BODY_LIMIT: usize = 16 * 1024;

/// How files are downloaded.
#[derive(Debug, Clone)]
pub struct DownloadSettings {
    /// The largest file downloaded, in bytes. A larger file is recorded with the size its
    /// `Content-Length` declares and never read; a body that grows past it is cut.
    pub max_file_bytes: u64,
    /// Downloads in flight at once ([`Downloads`](crate::Downloads)).
    pub concurrency: usize,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for the response headers.
    pub response_timeout: Duration,
    /// Time allowed between two pieces of a body: a download that stalls longer is retried.
    pub idle_timeout: Duration,
    /// Redirects followed.
    pub max_redirects: u32,
    /// Tries of a link that fails for a transient reason (network, timeout, 408, 429, 5xx).
    pub max_tries: u32,
    /// The first wait before a retry; it doubles with each retry.
    pub retry_base_delay: Duration,
    /// The `User-Agent` sent to file hosts.
    pub user_agent: String,
}

impl Default for DownloadSettings {
    fn default() -> Self {
        DownloadSettings {
            max_file_bytes: 100 * 1024 * 1024,
            concurrency: 4,
            connect_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            max_redirects: 5,
            max_tries: 3,
            retry_base_delay: Duration::from_millis(500),
            user_agent: format!("notion-source/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// A file to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The (pre-signed) link.
    pub url: String,
    /// The object that holds the file: read again for a fresh link when this one has expired.
    pub owner: Option<Owner>,
    /// The file's field path in its object (see [`FileRef::field`](crate::FileRef::field)).
    pub field: String,
    /// The file's original name (its extension names the stored file).
    pub name: Option<String>,
}

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The media type the host sent (or one guessed from the extension).
    pub mime_type: Option<String>,
    /// The local path (see [`Store`]).
    pub local_path: String,
}

/// What became of a download.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Stored.
    Downloaded(Blob),
    /// Over the size limit: not stored.
    TooLarge {
        /// The size the host declared (`Content-Length`); `None` when the body was cut.
        size: Option<u64>,
        /// What happened, for the record.
        detail: String,
    },
    /// Not stored, and why (never with a link's signature).
    Failed(String),
}

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// What became of it.
    pub outcome: Outcome,
    /// The link last tried: the job's, or the fresh one.
    pub url: String,
    /// Whether the object was read again for a fresh link.
    pub refreshed: bool,
    /// Body bytes received.
    pub body_bytes: u64,
    /// Requests sent to file hosts (redirects not counted).
    pub requests: u32,
}

/// Reads an object again: the source of fresh links. Implement it over the Notion client (the
/// object's `GET` endpoint), so that refreshes share its rate limit and credentials.
pub trait Refresh: Send + Sync + 'static {
    /// The object's JSON as the API returns it now.
    fn refresh(&self, owner: &Owner) -> BoxFuture<'static, Result<String, String>>;
}

/// No refreshes: an expired link fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRefresh;

impl Refresh for NoRefresh {
    fn refresh(&self, _owner: &Owner) -> BoxFuture<'static, Result<String, String>> {
        Box::pin(async { Err("links are not refreshed here".to_owned()) })
    }
}

/// Counters of a downloader.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DownloadStats {
    /// Files stored.
    pub downloaded: u64,
    /// Bytes stored.
    pub bytes: u64,
    /// Files over the size limit.
    pub too_large: u64,
    /// Downloads that failed.
    pub failed: u64,
    /// Objects read again for a fresh link (API requests).
    pub refreshes: u64,
    /// Retries after a transient failure.
    pub retries: u64,
    /// Requests sent to file hosts.
    pub requests: u64,
}

#[derive(Debug, Default)]
struct Counters {
    downloaded: AtomicU64,
    bytes: AtomicU64,
    too_large: AtomicU64,
    failed: AtomicU64,
    refreshes: AtomicU64,
    retries: AtomicU64,
    requests: AtomicU64,
}

/// Downloads files into a [`Store`]. Cheap to clone; clones share the client, the store and
/// the counters.
#[derive(Clone)]
pub struct Downloader {
    inner: Arc<Inner>,
}

struct Inner {
    client: FileClient,
    store: Store,
    settings: DownloadSettings,
    refresher: Arc<dyn Refresh>,
    counters: Counters,
}

impl std::fmt::Debug for Downloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downloader")
            .field("store", &self.inner.store)
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl Downloader {
    /// A downloader into `store`, reading expired links' objects again through `refresher`.
    pub fn new(
        store: Store,
        settings: DownloadSettings,
        refresher: Arc<dyn Refresh>,
    ) -> Result<Self> {
        let client = FileClient::new(&settings)?;
        Ok(Downloader {
            inner: Arc::new(Inner {
                client,
                store,
                settings,
                refresher,
                counters: Counters::default(),
            }),
        })
    }

    /// The store files go into.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The settings.
    pub fn settings(&self) -> &DownloadSettings {
        &self.inner.settings
    }

    /// The counters so far.
    pub fn stats(&self) -> DownloadStats {
        let c = &self.inner.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        DownloadStats {
            downloaded: get(&c.downloaded),
            bytes: get(&c.bytes),
            too_large: get(&c.too_large),
            failed: get(&c.failed),
            refreshes: get(&c.refreshes),
            retries: get(&c.retries),
            requests: get(&c.requests),
        }
    }

    /// Downloads one file: its link, a fresh link once if that one has expired or names
    /// nothing, retries after transient failures.
    pub async fn download(&self, job: &Job) -> Finished {
        let inner = &self.inner;
        let mut finished = Finished {
            outcome: Outcome::Failed(String::new()),
            url: job.url.clone(),
            refreshed: false,
            body_bytes: 0,
            requests: 0,
        };
        let mut tries = 0;
        let outcome = loop {
            tries += 1;
            finished.requests += 1;
            inner.counters.requests.fetch_add(1, Ordering::Relaxed);
            let attempt = match inner.client.get(&finished.url).await {
                Ok(fetched) => self.receive(fetched, job, &mut finished.body_bytes).await,
                Err(failure) => Err(failure),
            };
            match attempt {
                Ok(outcome) => break outcome,
                Err(Failure::Expired(why) | Failure::Gone(why)) => {
                    if finished.refreshed {
                        break Outcome::Failed(format!("{why} (also with a fresh link)"));
                    }
                    finished.refreshed = true;
                    inner.counters.refreshes.fetch_add(1, Ordering::Relaxed);
                    match self.fresh_link(job).await {
                        Ok(url) => {
                            tracing::debug!(field = %job.field, "fresh link after: {why}");
                            finished.url = url;
                            tries = 0;
                        }
                        Err(e) => break Outcome::Failed(format!("{why}; no fresh link: {e}")),
                    }
                }
                Err(Failure::Transient(why)) => {
                    if tries >= inner.settings.max_tries.max(1) {
                        break Outcome::Failed(format!("{why} (tried {tries} times)"));
                    }
                    inner.counters.retries.fetch_add(1, Ordering::Relaxed);
                    let factor = 1u32 << (tries - 1).min(5);
                    let wait =
                        (inner.settings.retry_base_delay * factor).min(Duration::from_secs(30));
                    tokio::time::sleep(wait).await;
                }
                Err(Failure::Permanent(why)) => break Outcome::Failed(why),
            }
        };
        let counter = match &outcome {
            Outcome::Downloaded(blob) => {
                inner.counters.bytes.fetch_add(blob.size, Ordering::Relaxed);
                &inner.counters.downloaded
            }
            Outcome::TooLarge { .. } => &inner.counters.too_large,
            Outcome::Failed(_) => &inner.counters.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        finished.outcome = outcome;
        finished
    }

    /// The job's file in its object read again.
    async fn fresh_link(&self, job: &Job) -> Result<String, String> {
        let owner = job
            .owner
            .as_ref()
            .ok_or_else(|| "the object holding it is not known".to_owned())?;
        let json = self.inner.refresher.refresh(owner).await?;
        let files = record_files(&json).map_err(|e| e.to_string())?;
        match files.get(&job.field).map(|f| &f.source) {
            Some(Source::Hosted { url, .. }) => Ok(url.clone()),
            Some(Source::External { .. }) => Err(format!(
                "{} now links to an external file",
                owner.describe()
            )),
            None => Err(format!(
                "{} no longer holds a file at {}",
                owner.describe(),
                job.field
            )),
        }
    }

    /// Reads a response: the file into the store, or why not.
    async fn receive(
        &self,
        fetched: Fetched,
        job: &Job,
        body_bytes: &mut u64,
    ) -> Result<Outcome, Failure> {
        let Fetched { url, response } = fetched;
        let status = response.status();
        let where_ = links::url_path(url.as_str()).to_owned();
        if status.as_u16() != 200 {
            let code = status.as_u16();
            let body = error_body(response, self.inner.settings.idle_timeout).await;
            let said = s3_error(&body);
            let why = if said.is_empty() {
                format!("{code} from {where_}")
            } else {
                format!("{code} from {where_}: {said}")
            };
            return Err(match code {
                400 => Failure::Expired(why),
                403 if body.to_ascii_lowercase().contains("expired") => Failure::Expired(why),
                404 => Failure::Gone(why),
                408 | 429 | 500..=599 => Failure::Transient(why),
                _ => Failure::Permanent(why),
            });
        }
        let max = self.inner.settings.max_file_bytes;
        let headers = response.headers();
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(size) = declared
            && size > max
        {
            // Dropping the response closes the connection: the body is never read.
            return Ok(Outcome::TooLarge {
                size: Some(size),
                detail: format!("{size} bytes, over max_file_bytes ({max})"),
            });
        }
        let ext = job.name.as_deref().and_then(extension).or_else(|| {
            links::file_name(url.as_str())
                .as_deref()
                .and_then(extension)
        });
        let mime_type = media_type(
            headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            ext.as_deref(),
        );
        let store = &self.inner.store;
        let local = |e: crate::Error| Failure::Permanent(format!("cannot store the file: {e}"));
        let mut temp = store.temp().await.map_err(local)?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut buffer: Vec<u8> = Vec::with_capacity(WRITE_BUFFER);
        let idle = self.inner.settings.idle_timeout;
        let mut body = response.into_body();
        let write_error =
            |e: std::io::Error| Failure::Permanent(format!("cannot store the file: {e}"));
        loop {
            let frame = match tokio::time::timeout(idle, body.frame()).await {
                Err(_) => {
                    return Err(Failure::Transient(format!(
                        "the download from {where_} stalled (nothing for {} s)",
                        idle.as_secs()
                    )));
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    return Err(Failure::Transient(format!(
                        "the download from {where_} broke off: {e}"
                    )));
                }
                Ok(Some(Ok(frame))) => frame,
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            *body_bytes += data.len() as u64;
            size += data.len() as u64;
            if size > max {
                // The temporary file is removed when dropped.
                return Ok(Outcome::TooLarge {
                    size: None,
                    detail: format!(
                        "cut after {size} bytes: over max_file_bytes ({max}), no Content-Length"
                    ),
                });
            }
            hasher.update(&data);
            buffer.extend_from_slice(&data);
            if buffer.len() >= WRITE_BUFFER
                && let Some(file) = temp.file()
            {
                file.write_all(&buffer).await.map_err(write_error)?;
                buffer.clear();
            }
        }
        if let Some(file) = temp.file() {
            file.write_all(&buffer).await.map_err(write_error)?;
            // Waits for the writes in flight, so the file is whole before it is renamed.
            file.flush().await.map_err(write_error)?;
        }
        let sha256 = hex(&hasher.finalize());
        let local_path = store
            .keep(temp, &sha256, ext.as_deref())
            .await
            .map_err(local)?;
        Ok(Outcome::Downloaded(Blob {
            sha256,
            size,
            mime_type,
            local_path,
        }))
    }
}

/// The start of an error response's body, as text.
async fn error_body(response: http::Response<hyper::body::Incoming>, idle: Duration) -> String {
    let mut body = response.into_body();
    let mut text = Vec::new();
    while text.len() < ERROR_BODY_LIMIT {
        match tokio::time::timeout(idle, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    let room = ERROR_BODY_LIMIT - text.len();
                    text.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            _ => break,
        }
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// `Code: Message` of an S3 XML error, or nothing.
fn s3_error(body: &str) -> String {
    let tag = |name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        let len = body[start..].find("</")?;
        let text: String = body[start..start + len].chars().take(200).collect();
        Some(text.trim().to_owned())
    };
    match (tag("Code"), tag("Message")) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c,
        (None, Some(m)) => m,
        (None, None) => String::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_errors_read_as_code_and_message() {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><Expires>2026-07-04T10:00:00Z</Expires></Error>";
        assert_eq!(s3_error(body), "AccessDenied: Request has expired");
        assert_eq!(s3_error("<Code>NoSuchKey</Code>"), "NoSuchKey");
        assert_eq!(s3_error("<Code>unterminated"), "");
        assert_eq!(s3_error("plain text"), "");
        assert_eq!(s3_error(""), "");
    }

    #[test]
    fn hashes_are_lowercase_hex() {
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
