//! Appointments: visitors book a slot of a service ahead of time, and check
//! in at the kiosk on the day, which turns the booking into a ticket of
//! priority `appointment`.
//!
//! * Slots come from the branch's opening hours (a weekly schedule in the
//!   branch's timezone, minus closed dates) cut into the service's slot
//!   length. They are computed, never stored.
//! * A slot's capacity is the number of active desks allocated to the
//!   service, less the walk-in share, rounded down:
//!   `desks × (100 − walk_in_share) / 100`. Rounding down keeps at least the
//!   configured share for walk-ins; a service with one desk and any share
//!   above 0 has no bookable capacity. Capacity is per service: a desk that
//!   serves two bookable services counts for both, which the walk-in share
//!   is there to absorb.
//! * Booking re-checks the capacity inside the write transaction after
//!   [`branches::lock`], so concurrent bookings of the last place cannot
//!   both succeed (the lock serialises writers of a branch on PostgreSQL;
//!   SQLite has one writer).
//! * The confirmation code is 8 characters from an alphabet without
//!   look-alikes (no 0/O, 1/I/L), about 40 bits: easy to type at the kiosk,
//!   not worth guessing. It is also the credential for the public booking
//!   page and for cancelling, and it is never put into events (live clients
//!   such as waiting-room displays receive every event).
//! * Check-in on the day of the slot: up to `grace_s` after the slot start
//!   the ticket is of priority `appointment` and its queue place counts
//!   from the slot start (so arriving early does not queue the visitor
//!   before the time they booked; the appointment credit of the next-ticket
//!   policy does the rest). Later than that the branch's [`LatePolicy`]
//!   applies: `walk_in` issues a normal ticket queued from now, `refuse`
//!   issues nothing. A booking checks in once; a second check-in returns the
//!   same ticket. A booking nobody checked in becomes `missed` when its day
//!   is over ([`mark_missed`], run by the day-end job).
//! * Lookups by code (the public booking page, its QR code, cancelling,
//!   and separately check-ins) are limited per client address, IPv6 per
//!   /64 ([`crate::domain::ratelimit`]), to `WAITWELL_CODE_LOOKUPS_PER_MINUTE`;
//!   bookings to `WAITWELL_BOOKINGS_PER_MINUTE`.
//! * Contact phone and e-mail are personal data: kept in their own nullable
//!   columns (a retention job may clear them), shown to staff, never put
//!   into events.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waitwell_queue::{Priority, parse_timezone};

use crate::domain::branches::{self, BranchRow};
use crate::domain::services::{self, ServiceRow};
use crate::domain::tickets::{self, Issue, IssueRequest, Ticket};
use crate::error::{AppError, Result};
use crate::events::{self, Actor, NewEvent, Outbox};
use crate::store::{Exec, q};
use waitwell_proto::{AppointmentChange, AppointmentSummary};

/// How far ahead visitors may book, in days.
pub const BOOKING_HORIZON_DAYS: i64 = 60;
/// Most opening intervals on one weekday.
const MAX_INTERVALS: usize = 8;
/// Most closed dates a branch keeps.
const MAX_CLOSED_DATES: usize = 400;
/// The code alphabet: digits and capitals without 0, 1, I, L, O.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Length of a confirmation code.
pub const CODE_LEN: usize = 8;
/// Weekday keys of the opening hours, Monday first.
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

pub use waitwell_proto::{LatePolicy, OpeningHours};

pub use waitwell_proto::AppointmentSettings;

/// Changes to the appointment settings; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentSettingsUpdate {
    /// Weekly schedule (replaces the whole schedule):
    /// `{"mon": [["08:00", "12:00"], ["13:00", "16:00"]], …}`.
    #[schema(value_type = Option<Object>)]
    pub opening_hours: Option<OpeningHours>,
    /// Closed dates (replaces the list).
    pub closed_dates: Option<Vec<String>>,
    /// 0 to 7200 seconds.
    pub grace_s: Option<i64>,
    /// `walk_in` or `refuse`.
    #[schema(value_type = Option<String>)]
    pub late_policy: Option<String>,
}

/// Checked settings, ready to store.
#[derive(Debug, Clone)]
pub struct CleanSettings {
    opening_hours: Option<String>,
    closed_dates: Option<String>,
    grace_s: Option<i64>,
    late_policy: Option<LatePolicy>,
}

impl AppointmentSettingsUpdate {
    /// Checks every field.
    ///
    /// # Errors
    /// Validation naming the bad field.
    pub fn clean(self) -> Result<CleanSettings> {
        let opening_hours = self
            .opening_hours
            .as_ref()
            .map(clean_opening_hours)
            .transpose()?;
        let closed_dates = self
            .closed_dates
            .as_deref()
            .map(clean_closed_dates)
            .transpose()?;
        if let Some(g) = self.grace_s
            && !(0..=7200).contains(&g)
        {
            return Err(AppError::invalid("grace_s must be 0 to 7200 seconds"));
        }
        let late_policy = self
            .late_policy
            .as_deref()
            .map(LatePolicy::from_str)
            .transpose()?;
        Ok(CleanSettings {
            opening_hours,
            closed_dates,
            grace_s: self.grace_s,
            late_policy,
        })
    }
}

