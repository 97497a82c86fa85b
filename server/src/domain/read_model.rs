//! The live read model: each branch's open state held in memory on every
//! instance, so the hot reads (live snapshots, the queue view, visitors'
//! ticket pages and their pushes) are answered without SQL.
//!
//! A [`BranchModel`] holds what those reads are computed from — the branch,
//! its services, desks and allocations, the open tickets, the recent calls,
//! the last finished visits per service (load and learned service times) and
//! today's arrivals — and nothing else. It is loaded from the database in
//! one read transaction ([`BranchModel::load`]) and then fed every
//! committed event of the branch in seq order ([`BranchModel::apply`]): the
//! hub applies each event before it wakes any live connection
//! (`events/hub.rs`), so a socket or ticket page woken by an event reads a
//! model that already holds it.
//!
//! The answers are computed by the same functions as the SQL reads
//! ([`QueueInputs::view`], [`ViewParts::view`], [`SnapshotParts::snapshot`]);
//! only where their inputs come from differs. `server/tests/read_model.rs`
//! runs random operation sequences on both backends and two instances and
//! checks that every answer from memory equals the SQL answer.
//!
//! Freshness ([`ReadModels::current`]): a read first asks the database for
//! the branch's head seq (one point read). A model behind it (a PostgreSQL
//! instance whose listener has not relayed another instance's write yet, or
//! a write whose events are published just after its answer) catches up
//! from the event table; a model that cannot (a gap wider than
//! [`CATCH_UP_LIMIT`], a restart, an event it could not read) is loaded
//! again. So a read never returns a state older than what was committed
//! when it started, on any instance.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use waitwell_proto::live::{Call, DeskEntry, Snapshot, TicketEntry};
use waitwell_proto::{Allocation, Desk, EventData, Service, ServiceSummary, ServiceWithSummary};
use waitwell_queue::{
    ARRIVAL_WINDOW_MS, Busy, Candidate, DeskPolicy, LEARN_KEEP, OpenDesk, Prediction, Priority,
    Served, ServiceLoad, Situation, TicketStatus, estimate_wait_s, learn_service_times,
    recent_arrival_rates,
};

use crate::domain::branches::{self, BranchRow};
use crate::domain::desks;
use crate::domain::predictions::{self, MAX_SIMULATED};
use crate::domain::projection::Filter;
use crate::domain::services;
use crate::domain::tickets::{self, QueueInputs, Ticket, WaitingRow};
use crate::domain::visitor::{PublicTicket, ViewParts};
use crate::error::{AppError, Result};
use crate::events::{self, Event};
use crate::store::{Db, Exec, lookup, q, read, read_tx};

pub use waitwell_proto::live::PROTOCOL;

/// Calls kept in a snapshot's `calls` list (newest first).
pub const RECENT_CALLS: usize = 10;
/// Call events a snapshot picks its calls from (before its filter).
pub const CALLS_SCANNED: usize = 200;
/// Finished visits kept per service: enough for the learned service times
/// ([`LEARN_KEEP`]) and the load's recent average (the last 20).
const FINISHED_KEPT: usize = LEARN_KEEP;
/// Finished visits the load's average is taken over.
const LOAD_WINDOW: usize = 20;
/// The widest gap a model closes from the event table; a wider one loads
/// the model again.
pub const CATCH_UP_LIMIT: i64 = 2000;
/// How long one simulation of the branch's waiting tickets answers ticket
/// pages while nothing changes (a busy desk's visitor grows older).
pub const PREDICTION_TTL_MS: i64 = 30_000;

/// A call as shown on displays, from a `ticket.called` or
/// `ticket.recalled` event.
pub fn call_entry(event: &Event) -> Option<Call> {
    if event.kind != "ticket.called" && event.kind != "ticket.recalled" {
        return None;
    }
    let data = event.data();
    Some(Call {
        seq: event.seq,
        recall: event.kind == "ticket.recalled",
        ticket_id: event.ticket_id,
        number: data["ticket"]["number"].as_str()?.to_owned(),
        service_id: data["ticket"]["service_id"].as_i64()?,
        desk_id: event.desk_id,
        desk_name: data["desk"]["name"].as_str().map(str::to_owned),
        // Calls recorded before desks had names per language carry none.
        desk_names: serde_json::from_value(data["desk"]["names"].clone()).unwrap_or_default(),
        at: event.at,
    })
}

/// What a live snapshot is made of, before its filter: read from the
/// database ([`snapshot_from_db`]) or from a [`BranchModel`].
pub struct SnapshotParts<'a> {
    /// The branch.
    pub branch: &'a BranchRow,
    /// The seq the state stands at.
    pub seq: i64,
    /// Active services by code, with their queues.
    pub services: Vec<ServiceWithSummary>,
    /// Desks by name.
    pub desks: Vec<&'a Desk>,
    /// Open tickets by id.
    pub tickets: Vec<&'a Ticket>,
    /// The latest calls, newest first (at most [`CALLS_SCANNED`]).
    pub calls: Vec<&'a Call>,
}

