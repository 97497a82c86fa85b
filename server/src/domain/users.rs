//! Users: admins, managers and clerks, with argon2-hashed passwords.
//!
//! Admins belong to no branch and act on all; managers and clerks belong to
//! one. Managers create and manage the clerks and managers of their branch;
//! only admins create admins.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::{Principal, Role, hash_password, validate_password};
use crate::domain::branches;
use crate::error::{AppError, AppJson, AppPath, Result};
use crate::events::{self, Actor, NewEvent};
use crate::now_ms;
use crate::store::{Exec, q, read, write};

/// A user (never with the password hash).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, serde::Deserialize, ToSchema)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Home branch; null for admins.
    pub branch_id: Option<i64>,
    /// Sign-in name.
    pub username: String,
    /// admin, manager or clerk.
    pub role: String,
    /// Inactive users cannot sign in.
    pub active: bool,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
}

/// Reads a user.
///
/// # Errors
/// NotFound.
pub async fn get<C: Exec>(c: &mut C, id: i64) -> Result<User> {
    c.opt(
        q("select id, branch_id, username, role, active, created_at from users where id = $1")
            .bind(id),
    )
    .await?
    .ok_or(AppError::NotFound("user"))
}

/// Number of users.
///
/// # Errors
/// Database errors.
pub async fn count<C: Exec>(c: &mut C) -> Result<i64> {
    let (n,): (i64,) = c.one(q("select count(*) from users")).await?;
    Ok(n)
}

/// New user.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 3 to 64 characters: letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// 10 to 256 characters, not one of the most common passwords.
    pub password: String,
    /// admin, manager or clerk.
    pub role: Role,
}

/// Changes to a user; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    /// New password.
    pub password: Option<String>,
    /// The current password: required when users change their own.
    pub current_password: Option<String>,
    /// New role (not admin unless the caller is an admin).
    pub role: Option<Role>,
    /// Active flag; deactivating also ends the user's sessions.
    pub active: Option<bool>,
}

fn clean_username(name: &str) -> Result<String> {
    let ok = (3..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(AppError::invalid(
            "username must be 3 to 64 characters: letters, digits, '.', '_' or '-'",
        ))
    }
}

/// Creates a user; used by the API, the CLI and start-up.
///
/// # Errors
/// Validation errors, a taken user name.
pub async fn create(
    db: &crate::store::Db,
    branch_id: Option<i64>,
    new: NewUser,
    actor: Actor,
) -> Result<User> {
    let username = clean_username(&new.username)?;
    validate_password(&new.password)?;
    let branch_id = if new.role == Role::Admin {
        None
    } else {
        branch_id
    };
    if new.role != Role::Admin && branch_id.is_none() {
        return Err(AppError::invalid("managers and clerks belong to a branch"));
    }
    let hash = hash_password(new.password).await?;
    let now = now_ms();
    let role = new.role.as_str();
    write!(db, |c, out| async move {
        if let Some(b) = branch_id {
            branches::lock(c, b).await?;
        }
        let taken: Option<(i64,)> = c
            .opt(q("select id from users where username = $1").bind(username.as_str()))
            .await?;
        if taken.is_some() {
            return Err(AppError::conflict(format!("user name {username} is taken")));
        }
        let (id,): (i64,) = c
            .one(q("insert into users (branch_id, username, password_hash, role, active, created_at)
                    values ($1, $2, $3, $4, $5, $6) returning id")
                .bind(branch_id)
                .bind(username)
                .bind(hash)
                .bind(role)
                .bind(true)
                .bind(now))
            .await?;
        let user = get(c, id).await?;
        record(c, out, &user, "user.created", actor, now).await?;
        Ok(user)
    })
}

/// Appends a user event: to the user's branch's log, or for an admin (who
/// acts on every branch) to every branch's log, so that creating, changing,
/// deactivating and reactivating admins is on record wherever they act.
async fn record<C: Exec>(
    c: &mut C,
    out: &mut events::Outbox,
    user: &User,
    kind: &str,
    actor: Actor,
    now: i64,
) -> Result<()> {
    let branch_ids: Vec<i64> = match user.branch_id {
        Some(b) => vec![b],
        None => {
            let rows: Vec<(i64,)> = c.all(q("select id from branches order by id")).await?;
            rows.into_iter().map(|(id,)| id).collect()
        }
    };
    for branch_id in branch_ids {
        events::append(
            c,
            out,
            NewEvent {
                branch_id,
                kind,
                ticket_id: None,
                desk_id: None,
                payload: serde_json::to_value(user).unwrap_or_default(),
                actor,
                at: now,
            },
        )
        .await?;
    }
    Ok(())
}

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

fn may_grant(who: &Principal, role: Role) -> Result<()> {
    if role == Role::Admin {
        who.require_admin()
    } else {
        Ok(())
    }
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

fn check_access(who: &Principal, user: &User) -> Result<()> {
    if who.user_id() == Some(user.id) {
        return Ok(());
    }
    match user.branch_id {
        Some(b) => who.require_manager(b),
        None => who.require_admin(),
    }
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
