//! The live stream (`GET /api/v1/branches/{id}/live`): a client first gets
//! a [`Snapshot`], then every event in seq order as an [`EventMessage`],
//! with a [`Heartbeat`] when nothing happens. Each message's `prev_seq` is
//! the seq of the message before it for this client, so a gap shows.
//!
//! Staff receive everything. Kiosks and displays receive a projection made
//! for a public room: tickets as [`PublicTicket`], desks as [`PublicDesk`],
//! and only the event types [`EventData::device_may_see`] allows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Branch, Desk, ServiceSummary, ServiceWithSummary, Ticket};

/// The version of the live protocol, sent in every snapshot.
pub const PROTOCOL: u32 = 1;

/// A ticket as kiosks and displays see it: numbers, queues and desks, no
/// outcome, reason, priority class or clerk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicTicket {
    /// Id.
    pub id: i64,
    /// Branch.
    pub branch_id: i64,
    /// Service whose queue the ticket is in.
    pub service_id: i64,
    /// Number shown and printed, e.g. `A042`.
    pub number: String,
    /// waiting, called, serving, done, no_show, cancelled, transferred, parked, expired.
    pub status: String,
    /// First issue time, ms since the epoch.
    pub issued_at: i64,
    /// Time the ticket's place in its queue counts from.
    pub queued_at: i64,
    /// Last call.
    pub called_at: Option<i64>,
    /// Desk that called it.
    pub desk_id: Option<i64>,
    /// How often it was called.
    pub call_count: i64,
    /// People ahead (waiting tickets only).
    pub position: Option<i64>,
    /// Estimated seconds until called, by the old formula.
    pub estimated_wait_s: Option<i64>,
    /// Predicted seconds until called.
    pub predicted_wait_s: Option<i64>,
    /// The 80 % range of the prediction, seconds.
    pub predicted_range_s: Option<[i64; 2]>,
    /// No open desk serves the ticket's service.
    pub no_open_desk: bool,
    /// Visitor's language: only for the kiosk that is printing the ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Secret of the visitor's page: only for the kiosk that is printing
    /// the ticket (its QR code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_token: Option<String>,
}

impl From<&Ticket> for PublicTicket {
    fn from(t: &Ticket) -> PublicTicket {
        PublicTicket {
            id: t.id,
            branch_id: t.branch_id,
            service_id: t.service_id,
            number: t.number.clone(),
            status: t.status.clone(),
            issued_at: t.issued_at,
            queued_at: t.queued_at,
            called_at: t.called_at,
            desk_id: t.desk_id,
            call_count: t.call_count,
            position: t.position,
            estimated_wait_s: t.estimated_wait_s,
            predicted_wait_s: t.predicted_wait_s,
            predicted_range_s: t.predicted_range_s,
            no_open_desk: t.no_open_desk,
            language: None,
            public_token: None,
        }
    }
}

/// A desk as kiosks and displays see it: no pause reason or clerk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicDesk {
    /// Id.
    pub id: i64,
    /// Branch.
    pub branch_id: i64,
    /// Name, e.g. "Desk 5".
    pub name: String,
    /// The name per language tag; a language without one reads `name`
    /// (see [`crate::localized`]).
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    /// open, paused or closed.
    pub status: String,
    /// Ticket being called or served.
    pub current_ticket_id: Option<i64>,
    /// Inactive desks cannot be opened.
    pub active: bool,
}

impl From<&Desk> for PublicDesk {
    fn from(d: &Desk) -> PublicDesk {
        PublicDesk {
            id: d.id,
            branch_id: d.branch_id,
            name: d.name.clone(),
            names: d.names.clone(),
            status: d.status.clone(),
            current_ticket_id: d.current_ticket_id,
            active: d.active,
        }
    }
}

/// A ticket in a live message: whole for staff, projected for devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum TicketEntry {
    /// What staff receive.
    Staff(Ticket),
    /// What kiosks and displays receive.
    Public(PublicTicket),
}

impl TicketEntry {
    /// Id.
    pub fn id(&self) -> i64 {
        match self {
            TicketEntry::Staff(t) => t.id,
            TicketEntry::Public(t) => t.id,
        }
    }

    /// Status, e.g. `waiting`.
    pub fn status(&self) -> &str {
        match self {
            TicketEntry::Staff(t) => &t.status,
            TicketEntry::Public(t) => &t.status,
        }
    }

