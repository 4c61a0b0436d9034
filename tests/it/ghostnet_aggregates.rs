//! The GHOSTNET aggregates (migrations/0040_ghostnet_aggregates.sql): after
//! suite traffic with a reorg, every aggregate equals the same aggregation
//! computed here from the base tables, and equals the aggregates of a clean
//! index of the final chain.

#![allow(
    clippy::type_complexity,
    reason = "base-table rows are read as tuples of the selected columns"
)]

use std::collections::BTreeMap;

use alloy::primitives::{Address, I256, U256};
use sqlx::PgPool;
use wraith_tests::arcade::IArcadeCore;
use wraith_tests::ghostnet::{IData, IGhostCore, data};
use wraith_tests::ghostnet_suite::{self as suite, IDeadPool, IToken};
use wraith_tests::{Anvil, Host, HostOptions, TestDb};

use crate::common::CATCH_UP;
use crate::ghostnet_arcade::{enter, env, wei};
use crate::ghostnet_core::start;

const DEAD: Address = Address::new([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad,
]);

/// Every row of an aggregate: `sql` selects one `text[]` per row.
pub(crate) async fn rows(pool: &PgPool, sql: &str) -> Vec<Vec<String>> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(pool)
        .await
        .unwrap()
}

pub(crate) const TVL: &str = "SELECT ARRAY[level::text, extract(epoch from bucket)::bigint::text, deposited::text, \
    withdrawn::text, haircut::text, died::text, culled::text, net_flow::text, tvl::text] \
    FROM agg_tvl_level_hourly ORDER BY level, bucket";
pub(crate) const DEATHS: &str = "SELECT ARRAY[level::text, extract(epoch from bucket)::bigint::text, deaths::text, \
    amount_lost::text] FROM agg_deaths_level_daily ORDER BY level, bucket";
pub(crate) const BURNS: &str = "SELECT ARRAY[encode(token_address, 'hex'), extract(epoch from bucket)::bigint::text, \
    supply_burned::text, dead_burned::text, tax_burned::text, total_burned::text] \
    FROM agg_burns_daily ORDER BY token_address, bucket";
pub(crate) const BETS: &str = "SELECT ARRAY[round_id::text, bets::text, over_volume::text, under_volume::text, \
    volume::text] FROM agg_bet_volume_round ORDER BY round_id";
pub(crate) const ARCADE: &str = "SELECT ARRAY[encode(arcade_core, 'hex'), encode(game, 'hex'), \
    extract(epoch from bucket)::bigint::text, entries::text, gross::text, net::text, \
    rake::text, rake_burned::text] FROM agg_arcade_volume_game_hourly \
    ORDER BY arcade_core, game, bucket";

fn u(s: &str) -> U256 {
    s.parse().unwrap()
}

/// The text columns of a row, as the aggregates render them.
fn texts(cols: &[&dyn ToString]) -> Vec<String> {
    cols.iter().map(|c| c.to_string()).collect()
}

