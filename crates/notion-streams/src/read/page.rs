//! One page: its record, with the values Notion truncated completed, then its content; and
//! pages found by walking content, read once each.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use notion_model::Id;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio::task::JoinSet;

use super::content::Walk;
use super::document::PageSource;
use super::{Reader, is_unavailable, lock, parent_data_source_id, parent_database_id, timestamp};
use crate::api::{ListRequest, Object};
use crate::config::{CommentsMode, MarkdownSource};
use crate::error::{Error, Result};
use crate::schema::declared_fields;
use crate::shape::{Enrichment, RawObject, malformed, shape};
use crate::stream::StreamName;

/// Walk-found pages kept for later before they are read at once (bounds the state's size).
const MAX_PENDING: usize = 2_000;

/// Relation and people values Notion shows at most in a page object.
const PAGE_OBJECT_CUT: usize = 25;

#[derive(Deserialize)]
struct PlainText<'a> {
    #[serde(borrow)]
    plain_text: Option<Cow<'a, str>>,
}

/// The plain text of a rich-text array given as raw JSON.
pub(crate) fn rich_text_plain(raw: Option<&RawValue>) -> String {
    let Some(raw) = raw else {
        return String::new();
    };
    let items: Vec<PlainText<'_>> = serde_json::from_str(raw.get()).unwrap_or_default();
    items
        .iter()
        .filter_map(|i| i.plain_text.as_deref())
        .collect()
}

#[derive(Deserialize)]
struct PropertyProbe<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    title: Option<&'a RawValue>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    has_more: Option<bool>,
    #[serde(borrow)]
    people: Option<&'a RawValue>,
    #[serde(borrow)]
    formula: Option<&'a RawValue>,
}

/// A property value to complete through the page-property endpoint.
struct Completion {
    name: String,
    property_id: String,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Relation or people: every item of the list.
    List(&'static str),
    /// A rollup: the list's aggregate.
    Rollup,
    /// A formula: the one property item.
    Formula,
}

impl Reader {
    /// Processes one page given as Notion sent it: its record, its blocks, its comments and its
    /// document (those the read's bounds admit).
    pub(crate) async fn process_page(self: Arc<Self>, raw: Box<RawValue>) -> Result<()> {
        self.process_page_as(raw, false).await
    }

    /// Processes a page shared since the last inventory: in full, whatever its edit time.
    pub(crate) async fn process_late_share(self: Arc<Self>, raw: Box<RawValue>) -> Result<()> {
        self.process_page_as(raw, true).await
    }

    async fn process_page_as(self: Arc<Self>, raw: Box<RawValue>, in_full: bool) -> Result<()> {
        let (id, ts, properties, is_row) = {
            let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a page", e))?;
            let Some(id) = obj.str("id").and_then(|s| s.parse::<Id>().ok()) else {
                return Err(Error::response("a page", "it has no valid id"));
            };
            let Some(ts) = timestamp(&obj) else {
                return Err(Error::response(
                    "a page",
                    format!("{id} has no valid last_edited_time"),
                ));
            };
            self.counters
                .pages_processed
                .fetch_add(1, Ordering::Relaxed);
            lock(&self.inventory).read(id);
            let admits = |stream| in_full || self.bounds.admits(stream, ts);
            let wants_page =
                self.selection.contains(StreamName::Pages) && admits(StreamName::Pages);
            let wants_document = self.wants_document(ts, in_full);
            let typed = self.typed_target(&obj, ts, in_full);
            let properties = match self.settings.config.fetch_full_properties
                && (wants_page || wants_document || typed.is_some())
            {
                true => self.complete_properties(id, &obj).await?,
                false => None,
            };
            if wants_page {
                self.emit_page_record(&obj, properties.as_deref()).await?;
            }
            if let Some(target) = &typed {
                self.emit_typed_record(target, &raw, properties.as_deref())
                    .await?;
            }
            (id, ts, properties, parent_data_source_id(&obj).is_some())
        };
        // A row read only for its typed stream (older than what the page-driven streams read,
        // or none of them selected): nothing else of it is read.
        if !self.reads_pages() || (is_row && !in_full && !self.bounds.admits_page(ts)) {
            return Ok(());
        }
        let admits = |stream| in_full || self.bounds.admits(stream, ts);
        let comments = if self.selection.contains(StreamName::Comments)
            && admits(StreamName::Comments)
            && !self.has_failed(StreamName::Comments)
        {
            self.settings.config.comments
        } else {
            CommentsMode::None
        };
        let blocks = self.selection.contains(StreamName::Blocks)
            && admits(StreamName::Blocks)
            && !self.has_failed(StreamName::Blocks);
        let document = self
            .wants_document(ts, in_full)
            .then_some(PageSource { raw, properties });
        let rendered_here =
            document.is_some() && self.settings.config.markdown_source == MarkdownSource::Blocks;
        if rendered_here && !self.settings.config.fetch_page_blocks {
            self.documents_need_blocks().await?;
        }
        // Content is walked for the blocks stream, for block comments, for documents, and to
        // find child pages and databases that search did not return.
        self.walk(Walk {
            page: id,
            blocks: self.settings.config.fetch_page_blocks,
            emit_blocks: blocks,
            comments,
            document: if rendered_here {
                document.as_ref()
            } else {
                None
            },
            strict: false,
        })
        .await?;
        if let Some(document) = &document
            && self.settings.config.markdown_source == MarkdownSource::Api
        {
            self.emit_fetched_document(document).await?;
        }
        Ok(())
    }

