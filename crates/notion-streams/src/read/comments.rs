//! The comments of a page and of its blocks: each emitted once, whichever listings return it
//! (a page-level listing may also return comments of the page's blocks), all of them with the
//! read's content version, so that the ones no longer listed can be told apart.

use std::borrow::Cow;
use std::collections::HashSet;

use notion_model::Id;
use serde_json::value::RawValue;

use super::Reader;
use crate::error::Result;
use crate::schema::declared_fields;
use crate::shape::{Enrichment, RawObject, malformed, shape};
use crate::stream::{CONTENT_VERSION, StreamName};

/// The comments of one page emitted so far.
pub(super) struct PageComments<'a> {
    page: &'a str,
    emitted: HashSet<Id>,
}

impl<'a> PageComments<'a> {
    pub(super) fn new(page: &'a str) -> Self {
        PageComments {
            page,
            emitted: HashSet::new(),
        }
    }
}

impl Reader {
    /// Emits the comments of one listing that are new enough and not emitted yet for this page.
    pub(super) async fn emit_comments(
        &self,
        seen: &mut PageComments<'_>,
        comments: Vec<Box<RawValue>>,
        version: &str,
    ) -> Result<()> {
        if self.has_failed(StreamName::Comments) {
            return Ok(());
        }
        for raw in comments {
            let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a comment", e))?;
            let Some(id) = self
                .object_id(&obj, "a comment", "GET /v1/comments")
                .await?
            else {
                continue;
            };
            if !seen.emitted.insert(id) {
                continue;
            }
            let record = shape(
                &obj,
                declared_fields(StreamName::Comments),
                &[],
                &[
                    ("_page_id", Enrichment::Str(Cow::Borrowed(seen.page))),
                    (CONTENT_VERSION, Enrichment::Str(Cow::Borrowed(version))),
                ],
            );
            self.out.record(StreamName::Comments, record).await?;
        }
        Ok(())
    }
}
