//! A service as the API shows it, and its queue right now.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Service {
    /// Id.
    pub id: i64,
    /// Branch.
    pub branch_id: i64,
    /// Ticket prefix, 1–3 capital letters.
    pub code: String,
    /// Default name.
    pub name: String,
    /// Names per language tag.
    pub names: BTreeMap<String, String>,
    /// Group shown on the kiosk ("" for none).
    pub category: String,
    /// The group's name per language tag; a language without one reads
    /// `category` (see [`crate::localized`]).
    #[serde(default)]
    pub category_names: BTreeMap<String, String>,
    /// Target wait in seconds (the office's published standard).
    pub standard_wait_s: i64,
    /// Expected service duration in seconds.
    pub expected_service_s: i64,
    /// Whether visitors may ask for priority assistance.
    pub priority_allowed: bool,
    /// Inactive services issue no tickets.
    pub active: bool,
    /// Whether visitors may take tickets remotely (the office's public page).
    pub remote_enabled: bool,
    /// Remote tickets per business day; null for no cap.
    pub remote_daily_cap: Option<i64>,
    /// Percent of the day's tickets kept for walk-ins (see `remote.rs`).
    pub remote_walk_in_share: i64,
    /// Whether visitors may book appointments for this service.
    pub appointments_enabled: bool,
    /// Appointment slot length in seconds as configured; null means the
    /// expected duration rounded up to 5 minutes.
    pub slot_length_s: Option<i64>,
    /// Percent (0 to 100) of the desks allocated to the service kept for
    /// walk-ins in every slot.
    pub walk_in_share: i64,
}

/// A service's queue right now, as live clients show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServiceSummary {
    /// Service.
    pub id: i64,
    /// Waiting tickets.
    pub waiting: i64,
    /// Estimated wait for a ticket issued now, seconds.
    pub estimated_wait_s: i64,
    /// Open desks serving the service.
    pub open_desks: u32,
}

/// A service with its queue right now: how live snapshots list services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServiceWithSummary {
    /// The service.
    #[serde(flatten)]
    pub service: Service,
    /// Waiting tickets.
    pub waiting: i64,
    /// Estimated wait for a ticket issued now, seconds.
    pub estimated_wait_s: i64,
    /// Open desks serving the service.
    pub open_desks: u32,
}

impl ServiceWithSummary {
    /// A service and its queue.
    pub fn new(service: Service, summary: ServiceSummary) -> ServiceWithSummary {
        ServiceWithSummary {
            service,
            waiting: summary.waiting,
            estimated_wait_s: summary.estimated_wait_s,
            open_desks: summary.open_desks,
        }
    }
}
