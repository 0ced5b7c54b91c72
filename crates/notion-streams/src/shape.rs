//! Turning a Notion object, as raw JSON, into a record.
//!
//! The object is read once at the top level only: each member's value stays the raw JSON text
//! Notion sent. Declared members are copied as they are, undeclared ones are gathered into
//! `_extra`, `request_id` (transport metadata) is dropped, and enrichment fields are appended.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The members of a JSON object, in order, with their values as raw JSON.
pub struct RawObject<'a> {
    entries: Vec<(Cow<'a, str>, &'a RawValue)>,
}

#[derive(serde::Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de> Deserialize<'de> for RawObject<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(Key(k)) = map.next_key()? {
                    let v: &'de RawValue = map.next_value()?;
                    entries.push((k, v));
                }
                Ok(RawObject { entries })
            }
        }
        deserializer.deserialize_map(V)
    }
}

impl<'a> RawObject<'a> {
    /// Reads the top level of a JSON object.
    pub fn parse(text: &'a str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The raw value of member `key`.
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// Member `key` as a string (`None` when absent, null or not a string).
    pub fn str(&self, key: &str) -> Option<Cow<'a, str>> {
        let raw = self.get(key)?;
        #[derive(serde::Deserialize)]
        struct S<'b>(#[serde(borrow)] Cow<'b, str>);
        serde_json::from_str::<S<'a>>(raw.get()).ok().map(|s| s.0)
    }

    /// Member `key` as a boolean.
    pub fn bool(&self, key: &str) -> Option<bool> {
        serde_json::from_str(self.get(key)?.get()).ok()
    }

    /// Member `key` parsed into `T`.
    pub fn parse_member<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        serde_json::from_str(self.get(key)?.get()).ok()
    }

    /// Member `key` parsed into `T`, borrowing from the object's text.
    pub fn parse_member_borrowed<T: serde::Deserialize<'a>>(&self, key: &str) -> Option<T> {
        serde_json::from_str(self.get(key)?.get()).ok()
    }

    /// The members, in order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &'a RawValue)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), *v))
    }
}

/// A value appended to a record.
#[derive(Debug, Clone)]
pub enum Enrichment<'a> {
    /// A string.
    Str(Cow<'a, str>),
    /// An unsigned number.
    U32(u32),
    /// A boolean.
    Bool(bool),
    /// Raw JSON.
    Raw(&'a RawValue),
}

fn push_json_str(out: &mut String, s: &str) {
    // Most keys and ids need no escaping: written as they are, without an allocation.
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    // serde_json escapes exactly as JSON requires; writing into a String cannot fail.
    if let Ok(text) = serde_json::to_string(s) {
        out.push_str(&text);
    }
}

/// Builds a record from an object's members: declared members as they are, undeclared ones in
/// `_extra`, `request_id` dropped, `overrides` replacing members of the same name, then
/// `enrichment`.
pub fn shape(
    obj: &RawObject<'_>,
    declared: &BTreeSet<String>,
    overrides: &[(&str, &RawValue)],
    enrichment: &[(&str, Enrichment<'_>)],
) -> String {
    let mut out = String::with_capacity(
        obj.entries
            .iter()
            .map(|(k, v)| k.len() + v.get().len() + 4)
            .sum::<usize>()
            + 64,
    );
    out.push('{');
    let mut first = true;
    let mut sep = |out: &mut String| {
        if !first {
            out.push(',');
        }
        first = false;
    };
    let mut extra: Vec<(&str, &RawValue)> = Vec::new();
    for (k, v) in obj.entries() {
        if k == "request_id" {
            continue;
        }
        if !declared.contains(k) || k.starts_with('_') {
            extra.push((k, v));
            continue;
        }
        let v = overrides
            .iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| *v)
            .unwrap_or(v);
        sep(&mut out);
        push_json_str(&mut out, k);
        out.push(':');
        out.push_str(v.get());
    }
    for (k, v) in overrides {
        if obj.get(k).is_none() {
            sep(&mut out);
            push_json_str(&mut out, k);
            out.push(':');
            out.push_str(v.get());
        }
    }
    for (k, e) in enrichment {
        sep(&mut out);
        push_json_str(&mut out, k);
        out.push(':');
        match e {
            Enrichment::Str(s) => push_json_str(&mut out, s),
            Enrichment::U32(n) => {
                let _ = write!(out, "{n}");
            }
            Enrichment::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Enrichment::Raw(r) => out.push_str(r.get()),
        }
    }
    if !extra.is_empty() {
        sep(&mut out);
        out.push_str("\"_extra\":{");
        for (i, (k, v)) in extra.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(&mut out, k);
            out.push(':');
            out.push_str(v.get());
        }
        out.push('}');
    }
    out.push('}');
    out
}

/// An error for a malformed object.
pub fn malformed(what: &str, e: impl fmt::Display) -> crate::Error {
    crate::Error::response(what, format!("malformed JSON object: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn declared(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn undeclared_members_go_to_extra_and_request_id_is_dropped() {
        let text = r#"{"object":"page","id":"a","hologram":{"x":1},"request_id":"r","we\"ird":2}"#;
        let obj = RawObject::parse(text).unwrap();
        let rec = shape(
            &obj,
            &declared(&["object", "id"]),
            &[],
            &[
                ("_title", Enrichment::Str("T \"q\"".into())),
                ("_depth", Enrichment::U32(3)),
            ],
        );
        let v: Value = serde_json::from_str(&rec).unwrap();
        assert_eq!(
            v,
            json!({"object":"page","id":"a","_title":"T \"q\"","_depth":3,"_extra":{"hologram":{"x":1},"we\"ird":2}})
        );
    }

    #[test]
    fn overrides_replace_members() {
        let obj = RawObject::parse(r#"{"id":"a","properties":{"old":1}}"#).unwrap();
        let new = RawValue::from_string(r#"{"new":2}"#.into()).unwrap();
        let rec = shape(
            &obj,
            &declared(&["id", "properties"]),
            &[("properties", &new)],
            &[],
        );
        assert_eq!(
            serde_json::from_str::<Value>(&rec).unwrap(),
            json!({"id":"a","properties":{"new":2}})
        );
    }

    #[test]
    fn accessors_read_members() {
        let obj = RawObject::parse(r#"{"id":"a\u0062","has_children":true,"n":null}"#).unwrap();
        assert_eq!(obj.str("id").as_deref(), Some("ab"));
        assert_eq!(obj.bool("has_children"), Some(true));
        assert_eq!(obj.str("n"), None);
        assert_eq!(obj.str("missing"), None);
    }
}