    /// Number, e.g. `A042`.
    pub fn number(&self) -> &str {
        match self {
            TicketEntry::Staff(t) => &t.number,
            TicketEntry::Public(t) => &t.number,
        }
    }

    /// Service whose queue the ticket is in.
    pub fn service_id(&self) -> i64 {
        match self {
            TicketEntry::Staff(t) => t.service_id,
            TicketEntry::Public(t) => t.service_id,
        }
    }

    /// The same ticket as devices may see it.
    pub fn public(&self) -> TicketEntry {
        match self {
            TicketEntry::Staff(t) => TicketEntry::Public(PublicTicket::from(t)),
            public => public.clone(),
        }
    }
}

/// A desk in a live message: whole for staff, projected for devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum DeskEntry {
    /// What staff receive.
    Staff(Desk),
    /// What kiosks and displays receive.
    Public(PublicDesk),
}

impl DeskEntry {
    /// Id.
    pub fn id(&self) -> i64 {
        match self {
            DeskEntry::Staff(d) => d.id,
            DeskEntry::Public(d) => d.id,
        }
    }

    /// Name, e.g. "Desk 5".
    pub fn name(&self) -> &str {
        match self {
            DeskEntry::Staff(d) => &d.name,
            DeskEntry::Public(d) => &d.name,
        }
    }

    /// The visitor-facing name per language tag.
    pub fn names(&self) -> &BTreeMap<String, String> {
        match self {
            DeskEntry::Staff(d) => &d.names,
            DeskEntry::Public(d) => &d.names,
        }
    }

    /// The same desk as devices may see it.
    pub fn public(&self) -> DeskEntry {
        match self {
            DeskEntry::Staff(d) => DeskEntry::Public(PublicDesk::from(d)),
            public => public.clone(),
        }
    }
}

/// A call as displays show it (the snapshot's recent calls).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// Seq of the `ticket.called` or `ticket.recalled` event.
    pub seq: i64,
    /// A repeated call of the same visitor.
    pub recall: bool,
    /// The ticket called.
    pub ticket_id: Option<i64>,
    /// Its number.
    pub number: String,
    /// Its service.
    pub service_id: i64,
    /// The desk calling.
    pub desk_id: Option<i64>,
    /// The desk's name.
    pub desk_name: Option<String>,
    /// The desk's name per language tag, as it was at the call; a language
    /// without one reads `desk_name` (see [`crate::localized`]).
    #[serde(default)]
    pub desk_names: BTreeMap<String, String>,
    /// When, ms since the epoch.
    pub at: i64,
}

/// The `type` of a [`Snapshot`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum SnapshotType {
    /// The only value.
    #[default]
    #[serde(rename = "snapshot")]
    Snapshot,
}

/// The `type` of a [`Heartbeat`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum HeartbeatType {
    /// The only value.
    #[default]
    #[serde(rename = "heartbeat")]
    Heartbeat,
}

/// The first message on a live stream: the branch's state at `seq`.
/// Events follow from `seq + 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Snapshot {
    /// Always `snapshot`.
    #[serde(rename = "type")]
    pub kind: SnapshotType,
    /// [`PROTOCOL`].
    pub protocol: u32,
    /// The seq of the branch's latest event this state includes.
    pub seq: i64,
    /// Seq of this client's previous message (resumed snapshots only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_seq: Option<i64>,
    /// The office (without `event_seq`: `seq` says it).
    pub branch: Branch,
    /// Active services the client follows, with their queues.
    pub services: Vec<ServiceWithSummary>,
    /// Desks the client follows.
    pub desks: Vec<DeskEntry>,
    /// Open tickets (waiting, called, serving, parked) the client follows.
    pub tickets: Vec<TicketEntry>,
    /// The latest calls, newest first.
    pub calls: Vec<Call>,
}

/// Sent when nothing happened for a while; `seq` is the last event this
/// client accounted for, `head` the branch's latest seq in the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Heartbeat {
    /// Always `heartbeat`.
    #[serde(rename = "type")]
    pub kind: HeartbeatType,
    /// Last seq accounted for.
    pub seq: i64,
    /// Seq of this client's previous message.
    pub prev_seq: i64,
    /// The branch's latest seq, when the database answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<i64>,
}

