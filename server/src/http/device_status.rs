//! The routes of [`crate::domain::device_status`].

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::branches;
use crate::domain::device_status::*;
use crate::error::{AppError, AppJson, AppPath, Result};
use crate::events::{self, NewEvent};
use crate::now_ms;
use crate::store::{Exec, q, read, write};

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
    let detail = match report.detail.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) if d.chars().count() > 200 || d.chars().any(char::is_control) => {
            return Err(AppError::invalid(
                "detail must be at most 200 characters without control characters",
            ));
        }
        Some(d) => Some(d.to_owned()),
    };
    let actor = who.actor();
    let recorded = RecordedStatus {
        device_id: id,
        printer: report.printer,
        detail,
    };
    let now = now_ms();
    let status = write!(state.db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        c.run(
            q("update devices set last_seen_at = $2 where id = $1")
                .bind(id)
                .bind(now),
        )
        .await?;
        let previous = latest(c, branch_id, id).await?;
        let since = match previous {
            Some((prev, at)) if prev == recorded => at,
            _ => {
                events::append(
                    c,
                    out,
                    NewEvent {
                        branch_id,
                        kind: "device.status",
                        ticket_id: None,
                        desk_id: None,
                        payload: serde_json::to_value(&recorded).unwrap_or_default(),
                        actor,
                        at: now,
                    },
                )
                .await?;
                now
            }
        };
        let d = crate::domain::devices::get(c, id).await?;
        Ok(DeviceStatus {
            id,
            kind: d.kind,
            name: d.name,
            active: d.active,
            last_seen_at: d.last_seen_at,
            online: true,
            printer: Some(recorded.printer),
            detail: recorded.detail,
            status_since: Some(since),
        })
    })?;
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
    let now = now_ms();
    let list = read!(state.db, |c| {
        branches::get(c, branch_id).await?;
        let devices: Vec<DeviceLine> = c
            .all(
                q(
                    "select id, branch_id, kind, name, active, last_seen_at from devices
                   where branch_id = $1 order by id",
                )
                .bind(branch_id),
            )
            .await?;
        let mut list = Vec::with_capacity(devices.len());
        for d in devices {
            let latest = latest(c, d.branch_id, d.id).await?;
            list.push(DeviceStatus {
                id: d.id,
                kind: d.kind,
                name: d.name,
                active: d.active,
                last_seen_at: d.last_seen_at,
                online: d.last_seen_at.is_some_and(|t| now - t <= ONLINE_WINDOW_MS),
                printer: latest.as_ref().map(|(s, _)| s.printer),
                detail: latest.as_ref().and_then(|(s, _)| s.detail.clone()),
                status_since: latest.map(|(_, at)| at),
            });
        }
        Ok::<_, AppError>(list)
    })?;
    Ok(AppJson(list))
}

/// Device status routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report_status))
        .routes(routes!(branch_status))
}
