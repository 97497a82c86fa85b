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
//! The advice treats each service as served by desks of its own; where
//! desks are shared, the services' advice adds up to a lower bound of what
//! the office needs (a simulation across shared desks is not done).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike as _, NaiveDate, TimeDelta, Timelike as _};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waitwell_queue::desks_needed;

use crate::domain::branches;
use crate::domain::predictions::learned_times;
use crate::domain::replay::recorded_desks;
use crate::domain::reports::{BarChart, ChartTexts, Series};
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
    let tz = calendar.tz;

    // Tickets of the same weekday in the history window, by service and
    // local hour.
    let weekdays: BTreeSet<String> = (1..=HISTORY_WEEKS)
        .map(|w| (day - TimeDelta::weeks(w)).format("%Y-%m-%d").to_string())
        .collect();
    let from = (day - TimeDelta::weeks(HISTORY_WEEKS))
        .format("%Y-%m-%d")
        .to_string();
    let rows: Vec<(i64, String, i64)> = c
        .all(
            q("select service_id, business_day, issued_at from tickets
               where branch_id = $1 and business_day >= $2 and business_day < $3
                 and transferred_from is null")
            .bind(branch_id)
            .bind(from)
            .bind(day.format("%Y-%m-%d").to_string()),
        )
        .await?;
    let mut open_days = BTreeSet::new();
    let mut counts: BTreeMap<(i64, u32), f64> = BTreeMap::new();
    for (service_id, business_day, at) in rows {
        if !weekdays.contains(&business_day) {
            continue;
        }
        let hour = crate::utc(at).with_timezone(&tz).hour();
        *counts.entry((service_id, hour)).or_default() += 1.0;
        open_days.insert(business_day);
    }
    let history_days = open_days.len();

    // Desk-hours open per hour label, for a day up to today.
    let (start, end) = (
        calendar.day_start(day).timestamp_millis(),
        calendar
            .day_start(day + TimeDelta::days(1))
            .timestamp_millis(),
    );
    let desks = if day <= today {
        Some(recorded_desks(c, branch_id, end).await?)
    } else {
        None
    };
    // Hour slots of the business day, labelled by their local hour.
    let mut slots = Vec::new();
    let mut at = start;
    while at < end {
        let next = (at + 3_600_000).min(end);
        slots.push((crate::utc(at).with_timezone(&tz).hour(), at, next));
        at = next;
    }

    let times = learned_times(c, branch_id, None).await?;
    let services = crate::domain::services::list(c, branch_id).await?;
    let mut out = Vec::new();
    for s in services.into_iter().filter(|s| s.active) {
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
                let forecast = if history_days == 0 {
                    0.0
                } else {
                    counts.get(&(s.id, hour)).copied().unwrap_or(0.0) / history_days as f64
                };
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
