//! Reorgs, restarts and crashes: the database always equals a clean index
//! of the canonical chain (compared table by table, digests included).

use std::time::Duration;

use sqlx::PgPool;
use wraith_tests::ghostnet::{self, Core, Rng};
use wraith_tests::{Anvil, Host, HostOptions, TestDb, wait_until};

use crate::common;

/// Wait until the host has indexed the node's head block, with its hash.
async fn converge(host: &Host, anvil: &Anvil) {
    let res = wait_until(
        "the host to follow the node's head (number and hash)",
        Duration::from_secs(90),
        || async {
            let head = anvil.block_number().await?;
            let hash = anvil.block_hash(head).await?;
            let s = host.status().await?;
            let at_head = s["indexed_block"].as_u64() == Some(head)
                && s["indexed_hash"].as_str() == Some(&hash.to_string());
            let all = s["handlers"]
                .as_array()
                .is_some_and(|hs| hs.iter().all(|h| h["checkpoint"].as_u64() == Some(head)));
            Ok((at_head && all).then_some(()))
        },
    )
    .await;
    if let Err(e) = res {
        panic!(
            "{e:#}\nstatus: {}\n--- log ---\n{}",
            host.status().await.unwrap_or_default(),
            wraith_tests::host::tail(&host.log(), 80)
        );
    }
}

async fn digests(pool: &PgPool) -> Vec<(i64, String, Vec<u8>, Vec<u8>)> {
    sqlx::query_as("SELECT block_number, handler, block_hash, digest FROM wraith_digests ORDER BY block_number, handler")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Index the node's current chain from scratch into a new database and
/// compare every application table and the digests with `pool`.
async fn assert_equals_clean_index(anvil: &Anvil, core: &Core, pool: &PgPool) {
    let db = TestDb::create().await.unwrap();
    let clean = Host::start(&HostOptions::new(
        &anvil.url,
        &db.url,
        vec![common::ghost_core_handler(core.ghost_core)],
    ))
    .await
    .unwrap();
    converge(&clean, anvil).await;
    let clean_pool = db.pool().await.unwrap();
    let (ours, theirs) = (
        common::dump_ghost_core(pool).await,
        common::dump_ghost_core(&clean_pool).await,
    );
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(a, b, "application table #{i} differs from a clean index");
    }
    assert!(!ours[0].is_empty(), "the scenario produced positions");
    assert_eq!(
        digests(pool).await,
        digests(&clean_pool).await,
        "digests differ from a clean index"
    );
}

