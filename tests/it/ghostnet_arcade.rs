//! The GHOSTNET arcade handlers (arcade-core, game-registry, hash-crash,
//! duel-escrow, daily-ops) on real contracts: one test per tricky
//! semantic, each asserting exact rows and comparing them with the
//! contracts' own view functions.

#![allow(
    clippy::type_complexity,
    reason = "rows are read as tuples so that whole rows compare exactly"
)]

use alloy::primitives::{Address, B256, U256, keccak256};
use sqlx::PgPool;
use wraith_tests::arcade::{
    self, Arcade, DEAD, IArcadeCore, IDailyOps, IDuelEscrow, IGameRegistry, IHashCrash,
};
use wraith_tests::ghostnet::{IData, IGhostCore, data};
use wraith_tests::{Anvil, Host, HostOptions, TestDb};

use crate::common::CATCH_UP;

/// Anvil with the arcade deployed and a host running the five arcade
/// handlers on a fresh database.
pub(crate) struct Env {
    pub(crate) anvil: Anvil,
    pub(crate) arcade: Arcade,
    pub(crate) host: Host,
    pub(crate) pool: PgPool,
    _db: TestDb,
}

pub(crate) async fn env(players: usize) -> Env {
    let anvil = Anvil::start(players + 2).await.unwrap();
    let arcade = arcade::deploy_arcade(&anvil).await.unwrap();
    let db = TestDb::create().await.unwrap();
    let opts = HostOptions::new(&anvil.url, &db.url, arcade.handlers().unwrap());
    let host = Host::start(&opts).await.unwrap();
    let pool = db.pool().await.unwrap();
    Env {
        anvil,
        arcade,
        host,
        pool,
        _db: db,
    }
}

impl Env {
    pub(crate) async fn caught_up(&self) {
        let last = self.anvil.block_number().await.unwrap();
        self.host.wait_indexed(last, CATCH_UP).await.unwrap();
        let failures: i64 = sqlx::query_scalar("SELECT count(*) FROM wraith_failures")
            .fetch_one(&self.pool)
            .await
            .unwrap();
        assert_eq!(failures, 0, "handler failures:\n{}", self.host.log());
    }
}

pub(crate) fn wei(n: u64) -> U256 {
    U256::from(n)
}

fn s(v: U256) -> String {
    v.to_string()
}

/// ArcadeCore's rake split: (rake, burned part, treasury part, net).
fn split(amount: U256, rake_bps: u64, burn_bps: u64) -> (U256, U256, U256, U256) {
    let rake = amount * wei(rake_bps) / wei(10_000);
    let burn = rake * wei(burn_bps) / wei(10_000);
    (rake, burn, rake - burn, amount - rake)
}

async fn balance(anvil: &Anvil, token: Address, who: Address) -> U256 {
    anvil
        .call(token, IData::balanceOfCall { account: who })
        .await
        .unwrap()
}

/// `game` (an EOA registered as a game) enters `player` with `amount` into
/// `session` on `core`, one second after the previous block.
pub(crate) async fn enter(
    anvil: &Anvil,
    a: &Arcade,
    game: Address,
    core: Address,
    player: Address,
    amount: U256,
    session: u64,
) {
    a.next_second(anvil).await.unwrap();
    anvil
        .send(
            game,
            core,
            IArcadeCore::processEntryCall {
                player,
                amount,
                sessionId: wei(session),
            },
        )
        .await
        .unwrap();
}

