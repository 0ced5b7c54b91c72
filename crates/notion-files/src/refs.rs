//! Which files a record references: Notion-hosted files (pre-signed links that expire after an
//! hour) and external links, each named by its field path in the record.
//!
//! Only what is needed is parsed: the record's top level, then the members that can hold files
//! (a media block's content, `icon`, `cover`, a page's `files` properties, a comment's
//! `attachments`). A malformed file object is skipped, never an error.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::links;

/// The block types whose content is a file object (`<type>.file.url`).
pub const MEDIA_BLOCK_TYPES: [&str; 5] = ["image", "video", "audio", "pdf", "file"];

/// The object a record is, and what to read again for fresh links.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Owner {
    /// A block: `GET /v1/blocks/{id}`.
    Block(String),
    /// A page: `GET /v1/pages/{id}`.
    Page(String),
    /// A database: `GET /v1/databases/{id}`.
    Database(String),
    /// A data source: `GET /v1/data_sources/{id}`.
    DataSource(String),
    /// A comment, found again among the comments of its parent page or block.
    Comment {
        /// The comment.
        id: String,
        /// The page or block it is attached to.
        parent: String,
    },
}

impl Owner {
    /// What the owner is, for messages (`block 1f2…`).
    pub fn describe(&self) -> String {
        match self {
            Owner::Block(id) => format!("block {id}"),
            Owner::Page(id) => format!("page {id}"),
            Owner::Database(id) => format!("database {id}"),
            Owner::DataSource(id) => format!("data source {id}"),
            Owner::Comment { id, .. } => format!("comment {id}"),
        }
    }
}

/// Where a file lives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Hosted by Notion: a pre-signed link, valid about an hour.
    Hosted {
        /// The link.
        url: String,
        /// When the link expires, as Notion wrote it.
        expiry_time: Option<String>,
    },
    /// A link elsewhere: recorded, never fetched.
    External {
        /// The link.
        url: String,
    },
}

impl Source {
    /// The link.
    pub fn url(&self) -> &str {
        match self {
            Source::Hosted { url, .. } | Source::External { url } => url,
        }
    }

    /// Whether Notion hosts the file.
    pub fn is_hosted(&self) -> bool {
        matches!(self, Source::Hosted { .. })
    }
}

/// One file a record references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// Where in the record: `image.file.url`, `icon.external.url`,
    /// `properties.Attachments.files[2]`, `attachments[0].file.url`. With the record, it
    /// identifies the file from one sync to the next.
    pub field: String,
    /// Where the file lives.
    pub source: Source,
    /// Its original name: the `name` Notion gives (files properties, file blocks), or the
    /// link's last path segment.
    pub name: Option<String>,
}

/// The files of one record, and what the record is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFiles {
    /// The record's `id`.
    pub id: String,
    /// What to read again for fresh links (`None` for objects that hold no files, such as
    /// users, and for a comment without a parent).
    pub owner: Option<Owner>,
    /// The page the record belongs to: `_page_id` of blocks and comments, the page itself for
    /// pages.
    pub page_id: Option<String>,
    /// `_content_version`, when the record carries one.
    pub content_version: Option<String>,
    /// Whether the record is a tombstone (`_ab_cdc_deleted_at` set): the object is gone.
    pub deleted: bool,
    /// The files, in the record's order.
    pub files: Vec<FileRef>,
}

