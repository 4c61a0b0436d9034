//! Configuration: one TOML file (`config/wraith.toml` documents every key),
//! overridden by `WRAITH_*` environment variables, validated section by
//! section before anything starts.
//!
//! Environment overrides use `__` between path segments:
//! `WRAITH_CHAIN__CHAIN_ID=31337`, `WRAITH_API__LISTEN=0.0.0.0:8080`,
//! `WRAITH_HANDLERS__0__START_BLOCK=100`. A value is read as TOML when it
//! parses (numbers, booleans, arrays), as a string otherwise.
//!
//! Secrets never live in the file: `database.url_env` names the variable
//! that holds the database URL.

mod load;
pub mod validate;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use load::{load_file, parse_str};

/// A configuration error. The message names the key path and, where there
/// is a fixed set, the allowed values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The TOML does not parse.
    #[error("config is not valid TOML: {0}")]
    Syntax(String),
    /// A key is unknown or has the wrong type.
    #[error("config key `{key}`: {message}")]
    Key {
        /// Dotted key path, e.g. `chain.rpc_http`.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// An environment override does not map onto the config.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    pub(crate) fn key(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Key {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Result of configuration loading.
pub type ConfigResult<T> = Result<T, ConfigError>;

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The chain to follow.
    pub chain: ChainConfig,
    /// PostgreSQL.
    pub database: DatabaseConfig,
    /// The WebAssembly runtime.
    pub runtime: RuntimeConfig,
    /// Batching between the chain and the database.
    pub pipeline: PipelineConfig,
    /// The HTTP API.
    pub api: ApiConfig,
    /// Logging.
    pub log: LogConfig,
    /// Handler components and the contracts they are bound to.
    pub handlers: Vec<HandlerConfig>,
}

/// `[chain]`: the chain and its RPC endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainConfig {
    /// Expected chain id; the host refuses to start if the node reports
    /// another. 4326 = MegaETH mainnet, 6343 = MegaETH testnet, 31337 =
    /// anvil. 6342 (the old MegaETH testnet) is rejected.
    pub chain_id: u64,
    /// HTTP JSON-RPC endpoints, tried in order (the next one on failure).
    pub rpc_http: Vec<String>,
    /// Optional WebSocket endpoint for `newHeads`; without it (or when it
    /// fails) the follower polls `eth_blockNumber` over HTTP.
    pub rpc_ws: Option<String>,
    /// Head polling interval when no WebSocket is used, in milliseconds.
    pub poll_interval_ms: u64,
    /// Number of recent blocks kept for reorg detection (hash and parent
    /// hash) and revertible through the undo journal. Blocks older than
    /// `head - reorg_window` are final.
    pub reorg_window: u64,
    /// Timeout of one RPC request, in milliseconds.
    pub request_timeout_ms: u64,
    /// First retry delay after an RPC failure, in milliseconds; doubles up
    /// to `retry_max_ms`.
    pub retry_initial_ms: u64,
    /// Largest retry delay, in milliseconds.
    pub retry_max_ms: u64,
    /// Initial block range of one backfill `eth_getLogs`; halved on "too
    /// many results" or timeouts, grown again on success.
    pub backfill_range: u64,
    /// Backfill `eth_getLogs` requests in flight at once.
    pub backfill_concurrency: usize,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            chain_id: 31337,
            rpc_http: vec!["http://127.0.0.1:8545".to_owned()],
            rpc_ws: None,
            poll_interval_ms: 250,
            reorg_window: 64,
            request_timeout_ms: 10_000,
            retry_initial_ms: 200,
            retry_max_ms: 10_000,
            backfill_range: 2_000,
            backfill_concurrency: 4,
        }
    }
}

/// `[database]`: PostgreSQL (TimescaleDB used when the extension exists).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Name of the environment variable holding the connection URL.
    pub url_env: String,
    /// Connection pool size.
    pub max_connections: u32,
    /// Apply `migrations/` at start.
    pub migrate: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url_env: "DATABASE_URL".to_owned(),
            max_connections: 8,
            migrate: true,
        }
    }
}

/// `[runtime]`: limits for handler components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuntimeConfig {
    /// Wall-clock budget of one `handle` call, in milliseconds (enforced
    /// with epoch interruption; a handler over it traps).
    pub call_timeout_ms: u64,
    /// Linear memory cap per handler instance, in MiB.
    pub memory_limit_mib: u64,
    /// Largest number of outputs one `handle` call may produce.
    pub max_outputs_per_call: usize,
    /// Directory for compiled components (`<content hash>.cwasm`).
    pub cache_dir: PathBuf,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            call_timeout_ms: 10_000,
            memory_limit_mib: 256,
            max_outputs_per_call: 1_000_000,
            cache_dir: PathBuf::from(".wraith/cache"),
        }
    }
}

/// `[pipeline]`: how chain data is batched into database transactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    /// Most blocks in one database transaction near the head.
    pub max_batch_blocks: u64,
    /// Most logs in one database transaction (backfill batches are split).
    pub max_batch_logs: usize,
    /// Chain events buffered between the follower and the pipeline.
    pub channel_capacity: usize,
    /// Entity rows kept in memory across batches (read by `get` and needed
    /// for every write); tables that fit are loaded whole at start. 0
    /// disables the cache.
    pub row_cache_rows: usize,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            max_batch_blocks: 100,
            max_batch_logs: 20_000,
            channel_capacity: 4,
            row_cache_rows: 1_000_000,
        }
    }
}

/// `[api]`: the HTTP server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Serve the API.
    pub enabled: bool,
    /// Listen address.
    pub listen: String,
    /// Largest `limit` a list endpoint accepts; larger values are capped.
    pub max_page_size: u32,
    /// `/health/ready` reports not ready when the indexer is more than this
    /// many blocks behind the head.
    pub ready_max_lag: u64,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: "127.0.0.1:8080".to_owned(),
            max_page_size: 1000,
            ready_max_lag: 64,
        }
    }
}

impl ApiConfig {
    /// The parsed listen address (validated at load).
    pub fn listen_addr(&self) -> ConfigResult<SocketAddr> {
        self.listen.parse().map_err(|e| {
            ConfigError::key(
                "api.listen",
                format!("{:?} is not host:port: {e}", self.listen),
            )
        })
    }
}

/// `[log]`: logging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// Filter in `tracing` syntax: `info`, `wraith_host=debug,info`, ….
    pub level: String,
    /// `pretty` (for terminals) or `json` (for production).
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
            format: LogFormat::Pretty,
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// `[[handlers]]`: one handler component and the contracts it indexes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandlerConfig {
    /// Handler name; must equal the name in the component's manifest.
    pub name: String,
    /// Path of the component (`handlers/dist/<crate>.wasm`).
    pub component: PathBuf,
    /// First block to index for this handler.
    #[serde(default)]
    pub start_block: u64,
    /// Logical contract name (as in the manifest's events) → addresses.
    pub contracts: BTreeMap<String, Vec<String>>,
    /// Set to false to load the handler without running it.
    #[serde(default = "default_true")]
    pub enabled: bool,
}

fn default_true() -> bool {
    true
}
