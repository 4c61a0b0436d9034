//! Statistics and leaderboards: `GET /api/v1/stats`, `/stats/levels`,
//! `/stats/tvl`, `/stats/burns`, `/stats/deaths` and
//! `/api/v1/leaderboards/{kind}`.
//!
//! Series come from the `agg_*` rollups (migration 0040): buckets are UTC,
//! served as the Unix time of their start, ordered oldest first (then by
//! level or token) and paged by `limit`/`offset`; `from` / `to` (Unix
//! seconds) keep buckets starting in `[from, to)`.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;
use serde_json::{Value, json};

use super::params::{self, Params};
use super::{ApiError, ApiState};

/// Global figures.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct GlobalStats {
    /// Sum of the levels' `totalStaked` (wei).
    tvl: String,
    alive_positions: i64,
    /// Addresses with a position record (alive, dead or extracted).
    addresses: i64,
    deaths: i64,
    /// Sum of the amounts lost in deaths (wei).
    total_lost: String,
    scans: i64,
    /// GhostCore's system-reset epoch (1 before any reset).
    reset_epoch: i64,
    /// When the system reset can be triggered (Unix seconds).
    reset_deadline: Option<i64>,
    deadpool_rounds: i64,
    /// Sum of both pools of every round (wei).
    deadpool_volume: String,
    arcade_sessions: i64,
    /// Sum of the gross arcade entries (wei).
    arcade_volume: String,
    /// Supply and burn totals of every indexed token (by address).
    #[sqlx(skip)]
    tokens: Vec<TokenStats>,
}

/// Supply and burn totals of an indexed token.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct TokenStats {
    token_address: String,
    total_supply: String,
    minted: String,
    /// Burned to 0x0 (supply decreases).
    supply_burned: String,
    /// Untaxed transfers to 0xdEaD (protocol burns).
    dead_burned: String,
    /// The burned part of the transfer tax (to 0xdEaD).
    tax_burned: String,
    /// `supply_burned + dead_burned + tax_burned`.
    total_burned: String,
    tax_collected: String,
    transfer_volume: String,
    transfer_count: i64,
}

const TOKEN_COLUMNS: &str = "'0x' || encode(token_address, 'hex') AS token_address,
    total_supply::text AS total_supply, minted::text AS minted, supply_burned::text AS supply_burned,
    dead_burned::text AS dead_burned, tax_burned::text AS tax_burned,
    (supply_burned + dead_burned + tax_burned)::text AS total_burned,
    tax_collected::text AS tax_collected, transfer_volume::text AS transfer_volume, transfer_count";

async fn tokens(state: &ApiState) -> Result<Vec<TokenStats>, ApiError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TOKEN_COLUMNS} FROM token_stats ORDER BY token_address"
    )))
    .fetch_all(&state.pool)
    .await?)
}

