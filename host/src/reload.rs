//! Live configuration reload.
//!
//! [`ConfigDiff::between`] is pure: it compares the running configuration
//! with a new one and sorts every change into what can be applied live and
//! what needs a restart. [`Reloader`] reads the file again (on SIGHUP, on a
//! change of the file, or on `POST /admin/reload`), validates it, and
//! applies the live part:
//!
//! | key | live? |
//! |-----|-------|
//! | `log.level` | live |
//! | `chain.rpc_http` | live (calls in flight finish on the old endpoints) |
//! | `streams.*` | live (publishers restart from their persisted cursors) |
//! | `api.rate_limit_per_ip`, `api.rate_limit_per_key` | live |
//! | `handlers[*]` settings: `component`, `contracts`, `enabled`, `on_failure`, `start_block` | live (a hot swap, mode `continue`) |
//! | handlers added, removed, renamed or reordered | restart |
//! | everything else (`chain.chain_id`, `database.*`, `runtime.*`, `pipeline.*`, `api.*`, `admin.*`, `log.format`, …) | restart |
//!
//! A file that does not parse or validate changes nothing: the running
//! configuration stays, and the reason is logged and shown in
//! `/api/v1/status` (`reload`). A handler whose new settings are refused
//! (e.g. a component that does not load) keeps its old version; the other
//! changes still apply and the refusal is reported. Restart-only changes
//! are reported (and keep being reported) until the host restarts.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Mutex;

use crate::chain::Rpc;
use crate::config::{self, Config, HandlerConfig, StreamsConfig};
use crate::pipeline::{HandlerManager, SwapError};
use crate::status::{ReloadStatus, Status, unix_now};

/// One change that applies without a restart.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveChange {
    /// `log.level`.
    LogLevel(String),
    /// `chain.rpc_http`.
    RpcHttp(Vec<String>),
    /// The settings of an existing handler.
    Handler(HandlerConfig),
    /// `streams`.
    Streams(StreamsConfig),
    /// `api.rate_limit_per_ip`, `api.rate_limit_per_key`.
    RateLimits {
        /// Per IP, per minute.
        per_ip: u32,
        /// Per API key, per minute.
        per_key: u32,
    },
}

impl LiveChange {
    /// The configuration key it changes.
    pub fn key(&self) -> String {
        match self {
            Self::LogLevel(_) => "log.level".to_owned(),
            Self::RpcHttp(_) => "chain.rpc_http".to_owned(),
            Self::Handler(h) => format!("handlers.{}", h.name),
            Self::Streams(_) => "streams".to_owned(),
            Self::RateLimits { .. } => "api.rate_limit".to_owned(),
        }
    }
}

/// The difference between two configurations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigDiff {
    /// Changes that apply live.
    pub live: Vec<LiveChange>,
    /// Keys that changed but need a restart.
    pub restart: Vec<String>,
}

