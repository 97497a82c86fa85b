//! The `devices` table (kiosks and displays): the columns a [`Device`] is
//! read with, never its token's hash, and its statements. A device's token
//! is looked up when it signs in (`domain/auth.rs`).

use waitwell_proto::Device;

use crate::store::{Exec, q};

/// The columns a [`Device`] is read with.
macro_rules! device_columns {
    () => {
        "id, branch_id, kind, name, config, active, last_seen_at, created_at"
    };
}

/// A device by id.
pub async fn get<C: Exec>(c: &mut C, id: i64) -> sqlx::Result<Option<Device>> {
    c.opt(
        q(concat!(
            "select ",
            device_columns!(),
            " from devices where id = $1"
        ))
        .bind(id),
    )
    .await
}

/// A branch's devices, by id.
pub async fn of_branch<C: Exec>(c: &mut C, branch_id: i64) -> sqlx::Result<Vec<Device>> {
    c.all(
        q(concat!(
            "select ",
            device_columns!(),
            " from devices where branch_id = $1 order by id"
        ))
        .bind(branch_id),
    )
    .await
}

/// A new active device with its token's hash; returns its id.
pub async fn insert<C: Exec>(
    c: &mut C,
    branch_id: i64,
    kind: &str,
    name: &str,
    token_hash: &str,
    config: &str,
    now: i64,
) -> sqlx::Result<i64> {
    let (id,): (i64,) = c
        .one(
            q("insert into devices (branch_id, kind, name, token_hash, config, active, created_at)
               values ($1, $2, $3, $4, $5, $6, $7) returning id")
            .bind(branch_id)
            .bind(kind)
            .bind(name)
            .bind(token_hash)
            .bind(config)
            .bind(true)
            .bind(now),
        )
        .await?;
    Ok(id)
}

/// Stores a device's name, settings and whether it is active.
pub async fn update<C: Exec>(c: &mut C, d: &Device) -> sqlx::Result<u64> {
    c.run(
        q("update devices set name = $2, config = $3, active = $4 where id = $1")
            .bind(d.id)
            .bind(d.name.as_str())
            .bind(d.config.as_str())
            .bind(d.active),
    )
    .await
}

/// Gives a device a new token (by its hash); the old one stops working.
pub async fn set_token_hash<C: Exec>(c: &mut C, id: i64, token_hash: &str) -> sqlx::Result<u64> {
    c.run(
        q("update devices set token_hash = $2 where id = $1")
            .bind(id)
            .bind(token_hash),
    )
    .await
}

/// Records that the device was heard from at `now`.
pub async fn mark_seen<C: Exec>(c: &mut C, id: i64, now: i64) -> sqlx::Result<u64> {
    c.run(
        q("update devices set last_seen_at = $2 where id = $1")
            .bind(id)
            .bind(now),
    )
    .await
}
