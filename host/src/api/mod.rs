//! The HTTP API: `router(state) -> Router`, tested with `oneshot`.
//!
//! Every response carries `X-Wraith-Block-Number` and `X-Wraith-Block-Hash`
//! (the last committed block) so clients can judge finality themselves.

mod deadpool;
mod error;
mod params;
mod positions;
mod scans;
mod system;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
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
}

/// The API routes.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/api/v1/status", get(system::status))
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
        .route("/health/live", get(system::live))
        .route("/health/ready", get(system::ready))
        .fallback(system::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), block_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
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
