//! [`Rpc`]: JSON-RPC over HTTP with per-request timeouts, retries with
//! exponential backoff, failover across the configured endpoints, and
//! batched requests. Responses are parsed into the few fields wraith uses,
//! so chain-specific transaction types never break decoding.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use alloy::primitives::{Address, B256, Bytes, U64};
use alloy::rpc::client::{ClientBuilder, RpcClient};
use alloy::rpc::json_rpc::{RpcRecv, RpcSend};
use alloy::transports::{RpcError, TransportErrorKind};
use serde::Deserialize;

use super::event::{BlockHeader, RawLog, TxInput};
use super::{ChainError, ChainResult};
use crate::config::ChainConfig;
use crate::status::Status;

/// Largest JSON-RPC batch sent at once.
const BATCH: usize = 100;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpcHeader {
    number: U64,
    hash: B256,
    parent_hash: B256,
    timestamp: U64,
}

impl From<RpcHeader> for BlockHeader {
    fn from(h: RpcHeader) -> Self {
        Self {
            number: h.number.to(),
            hash: h.hash,
            parent_hash: h.parent_hash,
            timestamp: h.timestamp.to(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpcLog {
    address: Address,
    topics: Vec<B256>,
    data: Bytes,
    block_number: Option<U64>,
    block_hash: Option<B256>,
    transaction_hash: Option<B256>,
    transaction_index: Option<U64>,
    log_index: Option<U64>,
    #[serde(default)]
    removed: bool,
}

impl RpcLog {
    fn into_raw(self) -> ChainResult<Option<RawLog>> {
        if self.removed {
            return Ok(None);
        }
        let missing = |field: &str| ChainError::Inconsistent(format!("log without {field}"));
        Ok(Some(RawLog {
            address: self.address,
            topics: self.topics,
            data: self.data,
            block_number: self
                .block_number
                .ok_or_else(|| missing("blockNumber"))?
                .to(),
            block_hash: self.block_hash.ok_or_else(|| missing("blockHash"))?,
            tx_hash: self
                .transaction_hash
                .ok_or_else(|| missing("transactionHash"))?,
            tx_index: self
                .transaction_index
                .ok_or_else(|| missing("transactionIndex"))?
                .to(),
            log_index: self.log_index.ok_or_else(|| missing("logIndex"))?.to(),
        }))
    }
}

#[derive(Debug, Deserialize)]
struct RpcTx {
    hash: B256,
    from: Address,
    input: Bytes,
}

/// An RPC failure as seen by one attempt.
enum Attempt {
    /// The node answered with a JSON-RPC error (not retried here).
    Node { code: i64, message: String },
    /// Transport failure or timeout (retried).
    Transport(String),
}

/// The HTTP JSON-RPC client.
#[derive(Debug)]
pub struct Rpc {
    endpoints: arc_swap::ArcSwap<Vec<(String, RpcClient)>>,
    active: AtomicUsize,
    timeout: Duration,
    retry_initial: Duration,
    retry_max: Duration,
    status: Arc<Status>,
}

fn clients(urls: &[String]) -> ChainResult<Vec<(String, RpcClient)>> {
    if urls.is_empty() {
        return Err(ChainError::Config("no HTTP RPC endpoint".to_owned()));
    }
    urls.iter()
        .map(|u| {
            let url = u
                .parse()
                .map_err(|e| ChainError::Config(format!("{u}: {e}")))?;
            Ok((u.clone(), ClientBuilder::default().http(url)))
        })
        .collect()
}

impl Rpc {
    /// Clients for the configured HTTP endpoints.
    pub fn new(config: &ChainConfig, status: Arc<Status>) -> ChainResult<Self> {
        let endpoints = clients(&config.rpc_http)?;
        Ok(Self {
            endpoints: arc_swap::ArcSwap::from_pointee(endpoints),
            active: AtomicUsize::new(0),
            timeout: Duration::from_millis(config.request_timeout_ms),
            retry_initial: Duration::from_millis(config.retry_initial_ms),
            retry_max: Duration::from_millis(config.retry_max_ms),
            status,
        })
    }

    /// Replace the HTTP endpoints (a live configuration reload); calls in
    /// flight finish on the old ones.
    pub fn set_endpoints(&self, urls: &[String]) -> ChainResult<()> {
        let endpoints = clients(urls)?;
        self.endpoints.store(Arc::new(endpoints));
        self.active.store(0, Ordering::Relaxed);
        Ok(())
    }

    fn client(&self) -> Result<(usize, String, RpcClient), Attempt> {
        let endpoints = self.endpoints.load();
        let i = self.active.load(Ordering::Relaxed) % endpoints.len().max(1);
        endpoints
            .get(i)
            .map(|(url, c)| (i, url.clone(), c.clone()))
            .ok_or_else(|| Attempt::Transport("no HTTP RPC endpoint is configured".to_owned()))
    }

    fn failover(&self, from: usize) {
        let n = self.endpoints.load().len();
        if n > 1 {
            let _ = self.active.compare_exchange(
                from,
                (from + 1) % n,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }

    fn record(&self, error: Option<String>) {
        self.status.update(|s| {
            s.rpc_ok = error.is_none();
            if error.is_some() {
                s.rpc_error = error;
            }
        });
    }

    async fn attempt<P: RpcSend + Clone, R: RpcRecv>(
        &self,
        method: &'static str,
        params: &P,
    ) -> Result<R, Attempt> {
        let started = std::time::Instant::now();
        let r = self.attempt_once(method, params).await;
        crate::metrics::rpc(method, started.elapsed().as_secs_f64(), r.is_ok());
        r
    }

    async fn attempt_once<P: RpcSend + Clone, R: RpcRecv>(
        &self,
        method: &'static str,
        params: &P,
    ) -> Result<R, Attempt> {
        let (i, url, client) = self.client()?;
        let call = client.request::<P, R>(method, params.clone());
        match tokio::time::timeout(self.timeout, call).await {
            Err(_) => {
                self.failover(i);
                Err(Attempt::Transport(format!(
                    "{method} to {url} timed out after {} ms",
                    self.timeout.as_millis()
                )))
            }
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(classify(method, &url, e, || self.failover(i))),
        }
    }

    /// Call `method`, retrying transport failures forever with backoff (the
    /// status shows the failure meanwhile). Node errors are returned.
    pub async fn call<P: RpcSend + Clone, R: RpcRecv>(
        &self,
        method: &'static str,
        params: P,
    ) -> ChainResult<R> {
        let mut delay = self.retry_initial;
        loop {
            match self.attempt(method, &params).await {
                Ok(r) => {
                    self.record(None);
                    return Ok(r);
                }
                Err(Attempt::Node { code, message }) => {
                    self.record(None);
                    return Err(ChainError::Node {
                        method,
                        code,
                        message,
                    });
                }
                Err(Attempt::Transport(message)) => {
                    tracing::warn!(%message, retry_in_ms = delay.as_millis() as u64, "rpc failure; retrying");
                    self.record(Some(message));
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(self.retry_max);
        }
    }

    /// Call once; transport failures are returned (for adaptive splitting).
    pub async fn call_once<P: RpcSend + Clone, R: RpcRecv>(
        &self,
        method: &'static str,
        params: P,
    ) -> ChainResult<R> {
        match self.attempt(method, &params).await {
            Ok(r) => {
                self.record(None);
                Ok(r)
            }
            Err(Attempt::Node { code, message }) => Err(ChainError::Node {
                method,
                code,
                message,
            }),
            Err(Attempt::Transport(message)) => {
                self.record(Some(message.clone()));
                Err(ChainError::Transport { method, message })
            }
        }
    }

    /// Call `method` once per element of `params` in JSON-RPC batches,
    /// retrying failed batches with backoff. Results are in input order.
    pub async fn batch<P: RpcSend + Clone, R: RpcRecv>(
        &self,
        method: &'static str,
        params: &[P],
    ) -> ChainResult<Vec<R>> {
        let mut out = Vec::with_capacity(params.len());
        for chunk in params.chunks(BATCH) {
            let mut delay = self.retry_initial;
            loop {
                let started = std::time::Instant::now();
                let result = self.batch_once(method, chunk).await;
                if chunk.len() > 1 {
                    crate::metrics::rpc(method, started.elapsed().as_secs_f64(), result.is_ok());
                }
                match result {
                    Ok(mut rs) => {
                        self.record(None);
                        out.append(&mut rs);
                        break;
                    }
                    Err(Attempt::Node { code, message }) => {
                        return Err(ChainError::Node {
                            method,
                            code,
                            message,
                        });
                    }
                    Err(Attempt::Transport(message)) => {
                        tracing::warn!(%message, retry_in_ms = delay.as_millis() as u64, "rpc batch failure; retrying");
                        self.record(Some(message));
                    }
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(self.retry_max);
            }
        }
        Ok(out)
    }

    async fn batch_once<P: RpcSend + Clone, R: RpcRecv>(
        &self,
        method: &'static str,
        params: &[P],
    ) -> Result<Vec<R>, Attempt> {
        if params.len() == 1 {
            return self.attempt(method, &params[0]).await.map(|r| vec![r]);
        }
        let (i, url, client) = self.client()?;
        let mut batch = client.new_batch();
        let mut waiters = Vec::with_capacity(params.len());
        for p in params {
            let w = batch.add_call::<P, R>(method, p).map_err(|e| {
                Attempt::Transport(format!("{method}: cannot serialize params: {e}"))
            })?;
            waiters.push(w);
        }
        let run = async {
            batch.send().await?;
            let mut out = Vec::with_capacity(waiters.len());
            for w in waiters {
                out.push(w.await?);
            }
            Ok::<_, RpcError<TransportErrorKind>>(out)
        };
        match tokio::time::timeout(self.timeout, run).await {
            Err(_) => {
                self.failover(i);
                Err(Attempt::Transport(format!(
                    "batch {method} to {url} timed out"
                )))
            }
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(classify(method, &url, e, || self.failover(i))),
        }
    }

    /// `eth_chainId`.
    pub async fn chain_id(&self) -> ChainResult<u64> {
        let id: U64 = self.call("eth_chainId", ()).await?;
        Ok(id.to())
    }

    /// `eth_blockNumber`.
    pub async fn block_number(&self) -> ChainResult<u64> {
        let n: U64 = self.call("eth_blockNumber", ()).await?;
        Ok(n.to())
    }

    /// Headers of `numbers` (None where the node has no such block).
    pub async fn headers(&self, numbers: &[u64]) -> ChainResult<Vec<Option<BlockHeader>>> {
        let params: Vec<(U64, bool)> = numbers.iter().map(|n| (U64::from(*n), false)).collect();
        let rs: Vec<Option<RpcHeader>> = self.batch("eth_getBlockByNumber", &params).await?;
        Ok(rs.into_iter().map(|h| h.map(BlockHeader::from)).collect())
    }

    /// The header at `number`.
    pub async fn header(&self, number: u64) -> ChainResult<Option<BlockHeader>> {
        let h: Option<RpcHeader> = self
            .call("eth_getBlockByNumber", (U64::from(number), false))
            .await?;
        Ok(h.map(BlockHeader::from))
    }

    /// Logs of `addresses` in block `hash` (by hash, so a reorg between
    /// fetching the header and the logs cannot mix two chains).
    pub async fn logs_by_hash(
        &self,
        hashes: &[B256],
        addresses: &[Address],
    ) -> ChainResult<Vec<Vec<RawLog>>> {
        if addresses.is_empty() {
            return Ok(vec![Vec::new(); hashes.len()]);
        }
        let params: Vec<(serde_json::Value,)> = hashes
            .iter()
            .map(|h| (serde_json::json!({ "blockHash": h, "address": addresses }),))
            .collect();
        let rs: Vec<Vec<RpcLog>> = self.batch("eth_getLogs", &params).await?;
        rs.into_iter().map(collect_logs).collect()
    }

    /// Logs of `addresses` in `from..=to`, one attempt (the caller splits
    /// the range on failure).
    pub async fn logs_range(
        &self,
        from: u64,
        to: u64,
        addresses: &[Address],
    ) -> ChainResult<Vec<RawLog>> {
        if addresses.is_empty() {
            return Ok(Vec::new());
        }
        let filter = serde_json::json!({ "fromBlock": U64::from(from), "toBlock": U64::from(to), "address": addresses });
        let rs: Vec<RpcLog> = self.call_once("eth_getLogs", (filter,)).await?;
        collect_logs(rs)
    }

    /// Sender and input of transactions.
    pub async fn txs(&self, hashes: &[B256]) -> ChainResult<Vec<TxInput>> {
        let params: Vec<(B256,)> = hashes.iter().map(|h| (*h,)).collect();
        let rs: Vec<Option<RpcTx>> = self.batch("eth_getTransactionByHash", &params).await?;
        rs.into_iter()
            .zip(hashes)
            .map(|(t, h)| {
                let t = t.ok_or_else(|| {
                    ChainError::Inconsistent(format!("transaction {h} not found"))
                })?;
                Ok(TxInput {
                    hash: t.hash,
                    sender: t.from,
                    input: t.input,
                })
            })
            .collect()
    }
}

fn collect_logs(logs: Vec<RpcLog>) -> ChainResult<Vec<RawLog>> {
    let mut out = Vec::with_capacity(logs.len());
    for l in logs {
        if let Some(raw) = l.into_raw()? {
            out.push(raw);
        }
    }
    out.sort_by_key(|l| (l.block_number, l.log_index));
    Ok(out)
}

fn classify(
    method: &str,
    url: &str,
    e: RpcError<TransportErrorKind>,
    failover: impl FnOnce(),
) -> Attempt {
    match e {
        RpcError::ErrorResp(payload) => {
            let code = payload.code;
            // Rate limits and overloads are worth retrying elsewhere.
            if code == 429 || code == -32005 && payload.message.to_lowercase().contains("rate") {
                failover();
                return Attempt::Transport(format!(
                    "{method} to {url}: rate limited: {}",
                    payload.message
                ));
            }
            Attempt::Node {
                code,
                message: payload.message.to_string(),
            }
        }
        other => {
            failover();
            Attempt::Transport(format!("{method} to {url}: {other}"))
        }
    }
}