/// `GET /api/v1/stats`: global figures and the totals of every indexed
/// token (by address).
#[utoipa::path(
    get,
    operation_id = "stats_global",
    path = "/api/v1/stats",
    tag = "stats",
    responses((status = 200, description = "OK", body = GlobalStats), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn global(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<GlobalStats>, ApiError> {
    params::only(&p, &[])?;
    let mut stats: GlobalStats = sqlx::query_as(
        "SELECT (SELECT COALESCE(sum(total_staked), 0) FROM levels)::text AS tvl,
                (SELECT COALESCE(sum(alive_count), 0) FROM levels)::int8 AS alive_positions,
                (SELECT count(*) FROM positions) AS addresses,
                (SELECT count(*) FROM deaths) AS deaths,
                (SELECT COALESCE(sum(amount_lost), 0) FROM deaths)::text AS total_lost,
                (SELECT count(*) FROM scans) AS scans,
                COALESCE((SELECT max(epoch) FROM ghost_core_state), 1) AS reset_epoch,
                (SELECT extract(epoch from max(reset_deadline))::int8 FROM ghost_core_state) AS reset_deadline,
                (SELECT count(*) FROM deadpool_rounds) AS deadpool_rounds,
                (SELECT COALESCE(sum(over_pool + under_pool), 0) FROM deadpool_rounds)::text AS deadpool_volume,
                (SELECT count(*) FROM arcade_sessions) AS arcade_sessions,
                (SELECT COALESCE(sum(gross_total), 0) FROM arcade_sessions)::text AS arcade_volume",
    )
    .fetch_one(&state.pool)
    .await?;
    stats.tokens = tokens(&state).await?;
    Ok(Json(stats))
}

/// A level's state (GhostCore `LevelState` plus derived totals).
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct LevelStats {
    level: i16,
    total_staked: String,
    alive_count: i64,
    scan_interval: i64,
    next_scan_time: Option<i64>,
    last_scan_id: Option<String>,
    /// Scans finalised so far (streak rounds).
    survivor_rounds: i64,
    death_count: i64,
    dead_amount: String,
    emissions_reported: String,
    /// Emissions reported while the level had no stake (credited to
    /// nobody).
    emissions_uncredited: String,
}

/// `GET /api/v1/stats/levels`: every level's state, in level order.
#[utoipa::path(
    get,
    operation_id = "stats_levels",
    path = "/api/v1/stats/levels",
    tag = "stats",
    responses((status = 200, description = "OK", body = super::openapi::LevelsStats), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn levels(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &[])?;
    let rows: Vec<LevelStats> = sqlx::query_as(
        "SELECT level, total_staked::text AS total_staked, alive_count, scan_interval,
                extract(epoch from next_scan_time)::int8 AS next_scan_time,
                current_scan_id::text AS last_scan_id, survivor_rounds, death_count,
                dead_amount::text AS dead_amount, emissions_reported::text AS emissions_reported,
                emissions_uncredited::text AS emissions_uncredited
         FROM levels ORDER BY level",
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(json!({ "levels": rows })))
}

/// `interval` of a series among `allowed` (default: the first).
fn interval<'a>(p: &'a Params, allowed: &[&'a str]) -> Result<&'a str, ApiError> {
    Ok(params::one_of(p, "interval", allowed)?.unwrap_or(allowed[0]))
}

/// The query of a series route: bucket interval, time window and page.
struct Window<'a> {
    interval: &'a str,
    from: Option<i64>,
    to: Option<i64>,
    limit: i64,
    offset: i64,
}

impl<'a> Window<'a> {
    fn parse(p: &'a Params, allowed: &[&'a str], max_page: u32) -> Result<Self, ApiError> {
        let (limit, offset) = params::page(p, max_page)?;
        Ok(Self {
            interval: interval(p, allowed)?,
            from: params::time_opt(p, "from")?,
            to: params::time_opt(p, "to")?,
            limit,
            offset,
        })
    }

    /// The response: `extra` fields, then the buckets and the query.
    fn answer<T: Serialize>(&self, mut extra: Value, buckets: Vec<T>) -> Json<Value> {
        extra["interval"] = json!(self.interval);
        extra["buckets"] = json!(buckets);
        extra["limit"] = json!(self.limit);
        extra["offset"] = json!(self.offset);
        Json(extra)
    }
}

/// A per-level series (`$1` interval, `$2` level, `$3`/`$4` window,
/// `$5`/`$6` page) from one of the `agg_*` rollups.
async fn level_series<T>(
    state: &ApiState,
    p: &Params,
    allowed: &[&str],
    sql: &'static str,
) -> Result<Json<Value>, ApiError>
where
    T: Serialize + Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    params::only(p, &["interval", "level", "from", "to", "limit", "offset"])?;
    let w = Window::parse(p, allowed, state.config.max_page_size)?;
    let level = params::level(p)?;
    let rows: Vec<T> = sqlx::query_as(sql)
        .bind(w.interval)
        .bind(level)
        .bind(w.from)
        .bind(w.to)
        .bind(w.limit)
        .bind(w.offset)
        .fetch_all(&state.pool)
        .await?;
    Ok(w.answer(json!({}), rows))
}

