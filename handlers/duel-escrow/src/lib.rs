//! GHOSTNET DuelEscrow handler: 1v1 matches resolved by a signing oracle.
//!
//! Models `DuelEscrow` (`shared/ghostnet/CONTRACTS.md` §3.10, §3.12) for
//! every contract bound to the logical contract `"DuelEscrow"`. Its
//! ArcadeCore side (sessions keyed by match id, entries, credits) is indexed
//! by the arcade-core handler; this handler reads only DuelEscrow's events.
//!
//! * **Creation** (`duel_matches`, keyed by (DuelEscrow, matchId)):
//!   `MatchCreated(id, p1, p2, stakeTier, expiresAt)` then `RoundStarted(id,
//!   0, ts)`. **`stakeTier` carries the stake amount in wei**, not the enum:
//!   it is stored as `stake`; `stake_tier` is the tier whose constant equals
//!   that amount (BRONZE 50, SILVER 150, GOLD 300, DIAMOND 500 DATA).
//! * **Joins**: each invited player once → ArcadeCore entry, then
//!   `PlayerJoined(net)` and the 4-argument `BetPlaced(id, player, stake,
//!   net)`; the second join also emits `MatchStarted(prizePool, timeoutAt)`
//!   (state created → waiting → active). The pool is the sum of the nets;
//!   `MatchStarted.prizePool` must equal it.
//! * **Resolution** (oracle-signed): WIN/FORFEIT credit the whole pool to the
//!   winner and nothing to the loser (`PlayerPaidOut(winner, pool, true)`,
//!   `PlayerPaidOut(loser, 0, false)`, `MatchResolved(winner, pool,
//!   outcome)`). **TIE**: 10 % of the pool is burned (⌊burn / 2⌋ on player 1,
//!   the rest on player 2), the remainder split in two with player 2 getting
//!   the odd wei; `MatchResolved(0x0, share of player 1 only, TIE)`. Player
//!   2's share is derived exactly as the contract computes it ([`TieSplit`])
//!   and checked against its `PlayerPaidOut`. (With the fixed stake tiers
//!   and an integer-bps rake every pool is a multiple of 5·10^14 wei, so the
//!   odd wei cannot occur with the deployed constants; the derivation
//!   follows the contract regardless and is unit-tested with odd pools.) `RoundResolved(id, seed =
//!   winner as uint, outcome = enum)` closes the resolution (recorded and
//!   checked).
//! * **`PlayerPaidOut(won = false)`** is a loss, a tie share or a refund.
//!   Resolution payouts only happen in an ACTIVE match and refunds only in a
//!   CANCELLED one; within a resolution, the winner's `PlayerPaidOut(true)`
//!   precedes the loser's, so a `won = false` payout after the other player
//!   won is the loss and otherwise a tie share.
//! * **Cancellation**: every cancellation emits ArcadeCore
//!   `SessionCancelled`, then `MatchCancelled(reason)` and
//!   `RoundCancelled(reason)` ("Match expired", "Match timed out", "Result
//!   timeout", or the owner's reason). An oracle TIMEOUT result is a
//!   cancellation ("Result timeout") and the contract stores outcome
//!   TIMEOUT: `MatchCancelled` is declared with `[tx_input]` and a
//!   transaction calling `submitResult(id, _, TIMEOUT, …)` sets `outcome =
//!   'timeout'` (an owner may use the same reason text, so the text alone
//!   does not decide; if the oracle's call goes through another contract
//!   the calldata is not `submitResult` and `outcome` stays NULL, the
//!   reason being kept). Refunds: ArcadeCore `ExpiredRefundClaimed` then
//!   `PlayerPaidOut(net, false)` → `player*_refund`.
//! * `OracleUpdated`, `OwnershipTransferred`, `OwnershipTransferStarted`,
//!   `Paused`, `Unpaused` update `duel_escrows` and are appended to the
//!   shared audit trail `arcade_admin_events`. The constructor's oracle is
//!   in no event (`oracle` stays NULL until the first `OracleUpdated`);
//!   `setActive` emits nothing.
//!
//! Every event is also a row of the history table `duel_events`; feed
//! messages go to `ghostnet.duels`.

