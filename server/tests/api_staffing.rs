//! Staffing advice, `GET /api/v1/branches/{id}/staffing`: the forecast
//! from the same weekday of past weeks (history written straight into the
//! database), the Erlang C advice for it, the desks that were open, who may
//! read it and bad input.

mod common;

use chrono::{NaiveDate, TimeDelta, TimeZone as _};
use common::{Backend, Office, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use waitwell_server::error::AppError;
use waitwell_server::store::{Exec as _, q, write};

/// Adds `n` expired tickets of `service` issued on `day` at `hour`:15 local
/// (Europe/Warsaw, the fixture office's zone).
async fn history(app: &TestApp, office: &Office, service: i64, day: NaiveDate, hour: u32, n: i64) {
    let at = chrono_tz::Europe::Warsaw
        .from_local_datetime(&day.and_hms_opt(hour, 15, 0).unwrap())
        .single()
        .unwrap()
        .timestamp_millis();
    let (branch_id, db) = (office.branch_id, app.state.db.clone());
    let day = day.format("%Y-%m-%d").to_string();
    let added: Result<i64, AppError> = write!(db, |c, _out| async move {
        for i in 0..n {
            c.run(
                q("insert into tickets (branch_id, service_id, business_day, number, priority, status,
                     issued_at, queued_at, call_count, public_token, updated_at)
                   values ($1, $2, $3, $4, 'normal', 'expired', $5, $5, 0, $6, $5)")
                .bind(branch_id)
                .bind(service)
                .bind(day.as_str())
                .bind(format!("H{i}"))
                .bind(at + i)
                .bind(format!("history-{day}-{service}-{hour}-{i}")),
            )
            .await?;
        }
        Ok(n)
    });
    assert_eq!(added.unwrap(), n);
}

async fn staffing(app: &TestApp, token: &str, office: &Office, query: &str) -> (StatusCode, Value) {
    app.get(
        token,
        &format!("/api/v1/branches/{}/staffing{query}", office.branch_id),
    )
    .await
}

fn hour(advice: &Value, service: i64, h: usize) -> &Value {
    let s = advice["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_id"] == service)
        .unwrap();
    &s["hours"][h]
}

