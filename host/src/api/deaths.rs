//! Deaths: `GET /api/v1/deaths?level=&address=&limit=&offset=` and
//! `GET /api/v1/deaths/{address}`.
//!
//! One row per death, derived by the ghost-core handler from the
//! `submitDeaths` calldata (GhostCore emits no per-user death event).

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;
use serde_json::{Value, json};

use super::params::{self, Params};
use super::{ApiError, ApiState, parse_address};

/// A death as served: amounts exact wei as decimal strings, times Unix
/// seconds, addresses and hashes lowercase hex.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct Death {
    block_number: i64,
    log_index: i32,
    block_time: i64,
    tx_hash: String,
    user_address: String,
    scan_id: Option<String>,
    level: i16,
    /// The position's stored amount at death.
    amount_lost: String,
    ghost_streak_at_death: i32,
    /// A system-reset haircut settled at death (part of the loss).
    haircut_settled: String,
    position_entry_block: i64,
    /// Index of the address in its `submitDeaths` batch.
    batch_index: i32,
    submitter: Option<String>,
}

const COLUMNS: &str = "block_number, log_index, extract(epoch from block_time)::int8 AS block_time,
    '0x' || encode(tx_hash, 'hex') AS tx_hash, '0x' || encode(user_address, 'hex') AS user_address,
    scan_id::text AS scan_id, level, amount_lost::text AS amount_lost, ghost_streak_at_death,
    haircut_settled::text AS haircut_settled, position_entry_block, batch_index,
    '0x' || encode(submitter, 'hex') AS submitter";

const FILTER: &str =
    "($1::int2 IS NULL OR level = $1) AND ($2::bytea IS NULL OR user_address = $2)";

async fn page(
    state: &ApiState,
    level: Option<i16>,
    addr: Option<Vec<u8>>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Death>, i64), ApiError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM deaths WHERE {FILTER}
         ORDER BY block_number DESC, log_index DESC, batch_index DESC LIMIT $3 OFFSET $4"
    );
    let rows: Vec<Death> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(level)
        .bind(&addr)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM deaths WHERE {FILTER}"
    )))
    .bind(level)
    .bind(&addr)
    .fetch_one(&state.pool)
    .await?;
    Ok((rows, total))
}

/// `GET /api/v1/deaths`: recent deaths, newest first (by block, log index,
/// then position in the batch, last first), filtered by `level` and
/// `address`, paged by `limit`/`offset`.
#[utoipa::path(
    get,
    operation_id = "deaths_list",
    path = "/api/v1/deaths",
    tag = "deaths",
    params(("level" = Option<u8>, Query, description = "GHOSTNET level 1-5 (VAULT..BLACK_ICE)"), ("address" = Option<String>, Query, description = "0x address of the dead position"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::DeathPage), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn list(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["level", "address", "limit", "offset"])?;
    let level = params::level(&p)?;
    let addr = params::address_opt(&p, "address")?;
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let (rows, total) = page(&state, level, addr, limit, offset).await?;
    Ok(Json(
        json!({ "deaths": rows, "total": total, "limit": limit, "offset": offset }),
    ))
}

/// `GET /api/v1/deaths/{address}`: the deaths of an address (at most one
/// per position), newest first, paged; an address that never died has an
/// empty list.
#[utoipa::path(
    get,
    operation_id = "deaths_by_address",
    path = "/api/v1/deaths/{address}",
    tag = "deaths",
    params(("address" = String, Path, description = "0x address (20 bytes, any case)"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::AddressDeaths), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn by_address(
    State(state): State<ApiState>,
    Path(address): Path<String>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["limit", "offset"])?;
    let addr = parse_address(&address)?;
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let (rows, total) = page(&state, None, Some(addr), limit, offset).await?;
    Ok(Json(json!({
        "address": address.to_ascii_lowercase(),
        "deaths": rows,
        "total": total,
        "limit": limit,
        "offset": offset
    })))
}
