//! The event log: every change of state is an [`Event`] row, written in the
//! same transaction as the change, numbered per branch and chained by
//! SHA-256 to the branch's previous event so that any edit of history shows.
//!
//! Writers append with [`append`] into an [`Outbox`]; after the commit the
//! storage layer hands the outbox to the [`Hub`], which broadcasts to live
//! clients. [`verify`] recomputes a branch's chain (`waitwell audit verify`);
//! [`anchor`] signs chain heads with a key kept outside the database.

use serde::Serialize;
use sha2::{Digest, Sha256};
pub use waitwell_proto::EventData;

use crate::store::{Exec, sql};

pub mod anchor;
mod hub;
use crate::error::Result;
pub use hub::Hub;

/// Who caused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user.
    User(i64),
    /// A kiosk or display.
    Device(i64),
    /// The server itself (day-end expiry, demo seeding).
    System,
}

impl Actor {
    /// The stored form: `user:7`, `device:3`, `system`.
    pub fn as_text(self) -> String {
        match self {
            Actor::User(id) => format!("user:{id}"),
            Actor::Device(id) => format!("device:{id}"),
            Actor::System => "system".to_owned(),
        }
    }
}

/// One committed change, as stored and as sent to live clients.
#[derive(
    Debug, Clone, PartialEq, Serialize, sqlx::FromRow, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Event {
    /// Branch whose log this is.
    pub branch_id: i64,
    /// Position in the branch's log, from 1, without gaps.
    pub seq: i64,
    /// What happened, e.g. `ticket.called`.
    #[serde(rename = "type")]
    #[sqlx(rename = "type")]
    pub kind: String,
    /// The ticket concerned, if any.
    pub ticket_id: Option<i64>,
    /// The desk concerned, if any.
    pub desk_id: Option<i64>,
    /// JSON text of what changed (usually the object after the change).
    /// Not part of the JSON form, but read from the row.
    #[serde(skip_serializing)]
    pub payload: String,
    /// `user:ID`, `device:ID` or `system`.
    pub actor: String,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// Hash of the previous event ("" for the first).
    pub prev_hash: String,
    /// SHA-256 over `prev_hash` and this event's fields, hex.
    pub hash: String,
    /// The live-stream form, serialised once and shared by every client.
    #[serde(skip)]
    #[sqlx(skip)]
    wire: std::sync::OnceLock<String>,
    /// The parsed payload, parsed once however many clients filter on it.
    #[serde(skip)]
    #[sqlx(skip)]
    parsed: std::sync::OnceLock<serde_json::Value>,
    /// The devices' live-stream form (`projection.rs`), or `None` when
    /// devices do not receive this event; serialised once.
    #[serde(skip)]
    #[sqlx(skip)]
    device_wire: std::sync::OnceLock<Option<String>>,
}

impl Event {
    /// The payload as JSON (null if it is not valid JSON, which only a
    /// tampered database can produce).
    pub fn data(&self) -> &serde_json::Value {
        self.parsed
            .get_or_init(|| serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null))
    }

    /// This event as a JSON object for clients: every field plus `data`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.insert("data".into(), self.data().clone());
        }
        value
    }

    /// The event as a live-stream message body without `prev_seq`: a JSON
    /// object `{"type","seq","branch_id","ticket_id","desk_id","actor","at","data"}`.
    /// Computed once per event, however many clients receive it.
    pub fn wire(&self) -> &str {
        self.wire.get_or_init(|| {
            serde_json::json!({
                "type": self.kind,
                "seq": self.seq,
                "branch_id": self.branch_id,
                "ticket_id": self.ticket_id,
                "desk_id": self.desk_id,
                "actor": self.actor,
                "at": self.at,
                "data": self.data(),
            })
            .to_string()
        })
    }

    /// The live-stream message for a client whose previous message had seq
    /// `prev_seq`; a gap between the two means events were filtered out for
    /// this client, not lost.
    pub fn message(&self, prev_seq: i64) -> String {
        with_prev_seq(self.wire(), prev_seq)
    }

    /// The event as a device (kiosk, display) receives it, for a client
    /// whose previous message had seq `prev_seq`: the public projection of
    /// its data, with the actor only when it is a device; `None` when
    /// devices do not receive it.
    pub fn device_message(&self, prev_seq: i64) -> Option<String> {
        let wire = self
            .device_wire
            .get_or_init(|| {
                let data = crate::domain::projection::event_data(&self.kind, self.data())?;
                let mut message = serde_json::json!({
                    "type": self.kind,
                    "seq": self.seq,
                    "branch_id": self.branch_id,
                    "ticket_id": self.ticket_id,
                    "desk_id": self.desk_id,
                    "at": self.at,
                    "data": data,
                });
                // Which kiosk issued a ticket is visible in the room (its
                // agent prints its own tickets); which clerk acted is not.
                if self.actor.starts_with("device:") {
                    message["actor"] = self.actor.clone().into();
                }
                Some(message.to_string())
            })
            .as_deref()?;
        Some(with_prev_seq(wire, prev_seq))
    }

    /// The hash this event should carry given its fields.
    pub fn compute_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.branch_id,
            self.seq,
            &self.kind,
            self.ticket_id,
            self.desk_id,
            &self.actor,
            self.at,
            &self.payload,
        )
    }
}

