//! The routes of [`crate::domain::auth`].

use crate::app::AppState;
use crate::domain::auth::*;
use crate::error::{AppError, Result};
use crate::http::extract::{AppJson, ClientAddr, bearer_token};
use crate::now_ms;
use crate::store::{read, write};

/// Signs in and returns a session token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn login(
    state: axum::extract::State<AppState>,
    ClientAddr(addr): ClientAddr,
    AppJson(req): AppJson<LoginRequest>,
) -> Result<AppJson<LoginResponse>> {
    state.limiter.check(&req.username, addr)?;
    let username = req.username.clone();
    let creds = read!(state.db, |c| credentials(c, &username).await)?;
    let Some(creds) = creds else {
        // Spend the same time as a real check so that timing does not tell
        // which user names exist.
        let _ = hash_password(req.password).await;
        state.limiter.failed(&req.username);
        tracing::warn!(user = %req.username, address = %addr, "failed sign-in: unknown or inactive user");
        return Err(AppError::Unauthorized);
    };
    if !verify_password(req.password, creds.password_hash).await {
        state.limiter.failed(&req.username);
        tracing::warn!(user = %req.username, address = %addr, "failed sign-in: wrong password");
        return Err(AppError::Unauthorized);
    }
    state.limiter.succeeded(&req.username);
    let user_id = creds.id;
    let token = new_token("wws_");
    let hash = token_hash(&token);
    let now = now_ms();
    let expires_at = now + state.config.session_ttl_ms();
    write!(state.db, |c, _out| async move {
        open_session(c, hash, user_id, now, expires_at).await
    })?;
    let user = read!(state.db, |c| crate::domain::users::get(c, user_id).await)?;
    Ok(AppJson(LoginResponse {
        token,
        expires_at,
        user,
    }))
}

/// Ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout(
    state: axum::extract::State<AppState>,
    who: Principal,
    headers: axum::http::HeaderMap,
) -> Result<axum::http::StatusCode> {
    let Principal::User { .. } = who else {
        return Err(AppError::invalid("devices have no session to end"));
    };
    let token = bearer_token(&headers)
        .ok_or(AppError::invalid("sign out with the Authorization header"))?;
    let hash = token_hash(&token);
    let now = now_ms();
    write!(state.db, |c, _out| async move {
        close_session(c, hash, now).await
    })?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The signed-in user or device.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Object), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(
    state: axum::extract::State<AppState>,
    who: Principal,
) -> Result<AppJson<serde_json::Value>> {
    Ok(AppJson(match who {
        Principal::User { id, .. } => {
            let user = read!(state.db, |c| crate::domain::users::get(c, id).await)?;
            serde_json::json!({ "kind": "user", "user": user })
        }
        Principal::Device {
            id,
            kind,
            branch_id,
        } => {
            serde_json::json!({ "kind": "device", "device_id": id, "device_kind": kind, "branch_id": branch_id })
        }
    }))
}

/// Auth routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(login))
        .routes(utoipa_axum::routes!(logout))
        .routes(utoipa_axum::routes!(me))
}
