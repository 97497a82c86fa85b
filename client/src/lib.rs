//! Client for Waitwell's live stream (`GET /api/v1/branches/{id}/live`).
//!
//! [`LiveClient`] keeps one websocket open to one of a list of servers,
//! reconnects with exponential back-off when it drops, resumes with
//! `?since=` from the last seq it accounted for, checks every message's
//! `prev_seq` and reconnects if anything was missed. [`LiveState`] applies
//! snapshots and events to the same state the server's snapshot describes,
//! so a client that reconnected holds exactly what one that never
//! disconnected holds.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
pub use waitwell_proto as proto;
use waitwell_proto::live::{Call, DeskEntry, TicketEntry};
use waitwell_proto::{
    Branch, EventData, EventMessage, ServiceSummary, ServiceWithSummary, Snapshot,
};

/// Calls kept in [`LiveState::calls`], as in the server's snapshot.
pub const RECENT_CALLS: usize = 10;

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// Base URLs of the servers, e.g. `http://127.0.0.1:8080`; tried in
    /// turn when one fails.
    pub servers: Vec<String>,
    /// Branch to follow.
    pub branch_id: i64,
    /// Device or session token.
    pub token: String,
    /// Only these services (server-side filter).
    pub services: Option<Vec<i64>>,
    /// Only these desks (server-side filter).
    pub desks: Option<Vec<i64>>,
    /// First reconnect delay; doubles up to `max_backoff`.
    pub min_backoff: Duration,
    /// Longest reconnect delay.
    pub max_backoff: Duration,
    /// Reconnect when nothing (not even a heartbeat) arrives for this long.
    pub silence_timeout: Duration,
    /// Where the first connection resumes: the seq of the last event the
    /// caller already handled (kept across restarts, for example). The
    /// server replays the events after it, or starts with a snapshot when it
    /// no longer can. `None` starts with a snapshot.
    pub since: Option<i64>,
}

impl LiveConfig {
    /// Defaults: back-off 100 ms to 10 s, silence timeout 30 s.
    pub fn new(servers: Vec<String>, branch_id: i64, token: impl Into<String>) -> LiveConfig {
        LiveConfig {
            servers,
            branch_id,
            token: token.into(),
            services: None,
            desks: None,
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
            silence_timeout: Duration::from_secs(30),
            since: None,
        }
    }

    fn url(&self, server: &str, since: Option<i64>) -> String {
        let base = server
            .trim_end_matches('/')
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1);
        let mut url = format!(
            "{base}/api/v1/branches/{}/live?token={}",
            self.branch_id, self.token
        );
        let list = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        if let Some(s) = &self.services {
            url.push_str(&format!("&services={}", list(s)));
        }
        if let Some(d) = &self.desks {
            url.push_str(&format!("&desks={}", list(d)));
        }
        if let Some(since) = since {
            url.push_str(&format!("&since={since}"));
        }
        url
    }
}

/// What the client reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// Connected to this server.
    Connected(String),
    /// A snapshot (first message, or after falling behind).
    Snapshot(Value),
    /// An event, in order.
    Event(Value),
    /// The connection ended; the client will reconnect.
    Disconnected(String),
}

/// A live stream that survives disconnects. Dropping it stops the
/// background task.
pub struct LiveClient {
    updates: mpsc::Receiver<Update>,
    task: JoinHandle<()>,
}

impl Drop for LiveClient {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl LiveClient {
    /// Starts connecting in the background.
    pub fn start(config: LiveConfig) -> LiveClient {
        let (tx, updates) = mpsc::channel(1024);
        let task = tokio::spawn(run(config, tx));
        LiveClient { updates, task }
    }

