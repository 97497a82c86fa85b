//! Desks: service points, their allocation (which services each serves, by
//! weight) and the clerk's actions at a desk.
//!
//! A clerk opens a desk and is then the only clerk who may act on it until
//! it is closed; managers and admins may act on any desk of their branch.
use std::collections::BTreeMap;

use serde::Deserialize;
use utoipa::ToSchema;
use waitwell_queue::{DeskStatus, MAX_WEIGHT};

use crate::app::AppState;
use crate::domain::auth::{Principal, Role};
use crate::domain::branches::{self, clean_name, clean_texts};
use crate::domain::services;
use crate::domain::tickets::{self, DeskActor};
use crate::error::{AppError, Result};
use crate::events::Actor;
use crate::events::{self, EventData, NewEvent, Outbox};
use crate::now_ms;
use crate::store::Db;
use crate::store::{Exec, read, sql, write};
use waitwell_proto::{DeskChange, DeskEntry};

pub use waitwell_proto::Desk as DeskRow;

/// Reads a desk.
///
/// # Errors
/// NotFound.
pub async fn get<C: Exec>(c: &mut C, id: i64) -> Result<DeskRow> {
    sql::desks::get(c, id)
        .await?
        .ok_or(AppError::NotFound("desk"))
}

/// The seq of a branch's latest event.
///
/// # Errors
/// NotFound.
pub async fn branch_head<C: Exec>(c: &mut C, branch_id: i64) -> Result<i64> {
    let branch = sql::branches::get(c, branch_id)
        .await?
        .ok_or(AppError::NotFound("branch"))?;
    Ok(branch.event_seq)
}

/// A desk's allocation as (service id, weight), active services only.
///
/// # Errors
/// Database errors.
pub async fn weights<C: Exec>(c: &mut C, desk_id: i64) -> Result<Vec<(i64, u32)>> {
    let rows = sql::desks::active_weights(c, desk_id).await?;
    Ok(rows
        .into_iter()
        .map(|(s, w)| (s, u32::try_from(w).unwrap_or(1).clamp(1, MAX_WEIGHT)))
        .collect())
}

pub use waitwell_proto::Allocation;

/// New desk.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDesk {
    /// Name, unique in the branch.
    pub name: String,
    /// The name visitors read, per language tag (1 to 80 characters each).
    pub names: Option<BTreeMap<String, String>>,
}

/// Changes to a desk.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskUpdate {
    /// Name.
    pub name: Option<String>,
    /// The name visitors read, per language tag (replaces all; 1 to 80
    /// characters each).
    pub names: Option<BTreeMap<String, String>>,
    /// Active.
    pub active: Option<bool>,
}

