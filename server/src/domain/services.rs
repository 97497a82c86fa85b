//! Services: what visitors come for. Each has a short code used as the
//! ticket prefix, names per language, a service standard (target wait) and
//! an expected duration used for wait estimates until real times exist.
//! A service may be bookable: its appointment settings (slot length,
//! walk-in share) are changed here and used by [`crate::domain::appointments`].

use std::collections::BTreeMap;

use serde::Deserialize;
use utoipa::ToSchema;
use waitwell_queue::validate_service_code;

use crate::app::AppState;
use crate::domain::branches::{self, clean_name, clean_texts};
use crate::error::{AppError, Result};
use crate::events::Actor;
use crate::events::{self, NewEvent};
use crate::now_ms;
use crate::store::Db;
use crate::store::{Exec, sql, write};

pub use waitwell_proto::Service;
use waitwell_proto::{Texts, localized};

/// A service row as stored.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ServiceRow {
    /// Id.
    pub id: i64,
    /// Branch.
    pub branch_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// JSON object text.
    pub names: String,
    /// Category.
    pub category: String,
    /// The category per language, JSON object text.
    pub category_names: String,
    /// Standard.
    pub standard_wait_s: i64,
    /// Expected duration.
    pub expected_service_s: i64,
    /// Priority allowed.
    pub priority_allowed: bool,
    /// Active.
    pub active: bool,
    /// Remote tickets allowed.
    pub remote_enabled: bool,
    /// Remote tickets per day, if capped.
    pub remote_daily_cap: Option<i64>,
    /// Walk-in share, percent.
    pub remote_walk_in_share: i64,
    /// Bookable.
    pub appointments_enabled: bool,
    /// Slot length, null for the default.
    pub slot_length_s: Option<i64>,
    /// Walk-in share, percent.
    pub walk_in_share: i64,
}

impl ServiceRow {
    /// The API view.
    pub fn to_api(&self) -> Service {
        Service {
            id: self.id,
            branch_id: self.branch_id,
            code: self.code.clone(),
            name: self.name.clone(),
            names: serde_json::from_str(&self.names).unwrap_or_default(),
            category: self.category.clone(),
            category_names: serde_json::from_str(&self.category_names).unwrap_or_default(),
            standard_wait_s: self.standard_wait_s,
            expected_service_s: self.expected_service_s,
            priority_allowed: self.priority_allowed,
            active: self.active,
            remote_enabled: self.remote_enabled,
            remote_daily_cap: self.remote_daily_cap,
            remote_walk_in_share: self.remote_walk_in_share,
            appointments_enabled: self.appointments_enabled,
            slot_length_s: self.slot_length_s,
            walk_in_share: self.walk_in_share,
        }
    }

    /// The name a visitor reading `language` sees (see
    /// [`waitwell_proto::localized`]).
    pub fn name_in(&self, language: Option<&str>) -> String {
        let names: Texts = serde_json::from_str(&self.names).unwrap_or_default();
        localized(&self.name, &names, language).to_owned()
    }
}

/// A service's event payload: the service and its queue summary.
pub(crate) async fn with_summary<C: Exec>(
    c: &mut C,
    row: &ServiceRow,
) -> Result<waitwell_proto::ServiceChange> {
    Ok(waitwell_proto::ServiceChange {
        service: row.to_api(),
        summary: crate::domain::tickets::service_summary(c, row.id).await?,
    })
}

/// Reads a service.
///
/// # Errors
/// NotFound.
pub async fn get<C: Exec>(c: &mut C, id: i64) -> Result<ServiceRow> {
    sql::services::get(c, id)
        .await?
        .ok_or(AppError::NotFound("service"))
}

/// A branch's services, by code.
///
/// # Errors
/// Database errors.
pub async fn list<C: Exec>(c: &mut C, branch_id: i64) -> Result<Vec<ServiceRow>> {
    Ok(sql::services::of_branch(c, branch_id).await?)
}

/// New service.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewService {
    /// Ticket prefix, 1–3 capital letters, unique in the branch.
    pub code: String,
    /// Default name.
    pub name: String,
    /// Names per language tag.
    pub names: Option<BTreeMap<String, String>>,
    /// Kiosk group.
    pub category: Option<String>,
    /// The kiosk group per language tag (1 to 80 characters each).
    pub category_names: Option<BTreeMap<String, String>>,
    /// Target wait, seconds (default 900).
    pub standard_wait_s: Option<i64>,
    /// Expected duration, seconds (default 300).
    pub expected_service_s: Option<i64>,
    /// Default true.
    pub priority_allowed: Option<bool>,
}

