//! DeadPool: `GET /api/v1/deadpool/rounds?resolved=&level=&limit=&offset=`,
//! `GET /api/v1/deadpool/rounds/{round_id}`,
//! `GET /api/v1/deadpool/rounds/{round_id}/bets` and
//! `GET /api/v1/deadpool/bets/{address}`.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;
use serde_json::{Value, json};

use super::params::{self, Params};
use super::{ApiError, ApiState, parse_address};

/// A round as served: amounts exact wei as decimal strings, times Unix
/// seconds.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub(crate) struct Round {
    round_id: String,
    round_type: i16,
    round_type_name: String,
    target_level: i16,
    line: String,
    deadline: i64,
    over_pool: String,
    under_pool: String,
    bettor_count: i64,
    is_resolved: bool,
    outcome: Option<bool>,
    resolve_time: Option<i64>,
    total_pot: Option<String>,
    burned: Option<String>,
    winning_pool: Option<String>,
    total_claimed: String,
    created_block: i64,
}

const COLUMNS: &str = "round_id::text AS round_id, round_type, round_type_name, target_level,
    line::text AS line, extract(epoch from deadline)::int8 AS deadline,
    over_pool::text AS over_pool, under_pool::text AS under_pool, bettor_count, is_resolved,
    outcome, extract(epoch from resolve_time)::int8 AS resolve_time, total_pot::text AS total_pot,
    burned::text AS burned, winning_pool::text AS winning_pool,
    total_claimed::text AS total_claimed, created_block";

const FILTER: &str =
    "($1::bool IS NULL OR is_resolved = $1) AND ($2::int2 IS NULL OR target_level = $2)";

/// `GET /api/v1/deadpool/rounds`: rounds, newest first, filtered by
/// `resolved` and `level` (target level), paged by `limit`/`offset`.
pub(crate) async fn list(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["resolved", "level", "limit", "offset"])?;
    let resolved = params::bool_opt(&p, "resolved")?;
    let level = params::level(&p)?;
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM deadpool_rounds WHERE {FILTER} ORDER BY round_id DESC LIMIT $3 OFFSET $4"
    );
    let rows: Vec<Round> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(resolved)
        .bind(level)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM deadpool_rounds WHERE {FILTER}"
    )))
    .bind(resolved)
    .bind(level)
    .fetch_one(&state.pool)
    .await?;
    Ok(Json(
        json!({ "rounds": rows, "total": total, "limit": limit, "offset": offset }),
    ))
}

async fn fetch_round(state: &ApiState, raw: &str) -> Result<Round, ApiError> {
    let id = params::uint_id(raw, "round_id")?;
    let sql = format!("SELECT {COLUMNS} FROM deadpool_rounds WHERE round_id = $1::numeric");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&state.pool)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no DeadPool round {raw}")))
}

/// `GET /api/v1/deadpool/rounds/{round_id}`: one round, 404 when unknown.
pub(crate) async fn one(
    State(state): State<ApiState>,
    Path(round_id): Path<String>,
) -> Result<Json<Round>, ApiError> {
    fetch_round(&state, &round_id).await.map(Json)
}

/// A bet as served.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub(crate) struct Bet {
    round_id: String,
    user_address: String,
    amount: String,
    is_over: bool,
    bet_count: i64,
    is_claimed: bool,
    winnings: Option<String>,
    claimed_at: Option<i64>,
    first_bet_block: i64,
}

const BET_COLUMNS: &str = "round_id::text AS round_id,
    '0x' || encode(user_address, 'hex') AS user_address, amount::text AS amount, is_over,
    bet_count, is_claimed, winnings::text AS winnings,
    extract(epoch from claimed_at)::int8 AS claimed_at, first_bet_block";

/// `GET /api/v1/deadpool/rounds/{round_id}/bets`: the bets of a round,
/// largest first (ties by address), paged; 404 when the round is unknown.
pub(crate) async fn round_bets(
    State(state): State<ApiState>,
    Path(round_id): Path<String>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["limit", "offset"])?;
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let round = fetch_round(&state, &round_id).await?;
    let sql = format!(
        "SELECT {BET_COLUMNS} FROM deadpool_bets WHERE round_id = $1::numeric
         ORDER BY amount DESC, user_address LIMIT $2 OFFSET $3"
    );
    let rows: Vec<Bet> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&round.round_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    Ok(Json(
        json!({ "round_id": round.round_id, "bets": rows, "limit": limit, "offset": offset }),
    ))
}

/// `GET /api/v1/deadpool/bets/{address}`: an address's bets, newest round
/// first, paged.
pub(crate) async fn by_address(
    State(state): State<ApiState>,
    Path(address): Path<String>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["limit", "offset"])?;
    let addr = parse_address(&address)?;
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let sql = format!(
        "SELECT {BET_COLUMNS} FROM deadpool_bets WHERE user_address = $1
         ORDER BY round_id DESC LIMIT $2 OFFSET $3"
    );
    let rows: Vec<Bet> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(addr)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    Ok(Json(json!({
        "address": address.to_ascii_lowercase(),
        "bets": rows,
        "limit": limit,
        "offset": offset
    })))
}
