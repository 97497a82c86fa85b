//! Live updates over websockets: `GET /api/v1/branches/{id}/live`.
//!
//! Protocol version 1 (documented in the README):
//! * The first message is `{"type":"snapshot","protocol":1,"seq":N,…}`: the
//!   branch's live state including every event up to seq N.
//! * Then every later event of the branch, in seq order, as
//!   `{"type":"ticket.called","seq":N+1,"prev_seq":N,…,"data":{…}}`.
//!   `prev_seq` is the seq of the previous message this client received; a
//!   client that sees a different value has missed something and
//!   reconnects. Events hidden by the client's filters leave gaps in `seq`
//!   but never in `prev_seq`.
//! * `{"type":"heartbeat","seq":N,"head":H}` every 10 s (plus a websocket
//!   ping), so browsers can tell a dead connection from a quiet office. `head`
//!   is the branch's latest seq in the database; before a heartbeat the
//!   server relays from the event table anything committed that its own hub
//!   never delivered (a PostgreSQL listener that was away), so a client
//!   whose `seq` is still below `head` is behind and resyncs.
//! * Reconnecting with `?since=N` replays the events after N from the event
//!   table, or sends a fresh snapshot when N is too old.
//!
//! Who receives what: staff get events as stored; devices (kiosks and
//! displays) get the public projection of `projection.rs` — numbers, desks
//! and queue summaries, nothing staff-only.
//!
//! Each connection subscribes to the hub before it reads its snapshot, so
//! nothing falls between the two. A client that cannot keep up is not
//! buffered without bound: a pump task moves hub events into a queue of at
//! most [`MAX_BEHIND`] events per connection, so a stalled reader never pins
//! the hub's ring buffer; when the queue overflows (or the hub overtakes the
//! pump) the client gets a fresh snapshot instead; when its socket stops
//! taking data for 10 s, it is closed (and resumes on reconnect).
//!
//! The token a socket opened with is checked again every
//! [`REAUTH_EVERY`]: after a logout, an expired session, a deactivated user
//! or branch, a changed password or a replaced or deactivated device token,
//! the socket closes with status 1008 (policy violation). Sockets are
//! tracked on the server's task tracker and closed with status 1012 at
//! shutdown.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt as _, StreamExt as _};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::branches;
use crate::domain::desks::{self};
pub use crate::domain::projection::Filter;
use crate::error::{AppError, Result};
use crate::events;
use crate::events::Event;
use crate::http::extract::StreamAuth;
use crate::http::extract::{AppPath, AppQuery};
use crate::store::{lookup, read, write};
use waitwell_proto::live::{Heartbeat, Snapshot};

pub use waitwell_proto::live::PROTOCOL;
/// How often a heartbeat and a ping are sent.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// A client not heard from (pong or message) for this long is closed.
pub const DEAD_AFTER: Duration = Duration::from_secs(25);
/// A send that cannot complete in this time closes the connection.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// The most events replayed on resume; older resumes get a snapshot.
pub const REPLAY_LIMIT: i64 = 2000;
/// Events one connection may have queued before it gets a snapshot instead.
pub const MAX_BEHIND: usize = 256;
/// How often an open socket's token is checked again.
pub const REAUTH_EVERY: Duration = Duration::from_secs(4);

/// Query parameters of the live endpoint.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LiveQuery {
    /// Bearer token, for clients that cannot set headers (browsers).
    pub token: Option<String>,
    /// Resume after this seq.
    pub since: Option<i64>,
    /// Only these services (comma-separated ids); a display's own settings
    /// apply when absent.
    pub services: Option<String>,
    /// Only these desks (comma-separated ids).
    pub desks: Option<String>,
}

fn parse_ids(field: &str, text: &str) -> Result<BTreeSet<i64>> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<i64>()
                .map_err(|_| AppError::invalid(format!("{field} must be comma-separated ids")))
        })
        .collect()
}

fn ids_from_config(config: &Value, key: &str) -> Option<BTreeSet<i64>> {
    config
        .get(key)?
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
}