/// Creates a desk; used by the API and the demo seed.
///
/// # Errors
/// Validation errors, a taken name.
pub async fn create(
    db: &crate::store::Db,
    branch_id: i64,
    new: NewDesk,
    actor: events::Actor,
) -> Result<DeskRow> {
    let name = clean_name("name", &new.name, 80)?;
    let names = clean_texts("names", &new.names.unwrap_or_default(), 80)?;
    let now = now_ms();
    write!(db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        if sql::desks::name_taken(c, branch_id, &name, None).await? {
            return Err(AppError::conflict(format!(
                "a desk named {name} exists already"
            )));
        }
        let id = sql::desks::insert(c, branch_id, &name, &names, now).await?;
        let desk = get(c, id).await?;
        desk_event(c, out, &desk, EventData::DeskCreated, actor, now, None, &[]).await?;
        Ok(desk)
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn desk_event<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    desk: &DeskRow,
    event: fn(DeskChange) -> EventData,
    actor: events::Actor,
    now: i64,
    allocation: Option<Vec<Allocation>>,
    more_services: &[i64],
) -> Result<()> {
    // Opening, pausing or re-allocating a desk changes the estimated waits
    // of the services it serves: carry their new summaries.
    let mut ids: Vec<i64> = weights(c, desk.id)
        .await?
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    ids.extend_from_slice(more_services);
    ids.sort_unstable();
    ids.dedup();
    let mut services = Vec::new();
    for service_id in ids {
        services.push(tickets::service_summary(c, service_id).await?);
    }
    events::append(
        c,
        out,
        NewEvent {
            branch_id: desk.branch_id,
            ticket_id: None,
            desk_id: Some(desk.id),
            data: event(DeskChange {
                desk: DeskEntry::Staff(desk.clone()),
                services,
                allocation,
            }),
            actor,
            at: now,
        },
    )
    .await
}

/// Replaces a desk's allocation; used by the API and the demo seed.
///
/// # Errors
/// Weights out of range, duplicate or foreign services.
pub async fn set_allocation(
    db: &crate::store::Db,
    desk_id: i64,
    allocation: Vec<Allocation>,
    actor: events::Actor,
) -> Result<Vec<Allocation>> {
    let mut seen = std::collections::HashSet::new();
    for a in &allocation {
        if !(1..=MAX_WEIGHT).contains(&a.weight) {
            return Err(AppError::invalid(format!(
                "weight must be 1 to {MAX_WEIGHT}; leave a service out to not serve it"
            )));
        }
        if !seen.insert(a.service_id) {
            return Err(AppError::invalid(format!(
                "service {} is listed twice",
                a.service_id
            )));
        }
    }
    if allocation.len() > 200 {
        return Err(AppError::invalid("a desk serves at most 200 services"));
    }
    let now = now_ms();
    write!(db, |c, out| async move {
        let desk = get(c, desk_id).await?;
        branches::lock(c, desk.branch_id).await?;
        for a in &allocation {
            let s = services::get(c, a.service_id).await.map_err(|_| {
                AppError::invalid(format!("service {} does not exist", a.service_id))
            })?;
            if s.branch_id != desk.branch_id {
                return Err(AppError::invalid(format!(
                    "service {} belongs to another branch",
                    a.service_id
                )));
            }
        }
        let before: Vec<i64> = allocation_of(c, desk_id)
            .await?
            .iter()
            .map(|a| a.service_id)
            .collect();
        let weights: Vec<(i64, i64)> = allocation
            .iter()
            .map(|a| (a.service_id, i64::from(a.weight)))
            .collect();
        sql::desks::set_allocation(c, desk_id, &weights).await?;
        let stored = allocation_of(c, desk_id).await?;
        desk_event(
            c,
            out,
            &desk,
            EventData::DeskAllocationChanged,
            actor,
            now,
            Some(stored.clone()),
            &before,
        )
        .await?;
        Ok(stored)
    })
}

pub(crate) async fn allocation_of<C: Exec>(c: &mut C, desk_id: i64) -> Result<Vec<Allocation>> {
    let rows = sql::desks::allocation(c, desk_id).await?;
    Ok(rows
        .into_iter()
        .map(|(service_id, weight)| Allocation {
            service_id,
            weight: u32::try_from(weight).unwrap_or(1),
        })
        .collect())
}

/// Locks the desk's branch and reads the desk again under the lock, for an
/// action at the desk: refused when the desk is deactivated or staffed by
/// another clerk (managers and admins may act at any desk). Every desk
/// action, status changes and calls alike, starts here.
///
/// # Errors
/// NotFound; Conflict for a deactivated desk or another clerk's desk.
pub(crate) async fn lock_for_action<C: Exec>(
    c: &mut C,
    who: &DeskActor,
) -> Result<(branches::BranchRow, DeskRow)> {
    let desk = get(c, who.desk_id).await?;
    let branch = branches::lock(c, desk.branch_id).await?;
    // Re-read under the lock: the first read only told us which branch.
    let desk = get(c, who.desk_id).await?;
    if !desk.active {
        return Err(AppError::conflict(format!("{} is deactivated", desk.name)));
    }
    if !who.supervisor && desk.user_id.is_some() && desk.user_id != who.user_id {
        return Err(AppError::conflict(format!(
            "{} is staffed by another clerk",
            desk.name
        )));
    }
    Ok((branch, desk))
}

/// The caller as a desk actor, after checking they are staff of the desk's branch.
pub(crate) async fn desk_actor(
    state: &AppState,
    who: &Principal,
    desk_id: i64,
) -> Result<DeskActor> {
    let desk = read!(state.db, |c| get(c, desk_id).await)?;
    who.require_staff(desk.branch_id)?;
    let supervisor = matches!(
        who,
        Principal::User {
            role: Role::Admin | Role::Manager,
            ..
        }
    );
    Ok(DeskActor {
        desk_id,
        branch_id: desk.branch_id,
        actor: who.actor(),
        user_id: who.user_id(),
        supervisor,
        now: now_ms(),
    })
}

/// Body of `pause`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    /// Why (shown to managers), 1 to 200 characters.
    pub reason: String,
}

