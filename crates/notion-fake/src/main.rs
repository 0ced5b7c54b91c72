//! `notion-fake`: serve a fake Notion API on 127.0.0.1.
fn main() {}
