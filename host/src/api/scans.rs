//! Scans: `GET /api/v1/scans?level=&limit=&offset=`,
//! `GET /api/v1/scans/{scan_id}` and `GET /api/v1/scans/{scan_id}/deaths`.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;
use serde_json::{Value, json};

use super::params::{self, Params};
use super::{ApiError, ApiState};

/// A scan as served: counts and amounts are exact decimal strings, times
/// Unix seconds, hashes lowercase hex.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct Scan {
    scan_id: String,
    level: i16,
    seed: String,
    executed_at: i64,
    executed_block: i64,
    executed_tx: String,
    death_count: String,
    total_dead: String,
    submissions: i32,
    is_finalized: bool,
    finalized_at: Option<i64>,
    finalized_block: Option<i64>,
    survivor_count: Option<String>,
    cascade_same_level: Option<String>,
    cascade_upstream: Option<String>,
    cascade_burn: Option<String>,
    cascade_protocol: Option<String>,
}

const COLUMNS: &str = "scan_id::text AS scan_id, level, seed::text AS seed,
    extract(epoch from executed_at)::int8 AS executed_at, executed_block,
    '0x' || encode(executed_tx, 'hex') AS executed_tx, death_count::text AS death_count,
    total_dead::text AS total_dead, submissions, is_finalized,
    extract(epoch from finalized_at)::int8 AS finalized_at, finalized_block,
    survivor_count::text AS survivor_count, cascade_same_level::text AS cascade_same_level,
    cascade_upstream::text AS cascade_upstream, cascade_burn::text AS cascade_burn,
    cascade_protocol::text AS cascade_protocol";

/// `GET /api/v1/scans`: scans, newest first (by `scan_id`), filtered by
/// `level`, paged by `limit`/`offset`.
#[utoipa::path(
    get,
    operation_id = "scans_list",
    path = "/api/v1/scans",
    tag = "scans",
    params(("level" = Option<u8>, Query, description = "GHOSTNET level 1-5 (VAULT..BLACK_ICE)"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::ScanPage), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn list(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["level", "limit", "offset"])?;
    let level = params::level(&p)?;
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM scans WHERE ($1::int2 IS NULL OR level = $1)
         ORDER BY scan_id DESC LIMIT $2 OFFSET $3"
    );
    let rows: Vec<Scan> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(level)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM scans WHERE ($1::int2 IS NULL OR level = $1)")
            .bind(level)
            .fetch_one(&state.pool)
            .await?;
    Ok(Json(
        json!({ "scans": rows, "total": total, "limit": limit, "offset": offset }),
    ))
}

/// `GET /api/v1/scans/{scan_id}`: one scan, 404 when unknown.
#[utoipa::path(
    get,
    operation_id = "scans_one",
    path = "/api/v1/scans/{scan_id}",
    tag = "scans",
    params(("scan_id" = String, Path, description = "decimal scan id")),
    responses((status = 200, description = "OK", body = Scan), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 404, description = "Unknown id (NOT_FOUND)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn one(
    State(state): State<ApiState>,
    Path(scan_id): Path<String>,
) -> Result<Json<Scan>, ApiError> {
    let id = params::uint_id(&scan_id, "scan_id")?;
    let sql = format!("SELECT {COLUMNS} FROM scans WHERE scan_id = $1::numeric");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&state.pool)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no scan {scan_id}")))
}

/// A death submission (a batch of deaths reported for a scan).
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct DeathSubmission {
    block_number: i64,
    log_index: i32,
    block_time: i64,
    tx_hash: String,
    level: i16,
    death_count: String,
    total_dead: String,
    submitter: String,
}

/// `GET /api/v1/scans/{scan_id}/deaths`: the death submissions of a scan,
/// in chain order; 404 when the scan is unknown.
#[utoipa::path(
    get,
    operation_id = "scans_deaths",
    path = "/api/v1/scans/{scan_id}/deaths",
    tag = "scans",
    params(("scan_id" = String, Path, description = "decimal scan id")),
    responses((status = 200, description = "OK", body = super::openapi::ScanDeaths), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 404, description = "Unknown id (NOT_FOUND)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn deaths(
    State(state): State<ApiState>,
    Path(scan_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = params::uint_id(&scan_id, "scan_id")?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM scans WHERE scan_id = $1::numeric)")
            .bind(&id)
            .fetch_one(&state.pool)
            .await?;
    if !exists {
        return Err(ApiError::NotFound(format!("no scan {scan_id}")));
    }
    let rows: Vec<DeathSubmission> = sqlx::query_as(
        "SELECT block_number, log_index, extract(epoch from block_time)::int8 AS block_time,
                '0x' || encode(tx_hash, 'hex') AS tx_hash, level, death_count::text AS death_count,
                total_dead::text AS total_dead, '0x' || encode(submitter, 'hex') AS submitter
         FROM death_submissions WHERE scan_id = $1::numeric ORDER BY block_number, log_index",
    )
    .bind(id)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(json!({ "scan_id": scan_id, "submissions": rows })))
}

/// When a level's next scan is due.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct NextScan {
    level: i16,
    /// Seconds between a scan's finalisation and the next scan (the level
    /// default; `updateLevelConfig` emits no event).
    scan_interval: i64,
    /// GhostCore's `nextScanTime` (Unix seconds): the previous scan's
    /// finalisation block time plus the interval; `null` before the level
    /// is initialised.
    next_scan_time: Option<i64>,
    /// `next_scan_time` minus the server's clock, at least 0.
    seconds_remaining: Option<i64>,
    /// Start of the 60 s before `next_scan_time` in which extraction is
    /// refused.
    lock_starts_at: Option<i64>,
    /// The level's last executed scan.
    last_scan_id: Option<String>,
    /// Whether that scan awaits finalisation (deaths may still be
    /// submitted; the next scan time moves at finalisation).
    scan_in_progress: bool,
}

/// `GET /api/v1/scans/next?level=`: the next scan time of every level (or
/// of `level`), from GhostCore's level state, in level order.
#[utoipa::path(
    get,
    operation_id = "scans_next",
    path = "/api/v1/scans/next",
    tag = "scans",
    params(("level" = Option<u8>, Query, description = "GHOSTNET level 1-5 (VAULT..BLACK_ICE)")),
    responses((status = 200, description = "OK", body = super::openapi::NextScans), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn next(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["level"])?;
    let level = params::level(&p)?;
    let rows: Vec<NextScan> = sqlx::query_as(
        "SELECT l.level, l.scan_interval, extract(epoch from l.next_scan_time)::int8 AS next_scan_time,
                greatest(0, ceil(extract(epoch from l.next_scan_time - now())))::int8 AS seconds_remaining,
                extract(epoch from l.next_scan_time)::int8 - 60 AS lock_starts_at,
                l.current_scan_id::text AS last_scan_id,
                COALESCE(NOT s.is_finalized, false) AS scan_in_progress
         FROM levels l LEFT JOIN scans s ON s.scan_id = l.current_scan_id
         WHERE $1::int2 IS NULL OR l.level = $1 ORDER BY l.level",
    )
    .bind(level)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(json!({ "levels": rows })))
}
