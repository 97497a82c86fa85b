//! The routes of [`crate::domain::predictions`]: what a ticket taken now
//! would be told, per service.

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::predictions::{ServiceForecast, service_forecasts};
use crate::error::Result;
use crate::http::extract::{AppJson, AppPath};
use crate::now_ms;
use crate::store::read;

/// The predicted wait of a normal ticket taken now, per active service
/// (staff of the branch and its devices: the waiting-room display shows
/// it).
#[utoipa::path(get, path = "/api/v1/branches/{id}/predictions", tag = "tickets",
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 200, body = Vec<ServiceForecast>), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn branch_forecast(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
) -> Result<AppJson<Vec<ServiceForecast>>> {
    who.require_reader(branch_id)?;
    let now = now_ms();
    let list = read!(state.db, |c| service_forecasts(c, branch_id, now).await)?;
    Ok(AppJson(list))
}

/// Prediction routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(branch_forecast))
}
