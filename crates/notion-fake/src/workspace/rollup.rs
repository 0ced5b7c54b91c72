//! Rollup functions: what Notion computes over the values a relation's pages hold.
//!
//! Page objects compute rollups (and formulas that read a relation) over the first 25 entries
//! of the relation; the property-item endpoint over all of them. Both use [`compute`].

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use notion_model::property::RollupKind;
use notion_model::{DateValue, Empty, PropertyValue, PropertyValueKind, PropertyValues};
use serde_json::Number;

use crate::render::PAGE_VALUE_LIMIT;

/// A number as Notion writes it: an integer when it is one.
pub(crate) fn number(x: f64) -> Option<Number> {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 {
        Some(Number::from(x as i64))
    } else {
        Number::from_f64(x)
    }
}

/// Whether a value counts as empty for `empty`, `not_empty` and `count_values`.
fn size(v: &PropertyValueKind) -> usize {
    use PropertyValueKind as K;
    match v {
        K::Title(t) | K::RichText(t) => usize::from(!t.is_empty()),
        K::Number(n) => usize::from(n.is_some()),
        K::Select(s) | K::Status(s) => usize::from(s.is_some()),
        K::MultiSelect(m) => m.len(),
        K::Date(d) => usize::from(d.is_some()),
        K::People(p) => p.len(),
        K::Files(f) => f.len(),
        K::Checkbox(c) => usize::from(*c),
        K::Url(u) | K::Email(u) | K::PhoneNumber(u) => usize::from(u.is_some()),
        K::Relation(r) => r.len(),
        _ => 1,
    }
}

fn as_number(v: &PropertyValueKind) -> Option<f64> {
    match v {
        PropertyValueKind::Number(Some(n)) => n.as_f64(),
        PropertyValueKind::Formula(f) => match &f.kind {
            notion_model::property::FormulaKind::Number(Some(n)) => n.as_f64(),
            _ => None,
        },
        _ => None,
    }
}

