//! Staffing advice for one business day: per service and hour of the day,
//! the forecast arrivals, the desks needed to call the target share of
//! visitors within the service's standard
//! ([`waitwell_queue::desks_needed`], Erlang C), and next to it the desks
//! that were open serving the service.
//!
//! - Forecast: the mean number of tickets issued in that local hour on the
//!   same weekday over the last [`HISTORY_WEEKS`] weeks, counting only the
//!   days the office issued any ticket (a closed holiday does not halve the
//!   forecast). Transfers are not arrivals.
//! - Service time: the mean of the service's last finished visits, or its
//!   expected duration while it has too few (the same learning as the
//!   predicted waits).
//! - Desks open: for a day up to today, the desk-hours each desk serving the
//!   service (by its allocation now) was open in that hour, from the event
//!   log. Waitwell keeps no plan of future desk hours, so for a future day
//!   this is null.
//!
//! [`chart`] draws the day as a bar chart (the reports' [`bar_chart`]): per
//! hour the desks needed and the desk-hours open, summed over services.
//!
//! The Erlang C advice treats each service as served by desks of its own;
//! where desks are shared, the services' advice adds up to a lower bound of
//! what the office needs. So next to it, for a day up to today, each
//! service gets `simulated`: the forecast day played through the desks that
//! were open, shared as their allocations say, with the real next-ticket
//! policy ([`waitwell_queue::outlook`]), giving the share within standard
//! and the longest wait those desks would have given.
//!
//! [`plan_what_if`] and [`WhatIfPlan::simulate`] play the rest of today twice with the same draws: as
//! planned now, and with a manager's changes (a desk opened for some
//! services from a time, a desk's break).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike as _, NaiveDate, NaiveTime, TimeDelta, TimeZone as _, Timelike as _};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waitwell_queue::{
    ArrivalWindow, BusinessCalendar, DayScenario, DeskPolicy, PlannedDesk, Priority,
    ServiceOutlook, desks_needed, outlook,
};

use crate::domain::branches;
use crate::domain::predictions::{learned_times, situation};
use crate::domain::replay::recorded_desks;
use crate::domain::reports::{BarChart, ChartTexts, Series};
use crate::domain::services::ServiceRow;
use crate::error::{AppError, Result};
use crate::store::{Exec, q};

/// Weeks of history the forecast averages over.
pub const HISTORY_WEEKS: i64 = 8;
/// Target share when the request names none.
pub const DEFAULT_TARGET_SHARE: f64 = 0.8;

/// Query of the staffing chart: the day and target share of
/// [`StaffingQuery`], and the language of the chart's texts.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StaffingChartQuery {
    /// Business day `YYYY-MM-DD` (default: today).
    pub day: Option<String>,
    /// Share of visitors to call within the service standard, 0.5 to 0.99
    /// (default 0.8).
    pub target_share: Option<f64>,
    /// Language of the texts, one of the manager console's (default and
    /// fallback: English).
    pub lang: Option<String>,
}

impl StaffingChartQuery {
    /// The advice's part of the query.
    pub fn advice(&self) -> StaffingQuery {
        StaffingQuery {
            day: self.day.clone(),
            target_share: self.target_share,
        }
    }
}

/// The day's advice as a bar chart ([`bar_chart`]): per hour, the desks
/// needed and the desk-hours open, each summed over the services (a
/// service with no advice for an hour adds nothing; a future day has no
/// "open" bars).
///
/// [`bar_chart`]: crate::domain::reports::bar_chart
pub fn chart(advice: &Staffing, texts: &ChartTexts) -> BarChart {
    let mut needed = vec![0.0; 24];
    let mut open = [0.0; 24];
    let mut any_open = false;
    for service in &advice.services {
        for h in &service.hours {
            let i = h.hour as usize;
            if i >= 24 {
                continue;
            }
            needed[i] += f64::from(h.desks_needed.unwrap_or(0));
            if let Some(o) = h.desks_open {
                any_open = true;
                open[i] += o;
            }
        }
    }
    let mut series = vec![Series {
        name: texts.text("staffing-chart-needed", &[]),
        color: "#0b5cad",
        values: needed,
    }];
    if any_open {
        series.push(Series {
            name: texts.text("staffing-chart-open", &[]),
            color: "#7fa7d4",
            values: open.iter().map(|v| (v * 10.0).round() / 10.0).collect(),
        });
    }
    BarChart {
        title: texts.text(
            "staffing-chart-title",
            &[("day", &advice.day), ("timezone", &advice.timezone)],
        ),
        categories: (0..24).map(|h| format!("{h:02}")).collect(),
        series,
        unit: texts.text("staffing-chart-unit", &[]),
        marks: Vec::new(),
        mark_name: String::new(),
    }
}

