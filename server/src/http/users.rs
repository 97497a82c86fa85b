//! The routes of [`crate::domain::users`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::{Principal, Role, hash_password, validate_password};
use crate::domain::users::*;
use crate::error::{AppError, Result};
use crate::http::extract::{AppJson, AppPath};
use crate::now_ms;
use crate::store::read;

/// Lists the admins (admins only).
#[utoipa::path(get, path = "/api/v1/admins", tag = "users",
    responses((status = 200, body = Vec<User>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_admins(
    State(state): State<AppState>,
    who: Principal,
) -> Result<AppJson<Vec<User>>> {
    who.require_admin()?;
    let users = admins(&state.db).await?;
    Ok(AppJson(users))
}

/// Lists a branch's users (managers).
#[utoipa::path(get, path = "/api/v1/branches/{id}/users", tag = "users",
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 200, body = Vec<User>)))]
pub async fn list_users(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
) -> Result<AppJson<Vec<User>>> {
    who.require_manager(branch_id)?;
    let users = of_branch(&state.db, branch_id).await?;
    Ok(AppJson(users))
}

/// Creates a user in a branch (managers; admins for the admin role).
#[utoipa::path(post, path = "/api/v1/branches/{id}/users", tag = "users", request_body = NewUser,
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 201, body = User), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppJson(new): AppJson<NewUser>,
) -> Result<(StatusCode, AppJson<User>)> {
    who.require_manager(branch_id)?;
    may_grant(&who, new.role)?;
    let user = create(&state.db, Some(branch_id), new, who.actor()).await?;
    Ok((StatusCode::CREATED, AppJson(user)))
}

/// Reads a user (the user, managers of the branch, admins).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = User), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<User>> {
    let user = read!(state.db, |c| get(c, id).await)?;
    check_access(&who, &user)?;
    Ok(AppJson(user))
}

/// Changes a user: password (the user themself too), role, active.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserUpdate,
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = User), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
    headers: axum::http::HeaderMap,
    AppJson(update): AppJson<UserUpdate>,
) -> Result<AppJson<User>> {
    // The session a user changes their own password with stays open.
    let own_session = (who.user_id() == Some(id))
        .then(|| {
            crate::http::extract::bearer_token(&headers)
                .map(|t| crate::domain::auth::token_hash(&t))
        })
        .flatten()
        .unwrap_or_default();
    let user = read!(state.db, |c| get(c, id).await)?;
    check_access(&who, &user)?;
    if update.role.is_some() || update.active.is_some() {
        // Changing roles or access is for managers and admins, never for
        // oneself (no self-promotion, no locking oneself out).
        if who.user_id() == Some(id) {
            return Err(AppError::Forbidden(
                "you cannot change your own role or access",
            ));
        }
        match user.branch_id {
            Some(b) => who.require_manager(b)?,
            None => who.require_admin()?,
        }
    }
    if let Some(role) = update.role {
        may_grant(&who, role)?;
        if (role == Role::Admin) != (user.role == "admin") {
            return Err(AppError::invalid(
                "admins have no branch: create a new user instead of changing to or from admin",
            ));
        }
    }
    let hash = match update.password {
        Some(p) => {
            validate_password(&p)?;
            if who.user_id() == Some(id) {
                // A session left open on a shared desk PC must not be
                // enough to take the account over.
                let current = update.current_password.ok_or_else(|| {
                    AppError::invalid("current_password is required to change your own password")
                })?;
                let stored = password_hash(&state.db, id).await?;
                if !crate::domain::auth::verify_password(current, stored).await {
                    return Err(AppError::Forbidden("current_password is wrong"));
                }
            }
            Some(hash_password(p).await?)
        }
        None => None,
    };
    let change = Change {
        password_hash: hash,
        role: update.role,
        active: update.active,
    };
    let user = apply(&state.db, &user, change, own_session, who.actor(), now_ms()).await?;
    Ok(AppJson(user))
}

/// User routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(list_admins))
}
