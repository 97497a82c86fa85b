//! Remote tickets: the office's public services list and taking a ticket
//! without signing in, with the daily cap, the walk-in share, the
//! per-client rate limit and contact validation. Every test runs on both
//! backends.

mod common;

use common::{Backend, Office, TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn enable(app: &TestApp, office: &Office, service: i64, settings: Value) -> Value {
    let (s, svc) = app
        .patch(
            &office.manager,
            &format!("/api/v1/services/{service}"),
            settings,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{svc}");
    svc
}

async fn take(
    app: &TestApp,
    office: &Office,
    body: Value,
    headers: &[(&str, &str)],
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let (s, h, text) = app
        .send_raw(
            Method::POST,
            None,
            &format!("/api/v1/public/branches/{}/tickets", office.branch_id),
            headers,
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await;
    (
        s,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        h,
    )
}

async fn contact_of(app: &TestApp, ticket_id: i64) -> (String, Option<String>, Option<String>) {
    use waitwell_server::store::{Exec as _, q, read};
    let db = &app.state.db;
    let r: Result<(String, Option<String>, Option<String>), waitwell_server::error::AppError> =
        async {
            read!(db, |c| c
                .one(
                    q("select channel, contact_phone, contact_email from tickets where id = $1")
                        .bind(ticket_id)
                )
                .await
                .map_err(waitwell_server::error::AppError::from))
        }
        .await;
    r.unwrap()
}

async fn services_are_opted_in_and_listed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let path = format!("/api/v1/public/branches/{}/services", office.branch_id);
    let (s, list) = app.send(Method::GET, None, &path, None).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["services"], json!([]), "nothing is remote by default");
    assert_eq!(list["languages"], json!(["en", "pl", "da"]));

    let svc = enable(
        &app,
        &office,
        office.services[1],
        json!({ "remote_enabled": true, "remote_daily_cap": 20, "remote_walk_in_share": 30, "names": { "pl": "Dowody" } }),
    )
    .await;
    assert_eq!(svc["remote_enabled"], true);
    assert_eq!(svc["remote_daily_cap"], 20);
    assert_eq!(svc["remote_walk_in_share"], 30);
    let (_, list) = app
        .send(Method::GET, None, &format!("{path}?lang=pl"), None)
        .await;
    let services = list["services"].as_array().unwrap();
    assert_eq!(services.len(), 1, "{list}");
    assert_eq!(services[0]["id"], office.services[1]);
    assert_eq!(services[0]["name"], "Dowody");
    assert_eq!(services[0]["available"], true);

    // Null removes the cap; bad settings change nothing.
    let svc = enable(
        &app,
        &office,
        office.services[1],
        json!({ "remote_daily_cap": null }),
    )
    .await;
    assert_eq!(svc["remote_daily_cap"], Value::Null);
    for bad in [
        json!({ "remote_daily_cap": 0 }),
        json!({ "remote_walk_in_share": 101 }),
        json!({ "remote_walk_in_share": -1 }),
        json!({ "remote_enabled": "yes" }),
    ] {
        let (s, body) = app
            .patch(
                &office.manager,
                &format!("/api/v1/services/{}", office.services[1]),
                bad.clone(),
            )
            .await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::BAD_REQUEST,
            "{bad}: {s} {body}"
        );
    }
    let (_, svc) = app
        .get(
            &office.manager,
            &format!("/api/v1/services/{}", office.services[1]),
        )
        .await;
    assert_eq!(svc["remote_walk_in_share"], 30);

    // A clerk may not switch remote tickets on.
    let (s, _) = app
        .patch(
            &office.clerks[0],
            &format!("/api/v1/services/{}", office.services[0]),
            json!({ "remote_enabled": true }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, body) = app
        .send(
            Method::GET,
            None,
            "/api/v1/public/branches/999999/services",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    app.stop().await;
}

async fn take_a_ticket_with_contacts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let service = office.services[0];
    enable(&app, &office, service, json!({ "remote_enabled": true })).await;
    let events_before = app.event_count(office.branch_id).await;
    let (s, t, _) = take(
        &app,
        &office,
        json!({ "service_id": service, "language": "pl", "phone": "+48 600-100-200", "email": "Ola@Example.PL" }),
        &[("Idempotency-Key", "visit-1")],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(t["number"], "A001");
    assert_eq!(t["status"], "waiting");
    assert_eq!(t["position"], 0);
    let token = t["public_token"].as_str().unwrap();
    assert!(
        t["ticket_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/ticket/?t={token}"))
    );

    // The ticket page's API knows it.
    let (s, view) = app
        .send(
            Method::GET,
            None,
            &format!("/api/v1/public/tickets/{token}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{view}");

    let id = t["id"].as_i64().unwrap();
    assert_eq!(
        contact_of(&app, id).await,
        (
            "remote".into(),
            Some("+48600100200".into()),
            Some("Ola@example.pl".into())
        )
    );
    // One event, and no personal data in the log.
    assert_eq!(app.event_count(office.branch_id).await, events_before + 1);
    let log = all_payloads(&app, office.branch_id).await;
    assert!(
        !log.contains("600100200") && !log.to_lowercase().contains("ola@"),
        "{log}"
    );

    // The same key again: the same ticket, nothing new.
    let (s, again, _) = take(
        &app,
        &office,
        json!({ "service_id": service }),
        &[("Idempotency-Key", "visit-1")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["id"], t["id"]);
    assert_eq!(app.event_count(office.branch_id).await, events_before + 1);

    // A kiosk ticket stays a kiosk ticket without contacts; a kiosk's key
    // does not reveal a remote ticket.
    let (s, k) = app
        .issue_keyed(&office, json!({ "service_id": service }), "visit-1")
        .await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    assert_ne!(k["id"], t["id"]);
    assert_eq!(
        contact_of(&app, k["id"].as_i64().unwrap()).await,
        ("kiosk".into(), None, None)
    );
    app.stop().await;
}

async fn all_payloads(app: &TestApp, branch_id: i64) -> String {
    use waitwell_server::store::{Exec as _, q, read};
    let db = &app.state.db;
    let r: Result<Vec<(String,)>, waitwell_server::error::AppError> = async {
        read!(db, |c| c
            .all(q("select payload from events where branch_id = $1").bind(branch_id))
            .await
            .map_err(waitwell_server::error::AppError::from))
    }
    .await;
    r.unwrap()
        .into_iter()
        .map(|(p,)| p)
        .collect::<Vec<_>>()
        .join("\n")
}

async fn bad_input_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let service = office.services[0];
    enable(&app, &office, service, json!({ "remote_enabled": true })).await;
    let before = app.event_count(office.branch_id).await;
    let cases = [
        (
            json!({ "service_id": service, "phone": "call me" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "service_id": service, "phone": "123" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "service_id": service, "email": "not-an-address" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "service_id": service, "language": "xx" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "service_id": service, "priority": "priority" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "service_id": office.services[1] }),
            StatusCode::CONFLICT,
        ),
        (json!({ "service_id": 999_999 }), StatusCode::NOT_FOUND),
    ];
    for (body, status) in cases {
        let (s, b, _) = take(&app, &office, body.clone(), &[]).await;
        assert_eq!(s, status, "{body}: {b}");
        assert!(b["error"].is_string() && b["message"].is_string(), "{b}");
    }
    let (s, b, _) = take(
        &app,
        &office,
        json!({ "service_id": service }),
        &[("Idempotency-Key", "")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(app.event_count(office.branch_id).await, before);
    app.stop().await;
}

async fn daily_cap_and_walk_in_share(backend: Backend) {
    let app = TestApp::spawn_tuned(backend, |c| c.remote_tickets_per_minute = 1000).await;
    let office = app.office(1).await;
    let service = office.services[0];
    enable(
        &app,
        &office,
        service,
        json!({ "remote_enabled": true, "remote_daily_cap": 3, "remote_walk_in_share": 50 }),
    )
    .await;
    // 50% kept for walk-ins: the first remote ticket, then one walk-in for
    // each further remote ticket.
    let (s, first, _) = take(
        &app,
        &office,
        json!({ "service_id": service }),
        &[("Idempotency-Key", "first")],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    // A retry of an issued ticket is answered even when no new one fits.
    let (s, again, _) = take(
        &app,
        &office,
        json!({ "service_id": service }),
        &[("Idempotency-Key", "first")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["id"], first["id"]);
    let (s, refused, _) = take(&app, &office, json!({ "service_id": service }), &[]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{refused}");
    assert_error(&refused, "conflict");
    assert!(
        refused["message"].as_str().unwrap().contains("50%"),
        "{refused}"
    );
    let path = format!("/api/v1/public/branches/{}/services", office.branch_id);
    let (_, list) = app.send(Method::GET, None, &path, None).await;
    assert_eq!(list["services"][0]["available"], false, "{list}");

    app.issue(&office, service, "normal").await;
    let (s, t, _) = take(&app, &office, json!({ "service_id": service }), &[]).await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    app.issue(&office, service, "normal").await;
    let (s, t, _) = take(&app, &office, json!({ "service_id": service }), &[]).await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(t["number"], "A005");
    // The cap of 3 is reached, walk-ins or not.
    app.issue(&office, service, "normal").await;
    app.issue(&office, service, "normal").await;
    let (s, capped, _) = take(&app, &office, json!({ "service_id": service }), &[]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{capped}");
    assert!(
        capped["message"]
            .as_str()
            .unwrap()
            .contains("3 remote tickets"),
        "{capped}"
    );
    // Other services are not affected; switching remote off refuses at once.
    enable(
        &app,
        &office,
        service,
        json!({ "remote_daily_cap": null, "remote_walk_in_share": 0 }),
    )
    .await;
    let (s, _, _) = take(&app, &office, json!({ "service_id": service }), &[]).await;
    assert_eq!(s, StatusCode::CREATED);
    enable(&app, &office, service, json!({ "remote_enabled": false })).await;
    let (s, off, _) = take(&app, &office, json!({ "service_id": service }), &[]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{off}");
    app.stop().await;
}

async fn rate_limited_per_client(backend: Backend) {
    let app = TestApp::spawn_tuned(backend, |c| {
        c.remote_tickets_per_minute = 2;
        c.trust_forwarded_for = true;
    })
    .await;
    let office = app.office(1).await;
    let service = office.services[0];
    enable(&app, &office, service, json!({ "remote_enabled": true })).await;
    let from = |ip: &'static str| [("X-Forwarded-For", ip)];
    for _ in 0..2 {
        let (s, t, _) = take(
            &app,
            &office,
            json!({ "service_id": service }),
            &from("198.51.100.7"),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
    }
    let before = app.event_count(office.branch_id).await;
    let (s, body, headers) = take(
        &app,
        &office,
        json!({ "service_id": service }),
        &from("198.51.100.7"),
    )
    .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_error(&body, "rate_limited");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(app.event_count(office.branch_id).await, before);
    // Another client (the proxy's last hop names it) has its own budget.
    let (s, t, _) = take(
        &app,
        &office,
        json!({ "service_id": service }),
        &from("198.51.100.7, 203.0.113.9"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    app.stop().await;

    // Without trusting the header, every request counts for the peer.
    let app = TestApp::spawn_tuned(Backend::Sqlite, |c| c.remote_tickets_per_minute = 1).await;
    let office = app.office(1).await;
    enable(
        &app,
        &office,
        office.services[0],
        json!({ "remote_enabled": true }),
    )
    .await;
    let (s, _, _) = take(
        &app,
        &office,
        json!({ "service_id": office.services[0] }),
        &from("192.0.2.1"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, _) = take(
        &app,
        &office,
        json!({ "service_id": office.services[0] }),
        &from("192.0.2.2"),
    )
    .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

async fn documented_in_openapi(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, doc) = app.send(Method::GET, None, "/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    for path in [
        "/api/v1/public/branches/{id}/services",
        "/api/v1/public/branches/{id}/tickets",
        "/api/v1/branches/{id}/webhooks",
        "/api/v1/webhooks/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    app.stop().await;
}

/// Switching remote tickets on with no cap and no walk-in share chosen
/// gives the protective defaults (50 a day, 30% kept for walk-ins), so a
/// flood of remote tickets cannot push walk-ins to the end of the day;
/// values given in the same request, also an explicit "none", win, and a
/// service already open keeps what the manager set.
async fn switching_remote_on_protects_walk_ins(backend: Backend) {
    let app = TestApp::spawn_tuned(backend, |c| c.remote_tickets_per_minute = 1000).await;
    let office = app.office(1).await;
    let service = office.services[0];
    let svc = enable(&app, &office, service, json!({ "remote_enabled": true })).await;
    assert_eq!(svc["remote_daily_cap"], 50, "{svc}");
    assert_eq!(svc["remote_walk_in_share"], 30, "{svc}");
    // With 30% kept, three remote tickets in a row, then walk-ins first.
    for _ in 0..3 {
        let (s, t, _) = take(&app, &office, json!({ "service_id": service }), &[]).await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
    }
    let (s, refused, _) = take(&app, &office, json!({ "service_id": service }), &[]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("30%"),
        "{refused}"
    );
    // Saving the open service again changes nothing.
    let svc = enable(
        &app,
        &office,
        service,
        json!({ "remote_enabled": true, "remote_daily_cap": 80 }),
    )
    .await;
    assert_eq!(svc["remote_daily_cap"], 80, "{svc}");
    assert_eq!(svc["remote_walk_in_share"], 30, "{svc}");

    // Explicit values win, "none" included; the other one is defaulted.
    let svc = enable(
        &app,
        &office,
        office.services[1],
        json!({ "remote_enabled": true, "remote_daily_cap": null }),
    )
    .await;
    assert_eq!(svc["remote_daily_cap"], Value::Null, "{svc}");
    assert_eq!(svc["remote_walk_in_share"], 30, "{svc}");
    let svc = enable(
        &app,
        &office,
        office.services[2],
        json!({ "remote_enabled": true, "remote_walk_in_share": 0, "remote_daily_cap": 7 }),
    )
    .await;
    assert_eq!(svc["remote_daily_cap"], 7, "{svc}");
    assert_eq!(svc["remote_walk_in_share"], 0, "{svc}");
    // Off and on again: a cap that is set stays; no share (0) counts as
    // unset and is defaulted.
    enable(
        &app,
        &office,
        office.services[2],
        json!({ "remote_enabled": false }),
    )
    .await;
    let svc = enable(
        &app,
        &office,
        office.services[2],
        json!({ "remote_enabled": true }),
    )
    .await;
    assert_eq!(svc["remote_daily_cap"], 7, "{svc}");
    assert_eq!(svc["remote_walk_in_share"], 30, "{svc}");
    app.stop().await;
}

backend_tests!(
    services_are_opted_in_and_listed,
    take_a_ticket_with_contacts,
    bad_input_changes_nothing,
    daily_cap_and_walk_in_share,
    rate_limited_per_client,
    switching_remote_on_protects_walk_ins,
    documented_in_openapi,
);
