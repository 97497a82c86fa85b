//! The visitor's postponement: a waiting ticket moves behind every ticket
//! of its service waiting at that moment, as if it had just arrived, and
//! only once ([`MAX_POSTPONES`]). One move back is a courtesy; more would
//! let a ticket hold a place all day. The priority class is kept: the
//! visitor's need did not change.

use crate::status::{IllegalTransition, TicketAction, TicketStatus, transition};

/// How often a visitor may postpone a ticket.
pub const MAX_POSTPONES: i64 = 1;

/// Why a postponement is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PostponeRefused {
    /// The ticket is not waiting (called, served, closed …).
    #[error(transparent)]
    NotWaiting(#[from] IllegalTransition),
    /// The ticket was postponed [`MAX_POSTPONES`] times already.
    #[error("this ticket was already postponed once and cannot be postponed again")]
    AlreadyPostponed,
}

/// The new `queued_at` of a ticket postponed at `now`: strictly after the
/// latest `queued_at` among the other tickets waiting for its service
/// (`last_waiting`), so that even a ticket issued in the same millisecond
/// stays ahead, and never before `now`.
///
/// # Errors
/// [`PostponeRefused`] for a ticket that is not waiting or was postponed
/// [`MAX_POSTPONES`] times.
pub fn postponed_queued_at(
    status: TicketStatus,
    postpone_count: i64,
    last_waiting: Option<i64>,
    now: i64,
) -> Result<i64, PostponeRefused> {
    transition(status, TicketAction::Postpone)?;
    if postpone_count >= MAX_POSTPONES {
        return Err(PostponeRefused::AlreadyPostponed);
    }
    Ok(last_waiting.map_or(now, |last| now.max(last.saturating_add(1))))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn only_a_waiting_ticket_postpones_and_only_once() {
        assert_eq!(
            postponed_queued_at(TicketStatus::Waiting, 0, None, 1_000),
            Ok(1_000)
        );
        assert_eq!(
            postponed_queued_at(TicketStatus::Waiting, 1, None, 1_000),
            Err(PostponeRefused::AlreadyPostponed)
        );
        for status in [
            TicketStatus::Called,
            TicketStatus::Serving,
            TicketStatus::Parked,
            TicketStatus::Done,
            TicketStatus::Cancelled,
        ] {
            assert!(matches!(
                postponed_queued_at(status, 0, None, 1_000),
                Err(PostponeRefused::NotWaiting(_))
            ));
        }
    }

    proptest! {
        /// The postponed ticket goes behind every other waiting ticket of
        /// its service, and never into the past.
        #[test]
        fn goes_behind_everyone_waiting(
            others in proptest::collection::vec(0_i64..2_000_000, 0..50),
            now in 0_i64..2_000_000,
        ) {
            let last = others.iter().copied().max();
            let at = postponed_queued_at(TicketStatus::Waiting, 0, last, now).unwrap();
            prop_assert!(at >= now);
            prop_assert!(others.iter().all(|&o| at > o));
        }
    }
}
