//! Application state and the router: every domain's routes merged under
//! one OpenAPI document (with `/healthz` and `/readyz`, see `health.rs`),
//! plus `/metrics` and `/api/openapi.json`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::config::Config;
use crate::domain::auth::LoginLimiter;
use crate::domain::ratelimit::ClientLimiter;
use crate::error::{AppError, Result};
use crate::store::{Db, q, read};

/// Largest request body accepted. Every API body is a small JSON document.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Shared state of the server. axum clones it for every request and every
/// extractor that asks, so it is one `Arc`: a single reference count to
/// bump, where cloning the fields one by one would touch a dozen counters
/// (and a lock, for the cancellation token) shared by every thread.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Shared {
    /// Storage.
    pub db: Db,
    /// Settings.
    pub config: Arc<Config>,
    /// Prometheus counters.
    pub metrics: Arc<Metrics>,
    /// Login rate limits.
    pub limiter: Arc<LoginLimiter>,
    /// Remote-ticket rate limits per client (see `remote.rs`).
    pub remote_limiter: Arc<ClientLimiter>,
    /// Booking rate limits per client (see `appointments.rs`).
    pub booking_limiter: Arc<ClientLimiter>,
    /// Booking-code lookups per client: the public booking page, its QR
    /// code and cancelling (see `appointments.rs`).
    pub code_limiter: Arc<ClientLimiter>,
    /// Check-ins by booking code per client (kiosks and staff), apart from
    /// the public lookups so visitors' browsing cannot lock out a kiosk.
    pub check_in_limiter: Arc<ClientLimiter>,
    /// Open live streams of visitors' ticket pages (see `public.rs`).
    pub ticket_streams: Arc<crate::domain::visitor::TicketStreams>,
    /// Cancelled when the server begins shutting down; long-lived tasks
    /// (websockets, background jobs) watch it and end.
    pub shutdown: CancellationToken,
    /// Long-lived tasks, awaited at shutdown after the token is cancelled.
    pub tasks: TaskTracker,
    /// The cached outcome of `/readyz`'s write probe (see `health.rs`).
    pub readiness: crate::http::health::Readiness,
}

impl AppState {
    /// State over a connected database.
    pub fn new(config: Config, db: Db) -> AppState {
        let limiter = LoginLimiter::new(config.login_attempts_per_minute);
        let remote_limiter = ClientLimiter::new(config.remote_tickets_per_minute);
        let booking_limiter = ClientLimiter::new(config.bookings_per_minute);
        let code_limiter = ClientLimiter::new(config.code_lookups_per_minute);
        let check_in_limiter = ClientLimiter::new(config.code_lookups_per_minute);
        AppState(Arc::new(Shared {
            db,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::new()),
            limiter: Arc::new(limiter),
            remote_limiter: Arc::new(remote_limiter),
            booking_limiter: Arc::new(booking_limiter),
            code_limiter: Arc::new(code_limiter),
            check_in_limiter: Arc::new(check_in_limiter),
            ticket_streams: Arc::default(),
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            readiness: crate::http::health::Readiness::default(),
        }))
    }
}

/// Labels of the request counter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RequestLabels {
    /// HTTP method.
    pub method: String,
    /// Route template, e.g. `/api/v1/desks/{id}/call-next`.
    pub route: String,
    /// Response status.
    pub status: u16,
}

/// Labels of the queue length gauge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct QueueLabels {
    /// Branch id.
    pub branch: i64,
    /// Service code.
    pub service: String,
}

