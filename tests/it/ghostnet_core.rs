//! The GHOSTNET core/economy handlers (ghost-core, trace-scan, data-token,
//! dead-pool, fee-router, rewards-distributor, team-vesting, ghost-presale,
//! presale-claim) against the project's real contracts on anvil: one test
//! per tricky semantic of CONTRACTS.md, exact rows, compared with the
//! contracts' own views.

#![allow(
    clippy::type_complexity,
    reason = "query rows are compared as tuples of the selected columns"
)]

use alloy::primitives::{Address, B256, U256};
use alloy::rpc::types::TransactionReceipt;
use alloy::sol_types::SolCall;
use sqlx::PgPool;
use wraith_tests::ghostnet::{IData, IGhostCore, data};
use wraith_tests::ghostnet_suite::{
    self as suite, ICore, IDeadPool, IFeeRouter, IGhostPresale, IMockSwapRouter, IPresaleClaim,
    IRewardsDistributor, ITeamVesting, IToken, ITraceScan, Suite, eth,
};
use wraith_tests::{Anvil, Host, HostOptions, TestDb, oracle};

use crate::common::CATCH_UP;

const DEAD: Address = Address::new([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad,
]);
const BPS: u64 = 10_000;

/// A deployed suite, indexed by every GHOSTNET core handler.
pub(crate) struct Net {
    pub(crate) anvil: Anvil,
    pub(crate) s: Suite,
    _db: TestDb,
    pub(crate) host: Host,
    pub(crate) pool: PgPool,
}

async fn deploy(players: usize) -> (Anvil, Suite) {
    let anvil = Anvil::start(players + 2).await.unwrap();
    let s = suite::deploy_suite(&anvil).await.unwrap();
    (anvil, s)
}

async fn index(anvil: Anvil, s: Suite, extra_presales: &[Address]) -> Net {
    let db = TestDb::create().await.unwrap();
    let opts = HostOptions::new(
        &anvil.url,
        &db.url,
        suite::suite_handlers(&s, extra_presales).unwrap(),
    );
    let host = Host::start(&opts).await.unwrap();
    let pool = db.pool().await.unwrap();
    Net {
        anvil,
        s,
        _db: db,
        host,
        pool,
    }
}

pub(crate) async fn start(players: usize) -> Net {
    let (anvil, s) = deploy(players).await;
    index(anvil, s, &[]).await
}

fn bps(x: U256, b: u64) -> U256 {
    x * U256::from(b) / U256::from(BPS)
}

fn e18() -> U256 {
    U256::from(10u64).pow(U256::from(18u64))
}

impl Net {
    pub(crate) fn gc(&self) -> Address {
        self.s.core.ghost_core
    }

    pub(crate) fn admin(&self) -> Address {
        self.s.core.admin
    }

    pub(crate) fn player(&self, i: usize) -> Address {
        self.s.core.players[i]
    }

    pub(crate) async fn send<C: SolCall>(
        &self,
        from: Address,
        to: Address,
        call: C,
    ) -> TransactionReceipt {
        suite::send(&self.anvil, from, to, call, U256::ZERO)
            .await
            .unwrap()
    }

    pub(crate) async fn jack_in(
        &self,
        user: Address,
        amount: U256,
        level: u8,
    ) -> TransactionReceipt {
        self.send(user, self.gc(), IGhostCore::jackInCall { amount, level })
            .await
    }

    /// Wait until every handler has indexed the chain head.
    pub(crate) async fn sync(&self) {
        let head = self.anvil.block_number().await.unwrap();
        self.host.wait_indexed(head, CATCH_UP).await.unwrap();
    }

    pub(crate) async fn set_level(&self, level: u8, rate: u16, max_positions: u32) {
        let mut cfg = self
            .anvil
            .call(self.gc(), IGhostCore::getLevelConfigCall { level })
            .await
            .unwrap();
        cfg.baseDeathRateBps = rate;
        cfg.maxPositions = max_positions;
        self.send(
            self.admin(),
            self.gc(),
            IGhostCore::updateLevelConfigCall { level, config: cfg },
        )
        .await;
    }

    pub(crate) async fn level_state(&self, level: u8) -> ICore::LevelState {
        self.anvil
            .call(self.gc(), ICore::getLevelStateCall { level })
            .await
            .unwrap()
    }

    /// executeScan at the level's nextScanTime, the death batches, and
    /// finalizeScan as soon as the window has closed. Returns the scan id
    /// and the receipts of the batches.
    pub(crate) async fn scan(
        &self,
        level: u8,
        batches: &[Vec<Address>],
    ) -> (U256, Vec<TransactionReceipt>) {
        let ts = self.s.trace_scan;
        let next = self.level_state(level).await.nextScanTime;
        suite::warp_to(&self.anvil, next).await.unwrap();
        self.send(self.admin(), ts, ITraceScan::executeScanCall { level })
            .await;
        let cur = self
            .anvil
            .call(ts, ITraceScan::getCurrentScanCall { level })
            .await
            .unwrap();
        let mut receipts = Vec::new();
        for b in batches {
            receipts.push(
                self.send(
                    self.player(0),
                    ts,
                    ITraceScan::submitDeathsCall {
                        level,
                        deadUsers: b.clone(),
                    },
                )
                .await,
            );
        }
        suite::warp_to(&self.anvil, cur.executedAt + 120)
            .await
            .unwrap();
        self.send(self.admin(), ts, ITraceScan::finalizeScanCall { level })
            .await;
        (cur.scanId, receipts)
    }

    /// Every level's state and array equal the contract's (the oracle).
    async fn assert_levels(&self) {
        let mut r = oracle::Report::default();
        oracle::levels(&self.anvil, &self.s, &self.pool, &mut r)
            .await
            .unwrap();
        assert!(r.differences.is_empty(), "{:#?}", r.differences);
    }

    /// Every player's position equals `getPosition` (the oracle).
    async fn assert_positions(&self) {
        let mut r = oracle::Report::default();
        oracle::positions(
            &self.anvil,
            &self.s,
            &self.pool,
            &self.s.core.players,
            &mut r,
        )
        .await
        .unwrap();
        assert!(r.differences.is_empty(), "{:#?}", r.differences);
    }

    /// Every DATA holder the handler knows has the contract's balance (the
    /// oracle).
    async fn assert_balances(&self) {
        let mut r = oracle::Report::default();
        oracle::balances(&self.anvil, &self.s, &self.pool, &mut r)
            .await
            .unwrap();
        assert!(r.comparisons["balance"] > 5, "{r:?}");
        assert!(r.differences.is_empty(), "{:#?}", r.differences);
    }

