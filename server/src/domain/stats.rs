//! KPIs for a period: per service and per desk, how many tickets were
//! issued, served, not shown; average and 90th-percentile wait and service
//! times; and the share called within the service's standard. Also one
//! clerk's own figures (the tickets they called), which the clerk console
//! shows as "today".
//!
//! Computed from the tickets table over the period's business days by two
//! indexed statements: the database counts tickets per service and desk,
//! and sends the called tickets' times as one list per service and desk,
//! because percentiles need every value. The same statements serve both
//! backends.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::branches;
use crate::domain::services;
use crate::error::{AppError, Result};
use crate::store::{Exec, q};

/// Query of the stats endpoint.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// First business day `YYYY-MM-DD` (default: today).
    pub from: Option<String>,
    /// Last business day `YYYY-MM-DD`, inclusive (default: `from`).
    pub to: Option<String>,
}

/// Figures for one group of tickets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Kpis {
    /// Tickets issued. A transfer counts in the target service too, but
    /// the branch's total counts each visit once (a transferred ticket and
    /// the ticket it became are one visitor).
    pub issued: i64,
    /// Finished as done.
    pub served: i64,
    /// Called but did not come.
    pub no_shows: i64,
    /// Cancelled.
    pub cancelled: i64,
    /// Still open at day end.
    pub expired: i64,
    /// Called out of turn.
    pub out_of_turn: i64,
    /// Average wait from queueing to first call, seconds.
    pub avg_wait_s: Option<f64>,
    /// 90th percentile of the wait, seconds.
    pub p90_wait_s: Option<f64>,
    /// Average service time (start, or call, to finish), seconds.
    pub avg_service_s: Option<f64>,
    /// 90th percentile of service time, seconds.
    pub p90_service_s: Option<f64>,
    /// Share of called tickets called within their service's standard, 0–1.
    pub within_standard: Option<f64>,
}

/// Figures for one service.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceKpis {
    /// Service.
    pub service_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Standard, seconds.
    pub standard_wait_s: i64,
    /// Figures.
    #[serde(flatten)]
    pub kpis: Kpis,
}

/// Figures for one desk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskKpis {
    /// Desk.
    pub desk_id: i64,
    /// Name.
    pub name: String,
    /// Figures of the tickets this desk called.
    #[serde(flatten)]
    pub kpis: Kpis,
}

/// The stats response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stats {
    /// Branch.
    pub branch_id: i64,
    /// First business day.
    pub from: String,
    /// Last business day.
    pub to: String,
    /// All tickets.
    pub total: Kpis,
    /// Per service.
    pub services: Vec<ServiceKpis>,
    /// Per desk.
    pub desks: Vec<DeskKpis>,
}

/// Ticket counts of one (service, desk) pair in the period, counted by the
/// database: most of a busy day's tickets need nothing but counting.
#[derive(sqlx::FromRow, serde::Deserialize)]
struct CountRow {
    service_id: i64,
    desk_id: Option<i64>,
    issued: i64,
    /// Of `issued`, the tickets not created by a transfer: one per visit.
    visits: i64,
    served: i64,
    no_shows: i64,
    cancelled: i64,
    expired: i64,
}

/// The called tickets of one (service, desk) pair: how many were called out
/// of turn (only a call sets a reason), and their times as comma-separated
/// milliseconds: the waits (left out on a transfer's second leg, whose wait
/// was counted in the first service) and the service times (only of
/// tickets finished as done).
#[derive(sqlx::FromRow, serde::Deserialize)]
struct CalledRow {
    service_id: i64,
    desk_id: Option<i64>,
    out_of_turn: i64,
    waits: Option<String>,
    service_times: Option<String>,
}

/// The numbers of a comma-separated list; anything else is skipped (the
/// database wrote the list, so there is nothing else).
fn millis(list: Option<&str>) -> impl Iterator<Item = i64> + '_ {
    list.unwrap_or("")
        .split(',')
        .filter_map(|v| v.trim().parse::<i64>().ok())
}