impl RecordFiles {
    /// The file at `field`, if the record holds one there.
    pub fn get(&self, field: &str) -> Option<&FileRef> {
        self.files.iter().find(|f| f.field == field)
    }
}

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow, default)]
    object: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    parent: Option<&'a RawValue>,
    #[serde(borrow, default)]
    icon: Option<&'a RawValue>,
    #[serde(borrow, default)]
    cover: Option<&'a RawValue>,
    #[serde(borrow, default)]
    properties: Option<&'a RawValue>,
    #[serde(borrow, default)]
    attachments: Option<&'a RawValue>,
    #[serde(borrow, default)]
    image: Option<&'a RawValue>,
    #[serde(borrow, default)]
    video: Option<&'a RawValue>,
    #[serde(borrow, default)]
    audio: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pdf: Option<&'a RawValue>,
    #[serde(borrow, default)]
    file: Option<&'a RawValue>,
    #[serde(rename = "_page_id", borrow, default)]
    page_id: Option<Cow<'a, str>>,
    #[serde(rename = "_content_version", borrow, default)]
    content_version: Option<Cow<'a, str>>,
    #[serde(rename = "_ab_cdc_deleted_at", borrow, default)]
    deleted_at: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ParentIds<'a> {
    #[serde(borrow, default)]
    page_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    block_id: Option<Cow<'a, str>>,
}

/// A file object: `{type: "file", file: {url, expiry_time}}` or `{type: "external", external:
/// {url}}`, with a `name` in files properties and file blocks.
#[derive(Deserialize)]
struct FileObject<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    file: Option<Link>,
    #[serde(default)]
    external: Option<Link>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Link {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    expiry_time: Option<String>,
}

#[derive(Deserialize)]
struct PropertyValue<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    files: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Attachment {
    #[serde(default)]
    file: Option<Link>,
}

/// Finds the files a record references (a record as `notion-streams` writes it, or an object as
/// the Notion API returns it).
///
/// Blocks of type image, video, audio, pdf and file (`<type>.file.url`, or
/// `<type>.external.url`); `icon` and `cover` of pages, databases and data sources
/// (`icon.file.url`, …); a page's `files` property values (`properties.<name>.files[<i>]`);
/// a comment's `attachments` (`attachments[<i>].file.url`). Errors only when the text is not a
/// JSON object with a string `id`.
pub fn record_files(json: &str) -> Result<RecordFiles> {
    let top: Top<'_> = serde_json::from_str(json).map_err(|e| Error::Record(e.to_string()))?;
    let Some(id) = top.id.as_deref().filter(|id| !id.is_empty()) else {
        return Err(Error::Record("it has no string `id`".into()));
    };
    let id = id.to_owned();
    let object = top.object.as_deref().unwrap_or_default();
    let deleted = top.deleted_at.is_some_and(|v| v.get() != "null");
    let content_version = top.content_version.as_deref().map(str::to_owned);
    let mut files = Vec::new();
    let (owner, page_id) = match object {
        "block" => {
            if let Some(kind) = top.kind.as_deref()
                && let Some(payload) = media_payload(&top, kind)
            {
                file_ref(payload, kind, &mut files);
            }
            (
                Some(Owner::Block(id.clone())),
                top.page_id.as_deref().map(str::to_owned),
            )
        }
        "page" | "database" | "data_source" => {
            for (name, value) in [("icon", top.icon), ("cover", top.cover)] {
                if let Some(value) = value {
                    file_ref(value, name, &mut files);
                }
            }
            let owner = match object {
                "page" => {
                    if let Some(properties) = top.properties {
                        property_files(properties, &mut files);
                    }
                    Owner::Page(id.clone())
                }
                "database" => Owner::Database(id.clone()),
                _ => Owner::DataSource(id.clone()),
            };
            let page = (object == "page").then(|| id.clone());
            (Some(owner), page)
        }
        "comment" => {
            if let Some(attachments) = top.attachments {
                attachment_files(attachments, &mut files);
            }
            let parent = top
                .parent
                .and_then(|p| serde_json::from_str::<ParentIds<'_>>(p.get()).ok())
                .and_then(|p| p.block_id.or(p.page_id))
                .map(Cow::into_owned);
            (
                parent.map(|parent| Owner::Comment {
                    id: id.clone(),
                    parent,
                }),
                top.page_id.as_deref().map(str::to_owned),
            )
        }
        _ => (None, None),
    };
    Ok(RecordFiles {
        id,
        owner,
        page_id,
        content_version,
        deleted,
        files,
    })
}

fn media_payload<'a>(top: &Top<'a>, kind: &str) -> Option<&'a RawValue> {
    match kind {
        "image" => top.image,
        "video" => top.video,
        "audio" => top.audio,
        "pdf" => top.pdf,
        "file" => top.file,
        _ => None,
    }
}

