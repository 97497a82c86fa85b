//! The API's error type and its JSON shape `{"error": code, "message": text}`.
//!
//! Client mistakes map to 4xx with a message that says what to fix; echoed
//! input is cut to a short prefix ([`shorten`]). A database that is down,
//! busy or timing out is a 503 with `Retry-After`, a full disk a 507 that
//! says so ([`AppError::from`] for `sqlx::Error`). Anything else is a 500
//! whose details go to the log, never to the client.

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
    /// A conflict a visitor-facing page explains in the visitor's language:
    /// the first field is a stable reason code (`service_unavailable`), sent
    /// as `reason` beside the `conflict` error code.
    #[error("{1}")]
    Refused(&'static str, String),
    /// The input is malformed or out of range.
    #[error("{0}")]
    Validation(String),
    /// A validation error with a stable reason code (`invalid_language_tag`),
    /// sent as `reason` beside the `invalid` error code, for a form that
    /// explains it in its own language.
    #[error("{1}")]
    InvalidReason(&'static str, String),
    /// The request itself is malformed (bad JSON syntax, wrong content type).
    #[error("{0}")]
    BadRequest(String),
    /// A query parameter a public page or open-data client sets is out of
    /// range: a 400 whose first field is a stable reason code
    /// (`invalid_days`), sent as `reason` beside `bad_request`.
    #[error("{1}")]
    BadParameter(&'static str, String),
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
    /// The database cannot be reached, is busy or did not answer in time
    /// (the detail is for the log).
    #[error("the database is unavailable; retry in a few seconds")]
    DatabaseUnavailable(String),
    /// The database's disk is full (the detail is for the log).
    #[error("storage full: the database cannot store more data")]
    StorageFull(String),
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

    /// 503: the server holds as much of something as it takes (the
    /// message says what, and what the client does instead).
    pub fn overloaded(message: impl Into<String>) -> AppError {
        AppError::Rejected(StatusCode::SERVICE_UNAVAILABLE, message.into())
    }

    /// A validation error.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::Validation(message.into())
    }

    /// A conflict.
    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::Conflict(message.into())
    }

    /// A conflict with a stable reason code for pages to translate.
    pub fn refused(reason: &'static str, message: impl Into<String>) -> AppError {
        AppError::Refused(reason, message.into())
    }

    /// The stable reason code sent as `reason`: the refusal's own, or
    /// `<what>_not_found` (`appointment_not_found`) for an unknown object
    /// (none for an unknown route).
    pub fn reason(&self) -> Option<String> {
        match self {
            AppError::Refused(reason, _)
            | AppError::BadParameter(reason, _)
            | AppError::InvalidReason(reason, _) => Some((*reason).to_owned()),
            // An unknown address is not an object a page explains.
            AppError::NotFound("route") => None,
            AppError::NotFound(what) => Some(format!("{}_not_found", what.replace(' ', "_"))),
            _ => None,
        }
    }

    /// HTTP status and stable error code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Conflict(_) | AppError::Refused(..) => (StatusCode::CONFLICT, "conflict"),
            AppError::Validation(_) | AppError::InvalidReason(..) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            }
            AppError::BadRequest(_) | AppError::BadParameter(..) => {
                (StatusCode::BAD_REQUEST, "bad_request")
            }
            AppError::Rejected(status, _) if *status == StatusCode::UNPROCESSABLE_ENTITY => {
                (*status, "invalid")
            }
            AppError::Rejected(status, _) if *status == StatusCode::REQUEST_TIMEOUT => {
                (*status, "timeout")
            }
            AppError::Rejected(status, _) => (*status, "bad_request"),
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            AppError::Unavailable | AppError::DatabaseUnavailable(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            AppError::StorageFull(_) => (StatusCode::INSUFFICIENT_STORAGE, "storage_full"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code: not_found, conflict, invalid,
    /// unauthorized, forbidden, rate_limited, unavailable, storage_full,
    /// timeout, internal, bad_request.
    pub error: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// Finer stable code where a page translates the error for visitors:
    /// `<object>_not_found` with not_found, `service_unavailable` with
    /// conflict, `invalid_days` with bad_request, `invalid_language_tag`,
    /// `invalid_text` and `too_many_languages` with invalid (texts per
    /// language).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let reason = self.reason();
        let message = match &self {
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "internal error; see the server log".to_owned()
            }
            AppError::DatabaseUnavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable");
                self.to_string()
            }
            AppError::StorageFull(detail) => {
                tracing::error!(error = %detail, "storage full");
                self.to_string()
            }
            other => shorten(&other.to_string()),
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: code,
                message,
                reason,
            }),
        )
            .into_response();
        let retry_after = match self {
            AppError::TooManyRequests(secs) => Some(secs),
            AppError::Unavailable | AppError::DatabaseUnavailable(_) => Some(RETRY_AFTER_SECS),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}

