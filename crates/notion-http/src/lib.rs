//! notion-http
