//! [`HandlerRegistry`]: the loaded handler components, published through an
//! `ArcSwap` so that readers (the pipeline, the API) never block and a new
//! set of versions is one pointer store, picked up at the next batch.

use std::collections::BTreeMap;
use std::sync::Arc;

use arc_swap::ArcSwap;

use super::state::HandlerBatch;
use crate::config::{FailurePolicy, HandlerConfig, validate::parse_address_list};
use crate::runtime::bindings::TableKind;
use crate::runtime::{HandlerEngine, HandlerInfo, LoadedComponent, RuntimeError, RuntimeResult};

/// One loaded handler version.
#[derive(Debug)]
pub struct HandlerSlot {
    /// Its validated manifest.
    pub info: Arc<HandlerInfo>,
    /// The compiled component.
    pub component: Arc<LoadedComponent<HandlerBatch>>,
    /// First block it indexes.
    pub start_block: u64,
    /// Whether it runs.
    pub enabled: bool,
    /// What a failure does.
    pub policy: FailurePolicy,
}

/// The set of loaded handlers.
#[derive(Debug)]
pub struct HandlerRegistry {
    engine: Arc<HandlerEngine<HandlerBatch>>,
    slots: ArcSwap<Vec<Arc<HandlerSlot>>>,
}

impl HandlerRegistry {
    /// An empty registry on `engine`.
    pub fn new(engine: Arc<HandlerEngine<HandlerBatch>>) -> Self {
        Self {
            engine,
            slots: ArcSwap::from_pointee(Vec::new()),
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<HandlerEngine<HandlerBatch>> {
        &self.engine
    }

    /// Compile, link and describe the component of `config`, and validate
    /// its manifest against the configuration.
    pub fn load(&self, config: &HandlerConfig) -> RuntimeResult<HandlerSlot> {
        self.load_with(config, None)
    }

    /// As [`Self::load`], with the component's bytes given (`None`: read
    /// `config.component`).
    pub fn load_with(
        &self,
        config: &HandlerConfig,
        bytes: Option<&[u8]>,
    ) -> RuntimeResult<HandlerSlot> {
        let component = match bytes {
            Some(b) => self.engine.load(b)?,
            None => self.engine.load_file(&config.component)?,
        };
        let manifest = self.engine.describe(&component, &config.name)?;
        let contracts = parse_address_list(&config.contracts).map_err(|message| {
            RuntimeError::InvalidManifest {
                handler: config.name.clone(),
                message,
            }
        })?;
        let info = HandlerInfo::new(&config.name, component.hash.clone(), manifest, contracts)?;
        Ok(HandlerSlot {
            info: Arc::new(info),
            component: Arc::new(component),
            start_block: config.start_block,
            enabled: config.enabled,
            policy: config.on_failure,
        })
    }

    /// Load every configured handler; the first error is returned.
    pub fn load_all(&self, configs: &[HandlerConfig]) -> RuntimeResult<Vec<Arc<HandlerSlot>>> {
        configs.iter().map(|c| self.load(c).map(Arc::new)).collect()
    }

    /// The current slots.
    pub fn slots(&self) -> Arc<Vec<Arc<HandlerSlot>>> {
        self.slots.load_full()
    }

    /// Publish a new set of slots (takes effect at the next batch).
    pub fn publish(&self, slots: Vec<Arc<HandlerSlot>>) {
        self.slots.store(Arc::new(slots));
    }

    /// Tables of all slots with their kind and declaring handler. An entity
    /// table belongs to exactly one handler (its rows are read and merged,
    /// so two writers would make the result depend on handler order); an
    /// append-only table may be shared (e.g. an audit trail every handler
    /// appends to), since appends do not read.
    pub fn tables(
        slots: &[Arc<HandlerSlot>],
    ) -> Result<BTreeMap<String, (String, TableKind)>, String> {
        let mut out: BTreeMap<String, (String, TableKind)> = BTreeMap::new();
        for s in slots {
            for (t, k) in &s.info.tables {
                if let Some((other, kind)) = out.get(t) {
                    if *kind == TableKind::AppendOnly && *k == TableKind::AppendOnly {
                        continue;
                    }
                    return Err(format!(
                        "table {t} is declared by handlers {other} and {}; an entity table belongs to one handler \
                         (only append-only tables may be shared)",
                        s.info.name
                    ));
                }
                out.insert(t.clone(), (s.info.name.clone(), *k));
            }
        }
        Ok(out)
    }
}
