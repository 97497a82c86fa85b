//! The audit: signed checkpoints of each branch's event chain, and the
//! checks of `waitwell audit verify` beyond the chain itself.
//!
//! The hash chain (`events/mod.rs`) shows an edit of one event, but someone
//! who can write the database can also rewrite it consistently: truncate
//! the log, re-hash after an edit, append a forged event, move the branch's
//! head to match. Two things here make that visible:
//!
//! * **Checkpoints.** Once a business day is over, the key named by
//!   `WAITWELL_AUDIT_KEY_FILE` (never in the database) signs the chain head
//!   that ended it ([`sign_closed_days`], from the background tick and, for
//!   days missed while the server was down, on its first tick after
//!   startup). Checkpoints are public (`GET
//!   /api/v1/public/branches/{id}/audit/checkpoints`); a copy saved outside
//!   ([`check_published`]) catches a rewrite even by someone who also
//!   deleted or re-signed the stored ones.
//! * **Replay.** Every `tickets` row must say what the last event about
//!   that ticket says ([`audit_branch`]), so the figures computed from
//!   tickets (waits, service times, KPIs) are as trustworthy as the log.
//!
//! A day's checkpoint covers the chain up to the last event before the
//! first one dated after the day's end (the branch's timezone and
//! rollover): the day-end expiry of a day's tickets is dated after its end
//! and so belongs to the next day's checkpoint.

use std::collections::HashMap;

use chrono::NaiveDate;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::branches::{self, BranchRow};
use crate::error::{AppError, Result};
use crate::events::{self, anchor, anchor::AuditKey};
use crate::store::{Db, Exec, q, read, write};

/// A signed chain head: the last event of a branch's business day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct Checkpoint {
    /// Branch whose log it is.
    pub branch_id: i64,
    /// Business day `YYYY-MM-DD` in the branch's timezone.
    pub day: String,
    /// Seq of the day's last event.
    pub seq: i64,
    /// That event's hash (hex SHA-256).
    pub hash: String,
    /// ed25519 signature (128 hex digits) of the canonical message
    /// `waitwell-audit-checkpoint-v1\nbranch_id=…\nday=…\nseq=…\nhash=…\n`.
    pub signature: String,
    /// The signing public key, 64 hex digits (also served at
    /// `/api/v1/public/audit/key`).
    pub public_key: String,
    /// When it was signed, ms since the epoch.
    pub signed_at: i64,
}

impl Checkpoint {
    /// Whether `key` signed this checkpoint.
    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        anchor::verify_checkpoint(
            key,
            self.branch_id,
            &self.day,
            self.seq,
            &self.hash,
            &self.signature,
        )
    }
}

/// The newest checkpoint of a branch, if any: what the public performance
/// page shows as the latest signed head.
///
/// # Errors
/// Database errors.
pub async fn latest<C: Exec>(c: &mut C, branch_id: i64) -> Result<Option<Checkpoint>> {
    Ok(list(c, branch_id, 1).await?.pop())
}

