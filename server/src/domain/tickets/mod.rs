//! Tickets: issuing (with numbering and idempotency), reading, the queue
//! view, and every state change a desk or a visitor makes.
//!
//! Each operation is one write transaction that first locks the branch
//! ([`branches::lock`]), checks the transition with the queue core's state
//! machine, changes the rows and appends events. The ticket a desk calls is
//! chosen by `waitwell_queue::next_for_desk` from the head of each service
//! and priority class, so a call costs the same with ten or a hundred
//! thousand people waiting.
//!
//! Here: the ticket and its reads, the service's load and waiting counter,
//! and the events every change records. Beside it: [`issue`](mod@issue)
//! (new tickets), [`transition`](mod@transition) (the one place that
//! changes an open ticket's status), [`queue_view`](mod@queue_view) and
//! [`day_end`](mod@day_end).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waitwell_queue::{
    Candidate, DeskPolicy, Priority, ServiceLoad, TicketAction, TicketStatus, estimate_wait_s,
    format_number, transition,
};

use crate::domain::branches;
use crate::domain::desks::{self, DeskRow};
use crate::domain::services;
use crate::error::{AppError, Result};
use crate::events::{self, Actor, EventData, NewEvent, Outbox};
use crate::store::{Exec, q};
use waitwell_proto::{TicketChange, TicketNote};

mod day_end;
mod issue;
mod queue_view;
mod transition;

pub use day_end::*;
pub use issue::*;
pub use queue_view::*;
pub use transition::*;

pub use waitwell_proto::{ServiceSummary, Ticket, TicketWithToken};

/// The ticket as `who` may see it: with the public token only for the
/// kiosk that issued it, within [`PRINT_WINDOW_MS`] (its agent prints the
/// token as the ticket's QR code, and reprints after a failure).
pub fn for_caller(
    ticket: Ticket,
    who: &crate::domain::auth::Principal,
    now: i64,
) -> TicketWithToken {
    let printing = match who {
        crate::domain::auth::Principal::Device { id, .. } => {
            ticket.issued_by_device == Some(*id) && now - ticket.issued_at <= PRINT_WINDOW_MS
        }
        crate::domain::auth::Principal::User { .. } => false,
    };
    if printing {
        TicketWithToken::issued(ticket)
    } else {
        TicketWithToken {
            ticket,
            public_token: None,
        }
    }
}

/// How long after issuing the issuing kiosk may still read a ticket's
/// public token: the kiosk agent's print jobs expire after 10 minutes.
pub const PRINT_WINDOW_MS: i64 = 10 * 60 * 1000;

/// Reads a ticket.
///
/// # Errors
/// NotFound.
pub async fn get<C: Exec>(c: &mut C, id: i64) -> Result<Ticket> {
    crate::store::sql::tickets::get(c, id)
        .await?
        .ok_or(AppError::NotFound("ticket"))
}

/// Fills in `position` and `estimated_wait_s` for a waiting ticket.
///
/// # Errors
/// Database errors.
pub async fn with_estimate<C: Exec>(
    c: &mut C,
    branch: &branches::BranchRow,
    mut t: Ticket,
    now: i64,
) -> Result<Ticket> {
    if t.status != TicketStatus::Waiting.as_str() {
        return Ok(t);
    }
    let policy = &branch.policy();
    let credit = |p: Priority| policy.class_credit_s(p) * 1000;
    let effective = t.queued_at - credit(t.priority());
    // Same order as waitwell_queue::order_branch: effective time, then
    // queued time, then id.
    let (ahead,): (i64,) = c
        .one(q("select count(*) from (
                  select id, queued_at, queued_at - case priority when 'priority' then $3 when 'appointment' then $4 else 0 end as eff
                  from tickets where branch_id = $1 and service_id = $2 and status = 'waiting') w
                where w.eff < $5 or (w.eff = $5 and (w.queued_at < $6 or (w.queued_at = $6 and w.id < $7)))")
            .bind(t.branch_id)
            .bind(t.service_id)
            .bind(policy.priority_credit_s * 1000)
            .bind(policy.appointment_credit_s * 1000)
            .bind(effective)
            .bind(t.queued_at)
            .bind(t.id))
        .await?;
    let load = service_load(c, t.service_id).await?;
    t.position = Some(ahead);
    t.estimated_wait_s = Some(estimate_wait_s(usize::try_from(ahead).unwrap_or(0), load));
    crate::domain::predictions::fill(c, branch, &mut t, now).await?;
    Ok(t)
}

