//! The routes of [`crate::domain::users`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::{Principal, Role, hash_password, validate_password};
use crate::domain::branches;
use crate::domain::users::*;
use crate::error::{AppError, AppJson, AppPath, Result};
use crate::now_ms;
use crate::store::{Exec, q, read, write};

/// Lists the admins (admins only).
#[utoipa::path(get, path = "/api/v1/admins", tag = "users",
    responses((status = 200, body = Vec<User>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_admins(
    State(state): State<AppState>,
    who: Principal,
) -> Result<AppJson<Vec<User>>> {
    who.require_admin()?;
    let users: Vec<User> = read!(state.db, |c| {
        c.all(q("select id, branch_id, username, role, active, created_at from users where role = $1 order by username")
            .bind("admin"))
            .await
            .map_err(AppError::from)
    })?;
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
    let users: Vec<User> = read!(state.db, |c| {
        branches::get(c, branch_id).await?;
        c.all(q("select id, branch_id, username, role, active, created_at from users where branch_id = $1 order by username")
            .bind(branch_id))
            .await
            .map_err(AppError::from)
    })?;
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
            crate::domain::auth::bearer_token(&headers).map(|t| crate::domain::auth::token_hash(&t))
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
                let (stored,): (String,) = read!(state.db, |c| c
                    .one(q("select password_hash from users where id = $1").bind(id))
                    .await
                    .map_err(AppError::from))?;
                if !crate::domain::auth::verify_password(current, stored).await {
                    return Err(AppError::Forbidden("current_password is wrong"));
                }
            }
            Some(hash_password(p).await?)
        }
        None => None,
    };
    let actor = who.actor();
    let now = now_ms();
    let user = write!(state.db, |c, out| async move {
        if let Some(b) = user.branch_id {
            branches::lock(c, b).await?;
        }
        if let Some(hash) = hash {
            c.run(
                q("update users set password_hash = $2 where id = $1")
                    .bind(id)
                    .bind(hash),
            )
            .await?;
            // A new password ends every other session of the user.
            c.run(
                q("update sessions set revoked_at = $2 where user_id = $1 and revoked_at is null and token_hash <> $3")
                    .bind(id)
                    .bind(now)
                    .bind(own_session),
            )
            .await?;
        }
        if let Some(role) = update.role {
            c.run(
                q("update users set role = $2 where id = $1")
                    .bind(id)
                    .bind(role.as_str()),
            )
            .await?;
        }
        if let Some(active) = update.active {
            c.run(
                q("update users set active = $2 where id = $1")
                    .bind(id)
                    .bind(active),
            )
            .await?;
            if !active {
                c.run(q("update sessions set revoked_at = $2 where user_id = $1 and revoked_at is null")
                    .bind(id)
                    .bind(now))
                    .await?;
            }
        }
        let user = get(c, id).await?;
        record(c, out, &user, "user.updated", actor, now).await?;
        Ok(user)
    })?;
    Ok(AppJson(user))
}

/// User routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(list_admins))
}
