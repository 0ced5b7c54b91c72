//! The typed columns of a record, read from its raw JSON: ids, parent, times, titles and plain
//! text.

use std::borrow::Cow;

use notion_streams::shape::RawObject;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// The typed columns of a record, read from its top-level members in one pass over the record
/// (members are parsed one by one, from the raw JSON of their values).
#[derive(Default)]
pub(crate) struct Columns<'a> {
    pub(crate) id: Option<Cow<'a, str>>,
    pub(crate) name: Option<Cow<'a, str>>,
    pub(crate) kind: Option<Cow<'a, str>>,
    pub(crate) person: Option<Person>,
    pub(crate) parent: Option<Parent>,
    pub(crate) created_time: Option<Cow<'a, str>>,
    pub(crate) last_edited_time: Option<Cow<'a, str>>,
    pub(crate) in_trash: Option<bool>,
    pub(crate) archived: Option<bool>,
    pub(crate) is_archived: Option<bool>,
    pub(crate) has_children: Option<bool>,
    pub(crate) url: Option<Cow<'a, str>>,
    pub(crate) discussion_id: Option<Cow<'a, str>>,
    pub(crate) created_by: Option<Ref>,
    pub(crate) rich_text: Option<&'a RawValue>,
    pub(crate) title: Option<Cow<'a, str>>,
    pub(crate) page_id: Option<Cow<'a, str>>,
    pub(crate) data_source_id: Option<Cow<'a, str>>,
    pub(crate) database_id: Option<Cow<'a, str>>,
    pub(crate) depth: Option<i64>,
    /// The member named by `type` (a block's content).
    pub(crate) payload: Option<&'a RawValue>,
}

impl<'a> Columns<'a> {
    pub(crate) fn read(obj: &RawObject<'a>) -> Self {
        let kind = obj.str("type");
        let payload = kind.as_deref().and_then(|k| obj.get(k));
        Columns {
            id: obj.str("id"),
            name: obj.str("name"),
            person: obj.parse_member("person"),
            parent: obj.parse_member("parent"),
            created_time: obj.str("created_time"),
            last_edited_time: obj.str("last_edited_time"),
            in_trash: obj.bool("in_trash"),
            archived: obj.bool("archived"),
            is_archived: obj.bool("is_archived"),
            has_children: obj.bool("has_children"),
            url: obj.str("url"),
            discussion_id: obj.str("discussion_id"),
            created_by: obj.parse_member("created_by"),
            rich_text: obj.get("rich_text"),
            title: obj.str("_title"),
            page_id: obj.str("_page_id"),
            data_source_id: obj.str("_data_source_id"),
            database_id: obj.str("_database_id"),
            depth: obj.parse_member("_depth"),
            kind,
            payload,
        }
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct Person {
    pub(crate) email: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Ref {
    pub(crate) id: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Parent {
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    pub(crate) page_id: Option<String>,
    pub(crate) block_id: Option<String>,
    pub(crate) database_id: Option<String>,
    pub(crate) data_source_id: Option<String>,
    pub(crate) workspace: Option<Value>,
}

impl Parent {
    pub(crate) fn id(&self) -> Option<String> {
        match self.kind.as_deref() {
            Some("page_id") => self.page_id.clone(),
            Some("block_id") => self.block_id.clone(),
            Some("database_id") => self.database_id.clone(),
            Some("data_source_id") => self.data_source_id.clone(),
            Some("workspace") => self.workspace.as_ref().map(|_| "workspace".to_owned()),
            _ => None,
        }
    }
}

pub(crate) fn trashed(c: &Columns<'_>) -> Option<bool> {
    c.in_trash.or(c.archived)
}

#[derive(Deserialize)]
struct PlainText<'a> {
    #[serde(borrow)]
    plain_text: Cow<'a, str>,
}

/// Appends the `plain_text` of every item of a rich-text array (items without one are skipped).
/// Returns whether `raw` was an array.
fn push_rich(text: &mut String, raw: &RawValue) -> bool {
    let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) else {
        return false;
    };
    for item in items {
        if let Ok(t) = serde_json::from_str::<PlainText<'_>>(item.get()) {
            text.push_str(&t.plain_text);
        }
    }
    true
}

/// A JSON string member, if it is one.
fn json_str(raw: Option<&RawValue>) -> Option<Cow<'_, str>> {
    raw.and_then(|r| serde_json::from_str::<Cow<'_, str>>(r.get()).ok())
}

/// The plain text of a block: the rich text under its type's member (or a table row's cells,
/// or a child page's title).
pub(crate) fn block_plain_text(payload: Option<&RawValue>) -> Option<String> {
    let mut text = String::new();
    // A payload that is not an object has no text.
    let Ok(payload) = RawObject::parse(payload?.get()) else {
        return Some(text);
    };
    if let Some(rt) = payload.get("rich_text") {
        push_rich(&mut text, rt);
    } else if let Some(cells) = payload
        .get("cells")
        .and_then(|c| serde_json::from_str::<Vec<&RawValue>>(c.get()).ok())
    {
        for cell in cells {
            push_rich(&mut text, cell);
        }
    } else if let Some(t) = json_str(payload.get("title")) {
        text.push_str(&t);
    } else if let Some(e) = json_str(payload.get("expression")) {
        text.push_str(&e);
    } else if let Some(u) = json_str(payload.get("url")) {
        text.push_str(&u);
    }
    Some(text)
}

pub(crate) fn rich_text_plain(raw: Option<&RawValue>) -> Option<String> {
    let mut text = String::new();
    push_rich(&mut text, raw?).then_some(text)
}
#[cfg(test)]
mod tests {
    use super::*;