    /// The next update; `None` only after the task ended.
    pub async fn next(&mut self) -> Option<Update> {
        self.updates.recv().await
    }
}

/// Why one connection ended.
#[derive(Debug)]
enum End {
    /// Worth retrying.
    Retry(String),
    /// The consumer went away.
    Stop,
}

async fn run(config: LiveConfig, tx: mpsc::Sender<Update>) {
    let mut since: Option<i64> = config.since;
    let mut backoff = config.min_backoff;
    let mut server = 0;
    let mut attempt: u64 = 0;
    loop {
        let url = config.servers[server % config.servers.len().max(1)].clone();
        match connection(&config, &url, &mut since, &tx, &mut backoff).await {
            End::Stop => return,
            End::Retry(reason) => {
                if tx.send(Update::Disconnected(reason)).await.is_err() {
                    return;
                }
            }
        }
        // Jitter spreads the reconnects of many displays after an outage.
        attempt += 1;
        let jitter = Duration::from_millis(attempt.wrapping_mul(7919) % 97);
        tokio::time::sleep(backoff + jitter).await;
        backoff = (backoff * 2).min(config.max_backoff);
        server += 1;
    }
}

async fn connection(
    config: &LiveConfig,
    server: &str,
    since: &mut Option<i64>,
    tx: &mpsc::Sender<Update>,
    backoff: &mut Duration,
) -> End {
    let url = config.url(server, *since);
    let connect = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::connect_async(url.as_str()),
    );
    let (mut ws, _) = match connect.await {
        Ok(Ok(ok)) => ok,
        Ok(Err(e)) => return End::Retry(format!("connecting to {server}: {e}")),
        Err(_) => return End::Retry(format!("connecting to {server}: timed out")),
    };
    if tx.send(Update::Connected(server.to_owned())).await.is_err() {
        return End::Stop;
    }
    // `prev_seq` of the next message must equal the seq of the last one
    // received; on resume that is the seq we resumed from.
    let mut last_sent = *since;
    loop {
        let next = tokio::time::timeout(config.silence_timeout, ws.next()).await;
        let message = match next {
            Err(_) => return End::Retry("no message or heartbeat for too long".into()),
            Ok(None) => return End::Retry("the server closed the connection".into()),
            Ok(Some(Err(e))) => return End::Retry(format!("connection error: {e}")),
            Ok(Some(Ok(m))) => m,
        };
        let text = match message {
            Message::Text(t) => t,
            Message::Ping(p) => {
                let _ = ws.send(Message::Pong(p)).await;
                continue;
            }
            Message::Close(frame) => {
                return End::Retry(format!("closed by the server: {frame:?}"));
            }
            _ => continue,
        };
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            return End::Retry("unreadable message".into());
        };
        let seq = value["seq"].as_i64();
        match value["type"].as_str() {
            Some("snapshot") => {
                *since = seq;
                last_sent = seq;
                *backoff = config.min_backoff;
                if tx.send(Update::Snapshot(value)).await.is_err() {
                    return End::Stop;
                }
            }
            Some("heartbeat") => {
                if value["prev_seq"].as_i64() != last_sent {
                    return End::Retry("heartbeat shows a missed event".into());
                }
                // `head` is the branch's latest seq in the database.
                if let (Some(head), Some(at)) = (value["head"].as_i64(), seq)
                    && head > at
                {
                    return End::Retry("heartbeat shows the branch is ahead".into());
                }
                *since = seq;
            }
            Some(_) => {
                if last_sent.is_some() && value["prev_seq"].as_i64() != last_sent {
                    // Resume from the last event we know we hold.
                    *since = last_sent;
                    return End::Retry("an event is missing; resuming".into());
                }
                *since = seq;
                last_sent = seq;
                *backoff = config.min_backoff;
                if tx.send(Update::Event(value)).await.is_err() {
                    return End::Stop;
                }
            }
            None => return End::Retry("message without a type".into()),
        }
    }
}

