//! The ticket state machine: every status a ticket can be in, every action a
//! desk (or a timer) can take on it, and [`transition`], the single place that
//! decides which action is legal from which status.
//!
//! The server stores statuses and actions as the snake_case strings from
//! `as_str()`, so those strings are part of the database and wire format and
//! must never change once released.

use std::fmt;
use std::str::FromStr;

/// Where a ticket is in its life. Open statuses can still change; final ones
/// never do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// In the queue, not yet called.
    Waiting,
    /// Called to a desk; the visitor is on the way.
    Called,
    /// The visitor is at the desk being served.
    Serving,
    /// Served to the end.
    Done,
    /// Called but never came to the desk.
    NoShow,
    /// Withdrawn by the visitor or by staff.
    Cancelled,
    /// Handed to another service; the server creates a new waiting ticket
    /// there, so this ticket itself is finished.
    Transferred,
    /// Set aside (e.g. the visitor went to fetch a document); can be called
    /// again later.
    Parked,
    /// Still open when the business day rolled over.
    Expired,
}

impl TicketStatus {
    /// Every status, in declaration order.
    pub const ALL: [TicketStatus; 9] = [
        TicketStatus::Waiting,
        TicketStatus::Called,
        TicketStatus::Serving,
        TicketStatus::Done,
        TicketStatus::NoShow,
        TicketStatus::Cancelled,
        TicketStatus::Transferred,
        TicketStatus::Parked,
        TicketStatus::Expired,
    ];

    /// The stable snake_case name, identical to the serde representation.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::Called => "called",
            TicketStatus::Serving => "serving",
            TicketStatus::Done => "done",
            TicketStatus::NoShow => "no_show",
            TicketStatus::Cancelled => "cancelled",
            TicketStatus::Transferred => "transferred",
            TicketStatus::Parked => "parked",
            TicketStatus::Expired => "expired",
        }
    }

    /// True for statuses no action can leave: done, no-show, cancelled,
    /// transferred and expired.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TicketStatus::Done
                | TicketStatus::NoShow
                | TicketStatus::Cancelled
                | TicketStatus::Transferred
                | TicketStatus::Expired
        )
    }

    /// The statuses of a ticket that is still open: the live state holds
    /// exactly these tickets. The one list of them; SQL reads it through
    /// the server's `open_statuses!` (tested against this), pages through
    /// `web/common/live.js`.
    pub const OPEN: [TicketStatus; 4] = [
        TicketStatus::Waiting,
        TicketStatus::Called,
        TicketStatus::Serving,
        TicketStatus::Parked,
    ];

    /// True while the ticket can still change (the opposite of
    /// [`is_final`](Self::is_final)).
    pub fn is_open(self) -> bool {
        !self.is_final()
    }
}

impl FromStr for TicketStatus {
    type Err = UnknownValue;

    /// Parses exactly the strings produced by [`TicketStatus::as_str`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TicketStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a desk stands: open (calling visitors), paused (staffed, not
/// calling) or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeskStatus {
    /// Calls visitors.
    Open,
    /// Staffed but not calling (a break, paperwork); has a reason.
    Paused,
    /// Nobody works there.
    Closed,
}

impl DeskStatus {
    /// Every desk status.
    pub const ALL: [DeskStatus; 3] = [DeskStatus::Open, DeskStatus::Paused, DeskStatus::Closed];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            DeskStatus::Open => "open",
            DeskStatus::Paused => "paused",
            DeskStatus::Closed => "closed",
        }
    }
}

impl FromStr for DeskStatus {
    type Err = UnknownValue;

    /// Parses exactly the strings produced by [`DeskStatus::as_str`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeskStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

impl fmt::Display for DeskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that can happen to a ticket. Most come from a clerk's desk;
/// `Expire` comes from the server's day-rollover job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketAction {
    /// Call the ticket to a desk.
    Call,
    /// Announce an already called ticket again.
    Recall,
    /// The visitor arrived at the desk; service starts.
    Start,
    /// Service finished.
    Finish,
    /// The called visitor did not come.
    NoShow,
    /// Hand the visitor over to another service.
    Transfer,
    /// Set the ticket aside to be called again later.
    Park,
    /// Withdraw the ticket.
    Cancel,
    /// Close a ticket left open at day rollover.
    Expire,
    /// Move a waiting ticket to the back of its queue, at the visitor's
    /// request (at most once per ticket; the server keeps the count).
    Postpone,
}

