//! An office as the API shows it: its languages, its next-ticket policy
//! and its rules for booked visitors.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waitwell_queue::PolicyConfig;

use crate::Invalid;

/// An office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Branch {
    /// Id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// IANA timezone, e.g. `Europe/Warsaw`.
    pub timezone: String,
    /// Local time `HH:MM` at which a business day ends; numbering restarts and
    /// tickets still open expire.
    pub rollover: String,
    /// Languages offered, first is the default.
    pub languages: Vec<String>,
    /// Message printed on tickets and shown on the kiosk.
    pub kiosk_message: String,
    /// The message per language tag; a language without one reads
    /// `kiosk_message` (see [`crate::localized`]).
    #[serde(default)]
    pub kiosk_messages: BTreeMap<String, String>,
    /// Next-ticket policy settings.
    pub policy: PolicySettings,
    /// Inactive branches accept no tickets and no device sign-ins.
    pub active: bool,
    /// Seq of the branch's latest event; absent in live snapshots, whose
    /// own `seq` says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_seq: Option<i64>,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
    /// Opening hours and the rules for booked visitors.
    pub appointments: AppointmentSettings,
}

/// The next-ticket policy settings of a branch (see `waitwell-queue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySettings {
    /// A priority ticket counts as if it had been issued this many seconds earlier.
    pub priority_credit_s: i64,
    /// Same for appointment tickets.
    pub appointment_credit_s: i64,
    /// Seconds of credit per desk-service weight step above 1.
    pub weight_step_s: i64,
    /// At most one credited priority call in any N consecutive calls at a desk; 0 = no limit.
    pub priority_interleave: u32,
}

impl From<PolicySettings> for PolicyConfig {
    fn from(p: PolicySettings) -> Self {
        PolicyConfig {
            priority_credit_s: p.priority_credit_s,
            appointment_credit_s: p.appointment_credit_s,
            weight_step_s: p.weight_step_s,
            priority_interleave: p.priority_interleave,
        }
    }
}

impl From<PolicyConfig> for PolicySettings {
    fn from(p: PolicyConfig) -> Self {
        PolicySettings {
            priority_credit_s: p.priority_credit_s,
            appointment_credit_s: p.appointment_credit_s,
            weight_step_s: p.weight_step_s,
            priority_interleave: p.priority_interleave,
        }
    }
}

/// A branch's opening hours and rules for booked visitors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppointmentSettings {
    /// Weekly schedule in the branch's timezone:
    /// `{"mon": [["08:00", "16:00"]], …}`.
    #[schema(value_type = Object)]
    pub opening_hours: OpeningHours,
    /// Dates (`YYYY-MM-DD`) without appointments: holidays.
    pub closed_dates: Vec<String>,
    /// Seconds after the slot start a visitor still checks in with
    /// appointment priority.
    pub grace_s: i64,
    /// What happens after that.
    pub late_policy: LatePolicy,
}

/// A weekly schedule: weekday (`mon` … `sun`) to opening intervals
/// `[["08:00", "12:00"], ["13:00", "16:00"]]` in the branch's local time.
/// A missing weekday is closed.
pub type OpeningHours = BTreeMap<String, Vec<[String; 2]>>;

/// What happens to a visitor who checks in later than the grace period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LatePolicy {
    /// A normal ticket, queued from the time of check-in.
    #[default]
    WalkIn,
    /// No ticket; the visitor may take a regular one.
    Refuse,
}

impl LatePolicy {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            LatePolicy::WalkIn => "walk_in",
            LatePolicy::Refuse => "refuse",
        }
    }
}

impl FromStr for LatePolicy {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Invalid> {
        match s {
            "walk_in" => Ok(LatePolicy::WalkIn),
            "refuse" => Ok(LatePolicy::Refuse),
            _ => Err(Invalid("late_policy must be walk_in or refuse")),
        }
    }
}
