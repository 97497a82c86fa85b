//! The `branches` table: the columns a branch is read with and the reads
//! every write to a branch starts with.

use crate::domain::branches::BranchRow;
use crate::store::{Exec, q};

/// The columns a [`BranchRow`] is read with.
macro_rules! branch_columns {
    () => {
        "id, name, timezone, rollover, languages, kiosk_message, kiosk_messages, priority_credit_s,
         appointment_credit_s, weight_step_s, priority_interleave, active, event_seq, created_at,
         opening_hours, closed_dates, appointment_grace_s, appointment_late_policy"
    };
}

/// Locks the branch's row for the rest of the transaction (a no-op update,
/// which PostgreSQL serialises and SQLite's single writer needs no help
/// with) and reads it.
pub async fn lock<C: Exec>(c: &mut C, id: i64) -> sqlx::Result<Option<BranchRow>> {
    c.opt(
        q(concat!(
            "update branches set event_seq = event_seq where id = $1 returning ",
            branch_columns!()
        ))
        .bind(id),
    )
    .await
}

/// A branch by id.
pub async fn get<C: Exec>(c: &mut C, id: i64) -> sqlx::Result<Option<BranchRow>> {
    c.opt(
        q(concat!(
            "select ",
            branch_columns!(),
            " from branches where id = $1"
        ))
        .bind(id),
    )
    .await
}

/// Every branch, by id.
pub async fn list<C: Exec>(c: &mut C) -> sqlx::Result<Vec<BranchRow>> {
    c.all(q(concat!(
        "select ",
        branch_columns!(),
        " from branches order by id"
    )))
    .await
}