/// Forecast, advice and desks open for a day a week ahead and for today.
async fn advice_from_history(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let (a, b) = (office.services[0], office.services[1]);
    let (s, now) = staffing(&app, &office.manager, &office, "").await;
    assert_eq!(s, StatusCode::OK, "{now}");
    let today = NaiveDate::parse_from_str(now["day"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    assert_eq!(now["history_days"], 0);
    let day = today + TimeDelta::weeks(1);
    // Two weeks with 20 Passports visitors at 10:00; a third week with one
    // ID-card visitor at 14:00 (the office was open: it counts as a day
    // with no Passports visitors at 10); four weeks back nothing (closed:
    // not counted); and other weekdays do not count.
    history(&app, &office, a, day - TimeDelta::weeks(1), 10, 20).await;
    history(&app, &office, a, day - TimeDelta::weeks(2), 10, 20).await;
    history(&app, &office, b, day - TimeDelta::weeks(3), 14, 1).await;
    history(&app, &office, a, day - TimeDelta::days(3), 10, 50).await;

    let query = format!("?day={}", day.format("%Y-%m-%d"));
    let (s, advice) = staffing(&app, &office.manager, &office, &query).await;
    assert_eq!(s, StatusCode::OK, "{advice}");
    assert_eq!(advice["history_days"], 3);
    assert_eq!(advice["target_share"], 0.8);
    assert_eq!(advice["timezone"], "Europe/Warsaw");
    let ten = hour(&advice, a, 10);
    assert_eq!(ten["hour"], 10);
    assert_eq!(ten["forecast_arrivals"], 13.33);
    // Service time: the 300 s default, no visit finished yet; standard 900 s.
    let service = advice["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_id"] == a)
        .unwrap();
    assert_eq!(service["mean_service_s"], 300.0);
    assert_eq!(service["standard_wait_s"], 900);
    let want = waitwell_queue::desks_needed(40.0 / 3.0, 300.0, 900.0, 0.8);
    assert_eq!(ten["desks_needed"].as_u64(), want.map(u64::from));
    assert!(
        want.is_some_and(|n| n >= 2),
        "{want:?}: 1.1 erlangs need 2 desks"
    );
    assert_eq!(hour(&advice, a, 9)["desks_needed"], 0);
    assert_eq!(hour(&advice, a, 9)["forecast_arrivals"], 0.0);
    assert_eq!(hour(&advice, b, 14)["forecast_arrivals"], 0.33);
    // A future day has no desk plan.
    assert!(ten["desks_open"].is_null());

    // A stricter target needs at least as many desks.
    let (s, strict) = staffing(
        &app,
        &office.manager,
        &office,
        &format!("{query}&target_share=0.99"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{strict}");
    assert!(hour(&strict, a, 10)["desks_needed"].as_u64() > ten["desks_needed"].as_u64());

    // Today: a desk opened now counts from now on; a past day saw none.
    app.open_desk(&office, 0).await;
    let (_, today_advice) = staffing(&app, &office.manager, &office, "").await;
    let open: f64 = (0..24)
        .map(|h| hour(&today_advice, a, h)["desks_open"].as_f64().unwrap())
        .sum();
    assert!(open > 0.0 && open <= 24.0, "{open}");
    let past = format!("?day={}", (today - TimeDelta::weeks(1)).format("%Y-%m-%d"));
    let (_, before) = staffing(&app, &office.manager, &office, &past).await;
    assert!((0..24).all(|h| hour(&before, a, h)["desks_open"] == 0.0));

    // Simulated across the desks that were open: a week ago none was, so
    // the forecast's ID-card visitor (one a day) is never called; today
    // desk 1 is open from now on and the forecast has ten Passports
    // visitors; a future day has no desks to simulate.
    let simulated = |advice: &Value, service: i64| {
        advice["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service_id"] == service)
            .unwrap()["simulated"]
            .clone()
    };
    let shut = simulated(&before, b);
    assert_eq!(shut["share_within"], 0.0, "{shut}");
    assert_eq!(shut["not_called"], shut["visitors"], "{shut}");
    assert!(
        (0.7..1.3).contains(&shut["visitors"].as_f64().unwrap()),
        "{shut}"
    );
    assert_eq!(simulated(&before, a)["visitors"], 0.0);
    let open_now = simulated(&today_advice, a);
    assert!(
        (9.0..11.0).contains(&open_now["visitors"].as_f64().unwrap()),
        "{open_now}"
    );
    assert!(open_now["share_within"].as_f64().is_some(), "{open_now}");
    assert!(simulated(&advice, a).is_null());
    app.stop().await;
}

/// Managers only; bad days and shares are refused.
async fn who_may_read_and_bad_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    for token in [&office.clerks[0], &office.display, &office.kiosk] {
        let (s, body) = staffing(&app, token, &office, "").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    }
    let (s, _) = app
        .send(
            Method::GET,
            None,
            &format!("/api/v1/branches/{}/staffing", office.branch_id),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    for query in [
        "?day=2026-02-30",
        "?day=tomorrow",
        "?target_share=1.5",
        "?target_share=0.2",
    ] {
        let (s, body) = staffing(&app, &office.manager, &office, query).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        common::assert_error(&body, "invalid");
    }
    // A query string that does not parse is a bad request, as everywhere.
    for query in ["?target_share=x", "?hour=3"] {
        let (s, body) = staffing(&app, &office.manager, &office, query).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {body}");
        common::assert_error(&body, "bad_request");
    }
    let (s, _) = app
        .get(&office.admin, "/api/v1/branches/999999/staffing")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, doc) = app.send(Method::GET, None, "/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["paths"]["/api/v1/branches/{id}/staffing"]["get"].is_object());
    assert!(doc["components"]["schemas"]["StaffingHour"]["properties"]["desks_needed"].is_object());
    app.stop().await;
}

/// The advice as the reports' bar chart: per hour the desks needed and
/// open summed over services, texts in the console's language, managers
/// only.
async fn chart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let (a, b) = (office.services[0], office.services[1]);
    let (_, now) = staffing(&app, &office.manager, &office, "").await;
    let today = NaiveDate::parse_from_str(now["day"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let day = today + TimeDelta::weeks(1);
    history(&app, &office, a, day - TimeDelta::weeks(1), 10, 20).await;
    history(&app, &office, b, day - TimeDelta::weeks(1), 10, 20).await;
    let query = format!("?day={}", day.format("%Y-%m-%d"));
    let (_, advice) = staffing(&app, &office.manager, &office, &query).await;
    let needed = hour(&advice, a, 10)["desks_needed"].as_u64().unwrap()
        + hour(&advice, b, 10)["desks_needed"].as_u64().unwrap();
    let path = |q: &str| {
        format!(
            "/api/v1/branches/{}/staffing.svg{query}{q}",
            office.branch_id
        )
    };
    let (s, headers, svg) = app
        .send_raw(Method::GET, Some(&office.manager), &path(""), &[], None)
        .await;
    assert_eq!(s, StatusCode::OK, "{svg}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    // A future day: only the "needed" series, one bar per hour.
    assert_eq!(svg.matches("<rect class=\"bar\"").count(), 24);
    assert!(svg.contains(&format!(
        "data-category=\"10\" data-series=\"0\" data-value=\"{needed}\""
    )));
    assert!(svg.contains("Desks needed"));
    for (lang, legend) in [
        ("pl", "Potrzebne stanowiska"),
        ("da", "Nødvendige skranker"),
    ] {
        let (s, _, svg) = app
            .send_raw(
                Method::GET,
                Some(&office.manager),
                &path(&format!("&lang={lang}")),
                &[],
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{svg}");
        assert!(svg.contains(legend), "{lang}");
    }
    // An unknown language falls back to English.
    let (_, _, svg) = app
        .send_raw(
            Method::GET,
            Some(&office.manager),
            &path("&lang=xx"),
            &[],
            None,
        )
        .await;
    assert!(svg.contains("Desks needed"));
    // Today: desks open are a second series.
    app.open_desk(&office, 0).await;
    let (_, _, svg) = app
        .send_raw(
            Method::GET,
            Some(&office.manager),
            &format!("/api/v1/branches/{}/staffing.svg", office.branch_id),
            &[],
            None,
        )
        .await;
    assert_eq!(svg.matches("<rect class=\"bar\"").count(), 48);
    assert!(svg.contains("Desks open"));
    let (s, _, _) = app
        .send_raw(Method::GET, Some(&office.clerks[0]), &path(""), &[], None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = app
        .send_raw(
            Method::GET,
            Some(&office.manager),
            &path("&hour=3"),
            &[],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    app.stop().await;
}

async fn what_if(
    app: &TestApp,
    token: &str,
    office: &Office,
    changes: Value,
) -> (StatusCode, Value) {
    app.post(
        token,
        &format!("/api/v1/branches/{}/staffing/what-if", office.branch_id),
        serde_json::json!({ "changes": changes }),
    )
    .await
}

/// The rest of today with and without a change of plan: more desks call
/// the waiting visitors sooner, a break leaves them waiting, a desk opened
/// for another service changes nothing for them; bad changes are refused
/// and nothing is changed.
async fn what_if_scenarios(backend: Backend) {
    use serde_json::json;
    let app = TestApp::spawn(backend).await;
    let office = app.office(3).await;
    let (a, b) = (office.services[0], office.services[1]);
    // The business day ends twelve hours from now, whenever the test runs.
    let rollover = (chrono::Utc::now() + TimeDelta::hours(12))
        .with_timezone(&chrono_tz::Europe::Warsaw)
        .format("%H:%M")
        .to_string();
    let (s, branch) = app
        .patch(
            &office.admin,
            &format!("/api/v1/branches/{}", office.branch_id),
            json!({ "rollover": rollover }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{branch}");
    app.open_desk(&office, 0).await;
    for _ in 0..12 {
        app.issue(&office, a, "normal").await;
    }
    let (d1, d2, d3) = (office.desks[0], office.desks[1], office.desks[2]);
    let figures = |answer: &Value, which: &str, service: i64| {
        answer["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service_id"] == service)
            .unwrap()[which]
            .clone()
    };

    // No change: the same figures twice.
    let (s, same) = what_if(&app, &office.manager, &office, json!([])).await;
    assert_eq!(s, StatusCode::OK, "{same}");
    assert_eq!(same["baseline"], same["scenario"]);
    assert_eq!(same["baseline"]["visitors"], 12.0, "{same}");
    assert_eq!(same["history_days"], 0);
    assert_eq!(same["timezone"], "Europe/Warsaw");
    assert!(same["until_ms"].as_i64() > same["from_ms"].as_i64());
    // One desk, twelve visitors of about five minutes, a 15-minute
    // standard: most wait longer than that.
    let one = figures(&same, "baseline", a);
    assert!(one["share_within"].as_f64().unwrap() < 0.6, "{one}");
    assert!(one["longest_wait_s"].as_i64().unwrap() > 1800, "{one}");

    // Two more desks from now on: shorter waits, more within standard.
    let (s, more) = what_if(
        &app,
        &office.manager,
        &office,
        json!([{ "desk_id": d2, "action": "open" }, { "desk_id": d3, "action": "open" }]),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{more}");
    let three = figures(&more, "scenario", a);
    assert_eq!(figures(&more, "baseline", a), one);
    assert!(
        three["longest_wait_s"].as_i64() < one["longest_wait_s"].as_i64(),
        "{three} {one}"
    );
    assert!(
        three["share_within"].as_f64() > one["share_within"].as_f64(),
        "{three} {one}"
    );

    // The open desk on a break for the rest of the day: nobody is called.
    let (s, off) = what_if(
        &app,
        &office.manager,
        &office,
        json!([{ "desk_id": d1, "action": "break" }]),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{off}");
    let none = figures(&off, "scenario", a);
    assert_eq!(
        (none["not_called"].as_f64(), none["share_within"].as_f64()),
        (Some(12.0), Some(0.0)),
        "{none}"
    );

    // A desk opened for ID cards only does nothing for Passports visitors.
    let (s, other) = what_if(
        &app,
        &office.manager,
        &office,
        json!([{ "desk_id": d2, "action": "open", "service_ids": [b] }]),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{other}");
    assert_eq!(figures(&other, "scenario", a), one);

    // Refused: unknown desk, a service of no branch, services for a break,
    // malformed times, a change that ends before it starts, unknown fields.
    let bad = [
        json!([{ "desk_id": 999_999, "action": "open" }]),
        json!([{ "desk_id": d2, "action": "open", "service_ids": [999_999] }]),
        json!([{ "desk_id": d2, "action": "open", "service_ids": [] }]),
        json!([{ "desk_id": d1, "action": "break", "service_ids": [a] }]),
        json!([{ "desk_id": d2, "action": "open", "from": "25:00" }]),
        json!([{ "desk_id": d2, "action": "open", "from": "9" }]),
        json!([{ "desk_id": d2, "action": "open", "from": "12:00", "to": "11:00" }]),
    ];
    for changes in bad {
        let (s, body) = what_if(&app, &office.manager, &office, changes.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{changes}: {body}");
        common::assert_error(&body, "invalid");
    }
    let too_many: Vec<Value> = (0..51)
        .map(|_| json!({ "desk_id": d2, "action": "open" }))
        .collect();
    let (s, _) = what_if(&app, &office.manager, &office, Value::Array(too_many)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for body in [
        json!({ "changes": [{ "desk_id": d2, "action": "dance" }] }),
        json!({ "changes": [], "extra": 1 }),
        json!({}),
    ] {
        let (s, answer) = app
            .post(
                &office.manager,
                &format!("/api/v1/branches/{}/staffing/what-if", office.branch_id),
                body.clone(),
            )
            .await;
        assert!(s.is_client_error(), "{body}: {s} {answer}");
    }
    // Managers only; nothing was changed: desk 2 is still closed.
    for token in [&office.clerks[0], &office.display, &office.kiosk] {
        let (s, _) = what_if(&app, token, &office, json!([])).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (_, desk) = app
        .get(&office.manager, &format!("/api/v1/desks/{d2}"))
        .await;
    assert_eq!(desk["status"], "closed", "{desk}");
    let (_, doc) = app.send(Method::GET, None, "/api/openapi.json", None).await;
    assert!(doc["paths"]["/api/v1/branches/{id}/staffing/what-if"]["post"].is_object());
    assert!(doc["components"]["schemas"]["WhatIf"]["properties"]["scenario"].is_object());
    app.stop().await;
}

backend_tests!(
    advice_from_history,
    who_may_read_and_bad_input,
    chart,
    what_if_scenarios
);
