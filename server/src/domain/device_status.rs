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

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::branches;
use crate::error::AppError;
use crate::error::Result;
use crate::events;
use crate::events::Actor;
use crate::events::NewEvent;
use crate::store::Db;
use crate::store::{Exec, q};
use crate::store::{read, write};

/// A device not heard from for this long counts as offline.
pub const ONLINE_WINDOW_MS: i64 = 2 * 60 * 1000;

pub use waitwell_proto::{PrinterState, RecordedStatus};

/// Body of a status report.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusReport {
    /// The printer's state.
    pub printer: PrinterState,
    /// Free text from the agent, at most 200 characters.
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
pub(crate) struct DeviceLine {
    pub(crate) id: i64,
    pub(crate) branch_id: i64,
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) active: bool,
    pub(crate) last_seen_at: Option<i64>,
}

/// The latest recorded status of a device and when it was recorded.
///
/// The device's own events are found by their actor: events have no device
/// column. The scan walks the branch's log backwards (primary key) and
/// stops at the first match, so it is short for a device that reports; for
/// one that never did it reads the whole log of the branch.
// TODO: a `(branch_id, type)` index (a migration, owned by the lead) would
// bound the never-reported case; unneeded while logs are thousands of rows.
pub(crate) async fn latest<C: Exec>(
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

/// Records a device's report: marks it as seen, and appends a
/// `device.status` event when its state changed since the last report.
///
/// # Errors
/// Validation errors for a bad detail text.
pub async fn record(
    db: &Db,
    branch_id: i64,
    id: i64,
    report: StatusReport,
    actor: Actor,
    now: i64,
) -> Result<DeviceStatus> {
    let detail = match report.detail.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) if d.chars().count() > 200 || d.chars().any(char::is_control) => {
            return Err(AppError::invalid(
                "detail must be at most 200 characters without control characters",
            ));
        }
        Some(d) => Some(d.to_owned()),
    };
    let recorded = RecordedStatus {
        device_id: id,
        printer: report.printer,
        detail,
    };
    write!(db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        crate::domain::devices::mark_seen(c, id, now).await?;
        let previous = latest(c, branch_id, id).await?;
        let since = match previous {
            Some((prev, at)) if prev == recorded => at,
            _ => {
                events::append(
                    c,
                    out,
                    NewEvent {
                        branch_id,
                        ticket_id: None,
                        desk_id: None,
                        data: events::EventData::DeviceStatus(recorded.clone()),
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
    })
}

/// Every device of a branch with its last contact and latest printer state.
///
/// # Errors
/// NotFound for an unknown branch.
pub async fn of_branch(db: &Db, branch_id: i64, now: i64) -> Result<Vec<DeviceStatus>> {
    read!(db, |c| {
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
    })
}
