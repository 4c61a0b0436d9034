//! A seeded scenario: N players × M rounds of GHOSTNET over
//! [`deploy_suite`](crate::ghostnet_suite::deploy_suite), built from the
//! operations the semantic tests perform. Each round: players jack in, add
//! stake or extract; taxed transfers, a supply burn and a burn to 0xdEaD;
//! a DeadPool round with bets; a scan of every level with positions (the
//! doomed positions found with TraceScan's own `wouldDie`, submitted in
//! batches with a duplicate, then finalized); the round resolved and the
//! winners' claims; a toll, a buyback and an emission distribution.
//! The seed fixes every choice given the chain state; the chain's block
//! times start at anvil's wall clock, and the scan seeds with them, so who
//! dies (and what follows from it) varies between runs.

use alloy::primitives::{Address, B256, U256, keccak256};
use alloy::signers::SignerSync;
use alloy::sol;
use alloy::sol_types::SolValue;

use crate::chain::Anvil;
use crate::ghostnet::{IData, IGhostCore, Rng, data};
use crate::ghostnet_suite::{
    self as suite, ICore, IDeadPool, IFeeRouter, IGhostPresale, IPresaleClaim, IRewardsDistributor,
    ITeamVesting, IToken, ITraceScan, Suite, eth, toll_amount,
};

sol! {
    /// TraceScan views the scenario uses to find the doomed positions.
    interface IScanViews {
        function wouldDie(uint8 level, address user) external view returns (bool);
        function canExecuteScan(uint8 level) external view returns (bool);
        function canFinalizeScan(uint8 level) external view returns (bool);
    }

    /// GhostCore's boost vouchers (EIP-712, signed by the boost signer).
    interface IBoosts {
        function DOMAIN_SEPARATOR() external view returns (bytes32);
        function applyBoost(uint8 boostType, uint16 valueBps, uint64 expiry, bytes32 nonce, bytes signature) external;
    }
}

/// 0xdEaD, where protocol burns go.
pub const DEAD: Address = Address::new([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad,
]);

/// Minimum stake per level (CONTRACTS.md §4.1).
const MIN_STAKE: [u64; 6] = [0, 10, 25, 50, 100, 250];
/// At most this many addresses per submitDeaths call.
const BATCH: usize = 8;

/// The scenario's size and seed.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Seed of the pseudo-random choices.
    pub seed: u64,
    /// Number of players (taken from the suite's funded players).
    pub players: usize,
    /// Number of rounds.
    pub rounds: usize,
    /// Whether dead positions use `emergencyWithdraw` while paused (the
    /// upstream quirk: their amount leaves the level total a second time,
    /// so the total falls below the alive amounts). Later calls that
    /// then revert on-chain (underflow, GhostCore short of DATA) are
    /// skipped and counted as `skipped:<op>`.
    pub dead_withdrawals: bool,
    /// Whether the scenario ends with extra traffic: two boosts (one of
    /// each type, vouchers signed by the boost signer, the admin); the
    /// presale finalized (ETH withdrawn), PresaleClaim funded and enabled
    /// and every buyer's claim; after the vesting cliff (a 31-day warp)
    /// the team beneficiary's claim.
    pub finale: bool,
}

/// What a scenario did (transactions sent per operation).
#[derive(Debug, Default, Clone)]
pub struct Played {
    /// Operation name -> successful transactions.
    pub ops: std::collections::BTreeMap<&'static str, usize>,
    /// Deaths submitted (verified by the contract).
    pub deaths: usize,
}

impl Played {
    fn add(&mut self, op: &'static str) {
        *self.ops.entry(op).or_default() += 1;
    }
}

struct Game<'a> {
    anvil: &'a Anvil,
    s: &'a Suite,
    rng: Rng,
    players: Vec<Address>,
    played: Played,
    dead_withdrawals: bool,
}

