//! The agent loop: follows the branch's live stream with the kiosk's token,
//! turns `ticket.issued` events issued by this kiosk into printed tickets,
//! and reports the printer's state to the server.
//!
//! Jobs are handled one at a time, in seq order. A job whose printer is
//! unreachable or not ready stays at the head of the queue and is retried
//! with back-off until it prints or expires (`job_expiry_s`): the visitor
//! already has the ticket on the kiosk screen and the server keeps it, so
//! an unprinted ticket is an inconvenience, not a loss.
//!
//! **Delivery.** A ticket counts as printed only when the printer confirms
//! it (see [`printer`]: a `GS r 1` sent after the ticket is answered only
//! once the ticket went through). A ticket the printer did not confirm (the
//! connection reset or a write failed half-way, the paper ran out) is
//! reported with the printer's real state and printed again *whole*, with
//! back-off, until the job expires. Printers without status queries (device
//! files) cannot confirm: a completed write counts as printed there, as it
//! does for a printer that stays ready but never answers `GS r 1`.
//!
//! **The state file and `kill -9`.** Before the first byte of a ticket is
//! written, the job is persisted as *in flight*; right after the printer
//! confirms it, as *done* (its seq), before anything else (even the status
//! report). Each save is a write to a temporary file, `fsync`, rename and
//! an `fsync` of the directory, so a crash leaves the old or the new state,
//! never a torn one. The window in which a crash leaves the outcome unknown
//! is therefore the printing itself, from the first byte to the
//! confirmation. For that window the agent is **at-least-once**: after a
//! restart the in-flight ticket is printed again, whole (if the start-up
//! window below still allows it). A duplicate is handed to the visitor who
//! is still at the kiosk, and both copies open the same ticket; a missing
//! ticket would leave a visitor who walked away from the screen without
//! their number. The start-up window keeps the duplicate from turning into
//! a stranger's ticket left in the tray: after it, nothing is reprinted.
//!
//! **Start-up.** After a restart the stream resumes from the state file,
//! but tickets issued before the agent started are printed only if issued
//! within `startup_window_s` (default 120 s); their visitors have left the
//! kiosk otherwise, and a pile of strangers' tickets (whose QR codes open,
//! and cancel, the tickets) is worse than none.

use std::collections::VecDeque;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use chrono::TimeZone as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;
use waitwell_client::proto::localized;
use waitwell_client::{LiveClient, LiveConfig, LiveState, Update};

use crate::config::Config;
use crate::layout::{self, Logo, PrintTicket};
use crate::printer::{self, PrinterError, ReportedState};
use crate::raster::Fonts;

/// The server's HTTP API, as this kiosk uses it.
#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
    token: String,
}

/// Who the token belongs to (`GET /api/v1/auth/me`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// This kiosk's device id.
    pub device_id: i64,
    /// Its branch.
    pub branch_id: i64,
}

/// A ticket as `GET /api/v1/tickets/{id}` returns it (the fields printed).
#[derive(Debug, Clone, Deserialize)]
pub struct Ticket {
    /// Id.
    pub id: i64,
    /// Printed number, e.g. `A042`.
    pub number: String,
    /// Service.
    pub service_id: i64,
    /// ms since the epoch.
    pub issued_at: i64,
    /// People ahead.
    #[serde(default)]
    pub position: Option<i64>,
    /// Estimated seconds until called (the old formula).
    #[serde(default)]
    pub estimated_wait_s: Option<i64>,
    /// Predicted seconds until called; printed in preference to the
    /// estimate (older servers do not send it).
    #[serde(default)]
    pub predicted_wait_s: Option<i64>,
    /// No open desk serves the service: no wait is printed at all.
    #[serde(default)]
    pub no_open_desk: bool,
    /// Visitor's language.
    #[serde(default)]
    pub language: Option<String>,
    /// Secret of the visitor's ticket page.
    #[serde(default)]
    pub public_token: String,
}

