//! The wait estimate shown on tickets and the waiting-room display.
//!
//! Deliberately simple: people ahead × average service time ÷ open desks.
//! Visitors read it as a rough hint, and a simple formula is one staff can
//! explain and check by hand; the server supplies the inputs (who is ahead
//! from [`order_branch`](crate::order_branch), recent service times from its
//! statistics).

/// Service capacity as seen now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceLoad {
    /// Open desks serving this service.
    pub open_desks: u32,
    /// Average recent service time in seconds (the server falls back to the
    /// service's expected duration).
    pub avg_service_s: f64,
}

/// Estimated wait in whole seconds for a ticket with `ahead` people before it:
/// `ahead * avg_service_s / max(open_desks, 1)`, rounded to nearest, never
/// negative; 0 when `ahead == 0`.
///
/// Zero open desks counts as one: the office is open and someone will serve
/// the queue, and "infinite wait" helps nobody. A negative or NaN average
/// (bad statistics) gives 0; an absurdly large one saturates at `i64::MAX`.
pub fn estimate_wait_s(ahead: usize, load: ServiceLoad) -> i64 {
    if ahead == 0 || load.avg_service_s.is_nan() || load.avg_service_s <= 0.0 {
        return 0;
    }
    let desks = f64::from(load.open_desks.max(1));
    // usize -> f64 is exact for any realistic queue; `as i64` saturates.
    let wait = (ahead as f64 * load.avg_service_s / desks).round();
    wait as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn load(open_desks: u32, avg_service_s: f64) -> ServiceLoad {
        ServiceLoad {
            open_desks,
            avg_service_s,
        }
    }

    #[test]
    fn examples() {
        assert_eq!(estimate_wait_s(0, load(2, 300.0)), 0);
        assert_eq!(estimate_wait_s(4, load(2, 300.0)), 600);
        assert_eq!(estimate_wait_s(1, load(3, 100.0)), 33);
        assert_eq!(estimate_wait_s(2, load(3, 100.0)), 67);
        assert_eq!(estimate_wait_s(3, load(0, 120.0)), 360);
        assert_eq!(estimate_wait_s(3, load(1, 120.0)), 360);
    }

    #[test]
    fn bad_averages_do_not_go_negative_or_panic() {
        assert_eq!(estimate_wait_s(5, load(1, -10.0)), 0);
        assert_eq!(estimate_wait_s(5, load(1, f64::NAN)), 0);
        assert_eq!(estimate_wait_s(5, load(1, f64::INFINITY)), i64::MAX);
    }

    proptest! {
        #[test]
        fn monotonic_in_ahead(a in 0usize..10_000, b in 0usize..10_000, desks in 0u32..50, avg in 0.0f64..7_200.0) {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(estimate_wait_s(lo, load(desks, avg)) <= estimate_wait_s(hi, load(desks, avg)));
        }

        #[test]
        fn more_desks_never_increase(ahead in 0usize..10_000, d in 0u32..50, extra in 0u32..50, avg in 0.0f64..7_200.0) {
            prop_assert!(estimate_wait_s(ahead, load(d + extra, avg)) <= estimate_wait_s(ahead, load(d, avg)));
        }

        #[test]
        fn zero_desks_is_one_desk(ahead in 0usize..10_000, avg in -100.0f64..7_200.0) {
            prop_assert_eq!(estimate_wait_s(ahead, load(0, avg)), estimate_wait_s(ahead, load(1, avg)));
            prop_assert!(estimate_wait_s(ahead, load(0, avg)) >= 0);
        }
    }
}
