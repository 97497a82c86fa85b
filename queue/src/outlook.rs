//! The rest of a business day played forward, for staffing decisions:
//! "what if desk 4 opens for Passports from 10:00?", "what if desk 2 takes
//! its break from 12 to 13?", "would the desks that were open have kept
//! the standard on a day like the forecast?".
//!
//! Where [`predict_waits`](crate::predict_waits) asks *when will these
//! tickets be called*, this asks *how will the day go*: every desk calls
//! with the real next-ticket policy ([`pick_for_desk`]) during the periods
//! it is planned to be open, visitors arrive at the forecast rates of each
//! hour, and each visitor's wait is held against their service's standard.
//! Many simulated days give the share called within the standard and the
//! longest wait, per service and for the office.
//!
//! Desks shared between services are simulated as they are: the weights
//! decide whom a desk calls, so a service that only borrows desks shows the
//! waits it really gets, which the one-service-at-a-time Erlang C advice
//! ([`desks_needed`](crate::desks_needed)) cannot see.
//!
//! Pure and deterministic for a given seed, like the rest of this crate.

use std::collections::{BTreeMap, VecDeque};

use crate::policy::{
    Candidate, DeskPolicy, PolicyConfig, Priority, calls_since_priority_after, pick_for_desk,
};
use crate::predict::{Busy, ServiceTimes, SimRng, next_gap_ms, secs_to_ms};

/// A desk and the periods it is planned to call visitors in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedDesk {
    /// The desk (for its own service times).
    pub desk_id: i64,
    /// Its allocation and interleave counter.
    pub policy: DeskPolicy,
    /// The visitor it is busy with now, if any: finished before it calls
    /// again, whether or not it is open then.
    pub busy: Option<Busy>,
    /// Periods `[from, to)` (Unix ms) in which it calls. A visitor called
    /// before a period ends is served to the end.
    pub open: Vec<(i64, i64)>,
}

/// Visitors of one service and class arriving at random at `per_hour`
/// between `from_ms` and `to_ms`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArrivalWindow {
    /// The service.
    pub service_id: i64,
    /// The class.
    pub priority: Priority,
    /// Start, Unix ms.
    pub from_ms: i64,
    /// End (exclusive), Unix ms.
    pub to_ms: i64,
    /// Mean arrivals per hour within the window.
    pub per_hour: f64,
}

/// The day to play: the office now and the plan for the rest of the day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayScenario {
    /// Now, Unix ms: the simulation starts here.
    pub now_ms: i64,
    /// End of the business day, Unix ms: nobody is called after it, and a
    /// visitor still waiting then counts as not called.
    pub end_ms: i64,
    /// The branch's policy settings.
    pub config: PolicyConfig,
    /// Every desk that is or may be open in the rest of the day.
    pub desks: Vec<PlannedDesk>,
    /// The tickets waiting now; their waits count from `queued_at_ms`.
    pub waiting: Vec<Candidate>,
    /// Forecast arrivals.
    pub arrivals: Vec<ArrivalWindow>,
    /// Learned service times.
    pub times: ServiceTimes,
    /// The services reported on, each with its standard: the wait, in
    /// seconds, visitors should be called within.
    pub standards_s: BTreeMap<i64, i64>,
}

/// How the rest of the day goes for one service (or, in
/// [`Outlook::office`], for every reported service together), over the
/// simulated days.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ServiceOutlook {
    /// Visitors per simulated day: those waiting now plus the forecast
    /// arrivals.
    pub visitors: f64,
    /// Share of them called within their service's standard (0 to 1); a
    /// visitor not called by the end of the day is not. `None` without
    /// visitors.
    pub share_within: Option<f64>,
    /// Mean wait of the visitors called, seconds; `None` when nobody is.
    pub mean_wait_s: Option<i64>,
    /// The day's longest wait (a visitor not called counts until the end
    /// of the day), averaged over the simulated days, seconds; `None`
    /// without visitors.
    pub longest_wait_s: Option<i64>,
    /// Visitors per simulated day still waiting at the end of the day.
    pub not_called: f64,
}