impl Api {
    /// A client for `base` with the device token.
    ///
    /// # Errors
    /// The HTTP client cannot be built.
    pub fn new(base: &str, token: &str) -> anyhow::Result<Api> {
        Ok(Api {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = resp.status();
        if !status.is_success() {
            bail!("GET {path}: {status}");
        }
        Ok(resp.json().await?)
    }

    /// Who the token belongs to; fails for anything but a kiosk.
    ///
    /// # Errors
    /// Server unreachable, token rejected, or not a kiosk token.
    pub async fn me(&self) -> anyhow::Result<Identity> {
        let me = self.get("/api/v1/auth/me").await?;
        if me["kind"] != "device" || me["device_kind"] != "kiosk" {
            bail!("the token is not a kiosk's device token");
        }
        Ok(Identity {
            device_id: me["device_id"].as_i64().context("device_id")?,
            branch_id: me["branch_id"].as_i64().context("branch_id")?,
        })
    }

    /// The branch and its services, in the shape of a live snapshot without
    /// tickets: what printing needs before the stream has sent a snapshot.
    ///
    /// # Errors
    /// Server unreachable or an unexpected answer.
    pub async fn branch_snapshot(&self, branch_id: i64, seq: i64) -> anyhow::Result<Value> {
        use waitwell_client::proto::{
            Branch, Service, ServiceSummary, ServiceWithSummary, Snapshot,
        };
        let branch: Branch =
            serde_json::from_value(self.get(&format!("/api/v1/branches/{branch_id}")).await?)?;
        let services = self
            .get(&format!("/api/v1/branches/{branch_id}/services"))
            .await?;
        let services: Vec<Service> = serde_json::from_value(match services.get("items") {
            Some(items) => items.clone(),
            None => services,
        })?;
        // What the agent prints needs the office and its services; queues,
        // desks and calls come with the live stream.
        let services = services
            .into_iter()
            .filter(|s| s.active)
            .map(|s| {
                let summary = ServiceSummary {
                    id: s.id,
                    waiting: 0,
                    estimated_wait_s: 0,
                    open_desks: 0,
                };
                ServiceWithSummary::new(s, summary)
            })
            .collect();
        Ok(serde_json::to_value(Snapshot {
            kind: Default::default(),
            protocol: waitwell_client::proto::live::PROTOCOL,
            seq,
            prev_seq: None,
            branch,
            services,
            desks: Vec::new(),
            tickets: Vec::new(),
            calls: Vec::new(),
        })?)
    }

    /// A ticket, or `None` when the server does not know it.
    ///
    /// # Errors
    /// Server unreachable or an unexpected answer.
    pub async fn ticket(&self, id: i64) -> anyhow::Result<Option<Ticket>> {
        let path = format!("/api/v1/tickets/{id}");
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        match resp.status() {
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => Ok(Some(resp.json().await?)),
            s => bail!("GET {path}: {s}"),
        }
    }

    /// Reports the printer's state.
    ///
    /// # Errors
    /// Server unreachable or the report refused.
    pub async fn report(
        &self,
        device_id: i64,
        state: ReportedState,
        detail: Option<&str>,
    ) -> anyhow::Result<()> {
        let path = format!("/api/v1/devices/{device_id}/status");
        let mut body = json!({ "printer": state });
        if let Some(d) = detail {
            // The server takes at most 200 characters.
            body["detail"] = Value::String(d.chars().take(200).collect());
        }
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        if !resp.status().is_success() {
            bail!("POST {path}: {}", resp.status());
        }
        Ok(())
    }
}

/// What the state file holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Persisted {
    /// Branch the seq belongs to.
    pub branch_id: i64,
    /// Seq of the last print job done (printed and confirmed, or given up).
    pub seq: i64,
    /// The job being printed: saved before its first byte is written and
    /// cleared when it is done. Found at start, it means the agent stopped
    /// while the printer had the ticket, so it may or may not have printed.
    #[serde(default)]
    pub in_flight: Option<InFlight>,
}

/// A job whose ticket may have reached the printer, not yet confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    /// The job's seq (its `ticket.issued` event).
    pub seq: i64,
    /// The ticket.
    pub ticket_id: i64,
}

impl Persisted {
    /// Reads the state file; missing or unreadable means nothing handled.
    pub fn load(path: &Path) -> Persisted {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Writes the state file durably and atomically: a temporary file,
    /// `fsync`, rename over the old one, `fsync` of the directory (so the
    /// rename itself survives a power cut). A crash leaves the old or the
    /// new state, never a torn file.
    ///
    /// # Errors
    /// I/O.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        use std::io::Write as _;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&serde_json::to_vec(self)?)?;
            file.sync_all()
        };
        write().with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
        // Directories cannot be opened for syncing everywhere (Windows);
        // where they can, a failure is worth knowing.
        #[cfg(unix)]
        {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .with_context(|| format!("syncing {}", dir.display()))?;
        }
        Ok(())
    }
}

