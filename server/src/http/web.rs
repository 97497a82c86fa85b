//! The web pages, embedded in the binary: plain HTML, CSS and JavaScript
//! modules with no build step. Every page lives under `web/`: the shared
//! modules (`web/common/`), the staff pages, the public ones (`web/ticket/`,
//! the booking page `web/book/`), the waiting-room TV page `web/display/`
//! and the kiosk's touch page `web/kiosk/`.
//!
//! Files are served with an ETag and `Cache-Control: no-cache`, so a TV
//! that runs for weeks revalidates cheaply and picks up a new version after
//! an upgrade. In debug builds rust-embed reads the files from disk.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

use crate::app::AppState;
use crate::error::AppError;

#[derive(RustEmbed)]
#[folder = "../web/"]
struct Web;

fn serve<E: RustEmbed>(path: &str, request: &HeaderMap) -> Response {
    let path = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_owned()
    };
    let Some(file) = E::get(&path) else {
        return AppError::NotFound("route").into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let mime = file.metadata.mimetype().to_owned();
    if let Ok(v) = HeaderValue::from_str(&mime) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    (headers, file.data.into_owned()).into_response()
}

/// Routes for the display and kiosk pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/display",
            get(|| async { Redirect::permanent("/display/") }),
        )
        .route(
            "/display/",
            get(|h: HeaderMap| async move { serve::<Web>("display/", &h) }),
        )
        .route(
            "/display/{*path}",
            get(|Path(p): Path<String>, h: HeaderMap| async move {
                serve::<Web>(&format!("display/{p}"), &h)
            }),
        )
        .route("/kiosk", get(|| async { Redirect::permanent("/kiosk/") }))
        .route(
            "/kiosk/",
            get(|h: HeaderMap| async move { serve::<Web>("kiosk/", &h) }),
        )
        .route(
            "/kiosk/{*path}",
            get(|Path(p): Path<String>, h: HeaderMap| async move {
                serve::<Web>(&format!("kiosk/{p}"), &h)
            }),
        )
}

/// Everything no route matched: a page from `web/` for GET and HEAD
/// outside `/api/`, else the JSON 404.
pub async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if !(method == Method::GET || method == Method::HEAD) || path.starts_with("api/") {
        return AppError::NotFound("route").into_response();
    }
    // "/clerk" -> "/clerk/" so relative links in the page resolve.
    if !path.is_empty()
        && !path.contains('.')
        && !path.ends_with('/')
        && Web::get(&format!("{path}/index.html")).is_some()
    {
        return Redirect::permanent(&format!("/{path}/")).into_response();
    }
    serve::<Web>(path, &headers)
}
