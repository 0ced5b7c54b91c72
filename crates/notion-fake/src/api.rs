//! Endpoint handlers.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use notion_model::property::RollupKind;
use notion_model::property_item::{
    PropertyItem, PropertyItemKind, PropertyItemListInfo, PropertyItemListKind,
};
use notion_model::{ApiVersion, Empty, Id, List, PropertySchemaKind, PropertyValueKind};
use serde::Serialize;
use serde_json::Value;

use crate::auth::Capabilities;
use crate::cursor::{CursorKind, scope_hash};
use crate::error::ApiError;
use crate::render::{self, Item};
use crate::routes::{Endpoint, Route};
use crate::server::Shared;
use crate::workspace::Found;

/// One request, after version, auth and rate-limit checks.
pub(crate) struct Ctx<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) version: ApiVersion,
    pub(crate) caps: Capabilities,
    pub(crate) route: Route,
    pub(crate) query: String,
    pub(crate) body: Bytes,
    pub(crate) content_type: String,
    pub(crate) authorization: Option<String>,
    pub(crate) search_lag: std::time::Duration,
    pub(crate) request_id: String,
    /// The fake clock when the request arrived.
    pub(crate) now: DateTime<Utc>,
}

impl Ctx<'_> {
    fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The `filter_properties` query parameter (repeated, or as `filter_properties[]`):
    /// property ids or names to keep in page objects; `None` when absent.
    pub(crate) fn filter_properties(&self) -> Option<Vec<String>> {
        let keep: Vec<String> = url::form_urlencoded::parse(self.query.as_bytes())
            .filter(|(k, _)| k == "filter_properties" || k == "filter_properties[]")
            .map(|(_, v)| v.into_owned())
            .collect();
        (!keep.is_empty()).then_some(keep)
    }

    /// A page as a list item of this request: from the serialized-page cache when the
    /// workspace is unchanged and nothing trims its properties.
    pub(crate) fn page_item(&self, id: &Id) -> Option<Item> {
        let ws = &self.shared.ws;
        if self.filter_properties().is_none() && ws.unchanged() {
            return ws.page_json(id, self.version, self.now).map(Item::Json);
        }
        ws.page(id, self.now)
            .map(|p| Item::Page(Box::new(self.page_out(p))))
    }

    /// A page as served for this request: shaped for the version, properties trimmed to
    /// `filter_properties`.
    pub(crate) fn page_out(&self, mut page: notion_model::Page) -> notion_model::Page {
        if let (Some(keep), Some(props)) = (self.filter_properties(), &mut page.properties) {
            props.retain(|name, v| {
                keep.iter().any(|k| {
                    k == name
                        || v.id.as_deref() == Some(k.as_str())
                        || v.id.as_deref().map(percent_decode).as_deref() == Some(k.as_str())
                })
            });
        }
        render::page(page, self.version)
    }

    pub(crate) fn json_body(&self) -> Result<serde_json::Map<String, Value>, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Map::new());
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(ApiError::validation(
                "body failed validation: body should be an object.",
            )),
            Err(_) => Err(ApiError::invalid_json()),
        }
    }

    pub(crate) fn id_param(&self, what: &str) -> Result<Id, ApiError> {
        let raw = self.route.id.as_deref().unwrap_or("");
        Id::parse(raw).map_err(|_| {
            ApiError::validation(format!(
                "path failed validation: path.{what}_id should be a valid uuid, instead was `\"{raw}\"`."
            ))
        })
    }

    pub(crate) fn not_found(&self, what: &str, id: &Id) -> ApiError {
        ApiError::not_found(what, &id.to_string(), &self.shared.ws.bot_id().to_string())
    }

    pub(crate) fn need(&self, ok: bool) -> Result<(), ApiError> {
        if ok {
            Ok(())
        } else {
            Err(ApiError::restricted())
        }
    }

    /// The response body: `value` and the request id.
    pub(crate) fn respond<T: Serialize + ?Sized>(&self, value: &T) -> Result<Bytes, ApiError> {
        render::body(value, &self.request_id)
    }
}

