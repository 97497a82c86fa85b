//! The routes of [`crate::domain::services`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::branches::{self};
use crate::domain::services::*;
use crate::error::Result;
use crate::http::extract::{AppJson, AppPath};
use crate::now_ms;
use crate::store::read;

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
    let row = edit(
        &state.db,
        existing.branch_id,
        id,
        update,
        who.actor(),
        now_ms(),
    )
    .await?;
    Ok(AppJson(row.to_api()))
}

/// Service routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_services, create_service))
        .routes(routes!(get_service, update_service))
}