impl ConfigDiff {
    /// Compare the running `old` with `new`.
    pub fn between(old: &Config, new: &Config) -> Self {
        let mut diff = Self::default();
        if old.log.level != new.log.level {
            diff.live.push(LiveChange::LogLevel(new.log.level.clone()));
        }
        if old.chain.rpc_http != new.chain.rpc_http {
            diff.live
                .push(LiveChange::RpcHttp(new.chain.rpc_http.clone()));
        }
        if (old.api.rate_limit_per_ip, old.api.rate_limit_per_key)
            != (new.api.rate_limit_per_ip, new.api.rate_limit_per_key)
        {
            diff.live.push(LiveChange::RateLimits {
                per_ip: new.api.rate_limit_per_ip,
                per_key: new.api.rate_limit_per_key,
            });
        }
        if old.streams != new.streams {
            diff.live.push(LiveChange::Streams(new.streams.clone()));
        }
        let old_names: Vec<&str> = old.handlers.iter().map(|h| h.name.as_str()).collect();
        let new_names: Vec<&str> = new.handlers.iter().map(|h| h.name.as_str()).collect();
        if old_names == new_names {
            for (o, n) in old.handlers.iter().zip(&new.handlers) {
                if o != n {
                    diff.live.push(LiveChange::Handler(n.clone()));
                }
            }
        } else {
            for n in new_names.iter().filter(|n| !old_names.contains(n)) {
                diff.restart.push(format!("handlers.{n} (added)"));
            }
            for o in old_names.iter().filter(|o| !new_names.contains(o)) {
                diff.restart.push(format!("handlers.{o} (removed)"));
            }
            if diff.restart.is_empty() {
                diff.restart.push("handlers (order)".to_owned());
            }
        }
        // Everything else needs a restart: compare the rest leaf by leaf.
        let rest = |c: &Config| -> Value {
            let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
            if let Some(m) = v.as_object_mut() {
                m.remove("streams");
                m.remove("handlers");
                if let Some(l) = m.get_mut("log").and_then(Value::as_object_mut) {
                    l.remove("level");
                }
                if let Some(ch) = m.get_mut("chain").and_then(Value::as_object_mut) {
                    ch.remove("rpc_http");
                }
                if let Some(api) = m.get_mut("api").and_then(Value::as_object_mut) {
                    api.remove("rate_limit_per_ip");
                    api.remove("rate_limit_per_key");
                }
            }
            v
        };
        changed_keys("", &rest(old), &rest(new), &mut diff.restart);
        diff
    }

    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.live.is_empty() && self.restart.is_empty()
    }
}

/// Dotted keys of the leaves that differ between `a` and `b` (arrays are
/// compared whole).
fn changed_keys(prefix: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                changed_keys(
                    &path,
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        _ if a != b => out.push(prefix.to_owned()),
        _ => {}
    }
}

/// Something that restarts the stream publishers with new settings.
pub trait StreamsControl: Send + Sync + std::fmt::Debug {
    /// Stop the running publishers and start those of `streams`.
    fn restart(&self, streams: &StreamsConfig) -> Result<(), String>;
}

/// Reloads the configuration file and applies what can change live.
#[derive(Debug)]
pub struct Reloader {
    path: PathBuf,
    current: Mutex<Config>,
    manager: Arc<HandlerManager>,
    rpc: Arc<Rpc>,
    streams: Arc<dyn StreamsControl>,
    limiter: Option<Arc<crate::api::limits::RateLimiter>>,
    status: Arc<Status>,
}

impl Reloader {
    /// A reloader of `path`, whose running configuration is `current`.
    pub fn new(
        path: PathBuf,
        current: Config,
        manager: Arc<HandlerManager>,
        rpc: Arc<Rpc>,
        streams: Arc<dyn StreamsControl>,
        limiter: Option<Arc<crate::api::limits::RateLimiter>>,
        status: Arc<Status>,
    ) -> Self {
        Self {
            path,
            current: Mutex::new(current),
            manager,
            rpc,
            streams,
            limiter,
            status,
        }
    }

    /// The configuration file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Read, validate and apply the file; the outcome is also recorded in
    /// the status.
    pub async fn reload(&self) -> ReloadStatus {
        let mut current = self.current.lock().await;
        let mut outcome = ReloadStatus {
            attempts: self.status.snapshot().reload.attempts + 1,
            at: Some(unix_now()),
            ..ReloadStatus::default()
        };
        match config::load_file(&self.path) {
            Err(e) => {
                let msg = format!("{}: {e}", self.path.display());
                tracing::warn!(error = %msg, "configuration reload refused; the running configuration stays");
                outcome.error = Some(msg);
            }
            Ok(new) => {
                let diff = ConfigDiff::between(&current, &new);
                let mut errors = Vec::new();
                for change in &diff.live {
                    match self.apply(change).await {
                        Ok(()) => {
                            outcome.applied.push(change.key());
                            apply_to(&mut current, change);
                        }
                        Err(e) => errors.push(format!("{}: {e}", change.key())),
                    }
                }
                outcome.restart_required = diff.restart.clone();
                outcome.ok = errors.is_empty();
                if !errors.is_empty() {
                    outcome.error = Some(errors.join("; "));
                }
                tracing::info!(applied = ?outcome.applied, restart_required = ?outcome.restart_required, errors = ?outcome.error, "configuration reloaded");
            }
        }
        let recorded = outcome.clone();
        self.status.update(|s| s.reload = recorded);
        outcome
    }

