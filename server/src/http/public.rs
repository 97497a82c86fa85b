//! The routes of [`crate::domain::visitor`].

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::visitor::*;
use crate::error::{AppError, Result};
use crate::http::extract::TicketToken;
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::now_ms;
use crate::store::{read, write};

/// A visitor's ticket: status, people ahead and estimated wait, and the
/// desk once called. No authentication: the token is the credential.
#[utoipa::path(get, path = "/api/v1/public/tickets/{token}", tag = "public",
    params(("token" = String, Path, description = "The ticket's public token (64 hex characters)")),
    responses((status = 200, body = PublicTicket), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_public_ticket(
    State(state): State<AppState>,
    TicketToken(token): TicketToken,
) -> Result<Response> {
    let (_, v) = current_view(&state.db, &token, true).await?;
    let mut response = AppJson(v).into_response();
    // Visitors' phones poll; nothing in between should keep a stale copy.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The visitor cancels their own ticket. No authentication: the token is
/// the credential.
#[utoipa::path(post, path = "/api/v1/public/tickets/{token}/cancel", tag = "public",
    params(("token" = String, Path, description = "The ticket's public token (64 hex characters)")),
    responses((status = 200, body = PublicTicket), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "The ticket can no longer be cancelled")))]
pub async fn cancel_public_ticket(
    State(state): State<AppState>,
    TicketToken(token): TicketToken,
) -> Result<AppJson<PublicTicket>> {
    let now = now_ms();
    let v = write!(state.db, |c, out| async move {
        visitor_cancel(c, out, &token, now).await
    })?;
    Ok(AppJson(v))
}

/// The visitor moves their waiting ticket to the back of its queue, once
/// per ticket; a second time is a 409.
#[utoipa::path(post, path = "/api/v1/public/tickets/{token}/postpone", tag = "public",
    params(("token" = String, Path, description = "The ticket's public token (64 hex characters)")),
    responses((status = 200, body = PublicTicket), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "Not waiting, or already postponed once")))]
pub async fn postpone_public_ticket(
    State(state): State<AppState>,
    TicketToken(token): TicketToken,
) -> Result<AppJson<PublicTicket>> {
    let now = now_ms();
    let v = write!(state.db, |c, out| async move {
        visitor_postpone(c, out, &token, now).await
    })?;
    Ok(AppJson(v))
}

/// A live stream of the visitor's ticket view as server-sent events: an
/// event `ticket` with the [`PublicTicket`] JSON at once and after every
/// change. The stream ends once the ticket is finished and no feedback is
/// pending. Clients must send `Accept: text/event-stream` (browsers'
/// `EventSource` does); others get a 406. No authentication: the token is
/// the credential.
#[utoipa::path(get, path = "/api/v1/public/tickets/{token}/live", tag = "public",
    params(("token" = String, Path, description = "The ticket's public token (64 hex characters)")),
    responses((status = 200, content_type = "text/event-stream", description = "`event: ticket` messages carrying a PublicTicket"),
              (status = 404, body = crate::error::ErrorBody),
              (status = 406, body = crate::error::ErrorBody, description = "Accept does not include text/event-stream"),
              (status = 429, body = crate::error::ErrorBody, description = "The ticket already has its most streams open"),
              (status = 503, body = crate::error::ErrorBody, description = "The server holds its most ticket streams")))]
pub async fn live_ticket(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    TicketToken(token): TicketToken,
) -> Result<Response> {
    // Unknown tokens get a plain 404 rather than a stream.
    read!(state.db, |c| by_token(c, &token).await)?;
    // A client that does not ask for an event stream (a plain HTTP client
    // reading the body to its end) would wait forever: tell it instead.
    let wants_stream = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/event-stream"));
    if !wants_stream {
        return Err(AppError::Rejected(
            axum::http::StatusCode::NOT_ACCEPTABLE,
            "this is a server-sent event stream: send Accept: text/event-stream, \
             or read GET /api/v1/public/tickets/{token} once"
                .into(),
        ));
    }
    if state.shutdown.is_cancelled() {
        return Err(AppError::shutting_down());
    }
    // The session task owns the sender; the response body owns the
    // receiver. A client that goes away drops the body, which closes the
    // channel and ends the task; shutdown ends the task, which closes the
    // channel and ends the body.
    let slot = state.ticket_streams.admit(&token)?;
    let (tx, rx) = mpsc::channel::<PublicTicket>(4);
    state
        .tasks
        .spawn(live_session(state.clone(), token, tx, slot));
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|v| {
            let event = SseEvent::default()
                .event("ticket")
                .data(serde_json::to_string(&v).unwrap_or_default());
            (Ok::<_, Infallible>(event), rx)
        })
    });
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(LIVE_KEEP_ALIVE))
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Tells nginx not to buffer the stream.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// The QR code of a ticket's public page, as SVG. No authentication.
#[utoipa::path(get, path = "/api/v1/public/tickets/{token}/qr.svg", tag = "public",
    params(("token" = String, Path, description = "The ticket's public token (64 hex characters)")),
    responses((status = 200, content_type = "image/svg+xml", description = "QR code"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_public_ticket_qr(
    State(state): State<AppState>,
    TicketToken(token): TicketToken,
) -> Result<Response> {
    if !exists(&state.db, &token).await? {
        return Err(AppError::NotFound("ticket"));
    }
    let svg = qr_svg(&ticket_url(&state.config.public_url, &token))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            // The code only depends on the token and the public URL.
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        svg,
    )
        .into_response())
}

/// Every message of a page's translation, formatted with the given
/// numbers, as `{id: text}`. Bundles: `BUNDLES` of `domain::visitor`
/// (anything else is a 422). No authentication.
#[utoipa::path(get, path = "/api/v1/i18n/{bundle}/{lang}", tag = "public",
    params(("bundle" = String, Path, description = "kiosk, ticket, display, office, book, clerk, manager, print or standards"),
           ("lang" = String, Path, description = "Language tag, e.g. pl"),
           ("ahead" = Option<i64>, Query, description = "People ahead (plural forms)"),
           ("wait_min" = Option<i64>, Query, description = "Estimated wait in minutes (plural forms)"),
           ("low_min" = Option<i64>, Query, description = "Low end of the predicted wait, minutes"),
           ("high_min" = Option<i64>, Query, description = "High end of the predicted wait, minutes")),
    responses((status = 200, body = BTreeMap<String, String>), (status = 404, body = crate::error::ErrorBody, description = "Unknown language"),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn get_i18n(
    AppPath((bundle, lang)): AppPath<(String, String)>,
    AppQuery(query): AppQuery<HashMap<String, String>>,
) -> Result<AppJson<BTreeMap<String, String>>> {
    let source = ftl_source(&bundle, &lang)?;
    let args = parse_args(&query)?;
    let source = std::str::from_utf8(&source)
        .map_err(|_| AppError::internal(format!("{bundle}/{lang}.ftl is not UTF-8")))?;
    Ok(AppJson(format_all(&lang, source, &args)?))
}

/// Public routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_i18n))
        .routes(routes!(get_public_ticket))
        .routes(routes!(get_public_ticket_qr))
        .routes(routes!(live_ticket))
        .routes(routes!(cancel_public_ticket))
        .routes(routes!(postpone_public_ticket))
}
