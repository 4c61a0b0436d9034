//! Player actions: jack in, add stake, extract / emergency withdraw,
//! culling, boosts.

use ghostnet_common::{bps_of, check_level, hex, time};
use wraith_sdk::{Address, Ctx, Ev, Timestamp, U256, Write, json};

use crate::model::{CoreState, Level, Position, haircut_chain, match_amount};
use crate::{GhostCore, feed, user_key};

const STREAM: &str = "ghostnet.positions";
/// Culling penalty share sent to 0xdEaD (the rest goes to the level).
const CULL_BURN_BPS: u64 = 3000;

/// The history row every position event writes. Built with the `v2`
/// feature (a test fixture for hot swaps: same tables, different output),
/// the kinds carry a `.v2` suffix.
fn history<E>(ev: &Ev<E>, user: Address, kind: &str) -> Write {
    let kind = if cfg!(feature = "v2") {
        format!("{kind}.v2")
    } else {
        kind.to_owned()
    };
    Write::insert("position_events")
        .meta(&ev.meta)
        .col("user_address", user)
        .col("kind", kind)
}

pub(crate) fn on_jacked_in(ctx: &mut Ctx, ev: &Ev<GhostCore::JackedIn>) -> wraith_sdk::Result<()> {
    let level = check_level(ev.level)?;
    let t = time(&ev.meta);
    let block = ev.meta.block_number;
    let mut state = CoreState::load(ctx, ev.meta.address)?;
    let mut lvl = Level::load(ctx, level)?;
    // One position per address: a JackedIn always opens a new one (the
    // contract rejects a second while a record exists), so no read here.
    let slot = lvl.push(ctx, ev.user);
    lvl.add_stake(ev.newTotal)?;
    lvl.alive_count += 1;
    ctx.push(
        Write::upsert("positions")
            .key("user_address", ev.user)
            .set("level", level)
            .set("amount", ev.newTotal)
            .set("entry_block", block)
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
            .set("in_level_array", true)
            .set("level_slot", slot)
            .set("streak_mark", lvl.survivor_rounds)
            .set("settled_epoch", state.epoch)
            .set("death_scan_id", None::<U256>)
            .set("created_at_block", block)
            .set("updated_at_block", block)
            .set("updated_at", t),
    );
    state.extend_reset_timer(ev.amount, t.0, ev.user);
    state.save(ctx, block);
    lvl.save(ctx, block);
    ctx.push(
        history(ev, ev.user, "jacked_in")
            .col("level", level)
            .col("amount", ev.amount)
            .col("new_total", ev.newTotal),
    );
    feed(
        ctx,
        STREAM,
        ev,
        user_key(ev.user),
        "JACK_IN",
        json!({"user": hex(ev.user), "amount": ev.amount.to_string(), "level": level}),
    );
    Ok(())
}

pub(crate) fn on_stake_added(
    ctx: &mut Ctx,
    ev: &Ev<GhostCore::StakeAdded>,
) -> wraith_sdk::Result<()> {
    let t = time(&ev.meta);
    let block = ev.meta.block_number;
    let mut state = CoreState::load(ctx, ev.meta.address)?;
    let pos = Position::require(ctx, ev.user, "StakeAdded")?;
    if !pos.is_live() {
        wraith_sdk::bail!("StakeAdded for {:#x}, whose position is not alive", ev.user);
    }
    let mut lvl = Level::load(ctx, pos.level)?;
    // addStake settles a pending haircut first (or `claimRewards` did it
    // silently before): newTotal − amount is the settled stored amount.
    let missed = pos.missed_resets(&state);
    let before = ev.newTotal.checked_sub(ev.amount).ok_or_else(|| {
        wraith_sdk::Error(format!(
            "StakeAdded newTotal {} < amount {}",
            ev.newTotal, ev.amount
        ))
    })?;
    let settled = match_amount(
        &haircut_chain(pos.amount, missed.min(1), missed)?,
        before,
        "stored amount before addStake",
        ev.user,
    )?;
    let haircut = pos.amount - settled;
    // The contract's order: the haircut leaves the total, then the amount
    // joins it (the total can be below this position's stored amount).
    lvl.top_up(haircut, ev.amount)?;
    ctx.push(
        Write::update("positions")
            .key("user_address", ev.user)
            .set("amount", ev.newTotal)
            .set("last_add_timestamp", t)
            .set("settled_epoch", state.epoch)
            .set("updated_at_block", block)
            .set("updated_at", t),
    );
    state.extend_reset_timer(ev.amount, t.0, ev.user);
    state.save(ctx, block);
    lvl.save(ctx, block);
    ctx.push(
        history(ev, ev.user, "stake_added")
            .col("amount", ev.amount)
            .col("new_total", ev.newTotal)
            .col("haircut", (!haircut.is_zero()).then_some(haircut)),
    );
    feed(
        ctx,
        STREAM,
        ev,
        user_key(ev.user),
        "STAKE_ADDED",
        json!({
            "user": hex(ev.user),
            "amount": ev.amount.to_string(),
            "new_total": ev.newTotal.to_string(),
        }),
    );
    Ok(())
}