use wraith_sdk::{
    Address, Ctx, Ev, Json, Key, Message, Meta, Row, SolCall, Timestamp, U256, Write, json, sol,
};

sol! {
    /// DuelEscrow's events (CONTRACTS.md §3.10, §3.12, §3.16) and the
    /// oracle call whose calldata says a cancellation is a TIMEOUT result.
    #[sol(abi)]
    contract DuelEscrow {
        event MatchCreated(uint256 indexed matchId, address indexed player1, address indexed player2, uint256 stakeTier, uint64 expiresAt);
        event PlayerJoined(uint256 indexed matchId, address indexed player, uint256 netAmount);
        event MatchStarted(uint256 indexed matchId, uint256 prizePool, uint64 timeoutAt);
        event MatchResolved(uint256 indexed matchId, address indexed winner, uint256 winnerPayout, uint8 outcome);
        event MatchCancelled(uint256 indexed matchId, string reason);
        event OracleUpdated(address indexed oldOracle, address indexed newOracle);
        event RoundStarted(uint256 indexed roundId, uint256 seedBlock, uint64 timestamp);
        event BetPlaced(uint256 indexed roundId, address indexed player, uint256 amount, uint256 netAmount);
        event RoundResolved(uint256 indexed roundId, uint256 seed, uint256 outcome);
        event PlayerPaidOut(uint256 indexed roundId, address indexed player, uint256 payout, bool won);
        event RoundCancelled(uint256 indexed roundId, string reason);
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        event Paused(address account);
        event Unpaused(address account);

        function submitResult(uint256 matchId, address winner, uint8 outcome, bytes signature, bytes32 nonce) external;
    }
}

wraith_sdk::handler! {
    name: "duel-escrow",
    tables: [
        duel_escrows: Entity,
        duel_matches: Entity,
        duel_events: AppendOnly,
        arcade_admin_events: AppendOnly,
    ],
    streams: ["ghostnet.duels"],
    events: [
        "DuelEscrow": DuelEscrow::MatchCreated => on_match_created,
        "DuelEscrow": DuelEscrow::PlayerJoined => on_player_joined,
        "DuelEscrow": DuelEscrow::MatchStarted => on_match_started,
        "DuelEscrow": DuelEscrow::MatchResolved => on_match_resolved,
        "DuelEscrow": DuelEscrow::MatchCancelled => on_match_cancelled [tx_input],
        "DuelEscrow": DuelEscrow::OracleUpdated => on_oracle_updated,
        "DuelEscrow": DuelEscrow::RoundStarted => on_round_started,
        "DuelEscrow": DuelEscrow::BetPlaced => on_bet_placed,
        "DuelEscrow": DuelEscrow::RoundResolved => on_round_resolved,
        "DuelEscrow": DuelEscrow::PlayerPaidOut => on_player_paid_out,
        "DuelEscrow": DuelEscrow::RoundCancelled => on_round_cancelled,
        "DuelEscrow": DuelEscrow::OwnershipTransferred => on_ownership_transferred,
        "DuelEscrow": DuelEscrow::OwnershipTransferStarted => on_ownership_transfer_started,
        "DuelEscrow": DuelEscrow::Paused => on_paused,
        "DuelEscrow": DuelEscrow::Unpaused => on_unpaused,
    ],
}

const STREAM: &str = "ghostnet.duels";

/// `MatchOutcome` values.
const OUTCOME_WIN: u8 = 1;
const OUTCOME_TIE: u8 = 2;
const OUTCOME_FORFEIT: u8 = 3;
const OUTCOME_TIMEOUT: u8 = 4;

/// How DuelEscrow splits a tied pool (`_resolve`, outcome TIE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TieSplit {
    /// ⌊pool / 10⌋, burned.
    pub burned: U256,
    /// ⌊burned / 2⌋, the burn charged to player 1.
    pub player1_burned: U256,
    /// burned − player1_burned.
    pub player2_burned: U256,
    /// ⌊(pool − burned) / 2⌋, the share reported by `MatchResolved`.
    pub player1: U256,
    /// pool − burned − player1: player 2 gets the odd wei.
    pub player2: U256,
}