impl CleanSettings {
    /// Writes the settings into a branch row (stored by the caller).
    pub fn apply(self, row: &mut BranchRow) {
        if let Some(v) = self.opening_hours {
            row.opening_hours = v;
        }
        if let Some(v) = self.closed_dates {
            row.closed_dates = v;
        }
        if let Some(v) = self.grace_s {
            row.appointment_grace_s = v;
        }
        if let Some(v) = self.late_policy {
            row.appointment_late_policy = v.as_str().to_owned();
        }
    }
}

fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    if s.len() != 5 {
        return None;
    }
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// Checks a weekly schedule and returns it as JSON text.
///
/// # Errors
/// Validation for unknown weekdays, malformed times, empty or overlapping
/// intervals.
pub fn clean_opening_hours(hours: &OpeningHours) -> Result<String> {
    for (day, intervals) in hours {
        if !WEEKDAYS.contains(&day.as_str()) {
            return Err(AppError::invalid(format!(
                "opening_hours: {day:?} is not one of mon, tue, wed, thu, fri, sat, sun"
            )));
        }
        if intervals.len() > MAX_INTERVALS {
            return Err(AppError::invalid(format!(
                "opening_hours.{day}: at most {MAX_INTERVALS} intervals"
            )));
        }
        let mut last_close: Option<NaiveTime> = None;
        for [open, close] in intervals {
            let (Some(o), Some(c)) = (parse_hhmm(open), parse_hhmm(close)) else {
                return Err(AppError::invalid(format!(
                    "opening_hours.{day}: times must be HH:MM, got {open:?}-{close:?}"
                )));
            };
            if o >= c {
                return Err(AppError::invalid(format!(
                    "opening_hours.{day}: {open}-{close} must open before it closes"
                )));
            }
            if last_close.is_some_and(|l| o < l) {
                return Err(AppError::invalid(format!(
                    "opening_hours.{day}: intervals must be in order and must not overlap"
                )));
            }
            last_close = Some(c);
        }
    }
    Ok(serde_json::to_string(hours).unwrap_or_else(|_| "{}".into()))
}

/// Checks closed dates and returns them sorted, without duplicates, as JSON.
///
/// # Errors
/// Validation for a malformed date or too many dates.
pub fn clean_closed_dates(dates: &[String]) -> Result<String> {
    if dates.len() > MAX_CLOSED_DATES {
        return Err(AppError::invalid(format!(
            "closed_dates: at most {MAX_CLOSED_DATES} dates"
        )));
    }
    let mut parsed = Vec::with_capacity(dates.len());
    for d in dates {
        parsed.push(parse_day(d).map_err(|_| {
            AppError::invalid(format!("closed_dates: {d:?} is not a YYYY-MM-DD date"))
        })?);
    }
    parsed.sort();
    parsed.dedup();
    let text: Vec<String> = parsed
        .iter()
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect();
    Ok(serde_json::to_string(&text).unwrap_or_else(|_| "[]".into()))
}

pub(crate) fn parse_day(s: &str) -> Result<NaiveDate> {
    if s.len() != 10 {
        return Err(AppError::invalid(format!("{s:?} is not a YYYY-MM-DD date")));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| AppError::invalid(format!("{s:?} is not a YYYY-MM-DD date")))
}

/// A service's slot length: as configured, else the expected duration
/// rounded up to 5 minutes.
pub fn slot_length_s(service: &ServiceRow) -> i64 {
    service
        .slot_length_s
        .unwrap_or_else(|| ((service.expected_service_s + 299) / 300).max(1) * 300)
}

/// A slot's capacity from the desks allocated to its service.
pub fn slot_capacity(desks: i64, walk_in_share: i64) -> i64 {
    desks.max(0) * (100 - walk_in_share.clamp(0, 100)) / 100
}

/// One slot's times: start and end (ms since the epoch) and the local
/// start time `HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotTime {
    /// Start, ms.
    pub start: i64,
    /// End, ms.
    pub end: i64,
    /// Local start time.
    pub time: String,
}

