//! Data-source query filters and sorts, evaluated on a flat view of each row.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use notion_model::property::{FormulaKind, RollupKind};
use notion_model::{PropertyValue, PropertyValueKind, UserOrGroup};
use serde_json::Value;

use crate::error::ApiError;

/// A property value as filters see it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FilterValue {
    Checkbox(bool),
    Number(Option<f64>),
    /// select and status: the option name.
    Select(Option<String>),
    MultiSelect(Vec<String>),
    /// title, rich_text, url, email, phone_number: the plain text.
    Text(String),
    /// Start of a date value.
    Date(Option<DateTime<Utc>>),
    /// people, relation, created_by, last_edited_by: ids (dashed); files: file names.
    Ids(Vec<String>),
    /// Types filters do not look at.
    Other,
}

/// Parses the start of a date value: a calendar date (midnight UTC) or an RFC 3339 instant.
fn date_start(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// How filters and sorts see a property value.
pub(crate) fn filter_value(v: &PropertyValue) -> FilterValue {
    use PropertyValueKind as K;
    match &v.kind {
        K::Checkbox(b) => FilterValue::Checkbox(*b),
        K::Number(n) => FilterValue::Number(n.as_ref().and_then(serde_json::Number::as_f64)),
        K::Select(o) | K::Status(o) => FilterValue::Select(o.as_ref().map(|o| o.name.clone())),
        K::MultiSelect(os) => FilterValue::MultiSelect(os.iter().map(|o| o.name.clone()).collect()),
        K::Title(_) | K::RichText(_) | K::Url(_) | K::Email(_) | K::PhoneNumber(_) => {
            FilterValue::Text(v.plain_text().unwrap_or_default())
        }
        K::Date(d) => FilterValue::Date(d.as_ref().and_then(|d| date_start(&d.start))),
        K::CreatedTime(t) | K::LastEditedTime(t) => FilterValue::Date(Some(t.instant())),
        K::People(p) => FilterValue::Ids(
            p.iter()
                .filter_map(UserOrGroup::id)
                .map(|i| i.to_string())
                .collect(),
        ),
        K::Relation(r) => FilterValue::Ids(r.iter().map(|o| o.id.to_string()).collect()),
        K::CreatedBy(u) | K::LastEditedBy(u) => FilterValue::Ids(vec![u.id.to_string()]),
        K::Files(f) => FilterValue::Ids(f.iter().filter_map(|f| f.name.clone()).collect()),
        K::UniqueId(u) => FilterValue::Number(u.number.flatten().map(|n| n as f64)),
        K::Formula(f) => match &f.kind {
            FormulaKind::String(s) => FilterValue::Text(s.clone().unwrap_or_default()),
            FormulaKind::Number(n) => {
                FilterValue::Number(n.as_ref().and_then(serde_json::Number::as_f64))
            }
            FormulaKind::Boolean(b) => FilterValue::Checkbox(b.unwrap_or(false)),
            FormulaKind::Date(d) => {
                FilterValue::Date(d.as_ref().and_then(|d| date_start(&d.start)))
            }
            _ => FilterValue::Other,
        },
        K::Rollup(r) => match &r.kind {
            RollupKind::Number(n) => {
                FilterValue::Number(n.as_ref().and_then(serde_json::Number::as_f64))
            }
            RollupKind::Date(d) => FilterValue::Date(d.as_ref().and_then(|d| date_start(&d.start))),
            _ => FilterValue::Other,
        },
        _ => FilterValue::Other,
    }
}

/// One row as filters and sorts see it.
#[derive(Debug, Clone)]
pub(crate) struct RowView {
    pub(crate) created: DateTime<Utc>,
    pub(crate) edited: DateTime<Utc>,
    /// `(property name, property id, type, value)`.
    pub(crate) props: Vec<(String, String, String, FilterValue)>,
}

impl RowView {
    fn prop(&self, key: &str) -> Option<&(String, String, String, FilterValue)> {
        self.props
            .iter()
            .find(|(name, id, _, _)| name == key || id == key)
    }
}

/// A parsed filter.
#[derive(Debug, Clone)]
pub(crate) enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Timestamp { edited: bool, cond: DateCond },
    Property { key: String, ty: String, cond: Cond },
}

