//! The public service-standard figures, `GET /api/v1/public/branches/{id}/performance`
//! and its CSV: the figures of a hand-built history (visits, ratings and
//! predictions written straight into the database on past business days),
//! figures over fewer than five visitors withheld, the CSV's shape, caching
//! headers, no personal data, the organisation's list of offices, 404 and
//! bad `days`.

mod common;

use chrono::{Datelike as _, NaiveDate, TimeDelta, TimeZone as _};
use common::{Backend, Office, TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use waitwell_server::domain::performance::CSV_HEADER;
use waitwell_server::error::AppError;
use waitwell_server::store::{Exec as _, q, write};

/// One visit of the history.
#[derive(Clone, Copy)]
struct Visit {
    service: i64,
    day: NaiveDate,
    /// Local (Europe/Warsaw) hour and minute the ticket was taken.
    at: (u32, u32),
    /// Seconds until the first call.
    wait_s: i64,
    rating: Option<i64>,
    /// Promised wait and range at issue, seconds.
    predicted: Option<(i64, i64, i64)>,
    /// The second leg of a transfer: its wait is not a new one.
    transfer: bool,
}

fn v(service: i64, day: NaiveDate, at: (u32, u32), wait_s: i64) -> Visit {
    Visit {
        service,
        day,
        at,
        wait_s,
        rating: None,
        predicted: None,
        transfer: false,
    }
}

/// Writes finished visits, their ratings and predictions.
async fn history(app: &TestApp, office: &Office, visits: &[Visit]) {
    let branch_id = office.branch_id;
    let db = app.state.db.clone();
    let visits = visits.to_vec();
    let n = visits.len();
    let added: Result<usize, AppError> = write!(db, |c, _out| {
        let visits = visits.clone();
        async move {
            let mut previous: Option<i64> = None;
            for (i, v) in visits.iter().enumerate() {
                let at = chrono_tz::Europe::Warsaw
                    .from_local_datetime(&v.day.and_hms_opt(v.at.0, v.at.1, 0).unwrap())
                    .single()
                    .unwrap()
                    .timestamp_millis();
                let called = at + v.wait_s * 1000;
                let day = v.day.format("%Y-%m-%d").to_string();
                let (id,): (i64,) = c
                    .one(
                        q("insert into tickets (branch_id, service_id, business_day, number, priority, status,
                             issued_at, queued_at, called_at, started_at, finished_at, call_count,
                             transferred_from, public_token, updated_at)
                           values ($1, $2, $3, $4, 'normal', 'done', $5, $5, $6, $6, $7, 1, $8, $9, $7)
                           returning id")
                        .bind(branch_id)
                        .bind(v.service)
                        .bind(day.as_str())
                        .bind(format!("P{i:03}"))
                        .bind(at)
                        .bind(called)
                        .bind(called + 300_000)
                        .bind(if v.transfer { previous } else { None })
                        .bind(format!("secret-token-{i}")),
                    )
                    .await?;
                previous = Some(id);
                if let Some(rating) = v.rating {
                    c.run(
                        q("insert into feedback (ticket_id, branch_id, business_day, service_id, rating,
                             comment, source, created_at)
                           values ($1, $2, $3, $4, $5, 'Private remark of Jan Kowalski', 'ticket_page', $6)")
                        .bind(id)
                        .bind(branch_id)
                        .bind(day.as_str())
                        .bind(v.service)
                        .bind(rating)
                        .bind(called + 400_000),
                    )
                    .await?;
                }
                if let Some((wait, low, high)) = v.predicted {
                    c.run(
                        q("insert into ticket_predictions (ticket_id, branch_id, service_id, business_day,
                             issued_at, issue_wait_s, issue_low_s, issue_high_s, old_estimate_s,
                             latest_at, waited_s)
                           values ($1, $2, $3, $4, $5, $6, $7, $8, $6, $5, $9)")
                        .bind(id)
                        .bind(branch_id)
                        .bind(v.service)
                        .bind(day.as_str())
                        .bind(at)
                        .bind(wait)
                        .bind(low)
                        .bind(high)
                        .bind(v.wait_s),
                    )
                    .await?;
                }
            }
            Ok(visits.len())
        }
    });
    assert_eq!(added.unwrap(), n);
}

fn path(office: &Office, tail: &str) -> String {
    format!(
        "/api/v1/public/branches/{}/performance{tail}",
        office.branch_id
    )
}

async fn public_get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    app.send(Method::GET, None, path, None).await
}

