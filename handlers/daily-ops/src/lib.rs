//! GHOSTNET DailyOps handler: daily mission claims, streaks, milestones,
//! badges, streak shields and the reward treasury.
//!
//! Models `DailyOps` (`shared/ghostnet/CONTRACTS.md` §3.13) for every
//! contract bound to the logical contract `"DailyOps"`. Days are UTC day
//! numbers (block timestamp ÷ 86400), as the contract counts them.
//!
//! * **Claim** log order: `ShieldUsed` or `StreakBroken` (streak update),
//!   `BadgeEarned` (if a milestone awards one), the DATA transfer,
//!   `DailyRewardClaimed(player, day, missionId, reward, newStreak)`, then
//!   `MilestoneReached(streak, bonus)` if any. `reward` **excludes** the
//!   milestone bonus paid in the same transfer.
//! * **Streaks** (`daily_ops_streaks`, mirrors `getStreak`): the current
//!   streak is `newStreak`; the longest is the maximum `newStreak` seen (the
//!   contract raises it only when the current streak exceeds it); the last
//!   claimed day is the claim's day; `total_claimed` is rewards plus
//!   bonuses; `missions_completed` counts claims. Each claim row
//!   (`daily_ops_claims`) says how the streak moved: `shielded` or `broken`
//!   when a `ShieldUsed` / `StreakBroken` of the same transaction preceded it
//!   (remembered in `last_streak_event(_tx)`), otherwise `first` (new streak
//!   of 1) or `consecutive`.
//! * **Milestones** (7 days +500, 21 +1 000, 30 +5 000, 90 +15 000 DATA;
//!   each once per player): one `MilestoneReached` carries the **summed**
//!   bonus of every milestone reached at that streak. The handler
//!   determines which ones exactly as the contract does (every milestone ≤
//!   the streak not yet paid to this player), checks that their bonuses sum
//!   to the event's value (a mismatch fails the batch), records one row per
//!   milestone (`daily_ops_milestones`) and marks them paid.
//! * **Badges** (`daily_ops_badges`, mirrors `getBadges`): WEEK_WARRIOR
//!   (7), DEDICATED_OPERATOR (30), LEGEND (90) — ids are keccak256 of the
//!   names; `earned_at` is the block time (the contract's `earnedAt`).
//! * **Shields**: `ShieldPurchased(days, expiryDay, cost)` sets the shield's
//!   expiry day; the cost was sent to `0xdEaD` (`total_burned`, mirrors
//!   `totalBurned()`). `ShieldUsed(day)` means a shield bridged the gap to
//!   the claim `day`.
//! * **Treasury**: `TreasuryFunded` adds to `total_funded`; claims add
//!   reward and bonus to `total_distributed` (mirrors `totalDistributed()`).
//! * **Administration** (AccessControlDefaultAdminRules): `RoleGranted`,
//!   `RoleRevoked`, `RoleAdminChanged` and the four `DefaultAdmin*` events
//!   are appended to the shared audit trail `arcade_admin_events`; the
//!   pending default-admin transfer and delay change are kept in
//!   `daily_ops_contracts`. An accepted transfer emits no `DefaultAdmin*`
//!   event, only `RoleRevoked`/`RoleGranted` of `DEFAULT_ADMIN_ROLE`: the
//!   grant to the pending admin clears the pending transfer. A scheduled
//!   delay change takes effect at its schedule with no event; the handler
//!   keeps the schedule, not a guess of the effective delay.
//!
//! Feed messages go to `ghostnet.daily-ops`.

use wraith_sdk::{
    Address, B256, Ctx, Ev, Json, Key, Message, Meta, Timestamp, U256, Write, json, sol,
};

sol! {
    /// DailyOps's events (CONTRACTS.md §3.13, §3.16).
    #[sol(abi)]
    contract DailyOps {
        event DailyRewardClaimed(address indexed player, uint64 indexed day, bytes32 indexed missionId, uint256 reward, uint32 newStreak);
        event MilestoneReached(address indexed player, uint32 streak, uint256 bonusReward);
        event BadgeEarned(address indexed player, bytes32 indexed badgeId);
        event StreakBroken(address indexed player, uint32 previousStreak);
        event ShieldPurchased(address indexed player, uint8 days_, uint64 expiryDay, uint256 cost);
        event ShieldUsed(address indexed player, uint64 day);
        event TreasuryFunded(address indexed funder, uint256 amount);
        event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender);
        event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender);
        event RoleAdminChanged(bytes32 indexed role, bytes32 indexed previousAdminRole, bytes32 indexed newAdminRole);
        event DefaultAdminTransferScheduled(address indexed newAdmin, uint48 acceptSchedule);
        event DefaultAdminTransferCanceled();
        event DefaultAdminDelayChangeScheduled(uint48 newDelay, uint48 effectSchedule);
        event DefaultAdminDelayChangeCanceled();
    }
}