    /// Whether the document of a page edited at `ts` is read.
    fn wants_document(&self, ts: chrono::DateTime<chrono::Utc>, in_full: bool) -> bool {
        self.selection.contains(StreamName::PageMarkdown)
            && (in_full || self.bounds.admits(StreamName::PageMarkdown, ts))
            && !self.has_failed(StreamName::PageMarkdown)
    }

    /// Reads the blocks or comments of one page for a library caller: a page that is not found
    /// or not shared is an error.
    pub(super) async fn walk_page(self: &Arc<Self>, page: Id, strict: bool) -> Result<()> {
        let emit_blocks = self.selection.contains(StreamName::Blocks);
        let comments = if self.selection.contains(StreamName::Comments) {
            self.settings.config.comments
        } else {
            CommentsMode::None
        };
        self.walk(Walk {
            page,
            blocks: emit_blocks || comments == CommentsMode::PagesAndBlocks,
            emit_blocks,
            comments,
            document: None,
            strict,
        })
        .await
    }

    /// Emits a page record, with `properties` replaced when they were completed.
    pub(crate) async fn emit_page_record(
        &self,
        obj: &RawObject<'_>,
        properties: Option<&RawValue>,
    ) -> Result<()> {
        let props_raw = properties.or_else(|| obj.get("properties"));
        let title = title_of(props_raw);
        let mut enrich = vec![("_title", Enrichment::Str(title.into()))];
        let ds = parent_data_source_id(obj).map(|d| d.to_string());
        let db = ds
            .as_ref()
            .and_then(|_| parent_database_id(obj))
            .map(|d| d.to_string());
        if let Some(ds) = &ds {
            enrich.push(("_data_source_id", Enrichment::Str(ds.into())));
        }
        if let Some(db) = &db {
            enrich.push(("_database_id", Enrichment::Str(db.into())));
        }
        let version = self.content_version();
        enrich.push(("_content_version", Enrichment::Str(version.as_str().into())));
        let overrides: Vec<(&str, &RawValue)> = match properties {
            Some(p) => vec![("properties", p)],
            None => Vec::new(),
        };
        let record = shape(obj, declared_fields(StreamName::Pages), &overrides, &enrich);
        self.out.record(StreamName::Pages, record).await
    }