fn service<'a>(p: &'a Value, code: &str) -> &'a Value {
    p["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .unwrap_or_else(|| panic!("no service {code} in {p}"))
}

/// Yesterday, the last day published, from an answer.
fn yesterday(p: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(p["to"].as_str().unwrap(), "%Y-%m-%d").unwrap()
}

/// Passports (A, 15 min standard): six visits at 10:xx yesterday and
/// three at 14:xx, one transfer leg, one visit today and one 29 days
/// ago; ID cards (B): four visits; Licences (C): none.
async fn seed(app: &TestApp, office: &Office) -> NaiveDate {
    let (s, p) = public_get(app, &path(office, "")).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let day = yesterday(&p);
    let today = day + TimeDelta::days(1);
    let (a, b) = (office.services[0], office.services[1]);
    let mut visits = Vec::new();
    let ratings = [5, 4, 4, 3, 5, 0];
    for (i, wait) in [60, 120, 180, 240, 300, 1200].into_iter().enumerate() {
        let mut x = v(a, day, (10, 5 * i as u32), wait);
        x.rating = (ratings[i] > 0).then_some(ratings[i]);
        x.predicted = (i < 5).then_some((100, 50, 150));
        visits.push(x);
    }
    for i in 0..3 {
        visits.push(v(a, day, (14, 10 * i), 30));
    }
    // A transfer's second leg waited an hour in A after its first leg
    // (the 14:20 visit): not a visitor of its own.
    let mut leg = v(a, day, (14, 40), 3600);
    leg.transfer = true;
    visits.push(leg);
    visits.push(v(a, today, (9, 0), 5000));
    visits.push(v(a, today - TimeDelta::days(29), (9, 0), 30));
    for i in 0..4 {
        let mut x = v(b, day - TimeDelta::days(1), (11, i), 600);
        x.rating = Some(1);
        x.predicted = Some((600, 500, 700));
        visits.push(x);
    }
    history(app, office, &visits).await;
    day
}

