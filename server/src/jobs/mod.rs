//! Background work that runs beside the requests: day-end expiry of
//! tickets and bookings, contact-detail retention, and housekeeping of the
//! rate limiters (`retention.rs`). Webhook delivery runs from `webhooks.rs`.

pub mod retention;
