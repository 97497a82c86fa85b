//! Replaying a day through both wait predictors, to measure which one
//! tells visitors the truth.
//!
//! A day is a [`RecordedDay`]: every ticket's issue, call and finish times
//! and desk, and when each desk was open. It comes either from the
//! database (the server's `waitwell replay`) or from [`generate_day`],
//! which plays a day of a made-up office with known arrival and service
//! time distributions through the real policy. [`evaluate`] then goes
//! through the day ticket by ticket and asks, as of the moment each ticket
//! was issued and knowing only what the server knew then, what the old
//! formula ([`estimate_wait_s`]) and the new prediction ([`predict_waits`])
//! would have said, and compares both with the wait that followed.

use std::collections::BTreeMap;

use crate::estimate::{ServiceLoad, estimate_wait_s};
use crate::policy::{
    Candidate, DeskPolicy, PolicyConfig, Priority, calls_since_priority_after, order_branch,
    pick_for_desk,
};
use crate::predict::{
    ArrivalRate, Busy, OpenDesk, PredictOptions, Prediction, Served, ServiceTime, SimRng,
    Situation, learn_service_times, predict_waits,
};

/// One ticket's stay in a queue, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedTicket {
    /// Ticket id (ties in the policy are broken by it).
    pub id: i64,
    /// The service.
    pub service_id: i64,
    /// The class.
    pub priority: Priority,
    /// Issued (Unix ms): when the prediction was made.
    pub issued_ms: i64,
    /// The time its queue place counts from.
    pub queued_ms: i64,
    /// First call, if it was called.
    pub called_ms: Option<i64>,
    /// When it stopped waiting without a call (cancelled, expired), if so.
    pub left_ms: Option<i64>,
    /// The desk that called it.
    pub desk_id: Option<i64>,
    /// Start of service (the call when not recorded).
    pub started_ms: Option<i64>,
    /// End of service.
    pub finished_ms: Option<i64>,
}

/// A desk of a recorded day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedDesk {
    /// Desk id.
    pub id: i64,
    /// Its allocation `(service_id, weight)`.
    pub weights: Vec<(i64, u32)>,
    /// Half-open intervals `[from, to)` (Unix ms) in which it was open.
    pub open: Vec<(i64, i64)>,
}

/// Everything [`evaluate`] needs about one day of one office.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedDay {
    /// The branch's policy settings.
    pub config: PolicyConfig,
    /// Each service's configured expected duration, seconds (the prior).
    pub expected_s: BTreeMap<i64, f64>,
    /// The desks.
    pub desks: Vec<RecordedDesk>,
    /// The tickets, in any order.
    pub tickets: Vec<RecordedTicket>,
    /// Visits finished before the day, oldest first: the history the
    /// server would have learned from at opening time.
    pub history: Vec<Served>,
}

/// How well one predictor did.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Accuracy {
    /// Tickets scored.
    pub tickets: usize,
    /// Mean absolute error, seconds.
    pub mean_abs_error_s: f64,
    /// Median absolute error, seconds.
    pub median_abs_error_s: f64,
    /// Share of tickets called inside their predicted range (predictors
    /// with a range only).
    pub within_range: Option<f64>,
}

/// One scored prediction: what was said, and what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Predicted wait, seconds.
    pub predicted_s: i64,
    /// The range, when the predictor gives one.
    pub range_s: Option<(i64, i64)>,
    /// The wait that followed, seconds.
    pub actual_s: i64,
}