/// Query of the staffing endpoint.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StaffingQuery {
    /// Business day `YYYY-MM-DD` (default: today).
    pub day: Option<String>,
    /// Share of visitors to call within the service standard, 0.5 to 0.99
    /// (default 0.8).
    pub target_share: Option<f64>,
}

/// One hour of one service.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StaffingHour {
    /// Local hour of the day, 0 to 23.
    pub hour: u32,
    /// Forecast tickets in this hour.
    pub forecast_arrivals: f64,
    /// Desks needed to call `target_share` of them within the standard;
    /// null when no number of desks would (an implausible forecast).
    pub desks_needed: Option<u32>,
    /// Desk-hours open serving the service in this hour (1.5 = one desk all
    /// hour and one for half of it); null for a day after today.
    pub desks_open: Option<f64>,
}

/// The advice for one service.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ServiceStaffing {
    /// Service.
    pub service_id: i64,
    /// Service code.
    pub code: String,
    /// The service standard: the wait to call visitors within, seconds.
    pub standard_wait_s: i64,
    /// Mean service time used, seconds.
    pub mean_service_s: f64,
    /// Hours 0 to 23.
    pub hours: Vec<StaffingHour>,
    /// For a day up to today with a forecast: how a day of the forecast
    /// arrivals would have gone with the desks that were open, shared
    /// between services as their allocations say (simulated with the real
    /// next-ticket policy). Null for a later day or without history.
    pub simulated: Option<OutlookFigures>,
}

/// Staffing advice for a day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Staffing {
    /// Branch.
    pub branch_id: i64,
    /// Business day.
    pub day: String,
    /// Its weekday, e.g. `Mon`.
    pub weekday: String,
    /// The branch's timezone, in which hours are counted.
    pub timezone: String,
    /// Target share of visitors called within the standard.
    pub target_share: f64,
    /// Same weekdays in the history window on which tickets were issued:
    /// what the forecast averages over (0: no forecast yet).
    pub history_days: usize,
    /// Per active service.
    pub services: Vec<ServiceStaffing>,
}

/// Whether [`compute`] plays the day across shared desks (`simulated`):
/// the chart shows no simulated figure and skips the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Simulate {
    /// Fill in `simulated`.
    Yes,
    /// Leave it null.
    No,
}

