//! What the pages show people after a refusal or in a report: stable
//! reason codes beside the error code (so visitor pages translate them),
//! conflict messages that name tickets by number, a call back from park
//! that is not out of turn, and transfers counted once in the branch total.

mod common;

use common::{Backend, Office, TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn desk_path(office: &Office, i: usize, action: &str) -> String {
    format!("/api/v1/desks/{}/{action}", office.desks[i])
}

/// An unknown appointment code and a closed service carry reasons a kiosk
/// can translate.
async fn refusals_carry_reason_codes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;
    let (s, body) = app
        .post(
            &office.kiosk,
            &format!("/api/v1/branches/{b}/appointments/check-in"),
            json!({ "code": "ZZZZZZZZ" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
    assert_eq!(body["reason"], "appointment_not_found");

    let service = office.services[1];
    let (s, body) = app
        .patch(
            &office.manager,
            &format!("/api/v1/services/{service}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = app
        .post(
            &office.kiosk,
            &format!("/api/v1/branches/{b}/tickets"),
            json!({ "service_id": service }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict");
    assert_eq!(body["reason"], "service_unavailable");

    // Errors without a finer code keep the two-field shape.
    let (s, body) = app
        .post(
            &office.kiosk,
            &format!("/api/v1/branches/{b}/tickets"),
            json!({ "service_id": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.get("reason").is_none(), "{body}");
    app.stop().await;
}

/// "Desk 1 still has ticket A001", not the ticket's database id.
async fn busy_desk_names_the_ticket_number(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let a = office.services[0];
    // Tickets of other services first, so the id differs from the number.
    app.issue(&office, office.services[1], "normal").await;
    app.issue(&office, office.services[2], "normal").await;
    let first = app.issue(&office, a, "normal").await;
    app.issue(&office, a, "normal").await;
    app.open_desk(&office, 0).await;
    let clerk = &office.clerks[0];
    let (s, called) = app
        .post(
            clerk,
            &desk_path(&office, 0, "call"),
            json!({ "ticket_id": first["id"], "reason": "test" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{called}");
    let (s, body) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("ticket A001"), "{message}");
    assert!(
        !message.contains(&format!("ticket {}", first["id"])),
        "{message}"
    );
    app.stop().await;
}

/// Parking and calling back is not out of turn; the branch total counts a
/// transferred visitor once, each service counts its own ticket.
async fn call_back_and_transfer_in_the_figures(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let (a, b) = (office.services[0], office.services[1]);
    let clerk = &office.clerks[0];
    let t1 = app.issue(&office, a, "normal").await;
    app.issue(&office, a, "normal").await;
    app.open_desk(&office, 0).await;
    let (_, c) = app
        .post_empty(clerk, &desk_path(&office, 0, "call-next"))
        .await;
    assert_eq!(c["id"], t1["id"]);
    let (s, _) = app.post_empty(clerk, &desk_path(&office, 0, "park")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, back) = app
        .post(
            clerk,
            &desk_path(&office, 0, "call"),
            json!({ "ticket_id": t1["id"], "reason": "came back with documents" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{back}");
    assert_eq!(back["out_of_turn_reason"], Value::Null);
    // Served at A, then sent on to B: one visitor, two tickets.
    let (s, moved) = app
        .post(
            clerk,
            &desk_path(&office, 0, "transfer"),
            json!({ "service_id": b }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");

    let (s, st) = app
        .get(
            &office.manager,
            &format!("/api/v1/branches/{}/stats", office.branch_id),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(st["total"]["out_of_turn"], 0, "{st}");
    assert_eq!(st["total"]["issued"], 2, "two visitors: {st}");
    let issued = |id: i64| {
        st["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service_id"] == id)
            .unwrap()["issued"]
            .clone()
    };
    assert_eq!(issued(a), 2);
    assert_eq!(issued(b), 1, "the transfer counts in its target service");
    app.stop().await;
}

backend_tests!(
    refusals_carry_reason_codes,
    busy_desk_names_the_ticket_number,
    call_back_and_transfer_in_the_figures,
);
