//! Configuration: one TOML file (`config/wraith.toml` documents every key),
//! overridden by `WRAITH_*` environment variables, validated section by
//! section before anything starts.
//!
//! Environment overrides use `__` between path segments (variables without
//! `__`, like a secret in `WRAITH_HOOK_SECRET`, are not overrides):
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
    /// Stream sinks fed from the outbox.
    pub streams: StreamsConfig,
    /// Hot swap, the admin API and live reload.
    pub admin: AdminConfig,
    /// The WebSocket gateway.
    pub websocket: WebSocketConfig,
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
    /// Extra SQL migrations (`<version>_<name>.sql`) applied at start after
    /// the built-in ones, e.g. the tables of a handler scaffolded with
    /// `wraith new handler` without rebuilding the host. Unset: none.
    pub migrations_dir: Option<PathBuf>,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url_env: "DATABASE_URL".to_owned(),
            max_connections: 8,
            migrate: true,
            migrations_dir: None,
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
    /// Requests per minute per client IP to `/api/v1/*` (0: unlimited).
    /// Changes apply live on reload.
    pub rate_limit_per_ip: u32,
    /// Requests per minute per API key (`Authorization: Bearer <key>` or
    /// `X-Api-Key`) to `/api/v1/*` (0: unlimited). Changes apply live.
    pub rate_limit_per_key: u32,
    /// Environment variable with the accepted API keys, comma-separated
    /// (unset: no keys; every client is limited by IP). A request with an
    /// unknown key is refused (401).
    pub keys_env: String,
    /// Origins allowed to call the API from a browser (CORS), e.g.
    /// `["https://ghostnet.example"]`. Empty (the default): no CORS
    /// headers, browsers allow same-origin calls only; `["*"]`: any origin.
    pub cors_origins: Vec<String>,
    /// Largest request body of the non-admin routes, in bytes (larger: 413).
    /// The admin routes use `admin.max_component_bytes`.
    pub max_body_bytes: usize,
    /// Responses kept by the read cache of `GET /api/v1/*` (per committed
    /// block: every entry is dropped when the next block commits). 0
    /// disables it.
    pub read_cache_entries: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: "127.0.0.1:8080".to_owned(),
            max_page_size: 1000,
            ready_max_lag: 64,
            rate_limit_per_ip: 100,
            rate_limit_per_key: 1000,
            keys_env: "WRAITH_API_KEYS".to_owned(),
            cors_origins: Vec::new(),
            max_body_bytes: 64 * 1024,
            read_cache_entries: 4096,
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

/// `[streams]`: publishing the outbox to brokers and webhooks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StreamsConfig {
    /// Outbox rows read and published per round, per sink (bounds the
    /// messages in flight).
    pub batch_size: usize,
    /// How often an idle publisher looks for new outbox rows, in ms (it is
    /// also woken after every commit).
    pub poll_interval_ms: u64,
    /// Outbox rows kept after every sink has published them (for WebSocket
    /// replay and audits); older ones are pruned.
    pub outbox_retain: u64,
    /// The sinks.
    pub sinks: Vec<SinkConfig>,
}

impl Default for StreamsConfig {
    fn default() -> Self {
        Self {
            batch_size: 500,
            poll_interval_ms: 200,
            outbox_retain: 100_000,
            sinks: Vec::new(),
        }
    }
}

