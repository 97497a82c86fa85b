//! What visitors see without signing in: their ticket (by its unguessable
//! `public_token`), the ticket's QR code, and the translations of the kiosk
//! and ticket pages.
//!
//! The public token is the only credential here: 32 random bytes as 64 hex
//! characters, printed on the ticket as a QR code. Anything that is not
//! such a string is answered with the same 404 as an unknown token, before
//! the database is asked. The view carries only what a visitor needs (no
//! staff, no other tickets, no internal ids but the branch's).
//!
//! Live updates: [`live_ticket`](crate::http::public::live_ticket) (`GET …/tickets/{token}/live`) is a
//! server-sent event stream of this one ticket's view, not the branch's
//! websocket, which carries every ticket and desk of the office and needs a
//! staff or device token a visitor's phone must never hold. SSE rather than
//! a websocket because the page only listens: the browser's `EventSource`
//! reconnects by itself and passes proxies that do not upgrade. Each
//! stream is one task on the server's task tracker that recomputes the view
//! when an event of the branch touches the ticket, its service or the desks
//! (at most [`LIVE_MIN_INTERVAL`] apart, however busy the office), sends it
//! when it changed, and ends at shutdown like the websockets of `http/live.rs`.
//! The page falls back to polling [`get_public_ticket`](crate::http::public::get_public_ticket) while the stream
//! cannot connect.
//!
//! The visitor acts on their own ticket with the same token: cancel it
//! ([`cancel_public_ticket`](crate::http::public::cancel_public_ticket)), or postpone it once ([`postpone_public_ticket`](crate::http::public::postpone_public_ticket)):
//! a waiting ticket goes to the back of its service's queue, behind every
//! ticket waiting at that moment, as if it had just arrived. Its priority
//! class is kept, so a priority ticket still counts its credit (its need
//! did not change). A second postponement is refused with a 409 (the
//! count is `tickets.postpone_count`): one move back is a courtesy, more
//! would let a ticket hold a place all day. Both are recorded as events
//! (`ticket.cancelled` / `ticket.postponed` with `"by": "visitor"`; the
//! actor is `system`, as no account stands behind a visitor).
//!
//! Translations are the Fluent tree `i18n/<lang>/<bundle>.ftl` at the
//! repository's root, one bundle per page (and `print` for the kiosk
//! agent's printed ticket, which embeds the same files), embedded here;
//! adding a language is adding a folder.
//! [`get_i18n`](crate::http::public::get_i18n) formats every message of one
//! file with the numbers the page has (people ahead, minutes of wait), so
//! the pages get correct plurals (Polish has four forms) without a Fluent
//! parser in JavaScript; a variable it was not given stays in the text as
//! `{$name}` for the page to fill in (`web/common/i18n.js`). A count only
//! the page knows (people waiting, desks saved) is the variable `$count`:
//! a message that selects on it is also answered once per variant, as
//! `id[one]`, `id[few]`, `id[0]`…, and the page picks the variant for its
//! number with the language's plural rules (`Intl.PluralRules`), so a
//! console gets real plurals without a request per number.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use fluent_syntax::ast;
use rust_embed::RustEmbed;
use serde::Serialize;
use tokio::sync::{broadcast::error::RecvError, mpsc};
use tokio::time::Instant;
use utoipa::ToSchema;
use waitwell_queue::{
    MAX_POSTPONES, PostponeRefused, TicketAction, TicketStatus, postponed_queued_at, transition,
};

use crate::app::AppState;
use crate::domain::tickets::{self, Ticket};
use crate::domain::{branches, desks, services};
use crate::error::{AppError, Result};
use crate::events::{Actor, Event, EventData, Outbox};
use crate::now_ms;
use crate::store::Db;
use crate::store::{Exec, q, read};
use waitwell_proto::TicketNote;

/// Every page's translations: `<lang>/<bundle>.ftl`.
#[derive(RustEmbed)]
#[folder = "../i18n/"]
struct I18n;

/// The bundles served by [`get_i18n`](crate::http::public::get_i18n): one
/// per page, and the printed ticket's.
pub const BUNDLES: &[&str] = &[
    "kiosk",
    "ticket",
    "display",
    "office",
    "book",
    "clerk",
    "manager",
    "print",
    "standards",
];

/// Length of a public token in lowercase hex ([`new_public_token`]).
pub const PUBLIC_TOKEN_LEN: usize = 64;

