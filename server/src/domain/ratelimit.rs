//! Per-client rate limits of the public (no sign-in) endpoints: remote
//! tickets, bookings and booking-code lookups. Each limit is one
//! [`ClientLimiter`] in [`crate::app::AppState`], keyed by the client's
//! address as [`rate_key`] groups it; the background housekeeping in
//! `lib.rs` calls [`ClientLimiter::shrink`] so idle keys do not pile up.
//!
//! Over its limit a client gets 429 with the standard JSON error body and
//! `Retry-After` (see `AppError::TooManyRequests`).

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{AppError, Result};

/// The key a client address is counted under: an IPv4 address as it is
/// (an IPv4-mapped IPv6 address counts as its IPv4 address), an IPv6
/// address by its /64 network. A single IPv6 subscriber is usually given a
/// whole /64 (or more), so counting single addresses would hand one client
/// 2^64 budgets.
pub fn rate_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let mask = !0u128 << 64;
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

/// A per-client limit: `per_minute` requests per [`rate_key`], as a burst
/// that refills evenly over the minute.
pub struct ClientLimiter {
    /// Budgets per client key; entries are dropped by [`ClientLimiter::shrink`].
    by_client: DefaultKeyedRateLimiter<IpAddr>,
}

impl ClientLimiter {
    /// A limit of `per_minute` (at least 1) per client.
    pub fn new(per_minute: u32) -> ClientLimiter {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        ClientLimiter {
            by_client: RateLimiter::keyed(Quota::per_minute(n)),
        }
    }

    /// Counts one request of the client at `addr`.
    ///
    /// # Errors
    /// `TooManyRequests` with the seconds to wait (sent as `Retry-After`).
    pub fn check(&self, addr: IpAddr) -> Result<()> {
        use governor::clock::Clock as _;
        let clock = governor::clock::DefaultClock::default();
        self.by_client
            .check_key(&rate_key(addr))
            .map_err(|n| AppError::TooManyRequests(n.wait_time_from(clock.now()).as_secs().max(1)))
    }

    /// Drops state for clients that have fully recovered.
    pub fn shrink(&self) {
        self.by_client.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_counts_per_64() {
        assert_eq!(rate_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(
            rate_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            rate_key(ip("2001:db8:1:2::7"))
        );
        assert_ne!(
            rate_key(ip("2001:db8:1:2::1")),
            rate_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(rate_key(ip("198.51.100.7")), ip("198.51.100.7"));
        assert_eq!(rate_key(ip("::ffff:198.51.100.7")), ip("198.51.100.7"));
    }

    #[test]
    fn one_budget_per_64() {
        let limiter = ClientLimiter::new(2);
        assert!(limiter.check(ip("2001:db8::1")).is_ok());
        assert!(limiter.check(ip("2001:db8::2")).is_ok());
        assert!(matches!(
            limiter.check(ip("2001:db8::ffff")),
            Err(AppError::TooManyRequests(s)) if s >= 1
        ));
        assert!(limiter.check(ip("2001:db8:0:1::1")).is_ok(), "another /64");
        assert!(limiter.check(ip("198.51.100.7")).is_ok());
    }
}
