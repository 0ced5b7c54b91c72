//! Search and data-source (and legacy database) queries.

use bytes::Bytes;
use notion_model::{Id, RequestStatus};
use serde_json::Value;

use crate::ctx::{Ctx, database_item, page_req_body, paginate};
use crate::cursor::{CursorKind, scope_hash};
use crate::error::ApiError;
use crate::filter::{Filter, Sort};
use crate::render::{self, Item};
use crate::workspace::{Found, Obj};

/// Notion stops a query after this many results.
pub(crate) const QUERY_CAP: usize = 10_000;

fn canonical(v: Option<&Value>) -> Vec<u8> {
    v.map(|v| serde_json::to_vec(v).unwrap_or_default())
        .unwrap_or_default()
}

/// Which objects a search filter keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Only {
    Any,
    Pages,
    Containers,
}

pub(crate) fn search(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let body = ctx.json_body()?;
    let req = page_req_body(&body)?;
    let legacy = ctx.version.is_legacy();
    let text = match body.get("query") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.to_lowercase(),
        Some(v) => {
            return Err(ApiError::validation(format!(
                "body failed validation: body.query should be a string or `undefined`, instead was `{v}`."
            )));
        }
    };
    let container = if legacy { "database" } else { "data_source" };
    let mut only = Only::Any;
    let mut trash = false;
    if let Some(f) = body.get("filter").filter(|f| !f.is_null()) {
        let m = f.as_object().ok_or_else(|| {
            ApiError::validation("body failed validation: body.filter should be an object.")
        })?;
        match m.get("in_trash") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => trash = *b,
            Some(v) => {
                return Err(ApiError::validation(format!(
                    "body failed validation: body.filter.in_trash should be a boolean, instead was `{v}`."
                )));
            }
        }
        let prop = m.get("property").and_then(Value::as_str);
        let value = m.get("value").and_then(Value::as_str);
        only = match (prop, value) {
            (None, None) if m.contains_key("in_trash") => Only::Any,
            (Some("object"), Some("page")) => Only::Pages,
            (Some("object"), Some(v)) if v == container => Only::Containers,
            _ => {
                return Err(ApiError::validation(format!(
                    "body failed validation: body.filter.value should be `\"page\"` or `\"{container}\"`, instead was `{}`.",
                    m.get("value").cloned().unwrap_or(Value::Null)
                )));
            }
        };
    }
    let mut descending = None;
    if let Some(s) = body.get("sort").filter(|s| !s.is_null()) {
        match (
            s.get("timestamp").and_then(Value::as_str),
            s.get("direction").and_then(Value::as_str),
            s.get("property").and_then(Value::as_str),
        ) {
            (Some("last_edited_time"), Some("ascending"), _) => descending = Some(false),
            (Some("last_edited_time"), Some("descending"), _) => descending = Some(true),
            (None, _, Some("relevance")) => {}
            _ => {
                return Err(ApiError::validation(
                    "body failed validation: body.sort.timestamp should be `\"last_edited_time\"` and body.sort.direction `\"ascending\"` or `\"descending\"`.",
                ));
            }
        }
    }
    let ws = &ctx.shared.ws;
    let lag = chrono::Duration::from_std(ctx.search_lag).unwrap_or(chrono::Duration::zero());
    let horizon = ctx.now - lag;
    let mut entries = ws.search_entries(legacy, horizon, trash);
    entries.retain(|e| {
        let is_page = matches!(e.obj, Obj::Page(_));
        match only {
            Only::Any => true,
            Only::Pages => is_page,
            Only::Containers => !is_page,
        }
    });
    if !text.is_empty() {
        entries.retain(|e| {
            ws.search_title(&e.obj, ctx.now)
                .to_lowercase()
                .contains(&text)
        });
    }
    if let Some(desc) = descending {
        entries.sort_by(|a, b| {
            let o = a.edited.cmp(&b.edited);
            if desc { o.reverse() } else { o }
        });
    }
    let scope = scope_hash(&[
        b"search",
        text.as_bytes(),
        &canonical(body.get("filter")),
        &canonical(body.get("sort")),
    ]);
    let (range, next) = paginate(ctx, CursorKind::Search, scope, entries.len(), &req)?;
    let mut results = Vec::with_capacity(range.len());
    for e in &entries[range] {
        let item = match e.obj {
            Obj::Page(id) => ctx.page_item(&id),
            Obj::DataSource(id) => ws
                .data_source(&id)
                .map(|d| Item::DataSource(Box::new(render::data_source(d, ctx.version)))),
            Obj::Database(id) => database_item(ctx, &id)?,
        };
        results.extend(item);
    }
    let ty = if legacy {
        "page_or_database"
    } else {
        "page_or_data_source"
    };
    render::list_body(ty, &results, next.as_deref(), None, &ctx.request_id)
}

