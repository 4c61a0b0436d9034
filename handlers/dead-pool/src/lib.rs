//! GHOSTNET DeadPool handler: prediction rounds, bets, resolution, claims.
//!
//! Models `DeadPool` (CONTRACTS.md §3.3):
//!
//! * `RoundCreated` opens a round (`deadpool_rounds`). `line` is stored as
//!   the raw uint256 — never scaled by 1e18: its unit is a convention of the
//!   round type (a death count for DEATH_COUNT, a DATA threshold for
//!   WHALE_DEATH, a streak length for STREAK_RECORD, a time threshold for
//!   SYSTEM_RESET) that the contract never interprets. `targetLevel` is
//!   kept raw (only meaningful for DEATH_COUNT).
//! * **One bet per (round, user), accumulated**: `BetPlaced.amount` is the
//!   increment, so the bet row is upserted and the amount added — never a
//!   second row. A user may only add to the same side (the contract
//!   reverts otherwise; a different side here fails the handler). Pools
//!   are credited with the nominal amount, as on-chain. Every increment is
//!   also appended to `deadpool_bet_events`.
//! * `RoundResolved(outcome, totalPot, burned)` is an operator decision
//!   (nothing computed on-chain); the handler checks `totalPot` against
//!   its pools and `burned` against the 5 % rake sent to 0xdEaD, and
//!   records the winning pool.
//! * `WinningsClaimed` exists only for winners; the handler checks the
//!   payout `bet × (pot − rake) ÷ winning pool` (integer division). Losers
//!   emit nothing — their bets simply stay unclaimed on a resolved round
//!   whose outcome differs from their side. If the winning side is empty
//!   the pot stays locked (no cancel or refund path).
//!
//! Odds are not stored: they follow from the pools (`over_pool`,
//! `under_pool`); the contract's uint16 odds views wrap above 6.5535×.
//! The inherited OpenZeppelin events go to `admin_events`.
//!
//! Feed events on `ghostnet.markets` (keyed by round id): `ROUND_CREATED`,
//! `BET_PLACED`, `ROUND_RESOLVED`, `WINNINGS_CLAIMED`.

use ghostnet_common::{Contract, Oz, bps_of, hex, mul_div, time, ts};
use wraith_sdk::{Ctx, Ev, Key, Message, U256, Write, json, sol};

sol! {
    /// The DeadPool events (CONTRACTS.md §3.3).
    #[sol(abi)]
    contract DeadPool {
        event RoundCreated(uint256 indexed roundId, uint8 roundType, uint8 indexed targetLevel, uint256 line, uint64 deadline);
        event BetPlaced(uint256 indexed roundId, address indexed user, bool isOver, uint256 amount);
        event RoundResolved(uint256 indexed roundId, bool outcome, uint256 totalPot, uint256 burned);
        event WinningsClaimed(uint256 indexed roundId, address indexed user, uint256 amount);
    }
}

/// The logical contract whose admin events this handler records.
#[derive(Debug)]
pub struct Pool;

impl Contract for Pool {
    const NAME: &'static str = "DeadPool";
}

wraith_sdk::handler! {
    name: "dead-pool",
    tables: [
        deadpool_rounds: Entity,
        deadpool_bets: Entity,
        deadpool_bet_events: AppendOnly,
        admin_events: AppendOnly,
    ],
    streams: ["ghostnet.markets"],
    events: [
        "DeadPool": DeadPool::RoundCreated => on_round_created,
        "DeadPool": DeadPool::BetPlaced => on_bet_placed,
        "DeadPool": DeadPool::RoundResolved => on_round_resolved,
        "DeadPool": DeadPool::WinningsClaimed => on_winnings_claimed,
        "DeadPool": Oz::Initialized => ghostnet_common::admin::<Pool, _>,
        "DeadPool": Oz::Upgraded => ghostnet_common::admin::<Pool, _>,
        "DeadPool": Oz::Paused => ghostnet_common::admin::<Pool, _>,
        "DeadPool": Oz::Unpaused => ghostnet_common::admin::<Pool, _>,
        "DeadPool": Oz::RoleGranted => ghostnet_common::admin::<Pool, _>,
        "DeadPool": Oz::RoleRevoked => ghostnet_common::admin::<Pool, _>,
        "DeadPool": Oz::RoleAdminChanged => ghostnet_common::admin::<Pool, _>,
    ],
}

