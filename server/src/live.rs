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
//! * `{"type":"heartbeat","seq":N}` every 10 s (plus a websocket ping), so
//!   browsers can tell a dead connection from a quiet office.
//! * Reconnecting with `?since=N` replays the events after N from the event
//!   table, or sends a fresh snapshot when N is too old.
//!
//! Each connection subscribes to the hub before it reads its snapshot, so
//! nothing falls between the two. A client that cannot keep up is not
//! buffered without bound: when the hub's ring buffer overtakes it, it gets
//! a fresh snapshot; when its socket stops taking data for 10 s, it is
//! closed (and resumes on reconnect). Sockets are tracked on the server's
//! task tracker and closed with status 1012 at shutdown.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt as _, StreamExt as _};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::Principal;
use crate::branches;
use crate::db::{Exec, q, read, write};
use crate::desks::{self, DeskRow};
use crate::error::{AppError, AppPath, AppQuery, Result};
use crate::events::Event;
use crate::services;
use crate::tickets::{self, Ticket};

/// Version of the message format.
pub const PROTOCOL: u32 = 1;
/// How often a heartbeat and a ping are sent.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// A client not heard from (pong or message) for this long is closed.
pub const DEAD_AFTER: Duration = Duration::from_secs(25);
/// A send that cannot complete in this time closes the connection.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// The most events replayed on resume; older resumes get a snapshot.
pub const REPLAY_LIMIT: i64 = 2000;
/// Calls kept in the snapshot's `calls` list (newest first).
pub const RECENT_CALLS: usize = 10;

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

/// What a connection shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Services shown; `None` for all.
    pub services: Option<BTreeSet<i64>>,
    /// Desks shown; `None` for all.
    pub desks: Option<BTreeSet<i64>>,
    /// Whether staff-only events (users, devices) are shown.
    pub staff: bool,
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

impl Filter {
    fn service_ok(&self, id: Option<i64>) -> bool {
        match (&self.services, id) {
            (Some(set), Some(id)) => set.contains(&id),
            _ => true,
        }
    }

    fn desk_ok(&self, id: Option<i64>) -> bool {
        match (&self.desks, id) {
            (Some(set), Some(id)) => set.contains(&id),
            _ => true,
        }
    }

    /// Whether a client with this filter receives `event`.
    pub fn accepts(&self, event: &Event) -> bool {
        if !self.staff && (event.kind.starts_with("user.") || event.kind.starts_with("device.")) {
            return false;
        }
        let data = event.data();
        if let Some(ticket) = data.get("ticket") {
            return self.service_ok(ticket["service_id"].as_i64()) && self.desk_ok(event.desk_id);
        }
        if event.kind.starts_with("desk.") {
            return self.desk_ok(event.desk_id);
        }
        if event.kind.starts_with("service.") {
            return self.service_ok(data["id"].as_i64());
        }
        true
    }
}