/// A branch's live state, as the snapshot describes it, in the wire types
/// of `waitwell-proto` (the same the server sends).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LiveState {
    /// Seq of the last snapshot or event applied.
    pub seq: i64,
    /// The branch (without `event_seq`; `seq` says it).
    pub branch: Option<Branch>,
    /// Active services with their queue summary, by id.
    pub services: BTreeMap<i64, ServiceWithSummary>,
    /// Desks, by id.
    pub desks: BTreeMap<i64, DeskEntry>,
    /// Open tickets (waiting, called, serving, parked), by id.
    pub tickets: BTreeMap<i64, TicketEntry>,
    /// Latest calls, newest first.
    pub calls: VecDeque<Call>,
}

impl LiveState {
    /// Applies a snapshot or an event message. A message that is not one
    /// of the protocol's types changes nothing (and is logged).
    pub fn apply(&mut self, message: &Value) {
        match message["type"].as_str() {
            Some("snapshot") => match serde_json::from_value::<Snapshot>(message.clone()) {
                Ok(s) => self.reset(s),
                Err(e) => tracing::warn!("unreadable snapshot: {e}"),
            },
            Some("heartbeat") => {}
            _ => match serde_json::from_value::<EventMessage>(message.clone()) {
                Ok(event) => self.event(event),
                Err(e) => tracing::warn!("unreadable event: {e}"),
            },
        }
    }

    fn reset(&mut self, s: Snapshot) {
        self.seq = s.seq;
        self.branch = Some(s.branch);
        self.services = s.services.into_iter().map(|v| (v.service.id, v)).collect();
        self.desks = s.desks.into_iter().map(|d| (d.id(), d)).collect();
        self.tickets = s.tickets.into_iter().map(|t| (t.id(), t)).collect();
        self.calls = s.calls.into();
    }

    fn event(&mut self, event: EventMessage) {
        self.seq = event.seq;
        match event.data {
            EventData::TicketCalled(ref change) | EventData::TicketRecalled(ref change) => {
                self.calls.push_front(Call {
                    seq: event.seq,
                    recall: matches!(event.data, EventData::TicketRecalled(_)),
                    ticket_id: event.ticket_id,
                    number: change.ticket.number().to_owned(),
                    service_id: change.ticket.service_id(),
                    desk_id: event.desk_id,
                    desk_name: change.desk.as_ref().map(|d| d.name().to_owned()),
                    desk_names: change
                        .desk
                        .as_ref()
                        .map(|d| d.names().clone())
                        .unwrap_or_default(),
                    at: event.at,
                });
                self.calls.truncate(RECENT_CALLS);
            }
            EventData::ServiceCreated(ref change) | EventData::ServiceUpdated(ref change) => {
                if change.service.active {
                    let entry =
                        ServiceWithSummary::new(change.service.clone(), change.summary.clone());
                    self.services.insert(change.service.id, entry);
                } else {
                    self.services.remove(&change.service.id);
                }
            }
            EventData::BranchUpdated(ref branch) => {
                self.branch = Some(Branch {
                    event_seq: None,
                    ..branch.clone()
                });
            }
            _ => {}
        }
        if let Some(change) = event.data.ticket_change() {
            for t in std::iter::once(&change.ticket).chain(change.new_ticket.as_ref()) {
                if is_open(t.status()) {
                    self.tickets.insert(t.id(), t.clone());
                } else {
                    self.tickets.remove(&t.id());
                }
            }
            if let Some(desk) = &change.desk {
                self.desks.insert(desk.id(), desk.clone());
            }
            self.summary(&change.service);
        }
        if let Some(change) = event.data.desk_change() {
            self.desks.insert(change.desk.id(), change.desk.clone());
            for summary in &change.services {
                self.summary(summary);
            }
        }
    }

    /// A service's new queue summary.
    fn summary(&mut self, summary: &ServiceSummary) {
        if let Some(service) = self.services.get_mut(&summary.id) {
            service.waiting = summary.waiting;
            service.estimated_wait_s = summary.estimated_wait_s;
            service.open_desks = summary.open_desks;
        }
    }
}

/// Whether a ticket with this status belongs in the live state.
fn is_open(status: &str) -> bool {
    waitwell_proto::TicketStatus::OPEN
        .iter()
        .any(|s| s.as_str() == status)
}
