//! Hot swap of handler versions.
//!
//! [`HandlerManager`] prepares a new version **off the hot path**: it
//! compiles and links the component (wasmtime, on a blocking thread), calls
//! `describe()`, validates the manifest against the configuration (world,
//! events, contracts), checks that the tables it declares exist with the
//! right shape and that no entity table would have two writers. A component
//! that fails any of this is refused: the running version keeps going, and
//! the reason is returned, logged and shown in `/api/v1/status`.
//!
//! The pipeline applies a prepared version **between two batches** (it
//! takes swap commands in the same loop as chain events), so no batch ever
//! runs half on one version and half on the other:
//!
//! - `continue`: the new version applies from the next block. If the old
//!   one was parked at a failing block, the new one first catches up from
//!   its checkpoint to the pipeline's tip out of the raw-log archive (no
//!   RPC), in one transaction with its outputs and checkpoint.
//! - `reindex`: in one transaction, the handler's tables are emptied (rows
//!   of shared append-only tables only where they came from the handler's
//!   contracts), its undo journal and digests are dropped, and the new
//!   version replays from its start block out of the raw-log archive; then
//!   the checkpoint records the new version and the transaction commits.
//!   Until that commit every reader (the API, other connections) sees the
//!   old rows (PostgreSQL MVCC is the shadow copy), and the commit is the
//!   atomic cut-over. Stream messages of the replayed history are not sent
//!   again (the stream already carried them once); blocks past the old
//!   checkpoint, if any, are new and their messages are sent.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use alloy::primitives::{Address, B256, Bytes};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::cache::RowCache;
use super::{HandlerRegistry, HandlerSlot, Pipeline, Progress, Router, record_versions};
use crate::chain::{BlockData, BlockHeader, RawLog, TxInput};
use crate::config::HandlerConfig;
use crate::runtime::bindings::TableKind;
use crate::sinks::postgres::catalog::Catalog;
use crate::sinks::{BlockBatch, Checkpoint, FailureRecord, SinkError};
use crate::status::{Rejection, Status, SwapRecord, unix_now};

/// Logs replayed per transaction step of a replay.
const REPLAY_CHUNK_LOGS: i64 = 5_000;

/// How a new version takes over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapMode {
    /// From the next block on.
    Continue,
    /// Rebuild the handler's tables from its start block, then cut over.
    Reindex,
}

impl SwapMode {
    /// `continue` or `reindex`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Continue => "continue",
            Self::Reindex => "reindex",
        }
    }
}

impl std::str::FromStr for SwapMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "continue" => Ok(Self::Continue),
            "reindex" => Ok(Self::Reindex),
            other => Err(format!(
                "mode must be `continue` or `reindex`, got {other:?}"
            )),
        }
    }
}

/// What offered a new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapSource {
    /// `POST /admin/handlers/{name}`.
    Admin,
    /// The component file changed on disk.
    File,
    /// A configuration reload changed the handler's settings.
    Config,
}

impl SwapSource {
    fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::File => "file",
            Self::Config => "config",
        }
    }
}

/// Why a swap did not happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SwapError {
    /// No handler of that name is configured.
    #[error("no handler named {0:?} is configured")]
    UnknownHandler(String),
    /// The component (or its settings) was refused; the old version runs on.
    #[error("{0}")]
    Rejected(String),
    /// The pipeline has stopped; nothing can be swapped.
    #[error("the pipeline is not running")]
    Stopped,
    /// A database failure while swapping; the old version runs on.
    #[error("swap failed: {0}")]
    Failed(String),
}

impl From<SinkError> for SwapError {
    fn from(e: SinkError) -> Self {
        Self::Failed(e.to_string())
    }
}

impl From<sqlx::Error> for SwapError {
    fn from(e: sqlx::Error) -> Self {
        Self::Failed(e.to_string())
    }
}

/// The outcome of a swap.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SwapReport {
    /// The handler.
    pub handler: String,
    /// Content hash now running.
    pub version_hash: String,
    /// Content hash it replaced.
    pub previous_hash: String,
    /// `continue` or `reindex`.
    pub mode: &'static str,
    /// How long the pipeline held between two batches to apply it.
    pub pause_ms: f64,
    /// Blocks replayed from the raw-log archive.
    pub replayed_blocks: u64,
    /// True when nothing changed (same component and settings).
    pub unchanged: bool,
}