impl TieSplit {
    /// The split of `pool`.
    pub fn new(pool: U256) -> Self {
        let burned = pool / U256::from(10u64);
        let rest = pool - burned;
        let player1 = rest / U256::from(2u64);
        let player1_burned = burned / U256::from(2u64);
        Self {
            burned,
            player1_burned,
            player2_burned: burned - player1_burned,
            player1,
            player2: rest - player1,
        }
    }
}

/// The stake tier whose constant equals `stake` (the amount
/// `MatchCreated.stakeTier` carries).
pub fn stake_tier(stake: U256) -> Option<&'static str> {
    let data = U256::from(10u64).pow(U256::from(18u64));
    [
        (50u64, "bronze"),
        (150, "silver"),
        (300, "gold"),
        (500, "diamond"),
    ]
    .into_iter()
    .find(|(n, _)| U256::from(*n) * data == stake)
    .map(|(_, name)| name)
}

fn hex(a: Address) -> String {
    format!("{a:#x}")
}

fn time(meta: &Meta) -> Timestamp {
    Timestamp(i64::try_from(meta.block_timestamp).unwrap_or(i64::MAX))
}

fn ts(secs: u64) -> Timestamp {
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

fn match_key(duel: Address, id: U256) -> Key {
    Key::new("duel_escrow", duel).and("match_id", id)
}

fn match_update(meta: &Meta, id: U256) -> Write {
    Write::update("duel_matches")
        .key("duel_escrow", meta.address)
        .key("match_id", id)
        .set("updated_at_block", meta.block_number)
}

fn history(meta: &Meta, id: U256, kind: &str) -> Write {
    Write::insert("duel_events")
        .meta(meta)
        .col("duel_escrow", meta.address)
        .col("match_id", id)
        .col("kind", kind)
}

fn feed(ctx: &mut Ctx, meta: &Meta, id: U256, kind: &str, data: wraith_sdk::serde_json::Value) {
    ctx.push(Message::new(
        STREAM,
        format!("{}:{id}", hex(meta.address)),
        json!({
            "type": kind,
            "data": data,
            "duel_escrow": hex(meta.address),
            "match_id": id.to_string(),
            "timestamp": meta.block_timestamp * 1000,
        }),
    ));
}

fn get_match(ctx: &mut Ctx, meta: &Meta, id: U256) -> wraith_sdk::Result<Row> {
    ctx.get("duel_matches", match_key(meta.address, id))?
        .ok_or_else(|| {
            wraith_sdk::Error(format!(
                "no indexed match {id} of DuelEscrow {}",
                hex(meta.address)
            ))
        })
}

/// Which side of the match `player` is: 1 or 2.
fn slot(row: &Row, player: Address, id: U256) -> wraith_sdk::Result<u8> {
    if row.address("player1")? == player {
        Ok(1)
    } else if row.address("player2")? == player {
        Ok(2)
    } else {
        wraith_sdk::bail!("{} is not a player of match {id}", hex(player))
    }
}

fn col(slot: u8, name: &str) -> String {
    format!("player{slot}_{name}")
}

fn opt_u256(row: &Row, column: &str) -> wraith_sdk::Result<Option<U256>> {
    if row.is_null(column)? {
        Ok(None)
    } else {
        row.u256(column).map(Some)
    }
}

// ─── Lifecycle ───────────────────────────────────────────────────────────────

fn on_match_created(ctx: &mut Ctx, ev: &Ev<DuelEscrow::MatchCreated>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    // stakeTier is the stake amount in wei.
    let stake = ev.stakeTier;
    ctx.push(
        Write::upsert("duel_matches")
            .key("duel_escrow", m.address)
            .key("match_id", ev.matchId)
            .set("player1", ev.player1)
            .set("player2", ev.player2)
            .set("stake", stake)
            .set("stake_tier", stake_tier(stake))
            .set("state", "created")
            .set("created_at", time(m))
            .set("created_block", m.block_number)
            .set("expires_at", ts(ev.expiresAt))
            .set("updated_at_block", m.block_number),
    );
    ctx.push(contract_row(m).max("match_count", ev.matchId));
    ctx.push(
        history(m, ev.matchId, "created")
            .col("amount", stake)
            .col("event_timestamp", ts(ev.expiresAt)),
    );
    feed(
        ctx,
        m,
        ev.matchId,
        "MATCH_CREATED",
        json!({
            "player1": hex(ev.player1),
            "player2": hex(ev.player2),
            "stake": stake.to_string(),
            "stake_tier": stake_tier(stake),
            "expires_at": ev.expiresAt,
        }),
    );
    Ok(())
}

fn on_round_started(ctx: &mut Ctx, ev: &Ev<DuelEscrow::RoundStarted>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    if !ev.seedBlock.is_zero() {
        ctx.warn(&format!(
            "DuelEscrow {} RoundStarted({}) with seed block {} (always 0 for duels)",
            hex(m.address),
            ev.roundId,
            ev.seedBlock
        ));
    }
    ctx.push(history(m, ev.roundId, "round_started").col("event_timestamp", ts(ev.timestamp)));
    Ok(())
}

fn on_player_joined(ctx: &mut Ctx, ev: &Ev<DuelEscrow::PlayerJoined>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let row = get_match(ctx, m, ev.matchId)?;
    let side = slot(&row, ev.player, ev.matchId)?;
    let other_joined = opt_u256(&row, &col(3 - side, "net"))?.is_some();
    let mut w = match_update(m, ev.matchId)
        .set(&col(side, "net"), ev.netAmount)
        .add("prize_pool", ev.netAmount);
    if !other_joined {
        w = w.set("state", "waiting");
    }
    ctx.push(w);
    ctx.push(
        history(m, ev.matchId, "joined")
            .col("player", ev.player)
            .col("net_amount", ev.netAmount),
    );
    feed(
        ctx,
        m,
        ev.matchId,
        "PLAYER_JOINED",
        json!({"player": hex(ev.player), "net_amount": ev.netAmount.to_string()}),
    );
    Ok(())
}

fn on_bet_placed(ctx: &mut Ctx, ev: &Ev<DuelEscrow::BetPlaced>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let row = get_match(ctx, m, ev.roundId)?;
    if row.u256("stake")? != ev.amount {
        ctx.warn(&format!(
            "DuelEscrow {} BetPlaced({}) amount {} differs from the match stake {}",
            hex(m.address),
            ev.roundId,
            ev.amount,
            row.u256("stake")?
        ));
    }
    ctx.push(
        history(m, ev.roundId, "bet_placed")
            .col("player", ev.player)
            .col("amount", ev.amount)
            .col("net_amount", ev.netAmount),
    );
    Ok(())
}

fn on_match_started(ctx: &mut Ctx, ev: &Ev<DuelEscrow::MatchStarted>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let row = get_match(ctx, m, ev.matchId)?;
    let joined = row.u256("prize_pool")?;
    if joined != ev.prizePool {
        wraith_sdk::bail!(
            "MatchStarted({}) pool {} is not the sum of the joins' nets {joined}",
            ev.matchId,
            ev.prizePool
        );
    }
    ctx.push(
        match_update(m, ev.matchId)
            .set("state", "active")
            .set("prize_pool", ev.prizePool)
            .set("timeout_at", ts(ev.timeoutAt))
            .set("started_block", m.block_number),
    );
    ctx.push(
        history(m, ev.matchId, "started")
            .col("amount", ev.prizePool)
            .col("event_timestamp", ts(ev.timeoutAt)),
    );
    feed(
        ctx,
        m,
        ev.matchId,
        "MATCH_STARTED",
        json!({"prize_pool": ev.prizePool.to_string(), "timeout_at": ev.timeoutAt}),
    );
    Ok(())
}

fn on_player_paid_out(ctx: &mut Ctx, ev: &Ev<DuelEscrow::PlayerPaidOut>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let row = get_match(ctx, m, ev.roundId)?;
    let side = slot(&row, ev.player, ev.roundId)?;
    let state = row.text("state")?;
    let (kind, result, column) = match state.as_str() {
        // Refunds only exist once the match is cancelled.
        "cancelled" if !ev.won => ("payout_refund", "refunded", col(side, "refund")),
        "active" if ev.won => ("payout_win", "won", col(side, "payout")),
        "active" => {
            let other = col(3 - side, "result");
            let other_won = !row.is_null(&other)? && row.text(&other)? == "won";
            if other_won {
                if !ev.payout.is_zero() {
                    wraith_sdk::bail!(
                        "loser {} of match {} paid {}",
                        hex(ev.player),
                        ev.roundId,
                        ev.payout
                    );
                }
                ("payout_loss", "lost", col(side, "payout"))
            } else {
                ("payout_tie", "tie", col(side, "payout"))
            }
        }
        other => wraith_sdk::bail!(
            "PlayerPaidOut({}, {}, {}, {}) in a {other} match",
            ev.roundId,
            hex(ev.player),
            ev.payout,
            ev.won
        ),
    };
    ctx.push(
        match_update(m, ev.roundId)
            .set(&column, ev.payout)
            .set(&col(side, "result"), result),
    );
    ctx.push(
        history(m, ev.roundId, kind)
            .col("player", ev.player)
            .col("payout", ev.payout),
    );
    Ok(())
}

fn outcome_name(outcome: u8) -> Option<&'static str> {
    match outcome {
        OUTCOME_WIN => Some("win"),
        OUTCOME_TIE => Some("tie"),
        OUTCOME_FORFEIT => Some("forfeit"),
        OUTCOME_TIMEOUT => Some("timeout"),
        _ => None,
    }
}