/// A new public token for a ticket issued at `now` (ms since the epoch):
/// 6 bytes of the time, then 26 random bytes, in lowercase hex.
///
/// The 208 random bits make it unguessable; the time in front makes tokens
/// of consecutive tickets sort together, so the unique index on them grows
/// at one end like the others on `tickets`. A wholly random token lands on
/// a random page of that index, and a batch of tickets then writes one
/// index page per ticket to the WAL at each commit.
pub fn new_public_token(now: i64) -> String {
    let mut random = [0u8; 26];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut random);
    let time = u64::try_from(now).unwrap_or(0) & 0xffff_ffff_ffff;
    format!("{time:012x}{}", hex::encode(random))
}

/// Whether `token` has the shape of a public token.
pub fn is_public_token(token: &str) -> bool {
    token.len() == PUBLIC_TOKEN_LEN
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A ticket as its visitor sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PublicTicket {
    /// Number, e.g. `A042`.
    pub number: String,
    /// waiting, called, serving, done, no_show, cancelled, parked, expired
    /// (a transferred ticket is followed to its new queue).
    pub status: String,
    /// The visitor's language, as chosen at the kiosk.
    pub language: Option<String>,
    /// The branch's languages, for the page's language switcher.
    pub languages: Vec<String>,
    /// Service name in the ticket's language.
    pub service_name: String,
    /// People ahead, while waiting.
    pub position: Option<i64>,
    /// Estimated seconds until called, while waiting (the old formula).
    pub estimated_wait_s: Option<i64>,
    /// Predicted seconds until called, while waiting; null while no open
    /// desk serves the service (see the ticket's field of the same name).
    pub predicted_wait_s: Option<i64>,
    /// `[low, high]` seconds: 80 % of simulated futures call the ticket in
    /// this range.
    pub predicted_range_s: Option<[i64; 2]>,
    /// True while the ticket waits and no open desk serves its service.
    pub no_open_desk: bool,
    /// Desk to go to, while called or being served: its name in the
    /// ticket's language (see [`waitwell_proto::localized`]).
    pub desk_name: Option<String>,
    /// That desk's name in each of the branch's languages, each resolved
    /// with the same fallback, for a page shown in another language than
    /// the ticket's; empty while no desk is set.
    pub desk_names: BTreeMap<String, String>,
    /// Last call, ms since the epoch.
    pub called_at: Option<i64>,
    /// Office name.
    pub branch_name: String,
    /// Office id.
    pub branch_id: i64,
    /// Whether the visitor may still cancel (waiting, parked or called).
    pub can_cancel: bool,
    /// Whether the visitor may postpone (waiting, not postponed before).
    pub can_postpone: bool,
    /// Whether the visitor has postponed this ticket (only once is allowed).
    pub postponed: bool,
    /// Feedback on the visit: `open` (done today, no rating yet), `given`,
    /// or `none` (not finished, or its business day is over).
    pub feedback: String,
    /// The rating given, 1 to 5.
    pub feedback_rating: Option<i64>,
}

/// How many transfers a view follows; a ticket is transferred a handful of
/// times at most, the bound only guards against a cycle in corrupted data.
const MAX_TRANSFERS: usize = 32;

/// The ticket a public token names, followed through transfers (a
/// transfer issues a new row with a new token; the visitor keeps the
/// first one).
pub async fn by_token<C: Exec>(c: &mut C, token: &str) -> Result<Ticket> {
    if !is_public_token(token) {
        return Err(AppError::NotFound("ticket"));
    }
    let (id,): (i64,) = c
        .opt(q("select id from tickets where public_token = $1").bind(token))
        .await?
        .ok_or(AppError::NotFound("ticket"))?;
    let mut t = tickets::get(c, id).await?;
    for _ in 0..MAX_TRANSFERS {
        if t.status != TicketStatus::Transferred.as_str() {
            break;
        }
        let next: Option<(i64,)> = c
            .opt(
                q("select id from tickets where transferred_from = $1 order by id limit 1")
                    .bind(t.id),
            )
            .await?;
        match next {
            Some((id,)) => t = tickets::get(c, id).await?,
            None => break,
        }
    }
    Ok(t)
}

/// Builds the visitor's view of the ticket a public token names, from the
/// database.
///
/// # Errors
/// NotFound for a malformed or unknown token.
pub async fn view<C: Exec>(c: &mut C, token: &str) -> Result<PublicTicket> {
    view_at(c, token, now_ms()).await
}

/// [`view`] as of `now`.
///
/// # Errors
/// NotFound for a malformed or unknown token.
pub async fn view_at<C: Exec>(c: &mut C, token: &str, now: i64) -> Result<PublicTicket> {
    let t = by_token(c, token).await?;
    view_of(c, t, now).await
}

/// The visitor's view of the ticket a public token names: from the
/// branch's read model while the ticket is open, from the database once it
/// is closed (a closed ticket's page asks once, then only on its own
/// events). `fresh` asks the database for the branch's head first; a live
/// stream woken by an event the hub applied to the model skips that.
///
/// # Errors
/// NotFound for a malformed or unknown token; database errors.
pub async fn current_view(db: &Db, token: &str, fresh: bool) -> Result<(Watch, PublicTicket)> {
    let named = TokenTicket::resolve(db, token).await?;
    named.view(db, token, fresh).await
}

/// What a public token names, resolved once: its first ticket (a transfer
/// continues it under a new id) and the branch.
#[derive(Debug, Clone, Copy)]
pub struct TokenTicket {
    first: i64,
    branch_id: i64,
}

impl TokenTicket {
    /// Resolves a token.
    ///
    /// # Errors
    /// NotFound for a malformed or unknown token; database errors.
    pub async fn resolve(db: &Db, token: &str) -> Result<TokenTicket> {
        if !is_public_token(token) {
            return Err(AppError::NotFound("ticket"));
        }
        let (first, branch_id) = db
            .hub()
            .models()
            .token(db, token)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        Ok(TokenTicket { first, branch_id })
    }

    /// The view of the ticket `token` (which this was resolved from)
    /// names; see [`current_view`].
    ///
    /// # Errors
    /// NotFound; database errors.
    pub async fn view(self, db: &Db, token: &str, fresh: bool) -> Result<(Watch, PublicTicket)> {
        let models = db.hub().models();
        let current = match models.loaded(self.branch_id).filter(|_| !fresh) {
            Some(current) => current,
            None => models.current(db, self.branch_id).await?,
        };
        if let Some((t, view)) = current.public_view(self.first, now_ms())? {
            return Ok((Watch::of(&t, true), view));
        }
        read!(db, |c| {
            let t = by_token(c, token).await?;
            let open = t.status().is_ok_and(TicketStatus::is_open);
            let watch = Watch::of(&t, open);
            Ok::<_, AppError>((watch, view_of(c, t, now_ms()).await?))
        })
    }
}

/// The visitor's view of a ticket (already followed through transfers).
async fn view_of<C: Exec>(c: &mut C, t: Ticket, now: i64) -> Result<PublicTicket> {
    let postpone_count = crate::store::sql::tickets::postpone_count(c, t.id).await?;
    let rating: Option<(i64,)> = c
        .opt(q("select rating from feedback where ticket_id = $1").bind(t.id))
        .await?;
    let branch = branches::get(c, t.branch_id).await?;
    let service = services::get(c, t.service_id).await?.to_api();
    let t = tickets::with_estimate(c, &branch, t, now).await?;
    let at_desk =
        t.status == TicketStatus::Called.as_str() || t.status == TicketStatus::Serving.as_str();
    let desk = match t.desk_id {
        Some(id) if at_desk => Some(desks::get(c, id).await?),
        _ => None,
    };
    ViewParts {
        postpone_count,
        rating: rating.map(|(r,)| r),
        branch: &branch,
        service: &service,
        desk: desk.as_ref(),
        languages: branch.languages(),
    }
    .view(t, now)
}

/// What a ticket's public view is made of besides the ticket (with its
/// position and predictions filled in): read from the database
/// ([`view_of`]) or from the branch's read model (`read_model.rs`).
pub struct ViewParts<'a> {
    /// Times the visitor postponed the ticket.
    pub postpone_count: i64,
    /// The visitor's rating, if given.
    pub rating: Option<i64>,
    /// The ticket's branch.
    pub branch: &'a branches::BranchRow,
    /// The ticket's service.
    pub service: &'a waitwell_proto::Service,
    /// The desk the ticket is called to, while called or served.
    pub desk: Option<&'a waitwell_proto::Desk>,
    /// The branch's languages.
    pub languages: Vec<String>,
}

