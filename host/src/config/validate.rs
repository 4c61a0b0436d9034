//! Validation of a parsed [`Config`], section by section, then the rules
//! that span sections. Every error names the key path.

use std::collections::BTreeSet;

use alloy::primitives::Address;

use super::{Config, ConfigError, ConfigResult, HandlerConfig, SinkKind};

/// Chain ids that must never be used.
const OBSOLETE_CHAINS: &[(u64, &str)] = &[(
    6342,
    "6342 is the obsolete MegaETH testnet; use 6343 (testnet V2) or 4326 (mainnet)",
)];

impl Config {
    /// Check every value; the first problem is returned.
    pub fn validate(&self) -> ConfigResult<()> {
        self.validate_chain()?;
        self.validate_database()?;
        self.validate_runtime()?;
        self.validate_pipeline()?;
        self.validate_api()?;
        self.validate_log()?;
        self.validate_streams()?;
        self.validate_admin()?;
        self.validate_websocket()?;
        self.validate_handlers()
    }

    fn validate_websocket(&self) -> ConfigResult<()> {
        let w = &self.websocket;
        in_range(
            "websocket.max_connections_per_ip",
            w.max_connections_per_ip as u64,
            1,
            100_000,
        )?;
        in_range("websocket.send_queue", w.send_queue as u64, 1, 1_000_000)?;
        in_range("websocket.heartbeat_secs", w.heartbeat_secs, 1, 3600)?;
        in_range(
            "websocket.replay_limit",
            u64::try_from(w.replay_limit).unwrap_or(0),
            1,
            100_000,
        )?;
        in_range(
            "websocket.scan_warning_secs",
            w.scan_warning_secs,
            1,
            86_400,
        )
    }

    fn validate_admin(&self) -> ConfigResult<()> {
        let a = &self.admin;
        if a.token_env.is_empty() {
            return Err(ConfigError::key(
                "admin.token_env",
                "must name an environment variable",
            ));
        }
        in_range(
            "admin.max_component_bytes",
            a.max_component_bytes as u64,
            1 << 10,
            1 << 30,
        )?;
        in_range(
            "admin.watch_interval_ms",
            a.watch_interval_ms,
            50,
            3_600_000,
        )
    }

    fn validate_chain(&self) -> ConfigResult<()> {
        let c = &self.chain;
        if c.chain_id == 0 {
            return Err(ConfigError::key(
                "chain.chain_id",
                "must be a positive chain id",
            ));
        }
        if let Some((_, why)) = OBSOLETE_CHAINS.iter().find(|(id, _)| *id == c.chain_id) {
            return Err(ConfigError::key("chain.chain_id", *why));
        }
        if c.rpc_http.is_empty() {
            return Err(ConfigError::key(
                "chain.rpc_http",
                "needs at least one http(s) URL",
            ));
        }
        for (i, url) in c.rpc_http.iter().enumerate() {
            check_url(&format!("chain.rpc_http[{i}]"), url, &["http", "https"])?;
        }
        if let Some(ws) = &c.rpc_ws {
            check_url("chain.rpc_ws", ws, &["ws", "wss"])?;
        }
        in_range("chain.reorg_window", c.reorg_window, 1, 100_000)?;
        in_range("chain.poll_interval_ms", c.poll_interval_ms, 10, 600_000)?;
        in_range(
            "chain.request_timeout_ms",
            c.request_timeout_ms,
            100,
            600_000,
        )?;
        in_range("chain.retry_initial_ms", c.retry_initial_ms, 1, 600_000)?;
        in_range(
            "chain.retry_max_ms",
            c.retry_max_ms,
            c.retry_initial_ms,
            3_600_000,
        )?;
        in_range("chain.backfill_range", c.backfill_range, 1, 1_000_000)?;
        in_range(
            "chain.backfill_concurrency",
            c.backfill_concurrency as u64,
            1,
            64,
        )
    }