/// Pagination parameters.
pub(crate) struct PageReq {
    size: usize,
    cursor: Option<String>,
}

fn page_size_value(v: &Value, place: &str) -> Result<usize, ApiError> {
    let n = v
        .as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()));
    match n {
        Some(n) if (1..=100).contains(&n) => Ok(n as usize),
        Some(n) if n > 100 => Err(ApiError::validation(format!(
            "{place} failed validation: {place}.page_size should be ≤ `100`, instead was `{n}`."
        ))),
        _ => Err(ApiError::validation(format!(
            "{place} failed validation: {place}.page_size should be a positive integer, instead was `{v}`."
        ))),
    }
}

fn page_req_query(ctx: &Ctx<'_>) -> Result<PageReq, ApiError> {
    let size = match ctx.query_param("page_size") {
        Some(s) => page_size_value(&Value::String(s), "query")?,
        None => 100,
    };
    let cursor = ctx.query_param("start_cursor").filter(|s| !s.is_empty());
    Ok(PageReq { size, cursor })
}

pub(crate) fn page_req_body(body: &serde_json::Map<String, Value>) -> Result<PageReq, ApiError> {
    let size = match body.get("page_size") {
        Some(Value::Null) | None => 100,
        Some(v) if v.is_number() => page_size_value(v, "body")?,
        Some(v) => {
            return Err(ApiError::validation(format!(
                "body failed validation: body.page_size should be a number or `undefined`, instead was `{v}`."
            )));
        }
    };
    let cursor = match body.get("start_cursor") {
        Some(Value::Null) | None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => {
            return Err(ApiError::validation(format!(
                "body failed validation: body.start_cursor should be a string or `undefined`, instead was `{v}`."
            )));
        }
    };
    Ok(PageReq { size, cursor })
}

/// The range of `len` items a page request selects, and the next cursor.
pub(crate) fn paginate(
    ctx: &Ctx<'_>,
    kind: CursorKind,
    scope: u64,
    len: usize,
    req: &PageReq,
) -> Result<(std::ops::Range<usize>, Option<String>), ApiError> {
    let start = match &req.cursor {
        None => 0,
        Some(c) => {
            let pos = ctx.shared.cursors.decode(kind, scope, c).ok_or_else(|| {
                ApiError::validation(format!("The start_cursor provided is invalid: {c}"))
            })?;
            usize::try_from(pos).unwrap_or(usize::MAX).min(len)
        }
    };
    let end = (start + req.size).min(len);
    let next = (end < len).then(|| ctx.shared.cursors.encode(kind, scope, end as u64));
    Ok((start..end, next))
}

/// A list response of `ty` with these results.
pub(crate) fn list<T>(ty: &str, results: Vec<T>, next: Option<String>) -> List<T> {
    List::new(ty, results, next)
}

