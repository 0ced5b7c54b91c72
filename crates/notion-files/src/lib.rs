//! Notion-hosted files downloaded before their links expire, into a content-addressed store.
//!
//! Every Notion-hosted file (images, videos, audio, PDFs and files in blocks, `files` property
//! values, icons and covers of type `file`, comment attachments) is served at a pre-signed link
//! that expires about an hour after the object was read. This crate finds those links in
//! records, downloads the files while the links are valid, and keeps them under the SHA-256 of
//! their content.
//!
//! - [`record_files`] finds the files a record references, each named by its field path
//!   (`image.file.url`, `properties.Attachments.files[2]`) and with the object to read again
//!   for a fresh link ([`Owner`]). External links are found too; they are never fetched.
//! - [`url_path`] is a link without its signature: what tells whether a file changed.
//! - [`Store`] is the content-addressed store (`<root>/ab/abcdef….<ext>`): files are written to
//!   a temporary file while they download, hashed as they are written, and renamed into place
//!   when complete. [`Store::sweep`] removes files nothing references any more.
//! - [`Downloader`] downloads one file ([`Downloader::download`]): a file over
//!   [`DownloadSettings::max_file_bytes`] is recorded from its `Content-Length` and never read
//!   (a body that grows past the limit is cut); an expired link (403 mentioning expiry, or 400)
//!   or one that names nothing (404) is refreshed once through [`Refresh`], then tried again;
//!   transient failures are retried. Requests to file hosts carry no credentials; redirects are
//!   followed within limits; only `https` (or `http` to a loopback address) is fetched.
//! - [`Downloads`] runs many at once, `concurrency` at a time.
//!
//! The crate knows nothing of databases: recording what was downloaded is the caller's (the
//! `files` table of `notion-mirror`).
//!
//! ```
//! use notion_files::{Owner, Source, record_files, url_path};
//!
//! let block = r#"{"object": "block", "id": "b1", "type": "image", "_page_id": "p1",
//!   "image": {"caption": [], "type": "file", "file": {
//!     "url": "https://files.example/ws/9f1c/cat.png?X-Amz-Signature=a1",
//!     "expiry_time": "2026-07-04T10:00:00.000Z"}}}"#;
//! let found = record_files(block)?;
//! assert_eq!(found.owner, Some(Owner::Block("b1".into())));
//! let image = &found.files[0];
//! assert_eq!(image.field, "image.file.url");
//! assert_eq!(image.name.as_deref(), Some("cat.png"));
//! assert!(matches!(image.source, Source::Hosted { .. }));
//! assert_eq!(url_path(image.source.url()), "https://files.example/ws/9f1c/cat.png");
//! # Ok::<(), notion_files::Error>(())
//! ```
//!
//! Downloading (the refresher reads objects again through the Notion client):
//!
//! ```no_run
//! use std::sync::Arc;
//! use notion_files::{DownloadSettings, Downloader, Downloads, Job, NoRefresh, Outcome, Store};
//!
//! # async fn example(jobs: Vec<Job>) -> Result<(), notion_files::Error> {
//! let store = Store::open(Store::beside("notion.db".as_ref()))?;
//! let downloader = Downloader::new(store, DownloadSettings::default(), Arc::new(NoRefresh))?;
//! let mut downloads = Downloads::new(downloader);
//! for (i, job) in jobs.into_iter().enumerate() {
//!     downloads.push(i, job);
//! }
//! while let Some((i, finished)) = downloads.next().await {
//!     if let Outcome::Downloaded(blob) = finished.outcome {
//!         println!("file {i}: {} ({} bytes)", blob.local_path, blob.size);
//!     }
//! }
//! # Ok(()) }
//! ```

mod client;
mod download;
pub mod error;
mod links;
mod queue;
mod refs;
mod store;

pub use download::{
    Blob, DownloadSettings, DownloadStats, Downloader, Finished, Job, NoRefresh, Outcome, Refresh,
};
pub use error::{Error, Result};
pub use links::{extension, file_name, url_path};
pub use queue::Downloads;
pub use refs::{FileRef, MEDIA_BLOCK_TYPES, Owner, RecordFiles, Source, record_files};
pub use store::{Store, Swept};
