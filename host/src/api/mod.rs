//! The HTTP API: `router(state) -> Router`, tested with `oneshot`.
//!
//! Every response carries `X-Wraith-Block-Number` and `X-Wraith-Block-Hash`
//! (the last committed block) so clients can judge finality themselves.

pub mod admin;
mod arcade;
pub mod cache;
mod deadpool;
mod deaths;
mod error;
pub mod limits;
mod openapi;
mod params;
mod positions;
mod scans;
mod stats;
mod system;
pub mod ws;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sqlx::PgPool;

pub use error::ApiError;

use crate::config::ApiConfig;
use crate::status::Status;

/// What handlers of the API share.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// Database pool (reads only).
    pub pool: PgPool,
    /// Host status.
    pub status: Arc<Status>,
    /// API settings.
    pub config: ApiConfig,
    /// Admin routes (None: disabled, they answer 404).
    pub admin: Option<Arc<admin::AdminState>>,
    /// Largest admin request body (a component), in bytes.
    pub max_component_bytes: usize,
    /// The WebSocket gateway (None: disabled, `/ws` answers 404).
    pub ws: Option<Arc<ws::WsHub>>,
    /// Rate limits of `/api/v1/*` (None: unlimited).
    pub limiter: Option<Arc<limits::RateLimiter>>,
    /// The read cache of `GET /api/v1/*` (None: disabled).
    pub read_cache: Option<Arc<cache::ReadCache>>,
}

/// The API routes.
pub fn router(state: ApiState) -> Router {
    let admin_routes = Router::new()
        .route("/admin/handlers", get(admin::list))
        .route("/admin/handlers/{name}", post(admin::swap))
        .route("/admin/reload", post(admin::reload))
        .layer(axum::extract::DefaultBodyLimit::max(
            state.max_component_bytes,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            admin::authorize,
        ));
    // Rate-limited application reads (status, health and metrics are not
    // limited: monitors poll them).
    let api_v1 = api_v1()
        .router
        .route_layer(middleware::from_fn_with_state(state.clone(), cache::serve))
        .route_layer(middleware::from_fn_with_state(state.clone(), limits::limit));
    let public = Router::new()
        .merge(api_v1)
        .route(STATUS_PATH, get(system::status))
        .route("/", get(system::page))
        .route("/ws", get(ws::upgrade))
        .route("/metrics", get(system::metrics))
        .route("/health/live", get(system::live))
        .route("/health/ready", get(system::ready))
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.max_body_bytes,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), body_limit));
    let public = match cors(&state.config.cors_origins) {
        Some(layer) => public.layer(layer),
        None => public,
    };
    Router::new()
        .merge(admin_routes)
        .merge(public)
        .fallback(system::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), block_headers))
        .layer(middleware::from_fn(observe))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// `GET /api/v1/status` (not rate-limited).
const STATUS_PATH: &str = "/api/v1/status";

/// A router that remembers its paths, so that the OpenAPI document can be
/// checked against what is served.
struct Routes {
    router: Router<ApiState>,
    paths: Vec<&'static str>,
}