/// A branch's checkpoints, newest first, at most `limit`.
///
/// # Errors
/// Database errors.
pub async fn list<C: Exec>(c: &mut C, branch_id: i64, limit: i64) -> Result<Vec<Checkpoint>> {
    Ok(c.all(
        q("select branch_id, day, seq, hash, signature, public_key, signed_at from audit_checkpoints
           where branch_id = $1 order by day desc limit $2")
        .bind(branch_id)
        .bind(limit),
    )
    .await?)
}

/// Every checkpoint of a branch, oldest first.
async fn all_of<C: Exec>(c: &mut C, branch_id: i64) -> Result<Vec<Checkpoint>> {
    Ok(c.all(
        q("select branch_id, day, seq, hash, signature, public_key, signed_at from audit_checkpoints
           where branch_id = $1 order by day")
        .bind(branch_id),
    )
    .await?)
}

/// Days one signing transaction looks at; [`sign_all`] repeats while a
/// branch signs this many at once (only after the key was away for a long
/// time).
pub const SIGN_BATCH_DAYS: usize = 100;

/// Signs every closed business day of a branch after its newest checkpoint
/// (for a branch without one: only the day just closed; an older head adds
/// nothing, as the newer one covers it). Idempotent: a day that has a
/// checkpoint is skipped, and two servers signing at once keep the first
/// row (`on conflict do nothing`). Looks at most [`SIGN_BATCH_DAYS`] days;
/// returns how many checkpoints it added.
///
/// Runs in one write with the branch locked, so the head it reads is the
/// committed one and no event of the branch is appended meanwhile.
///
/// # Errors
/// NotFound for an unknown branch; database errors.
pub async fn sign_closed_days<C: Exec>(
    c: &mut C,
    key: &AuditKey,
    branch_id: i64,
    now: i64,
) -> Result<usize> {
    let branch = branches::lock(c, branch_id).await?;
    let calendar = branch.calendar();
    let today = calendar.business_day(crate::utc(now));
    let newest = latest(c, branch_id).await?;
    let (mut day, mut after) = match &newest {
        Some(cp) => (next_day(parse_day(&cp.day)?), cp.seq),
        None => (today.pred_opt().unwrap_or(today), 0),
    };
    if newest.is_none() && calendar.business_day(crate::utc(branch.created_at)) > day {
        return Ok(0);
    }
    let public_key = key.public_hex();
    let (mut looked_at, mut signed) = (0, 0);
    while day < today && looked_at < SIGN_BATCH_DAYS {
        looked_at += 1;
        let end = calendar.day_start(next_day(day)).timestamp_millis();
        let (first_later,): (Option<i64>,) = c
            .one(
                q("select min(seq) from events where branch_id = $1 and seq > $2 and at >= $3")
                    .bind(branch_id)
                    .bind(after)
                    .bind(end),
            )
            .await?;
        let seq = first_later.map_or(branch.event_seq, |s| s - 1);
        let day_text = day.format("%Y-%m-%d").to_string();
        if seq > 0 {
            let (hash,): (String,) = c
                .one(
                    q("select hash from events where branch_id = $1 and seq = $2")
                        .bind(branch_id)
                        .bind(seq),
                )
                .await?;
            let signature = key.sign_checkpoint(branch_id, &day_text, seq, &hash);
            signed += c.run(
                q("insert into audit_checkpoints (branch_id, day, seq, hash, signature, public_key, signed_at)
                   values ($1, $2, $3, $4, $5, $6, $7) on conflict (branch_id, day) do nothing")
                .bind(branch_id)
                .bind(day_text)
                .bind(seq)
                .bind(hash)
                .bind(signature)
                .bind(public_key.as_str())
                .bind(now),
            )
            .await?;
            after = seq;
        }
        day = next_day(day);
    }
    Ok(usize::try_from(signed).unwrap_or(usize::MAX))
}

/// Signs the closed days of every branch ([`sign_closed_days`]). Returns
/// how many checkpoints it signed.
///
/// # Errors
/// Database errors.
pub async fn sign_all(db: &Db, key: &AuditKey, now: i64) -> Result<usize> {
    let branches = read!(db, |c| branches::list(c).await)?;
    let mut total = 0;
    for b in branches {
        loop {
            let key = key.clone();
            let id = b.id;
            let n = write!(db, |c, _out| async move {
                sign_closed_days(c, &key, id, now).await
            })?;
            total += n;
            // Fewer means the branch is done, or another server signs too
            // (then the next round finishes).
            if n < SIGN_BATCH_DAYS {
                break;
            }
        }
    }
    Ok(total)
}

fn parse_day(day: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| AppError::internal(format!("checkpoint day {day:?} is not YYYY-MM-DD")))
}

fn next_day(day: NaiveDate) -> NaiveDate {
    day.succ_opt().unwrap_or(day)
}

/// How long before a signed day's end an event may be dated and still come
/// after the day's checkpoint: a write takes its time before it commits
/// (requests time out after 30 s), so an event dated just before the
/// rollover can land after the signature. Anything dated earlier than this
/// was added to a day already signed.
pub const LATE_EVENT_GRACE_MS: i64 = 5 * 60 * 1000;

/// What [`audit_branch`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BranchAudit {
    /// Branch checked.
    pub branch_id: i64,
    /// Events whose chain was checked.
    pub events: i64,
    /// Checkpoints whose signature and head were checked.
    pub checkpoints: usize,
    /// `tickets` rows compared with their events.
    pub tickets: usize,
    /// The first problem found, naming the event, checkpoint or ticket and
    /// what differs (`at event 12: …`, `at ticket 7 (A003): …`); `None`
    /// when everything agrees.
    pub problem: Option<String>,
}

/// Checks one branch, stopping at the first problem: the hash chain up to
/// the head; each stored checkpoint (signed by a trusted key, or by its
/// own stored key when `trusted` is empty; its seq still has its hash; the
/// days follow each other); no event dated inside a signed day after that
/// day's checkpoint, nor one dated after the signing that changes a ticket
/// of a signed day (other than its day-end expiry); and every `tickets`
/// row equal to what its last event says.
///
/// # Errors
/// Database errors.
pub async fn audit_branch<C: Exec>(
    c: &mut C,
    branch: &BranchRow,
    trusted: &[VerifyingKey],
) -> Result<BranchAudit> {
    let chain = events::verify(c, branch.id).await?;
    let mut audit = BranchAudit {
        branch_id: branch.id,
        events: chain.events,
        checkpoints: 0,
        tickets: 0,
        problem: None,
    };
    if let Some((seq, what)) = chain.broken {
        audit.problem = Some(format!("at event {seq}: {what}"));
        return Ok(audit);
    }
    let checkpoints = all_of(c, branch.id).await?;
    audit.problem = check_checkpoints(c, branch, &checkpoints, trusted).await?;
    audit.checkpoints = checkpoints.len();
    if audit.problem.is_some() {
        return Ok(audit);
    }
    let (tickets, problem) = replay(c, branch, &checkpoints).await?;
    audit.tickets = tickets;
    audit.problem = problem;
    Ok(audit)
}

async fn check_checkpoints<C: Exec>(
    c: &mut C,
    branch: &BranchRow,
    checkpoints: &[Checkpoint],
    trusted: &[VerifyingKey],
) -> Result<Option<String>> {
    let mut previous: Option<&Checkpoint> = None;
    for cp in checkpoints {
        let signed = if trusted.is_empty() {
            anchor::public_key_from_hex(&cp.public_key).is_ok_and(|key| cp.signed_by(&key))
        } else {
            trusted.iter().any(|key| cp.signed_by(key))
        };
        if !signed {
            return Ok(Some(format!(
                "at the checkpoint of {} (event {}): the signature does not verify with {}",
                cp.day,
                cp.seq,
                if trusted.is_empty() {
                    "the public key stored with it"
                } else {
                    "the trusted public key"
                }
            )));
        }
        if let Some(problem) = head_problem(c, branch.id, &cp.day, cp.seq, &cp.hash).await? {
            return Ok(Some(format!(
                "at the signed checkpoint of {}: {problem}",
                cp.day
            )));
        }
        if let Some(prev) = previous {
            if cp.seq < prev.seq {
                return Ok(Some(format!(
                    "at the checkpoint of {}: it is at event {}, before the previous day's {}",
                    cp.day, cp.seq, prev.seq
                )));
            }
            if parse_day(&prev.day).map(next_day).ok() != parse_day(&cp.day).ok() {
                return Ok(Some(format!(
                    "between the checkpoints of {} and {}: signed days are missing",
                    prev.day, cp.day
                )));
            }
        }
        previous = Some(cp);
    }
    Ok(None)
}

/// Whether event `seq` of the branch is still there with `hash`; the
/// problem if not.
async fn head_problem<C: Exec>(
    c: &mut C,
    branch_id: i64,
    day: &str,
    seq: i64,
    hash: &str,
) -> Result<Option<String>> {
    let found: Option<(String,)> = c
        .opt(
            q("select hash from events where branch_id = $1 and seq = $2")
                .bind(branch_id)
                .bind(seq),
        )
        .await?;
    Ok(match found {
        None => Some(format!(
            "the head of {day} is event {seq}, which the log no longer has (truncated or wiped)"
        )),
        Some((now,)) if now != hash => Some(format!(
            "event {seq} (head of {day}) now has hash {now}, the signed head says {hash} (the log was rewritten)"
        )),
        Some(_) => None,
    })
}

/// What the audit compares between a `tickets` row and its last event:
/// everything a figure about waits, service times, desks or calls out of
/// turn is computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
struct TicketFacts {
    id: i64,
    number: String,
    status: String,
    service_id: i64,
    desk_id: Option<i64>,
    business_day: String,
    priority: String,
    issued_at: i64,
    queued_at: i64,
    called_at: Option<i64>,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    called_by: Option<i64>,
    call_count: i64,
    out_of_turn_reason: Option<String>,
}

impl TicketFacts {
    /// The first field that differs: its name, then `self`'s and `other`'s
    /// value as JSON.
    fn first_difference(&self, other: &TicketFacts) -> Option<(&'static str, String, String)> {
        macro_rules! compare {
            ($($field:ident),*) => {$(
                if self.$field != other.$field {
                    let text = |v| serde_json::to_string(v).unwrap_or_default();
                    return Some((stringify!($field), text(&self.$field), text(&other.$field)));
                }
            )*};
        }
        compare!(
            status,
            service_id,
            desk_id,
            number,
            business_day,
            priority,
            issued_at,
            queued_at,
            called_at,
            started_at,
            finished_at,
            called_by,
            call_count,
            out_of_turn_reason
        );
        None
    }
}

/// One event as the replay reads it.
#[derive(Debug, sqlx::FromRow, Deserialize)]
struct ReplayEvent {
    seq: i64,
    #[sqlx(rename = "type")]
    #[serde(rename = "type")]
    kind: String,
    at: i64,
    payload: String,
}

/// A signed day as the replay needs it.
#[derive(Debug, Clone, Copy)]
struct SignedDay<'a> {
    /// Seq of the day's last event.
    seq: i64,
    /// The instant the day ended, ms.
    end: i64,
    /// `YYYY-MM-DD`.
    day: &'a str,
    /// When it was signed, ms.
    signed_at: i64,
}