// ─── ArcadeCore ──────────────────────────────────────────────────────────────

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_sessions_on_two_arcade_cores_when_indexed_should_key_by_core_and_split_gross_net_rake_exactly()
 {
    let e = env(5).await;
    let (anvil, a) = (&e.anvil, &e.arcade);
    let (core_a, core_b) = (a.arcade_core, a.duel_core);
    let admin = a.core.admin;
    let [p1, p2, p3, g, g2] = a.core.players[..5] else {
        panic!()
    };
    // Two EOA "games": G on ArcadeCore A (odd rake/burn, needs a GhostCore
    // position), G2 on ArcadeCore B (the whole rake burned). Both use
    // session id 1.
    let cfg_g = IArcadeCore::GameConfig {
        minEntry: data(1),
        maxEntry: U256::ZERO,
        rakeBps: 777,
        burnBps: 3333,
        requiresPosition: true,
        paused: false,
    };
    let cfg_g2 = IArcadeCore::GameConfig {
        minEntry: U256::ZERO,
        maxEntry: U256::ZERO,
        rakeBps: 500,
        burnBps: 10_000,
        requiresPosition: false,
        paused: false,
    };
    for (c, game, cfg) in [(core_a, g, &cfg_g), (core_b, g2, &cfg_g2)] {
        anvil
            .send(
                admin,
                c,
                IArcadeCore::registerGameCall {
                    game,
                    config: cfg.clone(),
                },
            )
            .await
            .unwrap();
    }
    for p in [p1, p2] {
        anvil
            .send(
                p,
                a.core.ghost_core,
                IGhostCore::jackInCall {
                    amount: data(10),
                    level: 1,
                },
            )
            .await
            .unwrap();
    }
    let treasury_before = balance(anvil, a.core.data, a.core.treasury).await;
    let dead_before = balance(anvil, a.core.data, DEAD).await;

    // p3 has no GhostCore position: G requires one.
    assert!(
        arcade::simulate(
            anvil,
            g,
            core_a,
            IArcadeCore::processEntryCall {
                player: p3,
                amount: data(5),
                sessionId: wei(1),
            },
        )
        .await
        .is_err()
    );

    let entry = |game: Address, core: Address, player: Address, amount: U256, session: u64| {
        enter(anvil, a, game, core, player, amount, session)
    };
    let a1 = data(123) + wei(456_789_012_345);
    let a2 = data(77) + wei(1);
    let b1 = data(50) + wei(3);
    let b2 = data(20) + wei(7);
    let (a3, a4, a5, a6) = (
        data(40) + wei(99),
        data(31),
        data(12) + wei(5),
        data(9) + wei(11),
    );
    let n = |x: U256| split(x, 777, 3333).3;
    let nb = |x: U256| split(x, 500, 10_000).3;

    // Session A/1: two entries, a winner credited, a burn, settled.
    entry(g, core_a, p1, a1, 1).await;
    entry(g, core_a, p2, a2, 1).await;
    // Session B/1: same id on the other ArcadeCore.
    entry(g2, core_b, p1, b1, 1).await;
    let pay1 = n(a1) + n(a2) / wei(2);
    let burn2 = n(a2) / wei(4);
    anvil
        .send(
            g,
            core_a,
            IArcadeCore::creditPayoutCall {
                sessionId: wei(1),
                player: p1,
                amount: pay1,
                burnAmount: U256::ZERO,
                won: true,
            },
        )
        .await
        .unwrap();
    anvil
        .send(
            g,
            core_a,
            IArcadeCore::creditPayoutCall {
                sessionId: wei(1),
                player: p2,
                amount: U256::ZERO,
                burnAmount: burn2,
                won: false,
            },
        )
        .await
        .unwrap();
    anvil
        .send(
            g,
            core_a,
            IArcadeCore::settleSessionCall { sessionId: wei(1) },
        )
        .await
        .unwrap();
    let remaining_a1 = n(a1) + n(a2) - pay1 - burn2;

    // Session A/2: a partial emergency refund, then a batch refund that
    // skips the refunded player and the stranger.
    entry(g, core_a, p1, a3, 2).await;
    entry(g, core_a, p2, a4, 2).await;
    let partial = n(a3) / wei(3);
    anvil
        .send(
            g,
            core_a,
            IArcadeCore::emergencyRefundCall {
                sessionId: wei(2),
                player: p1,
                amount: partial,
            },
        )
        .await
        .unwrap();
    anvil
        .send(
            g,
            core_a,
            IArcadeCore::batchEmergencyRefundCall {
                sessionId: wei(2),
                players: vec![p1, p2, p3],
            },
        )
        .await
        .unwrap();
    // Sessions A/3 and A/4, then the quarantine cancels 2, 3 and 4.
    entry(g, core_a, p1, a5, 3).await;
    entry(g, core_a, p2, a6, 4).await;
    let quarantine = anvil
        .send(
            admin,
            core_a,
            IArcadeCore::emergencyQuarantineGameCall { game: g },
        )
        .await
        .unwrap();
    // Anyone claims the expired refunds for the players.
    for (session, player) in [(3u64, p1), (4, p2)] {
        anvil
            .send(
                p3,
                core_a,
                IArcadeCore::claimExpiredRefundCall {
                    sessionId: wei(session),
                    player,
                },
            )
            .await
            .unwrap();
    }
    anvil
        .send(p1, core_a, IArcadeCore::withdrawPayoutCall {})
        .await
        .unwrap();

    // Session B/1: a second entry, a batch credit, settled.
    entry(g2, core_b, p2, b2, 1).await;
    let bpay = nb(b1) + nb(b2) / wei(2);
    let bburn = nb(b2) / wei(2);
    anvil
        .send(
            g2,
            core_b,
            IArcadeCore::batchCreditPayoutsCall {
                sessionIds: vec![wei(1), wei(1)],
                players: vec![p1, p2],
                amounts: vec![bpay, U256::ZERO],
                burnAmounts: vec![U256::ZERO, bburn],
                results: vec![true, false],
            },
        )
        .await
        .unwrap();
    anvil
        .send(
            g2,
            core_b,
            IArcadeCore::settleSessionCall { sessionId: wei(1) },
        )
        .await
        .unwrap();
    let remaining_b1 = nb(b1) + nb(b2) - bpay - bburn;
    anvil
        .send(admin, core_a, IArcadeCore::pauseCall {})
        .await
        .unwrap();
    anvil
        .send(admin, core_a, IArcadeCore::unpauseCall {})
        .await
        .unwrap();
    e.caught_up().await;
    let pool = &e.pool;

    // Entries: gross, net, rake and its burn/treasury parts, exactly.
    let entries: Vec<(Vec<u8>, Vec<u8>, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT arcade_core, player, session_id::text, amount::text, net_amount::text, rake_amount::text, \
                rake_burned::text, rake_treasury::text \
         FROM arcade_entries ORDER BY block_number, log_index",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let expected_entries = [
        (core_a, p1, 1u64, a1, 777u64, 3333u64),
        (core_a, p2, 1, a2, 777, 3333),
        (core_b, p1, 1, b1, 500, 10_000),
        (core_a, p1, 2, a3, 777, 3333),
        (core_a, p2, 2, a4, 777, 3333),
        (core_a, p1, 3, a5, 777, 3333),
        (core_a, p2, 4, a6, 777, 3333),
        (core_b, p2, 1, b2, 500, 10_000),
    ];
    assert_eq!(
        entries,
        expected_entries
            .iter()
            .map(|(c, p, sid, amt, r, b)| {
                let (rake, burn, tre, net) = split(*amt, *r, *b);
                (
                    c.to_vec(),
                    p.to_vec(),
                    sid.to_string(),
                    s(*amt),
                    s(net),
                    s(rake),
                    s(burn),
                    s(tre),
                )
            })
            .collect::<Vec<_>>()
    );
    // The burn and treasury parts are what 0xdEaD and the treasury really
    // received (with the credited burns and the settled remainders).
    let (rake_burned, rake_treasury): (String, String) = sqlx::query_as(
        "SELECT sum(rake_burned)::text, sum(rake_treasury)::text FROM arcade_entries",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let burned_credits: String = sqlx::query_scalar("SELECT sum(burned)::text FROM arcade_payouts")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(
        s(U256::from_str_radix(&burned_credits, 10).unwrap()),
        s(burn2 + bburn)
    );
    let treasury_after = balance(anvil, a.core.data, a.core.treasury).await;
    let dead_after = balance(anvil, a.core.data, DEAD).await;
    assert_eq!(
        treasury_after - treasury_before,
        U256::from_str_radix(&rake_treasury, 10).unwrap() + remaining_a1 + remaining_b1
    );
    assert_eq!(
        dead_after - dead_before,
        U256::from_str_radix(&rake_burned, 10).unwrap() + burn2 + bburn
    );

    // Sessions keyed by (ArcadeCore, id), compared with getSession.
    let sessions: Vec<(Vec<u8>, String, Vec<u8>, String, String, String, Option<String>, Option<String>, Option<String>, i32, i32)> =
        sqlx::query_as(
            "SELECT arcade_core, session_id::text, game, state, prize_pool::text, total_paid::text, \
                    settled_remaining::text, cancelled_prize_pool::text, cancel_cause, player_count, entry_count \
             FROM arcade_sessions ORDER BY arcade_core = $1 DESC, session_id",
        )
        .bind(core_a.to_vec())
        .fetch_all(pool)
        .await
        .unwrap();
    let pool2 = n(a3) + n(a4) - partial - n(a4);
    let expected_sessions = vec![
        (
            core_a,
            1u64,
            g,
            "settled",
            n(a1) + n(a2),
            pay1 + burn2,
            Some(remaining_a1),
            None,
            None,
            2,
            2,
        ),
        (
            core_a,
            2,
            g,
            "cancelled",
            pool2,
            U256::ZERO,
            None,
            Some(pool2),
            Some("quarantine"),
            2,
            2,
        ),
        (
            core_a,
            3,
            g,
            "cancelled",
            U256::ZERO,
            U256::ZERO,
            None,
            Some(n(a5)),
            Some("quarantine"),
            1,
            1,
        ),
        (
            core_a,
            4,
            g,
            "cancelled",
            U256::ZERO,
            U256::ZERO,
            None,
            Some(n(a6)),
            Some("quarantine"),
            1,
            1,
        ),
        (
            core_b,
            1,
            g2,
            "settled",
            nb(b1) + nb(b2),
            bpay + bburn,
            Some(remaining_b1),
            None,
            None,
            2,
            2,
        ),
    ];
    assert_eq!(
        sessions,
        expected_sessions
            .iter()
            .map(|(c, id, game, st, pp, tp, rem, cp, cause, pc, ec)| (
                c.to_vec(),
                id.to_string(),
                game.to_vec(),
                (*st).to_owned(),
                s(*pp),
                s(*tp),
                rem.map(s),
                cp.map(s),
                cause.map(str::to_owned),
                *pc,
                *ec
            ))
            .collect::<Vec<_>>()
    );
    for (c, id, ..) in &expected_sessions {
        let onchain = anvil
            .call(
                *c,
                IArcadeCore::getSessionCall {
                    sessionId: wei(*id),
                },
            )
            .await
            .unwrap();
        let (game, prize, paid, state, created, ended): (Vec<u8>, String, String, String, i64, Option<i64>) = sqlx::query_as(
            "SELECT game, prize_pool::text, total_paid::text, state, extract(epoch FROM created_at)::bigint, \
                    extract(epoch FROM ended_at)::bigint \
             FROM arcade_sessions WHERE arcade_core = $1 AND session_id = $2::numeric",
        )
        .bind(c.to_vec())
        .bind(id.to_string())
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(game, onchain.game.to_vec());
        assert_eq!(prize, s(onchain.prizePool), "prize pool of {c}/{id}");
        assert_eq!(paid, s(onchain.totalPaid), "total paid of {c}/{id}");
        let state_id = match state.as_str() {
            "active" => 1,
            "settled" => 2,
            _ => 3,
        };
        assert_eq!(state_id, onchain.state);
        assert_eq!(created, i64::try_from(onchain.createdAt).unwrap());
        assert_eq!(
            ended.unwrap_or(0),
            i64::try_from(onchain.settledAt).unwrap()
        );
    }

    // Per (session, player): deposits and refunds as ArcadeCore sees them.
    let players: Vec<(Vec<u8>, String, Vec<u8>, String, String, bool, Option<String>, String, String)> = sqlx::query_as(
        "SELECT arcade_core, session_id::text, player, gross_amount::text, deposit::text, refunded, refund_kind, \
                payout::text, burned::text \
         FROM arcade_session_players ORDER BY arcade_core, session_id, player",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(players.len(), 8);
    for (c, id, p, gross, deposit, refunded, _, _, _) in &players {
        let c = Address::from_slice(c);
        let p = Address::from_slice(p);
        let sid: U256 = id.parse().unwrap();
        let onchain_gross = anvil
            .call(
                c,
                IArcadeCore::getSessionGrossDepositCall {
                    sessionId: sid,
                    player: p,
                },
            )
            .await
            .unwrap();
        let onchain_deposit = anvil
            .call(
                c,
                IArcadeCore::getSessionDepositCall {
                    sessionId: sid,
                    player: p,
                },
            )
            .await
            .unwrap();
        let onchain_refunded = anvil
            .call(
                c,
                IArcadeCore::isRefundedCall {
                    sessionId: sid,
                    player: p,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (gross.clone(), deposit.clone(), *refunded),
            (s(onchain_gross), s(onchain_deposit), onchain_refunded),
            "{c}/{id}/{p}"
        );
    }
    let refunds: Vec<(String, Vec<u8>, Option<String>, String)> = sqlx::query_as(
        "SELECT session_id::text, player, refund_kind, refund_amount::text FROM arcade_session_players \
         WHERE refunded ORDER BY session_id, player = $1 DESC",
    )
    .bind(p1.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        refunds,
        vec![
            (
                "2".to_owned(),
                p1.to_vec(),
                Some("emergency".to_owned()),
                s(partial)
            ),
            (
                "2".to_owned(),
                p2.to_vec(),
                Some("emergency".to_owned()),
                s(n(a4))
            ),
            (
                "3".to_owned(),
                p1.to_vec(),
                Some("expired".to_owned()),
                s(n(a5))
            ),
            (
                "4".to_owned(),
                p2.to_vec(),
                Some("expired".to_owned()),
                s(n(a6))
            ),
        ]
    );

    // Pull balances: the ledger reconciles with PayoutCredited.totalPending
    // and PayoutWithdrawn; the balances equal getPendingPayout.
    let ledger: Vec<(Vec<u8>, Vec<u8>, String, Option<String>, String, String, Option<bool>)> = sqlx::query_as(
        "SELECT arcade_core, player, kind, session_id::text, amount::text, pending_after::text, reconciled \
         FROM arcade_balance_events ORDER BY block_number, log_index",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let p1_after_credit = pay1;
    let p1_after_partial = pay1 + partial;
    let p1_after_expired = p1_after_partial + n(a5);
    assert_eq!(
        ledger,
        vec![
            (
                core_a.to_vec(),
                p1.to_vec(),
                "payout_credited".into(),
                None,
                s(pay1),
                s(p1_after_credit),
                Some(true)
            ),
            (
                core_a.to_vec(),
                p1.to_vec(),
                "emergency_refund".into(),
                Some("2".into()),
                s(partial),
                s(p1_after_partial),
                None
            ),
            (
                core_a.to_vec(),
                p2.to_vec(),
                "emergency_refund".into(),
                Some("2".into()),
                s(n(a4)),
                s(n(a4)),
                None
            ),
            (
                core_a.to_vec(),
                p1.to_vec(),
                "expired_refund".into(),
                Some("3".into()),
                s(n(a5)),
                s(p1_after_expired),
                None
            ),
            (
                core_a.to_vec(),
                p2.to_vec(),
                "expired_refund".into(),
                Some("4".into()),
                s(n(a6)),
                s(n(a4) + n(a6)),
                None
            ),
            (
                core_a.to_vec(),
                p1.to_vec(),
                "withdrawn".into(),
                None,
                s(p1_after_expired),
                "0".into(),
                Some(true)
            ),
            (
                core_b.to_vec(),
                p1.to_vec(),
                "payout_credited".into(),
                None,
                s(bpay),
                s(bpay),
                Some(true)
            ),
        ]
    );
    for c in [core_a, core_b] {
        for p in [p1, p2] {
            let onchain = anvil
                .call(c, IArcadeCore::getPendingPayoutCall { player: p })
                .await
                .unwrap();
            let indexed: Option<String> = sqlx::query_scalar(
                "SELECT pending::text FROM arcade_balances WHERE arcade_core = $1 AND player = $2",
            )
            .bind(c.to_vec())
            .bind(p.to_vec())
            .fetch_optional(pool)
            .await
            .unwrap();
            assert_eq!(
                indexed.unwrap_or_else(|| "0".into()),
                s(onchain),
                "pending of {p} on {c}"
            );
        }
    }

    // Player totals in exact wei; getPlayerStats keeps amounts ÷ 1e6
    // (truncated per entry), which the exact rows reproduce.
    for c in [core_a, core_b] {
        for p in [p1, p2] {
            let st = anvil
                .call(c, IArcadeCore::getPlayerStatsCall { player: p })
                .await
                .unwrap();
            let (played, wins, losses, last, wagered_scaled, won_scaled): (i64, i64, i64, i64, String, String) = sqlx::query_as(
                "SELECT s.games_played, s.wins, s.losses, extract(epoch FROM s.last_play_time)::bigint, \
                        (SELECT coalesce(sum(div(amount, 1000000)), 0)::text FROM arcade_entries e \
                          WHERE e.arcade_core = s.arcade_core AND e.player = s.player), \
                        (SELECT coalesce(sum(div(payout, 1000000)), 0)::text FROM arcade_payouts x \
                          WHERE x.arcade_core = s.arcade_core AND x.player = s.player AND x.won) \
                 FROM arcade_player_stats s WHERE s.arcade_core = $1 AND s.player = $2",
            )
            .bind(c.to_vec())
            .bind(p.to_vec())
            .fetch_one(pool)
            .await
            .unwrap();
            assert_eq!(
                (played, wins, losses, last, wagered_scaled, won_scaled),
                (
                    i64::try_from(st.totalGamesPlayed).unwrap(),
                    i64::try_from(st.totalWins).unwrap(),
                    i64::try_from(st.totalLosses).unwrap(),
                    i64::try_from(st.lastPlayTime).unwrap(),
                    st.totalWagered.to_string(),
                    st.totalWon.to_string()
                ),
                "stats of {p} on {c}"
            );
        }
    }
    let (wagered, won): (String, String) = sqlx::query_as(
        "SELECT total_wagered::text, total_won::text FROM arcade_player_stats WHERE arcade_core = $1 AND player = $2",
    )
    .bind(core_a.to_vec())
    .bind(p1.to_vec())
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((wagered, won), (s(a1 + a3 + a5), s(pay1)));

    // Quarantine: the game is paused without a config event; the three
    // sessions it cancelled are attributed to it.
    let (paused, quarantined, cfg): (bool, Option<i64>, (String, String, i32, i32, bool)) = {
        let r: (bool, Option<i64>, String, String, i32, i32, bool) = sqlx::query_as(
            "SELECT paused, quarantined_at_block, min_entry::text, max_entry::text, rake_bps, burn_bps, requires_position \
             FROM arcade_games WHERE arcade_core = $1 AND game = $2",
        )
        .bind(core_a.to_vec())
        .bind(g.to_vec())
        .fetch_one(pool)
        .await
        .unwrap();
        (r.0, r.1, (r.2, r.3, r.4, r.5, r.6))
    };
    let onchain_cfg = anvil
        .call(core_a, IArcadeCore::getGameConfigCall { game: g })
        .await
        .unwrap();
    assert_eq!(paused, onchain_cfg.paused);
    assert!(paused);
    assert_eq!(
        quarantined,
        Some(i64::try_from(quarantine.block_number.unwrap()).unwrap())
    );
    assert_eq!(
        cfg,
        (
            s(onchain_cfg.minEntry),
            s(onchain_cfg.maxEntry),
            i32::from(onchain_cfg.rakeBps),
            i32::from(onchain_cfg.burnBps),
            onchain_cfg.requiresPosition
        )
    );
    let game_events: Vec<(String, Option<String>, Option<serde_json::Value>)> = sqlx::query_as(
        "SELECT kind, sessions_affected::text, cancelled_sessions FROM arcade_game_events \
         WHERE arcade_core = $1 AND game = $2 ORDER BY block_number, log_index",
    )
    .bind(core_a.to_vec())
    .bind(g.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        game_events,
        vec![
            ("registered".to_owned(), None, None),
            (
                "quarantined".to_owned(),
                Some("3".to_owned()),
                Some(serde_json::json!(["2", "3", "4"]))
            ),
        ]
    );

    // Batches.
    let batches: Vec<(Vec<u8>, String, Option<String>, String, String, Option<String>)> = sqlx::query_as(
        "SELECT arcade_core, kind, session_id::text, item_count::text, total_amount::text, total_burned::text \
         FROM arcade_batches ORDER BY block_number, log_index",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        batches,
        vec![
            (
                core_a.to_vec(),
                "emergency_refund".into(),
                Some("2".into()),
                "1".into(),
                s(n(a4)),
                None
            ),
            (
                core_b.to_vec(),
                "payout".into(),
                None,
                "2".into(),
                s(bpay),
                Some(s(bburn))
            ),
        ]
    );

    // The audit trail and the proxies' state.
    let audit: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT event_name, args FROM arcade_admin_events WHERE contract_address = $1 ORDER BY block_number, log_index",
    )
    .bind(core_a.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    let h = |x: Address| format!("{x:#x}");
    let r = |name: &str| format!("{:#x}", arcade::role(name));
    let zero = format!("{:#x}", B256::ZERO);
    assert_eq!(
        audit,
        vec![
            (
                "Upgraded".to_owned(),
                serde_json::json!({"implementation": h(a.arcade_core_impl)})
            ),
            (
                "RoleGranted".to_owned(),
                serde_json::json!({"role": zero, "account": h(admin), "sender": h(admin)})
            ),
            (
                "RoleGranted".to_owned(),
                serde_json::json!({"role": r("GAME_ADMIN_ROLE"), "account": h(admin), "sender": h(admin)})
            ),
            (
                "RoleGranted".to_owned(),
                serde_json::json!({"role": r("PAUSER_ROLE"), "account": h(admin), "sender": h(admin)})
            ),
            (
                "Initialized".to_owned(),
                serde_json::json!({"version": "1"})
            ),
            (
                "RoleGranted".to_owned(),
                serde_json::json!({"role": r("GAME_ADMIN_ROLE"), "account": h(a.registry), "sender": h(admin)})
            ),
            (
                "Paused".to_owned(),
                serde_json::json!({"account": h(admin)})
            ),
            (
                "Unpaused".to_owned(),
                serde_json::json!({"account": h(admin)})
            ),
        ]
    );
    let cores: Vec<(Vec<u8>, bool, Option<i64>, Option<Vec<u8>>, i32)> = sqlx::query_as(
        "SELECT arcade_core, paused, initialized_version, implementation, upgrades FROM arcade_cores \
         ORDER BY arcade_core = $1 DESC",
    )
    .bind(core_a.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        cores,
        vec![
            (
                core_a.to_vec(),
                false,
                Some(1),
                Some(a.arcade_core_impl.to_vec()),
                1
            ),
            (
                core_b.to_vec(),
                false,
                Some(1),
                Some(a.duel_core_impl.to_vec()),
                1
            ),
        ]
    );

    // The feed.
    let feed: Vec<String> = sqlx::query_scalar(
        "SELECT payload->>'type' FROM wraith_outbox WHERE handler = 'arcade-core' ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(feed.iter().filter(|t| *t == "ENTRY").count(), 8);
    assert_eq!(feed.iter().filter(|t| *t == "GAME_SETTLED").count(), 4);
    assert_eq!(feed.iter().filter(|t| *t == "SESSION_SETTLED").count(), 2);
    assert_eq!(feed.iter().filter(|t| *t == "SESSION_CANCELLED").count(), 3);
    assert_eq!(feed.iter().filter(|t| *t == "PAYOUT_WITHDRAWN").count(), 1);
}

// ─── HashCrash ───────────────────────────────────────────────────────────────

/// HashCrash's `SessionState` values as `getRound` reports them.
fn game_state(name: &str) -> u8 {
    match name {
        "betting" => 1,
        "locked" => 2,
        "active" => 3,
        "settled" => 5,
        "cancelled" => 6,
        "expired" => 7,
        other => panic!("unknown state {other}"),
    }
}

/// Start a HashCrash round, place `bets` (player, gross, target), lock it
/// once betting is over; returns the round id and the lock block.
async fn hash_crash_round(anvil: &Anvil, a: &Arcade, bets: &[(Address, U256, u64)]) -> (U256, u64) {
    let hc = a.hash_crash;
    let keeper = a.core.players[2];
    a.next_second(anvil).await.unwrap();
    anvil
        .send(keeper, hc, IHashCrash::startRoundCall {})
        .await
        .unwrap();
    let id = anvil
        .call(hc, IHashCrash::currentSessionIdCall {})
        .await
        .unwrap();
    for (player, amount, target) in bets {
        anvil
            .send(
                *player,
                hc,
                IHashCrash::placeBetCall {
                    amount: *amount,
                    targetMultiplier: wei(*target),
                },
            )
            .await
            .unwrap();
    }
    let now = arcade::latest_timestamp(anvil).await.unwrap();
    arcade::set_next_timestamp(anvil, now + 61).await.unwrap();
    let lock = anvil
        .send(keeper, hc, IHashCrash::lockRoundCall {})
        .await
        .unwrap();
    (id, lock.block_number.unwrap())
}

/// Mine past the seed block and reveal; returns the crash point.
async fn reveal(anvil: &Anvil, a: &Arcade, id: U256) -> u64 {
    anvil.mine(3).await.unwrap();
    anvil
        .send(
            a.core.players[2],
            a.hash_crash,
            IHashCrash::revealCrashCall {},
        )
        .await
        .unwrap();
    let round = anvil
        .call(a.hash_crash, IHashCrash::getRoundCall { roundId: id })
        .await
        .unwrap();
    u64::try_from(round.crashMultiplier).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_hash_crash_rounds_when_indexed_should_model_the_lifecycle_settlement_refunds_and_expiry()
 {
    let e = env(3).await;
    let (anvil, a) = (&e.anvil, &e.arcade);
    let hc = a.hash_crash;
    let [p1, p2, p3] = a.core.players[..3] else {
        panic!()
    };
    let admin = a.core.admin;
    let net = |x: U256| split(x, 250, 4000).3;

    // Round 1: targets of 100x never win (the crash point is at most
    // 100x and a win needs target < crash): two losers, one settled by
    // settle(player), the other by settleAll, which ends the session.
    let (a1, a2) = (data(100) + wei(123_456_789), data(37) + wei(1));
    let (r1, lock1) = hash_crash_round(anvil, a, &[(p1, a1, 10_000), (p2, a2, 10_000)]).await;
    assert_eq!(r1, wei(1));
    reveal(anvil, a, r1).await;
    let keeper = p3;
    anvil
        .send(keeper, hc, IHashCrash::settleCall { player: p1 })
        .await
        .unwrap();
    anvil
        .send(keeper, hc, IHashCrash::settleAllCall {})
        .await
        .unwrap();

    // A winner: target 1.01x wins unless the crash point is 1.00x or 1.01x
    // (about 5 % of seeds); such a round is settled (everybody loses) and
    // another one is played.
    let (w1, w2) = (data(50) + wei(999), data(20) + wei(2));
    let mut no_winner_rounds = Vec::new();
    let win_round = loop {
        let (id, _) = hash_crash_round(anvil, a, &[(p1, w1, 101), (p2, w2, 10_000)]).await;
        let crash = reveal(anvil, a, id).await;
        if crash > 101 {
            anvil
                .send(keeper, hc, IHashCrash::settleCall { player: p1 })
                .await
                .unwrap();
            // The pool cannot pay the winner and burn the loser: settleAll
            // reverts, so the owner cancels the round.
            assert!(
                arcade::simulate(anvil, keeper, hc, IHashCrash::settleAllCall {})
                    .await
                    .is_err()
            );
            anvil
                .send(
                    admin,
                    hc,
                    IHashCrash::emergencyCancelCall {
                        sessionId: id,
                        reason: "stuck round".into(),
                    },
                )
                .await
                .unwrap();
            break id;
        }
        anvil
            .send(keeper, hc, IHashCrash::settleAllCall {})
            .await
            .unwrap();
        no_winner_rounds.push(id);
        assert!(
            no_winner_rounds.len() < 10,
            "ten rounds without a 1.01x winner"
        );
    };
    let payout = net(w1) * wei(101) / wei(100);

    // Expiry: the seed block leaves the 256-block window (the EIP-2935
    // history contract hidden), handleExpiredRound, then anyone claims the
    // refund of the player.
    let e3 = data(40) + wei(77);
    let (exp_round, _) = hash_crash_round(anvil, a, &[(p3, e3, 150)]).await;
    let history = arcade::hide_block_history(anvil).await.unwrap();
    anvil.mine(260).await.unwrap();
    anvil
        .send(p1, hc, IHashCrash::handleExpiredRoundCall {})
        .await
        .unwrap();
    arcade::restore_block_history(anvil, history).await.unwrap();
    anvil
        .send(
            p1,
            hc,
            IHashCrash::claimExpiredRefundCall {
                roundId: exp_round,
                player: p3,
            },
        )
        .await
        .unwrap();

    // A round without bets is cancelled at lock.
    let (empty_round, _) = hash_crash_round(anvil, a, &[]).await;
    anvil
        .send(admin, hc, IHashCrash::setActiveCall { active: false })
        .await
        .unwrap();
    anvil
        .send(admin, hc, IHashCrash::pauseCall {})
        .await
        .unwrap();
    anvil
        .send(admin, hc, IHashCrash::unpauseCall {})
        .await
        .unwrap();
    e.caught_up().await;
    let pool = &e.pool;
    let last_round = empty_round;

    // Every round equals getRound; revealed rounds carry the verified seed.
    for id in 1..=u64::try_from(last_round).unwrap() {
        let onchain = anvil
            .call(hc, IHashCrash::getRoundCall { roundId: wei(id) })
            .await
            .unwrap();
        let (state, ends, prize, crash, paid, players, seed, hash, seed_ok, crash_ok, seed_block): (
            String,
            i64,
            String,
            Option<i32>,
            String,
            i32,
            Option<String>,
            Option<Vec<u8>>,
            Option<bool>,
            Option<bool>,
            Option<i64>,
        ) = sqlx::query_as(
            "SELECT state, extract(epoch FROM betting_ends_at)::bigint, prize_pool::text, crash_multiplier, \
                    total_paid_out::text, player_count, seed::text, seed_block_hash, seed_verified, crash_verified, seed_block \
             FROM hash_crash_rounds WHERE hash_crash = $1 AND round_id = $2::numeric",
        )
        .bind(hc.to_vec())
        .bind(id.to_string())
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(game_state(&state), onchain.state, "state of round {id}");
        assert_eq!(ends, i64::try_from(onchain.bettingEndTime).unwrap());
        assert_eq!(prize, s(onchain.prizePool), "pool of round {id}");
        assert_eq!(
            crash.map_or(U256::ZERO, |c| wei(u64::try_from(c).unwrap())),
            onchain.crashMultiplier
        );
        assert_eq!(paid, s(onchain.totalPaidOut));
        assert_eq!(wei(u64::try_from(players).unwrap()), onchain.playerCount);
        let info = anvil
            .call(hc, IHashCrash::getSeedInfoCall { roundId: wei(id) })
            .await
            .unwrap();
        assert_eq!(
            seed_block.unwrap_or(0),
            i64::try_from(info.seedBlock).unwrap()
        );
        if info.revealed {
            assert_eq!(seed, Some(s(info.seed)));
            assert_eq!(hash, Some(info.blockHash.to_vec()));
            assert_eq!((seed_ok, crash_ok), (Some(true), Some(true)), "round {id}");
            let recomputed = anvil
                .call(hc, IHashCrash::crashPointFromSeedCall { seed: info.seed })
                .await
                .unwrap();
            assert_eq!(recomputed, onchain.crashMultiplier);
        } else {
            assert_eq!((seed, seed_ok, crash_ok), (None, None, None));
        }
    }

    // Every bet equals getPlayerBet (amount is the net there).
    let bets: Vec<(String, Vec<u8>, String, String, i32, String)> = sqlx::query_as(
        "SELECT round_id::text, player, amount::text, net_amount::text, target_multiplier, result \
         FROM hash_crash_bets ORDER BY round_id, placed_block",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(bets.len(), 2 + 2 * (no_winner_rounds.len() + 1) + 1);
    for (id, player, gross, netv, target, result) in &bets {
        let onchain = anvil
            .call(
                hc,
                IHashCrash::getPlayerBetCall {
                    roundId: id.parse().unwrap(),
                    player: Address::from_slice(player),
                },
            )
            .await
            .unwrap();
        assert_eq!(gross, &onchain.grossAmount.to_string());
        assert_eq!(netv, &onchain.amount.to_string());
        assert_eq!(
            i64::from(*target),
            i64::try_from(onchain.targetMultiplier).unwrap()
        );
        assert_eq!(result != "pending", onchain.settled, "round {id}");
    }

    // Round 1 in detail: the double RoundStarted (seed block 0, then the
    // committed seed block) and SessionSettled as the round-over signal.
    let events: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT kind, seed_block, extract(epoch FROM event_timestamp)::bigint FROM hash_crash_round_events \
         WHERE round_id = 1 ORDER BY block_number, log_index",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let seed_block = i64::try_from(lock1 + 3).unwrap();
    let lock_time = i64::try_from(arcade::block_timestamp(anvil, lock1).await.unwrap()).unwrap();
    let kinds: Vec<&str> = events.iter().map(|(k, ..)| k.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "started",
            "session_created",
            "seed_committed",
            "locked",
            "seed_revealed",
            "crash_revealed",
            "resolved",
            "session_settled"
        ]
    );
    assert_eq!(events[2].1, Some(seed_block));
    assert_eq!(
        (events[3].1, events[3].2),
        (Some(seed_block), Some(lock_time))
    );
    let (state, session_paid, remaining, losers, burned): (String, String, String, i32, String) = sqlx::query_as(
        "SELECT state, session_total_paid::text, session_remaining::text, losers, total_burned::text \
         FROM hash_crash_rounds WHERE round_id = 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        (state.as_str(), session_paid, remaining, losers, burned),
        (
            "settled",
            s(net(a1) + net(a2)),
            "0".to_owned(),
            2,
            s(net(a1) + net(a2))
        )
    );
    let core_session: (String, String, Option<String>) = sqlx::query_as(
        "SELECT state, total_paid::text, settled_remaining::text FROM arcade_sessions \
         WHERE arcade_core = $1 AND session_id = 1",
    )
    .bind(a.arcade_core.to_vec())
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        core_session,
        (
            "settled".to_owned(),
            s(net(a1) + net(a2)),
            Some("0".to_owned())
        )
    );

    // PlayerPaidOut: a loss, a win, a refund — told apart by the sibling
    // event of the same transaction.
    let history = |round: U256, player: Address| async move {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT kind, payout::text FROM hash_crash_bet_events \
             WHERE round_id = $1::numeric AND player = $2 ORDER BY block_number, log_index",
        )
        .bind(round.to_string())
        .bind(player.to_vec())
        .fetch_all(pool)
        .await
        .unwrap();
        rows
    };
    let k = |kind: &str, payout: Option<U256>| (kind.to_owned(), payout.map(s));
    assert_eq!(
        history(r1, p1).await,
        vec![
            k("bet_placed", None),
            k("lost", None),
            k("paid_out_loss", Some(U256::ZERO))
        ]
    );
    assert_eq!(
        history(r1, p2).await,
        vec![
            k("bet_placed", None),
            k("lost", None),
            k("paid_out_loss", Some(U256::ZERO))
        ]
    );
    assert_eq!(
        history(win_round, p1).await,
        vec![
            k("bet_placed", None),
            k("won", Some(payout)),
            k("paid_out_win", Some(payout))
        ]
    );
    assert_eq!(history(win_round, p2).await, vec![k("bet_placed", None)]);
    assert_eq!(
        history(exp_round, p3).await,
        vec![
            k("bet_placed", None),
            k("refund_claimed", None),
            k("paid_out_refund", Some(net(e3)))
        ]
    );
    for id in &no_winner_rounds {
        assert_eq!(
            history(*id, p1).await,
            vec![
                k("bet_placed", None),
                k("lost", None),
                k("paid_out_loss", Some(U256::ZERO))
            ]
        );
    }

    // How each round ended.
    let ended: Vec<(String, String, Option<String>, i32, i32, i32, String, String, Option<String>, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT round_id::text, state, cancel_reason, winners, losers, refunds, total_paid_out::text, \
                total_refunded::text, session_cancelled_prize_pool::text, arcade_core \
         FROM hash_crash_rounds WHERE round_id = ANY($1::numeric[]) ORDER BY round_id",
    )
    .bind(vec![win_round.to_string(), exp_round.to_string(), empty_round.to_string()])
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        ended,
        vec![
            (
                win_round.to_string(),
                "cancelled".to_owned(),
                Some("stuck round".to_owned()),
                1,
                0,
                0,
                s(payout),
                "0".to_owned(),
                Some(s(net(w1) + net(w2))),
                Some(a.arcade_core.to_vec())
            ),
            (
                exp_round.to_string(),
                "expired".to_owned(),
                Some("Seed expired".to_owned()),
                0,
                0,
                1,
                "0".to_owned(),
                s(net(e3)),
                Some(s(net(e3))),
                Some(a.arcade_core.to_vec())
            ),
            (
                empty_round.to_string(),
                "cancelled".to_owned(),
                Some("No bets placed".to_owned()),
                0,
                0,
                0,
                "0".to_owned(),
                "0".to_owned(),
                None,
                None
            ),
        ]
    );
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM hash_crash_sessions")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(
        sessions,
        i64::try_from(u64::try_from(last_round).unwrap() - 1).unwrap()
    );
    // The refund reached ArcadeCore's pull balance of the player.
    let pending = anvil
        .call(
            a.arcade_core,
            IArcadeCore::getPendingPayoutCall { player: p3 },
        )
        .await
        .unwrap();
    assert_eq!(pending, net(e3));

    // The contract row and the audit trail.
    let game: (Option<Vec<u8>>, Option<Vec<u8>>, bool, bool, Option<String>) = sqlx::query_as(
        "SELECT arcade_core, owner, paused, is_active, current_round_id::text FROM hash_crash_games WHERE hash_crash = $1",
    )
    .bind(hc.to_vec())
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        game,
        (
            Some(a.arcade_core.to_vec()),
            Some(admin.to_vec()),
            false,
            false,
            Some(last_round.to_string())
        )
    );
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT event_name FROM arcade_admin_events WHERE contract_address = $1 ORDER BY block_number, log_index",
    )
    .bind(hc.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        audit,
        vec![
            "OwnershipTransferred",
            "GameActiveStatusChanged",
            "Paused",
            "Unpaused"
        ]
    );
}

