//! The spine: chain → WASM handler → PostgreSQL → REST.

use alloy::primitives::{Address, U256};
use sqlx::Row;
use wraith_tests::ghostnet::{IGhostCore, data};
use wraith_tests::{Host, HostOptions, TestDb, wait_until};

use crate::common::{self, CATCH_UP};

fn hex(a: Address) -> String {
    format!("{a:#x}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_ghost_core_traffic_when_indexed_should_store_exact_positions() {
    let (anvil, core) = common::chain(6).await;
    let (_db, host, pool) = common::host(&anvil, &core).await;
    let gc = core.ghost_core;
    let [a, b, c, d, e, f] = core.players[..6] else {
        panic!()
    };

    // MAINFRAME holds two positions, so a third entrant culls the first.
    let mut cfg = anvil
        .call(gc, IGhostCore::getLevelConfigCall { level: 2 })
        .await
        .unwrap();
    cfg.maxPositions = 2;
    anvil
        .send(
            core.admin,
            gc,
            IGhostCore::updateLevelConfigCall {
                level: 2,
                config: cfg,
            },
        )
        .await
        .unwrap();

    let odd = data(100) + U256::from(123_456_789u64); // not a round number
    anvil
        .send(
            a,
            gc,
            IGhostCore::jackInCall {
                amount: odd,
                level: 1,
            },
        )
        .await
        .unwrap();
    common::jack_in(&anvil, gc, b, 250, 5).await;
    anvil
        .send(a, gc, IGhostCore::addStakeCall { amount: data(50) })
        .await
        .unwrap();
    common::jack_in(&anvil, gc, c, 10, 1).await;
    anvil.send(c, gc, IGhostCore::extractCall {}).await.unwrap();
    common::jack_in(&anvil, gc, d, 100, 2).await;
    common::jack_in(&anvil, gc, e, 40, 2).await;
    let cull = anvil
        .send(
            f,
            gc,
            IGhostCore::jackInCall {
                amount: data(30),
                level: 2,
            },
        )
        .await
        .unwrap();
    let last = anvil.block_number().await.unwrap();
    host.wait_indexed(last, CATCH_UP).await.unwrap();

    // Exact rows, compared with the contract's own view.
    for (user, level, alive) in [
        (a, 1, true),
        (b, 5, true),
        (e, 2, true),
        (f, 2, true),
        (d, 2, false),
    ] {
        let onchain = anvil
            .call(gc, IGhostCore::getPositionCall { user })
            .await
            .unwrap();
        let row = sqlx::query("SELECT level, amount::text, is_alive, is_extracted, exit_reason FROM positions WHERE user_address = $1")
            .bind(user.to_vec())
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(row.get::<i16, _>(0), level, "level of {user}");
        assert_eq!(
            row.get::<String, _>(1),
            onchain.amount.to_string(),
            "amount of {user}"
        );
        assert_eq!(row.get::<bool, _>(2), alive, "alive of {user}");
        assert_eq!(onchain.alive, alive, "on-chain alive of {user}");
        assert!(!row.get::<bool, _>(3));
        assert_eq!(
            row.get::<Option<String>, _>(4).as_deref(),
            if alive { None } else { Some("culled") }
        );
    }
    let a_amount: String =
        sqlx::query_scalar("SELECT amount::text FROM positions WHERE user_address = $1")
            .bind(a.to_vec())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(a_amount, (odd + data(50)).to_string());
    let culled: (String, String) = sqlx::query_as(
        "SELECT culled_penalty::text, culled_returned::text FROM positions WHERE user_address = $1",
    )
    .bind(d.to_vec())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(culled, (data(80).to_string(), data(20).to_string()));
    let extracted: (bool, String, String, String) = sqlx::query_as(
        "SELECT is_extracted, exit_reason, extracted_amount::text, extracted_rewards::text FROM positions WHERE user_address = $1",
    )
    .bind(c.to_vec())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        extracted,
        (
            true,
            "extracted".to_owned(),
            data(10).to_string(),
            "0".to_owned()
        )
    );

    // The history, in chain order.
    let kinds: Vec<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT kind, user_address FROM position_events ORDER BY block_number, log_index",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected: Vec<(&str, Address)> = vec![
        ("jacked_in", a),
        ("jacked_in", b),
        ("stake_added", a),
        ("jacked_in", c),
        ("extracted", c),
        ("jacked_in", d),
        ("jacked_in", e),
        ("culled", d),
        ("jacked_in", f),
    ];
    assert_eq!(
        kinds,
        expected
            .iter()
            .map(|(k, u)| ((*k).to_owned(), u.to_vec()))
            .collect::<Vec<_>>()
    );
    // Culling and the entrant's JackedIn share the transaction; PositionCulled comes first.
    let order: Vec<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT kind, tx_hash FROM position_events WHERE tx_hash = $1 ORDER BY log_index",
    )
    .bind(cull.transaction_hash.to_vec())
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        order.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        vec!["culled", "jacked_in"]
    );

    // The outbox has one feed message per event, in chain order.
    let feed: Vec<String> =
        sqlx::query_scalar("SELECT payload->>'type' FROM wraith_outbox ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        feed,
        vec![
            "JACK_IN",
            "JACK_IN",
            "STAKE_ADDED",
            "JACK_IN",
            "EXTRACTED",
            "JACK_IN",
            "JACK_IN",
            "POSITION_CULLED",
            "JACK_IN"
        ]
    );

    // REST.
    let (code, body) = host
        .get(&format!("/api/v1/positions/{}", hex(a)))
        .await
        .unwrap();
    assert_eq!(code, 200);
    assert_eq!(body["amount"], (odd + data(50)).to_string());
    assert_eq!(body["user_address"], hex(a));
    assert_eq!(body["level"], 1);
    let (_, body) = host
        .get(&format!("/api/v1/positions/{}", hex(c)))
        .await
        .unwrap();
    assert!(
        body.is_null(),
        "an extracted position is not active: {body}"
    );
    let (_, body) = host.get("/api/v1/positions?level=2").await.unwrap();
    assert_eq!(body["total"], 2);
    let listed: Vec<&str> = body["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user_address"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![hex(e), hex(f)]);
    let (code, body) = host.get("/api/v1/positions/0x1234").await.unwrap();
    assert_eq!(code, 400);
    assert_eq!(body["error"]["code"], "INVALID_ADDRESS");
    let (code, body) = host.get("/api/v1/positions?level=9").await.unwrap();
    assert_eq!(code, 400);
    assert_eq!(body["error"]["code"], "INVALID_PARAMETER");
    assert!(body["error"]["message"].as_str().unwrap().contains("level"));
    let (code, body) = host.get("/api/v1/nope").await.unwrap();
    assert_eq!(
        (code, body["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );

    let status = host.status().await.unwrap();
    assert_eq!(status["indexed_block"], last);
    assert_eq!(status["handlers"][0]["name"], "ghost-core");
    assert_eq!(status["handlers"][0]["state"], "running");
    assert_eq!(
        status["handlers"][0]["version_hash"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    let (code, ready) = host.get("/health/ready").await.unwrap();
    assert_eq!(code, 200, "{ready}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_position_when_emergency_withdrawn_while_paused_should_record_the_reason() {
    let (anvil, core) = common::chain(2).await;
    let (_db, host, pool) = common::host(&anvil, &core).await;
    let gc = core.ghost_core;
    let p = core.players[0];
    common::jack_in(&anvil, gc, p, 20, 1).await;
    anvil
        .send(core.admin, gc, IGhostCore::pauseCall {})
        .await
        .unwrap();
    anvil
        .send(p, gc, IGhostCore::emergencyWithdrawCall {})
        .await
        .unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), CATCH_UP)
        .await
        .unwrap();
    let (reason, amount): (String, String) = sqlx::query_as(
        "SELECT exit_reason, extracted_amount::text FROM positions WHERE user_address = $1",
    )
    .bind(p.to_vec())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (reason.as_str(), amount),
        ("emergency_withdraw", data(20).to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_host_killed_mid_stream_when_restarted_should_equal_an_uninterrupted_run() {
    let (anvil, core) = common::chain(8).await;
    let (_db, mut host, pool) = common::host(&anvil, &core).await;
    let gc = core.ghost_core;
    let players = core.players.clone();
    for (i, p) in players.iter().enumerate() {
        anvil
            .send(
                *p,
                gc,
                IGhostCore::jackInCall {
                    amount: data(250 + i as u64),
                    level: 1 + (i % 5) as u8,
                },
            )
            .await
            .unwrap();
        if i == 3 {
            // Crash while the host is indexing.
            host.kill9();
        }
    }
    for p in &players[..4] {
        anvil
            .send(*p, gc, IGhostCore::addStakeCall { amount: data(7) })
            .await
            .unwrap();
    }
    host.restart().await.unwrap();
    for p in &players[4..] {
        anvil
            .send(*p, gc, IGhostCore::addStakeCall { amount: data(3) })
            .await
            .unwrap();
    }
    let last = anvil.block_number().await.unwrap();
    host.wait_indexed(last, CATCH_UP).await.unwrap();

    // A clean index of the same chain, without the stop.
    let clean_db = TestDb::create().await.unwrap();
    let clean = Host::start(&HostOptions::new(
        &anvil.url,
        &clean_db.url,
        vec![common::ghost_core_handler(gc)],
    ))
    .await
    .unwrap();
    clean.wait_indexed(last, common::CATCH_UP).await.unwrap();
    let clean_pool = clean_db.pool().await.unwrap();
    assert_eq!(
        common::dump_ghost_core(&pool).await,
        common::dump_ghost_core(&clean_pool).await
    );
    let outbox = "SELECT id, stream_name, msg_key, payload::text, block_number FROM wraith_outbox ORDER BY id";
    let a: Vec<(i64, String, String, String, i64)> =
        sqlx::query_as(outbox).fetch_all(&pool).await.unwrap();
    let b: Vec<(i64, String, String, String, i64)> =
        sqlx::query_as(outbox).fetch_all(&clean_pool).await.unwrap();
    assert_eq!(a, b, "outbox differs after a crash");
    assert_eq!(a.len(), players.len() * 2);
    let digests = "SELECT block_number, digest FROM wraith_digests ORDER BY block_number";
    let da: Vec<(i64, Vec<u8>)> = sqlx::query_as(digests).fetch_all(&pool).await.unwrap();
    let db: Vec<(i64, Vec<u8>)> = sqlx::query_as(digests)
        .fetch_all(&clean_pool)
        .await
        .unwrap();
    assert_eq!(da, db);
    let positions: i64 = sqlx::query_scalar("SELECT count(*) FROM positions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(positions, players.len() as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_handlers_that_trap_or_write_undeclared_tables_should_park_them_and_keep_the_others()
{
    let (anvil, core) = common::chain(3).await;
    let db = TestDb::create().await.unwrap();
    let gc = core.ghost_core;
    let opts = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![
            common::ghost_core_handler(gc),
            common::fixture("fixture-traps", "fixture_traps.wasm", gc),
            common::fixture("fixture-undeclared", "fixture_undeclared.wasm", gc),
        ],
    );
    let host = Host::start(&opts).await.unwrap();
    let pool = db.pool().await.unwrap();
    let [p, q, r] = core.players[..3] else {
        panic!()
    };
    let first = common::jack_in(&anvil, gc, p, 20, 1).await;
    let trap_block = common::jack_in(&anvil, gc, q, 300, 5).await;
    let last = common::jack_in(&anvil, gc, r, 30, 2).await;

    // ghost-core keeps indexing everything.
    wait_until(
        "ghost-core to reach the last block",
        common::CATCH_UP,
        || async {
            let s = host.status().await?;
            let h = s["handlers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|h| h["name"] == "ghost-core")
                .cloned()
                .unwrap();
            Ok((h["checkpoint"].as_u64() == Some(last)).then_some(()))
        },
    )
    .await
    .unwrap();
    let positions: i64 = sqlx::query_scalar("SELECT count(*) FROM positions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(positions, 3);

    let status = host.status().await.unwrap();
    let by_name = |n: &str| {
        status["handlers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == n)
            .cloned()
            .unwrap()
    };
    let traps = by_name("fixture-traps");
    assert_eq!(traps["state"], "halted", "{status}");
    assert_eq!(traps["error"]["block_number"], trap_block);
    assert!(
        traps["error"]["message"]
            .as_str()
            .unwrap()
            .contains("trapped"),
        "{traps}"
    );
    assert_eq!(
        traps["checkpoint"],
        trap_block - 1,
        "nothing of the failing batch is applied"
    );
    let undeclared = by_name("fixture-undeclared");
    assert_eq!(undeclared["state"], "halted");
    assert_eq!(undeclared["error"]["block_number"], first);
    assert!(
        undeclared["error"]["message"]
            .as_str()
            .unwrap()
            .contains("table positions is not declared"),
        "{undeclared}"
    );
    // Its write never reached the table: the position of p is ghost-core's.
    let amount: String =
        sqlx::query_scalar("SELECT amount::text FROM positions WHERE user_address = $1")
            .bind(p.to_vec())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(amount, data(20).to_string());
    // Failures are recorded with handler, block and log.
    let failures: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT handler, kind, block_number FROM wraith_failures ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(
        failures.contains(&("fixture-traps".into(), "trap".into(), trap_block as i64)),
        "{failures:?}"
    );
    assert!(
        failures.contains(&("fixture-undeclared".into(), "output".into(), first as i64)),
        "{failures:?}"
    );
    // The traps fixture's messages before the failure were committed.
    let msgs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM wraith_outbox WHERE stream_name = 'fixture.traps'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(msgs, 1);
}