wraith_sdk::handler! {
    name: "daily-ops",
    tables: [
        daily_ops_contracts: Entity,
        daily_ops_streaks: Entity,
        daily_ops_claims: AppendOnly,
        daily_ops_milestones: AppendOnly,
        daily_ops_badges: Entity,
        daily_ops_shield_purchases: AppendOnly,
        daily_ops_streak_events: AppendOnly,
        daily_ops_fundings: AppendOnly,
        arcade_admin_events: AppendOnly,
    ],
    streams: ["ghostnet.daily-ops"],
    events: [
        "DailyOps": DailyOps::DailyRewardClaimed => on_daily_reward_claimed,
        "DailyOps": DailyOps::MilestoneReached => on_milestone_reached,
        "DailyOps": DailyOps::BadgeEarned => on_badge_earned,
        "DailyOps": DailyOps::StreakBroken => on_streak_broken,
        "DailyOps": DailyOps::ShieldPurchased => on_shield_purchased,
        "DailyOps": DailyOps::ShieldUsed => on_shield_used,
        "DailyOps": DailyOps::TreasuryFunded => on_treasury_funded,
        "DailyOps": DailyOps::RoleGranted => on_role_granted,
        "DailyOps": DailyOps::RoleRevoked => on_role_revoked,
        "DailyOps": DailyOps::RoleAdminChanged => on_role_admin_changed,
        "DailyOps": DailyOps::DefaultAdminTransferScheduled => on_admin_transfer_scheduled,
        "DailyOps": DailyOps::DefaultAdminTransferCanceled => on_admin_transfer_canceled,
        "DailyOps": DailyOps::DefaultAdminDelayChangeScheduled => on_admin_delay_scheduled,
        "DailyOps": DailyOps::DefaultAdminDelayChangeCanceled => on_admin_delay_canceled,
    ],
}

const STREAM: &str = "ghostnet.daily-ops";

/// One streak milestone of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Milestone {
    /// Streak length in days.
    pub days: u32,
    /// Bonus in whole DATA.
    pub bonus_data: u64,
    /// The badge it awards, by name.
    pub badge: Option<&'static str>,
}

/// The milestones, in the order the contract checks them.
pub const MILESTONES: [Milestone; 4] = [
    Milestone {
        days: 7,
        bonus_data: 500,
        badge: Some("WEEK_WARRIOR"),
    },
    Milestone {
        days: 21,
        bonus_data: 1_000,
        badge: None,
    },
    Milestone {
        days: 30,
        bonus_data: 5_000,
        badge: Some("DEDICATED_OPERATOR"),
    },
    Milestone {
        days: 90,
        bonus_data: 15_000,
        badge: Some("LEGEND"),
    },
];

impl Milestone {
    /// The bonus in DATA wei.
    pub fn bonus(&self) -> U256 {
        U256::from(self.bonus_data) * U256::from(10u64).pow(U256::from(18u64))
    }

    /// The badge id: keccak256 of the badge name.
    pub fn badge_id(&self) -> Option<B256> {
        self.badge
            .map(|n| wraith_sdk::primitives::keccak256(n.as_bytes()))
    }

    fn column(&self) -> String {
        format!("milestone_{}", self.days)
    }
}

/// The milestones a claim reaching `streak` pays, given which were already
/// paid (`paid(days)`): every milestone at or below the streak not yet paid.
pub fn reached(streak: u32, paid: impl Fn(u32) -> bool) -> Vec<Milestone> {
    MILESTONES
        .into_iter()
        .filter(|m| streak >= m.days && !paid(m.days))
        .collect()
}