/// The figures of the hand-built history, and what withholds them.
async fn figures_match_history(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let day = seed(&app, &office).await;
    let (s, p) = public_get(&app, &path(&office, "")).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["days"], 28);
    assert_eq!(p["to"], day.format("%Y-%m-%d").to_string());
    assert_eq!(
        p["from"],
        (day - TimeDelta::days(27)).format("%Y-%m-%d").to_string()
    );
    assert_eq!(p["min_visitors"], 5);
    assert!(p["suppression"].as_str().unwrap().contains("fewer than 5"));
    assert_eq!(p["name"], "Test Office");
    assert_eq!(p["timezone"], "Europe/Warsaw");
    let codes: Vec<&str> = p["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["A", "B", "C"]);

    let a = service(&p, "A");
    assert_eq!(a["name"], "Passports");
    assert!(a["names"].is_object(), "{a}");
    let standard = a["standard_wait_s"].as_i64().unwrap();
    assert_eq!(standard, 900, "{a}");
    // Waits 30 30 30 60 120 180 240 300 1200: nine visitors (not the
    // transfer leg, not today, not 29 days back), eight within 15 min.
    assert_eq!(a["visitors"], 9, "{a}");
    assert_eq!(a["within_standard"], 0.889);
    assert_eq!(a["median_wait_s"], 120.0);
    assert_eq!(a["p90_wait_s"], 1200.0);
    // Ratings 5 4 4 3 5.
    assert_eq!(a["rating"]["ratings"], 5);
    assert_eq!(a["rating"]["avg_rating"], 4.2);
    // Promised 100 s (50 to 150) against 60 120 180 240 300.
    assert_eq!(a["prediction"]["tickets"], 5);
    assert_eq!(a["prediction"]["mean_abs_error_s"], 96.0);
    assert_eq!(a["prediction"]["within_range"], 0.4);
    let weekday = u64::from(day.weekday().number_from_monday());
    let cells = a["best_time"].as_array().unwrap();
    assert_eq!(cells.len(), 2, "{cells:?}");
    assert_eq!(
        cells[0],
        json!({ "weekday": weekday, "hour": 10, "visitors": 6, "median_wait_s": 180.0, "suppressed": false })
    );
    assert_eq!(
        cells[1],
        json!({ "weekday": weekday, "hour": 14, "visitors": null, "median_wait_s": null, "suppressed": true })
    );

    // Four visitors and four ratings: everything withheld.
    let b = service(&p, "B");
    for field in ["visitors", "within_standard", "median_wait_s", "p90_wait_s"] {
        assert!(b[field].is_null(), "{field}: {b}");
    }
    assert!(b["rating"]["ratings"].is_null() && b["rating"]["avg_rating"].is_null());
    assert!(b["prediction"]["tickets"].is_null() && b["prediction"]["mean_abs_error_s"].is_null());
    assert_eq!(b["best_time"][0]["suppressed"], true);
    let c = service(&p, "C");
    assert!(c["visitors"].is_null() && c["best_time"].as_array().unwrap().is_empty());

    // 29 days take in the visit four weeks and a day back.
    let (s, p29) = public_get(&app, &path(&office, "?days=29")).await;
    assert_eq!(s, StatusCode::OK, "{p29}");
    assert_eq!(service(&p29, "A")["visitors"], 10);
    // One day: yesterday only, B's day before is out.
    let (_, p1) = public_get(&app, &path(&office, "?days=1")).await;
    assert_eq!(p1["from"], p1["to"]);
    assert!(
        service(&p1, "B")["best_time"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

/// Waits now: the people waiting, and "no open desk" until a desk opens.
async fn waits_now(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let a = office.services[0];
    app.issue(&office, a, "normal").await;
    app.issue(&office, a, "normal").await;
    let (_, p) = public_get(&app, &path(&office, "")).await;
    let now = &service(&p, "A")["now"];
    assert_eq!(now["waiting"], 2, "{now}");
    assert_eq!(now["no_open_desk"], true);
    assert!(now["predicted_range_s"].is_null());
    app.open_desk(&office, 0).await;
    let (_, p) = public_get(&app, &path(&office, "")).await;
    let now = &service(&p, "A")["now"];
    assert_eq!(now["no_open_desk"], false, "{now}");
    let range = now["predicted_range_s"].as_array().unwrap();
    assert!(range[0].as_i64().unwrap() <= range[1].as_i64().unwrap());
    assert_eq!(service(&p, "B")["now"]["waiting"], 0);
    app.stop().await;
}

/// No ticket numbers, tokens, names, comments or staff in either form.
async fn no_personal_data(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    seed(&app, &office).await;
    let today = app.issue(&office, office.services[0], "normal").await;
    for tail in ["", ".csv"] {
        let (s, _, body) = app
            .send_raw(Method::GET, None, &path(&office, tail), &[], None)
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        for secret in [
            "P000",
            "secret-token",
            "Kowalski",
            "remark",
            "clerk",
            "manager",
            "Desk 1",
            today["number"].as_str().unwrap(),
            today["public_token"].as_str().unwrap_or("no token given"),
        ] {
            assert!(!body.contains(secret), "{secret} in {tail}: {body}");
        }
        for key in ["\"number\"", "user_id", "username", "comment", "desk_id"] {
            assert!(!body.contains(key), "{key} in {tail}");
        }
    }
    app.stop().await;
}

/// The CSV: a header, per service a period row and a row per cell,
/// withheld figures empty; caching headers and a 304 on both forms.
async fn csv_shape_and_caching(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let day = seed(&app, &office).await;
    let (s, headers, csv) = app
        .send_raw(Method::GET, None, &path(&office, ".csv"), &[], None)
        .await;
    assert_eq!(s, StatusCode::OK, "{csv}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(headers["cache-control"], "public, max-age=60");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], CSV_HEADER);
    let width = CSV_HEADER.split(',').count();
    assert_eq!(width, 20);
    for line in &lines {
        assert_eq!(line.split(',').count(), width, "{line}");
    }
    let weekday = day.weekday().number_from_monday();
    // A: period + 2 cells; B: period + 1 cell; C: period.
    assert_eq!(lines.len(), 1 + 3 + 2 + 1, "{csv}");
    assert_eq!(
        lines[1],
        "A,Passports,900,period,,,9,0.889,120,1200,5,4.2,5,96,0.4,0,,,true,"
    );
    assert_eq!(
        lines[2],
        format!("A,Passports,900,hour,{weekday},10,6,,180,,,,,,,,,,,false")
    );
    assert_eq!(
        lines[3],
        format!("A,Passports,900,hour,{weekday},14,,,,,,,,,,,,,,true")
    );
    assert!(
        lines[4].starts_with("B,ID cards,900,period,,,,,,,,,,,,0,"),
        "{}",
        lines[4]
    );
    assert!(
        lines[6].starts_with("C,Licences,900,period,"),
        "{}",
        lines[6]
    );

    for tail in ["", ".csv"] {
        let (s, headers, _) = app
            .send_raw(Method::GET, None, &path(&office, tail), &[], None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(headers["cache-control"], "public, max-age=60");
        let etag = headers["etag"].to_str().unwrap().to_owned();
        let (s, again, body) = app
            .send_raw(
                Method::GET,
                None,
                &path(&office, tail),
                &[("If-None-Match", &etag)],
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_MODIFIED, "{tail}: {body}");
        assert_eq!(again["etag"].to_str().unwrap(), etag);
        // A new ticket changes the waits now, and the ETag with them.
        app.issue(&office, office.services[2], "normal").await;
        let (s, _, _) = app
            .send_raw(
                Method::GET,
                None,
                &path(&office, tail),
                &[("If-None-Match", &etag)],
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{tail}");
    }
    app.stop().await;
}

/// Unknown and inactive offices are 404; `days` outside 1 to 90 is a 400
/// with reason `invalid_days`.
async fn unknown_office_and_bad_days(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    for tail in ["", ".csv"] {
        let (s, body) = public_get(
            &app,
            &format!("/api/v1/public/branches/999999/performance{tail}"),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
        assert_error(&body, "not_found");
        for bad in ["0", "91", "-1", "many", "2.5", ""] {
            let (s, body) = public_get(&app, &path(&office, &format!("{tail}?days={bad}"))).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "days={bad}: {body}");
            assert_error(&body, "bad_request");
            assert_eq!(body["reason"], "invalid_days");
        }
        let (s, body) = public_get(&app, &path(&office, &format!("{tail}?days=90"))).await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    let (s, body) = app
        .patch(
            &office.admin,
            &format!("/api/v1/branches/{}", office.branch_id),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = public_get(&app, &path(&office, "")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["reason"], "branch_not_found");
    app.stop().await;
}

/// The organisation page's list: every active office with its name,
/// cacheable; and the endpoints are in the OpenAPI document.
async fn office_list_and_openapi(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.office(1).await;
    let second = app.office(1).await;
    let (s, list) = public_get(&app, "/api/v1/public/branches").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&first.branch_id) && ids.contains(&second.branch_id));
    assert_eq!(list[0]["name"], "Test Office");
    assert_eq!(list[0]["languages"], json!(["en", "pl", "da"]));
    let (s, _) = app
        .patch(
            &first.admin,
            &format!("/api/v1/branches/{}", first.branch_id),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = public_get(&app, "/api/v1/public/branches").await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|b| b["id"] != first.branch_id)
    );

    let (s, doc) = public_get(&app, "/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    for path in [
        "/api/v1/public/branches",
        "/api/v1/public/branches/{id}/performance",
        "/api/v1/public/branches/{id}/performance.csv",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} missing");
    }
    let schema = &doc["components"]["schemas"]["Performance"];
    assert!(
        schema["properties"]["suppression"]["description"].is_string(),
        "{schema}"
    );
    assert!(doc["components"]["schemas"]["HourCell"].is_object());
    app.stop().await;
}

backend_tests!(
    figures_match_history,
    waits_now,
    no_personal_data,
    csv_shape_and_caching,
    unknown_office_and_bad_days,
    office_list_and_openapi,
);