/// A validated version, ready to publish.
#[derive(Debug)]
pub struct Prepared {
    slot: Arc<HandlerSlot>,
    previous: Arc<HandlerSlot>,
    slots: Vec<Arc<HandlerSlot>>,
    catalog: Catalog,
    mode: SwapMode,
}

/// A request to the pipeline to apply a prepared version.
#[derive(Debug)]
pub struct SwapCommand {
    prepared: Prepared,
    reply: oneshot::Sender<Result<SwapReport, SwapError>>,
}

/// Prepares and requests swaps; one at a time.
#[derive(Debug)]
pub struct HandlerManager {
    registry: Arc<HandlerRegistry>,
    pool: sqlx::PgPool,
    status: Arc<Status>,
    commands: mpsc::Sender<SwapCommand>,
    configs: Mutex<Vec<HandlerConfig>>,
}

impl HandlerManager {
    /// A manager for the handlers of `configs`; the receiver goes to
    /// [`Pipeline::run`].
    pub fn new(
        registry: Arc<HandlerRegistry>,
        pool: sqlx::PgPool,
        status: Arc<Status>,
        configs: Vec<HandlerConfig>,
    ) -> (Self, mpsc::Receiver<SwapCommand>) {
        let (commands, rx) = mpsc::channel(4);
        (
            Self {
                registry,
                pool,
                status,
                commands,
                configs: Mutex::new(configs),
            },
            rx,
        )
    }

    /// The handler configurations in force.
    pub async fn configs(&self) -> Vec<HandlerConfig> {
        self.configs.lock().await.clone()
    }

    /// Swap `name` to the component `bytes` (`None`: re-read its configured
    /// component file).
    pub async fn swap(
        &self,
        name: &str,
        bytes: Option<Vec<u8>>,
        mode: SwapMode,
        source: SwapSource,
    ) -> Result<SwapReport, SwapError> {
        let mut configs = self.configs.lock().await;
        let config = configs
            .iter()
            .find(|c| c.name == name)
            .cloned()
            .ok_or_else(|| SwapError::UnknownHandler(name.to_owned()))?;
        let report = self.run(&config, bytes, mode, source).await?;
        if let Some(c) = configs.iter_mut().find(|c| c.name == name) {
            *c = config;
        }
        Ok(report)
    }

    /// Apply changed settings of a configured handler (component path,
    /// contracts, enabled, failure policy, start block) in `continue` mode.
    pub async fn reconfigure(&self, config: HandlerConfig) -> Result<SwapReport, SwapError> {
        let mut configs = self.configs.lock().await;
        let Some(slot) = configs.iter_mut().find(|c| c.name == config.name) else {
            return Err(SwapError::UnknownHandler(config.name.clone()));
        };
        let report = self
            .run(&config, None, SwapMode::Continue, SwapSource::Config)
            .await?;
        *slot = config;
        Ok(report)
    }

    async fn run(
        &self,
        config: &HandlerConfig,
        bytes: Option<Vec<u8>>,
        mode: SwapMode,
        source: SwapSource,
    ) -> Result<SwapReport, SwapError> {
        let name = config.name.clone();
        let outcome = match self.prepare(config, bytes, mode).await {
            Ok(Some(prepared)) => {
                let (reply, rx) = oneshot::channel();
                if self
                    .commands
                    .send(SwapCommand { prepared, reply })
                    .await
                    .is_err()
                {
                    return Err(SwapError::Stopped);
                }
                rx.await.unwrap_or(Err(SwapError::Stopped))
            }
            Ok(None) => {
                let hash = self
                    .registry
                    .slots()
                    .iter()
                    .find(|s| s.info.name == name)
                    .map(|s| s.info.hash.clone())
                    .unwrap_or_default();
                return Ok(SwapReport {
                    handler: name,
                    version_hash: hash.clone(),
                    previous_hash: hash,
                    mode: mode.as_str(),
                    pause_ms: 0.0,
                    replayed_blocks: 0,
                    unchanged: true,
                });
            }
            Err(e) => Err(e),
        };
        match &outcome {
            Ok(r) => {
                tracing::info!(handler = %name, version = %r.version_hash, previous = %r.previous_hash, mode = r.mode, source = source.as_str(), pause_ms = r.pause_ms, replayed_blocks = r.replayed_blocks, "handler swapped");
                let record = SwapRecord {
                    version_hash: r.version_hash.clone(),
                    previous_hash: r.previous_hash.clone(),
                    mode: r.mode,
                    source: source.as_str(),
                    at: unix_now(),
                    pause_ms: r.pause_ms,
                    replayed_blocks: r.replayed_blocks,
                };
                crate::metrics::metrics()
                    .handler_swaps
                    .get_or_create(&crate::metrics::HandlerLabel {
                        handler: name.clone(),
                    })
                    .inc();
                self.status.update(|s| {
                    let e = s.swaps.entry(name.clone()).or_default();
                    e.swaps += 1;
                    e.last_swap = Some(record);
                });
            }
            Err(SwapError::Rejected(reason)) => {
                tracing::warn!(handler = %name, source = source.as_str(), %reason, "new handler version refused; the running version continues");
                let rejection = Rejection {
                    version_hash: None,
                    source: source.as_str(),
                    at: unix_now(),
                    reason: reason.clone(),
                };
                self.status.update(|s| {
                    s.swaps.entry(name.clone()).or_default().last_rejection = Some(rejection);
                });
            }
            Err(e) => {
                tracing::warn!(handler = %name, source = source.as_str(), error = %e, "handler swap failed; the running version continues");
            }
        }
        outcome
    }