impl Routes {
    fn new() -> Self {
        Self {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, ApiState>,
        T: 'static,
    {
        self.paths.push(path);
        self.router = self.router.route(path, get(handler));
        self
    }
}

/// The rate-limited `/api/v1` reads. Static segments (`at-risk`, `next`)
/// win over captures.
fn api_v1() -> Routes {
    Routes::new()
        .get("/api/v1/positions", positions::list)
        .get("/api/v1/positions/at-risk", positions::at_risk)
        .get("/api/v1/positions/{address}", positions::one)
        .get("/api/v1/positions/{address}/history", positions::history)
        .get("/api/v1/deaths", deaths::list)
        .get("/api/v1/deaths/{address}", deaths::by_address)
        .get("/api/v1/scans", scans::list)
        .get("/api/v1/scans/next", scans::next)
        .get("/api/v1/scans/{scan_id}", scans::one)
        .get("/api/v1/scans/{scan_id}/deaths", scans::deaths)
        .get("/api/v1/deadpool/rounds", deadpool::list)
        .get("/api/v1/deadpool/rounds/{round_id}", deadpool::one)
        .get(
            "/api/v1/deadpool/rounds/{round_id}/bets",
            deadpool::round_bets,
        )
        .get("/api/v1/deadpool/rounds/{round_id}/odds", deadpool::odds)
        .get("/api/v1/deadpool/bets/{address}", deadpool::by_address)
        .get("/api/v1/arcade/games", arcade::games)
        .get("/api/v1/arcade/sessions", arcade::sessions)
        .get("/api/v1/arcade/hashcrash/rounds", arcade::crash_rounds)
        .get(
            "/api/v1/arcade/hashcrash/rounds/{round_id}",
            arcade::crash_round,
        )
        .get("/api/v1/arcade/duels", arcade::duels)
        .get("/api/v1/arcade/duels/{match_id}", arcade::duel)
        .get("/api/v1/arcade/dailyops/{address}", arcade::daily_ops)
        .get("/api/v1/stats", stats::global)
        .get("/api/v1/stats/levels", stats::levels)
        .get("/api/v1/stats/tvl", stats::tvl)
        .get("/api/v1/stats/burns", stats::burns)
        .get("/api/v1/stats/deaths", stats::deaths)
        .get("/api/v1/leaderboards/{kind}", stats::leaderboard)
        .get("/api/v1/openapi.json", openapi::document)
        .get("/api/v1/docs", openapi::docs)
}

/// Every `/api/v1` path the router serves (axum `{param}` syntax, as in
/// OpenAPI).
pub fn api_v1_paths() -> Vec<&'static str> {
    let mut paths = api_v1().paths;
    paths.push(STATUS_PATH);
    paths
}

/// The CORS layer of `api.cors_origins` (None: empty, no CORS headers).
/// Origins were validated at load; one that is not a header value is
/// skipped.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, Any, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::from(Any)
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([axum::http::Method::GET, axum::http::Method::HEAD])
            .allow_headers([
                axum::http::header::AUTHORIZATION,
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderName::from_static("x-api-key"),
            ])
            .expose_headers([
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderName::from_static("x-wraith-block-number"),
                axum::http::HeaderName::from_static("x-wraith-block-hash"),
            ]),
    )
}

/// Refuse a request whose declared body exceeds `api.max_body_bytes` (413)
/// before any handler runs; `DefaultBodyLimit` bounds what extractors read
/// from bodies without a length.
async fn body_limit(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > state.config.max_body_bytes as u64 => ApiError::PayloadTooLarge(format!(
            "request body of {n} bytes exceeds api.max_body_bytes ({})",
            state.config.max_body_bytes
        ))
        .into_response(),
        _ => next.run(request).await,
    }
}

/// Record the latency of every request by route template and status.
async fn observe(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    crate::metrics::metrics()
        .api_latency
        .get_or_create(&crate::metrics::RouteLabels {
            route,
            status: response.status().as_u16(),
        })
        .observe(started.elapsed().as_secs_f64());
    response
}

async fn block_headers(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if let Some((n, h)) = state.status.indexed_block() {
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&n.to_string()) {
            headers.insert("x-wraith-block-number", v);
        }
        if let Ok(v) = HeaderValue::from_str(&h) {
            headers.insert("x-wraith-block-hash", v);
        }
    }
    response
}

/// Parse a `0x`-prefixed 20-byte address (any case) for a query.
pub(crate) fn parse_address(raw: &str) -> Result<Vec<u8>, ApiError> {
    crate::config::validate::parse_address(raw)
        .map(|a| a.to_vec())
        .map_err(|e| ApiError::InvalidAddress(format!("invalid address: {e}")))
}
