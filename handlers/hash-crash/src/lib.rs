//! GHOSTNET HashCrash handler: rounds, bets, seeds and settlement of the
//! crash game.
//!
//! Models `HashCrash` (`shared/ghostnet/CONTRACTS.md` §3.10–3.11) for every
//! contract bound to the logical contract `"HashCrash"`, together with the
//! ArcadeCore its rounds run on (logical contract `"ArcadeCore"`; the
//! handler only reads ArcadeCore events that concern rounds it knows).
//! Multipliers are ×100 (250 = 2.50×).
//!
//! Round lifecycle (`hash_crash_rounds`, keyed by (HashCrash, roundId); the
//! state mirrors the games' `SessionState` as HashCrash stores it):
//!
//! 1. `startRound` → `RoundStarted(id, seedBlock = 0, ts)`: **betting**;
//!    betting ends at `ts + 60 s` (the contract constant).
//! 2. Bets (`hash_crash_bets`, one per player and round): ArcadeCore
//!    `SessionCreated` (first bet) and `EntryProcessed`, then
//!    `BetPlaced(id, player, gross, net, target)`. The handler keeps the
//!    gross amount, the net and the target; the round's `prize_pool` sums
//!    the nets (as `getRound().prizePool`).
//! 3. `lockRound` (or the 50th bet) → `SeedCommitted(id, seedBlock,
//!    deadline)` then **a second** `RoundStarted(id, seedBlock, ts)`:
//!    **locked**. The two `RoundStarted` are told apart by `seedBlock == 0`,
//!    and the second must repeat `SeedCommitted`'s seed block. A round
//!    without bets is cancelled at lock (`RoundCancelled("No bets placed")`,
//!    no ArcadeCore session).
//! 4. `revealCrash` → `SeedRevealed`, `CrashPointRevealed(id, crash, seed)`,
//!    `RoundResolved(id, seed, outcome = crash)`: **active** (settling). The
//!    handler re-verifies both: `seed == keccak256(abi.encode(blockHash,
//!    roundId, HashCrash, chainId))` (`seed_verified`) and the crash point
//!    recomputed from the seed's low 52 bits with the 4 % house edge
//!    (`crash_verified`, see [`crash_point`]); a mismatch is logged as a
//!    warning and recorded, not fatal.
//! 5. Settlement per player. Winner iff target < crash (strict): payout =
//!    net × target ÷ 100 → `PlayerWon`, `PlayerPaidOut(payout, true)`.
//!    Loser: the net bet is burned → `PlayerLost`, `PlayerPaidOut(0,
//!    false)`. The handler checks the payout formula and the win condition
//!    against its own bet and crash (a violation fails the batch: the
//!    indexed state would be wrong).
//! 6. ArcadeCore `SessionSettled(HashCrash, id, totalPaid, remaining)` is
//!    **the only "round over" signal** (HashCrash emits nothing of its own):
//!    **settled**.
//!
//! Expiry and cancellation: `handleExpiredRound` → ArcadeCore
//! `SessionCancelled` then `RoundCancelled(id, "Seed expired")`: **expired**;
//! an owner `emergencyCancel` emits the same pair with its own reason:
//! **cancelled**. The reason text alone cannot tell them apart (the owner
//! may write "Seed expired" too), so `RoundCancelled` is declared with
//! `[tx_input]`: a transaction calling `handleExpiredRound()` expires the
//! round, one calling `emergencyCancel(uint256,string)`, `lockRound()` or
//! `placeBet(uint256,uint256)` cancels it. For a call through another
//! contract (multisig, relayer) the handler falls back on the contract's
//! preconditions: "Seed expired" on a locked round after the
//! `SeedCommitted` deadline is an expiry. (Handling an expiry while the
//! EIP-2935 history contract is unavailable shortens the window to 256
//! blocks, which the fallback cannot see; the selector path is exact.)
//! `SeedExpiredEvent` is emitted right before a revert and can never reach a
//! receipt; it is recorded if it ever appears. An ArcadeCore
//! `SessionCancelled` without `RoundCancelled` (a quarantine) leaves
//! HashCrash's own state untouched, as on-chain; the session's cancellation
//! is recorded in `session_cancelled_prize_pool`.
//!
//! **`PlayerPaidOut(won = false)` is a loss or a refund.** Refunds after
//! expiry/cancellation: ArcadeCore `ExpiredRefundClaimed(player, session,
//! net)` then `PlayerPaidOut(id, player, net, false)`. The handler
//! disambiguates by the sibling event in the same transaction: the bet row
//! remembers the transaction of its `PlayerLost` (`settle_tx`) and of its
//! `ExpiredRefundClaimed` (`refund_tx`, found through `hash_crash_sessions`,
//! since that event names only the session). A `PlayerPaidOut` matching
//! neither fails the batch.
//!
//! The 4-argument `BetPlaced` of `IArcadeGame` is in HashCrash's ABI but is
//! never emitted, so it is not subscribed. `OwnershipTransferred`,
//! `OwnershipTransferStarted`, `Paused`, `Unpaused` and
//! `GameActiveStatusChanged` (an informational flag that does not block
//! play) update `hash_crash_games` and are appended to the shared audit
//! trail `arcade_admin_events`. Feed messages go to `ghostnet.hash-crash`.