pub(crate) async fn set_status(
    state: &AppState,
    who: DeskActor,
    status: DeskStatus,
    reason: Option<String>,
) -> Result<DeskRow> {
    write!(state.db, |c, out| async move {
        let (_, desk) = lock_for_action(c, &who).await?;
        if status == DeskStatus::Closed && desk.current_ticket_id.is_some() {
            return Err(AppError::conflict(format!(
                "{} still has a ticket: finish, mark no-show, park or transfer it first",
                desk.name
            )));
        }
        if status == DeskStatus::Paused && desk.status()? == DeskStatus::Closed {
            return Err(AppError::conflict(format!(
                "{} is closed; open it first",
                desk.name
            )));
        }
        let user_id = match status {
            DeskStatus::Closed => None,
            // Opening by a clerk takes the desk; a manager opening keeps
            // whoever staffed it.
            _ if who.supervisor => desk.user_id,
            _ => who.user_id,
        };
        let kind = match status {
            DeskStatus::Open => EventData::DeskOpened,
            DeskStatus::Paused => EventData::DeskPaused,
            DeskStatus::Closed => EventData::DeskClosed,
        };
        sql::desks::set_status(c, desk.id, status.as_str(), reason, user_id).await?;
        let desk = get(c, desk.id).await?;
        desk_event(c, out, &desk, kind, who.actor, who.now, None, &[]).await?;
        Ok(desk)
    })
}

/// Body of `call`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    /// The ticket to call (waiting or parked).
    pub ticket_id: i64,
    /// Why out of turn; recorded and reported. 1 to 500 characters.
    pub reason: String,
}

/// Body of `finish`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishRequest {
    /// Outcome, up to 200 characters (e.g. "passport handed over").
    pub outcome: Option<String>,
}

/// Body of `transfer`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// Target service.
    pub service_id: i64,
}

/// A branch's desks, by name.
///
/// # Errors
/// NotFound for an unknown branch.
pub async fn list(db: &Db, branch_id: i64) -> Result<Vec<DeskRow>> {
    read!(db, |c| {
        branches::get(c, branch_id).await?;
        of_branch(c, branch_id).await
    })
}

/// A branch's desks, by name, in a transaction of the caller's.
///
/// # Errors
/// Database errors.
pub async fn of_branch<C: Exec>(c: &mut C, branch_id: i64) -> Result<Vec<DeskRow>> {
    Ok(sql::desks::of_branch(c, branch_id).await?)
}

/// Renames or (de)activates a desk: a name must be free in the branch, and
/// only a closed desk can be deactivated.
///
/// # Errors
/// Validation errors; Conflict; NotFound.
pub async fn edit(
    db: &Db,
    branch_id: i64,
    id: i64,
    update: DeskUpdate,
    actor: Actor,
    now: i64,
) -> Result<DeskRow> {
    let name = update
        .name
        .as_deref()
        .map(|n| clean_name("name", n, 80))
        .transpose()?;
    let names = update
        .names
        .as_ref()
        .map(|n| clean_texts("names", n, 80))
        .transpose()?;
    write!(db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        let mut d = get(c, id).await?;
        if let Some(names) = names {
            d.names = serde_json::from_str(&names).unwrap_or_default();
        }
        if let Some(name) = name {
            if sql::desks::name_taken(c, d.branch_id, &name, Some(id)).await? {
                return Err(AppError::conflict(format!(
                    "a desk named {name} exists already"
                )));
            }
            d.name = name;
        }
        if let Some(active) = update.active {
            if !active && d.status()? != DeskStatus::Closed {
                return Err(AppError::conflict(format!(
                    "close {} before deactivating it",
                    d.name
                )));
            }
            d.active = active;
        }
        sql::desks::update(c, &d).await?;
        desk_event(c, out, &d, EventData::DeskUpdated, actor, now, None, &[]).await?;
        Ok(d)
    })
}
