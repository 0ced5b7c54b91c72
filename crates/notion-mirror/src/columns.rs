//! The typed columns of a record, read from its raw JSON: ids, parent, times, titles, plain
//! text, versions and tombstones.

use std::borrow::Cow;

use notion_model::Block;
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
    /// `_title`: the plain-text title the connector adds to pages, databases, data sources.
    pub(crate) title: Option<Cow<'a, str>>,
    /// `title` when it is a string (a `page_markdown` record's title).
    pub(crate) text_title: Option<Cow<'a, str>>,
    pub(crate) page_id: Option<Cow<'a, str>>,
    pub(crate) data_source_id: Option<Cow<'a, str>>,
    pub(crate) database_id: Option<Cow<'a, str>>,
    pub(crate) depth: Option<i64>,
    pub(crate) position: Option<i64>,
    pub(crate) content_version: Option<Cow<'a, str>>,
    /// `_ab_cdc_deleted_at`: set on a tombstone.
    pub(crate) deleted_at: Option<Cow<'a, str>>,
    pub(crate) markdown: Option<Cow<'a, str>>,
    pub(crate) front_matter: Option<Cow<'a, str>>,
    pub(crate) block_count: Option<i64>,
    pub(crate) unrendered: Option<&'a RawValue>,
    pub(crate) source: Option<Cow<'a, str>>,
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
            text_title: obj.str("title"),
            page_id: obj.str("_page_id"),
            data_source_id: obj.str("_data_source_id"),
            database_id: obj.str("_database_id"),
            depth: obj.parse_member("_depth"),
            position: obj.parse_member("_position"),
            content_version: obj.str("_content_version"),
            deleted_at: obj.str("_ab_cdc_deleted_at"),
            markdown: obj.str("markdown"),
            front_matter: obj.str("front_matter"),
            block_count: obj.parse_member("_block_count"),
            unrendered: obj.get("_unrendered"),
            source: obj.str("_source"),
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

/// The plain text of a block of type `kind` with content `payload`, as
/// [`notion_markdown::block_plain_text`] writes it (table cells separated by ` | `, captions,
/// mentions as their text, equations). Only the payload is decoded, into a
/// [`notion_model::Block`]; a payload the model refuses (a known type with content it cannot
/// read) falls back to the text of its `rich_text`. `None` for a record without content.
pub(crate) fn block_plain_text(kind: Option<&str>, payload: Option<&RawValue>) -> Option<String> {
    let (kind, payload) = (kind?, payload?);
    let envelope = format!(
        r#"{{"object":"block","id":"00000000-0000-0000-0000-000000000000","type":{kind},{kind}:{payload}}}"#,
        kind = serde_json::to_string(kind).ok()?,
        payload = payload.get(),
    );
    match serde_json::from_str::<Block>(&envelope) {
        Ok(block) => Some(notion_markdown::block_plain_text(&block)),
        Err(_) => Some(lenient_plain_text(payload)),
    }
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

/// The text of a payload's `rich_text`, whatever else it holds.
fn lenient_plain_text(payload: &RawValue) -> String {
    let mut text = String::new();
    if let Ok(payload) = RawObject::parse(payload.get())
        && let Some(rt) = payload.get("rich_text")
    {
        push_rich(&mut text, rt);
    }
    text
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
        let c = Columns::read(&obj);
        block_plain_text(c.kind.as_deref(), c.payload)
    }

    fn text(s: &str) -> String {
        format!(r#"{{"type":"text","text":{{"content":{s:?}}},"plain_text":{s:?}}}"#)
    }

    #[test]
    fn block_text_is_the_markdown_crate_plain_text_of_the_payload() {
        let mention = r#"{"type":"mention","mention":{"type":"user","user":{"object":"user","id":"8a3e2c4f-0d6b-4c1e-9a77-3d2b1f0e9c11"}},"plain_text":"@Ada"}"#;
        assert_eq!(
            plain(&format!(
                r#"{{"id":"b","type":"paragraph","paragraph":{{"rich_text":[{},{mention},{}]}}}}"#,
                text("Hello "),
                text(" w\u{f6}rld")
            )),
            Some("Hello @Ada wörld".into())
        );
        assert_eq!(
            plain(&format!(
                r#"{{"id":"b","type":"table_row","table_row":{{"cells":[[{}],[{}]]}}}}"#,
                text("a"),
                text("b")
            )),
            Some("a | b".into())
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
            plain(&format!(
                r#"{{"id":"b","type":"image","image":{{"type":"external","external":{{"url":"https://x.test/a.png"}},"caption":[{}]}}}}"#,
                text("A robot")
            )),
            Some("A robot".into())
        );
        assert_eq!(
            plain(&format!(
                r#"{{"id":"b","type":"bookmark","bookmark":{{"url":"https://x.test","caption":[{}]}}}}"#,
                text("Docs")
            )),
            Some("https://x.test\nDocs".into())
        );
        assert_eq!(
            plain(r#"{"id":"b","type":"divider","divider":{}}"#),
            Some(String::new())
        );
        assert_eq!(plain(r#"{"id":"b","type":"divider"}"#), None);
        // A future type: its rich text.
        assert_eq!(
            plain(&format!(
                r#"{{"id":"b","type":"hologram","hologram":{{"rich_text":[{}]}}}}"#,
                text("3D")
            )),
            Some("3D".into())
        );
        // Content the model refuses: the text of its rich text, never a failure.
        assert_eq!(
            plain(
                r#"{"id":"b","type":"paragraph","paragraph":{"rich_text":[{"plain_text":"raw"}],"color":7}}"#
            ),
            Some("raw".into())
        );
        assert_eq!(
            plain(r#"{"id":"b","type":"paragraph","paragraph":"odd"}"#),
            Some(String::new())
        );
    }

    #[test]
    fn columns_are_read_from_top_level_members() {
        let rec = r#"{"id":"p","object":"page","parent":{"type":"data_source_id","data_source_id":"d","database_id":"x"},
            "in_trash":false,"archived":true,"_title":"T \"q\"","_depth":3,"_position":7,"created_by":{"id":"u"},
            "_content_version":"2026-11-02T09:00:03.000Z","_ab_cdc_deleted_at":null}"#;
        let obj = RawObject::parse(rec).unwrap();
        let c = Columns::read(&obj);
        assert_eq!(c.id.as_deref(), Some("p"));
        assert_eq!(c.parent.as_ref().and_then(Parent::id).as_deref(), Some("d"));
        assert_eq!(trashed(&c), Some(false));
        assert_eq!(c.title.as_deref(), Some("T \"q\""));
        assert_eq!(c.depth, Some(3));
        assert_eq!(c.position, Some(7));
        assert_eq!(
            c.content_version.as_deref(),
            Some("2026-11-02T09:00:03.000Z")
        );
        assert_eq!(c.deleted_at, None);
        assert_eq!(c.created_by.and_then(|r| r.id).as_deref(), Some("u"));
        assert_eq!(
            rich_text_plain(Some(
                &RawValue::from_string(r#"[{"plain_text":"x"}]"#.into()).unwrap()
            )),
            Some("x".into())
        );
    }
}