/// Builds the advice for `query` as of `now`.
///
/// # Errors
/// A malformed day or a target share out of range (422), unknown branch
/// (404), database errors.
pub async fn compute<C: Exec>(
    c: &mut C,
    branch_id: i64,
    query: &StaffingQuery,
    now: i64,
    simulate: Simulate,
) -> Result<Staffing> {
    let target_share = query.target_share.unwrap_or(DEFAULT_TARGET_SHARE);
    if !(0.5..=0.99).contains(&target_share) {
        return Err(AppError::invalid(format!(
            "target_share must be between 0.5 and 0.99 (got {target_share})"
        )));
    }
    let branch = branches::get(c, branch_id).await?;
    let calendar = branch.calendar();
    let today = calendar.business_day(crate::utc(now));
    let day = match &query.day {
        None => today,
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| AppError::invalid(format!("day must be a date YYYY-MM-DD (got {d:?})")))?,
    };
    let forecast = Forecast::read(c, branch_id, &calendar, day).await?;
    let history_days = forecast.days;

    // Desk-hours open per hour label, for a day up to today.
    let slots = hour_slots(&calendar, day);
    let end = slots.last().map_or(0, |s| s.2);
    let desks = if day <= today {
        Some(recorded_desks(c, branch_id, end).await?)
    } else {
        None
    };

    let times = learned_times(c, branch_id, None).await?;
    let services = crate::domain::services::list(c, branch_id).await?;
    let active: Vec<&ServiceRow> = services.iter().filter(|s| s.active).collect();
    // The day as the desks that were open would have served the forecast.
    let simulated = match &desks {
        Some(desks) if history_days > 0 && simulate == Simulate::Yes => {
            let start = slots.first().map_or(0, |s| s.1);
            let scenario = DayScenario {
                now_ms: start,
                end_ms: end,
                config: branch.policy(),
                desks: desks
                    .iter()
                    .map(|d| PlannedDesk {
                        desk_id: d.id,
                        policy: DeskPolicy {
                            weights: d.weights.clone(),
                            calls_since_priority: 0,
                        },
                        busy: None,
                        open: d.open.clone(),
                    })
                    .collect(),
                waiting: Vec::new(),
                arrivals: forecast.windows(&slots, start),
                times: times.clone(),
                standards_s: active.iter().map(|s| (s.id, s.standard_wait_s)).collect(),
            };
            Some(outlook(&scenario, SIMULATED_DAYS, SEED))
        }
        _ => None,
    };
    let mut out = Vec::new();
    for s in active {
        let mean_s = times.for_service(s.id).mean_s();
        let mut open_ms = [0_i64; 24];
        let mut slot_ms = [0_i64; 24];
        if let Some(desks) = &desks {
            for &(hour, a, b) in &slots {
                let h = hour as usize;
                slot_ms[h] += b - a;
                for d in desks
                    .iter()
                    .filter(|d| d.weights.iter().any(|(sid, _)| *sid == s.id))
                {
                    for &(from, to) in &d.open {
                        open_ms[h] += (to.min(b) - from.max(a)).max(0);
                    }
                }
            }
        }
        let hours = (0..24_u32)
            .map(|hour| {
                let forecast = forecast.per_hour(s.id, hour);
                let h = hour as usize;
                StaffingHour {
                    hour,
                    forecast_arrivals: (forecast * 100.0).round() / 100.0,
                    desks_needed: desks_needed(
                        forecast,
                        mean_s,
                        s.standard_wait_s as f64,
                        target_share,
                    ),
                    desks_open: desks.as_ref().map(|_| {
                        if slot_ms[h] == 0 {
                            0.0
                        } else {
                            (open_ms[h] as f64 / slot_ms[h] as f64 * 100.0).round() / 100.0
                        }
                    }),
                }
            })
            .collect();
        out.push(ServiceStaffing {
            service_id: s.id,
            code: s.code.clone(),
            standard_wait_s: s.standard_wait_s,
            mean_service_s: (mean_s * 10.0).round() / 10.0,
            hours,
            simulated: simulated.as_ref().map(|o| o.service(s.id).into()),
        });
    }
    Ok(Staffing {
        branch_id,
        day: day.format("%Y-%m-%d").to_string(),
        weekday: day.weekday().to_string(),
        timezone: branch.timezone.clone(),
        target_share,
        history_days,
        services: out,
    })
}

/// Seed of the staffing simulations: the same question gets the same answer.
const SEED: u64 = 0x57AF_F1A6;
/// Simulated days behind each simulated figure: enough for the share within
/// standard to settle within a percent or two, at a few milliseconds.
pub const SIMULATED_DAYS: u32 = 200;

/// The hour slots of a business day: `(local hour, from, to)` in Unix ms,
/// from its start to the next day's (23 or 25 slots on a clock change).
fn hour_slots(calendar: &BusinessCalendar, day: NaiveDate) -> Vec<(u32, i64, i64)> {
    let start = calendar.day_start(day).timestamp_millis();
    let end = calendar
        .day_start(day + TimeDelta::days(1))
        .timestamp_millis();
    let mut slots = Vec::new();
    let mut at = start;
    while at < end {
        let next = (at + 3_600_000).min(end);
        slots.push((crate::utc(at).with_timezone(&calendar.tz).hour(), at, next));
        at = next;
    }
    slots
}

