//! The handler's model of GhostCore storage: positions, level state with
//! the swap-and-pop level arrays, and the system-reset state. Everything
//! is loaded with `get` and written back with explicit columns.

use ghostnet_common::bps_of;
use wraith_sdk::{Address, B256, Ctx, Key, Row, U256, Write};

/// Reward index precision of the MasterChef accounting (`PRECISION`).
pub(crate) const PRECISION: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
/// Reset penalty, applied once per position however many resets it missed.
pub(crate) const RESET_PENALTY_BPS: u64 = 2500;
/// Default (and cap of the) system-reset deadline, seconds.
pub(crate) const RESET_WINDOW: i64 = 24 * 3600;
/// Scan interval per level at initialisation (CONTRACTS.md §4.1), seconds.
/// `updateLevelConfig` changes it without an event.
pub(crate) const DEFAULT_SCAN_INTERVAL: [i64; 5] = [4 * 3600, 3 * 3600, 2 * 3600, 3600, 1800];
/// How many haircut applications [`haircut_chain`] follows at most; a
/// position can only be cut once per missed reset, and each cut removes a
/// quarter, so a few dozen levels exhaust any 256-bit amount anyway.
const MAX_HAIRCUTS: i64 = 256;

fn opt_u256(row: &Row, col: &str) -> wraith_sdk::Result<Option<U256>> {
    if row.is_null(col)? {
        Ok(None)
    } else {
        row.u256(col).map(Some)
    }
}

fn opt_i64(row: &Row, col: &str) -> wraith_sdk::Result<Option<i64>> {
    if row.is_null(col)? {
        Ok(None)
    } else {
        row.i64(col).map(Some)
    }
}

fn opt_ts(row: &Row, col: &str) -> wraith_sdk::Result<Option<i64>> {
    if row.is_null(col)? {
        Ok(None)
    } else {
        row.timestamp(col).map(Some)
    }
}

fn level_of(row: &Row) -> wraith_sdk::Result<u8> {
    let l = row.i64("level")?;
    u8::try_from(l).map_err(|_| wraith_sdk::Error(format!("stored level {l} out of range")))
}

/// A position as stored in `positions` (the columns the model needs).
#[derive(Debug, Clone)]
pub(crate) struct Position {
    /// Owner.
    pub(crate) user: Address,
    /// Level 1–5.
    pub(crate) level: u8,
    /// The amount as the contract stores it, as far as the logs tell
    /// (a reset haircut settled silently by `claimRewards` shows up only at
    /// the owner's next visible event).
    pub(crate) amount: U256,
    /// Alive (not dead, culled or extracted).
    pub(crate) is_alive: bool,
    /// Deleted on-chain by `extract`/`emergencyWithdraw`.
    pub(crate) is_extracted: bool,
    /// Member of its level's array.
    pub(crate) in_level_array: bool,
    /// `_positionIndex` (0 when not a member).
    pub(crate) level_slot: i64,
    /// Materialised streak (see [`Level::streak_of`]).
    pub(crate) ghost_streak: i64,
    /// `survivor_rounds` of the level when `ghost_streak` was materialised.
    pub(crate) streak_mark: i64,
    /// Reset epoch the amount is settled for.
    pub(crate) settled_epoch: i64,
    /// Block of the `JackedIn` that opened this position.
    pub(crate) entry_block: i64,
}

impl Position {
    /// Read `user`'s row.
    pub(crate) fn load(ctx: &mut Ctx, user: Address) -> wraith_sdk::Result<Option<Self>> {
        let Some(row) = ctx.get("positions", Key::new("user_address", user))? else {
            return Ok(None);
        };
        Ok(Some(Self {
            user,
            level: level_of(&row)?,
            amount: row.u256("amount")?,
            is_alive: row.bool("is_alive")?,
            is_extracted: row.bool("is_extracted")?,
            in_level_array: row.bool("in_level_array")?,
            level_slot: row.i64("level_slot")?,
            ghost_streak: row.i64("ghost_streak")?,
            streak_mark: row.i64("streak_mark")?,
            settled_epoch: row.i64("settled_epoch")?,
            entry_block: row.i64("entry_block")?,
        }))
    }