impl ViewParts<'_> {
    /// The visitor's view of `t`.
    ///
    /// # Errors
    /// A corrupted status.
    pub fn view(self, t: Ticket, now: i64) -> Result<PublicTicket> {
        let ViewParts {
            postpone_count,
            rating,
            branch,
            service,
            desk,
            languages,
        } = self;
        let desk_name = desk.map(|d| d.name_in(t.language.as_deref()).to_owned());
        let desk_names = desk
            .map(|d| {
                languages
                    .iter()
                    .map(|l| (l.clone(), d.name_in(Some(l)).to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let status = t.status()?;
        let feedback = match rating {
            Some(_) => "given",
            None if crate::domain::feedback::window_open(branch, &t, now) => "open",
            None => "none",
        };
        Ok(PublicTicket {
            can_cancel: transition(status, TicketAction::Cancel).is_ok(),
            can_postpone: transition(status, TicketAction::Postpone).is_ok()
                && postpone_count < MAX_POSTPONES,
            postponed: postpone_count > 0,
            feedback: feedback.to_owned(),
            feedback_rating: rating,
            service_name: waitwell_proto::localized(
                &service.name,
                &service.names,
                t.language.as_deref(),
            )
            .to_owned(),
            number: t.number,
            status: t.status,
            language: t.language,
            languages,
            position: t.position,
            estimated_wait_s: t.estimated_wait_s,
            predicted_wait_s: t.predicted_wait_s,
            predicted_range_s: t.predicted_range_s,
            no_open_desk: t.no_open_desk,
            desk_name,
            desk_names,
            called_at: t.called_at,
            branch_name: branch.name.clone(),
            branch_id: branch.id,
        })
    }
}

/// Appends a visitor's ticket event through [`tickets::record`], so live clients can
/// apply it like any other: the ticket after the change, `extra` fields,
/// its service's queue summary and its desk.
///
/// # Errors
/// Database errors.
pub(crate) async fn ticket_event<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    ticket: &Ticket,
    event: tickets::TicketEvent,
    now: i64,
    note: TicketNote,
) -> Result<()> {
    tickets::record(c, out, ticket, event, None, Actor::System, now, note).await
}

/// Locks the branch of the ticket a token names and reads the ticket again
/// under the lock.
async fn lock_by_token<C: Exec>(c: &mut C, token: &str) -> Result<Ticket> {
    let t = by_token(c, token).await?;
    branches::lock(c, t.branch_id).await?;
    by_token(c, token).await
}

/// The visitor cancels their ticket (waiting, parked or called).
///
/// # Errors
/// NotFound for an unknown token; Conflict when the ticket is no longer
/// open or is being served.
pub async fn visitor_cancel<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    token: &str,
    now: i64,
) -> Result<PublicTicket> {
    let t = by_token(c, token).await?;
    let after = tickets::cancel(
        c,
        out,
        t.id,
        Actor::System,
        now,
        TicketNote {
            by: Some("visitor".to_owned()),
            ..TicketNote::default()
        },
    )
    .await?;
    view_of(c, after, now).await
}

/// The visitor postpones their waiting ticket: it goes behind every ticket
/// of its service waiting now (see the module doc), once.
///
/// # Errors
/// NotFound for an unknown token; Conflict when the ticket is not waiting
/// or was postponed before.
pub async fn visitor_postpone<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    token: &str,
    now: i64,
) -> Result<PublicTicket> {
    let t = lock_by_token(c, token).await?;
    let count = crate::store::sql::tickets::postpone_count(c, t.id).await?;
    let (last,): (Option<i64>,) = c
        .one(
            q("select max(queued_at) from tickets
               where branch_id = $1 and service_id = $2 and status = 'waiting' and id <> $3")
            .bind(t.branch_id)
            .bind(t.service_id)
            .bind(t.id),
        )
        .await?;
    let queued_at = match postponed_queued_at(t.status()?, count, last, now) {
        Ok(at) => at,
        Err(PostponeRefused::NotWaiting(e)) => return Err(e.into()),
        Err(refused) => return Err(AppError::conflict(refused.to_string())),
    };
    c.run(
        q("update tickets set queued_at = $2, postpone_count = postpone_count + 1, updated_at = $3
           where id = $1")
        .bind(t.id)
        .bind(queued_at)
        .bind(now),
    )
    .await?;
    let after = tickets::get(c, t.id).await?;
    ticket_event(
        c,
        out,
        &after,
        EventData::TicketPostponed,
        now,
        TicketNote {
            by: Some("visitor".to_owned()),
            queued_at_before: Some(t.queued_at),
            ..TicketNote::default()
        },
    )
    .await?;
    view_of(c, after, now).await
}

/// The shortest time between two recomputations of one live stream's view.
pub const LIVE_MIN_INTERVAL: Duration = Duration::from_millis(400);
/// How often a live stream sends a keep-alive comment.
pub const LIVE_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Streams one ticket may have open at once: a visitor's phone, a second
/// tab, a companion's phone. The token is a credential anyone holding it
/// can use, so without a cap one link could hold any number of server tasks.
pub const STREAMS_PER_TICKET: usize = 4;
/// Ticket streams one server process holds at most.
pub const STREAMS_TOTAL: usize = 20_000;

/// Open ticket streams, per ticket token and in all. Lives in
/// [`AppState`]; each stream holds a [`StreamSlot`] until it ends.
#[derive(Debug, Default)]
pub struct TicketStreams {
    open: Mutex<OpenStreams>,
}

#[derive(Debug, Default)]
struct OpenStreams {
    per_token: HashMap<String, usize>,
    total: usize,
}

impl TicketStreams {
    fn open(&self) -> MutexGuard<'_, OpenStreams> {
        // A panic elsewhere while holding the lock leaves counts that are
        // still consistent (every change is one statement).
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a place for one more stream of `token`.
    ///
    /// # Errors
    /// TooManyRequests when the ticket already has
    /// [`STREAMS_PER_TICKET`] streams; Unavailable when the process holds
    /// [`STREAMS_TOTAL`].
    pub fn admit(self: &Arc<Self>, token: &str) -> Result<StreamSlot> {
        let mut open = self.open();
        if open.total >= STREAMS_TOTAL {
            return Err(AppError::overloaded(
                "too many live ticket streams on this server; the page polls instead",
            ));
        }
        let n = open.per_token.entry(token.to_owned()).or_default();
        if *n >= STREAMS_PER_TICKET {
            return Err(AppError::TooManyRequests(LIVE_KEEP_ALIVE.as_secs()));
        }
        *n += 1;
        open.total += 1;
        Ok(StreamSlot {
            streams: Arc::clone(self),
            token: token.to_owned(),
        })
    }

    /// Streams open for `token`.
    pub fn count(&self, token: &str) -> usize {
        self.open().per_token.get(token).copied().unwrap_or(0)
    }
}

/// One open stream's place in [`TicketStreams`], given back on drop.
#[derive(Debug)]
pub struct StreamSlot {
    streams: Arc<TicketStreams>,
    token: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.open();
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.per_token.get_mut(&self.token) {
            *n -= 1;
            if *n == 0 {
                open.per_token.remove(&self.token);
            }
        }
    }
}

/// What a live stream watches: the ticket it shows (after transfers) and,
/// while it is open, that ticket's service and the desks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watch {
    branch_id: i64,
    ticket_id: i64,
    service_id: i64,
    /// Whether the ticket is open: a closed ticket's view changes only
    /// with its own events (a rating).
    open: bool,
}