/// The period's tickets of a branch, optionally only those one user called.
/// The counts come from the day index alone; called tickets are found
/// through a partial index (migration 0005), so a day
/// full of waiting tickets costs an index scan, not a read of every row,
/// and every statement answers with a row per service and desk (per day
/// for the counts), not per ticket.
async fn load<C: Exec>(
    c: &mut C,
    branch_id: i64,
    (from, to): (NaiveDate, NaiveDate),
    called_by: Option<i64>,
) -> Result<(Vec<CountRow>, Vec<CalledRow>)> {
    // `called_by` is the clerk of the last call, so a ticket recalled or
    // called back from park by someone else counts for them.
    macro_rules! counts {
        ($user:literal) => {
            concat!(
                "select service_id, desk_id, count(*) as issued,
                        sum(case when transferred_from is null then 1 else 0 end) as visits,
                        sum(case when status = 'done' then 1 else 0 end) as served,
                        sum(case when status = 'no_show' then 1 else 0 end) as no_shows,
                        sum(case when status = 'cancelled' then 1 else 0 end) as cancelled,
                        sum(case when status = 'expired' then 1 else 0 end) as expired
                 from tickets
                 where branch_id = $1 and business_day >= $2 and business_day <= $3",
                $user,
                // In the day index's order, so no sort: one row per day,
                // service and desk, summed in Rust.
                " group by business_day, service_id, desk_id"
            )
        };
    }
    // Percentiles need every time, but a row per called ticket is a
    // hand-over per row on the read connection: each (service, desk) sends
    // its times as one comma-separated list instead (`string_agg`, which
    // SQLite has since 3.44; NULLs are left out).
    macro_rules! called {
        ($user:literal) => {
            concat!(
                "select service_id, desk_id,
                        sum(case when out_of_turn_reason is not null then 1 else 0 end) as out_of_turn,
                        string_agg(cast(case when transferred_from is null
                                             then called_at - queued_at end as text), ',') as waits,
                        string_agg(cast(case when status = 'done' and finished_at is not null
                                             then finished_at - coalesce(started_at, called_at) end as text), ',')
                          as service_times
                 from tickets
                 where branch_id = $1 and business_day >= $2 and business_day <= $3
                   and called_at is not null",
                $user,
                " group by service_id, desk_id"
            )
        };
    }
    let (counts_sql, called_sql) = match called_by {
        Some(_) => (
            counts!(" and called_by = $4"),
            called!(" and called_by = $4"),
        ),
        None => (counts!(""), called!("")),
    };
    let bind = |sql: &'static str| {
        let query = q(sql).bind(branch_id).bind(fmt(from)).bind(fmt(to));
        match called_by {
            Some(user) => query.bind(user),
            None => query,
        }
    };
    let counts: Vec<CountRow> = c.all(bind(counts_sql)).await?;
    let called: Vec<CalledRow> = c.all(bind(called_sql)).await?;
    Ok((counts, called))
}

#[derive(Default)]
struct Acc {
    kpis: Kpis,
    waits: Vec<f64>,
    services: Vec<f64>,
    within: i64,
    called: i64,
}

impl Acc {
    /// Adds the counts of `r`; `per_visit` counts a transferred visitor
    /// once (the branch's total), not once in each service.
    fn count(&mut self, r: &CountRow, per_visit: bool) {
        let k = &mut self.kpis;
        k.issued += if per_visit { r.visits } else { r.issued };
        k.served += r.served;
        k.no_shows += r.no_shows;
        k.cancelled += r.cancelled;
        k.expired += r.expired;
    }

    fn called(&mut self, r: &CalledRow, standard_s: i64) {
        self.kpis.out_of_turn += r.out_of_turn;
        for wait_ms in millis(r.waits.as_deref()) {
            let wait_s = wait_ms.max(0) as f64 / 1000.0;
            self.waits.push(wait_s);
            self.called += 1;
            if wait_s <= standard_s as f64 {
                self.within += 1;
            }
        }
        for service_ms in millis(r.service_times.as_deref()) {
            self.services.push(service_ms.max(0) as f64 / 1000.0);
        }
    }

    fn finish(mut self) -> Kpis {
        let (avg_w, p90_w) = summarise(&mut self.waits);
        let (avg_s, p90_s) = summarise(&mut self.services);
        self.kpis.avg_wait_s = avg_w;
        self.kpis.p90_wait_s = p90_w;
        self.kpis.avg_service_s = avg_s;
        self.kpis.p90_service_s = p90_s;
        self.kpis.within_standard =
            (self.called > 0).then(|| self.within as f64 / self.called as f64);
        self.kpis
    }
}

/// Average and 90th percentile (nearest rank), rounded to 0.1 s.
fn summarise(values: &mut [f64]) -> (Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (None, None);
    }
    values.sort_by(f64::total_cmp);
    let avg = values.iter().sum::<f64>() / values.len() as f64;
    let p90 = crate::domain::performance::percentile(values, 0.9);
    let round = |v: f64| (v * 10.0).round() / 10.0;
    (Some(round(avg)), p90.map(round))
}

fn fmt(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The business days `from..=to` asked for; both default as documented on
/// [`StatsQuery`], "today" in the branch's timezone and rollover.
fn period(
    branch: &branches::BranchRow,
    from: Option<&str>,
    to: Option<&str>,
    now: i64,
) -> Result<(NaiveDate, NaiveDate)> {
    let today = branch.calendar().business_day(crate::utc(now));
    let from_day = from
        .map(|f| parse_day("from", f))
        .transpose()?
        .unwrap_or(today);
    let to_day = to
        .map(|t| parse_day("to", t))
        .transpose()?
        .unwrap_or(from_day);
    if to_day < from_day {
        return Err(AppError::invalid("to must not be before from"));
    }
    if (to_day - from_day).num_days() > 366 {
        return Err(AppError::invalid("the period may span at most 366 days"));
    }
    Ok((from_day, to_day))
}

fn parse_day(field: &str, value: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        AppError::invalid(format!(
            "{field} must be a date like 2026-03-31, got {value:?}"
        ))
    })
}

