//! The one place that changes an open ticket's status: calls (next,
//! specific, recall), the steps a desk takes with its ticket, and
//! cancelling. Each step checks the transition with the queue core's state
//! machine and moves the waiting counter, the desk and the event with it.

use super::*;
use crate::store::sql::{self, tickets::StatusTime};

/// The head of each service and priority class a desk serves, read from the
/// database: the only tickets that can be next (`waitwell_queue::heads`
/// states the rule and a property test holds it).
async fn heads<C: Exec>(
    c: &mut C,
    branch_id: i64,
    weights: &[(i64, u32)],
) -> Result<Vec<Candidate>> {
    let mut out = Vec::with_capacity(weights.len() * Priority::ALL.len());
    for (service_id, _) in weights {
        for class in Priority::ALL {
            let head = sql::tickets::queue_head(c, branch_id, *service_id, class).await?;
            if let Some((ticket_id, queued_at_ms)) = head {
                out.push(Candidate {
                    ticket_id,
                    service_id: *service_id,
                    priority: class,
                    queued_at_ms,
                });
            }
        }
    }
    Ok(out)
}

/// Who acts at a desk and when.
#[derive(Debug, Clone, Copy)]
pub struct DeskActor {
    /// The desk.
    pub desk_id: i64,
    /// Its branch (the writes of an action are that branch's).
    pub branch_id: i64,
    /// The caller.
    pub actor: Actor,
    /// The clerk, if the caller is a user.
    pub user_id: Option<i64>,
    /// Whether the caller may act on a desk staffed by someone else.
    pub supervisor: bool,
    /// Now, ms.
    pub now: i64,
}

/// The ticket currently at the desk.
async fn current<C: Exec>(c: &mut C, desk: &DeskRow) -> Result<Ticket> {
    match desk.current_ticket_id {
        Some(id) => get(c, id).await,
        None => Err(AppError::conflict(format!(
            "{} has no current ticket",
            desk.name
        ))),
    }
}

/// The desk is open and has no current ticket. The message names the
/// ticket by its number, as the clerk knows it, not by its id.
async fn require_free<C: Exec>(c: &mut C, desk: &DeskRow) -> Result<()> {
    if let Some(id) = desk.current_ticket_id {
        let number = get(c, id).await?.number;
        return Err(AppError::conflict(format!(
            "{} still has ticket {number}: finish, mark no-show, park or transfer it first",
            desk.name
        )));
    }
    if desk.status()? != waitwell_queue::DeskStatus::Open {
        return Err(AppError::conflict(format!(
            "{} is {}: open it to call visitors",
            desk.name, desk.status
        )));
    }
    Ok(())
}

/// Calls the next ticket by the policy; `None` when nobody waits for the
/// desk's services.
///
/// # Errors
/// Desk not open, still busy, staffed by someone else.
pub async fn call_next<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    who: DeskActor,
) -> Result<Option<Ticket>> {
    let (branch, desk) = desks::lock_for_action(c, &who).await?;
    require_free(c, &desk).await?;
    let weights = desks::weights(c, desk.id).await?;
    let policy = branch.policy();
    let desk_policy = DeskPolicy {
        weights: weights.clone(),
        calls_since_priority: u32::try_from(desk.calls_since_priority).unwrap_or(0),
    };
    let candidates = heads(c, branch.id, &weights).await?;
    let Some(pick) = waitwell_queue::next_for_desk(&candidates, &desk_policy, &policy, who.now)
    else {
        return Ok(None);
    };
    let ticket = call_ticket(c, out, &who, &desk, pick.ticket_id, None, &pick.reason.text).await?;
    Ok(Some(ticket))
}