impl SnapshotParts<'_> {
    /// The snapshot a client with `filter` receives.
    pub fn snapshot(self, filter: &Filter) -> Snapshot {
        let services = self
            .services
            .into_iter()
            .filter(|s| filter.service_ok(Some(s.service.id)))
            .collect();
        let desks = self
            .desks
            .into_iter()
            .filter(|d| filter.desk_ok(Some(d.id)))
            .map(|d| filter.entry(DeskEntry::Staff(d.clone()), DeskEntry::public))
            .collect();
        let tickets = self
            .tickets
            .into_iter()
            .filter(|t| filter.service_ok(Some(t.service_id)) && filter.desk_ok(t.desk_id))
            .map(|t| filter.entry(TicketEntry::Staff(t.clone()), TicketEntry::public))
            .collect();
        let calls = self
            .calls
            .into_iter()
            .filter(|c| filter.service_ok(Some(c.service_id)) && filter.desk_ok(c.desk_id))
            .take(RECENT_CALLS)
            .cloned()
            .collect();
        let mut branch = self.branch.to_api();
        // The head moves with every event; the snapshot's own seq says it.
        branch.event_seq = None;
        Snapshot {
            kind: Default::default(),
            protocol: PROTOCOL,
            seq: self.seq,
            prev_seq: None,
            branch,
            services,
            desks,
            tickets,
            calls,
        }
    }
}

/// Builds the snapshot of a branch's live state from the database. Run it
/// in one read-only transaction ([`read_tx!`](crate::store::read_tx)) so
/// its seq and its content agree.
///
/// # Errors
/// Database errors; an unknown branch.
pub async fn snapshot_from_db<C: Exec>(
    c: &mut C,
    branch_id: i64,
    filter: &Filter,
) -> Result<Snapshot> {
    let branch = branches::get(c, branch_id).await?;
    let mut services_out = Vec::new();
    for s in services::list(c, branch_id).await? {
        if s.active {
            let summary = tickets::service_summary(c, s.id).await?;
            services_out.push(ServiceWithSummary::new(s.to_api(), summary));
        }
    }
    let desks = desks::of_branch(c, branch_id).await?;
    let tickets = open_tickets(c, branch_id).await?;
    let calls = recent_calls(c, branch_id).await?;
    Ok(SnapshotParts {
        branch: &branch,
        seq: branch.event_seq,
        services: services_out,
        desks: desks.iter().collect(),
        tickets: tickets.iter().map(|(t, _)| t).collect(),
        calls: calls.iter().collect(),
    }
    .snapshot(filter))
}

/// The branch's open tickets by id, each with its postpone count.
async fn open_tickets<C: Exec>(c: &mut C, branch_id: i64) -> Result<Vec<(Ticket, i64)>> {
    let open: Vec<(i64, i64)> = c
        .all(
            q(concat!(
                "select id, postpone_count from tickets where branch_id = $1 and status in ",
                tickets::open_statuses!(),
                " order by id"
            ))
            .bind(branch_id),
        )
        .await?;
    let mut out = Vec::with_capacity(open.len());
    for (id, postponed) in open {
        out.push((tickets::get(c, id).await?, postponed));
    }
    Ok(out)
}

/// The branch's latest [`CALLS_SCANNED`] calls, newest first.
async fn recent_calls<C: Exec>(c: &mut C, branch_id: i64) -> Result<Vec<Call>> {
    let recent: Vec<Event> = c
        .all(q("select branch_id, seq, type, ticket_id, desk_id, payload, actor, at, prev_hash, hash from events
                where branch_id = $1 and type in ('ticket.called', 'ticket.recalled') order by seq desc limit $2")
            .bind(branch_id)
            .bind(CALLS_SCANNED as i64))
        .await?;
    Ok(recent.iter().filter_map(call_entry).collect())
}

/// One finished visit, as the load and the learned times need it.
#[derive(Debug, Clone, PartialEq)]
struct Finished {
    /// Ticket id (orders visits finished in the same millisecond).
    id: i64,
    /// When it finished, ms.
    finished_at: i64,
    /// The desk that served it.
    desk_id: Option<i64>,
    /// From start (or call) to finish, ms.
    duration_ms: Option<i64>,
}

impl Finished {
    fn of(t: &Ticket) -> Option<Finished> {
        Some(Finished {
            id: t.id,
            finished_at: t.finished_at?,
            desk_id: t.desk_id,
            duration_ms: t
                .started_at
                .or(t.called_at)
                .zip(t.finished_at)
                .map(|(from, to)| to - from),
        })
    }
}

/// An arrival: a ticket issued today that is not a transfer.
#[derive(Debug, Clone, PartialEq)]
struct Arrival {
    service_id: i64,
    priority: Priority,
    issued_at: i64,
}

/// Today's arrivals, as predictions read them.
#[derive(Debug, Clone, Default, PartialEq)]
struct Day {
    /// The business day these are of.
    business_day: String,
    /// The day's first ticket (transfers included).
    first_issued_at: Option<i64>,
    /// Arrivals within the last [`ARRIVAL_WINDOW_MS`] of the latest one.
    arrivals: VecDeque<Arrival>,
}

/// An open ticket.
#[derive(Debug, Clone, PartialEq)]
struct Open {
    ticket: Ticket,
    postpone_count: i64,
}

/// One branch's live state, as of event `seq`.
#[derive(Debug, Clone)]
pub struct BranchModel {
    seq: i64,
    branch: BranchRow,
    /// The branch's languages, parsed once.
    languages: Vec<String>,
    services: BTreeMap<i64, Service>,
    desks: BTreeMap<i64, Desk>,
    /// Each desk's stored allocation (inactive services included).
    allocation: BTreeMap<i64, Vec<Allocation>>,
    open: BTreeMap<i64, Open>,
    /// Per service, the last [`FINISHED_KEPT`] finished visits, oldest first.
    finished: BTreeMap<i64, VecDeque<Finished>>,
    /// The latest calls, newest first.
    calls: VecDeque<Call>,
    day: Day,
    /// Transferred ticket → the ticket that continues it.
    continued_by: HashMap<i64, i64>,
    /// Transferred ticket → its postponements, which its continuation
    /// inherits (one postponement per visit).
    carried_postpones: HashMap<i64, i64>,
}

/// What [`BranchModel::apply`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The model now stands at the event.
    Done,
    /// The model already held it.
    Old,
    /// Events before it are missing: the model must catch up first.
    Gap,
    /// The event's data could not be read: the model must be loaded again.
    Unreadable,
}