/// The business calendar a branch event's payload (the branch after the
/// change) sets, if it reads.
fn calendar_in(branch: &serde_json::Value) -> Option<waitwell_queue::BusinessCalendar> {
    let tz = waitwell_queue::parse_timezone(branch.get("timezone")?.as_str()?).ok()?;
    let rollover = waitwell_queue::parse_rollover(branch.get("rollover")?.as_str()?).ok()?;
    Some(waitwell_queue::BusinessCalendar::new(tz, rollover))
}

/// Whether a ticket event is the day-end expiry: `ticket.expired`, from an
/// open status, changing nothing but the status. The one change a ticket
/// of a signed day may still see (day end runs before the day is signed,
/// but a server that was down catches up on both at once).
fn is_day_end_expiry(kind: &str, after: &TicketFacts, before: Option<&LastEvent>) -> bool {
    let Some(before) = before else { return false };
    kind == "ticket.expired"
        && after.status == waitwell_queue::TicketStatus::Expired.as_str()
        && waitwell_queue::TicketStatus::OPEN
            .iter()
            .any(|s| s.as_str() == before.facts.status)
        && TicketFacts {
            status: "expired".to_owned(),
            ..before.facts.clone()
        } == *after
}

/// The last event about a ticket.
struct LastEvent {
    seq: i64,
    kind: String,
    facts: TicketFacts,
}