/// The instant a date value starts (dates are midnight UTC).
fn instant(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `(instant, text)` of the start and of the end (or start) of every date value.
fn dates(values: &[PropertyValueKind]) -> Vec<(DateTime<Utc>, String, DateTime<Utc>, String)> {
    values
        .iter()
        .filter_map(|v| match v {
            PropertyValueKind::Date(Some(d)) => {
                let end = d.end.clone().flatten().unwrap_or_else(|| d.start.clone());
                Some((instant(&d.start)?, d.start.clone(), instant(&end)?, end))
            }
            _ => None,
        })
        .collect()
}

/// A property value without an id, as rollup arrays list them.
fn bare(kind: &PropertyValueKind) -> PropertyValue {
    PropertyValue {
        id: None,
        has_more: None,
        kind: kind.clone(),
        extra: Default::default(),
    }
}

fn ratio(part: usize, whole: usize) -> RollupKind {
    if whole == 0 {
        RollupKind::Number(Some(Number::from(0)))
    } else {
        RollupKind::Number(number(part as f64 / whole as f64))
    }
}

/// The result of rollup `function` over a relation of `entries` pages, of which `values` are
/// the rolled-up property's values (pages the workspace cannot read are counted by `count`
/// only).
pub(crate) fn compute(function: &str, entries: usize, values: &[PropertyValueKind]) -> RollupKind {
    let count = |n: usize| RollupKind::Number(Some(Number::from(n as u64)));
    let numbers: Vec<f64> = values.iter().filter_map(as_number).collect();
    let filled = values.iter().filter(|v| size(v) > 0).count();
    let checked = values
        .iter()
        .filter(|v| matches!(v, PropertyValueKind::Checkbox(true)))
        .count();
    let checkboxes = values
        .iter()
        .filter(|v| matches!(v, PropertyValueKind::Checkbox(_)))
        .count();
    let unique = || {
        let mut seen: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for v in values.iter().filter(|v| size(v) > 0) {
            let key = serde_json::to_string(&bare(v)).unwrap_or_default();
            if !seen.contains(&key) {
                seen.push(key);
                out.push(bare(v));
            }
        }
        out
    };
    match function {
        "count" => count(entries),
        "count_values" => count(values.iter().map(size).sum()),
        "empty" => count(values.len() - filled),
        "not_empty" => count(filled),
        "unique" => count(unique().len()),
        "percent_empty" => ratio(values.len() - filled, values.len()),
        "percent_not_empty" => ratio(filled, values.len()),
        "sum" => RollupKind::Number(number(numbers.iter().sum())),
        "average" if !numbers.is_empty() => {
            RollupKind::Number(number(numbers.iter().sum::<f64>() / numbers.len() as f64))
        }
        "median" if !numbers.is_empty() => {
            let mut sorted = numbers.clone();
            sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
            let mid = sorted.len() / 2;
            let m = if sorted.len().is_multiple_of(2) {
                (sorted[mid - 1] + sorted[mid]) / 2.0
            } else {
                sorted[mid]
            };
            RollupKind::Number(number(m))
        }
        "min" => RollupKind::Number(numbers.iter().copied().reduce(f64::min).and_then(number)),
        "max" => RollupKind::Number(numbers.iter().copied().reduce(f64::max).and_then(number)),
        "range" => RollupKind::Number(
            numbers
                .iter()
                .copied()
                .reduce(f64::max)
                .zip(numbers.iter().copied().reduce(f64::min))
                .and_then(|(hi, lo)| number(hi - lo)),
        ),
        "average" | "median" => RollupKind::Number(None),
        "earliest_date" => RollupKind::Date(
            dates(values)
                .into_iter()
                .min_by_key(|d| d.0)
                .map(|d| DateValue::new(d.1)),
        ),
        "latest_date" => RollupKind::Date(
            dates(values)
                .into_iter()
                .max_by_key(|d| d.2)
                .map(|d| DateValue::new(d.3)),
        ),
        "date_range" => {
            let all = dates(values);
            let first = all.iter().min_by_key(|d| d.0);
            let last = all.iter().max_by_key(|d| d.2);
            RollupKind::Date(
                first
                    .zip(last)
                    .map(|(f, l)| DateValue::range(f.1.clone(), l.3.clone())),
            )
        }
        "checked" => count(checked),
        "unchecked" => count(checkboxes - checked),
        "percent_checked" => ratio(checked, checkboxes),
        "percent_unchecked" => ratio(checkboxes - checked, checkboxes),
        "show_original" => RollupKind::Array(values.iter().map(bare).collect()),
        "show_unique" => RollupKind::Array(unique()),
        _ => RollupKind::Unsupported(Empty::new()),
    }
}

/// The relation property (by name) whose entries a rollup or formula property reads: a
/// rollup's `relation_property_name`, or the first relation named as `prop("…")` in a formula's
/// expression.
pub(crate) fn reads_relation(
    schema: &notion_model::PropertySchema,
    props: &PropertyValues,
) -> Option<String> {
    use notion_model::PropertySchemaKind as S;
    match &schema.kind {
        S::Rollup(c) => c.relation_property_name.clone(),
        S::Formula(c) => {
            let expr = c.expression.as_deref()?;
            props
                .iter()
                .filter(|(_, v)| matches!(v.kind, PropertyValueKind::Relation(_)))
                .map(|(name, _)| name)
                .find(|name| expr.contains(&format!("prop(\"{name}\")")))
                .cloned()
        }
        _ => None,
    }
}

/// The property-item requests (by item count) that complete a page's values beyond what its
/// object shows: every relation and people value of more than 25 entries, every rollup over
/// such a relation (one item per entry) and every formula that reads one (one item).
pub(crate) fn truncated_sizes(
    props: &PropertyValues,
    schema: Option<&notion_model::PropertySchemas>,
) -> Vec<usize> {
    let long = |name: &str| -> Option<usize> {
        match props.get(name).map(|v| &v.kind) {
            Some(PropertyValueKind::Relation(r)) if r.len() > PAGE_VALUE_LIMIT => Some(r.len()),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for (name, v) in props {
        match &v.kind {
            PropertyValueKind::Relation(r) if r.len() > PAGE_VALUE_LIMIT => out.push(r.len()),
            PropertyValueKind::People(p) if p.len() > PAGE_VALUE_LIMIT => out.push(p.len()),
            PropertyValueKind::Rollup(_) | PropertyValueKind::Formula(_) => {
                let Some(s) = schema.and_then(|s| s.get(name)) else {
                    continue;
                };
                if let Some(n) = reads_relation(s, props).as_deref().and_then(long) {
                    out.push(if matches!(v.kind, PropertyValueKind::Rollup(_)) {
                        n
                    } else {
                        1
                    });
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(x: i64) -> PropertyValueKind {
        PropertyValueKind::Number(Some(Number::from(x)))
    }

    fn d(s: &str) -> PropertyValueKind {
        PropertyValueKind::Date(Some(DateValue::new(s)))
    }

    #[test]
    fn functions_compute_over_the_values() {
        let nums = [n(3), n(5), PropertyValueKind::Number(None), n(10)];
        assert_eq!(compute("count", 6, &nums), RollupKind::Number(number(6.0)));
        assert_eq!(compute("sum", 6, &nums), RollupKind::Number(number(18.0)));
        assert_eq!(
            compute("average", 6, &nums),
            RollupKind::Number(number(6.0))
        );
        assert_eq!(compute("median", 6, &nums), RollupKind::Number(number(5.0)));
        assert_eq!(compute("range", 6, &nums), RollupKind::Number(number(7.0)));
        assert_eq!(compute("empty", 6, &nums), RollupKind::Number(number(1.0)));
        assert_eq!(compute("average", 0, &[]), RollupKind::Number(None));
        let RollupKind::Array(a) = compute("show_original", 6, &nums) else {
            panic!("an array");
        };
        assert_eq!(a.len(), 4);
        assert!(a.iter().all(|v| v.id.is_none()));
        let dates = [
            d("2026-03-01"),
            d("2025-12-24T10:30:00.000+00:00"),
            d("2026-07-04"),
        ];
        assert_eq!(
            compute("earliest_date", 3, &dates),
            RollupKind::Date(Some(DateValue::new("2025-12-24T10:30:00.000+00:00")))
        );
        assert_eq!(
            compute("latest_date", 3, &dates),
            RollupKind::Date(Some(DateValue::new("2026-07-04")))
        );
        let boxes = [
            PropertyValueKind::Checkbox(true),
            PropertyValueKind::Checkbox(false),
            PropertyValueKind::Checkbox(true),
            PropertyValueKind::Checkbox(true),
        ];
        assert_eq!(
            compute("checked", 4, &boxes),
            RollupKind::Number(number(3.0))
        );
        assert_eq!(
            compute("percent_checked", 4, &boxes),
            RollupKind::Number(number(0.75))
        );
        assert_eq!(
            compute("no_such_function", 4, &boxes),
            RollupKind::Unsupported(Empty::new())
        );
    }
}
