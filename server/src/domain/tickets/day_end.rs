//! Day end: open tickets of past business days expire in batches.

use super::*;
use crate::store::sql;

/// Expires every open ticket of an earlier business day in a branch. Returns
/// how many expired. Tickets stay in history with status `expired`.
///
/// # Errors
/// Database errors.
pub async fn expire_old<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    branch_id: i64,
    now: i64,
) -> Result<usize> {
    let stale = branches::past_day_ids(
        c,
        branch_id,
        now,
        concat!(
            "select id from tickets where branch_id = $1 and business_day < $2 and status in ",
            open_statuses!(),
            " order by id limit 1000"
        ),
    )
    .await?;
    for &id in &stale {
        let t = get(c, id).await?;
        transition(t.status()?, TicketAction::Expire)?;
        let expired = TicketStatus::Expired.as_str();
        sql::tickets::set_status(c, id, expired, now, sql::tickets::StatusTime::None).await?;
        if t.status == TicketStatus::Waiting.as_str() {
            adjust_waiting(c, t.service_id, -1).await?;
        }
        sql::desks::release_ticket(c, id).await?;
        let after = get(c, id).await?;
        record(
            c,
            out,
            &after,
            EventData::TicketExpired,
            None,
            Actor::System,
            now,
            TicketNote::default(),
        )
        .await?;
    }
    Ok(stale.len())
}
