//! The arcade: `GET /api/v1/arcade/games`, `GET /api/v1/arcade/sessions`,
//! `GET /api/v1/arcade/hashcrash/rounds` (+ `/{round_id}`),
//! `GET /api/v1/arcade/duels` (+ `/{match_id}`) and
//! `GET /api/v1/arcade/dailyops/{address}`.
//!
//! Session, round and match ids are uint256 values served as decimal
//! strings; they are unique per contract (ArcadeCore, HashCrash,
//! DuelEscrow), so every row names its contract.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;
use serde_json::{Value, json};

use super::params::{self, Params};
use super::{ApiError, ApiState, parse_address};

/// A game registered with an ArcadeCore, with its entry config.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct Game {
    arcade_core: String,
    game: String,
    /// The name a GameRegistry registered it under (`null` if registered
    /// directly with ArcadeCore).
    name: Option<String>,
    min_entry: String,
    max_entry: String,
    rake_bps: i32,
    burn_bps: i32,
    requires_position: bool,
    paused: bool,
    registered_block: Option<i64>,
    registered_at: Option<i64>,
    quarantined_at_block: Option<i64>,
    session_count: i64,
    /// Sum of the gross entries of its sessions (wei).
    total_wagered: String,
}

/// `GET /api/v1/arcade/games`: registered games (unregistered ones are
/// gone, as on-chain), by ArcadeCore then game address, paged.
#[utoipa::path(
    get,
    operation_id = "arcade_games",
    path = "/api/v1/arcade/games",
    tag = "arcade",
    params(super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::GamePage), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn games(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["limit", "offset"])?;
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let rows: Vec<Game> = sqlx::query_as(
        "SELECT '0x' || encode(g.arcade_core, 'hex') AS arcade_core, '0x' || encode(g.game, 'hex') AS game,
            (SELECT r.name FROM registry_games r WHERE r.game = g.game
               AND (r.arcade_core IS NULL OR r.arcade_core = g.arcade_core)
             ORDER BY r.registered_block DESC, r.registry LIMIT 1) AS name,
            g.min_entry::text AS min_entry, g.max_entry::text AS max_entry, g.rake_bps, g.burn_bps,
            g.requires_position, g.paused, g.registered_block,
            extract(epoch from g.registered_at)::int8 AS registered_at, g.quarantined_at_block,
            (SELECT count(*) FROM arcade_sessions s
             WHERE s.arcade_core = g.arcade_core AND s.game = g.game) AS session_count,
            (SELECT COALESCE(sum(s.gross_total), 0) FROM arcade_sessions s
             WHERE s.arcade_core = g.arcade_core AND s.game = g.game)::text AS total_wagered
         FROM arcade_games g ORDER BY g.arcade_core, g.game LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM arcade_games")
        .fetch_one(&state.pool)
        .await?;
    Ok(Json(
        json!({ "games": rows, "total": total, "limit": limit, "offset": offset }),
    ))
}

/// An ArcadeCore session (a HashCrash round or a duel match as ArcadeCore
/// sees it).
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct Session {
    arcade_core: String,
    session_id: String,
    game: String,
    /// `active`, `settled` or `cancelled`.
    state: String,
    created_at: i64,
    created_block: i64,
    player_count: i32,
    entry_count: i32,
    gross_total: String,
    net_total: String,
    rake_total: String,
    rake_burned: String,
    rake_treasury: String,
    /// Net entries minus refunds (`prizePool`).
    prize_pool: String,
    /// Payouts plus burns credited (`totalPaid`).
    total_paid: String,
    total_payout: String,
    total_burned: String,
    refund_total: String,
    /// `game` or `quarantine` for a cancelled session.
    cancel_cause: Option<String>,
    ended_block: Option<i64>,
    ended_at: Option<i64>,
}

