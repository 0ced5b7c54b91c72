//! `GET /v1/pages/{id}/properties/{property_id}`: property items.

use bytes::Bytes;
use notion_model::property::RollupKind;
use notion_model::property_item::{
    PropertyItem, PropertyItemKind, PropertyItemListInfo, PropertyItemListKind,
};
use notion_model::{Empty, List, PropertySchemaKind, PropertyValueKind};

use crate::ctx::{Ctx, page_req_query, paginate, percent_decode};
use crate::cursor::{CursorKind, scope_hash};
use crate::error::ApiError;
use crate::workspace::Found;

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

pub(crate) fn page_property(ctx: &Ctx<'_>) -> Result<Bytes, ApiError> {
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
    // Rollups and formulas over a relation longer than the page object computes over: the
    // endpoint serves the value over every entry.
    let complete = ws
        .complete_values(&id, ctx.now)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v);
    let value = complete.as_ref().unwrap_or(value);
    let req = page_req_query(ctx)?;
    let (items, mut info): (Vec<PropertyItemKind>, PropertyItemListKind) = match &value.kind {
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
            (
                refs.into_iter().map(PropertyItemKind::Relation).collect(),
                PropertyItemListKind::Rollup(rollup.clone()),
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
    // The aggregate comes with the last page; pages before it say `incomplete`.
    if next.is_some()
        && let PropertyItemListKind::Rollup(rollup) = &mut info
    {
        rollup.kind = RollupKind::Incomplete(Empty::new());
    }
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
