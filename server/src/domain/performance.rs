//! The public service-standard page and its open data: what each service
//! of an office promises (its standard wait) and how the last complete
//! business days measured up, for anyone, without signing in.
//!
//! Published per active service, over the last [`DEFAULT_DAYS`] complete
//! business days in the branch's calendar (`days` 1 to [`MAX_DAYS`] may
//! ask for another span; today, still under way, is never included):
//! visitors called, the share called within the standard, the median and
//! 90th-percentile wait, the average rating, the accuracy of the predicted
//! waits, and the median wait and visitor count per weekday and hour of
//! arrival (the "best time to come"). Beside them the waits now: people
//! waiting and the predicted range for a ticket taken now.
//!
//! Privacy: the figures are aggregates only (no ticket numbers, names,
//! comments or staff), and any figure taken over fewer than
//! [`MIN_VISITORS`] visitors (ratings, scored predictions) is withheld:
//! null in the JSON, empty in the CSV, and a weekday-hour cell says
//! `suppressed: true`. The live waiting count is exempt: the office page
//! and the waiting-room screens already show it to anyone.
//!
//! The figures reuse the reports' sources: waits from the tickets as
//! [`stats`](crate::domain::stats) reads them (from queueing to the first
//! call, each visit once: a transfer's second leg is not a new wait),
//! ratings from [`feedback::summary`], prediction accuracy from
//! [`predictions::accuracy_by_service`], waits now from
//! [`predictions::for_new_tickets`] as the office page shows them.

use std::collections::BTreeMap;

use chrono::{Datelike as _, NaiveDate, TimeDelta, Timelike as _};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::reports::csv_field;
use crate::domain::{branches, feedback, predictions, services, tickets};
use crate::error::{AppError, Result};
use crate::store::{Exec, q};

/// Fewest visitors (ratings, scored predictions) a published figure may be
/// taken over.
pub const MIN_VISITORS: i64 = 5;

/// Business days published when `days` is not given: four whole weeks, so
/// every weekday counts equally.
pub const DEFAULT_DAYS: i64 = 28;

/// Most business days `days` may ask for.
pub const MAX_DAYS: i64 = 90;

/// What a withheld figure means, sent with every answer.
pub const SUPPRESSION_NOTE: &str = "Figures taken over fewer than 5 visitors \
    (ratings, scored predictions) are withheld so that no single visit can be \
    picked out: null in the JSON, empty in the CSV; weekday-hour cells say \
    suppressed: true.";

/// Query of the performance endpoints.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct PerformanceQuery {
    /// Complete business days to cover, counted back from yesterday: a
    /// whole number from 1 to 90 (default 28). Anything else is a 400 with
    /// reason `invalid_days`.
    pub days: Option<String>,
}

/// The span asked for by `days`: [`DEFAULT_DAYS`] when absent.
///
/// # Errors
/// A 400 with reason `invalid_days` for anything but a whole number from 1
/// to [`MAX_DAYS`].
pub fn parse_days(raw: Option<&str>) -> Result<i64> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_DAYS);
    };
    match raw.trim().parse::<i64>() {
        Ok(days) if (1..=MAX_DAYS).contains(&days) => Ok(days),
        _ => Err(AppError::BadParameter(
            "invalid_days",
            format!("days must be a whole number from 1 to {MAX_DAYS}"),
        )),
    }
}

/// The `p`-th quantile (0 < p ≤ 1) of ascending `sorted` values by nearest
/// rank (the value at rank ⌈p·n⌉), the same rule as the reports' 90th
/// percentile; `None` for no values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// `value` when it was taken over at least [`MIN_VISITORS`] visitors, else
/// `None`: the suppression rule.
pub fn published<T>(visitors: i64, value: T) -> Option<T> {
    (visitors >= MIN_VISITORS).then_some(value)
}

/// Seconds to one decimal, as the reports show them.
fn tenths(s: f64) -> f64 {
    (s * 10.0).round() / 10.0
}

/// One visit's wait, as aggregated: the weekday (1 Monday to 7 Sunday) of
/// its business day, the local hour its ticket was taken, the wait from
/// queueing to the first call and whether that was within the standard.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Visit {
    /// ISO weekday, 1 (Monday) to 7 (Sunday).
    pub weekday: u8,
    /// Hour of arrival, 0 to 23, local time.
    pub hour: u8,
    /// Wait until the first call, seconds.
    pub wait_s: f64,
    /// Called within the service's standard.
    pub within: bool,
}