/// One bucket of a level's TVL history.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct TvlBucket {
    level: i16,
    bucket: i64,
    /// JackedIn + StakeAdded amounts.
    deposited: String,
    /// Extracted amounts (extractions and emergency withdrawals).
    withdrawn: String,
    /// System-reset haircuts revealed or settled.
    haircut: String,
    /// Amounts lost in deaths.
    died: String,
    /// Penalty plus returned amount of culled positions.
    culled: String,
    net_flow: String,
    /// The level's TVL at the end of the bucket.
    tvl: String,
}

/// `GET /api/v1/stats/tvl?interval=hour|day&level=&from=&to=`: stake flows
/// and TVL per level per bucket, from `agg_tvl_level_hourly`. Only buckets
/// with activity at the level are listed (the TVL carries over between
/// them).
#[utoipa::path(
    get,
    operation_id = "stats_tvl",
    path = "/api/v1/stats/tvl",
    tag = "stats",
    params(("interval" = Option<String>, Query, description = "hour (default) or day"), ("level" = Option<u8>, Query, description = "GHOSTNET level 1-5 (VAULT..BLACK_ICE)"), ("from" = Option<u64>, Query, description = "keep buckets starting at or after this Unix time"), ("to" = Option<u64>, Query, description = "keep buckets starting before this Unix time"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::TvlSeries), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn tvl(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    level_series::<TvlBucket>(&state, &p, &["hour", "day"], "WITH t AS (
             SELECT level, date_trunc($1, bucket, 'UTC') AS b,
                    sum(deposited) AS deposited, sum(withdrawn) AS withdrawn, sum(haircut) AS haircut,
                    sum(died) AS died, sum(culled) AS culled, sum(net_flow) AS net_flow,
                    (array_agg(tvl ORDER BY bucket DESC))[1] AS tvl
             FROM agg_tvl_level_hourly WHERE $2::int2 IS NULL OR level = $2
             GROUP BY 1, 2)
         SELECT level, extract(epoch from b)::int8 AS bucket, deposited::numeric(78,0)::text AS deposited,
                withdrawn::numeric(78,0)::text AS withdrawn, haircut::numeric(78,0)::text AS haircut,
                died::numeric(78,0)::text AS died, culled::numeric(78,0)::text AS culled,
                net_flow::numeric(78,0)::text AS net_flow, tvl::numeric(78,0)::text AS tvl
         FROM t WHERE ($3::int8 IS NULL OR b >= to_timestamp($3)) AND ($4::int8 IS NULL OR b < to_timestamp($4))
         ORDER BY b, level LIMIT $5 OFFSET $6")
    .await
}

/// One bucket of a token's burns.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct BurnBucket {
    token_address: String,
    bucket: i64,
    supply_burned: String,
    dead_burned: String,
    tax_burned: String,
    total_burned: String,
}

/// `GET /api/v1/stats/burns?interval=day|week|month&from=&to=`: the burn
/// totals of every indexed token and their history by bucket, from
/// `agg_burns_daily` (supply burns to 0x0, untaxed transfers to 0xdEaD —
/// DeadPool rakes, death cascades, culling penalties, arcade rakes — and
/// the burned part of the transfer tax).
#[utoipa::path(
    get,
    operation_id = "stats_burns",
    path = "/api/v1/stats/burns",
    tag = "stats",
    params(("interval" = Option<String>, Query, description = "day (default), week or month"), ("from" = Option<u64>, Query, description = "keep buckets starting at or after this Unix time"), ("to" = Option<u64>, Query, description = "keep buckets starting before this Unix time"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::BurnSeries), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn burns(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["interval", "from", "to", "limit", "offset"])?;
    let w = Window::parse(&p, &["day", "week", "month"], state.config.max_page_size)?;
    let totals = tokens(&state).await?;
    let rows: Vec<BurnBucket> = sqlx::query_as(
        "WITH t AS (
             SELECT token_address, date_trunc($1, bucket, 'UTC') AS b,
                    sum(supply_burned) AS supply_burned, sum(dead_burned) AS dead_burned,
                    sum(tax_burned) AS tax_burned, sum(total_burned) AS total_burned
             FROM agg_burns_daily GROUP BY 1, 2)
         SELECT '0x' || encode(token_address, 'hex') AS token_address, extract(epoch from b)::int8 AS bucket,
                supply_burned::numeric(78,0)::text AS supply_burned,
                dead_burned::numeric(78,0)::text AS dead_burned,
                tax_burned::numeric(78,0)::text AS tax_burned,
                total_burned::numeric(78,0)::text AS total_burned
         FROM t WHERE ($2::int8 IS NULL OR b >= to_timestamp($2)) AND ($3::int8 IS NULL OR b < to_timestamp($3))
         ORDER BY b, token_address LIMIT $4 OFFSET $5",
    )
    .bind(w.interval)
    .bind(w.from)
    .bind(w.to)
    .bind(w.limit)
    .bind(w.offset)
    .fetch_all(&state.pool)
    .await?;
    Ok(w.answer(json!({ "tokens": totals }), rows))
}

