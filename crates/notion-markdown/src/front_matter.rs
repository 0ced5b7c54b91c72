//! A page's front matter: its id, title, URL and times, then its properties by name.

use notion_model::property::{FormulaKind, PropertyValue, PropertyValueKind, RollupKind};
use notion_model::{DateValue, Page, User, UserOrGroup};

use crate::Resolver;
use crate::plain::rich_text_plain;
use crate::yaml::{self, Value};

/// Keys the front matter writes before the properties.
const META: [&str; 5] = ["id", "title", "url", "created_time", "last_edited_time"];

/// The front matter of `page` as YAML (a block mapping, without `---` lines).
pub(crate) fn front_matter(page: &Page, title: &str, resolver: &dyn Resolver) -> String {
    let mut entries: Vec<(String, Value)> = vec![
        ("id".to_owned(), Value::String(page.id.to_string())),
        ("title".to_owned(), Value::String(title.to_owned())),
    ];
    if let Some(url) = &page.url {
        entries.push(("url".to_owned(), Value::String(url.clone())));
    }
    if let Some(t) = &page.created_time {
        entries.push(("created_time".to_owned(), Value::String(t.to_string())));
    }
    if let Some(t) = &page.last_edited_time {
        entries.push(("last_edited_time".to_owned(), Value::String(t.to_string())));
    }
    for (name, value) in page.properties.iter().flatten() {
        let is_title = matches!(value.kind, PropertyValueKind::Title(_));
        let key = if !META.contains(&name.as_str()) {
            name.clone()
        } else if is_title && name == "title" {
            continue;
        } else {
            format!("{name} (property)")
        };
        entries.push((key, property(value, resolver)));
    }
    yaml::mapping(&entries)
}

/// A property value as plain text, a number, a boolean, a date, or a list.
fn property(value: &PropertyValue, resolver: &dyn Resolver) -> Value {
    let string = |s: &Option<String>| s.clone().map_or(Value::Null, Value::String);
    match &value.kind {
        PropertyValueKind::Title(items) | PropertyValueKind::RichText(items) => {
            Value::String(rich_text_plain(items, Some(resolver)))
        }
        PropertyValueKind::Number(n) => number(n.as_ref()),
        PropertyValueKind::Select(option) | PropertyValueKind::Status(option) => option
            .as_ref()
            .map_or(Value::Null, |o| Value::String(o.name.clone())),
        PropertyValueKind::MultiSelect(options) => Value::List(
            options
                .iter()
                .map(|o| Value::String(o.name.clone()))
                .collect(),
        ),
        PropertyValueKind::Date(date) => date_value(date.as_ref()),
        PropertyValueKind::People(people) => Value::List(
            people
                .iter()
                .map(|p| Value::String(person(p, resolver)))
                .collect(),
        ),
        PropertyValueKind::Files(files) => Value::List(
            files
                .iter()
                .map(|f| {
                    Value::String(
                        f.name
                            .clone()
                            .or_else(|| f.kind.url().map(str::to_owned))
                            .unwrap_or_default(),
                    )
                })
                .collect(),
        ),
        PropertyValueKind::Checkbox(b) => Value::Bool(*b),
        PropertyValueKind::Url(s)
        | PropertyValueKind::Email(s)
        | PropertyValueKind::PhoneNumber(s) => string(s),
        PropertyValueKind::Formula(formula) => match &formula.kind {
            FormulaKind::String(s) => string(s),
            FormulaKind::Number(n) => number(n.as_ref()),
            FormulaKind::Boolean(b) => b.map_or(Value::Null, Value::Bool),
            FormulaKind::Date(d) => date_value(d.as_ref()),
            _ => Value::Null,
        },
        PropertyValueKind::Relation(pages) => Value::List(
            pages
                .iter()
                .map(|r| Value::String(r.id.to_string()))
                .collect(),
        ),
        PropertyValueKind::Rollup(rollup) => match &rollup.kind {
            RollupKind::Number(n) => number(n.as_ref()),
            RollupKind::Date(d) => date_value(d.as_ref()),
            RollupKind::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    match property(item, resolver) {
                        Value::List(inner) => out.extend(inner),
                        Value::Null => {}
                        other => out.push(other),
                    }
                }
                Value::List(out)
            }
            _ => Value::Null,
        },
        PropertyValueKind::CreatedTime(t) | PropertyValueKind::LastEditedTime(t) => {
            Value::String(t.to_string())
        }
        PropertyValueKind::CreatedBy(user) | PropertyValueKind::LastEditedBy(user) => {
            Value::String(user_name(user, resolver))
        }
        PropertyValueKind::UniqueId(unique) => match (&unique.prefix, unique.number) {
            (Some(Some(prefix)), Some(Some(n))) => Value::String(format!("{prefix}-{n}")),
            (_, Some(Some(n))) => Value::Number(n.to_string()),
            _ => Value::Null,
        },
        PropertyValueKind::Place(Some(place)) => {
            let name = place.name.clone().flatten();
            let address = place.address.clone().flatten();
            match (name, address, &place.lat, &place.lon) {
                (Some(name), _, _, _) => Value::String(name),
                (None, Some(address), _, _) => Value::String(address),
                (None, None, Some(lat), Some(lon)) => Value::String(format!("{lat}, {lon}")),
                _ => Value::Null,
            }
        }
        PropertyValueKind::Verification(Some(v)) => string(&v.state),
        _ => Value::Null,
    }
}

fn number(n: Option<&serde_json::Number>) -> Value {
    n.map_or(Value::Null, |n| Value::Number(n.to_string()))
}

/// `start`, or `start/end` for a range (ISO 8601 interval notation).
fn date_value(date: Option<&DateValue>) -> Value {
    let Some(date) = date else {
        return Value::Null;
    };
    match date.end.as_ref().and_then(Option::as_deref) {
        Some(end) => Value::String(format!("{}/{end}", date.start)),
        None => Value::String(date.start.clone()),
    }
}

fn person(entry: &UserOrGroup, resolver: &dyn Resolver) -> String {
    match entry {
        UserOrGroup::User(user) => user_name(user, resolver),
        UserOrGroup::Group(group) => group
            .name
            .clone()
            .flatten()
            .unwrap_or_else(|| group.id.to_string()),
        _ => String::new(),
    }
}

/// A user's name through the resolver, else as the object carries it, else the id.
fn user_name(user: &User, resolver: &dyn Resolver) -> String {
    resolver
        .user_name(user.id)
        .map(|n| n.into_owned())
        .or_else(|| user.name.clone().flatten())
        .unwrap_or_else(|| user.id.to_string())
}
