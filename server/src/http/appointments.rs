//! The routes of [`crate::domain::appointments`].
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::domain::appointments::*;
use crate::domain::auth::Principal;
use crate::domain::branches::{self};
use crate::domain::remote::{clean_email, clean_phone};
use crate::domain::services::{self};
use crate::domain::tickets::{self};
use crate::error::{AppError, Result};
use crate::http::extract::ClientAddr;
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::now_ms;
use crate::store::{read, write, write_branch};

/// A branch's bookable services. No authentication.
#[utoipa::path(get, path = "/api/v1/public/branches/{id}/booking", tag = "appointments",
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 200, body = BookingInfo), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_booking_info(
    State(state): State<AppState>,
    AppPath(branch_id): AppPath<i64>,
) -> Result<AppJson<BookingInfo>> {
    let now = now_ms();
    let info = read!(state.db, |c| {
        let branch = branches::get(c, branch_id).await?;
        if !branch.active {
            return Err(AppError::NotFound("branch"));
        }
        let services = services::list(c, branch_id).await?;
        let today = local_date(&branch, now);
        Ok::<_, AppError>(BookingInfo {
            branch_id,
            branch_name: branch.name.clone(),
            timezone: branch.timezone.clone(),
            languages: branch.languages(),
            today: today.format("%Y-%m-%d").to_string(),
            last_day: (today + Duration::days(BOOKING_HORIZON_DAYS))
                .format("%Y-%m-%d")
                .to_string(),
            services: services
                .iter()
                .filter(|s| s.active && s.appointments_enabled)
                .map(|s| BookableService {
                    id: s.id,
                    code: s.code.clone(),
                    name: s.name.clone(),
                    names: s.to_api().names,
                    slot_length_s: slot_length_s(s),
                })
                .collect(),
        })
    })?;
    Ok(AppJson(info))
}

/// Free and full slots of a service on one day, from now on. No
/// authentication.
#[utoipa::path(get, path = "/api/v1/public/branches/{id}/slots", tag = "appointments",
    params(("id" = i64, Path, description = "Branch id"), SlotsQuery),
    responses((status = 200, body = Vec<Slot>), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn get_slots(
    State(state): State<AppState>,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<SlotsQuery>,
) -> Result<Response> {
    let day = parse_day(&query.day)?;
    let now = now_ms();
    let list = read!(state.db, |c| {
        let branch = branches::get(c, branch_id).await?;
        slots(c, &branch, query.service_id, day, now).await
    })?;
    Ok(no_store(AppJson(list).into_response()))
}

/// Books a slot. No authentication; the answer carries the confirmation
/// code, which is the booking's only credential.
#[utoipa::path(post, path = "/api/v1/public/branches/{id}/appointments", tag = "appointments", request_body = BookRequest,
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 201, body = PublicAppointment), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "Slot full or service not bookable"),
              (status = 422, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody, description = "Too many bookings from this client; see Retry-After")))]
pub async fn book_appointment(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    AppPath(branch_id): AppPath<i64>,
    AppJson(mut req): AppJson<BookRequest>,
) -> Result<(StatusCode, AppJson<PublicAppointment>)> {
    req.contact_phone = req
        .contact_phone
        .as_deref()
        .map(clean_phone)
        .transpose()?
        .flatten();
    req.contact_email = req
        .contact_email
        .as_deref()
        .map(clean_email)
        .transpose()?
        .flatten();
    // Counted after the cheap checks, like remote tickets: one address
    // cannot block a day's slots by booking them all.
    state.booking_limiter.check(peer)?;
    let now = now_ms();
    let row = write_branch!(state.db, branch_id, |c, out| async move {
        book(c, out, branch_id, req, now).await
    })?;
    let view = read!(state.db, |c| {
        let branch = branches::get(c, row.branch_id).await?;
        Ok::<_, AppError>(row.public_view(&branch, &state.config.public_url))
    })?;
    Ok((StatusCode::CREATED, AppJson(view)))
}

/// A booking by its code. No authentication: the code is the credential.
#[utoipa::path(get, path = "/api/v1/public/appointments/{code}", tag = "appointments",
    params(("code" = String, Path, description = "Confirmation code")),
    responses((status = 200, body = PublicAppointment), (status = 404, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody, description = "Too many lookups from this client; see Retry-After")))]
pub async fn get_public_appointment(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    AppPath(code): AppPath<String>,
) -> Result<Response> {
    let code = code_from_path(&code)?;
    count_lookup(&state.code_limiter, peer)?;
    let view = read!(state.db, |c| {
        let row = by_code(c, &code).await?;
        let branch = branches::get(c, row.branch_id).await?;
        Ok::<_, AppError>(row.public_view(&branch, &state.config.public_url))
    })?;
    Ok(no_store(AppJson(view).into_response()))
}

/// Cancels a booking by its code. Cancelling twice is not an error.
#[utoipa::path(post, path = "/api/v1/public/appointments/{code}/cancel", tag = "appointments",
    params(("code" = String, Path, description = "Confirmation code")),
    responses((status = 200, body = PublicAppointment), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "Checked in or over"),
              (status = 429, body = crate::error::ErrorBody, description = "Too many lookups from this client; see Retry-After")))]