const SESSION_FILTER: &str = "($1::bytea IS NULL OR s.game = $1)
    AND ($2::bytea IS NULL OR EXISTS (SELECT 1 FROM arcade_session_players sp
         WHERE sp.arcade_core = s.arcade_core AND sp.session_id = s.session_id AND sp.player = $2))
    AND ($3::text IS NULL OR s.state = $3)";

/// `GET /api/v1/arcade/sessions`: sessions, newest first (by creation
/// block, then session id), filtered by `game`, `player` (who entered) and
/// `state` (`active` / `settled` / `cancelled`), paged.
#[utoipa::path(
    get,
    operation_id = "arcade_sessions",
    path = "/api/v1/arcade/sessions",
    tag = "arcade",
    params(("game" = Option<String>, Query, description = "0x game address"), ("player" = Option<String>, Query, description = "0x address of a player who entered"), ("state" = Option<String>, Query, description = "active, settled or cancelled"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::SessionPage), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn sessions(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["game", "player", "state", "limit", "offset"])?;
    let game = params::address_opt(&p, "game")?;
    let player = params::address_opt(&p, "player")?;
    let st = params::one_of(&p, "state", &["active", "settled", "cancelled"])?;
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let sql = format!(
        "SELECT '0x' || encode(s.arcade_core, 'hex') AS arcade_core, s.session_id::text AS session_id,
                '0x' || encode(s.game, 'hex') AS game, s.state,
                extract(epoch from s.created_at)::int8 AS created_at, s.created_block, s.player_count,
                s.entry_count, s.gross_total::text AS gross_total, s.net_total::text AS net_total,
                s.rake_total::text AS rake_total, s.rake_burned::text AS rake_burned,
                s.rake_treasury::text AS rake_treasury, s.prize_pool::text AS prize_pool,
                s.total_paid::text AS total_paid, s.total_payout::text AS total_payout,
                s.total_burned::text AS total_burned, s.refund_total::text AS refund_total,
                s.cancel_cause, s.ended_block, extract(epoch from s.ended_at)::int8 AS ended_at
         FROM arcade_sessions s WHERE {SESSION_FILTER}
         ORDER BY s.created_block DESC, s.session_id DESC, s.arcade_core LIMIT $4 OFFSET $5"
    );
    let rows: Vec<Session> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&game)
        .bind(&player)
        .bind(st)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM arcade_sessions s WHERE {SESSION_FILTER}"
    )))
    .bind(&game)
    .bind(&player)
    .bind(st)
    .fetch_one(&state.pool)
    .await?;
    Ok(Json(
        json!({ "sessions": rows, "total": total, "limit": limit, "offset": offset }),
    ))
}

/// A HashCrash round. Multipliers are x100 (250 = 2.50x).
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct CrashRound {
    hash_crash: String,
    round_id: String,
    /// `betting`, `locked`, `active`, `settled`, `cancelled` or `expired`.
    state: String,
    started_at: i64,
    started_block: i64,
    betting_ends_at: i64,
    player_count: i32,
    total_amount: String,
    prize_pool: String,
    seed_block: Option<i64>,
    seed_block_hash: Option<String>,
    seed: Option<String>,
    /// The seed matches keccak256(blockHash, roundId, HashCrash, chainId).
    seed_verified: Option<bool>,
    crash_multiplier: Option<i32>,
    /// The crash point matches the one recomputed from the seed.
    crash_verified: Option<bool>,
    winners: i32,
    losers: i32,
    refunds: i32,
    total_paid_out: String,
    total_burned: String,
    total_refunded: String,
    cancel_reason: Option<String>,
    ended_block: Option<i64>,
    ended_at: Option<i64>,
}