/// Opens a live stream of the branch (staff and devices of the branch).
#[utoipa::path(get, path = "/api/v1/branches/{id}/live", tag = "live",
    params(("id" = i64, Path, description = "Branch id"), LiveQuery),
    responses((status = 101, description = "Switching to the websocket protocol"),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn live(
    State(state): State<AppState>,
    StreamAuth { who, token }: StreamAuth,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<LiveQuery>,
    ws: std::result::Result<
        WebSocketUpgrade,
        axum::extract::ws::rejection::WebSocketUpgradeRejection,
    >,
) -> Result<Response> {
    who.require_reader(branch_id)?;
    let mut filter = Filter {
        services: query
            .services
            .as_deref()
            .map(|s| parse_ids("services", s))
            .transpose()?,
        desks: query
            .desks
            .as_deref()
            .map(|s| parse_ids("desks", s))
            .transpose()?,
        staff: matches!(who, Principal::User { .. }),
    };
    if let Some(since) = query.since
        && since < 0
    {
        return Err(AppError::invalid("since must not be negative"));
    }
    let device_config = read!(state.db, |c| {
        branches::get(c, branch_id).await?;
        match who {
            Principal::Device { id, .. } => crate::domain::devices::get(c, id)
                .await
                .map(|d| Some(d.config)),
            Principal::User { .. } => Ok(None),
        }
    })?;
    if let Some(config) = device_config.and_then(|t| serde_json::from_str::<Value>(&t).ok()) {
        filter.services = filter
            .services
            .or_else(|| ids_from_config(&config, "services"));
        filter.desks = filter.desks.or_else(|| ids_from_config(&config, "desks"));
    }
    let ws = ws.map_err(|e| AppError::Rejected(e.status(), e.body_text()))?;
    let tasks = state.tasks.clone();
    let since = query.since;
    let device_id = match who {
        Principal::Device { id, .. } => Some(id),
        Principal::User { .. } => None,
    };
    let holder = Holder { token, who };
    // Clients send next to nothing (pongs, a close): a small read buffer
    // keeps a thousand idle displays cheap (the default is 128 KiB each).
    Ok(ws
        .max_message_size(16 * 1024)
        .read_buffer_size(4 * 1024)
        .on_upgrade(move |socket| {
            tasks.track_future(session(
                state, socket, branch_id, filter, since, device_id, holder,
            ))
        }))
}

async fn take_snapshot(state: &AppState, branch_id: i64, filter: &Filter) -> Result<Snapshot> {
    state
        .db
        .hub()
        .models()
        .current(&state.db, branch_id)
        .await?
        .with(|m| m.snapshot(filter))
        .ok_or(AppError::NotFound("branch"))
}

async fn events_after(
    state: &AppState,
    branch_id: i64,
    after: i64,
    up_to: i64,
) -> Result<Vec<Event>> {
    read!(state.db, |c| events::between(c, branch_id, after, up_to)
        .await)
}

/// The branch's latest seq: a point read, run on every heartbeat of every
/// socket.
async fn head(state: &AppState, branch_id: i64) -> Result<i64> {
    lookup!(state.db, |c| desks::branch_head(c, branch_id).await)
}

/// Per-connection delivery state.
struct Cursor {
    /// Seq of the last event accounted for (sent or filtered out).
    last: i64,
    /// Seq of the last message sent (the next message's `prev_seq`).
    sent: i64,
}

enum Stop {
    Closed,
}

async fn send_text<S>(tx: &mut S, text: String) -> std::result::Result<(), Stop>
where
    S: futures_util::Sink<Message> + Unpin,
{
    match tokio::time::timeout(SEND_TIMEOUT, tx.send(Message::Text(Utf8Bytes::from(text)))).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(Stop::Closed),
    }
}

