//! Test harness for wraith: real anvil, real PostgreSQL (a fresh database
//! per test), the real `wraith` binary and the real handler components.
//!
//! Every wait is [`wait_until`] on an observable condition, never a bare
//! sleep. Processes the harness starts are killed when their handle drops.

pub mod arcade;
pub mod chain;
pub mod db;
pub mod ghostnet;
pub mod ghostnet_suite;
pub mod host;
pub mod oracle;
pub mod paths;
pub mod proxy;
pub mod scenario;

use std::future::Future;
use std::time::{Duration, Instant};

pub use chain::Anvil;
pub use db::TestDb;
pub use host::{Host, HostOptions};

/// Poll `check` until it returns `Some`, or fail after `timeout` naming
/// `what` and the last observation.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let start = Instant::now();
    let mut last_error = None;
    loop {
        match check().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last_error = Some(e),
        }
        if start.elapsed() > timeout {
            anyhow::bail!(
                "timed out after {:?} waiting for {what}{}",
                timeout,
                last_error
                    .map(|e| format!(" (last error: {e:#})"))
                    .unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Install the TLS crypto provider (ring) the HTTP clients need; idempotent.
pub fn init() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// A component's `bytes` with a custom section appended: the same
/// behaviour under a new content hash, i.e. a new version as far as the
/// host can tell (for hot-swap tests and benchmarks).
pub fn relabel(bytes: &[u8], label: &str) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    let mut content = Vec::new();
    leb("wraith-test".len(), &mut content);
    content.extend_from_slice(b"wraith-test");
    content.extend_from_slice(label.as_bytes());
    let mut out = bytes.to_vec();
    out.push(0);
    leb(content.len(), &mut out);
    out.extend_from_slice(&content);
    out
}
