//! The seeded scenario (tests/harness/scenario.rs) on anvil, indexed by
//! every GHOSTNET core handler: the number of logs per (contract, event)
//! equals `eth_getLogs`, two event tables match their log counts, and the
//! oracle (tests/harness/oracle.rs) finds zero differences.

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256, keccak256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use wraith_tests::ghostnet_suite::{self as suite, Suite};
use wraith_tests::{Anvil, Host, HostOptions, TestDb, oracle, paths, scenario};

use crate::common::CATCH_UP;

const PLAYERS: usize = 20;
const ROUNDS: usize = 3;

/// topic0 -> "Event(types)" from the compiled ABIs.
fn event_names(s: &Suite) -> BTreeMap<B256, String> {
    let mut names = BTreeMap::new();
    for (c, _) in contracts(s) {
        let (abi, _) = paths::contract(c).unwrap();
        for item in abi.as_array().unwrap() {
            if item["type"] != "event" {
                continue;
            }
            let types: Vec<&str> = item["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["type"].as_str().unwrap())
                .collect();
            let sig = format!("{}({})", item["name"].as_str().unwrap(), types.join(","));
            names.insert(keccak256(sig.as_bytes()), sig);
        }
    }
    names
}

/// The suite's indexed contracts: (artefact name, address).
fn contracts(s: &Suite) -> Vec<(&'static str, Address)> {
    vec![
        ("DataToken", s.core.data),
        ("GhostCore", s.core.ghost_core),
        ("TraceScan", s.trace_scan),
        ("DeadPool", s.dead_pool),
        ("FeeRouter", s.fee_router),
        ("RewardsDistributor", s.rewards_distributor),
        ("TeamVesting", s.team_vesting),
        ("GhostPresale", s.presale),
        ("PresaleClaim", s.presale_claim),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_seeded_scenario_of_20_players_and_3_rounds_when_indexed_should_match_get_logs_and_the_oracle()
 {
    let anvil = Anvil::start(PLAYERS + 2).await.unwrap();
    let s = suite::deploy_suite(&anvil).await.unwrap();
    let db = TestDb::create().await.unwrap();
    let host = Host::start(&HostOptions::new(
        &anvil.url,
        &db.url,
        suite::suite_handlers(&s, &[]).unwrap(),
    ))
    .await
    .unwrap();
    let pool = db.pool().await.unwrap();
    let cfg = scenario::Config {
        seed: 0x5eed,
        players: PLAYERS,
        rounds: ROUNDS,
        dead_withdrawals: true,
        finale: true,
    };
    let played = scenario::run(&anvil, &s, cfg).await.unwrap();
    println!("scenario: {played:?}");
    let head = anvil.block_number().await.unwrap();
    host.wait_indexed(head, CATCH_UP).await.unwrap();
    let failures: i64 = sqlx::query_scalar("SELECT count(*) FROM wraith_failures")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(failures, 0, "handler failures:\n{}", host.log());

    // Logs per (contract, topic0): the node vs the archive.
    let logs = anvil
        .provider
        .get_logs(
            &Filter::new().from_block(0).to_block(head).address(
                contracts(&s)
                    .into_iter()
                    .map(|(_, a)| a)
                    .collect::<Vec<_>>(),
            ),
        )
        .await
        .unwrap();
    let mut chain: BTreeMap<(Address, B256), i64> = BTreeMap::new();
    for l in &logs {
        if let Some(t0) = l.topics().first() {
            *chain.entry((l.address(), *t0)).or_default() += 1;
        }
    }
    let rows: Vec<(Vec<u8>, Vec<u8>, i64)> = sqlx::query_as(
        "SELECT address, topic0, count(*) FROM wraith_raw_logs WHERE topic0 IS NOT NULL \
         GROUP BY address, topic0",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let indexed: BTreeMap<(Address, B256), i64> = rows
        .into_iter()
        .map(|(a, t, n)| ((Address::from_slice(&a), B256::from_slice(&t)), n))
        .collect();
    let names = event_names(&s);
    let contract_of: BTreeMap<Address, &str> =
        contracts(&s).into_iter().map(|(c, a)| (a, c)).collect();
    let mut per_event: BTreeMap<String, i64> = BTreeMap::new();
    for ((address, t0), n) in &chain {
        let name = names.get(t0).cloned().unwrap_or_else(|| format!("{t0:#x}"));
        *per_event
            .entry(format!("{}.{name}", contract_of[address]))
            .or_default() += n;
    }
    println!("event types: {}", per_event.len());
    for (name, n) in &per_event {
        println!("  {n:>5}  {name}");
    }
    assert_eq!(indexed, chain, "logs per (contract, topic0)");
    let count = |name: &str| {
        per_event
            .iter()
            .filter(|(k, _)| k.contains(name))
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    // Two event tables against their logs.
    let jacked_in: i64 =
        sqlx::query_scalar("SELECT count(*) FROM position_events WHERE kind = 'jacked_in'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(jacked_in, count("GhostCore.JackedIn("));
    let bets: i64 =
        sqlx::query_scalar("SELECT count(*) FROM deadpool_bet_events WHERE kind = 'bet'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(bets, count("DeadPool.BetPlaced("));
    assert!(
        played.deaths > 0,
        "the scenario killed somebody: {played:?}"
    );

    // The aggregates equal the same aggregation of the base tables.
    use crate::ghostnet_aggregates as agg;
    assert_eq!(
        agg::rows(&pool, agg::TVL).await,
        agg::expected_tvl(&pool).await
    );
    assert_eq!(
        agg::rows(&pool, agg::DEATHS).await,
        agg::expected_deaths(&pool).await
    );
    assert_eq!(
        agg::rows(&pool, agg::BURNS).await,
        agg::expected_burns(&pool).await
    );
    assert_eq!(
        agg::rows(&pool, agg::BETS).await,
        agg::expected_bets(&pool).await
    );
    let mut last_tvl: BTreeMap<u8, String> = BTreeMap::new();
    for r in agg::rows(&pool, agg::TVL).await {
        last_tvl.insert(r[0].parse().unwrap(), r[8].clone());
    }
    for (level, tvl) in &last_tvl {
        let chain = anvil
            .call(
                s.core.ghost_core,
                wraith_tests::ghostnet_suite::ICore::getLevelStateCall { level: *level },
            )
            .await
            .unwrap()
            .totalStaked;
        assert_eq!(
            *tvl,
            chain.to_string(),
            "level {level}: last TVL vs getLevelState.totalStaked"
        );
    }
    println!(
        "aggregate rows: tvl {}, deaths {}, burns {}, bets {}",
        agg::rows(&pool, agg::TVL).await.len(),
        agg::rows(&pool, agg::DEATHS).await.len(),
        agg::rows(&pool, agg::BURNS).await.len(),
        agg::rows(&pool, agg::BETS).await.len()
    );

    let players = &s.core.players[..PLAYERS];
    let report = oracle::check(&anvil, &s, &pool, players, ROUNDS as u64)
        .await
        .unwrap();
    println!(
        "oracle: {} comparisons {:?}, {} differences",
        report.total(),
        report.comparisons,
        report.differences.len()
    );
    assert!(
        report.differences.is_empty(),
        "oracle differences:\n{}",
        report.differences.join("\n")
    );
}
