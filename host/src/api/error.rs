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
    /// Unknown route or entity (404, `NOT_FOUND`).
    #[error("{0}")]
    NotFound(String),
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
            Self::NotFound(_) => ("NOT_FOUND", StatusCode::NOT_FOUND),
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
        (
            status,
            Json(serde_json::json!({ "error": { "code": code, "message": message } })),
        )
            .into_response()
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
