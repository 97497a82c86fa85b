//! Remote tickets: the virtual queue. A visitor opens the office's public
//! page (`/office/?branch=<id>`), picks a service that is open for remote
//! tickets and takes a ticket without being in the building, optionally
//! leaving a phone number and/or e-mail address for notifications (sent by
//! the office's gateway through a webhook, see [`crate::domain::webhooks`]).
//!
//! Limits against gaming the queue, all checked under the branch lock in the
//! same transaction that issues the ticket:
//! * `remote_enabled` per service: no remote tickets unless a manager
//!   switched them on.
//! * `remote_daily_cap`: at most this many remote tickets per service and
//!   business day.
//! * `remote_walk_in_share` (percent, the share kept for walk-ins): a remote
//!   ticket is refused when remote tickets would make up more than
//!   (100 − share)% of the service's tickets of the day, counting the one
//!   being issued and rounding up, so that the first remote ticket of a day
//!   is possible whenever the share is below 100.
//! * Switching remote tickets on without choosing these two limits in the
//!   same request gives the ones still unset protective defaults
//!   ([`DEFAULT_DAILY_CAP`], [`DEFAULT_WALK_IN_SHARE`]), so a service opened
//!   to the internet is never open without bounds by accident; a manager
//!   who wants no cap or no share says so explicitly (`null`, `0`).
//! * A per-client rate limit ([`crate::domain::ratelimit::ClientLimiter`]) keyed by
//!   the client's address (IPv6 per /64): the TCP peer, or behind a reverse
//!   proxy the last X-Forwarded-For entry when `trust_forwarded_for` is set.
//!
//! Contact details go only into the ticket's `contact_phone` /
//! `contact_email` columns, never into the event log (which is immutable);
//! [`crate::jobs::retention`] clears them after the retention period.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::branches;
use crate::domain::services;
use crate::domain::services::ServiceRow;
use crate::domain::tickets;
use crate::domain::tickets::Ticket;
use crate::domain::tickets::{Issue, IssueRequest};
use crate::error::{AppError, Result};
use crate::events::Actor;
use crate::store::Db;
use crate::store::{Exec, q, write_branch};

/// Remote tickets per service and day when remote tickets are switched on
/// without a cap of the manager's choosing.
pub const DEFAULT_DAILY_CAP: i64 = 50;
/// Percent of the day's tickets kept for walk-ins when remote tickets are
/// switched on without a share of the manager's choosing.
pub const DEFAULT_WALK_IN_SHARE: i64 = 30;

/// Applies the protective defaults to a service whose remote tickets are
/// being switched on: a cap where there is none and a walk-in share where
/// it is 0, unless the same request set that field (`cap_given`,
/// `share_given`), which is then the manager's explicit choice.
pub fn protective_defaults(service: &mut ServiceRow, cap_given: bool, share_given: bool) {
    if !cap_given && service.remote_daily_cap.is_none() {
        service.remote_daily_cap = Some(DEFAULT_DAILY_CAP);
    }
    if !share_given && service.remote_walk_in_share == 0 {
        service.remote_walk_in_share = DEFAULT_WALK_IN_SHARE;
    }
}

/// Checks and normalises a phone number: digits with an optional leading
/// `+`; spaces, dashes, dots and parentheses are dropped. 6 to 15 digits
/// (E.164 allows at most 15).
///
/// # Errors
/// Validation error naming the field.
pub fn clean_phone(raw: &str) -> Result<Option<String>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let mut out = String::new();
    for (i, ch) in raw.chars().enumerate() {
        match ch {
            '+' if i == 0 => out.push('+'),
            '0'..='9' => out.push(ch),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => {
                return Err(AppError::invalid(
                    "phone may hold only digits, an initial +, spaces, dashes and parentheses",
                ));
            }
        }
    }
    let digits = out.chars().filter(char::is_ascii_digit).count();
    if !(6..=15).contains(&digits) {
        return Err(AppError::invalid("phone must have 6 to 15 digits"));
    }
    Ok(Some(out))
}

