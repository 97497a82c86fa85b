//! Branches: offices with their timezone, business-day rollover, languages
//! and next-ticket policy settings.
//!
//! Opening hours and the rules for booked visitors are branch settings too
//! (`appointments` in the API); their types and checks live in
//! [`crate::domain::appointments`].
//!
//! [`lock`] is the first statement of every write that concerns a branch: it
//! takes the branch row lock (PostgreSQL) and returns the current settings.

use std::collections::BTreeMap;

use serde::Deserialize;
use utoipa::ToSchema;
use waitwell_queue::{BusinessCalendar, PolicyConfig, parse_rollover, parse_timezone};

use crate::app::AppState;
use crate::domain::appointments::{AppointmentSettings, AppointmentSettingsUpdate};
use crate::error::{AppError, Result};
use crate::events::{self, Actor, NewEvent};
use crate::now_ms;
use crate::store::sql;
use crate::store::{Db, Exec, q, write};

pub use waitwell_proto::{Branch, PolicySettings};

/// A branch row as stored.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct BranchRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// IANA timezone.
    pub timezone: String,
    /// `HH:MM`.
    pub rollover: String,
    /// JSON array text.
    pub languages: String,
    /// Kiosk message.
    pub kiosk_message: String,
    /// The kiosk message per language, JSON object text.
    pub kiosk_messages: String,
    /// Policy.
    pub priority_credit_s: i64,
    /// Policy.
    pub appointment_credit_s: i64,
    /// Policy.
    pub weight_step_s: i64,
    /// Policy.
    pub priority_interleave: i64,
    /// Active flag.
    pub active: bool,
    /// Event head.
    pub event_seq: i64,
    /// Creation time.
    pub created_at: i64,
    /// Weekly schedule, JSON text (see [`crate::domain::appointments::OpeningHours`]).
    pub opening_hours: String,
    /// JSON array of `YYYY-MM-DD` dates without appointments.
    pub closed_dates: String,
    /// Seconds after a slot's start a visitor still checks in on time.
    pub appointment_grace_s: i64,
    /// `walk_in` or `refuse` (see [`crate::domain::appointments::LatePolicy`]).
    pub appointment_late_policy: String,
}

impl BranchRow {
    /// The policy settings.
    pub fn policy(&self) -> PolicyConfig {
        PolicyConfig {
            priority_credit_s: self.priority_credit_s,
            appointment_credit_s: self.appointment_credit_s,
            weight_step_s: self.weight_step_s,
            priority_interleave: u32::try_from(self.priority_interleave).unwrap_or(0),
        }
    }

    /// The business calendar. Stored values were validated on write; a
    /// corrupted value falls back to UTC midnight rather than failing every
    /// request of the branch.
    pub fn calendar(&self) -> BusinessCalendar {
        BusinessCalendar::new(
            parse_timezone(&self.timezone).unwrap_or(chrono_tz::UTC),
            parse_rollover(&self.rollover).unwrap_or_default(),
        )
    }

    /// The business day (`YYYY-MM-DD`) at `now_ms`.
    pub fn business_day(&self, now_ms: i64) -> String {
        self.calendar()
            .business_day(crate::utc(now_ms))
            .format("%Y-%m-%d")
            .to_string()
    }

    /// Languages offered.
    pub fn languages(&self) -> Vec<String> {
        serde_json::from_str(&self.languages).unwrap_or_else(|_| vec!["en".to_owned()])
    }

    /// The API view.
    pub fn to_api(&self) -> Branch {
        Branch {
            id: self.id,
            name: self.name.clone(),
            timezone: self.timezone.clone(),
            rollover: self.rollover.clone(),
            languages: self.languages(),
            kiosk_message: self.kiosk_message.clone(),
            kiosk_messages: serde_json::from_str(&self.kiosk_messages).unwrap_or_default(),
            policy: self.policy().into(),
            active: self.active,
            event_seq: Some(self.event_seq),
            created_at: self.created_at,
            appointments: self.appointment_settings(),
        }
    }

    /// The row an API view stands for (a branch event's data), at head
    /// `event_seq`.
    pub fn from_api(b: &Branch, event_seq: i64) -> BranchRow {
        let policy: PolicyConfig = b.policy.into();
        fn json<T: serde::Serialize>(v: &T) -> String {
            serde_json::to_string(v).unwrap_or_default()
        }
        BranchRow {
            id: b.id,
            name: b.name.clone(),
            timezone: b.timezone.clone(),
            rollover: b.rollover.clone(),
            languages: json(&b.languages),
            kiosk_message: b.kiosk_message.clone(),
            kiosk_messages: json(&b.kiosk_messages),
            priority_credit_s: policy.priority_credit_s,
            appointment_credit_s: policy.appointment_credit_s,
            weight_step_s: policy.weight_step_s,
            priority_interleave: i64::from(policy.priority_interleave),
            active: b.active,
            event_seq,
            created_at: b.created_at,
            opening_hours: json(&b.appointments.opening_hours),
            closed_dates: json(&b.appointments.closed_dates),
            appointment_grace_s: b.appointments.grace_s,
            appointment_late_policy: b.appointments.late_policy.as_str().to_owned(),
        }
    }