/// `Retry-After` of a 503: how long a client waits before trying again.
pub const RETRY_AFTER_SECS: u64 = 2;

/// Longest stretch of echoed input kept in a message: a quoted or
/// backquoted run longer than this is cut to its first characters and `…`.
const ECHO_CHARS: usize = 40;
/// Longest message of a 4xx answer, in characters.
const MESSAGE_CHARS: usize = 300;

/// Cuts the input a message echoes (serde's ``invalid type: string "…"``,
/// ``Cannot parse `…` ``) to a short prefix, and the message to
/// [`MESSAGE_CHARS`], so that a 10 KiB bad value is not sent back whole.
pub fn shorten(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MESSAGE_CHARS + 8));
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = char::from(rest.as_bytes()[open]);
        out.push_str(&rest[..=open]);
        let inner = &rest[open + 1..];
        let (echoed, after) = match inner.find(quote) {
            Some(close) => (&inner[..close], Some(&inner[close + 1..])),
            None => (inner, None),
        };
        push_prefix(&mut out, echoed, ECHO_CHARS);
        match after {
            Some(after) => {
                out.push(quote);
                rest = after;
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    let mut capped = String::with_capacity(out.len().min(MESSAGE_CHARS + 4));
    push_prefix(&mut capped, &out, MESSAGE_CHARS);
    capped
}

/// Appends the first `chars` characters of `text`, and `…` if it was longer.
fn push_prefix(out: &mut String, text: &str, chars: usize) {
    match text.char_indices().nth(chars) {
        Some((cut, _)) => {
            out.push_str(&text[..cut]);
            out.push('…');
        }
        None => out.push_str(text),
    }
}

/// What a database failure means for the client: the database is out of
/// reach or overloaded (503, try again), its disk is full (507), or
/// neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Down, restarting, busy, or slower than the timeouts.
    Unavailable,
    /// No space left for the data.
    StorageFull,
}

impl Outage {
    /// Classifies a database error; `None` for a failure of the query itself.
    pub fn of(e: &sqlx::Error) -> Option<Outage> {
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Some(Outage::Unavailable),
            sqlx::Error::Database(db) => {
                let code = db.code()?;
                // PostgreSQL names errors by a five-character SQLSTATE;
                // SQLite by a number below 10,000 (its extended codes).
                if code.len() == 5 {
                    Outage::of_sqlstate(&code)
                } else {
                    Outage::of_sqlite(code.parse().ok()?)
                }
            }
            _ => None,
        }
    }

    fn of_sqlstate(code: &str) -> Option<Outage> {
        match code {
            // disk_full
            "53100" => Some(Outage::StorageFull),
            // insufficient_resources, out_of_memory, too_many_connections,
            // query_canceled (statement_timeout), admin_shutdown,
            // crash_shutdown, cannot_connect_now, read_only_sql_transaction
            // (a standby), lock_not_available
            "53000" | "53200" | "53300" | "57014" | "57P01" | "57P02" | "57P03" | "25006"
            | "55P03" => Some(Outage::Unavailable),
            // connection_exception and its subclasses
            c if c.starts_with("08") => Some(Outage::Unavailable),
            _ => None,
        }
    }

    fn of_sqlite(code: i32) -> Option<Outage> {
        // The primary result code is the low byte of the extended one.
        match code & 0xff {
            // SQLITE_FULL
            13 => Some(Outage::StorageFull),
            // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_NOMEM, SQLITE_READONLY,
            // SQLITE_IOERR, SQLITE_CANTOPEN
            5 | 6 | 7 | 8 | 10 | 14 => Some(Outage::Unavailable),
            _ => None,
        }
    }
}

