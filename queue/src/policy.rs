//! The next-ticket policy: which waiting ticket a desk calls next, and why.
//!
//! The policy is "virtual arrival time". Every waiting ticket gets an
//! effective time = `queued_at_ms` − credits, where the credits are a fixed
//! time credit for its priority class plus a fixed credit for how strongly the
//! calling desk is weighted towards the ticket's service. The desk calls the
//! ticket with the smallest effective time (ties: earlier `queued_at_ms`, then
//! smaller `ticket_id`).
//!
//! Why this instead of strict priority lanes or weighted round-robin:
//! - Explainable: each placement carries a [`Reason`] a clerk or visitor can
//!   read ("counts 10 min earlier: priority").
//! - Starvation-free by construction: credits are bounded by
//!   [`PolicyConfig::max_credit_ms`], so a ticket can only be overtaken by
//!   tickets queued at most that long after it.
//! - Deterministic and stateless apart from one small per-desk counter (the
//!   interleave rule), so the server can recompute any order from the database
//!   and tests can check it exhaustively.
//!
//! The server feeds in waiting tickets as [`Candidate`]s; nothing here knows
//! about storage or clocks (`now_ms` is only used for the wording of reasons).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::numbering::InvalidSetting;
use crate::status::UnknownValue;

/// A ticket's class, chosen at the kiosk or by staff.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// An ordinary walk-in ticket.
    #[default]
    Normal,
    /// Someone entitled to be served sooner (pregnancy, disability, ...).
    Priority,
    /// A visitor with a booked appointment.
    Appointment,
}

impl Priority {
    /// Every class, in declaration order.
    pub const ALL: [Priority; 3] = [Priority::Normal, Priority::Priority, Priority::Appointment];

    /// The stable snake_case name, identical to the serde representation.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::Priority => "priority",
            Priority::Appointment => "appointment",
        }
    }
}

impl FromStr for Priority {
    type Err = UnknownValue;

    /// Parses exactly the strings produced by [`Priority::as_str`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Largest desk weight for a service; weights are `1..=MAX_WEIGHT`. A service
/// a desk does not serve simply has no entry in [`DeskPolicy::weights`].
pub const MAX_WEIGHT: u32 = 10;

/// Upper bound for the class credits, in seconds (one day).
const MAX_CLASS_CREDIT_S: i64 = 86_400;
/// Upper bound for `weight_step_s`, in seconds (one hour).
const MAX_WEIGHT_STEP_S: i64 = 3_600;
/// Upper bound for `priority_interleave`.
const MAX_INTERLEAVE: u32 = 100;

/// Branch-wide policy settings (managers tune them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PolicyConfig {
    /// Credit in seconds for Priority tickets (default 600).
    pub priority_credit_s: i64,
    /// Credit in seconds for Appointment tickets (default 900).
    pub appointment_credit_s: i64,
    /// Credit in seconds per weight step above 1 (default 300): weight w gives
    /// (w-1)*weight_step_s.
    pub weight_step_s: i64,
    /// Interleave N: at most one credited priority/appointment call in any N
    /// consecutive calls at a desk; 0 = no limit (default 0). "2 normal then 1
    /// priority" is N = 3.
    pub priority_interleave: u32,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            priority_credit_s: 600,
            appointment_credit_s: 900,
            weight_step_s: 300,
            priority_interleave: 0,
        }
    }
}

