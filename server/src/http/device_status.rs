//! The routes of [`crate::domain::device_status`].

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::device_status::*;
use crate::error::{AppError, Result};
use crate::http::extract::{AppJson, AppPath};
use crate::now_ms;

/// A device reports its state (the device itself, with its own token).
/// Marks it as seen; records a `device.status` event when the state
/// changed.
#[utoipa::path(post, path = "/api/v1/devices/{id}/status", tag = "devices", request_body = StatusReport,
    params(("id" = i64, Path, description = "Device id")),
    responses((status = 200, body = DeviceStatus), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn report_status(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
    AppJson(report): AppJson<StatusReport>,
) -> Result<AppJson<DeviceStatus>> {
    let Principal::Device {
        id: me, branch_id, ..
    } = who
    else {
        return Err(AppError::Forbidden(
            "only the device itself reports its status",
        ));
    };
    if me != id {
        return Err(AppError::Forbidden(
            "only the device itself reports its status",
        ));
    }
    let status = record(&state.db, branch_id, id, report, who.actor(), now_ms()).await?;
    Ok(AppJson(status))
}

/// Every device of a branch with its last contact and latest printer state
/// (managers).
#[utoipa::path(get, path = "/api/v1/branches/{id}/devices/status", tag = "devices",
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 200, body = Vec<DeviceStatus>), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn branch_status(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
) -> Result<AppJson<Vec<DeviceStatus>>> {
    who.require_manager(branch_id)?;
    let list = of_branch(&state.db, branch_id, now_ms()).await?;
    Ok(AppJson(list))
}

/// Device status routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report_status))
        .routes(routes!(branch_status))
}
