//! GHOSTNET GhostCore handler: positions.
//!
//! Models the position lifecycle of `GhostCore` (see
//! `shared/ghostnet/CONTRACTS.md` §3.1):
//!
//! * one position per address, keyed by the owner in `positions`; a dead or
//!   culled position stays as a record (`is_alive = false`, `exit_reason`)
//!   with its pre-death amount; an extracted position stays too
//!   (`is_extracted = true`) until the address jacks in again, which starts
//!   a new position in the same row (the history of every position lives in
//!   the append-only `position_events`);
//! * `StakeAdded.newTotal` is authoritative: the amount is set, never added,
//!   so a silent system-reset haircut settled in the same call is reflected;
//! * `Extracted` with `rewards == 0` while GhostCore is paused is an
//!   `emergencyWithdraw` (the contract emits the same event for both), so
//!   the handler tracks `Paused`/`Unpaused`;
//! * a culled victim becomes dead (`exit_reason = 'culled'`), the penalty and
//!   the returned 20 % are recorded; the entrant's `JackedIn` follows in the
//!   same transaction;
//! * boosts are appended to `boosts`; YIELD_MULTIPLIER has no on-chain
//!   effect and is recorded as such.
//!
//! Every event is also published to the `ghostnet.positions` stream as a
//! feed event (`JACK_IN`, `STAKE_ADDED`, `EXTRACTED`, `POSITION_CULLED`,
//! `BOOST_APPLIED`) keyed by the user address.

use wraith_sdk::{Address, Ctx, Ev, Key, Message, Timestamp, U256, Write, json, sol};

sol! {
    /// The GhostCore events handled here (signatures from CONTRACTS.md §3.1).
    #[sol(abi)]
    contract GhostCore {
        event JackedIn(address indexed user, uint256 amount, uint8 indexed level, uint256 newTotal);
        event StakeAdded(address indexed user, uint256 amount, uint256 newTotal);
        event Extracted(address indexed user, uint256 amount, uint256 rewards);
        event PositionCulled(address indexed victim, uint256 penaltyAmount, uint256 returnedAmount, address indexed newEntrant);
        event BoostApplied(address indexed user, uint8 boostType, uint16 valueBps, uint64 expiry);
        event Paused(address account);
        event Unpaused(address account);
    }
}

wraith_sdk::handler! {
    name: "ghost-core",
    tables: [positions: Entity, position_events: AppendOnly, boosts: AppendOnly, ghost_core_state: Entity],
    streams: ["ghostnet.positions"],
    events: [
        "GhostCore": GhostCore::JackedIn => on_jacked_in,
        "GhostCore": GhostCore::StakeAdded => on_stake_added,
        "GhostCore": GhostCore::Extracted => on_extracted,
        "GhostCore": GhostCore::PositionCulled => on_position_culled,
        "GhostCore": GhostCore::BoostApplied => on_boost_applied,
        "GhostCore": GhostCore::Paused => on_paused,
        "GhostCore": GhostCore::Unpaused => on_unpaused,
    ],
}

const STREAM: &str = "ghostnet.positions";

fn hex(a: Address) -> String {
    format!("{a:#x}")
}

fn time<E>(ev: &Ev<E>) -> Timestamp {
    Timestamp(i64::try_from(ev.meta.block_timestamp).unwrap_or(i64::MAX))
}

/// The history row every position event writes.
fn history<E>(ev: &Ev<E>, user: Address, kind: &str) -> Write {
    Write::insert("position_events")
        .meta(&ev.meta)
        .col("user_address", user)
        .col("kind", kind)
}

fn feed<E>(
    ctx: &mut Ctx,
    ev: &Ev<E>,
    user: Address,
    kind: &str,
    data: wraith_sdk::serde_json::Value,
) {
    ctx.push(Message::new(
        STREAM,
        hex(user),
        json!({
            "type": kind,
            "data": data,
            "timestamp": ev.meta.block_timestamp * 1000,
        }),
    ));
}

fn on_jacked_in(ctx: &mut Ctx, ev: &Ev<GhostCore::JackedIn>) -> wraith_sdk::Result<()> {
    if !(1..=5).contains(&ev.level) {
        wraith_sdk::bail!("jacked in at invalid level {}", ev.level);
    }
    let t = time(ev);
    ctx.push(
        Write::upsert("positions")
            .key("user_address", ev.user)
            .set("level", ev.level)
            .set("amount", ev.newTotal)
            .set("entry_block", ev.meta.block_number)
            .set("entry_log_index", ev.meta.log_index)
            .set("entry_timestamp", t)
            .set("last_add_timestamp", t)
            .set("ghost_streak", 0u32)
            .set("is_alive", true)
            .set("is_extracted", false)
            .set("exit_reason", None::<&str>)
            .set("exit_timestamp", None::<Timestamp>)
            .set("extracted_amount", None::<U256>)
            .set("extracted_rewards", None::<U256>)
            .set("culled_penalty", None::<U256>)
            .set("culled_returned", None::<U256>)
            .set("created_at_block", ev.meta.block_number)
            .set("updated_at_block", ev.meta.block_number)
            .set("updated_at", t),
    );
    ctx.push(
        history(ev, ev.user, "jacked_in")
            .col("level", ev.level)
            .col("amount", ev.amount)
            .col("new_total", ev.newTotal),
    );
    feed(
        ctx,
        ev,
        ev.user,
        "JACK_IN",
        json!({"user": hex(ev.user), "amount": ev.amount.to_string(), "level": ev.level}),
    );
    Ok(())
}

