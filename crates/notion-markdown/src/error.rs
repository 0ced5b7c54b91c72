//! The crate's error type.

use notion_model::Id;

/// Errors of building a [`PageTree`](crate::PageTree). Rendering itself never fails.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The block's JSON does not decode as a block.
    #[error("block does not decode: {0}")]
    Decode(#[from] serde_json::Error),

    /// The block names no parent (`PageTree::push` needs one).
    #[error("block {0} names no parent")]
    NoParent(Id),
}