    /// Completes property values Notion truncated in the page object through the page-property
    /// endpoint: relations and people with more than 25 entries, the rollups computed over such a
    /// relation (and every rollup and formula of a page with one, when the data source's schema
    /// does not say which relation a rollup reads), and formulas Notion marks unsupported.
    /// `None`: nothing to complete.
    pub(super) async fn complete_properties(
        &self,
        page: Id,
        obj: &RawObject<'_>,
    ) -> Result<Option<Box<RawValue>>> {
        let Some(raw) = obj.get("properties") else {
            return Ok(None);
        };
        let probes: BTreeMap<Cow<'_, str>, PropertyProbe<'_>> =
            match serde_json::from_str(raw.get()) {
                Ok(m) => m,
                Err(_) => return Ok(None),
            };
        let truncated_relations: Vec<&str> = probes
            .values()
            .filter(|p| p.kind.as_deref() == Some("relation") && p.has_more == Some(true))
            .filter_map(|p| p.id.as_deref())
            .collect();
        let deps = parent_data_source_id(obj).and_then(|ds| lock(&self.registry).dependencies(ds));
        // Rollups over a truncated relation (all rollups when the schema is unknown), then the
        // formulas that read a truncated relation or such a rollup.
        let mut stale: HashSet<&str> = truncated_relations.iter().copied().collect();
        if !truncated_relations.is_empty() {
            for p in probes.values() {
                let (Some("rollup"), Some(id)) = (p.kind.as_deref(), p.id.as_deref()) else {
                    continue;
                };
                let reads_truncated = match deps.as_ref().and_then(|d| d.rollups.get(id)) {
                    Some(relation) => truncated_relations.contains(&relation.as_str()),
                    None => true,
                };
                if reads_truncated {
                    stale.insert(id);
                }
            }
        }
        let mut todo = Vec::new();
        for (name, p) in &probes {
            let Some(kind) = p.kind.as_deref() else {
                continue;
            };
            let prop_id = p.id.as_deref().unwrap_or_default();
            let completion = match kind {
                "relation" if p.has_more == Some(true) => Some(Kind::List("relation")),
                "people"
                    if p.has_more == Some(true)
                        || p.people.is_some_and(|r| {
                            serde_json::from_str::<Vec<&RawValue>>(r.get())
                                .is_ok_and(|v| v.len() >= PAGE_OBJECT_CUT)
                        }) =>
                {
                    Some(Kind::List("people"))
                }
                "rollup" if stale.contains(prop_id) => Some(Kind::Rollup),
                "formula" => {
                    let reads_stale = !truncated_relations.is_empty()
                        && match deps.as_ref().and_then(|d| d.formulas.get(prop_id)) {
                            Some(refs) => refs.iter().any(|r| stale.contains(r.as_str())),
                            None => true,
                        };
                    (reads_stale || p.formula.is_some_and(|f| formula_is_unsupported(f.get())))
                        .then_some(Kind::Formula)
                }
                _ => None,
            };
            if let Some(kind) = completion
                && !prop_id.is_empty()
            {
                todo.push(Completion {
                    name: name.to_string(),
                    property_id: prop_id.to_owned(),
                    kind,
                });
            }
        }
        if todo.is_empty() {
            return Ok(None);
        }
        let mut props: Map<String, Value> =
            serde_json::from_str(raw.get()).map_err(|e| malformed("page properties", e))?;
        for c in todo {
            let Some(value) = self.complete_property(page, &c).await? else {
                continue;
            };
            if let Some(Value::Object(p)) = props.get_mut(&c.name) {
                match (c.kind, value) {
                    (Kind::List(member), values) => {
                        p.insert(member.to_owned(), values);
                        if member == "relation" || p.contains_key("has_more") {
                            p.insert("has_more".into(), Value::Bool(false));
                        }
                    }
                    (Kind::Rollup, v) => {
                        p.insert("rollup".into(), v);
                    }
                    (Kind::Formula, v) => {
                        p.insert("formula".into(), v);
                    }
                }
            }
        }
        let text = serde_json::to_string(&props).map_err(|e| malformed("page properties", e))?;
        Ok(Some(
            RawValue::from_string(text).map_err(|e| malformed("page properties", e))?,
        ))
    }

