//! `POST /v1/oauth/token`, `/v1/oauth/introspect`, `/v1/oauth/revoke`.

use bytes::Bytes;
use notion_model::{IntrospectResponse, Owner, TokenResponse};
use serde_json::Value;

use crate::ctx::Ctx;
use crate::cursor::b64_decode;
use crate::error::ApiError;

/// Form-encoded or JSON body as a map of strings.
fn params(ctx: &Ctx<'_>) -> Result<std::collections::HashMap<String, String>, ApiError> {
    if ctx
        .content_type
        .starts_with("application/x-www-form-urlencoded")
    {
        return Ok(url::form_urlencoded::parse(&ctx.body)
            .into_owned()
            .collect());
    }
    match serde_json::from_slice::<Value>(&ctx.body) {
        Ok(Value::Object(m)) => Ok(m
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect()),
        _ => Err(ApiError::new(
            400,
            "invalid_request",
            "Invalid request body.",
        )),
    }
}

/// Checks HTTP Basic client credentials; returns the client id.
fn client(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    let basic = ctx
        .authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Basic "))
        .ok_or_else(ApiError::invalid_client)?;
    let decoded = b64_decode(basic.trim()).ok_or_else(ApiError::invalid_client)?;
    let text = String::from_utf8(decoded).map_err(|_| ApiError::invalid_client())?;
    let (id, secret) = text.split_once(':').ok_or_else(ApiError::invalid_client)?;
    if ctx.shared.auth.check_client(id, secret) {
        Ok(id.to_owned())
    } else {
        Err(ApiError::invalid_client())
    }
}

pub(crate) fn token(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    let client_id = client(ctx)?;
    let p = params(ctx)?;
    let now = ctx.shared.clock.now().timestamp();
    let issued = match p.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = p
                .get("code")
                .ok_or_else(|| ApiError::new(400, "invalid_request", "Missing code."))?;
            ctx.shared.auth.exchange_code(
                &client_id,
                code,
                p.get("redirect_uri").map(String::as_str),
                now,
            )?
        }
        Some("refresh_token") => {
            let rt = p
                .get("refresh_token")
                .ok_or_else(|| ApiError::new(400, "invalid_request", "Missing refresh_token."))?;
            ctx.shared.auth.refresh(&client_id, rt, now)?
        }
        _ => {
            return Err(ApiError::new(
                400,
                "unsupported_grant_type",
                "Unsupported grant type.",
            ));
        }
    };
    let ws = &ctx.shared.ws;
    let body = TokenResponse {
        access_token: issued.access_token,
        token_type: Some("bearer".to_owned()),
        refresh_token: Some(Some(issued.refresh_token)),
        bot_id: Some(ws.bot_id()),
        workspace_id: Some(ws.workspace_id()),
        workspace_name: Some(Some(ws.base.workspace_name())),
        workspace_icon: Some(None),
        owner: Some(Owner::workspace()),
        duplicated_template_id: Some(None),
        request_id: None,
        extra: Default::default(),
    };
    ctx.respond(&body)
}

pub(crate) fn introspect(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    client(ctx)?;
    let p = params(ctx)?;
    let token = p
        .get("token")
        .ok_or_else(|| ApiError::new(400, "invalid_request", "Missing token."))?;
    let (active, iat) = ctx.shared.auth.introspect(token);
    let body = IntrospectResponse {
        active,
        scope: active.then(|| "read_content read_comments read_user_information".to_owned()),
        iat: iat.filter(|_| active).and_then(|i| u64::try_from(i).ok()),
        request_id: None,
        extra: Default::default(),
    };
    ctx.respond(&body)
}

pub(crate) fn revoke(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    client(ctx)?;
    let p = params(ctx)?;
    let token = p
        .get("token")
        .ok_or_else(|| ApiError::new(400, "invalid_request", "Missing token."))?;
    ctx.shared.auth.revoke_any(token);
    ctx.respond(&serde_json::Map::new())
}