/// The median wait and the number of visitors who arrived in one hour of
/// one weekday over the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct HourCell {
    /// ISO weekday: 1 Monday to 7 Sunday.
    pub weekday: u8,
    /// Hour the visitors took their tickets, 0 to 23, in the branch's
    /// timezone (10 covers 10:00 to 10:59).
    pub hour: u8,
    /// Visitors; null when suppressed.
    pub visitors: Option<i64>,
    /// Median wait until called, seconds; null when suppressed.
    pub median_wait_s: Option<f64>,
    /// True when fewer than 5 visitors arrived in this hour: the figures
    /// are withheld. Hours in which nobody arrived are not listed.
    pub suppressed: bool,
}

/// The wait figures of one service over the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct WaitFigures {
    /// Visitors called to a desk (each visit once); null when fewer than
    /// 5.
    pub visitors: Option<i64>,
    /// Share (0 to 1) of them called within the standard; null when
    /// suppressed.
    pub within_standard: Option<f64>,
    /// Median wait until called, seconds; null when suppressed.
    pub median_wait_s: Option<f64>,
    /// 90th-percentile wait (nine in ten were called sooner), seconds; null
    /// when suppressed.
    pub p90_wait_s: Option<f64>,
    /// Median wait and visitors per weekday and hour of arrival, Monday
    /// first, hours ascending.
    pub best_time: Vec<HourCell>,
}

/// The wait figures of `visits`, with every figure over fewer than
/// [`MIN_VISITORS`] withheld.
pub fn wait_figures(visits: &[Visit]) -> WaitFigures {
    let n = visits.len() as i64;
    let mut waits: Vec<f64> = visits.iter().map(|v| v.wait_s).collect();
    waits.sort_by(f64::total_cmp);
    let within = visits.iter().filter(|v| v.within).count() as f64;
    let mut cells: BTreeMap<(u8, u8), Vec<f64>> = BTreeMap::new();
    for v in visits {
        cells.entry((v.weekday, v.hour)).or_default().push(v.wait_s);
    }
    let best_time = cells
        .into_iter()
        .map(|((weekday, hour), mut waits)| {
            waits.sort_by(f64::total_cmp);
            let count = waits.len() as i64;
            let median = percentile(&waits, 0.5).map(tenths);
            HourCell {
                weekday,
                hour,
                visitors: published(count, count),
                median_wait_s: published(count, median).flatten(),
                suppressed: count < MIN_VISITORS,
            }
        })
        .collect();
    WaitFigures {
        visitors: published(n, n),
        within_standard: published(n, (within / n.max(1) as f64 * 1000.0).round() / 1000.0),
        median_wait_s: published(n, percentile(&waits, 0.5).map(tenths)).flatten(),
        p90_wait_s: published(n, percentile(&waits, 0.9).map(tenths)).flatten(),
        best_time,
    }
}

/// Visitors' ratings of one service over the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct RatingFigures {
    /// Ratings given; null when fewer than 5.
    pub ratings: Option<i64>,
    /// Average rating, 1 to 5, two decimals; null when suppressed.
    pub avg_rating: Option<f64>,
}

/// How well the waits promised at issue held over the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct PredictionFigures {
    /// Tickets whose promised wait was scored against their real wait;
    /// null when fewer than 5.
    pub tickets: Option<i64>,
    /// Mean absolute difference between the promised and the real wait,
    /// seconds; null when suppressed.
    pub mean_abs_error_s: Option<f64>,
    /// Share (0 to 1) of tickets called inside their promised range; null
    /// when suppressed.
    pub within_range: Option<f64>,
}

impl PredictionFigures {
    /// The published part of a service's accuracy figures.
    fn of(figures: Option<&predictions::ErrorFigures>) -> PredictionFigures {
        let Some(f) = figures else {
            return PredictionFigures::default();
        };
        let n = f.tickets as i64;
        PredictionFigures {
            tickets: published(n, n),
            mean_abs_error_s: published(n, tenths(f.mean_abs_error_s)),
            within_range: published(n, f.within_range.map(|w| (w * 1000.0).round() / 1000.0))
                .flatten(),
        }
    }
}