    /// The complete value of one property, as the page object's member holds it (`None`: the
    /// property could not be read, reported).
    async fn complete_property(&self, page: Id, c: &Completion) -> Result<Option<Value>> {
        let request = ListRequest::PageProperty {
            page,
            property: c.property_id.clone(),
        };
        let pages = match self.list_all(request).await {
            Ok(p) => p,
            Err(e) if is_unavailable(&e) => {
                self.not_shared(&format!("property {} of page {page}", c.property_id), &e)
                    .await?;
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        Ok(match c.kind {
            Kind::List(member) => {
                let mut values = Vec::new();
                for page in &pages {
                    for raw in &page.results {
                        let mut item: Map<String, Value> = serde_json::from_str(raw.get())
                            .map_err(|e| malformed("a property item", e))?;
                        if let Some(v) = item.remove(member) {
                            values.push(v);
                        }
                    }
                }
                Some(Value::Array(values))
            }
            Kind::Rollup => {
                let summary = pages.last().and_then(|p| p.summary.as_ref());
                let rollup = summary
                    .and_then(|s| serde_json::from_str::<Map<String, Value>>(s.get()).ok())
                    .and_then(|mut s| s.remove("rollup"));
                match rollup {
                    Some(r) if r.get("type").and_then(Value::as_str) != Some("incomplete") => {
                        Some(r)
                    }
                    _ => None,
                }
            }
            Kind::Formula => {
                let item = pages.first().and_then(|p| p.results.first());
                item.and_then(|i| serde_json::from_str::<Map<String, Value>>(i.get()).ok())
                    .and_then(|mut i| i.remove("formula"))
            }
        })
    }

    /// Marks a page seen in this pass; `false` when it was seen already.
    pub(super) fn mark_seen(&self, id: Id) -> bool {
        lock(&self.pages).seen.insert(id)
    }

    /// A page met as a `child_page` block.
    pub(crate) fn child_page_found(&self, id: Id) {
        let mut pages = lock(&self.pages);
        if !pages.seen.contains(&id) {
            pages.pending.insert(id);
        }
    }

    pub(super) fn has_pending_pages(&self) -> bool {
        !lock(&self.pages).pending.is_empty()
    }

    pub(super) fn pending_pages_over_limit(&self) -> bool {
        lock(&self.pages).pending.len() > MAX_PENDING
    }

    /// Reads the pages found by walking content that no source has returned.
    pub(super) async fn drain_pending(self: Arc<Self>) -> Result<()> {
        let mut queue: VecDeque<Id> = std::mem::take(&mut lock(&self.pages).pending)
            .into_iter()
            .collect();
        let max = self.concurrency();
        let mut units: JoinSet<(Id, Result<()>)> = JoinSet::new();
        loop {
            while units.len() < max {
                let Some(id) = queue.pop_front() else { break };
                {
                    let mut pages = lock(&self.pages);
                    if !pages.seen.insert(id) {
                        continue;
                    }
                    pages.in_flight.insert(id);
                }
                let reader = self.clone();
                units.spawn(async move {
                    let r = reader.clone().read_pending_page(id).await;
                    (id, r)
                });
            }
            let Some(joined) = units.join_next().await else {
                break;
            };
            let (id, result) = joined.map_err(|e| Error::response("a page task", e))?;
            result?;
            lock(&self.pages).in_flight.remove(&id);
            self.maybe_checkpoint().await?;
        }
        Ok(())
    }

    async fn read_pending_page(self: Arc<Self>, id: Id) -> Result<()> {
        let raw = match self.retrieve(Object::Page(id)).await {
            Ok(r) => r,
            Err(e) if is_unavailable(&e) => {
                self.not_shared(&format!("page {id}"), &e).await?;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let admitted = {
            let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a page", e))?;
            timestamp(&obj).is_none_or(|t| self.bounds.admits_page(t))
        };
        if admitted {
            self.process_page(raw).await?;
        }
        Ok(())
    }
}

/// Whether a formula value is one Notion did not compute (`type: "unsupported"`).
fn formula_is_unsupported(raw: &str) -> bool {
    #[derive(Deserialize)]
    struct F<'a> {
        #[serde(rename = "type", borrow)]
        kind: Option<Cow<'a, str>>,
    }
    serde_json::from_str::<F<'_>>(raw).is_ok_and(|f| f.kind.as_deref() == Some("unsupported"))
}

/// The plain-text title of a page from its `properties` (the property of type `title`).
pub(crate) fn title_of(properties: Option<&RawValue>) -> String {
    let Some(raw) = properties else {
        return String::new();
    };
    let map: BTreeMap<Cow<'_, str>, PropertyProbe<'_>> =
        serde_json::from_str(raw.get()).unwrap_or_default();
    map.values()
        .find(|p| p.kind.as_deref() == Some("title"))
        .map(|p| rich_text_plain(p.title))
        .unwrap_or_default()
}

/// What the computed properties of a data source read, from its schema: the relation each
/// rollup aggregates, and the properties each formula refers to (by id).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Dependencies {
    /// Rollup property id → relation property id.
    rollups: HashMap<String, String>,
    /// Formula property id → ids of the properties its expression refers to.
    formulas: HashMap<String, HashSet<String>>,
}

impl Dependencies {
    /// Reads a data source's schema (`None`: it has no rollup or formula).
    pub(crate) fn of(data_source: &RawObject<'_>) -> Option<Self> {
        #[derive(Deserialize)]
        struct Schema {
            id: Option<String>,
            rollup: Option<RollupConfig>,
            formula: Option<FormulaConfig>,
        }
        #[derive(Deserialize)]
        struct RollupConfig {
            relation_property_id: Option<String>,
        }
        #[derive(Deserialize)]
        struct FormulaConfig {
            expression: Option<String>,
        }
        let schema: BTreeMap<String, Schema> =
            data_source.parse_member("properties").unwrap_or_default();
        let ids: HashMap<&str, &str> = schema
            .iter()
            .filter_map(|(name, s)| Some((name.as_str(), s.id.as_deref()?)))
            .collect();
        let mut deps = Dependencies::default();
        for s in schema.values() {
            let Some(id) = &s.id else { continue };
            if let Some(relation) = s
                .rollup
                .as_ref()
                .and_then(|r| r.relation_property_id.clone())
            {
                deps.rollups.insert(id.clone(), relation);
            }
            if let Some(expression) = s.formula.as_ref().and_then(|f| f.expression.as_deref()) {
                deps.formulas
                    .insert(id.clone(), referenced_properties(expression, &ids));
            }
        }
        (!deps.rollups.is_empty() || !deps.formulas.is_empty()).then_some(deps)
    }
}

/// The ids of the properties a formula expression refers to: `prop("Name")` (names mapped to
/// ids through the schema) and the older `{{notion:block_property:ID:…}}` form.
fn referenced_properties(expression: &str, ids: &HashMap<&str, &str>) -> HashSet<String> {
    let mut found = HashSet::new();
    let mut rest = expression;
    while let Some(i) = rest.find("prop(\"") {
        rest = &rest[i + 6..];
        if let Some(end) = rest.find("\")") {
            if let Some(id) = ids.get(&rest[..end]) {
                found.insert((*id).to_owned());
            }
            rest = &rest[end..];
        }
    }
    let mut rest = expression;
    while let Some(i) = rest.find("notion:block_property:") {
        rest = &rest[i + "notion:block_property:".len()..];
        let end = rest.find(':').unwrap_or(rest.len());
        found.insert(rest[..end].to_owned());
        rest = &rest[end..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_plain_text() {
        let props = RawValue::from_string(
            r#"{"Name":{"id":"title","type":"title","title":[{"plain_text":"Hello "},{"plain_text":"world"}]},"N":{"id":"x","type":"number","number":1}}"#.into(),
        )
        .unwrap();
        assert_eq!(title_of(Some(&props)), "Hello world");
        assert_eq!(title_of(None), "");
    }

    #[test]
    fn rollups_name_their_relation_and_formulas_their_inputs() {
        let ds = r#"{"object":"data_source","properties":{
            "Total":{"id":"t%3A","type":"rollup","rollup":{"relation_property_id":"rel","rollup_property_id":"x","function":"sum"}},
            "Rel":{"id":"rel","type":"relation","relation":{}},
            "Count":{"id":"c","type":"formula","formula":{"expression":"length(prop(\"Rel\")) + prop(\"Total\")"}},
            "Old":{"id":"o","type":"formula","formula":{"expression":"{{notion:block_property:rel:00000000-0000-0000-0000-000000000000:abc}} * 2"}},
            "Plain":{"id":"p","type":"formula","formula":{"expression":"1 + 1"}}}}"#;
        let obj = RawObject::parse(ds).unwrap();
        let d = Dependencies::of(&obj).unwrap();
        assert_eq!(d.rollups.get("t%3A").map(String::as_str), Some("rel"));
        assert_eq!(d.rollups.len(), 1);
        let set = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<HashSet<_>>();
        assert_eq!(d.formulas["c"], set(&["rel", "t%3A"]));
        assert_eq!(d.formulas["o"], set(&["rel"]));
        assert_eq!(d.formulas["p"], set(&[]));
        assert!(formula_is_unsupported(
            r#"{"type":"unsupported","unsupported":{}}"#
        ));
        assert!(!formula_is_unsupported(r#"{"type":"number","number":1}"#));
    }
}
