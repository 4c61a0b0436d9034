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
#[derive(Debug, Serialize, sqlx::FromRow)]
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
#[derive(Debug, Serialize, sqlx::FromRow)]
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
