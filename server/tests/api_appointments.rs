//! Appointments: opening hours and service settings, slots and their
//! capacity (walk-in share), booking (also under concurrency), the public
//! booking view, QR and cancelling, kiosk check-in with its timing rules
//! and queue place, the staff list, and that events carry neither codes nor
//! contact details.
//!
//! Slot times depend on the clock, so the tests book tomorrow's slots and,
//! where a test needs a booking at a given distance from now, move the
//! stored booking there (`move_booking`), as if the visitor had booked
//! that slot.

mod common;

use common::{Backend, Office, TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use waitwell_server::error::AppError;
use waitwell_server::store::{Exec as _, q, read, write};

/// Opening hours 08:00–10:00 every day.
fn every_day() -> Value {
    let day = json!([["08:00", "10:00"]]);
    json!({ "mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day })
}

/// Makes service `i` bookable with 20-minute slots and the branch open
/// 08:00–10:00 every day.
async fn setup(app: &TestApp, office: &Office, i: usize, walk_in_share: i64) -> i64 {
    let (s, b) = app
        .patch(
            &office.manager,
            &format!("/api/v1/branches/{}", office.branch_id),
            json!({ "appointments": { "opening_hours": every_day() } }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let service = office.services[i];
    let (s, svc) = app
        .patch(
            &office.manager,
            &format!("/api/v1/services/{service}"),
            json!({ "appointments_enabled": true, "slot_length_s": 1200, "walk_in_share": walk_in_share }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{svc}");
    service
}

async fn public_get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    app.send(Method::GET, None, path, None).await
}

async fn public_post(app: &TestApp, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    app.send(Method::POST, None, path, body).await
}

async fn info(app: &TestApp, office: &Office) -> Value {
    let (s, v) = public_get(
        app,
        &format!("/api/v1/public/branches/{}/booking", office.branch_id),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn next_day(day: &str) -> String {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    d.succ_opt().unwrap().format("%Y-%m-%d").to_string()
}

async fn tomorrow(app: &TestApp, office: &Office) -> String {
    next_day(info(app, office).await["today"].as_str().unwrap())
}

async fn slots(app: &TestApp, office: &Office, service: i64, day: &str) -> Vec<Value> {
    let (s, v) = public_get(
        app,
        &format!(
            "/api/v1/public/branches/{}/slots?service_id={service}&day={day}",
            office.branch_id
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

async fn book(app: &TestApp, office: &Office, body: Value) -> (StatusCode, Value) {
    public_post(
        app,
        &format!("/api/v1/public/branches/{}/appointments", office.branch_id),
        Some(body),
    )
    .await
}

/// Books tomorrow's first free slot of `service`; panics unless 201.
async fn book_tomorrow(app: &TestApp, office: &Office, service: i64) -> Value {
    let day = tomorrow(app, office).await;
    let list = slots(app, office, service, &day).await;
    let first = list
        .iter()
        .find(|s| s["available"].as_i64() > Some(0))
        .unwrap();
    let (s, a) = book(
        app,
        office,
        json!({ "service_id": service, "start": first["start"], "language": "pl" }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    a
}

/// Moves a booking to start `offset_s` seconds from now, today.
async fn move_booking(app: &TestApp, office: &Office, code: &str, offset_s: i64) -> i64 {
    let today = info(app, office).await["today"]
        .as_str()
        .unwrap()
        .to_owned();
    let start = waitwell_server::now_ms() + offset_s * 1000;
    let code = code.to_owned();
    let db = &app.state.db;
    let r: Result<(), AppError> = async {
        write!(db, |c, _out| async move {
            c.run(
                q("update appointments set slot_start = $2, slot_end = $3, business_day = $4 where code = $1")
                    .bind(code)
                    .bind(start)
                    .bind(start + 1_200_000)
                    .bind(today),
            )
            .await?;
            Ok(())
        })
    }
    .await;
    r.unwrap();
    start
}

async fn check_in(app: &TestApp, token: &str, office: &Office, code: &str) -> (StatusCode, Value) {
    app.post(
        token,
        &format!(
            "/api/v1/branches/{}/appointments/check-in",
            office.branch_id
        ),
        json!({ "code": code }),
    )
    .await
}

/// Every event payload of a branch as text, with its type.
async fn payloads(app: &TestApp, branch_id: i64) -> Vec<(String, String)> {
    let db = &app.state.db;
    let r: Result<Vec<(String, String)>, AppError> = async {
        read!(db, |c| c
            .all(
                q("select type, payload from events where branch_id = $1 order by seq")
                    .bind(branch_id)
            )
            .await
            .map_err(AppError::from))
    }
    .await;
    r.unwrap()
}

/// Opening hours and service settings are stored, shown and checked; bad
/// values change nothing; clerks may not change them.
async fn settings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let path = format!("/api/v1/branches/{}", office.branch_id);
    let (_, before) = app.get(&office.manager, &path).await;
    assert_eq!(before["appointments"]["opening_hours"], json!({}));
    assert_eq!(before["appointments"]["late_policy"], "walk_in");
    assert_eq!(before["appointments"]["grace_s"], 600);

    let (s, b) = app
        .patch(
            &office.manager,
            &path,
            json!({ "appointments": {
                "opening_hours": { "mon": [["08:00", "12:00"], ["13:00", "16:00"]] },
                "closed_dates": ["2030-12-25", "2030-12-24"],
                "grace_s": 300,
                "late_policy": "refuse"
            } }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        b["appointments"],
        json!({
            "opening_hours": { "mon": [["08:00", "12:00"], ["13:00", "16:00"]] },
            "closed_dates": ["2030-12-24", "2030-12-25"],
            "grace_s": 300,
            "late_policy": "refuse"
        })
    );
    // Absent fields stay.
    let (s, b2) = app
        .patch(
            &office.manager,
            &path,
            json!({ "appointments": { "grace_s": 0 } }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b2}");
    assert_eq!(b2["appointments"]["late_policy"], "refuse");
    assert_eq!(
        b2["appointments"]["closed_dates"],
        b["appointments"]["closed_dates"]
    );

    let events_before = app.event_count(office.branch_id).await;
    for bad in [
        json!({ "opening_hours": { "monday": [["08:00", "12:00"]] } }),
        json!({ "opening_hours": { "mon": [["08:00", "12:00"], ["11:00", "13:00"]] } }),
        json!({ "opening_hours": { "mon": [["16:00", "08:00"]] } }),
        json!({ "opening_hours": { "mon": [["8", "12:00"]] } }),
        json!({ "opening_hours": { "mon": "08:00-12:00" } }),
        json!({ "closed_dates": ["25.12.2030"] }),
        json!({ "grace_s": -1 }),
        json!({ "grace_s": 7201 }),
        json!({ "late_policy": "whatever" }),
        json!({ "unknown": 1 }),
    ] {
        let (s, e) = app
            .patch(&office.manager, &path, json!({ "appointments": bad }))
            .await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::BAD_REQUEST,
            "{bad}: {s} {e}"
        );
        assert_error(
            &e,
            if s == StatusCode::BAD_REQUEST {
                "bad_request"
            } else {
                "invalid"
            },
        );
    }
    assert_eq!(app.event_count(office.branch_id).await, events_before);
    let (_, after) = app.get(&office.manager, &path).await;
    assert_eq!(after["appointments"], b2["appointments"]);
    let (s, e) = app
        .patch(
            &office.clerks[0],
            &path,
            json!({ "appointments": { "grace_s": 60 } }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");

    let svc = format!("/api/v1/services/{}", office.services[0]);
    let (_, v) = app.get(&office.manager, &svc).await;
    assert_eq!(v["appointments_enabled"], false);
    assert_eq!(v["slot_length_s"], Value::Null);
    assert_eq!(v["walk_in_share"], 50);
    let (s, v) = app
        .patch(
            &office.manager,
            &svc,
            json!({ "appointments_enabled": true, "slot_length_s": 900, "walk_in_share": 25 }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (
            v["appointments_enabled"].clone(),
            v["slot_length_s"].clone(),
            v["walk_in_share"].clone()
        ),
        (json!(true), json!(900), json!(25))
    );
    for bad in [
        json!({ "slot_length_s": 100 }),
        json!({ "slot_length_s": 930 }),
        json!({ "slot_length_s": 86400 }),
        json!({ "walk_in_share": 101 }),
        json!({ "walk_in_share": -1 }),
    ] {
        let (s, e) = app.patch(&office.manager, &svc, bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
        assert_error(&e, "invalid");
    }
    // null goes back to the default (expected duration rounded up).
    let (s, v) = app
        .patch(&office.manager, &svc, json!({ "slot_length_s": null }))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["slot_length_s"], Value::Null);
    assert_eq!(v["walk_in_share"], 25);
    app.stop().await;
}

/// Slots follow the opening hours; each has the desks allocated to the
/// service less the walk-in share; closed dates and services that are not
/// bookable offer nothing.
async fn slots_and_capacity(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(4).await;
    let a = setup(&app, &office, 0, 50).await;
    let day = tomorrow(&app, &office).await;

    let info = info(&app, &office).await;
    let listed: Vec<i64> = info["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [a]);
    assert_eq!(info["services"][0]["slot_length_s"], 1200);

    let list = slots(&app, &office, a, &day).await;
    let times: Vec<&str> = list.iter().map(|s| s["time"].as_str().unwrap()).collect();
    assert_eq!(
        times,
        ["08:00", "08:20", "08:40", "09:00", "09:20", "09:40"]
    );
    assert!(list.iter().all(|s| s["available"] == 2), "{list:?}");
    assert_eq!(
        list[1]["start"].as_i64().unwrap() - list[0]["start"].as_i64().unwrap(),
        1_200_000
    );

    // A desk that no longer serves the service takes its place away.
    let (s, r) = app
        .put(
            &office.manager,
            &format!("/api/v1/desks/{}/services", office.desks[3]),
            json!([]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert!(
        slots(&app, &office, a, &day)
            .await
            .iter()
            .all(|s| s["available"] == 1)
    );

    // Booking a place leaves the others.
    let (s, booked) = book(
        &app,
        &office,
        json!({ "service_id": a, "start": list[2]["start"] }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{booked}");
    let after = slots(&app, &office, a, &day).await;
    assert_eq!(after[2]["available"], 0);
    assert_eq!(after[1]["available"], 1);

    // A closed date has no slots.
    let (s, _) = app
        .patch(
            &office.manager,
            &format!("/api/v1/branches/{}", office.branch_id),
            json!({ "appointments": { "closed_dates": [day] } }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(slots(&app, &office, a, &day).await.is_empty());

    // Not bookable: 409; another branch's or unknown service: 404.
    let path = |svc: i64, d: &str| {
        format!(
            "/api/v1/public/branches/{}/slots?service_id={svc}&day={d}",
            office.branch_id
        )
    };
    let (s, e) = public_get(&app, &path(office.services[1], &day)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_error(&e, "conflict");
    let (s, e) = public_get(&app, &path(999_999, &day)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    for bad in ["2030-02-30", "tomorrow", "2020-01-01", "2999-01-01"] {
        let (s, e) = public_get(&app, &path(a, bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
        assert_error(&e, "invalid");
    }
    let (s, e) = public_get(
        &app,
        &format!(
            "/api/v1/public/branches/{}/slots?day={day}",
            office.branch_id
        ),
    )
    .await;
    assert!(s.is_client_error(), "{e}");
    let (s, _) = public_get(&app, "/api/v1/public/branches/999999/booking").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}

/// Booking: the answer, the checks, the full slot, and events without
/// personal data or the code.
async fn booking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let a = setup(&app, &office, 0, 0).await; // capacity 2
    let day = tomorrow(&app, &office).await;
    let list = slots(&app, &office, a, &day).await;
    let start = list[0]["start"].clone();

    let (s, first) = book(
        &app,
        &office,
        // `phone` and `email`, as for remote tickets, are accepted too.
        json!({ "service_id": a, "start": start, "language": "pl",
                "phone": "+48 600 100 200", "email": "Anna@Example.org" }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let code = first["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 8);
    assert!(
        code.bytes()
            .all(|b| b"23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains(&b)),
        "{code}"
    );
    assert_eq!(first["status"], "booked");
    assert_eq!(first["time"], "08:00");
    assert_eq!(first["date"], day);
    assert_eq!(first["language"], "pl");
    assert_eq!(
        first["page_url"],
        format!("http://127.0.0.1/book/?code={code}")
    );
    assert!(first.get("contact_phone").is_none(), "{first}");

    let (s, second) = book(&app, &office, json!({ "service_id": a, "start": start })).await;
    assert_eq!(s, StatusCode::CREATED, "{second}");
    assert_ne!(second["code"], first["code"]);
    let events_before = app.event_count(office.branch_id).await;
    let (s, e) = book(&app, &office, json!({ "service_id": a, "start": start })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_error(&e, "conflict");

    let now = waitwell_server::now_ms();
    let bad = [
        json!({ "service_id": a, "start": start.as_i64().unwrap() + 60_000 }),
        json!({ "service_id": a, "start": now - 3_600_000 }),
        json!({ "service_id": a, "start": list[1]["start"], "language": "xx" }),
        json!({ "service_id": a, "start": list[1]["start"], "contact_phone": "call me" }),
        json!({ "service_id": a, "start": list[1]["start"], "contact_email": "anna" }),
        json!({ "service_id": a, "start": now + 400 * 86_400_000 }),
    ];
    for body in bad {
        let (s, e) = book(&app, &office, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {e}");
        assert_error(&e, "invalid");
    }
    let (s, e) = book(
        &app,
        &office,
        json!({ "service_id": office.services[1], "start": start }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, e) = book(
        &app,
        &office,
        json!({ "service_id": 999_999, "start": start }),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, e) = book(
        &app,
        &office,
        json!({ "service_id": a, "start": start, "name": "x" }),
    )
    .await;
    assert!(s.is_client_error(), "{e}");
    let (s, _, text) = app
        .send_raw(
            Method::POST,
            None,
            &format!("/api/v1/public/branches/{}/appointments", office.branch_id),
            &[],
            Some(("application/json", b"{".to_vec())),
        )
        .await;
    assert!(s.is_client_error(), "{text}");
    assert_eq!(app.event_count(office.branch_id).await, events_before);

    // Events: one per booking, without code, phone or e-mail.
    let events = payloads(&app, office.branch_id).await;
    let booked: Vec<&(String, String)> = events
        .iter()
        .filter(|(t, _)| t == "appointment.booked")
        .collect();
    assert_eq!(booked.len(), 2);
    for (_, payload) in &events {
        for secret in [code.as_str(), "600100200", "Anna@example.org"] {
            assert!(!payload.contains(secret), "event leaks {secret}: {payload}");
        }
    }

    // Staff see the contact details.
    let (s, list) = app
        .get(
            &office.clerks[0],
            &format!(
                "/api/v1/branches/{}/appointments?day={day}",
                office.branch_id
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["code"], code.as_str());
    // Stored as remote tickets store them: separators dropped, domain in
    // lower case.
    assert_eq!(rows[0]["contact_phone"], "+48600100200");
    assert_eq!(rows[0]["contact_email"], "Anna@example.org");
    assert_eq!(rows[0]["service_code"], "A");
    assert_eq!(rows[0]["status"], "booked");
    app.stop().await;
}

/// Many visitors booking the last place at once: exactly one gets it.
async fn concurrent_booking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let a = setup(&app, &office, 0, 50).await; // capacity 1
    let day = tomorrow(&app, &office).await;
    let start = slots(&app, &office, a, &day).await[0]["start"].clone();
    let path = format!("/api/v1/public/branches/{}/appointments", office.branch_id);
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let client = app.client.clone();
        let url = app.url(&path);
        let body = json!({ "service_id": a, "start": start });
        tasks.push(tokio::spawn(async move {
            client.post(url).json(&body).send().await.unwrap().status()
        }));
    }
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 1);
    let (_, list) = app
        .get(
            &office.manager,
            &format!(
                "/api/v1/branches/{}/appointments?day={day}",
                office.branch_id
            ),
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(slots(&app, &office, a, &day).await[0]["available"], 0);
    app.stop().await;
}

/// The visitor's view by code, its QR code, and cancelling, which frees
/// the place.
async fn view_and_cancel(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let a = setup(&app, &office, 0, 50).await;
    let booked = book_tomorrow(&app, &office, a).await;
    let code = booked["code"].as_str().unwrap();
    let day = booked["date"].as_str().unwrap().to_owned();
    assert_eq!(slots(&app, &office, a, &day).await[0]["available"], 0);

    let (s, v) = public_get(&app, &format!("/api/v1/public/appointments/{code}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v, booked);
    // Typed forgivingly.
    let spaced = format!("{}-{}", code[..4].to_lowercase(), &code[4..]);
    let (s, v2) = public_get(&app, &format!("/api/v1/public/appointments/{spaced}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v2["code"], code);

    let (s, headers, svg) = app
        .send_raw(
            Method::GET,
            None,
            &format!("/api/v1/public/appointments/{code}/qr.svg"),
            &[],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert_eq!(
        svg,
        waitwell_server::domain::visitor::qr_svg(booked["page_url"].as_str().unwrap()).unwrap()
    );

    for bad in ["ZZZZZZZZ", "0000", "x%20y"] {
        let (s, e) = public_get(&app, &format!("/api/v1/public/appointments/{bad}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{bad}: {e}");
        assert_error(&e, "not_found");
        let (s, _) = public_post(
            &app,
            &format!("/api/v1/public/appointments/{bad}/cancel"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }

    let (s, c) = public_post(
        &app,
        &format!("/api/v1/public/appointments/{code}/cancel"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["status"], "cancelled");
    assert_eq!(slots(&app, &office, a, &day).await[0]["available"], 1);
    let events = app.event_count(office.branch_id).await;
    let (s, c) = public_post(
        &app,
        &format!("/api/v1/public/appointments/{code}/cancel"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(app.event_count(office.branch_id).await, events);
    let types = app.event_types(office.branch_id).await;
    assert_eq!(
        types
            .iter()
            .filter(|(_, t)| t == "appointment.cancelled")
            .count(),
        1
    );

    // A cancelled booking does not check in.
    move_booking(&app, &office, code, 300).await;
    let (s, e) = check_in(&app, &office.kiosk, &office, code).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_error(&e, "conflict");
    app.stop().await;
}

/// Check-in on time: an appointment ticket queued from the slot start,
/// printed by the kiosk (its actor), once; the staff list shows it.
async fn check_in_on_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let a = setup(&app, &office, 0, 0).await;
    let booked = book_tomorrow(&app, &office, a).await;
    let code = booked["code"].as_str().unwrap();
    let start = move_booking(&app, &office, code, 600).await;

    // Displays and other branches' kiosks cannot check in.
    let (s, _) = check_in(&app, &office.display, &office, code).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = check_in(&app, &office.kiosk, &office, "nonsense").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_error(&e, "invalid");
    let (s, e) = check_in(&app, &office.kiosk, &office, "ZZZZZZZZ").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");

    // Scanned: the QR code's address.
    let (s, r) = check_in(
        &app,
        &office.kiosk,
        &office,
        booked["page_url"].as_str().unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["outcome"], "on_time");
    let ticket = &r["ticket"];
    assert_eq!(ticket["priority"], "appointment");
    assert_eq!(ticket["queued_at"], start);
    assert_eq!(ticket["service_id"], a);
    assert_eq!(ticket["language"], "pl");
    assert_eq!(ticket["number"], "A001");
    assert_eq!(r["appointment"]["status"], "checked_in");
    assert_eq!(r["appointment"]["ticket_number"], "A001");

    // Again (typed this time): the same ticket, nothing new.
    let events = app.event_count(office.branch_id).await;
    let (s, again) = check_in(&app, &office.kiosk, &office, &code.to_lowercase()).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["outcome"], "again");
    assert_eq!(again["ticket"]["id"], ticket["id"]);
    assert_eq!(app.event_count(office.branch_id).await, events);

    // The ticket event is the kiosk's (so its agent prints it), followed
    // by the check-in.
    let db = &app.state.db;
    let branch_id = office.branch_id;
    let rows: Result<Vec<(String, String, Option<i64>)>, AppError> = async {
        read!(db, |c| c
            .all(q("select type, actor, ticket_id from events where branch_id = $1 and type in ('ticket.issued', 'appointment.checked_in') order by seq").bind(branch_id))
            .await
            .map_err(AppError::from))
    }
    .await;
    let rows = rows.unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "ticket.issued");
    assert_eq!(rows[1].0, "appointment.checked_in");
    assert!(rows[0].1.starts_with("device:"));
    assert_eq!(rows[0].1, rows[1].1);
    assert_eq!(rows[1].2, ticket["id"].as_i64());

    // Cancelling a checked-in booking is refused.
    let (s, e) = public_post(
        &app,
        &format!("/api/v1/public/appointments/{code}/cancel"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");

    // Staff list of today, default day.
    let (s, list) = app
        .get(
            &office.clerks[0],
            &format!("/api/v1/branches/{}/appointments", office.branch_id),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status"], "checked_in");
    assert_eq!(rows[0]["ticket_number"], "A001");
    assert_eq!(rows[0]["ticket_status"], "waiting");
    let (s, _) = app
        .get(
            &office.display,
            &format!("/api/v1/branches/{}/appointments", office.branch_id),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = app
        .get(
            &office.manager,
            &format!(
                "/api/v1/branches/{}/appointments?day=23-11-2026",
                office.branch_id
            ),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    app.stop().await;
}

/// Queue places count from the appointment time: a visitor checking in a
/// little late is served before a walk-in who came before them; one who
/// comes two hours early waits behind the walk-in.
async fn queue_place(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let a = setup(&app, &office, 0, 0).await;
    let late = book_tomorrow(&app, &office, a).await;
    let early = book_tomorrow(&app, &office, a).await;
    let walk_in = app.issue(&office, a, "normal").await;
    let late_code = late["code"].as_str().unwrap();
    let early_code = early["code"].as_str().unwrap();
    move_booking(&app, &office, late_code, -120).await;
    move_booking(&app, &office, early_code, 2 * 3600).await;
    let (s, l) = check_in(&app, &office.kiosk, &office, late_code).await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    assert_eq!(l["outcome"], "late");
    assert_eq!(l["ticket"]["priority"], "appointment");
    let (s, e) = check_in(&app, &office.kiosk, &office, early_code).await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    assert_eq!(e["outcome"], "on_time");

    app.open_desk(&office, 0).await;
    let (s, queue) = app
        .get(
            &office.clerks[0],
            &format!("/api/v1/branches/{}/queue", office.branch_id),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{queue}");
    let order: Vec<i64> = queue["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["ticket_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            l["ticket"]["id"].as_i64().unwrap(),
            walk_in["id"].as_i64().unwrap(),
            e["ticket"]["id"].as_i64().unwrap()
        ]
    );
    let (s, called) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/call-next", office.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{called}");
    assert_eq!(called["id"], l["ticket"]["id"]);
    app.stop().await;
}

/// Later than the grace period: `walk_in` issues a normal ticket queued
/// from now; `refuse` issues nothing and changes nothing. Another day's
/// booking does not check in today.
async fn late_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let a = setup(&app, &office, 0, 0).await;
    let one = book_tomorrow(&app, &office, a).await;
    let two = book_tomorrow(&app, &office, a).await;
    let tomorrow_code = book_tomorrow(&app, &office, a).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let one_code = one["code"].as_str().unwrap();
    let two_code = two["code"].as_str().unwrap();
    move_booking(&app, &office, one_code, -1200).await; // grace is 600 s
    move_booking(&app, &office, two_code, -1200).await;

    let before = waitwell_server::now_ms();
    let (s, r) = check_in(&app, &office.kiosk, &office, one_code).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["outcome"], "walk_in");
    assert_eq!(r["ticket"]["priority"], "normal");
    assert!(r["ticket"]["queued_at"].as_i64().unwrap() >= before);

    let (s, b) = app
        .patch(
            &office.manager,
            &format!("/api/v1/branches/{}", office.branch_id),
            json!({ "appointments": { "late_policy": "refuse" } }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let events = app.event_count(office.branch_id).await;
    let (s, e) = check_in(&app, &office.kiosk, &office, two_code).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_error(&e, "conflict");
    assert_eq!(app.event_count(office.branch_id).await, events);
    let (_, v) = public_get(&app, &format!("/api/v1/public/appointments/{two_code}")).await;
    assert_eq!(v["status"], "booked");
    assert_eq!(v["ticket_number"], Value::Null);

    // Within a longer grace period the same visitor is on time again.
    let (s, _) = app
        .patch(
            &office.manager,
            &format!("/api/v1/branches/{}", office.branch_id),
            json!({ "appointments": { "grace_s": 1800 } }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, r) = check_in(&app, &office.kiosk, &office, two_code).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["outcome"], "late");
    assert_eq!(r["ticket"]["priority"], "appointment");

    let (s, e) = check_in(&app, &office.kiosk, &office, &tomorrow_code).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap().contains("not today"), "{e}");
    app.stop().await;
}

/// The booking page and its OpenAPI entries are served.
async fn page_and_openapi(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, _, html) = app.send_raw(Method::GET, None, "/book/", &[], None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("book.js"), "{html}");
    let (s, doc) = public_get(&app, "/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    for path in [
        "/api/v1/public/branches/{id}/booking",
        "/api/v1/public/branches/{id}/slots",
        "/api/v1/public/branches/{id}/appointments",
        "/api/v1/public/appointments/{code}",
        "/api/v1/public/appointments/{code}/cancel",
        "/api/v1/public/appointments/{code}/qr.svg",
        "/api/v1/branches/{id}/appointments/check-in",
        "/api/v1/branches/{id}/appointments",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    app.stop().await;
}

/// After the day of a booking, the day-end job marks it missed unless it
/// was checked in or cancelled: once, with an event, and it can no longer
/// be cancelled.
async fn missed_after_the_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let a = setup(&app, &office, 0, 50).await;
    let kept = book_tomorrow(&app, &office, a).await;
    let cancelled = book_tomorrow(&app, &office, a).await;
    let code = kept["code"].as_str().unwrap();
    let gone = cancelled["code"].as_str().unwrap();
    let (s, _) = public_post(
        &app,
        &format!("/api/v1/public/appointments/{gone}/cancel"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // Tomorrow itself is not over yet: nothing changes.
    let now = waitwell_server::now_ms();
    waitwell_server::expire_all(&app.state.db, now + 86_400_000)
        .await
        .unwrap();
    let (_, v) = public_get(&app, &format!("/api/v1/public/appointments/{code}")).await;
    assert_eq!(v["status"], "booked", "{v}");

    // Two days on, the booking's day is past.
    let later = now + 2 * 86_400_000 + 3_600_000;
    waitwell_server::expire_all(&app.state.db, later)
        .await
        .unwrap();
    let (_, v) = public_get(&app, &format!("/api/v1/public/appointments/{code}")).await;
    assert_eq!(v["status"], "missed", "{v}");
    let (_, v) = public_get(&app, &format!("/api/v1/public/appointments/{gone}")).await;
    assert_eq!(v["status"], "cancelled", "{v}");
    let missed = |events: &[(String, String)]| {
        events
            .iter()
            .filter(|(kind, _)| kind == "appointment.missed")
            .count()
    };
    let events = payloads(&app, office.branch_id).await;
    assert_eq!(missed(&events), 1);
    let (_, payload) = events
        .iter()
        .find(|(kind, _)| kind == "appointment.missed")
        .unwrap();
    assert!(payload.contains("\"status\":\"missed\""), "{payload}");

    // Once only, and a missed booking cannot be cancelled any more.
    waitwell_server::expire_all(&app.state.db, later + 60_000)
        .await
        .unwrap();
    assert_eq!(missed(&payloads(&app, office.branch_id).await), 1);
    let (s, e) = public_post(
        &app,
        &format!("/api/v1/public/appointments/{code}/cancel"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("nobody checked in"),
        "{e}"
    );
    let (s, e) = check_in(&app, &office.kiosk, &office, code).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap().contains("missed"), "{e}");
    let report = app.verify_chain(office.branch_id).await;
    assert_eq!(report.broken, None);
    app.stop().await;
}

/// One client address may book `bookings_per_minute` slots a minute; the
/// next attempt is a 429 with Retry-After that books nothing, and a
/// rejected booking (bad phone) does not count.
async fn booking_rate_limited(backend: Backend) {
    let app = TestApp::spawn_tuned(backend, |c| c.bookings_per_minute = 2).await;
    let office = app.office(2).await;
    let a = setup(&app, &office, 0, 0).await;
    let day = tomorrow(&app, &office).await;
    let list = slots(&app, &office, a, &day).await;
    let (s, e) = book(
        &app,
        &office,
        json!({ "service_id": a, "start": list[0]["start"], "phone": "12" }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    for slot in &list[..2] {
        let (s, b) = book(
            &app,
            &office,
            json!({ "service_id": a, "start": slot["start"] }),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let before = app.event_count(office.branch_id).await;
    let (s, headers, body) = app
        .send_raw(
            Method::POST,
            None,
            &format!("/api/v1/public/branches/{}/appointments", office.branch_id),
            &[],
            Some((
                "application/json",
                json!({ "service_id": a, "start": list[2]["start"] })
                    .to_string()
                    .into_bytes(),
            )),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_error(&body, "rate_limited");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(app.event_count(office.branch_id).await, before);
    assert_eq!(
        slots(&app, &office, a, &day).await[2]["available"],
        list[2]["available"]
    );
    app.stop().await;
}

/// A lookup by booking code from the client at `from` (X-Forwarded-For;
/// the server trusts it in this test): status, headers, body.
async fn lookup_from(
    app: &TestApp,
    method: Method,
    path: &str,
    from: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    app.send_raw(
        method,
        token,
        path,
        &[("X-Forwarded-For", from)],
        body.map(|b| ("application/json", b.to_string().into_bytes())),
    )
    .await
}

/// Guessing booking codes: every lookup by code (the booking page, its QR
/// code, cancelling) counts against the client's budget, found or not;
/// past it the answer is 429 with Retry-After, even for a real code.
/// Another address is not affected; IPv6 clients count per /64. Check-ins
/// by code have a budget of their own, limited the same way.
async fn code_lookups_rate_limited(backend: Backend) {
    let app = TestApp::spawn_tuned(backend, |c| {
        c.code_lookups_per_minute = 5;
        c.trust_forwarded_for = true;
    })
    .await;
    let office = app.office(2).await;
    let a = setup(&app, &office, 0, 0).await;
    let booked = book_tomorrow(&app, &office, a).await;
    let code = booked["code"].as_str().unwrap().to_owned();
    let real = format!("/api/v1/public/appointments/{code}");

    // A guesser hammers the lookup with codes of the right shape.
    let guesser = "198.51.100.7";
    let mut answers = Vec::new();
    for i in 0..40 {
        let code = format!("ZZZZ{i:04}").replace('0', "2").replace('1', "3");
        let guess = format!("/api/v1/public/appointments/{code}");
        let (s, h, body) = lookup_from(&app, Method::GET, &guess, guesser, None, None).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_error(&body, "rate_limited");
            let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&retry), "{retry}");
        } else {
            assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
        }
        answers.push(s);
    }
    let looked_up = answers
        .iter()
        .take_while(|s| **s != StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(looked_up, 5, "{answers:?}");
    assert!(
        answers[5..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{answers:?}"
    );
    // Limited means limited: the real code, its QR code and cancelling too.
    for (method, path) in [
        (Method::GET, real.clone()),
        (Method::GET, format!("{real}/qr.svg")),
        (Method::POST, format!("{real}/cancel")),
    ] {
        let (s, _, body) = lookup_from(&app, method, &path, guesser, None, None).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{path}: {body}");
    }

    // Another address is not affected, and the booking is intact.
    let (s, _, body) = lookup_from(&app, Method::GET, &real, "203.0.113.9", None, None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let view: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(view["status"], "booked", "{view}");
    let (s, _, _) = lookup_from(
        &app,
        Method::GET,
        &format!("{real}/qr.svg"),
        "203.0.113.9",
        None,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // IPv6: one budget per /64.
    for i in 0..5 {
        let from = format!("2001:db8:1:2::{:x}", i + 1);
        let (s, _, body) = lookup_from(&app, Method::GET, &real, &from, None, None).await;
        assert_eq!(s, StatusCode::OK, "{from}: {body}");
    }
    let (s, _, _) = lookup_from(&app, Method::GET, &real, "2001:db8:1:2:ffff::9", None, None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "same /64");
    let (s, _, _) = lookup_from(&app, Method::GET, &real, "2001:db8:1:3::1", None, None).await;
    assert_eq!(s, StatusCode::OK, "another /64");

    // Check-in by code: the kiosk's own budget (the guesser's address has
    // used up only its lookups), limited the same way.
    let path = format!(
        "/api/v1/branches/{}/appointments/check-in",
        office.branch_id
    );
    let mut answers = Vec::new();
    for i in 0..12 {
        let guess = json!({ "code": format!("YYYY{:04}", i).replace('0', "2").replace('1', "3") });
        let (s, _, body) = lookup_from(
            &app,
            Method::POST,
            &path,
            guesser,
            Some(&office.kiosk),
            Some(guess),
        )
        .await;
        assert!(
            s == StatusCode::NOT_FOUND || s == StatusCode::TOO_MANY_REQUESTS,
            "{s} {body}"
        );
        answers.push(s);
    }
    assert_eq!(
        answers
            .iter()
            .filter(|s| **s == StatusCode::NOT_FOUND)
            .count(),
        5,
        "{answers:?}"
    );
    assert_eq!(answers[5], StatusCode::TOO_MANY_REQUESTS, "{answers:?}");
    app.stop().await;
}

backend_tests!(
    settings,
    slots_and_capacity,
    booking,
    concurrent_booking,
    view_and_cancel,
    check_in_on_time,
    queue_place,
    late_rules,
    page_and_openapi,
    missed_after_the_day,
    booking_rate_limited,
    code_lookups_rate_limited,
);