// ─── DuelEscrow ──────────────────────────────────────────────────────────────

/// Create a match (oracle-signed) between p1 and p2 at `tier`; returns its id.
async fn create_match(
    anvil: &Anvil,
    a: &Arcade,
    p1: Address,
    p2: Address,
    tier: u8,
    tag: &str,
) -> U256 {
    let nonce = keccak256(format!("create-{tag}"));
    let signature = a.create_match_signature(p1, p2, tier, nonce).unwrap();
    anvil
        .send(
            a.core.players[2],
            a.duel,
            IDuelEscrow::createMatchCall {
                player1: p1,
                player2: p2,
                tier,
                signature,
                nonce,
            },
        )
        .await
        .unwrap();
    anvil
        .call(a.duel, IDuelEscrow::matchCountCall {})
        .await
        .unwrap()
}

async fn join(anvil: &Anvil, a: &Arcade, player: Address, id: U256) {
    a.next_second(anvil).await.unwrap();
    anvil
        .send(player, a.duel, IDuelEscrow::joinMatchCall { matchId: id })
        .await
        .unwrap();
}

async fn submit_result(
    anvil: &Anvil,
    a: &Arcade,
    id: U256,
    winner: Address,
    outcome: u8,
    tag: &str,
) {
    let nonce = keccak256(format!("result-{tag}"));
    let signature = a.result_signature(id, winner, outcome, nonce).unwrap();
    anvil
        .send(
            a.core.players[2],
            a.duel,
            IDuelEscrow::submitResultCall {
                matchId: id,
                winner,
                outcome,
                signature,
                nonce,
            },
        )
        .await
        .unwrap();
}