    fn validate_database(&self) -> ConfigResult<()> {
        let d = &self.database;
        if d.url_env.is_empty() {
            return Err(ConfigError::key(
                "database.url_env",
                "must name an environment variable",
            ));
        }
        if d.migrations_dir
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return Err(ConfigError::key(
                "database.migrations_dir",
                "must be a directory of SQL migrations (or be left out)",
            ));
        }
        in_range(
            "database.max_connections",
            u64::from(d.max_connections),
            2,
            1000,
        )
    }

    fn validate_runtime(&self) -> ConfigResult<()> {
        let r = &self.runtime;
        in_range("runtime.call_timeout_ms", r.call_timeout_ms, 10, 3_600_000)?;
        in_range("runtime.memory_limit_mib", r.memory_limit_mib, 1, 4096)?;
        in_range(
            "runtime.max_outputs_per_call",
            r.max_outputs_per_call as u64,
            1,
            100_000_000,
        )
    }

    fn validate_pipeline(&self) -> ConfigResult<()> {
        let p = &self.pipeline;
        in_range("pipeline.max_batch_blocks", p.max_batch_blocks, 1, 100_000)?;
        in_range(
            "pipeline.max_batch_logs",
            p.max_batch_logs as u64,
            1,
            10_000_000,
        )?;
        in_range(
            "pipeline.channel_capacity",
            p.channel_capacity as u64,
            1,
            1024,
        )
    }

    fn validate_api(&self) -> ConfigResult<()> {
        self.api.listen_addr()?;
        in_range(
            "api.max_page_size",
            u64::from(self.api.max_page_size),
            1,
            100_000,
        )?;
        in_range(
            "api.rate_limit_per_ip",
            u64::from(self.api.rate_limit_per_ip),
            0,
            10_000_000,
        )?;
        in_range(
            "api.rate_limit_per_key",
            u64::from(self.api.rate_limit_per_key),
            0,
            10_000_000,
        )?;
        if self.api.keys_env.is_empty() {
            return Err(ConfigError::key(
                "api.keys_env",
                "must name an environment variable",
            ));
        }
        in_range(
            "api.max_body_bytes",
            self.api.max_body_bytes as u64,
            1,
            64 * 1024 * 1024,
        )?;
        in_range(
            "api.read_cache_entries",
            self.api.read_cache_entries as u64,
            0,
            1_000_000,
        )?;
        validate_cors_origins(&self.api.cors_origins)
    }

    fn validate_log(&self) -> ConfigResult<()> {
        tracing_subscriber::EnvFilter::try_new(&self.log.level)
            .map(|_| ())
            .map_err(|e| {
                ConfigError::key(
                    "log.level",
                    format!(
                        "{:?} is not a filter (e.g. \"info\", \"wraith_host=debug,info\"): {e}",
                        self.log.level
                    ),
                )
            })
    }

    fn validate_streams(&self) -> ConfigResult<()> {
        let st = &self.streams;
        in_range("streams.batch_size", st.batch_size as u64, 1, 100_000)?;
        in_range("streams.poll_interval_ms", st.poll_interval_ms, 10, 600_000)?;
        in_range(
            "streams.outbox_retain",
            st.outbox_retain,
            1_000,
            1_000_000_000,
        )?;
        let mut names = BTreeSet::new();
        for (i, s) in st.sinks.iter().enumerate() {
            let key = |k: &str| format!("streams.sinks[{i}].{k}");
            let ok = !s.name.is_empty()
                && s.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return Err(ConfigError::key(
                    key("name"),
                    format!("{:?} must be [A-Za-z0-9_-]+", s.name),
                ));
            }
            if !names.insert(s.name.as_str()) {
                return Err(ConfigError::key(
                    key("name"),
                    format!("{:?} is configured twice", s.name),
                ));
            }
            in_range(&key("retry_initial_ms"), s.retry_initial_ms, 1, 600_000)?;
            in_range(
                &key("retry_max_ms"),
                s.retry_max_ms,
                s.retry_initial_ms,
                3_600_000,
            )?;
            match &s.settings(i)? {
                SinkKind::Jetstream {
                    url,
                    stream,
                    subject_prefix,
                    duplicate_window_secs,
                } => {
                    check_url(&key("url"), url, &["nats", "tls"])?;
                    let ident = |v: &str| {
                        !v.is_empty()
                            && v.chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    };
                    if !ident(stream) {
                        return Err(ConfigError::key(
                            key("stream"),
                            format!("{stream:?} must be [A-Za-z0-9_-]+"),
                        ));
                    }
                    if subject_prefix.is_empty() || subject_prefix.contains(['*', '>', ' ']) {
                        return Err(ConfigError::key(
                            key("subject_prefix"),
                            format!(
                                "{subject_prefix:?} must be a plain subject (no wildcards or spaces)"
                            ),
                        ));
                    }
                    in_range(
                        &key("duplicate_window_secs"),
                        *duplicate_window_secs,
                        1,
                        86_400 * 7,
                    )?;
                }
                SinkKind::Webhook {
                    url,
                    secret_env,
                    max_attempts,
                    timeout_ms,
                    breaker_failures,
                    breaker_cooldown_ms,
                } => {
                    check_url(&key("url"), url, &["http", "https"])?;
                    if std::env::var(secret_env).map_or(true, |v| v.is_empty()) {
                        return Err(ConfigError::key(
                            key("secret_env"),
                            format!(
                                "environment variable {secret_env} (the signing secret) is not set"
                            ),
                        ));
                    }
                    in_range(&key("max_attempts"), u64::from(*max_attempts), 1, 1_000)?;
                    in_range(&key("timeout_ms"), *timeout_ms, 10, 600_000)?;
                    in_range(
                        &key("breaker_failures"),
                        u64::from(*breaker_failures),
                        1,
                        1_000,
                    )?;
                    in_range(
                        &key("breaker_cooldown_ms"),
                        *breaker_cooldown_ms,
                        10,
                        3_600_000,
                    )?;
                }
                SinkKind::Iggy {
                    address,
                    stream,
                    topic,
                    partitions,
                    ..
                } => {
                    address.parse::<std::net::SocketAddr>().map_err(|e| {
                        ConfigError::key(
                            key("address"),
                            format!("{address:?} is not host:port: {e}"),
                        )
                    })?;
                    if stream.is_empty() || topic.is_empty() {
                        return Err(ConfigError::key(
                            key("stream"),
                            "stream and topic must be non-empty",
                        ));
                    }
                    in_range(&key("partitions"), u64::from(*partitions), 1, 10_000)?;
                }
            }
        }
        Ok(())
    }

    fn validate_handlers(&self) -> ConfigResult<()> {
        let mut names = BTreeSet::new();
        for (i, h) in self.handlers.iter().enumerate() {
            validate_handler(i, h)?;
            if !names.insert(h.name.as_str()) {
                return Err(ConfigError::key(
                    format!("handlers[{i}].name"),
                    format!("{:?} is configured twice; handler names are unique", h.name),
                ));
            }
        }
        Ok(())
    }
}