/// Forecast arrivals of a day: the tickets issued on the same weekday of
/// the last [`HISTORY_WEEKS`] weeks, by service, class and local hour.
struct Forecast {
    /// Days in the window on which any ticket was issued.
    days: usize,
    /// Tickets per `(service, class, hour)` over those days.
    counts: BTreeMap<(i64, Priority, u32), f64>,
}

impl Forecast {
    async fn read<C: Exec>(
        c: &mut C,
        branch_id: i64,
        calendar: &BusinessCalendar,
        day: NaiveDate,
    ) -> Result<Forecast> {
        let weekdays: BTreeSet<String> = (1..=HISTORY_WEEKS)
            .map(|w| (day - TimeDelta::weeks(w)).format("%Y-%m-%d").to_string())
            .collect();
        let from = (day - TimeDelta::weeks(HISTORY_WEEKS))
            .format("%Y-%m-%d")
            .to_string();
        let rows: Vec<(i64, String, String, i64)> = c
            .all(
                q(
                    "select service_id, priority, business_day, issued_at from tickets
                   where branch_id = $1 and business_day >= $2 and business_day < $3
                     and transferred_from is null",
                )
                .bind(branch_id)
                .bind(from)
                .bind(day.format("%Y-%m-%d").to_string()),
            )
            .await?;
        let mut open_days = BTreeSet::new();
        let mut counts: BTreeMap<(i64, Priority, u32), f64> = BTreeMap::new();
        for (service_id, priority, business_day, at) in rows {
            if !weekdays.contains(&business_day) {
                continue;
            }
            let hour = crate::utc(at).with_timezone(&calendar.tz).hour();
            let priority = priority.parse().unwrap_or_default();
            *counts.entry((service_id, priority, hour)).or_default() += 1.0;
            open_days.insert(business_day);
        }
        Ok(Forecast {
            days: open_days.len(),
            counts,
        })
    }

    /// Forecast tickets of `service_id` in local hour `hour`, all classes.
    fn per_hour(&self, service_id: i64, hour: u32) -> f64 {
        if self.days == 0 {
            return 0.0;
        }
        let n: f64 = self
            .counts
            .iter()
            .filter(|((s, _, h), _)| *s == service_id && *h == hour)
            .map(|(_, n)| n)
            .sum();
        n / self.days as f64
    }

    /// The forecast as arrival windows over `slots`, from `from` on.
    fn windows(&self, slots: &[(u32, i64, i64)], from: i64) -> Vec<ArrivalWindow> {
        if self.days == 0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        for &(hour, a, b) in slots {
            if b <= from {
                continue;
            }
            for (&(service_id, priority, h), n) in &self.counts {
                if h == hour {
                    out.push(ArrivalWindow {
                        service_id,
                        priority,
                        from_ms: a.max(from),
                        to_ms: b,
                        // Per hour of the slot's own length (a slot cut
                        // short by a clock change keeps its rate).
                        per_hour: n / self.days as f64 * 3_600_000.0 / (b - a) as f64,
                    });
                }
            }
        }
        out
    }
}

/// Simulated figures of a service or of the office (see
/// [`ServiceOutlook`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct OutlookFigures {
    /// Visitors per day: waiting at the start plus forecast arrivals.
    pub visitors: f64,
    /// Share called within the service standard (0 to 1); null without
    /// visitors.
    pub share_within: Option<f64>,
    /// Mean wait of those called, seconds.
    pub mean_wait_s: Option<i64>,
    /// The day's longest wait, averaged over the simulated days, seconds
    /// (a visitor not called counts until the end of the day).
    pub longest_wait_s: Option<i64>,
    /// Visitors per day still waiting when the day ends.
    pub not_called: f64,
}