const ROUND_COLUMNS: &str = "'0x' || encode(hash_crash, 'hex') AS hash_crash, round_id::text AS round_id,
    state, extract(epoch from started_at)::int8 AS started_at, started_block,
    extract(epoch from betting_ends_at)::int8 AS betting_ends_at, player_count,
    total_amount::text AS total_amount, prize_pool::text AS prize_pool, seed_block,
    '0x' || encode(seed_block_hash, 'hex') AS seed_block_hash, seed::text AS seed, seed_verified,
    crash_multiplier, crash_verified, winners, losers, refunds, total_paid_out::text AS total_paid_out,
    total_burned::text AS total_burned, total_refunded::text AS total_refunded, cancel_reason,
    ended_block, extract(epoch from ended_at)::int8 AS ended_at";

const ROUND_STATES: &[&str] = &[
    "betting",
    "locked",
    "active",
    "settled",
    "cancelled",
    "expired",
];

/// `GET /api/v1/arcade/hashcrash/rounds`: HashCrash rounds, newest first
/// (by start block, then round id), filtered by `state`, paged.
#[utoipa::path(
    get,
    operation_id = "arcade_crash_rounds",
    path = "/api/v1/arcade/hashcrash/rounds",
    tag = "arcade",
    params(("state" = Option<String>, Query, description = "betting, locked, active, settled, cancelled or expired"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::CrashRoundPage), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn crash_rounds(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["state", "limit", "offset"])?;
    let st = params::one_of(&p, "state", ROUND_STATES)?;
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let sql = format!(
        "SELECT {ROUND_COLUMNS} FROM hash_crash_rounds WHERE $1::text IS NULL OR state = $1
         ORDER BY started_block DESC, round_id DESC, hash_crash LIMIT $2 OFFSET $3"
    );
    let rows: Vec<CrashRound> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(st)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM hash_crash_rounds WHERE $1::text IS NULL OR state = $1",
    )
    .bind(st)
    .fetch_one(&state.pool)
    .await?;
    Ok(Json(
        json!({ "rounds": rows, "total": total, "limit": limit, "offset": offset }),
    ))
}

/// A HashCrash bet.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct CrashBet {
    player: String,
    amount: String,
    net_amount: String,
    /// x100.
    target_multiplier: i32,
    placed_block: i64,
    placed_at: i64,
    /// `pending`, `won`, `lost` or `refunded`.
    result: String,
    payout: Option<String>,
    burned: Option<String>,
    refund_amount: Option<String>,
    paid_out: bool,
}

/// `GET /api/v1/arcade/hashcrash/rounds/{round_id}?hash_crash=`: one round
/// with its bets (largest first, ties by player); 404 when unknown. With
/// several HashCrash contracts, `hash_crash` picks one (default: the
/// round started last).
#[utoipa::path(
    get,
    operation_id = "arcade_crash_round",
    path = "/api/v1/arcade/hashcrash/rounds/{round_id}",
    tag = "arcade",
    params(("round_id" = String, Path, description = "decimal round id"), ("hash_crash" = Option<String>, Query, description = "0x HashCrash contract (default: the round started last)")),
    responses((status = 200, description = "OK", body = super::openapi::CrashRoundDetail), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 404, description = "Unknown id (NOT_FOUND)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn crash_round(
    State(state): State<ApiState>,
    Path(round_id): Path<String>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["hash_crash"])?;
    let id = params::uint_id(&round_id, "round_id")?;
    let contract = params::address_opt(&p, "hash_crash")?;
    let sql = format!(
        "SELECT {ROUND_COLUMNS} FROM hash_crash_rounds
         WHERE round_id = $1::numeric AND ($2::bytea IS NULL OR hash_crash = $2)
         ORDER BY started_block DESC, hash_crash LIMIT 1"
    );
    let round: CrashRound = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&id)
        .bind(&contract)
        .fetch_optional(&state.pool)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no HashCrash round {round_id}")))?;
    let bets: Vec<CrashBet> = sqlx::query_as(
        "SELECT '0x' || encode(player, 'hex') AS player, amount::text AS amount,
                net_amount::text AS net_amount, target_multiplier, placed_block,
                extract(epoch from placed_at)::int8 AS placed_at, result, payout::text AS payout,
                burned::text AS burned, refund_amount::text AS refund_amount, paid_out
         FROM hash_crash_bets WHERE hash_crash = decode(substr($1, 3), 'hex') AND round_id = $2::numeric
         ORDER BY amount DESC, player",
    )
    .bind(&round.hash_crash)
    .bind(&id)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(json!({ "round": round, "bets": bets })))
}

