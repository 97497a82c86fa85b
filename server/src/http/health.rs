//! `GET /healthz` and `GET /readyz`, for service managers and load
//! balancers.
//!
//! `/healthz` answers 200 while the process serves HTTP, whatever the
//! database does: restart the process only when this fails. `/readyz`
//! answers 200 only while the database accepts writes: it rewrites one row
//! of `readiness_probe` (a real write transaction, through the SQLite
//! writer or a PostgreSQL transaction) and answers 503 with `Retry-After`
//! when that fails or takes longer than [`PROBE_TIMEOUT`]. Route traffic
//! away on 503. The outcome is kept for [`PROBE_CACHE`], so that however
//! many balancers poll, the database sees at most one probe per second.

use std::time::{Duration, Instant};

use axum::extract::State;
use serde::Serialize;
use tokio::sync::Mutex;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::http::extract::AppJson;
use crate::store::{Exec as _, q, write};

/// How long a probe's outcome is reused.
pub const PROBE_CACHE: Duration = Duration::from_secs(1);
/// Longest a probe may take before the database counts as unavailable.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The last write probe. One probe runs at a time; callers arriving
/// meanwhile wait for it and share its outcome.
#[derive(Default)]
pub struct Readiness {
    /// When the last probe finished and what it found (`None`: ready; else
    /// the error's message). Locked for the length of a probe.
    last: Mutex<Option<(Instant, Option<String>)>>,
}

impl Readiness {
    /// Whether the database accepts writes, probing at most once per
    /// [`PROBE_CACHE`].
    ///
    /// # Errors
    /// 503 with the reason when it does not.
    pub async fn check(&self, state: &AppState) -> Result<()> {
        let mut last = self.last.lock().await;
        let fresh = last
            .as_ref()
            .filter(|(at, _)| at.elapsed() < PROBE_CACHE)
            .map(|(_, outcome)| outcome.clone());
        let outcome = match fresh {
            Some(outcome) => outcome,
            None => {
                let outcome = match tokio::time::timeout(PROBE_TIMEOUT, probe(state)).await {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(match e {
                        AppError::StorageFull(detail) | AppError::DatabaseUnavailable(detail) => {
                            detail
                        }
                        other => other.to_string(),
                    }),
                    Err(_) => Some(format!(
                        "the write probe took longer than {PROBE_TIMEOUT:?}"
                    )),
                };
                *last = Some((Instant::now(), outcome.clone()));
                outcome
            }
        };
        match outcome {
            None => Ok(()),
            Some(reason) => Err(AppError::DatabaseUnavailable(reason)),
        }
    }
}

/// One tiny write transaction.
async fn probe(state: &AppState) -> Result<()> {
    let now = crate::now_ms();
    write!(state.db, |c, _out| async move {
        c.run(
            q("insert into readiness_probe (id, at) values (1, $1)
               on conflict (id) do update set at = excluded.at")
            .bind(now),
        )
        .await?;
        Ok(())
    })
}

/// The body of a 200 from `/healthz` or `/readyz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Status {
    /// `ok` (serving) or `ready` (the database accepts writes).
    pub status: &'static str,
}

/// Liveness: the process serves HTTP.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "Serving", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database accepts writes (probed at most once a second).
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "The database accepts writes", body = Status),
        (status = 503, description = "The database is down, full, read-only or too slow; \
            `Retry-After` says when to ask again", body = crate::error::ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> Result<AppJson<Status>> {
    state.readiness.check(&state).await?;
    Ok(AppJson(Status { status: "ready" }))
}

/// The routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}
