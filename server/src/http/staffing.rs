//! The route of [`crate::domain::staffing`]: staffing advice for a day.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::reports::{ChartTexts, bar_chart};
use crate::domain::staffing::{
    Simulate, Staffing, StaffingChartQuery, StaffingQuery, WhatIf, WhatIfRequest, chart, compute,
    plan_what_if,
};
use crate::error::{AppError, Result};
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::http::reports::svg_response;
use crate::now_ms;
use crate::store::read;

/// Staffing advice for a business day (managers): per service and hour,
/// the forecast arrivals (same weekday, last 8 weeks), the desks needed to
/// call `target_share` of visitors within the service standard (Erlang C),
/// and the desk-hours that were open.
#[utoipa::path(get, path = "/api/v1/branches/{id}/staffing", tag = "stats",
    params(("id" = i64, Path, description = "Branch id"), StaffingQuery),
    responses((status = 200, body = Staffing), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn staffing(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<StaffingQuery>,
) -> Result<AppJson<Staffing>> {
    who.require_manager(branch_id)?;
    let now = now_ms();
    let advice = read!(state.db, |c| compute(
        c,
        branch_id,
        &query,
        now,
        Simulate::Yes
    )
    .await)?;
    Ok(AppJson(advice))
}

/// The staffing advice of a day as an SVG bar chart (managers): per hour
/// the desks needed and the desk-hours open, summed over services, with
/// texts in `lang`.
#[utoipa::path(get, path = "/api/v1/branches/{id}/staffing.svg", tag = "stats",
    params(("id" = i64, Path, description = "Branch id"), StaffingChartQuery),
    responses((status = 200, content_type = "image/svg+xml", body = String),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn staffing_svg(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<StaffingChartQuery>,
) -> Result<Response> {
    who.require_manager(branch_id)?;
    let now = now_ms();
    let advice_query = query.advice();
    let advice = read!(state.db, |c| compute(
        c,
        branch_id,
        &advice_query,
        now,
        Simulate::No
    )
    .await)?;
    let texts = ChartTexts::new(query.lang.as_deref());
    Ok(svg_response(bar_chart(&chart(&advice, &texts))))
}

/// What if today's plan changed (managers): the rest of the business day
/// simulated as planned now (open desks stay open, the others shut) and
/// with the changes ("desk 4 opens for Passports from 10:00", "desk 2 on
/// break 12:00–13:00"), with the forecast arrivals and the real
/// next-ticket policy across shared desks. Nothing is changed.
#[utoipa::path(post, path = "/api/v1/branches/{id}/staffing/what-if", tag = "stats",
    params(("id" = i64, Path, description = "Branch id")),
    request_body = WhatIfRequest,
    responses((status = 200, body = WhatIf), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn staffing_what_if(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppJson(request): AppJson<WhatIfRequest>,
) -> Result<AppJson<WhatIf>> {
    who.require_manager(branch_id)?;
    let now = now_ms();
    let plan = read!(state.db, |c| plan_what_if(c, branch_id, &request, now)
        .await)?;
    // Hundreds of simulated days: off the async workers, after the read.
    let answer = tokio::task::spawn_blocking(move || plan.simulate())
        .await
        .map_err(|e| AppError::internal(format!("the what-if simulation failed: {e}")))?;
    Ok(AppJson(answer))
}

/// Staffing routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(staffing))
        .routes(routes!(staffing_svg))
        .routes(routes!(staffing_what_if))
}
