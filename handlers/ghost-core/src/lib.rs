//! GHOSTNET GhostCore handler: positions, levels, deaths, streaks,
//! cascades, emissions and system resets.
//!
//! Models `GhostCore` (CONTRACTS.md §3.1, §4, §5) and the part of
//! `TraceScan` (§3.2) that decides who dies. Every event of GhostCore is
//! handled, including the inherited OpenZeppelin ones (§3.16, appended to
//! the shared `admin_events` audit trail); from TraceScan it takes
//! `ScanExecuted` (the open scan per level) and `DeathsSubmitted` (the
//! cross-check of the derived deaths). Bind both logical contracts:
//! `GhostCore` and `TraceScan`.
//!
//! # Positions (`positions`, `position_events`, `boosts`)
//!
//! * One position per address, keyed by the owner. A dead or culled
//!   position stays as a record (`is_alive = false`, `exit_reason`) with
//!   its pre-death amount; an extracted one stays (`is_extracted = true`)
//!   until the address jacks in again, which starts a new position in the
//!   same row. The history lives in the append-only `position_events`.
//! * `StakeAdded.newTotal` is authoritative; `Extracted` with zero rewards
//!   while GhostCore is paused is an `emergencyWithdraw` (pause tracked
//!   from `Paused`/`Unpaused`).
//! * Boosts are appended to `boosts`; YIELD_MULTIPLIER has no on-chain
//!   effect and is recorded as such.
//!
//! # Level state (`levels`, `level_slots`)
//!
//! The handler re-implements the contract's level bookkeeping exactly:
//! `totalStaked`, `aliveCount`, `accRewardsPerShare` and **the
//! swap-and-pop level array** (`_levelPositions`, `_positionIndex`,
//! mirrored by `level_slots` and `positions.level_slot`/`in_level_array`).
//! The array matters twice: culling takes **slot 0** (not the oldest or
//! the smallest position), and `SurvivorsUpdated` credits a streak point
//! to the array's members. The upstream quirk of `emergencyWithdraw` on a
//! dead position — `_positionIndex` was cleared at death, so slot 0, an
//! unrelated alive position, is dropped from the array (it stays alive but
//! no longer gains streak points and cannot be culled) — is reproduced,
//! and so is its effect on `totalStaked`: the dead position's amount,
//! which left the total at death, is subtracted a second time, so the
//! total falls below the sum of the alive amounts. Every total update
//! therefore follows the contract's own order (`addStake`: the settled
//! haircut off, then the added amount on — never "old amount off,
//! `newTotal` on", which would underflow where the contract does not).
//! Consistency checks fail loudly (handler error) when a log contradicts
//! the model: a culled victim that is not slot 0, a `SurvivorsUpdated`
//! count different from the array length, a cascade split that does not
//! match the level totals.
//!
//! `nextScanTime` = finalisation block time + scan interval, set at
//! `SurvivorsUpdated` (as the contract does). The interval is the level
//! default of §4.1 (`scan_interval`): `updateLevelConfig` emits no event,
//! so a changed interval is not visible here and `next_scan_time` is then
//! wrong until an operator corrects `levels.scan_interval`; `getLevelConfig`
//! by `eth_call` is the source of truth for configuration.
//!
//! # Streaks, without per-user writes
//!
//! A scan may have thousands of survivors, and the handler cannot list a
//! level's members without one `get` per member. Streaks are therefore
//! kept lazily: `levels.survivor_rounds` counts the level's
//! `SurvivorsUpdated`; a member's contract streak is
//! `ghost_streak + survivor_rounds − streak_mark`, and `ghost_streak` is
//! materialised (frozen) whenever the position leaves the array — death
//! (streak 0, the streak at death goes to `deaths`), culling (the streak
//! stays), extraction, or being dropped by the quirk above. The view
//! `positions_current` exposes the live value as `current_ghost_streak`.
//! One `SurvivorsUpdated` is O(1) whatever the number of survivors.
//!
//! # Deaths (`deaths`, `death_batches`, `scan_victims`)
//!
//! No event names the victims. They are derived from the transaction
//! input of `DeathsProcessed` (`[tx_input]`):
//!
//! * `submitDeaths(uint8,address[])` (selector `0xfd297588`): TraceScan's
//!   filter is applied in array order against the handler's own state
//!   *before* the batch — skip an address already processed in the scan
//!   (a duplicate earlier in the array, or a victim of an earlier batch of
//!   the same scan: `scan_victims`, read only for a position opened after
//!   the scan started), without an alive position, or at another level.
//!   Everything left died (otherwise the transaction would have reverted).
//! * `processDeaths(uint8,address[])` called directly by a SCANNER_ROLE
//!   holder: GhostCore's own filter (alive and at the level); `count` is
//!   then the length of the list.
//! * Any other calldata (a relayer or multicall) fails loudly: the victims
//!   are not in the top-level input.
//!
//! The derived count must equal `DeathsProcessed.count` and the sum of the
//! victims' stored amounts must equal `totalDead`, otherwise the handler
//! fails. `DeathsSubmitted` then must carry the same count and total and
//! the level's open scan id. A death sets `is_alive = false`,
//! `exit_reason = 'died'`, `ghost_streak = 0`, keeps the amount, removes
//! the position from the level array and writes one `deaths` row (scan,
//! level, user, amount lost, streak at death, batch index, submitter).
//!
//! # System reset (lazy haircut) and what the logs cannot show
//!
//! `SystemResetTriggered` does **not** kill anyone: positions stay alive
//! and each loses 25 % lazily at its owner's next `addStake`, `extract` or
//! `claimRewards`, once however many resets it missed. The handler keeps
//! the epoch a position is settled for (`settled_epoch`) and checks every
//! later `StakeAdded.newTotal` / `Extracted.amount` against it (the
//! difference is recorded as `position_events.haircut`). `jackpotWinner`
//! is always `0x0` in the event; the real winner — the sender of the last
//! `JackedIn`/`StakeAdded` since the previous reset — is stored in
//! `system_resets.jackpot_winner` (NULL and `jackpot_paid = false` when
//! nobody deposited: the amount is reported but not paid). The reset
//! deadline is followed from the deposit tiers.
//!
//! `claimRewards()` emits no GhostCore event (and no log at all when
//! nothing is pending) yet settles a pending haircut, lowering the stored
//! amount and the level total. The handler cannot see that moment. It
//! learns the haircut at the owner's next visible event — where the stored
//! amount the event reveals is matched against every possible number of
//! settled cuts, and for deaths the combination of settled cuts that makes
//! the batch add up to `totalDead` must be unique — and only then takes it
//! off the level total. Between a silent settlement and that event
//! `levels.total_staked` is higher than the contract's by the cut, and
//! reward-index increments computed in that window (`acc_rewards_per_share`)
//! use the higher total. Without such a `claimRewards` after a reset, the
//! level state is exact (the tests compare it with `getLevelState`).
//!
//! Per-user pending rewards are **not** stored: `claimRewards` resets the
//! reward debt without a GhostCore event, so any per-user figure would be
//! invented. Read `getPendingRewards(user)` by `eth_call`.
//!
//! # Cascades and emissions (`cascades`, `emissions`)
//!
//! `CascadeDistributed` credits 30 % to the source level (or, with no
//! stake left there, moves it upstream and reports 0) and the upstream
//! share to the safer levels pro rata to their stake; with no stake
//! upstream (always for VAULT) it is **burned** although reported as
//! `upstreamAmount` — recorded as `upstream_burned` with the per-level
//! credits as JSON. `EmissionsAdded` is credited only to a level with
//! stake; otherwise `credited = false` (reported, credited to nobody).
//! Culling credits 70 % of the penalty to the remaining stakers.
//!
//! # Streams
//!
//! Feed events (`type`, `data`, `timestamp` in ms): `JACK_IN`,
//! `STAKE_ADDED`, `EXTRACTED`, `POSITION_CULLED`, `BOOST_APPLIED` on
//! `ghostnet.positions` (keyed by user); `DEATHS_PROCESSED` on
//! `ghostnet.deaths` and `SYSTEM_RESET` (with the derived winner) on
//! `ghostnet.system` (keyed by level / contract).