/// A DuelEscrow match.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct Duel {
    duel_escrow: String,
    match_id: String,
    player1: String,
    player2: String,
    /// Stake per player (wei).
    stake: String,
    /// `bronze`, `silver`, `gold`, `diamond` or `null`.
    stake_tier: Option<String>,
    /// `created`, `waiting`, `active`, `resolved` or `cancelled`.
    state: String,
    created_at: i64,
    created_block: i64,
    expires_at: i64,
    prize_pool: String,
    timeout_at: Option<i64>,
    /// `win`, `tie`, `forfeit` or `timeout`.
    outcome: Option<String>,
    winner: Option<String>,
    player1_result: Option<String>,
    player2_result: Option<String>,
    player1_payout: Option<String>,
    player2_payout: Option<String>,
    burned: Option<String>,
    player1_refund: Option<String>,
    player2_refund: Option<String>,
    cancel_reason: Option<String>,
    resolved_block: Option<i64>,
    cancelled_block: Option<i64>,
}

const DUEL_COLUMNS: &str = "'0x' || encode(duel_escrow, 'hex') AS duel_escrow, match_id::text AS match_id,
    '0x' || encode(player1, 'hex') AS player1, '0x' || encode(player2, 'hex') AS player2,
    stake::text AS stake, stake_tier, state, extract(epoch from created_at)::int8 AS created_at,
    created_block, extract(epoch from expires_at)::int8 AS expires_at, prize_pool::text AS prize_pool,
    extract(epoch from timeout_at)::int8 AS timeout_at, outcome, '0x' || encode(winner, 'hex') AS winner,
    player1_result, player2_result, player1_payout::text AS player1_payout,
    player2_payout::text AS player2_payout, burned::text AS burned,
    player1_refund::text AS player1_refund, player2_refund::text AS player2_refund, cancel_reason,
    resolved_block, cancelled_block";

const DUEL_FILTER: &str = "($1::bytea IS NULL OR player1 = $1 OR player2 = $1)
    AND ($2::text IS NULL OR state = $2)";

/// `GET /api/v1/arcade/duels`: matches, newest first (by creation block,
/// then match id), filtered by `player` (either side) and `state`, paged.
#[utoipa::path(
    get,
    operation_id = "arcade_duels",
    path = "/api/v1/arcade/duels",
    tag = "arcade",
    params(("player" = Option<String>, Query, description = "0x address of either player"), ("state" = Option<String>, Query, description = "created, waiting, active, resolved or cancelled"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::DuelPage), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn duels(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["player", "state", "limit", "offset"])?;
    let player = params::address_opt(&p, "player")?;
    let st = params::one_of(
        &p,
        "state",
        &["created", "waiting", "active", "resolved", "cancelled"],
    )?;
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let sql = format!(
        "SELECT {DUEL_COLUMNS} FROM duel_matches WHERE {DUEL_FILTER}
         ORDER BY created_block DESC, match_id DESC, duel_escrow LIMIT $3 OFFSET $4"
    );
    let rows: Vec<Duel> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&player)
        .bind(st)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM duel_matches WHERE {DUEL_FILTER}"
    )))
    .bind(&player)
    .bind(st)
    .fetch_one(&state.pool)
    .await?;
    Ok(Json(
        json!({ "duels": rows, "total": total, "limit": limit, "offset": offset }),
    ))
}