/// Checks an e-mail address: one `@`, a non-empty local part of at most 64
/// characters, a domain with a dot, no spaces or control characters, at
/// most 254 characters. Deliverability is the gateway's concern.
///
/// # Errors
/// Validation error naming the field.
pub fn clean_email(raw: &str) -> Result<Option<String>> {
    let e = raw.trim();
    if e.is_empty() {
        return Ok(None);
    }
    let bad = || AppError::invalid("email must be an address like name@example.org");
    if e.len() > 254 || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || local.len() > 64
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(bad());
    }
    Ok(Some(format!("{local}@{}", domain.to_lowercase())))
}

/// Whether one more remote ticket fits the walk-in share: remote tickets,
/// counting the new one, may be at most (100 − share)% of the day's
/// tickets counting the new one, rounded up.
pub fn within_share(remote_today: i64, total_today: i64, share_percent: i64) -> bool {
    let allowed = ((100 - share_percent) * (total_today + 1) + 99) / 100;
    remote_today < allowed
}

/// A service open for remote tickets, as the office page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RemoteService {
    /// Service id.
    pub id: i64,
    /// Ticket prefix.
    pub code: String,
    /// Name in the requested language (else the default name).
    pub name: String,
    /// Waiting tickets now.
    pub waiting: i64,
    /// Estimated wait for a ticket taken now, seconds.
    pub estimated_wait_s: i64,
    /// Whether a remote ticket can be taken right now (cap and share).
    pub available: bool,
    /// What a ticket taken now would be told: predicted wait and range, or
    /// that no open desk serves the service.
    #[serde(flatten)]
    pub forecast: crate::domain::predictions::ServiceForecast,
}

/// The office page's data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RemoteOffice {
    /// Branch id.
    pub branch_id: i64,
    /// Office name.
    pub name: String,
    /// Languages offered, the first is the default.
    pub languages: Vec<String>,
    /// Services open for remote tickets.
    pub services: Vec<RemoteService>,
}

/// Query of the services list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LangQuery {
    /// Language for service names.
    pub lang: Option<String>,
}

/// Remote and total tickets of a service on a business day.
async fn day_counts<C: Exec>(c: &mut C, service_id: i64, day: &str) -> Result<(i64, i64)> {
    // Tickets created by a transfer continue an earlier one: not counted.
    let (remote, total): (i64, i64) = c
        .one(
            q("select coalesce(sum(case when channel = 'remote' then 1 else 0 end), 0), count(*)
               from tickets where service_id = $1 and business_day = $2 and transferred_from is null")
            .bind(service_id)
            .bind(day),
        )
        .await?;
    Ok((remote, total))
}

/// Why a remote ticket cannot be taken now, if it cannot.
pub(crate) async fn refusal<C: Exec>(
    c: &mut C,
    service: &ServiceRow,
    day: &str,
) -> Result<Option<String>> {
    if !service.active || !service.remote_enabled {
        return Ok(Some(format!(
            "service {} does not take remote tickets",
            service.code
        )));
    }
    let (remote, total) = day_counts(c, service.id, day).await?;
    if let Some(cap) = service.remote_daily_cap
        && remote >= cap
    {
        return Ok(Some(format!(
            "today's {cap} remote tickets for {} are taken; please take a ticket at the office",
            service.code
        )));
    }
    if !within_share(remote, total, service.remote_walk_in_share) {
        return Ok(Some(format!(
            "remote tickets for {} are full for now ({}% of tickets are kept for visitors at the office); please try again later",
            service.code, service.remote_walk_in_share
        )));
    }
    Ok(None)
}

/// A visitor's request for a remote ticket.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteRequest {
    /// Service (one that takes remote tickets).
    pub service_id: i64,
    /// Visitor's language, one of the branch's.
    pub language: Option<String>,
    /// Phone number for notifications (optional).
    pub phone: Option<String>,
    /// E-mail address for notifications (optional).
    pub email: Option<String>,
}