fn match_state(name: &str) -> u8 {
    match name {
        "created" => 1,
        "waiting" => 2,
        "active" => 3,
        "resolved" => 4,
        "cancelled" => 5,
        other => panic!("unknown match state {other}"),
    }
}

fn outcome_id(name: Option<&str>) -> u8 {
    match name {
        None => 0,
        Some("win") => 1,
        Some("tie") => 2,
        Some("forfeit") => 3,
        Some("timeout") => 4,
        Some(other) => panic!("unknown outcome {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_duels_when_indexed_should_read_the_stake_from_stake_tier_split_ties_and_track_cancellations()
 {
    let e = env(3).await;
    let (anvil, a) = (&e.anvil, &e.arcade);
    let duel = a.duel;
    let [p1, p2, _] = a.core.players[..3] else {
        panic!()
    };
    let admin = a.core.admin;
    let stake = |tier: u64| data([50, 150, 300, 500][usize::try_from(tier).unwrap()]);
    let net = |tier: u64| split(stake(tier), 333, 10_000).3;

    // 1: WIN (SILVER).
    let m1 = create_match(anvil, a, p1, p2, 1, "m1").await;
    join(anvil, a, p1, m1).await;
    join(anvil, a, p2, m1).await;
    submit_result(anvil, a, m1, p1, 1, "m1").await;
    // 2: TIE (GOLD): 10 % burned, the rest split.
    let m2 = create_match(anvil, a, p1, p2, 2, "m2").await;
    join(anvil, a, p2, m2).await;
    join(anvil, a, p1, m2).await;
    submit_result(anvil, a, m2, Address::ZERO, 2, "m2").await;
    // 3: only player 1 joins; the join window expires; the refund claim
    // cancels the match first.
    let m3 = create_match(anvil, a, p1, p2, 0, "m3").await;
    join(anvil, a, p1, m3).await;
    let now = arcade::latest_timestamp(anvil).await.unwrap();
    arcade::set_next_timestamp(anvil, now + 301).await.unwrap();
    anvil
        .send(p1, duel, IDuelEscrow::claimRefundCall { matchId: m3 })
        .await
        .unwrap();
    // 4: the oracle reports TIMEOUT: a cancellation; both claim refunds.
    let m4 = create_match(anvil, a, p1, p2, 1, "m4").await;
    join(anvil, a, p1, m4).await;
    join(anvil, a, p2, m4).await;
    submit_result(anvil, a, m4, Address::ZERO, 4, "m4").await;
    for p in [p1, p2] {
        anvil
            .send(p, duel, IDuelEscrow::claimRefundCall { matchId: m4 })
            .await
            .unwrap();
    }
    // 5: the owner cancels with the same reason text: not a TIMEOUT.
    let m5 = create_match(anvil, a, p1, p2, 3, "m5").await;
    join(anvil, a, p1, m5).await;
    anvil
        .send(
            admin,
            duel,
            IDuelEscrow::emergencyCancelCall {
                sessionId: m5,
                reason: "Result timeout".into(),
            },
        )
        .await
        .unwrap();
    anvil
        .send(p1, duel, IDuelEscrow::claimRefundCall { matchId: m5 })
        .await
        .unwrap();
    // 6: FORFEIT won by player 2 (BRONZE).
    let m6 = create_match(anvil, a, p1, p2, 0, "m6").await;
    join(anvil, a, p1, m6).await;
    join(anvil, a, p2, m6).await;
    submit_result(anvil, a, m6, p2, 3, "m6").await;
    let new_oracle = Address::from_slice(&keccak256("new oracle")[..20]);
    anvil
        .send(
            admin,
            duel,
            IDuelEscrow::setOracleCall {
                newOracle: new_oracle,
            },
        )
        .await
        .unwrap();
    anvil
        .send(admin, duel, IDuelEscrow::pauseCall {})
        .await
        .unwrap();
    anvil
        .send(admin, duel, IDuelEscrow::unpauseCall {})
        .await
        .unwrap();
    e.caught_up().await;
    let pool = &e.pool;

    // Every match equals getMatch.
    type MatchRow = (
        Vec<u8>,
        Vec<u8>,
        String,
        Option<String>,
        String,
        String,
        i64,
        i64,
        Option<i64>,
        Option<Vec<u8>>,
        Option<String>,
        String,
        String,
    );
    for id in [m1, m2, m3, m4, m5, m6] {
        let onchain = anvil
            .call(duel, IDuelEscrow::getMatchCall { matchId: id })
            .await
            .unwrap();
        let row: MatchRow = sqlx::query_as(
            "SELECT player1, player2, stake::text, stake_tier, prize_pool::text, state, \
                    extract(epoch FROM created_at)::bigint, extract(epoch FROM expires_at)::bigint, \
                    extract(epoch FROM timeout_at)::bigint, winner, outcome, \
                    (coalesce(player1_net, 0) - coalesce(player1_refund, 0))::text, \
                    (coalesce(player2_net, 0) - coalesce(player2_refund, 0))::text \
             FROM duel_matches WHERE duel_escrow = $1 AND match_id = $2::numeric",
        )
        .bind(duel.to_vec())
        .bind(id.to_string())
        .fetch_one(pool)
        .await
        .unwrap();
        let tier_name = ["bronze", "silver", "gold", "diamond"][usize::from(onchain.tier)];
        assert_eq!(row.0, onchain.player1.to_vec());
        assert_eq!(row.1, onchain.player2.to_vec());
        assert_eq!(row.2, onchain.stake.to_string(), "stake of match {id}");
        assert_eq!(row.3.as_deref(), Some(tier_name));
        assert_eq!(row.4, onchain.prizePool.to_string());
        assert_eq!(match_state(&row.5), onchain.state, "state of match {id}");
        assert_eq!(row.6, i64::try_from(onchain.createdAt).unwrap());
        assert_eq!(row.7, i64::try_from(onchain.expiresAt).unwrap());
        assert_eq!(
            row.8.unwrap_or(0),
            i64::try_from(onchain.timeoutAt).unwrap()
        );
        assert_eq!(
            row.9.unwrap_or_else(|| vec![0; 20]),
            onchain.winner.to_vec()
        );
        assert_eq!(
            outcome_id(row.10.as_deref()),
            onchain.outcome,
            "outcome of match {id}"
        );
        assert_eq!(row.11, onchain.player1Net.to_string());
        assert_eq!(row.12, onchain.player2Net.to_string());
    }
    // MatchCreated.stakeTier is the amount, not the enum.
    let created: Vec<(String, String)> = sqlx::query_as(
        "SELECT match_id::text, amount::text FROM duel_events WHERE kind = 'created' ORDER BY match_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        created,
        [1u64, 2, 0, 1, 3, 0]
            .iter()
            .enumerate()
            .map(|(i, t)| ((i + 1).to_string(), s(stake(*t))))
            .collect::<Vec<_>>()
    );

    // Results and payouts per player.
    type Outcome = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let outcome = |id: U256| async move {
        let row: Outcome = sqlx::query_as(
            "SELECT player1_result, player2_result, player1_payout::text, player2_payout::text, \
                    player1_burned::text, player2_burned::text, burned::text, reported_payout::text, \
                    player1_refund::text, player2_refund::text \
             FROM duel_matches WHERE match_id = $1::numeric",
        )
        .bind(id.to_string())
        .fetch_one(pool)
        .await
        .unwrap();
        row
    };
    let o = |v: Option<U256>| v.map(s);
    let t = |v: &str| Some(v.to_owned());
    let pool1 = net(1) * wei(2);
    assert_eq!(
        outcome(m1).await,
        (
            t("won"),
            t("lost"),
            o(Some(pool1)),
            o(Some(U256::ZERO)),
            t("0"),
            t("0"),
            t("0"),
            o(Some(pool1)),
            None,
            None
        )
    );
    let pool2 = net(2) * wei(2);
    let burn = pool2 / wei(10);
    let share1 = (pool2 - burn) / wei(2);
    let share2 = pool2 - burn - share1;
    assert_eq!(
        outcome(m2).await,
        (
            t("tie"),
            t("tie"),
            o(Some(share1)),
            o(Some(share2)),
            o(Some(burn / wei(2))),
            o(Some(burn - burn / wei(2))),
            o(Some(burn)),
            o(Some(share1)),
            None,
            None
        )
    );
    assert_eq!(
        outcome(m3).await,
        (
            t("refunded"),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            o(Some(net(0))),
            None
        )
    );
    assert_eq!(
        outcome(m4).await,
        (
            t("refunded"),
            t("refunded"),
            None,
            None,
            None,
            None,
            None,
            None,
            o(Some(net(1))),
            o(Some(net(1)))
        )
    );
    assert_eq!(
        outcome(m6).await,
        (
            t("lost"),
            t("won"),
            o(Some(U256::ZERO)),
            o(Some(net(0) * wei(2))),
            t("0"),
            t("0"),
            t("0"),
            o(Some(net(0) * wei(2))),
            None,
            None
        )
    );
    // The TIE as ArcadeCore credited it (arcade-core's rows) and as the
    // players were paid (PlayerPaidOut).
    let credits: Vec<(Vec<u8>, String, String, bool)> = sqlx::query_as(
        "SELECT player, payout::text, burned::text, won FROM arcade_payouts \
         WHERE arcade_core = $1 AND session_id = $2::numeric ORDER BY log_index",
    )
    .bind(a.duel_core.to_vec())
    .bind(m2.to_string())
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        credits,
        vec![
            (p1.to_vec(), s(share1), s(burn / wei(2)), false),
            (p2.to_vec(), s(share2), s(burn - burn / wei(2)), false),
        ]
    );
    let kinds = |id: U256| async move {
        let rows: Vec<(String, Option<Vec<u8>>, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT kind, player, payout::text, coalesce(reason, outcome) FROM duel_events \
             WHERE match_id = $1::numeric ORDER BY block_number, log_index",
        )
        .bind(id.to_string())
        .fetch_all(pool)
        .await
        .unwrap();
        rows
    };
    let ev = |k: &str, p: Option<Address>, payout: Option<U256>, extra: Option<&str>| {
        (
            k.to_owned(),
            p.map(|p| p.to_vec()),
            payout.map(s),
            extra.map(str::to_owned),
        )
    };
    assert_eq!(
        kinds(m2).await,
        vec![
            ev("created", None, None, None),
            ev("round_started", None, None, None),
            ev("joined", Some(p2), None, None),
            ev("bet_placed", Some(p2), None, None),
            ev("joined", Some(p1), None, None),
            ev("bet_placed", Some(p1), None, None),
            ev("started", None, None, None),
            ev("payout_tie", Some(p1), Some(share1), None),
            ev("payout_tie", Some(p2), Some(share2), None),
            ev("resolved", None, Some(share1), Some("tie")),
            ev("round_resolved", None, None, Some("tie")),
        ]
    );
    assert_eq!(
        kinds(m1).await[7..],
        vec![
            ev("payout_win", Some(p1), Some(pool1), None),
            ev("payout_loss", Some(p2), Some(U256::ZERO), None),
            ev("resolved", Some(p1), Some(pool1), Some("win")),
            ev("round_resolved", None, None, Some("win")),
        ]
    );
    assert_eq!(
        kinds(m3).await[4..],
        vec![
            ev("cancelled", None, None, Some("Match expired")),
            ev("round_cancelled", None, None, Some("Match expired")),
            ev("payout_refund", Some(p1), Some(net(0)), None),
        ]
    );
    let cancels: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT match_id::text, cancel_reason, outcome FROM duel_matches WHERE state = 'cancelled' ORDER BY match_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        cancels,
        vec![
            ("3".to_owned(), t("Match expired"), None),
            ("4".to_owned(), t("Result timeout"), t("timeout")),
            ("5".to_owned(), t("Result timeout"), None),
        ]
    );
    // Pull balances on the duel's ArcadeCore.
    for p in [p1, p2] {
        let onchain = anvil
            .call(a.duel_core, IArcadeCore::getPendingPayoutCall { player: p })
            .await
            .unwrap();
        let indexed: String = sqlx::query_scalar(
            "SELECT pending::text FROM arcade_balances WHERE arcade_core = $1 AND player = $2",
        )
        .bind(a.duel_core.to_vec())
        .bind(p.to_vec())
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(indexed, s(onchain));
    }

    // The contract row and the audit trail.
    let contract: (Option<Vec<u8>>, Option<Vec<u8>>, bool, String) = sqlx::query_as(
        "SELECT oracle, owner, paused, match_count::text FROM duel_escrows WHERE duel_escrow = $1",
    )
    .bind(duel.to_vec())
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        contract,
        (
            Some(new_oracle.to_vec()),
            Some(admin.to_vec()),
            false,
            "6".to_owned()
        )
    );
    assert_eq!(
        anvil.call(duel, IDuelEscrow::oracleCall {}).await.unwrap(),
        new_oracle
    );
    let audit: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT event_name, args FROM arcade_admin_events WHERE contract_address = $1 ORDER BY block_number, log_index",
    )
    .bind(duel.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    let h = |x: Address| format!("{x:#x}");
    assert_eq!(
        audit,
        vec![
            (
                "OwnershipTransferred".to_owned(),
                serde_json::json!({"previous_owner": h(Address::ZERO), "new_owner": h(admin)})
            ),
            (
                "OracleUpdated".to_owned(),
                serde_json::json!({"old_oracle": h(a.oracle.address()), "new_oracle": h(new_oracle)})
            ),
            (
                "Paused".to_owned(),
                serde_json::json!({"account": h(admin)})
            ),
            (
                "Unpaused".to_owned(),
                serde_json::json!({"account": h(admin)})
            ),
        ]
    );
}