/// The slots of one local date: each opening interval cut into slots of
/// `len_s` that end by closing time. A local time that does not exist
/// (the hour skipped when clocks go forward) has no slot; an ambiguous one
/// takes its first occurrence.
pub fn day_slots(branch: &BranchRow, day: NaiveDate, len_s: i64) -> Vec<SlotTime> {
    let settings = branch.appointment_settings();
    let key = day.format("%Y-%m-%d").to_string();
    if settings.closed_dates.contains(&key) || len_s <= 0 {
        return Vec::new();
    }
    let weekday = WEEKDAYS[day.weekday().num_days_from_monday() as usize];
    let Some(intervals) = settings.opening_hours.get(weekday) else {
        return Vec::new();
    };
    let tz = parse_timezone(&branch.timezone).unwrap_or(chrono_tz::UTC);
    let mut out = Vec::new();
    for [open, close] in intervals {
        let (Some(o), Some(c)) = (parse_hhmm(open), parse_hhmm(close)) else {
            continue;
        };
        let close_s = i64::from(c.num_seconds_from_midnight());
        let mut t = i64::from(o.num_seconds_from_midnight());
        while t + len_s <= close_s {
            let local = day.and_time(NaiveTime::MIN) + Duration::seconds(t);
            if let Some(at) = tz.from_local_datetime(&local).earliest() {
                let start = at.timestamp_millis();
                out.push(SlotTime {
                    start,
                    end: start + len_s * 1000,
                    time: local.format("%H:%M").to_string(),
                });
            }
            t += len_s;
        }
    }
    out
}

/// The local date of an instant in the branch's timezone.
pub(crate) fn local_date(branch: &BranchRow, ms: i64) -> NaiveDate {
    let tz = parse_timezone(&branch.timezone).unwrap_or(chrono_tz::UTC);
    crate::utc(ms).with_timezone(&tz).date_naive()
}

/// Active desks allocated to a service.
async fn allocated_desks<C: Exec>(c: &mut C, service_id: i64) -> Result<i64> {
    let (n,): (i64,) = c
        .one(
            q(
                "select count(*) from desks d join desk_services ds on ds.desk_id = d.id
                where ds.service_id = $1 and ds.weight > 0 and d.active = $2",
            )
            .bind(service_id)
            .bind(true),
        )
        .await?;
    Ok(n)
}

/// Bookings (booked or checked in) of a service overlapping `[from, to)`,
/// as (start, end) pairs. Overlap rather than equal starts, so bookings
/// made before a change of slot length still count.
async fn taken<C: Exec>(c: &mut C, service_id: i64, from: i64, to: i64) -> Result<Vec<(i64, i64)>> {
    Ok(c.all(
        q("select slot_start, slot_end from appointments
               where service_id = $1 and status in ('booked', 'checked_in') and slot_start < $3 and slot_end > $2")
        .bind(service_id)
        .bind(from)
        .bind(to),
    )
    .await?)
}

fn overlapping(taken: &[(i64, i64)], start: i64, end: i64) -> i64 {
    taken.iter().filter(|(s, e)| *s < end && *e > start).count() as i64
}

/// A bookable service and the branch it belongs to, checked.
async fn bookable<C: Exec>(c: &mut C, branch: &BranchRow, service_id: i64) -> Result<ServiceRow> {
    let service = services::get(c, service_id).await?;
    if service.branch_id != branch.id {
        return Err(AppError::NotFound("service"));
    }
    if !branch.active || !service.active || !service.appointments_enabled {
        return Err(AppError::conflict(format!(
            "service {} cannot be booked",
            service.code
        )));
    }
    Ok(service)
}

/// A free slot as the booking page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Slot {
    /// Start, ms since the epoch.
    pub start: i64,
    /// End, ms since the epoch.
    pub end: i64,
    /// Local start time `HH:MM`.
    pub time: String,
    /// Places left (0: full).
    pub available: i64,
}

/// The bookable slots of a service on one local date, from now on.
///
/// # Errors
/// Unknown or not bookable service; a day outside the booking window.
pub async fn slots<C: Exec>(
    c: &mut C,
    branch: &BranchRow,
    service_id: i64,
    day: NaiveDate,
    now: i64,
) -> Result<Vec<Slot>> {
    let service = bookable(c, branch, service_id).await?;
    let today = local_date(branch, now);
    if day < today || day > today + Duration::days(BOOKING_HORIZON_DAYS) {
        return Err(AppError::invalid(format!(
            "day must be from today to {BOOKING_HORIZON_DAYS} days ahead"
        )));
    }
    let times = day_slots(branch, day, slot_length_s(&service));
    let (Some(first), Some(last)) = (times.first(), times.last()) else {
        return Ok(Vec::new());
    };
    let capacity = slot_capacity(allocated_desks(c, service.id).await?, service.walk_in_share);
    let taken = taken(c, service.id, first.start, last.end).await?;
    Ok(times
        .into_iter()
        .filter(|t| t.start > now)
        .map(|t| Slot {
            available: (capacity - overlapping(&taken, t.start, t.end)).max(0),
            start: t.start,
            end: t.end,
            time: t.time,
        })
        .collect())
}

/// An appointment row with its service and ticket.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub(crate) struct Row {
    id: i64,
    pub(crate) branch_id: i64,
    service_id: i64,
    service_code: String,
    service_name: String,
    service_names: String,
    business_day: String,
    slot_start: i64,
    slot_end: i64,
    code: String,
    status: String,
    language: Option<String>,
    contact_phone: Option<String>,
    contact_email: Option<String>,
    ticket_id: Option<i64>,
    ticket_number: Option<String>,
    ticket_status: Option<String>,
    ticket_token: Option<String>,
    booked_at: i64,
    cancelled_at: Option<i64>,
    checked_in_at: Option<i64>,
}

