//! The `tickets` table (and its numbering, `ticket_counters`): the columns
//! a [`Ticket`] is read with and every statement the ticket rules
//! (`domain/tickets/`) run. Each function is one statement; the rules
//! decide when to run it, this module only what it says.

use waitwell_proto::Ticket;
use waitwell_queue::Priority;

use crate::store::{Exec, q};

/// The columns a [`Ticket`] is read with, in its field order.
macro_rules! ticket_columns {
    () => {
        "id, branch_id, service_id, business_day, number, priority, language, status, issued_at, queued_at,
         called_at, started_at, finished_at, desk_id, called_by, call_count, out_of_turn_reason, outcome,
         transferred_from, public_token, updated_at, issued_by_device"
    };
}

/// A ticket by id.
pub async fn get<C: Exec>(c: &mut C, id: i64) -> sqlx::Result<Option<Ticket>> {
    c.opt(
        q(concat!(
            "select ",
            ticket_columns!(),
            " from tickets where id = $1"
        ))
        .bind(id),
    )
    .await
}

/// The ticket a client issued under `key` at `branch_id`, if any.
pub async fn by_idempotency_key<C: Exec>(
    c: &mut C,
    branch_id: i64,
    key: &str,
) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = c
        .opt(
            q("select id from tickets where branch_id = $1 and idempotency_key = $2")
                .bind(branch_id)
                .bind(key),
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// The next number of `service_id` on `day` (1 for the day's first):
/// counted in `ticket_counters`, one row per service and day.
pub async fn next_seq<C: Exec>(
    c: &mut C,
    branch_id: i64,
    service_id: i64,
    day: &str,
) -> sqlx::Result<i64> {
    let (seq,): (i64,) = c
        .one(q("insert into ticket_counters (branch_id, service_id, business_day, last_seq) values ($1, $2, $3, 1)
                on conflict (branch_id, service_id, business_day) do update set last_seq = ticket_counters.last_seq + 1
                returning last_seq")
            .bind(branch_id)
            .bind(service_id)
            .bind(day))
        .await?;
    Ok(seq)
}

/// A new waiting ticket.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub branch_id: i64,
    pub service_id: i64,
    pub business_day: String,
    pub seq: i64,
    pub number: String,
    pub priority: Priority,
    pub language: Option<String>,
    pub issued_at: i64,
    /// Where its queue place counts from (`issued_at` unless an
    /// appointment's slot says otherwise).
    pub queued_at: i64,
    pub idempotency_key: Option<String>,
    pub public_token: String,
    pub issued_by_device: Option<i64>,
}

/// Inserts a waiting ticket and reads it back, in one statement.
pub async fn insert<C: Exec>(c: &mut C, t: NewTicket) -> sqlx::Result<Ticket> {
    c.one(
        q(concat!(
            "insert into tickets (branch_id, service_id, business_day, seq, number, priority, language, status,
               issued_at, queued_at, idempotency_key, public_token, issued_by_device, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8, $12, $9, $10, $11, $8)
             returning ",
            ticket_columns!()
        ))
        .bind(t.branch_id)
        .bind(t.service_id)
        .bind(t.business_day)
        .bind(t.seq)
        .bind(t.number)
        .bind(t.priority.as_str())
        .bind(t.language)
        .bind(t.issued_at)
        .bind(t.idempotency_key)
        .bind(t.public_token)
        .bind(t.issued_by_device)
        .bind(t.queued_at),
    )
    .await
}

/// The next leg of a transferred visit: a waiting ticket in `service_id`
/// with the same number, class, language, issue time and postponement as
/// `from`, queued from `now`'s issue time. Returns its id.
pub async fn insert_transfer<C: Exec>(
    c: &mut C,
    from: &Ticket,
    service_id: i64,
    public_token: String,
    now: i64,
) -> sqlx::Result<i64> {
    let (id,): (i64,) = c
        // The new leg keeps the visitor's postponement: postponing is
        // once per visit, not once per queue.
        .one(q("insert into tickets (branch_id, service_id, business_day, seq, number, priority, language, status,
                  issued_at, queued_at, transferred_from, public_token, updated_at, postpone_count)
                values ($1, $2, $3, null, $4, $5, $6, 'waiting', $7, $7, $8, $9, $10,
                        (select postpone_count from tickets where id = $8)) returning id")
            .bind(from.branch_id)
            .bind(service_id)
            .bind(from.business_day.as_str())
            .bind(from.number.as_str())
            .bind(from.priority.as_str())
            .bind(from.language.clone())
            .bind(from.issued_at)
            .bind(from.id)
            .bind(public_token)
            .bind(now))
        .await?;
    Ok(id)
}