    /// The appointment settings. Stored values were validated on write; a
    /// corrupted value reads as "no opening hours" rather than failing
    /// every request of the branch.
    pub fn appointment_settings(&self) -> AppointmentSettings {
        AppointmentSettings {
            opening_hours: serde_json::from_str(&self.opening_hours).unwrap_or_default(),
            closed_dates: serde_json::from_str(&self.closed_dates).unwrap_or_default(),
            grace_s: self.appointment_grace_s,
            late_policy: self.appointment_late_policy.parse().unwrap_or_default(),
        }
    }
}

/// Locks a branch for the rest of the transaction and returns it. Every
/// write concerning a branch calls this first, which serialises writers of
/// one branch on PostgreSQL (SQLite has a single writer anyway).
///
/// # Errors
/// NotFound for an unknown branch.
pub async fn lock<C: Exec>(c: &mut C, branch_id: i64) -> Result<BranchRow> {
    sql::branches::lock(c, branch_id)
        .await?
        .ok_or(AppError::NotFound("branch"))
}

/// How many rows one day-end step handles; the job repeats while a step
/// handles this many, so no transaction grows with a backlog.
pub const DAY_END_BATCH: usize = 1000;

/// Locks a branch and returns the ids `sql` selects for it among earlier
/// business days: `sql` gets the branch as `$1` and today's business day as
/// `$2`, and should select at most [`DAY_END_BATCH`] ids. The day-end job's
/// first step for tickets and bookings alike.
///
/// # Errors
/// NotFound for an unknown branch; database errors.
pub async fn past_day_ids<C: Exec>(
    c: &mut C,
    branch_id: i64,
    now: i64,
    sql: &'static str,
) -> Result<Vec<i64>> {
    let branch = lock(c, branch_id).await?;
    let today = branch.business_day(now);
    let ids: Vec<(i64,)> = c.all(q(sql).bind(branch_id).bind(today.as_str())).await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Reads a branch.
///
/// # Errors
/// NotFound for an unknown branch.
pub async fn get<C: Exec>(c: &mut C, branch_id: i64) -> Result<BranchRow> {
    sql::branches::get(c, branch_id)
        .await?
        .ok_or(AppError::NotFound("branch"))
}

/// All branches.
///
/// # Errors
/// Database errors.
pub async fn list<C: Exec>(c: &mut C) -> Result<Vec<BranchRow>> {
    Ok(sql::branches::list(c).await?)
}

/// New branch.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBranch {
    /// Display name, 1 to 200 characters.
    pub name: String,
    /// IANA timezone.
    pub timezone: String,
    /// `HH:MM`, default `00:00`.
    pub rollover: Option<String>,
    /// Language tags, default `["en"]`.
    pub languages: Option<Vec<String>>,
    /// Kiosk message, default empty.
    pub kiosk_message: Option<String>,
    /// The kiosk message per language tag (1 to 500 characters each).
    pub kiosk_messages: Option<BTreeMap<String, String>>,
    /// Policy, default the queue core's defaults.
    pub policy: Option<PolicySettings>,
}

/// Changes to a branch; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchUpdate {
    /// Display name.
    pub name: Option<String>,
    /// IANA timezone.
    pub timezone: Option<String>,
    /// `HH:MM`.
    pub rollover: Option<String>,
    /// Language tags.
    pub languages: Option<Vec<String>>,
    /// Kiosk message.
    pub kiosk_message: Option<String>,
    /// The kiosk message per language tag (replaces all; 1 to 500
    /// characters each).
    pub kiosk_messages: Option<BTreeMap<String, String>>,
    /// Policy.
    pub policy: Option<PolicySettings>,
    /// Active flag.
    pub active: Option<bool>,
    /// Opening hours and appointment rules; absent fields stay.
    pub appointments: Option<AppointmentSettingsUpdate>,
}

