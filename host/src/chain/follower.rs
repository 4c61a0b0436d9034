//! [`ChainFollower`]: turns the node's view of the chain into
//! [`ChainEvent`]s.
//!
//! * **Backfill** (blocks at or below `head − reorg_window`, final by our
//!   policy): ranged `eth_getLogs` over the watched addresses, several
//!   ranges in flight, applied in order; a range that fails or is too large
//!   is halved, and the range size grows back after successes.
//! * **Head** (the last `reorg_window` blocks): headers in order, each
//!   checked against the parent hash of the window's tip; logs fetched by
//!   block hash. A parent mismatch is a reorg: the fork point is the newest
//!   window block the node still has; the abandoned blocks and the new ones
//!   go out in one `Reorged` event. A chain that got shorter (the tip
//!   vanished) is a `Reverted`. A fork below the window stops the follower.
//! * On start the stored window is re-verified against the node, so a
//!   reorg that happened while the host was down is handled too.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use alloy::primitives::B256;
use arc_swap::ArcSwap;
use futures::StreamExt;
use tokio::sync::{mpsc, watch};

use super::event::{BlockData, BlockHeader, ChainEvent, RawLog};
use super::rpc::Rpc;
use super::window::{BlockWindow, ForkPoint, Link, capacity_for};
use super::{ChainError, ChainResult};
use crate::config::ChainConfig;
use crate::pipeline::Router;
use crate::status::Status;

/// Settings of the follower.
#[derive(Debug, Clone)]
pub struct FollowerSettings {
    /// The chain section of the configuration.
    pub chain: ChainConfig,
    /// Most blocks per event near the head.
    pub max_batch_blocks: u64,
    /// Most logs per event.
    pub max_batch_logs: usize,
}

/// Follows the chain and sends [`ChainEvent`]s.
#[derive(Debug)]
pub struct ChainFollower {
    rpc: Arc<Rpc>,
    settings: FollowerSettings,
    router: Arc<ArcSwap<Router>>,
    window: BlockWindow,
    cursor: Option<u64>,
    range: AtomicU64,
    status: Arc<Status>,
    heads: watch::Receiver<u64>,
    out: mpsc::Sender<ChainEvent>,
}

enum Step {
    /// Something was sent.
    Progress,
    /// Nothing to do until the head moves.
    Idle,
    /// The receiver is gone: shut down.
    Closed,
}

impl ChainFollower {
    /// A follower continuing after block `cursor` (None: from genesis) with
    /// the stored `window`.
    #[allow(clippy::too_many_arguments, reason = "wired once in App")]
    pub fn new(
        rpc: Arc<Rpc>,
        settings: FollowerSettings,
        router: Arc<ArcSwap<Router>>,
        window: BlockWindow,
        cursor: Option<u64>,
        status: Arc<Status>,
        heads: watch::Receiver<u64>,
        out: mpsc::Sender<ChainEvent>,
    ) -> Self {
        let range = AtomicU64::new(settings.chain.backfill_range);
        Self {
            rpc,
            settings,
            router,
            window,
            cursor,
            range,
            status,
            heads,
            out,
        }
    }

