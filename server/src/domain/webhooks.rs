//! Outgoing webhooks: an office connects its SMS or e-mail gateway (or any
//! other system) to its branch's events.
//!
//! * Managers create, list, change and delete webhooks under
//!   `/api/v1/branches/{id}/webhooks` and `/api/v1/webhooks/{id}`. The
//!   signing secret is shown once, when the webhook is created.
//! * The delivery worker ([`start`]) reads the branch's event log after the
//!   webhook's cursor, in `seq` order, and POSTs each event that passes the
//!   webhook's type filter. The cursor moves only after a 2xx answer, so a
//!   receiver that is down misses nothing: delivery resumes where it
//!   stopped, with exponential back-off (capped, jittered) between attempts
//!   and the last error recorded on the webhook as a generic reason
//!   (`connection failed`, `HTTP 500`…; details only in the log). Delivery is at least once
//!   (an answer lost in transit means the event is sent again); receivers
//!   deduplicate by the `Waitwell-Event-Id` header.
//! * Several servers may share a PostgreSQL database: a webhook is delivered
//!   by the instance holding its lease (`lease_owner`, `lease_until`), taken
//!   with one conditional `update` and renewed at each delivered event, so
//!   events of one webhook are never sent by two instances at once or out
//!   of order.
//!
//! * Destinations inside the server's network (loopback, private,
//!   link-local… addresses) are refused when a webhook is created or
//!   changed, and again at every delivery after resolving the name, unless
//!   the operator allow-listed the host (see [`crate::domain::destinations`]).
//!
//! The body is JSON: the event (`id`, `type`, `branch_id`, `seq`, `at`,
//! `data`) and, for ticket events, the ticket as it is at delivery time,
//! its page link and the visitor's contact details if they are still
//! retained. Contacts are read from the tickets table at delivery time and
//! never stored in events (see `retention.rs`). The signature header is
//! `Waitwell-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
//! keyed with the webhook's secret.
//!
//! Moving the cursor and recording failures are bookkeeping of delivery,
//! not changes of the office's state: they append no events (which would
//! themselves have to be delivered). Creating, changing and deleting a
//! webhook do append events, without the secret or the URL's path and query
//! (which may carry a gateway's credentials).

use std::time::Duration;

use hmac::{KeyInit as _, Mac as _};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::domain::branches;
use crate::domain::destinations;
use crate::error::{AppError, Result};
use crate::events::{self, Actor, NewEvent};
use crate::now_ms;
use crate::store::{Db, Exec, q, read, write};
use waitwell_proto::{WebhookChange, WebhookSummary};

/// How long a lease lasts; renewed at each delivered event. Longer than
/// the request timeout, so a live instance never loses its lease mid-send.
const LEASE_MS: i64 = 60_000;
/// Timeout of one delivery request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Events read per round.
const BATCH: i64 = 100;
/// Longest error text logged.
const MAX_ERROR_CHARS: usize = 500;

/// A webhook as the API shows it (never with its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    /// Id.
    pub id: i64,
    /// Branch whose events are sent.
    pub branch_id: i64,
    /// Receiver, http:// or https://.
    pub url: String,
    /// Event types sent (`ticket.called`, or `ticket.*`); empty for all.
    pub event_types: Vec<String>,
    /// Paused webhooks send nothing; on resume they continue after the
    /// last delivered event.
    pub active: bool,
    /// Last event seq delivered with a 2xx answer.
    pub cursor_seq: i64,
    /// Failed attempts since the last success.
    pub failures: i64,
    /// Last failure, as a generic reason: `connection failed`, `timed out`,
    /// `HTTP <status>`, `destination not allowed` or `request failed`
    /// (details go to the server's log only).
    pub last_error: Option<String>,
    /// Last attempt, ms since the epoch.
    pub last_attempt_at: Option<i64>,
    /// Last success, ms since the epoch.
    pub last_success_at: Option<i64>,
    /// No attempt before this time (back-off), ms since the epoch.
    pub next_attempt_at: i64,
}

