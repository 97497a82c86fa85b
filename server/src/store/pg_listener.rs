//! PostgreSQL: relays committed events to this instance's live hub.
//!
//! Every event appended on PostgreSQL also sends `NOTIFY waitwell_events,
//! 'BRANCH:SEQ'` in its transaction. PostgreSQL delivers notifications at
//! commit, in commit order, to every listening connection — so each server
//! instance learns of every event, whichever instance wrote it. The listener
//! then reads the events it has not published yet from the events table and
//! publishes them in seq order. Reading from the table (rather than trusting
//! the notification alone) makes delivery gap-free: a notification that
//! arrives during a reconnect is covered by the catch-up that follows it.
//!
//! After losing its connection (a database restart) the listener subscribes
//! again with back-off, and every successful subscription is followed by a
//! catch-up from the last seq relayed per branch: events committed while
//! nobody listened reach live clients at once, not with the next event.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::events::{Event, Hub};

/// The channel name used for NOTIFY / LISTEN.
pub const CHANNEL: &str = "waitwell_events";

/// Handle to the listener task.
pub struct Listener {
    /// Cancelled by [`Listener::stop`]; the task watches it.
    stop: CancellationToken,
    /// The task, awaited by [`Listener::stop`].
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Listener {
    /// Starts listening. Returns once LISTEN is active, so no event
    /// committed after this returns can be missed.
    ///
    /// # Errors
    /// Database errors.
    pub async fn start(pool: PgPool, hub: Hub) -> anyhow::Result<Listener> {
        let mut relay = Relay {
            pool: pool.clone(),
            hub,
            published: HashMap::new(),
        };
        // Everything already committed is history, not news.
        let heads: Vec<(i64, i64)> = sqlx::query_as("select id, event_seq from branches")
            .fetch_all(&pool)
            .await?;
        relay.published.extend(heads);
        let listener = subscribe(&mut relay).await?;
        let stop = CancellationToken::new();
        let task = tokio::spawn(run(relay, listener, stop.clone()));
        Ok(Listener {
            stop,
            task: Mutex::new(Some(task)),
        })
    }

    /// Stops the task.
    pub async fn stop(&self) {
        self.stop.cancel();
        if let Some(task) = self.task.lock().await.take() {
            let _ = task.await;
        }
    }
}

struct Relay {
    pool: PgPool,
    hub: Hub,
    /// Highest seq published per branch.
    published: HashMap<i64, i64>,
}

impl Relay {
    /// Publishes every event of `branch` after the last one published.
    async fn publish_branch(&mut self, branch: i64) -> sqlx::Result<()> {
        loop {
            let after = self.published.get(&branch).copied().unwrap_or(0);
            let events: Vec<Event> = sqlx::query_as(
                "select branch_id, seq, type, ticket_id, desk_id, payload, actor, at, prev_hash, hash
                 from events where branch_id = $1 and seq > $2 order by seq limit 1000",
            )
            .bind(branch)
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = events.last().map(|e| e.seq) else {
                return Ok(());
            };
            let full = events.len() == 1000;
            for e in events {
                self.hub.publish_one(e);
            }
            self.published.insert(branch, last);
            if !full {
                return Ok(());
            }
        }
    }

    /// Publishes whatever was committed while not listening.
    async fn catch_up(&mut self) -> sqlx::Result<()> {
        let heads: Vec<(i64, i64)> = sqlx::query_as("select id, event_seq from branches")
            .fetch_all(&self.pool)
            .await?;
        for (branch, head) in heads {
            if self.published.get(&branch).copied().unwrap_or(0) < head {
                self.publish_branch(branch).await?;
            }
        }
        Ok(())
    }
}

/// Subscribes: LISTEN on a connection of its own, then catch up on every
/// event committed before the LISTEN took effect. Both steps are needed
/// after every (re)connection: a notification sent while no connection was
/// listening is lost, and in a quiet office nothing else would ever relay
/// the event it announced.
async fn subscribe(relay: &mut Relay) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(&relay.pool).await?;
    // Reconnecting is done here, where a catch-up follows; a reconnect
    // inside `try_recv` would resume listening without one.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    relay.catch_up().await?;
    Ok(listener)
}

/// First delay before subscribing again after losing the connection.
const RETRY_FIRST: Duration = Duration::from_millis(100);
/// Longest delay between attempts to subscribe again.
const RETRY_MAX: Duration = Duration::from_secs(1);

async fn run(mut relay: Relay, listener: PgListener, stop: CancellationToken) {
    let mut listener = Some(listener);
    let mut retry = RETRY_FIRST;
    loop {
        let Some(current) = listener.as_mut() else {
            tokio::select! {
                () = stop.cancelled() => return,
                subscribed = subscribe(&mut relay) => match subscribed {
                    Ok(l) => {
                        tracing::info!("listening for events again");
                        listener = Some(l);
                        retry = RETRY_FIRST;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "subscribing to events; retrying in {retry:?}");
                        tokio::select! {
                            () = stop.cancelled() => return,
                            () = tokio::time::sleep(retry) => {}
                        }
                        retry = (retry * 2).min(RETRY_MAX);
                    }
                }
            }
            continue;
        };
        tokio::select! {
            () = stop.cancelled() => return,
            notification = current.try_recv() => match notification {
                Ok(Some(n)) => {
                    let mut parts = n.payload().split(':');
                    let branch = parts.next().and_then(|b| b.parse::<i64>().ok());
                    let seq = parts.next().and_then(|s| s.parse::<i64>().ok()).unwrap_or(i64::MAX);
                    if let Some(branch) = branch
                        && relay.published.get(&branch).copied().unwrap_or(0) < seq
                        && let Err(e) = relay.publish_branch(branch).await
                    {
                        // The events stay in the table: subscribing again
                        // catches up on them.
                        tracing::warn!(error = %e, branch, "reading events to relay");
                        listener = None;
                    }
                }
                // The connection dropped (a database restart, a network
                // failure): subscribe again, which also catches up.
                Ok(None) => {
                    tracing::warn!("lost the PostgreSQL event listener connection");
                    listener = None;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "PostgreSQL listener");
                    listener = None;
                }
            }
        }
    }
}