/// One pass over the branch's events: no event dated inside a signed day
/// after its checkpoint, no change to a ticket of a signed day after it was
/// signed (the day-end expiry aside), and each ticket's last state; then
/// every tickets row against it. Returns the rows compared and the first problem.
async fn replay<C: Exec>(
    c: &mut C,
    branch: &BranchRow,
    checkpoints: &[Checkpoint],
) -> Result<(usize, Option<String>)> {
    let mut by_seq: Vec<&Checkpoint> = checkpoints.iter().collect();
    by_seq.sort_unstable_by_key(|cp| cp.seq);
    // The branch's timezone and rollover as the log says they were: a
    // day's end is where the calendar of its signing put it, not where
    // today's settings would.
    let mut calendar = branch.calendar();
    let mut next_checkpoint = 0;
    // The latest day signed before the event at hand.
    let mut signed: Option<SignedDay<'_>> = None;
    let mut last: HashMap<i64, LastEvent> = HashMap::new();
    let mut after = 0;
    loop {
        let page: Vec<ReplayEvent> = c
            .all(
                q("select seq, type, at, payload from events
                   where branch_id = $1 and seq > $2 order by seq limit 1000")
                .bind(branch.id)
                .bind(after),
            )
            .await?;
        let Some(end) = page.last() else { break };
        after = end.seq;
        for event in page {
            while let Some(&cp) = by_seq.get(next_checkpoint) {
                if cp.seq >= event.seq {
                    break;
                }
                let day = SignedDay {
                    seq: cp.seq,
                    end: calendar
                        .day_start(next_day(parse_day(&cp.day)?))
                        .timestamp_millis(),
                    day: &cp.day,
                    signed_at: cp.signed_at,
                };
                if signed.is_none_or(|s| day.end > s.end) {
                    signed = Some(day);
                }
                next_checkpoint += 1;
            }
            let at = crate::utc(event.at).to_rfc3339();
            if let Some(s) = signed
                && event.at < s.end - LATE_EVENT_GRACE_MS
            {
                return Ok((
                    0,
                    Some(format!(
                        "at event {} ({}): dated {at}, inside {}, but after that day's signed checkpoint (event {}): an event added to a signed day",
                        event.seq, event.kind, s.day, s.seq
                    )),
                ));
            }
            let payload: serde_json::Value =
                serde_json::from_str(&event.payload).unwrap_or_default();
            if event.kind == "branch.created" || event.kind == "branch.updated" {
                calendar = calendar_in(&payload).unwrap_or(calendar);
            }
            let Some(ticket) = payload.get("ticket") else {
                continue;
            };
            match TicketFacts::deserialize(ticket) {
                Ok(facts) => {
                    if let Some(s) = signed
                        && facts.business_day.as_str() <= s.day
                        && event.at > s.signed_at + LATE_EVENT_GRACE_MS
                        && !is_day_end_expiry(&event.kind, &facts, last.get(&facts.id))
                    {
                        return Ok((
                            0,
                            Some(format!(
                                "at event {} ({}): dated {at}, it changes ticket {} ({}) of {}, a day signed before (event {}): only the day-end expiry may",
                                event.seq,
                                event.kind,
                                facts.id,
                                facts.number,
                                facts.business_day,
                                s.seq
                            )),
                        ));
                    }
                    last.insert(
                        facts.id,
                        LastEvent {
                            seq: event.seq,
                            kind: event.kind,
                            facts,
                        },
                    );
                }
                Err(e) => {
                    return Ok((
                        0,
                        Some(format!(
                            "at event {} ({}): its ticket does not read as one: {e}",
                            event.seq, event.kind
                        )),
                    ));
                }
            }
        }
    }
    let mut compared = 0;
    let mut after = 0;
    loop {
        let rows: Vec<TicketFacts> = c
            .all(
                q("select id, number, status, service_id, desk_id, business_day, priority, issued_at, queued_at,
                     called_at, started_at, finished_at, called_by, call_count, out_of_turn_reason
                   from tickets where branch_id = $1 and id > $2 order by id limit 1000")
                .bind(branch.id)
                .bind(after),
            )
            .await?;
        let Some(end) = rows.last() else { break };
        after = end.id;
        for row in rows {
            compared += 1;
            let Some(event) = last.remove(&row.id) else {
                return Ok((
                    compared,
                    Some(format!(
                        "at ticket {} ({}): no event records it (a row added outside the server)",
                        row.id, row.number
                    )),
                ));
            };
            if let Some((field, in_row, in_event)) = row.first_difference(&event.facts) {
                return Ok((
                    compared,
                    Some(format!(
                        "at ticket {} ({}): {field} is {in_row} in the tickets table but {in_event} in its last event {} ({})",
                        row.id, row.number, event.seq, event.kind
                    )),
                ));
            }
        }
    }
    if let Some((id, event)) = last.iter().min_by_key(|(_, e)| e.seq) {
        return Ok((
            compared,
            Some(format!(
                "at event {} ({}): it records ticket {id} ({}), which the tickets table does not have",
                event.seq, event.kind, event.facts.number
            )),
        ));
    }
    Ok((compared, None))
}

/// A chain head saved from the public checkpoints list (or written down by
/// hand): the branch, the event and its hash. Other fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PublishedHead {
    /// Branch.
    pub branch_id: i64,
    /// Business day, for messages.
    #[serde(default)]
    pub day: Option<String>,
    /// Event seq.
    pub seq: i64,
    /// The event's hash then.
    pub hash: String,
}

/// Reads published heads from JSON: the checkpoints list as the public
/// endpoint returns it (an array), `{"items": [...]}`, or one object.
///
/// # Errors
/// JSON that is none of these.
pub fn parse_published(text: &str) -> anyhow::Result<Vec<PublishedHead>> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let list = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut map) => match map.remove("items") {
            Some(serde_json::Value::Array(items)) => items,
            _ => vec![serde_json::Value::Object(map)],
        },
        _ => anyhow::bail!("expected a JSON array of checkpoints"),
    };
    list.into_iter()
        .map(|v| serde_json::from_value(v).map_err(anyhow::Error::from))
        .collect()
}

