//! The `files` table: every file a synced record references, where its copy is stored, and the
//! table's upkeep — new and changed files to download, files of deleted records forgotten.
//!
//! A file is identified by its record (stream and id) and its field path in the record
//! (`image.file.url`, `properties.Attachments.files[2]`). Whether it changed is told by its
//! link without the signature ([`notion_files::url_path`]): the query string of a pre-signed link
//! changes every time the object is read. Rows are written in the mirror's open transaction,
//! with the records; the copies themselves are in a [`Store`], named by `local_path`.

use chrono::{SecondsFormat, Utc};
use notion_files::{
    Finished, Job, Outcome, Owner, RecordFiles, Source, Store, Swept, record_files, url_path,
};
use notion_streams::StreamName;
use rusqlite::{OptionalExtension, params};

use crate::error::Result;
use crate::mirror::Mirror;

/// The `files` table and its indexes.
pub(crate) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS files (
    stream          TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    field           TEXT NOT NULL,
    page_id         TEXT,
    content_version TEXT,
    name            TEXT,
    url             TEXT NOT NULL,
    url_path        TEXT NOT NULL,
    expiry_time     TEXT,
    size            INTEGER,
    sha256          TEXT,
    mime_type       TEXT,
    local_path      TEXT,
    downloaded_at   TEXT,
    status          TEXT NOT NULL,
    error           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    download_id     INTEGER,
    PRIMARY KEY (stream, record_id, field)
);
CREATE INDEX IF NOT EXISTS files_url_path ON files (url_path);
CREATE INDEX IF NOT EXISTS files_local_path ON files (local_path);
CREATE INDEX IF NOT EXISTS files_page ON files (page_id);
CREATE INDEX IF NOT EXISTS files_download ON files (download_id);
"#;

/// A file whose download has not finished yet (queued, or left by a sync that stopped).
pub const PENDING: &str = "pending";
/// A file stored at `local_path`.
pub const DOWNLOADED: &str = "downloaded";
/// A file over `max_file_bytes`: recorded with the size its host declared, not stored.
pub const SKIPPED_TOO_LARGE: &str = "skipped_too_large";
/// A file whose download failed (`error` says why); tried again by later syncs.
pub const FAILED: &str = "failed";
/// An external link: recorded, never fetched.
pub const EXTERNAL: &str = "external";

/// Syncs after which a file that keeps failing is no longer tried (until its record changes).
pub const MAX_ATTEMPTS: i64 = 3;

/// The row a download fills, and which download (a row queued again is filled only by its
/// latest download).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileKey {
    /// The record's stream.
    pub stream: StreamName,
    /// The record's id.
    pub record_id: String,
    /// The file's field path in the record.
    pub field: String,
    download: i64,
}

/// A download to run and the row it fills ([`FileUpkeep::finished`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDownload {
    /// The row.
    pub key: FileKey,
    /// The download.
    pub job: Job,
}

/// Files by status: rows and their bytes (sizes known).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCounts {
    /// `(status, rows, bytes)`, by status.
    pub by_status: Vec<(String, i64, i64)>,
}

impl FileCounts {
    /// Rows of a status.
    pub fn rows(&self, status: &str) -> i64 {
        self.by_status
            .iter()
            .find(|(s, ..)| s == status)
            .map_or(0, |(_, n, _)| *n)
    }
}

/// The upkeep of the `files` table during one sync: which files to download, what their
/// downloads gave, what is gone.
///
/// ```
/// use notion_files::Store;
/// use notion_mirror::{FileUpkeep, Mirror, RecordOutcome};
/// use notion_streams::StreamName;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let db = dir.path().join("notion.db");
/// let mut mirror = Mirror::open(&db)?;
/// let store = Store::open(Store::beside(&db))?;
/// let mut files = FileUpkeep::start(&mirror, 100 << 20)?;
/// let block = r#"{"object":"block","id":"b1","type":"image","_page_id":"p1",
///   "image":{"type":"file","file":{"url":"https://files.example/f1/cat.png?sig=1"}}}"#;
/// assert_eq!(mirror.record(StreamName::Blocks, block)?, RecordOutcome::Stored);
/// let downloads = files.record(&mut mirror, &store, StreamName::Blocks, block)?;
/// assert_eq!(downloads[0].job.field, "image.file.url");
/// // Read again with a fresh signature: the same file, nothing more to download.
/// let again = block.replace("sig=1", "sig=2");
/// assert!(files.record(&mut mirror, &store, StreamName::Blocks, &again)?.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FileUpkeep {
    max_file_bytes: u64,
    /// Downloads queued by this sync have ids from this one on.
    first_download: i64,
    next_download: i64,
    /// Where the scan of earlier syncs' unfinished files is.
    backlog_after: i64,
}

