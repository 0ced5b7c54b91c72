//! Pages as Markdown documents (the `page_markdown` stream): rendered with `notion-markdown` from
//! the blocks a content walk read, or fetched from Notion's markdown endpoint.

use std::sync::Arc;

use notion_markdown::{MapResolver, PageTree, RenderOptions, Resolver};
use notion_model::{Id, Page, PageMarkdown, Timestamp};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::{Reader, is_unavailable, lock};
use crate::api::Object;
use crate::error::Result;
use crate::protocol::LogLevel;
use crate::shape::malformed;
use crate::stream::StreamName;

/// Blocks of synced originals kept for rendering their duplicates on later pages.
const MAX_SYNCED_BLOCKS: usize = 20_000;

/// What a read knows that documents refer to: user names (when the users stream is read) and
/// the originals of synced blocks met so far.
#[derive(Debug, Default)]
pub(super) struct References {
    resolver: MapResolver,
    synced_blocks: usize,
}

impl References {
    /// Remembers a user's name (from a `users` record).
    pub(super) fn add_user(&mut self, raw: &str) {
        if let Ok(user) = serde_json::from_str::<notion_model::User>(raw) {
            self.resolver.add_user(&user);
        }
    }
}

/// The page a document is made for: its object as Notion sent it, with completed properties.
pub(super) struct PageSource {
    pub(super) raw: Box<RawValue>,
    pub(super) properties: Option<Box<RawValue>>,
}

impl PageSource {
    /// The page as a model object (with its completed properties).
    fn page(&self) -> std::result::Result<Page, serde_json::Error> {
        match &self.properties {
            None => serde_json::from_str(self.raw.get()),
            Some(props) => {
                let mut page: Map<String, Value> = serde_json::from_str(self.raw.get())?;
                page.insert("properties".into(), serde_json::from_str(props.get())?);
                serde_json::from_value(Value::Object(page))
            }
        }
    }
}

impl Reader {
    /// Remembers what later documents may refer to, when documents are read.
    pub(super) fn remember_user(&self, raw: &str) {
        if self.selection.contains(StreamName::PageMarkdown) {
            lock(&self.references).add_user(raw);
        }
    }

    /// Renders a page's document from its block tree and emits it.
    pub(super) async fn emit_rendered_document(
        &self,
        source: &PageSource,
        tree: &PageTree,
    ) -> Result<()> {
        let Some(page) = self.document_page(source).await? else {
            return Ok(());
        };
        let rendered = {
            let mut refs = lock(&self.references);
            let rendered = notion_markdown::render_page(
                Some(&page),
                tree,
                &refs.resolver as &dyn Resolver,
                &RenderOptions::default(),
            );
            // Originals of synced blocks, for duplicates on pages read later.
            for original in tree.synced_originals() {
                let subtree = tree.subtree(original);
                if refs.synced_blocks + subtree.len() <= MAX_SYNCED_BLOCKS {
                    refs.synced_blocks += subtree.len();
                    refs.resolver.insert_synced_original(subtree);
                }
            }
            rendered
        };
        let record = json!({
            "object": "page_markdown",
            "id": page.id,
            "title": rendered.title,
            "markdown": rendered.markdown,
            "front_matter": rendered.front_matter,
            "_block_count": rendered.block_count,
            "_unrendered": rendered.unrendered,
            "_source": "blocks",
            "_truncated": false,
        });
        self.emit_document(&page, record).await
    }