    /// Read `user`'s row, failing if the handler has never seen the
    /// position (it started after the position was opened).
    pub(crate) fn require(ctx: &mut Ctx, user: Address, what: &str) -> wraith_sdk::Result<Self> {
        match Self::load(ctx, user)? {
            Some(p) => Ok(p),
            None => wraith_sdk::bail!(
                "{what} for {user:#x}, whose position was never indexed (index GhostCore from its deployment block)"
            ),
        }
    }

    /// `isAlive(user)` on-chain: a position exists and is alive.
    pub(crate) fn is_live(&self) -> bool {
        self.is_alive && !self.is_extracted
    }

    /// Resets this position has not settled yet.
    pub(crate) fn missed_resets(&self, state: &CoreState) -> i64 {
        (state.epoch - self.settled_epoch).max(0)
    }
}

/// The amounts a stored amount can have become after `0..=max` reset
/// haircuts (each cut takes `amount × 2500 / 10000`), starting with
/// `min` cuts. A position settles once per reset epoch it lives through;
/// settlements the logs do not show (`claimRewards`) leave the model
/// unsure how many cuts happened, so callers match the event value
/// against this list.
pub(crate) fn haircut_chain(amount: U256, min: i64, max: i64) -> wraith_sdk::Result<Vec<U256>> {
    let mut out = Vec::new();
    let mut a = amount;
    for k in 0..=max.min(MAX_HAIRCUTS) {
        if k >= min {
            out.push(a);
        }
        let cut = bps_of(a, RESET_PENALTY_BPS)?;
        if cut.is_zero() && k >= min {
            break;
        }
        a -= cut;
    }
    Ok(out)
}

/// Find the stored amount an event reveals among `candidates`, or fail.
pub(crate) fn match_amount(
    candidates: &[U256],
    actual: U256,
    what: &str,
    user: Address,
) -> wraith_sdk::Result<U256> {
    if candidates.contains(&actual) {
        Ok(actual)
    } else {
        wraith_sdk::bail!(
            "{what} of {user:#x}: the contract reports {actual}, the model allows only {candidates:?}"
        )
    }
}

/// The contract's `SystemReset` plus pause and initialisation facts, in
/// `ghost_core_state` (keyed by the GhostCore address).
#[derive(Debug, Clone)]
pub(crate) struct CoreState {
    /// GhostCore address.
    pub(crate) contract: Address,
    /// Paused.
    pub(crate) paused: bool,
    /// Reset epoch (starts at 1).
    pub(crate) epoch: i64,
    /// The last depositor since the previous reset (the jackpot winner).
    pub(crate) last_depositor: Option<Address>,
    /// Time of the last deposit.
    pub(crate) last_deposit_time: Option<i64>,
    /// Reset deadline; unknown when the handler missed the initialisation
    /// and no deposit has set it absolutely yet.
    pub(crate) reset_deadline: Option<i64>,
    /// Initialisation time.
    pub(crate) initialized_at: Option<i64>,
    /// Initialisation block.
    pub(crate) initialized_block: Option<i64>,
}

impl CoreState {
    /// Read the state of `contract` (defaults when absent).
    pub(crate) fn load(ctx: &mut Ctx, contract: Address) -> wraith_sdk::Result<Self> {
        let Some(row) = ctx.get("ghost_core_state", Key::new("contract_address", contract))? else {
            return Ok(Self {
                contract,
                paused: false,
                epoch: 1,
                last_depositor: None,
                last_deposit_time: None,
                reset_deadline: None,
                initialized_at: None,
                initialized_block: None,
            });
        };
        Ok(Self {
            contract,
            paused: row.bool("paused")?,
            epoch: row.i64("epoch")?,
            last_depositor: if row.is_null("last_depositor")? {
                None
            } else {
                Some(row.address("last_depositor")?)
            },
            last_deposit_time: opt_ts(&row, "last_deposit_time")?,
            reset_deadline: opt_ts(&row, "reset_deadline")?,
            initialized_at: opt_ts(&row, "initialized_at")?,
            initialized_block: opt_i64(&row, "initialized_block")?,
        })
    }

