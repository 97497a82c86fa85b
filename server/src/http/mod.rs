//! Everything that speaks HTTP, and nothing else: one module of routes per
//! area, each handler checking who may call it, turning the request into a
//! call of [`crate::domain`] and its answer into JSON. Beside them the
//! connection loop ([`serve`]: timeouts, per-address caps), the live
//! websocket ([`live`]), the health checks ([`health`]), the visitor's
//! no-sign-in routes ([`public`], and [`audit`]'s signed checkpoints) and
//! the embedded web pages ([`web`]).

pub mod appointments;
pub mod audit;
pub mod auth;
pub mod branches;
pub mod desks;
pub mod device_status;
pub mod devices;
pub mod extract;
pub mod feedback;
pub mod health;
pub mod live;
pub mod performance;
pub mod predictions;
pub mod public;
pub mod remote;
pub mod reports;
pub mod serve;
pub mod services;
pub mod speech;
pub mod staffing;
pub mod stats;
pub mod tickets;
pub mod users;
pub mod web;
pub mod webhooks;
