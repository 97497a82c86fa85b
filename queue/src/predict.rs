//! Predicted waits: when will each waiting ticket be called, and how sure
//! are we?
//!
//! The old estimate ([`estimate_wait_s`](crate::estimate_wait_s)) divides
//! the people ahead by the open desks. It cannot see desk allocations and
//! weights, priority credits and the interleave rule, desks shared between
//! services, or a queue no open desk serves. This module instead *plays the
//! future forward* with the real next-ticket policy
//! ([`pick_for_desk`], the same rule the server calls with): every open desk
//! finishes its current visitor, calls whom the policy picks, serves them
//! for a service time drawn from what was learned, and so on, while new
//! visitors arrive at the recently seen rates (they matter: a priority
//! ticket that arrives in five minutes may still be called first). One such
//! future gives one call time per ticket; [`predict_waits`] plays many
//! (a seeded, bounded number) and reports the mean wait and the range that
//! held the middle 80 % of them.
//!
//! Everything here is pure and deterministic for a given seed, so the server
//! can recompute any prediction and tests can check exact values.

use std::collections::{BTreeMap, VecDeque};

use crate::policy::{
    Candidate, DeskPolicy, PolicyConfig, Priority, calls_since_priority_after, pick_for_desk,
};

/// A small deterministic random number generator (SplitMix64).
///
/// Written out here rather than taken from `rand` so that a seed gives the
/// same predictions on every platform and across dependency upgrades: the
/// replay figures in the README and the tests' fixed-seed results depend
/// on that, and SplitMix64 is ten lines with good enough statistics for
/// Monte Carlo work of this size.
#[derive(Debug, Clone)]
pub struct SimRng(u64);

impl SimRng {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn new(seed: u64) -> SimRng {
        SimRng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        // The top 53 bits fill an f64 mantissa exactly.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]: ln stays finite
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform()).ln()
    }

    /// Uniform index in `0..n`; `n` must be positive.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.uniform() * n as f64) as usize).min(n.saturating_sub(1))
    }
}

/// How long serving one visitor takes, as a distribution in seconds.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceTime {
    /// Always exactly this long.
    Fixed {
        /// Seconds.
        seconds: f64,
    },
    /// Durations seen in the past, drawn from with equal chance (the
    /// bootstrap: no assumption about the shape, which for public offices is
    /// often lumpy: quick questions next to long cases).
    Observed {
        /// Seconds, at least one, all finite and non-negative.
        seconds: Vec<f64>,
    },
    /// Log-normal with this mean and coefficient of variation: the prior
    /// used while a service has too little history, around its expected
    /// duration.
    LogNormal {
        /// Mean in seconds.
        mean_s: f64,
        /// Standard deviation ÷ mean.
        cv: f64,
    },
}

impl ServiceTime {
    /// An [`Observed`](ServiceTime::Observed) distribution from raw samples,
    /// dropping negative and non-finite ones; `None` when none is left.
    pub fn observed(samples: impl IntoIterator<Item = f64>) -> Option<ServiceTime> {
        let seconds: Vec<f64> = samples
            .into_iter()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .collect();
        (!seconds.is_empty()).then_some(ServiceTime::Observed { seconds })
    }

    /// The distribution's mean in seconds.
    pub fn mean_s(&self) -> f64 {
        match self {
            ServiceTime::Fixed { seconds } => seconds.max(0.0),
            ServiceTime::Observed { seconds } => {
                seconds.iter().sum::<f64>() / seconds.len().max(1) as f64
            }
            ServiceTime::LogNormal { mean_s, .. } => mean_s.max(0.0),
        }
    }

    /// The distribution's standard deviation in seconds.
    pub fn sd_s(&self) -> f64 {
        match self {
            ServiceTime::Fixed { .. } => 0.0,
            ServiceTime::Observed { seconds } => {
                let m = self.mean_s();
                let n = seconds.len().max(1) as f64;
                (seconds.iter().map(|s| (s - m) * (s - m)).sum::<f64>() / n).sqrt()
            }
            ServiceTime::LogNormal { cv, .. } => self.mean_s() * cv.max(0.0),
        }
    }

    /// One draw, in seconds (never negative).
    pub fn sample_s(&self, rng: &mut SimRng) -> f64 {
        match self {
            ServiceTime::Fixed { seconds } => seconds.max(0.0),
            ServiceTime::Observed { seconds } => seconds
                .get(rng.below(seconds.len()))
                .copied()
                .unwrap_or(0.0),
            ServiceTime::LogNormal { mean_s, cv } => {
                if mean_s.is_nan() || *mean_s <= 0.0 {
                    return 0.0;
                }
                let cv = if cv.is_finite() { cv.max(0.0) } else { 0.0 };
                let sigma2 = (1.0 + cv * cv).ln();
                let mu = mean_s.ln() - sigma2 / 2.0;
                (mu + sigma2.sqrt() * rng.normal()).exp()
            }
        }
    }