/// The name of a badge id, if it is one of the contract's.
pub fn badge_name(id: B256) -> Option<&'static str> {
    MILESTONES
        .iter()
        .filter_map(|m| m.badge.zip(m.badge_id()))
        .find(|(_, b)| *b == id)
        .map(|(n, _)| n)
}

fn hex(a: Address) -> String {
    format!("{a:#x}")
}

fn time(meta: &Meta) -> Timestamp {
    Timestamp(i64::try_from(meta.block_timestamp).unwrap_or(i64::MAX))
}

fn streak_key(meta: &Meta, player: Address) -> Key {
    Key::new("daily_ops", meta.address).and("player", player)
}

fn streak_row(meta: &Meta, player: Address) -> Write {
    Write::upsert("daily_ops_streaks")
        .key("daily_ops", meta.address)
        .key("player", player)
        .set("updated_at_block", meta.block_number)
}

fn contract_row(meta: &Meta) -> Write {
    Write::upsert("daily_ops_contracts")
        .key("daily_ops", meta.address)
        .set("updated_at_block", meta.block_number)
}

fn feed(
    ctx: &mut Ctx,
    meta: &Meta,
    player: Address,
    kind: &str,
    data: wraith_sdk::serde_json::Value,
) {
    ctx.push(Message::new(
        STREAM,
        hex(player),
        json!({
            "type": kind,
            "data": data,
            "daily_ops": hex(meta.address),
            "timestamp": meta.block_timestamp * 1000,
        }),
    ));
}

// ─── Claims and streaks ──────────────────────────────────────────────────────

fn on_streak_broken(ctx: &mut Ctx, ev: &Ev<DailyOps::StreakBroken>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    ctx.push(
        streak_row(m, ev.player)
            .add("streaks_broken", 1u32)
            .set("last_streak_event", "broken")
            .set("last_streak_event_tx", m.tx_hash),
    );
    ctx.push(
        Write::insert("daily_ops_streak_events")
            .meta(m)
            .col("daily_ops", m.address)
            .col("player", ev.player)
            .col("kind", "broken")
            .col("previous_streak", ev.previousStreak),
    );
    feed(
        ctx,
        m,
        ev.player,
        "STREAK_BROKEN",
        json!({"player": hex(ev.player), "previous_streak": ev.previousStreak}),
    );
    Ok(())
}

fn on_shield_used(ctx: &mut Ctx, ev: &Ev<DailyOps::ShieldUsed>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    ctx.push(
        streak_row(m, ev.player)
            .add("shields_used", 1u32)
            .set("last_streak_event", "shield_used")
            .set("last_streak_event_tx", m.tx_hash),
    );
    ctx.push(
        Write::insert("daily_ops_streak_events")
            .meta(m)
            .col("daily_ops", m.address)
            .col("player", ev.player)
            .col("kind", "shield_used")
            .col("day", ev.day),
    );
    Ok(())
}

fn on_daily_reward_claimed(
    ctx: &mut Ctx,
    ev: &Ev<DailyOps::DailyRewardClaimed>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let row = ctx.get("daily_ops_streaks", streak_key(m, ev.player))?;
    let (previous, event) = match &row {
        Some(r) => {
            let same_tx =
                !r.is_null("last_streak_event_tx")? && r.b256("last_streak_event_tx")? == m.tx_hash;
            let event = if same_tx {
                Some(r.text("last_streak_event")?)
            } else {
                None
            };
            (r.i64("current_streak")?, event)
        }
        None => (0, None),
    };
    let change = match event.as_deref() {
        Some("shield_used") => "shielded",
        Some("broken") => "broken",
        _ if ev.newStreak == 1 => "first",
        _ => "consecutive",
    };
    ctx.push(
        streak_row(m, ev.player)
            .set("current_streak", ev.newStreak)
            .max("longest_streak", ev.newStreak)
            .set("last_claim_day", ev.day)
            .add("missions_completed", 1u32)
            .add("total_rewards", ev.reward)
            .add("total_claimed", ev.reward),
    );
    ctx.push(
        contract_row(m)
            .add("total_distributed", ev.reward)
            .add("total_rewards", ev.reward)
            .add("claims", 1u32),
    );
    ctx.push(
        Write::insert("daily_ops_claims")
            .meta(m)
            .col("daily_ops", m.address)
            .col("player", ev.player)
            .col("day", ev.day)
            .col("mission_id", ev.missionId)
            .col("reward", ev.reward)
            .col("new_streak", ev.newStreak)
            .col("previous_streak", previous)
            .col("streak_change", change),
    );
    feed(
        ctx,
        m,
        ev.player,
        "DAILY_CLAIMED",
        json!({
            "player": hex(ev.player),
            "day": ev.day,
            "mission_id": format!("{:#x}", ev.missionId),
            "reward": ev.reward.to_string(),
            "streak": ev.newStreak,
            "streak_change": change,
        }),
    );
    Ok(())
}

