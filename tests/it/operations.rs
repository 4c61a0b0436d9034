//! Operations: Prometheus metrics after indexing, and health that follows
//! PostgreSQL and the RPC node going away and coming back.

use std::net::SocketAddr;

use wraith_tests::ghostnet::{self, Rng};
use wraith_tests::proxy::Proxy;
use wraith_tests::{Host, HostOptions, TestDb, wait_until};

use crate::common;

async fn metrics_text(host: &Host) -> String {
    let r = reqwest::get(format!("{}/metrics", host.api)).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    r.text().await.unwrap()
}

/// The value of the first sample line starting with `prefix`.
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_indexed_traffic_and_a_reorg_metrics_should_expose_every_named_series() {
    let (anvil, core) = common::chain(3).await;
    let db = TestDb::create().await.unwrap();
    let mut opts = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![common::ghost_core_handler(core.ghost_core)],
    );
    opts.extra = "[streams]\npoll_interval_ms = 50\n[[streams.sinks]]\nname = \"nats\"\nkind = \"jetstream\"\nurl = \"nats://127.0.0.1:4222\"\nstream = \"WRAITH_OPS_METRICS\"\nsubject_prefix = \"wraith-ops\"\n".to_owned();
    let host = Host::start(&opts).await.unwrap();
    let mut rng = Rng(0x3e7);
    ghostnet::play(&anvil, &core, &mut rng, 4).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
    anvil.reorg(2).await.unwrap();
    ghostnet::play(&anvil, &core, &mut rng, 1).await.unwrap();
    let head = anvil.block_number().await.unwrap();
    host.wait_indexed(head, common::CATCH_UP).await.unwrap();
    let _ = host.get("/api/v1/positions?level=1").await.unwrap();

    let text = wait_until("the reorg in the metrics", common::CATCH_UP, || async {
        let t = metrics_text(&host).await;
        if sample(&t, "wraith_reorgs_total") >= Some(1.0) {
            Ok(Some(t))
        } else {
            Err(anyhow::anyhow!("{t}"))
        }
    })
    .await
    .unwrap();
    for series in [
        "wraith_chain_head ",
        "wraith_indexed_block ",
        "wraith_blocks_behind_head ",
        "wraith_handler_checkpoint{handler=\"ghost-core\"} ",
        "wraith_handler_halted{handler=\"ghost-core\"} 0",
        "wraith_handler_batch_seconds_bucket{le=",
        "wraith_reorg_depth_count ",
        "wraith_rpc_requests_total{method=\"eth_blockNumber\"} ",
        "wraith_rpc_request_seconds_bucket{le=",
        "wraith_db_commit_seconds_count ",
        "wraith_sink_lag{sink=\"nats\"} ",
        "wraith_sink_cursor{sink=\"nats\"} ",
        "wraith_ws_clients ",
        "wraith_api_request_seconds_bucket{le=",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(series) || l.contains(series)),
            "missing {series:?} in\n{text}"
        );
    }
    assert!(
        text.contains("route=\"/api/v1/positions\",status=\"200\""),
        "{text}"
    );
    assert!(text.contains("handler=\"ghost-core\""));
    assert_eq!(sample(&text, "wraith_indexed_block "), Some(head as f64));
    assert_eq!(
        sample(&text, "wraith_handler_checkpoint{handler=\"ghost-core\"}"),
        Some(head as f64)
    );
    let client = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
    let _ = async_nats::jetstream::new(client)
        .delete_stream("WRAITH_OPS_METRICS")
        .await;
}

async fn ready(host: &Host) -> (u16, serde_json::Value) {
    host.get("/health/ready").await.unwrap()
}

async fn wait_ready(host: &Host, want: u16, what: &str) -> serde_json::Value {
    wait_until(what, common::CATCH_UP, || async {
        let (code, body) = ready(host).await;
        if code == want {
            Ok(Some(body))
        } else {
            Err(anyhow::anyhow!("{code} {body}"))
        }
    })
    .await
    .unwrap()
}

/// `host:port` of a URL such as `postgres://user@host:port/db` or
/// `http://host:port`.
fn authority(url: &str) -> (SocketAddr, String) {
    let rest = url.split("://").nth(1).unwrap();
    let rest = rest.rsplit('@').next().unwrap();
    let hostport = rest.split('/').next().unwrap();
    (hostport.parse().unwrap(), hostport.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_postgres_or_the_rpc_going_away_health_should_say_so_and_recover() {
    let (anvil, core) = common::chain(2).await;
    let db = TestDb::create().await.unwrap();
    let (pg, pg_at) = authority(&db.url);
    let (rpc, rpc_at) = authority(&anvil.url);
    let pg_proxy = Proxy::start(pg).await.unwrap();
    let rpc_proxy = Proxy::start(rpc).await.unwrap();
    let db_url = db
        .url
        .replacen(&pg_at, &format!("127.0.0.1:{}", pg_proxy.port), 1);
    let rpc_url = anvil
        .url
        .replacen(&rpc_at, &format!("127.0.0.1:{}", rpc_proxy.port), 1);
    let opts = HostOptions::new(
        &rpc_url,
        &db_url,
        vec![common::ghost_core_handler(core.ghost_core)],
    );
    let host = Host::start(&opts).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
    let (code, _) = ready(&host).await;
    assert_eq!(code, 200);

    // PostgreSQL goes away: not ready, the database check says why.
    pg_proxy.down();
    let body = wait_ready(&host, 503, "not ready without PostgreSQL").await;
    assert_eq!(body["checks"]["database"]["ok"], false, "{body}");
    let (code, _) = host.get("/health/live").await.unwrap();
    assert_eq!(code, 200, "still alive");
    pg_proxy.up();
    wait_ready(&host, 200, "ready again with PostgreSQL back").await;

    // The RPC node goes away: not ready, the rpc check says why.
    rpc_proxy.down();
    let body = wait_ready(&host, 503, "not ready without the RPC node").await;
    assert_eq!(body["checks"]["rpc"]["ok"], false, "{body}");
    rpc_proxy.up();
    wait_ready(&host, 200, "ready again with the RPC node back").await;

    // And it indexes what happened meanwhile.
    let mut rng = Rng(0x4ea1);
    ghostnet::play(&anvil, &core, &mut rng, 2).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_heads_over_websocket_on_a_quiet_chain_should_index_at_once_and_follow() {
    // anvil mines only on transactions: a head subscription alone would
    // report nothing until the next block.
    let (anvil, core) = common::chain(2).await;
    let db = TestDb::create().await.unwrap();
    let mut opts = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![common::ghost_core_handler(core.ghost_core)],
    );
    opts.env = vec![(
        "WRAITH_CHAIN__RPC_WS".into(),
        anvil.url.replacen("http", "ws", 1),
    )];
    let host = Host::start(&opts).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
    let block = common::jack_in(&anvil, core.ghost_core, core.players[0], 10, 1).await;
    host.wait_indexed(block, common::CATCH_UP).await.unwrap();
}
