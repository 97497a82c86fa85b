//! The routes of [`crate::domain::feedback`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::branches::{self};
use crate::domain::feedback::*;
use crate::domain::visitor;
use crate::error::{AppError, Result};
use crate::http::extract::{AppJson, AppPath};
use crate::now_ms;
use crate::store::write;

/// The visitor rates their finished visit from the ticket page. No
/// authentication: the token is the credential.
#[utoipa::path(post, path = "/api/v1/public/tickets/{token}/feedback", tag = "public", request_body = FeedbackRequest,
    params(("token" = String, Path, description = "The ticket's public token (64 hex characters)")),
    responses((status = 201, body = Feedback), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "Not done, its day is over, or already rated"),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn public_feedback(
    State(state): State<AppState>,
    crate::http::extract::TicketToken(token): crate::http::extract::TicketToken,
    AppJson(request): AppJson<FeedbackRequest>,
) -> Result<(StatusCode, AppJson<Feedback>)> {
    let (rating, comment) = validate(request.rating, request.comment)?;
    let now = now_ms();
    let row = write!(state.db, |c, out| async move {
        let t = visitor::by_token(c, &token).await?;
        let branch = branches::lock(c, t.branch_id).await?;
        // Again under the lock: the ticket may have moved on meanwhile.
        let t = visitor::by_token(c, &token).await?;
        give(
            c,
            out,
            &branch,
            t.id,
            rating,
            comment,
            Source::TicketPage,
            now,
        )
        .await
    })?;
    Ok((StatusCode::CREATED, AppJson(row)))
}

/// The exit tablet (a kiosk of the branch; staff may also enter a rating
/// for a visitor): rates today's ticket with the given number.
#[utoipa::path(post, path = "/api/v1/branches/{id}/feedback", tag = "tickets", request_body = TabletFeedbackRequest,
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 201, body = Feedback), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody, description = "No ticket with this number today"),
              (status = 409, body = crate::error::ErrorBody, description = "Not done, or already rated"),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn tablet_feedback(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppJson(request): AppJson<TabletFeedbackRequest>,
) -> Result<(StatusCode, AppJson<Feedback>)> {
    who.require_issuer(branch_id)?;
    let number = request.number.trim().to_ascii_uppercase();
    if !is_ticket_number(&number) {
        return Err(AppError::invalid(
            "number must be a ticket number such as A042",
        ));
    }
    let (rating, comment) = validate(request.rating, request.comment)?;
    let source = match who {
        Principal::Device { id, .. } => Source::ExitTablet(id),
        Principal::User { id, .. } => Source::Staff(id),
    };
    let now = now_ms();
    let row = write!(state.db, |c, out| async move {
        let branch = branches::lock(c, branch_id).await?;
        let ticket_id = today_by_number(c, &branch, &number, now).await?;
        give(c, out, &branch, ticket_id, rating, comment, source, now).await
    })?;
    Ok((StatusCode::CREATED, AppJson(row)))
}

/// Feedback routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(public_feedback))
        .routes(routes!(tablet_feedback))
}
