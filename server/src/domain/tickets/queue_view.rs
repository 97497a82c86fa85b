//! The queue view: every waiting and parked ticket of a branch by
//! service, in the order desks would call them.

use super::*;
use waitwell_proto::Service;
use waitwell_queue::PolicyConfig;

/// Query parameters of the queue view.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Order as this desk would call (its services and weights); without
    /// it, the branch-wide order.
    pub desk_id: Option<i64>,
}

/// One ticket in the queue view.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
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

/// A waiting ticket as the queue view reads it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct WaitingRow {
    /// Ticket id.
    pub id: i64,
    /// Service.
    pub service_id: i64,
    /// Number.
    pub number: String,
    /// Priority class.
    pub priority: String,
    /// Waiting since, ms.
    pub queued_at: i64,
}

/// Everything the queue view is computed from, read from the database
/// ([`queue_inputs`]) or from the branch's read model (`read_model.rs`).
#[derive(Debug, Clone)]
pub struct QueueInputs {
    /// Branch.
    pub branch_id: i64,
    /// The branch's next-ticket policy.
    pub policy: PolicyConfig,
    /// The branch's services, by code.
    pub services: Vec<Service>,
    /// Waiting tickets by queued time and id.
    pub waiting: Vec<WaitingRow>,
    /// The desk whose order is asked for, with its allocation.
    pub desk: Option<(i64, DeskPolicy)>,
    /// Parked tickets by last change and id.
    pub parked: Vec<Ticket>,
    /// Each active service's load.
    pub loads: std::collections::BTreeMap<i64, ServiceLoad>,
}

/// Reads the queue view's inputs.
///
/// # Errors
/// Unknown branch or desk.
pub async fn queue_inputs<C: Exec>(
    c: &mut C,
    branch_id: i64,
    desk_id: Option<i64>,
) -> Result<QueueInputs> {
    let branch = branches::get(c, branch_id).await?;
    let services: Vec<Service> = services::list(c, branch_id)
        .await?
        .iter()
        .map(services::ServiceRow::to_api)
        .collect();
    let waiting: Vec<WaitingRow> = c
        .all(
            q(
                "select id, service_id, number, priority, queued_at from tickets
                where branch_id = $1 and status = 'waiting' order by queued_at, id",
            )
            .bind(branch_id),
        )
        .await?;
    let desk = match desk_id {
        Some(d) => {
            let desk = desks::get(c, d).await?;
            if desk.branch_id != branch_id {
                return Err(AppError::NotFound("desk"));
            }
            Some((
                d,
                DeskPolicy {
                    weights: desks::weights(c, d).await?,
                    calls_since_priority: u32::try_from(desk.calls_since_priority).unwrap_or(0),
                },
            ))
        }
        None => None,
    };
    let ids = crate::store::sql::tickets::parked(c, branch_id).await?;
    let mut parked = Vec::with_capacity(ids.len());
    for id in ids {
        parked.push(get(c, id).await?);
    }
    let mut loads = std::collections::BTreeMap::new();
    for s in services.iter().filter(|s| s.active) {
        loads.insert(s.id, service_load(c, s.id).await?);
    }
    Ok(QueueInputs {
        branch_id,
        policy: branch.policy(),
        services,
        waiting,
        desk,
        parked,
        loads,
    })
}

/// Builds the queue view from the database.
///
/// # Errors
/// Unknown branch or desk.
pub async fn queue_view<C: Exec>(
    c: &mut C,
    branch_id: i64,
    desk_id: Option<i64>,
    now: i64,
) -> Result<QueueView> {
    Ok(queue_inputs(c, branch_id, desk_id).await?.view(now))
}

impl QueueInputs {
    /// The queue view at `now`.
    pub fn view(self, now: i64) -> QueueView {
        let QueueInputs {
            branch_id,
            policy,
            services: service_rows,
            waiting: rows,
            desk,
            parked,
            loads,
        } = self;
        let candidates: Vec<Candidate> = rows
            .iter()
            .map(|r| Candidate {
                ticket_id: r.id,
                service_id: r.service_id,
                priority: r.priority.parse().unwrap_or_default(),
                queued_at_ms: r.queued_at,
            })
            .collect();
        let placements = match &desk {
            Some((_, desk_policy)) => {
                waitwell_queue::order_for_desk(&candidates, desk_policy, &policy, now)
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
        let mut services_out = Vec::new();
        for s in service_rows.iter().filter(|s| s.active) {
            let in_service: Vec<&WaitingRow> =
                rows.iter().filter(|r| r.service_id == s.id).collect();
            let load = loads.get(&s.id).copied().unwrap_or(ServiceLoad {
                open_desks: 0,
                avg_service_s: s.expected_service_s as f64,
            });
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
        QueueView {
            branch_id,
            desk_id: desk.map(|(id, _)| id),
            generated_at: now,
            waiting,
            parked,
            services: services_out,
        }
    }
}
