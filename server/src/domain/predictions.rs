//! Predicted waits in the server: the office as the prediction engine
//! ([`waitwell_queue::predict_waits`]) needs to see it, read from the
//! database; the predictions kept with each ticket; and their accuracy for
//! the reports.
//!
//! What a ticket is told:
//! - `predicted_wait_s` and `predicted_range_s` while it waits, computed
//!   whenever the ticket is read (issue answer, `GET /api/v1/tickets/{id}`,
//!   the public ticket view), from the waiting tickets, the open desks with
//!   their allocations and current visitors, service times learned per
//!   service and desk from the last [`LEARN_KEEP`] finished visits, and the
//!   arrivals of the last hour;
//! - `no_open_desk: true` (and no number) when no open desk serves its
//!   service.
//!
//! Cost: the issue answer's prediction runs inside the issuing write, so
//! it is kept bounded: no open desk for the service answers after one
//! query; up to [`MAX_SIMULATED`] waiting tickets are simulated, with the
//! number of futures cut to the engine's call budget; longer queues get
//! the simulation's long-queue limit from the service's learned times.
//!
//! What is kept (table `ticket_predictions`, one row per issued ticket):
//! the prediction made at issue and what the old formula said then; the
//! latest prediction, refreshed every minute by `jobs/predictions.rs` while the
//! ticket waits; and at the first call the real wait, from which
//! [`accuracy`] works out the errors per service and day.
//!
//! One simulation answers every waiting ticket of a branch
//! ([`simulate_all`]): each future plays the whole queue with the same
//! seed, so a ticket's numbers do not depend on which tickets were asked
//! about, reading a ticket twice in the same state gives the same numbers,
//! and the read model (`read_model.rs`) answers every open ticket page of
//! the branch from one run per change.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use waitwell_queue::{
    ARRIVAL_WINDOW_MS, Accuracy, ArrivalRate, Busy, Candidate, DeskPolicy, LEARN_KEEP, OpenDesk,
    Outcome, PolicyConfig, PredictOptions, Prediction, Priority, Served, ServiceTimes, Situation,
    TicketStatus, learn_service_times, predict_long_queue, predict_waits, recent_arrival_rates,
};

use crate::domain::tickets::Ticket;
use crate::error::Result;
use crate::store::{Db, Exec, q, read, write};

/// Seed of the simulations of waiting tickets.
const SEED: u64 = 0x5EED_CAFE;

/// Most waiting tickets (in the whole branch) the server simulates. Beyond
/// this a ticket's wait is the simulation's long-queue limit
/// ([`predict_long_queue`]): the cost of a prediction stays bounded however
/// long the queue grows, and hundreds of visitors ahead the desk weights
/// and credits the simulation follows hardly change the answer.
pub const MAX_SIMULATED: i64 = 400;