fn on_match_resolved(ctx: &mut Ctx, ev: &Ev<DuelEscrow::MatchResolved>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let row = get_match(ctx, m, ev.matchId)?;
    let pool = row.u256("prize_pool")?;
    let w = match_update(m, ev.matchId)
        .set("state", "resolved")
        .set("reported_payout", ev.winnerPayout)
        .set("resolved_block", m.block_number);
    let w = match ev.outcome {
        OUTCOME_TIE => {
            let split = TieSplit::new(pool);
            if split.player1 != ev.winnerPayout {
                wraith_sdk::bail!(
                    "TIE of match {}: reported share {} is not ⌊(pool {pool} − burn) / 2⌋ = {}",
                    ev.matchId,
                    ev.winnerPayout,
                    split.player1
                );
            }
            for (side, share) in [(1u8, split.player1), (2, split.player2)] {
                if let Some(paid) = opt_u256(&row, &col(side, "payout"))?
                    && paid != share
                {
                    wraith_sdk::bail!(
                        "TIE of match {}: player {side} was paid {paid}, the split gives {share}",
                        ev.matchId
                    );
                }
            }
            w.set("outcome", "tie")
                .set("winner", None::<Address>)
                .set("burned", split.burned)
                .set("player1_burned", split.player1_burned)
                .set("player2_burned", split.player2_burned)
                .set("player1_payout", split.player1)
                .set("player2_payout", split.player2)
                .set("player1_result", "tie")
                .set("player2_result", "tie")
        }
        OUTCOME_WIN | OUTCOME_FORFEIT => {
            let winner = slot(&row, ev.winner, ev.matchId)?;
            if ev.winnerPayout != pool {
                wraith_sdk::bail!(
                    "match {} winner paid {} instead of the pool {pool}",
                    ev.matchId,
                    ev.winnerPayout
                );
            }
            let loser = 3 - winner;
            w.set("outcome", outcome_name(ev.outcome))
                .set("winner", ev.winner)
                .set("burned", U256::ZERO)
                .set("player1_burned", U256::ZERO)
                .set("player2_burned", U256::ZERO)
                .set(&col(winner, "payout"), pool)
                .set(&col(loser, "payout"), U256::ZERO)
                .set(&col(winner, "result"), "won")
                .set(&col(loser, "result"), "lost")
        }
        other => wraith_sdk::bail!("MatchResolved({}) with outcome {other}", ev.matchId),
    };
    ctx.push(w);
    ctx.push(
        history(m, ev.matchId, "resolved")
            .col("player", (!ev.winner.is_zero()).then_some(ev.winner))
            .col("payout", ev.winnerPayout)
            .col("outcome", outcome_name(ev.outcome)),
    );
    feed(
        ctx,
        m,
        ev.matchId,
        "MATCH_RESOLVED",
        json!({
            "winner": (!ev.winner.is_zero()).then(|| hex(ev.winner)),
            "winner_payout": ev.winnerPayout.to_string(),
            "outcome": outcome_name(ev.outcome),
        }),
    );
    Ok(())
}