use wraith_sdk::{
    Address, B256, Ctx, Ev, Json, Key, Message, Meta, Row, SolCall, SolValue, Timestamp, U256,
    Write, json, sol,
};

sol! {
    /// HashCrash's events (CONTRACTS.md §3.10–3.11, §3.16) and the calls
    /// whose selectors tell an expiry from a cancellation.
    #[sol(abi)]
    contract HashCrash {
        event RoundStarted(uint256 indexed roundId, uint256 seedBlock, uint64 timestamp);
        event BetPlaced(uint256 indexed roundId, address indexed player, uint256 amount, uint256 netAmount, uint256 targetMultiplier);
        event RoundResolved(uint256 indexed roundId, uint256 seed, uint256 outcome);
        event PlayerPaidOut(uint256 indexed roundId, address indexed player, uint256 payout, bool won);
        event RoundCancelled(uint256 indexed roundId, string reason);
        event CrashPointRevealed(uint256 indexed roundId, uint256 crashMultiplier, uint256 seed);
        event PlayerWon(uint256 indexed roundId, address indexed player, uint256 targetMultiplier, uint256 payout);
        event PlayerLost(uint256 indexed roundId, address indexed player, uint256 targetMultiplier, uint256 crashMultiplier);
        event GameActiveStatusChanged(bool isActive);
        event SeedCommitted(uint256 indexed roundId, uint256 seedBlock, uint256 deadline);
        event SeedRevealed(uint256 indexed roundId, bytes32 blockHash, uint256 seed, bool usedExtendedHistory);
        event SeedExpiredEvent(uint256 indexed roundId, uint256 seedBlock, uint256 expiredAtBlock);
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        event Paused(address account);
        event Unpaused(address account);

        function handleExpiredRound() external;
        function emergencyCancel(uint256 sessionId, string reason) external;
        function lockRound() external;
        function placeBet(uint256 amount, uint256 targetMultiplier) external;
    }
}

sol! {
    /// The ArcadeCore events about HashCrash rounds (their sessions).
    #[sol(abi)]
    contract ArcadeCore {
        event SessionCreated(address indexed game, uint256 indexed sessionId, uint64 timestamp);
        event SessionSettled(address indexed game, uint256 indexed sessionId, uint256 totalPaid, uint256 remaining);
        event SessionCancelled(address indexed game, uint256 indexed sessionId, uint256 prizePool);
        event ExpiredRefundClaimed(address indexed player, uint256 indexed sessionId, uint256 amount);
    }
}

wraith_sdk::handler! {
    name: "hash-crash",
    tables: [
        hash_crash_games: Entity,
        hash_crash_rounds: Entity,
        hash_crash_bets: Entity,
        hash_crash_sessions: Entity,
        hash_crash_round_events: AppendOnly,
        hash_crash_bet_events: AppendOnly,
        arcade_admin_events: AppendOnly,
    ],
    streams: ["ghostnet.hash-crash"],
    events: [
        "HashCrash": HashCrash::RoundStarted => on_round_started,
        "HashCrash": HashCrash::BetPlaced => on_bet_placed,
        "HashCrash": HashCrash::SeedCommitted => on_seed_committed,
        "HashCrash": HashCrash::SeedRevealed => on_seed_revealed,
        "HashCrash": HashCrash::CrashPointRevealed => on_crash_point_revealed,
        "HashCrash": HashCrash::RoundResolved => on_round_resolved,
        "HashCrash": HashCrash::PlayerWon => on_player_won,
        "HashCrash": HashCrash::PlayerLost => on_player_lost,
        "HashCrash": HashCrash::PlayerPaidOut => on_player_paid_out,
        "HashCrash": HashCrash::RoundCancelled => on_round_cancelled [tx_input],
        "HashCrash": HashCrash::SeedExpiredEvent => on_seed_expired_event,
        "HashCrash": HashCrash::GameActiveStatusChanged => on_active_status_changed,
        "HashCrash": HashCrash::OwnershipTransferred => on_ownership_transferred,
        "HashCrash": HashCrash::OwnershipTransferStarted => on_ownership_transfer_started,
        "HashCrash": HashCrash::Paused => on_paused,
        "HashCrash": HashCrash::Unpaused => on_unpaused,
        "ArcadeCore": ArcadeCore::SessionCreated => on_session_created,
        "ArcadeCore": ArcadeCore::SessionSettled => on_session_settled,
        "ArcadeCore": ArcadeCore::SessionCancelled => on_session_cancelled,
        "ArcadeCore": ArcadeCore::ExpiredRefundClaimed => on_expired_refund_claimed,
    ],
}