/// Routes a checked request to its handler.
pub(crate) fn dispatch(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    let legacy_ok = matches!(
        ctx.route.endpoint,
        Endpoint::ListUsers
            | Endpoint::RetrieveUser
            | Endpoint::Me
            | Endpoint::Search
            | Endpoint::RetrieveDatabase
            | Endpoint::QueryDatabase
            | Endpoint::RetrievePage
            | Endpoint::PagePropertyItem
            | Endpoint::RetrieveBlock
            | Endpoint::BlockChildren
            | Endpoint::ListComments
            | Endpoint::OAuthToken
            | Endpoint::OAuthIntrospect
            | Endpoint::OAuthRevoke
    );
    if ctx.version.is_legacy() && !legacy_ok {
        return Err(ApiError::validation(format!(
            "This endpoint is not available in Notion-Version {}.",
            ctx.version
        )));
    }
    if !ctx.version.is_legacy() && ctx.route.endpoint == Endpoint::QueryDatabase {
        return Err(ApiError::invalid_url());
    }
    match ctx.route.endpoint {
        Endpoint::ListUsers => list_users(ctx),
        Endpoint::RetrieveUser => retrieve_user(ctx),
        Endpoint::Me => {
            let me = ctx
                .shared
                .ws
                .user(&ctx.shared.ws.bot_id())
                .ok_or_else(ApiError::internal)?;
            ctx.respond(&me)
        }
        Endpoint::Search => crate::query::search(ctx),
        Endpoint::RetrieveDatabase => retrieve_database(ctx),
        Endpoint::QueryDatabase => crate::query::query_database(ctx),
        Endpoint::RetrieveDataSource => retrieve_data_source(ctx),
        Endpoint::QueryDataSource => crate::query::query_data_source(ctx),
        Endpoint::RetrievePage => retrieve_page(ctx),
        Endpoint::PagePropertyItem => page_property(ctx),
        Endpoint::RetrieveBlock => retrieve_block(ctx),
        Endpoint::BlockChildren => block_children(ctx),
        Endpoint::ListComments => list_comments(ctx),
        Endpoint::OAuthToken => crate::oauth::token(ctx),
        Endpoint::OAuthIntrospect => crate::oauth::introspect(ctx),
        Endpoint::OAuthRevoke => crate::oauth::revoke(ctx),
        Endpoint::Unknown => Err(ApiError::invalid_url()),
    }
}

fn list_users(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_user_information)?;
    let req = page_req_query(ctx)?;
    let ids = ctx.shared.ws.users();
    let (range, next) = paginate(ctx, CursorKind::Users, 0, ids.len(), &req)?;
    let users: Vec<_> = ids[range]
        .iter()
        .filter_map(|id| ctx.shared.ws.user(id))
        .collect();
    ctx.respond(&list("user", users, next))
}

fn retrieve_user(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_user_information)?;
    let id = ctx.id_param("user")?;
    match ctx.shared.ws.user(&id) {
        Some(u) => ctx.respond(&u),
        None => Err(ctx.not_found("user", &id)),
    }
}

/// A database as served in the request's version (`None`: not shared).
pub(crate) fn database_item(ctx: &Ctx<'_>, id: &Id) -> Result<Option<Item>, ApiError> {
    let ws = &ctx.shared.ws;
    let Some(db) = ws.database(id) else {
        return Ok(None);
    };
    let schema = if ctx.version.is_legacy() {
        let sources = ws.data_source_ids(id);
        if sources.len() > 1 {
            return Err(ApiError::validation(format!(
                "Database {id} has multiple data sources, which is not supported in API version {}. Use 2025-09-03 or later.",
                ctx.version
            )));
        }
        sources
            .first()
            .and_then(|ds| ws.data_source(ds))
            .and_then(|d| d.properties)
    } else {
        None
    };
    Ok(Some(Item::Database(Box::new(render::database(
        db,
        ctx.version,
        schema,
    )))))
}

fn retrieve_database(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("database")?;
    if ctx.shared.ws.find(&id) != Found::Database {
        return Err(ctx.not_found("database", &id));
    }
    match database_item(ctx, &id)? {
        Some(item) => ctx.respond(&item),
        None => Err(ctx.not_found("database", &id)),
    }
}

fn retrieve_data_source(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("data_source")?;
    match ctx.shared.ws.data_source(&id) {
        Some(d) => ctx.respond(&render::data_source(d, ctx.version)),
        None => Err(ctx.not_found("data source", &id)),
    }
}

fn retrieve_page(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("page")?;
    if ctx.shared.ws.find(&id) != Found::Page {
        return Err(ctx.not_found("page", &id));
    }
    match ctx.shared.ws.page(&id, ctx.now) {
        Some(p) => ctx.respond(&ctx.page_out(p)),
        None => Err(ctx.not_found("page", &id)),
    }
}

