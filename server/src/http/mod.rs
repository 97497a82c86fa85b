//! The HTTP side that belongs to no single domain: the connection loop
//! (timeouts, per-address caps), the live websocket, the health checks and
//! the embedded web pages. Each domain's own routes sit with it for now
//! (`tickets.rs`, `desks.rs`, …); the rules they call never see axum.

pub mod health;
pub mod live;
pub mod serve;
pub mod web;
