//! `wraith-bench`: benchmarks that print figures and write them to
//! `bench/results/<scenario>.json` and `bench/results/RESULTS.md`.
//!
//! Scenarios:
//! * `ingest` — N GhostCore-shaped logs (generated, not through a node)
//!   through route → decode → WASM handler → PostgreSQL commit, in
//!   backfill-sized batches below the finalized point; prints logs/s.
//! * `reorg64` — the time to revert and re-apply a 64-block reorg at the
//!   head in one transaction.
//! * `jetstream` — outbox → NATS JetStream throughput through the real
//!   publisher.
//! * `swap` — hot swaps of the ghost-core component while blocks stream in:
//!   the time the pipeline holds between two batches to apply a swap
//!   (p50/p99), in `continue` and in `reindex` mode.
//! * `api` — the release binary on anvil at head: block → WebSocket client
//!   latency and REST latency at a fixed 1,000 requests/s (see `api.rs`).

mod api;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256, U256, keccak256};
use alloy::sol;
use alloy::sol_types::SolEvent;
use anyhow::Context;
use arc_swap::ArcSwap;
use clap::Parser;
use serde_json::json;
use wraith_host::chain::{BlockData, BlockHeader, ChainEvent, RawLog};
use wraith_host::config::{HandlerConfig, RuntimeConfig};
use wraith_host::pipeline::{HandlerRegistry, Pipeline, PipelineSettings, Router};
use wraith_host::runtime::HandlerEngine;
use wraith_host::sinks::PgSink;
use wraith_host::sinks::postgres::catalog::Catalog;
use wraith_host::status::Status;
use wraith_tests::{TestDb, paths};

sol! {
    event JackedIn(address indexed user, uint256 amount, uint8 indexed level, uint256 newTotal);
    event StakeAdded(address indexed user, uint256 amount, uint256 newTotal);
    event Extracted(address indexed user, uint256 amount, uint256 rewards);
}

#[derive(Debug, Parser)]
struct Cli {
    /// Where results are written.
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    /// Logs in the ingest scenario.
    #[arg(long, default_value_t = 100_000)]
    logs: usize,
    /// Logs per block.
    #[arg(long, default_value_t = 50)]
    logs_per_block: usize,
    /// Logs per database transaction (backfill batch).
    #[arg(long, default_value_t = 10_000)]
    batch_logs: usize,
    /// Run only these scenarios (comma-separated: ingest, reorg64,
    /// jetstream, swap, api); default all.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

impl Cli {
    fn runs(&self, scenario: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == scenario)
    }
}

const GHOST_CORE: Address = Address::repeat_byte(0x6c);

fn user(i: usize) -> Address {
    Address::from_slice(&keccak256(i.to_be_bytes())[12..])
}

/// The first alive position at or after `start` (cyclically).
fn pick_alive(alive: &[bool], start: usize) -> Option<usize> {
    (0..alive.len())
        .map(|k| (start + k) % alive.len())
        .find(|&i| alive[i])
}

