//! The HTTP API: `router(state) -> Router`, tested with `oneshot`.
//!
//! Every response carries `X-Wraith-Block-Number` and `X-Wraith-Block-Hash`
//! (the last committed block) so clients can judge finality themselves.

pub mod admin;
mod deadpool;
mod error;
pub mod limits;
mod params;
mod positions;
mod scans;
mod system;
pub mod ws;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
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
    let api_v1 = Router::new()
        .route("/api/v1/positions", get(positions::list))
        .route("/api/v1/positions/{address}", get(positions::one))
        .route("/api/v1/scans", get(scans::list))
        .route("/api/v1/scans/{scan_id}", get(scans::one))
        .route("/api/v1/scans/{scan_id}/deaths", get(scans::deaths))
        .route("/api/v1/deadpool/rounds", get(deadpool::list))
        .route("/api/v1/deadpool/rounds/{round_id}", get(deadpool::one))
        .route(
            "/api/v1/deadpool/rounds/{round_id}/bets",
            get(deadpool::round_bets),
        )
        .route("/api/v1/deadpool/bets/{address}", get(deadpool::by_address))
        .route_layer(middleware::from_fn_with_state(state.clone(), limits::limit));
    Router::new()
        .merge(admin_routes)
        .merge(api_v1)
        .route("/api/v1/status", get(system::status))
        .route("/", get(system::page))
        .route("/ws", get(ws::upgrade))
        .route("/metrics", get(system::metrics))
        .route("/health/live", get(system::live))
        .route("/health/ready", get(system::ready))
        .fallback(system::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), block_headers))
        .layer(middleware::from_fn(observe))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
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
    let s = state.status.snapshot();
    if let (Some(n), Some(h)) = (s.indexed, s.indexed_hash) {
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