/// Reads the branch's current situation as of `now`, for the simulation.
///
/// # Errors
/// Database errors.
pub async fn situation<C: Exec>(
    c: &mut C,
    branch_id: i64,
    policy: PolicyConfig,
    business_day: &str,
    now: i64,
) -> Result<Situation> {
    let desks = open_desks(c, branch_id, now).await?;
    let waiting: Vec<(i64, i64, String, i64)> = c
        .all(
            q("select id, service_id, priority, queued_at from tickets
               where branch_id = $1 and status = 'waiting'")
            .bind(branch_id),
        )
        .await?;
    let waiting = waiting
        .into_iter()
        .map(
            |(ticket_id, service_id, priority, queued_at_ms)| Candidate {
                ticket_id,
                service_id,
                priority: priority.parse().unwrap_or_default(),
                queued_at_ms,
            },
        )
        .collect();
    Ok(Situation {
        now_ms: now,
        config: policy,
        desks,
        waiting,
        times: learned_times(c, branch_id, None).await?,
        arrivals: arrivals(c, branch_id, business_day, now).await?,
    })
}

/// The branch's open desks: allocation, interleave counter, and the
/// visitor each is busy with (a called ticket counts from its call until
/// service starts, then from the start).
pub(crate) async fn open_desks<C: Exec>(
    c: &mut C,
    branch_id: i64,
    now: i64,
) -> Result<Vec<OpenDesk>> {
    let desks: Vec<(i64, i64, Option<i64>, Option<i64>)> = c
        .all(
            q("select d.id, d.calls_since_priority, t.service_id, coalesce(t.started_at, t.called_at)
               from desks d left join tickets t on t.id = d.current_ticket_id
               where d.branch_id = $1 and d.status = 'open' and d.active = $2 order by d.id")
            .bind(branch_id)
            .bind(true),
        )
        .await?;
    if desks.is_empty() {
        return Ok(Vec::new());
    }
    let weights: Vec<(i64, i64, i64)> = c
        .all(
            q(
                "select ds.desk_id, ds.service_id, ds.weight from desk_services ds
               join desks d on d.id = ds.desk_id join services s on s.id = ds.service_id
               where d.branch_id = $1 and d.status = 'open' and d.active = $2 and s.active = $2
               order by ds.desk_id, ds.service_id",
            )
            .bind(branch_id)
            .bind(true),
        )
        .await?;
    Ok(desks
        .into_iter()
        .map(|(desk_id, since, busy_service, busy_since)| OpenDesk {
            desk_id,
            policy: DeskPolicy {
                weights: weights
                    .iter()
                    .filter(|(d, _, _)| *d == desk_id)
                    .map(|(_, s, w)| (*s, u32::try_from(*w).unwrap_or(1)))
                    .collect(),
                calls_since_priority: u32::try_from(since).unwrap_or(0),
            },
            busy: busy_service.map(|service_id| Busy {
                service_id,
                since_ms: busy_since.unwrap_or(now),
            }),
        })
        .collect())
}

/// Service times learned from each active service's last finished visits
/// (the index on service, status and finish time serves this directly);
/// only `only`'s when given.
pub(crate) async fn learned_times<C: Exec>(
    c: &mut C,
    branch_id: i64,
    only: Option<i64>,
) -> Result<ServiceTimes> {
    let services: Vec<(i64, i64)> = c
        .all(
            q("select id, expected_service_s from services where branch_id = $1 and active = $2")
                .bind(branch_id)
                .bind(true),
        )
        .await?;
    let mut history = Vec::new();
    let mut expected = BTreeMap::new();
    for (service_id, expected_s) in services {
        if only.is_some_and(|o| o != service_id) {
            continue;
        }
        expected.insert(service_id, expected_s as f64);
        let rows: Vec<(i64, Option<i64>)> = c
            .all(
                q(
                    "select desk_id, finished_at - coalesce(started_at, called_at) from tickets
                   where service_id = $1 and status = 'done' and desk_id is not null
                   order by finished_at desc, id desc limit $2",
                )
                .bind(service_id)
                .bind(LEARN_KEEP as i64),
            )
            .await?;
        // Oldest first, as learning expects.
        history.extend(rows.into_iter().rev().filter_map(|(desk_id, ms)| {
            ms.map(|ms| Served {
                service_id,
                desk_id,
                seconds: ms as f64 / 1000.0,
            })
        }));
    }
    Ok(learn_service_times(&history, &expected))
}

/// Arrival rates from the last hour's tickets; transfers are not arrivals.
async fn arrivals<C: Exec>(
    c: &mut C,
    branch_id: i64,
    business_day: &str,
    now: i64,
) -> Result<Vec<ArrivalRate>> {
    let (day_start,): (Option<i64>,) = c
        .one(
            q("select min(issued_at) from tickets where branch_id = $1 and business_day = $2")
                .bind(branch_id)
                .bind(business_day),
        )
        .await?;
    let recent: Vec<(i64, String, i64)> = c
        .all(
            q("select service_id, priority, issued_at from tickets
               where branch_id = $1 and business_day = $2 and transferred_from is null and issued_at > $3")
            .bind(branch_id)
            .bind(business_day)
            .bind(now - ARRIVAL_WINDOW_MS),
        )
        .await?;
    Ok(recent_arrival_rates(
        recent
            .into_iter()
            .map(|(s, p, at)| (s, p.parse::<Priority>().unwrap_or_default(), at)),
        now,
        day_start.unwrap_or(now),
    ))
}

/// Waiting tickets of the whole branch, from the services' counters.
async fn waiting_count<C: Exec>(c: &mut C, branch_id: i64) -> Result<i64> {
    let (n,): (i64,) = c
        .one(
            q("select cast(coalesce(sum(waiting), 0) as bigint) from services where branch_id = $1")
                .bind(branch_id),
        )
        .await?;
    Ok(n)
}

fn options(seed: u64) -> PredictOptions {
    PredictOptions {
        seed: SEED ^ seed,
        ..PredictOptions::default()
    }
}

/// Predicts every waiting ticket of `s` in one simulation.
pub fn simulate_all(s: &Situation) -> BTreeMap<i64, Prediction> {
    let ids: Vec<i64> = s.waiting.iter().map(|w| w.ticket_id).collect();
    predict_waits(s, &ids, &options(0))
}

/// How many open desks serve `service_id`.
pub fn serving(desks: &[OpenDesk], service_id: i64) -> usize {
    desks
        .iter()
        .filter(|d| d.policy.weight_for(service_id).is_some())
        .count()
}

/// Fills in a waiting ticket's `predicted_wait_s`, `predicted_range_s` and
/// `no_open_desk`; other tickets are left as they are.
///
/// # Errors
/// Database errors.
pub async fn fill<C: Exec>(
    c: &mut C,
    branch: &crate::domain::branches::BranchRow,
    t: &mut Ticket,
    now: i64,
) -> Result<()> {
    if t.status != TicketStatus::Waiting.as_str() {
        return Ok(());
    }
    // Cheapest first: with no open desk for the service there is nothing
    // to simulate (and an office before opening answers fast).
    let desks = open_desks(c, t.branch_id, now).await?;
    let serving = serving(&desks, t.service_id);
    if serving == 0 {
        apply(t, Some(Prediction::NoDesk));
        return Ok(());
    }
    let waiting = waiting_count(c, t.branch_id).await?;
    if waiting > MAX_SIMULATED {
        let times = learned_times(c, t.branch_id, Some(t.service_id)).await?;
        apply(t, Some(long_queue(t, waiting, serving, &times)));
        return Ok(());
    }
    let s = situation(
        c,
        t.branch_id,
        branch.policy(),
        &branch.business_day(now),
        now,
    )
    .await?;
    apply(t, simulate_all(&s).remove(&t.id));
    Ok(())
}

/// A ticket's wait in a queue longer than [`MAX_SIMULATED`]: the
/// simulation's long-queue limit from its place in the queue.
pub fn long_queue(t: &Ticket, waiting: i64, serving: usize, times: &ServiceTimes) -> Prediction {
    let ahead = usize::try_from(t.position.unwrap_or(waiting)).unwrap_or(0);
    predict_long_queue(ahead, serving, times.for_service(t.service_id))
}

/// The wait a normal ticket taken now would be predicted, per service in
/// `services` (one simulation each, from one reading of the office).
///
/// # Errors
/// Database errors.
pub async fn for_new_tickets<C: Exec>(
    c: &mut C,
    branch: &crate::domain::branches::BranchRow,
    services: &[i64],
    now: i64,
) -> Result<BTreeMap<i64, Prediction>> {
    let mut out = BTreeMap::new();
    let desks = open_desks(c, branch.id, now).await?;
    let mut simulate = Vec::new();
    for &sid in services {
        if serving(&desks, sid) == 0 {
            out.insert(sid, Prediction::NoDesk);
        } else {
            simulate.push(sid);
        }
    }
    if simulate.is_empty() {
        return Ok(out);
    }
    if waiting_count(c, branch.id).await? > MAX_SIMULATED {
        let times = learned_times(c, branch.id, None).await?;
        for sid in simulate {
            let (waiting,): (i64,) = c
                .one(q("select waiting from services where id = $1").bind(sid))
                .await?;
            let ahead = usize::try_from(waiting).unwrap_or(0);
            out.insert(
                sid,
                predict_long_queue(ahead, serving(&desks, sid), times.for_service(sid)),
            );
        }
        return Ok(out);
    }
    let base = situation(
        c,
        branch.id,
        branch.policy(),
        &branch.business_day(now),
        now,
    )
    .await?;
    // The newcomer has a larger id than any ticket, as a real one would.
    let id = base
        .waiting
        .iter()
        .map(|w| w.ticket_id)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    for sid in simulate {
        let mut s = base.clone();
        s.waiting.push(Candidate {
            ticket_id: id,
            service_id: sid,
            priority: Priority::Normal,
            queued_at_ms: now,
        });
        if let Some(p) = predict_waits(&s, &[id], &options(sid as u64)).remove(&id) {
            out.insert(sid, p);
        }
    }
    Ok(out)
}

/// [`for_new_tickets`] for every active service of a branch, in the
/// services' order.
///
/// # Errors
/// NotFound for an unknown branch; database errors.
pub async fn service_forecasts<C: Exec>(
    c: &mut C,
    branch_id: i64,
    now: i64,
) -> Result<Vec<ServiceForecast>> {
    let branch = crate::domain::branches::get(c, branch_id).await?;
    let ids: Vec<i64> = crate::domain::services::list(c, branch_id)
        .await?
        .into_iter()
        .filter(|s| s.active)
        .map(|s| s.id)
        .collect();
    let mut p = for_new_tickets(c, &branch, &ids, now).await?;
    Ok(ids
        .into_iter()
        .map(|id| ServiceForecast::new(id, p.remove(&id)))
        .collect())
}

/// What a ticket taken now would be told, for one service.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ServiceForecast {
    /// Service.
    pub service_id: i64,
    /// Predicted seconds until called; null while no open desk serves it.
    pub predicted_wait_s: Option<i64>,
    /// `[low, high]` seconds, the 10th to 90th percentile; null as above.
    pub predicted_range_s: Option<[i64; 2]>,
    /// True while no open desk serves the service.
    pub no_open_desk: bool,
}

impl ServiceForecast {
    /// The forecast of `service_id` from its prediction.
    pub fn new(service_id: i64, p: Option<Prediction>) -> ServiceForecast {
        let wait = p.and_then(Prediction::wait);
        ServiceForecast {
            service_id,
            predicted_wait_s: wait.map(|w| w.expected_s),
            predicted_range_s: wait.map(|w| [w.low_s, w.high_s]),
            no_open_desk: matches!(p, Some(Prediction::NoDesk)),
        }
    }
}

/// Puts a prediction into the ticket's fields.
pub fn apply(t: &mut Ticket, p: Option<Prediction>) {
    let wait = p.and_then(Prediction::wait);
    t.predicted_wait_s = wait.map(|w| w.expected_s);
    t.predicted_range_s = wait.map(|w| [w.low_s, w.high_s]);
    t.no_open_desk = matches!(p, Some(Prediction::NoDesk));
}

/// Keeps the prediction a newly issued ticket was given (already
/// [`fill`]ed), and the old formula's `estimated_wait_s`.
///
/// # Errors
/// Database errors.
pub async fn record_issue<C: Exec>(c: &mut C, t: &Ticket) -> Result<()> {
    let [low, high] = t.predicted_range_s.map_or([None, None], |r| r.map(Some));
    c.run(
        q("insert into ticket_predictions (ticket_id, branch_id, service_id, business_day, issued_at,
             issue_wait_s, issue_low_s, issue_high_s, old_estimate_s,
             latest_at, latest_wait_s, latest_low_s, latest_high_s)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $5, $6, $7, $8)")
        .bind(t.id)
        .bind(t.branch_id)
        .bind(t.service_id)
        .bind(t.business_day.as_str())
        .bind(t.issued_at)
        .bind(t.predicted_wait_s)
        .bind(low)
        .bind(high)
        .bind(t.estimated_wait_s.unwrap_or(0)),
    )
    .await?;
    Ok(())
}

/// Notes the real wait at a ticket's first call (later calls, after a
/// park, change nothing).
///
/// # Errors
/// Database errors.
pub async fn record_call<C: Exec>(c: &mut C, ticket_id: i64, called_at: i64) -> Result<()> {
    c.run(
        q(
            "update ticket_predictions set waited_s = ($2 - issued_at) / 1000
           where ticket_id = $1 and waited_s is null",
        )
        .bind(ticket_id)
        .bind(called_at),
    )
    .await?;
    Ok(())
}

/// Refreshes the latest prediction of every waiting ticket of every branch,
/// one write per branch; returns how many rows were updated.
///
/// # Errors
/// Database errors.
pub async fn refresh_latest(db: &Db, now: i64) -> Result<u64> {
    let branches = read!(db, |c| waiting_branches(c).await)?;
    let mut total = 0;
    for (branch_id,) in branches {
        total += write!(db, |c, _out| async move {
            if waiting_count(c, branch_id).await? > MAX_SIMULATED {
                // Too long to simulate every ticket each minute; their
                // latest prediction stays the one they last had.
                return Ok(0);
            }
            let branch = crate::domain::branches::get(c, branch_id).await?;
            let day = branch.business_day(now);
            let s = situation(c, branch_id, branch.policy(), &day, now).await?;
            let predicted = simulate_all(&s);
            let mut n = 0;
            for (id, p) in predicted {
                let w = p.wait();
                n += c
                    .run(
                        q(
                            "update ticket_predictions set latest_at = $2, latest_wait_s = $3,
                             latest_low_s = $4, latest_high_s = $5
                           where ticket_id = $1 and waited_s is null",
                        )
                        .bind(id)
                        .bind(now)
                        .bind(w.map(|w| w.expected_s))
                        .bind(w.map(|w| w.low_s))
                        .bind(w.map(|w| w.high_s)),
                    )
                    .await?;
            }
            Ok(n)
        })?;
    }
    Ok(total)
}

/// Branches with waiting tickets.
async fn waiting_branches<C: Exec>(c: &mut C) -> Result<Vec<(i64,)>> {
    Ok(c.all(q(
        "select distinct branch_id from tickets where status = 'waiting' order by branch_id",
    ))
    .await?)
}

/// How far one predictor's promises were off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct ErrorFigures {
    /// Tickets scored.
    pub tickets: usize,
    /// Mean absolute difference between the promised and the real wait,
    /// seconds.
    pub mean_abs_error_s: f64,
    /// Median absolute difference, seconds.
    pub median_abs_error_s: f64,
    /// Share (0 to 1) of tickets called inside their predicted range; null
    /// for the old formula, which gives no range.
    pub within_range: Option<f64>,
}