/// A serialised message (a JSON object, so it starts with '{') with
/// `prev_seq` put in front.
fn with_prev_seq(wire: &str, prev_seq: i64) -> String {
    format!("{{\"prev_seq\":{prev_seq},{}", &wire[1..])
}

/// SHA-256 of the canonical form of an event: its fields one per line, in a
/// fixed order, absent ids as empty lines.
#[allow(clippy::too_many_arguments)]
fn chain_hash(
    prev_hash: &str,
    branch_id: i64,
    seq: i64,
    kind: &str,
    ticket_id: Option<i64>,
    desk_id: Option<i64>,
    actor: &str,
    at: i64,
    payload: &str,
) -> String {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let canonical = format!(
        "{prev_hash}\n{branch_id}\n{seq}\n{kind}\n{}\n{}\n{actor}\n{at}\n{payload}",
        opt(ticket_id),
        opt(desk_id)
    );
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Events appended by one write, published after its commit.
#[derive(Debug, Default)]
pub struct Outbox {
    events: Vec<Event>,
}

impl Outbox {
    /// The events, in append order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }
}

/// What [`append`] needs to know about a change.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Branch whose log gets the event.
    pub branch_id: i64,
    /// Ticket concerned.
    pub ticket_id: Option<i64>,
    /// Desk concerned.
    pub desk_id: Option<i64>,
    /// The event's type and data; the data is stored as JSON text.
    pub data: EventData,
    /// Who did it.
    pub actor: Actor,
    /// When, ms since the epoch.
    pub at: i64,
}

/// Appends an event to its branch's chain inside the caller's transaction.
/// The branch row update is also the lock that serialises writers of one
/// branch on PostgreSQL.
///
/// # Errors
/// Database errors; an unknown branch.
pub async fn append<C: Exec>(c: &mut C, out: &mut Outbox, new: NewEvent) -> Result<()> {
    let (seq, prev_hash) = sql::events::next_seq(c, new.branch_id).await?;
    let kind = new.data.kind();
    let payload = stored_data(&new.data)?;
    let actor = new.actor.as_text();
    let hash = chain_hash(
        &prev_hash,
        new.branch_id,
        seq,
        kind,
        new.ticket_id,
        new.desk_id,
        &actor,
        new.at,
        &payload,
    );
    let event = Event {
        branch_id: new.branch_id,
        seq,
        kind: kind.to_owned(),
        ticket_id: new.ticket_id,
        desk_id: new.desk_id,
        payload,
        actor,
        at: new.at,
        prev_hash,
        hash,
        wire: std::sync::OnceLock::new(),
        parsed: std::sync::OnceLock::new(),
        device_wire: std::sync::OnceLock::new(),
    };
    // On PostgreSQL this also notifies every instance's listener
    // (store/pg_listener.rs), which publishes the event to its live
    // clients after the commit.
    sql::events::insert(c, &event).await?;
    out.events.push(event);
    Ok(())
}

/// The stored form of an event's data: its JSON, without the type, which
/// has a column of its own.
fn stored_data(data: &EventData) -> Result<String> {
    let mut tagged = serde_json::to_value(data)
        .map_err(|e| crate::error::AppError::internal(format!("event data: {e}")))?;
    Ok(tagged["data"].take().to_string())
}

/// Result of checking one branch's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Branch checked.
    pub branch_id: i64,
    /// Events checked.
    pub events: i64,
    /// The first broken link, if any: the seq and what is wrong with it.
    pub broken: Option<(i64, String)>,
}

/// Recomputes a branch's hash chain from its first event to the head stored
/// on the branch.
///
/// # Errors
/// Database errors.
pub async fn verify<C: Exec>(c: &mut C, branch_id: i64) -> Result<ChainReport> {
    let (head_seq, head_hash) = sql::events::head(c, branch_id).await?;
    let mut expected_seq = 1;
    let mut prev_hash = String::new();
    let broken = 'scan: loop {
        let page = sql::events::page(c, branch_id, expected_seq, 1000).await?;
        if page.is_empty() {
            break None;
        }
        for event in page {
            if event.seq != expected_seq {
                break 'scan Some((expected_seq, "event missing".to_owned()));
            }
            if event.prev_hash != prev_hash {
                break 'scan Some((event.seq, "does not link to the previous event".to_owned()));
            }
            if event.compute_hash() != event.hash {
                break 'scan Some((event.seq, "content does not match its hash".to_owned()));
            }
            prev_hash = event.hash;
            expected_seq += 1;
        }
    };
    let checked = expected_seq - 1;
    let broken = broken.or_else(|| {
        if checked != head_seq || prev_hash != head_hash {
            Some((
                checked + 1,
                format!("branch head says {head_seq} events, the log has {checked}"),
            ))
        } else {
            None
        }
    });
    Ok(ChainReport {
        branch_id,
        events: checked,
        broken,
    })
}

/// A branch's events with `after < seq <= up_to`, in order.
///
/// # Errors
/// Database errors.
pub async fn between<C: Exec>(
    c: &mut C,
    branch_id: i64,
    after: i64,
    up_to: i64,
) -> Result<Vec<Event>> {
    Ok(sql::events::between(c, branch_id, after, up_to).await?)
}
