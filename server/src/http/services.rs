//! The routes of [`crate::domain::services`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::branches::{self, clean_name};
use crate::domain::services::*;
use crate::error::{AppError, AppJson, AppPath, Result};
use crate::events::{self, NewEvent};
use crate::now_ms;
use crate::store::{Exec, q, read, write};

/// Lists a branch's services.
#[utoipa::path(get, path = "/api/v1/branches/{id}/services", tag = "services",
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 200, body = Vec<Service>)))]
pub async fn list_services(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
) -> Result<AppJson<Vec<Service>>> {
    who.require_reader(branch_id)?;
    let rows = read!(state.db, |c| {
        branches::get(c, branch_id).await?;
        list(c, branch_id).await
    })?;
    Ok(AppJson(rows.iter().map(ServiceRow::to_api).collect()))
}

/// Creates a service (managers).
#[utoipa::path(post, path = "/api/v1/branches/{id}/services", tag = "services", request_body = NewService,
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 201, body = Service), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_service(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppJson(new): AppJson<NewService>,
) -> Result<(StatusCode, AppJson<Service>)> {
    who.require_manager(branch_id)?;
    let row = create(&state, branch_id, new, who.actor()).await?;
    Ok((StatusCode::CREATED, AppJson(row.to_api())))
}

/// Reads a service.
#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "services",
    params(("id" = i64, Path, description = "Service id")),
    responses((status = 200, body = Service), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_service(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Service>> {
    let row = read!(state.db, |c| get(c, id).await)?;
    who.require_reader(row.branch_id)?;
    Ok(AppJson(row.to_api()))
}

/// Changes a service (managers).
#[utoipa::path(patch, path = "/api/v1/services/{id}", tag = "services", request_body = ServiceUpdate,
    params(("id" = i64, Path, description = "Service id")),
    responses((status = 200, body = Service), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_service(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
    AppJson(update): AppJson<ServiceUpdate>,
) -> Result<AppJson<Service>> {
    let existing = read!(state.db, |c| get(c, id).await)?;
    who.require_manager(existing.branch_id)?;
    let name = update
        .name
        .as_deref()
        .map(|n| clean_name("name", n, 120))
        .transpose()?;
    let names = update.names.as_ref().map(clean_names).transpose()?;
    let category = update.category.as_deref().map(clean_category).transpose()?;
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
    let actor = who.actor();
    let now = now_ms();
    let branch_id = existing.branch_id;
    let cap_given = update.remote_daily_cap.is_some();
    let share_given = update.remote_walk_in_share.is_some();
    let row = write!(state.db, |c, out| async move {
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
        c.run(q("update services set name = $2, names = $3, category = $4, standard_wait_s = $5, expected_service_s = $6, priority_allowed = $7, active = $8,
                   remote_enabled = $9, remote_daily_cap = $10, remote_walk_in_share = $11,
                   appointments_enabled = $12, slot_length_s = $13, walk_in_share = $14 where id = $1")
            .bind(id)
            .bind(row.name.as_str())
            .bind(row.names.as_str())
            .bind(row.category.as_str())
            .bind(row.standard_wait_s)
            .bind(row.expected_service_s)
            .bind(row.priority_allowed)
            .bind(row.active)
            .bind(row.remote_enabled)
            .bind(row.remote_daily_cap)
            .bind(row.remote_walk_in_share)
            .bind(row.appointments_enabled)
            .bind(row.slot_length_s)
            .bind(row.walk_in_share))
            .await?;
        let payload = with_summary(c, &row).await?;
        events::append(
            c,
            out,
            NewEvent {
                branch_id,
                kind: "service.updated",
                ticket_id: None,
                desk_id: None,
                payload,
                actor,
                at: now,
            },
        )
        .await?;
        Ok(row)
    })?;
    Ok(AppJson(row.to_api()))
}

/// Service routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_services, create_service))
        .routes(routes!(get_service, update_service))
}
