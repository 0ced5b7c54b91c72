//! File objects: Notion-hosted files, external files, covers.

use crate::codec::{object, tagged_kind};
use crate::{Id, Timestamp};

object! {
    /// A file object: `{type: "file", file: {url, expiry_time}}` or
    /// `{type: "external", external: {url}}`. Page and database covers are file objects.
    #[derive(Debug, Clone, PartialEq)]
    pub struct File {}
    /// Where the file lives.
    tag req kind: FileKind;
}

/// A page, database or data source cover.
pub type Cover = File;

object! {
    /// A file with a name, as in `files` property values.
    #[derive(Debug, Clone, PartialEq)]
    pub struct NamedFile {
        /// The file name.
        opt name: String,
    }
    /// Where the file lives.
    tag req kind: FileKind;
}

tagged_kind! {
    /// Where a file lives.
    #[derive(Debug, Clone, PartialEq)]
    pub enum FileKind {
        /// `file`: hosted by Notion, behind a URL valid for about an hour.
        File(NotionFile) = "file",
        /// `external`: a URL elsewhere.
        External(ExternalFile) = "external",
        /// `file_upload`: an uploaded file (request shape; reads return `file`).
        FileUpload(FileUploadRef) = "file_upload",
    }
}

object! {
    /// A Notion-hosted file: a pre-signed URL and when it expires.
    #[derive(Debug, Clone, PartialEq)]
    pub struct NotionFile {
        /// The pre-signed URL (valid about an hour; do not compare its query string).
        req url: String,
        /// When the URL expires.
        opt expiry_time: Timestamp,
    }
}

object! {
    /// An external file: `{url}`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct ExternalFile {
        /// The URL.
        req url: String,
    }
}

object! {
    /// A reference to a file upload: `{id}`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct FileUploadRef {
        /// The file upload id.
        req id: Id,
    }
}

impl FileKind {
    /// The URL of a Notion-hosted or external file.
    pub fn url(&self) -> Option<&str> {
        match self {
            FileKind::File(file) => Some(&file.url),
            FileKind::External(file) => Some(&file.url),
            _ => None,
        }
    }

    /// An external file.
    pub fn external(url: impl Into<String>) -> Self {
        FileKind::External(ExternalFile {
            url: url.into(),
            extra: Default::default(),
        })
    }

    /// A Notion-hosted file.
    pub fn hosted(url: impl Into<String>, expiry_time: Timestamp) -> Self {
        FileKind::File(NotionFile {
            url: url.into(),
            expiry_time: Some(expiry_time),
            extra: Default::default(),
        })
    }
}

impl File {
    /// A file object of this kind.
    pub fn new(kind: FileKind) -> Self {
        File {
            kind,
            extra: Default::default(),
        }
    }

    /// An external file (or cover).
    pub fn external(url: impl Into<String>) -> Self {
        File::new(FileKind::external(url))
    }

    /// A Notion-hosted file.
    pub fn hosted(url: impl Into<String>, expiry_time: Timestamp) -> Self {
        File::new(FileKind::hosted(url, expiry_time))
    }

    /// The URL, for hosted and external files.
    pub fn url(&self) -> Option<&str> {
        self.kind.url()
    }
}

impl NamedFile {
    /// A named file of this kind.
    pub fn new(name: impl Into<String>, kind: FileKind) -> Self {
        NamedFile {
            name: Some(name.into()),
            kind,
            extra: Default::default(),
        }
    }
}