    /// Write every column.
    pub(crate) fn save(&self, ctx: &mut Ctx, block: u64) {
        ctx.push(
            Write::upsert("ghost_core_state")
                .key("contract_address", self.contract)
                .set("paused", self.paused)
                .set("epoch", self.epoch)
                .set("last_depositor", self.last_depositor)
                .set(
                    "last_deposit_time",
                    self.last_deposit_time.map(wraith_sdk::Timestamp),
                )
                .set(
                    "reset_deadline",
                    self.reset_deadline.map(wraith_sdk::Timestamp),
                )
                .set(
                    "initialized_at",
                    self.initialized_at.map(wraith_sdk::Timestamp),
                )
                .set("initialized_block", self.initialized_block)
                .set("updated_at_block", block),
        );
    }

    /// `_extendResetTimer(amount)` at time `now` by `user`.
    pub(crate) fn extend_reset_timer(&mut self, amount: U256, now: i64, user: Address) {
        let data = U256::from(10u64).pow(U256::from(18u64));
        let cap = now + RESET_WINDOW;
        if amount >= U256::from(1000u64) * data {
            self.reset_deadline = Some(cap);
        } else if let Some(deadline) = self.reset_deadline {
            let hours = if amount < U256::from(50u64) * data {
                1
            } else if amount < U256::from(200u64) * data {
                4
            } else if amount < U256::from(500u64) * data {
                8
            } else {
                16
            };
            let candidate = now + hours * 3600;
            self.reset_deadline = Some(deadline.max(candidate).min(cap));
        }
        self.last_depositor = Some(user);
        self.last_deposit_time = Some(now);
    }
}

/// One level: the contract's `LevelState`, its array length, the streak
/// round counter and the open scan, in `levels`.
#[derive(Debug, Clone)]
pub(crate) struct Level {
    /// 1–5.
    pub(crate) level: u8,
    /// `totalStaked` (see the crate docs for the one way it can drift).
    pub(crate) total_staked: U256,
    /// `aliveCount`.
    pub(crate) alive_count: i64,
    /// `accRewardsPerShare` (1e18 precision).
    pub(crate) acc: U256,
    /// Seconds between a finalisation and the next scan.
    pub(crate) scan_interval: i64,
    /// `nextScanTime`.
    pub(crate) next_scan_time: Option<i64>,
    /// The level's last executed scan.
    pub(crate) current_scan_id: Option<U256>,
    /// Block of its `ScanExecuted`.
    pub(crate) current_scan_block: Option<i64>,
    /// Number of `SurvivorsUpdated` so far (streak rounds).
    pub(crate) survivor_rounds: i64,
    /// Length of `_levelPositions[level]`.
    pub(crate) array_length: i64,
    /// Deaths so far.
    pub(crate) death_count: i64,
    /// Sum of the amounts lost in deaths.
    pub(crate) dead_amount: U256,
    /// Sum of `EmissionsAdded` amounts.
    pub(crate) emissions_reported: U256,
    /// The part reported while the level had no stake (credited to nobody).
    pub(crate) emissions_uncredited: U256,
    /// The last `DeathsProcessed` of this level awaiting its
    /// `DeathsSubmitted` (same transaction): tx, count, total.
    pub(crate) pending_deaths: Option<(B256, U256, U256)>,
}

impl Level {
    fn new(level: u8) -> Self {
        Self {
            level,
            total_staked: U256::ZERO,
            alive_count: 0,
            acc: U256::ZERO,
            scan_interval: DEFAULT_SCAN_INTERVAL[usize::from(level.saturating_sub(1)) % 5],
            next_scan_time: None,
            current_scan_id: None,
            current_scan_block: None,
            survivor_rounds: 0,
            array_length: 0,
            death_count: 0,
            dead_amount: U256::ZERO,
            emissions_reported: U256::ZERO,
            emissions_uncredited: U256::ZERO,
            pending_deaths: None,
        }
    }

