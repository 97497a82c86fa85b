//! The routes of [`crate::domain::speech`].

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::auth::Principal;
use crate::domain::branches;
use crate::domain::speech::*;
use crate::error::{AppError, ErrorBody, Result};
use crate::http::extract::{AppPath, AppQuery};
use crate::store::read;

/// Renders an announcement as speech (displays and staff of the branch):
/// a WAV file made by espeak-ng, or 503 when the server has no espeak-ng.
#[utoipa::path(get, path = "/api/v1/branches/{id}/announce", tag = "live",
    params(("id" = i64, Path, description = "Branch id"), AnnounceQuery),
    responses((status = 200, description = "The spoken text", content_type = "audio/wav", body = Vec<u8>),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn announce(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<AnnounceQuery>,
) -> Result<Response> {
    who.require_reader(branch_id)?;
    read!(state.db, |c| branches::get(c, branch_id).await)?;
    let (text, lang) = check(&query)?;
    match render(&text, &lang).await? {
        Rendered::Missing => Ok(unavailable(
            "speech rendering is not available: espeak-ng is not installed on the server",
        )),
        Rendered::NoVoice => Err(AppError::invalid(format!(
            "espeak-ng has no voice for language {:?}",
            query.lang
        ))),
        Rendered::Wav(wav) => Ok((
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("audio/wav")),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("private, max-age=86400"),
                ),
            ],
            wav,
        )
            .into_response()),
    }
}

/// 503 with the error body's shape and a message saying what is missing.
fn unavailable(message: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(ErrorBody {
            error: "unavailable",
            message: message.to_owned(),
            reason: None,
        }),
    )
        .into_response()
}

/// Speech routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(announce))
}