impl Accuracy {
    /// The figures for a set of outcomes; `None` when there are none.
    pub fn of(outcomes: &[Outcome]) -> Option<Accuracy> {
        if outcomes.is_empty() {
            return None;
        }
        let mut errors: Vec<i64> = outcomes
            .iter()
            .map(|o| (o.predicted_s - o.actual_s).saturating_abs())
            .collect();
        errors.sort_unstable();
        let n = errors.len();
        let median = if n % 2 == 1 {
            errors[n / 2] as f64
        } else {
            (errors[n / 2 - 1] as f64 + errors[n / 2] as f64) / 2.0
        };
        let ranged: Vec<bool> = outcomes
            .iter()
            .filter_map(|o| {
                o.range_s
                    .map(|(lo, hi)| lo <= o.actual_s && o.actual_s <= hi)
            })
            .collect();
        Some(Accuracy {
            tickets: n,
            mean_abs_error_s: errors.iter().map(|e| *e as f64).sum::<f64>() / n as f64,
            median_abs_error_s: median,
            within_range: (!ranged.is_empty())
                .then(|| ranged.iter().filter(|x| **x).count() as f64 / ranged.len() as f64),
        })
    }
}

/// Both predictors' outcomes for one service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceOutcomes {
    /// The new prediction.
    pub new: Vec<Outcome>,
    /// The old formula, for the same tickets.
    pub old: Vec<Outcome>,
}

/// What [`evaluate`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// Outcomes per service.
    pub by_service: BTreeMap<i64, ServiceOutcomes>,
    /// Tickets issued while no open desk served their service: the new
    /// predictor said so and they are not scored; the old formula gave a
    /// number anyway.
    pub no_desk: usize,
    /// Tickets never called (cancelled, expired): nothing to score.
    pub never_called: usize,
}

impl Evaluation {
    /// All services' outcomes of the new predictor.
    pub fn all_new(&self) -> Vec<Outcome> {
        self.by_service
            .values()
            .flat_map(|s| s.new.iter().copied())
            .collect()
    }

    /// All services' outcomes of the old formula.
    pub fn all_old(&self) -> Vec<Outcome> {
        self.by_service
            .values()
            .flat_map(|s| s.old.iter().copied())
            .collect()
    }

    /// Adds another day's outcomes.
    pub fn absorb(&mut self, other: Evaluation) {
        for (sid, o) in other.by_service {
            let e = self.by_service.entry(sid).or_default();
            e.new.extend(o.new);
            e.old.extend(o.old);
        }
        self.no_desk += other.no_desk;
        self.never_called += other.never_called;
    }
}

/// Minutes of recent arrivals the arrival rates are estimated from (the
/// server uses the same window).
pub const ARRIVAL_WINDOW_MS: i64 = 60 * 60_000;
/// Finished visits the old formula averages over (as the server did).
const OLD_AVERAGE_OF: usize = 20;