/// A row of a record, as it was before the record was read again.
struct Row {
    field: String,
    url_path: String,
    status: String,
    sha256: Option<String>,
    size: Option<i64>,
    mime_type: Option<String>,
    local_path: Option<String>,
    download_id: Option<i64>,
}

impl Row {
    /// The stored copy, if the row has one that is on disk.
    fn stored(&self, store: &Store) -> Option<Stored> {
        if self.status != DOWNLOADED {
            return None;
        }
        let (sha256, local_path) = (self.sha256.clone()?, self.local_path.clone()?);
        let size = u64::try_from(self.size?).ok()?;
        store.holds(&local_path, size).then(|| Stored {
            sha256,
            size,
            mime_type: self.mime_type.clone(),
            local_path,
        })
    }
}

/// A copy already stored.
struct Stored {
    sha256: String,
    size: u64,
    mime_type: Option<String>,
    local_path: String,
}

/// What a record's file row is written with.
struct Values<'a> {
    found: &'a RecordFiles,
    field: &'a str,
    name: Option<&'a str>,
    url: &'a str,
    url_path: &'a str,
    expiry_time: Option<&'a str>,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn size_value(size: u64) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

impl FileUpkeep {
    /// Starts the upkeep of a sync that downloads files up to `max_file_bytes`.
    pub fn start(mirror: &Mirror, max_file_bytes: u64) -> Result<FileUpkeep> {
        let last: i64 =
            mirror
                .conn
                .query_row("SELECT COALESCE(MAX(download_id), 0) FROM files", [], |r| {
                    r.get(0)
                })?;
        Ok(FileUpkeep {
            max_file_bytes,
            first_download: last + 1,
            next_download: last + 1,
            backlog_after: 0,
        })
    }

    fn next_download(&mut self) -> i64 {
        let id = self.next_download;
        self.next_download += 1;
        id
    }

