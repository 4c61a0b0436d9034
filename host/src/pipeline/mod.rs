//! [`Pipeline`]: turns each [`ChainEvent`] into one PostgreSQL transaction.
//!
//! For every event: open the transaction; revert to the fork point if the
//! event carries one; route the committed logs by (address, topic0) to
//! handler declarations; decode them (a log that does not decode is
//! recorded as a failure and skipped); run every handler on its events in
//! parallel, each with a fresh store, reading through the open
//! transaction; fold and validate the outputs; write everything with the
//! checkpoints; commit. A handler failure (trap, deadline, error, invalid
//! output) parks that handler at the failing block and records why; the
//! other handlers continue. A database failure rolls the transaction back
//! and the same event is retried with backoff, so nothing is lost and
//! nothing is applied twice.

pub mod cache;
pub mod registry;
pub mod replay;
pub mod router;
pub mod state;
pub mod swap;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::B256;
use arc_swap::ArcSwap;
use tokio::sync::{Mutex, broadcast, mpsc};

use crate::chain::{BlockData, BlockHeader, ChainEvent};
use crate::config::FailurePolicy;
use crate::runtime::bindings::{BlockRef, TxRef, WitEvent};
use crate::runtime::{Failure, HandlerEngine, RuntimeError, abi};
use crate::sinks::{BlockBatch, Checkpoint, FailureRecord, HandlerWrites, PgSink, SinkError};
use crate::status::{HandlerFailure, Status};

pub use registry::{HandlerRegistry, HandlerSlot};
pub use replay::{ReplayReport, ReplayedHandler};
pub use router::Router;
pub use state::{DbReader, EventMeta, HandlerBatch};
pub use swap::{HandlerManager, SwapCommand, SwapError, SwapMode, SwapReport, SwapSource};

/// A pipeline error that stops the pipeline.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The database refused something that retrying cannot fix.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// A handler task panicked (a host bug).
    #[error("handler task failed: {0}")]
    Task(String),
}

/// Result of pipeline operations.
pub type PipelineResult<T> = Result<T, PipelineError>;

/// Settings the pipeline needs from the configuration.
#[derive(Debug, Clone)]
pub struct PipelineSettings {
    /// Chain id.
    pub chain_id: u64,
    /// Reorg window in blocks (undo entries are kept above head − window).
    pub reorg_window: u64,
    /// Most outputs one handler call may produce.
    pub max_outputs: usize,
    /// First retry delay after a database failure.
    pub retry_initial: Duration,
    /// Largest retry delay.
    pub retry_max: Duration,
    /// Entity rows kept in memory across batches (0 disables the cache).
    pub row_cache_rows: usize,
}

/// What a committed event changed, broadcast after commit.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The fork point, if blocks were reverted.
    pub reverted_to: Option<u64>,
    /// The new tip.
    pub tip: Option<BlockHeader>,
    /// Logs applied.
    pub logs: usize,
}

#[derive(Debug, Clone, Default)]
struct Progress {
    checkpoint: Option<u64>,
    halted: Option<HandlerFailure>,
}

/// A handler's work for one event.
struct Job {
    slot: usize,
    events: Vec<WitEvent>,
    metas: Arc<[EventMeta]>,
}

/// The pipeline.
#[derive(Debug)]
pub struct Pipeline {
    settings: PipelineSettings,
    sink: Arc<PgSink>,
    registry: Arc<HandlerRegistry>,
    router: Arc<ArcSwap<Router>>,
    status: Arc<Status>,
    progress: BTreeMap<String, Progress>,
    committed: broadcast::Sender<Committed>,
    cache: Arc<cache::RowCache>,
    /// The last committed tip (None before the first event of this run).
    tip: Option<BlockHeader>,
    /// Keep every applied output as JSON (`wraith replay`).
    trace_outputs: bool,
}