/// Changes to a service; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceUpdate {
    /// Default name.
    pub name: Option<String>,
    /// Names per language tag (replaces all).
    pub names: Option<BTreeMap<String, String>>,
    /// Kiosk group.
    pub category: Option<String>,
    /// The kiosk group per language tag (replaces all; 1 to 80 characters
    /// each).
    pub category_names: Option<BTreeMap<String, String>>,
    /// Target wait, seconds.
    pub standard_wait_s: Option<i64>,
    /// Expected duration, seconds.
    pub expected_service_s: Option<i64>,
    /// Priority allowed.
    pub priority_allowed: Option<bool>,
    /// Active.
    pub active: Option<bool>,
    /// Remote tickets allowed (the office's public page). Switching them on
    /// without giving `remote_daily_cap` / `remote_walk_in_share` in the same
    /// request sets those still unset (no cap, 0%) to the protective
    /// defaults: 50 a day, 30% kept for walk-ins.
    pub remote_enabled: Option<bool>,
    /// Remote tickets per business day, 1 to 100000; null removes the cap.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub remote_daily_cap: Option<Option<i64>>,
    /// Percent of the day's tickets kept for walk-ins, 0 to 100.
    pub remote_walk_in_share: Option<i64>,
    /// Bookable.
    pub appointments_enabled: Option<bool>,
    /// Slot length, 300 to 14400 seconds in whole minutes; null for the
    /// default (the expected duration rounded up to 5 minutes).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub slot_length_s: Option<Option<i64>>,
    /// Walk-in share, percent 0 to 100.
    pub walk_in_share: Option<i64>,
}

/// Tells an explicit `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Checks a slot length: whole minutes from 5 minutes to 4 hours.
pub(crate) fn check_slot_length(v: i64) -> Result<i64> {
    if (300..=14_400).contains(&v) && v % 60 == 0 {
        Ok(v)
    } else {
        Err(AppError::invalid(
            "slot_length_s must be whole minutes from 300 to 14400 seconds",
        ))
    }
}

fn clean_names(names: &BTreeMap<String, String>) -> Result<String> {
    clean_texts("names", names, 120)
}

fn clean_category_names(names: &BTreeMap<String, String>) -> Result<String> {
    clean_texts("category_names", names, 80)
}

pub(crate) fn check_seconds(field: &str, v: i64, max: i64) -> Result<i64> {
    if (1..=max).contains(&v) {
        Ok(v)
    } else {
        Err(AppError::invalid(format!(
            "{field} must be 1 to {max} seconds"
        )))
    }
}

pub(crate) fn clean_category(category: &str) -> Result<String> {
    let c = category.trim();
    if c.chars().count() > 80 || c.chars().any(char::is_control) {
        return Err(AppError::invalid("category must be at most 80 characters"));
    }
    Ok(c.to_owned())
}

/// Creates a service; shared by the API and the demo seed.
///
/// # Errors
/// Validation errors, a duplicate code.
pub async fn create(
    state: &AppState,
    branch_id: i64,
    new: NewService,
    actor: crate::events::Actor,
) -> Result<ServiceRow> {
    validate_service_code(&new.code)?;
    let name = clean_name("name", &new.name, 120)?;
    let names = clean_names(&new.names.unwrap_or_default())?;
    let category = clean_category(new.category.as_deref().unwrap_or(""))?;
    let category_names = clean_category_names(&new.category_names.unwrap_or_default())?;
    let standard = check_seconds(
        "standard_wait_s",
        new.standard_wait_s.unwrap_or(900),
        86_400,
    )?;
    let expected = check_seconds(
        "expected_service_s",
        new.expected_service_s.unwrap_or(300),
        86_400,
    )?;
    let priority_allowed = new.priority_allowed.unwrap_or(true);
    let now = now_ms();
    write!(state.db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        if sql::services::code_taken(c, branch_id, &new.code).await? {
            return Err(AppError::conflict(format!(
                "service code {} is already used in this branch",
                new.code
            )));
        }
        let new_row = sql::services::NewServiceRow {
            branch_id,
            code: new.code,
            name,
            names,
            category,
            category_names,
            standard_wait_s: standard,
            expected_service_s: expected,
            priority_allowed,
            created_at: now,
        };
        let id = sql::services::insert(c, new_row).await?;
        let row = get(c, id).await?;
        let payload = with_summary(c, &row).await?;
        events::append(
            c,
            out,
            NewEvent {
                branch_id,
                ticket_id: None,
                desk_id: None,
                data: events::EventData::ServiceCreated(payload),
                actor,
                at: now,
            },
        )
        .await?;
        Ok(row)
    })
}