/// TVL per level per hour, from position_events and deaths.
pub(crate) async fn expected_tvl(pool: &PgPool) -> Vec<Vec<String>> {
    let events: Vec<(
        i64,
        Vec<u8>,
        String,
        Option<i16>,
        Option<String>,
        Option<String>,
        Option<String>,
    )> = sqlx::query_as(
        "SELECT extract(epoch from block_time)::bigint, user_address, kind, level, amount::text, \
             rewards::text, haircut::text FROM position_events ORDER BY block_number, log_index",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let deaths: Vec<(i64, i16, String, String)> = sqlx::query_as(
        "SELECT extract(epoch from block_time)::bigint, level, amount_lost::text, haircut_settled::text FROM deaths",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    // (level, hour) -> [deposited, withdrawn, haircut, died, culled]
    let mut acc: BTreeMap<(i16, i64), [U256; 5]> = BTreeMap::new();
    let mut level_of: BTreeMap<Vec<u8>, i16> = BTreeMap::new();
    let zero = || "0".to_owned();
    for (t, user, kind, level, amount, rewards, haircut) in events {
        if kind == "jacked_in" {
            level_of.insert(user.clone(), level.unwrap());
        }
        let Some(level) = level.or_else(|| level_of.get(&user).copied()) else {
            continue;
        };
        let slot = acc.entry((level, t - t % 3600)).or_default();
        let amount = u(&amount.unwrap_or_else(zero));
        match kind.as_str() {
            "jacked_in" | "stake_added" => slot[0] += amount,
            "extracted" | "emergency_withdraw" => slot[1] += amount,
            "culled" => slot[4] += amount + u(&rewards.unwrap_or_else(zero)),
            _ => continue,
        }
        slot[2] += u(&haircut.unwrap_or_else(zero));
    }
    for (t, level, lost, haircut) in deaths {
        let slot = acc.entry((level, t - t % 3600)).or_default();
        slot[3] += u(&lost);
        slot[2] += u(&haircut);
    }
    let mut tvl: BTreeMap<i16, I256> = BTreeMap::new();
    acc.into_iter()
        .map(|((level, hour), [dep, wd, hc, died, culled])| {
            let signed = I256::from_raw;
            let net = signed(dep) - signed(wd) - signed(hc) - signed(died) - signed(culled);
            let total = tvl.entry(level).or_default();
            *total += net;
            texts(&[&level, &hour, &dep, &wd, &hc, &died, &culled, &net, total])
        })
        .collect()
}

pub(crate) async fn expected_deaths(pool: &PgPool) -> Vec<Vec<String>> {
    let deaths: Vec<(i64, i16, String)> = sqlx::query_as(
        "SELECT extract(epoch from block_time)::bigint, level, amount_lost::text FROM deaths",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut acc: BTreeMap<(i16, i64), (u64, U256)> = BTreeMap::new();
    for (t, level, lost) in deaths {
        let slot = acc.entry((level, t - t % 86_400)).or_default();
        slot.0 += 1;
        slot.1 += u(&lost);
    }
    acc.into_iter()
        .map(|((level, day), (n, lost))| texts(&[&level, &day, &n, &lost]))
        .collect()
}

pub(crate) async fn expected_burns(pool: &PgPool) -> Vec<Vec<String>> {
    let transfers: Vec<(Vec<u8>, i64, String, String, String)> = sqlx::query_as(
        "SELECT token_address, extract(epoch from block_time)::bigint, kind, gross::text, \
         tax_burned::text FROM token_transfers",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut acc: BTreeMap<(Vec<u8>, i64), [U256; 3]> = BTreeMap::new();
    for (token, t, kind, gross, tax_burned) in transfers {
        let slot = acc.entry((token, t - t % 86_400)).or_default();
        match kind.as_str() {
            "supply_burn" => slot[0] += u(&gross),
            "dead_burn" => slot[1] += u(&gross),
            _ => {}
        }
        slot[2] += u(&tax_burned);
    }
    acc.into_iter()
        .filter_map(|((token, day), [supply, dead, tax])| {
            let total = supply + dead + tax;
            (!total.is_zero()).then(|| texts(&[&hex(&token), &day, &supply, &dead, &tax, &total]))
        })
        .collect()
}

pub(crate) async fn expected_bets(pool: &PgPool) -> Vec<Vec<String>> {
    let bets: Vec<(String, bool, String)> = sqlx::query_as(
        "SELECT round_id::text, is_over, amount::text FROM deadpool_bet_events WHERE kind = 'bet'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut acc: BTreeMap<U256, (u64, U256, U256)> = BTreeMap::new();
    for (round, over, amount) in bets {
        let slot = acc.entry(u(&round)).or_default();
        slot.0 += 1;
        if over {
            slot.1 += u(&amount);
        } else {
            slot.2 += u(&amount);
        }
    }
    acc.into_iter()
        .map(|(round, (n, over, under))| texts(&[&round, &n, &over, &under, &(over + under)]))
        .collect()
}

pub(crate) async fn expected_arcade(pool: &PgPool) -> Vec<Vec<String>> {
    let entries: Vec<(Vec<u8>, Vec<u8>, i64, String, String, String, String)> = sqlx::query_as(
        "SELECT arcade_core, game, extract(epoch from block_time)::bigint, amount::text, \
         net_amount::text, rake_amount::text, rake_burned::text FROM arcade_entries",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut acc: BTreeMap<(Vec<u8>, Vec<u8>, i64), (u64, [U256; 4])> = BTreeMap::new();
    for (core, game, t, gross, net, rake, burned) in entries {
        let slot = acc.entry((core, game, t - t % 3600)).or_default();
        slot.0 += 1;
        for (i, v) in [gross, net, rake, burned].iter().enumerate() {
            slot.1[i] += u(v);
        }
    }
    acc.into_iter()
        .map(|((core, game, hour), (n, [g, net, r, b]))| {
            texts(&[&hex(&core), &hex(&game), &hour, &n, &g, &net, &r, &b])
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    alloy::hex::encode(b)
}

/// With TimescaleDB the hypertable aggregates must be continuous
/// aggregates with a refresh policy; without it there is nothing to check.
async fn check_timescale(pool: &PgPool) {
    let present: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    if !present {
        println!(
            "SKIP continuous-aggregate checks: the timescaledb extension is absent \
             (the aggregates are plain views here)"
        );
        return;
    }
    let mut caggs: Vec<String> = sqlx::query_scalar(
        "SELECT view_name::text FROM timescaledb_information.continuous_aggregates",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    caggs.sort();
    assert_eq!(
        caggs,
        [
            "agg_arcade_volume_game_hourly",
            "agg_bet_volume_round_daily",
            "agg_deaths_level_daily"
        ]
    );
    let policies: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(policies, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_suite_traffic_and_a_reorg_when_aggregated_should_equal_the_base_tables_and_a_clean_index()
 {
    let net = start(8).await;
    let token = net.s.core.data;
    let dp = net.s.dead_pool;
    let [a, b, c, d, e] = [1, 2, 3, 4, 5].map(|i| net.player(i));
    // Kept: positions on two levels, taxed and burning transfers, a round
    // with bets, a death at level 1.
    net.jack_in(a, data(40), 1).await;
    net.jack_in(b, data(60), 1).await;
    net.jack_in(c, data(100) + U256::from(7u64), 2).await;
    net.send(
        a,
        token,
        IData::transferCall {
            to: d,
            amount: data(50),
        },
    )
    .await;
    net.send(
        b,
        token,
        IData::transferCall {
            to: DEAD,
            amount: data(5),
        },
    )
    .await;
    net.send(c, token, IToken::burnCall { amount: data(2) })
        .await;
    let deadline = suite::now(&net.anvil).await.unwrap() + 30 * 86_400;
    net.send(
        net.admin(),
        dp,
        IDeadPool::createRoundCall {
            roundType: 0,
            targetLevel: 1,
            line: U256::from(1u64),
            deadline,
        },
    )
    .await;
    let round = U256::from(1u64);
    for (user, over, amount) in [(a, true, data(10)), (b, false, data(7)), (a, true, data(3))] {
        net.send(
            user,
            dp,
            IDeadPool::placeBetCall {
                roundId: round,
                isOver: over,
                amount,
            },
        )
        .await;
    }
    net.set_level(1, 10_000, 5000).await;
    net.scan(1, &[vec![a]]).await;
    net.sync().await;
    let fork = net.anvil.block_number().await.unwrap();

    // Orphaned once indexed: a new position, more stake, a bet, a burn.
    net.jack_in(d, data(60), 3).await;
    net.send(c, net.gc(), IGhostCore::addStakeCall { amount: data(9) })
        .await;
    net.send(
        c,
        dp,
        IDeadPool::placeBetCall {
            roundId: round,
            isOver: false,
            amount: data(11),
        },
    )
    .await;
    net.send(b, token, IToken::burnCall { amount: data(1) })
        .await;
    net.sync().await;
    let before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM agg_tvl_level_hourly WHERE level = 3")
            .fetch_one(&net.pool)
            .await
            .unwrap();
    assert_eq!(
        before, 1,
        "the orphaned jack-in was aggregated before the reorg"
    );
    let depth = net.anvil.block_number().await.unwrap() - fork;
    net.anvil.reorg(depth).await.unwrap();

    // The new branch (a fresh connection: the old one caches nonces).
    let anvil2 = Anvil::connect(net.anvil.port, 10).await.unwrap();
    suite::send(
        &anvil2,
        d,
        dp,
        IDeadPool::placeBetCall {
            roundId: round,
            isOver: false,
            amount: data(20),
        },
        U256::ZERO,
    )
    .await
    .unwrap();
    suite::send(
        &anvil2,
        e,
        net.gc(),
        IGhostCore::jackInCall {
            amount: data(55),
            level: 2,
        },
        U256::ZERO,
    )
    .await
    .unwrap();
    suite::send(&anvil2, c, net.gc(), IGhostCore::extractCall {}, U256::ZERO)
        .await
        .unwrap();
    suite::send(
        &anvil2,
        b,
        token,
        IToken::burnCall { amount: data(3) },
        U256::ZERO,
    )
    .await
    .unwrap();
    let last = anvil2.block_number().await.unwrap();
    net.host.wait_indexed(last, CATCH_UP).await.unwrap();

    let clean_db = TestDb::create().await.unwrap();
    let clean = Host::start(&HostOptions::new(
        &net.anvil.url,
        &clean_db.url,
        suite::suite_handlers(&net.s, &[]).unwrap(),
    ))
    .await
    .unwrap();
    clean.wait_indexed(last, CATCH_UP).await.unwrap();
    let clean_pool = clean_db.pool().await.unwrap();

    let tvl = rows(&net.pool, TVL).await;
    assert_eq!(tvl, expected_tvl(&net.pool).await, "TVL vs base tables");
    assert!(
        tvl.iter().all(|r| r[0] != "3"),
        "the orphaned level-3 stake is gone"
    );
    assert_eq!(
        rows(&net.pool, DEATHS).await,
        expected_deaths(&net.pool).await
    );
    assert_eq!(
        rows(&net.pool, BURNS).await,
        expected_burns(&net.pool).await
    );
    let bets = rows(&net.pool, BETS).await;
    assert_eq!(bets, expected_bets(&net.pool).await);
    assert_eq!(bets.len(), 1);
    assert_eq!(bets[0][1], "4", "three kept bets and the new branch's one");
    let deaths = rows(&net.pool, DEATHS).await;
    assert_eq!(deaths.len(), 1);
    assert_eq!((deaths[0][0].as_str(), deaths[0][2].as_str()), ("1", "1"));
    for q in [TVL, DEATHS, BURNS, BETS] {
        assert_eq!(
            rows(&net.pool, q).await,
            rows(&clean_pool, q).await,
            "{q}: reorged index vs clean index"
        );
    }
    // The last TVL of each level is the contract's totalStaked.
    let mut last_tvl: BTreeMap<String, String> = BTreeMap::new();
    for r in &tvl {
        last_tvl.insert(r[0].clone(), r[8].clone());
    }
    for (level, value) in last_tvl {
        let lvl: u8 = level.parse().unwrap();
        let chain = net.level_state(lvl).await.totalStaked;
        assert_eq!(value, chain.to_string(), "level {lvl} TVL vs getLevelState");
    }
    check_timescale(&net.pool).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_arcade_traffic_and_a_reorg_when_aggregated_should_equal_the_base_tables_and_a_clean_index()
 {
    let en = env(4).await;
    let (anvil, a) = (&en.anvil, &en.arcade);
    let [p1, p2, g, _] = a.core.players[..4] else {
        panic!()
    };
    let core_a = a.arcade_core;
    let cfg = IArcadeCore::GameConfig {
        minEntry: U256::ZERO,
        maxEntry: U256::ZERO,
        rakeBps: 500,
        burnBps: 5000,
        requiresPosition: false,
        paused: false,
    };
    anvil
        .send(
            a.core.admin,
            core_a,
            IArcadeCore::registerGameCall {
                game: g,
                config: cfg,
            },
        )
        .await
        .unwrap();
    enter(anvil, a, g, core_a, p1, data(30) + wei(1), 7).await;
    enter(anvil, a, g, core_a, p2, data(20) + wei(3), 7).await;
    en.caught_up().await;
    let fork = anvil.block_number().await.unwrap();
    enter(anvil, a, g, core_a, p1, data(9), 8).await;
    en.caught_up().await;
    let depth = anvil.block_number().await.unwrap() - fork;
    anvil.reorg(depth).await.unwrap();
    let anvil2 = Anvil::connect(anvil.port, 7).await.unwrap();
    enter(&anvil2, a, g, core_a, p2, data(4) + wei(5), 8).await;
    let last = anvil2.block_number().await.unwrap();
    en.host.wait_indexed(last, CATCH_UP).await.unwrap();

    let clean_db = TestDb::create().await.unwrap();
    let clean = Host::start(&HostOptions::new(
        &anvil.url,
        &clean_db.url,
        a.handlers().unwrap(),
    ))
    .await
    .unwrap();
    clean.wait_indexed(last, CATCH_UP).await.unwrap();
    let clean_pool = clean_db.pool().await.unwrap();
    let got = rows(&en.pool, ARCADE).await;
    assert_eq!(got, expected_arcade(&en.pool).await);
    let entries: u64 = got.iter().map(|r| r[3].parse::<u64>().unwrap()).sum();
    assert_eq!(entries, 3, "two kept entries and the new branch's one");
    assert_eq!(got, rows(&clean_pool, ARCADE).await);
    check_timescale(&en.pool).await;
}
