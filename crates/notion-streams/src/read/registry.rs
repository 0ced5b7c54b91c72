//! Databases and data sources met anywhere in a read (search, `child_database` blocks, parents
//! of rows, the `database_ids` setting): each is retrieved and emitted once, and each data
//! source's rows are queried once.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use notion_model::Id;
use serde_json::value::RawValue;

use super::page::{self, Dependencies};
use super::{Reader, is_unavailable, lock, parent_database_id, timestamp};
use crate::api::Object;
use crate::error::Result;
use crate::schema::declared_fields;
use crate::shape::{Enrichment, RawObject, malformed, shape};
use crate::stream::StreamName;

/// What a read knows of databases and data sources.
#[derive(Debug, Default)]
pub(super) struct Registry {
    /// Data sources met, with their database.
    known_ds: BTreeMap<Id, Option<Id>>,
    /// Data sources whose rows are read (or being read).
    queried_ds: BTreeSet<Id>,
    /// Databases met.
    known_db: HashSet<Id>,
    /// Databases met in page content or configured (checkpointed: a resumed pass may not meet
    /// them again).
    found_db: BTreeSet<Id>,
    /// Data sources met other than by the data-source search (checkpointed).
    found_ds: BTreeSet<Id>,
    /// Data sources of rows met in search, to look up when unknown.
    row_ds_refs: BTreeSet<Id>,
    /// What the rollups and formulas of each data source read.
    dependencies: HashMap<Id, Arc<Dependencies>>,
    /// The fingerprint of each data source's schema (see `schemas.rs`).
    schemas: BTreeMap<Id, String>,
}

impl Registry {
    /// A registry that first revisits what an interrupted pass had found.
    /// The fingerprint of a data source's schema, when it was met with one.
    pub(super) fn schema(&self, ds: Id) -> Option<&str> {
        self.schemas.get(&ds).map(String::as_str)
    }

    /// Every fingerprint taken.
    pub(super) fn schemas(&self) -> BTreeMap<Id, String> {
        self.schemas.clone()
    }

    pub(super) fn resumed(databases: Vec<Id>, data_sources: Vec<Id>) -> Self {
        Registry {
            found_db: databases.into_iter().collect(),
            found_ds: data_sources.into_iter().collect(),
            ..Registry::default()
        }
    }

    /// What the rollups and formulas of a data source read, when its schema was seen.
    pub(super) fn dependencies(&self, data_source: Id) -> Option<Arc<Dependencies>> {
        self.dependencies.get(&data_source).cloned()
    }

    /// What a checkpoint records: databases and data sources found other than by search.
    pub(super) fn found(&self) -> (Vec<Id>, Vec<Id>) {
        (
            self.found_db.iter().copied().collect(),
            self.found_ds.iter().copied().collect(),
        )
    }
}

impl Reader {
    /// A data source object met in search or retrieved: emits it and remembers it.
    pub(super) async fn data_source_found(
        &self,
        raw: &RawValue,
        from_search: bool,
        endpoint: &str,
    ) -> Result<()> {
        let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a data source", e))?;
        if obj.str("object").as_deref() != Some("data_source") {
            return Ok(());
        }
        let Some(id) = self.object_id(&obj, "a data source", endpoint).await? else {
            return Ok(());
        };
        let database_id = parent_database_id(&obj);
        let dependencies = Dependencies::of(&obj);
        let fingerprint = super::schemas::fingerprint(&obj);
        {
            let mut registry = lock(&self.registry);
            if registry.known_ds.contains_key(&id) {
                return Ok(());
            }
            registry.known_ds.insert(id, database_id);
            if let Some(f) = fingerprint {
                registry.schemas.insert(id, f);
            }
            if let Some(d) = dependencies {
                registry.dependencies.insert(id, Arc::new(d));
            }
        }
        lock(&self.inventory).data_source(id);
        if !self.settings.database_ids.is_empty()
            && from_search
            && !database_id.is_some_and(|d| self.settings.database_ids.contains(&d))
        {
            return Ok(());
        }
        self.typed.data_source_met(raw, from_search);
        let ts = timestamp(&obj);
        if self.selection.contains(StreamName::DataSources)
            && ts.is_none_or(|t| self.bounds.admits(StreamName::DataSources, t))
        {
            let mut enrich = Vec::new();
            let db_text = database_id.map(|d| d.to_string());
            if let Some(d) = &db_text {
                enrich.push(("_database_id", Enrichment::Str(d.into())));
            }
            let title = page::rich_text_plain(obj.get("title"));
            enrich.push(("_title", Enrichment::Str(title.into())));
            self.out
                .record(
                    StreamName::DataSources,
                    shape(&obj, declared_fields(StreamName::DataSources), &[], &enrich),
                )
                .await?;
        }
        Ok(())
    }