impl Pipeline {
    /// A pipeline writing through `sink`, with handler checkpoints read from
    /// the database.
    pub async fn new(
        settings: PipelineSettings,
        sink: Arc<PgSink>,
        registry: Arc<HandlerRegistry>,
        router: Arc<ArcSwap<Router>>,
        status: Arc<Status>,
    ) -> PipelineResult<Self> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT handler, block_number FROM wraith_checkpoints")
                .fetch_all(sink.pool())
                .await
                .map_err(SinkError::from)?;
        let mut progress = BTreeMap::new();
        for (handler, block) in rows {
            progress.insert(
                handler,
                Progress {
                    checkpoint: u64::try_from(block).ok(),
                    halted: None,
                },
            );
        }
        let (committed, _) = broadcast::channel(1024);
        let cache = Arc::new(cache::RowCache::new(settings.row_cache_rows));
        cache.preload(sink.pool(), &sink.catalog()).await?;
        let pipeline = Self {
            settings,
            sink,
            registry,
            router,
            status,
            progress,
            committed,
            cache,
            tip: None,
            trace_outputs: false,
        };
        pipeline.publish_status(None);
        Ok(pipeline)
    }

    /// Subscribe to commits (for the WebSocket gateway and tests).
    pub fn subscribe(&self) -> broadcast::Receiver<Committed> {
        self.committed.subscribe()
    }

    /// The commit broadcaster (to subscribe later, after the pipeline has
    /// moved into its task).
    pub fn committed_sender(&self) -> broadcast::Sender<Committed> {
        self.committed.clone()
    }

    /// The block the follower must continue after: the lowest checkpoint of
    /// the enabled handlers (a handler that never ran counts as its start
    /// block − 1). None = start from genesis.
    pub fn resume_after(&self) -> Option<u64> {
        let slots = self.registry.slots();
        slots
            .iter()
            .filter(|s| s.enabled)
            .map(
                |s| match self.progress.get(&s.info.name).and_then(|p| p.checkpoint) {
                    Some(c) => Some(c.max(s.start_block.saturating_sub(1))),
                    None => s.start_block.checked_sub(1),
                },
            )
            .min()
            .flatten()
    }

    /// Consume chain events until the channel closes, applying handler
    /// swaps from `swaps` between two events.
    pub async fn run(
        mut self,
        mut events: mpsc::Receiver<ChainEvent>,
        mut swaps: Option<mpsc::Receiver<SwapCommand>>,
    ) -> PipelineResult<()> {
        loop {
            tokio::select! {
                biased;
                command = async {
                    match swaps.as_mut() {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                } => match command {
                    Some(c) => self.handle_swap(c).await,
                    None => swaps = None,
                },
                event = events.recv() => match event {
                    Some(event) => self.process_with_retry(&event).await?,
                    None => return Ok(()),
                },
            }
        }
    }

    /// Process one event, retrying database failures with backoff.
    pub async fn process_with_retry(&mut self, event: &ChainEvent) -> PipelineResult<()> {
        let mut delay = self.settings.retry_initial;
        loop {
            let blocks = event.committed_blocks();
            let span = tracing::info_span!(
                "batch",
                first = blocks.first().map(|b| b.header.number),
                last = blocks.last().map(|b| b.header.number),
                fork = event.fork().map(|f| f.number),
                logs = event.log_count()
            );
            match tracing::Instrument::instrument(self.process(event), span).await {
                Ok(()) => {
                    self.status.update(|s| {
                        s.db_ok = true;
                        s.db_error = None;
                    });
                    return Ok(());
                }
                Err(PipelineError::Sink(SinkError::Database(e))) => {
                    tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "database failure; retrying the batch");
                    let msg = e.to_string();
                    self.status.update(|s| {
                        s.db_ok = false;
                        s.db_error = Some(msg);
                    });
                }
                Err(PipelineError::Task(e)) if e.starts_with("transient:") => {
                    tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "host failure in a handler call; retrying the batch");
                }
                Err(e) => return Err(e),
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(self.settings.retry_max);
        }
    }

    /// Process one event in one transaction.
    pub async fn process(&mut self, event: &ChainEvent) -> PipelineResult<()> {
        let slots = self.registry.slots();
        let router = self.router.load_full();
        let head = event.head();
        let finalized = head.saturating_sub(self.settings.reorg_window);
        let tx = self.sink.pool().begin().await.map_err(SinkError::from)?;
        let shared = Arc::new(Mutex::new(tx));
        let mut progress = self.progress.clone();
        let mut revert_images = None;
        if let Some(fork) = event.fork() {
            let summary = {
                let mut tx = shared.lock().await;
                self.sink.revert(&mut tx, fork).await?
            };
            revert_images = Some(Arc::new(cache::RevertImages::new(
                summary.restored.iter().cloned(),
            )));
            tracing::info!(
                fork = fork.number,
                reverted = event.reverted_blocks().len(),
                rows_restored = summary.rows_restored,
                rows_deleted = summary.rows_deleted,
                retracted = summary.retracted.len(),
                "reverted to fork point"
            );
            for p in progress.values_mut() {
                if p.checkpoint.is_some_and(|c| c > fork.number) {
                    p.checkpoint = Some(fork.number);
                }
                if p.halted
                    .as_ref()
                    .is_some_and(|h| h.block_number > fork.number)
                {
                    p.halted = None;
                }
            }
        }
        let blocks = event.committed_blocks();
        let tip = event.tip();
        let t0 = std::time::Instant::now();
        let mut failures = Vec::new();
        let jobs = self.build_jobs(&slots, &router, blocks, &progress, &mut failures);
        let catalog = self.sink.catalog();
        let handles = self.spawn_jobs(
            &slots,
            jobs,
            &shared,
            &catalog,
            finalized,
            &self.cache,
            revert_images.as_ref(),
        );
        let t1 = t0.elapsed();
        let mut writes: Vec<HandlerWrites> = Vec::new();
        // Per slot: the block it failed at (its checkpoint stops before it).
        let mut failed: BTreeMap<usize, HandlerFailure> = BTreeMap::new();
        for (slot_idx, handle) in handles {
            let result = handle
                .await
                .map_err(|e| PipelineError::Task(e.to_string()))?;
            let name = &slots[slot_idx].info.name;
            let outcome = match result {
                Ok(o) => o,
                Err(e) => return Err(PipelineError::Task(format!("transient: {e}"))),
            };
            if let Some(w) = outcome.writes {
                writes.push(w);
            }
            for (e, meta) in &outcome.skipped {
                tracing::warn!(handler = %name, block = meta.block_number, log_index = meta.log_index, error = %e, "log skipped after a handler failure (policy skip)");
                failures.push(skipped_record(name, e, meta));
            }
            if let Some((e, meta)) = outcome.failure {
                tracing::error!(handler = %name, block = meta.block_number, error = %e, "handler failed; parking it at this block");
                let located = e.event_index().is_some();
                failures.push(FailureRecord {
                    handler: name.clone(),
                    kind: failure_kind(&e),
                    action: "halted",
                    block_number: meta.block_number,
                    block_hash: meta.block_hash,
                    tx_hash: located.then_some(meta.tx_hash),
                    log_index: located.then_some(meta.log_index),
                    error: e.to_string(),
                });
                failed.insert(
                    slot_idx,
                    HandlerFailure {
                        block_number: meta.block_number,
                        tx_hash: located.then(|| meta.tx_hash.to_string()),
                        log_index: located.then_some(meta.log_index),
                        message: e.to_string(),
                    },
                );
            }
        }
        let mut checkpoints = Vec::new();
        if let Some(tip) = tip.filter(|_| !blocks.is_empty()) {
            for (i, slot) in slots.iter().enumerate() {
                let p = progress.entry(slot.info.name.clone()).or_default();
                if !slot.enabled || p.halted.is_some() {
                    continue;
                }
                // A failing handler commits up to the block before the failure.
                let failure = failed.remove(&i);
                let (number, hash) = match &failure {
                    None => (tip.number, tip.hash),
                    Some(f) => match before(blocks, f.block_number) {
                        Some(h) => (h.number, h.hash),
                        None => {
                            p.halted = failure;
                            continue;
                        }
                    },
                };
                p.halted = failure;
                if number < slot.start_block || p.checkpoint.is_some_and(|c| c >= number) {
                    continue;
                }
                p.checkpoint = Some(number);
                checkpoints.push(Checkpoint {
                    handler: slot.info.name.clone(),
                    block_number: number,
                    block_hash: hash,
                    version_hash: slot.info.hash.clone(),
                });
            }
        }
        let batch = BlockBatch {
            chain_id: self.settings.chain_id,
            window: blocks
                .iter()
                .map(|b| b.header)
                .filter(|h| h.number > finalized && h.parent_hash != B256::ZERO)
                .collect(),
            raw_logs: blocks
                .iter()
                .flat_map(|b| b.logs.iter().map(|l| (l.clone(), b.header.timestamp)))
                .collect(),
            raw_txs: blocks
                .iter()
                .flat_map(|b| b.txs.iter().map(|t| (t.clone(), b.header.number)))
                .collect(),
            handlers: writes,
            failures,
            checkpoints,
            finalized,
        };
        let tx = Arc::try_unwrap(shared)
            .map_err(|_| {
                PipelineError::Task("a handler still holds the batch transaction".to_owned())
            })?
            .into_inner();
        let mut tx = tx;
        let t2 = t0.elapsed();
        self.sink.apply(&mut tx, &batch).await?;
        let t3 = t0.elapsed();
        tx.commit().await.map_err(SinkError::from)?;
        let m = crate::metrics::metrics();
        m.db_commit.observe((t0.elapsed() - t2).as_secs_f64());
        if !batch.failures.is_empty() {
            let now = crate::status::unix_now();
            self.status.update(|s| {
                for f in &batch.failures {
                    s.recent_failures.push_front(crate::status::FailureEntry {
                        handler: f.handler.clone(),
                        kind: f.kind.to_owned(),
                        action: f.action.to_owned(),
                        block_number: f.block_number,
                        log_index: f.log_index,
                        error: f.error.clone(),
                        at: now,
                    });
                }
                s.recent_failures.truncate(crate::status::RECENT);
            });
        }
        for f in &batch.failures {
            m.handler_failures
                .get_or_create(&crate::metrics::FailureLabels {
                    handler: f.handler.clone(),
                    action: f.action.to_owned(),
                })
                .inc();
        }
        // Only now is the new state committed: update the row cache (the
        // revert's restorations first, then the batch's images).
        if let Some(images) = &revert_images {
            self.cache.store(images.images(&catalog));
        }
        for w in &batch.handlers {
            self.cache.store_writes(w);
        }
        tracing::debug!(
            blocks = blocks.len(),
            logs = event.log_count(),
            route_ms = t1.as_secs_f64() * 1e3,
            handlers_ms = (t2 - t1).as_secs_f64() * 1e3,
            write_ms = (t3 - t2).as_secs_f64() * 1e3,
            commit_ms = (t0.elapsed() - t3).as_secs_f64() * 1e3,
            "batch committed"
        );
        self.progress = progress;
        if let Some(t) = tip {
            self.tip = Some(t);
        }
        if let Some(fork) = event.fork() {
            match self.sink.refresh_aggregates(fork.timestamp).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    aggregates = n,
                    since = fork.timestamp,
                    "continuous aggregates refreshed after the revert"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "refreshing continuous aggregates after a revert failed; they catch up at their next scheduled refresh")
                }
            }
            let depth = event.reverted_blocks().len() as u64;
            crate::metrics::metrics().reorgs.inc();
            crate::metrics::metrics().reorg_depth.observe(depth as f64);
            self.status.update(|s| {
                s.reorgs += 1;
                s.max_reorg_depth = s.max_reorg_depth.max(depth);
                s.recent_reorgs.push_front(crate::status::ReorgRecord {
                    fork: fork.number,
                    depth,
                    at: crate::status::unix_now(),
                });
                s.recent_reorgs.truncate(crate::status::RECENT);
            });
            tracing::info!(fork = fork.number, depth, "reorg committed");
        }
        self.publish_status(tip);
        let _ = self.committed.send(Committed {
            reverted_to: event.fork().map(|f| f.number),
            tip,
            logs: event.log_count(),
        });
        Ok(())
    }

    /// Run each job's handler on a blocking thread, reading through the
    /// open transaction `shared`.
    #[expect(
        clippy::too_many_arguments,
        reason = "the parts of one batch, passed apart so a replay can substitute its own"
    )]
    fn spawn_jobs(
        &self,
        slots: &[Arc<HandlerSlot>],
        jobs: Vec<Job>,
        shared: &Arc<Mutex<sqlx::Transaction<'static, sqlx::Postgres>>>,
        catalog: &Arc<crate::sinks::postgres::catalog::Catalog>,
        finalized: u64,
        row_cache: &Arc<cache::RowCache>,
        revert_images: Option<&Arc<cache::RevertImages>>,
    ) -> Vec<(
        usize,
        tokio::task::JoinHandle<Result<Outcome, RuntimeError>>,
    )> {
        let rt = tokio::runtime::Handle::current();
        let mut handles = Vec::with_capacity(jobs.len());
        for job in jobs {
            let slot = slots[job.slot].clone();
            let engine: Arc<HandlerEngine<HandlerBatch>> = self.registry.engine().clone();
            let info = slot.info.clone();
            let metas = job.metas.clone();
            let catalog = catalog.clone();
            let reader = DbReader::new(shared.clone(), rt.clone());
            let max_outputs = self.settings.max_outputs;
            let row_cache = row_cache.clone();
            let revert = revert_images.cloned();
            let trace = self.trace_outputs;
            let new_batch = move || {
                let batch = HandlerBatch::new(
                    info.clone(),
                    catalog.clone(),
                    metas.clone(),
                    finalized,
                    Some(reader.clone()),
                    max_outputs,
                )
                .with_cache(row_cache.clone(), revert.clone());
                if trace { batch.with_trace() } else { batch }
            };
            let metas = job.metas.clone();
            handles.push((
                job.slot,
                tokio::task::spawn_blocking(move || {
                    let _span = tracing::info_span!("handler", handler = %slot.info.name).entered();
                    let started = std::time::Instant::now();
                    let out = run_handler(&engine, &slot, &job.events, &metas, new_batch);
                    crate::metrics::metrics()
                        .handler_batch
                        .get_or_create(&crate::metrics::HandlerLabel {
                            handler: slot.info.name.clone(),
                        })
                        .observe(started.elapsed().as_secs_f64());
                    out
                }),
            ));
        }
        handles
    }

    fn build_jobs(
        &self,
        slots: &[Arc<HandlerSlot>],
        router: &Router,
        blocks: &[BlockData],
        progress: &BTreeMap<String, Progress>,
        failures: &mut Vec<FailureRecord>,
    ) -> Vec<Job> {
        let mut per_slot: Vec<(Vec<WitEvent>, Vec<EventMeta>)> =
            vec![(Vec::new(), Vec::new()); slots.len()];
        let lo: Vec<Option<u64>> = slots
            .iter()
            .map(|s| {
                let p = progress.get(&s.info.name);
                if !s.enabled || p.is_some_and(|p| p.halted.is_some()) {
                    return None;
                }
                let after_checkpoint = p.and_then(|p| p.checkpoint).map_or(0, |c| c + 1);
                Some(after_checkpoint.max(s.start_block))
            })
            .collect();
        for block in blocks {
            for log in &block.logs {
                for target in router.route(log.address, log.topics.first()) {
                    if lo[target.slot].is_none_or(|lo| block.header.number < lo) {
                        continue;
                    }
                    let slot = &slots[target.slot];
                    let Some(info) = slot.info.events.get(target.decl as usize) else {
                        continue;
                    };
                    match abi::decode(info, &log.topics, &log.data) {
                        Ok(params) => {
                            let tx = info
                                .needs_tx_input
                                .then(|| block.txs.iter().find(|t| t.hash == log.tx_hash))
                                .flatten();
                            let (events, metas) = &mut per_slot[target.slot];
                            events.push(WitEvent {
                                chain_id: self.settings.chain_id,
                                decl_index: target.decl,
                                address: log.address.to_vec(),
                                topics: log.topics.iter().map(|t| t.to_vec()).collect(),
                                data: log.data.to_vec(),
                                log_index: log.log_index,
                                block: BlockRef {
                                    number: block.header.number,
                                    hash: block.header.hash.to_vec(),
                                    timestamp: block.header.timestamp,
                                },
                                tx: TxRef {
                                    hash: log.tx_hash.to_vec(),
                                    index: log.tx_index,
                                    sender: tx.map(|t| t.sender.to_vec()),
                                    input: tx.map(|t| t.input.to_vec()),
                                },
                                params,
                            });
                            metas.push(EventMeta {
                                block_number: block.header.number,
                                block_hash: block.header.hash,
                                tx_hash: log.tx_hash,
                                log_index: log.log_index,
                            });
                        }
                        Err(error) => {
                            tracing::warn!(handler = %slot.info.name, block = block.header.number, log_index = log.log_index, %error, "log skipped");
                            failures.push(FailureRecord {
                                handler: slot.info.name.clone(),
                                kind: "decode",
                                action: "skipped",
                                block_number: block.header.number,
                                block_hash: block.header.hash,
                                tx_hash: Some(log.tx_hash),
                                log_index: Some(log.log_index),
                                error,
                            });
                        }
                    }
                }
            }
        }
        per_slot
            .into_iter()
            .enumerate()
            .filter(|(_, (events, _))| !events.is_empty())
            .map(|(slot, (events, metas))| Job {
                slot,
                events,
                metas: metas.into(),
            })
            .collect()
    }

    fn publish_status(&self, tip: Option<BlockHeader>) {
        let slots = self.registry.slots();
        self.status.update(|s| {
            if let Some(tip) = tip {
                s.indexed = Some(tip.number);
                s.indexed_hash = Some(tip.hash.to_string());
            }
            s.handlers.clear();
            for slot in slots.iter() {
                let p = self
                    .progress
                    .get(&slot.info.name)
                    .cloned()
                    .unwrap_or_default();
                s.handlers.insert(
                    slot.info.name.clone(),
                    crate::status::HandlerStatus {
                        version: slot.info.version.clone(),
                        version_hash: slot.info.hash.clone(),
                        checkpoint: p.checkpoint,
                        start_block: slot.start_block,
                        state: if !slot.enabled {
                            "disabled"
                        } else if p.halted.is_some() {
                            "halted"
                        } else {
                            "running"
                        },
                        error: p.halted,
                        unbound_contracts: slot
                            .info
                            .unbound_contracts()
                            .into_iter()
                            .map(str::to_owned)
                            .collect(),
                    },
                );
            }
        });
    }
}