/// A webhook row as stored.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct WebhookRow {
    id: i64,
    pub(crate) branch_id: i64,
    pub(crate) url: String,
    pub(crate) secret: String,
    pub(crate) event_types: String,
    pub(crate) active: bool,
    cursor_seq: i64,
    failures: i64,
    last_error: Option<String>,
    last_attempt_at: Option<i64>,
    last_success_at: Option<i64>,
    next_attempt_at: i64,
}

impl WebhookRow {
    /// The API view.
    pub fn to_api(&self) -> Webhook {
        Webhook {
            id: self.id,
            branch_id: self.branch_id,
            url: self.url.clone(),
            event_types: self.types(),
            active: self.active,
            cursor_seq: self.cursor_seq,
            failures: self.failures,
            last_error: self.last_error.clone(),
            last_attempt_at: self.last_attempt_at,
            last_success_at: self.last_success_at,
            next_attempt_at: self.next_attempt_at,
        }
    }

    fn types(&self) -> Vec<String> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }

    /// What the event log records: no secret, and only the URL's host.
    fn event_view(&self) -> WebhookChange {
        let host = reqwest::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        WebhookChange {
            webhook: WebhookSummary {
                id: self.id,
                host,
                event_types: self.types(),
                active: self.active,
            },
        }
    }
}

/// Whether an event type passes a filter (empty passes everything;
/// `ticket.*` passes every `ticket.` type).
pub fn matches(filter: &[String], kind: &str) -> bool {
    filter.is_empty()
        || filter.iter().any(|f| match f.strip_suffix('*') {
            Some(prefix) => kind.starts_with(prefix),
            None => f == kind,
        })
}

/// The `Waitwell-Signature` header value for a body sent at `unix_s`.
pub fn signature(secret: &str, unix_s: i64, body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2_next::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(format!("{unix_s}.{body}").as_bytes());
    format!("t={unix_s},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Back-off before attempt `failures + 1`: `base · 2^(failures − 1)`, at
/// most `max`, then a random point in its upper half (jitter, so receivers
/// coming back are not hit by every server at once).
pub fn backoff_ms(failures: i64, base: u64, max: u64) -> u64 {
    let exp = u32::try_from(failures.clamp(1, 32) - 1).unwrap_or(0);
    let d = base.saturating_mul(1u64 << exp).min(max).max(1);
    rand::random_range(d / 2..=d)
}

pub(crate) async fn get<C: Exec>(c: &mut C, id: i64) -> Result<WebhookRow> {
    c.opt(q("select id, branch_id, url, secret, event_types, active, cursor_seq, failures, last_error, last_attempt_at, last_success_at, next_attempt_at
             from webhooks where id = $1").bind(id))
        .await?
        .ok_or(AppError::NotFound("webhook"))
}

pub(crate) fn clean_url(url: &str) -> Result<String> {
    let url = url.trim();
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| AppError::invalid("url must be an http:// or https:// address"))?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none_or(str::is_empty)
        || url.len() > 2000
    {
        return Err(AppError::invalid(
            "url must be an http:// or https:// address of at most 2000 characters",
        ));
    }
    Ok(url.to_owned())
}

/// Refuses a destination inside the server's network (see
/// `destinations.rs`) unless the operator allow-listed its host.
pub(crate) async fn check_destination(url: &str, allow: &[String]) -> Result<()> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| AppError::invalid("url must be an http:// or https:// address"))?;
    destinations::check_url_resolving(&parsed, allow)
        .await
        .map_err(|_| {
            AppError::invalid(
                "url: webhooks may not be sent to this host, which is or resolves to a loopback, private, \
                 link-local or other internal address; the server's operator can allow it with \
                 WAITWELL_WEBHOOK_ALLOW_HOSTS",
            )
        })
}

pub(crate) fn clean_types(types: &[String]) -> Result<String> {
    if types.len() > 50 {
        return Err(AppError::invalid("event_types may list at most 50 types"));
    }
    for t in types {
        let body = t.strip_suffix('*').unwrap_or(t);
        let ok = !t.is_empty()
            && t.len() <= 64
            && body.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_' || c == '-'
            });
        if !ok {
            return Err(AppError::invalid(format!(
                "event_types: {t:?} is not an event type like ticket.called or ticket.*"
            )));
        }
    }
    Ok(serde_json::to_string(types).unwrap_or_else(|_| "[]".into()))
}