/// Calls a chosen ticket out of turn; the reason is recorded.
///
/// # Errors
/// Empty reason, ticket not waiting or parked, desk busy or not open.
pub async fn call_specific<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    who: DeskActor,
    ticket_id: i64,
    reason: String,
) -> Result<Ticket> {
    let (_, desk) = desks::lock_for_action(c, &who).await?;
    require_free(c, &desk).await?;
    let ticket = get(c, ticket_id).await?;
    if ticket.branch_id != desk.branch_id {
        return Err(AppError::NotFound("ticket"));
    }
    // A parked visitor was set aside to be called back: calling them back
    // is the point of parking, not an overtaking of the queue, so it is not
    // counted out of turn (the clerk's words stay in the event's reason).
    if ticket.status == TicketStatus::Parked.as_str() {
        let why = format!("called back from hold: {reason}");
        return call_ticket(c, out, &who, &desk, ticket_id, None, &why).await;
    }
    call_ticket(
        c,
        out,
        &who,
        &desk,
        ticket_id,
        Some(reason),
        "called out of turn",
    )
    .await
}

async fn call_ticket<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    who: &DeskActor,
    desk: &DeskRow,
    ticket_id: i64,
    out_of_turn: Option<String>,
    why: &str,
) -> Result<Ticket> {
    let before = get(c, ticket_id).await?;
    transition(before.status()?, TicketAction::Call)?;
    // The status condition makes the call exactly-once even if two writers
    // ever raced past the branch lock. A call back from park keeps the
    // reason of an earlier out-of-turn call: that call still happened.
    let changed = sql::tickets::mark_called(
        c,
        ticket_id,
        desk.id,
        who.user_id,
        who.now,
        out_of_turn.clone(),
    )
    .await?;
    if changed != 1 {
        return Err(AppError::conflict("another desk called this ticket first"));
    }
    if before.status == TicketStatus::Waiting.as_str() {
        adjust_waiting(c, before.service_id, -1).await?;
    }
    crate::domain::predictions::record_call(c, ticket_id, who.now).await?;
    let calls_since = waitwell_queue::calls_since_priority_after(
        u32::try_from(desk.calls_since_priority).unwrap_or(0),
        before.priority(),
    );
    sql::desks::set_current(c, desk.id, ticket_id, i64::from(calls_since)).await?;
    let ticket = get(c, ticket_id).await?;
    record(
        c,
        out,
        &ticket,
        EventData::TicketCalled,
        Some(desk.id),
        who.actor,
        who.now,
        TicketNote {
            out_of_turn: Some(out_of_turn.is_some()),
            reason: Some(out_of_turn.as_deref().unwrap_or(why).to_owned()),
            ..TicketNote::default()
        },
    )
    .await?;
    Ok(ticket)
}

/// A state change of the desk's current ticket.
#[derive(Debug, Clone)]
pub enum DeskStep {
    /// Call the current ticket again.
    Recall,
    /// Start serving.
    Start,
    /// Done, with an optional outcome.
    Finish(Option<String>),
    /// The visitor did not come.
    NoShow,
    /// Set aside; it can be called again later.
    Park,
    /// Move to another service's queue, keeping the original issue time.
    Transfer(i64),
}