/// The head of one service and class's queue: the earliest-queued waiting
/// ticket (ties by id), as `(id, queued_at)`.
pub async fn queue_head<C: Exec>(
    c: &mut C,
    branch_id: i64,
    service_id: i64,
    class: Priority,
) -> sqlx::Result<Option<(i64, i64)>> {
    c.opt(
        q("select id, queued_at from tickets
           where branch_id = $1 and status = 'waiting' and service_id = $2 and priority = $3
           order by queued_at, id limit 1")
        .bind(branch_id)
        .bind(service_id)
        .bind(class.as_str()),
    )
    .await
}

/// Marks a waiting or parked ticket called by `desk_id`; an out-of-turn
/// `reason` is kept (and an earlier one is not lost by a call back from
/// park). Returns the rows changed: 0 when the ticket was not waiting or
/// parked any more, which makes a call exactly-once.
pub async fn mark_called<C: Exec>(
    c: &mut C,
    id: i64,
    desk_id: i64,
    user_id: Option<i64>,
    now: i64,
    reason: Option<String>,
) -> sqlx::Result<u64> {
    c.run(
        q("update tickets set status = 'called', desk_id = $2, called_by = $3, called_at = $4, updated_at = $4,
             call_count = call_count + 1, out_of_turn_reason = coalesce($5, out_of_turn_reason)
           where id = $1 and status in ('waiting', 'parked')")
        .bind(id)
        .bind(desk_id)
        .bind(user_id)
        .bind(now)
        .bind(reason),
    )
    .await
}

/// Counts one more call of a called ticket (a recall).
pub async fn mark_recalled<C: Exec>(c: &mut C, id: i64, now: i64) -> sqlx::Result<u64> {
    c.run(
        q("update tickets set called_at = $2, call_count = call_count + 1, updated_at = $2 where id = $1")
            .bind(id)
            .bind(now),
    )
    .await
}

/// Sets the status; `started` also records the start of service,
/// `finished` the end (with an `outcome` when given).
pub async fn set_status<C: Exec>(
    c: &mut C,
    id: i64,
    status: &str,
    now: i64,
    at: StatusTime,
) -> sqlx::Result<u64> {
    let query = match at {
        StatusTime::None => q("update tickets set status = $2, updated_at = $3 where id = $1"),
        StatusTime::Started => {
            q("update tickets set status = $2, started_at = $3, updated_at = $3 where id = $1")
        }
        StatusTime::Finished => {
            q("update tickets set status = $2, finished_at = $3, updated_at = $3 where id = $1")
        }
        StatusTime::FinishedWith(outcome) => {
            return c
                .run(
                    q("update tickets set status = $2, finished_at = $3, outcome = $4, updated_at = $3
                       where id = $1")
                    .bind(id)
                    .bind(status)
                    .bind(now)
                    .bind(outcome),
                )
                .await;
        }
    };
    c.run(query.bind(id).bind(status).bind(now)).await
}

/// Which time a status change records besides `updated_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusTime {
    /// None (parked, expired).
    None,
    /// `started_at`.
    Started,
    /// `finished_at`.
    Finished,
    /// `finished_at` and the clerk's outcome.
    FinishedWith(Option<String>),
}

/// The parked tickets of a branch, longest parked first.
pub async fn parked<C: Exec>(c: &mut C, branch_id: i64) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = c
        .all(
            q("select id from tickets where branch_id = $1 and status = 'parked' order by updated_at, id")
                .bind(branch_id),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// How often the visitor of `id` has postponed (carried across transfers).
pub async fn postpone_count<C: Exec>(c: &mut C, id: i64) -> sqlx::Result<i64> {
    let (n,): (i64,) = c
        .one(q("select postpone_count from tickets where id = $1").bind(id))
        .await?;
    Ok(n)
}