/// The server's Prometheus metrics.
pub struct Metrics {
    registry: Registry,
    /// HTTP requests served.
    pub requests: Family<RequestLabels, Counter>,
    /// Tickets issued.
    pub tickets_issued: Counter,
    /// Tickets called (call-next and out-of-turn calls).
    pub calls: Counter,
    /// Waiting tickets per service, refreshed at each scrape.
    pub queue_length: Family<QueueLabels, Gauge>,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("waitwell");
        let requests = Family::<RequestLabels, Counter>::default();
        let tickets_issued = Counter::default();
        let calls = Counter::default();
        let queue_length = Family::<QueueLabels, Gauge>::default();
        registry.register("http_requests", "HTTP requests served", requests.clone());
        registry.register("tickets_issued", "Tickets issued", tickets_issued.clone());
        registry.register("calls", "Tickets called to a desk", calls.clone());
        registry.register(
            "queue_length",
            "Waiting tickets per service",
            queue_length.clone(),
        );
        Metrics {
            registry,
            requests,
            tickets_issued,
            calls,
            queue_length,
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

async fn count_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response> {
    // Queue lengths per office are not for the public: only a scraper with
    // the configured token reads them, and without one /metrics is off.
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return Err(AppError::NotFound("route"));
    };
    // Compared as hashes, like every other token: the comparison's timing
    // tells nothing about the token.
    let given = crate::http::extract::bearer_token(&headers).unwrap_or_default();
    if crate::domain::auth::token_hash(&given) != crate::domain::auth::token_hash(expected) {
        return Err(AppError::Unauthorized);
    }
    let counts: Vec<(i64, String, i64)> = read!(state.db, |c| {
        use crate::store::Exec as _;
        c.all(
            q("select s.branch_id, s.code, count(t.id) from services s
                 left join tickets t on t.service_id = s.id and t.status = 'waiting'
                 where s.active = $1 group by s.branch_id, s.code")
            .bind(true),
        )
        .await
        .map_err(AppError::from)
    })?;
    for (branch, service, n) in counts {
        state
            .metrics
            .queue_length
            .get_or_create(&QueueLabels { branch, service })
            .set(n);
    }
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &state.metrics.registry)
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

/// The Content-Security-Policy of every response: scripts, styles and
/// connections only from this server (no inline script anywhere), images
/// also as data/blob URLs (QR codes, canvas exports), audio from blob URLs
/// (announcements), and never inside a frame.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; media-src 'self' blob: data:; connect-src 'self'; \
    font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// Browser hardening on every response: the CSP, no framing, no referrer
/// (ticket pages carry their secret in the address), no MIME sniffing; and
/// `Cache-Control: no-store` on API answers that did not choose a caching
/// policy themselves, since they may carry tokens or personal data.
async fn security_headers(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Ends a request that takes longer than the configured request timeout
/// (30 s) with a 408 in the JSON error shape (a client trickling its body,
/// a stuck handler). Websocket upgrades answer at once, so the live
/// streams are not cut.
async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = Duration::from_millis(state.config.request_timeout_ms);
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => AppError::Rejected(
            StatusCode::REQUEST_TIMEOUT,
            format!("the request took longer than {limit:?}"),
        )
        .into_response(),
    }
}

async fn method_not_allowed() -> AppError {
    AppError::Rejected(
        StatusCode::METHOD_NOT_ALLOWED,
        "this route does not accept that method".into(),
    )
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Waitwell API", description = "Queue management for public offices. Authenticate with `Authorization: Bearer <token>` from POST /api/v1/auth/login or a device token."),
    components(schemas(
        crate::error::ErrorBody,
        crate::events::Event,
        waitwell_proto::Snapshot,
        waitwell_proto::Heartbeat,
        waitwell_proto::EventMessage,
    )),
    tags(
        (name = "auth", description = "Sign in and out"),
        (name = "branches", description = "Offices"),
        (name = "services", description = "What visitors come for"),
        (name = "desks", description = "Service points and their allocation"),
        (name = "desk actions", description = "A clerk's work at a desk"),
        (name = "tickets", description = "Issuing tickets and the queue"),
        (name = "users", description = "Staff accounts"),
        (name = "devices", description = "Kiosks and displays"),
        (name = "stats", description = "KPIs"),
        (name = "live", description = "Live updates over a websocket"),
        (name = "webhooks", description = "Outgoing notifications of a branch's events"),
        (name = "appointments", description = "Booking a slot, cancelling, kiosk check-in, the day's list"),
        (name = "public", description = "No sign-in: a visitor's ticket by its secret token, translations, offices' published service standards and performance (open data), signed audit checkpoints"),
        (name = "health", description = "Liveness and readiness for service managers and load balancers"),
    )
)]
struct ApiDoc;

/// The API routes and their OpenAPI document.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::http::auth::routes())
        .merge(crate::http::branches::routes())
        .merge(crate::http::services::routes())
        .merge(crate::http::desks::routes())
        .merge(crate::http::tickets::routes())
        .merge(crate::http::users::routes())
        .merge(crate::http::devices::routes())
        .merge(crate::http::stats::routes())
        .merge(crate::http::reports::routes())
        .merge(crate::http::predictions::routes())
        .merge(crate::http::staffing::routes())
        .merge(crate::http::device_status::routes())
        .merge(crate::http::live::routes())
        .merge(crate::http::speech::routes())
        .merge(crate::http::public::routes())
        .merge(crate::http::performance::routes())
        .merge(crate::http::audit::routes())
        .merge(crate::http::remote::routes())
        .merge(crate::http::webhooks::routes())
        .merge(crate::http::appointments::routes())
        .merge(crate::http::feedback::routes())
        .merge(crate::http::health::routes())
        .split_for_parts()
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api();
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = Arc::clone(&openapi);
                async move { axum::Json((*doc).clone()) }
            }),
        )
        .merge(crate::http::web::routes())
        .route("/metrics", get(metrics))
        .fallback(crate::http::web::fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_timeout,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            AppError::internal("a request handler panicked").into_response()
        }))
        .layer(middleware::from_fn(security_headers))
        // The span names the path only: a query string may hold a token
        // (live streams) that must not reach the logs.
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
            }),
        )
        .with_state(state)
}