    /// Reads a page's document from Notion's markdown endpoint (following the parts it leaves
    /// out) and emits it.
    pub(super) async fn emit_fetched_document(self: &Arc<Self>, source: &PageSource) -> Result<()> {
        let Some(page) = self.document_page(source).await? else {
            return Ok(());
        };
        let Some(main) = self.fetch_markdown(page.id).await? else {
            return Ok(());
        };
        let mut body = main.markdown.clone().unwrap_or_default();
        let mut truncated = false;
        for part in main.unknown_block_ids.iter().flatten() {
            match self.fetch_markdown(*part).await? {
                Some(more) => {
                    truncated |= more.truncated == Some(true);
                    if !body.is_empty() && !body.ends_with('\n') {
                        body.push('\n');
                    }
                    body.push_str(&format!("\n<!-- block {part} -->\n"));
                    body.push_str(more.markdown.as_deref().unwrap_or_default());
                }
                None => truncated = true,
            }
        }
        let rendered = notion_markdown::render_page(
            Some(&page),
            &PageTree::new(page.id),
            &notion_markdown::NoResolver,
            &RenderOptions::default(),
        );
        let markdown = if rendered.front_matter.is_empty() {
            body
        } else {
            format!("---\n{}---\n\n{body}", rendered.front_matter)
        };
        let record = json!({
            "object": "page_markdown",
            "id": page.id,
            "title": rendered.title,
            "markdown": markdown,
            "front_matter": rendered.front_matter,
            "_unrendered": Vec::<String>::new(),
            "_source": "api",
            "_truncated": truncated,
        });
        self.emit_document(&page, record).await
    }

    /// The page of a document; `None` (reported) when Notion sent a page the model cannot read.
    async fn document_page(&self, source: &PageSource) -> Result<Option<Page>> {
        match source.page() {
            Ok(page) => Ok(Some(page)),
            Err(e) => {
                self.out
                    .log(
                        LogLevel::Warn,
                        format!("a page's document is not emitted: the page cannot be read ({e})"),
                    )
                    .await?;
                Ok(None)
            }
        }
    }

    /// `GET /v1/pages/{id}/markdown`; `None` when the object is not shared (reported).
    async fn fetch_markdown(&self, id: Id) -> Result<Option<PageMarkdown>> {
        match self.retrieve(Object::PageMarkdown(id)).await {
            Ok(raw) => serde_json::from_str(raw.get())
                .map(Some)
                .map_err(|e| malformed("a page as Markdown", e)),
            Err(e) if is_unavailable(&e) => {
                self.not_shared(&format!("the Markdown of {id}"), &e)
                    .await?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Completes a document record with the page's own members and emits it.
    async fn emit_document(&self, page: &Page, mut record: Value) -> Result<()> {
        if let Value::Object(obj) = &mut record {
            let page_json = serde_json::to_value(page).unwrap_or(Value::Null);
            for member in [
                "url",
                "parent",
                "created_time",
                "last_edited_time",
                "in_trash",
            ] {
                if let Some(v) = page_json.get(member) {
                    obj.insert(member.into(), v.clone());
                }
            }
            obj.insert("_page_id".into(), json!(page.id));
            obj.insert("_content_version".into(), json!(self.content_version()));
        }
        self.out
            .record(StreamName::PageMarkdown, record.to_string())
            .await
    }

    /// Emits a deletion record of a page's document (the page was trashed or deleted).
    pub(super) async fn emit_document_tombstone(
        &self,
        page: Id,
        observed: &Timestamp,
        reason: &str,
    ) -> Result<()> {
        if !self.selection.contains(StreamName::PageMarkdown) {
            return Ok(());
        }
        let record = json!({
            "object": "page_markdown",
            "id": page,
            "last_edited_time": observed.as_str(),
            "_page_id": page,
            "_ab_cdc_deleted_at": observed.as_str(),
            "_deleted_reason": reason,
            "_content_version": self.content_version(),
        });
        self.out
            .record(StreamName::PageMarkdown, record.to_string())
            .await
    }

    /// Fails the `page_markdown` stream when documents are to be rendered from blocks that
    /// are not read.
    pub(super) async fn documents_need_blocks(&self) -> Result<()> {
        self.fail_stream(
            StreamName::PageMarkdown,
            crate::Error::Config(crate::InvalidField::new(
                "markdown_source",
                "is \"blocks\" but fetch_page_blocks is false, so no block is read to render \
                 documents from",
                "set fetch_page_blocks to true, or markdown_source to \"api\"",
            )),
        )
        .await
    }
}
