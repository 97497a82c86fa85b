//! A desk as the API and the live stream show it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waitwell_queue::DeskStatus;

use crate::Corrupt;

/// A desk as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Desk {
    /// Id.
    pub id: i64,
    /// Branch.
    pub branch_id: i64,
    /// Name, e.g. "Desk 5".
    pub name: String,
    /// open, paused or closed ([`Desk::status`]).
    pub status: String,
    /// Why it is paused.
    pub pause_reason: Option<String>,
    /// Interleave state of the next-ticket policy.
    pub calls_since_priority: i64,
    /// Ticket being called or served.
    pub current_ticket_id: Option<i64>,
    /// Clerk working there while open or paused.
    pub user_id: Option<i64>,
    /// Inactive desks cannot be opened.
    pub active: bool,
    /// Creation time.
    pub created_at: i64,
}

impl Desk {
    /// The status as the queue core's enum.
    ///
    /// # Errors
    /// [`Corrupt`] for a status no desk can have.
    pub fn status(&self) -> Result<DeskStatus, Corrupt> {
        self.status.parse().map_err(|_| Corrupt {
            what: format!("desk {} status", self.id),
            value: self.status.clone(),
        })
    }
}