/// The file of a file object at `prefix` (`image`, `icon`, …), if it is a hosted or external
/// file with a link.
fn file_ref(raw: &RawValue, prefix: &str, out: &mut Vec<FileRef>) {
    let Ok(object) = serde_json::from_str::<FileObject<'_>>(raw.get()) else {
        return;
    };
    let (member, link) = match object.kind.as_deref() {
        Some("file") => ("file", object.file),
        Some("external") => ("external", object.external),
        _ => return,
    };
    if let Some(source) = source(member, link) {
        out.push(FileRef {
            field: format!("{prefix}.{member}.url"),
            name: object.name.or_else(|| links::file_name(source.url())),
            source,
        });
    }
}

fn source(member: &str, link: Option<Link>) -> Option<Source> {
    let link = link?;
    let url = link.url.filter(|u| !u.is_empty())?;
    Some(if member == "file" {
        Source::Hosted {
            url,
            expiry_time: link.expiry_time,
        }
    } else {
        Source::External { url }
    })
}

fn property_files(raw: &RawValue, out: &mut Vec<FileRef>) {
    let Ok(properties) = serde_json::from_str::<BTreeMap<String, &RawValue>>(raw.get()) else {
        return;
    };
    for (name, value) in properties {
        let Ok(value) = serde_json::from_str::<PropertyValue<'_>>(value.get()) else {
            continue;
        };
        if value.kind.as_deref() != Some("files") {
            continue;
        }
        let Some(Ok(entries)) = value
            .files
            .map(|f| serde_json::from_str::<Vec<&RawValue>>(f.get()))
        else {
            continue;
        };
        for (i, entry) in entries.iter().enumerate() {
            let Ok(object) = serde_json::from_str::<FileObject<'_>>(entry.get()) else {
                continue;
            };
            let (member, link) = match object.kind.as_deref() {
                Some("file") => ("file", object.file),
                Some("external") => ("external", object.external),
                _ => continue,
            };
            if let Some(source) = source(member, link) {
                out.push(FileRef {
                    field: format!("properties.{name}.files[{i}]"),
                    name: object.name.or_else(|| links::file_name(source.url())),
                    source,
                });
            }
        }
    }
}