/// One print job: a `ticket.issued` event of this kiosk.
#[derive(Debug, Clone, Copy)]
struct Job {
    seq: i64,
    ticket_id: i64,
    received: Instant,
}

/// The job in an event, if it is one for `device_id`.
fn job_of(event: &Value, device_id: i64) -> Option<(i64, i64)> {
    if event["type"] != "ticket.issued" || event["actor"] != format!("device:{device_id}") {
        return None;
    }
    Some((event["seq"].as_i64()?, event["ticket_id"].as_i64()?))
}

/// The ticket as printed: language, names and time from the branch and
/// services the live stream holds.
pub fn print_ticket(
    ticket: &Ticket,
    live: &LiveState,
    config: &Config,
    logo: Option<&Logo>,
) -> PrintTicket {
    let branch = live.branch.as_ref();
    let language = ticket
        .language
        .clone()
        .or_else(|| branch.and_then(|b| b.languages.first().cloned()))
        .unwrap_or_else(|| "en".to_owned());
    let service_name = live
        .services
        .get(&ticket.service_id)
        .map(|s| localized(&s.service.name, &s.service.names, Some(&language)))
        .unwrap_or_default();
    let tz: chrono_tz::Tz = branch
        .and_then(|b| b.timezone.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    let issued = tz
        .timestamp_millis_opt(ticket.issued_at)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    PrintTicket {
        office: branch.map(|b| b.name.clone()).unwrap_or_default(),
        number: ticket.number.clone(),
        service: service_name.to_owned(),
        issued,
        people_ahead: ticket.position,
        // A queue no open desk serves gets no wait on paper rather than a
        // number nobody can keep.
        wait_minutes: if ticket.no_open_desk {
            None
        } else {
            ticket
                .predicted_wait_s
                .or(ticket.estimated_wait_s)
                .map(|s| (s.max(0) + 30) / 60)
        },
        qr: (!ticket.public_token.is_empty())
            .then(|| format!("{}/ticket/?t={}", config.public_url(), ticket.public_token)),
        message: branch
            .map(|b| localized(&b.kiosk_message, &b.kiosk_messages, Some(&language)).to_owned())
            .unwrap_or_default(),
        code_page: config.printer.code_page_for(&language),
        language,
        width: config.printer.paper_width,
        logo: logo.cloned(),
    }
}

/// Opens the printer and prints `bytes` (see [`printer::print`]).
///
/// # Errors
/// See [`printer::print`] and [`printer::open`].
pub async fn print_bytes(config: &Config, bytes: &[u8]) -> Result<printer::Printed, PrinterError> {
    let mut io = printer::open(&config.printer.connection).await?;
    let printed = printer::print(&mut io, bytes, config.printer.queries()).await;
    if printed.is_ok() {
        use tokio::io::AsyncWriteExt as _;
        let _ = io.shutdown().await;
    }
    printed
}

/// Checks the printer without printing: its state when it answers status
/// queries, otherwise whether it can be opened.
async fn check_printer(config: &Config) -> (ReportedState, Option<String>) {
    let mut io = match printer::open(&config.printer.connection).await {
        Ok(io) => io,
        Err(e) => return (e.reported(), Some(e.to_string())),
    };
    if !config.printer.queries() {
        return (ReportedState::Ok, None);
    }
    match printer::query_status(&mut io).await {
        Ok(status) => (status.reported(), status.detail()),
        Err(e) => (e.reported(), Some(e.to_string())),
    }
}

/// Runs the agent until `shutdown` completes.
///
/// # Errors
/// Only for a misconfiguration found at start (bad logo, unreadable
/// fallback font, unwritable state file); the server or printer being away is retried forever.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    tokio::pin!(shutdown);
    // Tickets issued before this moment were issued while the agent was
    // down (or starting): `startup_window_s` applies to them.
    let started_ms = chrono::Utc::now().timestamp_millis();
    let logo = config.printer.load_logo()?;
    // Once, here: a CJK fallback font is large, and a bad path should stop
    // the agent at start rather than at the first Chinese ticket.
    let fonts = config.printer.load_fonts()?;
    let api = Api::new(&config.server_url, &config.token)?;
    let state_file = config.state_file();

    let mut backoff = config.retry_min();
    let me = loop {
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            me = api.me() => match me {
                Ok(me) => break me,
                Err(e) => {
                    tracing::warn!("signing in: {e:#}; retrying in {backoff:?}");
                    tokio::select! {
                        () = &mut shutdown => return Ok(()),
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(config.retry_max());
                }
            },
        }
    };
    tracing::info!(
        device = me.device_id,
        branch = me.branch_id,
        "kiosk agent started"
    );

    let mut persisted = Persisted::load(&state_file);
    if persisted.branch_id != me.branch_id {
        persisted = Persisted {
            branch_id: me.branch_id,
            ..Persisted::default()
        };
    }
    if let Some(job) = persisted.in_flight {
        // At-least-once (see the module documentation): the job's event is
        // replayed below, and the ticket printed again if still young.
        tracing::warn!(
            ticket = job.ticket_id,
            seq = job.seq,
            "the agent stopped while this ticket was being printed; printing it again \
             if it was issued within startup_window_s"
        );
    }
    persisted.save(&state_file)?;

    // After a restart the stream resumes from the state file, so tickets
    // issued while the agent was down are seen too; `handle` prints only
    // those within the start-up window. Resumed streams carry no snapshot: the
    // branch and services that printing needs come over REST first.
    let mut state = LiveState::default();
    let mut have_snapshot = false;
    let mut live_config = LiveConfig::new(
        vec![config.server_url.clone()],
        me.branch_id,
        config.token.clone(),
    );
    if persisted.seq > 0 {
        let mut backoff = config.retry_min();
        let snapshot = loop {
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                got = api.branch_snapshot(me.branch_id, persisted.seq) => match got {
                    Ok(snapshot) => break snapshot,
                    Err(e) => {
                        tracing::warn!("reading the branch: {e:#}; retrying in {backoff:?}");
                        tokio::select! {
                            () = &mut shutdown => return Ok(()),
                            () = tokio::time::sleep(backoff) => {}
                        }
                        backoff = (backoff * 2).min(config.retry_max());
                    }
                },
            }
        };
        state.apply(&snapshot);
        have_snapshot = true;
        live_config.since = Some(persisted.seq);
    }
    let mut live = LiveClient::start(live_config);
    let mut jobs: VecDeque<Job> = VecDeque::new();
    // Highest seq queued or handled: a replayed event is not queued twice.
    let mut queued_up_to = persisted.seq;
    let mut retry_at: Option<Instant> = None;
    let mut backoff = config.retry_min();
    let limits = Limits {
        expiry: Duration::from_secs(config.job_expiry_s),
        startup_window: config.startup_window(),
        started_ms,
    };
    let mut status_tick =
        tokio::time::interval(Duration::from_secs(config.status_interval_s.max(1)));
    status_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    loop {
        let due = retry_at.is_none_or(|t| t <= Instant::now());
        if have_snapshot
            && due
            && let Some(job) = jobs.front().copied()
        {
            let mut ctx = Ctx {
                api: &api,
                config: &config,
                live: &state,
                logo: logo.as_ref(),
                fonts: &fonts,
                me,
                persisted: &mut persisted,
                state_file: &state_file,
            };
            let outcome = handle(&mut ctx, job, limits).await;
            match outcome {
                Handled::Done => {
                    jobs.pop_front();
                    if persisted.seq != job.seq || persisted.in_flight.is_some() {
                        persisted.seq = job.seq;
                        persisted.in_flight = None;
                        if let Err(e) = persisted.save(&state_file) {
                            tracing::error!("{e:#}");
                        }
                    }
                    retry_at = None;
                    backoff = config.retry_min();
                }
                Handled::Retry => {
                    retry_at = Some(Instant::now() + backoff);
                    backoff = (backoff * 2).min(config.retry_max());
                }
            }
            continue;
        }
        let wake = retry_at.unwrap_or_else(Instant::now);
        tokio::select! {
            () = &mut shutdown => break,
            update = live.next() => match update {
                None => bail!("the live stream ended"),
                Some(Update::Connected(server)) => tracing::info!("live stream connected to {server}"),
                Some(Update::Disconnected(reason)) => tracing::warn!("live stream: {reason}"),
                Some(Update::Snapshot(snapshot)) => {
                    // A log behind our state file means the server's
                    // database was replaced (restored, reset): its seqs
                    // start over, and skipping them would skip real jobs.
                    if let Some(seq) = snapshot["seq"].as_i64()
                        && seq < queued_up_to
                    {
                        tracing::warn!("the server's event log is behind the state file; resetting it");
                        jobs.clear();
                        queued_up_to = seq;
                        persisted.seq = seq;
                        persisted.in_flight = None;
                        if let Err(e) = persisted.save(&state_file) {
                            tracing::error!("{e:#}");
                        }
                    } else if let Some(seq) = snapshot["seq"].as_i64()
                        && seq > persisted.seq
                        && jobs.is_empty()
                        && persisted.in_flight.is_none()
                    {
                        // Nothing pending: the snapshot's seq is where a
                        // restart resumes (a fresh state file would
                        // otherwise miss tickets issued while the agent
                        // was down, and the job in flight at a crash).
                        queued_up_to = queued_up_to.max(seq);
                        persisted.seq = seq;
                        if let Err(e) = persisted.save(&state_file) {
                            tracing::error!("{e:#}");
                        }
                    }
                    state.apply(&snapshot);
                    have_snapshot = true;
                }
                Some(Update::Event(event)) => {
                    state.apply(&event);
                    if let Some((seq, ticket_id)) = job_of(&event, me.device_id)
                        && seq > queued_up_to
                    {
                        queued_up_to = seq;
                        jobs.push_back(Job { seq, ticket_id, received: Instant::now() });
                    }
                }
            },
            () = tokio::time::sleep_until(wake), if retry_at.is_some() && !jobs.is_empty() => {
                retry_at = None;
            }
            _ = status_tick.tick(), if have_snapshot && jobs.is_empty() => {
                let (reported, detail) = check_printer(&config).await;
                if let Err(e) = api.report(me.device_id, reported, detail.as_deref()).await {
                    tracing::warn!("reporting printer status: {e:#}");
                }
            }
        }
    }
    tracing::info!("kiosk agent stopped");
    Ok(())
}

