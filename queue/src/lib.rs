//! Waitwell's queue core: the rules every part of the system must agree on,
//! as pure functions with no I/O and no clock reads (time is always passed
//! in), so they can be unit- and property-tested exhaustively.
//!
//! Reading order:
//! - [`status`]: the ticket state machine ([`transition`]).
//! - [`numbering`]: business days across DST ([`BusinessCalendar`]) and
//!   ticket numbers ([`format_number`]).
//! - [`policy`]: which ticket a desk calls next ([`next_for_desk`]) and why.
//! - [`postpone`]: a visitor moving their ticket back, once
//!   ([`postponed_queued_at`]).
//! - [`estimate`]: the old wait estimate ([`estimate_wait_s`]).
//! - [`predict`]: predicted waits by simulating the policy forward
//!   ([`predict_waits`]).
//! - [`replay`]: both predictors against a recorded or generated day
//!   ([`evaluate`], [`generate_day`]).
//! - [`staffing`]: desks needed per hour, by Erlang C ([`desks_needed`]).
//!
//! Everything public is re-exported at the crate root, so callers write
//! `waitwell_queue::transition` rather than naming modules.

pub mod estimate;
pub mod numbering;
pub mod outlook;
pub mod policy;
pub mod postpone;
pub mod predict;
pub mod replay;
pub mod staffing;
pub mod status;

pub use estimate::*;
pub use numbering::*;
pub use outlook::*;
pub use policy::*;
pub use postpone::*;
pub use predict::*;
pub use replay::*;
pub use staffing::*;
pub use status::*;
