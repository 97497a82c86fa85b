//! The `desks` table: the columns a [`Desk`] is read with and the
//! statements that move a ticket on and off a desk.

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
