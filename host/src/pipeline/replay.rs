//! `wraith replay --block N [--handler X]`: rerun one block from the
//! raw-log archive and report what each handler outputs, without writing
//! anything.
//!
//! Everything happens in one transaction that is rolled back. When block
//! `N − 1` is still in the reorg window, the database is first taken back
//! to the state after `N − 1` with the same revert a reorg uses (append-only
//! rows above it deleted, entity rows restored from the undo journal), so a
//! handler's `get` sees exactly what it saw live and the outputs must be the
//! live ones: the report compares their digest with the digest stored when
//! the block was indexed. For an older block the undo journal is gone
//! (pruned below finality); the handler then reads today's rows, and the
//! report says so (`state: "current"`).

use std::collections::BTreeMap;
use std::sync::Arc;

use alloy::primitives::B256;
use serde::Serialize;
use tokio::sync::Mutex;

use super::cache::RowCache;
use super::{Pipeline, Progress, Router, swap::load_archive};
use crate::chain::BlockHeader;
use crate::pipeline::SwapError;

/// One handler's replay of the block.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayedHandler {
    /// The handler.
    pub handler: String,
    /// Content hash of the component that replayed it.
    pub version_hash: String,
    /// Events of the block routed to it.
    pub events: usize,
    /// Every output, in order, as the database would get it.
    pub outputs: Vec<serde_json::Value>,
    /// keccak-256 of the outputs (the per-block digest), if any.
    pub digest: Option<String>,
    /// The digest stored when the block was indexed live, if any.
    pub live_digest: Option<String>,
    /// The component version that produced the live digest.
    pub live_version_hash: Option<String>,
    /// Whether the replay produced the live outputs (same digest, or no
    /// outputs either time).
    pub matches_live: Option<bool>,
    /// The handler's error, if it failed on this block.
    pub error: Option<String>,
}

/// The replay of one block.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    /// The block.
    pub block_number: u64,
    /// Its hash in the archive (None: no archived log of these handlers).
    pub block_hash: Option<String>,
    /// `as_of_parent`: the database was taken back to block N − 1;
    /// `current`: handlers read today's rows (the block is below the undo
    /// window).
    pub state: &'static str,
    /// Per handler.
    pub handlers: Vec<ReplayedHandler>,
}

type LiveDigest = (String, Vec<u8>, Option<String>);

impl ReplayedHandler {
    /// `slot` with no event in the block (yet).
    fn idle(slot: &super::HandlerSlot) -> Self {
        Self {
            handler: slot.info.name.clone(),
            version_hash: slot.info.hash.clone(),
            events: 0,
            outputs: Vec::new(),
            digest: None,
            live_digest: None,
            live_version_hash: None,
            matches_live: None,
            error: None,
        }
    }
}

impl Pipeline {
    /// Keep every applied output as JSON (for [`Pipeline::replay_block`]).
    #[must_use]
    pub fn with_output_trace(mut self) -> Self {
        self.trace_outputs = true;
        self
    }