    /// Compile and validate; `None` when nothing would change.
    async fn prepare(
        &self,
        config: &HandlerConfig,
        bytes: Option<Vec<u8>>,
        mode: SwapMode,
    ) -> Result<Option<Prepared>, SwapError> {
        let registry = self.registry.clone();
        let cfg = config.clone();
        let slot = tokio::task::spawn_blocking(move || registry.load_with(&cfg, bytes.as_deref()))
            .await
            .map_err(|e| SwapError::Failed(format!("compiling task failed: {e}")))?
            .map_err(|e| SwapError::Rejected(e.to_string()))?;
        let slot = Arc::new(slot);
        let current = self.registry.slots();
        let previous = current
            .iter()
            .find(|s| s.info.name == config.name)
            .cloned()
            .ok_or_else(|| SwapError::UnknownHandler(config.name.clone()))?;
        if mode == SwapMode::Continue
            && previous.info.hash == slot.info.hash
            && previous.info.contracts == slot.info.contracts
            && previous.enabled == slot.enabled
            && previous.policy == slot.policy
            && previous.start_block == slot.start_block
        {
            return Ok(None);
        }
        let slots: Vec<Arc<HandlerSlot>> = current
            .iter()
            .map(|s| {
                if s.info.name == config.name {
                    slot.clone()
                } else {
                    s.clone()
                }
            })
            .collect();
        let tables = HandlerRegistry::tables(&slots).map_err(SwapError::Rejected)?;
        let declared: Vec<_> = tables.iter().map(|(t, (_, k))| (t.clone(), *k)).collect();
        let catalog = {
            let mut conn = self.pool.acquire().await?;
            Catalog::load(&mut conn, &declared)
                .await
                .map_err(|e| match e {
                    SinkError::Schema { .. } => SwapError::Rejected(e.to_string()),
                    other => SwapError::Failed(other.to_string()),
                })?
        };
        if mode == SwapMode::Reindex {
            for t in shared_tables(&slot, &slots) {
                let has_log_index = catalog
                    .table(&t)
                    .is_some_and(|d| d.columns.iter().any(|c| c.name == "log_index"));
                if !has_log_index {
                    return Err(SwapError::Rejected(format!(
                        "table {t} is shared with other handlers and has no log_index column, so the rows of \
                         this handler cannot be told apart for a reindex"
                    )));
                }
            }
        }
        Ok(Some(Prepared {
            slot,
            previous,
            slots,
            catalog,
            mode,
        }))
    }
}

/// Append-only tables `slot` declares that another slot declares too.
fn shared_tables(slot: &HandlerSlot, slots: &[Arc<HandlerSlot>]) -> Vec<String> {
    slot.info
        .tables
        .keys()
        .filter(|t| {
            slots
                .iter()
                .any(|o| o.info.name != slot.info.name && o.info.tables.contains_key(*t))
        })
        .cloned()
        .collect()
}

/// Every address bound to a slot's contracts.
fn addresses(slot: &HandlerSlot) -> Vec<Address> {
    slot.info.contracts.values().flatten().copied().collect()
}