enum Handled {
    /// Printed and confirmed, or given up for good.
    Done,
    /// Try again later (the whole ticket).
    Retry,
}

/// What handling a job needs from the agent.
struct Ctx<'a> {
    api: &'a Api,
    config: &'a Config,
    live: &'a LiveState,
    logo: Option<&'a Logo>,
    /// Fonts for the lines the code page cannot print.
    fonts: &'a Fonts,
    me: Identity,
    /// The state file's contents; `handle` saves the in-flight and done
    /// marks around the printing.
    persisted: &'a mut Persisted,
    state_file: &'a Path,
}

/// How old a job may get.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// `job_expiry_s`.
    expiry: Duration,
    /// `startup_window_s`, for tickets issued before `started_ms`.
    startup_window: Duration,
    /// When the agent started, ms since the epoch (wall clock).
    started_ms: i64,
}

impl Limits {
    /// Whether a ticket issued at `issued_ms` is too old to print at
    /// `now_ms` (wall clocks; kiosks run NTP).
    fn too_old(&self, issued_ms: i64, now_ms: i64) -> bool {
        let limit = if issued_ms < self.started_ms {
            self.startup_window
        } else {
            self.expiry
        };
        u64::try_from(now_ms - issued_ms).is_ok_and(|age| u128::from(age) > limit.as_millis())
    }
}

