//! Tickets: issuing (with numbering and idempotency), reading, the queue
//! view, and every state change a desk or a visitor makes.
//!
//! Each operation is one write transaction that first locks the branch
//! ([`branches::lock`]), checks the transition with the queue core's state
//! machine, changes the rows and appends events. The ticket a desk calls is
//! chosen by `waitwell_queue::next_for_desk` from the head of each service
//! and priority class, so a call costs the same with ten or a hundred
//! thousand people waiting.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waitwell_queue::{
    Candidate, DeskPolicy, PolicyConfig, Priority, ServiceLoad, TicketAction, TicketStatus,
    estimate_wait_s, format_number, transition,
};

use crate::domain::branches;
use crate::domain::desks::{self, DeskRow};
use crate::domain::services;
use crate::error::{AppError, Result};
use crate::events::{self, Actor, NewEvent, Outbox};
use crate::store::{Exec, q};

/// A ticket.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, serde::Deserialize, ToSchema)]
pub struct Ticket {
    /// Id.
    pub id: i64,
    /// Branch.
    pub branch_id: i64,
    /// Service whose queue the ticket is in.
    pub service_id: i64,
    /// Business day `YYYY-MM-DD` in the branch's timezone.
    pub business_day: String,
    /// Number shown and printed, e.g. `A042`.
    pub number: String,
    /// normal, priority or appointment.
    pub priority: String,
    /// Visitor's language.
    pub language: Option<String>,
    /// waiting, called, serving, done, no_show, cancelled, transferred, parked, expired.
    pub status: String,
    /// First issue time (kept across transfers), ms since the epoch.
    pub issued_at: i64,
    /// Time the ticket's place in this queue counts from.
    pub queued_at: i64,
    /// Last call.
    pub called_at: Option<i64>,
    /// Service start.
    pub started_at: Option<i64>,
    /// Service end (done, no-show, transfer, cancel).
    pub finished_at: Option<i64>,
    /// Desk that called it.
    pub desk_id: Option<i64>,
    /// Clerk who called it.
    pub called_by: Option<i64>,
    /// How often it was called (recalls included).
    pub call_count: i64,
    /// Reason given when it was called out of turn.
    pub out_of_turn_reason: Option<String>,
    /// Outcome recorded at finish.
    pub outcome: Option<String>,
    /// The ticket this one continues after a transfer.
    pub transferred_from: Option<i64>,
    /// Secret for the visitor's public ticket page: all that the visitor's
    /// own actions (cancel, postpone, feedback) need. Only the visitor holds
    /// it: it is in the answer that issued the ticket, and otherwise only
    /// for the kiosk that issued it, while it prints ([`Ticket::for_caller`]).
    #[serde(skip_serializing)]
    #[schema(ignore)]
    pub public_token: String,
    /// Last change.
    pub updated_at: i64,
    /// The kiosk that issued it. Not sent to anyone; read where a caller's
    /// right to the public token is decided.
    #[sqlx(default)]
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub issued_by_device: Option<i64>,
    /// People ahead in the service's queue (waiting tickets only).
    /// Computed, not stored: no row has this column, so both decoders leave
    /// it `None` (`sqlx(skip)`; serde fills in a missing `Option`).
    #[sqlx(skip)]
    pub position: Option<i64>,
    /// Estimated seconds until called (waiting tickets only), by the old
    /// formula: people ahead × average service time ÷ open desks.
    #[sqlx(skip)]
    pub estimated_wait_s: Option<i64>,
    /// Predicted seconds until called (waiting tickets only): the mean over
    /// simulated futures of the real call policy (see `predictions.rs`).
    /// Null while no open desk serves the service.
    #[sqlx(skip)]
    pub predicted_wait_s: Option<i64>,
    /// The range `[low, high]` in seconds that 80 % of the simulated
    /// futures fell in (10th to 90th percentile). Null as above.
    #[sqlx(skip)]
    pub predicted_range_s: Option<[i64; 2]>,
    /// True while the ticket waits and no open desk serves its service:
    /// there is no honest number to give.
    #[sqlx(skip)]
    #[serde(default)]
    pub no_open_desk: bool,
}

