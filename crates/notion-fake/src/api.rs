//! Endpoint handlers.

use bytes::Bytes;
use serde_json::Value;

use crate::auth::Capabilities;
use crate::cursor::{CursorKind, scope_hash};
use crate::error::ApiError;
use crate::ids::RawId;
use crate::routes::{Endpoint, Route};
use crate::server::Shared;
use crate::version::ApiVersion;
use crate::workspace::{Found, ListType, Obj};

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
    #[allow(dead_code)]
    pub(crate) bearer: Option<String>,
    pub(crate) search_lag: std::time::Duration,
}

impl Ctx<'_> {
    fn query_params(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    fn query_param(&self, name: &str) -> Option<String> {
        self.query_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    fn json_body(&self) -> Result<serde_json::Map<String, Value>, ApiError> {
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

    fn id_param(&self, what: &str) -> Result<RawId, ApiError> {
        let raw = self.route.id.as_deref().unwrap_or("");
        RawId::parse(raw).ok_or_else(|| {
            ApiError::validation(format!(
                "path failed validation: path.{what}_id should be a valid uuid, instead was `\"{raw}\"`."
            ))
        })
    }

    fn not_found(&self, what: &str, id: &RawId) -> ApiError {
        ApiError::not_found(what, &id.to_string(), &self.shared.ws.bot_id().to_string())
    }

    pub(crate) fn json_body_pub(&self) -> Result<serde_json::Map<String, Value>, ApiError> {
        self.json_body()
    }

    pub(crate) fn id_param_pub(&self, what: &str) -> Result<RawId, ApiError> {
        self.id_param(what)
    }

    pub(crate) fn not_found_pub(&self, what: &str, id: &RawId) -> ApiError {
        self.not_found(what, id)
    }

    fn need(&self, ok: bool) -> Result<(), ApiError> {
        if ok {
            Ok(())
        } else {
            Err(ApiError::restricted())
        }
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

/// The slice of `items` a page request selects, and the next cursor.
pub(crate) fn paginate<'i, T>(
    ctx: &Ctx<'_>,
    kind: CursorKind,
    scope: u64,
    items: &'i [T],
    req: &PageReq,
) -> Result<(&'i [T], Option<String>), ApiError> {
    let start = match &req.cursor {
        None => 0,
        Some(c) => {
            let pos = ctx.shared.cursors.decode(kind, scope, c).ok_or_else(|| {
                ApiError::validation(format!("start_cursor provided is invalid: {c}"))
            })?;
            usize::try_from(pos).unwrap_or(usize::MAX).min(items.len())
        }
    };
    let end = (start + req.size).min(items.len());
    let next = (end < items.len()).then(|| ctx.shared.cursors.encode(kind, scope, end as u64));
    Ok((&items[start..end], next))
}

/// Writes a list response.
pub(crate) fn list_body(
    ctx: &Ctx<'_>,
    objs: &[Obj],
    next: Option<String>,
    ty: ListType,
    extra: Option<(&str, Value)>,
) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(512 + objs.len() * 800);
    out.extend_from_slice(b"{\"object\":\"list\",\"results\":[");
    for (i, o) in objs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        ctx.shared.ws.write_object(o, ctx.version, &mut out)?;
    }
    out.extend_from_slice(b"],\"next_cursor\":");
    match &next {
        Some(c) => write_json(&mut out, &Value::String(c.clone())),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"has_more\":");
    out.extend_from_slice(if next.is_some() { b"true" } else { b"false" });
    let name = ty.name();
    out.extend_from_slice(b",\"type\":\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":{}");
    if let Some((k, v)) = extra {
        out.extend_from_slice(b",\"");
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b"\":");
        write_json(&mut out, &v);
    }
    out.push(b'}');
    Ok(out)
}

fn write_json(out: &mut Vec<u8>, v: &Value) {
    let _ = serde_json::to_writer(out, v);
}

fn object_body(ctx: &Ctx<'_>, o: &Obj) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(2048);
    ctx.shared.ws.write_object(o, ctx.version, &mut out)?;
    Ok(out)
}

/// Routes a checked request to its handler.
pub(crate) fn dispatch(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    let legacy_ok = matches!(
        ctx.route.endpoint,
        Endpoint::ListUsers
            | Endpoint::RetrieveUser
            | Endpoint::Me
            | Endpoint::Search
            | Endpoint::RetrieveDatabase
            | Endpoint::QueryDatabase
            | Endpoint::BlockChildren
            | Endpoint::ListComments
            | Endpoint::OAuthToken
            | Endpoint::OAuthIntrospect
            | Endpoint::OAuthRevoke
    );
    if ctx.version.is_legacy() && !legacy_ok {
        return Err(ApiError::validation(format!(
            "This endpoint is not supported by the fake for Notion-Version {}.",
            ctx.version
        )));
    }
    match ctx.route.endpoint {
        Endpoint::ListUsers => list_users(ctx),
        Endpoint::RetrieveUser => retrieve_user(ctx),
        Endpoint::Me => object_body(ctx, &Obj::User(ctx.shared.ws.bot_id())),
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

fn list_users(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    ctx.need(ctx.caps.read_user_information)?;
    let req = page_req_query(ctx)?;
    let users: Vec<Obj> = ctx.shared.ws.users().into_iter().map(Obj::User).collect();
    let (slice, next) = paginate(ctx, CursorKind::Users, 0, &users, &req)?;
    list_body(ctx, slice, next, ListType::User, None)
}

fn retrieve_user(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    ctx.need(ctx.caps.read_user_information)?;
    let id = ctx.id_param("user")?;
    if !ctx.shared.ws.user_exists(&id) {
        return Err(ctx.not_found("user", &id));
    }
    object_body(ctx, &Obj::User(id))
}

fn retrieve_database(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("database")?;
    match ctx.shared.ws.find(&id) {
        Found::Database => {}
        _ => return Err(ctx.not_found("database", &id)),
    }
    if ctx.version.is_legacy() && ctx.shared.ws.data_source_ids(&id).len() > 1 {
        return Err(ApiError::validation(
            "Databases with multiple data sources are not supported in this API version.",
        ));
    }
    object_body(ctx, &Obj::Database(id))
}

fn retrieve_data_source(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("data_source")?;
    match ctx.shared.ws.find(&id) {
        Found::DataSource => object_body(ctx, &Obj::DataSource(id)),
        _ => Err(ctx.not_found("data source", &id)),
    }
}

fn retrieve_page(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("page")?;
    match ctx.shared.ws.find(&id) {
        Found::Page => object_body(ctx, &Obj::Page(id)),
        _ => Err(ctx.not_found("page", &id)),
    }
}

fn retrieve_block(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("block")?;
    match ctx.shared.ws.find(&id) {
        Found::Block | Found::Page | Found::Database => object_body(ctx, &Obj::Block(id)),
        _ => Err(ctx.not_found("block", &id)),
    }
}

fn block_children(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("block")?;
    let req = page_req_query(ctx)?;
    let children = ctx
        .shared
        .ws
        .children(&id)
        .ok_or_else(|| ctx.not_found("block", &id))?;
    let objs: Vec<Obj> = children.into_iter().map(Obj::Block).collect();
    let scope = scope_hash(&[&id.0]);
    let (slice, next) = paginate(ctx, CursorKind::Children, scope, &objs, &req)?;
    list_body(ctx, slice, next, ListType::Block, None)
}

fn list_comments(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    ctx.need(ctx.caps.read_comments)?;
    let raw = ctx.query_param("block_id").ok_or_else(|| {
        ApiError::validation(
            "query failed validation: query.block_id should be defined, instead was `undefined`.",
        )
    })?;
    let id = RawId::parse(&raw).ok_or_else(|| {
        ApiError::validation(format!(
            "query failed validation: query.block_id should be a valid uuid, instead was `\"{raw}\"`."
        ))
    })?;
    let req = page_req_query(ctx)?;
    let comments = ctx
        .shared
        .ws
        .comments(&id)
        .ok_or_else(|| ctx.not_found("block", &id))?;
    let objs: Vec<Obj> = comments.into_iter().map(Obj::Comment).collect();
    let scope = scope_hash(&[&id.0]);
    let (slice, next) = paginate(ctx, CursorKind::Comments, scope, &objs, &req)?;
    list_body(ctx, slice, next, ListType::Comment, None)
}

fn page_property(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("page")?;
    if ctx.shared.ws.find(&id) != Found::Page {
        return Err(ctx.not_found("page", &id));
    }
    let prop = ctx.route.sub.clone().unwrap_or_default();
    let req = page_req_query(ctx)?;
    let item = ctx
        .shared
        .ws
        .property_item(&id, &prop, ctx.version)
        .ok_or_else(|| {
            ApiError::validation(format!(
                "Could not find property with name or id: {}",
                url::form_urlencoded::parse(prop.as_bytes())
                    .map(|(k, v)| format!("{k}{v}"))
                    .collect::<String>()
            ))
        })?;
    match item {
        crate::workspace::PropertyItems::Single(v) => {
            Ok(serde_json::to_vec(&v).unwrap_or_default())
        }
        crate::workspace::PropertyItems::List { items, meta } => {
            let scope = scope_hash(&[&id.0, prop.as_bytes()]);
            let (slice, next) = paginate(ctx, CursorKind::PropertyItem, scope, &items, &req)?;
            let mut m = serde_json::Map::new();
            m.insert("object".into(), "list".into());
            m.insert("results".into(), Value::Array(slice.to_vec()));
            m.insert(
                "next_cursor".into(),
                next.clone().map(Value::String).unwrap_or(Value::Null),
            );
            m.insert("has_more".into(), Value::Bool(next.is_some()));
            m.insert("type".into(), "property_item".into());
            let mut meta = meta;
            if let Value::Object(mm) = &mut meta {
                let next_url = next.as_ref().map(|c| {
                    Value::String(format!("/v1/pages/{id}/properties/{prop}?start_cursor={c}"))
                });
                mm.insert("next_url".into(), next_url.unwrap_or(Value::Null));
            }
            m.insert("property_item".into(), meta);
            Ok(serde_json::to_vec(&Value::Object(m)).unwrap_or_default())
        }
    }
}