pub(crate) fn on_extracted(ctx: &mut Ctx, ev: &Ev<GhostCore::Extracted>) -> wraith_sdk::Result<()> {
    let t = time(&ev.meta);
    let block = ev.meta.block_number;
    let state = CoreState::load(ctx, ev.meta.address)?;
    // `emergencyWithdraw` emits `Extracted(user, amount, 0)` and only works
    // while paused; a normal extract is refused while paused.
    let emergency = ev.rewards.is_zero() && state.paused;
    let reason = if emergency {
        "emergency_withdraw"
    } else {
        "extracted"
    };
    let pos = Position::require(ctx, ev.user, "Extracted")?;
    if pos.is_extracted {
        wraith_sdk::bail!(
            "Extracted for {:#x}, whose position is already deleted",
            ev.user
        );
    }
    let mut lvl = Level::load(ctx, pos.level)?;
    let missed = pos.missed_resets(&state);
    let mut haircut = U256::ZERO;
    if pos.is_alive {
        // extract settles a pending haircut; emergencyWithdraw does not,
        // but a silent claimRewards may have.
        let min = if emergency { 0 } else { missed.min(1) };
        let paid = match_amount(
            &haircut_chain(pos.amount, min, missed)?,
            ev.amount,
            "extracted amount",
            ev.user,
        )?;
        haircut = pos.amount - paid;
        // The contract takes the haircut (settled now or silently by a
        // claimRewards) and the paid amount off the total: pos.amount.
        lvl.withdraw(pos.amount, true)?;
    } else if emergency {
        // A dead or culled position: its amount left the level total at
        // death, and leaves it again here (upstream quirk).
        if ev.amount != pos.amount {
            wraith_sdk::bail!(
                "emergencyWithdraw of dead {:#x} paid {}, its stored amount is {}",
                ev.user,
                ev.amount,
                pos.amount
            );
        }
        lvl.withdraw(ev.amount, false)?;
    } else {
        wraith_sdk::bail!("extract by {:#x}, whose position is dead", ev.user);
    }
    let streak = lvl.streak_of(&pos);
    lvl.remove(ctx, &pos)?;
    ctx.push(
        Write::update("positions")
            .key("user_address", ev.user)
            .set("is_alive", false)
            .set("is_extracted", true)
            .set("exit_reason", reason)
            .set("exit_timestamp", t)
            .set("extracted_amount", ev.amount)
            .set("extracted_rewards", ev.rewards)
            .set("in_level_array", false)
            .set("level_slot", 0i64)
            .set("ghost_streak", streak)
            .set("streak_mark", lvl.survivor_rounds)
            .set(
                "settled_epoch",
                if emergency {
                    pos.settled_epoch
                } else {
                    state.epoch
                },
            )
            .set("updated_at_block", block)
            .set("updated_at", t),
    );
    lvl.save(ctx, block);
    ctx.push(
        history(ev, ev.user, reason)
            .col("amount", ev.amount)
            .col("rewards", ev.rewards)
            .col("haircut", (!haircut.is_zero()).then_some(haircut)),
    );
    feed(
        ctx,
        STREAM,
        ev,
        user_key(ev.user),
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

pub(crate) fn on_position_culled(
    ctx: &mut Ctx,
    ev: &Ev<GhostCore::PositionCulled>,
) -> wraith_sdk::Result<()> {
    let t = time(&ev.meta);
    let block = ev.meta.block_number;
    let state = CoreState::load(ctx, ev.meta.address)?;
    let pos = Position::require(ctx, ev.victim, "PositionCulled")?;
    let mut lvl = Level::load(ctx, pos.level)?;
    // The victim is slot 0 of the level array, whatever its age or size.
    if !(pos.is_live() && pos.in_level_array && pos.level_slot == 0) {
        wraith_sdk::bail!(
            "PositionCulled victim {:#x} is not slot 0 of level {} in the model (member: {}, slot {})",
            ev.victim,
            pos.level,
            pos.in_level_array,
            pos.level_slot
        );
    }
    // penalty + returned is the stored amount (no haircut is settled here).
    let stored = ev.penaltyAmount + ev.returnedAmount;
    match_amount(
        &haircut_chain(pos.amount, 0, pos.missed_resets(&state))?,
        stored,
        "culled amount",
        ev.victim,
    )?;
    let streak = lvl.streak_of(&pos);
    lvl.sub_stake(pos.amount)?;
    lvl.sub_alive()?;
    lvl.remove(ctx, &pos)?;
    // 30 % of the penalty to 0xdEaD, the rest to the remaining stakers.
    let burn = bps_of(ev.penaltyAmount, CULL_BURN_BPS)?;
    lvl.credit(ev.penaltyAmount - burn)?;
    ctx.push(
        Write::update("positions")
            .key("user_address", ev.victim)
            .set("amount", stored)
            .set("is_alive", false)
            .set("exit_reason", "culled")
            .set("exit_timestamp", t)
            .set("culled_penalty", ev.penaltyAmount)
            .set("culled_returned", ev.returnedAmount)
            .set("in_level_array", false)
            .set("level_slot", 0i64)
            .set("ghost_streak", streak)
            .set("streak_mark", lvl.survivor_rounds)
            .set("updated_at_block", block)
            .set("updated_at", t),
    );
    lvl.save(ctx, block);
    ctx.push(
        history(ev, ev.victim, "culled")
            .col("level", pos.level)
            .col("amount", ev.penaltyAmount)
            .col("rewards", ev.returnedAmount)
            .col("counterparty", ev.newEntrant),
    );
    feed(
        ctx,
        STREAM,
        ev,
        user_key(ev.victim),
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

pub(crate) fn on_boost_applied(
    ctx: &mut Ctx,
    ev: &Ev<GhostCore::BoostApplied>,
) -> wraith_sdk::Result<()> {
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
            .col("expiry", ghostnet_common::ts(ev.expiry)),
    );
    feed(
        ctx,
        STREAM,
        ev,
        user_key(ev.user),
        "BOOST_APPLIED",
        json!({"user": hex(ev.user), "boost_type": kind, "value_bps": ev.valueBps, "expiry": ev.expiry}),
    );
    Ok(())
}