/// New webhook.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Receiver, http:// or https://.
    pub url: String,
    /// Event types to send; absent or empty for all.
    pub event_types: Option<Vec<String>>,
    /// Default true.
    pub active: Option<bool>,
}

/// A created webhook and its secret, shown only this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedWebhook {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// HMAC-SHA256 key of the `Waitwell-Signature` header.
    pub secret: String,
}

/// Changes to a webhook; absent fields stay. Any change clears the back-off,
/// so a fixed receiver is tried at once.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookUpdate {
    /// Receiver.
    pub url: Option<String>,
    /// Event types; empty for all.
    pub event_types: Option<Vec<String>>,
    /// Pause (false) or resume (true).
    pub active: Option<bool>,
}

pub(crate) async fn append_event<C: Exec>(
    c: &mut C,
    out: &mut crate::events::Outbox,
    row: &WebhookRow,
    event: fn(WebhookChange) -> events::EventData,
    actor: Actor,
    now: i64,
) -> Result<()> {
    events::append(
        c,
        out,
        NewEvent {
            branch_id: row.branch_id,
            ticket_id: None,
            desk_id: None,
            data: event(row.event_view()),
            actor,
            at: now,
        },
    )
    .await
}

// ---------------------------------------------------------------- delivery

/// An event row as delivery reads it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
struct EventRow {
    seq: i64,
    #[sqlx(rename = "type")]
    #[serde(rename = "type")]
    kind: String,
    ticket_id: Option<i64>,
    payload: String,
    at: i64,
}

/// What delivery adds about a ticket, read at delivery time.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
struct TicketExtra {
    channel: String,
    public_token: String,
    contact_phone: Option<String>,
    contact_email: Option<String>,
}

/// The JSON body for one event.
async fn body_for<C: Exec>(
    c: &mut C,
    branch_id: i64,
    e: &EventRow,
    public_url: &str,
) -> Result<String> {
    let mut body = serde_json::json!({
        "id": format!("{branch_id}-{}", e.seq),
        "type": e.kind,
        "branch_id": branch_id,
        "seq": e.seq,
        "at": e.at,
        "data": serde_json::from_str::<serde_json::Value>(&e.payload).unwrap_or_default(),
    });
    if let Some(ticket_id) = e.ticket_id
        && let Ok(ticket) = crate::domain::tickets::get(c, ticket_id).await
    {
        let extra: TicketExtra = c
            .one(q("select channel, public_token, contact_phone, contact_email from tickets where id = $1")
                .bind(ticket_id))
            .await?;
        let mut view = ticket.public_view();
        if let Some(map) = view.as_object_mut() {
            map.insert("channel".into(), extra.channel.into());
        }
        body["ticket"] = view;
        body["ticket_url"] =
            crate::domain::visitor::ticket_url(public_url, &extra.public_token).into();
        if extra.contact_phone.is_some() || extra.contact_email.is_some() {
            body["contact"] = serde_json::json!({
                "phone": extra.contact_phone,
                "email": extra.contact_email,
            });
        }
    }
    Ok(body.to_string())
}

