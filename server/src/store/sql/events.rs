//! The `events` table and the chain head kept on `branches`
//! (`event_seq`, `event_hash`): the statements of the hash-chained log
//! (`events/mod.rs` computes the hashes).

use crate::events::Event;
use crate::store::{Exec, Kind, Q, q};

/// The columns an [`Event`] is read with.
macro_rules! event_columns {
    () => {
        "branch_id, seq, type, ticket_id, desk_id, payload, actor, at, prev_hash, hash"
    };
}

/// Takes the branch's next seq and returns it with the hash of the event
/// before it. The update is also the lock that serialises the branch's
/// writers on PostgreSQL.
pub async fn next_seq<C: Exec>(c: &mut C, branch_id: i64) -> sqlx::Result<(i64, String)> {
    c.one(
        q("update branches set event_seq = event_seq + 1 where id = $1
           returning event_seq, event_hash")
        .bind(branch_id),
    )
    .await
}

/// Stores an event whose seq [`next_seq`] took, and makes its hash the
/// branch's chain head. On PostgreSQL it also notifies every instance's
/// listener (delivered at commit, in commit order: branch writers are
/// serialised by the branch lock, so commit order is seq order), and all
/// three happen in one statement, one round trip while the lock is held.
pub async fn insert<C: Exec>(c: &mut C, e: &Event) -> sqlx::Result<()> {
    if C::KIND == Kind::Postgres {
        c.run(
            row(q("with stored as (
                 insert into events (branch_id, seq, type, ticket_id, desk_id, payload, actor, at, prev_hash, hash)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)),
               head as (update branches set event_hash = $10 where id = $1)
               select pg_notify('waitwell_events', $11)"), e)
            .bind(format!("{}:{}", e.branch_id, e.seq)),
        )
        .await?;
        return Ok(());
    }
    c.run(
        row(
            q("insert into events (branch_id, seq, type, ticket_id, desk_id, payload, actor, at, prev_hash, hash)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"),
            e,
        ),
    )
    .await?;
    c.run(
        q("update branches set event_hash = $2 where id = $1")
            .bind(e.branch_id)
            .bind(e.hash.as_str()),
    )
    .await?;
    Ok(())
}

/// `query` with an event row's ten columns bound as `$1` to `$10`.
fn row(query: Q, e: &Event) -> Q {
    query
        .bind(e.branch_id)
        .bind(e.seq)
        .bind(e.kind.as_str())
        .bind(e.ticket_id)
        .bind(e.desk_id)
        .bind(e.payload.as_str())
        .bind(e.actor.as_str())
        .bind(e.at)
        .bind(e.prev_hash.as_str())
        .bind(e.hash.as_str())
}

/// The branch's chain head: its last seq and hash.
pub async fn head<C: Exec>(c: &mut C, branch_id: i64) -> sqlx::Result<(i64, String)> {
    c.one(q("select event_seq, event_hash from branches where id = $1").bind(branch_id))
        .await
}

/// Up to `limit` of the branch's events from seq `from` on, in order.
pub async fn page<C: Exec>(
    c: &mut C,
    branch_id: i64,
    from: i64,
    limit: i64,
) -> sqlx::Result<Vec<Event>> {
    c.all(
        q(concat!(
            "select ",
            event_columns!(),
            " from events where branch_id = $1 and seq >= $2 order by seq limit $3"
        ))
        .bind(branch_id)
        .bind(from)
        .bind(limit),
    )
    .await
}

/// The branch's events with `after < seq <= up_to`, in order.
pub async fn between<C: Exec>(
    c: &mut C,
    branch_id: i64,
    after: i64,
    up_to: i64,
) -> sqlx::Result<Vec<Event>> {
    c.all(
        q(concat!(
            "select ",
            event_columns!(),
            " from events where branch_id = $1 and seq > $2 and seq <= $3 order by seq"
        ))
        .bind(branch_id)
        .bind(after)
        .bind(up_to),
    )
    .await
}
