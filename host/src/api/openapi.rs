//! The OpenAPI 3 document of `/api/v1`, generated from the handlers'
//! `#[utoipa::path]` attributes and the row types' `ToSchema` derives:
//! `GET /api/v1/openapi.json`, and `GET /api/v1/docs`, a self-contained
//! page that renders it (no CDN, no build step).
//!
//! The list envelopes below exist for the document only: handlers build
//! the same shapes with `json!`.

use std::sync::LazyLock;

use axum::Json;
use axum::response::Html;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{arcade, deadpool, deaths, positions, scans, stats, system};

/// `limit` / `offset` paging.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documentation only")]
pub(crate) struct Page {
    /// Items per page: default 100, at least 1, capped at
    /// `api.max_page_size`.
    limit: Option<u32>,
    /// Items to skip (default 0).
    offset: Option<u64>,
}

/// The error envelope of every 4xx/5xx.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation only")]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// An error: a stable `code` and a message.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation only")]
pub(crate) struct ErrorDetail {
    /// `BAD_REQUEST`, `INVALID_ADDRESS`, `INVALID_PARAMETER`, `NOT_FOUND`,
    /// `UNAUTHORIZED`, `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`, `NOT_READY` or
    /// `INTERNAL_ERROR`.
    code: String,
    message: String,
    /// With `RATE_LIMITED` (also the `Retry-After` header).
    retry_after_secs: Option<u64>,
}

/// A documentation-only envelope struct.
macro_rules! envelope {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, ToSchema)]
        #[allow(dead_code, reason = "documentation only")]
        pub(crate) struct $name { $($field: $ty),* }
    };
}

envelope!(
    /// A page of positions.
    PositionPage { positions: Vec<positions::Position>, total: i64, limit: i64, offset: i64 }
);
envelope!(
    /// A page of an address's position events.
    PositionHistory {
        address: String,
        events: Vec<positions::PositionEvent>,
        total: i64,
        limit: i64,
        offset: i64,
    }
);
envelope!(
    /// The members of a level's position array.
    AtRiskPage {
        level: i16,
        next_scan_time: Option<i64>,
        positions: Vec<positions::AtRisk>,
        total: i64,
        limit: i64,
        offset: i64,
    }
);
envelope!(
    /// A page of deaths.
    DeathPage { deaths: Vec<deaths::Death>, total: i64, limit: i64, offset: i64 }
);
envelope!(
    /// A page of an address's deaths.
    AddressDeaths { address: String, deaths: Vec<deaths::Death>, total: i64, limit: i64, offset: i64 }
);
envelope!(
    /// A page of scans.
    ScanPage { scans: Vec<scans::Scan>, total: i64, limit: i64, offset: i64 }
);
envelope!(
    /// A scan's death submissions.
    ScanDeaths { scan_id: String, submissions: Vec<scans::DeathSubmission> }
);
envelope!(
    /// Next scan times.
    NextScans { levels: Vec<scans::NextScan> }
);
envelope!(
    /// A page of DeadPool rounds.
    RoundPage { rounds: Vec<deadpool::Round>, total: i64, limit: i64, offset: i64 }
);
envelope!(
    /// A page of a round's bets.
    RoundBets { round_id: String, bets: Vec<deadpool::Bet>, limit: i64, offset: i64 }
);
envelope!(
    /// A page of an address's bets.
    AddressBets { address: String, bets: Vec<deadpool::Bet>, limit: i64, offset: i64 }
);
envelope!(
    /// A round's odds (see the route).
    RoundOdds {
        round_id: String,
        is_resolved: bool,
        over_pool: String,
        under_pool: String,
        total_pot: String,
        rake: String,
        payout_pool: String,
        over_odds: Option<String>,
        under_odds: Option<String>,
        over_share: Option<String>,
        under_share: Option<String>,
        over_payout_per_data: Option<String>,
        under_payout_per_data: Option<String>,
    }
);
envelope!(
    /// A page of arcade games.
    GamePage { games: Vec<arcade::Game>, total: i64, limit: i64, offset: i64 }
);
envelope!(
    /// A page of arcade sessions.
    SessionPage { sessions: Vec<arcade::Session>, total: i64, limit: i64, offset: i64 }
);
envelope!(
    /// A page of HashCrash rounds.
    CrashRoundPage { rounds: Vec<arcade::CrashRound>, total: i64, limit: i64, offset: i64 }
);
envelope!(
    /// A HashCrash round with its bets.
    CrashRoundDetail { round: arcade::CrashRound, bets: Vec<arcade::CrashBet> }
);
envelope!(
    /// A page of duels.
    DuelPage { duels: Vec<arcade::Duel>, total: i64, limit: i64, offset: i64 }
);
envelope!(
    /// An address's DailyOps streaks and badges.
    DailyOps { address: String, streaks: Vec<arcade::Streak>, badges: Vec<arcade::Badge> }
);
envelope!(
    /// Every level's state.
    LevelsStats { levels: Vec<stats::LevelStats> }
);
envelope!(
    /// TVL history.
    TvlSeries { interval: String, buckets: Vec<stats::TvlBucket>, limit: i64, offset: i64 }
);
envelope!(
    /// Burn totals and history.
    BurnSeries {
        interval: String,
        tokens: Vec<stats::TokenStats>,
        buckets: Vec<stats::BurnBucket>,
        limit: i64,
        offset: i64,
    }
);
envelope!(
    /// Death history.
    DeathSeries { interval: String, buckets: Vec<stats::DeathBucket>, limit: i64, offset: i64 }
);
envelope!(
    /// A leaderboard page.
    Leaderboard {
        kind: String,
        period: String,
        entries: Vec<stats::LeaderboardEntry>,
        limit: i64,
        offset: i64,
    }
);

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "wraith GHOSTNET API",
        description = "Read-only GHOSTNET data indexed by wraith. Amounts are exact wei as decimal strings, addresses lowercase 0x hex, times Unix seconds. Every response carries X-Wraith-Block-Number / X-Wraith-Block-Hash (the last committed block). Lists are paged by limit/offset with a stable order."
    ),
    paths(
        positions::list, positions::at_risk, positions::one, positions::history,
        deaths::list, deaths::by_address,
        scans::list, scans::next, scans::one, scans::deaths,
        deadpool::list, deadpool::one, deadpool::round_bets, deadpool::odds, deadpool::by_address,
        arcade::games, arcade::sessions, arcade::crash_rounds, arcade::crash_round, arcade::duels,
        arcade::duel, arcade::daily_ops,
        stats::global, stats::levels, stats::tvl, stats::burns, stats::deaths, stats::leaderboard,
        system::status, document, docs,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    tags(
        (name = "positions"), (name = "deaths"), (name = "scans"), (name = "deadpool"),
        (name = "arcade"), (name = "stats"), (name = "leaderboards"), (name = "system"),
    )
)]
pub(crate) struct ApiDoc;

static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

/// `GET /api/v1/openapi.json`: this API's OpenAPI 3 document.
#[utoipa::path(
    get, operation_id = "openapi_document", path = "/api/v1/openapi.json", tag = "system",
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
pub(crate) async fn document() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(&*DOCUMENT)
}

/// `GET /api/v1/docs`: a page that renders the document.
#[utoipa::path(
    get, operation_id = "openapi_docs", path = "/api/v1/docs", tag = "system",
    responses((status = 200, description = "HTML", content_type = "text/html", body = String))
)]
pub(crate) async fn docs() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}
