//! Streams: the outbox published to NATS JetStream, Apache Iggy (when
//! `WRAITH_IGGY_ADDR` names a server) and webhooks, with reorg
//! retractions, across kill -9 restarts: nothing lost, nothing duplicated,
//! every signature valid.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use iggy::prelude::{
    Client, Consumer, Identifier, IggyClient, MessageClient, PollingStrategy, StreamClient,
    TopicClient, UserClient,
};
use sha2::Sha256;
use sqlx::PgPool;
use wraith_host::sinks::stream::{IggySettings, IggySink, OutboxRow, partition_index};
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

/// A chain indexed with a stream sink through reorgs and kill -9 restarts,
/// its outbox fully published.
struct Run {
    anvil: Anvil,
    core: ghostnet::Core,
    _db: TestDb,
}

/// Index live traffic with reorgs and at least 5 kill -9 restarts of the
/// host, `sink` (the `[[streams.sinks]]` table of the sink named `name`)
/// configured, `env` in the host's environment; return once the sink has
/// published the whole outbox.
async fn run_with_reorgs_and_kills(sink: &str, name: &str, env: Vec<(String, String)>) -> Run {
    let (anvil, core) = common::chain(8).await;
    let db = TestDb::create().await.unwrap();
    let mut opts = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![common::ghost_core_handler(core.ghost_core)],
    );
    opts.env = env;
    opts.extra = format!("[streams]\npoll_interval_ms = 50\n{sink}");
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
            // The host has indexed (and published) the blocks the reorg
            // drops, so it must retract their messages.
            host.wait_indexed(height, common::CATCH_UP).await.unwrap();
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
    wait_published(&db.pool().await.unwrap(), name).await;
    Run {
        anvil,
        core,
        _db: db,
    }
}

/// What a consumer made of a stream: every message envelope it received.
#[derive(Default)]
struct Replay {
    copies: HashMap<i64, u32>,
    data: BTreeMap<i64, Content>,
    retracted: HashSet<i64>,
    reverts: HashSet<i64>,
}

impl Replay {
    /// Take one delivered message.
    fn take(&mut self, e: &serde_json::Value) {
        let id = e["id"].as_i64().unwrap();
        *self.copies.entry(id).or_default() += 1;
        match e["kind"].as_str().unwrap() {
            "data" => {
                self.data.insert(id, content(e));
            }
            "revert" => {
                self.reverts.insert(id);
                for r in e["payload"]["retracted_ids"].as_array().unwrap() {
                    self.retracted.insert(r.as_i64().unwrap());
                }
            }
            other => panic!("unknown kind {other}"),
        }
    }

