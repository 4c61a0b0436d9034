//! [`ApiError`]: every API error, with a stable code and status. 4xx
//! messages pass through to the client; 5xx details are logged and hidden.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An API error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Invalid input (400, `BAD_REQUEST`).
    #[error("{0}")]
    BadRequest(String),
    /// A malformed address (400, `INVALID_ADDRESS`).
    #[error("{0}")]
    InvalidAddress(String),
    /// A malformed or unknown query or path parameter (400,
    /// `INVALID_PARAMETER`).
    #[error("{0}")]
    InvalidParameter(String),
    /// A request body over the configured limit (413,
    /// `PAYLOAD_TOO_LARGE`).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Unknown route or entity (404, `NOT_FOUND`).
    #[error("{0}")]
    NotFound(String),
    /// Missing or wrong credentials (401, `UNAUTHORIZED`).
    #[error("{0}")]
    Unauthorized(String),
    /// A handler component or setting was refused (422,
    /// `COMPONENT_REJECTED`); the running version continues.
    #[error("{0}")]
    Rejected(String),
    /// Too many requests or connections (429, `RATE_LIMITED`, with a
    /// `Retry-After` header).
    #[error("{message}")]
    RateLimited {
        /// What limit was hit.
        message: String,
        /// When to retry.
        retry_after_secs: u64,
    },
    /// A dependency is down (503, `NOT_READY`).
    #[error("{0}")]
    Unavailable(String),
    /// Anything else (500, `INTERNAL_ERROR`; details hidden).
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The stable code and the HTTP status.
    pub fn code(&self) -> (&'static str, StatusCode) {
        match self {
            Self::BadRequest(_) => ("BAD_REQUEST", StatusCode::BAD_REQUEST),
            Self::InvalidAddress(_) => ("INVALID_ADDRESS", StatusCode::BAD_REQUEST),
            Self::InvalidParameter(_) => ("INVALID_PARAMETER", StatusCode::BAD_REQUEST),
            Self::PayloadTooLarge(_) => ("PAYLOAD_TOO_LARGE", StatusCode::PAYLOAD_TOO_LARGE),
            Self::NotFound(_) => ("NOT_FOUND", StatusCode::NOT_FOUND),
            Self::Unauthorized(_) => ("UNAUTHORIZED", StatusCode::UNAUTHORIZED),
            Self::Rejected(_) => ("COMPONENT_REJECTED", StatusCode::UNPROCESSABLE_ENTITY),
            Self::RateLimited { .. } => ("RATE_LIMITED", StatusCode::TOO_MANY_REQUESTS),
            Self::Unavailable(_) => ("NOT_READY", StatusCode::SERVICE_UNAVAILABLE),
            Self::Internal(_) => ("INTERNAL_ERROR", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, status) = self.code();
        let message = match &self {
            Self::Internal(detail) => {
                tracing::error!(error = %detail, "api request failed");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        let mut error = serde_json::json!({ "code": code, "message": message });
        let retry = match &self {
            Self::RateLimited {
                retry_after_secs, ..
            } => {
                error["retry_after_secs"] = serde_json::json!(retry_after_secs);
                Some(*retry_after_secs)
            }
            _ => None,
        };
        let mut response = (status, Json(serde_json::json!({ "error": error }))).into_response();
        if let Some(v) = retry.and_then(|s| axum::http::HeaderValue::from_str(&s.to_string()).ok())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(
            ApiError::BadRequest("x".into()).code(),
            ("BAD_REQUEST", StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            ApiError::InvalidAddress("x".into()).code(),
            ("INVALID_ADDRESS", StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            ApiError::InvalidParameter("x".into()).code(),
            ("INVALID_PARAMETER", StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            ApiError::PayloadTooLarge("x".into()).code(),
            ("PAYLOAD_TOO_LARGE", StatusCode::PAYLOAD_TOO_LARGE)
        );
        assert_eq!(
            ApiError::NotFound("x".into()).code(),
            ("NOT_FOUND", StatusCode::NOT_FOUND)
        );
        assert_eq!(
            ApiError::Unavailable("x".into()).code(),
            ("NOT_READY", StatusCode::SERVICE_UNAVAILABLE)
        );
        assert_eq!(
            ApiError::Internal("x".into()).code(),
            ("INTERNAL_ERROR", StatusCode::INTERNAL_SERVER_ERROR)
        );
    }
}