const STREAM: &str = "ghostnet.markets";
/// Rake of the pot sent to 0xdEaD at resolution.
const RAKE_BPS: u64 = 500;

fn round_type_name(t: u8) -> Option<&'static str> {
    match t {
        0 => Some("death_count"),
        1 => Some("whale_death"),
        2 => Some("streak_record"),
        3 => Some("system_reset"),
        _ => None,
    }
}

fn feed<E>(
    ctx: &mut Ctx,
    ev: &Ev<E>,
    round: U256,
    kind: &str,
    data: wraith_sdk::serde_json::Value,
) {
    ctx.push(Message::new(
        STREAM,
        round.to_string(),
        json!({ "type": kind, "data": data, "timestamp": ev.meta.block_timestamp * 1000 }),
    ));
}

fn on_round_created(ctx: &mut Ctx, ev: &Ev<DeadPool::RoundCreated>) -> wraith_sdk::Result<()> {
    let Some(type_name) = round_type_name(ev.roundType) else {
        wraith_sdk::bail!(
            "round {} has unknown round type {}",
            ev.roundId,
            ev.roundType
        );
    };
    let block = ev.meta.block_number;
    ctx.push(
        Write::upsert("deadpool_rounds")
            .key("round_id", ev.roundId)
            .set("round_type", ev.roundType)
            .set("round_type_name", type_name)
            .set("target_level", ev.targetLevel)
            .set("line", ev.line)
            .set("deadline", ts(ev.deadline))
            .set("created_block", block)
            .set("updated_at_block", block),
    );
    feed(
        ctx,
        ev,
        ev.roundId,
        "ROUND_CREATED",
        json!({
            "round_id": ev.roundId.to_string(),
            "type": type_name,
            "target_level": ev.targetLevel,
            "line": ev.line.to_string(),
            "deadline": ev.deadline,
        }),
    );
    Ok(())
}

fn bet_key(round: U256, user: wraith_sdk::Address) -> Key {
    Key::new("round_id", round).and("user_address", user)
}

fn on_bet_placed(ctx: &mut Ctx, ev: &Ev<DeadPool::BetPlaced>) -> wraith_sdk::Result<()> {
    let block = ev.meta.block_number;
    let existing = ctx.get("deadpool_bets", bet_key(ev.roundId, ev.user))?;
    if let Some(bet) = &existing
        && bet.bool("is_over")? != ev.isOver
    {
        wraith_sdk::bail!(
            "round {}: {:#x} bet on the other side before (the contract allows one side per user)",
            ev.roundId,
            ev.user
        );
    }
    ctx.push(
        Write::upsert("deadpool_bets")
            .key("round_id", ev.roundId)
            .key("user_address", ev.user)
            .add("amount", ev.amount)
            .set("is_over", ev.isOver)
            .add("bet_count", 1u32)
            .keep("first_bet_block", block)
            .set("updated_at_block", block),
    );
    let pool = if ev.isOver { "over_pool" } else { "under_pool" };
    let mut round = Write::update("deadpool_rounds")
        .key("round_id", ev.roundId)
        .add(pool, ev.amount)
        .set("updated_at_block", block);
    if existing.is_none() {
        round = round.add("bettor_count", 1u32);
    }
    ctx.push(round);
    ctx.push(
        Write::insert("deadpool_bet_events")
            .meta(&ev.meta)
            .col("round_id", ev.roundId)
            .col("user_address", ev.user)
            .col("kind", "bet")
            .col("is_over", ev.isOver)
            .col("amount", ev.amount),
    );
    feed(
        ctx,
        ev,
        ev.roundId,
        "BET_PLACED",
        json!({
            "round_id": ev.roundId.to_string(),
            "user": hex(ev.user),
            "amount": ev.amount.to_string(),
            "is_over": ev.isOver,
        }),
    );
    Ok(())
}