#[derive(Debug, Clone)]
pub(crate) enum DateCond {
    Equals(Bound),
    Before(Bound),
    After(Bound),
    OnOrBefore(Bound),
    OnOrAfter(Bound),
    IsEmpty(bool),
}

/// A date operand: a calendar date or an instant.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bound {
    Day(NaiveDate),
    At(DateTime<Utc>),
}

#[derive(Debug, Clone)]
pub(crate) enum Cond {
    Checkbox {
        equals: bool,
    },
    Number {
        op: String,
        v: Option<f64>,
    },
    Select {
        op: String,
        v: Option<String>,
    },
    Text {
        op: String,
        v: String,
    },
    Date(DateCond),
    Contains {
        op: String,
        v: String,
    },
    /// Files: only emptiness.
    Files {
        empty: bool,
    },
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::validation(format!("body failed validation: {}", msg.into()))
}

fn parse_bound(v: &Value) -> Result<Bound, ApiError> {
    let s = v
        .as_str()
        .ok_or_else(|| invalid("date filter value should be a string"))?;
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Bound::Day(d));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|d| Bound::At(d.with_timezone(&Utc)))
        .map_err(|_| invalid(format!("date filter value `{s}` is not an ISO 8601 date")))
}

fn parse_date_cond(v: &Value) -> Result<DateCond, ApiError> {
    let m = v
        .as_object()
        .filter(|m| m.len() == 1)
        .ok_or_else(|| invalid("a date condition should have exactly one operator"))?;
    let (op, val) = m
        .iter()
        .next()
        .ok_or_else(|| invalid("empty date condition"))?;
    Ok(match op.as_str() {
        "equals" => DateCond::Equals(parse_bound(val)?),
        "before" => DateCond::Before(parse_bound(val)?),
        "after" => DateCond::After(parse_bound(val)?),
        "on_or_before" => DateCond::OnOrBefore(parse_bound(val)?),
        "on_or_after" => DateCond::OnOrAfter(parse_bound(val)?),
        "is_empty" => DateCond::IsEmpty(true),
        "is_not_empty" => DateCond::IsEmpty(false),
        other => return Err(invalid(format!("unsupported date operator `{other}`"))),
    })
}

fn single_op(v: &Value) -> Result<(String, Value), ApiError> {
    let m = v
        .as_object()
        .filter(|m| m.len() == 1)
        .ok_or_else(|| invalid("a property condition should have exactly one operator"))?;
    let (op, val) = m.iter().next().ok_or_else(|| invalid("empty condition"))?;
    Ok((op.clone(), val.clone()))
}

/// The one operator of a condition and its value, when the operator is one of `allowed`.
fn allowed_op(ty: &str, v: &Value, allowed: &[&str]) -> Result<(String, Value), ApiError> {
    let (op, val) = single_op(v)?;
    if !allowed.contains(&op.as_str()) {
        return Err(invalid(format!("unsupported {ty} operator `{op}`")));
    }
    Ok((op, val))
}