/// What one handler produced for a chain event.
#[derive(Debug)]
struct Outcome {
    /// Writes to commit (for every block before a failure).
    writes: Option<HandlerWrites>,
    /// The deterministic failure that halts the handler, and its event.
    failure: Option<(RuntimeError, EventMeta)>,
    /// Logs skipped (policy `skip`), each with its failure.
    skipped: Vec<(RuntimeError, EventMeta)>,
}

/// One `handle` call on `events` (the batch events from `base` on), with
/// the returned outputs folded into `batch`.
fn call(
    engine: &HandlerEngine<HandlerBatch>,
    slot: &HandlerSlot,
    events: &[WitEvent],
    base: usize,
    mut batch: HandlerBatch,
) -> (HandlerBatch, Result<(), RuntimeError>) {
    let name: Arc<str> = Arc::from(slot.info.name.as_str());
    batch.set_base(u32::try_from(base).unwrap_or(u32::MAX));
    let (mut batch, result) = engine.handle(&slot.component, name, events, batch);
    let handler = slot.info.name.clone();
    let offset = |e: RuntimeError| match e {
        RuntimeError::Handler {
            handler,
            message,
            event_index,
        } => RuntimeError::Handler {
            handler,
            message,
            event_index: event_index.map(|i| i.saturating_add(base as u32)),
        },
        other => other,
    };
    let result = match result {
        Err(e) => Err(offset(e)),
        Ok(outputs) => match batch.apply_outputs(outputs) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(RuntimeError::InvalidOutput {
                handler,
                message,
                event_index: None,
            }),
            Err(fault) => Err(RuntimeError::Host {
                handler,
                message: fault.0,
            }),
        },
    };
    (batch, result)
}