async fn send_snapshot<S>(
    state: &AppState,
    tx: &mut S,
    branch_id: i64,
    filter: &Filter,
    cur: &mut Cursor,
) -> std::result::Result<(), Stop>
where
    S: futures_util::Sink<Message> + Unpin,
{
    let snap = take_snapshot(state, branch_id, filter)
        .await
        .map_err(|_| Stop::Closed)?;
    let seq = snap.seq;
    let text = serde_json::to_string(&snap).map_err(|_| Stop::Closed)?;
    send_text(tx, text).await?;
    cur.last = seq;
    cur.sent = seq;
    Ok(())
}

async fn send_event<S>(
    tx: &mut S,
    filter: &Filter,
    cur: &mut Cursor,
    event: &Event,
) -> std::result::Result<(), Stop>
where
    S: futures_util::Sink<Message> + Unpin,
{
    if filter.accepts(event) {
        let message = if filter.staff {
            Some(event.message(cur.sent))
        } else {
            event.device_message(cur.sent)
        };
        if let Some(message) = message {
            send_text(tx, message).await?;
            cur.sent = event.seq;
        }
    }
    cur.last = event.seq;
    Ok(())
}

/// How often a connected device's `last_seen_at` is refreshed, so managers
/// can tell a display that is on from one that is off.
pub const SEEN_EVERY: Duration = Duration::from_secs(60);

async fn mark_seen(state: &AppState, device_id: Option<i64>) {
    let Some(id) = device_id else { return };
    let now = crate::now_ms();
    let result = write!(state.db, |c, _out| async move {
        crate::domain::devices::mark_seen(c, id, now).await
    });
    if let Err(e) = result {
        tracing::debug!(error = %e, device = id, "recording a device as seen");
    }
}

/// The credential a socket was opened with, checked again while it is open.
struct Holder {
    /// The token as presented (header or `?token=`).
    token: String,
    /// Who it resolved to when the socket opened.
    who: Principal,
}

/// Whether the holder's token still resolves to the same principal. A
/// database error is not a revocation: the socket stays open and the check
/// runs again later.
async fn still_valid(state: &AppState, holder: &Holder) -> bool {
    let token = holder.token.clone();
    let now = crate::now_ms();
    match lookup!(state.db, |c| crate::domain::auth::authenticate(
        c, &token, now
    )
    .await)
    {
        Ok(who) => who == holder.who,
        Err(AppError::Unauthorized) => false,
        Err(_) => true,
    }
}