/// The select of [`Row`] followed by the given `where …` clause, as one
/// literal (`q` takes static SQL text).
macro_rules! select_rows {
    ($rest:literal) => {
        concat!("select a.id, a.branch_id, a.service_id, s.code as service_code, s.name as service_name,
    s.names as service_names, a.business_day, a.slot_start, a.slot_end, a.code, a.status, a.language,
    a.contact_phone, a.contact_email, a.ticket_id, t.number as ticket_number, t.status as ticket_status,
    t.public_token as ticket_token, a.booked_at, a.cancelled_at, a.checked_in_at
    from appointments a join services s on s.id = a.service_id left join tickets t on t.id = a.ticket_id ", $rest)
    };
}

/// A branch's bookings of one business day, in slot order.
pub(crate) async fn of_day<C: Exec>(c: &mut C, branch_id: i64, day: String) -> Result<Vec<Row>> {
    Ok(c.all(
        q(select_rows!(
            "where a.branch_id = $1 and a.business_day = $2 order by a.slot_start, a.id"
        ))
        .bind(branch_id)
        .bind(day),
    )
    .await?)
}

pub(crate) async fn by_code<C: Exec>(c: &mut C, code: &str) -> Result<Row> {
    c.opt(q(select_rows!("where a.code = $1")).bind(code))
        .await?
        .ok_or(AppError::NotFound("appointment"))
}

async fn by_id<C: Exec>(c: &mut C, id: i64) -> Result<Row> {
    c.opt(q(select_rows!("where a.id = $1")).bind(id))
        .await?
        .ok_or(AppError::NotFound("appointment"))
}

impl Row {
    fn service_name_in(&self, language: Option<&str>) -> String {
        let names: waitwell_proto::Texts =
            serde_json::from_str(&self.service_names).unwrap_or_default();
        waitwell_proto::localized(&self.service_name, &names, language).to_owned()
    }

    /// What events carry: no code (a credential) and no contact details.
    fn event_view(&self) -> AppointmentSummary {
        AppointmentSummary {
            id: self.id,
            service_id: self.service_id,
            business_day: self.business_day.clone(),
            slot_start: self.slot_start,
            slot_end: self.slot_end,
            status: self.status.clone(),
            ticket_id: self.ticket_id,
        }
    }

    pub(crate) fn public_view(&self, branch: &BranchRow, public_url: &str) -> PublicAppointment {
        PublicAppointment {
            code: self.code.clone(),
            status: self.status.clone(),
            branch_id: branch.id,
            branch_name: branch.name.clone(),
            languages: branch.languages(),
            service_id: self.service_id,
            service_name: self.service_name_in(self.language.as_deref()),
            date: local_date(branch, self.slot_start)
                .format("%Y-%m-%d")
                .to_string(),
            time: local_time(branch, self.slot_start),
            slot_start: self.slot_start,
            slot_end: self.slot_end,
            language: self.language.clone(),
            ticket_number: self.ticket_number.clone(),
            ticket_url: self
                .ticket_token
                .as_deref()
                .map(|t| crate::domain::visitor::ticket_url(public_url, t)),
            page_url: booking_url(public_url, &self.code),
        }
    }

    pub(crate) fn staff_view(&self, branch: &BranchRow) -> StaffAppointment {
        StaffAppointment {
            id: self.id,
            code: self.code.clone(),
            status: self.status.clone(),
            service_id: self.service_id,
            service_code: self.service_code.clone(),
            service_name: self.service_name.clone(),
            business_day: self.business_day.clone(),
            time: local_time(branch, self.slot_start),
            slot_start: self.slot_start,
            slot_end: self.slot_end,
            language: self.language.clone(),
            contact_phone: self.contact_phone.clone(),
            contact_email: self.contact_email.clone(),
            ticket_id: self.ticket_id,
            ticket_number: self.ticket_number.clone(),
            ticket_status: self.ticket_status.clone(),
            booked_at: self.booked_at,
            cancelled_at: self.cancelled_at,
            checked_in_at: self.checked_in_at,
        }
    }
}

fn local_time(branch: &BranchRow, ms: i64) -> String {
    let tz = parse_timezone(&branch.timezone).unwrap_or(chrono_tz::UTC);
    crate::utc(ms)
        .with_timezone(&tz)
        .format("%H:%M")
        .to_string()
}

/// The address of a booking's page, where it can be looked at and
/// cancelled. The kiosk also accepts this address, scanned from the QR code.
pub fn booking_url(public_url: &str, code: &str) -> String {
    format!("{}/book/?code={code}", public_url.trim_end_matches('/'))
}

/// A new confirmation code.
pub fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// A code as typed or scanned: the booking page address, or the code with
/// spaces, dashes and lower case. Returns the canonical code, or None when
/// it cannot be one.
pub fn normalize_code(input: &str) -> Option<String> {
    let input = input.trim();
    let raw = match input.find("code=") {
        Some(i) => input[i + 5..].split('&').next().unwrap_or(""),
        None => input,
    };
    if raw.len() > 32 {
        return None;
    }
    let code: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// A booking as its visitor sees it (by its code).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PublicAppointment {
    /// Confirmation code, to type or scan at the kiosk.
    pub code: String,
    /// booked, cancelled, checked_in, or missed (its day is over and nobody checked in).
    pub status: String,
    /// Office.
    pub branch_id: i64,
    /// Office name.
    pub branch_name: String,
    /// The office's languages.
    pub languages: Vec<String>,
    /// Service.
    pub service_id: i64,
    /// Service name in the booking's language.
    pub service_name: String,
    /// Local date `YYYY-MM-DD`.
    pub date: String,
    /// Local start time `HH:MM`.
    pub time: String,
    /// Start, ms since the epoch.
    pub slot_start: i64,
    /// End, ms since the epoch.
    pub slot_end: i64,
    /// Language chosen when booking.
    pub language: Option<String>,
    /// Ticket number once checked in.
    pub ticket_number: Option<String>,
    /// The ticket's public page once checked in.
    pub ticket_url: Option<String>,
    /// This booking's page (the QR code's content).
    pub page_url: String,
}

/// A booking as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StaffAppointment {
    /// Id.
    pub id: i64,
    /// Confirmation code.
    pub code: String,
    /// booked, cancelled, checked_in, or missed (its day is over and nobody checked in).
    pub status: String,
    /// Service.
    pub service_id: i64,
    /// Service code.
    pub service_code: String,
    /// Service name.
    pub service_name: String,
    /// Business day of the slot.
    pub business_day: String,
    /// Local start time `HH:MM`.
    pub time: String,
    /// Start, ms.
    pub slot_start: i64,
    /// End, ms.
    pub slot_end: i64,
    /// Visitor's language.
    pub language: Option<String>,
    /// Contact phone, if given (cleared by retention).
    pub contact_phone: Option<String>,
    /// Contact e-mail, if given (cleared by retention).
    pub contact_email: Option<String>,
    /// Ticket issued at check-in.
    pub ticket_id: Option<i64>,
    /// Its number.
    pub ticket_number: Option<String>,
    /// Its status.
    pub ticket_status: Option<String>,
    /// Booked at, ms.
    pub booked_at: i64,
    /// Cancelled at, ms.
    pub cancelled_at: Option<i64>,
    /// Checked in at, ms.
    pub checked_in_at: Option<i64>,
}

