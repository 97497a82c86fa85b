//! The routes of [`crate::domain::remote`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::branches;
use crate::domain::remote::*;
use crate::domain::services::{self};
use crate::domain::tickets::{self};
use crate::error::{AppError, Result};
use crate::http::extract::ClientAddr;
use crate::http::extract::{AppJson, AppPath, AppQuery, IdempotencyKey};
use crate::now_ms;
use crate::store::read;

/// Lists the services of an office that take remote tickets (no sign-in).
#[utoipa::path(get, path = "/api/v1/public/branches/{id}/services", tag = "public",
    params(("id" = i64, Path, description = "Branch id"), LangQuery),
    responses((status = 200, body = RemoteOffice), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_remote_services(
    State(state): State<AppState>,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<LangQuery>,
) -> Result<AppJson<RemoteOffice>> {
    let now = now_ms();
    let office = read!(state.db, |c| {
        let branch = branches::get(c, branch_id).await?;
        if !branch.active {
            return Err(AppError::NotFound("branch"));
        }
        let languages = branch.languages();
        let lang = query
            .lang
            .as_deref()
            .filter(|l| languages.iter().any(|x| x == l));
        let day = branch.business_day(now);
        let listed: Vec<_> = services::list(c, branch_id)
            .await?
            .into_iter()
            .filter(|s| s.active && s.remote_enabled)
            .collect();
        let ids: Vec<i64> = listed.iter().map(|s| s.id).collect();
        let mut forecasts =
            crate::domain::predictions::for_new_tickets(c, &branch, &ids, now).await?;
        let mut out = Vec::new();
        for s in listed {
            let summary = tickets::service_summary(c, s.id).await?;
            let available = refusal(c, &s, &day).await?.is_none();
            out.push(RemoteService {
                id: s.id,
                code: s.code.clone(),
                name: s.name_in(lang),
                waiting: summary.waiting,
                estimated_wait_s: summary.estimated_wait_s,
                available,
                forecast: crate::domain::predictions::ServiceForecast::new(
                    s.id,
                    forecasts.remove(&s.id),
                ),
            });
        }
        Ok::<_, AppError>(RemoteOffice {
            branch_id,
            name: branch.name.clone(),
            languages,
            services: out,
        })
    })?;
    Ok(AppJson(office))
}

/// Takes a remote ticket (no sign-in). Send an `Idempotency-Key` header so
/// that a retry returns the same ticket.
#[utoipa::path(post, path = "/api/v1/public/branches/{id}/tickets", tag = "public", request_body = RemoteRequest,
    params(("id" = i64, Path, description = "Branch id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Client-chosen key, 1 to 128 visible ASCII characters")),
    responses((status = 201, body = RemoteTicket, description = "Issued"),
              (status = 200, body = RemoteTicket, description = "Issued earlier with this key"),
              (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "Not taking remote tickets, daily cap or walk-in share reached"),
              (status = 422, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody, description = "Too many tickets from this client; see Retry-After")))]
pub async fn take_remote_ticket(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    AppPath(branch_id): AppPath<i64>,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(request): AppJson<RemoteRequest>,
) -> Result<(StatusCode, AppJson<RemoteTicket>)> {
    // Remote keys live in their own namespace of the branch's idempotency
    // keys, so a visitor cannot replay a kiosk's key to read its ticket.
    let key = key.map(|k| format!("remote:{k}"));
    let phone = clean_phone(request.phone.as_deref().unwrap_or(""))?;
    let email = clean_email(request.email.as_deref().unwrap_or(""))?;
    // Counted after the cheap checks, so a visitor correcting a typo in an
    // address is not locked out; everything that reaches the database counts.
    state.remote_limiter.check(peer)?;
    let (ticket, new) =
        issue_remote(&state.db, branch_id, request, key, (phone, email), now_ms()).await?;
    if new {
        state.metrics.tickets_issued.inc();
    }
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, AppJson(to_remote(ticket, &state.config.public_url))))
}

/// Public routes of the virtual queue.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_remote_services))
        .routes(routes!(take_remote_ticket))
}