    /// Rerun `block` from the archive for every enabled handler (or only
    /// `only`) in a transaction that is rolled back.
    pub async fn replay_block(
        &self,
        block: u64,
        only: Option<&str>,
    ) -> Result<ReplayReport, SwapError> {
        let all = self.registry.slots();
        let slots: Vec<_> = all
            .iter()
            .filter(|s| s.enabled && only.is_none_or(|n| s.info.name == n))
            .cloned()
            .collect();
        if let Some(name) = only
            && slots.is_empty()
        {
            return Err(if all.iter().any(|s| s.info.name == name) {
                SwapError::Rejected(format!("handler {name:?} is disabled in the configuration"))
            } else {
                SwapError::UnknownHandler(name.to_owned())
            });
        }
        let number = i64::try_from(block)
            .map_err(|_| SwapError::Rejected(format!("block {block} is out of range")))?;
        let mut tx = self.sink.pool().begin().await?;
        let router = Router::new(self.settings.chain_id, &slots);
        let addrs: Vec<Vec<u8>> = router.addresses().iter().map(|a| a.to_vec()).collect();
        let (blocks, _) = load_archive(&mut tx, &addrs, block, block).await?;
        let live: Vec<LiveDigest> = sqlx::query_as(
            "SELECT handler, digest, version_hash FROM wraith_digests WHERE block_number = $1",
        )
        .bind(number)
        .fetch_all(&mut *tx)
        .await?;
        let live: BTreeMap<String, (Vec<u8>, Option<String>)> =
            live.into_iter().map(|(h, d, v)| (h, (d, v))).collect();
        let parent: Option<(Vec<u8>, Vec<u8>, i64)> = match block.checked_sub(1) {
            Some(p) => {
                sqlx::query_as(
                    "SELECT hash, parent_hash, extract(epoch from block_time)::int8 FROM wraith_blocks WHERE number = $1",
                )
                .bind(i64::try_from(p).unwrap_or(i64::MAX))
                .fetch_optional(&mut *tx)
                .await?
            }
            None => None,
        };
        let state = match parent {
            Some((hash, parent_hash, time)) => {
                let fork = BlockHeader {
                    number: block - 1,
                    hash: B256::try_from(hash.as_slice()).unwrap_or_default(),
                    parent_hash: B256::try_from(parent_hash.as_slice()).unwrap_or_default(),
                    timestamp: u64::try_from(time).unwrap_or_default(),
                };
                self.sink.revert(&mut tx, &fork).await?;
                "as_of_parent"
            }
            None => "current",
        };
        let shared = Arc::new(Mutex::new(tx));
        let none: BTreeMap<String, Progress> = BTreeMap::new();
        let mut failures = Vec::new();
        let jobs = self.build_jobs(&slots, &router, &blocks, &none, &mut failures);
        let mut events: BTreeMap<usize, usize> = BTreeMap::new();
        for job in &jobs {
            events.insert(job.slot, job.events.len());
        }
        // No row cache: every read goes to the (reverted) transaction.
        let cache = Arc::new(RowCache::new(0));
        let catalog = self.sink.catalog();
        let handles = self.spawn_jobs(&slots, jobs, &shared, &catalog, 0, &cache, None);
        let mut results: BTreeMap<usize, ReplayedHandler> = BTreeMap::new();
        for (i, handle) in handles {
            let slot = &slots[i];
            let outcome = handle
                .await
                .map_err(|e| SwapError::Failed(format!("handler task failed: {e}")))?
                .map_err(|e| SwapError::Failed(format!("host failure in a handler call: {e}")))?;
            let writes = outcome.writes.unwrap_or_default();
            let digest = writes
                .digests
                .iter()
                .find(|d| d.block_number == block)
                .map(|d| d.digest);
            results.insert(
                i,
                ReplayedHandler {
                    events: events.get(&i).copied().unwrap_or(0),
                    outputs: writes.trace,
                    digest: digest.map(|d| format!("{d:#x}")),
                    error: outcome.failure.map(|(e, meta)| {
                        format!("at log {} (tx {:#x}): {e}", meta.log_index, meta.tx_hash)
                    }),
                    ..ReplayedHandler::idle(slot)
                },
            );
        }
        let handlers = slots
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let mut r = results
                    .remove(&i)
                    .unwrap_or_else(|| ReplayedHandler::idle(slot));
                let stored = live.get(&slot.info.name);
                r.live_digest = stored.map(|(d, _)| format!("0x{}", hex::encode(d)));
                r.live_version_hash = stored.and_then(|(_, v)| v.clone());
                // Digests are kept for every block with outputs (never
                // pruned); a block without outputs has none.
                r.matches_live = Some(match (&r.digest, &r.live_digest) {
                    (Some(a), Some(b)) => a == b,
                    (None, None) => r.error.is_none(),
                    _ => false,
                });
                r
            })
            .collect();
        let tx = Arc::try_unwrap(shared)
            .map_err(|_| SwapError::Failed("a replay still holds the transaction".to_owned()))?
            .into_inner();
        tx.rollback().await?;
        Ok(ReplayReport {
            block_number: block,
            block_hash: blocks.first().map(|b| format!("{:#x}", b.header.hash)),
            state,
            handlers,
        })
    }
}
