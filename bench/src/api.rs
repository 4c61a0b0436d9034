//! The `api` scenario: the real release `wraith` binary following a real
//! anvil chain at its head (heads over WebSocket), with ghost-core.
//!
//! * block → WebSocket client: a client subscribed to `feed` and
//!   `positions`; for each of 200 GhostCore transactions (jack-ins, then
//!   add-stakes), the time from just before `eth_sendTransaction` (anvil
//!   mines the block at once) to the arrival of the transaction's first
//!   `FEED_EVENT` or `POSITION_UPDATE`. It includes the submission and the
//!   mining, so it is an upper bound of block → client.
//! * REST at a fixed rate: an open-loop generator sends 1,000 requests/s
//!   for 10 s over loopback (each request starts on its schedule whether or
//!   not earlier ones finished), round-robin over four routes; latency is
//!   request start → full body. Client, host, PostgreSQL and anvil share
//!   the machine's cores.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{connect_async, tungstenite};
use wraith_tests::host::HandlerSpec;
use wraith_tests::{Anvil, Host, HostOptions, TestDb, ghostnet, paths};

use crate::percentile;

const SAMPLES: usize = 200;
const RATE: u64 = 1_000;
const SECONDS: u64 = 10;

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

pub(crate) async fn api_latency() -> anyhow::Result<Value> {
    let players = 30;
    let anvil = Anvil::start(players + 2).await?;
    let core = ghostnet::deploy_core(&anvil).await?;
    let gc = core.ghost_core;
    let db = TestDb::create().await?;
    let mut opts = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![HandlerSpec {
            name: "ghost-core".into(),
            component: paths::handler("ghost_core_handler.wasm")?,
            contracts: vec![("GhostCore".into(), vec![gc])],
            start_block: 0,
        }],
    );
    opts.env = vec![
        (
            "WRAITH_CHAIN__RPC_WS".into(),
            anvil.url.replacen("http", "ws", 1),
        ),
        ("WRAITH_API__RATE_LIMIT_PER_IP".into(), "0".into()),
        ("WRAITH_LOG__LEVEL".into(), "warn".into()),
    ];
    let host = Host::start(&opts).await?;
    host.wait_indexed(anvil.block_number().await?, Duration::from_secs(60))
        .await?;

    // The WebSocket client: arrival time of each transaction's first event.
    let url = format!("{}/ws", host.api.replacen("http", "ws", 1));
    let (mut ws, _) = connect_async(url).await.context("connecting to /ws")?;
    ws.send(tungstenite::Message::Text(
        json!({"type": "SUBSCRIBE", "channels": ["feed", "positions"]})
            .to_string()
            .into(),
    ))
    .await?;
    let arrivals: Arrivals = Arc::default();
    let seen = arrivals.clone();
    let reader = tokio::spawn(async move {
        while let Some(Ok(msg)) = ws.next().await {
            let now = Instant::now();
            let tungstenite::Message::Text(t) = msg else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<Value>(t.as_str()) else {
                continue;
            };
            let tx = v["txHash"]
                .as_str()
                .or_else(|| v["event"]["txHash"].as_str());
            if let Some(tx) = tx
                && let Ok(mut m) = seen.lock()
            {
                m.entry(tx.to_lowercase()).or_insert(now);
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut block_to_client = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let player = core.players[i % players];
        let started = Instant::now();
        let receipt = if i < players {
            anvil
                .send(
                    player,
                    gc,
                    ghostnet::IGhostCore::jackInCall {
                        amount: ghostnet::data(100),
                        level: u8::try_from(1 + i % 3)?,
                    },
                )
                .await?
        } else {
            anvil
                .send(
                    player,
                    gc,
                    ghostnet::IGhostCore::addStakeCall {
                        amount: ghostnet::data(1),
                    },
                )
                .await?
        };
        let tx = format!("{:#x}", receipt.transaction_hash);
        let deadline = Instant::now() + Duration::from_secs(10);
        let arrived = loop {
            if let Some(t) = arrivals.lock().ok().and_then(|m| m.get(&tx).copied()) {
                break t;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "no WebSocket event for {tx} within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        block_to_client.push(arrived.duration_since(started).as_secs_f64() * 1e3);
    }
    reader.abort();
    block_to_client.sort_by(f64::total_cmp);

    // REST at a fixed rate.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(10))
        .build()?;
    let routes = [
        "/api/v1/positions?level=1&limit=50".to_owned(),
        format!("/api/v1/positions/{:#x}", core.players[0]),
        "/api/v1/scans?limit=20".to_owned(),
        "/api/v1/status".to_owned(),
    ];
    let total = RATE * SECONDS;
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / RATE));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let began = Instant::now();
    let mut tasks = Vec::with_capacity(usize::try_from(total)?);
    for i in 0..total {
        ticker.tick().await;
        let url = format!("{}{}", host.api, routes[usize::try_from(i)? % routes.len()]);
        let http = http.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let ok = match http.get(url).send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            (t.elapsed().as_secs_f64() * 1e3, ok)
        }));
    }
    let sent_in = began.elapsed().as_secs_f64();
    let mut rest = Vec::with_capacity(tasks.len());
    let mut errors = 0usize;
    for t in tasks {
        let (ms, ok) = t.await?;
        rest.push(ms);
        errors += usize::from(!ok);
    }
    rest.sort_by(f64::total_cmp);
    Ok(json!({
        "scenario": "api",
        "what": "release wraith binary on anvil at head (heads over WebSocket), ghost-core; block -> WebSocket client latency over 200 transactions (from before eth_sendTransaction to the event's arrival); REST latency at a fixed 1,000 requests/s for 10 s over loopback, four routes round-robin",
        "ws_samples": block_to_client.len(),
        "block_to_client_ms_p50": percentile(&block_to_client, 0.5),
        "block_to_client_ms_p99": percentile(&block_to_client, 0.99),
        "block_to_client_ms_max": block_to_client.last().copied().unwrap_or(0.0),
        "rest_requests": rest.len(),
        "rest_offered_rps": RATE,
        "rest_achieved_rps": (rest.len() as f64 / sent_in).round(),
        "rest_errors": errors,
        "rest_ms_p50": percentile(&rest, 0.5),
        "rest_ms_p99": percentile(&rest, 0.99),
        "rest_ms_max": rest.last().copied().unwrap_or(0.0),
        "routes": routes,
        "target_rest_ms_p99": 10,
        "target_block_to_client_ms_p99": 50,
    }))
}