impl BranchModel {
    /// Loads a branch's model; run it in one read-only transaction so the
    /// state and its seq agree.
    ///
    /// # Errors
    /// Database errors; an unknown branch.
    pub async fn load<C: Exec>(c: &mut C, branch_id: i64) -> Result<BranchModel> {
        let branch = branches::get(c, branch_id).await?;
        let mut services = BTreeMap::new();
        let mut finished = BTreeMap::new();
        for row in services::list(c, branch_id).await? {
            let rows: Vec<Ticket> = c
                .all(
                    q("select id, branch_id, service_id, business_day, number, priority, language, status, issued_at, queued_at,
                              called_at, started_at, finished_at, desk_id, called_by, call_count, out_of_turn_reason, outcome,
                              transferred_from, public_token, updated_at, issued_by_device
                       from tickets where service_id = $1 and status = 'done'
                       order by finished_at desc, id desc limit $2")
                    .bind(row.id)
                    .bind(FINISHED_KEPT as i64),
                )
                .await?;
            finished.insert(
                row.id,
                rows.iter()
                    .rev()
                    .filter_map(Finished::of)
                    .collect::<VecDeque<_>>(),
            );
            services.insert(row.id, row.to_api());
        }
        let mut desks = BTreeMap::new();
        let mut allocation = BTreeMap::new();
        for d in desks::of_branch(c, branch_id).await? {
            allocation.insert(d.id, desks::allocation_of(c, d.id).await?);
            desks.insert(d.id, d);
        }
        let mut open = BTreeMap::new();
        let mut continued_by = HashMap::new();
        for (ticket, postpone_count) in open_tickets(c, branch_id).await? {
            if let Some(from) = ticket.transferred_from {
                continued_by.insert(from, ticket.id);
            }
            open.insert(
                ticket.id,
                Open {
                    ticket: stored(ticket),
                    postpone_count,
                },
            );
        }
        let calls = recent_calls(c, branch_id).await?.into();
        let business_day = branch.business_day(crate::now_ms());
        let (first_issued_at,): (Option<i64>,) = c
            .one(
                q("select min(issued_at) from tickets where branch_id = $1 and business_day = $2")
                    .bind(branch_id)
                    .bind(&business_day),
            )
            .await?;
        let recent: Vec<(i64, String, i64)> = c
            .all(
                q("select service_id, priority, issued_at from tickets
                   where branch_id = $1 and business_day = $2 and transferred_from is null and issued_at > $3
                   order by issued_at, id")
                .bind(branch_id)
                .bind(&business_day)
                .bind(crate::now_ms() - 2 * ARRIVAL_WINDOW_MS),
            )
            .await?;
        let day = Day {
            business_day,
            first_issued_at,
            arrivals: recent
                .into_iter()
                .map(|(service_id, priority, issued_at)| Arrival {
                    service_id,
                    priority: priority.parse().unwrap_or_default(),
                    issued_at,
                })
                .collect(),
        };
        Ok(BranchModel {
            seq: branch.event_seq,
            languages: branch.languages(),
            branch,
            services,
            desks,
            allocation,
            open,
            finished,
            calls,
            day,
            continued_by,
            carried_postpones: HashMap::new(),
        })
    }

    /// The seq of the last event the model holds.
    pub fn seq(&self) -> i64 {
        self.seq
    }

    /// Applies the next committed event of the branch.
    pub fn apply(&mut self, event: &Event) -> Applied {
        if event.branch_id != self.branch.id || event.seq <= self.seq {
            return Applied::Old;
        }
        if event.seq != self.seq + 1 {
            return Applied::Gap;
        }
        // Read straight from the stored text, tagged with its type: no copy
        // of the parsed payload.
        let tagged = format!(
            "{{\"type\":{},\"data\":{}}}",
            serde_json::Value::from(event.kind.as_str()),
            event.payload
        );
        let data: EventData = match serde_json::from_str(&tagged) {
            Ok(data) => data,
            Err(e) => {
                tracing::warn!(kind = %event.kind, seq = event.seq, error = %e,
                    "an event the read model cannot read; loading the branch again");
                return Applied::Unreadable;
            }
        };
        if let Some(change) = data.ticket_change() {
            let TicketEntry::Staff(ticket) = &change.ticket else {
                return Applied::Unreadable;
            };
            self.ticket_changed(ticket.clone(), &data, event.at);
            if let Some(DeskEntry::Staff(desk)) = &change.desk {
                self.desks.insert(desk.id, desk.clone());
            }
            if let Some(call) = call_entry(event) {
                self.calls.push_front(call);
                self.calls.truncate(CALLS_SCANNED);
            }
        } else if let Some(change) = data.desk_change() {
            let DeskEntry::Staff(desk) = &change.desk else {
                return Applied::Unreadable;
            };
            if let Some(allocation) = &change.allocation {
                self.allocation.insert(desk.id, allocation.clone());
            }
            self.allocation.entry(desk.id).or_default();
            self.desks.insert(desk.id, desk.clone());
        } else {
            match data {
                EventData::ServiceCreated(c) | EventData::ServiceUpdated(c) => {
                    self.finished.entry(c.service.id).or_default();
                    self.services.insert(c.service.id, c.service);
                }
                EventData::BranchCreated(b) | EventData::BranchUpdated(b) => {
                    self.branch = BranchRow::from_api(&b, self.branch.event_seq);
                    self.languages = self.branch.languages();
                }
                _ => {}
            }
        }
        self.seq = event.seq;
        self.branch.event_seq = event.seq;
        Applied::Done
    }

    fn ticket_changed(&mut self, ticket: Ticket, data: &EventData, at: i64) {
        let ticket = stored(ticket);
        let open = ticket.status().is_ok_and(TicketStatus::is_open);
        if matches!(data, EventData::TicketIssued(_)) {
            if let Some(from) = ticket.transferred_from {
                self.continued_by.entry(from).or_insert(ticket.id);
            }
            self.arrived(&ticket, at);
        }
        if ticket.status == TicketStatus::Done.as_str()
            && let Some(done) = Finished::of(&ticket)
        {
            let list = self.finished.entry(ticket.service_id).or_default();
            let at = list
                .iter()
                .rposition(|f| (f.finished_at, f.id) < (done.finished_at, done.id))
                .map_or(0, |i| i + 1);
            list.insert(at, done);
            while list.len() > FINISHED_KEPT {
                list.pop_front();
            }
        }
        if open {
            let postponed = u8::from(matches!(data, EventData::TicketPostponed(_)));
            let carried = ticket
                .transferred_from
                .and_then(|from| self.carried_postpones.remove(&from))
                .unwrap_or(0);
            let entry = self.open.entry(ticket.id).or_insert(Open {
                ticket: ticket.clone(),
                postpone_count: carried,
            });
            entry.ticket = ticket;
            entry.postpone_count += i64::from(postponed);
        } else if let Some(closed) = self.open.remove(&ticket.id)
            && matches!(data, EventData::TicketTransferred(_))
        {
            self.carried_postpones
                .insert(ticket.id, closed.postpone_count);
        }
        if self.open.is_empty() && !matches!(data, EventData::TicketTransferred(_)) {
            // No chain of transfers leads to an open ticket any more (the
            // day's end closes them all): nothing to remember. (A transfer
            // opens its continuation with the next event.)
            self.continued_by.clear();
            self.carried_postpones.clear();
        }
    }

    fn arrived(&mut self, t: &Ticket, at: i64) {
        if self.day.business_day != t.business_day {
            self.day = Day {
                business_day: t.business_day.clone(),
                first_issued_at: None,
                arrivals: VecDeque::new(),
            };
        }
        let first = self.day.first_issued_at.get_or_insert(t.issued_at);
        *first = (*first).min(t.issued_at);
        if t.transferred_from.is_none() {
            self.day.arrivals.push_back(Arrival {
                service_id: t.service_id,
                priority: t.priority(),
                issued_at: t.issued_at,
            });
        }
        while self
            .day
            .arrivals
            .front()
            .is_some_and(|a| a.issued_at <= at - 2 * ARRIVAL_WINDOW_MS)
        {
            self.day.arrivals.pop_front();
        }
    }

    /// The branch as the API shows it.
    pub fn branch(&self) -> &BranchRow {
        &self.branch
    }

    /// The live snapshot a client with `filter` receives.
    pub fn snapshot(&self, filter: &Filter) -> Snapshot {
        let services = self
            .services_by_code()
            .filter(|s| s.active)
            .map(|s| ServiceWithSummary::new(s.clone(), self.summary(s)))
            .collect();
        let mut desks: Vec<&Desk> = self.desks.values().collect();
        desks.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        SnapshotParts {
            branch: &self.branch,
            seq: self.seq,
            services,
            desks,
            tickets: self.open.values().map(|o| &o.ticket).collect(),
            calls: self.calls.iter().collect(),
        }
        .snapshot(filter)
    }

    fn services_by_code(&self) -> impl Iterator<Item = &Service> {
        let mut services: Vec<&Service> = self.services.values().collect();
        services.sort_by(|a, b| a.code.cmp(&b.code).then(a.id.cmp(&b.id)));
        services.into_iter()
    }

    /// The waiting tickets of a service, or of every service.
    fn waiting(&self, service_id: Option<i64>) -> impl Iterator<Item = &Ticket> {
        self.open.values().map(|o| &o.ticket).filter(move |t| {
            t.status == TicketStatus::Waiting.as_str()
                && service_id.is_none_or(|s| s == t.service_id)
        })
    }

    /// Open desks serving a service and its recent average service time,
    /// as [`tickets::service_load`] reads them.
    fn service_load(&self, service: &Service) -> ServiceLoad {
        let open_desks = self
            .desks
            .values()
            .filter(|d| d.status == "open" && d.active)
            .filter(|d| {
                self.allocation
                    .get(&d.id)
                    .is_some_and(|a| a.iter().any(|a| a.service_id == service.id))
            })
            .count();
        let recent: Vec<i64> = self
            .finished
            .get(&service.id)
            .map(|f| {
                f.iter()
                    .rev()
                    .take(LOAD_WINDOW)
                    .filter_map(|f| f.duration_ms)
                    .collect()
            })
            .unwrap_or_default();
        ServiceLoad {
            open_desks: u32::try_from(open_desks).unwrap_or(u32::MAX),
            avg_service_s: if recent.is_empty() {
                service.expected_service_s as f64
            } else {
                recent.iter().map(|ms| *ms as f64).sum::<f64>() / recent.len() as f64 / 1000.0
            },
        }
    }

    fn summary(&self, service: &Service) -> ServiceSummary {
        let load = self.service_load(service);
        let waiting = self.waiting(Some(service.id)).count();
        ServiceSummary {
            id: service.id,
            waiting: i64::try_from(waiting).unwrap_or(i64::MAX),
            estimated_wait_s: estimate_wait_s(waiting, load),
            open_desks: load.open_desks,
        }
    }

    /// The queue view's inputs.
    ///
    /// # Errors
    /// NotFound for a desk of another branch or none.
    pub fn queue_inputs(&self, desk_id: Option<i64>) -> Result<QueueInputs> {
        let desk = match desk_id {
            Some(id) => {
                let desk = self.desks.get(&id).ok_or(AppError::NotFound("desk"))?;
                Some((
                    id,
                    DeskPolicy {
                        weights: self.weights(id, |w| w.clamp(1, waitwell_queue::MAX_WEIGHT)),
                        calls_since_priority: u32::try_from(desk.calls_since_priority).unwrap_or(0),
                    },
                ))
            }
            None => None,
        };
        let mut waiting: Vec<WaitingRow> = self
            .waiting(None)
            .map(|t| WaitingRow {
                id: t.id,
                service_id: t.service_id,
                number: t.number.clone(),
                priority: t.priority.clone(),
                queued_at: t.queued_at,
            })
            .collect();
        waiting.sort_by_key(|w| (w.queued_at, w.id));
        let mut parked: Vec<Ticket> = self
            .open
            .values()
            .filter(|o| o.ticket.status == TicketStatus::Parked.as_str())
            .map(|o| o.ticket.clone())
            .collect();
        parked.sort_by_key(|t| (t.updated_at, t.id));
        let services: Vec<Service> = self.services_by_code().cloned().collect();
        let loads = services
            .iter()
            .filter(|s| s.active)
            .map(|s| (s.id, self.service_load(s)))
            .collect();
        Ok(QueueInputs {
            branch_id: self.branch.id,
            policy: self.branch.policy(),
            services,
            waiting,
            desk,
            parked,
            loads,
        })
    }

    /// A desk's allocation over active services, by service id.
    fn weights(&self, desk_id: i64, weight: impl Fn(u32) -> u32) -> Vec<(i64, u32)> {
        let mut out: Vec<(i64, u32)> = self
            .allocation
            .get(&desk_id)
            .into_iter()
            .flatten()
            .filter(|a| self.services.get(&a.service_id).is_some_and(|s| s.active))
            .map(|a| (a.service_id, weight(a.weight)))
            .collect();
        out.sort_unstable();
        out
    }

    /// The open desks as the prediction engine sees them.
    fn open_desks(&self, now: i64) -> Vec<OpenDesk> {
        self.desks
            .values()
            .filter(|d| d.status == "open" && d.active)
            .map(|d| OpenDesk {
                desk_id: d.id,
                policy: DeskPolicy {
                    weights: self.weights(d.id, |w| w),
                    calls_since_priority: u32::try_from(d.calls_since_priority).unwrap_or(0),
                },
                busy: d
                    .current_ticket_id
                    .and_then(|id| self.open.get(&id))
                    .map(|o| Busy {
                        service_id: o.ticket.service_id,
                        since_ms: o.ticket.started_at.or(o.ticket.called_at).unwrap_or(now),
                    }),
            })
            .collect()
    }

    /// What the estimates take: positions and loads, and the predictions
    /// when they are cheap or else the situation to simulate (outside any
    /// lock).
    fn plan(&self, now: i64) -> Plan {
        let desks = self.open_desks(now);
        let positions = self.positions();
        let loads = self
            .services
            .values()
            .map(|s| (s.id, self.service_load(s)))
            .collect();
        let waiting: Vec<&Ticket> = self.waiting(None).collect();
        let mut out = BTreeMap::new();
        let total = i64::try_from(waiting.len()).unwrap_or(i64::MAX);
        let times = || {
            let mut history = Vec::new();
            let mut expected = BTreeMap::new();
            for s in self.services.values().filter(|s| s.active) {
                expected.insert(s.id, s.expected_service_s as f64);
                let Some(done) = self.finished.get(&s.id) else {
                    continue;
                };
                history.extend(done.iter().filter_map(|f| {
                    Some(Served {
                        service_id: s.id,
                        desk_id: f.desk_id?,
                        seconds: f.duration_ms? as f64 / 1000.0,
                    })
                }));
            }
            learn_service_times(&history, &expected)
        };
        let predictions = if total > MAX_SIMULATED {
            let times = times();
            for t in waiting {
                let serving = predictions::serving(&desks, t.service_id);
                let p = if serving == 0 {
                    Prediction::NoDesk
                } else {
                    let mut t = t.clone();
                    t.position = positions.get(&t.id).copied();
                    predictions::long_queue(&t, total, serving, &times)
                };
                out.insert(t.id, p);
            }
            Predict::Made(out)
        } else if waiting.is_empty() {
            Predict::Made(out)
        } else {
            Predict::Simulate(Box::new(Situation {
                now_ms: now,
                config: self.branch.policy(),
                desks,
                waiting: waiting
                    .iter()
                    .map(|t| Candidate {
                        ticket_id: t.id,
                        service_id: t.service_id,
                        priority: t.priority(),
                        queued_at_ms: t.queued_at,
                    })
                    .collect(),
                times: times(),
                arrivals: self.arrivals(now),
            }))
        };
        Plan {
            positions,
            loads,
            predictions,
        }
    }

    fn arrivals(&self, now: i64) -> Vec<waitwell_queue::ArrivalRate> {
        let today = self.branch.business_day(now);
        if today != self.day.business_day {
            return recent_arrival_rates(std::iter::empty(), now, now);
        }
        recent_arrival_rates(
            self.day
                .arrivals
                .iter()
                .filter(|a| a.issued_at > now - ARRIVAL_WINDOW_MS)
                .map(|a| (a.service_id, a.priority, a.issued_at)),
            now,
            self.day.first_issued_at.unwrap_or(now),
        )
    }

    /// People ahead of each waiting ticket in its service, in the order
    /// of [`tickets::with_estimate`]: effective time (priority credit
    /// taken off), queued time, id.
    fn positions(&self) -> HashMap<i64, i64> {
        let policy = self.branch.policy();
        let credit = |p: Priority| policy.class_credit_s(p) * 1000;
        let mut by_service: BTreeMap<i64, Vec<(i64, i64, i64)>> = BTreeMap::new();
        for t in self.waiting(None) {
            by_service.entry(t.service_id).or_default().push((
                t.queued_at - credit(t.priority()),
                t.queued_at,
                t.id,
            ));
        }
        let mut out = HashMap::new();
        for mut queue in by_service.into_values() {
            queue.sort_unstable();
            for (ahead, (_, _, id)) in queue.into_iter().enumerate() {
                out.insert(id, i64::try_from(ahead).unwrap_or(i64::MAX));
            }
        }
        out
    }

    /// The open ticket a visitor's first ticket has become (followed
    /// through transfers), or `None` when it is closed.
    pub fn resolve(&self, first_id: i64) -> Option<i64> {
        let mut id = first_id;
        for _ in 0..32 {
            if self.open.contains_key(&id) {
                return Some(id);
            }
            id = *self.continued_by.get(&id)?;
        }
        None
    }

    /// The public view of open ticket `id`, with `estimates` made at
    /// `now`; `None` when the ticket is not open.
    ///
    /// # Errors
    /// A corrupted status.
    pub fn public_view(
        &self,
        id: i64,
        estimates: &Estimates,
        now: i64,
    ) -> Result<Option<PublicTicket>> {
        let Some(open) = self.open.get(&id) else {
            return Ok(None);
        };
        let mut t = open.ticket.clone();
        let Some(service) = self.services.get(&t.service_id) else {
            return Ok(None);
        };
        if t.status == TicketStatus::Waiting.as_str() {
            let ahead = estimates.positions.get(&t.id).copied().unwrap_or(0);
            t.position = Some(ahead);
            let load = estimates
                .loads
                .get(&t.service_id)
                .copied()
                .unwrap_or_else(|| self.service_load(service));
            t.estimated_wait_s = Some(estimate_wait_s(usize::try_from(ahead).unwrap_or(0), load));
            let p = estimates.predictions.get(&t.id).copied();
            predictions::apply(&mut t, p);
        }
        let at_desk =
            t.status == TicketStatus::Called.as_str() || t.status == TicketStatus::Serving.as_str();
        let desk = match t.desk_id {
            Some(d) if at_desk => self.desks.get(&d),
            _ => None,
        };
        ViewParts {
            postpone_count: open.postpone_count,
            rating: None,
            branch: &self.branch,
            service,
            desk,
            languages: self.languages.clone(),
        }
        .view(t, now)
        .map(Some)
    }
}

/// What every waiting ticket's page shows besides the ticket: worked out
/// once per change of the branch, shared by every page.
#[derive(Debug, Clone, Default)]
pub struct Estimates {
    /// People ahead, per waiting ticket.
    positions: HashMap<i64, i64>,
    /// Each service's load (open desks, recent service time).
    loads: HashMap<i64, ServiceLoad>,
    /// Each waiting ticket's prediction.
    predictions: BTreeMap<i64, Prediction>,
}

/// The estimates before the simulation.
struct Plan {
    positions: HashMap<i64, i64>,
    loads: HashMap<i64, ServiceLoad>,
    predictions: Predict,
}

/// How the waiting tickets' predictions are made.
enum Predict {
    /// Already made (nobody waits, no desk, or a queue too long to
    /// simulate).
    Made(BTreeMap<i64, Prediction>),
    /// One simulation of this situation.
    Simulate(Box<Situation>),
}

impl Plan {
    /// Runs the simulation, if any.
    fn finish(self) -> Estimates {
        Estimates {
            positions: self.positions,
            loads: self.loads,
            predictions: match self.predictions {
                Predict::Made(p) => p,
                Predict::Simulate(situation) => predictions::simulate_all(&situation),
            },
        }
    }
}

/// A ticket as the model keeps it: the stored fields only (events carry
/// the estimates of the moment, which are computed per read).
fn stored(mut t: Ticket) -> Ticket {
    t.position = None;
    t.estimated_wait_s = None;
    t.predicted_wait_s = None;
    t.predicted_range_s = None;
    t.no_open_desk = false;
    t.public_token = String::new();
    t.issued_by_device = None;
    t
}

/// The estimates of a branch's waiting tickets, shared by every page.
type Table = Arc<Estimates>;

/// One simulation's answer: (the seq it stands at, when it was made, the
/// table).
type Predicted = (i64, i64, Table);

/// A serialised answer: (the seq it stands at, when it was made, JSON).
type Answer = (i64, i64, Arc<[u8]>);

/// A branch's model and what is computed from it once per change.
#[derive(Default)]
struct Slot {
    model: RwLock<Option<BranchModel>>,
    /// The latest simulation of the waiting tickets: (seq, made at, table).
    predictions: Mutex<Option<Predicted>>,
    /// Serialised answers by name: (seq, made at, JSON).
    answers: Mutex<HashMap<String, Answer>>,
}

/// How long a serialised answer (the queue view) is served again while
/// nothing changes: its waits are counted in seconds.
pub const ANSWER_MAX_AGE_MS: i64 = 1000;

/// Most public tokens remembered (token → first ticket and branch); when
/// full it starts over, and a token not remembered costs one point read.
const TOKENS_KEPT: usize = 200_000;

/// Every branch's read model on this instance. Branches are loaded on
/// their first read.
#[derive(Default)]
pub struct ReadModels {
    slots: Mutex<HashMap<i64, Arc<Slot>>>,
    tokens: Mutex<HashMap<String, (i64, i64)>>,
    /// Models loaded from the database so far (first reads, gaps,
    /// unreadable events).
    loads: std::sync::atomic::AtomicU64,
}

/// A read of one branch's current model.
pub struct Current {
    slot: Arc<Slot>,
}

impl Current {
    /// Runs `f` on the model.
    pub fn with<T>(&self, f: impl FnOnce(&BranchModel) -> T) -> Option<T> {
        let guard = self
            .slot
            .model
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().map(f)
    }

    /// The [`Estimates`] of the branch's waiting tickets (positions,
    /// loads, predictions), made once per change (and again after
    /// [`PREDICTION_TTL_MS`]), with the time they were made at.
    pub fn predictions(&self, now: i64) -> Option<(i64, Table)> {
        self.predictions_at_seq(now)
            .map(|(_, at, table)| (at, table))
    }

    /// [`predictions`](Self::predictions) with the seq they stand at.
    fn predictions_at_seq(&self, now: i64) -> Option<Predicted> {
        // One caller simulates while the others wait for its answer; the
        // model itself is only read long enough to copy the situation, so
        // the hub never waits for a simulation.
        let mut cached = self
            .slot
            .predictions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (seq, plan) = {
            let guard = self
                .slot
                .model
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            let model = guard.as_ref()?;
            if let Some((seq, at, table)) = cached.as_ref()
                && *seq == model.seq
                && now - at < PREDICTION_TTL_MS
                && *at <= now
            {
                return Some((*seq, *at, table.clone()));
            }
            (model.seq, model.plan(now))
        };
        let table = Arc::new(plan.finish());
        *cached = Some((seq, now, table.clone()));
        Some((seq, now, table))
    }

    /// The JSON answer named `key`, made by `make` once per change and
    /// served again for up to [`ANSWER_MAX_AGE_MS`]; `None` when the
    /// branch is not loaded.
    ///
    /// # Errors
    /// What `make` returns.
    pub fn answer(
        &self,
        key: &str,
        now: i64,
        make: impl FnOnce(&BranchModel) -> Result<Vec<u8>>,
    ) -> Result<Option<Arc<[u8]>>> {
        let guard = self
            .slot
            .model
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(model) = guard.as_ref() else {
            return Ok(None);
        };
        let mut answers = self
            .slot
            .answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((seq, at, json)) = answers.get(key)
            && *seq == model.seq
            && (0..ANSWER_MAX_AGE_MS).contains(&(now - at))
        {
            return Ok(Some(json.clone()));
        }
        let json: Arc<[u8]> = make(model)?.into();
        // Answers of older states are of no use any more.
        answers.retain(|_, (seq, _, _)| *seq == model.seq);
        answers.insert(key.to_owned(), (model.seq, now, json.clone()));
        Ok(Some(json))
    }

    /// The public view of the open ticket `first_id` has become, made from
    /// memory, with that ticket: `None` when it is closed (the database
    /// answers those).
    ///
    /// # Errors
    /// A corrupted status.
    pub fn public_view(&self, first_id: i64, now: i64) -> Result<Option<(Ticket, PublicTicket)>> {
        // The model may move on between the predictions and the view: take
        // them again until both stand at the same seq (an event in between
        // wakes the page once more anyway).
        let mut answer = Ok(None);
        for _ in 0..3 {
            let Some((seq, at, table)) = self.predictions_at_seq(now) else {
                return Ok(None);
            };
            let Some((same, view)) = self.with(|m| {
                let view = match m.resolve(first_id) {
                    Some(id) => m.public_view(id, &table, at).map(|v| {
                        v.zip(m.open.get(&id).map(|o| o.ticket.clone()))
                            .map(|(v, t)| (t, v))
                    }),
                    None => Ok(None),
                };
                (m.seq == seq, view)
            }) else {
                return Ok(None);
            };
            answer = view;
            if same {
                break;
            }
        }
        answer
    }
}

impl ReadModels {
    /// No branch loaded yet.
    pub fn new() -> ReadModels {
        ReadModels::default()
    }

    fn slot(&self, branch_id: i64) -> Arc<Slot> {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(branch_id)
            .or_default()
            .clone()
    }

    /// Applies a committed event to its branch's model, if loaded. A gap
    /// is left for the next read to close from the event table; an event
    /// the model cannot read drops the model, to be loaded again.
    pub fn apply(&self, event: &Event) {
        let slot = {
            let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            match slots.get(&event.branch_id) {
                Some(slot) => slot.clone(),
                None => return,
            }
        };
        let mut model = slot.model.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(m) = model.as_mut()
            && m.apply(event) == Applied::Unreadable
        {
            *model = None;
        }
    }

    /// The branch's model as of at least what was committed when this was
    /// called: checks the branch's head, catches up from the event table
    /// or loads the model when it is behind.
    ///
    /// # Errors
    /// Database errors; NotFound for an unknown branch.
    pub async fn current(&self, db: &Db, branch_id: i64) -> Result<Current> {
        let slot = self.slot(branch_id);
        let head = lookup!(db, |c| desks::branch_head(c, branch_id).await)?;
        let seq = slot
            .model
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(BranchModel::seq);
        match seq {
            Some(seq) if seq >= head => {}
            Some(seq) if head - seq <= CATCH_UP_LIMIT => {
                let missing = read!(db, |c| events::between(c, branch_id, seq, head).await)?;
                let caught_up = {
                    let mut guard = slot.model.write().unwrap_or_else(PoisonError::into_inner);
                    let caught_up = guard.as_mut().is_some_and(|m| {
                        missing
                            .iter()
                            .all(|e| !matches!(m.apply(e), Applied::Gap | Applied::Unreadable))
                            && m.seq() >= head
                    });
                    if !caught_up {
                        *guard = None;
                    }
                    caught_up
                };
                if !caught_up {
                    self.load(db, &slot, branch_id).await?;
                }
            }
            _ => self.load(db, &slot, branch_id).await?,
        }
        Ok(Current { slot })
    }

    /// The branch's model as it is, without asking the database, for a
    /// live connection woken by an event the hub applied first; `None`
    /// when the branch is not loaded.
    pub fn loaded(&self, branch_id: i64) -> Option<Current> {
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&branch_id)?
            .clone();
        let loaded = slot
            .model
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        loaded.then_some(Current { slot })
    }

    /// How many models were loaded from the database so far: once per
    /// branch, plus once per gap the event table could not close.
    pub fn loads(&self) -> u64 {
        self.loads.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn load(&self, db: &Db, slot: &Slot, branch_id: i64) -> Result<()> {
        let model = read_tx!(db, |c| BranchModel::load(c, branch_id).await)?;
        self.loads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut guard = slot.model.write().unwrap_or_else(PoisonError::into_inner);
        if guard.as_ref().is_none_or(|m| m.seq() < model.seq()) {
            *guard = Some(model);
        }
        Ok(())
    }

    /// The first ticket and branch a public token names; `None` for an
    /// unknown token.
    ///
    /// # Errors
    /// Database errors.
    pub async fn token(&self, db: &Db, token: &str) -> Result<Option<(i64, i64)>> {
        if let Some(found) = self
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
        {
            return Ok(Some(*found));
        }
        let owned = token.to_owned();
        let found: Option<(i64, i64)> = lookup!(db, |c| c
            .opt(q("select id, branch_id from tickets where public_token = $1").bind(owned))
            .await
            .map_err(AppError::from))?;
        if let Some(found) = found {
            let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
            if tokens.len() >= TOKENS_KEPT {
                tokens.clear();
            }
            tokens.insert(token.to_owned(), found);
        }
        Ok(found)
    }
}
