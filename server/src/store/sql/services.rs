//! The `services` table's statements on the ticket path: its waiting
//! counter and the load a service is under, read by the same subqueries
//! wherever it is read.

use crate::store::{Exec, q};

/// The subqueries that measure a service's load: open desks serving the
/// service (`$1` is the service, `$2` is `true`), and the average duration
/// of its last 20 finished tickets.
macro_rules! load_columns {
    () => {
        "(select count(*) from desks d join desk_services ds on ds.desk_id = d.id
            where ds.service_id = $1 and d.status = 'open' and d.active = $2) as open_desks,
          (select cast(avg(x) as double precision) from (
            select finished_at - coalesce(started_at, called_at) as x from tickets
            where service_id = $1 and status = 'done' order by finished_at desc, id desc limit 20) s) as avg_ms"
    };
}

/// A service's waiting counter and load.
#[derive(Debug, Clone, Copy, sqlx::FromRow, serde::Deserialize)]
pub struct LoadRow {
    /// Tickets waiting.
    pub waiting: i64,
    /// The configured expected duration, seconds.
    pub expected_service_s: i64,
    /// Open desks serving it.
    pub open_desks: i64,
    /// Mean duration of its last 20 finished tickets, ms.
    pub avg_ms: Option<f64>,
}

/// The service's waiting counter and load.
pub async fn load<C: Exec>(c: &mut C, service_id: i64) -> sqlx::Result<LoadRow> {
    c.one(
        q(concat!(
            "select waiting, expected_service_s, ",
            load_columns!(),
            " from services where id = $1"
        ))
        .bind(service_id)
        .bind(true),
    )
    .await
}

/// Moves the waiting counter by `delta`.
pub async fn adjust_waiting<C: Exec>(c: &mut C, service_id: i64, delta: i64) -> sqlx::Result<u64> {
    c.run(
        q("update services set waiting = waiting + $2 where id = $1")
            .bind(service_id)
            .bind(delta),
    )
    .await
}

/// What issuing reads of the service, together with its new waiting count
/// and its load.
#[derive(Debug, sqlx::FromRow, serde::Deserialize)]
pub struct IssuingService {
    pub id: i64,
    pub branch_id: i64,
    pub code: String,
    pub priority_allowed: bool,
    pub active: bool,
    /// Waiting, the new ticket counted.
    pub waiting: i64,
    pub expected_service_s: i64,
    pub open_desks: i64,
    pub avg_ms: Option<f64>,
}

/// Counts one more ticket in and reads what issuing checks, in one
/// statement; `None` for an unknown service.
pub async fn count_in<C: Exec>(c: &mut C, service_id: i64) -> sqlx::Result<Option<IssuingService>> {
    c.opt(
        q(concat!(
            "update services set waiting = waiting + 1 where id = $1
             returning id, branch_id, code, priority_allowed, active, waiting, expected_service_s, ",
            load_columns!()
        ))
        .bind(service_id)
        .bind(true),
    )
    .await
}