    /// How much longer a visitor already served for `elapsed_s` still
    /// takes: a draw conditioned on being longer than `elapsed_s`. When
    /// nothing in the distribution is that long (an unusually long case),
    /// a quarter of the mean, so that the desk frees up soon but not at
    /// once.
    fn remaining_s(&self, elapsed_s: f64, rng: &mut SimRng) -> f64 {
        let elapsed_s = elapsed_s.max(0.0);
        let fallback = self.mean_s() / 4.0;
        match self {
            ServiceTime::Fixed { seconds } => {
                let left = seconds - elapsed_s;
                if left > 0.0 { left } else { fallback }
            }
            ServiceTime::Observed { seconds } => {
                let longer: Vec<f64> = seconds.iter().copied().filter(|s| *s > elapsed_s).collect();
                if longer.is_empty() {
                    fallback
                } else {
                    longer[rng.below(longer.len())] - elapsed_s
                }
            }
            ServiceTime::LogNormal { .. } => {
                // Rejection sampling: cheap while elapsed is below the mean,
                // and bounded for the rare long case.
                for _ in 0..32 {
                    let s = self.sample_s(rng);
                    if s > elapsed_s {
                        return s - elapsed_s;
                    }
                }
                fallback
            }
        }
    }
}

/// One finished visit, as history for [`learn_service_times`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Served {
    /// The service.
    pub service_id: i64,
    /// The desk that served it.
    pub desk_id: i64,
    /// How long the service took, in seconds.
    pub seconds: f64,
}

/// Service-time distributions per service, and per desk and service where a
/// desk has enough history of its own (a new clerk is slower; a desk with
/// a document scanner is faster).
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceTimes {
    /// Per service.
    pub by_service: BTreeMap<i64, ServiceTime>,
    /// Per `(desk_id, service_id)`; wins over `by_service`.
    pub by_desk: BTreeMap<(i64, i64), ServiceTime>,
    /// For a service with neither.
    pub fallback: ServiceTime,
}

impl ServiceTimes {
    /// The distribution for `service_id` at no desk in particular.
    pub fn for_service(&self, service_id: i64) -> &ServiceTime {
        self.by_service.get(&service_id).unwrap_or(&self.fallback)
    }

    /// When desk `desk_id`, busy with `busy` (or free) at `now_ms`, is
    /// free: a draw of the rest of its current visit.
    pub(crate) fn free_at(
        &self,
        desk_id: i64,
        busy: Option<Busy>,
        now_ms: i64,
        rng: &mut SimRng,
    ) -> i64 {
        match busy {
            Some(b) => {
                let elapsed_s = (now_ms - b.since_ms) as f64 / 1000.0;
                let left_s = self
                    .for_desk(desk_id, b.service_id)
                    .remaining_s(elapsed_s, rng);
                now_ms.saturating_add(secs_to_ms(left_s))
            }
            None => now_ms,
        }
    }

    /// The distribution for `service_id` served at `desk_id`.
    pub fn for_desk(&self, desk_id: i64, service_id: i64) -> &ServiceTime {
        self.by_desk
            .get(&(desk_id, service_id))
            .or_else(|| self.by_service.get(&service_id))
            .unwrap_or(&self.fallback)
    }
}

/// Most recent visits kept per service (or desk and service) when learning.
pub const LEARN_KEEP: usize = 200;
/// Visits a service needs before its own history replaces the prior.
pub const LEARN_MIN_SERVICE: usize = 8;
/// Visits a desk needs for one service before it gets its own distribution.
pub const LEARN_MIN_DESK: usize = 30;
/// Spread assumed while a service has too little history: most services
/// in public offices vary about this much around their mean.
pub const PRIOR_CV: f64 = 0.6;
/// Mean service time assumed for a service with no history and no expected
/// duration, in seconds.
pub const PRIOR_MEAN_S: f64 = 300.0;

/// Learns [`ServiceTimes`] from finished visits, oldest first (only the
/// last [`LEARN_KEEP`] per key count).
///
/// A service with at least [`LEARN_MIN_SERVICE`] visits gets its observed
/// durations; one with fewer gets a log-normal prior whose mean is pulled
/// from `expected_s` (the service's configured duration) towards what was
/// seen, as if the expected duration had been seen four times. A desk gets
/// its own distribution for a service after [`LEARN_MIN_DESK`] visits.
pub fn learn_service_times(history: &[Served], expected_s: &BTreeMap<i64, f64>) -> ServiceTimes {
    const PRIOR_WEIGHT: f64 = 4.0;
    let mut per_service: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    let mut per_desk: BTreeMap<(i64, i64), Vec<f64>> = BTreeMap::new();
    for v in history.iter().rev() {
        if !(v.seconds.is_finite() && v.seconds >= 0.0) {
            continue;
        }
        let s = per_service.entry(v.service_id).or_default();
        if s.len() < LEARN_KEEP {
            s.push(v.seconds);
        }
        let d = per_desk.entry((v.desk_id, v.service_id)).or_default();
        if d.len() < LEARN_KEEP {
            d.push(v.seconds);
        }
    }
    let prior = |service_id: i64| {
        expected_s
            .get(&service_id)
            .copied()
            .filter(|m| m.is_finite() && *m > 0.0)
            .unwrap_or(PRIOR_MEAN_S)
    };
    let mut by_service = BTreeMap::new();
    for (&service_id, &mean) in expected_s {
        if mean.is_finite() && mean > 0.0 {
            by_service.insert(
                service_id,
                ServiceTime::LogNormal {
                    mean_s: mean,
                    cv: PRIOR_CV,
                },
            );
        }
    }
    for (service_id, seen) in per_service {
        let time = if seen.len() >= LEARN_MIN_SERVICE {
            ServiceTime::observed(seen)
        } else {
            let n = seen.len() as f64;
            let mean =
                (seen.iter().sum::<f64>() + PRIOR_WEIGHT * prior(service_id)) / (n + PRIOR_WEIGHT);
            Some(ServiceTime::LogNormal {
                mean_s: mean,
                cv: PRIOR_CV,
            })
        };
        if let Some(time) = time {
            by_service.insert(service_id, time);
        }
    }
    let by_desk = per_desk
        .into_iter()
        .filter(|(_, seen)| seen.len() >= LEARN_MIN_DESK)
        .filter_map(|(key, seen)| ServiceTime::observed(seen).map(|t| (key, t)))
        .collect();
    ServiceTimes {
        by_service,
        by_desk,
        fallback: ServiceTime::LogNormal {
            mean_s: PRIOR_MEAN_S,
            cv: PRIOR_CV,
        },
    }
}