/// Applies a step to the desk's current ticket. For a transfer, returns the
/// new ticket in the target queue.
///
/// # Errors
/// No current ticket, an illegal transition, an unknown target service.
pub async fn desk_step<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    who: DeskActor,
    step: DeskStep,
) -> Result<Ticket> {
    let (branch, desk) = desks::lock_for_action(c, &who).await?;
    let ticket = current(c, &desk).await?;
    let now = who.now;
    let (action, kind) = match &step {
        DeskStep::Recall => (
            TicketAction::Recall,
            EventData::TicketRecalled as TicketEvent,
        ),
        DeskStep::Start => (TicketAction::Start, EventData::TicketStarted as TicketEvent),
        DeskStep::Finish(_) => (
            TicketAction::Finish,
            EventData::TicketFinished as TicketEvent,
        ),
        DeskStep::NoShow => (TicketAction::NoShow, EventData::TicketNoShow as TicketEvent),
        DeskStep::Park => (TicketAction::Park, EventData::TicketParked as TicketEvent),
        DeskStep::Transfer(_) => (
            TicketAction::Transfer,
            EventData::TicketTransferred as TicketEvent,
        ),
    };
    let next = transition(ticket.status()?, action)?;
    let target = match &step {
        DeskStep::Transfer(service_id) => {
            let s = services::get(c, *service_id).await?;
            if s.branch_id != branch.id {
                return Err(AppError::NotFound("service"));
            }
            if !s.active {
                return Err(AppError::refused(
                    "service_unavailable",
                    format!("service {} is not available", s.code),
                ));
            }
            if s.id == ticket.service_id {
                return Err(AppError::invalid("the ticket is already in this service"));
            }
            Some(s)
        }
        _ => None,
    };
    match &step {
        DeskStep::Recall => sql::tickets::mark_recalled(c, ticket.id, now).await?,
        DeskStep::Start => {
            sql::tickets::set_status(c, ticket.id, next.as_str(), now, StatusTime::Started).await?
        }
        DeskStep::Finish(outcome) => {
            let at = StatusTime::FinishedWith(outcome.clone());
            sql::tickets::set_status(c, ticket.id, next.as_str(), now, at).await?
        }
        DeskStep::NoShow | DeskStep::Transfer(_) => {
            sql::tickets::set_status(c, ticket.id, next.as_str(), now, StatusTime::Finished).await?
        }
        DeskStep::Park => {
            sql::tickets::set_status(c, ticket.id, next.as_str(), now, StatusTime::None).await?
        }
    };
    if next.is_final() || next == TicketStatus::Parked {
        sql::desks::clear_current(c, desk.id).await?;
    }
    let after = get(c, ticket.id).await?;
    let mut note = TicketNote::default();
    let result = if let Some(service) = target {
        let token = crate::domain::visitor::new_public_token(now);
        let new_id = sql::tickets::insert_transfer(c, &ticket, service.id, token, now).await?;
        adjust_waiting(c, service.id, 1).await?;
        let new_ticket = get(c, new_id).await?;
        note.new_ticket = Some(new_ticket.clone());
        record(c, out, &after, kind, Some(desk.id), who.actor, now, note).await?;
        record(
            c,
            out,
            &new_ticket,
            EventData::TicketIssued,
            None,
            who.actor,
            now,
            TicketNote {
                transferred_from: Some(ticket.id),
                ..TicketNote::default()
            },
        )
        .await?;
        with_estimate(c, &branch, new_ticket, now).await?
    } else {
        record(c, out, &after, kind, Some(desk.id), who.actor, now, note).await?;
        after
    };
    Ok(result)
}

/// Cancels a ticket that is waiting, parked or called: by staff, or by the
/// visitor on the ticket page (`public.rs`); `extra` goes into the event
/// (`{"by": "visitor"}`). The one place a ticket is cancelled, so the
/// waiting counter always moves with it.
///
/// # Errors
/// Unknown ticket, illegal transition.
pub async fn cancel<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    ticket_id: i64,
    actor: Actor,
    now: i64,
    note: TicketNote,
) -> Result<Ticket> {
    let t = get(c, ticket_id).await?;
    branches::lock(c, t.branch_id).await?;
    let t = get(c, ticket_id).await?;
    let next = transition(t.status()?, TicketAction::Cancel)?;
    sql::tickets::set_status(c, t.id, next.as_str(), now, StatusTime::Finished).await?;
    if t.status == TicketStatus::Waiting.as_str() {
        adjust_waiting(c, t.service_id, -1).await?;
    }
    sql::desks::release_ticket(c, t.id).await?;
    let after = get(c, t.id).await?;
    record(
        c,
        out,
        &after,
        EventData::TicketCancelled,
        t.desk_id,
        actor,
        now,
        note,
    )
    .await?;
    Ok(after)
}