/// A deterministic GhostCore history the contract could have produced:
/// users jack in, add stake (twice as often as they extract) and extract;
/// only alive positions add stake or extract.
fn generate(logs: usize, per_block: usize) -> Vec<BlockData> {
    let mut blocks = Vec::new();
    let mut amounts: Vec<U256> = Vec::new();
    let mut alive: Vec<bool> = Vec::new();
    let mut n = 0usize;
    let mut number = 1u64;
    while n < logs {
        let hash = keccak256(number.to_be_bytes());
        let mut block_logs = Vec::with_capacity(per_block);
        for li in 0..per_block.min(logs - n) {
            let tx_hash = keccak256((n as u64).to_le_bytes());
            let roll = n % 10;
            let target = if amounts.is_empty() {
                None
            } else {
                let seed = if roll < 9 { n * 7919 } else { n * 104_729 };
                pick_alive(&alive, seed % amounts.len())
            };
            let warm = amounts.len() >= 1_000;
            let (topics, data) = match target {
                Some(i) if warm && (5..9).contains(&roll) => {
                    let add = U256::from(1_000_000u64 + n as u64);
                    amounts[i] += add;
                    let e = StakeAdded {
                        user: user(i),
                        amount: add,
                        newTotal: amounts[i],
                    };
                    (
                        e.encode_topics().into_iter().map(|t| t.0).collect(),
                        e.encode_data(),
                    )
                }
                Some(i) if warm && roll == 9 => {
                    alive[i] = false;
                    let e = Extracted {
                        user: user(i),
                        amount: amounts[i],
                        rewards: U256::from(n),
                    };
                    (
                        e.encode_topics().into_iter().map(|t| t.0).collect(),
                        e.encode_data(),
                    )
                }
                _ => {
                    let i = amounts.len();
                    let amount = U256::from(10u64 + (i % 1000) as u64)
                        * U256::from(10u64).pow(U256::from(18u64))
                        + U256::from(i);
                    amounts.push(amount);
                    alive.push(true);
                    let e = JackedIn {
                        user: user(i),
                        amount,
                        level: (1 + i % 5) as u8,
                        newTotal: amount,
                    };
                    (
                        e.encode_topics()
                            .into_iter()
                            .map(|t| t.0)
                            .collect::<Vec<B256>>(),
                        e.encode_data(),
                    )
                }
            };
            block_logs.push(RawLog {
                address: GHOST_CORE,
                topics,
                data: data.into(),
                block_number: number,
                block_hash: hash,
                tx_hash,
                tx_index: li as u32,
                log_index: li as u32,
            });
            n += 1;
        }
        let parent = keccak256((number - 1).to_be_bytes());
        blocks.push(BlockData {
            header: BlockHeader {
                number,
                hash,
                parent_hash: parent,
                timestamp: 1_700_000_000 + number,
            },
            logs: block_logs,
            txs: Vec::new(),
        });
        number += 1;
    }
    blocks
}

/// A pipeline with the ghost-core component on a fresh database.
struct Bench {
    pipeline: Pipeline,
    pool: sqlx::PgPool,
    _db: TestDb,
    registry: Arc<HandlerRegistry>,
    status: Arc<Status>,
    handler: HandlerConfig,
}

async fn setup(reorg_window: u64) -> anyhow::Result<Bench> {
    let db = TestDb::create().await?;
    let pool = PgSink::connect(&db.url, 8).await?;
    PgSink::migrate(&pool).await?;
    let runtime = RuntimeConfig {
        cache_dir: paths::repo_root().join(".wraith/bench-cache"),
        ..RuntimeConfig::default()
    };
    let engine = Arc::new(HandlerEngine::new(&runtime)?);
    let registry = Arc::new(HandlerRegistry::new(engine));
    let handler = HandlerConfig {
        name: "ghost-core".into(),
        component: paths::handler("ghost_core_handler.wasm")?,
        start_block: 0,
        contracts: [("GhostCore".to_owned(), vec![format!("{GHOST_CORE:#x}")])]
            .into_iter()
            .collect(),
        enabled: true,
        on_failure: wraith_host::config::FailurePolicy::Halt,
    };
    let slot = Arc::new(registry.load(&handler)?);
    let tables: Vec<_> = slot
        .info
        .tables
        .iter()
        .map(|(t, k)| (t.clone(), *k))
        .collect();
    let catalog = Catalog::load(&mut *pool.acquire().await?, &tables).await?;
    let sink = Arc::new(PgSink::new(pool.clone(), catalog));
    let router = Arc::new(ArcSwap::from_pointee(Router::new(
        31337,
        std::slice::from_ref(&slot),
    )));
    registry.publish(vec![slot]);
    let settings = PipelineSettings {
        chain_id: 31337,
        reorg_window,
        max_outputs: 10_000_000,
        retry_initial: Duration::from_millis(100),
        retry_max: Duration::from_secs(1),
        row_cache_rows: 1_000_000,
    };
    let status = Arc::new(Status::new(31337));
    let pipeline = Pipeline::new(settings, sink, registry.clone(), router, status.clone()).await?;
    Ok(Bench {
        pipeline,
        pool,
        _db: db,
        registry,
        status,
        handler,
    })
}