    /// A database configured in `database_ids`: like any database met, except that one not
    /// found or not shared fails the streams that read it.
    pub(super) async fn configured_database(&self, id: Id) -> Result<()> {
        match self.retrieve_database(id).await {
            Ok(()) => Ok(()),
            Err(e) if is_unavailable(&e) => {
                self.fail_streams(
                    &[
                        StreamName::Databases,
                        StreamName::DataSources,
                        StreamName::Pages,
                        StreamName::Blocks,
                        StreamName::Comments,
                    ],
                    crate::Error::About {
                        object: format!(
                            "database {id} (configured in database_ids: share it with the \
                             integration, or remove it)"
                        ),
                        error: Box::new(e),
                    },
                )
                .await
            }
            Err(e) => Err(e),
        }
    }

    /// A database ID met anywhere: retrieves it once, emits it, and learns its data sources.
    /// One that is not shared is reported and skipped.
    pub(super) async fn database_found(&self, id: Id) -> Result<()> {
        match self.retrieve_database(id).await {
            Err(e) if is_unavailable(&e) => self.not_shared(&format!("database {id}"), &e).await,
            other => other,
        }
    }

    async fn retrieve_database(&self, id: Id) -> Result<()> {
        {
            let mut registry = lock(&self.registry);
            if !registry.known_db.insert(id) {
                return Ok(());
            }
            registry.found_db.insert(id);
        }
        let raw = self.retrieve(Object::Database(id)).await?;
        lock(&self.inventory).database(id);
        let obj = RawObject::parse(raw.get()).map_err(|e| malformed("a database", e))?;
        let ts = timestamp(&obj);
        if self.selection.contains(StreamName::Databases)
            && ts.is_none_or(|t| self.bounds.admits(StreamName::Databases, t))
        {
            let title = page::rich_text_plain(obj.get("title"));
            self.out
                .record(
                    StreamName::Databases,
                    shape(
                        &obj,
                        declared_fields(StreamName::Databases),
                        &[],
                        &[("_title", Enrichment::Str(title.into()))],
                    ),
                )
                .await?;
        }
        #[derive(serde::Deserialize)]
        struct Ref {
            id: String,
        }
        let refs: Vec<Ref> = obj.parse_member("data_sources").unwrap_or_default();
        for r in refs {
            let Ok(ds) = r.id.parse::<Id>() else { continue };
            self.retrieve_data_source(ds, "data source").await?;
        }
        Ok(())
    }

    /// Retrieves a data source met other than by the data-source search (once).
    pub(super) async fn retrieve_data_source(&self, ds: Id, what: &str) -> Result<()> {
        if lock(&self.registry).known_ds.contains_key(&ds) {
            return Ok(());
        }
        match self.retrieve(Object::DataSource(ds)).await {
            Ok(raw) => {
                self.data_source_found(&raw, false, "GET /v1/data_sources/{id}")
                    .await?;
                lock(&self.registry).found_ds.insert(ds);
                Ok(())
            }
            Err(e) if is_unavailable(&e) => self.not_shared(&format!("{what} {ds}"), &e).await,
            Err(e) => Err(e),
        }
    }

    /// A row met in search: its data source's query reads it.
    pub(super) fn row_found_in_search(&self, data_source: Id) {
        lock(&self.registry).row_ds_refs.insert(data_source);
    }

    /// Rows met in search belong to data sources; those whose data source is still unknown are
    /// looked up, so that their rows are read by a query.
    pub(super) async fn settle_search_rows(&self) -> Result<()> {
        let refs = std::mem::take(&mut lock(&self.registry).row_ds_refs);
        for ds in refs {
            self.retrieve_data_source(ds, "data source of rows found in search")
                .await?;
        }
        Ok(())
    }

    /// Databases and data sources the interrupted pass had found on the way.
    pub(super) async fn resume_found_objects(&self) -> Result<()> {
        let (dbs, dss) = lock(&self.registry).found();
        for id in dbs {
            self.database_found(id).await?;
        }
        for ds in dss {
            self.retrieve_data_source(ds, "data source").await?;
        }
        Ok(())
    }

    /// The databases of the data sources known so far.
    pub(super) fn databases_of_known_data_sources(&self) -> Vec<Id> {
        lock(&self.registry)
            .known_ds
            .values()
            .flatten()
            .copied()
            .collect()
    }

    /// A known data source whose rows are not read yet (marked read).
    pub(super) fn next_unqueried_data_source(&self) -> Option<Id> {
        let mut registry = lock(&self.registry);
        let next = registry
            .known_ds
            .keys()
            .find(|k| !registry.queried_ds.contains(k))
            .copied()?;
        registry.queried_ds.insert(next);
        Some(next)
    }
}
