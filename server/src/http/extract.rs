//! The extractors every route uses: what a request carries, checked at
//! the boundary and turned into [`AppError`]'s JSON shape when it is wrong.
//!
//! - [`AppJson`], [`AppPath`], [`AppQuery`]: the body, path and query;
//! - [`Principal`] (a bearer token), [`StreamAuth`] (the same, or a
//!   `token` query parameter for a websocket);
//! - [`ClientAddr`]: the address per-client limits count;
//! - [`IdempotencyKey`]: the `Idempotency-Key` header of a retried write;
//! - [`TicketToken`]: a visitor's public token in the path.

use std::net::IpAddr;

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::AppState;
use crate::domain::auth::{Principal, authenticate};
use crate::domain::visitor::is_public_token;
use crate::error::{AppError, Result};
use crate::now_ms;
use crate::store::lookup;

/// `Json` that rejects bad input with [`AppError`]'s JSON shape: a missing
/// or non-JSON content type 415, a body over the limit 413, broken JSON
/// syntax 400 (checked before the shape, so that `{` is 400 on every
/// route), JSON of the wrong shape 422.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

fn is_json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T, S> axum::extract::FromRequest<S> for AppJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self> {
        if !is_json_content_type(req.headers()) {
            return Err(AppError::Rejected(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Expected request with `Content-Type: application/json`".into(),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::Rejected(e.status(), e.body_text()))?;
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
            return Err(AppError::BadRequest(format!(
                "Failed to parse the request body as JSON: {e}"
            )));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(AppJson(value))
    }
}

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// `Path` that rejects bad ids with [`AppError`]'s JSON shape.
#[derive(Debug, Clone, Copy, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct AppPath<T>(pub T);

/// `Query` that rejects bad parameters with [`AppError`]'s JSON shape.
#[derive(Debug, Clone, Copy, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct AppQuery<T>(pub T);

/// Reads the token from `Authorization: Bearer …`.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?;
    let value = value.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// The `token` query parameter, which only live streams accept.
fn query_token(parts: &Parts) -> Option<String> {
    parts.uri.query().and_then(|query| {
        query.split('&').find_map(|pair| {
            pair.strip_prefix("token=")
                .map(|t| t.to_owned())
                .filter(|t| !t.is_empty())
        })
    })
}

async fn resolve(state: &AppState, token: &str) -> Result<Principal> {
    let now = now_ms();
    // Every request comes through here: a point read by token hash.
    lookup!(state.db, |c| authenticate(c, token, now).await)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        // Header only: a token in a URL ends up in proxy and browser logs.
        let token = bearer_token(&parts.headers).ok_or(AppError::Unauthorized)?;
        resolve(state, &token).await
    }
}

/// The caller of a live stream, and the token it presented: from the
/// `Authorization` header or, because a browser cannot set headers on a
/// websocket, the `token` query parameter. The stream checks the token
/// again while it stays open.
pub struct StreamAuth {
    /// Who the token resolved to.
    pub who: Principal,
    /// The token, for the stream's later checks.
    pub token: String,
}

impl FromRequestParts<AppState> for StreamAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = bearer_token(&parts.headers)
            .or_else(|| query_token(parts))
            .ok_or(AppError::Unauthorized)?;
        let who = resolve(state, &token).await?;
        Ok(StreamAuth { who, token })
    }
}

/// The client's address, as every per-client limit counts it: the peer, or
/// behind a trusted reverse proxy (`WAITWELL_TRUST_FORWARDED_FOR`) the
/// address the proxy put last in X-Forwarded-For. Loopback in in-process
/// tests without a socket.
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip())
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
        Ok(ClientAddr(client_ip(
            peer,
            &parts.headers,
            state.config.trust_forwarded_for,
        )))
    }
}

/// The client's address for rate limiting: the last X-Forwarded-For entry
/// when the server is told to trust it (it is then the address the proxy
/// saw), else the TCP peer.
fn client_ip(peer: IpAddr, headers: &HeaderMap, trust_forwarded_for: bool) -> IpAddr {
    if !trust_forwarded_for {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .next_back()
        .unwrap_or(peer)
}

/// The `Idempotency-Key` header: a client-chosen key, 1 to 128 visible
/// ASCII characters, under which a retried write returns its first answer.
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        match parts.headers.get("idempotency-key") {
            None => Ok(IdempotencyKey(None)),
            Some(v) => v
                .to_str()
                .ok()
                .filter(|k| (1..=128).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
                .map(|k| IdempotencyKey(Some(k.to_owned())))
                .ok_or_else(|| {
                    AppError::invalid("Idempotency-Key must be 1 to 128 visible ASCII characters")
                }),
        }
    }
}

/// A public token taken from the request path and checked for shape: a
/// malformed one is the same 404 as an unknown one, before any database
/// work.
#[derive(Debug, Clone)]
pub struct TicketToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for TicketToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let AppPath(token) = AppPath::<String>::from_request_parts(parts, state).await?;
        if is_public_token(&token) {
            Ok(TicketToken(token))
        } else {
            Err(AppError::NotFound("ticket"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_only_when_trusted() {
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "1.2.3.4, 10.0.0.9".parse().unwrap());
        assert_eq!(client_ip(peer, &h, false), peer);
        assert_eq!(
            client_ip(peer, &h, true),
            "10.0.0.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(peer, &HeaderMap::new(), true), peer);
    }
}
