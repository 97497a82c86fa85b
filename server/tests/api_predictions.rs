//! Predicted waits on tickets (`predicted_wait_s`, `predicted_range_s`,
//! `no_open_desk`) in the issue answer, `GET /api/v1/tickets/{id}` and the
//! public ticket view; what is kept of them, their accuracy in the reports
//! next to the old formula, the refresh of the latest prediction, and the
//! replay of a recorded day.

mod common;

use common::{Backend, Office, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use waitwell_server::error::AppError;
use waitwell_server::store::{Exec as _, q, read};

async fn act(app: &TestApp, office: &Office, i: usize, action: &str) -> Value {
    let (s, v) = app
        .send(
            Method::POST,
            Some(&office.clerks[i]),
            &format!("/api/v1/desks/{}/{action}", office.desks[i]),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{action}: {v}");
    v
}

/// `(issue_wait_s, old_estimate_s, latest_at, latest_wait_s, waited_s)` of
/// a ticket's kept prediction.
async fn kept(app: &TestApp, id: i64) -> (Option<i64>, i64, i64, Option<i64>, Option<i64>) {
    let db = &app.state.db;
    let row: Result<_, AppError> = async {
        read!(db, |c| c
            .one(
                q(
                    "select issue_wait_s, old_estimate_s, latest_at, latest_wait_s, waited_s
                   from ticket_predictions where ticket_id = $1"
                )
                .bind(id)
            )
            .await
            .map_err(AppError::from))
    }
    .await;
    row.unwrap()
}

fn range(t: &Value) -> (i64, i64) {
    let r = t["predicted_range_s"].as_array().expect("a range");
    (r[0].as_i64().unwrap(), r[1].as_i64().unwrap())
}

/// No open desk: no number, said explicitly. One open desk and the prior
/// service time (300 s): a ticket with one person ahead waits about 300 s,
/// with two about 600 s, and a priority ticket is predicted no later than
/// a normal one issued at the same time. The same numbers on every read.
async fn tickets_carry_predictions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let a = office.services[0];

    let first = app.issue(&office, a, "normal").await;
    assert_eq!(first["no_open_desk"], true, "{first}");
    assert!(first["predicted_wait_s"].is_null() && first["predicted_range_s"].is_null());
    // The old formula still says a number here: the reason for the new one.
    assert!(first["estimated_wait_s"].is_i64());
    // Devices (the kiosk agent printing it, displays) see it too.
    let (s, seen) = app
        .get(&office.display, &format!("/api/v1/tickets/{}", first["id"]))
        .await;
    assert_eq!(s, StatusCode::OK, "{seen}");
    assert_eq!(seen["no_open_desk"], true, "{seen}");

    app.open_desk(&office, 0).await;
    let second = app.issue(&office, a, "normal").await;
    let third = app.issue(&office, a, "normal").await;
    assert_eq!(second["no_open_desk"], false);
    let (p2, p3) = (
        second["predicted_wait_s"].as_i64().unwrap(),
        third["predicted_wait_s"].as_i64().unwrap(),
    );
    assert!((200..=400).contains(&p2), "{second}");
    assert!((450..=750).contains(&p3), "{third}");
    let (lo, hi) = range(&third);
    assert!(lo < p3 && p3 < hi, "{third}");

    // GET and the public view say what the issue answer said.
    let id = third["id"].as_i64().unwrap();
    let (s, got) = app
        .get(&office.manager, &format!("/api/v1/tickets/{id}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    let token = third["public_token"].as_str().unwrap();
    let (s, public) = app
        .send(
            Method::GET,
            None,
            &format!("/api/v1/public/tickets/{token}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{public}");
    for view in [&got, &public] {
        let p = view["predicted_wait_s"].as_i64().unwrap();
        assert!((p - p3).abs() <= 60, "{view} vs {third}");
        assert_eq!(view["no_open_desk"], false);
        let (lo, hi) = range(view);
        assert!(lo <= p && p <= hi, "{view}");
    }

    let urgent = app.issue(&office, a, "priority").await;
    let late_normal = app.issue(&office, a, "normal").await;
    assert!(
        urgent["predicted_wait_s"].as_i64() < late_normal["predicted_wait_s"].as_i64(),
        "{urgent} vs {late_normal}"
    );

    // Kept at issue, with the old formula's figure.
    let (issue_wait, old, _, latest, waited) = kept(&app, id).await;
    assert_eq!((issue_wait, latest, waited), (Some(p3), Some(p3), None));
    assert_eq!(old, third["estimated_wait_s"].as_i64().unwrap());
    let no_desk = kept(&app, first["id"].as_i64().unwrap()).await;
    assert_eq!(no_desk.0, None);

    // A called ticket is no longer predicted, and its wait is kept.
    let called = act(&app, &office, 0, "call-next").await;
    assert_eq!(called["id"], urgent["id"], "the priority ticket goes first");
    assert!(called["predicted_wait_s"].is_null() && called["predicted_range_s"].is_null());
    let (_, _, _, _, waited) = kept(&app, urgent["id"].as_i64().unwrap()).await;
    assert!(waited.is_some_and(|w| (0..5).contains(&w)), "{waited:?}");

    // The minute job refreshes the latest prediction of those still
    // waiting, and leaves the called one alone.
    let later = waitwell_server::now_ms() + 1_000;
    let n = waitwell_server::domain::predictions::refresh_latest(&app.state.db, later)
        .await
        .unwrap();
    assert_eq!(n, 4, "first, second, third and late_normal wait");
    let (_, _, latest_at, latest, _) = kept(&app, id).await;
    assert_eq!(latest_at, later);
    assert!(latest.is_some());
    let (_, _, latest_at, _, _) = kept(&app, urgent["id"].as_i64().unwrap()).await;
    assert_ne!(latest_at, later);
    app.stop().await;
}

/// The report's accuracy per service and day, next to the old formula for
/// the same tickets; and the replay of that recorded day.
async fn accuracy_in_reports_and_replay(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let (a, b) = (office.services[0], office.services[1]);
    // Issued while no desk is open: kept as "no number".
    let first = app.issue(&office, a, "normal").await;
    app.open_desk(&office, 0).await;
    // One person ahead: both predictors say about 300 s; it is called at
    // once, so both are about 300 s off.
    let second = app.issue(&office, a, "normal").await;
    let third = app.issue(&office, b, "normal").await;
    for _ in 0..2 {
        act(&app, &office, 0, "call-next").await;
        act(&app, &office, 0, "finish").await;
    }
    let day = first["business_day"].as_str().unwrap().to_owned();

    let (s, report) = app
        .get(
            &office.manager,
            &format!(
                "/api/v1/branches/{}/reports?from={day}&to={day}",
                office.branch_id
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{report}");
    let rows = report["prediction_accuracy"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "only service A has called tickets: {rows:?}");
    let row = &rows[0];
    assert_eq!(row["business_day"], day.as_str());
    assert_eq!(row["service_id"], a);
    assert_eq!(
        (row["called"].as_i64(), row["no_open_desk"].as_i64()),
        (Some(2), Some(1))
    );
    let predicted = second["predicted_wait_s"].as_i64().unwrap() as f64;
    let old = second["estimated_wait_s"].as_i64().unwrap() as f64;
    assert_eq!(old, 300.0, "one ahead x 300 s / one desk");
    let new_err = row["predicted"]["mean_abs_error_s"].as_f64().unwrap();
    let old_err = row["old_formula"]["mean_abs_error_s"].as_f64().unwrap();
    assert!((predicted - new_err).abs() <= 5.0, "{row}");
    assert!((old - old_err).abs() <= 5.0, "{row}");
    assert_eq!(row["predicted"]["tickets"], 1);
    assert_eq!(row["old_formula"]["tickets"], 1);
    assert_eq!(
        row["predicted"]["median_abs_error_s"],
        row["predicted"]["mean_abs_error_s"]
    );
    assert!(row["old_formula"]["within_range"].is_null());
    let (lo, _) = range(&second);
    let inside = if lo == 0 { 1.0 } else { 0.0 };
    assert_eq!(row["predicted"]["within_range"].as_f64(), Some(inside));
    // Nothing for a day without tickets; bad days are refused.
    let (s, empty) = app
        .get(
            &office.manager,
            &format!(
                "/api/v1/branches/{}/reports?from=2020-01-01&to=2020-01-01",
                office.branch_id
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(empty["prediction_accuracy"], serde_json::json!([]));

    // The replay of the same day scores the same ticket, and counts the
    // one issued with no desk open and the one never called.
    let db = &app.state.db;
    let branch_id = office.branch_id;
    let recorded = {
        let day = day.clone();
        read!(db, |c| waitwell_server::domain::replay::recorded_day(
            c, branch_id, &day
        )
        .await)
        .unwrap()
    };
    assert_eq!(recorded.tickets.len(), 3);
    let eval = waitwell_queue::evaluate(&recorded, &waitwell_queue::PredictOptions::default());
    assert_eq!((eval.no_desk, eval.never_called), (1, 1));
    assert_eq!(eval.all_new().len(), 1);
    assert_eq!(eval.all_old()[0].predicted_s, 300);
    let text = waitwell_server::domain::replay::format_report(&eval, &Default::default());
    assert!(
        text.contains("MAE new") && text.contains("service "),
        "{text}"
    );
    let bad: Result<_, AppError> = read!(db, |c| waitwell_server::domain::replay::recorded_day(
        c,
        branch_id,
        "2026-13-01"
    )
    .await);
    assert!(matches!(bad, Err(AppError::Validation(_))), "{bad:?}");
    let none: Result<_, AppError> = read!(db, |c| waitwell_server::domain::replay::recorded_day(
        c,
        branch_id,
        "2020-01-01"
    )
    .await);
    assert!(none.is_err());
    let _ = third;
    app.stop().await;
}

/// More tickets waiting than the server simulates: the long-queue limit,
/// from the service's times (here the 300 s prior, spread 0.6), and the
/// minute job leaves such a branch alone.
async fn long_queues_use_the_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let a = office.services[0];
    app.open_desk(&office, 0).await;
    app.open_desk(&office, 1).await;
    let first = app.issue(&office, a, "normal").await;
    let day = first["business_day"].as_str().unwrap().to_owned();
    let at = first["issued_at"].as_i64().unwrap();
    let (branch_id, db) = (office.branch_id, app.state.db.clone());
    let added: Result<u64, AppError> = waitwell_server::store::write!(db, |c, _out| async move {
        for i in 0..450_i64 {
            c.run(
                q("insert into tickets (branch_id, service_id, business_day, number, priority, status,
                     issued_at, queued_at, call_count, public_token, updated_at)
                   values ($1, $2, $3, $4, 'normal', 'waiting', $5, $5, 0, $6, $5)")
                .bind(branch_id)
                .bind(a)
                .bind(day.as_str())
                .bind(format!("Z{i}"))
                .bind(at + 1 + i)
                .bind(format!("bulk-{i}")),
            )
            .await?;
        }
        c.run(q("update services set waiting = waiting + 450 where id = $1").bind(a))
            .await?;
        Ok(450)
    });
    assert_eq!(added.unwrap(), 450);
    let last = app.issue(&office, a, "normal").await;
    assert_eq!(last["position"], 451, "{last}");
    // 451 ahead at 2 desks: 225.5 services of 300 s each, give or take
    // 1.2816 * sqrt(225.5) * 180 s.
    assert_eq!(last["predicted_wait_s"], 67_650, "{last}");
    assert_eq!(range(&last), (64_186, 71_114));
    let n = waitwell_server::domain::predictions::refresh_latest(
        &app.state.db,
        waitwell_server::now_ms(),
    )
    .await
    .unwrap();
    assert_eq!(n, 0);
    app.stop().await;
}

/// What a ticket taken now would be told, per service: for the display
/// (`/branches/{id}/predictions`, staff and the branch's devices) and the
/// office page (`/public/branches/{id}/services`).
async fn forecasts_for_a_ticket_taken_now(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let other = app.office(1).await;
    let (a, b) = (office.services[0], office.services[1]);
    let path = format!("/api/v1/branches/{}/predictions", office.branch_id);
    let (s, list) = app.get(&office.display, &path).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 3);
    assert!(
        list.iter()
            .all(|f| f["no_open_desk"] == true && f["predicted_wait_s"].is_null())
    );

    app.open_desk(&office, 0).await;
    app.issue(&office, a, "normal").await;
    app.issue(&office, a, "normal").await;
    let (_, list) = app.get(&office.display, &path).await;
    for f in list.as_array().unwrap() {
        // The one desk serves everything: two people ahead of anyone.
        let p = f["predicted_wait_s"].as_i64().unwrap();
        assert!((450..=750).contains(&p), "{f}");
        let (lo, hi) = range(f);
        assert!(lo < p && p < hi, "{f}");
        assert_eq!(f["no_open_desk"], false);
    }
    let (s, body) = app.get(&other.display, &path).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, _) = app.send(Method::GET, None, &path, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .get(&office.admin, "/api/v1/branches/999999/predictions")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The office page lists the same forecast next to each service.
    let (s, svc) = app
        .patch(
            &office.manager,
            &format!("/api/v1/services/{b}"),
            serde_json::json!({ "remote_enabled": true }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{svc}");
    let (s, page) = app
        .send(
            Method::GET,
            None,
            &format!("/api/v1/public/branches/{}/services", office.branch_id),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let listed = &page["services"][0];
    assert_eq!(listed["id"], b);
    let p = listed["predicted_wait_s"].as_i64().unwrap();
    assert!((450..=750).contains(&p), "{listed}");
    assert_eq!(listed["no_open_desk"], false);
    app.stop().await;
}

/// The OpenAPI document describes the new fields.
async fn openapi_documents_predictions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, doc) = app.send(Method::GET, None, "/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    let schemas = &doc["components"]["schemas"];
    for field in ["predicted_wait_s", "predicted_range_s", "no_open_desk"] {
        assert!(
            schemas["Ticket"]["properties"][field].is_object(),
            "Ticket.{field}"
        );
        assert!(
            schemas["PublicTicket"]["properties"][field].is_object(),
            "PublicTicket.{field}"
        );
    }
    assert!(schemas["Report"]["properties"]["prediction_accuracy"].is_object());
    assert!(doc["paths"]["/api/v1/branches/{id}/predictions"]["get"].is_object());
    assert!(schemas["ServiceForecast"]["properties"]["predicted_range_s"].is_object());
    for field in ["predicted", "old_formula", "no_open_desk", "called"] {
        assert!(
            schemas["PredictionAccuracy"]["properties"][field].is_object(),
            "PredictionAccuracy.{field}"
        );
    }
    app.stop().await;
}

backend_tests!(
    tickets_carry_predictions,
    accuracy_in_reports_and_replay,
    long_queues_use_the_limit,
    forecasts_for_a_ticket_taken_now,
    openapi_documents_predictions
);
