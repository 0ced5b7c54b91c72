//! Notion-hosted files: placeholders in the workspace's objects, signed URLs on the fake
//! itself when served, and the bytes behind them.
//!
//! A base workspace writes every hosted file as a placeholder URL, `hosted:{size}:{name}`
//! (`size` in bytes, or `L` for the large file). Serving an object replaces each placeholder
//! with `http://127.0.0.1:PORT/files/{file id}/{name}?X-Amz-Algorithm=…&X-Amz-Date=…&
//! X-Amz-Expires=…&X-Amz-Signature=…` and its `expiry_time`. The file id is the id of the
//! object holding the file and the file's position among the object's hosted files
//! (`{object id}.{n}`), followed by `.{version}` once its content was replaced; the download
//! handler finds the file again from it, so nothing is stored per file.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use notion_model::block::BlockKind;
use notion_model::file::NotionFile;
use notion_model::{
    Block, Comment, DataSource, Database, FileKind, Icon, IconKind, Page, PropertyValueKind,
    Timestamp,
};
use sha2::{Digest, Sha256};

use crate::rng;

/// The scheme of placeholder URLs.
const SCHEME: &str = "hosted:";

/// How long signed URLs stay valid, unless configured otherwise.
pub(crate) const DEFAULT_EXPIRY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Size of the large file, unless configured otherwise.
pub(crate) const DEFAULT_LARGE_FILE: u64 = 8 << 20;

/// The size of a hosted file as its object declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Size {
    /// This many bytes.
    Bytes(u64),
    /// The workspace's large file ([`Signer::large`] bytes).
    Large,
}

/// A hosted file's placeholder.
pub(crate) fn placeholder(size: Size, name: &str) -> NotionFile {
    let size = match size {
        Size::Bytes(n) => n.to_string(),
        Size::Large => "L".to_owned(),
    };
    NotionFile {
        url: format!("{SCHEME}{size}:{name}"),
        expiry_time: None,
        extra: Default::default(),
    }
}

/// `(size, name)` of a placeholder URL.
fn parse(url: &str) -> Option<(Size, &str)> {
    let rest = url.strip_prefix(SCHEME)?;
    let (size, name) = rest.split_once(':')?;
    let size = match size {
        "L" => Size::Large,
        n => Size::Bytes(n.parse().ok()?),
    };
    Some((size, name))
}

/// The content type of a file name's extension.
pub(crate) fn content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "txt" | "md" => "text/plain",
        "csv" => "text/csv",
        "zip" => "application/zip",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    }
}

/// A hosted file found in an object: where it sits and what its placeholder says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// Position among the object's hosted files.
    pub(crate) slot: usize,
    /// JSON path of the file object in the served object (`image.file`,
    /// `properties.Attachments.files[0].file`, `icon.file`, `attachments[0].file`, …).
    pub(crate) field: String,
    pub(crate) name: String,
    pub(crate) size: Size,
}

/// Calls `f` with every file object of a page, in a fixed order, and the path of each.
fn page_files(page: &mut Page, f: &mut dyn FnMut(String, &mut NotionFile)) {
    icon_file(page.icon.as_mut().and_then(Option::as_mut), f);
    if let Some(Some(cover)) = &mut page.cover
        && let FileKind::File(file) = &mut cover.kind
    {
        f("cover.file".to_owned(), file);
    }
    for (name, value) in page.properties.iter_mut().flatten() {
        if let PropertyValueKind::Files(files) = &mut value.kind {
            for (i, nf) in files.iter_mut().enumerate() {
                if let FileKind::File(file) = &mut nf.kind {
                    f(format!("properties.{name}.files[{i}].file"), file);
                }
            }
        }
    }
}

fn icon_file(icon: Option<&mut Icon>, f: &mut dyn FnMut(String, &mut NotionFile)) {
    if let Some(Icon {
        kind: IconKind::File(file),
        ..
    }) = icon
    {
        f("icon.file".to_owned(), file);
    }
}

fn block_files(block: &mut Block, f: &mut dyn FnMut(String, &mut NotionFile)) {
    if let Some(kind) = &mut block.kind {
        let ty = kind.type_name().to_owned();
        match kind {
            BlockKind::Image(m)
            | BlockKind::Video(m)
            | BlockKind::Pdf(m)
            | BlockKind::File(m)
            | BlockKind::Audio(m) => {
                if let FileKind::File(file) = &mut m.kind {
                    f(format!("{ty}.file"), file);
                }
            }
            BlockKind::Callout(c) => icon_file(c.icon.as_mut().and_then(Option::as_mut), f),
            _ => {}
        }
    }
}

fn comment_files(comment: &mut Comment, f: &mut dyn FnMut(String, &mut NotionFile)) {
    for (i, a) in comment.attachments.iter_mut().flatten().enumerate() {
        if let Some(file) = &mut a.file {
            f(format!("attachments[{i}].file"), file);
        }
    }
}