/// A booking request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookRequest {
    /// Service to book.
    pub service_id: i64,
    /// Slot start, ms since the epoch, as listed by the slots endpoint.
    pub start: i64,
    /// Visitor's language, one of the branch's.
    pub language: Option<String>,
    /// Contact phone (optional; also accepted as `phone`, as for remote
    /// tickets): 6 to 15 digits, an initial `+`, spaces, dashes and
    /// parentheses, stored without the separators.
    #[serde(alias = "phone")]
    pub contact_phone: Option<String>,
    /// Contact e-mail (optional; also accepted as `email`).
    #[serde(alias = "email")]
    pub contact_email: Option<String>,
}

/// Books a slot. Checks the slot and its capacity under the branch lock.
///
/// # Errors
/// Unknown or unbookable service, a start that is not a slot or is past,
/// a language not offered, a full slot (409).
pub(crate) async fn book<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    branch_id: i64,
    req: BookRequest,
    now: i64,
) -> Result<Row> {
    let branch = branches::lock(c, branch_id).await?;
    let service = bookable(c, &branch, req.service_id).await?;
    if let Some(lang) = &req.language
        && !branch.languages().iter().any(|l| l == lang)
    {
        return Err(AppError::invalid(format!(
            "language {lang:?} is not offered here"
        )));
    }
    if req.start <= now {
        return Err(AppError::invalid("this slot has already begun"));
    }
    let day = local_date(&branch, req.start);
    if day > local_date(&branch, now) + Duration::days(BOOKING_HORIZON_DAYS) {
        return Err(AppError::invalid(format!(
            "appointments can be booked at most {BOOKING_HORIZON_DAYS} days ahead"
        )));
    }
    let slot = day_slots(&branch, day, slot_length_s(&service))
        .into_iter()
        .find(|s| s.start == req.start)
        .ok_or_else(|| AppError::invalid("start is not the start of a slot of this service"))?;
    let capacity = slot_capacity(allocated_desks(c, service.id).await?, service.walk_in_share);
    let taken = taken(c, service.id, slot.start, slot.end).await?;
    if overlapping(&taken, slot.start, slot.end) >= capacity {
        return Err(AppError::conflict("this slot is fully booked"));
    }
    let code = loop {
        let code = new_code();
        let used: Option<(i64,)> = c
            .opt(q("select id from appointments where code = $1").bind(code.as_str()))
            .await?;
        if used.is_none() {
            break code;
        }
    };
    let (id,): (i64,) = c
        .one(
            q("insert into appointments (branch_id, service_id, business_day, slot_start, slot_end, code, status,
                 language, contact_phone, contact_email, booked_at, updated_at)
               values ($1, $2, $3, $4, $5, $6, 'booked', $7, $8, $9, $10, $10) returning id")
            .bind(branch.id)
            .bind(service.id)
            .bind(branch.business_day(slot.start))
            .bind(slot.start)
            .bind(slot.end)
            .bind(code)
            .bind(req.language)
            .bind(req.contact_phone)
            .bind(req.contact_email)
            .bind(now),
        )
        .await?;
    let row = by_id(c, id).await?;
    append(
        c,
        out,
        &row,
        events::EventData::AppointmentBooked,
        Actor::System,
        now,
        None,
    )
    .await?;
    Ok(row)
}

