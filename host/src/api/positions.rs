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
#[derive(Debug, Serialize, sqlx::FromRow)]
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
