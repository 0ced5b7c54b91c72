//! Routing a checked request to its handler, and the handlers of users, databases, data
//! sources, pages, blocks and comments.

use bytes::Bytes;
use notion_model::Id;

use crate::ctx::{Ctx, database_item, list, page_req_query, paginate};
use crate::cursor::{CursorKind, scope_hash};
use crate::error::ApiError;
use crate::render;
use crate::routes::Endpoint;
use crate::workspace::Found;

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
        Endpoint::PagePropertyItem => crate::property::page_property(ctx),
        Endpoint::PageMarkdown => crate::markdown::page_markdown(ctx),
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