impl PolicyConfig {
    /// Validate ranges: credits 0..=86_400, weight_step_s 0..=3_600,
    /// interleave 0..=100.
    ///
    /// The policy functions never fail on an unvalidated config (negative
    /// credits count as 0, arithmetic saturates), but the server should refuse
    /// to store one.
    ///
    /// # Errors
    ///
    /// [`InvalidSetting`] naming the first field out of range and its value.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        let check = |field: &str, value: i64, max: i64| {
            if (0..=max).contains(&value) {
                Ok(())
            } else {
                Err(InvalidSetting(format!(
                    "{field} must be between 0 and {max} (got {value})"
                )))
            }
        };
        check(
            "priority_credit_s",
            self.priority_credit_s,
            MAX_CLASS_CREDIT_S,
        )?;
        check(
            "appointment_credit_s",
            self.appointment_credit_s,
            MAX_CLASS_CREDIT_S,
        )?;
        check("weight_step_s", self.weight_step_s, MAX_WEIGHT_STEP_S)?;
        check(
            "priority_interleave",
            i64::from(self.priority_interleave),
            i64::from(MAX_INTERLEAVE),
        )
    }

    /// Largest total credit any ticket can get: max(priority_credit_s,
    /// appointment_credit_s) + (MAX_WEIGHT-1)*weight_step_s, in ms.
    ///
    /// This is the starvation bound: a ticket is never called after a ticket
    /// queued more than this long after it.
    pub fn max_credit_ms(&self) -> i64 {
        let class = self
            .class_credit_s(Priority::Priority)
            .max(self.class_credit_s(Priority::Appointment));
        class
            .saturating_add(self.weight_credit_s(MAX_WEIGHT))
            .saturating_mul(1000)
    }

    /// The time credit in seconds for class `priority` (0 for normal tickets),
    /// before the interleave rule is applied.
    pub fn class_credit_s(&self, priority: Priority) -> i64 {
        let credit = match priority {
            Priority::Normal => 0,
            Priority::Priority => self.priority_credit_s,
            Priority::Appointment => self.appointment_credit_s,
        };
        // Negative credit would break the starvation bound; validate() refuses
        // it, and here it simply counts as none.
        credit.max(0)
    }

    /// The time credit in seconds for a desk weight: `(w-1) * weight_step_s`,
    /// with `w` clamped to `1..=MAX_WEIGHT`.
    pub fn weight_credit_s(&self, weight: u32) -> i64 {
        let steps = i64::from(weight.clamp(1, MAX_WEIGHT) - 1);
        steps.saturating_mul(self.weight_step_s.max(0))
    }
}

/// A waiting ticket as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The ticket's database id; the last tie-breaker.
    pub ticket_id: i64,
    /// The service the ticket waits for.
    pub service_id: i64,
    /// The ticket's class.
    pub priority: Priority,
    /// When the ticket joined the queue, in Unix milliseconds. A parked
    /// ticket that returns keeps whatever time the server chooses to pass here.
    pub queued_at_ms: i64,
}

/// What the policy needs to know about the calling desk.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeskPolicy {
    /// `(service_id, weight)` for each service the desk serves, weight in
    /// `1..=MAX_WEIGHT`. Out-of-range weights are clamped; if a service is
    /// listed twice the larger weight counts.
    pub weights: Vec<(i64, u32)>,
    /// Calls this desk made since it last called a priority/appointment
    /// ticket; maintained by the server with [`calls_since_priority_after`].
    pub calls_since_priority: u32,
}

impl DeskPolicy {
    /// The desk's weight for `service_id` (clamped to `1..=MAX_WEIGHT`), or
    /// `None` when the desk does not serve that service.
    pub fn weight_for(&self, service_id: i64) -> Option<u32> {
        self.weights
            .iter()
            .filter(|(sid, _)| *sid == service_id)
            .map(|(_, w)| (*w).clamp(1, MAX_WEIGHT))
            .max()
    }

    /// Whether the desk's next call may give priority/appointment tickets
    /// their class credit under the interleave rule.
    pub fn class_credit_allowed(&self, cfg: &PolicyConfig) -> bool {
        cfg.priority_interleave == 0
            || self.calls_since_priority.saturating_add(1) >= cfg.priority_interleave
    }
}

/// Why a ticket stands where it stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reason {
    /// Class credit in seconds actually applied (0 when held back).
    pub priority_credit_s: i64,
    /// Desk weight credit in seconds applied (0 in the branch-wide order).
    pub weight_credit_s: i64,
    /// True when the ticket's class would give credit but the interleave rule
    /// holds it back right now.
    pub interleave_held: bool,
    /// One human sentence, e.g. "queued 12 min ago; counts 10 min earlier:
    /// priority". Times are relative to `now_ms`, so no timezone is needed.
    pub text: String,
}

