//! What crosses the trust boundary to devices: the public projection of
//! tickets, desks and events that kiosks and waiting-room displays receive.
//!
//! A device token stands in a public room and is not a clerk: it sees what
//! a waiting room may see (a number, a desk, a service's queue summary) and
//! nothing of the staff view (who served, outcomes, pause and out-of-turn
//! reasons, users, devices, webhooks, appointments, feedback). Projections
//! keep named fields (an allow-list), so a field added to a staff type later
//! stays staff-only until it is added here on purpose.

use serde_json::{Map, Value};

/// Ticket fields a device may see.
const TICKET_FIELDS: &[&str] = &[
    "id",
    "branch_id",
    "service_id",
    "number",
    "status",
    "issued_at",
    "queued_at",
    "called_at",
    "desk_id",
    "call_count",
    "position",
    "estimated_wait_s",
    "predicted_wait_s",
    "predicted_range_s",
    "no_open_desk",
];

/// Desk fields a device may see.
const DESK_FIELDS: &[&str] = &[
    "id",
    "branch_id",
    "name",
    "status",
    "current_ticket_id",
    "active",
];

/// Keys of a ticket or desk event's data that carry a projected object.
const TICKET_KEYS: &[&str] = &["ticket", "new_ticket"];

fn pick(value: &Value, fields: &[&str]) -> Value {
    let Some(object) = value.as_object() else {
        return Value::Null;
    };
    let picked: Map<String, Value> = fields
        .iter()
        .filter_map(|f| object.get(*f).map(|v| ((*f).to_owned(), v.clone())))
        .collect();
    Value::Object(picked)
}

/// A ticket (its JSON form) as a device sees it.
pub fn ticket(value: &Value) -> Value {
    pick(value, TICKET_FIELDS)
}

/// A ticket as a device reads it back: the public fields, and for the kiosk
/// that issued it, while it prints (the read carries the public token),
/// what is printed: the visitor's language and the token for the QR code.
pub fn printing_ticket(value: &Value) -> Value {
    let mut out = ticket(value);
    if let (Some(map), Some(full)) = (out.as_object_mut(), value.as_object())
        && full.contains_key("public_token")
    {
        for key in ["language", "public_token"] {
            if let Some(v) = full.get(key) {
                map.insert(key.to_owned(), v.clone());
            }
        }
    }
    out
}

/// Queue-view entry fields a device may see: the order, not the reasons
/// (which name priority classes and credits).
const QUEUE_ENTRY_FIELDS: &[&str] = &[
    "position",
    "ticket_id",
    "number",
    "service_id",
    "service_code",
    "queued_at",
    "waited_s",
];

/// The queue view (its JSON form) as a device sees it.
pub fn queue_view(value: &Value) -> Value {
    let mut out = value.clone();
    if let Some(map) = out.as_object_mut() {
        let project = |key: &str, f: &dyn Fn(&Value) -> Value| {
            value[key]
                .as_array()
                .map(|items| Value::Array(items.iter().map(f).collect()))
                .unwrap_or(Value::Array(Vec::new()))
        };
        map.insert(
            "waiting".to_owned(),
            project("waiting", &|e| pick(e, QUEUE_ENTRY_FIELDS)),
        );
        map.insert("parked".to_owned(), project("parked", &ticket));
    }
    out
}

/// A value as its reader may see it: whole for staff, the public
/// projection for devices. Serialises as the value itself.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum Seen<T> {
    /// Staff: the value as it is.
    Whole(T),
    /// Devices: its projection.
    Public(Value),
}

/// `value` as `who` may see it: staff whole, devices through `project`
/// (applied to each item of a list). Only device reads pay for the
/// projection.
pub fn for_caller<T: serde::Serialize>(
    who: &crate::domain::auth::Principal,
    value: T,
    project: fn(&Value) -> Value,
) -> Seen<T> {
    match who {
        crate::domain::auth::Principal::User { .. } => Seen::Whole(value),
        crate::domain::auth::Principal::Device { .. } => {
            Seen::Public(match serde_json::to_value(&value).unwrap_or_default() {
                Value::Array(items) => Value::Array(items.iter().map(project).collect()),
                other => project(&other),
            })
        }
    }
}

/// A desk (its JSON form) as a device sees it.
pub fn desk(value: &Value) -> Value {
    pick(value, DESK_FIELDS)
}

/// Whether devices receive events of this type at all. Everything not
/// named here (users, devices, webhooks, appointments, feedback, contact
/// erasure, branch creation) is staff-only.
pub fn device_may_see(kind: &str) -> bool {
    kind.starts_with("ticket.")
        || matches!(
            kind,
            "desk.created"
                | "desk.updated"
                | "desk.opened"
                | "desk.paused"
                | "desk.closed"
                | "desk.allocation_changed"
                | "service.created"
                | "service.updated"
                | "branch.updated"
        )
}

/// The data of an event as a device sees it, or `None` when devices do not
/// receive this event type.
pub fn event_data(kind: &str, data: &Value) -> Option<Value> {
    if !device_may_see(kind) {
        return None;
    }
    if kind.starts_with("service.") || kind == "branch.updated" {
        // The service and branch settings are what the kiosk and the
        // office page publish anyway.
        return Some(data.clone());
    }
    let mut out = Map::new();
    for key in TICKET_KEYS {
        if let Some(t) = data.get(*key) {
            out.insert((*key).to_owned(), ticket(t));
        }
    }
    if let Some(d) = data.get("desk") {
        out.insert("desk".to_owned(), desk(d));
    }
    // Queue summaries: counts and estimates per service.
    for key in ["service", "services"] {
        if let Some(s) = data.get(key) {
            out.insert(key.to_owned(), s.clone());
        }
    }
    Some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_called_ticket_keeps_number_and_desk_and_loses_staff_fields() {
        let data = json!({
            "ticket": {"id": 1, "number": "A001", "service_id": 2, "status": "called", "desk_id": 3,
                       "called_by": 9, "outcome": "done", "out_of_turn_reason": "friend",
                       "public_token": "secret", "priority": "priority", "language": "pl"},
            "desk": {"id": 3, "name": "Desk 3", "status": "paused", "pause_reason": "lunch", "user_id": 9},
            "service": {"id": 2, "waiting": 4, "estimated_wait_s": 60, "open_desks": 1},
            "reason": "friend",
        });
        let out = event_data("ticket.called", &data).unwrap();
        assert_eq!(out["ticket"]["number"], "A001");
        assert_eq!(out["ticket"]["desk_id"], 3);
        assert_eq!(out["desk"]["name"], "Desk 3");
        assert_eq!(out["service"]["waiting"], 4);
        let text = out.to_string();
        for hidden in [
            "called_by",
            "outcome",
            "out_of_turn_reason",
            "public_token",
            "secret",
            "priority",
            "pause_reason",
            "lunch",
            "user_id",
            "friend",
        ] {
            assert!(!text.contains(hidden), "{hidden} leaked: {text}");
        }
    }

    #[test]
    fn staff_only_event_types_are_not_projected() {
        for kind in [
            "user.created",
            "device.token_rotated",
            "webhook.created",
            "appointment.booked",
            "feedback.given",
            "contacts.erased",
            "branch.created",
        ] {
            assert!(event_data(kind, &json!({})).is_none(), "{kind}");
        }
        assert!(event_data("desk.paused", &json!({"desk": {}})).is_some());
    }
}
