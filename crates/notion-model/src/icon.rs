//! Icons of pages, databases, data sources, callouts and tabs; custom emojis.

use crate::codec::{object, tagged_kind};
use crate::file::{ExternalFile, NotionFile};
use crate::{Color, Id};

object! {
    /// An icon: emoji, custom emoji, external or Notion-hosted image, or native icon.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Icon {}
    /// The kind of icon.
    tag req kind: IconKind;
}

tagged_kind! {
    /// The kind of an [`Icon`].
    #[derive(Debug, Clone, PartialEq)]
    pub enum IconKind {
        /// `emoji`: the emoji character(s).
        Emoji(String) = "emoji",
        /// `custom_emoji`
        CustomEmoji(CustomEmoji) = "custom_emoji",
        /// `external`: an image URL.
        External(ExternalFile) = "external",
        /// `file`: a Notion-hosted image.
        File(NotionFile) = "file",
        /// `icon`: a native Notion icon (since 2026-03-25).
        Native(NativeIcon) = "icon",
    }
}

object! {
    /// A workspace's custom emoji.
    #[derive(Debug, Clone, PartialEq)]
    pub struct CustomEmoji {
        /// The emoji id.
        req id: Id,
        /// Its name (`bufo`).
        opt name: String,
        /// Its image URL.
        opt url: String,
    }
}

object! {
    /// A native Notion icon: `{name, color}`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct NativeIcon {
        /// The icon name.
        req name: String,
        /// The icon color.
        opt color: Color,
    }
}

impl Icon {
    /// An icon of this kind.
    pub fn new(kind: IconKind) -> Self {
        Icon {
            kind,
            extra: Default::default(),
        }
    }

    /// An emoji icon.
    pub fn emoji(emoji: impl Into<String>) -> Self {
        Icon::new(IconKind::Emoji(emoji.into()))
    }

    /// An external image icon.
    pub fn external(url: impl Into<String>) -> Self {
        Icon::new(IconKind::External(ExternalFile {
            url: url.into(),
            extra: Default::default(),
        }))
    }

    /// The emoji, for emoji icons.
    pub fn as_emoji(&self) -> Option<&str> {
        match &self.kind {
            IconKind::Emoji(emoji) => Some(emoji),
            _ => None,
        }
    }
}