/// One ticket's place in a call order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Placement {
    /// The ticket's database id.
    pub ticket_id: i64,
    /// The service the ticket waits for.
    pub service_id: i64,
    /// The ticket's class.
    pub priority: Priority,
    /// When the ticket joined the queue, in Unix milliseconds.
    pub queued_at_ms: i64,
    /// 0-based place in call order.
    pub position: usize,
    /// `queued_at_ms` minus all credits: the "virtual arrival time" the order
    /// is sorted by.
    pub effective_ms: i64,
    /// Why the ticket is placed here.
    pub reason: Reason,
}

/// A candidate with its credits worked out, before any text is written:
/// ordering needs only this, and text is built once per returned placement.
#[derive(Debug, Clone, Copy)]
struct Scored {
    cand: Candidate,
    class_credit_s: i64,
    weight_credit_s: i64,
    held: bool,
    effective_ms: i64,
}

impl Scored {
    fn new(cand: Candidate, class_credit_s: i64, weight_credit_s: i64, held: bool) -> Self {
        let credit_ms = class_credit_s
            .saturating_add(weight_credit_s)
            .saturating_mul(1000);
        Scored {
            cand,
            class_credit_s,
            weight_credit_s,
            held,
            effective_ms: cand.queued_at_ms.saturating_sub(credit_ms),
        }
    }

    /// Total order: effective time, then queued time, then id. Service and
    /// class only matter for malformed input with duplicate ids, and are
    /// there so the result never depends on input order.
    fn cmp_order(&self, other: &Self) -> Ordering {
        let key = |s: &Self| {
            (
                s.effective_ms,
                s.cand.queued_at_ms,
                s.cand.ticket_id,
                s.cand.service_id,
                s.cand.priority,
            )
        };
        key(self).cmp(&key(other))
    }

    fn into_placement(self, position: usize, now_ms: i64) -> Placement {
        let c = self.cand;
        Placement {
            ticket_id: c.ticket_id,
            service_id: c.service_id,
            priority: c.priority,
            queued_at_ms: c.queued_at_ms,
            position,
            effective_ms: self.effective_ms,
            reason: Reason {
                priority_credit_s: self.class_credit_s,
                weight_credit_s: self.weight_credit_s,
                interleave_held: self.held,
                text: reason_text(&self, now_ms),
            },
        }
    }
}

/// "queued 12 min ago; counts 15 min earlier: priority (10 min), desk
/// weight (5 min)".
fn reason_text(s: &Scored, now_ms: i64) -> String {
    let waited_min = now_ms.saturating_sub(s.cand.queued_at_ms) / 60_000;
    let mut text = if waited_min >= 1 {
        format!("queued {waited_min} min ago")
    } else {
        // Also covers a queued time slightly in the future (clock skew
        // between server nodes), which is not worth confusing anyone with.
        "queued just now".to_owned()
    };

    let mut parts = Vec::new();
    if s.class_credit_s > 0 {
        parts.push((s.cand.priority.as_str(), s.class_credit_s));
    }
    if s.weight_credit_s > 0 {
        parts.push(("desk weight", s.weight_credit_s));
    }
    match parts.as_slice() {
        [] => {}
        [(label, credit)] => {
            text.push_str(&format!("; counts {} earlier: {label}", duration(*credit)));
        }
        _ => {
            let total = s.class_credit_s.saturating_add(s.weight_credit_s);
            let list: Vec<String> = parts
                .iter()
                .map(|(label, credit)| format!("{label} ({})", duration(*credit)))
                .collect();
            text.push_str(&format!(
                "; counts {} earlier: {}",
                duration(total),
                list.join(", ")
            ));
        }
    }
    if s.held {
        text.push_str(&format!(
            "; {} credit held back by the interleave rule",
            s.cand.priority.as_str()
        ));
    }
    text
}

/// "10 min", "45 s", "1 min 30 s".
fn duration(seconds: i64) -> String {
    let (min, sec) = (seconds / 60, seconds % 60);
    match (min, sec) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// Score the candidates `desk` serves, applying the interleave rule.
fn score_for_desk<'a>(
    cands: &'a [Candidate],
    desk: &'a DeskPolicy,
    cfg: &'a PolicyConfig,
) -> impl Iterator<Item = Scored> + 'a {
    let class_allowed = desk.class_credit_allowed(cfg);
    cands.iter().filter_map(move |c| {
        let weight = desk.weight_for(c.service_id)?;
        let class_credit = cfg.class_credit_s(c.priority);
        let held = class_credit > 0 && !class_allowed;
        let applied = if held { 0 } else { class_credit };
        Some(Scored::new(*c, applied, cfg.weight_credit_s(weight), held))
    })
}