/// Checks a display name: trimmed, 1 to `max` characters.
///
/// # Errors
/// Validation naming `field`.
pub fn clean_name(field: &str, value: &str, max: usize) -> Result<String> {
    let trimmed = value.trim();
    let len = trimmed.chars().count();
    if len == 0 || len > max {
        return Err(AppError::invalid(format!(
            "{field} must be 1 to {max} characters"
        )));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(AppError::invalid(format!(
            "{field} must not contain control characters"
        )));
    }
    Ok(trimmed.to_owned())
}

/// Checks texts per language (a service's names, a desk's visitor-facing
/// names, a kiosk message per language): each key a language tag, each
/// text trimmed, 1 to `max` characters, without control characters. At
/// most [`MAX_TEXT_LANGUAGES`] entries. Returns the JSON text stored.
/// Errors carry a stable reason: `invalid_language_tag`, `invalid_text`
/// (empty, too long, control characters) or `too_many_languages`.
///
/// Keys need not be among the branch's languages: an office may prepare a
/// language before offering it, and a value no page asks for is harmless.
///
/// # Errors
/// Validation naming `field` (and the language).
pub fn clean_texts(field: &str, texts: &BTreeMap<String, String>, max: usize) -> Result<String> {
    if texts.len() > MAX_TEXT_LANGUAGES {
        return Err(AppError::InvalidReason(
            "too_many_languages",
            format!("{field} must have at most {MAX_TEXT_LANGUAGES} languages"),
        ));
    }
    let mut cleaned = BTreeMap::new();
    for (lang, text) in texts {
        if !is_language_tag(lang) {
            return Err(AppError::InvalidReason(
                "invalid_language_tag",
                format!("{field}: {lang:?} is not a language tag like \"en\" or \"pt-BR\""),
            ));
        }
        let text = clean_name(&format!("{field}.{lang}"), text, max)
            .map_err(|e| AppError::InvalidReason("invalid_text", e.to_string()))?;
        cleaned.insert(lang.clone(), text);
    }
    Ok(serde_json::to_string(&cleaned).unwrap_or_else(|_| "{}".into()))
}

/// Most languages a text may have values in (as many as a branch offers).
pub const MAX_TEXT_LANGUAGES: usize = 20;