mod deaths;
mod model;
mod players;
mod system;

use ghostnet_common::{Contract, Oz, hex};
use wraith_sdk::{Address, Ctx, Ev, Message, json, sol};

sol! {
    /// The GhostCore events (signatures from CONTRACTS.md §3.1).
    #[sol(abi)]
    contract GhostCore {
        event JackedIn(address indexed user, uint256 amount, uint8 indexed level, uint256 newTotal);
        event StakeAdded(address indexed user, uint256 amount, uint256 newTotal);
        event Extracted(address indexed user, uint256 amount, uint256 rewards);
        event DeathsProcessed(uint8 indexed level, uint256 count, uint256 totalDead, uint256 burned, uint256 distributed);
        event SurvivorsUpdated(uint8 indexed level, uint256 count);
        event CascadeDistributed(uint8 indexed sourceLevel, uint256 sameLevelAmount, uint256 upstreamAmount, uint256 burnAmount, uint256 protocolAmount);
        event EmissionsAdded(uint8 indexed level, uint256 amount);
        event BoostApplied(address indexed user, uint8 boostType, uint16 valueBps, uint64 expiry);
        event SystemResetTriggered(uint256 totalPenalty, address indexed jackpotWinner, uint256 jackpotAmount);
        event PositionCulled(address indexed victim, uint256 penaltyAmount, uint256 returnedAmount, address indexed newEntrant);

        function processDeaths(uint8 level, address[] deadUsers) external returns (uint256 totalDead);
    }

    /// The TraceScan events and the call the deaths are derived from
    /// (CONTRACTS.md §3.2).
    #[sol(abi)]
    contract TraceScan {
        event ScanExecuted(uint8 indexed level, uint256 indexed scanId, uint256 seed, uint64 executedAt);
        event DeathsSubmitted(uint8 indexed level, uint256 indexed scanId, uint256 count, uint256 totalDead, address indexed submitter);

        function submitDeaths(uint8 level, address[] deadUsers) external;
    }
}

