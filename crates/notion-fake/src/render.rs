//! Shapes objects for an API version and serializes them.
//!
//! Objects are `notion-model` values; they are serialized straight into a per-thread buffer that
//! is reused from request to request (no intermediate `serde_json::Value`), then copied once
//! into the response body.

use std::cell::RefCell;

use bytes::Bytes;
use notion_model::{
    ApiVersion, Block, Comment, DataSource, Database, Page, Parent, ParentKind, PropertySchemas,
    PropertyValueKind, Timestamp, User,
};
use serde::Serialize;

use crate::error::ApiError;

/// Relation and people values in page objects list at most this many entries.
pub(crate) const PAGE_VALUE_LIMIT: usize = 25;

/// One object of a response.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    User(User),
    Database(Box<Database>),
    DataSource(Box<DataSource>),
    Page(Box<Page>),
    Block(Box<Block>),
    Comment(Box<Comment>),
    /// An object already serialized.
    Json(std::sync::Arc<str>),
}

impl Serialize for Item {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Item::User(x) => x.serialize(s),
            Item::Database(x) => x.serialize(s),
            Item::DataSource(x) => x.serialize(s),
            Item::Page(x) => x.serialize(s),
            Item::Block(x) => x.serialize(s),
            Item::Comment(x) => x.serialize(s),
            // Lists holding serialized items are written by `list_body`.
            Item::Json(_) => Err(serde::ser::Error::custom(
                "a serialized item must be written with list_body",
            )),
        }
    }
}

/// A page as a response of `version`: relation and people values cut at 25 with `has_more`,
/// `archived` before 2026-03-11, and a `database_id` parent for rows on the legacy version.
pub(crate) fn page(mut p: Page, version: ApiVersion) -> Page {
    if let Some(props) = &mut p.properties {
        for v in props.values_mut() {
            match &mut v.kind {
                PropertyValueKind::Relation(r) => {
                    let more = r.len() > PAGE_VALUE_LIMIT;
                    r.truncate(PAGE_VALUE_LIMIT);
                    v.has_more = Some(more);
                }
                PropertyValueKind::People(people) if people.len() > PAGE_VALUE_LIMIT => {
                    people.truncate(PAGE_VALUE_LIMIT);
                    v.has_more = Some(true);
                }
                _ => {}
            }
        }
    }
    shape_page(p, version)
}

/// `archived` before 2026-03-11, and a `database_id` parent for rows on the legacy version.
fn shape_page(mut p: Page, version: ApiVersion) -> Page {
    p.adapt_to(version);
    if version.is_legacy()
        && let Some(parent) = &mut p.parent
        && let ParentKind::DataSource {
            database_id: Some(db),
            ..
        } = parent.kind
    {
        *parent = Parent::database(db);
    }
    p
}

/// A page with complete values as a reader ends with it in `version`: like [`page`] without
/// the cut (every relation with `has_more: false`, a people value longer than 25 too).
pub(crate) fn page_complete(mut p: Page, version: ApiVersion) -> Page {
    if let Some(props) = &mut p.properties {
        for v in props.values_mut() {
            match &v.kind {
                PropertyValueKind::Relation(_) => v.has_more = Some(false),
                PropertyValueKind::People(people) if people.len() > PAGE_VALUE_LIMIT => {
                    v.has_more = Some(false);
                }
                _ => {}
            }
        }
    }
    shape_page(p, version)
}

/// A block as a response of `version`.
pub(crate) fn block(mut b: Block, version: ApiVersion) -> Block {
    b.adapt_to(version);
    b
}

/// A data source as a response of `version`.
pub(crate) fn data_source(mut d: DataSource, version: ApiVersion) -> DataSource {
    d.adapt_to(version);
    d
}

/// A database as a response of `version`. On the legacy version the database carries the
/// schema of its (single) data source as `properties`, no `data_sources`, and page-style
/// timestamps.
pub(crate) fn database(
    mut d: Database,
    version: ApiVersion,
    schema: Option<PropertySchemas>,
) -> Database {
    d.adapt_to(version);
    if version.is_legacy() {
        d.data_sources = None;
        d.created_time = d.created_time.as_ref().map(Timestamp::truncated_to_minute);
        d.last_edited_time = d
            .last_edited_time
            .as_ref()
            .map(Timestamp::truncated_to_minute);
        let props = serde_json::to_value(schema.unwrap_or_default())
            .unwrap_or_else(|_| serde_json::Value::Object(Default::default()));
        d.extra.insert("properties".to_owned(), props);
    }
    d
}

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(64 * 1024));
}

/// Buffers larger than this are not kept between requests.
const KEEP: usize = 4 << 20;

/// A list response (`{object: "list", results, next_cursor, has_more, type, <type>: {},
/// request_status?}`) whose items may be already serialized, followed by `"request_id"`.
pub(crate) fn list_body(
    ty: &str,
    items: &[Item],
    next: Option<&str>,
    status: Option<&notion_model::RequestStatus>,
    request_id: &str,
) -> Result<Bytes, ApiError> {
    with_buffer(|buf| {
        let err = |_| ApiError::internal();
        buf.extend_from_slice(b"{\"object\":\"list\",\"results\":[");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            match item {
                Item::Json(json) => buf.extend_from_slice(json.as_bytes()),
                other => serde_json::to_writer(&mut *buf, other).map_err(err)?,
            }
        }
        buf.extend_from_slice(b"],\"next_cursor\":");
        serde_json::to_writer(&mut *buf, &next).map_err(err)?;
        buf.extend_from_slice(if next.is_some() {
            b",\"has_more\":true,\"type\":"
        } else {
            b",\"has_more\":false,\"type\":"
        });
        serde_json::to_writer(&mut *buf, ty).map_err(err)?;
        buf.push(b',');
        serde_json::to_writer(&mut *buf, ty).map_err(err)?;
        buf.extend_from_slice(b":{}");
        if let Some(status) = status {
            buf.extend_from_slice(b",\"request_status\":");
            serde_json::to_writer(&mut *buf, status).map_err(err)?;
        }
        buf.push(b'}');
        append_request_id(buf, request_id);
        Ok(())
    })
}

/// Runs `f` on the cleared per-thread buffer and returns its content.
fn with_buffer(f: impl FnOnce(&mut Vec<u8>) -> Result<(), ApiError>) -> Result<Bytes, ApiError> {
    BUFFER.with(|cell| {
        let mut fresh = Vec::new();
        let mut guard = cell.try_borrow_mut();
        let buf: &mut Vec<u8> = match &mut guard {
            Ok(b) => b,
            Err(_) => &mut fresh,
        };
        buf.clear();
        f(buf)?;
        let out = Bytes::copy_from_slice(buf);
        if buf.capacity() > KEEP {
            *buf = Vec::with_capacity(64 * 1024);
        }
        Ok(out)
    })
}

/// Serializes `value` followed by `"request_id"` (added as the last member of the object).
pub(crate) fn body<T: Serialize + ?Sized>(value: &T, request_id: &str) -> Result<Bytes, ApiError> {
    with_buffer(|buf| {
        serde_json::to_writer(&mut *buf, value).map_err(|_| ApiError::internal())?;
        append_request_id(buf, request_id);
        Ok(())
    })
}

fn append_request_id(body: &mut Vec<u8>, request_id: &str) {
    if body.last() == Some(&b'}') {
        body.pop();
        if body.last() != Some(&b'{') {
            body.push(b',');
        }
        body.extend_from_slice(b"\"request_id\":\"");
        body.extend_from_slice(request_id.as_bytes());
        body.extend_from_slice(b"\"}");
    }
}