    /// Check the chain id, re-verify the stored window, then follow until
    /// the pipeline goes away. Returns an error for conditions that need an
    /// operator (wrong chain, deep reorg).
    pub async fn run(mut self) -> ChainResult<()> {
        let actual = self.rpc.chain_id().await?;
        if actual != self.settings.chain.chain_id {
            return Err(ChainError::WrongChain {
                expected: self.settings.chain.chain_id,
                actual,
                endpoint: self.settings.chain.rpc_http.join(", "),
            });
        }
        tracing::info!(chain_id = actual, resume_after = ?self.cursor, window = self.window.len(), "following the chain");
        // A reorg while we were down: compare the stored window with the node.
        let mut delay = Duration::from_millis(self.settings.chain.retry_initial_ms);
        loop {
            match self.verify_tip().await {
                Ok(Step::Closed) => return Ok(()),
                Ok(_) => break,
                Err(e @ ChainError::DeepReorg { .. }) => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "checking the stored window failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay =
                        (delay * 2).min(Duration::from_millis(self.settings.chain.retry_max_ms));
                }
            }
        }
        // Handlers behind the window tip re-fetch those blocks.
        if let (Some(c), Some(tip)) = (self.cursor, self.window.tip().map(|t| t.number))
            && tip > c
        {
            self.window.rewind(c);
        }
        let mut delay = Duration::from_millis(self.settings.chain.retry_initial_ms);
        loop {
            let step = match self.step_or_verify().await {
                Ok(step) => {
                    delay = Duration::from_millis(self.settings.chain.retry_initial_ms);
                    step
                }
                // Only these need an operator; everything else is retried.
                Err(e @ (ChainError::DeepReorg { .. } | ChainError::WrongChain { .. })) => {
                    return Err(e);
                }
                Err(e) => {
                    // The chain moved under us (a block vanished between
                    // its header and its logs), or the node failed: try
                    // again; the next step re-checks the parent hashes.
                    tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "follower step failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay =
                        (delay * 2).min(Duration::from_millis(self.settings.chain.retry_max_ms));
                    continue;
                }
            };
            match step {
                Step::Closed => return Ok(()),
                Step::Progress => {}
                Step::Idle => {
                    let wait = Duration::from_millis(self.settings.chain.poll_interval_ms);
                    let _ = tokio::time::timeout(wait, self.heads.changed()).await;
                }
            }
        }
    }

    /// One step; when idle, also check that the tip is still canonical.
    async fn step_or_verify(&mut self) -> ChainResult<Step> {
        match self.step().await? {
            Step::Idle => match self.verify_tip().await? {
                Step::Closed => Ok(Step::Closed),
                _ => Ok(Step::Idle),
            },
            other => Ok(other),
        }
    }

    fn head(&self) -> u64 {
        *self.heads.borrow()
    }

    fn next(&self) -> u64 {
        self.cursor.map_or(0, |c| c + 1)
    }

    async fn step(&mut self) -> ChainResult<Step> {
        let head = self.head();
        self.status.update(|s| s.head = Some(head));
        let next = self.next();
        if next > head {
            return Ok(Step::Idle);
        }
        let final_target = head.saturating_sub(self.settings.chain.reorg_window);
        if next <= final_target && next + self.settings.max_batch_blocks <= final_target {
            self.backfill(next, final_target, head).await
        } else {
            self.follow_head(next, head).await
        }
    }

    async fn send(&self, event: ChainEvent) -> Step {
        match self.out.send(event).await {
            Ok(()) => Step::Progress,
            Err(_) => Step::Closed,
        }
    }

    // ---- backfill -------------------------------------------------------

    async fn backfill(&mut self, from: u64, final_target: u64, head: u64) -> ChainResult<Step> {
        let c = &self.settings.chain;
        let span = c
            .backfill_range
            .saturating_mul(c.backfill_concurrency as u64)
            .saturating_mul(4)
            .max(1);
        let to = final_target.min(from.saturating_add(span - 1));
        let addresses = self.router.load().addresses().to_vec();
        let range = self.range.load(Ordering::Relaxed).max(1);
        let mut chunks = Vec::new();
        let mut a = from;
        while a <= to {
            let b = to.min(a.saturating_add(range - 1));
            chunks.push((a, b));
            a = b + 1;
        }
        let this = &*self;
        let mut results = futures::stream::iter(chunks)
            .map(|(a, b)| {
                let addresses = addresses.clone();
                async move {
                    this.logs_adaptive(a, b, &addresses)
                        .await
                        .map(|logs| (b, logs))
                }
            })
            .buffered(c.backfill_concurrency);
        let mut pending: Vec<(u64, Vec<RawLog>)> = Vec::new();
        while let Some(r) = results.next().await {
            pending.push(r?);
        }
        drop(results);
        for (end, logs) in pending {
            let blocks = self.assemble(logs).await?;
            let Some(end_header) = self.rpc.header(end).await? else {
                return Err(ChainError::Inconsistent(format!(
                    "block {end} below the head {head} is missing"
                )));
            };
            for group in split_by_logs(blocks, self.settings.max_batch_logs, end_header) {
                let tip = group.last().map(|b| b.header.number);
                if let Step::Closed = self
                    .send(ChainEvent::Committed {
                        blocks: group,
                        head,
                    })
                    .await
                {
                    return Ok(Step::Closed);
                }
                self.cursor = tip.or(self.cursor);
            }
            self.window = BlockWindow::from_headers(
                capacity_for(self.settings.chain.reorg_window),
                [end_header],
            );
            self.cursor = Some(end);
        }
        Ok(Step::Progress)
    }

    /// `eth_getLogs` over `from..=to`, halving the range on failure.
    async fn logs_adaptive(
        &self,
        from: u64,
        to: u64,
        addresses: &[alloy::primitives::Address],
    ) -> ChainResult<Vec<RawLog>> {
        let mut out = Vec::new();
        let mut todo = vec![(from, to)];
        let mut delay = Duration::from_millis(self.settings.chain.retry_initial_ms);
        while let Some((a, b)) = todo.pop() {
            match self.rpc.logs_range(a, b, addresses).await {
                Ok(mut logs) => {
                    out.append(&mut logs);
                    let grown = (self.range.load(Ordering::Relaxed) * 2)
                        .min(self.settings.chain.backfill_range);
                    self.range.store(grown.max(1), Ordering::Relaxed);
                }
                Err(e) if e.is_too_large() && a < b => {
                    let mid = a + (b - a) / 2;
                    tracing::debug!(from = a, to = b, error = %e, "splitting log range");
                    self.range
                        .store((b - a + 1).div_ceil(2).max(1), Ordering::Relaxed);
                    todo.push((mid + 1, b));
                    todo.push((a, mid));
                }
                Err(e @ ChainError::Transport { .. }) => {
                    tracing::warn!(from = a, to = b, error = %e, "log range failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay =
                        (delay * 2).min(Duration::from_millis(self.settings.chain.retry_max_ms));
                    todo.push((a, b));
                }
                Err(e) => return Err(e),
            }
        }
        out.sort_by_key(|l| (l.block_number, l.log_index));
        Ok(out)
    }

    /// Group logs into blocks with their headers (for timestamps) and the
    /// transaction inputs handlers asked for.
    async fn assemble(&self, logs: Vec<RawLog>) -> ChainResult<Vec<BlockData>> {
        let mut by_block: BTreeMap<u64, Vec<RawLog>> = BTreeMap::new();
        for l in logs {
            by_block.entry(l.block_number).or_default().push(l);
        }
        let numbers: Vec<u64> = by_block.keys().copied().collect();
        let headers = self.rpc.headers(&numbers).await?;
        let mut blocks = Vec::with_capacity(numbers.len());
        for ((number, logs), header) in by_block.into_iter().zip(headers) {
            let header = header.ok_or_else(|| {
                ChainError::Inconsistent(format!("block {number} has logs but no header"))
            })?;
            if let Some(l) = logs.iter().find(|l| l.block_hash != header.hash) {
                return Err(ChainError::Inconsistent(format!(
                    "log {} of block {number} has block hash {}, the header says {}",
                    l.log_index, l.block_hash, header.hash
                )));
            }
            blocks.push(BlockData {
                header,
                logs,
                txs: Vec::new(),
            });
        }
        self.attach_txs(&mut blocks).await?;
        Ok(blocks)
    }

    async fn attach_txs(&self, blocks: &mut [BlockData]) -> ChainResult<()> {
        let router = self.router.load();
        let mut wanted: Vec<B256> = Vec::new();
        let mut seen = HashSet::new();
        for b in blocks.iter() {
            for l in &b.logs {
                if router.needs_tx_input(l.address, l.topics.first()) && seen.insert(l.tx_hash) {
                    wanted.push(l.tx_hash);
                }
            }
        }
        if wanted.is_empty() {
            return Ok(());
        }
        let txs = self.rpc.txs(&wanted).await?;
        for b in blocks.iter_mut() {
            let hashes: HashSet<B256> = b.logs.iter().map(|l| l.tx_hash).collect();
            b.txs = txs
                .iter()
                .filter(|t| hashes.contains(&t.hash))
                .cloned()
                .collect();
        }
        Ok(())
    }

    // ---- head -----------------------------------------------------------

    /// Fetch consecutive headers `from..=to` that link to each other; stops
    /// at the first missing block or broken link.
    async fn linked_headers(&self, from: u64, to: u64) -> ChainResult<Vec<BlockHeader>> {
        let numbers: Vec<u64> = (from..=to).collect();
        let mut out: Vec<BlockHeader> = Vec::with_capacity(numbers.len());
        for h in self.rpc.headers(&numbers).await? {
            let Some(h) = h else { break };
            if out.last().is_some_and(|p| h.parent_hash != p.hash) {
                break;
            }
            out.push(h);
        }
        Ok(out)
    }

    async fn blocks_for(&self, headers: &[BlockHeader]) -> ChainResult<Vec<BlockData>> {
        let addresses = self.router.load().addresses().to_vec();
        let hashes: Vec<B256> = headers.iter().map(|h| h.hash).collect();
        let logs = self.rpc.logs_by_hash(&hashes, &addresses).await?;
        let mut blocks: Vec<BlockData> = headers
            .iter()
            .zip(logs)
            .map(|(h, logs)| BlockData {
                header: *h,
                logs,
                txs: Vec::new(),
            })
            .collect();
        self.attach_txs(&mut blocks).await?;
        Ok(blocks)
    }

    async fn follow_head(&mut self, next: u64, head: u64) -> ChainResult<Step> {
        let to = head.min(next + self.settings.max_batch_blocks - 1);
        let headers = self.linked_headers(next, to).await?;
        let Some(first) = headers.first() else {
            return Ok(Step::Idle);
        };
        match self.window.link(first) {
            Link::Extends => {}
            Link::Conflicts => return self.reorg(head).await,
            Link::NotNext { expected } if expected > first.number => {
                return Err(ChainError::Inconsistent(format!(
                    "asked for block {} but the window already ends at {}",
                    first.number,
                    expected - 1
                )));
            }
            Link::NotNext { .. } => {
                // The window ends below `next` (it was reset by backfill or
                // is stale): seed it with the block before `next`.
                let parent = match next.checked_sub(1) {
                    Some(p) => self.rpc.header(p).await?,
                    None => None,
                };
                self.window = BlockWindow::from_headers(
                    capacity_for(self.settings.chain.reorg_window),
                    parent,
                );
                if self.window.link(first) != Link::Extends {
                    return Ok(Step::Progress);
                }
            }
        }
        let blocks = self.blocks_for(&headers).await?;
        let last = headers[headers.len() - 1].number;
        if let Step::Closed = self.send(ChainEvent::Committed { blocks, head }).await {
            return Ok(Step::Closed);
        }
        for h in headers {
            self.window.push(h);
        }
        self.cursor = Some(last);
        Ok(Step::Progress)
    }

    /// Check that the window's tip is still canonical; handle a reorg or a
    /// shorter chain if not.
    async fn verify_tip(&mut self) -> ChainResult<Step> {
        let Some(tip) = self.window.tip().copied() else {
            return Ok(Step::Progress);
        };
        let node = self.rpc.header(tip.number).await?;
        if node.is_some_and(|n| n.hash == tip.hash) {
            return Ok(Step::Progress);
        }
        let head = self.rpc.block_number().await?;
        self.status.update(|s| s.head = Some(head));
        self.reorg(head).await
    }

    /// Find the fork point and emit `Reorged` (or `Reverted` if the node has
    /// nothing after it yet).
    async fn reorg(&mut self, head: u64) -> ChainResult<Step> {
        let numbers: Vec<u64> = self.window.iter().map(|b| b.number).collect();
        let node = self.rpc.headers(&numbers).await?;
        let node: BTreeMap<u64, B256> = numbers
            .iter()
            .zip(node)
            .filter_map(|(n, h)| h.map(|h| (*n, h.hash)))
            .collect();
        let fork = match self.window.fork_point(|n| node.get(&n).copied()) {
            Some(ForkPoint::Found(f)) => f,
            Some(ForkPoint::TooDeep { oldest, node_hash }) => {
                let err = ChainError::DeepReorg {
                    number: oldest.number,
                    stored: oldest.hash.to_string(),
                    node: node_hash.map_or_else(|| "none".to_owned(), |h| h.to_string()),
                    window: self.settings.chain.reorg_window,
                    tip: self.window.tip().map_or(oldest.number, |t| t.number),
                };
                return Err(err);
            }
            None => return Ok(Step::Progress),
        };
        let mut window = self.window.clone();
        let reverted = window.rewind(fork.number);
        let to = head.min(fork.number + self.settings.max_batch_blocks);
        let headers = if to > fork.number {
            self.linked_headers(fork.number + 1, to).await?
        } else {
            Vec::new()
        };
        if headers.first().is_some_and(|h| h.parent_hash != fork.hash) {
            // The chain moved again while we looked; try again next round.
            return Ok(Step::Progress);
        }
        tracing::warn!(
            fork = fork.number,
            depth = reverted.len(),
            old_tip = reverted.last().map(|b| b.number),
            new_blocks = headers.len(),
            "reorg detected"
        );
        let event = if headers.is_empty() {
            ChainEvent::Reverted {
                reverted,
                fork,
                head,
            }
        } else {
            let committed = self.blocks_for(&headers).await?;
            ChainEvent::Reorged {
                reverted,
                fork,
                committed,
                head,
            }
        };
        if let Step::Closed = self.send(event).await {
            return Ok(Step::Closed);
        }
        for h in &headers {
            window.push(*h);
        }
        self.cursor = Some(headers.last().map_or(fork.number, |h| h.number));
        self.window = window;
        Ok(Step::Progress)
    }
}