fn retrieve_block(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("block")?;
    if !matches!(
        ctx.shared.ws.find(&id),
        Found::Block | Found::Page | Found::Database
    ) {
        return Err(ctx.not_found("block", &id));
    }
    match ctx.shared.ws.block(&id, ctx.now) {
        Some(b) => ctx.respond(&render::block(b, ctx.version)),
        None => Err(ctx.not_found("block", &id)),
    }
}

fn block_children(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("block")?;
    let req = page_req_query(ctx)?;
    let mut blocks = ctx
        .shared
        .ws
        .children_blocks(&id, ctx.now)
        .ok_or_else(|| ctx.not_found("block", &id))?;
    let scope = scope_hash(&[&id.to_bytes()]);
    let (range, next) = paginate(ctx, CursorKind::Children, scope, blocks.len(), &req)?;
    blocks.truncate(range.end);
    let page: Vec<_> = blocks
        .drain(range.start..)
        .map(|b| render::block(b, ctx.version))
        .collect();
    ctx.respond(&list("block", page, next))
}

fn list_comments(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_comments)?;
    let raw = ctx.query_param("block_id").ok_or_else(|| {
        ApiError::validation(
            "query failed validation: query.block_id should be defined, instead was `undefined`.",
        )
    })?;
    let id = Id::parse(&raw).map_err(|_| {
        ApiError::validation(format!(
            "query failed validation: query.block_id should be a valid uuid, instead was `\"{raw}\"`."
        ))
    })?;
    let req = page_req_query(ctx)?;
    let ids = ctx
        .shared
        .ws
        .comments(&id)
        .ok_or_else(|| ctx.not_found("block", &id))?;
    let scope = scope_hash(&[&id.to_bytes()]);
    let (range, next) = paginate(ctx, CursorKind::Comments, scope, ids.len(), &req)?;
    let comments: Vec<_> = ids[range]
        .iter()
        .filter_map(|c| ctx.shared.ws.comment(c, ctx.now))
        .collect();
    ctx.respond(&list("comment", comments, next))
}