impl From<ServiceOutlook> for OutlookFigures {
    fn from(o: ServiceOutlook) -> Self {
        OutlookFigures {
            visitors: o.visitors,
            share_within: o.share_within.map(|s| (s * 1000.0).round() / 1000.0),
            mean_wait_s: o.mean_wait_s,
            longest_wait_s: o.longest_wait_s,
            not_called: o.not_called,
        }
    }
}

/// What a change of plan does to a desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanAction {
    /// The desk calls visitors from `from` to `to`.
    Open,
    /// The desk calls nobody from `from` to `to`.
    Break,
}

/// One change to the plan for the rest of today.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanChange {
    /// An active desk of the branch.
    pub desk_id: i64,
    /// Open it or take it off for a break.
    pub action: PlanAction,
    /// Local time `HH:MM` the change starts (default: now).
    pub from: Option<String>,
    /// Local time `HH:MM` it ends (default: the end of the business day).
    pub to: Option<String>,
    /// With `open`: the services the desk calls for in this scenario, one
    /// weight each, instead of its allocation ("open desk 4 for Passports").
    pub service_ids: Option<Vec<i64>>,
}

/// Most changes one what-if may name.
pub const MAX_PLAN_CHANGES: usize = 50;

/// A what-if question: the changes to today's plan.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIfRequest {
    /// Applied in order to the plan "every open desk stays open until the
    /// end of the day, the others stay shut".
    pub changes: Vec<PlanChange>,
}

/// One service in a what-if answer.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ServiceWhatIf {
    /// Service.
    pub service_id: i64,
    /// Service code.
    pub code: String,
    /// Its standard, seconds.
    pub standard_wait_s: i64,
    /// Without the changes.
    pub baseline: OutlookFigures,
    /// With them.
    pub scenario: OutlookFigures,
}

/// The rest of today with and without a change of plan.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WhatIf {
    /// Branch.
    pub branch_id: i64,
    /// Business day.
    pub day: String,
    /// The branch's timezone, in which the changes' times are read.
    pub timezone: String,
    /// The simulation starts here (now), Unix ms.
    pub from_ms: i64,
    /// And ends here (the end of the business day), Unix ms.
    pub until_ms: i64,
    /// Days of history behind the forecast arrivals (0: only the visitors
    /// waiting now are simulated).
    pub history_days: usize,
    /// Simulated days behind each figure.
    pub runs: u32,
    /// The office without the changes.
    pub baseline: OutlookFigures,
    /// The office with them.
    pub scenario: OutlookFigures,
    /// Per active service.
    pub services: Vec<ServiceWhatIf>,
}

/// The two days a what-if compares, read and checked, ready to simulate
/// ([`WhatIfPlan::simulate`], pure CPU work, outside any transaction).
#[derive(Debug, Clone)]
pub struct WhatIfPlan {
    branch_id: i64,
    day: NaiveDate,
    timezone: String,
    now: i64,
    end: i64,
    history_days: usize,
    /// `(id, code, standard_wait_s)` of each active service.
    services: Vec<(i64, String, i64)>,
    base: DayScenario,
    scenario: DayScenario,
}