    async fn apply(&self, change: &LiveChange) -> Result<(), String> {
        match change {
            LiveChange::LogLevel(level) => crate::telemetry::set_level(level),
            LiveChange::RpcHttp(urls) => self.rpc.set_endpoints(urls).map_err(|e| e.to_string()),
            LiveChange::Streams(streams) => self.streams.restart(streams),
            LiveChange::RateLimits { per_ip, per_key } => {
                if let Some(l) = &self.limiter {
                    l.set_limits(*per_ip, *per_key);
                }
                Ok(())
            }
            LiveChange::Handler(h) => match self.manager.reconfigure(h.clone()).await {
                Ok(_) => Ok(()),
                Err(SwapError::Rejected(reason)) => {
                    Err(format!("refused, the running version continues: {reason}"))
                }
                Err(e) => Err(e.to_string()),
            },
        }
    }
}

/// Record an applied change in the running configuration.
fn apply_to(config: &mut Config, change: &LiveChange) {
    match change {
        LiveChange::LogLevel(l) => config.log.level.clone_from(l),
        LiveChange::RpcHttp(u) => config.chain.rpc_http.clone_from(u),
        LiveChange::Streams(s) => config.streams = s.clone(),
        LiveChange::RateLimits { per_ip, per_key } => {
            config.api.rate_limit_per_ip = *per_ip;
            config.api.rate_limit_per_key = *per_key;
        }
        LiveChange::Handler(h) => {
            if let Some(c) = config.handlers.iter_mut().find(|c| c.name == h.name) {
                *c = h.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[chain]
chain_id = 31337
rpc_http = ["http://127.0.0.1:8545"]

[log]
level = "info"

[[handlers]]
name = "ghost-core"
component = "handlers/dist/ghost_core_handler.wasm"
contracts = { GhostCore = ["0x1111111111111111111111111111111111111111"] }

[[handlers]]
name = "data-token"
component = "handlers/dist/data_token_handler.wasm"
contracts = { DataToken = ["0x2222222222222222222222222222222222222222"] }
"#;

    fn parse(text: &str) -> Config {
        match config::parse_str(text, std::iter::empty()) {
            Ok(c) => c,
            Err(e) => panic!("test config does not parse: {e}"),
        }
    }

    fn diff(edit: impl Fn(&str) -> String) -> ConfigDiff {
        ConfigDiff::between(&parse(BASE), &parse(&edit(BASE)))
    }

    #[test]
    fn given_the_same_config_should_find_no_change() {
        assert!(diff(str::to_owned).is_empty());
    }

    #[test]
    fn given_a_new_log_level_should_apply_it_live() {
        let d = diff(|t| t.replace("level = \"info\"", "level = \"debug\""));
        assert_eq!(d.live, vec![LiveChange::LogLevel("debug".to_owned())]);
        assert!(d.restart.is_empty());
    }

    #[test]
    fn given_new_rpc_endpoints_should_apply_them_live() {
        let d = diff(|t| {
            t.replace(
                "rpc_http = [\"http://127.0.0.1:8545\"]",
                "rpc_http = [\"http://127.0.0.1:9545\", \"http://127.0.0.1:8545\"]",
            )
        });
        assert_eq!(
            d.live,
            vec![LiveChange::RpcHttp(vec![
                "http://127.0.0.1:9545".to_owned(),
                "http://127.0.0.1:8545".to_owned()
            ])]
        );
        assert!(d.restart.is_empty());
    }

    #[test]
    fn given_new_rate_limits_should_apply_them_live() {
        let d = diff(|t| format!("{t}\n[api]\nrate_limit_per_ip = 7\n"));
        assert_eq!(
            d.live,
            vec![LiveChange::RateLimits {
                per_ip: 7,
                per_key: 1000
            }]
        );
        assert!(d.restart.is_empty(), "{d:?}");
    }

    #[test]
    fn given_a_new_chain_id_should_require_a_restart() {
        let d = diff(|t| t.replace("chain_id = 31337", "chain_id = 6343"));
        assert!(d.live.is_empty());
        assert_eq!(d.restart, vec!["chain.chain_id".to_owned()]);
    }

    #[test]
    fn given_a_new_database_setting_should_require_a_restart_naming_the_key() {
        let d = diff(|t| format!("{t}\n[database]\nurl_env = \"OTHER_DB_URL\"\n"));
        assert!(d.live.is_empty());
        assert_eq!(d.restart, vec!["database.url_env".to_owned()]);
    }

    #[test]
    fn given_a_rebound_contract_should_swap_only_that_handler() {
        let d = diff(|t| {
            t.replace(
                "0x2222222222222222222222222222222222222222",
                "0x3333333333333333333333333333333333333333",
            )
        });
        assert_eq!(d.live.len(), 1);
        assert!(
            matches!(&d.live[0], LiveChange::Handler(h) if h.name == "data-token"),
            "{d:?}"
        );
        assert!(d.restart.is_empty());
    }

    #[test]
    fn given_a_disabled_handler_and_a_skip_policy_should_apply_them_live() {
        let d = diff(|t| {
            t.replace(
                "component = \"handlers/dist/ghost_core_handler.wasm\"",
                "component = \"handlers/dist/ghost_core_handler.wasm\"\nenabled = false\non_failure = \"skip\"",
            )
        });
        match d.live.as_slice() {
            [LiveChange::Handler(h)] => {
                assert_eq!(h.name, "ghost-core");
                assert!(!h.enabled);
                assert_eq!(h.on_failure, crate::config::FailurePolicy::Skip);
            }
            other => panic!("unexpected live changes {other:?}"),
        }
    }

    #[test]
    fn given_a_removed_handler_should_require_a_restart() {
        let d = diff(|t| match t.find("[[handlers]]\nname = \"data-token\"") {
            Some(i) => t[..i].to_owned(),
            None => panic!("fixture changed"),
        });
        assert!(d.live.is_empty());
        assert_eq!(d.restart, vec!["handlers.data-token (removed)".to_owned()]);
    }

    #[test]
    fn given_a_new_sink_should_apply_the_streams_live() {
        let d = diff(|t| {
            format!(
                "{t}\n[[streams.sinks]]\nname = \"js\"\nkind = \"jetstream\"\nurl = \"nats://127.0.0.1:4222\"\nstream = \"WRAITH\"\nsubject_prefix = \"wraith\"\n"
            )
        });
        assert_eq!(d.live.len(), 1);
        assert!(
            matches!(&d.live[0], LiveChange::Streams(s) if s.sinks.len() == 1),
            "{d:?}"
        );
    }

    #[test]
    fn given_live_and_restart_changes_together_should_sort_them() {
        let d = diff(|t| {
            t.replace("level = \"info\"", "level = \"warn\"")
                .replace("chain_id = 31337", "chain_id = 4326")
                + "\n[pipeline]\nmax_batch_blocks = 7\n"
        });
        assert_eq!(d.live, vec![LiveChange::LogLevel("warn".to_owned())]);
        assert_eq!(
            d.restart,
            vec![
                "chain.chain_id".to_owned(),
                "pipeline.max_batch_blocks".to_owned()
            ]
        );
    }
}