/// Checks published heads against the log: each event must still exist
/// with the published hash. Returns the first problem, if any.
///
/// # Errors
/// Database errors.
pub async fn check_published<C: Exec>(
    c: &mut C,
    published: &[PublishedHead],
) -> Result<Option<String>> {
    for head in published {
        let day = head.day.as_deref().unwrap_or("a published day");
        if let Some(problem) = head_problem(c, head.branch_id, day, head.seq, &head.hash).await? {
            return Ok(Some(format!(
                "at branch {}'s published checkpoint of {day}: {problem}",
                head.branch_id
            )));
        }
    }
    Ok(None)
}

/// What `GET /api/v1/public/audit/key` answers: how to check checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditKeyInfo {
    /// Always `ed25519`.
    pub algorithm: &'static str,
    /// The public key, 64 hex digits; null when this server has no audit
    /// key and signs nothing.
    pub public_key: Option<String>,
    /// The first line of every signed message; see `message_format`.
    pub domain: &'static str,
    /// The message a checkpoint's signature covers, with placeholders.
    pub message_format: &'static str,
}

impl AuditKeyInfo {
    /// The description of `key` (`None`: no key, nothing is signed).
    pub fn of(key: Option<&AuditKey>) -> AuditKeyInfo {
        AuditKeyInfo {
            algorithm: "ed25519",
            public_key: key.map(AuditKey::public_hex),
            domain: anchor::CHECKPOINT_DOMAIN,
            message_format: "waitwell-audit-checkpoint-v1\\nbranch_id={branch_id}\\nday={day}\\nseq={seq}\\nhash={hash}\\n",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_heads_read_in_every_shape() {
        let one =
            r#"{"branch_id": 1, "day": "2026-12-06", "seq": 5, "hash": "ab", "signature": "x"}"#;
        assert_eq!(parse_published(one).unwrap().len(), 1);
        assert_eq!(parse_published(&format!("[{one},{one}]")).unwrap().len(), 2);
        assert_eq!(
            parse_published(&format!(r#"{{"items":[{one}]}}"#))
                .unwrap()
                .len(),
            1
        );
        assert!(parse_published("[{\"seq\": 1}]").is_err());
        assert!(parse_published("7").is_err());
    }

    #[test]
    fn the_key_info_describes_the_real_message() {
        let info = AuditKeyInfo::of(Some(&AuditKey::generate()));
        let described = info
            .message_format
            .replace("\\n", "\n")
            .replace("{branch_id}", "1")
            .replace("{day}", "2026-12-06")
            .replace("{seq}", "2")
            .replace("{hash}", "ab");
        assert_eq!(
            described,
            anchor::checkpoint_message(1, "2026-12-06", 2, "ab")
        );
        assert!(described.starts_with(info.domain));
    }
}
