//! Comments.

use crate::codec::object;
use crate::file::NotionFile;
use crate::rich_text::{RichText, plain_text};
use crate::{Id, Parent, Timestamp, User};

object! {
    /// A comment; threads are comments sharing a `discussion_id`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Comment: object "comment" {
        /// The comment id.
        req id: Id,
        /// The page or block commented on.
        opt parent: Parent,
        /// The thread.
        opt discussion_id: Id,
        /// When it was created.
        opt created_time: Timestamp,
        /// When it was last edited.
        opt last_edited_time: Timestamp,
        /// Who wrote it (partial user).
        opt created_by: User,
        /// The text.
        opt rich_text: Vec<RichText>,
        /// The name shown as author.
        opt display_name: DisplayName,
        /// Attached files.
        opt attachments: Vec<Attachment>,
    }
}

object! {
    /// The author name shown on a comment.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct DisplayName {
        /// `custom`, `user` or `integration`.
        opt name_type as "type": String,
        /// The name, `null` when it cannot be resolved.
        null resolved_name: String,
    }
}

object! {
    /// A file attached to a comment.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Attachment {
        /// `audio`, `image`, `pdf`, `productivity` or `video`.
        opt category: String,
        /// The Notion-hosted file.
        opt file: NotionFile,
    }
}

impl Comment {
    /// The plain text of the comment.
    pub fn plain_text(&self) -> String {
        self.rich_text
            .as_deref()
            .map(plain_text)
            .unwrap_or_default()
    }
}
