//! Streams: the outbox published to NATS JetStream and webhooks, with
//! reorg retractions, across kill -9 restarts: nothing lost, nothing
//! duplicated, every signature valid.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;
use wraith_tests::ghostnet::{self, Rng};
use wraith_tests::{Anvil, Host, HostOptions, TestDb, free_port, wait_until};

use crate::common;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The content of a data message, independent of its id (ids differ between
/// a run with reorgs and a clean one).
type Content = (String, String, String, i64, String, i64);

fn content(e: &serde_json::Value) -> Content {
    (
        e["stream"].as_str().unwrap().to_owned(),
        e["key"].as_str().unwrap().to_owned(),
        e["payload"].to_string(),
        e["block_number"].as_i64().unwrap(),
        e["tx_hash"].as_str().unwrap().to_owned(),
        e["log_index"].as_i64().unwrap(),
    )
}

/// The data messages of a clean index of the node's chain (its outbox,
/// without retracted rows), as sorted content.
async fn clean_messages(anvil: &Anvil, core: &ghostnet::Core) -> Vec<Content> {
    let db = TestDb::create().await.unwrap();
    let clean = Host::start(&HostOptions::new(
        &anvil.url,
        &db.url,
        vec![common::ghost_core_handler(core.ghost_core)],
    ))
    .await
    .unwrap();
    clean
        .wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
    outbox_content(&db.pool().await.unwrap()).await
}

async fn outbox_content(pool: &PgPool) -> Vec<Content> {
    let rows: Vec<(String, String, String, i64, Vec<u8>, i32)> = sqlx::query_as(
        "SELECT stream_name, msg_key, payload::text, block_number, tx_hash, log_index FROM wraith_outbox
         WHERE kind = 'data' AND retracted_by IS NULL",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out: Vec<Content> = rows
        .into_iter()
        .map(|(s, k, p, b, tx, li)| {
            let p: serde_json::Value = serde_json::from_str(&p).unwrap();
            (
                s,
                k,
                p.to_string(),
                b,
                format!("0x{}", hex::encode(tx)),
                i64::from(li),
            )
        })
        .collect();
    out.sort();
    out
}

/// Wait until the sink's stored cursor reaches the newest outbox row.
async fn wait_published(pool: &PgPool, sink: &str) {
    wait_until(
        &format!("sink {sink} to publish everything"),
        Duration::from_secs(60),
        || async {
            let head: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM wraith_outbox")
                .fetch_one(pool)
                .await?;
            let cursor: Option<i64> =
                sqlx::query_scalar("SELECT last_id FROM wraith_sink_cursors WHERE sink = $1")
                    .bind(sink)
                    .fetch_optional(pool)
                    .await?;
            Ok((head > 0 && cursor == Some(head)).then_some(()))
        },
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_reorgs_and_kill_9_restarts_when_consuming_jetstream_should_equal_a_clean_index() {
    let (anvil, core) = common::chain(8).await;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let stream = format!("WRAITH_IT_{}_{n}", std::process::id());
    let prefix = format!("wraith-it-{}-{n}", std::process::id());
    let db = TestDb::create().await.unwrap();
    let mut opts = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![common::ghost_core_handler(core.ghost_core)],
    );
    opts.extra = format!(
        "[streams]\npoll_interval_ms = 50\n[[streams.sinks]]\nname = \"nats\"\nkind = \"jetstream\"\nurl = \"nats://127.0.0.1:4222\"\nstream = \"{stream}\"\nsubject_prefix = \"{prefix}\"\nretry_initial_ms = 20\nretry_max_ms = 500\n"
    );
    let mut host = Host::start(&opts).await.unwrap();
    let mut rng = Rng(0x5717);
    let setup = anvil.block_number().await.unwrap();
    ghostnet::play(&anvil, &core, &mut rng, 10).await.unwrap();
    let mut kills = 0;
    for round in 0..6 {
        {
            let k = 1 + rng.below(4) as usize;
            ghostnet::play(&anvil, &core, &mut rng, k).await.unwrap();
        }
        if round % 2 == 1 {
            let height = anvil.block_number().await.unwrap();
            let depth = 1 + rng.below(6.min(height - setup));
            anvil.reorg(depth).await.unwrap();
            ghostnet::play(&anvil, &core, &mut rng, 2).await.unwrap();
        }
        host.kill9();
        kills += 1;
        ghostnet::play(&anvil, &core, &mut rng, 1).await.unwrap();
        host.restart().await.unwrap();
    }
    assert!(kills >= 5);
    ghostnet::play(&anvil, &core, &mut rng, 2).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
    wait_published(&db.pool().await.unwrap(), "nats").await;

    // Consume the whole JetStream stream, applying retractions.
    let client = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
    let js = async_nats::jetstream::new(client);
    let mut st = js.get_stream(&stream).await.unwrap();
    let info = st.info().await.unwrap().clone();
    let mut seen: HashMap<i64, u32> = HashMap::new();
    let mut live: BTreeMap<i64, Content> = BTreeMap::new();
    let mut retractions = 0;
    for seq in info.state.first_sequence..=info.state.last_sequence {
        let msg = st.get_raw_message(seq).await.unwrap();
        let e: serde_json::Value = serde_json::from_slice(&msg.payload).unwrap();
        let id = e["id"].as_i64().unwrap();
        let msg_id = msg
            .headers
            .get("Nats-Msg-Id")
            .map(|v| v.as_str().to_owned());
        assert_eq!(msg_id, Some(id.to_string()), "Nats-Msg-Id is the outbox id");
        *seen.entry(id).or_default() += 1;
        match e["kind"].as_str().unwrap() {
            "data" => {
                live.insert(id, content(&e));
            }
            "revert" => {
                retractions += 1;
                for r in e["payload"]["retracted_ids"].as_array().unwrap() {
                    live.remove(&r.as_i64().unwrap());
                }
            }
            other => panic!("unknown kind {other}"),
        }
    }
    assert!(
        seen.values().all(|c| *c == 1),
        "a message was delivered twice: {:?}",
        seen.iter().filter(|(_, c)| **c > 1).collect::<Vec<_>>()
    );
    assert!(retractions >= 1, "the reorgs produced retractions");
    let mut consumed: Vec<Content> = live.into_values().collect();
    consumed.sort();
    let expected = clean_messages(&anvil, &core).await;
    assert!(!expected.is_empty());
    assert_eq!(
        consumed, expected,
        "the consumed stream differs from a clean index"
    );
    js.delete_stream(&stream).await.unwrap();
}

/// A webhook receiver: verifies signatures, fails the first attempt of
/// every third message, and always fails on `/down`.
#[derive(Default)]
struct Receiver {
    attempts: Mutex<HashMap<i64, u32>>,
    delivered: Mutex<Vec<serde_json::Value>>,
    down_hits: Mutex<Vec<(i64, Instant)>>,
    bad_signatures: AtomicU32,
}

const SECRET: &str = "it-webhook-secret";

fn verify(headers: &HeaderMap, body: &[u8]) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    headers
        .get("x-wraith-signature")
        .and_then(|v| v.to_str().ok())
        == Some(expected.as_str())
}

async fn flaky(
    State(r): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    if !verify(&headers, &body) {
        r.bad_signatures.fetch_add(1, Ordering::Relaxed);
        return StatusCode::UNAUTHORIZED;
    }
    let e: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let id = e["id"].as_i64().unwrap();
    assert_eq!(
        headers.get("x-wraith-id").unwrap().to_str().unwrap(),
        id.to_string()
    );
    let attempt = {
        let mut a = r.attempts.lock().unwrap();
        let n = a.entry(id).or_default();
        *n += 1;
        *n
    };
    if id % 3 == 0 && attempt == 1 {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    r.delivered.lock().unwrap().push(e);
    StatusCode::NO_CONTENT
}

async fn down(
    State(r): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    if !verify(&headers, &body) {
        r.bad_signatures.fetch_add(1, Ordering::Relaxed);
    }
    let e: serde_json::Value = serde_json::from_slice(&body).unwrap();
    r.down_hits
        .lock()
        .unwrap()
        .push((e["id"].as_i64().unwrap(), Instant::now()));
    StatusCode::SERVICE_UNAVAILABLE
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_flaky_and_a_dead_webhook_should_deliver_or_dead_letter_every_message_signed() {
    let receiver = Arc::new(Receiver::default());
    let port = free_port().unwrap();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(flaky))
        .route("/down", axum::routing::post(down))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let (anvil, core) = common::chain(4).await;
    let db = TestDb::create().await.unwrap();
    let mut opts = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![common::ghost_core_handler(core.ghost_core)],
    );
    opts.env = vec![("WRAITH_IT_HOOK_SECRET".into(), SECRET.into())];
    opts.extra = format!(
        "[streams]\npoll_interval_ms = 50\n\
         [[streams.sinks]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{port}/hook\"\nsecret_env = \"WRAITH_IT_HOOK_SECRET\"\nretry_initial_ms = 10\nretry_max_ms = 40\n\
         [[streams.sinks]]\nname = \"down\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{port}/down\"\nsecret_env = \"WRAITH_IT_HOOK_SECRET\"\nmax_attempts = 3\nbreaker_failures = 2\nbreaker_cooldown_ms = 300\nretry_initial_ms = 10\nretry_max_ms = 20\n"
    );
    let host = Host::start(&opts).await.unwrap();
    let mut rng = Rng(0xbeef);
    ghostnet::play(&anvil, &core, &mut rng, 8).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
    let pool = db.pool().await.unwrap();
    wait_published(&pool, "hook").await;
    wait_published(&pool, "down").await;

    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM wraith_outbox ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(ids.len(), 8);
    // Every message delivered once, in order, with a valid signature.
    let delivered: Vec<i64> = receiver
        .delivered
        .lock()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(delivered, ids);
    assert_eq!(receiver.bad_signatures.load(Ordering::Relaxed), 0);
    let retried: Vec<i64> = ids.iter().copied().filter(|id| id % 3 == 0).collect();
    for id in &retried {
        assert_eq!(
            receiver.attempts.lock().unwrap()[id],
            2,
            "message {id} was retried once"
        );
    }
    // The dead endpoint: every message tried 3 times, then dead-lettered.
    let dead: Vec<(i64, i32, String)> =
        sqlx::query_as("SELECT outbox_id, attempts, last_error FROM wraith_dead_letters WHERE sink = 'down' ORDER BY outbox_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(dead.iter().map(|d| d.0).collect::<Vec<_>>(), ids);
    assert!(
        dead.iter().all(|d| d.1 == 3 && d.2.contains("503")),
        "{dead:?}"
    );
    // The breaker opened after two consecutive failures: the next request
    // waited for the cool-down.
    let hits = receiver.down_hits.lock().unwrap().clone();
    assert_eq!(hits.len(), ids.len() * 3);
    let gap = hits[2].1 - hits[1].1;
    assert!(
        gap >= Duration::from_millis(250),
        "the third request came {gap:?} after the second"
    );
    let s = host.status().await.unwrap();
    let hook = s["sinks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "hook")
        .unwrap()
        .clone();
    assert_eq!(hook["delivered"], 8);
    assert_eq!(hook["kind"], "webhook");
}
