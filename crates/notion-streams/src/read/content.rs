//! One page's content: its block tree at every depth (up to `max_block_depth`, a cut is
//! reported), read level by level with a few listings in flight, and the comments of the page
//! and its blocks.

use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use notion_model::Id;
use serde::Deserialize;
use serde_json::value::RawValue;

use notion_markdown::PageTree;

use super::document::PageSource;
use super::{Reader, is_listing_loop, is_unavailable};
use crate::api::ListRequest;
use crate::config::CommentsMode;
use crate::error::{Error, Result};
use crate::protocol::{LogLevel, Message};
use crate::schema::declared_fields;
use crate::shape::{Enrichment, RawObject, malformed, shape};
use crate::stream::{CONTENT_VERSION, StreamName};

/// Concurrent requests within one page's block tree.
const TREE_CONCURRENCY: usize = 8;

/// What to read of a page's content.
#[derive(Clone, Copy)]
pub(super) struct Walk<'a> {
    /// The page.
    pub(super) page: Id,
    /// Read the block tree (for the blocks stream, for block comments, and to find child pages
    /// and databases).
    pub(super) blocks: bool,
    /// Emit block records.
    pub(super) emit_blocks: bool,
    /// Which comments to read.
    pub(super) comments: CommentsMode,
    /// Render the page's document from its blocks.
    pub(super) document: Option<&'a PageSource>,
    /// A page that is not found or not shared is an error (for library callers), not a warning.
    pub(super) strict: bool,
}

/// The work items of a walk.
enum Fetch {
    /// All children of a block (or page) at this depth.
    Children { parent: Id, depth: u32 },
    /// All comments of a block (or page).
    Comments { block: Id },
}

enum Fetched {
    Children {
        parent: Id,
        depth: u32,
        blocks: Vec<Box<RawValue>>,
    },
    Comments {
        comments: Vec<Box<RawValue>>,
    },
    Unavailable,
}

impl Reader {
    /// Reads a page's block tree and its comments (and renders its document). Every block and
    /// comment of the page is emitted, with this read's content version; when the content was
    /// read completely, a [`Message::PageContent`] says so.
    pub(super) async fn walk(self: &Arc<Self>, walk: Walk<'_>) -> Result<()> {
        let page = walk.page;
        let max_depth = self.settings.config.max_block_depth;
        let page_text = page.to_string();
        let version = self.content_version();
        let mut tree = walk.document.map(|_| PageTree::new(page));
        let mut queue: VecDeque<Fetch> = VecDeque::new();
        if walk.blocks {
            queue.push_back(Fetch::Children {
                parent: page,
                depth: 1,
            });
        }
        if walk.comments != CommentsMode::None {
            queue.push_back(Fetch::Comments { block: page });
        }
        let mut visited: HashSet<Id> = HashSet::new();
        let mut comments = super::comments::PageComments::new(&page_text);
        let mut running: FuturesUnordered<BoxFuture<'_, Result<Fetched>>> = FuturesUnordered::new();
        loop {
            while running.len() < TREE_CONCURRENCY {
                let Some(f) = queue.pop_front() else { break };
                let strict = walk.strict && fetch_is_root(&f, page);
                running.push(self.fetch(f, strict).boxed());
            }
            let Some(done) = running.next().await else {
                break;
            };
            match done? {
                Fetched::Unavailable => {}
                Fetched::Comments { comments: list } => {
                    self.emit_comments(&mut comments, list, &version).await?;
                }
                Fetched::Children {
                    parent,
                    depth,
                    blocks,
                } => {
                    for (position, raw) in (0u32..).zip(blocks) {
                        if let Some(tree) = tree.as_mut()
                            && let Err(e) = tree.insert_json(raw.get(), parent, position)
                        {
                            self.out
                                .log(
                                    LogLevel::Warn,
                                    format!(
                                        "a block of page {page} is left out of its document: {e}"
                                    ),
                                )
                                .await?;
                        }
                        let obj =
                            RawObject::parse(raw.get()).map_err(|e| malformed("a block", e))?;
                        let Some(id) = self
                            .object_id(&obj, "a block", "GET /v1/blocks/{id}/children")
                            .await?
                        else {
                            continue;
                        };
                        if !visited.insert(id) {
                            // Seen already in this page (a synced-block cycle).
                            continue;
                        }
                        let kind = obj.str("type");
                        let has_children = obj.bool("has_children").unwrap_or(false);
                        let mut cut = false;
                        match kind.as_deref() {
                            Some("child_page") => self.child_page_found(id),
                            Some("child_database") => self.database_found(id).await?,
                            // A duplicate synced block shows its original's children: they are
                            // read once, under the page where the original lives.
                            Some("synced_block") if is_synced_duplicate(&obj) => {}
                            _ if has_children => {
                                if max_depth.is_some_and(|m| depth >= m) {
                                    cut = true;
                                    self.counters.depth_cuts.fetch_add(1, Ordering::Relaxed);
                                } else {
                                    queue.push_back(Fetch::Children {
                                        parent: id,
                                        depth: depth + 1,
                                    });
                                }
                            }
                            _ => {}
                        }
                        // A child page's or database's comments are its own, read with it.
                        let stands_for_page =
                            matches!(kind.as_deref(), Some("child_page" | "child_database"));
                        if walk.comments == CommentsMode::PagesAndBlocks && !stands_for_page {
                            queue.push_back(Fetch::Comments { block: id });
                        }
                        if walk.emit_blocks && !self.has_failed(StreamName::Blocks) {
                            let mut enrich = vec![
                                ("_page_id", Enrichment::Str(Cow::Borrowed(&page_text))),
                                ("_depth", Enrichment::U32(depth)),
                                ("_position", Enrichment::U32(position)),
                                (CONTENT_VERSION, Enrichment::Str(Cow::Borrowed(&version))),
                            ];
                            if cut {
                                enrich.push(("_children_cut", Enrichment::Bool(true)));
                            }
                            let record =
                                shape(&obj, declared_fields(StreamName::Blocks), &[], &enrich);
                            self.out.record(StreamName::Blocks, record).await?;
                        }
                    }
                }
            }
        }
        if let (Some(document), Some(tree)) = (walk.document, tree.as_ref())
            && !self.has_failed(StreamName::PageMarkdown)
        {
            self.emit_rendered_document(document, tree).await?;
        }
        let blocks = walk.emit_blocks && !self.has_failed(StreamName::Blocks);
        let comments =
            walk.comments != CommentsMode::None && !self.has_failed(StreamName::Comments);
        if blocks || comments {
            self.out
                .send(Message::PageContent {
                    page,
                    version,
                    blocks,
                    comments,
                })
                .await?;
        }
        Ok(())
    }