const STREAM: &str = "ghostnet.hash-crash";
/// `BETTING_DURATION` of the contract, seconds.
const BETTING_DURATION: i64 = 60;
/// `MULTIPLIER_PRECISION`: multipliers are ×100.
const PRECISION: u64 = 100;

/// The crash point (×100) HashCrash derives from a revealed seed
/// (`crashPointFromSeed`): the low 52 bits `h`; if `h` is in the lowest 4 %
/// of [0, 2^52) the crash is 100 (house edge), otherwise
/// ⌊(2^52 − threshold) × 100 ÷ (2^52 − h)⌋ clamped to [100, 10000], with
/// threshold = ⌊2^52 × 400 ÷ 10000⌋.
pub fn crash_point(seed: U256) -> u64 {
    const MAX_H: u128 = 1 << 52;
    let low = seed & U256::from(MAX_H - 1);
    let h = u128::try_from(low).unwrap_or(0);
    let threshold = MAX_H * 400 / 10_000;
    if h < threshold {
        return 100;
    }
    let crash = (MAX_H - threshold) * u128::from(PRECISION) / (MAX_H - h);
    u64::try_from(crash.clamp(100, 10_000)).unwrap_or(10_000)
}

/// The seed FutureBlockRandomness derives for `round` of contract `game` on
/// chain `chain_id` from the seed block's hash:
/// `keccak256(abi.encode(blockHash, roundId, address(this), block.chainid))`.
pub fn expected_seed(block_hash: B256, round: U256, game: Address, chain_id: u64) -> U256 {
    let encoded = (block_hash, round, game, U256::from(chain_id)).abi_encode();
    U256::from_be_bytes(wraith_sdk::primitives::keccak256(encoded).0)
}

fn hex(a: Address) -> String {
    format!("{a:#x}")
}

fn time(meta: &Meta) -> Timestamp {
    Timestamp(i64::try_from(meta.block_timestamp).unwrap_or(i64::MAX))
}

fn u64_of(v: U256, what: &str) -> wraith_sdk::Result<u64> {
    u64::try_from(v).map_err(|_| wraith_sdk::Error(format!("{what} {v} does not fit 64 bits")))
}

fn round_key(game: Address, round: U256) -> Key {
    Key::new("hash_crash", game).and("round_id", round)
}

fn bet_key(game: Address, round: U256, player: Address) -> Key {
    round_key(game, round).and("player", player)
}

fn round_update(game: Address, round: U256, block: u64) -> Write {
    Write::update("hash_crash_rounds")
        .key("hash_crash", game)
        .key("round_id", round)
        .set("updated_at_block", block)
}

fn bet_update(game: Address, round: U256, player: Address, block: u64) -> Write {
    Write::update("hash_crash_bets")
        .key("hash_crash", game)
        .key("round_id", round)
        .key("player", player)
        .set("updated_at_block", block)
}

fn round_event(meta: &Meta, game: Address, round: U256, kind: &str) -> Write {
    Write::insert("hash_crash_round_events")
        .meta(meta)
        .col("hash_crash", game)
        .col("round_id", round)
        .col("kind", kind)
}

fn bet_event(meta: &Meta, round: U256, player: Address, kind: &str) -> Write {
    Write::insert("hash_crash_bet_events")
        .meta(meta)
        .col("hash_crash", meta.address)
        .col("round_id", round)
        .col("player", player)
        .col("kind", kind)
}

fn feed(
    ctx: &mut Ctx,
    meta: &Meta,
    game: Address,
    kind: &str,
    data: wraith_sdk::serde_json::Value,
) {
    ctx.push(Message::new(
        STREAM,
        hex(game),
        json!({
            "type": kind,
            "data": data,
            "hash_crash": hex(game),
            "timestamp": meta.block_timestamp * 1000,
        }),
    ));
}

fn bet(ctx: &mut Ctx, game: Address, round: U256, player: Address) -> wraith_sdk::Result<Row> {
    ctx.get("hash_crash_bets", bet_key(game, round, player))?
        .ok_or_else(|| {
            wraith_sdk::Error(format!(
                "no indexed bet of {} in round {round} of HashCrash {}",
                hex(player),
                hex(game)
            ))
        })
}

fn round_row(ctx: &mut Ctx, game: Address, round: U256) -> wraith_sdk::Result<Row> {
    ctx.get("hash_crash_rounds", round_key(game, round))?
        .ok_or_else(|| {
            wraith_sdk::Error(format!(
                "no indexed round {round} of HashCrash {}",
                hex(game)
            ))
        })
}

fn same_tx(row: &Row, column: &str, meta: &Meta) -> wraith_sdk::Result<bool> {
    Ok(!row.is_null(column)? && row.b256(column)? == meta.tx_hash)
}

// ─── Round lifecycle ─────────────────────────────────────────────────────────