pub async fn cancel_appointment(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    AppPath(code): AppPath<String>,
) -> Result<AppJson<PublicAppointment>> {
    let code = code_from_path(&code)?;
    count_lookup(&state.code_limiter, peer)?;
    let now = now_ms();
    let row = write!(state.db, |c, out| async move {
        cancel(c, out, &code, now).await
    })?;
    let view = read!(state.db, |c| {
        let branch = branches::get(c, row.branch_id).await?;
        Ok::<_, AppError>(row.public_view(&branch, &state.config.public_url))
    })?;
    Ok(AppJson(view))
}

/// The QR code of a booking's page, as SVG. No authentication.
#[utoipa::path(get, path = "/api/v1/public/appointments/{code}/qr.svg", tag = "appointments",
    params(("code" = String, Path, description = "Confirmation code")),
    responses((status = 200, content_type = "image/svg+xml", description = "QR code"), (status = 404, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody, description = "Too many lookups from this client; see Retry-After")))]
pub async fn get_appointment_qr(
    State(state): State<AppState>,
    ClientAddr(peer): ClientAddr,
    AppPath(code): AppPath<String>,
) -> Result<Response> {
    let code = code_from_path(&code)?;
    count_lookup(&state.code_limiter, peer)?;
    read!(state.db, |c| by_code(c, &code).await)?;
    let svg = crate::domain::visitor::qr_svg(&booking_url(&state.config.public_url, &code))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        svg,
    )
        .into_response())
}

/// Checks a booked visitor in (the branch's kiosks and staff): issues the
/// ticket, 201; a booking checked in before answers 200 with the same
/// ticket. The kiosk agent prints the ticket like any other it issued.
#[utoipa::path(post, path = "/api/v1/branches/{id}/appointments/check-in", tag = "appointments", request_body = CheckInRequest,
    params(("id" = i64, Path, description = "Branch id")),
    responses((status = 201, body = CheckIn), (status = 200, body = CheckIn, description = "Checked in before"),
              (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "Cancelled, another day, or too late"),
              (status = 422, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody, description = "Too many check-ins from this client; see Retry-After")))]
pub async fn check_in_appointment(
    State(state): State<AppState>,
    who: Principal,
    ClientAddr(peer): ClientAddr,
    AppPath(branch_id): AppPath<i64>,
    AppJson(req): AppJson<CheckInRequest>,
) -> Result<(StatusCode, AppJson<CheckIn>)> {
    who.require_issuer(branch_id)?;
    let code = normalize_code(&req.code).ok_or_else(|| {
        AppError::invalid(format!(
            "code must be the {CODE_LEN} characters of the confirmation"
        ))
    })?;
    // A kiosk's (or a stolen kiosk token's) guesses count like a visitor's,
    // on a budget of their own.
    count_lookup(&state.check_in_limiter, peer)?;
    let device_id = match who {
        Principal::Device { id, .. } => Some(id),
        Principal::User { .. } => None,
    };
    let arrival = Arrival {
        branch_id,
        code,
        language: req.language,
        actor: who.actor(),
        device_id,
        now: now_ms(),
    };
    let (row, ticket, outcome) = write_branch!(state.db, branch_id, |c, out| async move {
        check_in(c, out, arrival).await
    })?;
    if outcome != CheckInOutcome::Again {
        state.metrics.tickets_issued.inc();
    }
    let appointment = read!(state.db, |c| {
        let branch = branches::get(c, row.branch_id).await?;
        Ok::<_, AppError>(row.public_view(&branch, &state.config.public_url))
    })?;
    let status = if outcome == CheckInOutcome::Again {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        AppJson(CheckIn {
            outcome,
            ticket: tickets::TicketWithToken::issued(ticket),
            appointment,
        }),
    ))
}

/// The appointments of one business day, by time (clerks and managers of
/// the branch).
#[utoipa::path(get, path = "/api/v1/branches/{id}/appointments", tag = "appointments",
    params(("id" = i64, Path, description = "Branch id"), DayQuery),
    responses((status = 200, body = Vec<StaffAppointment>), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_appointments(
    State(state): State<AppState>,
    who: Principal,
    AppPath(branch_id): AppPath<i64>,
    AppQuery(query): AppQuery<DayQuery>,
) -> Result<AppJson<Vec<StaffAppointment>>> {
    who.require_staff(branch_id)?;
    let day = query.day.as_deref().map(parse_day).transpose()?;
    let now = now_ms();
    let list = read!(state.db, |c| {
        let branch = branches::get(c, branch_id).await?;
        let day = day.map_or_else(
            || branch.business_day(now),
            |d| d.format("%Y-%m-%d").to_string(),
        );
        let rows = of_day(c, branch_id, day).await?;
        Ok::<_, AppError>(rows.iter().map(|r| r.staff_view(&branch)).collect())
    })?;
    Ok(AppJson(list))
}

/// Appointment routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_booking_info))
        .routes(routes!(get_slots))
        .routes(routes!(book_appointment))
        .routes(routes!(get_public_appointment))
        .routes(routes!(cancel_appointment))
        .routes(routes!(get_appointment_qr))
        .routes(routes!(check_in_appointment))
        .routes(routes!(list_appointments))
}

/// `r` marked not to be stored: an appointment's answer names a visitor.
fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
