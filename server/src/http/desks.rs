//! The routes of [`crate::domain::desks`].

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use waitwell_queue::DeskStatus;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::branches::clean_name;
use crate::domain::desks::*;
use crate::domain::projection::Seen;
use crate::domain::tickets::{self, DeskStep, Ticket};
use crate::error::{AppError, Result};
use crate::http::extract::{AppJson, AppPath};
use crate::now_ms;
use crate::store::{read, write_branch};

/// Lists a branch's desks.
#[utoipa::path(get, path = "/api/v1/branches/{id}/desks", tag = "desks",
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 200, body = Vec<DeskRow>)))]
pub async fn list_desks(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
) -> Result<AppJson<Seen<Vec<DeskRow>>>> {
    who.require_reader(branch_id)?;
    let desks = list(&state.db, branch_id).await?;
    Ok(AppJson(crate::domain::projection::for_caller(
        &who,
        desks,
        crate::domain::projection::desk,
    )))
}

/// Creates a desk (managers).
#[utoipa::path(post, path = "/api/v1/branches/{id}/desks", tag = "desks", request_body = NewDesk,
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 201, body = DeskRow), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_desk(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppJson(new): AppJson<NewDesk>,
) -> Result<(StatusCode, AppJson<DeskRow>)> {
    who.require_manager(branch_id)?;
    let desk = create(&state.db, branch_id, new, who.actor()).await?;
    Ok((StatusCode::CREATED, AppJson(desk)))
}

/// Reads a desk.
#[utoipa::path(get, path = "/api/v1/desks/{id}", tag = "desks",
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = DeskRow), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_desk(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Seen<DeskRow>>> {
    let desk = read!(state.db, |c| get(c, id).await)?;
    who.require_reader(desk.branch_id)?;
    Ok(AppJson(crate::domain::projection::for_caller(
        &who,
        desk,
        crate::domain::projection::desk,
    )))
}

/// Renames or (de)activates a desk (managers).
#[utoipa::path(patch, path = "/api/v1/desks/{id}", tag = "desks", request_body = DeskUpdate,
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = DeskRow), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn update_desk(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
    AppJson(update): AppJson<DeskUpdate>,
) -> Result<AppJson<DeskRow>> {
    let existing = read!(state.db, |c| get(c, id).await)?;
    who.require_manager(existing.branch_id)?;
    let desk = edit(
        &state.db,
        existing.branch_id,
        id,
        update,
        who.actor(),
        now_ms(),
    )
    .await?;
    Ok(AppJson(desk))
}

/// A desk's allocation.
#[utoipa::path(get, path = "/api/v1/desks/{id}/services", tag = "desks",
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = Vec<Allocation>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_allocation(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Vec<Allocation>>> {
    let allocation = read!(state.db, |c| {
        let desk = get(c, id).await?;
        who.require_reader(desk.branch_id)?;
        allocation_of(c, id).await
    })?;
    Ok(AppJson(allocation))
}

/// Replaces a desk's allocation (managers). Applies from the next call.
#[utoipa::path(put, path = "/api/v1/desks/{id}/services", tag = "desks", request_body = Vec<Allocation>,
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = Vec<Allocation>), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_allocation(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
    AppJson(allocation): AppJson<Vec<Allocation>>,
) -> Result<AppJson<Vec<Allocation>>> {
    let desk = read!(state.db, |c| get(c, id).await)?;
    who.require_manager(desk.branch_id)?;
    Ok(AppJson(
        set_allocation(&state.db, id, allocation, who.actor()).await?,
    ))
}

/// Opens a desk; a clerk who opens it staffs it.
#[utoipa::path(post, path = "/api/v1/desks/{id}/open", tag = "desk actions",
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = DeskRow), (status = 409, body = crate::error::ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<DeskRow>> {
    let actor = desk_actor(&state, &who, id).await?;
    Ok(AppJson(
        set_status(&state, actor, DeskStatus::Open, None).await?,
    ))
}

/// Pauses a desk, with a reason.
#[utoipa::path(post, path = "/api/v1/desks/{id}/pause", tag = "desk actions", request_body = PauseRequest,
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = DeskRow), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn pause(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
    AppJson(body): AppJson<PauseRequest>,
) -> Result<AppJson<DeskRow>> {
    let reason = clean_name("reason", &body.reason, 200)?;
    let actor = desk_actor(&state, &who, id).await?;
    Ok(AppJson(
        set_status(&state, actor, DeskStatus::Paused, Some(reason)).await?,
    ))
}