fn on_milestone_reached(
    ctx: &mut Ctx,
    ev: &Ev<DailyOps::MilestoneReached>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let row = ctx.get("daily_ops_streaks", streak_key(m, ev.player))?;
    let mut paid = Vec::new();
    for ms in MILESTONES {
        let done = match &row {
            Some(r) => r.bool(&ms.column())?,
            None => false,
        };
        if done {
            paid.push(ms.days);
        }
    }
    let milestones = reached(ev.streak, |d| paid.contains(&d));
    let sum = milestones
        .iter()
        .fold(U256::ZERO, |acc, ms| acc + ms.bonus());
    if sum != ev.bonusReward {
        wraith_sdk::bail!(
            "MilestoneReached({}, streak {}, bonus {}) but the unpaid milestones {:?} sum to {sum}",
            hex(ev.player),
            ev.streak,
            ev.bonusReward,
            milestones.iter().map(|ms| ms.days).collect::<Vec<_>>()
        );
    }
    let mut streak = streak_row(m, ev.player)
        .add("total_bonus", ev.bonusReward)
        .add("total_claimed", ev.bonusReward);
    for ms in &milestones {
        streak = streak.set(&ms.column(), true);
        ctx.push(
            Write::insert("daily_ops_milestones")
                .meta(m)
                .col("daily_ops", m.address)
                .col("player", ev.player)
                .col("milestone_days", ms.days)
                .col("streak", ev.streak)
                .col("bonus", ms.bonus())
                .col("total_bonus", ev.bonusReward)
                .col("badge_id", ms.badge_id()),
        );
    }
    ctx.push(streak);
    ctx.push(
        contract_row(m)
            .add("total_distributed", ev.bonusReward)
            .add("total_bonus", ev.bonusReward),
    );
    feed(
        ctx,
        m,
        ev.player,
        "MILESTONE_REACHED",
        json!({
            "player": hex(ev.player),
            "streak": ev.streak,
            "bonus": ev.bonusReward.to_string(),
            "milestones": milestones.iter().map(|ms| ms.days).collect::<Vec<_>>(),
        }),
    );
    Ok(())
}

fn on_badge_earned(ctx: &mut Ctx, ev: &Ev<DailyOps::BadgeEarned>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let name = badge_name(ev.badgeId);
    ctx.push(
        Write::upsert("daily_ops_badges")
            .key("daily_ops", m.address)
            .key("player", ev.player)
            .key("badge_id", ev.badgeId)
            .set("badge_name", name)
            .set("earned_at", time(m))
            .set("earned_block", m.block_number)
            .set("tx_hash", m.tx_hash),
    );
    feed(
        ctx,
        m,
        ev.player,
        "BADGE_EARNED",
        json!({"player": hex(ev.player), "badge_id": format!("{:#x}", ev.badgeId), "badge": name}),
    );
    Ok(())
}

// ─── Shields and treasury ────────────────────────────────────────────────────

fn on_shield_purchased(
    ctx: &mut Ctx,
    ev: &Ev<DailyOps::ShieldPurchased>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    ctx.push(
        streak_row(m, ev.player)
            .set("shield_expiry_day", ev.expiryDay)
            .add("shields_purchased", 1u32),
    );
    // The cost is sent to 0xdEaD.
    ctx.push(contract_row(m).add("total_burned", ev.cost));
    ctx.push(
        Write::insert("daily_ops_shield_purchases")
            .meta(m)
            .col("daily_ops", m.address)
            .col("player", ev.player)
            .col("days", ev.days_)
            .col("expiry_day", ev.expiryDay)
            .col("cost", ev.cost),
    );
    feed(
        ctx,
        m,
        ev.player,
        "SHIELD_PURCHASED",
        json!({
            "player": hex(ev.player),
            "days": ev.days_,
            "expiry_day": ev.expiryDay,
            "cost": ev.cost.to_string(),
        }),
    );
    Ok(())
}