/// Percent-decodes a path segment.
fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(s.replace('+', "%2B").as_bytes())
        .map(|(k, v)| {
            if v.is_empty() {
                k.into_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .collect()
}

/// One property item for a value that is not paginated.
fn single_item(kind: &PropertyValueKind) -> Option<PropertyItemKind> {
    use PropertyItemKind as I;
    use PropertyValueKind as K;
    Some(match kind.clone() {
        K::Number(v) => I::Number(v),
        K::Select(v) => I::Select(v),
        K::MultiSelect(v) => I::MultiSelect(v),
        K::Status(v) => I::Status(v),
        K::Date(v) => I::Date(v),
        K::Files(v) => I::Files(v),
        K::Checkbox(v) => I::Checkbox(v),
        K::Url(v) => I::Url(v),
        K::Email(v) => I::Email(v),
        K::PhoneNumber(v) => I::PhoneNumber(v),
        K::Formula(v) => I::Formula(v),
        K::CreatedTime(v) => I::CreatedTime(v),
        K::CreatedBy(v) => I::CreatedBy(v),
        K::LastEditedTime(v) => I::LastEditedTime(v),
        K::LastEditedBy(v) => I::LastEditedBy(v),
        K::UniqueId(v) => I::UniqueId(v),
        K::Button(v) => I::Button(v),
        K::Place(v) => I::Place(v),
        K::Verification(v) => I::Verification(v),
        _ => return None,
    })
}

fn property_item(id: &str, kind: PropertyItemKind) -> PropertyItem {
    PropertyItem {
        id: id.to_owned(),
        kind,
        extra: Default::default(),
    }
}

fn page_property(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("page")?;
    let ws = &ctx.shared.ws;
    if ws.find(&id) != Found::Page {
        return Err(ctx.not_found("page", &id));
    }
    let page = ws
        .page(&id, ctx.now)
        .ok_or_else(|| ctx.not_found("page", &id))?;
    let raw = ctx.route.sub.clone().unwrap_or_default();
    let decoded = percent_decode(&raw);
    let props = page.properties.clone().unwrap_or_default();
    let (name, value) = props
        .iter()
        .find(|(_, v)| v.id.as_deref() == Some(raw.as_str()))
        .or_else(|| {
            props
                .iter()
                .find(|(n, v)| v.id.as_deref() == Some(decoded.as_str()) || **n == decoded)
        })
        .ok_or_else(|| {
            ApiError::validation(format!(
                "Could not find property with name or id: {decoded}"
            ))
        })?;
    let pid = value.id.clone().unwrap_or_else(|| raw.clone());
    let req = page_req_query(ctx)?;
    let (items, info): (Vec<PropertyItemKind>, PropertyItemListKind) = match &value.kind {
        PropertyValueKind::Title(items) => (
            items.iter().cloned().map(PropertyItemKind::Title).collect(),
            PropertyItemListKind::Title(Empty::new()),
        ),
        PropertyValueKind::RichText(items) => (
            items
                .iter()
                .cloned()
                .map(PropertyItemKind::RichText)
                .collect(),
            PropertyItemListKind::RichText(Empty::new()),
        ),
        PropertyValueKind::People(people) => (
            people
                .iter()
                .cloned()
                .map(PropertyItemKind::People)
                .collect(),
            PropertyItemListKind::People(Empty::new()),
        ),
        PropertyValueKind::Relation(refs) => (
            refs.iter()
                .cloned()
                .map(PropertyItemKind::Relation)
                .collect(),
            PropertyItemListKind::Relation(Empty::new()),
        ),
        PropertyValueKind::Rollup(rollup) => {
            // The items are the references of the relation the rollup reads.
            let relation = page
                .parent
                .as_ref()
                .and_then(|p| match &p.kind {
                    notion_model::ParentKind::DataSource { data_source_id, .. } => {
                        Some(*data_source_id)
                    }
                    _ => None,
                })
                .and_then(|ds| ws.data_source(&ds))
                .and_then(|ds| ds.properties)
                .and_then(|schema| match schema.get(name).map(|s| &s.kind) {
                    Some(PropertySchemaKind::Rollup(c)) => c.relation_property_name.clone(),
                    _ => None,
                });
            let refs = relation
                .and_then(|r| props.get(&r))
                .and_then(|v| match &v.kind {
                    PropertyValueKind::Relation(refs) => Some(refs.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            let mut aggregate = rollup.clone();
            if matches!(aggregate.kind, RollupKind::Unsupported(_)) {
                aggregate.kind = RollupKind::Unsupported(Empty::new());
            }
            (
                refs.into_iter().map(PropertyItemKind::Relation).collect(),
                PropertyItemListKind::Rollup(aggregate),
            )
        }
        other => {
            let kind = single_item(other).ok_or_else(|| {
                ApiError::validation(format!(
                    "Property {decoded} of type {} cannot be read through this endpoint.",
                    value.type_name()
                ))
            })?;
            return ctx.respond(&property_item(&pid, kind));
        }
    };
    let scope = scope_hash(&[&id.to_bytes(), pid.as_bytes()]);
    let (range, next) = paginate(ctx, CursorKind::PropertyItem, scope, items.len(), &req)?;
    let next_url = next.as_ref().map(|c| {
        format!(
            "{}/v1/pages/{id}/properties/{pid}?start_cursor={c}",
            ctx.shared.base_url()
        )
    });
    let results: Vec<PropertyItem> = items[range]
        .iter()
        .cloned()
        .map(|k| property_item(&pid, k))
        .collect();
    let response = List {
        has_more: Some(next.is_some()),
        results,
        next_cursor: Some(next),
        list_type: Some("property_item".to_owned()),
        type_payload: Some(PropertyItemListInfo {
            id: Some(pid.clone()),
            next_url: Some(next_url),
            kind: info,
            extra: Default::default(),
        }),
        request_status: None,
        request_id: None,
        extra: Default::default(),
    };
    ctx.respond(&response)
}