/// One delivery worker per server: wakes on live events and on a timer,
/// leases due webhooks and delivers each on its own task.
pub fn start(state: &AppState) {
    let s = state.clone();
    state.tasks.spawn(async move {
        let owner = crate::domain::auth::new_token("");
        // Names resolve through the guarded resolver, which checks each
        // address and hands the client exactly those to connect to; no
        // proxy (it would resolve the name itself) and no redirects (their
        // targets would go unchecked).
        let resolver = destinations::GuardedResolver::new(&s.config.webhook_allow_hosts);
        let client = match reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(std::sync::Arc::new(resolver))
            .user_agent(concat!("waitwell/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the webhook HTTP client; webhooks are off");
                return;
            }
        };
        // Live events wake the worker early; the timer is the fallback.
        let mut live = Some(s.db.hub().subscribe());
        let mut tick =
            tokio::time::interval(Duration::from_millis(s.config.webhook_poll_ms.max(10)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = s.shutdown.cancelled() => break,
                _ = tick.tick() => {}
                r = next_live(&mut live) => {
                    if matches!(r, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                        live = None;
                    } else if let Some(rx) = live.as_mut() {
                        // One look for a burst of events, not one per event.
                        while rx.try_recv().is_ok() {}
                    }
                }
            }
            match lease_due(&s.db, &owner, now_ms()).await {
                Ok(ids) => {
                    for id in ids {
                        let (s, client, owner) = (s.clone(), client.clone(), owner.clone());
                        s.tasks.clone().spawn(async move {
                            tokio::select! {
                                () = s.shutdown.cancelled() => {
                                    // Hand the webhook back at once rather
                                    // than when the lease runs out (the
                                    // database closes after these tasks end).
                                    let _ = release(&s.db, &owner, id).await;
                                }
                                () = deliver(&s, &client, &owner, id) => {}
                            }
                        });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "looking for webhooks to deliver"),
            }
        }
    });
}

/// The next live event; never, once the hub has closed.
async fn next_live(
    live: &mut Option<tokio::sync::broadcast::Receiver<std::sync::Arc<events::Event>>>,
) -> std::result::Result<(), tokio::sync::broadcast::error::RecvError> {
    match live {
        Some(rx) => rx.recv().await.map(drop),
        None => std::future::pending().await,
    }
}