async fn append<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    row: &Row,
    event: fn(AppointmentChange) -> events::EventData,
    actor: Actor,
    now: i64,
    outcome: Option<&str>,
) -> Result<()> {
    let payload = AppointmentChange {
        appointment: row.event_view(),
        outcome: outcome.map(str::to_owned),
    };
    events::append(
        c,
        out,
        NewEvent {
            branch_id: row.branch_id,
            ticket_id: row.ticket_id,
            desk_id: None,
            data: event(payload),
            actor,
            at: now,
        },
    )
    .await
}

/// Cancels a booking that is not checked in yet.
///
/// # Errors
/// Unknown code; already checked in; the slot is over.
pub(crate) async fn cancel<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    code: &str,
    now: i64,
) -> Result<Row> {
    let row = by_code(c, code).await?;
    branches::lock(c, row.branch_id).await?;
    let row = by_code(c, code).await?;
    match row.status.as_str() {
        "cancelled" => return Ok(row),
        "checked_in" => {
            return Err(AppError::conflict(
                "this appointment is checked in and has a ticket",
            ));
        }
        "missed" => {
            return Err(AppError::conflict(
                "this appointment is over: nobody checked in on its day",
            ));
        }
        _ => {}
    }
    if row.slot_end <= now {
        return Err(AppError::conflict("this appointment is over"));
    }
    c.run(
        q("update appointments set status = 'cancelled', cancelled_at = $2, updated_at = $2 where id = $1")
            .bind(row.id)
            .bind(now),
    )
    .await?;
    let row = by_id(c, row.id).await?;
    append(
        c,
        out,
        &row,
        events::EventData::AppointmentCancelled,
        Actor::System,
        now,
        None,
    )
    .await?;
    Ok(row)
}

/// Marks as `missed` every booking of an earlier business day in a branch
/// that nobody checked in, so the day's list, the visitor's page and the
/// event log say what happened. Returns how many were marked (at most 1,000
/// a call; the caller repeats while it gets 1,000).
///
/// # Errors
/// Database errors.
pub(crate) async fn mark_missed<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    branch_id: i64,
    now: i64,
) -> Result<usize> {
    let stale = branches::past_day_ids(
        c,
        branch_id,
        now,
        "select id from appointments where branch_id = $1 and business_day < $2
         and status = 'booked' order by id limit 1000",
    )
    .await?;
    for &id in &stale {
        c.run(
            q("update appointments set status = 'missed', updated_at = $2 where id = $1")
                .bind(id)
                .bind(now),
        )
        .await?;
        let row = by_id(c, id).await?;
        append(
            c,
            out,
            &row,
            events::EventData::AppointmentMissed,
            Actor::System,
            now,
            None,
        )
        .await?;
    }
    Ok(stale.len())
}

/// How a check-in went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckInOutcome {
    /// Early or on time: an appointment ticket queued from the slot start.
    OnTime,
    /// Late within the grace period: still an appointment ticket.
    Late,
    /// Later than the grace period under the `walk_in` policy: a normal
    /// ticket queued from now.
    WalkIn,
    /// Checked in before: the same ticket again.
    Again,
}

impl CheckInOutcome {
    fn as_str(self) -> &'static str {
        match self {
            CheckInOutcome::OnTime => "on_time",
            CheckInOutcome::Late => "late",
            CheckInOutcome::WalkIn => "walk_in",
            CheckInOutcome::Again => "again",
        }
    }
}

/// A check-in request from the kiosk.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    /// The code as typed (any case, spaces and dashes allowed) or the
    /// booking page address as scanned from its QR code.
    pub code: String,
    /// Visitor's language for the ticket; default the booking's.
    pub language: Option<String>,
}

/// The answer to a check-in.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CheckIn {
    /// How it went.
    pub outcome: CheckInOutcome,
    /// The ticket, with its public token for the visitor (the kiosk shows
    /// and prints it).
    pub ticket: tickets::TicketWithToken,
    /// The booking.
    pub appointment: PublicAppointment,
}

