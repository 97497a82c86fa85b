//! The queue view: every waiting and parked ticket of a branch by
//! service, in the order desks would call them.

use super::*;

/// Query parameters of the queue view.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Order as this desk would call (its services and weights); without
    /// it, the branch-wide order.
    pub desk_id: Option<i64>,
}

/// One ticket in the queue view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueEntry {
    /// Place in call order, from 0.
    pub position: usize,
    /// Ticket id.
    pub ticket_id: i64,
    /// Number.
    pub number: String,
    /// Service.
    pub service_id: i64,
    /// Service code.
    pub service_code: String,
    /// Priority class.
    pub priority: String,
    /// Waiting since, ms.
    pub queued_at: i64,
    /// Seconds waited so far.
    pub waited_s: i64,
    /// Why the ticket stands here.
    pub reason: String,
    /// Credit from the priority class, seconds.
    pub priority_credit_s: i64,
    /// Credit from the desk's weight, seconds.
    pub weight_credit_s: i64,
}

/// Per-service summary.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceQueue {
    /// Service.
    pub service_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Waiting tickets.
    pub waiting: i64,
    /// Longest current wait, seconds.
    pub longest_wait_s: i64,
    /// Service standard, seconds.
    pub standard_wait_s: i64,
    /// Estimated wait for a ticket issued now, seconds.
    pub estimated_wait_s: i64,
    /// Open desks serving it.
    pub open_desks: u32,
}

/// The queue view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueView {
    /// Branch.
    pub branch_id: i64,
    /// Desk whose order this is, if any.
    pub desk_id: Option<i64>,
    /// When computed, ms.
    pub generated_at: i64,
    /// Waiting tickets in call order.
    pub waiting: Vec<QueueEntry>,
    /// Parked tickets (called again explicitly).
    pub parked: Vec<Ticket>,
    /// Per service.
    pub services: Vec<ServiceQueue>,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct WaitingRow {
    id: i64,
    service_id: i64,
    number: String,
    priority: String,
    queued_at: i64,
}

/// Builds the queue view.
///
/// # Errors
/// Unknown branch or desk.
pub async fn queue_view<C: Exec>(
    c: &mut C,
    branch_id: i64,
    desk_id: Option<i64>,
    now: i64,
) -> Result<QueueView> {
    let branch = branches::get(c, branch_id).await?;
    let policy = branch.policy();
    let service_rows = services::list(c, branch_id).await?;
    let rows: Vec<WaitingRow> = c
        .all(
            q(
                "select id, service_id, number, priority, queued_at from tickets
                where branch_id = $1 and status = 'waiting' order by queued_at, id",
            )
            .bind(branch_id),
        )
        .await?;
    let candidates: Vec<Candidate> = rows
        .iter()
        .map(|r| Candidate {
            ticket_id: r.id,
            service_id: r.service_id,
            priority: r.priority.parse().unwrap_or_default(),
            queued_at_ms: r.queued_at,
        })
        .collect();
    let placements = match desk_id {
        Some(d) => {
            let desk = desks::get(c, d).await?;
            if desk.branch_id != branch_id {
                return Err(AppError::NotFound("desk"));
            }
            let desk_policy = DeskPolicy {
                weights: desks::weights(c, d).await?,
                calls_since_priority: u32::try_from(desk.calls_since_priority).unwrap_or(0),
            };
            waitwell_queue::order_for_desk(&candidates, &desk_policy, &policy, now)
        }
        None => waitwell_queue::order_branch(&candidates, &policy, now),
    };
    let by_id: std::collections::HashMap<i64, &WaitingRow> =
        rows.iter().map(|r| (r.id, r)).collect();
    let code_of = |service_id: i64| {
        service_rows
            .iter()
            .find(|s| s.id == service_id)
            .map(|s| s.code.clone())
            .unwrap_or_default()
    };
    let waiting = placements
        .iter()
        .filter_map(|p| {
            let row = by_id.get(&p.ticket_id)?;
            Some(QueueEntry {
                position: p.position,
                ticket_id: p.ticket_id,
                number: row.number.clone(),
                service_id: p.service_id,
                service_code: code_of(p.service_id),
                priority: row.priority.clone(),
                queued_at: row.queued_at,
                waited_s: (now - row.queued_at).max(0) / 1000,
                reason: p.reason.text.clone(),
                priority_credit_s: p.reason.priority_credit_s,
                weight_credit_s: p.reason.weight_credit_s,
            })
        })
        .collect();
    let parked: Vec<Ticket> = {
        let ids: Vec<(i64,)> = c
            .all(q("select id from tickets where branch_id = $1 and status = 'parked' order by updated_at, id")
                .bind(branch_id))
            .await?;
        let mut parked = Vec::with_capacity(ids.len());
        for (id,) in ids {
            parked.push(get(c, id).await?);
        }
        parked
    };
    let mut services_out = Vec::new();
    for s in service_rows.iter().filter(|s| s.active) {
        let in_service: Vec<&WaitingRow> = rows.iter().filter(|r| r.service_id == s.id).collect();
        let load = service_load(c, s.id).await?;
        let waiting = i64::try_from(in_service.len()).unwrap_or(i64::MAX);
        services_out.push(ServiceQueue {
            service_id: s.id,
            code: s.code.clone(),
            name: s.name.clone(),
            waiting,
            longest_wait_s: in_service
                .iter()
                .map(|r| (now - r.queued_at).max(0) / 1000)
                .max()
                .unwrap_or(0),
            standard_wait_s: s.standard_wait_s,
            estimated_wait_s: estimate_wait_s(in_service.len(), load),
            open_desks: load.open_desks,
        });
    }
    Ok(QueueView {
        branch_id,
        desk_id,
        generated_at: now,
        waiting,
        parked,
        services: services_out,
    })
}