/// The condition of a property filter of type `ty`.
fn parse_cond(ty: &str, cond_v: &Value) -> Result<Cond, ApiError> {
    Ok(match ty {
        "checkbox" => {
            let (op, val) = single_op(cond_v)?;
            let b = val
                .as_bool()
                .ok_or_else(|| invalid("checkbox filter value should be a boolean"))?;
            match op.as_str() {
                "equals" => Cond::Checkbox { equals: b },
                "does_not_equal" => Cond::Checkbox { equals: !b },
                other => {
                    return Err(invalid(format!("unsupported checkbox operator `{other}`")));
                }
            }
        }
        "number" => {
            let (op, val) = allowed_op(
                ty,
                cond_v,
                &[
                    "equals",
                    "does_not_equal",
                    "greater_than",
                    "less_than",
                    "greater_than_or_equal_to",
                    "less_than_or_equal_to",
                    "is_empty",
                    "is_not_empty",
                ],
            )?;
            Cond::Number {
                v: val.as_f64(),
                op,
            }
        }
        "select" | "status" => {
            let (op, val) = allowed_op(
                ty,
                cond_v,
                &["equals", "does_not_equal", "is_empty", "is_not_empty"],
            )?;
            Cond::Select {
                v: val.as_str().map(str::to_owned),
                op,
            }
        }
        "rich_text" | "title" | "url" | "email" | "phone_number" => {
            let (op, val) = allowed_op(
                ty,
                cond_v,
                &[
                    "equals",
                    "does_not_equal",
                    "contains",
                    "does_not_contain",
                    "starts_with",
                    "ends_with",
                    "is_empty",
                    "is_not_empty",
                ],
            )?;
            Cond::Text {
                v: val.as_str().unwrap_or("").to_owned(),
                op,
            }
        }
        "date" | "created_time" | "last_edited_time" => Cond::Date(parse_date_cond(cond_v)?),
        "multi_select" | "people" | "relation" | "created_by" | "last_edited_by" => {
            let (op, val) = allowed_op(
                ty,
                cond_v,
                &["contains", "does_not_contain", "is_empty", "is_not_empty"],
            )?;
            Cond::Contains {
                v: val.as_str().unwrap_or("").to_owned(),
                op,
            }
        }
        "unique_id" => {
            let (op, val) = allowed_op(
                ty,
                cond_v,
                &[
                    "equals",
                    "does_not_equal",
                    "greater_than",
                    "less_than",
                    "greater_than_or_equal_to",
                    "less_than_or_equal_to",
                ],
            )?;
            Cond::Number {
                v: val.as_f64(),
                op,
            }
        }
        "files" => {
            let (op, _) = single_op(cond_v)?;
            match op.as_str() {
                "is_empty" => Cond::Files { empty: true },
                "is_not_empty" => Cond::Files { empty: false },
                other => return Err(invalid(format!("unsupported files operator `{other}`"))),
            }
        }
        other => return Err(invalid(format!("unsupported filter type `{other}`"))),
    })
}

impl Filter {
    pub(crate) fn parse(v: &Value) -> Result<Filter, ApiError> {
        Filter::parse_depth(v, 0)
    }