/// Split blocks into groups of at most `max_logs` logs (a block is never
/// split); the last group ends with `end` (the range end, maybe without
/// logs) so the checkpoint reaches it.
fn split_by_logs(blocks: Vec<BlockData>, max_logs: usize, end: BlockHeader) -> Vec<Vec<BlockData>> {
    let mut groups: Vec<Vec<BlockData>> = Vec::new();
    let mut current: Vec<BlockData> = Vec::new();
    let mut count = 0;
    for b in blocks {
        if count > 0 && count + b.logs.len() > max_logs {
            groups.push(std::mem::take(&mut current));
            count = 0;
        }
        count += b.logs.len();
        current.push(b);
    }
    if current.last().is_none_or(|b| b.header.number != end.number) {
        current.push(BlockData {
            header: end,
            logs: Vec::new(),
            txs: Vec::new(),
        });
    }
    groups.push(current);
    groups
}

/// Keep `tx` updated with the node's head: WebSocket `newHeads` when
/// configured (with an `eth_chainId` keep-alive every 25 s and a fallback to
/// polling when it fails), else `eth_blockNumber` polling.
pub fn spawn_head_watcher(
    rpc: Arc<Rpc>,
    config: ChainConfig,
    tx: watch::Sender<u64>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let poll = Duration::from_millis(config.poll_interval_ms);
        loop {
            if let Some(ws) = &config.rpc_ws {
                match watch_ws(ws, &tx).await {
                    Ok(()) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, "websocket head subscription failed; polling over http")
                    }
                }
                // Poll for a while before trying the socket again; the
                // follower backfills any gap over HTTP.
                for _ in 0..(30_000 / config.poll_interval_ms.max(1)).max(1) {
                    if poll_once(&rpc, &tx).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(poll).await;
                }
                continue;
            }
            if poll_once(&rpc, &tx).await.is_err() {
                return;
            }
            tokio::time::sleep(poll).await;
        }
    })
}