/// Moves hub events into a connection's own bounded queue, so a stalled
/// connection holds at most [`MAX_BEHIND`] events and never pins the hub's
/// ring buffer. When the queue is full or the hub overtook the pump, it sets
/// `overflowed` and ends; the session sees the flag (or the closed queue)
/// and starts over from a snapshot. Also ends when the session drops its
/// receiver.
async fn pump(
    mut events: tokio::sync::broadcast::Receiver<Arc<Event>>,
    queue: tokio::sync::mpsc::Sender<Arc<Event>>,
    overflowed: Arc<std::sync::atomic::AtomicBool>,
    branch_id: i64,
) {
    use std::sync::atomic::Ordering;
    loop {
        let event = tokio::select! {
            () = queue.closed() => return,
            received = events.recv() => received,
        };
        match event {
            Ok(event) if event.branch_id != branch_id => {}
            Ok(event) => match queue.try_send(event) {
                Ok(()) => {}
                Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => {
                    overflowed.store(true, Ordering::Release);
                    return;
                }
                Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => return,
            },
            Err(RecvError::Lagged(_)) => {
                overflowed.store(true, Ordering::Release);
                return;
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// A session's view of the hub: the pump task and its queue.
struct Feed {
    queue: tokio::sync::mpsc::Receiver<Arc<Event>>,
    overflowed: Arc<std::sync::atomic::AtomicBool>,
    pump: tokio::task::JoinHandle<()>,
}

impl Feed {
    fn start(state: &AppState, branch_id: i64) -> Feed {
        let (tx, queue) = tokio::sync::mpsc::channel(MAX_BEHIND);
        let overflowed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let events = state.db.hub().subscribe();
        let pump = tokio::spawn(pump(events, tx, overflowed.clone(), branch_id));
        Feed {
            queue,
            overflowed,
            pump,
        }
    }

    fn overflowed(&self) -> bool {
        self.overflowed.load(std::sync::atomic::Ordering::Acquire)
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

#[allow(clippy::too_many_arguments)]
async fn session(
    state: AppState,
    socket: WebSocket,
    branch_id: i64,
    filter: Filter,
    since: Option<i64>,
    device_id: Option<i64>,
    holder: Holder,
) {
    mark_seen(&state, device_id).await;
    let mut last_marked = Instant::now();
    let (mut tx, mut rx) = socket.split();
    // Subscribe before reading the snapshot or the replay, so that every
    // event committed from here on is either in them or in the feed.
    let mut feed = Feed::start(&state, branch_id);
    let mut cur = Cursor { last: 0, sent: 0 };
    let started = async {
        match since {
            Some(since) => {
                let head = head(&state, branch_id).await.map_err(|_| Stop::Closed)?;
                if since <= head && head - since <= REPLAY_LIMIT {
                    cur.last = since;
                    cur.sent = since;
                    for e in events_after(&state, branch_id, since, head)
                        .await
                        .map_err(|_| Stop::Closed)?
                    {
                        send_event(&mut tx, &filter, &mut cur, &e).await?;
                    }
                    Ok(())
                } else {
                    send_snapshot(&state, &mut tx, branch_id, &filter, &mut cur).await
                }
            }
            None => send_snapshot(&state, &mut tx, branch_id, &filter, &mut cur).await,
        }
    }
    .await;
    if started.is_err() {
        return;
    }
    let mut heartbeat = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
    let mut reauth = tokio::time::interval_at(Instant::now() + REAUTH_EVERY, REAUTH_EVERY);
    let mut heard = Instant::now();
    let shutdown = state.shutdown.clone();
    let mut pending: VecDeque<Arc<Event>> = VecDeque::new();
    loop {
        let step: std::result::Result<(), Stop> = tokio::select! {
            () = shutdown.cancelled() => {
                close(&mut tx, 1012, "server restarting").await;
                return;
            }
            received = feed.queue.recv() => match received {
                Some(event) if !feed.overflowed() => {
                    pending.push_back(event);
                    // Drain what is already queued without waiting.
                    while let Ok(e) = feed.queue.try_recv() {
                        pending.push_back(e);
                    }
                    deliver(&state, &mut tx, branch_id, &filter, &mut cur, &mut pending).await
                }
                _ => {
                    // Too far behind: start over from a snapshot with a
                    // fresh feed, subscribed before the snapshot is read.
                    pending.clear();
                    feed = Feed::start(&state, branch_id);
                    send_snapshot(&state, &mut tx, branch_id, &filter, &mut cur).await
                }
            },
            incoming = rx.next() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Err(Stop::Closed),
                Some(Ok(_)) => {
                    heard = Instant::now();
                    Ok(())
                }
            },
            _ = reauth.tick() => {
                if still_valid(&state, &holder).await {
                    Ok(())
                } else {
                    close(&mut tx, 1008, "signed out").await;
                    return;
                }
            }
            _ = heartbeat.tick() => {
                if last_marked.elapsed() >= SEEN_EVERY {
                    mark_seen(&state, device_id).await;
                    last_marked = Instant::now();
                }
                if heard.elapsed() > DEAD_AFTER {
                    Err(Stop::Closed)
                } else {
                    beat(&state, &mut tx, branch_id, &filter, &mut cur).await
                }
            }
        };
        if step.is_err() {
            break;
        }
    }
}

async fn close<S>(tx: &mut S, code: u16, reason: &'static str)
where
    S: futures_util::Sink<Message> + Unpin,
{
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    let _ =
        tokio::time::timeout(Duration::from_secs(1), tx.send(Message::Close(Some(frame)))).await;
}

/// A ping and a heartbeat carrying the branch's head seq. Events committed
/// but never published here (a PostgreSQL listener that was away) are
/// relayed from the event table first, so a quiet office converges within
/// one heartbeat.
async fn beat<S>(
    state: &AppState,
    tx: &mut S,
    branch_id: i64,
    filter: &Filter,
    cur: &mut Cursor,
) -> std::result::Result<(), Stop>
where
    S: futures_util::Sink<Message> + Unpin,
{
    match tokio::time::timeout(SEND_TIMEOUT, tx.send(Message::Ping(Default::default()))).await {
        Ok(Ok(())) => {}
        _ => return Err(Stop::Closed),
    }
    let head = head(state, branch_id).await.ok();
    if let Some(head) = head
        && head > cur.last
    {
        if head - cur.last > REPLAY_LIMIT {
            send_snapshot(state, tx, branch_id, filter, cur).await?;
        } else if let Ok(missing) = events_after(state, branch_id, cur.last, head).await {
            for e in &missing {
                send_event(tx, filter, cur, e).await?;
            }
        }
    }
    let beat = Heartbeat {
        kind: Default::default(),
        seq: cur.last,
        prev_seq: cur.sent,
        head,
    };
    send_text(tx, serde_json::to_string(&beat).unwrap_or_default()).await
}

async fn deliver<S>(
    state: &AppState,
    tx: &mut S,
    branch_id: i64,
    filter: &Filter,
    cur: &mut Cursor,
    pending: &mut VecDeque<Arc<Event>>,
) -> std::result::Result<(), Stop>
where
    S: futures_util::Sink<Message> + Unpin,
{
    while let Some(event) = pending.pop_front() {
        if event.branch_id != branch_id || event.seq <= cur.last {
            continue;
        }
        if event.seq > cur.last + 1 {
            // Events this instance never published (a PostgreSQL listener
            // that was away), or filtered by a lagging hub: fetch what is
            // missing from the event table.
            let missing = events_after(state, branch_id, cur.last, event.seq - 1)
                .await
                .map_err(|_| Stop::Closed)?;
            for e in &missing {
                send_event(tx, filter, cur, e).await?;
            }
            if cur.last != event.seq - 1 {
                return send_snapshot(state, tx, branch_id, filter, cur).await;
            }
        }
        send_event(tx, filter, cur, &event).await?;
    }
    Ok(())
}

/// Live routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(live))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Hub;
    use serde_json::json;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn event(branch_id: i64, seq: i64) -> Event {
        serde_json::from_value(json!({
            "branch_id": branch_id, "seq": seq, "type": "ticket.issued", "ticket_id": null,
            "desk_id": null, "payload": "{}", "actor": "system", "at": 0, "prev_hash": "", "hash": "",
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn a_stalled_reader_holds_at_most_max_behind_events() {
        let hub = Hub::new(4096);
        let (tx, queue) = tokio::sync::mpsc::channel(MAX_BEHIND);
        let overflowed = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(pump(hub.subscribe(), tx, overflowed.clone(), 1));
        for seq in 1..=1000 {
            hub.publish_one(event(1, seq));
            // Other branches' events are not queued at all.
            hub.publish_one(event(2, seq));
            tokio::task::yield_now().await;
        }
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the pump gives up on a stalled reader")
            .unwrap();
        assert!(overflowed.load(Ordering::Acquire));
        assert_eq!(queue.len(), MAX_BEHIND);
        // Nothing is held in the hub's ring on the stalled reader's behalf.
        assert_eq!(hub.receiver_count(), 0);
    }

    #[tokio::test]
    async fn a_reader_that_keeps_up_gets_every_event_of_its_branch() {
        let hub = Hub::new(64);
        let (tx, mut queue) = tokio::sync::mpsc::channel(MAX_BEHIND);
        let overflowed = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(pump(hub.subscribe(), tx, overflowed.clone(), 1));
        for seq in 1..=500 {
            hub.publish_one(event(1, seq));
            hub.publish_one(event(2, seq));
            let got = queue.recv().await.unwrap();
            assert_eq!((got.branch_id, got.seq), (1, seq));
        }
        assert!(!overflowed.load(Ordering::Acquire));
        drop(queue);
        hub.publish_one(event(1, 501));
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the pump ends with its session")
            .unwrap();
    }
}