fn on_round_started(ctx: &mut Ctx, ev: &Ev<HashCrash::RoundStarted>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let ts = i64::try_from(ev.timestamp).unwrap_or(i64::MAX);
    if ev.seedBlock.is_zero() {
        // The first RoundStarted: betting opens.
        ctx.push(
            Write::upsert("hash_crash_rounds")
                .key("hash_crash", m.address)
                .key("round_id", ev.roundId)
                .set("state", "betting")
                .set("started_at", Timestamp(ts))
                .set("started_block", m.block_number)
                .set(
                    "betting_ends_at",
                    Timestamp(ts.saturating_add(BETTING_DURATION)),
                )
                .set("updated_at_block", m.block_number),
        );
        ctx.push(game_row(m).set("current_round_id", ev.roundId));
        ctx.push(
            round_event(m, m.address, ev.roundId, "started").col("event_timestamp", Timestamp(ts)),
        );
        feed(
            ctx,
            m,
            m.address,
            "ROUND_STARTED",
            json!({"round_id": ev.roundId.to_string()}),
        );
        return Ok(());
    }
    // The second RoundStarted: the round is locked on the committed seed block.
    let round = round_row(ctx, m.address, ev.roundId)?;
    let committed = if round.is_null("seed_block")? {
        None
    } else {
        Some(round.i64("seed_block")?)
    };
    let seed_block = u64_of(ev.seedBlock, "seed block")?;
    if committed != i64::try_from(seed_block).ok() {
        wraith_sdk::bail!(
            "RoundStarted({}, seedBlock {seed_block}) does not repeat SeedCommitted's seed block {committed:?}",
            ev.roundId
        );
    }
    ctx.push(
        round_update(m.address, ev.roundId, m.block_number)
            .set("state", "locked")
            .set("locked_at", Timestamp(ts))
            .set("locked_block", m.block_number),
    );
    ctx.push(
        round_event(m, m.address, ev.roundId, "locked")
            .col("event_timestamp", Timestamp(ts))
            .col("seed_block", seed_block),
    );
    feed(
        ctx,
        m,
        m.address,
        "ROUND_LOCKED",
        json!({"round_id": ev.roundId.to_string(), "seed_block": seed_block}),
    );
    Ok(())
}

fn on_bet_placed(ctx: &mut Ctx, ev: &Ev<HashCrash::BetPlaced>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    ctx.push(
        Write::upsert("hash_crash_bets")
            .key("hash_crash", m.address)
            .key("round_id", ev.roundId)
            .key("player", ev.player)
            .set("amount", ev.amount)
            .set("net_amount", ev.netAmount)
            .set("target_multiplier", ev.targetMultiplier)
            .set("placed_block", m.block_number)
            .set("placed_at", time(m))
            .set("result", "pending")
            .set("updated_at_block", m.block_number),
    );
    ctx.push(
        round_update(m.address, ev.roundId, m.block_number)
            .add("player_count", 1u32)
            .add("total_amount", ev.amount)
            .add("prize_pool", ev.netAmount),
    );
    ctx.push(
        bet_event(m, ev.roundId, ev.player, "bet_placed")
            .col("amount", ev.amount)
            .col("net_amount", ev.netAmount)
            .col("target_multiplier", ev.targetMultiplier),
    );
    feed(
        ctx,
        m,
        m.address,
        "BET_PLACED",
        json!({
            "round_id": ev.roundId.to_string(),
            "player": hex(ev.player),
            "amount": ev.amount.to_string(),
            "net_amount": ev.netAmount.to_string(),
            "target_multiplier": ev.targetMultiplier.to_string(),
        }),
    );
    Ok(())
}

fn on_seed_committed(ctx: &mut Ctx, ev: &Ev<HashCrash::SeedCommitted>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let seed_block = u64_of(ev.seedBlock, "seed block")?;
    let deadline = u64_of(ev.deadline, "seed deadline")?;
    ctx.push(
        round_update(m.address, ev.roundId, m.block_number)
            .set("seed_block", seed_block)
            .set("seed_deadline", deadline),
    );
    ctx.push(
        round_event(m, m.address, ev.roundId, "seed_committed")
            .col("seed_block", seed_block)
            .col("deadline", deadline),
    );
    Ok(())
}

fn on_seed_revealed(ctx: &mut Ctx, ev: &Ev<HashCrash::SeedRevealed>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let verified = expected_seed(ev.blockHash, ev.roundId, m.address, m.chain_id) == ev.seed;
    if !verified {
        ctx.warn(&format!(
            "HashCrash {} round {}: seed {} is not keccak256(blockHash, roundId, game, chainId)",
            hex(m.address),
            ev.roundId,
            ev.seed
        ));
    }
    ctx.push(
        round_update(m.address, ev.roundId, m.block_number)
            .set("seed_block_hash", ev.blockHash)
            .set("seed", ev.seed)
            .set("used_extended_history", ev.usedExtendedHistory)
            .set("seed_verified", verified),
    );
    ctx.push(
        round_event(m, m.address, ev.roundId, "seed_revealed")
            .col("block_hash", ev.blockHash)
            .col("seed", ev.seed)
            .col("used_extended", ev.usedExtendedHistory),
    );
    Ok(())
}