fn on_stake_added(ctx: &mut Ctx, ev: &Ev<GhostCore::StakeAdded>) -> wraith_sdk::Result<()> {
    let t = time(ev);
    ctx.push(
        Write::update("positions")
            .key("user_address", ev.user)
            .set("amount", ev.newTotal)
            .set("last_add_timestamp", t)
            .set("updated_at_block", ev.meta.block_number)
            .set("updated_at", t),
    );
    ctx.push(
        history(ev, ev.user, "stake_added")
            .col("amount", ev.amount)
            .col("new_total", ev.newTotal),
    );
    feed(
        ctx,
        ev,
        ev.user,
        "STAKE_ADDED",
        json!({
            "user": hex(ev.user),
            "amount": ev.amount.to_string(),
            "new_total": ev.newTotal.to_string(),
        }),
    );
    Ok(())
}

fn on_extracted(ctx: &mut Ctx, ev: &Ev<GhostCore::Extracted>) -> wraith_sdk::Result<()> {
    // `emergencyWithdraw` emits `Extracted(user, amount, 0)` and only works
    // while paused; a normal extract is refused while paused.
    let emergency = ev.rewards.is_zero() && is_paused(ctx, ev.meta.address)?;
    let reason = if emergency {
        "emergency_withdraw"
    } else {
        "extracted"
    };
    let t = time(ev);
    ctx.push(
        Write::update("positions")
            .key("user_address", ev.user)
            .set("is_alive", false)
            .set("is_extracted", true)
            .set("exit_reason", reason)
            .set("exit_timestamp", t)
            .set("extracted_amount", ev.amount)
            .set("extracted_rewards", ev.rewards)
            .set("updated_at_block", ev.meta.block_number)
            .set("updated_at", t),
    );
    ctx.push(
        history(ev, ev.user, reason)
            .col("amount", ev.amount)
            .col("rewards", ev.rewards),
    );
    feed(
        ctx,
        ev,
        ev.user,
        "EXTRACTED",
        json!({
            "user": hex(ev.user),
            "amount": ev.amount.to_string(),
            "rewards": ev.rewards.to_string(),
            "emergency": emergency,
        }),
    );
    Ok(())
}

fn on_position_culled(ctx: &mut Ctx, ev: &Ev<GhostCore::PositionCulled>) -> wraith_sdk::Result<()> {
    let t = time(ev);
    ctx.push(
        Write::update("positions")
            .key("user_address", ev.victim)
            .set("is_alive", false)
            .set("exit_reason", "culled")
            .set("exit_timestamp", t)
            .set("culled_penalty", ev.penaltyAmount)
            .set("culled_returned", ev.returnedAmount)
            .set("updated_at_block", ev.meta.block_number)
            .set("updated_at", t),
    );
    ctx.push(
        history(ev, ev.victim, "culled")
            .col("amount", ev.penaltyAmount)
            .col("rewards", ev.returnedAmount)
            .col("counterparty", ev.newEntrant),
    );
    feed(
        ctx,
        ev,
        ev.victim,
        "POSITION_CULLED",
        json!({
            "victim": hex(ev.victim),
            "penalty": ev.penaltyAmount.to_string(),
            "returned": ev.returnedAmount.to_string(),
            "new_entrant": hex(ev.newEntrant),
        }),
    );
    Ok(())
}

fn on_boost_applied(ctx: &mut Ctx, ev: &Ev<GhostCore::BoostApplied>) -> wraith_sdk::Result<()> {
    let kind = match ev.boostType {
        0 => "death_reduction",
        1 => "yield_multiplier",
        other => wraith_sdk::bail!("unknown boost type {other}"),
    };
    ctx.push(
        Write::insert("boosts")
            .meta(&ev.meta)
            .col("user_address", ev.user)
            .col("boost_type", kind)
            .col("value_bps", ev.valueBps)
            .col(
                "expiry",
                Timestamp(i64::try_from(ev.expiry).unwrap_or(i64::MAX)),
            ),
    );
    feed(
        ctx,
        ev,
        ev.user,
        "BOOST_APPLIED",
        json!({"user": hex(ev.user), "boost_type": kind, "value_bps": ev.valueBps, "expiry": ev.expiry}),
    );
    Ok(())
}

fn set_paused(ctx: &mut Ctx, contract: Address, paused: bool, block: u64) {
    ctx.push(
        Write::upsert("ghost_core_state")
            .key("contract_address", contract)
            .set("paused", paused)
            .set("updated_at_block", block),
    );
}

fn is_paused(ctx: &mut Ctx, contract: Address) -> wraith_sdk::Result<bool> {
    match ctx.get("ghost_core_state", Key::new("contract_address", contract))? {
        Some(row) => row.bool("paused"),
        None => Ok(false),
    }
}

fn on_paused(ctx: &mut Ctx, ev: &Ev<GhostCore::Paused>) -> wraith_sdk::Result<()> {
    set_paused(ctx, ev.meta.address, true, ev.meta.block_number);
    Ok(())
}

fn on_unpaused(ctx: &mut Ctx, ev: &Ev<GhostCore::Unpaused>) -> wraith_sdk::Result<()> {
    set_paused(ctx, ev.meta.address, false, ev.meta.block_number);
    Ok(())
}