async fn ingest(cli: &Cli) -> anyhow::Result<serde_json::Value> {
    let Bench {
        mut pipeline,
        pool,
        _db,
        ..
    } = setup(64).await?;
    let blocks = generate(cli.logs, cli.logs_per_block);
    let head = blocks.last().map_or(0, |b| b.header.number) + 10_000;
    let per_batch = (cli.batch_logs / cli.logs_per_block).max(1);
    let events: Vec<ChainEvent> = blocks
        .chunks(per_batch)
        .map(|c| ChainEvent::Committed {
            blocks: c.to_vec(),
            head,
        })
        .collect();
    let started = Instant::now();
    for e in &events {
        pipeline.process(e).await?;
    }
    let elapsed = started.elapsed();
    let positions: i64 = sqlx::query_scalar("SELECT count(*) FROM positions")
        .fetch_one(&pool)
        .await?;
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM position_events")
        .fetch_one(&pool)
        .await?;
    anyhow::ensure!(
        history as usize == cli.logs,
        "expected {} history rows, found {history}",
        cli.logs
    );
    let rate = cli.logs as f64 / elapsed.as_secs_f64();
    Ok(json!({
        "scenario": "ingest",
        "what": "GhostCore-shaped logs: route, decode, ghost-core WASM handler, one PostgreSQL transaction per batch (positions upsert, history insert, outbox, raw archive, digests, checkpoint)",
        "logs": cli.logs,
        "logs_per_block": cli.logs_per_block,
        "logs_per_transaction": per_batch * cli.logs_per_block,
        "seconds": elapsed.as_secs_f64(),
        "logs_per_second": rate.round(),
        "positions": positions,
        "target_logs_per_second": 50_000,
    }))
}

/// Revert and re-apply a 64-block reorg at the head: 200 blocks of 20 logs
/// are indexed at the head (the last 64 carry undo entries), then one
/// `Reorged` event replaces the last 64 blocks with the same transactions
/// in blocks with other hashes. Measured: the one transaction that reverts
/// 64 blocks (undo journal, append-only deletes, archive, window, outbox
/// retractions) and applies the 64 new ones.
async fn reorg64() -> anyhow::Result<serde_json::Value> {
    const DEPTH: u64 = 64;
    let Bench {
        mut pipeline,
        pool,
        _db,
        ..
    } = setup(DEPTH).await?;
    let per_block = 20;
    let blocks = generate(200 * per_block, per_block);
    let head = blocks.last().map_or(0, |b| b.header.number);
    for chunk in blocks.chunks(10) {
        pipeline
            .process(&ChainEvent::Committed {
                blocks: chunk.to_vec(),
                head,
            })
            .await?;
    }
    let undo: i64 = sqlx::query_scalar("SELECT count(*) FROM wraith_undo")
        .fetch_one(&pool)
        .await?;
    let fork_index = blocks.len() - DEPTH as usize - 1;
    let fork = blocks[fork_index].header;
    let reverted: Vec<BlockHeader> = blocks[fork_index + 1..].iter().map(|b| b.header).collect();
    let mut parent = fork.hash;
    let committed: Vec<BlockData> = blocks[fork_index + 1..]
        .iter()
        .map(|b| {
            let hash = keccak256([b"alt".as_slice(), &b.header.number.to_be_bytes()].concat());
            let header = BlockHeader {
                number: b.header.number,
                hash,
                parent_hash: parent,
                timestamp: b.header.timestamp,
            };
            parent = hash;
            let logs = b.logs.iter().cloned().map(|mut l| {
                l.block_hash = hash;
                l
            });
            BlockData {
                header,
                logs: logs.collect(),
                txs: Vec::new(),
            }
        })
        .collect();
    let logs: usize = committed.iter().map(|b| b.logs.len()).sum();
    let event = ChainEvent::Reorged {
        reverted,
        fork,
        committed,
        head,
    };
    let started = Instant::now();
    pipeline.process(&event).await?;
    let elapsed = started.elapsed();
    // Every archived log above the fork is on the new branch.
    let hashes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM wraith_raw_logs r JOIN wraith_blocks b ON b.number = r.block_number AND b.hash = r.block_hash
         WHERE r.block_number > $1",
    )
        .bind(i64::try_from(fork.number)?)
        .fetch_one(&pool)
        .await?;
    anyhow::ensure!(
        hashes as usize == logs,
        "expected {logs} re-applied logs, found {hashes}"
    );
    Ok(json!({
        "scenario": "reorg64",
        "what": "one transaction reverting 64 blocks (undo journal replay, append-only deletes, archive, window, outbox retractions) and applying 64 new blocks",
        "depth": DEPTH,
        "logs_per_block": per_block,
        "undo_entries_before": undo,
        "logs_reapplied": logs,
        "milliseconds": elapsed.as_secs_f64() * 1e3,
    }))
}

