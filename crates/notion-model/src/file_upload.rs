//! File uploads.

use serde_json::Value;

use crate::block::is_trashed;
use crate::codec::object;
use crate::{EntityRef, Id, Timestamp};

object! {
    /// A file upload (`object: "file_upload"`); unattached uploads expire after an hour.
    #[derive(Debug, Clone, PartialEq)]
    pub struct FileUpload: object "file_upload" {
        /// The upload id.
        req id: Id,
        /// When it was created.
        opt created_time: Timestamp,
        /// Who created it: `{id, type}` with type `person`, `bot` or `agent`.
        opt created_by: EntityRef,
        /// When it was last edited.
        opt last_edited_time: Timestamp,
        /// When it expires if not attached, `null` once attached.
        null expiry_time: Timestamp,
        /// Whether it is in the trash.
        opt in_trash: bool,
        /// Deprecated mirror of `in_trash`, sent before 2026-03-11.
        opt archived: bool,
        /// `pending`, `uploaded`, `expired` or `failed`.
        opt status: String,
        /// The file name.
        null filename: String,
        /// The MIME type.
        null content_type: String,
        /// The size in bytes.
        null content_length: u64,
        /// Where to send the content (pending uploads).
        opt upload_url: String,
        /// Where to complete a multi-part upload.
        opt complete_url: String,
        /// The result of an import from an external URL.
        opt file_import_result: Value,
    }
}

impl FileUpload {
    /// Whether the upload is in the trash: `in_trash`, else `archived`, else `false`.
    pub fn is_trashed(&self) -> bool {
        is_trashed(self.in_trash, self.archived)
    }
}
