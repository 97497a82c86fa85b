//! Refreshes the latest prediction kept with each waiting ticket
//! ([`crate::domain::predictions::refresh_latest`]) every minute.

use std::time::Duration;

use crate::app::AppState;
use crate::domain::predictions::refresh_latest;
use crate::now_ms;

/// How often the job refreshes the latest prediction of waiting tickets.
const REFRESH_EVERY: Duration = Duration::from_secs(60);

/// Starts the job that refreshes the latest predictions every minute, on
/// the state's task tracker; it stops when the shutdown token is cancelled.
pub fn start(state: &AppState) {
    let s = state.clone();
    state.tasks.spawn(async move {
        let mut tick = tokio::time::interval(REFRESH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = s.shutdown.cancelled() => break,
                _ = tick.tick() => {
                    if let Err(e) = refresh_latest(&s.db, now_ms()).await {
                        tracing::warn!(error = %e, "refreshing predicted waits");
                    }
                }
            }
        }
    });
}
