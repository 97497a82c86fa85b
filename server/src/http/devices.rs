//! The routes of [`crate::domain::devices`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::devices::*;
use crate::error::Result;
use crate::http::extract::{AppJson, AppPath};
use crate::now_ms;
use crate::store::read;

/// Lists a branch's devices (managers).
#[utoipa::path(get, path = "/api/v1/branches/{id}/devices", tag = "devices",
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 200, body = Vec<Device>)))]
pub async fn list_devices(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
) -> Result<AppJson<Vec<Device>>> {
    who.require_manager(branch_id)?;
    let devices = list(&state.db, branch_id).await?;
    Ok(AppJson(devices))
}

/// Creates a device (managers). The response carries its token, once.
#[utoipa::path(post, path = "/api/v1/branches/{id}/devices", tag = "devices", request_body = NewDevice,
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 201, body = DeviceWithToken), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_device(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppJson(new): AppJson<NewDevice>,
) -> Result<(StatusCode, AppJson<DeviceWithToken>)> {
    who.require_manager(branch_id)?;
    let device = create(&state.db, branch_id, new, who.actor()).await?;
    Ok((StatusCode::CREATED, AppJson(device)))
}

/// Reads a device (managers, or the device itself).
#[utoipa::path(get, path = "/api/v1/devices/{id}", tag = "devices",
    params(("id" = i64, Path, description = "Device id")),
    responses((status = 200, body = Device), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_device(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Device>> {
    let device = read!(state.db, |c| get(c, id).await)?;
    if !matches!(who, Principal::Device { id: me, .. } if me == id) {
        who.require_manager(device.branch_id)?;
    }
    Ok(AppJson(device))
}

/// Changes a device (managers).
#[utoipa::path(patch, path = "/api/v1/devices/{id}", tag = "devices", request_body = DeviceUpdate,
    params(("id" = i64, Path, description = "Device id")),
    responses((status = 200, body = Device), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_device(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
    AppJson(update): AppJson<DeviceUpdate>,
) -> Result<AppJson<Device>> {
    let existing = read!(state.db, |c| get(c, id).await)?;
    who.require_manager(existing.branch_id)?;
    let device = edit(
        &state.db,
        existing.branch_id,
        id,
        update,
        who.actor(),
        now_ms(),
    )
    .await?;
    Ok(AppJson(device))
}

/// Replaces a device's token (managers); the old token stops working.
#[utoipa::path(post, path = "/api/v1/devices/{id}/token", tag = "devices",
    params(("id" = i64, Path, description = "Device id")),
    responses((status = 200, body = DeviceWithToken), (status = 404, body = crate::error::ErrorBody)))]
pub async fn rotate_token(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<DeviceWithToken>> {
    let existing = read!(state.db, |c| get(c, id).await)?;
    who.require_manager(existing.branch_id)?;
    let (device, token) = rotate(&state.db, existing.branch_id, id, who.actor(), now_ms()).await?;
    Ok(AppJson(DeviceWithToken { device, token }))
}

/// Device routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_devices, create_device))
        .routes(routes!(get_device, update_device))
        .routes(routes!(rotate_token))
}
