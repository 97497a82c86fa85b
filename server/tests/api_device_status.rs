//! Device health: a kiosk reports its printer's state (paper low
//! included), managers read every device's last contact and latest state;
//! repeats refresh the contact time without growing the event log; only
//! the device itself may report.

mod common;

use common::{Backend, TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn device_ids(app: &TestApp, manager: &str, branch_id: i64) -> (i64, i64) {
    let (s, list) = app
        .get(manager, &format!("/api/v1/branches/{branch_id}/devices"))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let id_of = |kind: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == kind)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    (id_of("kiosk"), id_of("display"))
}

async fn reports_and_reads(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;
    let (kiosk_id, display_id) = device_ids(&app, &office.manager, b).await;
    let status_path = format!("/api/v1/branches/{b}/devices/status");

    // Nobody reported yet: both offline, no printer state.
    let (s, list) = app.get(&office.manager, &status_path).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 2);
    for d in list.as_array().unwrap() {
        assert_eq!(d["online"], false);
        assert_eq!(d["last_seen_at"], Value::Null);
        assert_eq!(d["printer"], Value::Null);
    }

    let before = app.event_count(b).await;
    let path = format!("/api/v1/devices/{kiosk_id}/status");
    let (s, st) = app
        .post(
            &office.kiosk,
            &path,
            json!({ "printer": "paper_out", "detail": "roll empty" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(st["printer"], "paper_out");
    assert_eq!(st["online"], true);
    let since = st["status_since"].as_i64().unwrap();
    let types = app.event_types(b).await;
    assert_eq!(types.len(), before + 1);
    assert_eq!(types.last().unwrap().1, "device.status");

    // The same state again: seen, but no new event and the same "since".
    let (s, again) = app
        .post(
            &office.kiosk,
            &path,
            json!({ "printer": "paper_out", "detail": "roll empty" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["status_since"], since);
    assert_eq!(app.event_count(b).await, before + 1);

    let (s, list) = app.get(&office.manager, &status_path).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let kiosk = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == kiosk_id)
        .unwrap();
    assert_eq!(kiosk["online"], true);
    assert_eq!(kiosk["printer"], "paper_out");
    assert_eq!(kiosk["detail"], "roll empty");
    assert_eq!(kiosk["status_since"], since);
    assert!(kiosk["last_seen_at"].as_i64().unwrap() >= since);
    let display = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == display_id)
        .unwrap();
    assert_eq!(display["online"], false);

    // Paper refilled: a new event.
    let (s, ok) = app
        .post(&office.kiosk, &path, json!({ "printer": "ok" }))
        .await;
    assert_eq!(s, StatusCode::OK, "{ok}");
    assert_eq!(ok["detail"], Value::Null);
    assert_eq!(app.event_count(b).await, before + 2);

    // The roll nears its end: a state of its own, stored and listed.
    let (s, low) = app
        .post(
            &office.kiosk,
            &path,
            json!({ "printer": "paper_low", "detail": "paper roll near its end" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{low}");
    assert_eq!(low["printer"], "paper_low");
    assert_eq!(app.event_count(b).await, before + 3);
    let (s, list) = app.get(&office.manager, &status_path).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let kiosk = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == kiosk_id)
        .unwrap();
    assert_eq!(kiosk["printer"], "paper_low");
    assert_eq!(kiosk["detail"], "paper roll near its end");
    assert_eq!(app.verify_chain(b).await.broken, None);

    // A display reports too (its "printer" is simply ok).
    let (s, d) = app
        .post(
            &office.display,
            &format!("/api/v1/devices/{display_id}/status"),
            json!({ "printer": "ok" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    app.stop().await;
}

async fn who_may_report(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;
    let (kiosk_id, display_id) = device_ids(&app, &office.manager, b).await;
    let path = format!("/api/v1/devices/{kiosk_id}/status");
    let before = app.event_count(b).await;
    for token in [
        &office.manager,
        &office.clerks[0],
        &office.admin,
        &office.display,
    ] {
        let (s, body) = app.post(token, &path, json!({ "printer": "ok" })).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
        assert_error(&body, "forbidden");
    }
    for bad in [
        json!({ "printer": "on_fire" }),
        json!({ "printer": "ok", "detail": "x".repeat(201) }),
        json!({ "printer": "ok", "detail": "bell\u{7}" }),
        json!({ "printer": "ok", "colour": "red" }),
        json!({}),
    ] {
        let (s, body) = app.post(&office.kiosk, &path, bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_error(&body, "invalid");
    }
    assert_eq!(app.event_count(b).await, before);
    let (s, body) = app
        .get(
            &office.clerks[0],
            &format!("/api/v1/branches/{b}/devices/status"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, body) = app
        .get(
            &office.display,
            &format!("/api/v1/branches/{b}/devices/status"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let _ = display_id;
    app.stop().await;
}

backend_tests!(reports_and_reads, who_may_report);
