//! The routes of [`crate::domain::devices`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::{Principal, new_token, token_hash};
use crate::domain::branches::{self, clean_name};
use crate::domain::devices::*;
use crate::error::{AppError, AppJson, AppPath, Result};
use crate::events::{self, NewEvent};
use crate::now_ms;
use crate::store::{Exec, q, read, write};

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
    let devices: Vec<Device> = read!(state.db, |c| {
        branches::get(c, branch_id).await?;
        c.all(q("select id, branch_id, kind, name, config, active, last_seen_at, created_at from devices where branch_id = $1 order by id")
            .bind(branch_id))
            .await
            .map_err(AppError::from)
    })?;
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
    let name = update
        .name
        .as_deref()
        .map(|n| clean_name("name", n, 120))
        .transpose()?;
    let config = clean_config(update.config.as_ref())?;
    let (actor, now, branch_id) = (who.actor(), now_ms(), existing.branch_id);
    let device = write!(state.db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        let mut d = get(c, id).await?;
        if let Some(v) = name {
            d.name = v;
        }
        if let Some(v) = config {
            d.config = v;
        }
        if let Some(v) = update.active {
            d.active = v;
        }
        c.run(
            q("update devices set name = $2, config = $3, active = $4 where id = $1")
                .bind(id)
                .bind(d.name.as_str())
                .bind(d.config.as_str())
                .bind(d.active),
        )
        .await?;
        events::append(
            c,
            out,
            NewEvent {
                branch_id,
                kind: "device.updated",
                ticket_id: None,
                desk_id: None,
                payload: serde_json::to_value(&d).unwrap_or_default(),
                actor,
                at: now,
            },
        )
        .await?;
        Ok(d)
    })?;
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
    let token = new_token("wwd_");
    let hash = token_hash(&token);
    let (actor, now, branch_id) = (who.actor(), now_ms(), existing.branch_id);
    let device = write!(state.db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        c.run(
            q("update devices set token_hash = $2 where id = $1")
                .bind(id)
                .bind(hash),
        )
        .await?;
        let d = get(c, id).await?;
        events::append(
            c,
            out,
            NewEvent {
                branch_id,
                kind: "device.token_rotated",
                ticket_id: None,
                desk_id: None,
                payload: serde_json::json!({ "id": id }),
                actor,
                at: now,
            },
        )
        .await?;
        Ok(d)
    })?;
    Ok(AppJson(DeviceWithToken { device, token }))
}

/// Device routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_devices, create_device))
        .routes(routes!(get_device, update_device))
        .routes(routes!(rotate_token))
}
