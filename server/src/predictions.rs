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
//! What is kept (table `ticket_predictions`, one row per issued ticket):
//! the prediction made at issue and what the old formula said then; the
//! latest prediction, refreshed every minute by [`start`]'s job while the
//! ticket waits; and at the first call the real wait, from which
//! [`accuracy`] works out the errors per service and day.
//!
//! Predictions are seeded by the ticket id, so reading a ticket twice in
//! the same state gives the same numbers.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;
use waitwell_queue::{
    ARRIVAL_WINDOW_MS, Accuracy, Busy, Candidate, DeskPolicy, LEARN_KEEP, OpenDesk, Outcome,
    PolicyConfig, PredictOptions, Prediction, Priority, Served, Situation, TicketStatus,
    learn_service_times, predict_waits, recent_arrival_rates,
};

use crate::app::AppState;
use crate::error::Result;
use crate::now_ms;
use crate::store::{Db, Exec, q, read, write};
use crate::tickets::Ticket;

/// Seed mixed with the ticket id.
const SEED: u64 = 0x5EED_CAFE;

/// How often the job refreshes the latest prediction of waiting tickets.
const REFRESH_EVERY: Duration = Duration::from_secs(60);

/// Reads the branch's current situation as of `now`.
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

    // Open desks, with the visitor each is busy with (a called ticket
    // counts from its call until service starts, then from the start).
    let desks: Vec<(i64, i64, Option<i64>, Option<i64>)> = c
        .all(
            q("select d.id, d.calls_since_priority, t.service_id, coalesce(t.started_at, t.called_at)
               from desks d left join tickets t on t.id = d.current_ticket_id
               where d.branch_id = $1 and d.status = 'open' and d.active = $2 order by d.id")
            .bind(branch_id)
            .bind(true),
        )
        .await?;
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
    let desks = desks
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
        .collect();

    // Service times: each service's last finished visits (the index on
    // service, status and finish time serves this directly).
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
        expected.insert(service_id, expected_s as f64);
        let rows: Vec<(i64, Option<i64>)> = c
            .all(
                q(
                    "select desk_id, finished_at - coalesce(started_at, called_at) from tickets
                   where service_id = $1 and status = 'done' and desk_id is not null
                   order by finished_at desc limit $2",
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

    // Arrivals of the last hour; transfers are not arrivals.
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
    let arrivals = recent_arrival_rates(
        recent
            .into_iter()
            .map(|(s, p, at)| (s, p.parse::<Priority>().unwrap_or_default(), at)),
        now,
        day_start.unwrap_or(now),
    );

    Ok(Situation {
        now_ms: now,
        config: policy,
        desks,
        waiting,
        times: learn_service_times(&history, &expected),
        arrivals,
    })
}

fn options(ticket_id: i64) -> PredictOptions {
    PredictOptions {
        seed: SEED ^ (ticket_id as u64),
        ..PredictOptions::default()
    }
}

/// Fills in a waiting ticket's `predicted_wait_s`, `predicted_range_s` and
/// `no_open_desk`; other tickets are left as they are.
///
/// # Errors
/// Database errors.
pub async fn fill<C: Exec>(
    c: &mut C,
    policy: &PolicyConfig,
    t: &mut Ticket,
    now: i64,
) -> Result<()> {
    if t.status != TicketStatus::Waiting.as_str() {
        return Ok(());
    }
    let s = situation(c, t.branch_id, *policy, &t.business_day, now).await?;
    let p = predict_waits(&s, &[t.id], &options(t.id)).remove(&t.id);
    apply(t, p);
    Ok(())
}

/// Puts a prediction into the ticket's fields.
fn apply(t: &mut Ticket, p: Option<Prediction>) {
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
            let branch = crate::branches::get(c, branch_id).await?;
            let day = branch.business_day(now);
            let s = situation(c, branch_id, branch.policy(), &day, now).await?;
            let ids: Vec<i64> = s.waiting.iter().map(|w| w.ticket_id).collect();
            let predicted = predict_waits(&s, &ids, &options(branch_id));
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

/// Starts the job that refreshes the latest predictions every minute, on
/// the state's task tracker; it stops when the shutdown token is cancelled.
pub fn start(state: &AppState) {
    let s = state.clone();
    state.tasks.spawn(async move {
        let mut tick = tokio::time::interval(REFRESH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = s.shutdown.cancelled() => break,
                _ = tick.tick() => {
                    if let Err(e) = refresh_latest(&s.db, now_ms()).await {
                        tracing::warn!(error = %e, "refreshing predicted waits");
                    }
                }
            }
        }
    });
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
    /// Per (day, service): tickets without a number, then the outcomes of
    /// the prediction and of the old formula.
    type Group = (usize, Vec<Outcome>, Vec<Outcome>);
    let mut groups: BTreeMap<(String, i64), Group> = BTreeMap::new();
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
    Ok(groups
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
