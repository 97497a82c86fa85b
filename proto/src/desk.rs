//! A desk as the API and the live stream show it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waitwell_queue::DeskStatus;

use crate::Corrupt;
use crate::texts;

/// A desk as stored and shown.
///
/// The server reads it straight from `desks` rows; `names` is JSON text
/// there, so rows decode through a hand-written `FromRow` (below) and serde
/// reads `names` from an object or from JSON text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Desk {
    /// Id.
    pub id: i64,
    /// Branch.
    pub branch_id: i64,
    /// Name, e.g. "Desk 5": what staff see, and visitors in a language
    /// `names` has no value for.
    pub name: String,
    /// The name visitors read, per language tag ("Stanowisko 5" for `pl`;
    /// see [`crate::localized`]).
    #[serde(default, deserialize_with = "texts::object_or_json_text")]
    pub names: BTreeMap<String, String>,
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
    /// The name a visitor reading `language` sees.
    pub fn name_in(&self, language: Option<&str>) -> &str {
        texts::localized(&self.name, &self.names, language)
    }

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

/// Row decoding for both sqlx backends: every column as sqlx decodes it,
/// `names` from its JSON text.
#[cfg(feature = "sqlx")]
macro_rules! desk_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for Desk {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                let names: Option<String> = match row.try_get("names") {
                    Ok(v) => v,
                    // Statements that do not select the names read none.
                    Err(sqlx::Error::ColumnNotFound(_)) => None,
                    Err(e) => return Err(e),
                };
                Ok(Desk {
                    id: row.try_get("id")?,
                    branch_id: row.try_get("branch_id")?,
                    name: row.try_get("name")?,
                    names: names
                        .and_then(|n| serde_json::from_str(&n).ok())
                        .unwrap_or_default(),
                    status: row.try_get("status")?,
                    pause_reason: row.try_get("pause_reason")?,
                    calls_since_priority: row.try_get("calls_since_priority")?,
                    current_ticket_id: row.try_get("current_ticket_id")?,
                    user_id: row.try_get("user_id")?,
                    active: row.try_get("active")?,
                    created_at: row.try_get("created_at")?,
                })
            }
        }
    };
}

#[cfg(feature = "sqlx")]
desk_from_row!(sqlx::sqlite::SqliteRow);
#[cfg(feature = "sqlx")]
desk_from_row!(sqlx::postgres::PgRow);