pub(crate) fn query_data_source(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("data_source")?;
    if ctx.shared.ws.find(&id) != Found::DataSource {
        return Err(ctx.not_found("data source", &id));
    }
    run_query(ctx, &id)
}

pub(crate) fn query_database(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
    ctx.need(ctx.caps.read_content)?;
    let id = ctx.id_param("database")?;
    if ctx.shared.ws.find(&id) != Found::Database {
        return Err(ctx.not_found("database", &id));
    }
    let sources = ctx.shared.ws.data_source_ids(&id);
    match sources.as_slice() {
        [one] => run_query(ctx, one),
        _ => Err(ApiError::validation(format!(
            "Database {id} has multiple data sources, which is not supported in API version {}. Use 2025-09-03 or later.",
            ctx.version
        ))),
    }
}

fn run_query(ctx: &Ctx<'_>, ds: &Id) -> Result<Bytes, ApiError> {
    let body = ctx.json_body()?;
    let req = page_req_body(&body)?;
    let filter = match body.get("filter") {
        None | Some(Value::Null) => None,
        Some(f) => Some(Filter::parse(f)?),
    };
    let sorts = match body.get("sorts") {
        None | Some(Value::Null) => Vec::new(),
        Some(s) => Sort::parse_list(s)?,
    };
    let flag = |name: &str| -> Result<bool, ApiError> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => Err(ApiError::validation(format!(
                "body failed validation: body.{name} should be a boolean, instead was `{v}`."
            ))),
        }
    };
    // `archived` is the deprecated name of `in_trash`.
    let in_trash = flag("in_trash")? || flag("archived")?;
    let needs_props =
        filter.as_ref().is_some_and(Filter::needs_props) || sorts.iter().any(Sort::needs_props);
    let ws = &ctx.shared.ws;
    let rows = ws.row_states(ds, needs_props, ctx.now);
    let mut matched = Vec::with_capacity(rows.len());
    for r in rows {
        if r.trashed != in_trash {
            continue;
        }
        for s in &sorts {
            s.check(&r.row)?;
        }
        if let Some(f) = &filter
            && !f.matches(&r.row)?
        {
            continue;
        }
        matched.push(r);
    }
    if !sorts.is_empty() {
        matched.sort_by(|a, b| {
            for s in &sorts {
                let o = s.compare(&a.row, &b.row);
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    let total = matched.len();
    let capped = total.min(QUERY_CAP);
    let scope = scope_hash(&[
        b"query",
        &ds.to_bytes(),
        &canonical(body.get("filter")),
        &canonical(body.get("sorts")),
        &[u8::from(in_trash)],
    ]);
    let (range, next) = paginate(ctx, CursorKind::Query, scope, capped, &req)?;
    let results: Vec<Item> = matched[range]
        .iter()
        .filter_map(|r| ctx.page_item(&r.id))
        .collect();
    let ty = if ctx.version.is_legacy() {
        "page_or_database"
    } else {
        "page_or_data_source"
    };
    let status = (next.is_none() && total > QUERY_CAP).then(|| RequestStatus {
        status: Some("incomplete".to_owned()),
        incomplete_reason: Some("query_result_limit_reached".to_owned()),
        extra: Default::default(),
    });
    render::list_body(
        ty,
        &results,
        next.as_deref(),
        status.as_ref(),
        &ctx.request_id,
    )
}