impl TicketAction {
    /// Every action, in declaration order.
    pub const ALL: [TicketAction; 10] = [
        TicketAction::Call,
        TicketAction::Recall,
        TicketAction::Start,
        TicketAction::Finish,
        TicketAction::NoShow,
        TicketAction::Transfer,
        TicketAction::Park,
        TicketAction::Cancel,
        TicketAction::Expire,
        TicketAction::Postpone,
    ];

    /// The stable snake_case name, identical to the serde representation.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketAction::Call => "call",
            TicketAction::Recall => "recall",
            TicketAction::Start => "start",
            TicketAction::Finish => "finish",
            TicketAction::NoShow => "no_show",
            TicketAction::Transfer => "transfer",
            TicketAction::Park => "park",
            TicketAction::Cancel => "cancel",
            TicketAction::Expire => "expire",
            TicketAction::Postpone => "postpone",
        }
    }

    /// The action as a past participle, for messages such as
    /// "a done ticket cannot be called".
    pub fn past_tense(self) -> &'static str {
        match self {
            TicketAction::Call => "called",
            TicketAction::Recall => "recalled",
            TicketAction::Start => "started",
            TicketAction::Finish => "finished",
            TicketAction::NoShow => "marked no-show",
            TicketAction::Transfer => "transferred",
            TicketAction::Park => "parked",
            TicketAction::Cancel => "cancelled",
            TicketAction::Expire => "expired",
            TicketAction::Postpone => "postponed",
        }
    }
}

impl FromStr for TicketAction {
    type Err = UnknownValue;