/// A service's queue now, as the office page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WaitNow {
    /// People waiting now (live, not suppressed: the waiting-room screens
    /// show it to anyone).
    pub waiting: i64,
    /// Predicted seconds until called for a ticket taken now; null while
    /// no open desk serves the service.
    pub predicted_wait_s: Option<i64>,
    /// `[low, high]` seconds, the 10th to 90th percentile; null as above.
    pub predicted_range_s: Option<[i64; 2]>,
    /// True while no open desk serves the service.
    pub no_open_desk: bool,
}

/// One service's published standard and performance.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ServicePerformance {
    /// Service.
    pub service_id: i64,
    /// Short code, the ticket prefix.
    pub code: String,
    /// Default name.
    pub name: String,
    /// Names by language tag (languages without their own name use
    /// `name`).
    pub names: BTreeMap<String, String>,
    /// The published service standard: the longest wait the office aims
    /// for, seconds.
    pub standard_wait_s: i64,
    /// Waits over the period.
    #[serde(flatten)]
    pub waits: WaitFigures,
    /// Ratings over the period.
    pub rating: RatingFigures,
    /// Accuracy of the predicted waits over the period.
    pub prediction: PredictionFigures,
    /// The queue now.
    pub now: WaitNow,
}

/// An office's published standards and performance.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Performance {
    /// Branch.
    pub branch_id: i64,
    /// Office name.
    pub name: String,
    /// IANA timezone in which days and hours are counted.
    pub timezone: String,
    /// Languages the office offers, the first its default.
    pub languages: Vec<String>,
    /// Complete business days covered.
    pub days: i64,
    /// First business day covered, `YYYY-MM-DD`.
    pub from: String,
    /// Last business day covered (yesterday), `YYYY-MM-DD`.
    pub to: String,
    /// Fewest visitors a published figure is taken over (5).
    pub min_visitors: i64,
    /// What a withheld figure means.
    pub suppression: String,
    /// Active services, by code.
    pub services: Vec<ServicePerformance>,
    /// The office's latest signed audit checkpoint (the chain head at the
    /// end of a business day), or null when none is signed yet. Anyone who
    /// keeps it can later prove that the log was rewritten (`waitwell audit
    /// verify --published`).
    pub audit_checkpoint: Option<crate::domain::audit::Checkpoint>,
}

/// An office on the organisation page.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PublicBranch {
    /// Branch.
    pub id: i64,
    /// Office name.
    pub name: String,
    /// IANA timezone.
    pub timezone: String,
    /// Languages offered, the first its default.
    pub languages: Vec<String>,
}

