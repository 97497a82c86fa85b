//! Users: admins, managers and clerks, with argon2-hashed passwords.
//!
//! Admins belong to no branch and act on all; managers and clerks belong to
//! one. Managers create and manage the clerks and managers of their branch;
//! only admins create admins.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::auth::{Principal, Role, hash_password, validate_password};
use crate::domain::branches;
use crate::error::{AppError, Result};
use crate::events::{self, Actor, NewEvent};
use crate::now_ms;
use crate::store::Db;
use crate::store::read;
use crate::store::{Exec, sql, write};

pub use waitwell_proto::User;

/// Reads a user.
///
/// # Errors
/// NotFound.
pub async fn get<C: Exec>(c: &mut C, id: i64) -> Result<User> {
    sql::users::get(c, id)
        .await?
        .ok_or(AppError::NotFound("user"))
}

/// Number of users.
///
/// # Errors
/// Database errors.
pub async fn count<C: Exec>(c: &mut C) -> Result<i64> {
    Ok(sql::users::count(c).await?)
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
        if sql::users::name_taken(c, &username).await? {
            return Err(AppError::conflict(format!("user name {username} is taken")));
        }
        let id = sql::users::insert(c, branch_id, &username, &hash, role, now).await?;
        let user = get(c, id).await?;
        record(c, out, &user, events::EventData::UserCreated, actor, now).await?;
        Ok(user)
    })
}

/// Appends a user event: to the user's branch's log, or for an admin (who
/// acts on every branch) to every branch's log, so that creating, changing,
/// deactivating and reactivating admins is on record wherever they act.
pub(crate) async fn record<C: Exec>(
    c: &mut C,
    out: &mut events::Outbox,
    user: &User,
    event: fn(User) -> events::EventData,
    actor: Actor,
    now: i64,
) -> Result<()> {
    let branch_ids: Vec<i64> = match user.branch_id {
        Some(b) => vec![b],
        None => {
            let branches = sql::branches::list(c).await?;
            branches.into_iter().map(|b| b.id).collect()
        }
    };
    for branch_id in branch_ids {
        events::append(
            c,
            out,
            NewEvent {
                branch_id,
                ticket_id: None,
                desk_id: None,
                data: event(user.clone()),
                actor,
                at: now,
            },
        )
        .await?;
    }
    Ok(())
}

pub(crate) fn may_grant(who: &Principal, role: Role) -> Result<()> {
    if role == Role::Admin {
        who.require_admin()
    } else {
        Ok(())
    }
}

pub(crate) fn check_access(who: &Principal, user: &User) -> Result<()> {
    if who.user_id() == Some(user.id) {
        return Ok(());
    }
    match user.branch_id {
        Some(b) => who.require_manager(b),
        None => who.require_admin(),
    }
}

/// The admins, by user name.
///
/// # Errors
/// Database errors.
pub async fn admins(db: &Db) -> Result<Vec<User>> {
    read!(db, |c| {
        sql::users::with_role(c, Role::Admin.as_str())
            .await
            .map_err(AppError::from)
    })
}

/// A branch's users, by user name.
///
/// # Errors
/// NotFound for an unknown branch.
pub async fn of_branch(db: &Db, branch_id: i64) -> Result<Vec<User>> {
    read!(db, |c| {
        branches::get(c, branch_id).await?;
        sql::users::of_branch(c, branch_id)
            .await
            .map_err(AppError::from)
    })
}

/// A user's stored password hash.
///
/// # Errors
/// NotFound.
pub async fn password_hash(db: &Db, id: i64) -> Result<String> {
    read!(db, |c| sql::users::password_hash(c, id)
        .await
        .map_err(AppError::from))
}

/// What [`apply`] changes of a user, each checked by the caller.
#[derive(Debug, Default)]
pub struct Change {
    /// A new password's hash: ends every other session of the user.
    pub password_hash: Option<String>,
    /// A new role.
    pub role: Option<Role>,
    /// Access on or off; off ends every session of the user.
    pub active: Option<bool>,
}

/// Stores a checked change of a user with a `user.updated` event. The
/// session `own_session` (a token hash, or empty) stays open when the
/// password changes.
///
/// # Errors
/// NotFound.
pub async fn apply(
    db: &Db,
    user: &User,
    change: Change,
    own_session: String,
    actor: Actor,
    now: i64,
) -> Result<User> {
    let (id, branch_id) = (user.id, user.branch_id);
    write!(db, |c, out| async move {
        if let Some(b) = branch_id {
            branches::lock(c, b).await?;
        }
        if let Some(hash) = change.password_hash {
            sql::users::set_password_hash(c, id, &hash).await?;
            // A new password ends every other session of the user.
            sql::users::revoke_sessions(c, id, now, Some(&own_session)).await?;
        }
        if let Some(role) = change.role {
            sql::users::set_role(c, id, role.as_str()).await?;
        }
        if let Some(active) = change.active {
            sql::users::set_active(c, id, active).await?;
            if !active {
                sql::users::revoke_sessions(c, id, now, None).await?;
            }
        }
        let user = get(c, id).await?;
        record(c, out, &user, events::EventData::UserUpdated, actor, now).await?;
        Ok(user)
    })
}