impl Pipeline {
    /// Apply a swap between two batches and answer the requester.
    pub(super) async fn handle_swap(&mut self, command: SwapCommand) {
        let SwapCommand { prepared, reply } = command;
        let result = self.apply_swap(prepared).await;
        let _ = reply.send(result);
    }

    async fn apply_swap(&mut self, p: Prepared) -> Result<SwapReport, SwapError> {
        let t0 = Instant::now();
        let name = p.slot.info.name.clone();
        record_versions(&self.sink, std::slice::from_ref(&p.slot))
            .await
            .map_err(|e| SwapError::Failed(e.to_string()))?;
        let catalog = Arc::new(p.catalog);
        let progress = self.progress.get(&name).cloned().unwrap_or_default();
        let tip = self.tip;
        let mut replayed = 0;
        let reindex = p.mode == SwapMode::Reindex;
        // Blocks this version must (re)process before it joins live batches.
        let catch_up = p.slot.enabled
            && tip.is_some_and(|t| {
                progress.halted.is_some() || progress.checkpoint.is_none_or(|c| c < t.number)
            });
        let mut new_checkpoint = progress.checkpoint;
        if reindex || catch_up {
            let tx = self.sink.pool().begin().await?;
            let shared = Arc::new(Mutex::new(tx));
            let replay_cache = Arc::new(RowCache::new(self.settings.row_cache_rows));
            let entity_tables: Vec<&str> = p
                .slot
                .info
                .tables
                .iter()
                .filter(|(_, k)| **k == TableKind::Entity)
                .map(|(t, _)| t.as_str())
                .collect();
            let mut from = progress.checkpoint.map_or(0, |c| c + 1);
            if reindex {
                let mut addrs = addresses(&p.slot);
                addrs.extend(addresses(&p.previous));
                let shared_t = shared_tables(&p.slot, &p.slots);
                let mut tx = shared.lock().await;
                empty_tables(&mut tx, &p.slot, &shared_t, &addrs).await?;
                replay_cache.reset_empty(entity_tables.iter().copied());
                from = 0;
            } else if let Some(images) = self.cache_snapshot_for(&entity_tables) {
                // Continue mode: the tables hold the committed rows; start
                // the replay cache from what the live cache knows.
                replay_cache.adopt(&images, entity_tables.iter().copied());
            }
            let from = from.max(p.slot.start_block);
            let old_checkpoint = progress.checkpoint;
            let to = tip.map_or(0, |t| t.number);
            if from <= to {
                replayed = self
                    .replay(
                        &p.slot,
                        &shared,
                        &catalog,
                        &replay_cache,
                        from,
                        to,
                        old_checkpoint,
                    )
                    .await?;
            }
            let mut tx = Arc::try_unwrap(shared)
                .map_err(|_| SwapError::Failed("a replay still holds the transaction".to_owned()))?
                .into_inner();
            if let Some(t) = tip.filter(|t| t.number >= p.slot.start_block) {
                let cp = Checkpoint {
                    handler: name.clone(),
                    block_number: t.number,
                    block_hash: t.hash,
                    version_hash: p.slot.info.hash.clone(),
                };
                crate::sinks::postgres::write_checkpoints(&mut tx, self.settings.chain_id, &[cp])
                    .await?;
                new_checkpoint = Some(t.number);
            }
            tx.commit().await?;
            self.cache
                .adopt(&replay_cache, entity_tables.iter().copied());
            if reindex && let Err(e) = self.sink.refresh_aggregates(0).await {
                tracing::warn!(error = %e, "refreshing continuous aggregates after a reindex failed; they catch up at their next scheduled refresh");
            }
        }
        self.sink.set_catalog(Arc::unwrap_or_clone(catalog));
        let router = Router::new(self.settings.chain_id, &p.slots);
        self.registry.publish(p.slots);
        self.router.store(Arc::new(router));
        self.progress.insert(
            name.clone(),
            Progress {
                checkpoint: new_checkpoint,
                halted: None,
            },
        );
        self.publish_status(None);
        Ok(SwapReport {
            handler: name,
            version_hash: p.slot.info.hash.clone(),
            previous_hash: p.previous.info.hash.clone(),
            mode: p.mode.as_str(),
            pause_ms: t0.elapsed().as_secs_f64() * 1e3,
            replayed_blocks: replayed,
            unchanged: false,
        })
    }

