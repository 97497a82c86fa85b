//! The data of the staff-only event types: users, devices and their
//! printers, webhooks, appointments, feedback and retention. Staff
//! clients, webhooks and the audit log read these; kiosks and displays
//! never receive them ([`EventData::for_devices`](crate::EventData::for_devices)).
//!
//! None carries a credential or a visitor's contact details: a user
//! without the password hash, a webhook without its secret and with only
//! its URL's host, an appointment without its code, feedback without its
//! comment.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

/// A user as the management API shows it (never the password hash); the
/// data of `user.created` and `user.updated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct User {
    /// Id.
    pub id: i64,
    /// Home branch; null for admins.
    pub branch_id: Option<i64>,
    /// Sign-in name.
    pub username: String,
    /// admin, manager or clerk.
    pub role: String,
    /// Inactive users cannot sign in.
    pub active: bool,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
}

/// A kiosk or display; the data of `device.created` and `device.updated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Device {
    /// Id.
    pub id: i64,
    /// Branch.
    pub branch_id: i64,
    /// kiosk or display.
    pub kind: String,
    /// Name, e.g. "Entrance kiosk".
    pub name: String,
    /// Device settings (display filters, layout), a JSON object; kept as
    /// its text, which is how the database stores it.
    #[schema(value_type = Object)]
    #[serde(serialize_with = "json_text_out", deserialize_with = "json_text_in")]
    pub config: String,
    /// Inactive devices cannot sign in.
    pub active: bool,
    /// Last contact, ms since the epoch.
    pub last_seen_at: Option<i64>,
    /// Creation time.
    pub created_at: i64,
}

/// Writes JSON text as the JSON it holds (malformed text as null).
fn json_text_out<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    value.serialize(s)
}

/// Reads JSON text either as a string holding it (a database row) or as
/// the JSON itself (an event's data).
fn json_text_in<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(text) => text,
        other => other.to_string(),
    })
}

/// The data of `device.token_rotated`: which device got a new token (the
/// token itself is never logged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceRef {
    /// The device.
    pub id: i64,
}

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

/// A device's printer state as recorded; the data of `device.status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordedStatus {
    /// Device.
    pub device_id: i64,
    /// Printer state.
    pub printer: PrinterState,
    /// Agent's detail.
    pub detail: Option<String>,
}

/// A webhook as the event log records it: no secret, and of its URL only
/// the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookSummary {
    /// Id.
    pub id: i64,
    /// The host its deliveries go to.
    pub host: String,
    /// Its event type filter (empty: every type).
    pub event_types: Vec<String>,
    /// Whether it delivers.
    pub active: bool,
}

/// The data of `webhook.created`, `webhook.updated` and `webhook.deleted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookChange {
    /// The webhook after the change (before it, for a deletion).
    pub webhook: WebhookSummary,
}

/// An appointment as events carry it: no code (a credential) and no
/// contact details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppointmentSummary {
    /// Id.
    pub id: i64,
    /// Service.
    pub service_id: i64,
    /// Business day `YYYY-MM-DD` of the slot.
    pub business_day: String,
    /// Slot start, ms since the epoch.
    pub slot_start: i64,
    /// Slot end, ms since the epoch.
    pub slot_end: i64,
    /// booked, checked_in, cancelled or missed.
    pub status: String,
    /// The ticket issued at check-in.
    pub ticket_id: Option<i64>,
}

/// The data of the `appointment.*` events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppointmentChange {
    /// The appointment after the change.
    pub appointment: AppointmentSummary,
    /// At check-in, how it went: `on_time`, `late`, `walk_in` (too late
    /// for the slot, queued as a walk-in) or `again`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// The data of `feedback.given`: a visitor's rating (the comment's text is
/// not in the log, only whether there is one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FeedbackGiven {
    /// The rated ticket.
    pub ticket_id: i64,
    /// Its number.
    pub number: String,
    /// Its service.
    pub service_id: i64,
    /// The desk that served it.
    pub desk_id: Option<i64>,
    /// The clerk who called it.
    pub user_id: Option<i64>,
    /// 1 to 5.
    pub rating: i64,
    /// Whether the visitor wrote a comment.
    pub has_comment: bool,
    /// Where it was given: `ticket_page`, `exit_tablet` or `staff`.
    pub source: String,
}

/// The data of `contacts.erased`: contact details older than the
/// retention period were erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContactsErased {
    /// Details given before this time (ms since the epoch) were erased.
    pub before: i64,
    /// Rows cleared per table.
    pub rows: BTreeMap<String, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_device_config_reads_from_a_row_or_an_event() {
        let event = json!({ "id": 1, "branch_id": 2, "kind": "display", "name": "TV",
            "config": { "services": [1] }, "active": true, "last_seen_at": null, "created_at": 5 });
        let d: Device = serde_json::from_value(event.clone()).unwrap();
        assert_eq!(d.config, r#"{"services":[1]}"#);
        assert_eq!(serde_json::to_value(&d).unwrap(), event);
        let mut row = event;
        row["config"] = json!(r#"{"services":[1]}"#);
        assert_eq!(serde_json::from_value::<Device>(row).unwrap(), d);
    }

    #[test]
    fn an_outcome_is_written_only_when_there_is_one() {
        let a = AppointmentSummary {
            id: 1,
            service_id: 2,
            business_day: "2026-12-08".into(),
            slot_start: 10,
            slot_end: 20,
            status: "booked".into(),
            ticket_id: None,
        };
        let plain = AppointmentChange {
            appointment: a.clone(),
            outcome: None,
        };
        assert!(
            serde_json::to_value(&plain)
                .unwrap()
                .get("outcome")
                .is_none()
        );
        let late = AppointmentChange {
            appointment: a,
            outcome: Some("late".into()),
        };
        assert_eq!(serde_json::to_value(&late).unwrap()["outcome"], "late");
    }
}