/// Run one handler on its events. A deterministic failure in a batch of
/// several blocks is narrowed to its block, and the blocks before it are
/// still applied, so the handler parks exactly at the failing block.
/// Transient (host) failures are returned as errors.
fn run_handler(
    engine: &HandlerEngine<HandlerBatch>,
    slot: &HandlerSlot,
    events: &[WitEvent],
    metas: &[EventMeta],
    new_batch: impl Fn() -> HandlerBatch,
) -> Result<Outcome, RuntimeError> {
    let (batch, result) = call(engine, slot, events, 0, new_batch());
    let error = match result {
        Ok(()) => {
            return Ok(Outcome {
                writes: Some(batch.finish()),
                failure: None,
                skipped: Vec::new(),
            });
        }
        Err(e) if e.failure() == Failure::Transient => return Err(e),
        Err(e) => e,
    };
    if slot.policy == FailurePolicy::Skip {
        return run_skipping(engine, slot, events, metas, new_batch);
    }
    let first_block = metas.first().map(|m| m.block_number);
    let meta_of = |e: &RuntimeError, fallback: usize| {
        e.event_index()
            .and_then(|i| metas.get(i as usize))
            .or_else(|| metas.get(fallback))
            .copied()
    };
    if metas.iter().all(|m| Some(m.block_number) == first_block) {
        let meta = meta_of(&error, 0);
        return Ok(Outcome {
            writes: None,
            failure: meta.map(|m| (error, m)),
            skipped: Vec::new(),
        });
    }
    // Find the failing block: run block by block on a scratch batch.
    let mut scratch = new_batch();
    let mut start = 0;
    let mut failing: Option<(usize, RuntimeError)> = None;
    while start < events.len() {
        let block = metas[start].block_number;
        let end = start
            + metas[start..]
                .iter()
                .take_while(|m| m.block_number == block)
                .count();
        let (b, r) = call(engine, slot, &events[start..end], start, scratch);
        scratch = b;
        match r {
            Ok(()) => start = end,
            Err(e) if e.failure() == Failure::Transient => return Err(e),
            Err(e) => {
                failing = Some((start, e));
                break;
            }
        }
    }
    let Some((failing_start, error)) = failing else {
        // Deterministic handlers fail the same way every time; if the
        // narrowed run passes, the failure depended on batching itself
        // (e.g. an output cap), so apply it block by block.
        return Ok(Outcome {
            writes: Some(scratch.finish()),
            failure: None,
            skipped: Vec::new(),
        });
    };
    let meta = meta_of(&error, failing_start);
    if failing_start == 0 {
        return Ok(Outcome {
            writes: None,
            failure: meta.map(|m| (error, m)),
            skipped: Vec::new(),
        });
    }
    let (batch, result) = call(engine, slot, &events[..failing_start], 0, new_batch());
    match result {
        Ok(()) => Ok(Outcome {
            writes: Some(batch.finish()),
            failure: meta.map(|m| (error, m)),
            skipped: Vec::new(),
        }),
        Err(e) if e.failure() == Failure::Transient => Err(e),
        Err(e) => {
            let meta = meta_of(&e, 0);
            Ok(Outcome {
                writes: None,
                failure: meta.map(|m| (e, m)),
                skipped: Vec::new(),
            })
        }
    }
}