    fn parse_depth(v: &Value, depth: u32) -> Result<Filter, ApiError> {
        if depth > 2 {
            return Err(invalid("filters may nest at most two levels"));
        }
        let m = v
            .as_object()
            .ok_or_else(|| invalid("body.filter should be an object"))?;
        if let Some(list) = m.get("and").or_else(|| m.get("or")) {
            let items = list
                .as_array()
                .ok_or_else(|| invalid("compound filter should be an array"))?
                .iter()
                .map(|f| Filter::parse_depth(f, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(if m.contains_key("and") {
                Filter::And(items)
            } else {
                Filter::Or(items)
            });
        }
        if let Some(ts) = m.get("timestamp").and_then(Value::as_str) {
            let edited = match ts {
                "last_edited_time" => true,
                "created_time" => false,
                other => return Err(invalid(format!("unsupported timestamp `{other}`"))),
            };
            let cond = m
                .get(ts)
                .ok_or_else(|| invalid(format!("body.filter.{ts} should be defined")))?;
            return Ok(Filter::Timestamp {
                edited,
                cond: parse_date_cond(cond)?,
            });
        }
        let key = m
            .get("property")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("body.filter.property should be defined"))?
            .to_owned();
        let (ty, cond_v) = m
            .iter()
            .find(|(k, _)| k.as_str() != "property")
            .ok_or_else(|| invalid("body.filter should name a property type"))?;
        let cond = match ty.as_str() {
            "formula" | "rollup" => {
                let (sub, inner) = single_op(cond_v)?;
                let sub = match (ty.as_str(), sub.as_str()) {
                    ("formula", "string") => "rich_text",
                    ("formula", "checkbox") => "checkbox",
                    (_, "number") => "number",
                    (_, "date") => "date",
                    _ => {
                        return Err(invalid(format!(
                            "unsupported {ty} condition `{sub}` (the fake supports string, checkbox, number and date)"
                        )));
                    }
                };
                parse_cond(sub, &inner)?
            }
            other => parse_cond(other, cond_v)?,
        };
        Ok(Filter::Property {
            key,
            ty: ty.clone(),
            cond,
        })
    }

    /// Whether evaluating the filter reads property values (not only timestamps).
    pub(crate) fn needs_props(&self) -> bool {
        match self {
            Filter::And(fs) | Filter::Or(fs) => fs.iter().any(Filter::needs_props),
            Filter::Timestamp { .. } => false,
            Filter::Property { .. } => true,
        }
    }

    /// Whether `row` matches. Errors when a property is unknown or of another type.
    pub(crate) fn matches(&self, row: &RowView) -> Result<bool, ApiError> {
        Ok(match self {
            Filter::And(fs) => {
                for f in fs {
                    if !f.matches(row)? {
                        return Ok(false);
                    }
                }
                true
            }
            Filter::Or(fs) => {
                for f in fs {
                    if f.matches(row)? {
                        return Ok(true);
                    }
                }
                false
            }
            Filter::Timestamp { edited, cond } => {
                date_matches(Some(if *edited { row.edited } else { row.created }), cond)
            }
            Filter::Property { key, ty, cond } => {
                let (_, _, pty, value) = row.prop(key).ok_or_else(|| {
                    ApiError::validation(format!("Could not find property with name or id: {key}"))
                })?;
                let compatible = pty == ty
                    || (ty == "date"
                        && matches!(pty.as_str(), "created_time" | "last_edited_time"))
                    || (ty == "people" && matches!(pty.as_str(), "created_by" | "last_edited_by"));
                if !compatible {
                    return Err(ApiError::validation(format!(
                        "body failed validation: property `{key}` is a {pty} property, not {ty}."
                    )));
                }
                cond_matches(value, cond)
            }
        })
    }
}

fn date_matches(t: Option<DateTime<Utc>>, cond: &DateCond) -> bool {
    let Some(t) = t else {
        return matches!(cond, DateCond::IsEmpty(true));
    };
    let cmp = |b: &Bound| -> Ordering {
        match b {
            Bound::Day(d) => t.date_naive().cmp(d),
            Bound::At(at) => t.cmp(at),
        }
    };
    match cond {
        DateCond::Equals(b) => cmp(b) == Ordering::Equal,
        DateCond::Before(b) => cmp(b) == Ordering::Less,
        DateCond::After(b) => cmp(b) == Ordering::Greater,
        DateCond::OnOrBefore(b) => cmp(b) != Ordering::Greater,
        DateCond::OnOrAfter(b) => cmp(b) != Ordering::Less,
        DateCond::IsEmpty(e) => !e,
    }
}

fn cond_matches(value: &FilterValue, cond: &Cond) -> bool {
    match (cond, value) {
        (Cond::Checkbox { equals }, FilterValue::Checkbox(b)) => b == equals,
        (Cond::Number { op, v }, FilterValue::Number(n)) => match (op.as_str(), n, v) {
            ("is_empty", n, _) => n.is_none(),
            ("is_not_empty", n, _) => n.is_some(),
            (_, None, _) | (_, _, None) => op == "does_not_equal",
            ("equals", Some(n), Some(v)) => n == v,
            ("does_not_equal", Some(n), Some(v)) => n != v,
            ("greater_than", Some(n), Some(v)) => n > v,
            ("less_than", Some(n), Some(v)) => n < v,
            ("greater_than_or_equal_to", Some(n), Some(v)) => n >= v,
            ("less_than_or_equal_to", Some(n), Some(v)) => n <= v,
            _ => false,
        },
        (Cond::Select { op, v }, FilterValue::Select(s)) => match op.as_str() {
            "equals" => s.is_some() && s == v,
            "does_not_equal" => s != v,
            "is_empty" => s.is_none(),
            _ => s.is_some(),
        },
        (Cond::Text { op, v }, FilterValue::Text(s)) => {
            let (sl, vl) = (s.to_lowercase(), v.to_lowercase());
            match op.as_str() {
                "equals" => s == v,
                "does_not_equal" => s != v,
                "contains" => sl.contains(&vl),
                "does_not_contain" => !sl.contains(&vl),
                "starts_with" => sl.starts_with(&vl),
                "ends_with" => sl.ends_with(&vl),
                "is_empty" => s.is_empty(),
                _ => !s.is_empty(),
            }
        }
        (Cond::Date(c), FilterValue::Date(d)) => date_matches(*d, c),
        (Cond::Files { empty }, FilterValue::Ids(names)) => names.is_empty() == *empty,
        (Cond::Contains { op, v }, FilterValue::MultiSelect(items) | FilterValue::Ids(items)) => {
            match op.as_str() {
                "contains" => items.iter().any(|i| i == v),
                "does_not_contain" => !items.iter().any(|i| i == v),
                "is_empty" => items.is_empty(),
                _ => !items.is_empty(),
            }
        }
        _ => false,
    }
}

/// A sort key.
#[derive(Debug, Clone)]
pub(crate) struct Sort {
    key: SortKey,
    descending: bool,
}

#[derive(Debug, Clone)]
enum SortKey {
    Created,
    Edited,
    Property(String),
}

impl Sort {
    pub(crate) fn parse_list(v: &Value) -> Result<Vec<Sort>, ApiError> {
        let list = v
            .as_array()
            .ok_or_else(|| invalid("body.sorts should be an array"))?;
        list.iter()
            .map(|s| {
                let descending = match s.get("direction").and_then(Value::as_str) {
                    Some("ascending") | None => false,
                    Some("descending") => true,
                    Some(other) => {
                        return Err(invalid(format!("unsupported sort direction `{other}`")));
                    }
                };
                let key = if let Some(ts) = s.get("timestamp").and_then(Value::as_str) {
                    match ts {
                        "created_time" => SortKey::Created,
                        "last_edited_time" => SortKey::Edited,
                        other => {
                            return Err(invalid(format!("unsupported sort timestamp `{other}`")));
                        }
                    }
                } else if let Some(p) = s.get("property").and_then(Value::as_str) {
                    SortKey::Property(p.to_owned())
                } else {
                    return Err(invalid("a sort needs `timestamp` or `property`"));
                };
                Ok(Sort { key, descending })
            })
            .collect()
    }