    /// Runs one fetch of a walk, reading every page of the listing.
    async fn fetch(&self, f: Fetch, strict: bool) -> Result<Fetched> {
        let request = match &f {
            Fetch::Children { parent, .. } => ListRequest::BlockChildren { block: *parent },
            Fetch::Comments { block } => ListRequest::Comments { block: *block },
        };
        let pages = match self.list_all(request).await {
            Ok(p) => p,
            Err(e) if strict && is_unavailable(&e) => return Err(e),
            Err(e) if is_unavailable(&e) || is_listing_loop(&e) => {
                return self.unavailable(&f, e).await;
            }
            Err(e) => return Err(e),
        };
        let all = pages.into_iter().flat_map(|p| p.results).collect();
        Ok(match f {
            Fetch::Children { parent, depth } => Fetched::Children {
                parent,
                depth,
                blocks: all,
            },
            Fetch::Comments { .. } => Fetched::Comments { comments: all },
        })
    }

    /// A listing of the walk that cannot be read: without the "read comments" capability the
    /// comments stream fails; a listing the loop guards stopped fails its stream; an object not
    /// shared is skipped with a warning.
    async fn unavailable(&self, f: &Fetch, e: Error) -> Result<Fetched> {
        let restricted = e.http_kind() == Some(notion_http::ErrorKind::Restricted);
        match f {
            Fetch::Comments { .. } if restricted || is_listing_loop(&e) => {
                self.fail_stream(StreamName::Comments, e).await?;
            }
            Fetch::Children { .. } if is_listing_loop(&e) => {
                self.fail_stream(StreamName::Blocks, e).await?;
            }
            Fetch::Comments { block } => {
                self.not_shared(&format!("comments of {block}"), &e).await?;
            }
            Fetch::Children { parent, .. } => {
                self.not_shared(&format!("children of {parent}"), &e)
                    .await?;
            }
        }
        Ok(Fetched::Unavailable)
    }
}

/// Whether a fetch reads the page itself (not one of its blocks).
fn fetch_is_root(f: &Fetch, page: Id) -> bool {
    match f {
        Fetch::Children { parent, .. } => *parent == page,
        Fetch::Comments { block } => *block == page,
    }
}

/// Whether a `synced_block` is a duplicate (its `synced_from` names the original).
fn is_synced_duplicate(obj: &RawObject<'_>) -> bool {
    #[derive(Deserialize)]
    struct Synced<'a> {
        #[serde(borrow)]
        synced_from: Option<&'a RawValue>,
    }
    obj.parse_member_borrowed::<Synced<'_>>("synced_block")
        .is_some_and(|s| s.synced_from.is_some_and(|f| f.get() != "null"))
}