/// Arrival rates per service and class from the tickets issued in the
/// [`ARRIVAL_WINDOW_MS`] before `now_ms` (`issued` lists issue times).
/// Early in the day the window is shortened to the time since the first
/// ticket, but to no less than 15 minutes, so one early visitor does not
/// make a rush.
pub fn recent_arrival_rates(
    issued: impl IntoIterator<Item = (i64, Priority, i64)>,
    now_ms: i64,
    day_start_ms: i64,
) -> Vec<ArrivalRate> {
    let from = now_ms - ARRIVAL_WINDOW_MS;
    let span_ms = (now_ms - day_start_ms.max(from)).clamp(15 * 60_000, ARRIVAL_WINDOW_MS);
    let mut counts: BTreeMap<(i64, Priority), u32> = BTreeMap::new();
    for (service_id, priority, at) in issued {
        if at > from && at <= now_ms {
            *counts.entry((service_id, priority)).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|((service_id, priority), n)| ArrivalRate {
            service_id,
            priority,
            per_hour: f64::from(n) * 3_600_000.0 / span_ms as f64,
        })
        .collect()
}

/// Replays `day`: for every ticket, at its issue time, both predictions
/// from what was known then, against the wait that followed.
pub fn evaluate(day: &RecordedDay, opts: &PredictOptions) -> Evaluation {
    let mut tickets = day.tickets.clone();
    tickets.sort_by_key(|t| (t.issued_ms, t.id));
    let day_start = tickets.first().map_or(0, |t| t.issued_ms);
    let mut calls: Vec<&RecordedTicket> =
        tickets.iter().filter(|t| t.called_ms.is_some()).collect();
    calls.sort_by_key(|t| (t.called_ms, t.id));
    let mut finished: Vec<&RecordedTicket> = tickets
        .iter()
        .filter(|t| t.finished_ms.is_some() && t.desk_id.is_some())
        .collect();
    finished.sort_by_key(|t| (t.finished_ms, t.id));

    let mut out = Evaluation::default();
    for (n, t) in tickets.iter().enumerate() {
        let Some(called) = t.called_ms else {
            out.never_called += 1;
            continue;
        };
        let now = t.issued_ms;
        let actual_s = (called - now).max(0) / 1000;
        let waiting: Vec<Candidate> = tickets
            .iter()
            .filter(|w| w.issued_ms <= now && still_waiting(w, now))
            .map(|w| Candidate {
                ticket_id: w.id,
                service_id: w.service_id,
                priority: w.priority,
                queued_at_ms: w.queued_ms,
            })
            .collect();
        let open: Vec<&RecordedDesk> = day
            .desks
            .iter()
            .filter(|d| d.open.iter().any(|(a, b)| *a <= now && now < *b))
            .collect();
        let done: Vec<&RecordedTicket> = finished
            .iter()
            .copied()
            .filter(|f| f.finished_ms.is_some_and(|x| x <= now))
            .collect();

        // The old formula, as the server computed it.
        let same: Vec<Candidate> = waiting
            .iter()
            .copied()
            .filter(|c| c.service_id == t.service_id)
            .collect();
        let ahead = order_branch(&same, &day.config, now)
            .iter()
            .position(|p| p.ticket_id == t.id)
            .unwrap_or(0);
        let recent: Vec<f64> = done
            .iter()
            .rev()
            .filter(|f| f.service_id == t.service_id)
            .take(OLD_AVERAGE_OF)
            .map(|f| duration_s(f))
            .collect();
        let avg_service_s = if recent.is_empty() {
            day.expected_s.get(&t.service_id).copied().unwrap_or(0.0)
        } else {
            recent.iter().sum::<f64>() / recent.len() as f64
        };
        let open_desks = open
            .iter()
            .filter(|d| d.weights.iter().any(|(s, _)| *s == t.service_id))
            .count();
        let old = estimate_wait_s(
            ahead,
            ServiceLoad {
                open_desks: u32::try_from(open_desks).unwrap_or(u32::MAX),
                avg_service_s,
            },
        );

        // The new prediction, from the same knowledge.
        let mut history = day.history.clone();
        history.extend(done.iter().map(|f| Served {
            service_id: f.service_id,
            desk_id: f.desk_id.unwrap_or_default(),
            seconds: duration_s(f),
        }));
        let desks: Vec<OpenDesk> = open
            .iter()
            .map(|d| {
                let mut since = 0;
                for c in calls
                    .iter()
                    .filter(|c| c.desk_id == Some(d.id) && c.called_ms.is_some_and(|x| x < now))
                {
                    since = calls_since_priority_after(since, c.priority);
                }
                let busy = calls
                    .iter()
                    .filter(|c| c.desk_id == Some(d.id))
                    .filter(|c| {
                        c.called_ms.is_some_and(|x| x < now)
                            && c.finished_ms.is_none_or(|x| x > now)
                    })
                    .max_by_key(|c| c.called_ms)
                    .map(|c| Busy {
                        service_id: c.service_id,
                        since_ms: c
                            .started_ms
                            .filter(|s| *s <= now)
                            .or(c.called_ms)
                            .unwrap_or(now),
                    });
                OpenDesk {
                    desk_id: d.id,
                    policy: DeskPolicy {
                        weights: d.weights.clone(),
                        calls_since_priority: since,
                    },
                    busy,
                }
            })
            .collect();
        let situation = Situation {
            now_ms: now,
            config: day.config,
            desks,
            waiting,
            times: learn_service_times(&history, &day.expected_s),
            arrivals: recent_arrival_rates(
                tickets[..=n]
                    .iter()
                    .map(|x| (x.service_id, x.priority, x.issued_ms)),
                now,
                day_start,
            ),
        };
        let seeded = PredictOptions {
            seed: opts.seed ^ (t.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ..*opts
        };
        let entry = out.by_service.entry(t.service_id).or_default();
        match predict_waits(&situation, &[t.id], &seeded).get(&t.id) {
            Some(Prediction::Wait(w)) => {
                entry.new.push(Outcome {
                    predicted_s: w.expected_s,
                    range_s: Some((w.low_s, w.high_s)),
                    actual_s,
                });
                entry.old.push(Outcome {
                    predicted_s: old,
                    range_s: None,
                    actual_s,
                });
            }
            Some(Prediction::NoDesk) | None => out.no_desk += 1,
        }
    }
    out
}

/// Waiting as of `now`, before anything else happens at `now`: a ticket an
/// idle desk calls the moment it is issued was still waiting when it was
/// issued.
fn still_waiting(t: &RecordedTicket, now: i64) -> bool {
    t.called_ms.is_none_or(|c| c >= now) && t.left_ms.is_none_or(|l| l > now)
}

fn duration_s(t: &RecordedTicket) -> f64 {
    let start = t.started_ms.or(t.called_ms).unwrap_or_default();
    (t.finished_ms.unwrap_or(start) - start).max(0) as f64 / 1000.0
}

/// A service of a generated office.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanService {
    /// Service id.
    pub id: i64,
    /// Name, for the printed report.
    pub name: &'static str,
    /// True mean service time, seconds (also the configured expected
    /// duration the predictors start from).
    pub mean_s: f64,
    /// True coefficient of variation of the (log-normal) service time.
    pub cv: f64,
    /// Mean arrivals per hour before the hourly profile.
    pub per_hour: f64,
    /// Share of visitors with a priority ticket.
    pub priority_share: f64,
}

/// A desk of a generated office.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanDesk {
    /// Desk id.
    pub id: i64,
    /// Its allocation.
    pub weights: Vec<(i64, u32)>,
    /// Its clerk's speed: service times are multiplied by this.
    pub slowness: f64,
    /// Breaks `[from, to)` in ms after opening: the desk finishes its
    /// visitor, then calls nobody until the break ends.
    pub breaks: Vec<(i64, i64)>,
}

