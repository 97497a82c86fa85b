//! The API's error type and its JSON shape `{"error": code, "message": text}`.
//!
//! Client mistakes map to 4xx with a message that says what to fix. Anything
//! else is a 500 whose details go to the log, never to the client.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use waitwell_queue::{IllegalTransition, InvalidSetting};

/// Result with [`AppError`] as the default error.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Unknown id, or an object the caller may not see.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request clashes with the current state (duplicate name, a ticket
    /// another desk took first, an illegal transition).
    #[error("{0}")]
    Conflict(String),
    /// The input is malformed or out of range.
    #[error("{0}")]
    Validation(String),
    /// The request itself is malformed (bad JSON syntax, wrong content type).
    #[error("{0}")]
    BadRequest(String),
    /// An extractor rejected the request with this status.
    #[error("{1}")]
    Rejected(StatusCode, String),
    /// No valid credentials.
    #[error("sign in required")]
    Unauthorized,
    /// Valid credentials without the right to do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// Too many attempts; retry after the given number of seconds.
    #[error("too many attempts, retry in {0} s")]
    TooManyRequests(u64),
    /// The server is stopping.
    #[error("the server is shutting down")]
    Unavailable,
    /// A bug or an infrastructure failure.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// An internal error with a message for the log.
    pub fn internal(message: impl Into<String>) -> AppError {
        AppError::Internal(anyhow::anyhow!(message.into()))
    }

    /// The server is shutting down.
    pub fn shutting_down() -> AppError {
        AppError::Unavailable
    }

    /// A validation error.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::Validation(message.into())
    }

    /// A conflict.
    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::Conflict(message.into())
    }

    /// HTTP status and stable error code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            AppError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::Rejected(status, _) if *status == StatusCode::UNPROCESSABLE_ENTITY => {
                (*status, "invalid")
            }
            AppError::Rejected(status, _) => (*status, "bad_request"),
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            AppError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code: not_found, conflict, invalid,
    /// unauthorized, forbidden, rate_limited, unavailable, internal, bad_request.
    pub error: &'static str,
    /// What went wrong, for people.
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "internal error; see the server log".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: code,
                message,
            }),
        )
            .into_response();
        if let AppError::TooManyRequests(secs) = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => AppError::NotFound("object"),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                AppError::Conflict("an object with these values already exists".into())
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                AppError::Validation("a referenced object does not exist".into())
            }
            _ => AppError::Internal(e.into()),
        }
    }
}

impl From<IllegalTransition> for AppError {
    fn from(e: IllegalTransition) -> Self {
        AppError::Conflict(e.to_string())
    }
}

impl From<InvalidSetting> for AppError {
    fn from(e: InvalidSetting) -> Self {
        AppError::Validation(e.0)
    }
}

impl From<JsonRejection> for AppError {
    fn from(e: JsonRejection) -> Self {
        AppError::Rejected(e.status(), e.body_text())
    }
}

impl From<PathRejection> for AppError {
    fn from(e: PathRejection) -> Self {
        AppError::Rejected(e.status(), e.body_text())
    }
}

impl From<QueryRejection> for AppError {
    fn from(e: QueryRejection) -> Self {
        AppError::Rejected(e.status(), e.body_text())
    }
}

/// `Json` that rejects bad input with [`AppError`]'s JSON shape: a missing
/// or non-JSON content type 415, a body over the limit 413, broken JSON
/// syntax 400 (checked before the shape, so that `{` is 400 on every
/// route), JSON of the wrong shape 422.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

fn is_json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T, S> axum::extract::FromRequest<S> for AppJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self> {
        if !is_json_content_type(req.headers()) {
            return Err(AppError::Rejected(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Expected request with `Content-Type: application/json`".into(),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::Rejected(e.status(), e.body_text()))?;
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
            return Err(AppError::BadRequest(format!(
                "Failed to parse the request body as JSON: {e}"
            )));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(AppJson(value))
    }
}

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// `Path` that rejects bad ids with [`AppError`]'s JSON shape.
#[derive(Debug, Clone, Copy, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct AppPath<T>(pub T);

/// `Query` that rejects bad parameters with [`AppError`]'s JSON shape.
#[derive(Debug, Clone, Copy, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct AppQuery<T>(pub T);