/// One bucket of a level's deaths.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct DeathBucket {
    level: i16,
    bucket: i64,
    deaths: i64,
    amount_lost: String,
}

/// `GET /api/v1/stats/deaths?interval=day|week|month&level=&from=&to=`:
/// deaths and DATA lost per level per bucket, from
/// `agg_deaths_level_daily`.
#[utoipa::path(
    get,
    operation_id = "stats_deaths",
    path = "/api/v1/stats/deaths",
    tag = "stats",
    params(("interval" = Option<String>, Query, description = "day (default), week or month"), ("level" = Option<u8>, Query, description = "GHOSTNET level 1-5 (VAULT..BLACK_ICE)"), ("from" = Option<u64>, Query, description = "keep buckets starting at or after this Unix time"), ("to" = Option<u64>, Query, description = "keep buckets starting before this Unix time"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::DeathSeries), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn deaths(
    State(state): State<ApiState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    level_series::<DeathBucket>(&state, &p, &["day", "week", "month"], "WITH t AS (
             SELECT level, date_trunc($1, bucket, 'UTC') AS b, sum(deaths) AS deaths,
                    sum(amount_lost) AS amount_lost
             FROM agg_deaths_level_daily WHERE $2::int2 IS NULL OR level = $2
             GROUP BY 1, 2)
         SELECT level, extract(epoch from b)::int8 AS bucket, deaths::int8 AS deaths,
                amount_lost::numeric(78,0)::text AS amount_lost
         FROM t WHERE ($3::int8 IS NULL OR b >= to_timestamp($3)) AND ($4::int8 IS NULL OR b < to_timestamp($4))
         ORDER BY b, level LIMIT $5 OFFSET $6")
    .await
}

/// A leaderboard entry.
#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub(crate) struct LeaderboardEntry {
    /// 1-based, over the whole board (ties broken by the board's
    /// tie-breakers, so ranks are unique).
    rank: i64,
    user_address: String,
    /// The ranked value: a streak, wei, or a Unix time (see the route).
    score: String,
    /// The position's level (`streak`, `survivors`).
    level: Option<i16>,
    /// Events counted (`earnings`: extractions; `losses`: deaths plus
    /// cullings).
    count: Option<i64>,
}

/// The board kinds.
pub(crate) const KINDS: &[&str] = &["streak", "earnings", "survivors", "losses"];