/// A generated office day: known distributions, so the replay measures the
/// predictors and not the data.
#[derive(Debug, Clone, PartialEq)]
pub struct DayPlan {
    /// Policy settings.
    pub config: PolicyConfig,
    /// Opening hours, ms (the doors close for new visitors after this;
    /// those inside are still served).
    pub open_for_ms: i64,
    /// Arrival rate multiplier per hour after opening (the morning rush).
    pub profile: Vec<f64>,
    /// Services.
    pub services: Vec<PlanService>,
    /// Desks.
    pub desks: Vec<PlanDesk>,
}

impl DayPlan {
    /// A mid-sized office: three services with different service times,
    /// five desks of which four are shared between services with different
    /// weights, one slow clerk, lunch breaks, 10 % priority visitors under a
    /// "2 normal, then 1 priority" interleave, and a morning rush that
    /// takes it over capacity for two hours.
    pub fn standard() -> DayPlan {
        const H: i64 = 3_600_000;
        DayPlan {
            config: PolicyConfig {
                priority_interleave: 3,
                ..PolicyConfig::default()
            },
            open_for_ms: 8 * H,
            profile: vec![1.0, 1.35, 1.3, 1.0, 0.75, 0.9, 1.0, 0.7],
            services: vec![
                PlanService {
                    id: 1,
                    name: "Passports",
                    mean_s: 480.0,
                    cv: 0.5,
                    per_hour: 14.0,
                    priority_share: 0.1,
                },
                PlanService {
                    id: 2,
                    name: "Vehicles",
                    mean_s: 720.0,
                    cv: 0.7,
                    per_hour: 7.0,
                    priority_share: 0.1,
                },
                PlanService {
                    id: 3,
                    name: "Information",
                    mean_s: 180.0,
                    cv: 0.8,
                    per_hour: 16.0,
                    priority_share: 0.05,
                },
            ],
            desks: vec![
                PlanDesk {
                    id: 1,
                    weights: vec![(1, 3), (3, 1)],
                    slowness: 1.0,
                    breaks: vec![(4 * H, 4 * H + H / 2)],
                },
                PlanDesk {
                    id: 2,
                    weights: vec![(1, 1)],
                    slowness: 1.3,
                    breaks: vec![(4 * H + H / 2, 5 * H)],
                },
                PlanDesk {
                    id: 3,
                    weights: vec![(2, 3), (1, 1)],
                    slowness: 1.0,
                    breaks: vec![(5 * H, 5 * H + H / 2)],
                },
                PlanDesk {
                    id: 4,
                    weights: vec![(2, 1), (3, 2)],
                    slowness: 0.85,
                    breaks: vec![(4 * H, 4 * H + H / 2)],
                },
                PlanDesk {
                    id: 5,
                    weights: vec![(3, 3), (1, 1)],
                    slowness: 1.0,
                    breaks: vec![(5 * H + H / 2, 6 * H)],
                },
            ],
        }
    }
}

