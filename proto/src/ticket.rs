//! A ticket as the API and the live stream show it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waitwell_queue::{Priority, TicketStatus};

use crate::Corrupt;

/// A ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Ticket {
    /// Id.
    pub id: i64,
    /// Branch.
    pub branch_id: i64,
    /// Service whose queue the ticket is in.
    pub service_id: i64,
    /// Business day `YYYY-MM-DD` in the branch's timezone.
    pub business_day: String,
    /// Number shown and printed, e.g. `A042`.
    pub number: String,
    /// normal, priority or appointment.
    pub priority: String,
    /// Visitor's language.
    pub language: Option<String>,
    /// waiting, called, serving, done, no_show, cancelled, transferred, parked, expired.
    pub status: String,
    /// First issue time (kept across transfers), ms since the epoch.
    pub issued_at: i64,
    /// Time the ticket's place in this queue counts from.
    pub queued_at: i64,
    /// Last call.
    pub called_at: Option<i64>,
    /// Service start.
    pub started_at: Option<i64>,
    /// Service end (done, no-show, transfer, cancel).
    pub finished_at: Option<i64>,
    /// Desk that called it.
    pub desk_id: Option<i64>,
    /// Clerk who called it.
    pub called_by: Option<i64>,
    /// How often it was called (recalls included).
    pub call_count: i64,
    /// Reason given when it was called out of turn.
    pub out_of_turn_reason: Option<String>,
    /// Outcome recorded at finish.
    pub outcome: Option<String>,
    /// The ticket this one continues after a transfer.
    pub transferred_from: Option<i64>,
    /// Secret for the visitor's public ticket page: all that the visitor's
    /// own actions (cancel, postpone, feedback) need. Only the visitor holds
    /// it: it is in the answer that issued the ticket, and otherwise only
    /// for the kiosk that issued it, while it prints (the server decides who may read it).
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub public_token: String,
    /// Last change.
    pub updated_at: i64,
    /// The kiosk that issued it. Not sent to anyone; read where a caller's
    /// right to the public token is decided.
    #[cfg_attr(feature = "sqlx", sqlx(default))]
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub issued_by_device: Option<i64>,
    /// People ahead in the service's queue (waiting tickets only).
    /// Computed, not stored: no row has this column, so both decoders leave
    /// it `None` (`sqlx(skip)`; serde fills in a missing `Option`).
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub position: Option<i64>,
    /// Estimated seconds until called (waiting tickets only), by the old
    /// formula: people ahead × average service time ÷ open desks.
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub estimated_wait_s: Option<i64>,
    /// Predicted seconds until called (waiting tickets only): the mean over
    /// simulated futures of the real call policy (see `predictions.rs`).
    /// Null while no open desk serves the service.
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub predicted_wait_s: Option<i64>,
    /// The range `[low, high]` in seconds that 80 % of the simulated
    /// futures fell in (10th to 90th percentile). Null as above.
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub predicted_range_s: Option<[i64; 2]>,
    /// True while the ticket waits and no open desk serves its service:
    /// there is no honest number to give.
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    #[serde(default)]
    pub no_open_desk: bool,
}

impl Ticket {
    /// Status as the queue core's enum.
    ///
    /// # Errors
    /// [`Corrupt`] for a status no ticket can have.
    pub fn status(&self) -> Result<TicketStatus, Corrupt> {
        self.status.parse().map_err(|_| Corrupt {
            what: format!("ticket {} status", self.id),
            value: self.status.clone(),
        })
    }

    /// Priority class.
    pub fn priority(&self) -> Priority {
        self.priority.parse().unwrap_or_default()
    }

    /// What live clients and the event log see: everything but the public
    /// token, which only the visitor holds (it is never serialised).
    pub fn public_view(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// A ticket together with its public token: the answer that issued it
/// (the kiosk prints and shows the token as a QR code), and nothing else.
/// A plain [`Ticket`] never serialises its token.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TicketWithToken {
    /// The ticket.
    #[serde(flatten)]
    pub ticket: Ticket,
    /// Secret of the visitor's ticket page (`/ticket/?t=…`) and of the
    /// visitor's own actions; present only for whoever issued the ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_token: Option<String>,
}

impl TicketWithToken {
    /// The ticket with its token, for the answer that issued it.
    pub fn issued(ticket: Ticket) -> TicketWithToken {
        let public_token = Some(ticket.public_token.clone());
        TicketWithToken {
            ticket,
            public_token,
        }
    }
}