impl Watch {
    fn of(t: &Ticket, open: bool) -> Watch {
        Watch {
            branch_id: t.branch_id,
            ticket_id: t.id,
            service_id: t.service_id,
            open,
        }
    }

    /// Whether `event` may change the view: the ticket itself (a transfer
    /// names the old ticket), any ticket of its service (people ahead),
    /// desks (open desks change the estimate; the called desk's name) and
    /// its service's settings.
    fn touched_by(&self, event: &Event) -> bool {
        self.touches(event.branch_id, &event.kind, event.ticket_id, event.data())
    }

    /// [`touched_by`](Self::touched_by) on an event's parts.
    fn touches(
        &self,
        branch_id: i64,
        kind: &str,
        ticket_id: Option<i64>,
        data: &serde_json::Value,
    ) -> bool {
        if branch_id != self.branch_id {
            return false;
        }
        if ticket_id == Some(self.ticket_id) {
            return true;
        }
        if !self.open {
            return false;
        }
        if kind.starts_with("desk.") {
            return true;
        }
        if kind.starts_with("service.") {
            return data["id"].as_i64() == Some(self.service_id);
        }
        data["ticket"]["service_id"].as_i64() == Some(self.service_id)
    }
}

/// Whether a view will not change any more, so its stream can end: a
/// final ticket with no feedback to wait for.
fn settled(v: &PublicTicket) -> bool {
    let open = v
        .status
        .parse::<TicketStatus>()
        .map(TicketStatus::is_open)
        .unwrap_or(false);
    !open && v.feedback != "open"
}