fn validate_handler(i: usize, h: &HandlerConfig) -> ConfigResult<()> {
    let key = |k: &str| format!("handlers[{i}].{k}");
    let name_ok = !h.name.is_empty()
        && h.name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && h.name.starts_with(|c: char| c.is_ascii_lowercase());
    if !name_ok {
        return Err(ConfigError::key(
            key("name"),
            format!(
                "{:?} must be kebab-case: lowercase letters, digits and '-'",
                h.name
            ),
        ));
    }
    if h.component.as_os_str().is_empty() {
        return Err(ConfigError::key(
            key("component"),
            "must be the path of a .wasm component",
        ));
    }
    for (contract, addresses) in &h.contracts {
        if addresses.is_empty() {
            return Err(ConfigError::key(
                format!("handlers[{i}].contracts.{contract}"),
                "needs at least one address",
            ));
        }
        for (j, a) in addresses.iter().enumerate() {
            parse_address(a).map_err(|m| {
                ConfigError::key(format!("handlers[{i}].contracts.{contract}[{j}]"), m)
            })?;
        }
    }
    Ok(())
}

/// Parse the `contracts` table of a handler (validated at load, so errors
/// here only come from programmatic configs).
pub fn parse_address_list(
    contracts: &std::collections::BTreeMap<String, Vec<String>>,
) -> Result<std::collections::BTreeMap<String, Vec<Address>>, String> {
    contracts
        .iter()
        .map(|(name, list)| {
            let parsed = list
                .iter()
                .map(|a| parse_address(a))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((name.clone(), parsed))
        })
        .collect()
}

