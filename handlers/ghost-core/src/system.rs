//! Emissions, the system reset, pause and initialisation.

use ghostnet_common::{Oz, admin_row, bps_of, check_level, hex, time};
use wraith_sdk::{Address, Ctx, Ev, U256, Write, json};

use crate::model::{CoreState, Level, RESET_PENALTY_BPS, RESET_WINDOW};
use crate::{Core, GhostCore, feed};

/// Jackpot share of the reset penalty pool (paid to the last depositor).
const JACKPOT_BPS: u64 = 5000;
/// Share of the reset penalty pool sent to 0xdEaD.
const RESET_BURN_BPS: u64 = 3000;

pub(crate) fn on_emissions_added(
    ctx: &mut Ctx,
    ev: &Ev<GhostCore::EmissionsAdded>,
) -> wraith_sdk::Result<()> {
    let level = check_level(ev.level)?;
    let mut lvl = Level::load(ctx, level)?;
    // Reported even when the level has no stake; then nobody is credited.
    let credited = lvl.credit(ev.amount)?;
    lvl.emissions_reported += ev.amount;
    if !credited {
        lvl.emissions_uncredited += ev.amount;
    }
    lvl.save(ctx, ev.meta.block_number);
    ctx.push(
        Write::insert("emissions")
            .meta(&ev.meta)
            .col("level", level)
            .col("amount", ev.amount)
            .col("credited", credited),
    );
    Ok(())
}

pub(crate) fn on_system_reset(
    ctx: &mut Ctx,
    ev: &Ev<GhostCore::SystemResetTriggered>,
) -> wraith_sdk::Result<()> {
    let block = ev.meta.block_number;
    let now = time(&ev.meta).0;
    let mut state = CoreState::load(ctx, ev.meta.address)?;
    let levels = Level::load_all(ctx)?;
    // The pool is 25 % of the sum of the level totals; positions stay
    // alive and settle their haircut lazily.
    let tvl = levels.iter().fold(U256::ZERO, |a, l| a + l.total_staked);
    let expected = bps_of(tvl, RESET_PENALTY_BPS)?;
    if expected != ev.totalPenalty {
        ctx.warn(&format!(
            "SystemResetTriggered pool {} differs from 25 % of the modelled TVL {tvl} ({expected}): a claimRewards settled a haircut without a log",
            ev.totalPenalty
        ));
    }
    let burn = bps_of(ev.totalPenalty, RESET_BURN_BPS)?;
    let jackpot = bps_of(ev.totalPenalty, JACKPOT_BPS)?;
    let protocol = ev.totalPenalty - jackpot - burn;
    // The event's winner is always 0x0 (cleared before the emit): the real
    // one is the last depositor since the previous reset, paid only if any.
    let winner = state.last_depositor;
    let paid = winner.is_some() && !ev.jackpotAmount.is_zero();
    state.epoch += 1;
    state.last_depositor = None;
    state.last_deposit_time = Some(now);
    state.reset_deadline = Some(now + RESET_WINDOW);
    state.save(ctx, block);
    for l in &levels {
        // Touch every level so that it exists for later reads.
        l.save(ctx, block);
    }
    ctx.push(
        Write::insert("system_resets")
            .meta(&ev.meta)
            .col("epoch", state.epoch)
            .col("total_penalty", ev.totalPenalty)
            .col("jackpot_amount", ev.jackpotAmount)
            .col("jackpot_winner", winner)
            .col("jackpot_paid", paid)
            .col("burn_amount", burn)
            .col("protocol_amount", protocol)
            .col("event_jackpot_winner", ev.jackpotWinner),
    );
    feed(
        ctx,
        "ghostnet.system",
        ev,
        hex(ev.meta.address),
        "SYSTEM_RESET",
        json!({
            "total_penalty": ev.totalPenalty.to_string(),
            "jackpot_winner": winner.map(hex),
            "jackpot_amount": ev.jackpotAmount.to_string(),
            "jackpot_paid": paid,
            "epoch": state.epoch,
        }),
    );
    Ok(())
}

fn set_paused(
    ctx: &mut Ctx,
    contract: Address,
    paused: bool,
    block: u64,
) -> wraith_sdk::Result<()> {
    let mut state = CoreState::load(ctx, contract)?;
    state.paused = paused;
    state.save(ctx, block);
    Ok(())
}

pub(crate) fn on_paused(ctx: &mut Ctx, ev: &Ev<Oz::Paused>) -> wraith_sdk::Result<()> {
    set_paused(ctx, ev.meta.address, true, ev.meta.block_number)?;
    ctx.push(admin_row(ev, <Core as ghostnet_common::Contract>::NAME));
    Ok(())
}

pub(crate) fn on_unpaused(ctx: &mut Ctx, ev: &Ev<Oz::Unpaused>) -> wraith_sdk::Result<()> {
    set_paused(ctx, ev.meta.address, false, ev.meta.block_number)?;
    ctx.push(admin_row(ev, <Core as ghostnet_common::Contract>::NAME));
    Ok(())
}

/// `initialize` (`Initialized(1)`): level defaults, first scan one
/// interval later, reset deadline 24 h later, epoch 1.
pub(crate) fn on_initialized(ctx: &mut Ctx, ev: &Ev<Oz::Initialized>) -> wraith_sdk::Result<()> {
    ctx.push(admin_row(ev, <Core as ghostnet_common::Contract>::NAME));
    if ev.version != 1 {
        return Ok(());
    }
    let block = ev.meta.block_number;
    let now = time(&ev.meta).0;
    let mut state = CoreState::load(ctx, ev.meta.address)?;
    state.initialized_at = Some(now);
    state.initialized_block = Some(i64::try_from(block).unwrap_or(i64::MAX));
    state.reset_deadline = Some(now + RESET_WINDOW);
    state.last_deposit_time = Some(now);
    state.save(ctx, block);
    for mut l in Level::load_all(ctx)? {
        l.next_scan_time = Some(now + l.scan_interval);
        l.save(ctx, block);
    }
    Ok(())
}