fn on_round_resolved(ctx: &mut Ctx, ev: &Ev<DuelEscrow::RoundResolved>) -> wraith_sdk::Result<()> {
    // DuelEscrow overloads the shared event: seed = winner as uint,
    // outcome = MatchOutcome.
    let m = &ev.meta;
    let row = get_match(ctx, m, ev.roundId)?;
    let winner = if row.is_null("winner")? {
        Address::ZERO
    } else {
        row.address("winner")?
    };
    let outcome = u8::try_from(ev.outcome).ok().and_then(outcome_name);
    let agrees = ev.seed == U256::from_be_slice(winner.as_slice())
        && outcome.is_some()
        && row.text("outcome").ok().as_deref() == outcome;
    if !agrees {
        ctx.warn(&format!(
            "DuelEscrow {} RoundResolved({}, {}, {}) disagrees with MatchResolved",
            hex(m.address),
            ev.roundId,
            ev.seed,
            ev.outcome
        ));
    }
    ctx.push(
        history(m, ev.roundId, "round_resolved")
            .col("seed", ev.seed)
            .col("outcome", outcome),
    );
    Ok(())
}

/// Whether the transaction is the oracle's `submitResult(id, _, TIMEOUT, …)`.
fn is_timeout_result(meta: &Meta, id: U256) -> bool {
    meta.input
        .as_ref()
        .and_then(|input| DuelEscrow::submitResultCall::abi_decode(input).ok())
        .is_some_and(|call| call.matchId == id && call.outcome == OUTCOME_TIMEOUT)
}