/// One event on the live stream (and in webhooks): the stored event with
/// its typed data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventMessage {
    /// Seq of this client's previous message; a gap means events were
    /// filtered out for this client, not lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_seq: Option<i64>,
    /// Position in the branch's log, from 1, without gaps.
    pub seq: i64,
    /// Branch whose log this is.
    pub branch_id: i64,
    /// The ticket concerned.
    pub ticket_id: Option<i64>,
    /// The desk concerned.
    pub desk_id: Option<i64>,
    /// `user:ID`, `device:ID` or `system`; devices see device actors only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// `type` and `data`.
    #[serde(flatten)]
    pub data: EventData,
}

/// A ticket event's data: the ticket after the change, its service's queue
/// and the desk concerned, so a live client replaces what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TicketChange {
    /// The ticket after the change.
    pub ticket: TicketEntry,
    /// Its service's queue after the change.
    pub service: ServiceSummary,
    /// The desk concerned, after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desk: Option<DeskEntry>,
    /// Calls: whether the clerk called out of turn (staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_turn: Option<bool>,
    /// Calls: why this ticket was chosen (staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Transfers: the new ticket in the target queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_ticket: Option<TicketEntry>,
    /// A ticket issued by a transfer: the ticket it continues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_from: Option<i64>,
    /// `visitor` when the visitor acted from the ticket page (staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Postponements: the place in the queue before (staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_at_before: Option<i64>,
}

impl TicketChange {
    /// The change of `ticket`, with its service's queue, its desk and what
    /// else the change says.
    pub fn new(
        ticket: &Ticket,
        service: ServiceSummary,
        desk: Option<&Desk>,
        note: TicketNote,
    ) -> TicketChange {
        TicketChange {
            ticket: TicketEntry::Staff(ticket.clone()),
            service,
            desk: desk.map(|d| DeskEntry::Staff(d.clone())),
            out_of_turn: note.out_of_turn,
            reason: note.reason,
            new_ticket: note.new_ticket.map(TicketEntry::Staff),
            transferred_from: note.transferred_from,
            by: note.by,
            queued_at_before: note.queued_at_before,
        }
    }

    /// As kiosks and displays see it.
    fn public(&self) -> TicketChange {
        TicketChange {
            ticket: self.ticket.public(),
            service: self.service.clone(),
            desk: self.desk.as_ref().map(DeskEntry::public),
            new_ticket: self.new_ticket.as_ref().map(TicketEntry::public),
            transferred_from: None,
            out_of_turn: None,
            reason: None,
            by: None,
            queued_at_before: None,
        }
    }
}

/// What a ticket change says besides the ticket, its queue and its desk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketNote {
    /// Calls: whether the clerk called out of turn.
    pub out_of_turn: Option<bool>,
    /// Calls: why this ticket was chosen.
    pub reason: Option<String>,
    /// Transfers: the new ticket in the target queue.
    pub new_ticket: Option<Ticket>,
    /// A ticket issued by a transfer: the ticket it continues.
    pub transferred_from: Option<i64>,
    /// `visitor` when the visitor acted from the ticket page.
    pub by: Option<String>,
    /// Postponements: the place in the queue before.
    pub queued_at_before: Option<i64>,
}

/// A desk event's data: the desk after the change and the queues of the
/// services it serves (their estimates change with it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeskChange {
    /// The desk after the change.
    pub desk: DeskEntry,
    /// The queues of the services it serves (and served, on a change of
    /// allocation).
    pub services: Vec<ServiceSummary>,
    /// A change of allocation: the new one (staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation: Option<Vec<Allocation>>,
}

/// One entry of a desk's allocation: a service it serves and how strongly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Allocation {
    /// Service.
    pub service_id: i64,
    /// 1 to 10: how strongly the desk prefers this service.
    pub weight: u32,
}

/// A service event's data: the service after the change and its queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServiceChange {
    /// The service.
    #[serde(flatten)]
    pub service: crate::Service,
    /// Its queue.
    pub summary: ServiceSummary,
}