/// `[[streams.sinks]]`: one destination. `kind` selects the keys that
/// apply: `jetstream` (`url`, `stream`, `subject_prefix`,
/// `duplicate_window_secs`), `webhook` (`url`, `secret_env`,
/// `max_attempts`, `timeout_ms`, `breaker_failures`,
/// `breaker_cooldown_ms`) or `iggy` (`address`, `stream`, `topic`,
/// `partitions`, `username_env`, `password_env`). A key of another kind is
/// an error.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkConfig {
    /// Unique sink name (its cursor is stored under it).
    pub name: String,
    /// `jetstream`, `webhook` or `iggy`.
    pub kind: SinkType,
    /// Only these stream names (default: all).
    #[serde(default)]
    pub streams: Vec<String>,
    /// First retry delay after a failed publish, ms (doubles, with jitter).
    #[serde(default = "default_retry_initial")]
    pub retry_initial_ms: u64,
    /// Largest retry delay, ms.
    #[serde(default = "default_retry_max")]
    pub retry_max_ms: u64,
    /// jetstream: `nats://host:port`; webhook: the endpoint URL.
    pub url: Option<String>,
    /// jetstream: the JetStream stream (created if missing); iggy: the Iggy stream.
    pub stream: Option<String>,
    /// jetstream: subject prefix; messages go to `<prefix>.<stream name>`.
    pub subject_prefix: Option<String>,
    /// jetstream: deduplication window of a created stream, s (default 600).
    pub duplicate_window_secs: Option<u64>,
    /// webhook: environment variable holding the HMAC-SHA256 secret.
    pub secret_env: Option<String>,
    /// webhook: attempts before a message is dead-lettered (default 8).
    pub max_attempts: Option<u32>,
    /// webhook: request timeout, ms (default 5000).
    pub timeout_ms: Option<u64>,
    /// webhook: consecutive failures that open the circuit breaker (default 5).
    pub breaker_failures: Option<u32>,
    /// webhook: how long the breaker stays open, ms (default 30000).
    pub breaker_cooldown_ms: Option<u64>,
    /// iggy: server TCP address `host:port`.
    pub address: Option<String>,
    /// iggy: topic name.
    pub topic: Option<String>,
    /// iggy: partitions of a created topic (default 3).
    pub partitions: Option<u32>,
    /// iggy: environment variable with the user name (default user `iggy`).
    pub username_env: Option<String>,
    /// iggy: environment variable with the password (default `iggy`).
    pub password_env: Option<String>,
}

/// Sink kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SinkType {
    /// NATS JetStream.
    #[default]
    Jetstream,
    /// HTTP webhooks.
    Webhook,
    /// Apache Iggy.
    Iggy,
}

fn default_retry_initial() -> u64 {
    200
}

fn default_retry_max() -> u64 {
    30_000
}

/// A sink's settings, checked for its kind (see [`SinkConfig::settings`]).
#[derive(Debug, Clone, PartialEq)]
pub enum SinkKind {
    /// NATS JetStream: subject `<subject_prefix>.<stream name>`,
    /// `Nats-Msg-Id` = outbox id.
    Jetstream {
        /// Server URL.
        url: String,
        /// JetStream stream.
        stream: String,
        /// Subject prefix.
        subject_prefix: String,
        /// Dedup window of a created stream, seconds.
        duplicate_window_secs: u64,
    },
    /// Signed HTTP POSTs.
    Webhook {
        /// Endpoint.
        url: String,
        /// Variable with the secret.
        secret_env: String,
        /// Attempts before dead-lettering.
        max_attempts: u32,
        /// Request timeout, ms.
        timeout_ms: u64,
        /// Failures that open the breaker.
        breaker_failures: u32,
        /// Breaker cool-down, ms.
        breaker_cooldown_ms: u64,
    },
    /// Apache Iggy.
    Iggy {
        /// Server address.
        address: String,
        /// Stream.
        stream: String,
        /// Topic.
        topic: String,
        /// Partitions of a created topic.
        partitions: u32,
        /// Variable with the user name.
        username_env: Option<String>,
        /// Variable with the password.
        password_env: Option<String>,
    },
}