    /// Read level `level` (defaults when absent).
    pub(crate) fn load(ctx: &mut Ctx, level: u8) -> wraith_sdk::Result<Self> {
        let Some(row) = ctx.get("levels", Key::new("level", level))? else {
            return Ok(Self::new(level));
        };
        let pending = match (
            row.is_null("pending_deaths_tx")?,
            opt_u256(&row, "pending_deaths_count")?,
            opt_u256(&row, "pending_deaths_total")?,
        ) {
            (false, Some(count), Some(total)) => {
                Some((row.b256("pending_deaths_tx")?, count, total))
            }
            _ => None,
        };
        Ok(Self {
            level,
            total_staked: row.u256("total_staked")?,
            alive_count: row.i64("alive_count")?,
            acc: row.u256("acc_rewards_per_share")?,
            scan_interval: row.i64("scan_interval")?,
            next_scan_time: opt_ts(&row, "next_scan_time")?,
            current_scan_id: opt_u256(&row, "current_scan_id")?,
            current_scan_block: opt_i64(&row, "current_scan_block")?,
            survivor_rounds: row.i64("survivor_rounds")?,
            array_length: row.i64("array_length")?,
            death_count: row.i64("death_count")?,
            dead_amount: row.u256("dead_amount")?,
            emissions_reported: row.u256("emissions_reported")?,
            emissions_uncredited: row.u256("emissions_uncredited")?,
            pending_deaths: pending,
        })
    }

    /// All five levels, in order.
    pub(crate) fn load_all(ctx: &mut Ctx) -> wraith_sdk::Result<Vec<Self>> {
        (1..=5u8).map(|l| Self::load(ctx, l)).collect()
    }

    /// Write every column.
    pub(crate) fn save(&self, ctx: &mut Ctx, block: u64) {
        let (tx, count, total) = match self.pending_deaths {
            Some((tx, c, t)) => (Some(tx), Some(c), Some(t)),
            None => (None, None, None),
        };
        ctx.push(
            Write::upsert("levels")
                .key("level", self.level)
                .set("total_staked", self.total_staked)
                .set("alive_count", self.alive_count)
                .set("acc_rewards_per_share", self.acc)
                .set("scan_interval", self.scan_interval)
                .set(
                    "next_scan_time",
                    self.next_scan_time.map(wraith_sdk::Timestamp),
                )
                .set("current_scan_id", self.current_scan_id)
                .set("current_scan_block", self.current_scan_block)
                .set("survivor_rounds", self.survivor_rounds)
                .set("array_length", self.array_length)
                .set("death_count", self.death_count)
                .set("dead_amount", self.dead_amount)
                .set("emissions_reported", self.emissions_reported)
                .set("emissions_uncredited", self.emissions_uncredited)
                .set("pending_deaths_tx", tx)
                .set("pending_deaths_count", count)
                .set("pending_deaths_total", total)
                .set("updated_at_block", block),
        );
    }

    /// The contract's `ghostStreak` of `pos` right now: members of the
    /// array gained one per `SurvivorsUpdated` since the streak was
    /// materialised; everybody else is frozen.
    pub(crate) fn streak_of(&self, pos: &Position) -> i64 {
        if pos.in_level_array && pos.level == self.level {
            pos.ghost_streak + (self.survivor_rounds - pos.streak_mark)
        } else {
            pos.ghost_streak
        }
    }

    /// `totalStaked += amount`.
    pub(crate) fn add_stake(&mut self, amount: U256) -> wraith_sdk::Result<()> {
        self.total_staked = self
            .total_staked
            .checked_add(amount)
            .ok_or_else(|| wraith_sdk::Error(format!("level {} total overflows", self.level)))?;
        Ok(())
    }

    /// `totalStaked -= amount` (the contract would revert on underflow, so
    /// an underflow here means the model is wrong).
    pub(crate) fn sub_stake(&mut self, amount: U256) -> wraith_sdk::Result<()> {
        self.total_staked = self.total_staked.checked_sub(amount).ok_or_else(|| {
            wraith_sdk::Error(format!(
                "level {} total {} cannot lose {amount}: the model diverged from the contract",
                self.level, self.total_staked
            ))
        })?;
        Ok(())
    }