fn into_order(mut scored: Vec<Scored>, now_ms: i64) -> Vec<Placement> {
    scored.sort_unstable_by(Scored::cmp_order);
    scored
        .into_iter()
        .enumerate()
        .map(|(position, s)| s.into_placement(position, now_ms))
        .collect()
}

/// Order in which `desk` would call the candidates (only services the desk
/// serves). Priority/appointment credit applies only if
/// `cfg.priority_interleave == 0 || desk.calls_since_priority + 1 >=
/// cfg.priority_interleave`; otherwise those tickets compete on queued time
/// (+ weight credit) and `reason.interleave_held = true`.
///
/// The order is exact for the desk's next call only: after that call the
/// interleave counter changes, and with it possibly the credits.
pub fn order_for_desk(
    cands: &[Candidate],
    desk: &DeskPolicy,
    cfg: &PolicyConfig,
    now_ms: i64,
) -> Vec<Placement> {
    into_order(score_for_desk(cands, desk, cfg).collect(), now_ms)
}

/// The ticket `desk` calls next = `order_for_desk(..).first()`, computed
/// without sorting everything (O(n)).
pub fn next_for_desk(
    cands: &[Candidate],
    desk: &DeskPolicy,
    cfg: &PolicyConfig,
    now_ms: i64,
) -> Option<Placement> {
    score_for_desk(cands, desk, cfg)
        .min_by(Scored::cmp_order)
        .map(|s| s.into_placement(0, now_ms))
}

/// The candidate `desk` calls next, as [`next_for_desk`] chooses it but
/// without writing the reason: the prediction engine
/// ([`predict`](crate::predict)) asks this thousands of times per forecast,
/// and only needs to know who is called.
pub fn pick_for_desk(
    cands: &[Candidate],
    desk: &DeskPolicy,
    cfg: &PolicyConfig,
) -> Option<Candidate> {
    score_for_desk(cands, desk, cfg)
        .min_by(Scored::cmp_order)
        .map(|s| s.cand)
}

/// The head of each (service, class) queue: the earliest-queued candidate
/// (ties by id) of every service and priority class. Within one service and
/// class every candidate gets the same credit, so only a head can be a
/// desk's next call: `next_for_desk(heads(c)) == next_for_desk(c)` (a
/// property test holds it). The server reads only these heads from the
/// database when a desk calls, however long the queues are.
pub fn heads(cands: &[Candidate]) -> Vec<Candidate> {
    let mut best: std::collections::BTreeMap<(i64, Priority), Candidate> =
        std::collections::BTreeMap::new();
    for c in cands {
        best.entry((c.service_id, c.priority))
            .and_modify(|b| {
                if (c.queued_at_ms, c.ticket_id) < (b.queued_at_ms, b.ticket_id) {
                    *b = *c;
                }
            })
            .or_insert(*c);
    }
    best.into_values().collect()
}

/// Branch-wide order with class credit only (no desk weights, no interleave):
/// used for "people ahead" and the manager's queue view.
///
/// No desk's real order matches it exactly, but any desk's order differs from
/// it only by bounded credits, which is good enough for a wait estimate.
pub fn order_branch(cands: &[Candidate], cfg: &PolicyConfig, now_ms: i64) -> Vec<Placement> {
    let scored = cands
        .iter()
        .map(|c| Scored::new(*c, cfg.class_credit_s(c.priority), 0, false))
        .collect();
    into_order(scored, now_ms)
}

