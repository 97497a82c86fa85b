//! Manager reports, `GET /api/v1/branches/{id}/reports` and its CSV and
//! SVG forms: the figures of a small scripted day (times pinned in the
//! database so every number is exact), CSV quoting, well-formed charts,
//! who may read them and bad periods.

mod common;

use chrono::TimeZone as _;
use common::{Backend, Office, TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use waitwell_server::error::AppError;
use waitwell_server::store::{Exec as _, q, write};

const REASON: &str = "Needs \"urgent\" help, with a comma";

fn desk_path(office: &Office, i: usize, action: &str) -> String {
    format!("/api/v1/desks/{}/{action}", office.desks[i])
}

async fn act(app: &TestApp, office: &Office, i: usize, action: &str, body: Option<Value>) -> Value {
    let (s, v) = app
        .send(
            Method::POST,
            Some(&office.clerks[i]),
            &desk_path(office, i, action),
            body,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{action}: {v}");
    v
}

/// Pins a ticket's times to 09:00 local time of its business day plus the
/// given offsets in seconds (`None` leaves the time null).
async fn pin_times(
    app: &TestApp,
    ticket: &Value,
    issued: i64,
    called: Option<i64>,
    started: Option<i64>,
    finished: Option<i64>,
) {
    let day =
        chrono::NaiveDate::parse_from_str(ticket["business_day"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    let nine = chrono_tz::Europe::Warsaw
        .from_local_datetime(&day.and_hms_opt(9, 0, 0).unwrap())
        .single()
        .unwrap()
        .timestamp_millis();
    let at = |s: Option<i64>| s.map(|s| nine + s * 1000);
    let id = ticket["id"].as_i64().unwrap();
    let db = app.state.db.clone();
    let (i, c, st, f) = (at(Some(issued)), at(called), at(started), at(finished));
    let changed: Result<u64, AppError> = async {
        write!(db, |conn, _out| async move {
            Ok(conn
                .run(
                    q("update tickets set issued_at = $2, queued_at = $2, called_at = $3, started_at = $4, finished_at = $5
                       where id = $1")
                    .bind(id)
                    .bind(i)
                    .bind(c)
                    .bind(st)
                    .bind(f),
                )
                .await?)
        })
    }
    .await;
    assert_eq!(changed.unwrap(), 1);
}

/// The scripted day: A001 waits 2 min and is served in 5; A002 waits
/// 20 min (over the 15 min standard) and is served in 5; B001 is called out
/// of turn after 1 min by the second clerk and does not come; C001 still
/// waits. Issued at 09:00, 09:10, 10:00 and 10:30 local time.
async fn scripted_day(app: &TestApp, office: &Office) -> Vec<Value> {
    let (a, b, c) = (office.services[0], office.services[1], office.services[2]);
    let a1 = app.issue(office, a, "normal").await;
    let a2 = app.issue(office, a, "normal").await;
    let b1 = app.issue(office, b, "normal").await;
    let c1 = app.issue(office, c, "normal").await;
    app.open_desk(office, 0).await;
    app.open_desk(office, 1).await;
    let called = act(app, office, 0, "call-next", None).await;
    assert_eq!(called["number"], "A001");
    act(app, office, 0, "start", None).await;
    act(app, office, 0, "finish", None).await;
    let called = act(
        app,
        office,
        1,
        "call",
        Some(json!({ "ticket_id": b1["id"], "reason": REASON })),
    )
    .await;
    assert_eq!(called["number"], "B001");
    act(app, office, 1, "no-show", None).await;
    let called = act(app, office, 0, "call-next", None).await;
    assert_eq!(called["number"], "A002");
    act(app, office, 0, "finish", None).await;
    pin_times(app, &a1, 0, Some(120), Some(180), Some(480)).await;
    pin_times(app, &a2, 600, Some(1800), None, Some(2100)).await;
    pin_times(app, &b1, 3600, Some(3660), None, None).await;
    pin_times(app, &c1, 5400, None, None, None).await;
    vec![a1, a2, b1, c1]
}

fn reports_path(office: &Office, suffix: &str) -> String {
    format!("/api/v1/branches/{}/reports{suffix}", office.branch_id)
}

/// Every figure of the scripted day, per service, desk and clerk.
async fn figures_of_a_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let tickets = scripted_day(&app, &office).await;
    let day = tickets[0]["business_day"].as_str().unwrap().to_owned();
    let b = office.branch_id;

    let (s, r) = app
        .get(
            &office.manager,
            &reports_path(&office, &format!("?from={day}&to={day}")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["from"], day.as_str());
    assert_eq!(r["to"], day.as_str());
    assert_eq!(r["timezone"], "Europe/Warsaw");

    let t = &r["total"];
    assert_eq!(t["issued"], 4);
    assert_eq!(t["served"], 2);
    assert_eq!(t["no_shows"], 1);
    assert_eq!(t["out_of_turn"], 1);
    assert_eq!(t["avg_wait_s"], 460.0, "(120 + 1200 + 60) / 3");
    assert_eq!(t["p90_wait_s"], 1200.0);
    assert_eq!(t["avg_service_s"], 300.0);
    assert_eq!(t["p90_service_s"], 300.0);
    let within = t["within_standard"].as_f64().unwrap();
    assert!((within - 2.0 / 3.0).abs() < 1e-9, "{within}");

    let services = r["services"].as_array().unwrap();
    assert_eq!(services.len(), 3);
    let a = &services[0];
    assert_eq!(a["code"], "A");
    assert_eq!(a["issued"], 2);
    assert_eq!(a["served"], 2);
    assert_eq!(a["avg_wait_s"], 660.0);
    assert_eq!(a["p90_wait_s"], 1200.0);
    assert_eq!(a["within_standard"], 0.5);
    assert_eq!(services[1]["no_shows"], 1);
    assert_eq!(services[1]["within_standard"], 1.0);
    assert_eq!(services[2]["issued"], 1);
    assert_eq!(services[2]["avg_wait_s"], Value::Null);

    let desks = r["desks"].as_array().unwrap();
    assert_eq!(desks[0]["name"], "Desk 1");
    assert_eq!(desks[0]["served"], 2);
    assert_eq!(desks[0]["avg_service_s"], 300.0);
    assert_eq!(desks[1]["no_shows"], 1);
    assert_eq!(desks[1]["out_of_turn"], 1);

    let clerks = r["clerks"].as_array().unwrap();
    assert_eq!(clerks.len(), 2, "{clerks:?}");
    assert_eq!(clerks[0]["username"], format!("clerk{b}_1"));
    assert_eq!(clerks[0]["issued"], 2);
    assert_eq!(clerks[0]["served"], 2);
    assert_eq!(clerks[0]["avg_wait_s"], 660.0);
    assert_eq!(clerks[1]["username"], format!("clerk{b}_2"));
    assert_eq!(clerks[1]["no_shows"], 1);
    assert_eq!(clerks[1]["out_of_turn"], 1);

    let mut hours = vec![0; 24];
    hours[9] = 2;
    hours[10] = 2;
    assert_eq!(r["arrivals_by_hour"], json!(hours));

    let calls = r["out_of_turn"].as_array().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["number"], "B001");
    assert_eq!(calls[0]["service_code"], "B");
    assert_eq!(calls[0]["desk_name"], "Desk 2");
    assert_eq!(calls[0]["username"], format!("clerk{b}_2"));
    assert_eq!(calls[0]["reason"], REASON);
    assert_eq!(calls[0]["ticket_id"], tickets[2]["id"]);
    assert!(calls[0]["called_at"].as_i64().is_some());
    assert_eq!(
        r["out_of_turn_by_clerk"],
        json!([{ "user_id": clerks[1]["user_id"], "username": format!("clerk{b}_2"), "count": 1 }])
    );

    // The default period is today, which is the scripted day.
    let (s, today) = app.get(&office.manager, &reports_path(&office, "")).await;
    assert_eq!(s, StatusCode::OK, "{today}");
    assert_eq!(today["total"], r["total"]);
    // Another day is empty.
    let (s, empty) = app
        .get(
            &office.manager,
            &reports_path(&office, "?from=2020-01-01&to=2020-01-31"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{empty}");
    assert_eq!(empty["total"]["issued"], 0);
    assert_eq!(empty["clerks"], json!([]));
    assert_eq!(empty["arrivals_by_hour"], json!(vec![0; 24]));
    app.stop().await;
}

/// The CSV: headers, one CRLF line per ticket, quoting of the reason.
async fn csv_export(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let tickets = scripted_day(&app, &office).await;
    let day = tickets[0]["business_day"].as_str().unwrap().to_owned();
    let (s, headers, body) = app
        .send_raw(
            Method::GET,
            Some(&office.manager),
            &reports_path(&office, &format!(".csv?from={day}&to={day}")),
            &[],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains(".csv\""), "{disposition}");
    assert!(body.ends_with("\r\n"));
    let lines: Vec<&str> = body.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(lines.len(), 5, "{body}");
    assert_eq!(lines[0], waitwell_server::domain::reports::CSV_HEADER);
    assert!(lines[0].starts_with("number,service_code,service,"));
    let a1: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(a1[0], "A001");
    assert_eq!(a1[1], "A");
    assert_eq!(a1[4], "done");
    assert!(
        a1[6].ends_with("T09:00:00+01:00") || a1[6].ends_with("T09:00:00+02:00"),
        "{}",
        a1[6]
    );
    assert_eq!(&a1[11..15], ["120", "300", "yes", "no"]);
    assert_eq!(a1[15], "Desk 1");
    let a2 = lines[2];
    assert!(a2.contains(",1200,300,no,no,"), "{a2}");
    let b1 = lines[3];
    assert!(b1.starts_with("B001,B,"), "{b1}");
    assert!(b1.contains(",no_show,"), "{b1}");
    assert!(
        b1.ends_with(",\"Needs \"\"urgent\"\" help, with a comma\",,,"),
        "the reason is quoted with doubled quotes: {b1}"
    );
    assert!(lines[4].starts_with("C001,C,"));
    assert!(lines[4].contains(",waiting,"));
    app.stop().await;
}

/// Both charts are standalone SVG with one bar per category and series,
/// the standard as a mark, and the values of the day.
async fn svg_charts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let tickets = scripted_day(&app, &office).await;
    let day = tickets[0]["business_day"].as_str().unwrap().to_owned();
    let (s, headers, svg) = app
        .send_raw(
            Method::GET,
            Some(&office.manager),
            &reports_path(&office, &format!("/arrivals.svg?from={day}&to={day}")),
            &[],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{svg}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.ends_with("</svg>"));
    assert_eq!(svg.matches("<rect class=\"bar\"").count(), 24);
    assert!(svg.contains("data-category=\"09\" data-series=\"0\" data-value=\"2\""));
    assert!(svg.contains("data-category=\"10\" data-series=\"0\" data-value=\"2\""));
    assert!(svg.contains("data-category=\"11\" data-series=\"0\" data-value=\"0\""));
    assert_eq!(svg.matches("<svg").count(), 1);
    assert_eq!(
        svg.matches("<title>").count(),
        svg.matches("</title>").count()
    );

    let (s, _, svg) = app
        .send_raw(
            Method::GET,
            Some(&office.manager),
            &reports_path(&office, &format!("/waits.svg?from={day}&to={day}")),
            &[],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{svg}");
    assert!(svg.starts_with("<svg"));
    assert!(svg.ends_with("</svg>"));
    assert_eq!(
        svg.matches("<rect class=\"bar\"").count(),
        6,
        "3 services x avg, p90"
    );
    assert!(
        svg.contains("data-category=\"A\" data-series=\"0\" data-value=\"11\""),
        "avg 660 s"
    );
    assert!(
        svg.contains("data-category=\"A\" data-series=\"1\" data-value=\"20\""),
        "p90 1200 s"
    );
    assert_eq!(svg.matches("<line class=\"mark\"").count(), 3);
    assert!(svg.contains("Standard 15 min"));
    // Texts in the manager console's language.
    let (s, _, svg) = app
        .send_raw(
            Method::GET,
            Some(&office.manager),
            &reports_path(&office, &format!("/waits.svg?from={day}&to={day}&lang=da")),
            &[],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{svg}");
    assert!(svg.contains("Servicemål 15 min."), "{svg}");
    assert!(svg.contains("Gns. ventetid"));
    app.stop().await;
}

/// Clerks, devices and other branches' managers get 403; bad periods 422;
/// an unknown branch 404.
async fn who_may_read_and_bad_periods(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    for suffix in ["", ".csv", "/arrivals.svg", "/waits.svg"] {
        let path = reports_path(&office, suffix);
        for token in [&office.clerks[0], &office.kiosk, &office.display] {
            let (s, body) = app.get(token, &path).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {body}");
            assert_error(&body, "forbidden");
        }
        let (s, body) = app.get(&office.admin, &path).await;
        assert_eq!(s, StatusCode::OK, "{path}: {body}");
        for bad in [
            "?from=2026-13-01",
            "?from=yesterday",
            "?from=2026-03-02&to=2026-03-01",
            "?from=2024-01-01&to=2026-01-01",
        ] {
            let (s, body) = app.get(&office.manager, &format!("{path}{bad}")).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}{bad}: {body}");
            assert_error(&body, "invalid");
        }
        let (s, body) = app
            .get(&office.manager, &format!("{path}?when=today"))
            .await;
        assert!(s.is_client_error(), "{path}: unknown parameter: {body}");
    }
    let (s, body) = app.get(&office.admin, "/api/v1/branches/999/reports").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, other) = app
        .post(
            &office.admin,
            "/api/v1/branches",
            json!({ "name": "Other", "timezone": "UTC" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, body) = app
        .get(
            &office.manager,
            &format!("/api/v1/branches/{}/reports", other["id"]),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");

    let (s, doc) = app.send(Method::GET, None, "/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    for path in [
        "/api/v1/branches/{id}/reports",
        "/api/v1/branches/{id}/reports.csv",
        "/api/v1/branches/{id}/reports/arrivals.svg",
        "/api/v1/branches/{id}/reports/waits.svg",
        "/api/v1/devices/{id}/status",
        "/api/v1/branches/{id}/devices/status",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    app.stop().await;
}

backend_tests!(
    figures_of_a_day,
    csv_export,
    svg_charts,
    who_may_read_and_bad_periods
);
