//! The `desks` table and its allocation (`desk_services`): the columns a
//! [`Desk`] is read with, the statements that open, pause and close a desk
//! and move a ticket on and off it, and its weights per service.

use waitwell_proto::Desk;

use crate::store::{Exec, q};

/// The columns a [`Desk`] is read with, in its field order.
macro_rules! desk_columns {
    () => {
        "id, branch_id, name, names, status, pause_reason, calls_since_priority, current_ticket_id, user_id,
         active, created_at"
    };
}

/// A desk by id.
pub async fn get<C: Exec>(c: &mut C, id: i64) -> sqlx::Result<Option<Desk>> {
    c.opt(
        q(concat!(
            "select ",
            desk_columns!(),
            " from desks where id = $1"
        ))
        .bind(id),
    )
    .await
}

/// A branch's desks, by name.
pub async fn of_branch<C: Exec>(c: &mut C, branch_id: i64) -> sqlx::Result<Vec<Desk>> {
    c.all(
        q(concat!(
            "select ",
            desk_columns!(),
            " from desks where branch_id = $1 order by name"
        ))
        .bind(branch_id),
    )
    .await
}

/// Puts `ticket_id` at the desk, with the desk's interleave counter after
/// that call.
pub async fn set_current<C: Exec>(
    c: &mut C,
    desk_id: i64,
    ticket_id: i64,
    calls_since_priority: i64,
) -> sqlx::Result<u64> {
    c.run(
        q("update desks set current_ticket_id = $2, calls_since_priority = $3 where id = $1")
            .bind(desk_id)
            .bind(ticket_id)
            .bind(calls_since_priority),
    )
    .await
}

/// The desk has no ticket any more.
pub async fn clear_current<C: Exec>(c: &mut C, desk_id: i64) -> sqlx::Result<u64> {
    c.run(q("update desks set current_ticket_id = null where id = $1").bind(desk_id))
        .await
}

/// Whichever desk holds `ticket_id` lets it go (a cancelled or expired
/// ticket).
pub async fn release_ticket<C: Exec>(c: &mut C, ticket_id: i64) -> sqlx::Result<u64> {
    c.run(
        q("update desks set current_ticket_id = null where current_ticket_id = $1").bind(ticket_id),
    )
    .await
}

/// Whether another desk of the branch (not `except`) has this name.
pub async fn name_taken<C: Exec>(
    c: &mut C,
    branch_id: i64,
    name: &str,
    except: Option<i64>,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = c
        .opt(
            q("select id from desks where branch_id = $1 and name = $2 and id <> $3")
                .bind(branch_id)
                .bind(name)
                .bind(except.unwrap_or(0)),
        )
        .await?;
    Ok(row.is_some())
}

/// A new closed desk; returns its id.
pub async fn insert<C: Exec>(
    c: &mut C,
    branch_id: i64,
    name: &str,
    names: &str,
    now: i64,
) -> sqlx::Result<i64> {
    let (id,): (i64,) = c
        .one(
            q(
                "insert into desks (branch_id, name, names, status, active, created_at)
               values ($1, $2, $3, 'closed', $4, $5) returning id",
            )
            .bind(branch_id)
            .bind(name)
            .bind(names)
            .bind(true)
            .bind(now),
        )
        .await?;
    Ok(id)
}

/// Stores a desk's name, names and whether it is active.
pub async fn update<C: Exec>(c: &mut C, d: &Desk) -> sqlx::Result<u64> {
    c.run(
        q("update desks set name = $2, names = $3, active = $4 where id = $1")
            .bind(d.id)
            .bind(d.name.as_str())
            .bind(serde_json::to_string(&d.names).unwrap_or_else(|_| "{}".into()))
            .bind(d.active),
    )
    .await
}

/// Opens, pauses or closes a desk: its status, the pause's reason and the
/// clerk working there.
pub async fn set_status<C: Exec>(
    c: &mut C,
    desk_id: i64,
    status: &str,
    reason: Option<String>,
    user_id: Option<i64>,
) -> sqlx::Result<u64> {
    c.run(
        q("update desks set status = $2, pause_reason = $3, user_id = $4 where id = $1")
            .bind(desk_id)
            .bind(status)
            .bind(reason)
            .bind(user_id),
    )
    .await
}

/// A desk's allocation `(service, weight)`, every service, by service id.
pub async fn allocation<C: Exec>(c: &mut C, desk_id: i64) -> sqlx::Result<Vec<(i64, i64)>> {
    c.all(
        q("select service_id, weight from desk_services where desk_id = $1 order by service_id")
            .bind(desk_id),
    )
    .await
}

/// A desk's allocation among the active services only: what it calls for.
pub async fn active_weights<C: Exec>(c: &mut C, desk_id: i64) -> sqlx::Result<Vec<(i64, i64)>> {
    c.all(
        q("select ds.service_id, ds.weight from desk_services ds join services s on s.id = ds.service_id
           where ds.desk_id = $1 and s.active = $2 order by ds.service_id")
        .bind(desk_id)
        .bind(true),
    )
    .await
}

/// Replaces a desk's allocation.
pub async fn set_allocation<C: Exec>(
    c: &mut C,
    desk_id: i64,
    weights: &[(i64, i64)],
) -> sqlx::Result<()> {
    c.run(q("delete from desk_services where desk_id = $1").bind(desk_id))
        .await?;
    for &(service_id, weight) in weights {
        c.run(
            q("insert into desk_services (desk_id, service_id, weight) values ($1, $2, $3)")
                .bind(desk_id)
                .bind(service_id)
                .bind(weight),
        )
        .await?;
    }
    Ok(())
}