fn database_files(db: &mut Database, f: &mut dyn FnMut(String, &mut NotionFile)) {
    icon_file(db.icon.as_mut().and_then(Option::as_mut), f);
    if let Some(Some(cover)) = &mut db.cover
        && let FileKind::File(file) = &mut cover.kind
    {
        f("cover.file".to_owned(), file);
    }
}

fn data_source_files(ds: &mut DataSource, f: &mut dyn FnMut(String, &mut NotionFile)) {
    icon_file(ds.icon.as_mut().and_then(Option::as_mut), f);
    if let Some(Some(cover)) = &mut ds.cover
        && let FileKind::File(file) = &mut cover.kind
    {
        f("cover.file".to_owned(), file);
    }
}

/// An object that can hold hosted files.
pub(crate) enum Holder<'a> {
    Page(&'a mut Page),
    Block(&'a mut Block),
    Comment(&'a mut Comment),
    Database(&'a mut Database),
    DataSource(&'a mut DataSource),
}

impl Holder<'_> {
    fn visit(self, f: &mut dyn FnMut(String, &mut NotionFile)) {
        match self {
            Holder::Page(p) => page_files(p, f),
            Holder::Block(b) => block_files(b, f),
            Holder::Comment(c) => comment_files(c, f),
            Holder::Database(d) => database_files(d, f),
            Holder::DataSource(d) => data_source_files(d, f),
        }
    }

    /// The hosted files of the object (its placeholders), in slot order.
    pub(crate) fn files(self) -> Vec<Found> {
        let mut out = Vec::new();
        self.visit(&mut |field, file| {
            if let Some((size, name)) = parse(&file.url) {
                out.push(Found {
                    slot: out.len(),
                    field,
                    name: name.to_owned(),
                    size,
                });
            }
        });
        out
    }
}

/// Signs hosted-file URLs and checks them.
#[derive(Debug)]
pub(crate) struct Signer {
    base_url: OnceLock<String>,
    /// How long a URL stays valid, in seconds (at least 1).
    expiry: i64,
    /// Bytes of the large file.
    pub(crate) large: u64,
    key: [u8; 32],
}

/// Why a file request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Denied {
    /// The URL's time is over.
    Expired,
    /// The signature does not match the URL.
    BadSignature,
    /// Parameters are missing or malformed.
    Malformed,
}

type HmacSha256 = Hmac<Sha256>;

impl Signer {
    pub(crate) fn new(seed: u64, expiry: std::time::Duration, large: u64) -> Self {
        let mut key = [0u8; 32];
        for (i, chunk) in key.chunks_mut(8).enumerate() {
            chunk.copy_from_slice(&rng::hash(seed, &[0x5161, i as u64]).to_le_bytes());
        }
        Signer {
            base_url: OnceLock::new(),
            expiry: i64::try_from(expiry.as_secs()).unwrap_or(i64::MAX).max(1),
            large,
            key,
        }
    }

    /// Records the server's address (URLs point at the fake itself).
    pub(crate) fn set_base_url(&self, url: String) {
        let _ = self.base_url.set(url);
    }

    /// URLs are signed at the start of the current window, half the expiry (30 minutes by
    /// default, at most an hour): a URL is served with at least half its validity left, and
    /// the same object served twice within a window carries the same URL.
    pub(crate) fn window(&self) -> i64 {
        (self.expiry / 2).clamp(1, 3600)
    }

    /// The index of the signing window of `now` (serialized objects change with it).
    pub(crate) fn window_of(&self, now: DateTime<Utc>) -> i64 {
        now.timestamp().div_euclid(self.window())
    }

    fn signature(&self, path: &str, date: &str, expires: i64) -> String {
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        mac.update(path.as_bytes());
        mac.update(b"\n");
        mac.update(date.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// The URL path of a file.
    pub(crate) fn path(file_id: &str, name: &str) -> String {
        let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        format!("/files/{file_id}/{}", name.replace('+', "%20"))
    }

    /// A signed URL of a file and its expiry, issued at `now`'s window.
    pub(crate) fn sign(
        &self,
        file_id: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> (String, DateTime<Utc>) {
        let start = self.window_of(now) * self.window();
        let issued = DateTime::<Utc>::from_timestamp(start, 0).unwrap_or(now);
        let date = issued.format("%Y%m%dT%H%M%SZ").to_string();
        let path = Signer::path(file_id, name);
        let sig = self.signature(&path, &date, self.expiry);
        let base = self
            .base_url
            .get()
            .map_or("http://127.0.0.1", String::as_str);
        (
            format!(
                "{base}{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={date}&X-Amz-Expires={}&X-Amz-Signature={sig}",
                self.expiry
            ),
            issued + Duration::seconds(self.expiry),
        )
    }

    /// Checks a download's signature and time; returns when the URL expires (or expired).
    pub(crate) fn verify(
        &self,
        path: &str,
        query: &str,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, (Denied, Option<DateTime<Utc>>)> {
        let param = |name: &str| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let (Some(date), Some(expires), Some(sig)) = (
            param("X-Amz-Date"),
            param("X-Amz-Expires").and_then(|e| e.parse::<i64>().ok()),
            param("X-Amz-Signature"),
        ) else {
            return Err((Denied::Malformed, None));
        };
        let issued = chrono::NaiveDateTime::parse_from_str(&date, "%Y%m%dT%H%M%SZ")
            .map(|t| t.and_utc())
            .map_err(|_| (Denied::Malformed, None))?;
        let until = issued + Duration::seconds(expires);
        if self.signature(path, &date, expires) != sig {
            return Err((Denied::BadSignature, None));
        }
        if now > until {
            return Err((Denied::Expired, Some(until)));
        }
        Ok(until)
    }

    /// Replaces the placeholders of `holder` with signed URLs. `owner` is the object's id,
    /// `version` the content version of each slot.
    pub(crate) fn sign_all(
        &self,
        holder: Holder<'_>,
        owner: &notion_model::Id,
        version: &dyn Fn(usize) -> u32,
        now: DateTime<Utc>,
    ) {
        let mut slot = 0;
        holder.visit(&mut |_, file| {
            if let Some((_, name)) = parse(&file.url) {
                let name = name.to_owned();
                let id = file_id(owner, slot, version(slot));
                let (url, expiry) = self.sign(&id, &name, now);
                file.url = url;
                file.expiry_time = Some(Timestamp::from_datetime(expiry));
                slot += 1;
            }
        });
    }

    /// The bytes of a file of `size`.
    pub(crate) fn bytes_of(&self, size: Size) -> u64 {
        match size {
            Size::Bytes(n) => n,
            Size::Large => self.large,
        }
    }
}

/// The id of a hosted file: its object's id, its slot, and its version when replaced.
pub(crate) fn file_id(owner: &notion_model::Id, slot: usize, version: u32) -> String {
    if version == 0 {
        format!("{owner}.{slot}")
    } else {
        format!("{owner}.{slot}.{version}")
    }
}

/// `(object id, slot, version)` of a file id.
pub(crate) fn parse_file_id(id: &str) -> Option<(notion_model::Id, usize, u32)> {
    let mut parts = id.split('.');
    let owner = notion_model::Id::parse(parts.next()?).ok()?;
    let slot = parts.next()?.parse().ok()?;
    let version = match parts.next() {
        Some(v) => v.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((owner, slot, version))
}

/// The size of a version of a file: each replacement adds a little, so versions differ.
pub(crate) fn version_size(size: u64, version: u32) -> u64 {
    size + u64::from(version) * 97
}

/// The content of a file: `len` deterministic bytes derived from its id.
pub(crate) fn content(file_id: &str, len: u64) -> Vec<u8> {
    let seed = file_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    let mut out = Vec::with_capacity(len);
    let mut i = 0u64;
    while out.len() < len {
        let word = rng::mix(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let take = (len - out.len()).min(8);
        out.extend_from_slice(&word.to_le_bytes()[..take]);
        i += 1;
    }
    out
}

/// The SHA-256 of bytes, in lowercase hex.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0xF)] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_sign_verify_and_expire() {
        let s = Signer::new(7, std::time::Duration::from_secs(10), 1 << 20);
        s.set_base_url("http://127.0.0.1:9".to_owned());
        let now = crate::clock::default_start() + Duration::seconds(3);
        let owner = notion_model::Id::from_bytes([7; 16]);
        let id = file_id(&owner, 1, 0);
        let (url, expiry) = s.sign(&id, "a b.png", now);
        assert_eq!(s.window(), 5);
        assert_eq!(
            expiry,
            crate::clock::default_start() + Duration::seconds(10)
        );
        let (path, query) = url
            .strip_prefix("http://127.0.0.1:9")
            .and_then(|u| u.split_once('?'))
            .unwrap();
        assert_eq!(path, format!("/files/{id}/a%20b.png"));
        assert_eq!(s.verify(path, query, now), Ok(expiry));
        assert_eq!(
            s.verify(path, query, expiry + Duration::seconds(1)),
            Err((Denied::Expired, Some(expiry)))
        );
        let forged = query.replace("X-Amz-Expires=10", "X-Amz-Expires=99");
        assert_eq!(
            s.verify(path, &forged, now).map_err(|e| e.0),
            Err(Denied::BadSignature)
        );
        assert_eq!(
            s.verify(path, "", now).map_err(|e| e.0),
            Err(Denied::Malformed)
        );
        assert_eq!(parse_file_id(&id), Some((owner, 1, 0)));
        assert_eq!(parse_file_id(&file_id(&owner, 2, 3)), Some((owner, 2, 3)));
        assert_eq!(content(&id, 13).len(), 13);
        assert_eq!(content(&id, 13), content(&id, 13));
        assert_ne!(content(&id, 13), content(&file_id(&owner, 1, 1), 13));
        assert_eq!(parse("hosted:12:x.pdf"), Some((Size::Bytes(12), "x.pdf")));
        assert_eq!(parse("hosted:L:big.zip"), Some((Size::Large, "big.zip")));
        assert_eq!(parse("https://example.com"), None);
    }
}
