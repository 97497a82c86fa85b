//! Bad input: every malformed, mistyped, unknown, oversized or misplaced
//! request gets a 4xx with `{"error": code, "message": text}` and changes
//! nothing; no request ever gets a 5xx. Ends with a proptest fuzz over
//! routes, methods, tokens and bodies.

mod common;

use common::{Backend, Office, TestApp, assert_error};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Sends `body` as raw bytes with the JSON content type; returns status and
/// parsed body (a JSON string when it is not JSON).
async fn raw(
    app: &TestApp,
    method: Method,
    token: &str,
    path: &str,
    body: &[u8],
) -> (StatusCode, Value) {
    let (s, _, text) = app
        .send_raw(
            method,
            Some(token),
            path,
            &[],
            Some(("application/json", body.to_vec())),
        )
        .await;
    (
        s,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Checks status and error code of a request, and that the branch's event
/// log did not grow.
#[allow(clippy::too_many_arguments)]
async fn expect(
    app: &TestApp,
    office: &Office,
    method: Method,
    token: &str,
    path: &str,
    body: &[u8],
    status: StatusCode,
    code: &str,
) {
    let before = app.event_count(office.branch_id).await;
    let (s, resp) = raw(app, method.clone(), token, path, body).await;
    assert_eq!(
        s,
        status,
        "{method} {path} {}: {resp}",
        String::from_utf8_lossy(&body[..body.len().min(200)])
    );
    assert_error(&resp, code);
    assert_eq!(
        app.event_count(office.branch_id).await,
        before,
        "{method} {path} changed the event log"
    );
}

/// Broken JSON syntax is 400 on every body-taking route.
async fn malformed_json_is_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    app.open_desk(&office, 0).await;
    app.issue(&office, office.services[0], "normal").await;
    let (s, _) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/call-next", office.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let b = office.branch_id;
    let d = office.desks[0];
    let m = office.manager.clone();
    let routes: Vec<(Method, String, &str)> = vec![
        (
            Method::POST,
            "/api/v1/branches".into(),
            office.admin.as_str(),
        ),
        (Method::PATCH, format!("/api/v1/branches/{b}"), &m),
        (Method::POST, format!("/api/v1/branches/{b}/services"), &m),
        (Method::POST, format!("/api/v1/branches/{b}/desks"), &m),
        (Method::PUT, format!("/api/v1/desks/{d}/services"), &m),
        (Method::POST, format!("/api/v1/branches/{b}/users"), &m),
        (Method::POST, format!("/api/v1/branches/{b}/devices"), &m),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/tickets"),
            office.kiosk.as_str(),
        ),
        (Method::POST, format!("/api/v1/desks/{d}/pause"), &m),
        (Method::POST, format!("/api/v1/desks/{d}/call"), &m),
        (Method::POST, format!("/api/v1/desks/{d}/transfer"), &m),
        (Method::POST, format!("/api/v1/desks/{d}/finish"), &m),
    ];
    for (method, path, token) in &routes {
        for body in [
            &b"{"[..],
            b"{\"name\":",
            b"not json",
            b"{,}",
            b"[",
            b"{\"name\": \"unterminated",
        ] {
            expect(
                &app,
                &office,
                method.clone(),
                token,
                path,
                body,
                StatusCode::BAD_REQUEST,
                "bad_request",
            )
            .await;
        }
    }
    let (s, _, body) = app
        .send_raw(
            Method::POST,
            None,
            "/api/v1/auth/login",
            &[],
            Some(("application/json", b"{\"username\":".to_vec())),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&serde_json::from_str(&body).unwrap(), "bad_request");
    // The called ticket is still at the desk.
    let (_, desk) = app.get(&m, &format!("/api/v1/desks/{d}")).await;
    assert!(desk["current_ticket_id"].as_i64().is_some());
    app.stop().await;
}

