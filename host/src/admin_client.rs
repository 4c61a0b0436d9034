//! `wraith handlers list|swap|reindex`: a client of the running host's
//! admin API (`GET /admin/handlers`, `POST /admin/handlers/{name}`).
//!
//! The base URL defaults to `http://<api.listen>` of the configuration
//! (`0.0.0.0`/`[::]` become loopback); the bearer token is read from the
//! environment variable named by `admin.token_env`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::config::Config;
use crate::pipeline::SwapMode;

/// Why an admin call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The token variable is not set.
    #[error(
        "the admin token is not set: export {0} (admin.token_env) with the token the host was started with"
    )]
    NoToken(String),
    /// The host could not be reached.
    #[error("cannot reach the host at {url}: {reason} (is `wraith run` running? use --url)")]
    Connect {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The host answered with an error.
    #[error("{status}: {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The stable error code.
        code: String,
        /// The message.
        message: String,
    },
    /// The component file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// A client of one host's admin API.
#[derive(Debug, Clone)]
pub struct AdminClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl AdminClient {
    /// A client for the host of `config`, or of `url` when given.
    pub fn from_config(config: &Config, url: Option<&str>) -> Result<Self, ClientError> {
        let var = &config.admin.token_env;
        let token = std::env::var(var)
            .ok()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ClientError::NoToken(var.clone()))?;
        let base = url.map_or_else(
            || format!("http://{}", loopback(&config.api.listen)),
            |u| u.trim_end_matches('/').to_owned(),
        );
        let http = reqwest::Client::builder()
            // A reindex replays history before it answers.
            .timeout(Duration::from_secs(3600))
            .build()
            .map_err(|e| ClientError::Connect {
                url: base.clone(),
                reason: e.to_string(),
            })?;
        Ok(Self { base, token, http })
    }

    /// `GET /admin/handlers`.
    pub async fn list(&self) -> Result<Value, ClientError> {
        let req = self.http.get(format!("{}/admin/handlers", self.base));
        self.send(req).await
    }

    /// `POST /admin/handlers/{name}?mode=…` with the component at
    /// `component`, or no body (the host re-reads the configured file).
    pub async fn swap(
        &self,
        name: &str,
        component: Option<&Path>,
        mode: SwapMode,
    ) -> Result<Value, ClientError> {
        let body = match component {
            Some(path) => std::fs::read(path).map_err(|source| ClientError::Read {
                path: path.to_owned(),
                source,
            })?,
            None => Vec::new(),
        };
        let req = self
            .http
            .post(format!(
                "{}/admin/handlers/{name}?mode={}",
                self.base,
                mode.as_str()
            ))
            .header("content-type", "application/wasm")
            .body(body);
        self.send(req).await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, ClientError> {
        let resp = req
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| ClientError::Connect {
                url: self.base.clone(),
                reason: e.to_string(),
            })?;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let field = |k: &str| {
            body["error"][k]
                .as_str()
                .or_else(|| body[k].as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let (code, message) = if status == 404 && field("code").is_empty() {
            (
                "NOT_FOUND".to_owned(),
                "the admin API is disabled on this host (start it with admin.token_env set)"
                    .to_owned(),
            )
        } else {
            (field("code"), field("message"))
        };
        Err(ClientError::Api {
            status,
            code,
            message,
        })
    }
}

/// `0.0.0.0:8080` → `127.0.0.1:8080`, `[::]:8080` → `[::1]:8080`.
fn loopback(listen: &str) -> String {
    if let Some(port) = listen.strip_prefix("0.0.0.0:") {
        format!("127.0.0.1:{port}")
    } else if let Some(port) = listen.strip_prefix("[::]:") {
        format!("[::1]:{port}")
    } else {
        listen.to_owned()
    }
}

/// The handler list as a table.
pub fn format_list(list: &Value) -> String {
    let mut out = format!(
        "{:<22} {:<9} {:<14} {:>10}  {}\n",
        "NAME", "STATE", "VERSION", "CHECKPOINT", "COMPONENT"
    );
    for h in list["handlers"].as_array().into_iter().flatten() {
        let state = if h["enabled"].as_bool() == Some(false) {
            "disabled"
        } else {
            h["state"].as_str().unwrap_or("-")
        };
        let hash = h["version_hash"].as_str().unwrap_or("-");
        let checkpoint = h["checkpoint"]
            .as_u64()
            .map_or_else(|| "-".to_owned(), |c| c.to_string());
        let _ = writeln!(
            out,
            "{:<22} {:<9} {:<14} {:>10}  {}",
            h["name"].as_str().unwrap_or("?"),
            state,
            hash.get(..12).unwrap_or(hash),
            checkpoint,
            h["component"].as_str().unwrap_or("")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses() {
        assert_eq!(loopback("0.0.0.0:8080"), "127.0.0.1:8080");
        assert_eq!(loopback("[::]:9"), "[::1]:9");
        assert_eq!(loopback("10.0.0.1:80"), "10.0.0.1:80");
    }

    #[test]
    fn list_table() {
        let v = serde_json::json!({"handlers": [
            {"name": "ghost-core", "enabled": true, "state": "running",
             "version_hash": "0123456789abcdef", "checkpoint": 42, "component": "a.wasm"},
            {"name": "off", "enabled": false, "state": null, "version_hash": null,
             "checkpoint": null, "component": "b.wasm"}
        ]});
        let t = format_list(&v);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("ghost-core"));
        assert!(lines[1].contains("running") && lines[1].contains("0123456789ab "));
        assert!(lines[1].contains(" 42  a.wasm"));
        assert!(lines[2].contains("disabled") && lines[2].contains(" -  b.wasm"));
    }
}