// ─── DailyOps ────────────────────────────────────────────────────────────────

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_daily_claims_when_indexed_should_track_streaks_shields_breaks_milestones_and_badges()
{
    let e = env(3).await;
    let (anvil, a) = (&e.anvil, &e.arcade);
    let ops = a.daily_ops;
    let [p1, p2, p3] = a.core.players[..3] else {
        panic!()
    };
    let admin = a.core.admin;
    let p1_before = balance(anvil, a.core.data, p1).await;
    let now = arcade::latest_timestamp(anvil).await.unwrap();
    let day0 = now / 86_400 + 1;
    // p2 buys a 7-day shield before its first claim (expiry today + 7).
    let bought = anvil
        .send(p2, ops, IDailyOps::purchaseShieldCall { days_: 7 })
        .await
        .unwrap();
    let p2_shield_expiry = arcade::block_timestamp(anvil, bought.block_number.unwrap())
        .await
        .unwrap()
        / 86_400
        + 7;

    // p1: days 0–6 (milestone 7 and WEEK_WARRIOR), a 1-day shield, day 7
    // missed and bridged, days 8–30 (milestones 21 and 30 with
    // DEDICATED_OPERATOR), days 31–32 missed: the streak breaks on day 33.
    let reward = |d: u64| data(10) + wei(d * 1_001 + 7);
    let mut claim_days: Vec<u64> = (0..=6).chain(8..=30).chain([33]).collect();
    claim_days.sort_unstable();
    let mut missions = Vec::new();
    for d in &claim_days {
        arcade::set_next_timestamp(anvil, (day0 + d) * 86_400 + 100)
            .await
            .unwrap();
        missions.push(
            a.claim_daily(anvil, p1, day0 + d, reward(*d), &format!("p1-{d}"))
                .await
                .unwrap(),
        );
        if *d == 6 {
            anvil
                .send(p1, ops, IDailyOps::purchaseShieldCall { days_: 1 })
                .await
                .unwrap();
        }
        if *d == 0 || *d == 3 {
            a.claim_daily(anvil, p2, day0 + d, wei(d + 1), &format!("p2-{d}"))
                .await
                .unwrap();
        }
    }

    // Default-admin rules: a transfer scheduled and cancelled, a delay
    // change scheduled and rolled back, a role granted and revoked, then a
    // transfer to p3 accepted after the 3-day delay.
    let signer_role = arcade::role("MISSION_SIGNER_ROLE");
    anvil
        .send(
            admin,
            ops,
            IDailyOps::grantRoleCall {
                role: signer_role,
                account: p2,
            },
        )
        .await
        .unwrap();
    anvil
        .send(
            admin,
            ops,
            IDailyOps::revokeRoleCall {
                role: signer_role,
                account: p2,
            },
        )
        .await
        .unwrap();
    anvil
        .send(
            admin,
            ops,
            IDailyOps::beginDefaultAdminTransferCall { newAdmin: p3 },
        )
        .await
        .unwrap();
    anvil
        .send(admin, ops, IDailyOps::cancelDefaultAdminTransferCall {})
        .await
        .unwrap();
    anvil
        .send(
            admin,
            ops,
            IDailyOps::changeDefaultAdminDelayCall {
                newDelay: alloy::primitives::aliases::U48::from(86_400u64),
            },
        )
        .await
        .unwrap();
    anvil
        .send(admin, ops, IDailyOps::rollbackDefaultAdminDelayCall {})
        .await
        .unwrap();
    let begin = anvil
        .send(
            admin,
            ops,
            IDailyOps::beginDefaultAdminTransferCall { newAdmin: p3 },
        )
        .await
        .unwrap();
    let begun_at = arcade::block_timestamp(anvil, begin.block_number.unwrap())
        .await
        .unwrap();
    arcade::set_next_timestamp(anvil, begun_at + 3 * 86_400 + 1)
        .await
        .unwrap();
    anvil
        .send(p3, ops, IDailyOps::acceptDefaultAdminTransferCall {})
        .await
        .unwrap();
    e.caught_up().await;
    let pool = &e.pool;

    // Streaks equal getStreak.
    for p in [p1, p2] {
        let st = anvil
            .call(ops, IDailyOps::getStreakCall { player: p })
            .await
            .unwrap();
        let row: (i32, i32, i64, i64, String, i64) = sqlx::query_as(
            "SELECT current_streak, longest_streak, last_claim_day, shield_expiry_day, total_claimed::text, \
                    missions_completed FROM daily_ops_streaks WHERE daily_ops = $1 AND player = $2",
        )
        .bind(ops.to_vec())
        .bind(p.to_vec())
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(
            row,
            (
                i32::try_from(st.currentStreak).unwrap(),
                i32::try_from(st.longestStreak).unwrap(),
                i64::try_from(st.lastClaimDay).unwrap(),
                i64::try_from(st.shieldExpiryDay).unwrap(),
                s(st.totalClaimed),
                i64::try_from(st.totalMissionsCompleted).unwrap()
            ),
            "streak of {p}"
        );
    }
    let rewards: U256 = claim_days.iter().map(|d| reward(*d)).sum();
    let bonus = data(500 + 1_000 + 5_000);
    let counters: (i32, i32, i32, i32, String, String, bool, bool, bool, bool) = sqlx::query_as(
        "SELECT current_streak, longest_streak, shields_used, streaks_broken, total_rewards::text, \
                total_bonus::text, milestone_7, milestone_21, milestone_30, milestone_90 \
         FROM daily_ops_streaks WHERE player = $1",
    )
    .bind(p1.to_vec())
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        counters,
        (1, 30, 1, 1, s(rewards), s(bonus), true, true, true, false)
    );
    // What p1 received: every reward and bonus, minus the shield it paid.
    let p1_after = balance(anvil, a.core.data, p1).await;
    assert_eq!(p1_after + data(50) - p1_before, rewards + bonus);

    // Claims: reward without the bonus, and how the streak moved.
    let claims: Vec<(i64, Vec<u8>, String, i32, i32, String)> = sqlx::query_as(
        "SELECT day, mission_id, reward::text, new_streak, previous_streak, streak_change FROM daily_ops_claims \
         WHERE player = $1 ORDER BY block_number, log_index",
    )
    .bind(p1.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    let mut expected = Vec::new();
    let mut streak = 0;
    for (d, mission) in claim_days.iter().zip(&missions) {
        let (new, change) = match d {
            0 => (1, "first"),
            8 => (streak + 1, "shielded"),
            33 => (1, "broken"),
            _ => (streak + 1, "consecutive"),
        };
        expected.push((
            i64::try_from(day0 + d).unwrap(),
            mission.to_vec(),
            s(reward(*d)),
            new,
            streak,
            change.to_owned(),
        ));
        streak = new;
    }
    assert_eq!(claims, expected);
    let p2_claims: Vec<(i32, i32, String)> = sqlx::query_as(
        "SELECT new_streak, previous_streak, streak_change FROM daily_ops_claims WHERE player = $1 \
         ORDER BY block_number, log_index",
    )
    .bind(p2.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        p2_claims,
        vec![(1, 0, "first".to_owned()), (2, 1, "shielded".to_owned())]
    );

    // Milestones, one row each, and the badges (getBadges).
    let milestones: Vec<(i32, i32, String, String, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT milestone_days, streak, bonus::text, total_bonus::text, badge_id FROM daily_ops_milestones \
         ORDER BY block_number, log_index, milestone_days",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let ww = keccak256("WEEK_WARRIOR");
    let dop = keccak256("DEDICATED_OPERATOR");
    assert_eq!(
        milestones,
        vec![
            (7, 7, s(data(500)), s(data(500)), Some(ww.to_vec())),
            (21, 21, s(data(1_000)), s(data(1_000)), None),
            (30, 30, s(data(5_000)), s(data(5_000)), Some(dop.to_vec())),
        ]
    );
    let badges: Vec<(Vec<u8>, Option<String>, i64)> = sqlx::query_as(
        "SELECT badge_id, badge_name, extract(epoch FROM earned_at)::bigint FROM daily_ops_badges \
         WHERE player = $1 ORDER BY earned_block",
    )
    .bind(p1.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    let onchain: Vec<(Vec<u8>, Option<String>, i64)> = anvil
        .call(ops, IDailyOps::getBadgesCall { player: p1 })
        .await
        .unwrap()
        .into_iter()
        .zip(["WEEK_WARRIOR", "DEDICATED_OPERATOR"])
        .map(|(b, name)| {
            (
                b.badgeId.to_vec(),
                Some(name.to_owned()),
                i64::try_from(b.earnedAt).unwrap(),
            )
        })
        .collect();
    assert_eq!(badges, onchain);
    assert_eq!(badges.len(), 2);

    // Shields and streak events.
    let shields: Vec<(Vec<u8>, i32, i64, String)> = sqlx::query_as(
        "SELECT player, days, expiry_day, cost::text FROM daily_ops_shield_purchases ORDER BY block_number",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        shields,
        vec![
            (
                p2.to_vec(),
                7,
                i64::try_from(p2_shield_expiry).unwrap(),
                s(data(200))
            ),
            (
                p1.to_vec(),
                1,
                i64::try_from(day0 + 7).unwrap(),
                s(data(50))
            ),
        ]
    );
    let streak_events: Vec<(Vec<u8>, String, Option<i64>, Option<i32>)> = sqlx::query_as(
        "SELECT player, kind, day, previous_streak FROM daily_ops_streak_events ORDER BY block_number, log_index",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        streak_events,
        vec![
            (
                p2.to_vec(),
                "shield_used".to_owned(),
                Some(i64::try_from(day0 + 3).unwrap()),
                None
            ),
            (
                p1.to_vec(),
                "shield_used".to_owned(),
                Some(i64::try_from(day0 + 8).unwrap()),
                None
            ),
            (p1.to_vec(), "broken".to_owned(), None, Some(30)),
        ]
    );

    // Treasury totals equal the contract's counters.
    let distributed = anvil
        .call(ops, IDailyOps::totalDistributedCall {})
        .await
        .unwrap();
    let burned = anvil
        .call(ops, IDailyOps::totalBurnedCall {})
        .await
        .unwrap();
    let contract: (String, String, String, i64, Option<Vec<u8>>, Option<Vec<u8>>, Option<i64>) = sqlx::query_as(
        "SELECT total_funded::text, total_distributed::text, total_burned::text, claims, default_admin, \
                pending_default_admin, pending_admin_delay FROM daily_ops_contracts WHERE daily_ops = $1",
    )
    .bind(ops.to_vec())
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        contract,
        (
            s(data(100_000)),
            s(distributed),
            s(burned),
            i64::try_from(claim_days.len() + 2).unwrap(),
            Some(p3.to_vec()),
            None,
            None
        )
    );
    assert_eq!(distributed, rewards + bonus + wei(1) + wei(4));
    assert_eq!(burned, data(250));
    assert_eq!(
        anvil
            .call(ops, IDailyOps::defaultAdminCall {})
            .await
            .unwrap(),
        p3
    );

    // The audit trail of the default-admin rules.
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT event_name FROM arcade_admin_events WHERE contract_address = $1 ORDER BY block_number, log_index",
    )
    .bind(ops.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        audit,
        vec![
            "RoleGranted",
            "RoleGranted",
            "RoleGranted",
            "RoleGranted",
            "RoleRevoked",
            "DefaultAdminTransferScheduled",
            "DefaultAdminTransferCanceled",
            "DefaultAdminDelayChangeScheduled",
            "DefaultAdminDelayChangeCanceled",
            "DefaultAdminTransferScheduled",
            "RoleRevoked",
            "RoleGranted",
        ]
    );
    let scheduled: serde_json::Value = sqlx::query_scalar(
        "SELECT args FROM arcade_admin_events WHERE contract_address = $1 AND event_name = 'DefaultAdminTransferScheduled' \
         ORDER BY block_number DESC LIMIT 1",
    )
    .bind(ops.to_vec())
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        scheduled,
        serde_json::json!({"new_admin": format!("{p3:#x}"), "accept_schedule": (begun_at + 3 * 86_400).to_string()})
    );
}