/// Closes a desk; it must have no current ticket.
#[utoipa::path(post, path = "/api/v1/desks/{id}/close", tag = "desk actions",
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = DeskRow), (status = 409, body = crate::error::ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<DeskRow>> {
    let actor = desk_actor(&state, &who, id).await?;
    Ok(AppJson(
        set_status(&state, actor, DeskStatus::Closed, None).await?,
    ))
}

/// Calls the next visitor by the policy: 200 with the ticket, 204 when
/// nobody waits for this desk's services.
#[utoipa::path(post, path = "/api/v1/desks/{id}/call-next", tag = "desk actions",
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = Ticket), (status = 204, description = "Nobody waits"), (status = 409, body = crate::error::ErrorBody)))]
pub async fn call_next(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<Response> {
    let actor = desk_actor(&state, &who, id).await?;
    let called = write_branch!(state.db, actor.branch_id, |c, out| async move {
        tickets::call_next(c, out, actor).await
    })?;
    Ok(match called {
        Some(t) => {
            state.metrics.calls.inc();
            AppJson(t).into_response()
        }
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Calls a specific ticket out of turn; a reason is required and recorded.
#[utoipa::path(post, path = "/api/v1/desks/{id}/call", tag = "desk actions", request_body = CallRequest,
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = Ticket), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn call(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
    AppJson(body): AppJson<CallRequest>,
) -> Result<AppJson<Ticket>> {
    let reason = clean_name("reason", &body.reason, 500)?;
    let actor = desk_actor(&state, &who, id).await?;
    let ticket_id = body.ticket_id;
    let ticket = write_branch!(state.db, actor.branch_id, |c, out| async move {
        tickets::call_specific(c, out, actor, ticket_id, reason).await
    })?;
    state.metrics.calls.inc();
    Ok(AppJson(ticket))
}

/// Calls the desk's current ticket again (displays announce it again).
#[utoipa::path(post, path = "/api/v1/desks/{id}/recall", tag = "desk actions",
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = Ticket), (status = 409, body = crate::error::ErrorBody)))]
pub async fn recall(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Ticket>> {
    step(&state, &who, id, DeskStep::Recall).await
}

/// Starts serving the current ticket.
#[utoipa::path(post, path = "/api/v1/desks/{id}/start", tag = "desk actions",
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = Ticket), (status = 409, body = crate::error::ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Ticket>> {
    step(&state, &who, id, DeskStep::Start).await
}

/// Finishes the current ticket, with an optional outcome. The body may be
/// omitted.
#[utoipa::path(post, path = "/api/v1/desks/{id}/finish", tag = "desk actions", request_body(content = Option<FinishRequest>),
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = Ticket), (status = 409, body = crate::error::ErrorBody)))]
pub async fn finish(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<AppJson<Ticket>> {
    // Same statuses as `AppJson`: too large 413, broken JSON 400, JSON of
    // the wrong shape 422, all with the JSON error body.
    let body = body.map_err(|e| AppError::Rejected(e.status(), e.body_text()))?;
    let request: FinishRequest = if body.iter().all(u8::is_ascii_whitespace) {
        FinishRequest::default()
    } else {
        serde_json::from_slice::<serde::de::IgnoredAny>(&body)
            .map_err(|e| AppError::BadRequest(format!("invalid JSON body: {e}")))?;
        serde_json::from_slice(&body)
            .map_err(|e| AppError::invalid(format!("invalid JSON body: {e}")))?
    };
    let outcome = request
        .outcome
        .as_deref()
        .map(|o| clean_name("outcome", o, 200))
        .transpose()?;
    step(&state, &who, id, DeskStep::Finish(outcome)).await
}

/// Marks the current ticket as a no-show.
#[utoipa::path(post, path = "/api/v1/desks/{id}/no-show", tag = "desk actions",
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = Ticket), (status = 409, body = crate::error::ErrorBody)))]
pub async fn no_show(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Ticket>> {
    step(&state, &who, id, DeskStep::NoShow).await
}

/// Parks the current ticket; it can be called again later with `call`.
#[utoipa::path(post, path = "/api/v1/desks/{id}/park", tag = "desk actions",
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = Ticket), (status = 409, body = crate::error::ErrorBody)))]
pub async fn park(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Ticket>> {
    step(&state, &who, id, DeskStep::Park).await
}

/// Transfers the current ticket to another service's queue; the visitor
/// keeps their number and original issue time. Returns the new ticket.
#[utoipa::path(post, path = "/api/v1/desks/{id}/transfer", tag = "desk actions", request_body = TransferRequest,
    params(("id" = i64, Path, description = "Desk id")),
    responses((status = 200, body = Ticket), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
    AppJson(body): AppJson<TransferRequest>,
) -> Result<AppJson<Ticket>> {
    step(&state, &who, id, DeskStep::Transfer(body.service_id)).await
}

/// A clerk's step at a desk on its current ticket (recall, start, finish,
/// no-show, park), as one write.
async fn step(
    state: &AppState,
    who: &Principal,
    desk_id: i64,
    step: DeskStep,
) -> Result<AppJson<Ticket>> {
    let actor = desk_actor(state, who, desk_id).await?;
    let ticket = write_branch!(state.db, actor.branch_id, |c, out| async move {
        tickets::desk_step(c, out, actor, step).await
    })?;
    Ok(AppJson(ticket))
}

/// Desk routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_desks, create_desk))
        .routes(routes!(get_desk, update_desk))
        .routes(routes!(get_allocation, put_allocation))
        .routes(routes!(open))
        .routes(routes!(pause))
        .routes(routes!(close))
        .routes(routes!(call_next))
        .routes(routes!(call))
        .routes(routes!(recall))
        .routes(routes!(start))
        .routes(routes!(finish))
        .routes(routes!(no_show))
        .routes(routes!(park))
        .routes(routes!(transfer))
}