    async fn text(&self, sql: &str, bind: Vec<u8>) -> Vec<String> {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .bind(bind)
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_submit_deaths_with_duplicates_dead_and_other_level_candidates_when_indexed_should_derive_exactly_the_victims()
 {
    let net = start(7).await;
    let [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6].map(|i| net.player(i));
    let odd = data(150) + U256::from(7u64);
    net.jack_in(a, data(100), 4).await;
    net.jack_in(b, odd, 4).await;
    net.jack_in(c, data(200), 4).await;
    net.jack_in(d, data(300), 1).await;
    net.jack_in(f, data(400), 2).await;
    net.jack_in(e, data(120), 4).await;
    net.send(e, net.gc(), IGhostCore::extractCall {}).await;

    // Scan 1 of DARKNET kills nobody (rate 0): every member gains a streak.
    net.set_level(4, 0, 500).await;
    let (scan1, _) = net.scan(4, &[]).await;
    // Scan 2 kills everyone submitted (rate 100 %).
    net.set_level(4, 10_000, 500).await;
    let (scan2, batches) = net
        .scan(
            4,
            &[
                vec![a],
                // d: other level; a: already processed; second b: duplicate;
                // e: no position (extracted)
                vec![d, a, b, b, e, c],
                // nothing survives the filter: no event at all
                vec![a, d],
            ],
        )
        .await;
    assert!(batches[2].inner.logs().is_empty());
    net.sync().await;

    // The contract's own view: a, b, c dead with their amounts, streak 0.
    for (user, amount) in [(a, data(100)), (b, odd), (c, data(200))] {
        let p = net
            .anvil
            .call(net.gc(), IGhostCore::getPositionCall { user })
            .await
            .unwrap();
        assert_eq!((p.alive, p.ghostStreak, p.amount), (false, 0, amount));
    }
    net.assert_positions().await;
    net.assert_levels().await;

    // One death row per victim, in submission order, with the streak at death.
    let deaths: Vec<(String, i16, Vec<u8>, String, i32, i32, Vec<u8>, Vec<u8>)> = sqlx::query_as(
        "SELECT scan_id::text, level, user_address, amount_lost::text, ghost_streak_at_death, \
         batch_index, submitter, tx_hash FROM deaths ORDER BY block_number, batch_index",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    let submitter = net.player(0).to_vec();
    let tx = |r: &TransactionReceipt| r.transaction_hash.to_vec();
    assert_eq!(
        deaths,
        vec![
            (
                scan2.to_string(),
                4,
                a.to_vec(),
                data(100).to_string(),
                1,
                0,
                submitter.clone(),
                tx(&batches[0])
            ),
            (
                scan2.to_string(),
                4,
                b.to_vec(),
                odd.to_string(),
                1,
                0,
                submitter.clone(),
                tx(&batches[1])
            ),
            (
                scan2.to_string(),
                4,
                c.to_vec(),
                data(200).to_string(),
                1,
                1,
                submitter.clone(),
                tx(&batches[1])
            ),
        ]
    );
    let positions: Vec<(Vec<u8>, String, String, i32)> = sqlx::query_as(
        "SELECT user_address, exit_reason, death_scan_id::text, ghost_streak FROM positions \
         WHERE exit_reason = 'died' ORDER BY user_address",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    let mut expected: Vec<(Vec<u8>, String, String, i32)> = [a, b, c]
        .iter()
        .map(|u| (u.to_vec(), "died".to_owned(), scan2.to_string(), 0))
        .collect();
    expected.sort();
    assert_eq!(positions, expected);

    // Two verified batches (the third emitted nothing).
    let batches_rows: Vec<(i32, String, String, String)> = sqlx::query_as(
        "SELECT candidates, death_count::text, total_dead::text, source FROM death_batches \
         ORDER BY block_number",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    let total = data(300) + odd;
    assert_eq!(
        batches_rows,
        vec![
            (1, "1".into(), data(100).to_string(), "submit_deaths".into()),
            (
                6,
                "2".into(),
                (odd + data(200)).to_string(),
                "submit_deaths".into()
            ),
        ]
    );

    // trace-scan: the scans with their survivors and cascade split.
    let share = bps(total, 3000);
    let scans: Vec<(
        String,
        i16,
        String,
        String,
        i32,
        bool,
        String,
        String,
        String,
        String,
        String,
    )> = sqlx::query_as(
        "SELECT scan_id::text, level, death_count::text, total_dead::text, submissions, \
             is_finalized, survivor_count::text, cascade_same_level::text, cascade_upstream::text, \
             cascade_burn::text, cascade_protocol::text FROM scans ORDER BY scan_id",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        scans,
        vec![
            (
                scan1.to_string(),
                4,
                "0".into(),
                "0".into(),
                0,
                true,
                "3".into(),
                "0".into(),
                "0".into(),
                "0".into(),
                "0".into()
            ),
            (
                scan2.to_string(),
                4,
                "3".into(),
                total.to_string(),
                2,
                true,
                "0".into(),
                "0".into(),
                (share * U256::from(2u64)).to_string(),
                share.to_string(),
                (total - share * U256::from(3u64)).to_string()
            ),
        ]
    );
    // The seed and execution time of the open scan equal the contract's.
    let current = net
        .anvil
        .call(
            net.s.trace_scan,
            ITraceScan::getCurrentScanCall { level: 4 },
        )
        .await
        .unwrap();
    let (seed, executed, finalized): (String, i64, i64) = sqlx::query_as(
        "SELECT seed::text, extract(epoch from executed_at)::bigint, \
         extract(epoch from finalized_at)::bigint FROM scans WHERE scan_id = $1::numeric",
    )
    .bind(scan2.to_string())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    assert_eq!(current.scanId, scan2);
    assert_eq!(
        (seed, executed, finalized),
        (
            current.seed.to_string(),
            i64::try_from(current.executedAt).unwrap(),
            i64::try_from(current.finalizedAt).unwrap()
        )
    );
    let submissions: Vec<(String, String)> = sqlx::query_as(
        "SELECT death_count::text, total_dead::text FROM death_submissions ORDER BY block_number",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        submissions,
        vec![
            ("1".into(), data(100).to_string()),
            ("2".into(), (odd + data(200)).to_string())
        ]
    );

    // DARKNET is empty: the same-level share moved upstream, credited pro
    // rata to VAULT (300) and MAINFRAME (400).
    let up = share * U256::from(2u64);
    let (burned, credits): (bool, serde_json::Value) =
        sqlx::query_as("SELECT upstream_burned, upstream_credits FROM cascades WHERE level = 4")
            .fetch_one(&net.pool)
            .await
            .unwrap();
    assert!(!burned);
    assert_eq!(
        credits,
        serde_json::json!({
            "1": (up * data(300) / data(700)).to_string(),
            "2": (up * data(400) / data(700)).to_string(),
        })
    );
    let survivors: Vec<(String, i64)> = sqlx::query_as(
        "SELECT survivor_count::text, round FROM survivor_updates ORDER BY block_number",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(survivors, vec![("3".into(), 1), ("0".into(), 2)]);
    let feed: Vec<String> = sqlx::query_scalar(
        "SELECT payload->>'type' FROM wraith_outbox WHERE stream_name IN ('ghostnet.deaths', 'ghostnet.scans') ORDER BY id",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        feed,
        vec![
            "SCAN_EXECUTED",
            "SCAN_FINALIZED",
            "SCAN_EXECUTED",
            "DEATHS_PROCESSED",
            "DEATHS_PROCESSED",
            "SCAN_FINALIZED"
        ]
    );
    net.assert_balances().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_vault_scan_with_a_death_when_cascaded_should_record_the_upstream_share_as_burned()
{
    let net = start(3).await;
    let [a, b] = [1, 2].map(|i| net.player(i));
    net.jack_in(a, data(40), 1).await;
    net.jack_in(b, data(60), 1).await;
    net.set_level(1, 10_000, 5000).await;
    let dead_before = net
        .anvil
        .call(net.s.core.data, IData::balanceOfCall { account: DEAD })
        .await
        .unwrap();
    // Only a is submitted: b is doomed too, but survives unsubmitted.
    let (scan, _) = net.scan(1, &[vec![a]]).await;
    net.sync().await;

    let share = bps(data(40), 3000);
    let row: (
        String,
        String,
        String,
        String,
        bool,
        serde_json::Value,
        String,
    ) = sqlx::query_as(
        "SELECT same_level_amount::text, upstream_amount::text, burn_amount::text, \
         protocol_amount::text, upstream_burned, upstream_credits, scan_id::text FROM cascades",
    )
    .fetch_one(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            share.to_string(),
            share.to_string(),
            share.to_string(),
            (data(40) - share * U256::from(3u64)).to_string(),
            true,
            serde_json::json!({}),
            scan.to_string()
        )
    );
    // Upstream (reported) and burn share both went to 0xdEaD.
    let dead_after = net
        .anvil
        .call(net.s.core.data, IData::balanceOfCall { account: DEAD })
        .await
        .unwrap();
    assert_eq!(dead_after - dead_before, share * U256::from(2u64));
    // The same-level share is b's (the only staker left).
    let acc = net.level_state(1).await.accRewardsPerShare;
    assert_eq!(acc, share * e18() / data(60));
    let pending = net
        .anvil
        .call(net.gc(), ICore::getPendingRewardsCall { user: b })
        .await
        .unwrap();
    assert_eq!(pending, data(60) * acc / e18());
    net.assert_levels().await;
    net.assert_positions().await;
    let streak: i32 = sqlx::query_scalar(
        "SELECT current_ghost_streak FROM positions_current WHERE user_address = $1",
    )
    .bind(b.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    assert_eq!(streak, 1, "doomed but unsubmitted b survives with a streak");

    // A SCANNER_ROLE holder calling processDeaths directly: GhostCore's own
    // filter (dead a, other-level c, duplicate b skipped), and the event's
    // count is the length of the list.
    let c = net.player(0);
    net.jack_in(c, data(50), 2).await;
    net.send(
        net.admin(),
        net.gc(),
        ICore::grantRoleCall {
            role: suite::role("SCANNER_ROLE"),
            account: net.admin(),
        },
    )
    .await;
    let direct = net
        .send(
            net.admin(),
            net.gc(),
            ICore::processDeathsCall {
                level: 1,
                deadUsers: vec![a, c, b, b],
            },
        )
        .await;
    net.sync().await;
    let batch: (Option<String>, String, i32, String, String, Vec<u8>) = sqlx::query_as(
        "SELECT scan_id::text, source, candidates, death_count::text, total_dead::text, submitter \
         FROM death_batches WHERE tx_hash = $1",
    )
    .bind(direct.transaction_hash.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        batch,
        (
            None,
            "process_deaths".into(),
            4,
            "1".into(),
            data(60).to_string(),
            net.admin().to_vec()
        )
    );
    let death: (Option<String>, Vec<u8>, String, i32) = sqlx::query_as(
        "SELECT scan_id::text, user_address, amount_lost::text, ghost_streak_at_death FROM deaths WHERE tx_hash = $1",
    )
    .bind(direct.transaction_hash.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    assert_eq!(death, (None, b.to_vec(), data(60).to_string(), 1));
    net.assert_levels().await;
    net.assert_positions().await;
    net.assert_balances().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_full_level_when_jacking_in_should_cull_slot_zero_and_follow_the_emergency_withdraw_quirk()
 {
    let net = start(6).await;
    let [a, b, c, d, e] = [1, 2, 3, 4, 5].map(|i| net.player(i));
    net.set_level(5, 0, 3).await;
    net.jack_in(a, data(250) + U256::from(1u64), 5).await;
    net.jack_in(b, data(300), 5).await;
    net.jack_in(c, data(350), 5).await;
    // a leaves: swap-and-pop moves c to slot 0, so c — not b, the oldest —
    // is the next culling victim.
    net.send(a, net.gc(), IGhostCore::extractCall {}).await;
    net.jack_in(d, data(400), 5).await;
    let cull = net.jack_in(e, data(260), 5).await;
    net.sync().await;
    net.assert_levels().await;
    net.assert_positions().await;
    let culled: (Vec<u8>, String, String, String) = sqlx::query_as(
        "SELECT user_address, exit_reason, culled_penalty::text, culled_returned::text FROM positions \
         WHERE exit_reason = 'culled'",
    )
    .fetch_one(&net.pool)
    .await
    .unwrap();
    let penalty = bps(data(350), 8000);
    assert_eq!(
        culled,
        (
            c.to_vec(),
            "culled".into(),
            penalty.to_string(),
            (data(350) - penalty).to_string()
        )
    );
    let order: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM position_events WHERE tx_hash = $1 ORDER BY log_index",
    )
    .bind(cull.transaction_hash.to_vec())
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(order, vec!["culled", "jacked_in"]);

    // The culled (dead) c withdraws while paused: its amount leaves the
    // level total a second time and slot 0 (d, alive) drops out of the array.
    net.send(net.admin(), net.gc(), IGhostCore::pauseCall {})
        .await;
    net.send(c, net.gc(), IGhostCore::emergencyWithdrawCall {})
        .await;
    net.send(net.admin(), net.gc(), IGhostCore::unpauseCall {})
        .await;
    net.sync().await;
    net.assert_levels().await;
    assert_eq!(
        net.level_state(5).await.totalStaked,
        data(300) + data(400) + data(260) - data(350)
    );
    // A scan without deaths: only the array members b and e gain a streak.
    net.scan(5, &[]).await;
    // d (not a member, stale index 0) extracts: e, at slot 0, drops out too.
    net.send(d, net.gc(), IGhostCore::extractCall {}).await;
    net.scan(5, &[]).await;
    net.sync().await;
    net.assert_levels().await;
    net.assert_positions().await;
    let streaks: Vec<(Vec<u8>, i32, bool)> = sqlx::query_as(
        "SELECT user_address, current_ghost_streak, in_level_array FROM positions_current \
         WHERE level = 5 AND is_alive ORDER BY user_address",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    let mut expected = vec![(b.to_vec(), 2, true), (e.to_vec(), 1, false)];
    expected.sort();
    assert_eq!(streaks, expected);
    let survivors: Vec<String> = sqlx::query_scalar(
        "SELECT survivor_count::text FROM survivor_updates WHERE level = 5 ORDER BY block_number",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(survivors, vec!["2", "1"]);
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM position_events WHERE user_address = $1 ORDER BY block_number, log_index",
    )
    .bind(c.to_vec())
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(kinds, vec!["jacked_in", "culled", "emergency_withdraw"]);

    // The level total (610 − 400 = 210) is now below b's alive 300: b
    // adds stake and the contract only adds (no underflow on the way).
    assert_eq!(net.level_state(5).await.totalStaked, data(210));
    net.send(b, net.gc(), IGhostCore::addStakeCall { amount: data(10) })
        .await;
    net.sync().await;
    net.assert_levels().await;
    net.assert_positions().await;
    assert_eq!(net.level_state(5).await.totalStaked, data(220));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_system_reset_when_indexed_should_keep_positions_alive_and_name_the_real_jackpot_winner()
 {
    let net = start(4).await;
    let [a, b, c] = [1, 2, 3].map(|i| net.player(i));
    net.jack_in(a, data(1000), 1).await;
    net.jack_in(c, data(2000), 3).await;
    net.jack_in(b, data(500), 2).await;
    net.send(b, net.gc(), IGhostCore::addStakeCall { amount: data(100) })
        .await;
    let tvl = data(3600);
    let deadline = net
        .anvil
        .call(net.gc(), ICore::getSystemResetCall {})
        .await
        .unwrap()
        .deadline;
    suite::warp_to(&net.anvil, deadline).await.unwrap();
    net.send(net.admin(), net.gc(), ICore::triggerSystemResetCall {})
        .await;
    // Nobody deposits: the next reset reports a jackpot but pays nobody.
    let deadline = net
        .anvil
        .call(net.gc(), ICore::getSystemResetCall {})
        .await
        .unwrap()
        .deadline;
    suite::warp_to(&net.anvil, deadline).await.unwrap();
    net.send(net.admin(), net.gc(), ICore::triggerSystemResetCall {})
        .await;
    net.sync().await;

    let pool_amount = bps(tvl, 2500);
    let resets: Vec<(
        i64,
        String,
        String,
        Option<Vec<u8>>,
        bool,
        String,
        String,
        Vec<u8>,
    )> = sqlx::query_as(
        "SELECT epoch, total_penalty::text, jackpot_amount::text, jackpot_winner, jackpot_paid, \
             burn_amount::text, protocol_amount::text, event_jackpot_winner FROM system_resets \
             ORDER BY block_number",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    let jackpot = bps(pool_amount, 5000);
    let burn = bps(pool_amount, 3000);
    let row = |epoch, winner: Option<Address>, paid| {
        (
            epoch,
            pool_amount.to_string(),
            jackpot.to_string(),
            winner.map(|w| w.to_vec()),
            paid,
            burn.to_string(),
            (pool_amount - jackpot - burn).to_string(),
            Address::ZERO.to_vec(),
        )
    };
    assert_eq!(resets, vec![row(2, Some(b), true), row(3, None, false)]);
    // Everybody is still alive, with the pre-haircut amount (as the views).
    net.assert_positions().await;
    net.assert_levels().await;
    let alive: i64 = sqlx::query_scalar("SELECT count(*) FROM positions WHERE is_alive")
        .fetch_one(&net.pool)
        .await
        .unwrap();
    assert_eq!(alive, 3);

    // a settles its haircut once (two resets missed) by adding stake.
    net.send(a, net.gc(), IGhostCore::addStakeCall { amount: data(10) })
        .await;
    // c settles silently with claimRewards (no event, nothing pending) ...
    let claim = net.send(c, net.gc(), ICore::claimRewardsCall {}).await;
    assert!(claim.inner.logs().is_empty());
    net.sync().await;
    let haircut: String = sqlx::query_scalar(
        "SELECT haircut::text FROM position_events WHERE user_address = $1 AND kind = 'stake_added'",
    )
    .bind(a.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    assert_eq!(haircut, data(250).to_string());
    // ... which the logs cannot show: SUBNET's modelled total is still 2000
    // while the contract's is 1500 (documented), until c's next event.
    let subnet: String =
        sqlx::query_scalar("SELECT total_staked::text FROM levels WHERE level = 3")
            .fetch_one(&net.pool)
            .await
            .unwrap();
    assert_eq!(subnet, data(2000).to_string());
    assert_eq!(net.level_state(3).await.totalStaked, data(1500));
    net.send(c, net.gc(), IGhostCore::extractCall {}).await;
    net.sync().await;
    let extracted: (String, String) = sqlx::query_as(
        "SELECT amount::text, haircut::text FROM position_events WHERE user_address = $1 AND kind = 'extracted'",
    )
    .bind(c.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    assert_eq!(extracted, (data(1500).to_string(), data(500).to_string()));
    net.assert_levels().await;
    net.assert_positions().await;
    // The jackpot went to b (a DATA transfer the token handler saw).
    net.assert_balances().await;
    let feed: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT payload->'data'->'jackpot_winner' FROM wraith_outbox WHERE payload->>'type' = 'SYSTEM_RESET' ORDER BY id",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        feed,
        vec![
            serde_json::json!(format!("{b:#x}")),
            serde_json::Value::Null
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_repeated_bets_when_indexed_should_accumulate_one_bet_per_round_and_user() {
    let net = start(4).await;
    let dp = net.s.dead_pool;
    let [a, b, c] = [1, 2, 3].map(|i| net.player(i));
    let deadline = suite::now(&net.anvil).await.unwrap() + 3600;
    net.send(
        net.admin(),
        dp,
        IDeadPool::createRoundCall {
            roundType: 0,
            targetLevel: 5,
            line: U256::from(3u64),
            deadline,
        },
    )
    .await;
    for (user, over, amount) in [
        (a, true, data(100)),
        (b, false, data(70)),
        (a, true, data(50)),
        (c, true, data(30) + U256::from(1u64)),
    ] {
        net.send(
            user,
            dp,
            IDeadPool::placeBetCall {
                roundId: U256::from(1u64),
                isOver: over,
                amount,
            },
        )
        .await;
    }
    suite::warp_to(&net.anvil, deadline).await.unwrap();
    net.send(
        net.admin(),
        dp,
        IDeadPool::resolveRoundCall {
            roundId: U256::from(1u64),
            outcome: true,
        },
    )
    .await;
    for user in [a, c] {
        net.send(
            user,
            dp,
            IDeadPool::claimWinningsCall {
                roundId: U256::from(1u64),
            },
        )
        .await;
    }
    net.sync().await;

    let round = net
        .anvil
        .call(
            dp,
            IDeadPool::getRoundCall {
                roundId: U256::from(1u64),
            },
        )
        .await
        .unwrap();
    let row: (String, String, String, String, i64, bool, bool, String, String, String, String) =
        sqlx::query_as(
            "SELECT round_type_name, line::text, over_pool::text, under_pool::text, bettor_count, \
             is_resolved, outcome, total_pot::text, burned::text, winning_pool::text, total_claimed::text \
             FROM deadpool_rounds WHERE round_id = 1",
        )
        .fetch_one(&net.pool)
        .await
        .unwrap();
    let pot = round.overPool + round.underPool;
    let net_pot = pot - bps(pot, 500);
    let win = |amount: U256| amount * net_pot / round.overPool;
    let a_win = win(data(150));
    let c_win = win(data(30) + U256::from(1u64));
    assert_eq!(
        row,
        (
            "death_count".into(),
            "3".into(),
            round.overPool.to_string(),
            round.underPool.to_string(),
            3,
            true,
            true,
            pot.to_string(),
            bps(pot, 500).to_string(),
            round.overPool.to_string(),
            (a_win + c_win).to_string()
        )
    );
    assert_eq!(round.overPool, data(180) + U256::from(1u64));
    // One accumulated row per user, equal to getBet.
    let bets: Vec<(Vec<u8>, String, bool, i64, bool, Option<String>)> = sqlx::query_as(
        "SELECT user_address, amount::text, is_over, bet_count, is_claimed, winnings::text \
         FROM deadpool_bets b ORDER BY b.amount DESC",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        bets,
        vec![
            (
                a.to_vec(),
                data(150).to_string(),
                true,
                2,
                true,
                Some(a_win.to_string())
            ),
            (b.to_vec(), data(70).to_string(), false, 1, false, None),
            (
                c.to_vec(),
                (data(30) + U256::from(1u64)).to_string(),
                true,
                1,
                true,
                Some(c_win.to_string())
            ),
        ]
    );
    for (user, winnings) in [(a, a_win), (b, U256::ZERO), (c, c_win)] {
        let bet = net
            .anvil
            .call(
                dp,
                IDeadPool::getBetCall {
                    roundId: U256::from(1u64),
                    user,
                },
            )
            .await
            .unwrap();
        let row = bets.iter().find(|r| r.0 == user.to_vec()).unwrap();
        assert_eq!(
            (row.1.clone(), row.2, row.4),
            (bet.amount.to_string(), bet.isOver, bet.claimed)
        );
        if bet.claimed {
            assert_eq!(row.5.as_deref(), Some(winnings.to_string().as_str()));
        }
    }
    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, amount::text FROM deadpool_bet_events ORDER BY block_number, log_index",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        events,
        vec![
            ("bet".into(), data(100).to_string()),
            ("bet".into(), data(70).to_string()),
            ("bet".into(), data(50).to_string()),
            ("bet".into(), (data(30) + U256::from(1u64)).to_string()),
            ("claim".into(), a_win.to_string()),
            ("claim".into(), c_win.to_string()),
        ]
    );
    net.assert_balances().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_taxed_and_untaxed_transfers_when_indexed_should_count_the_gross_once_and_split_burns()
 {
    let net = start(3).await;
    let token = net.s.core.data;
    let [p, q] = [1, 2].map(|i| net.player(i));
    let amount = data(1234) + U256::from(567_891_000_000_000_000u64);
    let taxed = net
        .send(p, token, IData::transferCall { to: q, amount })
        .await;
    // 9 wei: the tax rounds to 0 but the three legs are still emitted.
    let tiny = net
        .send(
            p,
            token,
            IData::transferCall {
                to: q,
                amount: U256::from(9u64),
            },
        )
        .await;
    let dead = net
        .send(
            p,
            token,
            IData::transferCall {
                to: DEAD,
                amount: data(5),
            },
        )
        .await;
    let burn = net
        .send(q, token, IToken::burnCall { amount: data(2) })
        .await;
    net.send(
        p,
        token,
        IData::approveCall {
            spender: q,
            amount: data(77),
        },
    )
    .await;
    let pulled = net
        .send(
            q,
            token,
            IToken::transferFromCall {
                from: p,
                to: q,
                amount: data(10),
            },
        )
        .await;
    net.sync().await;
    assert_eq!(taxed.inner.logs().len(), 5);

    let split = |gross: U256| {
        let tax = bps(gross, 1000);
        let burn = bps(tax, 9000);
        (gross - tax, burn, tax - burn)
    };
    let mut expected = Vec::new();
    for (r, from, to, kind, gross, is_taxed) in [
        (&taxed, p, q, "transfer", amount, true),
        (&tiny, p, q, "transfer", U256::from(9u64), true),
        (&dead, p, DEAD, "dead_burn", data(5), false),
        (&burn, q, Address::ZERO, "supply_burn", data(2), false),
        (&pulled, p, q, "transfer", data(10), true),
    ] {
        let (net_amount, b, t) = if is_taxed {
            split(gross)
        } else {
            (gross, U256::ZERO, U256::ZERO)
        };
        expected.push((
            r.transaction_hash.to_vec(),
            from.to_vec(),
            to.to_vec(),
            kind.to_owned(),
            gross.to_string(),
            net_amount.to_string(),
            b.to_string(),
            t.to_string(),
            is_taxed,
        ));
    }
    let hashes: Vec<Vec<u8>> = expected.iter().map(|e| e.0.clone()).collect();
    let rows: Vec<(
        Vec<u8>,
        Vec<u8>,
        Vec<u8>,
        String,
        String,
        String,
        String,
        String,
        bool,
    )> = sqlx::query_as(
        "SELECT tx_hash, from_address, to_address, kind, gross::text, net::text, tax_burned::text, \
             tax_collected::text, taxed FROM token_transfers WHERE tx_hash = ANY($1) \
             ORDER BY block_number, log_index",
    )
    .bind(&hashes)
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        rows, expected,
        "one row per logical transfer, legs folded in"
    );
    // The exact 90 / 9 / 1 split of the first transfer.
    let (n, b, t) = split(amount);
    assert_eq!(n * U256::from(100u64), amount * U256::from(90u64));
    assert_eq!(b, amount * U256::from(9u64) / U256::from(100u64));
    assert_eq!(t, amount / U256::from(100u64));

    // Totals: supply, burns by sink, tax, and volume counting gross once.
    let stats: (String, String, String, String, String, String, i64, i64) = sqlx::query_as(
        "SELECT total_supply::text, supply_burned::text, dead_burned::text, tax_burned::text, \
         tax_collected::text, transfer_volume::text, transfer_count, taxed_transfer_count \
         FROM token_stats WHERE token_address = $1",
    )
    .bind(token.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    let supply = net
        .anvil
        .call(token, IToken::totalSupplyCall {})
        .await
        .unwrap();
    let total_burned = net
        .anvil
        .call(token, IToken::totalBurnedCall {})
        .await
        .unwrap();
    assert_eq!(stats.0, supply.to_string());
    assert_eq!(stats.1, data(2).to_string());
    let tax_burned: U256 = stats.3.parse().unwrap();
    assert_eq!(
        tax_burned + data(2),
        total_burned,
        "totalBurned = tax burns + burn()"
    );
    assert_eq!(
        tax_burned,
        split(amount).1 + split(U256::from(9u64)).1 + split(data(10)).1
    );
    // Volume: every 'transfer' row's gross, exactly once.
    let volume: String = sqlx::query_scalar(
        "SELECT sum(gross)::text FROM token_transfers WHERE token_address = $1 AND kind = 'transfer'",
    )
    .bind(token.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    assert_eq!(stats.5, volume);
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM token_transfers WHERE token_address = $1 AND kind = 'transfer'",
    )
    .bind(token.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    assert_eq!(stats.6, count);
    assert_eq!(stats.7, 3);
    // Protocol burns to 0xdEaD: the 5 DATA sent directly (no other burn yet).
    assert_eq!(stats.2, data(5).to_string());
    // The approval row keeps the approved value (OpenZeppelin 5 emits no
    // Approval on spend), while the remaining allowance is 67.
    let approved: String = sqlx::query_scalar(
        "SELECT approved_value::text FROM token_approvals WHERE owner_address = $1 AND spender = $2",
    )
    .bind(p.to_vec())
    .bind(q.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    assert_eq!(approved, data(77).to_string());
    // Exclusions: the constructor's (treasury, 0xdEaD) and the suite's.
    let excluded = net
        .text(
            "SELECT encode(account, 'hex') FROM tax_exclusions WHERE token_address = $1 AND excluded ORDER BY 1",
            token.to_vec(),
        )
        .await;
    for account in [
        net.s.core.treasury,
        DEAD,
        net.gc(),
        net.s.dead_pool,
        net.s.rewards_distributor,
        net.s.swap_router,
        net.s.presale_claim,
    ] {
        assert!(
            excluded.contains(&hex::encode(account)),
            "{account} excluded"
        );
        assert!(
            net.anvil
                .call(token, IToken::isExcludedFromTaxCall { account })
                .await
                .unwrap()
        );
    }
    net.assert_balances().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_tolls_and_buybacks_when_indexed_should_keep_eth_and_data_units_apart() {
    let net = start(3).await;
    let fr = net.s.fee_router;
    let [p, q] = [1, 2].map(|i| net.player(i));
    net.send(
        net.admin(),
        fr,
        IFeeRouter::setCollectorCall {
            collector: p,
            authorized: true,
        },
    )
    .await;
    let mut game = [0u8; 32];
    game[..4].copy_from_slice(b"GAME");
    let toll = eth(2) / U256::from(100u64);
    net.anvil
        .send_value(
            p,
            fr,
            IFeeRouter::collectTollCall {
                reason: B256::from(game),
            },
            toll,
        )
        .await
        .unwrap();
    // Plain ETH: reason "direct".
    net.anvil
        .send_raw(q, Some(fr), Default::default(), eth(1))
        .await
        .unwrap();
    let balance = toll + eth(1);
    net.send(
        q,
        fr,
        IFeeRouter::executeBuybackCall {
            minDataOut: U256::ZERO,
        },
    )
    .await;
    // executeBuybackWithData pays operations without OperationsWithdrawn.
    net.anvil
        .send_raw(q, Some(fr), Default::default(), eth(1) / U256::from(2u64))
        .await
        .unwrap();
    let swap = IMockSwapRouter::swapToCall { to: fr }.abi_encode();
    net.send(
        q,
        fr,
        IFeeRouter::executeBuybackWithDataCall {
            swapData: swap.into(),
            minDataOut: U256::ZERO,
        },
    )
    .await;
    net.send(
        net.admin(),
        fr,
        IFeeRouter::setTollAmountCall {
            newAmount: eth(3) / U256::from(100u64),
        },
    )
    .await;
    net.sync().await;

    let tolls: Vec<(Vec<u8>, Vec<u8>, String, Option<String>)> = sqlx::query_as(
        "SELECT collector, tx_sender, eth_amount::text, reason_text FROM fee_router_tolls ORDER BY block_number",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    let half = eth(1) / U256::from(2u64);
    assert_eq!(
        tolls,
        vec![
            (
                p.to_vec(),
                p.to_vec(),
                toll.to_string(),
                Some("GAME".into())
            ),
            (
                q.to_vec(),
                q.to_vec(),
                eth(1).to_string(),
                Some("direct".into())
            ),
            (
                q.to_vec(),
                q.to_vec(),
                half.to_string(),
                Some("direct".into())
            ),
        ]
    );
    let rate = U256::from(suite::DATA_PER_ETH) * data(1);
    let first = bps(balance, 9000);
    let second = bps(half, 9000);
    let buybacks: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT eth_spent::text, data_received::text, data_burned::text FROM fee_router_buybacks ORDER BY block_number",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    let out = |e: U256| (e * rate / e18()).to_string();
    assert_eq!(
        buybacks,
        vec![
            (first.to_string(), out(first), out(first)),
            (second.to_string(), out(second), out(second)),
        ]
    );
    let ops: Vec<(Vec<u8>, String)> =
        sqlx::query_as("SELECT to_address, eth_amount::text FROM fee_router_operations")
            .fetch_all(&net.pool)
            .await
            .unwrap();
    assert_eq!(
        ops,
        vec![(net.s.operations.to_vec(), (balance - first).to_string())]
    );
    let state: (String, i64, String, String, i64, String, String) = sqlx::query_as(
        "SELECT total_tolls_eth::text, toll_count, total_buyback_eth::text, total_data_burned::text, \
         buyback_count, total_operations_eth::text, toll_amount_eth::text FROM fee_router_state",
    )
    .fetch_one(&net.pool)
    .await
    .unwrap();
    let burned = net
        .anvil
        .call(fr, IFeeRouter::totalBurnedCall {})
        .await
        .unwrap();
    let sent_ops = net
        .anvil
        .call(fr, IFeeRouter::totalSentToOperationsCall {})
        .await
        .unwrap();
    assert_eq!(
        state,
        (
            (balance + half).to_string(),
            3,
            (first + second).to_string(),
            burned.to_string(),
            2,
            (balance - first).to_string(),
            (eth(3) / U256::from(100u64)).to_string()
        )
    );
    // The unevented operations share of executeBuybackWithData.
    assert_eq!(sent_ops, balance - first + (half - second));
    let admin: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT event_name, args FROM admin_events WHERE contract_name = 'FeeRouter' ORDER BY block_number, log_index",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        admin,
        vec![
            (
                "OwnershipTransferred".into(),
                serde_json::json!({"previous_owner": format!("{:#x}", Address::ZERO), "new_owner": format!("{:#x}", net.admin())})
            ),
            (
                "TollAmountUpdated".into(),
                serde_json::json!({"new_amount_eth": (eth(3) / U256::from(100u64)).to_string()})
            ),
        ]
    );
    net.assert_balances().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_distributions_when_indexed_should_record_shares_dust_and_uncredited_emissions() {
    let net = start(3).await;
    let rd = net.s.rewards_distributor;
    let [a, b] = [1, 2].map(|i| net.player(i));
    net.jack_in(a, data(100), 1).await;
    net.jack_in(b, data(333), 4).await;
    let t = suite::now(&net.anvil).await.unwrap();
    suite::warp_to(&net.anvil, t + 3601).await.unwrap();
    net.send(a, rd, IRewardsDistributor::distributeCall {})
        .await;
    let first = net
        .anvil
        .call(rd, IRewardsDistributor::totalDistributedCall {})
        .await
        .unwrap();
    net.send(
        net.admin(),
        rd,
        IRewardsDistributor::setLevelWeightsCall {
            newWeights: [10_000, 0, 0, 0, 0],
        },
    )
    .await;
    suite::warp_to(&net.anvil, t + 7200).await.unwrap();
    net.send(a, rd, IRewardsDistributor::distributeCall {})
        .await;
    let second = net
        .anvil
        .call(rd, IRewardsDistributor::totalDistributedCall {})
        .await
        .unwrap()
        - first;
    net.sync().await;

    let weights = [500u64, 1000, 2000, 3000, 3500];
    let shares: Vec<U256> = weights.iter().map(|w| bps(first, *w)).collect();
    let sum = shares.iter().fold(U256::ZERO, |x, y| x + y);
    type Dist = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
    );
    let rows: Vec<Dist> = sqlx::query_as(
        "SELECT total_amount::text, level_1::text, level_2::text, level_3::text, level_4::text, \
         level_5::text, shares_total::text, dust::text FROM emission_distributions ORDER BY block_number",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![
            (
                first.to_string(),
                Some(shares[0].to_string()),
                Some(shares[1].to_string()),
                Some(shares[2].to_string()),
                Some(shares[3].to_string()),
                Some(shares[4].to_string()),
                sum.to_string(),
                (first - sum).to_string()
            ),
            (
                second.to_string(),
                Some(second.to_string()),
                None,
                None,
                None,
                None,
                second.to_string(),
                "0".into()
            ),
        ]
    );
    // ghost-core: only VAULT and DARKNET have stake and are credited.
    let emissions: Vec<(i16, String, bool)> = sqlx::query_as(
        "SELECT level, amount::text, credited FROM emissions ORDER BY block_number, log_index",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    let mut expected: Vec<(i16, String, bool)> = shares
        .iter()
        .enumerate()
        .map(|(i, s)| (i as i16 + 1, s.to_string(), i == 0 || i == 3))
        .collect();
    expected.push((1, second.to_string(), true));
    assert_eq!(emissions, expected);
    let uncredited: String =
        sqlx::query_scalar("SELECT sum(emissions_uncredited)::text FROM levels")
            .fetch_one(&net.pool)
            .await
            .unwrap();
    assert_eq!(uncredited, (shares[1] + shares[2] + shares[4]).to_string());
    net.assert_levels().await;
    let pending = net
        .anvil
        .call(net.gc(), ICore::getPendingRewardsCall { user: a })
        .await
        .unwrap();
    let acc = net.level_state(1).await.accRewardsPerShare;
    assert_eq!(pending, data(100) * acc / e18());
    let state: (i32, i32, String, i64, Vec<u8>) = sqlx::query_as(
        "SELECT weight_1, weight_2, total_distributed::text, distribution_count, ghost_core \
         FROM rewards_distributor_state",
    )
    .fetch_one(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        state,
        (
            10_000,
            0,
            (first + second).to_string(),
            2,
            net.gc().to_vec()
        )
    );

    // The admin audit trail of GhostCore and the distributor.
    let admin: Vec<(String, String, serde_json::Value)> = sqlx::query_as(
        "SELECT contract_name, event_name, args FROM admin_events \
         WHERE contract_name IN ('GhostCore', 'RewardsDistributor') ORDER BY block_number, log_index",
    )
    .fetch_all(&net.pool)
    .await
    .unwrap();
    let h = |a: Address| format!("{a:#x}");
    let granted = |role: &str, account: Address| {
        let id = if role == "DEFAULT_ADMIN_ROLE" {
            B256::ZERO
        } else {
            suite::role(role)
        };
        (
            "GhostCore".to_owned(),
            "RoleGranted".to_owned(),
            serde_json::json!({
                "role": {"id": format!("{id:#x}"), "name": role},
                "account": h(account),
                "sender": h(net.admin()),
            }),
        )
    };
    let mut expected = vec![
        (
            "GhostCore".to_owned(),
            "Upgraded".to_owned(),
            serde_json::json!({"implementation": h(admin_implementation(&net).await)}),
        ),
        granted("DEFAULT_ADMIN_ROLE", net.admin()),
        granted("PAUSER_ROLE", net.admin()),
        (
            "GhostCore".to_owned(),
            "Initialized".to_owned(),
            serde_json::json!({"version": 1}),
        ),
        granted("SCANNER_ROLE", net.s.trace_scan),
        (
            "RewardsDistributor".to_owned(),
            "OwnershipTransferred".to_owned(),
            serde_json::json!({"previous_owner": h(Address::ZERO), "new_owner": h(net.admin())}),
        ),
        granted("DISTRIBUTOR_ROLE", rd),
    ];
    expected.push((
        "RewardsDistributor".to_owned(),
        "WeightsUpdated".to_owned(),
        serde_json::json!({"new_weights": [10_000, 0, 0, 0, 0]}),
    ));
    assert_eq!(admin, expected);
}

/// The GhostCore implementation behind the proxy (EIP-1967 slot).
async fn admin_implementation(net: &Net) -> Address {
    use alloy::providers::Provider;
    let slot: U256 = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"
        .parse()
        .unwrap();
    let word = net
        .anvil
        .provider
        .get_storage_at(net.gc(), slot)
        .await
        .unwrap();
    Address::from_word(word.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_presale_when_indexed_should_follow_tranches_refunds_claims_and_vesting() {
    let (anvil, s) = deploy(3).await;
    // A second presale that ends in refunds, indexed by the same handler.
    let refunding = suite::deploy_presale(&anvil, s.core.admin).await.unwrap();
    let net = index(anvil, s, &[refunding]).await;
    let ps = net.s.presale;
    let [p, q] = [0, 1].map(|i| net.player(i));
    let milli = U256::from(10u64).pow(U256::from(15u64));
    let first = net
        .anvil
        .send_value(
            p,
            ps,
            IGhostPresale::contributeCall {
                minAllocation: U256::ZERO,
            },
            eth(2),
        )
        .await
        .unwrap();
    // 20 ETH buys the rest of the supply for 9 ETH; 11 ETH are refunded
    // without an event.
    net.anvil
        .send_value(
            q,
            ps,
            IGhostPresale::contributeCall {
                minAllocation: U256::ZERO,
            },
            eth(20),
        )
        .await
        .unwrap();
    net.send(net.admin(), ps, IGhostPresale::finalizeCall {})
        .await;
    net.send(
        net.admin(),
        ps,
        IGhostPresale::withdrawETHCall { to: net.admin() },
    )
    .await;
    let claim = net.s.presale_claim;
    suite::fund(&net.anvil, &net.s.core, claim, data(6000))
        .await
        .unwrap();
    net.send(net.admin(), claim, IPresaleClaim::enableClaimingCall {})
        .await;
    net.send(p, claim, IPresaleClaim::claimCall {}).await;
    // The refunding presale.
    net.anvil
        .send_value(
            p,
            refunding,
            IGhostPresale::contributeCall {
                minAllocation: U256::ZERO,
            },
            eth(1),
        )
        .await
        .unwrap();
    net.send(net.admin(), refunding, IGhostPresale::enableRefundsCall {})
        .await;
    net.send(p, refunding, IGhostPresale::refundCall {}).await;
    // Team vesting after the cliff (31 days: 31 × 1000 DATA vested).
    let t = suite::now(&net.anvil).await.unwrap();
    suite::warp_to(&net.anvil, t + 31 * 24 * 3600)
        .await
        .unwrap();
    let vest = net
        .send(
            net.s.beneficiary,
            net.s.team_vesting,
            ITeamVesting::claimCall {},
        )
        .await;
    net.sync().await;

    // Tranche 0 completed inside p's contribution, before its Contributed.
    let order: Vec<String> = sqlx::query_scalar(
        "SELECT event FROM (SELECT log_index, 'tranche' AS event FROM presale_tranches_completed WHERE tx_hash = $1 \
         UNION ALL SELECT log_index, 'contributed' FROM presale_contributions WHERE tx_hash = $1) x ORDER BY log_index",
    )
    .bind(first.transaction_hash.to_vec())
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(order, vec!["tranche", "contributed"]);
    let tranches: Vec<(String, String)> = sqlx::query_as(
        "SELECT tranche_index::text, next_price::text FROM presale_tranches_completed WHERE presale = $1 ORDER BY block_number",
    )
    .bind(ps.to_vec())
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        tranches,
        vec![
            ("0".into(), (milli * U256::from(2u64)).to_string()),
            ("1".into(), "0".into())
        ]
    );
    let contributions: Vec<(Vec<u8>, String, String, String)> = sqlx::query_as(
        "SELECT contributor, eth_amount::text, data_allocation::text, avg_price::text FROM presale_contributions \
         WHERE presale = $1 ORDER BY block_number",
    )
    .bind(ps.to_vec())
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        contributions,
        vec![
            (
                p.to_vec(),
                eth(2).to_string(),
                data(1500).to_string(),
                (eth(2) * e18() / data(1500)).to_string()
            ),
            (
                q.to_vec(),
                eth(9).to_string(),
                data(4500).to_string(),
                (milli * U256::from(2u64)).to_string()
            ),
        ]
    );
    let state: (String, String, String, i64, String, String, String) = sqlx::query_as(
        "SELECT state, total_raised_eth::text, total_sold_data::text, contributor_count, \
         final_raised_eth::text, eth_withdrawn::text, emergency_deadline::text FROM presale_state WHERE presale = $1",
    )
    .bind(ps.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    let raised = net
        .anvil
        .call(ps, IGhostPresale::totalRaisedCall {})
        .await
        .unwrap();
    let sold = net
        .anvil
        .call(ps, IGhostPresale::totalSoldCall {})
        .await
        .unwrap();
    assert_eq!(raised, eth(11));
    assert_eq!(
        state,
        (
            "finalized".into(),
            raised.to_string(),
            sold.to_string(),
            2,
            eth(11).to_string(),
            eth(11).to_string(),
            (7u64 * 24 * 3600).to_string()
        )
    );
    // The refund zeroes the ETH contribution and keeps the allocation.
    let refunded: (String, String, String, String) = sqlx::query_as(
        "SELECT eth_contributed::text, data_allocation::text, eth_refunded::text, s.state \
         FROM presale_contributors c JOIN presale_state s USING (presale) WHERE presale = $1 AND contributor = $2",
    )
    .bind(refunding.to_vec())
    .bind(p.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    let onchain = (
        net.anvil
            .call(refunding, IGhostPresale::contributionsCall { account: p })
            .await
            .unwrap(),
        net.anvil
            .call(refunding, IGhostPresale::allocationsCall { account: p })
            .await
            .unwrap(),
    );
    assert_eq!(onchain, (U256::ZERO, data(1000)));
    assert_eq!(
        refunded,
        (
            "0".into(),
            data(1000).to_string(),
            eth(1).to_string(),
            "refunding".into()
        )
    );
    // The claim.
    let claims: (String, i64, String, bool) = sqlx::query_as(
        "SELECT total_claimed::text, claim_count, supply_available::text, claiming_enabled FROM presale_claim_state",
    )
    .fetch_one(&net.pool)
    .await
    .unwrap();
    let claimed = net
        .anvil
        .call(claim, IPresaleClaim::totalClaimedCall {})
        .await
        .unwrap();
    assert_eq!(
        claims,
        (claimed.to_string(), 1, data(6000).to_string(), true)
    );
    assert_eq!(claimed, data(1500));
    let admin: Vec<String> = sqlx::query_scalar(
        "SELECT event_name FROM admin_events WHERE contract_address = $1 ORDER BY block_number, log_index",
    )
    .bind(ps.to_vec())
    .fetch_all(&net.pool)
    .await
    .unwrap();
    assert_eq!(
        admin,
        vec![
            "OwnershipTransferred",
            "ConfigUpdated",
            "PresaleOpened",
            "PresaleFinalized",
            "ETHWithdrawn"
        ]
    );
    // Vesting: the gross claim, taxed on its way to the beneficiary.
    let info = net
        .anvil
        .call(
            net.s.team_vesting,
            ITeamVesting::getVestingInfoCall {
                beneficiary: net.s.beneficiary,
            },
        )
        .await
        .unwrap();
    let vested: (String, i64) = sqlx::query_as(
        "SELECT total_claimed::text, claim_count FROM vesting_beneficiaries WHERE beneficiary = $1",
    )
    .bind(net.s.beneficiary.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    assert_eq!(vested, (info.claimed.to_string(), 1));
    assert!(info.claimed >= data(31_000));
    let transfer: (String, bool, String) = sqlx::query_as(
        "SELECT gross::text, taxed, net::text FROM token_transfers WHERE tx_hash = $1",
    )
    .bind(vest.transaction_hash.to_vec())
    .fetch_one(&net.pool)
    .await
    .unwrap();
    let tax = bps(info.claimed, 1000);
    assert_eq!(
        transfer,
        (
            info.claimed.to_string(),
            true,
            (info.claimed - tax).to_string()
        )
    );
    net.assert_balances().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_deaths_the_handler_cannot_attribute_when_indexed_should_halt_ghost_core_at_that_block()
 {
    // ghost-core bound to GhostCore only: it never sees ScanExecuted, so it
    // cannot apply TraceScan's filter to the submitDeaths calldata.
    let (anvil, s) = deploy(2).await;
    let db = TestDb::create().await.unwrap();
    let host = Host::start(&HostOptions::new(
        &anvil.url,
        &db.url,
        vec![crate::common::ghost_core_handler(s.core.ghost_core)],
    ))
    .await
    .unwrap();
    let victim = s.core.players[1];
    let gc = s.core.ghost_core;
    suite::send(
        &anvil,
        victim,
        gc,
        IGhostCore::jackInCall {
            amount: data(100),
            level: 4,
        },
        U256::ZERO,
    )
    .await
    .unwrap();
    let mut cfg = anvil
        .call(gc, IGhostCore::getLevelConfigCall { level: 4 })
        .await
        .unwrap();
    cfg.baseDeathRateBps = 10_000;
    suite::send(
        &anvil,
        s.core.admin,
        gc,
        IGhostCore::updateLevelConfigCall {
            level: 4,
            config: cfg,
        },
        U256::ZERO,
    )
    .await
    .unwrap();
    let next = anvil
        .call(gc, ICore::getLevelStateCall { level: 4 })
        .await
        .unwrap()
        .nextScanTime;
    suite::warp_to(&anvil, next).await.unwrap();
    suite::send(
        &anvil,
        s.core.admin,
        s.trace_scan,
        ITraceScan::executeScanCall { level: 4 },
        U256::ZERO,
    )
    .await
    .unwrap();
    let submit = suite::send(
        &anvil,
        s.core.admin,
        s.trace_scan,
        ITraceScan::submitDeathsCall {
            level: 4,
            deadUsers: vec![victim],
        },
        U256::ZERO,
    )
    .await
    .unwrap();
    let block = submit.block_number.unwrap();
    let status = wraith_tests::wait_until("ghost-core to halt", CATCH_UP, || async {
        let s = host.status().await?;
        let h = s["handlers"][0].clone();
        Ok((h["state"] == "halted").then_some(h))
    })
    .await
    .unwrap();
    assert_eq!(status["error"]["block_number"], block);
    assert_eq!(
        status["checkpoint"],
        block - 1,
        "nothing of the block applied"
    );
    assert!(
        status["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no ScanExecuted was seen"),
        "{status}"
    );
    let pool = db.pool().await.unwrap();
    let alive: bool = sqlx::query_scalar("SELECT is_alive FROM positions WHERE user_address = $1")
        .bind(victim.to_vec())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(alive, "the position is not touched by the failed block");
}