/// One live stream: subscribes before reading the first view (nothing
/// falls in between), then recomputes on relevant events, coalesced. Ends
/// when the client goes away (the channel closes), at shutdown, or once
/// the ticket is settled.
pub(crate) async fn live_session(
    state: AppState,
    token: String,
    tx: mpsc::Sender<PublicTicket>,
    _slot: StreamSlot,
) {
    let mut rx = state.db.hub().subscribe();
    let Ok(named) = TokenTicket::resolve(&state.db, &token).await else {
        return;
    };
    let Ok((mut watch, mut last)) = named.view(&state.db, &token, true).await else {
        return;
    };
    if tx.send(last.clone()).await.is_err() || settled(&last) {
        return;
    }
    let mut dirty = false;
    let mut next_allowed = Instant::now() + LIVE_MIN_INTERVAL;
    loop {
        tokio::select! {
            () = state.shutdown.cancelled() => return,
            () = tx.closed() => return,
            received = rx.recv() => match received {
                Ok(event) => dirty |= watch.touched_by(&event),
                // Fell behind the hub: something may have been missed.
                Err(RecvError::Lagged(_)) => dirty = true,
                Err(RecvError::Closed) => return,
            },
            () = tokio::time::sleep_until(next_allowed), if dirty => {
                dirty = false;
                next_allowed = Instant::now() + LIVE_MIN_INTERVAL;
                let Ok((w, v)) = named.view(&state.db, &token, false).await else {
                    // A database hiccup: try again after the interval.
                    dirty = true;
                    continue;
                };
                watch = w;
                if v != last {
                    if tx.send(v.clone()).await.is_err() {
                        return;
                    }
                    last = v;
                    if settled(&last) {
                        return;
                    }
                }
            }
        }
    }
}