impl Ticket {
    /// Status as the queue core's enum.
    ///
    /// # Errors
    /// Internal for a corrupted status.
    pub fn status(&self) -> Result<TicketStatus> {
        self.status.parse().map_err(|_| {
            AppError::internal(format!("ticket {} has status {:?}", self.id, self.status))
        })
    }

    /// Priority class.
    pub fn priority(&self) -> Priority {
        self.priority.parse().unwrap_or_default()
    }

    /// The ticket as `who` may see it: with the public token only for the
    /// kiosk that issued it, within [`PRINT_WINDOW_MS`] (its agent prints the
    /// token as the ticket's QR code, and reprints after a failure).
    pub fn for_caller(self, who: &crate::domain::auth::Principal, now: i64) -> TicketWithToken {
        let printing = match who {
            crate::domain::auth::Principal::Device { id, .. } => {
                self.issued_by_device == Some(*id) && now - self.issued_at <= PRINT_WINDOW_MS
            }
            crate::domain::auth::Principal::User { .. } => false,
        };
        if printing {
            TicketWithToken::issued(self)
        } else {
            TicketWithToken {
                ticket: self,
                public_token: None,
            }
        }
    }

    /// What live clients and the event log see: everything but the public
    /// token, which only the visitor holds.
    pub fn public_view(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = v.as_object_mut() {
            map.remove("public_token");
        }
        v
    }
}

/// A ticket together with its public token: the answer that issued it
/// (the kiosk prints and shows the token as a QR code), and nothing else.
/// A plain [`Ticket`] never serialises its token.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TicketWithToken {
    /// The ticket.
    #[serde(flatten)]
    pub ticket: Ticket,
    /// Secret of the visitor's ticket page (`/ticket/?t=…`) and of the
    /// visitor's own actions; present only for whoever issued the ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_token: Option<String>,
}

impl TicketWithToken {
    /// The ticket with its token, for the answer that issued it.
    pub fn issued(ticket: Ticket) -> TicketWithToken {
        let public_token = Some(ticket.public_token.clone());
        TicketWithToken {
            ticket,
            public_token,
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
    c.opt(q("select id, branch_id, service_id, business_day, number, priority, language, status, issued_at, queued_at, called_at, started_at, finished_at, desk_id, called_by, call_count, out_of_turn_reason, outcome, transferred_from, public_token, updated_at, issued_by_device from tickets where id = $1").bind(id))
        .await?
        .ok_or(AppError::NotFound("ticket"))
}

/// Fills in `position` and `estimated_wait_s` for a waiting ticket.
///
/// # Errors
/// Database errors.
pub async fn with_estimate<C: Exec>(
    c: &mut C,
    policy: &PolicyConfig,
    mut t: Ticket,
) -> Result<Ticket> {
    if t.status != TicketStatus::Waiting.as_str() {
        return Ok(t);
    }
    let credit = |p: Priority| match p {
        Priority::Normal => 0,
        Priority::Priority => policy.priority_credit_s * 1000,
        Priority::Appointment => policy.appointment_credit_s * 1000,
    };
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
    crate::domain::predictions::fill(c, policy, &mut t, crate::now_ms()).await?;
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

/// The subqueries that measure a service's load, shared by [`service_load`]
/// and the issuing statement so that both count the same way: open desks
/// serving the service (`$1` is the service, `$2` is `true`), and the
/// average duration of its last 20 finished tickets.
macro_rules! load_columns {
    () => {
        "(select count(*) from desks d join desk_services ds on ds.desk_id = d.id
            where ds.service_id = $1 and d.status = 'open' and d.active = $2) as open_desks,
          (select cast(avg(x) as double precision) from (
            select finished_at - coalesce(started_at, called_at) as x from tickets
            where service_id = $1 and status = 'done' order by finished_at desc limit 20) s) as avg_ms"
    };
}

/// A service's waiting counter and load, as one statement reads them.
#[derive(Debug, Clone, Copy, sqlx::FromRow, serde::Deserialize)]
struct LoadRow {
    waiting: i64,
    expected_service_s: i64,
    open_desks: i64,
    avg_ms: Option<f64>,
}

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
    Ok(c.one(
        q(concat!(
            "select waiting, expected_service_s, ",
            load_columns!(),
            " from services where id = $1"
        ))
        .bind(service_id)
        .bind(true),
    )
    .await?)
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
    c.run(
        q("update services set waiting = waiting + $2 where id = $1")
            .bind(service_id)
            .bind(delta),
    )
    .await?;
    Ok(())
}

/// A service's queue right now, as live clients show it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ServiceSummary {
    /// Service.
    pub id: i64,
    /// Waiting tickets.
    pub waiting: i64,
    /// Estimated wait for a ticket issued now, seconds.
    pub estimated_wait_s: i64,
    /// Open desks serving the service.
    pub open_desks: u32,
}