    /// `addStake` on a position of this level, as the contract orders it:
    /// `_settleResetPenalty` takes the pending `haircut` off the total,
    /// then `totalStaked += amount`. Never "minus the old stored amount,
    /// plus `newTotal`": after a dead position's `emergencyWithdraw` the
    /// total is below the sum of the alive amounts (CONTRACTS.md §3.1), so
    /// that detour can underflow where the contract does not.
    pub(crate) fn top_up(&mut self, haircut: U256, amount: U256) -> wraith_sdk::Result<()> {
        self.sub_stake(haircut)?;
        self.add_stake(amount)
    }

    /// A position of this level leaves it through `extract` or
    /// `emergencyWithdraw`: `totalStaked -= stored` and, if it was alive,
    /// `aliveCount -= 1`. `emergencyWithdraw` does this for a dead (or
    /// culled) position too, whose amount already left the total when it
    /// died: the total loses it a second time (upstream quirk, reproduced).
    pub(crate) fn withdraw(&mut self, stored: U256, alive: bool) -> wraith_sdk::Result<()> {
        self.sub_stake(stored)?;
        if alive {
            self.sub_alive()?;
        }
        Ok(())
    }

    /// `aliveCount -= 1`.
    pub(crate) fn sub_alive(&mut self) -> wraith_sdk::Result<()> {
        if self.alive_count == 0 {
            wraith_sdk::bail!("level {} alive count would go below zero", self.level);
        }
        self.alive_count -= 1;
        Ok(())
    }

    /// Credit `amount` to the level's stakers: `acc += amount × 1e18 /
    /// totalStaked` if the level has stake. Returns whether it did.
    pub(crate) fn credit(&mut self, amount: U256) -> wraith_sdk::Result<bool> {
        if self.total_staked.is_zero() {
            return Ok(false);
        }
        let inc = ghostnet_common::mul_div(amount, PRECISION, self.total_staked)?;
        self.acc = self.acc.checked_add(inc).ok_or_else(|| {
            wraith_sdk::Error(format!("level {} reward index overflows", self.level))
        })?;
        Ok(true)
    }

    /// The member at `slot` of the level array.
    pub(crate) fn slot(&self, ctx: &mut Ctx, slot: i64) -> wraith_sdk::Result<Address> {
        match ctx.get(
            "level_slots",
            Key::new("level", self.level).and("slot", slot),
        )? {
            Some(row) => row.address("user_address"),
            None => wraith_sdk::bail!(
                "level {} array has length {} but slot {slot} is empty",
                self.level,
                self.array_length
            ),
        }
    }

    /// `_levelPositions[level].push(user)`; returns the slot. The caller
    /// writes the position's `level_slot`/`in_level_array`.
    pub(crate) fn push(&mut self, ctx: &mut Ctx, user: Address) -> i64 {
        let slot = self.array_length;
        ctx.push(
            Write::upsert("level_slots")
                .key("level", self.level)
                .key("slot", slot)
                .set("user_address", user),
        );
        self.array_length += 1;
        slot
    }