/// Takes the lease of every active webhook that is due and has events to
/// send. Returns the ids now leased to `owner`.
async fn lease_due(db: &Db, owner: &str, now: i64) -> Result<Vec<i64>> {
    let due: Vec<(i64,)> = read!(db, |c| c
        .all(
            q(
                "select w.id from webhooks w join branches b on b.id = w.branch_id
               where w.active = $1 and w.next_attempt_at <= $2 and w.lease_until < $2
                 and w.cursor_seq < b.event_seq"
            )
            .bind(true)
            .bind(now)
        )
        .await
        .map_err(AppError::from))?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let owner = owner.to_owned();
    write!(db, |c, _out| async move {
        let mut taken = Vec::new();
        for (id,) in due {
            // The conditions again, atomically: another instance may have
            // taken it since the read.
            let n = c
                .run(
                    q("update webhooks set lease_owner = $2, lease_until = $3
                       where id = $1 and active = $4 and next_attempt_at <= $5 and lease_until < $5")
                    .bind(id)
                    .bind(owner.as_str())
                    .bind(now + LEASE_MS)
                    .bind(true)
                    .bind(now),
                )
                .await?;
            if n == 1 {
                taken.push(id);
            }
        }
        Ok(taken)
    })
}

/// Delivers a leased webhook's pending events in order until none are
/// left, an attempt fails, the webhook is paused or deleted, or the lease
/// is lost. Always ends by giving the lease back (or recording the failure).
async fn deliver(state: &AppState, client: &reqwest::Client, owner: &str, id: i64) {
    if let Err(e) = deliver_leased(state, client, owner, id).await {
        tracing::warn!(webhook = id, error = %e, "webhook delivery stopped");
        let _ = release(&state.db, owner, id).await;
    }
}

async fn deliver_leased(
    state: &AppState,
    client: &reqwest::Client,
    owner: &str,
    id: i64,
) -> Result<()> {
    let public_url = state.config.public_url.clone();
    loop {
        let batch = read!(state.db, |c| read_batch(c, id, &public_url).await)?;
        let Some((hook, events)) = batch else {
            return Ok(());
        };
        if !hook.active || events.is_empty() {
            return release(&state.db, owner, id).await;
        }
        let last = events.len() - 1;
        for (i, (e, body)) in events.into_iter().enumerate() {
            match body {
                Some(body) => {
                    // Bodies were built when the batch was read; contacts
                    // erased since then are at most one batch stale.
                    let allow = &state.config.webhook_allow_hosts;
                    if let Err(error) = post(client, allow, &hook, &e, &body).await {
                        return fail(state, owner, id, error).await;
                    }
                }
                // Events the filter skips move the cursor with the next
                // delivered one, or at the end of the batch.
                None if i < last => continue,
                None => {}
            }
            if !advance(&state.db, owner, id, e.seq).await? {
                return Ok(());
            }
        }
    }
}

/// A pending event and its body (`None` when the filter skips it).
type Pending = (EventRow, Option<String>);

/// The webhook and its next events after the cursor; `None` once deleted.
async fn read_batch<C: Exec>(
    c: &mut C,
    id: i64,
    public_url: &str,
) -> Result<Option<(WebhookRow, Vec<Pending>)>> {
    let hook = match get(c, id).await {
        Ok(h) => h,
        Err(AppError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let events: Vec<EventRow> = c
        .all(
            q("select seq, type, ticket_id, payload, at from events
               where branch_id = $1 and seq > $2 order by seq limit $3")
            .bind(hook.branch_id)
            .bind(hook.cursor_seq)
            .bind(BATCH),
        )
        .await?;
    let filter = hook.types();
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let body = if matches(&filter, &e.kind) {
            Some(body_for(c, hook.branch_id, &e, public_url).await?)
        } else {
            None
        };
        out.push((e, body));
    }
    Ok(Some((hook, out)))
}

/// Why a delivery failed: `shown` is what the API's `last_error` says,
/// generic so the webhook cannot be used to probe the receiver's side
/// (ports, TLS, server software); `detail` goes to the operator's log only.
#[derive(Debug)]
struct Failure {
    shown: String,
    detail: String,
}

impl Failure {
    fn new(shown: impl Into<String>, detail: impl Into<String>) -> Failure {
        Failure {
            shown: shown.into(),
            detail: detail.into(),
        }
    }

    /// Sorts a client error into a generic reason.
    fn from_reqwest(err: &reqwest::Error) -> Failure {
        // reqwest's Display hides the cause ("error sending request");
        // the chain says what happened (connection refused, timeout).
        let mut detail = err.to_string();
        let mut refused = false;
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            refused |= s.is::<destinations::NotAllowed>();
            detail = format!("{detail}: {s}");
            source = s.source();
        }
        let shown = if refused {
            "destination not allowed"
        } else if err.is_timeout() {
            "timed out"
        } else if err.is_connect() {
            "connection failed"
        } else {
            "request failed"
        };
        Failure::new(shown, detail)
    }
}

/// One POST; `Err` unless the answer is 2xx. A literal address is checked
/// here (the client does not resolve it); names are checked by the
/// client's resolver.
async fn post(
    client: &reqwest::Client,
    allow: &[String],
    hook: &WebhookRow,
    e: &EventRow,
    body: &str,
) -> std::result::Result<(), Failure> {
    let url = reqwest::Url::parse(&hook.url)
        .map_err(|err| Failure::new("request failed", format!("bad url: {err}")))?;
    destinations::check_literal(&url, allow)
        .map_err(|_| Failure::new("destination not allowed", "internal address"))?;
    let unix_s = now_ms() / 1000;
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Waitwell-Event-Id", format!("{}-{}", hook.branch_id, e.seq))
        .header("Waitwell-Event-Type", e.kind.as_str())
        .header("Waitwell-Signature", signature(&hook.secret, unix_s, body))
        .body(body.to_owned())
        .send()
        .await
        // Without the URL: its path or query may hold the gateway's key.
        .map_err(|err| Failure::from_reqwest(&err.without_url()))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        // The status code only: the body is the receiver's business.
        Err(Failure::new(
            format!("HTTP {}", status.as_u16()),
            format!("the receiver answered {status}"),
        ))
    }
}

/// Moves the cursor past `seq` and renews the lease. Returns false when
/// delivery must stop: the lease is gone, or the webhook was paused or
/// deleted meanwhile.
async fn advance(db: &Db, owner: &str, id: i64, seq: i64) -> Result<bool> {
    let owner = owner.to_owned();
    let now = now_ms();
    write!(db, |c, _out| async move {
        let active: Option<(bool,)> = c
            .opt(
                q("update webhooks set cursor_seq = $3, failures = 0, last_error = null, last_success_at = $4,
                     last_attempt_at = $4, lease_until = $5
                   where id = $1 and lease_owner = $2 and cursor_seq < $3 returning active")
                .bind(id)
                .bind(owner.as_str())
                .bind(seq)
                .bind(now)
                .bind(now + LEASE_MS),
            )
            .await?;
        match active {
            Some((true,)) => Ok(true),
            Some((false,)) => {
                release_in(c, &owner, id).await?;
                Ok(false)
            }
            None => Ok(false),
        }
    })
}

/// Records a failed attempt, schedules the next one and gives the lease back.
async fn fail(state: &AppState, owner: &str, id: i64, failure: Failure) -> Result<()> {
    let owner = owner.to_owned();
    let now = now_ms();
    let (base, max) = (
        state.config.webhook_retry_base_ms,
        state.config.webhook_retry_max_ms,
    );
    let detail: String = failure.detail.chars().take(MAX_ERROR_CHARS).collect();
    tracing::info!(webhook = id, error = %detail, "webhook delivery failed; will retry");
    let error = failure.shown;
    write!(state.db, |c, _out| async move {
        let failures: Option<(i64,)> = c
            .opt(
                q("select failures from webhooks where id = $1 and lease_owner = $2")
                    .bind(id)
                    .bind(owner.as_str()),
            )
            .await?;
        let Some((failures,)) = failures else {
            return Ok(());
        };
        let delay = i64::try_from(backoff_ms(failures + 1, base, max)).unwrap_or(i64::MAX / 2);
        c.run(
            q("update webhooks set failures = failures + 1, last_error = $3, last_attempt_at = $4,
                 next_attempt_at = $5, lease_owner = null, lease_until = 0
               where id = $1 and lease_owner = $2")
            .bind(id)
            .bind(owner.as_str())
            .bind(error)
            .bind(now)
            .bind(now + delay),
        )
        .await?;
        Ok(())
    })
}

async fn release(db: &Db, owner: &str, id: i64) -> Result<()> {
    let owner = owner.to_owned();
    write!(db, |c, _out| async move { release_in(c, &owner, id).await })
}

async fn release_in<C: Exec>(c: &mut C, owner: &str, id: i64) -> Result<()> {
    c.run(
        q("update webhooks set lease_owner = null, lease_until = 0 where id = $1 and lease_owner = $2")
            .bind(id)
            .bind(owner),
    )
    .await?;
    Ok(())
}

/// A branch's webhooks.
///
/// # Errors
/// NotFound for an unknown branch.
pub async fn of_branch(db: &Db, branch_id: i64) -> Result<Vec<WebhookRow>> {
    read!(db, |c| {
        branches::get(c, branch_id).await?;
        c.all(
            q("select id, branch_id, url, secret, event_types, active, cursor_seq, failures, last_error, last_attempt_at, last_success_at, next_attempt_at
               from webhooks where branch_id = $1 order by id")
            .bind(branch_id),
        )
        .await
        .map_err(AppError::from)
    })
}

/// Creates a webhook after checking its address and destination, with a
/// new signing secret. It receives the events that follow its creation.
///
/// # Errors
/// Validation errors (address, event types, a refused destination);
/// NotFound.
pub async fn create(
    db: &Db,
    branch_id: i64,
    new: NewWebhook,
    allow_hosts: &[String],
    actor: Actor,
    now: i64,
) -> Result<WebhookRow> {
    let url = clean_url(&new.url)?;
    let types = clean_types(new.event_types.as_deref().unwrap_or_default())?;
    check_destination(&url, allow_hosts).await?;
    let active = new.active.unwrap_or(true);
    let secret = crate::domain::auth::new_token("whsec_");
    write!(db, |c, out| async move {
        let branch = branches::lock(c, branch_id).await?;
        let (id,): (i64,) = c
            .one(q("insert into webhooks (branch_id, url, secret, event_types, active, cursor_seq, created_at, updated_at)
                    values ($1, $2, $3, $4, $5, $6, $7, $7) returning id")
                .bind(branch_id)
                .bind(url)
                .bind(secret)
                .bind(types)
                .bind(active)
                .bind(branch.event_seq)
                .bind(now))
            .await?;
        let row = get(c, id).await?;
        append_event(c, out, &row, events::EventData::WebhookCreated, actor, now).await?;
        // Its own creation is not news to the receiver: start after it.
        c.run(
            q("update webhooks set cursor_seq = (select event_seq from branches where id = $2) where id = $1")
                .bind(id)
                .bind(branch_id),
        )
        .await?;
        get(c, id).await
    })
}

/// Changes, pauses or resumes a webhook; a new address is checked like a
/// new webhook's. Delivery is retried at once.
///
/// # Errors
/// Validation errors; NotFound.
pub async fn edit(
    db: &Db,
    branch_id: i64,
    id: i64,
    update: WebhookUpdate,
    allow_hosts: &[String],
    actor: Actor,
    now: i64,
) -> Result<WebhookRow> {
    let url = update.url.as_deref().map(clean_url).transpose()?;
    let types = update.event_types.as_deref().map(clean_types).transpose()?;
    if let Some(url) = &url {
        check_destination(url, allow_hosts).await?;
    }
    write!(db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        let mut row = get(c, id).await?;
        if let Some(v) = url {
            row.url = v;
        }
        if let Some(v) = types {
            row.event_types = v;
        }
        if let Some(v) = update.active {
            row.active = v;
        }
        c.run(
            q("update webhooks set url = $2, event_types = $3, active = $4, next_attempt_at = 0, updated_at = $5 where id = $1")
                .bind(id)
                .bind(row.url.as_str())
                .bind(row.event_types.as_str())
                .bind(row.active)
                .bind(now),
        )
        .await?;
        append_event(c, out, &row, events::EventData::WebhookUpdated, actor, now).await?;
        get(c, id).await
    })
}

/// Deletes a webhook; nothing more is sent to it.
///
/// # Errors
/// NotFound.
pub async fn delete(db: &Db, branch_id: i64, id: i64, actor: Actor, now: i64) -> Result<()> {
    write!(db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        let row = get(c, id).await?;
        c.run(q("delete from webhooks where id = $1").bind(id))
            .await?;
        append_event(c, out, &row, events::EventData::WebhookDeleted, actor, now).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        assert!(matches(&[], "ticket.called"));
        let f = vec!["ticket.*".to_owned(), "desk.opened".to_owned()];
        assert!(matches(&f, "ticket.called"));
        assert!(matches(&f, "desk.opened"));
        assert!(!matches(&f, "desk.closed"));
    }

    #[test]
    fn signature_is_hmac_of_time_and_body() {
        // Checked against an independent implementation
        // (python: hmac.new(b"key", b"1.{}", sha256).hexdigest()).
        assert_eq!(
            signature("key", 1, "{}"),
            "t=1,v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for _ in 0..20 {
            let first = backoff_ms(1, 1000, 60_000);
            assert!((500..=1000).contains(&first));
            let fourth = backoff_ms(4, 1000, 60_000);
            assert!((4000..=8000).contains(&fourth));
            let late = backoff_ms(30, 1000, 60_000);
            assert!((30_000..=60_000).contains(&late));
        }
    }
}