async fn handle(ctx: &mut Ctx<'_>, job: Job, limits: Limits) -> Handled {
    if job.received.elapsed() > limits.expiry {
        tracing::warn!(
            ticket = job.ticket_id,
            "print job expired unprinted; the visitor has the ticket on screen"
        );
        return Handled::Done;
    }
    let ticket = match ctx.api.ticket(job.ticket_id).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            tracing::warn!(
                ticket = job.ticket_id,
                "ticket unknown to the server; skipped"
            );
            return Handled::Done;
        }
        Err(e) => {
            tracing::warn!(ticket = job.ticket_id, "fetching the ticket: {e:#}");
            return Handled::Retry;
        }
    };
    // A job replayed after a long outage is as stale as one stuck behind a
    // broken printer; one issued while the agent was down gets only the
    // start-up window.
    let now_ms = chrono::Utc::now().timestamp_millis();
    if limits.too_old(ticket.issued_at, now_ms) {
        tracing::warn!(
            ticket = job.ticket_id,
            "ticket issued {} s ago; not printed",
            (now_ms - ticket.issued_at) / 1000
        );
        return Handled::Done;
    }
    // Drawing the lines the code page lacks takes a few milliseconds per
    // ticket: not worth a blocking-pool hop.
    let bytes = layout::encode_with(
        &print_ticket(&ticket, ctx.live, ctx.config, ctx.logo),
        ctx.fonts,
    );

    // In flight from before the first byte: a crash from here until the
    // done mark below prints the ticket again after the restart.
    let in_flight = Some(InFlight {
        seq: job.seq,
        ticket_id: job.ticket_id,
    });
    if ctx.persisted.in_flight != in_flight {
        ctx.persisted.in_flight = in_flight;
        if let Err(e) = ctx.persisted.save(ctx.state_file) {
            // Printing anyway only risks what the marker is for: a
            // duplicate after a crash. Not printing would risk much more.
            tracing::error!("{e:#}");
        }
    }
    let (done, reported, detail) = match print_bytes(ctx.config, &bytes).await {
        Ok(printed) => {
            // Done mark first, before the status report (an HTTP call that
            // may take seconds): that keeps the crash window to the
            // printing itself.
            ctx.persisted.seq = job.seq;
            ctx.persisted.in_flight = None;
            if let Err(e) = ctx.persisted.save(ctx.state_file) {
                tracing::error!("{e:#}");
            }
            if printed.confirmed {
                tracing::info!(ticket = ticket.id, number = %ticket.number, "ticket printed (confirmed by the printer)");
            } else {
                tracing::info!(ticket = ticket.id, number = %ticket.number, "ticket sent, not confirmed (status queries off, or no GS r 1)");
            }
            match printed.after {
                Some(after) => (true, after.reported(), after.detail()),
                None => (true, ReportedState::Ok, None),
            }
        }
        Err(e) => {
            tracing::warn!(ticket = ticket.id, number = %ticket.number, "printing failed: {e}");
            (
                false,
                e.reported(),
                Some(format!("ticket {}: {e}", ticket.number)),
            )
        }
    };
    if let Err(e) = ctx
        .api
        .report(ctx.me.device_id, reported, detail.as_deref())
        .await
    {
        tracing::warn!("reporting printer status: {e:#}");
    }
    if done { Handled::Done } else { Handled::Retry }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The agent can be `tokio::spawn`ed (the end-to-end tests do): the
    /// fonts it holds across awaits are shareable between threads.
    #[test]
    fn run_is_send() {
        fn is_send<T: Send>(_: &T) {}
        let config = Config::new(
            "http://127.0.0.1:9",
            "t",
            crate::config::PrinterConfig::new(printer::Connection::File {
                path: "/dev/null".into(),
            }),
        );
        is_send(&run(config, async {}));
    }

    #[test]
    fn jobs_are_this_kiosks_issued_tickets() {
        let event = json!({"type": "ticket.issued", "seq": 7, "ticket_id": 3, "actor": "device:5"});
        assert_eq!(job_of(&event, 5), Some((7, 3)));
        assert_eq!(job_of(&event, 6), None);
        let called =
            json!({"type": "ticket.called", "seq": 8, "ticket_id": 3, "actor": "device:5"});
        assert_eq!(job_of(&called, 5), None);
    }

    #[test]
    fn state_file_round_trip() {
        let dir = std::env::temp_dir().join(format!("ww-kiosk-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state");
        assert_eq!(Persisted::load(&path), Persisted::default());
        let p = Persisted {
            branch_id: 2,
            seq: 41,
            in_flight: Some(InFlight {
                seq: 44,
                ticket_id: 9,
            }),
        };
        p.save(&path).unwrap();
        assert_eq!(Persisted::load(&path), p);
        assert!(!dir.join("state.tmp").exists());
        // A state file from before in-flight marks still reads.
        std::fs::write(&path, r#"{"branch_id":2,"seq":41}"#).unwrap();
        assert_eq!(Persisted::load(&path).in_flight, None);
        assert_eq!(Persisted::load(&path).seq, 41);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn tickets_issued_before_the_start_get_the_startup_window() {
        let limits = Limits {
            expiry: Duration::from_secs(600),
            startup_window: Duration::from_secs(120),
            started_ms: 1_000_000,
        };
        let now = 1_100_000;
        // Issued while the agent was down: 120 s.
        assert!(!limits.too_old(now - 120_000, now));
        assert!(limits.too_old(now - 121_000, now));
        // Issued while it ran (a printer outage): 600 s.
        let now = 2_000_000;
        assert!(!limits.too_old(now - 599_000, now));
        assert!(limits.too_old(now - 601_000, now));
        // A clock behind the server's is not "too old".
        assert!(!limits.too_old(now + 5_000, now));
    }

    #[test]
    fn ticket_from_live_state() {
        let mut live = LiveState::default();
        live.apply(&json!({
            "type": "snapshot", "protocol": 1, "seq": 1,
            "branch": {"id": 1, "name": "Urząd", "timezone": "Europe/Warsaw", "rollover": "00:00",
                       "languages": ["pl", "en"], "kiosk_message": "Thank you",
                       "kiosk_messages": {"pl": "Dziękujemy"}, "active": true,
                       "created_at": 0,
                       "policy": {"priority_credit_s": 600, "appointment_credit_s": 900,
                                  "weight_step_s": 300, "priority_interleave": 0},
                       "appointments": {"opening_hours": {}, "closed_dates": [], "grace_s": 600,
                                        "late_policy": "walk_in"}},
            "services": [{"id": 4, "branch_id": 1, "code": "A", "name": "Passports",
                          "names": {"pl": "Paszporty"}, "category": "", "standard_wait_s": 900,
                          "expected_service_s": 300, "priority_allowed": true, "active": true,
                          "remote_enabled": false, "remote_daily_cap": null,
                          "remote_walk_in_share": 0, "appointments_enabled": false,
                          "slot_length_s": null, "walk_in_share": 50,
                          "waiting": 2, "estimated_wait_s": 290, "open_desks": 1}],
            "desks": [], "tickets": [], "calls": [],
        }));
        assert!(live.branch.is_some(), "the snapshot is read");
        let ticket = Ticket {
            id: 1,
            number: "A001".into(),
            service_id: 4,
            // 2026-01-01 12:00 UTC = 13:00 in Warsaw.
            issued_at: 1_767_268_800_000,
            position: Some(2),
            estimated_wait_s: Some(290),
            predicted_wait_s: None,
            no_open_desk: false,
            language: None,
            public_token: "abc".into(),
        };
        let config = Config::new(
            "http://server:8080/",
            "t",
            crate::config::PrinterConfig::new(printer::Connection::File { path: "x".into() }),
        );
        let p = print_ticket(&ticket, &live, &config, None);
        assert_eq!(p.language, "pl");
        assert_eq!(p.service, "Paszporty");
        assert_eq!(p.message, "Dziękujemy");
        assert_eq!(p.issued, "2026-01-01 13:00");
        assert_eq!(p.wait_minutes, Some(5));
        // The prediction wins over the old estimate; with no desk open
        // nothing is printed.
        let predicted = Ticket {
            predicted_wait_s: Some(1_190),
            ..ticket.clone()
        };
        assert_eq!(
            print_ticket(&predicted, &live, &config, None).wait_minutes,
            Some(20)
        );
        let nobody = Ticket {
            no_open_desk: true,
            ..ticket.clone()
        };
        assert_eq!(
            print_ticket(&nobody, &live, &config, None).wait_minutes,
            None
        );
        assert_eq!(p.qr.as_deref(), Some("http://server:8080/ticket/?t=abc"));
        assert_eq!(p.code_page, crate::codepage::CodePage::Pc852);
        let en = Ticket {
            language: Some("en".into()),
            ..ticket
        };
        let printed = print_ticket(&en, &live, &config, None);
        assert_eq!(printed.service, "Passports");
        assert_eq!(printed.message, "Thank you");
        // A regional tag reads its primary language's texts.
        let pl_pl = Ticket {
            language: Some("pl-PL".into()),
            ..en
        };
        let printed = print_ticket(&pl_pl, &live, &config, None);
        assert_eq!(
            (printed.service.as_str(), printed.message.as_str()),
            ("Paszporty", "Dziękujemy")
        );
    }
}