/// What an open desk is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// The service of the visitor at the desk.
    pub service_id: i64,
    /// Since when the desk has been busy with them (start of service, or
    /// the call if service has not started), Unix ms.
    pub since_ms: i64,
}

/// An open desk as the prediction sees it. Paused and closed desks are left
/// out: nobody knows when they come back, and saying so is the honest
/// default (a prediction made while a desk is paused errs long).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDesk {
    /// The desk's id (for per-desk service times).
    pub desk_id: i64,
    /// Its allocation and interleave counter, exactly as the policy reads
    /// them when the desk calls.
    pub policy: DeskPolicy,
    /// The visitor it is busy with, or `None` when it is free.
    pub busy: Option<Busy>,
}

/// Visitors of one service and class arriving at random (a Poisson process)
/// at this rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArrivalRate {
    /// The service.
    pub service_id: i64,
    /// The class.
    pub priority: Priority,
    /// Mean arrivals per hour.
    pub per_hour: f64,
}

/// Everything the prediction needs to know about the office right now.
#[derive(Debug, Clone, PartialEq)]
pub struct Situation {
    /// Now, Unix ms; predicted waits count from here.
    pub now_ms: i64,
    /// The branch's policy settings.
    pub config: PolicyConfig,
    /// The open desks.
    pub desks: Vec<OpenDesk>,
    /// Every waiting ticket of the branch (all services: desks are shared).
    pub waiting: Vec<Candidate>,
    /// Learned service times.
    pub times: ServiceTimes,
    /// Expected arrivals from now on.
    pub arrivals: Vec<ArrivalRate>,
}

/// How [`predict_waits`] samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictOptions {
    /// Simulated futures, clamped to `1..=MAX_RUNS`.
    pub runs: u32,
    /// Most simulated calls one prediction may cost: with `n` tickets
    /// waiting a future costs up to `n + 1` calls, so `runs` is lowered to
    /// `call_budget / (n + 1)`, but never below [`MIN_RUNS`]. Keeps a
    /// prediction for a long queue within a few milliseconds.
    pub call_budget: usize,
    /// Seed of the random draws; the same seed and situation give the same
    /// prediction.
    pub seed: u64,
    /// No future is played further than this (seconds); a ticket not called
    /// by then counts as called then.
    pub horizon_s: i64,
    /// Lower quantile of the range (0.1 = 10th percentile).
    pub low_quantile: f64,
    /// Upper quantile of the range (0.9 = 90th percentile).
    pub high_quantile: f64,
}

/// Upper bound for [`PredictOptions::runs`]: keeps the cost of a prediction
/// bounded whatever a caller asks for.
pub const MAX_RUNS: u32 = 2_000;
/// Fewest futures [`PredictOptions::call_budget`] may leave: below this the
/// 10th and 90th percentiles are too rough to show.
pub const MIN_RUNS: u32 = 50;
/// Arrivals one future draws at least; it draws as many as there are
/// tickets waiting when that is more. After that it draws none: by then
/// the targets' place is settled by the queue ahead of them, and a burst
/// of tickets (a kiosk pressed a hundred times a minute) cannot make a
/// future play hours of made-up arrivals, which would cost every issued
/// ticket a long stall of the writer.
pub const MIN_ARRIVALS_PER_RUN: usize = 256;

impl Default for PredictOptions {
    /// 200 futures, 12 hours ahead, the 10th–90th percentile range. 200 runs
    /// put the 10th and 90th percentiles within a few percent of their true
    /// values, at about a millisecond per prediction for a busy office.
    fn default() -> Self {
        PredictOptions {
            runs: 200,
            call_budget: 40_000,
            seed: 0x5EED_CAFE,
            horizon_s: 12 * 3600,
            low_quantile: 0.1,
            high_quantile: 0.9,
        }
    }
}

/// A predicted wait, in whole seconds from [`Situation::now_ms`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct WaitRange {
    /// Mean over the simulated futures.
    pub expected_s: i64,
    /// Low end of the range (the low quantile).
    pub low_s: i64,
    /// High end of the range (the high quantile).
    pub high_s: i64,
}

/// The prediction for one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Prediction {
    /// When the ticket should be called.
    Wait(WaitRange),
    /// No open desk serves the ticket's service: there is no honest number.
    NoDesk,
}

impl Prediction {
    /// The range, or `None` for [`Prediction::NoDesk`].
    pub fn wait(self) -> Option<WaitRange> {
        match self {
            Prediction::Wait(w) => Some(w),
            Prediction::NoDesk => None,
        }
    }
}

