//! Device health: a kiosk (or display) reports its printer's state with
//! `POST /api/v1/devices/{id}/status`, and managers read every device's
//! last contact and latest report with `GET /api/v1/branches/{id}/devices/status`.
//!
//! There is no status column (the schema is shared and this needs none): a
//! report that *changes* the device's printer state is recorded as a
//! `device.status` event (payload `{device_id, printer, detail}`), so it is
//! in the audit log and reaches managers' live streams at once; a report
//! that repeats the current state only refreshes `devices.last_seen_at`, so
//! an agent reporting every 30 s does not grow the hash chain by thousands
//! of events a day. The latest state is read back from the events table.
//!
//! A device counts as online when it was last seen within [`ONLINE_WINDOW_MS`].
//! Only these status reports mark a device as seen for now; opening the
//! live stream does not yet (that belongs in http/live.rs).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::branches;
use crate::error::{AppError, AppJson, AppPath, Result};
use crate::events::{self, NewEvent};
use crate::now_ms;
use crate::store::{Exec, q, read, write};

/// A device not heard from for this long counts as offline.
pub const ONLINE_WINDOW_MS: i64 = 2 * 60 * 1000;

/// A printer's state as the kiosk agent sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrinterState {
    /// Ready.
    Ok,
    /// Out of paper.
    PaperOut,
    /// Cover open.
    CoverOpen,
    /// Not reachable.
    Offline,
    /// Any other fault; see `detail`.
    Error,
    /// Printing, but the paper roll is near its end (near-end sensor):
    /// replace it soon.
    PaperLow,
}

/// Body of a status report.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusReport {
    /// The printer's state.
    pub printer: PrinterState,
    /// Free text from the agent, at most 200 characters.
    pub detail: Option<String>,
}

/// The recorded state of a device (payload of `device.status` events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordedStatus {
    /// Device.
    pub device_id: i64,
    /// Printer state.
    pub printer: PrinterState,
    /// Agent's detail.
    pub detail: Option<String>,
}

/// One device's health, as managers see it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DeviceStatus {
    /// Device.
    pub id: i64,
    /// kiosk or display.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Inactive devices cannot sign in.
    pub active: bool,
    /// Last contact, ms since the epoch.
    pub last_seen_at: Option<i64>,
    /// Seen within the last two minutes.
    pub online: bool,
    /// Latest printer state reported; null if the device never reported.
    pub printer: Option<PrinterState>,
    /// Detail of that report.
    pub detail: Option<String>,
    /// When that state was first reported, ms since the epoch.
    pub status_since: Option<i64>,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct DeviceLine {
    id: i64,
    branch_id: i64,
    kind: String,
    name: String,
    active: bool,
    last_seen_at: Option<i64>,
}

/// The latest recorded status of a device and when it was recorded.
///
/// The device's own events are found by their actor: events have no device
/// column. The scan walks the branch's log backwards (primary key) and
/// stops at the first match, so it is short for a device that reports; for
/// one that never did it reads the whole log of the branch.
// TODO: a `(branch_id, type)` index (a migration, owned by the lead) would
// bound the never-reported case; unneeded while logs are thousands of rows.
async fn latest<C: Exec>(
    c: &mut C,
    branch_id: i64,
    device_id: i64,
) -> Result<Option<(RecordedStatus, i64)>> {
    let row: Option<(String, i64)> = c
        .opt(
            q(
                "select payload, at from events where branch_id = $1 and type = 'device.status'
               and actor = $2 order by seq desc limit 1",
            )
            .bind(branch_id)
            .bind(format!("device:{device_id}")),
        )
        .await?;
    Ok(row.and_then(|(payload, at)| Some((serde_json::from_str(&payload).ok()?, at))))
}

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
