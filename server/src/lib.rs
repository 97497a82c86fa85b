//! The Waitwell server: a queue-management and ticketing system for public
//! offices.
//!
//! Crate map, in reading order:
//! * [`config`] — settings from flags, environment and a TOML file.
//! * [`app`] — shared state and the router that merges every area's routes.
//! * [`http`] — everything that speaks HTTP: one module of routes per area
//!   (a handler checks who may call it, calls [`domain`], answers JSON),
//!   the connection loop ([`http::serve`]), the websocket stream
//!   ([`http::live`]), `/healthz` and `/readyz` ([`http::health`]), the
//!   visitor's no-sign-in routes ([`http::public`]) and the embedded pages
//!   ([`http::web`]).
//! * [`domain`] — the office's rules, one module per area, each with its
//!   types and one transaction per use case; no axum routes.
//! * [`events`] — the hash-chained event log, its anchor outside the
//!   database ([`events::anchor`], the key that signs each closed day's
//!   head) and the live [`events::Hub`].
//! * [`store`] — SQLite / PostgreSQL storage, the single writer with group
//!   commit, and the [`store::Exec`] interface the SQL is written against.
//! * [`jobs`] — background work: [`jobs::retention`] (contact details
//!   erased after the retention period, day-end housekeeping).
//! * [`demo`] — the demo office of `waitwell serve --demo`.
//!
//! The queue rules themselves (state machine, numbering, next-ticket
//! policy, wait estimates) are the pure crate `waitwell-queue`.

pub mod app;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod events;
pub mod http;
pub mod jobs;
pub mod shutdown;
pub mod store;

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::app::AppState;
use crate::config::Config;
use crate::domain::auth::{self, Role};
use crate::domain::{appointments, branches, tickets, users, webhooks};
use crate::events::{Actor, Hub};
use crate::store::{Db, read, write};

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A stored millisecond timestamp as a UTC instant.
pub fn utc(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// How many events the live hub keeps for subscribers that fall behind.
pub const HUB_CAPACITY: usize = 4096;

/// Connects to the database and prepares it: migrations, and the first
/// admin user when `admin_password` is set and there are no users yet.
///
/// # Errors
/// Database and validation errors.
pub async fn prepare(config: Config) -> anyhow::Result<AppState> {
    if config.cheap_password_hashing {
        auth::use_cheap_password_hashing();
    }
    let db = Db::connect(&config.database_url, Hub::new(HUB_CAPACITY)).await?;
    let state = AppState::new(config, db);
    if let Some(password) = state.config.admin_password.as_deref() {
        let users = read!(state.db, |c| users::count(c).await).map_err(anyhow_from)?;
        if users == 0 {
            users::create(
                &state.db,
                None,
                users::NewUser {
                    username: "admin".into(),
                    password: password.to_owned(),
                    role: Role::Admin,
                },
                Actor::System,
            )
            .await
            .map_err(anyhow_from)?;
            tracing::info!("created user admin");
        }
    }
    Ok(state)
}

/// An [`error::AppError`] as an `anyhow` error with its message.
pub fn anyhow_from(e: error::AppError) -> anyhow::Error {
    match e {
        error::AppError::Internal(e) => e,
        other => anyhow::anyhow!(other.to_string()),
    }
}

/// Serves until `shutdown` completes, then stops background tasks and live
/// connections and closes the database.
///
/// # Errors
/// Server I/O errors.
pub async fn run(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    start_background(&state);
    let token = state.shutdown.clone();
    let app = app::router(state.clone());
    let limits = http::serve::Limits {
        header_timeout: Duration::from_secs(state.config.header_timeout_secs),
        idle_timeout: Duration::from_secs(state.config.idle_timeout_secs),
        per_address: state.config.max_connections_per_address,
    };
    tokio::spawn({
        let token = token.clone();
        async move {
            tokio::select! {
                () = shutdown => token.cancel(),
                () = token.cancelled() => {},
            }
        }
    });
    let serve = http::serve::serve(listener, app, limits, token);
    let result = serve.await;
    state.shutdown.cancel();
    state.tasks.close();
    state.tasks.wait().await;
    state.db.close().await;
    result
}

/// Background jobs: day-end expiry, signing closed days' chain heads (with
/// an audit key) and limiter housekeeping. They run on the
/// state's task tracker and end when its shutdown token is cancelled.
pub fn start_background(state: &AppState) {
    webhooks::start(state);
    jobs::retention::start(state);
    jobs::predictions::start(state);
    let s = state.clone();
    state.tasks.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tokio::select! {
                () = s.shutdown.cancelled() => break,
                _ = tick.tick() => {
                    let expired = expire_all(&s.db, now_ms()).await;
                    if let Err(e) = &expired {
                        tracing::warn!(error = %e, "expiring old tickets");
                    }
                    // A closed day is signed once its day end has run, so
                    // that nothing but the expiry touches its tickets after
                    // the signature (`audit verify` holds that). The first
                    // tick comes at once: days that closed while the
                    // server was down are signed then.
                    if let (Ok(_), Some(key)) = (&expired, &s.config.audit_key) {
                        match domain::audit::sign_all(&s.db, key, now_ms()).await {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(checkpoints = n, "signed audit checkpoints"),
                            Err(e) => tracing::warn!(error = %e, "signing audit checkpoints"),
                        }
                    }
                    s.limiter.shrink();
                    s.remote_limiter.shrink();
                    s.booking_limiter.shrink();
                    s.code_limiter.shrink();
                    s.check_in_limiter.shrink();
                }
            }
        }
    });
}

/// Expires open tickets of past business days in every branch, and marks
/// that days' bookings nobody checked in as missed. Returns how many
/// tickets expired.
///
/// # Errors
/// Database errors.
pub async fn expire_all(db: &Db, now: i64) -> error::Result<usize> {
    let branches = read!(db, |c| branches::list(c).await)?;
    let mut total = 0;
    for b in branches {
        let id = b.id;
        loop {
            let n = write!(db, |c, out| async move {
                tickets::expire_old(c, out, id, now).await
            })?;
            total += n;
            if n < branches::DAY_END_BATCH {
                break;
            }
        }
        loop {
            let n = write!(db, |c, out| async move {
                appointments::mark_missed(c, out, id, now).await
            })?;
            if n < branches::DAY_END_BATCH {
                break;
            }
        }
    }
    Ok(total)
}
