//! Visitor feedback: a rating from 1 to 5 and an optional comment on a
//! finished visit, given on the ticket page (by public token) or on a
//! tablet at the exit (a kiosk device, by ticket number of today), and its
//! summary per service, desk and clerk for the manager's reports.
//!
//! Rules: one rating per ticket (a second is a 409, backed by a unique
//! index); only for a ticket that is done; only on the ticket's own
//! business day (feedback is about a visit just made, and a link kept on a
//! phone should not collect ratings weeks later); a comment of at most
//! [`MAX_COMMENT_CHARS`] characters. Service, desk and clerk are copied
//! from the ticket into the `feedback` row, so reports need no joins
//! through the ticket's history.
//!
//! Every rating appends a `feedback.given` event with the rating, the
//! ticket, service, desk and clerk, but never the comment: comments are the
//! visitor's own words and may name people, and the event log is immutable.
//! The comment lives only in `feedback.comment`, which a retention job can
//! clear.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use waitwell_queue::TicketStatus;

use crate::domain::branches::BranchRow;
use crate::domain::tickets::{self, Ticket};
use crate::error::{AppError, Result};
use crate::events::{self, Actor, NewEvent, Outbox};
use crate::store::{Exec, q};

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;
/// Most comments listed in a report (newest first).
pub const REPORT_COMMENTS: usize = 200;

/// Whether a ticket may still be rated at `now`: it is done and its
/// business day is today in the branch's calendar.
pub fn window_open(branch: &BranchRow, t: &Ticket, now: i64) -> bool {
    t.status == TicketStatus::Done.as_str() && branch.business_day(now) == t.business_day
}

/// A rating from the ticket page.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// 1 (poor) to 5 (very good).
    pub rating: i64,
    /// Optional comment, up to 500 characters.
    pub comment: Option<String>,
}

/// A rating from the exit tablet.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TabletFeedbackRequest {
    /// The ticket number of today, e.g. `A042` (case does not matter).
    pub number: String,
    /// 1 (poor) to 5 (very good).
    pub rating: i64,
    /// Optional comment, up to 500 characters.
    pub comment: Option<String>,
}

/// A rating as stored.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, serde::Deserialize, ToSchema)]
pub struct Feedback {
    /// Id.
    pub id: i64,
    /// The ticket rated.
    pub ticket_id: i64,
    /// 1 to 5.
    pub rating: i64,
    /// The visitor's comment.
    pub comment: Option<String>,
    /// `ticket_page`, `exit_tablet` or `staff`.
    pub source: String,
    /// When given, ms since the epoch.
    pub created_at: i64,
}

/// Checks a rating and tidies a comment: trimmed, empty as none, control
/// characters other than line breaks and tabs removed (PostgreSQL text
/// cannot hold NUL).
///
/// # Errors
/// Validation for a rating outside 1 to 5 or a comment over the limit.
pub fn validate(rating: i64, comment: Option<String>) -> Result<(i64, Option<String>)> {
    if !(1..=5).contains(&rating) {
        return Err(AppError::invalid(
            "rating must be a whole number from 1 to 5",
        ));
    }
    let comment = comment
        .map(|c| {
            c.chars()
                .filter(|ch| !ch.is_control() || matches!(ch, '\n' | '\t'))
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .filter(|c| !c.is_empty());
    if let Some(c) = &comment
        && c.chars().count() > MAX_COMMENT_CHARS
    {
        return Err(AppError::invalid(format!(
            "the comment must be at most {MAX_COMMENT_CHARS} characters"
        )));
    }
    Ok((rating, comment))
}

/// Where a rating came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The visitor's ticket page.
    TicketPage,
    /// The tablet at the exit, a kiosk device.
    ExitTablet(i64),
    /// A member of staff typing in a visitor's rating.
    Staff(i64),
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::TicketPage => "ticket_page",
            Source::ExitTablet(_) => "exit_tablet",
            Source::Staff(_) => "staff",
        }
    }

    fn actor(self) -> Actor {
        match self {
            Source::TicketPage => Actor::System,
            Source::ExitTablet(id) => Actor::Device(id),
            Source::Staff(id) => Actor::User(id),
        }
    }

    fn device_id(self) -> Option<i64> {
        match self {
            Source::ExitTablet(id) => Some(id),
            Source::TicketPage | Source::Staff(_) => None,
        }
    }
}