/// A visitor checking in: what the check-in needs.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// Branch of the kiosk (or staff member) checking in.
    pub branch_id: i64,
    /// Normalised confirmation code ([`normalize_code`]).
    pub code: String,
    /// Language for the ticket; default the booking's.
    pub language: Option<String>,
    /// Who checks in; the kiosk, so that its agent prints the ticket.
    pub actor: Actor,
    /// The kiosk, recorded on the ticket.
    pub device_id: Option<i64>,
    /// Now, ms.
    pub now: i64,
}

/// Checks a booking in: issues its ticket once (see the module doc).
///
/// # Errors
/// Unknown code or another branch's (404), cancelled, another day, too
/// late under the `refuse` policy (409).
pub(crate) async fn check_in<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    arrival: Arrival,
) -> Result<(Row, Ticket, CheckInOutcome)> {
    let Arrival {
        branch_id,
        code,
        language,
        actor,
        device_id,
        now,
    } = arrival;
    let code = code.as_str();
    let branch = branches::lock(c, branch_id).await?;
    let row = by_code(c, code).await?;
    if row.branch_id != branch_id {
        return Err(AppError::NotFound("appointment"));
    }
    if let Some(ticket_id) = row.ticket_id {
        let ticket = tickets::get(c, ticket_id).await?;
        let ticket = tickets::with_estimate(c, &branch, ticket, now).await?;
        return Ok((row, ticket, CheckInOutcome::Again));
    }
    match row.status.as_str() {
        "cancelled" => return Err(AppError::conflict("this appointment was cancelled")),
        "missed" => {
            return Err(AppError::conflict(
                "this appointment was missed: its day is over",
            ));
        }
        _ => {}
    }
    let today = branch.business_day(now);
    if row.business_day != today {
        return Err(AppError::conflict(format!(
            "this appointment is for {} at {}, not today",
            local_date(&branch, row.slot_start).format("%Y-%m-%d"),
            local_time(&branch, row.slot_start)
        )));
    }
    let settings = branch.appointment_settings();
    let deadline = row.slot_start + settings.grace_s * 1000;
    let (outcome, priority, queued_at) = if now <= row.slot_start {
        (
            CheckInOutcome::OnTime,
            Priority::Appointment,
            Some(row.slot_start),
        )
    } else if now <= deadline {
        (
            CheckInOutcome::Late,
            Priority::Appointment,
            Some(row.slot_start),
        )
    } else {
        match settings.late_policy {
            LatePolicy::WalkIn => (CheckInOutcome::WalkIn, Priority::Normal, None),
            LatePolicy::Refuse => {
                return Err(AppError::conflict(
                    "this appointment has passed; please take a regular ticket",
                ));
            }
        }
    };
    let language = language.or_else(|| {
        row.language
            .clone()
            .filter(|l| branch.languages().contains(l))
    });
    let (ticket, _) = tickets::issue_queued_at(
        c,
        out,
        Issue {
            branch_id,
            request: IssueRequest {
                service_id: row.service_id,
                priority: Some(priority),
                language,
            },
            idempotency_key: None,
            actor,
            device_id,
            now,
        },
        queued_at,
    )
    .await?;
    c.run(
        q("update appointments set status = 'checked_in', ticket_id = $2, checked_in_at = $3, updated_at = $3 where id = $1")
            .bind(row.id)
            .bind(ticket.id)
            .bind(now),
    )
    .await?;
    let row = by_id(c, row.id).await?;
    append(
        c,
        out,
        &row,
        events::EventData::AppointmentCheckedIn,
        actor,
        now,
        Some(outcome.as_str()),
    )
    .await?;
    Ok((row, ticket, outcome))
}

/// A branch and its bookable services, for the booking page.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BookingInfo {
    /// Office.
    pub branch_id: i64,
    /// Office name.
    pub branch_name: String,
    /// IANA timezone the times are in.
    pub timezone: String,
    /// Languages offered, first is the default.
    pub languages: Vec<String>,
    /// Last day that can be booked, `YYYY-MM-DD`.
    pub last_day: String,
    /// Today in the office, `YYYY-MM-DD`.
    pub today: String,
    /// Bookable services.
    pub services: Vec<BookableService>,
}

/// A service that can be booked.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BookableService {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Default name.
    pub name: String,
    /// Names per language.
    pub names: BTreeMap<String, String>,
    /// Slot length, seconds.
    pub slot_length_s: i64,
}

/// Query of the slots endpoint.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SlotsQuery {
    /// Service.
    pub service_id: i64,
    /// Local date `YYYY-MM-DD`.
    pub day: String,
}

/// Query of the staff list.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DayQuery {
    /// Business day `YYYY-MM-DD`; default today.
    pub day: Option<String>,
}

pub(crate) fn code_from_path(code: &str) -> Result<String> {
    normalize_code(code).ok_or(AppError::NotFound("appointment"))
}