impl From<Accuracy> for ErrorFigures {
    fn from(a: Accuracy) -> Self {
        ErrorFigures {
            tickets: a.tickets,
            mean_abs_error_s: a.mean_abs_error_s,
            median_abs_error_s: a.median_abs_error_s,
            within_range: a.within_range,
        }
    }
}

/// Prediction accuracy of one service on one business day: the prediction
/// made when each ticket was issued, against the wait until its first
/// call, next to what the old formula said for the same tickets.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PredictionAccuracy {
    /// Business day `YYYY-MM-DD`.
    pub business_day: String,
    /// Service.
    pub service_id: i64,
    /// Tickets issued that day and since called.
    pub called: usize,
    /// Of those, tickets issued while no open desk served the service: they
    /// were given no number and are not in the figures.
    pub no_open_desk: usize,
    /// The prediction's figures; null when every ticket was `no_open_desk`.
    pub predicted: Option<ErrorFigures>,
    /// The old formula (people ahead × average service time ÷ open desks)
    /// on the same tickets as `predicted`.
    pub old_formula: Option<ErrorFigures>,
}

/// The scored outcomes of one business day and service: tickets issued
/// while no open desk served the service (no number was promised), then
/// the outcomes of the prediction and of the old formula on the others.
type Scored = (usize, Vec<Outcome>, Vec<Outcome>);

