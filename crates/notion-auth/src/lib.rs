//! notion-auth