/// Policy `skip`: run the events one at a time, dropping (and reporting)
/// each one whose call fails; the outputs of the others are kept. The
/// batch state is snapshotted before each call, so a failing call leaves
/// none of its partial (staged) outputs behind.
fn run_skipping(
    engine: &HandlerEngine<HandlerBatch>,
    slot: &HandlerSlot,
    events: &[WitEvent],
    metas: &[EventMeta],
    new_batch: impl Fn() -> HandlerBatch,
) -> Result<Outcome, RuntimeError> {
    let mut batch = new_batch();
    let mut skipped = Vec::new();
    for (i, meta) in metas.iter().enumerate() {
        let snapshot = batch.clone();
        let (b, r) = call(engine, slot, &events[i..=i], i, batch);
        match r {
            Ok(()) => batch = b,
            Err(e) if e.failure() == Failure::Transient => return Err(e),
            Err(e) => {
                skipped.push((e, *meta));
                batch = snapshot;
            }
        }
    }
    Ok(Outcome {
        writes: Some(batch.finish()),
        failure: None,
        skipped,
    })
}

/// The dead-letter record of a log skipped under policy `skip`.
fn skipped_record(handler: &str, e: &RuntimeError, meta: &EventMeta) -> FailureRecord {
    FailureRecord {
        handler: handler.to_owned(),
        kind: failure_kind(e),
        action: "skipped",
        block_number: meta.block_number,
        block_hash: meta.block_hash,
        tx_hash: Some(meta.tx_hash),
        log_index: Some(meta.log_index),
        error: e.to_string(),
    }
}