/// Records a rating of ticket `ticket_id`. The caller has locked the
/// ticket's branch.
///
/// # Errors
/// Conflict when the ticket is not done, its day is over, or it was rated
/// already.
#[allow(clippy::too_many_arguments)]
pub async fn give<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    branch: &BranchRow,
    ticket_id: i64,
    rating: i64,
    comment: Option<String>,
    source: Source,
    now: i64,
) -> Result<Feedback> {
    let t = tickets::get(c, ticket_id).await?;
    if t.status != TicketStatus::Done.as_str() {
        return Err(AppError::conflict(format!(
            "ticket {} is not finished yet: feedback can be given once the visit is complete",
            t.number
        )));
    }
    let given: Option<(i64,)> = c
        .opt(q("select id from feedback where ticket_id = $1").bind(t.id))
        .await?;
    if given.is_some() {
        return Err(AppError::conflict(format!(
            "feedback was already given for ticket {}",
            t.number
        )));
    }
    if !window_open(branch, &t, now) {
        return Err(AppError::conflict(format!(
            "feedback for ticket {} closed at the end of its day",
            t.number
        )));
    }
    let has_comment = comment.is_some();
    let row: Feedback = c
        .one(
            q("insert into feedback (ticket_id, branch_id, business_day, service_id, desk_id, user_id,
                 rating, comment, source, device_id, created_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
               returning id, ticket_id, rating, comment, source, created_at")
            .bind(t.id)
            .bind(t.branch_id)
            .bind(t.business_day.as_str())
            .bind(t.service_id)
            .bind(t.desk_id)
            .bind(t.called_by)
            .bind(rating)
            .bind(comment)
            .bind(source.as_str())
            .bind(source.device_id())
            .bind(now),
        )
        .await?;
    events::append(
        c,
        out,
        NewEvent {
            branch_id: t.branch_id,
            ticket_id: Some(t.id),
            desk_id: t.desk_id,
            // No comment text here: see the module doc.
            data: events::EventData::FeedbackGiven(waitwell_proto::FeedbackGiven {
                ticket_id: t.id,
                number: t.number.clone(),
                service_id: t.service_id,
                desk_id: t.desk_id,
                user_id: t.called_by,
                rating,
                has_comment,
                source: source.as_str().to_owned(),
            }),
            actor: source.actor(),
            at: now,
        },
    )
    .await?;
    Ok(row)
}

/// Whether `number` has the shape of a ticket number: letters and digits.
pub(crate) fn is_ticket_number(number: &str) -> bool {
    (1..=16).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The ticket of today with this number to rate: the one that is done
/// when a transfer left several rows with the number.
pub(crate) async fn today_by_number<C: Exec>(
    c: &mut C,
    branch: &BranchRow,
    number: &str,
    now: i64,
) -> Result<i64> {
    let rows: Vec<(i64, String)> = c
        .all(
            q("select id, status from tickets
               where branch_id = $1 and business_day = $2 and upper(number) = $3 order by id")
            .bind(branch.id)
            .bind(branch.business_day(now))
            .bind(number),
        )
        .await?;
    rows.iter()
        .rev()
        .find(|(_, status)| status == TicketStatus::Done.as_str())
        .or(rows.last())
        .map(|(id, _)| *id)
        .ok_or(AppError::NotFound("ticket of today with this number"))
}

/// Ratings of a group: how many, the average and how many of each value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Ratings {
    /// Ratings given.
    pub responses: i64,
    /// Average rating, 1 to 5; null without ratings.
    pub avg_rating: Option<f64>,
    /// How many ratings of 1, 2, 3, 4 and 5 (five numbers).
    pub counts: Vec<i64>,
}

impl Ratings {
    fn add(&mut self, rating: i64) {
        if self.counts.len() != 5 {
            self.counts = vec![0; 5];
        }
        if let Some(slot) = usize::try_from(rating - 1)
            .ok()
            .and_then(|i| self.counts.get_mut(i))
        {
            *slot += 1;
            self.responses += 1;
        }
        let sum: i64 = self
            .counts
            .iter()
            .zip(1_i64..)
            .map(|(n, value)| n * value)
            .sum();
        // Two decimals are all a report shows.
        self.avg_rating = Some((sum as f64 / self.responses.max(1) as f64 * 100.0).round() / 100.0);
    }
}

/// The ratings of one service, desk or clerk.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FeedbackGroup {
    /// Service, desk or user id; null for tickets without one.
    pub id: Option<i64>,
    /// Service name, desk name or clerk's sign-in name.
    pub name: String,
    /// Service code (services only).
    pub code: Option<String>,
    /// The ratings.
    #[serde(flatten)]
    pub ratings: Ratings,
}

/// One comment, for the manager.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, serde::Deserialize, ToSchema)]
pub struct FeedbackComment {
    /// Ticket number.
    pub number: String,
    /// Service code.
    pub service_code: String,
    /// Desk name.
    pub desk_name: Option<String>,
    /// Clerk's sign-in name.
    pub username: Option<String>,
    /// Rating, 1 to 5.
    pub rating: i64,
    /// The comment.
    pub comment: String,
    /// When given, ms since the epoch.
    pub created_at: i64,
}

/// Feedback of a period, for the reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct FeedbackReport {
    /// All ratings.
    pub total: Ratings,
    /// Per service, by code.
    pub services: Vec<FeedbackGroup>,
    /// Per desk, by name.
    pub desks: Vec<FeedbackGroup>,
    /// Per clerk (who called the ticket), by name.
    pub clerks: Vec<FeedbackGroup>,
    /// Comments, newest first (at most 200).
    pub comments: Vec<FeedbackComment>,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct RatingRow {
    rating: i64,
    service_id: i64,
    service_code: String,
    service_name: String,
    desk_id: Option<i64>,
    desk_name: Option<String>,
    user_id: Option<i64>,
    username: Option<String>,
}

/// Groups ratings by a key, sorted by name.
fn group_by(
    rows: &[RatingRow],
    key: impl Fn(&RatingRow) -> (Option<i64>, String, Option<String>),
) -> Vec<FeedbackGroup> {
    let mut groups: BTreeMap<(String, Option<i64>), FeedbackGroup> = BTreeMap::new();
    for row in rows {
        let (id, name, code) = key(row);
        groups
            .entry((code.clone().unwrap_or_else(|| name.clone()), id))
            .or_insert_with(|| FeedbackGroup {
                id,
                name,
                code,
                ratings: Ratings::default(),
            })
            .ratings
            .add(row.rating);
    }
    groups.into_values().collect()
}

/// The feedback of business days `from` to `to` (inclusive, `YYYY-MM-DD`).
///
/// # Errors
/// Database errors.
pub async fn summary<C: Exec>(
    c: &mut C,
    branch_id: i64,
    from: &str,
    to: &str,
) -> Result<FeedbackReport> {
    let rows: Vec<RatingRow> = c
        .all(
            q(
                "select f.rating, f.service_id, s.code as service_code, s.name as service_name,
                      f.desk_id, d.name as desk_name, f.user_id, u.username
               from feedback f
               join services s on s.id = f.service_id
               left join desks d on d.id = f.desk_id
               left join users u on u.id = f.user_id
               where f.branch_id = $1 and f.business_day >= $2 and f.business_day <= $3
               order by f.id",
            )
            .bind(branch_id)
            .bind(from)
            .bind(to),
        )
        .await?;
    let mut total = Ratings::default();
    for row in &rows {
        total.add(row.rating);
    }
    if total.counts.is_empty() {
        total.counts = vec![0; 5];
    }
    let services = group_by(&rows, |r| {
        (
            Some(r.service_id),
            r.service_name.clone(),
            Some(r.service_code.clone()),
        )
    });
    let desks = group_by(&rows, |r| {
        (
            r.desk_id,
            r.desk_name.clone().unwrap_or_else(|| "no desk".to_owned()),
            None,
        )
    });
    let clerks = group_by(&rows, |r| {
        (
            r.user_id,
            r.username.clone().unwrap_or_else(|| "unknown".to_owned()),
            None,
        )
    });
    let mut comments: Vec<FeedbackComment> = c
        .all(
            q(
                "select t.number, s.code as service_code, d.name as desk_name, u.username,
                      f.rating, f.comment, f.created_at
               from feedback f
               join tickets t on t.id = f.ticket_id
               join services s on s.id = f.service_id
               left join desks d on d.id = f.desk_id
               left join users u on u.id = f.user_id
               where f.branch_id = $1 and f.business_day >= $2 and f.business_day <= $3
                 and f.comment is not null
               order by f.created_at desc, f.id desc limit 200",
            )
            .bind(branch_id)
            .bind(from)
            .bind(to),
        )
        .await?;
    comments.truncate(REPORT_COMMENTS);
    Ok(FeedbackReport {
        total,
        services,
        desks,
        clerks,
        comments,
    })
}

#[cfg(test)]
mod tests {
    use super::{Ratings, validate};

    #[test]
    fn ratings_and_comments_are_checked() {
        assert!(validate(0, None).is_err());
        assert!(validate(6, None).is_err());
        assert_eq!(validate(5, Some("  ".into())).unwrap(), (5, None));
        assert_eq!(
            validate(1, Some(" slow\u{0}\n ok ".into())).unwrap(),
            (1, Some("slow\n ok".into()))
        );
        assert!(validate(3, Some("x".repeat(500))).is_ok());
        assert!(validate(3, Some("ł".repeat(501))).is_err());
    }

    #[test]
    fn ratings_average() {
        let mut r = Ratings::default();
        for v in [5, 4, 4] {
            r.add(v);
        }
        assert_eq!(r.responses, 3);
        assert_eq!(r.counts, [0, 0, 0, 2, 1]);
        assert_eq!(r.avg_rating, Some(4.33));
    }
}
