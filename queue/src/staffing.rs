//! Staffing advice: how many desks a service needs in an hour to call the
//! target share of its visitors within the service standard.
//!
//! The classic call-centre model, Erlang C (M/M/n): visitors arrive at
//! random at rate λ, each takes an exponentially distributed service time
//! with mean `s`, `n` desks serve one queue first come, first served. With
//! the offered load `a = λ·s` (in desks' worth of work) and `n > a`, the
//! chance a visitor has to wait at all is `C(n, a)`, and the share called
//! within `t` is `1 − C(n, a)·e^(−(n − a)·t/s)`. The advice is the smallest
//! `n` that reaches the target share.
//!
//! The model's limits, stated where the advice is shown (README): it treats
//! each service as if its desks served it alone, and service times as
//! exponential; for desks shared between services the advice per service is
//! a lower bound on what the office needs in total.

/// Most desks the advice ever names; beyond this it answers `None` (the
/// forecast or the service time is not plausible).
pub const MAX_DESKS: u32 = 200;

/// Erlang C: the probability that a visitor has to wait, with `desks`
/// desks and an offered load of `load` erlangs (arrival rate × mean
/// service time). 1 when the desks cannot keep up (`load >= desks`), 0 with
/// no load.
///
/// Computed through the Erlang B recursion, which stays stable for
/// hundreds of desks where the textbook factorials overflow.
pub fn erlang_c(desks: u32, load: f64) -> f64 {
    if load.is_nan() || load <= 0.0 {
        return 0.0;
    }
    let n = f64::from(desks);
    if load >= n {
        return 1.0;
    }
    let mut b = 1.0;
    for k in 1..=desks {
        b = load * b / (f64::from(k) + load * b);
    }
    n * b / (n - load * (1.0 - b))
}

/// Share (0 to 1) of visitors called within `target_s` seconds, with
/// `desks` desks, `per_hour` arrivals an hour and a mean service time of
/// `mean_s` seconds.
pub fn share_within(desks: u32, per_hour: f64, mean_s: f64, target_s: f64) -> f64 {
    if per_hour.is_nan() || per_hour <= 0.0 || mean_s.is_nan() || mean_s <= 0.0 {
        return 1.0;
    }
    let load = per_hour * mean_s / 3600.0;
    let n = f64::from(desks);
    if load >= n {
        return 0.0;
    }
    let waits = erlang_c(desks, load);
    (1.0 - waits * (-(n - load) * target_s.max(0.0) / mean_s).exp()).clamp(0.0, 1.0)
}

/// The fewest desks that call at least `target_share` of visitors within
/// `target_s`; 0 when nobody comes, `None` when even [`MAX_DESKS`] would
/// not do (or the inputs are not numbers).
pub fn desks_needed(per_hour: f64, mean_s: f64, target_s: f64, target_share: f64) -> Option<u32> {
    if per_hour.is_nan() || mean_s.is_nan() || target_s.is_nan() || target_share.is_nan() {
        return None;
    }
    if per_hour <= 0.0 || mean_s <= 0.0 {
        return Some(0);
    }
    let load = per_hour * mean_s / 3600.0;
    // Fewer desks than the load can never keep up.
    let start = (load.floor() as u32).saturating_add(1).max(1);
    (start..=MAX_DESKS).find(|&n| share_within(n, per_hour, mean_s, target_s) >= target_share)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn erlang_c_known_values() {
        // Two desks, one erlang: C = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // One desk is M/M/1: C = utilisation.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        // The textbook example: 10 erlangs on 11 agents, C ≈ 0.6821.
        assert!(
            (erlang_c(11, 10.0) - 0.6821).abs() < 5e-4,
            "{}",
            erlang_c(11, 10.0)
        );
        assert_eq!(erlang_c(3, 3.0), 1.0);
        assert_eq!(erlang_c(3, 0.0), 0.0);
        assert_eq!(erlang_c(3, f64::NAN), 0.0);
        // Hundreds of desks do not overflow.
        let c = erlang_c(500, 480.0);
        assert!(c > 0.0 && c < 1.0, "{c}");
    }

    #[test]
    fn advice_examples() {
        // 20 visitors an hour of 6 minutes: 2 erlangs. Three desks leave a
        // visitor waiting with chance 4/9; within 10 minutes:
        // 1 − 4/9 · e^(−(3 − 2) · 600 / 360).
        let share = share_within(3, 20.0, 360.0, 600.0);
        let want = 1.0 - 4.0 / 9.0 * (-600.0f64 / 360.0).exp();
        assert!((share - want).abs() < 1e-12, "{share} {want}");
        assert_eq!(desks_needed(20.0, 360.0, 600.0, 0.8), Some(3));
        assert_eq!(desks_needed(20.0, 360.0, 600.0, 0.95), Some(4));
        assert_eq!(desks_needed(0.0, 360.0, 600.0, 0.8), Some(0));
        assert_eq!(desks_needed(1e9, 360.0, 600.0, 0.8), None);
        assert_eq!(desks_needed(f64::NAN, 360.0, 600.0, 0.8), None);
        assert_eq!(
            share_within(2, 20.0, 360.0, 600.0),
            0.0,
            "2 desks cannot keep up"
        );
    }

    proptest! {
        #[test]
        fn more_desks_never_hurt(
            desks in 1u32..40, per_hour in 0.0f64..300.0, mean_s in 10.0f64..3600.0, target_s in 0.0f64..3600.0
        ) {
            let a = share_within(desks, per_hour, mean_s, target_s);
            let b = share_within(desks + 1, per_hour, mean_s, target_s);
            prop_assert!(b + 1e-12 >= a, "{a} -> {b}");
            prop_assert!((0.0..=1.0).contains(&a));
        }

        #[test]
        fn the_advice_is_the_fewest_that_reach_the_target(
            per_hour in 0.1f64..200.0, mean_s in 30.0f64..1800.0, target_s in 60.0f64..3600.0, share in 0.5f64..0.99
        ) {
            if let Some(n) = desks_needed(per_hour, mean_s, target_s, share) {
                prop_assert!(share_within(n, per_hour, mean_s, target_s) >= share);
                if n > 1 {
                    prop_assert!(share_within(n - 1, per_hour, mean_s, target_s) < share);
                }
            }
        }
    }
}