/// The queue summary of one service.
///
/// # Errors
/// Database errors.
pub async fn service_summary<C: Exec>(c: &mut C, service_id: i64) -> Result<ServiceSummary> {
    Ok(load_row(c, service_id).await?.summary(service_id))
}

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

/// What issuing reads of the service, together with its new waiting count
/// and its load.
#[derive(Debug, sqlx::FromRow, serde::Deserialize)]
struct IssuingService {
    id: i64,
    branch_id: i64,
    code: String,
    priority_allowed: bool,
    active: bool,
    waiting: i64,
    expected_service_s: i64,
    open_desks: i64,
    avg_ms: Option<f64>,
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
        let existing: Option<(i64,)> = c
            .opt(
                q("select id from tickets where branch_id = $1 and idempotency_key = $2")
                    .bind(req.branch_id)
                    .bind(key.as_str()),
            )
            .await?;
        if let Some((id,)) = existing {
            let t = get(c, id).await?;
            let same = t.service_id == req.request.service_id
                || t.transferred_from.is_some()
                || t.status != TicketStatus::Waiting.as_str();
            if !same {
                return Err(AppError::conflict(
                    "this Idempotency-Key was already used for a different request",
                ));
            }
            return Ok((with_estimate(c, &branch.policy(), t).await?, false));
        }
    }
    if !branch.active {
        return Err(AppError::conflict("this branch is closed for new tickets"));
    }
    // One statement counts the ticket in and reads what the checks below
    // need; a failed check rolls the whole write back, counter included.
    let service: IssuingService = c
        .opt(
            q(concat!(
                "update services set waiting = waiting + 1 where id = $1
                 returning id, branch_id, code, priority_allowed, active, waiting, expected_service_s, ",
                load_columns!()
            ))
            .bind(req.request.service_id)
            .bind(true),
        )
        .await?
        .ok_or(AppError::NotFound("service"))?;
    if service.branch_id != branch.id {
        return Err(AppError::NotFound("service"));
    }
    if !service.active {
        return Err(AppError::conflict(format!(
            "service {} is not available",
            service.code
        )));
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
    let (seq,): (i64,) = c
        .one(q("insert into ticket_counters (branch_id, service_id, business_day, last_seq) values ($1, $2, $3, 1)
                on conflict (branch_id, service_id, business_day) do update set last_seq = ticket_counters.last_seq + 1
                returning last_seq")
            .bind(branch.id)
            .bind(service.id)
            .bind(day.as_str()))
        .await?;
    let number = format_number(&service.code, u32::try_from(seq).unwrap_or(u32::MAX));
    let token = crate::domain::visitor::new_public_token(req.now);
    // One statement inserts and returns the row; the hot path of the
    // server is kept to as few statements as it can be.
    let mut ticket: Ticket = c
        .one(q("insert into tickets (branch_id, service_id, business_day, seq, number, priority, language, status,
                  issued_at, queued_at, idempotency_key, public_token, issued_by_device, updated_at)
                values ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8, $12, $9, $10, $11, $8)
                returning id, branch_id, service_id, business_day, number, priority, language, status, issued_at, queued_at,
                  called_at, started_at, finished_at, desk_id, called_by, call_count, out_of_turn_reason, outcome,
                  transferred_from, public_token, updated_at, issued_by_device")
            .bind(branch.id)
            .bind(service.id)
            .bind(day)
            .bind(seq)
            .bind(number)
            .bind(priority.as_str())
            .bind(req.request.language)
            .bind(req.now)
            .bind(req.idempotency_key)
            .bind(token)
            .bind(req.device_id)
            .bind(queued_at.unwrap_or(req.now)))
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
        "ticket.issued",
        None,
        req.actor,
        req.now,
        serde_json::Value::Null,
        Some(summary),
    )
    .await?;
    if priority == Priority::Normal && queued_at.is_none() {
        // The newest normal ticket stands behind every other waiting ticket
        // of its service: no need to count them one by one.
        let ahead = (waiting - 1).max(0);
        ticket.position = Some(ahead);
        ticket.estimated_wait_s = Some(estimate_wait_s(usize::try_from(ahead).unwrap_or(0), load));
        crate::domain::predictions::fill(c, &branch.policy(), &mut ticket, req.now).await?;
    } else {
        ticket = with_estimate(c, &branch.policy(), ticket).await?;
    }
    crate::domain::predictions::record_issue(c, &ticket).await?;
    Ok((ticket, true))
}

