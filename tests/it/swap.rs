//! Hot swap and live reload: a new handler version under traffic (modes
//! `continue` and `reindex`) loses and duplicates nothing; bad components
//! are refused with the old version still indexing; reindex equals a clean
//! index with the new version; configuration reloads apply, refuse, or
//! report a needed restart.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use sqlx::PgPool;
use wraith_tests::ghostnet::{self, Rng};
use wraith_tests::{Anvil, Host, HostOptions, TestDb, paths, relabel, wait_until};

use crate::common;

const TOKEN: &str = "it-admin-token";

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn v1() -> Vec<u8> {
    std::fs::read(paths::handler("ghost_core_handler.wasm").unwrap()).unwrap()
}

fn fixture(file: &str) -> Vec<u8> {
    std::fs::read(paths::repo_root().join("tests/fixtures/dist").join(file)).unwrap()
}

fn ghost_core(status: &serde_json::Value) -> serde_json::Value {
    status["handlers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "ghost-core")
        .cloned()
        .unwrap()
}

fn admin_options(anvil: &Anvil, db: &TestDb, core: &ghostnet::Core) -> HostOptions {
    let mut opts = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![common::ghost_core_handler(core.ghost_core)],
    );
    opts.env = vec![("WRAITH_ADMIN_TOKEN".into(), TOKEN.into())];
    opts
}

/// A clean index of the node's chain by `handler` into a fresh database.
async fn clean_index(anvil: &Anvil, handler: wraith_tests::host::HandlerSpec) -> (TestDb, PgPool) {
    let db = TestDb::create().await.unwrap();
    let host = Host::start(&HostOptions::new(&anvil.url, &db.url, vec![handler]))
        .await
        .unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
    let pool = db.pool().await.unwrap();
    (db, pool)
}