/// Predicts when each of `targets` (ticket ids among
/// [`Situation::waiting`]) is called. Ids that are not waiting are left out
/// of the answer.
///
/// A ticket whose service no open desk serves gets
/// [`Prediction::NoDesk`]. The others get the mean and quantiles of their
/// call times over `opts.runs` simulated futures (see the module
/// documentation). Each future ends as soon as every target has been
/// called, so predicting one ticket near the front is cheap.
pub fn predict_waits(
    s: &Situation,
    targets: &[i64],
    opts: &PredictOptions,
) -> BTreeMap<i64, Prediction> {
    let mut out = BTreeMap::new();
    let served = |service_id: i64| {
        s.desks
            .iter()
            .any(|d| d.policy.weight_for(service_id).is_some())
    };
    // Index of each simulated target.
    let mut index: BTreeMap<i64, usize> = BTreeMap::new();
    for id in targets {
        let Some(c) = s.waiting.iter().find(|c| c.ticket_id == *id) else {
            continue;
        };
        if served(c.service_id) {
            let next = index.len();
            index.entry(*id).or_insert(next);
        } else {
            out.insert(*id, Prediction::NoDesk);
        }
    }
    if index.is_empty() {
        return out;
    }

    let affordable = opts.call_budget / (s.waiting.len() + 1);
    let runs = opts
        .runs
        .min(u32::try_from(affordable).unwrap_or(u32::MAX).max(MIN_RUNS))
        .clamp(1, MAX_RUNS) as usize;
    let horizon_ms = opts.horizon_s.max(0).saturating_mul(1000);
    let mut rng = SimRng::new(opts.seed);
    let mut world = World::new(s);
    let max_arrivals = (s.waiting.len() + 1).max(MIN_ARRIVALS_PER_RUN);
    let mut waits: Vec<Vec<i64>> = vec![Vec::with_capacity(runs); index.len()];
    for _ in 0..runs {
        let called = world.run(s, &index, horizon_ms, max_arrivals, &mut rng);
        for (slot, at) in waits.iter_mut().zip(called) {
            let at = at.unwrap_or(s.now_ms.saturating_add(horizon_ms));
            slot.push((at - s.now_ms).max(0) / 1000);
        }
    }
    for (id, i) in index {
        out.insert(id, Prediction::Wait(summarise(&mut waits[i], opts)));
    }
    out
}

/// The wait of a ticket far back in a long queue, without simulating
/// every call before it: `ahead` visitors served by `desks` desks take
/// about `ahead / desks` service times per desk, so the wait is that many
/// times the mean, with a spread of `sqrt(ahead / desks)` standard
/// deviations (the central limit of a sum of service times; the range is
/// the normal 10th–90th percentile, ±1.28 standard deviations).
///
/// This is the simulation's own limit for long queues, and what the server
/// answers when more tickets wait than it simulates
/// (`server/src/predictions.rs`). It cannot see desk weights or priority
/// credits, which hardly matter hundreds of visitors ahead. No desk gives
/// [`Prediction::NoDesk`].
pub fn predict_long_queue(ahead: usize, desks: usize, time: &ServiceTime) -> Prediction {
    if desks == 0 {
        return Prediction::NoDesk;
    }
    let per_desk = ahead as f64 / desks as f64;
    let mean = per_desk * time.mean_s();
    let spread = 1.2816 * per_desk.sqrt() * time.sd_s();
    Prediction::Wait(WaitRange {
        expected_s: mean.round() as i64,
        low_s: (mean - spread).max(0.0).round() as i64,
        high_s: (mean + spread).round() as i64,
    })
}