/// Plays one day of `plan` with the real policy and random arrivals and
/// service times from `seed`, and records it. Day `n` of a multi-day replay
/// starts `n` days after the epoch so ids and times never collide.
pub fn generate_day(plan: &DayPlan, seed: u64, day_index: i64) -> RecordedDay {
    const DAY_MS: i64 = 86_400_000;
    let t0 = day_index * DAY_MS;
    let mut rng = SimRng::new(seed);
    let hour_ms = 3_600_000;

    // Arrivals: a Poisson process per service whose rate follows the
    // profile (thinning from the peak rate).
    let peak = plan.profile.iter().copied().fold(1.0f64, f64::max);
    let mut tickets: Vec<RecordedTicket> = Vec::new();
    let mut next_id = day_index * 1_000_000 + 1;
    for svc in &plan.services {
        let mut t = 0i64;
        loop {
            t += (rng.exponential(3_600_000.0 / (svc.per_hour * peak))).round() as i64;
            if t >= plan.open_for_ms {
                break;
            }
            let hour = usize::try_from(t / hour_ms).unwrap_or(0);
            let factor = plan.profile.get(hour).copied().unwrap_or(1.0);
            if rng.uniform() * peak > factor {
                continue;
            }
            let priority = if rng.uniform() < svc.priority_share {
                Priority::Priority
            } else {
                Priority::Normal
            };
            tickets.push(RecordedTicket {
                id: 0,
                service_id: svc.id,
                priority,
                issued_ms: t0 + t,
                queued_ms: t0 + t,
                called_ms: None,
                left_ms: None,
                desk_id: None,
                started_ms: None,
                finished_ms: None,
            });
        }
    }
    tickets.sort_by_key(|t| (t.issued_ms, t.service_id));
    for t in &mut tickets {
        t.id = next_id;
        next_id += 1;
    }

    // The desks call with the policy until everyone is served.
    let mut free_at: Vec<i64> = vec![t0; plan.desks.len()];
    let mut policies: Vec<DeskPolicy> = plan
        .desks
        .iter()
        .map(|d| DeskPolicy {
            weights: d.weights.clone(),
            calls_since_priority: 0,
        })
        .collect();
    let mut called = vec![false; tickets.len()];
    let mut left = tickets.len();
    let on_break = |d: &PlanDesk, at: i64| {
        d.breaks
            .iter()
            .find(|(a, b)| t0 + a <= at && at < t0 + b)
            .map(|b| t0 + b.1)
    };
    while left > 0 {
        let Some((now, i)) = free_at.iter().enumerate().map(|(i, t)| (*t, i)).min() else {
            break;
        };
        let desk = &plan.desks[i];
        if let Some(back) = on_break(desk, now) {
            free_at[i] = back;
            continue;
        }
        let waiting: Vec<Candidate> = tickets
            .iter()
            .zip(&called)
            .filter(|(t, c)| !**c && t.issued_ms <= now)
            .map(|(t, _)| Candidate {
                ticket_id: t.id,
                service_id: t.service_id,
                priority: t.priority,
                queued_at_ms: t.queued_ms,
            })
            .collect();
        match pick_for_desk(&waiting, &policies[i], &plan.config) {
            Some(c) => {
                let k = tickets
                    .iter()
                    .position(|t| t.id == c.ticket_id)
                    .unwrap_or_default();
                let svc = plan.services.iter().find(|s| s.id == c.service_id);
                let truth = ServiceTime::LogNormal {
                    mean_s: svc.map_or(300.0, |s| s.mean_s) * desk.slowness,
                    cv: svc.map_or(0.5, |s| s.cv),
                };
                let dur_ms = (truth.sample_s(&mut rng) * 1000.0).round().max(1000.0) as i64;
                let t = &mut tickets[k];
                t.called_ms = Some(now);
                t.started_ms = Some(now);
                t.finished_ms = Some(now + dur_ms);
                t.desk_id = Some(desk.id);
                called[k] = true;
                left -= 1;
                policies[i].calls_since_priority =
                    calls_since_priority_after(policies[i].calls_since_priority, c.priority);
                free_at[i] = now + dur_ms;
            }
            None => {
                // Idle: look again when the next visitor arrives.
                let next = tickets
                    .iter()
                    .zip(&called)
                    .filter(|(t, c)| !**c && t.issued_ms > now)
                    .map(|(t, _)| t.issued_ms)
                    .min();
                match next {
                    Some(at) => free_at[i] = at,
                    None => free_at[i] = i64::MAX,
                }
            }
        }
    }

    let desks = plan
        .desks
        .iter()
        .map(|d| {
            let mut open = Vec::new();
            let mut from = t0;
            let mut breaks = d.breaks.clone();
            breaks.sort_unstable();
            for (a, b) in breaks {
                open.push((from, t0 + a));
                from = t0 + b;
            }
            open.push((from, t0 + DAY_MS));
            RecordedDesk {
                id: d.id,
                weights: d.weights.clone(),
                open,
            }
        })
        .collect();
    RecordedDay {
        config: plan.config,
        expected_s: plan.services.iter().map(|s| (s.id, s.mean_s)).collect(),
        desks,
        tickets,
        history: Vec::new(),
    }
}

