//! Each table's columns and statements, one module per table: the SQL the
//! rules in `domain/` run, written once, with `$N` placeholders both
//! backends read (see [`Exec`](super::Exec)). A domain function decides
//! what happens; the statement it runs is named here.
//!
//! The tables of a ticket's life are here so far: `branches`, `tickets`
//! (with its numbering), `desks` (with their allocation), `services`,
//! `events`; and `users` and `devices`. The other tables' statements are still written
//! in their domain modules.

pub mod branches;
pub mod desks;
pub mod devices;
pub mod events;
pub mod services;
pub mod tickets;
pub mod users;
