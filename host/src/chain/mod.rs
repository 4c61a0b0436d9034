//! Following the chain: RPC access, the block window, reorg detection and
//! the events the pipeline consumes.

mod event;
mod follower;
mod rpc;
pub mod window;

pub use event::{BlockData, BlockHeader, ChainEvent, RawLog, TxInput};
pub use follower::{ChainFollower, FollowerSettings, spawn_head_watcher};
pub use rpc::Rpc;
pub use window::{BlockWindow, ForkPoint, Link};

/// A chain error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The node answered a JSON-RPC error.
    #[error("{method}: node error {code}: {message}")]
    Node {
        /// The method.
        method: &'static str,
        /// JSON-RPC error code.
        code: i64,
        /// The node's message.
        message: String,
    },
    /// The request did not get an answer (connection, timeout, HTTP error).
    #[error("{method}: {message}")]
    Transport {
        /// The method.
        method: &'static str,
        /// What happened.
        message: String,
    },
    /// The node serves another chain.
    #[error(
        "the node at {endpoint} serves chain id {actual}, but chain.chain_id is {expected}; refusing to index the wrong chain"
    )]
    WrongChain {
        /// Configured chain id.
        expected: u64,
        /// The node's chain id.
        actual: u64,
        /// The endpoint.
        endpoint: String,
    },
    /// A fork deeper than the reorg window.
    #[error(
        "reorg deeper than the window of {window} blocks: stored block {number} has hash {stored}, \
         the node has {node}; stopping (no data past block {tip} was written; an operator must \
         decide: raise chain.reorg_window and resync, or restore)"
    )]
    DeepReorg {
        /// The oldest block in the window.
        number: u64,
        /// Its stored hash.
        stored: String,
        /// The node's hash at that height (or "none").
        node: String,
        /// The window size.
        window: u64,
        /// The last block indexed.
        tip: u64,
    },
    /// The node returned data that does not fit together.
    #[error("inconsistent chain data: {0}")]
    Inconsistent(String),
    /// Invalid RPC configuration.
    #[error("rpc configuration: {0}")]
    Config(String),
}

impl ChainError {
    /// Whether a ranged `eth_getLogs` failure means "ask for less".
    pub fn is_too_large(&self) -> bool {
        match self {
            Self::Transport { .. } => true,
            Self::Node { code, message, .. } => {
                let m = message.to_ascii_lowercase();
                matches!(code, -32005 | -32000 | -32602 | -32600 | -32603)
                    && [
                        "too many",
                        "limit",
                        "exceed",
                        "range",
                        "too large",
                        "response size",
                        "timeout",
                        "timed out",
                    ]
                    .iter()
                    .any(|s| m.contains(s))
            }
            _ => false,
        }
    }
}

/// Result of chain operations.
pub type ChainResult<T> = Result<T, ChainError>;