    /// Every data message arrived once and every revert `revert_copies`
    /// times; applying the reverts leaves exactly the messages of a clean
    /// index of the final chain.
    async fn assert_equals_clean_index(self, run: &Run, revert_copies: u32) {
        let wrong: Vec<_> = self
            .copies
            .iter()
            .filter(|(id, c)| {
                let want = if self.reverts.contains(id) {
                    revert_copies
                } else {
                    1
                };
                **c != want
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "messages delivered the wrong number of times (id, copies): {wrong:?}"
        );
        assert!(!self.reverts.is_empty(), "the reorgs produced retractions");
        let mut consumed: Vec<Content> = self
            .data
            .into_iter()
            .filter(|(id, _)| !self.retracted.contains(id))
            .map(|(_, c)| c)
            .collect();
        consumed.sort();
        let expected = clean_messages(&run.anvil, &run.core).await;
        assert!(!expected.is_empty());
        assert_eq!(
            consumed, expected,
            "the consumed stream differs from a clean index"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_reorgs_and_kill_9_restarts_when_consuming_jetstream_should_equal_a_clean_index() {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let stream = format!("WRAITH_IT_{}_{n}", std::process::id());
    let prefix = format!("wraith-it-{}-{n}", std::process::id());
    let run = run_with_reorgs_and_kills(
        &format!(
            "[[streams.sinks]]\nname = \"nats\"\nkind = \"jetstream\"\nurl = \"nats://127.0.0.1:4222\"\nstream = \"{stream}\"\nsubject_prefix = \"{prefix}\"\nretry_initial_ms = 20\nretry_max_ms = 500\n"
        ),
        "nats",
        Vec::new(),
    )
    .await;

    // Consume the whole JetStream stream.
    let client = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
    let js = async_nats::jetstream::new(client);
    let mut st = js.get_stream(&stream).await.unwrap();
    let info = st.info().await.unwrap().clone();
    let mut replay = Replay::default();
    for seq in info.state.first_sequence..=info.state.last_sequence {
        let msg = st.get_raw_message(seq).await.unwrap();
        let e: serde_json::Value = serde_json::from_slice(&msg.payload).unwrap();
        let msg_id = msg
            .headers
            .get("Nats-Msg-Id")
            .map(|v| v.as_str().to_owned());
        assert_eq!(
            msg_id,
            Some(e["id"].as_i64().unwrap().to_string()),
            "Nats-Msg-Id is the outbox id"
        );
        replay.take(&e);
    }
    replay.assert_equals_clean_index(&run, 1).await;
    js.delete_stream(&stream).await.unwrap();
}

/// The Iggy server of the Iggy tests (`WRAITH_IGGY_ADDR`), or `None` with
/// the reason printed.
fn iggy_address(test: &str) -> Option<String> {
    match std::env::var("WRAITH_IGGY_ADDR") {
        Ok(a) if !a.is_empty() => Some(a),
        _ => {
            eprintln!(
                "skipping {test}: WRAITH_IGGY_ADDR is not set (point it at an Apache Iggy server's TCP address, e.g. 127.0.0.1:8090; credentials from WRAITH_IGGY_USERNAME / WRAITH_IGGY_PASSWORD, default iggy / iggy)"
            );
            None
        }
    }
}

/// Iggy credentials for the tests: `WRAITH_IGGY_USERNAME` and
/// `WRAITH_IGGY_PASSWORD`, default `iggy` / `iggy`.
fn iggy_credentials() -> (String, String) {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| "iggy".to_owned());
    (var("WRAITH_IGGY_USERNAME"), var("WRAITH_IGGY_PASSWORD"))
}

async fn iggy_client(address: &str) -> IggyClient {
    let client = IggyClient::builder()
        .with_tcp()
        .with_server_address(address.to_owned())
        .build()
        .unwrap();
    client.connect().await.unwrap();
    let (user, password) = iggy_credentials();
    client.login_user(&user, &password).await.unwrap();
    client
}

/// One message read back from Iggy.
struct IggyReceived {
    partition: u32,
    id: u128,
    headers: BTreeMap<String, String>,
    envelope: serde_json::Value,
}

/// Every message of every partition of `stream`/`topic`, each partition
/// in offset order; and the partition ids.
async fn iggy_read_all(
    client: &IggyClient,
    stream: &str,
    topic: &str,
) -> (Vec<u32>, Vec<IggyReceived>) {
    let sid = Identifier::named(stream).unwrap();
    let tid = Identifier::named(topic).unwrap();
    let details = client.get_topic(&sid, &tid).await.unwrap().unwrap();
    let partitions: Vec<u32> = {
        let mut p: Vec<u32> = details.partitions.iter().map(|p| p.id).collect();
        p.sort_unstable();
        p
    };
    let consumer = Consumer::new(Identifier::named("wraith-it").unwrap());
    let mut out = Vec::new();
    for &p in &partitions {
        let mut offset = 0;
        loop {
            let polled = client
                .poll_messages(
                    &sid,
                    &tid,
                    Some(p),
                    &consumer,
                    &PollingStrategy::offset(offset),
                    100,
                    false,
                )
                .await
                .unwrap();
            let Some(last) = polled.messages.last() else {
                break;
            };
            offset = last.header.offset + 1;
            for m in &polled.messages {
                let headers = m
                    .user_headers_map()
                    .unwrap()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k.to_string_value(), v.as_str().unwrap().to_owned()))
                    .collect();
                out.push(IggyReceived {
                    partition: p,
                    id: m.header.id,
                    headers,
                    envelope: serde_json::from_slice(&m.payload).unwrap(),
                });
            }
        }
    }
    (partitions, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_reorgs_and_kill_9_restarts_when_consuming_iggy_should_equal_a_clean_index() {
    let Some(address) = iggy_address(
        "given_reorgs_and_kill_9_restarts_when_consuming_iggy_should_equal_a_clean_index",
    ) else {
        return;
    };
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let stream = format!("wraith-it-{}-{n}", std::process::id());
    let (user, password) = iggy_credentials();
    let run = run_with_reorgs_and_kills(
        &format!(
            "[[streams.sinks]]\nname = \"iggy\"\nkind = \"iggy\"\naddress = \"{address}\"\nstream = \"{stream}\"\ntopic = \"events\"\npartitions = 3\nusername_env = \"WRAITH_IT_IGGY_USER\"\npassword_env = \"WRAITH_IT_IGGY_PASSWORD\"\nretry_initial_ms = 20\nretry_max_ms = 500\n"
        ),
        "iggy",
        vec![
            ("WRAITH_IT_IGGY_USER".into(), user),
            ("WRAITH_IT_IGGY_PASSWORD".into(), password),
        ],
    )
    .await;

    let client = iggy_client(&address).await;
    let (partitions, received) = iggy_read_all(&client, &stream, "events").await;
    assert_eq!(
        partitions.len(),
        3,
        "the topic was created with 3 partitions"
    );
    eprintln!(
        "iggy: {} message(s) read from partitions {partitions:?}",
        received.len()
    );
    let mut replay = Replay::default();
    // Per partition: the ids seen so far (a revert must come after the data
    // it retracts in every partition).
    let mut before: HashMap<u32, HashSet<i64>> = HashMap::new();
    let mut key_partition: HashMap<String, u32> = HashMap::new();
    for m in &received {
        let e = &m.envelope;
        let id = e["id"].as_i64().unwrap();
        assert_eq!(
            m.id,
            u128::try_from(id).unwrap(),
            "the Iggy message id is the outbox id"
        );
        let h = |k: &str| m.headers.get(k).cloned();
        assert_eq!(h("wraith-id"), Some(id.to_string()));
        assert_eq!(h("wraith-kind").as_deref(), e["kind"].as_str());
        assert_eq!(h("wraith-chain-id"), Some(e["chain_id"].to_string()));
        assert_eq!(
            h("wraith-block-number"),
            Some(e["block_number"].to_string())
        );
        assert_eq!(h("wraith-block-hash").as_deref(), e["block_hash"].as_str());
        assert_eq!(h("wraith-handler").as_deref(), Some("ghost-core"));
        assert!(h("wraith-handler-version").is_some());
        let seen = before.entry(m.partition).or_default();
        if e["kind"] == "data" {
            assert_eq!(h("wraith-tx-hash").as_deref(), e["tx_hash"].as_str());
            assert_eq!(h("wraith-log-index"), Some(e["log_index"].to_string()));
            let key = e["key"].as_str().unwrap().to_owned();
            assert_eq!(
                m.partition,
                partitions[partition_index(&key, partitions.len())],
                "a key's messages go to its partition"
            );
            assert_eq!(
                *key_partition.entry(key).or_insert(m.partition),
                m.partition
            );
        } else {
            for r in e["payload"]["retracted_ids"].as_array().unwrap() {
                let r = r.as_i64().unwrap();
                let elsewhere = received
                    .iter()
                    .any(|o| o.partition == m.partition && o.envelope["id"] == r);
                assert!(
                    !elsewhere || seen.contains(&r),
                    "revert {id} precedes the data {r} it retracts in partition {}",
                    m.partition
                );
            }
        }
        seen.insert(id);
        replay.take(e);
    }
    // A revert goes to every partition.
    replay.assert_equals_clean_index(&run, 3).await;
    client
        .delete_stream(&Identifier::named(&stream).unwrap())
        .await
        .unwrap();
}

fn outbox_row(id: i64, key: &str) -> OutboxRow {
    OutboxRow {
        id,
        kind: "data".into(),
        block_number: 10 + id,
        block_hash: vec![0xab; 32],
        tx_hash: Some(vec![0xcd; 32]),
        log_index: Some(0),
        handler: "ghost-core".into(),
        handler_version: "v1".into(),
        stream_name: "ghostnet.positions".into(),
        msg_key: key.into(),
        payload: format!("{{\"n\":{id}}}"),
    }
}

/// A crash between "published" and "cursor saved" makes the publisher send
/// a batch again: a fresh sink finds the batch's messages already in the
/// topic and sends only what is missing. A topic holding messages that are
/// not this batch's is not trusted: the batch goes out in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_batch_already_in_iggy_when_a_fresh_sink_publishes_it_again_should_not_duplicate() {
    let Some(address) = iggy_address(
        "given_a_batch_already_in_iggy_when_a_fresh_sink_publishes_it_again_should_not_duplicate",
    ) else {
        return;
    };
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let stream = format!("wraith-it-resume-{}-{n}", std::process::id());
    let (username, password) = iggy_credentials();
    let settings = IggySettings {
        address: address.clone(),
        stream: stream.clone(),
        topic: "t".into(),
        partitions: 2,
        username,
        password,
    };
    let keys = ["0x01", "0x02", "0x03", "0x04", "0x05"];
    let rows: Vec<OutboxRow> = (1..=6)
        .map(|i| outbox_row(i, keys[i as usize % keys.len()]))
        .collect();
    let ids = |received: &[IggyReceived]| {
        let mut v: Vec<u128> = received.iter().map(|m| m.id).collect();
        v.sort_unstable();
        v
    };
    let client = iggy_client(&address).await;

    // Rows 1-4 published, then the host died before saving its cursor.
    IggySink::new("resume", settings.clone())
        .publish(&rows[..4], 31337)
        .await
        .unwrap();
    // A new process publishes rows 1-6.
    IggySink::new("resume", settings.clone())
        .publish(&rows, 31337)
        .await
        .unwrap();
    let (_, received) = iggy_read_all(&client, &stream, "t").await;
    assert_eq!(ids(&received), (1..=6).collect::<Vec<u128>>());

    // Another outbox (ids again from 1) into the same topic: its newest
    // message (6) is beyond this batch, so nothing is skipped.
    IggySink::new("resume", settings.clone())
        .publish(&rows[..2], 31337)
        .await
        .unwrap();
    let (_, received) = iggy_read_all(&client, &stream, "t").await;
    assert_eq!(ids(&received), vec![1, 1, 2, 2, 3, 4, 5, 6]);
    client
        .delete_stream(&Identifier::named(&stream).unwrap())
        .await
        .unwrap();
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