/// What an event says, by type. Staff-only event types carry the types
/// of [`crate::staff`] (users, devices, webhooks, appointments, feedback,
/// retention).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", content = "data")]
pub enum EventData {
    /// A ticket was issued (at a kiosk, by staff, remotely, at check-in, or
    /// by a transfer).
    #[serde(rename = "ticket.issued")]
    TicketIssued(TicketChange),
    /// A desk called a ticket.
    #[serde(rename = "ticket.called")]
    TicketCalled(TicketChange),
    /// A desk called the same ticket again.
    #[serde(rename = "ticket.recalled")]
    TicketRecalled(TicketChange),
    /// Service started.
    #[serde(rename = "ticket.started")]
    TicketStarted(TicketChange),
    /// Service finished.
    #[serde(rename = "ticket.finished")]
    TicketFinished(TicketChange),
    /// The visitor did not come.
    #[serde(rename = "ticket.no_show")]
    TicketNoShow(TicketChange),
    /// Withdrawn by the visitor or by staff.
    #[serde(rename = "ticket.cancelled")]
    TicketCancelled(TicketChange),
    /// Put aside by a desk.
    #[serde(rename = "ticket.parked")]
    TicketParked(TicketChange),
    /// The visitor let others go first.
    #[serde(rename = "ticket.postponed")]
    TicketPostponed(TicketChange),
    /// Handed to another service (`new_ticket` is the continuation).
    #[serde(rename = "ticket.transferred")]
    TicketTransferred(TicketChange),
    /// Still open at the end of the business day.
    #[serde(rename = "ticket.expired")]
    TicketExpired(TicketChange),
    /// A desk was created.
    #[serde(rename = "desk.created")]
    DeskCreated(DeskChange),
    /// A desk was renamed or (de)activated.
    #[serde(rename = "desk.updated")]
    DeskUpdated(DeskChange),
    /// A clerk opened a desk.
    #[serde(rename = "desk.opened")]
    DeskOpened(DeskChange),
    /// A clerk paused a desk.
    #[serde(rename = "desk.paused")]
    DeskPaused(DeskChange),
    /// A desk closed.
    #[serde(rename = "desk.closed")]
    DeskClosed(DeskChange),
    /// A desk's allocation changed.
    #[serde(rename = "desk.allocation_changed")]
    DeskAllocationChanged(DeskChange),
    /// A service was created.
    #[serde(rename = "service.created")]
    ServiceCreated(ServiceChange),
    /// A service changed.
    #[serde(rename = "service.updated")]
    ServiceUpdated(ServiceChange),
    /// A branch was created.
    #[serde(rename = "branch.created")]
    BranchCreated(Branch),
    /// A branch's settings changed.
    #[serde(rename = "branch.updated")]
    BranchUpdated(Branch),
    /// A user was created (staff only).
    #[serde(rename = "user.created")]
    UserCreated(crate::User),
    /// A user changed (staff only).
    #[serde(rename = "user.updated")]
    UserUpdated(crate::User),
    /// A kiosk or display was registered (staff only).
    #[serde(rename = "device.created")]
    DeviceCreated(crate::Device),
    /// A device changed (staff only).
    #[serde(rename = "device.updated")]
    DeviceUpdated(crate::Device),
    /// A device got a new token (staff only).
    #[serde(rename = "device.token_rotated")]
    DeviceTokenRotated(crate::DeviceRef),
    /// A kiosk reported its printer's state (staff only).
    #[serde(rename = "device.status")]
    DeviceStatus(crate::RecordedStatus),
    /// A webhook was created (staff only).
    #[serde(rename = "webhook.created")]
    WebhookCreated(crate::WebhookChange),
    /// A webhook changed (staff only).
    #[serde(rename = "webhook.updated")]
    WebhookUpdated(crate::WebhookChange),
    /// A webhook was deleted (staff only).
    #[serde(rename = "webhook.deleted")]
    WebhookDeleted(crate::WebhookChange),
    /// An appointment was booked (staff only).
    #[serde(rename = "appointment.booked")]
    AppointmentBooked(crate::AppointmentChange),
    /// A booked visitor checked in (staff only).
    #[serde(rename = "appointment.checked_in")]
    AppointmentCheckedIn(crate::AppointmentChange),
    /// An appointment was cancelled (staff only).
    #[serde(rename = "appointment.cancelled")]
    AppointmentCancelled(crate::AppointmentChange),
    /// A booked visitor did not come (staff only).
    #[serde(rename = "appointment.missed")]
    AppointmentMissed(crate::AppointmentChange),
    /// A visitor rated a visit (staff only; the comment is not in the log).
    #[serde(rename = "feedback.given")]
    FeedbackGiven(crate::FeedbackGiven),
    /// Contact details past their retention were erased (staff only).
    #[serde(rename = "contacts.erased")]
    ContactsErased(crate::ContactsErased),
}