fn on_crash_point_revealed(
    ctx: &mut Ctx,
    ev: &Ev<HashCrash::CrashPointRevealed>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let crash = u64_of(ev.crashMultiplier, "crash multiplier")?;
    let verified = crash_point(ev.seed) == crash;
    if !verified {
        ctx.warn(&format!(
            "HashCrash {} round {}: crash {crash} differs from {} recomputed from the seed",
            hex(m.address),
            ev.roundId,
            crash_point(ev.seed)
        ));
    }
    ctx.push(
        round_update(m.address, ev.roundId, m.block_number)
            .set("state", "active")
            .set("crash_multiplier", crash)
            .set("crash_verified", verified)
            .set("revealed_block", m.block_number),
    );
    ctx.push(
        round_event(m, m.address, ev.roundId, "crash_revealed")
            .col("crash_multiplier", crash)
            .col("seed", ev.seed),
    );
    feed(
        ctx,
        m,
        m.address,
        "CRASH_REVEALED",
        json!({"round_id": ev.roundId.to_string(), "crash_multiplier": crash, "verified": verified}),
    );
    Ok(())
}

fn on_round_resolved(ctx: &mut Ctx, ev: &Ev<HashCrash::RoundResolved>) -> wraith_sdk::Result<()> {
    // HashCrash overloads the shared event: outcome = crash point ×100.
    let m = &ev.meta;
    ctx.push(
        round_event(m, m.address, ev.roundId, "resolved")
            .col("seed", ev.seed)
            .col("outcome", ev.outcome),
    );
    Ok(())
}

fn on_round_cancelled(ctx: &mut Ctx, ev: &Ev<HashCrash::RoundCancelled>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let round = round_row(ctx, m.address, ev.roundId)?;
    let expired = is_expiry(m, &round, &ev.reason)?;
    let state = if expired { "expired" } else { "cancelled" };
    ctx.push(
        round_update(m.address, ev.roundId, m.block_number)
            .set("state", state)
            .set("cancel_reason", ev.reason.as_str())
            .set("ended_block", m.block_number)
            .set("ended_at", time(m)),
    );
    ctx.push(round_event(m, m.address, ev.roundId, state).col("reason", ev.reason.as_str()));
    feed(
        ctx,
        m,
        m.address,
        "ROUND_CANCELLED",
        json!({"round_id": ev.roundId.to_string(), "reason": ev.reason, "expired": expired}),
    );
    Ok(())
}

/// Whether a `RoundCancelled` comes from `handleExpiredRound` (the round
/// becomes EXPIRED) rather than from a cancellation (CANCELLED).
fn is_expiry(meta: &Meta, round: &Row, reason: &str) -> wraith_sdk::Result<bool> {
    let selector = meta
        .input
        .as_ref()
        .and_then(|i| i.get(..4))
        .and_then(|s| <[u8; 4]>::try_from(s).ok());
    match selector {
        Some(s) if s == HashCrash::handleExpiredRoundCall::SELECTOR => return Ok(true),
        Some(s)
            if s == HashCrash::emergencyCancelCall::SELECTOR
                || s == HashCrash::lockRoundCall::SELECTOR
                || s == HashCrash::placeBetCall::SELECTOR =>
        {
            return Ok(false);
        }
        _ => {}
    }
    // Called through another contract: the contract's preconditions.
    if reason != "Seed expired"
        || round.text("state")? != "locked"
        || round.is_null("seed_deadline")?
    {
        return Ok(false);
    }
    let deadline = u64::try_from(round.i64("seed_deadline")?).unwrap_or(u64::MAX);
    Ok(meta.block_number > deadline)
}

fn on_seed_expired_event(
    ctx: &mut Ctx,
    ev: &Ev<HashCrash::SeedExpiredEvent>,
) -> wraith_sdk::Result<()> {
    // Emitted right before a revert: never in a receipt. Recorded if seen.
    let m = &ev.meta;
    ctx.warn(&format!(
        "SeedExpiredEvent reached a receipt (HashCrash {}, round {})",
        hex(m.address),
        ev.roundId
    ));
    ctx.push(
        round_event(m, m.address, ev.roundId, "seed_expired_event")
            .col("seed_block", u64_of(ev.seedBlock, "seed block")?)
            .col("deadline", u64_of(ev.expiredAtBlock, "expiry block")?),
    );
    Ok(())
}

// ─── Settlement ──────────────────────────────────────────────────────────────