// ─── GameRegistry and ArcadeCore ─────────────────────────────────────────────

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_registry_calls_when_indexed_should_pair_each_registry_event_with_its_arcade_core_event()
 {
    let e = env(3).await;
    let (anvil, a) = (&e.anvil, &e.arcade);
    let (reg, core_a) = (a.registry, a.arcade_core);
    let hc = a.hash_crash;
    let [p1, p2, _] = a.core.players[..3] else {
        panic!()
    };
    let admin = a.core.admin;
    // HashCrash was registered at deployment; update, pause, unpause it.
    let entry = IGameRegistry::EntryConfig {
        minEntry: 2 * 10u128.pow(18),
        maxEntry: 500 * 10u128.pow(18) + 1,
        rakeBps: 300,
        burnBps: 2500,
        requiresPosition: false,
        boostEligible: false,
    };
    anvil
        .send(
            admin,
            reg,
            IGameRegistry::updateEntryConfigCall {
                game: hc,
                config: entry.clone(),
            },
        )
        .await
        .unwrap();
    anvil
        .send(admin, reg, IGameRegistry::pauseGameCall { game: hc })
        .await
        .unwrap();
    anvil
        .send(admin, reg, IGameRegistry::unpauseGameCall { game: hc })
        .await
        .unwrap();
    // A "game" without getGameInfo (the DATA token): fallback id and empty
    // name; marked for removal (pauses first), cancelled (stays paused),
    // marked again, removed after the grace period.
    let dummy = a.core.data;
    anvil
        .send(
            admin,
            reg,
            IGameRegistry::registerGameCall {
                game: dummy,
                config: IGameRegistry::EntryConfig {
                    minEntry: 0,
                    maxEntry: 0,
                    rakeBps: 0,
                    burnBps: 0,
                    requiresPosition: false,
                    boostEligible: false,
                },
            },
        )
        .await
        .unwrap();
    let mark = anvil
        .send(
            admin,
            reg,
            IGameRegistry::markGameForRemovalCall { game: dummy },
        )
        .await
        .unwrap();
    let marked_at = arcade::block_timestamp(anvil, mark.block_number.unwrap())
        .await
        .unwrap();
    anvil
        .send(
            admin,
            reg,
            IGameRegistry::cancelGameRemovalCall { game: dummy },
        )
        .await
        .unwrap();
    let remark = anvil
        .send(
            admin,
            reg,
            IGameRegistry::markGameForRemovalCall { game: dummy },
        )
        .await
        .unwrap();
    let removal = arcade::block_timestamp(anvil, remark.block_number.unwrap())
        .await
        .unwrap()
        + 7 * 86_400;
    arcade::set_next_timestamp(anvil, removal + 1)
        .await
        .unwrap();
    anvil
        .send(admin, reg, IGameRegistry::removeGameCall { game: dummy })
        .await
        .unwrap();
    // A game registered on ArcadeCore directly: no registry event.
    let direct_cfg = IArcadeCore::GameConfig {
        minEntry: wei(5),
        maxEntry: wei(7),
        rakeBps: 1,
        burnBps: 2,
        requiresPosition: true,
        paused: false,
    };
    anvil
        .send(
            admin,
            core_a,
            IArcadeCore::registerGameCall {
                game: p1,
                config: direct_cfg.clone(),
            },
        )
        .await
        .unwrap();
    // Ownership moves to p2 (two steps), who points the registry at the
    // other ArcadeCore.
    anvil
        .send(
            admin,
            reg,
            IGameRegistry::transferOwnershipCall { newOwner: p2 },
        )
        .await
        .unwrap();
    anvil
        .send(p2, reg, IGameRegistry::acceptOwnershipCall {})
        .await
        .unwrap();
    anvil
        .send(
            p2,
            reg,
            IGameRegistry::setArcadeCoreCall {
                newArcadeCore: a.duel_core,
            },
        )
        .await
        .unwrap();
    e.caught_up().await;
    let pool = &e.pool;

    // arcade-core owns the configuration: it equals getGameConfig; the
    // removed game's row is gone.
    type Config = (String, String, i32, i32, bool, bool);
    let config_of = |game: Address| async move {
        let row: Option<Config> = sqlx::query_as(
            "SELECT min_entry::text, max_entry::text, rake_bps, burn_bps, requires_position, paused \
             FROM arcade_games WHERE arcade_core = $1 AND game = $2",
        )
        .bind(core_a.to_vec())
        .bind(game.to_vec())
        .fetch_optional(pool)
        .await
        .unwrap();
        row
    };
    let onchain = |c: IArcadeCore::GameConfig| -> Config {
        (
            s(c.minEntry),
            s(c.maxEntry),
            i32::from(c.rakeBps),
            i32::from(c.burnBps),
            c.requiresPosition,
            c.paused,
        )
    };
    for game in [hc, p1] {
        let c = anvil
            .call(core_a, IArcadeCore::getGameConfigCall { game })
            .await
            .unwrap();
        assert_eq!(config_of(game).await, Some(onchain(c)), "config of {game}");
    }
    assert_eq!(config_of(p1).await, Some(onchain(direct_cfg)));
    assert_eq!(config_of(dummy).await, None);
    assert!(
        !anvil
            .call(core_a, IArcadeCore::isGameRegisteredCall { game: dummy })
            .await
            .unwrap()
    );
    let hc_events: Vec<(String, Option<String>, Option<i32>, Option<bool>)> = sqlx::query_as(
        "SELECT kind, max_entry::text, rake_bps, paused FROM arcade_game_events \
         WHERE game = $1 ORDER BY block_number, log_index",
    )
    .bind(hc.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    let max0 = s(U256::from(arcade::hash_crash_entry().maxEntry));
    let max1 = s(U256::from(entry.maxEntry));
    let ev = |kind: &str, max: &str, rake: i32, paused: bool| {
        (
            kind.to_owned(),
            Some(max.to_owned()),
            Some(rake),
            Some(paused),
        )
    };
    assert_eq!(
        hc_events,
        vec![
            ev("registered", &max0, 250, false),
            ev("config_updated", &max1, 300, false),
            ev("config_updated", &max1, 300, true),
            ev("config_updated", &max1, 300, false),
        ]
    );

    // The registry's own record, compared with its views.
    let info = anvil
        .call(reg, IGameRegistry::getGameInfoCall { game: hc })
        .await
        .unwrap();
    let cfg = anvil
        .call(reg, IGameRegistry::getEntryConfigCall { game: hc })
        .await
        .unwrap();
    let row: (Option<Vec<u8>>, Vec<u8>, String, i64, String, String, i32, i32, bool, bool, Option<i64>, i32) = sqlx::query_as(
        "SELECT arcade_core, game_id, name, extract(epoch FROM launched_at)::bigint, min_entry::text, max_entry::text, \
                rake_bps, burn_bps, requires_position, paused, extract(epoch FROM pending_removal_at)::bigint, config_updates \
         FROM registry_games WHERE registry = $1 AND game = $2",
    )
    .bind(reg.to_vec())
    .bind(hc.to_vec())
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            Some(core_a.to_vec()),
            info.gameId.to_vec(),
            info.name.clone(),
            i64::try_from(info.launchedAt).unwrap(),
            cfg.minEntry.to_string(),
            cfg.maxEntry.to_string(),
            i32::from(cfg.rakeBps),
            i32::from(cfg.burnBps),
            cfg.requiresPosition,
            anvil
                .call(reg, IGameRegistry::isGamePausedCall { game: hc })
                .await
                .unwrap(),
            None,
            1
        )
    );
    assert_eq!(info.gameId, keccak256("HASH_CRASH"));
    assert_eq!(info.name, "Hash Crash");
    let registry_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM registry_games")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(
        registry_rows, 1,
        "the removed game and the direct registration are not registry games"
    );

    // Every registry event, paired with the ArcadeCore event that preceded
    // it in the same transaction.
    let events: Vec<(String, Option<Vec<u8>>, Option<Vec<u8>>, Option<String>, Option<i64>, Option<Vec<u8>>, Option<bool>)> = sqlx::query_as(
        "SELECT kind, game, game_id, name, extract(epoch FROM removal_time)::bigint, arcade_core, paused \
         FROM registry_events ORDER BY block_number, log_index",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let fallback_id = keccak256(dummy.as_slice());
    let r = |kind: &str,
             game: Option<Address>,
             id: Option<B256>,
             name: Option<&str>,
             removal: Option<u64>,
             core: Option<Address>,
             paused: Option<bool>| {
        (
            kind.to_owned(),
            game.map(|g| g.to_vec()),
            id.map(|i| i.to_vec()),
            name.map(str::to_owned),
            removal.map(|t| i64::try_from(t).unwrap()),
            core.map(|c| c.to_vec()),
            paused,
        )
    };
    let (hcs, d, a_) = (Some(hc), Some(dummy), Some(core_a));
    assert_eq!(
        events,
        vec![
            r(
                "registered",
                hcs,
                Some(keccak256("HASH_CRASH")),
                Some("Hash Crash"),
                None,
                a_,
                Some(false)
            ),
            r("config_updated", hcs, None, None, None, a_, Some(false)),
            r("paused", hcs, None, None, None, a_, Some(true)),
            r("unpaused", hcs, None, None, None, a_, Some(false)),
            r(
                "registered",
                d,
                Some(fallback_id),
                Some(""),
                None,
                a_,
                Some(false)
            ),
            r("paused", d, None, None, None, a_, Some(true)),
            r(
                "marked_for_removal",
                d,
                None,
                None,
                Some(marked_at + 7 * 86_400),
                None,
                None
            ),
            r("removal_cancelled", d, None, None, None, None, None),
            r(
                "marked_for_removal",
                d,
                None,
                None,
                Some(removal),
                None,
                None
            ),
            r("removed", d, None, None, None, a_, None),
            r("arcade_core_updated", None, None, None, None, None, None),
        ]
    );
    // The pairing points at arcade-core's own record of the same log.
    let unpaired: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM registry_events r WHERE r.arcade_core IS NOT NULL AND NOT EXISTS ( \
           SELECT 1 FROM arcade_game_events g WHERE g.tx_hash = r.tx_hash AND g.log_index = r.core_log_index \
             AND g.arcade_core = r.arcade_core AND g.game = r.game AND g.log_index < r.log_index)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(unpaired, 0);
    let updated: (Option<Vec<u8>>, Option<Vec<u8>>) = sqlx::query_as(
        "SELECT old_arcade_core, new_arcade_core FROM registry_events WHERE kind = 'arcade_core_updated'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(updated, (Some(core_a.to_vec()), Some(a.duel_core.to_vec())));

    // The registry row and its audit trail.
    let registry: (Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>, i32) = sqlx::query_as(
        "SELECT arcade_core, owner, pending_owner, game_count FROM game_registries WHERE registry = $1",
    )
    .bind(reg.to_vec())
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        registry,
        (Some(a.duel_core.to_vec()), Some(p2.to_vec()), None, 1)
    );
    assert_eq!(
        anvil
            .call(reg, IGameRegistry::arcadeCoreCall {})
            .await
            .unwrap(),
        a.duel_core
    );
    assert_eq!(
        anvil
            .call(reg, IGameRegistry::getGameCountCall {})
            .await
            .unwrap(),
        wei(1)
    );
    let audit: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT event_name, args FROM arcade_admin_events WHERE contract_address = $1 ORDER BY block_number, log_index",
    )
    .bind(reg.to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    let h = |x: Address| format!("{x:#x}");
    assert_eq!(
        audit,
        vec![
            (
                "OwnershipTransferred".to_owned(),
                serde_json::json!({"previous_owner": h(Address::ZERO), "new_owner": h(admin)})
            ),
            (
                "OwnershipTransferStarted".to_owned(),
                serde_json::json!({"previous_owner": h(admin), "new_owner": h(p2)})
            ),
            (
                "OwnershipTransferred".to_owned(),
                serde_json::json!({"previous_owner": h(admin), "new_owner": h(p2)})
            ),
            (
                "ArcadeCoreUpdated".to_owned(),
                serde_json::json!({"old_arcade_core": h(core_a), "new_arcade_core": h(a.duel_core)})
            ),
        ]
    );
}