/// Computes the stats.
///
/// # Errors
/// Bad dates, unknown branch.
pub async fn compute<C: Exec>(
    c: &mut C,
    branch_id: i64,
    from: Option<&str>,
    to: Option<&str>,
    now: i64,
) -> Result<Stats> {
    let branch = branches::get(c, branch_id).await?;
    let (from_day, to_day) = period(&branch, from, to, now)?;
    let service_rows = services::list(c, branch_id).await?;
    let desks: Vec<(i64, String)> = c
        .all(q("select id, name from desks where branch_id = $1 order by name").bind(branch_id))
        .await?;
    let (counts, called) = load(c, branch_id, (from_day, to_day), None).await?;
    let standard: BTreeMap<i64, i64> = service_rows
        .iter()
        .map(|s| (s.id, s.standard_wait_s))
        .collect();
    let mut total = Acc::default();
    let mut by_service: BTreeMap<i64, Acc> = BTreeMap::new();
    let mut by_desk: BTreeMap<i64, Acc> = BTreeMap::new();
    for r in &counts {
        total.count(r, true);
        by_service.entry(r.service_id).or_default().count(r, false);
        if let Some(d) = r.desk_id {
            by_desk.entry(d).or_default().count(r, false);
        }
    }
    for r in &called {
        let std_s = standard.get(&r.service_id).copied().unwrap_or(i64::MAX);
        total.called(r, std_s);
        by_service.entry(r.service_id).or_default().called(r, std_s);
        if let Some(d) = r.desk_id {
            by_desk.entry(d).or_default().called(r, std_s);
        }
    }
    Ok(Stats {
        branch_id,
        from: fmt(from_day),
        to: fmt(to_day),
        total: total.finish(),
        services: service_rows
            .iter()
            .map(|s| ServiceKpis {
                service_id: s.id,
                code: s.code.clone(),
                name: s.name.clone(),
                standard_wait_s: s.standard_wait_s,
                kpis: by_service
                    .remove(&s.id)
                    .map(Acc::finish)
                    .unwrap_or_default(),
            })
            .collect(),
        desks: desks
            .into_iter()
            .map(|(id, name)| DeskKpis {
                desk_id: id,
                name,
                kpis: by_desk.remove(&id).map(Acc::finish).unwrap_or_default(),
            })
            .collect(),
    })
}

/// One user's figures: the tickets they called.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserStats {
    /// User.
    pub user_id: i64,
    /// Sign-in name.
    pub username: String,
    /// The user's branch, whose calendar the days are in.
    pub branch_id: i64,
    /// First business day.
    pub from: String,
    /// Last business day.
    pub to: String,
    /// Figures of the tickets this user called (`issued` counts them).
    #[serde(flatten)]
    pub kpis: Kpis,
}

/// Computes one user's figures over business days of their branch.
///
/// # Errors
/// Unknown user, a user without a branch (admins), bad dates.
pub async fn compute_for_user<C: Exec>(
    c: &mut C,
    user: &crate::domain::users::User,
    from: Option<&str>,
    to: Option<&str>,
    now: i64,
) -> Result<UserStats> {
    let Some(branch_id) = user.branch_id else {
        return Err(AppError::invalid(format!(
            "{} belongs to no branch; figures are kept per branch",
            user.username
        )));
    };
    let branch = branches::get(c, branch_id).await?;
    let (from_day, to_day) = period(&branch, from, to, now)?;
    let standard: BTreeMap<i64, i64> = services::list(c, branch_id)
        .await?
        .iter()
        .map(|s| (s.id, s.standard_wait_s))
        .collect();
    let (counts, called) = load(c, branch_id, (from_day, to_day), Some(user.id)).await?;
    let mut acc = Acc::default();
    for r in &counts {
        acc.count(r, false);
    }
    for r in &called {
        acc.called(r, standard.get(&r.service_id).copied().unwrap_or(i64::MAX));
    }
    Ok(UserStats {
        user_id: user.id,
        username: user.username.clone(),
        branch_id,
        from: fmt(from_day),
        to: fmt(to_day),
        kpis: acc.finish(),
    })
}

#[cfg(test)]
mod tests {
    use super::summarise;

    #[test]
    fn percentile_is_nearest_rank() {
        let mut v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(summarise(&mut v), (Some(5.5), Some(9.0)));
        let mut one = vec![4.0];
        assert_eq!(summarise(&mut one), (Some(4.0), Some(4.0)));
        assert_eq!(summarise(&mut []), (None, None));
    }
}
