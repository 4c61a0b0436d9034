//! Rate limits of `/api/v1/*`: a token bucket per client IP, or per API key
//! when the request carries a valid one (`Authorization: Bearer <key>` or
//! `X-Api-Key`). Over the limit: 429 `RATE_LIMITED` with `Retry-After`.
//! The limits are read on every request from [`RateLimiter::set_limits`],
//! so a configuration reload changes them live.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::{ApiError, ApiState};

/// Buckets kept before idle (full) ones are evicted.
const MAX_BUCKETS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Per-client token buckets.
#[derive(Debug)]
pub struct RateLimiter {
    per_ip: AtomicU32,
    per_key: AtomicU32,
    keys: HashSet<String>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Limits in requests per minute (0: unlimited) and the accepted keys.
    pub fn new(per_ip: u32, per_key: u32, keys: HashSet<String>) -> Self {
        Self {
            per_ip: AtomicU32::new(per_ip),
            per_key: AtomicU32::new(per_key),
            keys,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The accepted keys from the comma-separated variable `var`.
    pub fn keys_from_env(var: &str) -> HashSet<String> {
        std::env::var(var)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Change the limits (a live reload).
    pub fn set_limits(&self, per_ip: u32, per_key: u32) {
        self.per_ip.store(per_ip, Ordering::Relaxed);
        self.per_key.store(per_key, Ordering::Relaxed);
    }

    /// Take one token for `client` at `per_minute`; Err(seconds to wait).
    fn take(&self, client: String, per_minute: u32) -> Result<(), u64> {
        if per_minute == 0 {
            return Ok(());
        }
        let cap = f64::from(per_minute);
        let rate = cap / 60.0;
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < cap);
        }
        let b = buckets.entry(client).or_insert(Bucket {
            tokens: cap,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(cap);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

fn presented_key(request: &Request) -> Option<String> {
    let h = request.headers();
    h.get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            h.get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned)
        })
}

/// The middleware.
pub(crate) async fn limit(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(limiter) = state.limiter.as_ref() else {
        return Ok(next.run(request).await);
    };
    let (client, per_minute, what) = match presented_key(&request) {
        Some(key) if limiter.keys.contains(&key) => (
            format!("key:{key}"),
            limiter.per_key.load(Ordering::Relaxed),
            "api.rate_limit_per_key",
        ),
        Some(_) => {
            return Err(ApiError::Unauthorized(
                "unknown API key (send none to be limited by IP)".to_owned(),
            ));
        }
        None => {
            let ip = request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
            (
                format!("ip:{ip}"),
                limiter.per_ip.load(Ordering::Relaxed),
                "api.rate_limit_per_ip",
            )
        }
    };
    match limiter.take(client, per_minute) {
        Ok(()) => Ok(next.run(request).await),
        Err(retry_after_secs) => Err(ApiError::RateLimited {
            message: format!("more than {per_minute} requests per minute ({what})"),
            retry_after_secs,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_capacity_then_refuses_with_a_wait() {
        let l = RateLimiter::new(3, 0, HashSet::new());
        for _ in 0..3 {
            assert_eq!(l.take("a".into(), 3), Ok(()));
        }
        let wait = l.take("a".into(), 3);
        assert!(matches!(wait, Err(s) if (1..=20).contains(&s)), "{wait:?}");
        // Another client has its own bucket; 0 is unlimited.
        assert_eq!(l.take("b".into(), 3), Ok(()));
        assert_eq!(l.take("a".into(), 0), Ok(()));
    }
}