/// Appends a ticket event whose payload is the ticket plus `extra` fields.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    ticket: &Ticket,
    kind: &str,
    desk_id: Option<i64>,
    actor: Actor,
    now: i64,
    extra: serde_json::Value,
) -> Result<()> {
    record_with(c, out, ticket, kind, desk_id, actor, now, extra, None).await
}

/// [`record`] with the service summary already at hand.
#[allow(clippy::too_many_arguments)]
async fn record_with<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    ticket: &Ticket,
    kind: &str,
    desk_id: Option<i64>,
    actor: Actor,
    now: i64,
    extra: serde_json::Value,
    summary: Option<ServiceSummary>,
) -> Result<()> {
    let mut payload = serde_json::json!({ "ticket": ticket.public_view() });
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
    if let Some(map) = payload.as_object_mut() {
        if let serde_json::Value::Object(extra) = extra {
            map.extend(extra);
        }
        map.insert(
            "service".into(),
            serde_json::to_value(summary).unwrap_or_default(),
        );
        if let Some(desk) = desk {
            map.insert(
                "desk".into(),
                serde_json::to_value(desk).unwrap_or_default(),
            );
        }
    }
    events::append(
        c,
        out,
        NewEvent {
            branch_id: ticket.branch_id,
            kind,
            ticket_id: Some(ticket.id),
            desk_id: desk_id.or(ticket.desk_id),
            payload,
            actor,
            at: now,
        },
    )
    .await
}

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
            let head: Option<(i64, i64)> = c
                .opt(q("select id, queued_at from tickets
                        where branch_id = $1 and status = 'waiting' and service_id = $2 and priority = $3
                        order by queued_at, id limit 1")
                    .bind(branch_id)
                    .bind(*service_id)
                    .bind(class.as_str()))
                .await?;
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

fn require_free(desk: &DeskRow) -> Result<()> {
    if let Some(id) = desk.current_ticket_id {
        return Err(AppError::conflict(format!(
            "{} still has ticket {id}: finish, mark no-show, park or transfer it first",
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
    require_free(&desk)?;
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
    require_free(&desk)?;
    let ticket = get(c, ticket_id).await?;
    if ticket.branch_id != desk.branch_id {
        return Err(AppError::NotFound("ticket"));
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
    // ever raced past the branch lock.
    let changed = c
        .run(q("update tickets set status = 'called', desk_id = $2, called_by = $3, called_at = $4, updated_at = $4,
                  call_count = call_count + 1, out_of_turn_reason = $5
                where id = $1 and status in ('waiting', 'parked')")
            .bind(ticket_id)
            .bind(desk.id)
            .bind(who.user_id)
            .bind(who.now)
            .bind(out_of_turn.clone()))
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
    c.run(
        q("update desks set current_ticket_id = $2, calls_since_priority = $3 where id = $1")
            .bind(desk.id)
            .bind(ticket_id)
            .bind(i64::from(calls_since)),
    )
    .await?;
    let ticket = get(c, ticket_id).await?;
    record(
        c,
        out,
        &ticket,
        "ticket.called",
        Some(desk.id),
        who.actor,
        who.now,
        serde_json::json!({
            "desk": { "id": desk.id, "name": desk.name },
            "out_of_turn": out_of_turn.is_some(),
            "reason": out_of_turn.as_deref().unwrap_or(why),
        }),
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
        DeskStep::Recall => (TicketAction::Recall, "ticket.recalled"),
        DeskStep::Start => (TicketAction::Start, "ticket.started"),
        DeskStep::Finish(_) => (TicketAction::Finish, "ticket.finished"),
        DeskStep::NoShow => (TicketAction::NoShow, "ticket.no_show"),
        DeskStep::Park => (TicketAction::Park, "ticket.parked"),
        DeskStep::Transfer(_) => (TicketAction::Transfer, "ticket.transferred"),
    };
    let next = transition(ticket.status()?, action)?;
    let target = match &step {
        DeskStep::Transfer(service_id) => {
            let s = services::get(c, *service_id).await?;
            if s.branch_id != branch.id {
                return Err(AppError::NotFound("service"));
            }
            if !s.active {
                return Err(AppError::conflict(format!(
                    "service {} is not available",
                    s.code
                )));
            }
            if s.id == ticket.service_id {
                return Err(AppError::invalid("the ticket is already in this service"));
            }
            Some(s)
        }
        _ => None,
    };
    match &step {
        DeskStep::Recall => {
            c.run(q("update tickets set called_at = $2, call_count = call_count + 1, updated_at = $2 where id = $1")
                .bind(ticket.id)
                .bind(now))
                .await?;
        }
        DeskStep::Start => {
            c.run(
                q("update tickets set status = $2, started_at = $3, updated_at = $3 where id = $1")
                    .bind(ticket.id)
                    .bind(next.as_str())
                    .bind(now),
            )
            .await?;
        }
        DeskStep::Finish(outcome) => {
            c.run(q("update tickets set status = $2, finished_at = $3, outcome = $4, updated_at = $3 where id = $1")
                .bind(ticket.id)
                .bind(next.as_str())
                .bind(now)
                .bind(outcome.clone()))
                .await?;
        }
        DeskStep::NoShow | DeskStep::Transfer(_) => {
            c.run(q("update tickets set status = $2, finished_at = $3, updated_at = $3 where id = $1")
                .bind(ticket.id)
                .bind(next.as_str())
                .bind(now))
                .await?;
        }
        DeskStep::Park => {
            c.run(
                q("update tickets set status = $2, updated_at = $3 where id = $1")
                    .bind(ticket.id)
                    .bind(next.as_str())
                    .bind(now),
            )
            .await?;
        }
    }
    if next.is_final() || next == TicketStatus::Parked {
        c.run(q("update desks set current_ticket_id = null where id = $1").bind(desk.id))
            .await?;
    }
    let after = get(c, ticket.id).await?;
    let mut extra = serde_json::json!({ "desk": { "id": desk.id, "name": desk.name } });
    let result = if let Some(service) = target {
        let token = crate::domain::visitor::new_public_token(now);
        let (new_id,): (i64,) = c
            // The new leg keeps the visitor's postponement: postponing is
            // once per visit, not once per queue.
            .one(q("insert into tickets (branch_id, service_id, business_day, seq, number, priority, language, status,
                      issued_at, queued_at, transferred_from, public_token, updated_at, postpone_count)
                    values ($1, $2, $3, null, $4, $5, $6, 'waiting', $7, $7, $8, $9, $10,
                            (select postpone_count from tickets where id = $8)) returning id")
                .bind(branch.id)
                .bind(service.id)
                .bind(ticket.business_day.as_str())
                .bind(ticket.number.as_str())
                .bind(ticket.priority.as_str())
                .bind(ticket.language.clone())
                .bind(ticket.issued_at)
                .bind(ticket.id)
                .bind(token)
                .bind(now))
            .await?;
        adjust_waiting(c, service.id, 1).await?;
        let new_ticket = get(c, new_id).await?;
        if let Some(map) = extra.as_object_mut() {
            map.insert("new_ticket".into(), new_ticket.public_view());
        }
        record(c, out, &after, kind, Some(desk.id), who.actor, now, extra).await?;
        record(
            c,
            out,
            &new_ticket,
            "ticket.issued",
            None,
            who.actor,
            now,
            serde_json::json!({ "transferred_from": ticket.id }),
        )
        .await?;
        with_estimate(c, &branch.policy(), new_ticket).await?
    } else {
        record(c, out, &after, kind, Some(desk.id), who.actor, now, extra).await?;
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
    extra: serde_json::Value,
) -> Result<Ticket> {
    let t = get(c, ticket_id).await?;
    branches::lock(c, t.branch_id).await?;
    let t = get(c, ticket_id).await?;
    let next = transition(t.status()?, TicketAction::Cancel)?;
    c.run(
        q("update tickets set status = $2, finished_at = $3, updated_at = $3 where id = $1")
            .bind(t.id)
            .bind(next.as_str())
            .bind(now),
    )
    .await?;
    if t.status == TicketStatus::Waiting.as_str() {
        adjust_waiting(c, t.service_id, -1).await?;
    }
    c.run(q("update desks set current_ticket_id = null where current_ticket_id = $1").bind(t.id))
        .await?;
    let after = get(c, t.id).await?;
    record(
        c,
        out,
        &after,
        "ticket.cancelled",
        t.desk_id,
        actor,
        now,
        extra,
    )
    .await?;
    Ok(after)
}

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
        c.run(
            q("update tickets set status = 'expired', updated_at = $2 where id = $1")
                .bind(id)
                .bind(now),
        )
        .await?;
        if t.status == TicketStatus::Waiting.as_str() {
            adjust_waiting(c, t.service_id, -1).await?;
        }
        c.run(q("update desks set current_ticket_id = null where current_ticket_id = $1").bind(id))
            .await?;
        let after = get(c, id).await?;
        record(
            c,
            out,
            &after,
            "ticket.expired",
            None,
            Actor::System,
            now,
            serde_json::Value::Null,
        )
        .await?;
    }
    Ok(stale.len())
}

/// Query parameters of the queue view.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Order as this desk would call (its services and weights); without
    /// it, the branch-wide order.
    pub desk_id: Option<i64>,
}

/// One ticket in the queue view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueEntry {
    /// Place in call order, from 0.
    pub position: usize,
    /// Ticket id.
    pub ticket_id: i64,
    /// Number.
    pub number: String,
    /// Service.
    pub service_id: i64,
    /// Service code.
    pub service_code: String,
    /// Priority class.
    pub priority: String,
    /// Waiting since, ms.
    pub queued_at: i64,
    /// Seconds waited so far.
    pub waited_s: i64,
    /// Why the ticket stands here.
    pub reason: String,
    /// Credit from the priority class, seconds.
    pub priority_credit_s: i64,
    /// Credit from the desk's weight, seconds.
    pub weight_credit_s: i64,
}

/// Per-service summary.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceQueue {
    /// Service.
    pub service_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Waiting tickets.
    pub waiting: i64,
    /// Longest current wait, seconds.
    pub longest_wait_s: i64,
    /// Service standard, seconds.
    pub standard_wait_s: i64,
    /// Estimated wait for a ticket issued now, seconds.
    pub estimated_wait_s: i64,
    /// Open desks serving it.
    pub open_desks: u32,
}

/// The queue view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueView {
    /// Branch.
    pub branch_id: i64,
    /// Desk whose order this is, if any.
    pub desk_id: Option<i64>,
    /// When computed, ms.
    pub generated_at: i64,
    /// Waiting tickets in call order.
    pub waiting: Vec<QueueEntry>,
    /// Parked tickets (called again explicitly).
    pub parked: Vec<Ticket>,
    /// Per service.
    pub services: Vec<ServiceQueue>,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct WaitingRow {
    id: i64,
    service_id: i64,
    number: String,
    priority: String,
    queued_at: i64,
}

/// Builds the queue view.
///
/// # Errors
/// Unknown branch or desk.
pub async fn queue_view<C: Exec>(
    c: &mut C,
    branch_id: i64,
    desk_id: Option<i64>,
    now: i64,
) -> Result<QueueView> {
    let branch = branches::get(c, branch_id).await?;
    let policy = branch.policy();
    let service_rows = services::list(c, branch_id).await?;
    let rows: Vec<WaitingRow> = c
        .all(
            q(
                "select id, service_id, number, priority, queued_at from tickets
                where branch_id = $1 and status = 'waiting' order by queued_at, id",
            )
            .bind(branch_id),
        )
        .await?;
    let candidates: Vec<Candidate> = rows
        .iter()
        .map(|r| Candidate {
            ticket_id: r.id,
            service_id: r.service_id,
            priority: r.priority.parse().unwrap_or_default(),
            queued_at_ms: r.queued_at,
        })
        .collect();
    let placements = match desk_id {
        Some(d) => {
            let desk = desks::get(c, d).await?;
            if desk.branch_id != branch_id {
                return Err(AppError::NotFound("desk"));
            }
            let desk_policy = DeskPolicy {
                weights: desks::weights(c, d).await?,
                calls_since_priority: u32::try_from(desk.calls_since_priority).unwrap_or(0),
            };
            waitwell_queue::order_for_desk(&candidates, &desk_policy, &policy, now)
        }
        None => waitwell_queue::order_branch(&candidates, &policy, now),
    };
    let by_id: std::collections::HashMap<i64, &WaitingRow> =
        rows.iter().map(|r| (r.id, r)).collect();
    let code_of = |service_id: i64| {
        service_rows
            .iter()
            .find(|s| s.id == service_id)
            .map(|s| s.code.clone())
            .unwrap_or_default()
    };
    let waiting = placements
        .iter()
        .filter_map(|p| {
            let row = by_id.get(&p.ticket_id)?;
            Some(QueueEntry {
                position: p.position,
                ticket_id: p.ticket_id,
                number: row.number.clone(),
                service_id: p.service_id,
                service_code: code_of(p.service_id),
                priority: row.priority.clone(),
                queued_at: row.queued_at,
                waited_s: (now - row.queued_at).max(0) / 1000,
                reason: p.reason.text.clone(),
                priority_credit_s: p.reason.priority_credit_s,
                weight_credit_s: p.reason.weight_credit_s,
            })
        })
        .collect();
    let parked: Vec<Ticket> = {
        let ids: Vec<(i64,)> = c
            .all(q("select id from tickets where branch_id = $1 and status = 'parked' order by updated_at, id")
                .bind(branch_id))
            .await?;
        let mut parked = Vec::with_capacity(ids.len());
        for (id,) in ids {
            parked.push(get(c, id).await?);
        }
        parked
    };
    let mut services_out = Vec::new();
    for s in service_rows.iter().filter(|s| s.active) {
        let in_service: Vec<&WaitingRow> = rows.iter().filter(|r| r.service_id == s.id).collect();
        let load = service_load(c, s.id).await?;
        let waiting = i64::try_from(in_service.len()).unwrap_or(i64::MAX);
        services_out.push(ServiceQueue {
            service_id: s.id,
            code: s.code.clone(),
            name: s.name.clone(),
            waiting,
            longest_wait_s: in_service
                .iter()
                .map(|r| (now - r.queued_at).max(0) / 1000)
                .max()
                .unwrap_or(0),
            standard_wait_s: s.standard_wait_s,
            estimated_wait_s: estimate_wait_s(in_service.len(), load),
            open_desks: load.open_desks,
        });
    }
    Ok(QueueView {
        branch_id,
        desk_id,
        generated_at: now,
        waiting,
        parked,
        services: services_out,
    })
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
}