    /// `_removeFromLevel(level, user)`: swap-and-pop at the stored index,
    /// which is 0 for a position that is not a member (a dead position
    /// being emergency-withdrawn, or one dropped earlier) — then the
    /// member at slot 0 is dropped although it stays alive (upstream
    /// quirk, CONTRACTS.md §3.1). The caller writes `pos`'s own columns
    /// (`in_level_array = false`, `level_slot = 0`).
    pub(crate) fn remove(&mut self, ctx: &mut Ctx, pos: &Position) -> wraith_sdk::Result<()> {
        let idx = if pos.in_level_array {
            pos.level_slot
        } else {
            0
        };
        let len = self.array_length;
        if len == 0 || idx >= len {
            return Ok(());
        }
        let at_idx = if pos.in_level_array {
            pos.user
        } else {
            self.slot(ctx, idx)?
        };
        let last = self.slot(ctx, len - 1)?;
        if at_idx != pos.user {
            // An unrelated alive member leaves the array: it stops gaining
            // streak points and can no longer be culled. Freeze its streak.
            let dropped = Position::require(ctx, at_idx, "dropping a level-array member")?;
            let streak = self.streak_of(&dropped);
            ctx.warn(&format!(
                "level {}: removing {:#x} (not in the level array) drops {:#x} from slot {idx}",
                self.level, pos.user, at_idx
            ));
            ctx.push(
                Write::update("positions")
                    .key("user_address", at_idx)
                    .set("in_level_array", false)
                    .set("level_slot", 0i64)
                    .set("ghost_streak", streak)
                    .set("streak_mark", self.survivor_rounds),
            );
        }
        if idx != len - 1 {
            ctx.push(
                Write::upsert("level_slots")
                    .key("level", self.level)
                    .key("slot", idx)
                    .set("user_address", last),
            );
            ctx.push(
                Write::update("positions")
                    .key("user_address", last)
                    .set("level_slot", idx),
            );
        }
        ctx.push(
            Write::delete("level_slots")
                .key("level", self.level)
                .key("slot", len - 1),
        );
        self.array_length -= 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haircut_chain_lists_each_possible_settlement() {
        let a = U256::from(1000u64);
        assert_eq!(haircut_chain(a, 0, 0).unwrap(), vec![a]);
        assert_eq!(
            haircut_chain(a, 0, 2).unwrap(),
            vec![a, U256::from(750u64), U256::from(563u64)]
        );
        assert_eq!(
            haircut_chain(a, 1, 2).unwrap(),
            vec![U256::from(750u64), U256::from(563u64)]
        );
    }

    #[test]
    fn dead_emergency_withdrawal_lowers_the_total_twice_and_later_top_ups_only_add() {
        let d = |n: u64| U256::from(n);
        let mut lvl = Level::new(2);
        // Three alive positions: 100, 50 and 80.
        for a in [100, 50, 80] {
            lvl.add_stake(d(a)).unwrap();
            lvl.alive_count += 1;
        }
        // The 100 dies (processDeaths): its amount leaves the total.
        lvl.sub_stake(d(100)).unwrap();
        lvl.sub_alive().unwrap();
        assert_eq!((lvl.total_staked, lvl.alive_count), (d(130), 2));
        // emergencyWithdraw of the dead position: the contract takes the
        // pre-death amount off the total again; the alive count stays.
        lvl.withdraw(d(100), false).unwrap();
        assert_eq!((lvl.total_staked, lvl.alive_count), (d(30), 2));
        // The total (30) is now below the alive amounts (50 + 80). addStake
        // of 10 by the 50 only adds (no settled haircut): 40, no underflow
        // although the position's stored amount exceeds the total.
        lvl.top_up(U256::ZERO, d(10)).unwrap();
        assert_eq!(lvl.total_staked, d(40));
        // With a settled haircut: the cut leaves first, then the amount joins.
        lvl.top_up(d(15), d(5)).unwrap();
        assert_eq!(lvl.total_staked, d(30));
        // Extracting the 60 would underflow on-chain (the transaction
        // reverts), so an Extracted for it means the model diverged.
        assert!(lvl.withdraw(d(60), true).is_err());
        // The 30 left can go; the alive count follows.
        lvl.withdraw(d(30), true).unwrap();
        assert_eq!((lvl.total_staked, lvl.alive_count), (U256::ZERO, 1));
    }

    #[test]
    fn reset_timer_tiers_and_cap() {
        let mut s = CoreState {
            contract: Address::ZERO,
            paused: false,
            epoch: 1,
            last_depositor: None,
            last_deposit_time: None,
            reset_deadline: Some(100_000),
            initialized_at: None,
            initialized_block: None,
        };
        let data = U256::from(10u64).pow(U256::from(18u64));
        // +4 h from now, later than the deadline
        s.extend_reset_timer(U256::from(100u64) * data, 90_000, Address::ZERO);
        assert_eq!(s.reset_deadline, Some(90_000 + 4 * 3600));
        // a small deposit never shortens it
        s.extend_reset_timer(U256::from(10u64) * data, 90_001, Address::ZERO);
        assert_eq!(s.reset_deadline, Some(90_000 + 4 * 3600));
        // >= 1000 DATA: exactly now + 24 h
        s.extend_reset_timer(U256::from(1000u64) * data, 90_002, Address::repeat_byte(1));
        assert_eq!(s.reset_deadline, Some(90_002 + RESET_WINDOW));
        assert_eq!(s.last_depositor, Some(Address::repeat_byte(1)));
    }
}