/// Desk's interleave counter after it calls a ticket of class `called`: 0
/// after priority/appointment, prev+1 (saturating) after normal.
///
/// The counter resets on any priority/appointment call, credited or not, so
/// the interleave rule errs on the side of the normal queue.
pub fn calls_since_priority_after(prev: u32, called: Priority) -> u32 {
    match called {
        Priority::Normal => prev.saturating_add(1),
        Priority::Priority | Priority::Appointment => 0,
    }
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

    fn desk(weights: &[(i64, u32)]) -> DeskPolicy {
        DeskPolicy {
            weights: weights.to_vec(),
            calls_since_priority: 0,
        }
    }

    fn ids(order: &[Placement]) -> Vec<i64> {
        order.iter().map(|p| p.ticket_id).collect()
    }

    #[test]
    fn priority_counts_as_earlier_arrival() {
        let cfg = PolicyConfig::default();
        let cands = [
            cand(1, 1, Priority::Normal, 0),
            cand(2, 1, Priority::Normal, 5 * MIN),
            cand(3, 1, Priority::Priority, 8 * MIN),
            cand(4, 1, Priority::Priority, 12 * MIN),
        ];
        let order = order_for_desk(&cands, &desk(&[(1, 1)]), &cfg, 20 * MIN);
        // #3 counts as queued at -2 min, #4 at 2 min.
        assert_eq!(ids(&order), [3, 1, 4, 2]);
        assert_eq!(order[0].effective_ms, -2 * MIN);
        assert_eq!(order[0].position, 0);
        assert_eq!(order[3].position, 3);
        assert_eq!(
            order[0].reason.text,
            "queued 12 min ago; counts 10 min earlier: priority"
        );
        assert_eq!(order[1].reason.text, "queued 20 min ago");
    }

    #[test]
    fn desk_weight_pulls_its_main_service_forward() {
        let cfg = PolicyConfig::default();
        let cands = [
            cand(1, 1, Priority::Normal, 0),
            cand(2, 2, Priority::Normal, 10 * MIN),
            cand(3, 3, Priority::Normal, 0),
        ];
        // Service 2 weighted 3 => 10 min credit; service 3 not served.
        let d = desk(&[(1, 1), (2, 3)]);
        let order = order_for_desk(&cands, &d, &cfg, 10 * MIN);
        assert_eq!(ids(&order), [1, 2]);
        // Exact tie on effective time: the earlier queued ticket wins.
        assert_eq!(order[0].effective_ms, order[1].effective_ms);
        assert_eq!(order[1].reason.weight_credit_s, 600);
        assert_eq!(
            order[1].reason.text,
            "queued just now; counts 10 min earlier: desk weight"
        );

        let both = order_for_desk(&[cand(5, 2, Priority::Appointment, 0)], &d, &cfg, 90_000);
        assert_eq!(
            both[0].reason.text,
            "queued 1 min ago; counts 25 min earlier: appointment (15 min), desk weight (10 min)"
        );
    }

    #[test]
    fn interleave_holds_back_priority_credit() {
        let cfg = PolicyConfig {
            priority_interleave: 3,
            ..PolicyConfig::default()
        };
        let cands = [
            cand(1, 1, Priority::Normal, 0),
            cand(2, 1, Priority::Priority, MIN),
        ];
        let mut d = desk(&[(1, 1)]);
        for (since, first, held) in [(0, 1, true), (1, 1, true), (2, 2, false), (7, 2, false)] {
            d.calls_since_priority = since;
            let order = order_for_desk(&cands, &d, &cfg, 2 * MIN);
            assert_eq!(order[0].ticket_id, first, "since={since}");
            let p = order.iter().find(|p| p.ticket_id == 2).unwrap();
            assert_eq!(p.reason.interleave_held, held);
            assert_eq!(p.reason.priority_credit_s, if held { 0 } else { 600 });
            if held {
                assert_eq!(
                    p.reason.text,
                    "queued 1 min ago; priority credit held back by the interleave rule"
                );
            }
            // Normal tickets are never "held".
            assert!(
                !order
                    .iter()
                    .find(|p| p.ticket_id == 1)
                    .unwrap()
                    .reason
                    .interleave_held
            );
        }
    }

    #[test]
    fn interleave_three_gives_two_normal_then_one_priority() {
        let cfg = PolicyConfig {
            priority_interleave: 3,
            ..PolicyConfig::default()
        };
        // Normals queued first, priorities one minute later: without credit
        // the normals win, with credit the priorities do.
        let mut waiting: Vec<Candidate> = (0..6)
            .map(|i| cand(i, 1, Priority::Normal, i))
            .chain((10..16).map(|i| cand(i, 1, Priority::Priority, MIN + i)))
            .collect();
        let mut d = desk(&[(1, 1)]);
        let mut pattern = String::new();
        for _ in 0..12 {
            let p = next_for_desk(&waiting, &d, &cfg, 2 * MIN).unwrap();
            pattern.push(if p.priority == Priority::Normal {
                'N'
            } else {
                'P'
            });
            d.calls_since_priority = calls_since_priority_after(d.calls_since_priority, p.priority);
            waiting.retain(|c| c.ticket_id != p.ticket_id);
        }
        // Once the normals run out, priorities are called on queued time.
        assert_eq!(pattern, "NNPNNPNNPPPP");
    }

    #[test]
    fn branch_order_ignores_desks_and_interleave() {
        let cfg = PolicyConfig {
            priority_interleave: 5,
            ..PolicyConfig::default()
        };
        let cands = [
            cand(1, 1, Priority::Normal, 0),
            cand(2, 9, Priority::Appointment, 13 * MIN),
            cand(3, 2, Priority::Priority, 9 * MIN),
        ];
        let order = order_branch(&cands, &cfg, 15 * MIN);
        assert_eq!(ids(&order), [2, 3, 1]);
        assert!(order.iter().all(|p| p.reason.weight_credit_s == 0));
        assert!(order.iter().all(|p| !p.reason.interleave_held));
    }

    #[test]
    fn desk_without_services_calls_nobody() {
        let cands = [cand(1, 1, Priority::Normal, 0)];
        let cfg = PolicyConfig::default();
        assert!(order_for_desk(&cands, &DeskPolicy::default(), &cfg, 0).is_empty());
        assert_eq!(next_for_desk(&cands, &DeskPolicy::default(), &cfg, 0), None);
        assert_eq!(next_for_desk(&[], &desk(&[(1, 1)]), &cfg, 0), None);
    }

    #[test]
    fn weights_are_clamped_and_duplicates_take_the_larger() {
        let cfg = PolicyConfig::default();
        let d = desk(&[(1, 0), (2, 99), (3, 2), (3, 4)]);
        assert_eq!(d.weight_for(1), Some(1));
        assert_eq!(d.weight_for(2), Some(MAX_WEIGHT));
        assert_eq!(d.weight_for(3), Some(4));
        assert_eq!(d.weight_for(4), None);
        assert_eq!(cfg.weight_credit_s(99), cfg.weight_credit_s(MAX_WEIGHT));
        assert_eq!(cfg.weight_credit_s(0), 0);
    }

    #[test]
    fn config_defaults_validate_and_bound() {
        let cfg = PolicyConfig::default();
        assert_eq!(cfg.validate(), Ok(()));
        assert_eq!(cfg.max_credit_ms(), (900 + 9 * 300) * 1000);

        let bad = PolicyConfig {
            weight_step_s: 3_601,
            ..cfg
        };
        let err = bad.validate().unwrap_err().to_string();
        assert!(
            err.contains("weight_step_s") && err.contains("3601"),
            "{err}"
        );
        let bad = PolicyConfig {
            priority_credit_s: -1,
            ..cfg
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("priority_credit_s")
        );
        let bad = PolicyConfig {
            appointment_credit_s: 86_401,
            ..cfg
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("appointment_credit_s")
        );
        let bad = PolicyConfig {
            priority_interleave: 101,
            ..cfg
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("priority_interleave")
        );
        // Negative credits are refused, and ignored if passed anyway.
        assert_eq!(bad.class_credit_s(Priority::Normal), 0);
        assert_eq!(
            PolicyConfig {
                priority_credit_s: -600,
                ..cfg
            }
            .class_credit_s(Priority::Priority),
            0
        );
    }

    #[test]
    fn priority_strings_and_counter() {
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse::<Priority>(), Ok(p));
            assert_eq!(p.to_string(), p.as_str());
        }
        assert!("urgent".parse::<Priority>().is_err());
        assert_eq!(Priority::default(), Priority::Normal);
        assert_eq!(calls_since_priority_after(2, Priority::Normal), 3);
        assert_eq!(
            calls_since_priority_after(u32::MAX, Priority::Normal),
            u32::MAX
        );
        assert_eq!(calls_since_priority_after(2, Priority::Priority), 0);
        assert_eq!(calls_since_priority_after(2, Priority::Appointment), 0);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(600), "10 min");
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(90), "1 min 30 s");
    }

    // ----- property tests -----

    fn any_priority() -> impl Strategy<Value = Priority> {
        proptest::sample::select(Priority::ALL.to_vec())
    }

    fn any_config() -> impl Strategy<Value = PolicyConfig> {
        (0i64..=3_600, 0i64..=3_600, 0i64..=600, 0u32..=5).prop_map(|(p, a, w, n)| PolicyConfig {
            priority_credit_s: p,
            appointment_credit_s: a,
            weight_step_s: w,
            priority_interleave: n,
        })
    }

    /// Up to 40 candidates over services 1..=4 with unique ids; queued times
    /// are in a 2-hour window, so credits really do reorder things, and come
    /// from a small set sometimes so ties get exercised.
    fn any_cands() -> impl Strategy<Value = Vec<Candidate>> {
        proptest::collection::vec(
            (
                1i64..=4,
                any_priority(),
                prop_oneof![0i64..7_200_000, (0i64..5).prop_map(|m| m * MIN)],
            ),
            0..40,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (service_id, priority, queued_at_ms))| Candidate {
                    ticket_id: 1000 - i as i64,
                    service_id,
                    priority,
                    queued_at_ms,
                })
                .collect()
        })
    }

    /// A desk serving a random subset of services 1..=4.
    fn any_desk() -> impl Strategy<Value = DeskPolicy> {
        (
            proptest::collection::vec(proptest::option::of(1u32..=MAX_WEIGHT), 4),
            0u32..6,
        )
            .prop_map(|(ws, calls_since_priority)| DeskPolicy {
                weights: ws
                    .into_iter()
                    .zip(1i64..)
                    .filter_map(|(w, sid)| w.map(|w| (sid, w)))
                    .collect(),
                calls_since_priority,
            })
    }

    proptest! {
        #[test]
        fn only_a_head_can_be_next(
            cands in any_cands(), d in any_desk(), cfg in any_config(), now in 0i64..10_000_000
        ) {
            let from_heads = next_for_desk(&heads(&cands), &d, &cfg, now).map(|p| p.ticket_id);
            let from_all = next_for_desk(&cands, &d, &cfg, now).map(|p| p.ticket_id);
            prop_assert_eq!(from_heads, from_all);
            let h = heads(&cands);
            prop_assert!(h.len() <= cands.len());
            prop_assert!(h.iter().all(|x| cands.contains(x)));
        }

        #[test]
        fn pick_is_next_without_text(
            cands in any_cands(), d in any_desk(), cfg in any_config(), now in 0i64..10_000_000
        ) {
            prop_assert_eq!(
                pick_for_desk(&cands, &d, &cfg).map(|c| c.ticket_id),
                next_for_desk(&cands, &d, &cfg, now).map(|p| p.ticket_id)
            );
        }

        #[test]
        fn next_is_first_of_order(
            cands in any_cands(), d in any_desk(), cfg in any_config(), now in 0i64..10_000_000
        ) {
            let order = order_for_desk(&cands, &d, &cfg, now);
            prop_assert_eq!(next_for_desk(&cands, &d, &cfg, now), order.first().cloned());
        }

        #[test]
        fn order_is_a_deterministic_permutation_of_served(
            (cands, shuffled) in any_cands().prop_flat_map(|c| (Just(c.clone()), Just(c).prop_shuffle())),
            d in any_desk(),
            cfg in any_config(),
        ) {
            let order = order_for_desk(&cands, &d, &cfg, 0);
            let mut got = ids(&order);
            got.sort_unstable();
            let mut want: Vec<i64> = cands
                .iter()
                .filter(|c| d.weight_for(c.service_id).is_some())
                .map(|c| c.ticket_id)
                .collect();
            want.sort_unstable();
            prop_assert_eq!(got, want);
            prop_assert_eq!(&order, &order_for_desk(&shuffled, &d, &cfg, 0));
            prop_assert!(order.iter().enumerate().all(|(i, p)| p.position == i));
            prop_assert!(order.windows(2).all(|w| w[0].effective_ms <= w[1].effective_ms));

            let branch = order_branch(&cands, &cfg, 0);
            prop_assert_eq!(branch.len(), cands.len());
            prop_assert_eq!(&branch, &order_branch(&shuffled, &cfg, 0));
        }

        #[test]
        fn starvation_bound_holds(cands in any_cands(), d in any_desk(), cfg in any_config()) {
            let order = order_for_desk(&cands, &d, &cfg, 0);
            let bound = cfg.max_credit_ms();
            for (i, a) in order.iter().enumerate() {
                for b in &order[..i] {
                    // b is called before a, so b must not be queued more
                    // than the bound after a.
                    prop_assert!(b.queued_at_ms <= a.queued_at_ms + bound, "{b:?} overtook {a:?}");
                }
            }
        }

        #[test]
        fn all_normal_equal_weights_is_fifo(
            cands in any_cands(), weight in 1u32..=MAX_WEIGHT, cfg in any_config()
        ) {
            let cands: Vec<Candidate> = cands
                .into_iter()
                .map(|c| Candidate { priority: Priority::Normal, ..c })
                .collect();
            let d = desk(&[(1, weight), (2, weight), (3, weight), (4, weight)]);
            let order = order_for_desk(&cands, &d, &cfg, 0);
            let mut fifo = cands.clone();
            fifo.sort_by_key(|c| (c.queued_at_ms, c.ticket_id));
            prop_assert_eq!(ids(&order), fifo.iter().map(|c| c.ticket_id).collect::<Vec<_>>());
        }

        /// Arrivals trickle in while one desk calls repeatedly, keeping its
        /// interleave counter the way the server would.
        #[test]
        fn simulated_desk_respects_bounds(
            arrivals in proptest::collection::vec(
                (1i64..=3, any_priority(), 0i64..120 * MIN), 1..60),
            d in any_desk(),
            cfg in any_config(),
            call_every_ms in (1i64..=6).prop_map(|m| m * MIN),
        ) {
            let cands: Vec<Candidate> = arrivals
                .iter()
                .enumerate()
                .map(|(i, &(service_id, priority, queued_at_ms))| Candidate {
                    ticket_id: i as i64,
                    service_id,
                    priority,
                    queued_at_ms,
                })
                .collect();
            let mut desk = d;
            desk.calls_since_priority = 0;
            let mut called = vec![false; cands.len()];
            // (credited priority call?, were normal tickets waiting?)
            let mut log: Vec<(bool, bool)> = Vec::new();
            let mut now = 0;
            while now <= 400 * MIN {
                let waiting: Vec<Candidate> = cands
                    .iter()
                    .filter(|c| c.queued_at_ms <= now && !called[c.ticket_id as usize])
                    .copied()
                    .collect();
                if let Some(p) = next_for_desk(&waiting, &desk, &cfg, now) {
                    for w in &waiting {
                        if desk.weight_for(w.service_id).is_some() {
                            prop_assert!(
                                p.queued_at_ms <= w.queued_at_ms + cfg.max_credit_ms(),
                                "{p:?} overtook {w:?}"
                            );
                        }
                    }
                    let normal_waiting = waiting.iter().any(|w| {
                        w.priority == Priority::Normal && desk.weight_for(w.service_id).is_some()
                    });
                    log.push((p.reason.priority_credit_s > 0, normal_waiting));
                    called[p.ticket_id as usize] = true;
                    desk.calls_since_priority =
                        calls_since_priority_after(desk.calls_since_priority, p.priority);
                }
                now += call_every_ms;
            }
            let n = cfg.priority_interleave as usize;
            if n > 1 {
                for window in log.windows(n) {
                    let credited_with_normals_waiting =
                        window.iter().filter(|(credited, normals)| *credited && *normals).count();
                    prop_assert!(credited_with_normals_waiting <= 1, "{window:?}");
                    // The rule is in fact unconditional.
                    prop_assert!(window.iter().filter(|(credited, _)| *credited).count() <= 1);
                }
            }
        }
    }
}