/// Data messages of the outbox (not retracted) by content, sorted.
async fn outbox(pool: &PgPool) -> Vec<(String, String, String, i64, i32)> {
    let mut rows: Vec<(String, String, String, i64, i32)> = sqlx::query_as(
        "SELECT stream_name, msg_key, payload::text, block_number, log_index FROM wraith_outbox
         WHERE kind = 'data' AND retracted_by IS NULL",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_continuous_traffic_when_swapping_ghost_core_20_times_should_lose_and_duplicate_nothing()
 {
    let (anvil, core) = common::chain(6).await;
    let db = TestDb::create().await.unwrap();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let stream = format!("WRAITH_SWAP_{}_{n}", std::process::id());
    let mut opts = admin_options(&anvil, &db, &core);
    opts.extra = format!(
        "[streams]\npoll_interval_ms = 50\n[[streams.sinks]]\nname = \"nats\"\nkind = \"jetstream\"\nurl = \"nats://127.0.0.1:4222\"\nstream = \"{stream}\"\nsubject_prefix = \"wraith-swap-{}-{n}\"\n",
        std::process::id()
    );
    let host = Host::start(&opts).await.unwrap();
    let mut rng = Rng(0x5a4b);
    ghostnet::play(&anvil, &core, &mut rng, 6).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();

    let stop = AtomicBool::new(false);
    let traffic = async {
        let mut rng = Rng(0x7a11);
        let mut steps = 0;
        while !stop.load(Ordering::Relaxed) {
            ghostnet::play(&anvil, &core, &mut rng, 1).await.unwrap();
            steps += 1;
        }
        steps
    };
    let base = v1();
    let swaps = async {
        let mut reports = Vec::new();
        for i in 0..20 {
            let mode = if i % 2 == 0 { "continue" } else { "reindex" };
            let (code, body) = host
                .post(
                    &format!("/admin/handlers/ghost-core?mode={mode}"),
                    Some(TOKEN),
                    relabel(&base, &format!("swap-{i}")),
                )
                .await
                .unwrap();
            assert_eq!(code, 200, "swap {i} ({mode}): {body}");
            assert_eq!(body["mode"], mode);
            assert_eq!(body["unchanged"], false);
            reports.push(body);
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        stop.store(true, Ordering::Relaxed);
        reports
    };
    let (steps, reports) = tokio::join!(traffic, swaps);
    assert!(steps >= 20, "traffic ran during the swaps ({steps} steps)");
    let last_hash = reports.last().unwrap()["version_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        reports
            .iter()
            .any(|r| r["replayed_blocks"].as_u64() > Some(0)),
        "reindex swaps replayed the archive: {reports:?}"
    );
    let head = anvil.block_number().await.unwrap();
    host.wait_indexed(head, common::CATCH_UP).await.unwrap();

    // Status: 20 swaps, the last version running and checkpointed.
    let status = host.status().await.unwrap();
    let gc = ghost_core(&status);
    assert_eq!(gc["swaps"]["swaps"], 20, "{gc}");
    assert_eq!(gc["version_hash"], last_hash.as_str());
    assert_eq!(gc["state"], "running");
    let pool = db.pool().await.unwrap();
    let versions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM wraith_handler_versions WHERE handler = 'ghost-core'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(versions, 21, "every version is recorded");
    let cp_hash: String = sqlx::query_scalar(
        "SELECT version_hash FROM wraith_checkpoints WHERE handler = 'ghost-core'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(cp_hash, last_hash);

    // Tables and messages equal a clean index: nothing lost, nothing twice.
    let (_clean_db, clean) = clean_index(&anvil, common::ghost_core_handler(core.ghost_core)).await;
    assert_eq!(
        common::dump_ghost_core(&pool).await,
        common::dump_ghost_core(&clean).await,
        "tables after 20 swaps differ from a clean index"
    );
    let published = outbox(&pool).await;
    assert_eq!(published, outbox(&clean).await, "outbox differs");

    // The JetStream stream carries each outbox message exactly once.
    wait_until(
        "the sink to publish everything",
        common::CATCH_UP,
        || async {
            let head: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM wraith_outbox")
                .fetch_one(&pool)
                .await?;
            let cursor: Option<i64> =
                sqlx::query_scalar("SELECT last_id FROM wraith_sink_cursors WHERE sink = 'nats'")
                    .fetch_optional(&pool)
                    .await?;
            Ok((cursor == Some(head)).then_some(()))
        },
    )
    .await
    .unwrap();
    let client = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
    let js = async_nats::jetstream::new(client);
    let mut st = js.get_stream(&stream).await.unwrap();
    let info = st.info().await.unwrap().clone();
    let mut seen: HashMap<i64, u32> = HashMap::new();
    for seq in info.state.first_sequence..=info.state.last_sequence {
        let msg = st.get_raw_message(seq).await.unwrap();
        let e: serde_json::Value = serde_json::from_slice(&msg.payload).unwrap();
        *seen.entry(e["id"].as_i64().unwrap()).or_default() += 1;
    }
    let outbox_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM wraith_outbox ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut stream_ids: Vec<i64> = seen.keys().copied().collect();
    stream_ids.sort_unstable();
    assert_eq!(stream_ids, outbox_ids, "the stream holds every outbox id");
    assert!(
        seen.values().all(|c| *c == 1),
        "a message was published twice"
    );
    js.delete_stream(&stream).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_bad_components_should_refuse_each_and_keep_the_old_version_indexing() {
    let (anvil, core) = common::chain(3).await;
    let db = TestDb::create().await.unwrap();
    let host = Host::start(&admin_options(&anvil, &db, &core))
        .await
        .unwrap();
    let mut rng = Rng(0xbad);
    ghostnet::play(&anvil, &core, &mut rng, 3).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
    let before = ghost_core(&host.status().await.unwrap())["version_hash"].clone();

    // Authentication and input errors.
    let path = "/admin/handlers/ghost-core";
    // The token is checked before the body is read, so these send no body
    // (a large one could be cut off mid-send by the early 401).
    let (code, body) = host.post(path, None, Vec::new()).await.unwrap();
    assert_eq!(
        (code, &body["error"]["code"]),
        (401, &"UNAUTHORIZED".into())
    );
    let (code, _) = host.post(path, Some("wrong"), Vec::new()).await.unwrap();
    assert_eq!(code, 401);
    let (code, body) = host
        .post("/admin/handlers/nope", Some(TOKEN), v1())
        .await
        .unwrap();
    assert_eq!((code, &body["error"]["code"]), (404, &"NOT_FOUND".into()));
    let (code, body) = host
        .post(&format!("{path}?mode=sideways"), Some(TOKEN), v1())
        .await
        .unwrap();
    assert_eq!((code, &body["error"]["code"]), (400, &"BAD_REQUEST".into()));

    // Each bad component is refused with its reason.
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("not a component", b"\0asm garbage".to_vec(), "component"),
        (
            "wrong world",
            fixture("fixture_wrong_world.wasm"),
            "wraith:handler/handler@0.1.0",
        ),
        (
            "another handler's manifest",
            fixture("fixture_traps.wasm"),
            "fixture-traps",
        ),
    ];
    for (what, bytes, needle) in cases {
        let (code, body) = host.post(path, Some(TOKEN), bytes).await.unwrap();
        assert_eq!(code, 422, "{what}: {body}");
        assert_eq!(body["error"]["code"], "COMPONENT_REJECTED", "{what}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{what}: {message}");
        let gc = ghost_core(&host.status().await.unwrap());
        assert_eq!(gc["version_hash"], before, "{what}: the old version runs");
        assert_eq!(
            gc["swaps"]["last_rejection"]["reason"].as_str(),
            Some(message),
            "{what}: the status shows the reason"
        );
    }
    // The old version still indexes.
    ghostnet::play(&anvil, &core, &mut rng, 3).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
    let pool = db.pool().await.unwrap();
    let (_c, clean) = clean_index(&anvil, common::ghost_core_handler(core.ghost_core)).await;
    assert_eq!(
        common::dump_ghost_core(&pool).await,
        common::dump_ghost_core(&clean).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_v2_component_when_reindexing_should_equal_a_clean_index_with_v2() {
    let (anvil, core) = common::chain(5).await;
    let db = TestDb::create().await.unwrap();
    let host = Host::start(&admin_options(&anvil, &db, &core))
        .await
        .unwrap();
    let mut rng = Rng(0x2e1d);
    ghostnet::play(&anvil, &core, &mut rng, 15).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
    let pool = db.pool().await.unwrap();
    let v1_kinds: i64 =
        sqlx::query_scalar("SELECT count(*) FROM position_events WHERE kind NOT LIKE '%.v2'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(v1_kinds > 0);

    let (code, report) = host
        .post(
            "/admin/handlers/ghost-core?mode=reindex",
            Some(TOKEN),
            fixture("ghost_core_handler_v2.wasm"),
        )
        .await
        .unwrap();
    assert_eq!(code, 200, "{report}");
    assert!(report["replayed_blocks"].as_u64().unwrap() > 0, "{report}");
    ghostnet::play(&anvil, &core, &mut rng, 5).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();

    let v2 = wraith_tests::host::HandlerSpec {
        component: paths::repo_root().join("tests/fixtures/dist/ghost_core_handler_v2.wasm"),
        ..common::ghost_core_handler(core.ghost_core)
    };
    let (_c, clean) = clean_index(&anvil, v2).await;
    let ours = common::dump_ghost_core(&pool).await;
    assert_eq!(
        ours,
        common::dump_ghost_core(&clean).await,
        "reindex differs from a clean v2 index"
    );
    assert!(
        ours[1].iter().all(|row| row.contains(".v2")),
        "every event is v2's"
    );
    let digests = |p: PgPool| async move {
        sqlx::query_as::<_, (i64, Vec<u8>, String)>(
            "SELECT block_number, digest, version_hash FROM wraith_digests WHERE handler = 'ghost-core' ORDER BY block_number",
        )
        .fetch_all(&p)
        .await
        .unwrap()
    };
    assert_eq!(
        digests(pool.clone()).await,
        digests(clean.clone()).await,
        "per-block digests and versions equal the clean v2 index"
    );
}

/// Rewrite the host's config file with `edit` applied.
fn edit_config(host: &Host, edit: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(&host.config_path).unwrap();
    let new = edit(&text);
    assert_ne!(new, text, "the edit changes the file");
    std::fs::write(&host.config_path, new).unwrap();
}

async fn wait_reload(host: &Host, attempts: u64) -> serde_json::Value {
    wait_until(
        &format!("reload attempt {attempts}"),
        Duration::from_secs(30),
        || async {
            let s = host.status().await?;
            Ok((s["reload"]["attempts"].as_u64() >= Some(attempts)).then(|| s["reload"].clone()))
        },
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_config_edits_should_apply_live_refuse_invalid_and_report_restart_only_changes() {
    let (anvil, core) = common::chain(3).await;
    let db = TestDb::create().await.unwrap();
    let mut opts = admin_options(&anvil, &db, &core);
    opts.extra = "[admin]\nwatch_interval_ms = 100\n".into();
    let host = Host::start(&opts).await.unwrap();
    let mut rng = Rng(0xc0f);
    ghostnet::play(&anvil, &core, &mut rng, 2).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();

    // 1. A valid live change (file watch): log level and a handler setting.
    edit_config(&host, |t| {
        t.replace(
            "level = \"info,wraith_host=debug\"",
            "level = \"info,wraith_host=trace\"",
        )
        .replace(
            "name = \"ghost-core\"",
            "name = \"ghost-core\"\non_failure = \"skip\"",
        )
        .replace("[api]\n", "[api]\nrate_limit_per_ip = 500\n")
    });
    let r = wait_reload(&host, 1).await;
    assert_eq!(r["ok"], true, "{r}");
    let applied: Vec<&str> = r["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        applied,
        vec!["log.level", "api.rate_limit", "handlers.ghost-core"],
        "{r}"
    );
    assert_eq!(r["restart_required"], serde_json::json!([]));
    let (code, admin) = host.get("/admin/handlers").await.unwrap();
    assert_eq!(code, 401, "admin routes need the token: {admin}");

    // 2. An invalid file: refused, the old configuration keeps running.
    edit_config(&host, |t| t.replace("[chain]", "[chain]\nno_such_key = 1"));
    let r = wait_reload(&host, 2).await;
    assert_eq!(r["ok"], false);
    assert!(
        r["error"].as_str().unwrap().contains("no_such_key"),
        "the error names the key: {r}"
    );
    ghostnet::play(&anvil, &core, &mut rng, 2).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();

    // 3. A restart-only change (SIGHUP): reported, not applied.
    edit_config(&host, |t| {
        t.replace("[chain]\nno_such_key = 1", "[chain]")
            .replace("reorg_window = 64", "reorg_window = 32")
    });
    host.signal(libc::SIGHUP).unwrap();
    let r = wait_reload(&host, 3).await;
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(
        r["restart_required"],
        serde_json::json!(["chain.reorg_window"]),
        "{r}"
    );
    let s = host.status().await.unwrap();
    assert!(s["fatal"].is_null());
    ghostnet::play(&anvil, &core, &mut rng, 1).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
}
