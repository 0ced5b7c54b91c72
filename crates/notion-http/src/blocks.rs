//! Every block of a page (or block), recursively, as a stream.

use std::collections::{HashSet, VecDeque};
use std::marker::PhantomData;

use futures::stream::{self, BoxStream, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::client::NotionClient;
use crate::error::Error;

/// Block types whose children are separate objects (a page's content, a database's rows): the
/// walk yields these blocks but does not descend into them.
pub const NOT_DESCENDED: [&str; 2] = ["child_page", "child_database"];

/// One event of a block walk.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BlockEvent<T> {
    /// A block, with its depth (children of the root are at depth 1) and its parent's id.
    Block {
        /// The block.
        block: T,
        /// 1 for children of the root, 2 for their children, …
        depth: u32,
        /// The id of the block or page whose children list contained it.
        parent_id: String,
    },
    /// A block has children that were not read because of the depth limit.
    DepthLimitReached {
        /// The block whose children were skipped.
        block_id: String,
        /// Its depth (the limit).
        depth: u32,
    },
}

/// The fields the walk needs to decide where to descend.
#[derive(serde::Deserialize)]
struct Head {
    id: String,
    #[serde(default)]
    has_children: bool,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    synced_block: Option<SyncedHead>,
}

#[derive(serde::Deserialize)]
struct SyncedHead {
    #[serde(default)]
    synced_from: Option<serde_json::Value>,
}

impl Head {
    /// A duplicate synced block: its children are the original's, walked where it lives.
    fn is_synced_duplicate(&self) -> bool {
        self.synced_block
            .as_ref()
            .and_then(|s| s.synced_from.as_ref())
            .is_some_and(|from| !from.is_null())
    }
}

struct Frame {
    parent_id: String,
    depth: u32,
    cursor: Option<String>,
    more: bool,
    buffered: VecDeque<Box<RawValue>>,
}

struct Walk<T> {
    client: NotionClient,
    max_depth: Option<u32>,
    page_size: Option<u32>,
    stack: Vec<Frame>,
    pending: VecDeque<BlockEvent<T>>,
    seen: HashSet<String>,
    _type: PhantomData<fn() -> T>,
}

/// A page of children with the items kept as raw JSON, so any `T` can be produced.
type RawChildren = notion_model::List<Box<RawValue>>;

impl<T: DeserializeOwned + Send + 'static> Walk<T> {
    async fn next_event(&mut self) -> Option<Result<BlockEvent<T>, Error>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(Ok(event));
            }
            let frame = self.stack.last_mut()?;
            if let Some(raw) = frame.buffered.pop_front() {
                let depth = frame.depth;
                let parent_id = frame.parent_id.clone();
                if let Err(e) = self.visit(&raw, depth, parent_id) {
                    self.stack.clear();
                    return Some(Err(e));
                }
                continue;
            }
            if !frame.more {
                self.stack.pop();
                continue;
            }
            let endpoint = self.client.block_children_endpoint(&frame.parent_id);
            let page: RawChildren = match self
                .client
                .fetch_page(&endpoint, frame.cursor.as_deref(), self.page_size)
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    self.stack.clear();
                    return Some(Err(e));
                }
            };
            let frame = self.stack.last_mut()?;
            let next_cursor = page.next_cursor().map(str::to_owned);
            frame.more = page.has_more() && next_cursor.is_some();
            if page.has_more() && next_cursor.is_none() {
                let e = Error::decode("a list of blocks", "has_more without next_cursor");
                self.stack.clear();
                return Some(Err(e));
            }
            frame.cursor = next_cursor;
            frame.buffered = page.results.into();
        }
    }

    fn visit(&mut self, raw: &RawValue, depth: u32, parent_id: String) -> Result<(), Error> {
        let head: Head =
            serde_json::from_str(raw.get()).map_err(|e| Error::decode("a block", e))?;
        if !self.seen.insert(head.id.clone()) {
            tracing::debug!(block_id = %head.id, "block already yielded by this walk; skipped");
            return Ok(());
        }
        let block: T = serde_json::from_str(raw.get()).map_err(|e| Error::decode("a block", e))?;
        self.pending.push_back(BlockEvent::Block {
            block,
            depth,
            parent_id,
        });
        let descend = head.has_children
            && !head.is_synced_duplicate()
            && !head
                .kind
                .as_deref()
                .is_some_and(|kind| NOT_DESCENDED.contains(&kind));
        if !descend {
            return Ok(());
        }
        if self.max_depth.is_some_and(|max| depth >= max) {
            self.pending.push_back(BlockEvent::DepthLimitReached {
                block_id: head.id,
                depth,
            });
            return Ok(());
        }
        // Children are read right after their parent: depth-first, pre-order.
        self.stack.push(Frame {
            parent_id: head.id,
            depth: depth + 1,
            cursor: None,
            more: true,
            buffered: VecDeque::new(),
        });
        Ok(())
    }
}

impl NotionClient {
    /// Every block under `block_id` (a page id is a block id), depth-first in document order,
    /// children right after their parent. `max_depth` limits the depth (children of the root
    /// are depth 1); a block whose children are cut is reported with
    /// [`BlockEvent::DepthLimitReached`], never skipped silently. `child_page` and
    /// `child_database` blocks are yielded but not descended into (their content is a separate
    /// object). Blocks are decoded as `T` (`serde_json::Value`, `Box<RawValue>`, or a model
    /// type).
    pub fn all_blocks<T: DeserializeOwned + Send + 'static>(
        &self,
        block_id: &str,
        max_depth: Option<u32>,
    ) -> BoxStream<'static, Result<BlockEvent<T>, Error>> {
        let walk = Walk::<T> {
            client: self.clone(),
            max_depth,
            page_size: None,
            stack: if max_depth == Some(0) {
                Vec::new()
            } else {
                vec![Frame {
                    parent_id: block_id.to_owned(),
                    depth: 1,
                    cursor: None,
                    more: true,
                    buffered: VecDeque::new(),
                }]
            },
            pending: VecDeque::new(),
            seen: HashSet::from([block_id.to_owned()]),
            _type: PhantomData,
        };
        stream::unfold(walk, |mut walk| async move {
            let event = walk.next_event().await?;
            Some((event, walk))
        })
        .boxed()
    }
}
