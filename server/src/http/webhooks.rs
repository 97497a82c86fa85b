//! The routes of [`crate::domain::webhooks`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::webhooks::*;
use crate::error::Result;
use crate::http::extract::{AppJson, AppPath};
use crate::now_ms;
use crate::store::read;

/// Lists a branch's webhooks (managers).
#[utoipa::path(get, path = "/api/v1/branches/{id}/webhooks", tag = "webhooks",
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 200, body = Vec<Webhook>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
) -> Result<AppJson<Vec<Webhook>>> {
    who.require_manager(branch_id)?;
    let rows = of_branch(&state.db, branch_id).await?;
    Ok(AppJson(rows.iter().map(WebhookRow::to_api).collect()))
}

/// Creates a webhook (managers). It receives the events that follow its
/// creation. The response carries the signing secret, once.
#[utoipa::path(post, path = "/api/v1/branches/{id}/webhooks", tag = "webhooks", request_body = NewWebhook,
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 201, body = CreatedWebhook), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_webhook(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppJson(new): AppJson<NewWebhook>,
) -> Result<(StatusCode, AppJson<CreatedWebhook>)> {
    who.require_manager(branch_id)?;
    let row = create(
        &state.db,
        branch_id,
        new,
        &state.config.webhook_allow_hosts,
        who.actor(),
        now_ms(),
    )
    .await?;
    let secret = row.secret.clone();
    Ok((
        StatusCode::CREATED,
        AppJson(CreatedWebhook {
            webhook: row.to_api(),
            secret,
        }),
    ))
}

/// Reads a webhook (managers).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, body = Webhook), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_webhook(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Webhook>> {
    let row = read!(state.db, |c| get(c, id).await)?;
    who.require_manager(row.branch_id)?;
    Ok(AppJson(row.to_api()))
}

/// Changes, pauses or resumes a webhook (managers).
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", request_body = WebhookUpdate,
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, body = Webhook), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_webhook(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
    AppJson(update): AppJson<WebhookUpdate>,
) -> Result<AppJson<Webhook>> {
    let existing = read!(state.db, |c| get(c, id).await)?;
    who.require_manager(existing.branch_id)?;
    let row = edit(
        &state.db,
        existing.branch_id,
        id,
        update,
        &state.config.webhook_allow_hosts,
        who.actor(),
        now_ms(),
    )
    .await?;
    Ok(AppJson(row.to_api()))
}

/// Deletes a webhook (managers); nothing more is sent to it.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    who: Principal,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode> {
    let existing = read!(state.db, |c| get(c, id).await)?;
    who.require_manager(existing.branch_id)?;
    delete(&state.db, existing.branch_id, id, who.actor(), now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Webhook routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
}