fn on_player_won(ctx: &mut Ctx, ev: &Ev<HashCrash::PlayerWon>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let b = bet(ctx, m.address, ev.roundId, ev.player)?;
    let net = b.u256("net_amount")?;
    let expected = net
        .checked_mul(ev.targetMultiplier)
        .map(|v| v / U256::from(PRECISION));
    if expected != Some(ev.payout) {
        wraith_sdk::bail!(
            "PlayerWon payout {} of {} in round {} is not net {net} × target {} ÷ 100",
            ev.payout,
            hex(ev.player),
            ev.roundId,
            ev.targetMultiplier
        );
    }
    let round = round_row(ctx, m.address, ev.roundId)?;
    if !round.is_null("crash_multiplier")?
        && U256::from(u64::try_from(round.i64("crash_multiplier")?).unwrap_or(0))
            <= ev.targetMultiplier
    {
        wraith_sdk::bail!(
            "PlayerWon with target {} at or above the round's crash point",
            ev.targetMultiplier
        );
    }
    ctx.push(
        bet_update(m.address, ev.roundId, ev.player, m.block_number)
            .set("result", "won")
            .set("payout", ev.payout)
            .set("burned", U256::ZERO)
            .set("settled_block", m.block_number)
            .set("settle_tx", m.tx_hash),
    );
    ctx.push(
        round_update(m.address, ev.roundId, m.block_number)
            .add("winners", 1u32)
            .add("total_paid_out", ev.payout),
    );
    ctx.push(
        bet_event(m, ev.roundId, ev.player, "won")
            .col("target_multiplier", ev.targetMultiplier)
            .col("payout", ev.payout),
    );
    feed(
        ctx,
        m,
        m.address,
        "PLAYER_WON",
        json!({
            "round_id": ev.roundId.to_string(),
            "player": hex(ev.player),
            "target_multiplier": ev.targetMultiplier.to_string(),
            "payout": ev.payout.to_string(),
        }),
    );
    Ok(())
}

fn on_player_lost(ctx: &mut Ctx, ev: &Ev<HashCrash::PlayerLost>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let b = bet(ctx, m.address, ev.roundId, ev.player)?;
    // The loser's net bet is burned.
    let net = b.u256("net_amount")?;
    if ev.targetMultiplier < ev.crashMultiplier {
        wraith_sdk::bail!(
            "PlayerLost with target {} below crash {}",
            ev.targetMultiplier,
            ev.crashMultiplier
        );
    }
    ctx.push(
        bet_update(m.address, ev.roundId, ev.player, m.block_number)
            .set("result", "lost")
            .set("payout", U256::ZERO)
            .set("burned", net)
            .set("settled_block", m.block_number)
            .set("settle_tx", m.tx_hash),
    );
    ctx.push(
        round_update(m.address, ev.roundId, m.block_number)
            .add("losers", 1u32)
            .add("total_burned", net),
    );
    ctx.push(
        bet_event(m, ev.roundId, ev.player, "lost")
            .col("target_multiplier", ev.targetMultiplier)
            .col("crash_multiplier", ev.crashMultiplier)
            .col("amount", net),
    );
    feed(
        ctx,
        m,
        m.address,
        "PLAYER_LOST",
        json!({
            "round_id": ev.roundId.to_string(),
            "player": hex(ev.player),
            "target_multiplier": ev.targetMultiplier.to_string(),
            "crash_multiplier": ev.crashMultiplier.to_string(),
            "burned": net.to_string(),
        }),
    );
    Ok(())
}

fn on_player_paid_out(ctx: &mut Ctx, ev: &Ev<HashCrash::PlayerPaidOut>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let b = bet(ctx, m.address, ev.roundId, ev.player)?;
    let result = b.text("result")?;
    let kind = if ev.won {
        if !(result == "won" && same_tx(&b, "settle_tx", m)? && b.u256("payout")? == ev.payout) {
            wraith_sdk::bail!(
                "PlayerPaidOut({}, {}, {}, true) without the matching PlayerWon",
                ev.roundId,
                hex(ev.player),
                ev.payout
            );
        }
        "paid_out_win"
    } else if result == "lost" && same_tx(&b, "settle_tx", m)? && ev.payout.is_zero() {
        // A loss: PlayerLost precedes it in the same transaction.
        "paid_out_loss"
    } else if same_tx(&b, "refund_tx", m)? && b.u256("refund_amount")? == ev.payout {
        // A refund: ArcadeCore's ExpiredRefundClaimed precedes it.
        "paid_out_refund"
    } else {
        wraith_sdk::bail!(
            "PlayerPaidOut({}, {}, {}, false) follows neither PlayerLost nor ExpiredRefundClaimed \
             in tx {:#x}",
            ev.roundId,
            hex(ev.player),
            ev.payout,
            m.tx_hash
        );
    };
    ctx.push(bet_update(m.address, ev.roundId, ev.player, m.block_number).set("paid_out", true));
    ctx.push(bet_event(m, ev.roundId, ev.player, kind).col("payout", ev.payout));
    Ok(())
}

