//! Shared, cheap-to-read status of the running host for the API and health
//! checks.

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::time::Instant;

use serde::Serialize;

/// A handler's state.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HandlerStatus {
    /// The handler's own version string.
    pub version: String,
    /// Component content hash.
    pub version_hash: String,
    /// Last committed block.
    pub checkpoint: Option<u64>,
    /// First block it indexes.
    pub start_block: u64,
    /// `running`, `halted` or `disabled`.
    pub state: &'static str,
    /// The failure that halted it.
    pub error: Option<HandlerFailure>,
    /// Contract names its manifest uses that the config does not bind.
    pub unbound_contracts: Vec<String>,
}

/// Where and why a handler stopped.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HandlerFailure {
    /// Block of the failing event.
    pub block_number: u64,
    /// Transaction, if known.
    pub tx_hash: Option<String>,
    /// Log index, if known.
    pub log_index: Option<u32>,
    /// The error.
    pub message: String,
}

/// A stream sink's state.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct SinkStatus {
    /// `jetstream`, `webhook` or `iggy`.
    pub kind: &'static str,
    /// Last published outbox id.
    pub cursor: i64,
    /// Newest outbox id.
    pub head: i64,
    /// Outbox rows not yet published.
    pub lag: i64,
    /// Messages delivered since start.
    pub delivered: u64,
    /// Failed publishing rounds since start.
    pub failures: u64,
    /// The last error, cleared by the next success.
    pub last_error: Option<String>,
}

/// The last hot swap of a handler.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SwapRecord {
    /// Component content hash now running.
    pub version_hash: String,
    /// The version it replaced.
    pub previous_hash: String,
    /// `continue` or `reindex`.
    pub mode: &'static str,
    /// What asked for it: `admin`, `file` or `config`.
    pub source: &'static str,
    /// Unix seconds.
    pub at: u64,
    /// How long the pipeline held between two batches to apply it.
    pub pause_ms: f64,
    /// Blocks replayed from the raw-log archive (reindex mode).
    pub replayed_blocks: u64,
}

/// A component that was refused, with the reason.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Rejection {
    /// Content hash of the refused component (when it could be read).
    pub version_hash: Option<String>,
    /// What offered it: `admin`, `file` or `config`.
    pub source: &'static str,
    /// Unix seconds.
    pub at: u64,
    /// Why it was refused.
    pub reason: String,
}

/// Swap history of one handler.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct SwapStatus {
    /// Swaps applied since start.
    pub swaps: u64,
    /// The last applied swap.
    pub last_swap: Option<SwapRecord>,
    /// The last refused component (the running version kept going).
    pub last_rejection: Option<Rejection>,
}

/// The last configuration reload.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct ReloadStatus {
    /// Reloads attempted since start.
    pub attempts: u64,
    /// Unix seconds of the last attempt.
    pub at: Option<u64>,
    /// Whether the last attempt was applied.
    pub ok: bool,
    /// Changes applied live by the last reload.
    pub applied: Vec<String>,
    /// Changes the last reload found that need a restart (not applied).
    pub restart_required: Vec<String>,
    /// Why the last reload was refused (the old configuration keeps running).
    pub error: Option<String>,
}

/// A reorg the pipeline committed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReorgRecord {
    /// The fork point (last block both chains share).
    pub fork: u64,
    /// Blocks reverted.
    pub depth: u64,
    /// Unix seconds.
    pub at: u64,
}

/// A handler failure the pipeline recorded.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FailureEntry {
    /// The handler.
    pub handler: String,
    /// `decode`, `handler`, `trap`, `deadline`, `output`.
    pub kind: String,
    /// `halted` or `skipped`.
    pub action: String,
    /// Block of the failing log.
    pub block_number: u64,
    /// Log index, if known.
    pub log_index: Option<u32>,
    /// The error.
    pub error: String,
    /// Unix seconds.
    pub at: u64,
}

/// How many recent reorgs and failures the status keeps.
pub const RECENT: usize = 20;

/// Unix seconds now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The status snapshot.
#[derive(Debug, Clone, Serialize, Default)]
pub struct StatusData {
    /// Chain id.
    pub chain_id: u64,
    /// Node head.
    pub head: Option<u64>,
    /// Last committed block.
    pub indexed: Option<u64>,
    /// Hash of the last committed block.
    pub indexed_hash: Option<String>,
    /// Whether the last RPC call succeeded.
    pub rpc_ok: bool,
    /// The last RPC error.
    pub rpc_error: Option<String>,
    /// Whether the last database operation succeeded.
    pub db_ok: bool,
    /// The last database error.
    pub db_error: Option<String>,
    /// A condition that stops indexing until an operator acts (e.g. a fork
    /// deeper than the reorg window).
    pub fatal: Option<String>,
    /// Reorgs handled since start.
    pub reorgs: u64,
    /// Deepest reorg handled since start.
    pub max_reorg_depth: u64,
    /// Handlers by name.
    pub handlers: BTreeMap<String, HandlerStatus>,
    /// Stream sinks by name.
    pub sinks: BTreeMap<String, SinkStatus>,
    /// Hot swaps and refused components by handler name.
    pub swaps: BTreeMap<String, SwapStatus>,
    /// The last configuration reload.
    pub reload: ReloadStatus,
    /// The most recent reorgs (newest first, at most [`RECENT`]).
    pub recent_reorgs: std::collections::VecDeque<ReorgRecord>,
    /// The most recent handler failures (newest first, at most [`RECENT`]).
    pub recent_failures: std::collections::VecDeque<FailureEntry>,
}

/// Shared status.
#[derive(Debug)]
pub struct Status {
    data: RwLock<StatusData>,
    started: Instant,
}

impl Status {
    /// Status for `chain_id`.
    pub fn new(chain_id: u64) -> Self {
        Self {
            data: RwLock::new(StatusData {
                chain_id,
                ..StatusData::default()
            }),
            started: Instant::now(),
        }
    }

    /// A copy of the current status.
    pub fn snapshot(&self) -> StatusData {
        match self.data.read() {
            Ok(d) => d.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The last committed block (number and hash), without copying the
    /// rest of the status (read on every API request).
    pub fn indexed_block(&self) -> Option<(u64, String)> {
        let read = |d: &StatusData| Some((d.indexed?, d.indexed_hash.clone()?));
        match self.data.read() {
            Ok(d) => read(&d),
            Err(poisoned) => read(&poisoned.into_inner()),
        }
    }

    /// Change the status.
    pub fn update(&self, f: impl FnOnce(&mut StatusData)) {
        match self.data.write() {
            Ok(mut d) => f(&mut d),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Seconds since start.
    pub fn uptime_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// Blocks between the head and the last committed block.
    pub fn lag(&self) -> Option<u64> {
        let d = self.snapshot();
        Some(d.head?.saturating_sub(d.indexed.unwrap_or(0)))
    }
}