/// The address of a ticket's public page.
pub fn ticket_url(public_url: &str, token: &str) -> String {
    format!("{}/ticket/?t={token}", public_url.trim_end_matches('/'))
}

/// A QR code of `data` as a standalone SVG document.
///
/// # Errors
/// Internal when the data does not fit a QR code (a public URL of
/// thousands of characters).
pub fn qr_svg(data: &str) -> Result<String> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::internal(format!("QR code of {} bytes: {e}", data.len())))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// Whether `lang` looks like a language tag that may name a file.
fn is_lang_file_name(lang: &str) -> bool {
    !lang.is_empty()
        && lang.len() <= 20
        && lang.split('-').all(|part| {
            !part.is_empty() && part.len() <= 8 && part.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// The Fluent source of one page's translations.
pub(crate) fn ftl_source(bundle: &str, lang: &str) -> Result<Cow<'static, [u8]>> {
    if !BUNDLES.contains(&bundle) {
        return Err(AppError::invalid(format!(
            "the bundle must be one of {}",
            BUNDLES.join(", ")
        )));
    }
    if !is_lang_file_name(lang) {
        return Err(AppError::NotFound("language"));
    }
    I18n::get(&format!("{lang}/{bundle}.ftl"))
        .map(|f| f.data)
        .ok_or(AppError::NotFound("language"))
}

/// The languages a page is translated into, sorted.
pub fn languages(bundle: &str) -> Vec<String> {
    let file = format!("/{bundle}.ftl");
    let mut out: Vec<String> = I18n::iter()
        .filter_map(|n| n.strip_suffix(file.as_str()).map(str::to_owned))
        .collect();
    out.sort();
    out
}

/// Ids of the messages a Fluent file defines: a message starts at the
/// beginning of a line with its identifier and `=` (terms start with `-`,
/// comments with `#`, continuation lines with a space).
fn message_ids(source: &str) -> Vec<&str> {
    source
        .lines()
        .filter_map(|line| {
            let (id, _) = line.split_once('=')?;
            let id = id.trim_end();
            let mut chars = id.chars();
            let first = chars.next()?;
            (first.is_ascii_alphabetic()
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .then_some(id)
        })
        .collect()
}

/// Formats every message (and attribute, as `id.attr`) of a Fluent file
/// with numeric arguments.
///
/// # Errors
/// Internal for a file that does not parse; missing arguments are not
/// errors (Fluent shows the argument's name).
pub fn format_all(
    lang: &str,
    source: &str,
    args: &BTreeMap<&str, i64>,
) -> Result<BTreeMap<String, String>> {
    let langid: unic_langid::LanguageIdentifier =
        lang.parse().map_err(|_| AppError::NotFound("language"))?;
    let resource = FluentResource::try_new(source.to_owned())
        .map_err(|(_, errors)| AppError::internal(format!("{lang}.ftl: {errors:?}")))?;
    let mut bundle = FluentBundle::new(vec![langid]);
    // The strings go into HTML text nodes one by one, not into a
    // right-to-left paragraph: no Unicode isolation marks.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .map_err(|errors| AppError::internal(format!("{lang}.ftl: {errors:?}")))?;
    let mut fargs = FluentArgs::new();
    for (name, value) in args {
        fargs.set(*name, FluentValue::from(*value));
    }
    let mut out = BTreeMap::new();
    for id in message_ids(source) {
        let Some(message) = bundle.get_message(id) else {
            continue;
        };
        let mut errors = Vec::new();
        if let Some(pattern) = message.value() {
            let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
            out.insert(id.to_owned(), text.into_owned());
            for (key, variant) in count_variants(pattern) {
                let text = bundle.format_pattern(&variant, Some(&fargs), &mut errors);
                out.insert(format!("{id}[{key}]"), text.into_owned());
            }
        }
        for attr in message.attributes() {
            let text = bundle.format_pattern(attr.value(), Some(&fargs), &mut errors);
            out.insert(format!("{id}.{}", attr.id()), text.into_owned());
        }
    }
    Ok(out)
}

/// The variable of a plural the page chooses itself (see the module
/// comment): never a formatting argument of [`get_i18n`].
///
/// [`get_i18n`]: crate::http::public::get_i18n
const PAGE_COUNT: &str = "count";

/// The variants of a pattern's first selection on `$count`, each as the
/// whole pattern with that variant in place of the selection, keyed by
/// the variant's key (`one`, `few`, `0`…); empty when it has none.
fn count_variants<'p>(pattern: &ast::Pattern<&'p str>) -> Vec<(String, ast::Pattern<&'p str>)> {
    let elements = &pattern.elements;
    for (i, element) in elements.iter().enumerate() {
        let ast::PatternElement::Placeable {
            expression:
                ast::Expression::Select {
                    selector: ast::InlineExpression::VariableReference { id },
                    variants,
                },
        } = element
        else {
            continue;
        };
        if id.name != PAGE_COUNT {
            continue;
        }
        return variants
            .iter()
            .map(|variant| {
                let key = match &variant.key {
                    ast::VariantKey::Identifier { name } => (*name).to_owned(),
                    ast::VariantKey::NumberLiteral { value } => (*value).to_owned(),
                };
                let mut flat = elements[..i].to_vec();
                flat.extend(variant.value.elements.iter().cloned());
                flat.extend(elements[i + 1..].iter().cloned());
                (key, ast::Pattern { elements: flat })
            })
            .collect();
    }
    Vec::new()
}

/// Largest number accepted as a formatting argument.
const MAX_ARG: i64 = 1_000_000;

/// The numeric arguments of [`get_i18n`]: `ahead`, `wait_min` and the
/// predicted range `low_min`, `high_min`, each 0 to 1,000,000 (default 0).
/// Anything else is a 422.
pub(crate) fn parse_args(query: &HashMap<String, String>) -> Result<BTreeMap<&'static str, i64>> {
    let mut args = BTreeMap::from([
        ("ahead", 0),
        ("wait_min", 0),
        ("low_min", 0),
        ("high_min", 0),
    ]);
    for (name, value) in query {
        let key = match name.as_str() {
            "ahead" => "ahead",
            "wait_min" => "wait_min",
            "low_min" => "low_min",
            "high_min" => "high_min",
            other => {
                return Err(AppError::invalid(format!(
                    "unknown parameter {other:?}: only ahead, wait_min, low_min and high_min"
                )));
            }
        };
        let n: i64 = value
            .parse()
            .ok()
            .filter(|n| (0..=MAX_ARG).contains(n))
            .ok_or_else(|| {
                AppError::invalid(format!("{key} must be a whole number from 0 to {MAX_ARG}"))
            })?;
        args.insert(key, n);
    }
    Ok(args)
}

/// Whether a ticket has this public token.
///
/// # Errors
/// Database errors.
pub async fn exists(db: &Db, token: &str) -> Result<bool> {
    let token = token.to_owned();
    let found: Option<(i64,)> = read!(db, |c| c
        .opt(q("select id from tickets where public_token = $1").bind(token))
        .await
        .map_err(AppError::from))?;
    Ok(found.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_tokens_are_unguessable_and_sort_by_issue_time() {
        let now = 1_795_000_000_000;
        let a = new_public_token(now);
        let b = new_public_token(now);
        let later = new_public_token(now + 1);
        for t in [&a, &b, &later] {
            assert!(is_public_token(t), "{t}");
        }
        assert_eq!(&a[..12], format!("{now:012x}"));
        // Same millisecond: the random part tells them apart.
        assert_ne!(a, b);
        assert!(a < later && b < later);
    }

    #[test]
    fn live_streams_wake_for_their_ticket_service_and_desks_only() {
        let w = Watch {
            branch_id: 1,
            ticket_id: 10,
            service_id: 3,
            open: true,
        };
        let ticket = |service: i64| serde_json::json!({ "ticket": { "service_id": service } });
        let none = serde_json::Value::Null;
        assert!(w.touches(1, "ticket.called", Some(10), &ticket(3)));
        // A transfer names the old ticket, whose service was another.
        assert!(w.touches(1, "ticket.transferred", Some(10), &ticket(4)));
        assert!(w.touches(1, "ticket.issued", Some(11), &ticket(3)));
        assert!(!w.touches(1, "ticket.issued", Some(12), &ticket(4)));
        assert!(w.touches(1, "desk.opened", None, &none));
        assert!(w.touches(1, "service.updated", None, &serde_json::json!({ "id": 3 })));
        assert!(!w.touches(1, "service.updated", None, &serde_json::json!({ "id": 4 })));
        assert!(!w.touches(1, "user.created", None, &none));
        assert!(!w.touches(2, "ticket.called", Some(10), &ticket(3)));
        // A closed ticket's page changes only with its own events.
        let closed = Watch { open: false, ..w };
        assert!(closed.touches(1, "feedback.given", Some(10), &none));
        assert!(!closed.touches(1, "ticket.issued", Some(11), &ticket(3)));
        assert!(!closed.touches(1, "desk.opened", None, &none));
    }

    #[test]
    fn token_shape() {
        assert!(is_public_token(&"ab12".repeat(16)));
        assert!(!is_public_token(&"AB12".repeat(16)));
        assert!(!is_public_token(&"ab1".repeat(21)));
        assert!(!is_public_token(&"g".repeat(64)));
        assert!(!is_public_token(""));
    }

    #[test]
    fn message_ids_skip_terms_comments_and_continuations() {
        let src = "# c\n-brand = W\nhello = Hi\n  .title = T\nmulti =\n    a = b\nx_y-2 = z\n";
        assert_eq!(message_ids(src), vec!["hello", "multi", "x_y-2"]);
    }

    #[test]
    fn every_shipped_file_parses_with_the_same_ids() {
        for bundle in BUNDLES {
            let langs = languages(bundle);
            assert!(langs.contains(&"en".to_owned()), "{bundle}: {langs:?}");
            let en = ftl_source(bundle, "en").unwrap();
            let en_ids: Vec<String> = message_ids(std::str::from_utf8(&en).unwrap())
                .into_iter()
                .map(str::to_owned)
                .collect();
            for lang in langs {
                let src = ftl_source(bundle, &lang).unwrap();
                let src = std::str::from_utf8(&src).unwrap();
                let formatted = format_all(&lang, src, &BTreeMap::from([("ahead", 3)])).unwrap();
                for id in &en_ids {
                    assert!(formatted.contains_key(id), "{bundle}/{lang}.ftl lacks {id}");
                }
            }
        }
    }

    #[test]
    fn count_plurals_are_answered_per_variant() {
        let src = "n = { $count ->\n    [0] nobody\n    [one] { $count } desk\n   *[other] { $count } desks\n} saved\nplain = { $count } waiting\n";
        let out = format_all("en", src, &BTreeMap::new()).unwrap();
        assert_eq!(out["n"], "{$count} desks saved");
        assert_eq!(out["n[0]"], "nobody saved");
        assert_eq!(out["n[one]"], "{$count} desk saved");
        assert_eq!(out["n[other]"], "{$count} desks saved");
        assert_eq!(out["plain"], "{$count} waiting");
        assert!(!out.contains_key("plain[other]"));
        // Polish managers see the four forms the page chooses among.
        let pl = ftl_source("manager", "pl").unwrap();
        let pl = format_all("pl", std::str::from_utf8(&pl).unwrap(), &BTreeMap::new()).unwrap();
        for key in ["one", "few", "many"] {
            assert!(pl.contains_key(&format!("waiting-count[{key}]")), "{key}");
        }
    }

    #[test]
    fn bad_language_names_are_not_found() {
        for lang in ["", "../en", "en/../pl", "e n", "xx"] {
            assert!(matches!(
                ftl_source("kiosk", lang),
                Err(AppError::NotFound(_))
            ));
        }
        assert!(matches!(
            ftl_source("nonsense", "en"),
            Err(AppError::Validation(_))
        ));
    }
}
