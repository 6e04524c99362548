//! An error as the API reports it: a status and a sentence, as JSON `{"error": ...}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use intake_common::{Error, sync};
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    /// Seconds for a `Retry-After` header.
    retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Every error's body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(title = "Error")]
pub struct ErrorBody {
    /// What is wrong, and where (the field, the line), in one sentence.
    pub error: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let retry_after = (status == StatusCode::SERVICE_UNAVAILABLE).then_some(1);
        Self {
            status,
            message: message.into(),
            retry_after,
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    pub fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Seconds before a try again may succeed, when the refusal says.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// 413: the body is larger than the route takes.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request body is larger than this route takes ({}): nothing was stored",
                size(limit)
            ),
        )
    }
}

/// A byte count as a person reads it: 4 KiB, 64 MiB.
pub fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::Invalid(_) | Error::Csv(_) => StatusCode::BAD_REQUEST,
            Error::CustomerNotFound(_)
            | Error::CustomerErased { .. }
            | Error::UserNotFound(_)
            | Error::SessionNotFound(_)
            | Error::LinkNotFound(_)
            | Error::WebhookNotFound(_)
            | Error::WebhookMessageNotFound(_)
            | Error::LinkUnusable => StatusCode::NOT_FOUND,
            Error::BadCredentials | Error::BadPairingCode => StatusCode::UNAUTHORIZED,
            Error::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Forbidden { .. } => StatusCode::FORBIDDEN,
            Error::UserExists(_) => StatusCode::CONFLICT,
            e if sync::is_transient(e) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!(error = %e, "request failed");
        }
        let message = match &e {
            // Where the database is stays in the store's log, not in answers to callers.
            Error::Unreachable { .. } => {
                "the store's database cannot be reached just now: try again shortly".to_owned()
            }
            e => e.to_string(),
        };
        let mut err = Self::new(status, message);
        if let Error::Throttled { retry_after_secs } = e {
            err.retry_after = Some(retry_after_secs.max(1));
        }
        err
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        match e.downcast::<Error>() {
            Ok(e) => e.into(),
            Err(e) => Self::internal(format!("{e:#}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.message,
        };
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}
