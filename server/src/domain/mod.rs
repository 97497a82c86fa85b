//! The rules of the office, one module per area, each with its types, its
//! rules and one transaction per use case. Nothing here speaks HTTP: the
//! routes that call these functions are in [`crate::http`], the storage
//! they run on is [`crate::store`].
//!
//! * Configuration of an office: [`branches`], [`services`], [`desks`],
//!   [`users`], [`devices`] (kiosks and displays), [`auth`] (sessions,
//!   device tokens, roles, sign-in limits).
//! * The queue: [`tickets`] (issuing, every state change, the queue view,
//!   day end), [`appointments`] (bookings and check-in), [`remote`] (the
//!   virtual queue), [`visitor`] (what a visitor sees and does with their
//!   ticket's secret), [`feedback`] (ratings).
//! * Reading back: [`stats`] (today's figures), [`reports`] (KPIs, CSV and
//!   charts), [`device_status`] (printers and displays as they report in),
//!   [`predictions`] (predicted waits, what is kept of them and their
//!   accuracy), [`replay`] (a recorded day for `waitwell replay`),
//!   [`staffing`] (desks needed per service and hour), [`performance`]
//!   (published service standards and open data, no sign-in), [`audit`]
//!   (signed checkpoints of the event chain, and the checks of `waitwell
//!   audit verify` that tickets agree with their events).
//! * At the boundaries: [`projection`] (what devices may see),
//!   [`webhooks`] with [`destinations`] (where they may be sent),
//!   [`ratelimit`] (abuse limits of public features), [`speech`]
//!   (announcements rendered as audio).

pub mod appointments;
pub mod audit;
pub mod auth;
pub mod branches;
pub mod desks;
pub mod destinations;
pub mod device_status;
pub mod devices;
pub mod feedback;
pub mod performance;
pub mod predictions;
pub mod projection;
pub mod ratelimit;
pub mod read_model;
pub mod remote;
pub mod replay;
pub mod reports;
pub mod services;
pub mod speech;
pub mod staffing;
pub mod stats;
pub mod tickets;
pub mod users;
pub mod visitor;
pub mod webhooks;
