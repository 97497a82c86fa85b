//! Waitwell's wire types: the shapes the server sends and its clients (the
//! pages, `waitwell-client`, the kiosk agent) read. One definition each,
//! with serde for the JSON and utoipa for the OpenAPI document, so the
//! document, the server and the clients cannot disagree on a field name.
//!
//! - [`ticket`]: a ticket, and a ticket with its visitor's secret.
//! - [`desk`], [`service`], [`branch`]: what desks, services and offices
//!   look like on the wire.
//! - [`texts`]: office texts with a value per language and the fallback
//!   rule every reader applies ([`localized`]).
//! - [`live`]: the live stream: the snapshot a client starts from, the
//!   events that follow (each type's data is a [`live::EventData`]
//!   variant), heartbeats and the calls shown on displays.
//!
//! Statuses are the queue core's enums ([`TicketStatus`], [`DeskStatus`]);
//! their snake_case names are the stored and the wire form.

pub mod branch;
pub mod desk;
pub mod live;
pub mod service;
pub mod staff;
pub mod texts;
pub mod ticket;

pub use branch::{AppointmentSettings, Branch, LatePolicy, OpeningHours, PolicySettings};
pub use desk::Desk;
pub use live::{
    Allocation, Call, DeskChange, DeskEntry, EventData, EventMessage, Heartbeat, PublicDesk,
    PublicTicket, ServiceChange, Snapshot, TicketChange, TicketEntry, TicketNote,
};
pub use service::{Service, ServiceSummary, ServiceWithSummary};
pub use staff::{
    AppointmentChange, AppointmentSummary, ContactsErased, Device, DeviceRef, FeedbackGiven,
    PrinterState, RecordedStatus, User, WebhookChange, WebhookSummary,
};
pub use texts::{Texts, localized};
pub use ticket::{Ticket, TicketWithToken};
pub use waitwell_queue::{DeskStatus, Priority, TicketStatus};

/// A stored value that is not one of the values its column allows: only a
/// corrupted database holds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrupt {
    /// What holds it, e.g. `ticket 7 status`.
    pub what: String,
    /// The value found.
    pub value: String,
}

impl std::fmt::Display for Corrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is {:?}", self.what, self.value)
    }
}

impl std::error::Error for Corrupt {}

/// A value sent in a request that is not one of those allowed; the message
/// names the field and the allowed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub &'static str);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Invalid {}
