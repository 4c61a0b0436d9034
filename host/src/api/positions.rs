//! GHOSTNET positions: `GET /api/v1/positions/{address}` and
//! `GET /api/v1/positions?level=&limit=&offset=&alive=`.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;
use serde_json::{Value, json};

use super::params::{self, Params};
use super::{ApiError, ApiState, parse_address};

/// A position as served: amounts are exact wei as decimal strings,
/// addresses lowercase hex, times Unix seconds.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct Position {
    user_address: String,
    level: i16,
    amount: String,
    entry_block: i64,
    entry_log_index: i32,
    entry_timestamp: i64,
    last_add_timestamp: i64,
    ghost_streak: i32,
    is_alive: bool,
    is_extracted: bool,
    exit_reason: Option<String>,
    exit_timestamp: Option<i64>,
    extracted_amount: Option<String>,
    extracted_rewards: Option<String>,
    culled_penalty: Option<String>,
    culled_returned: Option<String>,
    created_at_block: i64,
    updated_at_block: i64,
    updated_at: i64,
}

const COLUMNS: &str = "'0x' || encode(user_address, 'hex') AS user_address, level, amount::text AS amount,
    entry_block, entry_log_index, extract(epoch from entry_timestamp)::int8 AS entry_timestamp,
    extract(epoch from last_add_timestamp)::int8 AS last_add_timestamp, current_ghost_streak AS ghost_streak, is_alive, is_extracted,
    exit_reason, extract(epoch from exit_timestamp)::int8 AS exit_timestamp, extracted_amount::text AS extracted_amount,
    extracted_rewards::text AS extracted_rewards, culled_penalty::text AS culled_penalty,
    culled_returned::text AS culled_returned, created_at_block, updated_at_block,
    extract(epoch from updated_at)::int8 AS updated_at";

/// `GET /api/v1/positions/{address}`: the address's position (alive or
/// dead, as `getPosition` on-chain), or `null` when it has none or it was
/// extracted.
#[utoipa::path(
    get,
    operation_id = "positions_one",
    path = "/api/v1/positions/{address}",
    tag = "positions",
    params(("address" = String, Path, description = "0x address (20 bytes, any case)")),
    responses((status = 200, description = "OK", body = Option<Position>), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn one(
    State(state): State<ApiState>,
    Path(address): Path<String>,
) -> Result<Json<Option<Position>>, ApiError> {
    let addr = parse_address(&address)?;
    Ok(Json(fetch_one(&state.pool, &addr).await?))
}

/// The position of the 20-byte `addr` (None: none, or extracted).
pub(crate) async fn fetch_one(
    pool: &sqlx::PgPool,
    addr: &[u8],
) -> Result<Option<Position>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM positions_current WHERE user_address = $1 AND NOT is_extracted"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(addr)
        .fetch_optional(pool)
        .await
}

/// `GET /api/v1/positions`: positions, richest first (ties by address),
/// filtered by `level` (1–5) and `alive` (default true), paged by `limit`
/// (default 100, capped at `api.max_page_size`) and `offset`.
#[utoipa::path(
    get,
    operation_id = "positions_list",
    path = "/api/v1/positions",
    tag = "positions",
    params(("level" = Option<u8>, Query, description = "GHOSTNET level 1-5 (VAULT..BLACK_ICE)"), ("alive" = Option<bool>, Query, description = "alive (default true) or dead positions"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::PositionPage), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn list(
    State(state): State<ApiState>,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&params, &["level", "limit", "offset", "alive"])?;
    let level = params::level(&params)?;
    let (limit, offset) = params::page(&params, state.config.max_page_size)?;
    let alive = params::bool_opt(&params, "alive")?.unwrap_or(true);
    let filter = "NOT is_extracted AND is_alive = $1 AND ($2::int2 IS NULL OR level = $2)";
    let sql = format!(
        "SELECT {COLUMNS} FROM positions_current WHERE {filter} ORDER BY amount DESC, user_address LIMIT $3 OFFSET $4"
    );
    let rows: Vec<Position> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(alive)
        .bind(level)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    let count_sql = format!("SELECT count(*) FROM positions_current WHERE {filter}");
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql))
        .bind(alive)
        .bind(level)
        .fetch_one(&state.pool)
        .await?;
    Ok(Json(
        json!({ "positions": rows, "total": total, "limit": limit, "offset": offset }),
    ))
}

/// One entry of a position's history (`position_events`).
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct PositionEvent {
    block_number: i64,
    log_index: i32,
    block_time: i64,
    tx_hash: String,
    /// `jacked_in`, `stake_added`, `extracted`, `emergency_withdraw` or
    /// `culled`.
    kind: String,
    /// Set on `jacked_in` and `culled`.
    level: Option<i16>,
    /// Deposit (`jacked_in`, `stake_added`), principal paid (`extracted`,
    /// `emergency_withdraw`) or penalty (`culled`).
    amount: Option<String>,
    /// The position's new amount (`jacked_in`, `stake_added`).
    new_total: Option<String>,
    /// Rewards paid (`extracted`) or the amount returned (`culled`).
    rewards: Option<String>,
    /// The new entrant that culled this position (`culled`).
    counterparty: Option<String>,
    /// A system-reset haircut the event revealed.
    haircut: Option<String>,
}