fn on_round_resolved(ctx: &mut Ctx, ev: &Ev<DeadPool::RoundResolved>) -> wraith_sdk::Result<()> {
    let Some(round) = ctx.get("deadpool_rounds", Key::new("round_id", ev.roundId))? else {
        wraith_sdk::bail!(
            "RoundResolved for round {} that was never created",
            ev.roundId
        );
    };
    let (over, under) = (round.u256("over_pool")?, round.u256("under_pool")?);
    let rake = bps_of(ev.totalPot, RAKE_BPS)?;
    if over + under != ev.totalPot || rake != ev.burned {
        wraith_sdk::bail!(
            "round {} resolved with pot {} / burned {}; the pools say {} / rake {rake}",
            ev.roundId,
            ev.totalPot,
            ev.burned,
            over + under
        );
    }
    let winning = if ev.outcome { over } else { under };
    ctx.push(
        Write::update("deadpool_rounds")
            .key("round_id", ev.roundId)
            .set("is_resolved", true)
            .set("outcome", ev.outcome)
            .set("resolve_time", time(&ev.meta))
            .set("total_pot", ev.totalPot)
            .set("burned", ev.burned)
            .set("winning_pool", winning)
            .set("updated_at_block", ev.meta.block_number),
    );
    feed(
        ctx,
        ev,
        ev.roundId,
        "ROUND_RESOLVED",
        json!({
            "round_id": ev.roundId.to_string(),
            "outcome": ev.outcome,
            "total_pot": ev.totalPot.to_string(),
            "burned": ev.burned.to_string(),
        }),
    );
    Ok(())
}

fn on_winnings_claimed(
    ctx: &mut Ctx,
    ev: &Ev<DeadPool::WinningsClaimed>,
) -> wraith_sdk::Result<()> {
    let block = ev.meta.block_number;
    let Some(round) = ctx.get("deadpool_rounds", Key::new("round_id", ev.roundId))? else {
        wraith_sdk::bail!(
            "WinningsClaimed for round {} that was never created",
            ev.roundId
        );
    };
    let Some(bet) = ctx.get("deadpool_bets", bet_key(ev.roundId, ev.user))? else {
        wraith_sdk::bail!(
            "WinningsClaimed by {:#x} without a bet on round {}",
            ev.user,
            ev.roundId
        );
    };
    let pot = round.u256("total_pot")?;
    let winning = round.u256("winning_pool")?;
    let expected = mul_div(bet.u256("amount")?, pot - bps_of(pot, RAKE_BPS)?, winning)?;
    if bet.bool("is_over")? != round.bool("outcome")? || expected != ev.amount {
        wraith_sdk::bail!(
            "round {}: {:#x} claimed {}, the pools give {expected}",
            ev.roundId,
            ev.user,
            ev.amount
        );
    }
    ctx.push(
        Write::update("deadpool_bets")
            .key("round_id", ev.roundId)
            .key("user_address", ev.user)
            .set("is_claimed", true)
            .set("winnings", ev.amount)
            .set("claimed_at", time(&ev.meta))
            .set("updated_at_block", block),
    );
    ctx.push(
        Write::update("deadpool_rounds")
            .key("round_id", ev.roundId)
            .add("total_claimed", ev.amount)
            .set("updated_at_block", block),
    );
    ctx.push(
        Write::insert("deadpool_bet_events")
            .meta(&ev.meta)
            .col("round_id", ev.roundId)
            .col("user_address", ev.user)
            .col("kind", "claim")
            .col("amount", ev.amount),
    );
    feed(
        ctx,
        ev,
        ev.roundId,
        "WINNINGS_CLAIMED",
        json!({
            "round_id": ev.roundId.to_string(),
            "user": hex(ev.user),
            "amount": ev.amount.to_string(),
        }),
    );
    Ok(())
}
