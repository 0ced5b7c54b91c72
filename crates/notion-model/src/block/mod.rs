//! Blocks: the envelope and every block type.

mod kind;
pub mod payload;

pub use kind::BlockKind;
pub use payload::*;

use crate::codec::object;
use crate::rich_text::RichText;
use crate::{ApiVersion, Id, Parent, Timestamp, User};

object! {
    /// A block: `{object: "block", id, parent, …, type, <type>: {…}}`.
    ///
    /// Everything except `id` is optional so that partial blocks (`{object, id}`) decode too;
    /// [`Block::kind`] is `None` for them.
    ///
    /// ```
    /// use notion_model::{Block, BlockKind, Id, Parent};
    ///
    /// let page: Id = "59833787-2cf9-4fdf-8782-e53db20768a5".parse()?;
    /// let block = Block::new(Id::from_u128(1), Parent::page(page), BlockKind::paragraph("Hello"));
    /// assert_eq!(block.plain_text(), "Hello");
    /// let json = serde_json::to_value(&block)?;
    /// assert_eq!(json["type"], "paragraph");
    /// assert_eq!(json["paragraph"]["rich_text"][0]["plain_text"], "Hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct Block: object "block" {
        /// The block id.
        req id: Id,
        /// The page, block, … holding the block.
        opt parent: Parent,
        /// When the block was created.
        opt created_time: Timestamp,
        /// Who created it.
        opt created_by: User,
        /// When it was last edited (minute granularity).
        opt last_edited_time: Timestamp,
        /// Who last edited it.
        opt last_edited_by: User,
        /// Whether it has children (fetch them with the block-children endpoint).
        opt has_children: bool,
        /// Whether it is in the trash.
        opt in_trash: bool,
        /// Deprecated mirror of `in_trash`, sent before 2026-03-11.
        opt archived: bool,
    }
    /// The type and its payload; `None` for a partial block.
    tag opt kind: BlockKind;
}

impl Block {
    /// A block of this kind with no children, not in the trash, and no timestamps or authors
    /// yet (see [`Block::with_created`], [`Block::with_last_edited`]).
    pub fn new(id: Id, parent: Parent, kind: BlockKind) -> Self {
        Block {
            id,
            parent: Some(parent),
            created_time: None,
            created_by: None,
            last_edited_time: None,
            last_edited_by: None,
            has_children: Some(false),
            in_trash: Some(false),
            archived: None,
            kind: Some(kind),
            extra: Default::default(),
        }
    }

    /// Sets `created_time` and `created_by` (a partial user).
    pub fn with_created(mut self, time: Timestamp, by: Id) -> Self {
        self.created_time = Some(time);
        self.created_by = Some(User::partial(by));
        self
    }

    /// Sets `last_edited_time` and `last_edited_by` (a partial user).
    pub fn with_last_edited(mut self, time: Timestamp, by: Id) -> Self {
        self.last_edited_time = Some(time);
        self.last_edited_by = Some(User::partial(by));
        self
    }

    /// Sets `has_children`.
    pub fn with_children(mut self, has_children: bool) -> Self {
        self.has_children = Some(has_children);
        self
    }

    /// Shapes the block as a response of this API version: `archived` mirrors `in_trash` before
    /// 2026-03-11 and is absent from then on; meeting notes are typed `transcription` before
    /// 2026-03-11.
    pub fn adapt_to(&mut self, version: ApiVersion) {
        self.archived = adapt_archived(version, self.in_trash, self.archived);
        if let Some(BlockKind::MeetingNotes(notes)) = &mut self.kind {
            notes.legacy_transcription = version.uses_transcription_type();
        }
    }

    /// The value of `type`, if the block is not partial.
    pub fn type_name(&self) -> Option<&str> {
        self.kind.as_ref().map(BlockKind::type_name)
    }

    /// Whether the block says it has children.
    pub fn has_children(&self) -> bool {
        self.has_children.unwrap_or(false)
    }

    /// Whether the children are read through the block-children endpoint: the block has
    /// children and is not a `child_page` or `child_database` (whose content is a separate
    /// page or database).
    pub fn children_fetchable(&self) -> bool {
        self.has_children()
            && !matches!(
                self.kind,
                Some(BlockKind::ChildPage(_) | BlockKind::ChildDatabase(_))
            )
    }

    /// Whether the block is in the trash: `in_trash`, else `archived`, else `false`.
    pub fn is_trashed(&self) -> bool {
        is_trashed(self.in_trash, self.archived)
    }

    /// The rich text of text-like blocks; see [`BlockKind::rich_text`].
    pub fn rich_text(&self) -> Option<&[RichText]> {
        self.kind.as_ref().and_then(BlockKind::rich_text)
    }

    /// The readable text of the block; see [`BlockKind::plain_text`].
    pub fn plain_text(&self) -> String {
        self.kind
            .as_ref()
            .map(BlockKind::plain_text)
            .unwrap_or_default()
    }
}

/// `in_trash` if present, else `archived`, else `false`.
pub(crate) fn is_trashed(in_trash: Option<bool>, archived: Option<bool>) -> bool {
    in_trash.or(archived).unwrap_or(false)
}

/// The `archived` member a response of `version` carries.
pub(crate) fn adapt_archived(
    version: ApiVersion,
    in_trash: Option<bool>,
    archived: Option<bool>,
) -> Option<bool> {
    if version.has_archived() {
        in_trash.or(archived)
    } else {
        None
    }
}