/// The block just before `number` in this event (its header), if the event
/// delivered it.
fn before(blocks: &[BlockData], number: u64) -> Option<BlockHeader> {
    blocks
        .iter()
        .map(|b| b.header)
        .filter(|h| h.number < number)
        .max_by_key(|h| h.number)
}

fn failure_kind(e: &RuntimeError) -> &'static str {
    match e {
        RuntimeError::Trap { .. } => "trap",
        RuntimeError::DeadlineExceeded { .. } => "deadline",
        RuntimeError::Handler { .. } => "handler",
        RuntimeError::InvalidOutput { .. } => "output",
        _ => "runtime",
    }
}

/// Record the handler versions in `wraith_handler_versions`.
pub async fn record_versions(sink: &PgSink, slots: &[Arc<HandlerSlot>]) -> PipelineResult<()> {
    for s in slots {
        let manifest = serde_json::json!({
            "events": s.info.events.iter().map(|e| serde_json::json!({
                "contract": e.contract,
                "signature": e.event.full_signature(),
                "topic0": e.topic0.to_string(),
                "needs_tx_input": e.needs_tx_input,
            })).collect::<Vec<_>>(),
            "tables": s.info.tables.keys().collect::<Vec<_>>(),
            "streams": s.info.streams,
        });
        sqlx::query(
            "INSERT INTO wraith_handler_versions (handler, version_hash, version, manifest)
             VALUES ($1, $2, $3, $4) ON CONFLICT (handler, version_hash) DO NOTHING",
        )
        .bind(&s.info.name)
        .bind(&s.info.hash)
        .bind(&s.info.version)
        .bind(manifest)
        .execute(sink.pool())
        .await
        .map_err(SinkError::from)?;
    }
    Ok(())
}