/// Generated days of `plan` from `seed` (day `n` uses `seed + n`), replayed
/// through both predictors, outcomes pooled.
pub fn replay_generated(plan: &DayPlan, days: u32, seed: u64, opts: &PredictOptions) -> Evaluation {
    let mut all = Evaluation::default();
    for n in 0..days {
        let day = generate_day(plan, seed.wrapping_add(u64::from(n)), i64::from(n));
        all.absorb(evaluate(&day, opts));
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_figures() {
        let o = |p, r, a| Outcome {
            predicted_s: p,
            range_s: r,
            actual_s: a,
        };
        let acc = Accuracy::of(&[
            o(100, Some((50, 150)), 120),
            o(100, Some((50, 150)), 200),
            o(0, Some((0, 0)), 0),
            o(300, Some((200, 400)), 200),
        ])
        .unwrap();
        assert_eq!(acc.tickets, 4);
        assert_eq!(acc.mean_abs_error_s, (20.0 + 100.0 + 0.0 + 100.0) / 4.0);
        assert_eq!(acc.median_abs_error_s, 60.0);
        assert_eq!(acc.within_range, Some(0.75));
        let old = Accuracy::of(&[o(10, None, 0)]).unwrap();
        assert_eq!((old.within_range, old.median_abs_error_s), (None, 10.0));
        assert_eq!(Accuracy::of(&[]), None);
    }

    #[test]
    fn arrival_rates_use_the_last_hour() {
        let min = 60_000;
        let issued = [
            (1, Priority::Normal, 0),
            (1, Priority::Normal, 100 * min),
            (1, Priority::Normal, 110 * min),
            (2, Priority::Priority, 115 * min),
        ];
        let r = recent_arrival_rates(issued, 120 * min, 0);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].service_id, r[0].per_hour), (1, 2.0));
        assert_eq!((r[1].priority, r[1].per_hour), (Priority::Priority, 1.0));
        // Ten minutes after opening: the window counts as 15 minutes.
        let early = recent_arrival_rates([(1, Priority::Normal, 5 * min)], 10 * min, 0);
        assert_eq!(early[0].per_hour, 4.0);
    }

    #[test]
    fn a_generated_day_is_served_by_the_policy() {
        let plan = DayPlan::standard();
        let day = generate_day(&plan, 1, 0);
        assert!(day.tickets.len() > 200, "{}", day.tickets.len());
        assert!(
            day.tickets
                .iter()
                .all(|t| t.called_ms.is_some_and(|c| c >= t.issued_ms))
        );
        // Every desk only served its own services, and never on a break.
        for t in &day.tickets {
            let desk = plan.desks.iter().find(|d| Some(d.id) == t.desk_id).unwrap();
            assert!(desk.weights.iter().any(|(s, _)| *s == t.service_id));
            let c = t.called_ms.unwrap();
            assert!(desk.breaks.iter().all(|(a, b)| c < *a || c >= *b), "{t:?}");
        }
        assert_eq!(day, generate_day(&plan, 1, 0), "same seed, same day");
    }

    /// The replay runs end to end on a fixed seed, and the new predictor
    /// beats the old formula on a generated day by a wide margin.
    #[test]
    fn new_predictor_beats_the_old_formula_on_a_generated_day() {
        let opts = PredictOptions {
            runs: 60,
            ..PredictOptions::default()
        };
        let eval = replay_generated(&DayPlan::standard(), 1, 42, &opts);
        let new = Accuracy::of(&eval.all_new()).unwrap();
        let old = Accuracy::of(&eval.all_old()).unwrap();
        assert_eq!(new.tickets, old.tickets);
        assert!(new.tickets > 200);
        assert!(
            new.mean_abs_error_s < 0.8 * old.mean_abs_error_s,
            "new {new:?} old {old:?}"
        );
        let within = new.within_range.unwrap();
        assert!((0.6..=0.95).contains(&within), "{within}");
    }

    #[test]
    fn a_desk_on_break_serving_alone_means_no_desk() {
        let plan = DayPlan {
            desks: vec![PlanDesk {
                id: 1,
                weights: vec![(1, 1)],
                slowness: 1.0,
                breaks: vec![(0, 3_600_000)],
            }],
            services: vec![DayPlan::standard().services[0].clone()],
            ..DayPlan::standard()
        };
        let day = generate_day(&plan, 3, 0);
        let eval = evaluate(
            &day,
            &PredictOptions {
                runs: 5,
                ..PredictOptions::default()
            },
        );
        let first_hour = day
            .tickets
            .iter()
            .filter(|t| t.issued_ms < 3_600_000)
            .count();
        assert!(first_hour > 0);
        assert_eq!(eval.no_desk, first_hour);
    }
}
