//! The routes of [`crate::domain::webhooks`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::branches;
use crate::domain::webhooks::*;
use crate::error::{AppError, AppJson, AppPath, Result};
use crate::now_ms;
use crate::store::{Exec, q, read, write};

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
    let rows: Vec<WebhookRow> = read!(state.db, |c| {
        branches::get(c, branch_id).await?;
        c.all(
            q("select id, branch_id, url, secret, event_types, active, cursor_seq, failures, last_error, last_attempt_at, last_success_at, next_attempt_at
               from webhooks where branch_id = $1 order by id")
            .bind(branch_id),
        )
        .await
        .map_err(AppError::from)
    })?;
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
    let url = clean_url(&new.url)?;
    let types = clean_types(new.event_types.as_deref().unwrap_or_default())?;
    check_destination(&url, &state.config.webhook_allow_hosts).await?;
    let active = new.active.unwrap_or(true);
    let secret = crate::domain::auth::new_token("whsec_");
    let actor = who.actor();
    let now = now_ms();
    let row = write!(state.db, |c, out| async move {
        let branch = branches::lock(c, branch_id).await?;
        let (id,): (i64,) = c
            .one(q("insert into webhooks (branch_id, url, secret, event_types, active, cursor_seq, created_at, updated_at)
                    values ($1, $2, $3, $4, $5, $6, $7, $7) returning id")
                .bind(branch_id)
                .bind(url)
                .bind(secret)
                .bind(types)
                .bind(active)
                .bind(branch.event_seq)
                .bind(now))
            .await?;
        let row = get(c, id).await?;
        append_event(c, out, &row, "webhook.created", actor, now).await?;
        // Its own creation is not news to the receiver: start after it.
        c.run(
            q("update webhooks set cursor_seq = (select event_seq from branches where id = $2) where id = $1")
                .bind(id)
                .bind(branch_id),
        )
        .await?;
        get(c, id).await
    })?;
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
    let url = update.url.as_deref().map(clean_url).transpose()?;
    let types = update.event_types.as_deref().map(clean_types).transpose()?;
    if let Some(url) = &url {
        check_destination(url, &state.config.webhook_allow_hosts).await?;
    }
    let actor = who.actor();
    let now = now_ms();
    let branch_id = existing.branch_id;
    let row = write!(state.db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        let mut row = get(c, id).await?;
        if let Some(v) = url {
            row.url = v;
        }
        if let Some(v) = types {
            row.event_types = v;
        }
        if let Some(v) = update.active {
            row.active = v;
        }
        c.run(
            q("update webhooks set url = $2, event_types = $3, active = $4, next_attempt_at = 0, updated_at = $5 where id = $1")
                .bind(id)
                .bind(row.url.as_str())
                .bind(row.event_types.as_str())
                .bind(row.active)
                .bind(now),
        )
        .await?;
        append_event(c, out, &row, "webhook.updated", actor, now).await?;
        get(c, id).await
    })?;
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
    let actor = who.actor();
    let now = now_ms();
    let branch_id = existing.branch_id;
    write!(state.db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        let row = get(c, id).await?;
        c.run(q("delete from webhooks where id = $1").bind(id))
            .await?;
        append_event(c, out, &row, "webhook.deleted", actor, now).await
    })?;
    Ok(StatusCode::NO_CONTENT)
}

/// Webhook routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
}
