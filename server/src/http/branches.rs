//! The routes of [`crate::domain::branches`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::branches::*;
use crate::error::{AppError, Result};
use crate::http::extract::{AppJson, AppPath};
use crate::now_ms;
use crate::store::read;

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
    let branch = state
        .db
        .model(id)
        .await?
        .with(|m| m.branch().to_api())
        .ok_or(AppError::NotFound("branch"))?;
    Ok(AppJson(branch))
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
    let row = update_settings(&state.db, id, update, who.actor(), now_ms()).await?;
    Ok(AppJson(row.to_api()))
}

/// Branch routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_branches, create_branch))
        .routes(routes!(get_branch, update_branch))
}
