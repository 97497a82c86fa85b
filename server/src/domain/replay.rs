//! `waitwell replay`: runs a day through both wait predictors (the old
//! formula and the simulation of `predictions.rs`) and prints how close
//! each came to the real waits.
//!
//! A *generated* day comes from [`waitwell_queue::generate_day`]: a made-up
//! office with known arrival and service-time distributions, played with
//! the real call policy. A *recorded* day is read from the database
//! ([`recorded_day`]): the branch's tickets of one business day, the desks'
//! open and paused periods from the event log, and the finished visits
//! before that day as the history learned from. The scoring itself is
//! [`waitwell_queue::evaluate`], pure code shared with the tests.
//!
//! A recorded day is replayed with the desks' allocation as it is now (a
//! change of allocation during that day is not replayed).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use waitwell_queue::{
    Accuracy, Evaluation, LEARN_KEEP, Priority, RecordedDay, RecordedDesk, RecordedTicket, Served,
    TicketStatus,
};

use crate::error::{AppError, Result};
use crate::store::{Exec, q};

/// Reads business day `day` (`YYYY-MM-DD`) of a branch as a
/// [`RecordedDay`].
///
/// # Errors
/// NotFound for an unknown branch; a validation error for a malformed day
/// or a day without tickets; database errors.
pub async fn recorded_day<C: Exec>(c: &mut C, branch_id: i64, day: &str) -> Result<RecordedDay> {
    if chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() {
        return Err(AppError::invalid(format!(
            "day must be a date YYYY-MM-DD (got {day:?})"
        )));
    }
    let branch = crate::domain::branches::get(c, branch_id).await?;
    type Row = (
        i64,
        i64,
        String,
        String,
        i64,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = c
        .all(
            q("select id, service_id, priority, status, issued_at, queued_at, called_at, started_at, finished_at, desk_id
               from tickets where branch_id = $1 and business_day = $2 and transferred_from is null
               order by issued_at, id")
            .bind(branch_id)
            .bind(day),
        )
        .await?;
    if rows.is_empty() {
        return Err(AppError::invalid(format!(
            "branch {branch_id} has no tickets on {day}"
        )));
    }
    let tickets: Vec<RecordedTicket> = rows
        .into_iter()
        .map(
            |(
                id,
                service_id,
                priority,
                status,
                issued,
                queued,
                called,
                started,
                finished,
                desk,
            )| {
                let left_unserved =
                    called.is_none() && status.parse::<TicketStatus>().is_ok_and(|s| !s.is_open());
                RecordedTicket {
                    id,
                    service_id,
                    priority: priority.parse::<Priority>().unwrap_or_default(),
                    issued_ms: issued,
                    queued_ms: queued,
                    called_ms: called,
                    left_ms: if left_unserved {
                        Some(finished.unwrap_or(issued))
                    } else {
                        None
                    },
                    desk_id: desk,
                    started_ms: started,
                    finished_ms: if called.is_some() { finished } else { None },
                }
            },
        )
        .collect();
    let day_start = tickets.iter().map(|t| t.issued_ms).min().unwrap_or(0);
    let day_end = tickets
        .iter()
        .flat_map(|t| {
            [
                t.issued_ms,
                t.called_ms.unwrap_or(0),
                t.finished_ms.unwrap_or(0),
            ]
        })
        .max()
        .unwrap_or(day_start)
        + 1;

    let desks = recorded_desks(c, branch_id, day_end).await?;

    let services: Vec<(i64, i64)> = c
        .all(q("select id, expected_service_s from services where branch_id = $1").bind(branch_id))
        .await?;
    let mut history = Vec::new();
    for (service_id, _) in &services {
        let rows: Vec<(i64, Option<i64>)> = c
            .all(
                q("select desk_id, finished_at - coalesce(started_at, called_at) from tickets
                   where service_id = $1 and status = 'done' and desk_id is not null and finished_at < $2
                   order by finished_at desc limit $3")
                .bind(*service_id)
                .bind(day_start)
                .bind(LEARN_KEEP as i64),
            )
            .await?;
        history.extend(rows.into_iter().rev().filter_map(|(desk_id, ms)| {
            ms.map(|ms| Served {
                service_id: *service_id,
                desk_id,
                seconds: ms as f64 / 1000.0,
            })
        }));
    }
    Ok(RecordedDay {
        config: branch.policy(),
        expected_s: services.into_iter().map(|(id, s)| (id, s as f64)).collect(),
        desks,
        tickets,
        history,
    })
}

/// The branch's desks with their allocation as it is now and the periods
/// each was open up to `until` (ms), from the event log: open from
/// `desk.opened` until the next pause or close; a desk still open at
/// `until` stays open (`i64::MAX`).
///
/// # Errors
/// Database errors.
pub async fn recorded_desks<C: Exec>(
    c: &mut C,
    branch_id: i64,
    until: i64,
) -> Result<Vec<RecordedDesk>> {
    let events: Vec<(i64, String, i64)> = c
        .all(
            q("select desk_id, type, at from events
               where branch_id = $1 and desk_id is not null and at <= $2
                 and type in ('desk.opened', 'desk.paused', 'desk.closed')
               order by seq")
            .bind(branch_id)
            .bind(until),
        )
        .await?;
    /// Per desk: open since (while open), and the closed periods so far.
    type Periods = (Option<i64>, Vec<(i64, i64)>);
    let mut open: BTreeMap<i64, Periods> = BTreeMap::new();
    for (desk_id, kind, at) in events {
        let entry = open.entry(desk_id).or_default();
        match (kind.as_str(), entry.0) {
            ("desk.opened", None) => entry.0 = Some(at),
            ("desk.paused" | "desk.closed", Some(from)) => {
                entry.1.push((from, at));
                entry.0 = None;
            }
            _ => {}
        }
    }
    let allocation: Vec<(i64, i64, i64)> = c
        .all(
            q("select ds.desk_id, ds.service_id, ds.weight from desk_services ds
               join desks d on d.id = ds.desk_id where d.branch_id = $1 order by ds.desk_id, ds.service_id")
            .bind(branch_id),
        )
        .await?;
    Ok(open
        .into_iter()
        .map(|(id, (still_open, mut periods))| {
            if let Some(from) = still_open {
                periods.push((from, i64::MAX));
            }
            RecordedDesk {
                id,
                weights: allocation
                    .iter()
                    .filter(|(d, _, _)| *d == id)
                    .map(|(_, s, w)| (*s, u32::try_from(*w).unwrap_or(1)))
                    .collect(),
                open: periods,
            }
        })
        .collect())
}

/// The replay's figures as text: both predictors over all tickets, then per
/// service (with `names` where known).
pub fn format_report(eval: &Evaluation, names: &BTreeMap<i64, String>) -> String {
    let mut out = String::new();
    let line = |out: &mut String, label: &str, new: Option<Accuracy>, old: Option<Accuracy>| {
        let (Some(new), Some(old)) = (new, old) else {
            let _ = writeln!(out, "{label:<16} no tickets scored");
            return;
        };
        let better = if old.mean_abs_error_s > 0.0 {
            100.0 * (1.0 - new.mean_abs_error_s / old.mean_abs_error_s)
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            "{label:<16} {:>7}  {:>9.0} s {:>9.0} s  {:>9.0} s {:>9.0} s  {:>8.1} %  {:>7.1} %",
            new.tickets,
            new.mean_abs_error_s,
            old.mean_abs_error_s,
            new.median_abs_error_s,
            old.median_abs_error_s,
            better,
            100.0 * new.within_range.unwrap_or(0.0),
        );
    };
    let _ = writeln!(
        out,
        "{:<16} {:>7}  {:>11} {:>11}  {:>11} {:>11}  {:>10}  {:>9}",
        "", "tickets", "MAE new", "MAE old", "median new", "median old", "MAE lower", "in range"
    );
    line(
        &mut out,
        "all",
        Accuracy::of(&eval.all_new()),
        Accuracy::of(&eval.all_old()),
    );
    for (id, o) in &eval.by_service {
        let label = names
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("service {id}"));
        line(&mut out, &label, Accuracy::of(&o.new), Accuracy::of(&o.old));
    }
    let _ = writeln!(
        out,
        "not scored: {} issued while no open desk served the service (the new predictor gave no number), {} never called",
        eval.no_desk, eval.never_called
    );
    out
}