/// The SQL of a board: columns `user_address` (bytea), `score` (numeric),
/// `level`, `count` and what the order (the second item) needs; `$1` is
/// the period in days (NULL: all time).
fn board_sql(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "streak" => (
            "SELECT user_address, current_ghost_streak::numeric AS score, level, NULL::int8 AS count,
                    amount
             FROM positions_current WHERE is_alive AND NOT is_extracted AND $1::int4 IS NULL",
            "score DESC, amount DESC, user_address",
        ),
        "survivors" => (
            "SELECT user_address, extract(epoch from entry_timestamp)::int8::numeric AS score, level,
                    NULL::int8 AS count, entry_block, entry_log_index
             FROM positions_current WHERE is_alive AND NOT is_extracted AND $1::int4 IS NULL",
            "score, entry_block, entry_log_index, user_address",
        ),
        "earnings" => (
            "SELECT user_address, sum(rewards) AS score, NULL::int2 AS level, count(*) AS count
             FROM position_events
             WHERE kind = 'extracted' AND ($1::int4 IS NULL OR block_time >= now() - make_interval(days => $1))
             GROUP BY user_address HAVING sum(rewards) > 0",
            "score DESC, user_address",
        ),
        "losses" => (
            "SELECT user_address, sum(lost) AS score, NULL::int2 AS level, count(*) AS count
             FROM (SELECT user_address, amount_lost AS lost, block_time FROM deaths
                   UNION ALL
                   SELECT user_address, amount, block_time FROM position_events WHERE kind = 'culled') l
             WHERE $1::int4 IS NULL OR block_time >= now() - make_interval(days => $1)
             GROUP BY user_address",
            "score DESC, user_address",
        ),
        _ => return None,
    })
}

/// `GET /api/v1/leaderboards/{kind}?period=day|week|all`: a board, best
/// first, paged by `limit`/`offset`.
///
/// * `streak`: alive positions by current ghost streak (scans survived),
///   then amount; current state, so only `period=all`.
/// * `survivors`: alive positions by time alive (`score` = entry time,
///   earliest first); current state, only `period=all`.
/// * `earnings`: GhostCore rewards paid at extraction (`Extracted.rewards`)
///   in the period. `claimRewards` emits no GhostCore event, so rewards
///   claimed without extracting are not counted.
/// * `losses`: DATA lost in deaths (stored amount) plus culling penalties
///   in the period.
///
/// Periods are the last 24 h / 7 days by the server clock. An unknown
/// kind or period is a 400 `INVALID_PARAMETER`.
#[utoipa::path(
    get,
    operation_id = "stats_leaderboard",
    path = "/api/v1/leaderboards/{kind}",
    tag = "leaderboards",
    params(("kind" = String, Path, description = "streak, earnings, survivors or losses"), ("period" = Option<String>, Query, description = "day, week or all (default; streak and survivors: all only)"), super::openapi::Page),
    responses((status = 200, description = "OK", body = super::openapi::Leaderboard), (status = 400, description = "Bad parameter (INVALID_PARAMETER, INVALID_ADDRESS)", body = super::openapi::ErrorBody), (status = 429, description = "Rate limited (RATE_LIMITED, Retry-After)", body = super::openapi::ErrorBody))
)]
pub(crate) async fn leaderboard(
    State(state): State<ApiState>,
    Path(kind): Path<String>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    params::only(&p, &["period", "limit", "offset"])?;
    let (inner, order) = board_sql(&kind).ok_or_else(|| {
        ApiError::InvalidParameter(format!(
            "unknown leaderboard {kind:?}; one of {}",
            KINDS.join(", ")
        ))
    })?;
    let period = params::one_of(&p, "period", &["day", "week", "all"])?.unwrap_or("all");
    if period != "all" && matches!(kind.as_str(), "streak" | "survivors") {
        return Err(ApiError::InvalidParameter(format!(
            "the {kind} leaderboard ranks current positions: period must be all, got {period:?}"
        )));
    }
    let days: Option<i32> = match period {
        "day" => Some(1),
        "week" => Some(7),
        _ => None,
    };
    let (limit, offset) = params::page(&p, state.config.max_page_size)?;
    let sql = format!(
        "SELECT rank, '0x' || encode(user_address, 'hex') AS user_address, score::text AS score,
                level, count
         FROM (SELECT row_number() OVER (ORDER BY {order}) AS rank, b.* FROM ({inner}) b) r
         ORDER BY rank LIMIT $2 OFFSET $3"
    );
    let rows: Vec<LeaderboardEntry> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(days)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.pool)
        .await?;
    Ok(Json(json!({
        "kind": kind,
        "period": period,
        "entries": rows,
        "limit": limit,
        "offset": offset
    })))
}
