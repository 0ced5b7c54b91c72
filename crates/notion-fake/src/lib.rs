//! notion-fake