/// Reads what a what-if needs and applies `request`'s changes to the plan
/// "open desks stay open until the end of the day, the others stay shut".
///
/// # Errors
/// An unknown or inactive desk or service, a malformed time, a change that
/// ends before it starts or is already over (422); unknown branch (404);
/// database errors.
pub async fn plan_what_if<C: Exec>(
    c: &mut C,
    branch_id: i64,
    request: &WhatIfRequest,
    now: i64,
) -> Result<WhatIfPlan> {
    if request.changes.len() > MAX_PLAN_CHANGES {
        return Err(AppError::invalid(format!(
            "at most {MAX_PLAN_CHANGES} changes (got {})",
            request.changes.len()
        )));
    }
    let branch = branches::get(c, branch_id).await?;
    let calendar = branch.calendar();
    let day = calendar.business_day(crate::utc(now));
    let slots = hour_slots(&calendar, day);
    let end = calendar.next_rollover(crate::utc(now)).timestamp_millis();
    let forecast = Forecast::read(c, branch_id, &calendar, day).await?;
    let services: Vec<ServiceRow> = crate::domain::services::list(c, branch_id)
        .await?
        .into_iter()
        .filter(|s| s.active)
        .collect();

    let now_situation = situation(
        c,
        branch_id,
        branch.policy(),
        &day.format("%Y-%m-%d").to_string(),
        now,
    )
    .await?;
    // The plan as it stands: open desks stay open, the others shut.
    let busy: BTreeMap<i64, _> = now_situation
        .desks
        .iter()
        .map(|d| (d.desk_id, d.busy))
        .collect();
    let mut desks = Vec::new();
    for d in crate::domain::desks::of_branch(c, branch_id).await? {
        if !d.active {
            continue;
        }
        desks.push(PlannedDesk {
            desk_id: d.id,
            policy: DeskPolicy {
                weights: crate::domain::desks::weights(c, d.id).await?,
                calls_since_priority: u32::try_from(d.calls_since_priority).unwrap_or(0),
            },
            busy: busy.get(&d.id).copied().flatten(),
            open: if busy.contains_key(&d.id) {
                vec![(now, end)]
            } else {
                Vec::new()
            },
        });
    }
    let mut changed = desks.clone();
    for (i, change) in request.changes.iter().enumerate() {
        let at = |t: &Option<String>, default: i64| match t {
            None => Ok(default),
            Some(t) => local_time(&calendar, day, t).ok_or_else(|| {
                AppError::invalid(format!("changes[{i}]: {t:?} is not a time HH:MM"))
            }),
        };
        let (from, to) = (at(&change.from, now)?, at(&change.to, end)?);
        if from >= to {
            return Err(AppError::invalid(format!(
                "changes[{i}]: it must end after it starts"
            )));
        }
        if to <= now {
            return Err(AppError::invalid(format!(
                "changes[{i}]: it is already over"
            )));
        }
        let desk = changed
            .iter_mut()
            .find(|d| d.desk_id == change.desk_id)
            .ok_or_else(|| {
                AppError::invalid(format!(
                    "changes[{i}]: desk {} is not an active desk of this branch",
                    change.desk_id
                ))
            })?;
        if let Some(ids) = &change.service_ids {
            if change.action != PlanAction::Open || ids.is_empty() {
                return Err(AppError::invalid(format!(
                    "changes[{i}]: service_ids names the services of a desk that opens, at least one"
                )));
            }
            if let Some(bad) = ids.iter().find(|id| !services.iter().any(|s| s.id == **id)) {
                return Err(AppError::invalid(format!(
                    "changes[{i}]: service {bad} is not an active service of this branch"
                )));
            }
            desk.policy.weights = ids.iter().map(|id| (*id, 1)).collect();
            desk.policy.weights.sort_unstable();
            desk.policy.weights.dedup();
        }
        let (from, to) = (from.max(now), to.min(end));
        desk.open = match change.action {
            PlanAction::Open => add_period(&desk.open, (from, to)),
            PlanAction::Break => remove_period(&desk.open, (from, to)),
        };
    }

    let base = DayScenario {
        now_ms: now,
        end_ms: end,
        config: branch.policy(),
        desks,
        waiting: now_situation.waiting,
        arrivals: forecast.windows(&slots, now),
        times: now_situation.times,
        standards_s: services.iter().map(|s| (s.id, s.standard_wait_s)).collect(),
    };
    let scenario = DayScenario {
        desks: changed,
        ..base.clone()
    };
    Ok(WhatIfPlan {
        branch_id,
        day,
        timezone: branch.timezone.clone(),
        now,
        end,
        history_days: forecast.days,
        services: services
            .iter()
            .map(|s| (s.id, s.code.clone(), s.standard_wait_s))
            .collect(),
        base,
        scenario,
    })
}

