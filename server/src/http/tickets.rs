//! The routes of [`crate::domain::tickets`].

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::branches;
use crate::domain::tickets::*;
use crate::error::{AppError, Result};
use crate::http::extract::{AppJson, AppPath, AppQuery, IdempotencyKey};
use crate::now_ms;
use crate::store::{read, write, write_branch};

/// Issues a ticket (kiosks and staff of the branch). Send an
/// `Idempotency-Key` header so that a retry returns the same ticket.
#[utoipa::path(post, path = "/api/v1/branches/{id}/tickets", tag = "tickets", request_body = IssueRequest,
    params(("id" = i64, Path, description = "Branch id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Client-chosen key, 1 to 128 visible ASCII characters")),
    responses((status = 201, body = TicketWithToken, description = "Issued"), (status = 200, body = TicketWithToken, description = "Issued earlier with this key"),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn issue_ticket(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    IdempotencyKey(idempotency_key): IdempotencyKey,
    AppJson(request): AppJson<IssueRequest>,
) -> Result<(StatusCode, AppJson<TicketWithToken>)> {
    who.require_issuer(branch_id)?;
    let device_id = match who {
        Principal::Device { id, .. } => Some(id),
        Principal::User { .. } => None,
    };
    let req = Issue {
        branch_id,
        request,
        idempotency_key,
        actor: who.actor(),
        device_id,
        now: now_ms(),
    };
    let (ticket, new) = write_branch!(state.db, branch_id, |c, out| async move {
        issue(c, out, req).await
    })?;
    if new {
        state.metrics.tickets_issued.inc();
    }
    // The answer that issued the ticket carries its public token; a replay
    // under the same key only to the kiosk that issued it (its first answer
    // may have been lost) or to staff issuing for a visitor.
    let ticket = if new || matches!(who, Principal::User { .. }) {
        TicketWithToken::issued(ticket)
    } else {
        for_caller(ticket, &who, now_ms())
    };
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, AppJson(ticket)))
}

/// Reads a ticket, with its position and estimated wait while it waits.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = TicketWithToken), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_ticket(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<crate::domain::projection::Seen<TicketWithToken>>> {
    let ticket = read!(state.db, |c| {
        let t = get(c, id).await?;
        who.require_reader(t.branch_id)?;
        let branch = branches::get(c, t.branch_id).await?;
        with_estimate(c, &branch, t, now_ms()).await
    })?;
    let ticket = for_caller(ticket, &who, now_ms());
    Ok(AppJson(crate::domain::projection::for_caller(
        &who,
        ticket,
        crate::domain::projection::printing_ticket,
    )))
}

/// Cancels a ticket (staff of the branch; visitors cancel their own on the
/// public ticket page).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/cancel", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses((status = 200, body = Ticket), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn cancel_ticket(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Ticket>> {
    let t = read!(state.db, |c| get(c, id).await)?;
    who.require_staff(t.branch_id)?;
    let (actor, now) = (who.actor(), now_ms());
    let ticket = write!(state.db, |c, out| async move {
        cancel(c, out, id, actor, now, Default::default()).await
    })?;
    Ok(AppJson(ticket))
}

/// The waiting tickets in the order they will be called, each with the
/// reason for its place.
#[utoipa::path(get, path = "/api/v1/branches/{id}/queue", tag = "tickets",
    params(("id" = i64, Path, description = "Branch id"), QueueQuery),
    responses((status = 200, body = QueueView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<QueueQuery>,
) -> Result<Response> {
    who.require_reader(branch_id)?;
    let now = now_ms();
    // Computed and serialised once per change (and second), for staff and
    // for devices apart: a wall of screens polling costs one view.
    let staff = matches!(who, Principal::User { .. });
    let key = format!("queue:{:?}:{staff}", query.desk_id);
    let json = state
        .db
        .model(branch_id)
        .await?
        .answer(&key, now, |m| {
            let view = m.queue_inputs(query.desk_id)?.view(now);
            let seen = crate::domain::projection::for_caller(
                &who,
                view,
                crate::domain::projection::queue_view,
            );
            serde_json::to_vec(&seen).map_err(|e| AppError::Internal(e.into()))
        })?
        .ok_or(AppError::NotFound("branch"))?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        axum::body::Bytes::from_owner(json),
    )
        .into_response())
}

/// Ticket routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_ticket))
        .routes(routes!(get_ticket))
        .routes(routes!(cancel_ticket))
        .routes(routes!(queue))
}