/// Counts one lookup by booking code against the client's budget. Codes
/// are about 40 bits: guessing is hopeless at
/// `WAITWELL_CODE_LOOKUPS_PER_MINUTE` per address (IPv6 per /64), and cheap
/// without a limit.
pub(crate) fn count_lookup(
    limiter: &crate::domain::ratelimit::ClientLimiter,
    peer: std::net::IpAddr,
) -> Result<()> {
    limiter.check(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branch(hours: &str, closed: &str) -> BranchRow {
        BranchRow {
            id: 1,
            name: "B".into(),
            timezone: "Europe/Warsaw".into(),
            rollover: "00:00".into(),
            languages: "[\"en\"]".into(),
            kiosk_message: String::new(),
            kiosk_messages: "{}".into(),
            priority_credit_s: 600,
            appointment_credit_s: 900,
            weight_step_s: 300,
            priority_interleave: 0,
            active: true,
            event_seq: 0,
            created_at: 0,
            opening_hours: hours.into(),
            closed_dates: closed.into(),
            appointment_grace_s: 600,
            appointment_late_policy: "walk_in".into(),
        }
    }

    #[test]
    fn slots_follow_opening_hours_in_local_time() {
        let b = branch(r#"{"mon":[["08:00","09:00"],["10:00","10:50"]]}"#, "[]");
        // 2026-11-23 is a Monday; Warsaw is UTC+1 in November.
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let s = day_slots(&b, day, 1200);
        let times: Vec<&str> = s.iter().map(|s| s.time.as_str()).collect();
        assert_eq!(times, ["08:00", "08:20", "08:40", "10:00", "10:20"]);
        let first = chrono::Utc
            .with_ymd_and_hms(2026, 11, 23, 7, 0, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(s[0].start, first);
        assert_eq!(s[0].end, first + 1_200_000);
        assert!(day_slots(&b, day.succ_opt().unwrap(), 1200).is_empty());
        let closed = branch(r#"{"mon":[["08:00","09:00"]]}"#, r#"["2026-11-23"]"#);
        assert!(day_slots(&closed, day, 1200).is_empty());
    }

    #[test]
    fn the_skipped_hour_has_no_slots() {
        let b = branch(r#"{"sun":[["01:00","04:00"]]}"#, "[]");
        // Clocks go from 02:00 to 03:00 on 2026-03-29 in Warsaw.
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let times: Vec<String> = day_slots(&b, day, 1800)
            .into_iter()
            .map(|s| s.time)
            .collect();
        assert_eq!(times, ["01:00", "01:30", "03:00", "03:30"]);
    }

    #[test]
    fn capacity_keeps_the_walk_in_share() {
        assert_eq!(slot_capacity(4, 50), 2);
        assert_eq!(slot_capacity(3, 50), 1);
        assert_eq!(slot_capacity(1, 1), 0);
        assert_eq!(slot_capacity(1, 0), 1);
        assert_eq!(slot_capacity(0, 0), 0);
        assert_eq!(slot_capacity(5, 100), 0);
    }

    #[test]
    fn codes_are_typed_forgivingly() {
        let code = new_code();
        assert_eq!(code.len(), CODE_LEN);
        assert_eq!(normalize_code(&code), Some(code.clone()));
        let spaced = format!(
            " {}-{} ",
            code[..4].to_lowercase(),
            code[4..].to_lowercase()
        );
        assert_eq!(normalize_code(&spaced), Some(code.clone()));
        let url = booking_url("https://q.example.org", &code);
        assert_eq!(normalize_code(&url), Some(code));
        for bad in ["", "ABCD", "ABCDEFG0", "ABCDEFGHJ", "ÄBCDEFGH", "ABCDEFGI"] {
            assert_eq!(normalize_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn opening_hours_are_checked() {
        let ok: OpeningHours =
            serde_json::from_str(r#"{"mon":[["08:00","12:00"],["13:00","16:00"]]}"#).unwrap();
        assert!(clean_opening_hours(&ok).is_ok());
        for bad in [
            r#"{"monday":[["08:00","12:00"]]}"#,
            r#"{"mon":[["8:00","12:00"]]}"#,
            r#"{"mon":[["12:00","08:00"]]}"#,
            r#"{"mon":[["08:00","12:00"],["11:00","13:00"]]}"#,
            r#"{"mon":[["08:00","24:00"]]}"#,
        ] {
            let h: OpeningHours = serde_json::from_str(bad).unwrap();
            assert!(clean_opening_hours(&h).is_err(), "{bad}");
        }
        assert_eq!(
            clean_closed_dates(&[
                "2026-12-25".into(),
                "2026-12-24".into(),
                "2026-12-25".into()
            ])
            .unwrap(),
            r#"["2026-12-24","2026-12-25"]"#
        );
        assert!(clean_closed_dates(&["2026-13-01".into()]).is_err());
    }
}