/// `GET /api/v1/positions/{address}/history`: every position event of the
/// address (all its positions, dead or extracted included), newest first
/// (by block and log index), paged by `limit`/`offset`.
#[utoipa::path(
    get,
    operation_id = "positions_history",
    path = "/api/v1/positions/{address}/history",
    tag = "positions",
    params(("address" = String, Path, description = "0x address (20 bytes, any case)"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::PositionHistory), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn history(
    State(state): State<ApiState>,
    Path(address): Path<String>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["limit", "offset"])?;
    let addr = parse_address(&address)?;
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let rows: Vec<PositionEvent> = sqlx::query_as(
        "SELECT block_number, log_index, extract(epoch from block_time)::int8 AS block_time,
                '0x' || encode(tx_hash, 'hex') AS tx_hash, kind, level, amount::text AS amount,
                new_total::text AS new_total, rewards::text AS rewards,
                '0x' || encode(counterparty, 'hex') AS counterparty, haircut::text AS haircut
         FROM position_events WHERE user_address = $1
         ORDER BY block_number DESC, log_index DESC LIMIT $2 OFFSET $3",
    )
    .bind(&addr)
    .bind(limit)
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM position_events WHERE user_address = $1")
            .bind(&addr)
            .fetch_one(&state.pool)
            .await?;
    Ok(Json(json!({
        "address": address.to_ascii_lowercase(),
        "events": rows,
        "total": total,
        "limit": limit,
        "offset": offset
    })))
}

/// A position at risk, with its place in the level array.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct AtRisk {
    #[sqlx(flatten)]
    #[serde(flatten)]
    position: Position,
    /// Index in the level's on-chain position array; 0 is culled first.
    level_slot: i64,
    /// True for slot 0: the position culled by the next `jackIn` while the
    /// level is full.
    culled_next: bool,
    /// Sum of the DEATH_REDUCTION boosts still unexpired at the level's
    /// next scan time (they lower the position's death rate in that scan,
    /// if still unexpired when the deaths are submitted).
    death_reduction_bps: i64,
}

/// `GET /api/v1/positions/at-risk?level=`: the alive members of a level's
/// position array, in array order.
///
/// "At risk" follows what GhostCore does, not the upstream design's
/// "bottom 50 %" rule (stored in the level config but never applied):
/// * culling: when a level is full, the next `jackIn` culls the member in
///   array slot 0 (the array is swap-and-pop, so slot 0 is neither the
///   oldest nor the smallest position); `culled_next` marks it;
/// * death: every member is exposed to the level's next scan
///   (`next_scan_time`), at the level's base rate minus its unexpired
///   DEATH_REDUCTION boosts (`death_reduction_bps`).
///
/// `level` (1–5) is required; paged by `limit`/`offset`, ordered by slot.
#[utoipa::path(
    get,
    operation_id = "positions_at_risk",
    path = "/api/v1/positions/at-risk",
    tag = "positions",
    params(("level" = u8, Query, description = "GHOSTNET level 1-5 (required)"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::AtRiskPage), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn at_risk(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["level", "limit", "offset"])?;
    let level = params::level(&p)?
        .ok_or_else(|| ApiError::InvalidParameter("level is required (1..=5)".to_owned()))?;
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let next_scan_time: Option<i64> = sqlx::query_scalar(
        "SELECT extract(epoch from next_scan_time)::int8 FROM levels WHERE level = $1",
    )
    .bind(level)
    .fetch_optional(&state.pool)
    .await?
    .flatten();
    let filter = "p.level = $1 AND p.is_alive AND NOT p.is_extracted AND p.in_level_array";
    let sql = format!(
        "SELECT {COLUMNS}, level_slot, level_slot = 0 AS culled_next,
                COALESCE((SELECT sum(b.value_bps) FROM boosts b
                          WHERE b.user_address = p.user_address AND b.boost_type = 'death_reduction'
                            AND b.expiry > COALESCE((SELECT l.next_scan_time FROM levels l WHERE l.level = $1), now())),
                         0)::int8 AS death_reduction_bps
         FROM positions_current p
         WHERE {filter} ORDER BY level_slot, p.user_address LIMIT $2 OFFSET $3"
    );
    let rows: Vec<AtRisk> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(level)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM positions_current p WHERE {filter}"
    )))
    .bind(level)
    .fetch_one(&state.pool)
    .await?;
    Ok(Json(json!({
        "level": level,
        "next_scan_time": next_scan_time,
        "positions": rows,
        "total": total,
        "limit": limit,
        "offset": offset
    })))
}
