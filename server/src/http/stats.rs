//! The routes of [`crate::domain::stats`].

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::stats::*;
use crate::error::Result;
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::store::read;

/// KPIs for a period of business days (managers).
#[utoipa::path(get, path = "/api/v1/branches/{id}/stats", tag = "stats",
    params(("id" = i64, Path, description = "Branch id"), StatsQuery),
    responses((status = 200, body = Stats), (status = 422, body = crate::error::ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<StatsQuery>,
) -> Result<AppJson<Stats>> {
    who.require_manager(branch_id)?;
    let now = crate::now_ms();
    let stats = read!(state.db, |c| compute(
        c,
        branch_id,
        query.from.as_deref(),
        query.to.as_deref(),
        now
    )
    .await)?;
    Ok(AppJson(stats))
}

/// One user's figures for a period of business days (default: today): the
/// tickets they called, served and not shown, and their average service
/// time. For the user themself, and managers of their branch.
#[utoipa::path(get, path = "/api/v1/users/{id}/stats", tag = "stats",
    params(("id" = i64, Path, description = "User id"), StatsQuery),
    responses((status = 200, body = UserStats), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn user_stats(
    State(state): State<AppState>,
    who: Principal,
    AppPath(user_id): AppPath<i64>,
    AppQuery(query): AppQuery<StatsQuery>,
) -> Result<AppJson<UserStats>> {
    let now = crate::now_ms();
    let stats = read!(state.db, |c| {
        let user = crate::domain::users::get(c, user_id).await?;
        if who.user_id() != Some(user.id) {
            match user.branch_id {
                Some(b) => who.require_manager(b)?,
                None => who.require_admin()?,
            }
        }
        compute_for_user(c, &user, query.from.as_deref(), query.to.as_deref(), now).await
    })?;
    Ok(AppJson(stats))
}

/// Stats routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stats))
        .routes(routes!(user_stats))
}