    fn plain(record: &str) -> Option<String> {
        let obj = RawObject::parse(record).unwrap();
        block_plain_text(Columns::read(&obj).payload)
    }

    #[test]
    fn block_text_comes_from_the_member_named_by_type() {
        let rt = r#"[{"plain_text":"Hello "},{"type":"mention"},{"plain_text":"w\u00f6rld"}]"#;
        assert_eq!(
            plain(&format!(
                r#"{{"id":"b","type":"paragraph","paragraph":{{"rich_text":{rt}}}}}"#
            )),
            Some("Hello wörld".into())
        );
        assert_eq!(
            plain(
                r#"{"id":"b","type":"table_row","table_row":{"cells":[[{"plain_text":"a"}],[{"plain_text":"b"}]]}}"#
            ),
            Some("ab".into())
        );
        assert_eq!(
            plain(r#"{"id":"b","type":"child_page","child_page":{"title":"Sub"}}"#),
            Some("Sub".into())
        );
        assert_eq!(
            plain(r#"{"id":"b","type":"equation","equation":{"expression":"e=mc^2"}}"#),
            Some("e=mc^2".into())
        );
        assert_eq!(
            plain(
                r#"{"id":"b","type":"bookmark","bookmark":{"url":"https://x.test","caption":[]}}"#
            ),
            Some("https://x.test".into())
        );
        assert_eq!(
            plain(r#"{"id":"b","type":"divider","divider":{}}"#),
            Some(String::new())
        );
        assert_eq!(
            plain(r#"{"id":"b","type":"divider","divider":null}"#),
            Some(String::new())
        );
        assert_eq!(plain(r#"{"id":"b","type":"divider"}"#), None);
    }

    #[test]
    fn columns_are_read_from_top_level_members() {
        let rec = r#"{"id":"p","object":"page","parent":{"type":"data_source_id","data_source_id":"d","database_id":"x"},
            "in_trash":false,"archived":true,"_title":"T \"q\"","_depth":3,"created_by":{"id":"u"}}"#;
        let obj = RawObject::parse(rec).unwrap();
        let c = Columns::read(&obj);
        assert_eq!(c.id.as_deref(), Some("p"));
        assert_eq!(c.parent.as_ref().and_then(Parent::id).as_deref(), Some("d"));
        assert_eq!(trashed(&c), Some(false));
        assert_eq!(c.title.as_deref(), Some("T \"q\""));
        assert_eq!(c.depth, Some(3));
        assert_eq!(c.created_by.and_then(|r| r.id).as_deref(), Some("u"));
        assert_eq!(
            rich_text_plain(Some(
                &RawValue::from_string(r#"[{"plain_text":"x"}]"#.into()).unwrap()
            )),
            Some("x".into())
        );
    }
}
