//! The public audit routes of [`crate::domain::audit`]: a branch's signed
//! checkpoints and the key that checks them. No sign-in: checkpoints are
//! meant to be copied by anyone (auditors, journalists, an archive) so
//! that a later rewrite of the log can be shown against their copy.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::audit::{self, AuditKeyInfo, Checkpoint};
use crate::domain::branches;
use crate::error::{AppError, Result};
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::store::read;

/// Query of the checkpoints list.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CheckpointsQuery {
    /// How many, newest first: 1 to 1000, default 30.
    pub limit: Option<i64>,
}

/// A branch's signed checkpoints, newest first: for each closed business
/// day, the seq and hash of its last event, signed with the server's audit
/// key. Save this list: `waitwell audit verify --published FILE` checks a
/// saved copy against the log. Empty when no audit key is configured.
#[utoipa::path(get, path = "/api/v1/public/branches/{id}/audit/checkpoints", tag = "public",
    params(("id" = i64, Path, description = "Branch id"), CheckpointsQuery),
    responses((status = 200, body = Vec<Checkpoint>), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_checkpoints(
    State(state): State<AppState>,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<CheckpointsQuery>,
) -> Result<Response> {
    let limit = query.limit.unwrap_or(30);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit must be 1 to 1000"));
    }
    let list = read!(state.db, |c| {
        branches::get(c, branch_id).await?;
        audit::list(c, branch_id, limit).await
    })?;
    let mut response = AppJson(list).into_response();
    // A new checkpoint appears once a day; a minute's caching is harmless.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    Ok(response)
}

/// The public key that signs checkpoints and the exact message it signs;
/// `public_key` is null when the server has no audit key
/// (`WAITWELL_AUDIT_KEY_FILE`) and signs nothing.
#[utoipa::path(get, path = "/api/v1/public/audit/key", tag = "public",
    responses((status = 200, body = AuditKeyInfo)))]
pub async fn audit_key(State(state): State<AppState>) -> AppJson<AuditKeyInfo> {
    AppJson(AuditKeyInfo::of(state.config.audit_key.as_ref()))
}

/// Audit routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_checkpoints))
        .routes(routes!(audit_key))
}
