//! The routes of [`crate::domain::reports`].

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::reports::*;
use crate::domain::stats::StatsQuery;
use crate::error::Result;
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::store::read;

/// The report of a period of business days (managers): KPIs per service,
/// desk and clerk, arrivals by hour, calls out of turn.
#[utoipa::path(get, path = "/api/v1/branches/{id}/reports", tag = "stats",
    params(("id" = i64, Path, description = "Branch id"), StatsQuery),
    responses((status = 200, body = Report), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<StatsQuery>,
) -> Result<AppJson<Report>> {
    Ok(AppJson(
        period_report(&state, &who, branch_id, query.from, query.to).await?,
    ))
}

/// The tickets of a period as CSV (managers): one row per ticket, in issue
/// order, with its times in the branch's timezone (ISO 8601 with offset),
/// wait and service seconds, whether it was called within the standard, the
/// desk, clerk, out-of-turn reason and outcome, and the visitor's rating
/// and comment. A transferred visitor has
/// one row per service. Lines end with CRLF (RFC 4180).
#[utoipa::path(get, path = "/api/v1/branches/{id}/reports.csv", tag = "stats",
    params(("id" = i64, Path, description = "Branch id"), StatsQuery),
    responses((status = 200, content_type = "text/csv", body = String, description = "One row per ticket"),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn report_csv(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<StatsQuery>,
) -> Result<Response> {
    who.require_manager(branch_id)?;
    let (from, to, body) = export_csv(&state.db, branch_id, &query, crate::now_ms()).await?;
    let disposition =
        format!("attachment; filename=\"waitwell-branch{branch_id}-{from}-to-{to}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// Tickets issued by hour of day, as an SVG bar chart (managers), with
/// texts in `lang`.
#[utoipa::path(get, path = "/api/v1/branches/{id}/reports/arrivals.svg", tag = "stats",
    params(("id" = i64, Path, description = "Branch id"), ChartQuery),
    responses((status = 200, content_type = "image/svg+xml", body = String),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn arrivals_svg(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<ChartQuery>,
) -> Result<Response> {
    chart(&state, &who, branch_id, &query, arrivals_chart).await
}

/// Average and 90th-percentile wait per service against its standard, as
/// an SVG bar chart (managers), with texts in `lang`.
#[utoipa::path(get, path = "/api/v1/branches/{id}/reports/waits.svg", tag = "stats",
    params(("id" = i64, Path, description = "Branch id"), ChartQuery),
    responses((status = 200, content_type = "image/svg+xml", body = String),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn waits_svg(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<ChartQuery>,
) -> Result<Response> {
    chart(&state, &who, branch_id, &query, waits_chart).await
}

/// An SVG chart as a response, not to be stored (it shows a branch's
/// figures to its managers).
pub(crate) fn svg_response(svg: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response()
}

/// The report of the period from `from` to `to`, for managers.
async fn period_report(
    state: &AppState,
    who: &Principal,
    branch_id: i64,
    from: Option<String>,
    to: Option<String>,
) -> Result<Report> {
    who.require_manager(branch_id)?;
    let now = crate::now_ms();
    read!(state.db, |c| compute(
        c,
        branch_id,
        from.as_deref(),
        to.as_deref(),
        now
    )
    .await)
}

/// A chart of the period `query` names, drawn by `draw`, for managers.
async fn chart(
    state: &AppState,
    who: &Principal,
    branch_id: i64,
    query: &ChartQuery,
    draw: fn(&Report, &ChartTexts) -> BarChart,
) -> Result<Response> {
    let report = period_report(state, who, branch_id, query.from.clone(), query.to.clone()).await?;
    let texts = ChartTexts::new(query.lang.as_deref());
    Ok(svg_response(bar_chart(&draw(&report, &texts))))
}

/// Report routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report))
        .routes(routes!(report_csv))
        .routes(routes!(arrivals_svg))
        .routes(routes!(waits_svg))
}