    /// Brings a record's rows up to date (within the open transaction; call it after
    /// [`Mirror::record`] stored the record) and returns the downloads to run: files that are
    /// new, changed (another link path), failed or missing from the store. A file seen before at
    /// the same link path is not downloaded again; one stored under another row is reused.
    /// Rows of fields the record no longer has are deleted, and every row of a tombstone
    /// (`_ab_cdc_deleted_at`). A record that cannot be read for files changes nothing.
    pub fn record(
        &mut self,
        mirror: &mut Mirror,
        store: &Store,
        stream: StreamName,
        data: &str,
    ) -> Result<Vec<FileDownload>> {
        let Ok(found) = record_files(data) else {
            return Ok(Vec::new());
        };
        mirror.begin()?;
        let conn = &mirror.conn;
        if found.deleted {
            conn.prepare_cached("DELETE FROM files WHERE stream = ?1 AND record_id = ?2")?
                .execute(params![stream.as_str(), found.id])?;
            return Ok(Vec::new());
        }
        let before: Vec<Row> = conn
            .prepare_cached(
                "SELECT field, url_path, status, sha256, size, mime_type, local_path, download_id \
                 FROM files WHERE stream = ?1 AND record_id = ?2",
            )?
            .query_map(params![stream.as_str(), found.id], |r| {
                Ok(Row {
                    field: r.get(0)?,
                    url_path: r.get(1)?,
                    status: r.get(2)?,
                    sha256: r.get(3)?,
                    size: r.get(4)?,
                    mime_type: r.get(5)?,
                    local_path: r.get(6)?,
                    download_id: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut downloads = Vec::new();
        for file in &found.files {
            let (url, expiry_time) = match &file.source {
                Source::Hosted { url, expiry_time } => (url.as_str(), expiry_time.as_deref()),
                Source::External { url } => (url.as_str(), None),
                _ => continue,
            };
            let values = Values {
                found: &found,
                field: &file.field,
                name: file.name.as_deref(),
                url,
                url_path: if file.source.is_hosted() {
                    url_path(url)
                } else {
                    url
                },
                expiry_time,
            };
            if !file.source.is_hosted() {
                self.write(mirror, stream, &values, EXTERNAL, None, None)?;
                continue;
            }
            let old = before.iter().find(|r| r.field == file.field);
            let current =
                old.is_some_and(|o| o.url_path == values.url_path && self.is_current(o, store));
            if current {
                mirror
                    .conn
                    .prepare_cached(
                        "UPDATE files SET page_id = ?4, content_version = ?5, name = ?6, url = ?7, \
                         expiry_time = ?8 WHERE stream = ?1 AND record_id = ?2 AND field = ?3",
                    )?
                    .execute(params![
                        stream.as_str(),
                        found.id,
                        file.field,
                        found.page_id,
                        found.content_version,
                        values.name,
                        url,
                        expiry_time
                    ])?;
                continue;
            }
            // The same file stored for this record (another field, before it moved) or for
            // another one.
            let reused = match before
                .iter()
                .filter(|r| r.url_path == values.url_path)
                .find_map(|r| r.stored(store))
            {
                Some(s) => Some(s),
                None => self.stored_elsewhere(mirror, store, values.url_path)?,
            };
            if let Some(stored) = reused {
                self.write(mirror, stream, &values, DOWNLOADED, Some(&stored), None)?;
                continue;
            }
            let download = self.next_download();
            self.write(mirror, stream, &values, PENDING, None, Some(download))?;
            downloads.push(FileDownload {
                key: FileKey {
                    stream,
                    record_id: found.id.clone(),
                    field: file.field.clone(),
                    download,
                },
                job: Job {
                    url: url.to_owned(),
                    owner: found.owner.clone(),
                    field: file.field.clone(),
                    name: file.name.clone(),
                },
            });
        }
        let mut delete = mirror.conn.prepare_cached(
            "DELETE FROM files WHERE stream = ?1 AND record_id = ?2 AND field = ?3",
        )?;
        for gone in before.iter().filter(|r| found.get(&r.field).is_none()) {
            delete.execute(params![stream.as_str(), found.id, gone.field])?;
        }
        Ok(downloads)
    }

    /// Whether a row at the record's link path needs nothing: stored and on disk, queued by
    /// this sync, or known to be over the size limit.
    fn is_current(&self, row: &Row, store: &Store) -> bool {
        match row.status.as_str() {
            DOWNLOADED => row.stored(store).is_some(),
            PENDING => row.download_id.is_some_and(|d| d >= self.first_download),
            SKIPPED_TOO_LARGE => row
                .size
                .and_then(|s| u64::try_from(s).ok())
                .is_none_or(|s| s > self.max_file_bytes),
            _ => false,
        }
    }

    /// A stored copy of the file at `url_path` under any row.
    fn stored_elsewhere(
        &self,
        mirror: &Mirror,
        store: &Store,
        url_path: &str,
    ) -> Result<Option<Stored>> {
        let row = mirror
            .conn
            .prepare_cached(
                "SELECT sha256, size, mime_type, local_path FROM files \
                 WHERE url_path = ?1 AND status = 'downloaded' AND local_path IS NOT NULL LIMIT 1",
            )?
            .query_row([url_path], |r| {
                Ok(Row {
                    field: String::new(),
                    url_path: url_path.to_owned(),
                    status: DOWNLOADED.to_owned(),
                    sha256: r.get(0)?,
                    size: r.get(1)?,
                    mime_type: r.get(2)?,
                    local_path: r.get(3)?,
                    download_id: None,
                })
            })
            .optional()?;
        Ok(row.and_then(|r| r.stored(store)))
    }

    /// Upserts a record's file row.
    fn write(
        &self,
        mirror: &Mirror,
        stream: StreamName,
        v: &Values<'_>,
        status: &str,
        stored: Option<&Stored>,
        download: Option<i64>,
    ) -> Result<()> {
        mirror
            .conn
            .prepare_cached(
                "INSERT INTO files (stream, record_id, field, page_id, content_version, name, url, \
                 url_path, expiry_time, size, sha256, mime_type, local_path, downloaded_at, status, \
                 error, attempts, download_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, NULL, 0, ?16) \
                 ON CONFLICT (stream, record_id, field) DO UPDATE SET page_id = excluded.page_id, \
                 content_version = excluded.content_version, name = excluded.name, \
                 url = excluded.url, url_path = excluded.url_path, \
                 expiry_time = excluded.expiry_time, size = excluded.size, \
                 sha256 = excluded.sha256, mime_type = excluded.mime_type, \
                 local_path = excluded.local_path, downloaded_at = excluded.downloaded_at, \
                 status = excluded.status, error = NULL, attempts = 0, \
                 download_id = excluded.download_id",
            )?
            .execute(params![
                stream.as_str(),
                v.found.id,
                v.field,
                v.found.page_id,
                v.found.content_version,
                v.name,
                v.url,
                v.url_path,
                v.expiry_time,
                stored.map(|s| size_value(s.size)),
                stored.map(|s| &s.sha256),
                stored.and_then(|s| s.mime_type.as_ref()),
                stored.map(|s| &s.local_path),
                stored.map(|_| now()),
                status,
                download
            ])?;
        Ok(())
    }

    /// Records what a download gave (within the open transaction). Returns `false` when the row
    /// is gone or was queued again since (its record deleted, or read again with another file):
    /// the download's copy, if any, is then left for [`FileUpkeep::sweep`].
    pub fn finished(
        &mut self,
        mirror: &mut Mirror,
        key: &FileKey,
        finished: &Finished,
    ) -> Result<bool> {
        mirror.begin()?;
        let (stream, id, field, download) = (
            key.stream.as_str(),
            key.record_id.as_str(),
            key.field.as_str(),
            key.download,
        );
        let changed = match &finished.outcome {
            Outcome::Downloaded(blob) => mirror
                .conn
                .prepare_cached(
                    "UPDATE files SET status = 'downloaded', sha256 = ?5, size = ?6, \
                     mime_type = ?7, local_path = ?8, downloaded_at = ?9, error = NULL, \
                     attempts = 0, url = ?10, url_path = ?11 \
                     WHERE stream = ?1 AND record_id = ?2 AND field = ?3 AND download_id = ?4",
                )?
                .execute(params![
                    stream,
                    id,
                    field,
                    download,
                    blob.sha256,
                    size_value(blob.size),
                    blob.mime_type,
                    blob.local_path,
                    now(),
                    finished.url,
                    url_path(&finished.url)
                ])?,
            Outcome::TooLarge { size, detail } => mirror
                .conn
                .prepare_cached(
                    "UPDATE files SET status = 'skipped_too_large', size = ?5, sha256 = NULL, \
                     mime_type = NULL, local_path = NULL, downloaded_at = NULL, error = ?6, \
                     attempts = 0, url = ?7, url_path = ?8 \
                     WHERE stream = ?1 AND record_id = ?2 AND field = ?3 AND download_id = ?4",
                )?
                .execute(params![
                    stream,
                    id,
                    field,
                    download,
                    size.map(size_value),
                    detail,
                    finished.url,
                    url_path(&finished.url)
                ])?,
            Outcome::Failed(why) => mirror
                .conn
                .prepare_cached(
                    "UPDATE files SET status = 'failed', sha256 = NULL, size = NULL, \
                     mime_type = NULL, local_path = NULL, downloaded_at = NULL, error = ?5, \
                     attempts = attempts + 1 \
                     WHERE stream = ?1 AND record_id = ?2 AND field = ?3 AND download_id = ?4",
                )?
                .execute(params![stream, id, field, download, why])?,
            _ => 0,
        };
        Ok(changed > 0)
    }

    /// The next downloads left unfinished by earlier syncs, at most `limit` of them: files
    /// pending when a sync stopped, failed fewer than [`MAX_ATTEMPTS`] times, skipped as too
    /// large but within today's limit, or stored but missing from the store. Each is queued
    /// again (within the open transaction) from its last link; an expired one is refreshed by
    /// the downloader. Empty when the scan is complete.
    pub fn backlog(
        &mut self,
        mirror: &mut Mirror,
        store: &Store,
        limit: usize,
    ) -> Result<Vec<FileDownload>> {
        mirror.begin()?;
        let mut downloads = Vec::new();
        while downloads.len() < limit {
            type Candidate = (i64, String, String, String, String, Option<String>, Row);
            let candidates: Vec<Candidate> = mirror
                .conn
                .prepare_cached(
                    "SELECT rowid, stream, record_id, field, url, name, url_path, status, sha256, \
                     size, mime_type, local_path, download_id FROM files \
                     WHERE rowid > ?1 AND (download_id IS NULL OR download_id < ?2) \
                     AND (status IN ('pending', 'downloaded') \
                          OR (status = 'failed' AND attempts < ?3) \
                          OR (status = 'skipped_too_large' AND size IS NOT NULL AND size <= ?4)) \
                     ORDER BY rowid LIMIT 256",
                )?
                .query_map(
                    params![
                        self.backlog_after,
                        self.first_download,
                        MAX_ATTEMPTS,
                        size_value(self.max_file_bytes)
                    ],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            Row {
                                field: String::new(),
                                url_path: r.get(6)?,
                                status: r.get(7)?,
                                sha256: r.get(8)?,
                                size: r.get(9)?,
                                mime_type: r.get(10)?,
                                local_path: r.get(11)?,
                                download_id: r.get(12)?,
                            },
                        ))
                    },
                )?
                .collect::<rusqlite::Result<_>>()?;
            if candidates.is_empty() {
                break;
            }
            for (rowid, stream, record_id, field, url, name, row) in candidates {
                self.backlog_after = rowid;
                if row.status == DOWNLOADED && row.stored(store).is_some() {
                    continue;
                }
                let Ok(stream) = stream.parse::<StreamName>() else {
                    continue;
                };
                let owner = owner_of(mirror, stream, &record_id)?;
                let download = self.next_download();
                mirror
                    .conn
                    .prepare_cached(
                        "UPDATE files SET status = 'pending', download_id = ?4 \
                         WHERE stream = ?1 AND record_id = ?2 AND field = ?3",
                    )?
                    .execute(params![stream.as_str(), record_id, field, download])?;
                downloads.push(FileDownload {
                    key: FileKey {
                        stream,
                        record_id,
                        field: field.clone(),
                        download,
                    },
                    job: Job {
                        url,
                        owner,
                        field,
                        name,
                    },
                });
            }
        }
        Ok(downloads)
    }

    /// Forgets the files of a page's blocks (when `blocks`) and comments (when `comments`)
    /// whose content version is older than `version` (within the open transaction): once a
    /// page's content was read completely, blocks and comments that do not carry its new
    /// content version are gone (`Message::PageContent` of `notion-streams`). Returns the rows
    /// deleted.
    pub fn page_content(
        &mut self,
        mirror: &mut Mirror,
        page: &str,
        version: &str,
        blocks: bool,
        comments: bool,
    ) -> Result<usize> {
        mirror.begin()?;
        let mut deleted = 0;
        for (stream, wanted) in [
            (StreamName::Blocks, blocks),
            (StreamName::Comments, comments),
        ] {
            if !wanted {
                continue;
            }
            deleted += mirror
                .conn
                .prepare_cached(
                    "DELETE FROM files WHERE page_id = ?1 AND stream = ?2 \
                     AND (content_version IS NULL OR content_version < ?3)",
                )?
                .execute(params![page, stream.as_str(), version])?;
        }
        Ok(deleted)
    }

    /// Forgets the files of records the mirror no longer holds (within the open transaction):
    /// rows deleted with a page (its blocks and comments), by a full refresh's sweep, or in
    /// any other way than through [`FileUpkeep::record`]. Returns the rows deleted.
    pub fn forget_orphans(mirror: &mut Mirror) -> Result<usize> {
        mirror.begin()?;
        let mut deleted = 0;
        for stream in StreamName::ALL {
            let Some(table) = crate::Table::for_stream(stream) else {
                continue;
            };
            deleted += mirror.conn.execute(
                &format!(
                    "DELETE FROM files WHERE stream = ?1 \
                     AND record_id NOT IN (SELECT id FROM {})",
                    table.name()
                ),
                params![stream.as_str()],
            )?;
        }
        Ok(deleted)
    }

    /// Removes from the store the copies no row refers to any more, once the rows are
    /// committed (call it after the sync's last commit).
    pub fn sweep(mirror: &Mirror, store: &Store) -> Result<Swept> {
        let mut referenced = mirror
            .conn
            .prepare("SELECT EXISTS (SELECT 1 FROM files WHERE local_path = ?1)")?;
        store.sweep(|local| Ok(referenced.query_row([local], |r| r.get::<_, bool>(0))?))
    }

    /// Rows and bytes of the `files` table by status.
    pub fn counts(mirror: &Mirror) -> Result<FileCounts> {
        let by_status = mirror
            .conn
            .prepare(
                "SELECT status, COUNT(*), COALESCE(SUM(size), 0) FROM files \
                 GROUP BY status ORDER BY status",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(FileCounts { by_status })
    }
}

/// The object to read again for a record's fresh links.
fn owner_of(mirror: &Mirror, stream: StreamName, id: &str) -> Result<Option<Owner>> {
    let id = id.to_owned();
    Ok(match stream {
        StreamName::Blocks => Some(Owner::Block(id)),
        StreamName::Pages => Some(Owner::Page(id)),
        StreamName::Databases => Some(Owner::Database(id)),
        StreamName::DataSources => Some(Owner::DataSource(id)),
        StreamName::Comments => {
            let parent: Option<Option<String>> = mirror
                .conn
                .prepare_cached("SELECT parent_id FROM comments WHERE id = ?1")?
                .query_row([&id], |r| r.get(0))
                .optional()?;
            parent.flatten().map(|parent| Owner::Comment { id, parent })
        }
        _ => None,
    })
}