impl SinkConfig {
    /// The settings for this sink's kind; `index` is its position in
    /// `streams.sinks` (for the key path in errors).
    pub fn settings(&self, index: usize) -> ConfigResult<SinkKind> {
        let key = |k: &str| format!("streams.sinks[{index}].{k}");
        let need = |v: &Option<String>, k: &str| {
            v.clone().ok_or_else(|| {
                ConfigError::key(
                    key(k),
                    format!("is required for kind = \"{}\"", self.kind_name()),
                )
            })
        };
        let set: Vec<(&str, bool)> = vec![
            ("url", self.url.is_some()),
            ("stream", self.stream.is_some()),
            ("subject_prefix", self.subject_prefix.is_some()),
            (
                "duplicate_window_secs",
                self.duplicate_window_secs.is_some(),
            ),
            ("secret_env", self.secret_env.is_some()),
            ("max_attempts", self.max_attempts.is_some()),
            ("timeout_ms", self.timeout_ms.is_some()),
            ("breaker_failures", self.breaker_failures.is_some()),
            ("breaker_cooldown_ms", self.breaker_cooldown_ms.is_some()),
            ("address", self.address.is_some()),
            ("topic", self.topic.is_some()),
            ("partitions", self.partitions.is_some()),
            ("username_env", self.username_env.is_some()),
            ("password_env", self.password_env.is_some()),
        ];
        let allowed: &[&str] = match self.kind {
            SinkType::Jetstream => &["url", "stream", "subject_prefix", "duplicate_window_secs"],
            SinkType::Webhook => &[
                "url",
                "secret_env",
                "max_attempts",
                "timeout_ms",
                "breaker_failures",
                "breaker_cooldown_ms",
            ],
            SinkType::Iggy => &[
                "address",
                "stream",
                "topic",
                "partitions",
                "username_env",
                "password_env",
            ],
        };
        if let Some((k, _)) = set.iter().find(|(k, on)| *on && !allowed.contains(k)) {
            return Err(ConfigError::key(
                key(k),
                format!(
                    "does not apply to kind = \"{}\" (its keys: {})",
                    self.kind_name(),
                    allowed.join(", ")
                ),
            ));
        }
        Ok(match self.kind {
            SinkType::Jetstream => SinkKind::Jetstream {
                url: need(&self.url, "url")?,
                stream: need(&self.stream, "stream")?,
                subject_prefix: need(&self.subject_prefix, "subject_prefix")?,
                duplicate_window_secs: self.duplicate_window_secs.unwrap_or(600),
            },
            SinkType::Webhook => SinkKind::Webhook {
                url: need(&self.url, "url")?,
                secret_env: need(&self.secret_env, "secret_env")?,
                max_attempts: self.max_attempts.unwrap_or(8),
                timeout_ms: self.timeout_ms.unwrap_or(5_000),
                breaker_failures: self.breaker_failures.unwrap_or(5),
                breaker_cooldown_ms: self.breaker_cooldown_ms.unwrap_or(30_000),
            },
            SinkType::Iggy => SinkKind::Iggy {
                address: need(&self.address, "address")?,
                stream: need(&self.stream, "stream")?,
                topic: need(&self.topic, "topic")?,
                partitions: self.partitions.unwrap_or(3),
                username_env: self.username_env.clone(),
                password_env: self.password_env.clone(),
            },
        })
    }

    fn kind_name(&self) -> &'static str {
        match self.kind {
            SinkType::Jetstream => "jetstream",
            SinkType::Webhook => "webhook",
            SinkType::Iggy => "iggy",
        }
    }
}

/// `[admin]`: hot swap of handler components, the admin API and live
/// configuration reload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Environment variable holding the bearer token of `/admin/*`; the
    /// admin routes answer 404 when the variable is unset or empty.
    pub token_env: String,
    /// Largest component `POST /admin/handlers/{name}` accepts, in bytes.
    pub max_component_bytes: usize,
    /// Watch every handler's component file and swap (mode `continue`) when
    /// its content changes.
    pub watch_components: bool,
    /// Watch the configuration file and reload it when it changes (SIGHUP
    /// always reloads).
    pub watch_config: bool,
    /// How often watched files are checked, in milliseconds.
    pub watch_interval_ms: u64,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            token_env: "WRAITH_ADMIN_TOKEN".to_owned(),
            max_component_bytes: 64 << 20,
            watch_components: true,
            watch_config: true,
            watch_interval_ms: 1000,
        }
    }
}

/// `[websocket]`: the WebSocket gateway at `/ws`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSocketConfig {
    /// Serve `/ws`.
    pub enabled: bool,
    /// Open connections allowed per client IP.
    pub max_connections_per_ip: usize,
    /// Messages queued for one client; a client that falls this far behind
    /// is disconnected with a reason (memory never grows without bound).
    pub send_queue: usize,
    /// Seconds between server pings; a peer silent for two intervals is
    /// disconnected.
    pub heartbeat_secs: u64,
    /// Largest gap `RECONNECT` answers with `REPLAY`; beyond it the answer
    /// is `FULL_SYNC` (refetch over REST).
    pub replay_limit: i64,
    /// `SCAN_WARNING` is sent this many seconds (chain time) before a
    /// level's next scan.
    pub scan_warning_secs: u64,
}

impl Default for WebSocketConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_connections_per_ip: 5,
            send_queue: 1024,
            heartbeat_secs: 30,
            replay_limit: 1000,
            scan_warning_secs: 60,
        }
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
    /// What a deterministic failure (trap, time or memory limit, handler
    /// error, invalid output) does: `halt` parks this handler at the failing
    /// block (other handlers continue); `skip` records the failing log in
    /// `wraith_failures` and goes on without it.
    #[serde(default)]
    pub on_failure: FailurePolicy,
}

/// What a handler failure does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailurePolicy {
    /// Park the handler at the failing block.
    #[default]
    Halt,
    /// Dead-letter the failing log and continue.
    Skip,
}

fn default_true() -> bool {
    true
}
