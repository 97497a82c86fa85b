//! Personal-data retention: visitors' phone numbers and e-mail addresses
//! are kept only for `contact_retention_days` after the row's time, then
//! set to null by a job that runs at start-up and hourly.
//!
//! Only ordinary columns ever hold contact details (the event log never
//! does, so nothing immutable has to be rewritten). Every table with such
//! columns is one entry of [`CONTACT_TABLES`]; adding a table is adding an
//! entry. Rows themselves stay: a ticket without its contact is still a
//! ticket for reports and audits.
//!
//! Clearing is done per branch in one write each, and appends a
//! `contacts.erased` event with the number of rows cleared (no personal
//! data), so the log records that and when data was removed.

use std::sync::LazyLock;
use std::time::Duration;

use crate::app::AppState;
use crate::domain::branches;
use crate::error::Result;
use crate::events::{self, Actor, NewEvent};
use crate::now_ms;
use crate::store::{Db, Exec, q, read, write};
use waitwell_proto::ContactsErased;

/// A table holding visitors' contact details.
#[derive(Debug, Clone, Copy)]
pub struct ContactTable {
    /// Table name (it must have a `branch_id` column).
    pub table: &'static str,
    /// Column of the time (ms since the epoch) the retention counts from.
    pub time_column: &'static str,
    /// Columns cleared.
    pub columns: &'static [&'static str],
}

/// Every table with contact details.
pub const CONTACT_TABLES: &[ContactTable] = &[
    ContactTable {
        table: "tickets",
        time_column: "issued_at",
        columns: &["contact_phone", "contact_email"],
    },
    // Counted from the slot, not the booking: a visitor who books weeks
    // ahead can still be reminded before the visit.
    ContactTable {
        table: "appointments",
        time_column: "slot_start",
        columns: &["contact_phone", "contact_email"],
    },
    // A visitor's comment may name people; the rating itself stays.
    ContactTable {
        table: "feedback",
        time_column: "created_at",
        columns: &["comment"],
    },
];

/// One `update` per entry of [`CONTACT_TABLES`], built once from the
/// constant list (never from input): `$1` branch, `$2` cut-off time.
static STATEMENTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    CONTACT_TABLES
        .iter()
        .map(|t| {
            let set = t
                .columns
                .iter()
                .map(|c| format!("{c} = null"))
                .collect::<Vec<_>>()
                .join(", ");
            let any = t
                .columns
                .iter()
                .map(|c| format!("{c} is not null"))
                .collect::<Vec<_>>()
                .join(" or ");
            format!(
                "update {} set {set} where branch_id = $1 and {} < $2 and ({any})",
                t.table, t.time_column
            )
        })
        .collect()
});

/// The cut-off time: rows older than this lose their contact details.
pub fn cutoff(now: i64, retention_days: u32) -> i64 {
    now - i64::from(retention_days) * 86_400_000
}

/// Clears contact details older than `retention_days` in every branch.
/// Returns how many rows were cleared.
///
/// # Errors
/// Database errors.
pub async fn erase_expired(db: &Db, now: i64, retention_days: u32) -> Result<u64> {
    let before = cutoff(now, retention_days);
    let branch_ids: Vec<i64> = read!(db, |c| branches::list(c).await)?
        .into_iter()
        .map(|b| b.id)
        .collect();
    let mut total = 0;
    for branch_id in branch_ids {
        total += write!(db, |c, out| async move {
            branches::lock(c, branch_id).await?;
            let mut rows = std::collections::BTreeMap::new();
            let mut n = 0;
            for (table, sql) in CONTACT_TABLES.iter().zip(STATEMENTS.iter()) {
                let cleared = c.run(q(sql.as_str()).bind(branch_id).bind(before)).await?;
                if cleared > 0 {
                    rows.insert(table.table.to_owned(), cleared);
                }
                n += cleared;
            }
            if n > 0 {
                events::append(
                    c,
                    out,
                    NewEvent {
                        branch_id,
                        ticket_id: None,
                        desk_id: None,
                        data: events::EventData::ContactsErased(ContactsErased { before, rows }),
                        actor: Actor::System,
                        at: now,
                    },
                )
                .await?;
            }
            Ok(n)
        })?;
    }
    Ok(total)
}

/// Starts the hourly retention job on the state's task tracker; it stops
/// when the shutdown token is cancelled.
pub fn start(state: &AppState) {
    let s = state.clone();
    state.tasks.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tokio::select! {
                () = s.shutdown.cancelled() => break,
                _ = tick.tick() => {
                    match erase_expired(&s.db, now_ms(), s.config.contact_retention_days).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(rows = n, "erased expired contact details"),
                        Err(e) => tracing::warn!(error = %e, "erasing expired contact details"),
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_follow_the_list() {
        assert_eq!(
            STATEMENTS[0],
            "update tickets set contact_phone = null, contact_email = null where branch_id = $1 and issued_at < $2 and (contact_phone is not null or contact_email is not null)"
        );
        assert_eq!(cutoff(86_400_000 * 3, 1), 86_400_000 * 2);
    }
}