/// Parse a 0x-prefixed 20-byte hex address; case is not checked (MegaETH
/// does not enforce EIP-55).
pub(crate) fn parse_address(s: &str) -> Result<Address, String> {
    let hex = s
        .strip_prefix("0x")
        .ok_or_else(|| format!("{s:?} must start with 0x"))?;
    if hex.len() != 40 {
        return Err(format!("{s:?} must be 20 bytes (40 hex digits)"));
    }
    let bytes = hex::decode(hex).map_err(|e| format!("{s:?} is not hex: {e}"))?;
    Ok(Address::from_slice(&bytes))
}

fn check_url(key: &str, url: &str, schemes: &[&str]) -> ConfigResult<()> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| ConfigError::key(key, format!("{url:?} is not a URL: {e}")))?;
    if !schemes.contains(&parsed.scheme()) {
        return Err(ConfigError::key(
            key,
            format!(
                "{url:?} has scheme {:?}; allowed: {}",
                parsed.scheme(),
                schemes.join(", ")
            ),
        ));
    }
    Ok(())
}

fn in_range(key: &str, value: u64, min: u64, max: u64) -> ConfigResult<()> {
    if value < min || value > max {
        return Err(ConfigError::key(
            key,
            format!("{value} is out of range; allowed {min}..={max}"),
        ));
    }
    Ok(())
}

