//! [`ChainEvent`]: the only input the pipeline sees — facts about the
//! canonical chain, in order.

use alloy::primitives::{Address, B256, Bytes};

/// A block header, as far as the follower needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockHeader {
    /// Block number.
    pub number: u64,
    /// Block hash.
    pub hash: B256,
    /// Parent hash; zero for blocks fetched only for their logs during
    /// backfill below the finalized point (they never enter the window).
    pub parent_hash: B256,
    /// Timestamp, seconds since the epoch.
    pub timestamp: u64,
}

/// A log of a watched contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLog {
    /// Emitting contract.
    pub address: Address,
    /// Topics, topic0 first.
    pub topics: Vec<B256>,
    /// ABI-encoded data.
    pub data: Bytes,
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Transaction index in the block.
    pub tx_index: u32,
    /// Log index in the block.
    pub log_index: u32,
}

/// Sender and calldata of a transaction a handler asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxInput {
    /// Transaction hash.
    pub hash: B256,
    /// Sender.
    pub sender: Address,
    /// Calldata.
    pub input: Bytes,
}

/// A block with the logs of watched contracts (in log-index order) and the
/// transactions whose input a handler needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockData {
    /// The header.
    pub header: BlockHeader,
    /// Logs, ordered by log index.
    pub logs: Vec<RawLog>,
    /// Transactions with their input, for events that declare it.
    pub txs: Vec<TxInput>,
}

/// What happened on the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainEvent {
    /// New canonical blocks, in order, extending what was delivered before.
    Committed {
        /// The blocks (during backfill only those with logs, plus the last
        /// block of the range).
        blocks: Vec<BlockData>,
        /// The node's head when they were fetched.
        head: u64,
    },
    /// Blocks delivered earlier are no longer canonical and are replaced.
    Reorged {
        /// The abandoned blocks, oldest first.
        reverted: Vec<BlockHeader>,
        /// The fork point: the last block both chains share.
        fork: BlockHeader,
        /// The new canonical blocks after the fork point, in order.
        committed: Vec<BlockData>,
        /// The node's head.
        head: u64,
    },
    /// Blocks delivered earlier are no longer canonical; nothing replaces
    /// them yet (the chain got shorter, e.g. `anvil_rollback`).
    Reverted {
        /// The abandoned blocks, oldest first.
        reverted: Vec<BlockHeader>,
        /// The fork point.
        fork: BlockHeader,
        /// The node's head.
        head: u64,
    },
}

impl ChainEvent {
    /// The blocks this event makes canonical.
    pub fn committed_blocks(&self) -> &[BlockData] {
        match self {
            Self::Committed { blocks, .. } => blocks,
            Self::Reorged { committed, .. } => committed,
            Self::Reverted { .. } => &[],
        }
    }

    /// The blocks this event abandons.
    pub fn reverted_blocks(&self) -> &[BlockHeader] {
        match self {
            Self::Committed { .. } => &[],
            Self::Reorged { reverted, .. } | Self::Reverted { reverted, .. } => reverted,
        }
    }

    /// The fork point, if this event reverts anything.
    pub fn fork(&self) -> Option<&BlockHeader> {
        match self {
            Self::Committed { .. } => None,
            Self::Reorged { fork, .. } | Self::Reverted { fork, .. } => Some(fork),
        }
    }

    /// The node's head when the event was produced.
    pub fn head(&self) -> u64 {
        match self {
            Self::Committed { head, .. }
            | Self::Reorged { head, .. }
            | Self::Reverted { head, .. } => *head,
        }
    }

    /// The block the chain ends at after this event.
    pub fn tip(&self) -> Option<BlockHeader> {
        self.committed_blocks()
            .last()
            .map(|b| b.header)
            .or_else(|| self.fork().copied())
    }

    /// Number of logs delivered.
    pub fn log_count(&self) -> usize {
        self.committed_blocks().iter().map(|b| b.logs.len()).sum()
    }
}