fn on_match_cancelled(
    ctx: &mut Ctx,
    ev: &Ev<DuelEscrow::MatchCancelled>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let timeout = is_timeout_result(m, ev.matchId);
    let mut w = match_update(m, ev.matchId)
        .set("state", "cancelled")
        .set("cancel_reason", ev.reason.as_str())
        .set("cancelled_block", m.block_number);
    if timeout {
        w = w.set("outcome", "timeout");
    }
    ctx.push(w);
    ctx.push(
        history(m, ev.matchId, "cancelled")
            .col("reason", ev.reason.as_str())
            .col("outcome", timeout.then_some("timeout")),
    );
    feed(
        ctx,
        m,
        ev.matchId,
        "MATCH_CANCELLED",
        json!({"reason": ev.reason, "timeout_result": timeout}),
    );
    Ok(())
}

fn on_round_cancelled(
    ctx: &mut Ctx,
    ev: &Ev<DuelEscrow::RoundCancelled>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let row = get_match(ctx, m, ev.roundId)?;
    if row.text("cancel_reason").ok().as_deref() != Some(ev.reason.as_str()) {
        ctx.warn(&format!(
            "DuelEscrow {} RoundCancelled({}, {:?}) without the matching MatchCancelled",
            hex(m.address),
            ev.roundId,
            ev.reason
        ));
    }
    ctx.push(history(m, ev.roundId, "round_cancelled").col("reason", ev.reason.as_str()));
    Ok(())
}

// ─── Administration ──────────────────────────────────────────────────────────

fn contract_row(meta: &Meta) -> Write {
    Write::upsert("duel_escrows")
        .key("duel_escrow", meta.address)
        .set("updated_at_block", meta.block_number)
}

fn audit(ctx: &mut Ctx, meta: &Meta, event: &str, args: wraith_sdk::serde_json::Value) {
    ctx.push(
        Write::insert("arcade_admin_events")
            .meta(meta)
            .col("contract_address", meta.address)
            .col("contract_name", "DuelEscrow")
            .col("event_name", event)
            .col("args", Json(args)),
    );
}