/// Well-formed JSON of the wrong shape is 422: wrong types, unknown fields,
/// missing fields.
async fn wrong_shapes_are_422(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    app.open_desk(&office, 0).await;
    let t = app.issue(&office, office.services[0], "normal").await;
    let (s, _) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/call-next", office.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let b = office.branch_id;
    let d = office.desks[0];
    let a = office.services[0];
    let m = office.manager.as_str();
    let k = office.kiosk.as_str();
    let cases: Vec<(Method, String, &str, Value)> = vec![
        // Wrong types.
        (
            Method::POST,
            format!("/api/v1/branches/{b}/services"),
            m,
            json!({ "code": 5, "name": "x" }),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/services"),
            m,
            json!({ "code": "Z", "name": "x", "standard_wait_s": "900" }),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/tickets"),
            k,
            json!({ "service_id": "one" }),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/tickets"),
            k,
            json!({ "service_id": 1.5 }),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/tickets"),
            k,
            json!({ "service_id": a, "language": 1 }),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/tickets"),
            k,
            json!([a]),
        ),
        (
            Method::PUT,
            format!("/api/v1/desks/{d}/services"),
            m,
            json!([{ "service_id": a, "weight": "ten" }]),
        ),
        (
            Method::PUT,
            format!("/api/v1/desks/{d}/services"),
            m,
            json!([{ "service_id": a, "weight": 4_294_967_296_i64 }]),
        ),
        (
            Method::PATCH,
            format!("/api/v1/branches/{b}"),
            m,
            json!({ "languages": "en" }),
        ),
        (
            Method::PATCH,
            format!("/api/v1/desks/{d}"),
            m,
            json!({ "active": "no" }),
        ),
        (
            Method::POST,
            format!("/api/v1/desks/{d}/pause"),
            m,
            json!({ "reason": 5 }),
        ),
        (
            Method::POST,
            format!("/api/v1/desks/{d}/finish"),
            m,
            json!({ "outcome": 5 }),
        ),
        (
            Method::POST,
            format!("/api/v1/desks/{d}/transfer"),
            m,
            json!({ "service_id": null }),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/users"),
            m,
            json!({ "username": "abc", "password": 12_345_678, "role": "clerk" }),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/devices"),
            m,
            json!({ "kind": "tv", "name": "TV 2" }),
        ),
        (
            Method::POST,
            "/api/v1/branches".into(),
            &office.admin,
            json!("Office"),
        ),
        // Unknown fields.
        (
            Method::POST,
            format!("/api/v1/branches/{b}/services"),
            m,
            json!({ "code": "Z", "name": "x", "colour": "red" }),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/tickets"),
            k,
            json!({ "service_id": a, "vip": true }),
        ),
        (
            Method::PATCH,
            format!("/api/v1/branches/{b}"),
            m,
            json!({ "nme": "Typo" }),
        ),
        (
            Method::PATCH,
            format!("/api/v1/branches/{b}"),
            m,
            json!({ "policy": { "priority_credit_s": 1, "appointment_credit_s": 1, "weight_step_s": 1, "priority_interleave": 0, "x": 1 } }),
        ),
        (
            Method::PUT,
            format!("/api/v1/desks/{d}/services"),
            m,
            json!([{ "service_id": a, "weight": 1, "extra": 1 }]),
        ),
        (
            Method::POST,
            format!("/api/v1/desks/{d}/finish"),
            m,
            json!({ "outcom": "typo" }),
        ),
        (
            Method::POST,
            format!("/api/v1/desks/{d}/call"),
            m,
            json!({ "ticket_id": t["id"], "reason": "x", "force": true }),
        ),
        (
            Method::PATCH,
            format!("/api/v1/services/{a}"),
            m,
            json!({ "code": "Q" }),
        ),
        // Missing fields.
        (
            Method::POST,
            format!("/api/v1/branches/{b}/services"),
            m,
            json!({ "code": "Z" }),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/tickets"),
            k,
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/desks"),
            m,
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/users"),
            m,
            json!({ "username": "abc", "password": "long-enough-1" }),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/devices"),
            m,
            json!({ "name": "No kind" }),
        ),
        (
            Method::POST,
            "/api/v1/branches".into(),
            &office.admin,
            json!({ "name": "No timezone" }),
        ),
        (
            Method::POST,
            format!("/api/v1/desks/{d}/call"),
            m,
            json!({ "reason": "no ticket" }),
        ),
        (
            Method::PUT,
            format!("/api/v1/desks/{d}/services"),
            m,
            json!([{ "weight": 1 }]),
        ),
    ];
    for (method, path, token, body) in &cases {
        expect(
            &app,
            &office,
            method.clone(),
            token,
            path,
            body.to_string().as_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        )
        .await;
    }
    let (s, body) = app
        .send(
            Method::POST,
            None,
            "/api/v1/auth/login",
            Some(json!({ "username": "admin" })),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "invalid");
    let (s, body) = app
        .send(
            Method::POST,
            None,
            "/api/v1/auth/login",
            Some(json!({ "username": "admin", "password": "x", "remember": true })),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // The called ticket is still at the desk, unfinished.
    let (_, got) = app.get(m, &format!("/api/v1/tickets/{}", t["id"])).await;
    assert_eq!(got["status"], "called");
    let (_, services) = app.get(m, &format!("/api/v1/branches/{b}/services")).await;
    assert_eq!(services.as_array().unwrap().len(), 3);
    app.stop().await;
}

/// Non-numeric or out-of-range path ids are 400; unknown ids are 404.
async fn path_ids(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let admin = office.admin.clone();
    for path in [
        "/api/v1/tickets/abc",
        "/api/v1/tickets/1.5",
        "/api/v1/tickets/99999999999999999999",
        "/api/v1/branches/x",
        "/api/v1/branches/-/queue",
        "/api/v1/desks/one",
        "/api/v1/services/%20",
        "/api/v1/users/0x10",
        "/api/v1/devices/1e3",
    ] {
        let (s, body) = app.get(&admin, path).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_error(&body, "bad_request");
    }
    expect(
        &app,
        &office,
        Method::POST,
        &admin,
        "/api/v1/desks/abc/open",
        b"",
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    expect(
        &app,
        &office,
        Method::POST,
        &admin,
        "/api/v1/tickets/abc/cancel",
        b"",
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;

    for path in [
        "/api/v1/tickets/999999",
        "/api/v1/branches/999999",
        "/api/v1/desks/999999",
        "/api/v1/services/999999",
        "/api/v1/users/999999",
        "/api/v1/devices/999999",
        "/api/v1/desks/999999/services",
        "/api/v1/tickets/0",
        "/api/v1/tickets/-1",
    ] {
        let (s, body) = app.get(&admin, path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_error(&body, "not_found");
    }
    for path in [
        "/api/v1/desks/999999/open",
        "/api/v1/desks/999999/call-next",
        "/api/v1/desks/999999/finish",
        "/api/v1/tickets/999999/cancel",
    ] {
        expect(
            &app,
            &office,
            Method::POST,
            &admin,
            path,
            b"",
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    expect(
        &app,
        &office,
        Method::POST,
        &admin,
        "/api/v1/branches/999999/tickets",
        json!({ "service_id": office.services[0] })
            .to_string()
            .as_bytes(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect(
        &app,
        &office,
        Method::POST,
        &admin,
        "/api/v1/branches/999999/desks",
        br#"{"name":"D"}"#,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    app.stop().await;
}

/// Bodies over 64 KiB are 413 with the JSON error body.
async fn body_too_large(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    app.open_desk(&office, 0).await;
    app.issue(&office, office.services[0], "normal").await;
    let (s, _) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/call-next", office.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let b = office.branch_id;
    let huge = "x".repeat(65 * 1024);
    let m = office.manager.as_str();
    for (path, body) in [
        (
            format!("/api/v1/branches/{b}/desks"),
            json!({ "name": huge }),
        ),
        (
            format!("/api/v1/branches/{b}/tickets"),
            json!({ "service_id": office.services[0], "language": huge }),
        ),
        (
            format!("/api/v1/desks/{}/finish", office.desks[0]),
            json!({ "outcome": huge }),
        ),
        (
            format!("/api/v1/desks/{}/pause", office.desks[0]),
            json!({ "reason": huge }),
        ),
    ] {
        expect(
            &app,
            &office,
            Method::POST,
            m,
            &path,
            body.to_string().as_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "bad_request",
        )
        .await;
    }
    // Just under the limit is read (and then refused by the rules).
    let near = json!({ "name": "y".repeat(60 * 1024) }).to_string();
    expect(
        &app,
        &office,
        Method::POST,
        m,
        &format!("/api/v1/branches/{b}/desks"),
        near.as_bytes(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    let (s, _, body) = app
        .send_raw(
            Method::POST,
            None,
            "/api/v1/auth/login",
            &[],
            Some((
                "application/json",
                json!({ "username": huge, "password": "x" })
                    .to_string()
                    .into_bytes(),
            )),
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    app.stop().await;
}

/// Bad query parameters are 400; a missing or wrong content type is 415;
/// unknown routes are 404 — all with the JSON error body.
async fn queries_content_types_routes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;
    let m = office.manager.as_str();
    for path in [
        format!("/api/v1/branches/{b}/queue?desk_id=abc"),
        format!("/api/v1/branches/{b}/queue?desk_id="),
        format!("/api/v1/branches/{b}/queue?desk=1"),
        format!("/api/v1/branches/{b}/queue?desk_id=1&desk_id=2"),
        format!("/api/v1/branches/{b}/stats?from=2026-01-01&bogus=1"),
        format!("/api/v1/branches/{b}/stats?period=week"),
    ] {
        let (s, body) = app.get(m, &path).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_error(&body, "bad_request");
    }
    let path = format!("/api/v1/branches/{b}/desks");
    let before = app.event_count(b).await;
    for (content_type, body) in [
        ("", &br#"{"name":"D9"}"#[..]),
        ("text/plain", br#"{"name":"D9"}"#),
        ("application/x-www-form-urlencoded", b"name=D9"),
    ] {
        let (s, _, text) = app
            .send_raw(
                Method::POST,
                Some(m),
                &path,
                &[],
                Some((content_type, body.to_vec())),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}: {text}"
        );
        assert_error(&serde_json::from_str(&text).unwrap(), "bad_request");
    }
    let (s, _, text) = app.send_raw(Method::POST, Some(m), &path, &[], None).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{text}");
    assert_eq!(app.event_count(b).await, before);

    for (method, path) in [
        (Method::GET, "/api/v1/nope"),
        (Method::GET, "/nope"),
        (Method::POST, "/api/v1/branches/1/nothing"),
        (Method::GET, "/api/v2/branches"),
        (Method::GET, "/api/v1/desks/1/call-next/extra"),
    ] {
        let (s, body) = app.send(method.clone(), Some(m), path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}: {body}");
        assert_eq!(
            body,
            json!({ "error": "not_found", "message": "route not found" })
        );
        let (s, body) = app.send(method, None, path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path} without a token: {body}");
    }
    app.stop().await;
}

/// A known path with the wrong method is 405.
async fn wrong_method_is_405(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let before = app.event_count(office.branch_id).await;
    for (method, path) in [
        (
            Method::DELETE,
            format!("/api/v1/branches/{}", office.branch_id),
        ),
        (
            Method::GET,
            format!("/api/v1/desks/{}/call-next", office.desks[0]),
        ),
        (
            Method::PUT,
            format!("/api/v1/services/{}", office.services[0]),
        ),
        (
            Method::DELETE,
            format!("/api/v1/users/{}", app.user_id(&office.clerks[0]).await),
        ),
    ] {
        let (s, _, _) = app
            .send_raw(method.clone(), Some(&office.admin), &path, &[], None)
            .await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
    }
    assert_eq!(app.event_count(office.branch_id).await, before);
    let (_, users) = app
        .get(
            &office.manager,
            &format!("/api/v1/branches/{}/users", office.branch_id),
        )
        .await;
    assert_eq!(users.as_array().unwrap().len(), 2);
    app.stop().await;
}

/// The 405 response carries the JSON error body like every other error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_method_body_is_json() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let admin = app.admin().await;
    let (s, body) = app
        .send(Method::DELETE, Some(&admin), "/api/v1/branches", None)
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_error(&body, "bad_request");
    app.stop().await;
}

backend_tests!(
    malformed_json_is_400,
    wrong_shapes_are_422,
    path_ids,
    body_too_large,
    queries_content_types_routes,
    wrong_method_is_405,
);

// ---------------------------------------------------------------------------
// Fuzz: routes x methods x tokens x bodies.

/// Route templates; `{b}` branch, `{s}` service, `{d}` desk, `{t}` ticket,
/// `{u}` user, `{v}` device. Logout is left out so the fuzz keeps its
/// sessions.
const ROUTES: &[&str] = &[
    "/api/v1/auth/login",
    "/api/v1/auth/me",
    "/api/v1/branches",
    "/api/v1/branches/{b}",
    "/api/v1/branches/{b}/services",
    "/api/v1/services/{s}",
    "/api/v1/branches/{b}/desks",
    "/api/v1/desks/{d}",
    "/api/v1/desks/{d}/services",
    "/api/v1/desks/{d}/open",
    "/api/v1/desks/{d}/pause",
    "/api/v1/desks/{d}/close",
    "/api/v1/desks/{d}/call-next",
    "/api/v1/desks/{d}/call",
    "/api/v1/desks/{d}/recall",
    "/api/v1/desks/{d}/start",
    "/api/v1/desks/{d}/finish",
    "/api/v1/desks/{d}/no-show",
    "/api/v1/desks/{d}/park",
    "/api/v1/desks/{d}/transfer",
    "/api/v1/branches/{b}/tickets",
    "/api/v1/tickets/{t}",
    "/api/v1/tickets/{t}/cancel",
    "/api/v1/branches/{b}/queue",
    "/api/v1/branches/{b}/users",
    "/api/v1/users/{u}",
    "/api/v1/branches/{b}/devices",
    "/api/v1/devices/{v}",
    "/api/v1/devices/{v}/token",
    "/api/v1/branches/{b}/stats",
];

const FIELDS: &[&str] = &[
    "service_id",
    "priority",
    "language",
    "weight",
    "name",
    "code",
    "timezone",
    "rollover",
    "languages",
    "policy",
    "username",
    "password",
    "role",
    "kind",
    "reason",
    "ticket_id",
    "outcome",
    "active",
    "config",
    "names",
    "standard_wait_s",
    "priority_credit_s",
    "priority_interleave",
    "desk_id",
    "from",
    "to",
    "junk",
];

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            Just(0_i64),
            Just(1),
            Just(-1),
            Just(10),
            Just(11),
            Just(i64::MAX),
            Just(i64::MIN),
            1_i64..40,
            any::<i64>()
        ]
        .prop_map(|n| json!(n)),
        prop_oneof![Just(0.5_f64), Just(-1e300), Just(1e300)].prop_map(|f| json!(f)),
        prop_oneof![
            Just("A".to_owned()),
            Just("normal".to_owned()),
            Just("priority".to_owned()),
            Just("appointment".to_owned()),
            Just("kiosk".to_owned()),
            Just("clerk".to_owned()),
            Just("admin".to_owned()),
            Just("Europe/Warsaw".to_owned()),
            Just("25:00".to_owned()),
            Just(String::new()),
            "[a-zA-Z0-9 ._-]{0,12}",
            "\\PC{0,8}",
        ]
        .prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(FIELDS), inner), 0..5).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Value),
    Raw(String),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        1 => Just(Body::None),
        6 => json_value().prop_map(Body::Json),
        1 => "\\PC{0,40}".prop_map(Body::Raw),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    route: usize,
    method: usize,
    token: usize,
    /// Index into the real ids of the placeholder's kind, or a made-up id.
    id: Result<usize, i64>,
    body: Body,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..ROUTES.len(),
        prop_oneof![6 => Just(1_usize), 2 => Just(0_usize), 1 => 2_usize..5],
        0_usize..6,
        prop_oneof![4 => (0_usize..3).prop_map(Ok::<usize, i64>), 1 => any::<i64>().prop_map(Err::<usize, i64>)],
        body(),
    )
        .prop_map(|(route, method, token, id, body)| Case { route, method, token, id, body })
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

struct Fixture {
    office: Office,
    tickets: Vec<i64>,
    users: Vec<i64>,
    devices: Vec<i64>,
}

impl Fixture {
    fn path(&self, case: &Case) -> String {
        let pick = |ids: &[i64]| match case.id {
            Ok(i) => ids[i % ids.len()].to_string(),
            Err(n) => n.to_string(),
        };
        let o = &self.office;
        ROUTES[case.route]
            .replace("{b}", &pick(&[o.branch_id]))
            .replace("{s}", &pick(&o.services))
            .replace("{d}", &pick(&o.desks))
            .replace("{t}", &pick(&self.tickets))
            .replace("{u}", &pick(&self.users))
            .replace("{v}", &pick(&self.devices))
    }

    fn token(&self, i: usize) -> Option<&str> {
        let o = &self.office;
        [
            Some(o.admin.as_str()),
            Some(o.manager.as_str()),
            Some(o.clerks[0].as_str()),
            Some(o.kiosk.as_str()),
            Some(o.display.as_str()),
            None,
        ][i]
    }
}

/// One fuzz case: no 5xx; every 4xx has the JSON error body and leaves the event log as it was.
async fn run_case(app: &TestApp, fx: &Fixture, case: &Case) -> Result<(), TestCaseError> {
    let path = fx.path(case);
    let method = Method::from_bytes(METHODS[case.method].as_bytes()).unwrap();
    let body = match &case.body {
        Body::None => None,
        Body::Json(v) => Some(("application/json", v.to_string().into_bytes())),
        Body::Raw(s) => Some(("application/json", s.clone().into_bytes())),
    };
    let before = app.event_count(fx.office.branch_id).await;
    let (status, _, text) = app
        .send_raw(method.clone(), fx.token(case.token), &path, &[], body)
        .await;
    prop_assert!(
        !status.is_server_error(),
        "{method} {path} -> {status}: {text}"
    );
    if status.is_client_error() {
        let after = app.event_count(fx.office.branch_id).await;
        prop_assert_eq!(
            after,
            before,
            "{} {} -> {} appended events: {}",
            method,
            path,
            status,
            text
        );
        {
            let v: Value = serde_json::from_str(&text).map_err(|e| {
                TestCaseError::fail(format!(
                    "{method} {path} -> {status}: not JSON ({e}): {text}"
                ))
            })?;
            let ok = v.as_object().is_some_and(|m| {
                // `reason` (a finer code for pages to translate) is optional.
                let reason = usize::from(m.get("reason").is_some_and(Value::is_string));
                m.len() == 2 + reason
                    && m.get("error").is_some_and(Value::is_string)
                    && m.get("message")
                        .is_some_and(|s| s.as_str().is_some_and(|s| !s.is_empty()))
            });
            prop_assert!(
                ok,
                "{} {} -> {}: bad error body {}",
                method,
                path,
                status,
                text
            );
        }
    }
    Ok(())
}

fn fuzz(backend: Backend) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (app, fx) = rt.block_on(async {
        let app = TestApp::spawn(backend).await;
        let office = app.office(2).await;
        let mut tickets = Vec::new();
        for (i, s) in office.services.iter().enumerate() {
            let t = app
                .issue(&office, *s, if i == 0 { "priority" } else { "normal" })
                .await;
            tickets.push(t["id"].as_i64().unwrap());
        }
        app.open_desk(&office, 0).await;
        let users = vec![
            app.user_id(&office.manager).await,
            app.user_id(&office.clerks[0]).await,
            app.user_id(&office.clerks[1]).await,
        ];
        let (_, devices) = app
            .get(
                &office.manager,
                &format!("/api/v1/branches/{}/devices", office.branch_id),
            )
            .await;
        let devices = devices
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect();
        (
            app,
            Fixture {
                office,
                tickets,
                users,
                devices,
            },
        )
    });
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&case(), |case| rt.block_on(run_case(&app, &fx, &case)));
    let chain = rt.block_on(app.verify_chain(fx.office.branch_id));
    rt.block_on(app.stop());
    if let Err(e) = result {
        panic!("{e}");
    }
    assert_eq!(chain.broken, None, "{chain:?}");
}

#[test]
fn fuzz_sqlite() {
    fuzz(Backend::Sqlite);
}

#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "WAITWELL_TEST_POSTGRES_URL was not set when the tests were built"
)]
fn fuzz_postgres() {
    fuzz(Backend::require_postgres());
}