    /// A copy of what the live cache holds for `tables`.
    fn cache_snapshot_for(&self, tables: &[&str]) -> Option<RowCache> {
        if self.settings.row_cache_rows == 0 {
            return None;
        }
        let copy = RowCache::new(self.settings.row_cache_rows);
        copy.adopt(&self.cache, tables.iter().copied());
        Some(copy)
    }

    /// Run `slot` over the archived blocks `from..=to` inside `shared`;
    /// stream messages are kept only for blocks after `published_through`.
    #[expect(clippy::too_many_arguments, reason = "one replay's parts")]
    async fn replay(
        &self,
        slot: &Arc<HandlerSlot>,
        shared: &Arc<Mutex<sqlx::Transaction<'static, sqlx::Postgres>>>,
        catalog: &Arc<Catalog>,
        cache: &Arc<RowCache>,
        from: u64,
        to: u64,
        published_through: Option<u64>,
    ) -> Result<u64, SwapError> {
        let one = vec![slot.clone()];
        let router = Router::new(self.settings.chain_id, &one);
        let addrs: Vec<Vec<u8>> = router.addresses().iter().map(|a| a.to_vec()).collect();
        let finalized = to.saturating_sub(self.settings.reorg_window);
        let none: BTreeMap<String, Progress> = BTreeMap::new();
        let mut next = from;
        let mut blocks_replayed = 0u64;
        while next <= to {
            let (blocks, upper) = {
                let mut tx = shared.lock().await;
                load_archive(&mut tx, &addrs, next, to).await?
            };
            blocks_replayed += blocks.len() as u64;
            let mut failures: Vec<FailureRecord> = Vec::new();
            let jobs = self.build_jobs(&one, &router, &blocks, &none, &mut failures);
            let handles = self.spawn_jobs(&one, jobs, shared, catalog, finalized, cache, None);
            let mut writes = Vec::new();
            for (_, handle) in handles {
                let outcome = handle
                    .await
                    .map_err(|e| SwapError::Failed(format!("handler task failed: {e}")))?
                    .map_err(|e| {
                        SwapError::Failed(format!("host failure in a handler call: {e}"))
                    })?;
                if let Some((e, meta)) = outcome.failure {
                    return Err(SwapError::Rejected(format!(
                        "the new version fails at block {} (log {}) of the replay: {e}",
                        meta.block_number, meta.log_index
                    )));
                }
                for (e, meta) in &outcome.skipped {
                    failures.push(super::skipped_record(&slot.info.name, e, meta));
                }
                if let Some(mut w) = outcome.writes {
                    if let Some(p) = published_through {
                        w.messages.retain(|m| m.block_number > p);
                    }
                    writes.push(w);
                }
            }
            let batch = BlockBatch {
                chain_id: self.settings.chain_id,
                handlers: writes,
                failures,
                finalized,
                ..BlockBatch::default()
            };
            {
                let mut tx = shared.lock().await;
                self.sink.apply(&mut tx, &batch).await?;
            }
            for w in &batch.handlers {
                cache.store_writes(w);
            }
            next = upper + 1;
        }
        Ok(blocks_replayed)
    }
}

