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

use crate::error::Result;
use crate::store::{Exec, q};

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