    /// Whether the sort reads property values.
    pub(crate) fn needs_props(&self) -> bool {
        matches!(self.key, SortKey::Property(_))
    }

    /// Compares two rows by this key.
    /// Empty values sort last in both directions.
    pub(crate) fn compare(&self, a: &RowView, b: &RowView) -> Ordering {
        let o = match &self.key {
            SortKey::Created => a.created.cmp(&b.created),
            SortKey::Edited => a.edited.cmp(&b.edited),
            SortKey::Property(k) => {
                let va = a.prop(k).map(|p| &p.3);
                let vb = b.prop(k).map(|p| &p.3);
                match (is_empty(va), is_empty(vb)) {
                    (true, false) => return Ordering::Greater,
                    (false, true) => return Ordering::Less,
                    (true, true) => return Ordering::Equal,
                    (false, false) => compare_values(va, vb),
                }
            }
        };
        if self.descending { o.reverse() } else { o }
    }

    /// Whether the property sort key names a property of `row` (validation).
    pub(crate) fn check(&self, row: &RowView) -> Result<(), ApiError> {
        if let SortKey::Property(k) = &self.key
            && row.prop(k).is_none()
        {
            return Err(ApiError::validation(format!(
                "Could not find sort property with name or id: {k}"
            )));
        }
        Ok(())
    }
}

fn is_empty(v: Option<&FilterValue>) -> bool {
    match v {
        None => true,
        Some(FilterValue::Number(n)) => n.is_none(),
        Some(FilterValue::Select(s)) => s.is_none(),
        Some(FilterValue::Date(d)) => d.is_none(),
        Some(FilterValue::Text(t)) => t.is_empty(),
        Some(_) => false,
    }
}

fn compare_values(a: Option<&FilterValue>, b: Option<&FilterValue>) -> Ordering {
    use FilterValue as F;
    match (a, b) {
        (Some(F::Checkbox(x)), Some(F::Checkbox(y))) => x.cmp(y),
        (Some(F::Number(x)), Some(F::Number(y))) => match (x, y) {
            (Some(x), Some(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
            // Empty values sort last.
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (None, None) => Ordering::Equal,
        },
        (Some(F::Select(x)), Some(F::Select(y))) => match (x, y) {
            (Some(x), Some(y)) => x.cmp(y),
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (None, None) => Ordering::Equal,
        },
        (Some(F::Text(x)), Some(F::Text(y))) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Some(F::Date(x)), Some(F::Date(y))) => match (x, y) {
            (Some(x), Some(y)) => x.cmp(y),
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (None, None) => Ordering::Equal,
        },
        _ => Ordering::Equal,
    }
}