/// Changes a service: each given field is checked, then all are stored in
/// one transaction with a `service.updated` event. Turning remote tickets
/// on fills in protective limits the request did not set.
///
/// # Errors
/// Validation errors; NotFound.
pub async fn edit(
    db: &Db,
    branch_id: i64,
    id: i64,
    update: ServiceUpdate,
    actor: Actor,
    now: i64,
) -> Result<ServiceRow> {
    let name = update
        .name
        .as_deref()
        .map(|n| clean_name("name", n, 120))
        .transpose()?;
    let names = update.names.as_ref().map(clean_names).transpose()?;
    let category = update.category.as_deref().map(clean_category).transpose()?;
    let category_names = update
        .category_names
        .as_ref()
        .map(clean_category_names)
        .transpose()?;
    let standard = update
        .standard_wait_s
        .map(|v| check_seconds("standard_wait_s", v, 86_400))
        .transpose()?;
    let expected = update
        .expected_service_s
        .map(|v| check_seconds("expected_service_s", v, 86_400))
        .transpose()?;
    if let Some(Some(cap)) = update.remote_daily_cap
        && !(1..=100_000).contains(&cap)
    {
        return Err(AppError::invalid(
            "remote_daily_cap must be 1 to 100000, or null for no cap",
        ));
    }
    if let Some(share) = update.remote_walk_in_share
        && !(0..=100).contains(&share)
    {
        return Err(AppError::invalid(
            "remote_walk_in_share must be 0 to 100 (percent)",
        ));
    }
    let slot_length = match update.slot_length_s {
        Some(Some(v)) => Some(Some(check_slot_length(v)?)),
        other => other,
    };
    if let Some(v) = update.walk_in_share
        && !(0..=100).contains(&v)
    {
        return Err(AppError::invalid("walk_in_share must be 0 to 100 percent"));
    }
    let cap_given = update.remote_daily_cap.is_some();
    let share_given = update.remote_walk_in_share.is_some();
    write!(db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        let mut row = get(c, id).await?;
        let switching_remote_on = !row.remote_enabled && update.remote_enabled == Some(true);
        if let Some(v) = name {
            row.name = v;
        }
        if let Some(v) = names {
            row.names = v;
        }
        if let Some(v) = category {
            row.category = v;
        }
        if let Some(v) = category_names {
            row.category_names = v;
        }
        if let Some(v) = standard {
            row.standard_wait_s = v;
        }
        if let Some(v) = expected {
            row.expected_service_s = v;
        }
        if let Some(v) = update.priority_allowed {
            row.priority_allowed = v;
        }
        if let Some(v) = update.active {
            row.active = v;
        }
        if let Some(v) = update.remote_enabled {
            row.remote_enabled = v;
        }
        if let Some(v) = update.remote_daily_cap {
            row.remote_daily_cap = v;
        }
        if let Some(v) = update.remote_walk_in_share {
            row.remote_walk_in_share = v;
        }
        if switching_remote_on {
            crate::domain::remote::protective_defaults(&mut row, cap_given, share_given);
        }
        if let Some(v) = update.appointments_enabled {
            row.appointments_enabled = v;
        }
        if let Some(v) = slot_length {
            row.slot_length_s = v;
        }
        if let Some(v) = update.walk_in_share {
            row.walk_in_share = v;
        }
        sql::services::update(c, &row).await?;
        let payload = with_summary(c, &row).await?;
        events::append(
            c,
            out,
            NewEvent {
                branch_id,
                ticket_id: None,
                desk_id: None,
                data: events::EventData::ServiceUpdated(payload),
                actor,
                at: now,
            },
        )
        .await?;
        Ok(row)
    })
}
