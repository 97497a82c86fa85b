//! The routes of [`crate::domain::performance`]: an office's published
//! service standards and performance as JSON and CSV, and the list of
//! offices for the organisation page. No sign-in.
//!
//! Answers may be cached for a minute by anyone (`Cache-Control: public,
//! max-age=60`): the period's figures change once a day and the waits now
//! are a minute old at worst, like the office page's. Each answer carries
//! an ETag of its body, so a client revalidating with `If-None-Match` gets
//! a 304 while nothing changed.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest as _, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::performance::*;
use crate::error::{AppError, Result};
use crate::http::extract::{AppPath, AppQuery};
use crate::now_ms;
use crate::store::read;

/// How long anyone may keep an answer.
const CACHE_CONTROL: &str = "public, max-age=60";

/// `body` with its content type, the cache policy and an ETag; a 304 when
/// the client already holds this body.
fn cacheable(request: &HeaderMap, content_type: &'static str, body: Vec<u8>) -> Response {
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    let held = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim() == etag || v.trim() == "*");
    if held {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    (headers, body).into_response()
}

async fn load(state: &AppState, branch_id: i64, query: &PerformanceQuery) -> Result<Performance> {
    let days = parse_days(query.days.as_deref())?;
    let now = now_ms();
    read!(state.db, |c| compute(c, branch_id, days, now).await)
}

/// Every active office with its name and languages, for the organisation
/// page (no sign-in).
#[utoipa::path(get, path = "/api/v1/public/branches", tag = "public",
    responses((status = 200, body = Vec<PublicBranch>)))]
pub async fn list_public_branches(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response> {
    let list = read!(state.db, |c| public_branches(c).await)?;
    let body = serde_json::to_vec(&list).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(cacheable(&headers, "application/json", body))
}

/// An office's published service standards and how the last complete
/// business days measured up, per service, with the waits now (open data,
/// no sign-in). Figures over fewer than 5 visitors are null; see
/// `suppression` in the answer.
#[utoipa::path(get, path = "/api/v1/public/branches/{id}/performance", tag = "public",
    params(("id" = i64, Path, description = "Branch id"), PerformanceQuery),
    responses((status = 200, body = Performance,
               headers(("ETag" = String, description = "Of the body; send it back as If-None-Match"),
                       ("Cache-Control" = String, description = "public, max-age=60"))),
              (status = 304, description = "Unchanged since the ETag given in If-None-Match"),
              (status = 400, body = crate::error::ErrorBody, description = "`days` is not a whole number from 1 to 90 (reason `invalid_days`)"),
              (status = 404, body = crate::error::ErrorBody, description = "Unknown or inactive branch")))]
pub async fn get_performance(
    State(state): State<AppState>,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<PerformanceQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let p = load(&state, branch_id, &query).await?;
    let body = serde_json::to_vec(&p).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(cacheable(&headers, "application/json", body))
}

/// The same figures as CSV: per service a `period` row, then one `hour`
/// row per weekday-hour cell; withheld figures are empty (open data, no
/// sign-in).
#[utoipa::path(get, path = "/api/v1/public/branches/{id}/performance.csv", tag = "public",
    params(("id" = i64, Path, description = "Branch id"), PerformanceQuery),
    responses((status = 200, content_type = "text/csv", description = "Header row: service_code, service_name, standard_wait_s, scope (period or hour), weekday, hour, visitors, within_standard, median_wait_s, p90_wait_s, ratings, avg_rating, prediction_tickets, prediction_mean_abs_error_s, prediction_within_range, waiting_now, predicted_low_s, predicted_high_s, no_open_desk, suppressed"),
              (status = 304, description = "Unchanged since the ETag given in If-None-Match"),
              (status = 400, body = crate::error::ErrorBody, description = "`days` is not a whole number from 1 to 90 (reason `invalid_days`)"),
              (status = 404, body = crate::error::ErrorBody, description = "Unknown or inactive branch")))]
pub async fn get_performance_csv(
    State(state): State<AppState>,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<PerformanceQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let p = load(&state, branch_id, &query).await?;
    Ok(cacheable(
        &headers,
        "text/csv; charset=utf-8",
        to_csv(&p).into_bytes(),
    ))
}

/// Open-data routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_public_branches))
        .routes(routes!(get_performance))
        .routes(routes!(get_performance_csv))
}