// ─── Reorgs ──────────────────────────────────────────────────────────────────

/// Every table the arcade handlers write.
const ARCADE_TABLES: &[&str] = &[
    "arcade_admin_events",
    "arcade_cores",
    "arcade_games",
    "arcade_game_events",
    "arcade_sessions",
    "arcade_session_events",
    "arcade_entries",
    "arcade_session_players",
    "arcade_payouts",
    "arcade_balances",
    "arcade_balance_events",
    "arcade_player_stats",
    "arcade_batches",
    "game_registries",
    "registry_games",
    "registry_events",
    "registry_core_siblings",
    "hash_crash_games",
    "hash_crash_rounds",
    "hash_crash_bets",
    "hash_crash_sessions",
    "hash_crash_round_events",
    "hash_crash_bet_events",
    "duel_escrows",
    "duel_matches",
    "duel_events",
    "daily_ops_contracts",
    "daily_ops_streaks",
    "daily_ops_claims",
    "daily_ops_milestones",
    "daily_ops_badges",
    "daily_ops_shield_purchases",
    "daily_ops_streak_events",
    "daily_ops_fundings",
];

async fn dump_arcade(pool: &PgPool) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for t in ARCADE_TABLES {
        out.push(((*t).to_owned(), crate::common::dump(pool, t, "1").await));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_arcade_traffic_and_a_reorg_when_indexed_should_equal_a_clean_index_of_the_new_chain()
{
    let e = env(5).await;
    let (anvil, a) = (&e.anvil, &e.arcade);
    let [p1, p2, p3, g, _] = a.core.players[..5] else {
        panic!()
    };
    let admin = a.core.admin;
    let core_a = a.arcade_core;
    let cfg = IArcadeCore::GameConfig {
        minEntry: U256::ZERO,
        maxEntry: U256::ZERO,
        rakeBps: 500,
        burnBps: 5000,
        requiresPosition: false,
        paused: false,
    };
    // Kept: a game, a session with two entries, a first daily claim.
    anvil
        .send(
            admin,
            core_a,
            IArcadeCore::registerGameCall {
                game: g,
                config: cfg,
            },
        )
        .await
        .unwrap();
    let (x1, x2) = (data(30) + wei(1), data(20) + wei(3));
    enter(anvil, a, g, core_a, p1, x1, 7).await;
    enter(anvil, a, g, core_a, p2, x2, 7).await;
    let day0 = arcade::latest_timestamp(anvil).await.unwrap() / 86_400 + 1;
    arcade::set_next_timestamp(anvil, day0 * 86_400 + 100)
        .await
        .unwrap();
    a.claim_daily(anvil, p1, day0, data(3), "kept")
        .await
        .unwrap();
    e.caught_up().await;
    let fork = anvil.block_number().await.unwrap();

    // Reorged away once indexed: a credit, a quarantine (cancelling the
    // session), a second daily claim, a registry pause, a duel, a flag.
    let n1 = split(x1, 500, 5000).3;
    anvil
        .send(
            g,
            core_a,
            IArcadeCore::creditPayoutCall {
                sessionId: wei(7),
                player: p1,
                amount: n1,
                burnAmount: U256::ZERO,
                won: true,
            },
        )
        .await
        .unwrap();
    anvil
        .send(
            admin,
            core_a,
            IArcadeCore::emergencyQuarantineGameCall { game: g },
        )
        .await
        .unwrap();
    anvil
        .send(
            admin,
            a.registry,
            IGameRegistry::pauseGameCall { game: a.hash_crash },
        )
        .await
        .unwrap();
    anvil
        .send(
            admin,
            a.hash_crash,
            IHashCrash::setActiveCall { active: false },
        )
        .await
        .unwrap();
    create_match(anvil, a, p1, p2, 0, "orphaned").await;
    arcade::set_next_timestamp(anvil, (day0 + 1) * 86_400 + 100)
        .await
        .unwrap();
    a.claim_daily(anvil, p1, day0 + 1, data(4), "orphaned")
        .await
        .unwrap();
    e.caught_up().await;
    let depth = anvil.block_number().await.unwrap() - fork;
    let orphaned: i64 = sqlx::query_scalar("SELECT count(*) FROM duel_matches")
        .fetch_one(&e.pool)
        .await
        .unwrap();
    assert_eq!(
        orphaned, 1,
        "the orphaned blocks were indexed before the reorg"
    );
    anvil.reorg(depth).await.unwrap();

    // The wallet's nonce cache still counts the dropped transactions: use a
    // fresh connection for the new branch.
    let anvil2 = Anvil::connect(anvil.port, 7).await.unwrap();
    let n2 = split(x2, 500, 5000).3;
    anvil2
        .send(
            g,
            core_a,
            IArcadeCore::creditPayoutCall {
                sessionId: wei(7),
                player: p2,
                amount: U256::ZERO,
                burnAmount: n2,
                won: false,
            },
        )
        .await
        .unwrap();
    anvil2
        .send(
            g,
            core_a,
            IArcadeCore::settleSessionCall { sessionId: wei(7) },
        )
        .await
        .unwrap();
    create_match(&anvil2, a, p2, p3, 3, "canonical").await;
    arcade::set_next_timestamp(&anvil2, (day0 + 2) * 86_400 + 100)
        .await
        .unwrap();
    a.claim_daily(&anvil2, p1, day0 + 2, data(5), "canonical")
        .await
        .unwrap();
    anvil2
        .send(admin, a.hash_crash, IHashCrash::pauseCall {})
        .await
        .unwrap();
    let last = anvil2.block_number().await.unwrap();
    e.host.wait_indexed(last, CATCH_UP).await.unwrap();

    // A clean index of the final chain.
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
    let (reorged, fresh) = (dump_arcade(&e.pool).await, dump_arcade(&clean_pool).await);
    for ((table, a_rows), (_, b_rows)) in reorged.iter().zip(&fresh) {
        assert_eq!(a_rows, b_rows, "{table} differs after the reorg");
    }
    // The new branch is what is indexed: the session settled, not
    // quarantined; the duel is p2 vs p3; the streak broke.
    let session: (String, Option<String>) = sqlx::query_as(
        "SELECT state, cancel_cause FROM arcade_sessions WHERE arcade_core = $1 AND session_id = 7",
    )
    .bind(core_a.to_vec())
    .fetch_one(&e.pool)
    .await
    .unwrap();
    assert_eq!(session, ("settled".to_owned(), None));
    let duel: (Vec<u8>, Vec<u8>, String) =
        sqlx::query_as("SELECT player1, player2, stake::text FROM duel_matches")
            .fetch_one(&e.pool)
            .await
            .unwrap();
    assert_eq!(duel, (p2.to_vec(), p3.to_vec(), s(data(500))));
    let changes: Vec<String> = sqlx::query_scalar(
        "SELECT streak_change FROM daily_ops_claims ORDER BY block_number, log_index",
    )
    .fetch_all(&e.pool)
    .await
    .unwrap();
    assert_eq!(changes, vec!["first", "broken"]);
    let (paused, active): (bool, bool) =
        sqlx::query_as("SELECT paused, is_active FROM hash_crash_games")
            .fetch_one(&e.pool)
            .await
            .unwrap();
    assert_eq!((paused, active), (true, true));
    // The per-block output digests of the new branch match too.
    let digests =
        "SELECT block_number, handler, digest FROM wraith_digests ORDER BY block_number, handler";
    let da: Vec<(i64, String, Vec<u8>)> = sqlx::query_as(digests).fetch_all(&e.pool).await.unwrap();
    let db: Vec<(i64, String, Vec<u8>)> = sqlx::query_as(digests)
        .fetch_all(&clean_pool)
        .await
        .unwrap();
    assert_eq!(da, db);
}