/// `GET /api/v1/arcade/duels/{match_id}?duel_escrow=`: one match; 404
/// when unknown. With several DuelEscrow contracts, `duel_escrow` picks
/// one (default: the match created last).
#[utoipa::path(
    get,
    operation_id = "arcade_duel",
    path = "/api/v1/arcade/duels/{match_id}",
    tag = "arcade",
    params(("match_id" = String, Path, description = "decimal match id"), ("duel_escrow" = Option<String>, Query, description = "0x DuelEscrow contract (default: the match created last)")),
    responses((status = 200, description = "OK", body = Duel), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 404, description = "Unknown id (NOT_FOUND)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn duel(
    State(state): State<ApiState>,
    Path(match_id): Path<String>,
    Query(p): Query<Params>,
) -> Result<Json<Duel>, ApiError> {
    params::only(&p, &["duel_escrow"])?;
    let id = params::uint_id(&match_id, "match_id")?;
    let contract = params::address_opt(&p, "duel_escrow")?;
    let sql = format!(
        "SELECT {DUEL_COLUMNS} FROM duel_matches
         WHERE match_id = $1::numeric AND ($2::bytea IS NULL OR duel_escrow = $2)
         ORDER BY created_block DESC, duel_escrow LIMIT 1"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(contract)
        .fetch_optional(&state.pool)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no duel {match_id}")))
}

/// A DailyOps streak (`getStreak`); days are UTC day numbers (Unix time /
/// 86 400).
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct Streak {
    daily_ops: String,
    current_streak: i32,
    longest_streak: i32,
    last_claim_day: i64,
    shield_expiry_day: i64,
    /// Rewards plus milestone bonuses (wei).
    total_claimed: String,
    total_rewards: String,
    total_bonus: String,
    missions_completed: i64,
    shields_purchased: i32,
    shields_used: i32,
    streaks_broken: i32,
    milestone_7: bool,
    milestone_21: bool,
    milestone_30: bool,
    milestone_90: bool,
}

/// A DailyOps badge (`getBadges`).
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct Badge {
    daily_ops: String,
    badge_id: String,
    badge_name: Option<String>,
    earned_at: i64,
    earned_block: i64,
    tx_hash: String,
}

/// `GET /api/v1/arcade/dailyops/{address}`: the address's streak on every
/// DailyOps contract and its badges (earliest first). An address that
/// never claimed has empty lists.
#[utoipa::path(
    get,
    operation_id = "arcade_daily_ops",
    path = "/api/v1/arcade/dailyops/{address}",
    tag = "arcade",
    params(("address" = String, Path, description = "0x address (20 bytes, any case)")),
    responses((status = 200, description = "OK", body = super::openapi::DailyOps), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn daily_ops(
    State(state): State<ApiState>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let addr = parse_address(&address)?;
    let streaks: Vec<Streak> = sqlx::query_as(
        "SELECT '0x' || encode(daily_ops, 'hex') AS daily_ops, current_streak, longest_streak,
                last_claim_day, shield_expiry_day, total_claimed::text AS total_claimed,
                total_rewards::text AS total_rewards, total_bonus::text AS total_bonus,
                missions_completed, shields_purchased, shields_used, streaks_broken,
                milestone_7, milestone_21, milestone_30, milestone_90
         FROM daily_ops_streaks WHERE player = $1 ORDER BY daily_ops",
    )
    .bind(&addr)
    .fetch_all(&state.pool)
    .await?;
    let badges: Vec<Badge> = sqlx::query_as(
        "SELECT '0x' || encode(daily_ops, 'hex') AS daily_ops, '0x' || encode(badge_id, 'hex') AS badge_id,
                badge_name, extract(epoch from earned_at)::int8 AS earned_at, earned_block,
                '0x' || encode(tx_hash, 'hex') AS tx_hash
         FROM daily_ops_badges WHERE player = $1 ORDER BY earned_block, daily_ops, badge_id",
    )
    .bind(&addr)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(json!({
        "address": address.to_ascii_lowercase(),
        "streaks": streaks,
        "badges": badges
    })))
}