impl EventData {
    /// The event type, e.g. `ticket.called`.
    pub fn kind(&self) -> &'static str {
        match self {
            EventData::TicketIssued(_) => "ticket.issued",
            EventData::TicketCalled(_) => "ticket.called",
            EventData::TicketRecalled(_) => "ticket.recalled",
            EventData::TicketStarted(_) => "ticket.started",
            EventData::TicketFinished(_) => "ticket.finished",
            EventData::TicketNoShow(_) => "ticket.no_show",
            EventData::TicketCancelled(_) => "ticket.cancelled",
            EventData::TicketParked(_) => "ticket.parked",
            EventData::TicketPostponed(_) => "ticket.postponed",
            EventData::TicketTransferred(_) => "ticket.transferred",
            EventData::TicketExpired(_) => "ticket.expired",
            EventData::DeskCreated(_) => "desk.created",
            EventData::DeskUpdated(_) => "desk.updated",
            EventData::DeskOpened(_) => "desk.opened",
            EventData::DeskPaused(_) => "desk.paused",
            EventData::DeskClosed(_) => "desk.closed",
            EventData::DeskAllocationChanged(_) => "desk.allocation_changed",
            EventData::ServiceCreated(_) => "service.created",
            EventData::ServiceUpdated(_) => "service.updated",
            EventData::BranchCreated(_) => "branch.created",
            EventData::BranchUpdated(_) => "branch.updated",
            EventData::UserCreated(_) => "user.created",
            EventData::UserUpdated(_) => "user.updated",
            EventData::DeviceCreated(_) => "device.created",
            EventData::DeviceUpdated(_) => "device.updated",
            EventData::DeviceTokenRotated(_) => "device.token_rotated",
            EventData::DeviceStatus(_) => "device.status",
            EventData::WebhookCreated(_) => "webhook.created",
            EventData::WebhookUpdated(_) => "webhook.updated",
            EventData::WebhookDeleted(_) => "webhook.deleted",
            EventData::AppointmentBooked(_) => "appointment.booked",
            EventData::AppointmentCheckedIn(_) => "appointment.checked_in",
            EventData::AppointmentCancelled(_) => "appointment.cancelled",
            EventData::AppointmentMissed(_) => "appointment.missed",
            EventData::FeedbackGiven(_) => "feedback.given",
            EventData::ContactsErased(_) => "contacts.erased",
        }
    }

    /// Whether kiosks and displays receive events of this type.
    pub fn device_may_see(kind: &str) -> bool {
        kind.starts_with("ticket.")
            || kind.starts_with("desk.")
            || kind.starts_with("service.")
            || kind == "branch.updated"
    }

    /// The ticket change, for ticket events.
    pub fn ticket_change(&self) -> Option<&TicketChange> {
        match self {
            EventData::TicketIssued(c)
            | EventData::TicketCalled(c)
            | EventData::TicketRecalled(c)
            | EventData::TicketStarted(c)
            | EventData::TicketFinished(c)
            | EventData::TicketNoShow(c)
            | EventData::TicketCancelled(c)
            | EventData::TicketParked(c)
            | EventData::TicketPostponed(c)
            | EventData::TicketTransferred(c)
            | EventData::TicketExpired(c) => Some(c),
            _ => None,
        }
    }

    /// The desk change, for desk events.
    pub fn desk_change(&self) -> Option<&DeskChange> {
        match self {
            EventData::DeskCreated(c)
            | EventData::DeskUpdated(c)
            | EventData::DeskOpened(c)
            | EventData::DeskPaused(c)
            | EventData::DeskClosed(c)
            | EventData::DeskAllocationChanged(c) => Some(c),
            _ => None,
        }
    }

    /// The data as kiosks and displays see it, or `None` for a type they
    /// do not receive.
    pub fn for_devices(&self) -> Option<EventData> {
        if !EventData::device_may_see(self.kind()) {
            return None;
        }
        let desk = |d: &DeskChange| DeskChange {
            desk: d.desk.public(),
            services: d.services.clone(),
            allocation: None,
        };
        Some(match self {
            EventData::TicketIssued(c) => EventData::TicketIssued(c.public()),
            EventData::TicketCalled(c) => EventData::TicketCalled(c.public()),
            EventData::TicketRecalled(c) => EventData::TicketRecalled(c.public()),
            EventData::TicketStarted(c) => EventData::TicketStarted(c.public()),
            EventData::TicketFinished(c) => EventData::TicketFinished(c.public()),
            EventData::TicketNoShow(c) => EventData::TicketNoShow(c.public()),
            EventData::TicketCancelled(c) => EventData::TicketCancelled(c.public()),
            EventData::TicketParked(c) => EventData::TicketParked(c.public()),
            EventData::TicketPostponed(c) => EventData::TicketPostponed(c.public()),
            EventData::TicketTransferred(c) => EventData::TicketTransferred(c.public()),
            EventData::TicketExpired(c) => EventData::TicketExpired(c.public()),
            EventData::DeskCreated(d) => EventData::DeskCreated(desk(d)),
            EventData::DeskUpdated(d) => EventData::DeskUpdated(desk(d)),
            EventData::DeskOpened(d) => EventData::DeskOpened(desk(d)),
            EventData::DeskPaused(d) => EventData::DeskPaused(desk(d)),
            EventData::DeskClosed(d) => EventData::DeskClosed(desk(d)),
            EventData::DeskAllocationChanged(d) => EventData::DeskAllocationChanged(desk(d)),
            other => other.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// One value of every staff-only event type; the ticket, desk,
    /// service and branch types are covered by the server's tests.
    fn samples() -> Vec<EventData> {
        use crate::staff::*;
        let user = User {
            id: 1,
            branch_id: Some(2),
            username: "anna".into(),
            role: "clerk".into(),
            active: true,
            created_at: 3,
        };
        let device = Device {
            id: 4,
            branch_id: 2,
            kind: "display".into(),
            name: "TV".into(),
            config: "{}".into(),
            active: true,
            last_seen_at: None,
            created_at: 3,
        };
        let webhook = WebhookChange {
            webhook: WebhookSummary {
                id: 5,
                host: "hooks.example.org".into(),
                event_types: vec!["ticket.*".into()],
                active: true,
            },
        };
        let appointment = AppointmentChange {
            appointment: AppointmentSummary {
                id: 6,
                service_id: 7,
                business_day: "2026-12-08".into(),
                slot_start: 10,
                slot_end: 20,
                status: "booked".into(),
                ticket_id: None,
            },
            outcome: None,
        };
        vec![
            EventData::UserCreated(user.clone()),
            EventData::UserUpdated(user),
            EventData::DeviceCreated(device.clone()),
            EventData::DeviceUpdated(device),
            EventData::DeviceTokenRotated(DeviceRef { id: 4 }),
            EventData::DeviceStatus(RecordedStatus {
                device_id: 4,
                printer: PrinterState::PaperLow,
                detail: Some("near end".into()),
            }),
            EventData::WebhookCreated(webhook.clone()),
            EventData::WebhookUpdated(webhook.clone()),
            EventData::WebhookDeleted(webhook),
            EventData::AppointmentBooked(appointment.clone()),
            EventData::AppointmentCheckedIn(AppointmentChange {
                outcome: Some("on_time".into()),
                ..appointment.clone()
            }),
            EventData::AppointmentCancelled(appointment.clone()),
            EventData::AppointmentMissed(appointment),
            EventData::FeedbackGiven(FeedbackGiven {
                ticket_id: 8,
                number: "A001".into(),
                service_id: 7,
                desk_id: Some(9),
                user_id: None,
                rating: 5,
                has_comment: false,
                source: "ticket_page".into(),
            }),
            EventData::ContactsErased(ContactsErased {
                before: 100,
                rows: [("remote_contacts".to_owned(), 2)].into(),
            }),
        ]
    }

    #[test]
    fn kind_is_the_serialised_type() {
        for data in samples() {
            let value = serde_json::to_value(&data).unwrap();
            assert_eq!(value["type"], data.kind());
            let back: EventData = serde_json::from_value(value).unwrap();
            assert_eq!(back, data);
        }
    }

    #[test]
    fn devices_get_no_staff_only_event() {
        for data in samples() {
            assert!(data.for_devices().is_none(), "{}", data.kind());
        }
    }

    #[test]
    fn an_unknown_type_or_mismatched_data_is_refused() {
        let unknown = json!({ "type": "ticket.teleported", "data": {} });
        assert!(serde_json::from_value::<EventData>(unknown).is_err());
        let not_a_desk = json!({ "type": "desk.opened", "data": { "desk": {} } });
        assert!(serde_json::from_value::<EventData>(not_a_desk).is_err());
        let not_a_user = json!({ "type": "user.created", "data": { "id": 1 } });
        assert!(serde_json::from_value::<EventData>(not_a_user).is_err());
    }
}
