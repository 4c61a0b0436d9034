//! The WebSocket gateway against the running host on anvil: live feed
//! events with sequence ids, reconnect with exactly the missed events,
//! `REVERT` after a reorg, `FULL_SYNC` past the replay limit, scan
//! warnings, input errors and the per-IP connection limit.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async, tungstenite};
use wraith_tests::ghostnet::{IGhostCore, Rng, data};
use wraith_tests::{Host, HostOptions, TestDb, ghostnet_suite, wait_until};

use crate::common;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn connect(host: &Host) -> Ws {
    let url = format!("{}/ws", host.api.replacen("http", "ws", 1));
    let (mut ws, _) = connect_async(url).await.unwrap();
    let hello = next_of(&mut ws, "CONNECTION_STATE").await;
    assert_eq!(hello["status"], "connected");
    ws
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(tungstenite::Message::Text(v.to_string().into()))
        .await
        .unwrap();
}

/// The next frame of type `ty` (others are skipped), within 30 s.
async fn next_of(ws: &mut Ws, ty: &str) -> Value {
    let read = async {
        loop {
            match ws.next().await {
                Some(Ok(tungstenite::Message::Text(t))) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    if v["type"] == ty {
                        return v;
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("the socket ended while waiting for {ty}: {other:?}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .unwrap_or_else(|_| panic!("no {ty} within 30 s"))
}

async fn subscribe(ws: &mut Ws, channels: &[&str]) {
    send(ws, json!({"type": "SUBSCRIBE", "channels": channels})).await;
    let ack = next_of(ws, "SUBSCRIBED").await;
    for c in channels {
        assert!(
            ack["channels"].as_array().unwrap().contains(&json!(c)),
            "{ack}"
        );
    }
}

/// Outbox ids of live `ghostnet.positions` data rows after `after`.
async fn position_ids(pool: &PgPool, after: i64) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT id FROM wraith_outbox WHERE kind = 'data' AND stream_name = 'ghostnet.positions' AND id > $1 ORDER BY id",
    )
    .bind(after)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn wait_caught_up(host: &Host, anvil: &wraith_tests::Anvil) {
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_subscriber_should_stream_replay_revert_and_full_sync_with_sequence_ids() {
    let (anvil, core) = common::chain(4).await;
    let db = TestDb::create().await.unwrap();
    let mut opts = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![common::ghost_core_handler(core.ghost_core)],
    );
    opts.extra =
        "[websocket]\nreplay_limit = 6\nmax_connections_per_ip = 3\nscan_warning_secs = 60\n"
            .into();
    let host = Host::start(&opts).await.unwrap();
    let pool = db.pool().await.unwrap();
    wait_caught_up(&host, &anvil).await;

    // 1. Live: a jack-in arrives as FEED_EVENT with its outbox id.
    let mut ws = connect(&host).await;
    subscribe(&mut ws, &["positions"]).await;
    let p = core.players[0];
    anvil
        .send(
            p,
            core.ghost_core,
            IGhostCore::jackInCall {
                amount: data(40),
                level: 2,
            },
        )
        .await
        .unwrap();
    let ev = next_of(&mut ws, "FEED_EVENT").await;
    assert_eq!(ev["event"]["type"], "JACK_IN", "{ev}");
    assert_eq!(ev["channel"], "positions");
    assert_eq!(ev["event"]["data"]["user"], format!("{p:#x}"));
    let s1 = ev["sequenceId"].as_i64().unwrap();
    assert_eq!(position_ids(&pool, 0).await.last(), Some(&s1));

    // 2. Disconnect, miss events, reconnect: exactly the missed ones, in order.
    ws.close(None).await.unwrap();
    drop(ws);
    let mut rng = Rng(0x3e5);
    for _ in 0..3 {
        anvil
            .send(
                p,
                core.ghost_core,
                IGhostCore::addStakeCall {
                    amount: data(1 + rng.below(9)),
                },
            )
            .await
            .unwrap();
    }
    wait_caught_up(&host, &anvil).await;
    let missed = position_ids(&pool, s1).await;
    assert_eq!(missed.len(), 3);
    let mut ws = connect(&host).await;
    subscribe(&mut ws, &["positions"]).await;
    send(&mut ws, json!({"type": "RECONNECT", "lastSequenceId": s1})).await;
    let replay = next_of(&mut ws, "REPLAY").await;
    let got: Vec<i64> = replay["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["sequenceId"].as_i64().unwrap())
        .collect();
    assert_eq!(got, missed, "{replay}");
    assert!(
        replay["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["event"]["type"] == "STAKE_ADDED")
    );

    // 3. A reorg removes events the client has seen: REVERT names them.
    let before = anvil.block_number().await.unwrap();
    let mut live = Vec::new();
    for _ in 0..2 {
        anvil
            .send(
                p,
                core.ghost_core,
                IGhostCore::addStakeCall { amount: data(2) },
            )
            .await
            .unwrap();
        live.push(
            next_of(&mut ws, "FEED_EVENT").await["sequenceId"]
                .as_i64()
                .unwrap(),
        );
    }
    let height = anvil.block_number().await.unwrap();
    assert_eq!(height, before + 2);
    anvil.reorg(2).await.unwrap();
    anvil.mine(1).await.unwrap();
    let revert = next_of(&mut ws, "REVERT").await;
    let mut ids: Vec<i64> = revert["sequenceIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, live, "{revert}");
    assert_eq!(revert["fromBlock"].as_u64(), Some(before + 1), "{revert}");
    let retracted: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM wraith_outbox WHERE retracted_by = $1 ORDER BY id")
            .bind(revert["sequenceId"].as_i64().unwrap())
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(retracted, live);

    // 4. A gap beyond websocket.replay_limit gets FULL_SYNC.
    let mut other = connect(&host).await;
    send(
        &mut other,
        json!({"type": "RECONNECT", "lastSequenceId": 0}),
    )
    .await;
    let full = next_of(&mut other, "FULL_SYNC").await;
    assert_eq!(full["fromSequenceId"], 1, "{full}");
    assert!(full["reason"].as_str().unwrap().contains("replay_limit"));

    // 5. Bad input gets ERROR with a code; PING gets PONG.
    send(
        &mut other,
        json!({"type": "SUBSCRIBE", "channels": ["nope"]}),
    )
    .await;
    assert_eq!(next_of(&mut other, "ERROR").await["code"], "BAD_CHANNEL");
    send(
        &mut other,
        json!({"type": "SUBSCRIBE_USER", "address": "0x12"}),
    )
    .await;
    assert_eq!(
        next_of(&mut other, "ERROR").await["code"],
        "INVALID_ADDRESS"
    );
    send(&mut other, json!({"type": "PING"})).await;
    next_of(&mut other, "PONG").await;

    // 6. A subscribed user gets POSITION_UPDATE with the position.
    send(
        &mut other,
        json!({"type": "SUBSCRIBE_USER", "address": format!("{p:#x}")}),
    )
    .await;
    next_of(&mut other, "SUBSCRIBED").await;
    anvil
        .send(
            p,
            core.ghost_core,
            IGhostCore::addStakeCall { amount: data(3) },
        )
        .await
        .unwrap();
    let update = next_of(&mut other, "POSITION_UPDATE").await;
    assert_eq!(update["address"], format!("{p:#x}"));
    assert_eq!(update["position"]["level"], 2, "{update}");

    // 7. The per-IP limit (3 here): the fourth connection gets 429.
    let _third = connect(&host).await;
    let url = format!("{}/ws", host.api.replacen("http", "ws", 1));
    match connect_async(url).await {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status().as_u16(), 429),
        other => panic!("expected 429, got {other:?}"),
    }
    drop(ws);
    drop(other);

    // 8. SCAN_WARNING before a level's next scan (chain time).
    let mut scans = wait_until("a second connection slot", common::CATCH_UP, || async {
        let url = format!("{}/ws", host.api.replacen("http", "ws", 1));
        Ok(connect_async(url).await.ok().map(|(ws, _)| ws))
    })
    .await
    .unwrap();
    subscribe(&mut scans, &["scans"]).await;
    let (level, next): (i16, i64) = sqlx::query_as(
        "SELECT level, extract(epoch from next_scan_time)::int8 FROM levels
         WHERE next_scan_time IS NOT NULL ORDER BY next_scan_time, level LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    ghostnet_suite::warp_to(&anvil, u64::try_from(next - 30).unwrap())
        .await
        .unwrap();
    anvil.mine(1).await.unwrap();
    let warning = next_of(&mut scans, "SCAN_WARNING").await;
    assert_eq!(warning["level"], level, "{warning}");
    assert_eq!(warning["seconds_until"], 30, "{warning}");
}