/// Empty what `slot` wrote: its own tables whole, shared append-only
/// tables where the row came from one of `addrs`; and its undo journal and
/// digests.
async fn empty_tables(
    conn: &mut sqlx::PgConnection,
    slot: &HandlerSlot,
    shared: &[String],
    addrs: &[Address],
) -> Result<(), SwapError> {
    let addrs: Vec<Vec<u8>> = addrs.iter().map(|a| a.to_vec()).collect();
    for t in slot.info.tables.keys() {
        let sql = if shared.contains(t) {
            format!(
                "DELETE FROM \"{t}\" AS x USING wraith_raw_logs r
                 WHERE x.block_number = r.block_number AND x.log_index = r.log_index AND r.address = ANY($1)"
            )
        } else {
            format!("DELETE FROM \"{t}\" WHERE $1::bytea[] IS NOT NULL")
        };
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&addrs)
            .execute(&mut *conn)
            .await?;
    }
    for sql in [
        "DELETE FROM wraith_undo WHERE handler = $1",
        "DELETE FROM wraith_digests WHERE handler = $1",
    ] {
        sqlx::query(sql)
            .bind(&slot.info.name)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

type ArchiveLog = (
    i64,
    i32,
    Vec<u8>,
    i64,
    Vec<u8>,
    i32,
    Vec<u8>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Vec<u8>,
);

/// An archived transaction: hash, block, sender, input.
type ArchiveTx = (Vec<u8>, i64, Vec<u8>, Vec<u8>);

fn b256(bytes: &[u8]) -> Result<B256, SwapError> {
    B256::try_from(bytes)
        .map_err(|_| SwapError::Failed("malformed hash in wraith_raw_logs".to_owned()))
}

/// Archived logs of `addrs` from block `from` on: whole blocks, about
/// [`REPLAY_CHUNK_LOGS`] logs, never past `to`. Returns the blocks and the
/// last block number covered.
pub(super) async fn load_archive(
    conn: &mut sqlx::PgConnection,
    addrs: &[Vec<u8>],
    from: u64,
    to: u64,
) -> Result<(Vec<BlockData>, u64), SwapError> {
    let (lo, hi) = (
        i64::try_from(from).unwrap_or(i64::MAX),
        i64::try_from(to).unwrap_or(i64::MAX),
    );
    let upper: Option<i64> = sqlx::query_scalar(
        "SELECT block_number FROM wraith_raw_logs
         WHERE block_number BETWEEN $1 AND $2 AND address = ANY($3)
         ORDER BY block_number, log_index OFFSET $4 LIMIT 1",
    )
    .bind(lo)
    .bind(hi)
    .bind(addrs)
    .bind(REPLAY_CHUNK_LOGS - 1)
    .fetch_optional(&mut *conn)
    .await?;
    let upper = upper.unwrap_or(hi);
    let rows: Vec<ArchiveLog> = sqlx::query_as(
        "SELECT block_number, log_index, block_hash, extract(epoch from block_time)::int8, tx_hash, tx_index,
                address, topic0, topic1, topic2, topic3, data
         FROM wraith_raw_logs
         WHERE block_number BETWEEN $1 AND $2 AND address = ANY($3)
         ORDER BY block_number, log_index",
    )
    .bind(lo)
    .bind(upper)
    .bind(addrs)
    .fetch_all(&mut *conn)
    .await?;
    let txs: Vec<ArchiveTx> = sqlx::query_as(
        "SELECT tx_hash, block_number, sender, input FROM wraith_raw_txs WHERE block_number BETWEEN $1 AND $2",
    )
    .bind(lo)
    .bind(upper)
    .fetch_all(&mut *conn)
    .await?;
    let mut tx_by_block: BTreeMap<i64, Vec<TxInput>> = BTreeMap::new();
    for (hash, block, sender, input) in txs {
        let sender = Address::try_from(sender.as_slice())
            .map_err(|_| SwapError::Failed("malformed sender in wraith_raw_txs".to_owned()))?;
        tx_by_block.entry(block).or_default().push(TxInput {
            hash: b256(&hash)?,
            sender,
            input: Bytes::from(input),
        });
    }
    let mut blocks: Vec<BlockData> = Vec::new();
    for (bn, li, bh, bt, th, ti, ad, t0, t1, t2, t3, data) in rows {
        let number = u64::try_from(bn).unwrap_or(0);
        let hash = b256(&bh)?;
        if blocks.last().is_none_or(|b| b.header.number != number) {
            blocks.push(BlockData {
                header: BlockHeader {
                    number,
                    hash,
                    parent_hash: B256::ZERO,
                    timestamp: u64::try_from(bt).unwrap_or(0),
                },
                logs: Vec::new(),
                txs: tx_by_block.remove(&bn).unwrap_or_default(),
            });
        }
        let topics = [t0, t1, t2, t3]
            .into_iter()
            .flatten()
            .map(|t| b256(&t))
            .collect::<Result<Vec<_>, _>>()?;
        let address = Address::try_from(ad.as_slice())
            .map_err(|_| SwapError::Failed("malformed address in wraith_raw_logs".to_owned()))?;
        if let Some(b) = blocks.last_mut() {
            b.logs.push(RawLog {
                address,
                topics,
                data: Bytes::from(data),
                block_number: number,
                block_hash: hash,
                tx_hash: b256(&th)?,
                tx_index: u32::try_from(ti).unwrap_or(0),
                log_index: u32::try_from(li).unwrap_or(0),
            });
        }
    }
    Ok((blocks, u64::try_from(upper).unwrap_or(to)))
}
