//! Paginated list responses.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::codec::{Key, check_object, decode_payload, object};

/// A page of a paginated list: `{object: "list", results, next_cursor, has_more, type,
/// <type>: {}, request_status?, request_id?}`.
///
/// `T` is the result type; `P` the payload under the `type` name (`{}` for most lists, the
/// property summary for property-item lists). The visitor is written by hand without
/// `#[serde(flatten)]`, so `T` may be `Box<serde_json::value::RawValue>` to pass results through
/// untouched:
///
/// ```
/// use notion_model::List;
/// use serde_json::value::RawValue;
///
/// let json = r#"{"object":"list","results":[{"object":"block","id":"x"}],
///                "next_cursor":null,"has_more":false,"type":"block","block":{}}"#;
/// let list: List<Box<RawValue>> = serde_json::from_str(json)?;
/// assert_eq!(list.results[0].get(), r#"{"object":"block","id":"x"}"#);
/// assert!(!list.has_more());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct List<T, P = Value> {
    /// The items of this page.
    pub results: Vec<T>,
    /// The cursor of the next page; `null` on the last page.
    pub next_cursor: Option<Option<String>>,
    /// Whether there is another page.
    pub has_more: Option<bool>,
    /// The value of `type` (`block`, `user`, `page_or_data_source`, …).
    pub list_type: Option<String>,
    /// The member named after `type` (usually `{}`); written only when `list_type` is set.
    pub type_payload: Option<P>,
    /// Set when a query stopped early (`incomplete` / `query_result_limit_reached`).
    pub request_status: Option<RequestStatus>,
    /// The request id.
    pub request_id: Option<String>,
    /// Members this model does not know, kept as sent and written back.
    pub extra: Map<String, Value>,
}

object! {
    /// Whether a query returned everything it matched.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct RequestStatus {
        /// `complete` or `incomplete`.
        opt status as "type": String,
        /// Why it is incomplete (`query_result_limit_reached`).
        opt incomplete_reason: String,
    }
}

impl RequestStatus {
    /// Whether the query stopped before returning everything.
    pub fn is_incomplete(&self) -> bool {
        self.status.as_deref() == Some("incomplete")
    }
}

impl<T> List<T, Value> {
    /// A page of results with `type` and an empty `{}` payload, as Notion writes lists.
    pub fn new(list_type: impl Into<String>, results: Vec<T>, next_cursor: Option<String>) -> Self {
        List {
            has_more: Some(next_cursor.is_some()),
            results,
            next_cursor: Some(next_cursor),
            list_type: Some(list_type.into()),
            type_payload: Some(Value::Object(Map::new())),
            request_status: None,
            request_id: None,
            extra: Map::new(),
        }
    }
}

impl<T, P> List<T, P> {
    /// Whether there is another page.
    pub fn has_more(&self) -> bool {
        self.has_more.unwrap_or(false)
    }

    /// The cursor of the next page.
    pub fn next_cursor(&self) -> Option<&str> {
        self.next_cursor.as_ref().and_then(Option::as_deref)
    }

    /// Whether a query stopped early (`request_status.type == "incomplete"`).
    pub fn is_incomplete(&self) -> bool {
        self.request_status
            .as_ref()
            .is_some_and(RequestStatus::is_incomplete)
    }
}

impl<T: Serialize, P: Serialize> Serialize for List<T, P> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("object", "list")?;
        map.serialize_entry("results", &self.results)?;
        if let Some(next_cursor) = &self.next_cursor {
            map.serialize_entry("next_cursor", next_cursor)?;
        }
        if let Some(has_more) = &self.has_more {
            map.serialize_entry("has_more", has_more)?;
        }
        if let Some(list_type) = &self.list_type {
            map.serialize_entry("type", list_type)?;
            if let Some(payload) = &self.type_payload {
                map.serialize_entry(list_type, payload)?;
            }
        }
        if let Some(status) = &self.request_status {
            map.serialize_entry("request_status", status)?;
        }
        if let Some(request_id) = &self.request_id {
            map.serialize_entry("request_id", request_id)?;
        }
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de, T: Deserialize<'de>, P: DeserializeOwned> Deserialize<'de> for List<T, P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ListVisitor(PhantomData))
    }
}

struct ListVisitor<T, P>(PhantomData<fn() -> (T, P)>);

impl<'de, T: Deserialize<'de>, P: DeserializeOwned> Visitor<'de> for ListVisitor<T, P> {
    type Value = List<T, P>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Notion list object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<List<T, P>, A::Error> {
        let mut results = None;
        let mut next_cursor = None;
        let mut has_more = None;
        let mut list_type: Option<String> = None;
        let mut request_status = None;
        let mut request_id = None;
        let mut object_seen = false;
        let mut extra = Map::new();
        while let Some(key) = access.next_key::<Key<'de>>()? {
            match key.0.as_ref() {
                "object" => {
                    let found = access.next_value::<Key<'de>>()?;
                    check_object(found.0.as_ref(), "list")?;
                    object_seen = true;
                }
                "results" => results = Some(access.next_value()?),
                "next_cursor" => next_cursor = Some(access.next_value()?),
                "type" => list_type = Some(access.next_value()?),
                // Optional members: an unexpected `null` is kept in `extra`, as sent.
                "has_more" => match access.next_value::<Option<bool>>()? {
                    Some(v) => has_more = Some(v),
                    None => drop(extra.insert(key.0.into_owned(), Value::Null)),
                },
                "request_status" => match access.next_value::<Option<RequestStatus>>()? {
                    Some(v) => request_status = Some(v),
                    None => drop(extra.insert(key.0.into_owned(), Value::Null)),
                },
                "request_id" => match access.next_value::<Option<String>>()? {
                    Some(v) => request_id = Some(v),
                    None => drop(extra.insert(key.0.into_owned(), Value::Null)),
                },
                _ => drop(extra.insert(key.0.into_owned(), access.next_value()?)),
            }
        }
        if !object_seen {
            return Err(de::Error::missing_field("object"));
        }
        let results = results.ok_or_else(|| de::Error::missing_field("results"))?;
        let type_payload = match &list_type {
            Some(name) => match extra.remove(name.as_str()) {
                Some(payload) => Some(decode_payload(name, payload)?),
                None => None,
            },
            None => None,
        };
        Ok(List {
            results,
            next_cursor,
            has_more,
            list_type,
            type_payload,
            request_status,
            request_id,
            extra,
        })
    }
}
