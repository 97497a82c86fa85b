//! Tickets over the REST API: issuing, idempotency, the desk lifecycle,
//! illegal transitions, the queue view and its policy, stats, the event log
//! and day-end expiry; plus the OpenAPI document, /healthz and /metrics.

mod common;

use std::collections::BTreeSet;

use common::{Backend, Office, TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use waitwell_server::error::AppError;
use waitwell_server::store::{Exec as _, q, write};

const DAY_MS: i64 = 86_400_000;

fn tickets_path(office: &Office) -> String {
    format!("/api/v1/branches/{}/tickets", office.branch_id)
}

async fn get_ticket(app: &TestApp, office: &Office, id: &Value) -> Value {
    let (s, t) = app
        .get(&office.manager, &format!("/api/v1/tickets/{id}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    t
}

async fn get_desk(app: &TestApp, office: &Office, i: usize) -> Value {
    let (s, d) = app
        .get(
            &office.manager,
            &format!("/api/v1/desks/{}", office.desks[i]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    d
}

/// Types of the events appended since `from` events.
async fn new_types(app: &TestApp, branch_id: i64, from: usize) -> Vec<String> {
    app.event_types(branch_id)
        .await
        .into_iter()
        .skip(from)
        .map(|(_, t)| t)
        .collect()
}

fn desk_path(office: &Office, i: usize, action: &str) -> String {
    format!("/api/v1/desks/{}/{action}", office.desks[i])
}

/// Issuing: 201, numbers per service, position and estimated wait; bad
/// priority or language 422 without a trace.
async fn issue_numbers_and_estimates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let (a, b) = (office.services[0], office.services[1]);
    let t1 = app.issue(&office, a, "normal").await;
    assert_eq!(t1["number"], "A001");
    assert_eq!(t1["status"], "waiting");
    assert_eq!(t1["priority"], "normal");
    assert_eq!(t1["service_id"], a);
    assert_eq!(t1["branch_id"], office.branch_id);
    assert_eq!(t1["call_count"], 0);
    assert_eq!(t1["language"], Value::Null);
    assert_eq!(t1["position"], 0);
    assert_eq!(t1["estimated_wait_s"], 0);
    assert_eq!(t1["issued_at"], t1["queued_at"]);
    assert!(t1["id"].as_i64().unwrap() > 0);
    let t2 = app.issue(&office, a, "normal").await;
    assert_eq!(t2["number"], "A002");
    assert_eq!(t2["position"], 1);
    // No desk open counts as one desk; expected service time 300 s.
    assert_eq!(t2["estimated_wait_s"], 300);
    let b1 = app.issue(&office, b, "normal").await;
    assert_eq!(b1["number"], "B001");
    assert_eq!(b1["position"], 0);
    app.open_desk(&office, 0).await;
    app.open_desk(&office, 1).await;
    let t3 = app.issue(&office, a, "normal").await;
    assert_eq!(t3["number"], "A003");
    assert_eq!(t3["position"], 2);
    assert_eq!(
        t3["estimated_wait_s"], 300,
        "2 ahead x 300 s / 2 open desks"
    );
    // A priority ticket counts 10 min earlier: nobody ahead.
    let p = app.issue(&office, a, "priority").await;
    assert_eq!(p["number"], "A004");
    assert_eq!(p["priority"], "priority");
    assert_eq!(p["position"], 0);
    let (s, ap) = app
        .post(
            &office.kiosk,
            &tickets_path(&office),
            json!({ "service_id": b, "priority": "appointment", "language": "pl" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{ap}");
    assert_eq!(ap["number"], "B002");
    assert_eq!(ap["language"], "pl");
    // Staff issue too.
    let (s, st) = app
        .post(
            &office.clerks[0],
            &tickets_path(&office),
            json!({ "service_id": a }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{st}");
    assert_eq!(st["number"], "A005");
    // GET shows the same position as the queue now stands.
    let got = get_ticket(&app, &office, &t2["id"]).await;
    assert_eq!(got["number"], "A002");
    assert_eq!(got["position"], 2, "A004 (priority) and A001 are ahead");
    assert_eq!(got["estimated_wait_s"], 300);

    // Rejected requests leave no trace and use no number.
    let (s, _) = app
        .patch(
            &office.manager,
            &format!("/api/v1/services/{a}"),
            json!({ "priority_allowed": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let before = app.event_count(office.branch_id).await;
    let (s, body) = app
        .post(
            &office.kiosk,
            &tickets_path(&office),
            json!({ "service_id": a, "priority": "priority" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "invalid");
    assert_eq!(body["message"], "service A does not offer priority tickets");
    let (s, body) = app
        .post(
            &office.kiosk,
            &tickets_path(&office),
            json!({ "service_id": a, "language": "de" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "invalid");
    let (s, body) = app
        .post(
            &office.kiosk,
            &tickets_path(&office),
            json!({ "service_id": a, "priority": "vip" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, body) = app
        .post(
            &office.kiosk,
            &tickets_path(&office),
            json!({ "service_id": 999_999 }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
    assert_eq!(app.event_count(office.branch_id).await, before);
    // Appointment tickets are still allowed; numbering continues at A006.
    let t = app.issue(&office, a, "appointment").await;
    assert_eq!(t["number"], "A006");
    let b3 = app.issue(&office, b, "normal").await;
    assert_eq!(b3["number"], "B003");
    app.stop().await;
}

/// The same Idempotency-Key returns the same ticket with 200 and issues
/// nothing; with another service it is 409.
async fn idempotency_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let (a, b) = (office.services[0], office.services[1]);
    let (s, first) = app
        .issue_keyed(&office, json!({ "service_id": a }), "kiosk-7:0001")
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["number"], "A001");
    let events = app.event_count(office.branch_id).await;
    let (s, again) = app
        .issue_keyed(&office, json!({ "service_id": a }), "kiosk-7:0001")
        .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["number"], "A001");
    assert_eq!(again["issued_at"], first["issued_at"]);
    assert_eq!(app.event_count(office.branch_id).await, events);

    let (s, body) = app
        .issue_keyed(&office, json!({ "service_id": b }), "kiosk-7:0001")
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict");
    assert_eq!(app.event_count(office.branch_id).await, events);

    for bad in ["x".repeat(129), "has space".to_owned()] {
        let (s, body) = app
            .issue_keyed(&office, json!({ "service_id": a }), &bad)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_error(&body, "invalid");
    }
    assert_eq!(app.event_count(office.branch_id).await, events);

    let next = app.issue(&office, a, "normal").await;
    assert_eq!(next["number"], "A002", "a replay used up a number");
    let (s, other) = app
        .issue_keyed(&office, json!({ "service_id": a }), "kiosk-7:0002")
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(other["number"], "A003");
    let b1 = app.issue(&office, b, "normal").await;
    assert_eq!(b1["number"], "B001", "the rejected replay used a B number");

    // Keys are per branch.
    let two = app.office(1).await;
    let (s, t) = app
        .issue_keyed(
            &two,
            json!({ "service_id": two.services[0] }),
            "kiosk-7:0001",
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_ne!(t["id"], first["id"]);
    app.stop().await;
}

/// call-next → recall → start → finish, with the ticket, desk and events at
/// every step.
async fn full_lifecycle(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let clerk = &office.clerks[0];
    let clerk_id = app.user_id(clerk).await;
    let t = app.issue(&office, office.services[0], "normal").await;
    let from = app.event_count(office.branch_id).await;
    app.open_desk(&office, 0).await;

    let (s, called) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(s, StatusCode::OK, "{called}");
    assert_eq!(called["id"], t["id"]);
    assert_eq!(called["status"], "called");
    assert_eq!(called["desk_id"], office.desks[0]);
    assert_eq!(called["called_by"], clerk_id);
    assert_eq!(called["call_count"], 1);
    assert_eq!(called["out_of_turn_reason"], Value::Null);
    assert!(called["called_at"].as_i64().is_some());
    assert_eq!(
        get_desk(&app, &office, 0).await["current_ticket_id"],
        t["id"]
    );

    let (s, recalled) = app
        .post_empty(clerk, &desk_path(&office, 0, "recall"))
        .await;
    assert_eq!(s, StatusCode::OK, "{recalled}");
    assert_eq!(recalled["status"], "called");
    assert_eq!(recalled["call_count"], 2);
    let (s, serving) = app.post_empty(clerk, &desk_path(&office, 0, "start")).await;
    assert_eq!(s, StatusCode::OK, "{serving}");
    assert_eq!(serving["status"], "serving");
    assert!(serving["started_at"].as_i64().is_some());
    let (s, done) = app
        .post(
            clerk,
            &desk_path(&office, 0, "finish"),
            json!({ "outcome": "passport handed over" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "done");
    assert_eq!(done["outcome"], "passport handed over");
    assert!(done["finished_at"].as_i64().unwrap() >= done["started_at"].as_i64().unwrap());
    let got = get_ticket(&app, &office, &t["id"]).await;
    assert_eq!(got["status"], "done");
    assert_eq!(got["call_count"], 2);
    assert_eq!(got["position"], Value::Null);
    assert_eq!(
        get_desk(&app, &office, 0).await["current_ticket_id"],
        Value::Null
    );
    assert_eq!(
        new_types(&app, office.branch_id, from).await,
        [
            "desk.opened",
            "ticket.called",
            "ticket.recalled",
            "ticket.started",
            "ticket.finished"
        ]
    );

    // Finish without a body and straight from "called" works too.
    app.issue(&office, office.services[0], "normal").await;
    let (s, _) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, done) = app
        .post_empty(clerk, &desk_path(&office, 0, "finish"))
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "done");
    assert_eq!(done["outcome"], Value::Null);

    // Nobody waits: 204 with no body, and nothing recorded.
    let before = app.event_count(office.branch_id).await;
    let (s, body) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::Null);
    assert_eq!(app.event_count(office.branch_id).await, before);
    let report = app.verify_chain(office.branch_id).await;
    assert_eq!(report.broken, None);
    assert_eq!(report.events, i64::try_from(before).unwrap());
    app.stop().await;
}

/// No-show, cancel (waiting and called), and park then call out of turn.
async fn no_show_cancel_park(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let clerk = &office.clerks[0];
    let a = office.services[0];
    let t1 = app.issue(&office, a, "normal").await;
    let t2 = app.issue(&office, a, "normal").await;
    let t3 = app.issue(&office, a, "normal").await;
    let t4 = app.issue(&office, a, "normal").await;
    app.open_desk(&office, 0).await;

    let (_, c) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(c["id"], t1["id"]);
    let (s, ns) = app
        .post_empty(clerk, &desk_path(&office, 0, "no-show"))
        .await;
    assert_eq!(s, StatusCode::OK, "{ns}");
    assert_eq!(ns["status"], "no_show");
    assert_eq!(
        get_desk(&app, &office, 0).await["current_ticket_id"],
        Value::Null
    );

    // Cancel a waiting ticket: gone from the queue, cannot be cancelled twice.
    let from = app.event_count(office.branch_id).await;
    let (s, cancelled) = app
        .post_empty(
            &office.manager,
            &format!("/api/v1/tickets/{}/cancel", t3["id"]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled["finished_at"].as_i64().is_some());
    assert_eq!(
        new_types(&app, office.branch_id, from).await,
        ["ticket.cancelled"]
    );
    let before = app.event_count(office.branch_id).await;
    let (s, body) = app
        .post_empty(
            &office.manager,
            &format!("/api/v1/tickets/{}/cancel", t3["id"]),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict");
    let (s, _) = app
        .post_empty(
            &office.manager,
            &format!("/api/v1/tickets/{}/cancel", t1["id"]),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a no-show was cancelled");
    assert_eq!(app.event_count(office.branch_id).await, before);
    let (_, queue) = app
        .get(
            &office.manager,
            &format!("/api/v1/branches/{}/queue", office.branch_id),
        )
        .await;
    let numbers: Vec<&str> = queue["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["A002", "A004"]);

    // Park A002; it leaves the waiting list for the parked list.
    let (_, c) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(c["id"], t2["id"]);
    let (s, parked) = app.post_empty(clerk, &desk_path(&office, 0, "park")).await;
    assert_eq!(s, StatusCode::OK, "{parked}");
    assert_eq!(parked["status"], "parked");
    assert_eq!(
        get_desk(&app, &office, 0).await["current_ticket_id"],
        Value::Null
    );
    let (_, queue) = app
        .get(
            &office.display,
            &format!("/api/v1/branches/{}/queue", office.branch_id),
        )
        .await;
    let waiting: Vec<&str> = queue["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["number"].as_str().unwrap())
        .collect();
    assert_eq!(waiting, ["A004"]);
    let parked_list = queue["parked"].as_array().unwrap();
    assert_eq!(parked_list.len(), 1);
    assert_eq!(parked_list[0]["id"], t2["id"]);
    assert_eq!(parked_list[0]["status"], "parked");

    // Calling a specific ticket needs a reason.
    let before = app.event_count(office.branch_id).await;
    let call = desk_path(&office, 0, "call");
    for bad in [
        json!({ "ticket_id": t2["id"], "reason": "" }),
        json!({ "ticket_id": t2["id"], "reason": "   " }),
    ] {
        let (s, body) = app.post(clerk, &call, bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_error(&body, "invalid");
    }
    let (s, body) = app
        .post(clerk, &call, json!({ "ticket_id": t2["id"] }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "invalid");
    assert_eq!(app.event_count(office.branch_id).await, before);
    assert_eq!(
        get_ticket(&app, &office, &t2["id"]).await["status"],
        "parked"
    );

    let (s, recalled) = app
        .post(
            clerk,
            &call,
            json!({ "ticket_id": t2["id"], "reason": "came back with documents" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{recalled}");
    assert_eq!(recalled["status"], "called");
    assert_eq!(recalled["call_count"], 2);
    assert_eq!(recalled["out_of_turn_reason"], "came back with documents");
    let (s, done) = app
        .post_empty(clerk, &desk_path(&office, 0, "finish"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(done["status"], "done");
    assert_eq!(
        new_types(&app, office.branch_id, before).await,
        ["ticket.called", "ticket.finished"]
    );

    // Cancelling a called ticket frees the desk.
    let (_, c) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(c["id"], t4["id"]);
    let (s, cancelled) = app
        .post_empty(
            &office.manager,
            &format!("/api/v1/tickets/{}/cancel", t4["id"]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cancelled}");
    assert_eq!(
        get_desk(&app, &office, 0).await["current_ticket_id"],
        Value::Null
    );
    let (s, _) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    app.stop().await;
}

/// A transfer keeps number and issue time; the old ticket is "transferred".
async fn transfer_keeps_number(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let clerk = &office.clerks[0];
    let (a, b, c) = (office.services[0], office.services[1], office.services[2]);
    app.issue(&office, b, "normal").await;
    let t = app.issue(&office, a, "normal").await;
    app.open_desk(&office, 0).await;
    let (s, called) = app
        .post(
            clerk,
            &desk_path(&office, 0, "call"),
            json!({ "ticket_id": t["id"], "reason": "wrong queue" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{called}");
    let (s, _) = app.post_empty(clerk, &desk_path(&office, 0, "start")).await;
    assert_eq!(s, StatusCode::OK);

    // Rejected transfers leave the ticket at the desk.
    let before = app.event_count(office.branch_id).await;
    let (s, body) = app
        .post(
            clerk,
            &desk_path(&office, 0, "transfer"),
            json!({ "service_id": a }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, body) = app
        .post(
            clerk,
            &desk_path(&office, 0, "transfer"),
            json!({ "service_id": 999_999 }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, _) = app
        .patch(
            &office.manager,
            &format!("/api/v1/services/{c}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let before = before + 1;
    let (s, body) = app
        .post(
            clerk,
            &desk_path(&office, 0, "transfer"),
            json!({ "service_id": c }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let (s, body) = app
        .post(clerk, &desk_path(&office, 0, "transfer"), json!({}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(app.event_count(office.branch_id).await, before);
    assert_eq!(
        get_ticket(&app, &office, &t["id"]).await["status"],
        "serving"
    );
    assert_eq!(
        get_desk(&app, &office, 0).await["current_ticket_id"],
        t["id"]
    );

    let (s, moved) = app
        .post(
            clerk,
            &desk_path(&office, 0, "transfer"),
            json!({ "service_id": b }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_ne!(moved["id"], t["id"]);
    assert_eq!(moved["number"], "A001");
    assert_eq!(moved["issued_at"], t["issued_at"]);
    assert_eq!(moved["service_id"], b);
    assert_eq!(moved["status"], "waiting");
    assert_eq!(moved["transferred_from"], t["id"]);
    assert_eq!(moved["call_count"], 0);
    assert_eq!(moved["desk_id"], Value::Null);
    assert!(moved["queued_at"].as_i64().unwrap() >= t["queued_at"].as_i64().unwrap());
    assert_eq!(moved["position"], 1, "B001 was queued before the transfer");
    let old = get_ticket(&app, &office, &t["id"]).await;
    assert_eq!(old["status"], "transferred");
    assert!(old["finished_at"].as_i64().is_some());
    assert_eq!(
        get_desk(&app, &office, 0).await["current_ticket_id"],
        Value::Null
    );
    assert_eq!(
        new_types(&app, office.branch_id, before).await,
        ["ticket.transferred", "ticket.issued"]
    );

    // The transferred visitor is called as A001 in service B by another desk.
    app.open_desk(&office, 1).await;
    let (_, first) = app
        .post_empty(&office.clerks[1], &desk_path(&office, 1, "call-next"))
        .await;
    assert_eq!(first["number"], "B001");
    let (_, _) = app
        .post_empty(&office.clerks[1], &desk_path(&office, 1, "finish"))
        .await;
    let (_, second) = app
        .post_empty(&office.clerks[1], &desk_path(&office, 1, "call-next"))
        .await;
    assert_eq!(second["id"], moved["id"]);
    assert_eq!(second["number"], "A001");
    // Issuing in A continues after the transferred number.
    assert_eq!(app.issue(&office, a, "normal").await["number"], "A002");
    app.stop().await;
}

/// Illegal desk actions are 409 and change nothing.
async fn illegal_transitions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let other = app.office(1).await;
    let clerk = &office.clerks[0];
    let b = office.branch_id;
    let t1 = app.issue(&office, office.services[0], "normal").await;
    let t2 = app.issue(&office, office.services[0], "normal").await;
    let foreign = app.issue(&other, other.services[0], "normal").await;
    app.open_desk(&office, 0).await;

    let expect_409 = |s: StatusCode, body: &Value, what: &str| {
        assert_eq!(s, StatusCode::CONFLICT, "{what}: {body}");
        assert_error(body, "conflict");
    };
    let mut before = app.event_count(b).await;
    let desk_before = get_desk(&app, &office, 0).await;
    for action in ["start", "finish", "recall", "no-show", "park"] {
        let (s, body) = app.post_empty(clerk, &desk_path(&office, 0, action)).await;
        expect_409(s, &body, action);
        assert_eq!(body["message"], "Desk 1 has no current ticket", "{action}");
    }
    let (s, body) = app
        .post(
            clerk,
            &desk_path(&office, 0, "transfer"),
            json!({ "service_id": office.services[1] }),
        )
        .await;
    expect_409(s, &body, "transfer");
    assert_eq!(app.event_count(b).await, before);
    assert_eq!(get_desk(&app, &office, 0).await, desk_before);

    let (s, called) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(called["id"], t1["id"]);
    before += 1;
    let (s, body) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    expect_409(s, &body, "call-next while busy");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("still has ticket"),
        "{body}"
    );
    let (s, body) = app
        .post(
            clerk,
            &desk_path(&office, 0, "call"),
            json!({ "ticket_id": t2["id"], "reason": "urgent" }),
        )
        .await;
    expect_409(s, &body, "call while busy");
    let (s, body) = app.post_empty(clerk, &desk_path(&office, 0, "close")).await;
    expect_409(s, &body, "close with a ticket");
    assert_eq!(app.event_count(b).await, before);
    assert_eq!(
        get_ticket(&app, &office, &t2["id"]).await["status"],
        "waiting"
    );
    assert_eq!(get_desk(&app, &office, 0).await["status"], "open");

    let (s, _) = app.post_empty(clerk, &desk_path(&office, 0, "start")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.post_empty(clerk, &desk_path(&office, 0, "start")).await;
    assert_eq!(s, StatusCode::CONFLICT, "started twice");
    let (s, body) = app
        .post_empty(clerk, &desk_path(&office, 0, "no-show"))
        .await;
    expect_409(s, &body, "no-show while serving");
    let (s, _) = app
        .post_empty(clerk, &desk_path(&office, 0, "finish"))
        .await;
    assert_eq!(s, StatusCode::OK);
    before += 2;
    let (s, body) = app
        .post_empty(clerk, &desk_path(&office, 0, "finish"))
        .await;
    expect_409(s, &body, "finish twice");
    let done = get_ticket(&app, &office, &t1["id"]).await;
    assert_eq!(done["status"], "done");
    // A finished ticket cannot be called or cancelled again.
    let (s, body) = app
        .post(
            clerk,
            &desk_path(&office, 0, "call"),
            json!({ "ticket_id": t1["id"], "reason": "again" }),
        )
        .await;
    expect_409(s, &body, "call a done ticket");
    let (s, body) = app
        .post_empty(
            &office.manager,
            &format!("/api/v1/tickets/{}/cancel", t1["id"]),
        )
        .await;
    expect_409(s, &body, "cancel a done ticket");
    // Another branch's ticket is not found from this desk.
    let (s, body) = app
        .post(
            clerk,
            &desk_path(&office, 0, "call"),
            json!({ "ticket_id": foreign["id"], "reason": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, _) = app
        .post(
            clerk,
            &desk_path(&office, 0, "call"),
            json!({ "ticket_id": 999_999, "reason": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(app.event_count(b).await, before);
    assert_eq!(get_ticket(&app, &office, &t1["id"]).await, done);
    assert_eq!(
        get_ticket(&app, &other, &foreign["id"]).await["status"],
        "waiting"
    );

    // A closed desk cannot call or pause.
    let closed_before = get_desk(&app, &office, 1).await;
    assert_eq!(closed_before["status"], "closed");
    let c2 = &office.clerks[1];
    let (s, body) = app
        .post_empty(c2, &desk_path(&office, 1, "call-next"))
        .await;
    expect_409(s, &body, "call-next on a closed desk");
    assert_eq!(
        body["message"],
        "Desk 2 is closed: open it to call visitors"
    );
    let (s, body) = app
        .post(
            c2,
            &desk_path(&office, 1, "call"),
            json!({ "ticket_id": t2["id"], "reason": "x" }),
        )
        .await;
    expect_409(s, &body, "call on a closed desk");
    let (s, body) = app
        .post(
            c2,
            &desk_path(&office, 1, "pause"),
            json!({ "reason": "coffee" }),
        )
        .await;
    expect_409(s, &body, "pause on a closed desk");
    assert_eq!(body["message"], "Desk 2 is closed; open it first");
    assert_eq!(app.event_count(b).await, before);
    assert_eq!(get_desk(&app, &office, 1).await, closed_before);
    assert_eq!(
        get_ticket(&app, &office, &t2["id"]).await["status"],
        "waiting"
    );
    app.stop().await;
}

/// Pausing needs a reason; a paused desk calls nobody until reopened.
async fn pause_needs_reason(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let clerk = &office.clerks[0];
    app.issue(&office, office.services[0], "normal").await;
    app.open_desk(&office, 0).await;
    let before = app.event_count(office.branch_id).await;
    for bad in [
        json!({}),
        json!({ "reason": "" }),
        json!({ "reason": " \t " }),
        json!({ "reason": "x".repeat(201) }),
    ] {
        let (s, body) = app
            .post(clerk, &desk_path(&office, 0, "pause"), bad.clone())
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_error(&body, "invalid");
    }
    let (s, body) = app.post_empty(clerk, &desk_path(&office, 0, "pause")).await;
    assert!(s.is_client_error(), "{s}: {body}");
    assert_eq!(app.event_count(office.branch_id).await, before);
    assert_eq!(get_desk(&app, &office, 0).await["status"], "open");

    let (s, d) = app
        .post(
            clerk,
            &desk_path(&office, 0, "pause"),
            json!({ "reason": "lunch" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["status"], "paused");
    assert_eq!(d["pause_reason"], "lunch");
    assert_eq!(
        new_types(&app, office.branch_id, before).await,
        ["desk.paused"]
    );
    let (s, body) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["message"],
        "Desk 1 is paused: open it to call visitors"
    );
    let (s, d) = app.post_empty(clerk, &desk_path(&office, 0, "open")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["status"], "open");
    assert_eq!(d["pause_reason"], Value::Null);
    let (s, _) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(s, StatusCode::OK);
    app.stop().await;
}

/// The branch-wide queue view: policy order with reasons, priority ahead of
/// an older normal ticket, per-service summary, parked list.
async fn queue_view_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let (a, b) = (office.services[0], office.services[1]);
    let a1 = app.issue(&office, a, "normal").await;
    let b1 = app.issue(&office, b, "normal").await;
    let a2 = app.issue(&office, a, "priority").await;
    let ap = app.issue(&office, b, "appointment").await;
    let (s, q) = app
        .get(
            &office.clerks[0],
            &format!("/api/v1/branches/{}/queue", office.branch_id),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(q["branch_id"], office.branch_id);
    assert_eq!(q["desk_id"], Value::Null);
    let w = q["waiting"].as_array().unwrap();
    let order: Vec<&Value> = w.iter().map(|e| &e["ticket_id"]).collect();
    // Appointment counts 15 min earlier, priority 10 min.
    assert_eq!(order, [&ap["id"], &a2["id"], &a1["id"], &b1["id"]]);
    let positions: Vec<i64> = w.iter().map(|e| e["position"].as_i64().unwrap()).collect();
    assert_eq!(positions, [0, 1, 2, 3]);
    assert_eq!(
        w[0]["reason"],
        "queued just now; counts 15 min earlier: appointment"
    );
    assert_eq!(w[0]["priority_credit_s"], 900);
    assert_eq!(w[1]["number"], "A002");
    assert_eq!(w[1]["service_code"], "A");
    assert_eq!(w[1]["priority"], "priority");
    assert_eq!(
        w[1]["reason"],
        "queued just now; counts 10 min earlier: priority"
    );
    assert_eq!(w[1]["priority_credit_s"], 600);
    assert_eq!(w[2]["reason"], "queued just now");
    assert_eq!(w[2]["priority_credit_s"], 0);
    assert!(w.iter().all(|e| e["weight_credit_s"] == 0));
    let services = q["services"].as_array().unwrap();
    let summary: Vec<(&str, i64)> = services
        .iter()
        .map(|s| (s["code"].as_str().unwrap(), s["waiting"].as_i64().unwrap()))
        .collect();
    assert_eq!(summary, [("A", 2), ("B", 2), ("C", 0)]);
    assert_eq!(services[0]["standard_wait_s"], 900);
    assert_eq!(services[0]["open_desks"], 0);
    assert_eq!(q["parked"], json!([]));
    // The ticket's own position agrees with the view (per service).
    assert_eq!(get_ticket(&app, &office, &a1["id"]).await["position"], 1);

    // The desk calls in the same order.
    app.open_desk(&office, 0).await;
    let (_, first) = app
        .post_empty(&office.clerks[0], &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(first["id"], ap["id"]);
    let (_, parked) = app
        .post_empty(&office.clerks[0], &desk_path(&office, 0, "park"))
        .await;
    assert_eq!(parked["status"], "parked");
    let (_, second) = app
        .post_empty(&office.clerks[0], &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(second["id"], a2["id"]);
    let (_, q) = app
        .get(
            &office.display,
            &format!("/api/v1/branches/{}/queue", office.branch_id),
        )
        .await;
    let numbers: Vec<&str> = q["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["A001", "B001"]);
    assert_eq!(q["parked"].as_array().unwrap().len(), 1);
    assert_eq!(q["parked"][0]["id"], ap["id"]);
    assert_eq!(q["services"][0]["open_desks"], 1);
    app.stop().await;
}

/// queue?desk_id= orders by the desk's allocation: a service with weight 10
/// comes ahead of an older ticket; services the desk does not serve are
/// left out; the desk's call follows the view.
async fn queue_view_for_desk(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let other = app.office(1).await;
    let (a, b, c) = (office.services[0], office.services[1], office.services[2]);
    let desk = office.desks[0];
    let (s, _) = app
        .put(
            &office.manager,
            &format!("/api/v1/desks/{desk}/services"),
            json!([{ "service_id": a, "weight": 1 }, { "service_id": b, "weight": 10 }]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let a1 = app.issue(&office, a, "normal").await;
    let c1 = app.issue(&office, c, "normal").await;
    let b1 = app.issue(&office, b, "normal").await;
    let base = format!("/api/v1/branches/{}/queue", office.branch_id);
    let (_, q) = app.get(&office.manager, &base).await;
    let order: Vec<&Value> = q["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["ticket_id"])
        .collect();
    assert_eq!(order, [&a1["id"], &c1["id"], &b1["id"]]);

    let (s, q) = app
        .get(&office.manager, &format!("{base}?desk_id={desk}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(q["desk_id"], desk);
    let w = q["waiting"].as_array().unwrap();
    let order: Vec<&Value> = w.iter().map(|e| &e["ticket_id"]).collect();
    assert_eq!(order, [&b1["id"], &a1["id"]]);
    assert_eq!(w[0]["weight_credit_s"], 2700);
    assert_eq!(
        w[0]["reason"],
        "queued just now; counts 45 min earlier: desk weight"
    );
    assert_eq!(w[1]["weight_credit_s"], 0);

    let (s, body) = app
        .get(
            &office.manager,
            &format!("{base}?desk_id={}", other.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
    let (s, body) = app
        .get(&office.manager, &format!("{base}?desk_id=999999"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");

    app.open_desk(&office, 0).await;
    let (_, first) = app
        .post_empty(&office.clerks[0], &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(first["id"], b1["id"]);
    app.post_empty(&office.clerks[0], &desk_path(&office, 0, "finish"))
        .await;
    let (_, second) = app
        .post_empty(&office.clerks[0], &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(second["id"], a1["id"]);
    app.post_empty(&office.clerks[0], &desk_path(&office, 0, "finish"))
        .await;
    let (s, _) = app
        .post_empty(&office.clerks[0], &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "the desk does not serve C");
    app.stop().await;
}

/// With priority_interleave = 3 ("2 normal then 1 priority"), a desk facing
/// older normal tickets and newer priority tickets calls N,N,P,N,N,P,... and
/// then the remaining priorities (waitwell-queue's documented example).
async fn priority_interleave(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let policy = json!({ "priority_credit_s": 600, "appointment_credit_s": 900, "weight_step_s": 300, "priority_interleave": 3 });
    let (s, branch) = app
        .patch(
            &office.manager,
            &format!("/api/v1/branches/{}", office.branch_id),
            json!({ "policy": policy }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{branch}");
    assert_eq!(branch["policy"], policy);
    for _ in 0..6 {
        app.issue(&office, office.services[0], "normal").await;
    }
    for _ in 0..6 {
        app.issue(&office, office.services[0], "priority").await;
    }
    let desk = office.desks[0];
    let (_, q) = app
        .get(
            &office.manager,
            &format!("/api/v1/branches/{}/queue?desk_id={desk}", office.branch_id),
        )
        .await;
    let w = q["waiting"].as_array().unwrap();
    assert_eq!(w[0]["priority"], "normal", "{q}");
    let held = w.iter().find(|e| e["priority"] == "priority").unwrap();
    assert_eq!(held["priority_credit_s"], 0);
    assert_eq!(
        held["reason"],
        "queued just now; priority credit held back by the interleave rule"
    );

    app.open_desk(&office, 0).await;
    let mut pattern = String::new();
    for _ in 0..12 {
        let (s, t) = app
            .post_empty(&office.clerks[0], &desk_path(&office, 0, "call-next"))
            .await;
        assert_eq!(s, StatusCode::OK, "{t}");
        pattern.push(if t["priority"] == "normal" { 'N' } else { 'P' });
        let (s, _) = app
            .post_empty(&office.clerks[0], &desk_path(&office, 0, "finish"))
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    assert_eq!(pattern, "NNPNNPNNPPPP");
    let (s, _) = app
        .post_empty(&office.clerks[0], &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    app.stop().await;
}

/// Stats count issued, served, no-shows, cancellations, out-of-turn calls
/// and the share within the service standard; bad periods are 422.
async fn stats_kpis(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let clerk = &office.clerks[0];
    let (a, b, c) = (office.services[0], office.services[1], office.services[2]);
    let (s, _) = app
        .patch(
            &office.manager,
            &format!("/api/v1/services/{c}"),
            json!({ "standard_wait_s": 1 }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let path = format!("/api/v1/branches/{}/stats", office.branch_id);
    let (s, empty) = app.get(&office.manager, &path).await;
    assert_eq!(s, StatusCode::OK, "{empty}");
    assert_eq!(empty["total"]["issued"], 0);
    assert_eq!(empty["total"]["within_standard"], Value::Null);
    assert_eq!(empty["total"]["avg_wait_s"], Value::Null);

    app.issue(&office, a, "normal").await;
    app.issue(&office, a, "normal").await;
    let a3 = app.issue(&office, a, "normal").await;
    let b1 = app.issue(&office, b, "normal").await;
    app.open_desk(&office, 0).await;
    let (_, t) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(t["number"], "A001");
    app.post_empty(clerk, &desk_path(&office, 0, "start")).await;
    app.post_empty(clerk, &desk_path(&office, 0, "finish"))
        .await;
    let (_, t) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(t["number"], "A002");
    app.post_empty(clerk, &desk_path(&office, 0, "no-show"))
        .await;
    let (s, t) = app
        .post(
            clerk,
            &desk_path(&office, 0, "call"),
            json!({ "ticket_id": b1["id"], "reason": "elderly visitor" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    app.post_empty(clerk, &desk_path(&office, 0, "finish"))
        .await;
    let (s, _) = app
        .post_empty(
            &office.manager,
            &format!("/api/v1/tickets/{}/cancel", a3["id"]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // C's standard is one second: this visitor waits longer.
    app.issue(&office, c, "normal").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, t) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(t["number"], "C001");
    app.post_empty(clerk, &desk_path(&office, 0, "finish"))
        .await;

    let (s, st) = app.get(&office.manager, &path).await;
    assert_eq!(s, StatusCode::OK, "{st}");
    let total = &st["total"];
    assert_eq!(total["issued"], 5);
    assert_eq!(total["served"], 3);
    assert_eq!(total["no_shows"], 1);
    assert_eq!(total["cancelled"], 1);
    assert_eq!(total["expired"], 0);
    assert_eq!(total["out_of_turn"], 1);
    assert_eq!(total["within_standard"], 0.75);
    assert!(total["avg_wait_s"].as_f64().unwrap() >= 0.2, "{total}");
    assert!(total["p90_wait_s"].as_f64().unwrap() >= 1.0, "{total}");
    assert!(total["avg_service_s"].as_f64().is_some());
    let by_code = |code: &str| {
        st["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["code"] == code)
            .unwrap()
            .clone()
    };
    let sa = by_code("A");
    assert_eq!(
        (
            sa["issued"].as_i64(),
            sa["served"].as_i64(),
            sa["no_shows"].as_i64(),
            sa["cancelled"].as_i64()
        ),
        (Some(3), Some(1), Some(1), Some(1))
    );
    assert_eq!(sa["within_standard"], 1.0);
    assert_eq!(by_code("B")["out_of_turn"], 1);
    let sc = by_code("C");
    assert_eq!(sc["within_standard"], 0.0);
    assert_eq!(sc["standard_wait_s"], 1);
    let desk = &st["desks"][0];
    assert_eq!(desk["desk_id"], office.desks[0]);
    assert_eq!(desk["issued"], 4, "the desk called four tickets");
    assert_eq!(desk["served"], 3);

    // Explicit period: the same day; an old period is empty.
    let today = st["from"].as_str().unwrap().to_owned();
    assert_eq!(st["to"], today.as_str());
    let (s, same) = app
        .get(&office.manager, &format!("{path}?from={today}&to={today}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(same["total"], st["total"]);
    let (s, old) = app
        .get(
            &office.manager,
            &format!("{path}?from=2001-01-01&to=2001-12-31"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{old}");
    assert_eq!(old["total"]["issued"], 0);

    // A period of two days adds up both; the out-of-turn call (B001) moved
    // to yesterday leaves today's figures and stays in the period's.
    let yesterday = (chrono::NaiveDate::parse_from_str(&today, "%Y-%m-%d").unwrap()
        - chrono::Duration::days(1))
    .format("%Y-%m-%d")
    .to_string();
    let (b1_id, day) = (b1["id"].as_i64().unwrap(), yesterday.clone());
    let db = &app.state.db;
    let moved: Result<(), AppError> = async {
        write!(db, |c, _out| async move {
            c.run(
                q("update tickets set business_day = $2 where id = $1")
                    .bind(b1_id)
                    .bind(day),
            )
            .await?;
            Ok(())
        })
    }
    .await;
    moved.unwrap();
    let (_, today_only) = app.get(&office.manager, &path).await;
    assert_eq!(today_only["total"]["issued"], 4, "{today_only}");
    assert_eq!(today_only["total"]["out_of_turn"], 0, "{today_only}");
    let (s, both) = app
        .get(
            &office.manager,
            &format!("{path}?from={yesterday}&to={today}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{both}");
    assert_eq!(both["total"], st["total"]);
    assert_eq!(both["desks"][0]["issued"], 4, "{both}");

    for bad in [
        "?from=2026-13-01",
        "?from=yesterday",
        "?from=2026-01-01&to=2025-12-31",
        "?to=01.02.2026",
        "?from=2024-01-01&to=2025-12-31",
    ] {
        let (s, body) = app.get(&office.manager, &format!("{path}{bad}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_error(&body, "invalid");
    }
    let (s, body) = app
        .get(&office.manager, &format!("{path}?day=2026-01-01"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "bad_request");
    app.stop().await;
}

/// Every state change appends an event; the chain verifies; editing one
/// event's payload in the database is detected at that seq.
async fn event_log_chain(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;
    let types = app.event_types(b).await;
    let seqs: Vec<i64> = types.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        seqs,
        (1..=i64::try_from(types.len()).unwrap()).collect::<Vec<_>>()
    );
    let kinds: Vec<&str> = types.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(kinds[0], "branch.created");
    assert_eq!(kinds.iter().filter(|k| **k == "service.created").count(), 3);
    for k in [
        "desk.created",
        "desk.allocation_changed",
        "user.created",
        "device.created",
    ] {
        assert!(kinds.contains(&k), "no {k} in {kinds:?}");
    }
    let t = app.issue(&office, office.services[0], "normal").await;
    app.open_desk(&office, 0).await;
    let (s, _) = app
        .post_empty(&office.clerks[0], &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let all = app.event_types(b).await;
    let tail: Vec<&str> = all[types.len()..].iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(tail, ["ticket.issued", "desk.opened", "ticket.called"]);
    let (_, branch) = app
        .get(&office.manager, &format!("/api/v1/branches/{b}"))
        .await;
    assert_eq!(branch["event_seq"], i64::try_from(all.len()).unwrap());

    let report = app.verify_chain(b).await;
    assert_eq!(report.broken, None, "{report:?}");
    assert_eq!(report.events, i64::try_from(all.len()).unwrap());

    // Tamper with the ticket.issued event.
    let issued_seq = all[types.len()].0;
    let db = app.state.db.clone();
    let payload = json!({ "ticket": { "id": t["id"], "number": "A999" } }).to_string();
    let changed: Result<u64, AppError> = async {
        write!(db, |c, _out| async move {
            Ok(c.run(
                q("update events set payload = $1 where branch_id = $2 and seq = $3")
                    .bind(payload)
                    .bind(b)
                    .bind(issued_seq),
            )
            .await?)
        })
    }
    .await;
    assert_eq!(changed.unwrap(), 1);
    let report = app.verify_chain(b).await;
    assert_eq!(
        report.broken,
        Some((issued_seq, "content does not match its hash".to_owned())),
        "{report:?}"
    );
    assert_eq!(report.events, issued_seq - 1);
    app.stop().await;
}

/// Day-end expiry: open tickets of an earlier business day expire, desks are
/// freed, done tickets stay; numbering restarts on the next business day.
async fn expiry_and_new_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let clerk = &office.clerks[0];
    let a = office.services[0];
    let t1 = app.issue(&office, a, "normal").await;
    let t2 = app.issue(&office, a, "normal").await;
    let t3 = app.issue(&office, a, "normal").await;
    let t4 = app.issue(&office, a, "normal").await;
    app.open_desk(&office, 0).await;
    app.post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    app.post_empty(clerk, &desk_path(&office, 0, "finish"))
        .await;
    app.post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    app.post_empty(clerk, &desk_path(&office, 0, "park")).await;
    let (_, called) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(called["id"], t3["id"]);
    let before = app.event_count(office.branch_id).await;

    // Nothing is stale today.
    let now = waitwell_server::now_ms();
    assert_eq!(
        waitwell_server::expire_all(&app.state.db, now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.event_count(office.branch_id).await, before);

    let later = now + 2 * DAY_MS;
    let n = waitwell_server::expire_all(&app.state.db, later)
        .await
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(get_ticket(&app, &office, &t1["id"]).await["status"], "done");
    for t in [&t2, &t3, &t4] {
        assert_eq!(
            get_ticket(&app, &office, &t["id"]).await["status"],
            "expired",
            "{}",
            t["number"]
        );
    }
    assert_eq!(
        get_desk(&app, &office, 0).await["current_ticket_id"],
        Value::Null
    );
    let all = app.event_types(office.branch_id).await;
    let tail: Vec<&str> = all[before..].iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(tail, ["ticket.expired"; 3]);
    assert_eq!(app.verify_chain(office.branch_id).await.broken, None);
    // Idempotent.
    assert_eq!(
        waitwell_server::expire_all(&app.state.db, later)
            .await
            .unwrap(),
        0
    );
    let (_, st) = app
        .get(
            &office.manager,
            &format!("/api/v1/branches/{}/stats", office.branch_id),
        )
        .await;
    assert_eq!(st["total"]["expired"], 3);
    assert_eq!(st["total"]["served"], 1);
    // The desk can call again.
    let (s, _) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    // Numbering restarts on the next business day.
    let branch_id = office.branch_id;
    let issue_at = |when: i64| {
        let db = app.state.db.clone();
        async move {
            let r: Result<waitwell_server::domain::tickets::Ticket, AppError> = async {
                write!(db, |c, out| async move {
                    let (t, new) = waitwell_server::domain::tickets::issue(
                        c,
                        out,
                        waitwell_server::domain::tickets::Issue {
                            branch_id,
                            request: serde_json::from_value(json!({ "service_id": a })).unwrap(),
                            idempotency_key: None,
                            actor: waitwell_server::events::Actor::System,
                            device_id: None,
                            now: when,
                        },
                    )
                    .await?;
                    assert!(new);
                    Ok(t)
                })
            }
            .await;
            r.unwrap()
        }
    };
    let tomorrow = issue_at(later).await;
    assert_eq!(tomorrow.number, "A001");
    assert_ne!(tomorrow.business_day, t1["business_day"].as_str().unwrap());
    assert_eq!(issue_at(later + 1000).await.number, "A002");
    // Today's numbering is untouched.
    assert_eq!(app.issue(&office, a, "normal").await["number"], "A005");
    app.stop().await;
}

/// Every route used by these tests is in the OpenAPI document, and every
/// operation the document lists is actually served.
async fn openapi_health_metrics(backend: Backend) {
    let app = TestApp::spawn_tuned(backend, |c| {
        c.metrics_token = Some("scrape-token-0123456789".into());
    })
    .await;
    let office = app.office(1).await;
    app.issue(&office, office.services[0], "normal").await;

    let (s, doc) = app.send(Method::GET, None, "/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), p.clone()))
        })
        .collect();
    let mut used: BTreeSet<(String, String)> = [
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/logout"),
        ("GET", "/api/v1/auth/me"),
        ("GET", "/api/v1/branches"),
        ("POST", "/api/v1/branches"),
        ("GET", "/api/v1/branches/{id}"),
        ("PATCH", "/api/v1/branches/{id}"),
        ("GET", "/api/v1/branches/{id}/services"),
        ("POST", "/api/v1/branches/{id}/services"),
        ("GET", "/api/v1/services/{id}"),
        ("PATCH", "/api/v1/services/{id}"),
        ("GET", "/api/v1/branches/{id}/desks"),
        ("POST", "/api/v1/branches/{id}/desks"),
        ("GET", "/api/v1/desks/{id}"),
        ("PATCH", "/api/v1/desks/{id}"),
        ("GET", "/api/v1/desks/{id}/services"),
        ("PUT", "/api/v1/desks/{id}/services"),
        ("POST", "/api/v1/branches/{id}/tickets"),
        ("GET", "/api/v1/tickets/{id}"),
        ("POST", "/api/v1/tickets/{id}/cancel"),
        ("GET", "/api/v1/branches/{id}/queue"),
        ("GET", "/api/v1/branches/{id}/users"),
        ("POST", "/api/v1/branches/{id}/users"),
        ("GET", "/api/v1/users/{id}"),
        ("PATCH", "/api/v1/users/{id}"),
        ("GET", "/api/v1/branches/{id}/devices"),
        ("POST", "/api/v1/branches/{id}/devices"),
        ("GET", "/api/v1/devices/{id}"),
        ("PATCH", "/api/v1/devices/{id}"),
        ("POST", "/api/v1/devices/{id}/token"),
        ("GET", "/api/v1/branches/{id}/stats"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_owned(), p.to_owned()))
    .collect();
    for action in [
        "open",
        "pause",
        "close",
        "call-next",
        "call",
        "recall",
        "start",
        "finish",
        "no-show",
        "park",
        "transfer",
    ] {
        used.insert(("POST".to_owned(), format!("/api/v1/desks/{{id}}/{action}")));
    }
    let missing: Vec<_> = used.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the OpenAPI document: {missing:?}"
    );
    // Each documented operation is served: without a token it is refused
    // (401 or a body error), never "no such route".
    // A second ticket, whose public token fills the `{token}` routes (in
    // service C: the visitor's cancel route cancels it).
    let issued = app.issue(&office, office.services[2], "normal").await;
    let public_token = issued["public_token"].as_str().unwrap().to_owned();
    // A booking, whose confirmation code fills the `{code}` routes.
    let code = app.book_any(&office, json!({})).await;
    for (method, path) in &documented {
        let concrete = path
            .replace("{id}", &office.branch_id.to_string())
            .replace("{token}", &public_token)
            .replace("{code}", &code);
        let (s, body) = app
            .send(
                Method::from_bytes(method.as_bytes()).unwrap(),
                None,
                &concrete,
                None,
            )
            .await;
        assert!(
            s != StatusCode::NOT_FOUND && s != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {s} {body}"
        );
        assert!(!s.is_server_error(), "{method} {path}: {s} {body}");
    }

    let (s, _, text) = app.send_raw(Method::GET, None, "/healthz", &[], None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(text, "ok");

    let (s, headers, metrics) = app
        .send_raw(
            Method::GET,
            Some("scrape-token-0123456789"),
            "/metrics",
            &[],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    assert!(
        metrics
            .lines()
            .any(|l| l == "waitwell_tickets_issued_total 2"),
        "{metrics}"
    );
    let line = format!(
        "waitwell_queue_length{{branch=\"{}\",service=\"A\"}} 1",
        office.branch_id
    );
    assert!(metrics.lines().any(|l| l == line), "no {line} in {metrics}");
    let line = format!(
        "waitwell_queue_length{{branch=\"{}\",service=\"B\"}} 0",
        office.branch_id
    );
    assert!(metrics.lines().any(|l| l == line), "no {line} in {metrics}");
    app.stop().await;
}

backend_tests!(
    issue_numbers_and_estimates,
    idempotency_key,
    full_lifecycle,
    no_show_cancel_park,
    transfer_keeps_number,
    illegal_transitions,
    pause_needs_reason,
    queue_view_order,
    queue_view_for_desk,
    priority_interleave,
    stats_kpis,
    event_log_chain,
    expiry_and_new_day,
    openapi_health_metrics,
);
