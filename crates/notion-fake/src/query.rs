//! Search and data-source (and legacy database) queries.

use serde_json::{Value, json};

use crate::api::{
    Ctx, list_body as write_list, page_req_body as body_page_req, paginate as paginate_items,
};
use crate::cursor::{CursorKind, scope_hash};
use crate::error::ApiError;
use crate::filter::{Filter, Sort};
use crate::ids::RawId;
use crate::workspace::{Found, ListType, Obj};

/// Notion stops a query after this many results.
pub(crate) const QUERY_CAP: usize = 10_000;

fn canonical(v: Option<&Value>) -> Vec<u8> {
    v.map(|v| serde_json::to_vec(v).unwrap_or_default())
        .unwrap_or_default()
}

pub(crate) fn search(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    if !ctx.caps.read_content {
        return Err(ApiError::restricted());
    }
    let body = ctx.json_body_pub()?;
    let req = body_page_req(&body)?;
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
    #[derive(PartialEq)]
    enum Only {
        Any,
        Pages,
        Containers,
    }
    let mut only = Only::Any;
    if let Some(f) = body.get("filter").filter(|f| !f.is_null()) {
        let prop = f.get("property").and_then(Value::as_str);
        let value = f.get("value").and_then(Value::as_str);
        let container = if legacy { "database" } else { "data_source" };
        only = match (prop, value) {
            (Some("object"), Some("page")) => Only::Pages,
            (Some("object"), Some(v)) if v == container => Only::Containers,
            _ => {
                return Err(ApiError::validation(format!(
                    "body failed validation: body.filter.value should be `\"page\"` or `\"{container}\"`, instead was `{}`.",
                    f.get("value").cloned().unwrap_or(Value::Null)
                )));
            }
        };
    }
    let mut descending = None;
    if let Some(s) = body.get("sort").filter(|s| !s.is_null()) {
        match (
            s.get("timestamp").and_then(Value::as_str),
            s.get("direction").and_then(Value::as_str),
        ) {
            (Some("last_edited_time"), Some("ascending")) => descending = Some(false),
            (Some("last_edited_time"), Some("descending")) => descending = Some(true),
            _ => {
                return Err(ApiError::validation(
                    "body failed validation: body.sort.timestamp should be `\"last_edited_time\"` and body.sort.direction `\"ascending\"` or `\"descending\"`.",
                ));
            }
        }
    }
    let ws = &ctx.shared.ws;
    let lag = chrono::Duration::from_std(ctx.search_lag).unwrap_or(chrono::Duration::zero());
    let horizon = ctx.shared.clock.now() - lag;
    let mut entries = ws.search_entries(legacy, horizon);
    entries.retain(|e| {
        let is_page = matches!(e.obj, Obj::Page(_));
        (match only {
            Only::Any => true,
            Only::Pages => is_page,
            Only::Containers => !is_page,
        }) && (text.is_empty() || e.title.to_lowercase().contains(&text))
    });
    if let Some(desc) = descending {
        entries.sort_by(|a, b| {
            let o = a.edited.cmp(&b.edited);
            if desc { o.reverse() } else { o }
        });
    }
    let objs: Vec<Obj> = entries.into_iter().map(|e| e.obj).collect();
    let scope = scope_hash(&[
        b"search",
        text.as_bytes(),
        &canonical(body.get("filter")),
        &canonical(body.get("sort")),
    ]);
    let (slice, next) = paginate_items(ctx, CursorKind::Search, scope, &objs, &req)?;
    let ty = if legacy {
        ListType::PageOrDatabase
    } else {
        ListType::PageOrDataSource
    };
    write_list(ctx, slice, next, ty, None)
}

pub(crate) fn query_data_source(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    if !ctx.caps.read_content {
        return Err(ApiError::restricted());
    }
    let id = ctx.id_param_pub("data_source")?;
    if ctx.shared.ws.find(&id) != Found::DataSource {
        return Err(ctx.not_found_pub("data source", &id));
    }
    run_query(ctx, &id)
}

pub(crate) fn query_database(ctx: &Ctx<'_>) -> Result<Vec<u8>, ApiError> {
    if !ctx.caps.read_content {
        return Err(ApiError::restricted());
    }
    let id = ctx.id_param_pub("database")?;
    if ctx.shared.ws.find(&id) != Found::Database {
        return Err(ctx.not_found_pub("database", &id));
    }
    let sources = ctx.shared.ws.data_source_ids(&id);
    match sources.as_slice() {
        [one] => run_query(ctx, one),
        _ => Err(ApiError::validation(
            "Databases with multiple data sources are not supported in this API version.",
        )),
    }
}

fn run_query(ctx: &Ctx<'_>, ds: &RawId) -> Result<Vec<u8>, ApiError> {
    let body = ctx.json_body_pub()?;
    let req = body_page_req(&body)?;
    let filter = match body.get("filter") {
        None | Some(Value::Null) => None,
        Some(f) => Some(Filter::parse(f)?),
    };
    let sorts = match body.get("sorts") {
        None | Some(Value::Null) => Vec::new(),
        Some(s) => Sort::parse_list(s)?,
    };
    let in_trash = body
        .get("in_trash")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let ws = &ctx.shared.ws;
    let rows = ws.rows(ds).unwrap_or_default();
    let mut matched = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(view) = ws.row_view(&r) else {
            continue;
        };
        if view.trashed != in_trash {
            continue;
        }
        for s in &sorts {
            s.check(&view.row)?;
        }
        if let Some(f) = &filter
            && !f.matches(&view.row)?
        {
            continue;
        }
        matched.push((r, view.row));
    }
    if !sorts.is_empty() {
        matched.sort_by(|a, b| {
            for s in &sorts {
                let o = s.compare(&a.1, &b.1);
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    let total = matched.len();
    let capped: Vec<Obj> = matched
        .into_iter()
        .take(QUERY_CAP)
        .map(|(id, _)| Obj::Page(id))
        .collect();
    let scope = scope_hash(&[
        b"query",
        &ds.0,
        &canonical(body.get("filter")),
        &canonical(body.get("sorts")),
        &[u8::from(in_trash)],
    ]);
    let (slice, next) = paginate_items(ctx, CursorKind::Query, scope, &capped, &req)?;
    let extra = (next.is_none() && total > QUERY_CAP).then(|| {
        (
            "request_status",
            json!({"type": "incomplete", "incomplete_reason": "query_result_limit_reached"}),
        )
    });
    let ty = if ctx.version.is_legacy() {
        ListType::PageOrDatabase
    } else {
        ListType::PageOrDataSource
    };
    write_list(ctx, slice, next, ty, extra)
}