/// Opens a live stream of the branch (staff and devices of the branch).
#[utoipa::path(get, path = "/api/v1/branches/{id}/live", tag = "live",
    params(("id" = i64, Path, description = "Branch id"), LiveQuery),
    responses((status = 101, description = "Switching to the websocket protocol"),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn live(
    State(state): State<AppState>,
    who: Principal,
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
            Principal::Device { id, .. } => {
                crate::devices::get(c, id).await.map(|d| Some(d.config))
            }
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
    // Clients send next to nothing (pongs, a close): a small read buffer
    // keeps a thousand idle displays cheap (the default is 128 KiB each).
    Ok(ws
        .max_message_size(16 * 1024)
        .read_buffer_size(4 * 1024)
        .on_upgrade(move |socket| {
            tasks.track_future(session(state, socket, branch_id, filter, since, device_id))
        }))
}

/// A call as shown on displays.
pub fn call_entry(event: &Event) -> Option<Value> {
    if event.kind != "ticket.called" && event.kind != "ticket.recalled" {
        return None;
    }
    let data = event.data();
    Some(json!({
        "seq": event.seq,
        "recall": event.kind == "ticket.recalled",
        "ticket_id": event.ticket_id,
        "number": data["ticket"]["number"],
        "service_id": data["ticket"]["service_id"],
        "desk_id": event.desk_id,
        "desk_name": data["desk"]["name"],
        "at": event.at,
    }))
}

/// Builds the snapshot of a branch's live state, filtered. Runs as a write
/// holding the branch lock, so its seq and its content agree on both
/// backends.
///
/// # Errors
/// Database errors; an unknown branch.
pub async fn snapshot<C: Exec>(c: &mut C, branch_id: i64, filter: &Filter) -> Result<Value> {
    let branch = branches::lock(c, branch_id).await?;
    let mut services_out = Vec::new();
    for s in services::list(c, branch_id).await? {
        if !s.active || !filter.service_ok(Some(s.id)) {
            continue;
        }
        let summary = tickets::service_summary(c, s.id).await?;
        let mut v = serde_json::to_value(s.to_api()).unwrap_or_default();
        if let (Some(map), Value::Object(extra)) = (
            v.as_object_mut(),
            serde_json::to_value(summary).unwrap_or_default(),
        ) {
            map.extend(extra);
        }
        services_out.push(v);
    }
    let desks_rows: Vec<DeskRow> = c
        .all(q("select id, branch_id, name, status, pause_reason, calls_since_priority, current_ticket_id, user_id, active, created_at
                from desks where branch_id = $1 order by name").bind(branch_id))
        .await?;
    let desks_out: Vec<&DeskRow> = desks_rows
        .iter()
        .filter(|d| filter.desk_ok(Some(d.id)))
        .collect();
    let open: Vec<(i64,)> = c
        .all(q("select id from tickets where branch_id = $1 and status in ('waiting', 'called', 'serving', 'parked') order by id")
            .bind(branch_id))
        .await?;
    let mut tickets_out = Vec::new();
    for (id,) in open {
        let t: Ticket = tickets::get(c, id).await?;
        if filter.service_ok(Some(t.service_id)) && filter.desk_ok(t.desk_id) {
            tickets_out.push(t.public_view());
        }
    }
    let recent: Vec<Event> = c
        .all(q("select branch_id, seq, type, ticket_id, desk_id, payload, actor, at, prev_hash, hash from events
                where branch_id = $1 and type in ('ticket.called', 'ticket.recalled') order by seq desc limit 200")
            .bind(branch_id))
        .await?;
    let calls: Vec<Value> = recent
        .iter()
        .filter(|e| filter.accepts(e))
        .filter_map(call_entry)
        .take(RECENT_CALLS)
        .collect();
    let mut branch_view = serde_json::to_value(branch.to_api()).unwrap_or_default();
    // The head moves with every event; the snapshot's own seq says it.
    if let Some(map) = branch_view.as_object_mut() {
        map.remove("event_seq");
    }
    Ok(json!({
        "type": "snapshot",
        "protocol": PROTOCOL,
        "seq": branch.event_seq,
        "branch": branch_view,
        "services": services_out,
        "desks": desks_out,
        "tickets": tickets_out,
        "calls": calls,
    }))
}

async fn take_snapshot(state: &AppState, branch_id: i64, filter: &Filter) -> Result<Value> {
    let filter = filter.clone();
    write!(state.db, |c, _out| async move {
        snapshot(c, branch_id, &filter).await
    })
}

async fn events_after(
    state: &AppState,
    branch_id: i64,
    after: i64,
    up_to: i64,
) -> Result<Vec<Event>> {
    read!(state.db, |c| {
        c
        .all(q("select branch_id, seq, type, ticket_id, desk_id, payload, actor, at, prev_hash, hash from events
                where branch_id = $1 and seq > $2 and seq <= $3 order by seq")
            .bind(branch_id)
            .bind(after)
            .bind(up_to))
        .await
        .map_err(AppError::from)
    })
}

async fn head(state: &AppState, branch_id: i64) -> Result<i64> {
    read!(state.db, |c| desks::branch_head(c, branch_id).await)
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
    let seq = snap["seq"].as_i64().unwrap_or(0);
    send_text(tx, snap.to_string()).await?;
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
        send_text(tx, event.message(cur.sent)).await?;
        cur.sent = event.seq;
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
        c.run(
            q("update devices set last_seen_at = $2 where id = $1")
                .bind(id)
                .bind(now),
        )
        .await?;
        Ok(())
    });
    if let Err(e) = result {
        tracing::debug!(error = %e, device = id, "recording a device as seen");
    }
}

async fn session(
    state: AppState,
    socket: WebSocket,
    branch_id: i64,
    filter: Filter,
    since: Option<i64>,
    device_id: Option<i64>,
) {
    mark_seen(&state, device_id).await;
    let mut last_marked = Instant::now();
    let (mut tx, mut rx) = socket.split();
    // Subscribe before reading the snapshot or the replay, so that every
    // event committed from here on is either in them or in `events`.
    let mut events = state.db.hub().subscribe();
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
    let mut heard = Instant::now();
    let shutdown = state.shutdown.clone();
    let mut pending: VecDeque<Arc<Event>> = VecDeque::new();
    loop {
        let step: std::result::Result<(), Stop> = tokio::select! {
            () = shutdown.cancelled() => {
                let frame = CloseFrame { code: 1012, reason: Utf8Bytes::from_static("server restarting") };
                let _ = tokio::time::timeout(Duration::from_secs(1), tx.send(Message::Close(Some(frame)))).await;
                return;
            }
            received = events.recv() => match received {
                Ok(event) => {
                    pending.push_back(event);
                    // Drain what is already queued without waiting.
                    while let Ok(e) = events.try_recv() {
                        pending.push_back(e);
                    }
                    deliver(&state, &mut tx, branch_id, &filter, &mut cur, &mut pending).await
                }
                Err(RecvError::Lagged(_)) => {
                    pending.clear();
                    send_snapshot(&state, &mut tx, branch_id, &filter, &mut cur).await
                }
                Err(RecvError::Closed) => Err(Stop::Closed),
            },
            incoming = rx.next() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Err(Stop::Closed),
                Some(Ok(_)) => {
                    heard = Instant::now();
                    Ok(())
                }
            },
            _ = heartbeat.tick() => {
                if last_marked.elapsed() >= SEEN_EVERY {
                    mark_seen(&state, device_id).await;
                    last_marked = Instant::now();
                }
                if heard.elapsed() > DEAD_AFTER {
                    Err(Stop::Closed)
                } else {
                    match tokio::time::timeout(SEND_TIMEOUT, tx.send(Message::Ping(Default::default()))).await {
                        Ok(Ok(())) => send_text(&mut tx, json!({ "type": "heartbeat", "seq": cur.last, "prev_seq": cur.sent }).to_string()).await,
                        _ => Err(Stop::Closed),
                    }
                }
            }
        };
        if step.is_err() {
            break;
        }
    }
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
            // Never expected (the hub publishes each branch in order), but
            // cheap to repair: fetch what is missing from the event table.
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
