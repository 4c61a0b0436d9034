//! [`WebhookSink`]: each message POSTed as JSON, in order, signed with
//! HMAC-SHA256 over the exact body (`X-Wraith-Signature: sha256=<hex>`),
//! identified by `X-Wraith-Id` (the outbox id) so receivers can drop
//! repeats. A failed delivery is retried with exponential backoff and
//! jitter; after `max_attempts` it goes to `wraith_dead_letters` and the
//! stream moves on. A per-endpoint circuit breaker stops calling an
//! endpoint after `breaker_failures` consecutive failures for
//! `breaker_cooldown_ms`, then lets one trial request through.
//!
//! Attempt counts live in memory: after a restart a message in retry is
//! tried again from its first attempt (it is never lost).

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;

use super::{OutboxRow, StreamError, StreamResult};

/// Settings of a webhook sink.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Endpoint.
    pub url: String,
    /// Signing secret.
    pub secret: String,
    /// Attempts before dead-lettering.
    pub max_attempts: u32,
    /// Request timeout.
    pub timeout: Duration,
    /// Consecutive failures that open the breaker.
    pub breaker_failures: u32,
    /// How long the breaker stays open.
    pub breaker_cooldown: Duration,
    /// First retry delay.
    pub retry_initial: Duration,
    /// Largest retry delay.
    pub retry_max: Duration,
}

/// A webhook destination.
#[derive(Debug)]
pub struct WebhookSink {
    name: String,
    settings: WebhookSettings,
    http: reqwest::Client,
    pool: PgPool,
    consecutive_failures: u32,
    open_until: Option<Instant>,
    jitter: u64,
}

/// `sha256=<hex>` of `body` under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn http_header(name: &str) -> String {
    name.split('-')
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

impl WebhookSink {
    /// A sink posting to `settings.url`, dead-lettering into `pool`.
    pub fn new(name: &str, settings: WebhookSettings, pool: PgPool) -> StreamResult<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()
            .map_err(|e| StreamError::Publish {
                sink: name.to_owned(),
                message: format!("building the HTTP client: {e}"),
            })?;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1;
        Ok(Self {
            name: name.to_owned(),
            settings,
            http,
            pool,
            consecutive_failures: 0,
            open_until: None,
            jitter: seed,
        })
    }

    /// Whether the breaker is open now.
    pub fn is_open(&self) -> bool {
        self.open_until.is_some_and(|t| Instant::now() < t)
    }

    fn next_jitter(&mut self) -> f64 {
        // xorshift64: spreads retries of many hosts; not security relevant.
        let mut x = self.jitter;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter = x;
        (x % 1000) as f64 / 1000.0
    }

    fn backoff(&mut self, attempt: u32) -> Duration {
        let base = self
            .settings
            .retry_initial
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let capped = base.min(self.settings.retry_max);
        // ±50 % jitter.
        capped.mul_f64(0.5 + self.next_jitter())
    }

    async fn post(&self, row: &OutboxRow, body: &[u8], chain_id: u64) -> Result<(), String> {
        let mut req = self
            .http
            .post(&self.settings.url)
            .header("content-type", "application/json")
            .header(
                "X-Wraith-Signature",
                signature(self.settings.secret.as_bytes(), body),
            );
        for (k, v) in row.headers(chain_id) {
            req = req.header(format!("X-{}", http_header(k)), v);
        }
        match req.body(body.to_vec()).send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("HTTP {}", r.status())),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Deliver `rows` in order (each delivered or dead-lettered).
    pub async fn publish(&mut self, rows: &[OutboxRow], chain_id: u64) -> StreamResult<()> {
        for row in rows {
            let envelope = row.envelope(chain_id);
            let body = serde_json::to_vec(&envelope).map_err(|e| StreamError::Publish {
                sink: self.name.clone(),
                message: e.to_string(),
            })?;
            let mut attempts = 0u32;
            loop {
                if let Some(until) = self.open_until {
                    let now = Instant::now();
                    if now < until {
                        tokio::time::sleep(until - now).await;
                    }
                }
                attempts += 1;
                match self.post(row, &body, chain_id).await {
                    Ok(()) => {
                        self.consecutive_failures = 0;
                        self.open_until = None;
                        break;
                    }
                    Err(error) => {
                        self.consecutive_failures += 1;
                        tracing::warn!(sink = %self.name, id = row.id, attempt = attempts, %error, "webhook delivery failed");
                        if self.consecutive_failures >= self.settings.breaker_failures {
                            self.open_until = Some(Instant::now() + self.settings.breaker_cooldown);
                            tracing::warn!(sink = %self.name, cooldown_ms = self.settings.breaker_cooldown.as_millis() as u64, "circuit breaker open");
                        }
                        if attempts >= self.settings.max_attempts {
                            sqlx::query(
                                "INSERT INTO wraith_dead_letters (sink, outbox_id, url, attempts, last_error, envelope)
                                 VALUES ($1, $2, $3, $4, $5, $6)",
                            )
                            .bind(&self.name)
                            .bind(row.id)
                            .bind(&self.settings.url)
                            .bind(i32::try_from(attempts).unwrap_or(i32::MAX))
                            .bind(&error)
                            .bind(&envelope)
                            .execute(&self.pool)
                            .await?;
                            tracing::error!(sink = %self.name, id = row.id, attempts, %error, "webhook message dead-lettered");
                            break;
                        }
                        let wait = self.backoff(attempts);
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn header_names_are_capitalised() {
        assert_eq!(http_header("wraith-block-number"), "Wraith-Block-Number");
    }
}