/// `api.cors_origins`: `["*"]` alone, or `scheme://host[:port]` origins
/// (no path, no trailing slash) that are valid header values.
fn validate_cors_origins(origins: &[String]) -> ConfigResult<()> {
    if origins.iter().any(|o| o == "*") {
        if origins.len() > 1 {
            return Err(ConfigError::key(
                "api.cors_origins",
                "\"*\" allows any origin and must be the only entry",
            ));
        }
        return Ok(());
    }
    for origin in origins {
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        let valid = rest.is_some_and(|host| {
            !host.is_empty()
                && !host.contains('/')
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        });
        if !valid {
            return Err(ConfigError::key(
                "api.cors_origins",
                format!("{origin:?} is not an origin (http(s)://host[:port], no path) or \"*\""),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::parse_str;

    fn err(text: &str) -> String {
        parse_str(text, Vec::new()).unwrap_err().to_string()
    }

    #[test]
    fn api_cors_and_body_limit_are_checked() {
        for bad in [
            "cors_origins = [\"*\", \"https://a.example\"]",
            "cors_origins = [\"a.example\"]",
            "cors_origins = [\"https://a.example/app\"]",
            "cors_origins = [\"https://\"]",
        ] {
            let e = err(&format!("[api]\n{bad}\n"));
            assert!(e.contains("api.cors_origins"), "{bad}: {e}");
        }
        let e = err("[api]\nmax_body_bytes = 0\n");
        assert!(e.contains("api.max_body_bytes"), "{e}");
        for good in [
            "cors_origins = [\"*\"]",
            "cors_origins = []",
            "cors_origins = [\"https://a.example\", \"http://127.0.0.1:5173\"]",
        ] {
            assert!(
                parse_str(&format!("[api]\n{good}\n"), Vec::new()).is_ok(),
                "{good}"
            );
        }
    }

    #[test]
    fn obsolete_megaeth_testnet_is_rejected() {
        let e = err("[chain]\nchain_id = 6342\n");
        assert!(e.contains("chain.chain_id") && e.contains("6343"), "{e}");
    }

    #[test]
    fn bad_rpc_scheme_names_the_index_and_allowed_values() {
        let e = err("[chain]\nrpc_http = [\"http://a:1\", \"ftp://b\"]\n");
        assert!(
            e.contains("chain.rpc_http[1]") && e.contains("http, https"),
            "{e}"
        );
    }

    #[test]
    fn reorg_window_range_is_checked() {
        let e = err("[chain]\nreorg_window = 0\n");
        assert!(
            e.contains("chain.reorg_window") && e.contains("1..=100000"),
            "{e}"
        );
    }

    #[test]
    fn bad_listen_address_is_rejected() {
        let e = err("[api]\nlisten = \"nowhere\"\n");
        assert!(e.contains("api.listen"), "{e}");
    }

    #[test]
    fn bad_log_format_lists_allowed_values() {
        let e = err("[log]\nformat = \"xml\"\n");
        assert!(
            e.contains("log.format") && e.contains("pretty") && e.contains("json"),
            "{e}"
        );
    }

    #[test]
    fn handler_address_is_checked() {
        let e = err(
            "[[handlers]]\nname = \"a\"\ncomponent = \"a.wasm\"\ncontracts = { Token = [\"0x12\"] }\n",
        );
        assert!(
            e.contains("handlers[0].contracts.Token[0]") && e.contains("20 bytes"),
            "{e}"
        );
    }

    #[test]
    fn sinks_parse_by_kind_and_unknown_keys_are_rejected() {
        let ok = "[[streams.sinks]]\nname = \"n\"\nkind = \"jetstream\"\nurl = \"nats://127.0.0.1:4222\"\nstream = \"W\"\nsubject_prefix = \"wraith\"\n";
        let c = parse_str(ok, Vec::new()).unwrap();
        assert!(matches!(
            c.streams.sinks[0].settings(0).unwrap(),
            crate::config::SinkKind::Jetstream {
                duplicate_window_secs: 600,
                ..
            }
        ));
        let e = err(&format!("{ok}topic = \"t\"\n"));
        assert!(
            e.contains("streams.sinks[0].topic") && e.contains("does not apply"),
            "{e}"
        );
        let e = err(
            "[[streams.sinks]]\nname = \"n\"\nkind = \"iggy\"\naddress = \"127.0.0.1:8090\"\nstream = \"s\"\n",
        );
        assert!(
            e.contains("streams.sinks[0].topic") && e.contains("required"),
            "{e}"
        );
        let e = err(&format!("{ok}bogus = 1\n"));
        assert!(e.contains("bogus"), "{e}");
        let e = err("[[streams.sinks]]\nname = \"n\"\nkind = \"kafka\"\n");
        assert!(
            e.contains("kafka")
                && e.contains("jetstream")
                && e.contains("webhook")
                && e.contains("iggy"),
            "{e}"
        );
        let e = err(
            "[[streams.sinks]]\nname = \"h\"\nkind = \"webhook\"\nurl = \"http://x\"\nsecret_env = \"WRAITH_TEST_SURELY_UNSET\"\n",
        );
        assert!(
            e.contains("streams.sinks[0].secret_env") && e.contains("WRAITH_TEST_SURELY_UNSET"),
            "{e}"
        );
        let e = err(
            "[[streams.sinks]]\nname = \"n\"\nkind = \"jetstream\"\nurl = \"http://x\"\nstream = \"W\"\nsubject_prefix = \"w\"\n",
        );
        assert!(
            e.contains("streams.sinks[0].url") && e.contains("nats"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_handler_names_are_rejected() {
        let h = "[[handlers]]\nname = \"a\"\ncomponent = \"a.wasm\"\ncontracts = {}\n";
        let e = err(&format!("{h}{h}"));
        assert!(e.contains("handlers[1].name"), "{e}");
    }

    #[test]
    fn handler_name_must_be_kebab_case() {
        let e =
            err("[[handlers]]\nname = \"Ghost_Core\"\ncomponent = \"a.wasm\"\ncontracts = {}\n");
        assert!(
            e.contains("handlers[0].name") && e.contains("kebab-case"),
            "{e}"
        );
    }
}
