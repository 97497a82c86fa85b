//! What crosses the trust boundary to devices: the public projection of
//! tickets, desks and events that kiosks and waiting-room displays receive.
//!
//! A device token stands in a public room and is not a clerk: it sees what
//! a waiting room may see (a number, a desk, a service's queue summary) and
//! nothing of the staff view (who served, outcomes, pause and out-of-turn
//! reasons, users, devices, webhooks, appointments, feedback). Projections
//! are the public wire types of `waitwell-proto` ([`PublicTicket`],
//! [`PublicDesk`], [`EventData::for_devices`]): an allow-list by
//! construction, so a field added to a staff type later stays staff-only
//! until it is added to the public type on purpose.

use serde_json::{Map, Value};
use waitwell_proto::{Desk, EventData, PublicDesk, PublicTicket, Ticket};

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

/// The public form of a ticket's JSON (`null` for anything that is not a
/// ticket).
fn public_ticket(value: &Value) -> Option<PublicTicket> {
    serde_json::from_value::<Ticket>(value.clone())
        .ok()
        .map(|t| PublicTicket::from(&t))
}

/// A ticket (its JSON form) as a device sees it: [`PublicTicket`].
pub fn ticket(value: &Value) -> Value {
    serde_json::to_value(public_ticket(value)).unwrap_or_default()
}

/// A ticket as a device reads it back: the public fields, and for the kiosk
/// that issued it, while it prints (the read carries the public token),
/// what is printed: the visitor's language and the token for the QR code.
pub fn printing_ticket(value: &Value) -> Value {
    let Some(mut public) = public_ticket(value) else {
        return Value::Null;
    };
    if let Some(token) = value.get("public_token").and_then(Value::as_str) {
        public.public_token = Some(token.to_owned());
        public.language = value["language"].as_str().map(str::to_owned);
    }
    serde_json::to_value(public).unwrap_or_default()
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
    serde_json::from_value::<Desk>(value.clone())
        .ok()
        .map(|d| serde_json::to_value(PublicDesk::from(&d)).unwrap_or_default())
        .unwrap_or_default()
}

/// Whether devices receive events of this type: ticket, desk and service
/// events and branch updates.
pub fn device_may_see(kind: &str) -> bool {
    EventData::device_may_see(kind)
}

/// The data of an event as a device sees it, or `None` when devices do not
/// receive this event type (or the stored data is not what its type says,
/// which only a tampered database holds).
pub fn event_data(kind: &str, data: &Value) -> Option<Value> {
    if !device_may_see(kind) {
        return None;
    }
    let typed: EventData =
        match serde_json::from_value(serde_json::json!({ "type": kind, "data": data })) {
            Ok(typed) => typed,
            Err(e) => {
                tracing::warn!(kind, error = %e, "stored event data does not match its type");
                return None;
            }
        };
    let mut tagged = serde_json::to_value(typed.for_devices()?).ok()?;
    Some(tagged["data"].take())
}

/// What a connection shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Services shown; `None` for all.
    pub services: Option<std::collections::BTreeSet<i64>>,
    /// Desks shown; `None` for all.
    pub desks: Option<std::collections::BTreeSet<i64>>,
    /// Staff see events as stored; devices only their public projection.
    pub staff: bool,
}

impl Filter {
    /// Whether the service `id` is shown (always when there is no id).
    pub fn service_ok(&self, id: Option<i64>) -> bool {
        match (&self.services, id) {
            (Some(set), Some(id)) => set.contains(&id),
            _ => true,
        }
    }

    /// Whether the desk `id` is shown (always when there is no id).
    pub fn desk_ok(&self, id: Option<i64>) -> bool {
        match (&self.desks, id) {
            (Some(set), Some(id)) => set.contains(&id),
            _ => true,
        }
    }

    /// What this client receives of a ticket or desk: the staff form, or
    /// its public projection.
    pub fn entry<T>(&self, staff: T, public: fn(&T) -> T) -> T {
        if self.staff { staff } else { public(&staff) }
    }

    /// Whether a client with this filter receives `event`.
    pub fn accepts(&self, event: &crate::events::Event) -> bool {
        if !self.staff && !device_may_see(&event.kind) {
            return false;
        }
        let data = event.data();
        if let Some(ticket) = data.get("ticket") {
            return self.service_ok(ticket["service_id"].as_i64()) && self.desk_ok(event.desk_id);
        }
        if event.kind.starts_with("desk.") {
            return self.desk_ok(event.desk_id);
        }
        if event.kind.starts_with("service.") {
            return self.service_ok(data["id"].as_i64());
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_called_ticket_keeps_number_and_desk_and_loses_staff_fields() {
        let data = json!({
            "ticket": {"id": 1, "branch_id": 1, "number": "A001", "service_id": 2, "status": "called",
                       "desk_id": 3, "business_day": "2026-01-05", "issued_at": 1, "queued_at": 1,
                       "call_count": 1, "updated_at": 2,
                       "called_by": 9, "outcome": "done", "out_of_turn_reason": "friend",
                       "public_token": "secret", "priority": "priority", "language": "pl"},
            "desk": {"id": 3, "branch_id": 1, "name": "Desk 3", "status": "paused", "pause_reason": "lunch",
                     "user_id": 9, "calls_since_priority": 0, "active": true, "created_at": 1},
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
        let desk = json!({"desk": {"id": 3, "branch_id": 1, "name": "Desk 3", "status": "paused",
                                   "calls_since_priority": 0, "active": true, "created_at": 1},
                          "services": []});
        assert!(event_data("desk.paused", &desk).is_some());
        assert!(
            event_data("desk.paused", &json!({"desk": {}})).is_none(),
            "not a desk"
        );
    }
}