/// Checks a list of language tags (`en`, `pl`, `pt-BR`).
///
/// # Errors
/// Validation for an empty list, duplicates or malformed tags.
pub fn clean_languages(languages: &[String]) -> Result<String> {
    if languages.is_empty() || languages.len() > 20 {
        return Err(AppError::invalid(
            "languages must list 1 to 20 language tags",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for tag in languages {
        if !is_language_tag(tag) {
            return Err(AppError::invalid(format!(
                "{tag:?} is not a language tag like \"en\" or \"pt-BR\""
            )));
        }
        if !seen.insert(tag.to_ascii_lowercase()) {
            return Err(AppError::invalid(format!(
                "language {tag:?} is listed twice"
            )));
        }
    }
    Ok(serde_json::to_string(languages).unwrap_or_else(|_| "[\"en\"]".into()))
}

/// A BCP 47 tag of the simple kind offices use: 2–3 letters, optionally a
/// region or script subtag.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    primary_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

pub(crate) fn validate_policy(policy: PolicySettings) -> Result<()> {
    PolicyConfig::from(policy).validate()?;
    Ok(())
}

/// Creates a branch; shared by the API and the demo seed.
///
/// # Errors
/// Validation errors.
pub async fn create(state: &AppState, new: NewBranch, actor: Actor) -> Result<BranchRow> {
    let name = clean_name("name", &new.name, 200)?;
    parse_timezone(&new.timezone)?;
    let rollover = new.rollover.unwrap_or_else(|| "00:00".into());
    parse_rollover(&rollover)?;
    let languages = clean_languages(&new.languages.unwrap_or_else(|| vec!["en".into()]))?;
    let message = new.kiosk_message.unwrap_or_default();
    clean_message(&message)?;
    let messages = clean_texts(
        "kiosk_messages",
        &new.kiosk_messages.unwrap_or_default(),
        500,
    )?;
    let policy = new.policy.unwrap_or_else(|| PolicyConfig::default().into());
    validate_policy(policy)?;
    let now = now_ms();
    write!(state.db, |c, out| async move {
        let (id,): (i64,) = c
            .one(
                q("insert into branches (name, timezone, rollover, languages, kiosk_message, kiosk_messages, priority_credit_s, appointment_credit_s, weight_step_s, priority_interleave, active, created_at)
                   values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id")
                .bind(name)
                .bind(new.timezone)
                .bind(rollover)
                .bind(languages)
                .bind(message)
                .bind(messages)
                .bind(policy.priority_credit_s)
                .bind(policy.appointment_credit_s)
                .bind(policy.weight_step_s)
                .bind(i64::from(policy.priority_interleave))
                .bind(true)
                .bind(now),
            )
            .await?;
        let row = lock(c, id).await?;
        events::append(
            c,
            out,
            NewEvent {
                branch_id: id,
                ticket_id: None,
                desk_id: None,
                data: events::EventData::BranchCreated(row.to_api()),
                actor,
                at: now,
            },
        )
        .await?;
        get(c, id).await
    })
}

pub(crate) fn clean_message(message: &str) -> Result<()> {
    if message.chars().count() > 500 {
        return Err(AppError::invalid(
            "kiosk_message must be at most 500 characters",
        ));
    }
    Ok(())
}

/// Changes a branch's settings: each given field is checked, then all are
/// stored in one transaction with a `branch.updated` event.
///
/// # Errors
/// Validation errors; NotFound.
pub async fn update_settings(
    db: &Db,
    id: i64,
    update: BranchUpdate,
    actor: Actor,
    now: i64,
) -> Result<BranchRow> {
    let name = update
        .name
        .as_deref()
        .map(|n| clean_name("name", n, 200))
        .transpose()?;
    if let Some(tz) = &update.timezone {
        parse_timezone(tz)?;
    }
    if let Some(r) = &update.rollover {
        parse_rollover(r)?;
    }
    let languages = update
        .languages
        .as_deref()
        .map(clean_languages)
        .transpose()?;
    if let Some(m) = &update.kiosk_message {
        clean_message(m)?;
    }
    let messages = update
        .kiosk_messages
        .as_ref()
        .map(|m| clean_texts("kiosk_messages", m, 500))
        .transpose()?;
    if let Some(p) = update.policy {
        validate_policy(p)?;
    }
    let appointments = update
        .appointments
        .map(AppointmentSettingsUpdate::clean)
        .transpose()?;
    write!(db, |c, out| async move {
        let mut row = lock(c, id).await?;
        if let Some(name) = name {
            row.name = name;
        }
        if let Some(tz) = update.timezone {
            row.timezone = tz;
        }
        if let Some(r) = update.rollover {
            row.rollover = r;
        }
        if let Some(l) = languages {
            row.languages = l;
        }
        if let Some(m) = update.kiosk_message {
            row.kiosk_message = m;
        }
        if let Some(m) = messages {
            row.kiosk_messages = m;
        }
        if let Some(p) = update.policy {
            row.priority_credit_s = p.priority_credit_s;
            row.appointment_credit_s = p.appointment_credit_s;
            row.weight_step_s = p.weight_step_s;
            row.priority_interleave = i64::from(p.priority_interleave);
        }
        if let Some(a) = update.active {
            row.active = a;
        }
        if let Some(a) = appointments {
            a.apply(&mut row);
        }
        c.run(
            q("update branches set name = $2, timezone = $3, rollover = $4, languages = $5, kiosk_message = $6,
                 priority_credit_s = $7, appointment_credit_s = $8, weight_step_s = $9, priority_interleave = $10, active = $11,
                 opening_hours = $12, closed_dates = $13, appointment_grace_s = $14, appointment_late_policy = $15,
                 kiosk_messages = $16
               where id = $1")
            .bind(id)
            .bind(row.name.as_str())
            .bind(row.timezone.as_str())
            .bind(row.rollover.as_str())
            .bind(row.languages.as_str())
            .bind(row.kiosk_message.as_str())
            .bind(row.priority_credit_s)
            .bind(row.appointment_credit_s)
            .bind(row.weight_step_s)
            .bind(row.priority_interleave)
            .bind(row.active)
            .bind(row.opening_hours.as_str())
            .bind(row.closed_dates.as_str())
            .bind(row.appointment_grace_s)
            .bind(row.appointment_late_policy.as_str())
            .bind(row.kiosk_messages.as_str()),
        )
        .await?;
        events::append(
            c,
            out,
            NewEvent {
                branch_id: id,
                ticket_id: None,
                desk_id: None,
                data: events::EventData::BranchUpdated(row.to_api()),
                actor,
                at: now,
            },
        )
        .await?;
        get(c, id).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        for ok in ["en", "pl", "pt-BR", "zh-Hant", "da"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in ["", "e", "EN", "english", "en_", "en-", "x-1234567890"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(clean_name("name", "  Desk 5 ", 10).unwrap(), "Desk 5");
        assert!(clean_name("name", "   ", 10).is_err());
        assert!(clean_name("name", "x".repeat(11).as_str(), 10).is_err());
        assert!(clean_name("name", "a\u{7}b", 10).is_err());
    }
}