impl WhatIfPlan {
    /// Plays the rest of today as planned and with the changes, with the
    /// same draws: the same forecast arrivals and service times, the real
    /// next-ticket policy across shared desks.
    pub fn simulate(self) -> WhatIf {
        let (before, after) = (
            outlook(&self.base, SIMULATED_DAYS, SEED),
            outlook(&self.scenario, SIMULATED_DAYS, SEED),
        );
        WhatIf {
            branch_id: self.branch_id,
            day: self.day.format("%Y-%m-%d").to_string(),
            timezone: self.timezone,
            from_ms: self.now,
            until_ms: self.end,
            history_days: self.history_days,
            runs: before.runs,
            baseline: before.office.into(),
            scenario: after.office.into(),
            services: self
                .services
                .into_iter()
                .map(|(service_id, code, standard_wait_s)| ServiceWhatIf {
                    service_id,
                    code,
                    standard_wait_s,
                    baseline: before.service(service_id).into(),
                    scenario: after.service(service_id).into(),
                })
                .collect(),
        }
    }
}

/// `HH:MM` on business day `day`, as Unix ms: the first such local time
/// at or after the day's start (an hour before the rollover belongs to the
/// next calendar date). `None` for a malformed time.
fn local_time(calendar: &BusinessCalendar, day: NaiveDate, t: &str) -> Option<i64> {
    if t.len() != 5 {
        return None;
    }
    let time = NaiveTime::parse_from_str(t, "%H:%M").ok()?;
    let start = calendar.day_start(day);
    [day, day + TimeDelta::days(1)]
        .into_iter()
        .filter_map(|d| {
            calendar
                .tz
                .from_local_datetime(&d.and_time(time))
                .earliest()
        })
        .map(|at| at.to_utc())
        .find(|at| *at >= start)
        .map(|at| at.timestamp_millis())
}

/// `periods` (sorted, disjoint `[from, to)`) with `p` added.
fn add_period(periods: &[(i64, i64)], p: (i64, i64)) -> Vec<(i64, i64)> {
    let mut all: Vec<(i64, i64)> = periods.iter().copied().chain([p]).collect();
    all.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (a, b) in all {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// `periods` (sorted, disjoint `[from, to)`) without `p`.
fn remove_period(periods: &[(i64, i64)], p: (i64, i64)) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for &(a, b) in periods {
        if a < p.0 {
            out.push((a, b.min(p.0)));
        }
        if b > p.1 {
            out.push((a.max(p.1), b));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn covers(periods: &[(i64, i64)], t: i64) -> bool {
        periods.iter().any(|(a, b)| *a <= t && t < *b)
    }

    proptest! {
        /// Adding and removing periods is set union and difference, and
        /// keeps the list sorted and disjoint.
        #[test]
        fn periods_are_sets(
            ops in proptest::collection::vec((any::<bool>(), 0i64..50, 1i64..20), 0..12),
        ) {
            let mut periods = Vec::new();
            let mut model = [false; 80];
            for (add, from, len) in ops {
                let p = (from, from + len);
                periods = if add { add_period(&periods, p) } else { remove_period(&periods, p) };
                for slot in &mut model[p.0 as usize..p.1 as usize] {
                    *slot = add;
                }
                for w in periods.windows(2) {
                    prop_assert!(w[0].1 < w[1].0);
                }
                prop_assert!(periods.iter().all(|(a, b)| a < b));
            }
            for (t, want) in model.iter().enumerate() {
                prop_assert_eq!(covers(&periods, t as i64), *want, "at {}", t);
            }
        }
    }

    #[test]
    fn local_times_belong_to_the_business_day() {
        let calendar = BusinessCalendar::new(
            chrono_tz::Europe::Warsaw,
            NaiveTime::from_hms_opt(3, 0, 0).unwrap(),
        );
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let at = |t| local_time(&calendar, day, t).map(crate::utc);
        // 10:00 in Warsaw is 09:00 UTC in December.
        assert_eq!(
            at("10:00").unwrap().to_rfc3339(),
            "2026-12-07T09:00:00+00:00"
        );
        // 01:30 is before the 03:00 rollover: the next morning's.
        assert_eq!(
            at("01:30").unwrap().to_rfc3339(),
            "2026-12-08T00:30:00+00:00"
        );
        for bad in ["25:00", "10", "10:00:00", "", "ab:cd", "9:00"] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }
}
