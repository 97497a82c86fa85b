//! The `services` table: the columns a [`ServiceRow`] is read with, its
//! management statements, and on the ticket path its waiting counter and
//! the load a service is under, read by the same subqueries wherever it is
//! read.

use crate::domain::services::ServiceRow;
use crate::store::{Exec, q};

/// The columns a [`ServiceRow`] is read with.
macro_rules! service_columns {
    () => {
        "id, branch_id, code, name, names, category, category_names, standard_wait_s, expected_service_s,
         priority_allowed, active, remote_enabled, remote_daily_cap, remote_walk_in_share,
         appointments_enabled, slot_length_s, walk_in_share"
    };
}

/// A service by id.
pub async fn get<C: Exec>(c: &mut C, id: i64) -> sqlx::Result<Option<ServiceRow>> {
    c.opt(
        q(concat!(
            "select ",
            service_columns!(),
            " from services where id = $1"
        ))
        .bind(id),
    )
    .await
}

/// A branch's services, by code.
pub async fn of_branch<C: Exec>(c: &mut C, branch_id: i64) -> sqlx::Result<Vec<ServiceRow>> {
    c.all(
        q(concat!(
            "select ",
            service_columns!(),
            " from services where branch_id = $1 order by code"
        ))
        .bind(branch_id),
    )
    .await
}

/// Whether a service of the branch has this code.
pub async fn code_taken<C: Exec>(c: &mut C, branch_id: i64, code: &str) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = c
        .opt(
            q("select id from services where branch_id = $1 and code = $2")
                .bind(branch_id)
                .bind(code),
        )
        .await?;
    Ok(row.is_some())
}

/// A new active service's settings (the rest take their defaults).
#[derive(Debug, Clone)]
pub struct NewServiceRow {
    pub branch_id: i64,
    pub code: String,
    pub name: String,
    /// JSON object text.
    pub names: String,
    pub category: String,
    /// JSON object text.
    pub category_names: String,
    pub standard_wait_s: i64,
    pub expected_service_s: i64,
    pub priority_allowed: bool,
    pub created_at: i64,
}

/// Inserts an active service; returns its id.
pub async fn insert<C: Exec>(c: &mut C, s: NewServiceRow) -> sqlx::Result<i64> {
    let (id,): (i64,) = c
        .one(
            q("insert into services (branch_id, code, name, names, category, category_names, standard_wait_s,
                 expected_service_s, priority_allowed, active, created_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id")
            .bind(s.branch_id)
            .bind(s.code)
            .bind(s.name)
            .bind(s.names)
            .bind(s.category)
            .bind(s.category_names)
            .bind(s.standard_wait_s)
            .bind(s.expected_service_s)
            .bind(s.priority_allowed)
            .bind(true)
            .bind(s.created_at),
        )
        .await?;
    Ok(id)
}

/// Stores every setting of a service (all but its id, branch and code).
pub async fn update<C: Exec>(c: &mut C, row: &ServiceRow) -> sqlx::Result<u64> {
    c.run(
        q("update services set name = $2, names = $3, category = $4, standard_wait_s = $5, expected_service_s = $6,
             priority_allowed = $7, active = $8, remote_enabled = $9, remote_daily_cap = $10,
             remote_walk_in_share = $11, appointments_enabled = $12, slot_length_s = $13, walk_in_share = $14,
             category_names = $15
           where id = $1")
        .bind(row.id)
        .bind(row.name.as_str())
        .bind(row.names.as_str())
        .bind(row.category.as_str())
        .bind(row.standard_wait_s)
        .bind(row.expected_service_s)
        .bind(row.priority_allowed)
        .bind(row.active)
        .bind(row.remote_enabled)
        .bind(row.remote_daily_cap)
        .bind(row.remote_walk_in_share)
        .bind(row.appointments_enabled)
        .bind(row.slot_length_s)
        .bind(row.walk_in_share)
        .bind(row.category_names.as_str()),
    )
    .await
}

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