/// The simulated rest of the day.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outlook {
    /// Per reported service, in [`DayScenario::standards_s`] order.
    pub services: Vec<(i64, ServiceOutlook)>,
    /// All reported services together.
    pub office: ServiceOutlook,
    /// Simulated days the figures are over.
    pub runs: u32,
}

impl Outlook {
    /// The figures of `service_id`; empty ones for a service not reported.
    pub fn service(&self, service_id: i64) -> ServiceOutlook {
        self.services
            .iter()
            .find(|(id, _)| *id == service_id)
            .map_or_else(ServiceOutlook::default, |(_, o)| *o)
    }
}

/// Most simulated days one outlook may play.
pub const MAX_OUTLOOK_RUNS: u32 = 500;
/// Most arrivals one simulated day draws: keeps the cost of an outlook
/// bounded whatever the forecast says (a day of the busiest office is a
/// few thousand visitors).
pub const MAX_DAY_ARRIVALS: usize = 20_000;

/// Plays the rest of the day `runs` times (clamped to
/// `1..=`[`MAX_OUTLOOK_RUNS`]) from `seed`; two scenarios played with the
/// same seed draw the same arrivals, so their difference is the plan's and
/// not chance's.
pub fn outlook(s: &DayScenario, runs: u32, seed: u64) -> Outlook {
    let runs = runs.clamp(1, MAX_OUTLOOK_RUNS);
    let mut tally: BTreeMap<i64, Tally> = s
        .standards_s
        .keys()
        .map(|id| (*id, Tally::default()))
        .collect();
    let mut office = Tally::default();
    for run in 0..runs {
        // Arrivals and service times draw from separate streams, so a
        // change of plan does not shift which visitors arrive.
        let mut arrivals_rng =
            SimRng::new(seed ^ u64::from(run).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut service_rng =
            SimRng::new(seed.rotate_left(17) ^ u64::from(run).wrapping_mul(0xD1B5_4A32_D192_ED03));
        let waits = play(s, &mut arrivals_rng, &mut service_rng);
        let mut longest: BTreeMap<i64, i64> = BTreeMap::new();
        let mut office_longest = None;
        for w in waits {
            let Some(standard) = s.standards_s.get(&w.service_id) else {
                continue;
            };
            let within = w.called && w.wait_ms <= standard.saturating_mul(1000);
            for t in [tally.get_mut(&w.service_id), Some(&mut office)]
                .into_iter()
                .flatten()
            {
                t.add(&w, within);
            }
            let l = longest.entry(w.service_id).or_insert(0);
            *l = (*l).max(w.wait_ms);
            office_longest = Some(office_longest.unwrap_or(0).max(w.wait_ms));
        }
        for (id, l) in longest {
            if let Some(t) = tally.get_mut(&id) {
                t.longest_sum_ms += l as f64;
                t.days_with_visitors += 1;
            }
        }
        if let Some(l) = office_longest {
            office.longest_sum_ms += l as f64;
            office.days_with_visitors += 1;
        }
    }
    Outlook {
        services: s
            .standards_s
            .keys()
            .map(|id| (*id, tally[id].outlook(runs)))
            .collect(),
        office: office.outlook(runs),
        runs,
    }
}

/// One visitor of a simulated day.
#[derive(Debug, Clone, Copy)]
struct Wait {
    service_id: i64,
    /// From joining the queue to the call (or to the end of the day).
    wait_ms: i64,
    called: bool,
}

#[derive(Debug, Default)]
struct Tally {
    visitors: u64,
    within: u64,
    called: u64,
    called_wait_ms: f64,
    not_called: u64,
    longest_sum_ms: f64,
    days_with_visitors: u32,
}

impl Tally {
    fn add(&mut self, w: &Wait, within: bool) {
        self.visitors += 1;
        self.within += u64::from(within);
        if w.called {
            self.called += 1;
            self.called_wait_ms += w.wait_ms as f64;
        } else {
            self.not_called += 1;
        }
    }

    fn outlook(&self, runs: u32) -> ServiceOutlook {
        let per_day = |n: u64| (n as f64 / f64::from(runs) * 10.0).round() / 10.0;
        ServiceOutlook {
            visitors: per_day(self.visitors),
            share_within: (self.visitors > 0).then(|| self.within as f64 / self.visitors as f64),
            mean_wait_s: (self.called > 0)
                .then(|| (self.called_wait_ms / self.called as f64 / 1000.0).round() as i64),
            longest_wait_s: (self.days_with_visitors > 0).then(|| {
                (self.longest_sum_ms / f64::from(self.days_with_visitors) / 1000.0).round() as i64
            }),
            not_called: per_day(self.not_called),
        }
    }
}

/// Plays one day; returns every visitor's wait.
fn play(s: &DayScenario, arrivals_rng: &mut SimRng, service_rng: &mut SimRng) -> Vec<Wait> {
    // The day's arrivals, in order.
    let mut arriving: Vec<Candidate> = Vec::new();
    let mut next_id = s
        .waiting
        .iter()
        .map(|c| c.ticket_id)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    for a in &s.arrivals {
        if !(a.per_hour.is_finite() && a.per_hour > 0.0) {
            continue;
        }
        let mut t = a.from_ms.max(s.now_ms);
        let to = a.to_ms.min(s.end_ms);
        loop {
            t = t.saturating_add(next_gap_ms(a.per_hour, arrivals_rng));
            if t >= to || arriving.len() >= MAX_DAY_ARRIVALS {
                break;
            }
            arriving.push(Candidate {
                ticket_id: 0,
                service_id: a.service_id,
                priority: a.priority,
                queued_at_ms: t,
            });
        }
    }
    arriving.sort_by_key(|c| (c.queued_at_ms, c.service_id));
    for c in &mut arriving {
        c.ticket_id = next_id;
        next_id += 1;
    }

    let mut queues: BTreeMap<(i64, Priority), VecDeque<Candidate>> = BTreeMap::new();
    let mut waiting = s.waiting.clone();
    waiting.sort_by_key(|c| (c.queued_at_ms, c.ticket_id));
    for c in waiting {
        queues
            .entry((c.service_id, c.priority))
            .or_default()
            .push_back(c);
    }
    let mut waits = Vec::with_capacity(s.waiting.len() + arriving.len());
    let mut pending = arriving.into_iter().peekable();

    // Per desk: when it next looks for a visitor (`None`: never again
    // today) and its own copy of the policy state.
    let mut desks: Vec<(Option<i64>, DeskPolicy)> = s
        .desks
        .iter()
        .map(|d| {
            let free_at = s.times.free_at(d.desk_id, d.busy, s.now_ms, service_rng);
            (Some(free_at), d.policy.clone())
        })
        .collect();
    let mut heads: Vec<Candidate> = Vec::new();

    while let Some((now, i)) = desks
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.0.map(|t| (t, i)))
        .min()
    {
        if now >= s.end_ms {
            break;
        }
        while let Some(c) = pending.next_if(|c| c.queued_at_ms <= now) {
            queues
                .entry((c.service_id, c.priority))
                .or_default()
                .push_back(c);
        }
        let plan = &s.desks[i];
        // Closed now: look again when its next period starts.
        if !plan.open.iter().any(|(a, b)| *a <= now && now < *b) {
            desks[i].0 = plan
                .open
                .iter()
                .map(|(a, _)| *a)
                .filter(|a| *a > now && *a < s.end_ms)
                .min();
            continue;
        }
        heads.clear();
        heads.extend(queues.values().filter_map(|q| q.front().copied()));
        match pick_for_desk(&heads, &desks[i].1, &s.config) {
            Some(c) => {
                if let Some(q) = queues.get_mut(&(c.service_id, c.priority)) {
                    q.pop_front();
                }
                waits.push(Wait {
                    service_id: c.service_id,
                    wait_ms: (now - c.queued_at_ms).max(0),
                    called: true,
                });
                let d = &mut desks[i];
                d.1.calls_since_priority =
                    calls_since_priority_after(d.1.calls_since_priority, c.priority);
                let took = s
                    .times
                    .for_desk(plan.desk_id, c.service_id)
                    .sample_s(service_rng);
                d.0 = Some(now.saturating_add(secs_to_ms(took).max(1)));
            }
            // Nobody it serves is waiting: look again at the next arrival.
            None => desks[i].0 = pending.peek().map(|c| c.queued_at_ms),
        }
    }

    // Whoever is left waits until the end of the day.
    let left = queues
        .into_values()
        .flatten()
        .chain(pending.filter(|c| c.queued_at_ms < s.end_ms));
    for c in left {
        waits.push(Wait {
            service_id: c.service_id,
            wait_ms: (s.end_ms - c.queued_at_ms).max(0),
            called: false,
        });
    }
    waits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::ServiceTime;
    use proptest::prelude::*;

    const MIN: i64 = 60_000;

    fn fixed(seconds: f64) -> ServiceTimes {
        ServiceTimes {
            by_service: BTreeMap::new(),
            by_desk: BTreeMap::new(),
            fallback: ServiceTime::Fixed { seconds },
        }
    }

    fn desk(id: i64, weights: &[(i64, u32)], open: &[(i64, i64)]) -> PlannedDesk {
        PlannedDesk {
            desk_id: id,
            policy: DeskPolicy {
                weights: weights.to_vec(),
                calls_since_priority: 0,
            },
            busy: None,
            open: open.to_vec(),
        }
    }

    fn waiting(n: i64, service_id: i64) -> Vec<Candidate> {
        (0..n)
            .map(|i| Candidate {
                ticket_id: service_id * 1000 + i,
                service_id,
                priority: Priority::Normal,
                queued_at_ms: i,
            })
            .collect()
    }

    fn scenario(desks: Vec<PlannedDesk>, waiting: Vec<Candidate>) -> DayScenario {
        DayScenario {
            now_ms: 0,
            end_ms: 600 * MIN,
            config: PolicyConfig::default(),
            desks,
            waiting,
            arrivals: Vec::new(),
            times: fixed(600.0),
            standards_s: BTreeMap::from([(1, 1200), (2, 1200)]),
        }
    }

    #[test]
    fn a_fixed_day_gives_exact_waits() {
        // Six visitors, ten minutes each, one desk: called at 0, 10, ..., 50
        // minutes; the standard of 20 minutes holds for the first three.
        let s = scenario(vec![desk(1, &[(1, 1)], &[(0, 600 * MIN)])], waiting(6, 1));
        let o = outlook(&s, 3, 7);
        let (id, svc) = o.services[0];
        assert_eq!(id, 1);
        assert_eq!(svc.visitors, 6.0);
        assert_eq!(svc.share_within, Some(0.5));
        assert_eq!(svc.longest_wait_s, Some(50 * 60));
        assert_eq!(svc.mean_wait_s, Some(25 * 60));
        assert_eq!(svc.not_called, 0.0);
        assert_eq!(o.services[1].1.share_within, None);
        assert_eq!(o.office.visitors, 6.0);
    }

    #[test]
    fn a_second_desk_from_later_and_a_break() {
        // The second desk opens at 20 minutes: calls at 0, 10, 20, 20, 30,
        // 30 minutes (waits of those queued at ~0).
        let s = scenario(
            vec![
                desk(1, &[(1, 1)], &[(0, 600 * MIN)]),
                desk(2, &[(1, 1)], &[(20 * MIN, 600 * MIN)]),
            ],
            waiting(6, 1),
        );
        let o = outlook(&s, 1, 7);
        assert_eq!(o.services[0].1.longest_wait_s, Some(30 * 60));
        assert_eq!(o.services[0].1.share_within, Some(4.0 / 6.0));

        // A break from 5 to 40 minutes: the visitor called at 0 is served
        // to the end; the next is called at 40.
        let s = scenario(
            vec![desk(1, &[(1, 1)], &[(0, 5 * MIN), (40 * MIN, 600 * MIN)])],
            waiting(2, 1),
        );
        let o = outlook(&s, 1, 7);
        assert_eq!(o.services[0].1.longest_wait_s, Some(40 * 60));
    }

    #[test]
    fn visitors_left_at_the_end_of_the_day_are_not_called() {
        let mut s = scenario(vec![desk(1, &[(1, 1)], &[(0, 600 * MIN)])], waiting(3, 1));
        s.end_ms = 15 * MIN;
        let o = outlook(&s, 1, 7).services[0].1;
        assert_eq!(o.not_called, 1.0);
        assert_eq!(o.longest_wait_s, Some(15 * 60));
        // No desk for the service at all: nobody is called.
        let s = scenario(vec![desk(1, &[(2, 1)], &[(0, 600 * MIN)])], waiting(3, 1));
        let o = outlook(&s, 1, 7).services[0].1;
        assert_eq!((o.not_called, o.share_within), (3.0, Some(0.0)));
    }

    #[test]
    fn shared_desks_follow_their_weights() {
        // Desk 1 serves service 1 only; desk 2 prefers service 2 but also
        // serves 1. Service 2's queue is served first by desk 2.
        let mut w = waiting(4, 1);
        w.extend(waiting(4, 2));
        let s = scenario(
            vec![
                desk(1, &[(1, 1)], &[(0, 600 * MIN)]),
                desk(2, &[(2, 5), (1, 1)], &[(0, 600 * MIN)]),
            ],
            w,
        );
        let o = outlook(&s, 1, 7);
        let by: BTreeMap<i64, ServiceOutlook> = o.services.into_iter().collect();
        assert_eq!(by[&2].longest_wait_s, Some(30 * 60));
        assert_eq!(by[&1].longest_wait_s, Some(30 * 60));
        assert_eq!(o.office.visitors, 8.0);
    }

    #[test]
    fn the_same_seed_draws_the_same_arrivals() {
        let mut s = scenario(vec![desk(1, &[(1, 1)], &[(0, 600 * MIN)])], Vec::new());
        s.arrivals = vec![ArrivalWindow {
            service_id: 1,
            priority: Priority::Normal,
            from_ms: 0,
            to_ms: 120 * MIN,
            per_hour: 5.0,
        }];
        s.times = fixed(300.0);
        let a = outlook(&s, 50, 42);
        assert_eq!(a, outlook(&s, 50, 42));
        // About 10 visitors a day (two hours at 5 an hour).
        assert!((8.0..12.0).contains(&a.office.visitors), "{a:?}");
        // A second desk, same arrivals: never worse.
        s.desks.push(desk(2, &[(1, 1)], &[(0, 600 * MIN)]));
        let b = outlook(&s, 50, 42);
        assert_eq!(b.office.visitors, a.office.visitors);
        assert!(b.office.longest_wait_s <= a.office.longest_wait_s);
    }

    proptest! {
        /// With fixed service times and no arrivals, opening one more desk
        /// for the whole day never makes the longest wait longer, and every
        /// visitor is counted once.
        #[test]
        fn one_more_desk_never_hurts(
            n1 in 0i64..20, n2 in 0i64..20, w in 1u32..5, minutes in 1u32..30,
        ) {
            let mut all = waiting(n1, 1);
            all.extend(waiting(n2, 2));
            let mut s = scenario(
                vec![desk(1, &[(1, w), (2, 1)], &[(0, 600 * MIN)])],
                all,
            );
            s.times = fixed(f64::from(minutes) * 60.0);
            let before = outlook(&s, 1, 1);
            prop_assert_eq!(before.office.visitors, (n1 + n2) as f64);
            s.desks.push(desk(2, &[(1, 1), (2, 1)], &[(0, 600 * MIN)]));
            let after = outlook(&s, 1, 1);
            prop_assert_eq!(after.office.visitors, (n1 + n2) as f64);
            prop_assert!(after.office.longest_wait_s <= before.office.longest_wait_s);
            prop_assert!(after.office.share_within >= before.office.share_within);
        }
    }
}