/// The logical contract whose admin events this handler records.
#[derive(Debug)]
pub struct Core;

impl Contract for Core {
    const NAME: &'static str = "GhostCore";
}

wraith_sdk::handler! {
    name: "ghost-core",
    tables: [
        positions: Entity,
        position_events: AppendOnly,
        boosts: AppendOnly,
        ghost_core_state: Entity,
        levels: Entity,
        level_slots: Entity,
        scan_victims: Entity,
        deaths: AppendOnly,
        death_batches: AppendOnly,
        survivor_updates: AppendOnly,
        cascades: AppendOnly,
        emissions: AppendOnly,
        system_resets: AppendOnly,
        admin_events: AppendOnly,
    ],
    streams: ["ghostnet.positions", "ghostnet.deaths", "ghostnet.system"],
    events: [
        "GhostCore": GhostCore::JackedIn => players::on_jacked_in,
        "GhostCore": GhostCore::StakeAdded => players::on_stake_added,
        "GhostCore": GhostCore::Extracted => players::on_extracted,
        "GhostCore": GhostCore::PositionCulled => players::on_position_culled,
        "GhostCore": GhostCore::BoostApplied => players::on_boost_applied,
        "GhostCore": GhostCore::DeathsProcessed => deaths::on_deaths_processed [tx_input],
        "GhostCore": GhostCore::SurvivorsUpdated => deaths::on_survivors_updated,
        "GhostCore": GhostCore::CascadeDistributed => deaths::on_cascade_distributed,
        "GhostCore": GhostCore::EmissionsAdded => system::on_emissions_added,
        "GhostCore": GhostCore::SystemResetTriggered => system::on_system_reset,
        "GhostCore": Oz::Paused => system::on_paused,
        "GhostCore": Oz::Unpaused => system::on_unpaused,
        "GhostCore": Oz::Initialized => system::on_initialized,
        "GhostCore": Oz::Upgraded => ghostnet_common::admin::<Core, _>,
        "GhostCore": Oz::RoleGranted => ghostnet_common::admin::<Core, _>,
        "GhostCore": Oz::RoleRevoked => ghostnet_common::admin::<Core, _>,
        "GhostCore": Oz::RoleAdminChanged => ghostnet_common::admin::<Core, _>,
        "TraceScan": TraceScan::ScanExecuted => deaths::on_scan_executed,
        "TraceScan": TraceScan::DeathsSubmitted => deaths::on_deaths_submitted,
    ],
}

/// Publish a feed event (`{type, data, timestamp}`) on `stream`.
fn feed<E>(
    ctx: &mut Ctx,
    stream: &str,
    ev: &Ev<E>,
    key: String,
    kind: &str,
    data: wraith_sdk::serde_json::Value,
) {
    ctx.push(Message::new(
        stream,
        key,
        json!({
            "type": kind,
            "data": data,
            "timestamp": ev.meta.block_timestamp * 1000,
        }),
    ));
}

/// Feed key of a user.
fn user_key(user: Address) -> String {
    hex(user)
}