/// A remote ticket as its visitor receives it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RemoteTicket {
    /// Ticket id.
    pub id: i64,
    /// Number, e.g. `A042`.
    pub number: String,
    /// Service.
    pub service_id: i64,
    /// Status (waiting).
    pub status: String,
    /// People ahead.
    pub position: Option<i64>,
    /// Estimated wait, seconds.
    pub estimated_wait_s: Option<i64>,
    /// The secret of the visitor's ticket page.
    pub public_token: String,
    /// The visitor's ticket page.
    pub ticket_url: String,
}

pub(crate) fn to_remote(t: Ticket, public_url: &str) -> RemoteTicket {
    RemoteTicket {
        ticket_url: crate::domain::visitor::ticket_url(public_url, &t.public_token),
        id: t.id,
        number: t.number,
        service_id: t.service_id,
        status: t.status,
        position: t.position,
        estimated_wait_s: t.estimated_wait_s,
        public_token: t.public_token,
    }
}

/// Issues a remote ticket, unless the office refuses one now (see
/// [`refusal`]); a retry with the same key returns the first ticket. The
/// contact goes into the ticket's own columns, never into an event.
///
/// # Errors
/// NotFound for a service of another branch; Conflict with the reason the
/// office refuses remote tickets.
pub async fn issue_remote(
    db: &Db,
    branch_id: i64,
    request: RemoteRequest,
    key: Option<String>,
    (phone, email): (Option<String>, Option<String>),
    now: i64,
) -> Result<(Ticket, bool)> {
    let issue = Issue {
        branch_id,
        request: IssueRequest {
            service_id: request.service_id,
            priority: None,
            language: request.language,
        },
        idempotency_key: key.clone(),
        actor: Actor::System,
        device_id: None,
        now,
    };
    write_branch!(db, branch_id, |c, out| async move {
        let branch = branches::lock(c, branch_id).await?;
        let replay = match &key {
            Some(k) => c
                .opt::<(i64,)>(
                    q("select id from tickets where branch_id = $1 and idempotency_key = $2")
                        .bind(branch_id)
                        .bind(k.as_str()),
                )
                .await?
                .is_some(),
            None => false,
        };
        if !replay {
            let service = services::get(c, issue.request.service_id).await?;
            if service.branch_id != branch_id {
                return Err(AppError::NotFound("service"));
            }
            if let Some(why) = refusal(c, &service, &branch.business_day(now)).await? {
                return Err(AppError::Conflict(why));
            }
        }
        let (ticket, new) = tickets::issue(c, out, issue).await?;
        if new {
            // The contact goes into ordinary columns only: the event
            // tickets::issue appended carries the ticket without it.
            c.run(
                q("update tickets set channel = 'remote', contact_phone = $2, contact_email = $3 where id = $1")
                    .bind(ticket.id)
                    .bind(phone)
                    .bind(email),
            )
            .await?;
        }
        Ok((ticket, new))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_rule() {
        // No share kept: no limit.
        assert!(within_share(50, 50, 0));
        // Everything kept for walk-ins: never.
        assert!(!within_share(0, 0, 100));
        // 30% kept: the first remote ticket of the day is possible, the
        // fourth in a row is not; walk-ins make room again.
        assert!(within_share(0, 0, 30));
        assert!(within_share(2, 2, 30));
        assert!(!within_share(3, 3, 30));
        assert!(within_share(3, 4, 30));
        // 50%: alternate.
        assert!(within_share(0, 0, 50));
        assert!(!within_share(1, 1, 50));
        assert!(within_share(1, 2, 50));
    }

    #[test]
    fn contacts() {
        assert_eq!(
            clean_phone(" +45 12-34 (56) 78 ").unwrap().as_deref(),
            Some("+4512345678")
        );
        assert_eq!(clean_phone("").unwrap(), None);
        assert!(clean_phone("12345").is_err());
        assert!(clean_phone("12a45678").is_err());
        assert!(clean_phone("1+2345678").is_err());
        assert_eq!(
            clean_email(" Ann@Example.ORG ").unwrap().as_deref(),
            Some("Ann@example.org")
        );
        for bad in [
            "ann",
            "ann@",
            "@x.org",
            "a@b",
            "a b@x.org",
            "a@x..org",
            "a@@x.org",
        ] {
            assert!(clean_email(bad).is_err(), "{bad}");
        }
    }
}
