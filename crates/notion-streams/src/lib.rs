//! notion-streams