/// The open statuses ([`TicketStatus::OPEN`]) as an SQL list, for
/// `concat!` into statements: `status in open_statuses!()`.
macro_rules! open_statuses {
    () => {
        "('waiting', 'called', 'serving', 'parked')"
    };
}
pub(crate) use open_statuses;

use crate::store::sql::services::LoadRow;

impl LoadRow {
    /// The queue core's view: the recent average, or the expected duration
    /// until the service has finished tickets.
    fn load(self) -> ServiceLoad {
        ServiceLoad {
            open_desks: u32::try_from(self.open_desks).unwrap_or(u32::MAX),
            avg_service_s: self
                .avg_ms
                .map_or(self.expected_service_s as f64, |ms| ms / 1000.0),
        }
    }

    fn summary(self, service_id: i64) -> ServiceSummary {
        let load = self.load();
        ServiceSummary {
            id: service_id,
            waiting: self.waiting,
            estimated_wait_s: estimate_wait_s(usize::try_from(self.waiting).unwrap_or(0), load),
            open_desks: load.open_desks,
        }
    }
}

async fn load_row<C: Exec>(c: &mut C, service_id: i64) -> Result<LoadRow> {
    Ok(crate::store::sql::services::load(c, service_id).await?)
}

/// Open desks serving a service and its recent average service time (the
/// last 20 finished tickets; the expected duration until there are any).
///
/// # Errors
/// Database errors; NotFound for an unknown service.
pub async fn service_load<C: Exec>(c: &mut C, service_id: i64) -> Result<ServiceLoad> {
    Ok(load_row(c, service_id).await?.load())
}

/// Moves a service's waiting counter; called wherever a ticket enters or
/// leaves the waiting status, in the same transaction.
async fn adjust_waiting<C: Exec>(c: &mut C, service_id: i64, delta: i64) -> Result<()> {
    crate::store::sql::services::adjust_waiting(c, service_id, delta).await?;
    Ok(())
}

/// The queue summary of one service.
///
/// # Errors
/// Database errors.
pub async fn service_summary<C: Exec>(c: &mut C, service_id: i64) -> Result<ServiceSummary> {
    Ok(load_row(c, service_id).await?.summary(service_id))
}

/// A ticket event type: the [`EventData`] variant that carries a
/// [`TicketChange`].
pub(crate) type TicketEvent = fn(TicketChange) -> EventData;

/// Appends a ticket event: the ticket after the change, what else `note`
/// says, its desk and its service's queue.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    ticket: &Ticket,
    event: TicketEvent,
    desk_id: Option<i64>,
    actor: Actor,
    now: i64,
    note: TicketNote,
) -> Result<()> {
    record_with(c, out, ticket, event, desk_id, actor, now, note, None).await
}

/// [`record`] with the service summary already at hand.
#[allow(clippy::too_many_arguments)]
async fn record_with<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    ticket: &Ticket,
    event: TicketEvent,
    desk_id: Option<i64>,
    actor: Actor,
    now: i64,
    note: TicketNote,
    summary: Option<ServiceSummary>,
) -> Result<()> {
    let desk_id = desk_id.or(ticket.desk_id);
    // Live clients replace what they hold with what an event carries, so a
    // ticket event carries everything it changed: the ticket, its desk and
    // its service's queue summary.
    let desk = match desk_id {
        Some(id) => Some(desks::get(c, id).await?),
        None => None,
    };
    let summary = match summary {
        Some(s) => s,
        None => service_summary(c, ticket.service_id).await?,
    };
    events::append(
        c,
        out,
        NewEvent {
            branch_id: ticket.branch_id,
            ticket_id: Some(ticket.id),
            desk_id,
            data: event(TicketChange::new(ticket, summary, desk.as_ref(), note)),
            actor,
            at: now,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sql_list_of_open_statuses_is_ticket_status_open() {
        let listed: Vec<String> = waitwell_queue::TicketStatus::OPEN
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        assert_eq!(open_statuses!(), format!("({})", listed.join(", ")));
    }

    #[test]
    fn the_pages_list_of_open_statuses_is_ticket_status_open() {
        let live_js = include_str!("../../../../web/common/live.js");
        let line = live_js
            .lines()
            .find(|l| l.starts_with("const OPEN = new Set(["))
            .expect("web/common/live.js names the open statuses");
        let listed: Vec<String> = waitwell_queue::TicketStatus::OPEN
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        assert_eq!(
            line,
            format!("const OPEN = new Set([{}]);", listed.join(", "))
        );
    }
}