fn attachment_files(raw: &RawValue, out: &mut Vec<FileRef>) {
    let Ok(entries) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) else {
        return;
    };
    for (i, entry) in entries.iter().enumerate() {
        let Ok(attachment) = serde_json::from_str::<Attachment>(entry.get()) else {
            continue;
        };
        if let Some(source) = source("file", attachment.file) {
            out.push(FileRef {
                field: format!("attachments[{i}].file.url"),
                name: links::file_name(source.url()),
                source,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hosted(url: &str) -> Source {
        Source::Hosted {
            url: url.into(),
            expiry_time: Some("2026-07-04T10:00:00.000Z".into()),
        }
    }

    fn file(url: &str) -> serde_json::Value {
        json!({"url": url, "expiry_time": "2026-07-04T10:00:00.000Z"})
    }

    #[test]
    fn media_blocks_hold_one_file() {
        for kind in MEDIA_BLOCK_TYPES {
            let block = json!({"object": "block", "id": "b1", "type": kind, "_page_id": "p1",
                "_content_version": "2026-07-04T09:00:00.000Z",
                kind: {"caption": [], "type": "file", "file": file("https://h/ws/f1/a.png?sig=1")}});
            let found = record_files(&block.to_string()).unwrap();
            assert_eq!(found.owner, Some(Owner::Block("b1".into())));
            assert_eq!(found.page_id.as_deref(), Some("p1"));
            assert_eq!(
                found.content_version.as_deref(),
                Some("2026-07-04T09:00:00.000Z")
            );
            assert_eq!(
                found.files,
                vec![FileRef {
                    field: format!("{kind}.file.url"),
                    source: hosted("https://h/ws/f1/a.png?sig=1"),
                    name: Some("a.png".into()),
                }]
            );
        }
        // A file block's own name wins over the link's.
        let block = json!({"object": "block", "id": "b1", "type": "file",
            "file": {"type": "external", "external": {"url": "https://example.com/doc.txt"}, "name": "Doc.txt"}});
        let found = record_files(&block.to_string()).unwrap();
        assert_eq!(found.files[0].field, "file.external.url");
        assert_eq!(
            found.files[0].source,
            Source::External {
                url: "https://example.com/doc.txt".into()
            }
        );
        assert_eq!(found.files[0].name.as_deref(), Some("Doc.txt"));
    }

    #[test]
    fn other_blocks_hold_none() {
        // A paragraph that happens to have an `image` member, and an image of an unknown kind.
        let block = json!({"object": "block", "id": "b1", "type": "paragraph",
            "image": {"type": "file", "file": file("https://h/x.png")}});
        assert!(record_files(&block.to_string()).unwrap().files.is_empty());
        let block = json!({"object": "block", "id": "b1", "type": "image",
            "image": {"type": "file_upload", "file_upload": {"id": "u"}}});
        assert!(record_files(&block.to_string()).unwrap().files.is_empty());
    }

    #[test]
    fn pages_hold_icons_covers_and_files_properties() {
        let page = json!({"object": "page", "id": "p1",
        "icon": {"type": "file", "file": file("https://h/ws/i/icon.png?s")},
        "cover": {"type": "external", "external": {"url": "https://images.example/c.jpg"}},
        "properties": {
            "Name": {"id": "title", "type": "title", "title": []},
            "Attachments": {"id": "f", "type": "files", "files": [
                {"name": "Brief.pdf", "type": "file", "file": file("https://h/ws/a/brief.pdf?s")},
                {"name": "Site", "type": "external", "external": {"url": "https://example.com/"}},
                {"name": "Broken", "type": "file", "file": "not an object"},
                {"name": "Later", "type": "file", "file": file("https://h/ws/b/later.png?s")}
            ]},
            "Tags": {"id": "t", "type": "multi_select", "multi_select": [{"name": "files"}]}
        }});
        let found = record_files(&page.to_string()).unwrap();
        assert_eq!(found.owner, Some(Owner::Page("p1".into())));
        assert_eq!(found.page_id.as_deref(), Some("p1"));
        let fields: Vec<&str> = found.files.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "icon.file.url",
                "cover.external.url",
                "properties.Attachments.files[0]",
                "properties.Attachments.files[1]",
                "properties.Attachments.files[3]"
            ]
        );
        assert_eq!(found.files[2].name.as_deref(), Some("Brief.pdf"));
        assert_eq!(found.files[0].name.as_deref(), Some("icon.png"));
        assert!(!found.files[3].source.is_hosted());
        assert_eq!(
            found
                .get("properties.Attachments.files[3]")
                .map(|f| f.source.url()),
            Some("https://h/ws/b/later.png?s")
        );
    }

    #[test]
    fn data_source_schemas_are_not_values() {
        // A data source's `properties` is its schema: a files property there holds no file.
        let ds = json!({"object": "data_source", "id": "d1",
            "icon": {"type": "emoji", "emoji": "📁"},
            "cover": {"type": "file", "file": file("https://h/ws/c/cover.jpg?s")},
            "properties": {"Files": {"id": "f", "name": "Files", "type": "files", "files": {}}}});
        let found = record_files(&ds.to_string()).unwrap();
        assert_eq!(found.owner, Some(Owner::DataSource("d1".into())));
        assert_eq!(found.page_id, None);
        assert_eq!(found.files.len(), 1);
        assert_eq!(found.files[0].field, "cover.file.url");
        let db = json!({"object": "database", "id": "db1",
            "icon": {"type": "file", "file": file("https://h/ws/i/db.png?s")}});
        let found = record_files(&db.to_string()).unwrap();
        assert_eq!(found.owner, Some(Owner::Database("db1".into())));
        assert_eq!(found.files[0].field, "icon.file.url");
    }

    #[test]
    fn comments_hold_attachments_and_know_their_parent() {
        let comment = json!({"object": "comment", "id": "c1", "_page_id": "p1",
        "parent": {"type": "block_id", "block_id": "b9"},
        "attachments": [
            {"category": "image", "file": file("https://h/ws/x/shot.png?s")},
            {"category": "pdf"}
        ]});
        let found = record_files(&comment.to_string()).unwrap();
        assert_eq!(
            found.owner,
            Some(Owner::Comment {
                id: "c1".into(),
                parent: "b9".into()
            })
        );
        assert_eq!(found.page_id.as_deref(), Some("p1"));
        assert_eq!(found.files.len(), 1);
        assert_eq!(found.files[0].field, "attachments[0].file.url");
        assert_eq!(found.files[0].name.as_deref(), Some("shot.png"));
        let orphan = json!({"object": "comment", "id": "c2", "attachments": []});
        assert_eq!(record_files(&orphan.to_string()).unwrap().owner, None);
    }

    #[test]
    fn tombstones_are_deleted_records() {
        let gone = json!({"object": "page", "id": "p1", "last_edited_time": "2026-07-04T10:00:00.000Z",
            "_ab_cdc_deleted_at": "2026-07-04T10:00:00.000Z", "_deleted_reason": "not_found"});
        let found = record_files(&gone.to_string()).unwrap();
        assert!(found.deleted);
        assert!(found.files.is_empty());
        let live = json!({"object": "page", "id": "p1", "_ab_cdc_deleted_at": null});
        assert!(!record_files(&live.to_string()).unwrap().deleted);
    }

    #[test]
    fn only_objects_with_an_id_are_records() {
        assert!(record_files("[]").is_err());
        assert!(record_files("{").is_err());
        assert!(record_files(r#"{"object":"page"}"#).is_err());
        assert!(record_files(r#"{"object":"page","id":""}"#).is_err());
        assert!(record_files(r#"{"object":"page","id":7}"#).is_err());
        let user =
            record_files(r#"{"object":"user","id":"u","avatar_url":"https://a/b.png"}"#).unwrap();
        assert_eq!(user.owner, None);
        assert!(user.files.is_empty());
        // Escaped text is read as text.
        let page = record_files(r#"{"object":"page","id":"p\u0031","properties":{"F\u00fcr":{"type":"files","files":[{"type":"external","external":{"url":"https://x/y"}}]}}}"#).unwrap();
        assert_eq!(page.id, "p1");
        assert_eq!(page.files[0].field, "properties.Für.files[0]");
    }

    #[test]
    fn odd_shapes_never_fail_the_record() {
        for payload in [
            json!(null),
            json!("x"),
            json!([1]),
            json!({"type": "file"}),
            json!({"type": "file", "file": {"url": ""}}),
            json!({"type": "file", "file": {"url": 5}}),
            json!({"type": 5}),
        ] {
            let page = json!({"object": "page", "id": "p", "icon": payload.clone(), "cover": payload.clone(),
                "properties": {"F": {"type": "files", "files": payload.clone()}, "G": payload.clone()}});
            assert!(record_files(&page.to_string()).unwrap().files.is_empty());
            let block =
                json!({"object": "block", "id": "b", "type": "image", "image": payload.clone()});
            assert!(record_files(&block.to_string()).unwrap().files.is_empty());
            let comment = json!({"object": "comment", "id": "c", "attachments": payload});
            assert!(record_files(&comment.to_string()).unwrap().files.is_empty());
        }
    }
}