/// Outbox → NATS JetStream throughput: 50 000 outbox rows published by
/// the real publisher (batches of 500, every publish acknowledged, cursor
/// saved after each batch) to the local NATS server.
async fn jetstream() -> anyhow::Result<serde_json::Value> {
    use wraith_host::sinks::stream::{JetStreamSink, Publisher, PublisherSettings, Sink};
    const N: i64 = 50_000;
    let db = TestDb::create().await?;
    let pool = PgSink::connect(&db.url, 4).await?;
    PgSink::migrate(&pool).await?;
    sqlx::query(
        "INSERT INTO wraith_outbox (id, kind, block_number, block_hash, tx_hash, log_index, handler, handler_version,
                                    stream_name, msg_key, payload)
         SELECT g, 'data', g / 50, decode(md5(g::text) || md5(g::text), 'hex'), decode(md5(g::text) || md5(g::text), 'hex'),
                g % 50, 'ghost-core', 'bench', 'ghostnet.positions', '0x' || md5(g::text),
                jsonb_build_object('type', 'JACK_IN', 'data', jsonb_build_object('user', '0x' || md5(g::text), 'amount', (g * 1000000000000)::text, 'level', g % 5 + 1))
         FROM generate_series(1, $1) g",
    )
    .bind(N)
    .execute(&pool)
    .await?;
    let stream = format!("WRAITH_BENCH_{}", std::process::id());
    let sink = Sink::JetStream(JetStreamSink::new(
        "bench",
        "nats://127.0.0.1:4222",
        &stream,
        "wraith-bench",
        Duration::from_secs(120),
    ));
    let status = Arc::new(Status::new(31337));
    let (_tx, rx) = tokio::sync::broadcast::channel(1);
    let settings = PublisherSettings {
        name: "bench".into(),
        chain_id: 31337,
        batch_size: 500,
        poll: Duration::from_millis(50),
        retry_initial: Duration::from_millis(50),
        retry_max: Duration::from_secs(1),
        streams: Vec::new(),
    };
    let mut publisher = Publisher::new(settings, sink, pool.clone(), status, rx);
    let started = Instant::now();
    let mut total = 0usize;
    while (total as i64) < N {
        total += publisher.round().await?;
    }
    let elapsed = started.elapsed();
    let client = async_nats::connect("nats://127.0.0.1:4222").await?;
    let js = async_nats::jetstream::new(client);
    let count = js.get_stream(&stream).await?.info().await?.state.messages;
    js.delete_stream(&stream).await?;
    anyhow::ensure!(
        count == N as u64,
        "the stream holds {count} messages, expected {N}"
    );
    Ok(json!({
        "scenario": "jetstream",
        "what": "outbox rows -> NATS JetStream through the real publisher (batches of 500, each publish acked, cursor saved per batch)",
        "messages": N,
        "seconds": elapsed.as_secs_f64(),
        "messages_per_second": (N as f64 / elapsed.as_secs_f64()).round(),
    }))
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Hot swaps under a stream of blocks: 20 swaps in `continue` mode and 5
/// in `reindex` mode (each replays the whole history from the raw-log
/// archive) while a feeder sends a 10-block event every 20 ms.
async fn swap_pause() -> anyhow::Result<serde_json::Value> {
    use wraith_host::pipeline::{HandlerManager, SwapMode, SwapSource};
    let Bench {
        pipeline,
        pool,
        _db,
        registry,
        status,
        handler,
    } = setup(64).await?;
    let base = std::fs::read(&handler.component)?;
    let (manager, swaps) = HandlerManager::new(registry, pool.clone(), status, vec![handler]);
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let task = tokio::spawn(pipeline.run(rx, Some(swaps)));
    let per_block = 20;
    let blocks = generate(200_000, per_block);
    let head = blocks.last().map_or(0, |b| b.header.number);
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = done.clone();
    // Feed until the swaps are done (or the blocks run out); returns the
    // logs sent.
    let feeder = tokio::spawn(async move {
        let mut sent = 0usize;
        for chunk in blocks.chunks(10) {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            sent += chunk.iter().map(|b| b.logs.len()).sum::<usize>();
            let e = ChainEvent::Committed {
                blocks: chunk.to_vec(),
                head,
            };
            if tx.send(e).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        sent
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut cont = Vec::new();
    let mut reindex = Vec::new();
    let mut replayed = Vec::new();
    for i in 0..25 {
        let mode = if i < 20 {
            SwapMode::Continue
        } else {
            SwapMode::Reindex
        };
        let bytes = wraith_tests::relabel(&base, &format!("bench-{i}"));
        let r = manager
            .swap("ghost-core", Some(bytes), mode, SwapSource::Admin)
            .await
            .map_err(|e| anyhow::anyhow!("swap {i}: {e}"))?;
        anyhow::ensure!(!r.unchanged, "swap {i} changed nothing");
        if mode == SwapMode::Continue {
            cont.push(r.pause_ms);
        } else {
            reindex.push(r.pause_ms);
            replayed.push(r.replayed_blocks);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let total_logs = feeder.await?;
    drop(manager);
    task.await??;
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM position_events")
        .fetch_one(&pool)
        .await?;
    anyhow::ensure!(
        history as usize == total_logs,
        "expected {total_logs} history rows after the swaps, found {history}"
    );
    cont.sort_by(f64::total_cmp);
    reindex.sort_by(f64::total_cmp);
    Ok(json!({
        "scenario": "swap",
        "what": "hot swaps of ghost-core while 10-block events (200 logs) arrive every 20 ms; pause = time the pipeline holds between two batches to apply the swap (compilation and validation happen before, off the hot path)",
        "continue_swaps": cont.len(),
        "continue_pause_ms_p50": percentile(&cont, 0.5),
        "continue_pause_ms_p99": percentile(&cont, 0.99),
        "reindex_swaps": reindex.len(),
        "reindex_pause_ms_p50": percentile(&reindex, 0.5),
        "reindex_pause_ms_p99": percentile(&reindex, 0.99),
        "reindex_replayed_blocks": replayed,
        "logs": total_logs,
        "target_pause_ms": 100,
    }))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    wraith_tests::init();
    // RUST_LOG=wraith_host::pipeline=debug shows each batch's breakdown
    // (route, handlers, write, commit).
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
    std::fs::create_dir_all(&cli.out)?;
    let mut rows = Vec::new();
    if cli.runs("ingest") {
        let r = ingest(&cli).await.context("ingest scenario")?;
        println!(
            "ingest: {} logs in {:.2} s = {} logs/s (target 50000)",
            r["logs"],
            r["seconds"].as_f64().unwrap_or(0.0),
            r["logs_per_second"]
        );
        rows.push(format!(
            "| ingest | logs/s ({} logs, {} per transaction) | {} |",
            r["logs"], r["logs_per_transaction"], r["logs_per_second"]
        ));
        std::fs::write(
            cli.out.join("ingest.json"),
            serde_json::to_string_pretty(&r)?,
        )?;
    }
    if cli.runs("reorg64") {
        let r = reorg64().await.context("reorg64 scenario")?;
        println!(
            "reorg64: revert 64 blocks and re-apply 64 ({} logs) in {:.1} ms",
            r["logs_reapplied"],
            r["milliseconds"].as_f64().unwrap_or(0.0)
        );
        rows.push(format!(
            "| reorg64 | ms to revert and re-apply a 64-block reorg ({} logs) | {:.1} |",
            r["logs_reapplied"],
            r["milliseconds"].as_f64().unwrap_or(0.0)
        ));
        std::fs::write(
            cli.out.join("reorg64.json"),
            serde_json::to_string_pretty(&r)?,
        )?;
    }
    if cli.runs("jetstream") {
        let r = jetstream().await.context("jetstream scenario")?;
        println!(
            "jetstream: {} messages in {:.2} s = {} messages/s",
            r["messages"],
            r["seconds"].as_f64().unwrap_or(0.0),
            r["messages_per_second"]
        );
        rows.push(format!(
            "| jetstream | outbox -> JetStream messages/s ({} messages) | {} |",
            r["messages"], r["messages_per_second"]
        ));
        std::fs::write(
            cli.out.join("jetstream.json"),
            serde_json::to_string_pretty(&r)?,
        )?;
    }
    if cli.runs("swap") {
        let r = swap_pause().await.context("swap scenario")?;
        println!(
            "swap: continue pause p50 {:.2} ms, p99 {:.2} ms ({} swaps); reindex pause p50 {:.1} ms, p99 {:.1} ms ({} swaps replaying {} blocks)",
            r["continue_pause_ms_p50"].as_f64().unwrap_or(0.0),
            r["continue_pause_ms_p99"].as_f64().unwrap_or(0.0),
            r["continue_swaps"],
            r["reindex_pause_ms_p50"].as_f64().unwrap_or(0.0),
            r["reindex_pause_ms_p99"].as_f64().unwrap_or(0.0),
            r["reindex_swaps"],
            r["reindex_replayed_blocks"]
        );
        rows.push(format!(
            "| swap | continue-mode swap pause p50 / p99 ms ({} swaps under load) | {:.2} / {:.2} |",
            r["continue_swaps"],
            r["continue_pause_ms_p50"].as_f64().unwrap_or(0.0),
            r["continue_pause_ms_p99"].as_f64().unwrap_or(0.0)
        ));
        let replayed: Vec<String> = r["reindex_replayed_blocks"]
            .as_array()
            .map(|a| a.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        rows.push(format!(
            "| swap | reindex-mode swap pause p50 / p99 ms (each replays the whole history: {} blocks) | {:.1} / {:.1} |",
            replayed.join(", "),
            r["reindex_pause_ms_p50"].as_f64().unwrap_or(0.0),
            r["reindex_pause_ms_p99"].as_f64().unwrap_or(0.0)
        ));
        std::fs::write(cli.out.join("swap.json"), serde_json::to_string_pretty(&r)?)?;
    }
    if cli.runs("api") {
        let r = api::api_latency().await.context("api scenario")?;
        let f = |k: &str| r[k].as_f64().unwrap_or(0.0);
        println!(
            "api: block -> WebSocket client p50 {:.1} ms, p99 {:.1} ms ({} transactions); REST at {} req/s offered ({} achieved): p50 {:.2} ms, p99 {:.2} ms, {} errors",
            f("block_to_client_ms_p50"),
            f("block_to_client_ms_p99"),
            r["ws_samples"],
            r["rest_offered_rps"],
            r["rest_achieved_rps"],
            f("rest_ms_p50"),
            f("rest_ms_p99"),
            r["rest_errors"]
        );
        rows.push(format!(
            "| api | block -> WebSocket client p50 / p99 ms at head ({} transactions; target p99 < 50) | {:.1} / {:.1} |",
            r["ws_samples"],
            f("block_to_client_ms_p50"),
            f("block_to_client_ms_p99")
        ));
        rows.push(format!(
            "| api | REST p50 / p99 ms at {} requests/s offered over loopback ({} requests, {} errors; target p99 < 10) | {:.2} / {:.2} |",
            r["rest_offered_rps"],
            r["rest_requests"],
            r["rest_errors"],
            f("rest_ms_p50"),
            f("rest_ms_p99")
        ));
        std::fs::write(cli.out.join("api.json"), serde_json::to_string_pretty(&r)?)?;
    }
    let md = format!(
        "# wraith benchmark results\n\nMachine: {} cores. Command: `make bench`.\n\n| scenario | figure | value |\n|---|---|---|\n{}\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        rows.join("\n")
    );
    std::fs::write(cli.out.join("RESULTS.md"), &md)?;
    print!("{md}");
    Ok(())
}
