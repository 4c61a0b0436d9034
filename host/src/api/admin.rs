//! The admin API (bearer token from the environment variable named by
//! `admin.token_env`; every admin route answers 404 when it is unset):
//!
//! - `POST /admin/handlers/{name}?mode=continue|reindex` with the component
//!   bytes as the body (`application/wasm`; an empty body re-reads the
//!   handler's configured component file): hot swap.
//! - `GET /admin/handlers`: the handlers, their versions and swap history.
//! - `POST /admin/reload`: reload the configuration file (as SIGHUP does).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};

use super::{ApiError, ApiState};
use crate::pipeline::{HandlerManager, SwapError, SwapMode, SwapSource};
use crate::reload::Reloader;

/// What the admin routes need.
#[derive(Debug)]
pub struct AdminState {
    /// The bearer token.
    pub token: String,
    /// Hot swap.
    pub manager: Arc<HandlerManager>,
    /// Configuration reload.
    pub reloader: Arc<Reloader>,
}

/// Constant-time comparison (the token must not leak through timing).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reject requests without the token (401); 404 when admin is disabled.
pub(crate) async fn authorize(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(admin) = &state.admin else {
        return Err(ApiError::NotFound(format!(
            "no route {} (the admin API is disabled: set the variable named by admin.token_env)",
            request.uri().path()
        )));
    };
    let given = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same(given.as_bytes(), admin.token.as_bytes()) {
        return Err(ApiError::Unauthorized(
            "a valid `Authorization: Bearer <token>` header is required".to_owned(),
        ));
    }
    Ok(next.run(request).await)
}

fn admin(state: &ApiState) -> Result<&Arc<AdminState>, ApiError> {
    state
        .admin
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("the admin API is disabled".to_owned()))
}

/// `POST /admin/handlers/{name}?mode=continue|reindex`.
pub(crate) async fn swap(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let admin = admin(&state)?;
    let mode: SwapMode = params
        .get("mode")
        .map_or(Ok(SwapMode::Continue), |m| m.parse())
        .map_err(ApiError::BadRequest)?;
    if let Some(k) = params.keys().find(|k| k.as_str() != "mode") {
        return Err(ApiError::BadRequest(format!(
            "unknown query parameter {k:?} (only `mode`)"
        )));
    }
    let bytes = (!body.is_empty()).then(|| body.to_vec());
    let report = admin
        .manager
        .swap(&name, bytes, mode, SwapSource::Admin)
        .await
        .map_err(|e| match e {
            SwapError::UnknownHandler(_) => ApiError::NotFound(e.to_string()),
            SwapError::Rejected(reason) => ApiError::Rejected(reason),
            SwapError::Stopped => ApiError::Unavailable(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        })?;
    Ok(Json(json!(report)))
}

/// `GET /admin/handlers`.
pub(crate) async fn list(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let admin = admin(&state)?;
    let s = state.status.snapshot();
    let configs = admin.manager.configs().await;
    let handlers: Vec<Value> = configs
        .iter()
        .map(|c| {
            let h = s.handlers.get(&c.name);
            json!({
                "name": c.name,
                "component": c.component.display().to_string(),
                "enabled": c.enabled,
                "on_failure": c.on_failure,
                "version_hash": h.map(|h| h.version_hash.clone()),
                "state": h.map(|h| h.state),
                "checkpoint": h.and_then(|h| h.checkpoint),
                "swaps": s.swaps.get(&c.name),
            })
        })
        .collect();
    Ok(Json(json!({ "handlers": handlers })))
}

/// `POST /admin/reload`.
pub(crate) async fn reload(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let admin = admin(&state)?;
    let outcome = admin.reloader.reload().await;
    Ok(Json(json!(outcome)))
}