    /// Parses exactly the strings produced by [`TicketAction::as_str`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TicketAction::ALL
            .into_iter()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

impl fmt::Display for TicketAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `action` is not allowed on a ticket in status `from`. The message is meant
/// for the clerk, e.g. "a done ticket cannot be called".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{} {from} ticket cannot be {}", article(*from), action.past_tense())]
pub struct IllegalTransition {
    /// The status the ticket was in.
    pub from: TicketStatus,
    /// The action that was refused.
    pub action: TicketAction,
}

/// "an expired ticket", not "a expired ticket"; every other status name starts
/// with a consonant.
fn article(status: TicketStatus) -> &'static str {
    if status.as_str().starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// A string that names no known variant (status, action, priority).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

/// The status a ticket moves to when `action` is applied in status `from`.
///
/// Recall and postpone are the self-loops: recall re-announces a called
/// ticket, postpone moves a waiting ticket back in its queue; neither
/// changes the status. Only a waiting ticket can be postponed: once called,
/// the visitor's turn has come (a called visitor who cannot come cancels).
///
/// # Errors
///
/// [`IllegalTransition`] when `action` is not allowed from `from`; in
/// particular every action on a final status is refused.
pub fn transition(
    from: TicketStatus,
    action: TicketAction,
) -> Result<TicketStatus, IllegalTransition> {
    use TicketAction as A;
    use TicketStatus as S;

    let to = match (action, from) {
        (A::Call, S::Waiting | S::Parked) => S::Called,
        (A::Recall, S::Called) => S::Called,
        (A::Start, S::Called) => S::Serving,
        (A::Finish, S::Called | S::Serving) => S::Done,
        (A::NoShow, S::Called) => S::NoShow,
        (A::Transfer, S::Called | S::Serving) => S::Transferred,
        (A::Park, S::Called | S::Serving) => S::Parked,
        (A::Cancel, S::Waiting | S::Parked | S::Called) => S::Cancelled,
        (A::Expire, S::Waiting | S::Parked | S::Called | S::Serving) => S::Expired,
        (A::Postpone, S::Waiting) => S::Waiting,
        _ => return Err(IllegalTransition { from, action }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketAction as A;
    use TicketStatus as S;
    use proptest::prelude::*;

    #[test]
    fn desk_statuses_round_trip_and_nothing_else_parses() {
        for d in DeskStatus::ALL {
            assert_eq!(d.as_str().parse::<DeskStatus>(), Ok(d));
            assert_eq!(d.to_string(), d.as_str());
        }
        assert!("Open".parse::<DeskStatus>().is_err());
        assert!("".parse::<DeskStatus>().is_err());
    }

    #[test]
    fn open_statuses_are_exactly_the_non_final_ones() {
        let open: Vec<S> = S::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(open.len(), S::OPEN.len());
        assert!(S::OPEN.iter().all(|s| open.contains(s)));
    }

    /// The legal transitions written out independently of the `match` in
    /// [`transition`], so a typo in one is caught by the other.
    const LEGAL: &[(S, A, S)] = &[
        (S::Waiting, A::Call, S::Called),
        (S::Parked, A::Call, S::Called),
        (S::Called, A::Recall, S::Called),
        (S::Called, A::Start, S::Serving),
        (S::Called, A::Finish, S::Done),
        (S::Serving, A::Finish, S::Done),
        (S::Called, A::NoShow, S::NoShow),
        (S::Called, A::Transfer, S::Transferred),
        (S::Serving, A::Transfer, S::Transferred),
        (S::Called, A::Park, S::Parked),
        (S::Serving, A::Park, S::Parked),
        (S::Waiting, A::Cancel, S::Cancelled),
        (S::Parked, A::Cancel, S::Cancelled),
        (S::Called, A::Cancel, S::Cancelled),
        (S::Waiting, A::Expire, S::Expired),
        (S::Parked, A::Expire, S::Expired),
        (S::Called, A::Expire, S::Expired),
        (S::Serving, A::Expire, S::Expired),
        (S::Waiting, A::Postpone, S::Waiting),
    ];

    #[test]
    fn all_90_combinations_match_the_table() {
        let mut checked = 0;
        for from in S::ALL {
            for action in A::ALL {
                let expected = LEGAL
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                let got = transition(from, action);
                match expected {
                    Some(to) => assert_eq!(got, Ok(to), "{from} + {action}"),
                    None => assert_eq!(
                        got,
                        Err(IllegalTransition { from, action }),
                        "{from} + {action}"
                    ),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 90);
    }

    #[test]
    fn error_messages_read_well() {
        let err = transition(S::Done, A::Call).unwrap_err();
        assert_eq!(err.to_string(), "a done ticket cannot be called");
        let err = transition(S::Expired, A::NoShow).unwrap_err();
        assert_eq!(
            err.to_string(),
            "an expired ticket cannot be marked no-show"
        );
        let err = transition(S::Called, A::Postpone).unwrap_err();
        assert_eq!(err.to_string(), "a called ticket cannot be postponed");
        let err: UnknownValue = "nope".parse::<TicketStatus>().unwrap_err();
        assert_eq!(err.to_string(), "unknown value \"nope\"");
    }

    #[test]
    fn strings_round_trip_and_match_serde() {
        for status in S::ALL {
            assert_eq!(status.as_str().parse::<S>(), Ok(status));
            assert_eq!(status.to_string(), status.as_str());
        }
        for action in A::ALL {
            assert_eq!(action.as_str().parse::<A>(), Ok(action));
            assert_eq!(action.to_string(), action.as_str());
        }
        assert!("Waiting".parse::<S>().is_err());
        assert!("".parse::<A>().is_err());
    }

    #[test]
    fn open_and_final_partition_the_statuses() {
        let finals: Vec<S> = S::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(
            finals,
            [S::Done, S::NoShow, S::Cancelled, S::Transferred, S::Expired]
        );
        for status in S::ALL {
            assert_ne!(status.is_open(), status.is_final());
        }
    }

    fn any_status() -> impl Strategy<Value = S> {
        proptest::sample::select(S::ALL.to_vec())
    }

    fn any_action() -> impl Strategy<Value = A> {
        proptest::sample::select(A::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn final_statuses_accept_no_action(from in any_status(), action in any_action()) {
            if from.is_final() {
                prop_assert!(transition(from, action).is_err());
            }
        }

        #[test]
        fn any_action_sequence_stays_legal(
            actions in proptest::collection::vec(any_action(), 0..30)
        ) {
            // Walking from Waiting and skipping refused actions, the ticket
            // never leaves a final status once it reaches one.
            let mut status = S::Waiting;
            for action in actions {
                let was_final = status.is_final();
                if let Ok(next) = transition(status, action) {
                    prop_assert!(!was_final);
                    status = next;
                }
            }
        }
    }
}