// ─── ArcadeCore's view of the rounds ─────────────────────────────────────────

/// The round a session of ArcadeCore belongs to, if `game` is a HashCrash
/// this handler indexes and the session id one of its rounds.
fn our_round(ctx: &mut Ctx, game: Address, session: U256) -> wraith_sdk::Result<bool> {
    Ok(ctx
        .get("hash_crash_rounds", round_key(game, session))?
        .is_some())
}

fn on_session_created(
    ctx: &mut Ctx,
    ev: &Ev<ArcadeCore::SessionCreated>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    if !our_round(ctx, ev.game, ev.sessionId)? {
        return Ok(());
    }
    ctx.push(
        Write::upsert("hash_crash_sessions")
            .key("arcade_core", m.address)
            .key("session_id", ev.sessionId)
            .set("hash_crash", ev.game)
            .set("created_block", m.block_number),
    );
    ctx.push(round_update(ev.game, ev.sessionId, m.block_number).set("arcade_core", m.address));
    ctx.push(
        Write::upsert("hash_crash_games")
            .key("hash_crash", ev.game)
            .set("arcade_core", m.address)
            .set("updated_at_block", m.block_number),
    );
    ctx.push(
        round_event(m, ev.game, ev.sessionId, "session_created").col("arcade_core", m.address),
    );
    Ok(())
}

fn on_session_settled(
    ctx: &mut Ctx,
    ev: &Ev<ArcadeCore::SessionSettled>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    if !our_round(ctx, ev.game, ev.sessionId)? {
        return Ok(());
    }
    // The only "round over" signal.
    ctx.push(
        round_update(ev.game, ev.sessionId, m.block_number)
            .set("state", "settled")
            .set("session_total_paid", ev.totalPaid)
            .set("session_remaining", ev.remaining)
            .set("ended_block", m.block_number)
            .set("ended_at", time(m)),
    );
    ctx.push(
        round_event(m, ev.game, ev.sessionId, "session_settled")
            .col("arcade_core", m.address)
            .col("total_paid", ev.totalPaid)
            .col("remaining", ev.remaining),
    );
    feed(
        ctx,
        m,
        ev.game,
        "ROUND_SETTLED",
        json!({
            "round_id": ev.sessionId.to_string(),
            "total_paid": ev.totalPaid.to_string(),
            "remaining": ev.remaining.to_string(),
        }),
    );
    Ok(())
}

fn on_session_cancelled(
    ctx: &mut Ctx,
    ev: &Ev<ArcadeCore::SessionCancelled>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    if !our_round(ctx, ev.game, ev.sessionId)? {
        return Ok(());
    }
    ctx.push(
        round_update(ev.game, ev.sessionId, m.block_number)
            .set("session_cancelled_prize_pool", ev.prizePool),
    );
    ctx.push(
        round_event(m, ev.game, ev.sessionId, "session_cancelled")
            .col("arcade_core", m.address)
            .col("prize_pool", ev.prizePool),
    );
    Ok(())
}

fn on_expired_refund_claimed(
    ctx: &mut Ctx,
    ev: &Ev<ArcadeCore::ExpiredRefundClaimed>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let Some(session) = ctx.get(
        "hash_crash_sessions",
        Key::new("arcade_core", m.address).and("session_id", ev.sessionId),
    )?
    else {
        return Ok(()); // another game's session
    };
    let game = session.address("hash_crash")?;
    ctx.push(
        bet_update(game, ev.sessionId, ev.player, m.block_number)
            .set("result", "refunded")
            .set("refund_amount", ev.amount)
            .set("refund_tx", m.tx_hash)
            .set("settled_block", m.block_number),
    );
    ctx.push(
        round_update(game, ev.sessionId, m.block_number)
            .add("refunds", 1u32)
            .add("total_refunded", ev.amount),
    );
    ctx.push(
        Write::insert("hash_crash_bet_events")
            .meta(m)
            .col("hash_crash", game)
            .col("round_id", ev.sessionId)
            .col("player", ev.player)
            .col("kind", "refund_claimed")
            .col("amount", ev.amount),
    );
    Ok(())
}

// ─── Administration ──────────────────────────────────────────────────────────

fn game_row(meta: &Meta) -> Write {
    Write::upsert("hash_crash_games")
        .key("hash_crash", meta.address)
        .set("updated_at_block", meta.block_number)
}

fn audit(ctx: &mut Ctx, meta: &Meta, event: &str, args: wraith_sdk::serde_json::Value) {
    ctx.push(
        Write::insert("arcade_admin_events")
            .meta(meta)
            .col("contract_address", meta.address)
            .col("contract_name", "HashCrash")
            .col("event_name", event)
            .col("args", Json(args)),
    );
}

