//! The routes of [`crate::domain::branches`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use waitwell_queue::{parse_rollover, parse_timezone};

use crate::app::AppState;
use crate::domain::appointments::AppointmentSettingsUpdate;
use crate::domain::auth::Principal;
use crate::domain::branches::*;
use crate::error::{AppJson, AppPath, Result};
use crate::events::{self, NewEvent};
use crate::now_ms;
use crate::store::{Exec, q, read, write};

/// Lists branches the caller may see.
#[utoipa::path(get, path = "/api/v1/branches", tag = "branches",
    responses((status = 200, body = Vec<Branch>)))]
pub async fn list_branches(
    State(state): State<AppState>,
    who: Principal,
) -> Result<AppJson<Vec<Branch>>> {
    let rows = read!(state.db, |c| list(c).await)?;
    Ok(AppJson(
        rows.iter()
            .filter(|b| who.require_reader(b.id).is_ok())
            .map(BranchRow::to_api)
            .collect(),
    ))
}

/// Creates a branch (admins).
#[utoipa::path(post, path = "/api/v1/branches", tag = "branches", request_body = NewBranch,
    responses((status = 201, body = Branch), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_branch(
    State(state): State<AppState>,
    who: Principal,
    AppJson(new): AppJson<NewBranch>,
) -> Result<(StatusCode, AppJson<Branch>)> {
    who.require_admin()?;
    let row = create(&state, new, who.actor()).await?;
    Ok((StatusCode::CREATED, AppJson(row.to_api())))
}

/// Reads a branch.
#[utoipa::path(get, path = "/api/v1/branches/{id}", tag = "branches",
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 200, body = Branch), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_branch(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Branch>> {
    who.require_reader(id)?;
    let row = read!(state.db, |c| get(c, id).await)?;
    Ok(AppJson(row.to_api()))
}

/// Changes a branch (admins, and managers of the branch).
#[utoipa::path(patch, path = "/api/v1/branches/{id}", tag = "branches", request_body = BranchUpdate,
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 200, body = Branch), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_branch(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
    AppJson(update): AppJson<BranchUpdate>,
) -> Result<AppJson<Branch>> {
    who.require_manager(id)?;
    if update.active.is_some() {
        who.require_admin()?;
    }
    let name = update
        .name
        .as_deref()
        .map(|n| clean_name("name", n, 200))
        .transpose()?;
    if let Some(tz) = &update.timezone {
        parse_timezone(tz)?;
    }
    if let Some(r) = &update.rollover {
        parse_rollover(r)?;
    }
    let languages = update
        .languages
        .as_deref()
        .map(clean_languages)
        .transpose()?;
    if let Some(m) = &update.kiosk_message {
        clean_message(m)?;
    }
    if let Some(p) = update.policy {
        validate_policy(p)?;
    }
    let appointments = update
        .appointments
        .map(AppointmentSettingsUpdate::clean)
        .transpose()?;
    let actor = who.actor();
    let now = now_ms();
    let row = write!(state.db, |c, out| async move {
        let mut row = lock(c, id).await?;
        if let Some(name) = name {
            row.name = name;
        }
        if let Some(tz) = update.timezone {
            row.timezone = tz;
        }
        if let Some(r) = update.rollover {
            row.rollover = r;
        }
        if let Some(l) = languages {
            row.languages = l;
        }
        if let Some(m) = update.kiosk_message {
            row.kiosk_message = m;
        }
        if let Some(p) = update.policy {
            row.priority_credit_s = p.priority_credit_s;
            row.appointment_credit_s = p.appointment_credit_s;
            row.weight_step_s = p.weight_step_s;
            row.priority_interleave = i64::from(p.priority_interleave);
        }
        if let Some(a) = update.active {
            row.active = a;
        }
        if let Some(a) = appointments {
            a.apply(&mut row);
        }
        c.run(
            q("update branches set name = $2, timezone = $3, rollover = $4, languages = $5, kiosk_message = $6,
                 priority_credit_s = $7, appointment_credit_s = $8, weight_step_s = $9, priority_interleave = $10, active = $11,
                 opening_hours = $12, closed_dates = $13, appointment_grace_s = $14, appointment_late_policy = $15
               where id = $1")
            .bind(id)
            .bind(row.name.as_str())
            .bind(row.timezone.as_str())
            .bind(row.rollover.as_str())
            .bind(row.languages.as_str())
            .bind(row.kiosk_message.as_str())
            .bind(row.priority_credit_s)
            .bind(row.appointment_credit_s)
            .bind(row.weight_step_s)
            .bind(row.priority_interleave)
            .bind(row.active)
            .bind(row.opening_hours.as_str())
            .bind(row.closed_dates.as_str())
            .bind(row.appointment_grace_s)
            .bind(row.appointment_late_policy.as_str()),
        )
        .await?;
        events::append(
            c,
            out,
            NewEvent {
                branch_id: id,
                kind: "branch.updated",
                ticket_id: None,
                desk_id: None,
                payload: serde_json::to_value(row.to_api()).unwrap_or_default(),
                actor,
                at: now,
            },
        )
        .await?;
        get(c, id).await
    })?;
    Ok(AppJson(row.to_api()))
}

/// Branch routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_branches, create_branch))
        .routes(routes!(get_branch, update_branch))
}