fn on_oracle_updated(ctx: &mut Ctx, ev: &Ev<DuelEscrow::OracleUpdated>) -> wraith_sdk::Result<()> {
    ctx.push(contract_row(&ev.meta).set("oracle", ev.newOracle));
    audit(
        ctx,
        &ev.meta,
        "OracleUpdated",
        json!({"old_oracle": hex(ev.oldOracle), "new_oracle": hex(ev.newOracle)}),
    );
    Ok(())
}

fn on_ownership_transferred(
    ctx: &mut Ctx,
    ev: &Ev<DuelEscrow::OwnershipTransferred>,
) -> wraith_sdk::Result<()> {
    ctx.push(
        contract_row(&ev.meta)
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
    ev: &Ev<DuelEscrow::OwnershipTransferStarted>,
) -> wraith_sdk::Result<()> {
    ctx.push(contract_row(&ev.meta).set("pending_owner", ev.newOwner));
    audit(
        ctx,
        &ev.meta,
        "OwnershipTransferStarted",
        json!({"previous_owner": hex(ev.previousOwner), "new_owner": hex(ev.newOwner)}),
    );
    Ok(())
}

fn on_paused(ctx: &mut Ctx, ev: &Ev<DuelEscrow::Paused>) -> wraith_sdk::Result<()> {
    ctx.push(contract_row(&ev.meta).set("paused", true));
    audit(ctx, &ev.meta, "Paused", json!({"account": hex(ev.account)}));
    Ok(())
}

fn on_unpaused(ctx: &mut Ctx, ev: &Ev<DuelEscrow::Unpaused>) -> wraith_sdk::Result<()> {
    ctx.push(contract_row(&ev.meta).set("paused", false));
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

    #[test]
    fn tie_split_gives_player_two_the_odd_wei() {
        // pool 1001: burn 100 (50 + 50), rest 901 → 450 / 451.
        let s = TieSplit::new(U256::from(1001u64));
        assert_eq!(s.burned, U256::from(100u64));
        assert_eq!(
            (s.player1_burned, s.player2_burned),
            (U256::from(50u64), U256::from(50u64))
        );
        assert_eq!(
            (s.player1, s.player2),
            (U256::from(450u64), U256::from(451u64))
        );
        // pool 19: burn 1 (0 + 1), rest 18 → 9 / 9.
        let s = TieSplit::new(U256::from(19u64));
        assert_eq!(
            (s.player1_burned, s.player2_burned),
            (U256::ZERO, U256::from(1u64))
        );
        assert_eq!((s.player1, s.player2), (U256::from(9u64), U256::from(9u64)));
    }

    #[test]
    fn tie_split_conserves_the_pool() {
        for pool in [
            "0",
            "1",
            "9",
            "10",
            "11",
            "95000000000000000000",
            "290010000000000000001",
        ] {
            let p: U256 = pool.parse().unwrap();
            let s = TieSplit::new(p);
            assert_eq!(s.player1 + s.player2 + s.burned, p);
            assert_eq!(s.player1_burned + s.player2_burned, s.burned);
        }
    }

    #[test]
    fn stake_tier_is_read_from_the_amount() {
        let data = U256::from(10u64).pow(U256::from(18u64));
        assert_eq!(stake_tier(U256::from(50u64) * data), Some("bronze"));
        assert_eq!(stake_tier(U256::from(500u64) * data), Some("diamond"));
        // The enum value itself is not a stake.
        assert_eq!(stake_tier(U256::from(1u64)), None);
    }

    #[test]
    fn manifest_declares_fifteen_events() {
        let m = WraithHandler::manifest().into_wit();
        assert_eq!(m.events.len(), 15);
        assert_eq!(
            format!("{:#x}", DuelEscrow::MatchCreated::SIGNATURE_HASH),
            "0x374efe51dc07ce4a357369b8c0009200c0592c9707a8a051c13a6035ed5c8dc2"
        );
        assert_eq!(
            format!("{:#x}", DuelEscrow::BetPlaced::SIGNATURE_HASH),
            "0x1b8a9031cb9351278d70a994f81536e9e08c91162e64f92b2fe4766fb7a891b4"
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
