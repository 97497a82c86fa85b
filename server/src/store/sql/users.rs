//! The `users` table (and the sessions a user change ends): the columns a
//! [`User`] is read with, never the password hash, and the statements of
//! the management API. Signing in reads its own columns (`domain/auth.rs`).

use waitwell_proto::User;

use crate::store::{Exec, q};

/// The columns a [`User`] is read with.
macro_rules! user_columns {
    () => {
        "id, branch_id, username, role, active, created_at"
    };
}

/// A user by id.
pub async fn get<C: Exec>(c: &mut C, id: i64) -> sqlx::Result<Option<User>> {
    c.opt(
        q(concat!(
            "select ",
            user_columns!(),
            " from users where id = $1"
        ))
        .bind(id),
    )
    .await
}

/// Every user with `role`, by user name.
pub async fn with_role<C: Exec>(c: &mut C, role: &str) -> sqlx::Result<Vec<User>> {
    c.all(
        q(concat!(
            "select ",
            user_columns!(),
            " from users where role = $1 order by username"
        ))
        .bind(role),
    )
    .await
}

/// A branch's users, by user name.
pub async fn of_branch<C: Exec>(c: &mut C, branch_id: i64) -> sqlx::Result<Vec<User>> {
    c.all(
        q(concat!(
            "select ",
            user_columns!(),
            " from users where branch_id = $1 order by username"
        ))
        .bind(branch_id),
    )
    .await
}

/// How many users there are.
pub async fn count<C: Exec>(c: &mut C) -> sqlx::Result<i64> {
    let (n,): (i64,) = c.one(q("select count(*) from users")).await?;
    Ok(n)
}

/// Whether a user has this name (names are unique across branches).
pub async fn name_taken<C: Exec>(c: &mut C, username: &str) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = c
        .opt(q("select id from users where username = $1").bind(username))
        .await?;
    Ok(row.is_some())
}

/// A new active user; returns its id.
pub async fn insert<C: Exec>(
    c: &mut C,
    branch_id: Option<i64>,
    username: &str,
    password_hash: &str,
    role: &str,
    now: i64,
) -> sqlx::Result<i64> {
    let (id,): (i64,) = c
        .one(
            q(
                "insert into users (branch_id, username, password_hash, role, active, created_at)
               values ($1, $2, $3, $4, $5, $6) returning id",
            )
            .bind(branch_id)
            .bind(username)
            .bind(password_hash)
            .bind(role)
            .bind(true)
            .bind(now),
        )
        .await?;
    Ok(id)
}

/// A user's stored password hash.
pub async fn password_hash<C: Exec>(c: &mut C, id: i64) -> sqlx::Result<String> {
    let (hash,): (String,) = c
        .one(q("select password_hash from users where id = $1").bind(id))
        .await?;
    Ok(hash)
}

/// Stores a new password hash.
pub async fn set_password_hash<C: Exec>(c: &mut C, id: i64, hash: &str) -> sqlx::Result<u64> {
    c.run(
        q("update users set password_hash = $2 where id = $1")
            .bind(id)
            .bind(hash),
    )
    .await
}

/// Changes a user's role.
pub async fn set_role<C: Exec>(c: &mut C, id: i64, role: &str) -> sqlx::Result<u64> {
    c.run(
        q("update users set role = $2 where id = $1")
            .bind(id)
            .bind(role),
    )
    .await
}

/// (De)activates a user.
pub async fn set_active<C: Exec>(c: &mut C, id: i64, active: bool) -> sqlx::Result<u64> {
    c.run(
        q("update users set active = $2 where id = $1")
            .bind(id)
            .bind(active),
    )
    .await
}

/// Ends the user's open sessions, all but the one whose token hash is
/// `keep` (`None`: all of them).
pub async fn revoke_sessions<C: Exec>(
    c: &mut C,
    user_id: i64,
    now: i64,
    keep: Option<&str>,
) -> sqlx::Result<u64> {
    c.run(
        q("update sessions set revoked_at = $2
           where user_id = $1 and revoked_at is null and token_hash <> $3")
        .bind(user_id)
        .bind(now)
        .bind(keep.unwrap_or("")),
    )
    .await
}