impl Game<'_> {
    async fn send<C: alloy::sol_types::SolCall>(
        &mut self,
        op: &'static str,
        from: Address,
        to: Address,
        call: C,
    ) -> anyhow::Result<()> {
        self.send_value(op, from, to, call, U256::ZERO).await
    }

    /// Like [`Self::send`], but a call that would revert with an arithmetic
    /// underflow or `ERC20InsufficientBalance` (selector `0xe450d38c`) is
    /// skipped (counted as `skipped:<op>`). A dead position's
    /// `emergencyWithdraw` (the upstream quirk) takes its amount off the
    /// level total a second time, so the total falls below the sum of the
    /// alive amounts and a later extract, death or cull at that level can
    /// underflow; and it pays back stake already distributed by the
    /// cascade, so GhostCore can run short of DATA for later payouts.
    async fn send_unless_underflow<C: alloy::sol_types::SolCall>(
        &mut self,
        op: &'static str,
        skipped: &'static str,
        from: Address,
        to: Address,
        call: C,
    ) -> anyhow::Result<()> {
        match self.send(op, from, to, call).await {
            Err(e)
                if {
                    let e = format!("{e:#}");
                    e.contains("arithmetic underflow") || e.contains("0xe450d38c")
                } =>
            {
                self.played.add(skipped);
                Ok(())
            }
            other => other,
        }
    }

    async fn send_value<C: alloy::sol_types::SolCall>(
        &mut self,
        op: &'static str,
        from: Address,
        to: Address,
        call: C,
        value: U256,
    ) -> anyhow::Result<()> {
        suite::send(self.anvil, from, to, call, value).await?;
        self.played.add(op);
        Ok(())
    }

    fn wei(&mut self, n: u64) -> U256 {
        U256::from(self.rng.below(n))
    }

    /// Jack in, add stake or extract, per player.
    async fn positions(&mut self) -> anyhow::Result<()> {
        let gc = self.s.core.ghost_core;
        for p in self.players.clone() {
            let pos = self
                .anvil
                .call(gc, IGhostCore::getPositionCall { user: p })
                .await?;
            if pos.level == 0 {
                let level = 1 + self.rng.below(5) as u8;
                let amount =
                    data(MIN_STAKE[level as usize] + self.rng.below(200)) + self.wei(1_000_000);
                self.send_unless_underflow(
                    "jackIn",
                    "skipped:jackIn",
                    p,
                    gc,
                    IGhostCore::jackInCall { amount, level },
                )
                .await?;
            } else if pos.alive {
                match self.rng.below(6) {
                    0 => {
                        self.send_unless_underflow(
                            "extract",
                            "skipped:extract",
                            p,
                            gc,
                            IGhostCore::extractCall {},
                        )
                        .await?
                    }
                    1 | 2 => {
                        let amount = data(1 + self.rng.below(40)) + self.wei(1_000);
                        self.send_unless_underflow(
                            "addStake",
                            "skipped:addStake",
                            p,
                            gc,
                            IGhostCore::addStakeCall { amount },
                        )
                        .await?;
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Alive positions with pending rewards claim some of them.
    async fn claims(&mut self) -> anyhow::Result<()> {
        let gc = self.s.core.ghost_core;
        for p in self.players.clone() {
            let pos = self
                .anvil
                .call(gc, IGhostCore::getPositionCall { user: p })
                .await?;
            if !pos.alive || self.rng.below(3) != 0 {
                continue;
            }
            let pending = self
                .anvil
                .call(gc, ICore::getPendingRewardsCall { user: p })
                .await?;
            if !pending.is_zero() {
                self.send_unless_underflow(
                    "claimRewards",
                    "skipped:claimRewards",
                    p,
                    gc,
                    ICore::claimRewardsCall {},
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Pause GhostCore; one alive position and (with
    /// [`Config::dead_withdrawals`]) the dead positions whose level total
    /// still covers them (the upstream quirk) withdraw their principal;
    /// unpause.
    async fn emergency(&mut self) -> anyhow::Result<()> {
        let (gc, admin) = (self.s.core.ghost_core, self.s.core.admin);
        self.send("pause", admin, gc, IGhostCore::pauseCall {})
            .await?;
        let mut alive_done = false;
        for p in self.players.clone() {
            let pos = self
                .anvil
                .call(gc, IGhostCore::getPositionCall { user: p })
                .await?;
            if pos.level == 0 || (pos.alive && alive_done) {
                continue;
            }
            // A dead position's amount already left the level total: its
            // withdrawal reverts (underflow) unless the total still covers it.
            let staked = self
                .anvil
                .call(gc, ICore::getLevelStateCall { level: pos.level })
                .await?
                .totalStaked;
            if !pos.alive && (!self.dead_withdrawals || staked < pos.amount) {
                continue;
            }
            alive_done |= pos.alive;
            self.send_unless_underflow(
                "emergencyWithdraw",
                "skipped:emergencyWithdraw",
                p,
                gc,
                IGhostCore::emergencyWithdrawCall {},
            )
            .await?;
        }
        self.send("unpause", admin, gc, IGhostCore::unpauseCall {})
            .await
    }

    /// Boosts; the sale closes and pays out; the team vesting pays after
    /// its cliff (see [`Config::finale`]).
    async fn finale(&mut self) -> anyhow::Result<()> {
        self.boosts().await?;
        let (ps, claim, admin) = (self.s.presale, self.s.presale_claim, self.s.core.admin);
        self.send("finalize", admin, ps, IGhostPresale::finalizeCall {})
            .await?;
        self.send(
            "withdrawETH",
            admin,
            ps,
            IGhostPresale::withdrawETHCall { to: admin },
        )
        .await?;
        let sold = self.anvil.call(ps, IGhostPresale::totalSoldCall {}).await?;
        // Twice what was sold: enough whatever a taxed transfer takes.
        suite::fund(self.anvil, &self.s.core, claim, sold * U256::from(2u64)).await?;
        self.played.add("fundClaim");
        self.send(
            "enableClaiming",
            admin,
            claim,
            IPresaleClaim::enableClaimingCall {},
        )
        .await?;
        for p in self.players.clone() {
            let bought = self
                .anvil
                .call(ps, IGhostPresale::allocationsCall { account: p })
                .await?;
            if !bought.is_zero() {
                self.send("presaleClaim", p, claim, IPresaleClaim::claimCall {})
                    .await?;
            }
        }
        let now = suite::now(self.anvil).await?;
        suite::warp_to(self.anvil, now + 31 * 24 * 3600).await?;
        let beneficiary = self.s.beneficiary;
        self.send(
            "vestingClaim",
            beneficiary,
            self.s.team_vesting,
            ITeamVesting::claimCall {},
        )
        .await
    }

    /// A DEATH_REDUCTION and a YIELD_MULTIPLIER boost for players with a
    /// position (alive or dead), each with a voucher the admin signs.
    async fn boosts(&mut self) -> anyhow::Result<()> {
        let gc = self.s.core.ghost_core;
        let domain = self
            .anvil
            .call(gc, IBoosts::DOMAIN_SEPARATORCall {})
            .await?;
        let typehash = keccak256(
            "Boost(address user,uint8 boostType,uint16 valueBps,uint64 expiry,bytes32 nonce)",
        );
        // The admin is account 0 and GhostCore's boost signer.
        let key = crate::chain::signer(0)?;
        let expiry = suite::now(self.anvil).await? + 3600;
        for (boost_type, value_bps) in [(0u8, 500u16), (1, 2000)] {
            let Some(user) = self.with_position().await? else {
                return Ok(());
            };
            let nonce = keccak256(self.rng.next_u64().to_be_bytes());
            let struct_hash = keccak256(
                (
                    typehash,
                    user,
                    U256::from(boost_type),
                    U256::from(value_bps),
                    U256::from(expiry),
                    nonce,
                )
                    .abi_encode(),
            );
            let mut preimage = vec![0x19, 0x01];
            preimage.extend_from_slice(domain.as_slice());
            preimage.extend_from_slice(struct_hash.as_slice());
            let signature = key.sign_hash_sync(&keccak256(&preimage))?;
            self.send(
                "applyBoost",
                user,
                gc,
                IBoosts::applyBoostCall {
                    boostType: boost_type,
                    valueBps: value_bps,
                    expiry,
                    nonce,
                    signature: signature.as_bytes().to_vec().into(),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// A random player that has a position record, if any.
    async fn with_position(&mut self) -> anyhow::Result<Option<Address>> {
        let start = self.rng.below(self.players.len() as u64) as usize;
        for i in 0..self.players.len() {
            let p = self.players[(start + i) % self.players.len()];
            let pos = self
                .anvil
                .call(
                    self.s.core.ghost_core,
                    IGhostCore::getPositionCall { user: p },
                )
                .await?;
            if pos.level != 0 {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    fn pick(&mut self) -> Address {
        self.players[self.rng.below(self.players.len() as u64) as usize]
    }

    /// Taxed transfers, a supply burn and a burn to 0xdEaD.
    async fn token(&mut self) -> anyhow::Result<()> {
        let token = self.s.core.data;
        for _ in 0..3 {
            let (from, to) = (self.pick(), self.pick());
            let amount = data(1 + self.rng.below(20)) + self.wei(1_000_000_000);
            self.send("transfer", from, token, IData::transferCall { to, amount })
                .await?;
        }
        let (owner, spender) = (self.pick(), self.pick());
        let amount = data(5 + self.rng.below(5));
        self.send(
            "approve",
            owner,
            token,
            IData::approveCall { spender, amount },
        )
        .await?;
        let to = self.pick();
        self.send(
            "transferFrom",
            spender,
            token,
            IToken::transferFromCall {
                from: owner,
                to,
                amount: amount - data(1),
            },
        )
        .await?;
        let (admin, account) = (self.s.core.admin, self.pick());
        let excluded = self.rng.below(2) == 0;
        self.send(
            "setTaxExclusion",
            admin,
            token,
            IData::setTaxExclusionCall { account, excluded },
        )
        .await?;
        let from = self.pick();
        let amount = data(1 + self.rng.below(3));
        self.send("burn", from, token, IToken::burnCall { amount })
            .await?;
        let from = self.pick();
        self.send(
            "transferToDead",
            from,
            token,
            IData::transferCall {
                to: DEAD,
                amount: data(1),
            },
        )
        .await
    }

    /// A DeadPool round on a random level with bets from about half the
    /// players (some twice, same side). Returns the round id and deadline.
    async fn open_round(&mut self, round_id: U256) -> anyhow::Result<u64> {
        let dp = self.s.dead_pool;
        let deadline = suite::now(self.anvil).await? + 3600;
        let target = 1 + self.rng.below(5) as u8;
        let line = U256::from(self.rng.below(3));
        let admin = self.s.core.admin;
        self.send(
            "createRound",
            admin,
            dp,
            IDeadPool::createRoundCall {
                roundType: 0,
                targetLevel: target,
                line,
                deadline,
            },
        )
        .await?;
        for p in self.players.clone() {
            if self.rng.below(2) == 0 {
                continue;
            }
            let is_over = self.rng.below(2) == 0;
            for _ in 0..=self.rng.below(2) {
                let amount = data(1 + self.rng.below(30)) + self.wei(1_000);
                self.send(
                    "placeBet",
                    p,
                    dp,
                    IDeadPool::placeBetCall {
                        roundId: round_id,
                        isOver: is_over,
                        amount,
                    },
                )
                .await?;
            }
        }
        Ok(deadline)
    }

    /// Scan every level that has positions: execute, submit the doomed
    /// ones (TraceScan's `wouldDie`) in batches with a duplicate, finalize.
    async fn scans(&mut self) -> anyhow::Result<()> {
        let (gc, ts) = (self.s.core.ghost_core, self.s.trace_scan);
        let admin = self.s.core.admin;
        for level in 1..=5u8 {
            let members = self
                .anvil
                .call(gc, ICore::getLevelPositionsCall { level })
                .await?;
            if members.is_empty() {
                continue;
            }
            let next = self
                .anvil
                .call(gc, ICore::getLevelStateCall { level })
                .await?
                .nextScanTime;
            suite::warp_to(self.anvil, next).await?;
            if !self
                .anvil
                .call(ts, IScanViews::canExecuteScanCall { level })
                .await?
            {
                self.anvil.mine(1).await?;
            }
            self.send(
                "executeScan",
                admin,
                ts,
                ITraceScan::executeScanCall { level },
            )
            .await?;
            let mut doomed = Vec::new();
            for user in members {
                if self
                    .anvil
                    .call(ts, IScanViews::wouldDieCall { level, user })
                    .await?
                {
                    doomed.push(user);
                }
            }
            self.played.deaths += doomed.len();
            let mut batches: Vec<Vec<Address>> = doomed.chunks(BATCH).map(<[_]>::to_vec).collect();
            // A duplicate the contract skips (already processed).
            if let (Some(first), Some(last)) = (doomed.first(), batches.last_mut()) {
                last.push(*first);
            }
            let submitter = self.pick();
            for dead_users in batches {
                self.send_unless_underflow(
                    "submitDeaths",
                    "skipped:submitDeaths",
                    submitter,
                    ts,
                    ITraceScan::submitDeathsCall {
                        level,
                        deadUsers: dead_users,
                    },
                )
                .await?;
            }
            let scan = self
                .anvil
                .call(ts, ITraceScan::getCurrentScanCall { level })
                .await?;
            suite::warp_to(self.anvil, scan.executedAt + 120).await?;
            if !self
                .anvil
                .call(ts, IScanViews::canFinalizeScanCall { level })
                .await?
            {
                self.anvil.mine(1).await?;
            }
            self.send(
                "finalizeScan",
                admin,
                ts,
                ITraceScan::finalizeScanCall { level },
            )
            .await?;
        }
        Ok(())
    }

    /// Resolve the round after its deadline; the winners claim.
    async fn resolve(&mut self, round_id: U256, deadline: u64) -> anyhow::Result<()> {
        let dp = self.s.dead_pool;
        suite::warp_to(self.anvil, deadline).await?;
        let outcome = self.rng.below(2) == 0;
        let admin = self.s.core.admin;
        self.send(
            "resolveRound",
            admin,
            dp,
            IDeadPool::resolveRoundCall {
                roundId: round_id,
                outcome,
            },
        )
        .await?;
        for p in self.players.clone() {
            let bet = self
                .anvil
                .call(
                    dp,
                    IDeadPool::getBetCall {
                        roundId: round_id,
                        user: p,
                    },
                )
                .await?;
            if !bet.amount.is_zero() && bet.isOver == outcome {
                self.send(
                    "claimWinnings",
                    p,
                    dp,
                    IDeadPool::claimWinningsCall { roundId: round_id },
                )
                .await?;
            }
        }
        Ok(())
    }

    /// A toll, a buyback (burns DATA), an emission distribution.
    async fn economy(&mut self, round: usize) -> anyhow::Result<()> {
        let (fr, admin) = (self.s.fee_router, self.s.core.admin);
        if round == 0 {
            self.send(
                "setCollector",
                admin,
                fr,
                IFeeRouter::setCollectorCall {
                    collector: admin,
                    authorized: true,
                },
            )
            .await?;
        }
        let mut reason = [0u8; 32];
        reason[..4].copy_from_slice(b"SCEN");
        self.send_value(
            "collectToll",
            admin,
            fr,
            IFeeRouter::collectTollCall {
                reason: B256::from(reason),
            },
            toll_amount(),
        )
        .await?;
        let p = self.pick();
        self.send(
            "executeBuyback",
            p,
            fr,
            IFeeRouter::executeBuybackCall {
                minDataOut: U256::ZERO,
            },
        )
        .await?;
        suite::send_raw_value(self.anvil, p, fr, eth(1) / U256::from(10u64)).await?;
        self.played.add("directEth");
        let ps = self.s.presale;
        for _ in 0..2 {
            let who = self.pick();
            self.send_value(
                "contribute",
                who,
                ps,
                IGhostPresale::contributeCall {
                    minAllocation: U256::ZERO,
                },
                eth(1) / U256::from(20u64),
            )
            .await?;
        }
        let rd = self.s.rewards_distributor;
        let pending = self
            .anvil
            .call(rd, IRewardsDistributor::pendingEmissionsCall {})
            .await?;
        if !pending.is_zero() {
            self.send("distribute", p, rd, IRewardsDistributor::distributeCall {})
                .await?;
        }
        Ok(())
    }
}

/// Play the scenario on a deployed suite (one transaction per block).
pub async fn run(anvil: &Anvil, s: &Suite, cfg: Config) -> anyhow::Result<Played> {
    anyhow::ensure!(
        s.core.players.len() >= cfg.players,
        "the suite has {} players, the scenario needs {}",
        s.core.players.len(),
        cfg.players
    );
    let mut g = Game {
        anvil,
        s,
        rng: Rng(cfg.seed),
        players: s.core.players[..cfg.players].to_vec(),
        played: Played::default(),
        dead_withdrawals: cfg.dead_withdrawals,
    };
    // Level 4 holds at most four positions: further jack-ins cull.
    let gc = s.core.ghost_core;
    let mut level4 = anvil
        .call(gc, IGhostCore::getLevelConfigCall { level: 4 })
        .await?;
    level4.maxPositions = 4;
    g.send(
        "updateLevelConfig",
        s.core.admin,
        gc,
        IGhostCore::updateLevelConfigCall {
            level: 4,
            config: level4,
        },
    )
    .await?;
    for round in 0..cfg.rounds {
        if round > 0 {
            g.emergency().await?;
        }
        g.positions().await?;
        g.claims().await?;
        g.token().await?;
        let round_id = U256::from(round as u64 + 1);
        let deadline = g.open_round(round_id).await?;
        g.scans().await?;
        g.resolve(round_id, deadline).await?;
        g.economy(round).await?;
    }
    // A system reset (lazy 25 % penalty), revealed by one more stake.
    let deadline = anvil.call(gc, ICore::getSystemResetCall {}).await?.deadline;
    suite::warp_to(anvil, deadline).await?;
    let p = g.pick();
    g.send(
        "triggerSystemReset",
        p,
        gc,
        ICore::triggerSystemResetCall {},
    )
    .await?;
    g.positions().await?;
    if cfg.finale {
        g.finale().await?;
    }
    Ok(g.played)
}
