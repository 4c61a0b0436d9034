//! DeadPool: `GET /api/v1/deadpool/rounds?resolved=&level=&limit=&offset=`,
//! `GET /api/v1/deadpool/rounds/{round_id}`,
//! `GET /api/v1/deadpool/rounds/{round_id}/bets`,
//! `GET /api/v1/deadpool/rounds/{round_id}/odds` and
//! `GET /api/v1/deadpool/bets/{address}`.

use axum::Json;
use axum::extract::{Path, Query, State};
use num_bigint::BigUint;
use num_traits::Zero;
use serde::Serialize;
use serde_json::{Value, json};

use super::params::{self, Params};
use super::{ApiError, ApiState, parse_address};

/// A round as served: amounts exact wei as decimal strings, times Unix
/// seconds.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
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
#[utoipa::path(
    get,
    operation_id = "deadpool_list",
    path = "/api/v1/deadpool/rounds",
    tag = "deadpool",
    params(("resolved" = Option<bool>, Query, description = "resolved or open rounds"), ("level" = Option<u8>, Query, description = "target level 1-5"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::RoundPage), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
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
#[utoipa::path(
    get,
    operation_id = "deadpool_one",
    path = "/api/v1/deadpool/rounds/{round_id}",
    tag = "deadpool",
    params(("round_id" = String, Path, description = "decimal round id")),
    responses((status = 200, description = "OK", body = Round), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 404, description = "Unknown id (NOT_FOUND)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn one(
    State(state): State<ApiState>,
    Path(round_id): Path<String>,
) -> Result<Json<Round>, ApiError> {
    fetch_round(&state, &round_id).await.map(Json)
}

/// A bet as served.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
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
#[utoipa::path(
    get,
    operation_id = "deadpool_round_bets",
    path = "/api/v1/deadpool/rounds/{round_id}/bets",
    tag = "deadpool",
    params(("round_id" = String, Path, description = "decimal round id"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::RoundBets), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 404, description = "Unknown id (NOT_FOUND)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
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
#[utoipa::path(
    get,
    operation_id = "deadpool_by_address",
    path = "/api/v1/deadpool/bets/{address}",
    tag = "deadpool",
    params(("address" = String, Path, description = "0x address (20 bytes, any case)"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::AddressBets), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
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

/// DeadPool's rake: 500 bps of the pot, to 0xdEaD at resolution.
const RAKE_BPS: u32 = 500;
/// Fractional digits of the odds and shares (truncated).
const ODDS_SCALE: usize = 18;
/// 1 DATA in wei.
const ONE_DATA: u64 = 1_000_000_000_000_000_000;

/// `GET /api/v1/deadpool/rounds/{round_id}/odds`: what a side pays, from
/// the pools (the on-chain odds views return `uint16` basis points and
/// wrap above 6.5535x).
///
/// As the contract computes it: pot = over + under pools, rake =
/// pot × 500 / 10 000 (integer division), a winner gets bet × (pot − rake)
/// ÷ winning pool (integer division). `over_odds` / `under_odds` are
/// (pot − rake) ÷ pool and `over_share` / `under_share` pool ÷ pot, as
/// decimal strings truncated to 18 fractional digits (`null` when the
/// divisor is 0); `*_payout_per_data` is the exact payout in wei of a
/// 1 DATA (10^18 wei) bet. For a resolved round the pools are final.
#[utoipa::path(
    get,
    operation_id = "deadpool_odds",
    path = "/api/v1/deadpool/rounds/{round_id}/odds",
    tag = "deadpool",
    params(("round_id" = String, Path, description = "decimal round id")),
    responses((status = 200, description = "OK", body = super::openapi::RoundOdds), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 404, description = "Unknown id (NOT_FOUND)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn odds(
    State(state): State<ApiState>,
    Path(round_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let round = fetch_round(&state, &round_id).await?;
    let over = parse_wei(&round.over_pool)?;
    let under = parse_wei(&round.under_pool)?;
    let o = Odds::new(&over, &under);
    Ok(Json(json!({
        "round_id": round.round_id,
        "is_resolved": round.is_resolved,
        "over_pool": round.over_pool,
        "under_pool": round.under_pool,
        "total_pot": o.pot.to_string(),
        "rake": o.rake.to_string(),
        "payout_pool": o.payout_pool.to_string(),
        "over_odds": o.over_odds,
        "under_odds": o.under_odds,
        "over_share": o.over_share,
        "under_share": o.under_share,
        "over_payout_per_data": o.over_payout_per_data.map(|v| v.to_string()),
        "under_payout_per_data": o.under_payout_per_data.map(|v| v.to_string()),
    })))
}

fn parse_wei(raw: &str) -> Result<BigUint, ApiError> {
    raw.parse::<BigUint>()
        .map_err(|e| ApiError::Internal(format!("pool {raw:?} is not a uint: {e}")))
}

/// The odds of a round's pools (see [`odds`]).
#[derive(Debug, PartialEq)]
pub(crate) struct Odds {
    pot: BigUint,
    rake: BigUint,
    payout_pool: BigUint,
    over_odds: Option<String>,
    under_odds: Option<String>,
    over_share: Option<String>,
    under_share: Option<String>,
    over_payout_per_data: Option<BigUint>,
    under_payout_per_data: Option<BigUint>,
}

impl Odds {
    pub(crate) fn new(over: &BigUint, under: &BigUint) -> Self {
        let pot = over + under;
        let rake = &pot * RAKE_BPS / 10_000u32;
        let payout_pool = &pot - &rake;
        let per_data = |pool: &BigUint| {
            (!pool.is_zero()).then(|| &payout_pool * BigUint::from(ONE_DATA) / pool)
        };
        Self {
            over_odds: ratio(&payout_pool, over, ODDS_SCALE),
            under_odds: ratio(&payout_pool, under, ODDS_SCALE),
            over_share: ratio(over, &pot, ODDS_SCALE),
            under_share: ratio(under, &pot, ODDS_SCALE),
            over_payout_per_data: per_data(over),
            under_payout_per_data: per_data(under),
            pot,
            rake,
            payout_pool,
        }
    }
}

/// `num / den` as a decimal string truncated to `scale` fractional digits,
/// without trailing zeros (`None` when `den` is 0).
pub(crate) fn ratio(num: &BigUint, den: &BigUint, scale: usize) -> Option<String> {
    if den.is_zero() {
        return None;
    }
    let int = num / den;
    let rem = num % den;
    let frac = rem * BigUint::from(10u32).pow(u32::try_from(scale).unwrap_or(u32::MAX)) / den;
    let frac = format!("{frac:0>scale$}");
    let frac = frac.trim_end_matches('0');
    Some(if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: u64) -> BigUint {
        BigUint::from(v)
    }

    #[test]
    fn ratios_are_truncated_decimals() {
        assert_eq!(ratio(&n(3), &n(2), 18).as_deref(), Some("1.5"));
        assert_eq!(ratio(&n(4), &n(2), 18).as_deref(), Some("2"));
        assert_eq!(ratio(&n(2), &n(3), 4).as_deref(), Some("0.6666"));
        assert_eq!(ratio(&n(1), &n(100), 18).as_deref(), Some("0.01"));
        assert_eq!(ratio(&n(1), &n(0), 18), None);
    }

    #[test]
    fn odds_follow_the_contract() {
        // pot 3000, rake 150, payout pool 2850.
        let o = Odds::new(&n(1000), &n(2000));
        assert_eq!(o.rake, n(150));
        assert_eq!(o.over_odds.as_deref(), Some("2.85"));
        assert_eq!(o.under_odds.as_deref(), Some("1.425"));
        assert_eq!(o.over_share.as_deref(), Some("0.333333333333333333"));
        assert_eq!(o.over_payout_per_data, Some(n(2_850_000_000_000_000_000)));
        // An empty side has no odds; the rake floors.
        let o = Odds::new(&n(19), &n(0));
        assert_eq!(o.rake, n(0));
        assert_eq!(o.under_odds, None);
        assert_eq!(o.under_payout_per_data, None);
        assert_eq!(o.over_odds.as_deref(), Some("1"));
    }
}