/// Every active office, by name.
///
/// # Errors
/// Database errors.
pub async fn public_branches<C: Exec>(c: &mut C) -> Result<Vec<PublicBranch>> {
    let mut out: Vec<PublicBranch> = branches::list(c)
        .await?
        .into_iter()
        .filter(|b| b.active)
        .map(|b| PublicBranch {
            id: b.id,
            languages: b.languages(),
            name: b.name,
            timezone: b.timezone,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// The business days covered: the `days` complete days before today.
fn span(today: NaiveDate, days: i64) -> (NaiveDate, NaiveDate) {
    (today - TimeDelta::days(days), today - TimeDelta::days(1))
}

fn ymd(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Computes the published figures of an active branch as of `now`.
///
/// # Errors
/// Unknown or inactive branch (404), database errors.
pub async fn compute<C: Exec>(
    c: &mut C,
    branch_id: i64,
    days: i64,
    now: i64,
) -> Result<Performance> {
    let branch = branches::get(c, branch_id).await?;
    if !branch.active {
        return Err(AppError::NotFound("branch"));
    }
    let calendar = branch.calendar();
    let (from, to) = span(calendar.business_day(crate::utc(now)), days);
    let (from_s, to_s) = (ymd(from), ymd(to));

    let listed: Vec<services::ServiceRow> = services::list(c, branch_id)
        .await?
        .into_iter()
        .filter(|s| s.active)
        .collect();
    // One row per visit: each called ticket that is not a transfer's
    // second leg. A period of a busy office is some ten thousand rows.
    let rows: Vec<(i64, String, i64, i64)> = c
        .all(
            q(
                "select service_id, business_day, issued_at, called_at - queued_at from tickets
               where branch_id = $1 and business_day >= $2 and business_day <= $3
                 and called_at is not null and transferred_from is null",
            )
            .bind(branch_id)
            .bind(from_s.as_str())
            .bind(to_s.as_str()),
        )
        .await?;
    let standard: BTreeMap<i64, i64> = listed.iter().map(|s| (s.id, s.standard_wait_s)).collect();
    let mut visits: BTreeMap<i64, Vec<Visit>> = BTreeMap::new();
    for (service_id, day, issued_at, wait_ms) in rows {
        let Some(&standard_s) = standard.get(&service_id) else {
            continue;
        };
        let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
            continue;
        };
        let wait_s = wait_ms.max(0) as f64 / 1000.0;
        visits.entry(service_id).or_default().push(Visit {
            weekday: day.weekday().number_from_monday() as u8,
            hour: crate::utc(issued_at).with_timezone(&calendar.tz).hour() as u8,
            wait_s,
            within: wait_s <= standard_s as f64,
        });
    }

    let ratings = feedback::summary(c, branch_id, &from_s, &to_s).await?;
    let accuracy = predictions::accuracy_by_service(c, branch_id, &from_s, &to_s).await?;
    let ids: Vec<i64> = listed.iter().map(|s| s.id).collect();
    let mut forecasts = predictions::for_new_tickets(c, &branch, &ids, now).await?;

    let mut out = Vec::with_capacity(listed.len());
    for s in &listed {
        let summary = tickets::service_summary(c, s.id).await?;
        let forecast = predictions::ServiceForecast::new(s.id, forecasts.remove(&s.id));
        let rating = ratings
            .services
            .iter()
            .find(|g| g.id == Some(s.id))
            .map(|g| RatingFigures {
                ratings: published(g.ratings.responses, g.ratings.responses),
                avg_rating: published(g.ratings.responses, g.ratings.avg_rating).flatten(),
            })
            .unwrap_or_default();
        out.push(ServicePerformance {
            service_id: s.id,
            code: s.code.clone(),
            name: s.name.clone(),
            names: serde_json::from_str(&s.names).unwrap_or_default(),
            standard_wait_s: s.standard_wait_s,
            waits: wait_figures(visits.get(&s.id).map_or(&[], Vec::as_slice)),
            rating,
            prediction: PredictionFigures::of(accuracy.get(&s.id)),
            now: WaitNow {
                waiting: summary.waiting,
                predicted_wait_s: forecast.predicted_wait_s,
                predicted_range_s: forecast.predicted_range_s,
                no_open_desk: forecast.no_open_desk,
            },
        });
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(Performance {
        branch_id,
        languages: branch.languages(),
        name: branch.name,
        timezone: branch.timezone,
        days,
        from: from_s,
        to: to_s,
        min_visitors: MIN_VISITORS,
        suppression: SUPPRESSION_NOTE.to_owned(),
        services: out,
        audit_checkpoint: crate::domain::audit::latest(c, branch_id).await?,
    })
}

/// Header of the CSV form.
pub const CSV_HEADER: &str = "service_code,service_name,standard_wait_s,scope,weekday,hour,visitors,within_standard,median_wait_s,p90_wait_s,ratings,avg_rating,prediction_tickets,prediction_mean_abs_error_s,prediction_within_range,waiting_now,predicted_low_s,predicted_high_s,no_open_desk,suppressed";

/// The figures as CSV: per service one `period` row (the period's figures
/// and the queue now, weekday and hour empty), then one `hour` row per
/// weekday-hour cell (visitors and median wait only). Withheld figures are
/// empty; `suppressed` is `true` on a cell row whose figures are withheld.
pub fn to_csv(p: &Performance) -> String {
    fn opt<T: ToString>(v: Option<T>) -> String {
        v.map(|v| v.to_string()).unwrap_or_default()
    }
    let mut out = String::with_capacity(4096);
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    for s in &p.services {
        let lead = [
            csv_field(&s.code, true),
            csv_field(&s.name, true),
            s.standard_wait_s.to_string(),
        ]
        .join(",");
        let w = &s.waits;
        let [low, high] = s
            .now
            .predicted_range_s
            .map_or([None, None], |r| r.map(Some));
        let period = [
            lead.clone(),
            "period".into(),
            String::new(),
            String::new(),
            opt(w.visitors),
            opt(w.within_standard),
            opt(w.median_wait_s),
            opt(w.p90_wait_s),
            opt(s.rating.ratings),
            opt(s.rating.avg_rating),
            opt(s.prediction.tickets),
            opt(s.prediction.mean_abs_error_s),
            opt(s.prediction.within_range),
            s.now.waiting.to_string(),
            opt(low),
            opt(high),
            s.now.no_open_desk.to_string(),
            String::new(),
        ];
        out.push_str(&period.join(","));
        out.push_str("\r\n");
        for cell in &w.best_time {
            let row = [
                lead.clone(),
                "hour".into(),
                cell.weekday.to_string(),
                cell.hour.to_string(),
                opt(cell.visitors),
                String::new(),
                opt(cell.median_wait_s),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                cell.suppressed.to_string(),
            ];
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn visit(weekday: u8, hour: u8, wait_s: f64) -> Visit {
        Visit {
            weekday,
            hour,
            wait_s,
            within: wait_s <= 600.0,
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), Some(5.0));
        assert_eq!(percentile(&v, 0.9), Some(9.0));
        assert_eq!(percentile(&v[..5], 0.5), Some(3.0));
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn days_default_and_range() {
        assert_eq!(parse_days(None).unwrap(), 28);
        assert_eq!(parse_days(Some("1")).unwrap(), 1);
        assert_eq!(parse_days(Some("90")).unwrap(), 90);
        for bad in ["0", "91", "-3", "x", "", "7.5"] {
            let e = parse_days(Some(bad)).unwrap_err();
            assert_eq!(e.reason().as_deref(), Some("invalid_days"), "{bad}");
            assert_eq!(e.status_and_code().0.as_u16(), 400);
        }
    }

    #[test]
    fn small_groups_are_withheld() {
        let four: Vec<Visit> = (0..4).map(|i| visit(1, 9, f64::from(i) * 60.0)).collect();
        let f = wait_figures(&four);
        assert_eq!(f.visitors, None);
        assert_eq!(f.median_wait_s, None);
        assert_eq!(f.within_standard, None);
        assert_eq!(f.best_time.len(), 1);
        assert!(f.best_time[0].suppressed);
        assert_eq!(f.best_time[0].visitors, None);

        let mut six = four.clone();
        six.extend([visit(1, 9, 900.0), visit(2, 14, 60.0)]);
        let f = wait_figures(&six);
        assert_eq!(f.visitors, Some(6));
        // 0, 60, 60, 120, 180, 900: nearest-rank median is the third.
        assert_eq!(f.median_wait_s, Some(60.0));
        assert_eq!(f.p90_wait_s, Some(900.0));
        assert_eq!(f.within_standard, Some(0.833));
        let monday9 = &f.best_time[0];
        assert_eq!((monday9.weekday, monday9.hour), (1, 9));
        assert_eq!(monday9.visitors, Some(5));
        assert_eq!(monday9.median_wait_s, Some(120.0));
        assert!(f.best_time[1].suppressed);
    }

    #[test]
    fn empty_service_publishes_nothing() {
        assert_eq!(wait_figures(&[]), WaitFigures::default());
    }

    proptest! {
        /// No published figure, cell or whole service, is taken over fewer
        /// than five visitors, and every visitor lands in exactly one cell.
        #[test]
        fn no_published_cell_counts_fewer_than_five(
            visits in proptest::collection::vec((1u8..=7, 7u8..=18, 0.0f64..7200.0), 0..80)
        ) {
            let visits: Vec<Visit> = visits.into_iter().map(|(d, h, w)| visit(d, h, w)).collect();
            let f = wait_figures(&visits);
            let mut total = 0;
            for cell in &f.best_time {
                match cell.visitors {
                    Some(n) => {
                        prop_assert!(n >= MIN_VISITORS);
                        prop_assert!(!cell.suppressed);
                        prop_assert!(cell.median_wait_s.is_some());
                        total += n;
                    }
                    None => {
                        prop_assert!(cell.suppressed);
                        prop_assert!(cell.median_wait_s.is_none());
                        total += visits.iter()
                            .filter(|v| (v.weekday, v.hour) == (cell.weekday, cell.hour))
                            .count() as i64;
                    }
                }
            }
            prop_assert_eq!(total, visits.len() as i64);
            if visits.len() < MIN_VISITORS as usize {
                prop_assert!(f.visitors.is_none() && f.median_wait_s.is_none()
                    && f.p90_wait_s.is_none() && f.within_standard.is_none());
            }
        }
    }
}
