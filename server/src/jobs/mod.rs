//! Background work that runs beside the requests: day-end expiry of
//! tickets and bookings, contact-detail retention, and housekeeping of the
//! rate limiters (`retention.rs`), and the minute refresh of the predicted
//! waits kept with waiting tickets (`predictions.rs`). Webhook delivery runs
//! from `webhooks.rs`; signing closed days' chain heads runs in the day-end
//! tick of `lib.rs`, after the expiry (`domain/audit.rs`).

pub mod predictions;
pub mod retention;