/// Every called ticket of days `from` to `to` (inclusive), scored and
/// grouped by business day and service: what [`accuracy`] and
/// [`accuracy_by_service`] both summarise.
async fn scored<C: Exec>(
    c: &mut C,
    branch_id: i64,
    from: &str,
    to: &str,
) -> Result<BTreeMap<(String, i64), Scored>> {
    type Row = (String, i64, Option<i64>, Option<i64>, Option<i64>, i64, i64);
    let rows: Vec<Row> = c
        .all(
            q("select business_day, service_id, issue_wait_s, issue_low_s, issue_high_s, old_estimate_s, waited_s
               from ticket_predictions
               where branch_id = $1 and business_day >= $2 and business_day <= $3 and waited_s is not null
               order by business_day, service_id, ticket_id")
            .bind(branch_id)
            .bind(from)
            .bind(to),
        )
        .await?;
    let mut groups: BTreeMap<(String, i64), Scored> = BTreeMap::new();
    for (day, service_id, wait, low, high, old, waited) in rows {
        let g = groups.entry((day, service_id)).or_default();
        match (wait, low, high) {
            (Some(wait), Some(low), Some(high)) => {
                g.1.push(Outcome {
                    predicted_s: wait,
                    range_s: Some((low, high)),
                    actual_s: waited,
                });
                g.2.push(Outcome {
                    predicted_s: old,
                    range_s: None,
                    actual_s: waited,
                });
            }
            _ => g.0 += 1,
        }
    }
    Ok(groups)
}

/// Prediction accuracy per business day and service, for days `from` to
/// `to` (inclusive, already validated by the caller).
///
/// # Errors
/// Database errors.
pub async fn accuracy<C: Exec>(
    c: &mut C,
    branch_id: i64,
    from: &str,
    to: &str,
) -> Result<Vec<PredictionAccuracy>> {
    Ok(scored(c, branch_id, from, to)
        .await?
        .into_iter()
        .map(
            |((business_day, service_id), (no_desk, new, old))| PredictionAccuracy {
                business_day,
                service_id,
                called: no_desk + new.len(),
                no_open_desk: no_desk,
                predicted: Accuracy::of(&new).map(ErrorFigures::from),
                old_formula: Accuracy::of(&old).map(ErrorFigures::from),
            },
        )
        .collect())
}

/// The prediction's figures per service over the whole of days `from` to
/// `to` (inclusive), every scored ticket of the period taken together (the
/// public performance page); services without a scored ticket are left
/// out.
///
/// # Errors
/// Database errors.
pub async fn accuracy_by_service<C: Exec>(
    c: &mut C,
    branch_id: i64,
    from: &str,
    to: &str,
) -> Result<BTreeMap<i64, ErrorFigures>> {
    let mut outcomes: BTreeMap<i64, Vec<Outcome>> = BTreeMap::new();
    for ((_, service_id), (_, new, _)) in scored(c, branch_id, from, to).await? {
        outcomes.entry(service_id).or_default().extend(new);
    }
    Ok(outcomes
        .into_iter()
        .filter_map(|(id, o)| Accuracy::of(&o).map(|a| (id, ErrorFigures::from(a))))
        .collect())
}
