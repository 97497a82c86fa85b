//! Issuing: numbering, idempotency keys and the checks a new ticket
//! passes, in one transaction with its `ticket.issued` event.

use super::*;
use crate::store::sql::{self, tickets::NewTicket};

/// Request to issue a ticket.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// Service the visitor came for.
    pub service_id: i64,
    /// normal (default), priority or appointment.
    #[schema(value_type = Option<String>)]
    pub priority: Option<Priority>,
    /// Visitor's language, one of the branch's.
    pub language: Option<String>,
}

/// What [`issue`] needs.
#[derive(Debug, Clone)]
pub struct Issue {
    /// Branch.
    pub branch_id: i64,
    /// Request.
    pub request: IssueRequest,
    /// Idempotency key from the client.
    pub idempotency_key: Option<String>,
    /// Who asked.
    pub actor: Actor,
    /// Issuing kiosk.
    pub device_id: Option<i64>,
    /// Now, ms.
    pub now: i64,
}

/// Issues a ticket, or returns the ticket issued earlier under the same
/// idempotency key. Returns whether it was new.
///
/// # Errors
/// Unknown or inactive service, priority not allowed, language not offered,
/// an idempotency key reused for a different service.
pub async fn issue<C: Exec>(c: &mut C, out: &mut Outbox, req: Issue) -> Result<(Ticket, bool)> {
    issue_queued_at(c, out, req, None).await
}

/// [`issue`] with the time the ticket's queue place counts from, when that
/// is not now: an appointment checked in at the kiosk queues from its slot
/// time (appointments.rs).
///
/// # Errors
/// As [`issue`].
pub async fn issue_queued_at<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    req: Issue,
    queued_at: Option<i64>,
) -> Result<(Ticket, bool)> {
    let branch = branches::lock(c, req.branch_id).await?;
    if let Some(key) = &req.idempotency_key {
        let existing = sql::tickets::by_idempotency_key(c, req.branch_id, key).await?;
        if let Some(id) = existing {
            let t = get(c, id).await?;
            let same = t.service_id == req.request.service_id
                || t.transferred_from.is_some()
                || t.status != TicketStatus::Waiting.as_str();
            if !same {
                return Err(AppError::conflict(
                    "this Idempotency-Key was already used for a different request",
                ));
            }
            return Ok((with_estimate(c, &branch, t, req.now).await?, false));
        }
    }
    if !branch.active {
        return Err(AppError::conflict("this branch is closed for new tickets"));
    }
    // One statement counts the ticket in and reads what the checks below
    // need; a failed check rolls the whole write back, counter included.
    let service = sql::services::count_in(c, req.request.service_id)
        .await?
        .ok_or(AppError::NotFound("service"))?;
    if service.branch_id != branch.id {
        return Err(AppError::NotFound("service"));
    }
    if !service.active {
        return Err(AppError::refused(
            "service_unavailable",
            format!("service {} is not available", service.code),
        ));
    }
    let priority = req.request.priority.unwrap_or_default();
    if priority == Priority::Priority && !service.priority_allowed {
        return Err(AppError::invalid(format!(
            "service {} does not offer priority tickets",
            service.code
        )));
    }
    if let Some(lang) = &req.request.language
        && !branch.languages().iter().any(|l| l == lang)
    {
        return Err(AppError::invalid(format!(
            "language {lang:?} is not offered here"
        )));
    }
    let day = branch.business_day(req.now);
    let seq = sql::tickets::next_seq(c, branch.id, service.id, &day).await?;
    let number = format_number(&service.code, u32::try_from(seq).unwrap_or(u32::MAX));
    let token = crate::domain::visitor::new_public_token(req.now);
    // One statement inserts and returns the row; the hot path of the
    // server is kept to as few statements as it can be.
    let mut ticket = sql::tickets::insert(
        c,
        NewTicket {
            branch_id: branch.id,
            service_id: service.id,
            business_day: day,
            seq,
            number,
            priority,
            language: req.request.language,
            issued_at: req.now,
            queued_at: queued_at.unwrap_or(req.now),
            idempotency_key: req.idempotency_key,
            public_token: token,
            issued_by_device: req.device_id,
        },
    )
    .await?;
    let waiting = service.waiting;
    let loaded = LoadRow {
        waiting,
        expected_service_s: service.expected_service_s,
        open_desks: service.open_desks,
        avg_ms: service.avg_ms,
    };
    let load = loaded.load();
    let summary = loaded.summary(service.id);
    record_with(
        c,
        out,
        &ticket,
        EventData::TicketIssued,
        None,
        req.actor,
        req.now,
        TicketNote::default(),
        Some(summary),
    )
    .await?;
    if priority == Priority::Normal && queued_at.is_none() {
        // The newest normal ticket stands behind every other waiting ticket
        // of its service: no need to count them one by one.
        let ahead = (waiting - 1).max(0);
        ticket.position = Some(ahead);
        ticket.estimated_wait_s = Some(estimate_wait_s(usize::try_from(ahead).unwrap_or(0), load));
        crate::domain::predictions::fill(c, &branch, &mut ticket, req.now).await?;
    } else {
        ticket = with_estimate(c, &branch, ticket, req.now).await?;
    }
    crate::domain::predictions::record_issue(c, &ticket).await?;
    Ok((ticket, true))
}
