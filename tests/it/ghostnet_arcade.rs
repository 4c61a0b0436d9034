//! The GHOSTNET arcade handlers (arcade-core, game-registry, hash-crash,
//! duel-escrow, daily-ops) on real contracts: one test per tricky
//! semantic, each asserting exact rows and comparing them with the
//! contracts' own view functions.

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
struct Env {
    anvil: Anvil,
    arcade: Arcade,
    host: Host,
    pool: PgPool,
    _db: TestDb,
}

async fn env(players: usize) -> Env {
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
    async fn caught_up(&self) {
        let last = self.anvil.block_number().await.unwrap();
        self.host.wait_indexed(last, CATCH_UP).await.unwrap();
        let failures: i64 = sqlx::query_scalar("SELECT count(*) FROM wraith_failures")
            .fetch_one(&self.pool)
            .await
            .unwrap();
        assert_eq!(failures, 0, "handler failures:\n{}", self.host.log());
    }
}

fn wei(n: u64) -> U256 {
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
async fn enter(
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
        anvil
            .send(
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
