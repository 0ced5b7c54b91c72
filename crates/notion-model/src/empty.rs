//! Payloads that are empty objects.

use crate::codec::object;

object! {
    /// An empty object payload (`{}`), e.g. of `divider` blocks or `checkbox` property schemas.
    /// Members Notion may add later are kept in `extra`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Empty {}
}

impl Empty {
    /// An empty object.
    pub fn new() -> Self {
        Empty::default()
    }
}