fn on_treasury_funded(ctx: &mut Ctx, ev: &Ev<DailyOps::TreasuryFunded>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    ctx.push(contract_row(m).add("total_funded", ev.amount));
    ctx.push(
        Write::insert("daily_ops_fundings")
            .meta(m)
            .col("daily_ops", m.address)
            .col("funder", ev.funder)
            .col("amount", ev.amount),
    );
    Ok(())
}

// ─── Administration ──────────────────────────────────────────────────────────

fn audit(ctx: &mut Ctx, meta: &Meta, event: &str, args: wraith_sdk::serde_json::Value) {
    ctx.push(
        Write::insert("arcade_admin_events")
            .meta(meta)
            .col("contract_address", meta.address)
            .col("contract_name", "DailyOps")
            .col("event_name", event)
            .col("args", Json(args)),
    );
}

fn on_role_granted(ctx: &mut Ctx, ev: &Ev<DailyOps::RoleGranted>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    if ev.role == B256::ZERO {
        // A new default admin; if it was the pending one, the transfer was
        // accepted (no DefaultAdmin* event for that).
        let pending = match ctx.get("daily_ops_contracts", Key::new("daily_ops", m.address))? {
            Some(r) if !r.is_null("pending_default_admin")? => {
                Some(r.address("pending_default_admin")?)
            }
            _ => None,
        };
        let mut w = contract_row(m).set("default_admin", ev.account);
        if pending == Some(ev.account) {
            w = w
                .set("pending_default_admin", None::<Address>)
                .set("pending_admin_schedule", None::<Timestamp>);
        }
        ctx.push(w);
    }
    audit(
        ctx,
        m,
        "RoleGranted",
        json!({"role": format!("{:#x}", ev.role), "account": hex(ev.account), "sender": hex(ev.sender)}),
    );
    Ok(())
}

fn on_role_revoked(ctx: &mut Ctx, ev: &Ev<DailyOps::RoleRevoked>) -> wraith_sdk::Result<()> {
    audit(
        ctx,
        &ev.meta,
        "RoleRevoked",
        json!({"role": format!("{:#x}", ev.role), "account": hex(ev.account), "sender": hex(ev.sender)}),
    );
    Ok(())
}

fn on_role_admin_changed(
    ctx: &mut Ctx,
    ev: &Ev<DailyOps::RoleAdminChanged>,
) -> wraith_sdk::Result<()> {
    audit(
        ctx,
        &ev.meta,
        "RoleAdminChanged",
        json!({
            "role": format!("{:#x}", ev.role),
            "previous_admin_role": format!("{:#x}", ev.previousAdminRole),
            "new_admin_role": format!("{:#x}", ev.newAdminRole),
        }),
    );
    Ok(())
}

fn on_admin_transfer_scheduled(
    ctx: &mut Ctx,
    ev: &Ev<DailyOps::DefaultAdminTransferScheduled>,
) -> wraith_sdk::Result<()> {
    let schedule = ev.acceptSchedule.to::<u64>();
    ctx.push(
        contract_row(&ev.meta)
            .set("pending_default_admin", ev.newAdmin)
            .set(
                "pending_admin_schedule",
                Timestamp(i64::try_from(schedule).unwrap_or(i64::MAX)),
            ),
    );
    audit(
        ctx,
        &ev.meta,
        "DefaultAdminTransferScheduled",
        json!({"new_admin": hex(ev.newAdmin), "accept_schedule": schedule.to_string()}),
    );
    Ok(())
}

fn on_admin_transfer_canceled(
    ctx: &mut Ctx,
    ev: &Ev<DailyOps::DefaultAdminTransferCanceled>,
) -> wraith_sdk::Result<()> {
    ctx.push(
        contract_row(&ev.meta)
            .set("pending_default_admin", None::<Address>)
            .set("pending_admin_schedule", None::<Timestamp>),
    );
    audit(ctx, &ev.meta, "DefaultAdminTransferCanceled", json!({}));
    Ok(())
}