impl AppError {
    /// The error a failed database call answers with; like `From`, for a
    /// borrowed error (a failed group commit answers every write in it).
    pub fn from_database(e: &sqlx::Error) -> AppError {
        match Outage::of(e) {
            Some(Outage::Unavailable) => AppError::DatabaseUnavailable(e.to_string()),
            Some(Outage::StorageFull) => AppError::StorageFull(e.to_string()),
            None => AppError::internal(e.to_string()),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if Outage::of(&e).is_some() {
            return AppError::from_database(&e);
        }
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

impl From<waitwell_proto::Corrupt> for AppError {
    fn from(e: waitwell_proto::Corrupt) -> Self {
        AppError::internal(e.to_string())
    }
}

impl From<waitwell_proto::Invalid> for AppError {
    fn from(e: waitwell_proto::Invalid) -> Self {
        AppError::invalid(e.0)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_input_is_cut_to_a_prefix() {
        let long = "A".repeat(10 * 1024);
        let serde = format!(
            "Failed to deserialize the JSON body into the target type: service_id: invalid type: string \"{long}\", expected i64 at line 1 column 10250"
        );
        let short = shorten(&serde);
        assert!(short.len() < 400, "{} bytes", short.len());
        assert!(short.contains("invalid type: string \"AAAA"), "{short}");
        assert!(short.contains("…\", expected i64"), "{short}");
        let unterminated = shorten(&format!("Cannot parse `{long}"));
        assert!(unterminated.len() < 100, "{unterminated}");
        assert_eq!(shorten("plain `id` message"), "plain `id` message");
        assert_eq!(
            shorten(&"é".repeat(1000)).chars().count(),
            MESSAGE_CHARS + 1
        );
    }

    #[test]
    fn outages_are_told_apart_from_bugs() {
        let pg = |code: &'static str| {
            #[derive(Debug)]
            struct E(&'static str);
            impl std::fmt::Display for E {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.0)
                }
            }
            impl std::error::Error for E {}
            impl sqlx::error::DatabaseError for E {
                fn message(&self) -> &str {
                    self.0
                }
                fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
                    Some(self.0.into())
                }
                fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
                    self
                }
                fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
                    self
                }
                fn into_error(
                    self: Box<Self>,
                ) -> Box<dyn std::error::Error + Send + Sync + 'static> {
                    self
                }
                fn kind(&self) -> sqlx::error::ErrorKind {
                    sqlx::error::ErrorKind::Other
                }
            }
            sqlx::Error::Database(Box::new(E(code)))
        };
        let status = |e: sqlx::Error| AppError::from(e).status_and_code().0;
        assert_eq!(status(pg("53100")), StatusCode::INSUFFICIENT_STORAGE);
        assert_eq!(status(pg("57P01")), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(status(pg("08006")), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(status(pg("57014")), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(status(pg("13")), StatusCode::INSUFFICIENT_STORAGE);
        assert_eq!(status(pg("5")), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(status(pg("261")), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(status(pg("42601")), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(status(pg("1")), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            status(sqlx::Error::PoolTimedOut),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let response = AppError::from(sqlx::Error::PoolTimedOut).into_response();
        assert_eq!(response.headers()[axum::http::header::RETRY_AFTER], "2");
    }
}
