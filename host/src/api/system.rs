//! `/api/v1/status`, `/health/live`, `/health/ready`, and the JSON 404.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{ApiError, ApiState};

/// `GET /api/v1/status`: head, indexed block, lag, handlers with versions.
#[utoipa::path(
    get,
    operation_id = "system_status",
    path = "/api/v1/status",
    tag = "system",
    responses((status = 200, description = "Head, indexed block, lag, handlers", body = Object))
)]
pub(crate) async fn status(State(state): State<ApiState>) -> Json<Value> {
    let s = state.status.snapshot();
    let lag = s.head.map(|h| h.saturating_sub(s.indexed.unwrap_or(0)));
    let handlers: Vec<Value> = s
        .handlers
        .iter()
        .map(|(name, h)| {
            json!({
                "name": name,
                "version": h.version,
                "version_hash": h.version_hash,
                "state": h.state,
                "checkpoint": h.checkpoint,
                "start_block": h.start_block,
                "error": h.error,
                "unbound_contracts": h.unbound_contracts,
                "swaps": s.swaps.get(name).cloned().unwrap_or_default(),
            })
        })
        .collect();
    Json(json!({
        "chain_id": s.chain_id,
        "head": s.head,
        "indexed_block": s.indexed,
        "indexed_hash": s.indexed_hash,
        "lag": lag,
        "rpc": { "ok": s.rpc_ok, "error": s.rpc_error },
        "database": { "ok": s.db_ok, "error": s.db_error },
        "fatal": s.fatal,
        "reorgs": { "count": s.reorgs, "max_depth": s.max_reorg_depth },
        "handlers": handlers,
        "sinks": s.sinks.iter().map(|(name, k)| json!({
            "name": name,
            "kind": k.kind,
            "cursor": k.cursor,
            "head": k.head,
            "lag": k.lag,
            "delivered": k.delivered,
            "failures": k.failures,
            "last_error": k.last_error,
        })).collect::<Vec<_>>(),
        "reload": s.reload,
        "recent_reorgs": s.recent_reorgs,
        "recent_failures": s.recent_failures,
        "ws_clients": state.ws.as_ref().map(|w| w.clients()),
        "uptime_secs": state.status.uptime_secs(),
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// `GET /`: the live status page (one self-contained HTML file; it reads
/// `/api/v1/status` and follows `/ws`).
pub(crate) async fn page() -> axum::response::Html<&'static str> {
    axum::response::Html(include_str!("status.html"))
}

/// `GET /metrics`: Prometheus / OpenMetrics text.
pub(crate) async fn metrics(State(state): State<ApiState>) -> Result<impl IntoResponse, ApiError> {
    let body = crate::metrics::render(&state.status, state.ws.as_ref().map(|w| w.clients()))
        .map_err(|e| ApiError::Internal(format!("encoding metrics: {e}")))?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    ))
}

/// `GET /health/live`: the process is up.
pub(crate) async fn live(State(state): State<ApiState>) -> Json<Value> {
    Json(
        json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION"), "uptime_secs": state.status.uptime_secs() }),
    )
}

/// `GET /health/ready`: database reachable, RPC answering, every stream
/// sink's last round succeeded, no fatal condition, and lag within
/// `api.ready_max_lag`. 503 otherwise.
pub(crate) async fn ready(State(state): State<ApiState>) -> impl IntoResponse {
    let started = std::time::Instant::now();
    let db = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query("SELECT 1").execute(&state.pool),
    )
    .await;
    let db_ms = started.elapsed().as_millis() as u64;
    let (db_ok, db_error) = match db {
        Ok(Ok(_)) => (true, None),
        Ok(Err(e)) => (false, Some(e.to_string())),
        Err(_) => (false, Some("timed out after 2 s".to_owned())),
    };
    let s = state.status.snapshot();
    let lag = s.head.map(|h| h.saturating_sub(s.indexed.unwrap_or(0)));
    let lag_ok = lag.is_some_and(|l| l <= state.config.ready_max_lag);
    let rpc_ok = s.rpc_ok && s.head.is_some();
    // A sink is ready unless its last publishing round failed.
    let sinks: serde_json::Map<String, Value> = s
        .sinks
        .iter()
        .map(|(name, k)| {
            (
                name.clone(),
                json!({ "ok": k.last_error.is_none(), "lag": k.lag, "error": k.last_error }),
            )
        })
        .collect();
    let sinks_ok = s.sinks.values().all(|k| k.last_error.is_none());
    let ok = db_ok && rpc_ok && lag_ok && sinks_ok && s.fatal.is_none();
    let body = json!({
        "status": if ok { "ready" } else { "not_ready" },
        "checks": {
            "database": { "ok": db_ok, "latency_ms": db_ms, "error": db_error },
            "rpc": { "ok": rpc_ok, "error": s.rpc_error },
            "indexer": { "ok": lag_ok && s.fatal.is_none(), "last_block": s.indexed, "chain_head": s.head, "lag": lag, "max_lag": state.config.ready_max_lag, "fatal": s.fatal },
            "sinks": sinks,
        }
    });
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}

/// Any unknown route.
pub(crate) async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no route for {}", uri.path()))
}