fn options(anvil: &Anvil, db: &TestDb, core: &Core, window: u64) -> HostOptions {
    let mut o = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![common::ghost_core_handler(core.ghost_core)],
    );
    o.reorg_window = window;
    o
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_reorgs_of_depth_1_2_5_12_30_64_should_equal_a_clean_index() {
    let (anvil, core) = common::chain(8).await;
    let db = TestDb::create().await.unwrap();
    let host = Host::start(&options(&anvil, &db, &core, 64)).await.unwrap();
    let mut rng = Rng(1);
    ghostnet::play(&anvil, &core, &mut rng, 70).await.unwrap();
    converge(&host, &anvil).await;
    for (i, depth) in [1u64, 2, 5, 12, 30, 64].into_iter().enumerate() {
        ghostnet::play(&anvil, &core, &mut rng, 4).await.unwrap();
        converge(&host, &anvil).await;
        if i % 2 == 0 {
            // The chain gets shorter, then grows again with other transactions.
            anvil.rollback(depth).await.unwrap();
            ghostnet::play(&anvil, &core, &mut rng, depth as usize + 2)
                .await
                .unwrap();
        } else {
            // Same height, other (empty) blocks, then new transactions.
            anvil.reorg(depth).await.unwrap();
            ghostnet::play(&anvil, &core, &mut rng, 3).await.unwrap();
        }
        converge(&host, &anvil).await;
    }
    let s = host.status().await.unwrap();
    assert!(s["reorgs"]["count"].as_u64().unwrap() >= 6, "{s}");
    assert_eq!(s["reorgs"]["max_depth"], 64, "{s}");
    assert_equals_clean_index(&anvil, &core, &db.pool().await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_random_reorgs_under_a_fixed_seed_should_equal_a_clean_index() {
    let (anvil, core) = common::chain(10).await;
    let db = TestDb::create().await.unwrap();
    let host = Host::start(&options(&anvil, &db, &core, 64)).await.unwrap();
    let mut rng = Rng(0x5eed);
    // Reorgs never reach below the contract setup (deployments, funding,
    // approvals): a deeper rollback would remove the game itself.
    let setup = anvil.block_number().await.unwrap();
    ghostnet::play(&anvil, &core, &mut rng, 20).await.unwrap();
    for _ in 0..25 {
        {
            let n = 1 + rng.below(6) as usize;
            ghostnet::play(&anvil, &core, &mut rng, n)
        }
        .await
        .unwrap();
        let height = anvil.block_number().await.unwrap();
        if rng.below(2) == 0 {
            let depth = 1 + rng.below(64.min(height - setup));
            if rng.below(2) == 0 {
                anvil.rollback(depth).await.unwrap();
            } else {
                anvil.reorg(depth).await.unwrap();
            }
        }
        // Sometimes let reorgs pile up while the host is still catching up.
        if rng.below(3) == 0 {
            converge(&host, &anvil).await;
        }
    }
    ghostnet::play(&anvil, &core, &mut rng, 3).await.unwrap();
    converge(&host, &anvil).await;
    assert_equals_clean_index(&anvil, &core, &db.pool().await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_reorg_while_the_host_is_stopped_when_restarted_should_equal_a_clean_index() {
    let (anvil, core) = common::chain(6).await;
    let db = TestDb::create().await.unwrap();
    let mut host = Host::start(&options(&anvil, &db, &core, 64)).await.unwrap();
    let mut rng = Rng(77);
    ghostnet::play(&anvil, &core, &mut rng, 25).await.unwrap();
    converge(&host, &anvil).await;
    host.stop().await.unwrap();
    anvil.rollback(7).await.unwrap();
    ghostnet::play(&anvil, &core, &mut rng, 10).await.unwrap();
    host.restart().await.unwrap();
    converge(&host, &anvil).await;
    let s = host.status().await.unwrap();
    assert_eq!(
        s["reorgs"]["count"], 1,
        "the reorg is detected at start: {s}"
    );
    assert_equals_clean_index(&anvil, &core, &db.pool().await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_kill_9_at_random_moments_with_traffic_and_reorgs_should_equal_a_clean_index() {
    let (anvil, core) = common::chain(8).await;
    let db = TestDb::create().await.unwrap();
    let mut host = Host::start(&options(&anvil, &db, &core, 64)).await.unwrap();
    let mut rng = Rng(0xdead);
    ghostnet::play(&anvil, &core, &mut rng, 15).await.unwrap();
    let mut kills = 0;
    for round in 0..12 {
        // Traffic, sometimes a reorg, then a crash at a varying point: right
        // after sending, or after more transactions while the host indexes.
        {
            let n = 1 + rng.below(4) as usize;
            ghostnet::play(&anvil, &core, &mut rng, n)
        }
        .await
        .unwrap();
        if round % 3 == 1 {
            let depth = 1 + rng.below(10);
            anvil.reorg(depth).await.unwrap();
            ghostnet::play(&anvil, &core, &mut rng, 1).await.unwrap();
        }
        if rng.below(2) == 0 {
            host.kill9();
            {
                let n = 1 + rng.below(3) as usize;
                ghostnet::play(&anvil, &core, &mut rng, n)
            }
            .await
            .unwrap();
        } else {
            ghostnet::play(&anvil, &core, &mut rng, 1).await.unwrap();
            host.kill9();
        }
        kills += 1;
        host.restart().await.unwrap();
    }
    assert!(kills >= 10);
    converge(&host, &anvil).await;
    let pool = db.pool().await.unwrap();
    assert_equals_clean_index(&anvil, &core, &pool).await;
    // No duplicated feed message either.
    let dupes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT tx_hash, log_index, stream_name FROM wraith_outbox WHERE kind = 'data' AND retracted_by IS NULL
         GROUP BY 1, 2, 3 HAVING count(*) > 1) d",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(dupes, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_reorg_deeper_than_the_window_should_stop_with_both_hashes_and_write_nothing_past_it()
 {
    let (anvil, core) = common::chain(4).await;
    let db = TestDb::create().await.unwrap();
    let host = Host::start(&options(&anvil, &db, &core, 8)).await.unwrap();
    let mut rng = Rng(3);
    ghostnet::play(&anvil, &core, &mut rng, 20).await.unwrap();
    converge(&host, &anvil).await;
    let tip = anvil.block_number().await.unwrap();
    let pool = db.pool().await.unwrap();
    let before = common::dump_ghost_core(&pool).await;
    let oldest = tip - 8; // the window keeps reorg_window + 1 blocks
    let stored = anvil.block_hash(oldest).await.unwrap();
    anvil.reorg(12).await.unwrap();
    let node = anvil.block_hash(oldest).await.unwrap();
    ghostnet::play(&anvil, &core, &mut rng, 3).await.unwrap();
    let fatal = wait_until(
        "the deep reorg to be reported",
        Duration::from_secs(30),
        || async { Ok(host.status().await?["fatal"].as_str().map(str::to_owned)) },
    )
    .await
    .unwrap();
    assert!(
        fatal.contains("reorg deeper than the window of 8 blocks"),
        "{fatal}"
    );
    assert!(fatal.contains(&format!("stored block {oldest}")), "{fatal}");
    assert!(
        fatal.contains(&stored.to_string()) && fatal.contains(&node.to_string()),
        "{fatal}"
    );
    let (code, ready) = host.get("/health/ready").await.unwrap();
    assert_eq!(code, 503, "{ready}");
    // Nothing past the fork is written: the checkpoint and the tables stay.
    let s = host.status().await.unwrap();
    assert_eq!(s["handlers"][0]["checkpoint"], tip);
    assert_eq!(common::dump_ghost_core(&pool).await, before);
}

/// Every application table (not views, not the host's own `wraith_*`
/// tables) as text rows in a stable order.
async fn dump_all(pool: &PgPool) -> Vec<(String, Vec<String>)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
           AND table_name NOT LIKE 'wraith\\_%' AND table_name <> '_sqlx_migrations'
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let sql = format!("SELECT x::text FROM \"{t}\" x ORDER BY 1");
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .unwrap();
        out.push((t, rows));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_every_ghostnet_handler_and_reorgs_over_a_scenario_should_equal_a_clean_index_and_the_oracle()
 {
    use wraith_tests::ghostnet_suite as suite;
    use wraith_tests::{oracle, scenario};
    const PLAYERS: usize = 8;
    const ROUNDS: usize = 2;
    let anvil = Anvil::start(PLAYERS + 2).await.unwrap();
    let s = suite::deploy_suite(&anvil).await.unwrap();
    let handlers = suite::suite_handlers(&s, &[]).unwrap();
    let db = TestDb::create().await.unwrap();
    let mut opts = HostOptions::new(&anvil.url, &db.url, handlers.clone());
    opts.reorg_window = 64;
    let host = Host::start(&opts).await.unwrap();
    let cfg = scenario::Config {
        seed: 0xfee1,
        players: PLAYERS,
        rounds: ROUNDS,
        dead_withdrawals: true,
        finale: true,
    };
    let played = scenario::run(&anvil, &s, cfg).await.unwrap();
    converge(&host, &anvil).await;
    // The scenario's last transactions (scans, deaths, bets, taxed
    // transfers, claims…) are replaced by empty blocks, then the chain
    // shrinks and grows again.
    anvil.reorg(12).await.unwrap();
    converge(&host, &anvil).await;
    anvil.rollback(5).await.unwrap();
    anvil.mine(3).await.unwrap();
    converge(&host, &anvil).await;
    let pool = db.pool().await.unwrap();
    let s_status = host.status().await.unwrap();
    assert!(
        s_status["reorgs"]["count"].as_u64().unwrap() >= 2,
        "{s_status}"
    );
    let failures: i64 = sqlx::query_scalar("SELECT count(*) FROM wraith_failures")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(failures, 0, "handler failures:\n{}", host.log());

    let clean_db = TestDb::create().await.unwrap();
    let clean = Host::start(&HostOptions::new(&anvil.url, &clean_db.url, handlers))
        .await
        .unwrap();
    converge(&clean, &anvil).await;
    let clean_pool = clean_db.pool().await.unwrap();
    let (ours, theirs) = (dump_all(&pool).await, dump_all(&clean_pool).await);
    assert_eq!(
        ours.iter().map(|(t, _)| t).collect::<Vec<_>>(),
        theirs.iter().map(|(t, _)| t).collect::<Vec<_>>()
    );
    let mut compared = 0;
    for ((table, a), (_, b)) in ours.iter().zip(&theirs) {
        assert_eq!(
            a, b,
            "{table} differs from a clean index of the final chain"
        );
        compared += a.len();
    }
    assert!(compared > 100, "the scenario filled the tables: {played:?}");
    assert_eq!(
        digests(&pool).await,
        digests(&clean_pool).await,
        "digests differ from a clean index"
    );
    let report = oracle::check(&anvil, &s, &pool, &s.core.players[..PLAYERS], ROUNDS as u64)
        .await
        .unwrap();
    assert!(
        report.differences.is_empty(),
        "oracle differences after the reorgs:\n{}",
        report.differences.join("\n")
    );
    println!(
        "{} tables, {compared} rows equal to a clean index; oracle: {} comparisons",
        ours.len(),
        report.total()
    );
}
