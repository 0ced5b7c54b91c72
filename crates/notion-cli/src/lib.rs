//! notion-cli