fn on_active_status_changed(
    ctx: &mut Ctx,
    ev: &Ev<HashCrash::GameActiveStatusChanged>,
) -> wraith_sdk::Result<()> {
    ctx.push(game_row(&ev.meta).set("is_active", ev.isActive));
    audit(
        ctx,
        &ev.meta,
        "GameActiveStatusChanged",
        json!({"is_active": ev.isActive}),
    );
    Ok(())
}

fn on_ownership_transferred(
    ctx: &mut Ctx,
    ev: &Ev<HashCrash::OwnershipTransferred>,
) -> wraith_sdk::Result<()> {
    ctx.push(
        game_row(&ev.meta)
            .set("owner", ev.newOwner)
            .set("pending_owner", None::<Address>),
    );
    audit(
        ctx,
        &ev.meta,
        "OwnershipTransferred",
        json!({"previous_owner": hex(ev.previousOwner), "new_owner": hex(ev.newOwner)}),
    );
    Ok(())
}

fn on_ownership_transfer_started(
    ctx: &mut Ctx,
    ev: &Ev<HashCrash::OwnershipTransferStarted>,
) -> wraith_sdk::Result<()> {
    ctx.push(game_row(&ev.meta).set("pending_owner", ev.newOwner));
    audit(
        ctx,
        &ev.meta,
        "OwnershipTransferStarted",
        json!({"previous_owner": hex(ev.previousOwner), "new_owner": hex(ev.newOwner)}),
    );
    Ok(())
}

fn on_paused(ctx: &mut Ctx, ev: &Ev<HashCrash::Paused>) -> wraith_sdk::Result<()> {
    ctx.push(game_row(&ev.meta).set("paused", true));
    audit(ctx, &ev.meta, "Paused", json!({"account": hex(ev.account)}));
    Ok(())
}

fn on_unpaused(ctx: &mut Ctx, ev: &Ev<HashCrash::Unpaused>) -> wraith_sdk::Result<()> {
    ctx.push(game_row(&ev.meta).set("paused", false));
    audit(
        ctx,
        &ev.meta,
        "Unpaused",
        json!({"account": hex(ev.account)}),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wraith_sdk::{Handler, SolEvent};

    fn seed_with_low(h: u64) -> U256 {
        // Arbitrary high bits must not matter.
        (U256::from(0xdead_beefu64) << 200) | U256::from(h)
    }

    #[test]
    fn crash_point_house_edge_is_one_x() {
        let threshold = (1u64 << 52) * 400 / 10_000;
        assert_eq!(crash_point(seed_with_low(0)), 100);
        assert_eq!(crash_point(seed_with_low(threshold - 1)), 100);
        // At the threshold: (2^52 − thr) × 100 ÷ (2^52 − thr) = 100.
        assert_eq!(crash_point(seed_with_low(threshold)), 100);
    }

    #[test]
    fn crash_point_formula_and_clamp() {
        let max = 1u128 << 52;
        let thr = max * 400 / 10_000;
        let h = max / 2; // crash = (2^52 − thr) × 100 ÷ 2^51 = 192
        assert_eq!(
            u128::from(crash_point(seed_with_low(u64::try_from(h).unwrap()))),
            (max - thr) * 100 / (max - h)
        );
        assert_eq!(crash_point(seed_with_low(u64::try_from(h).unwrap())), 192);
        assert_eq!(crash_point(seed_with_low((1u64 << 52) - 1)), 10_000);
    }

    #[test]
    fn seed_is_keccak_of_the_abi_encoding() {
        let hash = B256::repeat_byte(0x11);
        let game: Address = "0x00000000000000000000000000000000000000aa"
            .parse()
            .unwrap();
        let mut enc = Vec::new();
        enc.extend_from_slice(hash.as_slice());
        enc.extend_from_slice(&U256::from(7u64).to_be_bytes::<32>());
        enc.extend_from_slice(&[0u8; 12]);
        enc.extend_from_slice(game.as_slice());
        enc.extend_from_slice(&U256::from(31_337u64).to_be_bytes::<32>());
        let want = U256::from_be_bytes(wraith_sdk::primitives::keccak256(&enc).0);
        assert_eq!(expected_seed(hash, U256::from(7u64), game, 31_337), want);
    }

    #[test]
    fn manifest_covers_the_game_and_its_sessions() {
        let m = WraithHandler::manifest().into_wit();
        assert_eq!(m.events.len(), 20);
        assert_eq!(
            format!("{:#x}", HashCrash::BetPlaced::SIGNATURE_HASH),
            "0xab2115bac1de808eb7fe2be0309085b11f1f42b1eb980de8352efefdbfc098e2"
        );
        assert_eq!(
            format!("{:#x}", HashCrash::RoundStarted::SIGNATURE_HASH),
            "0x63491b3088598679c9db886eb7417027140119d69409561aeb47f34d868d9b57"
        );
        let cancelled = m
            .events
            .iter()
            .find(|e| e.signature.contains("RoundCancelled"))
            .unwrap();
        assert!(cancelled.needs_tx_input);
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