fn on_admin_delay_scheduled(
    ctx: &mut Ctx,
    ev: &Ev<DailyOps::DefaultAdminDelayChangeScheduled>,
) -> wraith_sdk::Result<()> {
    let delay = ev.newDelay.to::<u64>();
    let effect = ev.effectSchedule.to::<u64>();
    ctx.push(
        contract_row(&ev.meta)
            .set("pending_admin_delay", delay)
            .set(
                "pending_admin_delay_effect",
                Timestamp(i64::try_from(effect).unwrap_or(i64::MAX)),
            ),
    );
    audit(
        ctx,
        &ev.meta,
        "DefaultAdminDelayChangeScheduled",
        json!({"new_delay": delay.to_string(), "effect_schedule": effect.to_string()}),
    );
    Ok(())
}

fn on_admin_delay_canceled(
    ctx: &mut Ctx,
    ev: &Ev<DailyOps::DefaultAdminDelayChangeCanceled>,
) -> wraith_sdk::Result<()> {
    ctx.push(
        contract_row(&ev.meta)
            .set("pending_admin_delay", None::<u64>)
            .set("pending_admin_delay_effect", None::<Timestamp>),
    );
    audit(ctx, &ev.meta, "DefaultAdminDelayChangeCanceled", json!({}));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wraith_sdk::{Handler, SolEvent};

    #[test]
    fn badge_ids_are_the_documented_hashes() {
        let ids: Vec<String> = MILESTONES
            .iter()
            .filter_map(Milestone::badge_id)
            .map(|b| format!("{b:#x}"))
            .collect();
        assert_eq!(
            ids,
            vec![
                "0xbb05be1ac4f343cb5102c7e25b9859c60618ac81e9df70e923e36becfbf8bdec",
                "0x703348c17b22c830ec0f57142b032e30467069d89fa1393b307a5b606b277ec5",
                "0x00f987efeff9af1e02d101195f61071f9af273575b009447e5ddd60472ef85b2",
            ]
        );
        assert_eq!(
            badge_name(MILESTONES[2].badge_id().unwrap()),
            Some("DEDICATED_OPERATOR")
        );
        assert_eq!(badge_name(B256::ZERO), None);
    }

    #[test]
    fn reached_pays_every_unpaid_milestone_at_or_below_the_streak() {
        let days = |v: Vec<Milestone>| v.iter().map(|m| m.days).collect::<Vec<_>>();
        assert_eq!(days(reached(6, |_| false)), Vec::<u32>::new());
        assert_eq!(days(reached(7, |_| false)), vec![7]);
        // The contract sums every unpaid milestone at or below the streak.
        assert_eq!(days(reached(30, |_| false)), vec![7, 21, 30]);
        assert_eq!(days(reached(30, |d| d == 7)), vec![21, 30]);
        assert_eq!(days(reached(8, |d| d == 7)), Vec::<u32>::new());
        let bonus: U256 = reached(90, |_| false).iter().map(Milestone::bonus).sum();
        assert_eq!(
            bonus,
            U256::from(21_500u64) * U256::from(10u64).pow(U256::from(18u64))
        );
    }

    #[test]
    fn manifest_declares_fourteen_events() {
        let m = WraithHandler::manifest().into_wit();
        assert_eq!(m.events.len(), 14);
        assert_eq!(
            format!("{:#x}", DailyOps::DailyRewardClaimed::SIGNATURE_HASH),
            "0x621be46c969b0bde8aca44e4ce07d3a5200a1f23fe7edff074e2fbde29944f9d"
        );
        assert_eq!(
            format!("{:#x}", DailyOps::ShieldPurchased::SIGNATURE_HASH),
            "0x91ee68a5d7e5b517fc91b6c1a313fca20d33bea66775f598d411c72e55cdf590"
        );
        assert_eq!(
            format!(
                "{:#x}",
                DailyOps::DefaultAdminTransferScheduled::SIGNATURE_HASH
            ),
            "0x3377dc44241e779dd06afab5b788a35ca5f3b778836e2990bdb26a2a4b2e5ed6"
        );
    }

    #[test]
    fn declarations_parse_as_the_host_parses_them() {
        use alloy_sol_types::private::alloy_json_abi::Event;
        for e in WraithHandler::manifest().into_wit().events {
            let parsed =
                Event::parse(&e.signature).unwrap_or_else(|err| panic!("{}: {err}", e.signature));
            assert!(!parsed.anonymous, "{}", e.signature);
        }
    }
}
