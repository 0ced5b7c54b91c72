//! notion-model