/// Mean and quantiles (nearest rank) of one ticket's simulated waits.
fn summarise(waits: &mut [i64], opts: &PredictOptions) -> WaitRange {
    waits.sort_unstable();
    let n = waits.len();
    let rank = |q: f64| {
        let q = if q.is_finite() {
            q.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let r = (q * n as f64).ceil() as usize;
        waits[r.clamp(1, n) - 1]
    };
    let mean = waits.iter().map(|w| *w as f64).sum::<f64>() / n as f64;
    let (low, high) = (rank(opts.low_quantile), rank(opts.high_quantile));
    WaitRange {
        expected_s: mean.round() as i64,
        low_s: low.min(high),
        high_s: high.max(low),
    }
}

/// One simulated future's mutable state, reused across runs.
struct World {
    /// The waiting tickets per (service, class), each sorted by
    /// `(queued_at_ms, ticket_id)`: the policy only ever needs their heads.
    start: BTreeMap<(i64, Priority), VecDeque<Candidate>>,
    queues: BTreeMap<(i64, Priority), VecDeque<Candidate>>,
    /// Buffer for the heads handed to the policy.
    heads: Vec<Candidate>,
    /// Larger than every real ticket id: simulated arrivals count up from
    /// here, so they lose id ties the way later real tickets would.
    next_id: i64,
}

impl World {
    fn new(s: &Situation) -> World {
        let mut start: BTreeMap<(i64, Priority), VecDeque<Candidate>> = BTreeMap::new();
        let mut sorted = s.waiting.clone();
        sorted.sort_by_key(|c| (c.queued_at_ms, c.ticket_id));
        for c in sorted {
            start
                .entry((c.service_id, c.priority))
                .or_default()
                .push_back(c);
        }
        World {
            queues: start.clone(),
            start,
            heads: Vec::new(),
            next_id: s
                .waiting
                .iter()
                .map(|c| c.ticket_id)
                .max()
                .unwrap_or(0)
                .saturating_add(1),
        }
    }

    /// Plays one future; returns each target's call time (by index), `None`
    /// when it was not called within the horizon.
    fn run(
        &mut self,
        s: &Situation,
        targets: &BTreeMap<i64, usize>,
        horizon_ms: i64,
        max_arrivals: usize,
        rng: &mut SimRng,
    ) -> Vec<Option<i64>> {
        let mut arrived = 0usize;
        for (key, q) in &self.start {
            let dst = self.queues.entry(*key).or_default();
            dst.clear();
            dst.extend(q.iter().copied());
        }
        let end = s.now_ms.saturating_add(horizon_ms);
        let mut called: Vec<Option<i64>> = vec![None; targets.len()];
        let mut left = targets.len();
        let mut next_id = self.next_id;

        // Per desk: when it next calls (`None` = idle until a visitor it
        // serves arrives) and its own copy of the policy state.
        let mut desks: Vec<(Option<i64>, DeskPolicy, i64)> = s
            .desks
            .iter()
            .map(|d| {
                let free_at = s.times.free_at(d.desk_id, d.busy, s.now_ms, rng);
                (Some(free_at), d.policy.clone(), d.desk_id)
            })
            .collect();
        // Arrival streams that can matter: their service is served.
        let mut streams: Vec<(ArrivalRate, Option<i64>)> = s
            .arrivals
            .iter()
            .filter(|a| a.per_hour.is_finite() && a.per_hour > 0.0)
            .filter(|a| desks.iter().any(|d| d.1.weight_for(a.service_id).is_some()))
            .map(|a| {
                (
                    *a,
                    Some(s.now_ms.saturating_add(next_gap_ms(a.per_hour, rng))),
                )
            })
            .collect();

        while left > 0 {
            let desk = desks
                .iter()
                .enumerate()
                .filter_map(|(i, d)| d.0.map(|t| (t, i)))
                .min();
            let arrival = streams
                .iter()
                .enumerate()
                .filter_map(|(i, a)| a.1.map(|t| (t, i)))
                .min();
            // An arrival at the same moment as a call is seen by it.
            let next = match (desk, arrival) {
                (None, None) => break,
                (Some(d), Some(a)) if a.0 <= d.0 => Next::Arrival(a),
                (None, Some(a)) => Next::Arrival(a),
                (Some(d), _) => Next::Call(d),
            };
            match next {
                Next::Arrival((t, _)) | Next::Call((t, _)) if t > end => break,
                Next::Arrival((t, i)) => {
                    let rate = streams[i].0;
                    let c = Candidate {
                        ticket_id: next_id,
                        service_id: rate.service_id,
                        priority: rate.priority,
                        queued_at_ms: t,
                    };
                    next_id += 1;
                    insert_sorted(
                        self.queues.entry((c.service_id, c.priority)).or_default(),
                        c,
                    );
                    for d in &mut desks {
                        if d.0.is_none() && d.1.weight_for(c.service_id).is_some() {
                            d.0 = Some(t);
                        }
                    }
                    arrived += 1;
                    if arrived >= max_arrivals {
                        for stream in &mut streams {
                            stream.1 = None;
                        }
                    } else {
                        streams[i].1 = Some(t.saturating_add(next_gap_ms(rate.per_hour, rng)));
                    }
                }
                Next::Call((t, i)) => {
                    self.heads.clear();
                    self.heads
                        .extend(self.queues.values().filter_map(|q| q.front().copied()));
                    let (_, policy, desk_id) = &desks[i];
                    match pick_for_desk(&self.heads, policy, &s.config) {
                        Some(c) => {
                            if let Some(q) = self.queues.get_mut(&(c.service_id, c.priority)) {
                                q.pop_front();
                            }
                            if let Some(&k) = targets.get(&c.ticket_id)
                                && called[k].is_none()
                            {
                                called[k] = Some(t);
                                left -= 1;
                            }
                            let dur = s.times.for_desk(*desk_id, c.service_id).sample_s(rng);
                            let d = &mut desks[i];
                            d.1.calls_since_priority =
                                calls_since_priority_after(d.1.calls_since_priority, c.priority);
                            d.0 = Some(t.saturating_add(secs_to_ms(dur)));
                        }
                        None => desks[i].0 = None,
                    }
                }
            }
        }
        called
    }
}

/// What happens next in a simulated future: `(time, index)` of the
/// arrival stream or the desk.
enum Next {
    Arrival((i64, usize)),
    Call((i64, usize)),
}

/// Puts `c` into a queue sorted by `(queued_at_ms, ticket_id)`; arrivals
/// are almost always last, so the search runs from the back.
fn insert_sorted(q: &mut VecDeque<Candidate>, c: Candidate) {
    let key = (c.queued_at_ms, c.ticket_id);
    let mut at = q.len();
    while at > 0 && (q[at - 1].queued_at_ms, q[at - 1].ticket_id) > key {
        at -= 1;
    }
    q.insert(at, c);
}

pub(crate) fn next_gap_ms(per_hour: f64, rng: &mut SimRng) -> i64 {
    secs_to_ms(rng.exponential(3600.0 / per_hour)).max(1)
}

pub(crate) fn secs_to_ms(s: f64) -> i64 {
    // `as` saturates on huge values and maps NaN to 0.
    (s * 1000.0).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN: i64 = 60_000;

    fn cand(ticket_id: i64, service_id: i64, priority: Priority, queued_at_ms: i64) -> Candidate {
        Candidate {
            ticket_id,
            service_id,
            priority,
            queued_at_ms,
        }
    }

    fn desk(desk_id: i64, weights: &[(i64, u32)], busy: Option<Busy>) -> OpenDesk {
        OpenDesk {
            desk_id,
            policy: DeskPolicy {
                weights: weights.to_vec(),
                calls_since_priority: 0,
            },
            busy,
        }
    }

    fn fixed(seconds: f64) -> ServiceTimes {
        ServiceTimes {
            by_service: BTreeMap::new(),
            by_desk: BTreeMap::new(),
            fallback: ServiceTime::Fixed { seconds },
        }
    }

    fn situation(desks: Vec<OpenDesk>, waiting: Vec<Candidate>, times: ServiceTimes) -> Situation {
        Situation {
            now_ms: 100 * MIN,
            config: PolicyConfig::default(),
            desks,
            waiting,
            times,
            arrivals: Vec::new(),
        }
    }

    fn one(s: &Situation, id: i64, opts: &PredictOptions) -> Prediction {
        predict_waits(s, &[id], opts)[&id]
    }

    #[test]
    fn single_desk_fixed_time_is_exact() {
        // Five people in line, one free desk, four minutes each: the fifth
        // is called after 16 minutes, in every future.
        let waiting: Vec<Candidate> = (1..=5).map(|i| cand(i, 1, Priority::Normal, i)).collect();
        let s = situation(vec![desk(1, &[(1, 1)], None)], waiting, fixed(240.0));
        let opts = PredictOptions::default();
        for (id, want) in [(1, 0), (3, 480), (5, 960)] {
            assert_eq!(
                one(&s, id, &opts),
                Prediction::Wait(WaitRange {
                    expected_s: want,
                    low_s: want,
                    high_s: want
                }),
                "ticket {id}"
            );
        }
        // A desk busy for one minute already has three minutes left.
        let busy = Busy {
            service_id: 1,
            since_ms: 99 * MIN,
        };
        let s = Situation {
            desks: vec![desk(1, &[(1, 1)], Some(busy))],
            ..s
        };
        assert_eq!(one(&s, 1, &opts).wait().map(|w| w.expected_s), Some(180));
        assert_eq!(one(&s, 2, &opts).wait().map(|w| w.expected_s), Some(420));
    }

    #[test]
    fn no_open_desk_serving_the_service_gives_no_number() {
        let waiting = vec![
            cand(1, 1, Priority::Normal, 0),
            cand(2, 2, Priority::Normal, 0),
        ];
        let s = situation(vec![desk(1, &[(1, 1)], None)], waiting.clone(), fixed(60.0));
        let got = predict_waits(&s, &[1, 2, 99], &PredictOptions::default());
        assert_eq!(got[&2], Prediction::NoDesk);
        assert!(got[&1].wait().is_some());
        assert!(!got.contains_key(&99), "unknown ids are left out");
        let none = situation(Vec::new(), waiting, fixed(60.0));
        assert_eq!(
            one(&none, 1, &PredictOptions::default()),
            Prediction::NoDesk
        );
    }

    #[test]
    fn shared_desk_weights_are_followed() {
        // Desk 1 serves A (weight 3) and B; desk 2 serves only B. The A
        // ticket queued last is still called first at desk 1: its 10 min
        // weight credit beats the B tickets' 5 minute head start.
        let waiting = vec![
            cand(1, 2, Priority::Normal, 0),
            cand(2, 2, Priority::Normal, MIN),
            cand(3, 1, Priority::Normal, 5 * MIN),
        ];
        let s = situation(
            vec![
                desk(1, &[(1, 3), (2, 1)], None),
                desk(
                    2,
                    &[(2, 1)],
                    Some(Busy {
                        service_id: 2,
                        since_ms: 100 * MIN,
                    }),
                ),
            ],
            waiting,
            fixed(600.0),
        );
        let got = predict_waits(&s, &[1, 2, 3], &PredictOptions::default());
        let exp = |id| got[&id].wait().unwrap().expected_s;
        assert_eq!((exp(3), exp(1), exp(2)), (0, 600, 600));
        // The old formula would put the A ticket behind nobody but say
        // nothing about B; this one also knows ticket 1 waits for desk 2.
    }

    #[test]
    fn future_priority_arrivals_push_a_normal_ticket_back() {
        let waiting: Vec<Candidate> = (1..=3)
            .map(|i| cand(i, 1, Priority::Normal, 100 * MIN))
            .collect();
        let quiet = situation(vec![desk(1, &[(1, 1)], None)], waiting, fixed(300.0));
        let busy = Situation {
            arrivals: vec![ArrivalRate {
                service_id: 1,
                priority: Priority::Priority,
                per_hour: 12.0,
            }],
            ..quiet.clone()
        };
        let opts = PredictOptions::default();
        let q = one(&quiet, 3, &opts).wait().unwrap();
        let b = one(&busy, 3, &opts).wait().unwrap();
        assert_eq!(q.expected_s, 600);
        assert!(b.expected_s > q.expected_s + 60, "{b:?}");
        assert!(b.low_s <= b.expected_s && b.expected_s <= b.high_s && b.low_s < b.high_s);
        // Same seed, same answer.
        assert_eq!(one(&busy, 3, &opts), one(&busy, 3, &opts));
    }

    #[test]
    fn a_flood_of_arrivals_is_drawn_only_so_far() {
        // A burst at the kiosk reads as millions of arrivals an hour. Each
        // future draws at most MIN_ARRIVALS_PER_RUN of them, so this
        // answers at once (without the bound every future would play 12
        // hours of arrivals, over a billion draws) and stays honest: the
        // normal arrivals queue behind ticket 3, which keeps its place;
        // the priority flood pushes it back as far as the futures drew.
        let waiting: Vec<Candidate> = (1..=3)
            .map(|i| cand(i, 1, Priority::Normal, 100 * MIN))
            .collect();
        let quiet = situation(vec![desk(1, &[(1, 1)], None)], waiting, fixed(60.0));
        let flood = |priority| Situation {
            arrivals: vec![ArrivalRate {
                service_id: 1,
                priority,
                per_hour: 1e7,
            }],
            ..quiet.clone()
        };
        let opts = PredictOptions::default();
        let normal = one(&flood(Priority::Normal), 3, &opts).wait().unwrap();
        assert_eq!(normal.expected_s, 120, "{normal:?}");
        let pushed = one(&flood(Priority::Priority), 3, &opts).wait().unwrap();
        let drawn = MIN_ARRIVALS_PER_RUN as i64;
        assert!(
            pushed.expected_s > 600 && pushed.expected_s <= (drawn + 2) * 60,
            "{pushed:?}"
        );
    }

    #[test]
    fn per_desk_times_win_and_learning_needs_enough_history() {
        let mut history = Vec::new();
        for i in 0..40 {
            history.push(Served {
                service_id: 1,
                desk_id: 1,
                seconds: 100.0 + f64::from(i % 3),
            });
        }
        for _ in 0..5 {
            history.push(Served {
                service_id: 2,
                desk_id: 1,
                seconds: 1000.0,
            });
        }
        history.push(Served {
            service_id: 1,
            desk_id: 2,
            seconds: f64::NAN,
        });
        let expected = BTreeMap::from([(2, 200.0), (3, 50.0)]);
        let t = learn_service_times(&history, &expected);
        assert!(
            matches!(t.for_desk(1, 1), ServiceTime::Observed { seconds } if seconds.len() == 40)
        );
        assert!(
            matches!(t.for_desk(2, 1), ServiceTime::Observed { seconds } if seconds.len() == 40)
        );
        assert!(t.by_desk.contains_key(&(1, 1)) && !t.by_desk.contains_key(&(1, 2)));
        // Five visits of 1000 s against a 200 s prior seen "four times".
        let mean2 = t.for_desk(1, 2).mean_s();
        assert!((mean2 - (5000.0 + 800.0) / 9.0).abs() < 1e-9, "{mean2}");
        assert_eq!(t.for_desk(1, 3).mean_s(), 50.0);
        assert_eq!(t.for_desk(1, 4).mean_s(), PRIOR_MEAN_S);
    }

    #[test]
    fn long_queues_use_the_limit_and_budget_bounds_the_runs() {
        let t = ServiceTime::Observed {
            seconds: vec![200.0, 400.0],
        };
        assert_eq!(t.sd_s(), 100.0);
        // 400 ahead at 4 desks: 100 services of 300 s each, give or take
        // sqrt(100) * 100 s * 1.28.
        assert_eq!(
            predict_long_queue(400, 4, &t),
            Prediction::Wait(WaitRange {
                expected_s: 30_000,
                low_s: 30_000 - 1_282,
                high_s: 30_000 + 1_282,
            })
        );
        assert_eq!(predict_long_queue(400, 0, &t), Prediction::NoDesk);
        assert_eq!(
            predict_long_queue(0, 2, &t)
                .wait()
                .map(|w| (w.low_s, w.high_s)),
            Some((0, 0))
        );

        // A queue of 2,000 with a budget of 40,000 calls: 50 runs (the
        // floor), and still the exact answer for fixed times.
        let waiting: Vec<Candidate> = (1..=2000)
            .map(|i| cand(i, 1, Priority::Normal, i))
            .collect();
        let s = situation(vec![desk(1, &[(1, 1)], None)], waiting, fixed(10.0));
        let got = one(&s, 2000, &PredictOptions::default());
        assert_eq!(got.wait().map(|w| w.expected_s), Some(19_990));
    }

    #[test]
    fn distributions_sample_around_their_mean() {
        let mut rng = SimRng::new(7);
        let ln = ServiceTime::LogNormal {
            mean_s: 300.0,
            cv: 0.5,
        };
        let n = 20_000;
        let mean = (0..n).map(|_| ln.sample_s(&mut rng)).sum::<f64>() / f64::from(n);
        assert!((mean - 300.0).abs() < 10.0, "{mean}");
        let obs = ServiceTime::observed([10.0, 20.0, -1.0, f64::INFINITY]).unwrap();
        assert_eq!(obs.mean_s(), 15.0);
        assert!((0..100).all(|_| [10.0, 20.0].contains(&obs.sample_s(&mut rng))));
        assert_eq!(ServiceTime::observed([f64::NAN]), None);
        // Already served 15 s: only the 20 s case is still possible.
        assert!((0..50).all(|_| obs.remaining_s(15.0, &mut rng) == 5.0));
        assert!((0..50).all(|_| ln.remaining_s(100.0, &mut rng) > 0.0));
    }

    // ----- property tests -----

    fn any_waiting() -> impl Strategy<Value = Vec<Candidate>> {
        proptest::collection::vec(
            (
                1i64..=3,
                proptest::sample::select(Priority::ALL.to_vec()),
                0i64..60 * MIN,
            ),
            0..25,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (service_id, priority, t))| {
                    cand(i as i64 + 1, service_id, priority, 40 * MIN + t)
                })
                .collect()
        })
    }

    fn per_service_fixed(a: f64, b: f64, c: f64) -> ServiceTimes {
        ServiceTimes {
            by_service: BTreeMap::from([
                (1, ServiceTime::Fixed { seconds: a }),
                (2, ServiceTime::Fixed { seconds: b }),
                (3, ServiceTime::Fixed { seconds: c }),
            ]),
            by_desk: BTreeMap::new(),
            fallback: ServiceTime::Fixed { seconds: 60.0 },
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Identical desks calling in the policy's order: one more desk can
        /// only bring every call forward (list scheduling without
        /// precedence has no Graham anomaly in start times).
        #[test]
        fn adding_a_desk_never_increases_the_wait(
            waiting in any_waiting(),
            desks in 1usize..4,
            (a, b, c) in (30.0f64..900.0, 30.0f64..900.0, 30.0f64..900.0),
            busy_for in proptest::option::of(0i64..10 * MIN),
        ) {
            let weights = [(1, 2), (2, 2), (3, 2)];
            let mut open: Vec<OpenDesk> = (0..desks)
                .map(|i| desk(i as i64, &weights, None))
                .collect();
            open[0].busy = busy_for.map(|b| Busy { service_id: 1, since_ms: 100 * MIN - b });
            let times = per_service_fixed(a, b, c);
            let fewer = situation(open.clone(), waiting.clone(), times.clone());
            open.push(desk(99, &weights, None));
            let more = situation(open, waiting.clone(), times);
            let ids: Vec<i64> = waiting.iter().map(|c| c.ticket_id).collect();
            let opts = PredictOptions { runs: 3, ..PredictOptions::default() };
            let before = predict_waits(&fewer, &ids, &opts);
            let after = predict_waits(&more, &ids, &opts);
            for id in ids {
                let (x, y) = (before[&id].wait().unwrap(), after[&id].wait().unwrap());
                prop_assert!(y.expected_s <= x.expected_s, "ticket {id}: {x:?} -> {y:?}");
                prop_assert!(y.high_s <= x.high_s);
            }
        }

        /// A priority ticket taken at the same moment as a normal one of
        /// the same service is predicted no later, in every future: whenever
        /// a desk would pick the normal one, the priority one counts as
        /// earlier.
        #[test]
        fn priority_is_predicted_earlier(
            waiting in any_waiting(),
            service in 1i64..=3,
            cv in 0.0f64..1.5,
            rate in 0.0f64..30.0,
            seed in any::<u64>(),
        ) {
            let mut waiting = waiting;
            waiting.push(cand(1000, service, Priority::Normal, 100 * MIN));
            waiting.push(cand(1001, service, Priority::Priority, 100 * MIN));
            let times = ServiceTimes {
                by_service: BTreeMap::new(),
                by_desk: BTreeMap::new(),
                fallback: ServiceTime::LogNormal { mean_s: 240.0, cv },
            };
            let mut s = situation(
                vec![desk(1, &[(1, 1), (2, 3)], None), desk(2, &[(service, 1), (3, 2)], None)],
                waiting,
                times,
            );
            s.arrivals = vec![ArrivalRate { service_id: 3, priority: Priority::Normal, per_hour: rate }];
            let opts = PredictOptions { runs: 40, seed, ..PredictOptions::default() };
            let got = predict_waits(&s, &[1000, 1001], &opts);
            let (n, p) = (got[&1000].wait().unwrap(), got[&1001].wait().unwrap());
            prop_assert!(p.expected_s <= n.expected_s, "{p:?} vs {n:?}");
            prop_assert!(p.low_s <= n.low_s && p.high_s <= n.high_s);
        }

        /// Any situation: no desk serving the service means no number, a
        /// served one gets an ordered range, and the answer is a function
        /// of the seed.
        #[test]
        fn answers_are_well_formed(
            waiting in any_waiting(),
            serve in proptest::collection::vec(proptest::option::of(1u32..=10), 3),
            seed in any::<u64>(),
        ) {
            let weights: Vec<(i64, u32)> = serve.iter().zip(1i64..).filter_map(|(w, s)| w.map(|w| (s, w))).collect();
            let times = ServiceTimes {
                by_service: BTreeMap::new(),
                by_desk: BTreeMap::new(),
                fallback: ServiceTime::LogNormal { mean_s: 200.0, cv: 0.8 },
            };
            let s = situation(vec![desk(1, &weights, None)], waiting.clone(), times);
            let ids: Vec<i64> = waiting.iter().map(|c| c.ticket_id).collect();
            let opts = PredictOptions { runs: 20, seed, ..PredictOptions::default() };
            let got = predict_waits(&s, &ids, &opts);
            prop_assert_eq!(&got, &predict_waits(&s, &ids, &opts));
            for c in &waiting {
                match got[&c.ticket_id] {
                    Prediction::NoDesk => prop_assert!(weights.iter().all(|(sid, _)| *sid != c.service_id)),
                    Prediction::Wait(w) => {
                        prop_assert!(weights.iter().any(|(sid, _)| *sid == c.service_id));
                        prop_assert!(0 <= w.low_s && w.low_s <= w.high_s);
                        prop_assert!(w.high_s <= opts.horizon_s);
                    }
                }
            }
        }
    }
}