/// Poll once; Err when nobody listens any more.
async fn poll_once(rpc: &Rpc, tx: &watch::Sender<u64>) -> Result<(), ()> {
    match rpc.block_number().await {
        Ok(n) => tx.send(n).map_err(|_| ()),
        Err(e) => {
            tracing::warn!(error = %e, "eth_blockNumber failed");
            Ok(())
        }
    }
}

async fn watch_ws(url: &str, tx: &watch::Sender<u64>) -> Result<(), String> {
    use alloy::providers::{Provider, ProviderBuilder, WsConnect};
    let provider = ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect_ws(WsConnect::new(url))
        .await
        .map_err(|e| e.to_string())?;
    let sub = provider
        .subscribe_blocks()
        .await
        .map_err(|e| e.to_string())?;
    // The subscription only reports new blocks: on a quiet chain (or
    // after a reconnect) the current head comes from a plain request.
    let current = provider
        .get_block_number()
        .await
        .map_err(|e| e.to_string())?;
    if tx.send(current).is_err() {
        return Ok(());
    }
    let mut stream = sub.into_stream();
    let mut keepalive = tokio::time::interval(Duration::from_secs(25));
    loop {
        tokio::select! {
            header = stream.next() => {
                let Some(header) = header else { return Err("subscription ended".to_owned()) };
                if tx.send(header.number).is_err() {
                    return Ok(());
                }
            }
            _ = keepalive.tick() => {
                provider.get_chain_id().await.map_err(|e| format!("keep-alive: {e}"))?;
            }
        }
    }
}
