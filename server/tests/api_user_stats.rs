//! A user's own figures, `GET /api/v1/users/{id}/stats`: the tickets a
//! clerk called today (served, no-shows, average service time), who may
//! read them, and bad periods.

mod common;

use common::{Backend, Office, TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::Value;
use waitwell_server::error::AppError;
use waitwell_server::store::{Exec as _, q, write};

fn desk_path(office: &Office, i: usize, action: &str) -> String {
    format!("/api/v1/desks/{}/{action}", office.desks[i])
}

/// Calls the next ticket at desk `i` as its clerk; returns the ticket.
async fn call_next(app: &TestApp, office: &Office, i: usize) -> Value {
    let (s, t) = app
        .post_empty(&office.clerks[i], &desk_path(office, i, "call-next"))
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    t
}

async fn step(app: &TestApp, office: &Office, i: usize, action: &str) {
    let (s, t) = app
        .post_empty(&office.clerks[i], &desk_path(office, i, action))
        .await;
    assert_eq!(s, StatusCode::OK, "{action}: {t}");
}

/// Makes a finished ticket's service take exactly `seconds` (from its start,
/// or its call when it was never started), so averages are exact.
async fn set_service_time(app: &TestApp, ticket: &Value, seconds: i64) {
    let id = ticket["id"].as_i64().unwrap();
    let db = app.state.db.clone();
    let changed: Result<u64, AppError> = async {
        write!(db, |c, _out| async move {
            Ok(c.run(
                q("update tickets set started_at = case when started_at is null then null else finished_at - $2 end,
                          called_at = case when started_at is null then finished_at - $2 else called_at end
                   where id = $1 and finished_at is not null")
                .bind(id)
                .bind(seconds * 1000),
            )
            .await?)
        })
    }
    .await;
    assert_eq!(changed.unwrap(), 1);
}

/// Each clerk sees only the tickets they called today: served, no-shows,
/// the current one, and the average service time of those served.
async fn own_figures_of_today(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let a = office.services[0];
    let (clerk0, clerk1) = (
        app.user_id(&office.clerks[0]).await,
        app.user_id(&office.clerks[1]).await,
    );
    let path0 = format!("/api/v1/users/{clerk0}/stats");
    let path1 = format!("/api/v1/users/{clerk1}/stats");

    let (s, empty) = app.get(&office.clerks[0], &path0).await;
    assert_eq!(s, StatusCode::OK, "{empty}");
    assert_eq!(empty["user_id"], clerk0);
    assert_eq!(empty["branch_id"], office.branch_id);
    assert_eq!(empty["issued"], 0);
    assert_eq!(empty["served"], 0);
    assert_eq!(empty["avg_service_s"], Value::Null);
    let today = empty["from"].as_str().unwrap().to_owned();
    assert_eq!(empty["to"], today.as_str());

    for _ in 0..5 {
        app.issue(&office, a, "normal").await;
    }
    app.open_desk(&office, 0).await;
    app.open_desk(&office, 1).await;
    // Clerk 0: one served (started), one no-show, one still at the desk.
    let t1 = call_next(&app, &office, 0).await;
    step(&app, &office, 0, "start").await;
    step(&app, &office, 0, "finish").await;
    set_service_time(&app, &t1, 120).await;
    call_next(&app, &office, 0).await;
    step(&app, &office, 0, "no-show").await;
    // Clerk 1: two served, one never started (service counts from the call).
    let t3 = call_next(&app, &office, 1).await;
    step(&app, &office, 1, "finish").await;
    set_service_time(&app, &t3, 60).await;
    let t4 = call_next(&app, &office, 1).await;
    step(&app, &office, 1, "start").await;
    step(&app, &office, 1, "finish").await;
    set_service_time(&app, &t4, 90).await;
    call_next(&app, &office, 0).await;

    let (s, mine) = app.get(&office.clerks[0], &path0).await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine["from"], today.as_str());
    assert_eq!(mine["issued"], 3, "{mine}");
    assert_eq!(mine["served"], 1, "{mine}");
    assert_eq!(mine["no_shows"], 1, "{mine}");
    assert_eq!(mine["avg_service_s"], 120.0, "{mine}");

    let (s, theirs) = app.get(&office.clerks[1], &path1).await;
    assert_eq!(s, StatusCode::OK, "{theirs}");
    assert_eq!(theirs["issued"], 2, "{theirs}");
    assert_eq!(theirs["served"], 2, "{theirs}");
    assert_eq!(theirs["no_shows"], 0, "{theirs}");
    assert_eq!(theirs["avg_service_s"], 75.0, "{theirs}");
    assert_eq!(theirs["p90_service_s"], 90.0, "{theirs}");

    // An explicit period: today is the same figures, an old day is empty.
    let (s, same) = app
        .get(
            &office.clerks[1],
            &format!("{path1}?from={today}&to={today}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{same}");
    assert_eq!(same, theirs);
    let (s, old) = app
        .get(&office.clerks[1], &format!("{path1}?from=2000-01-01"))
        .await;
    assert_eq!(s, StatusCode::OK, "{old}");
    assert_eq!(old["from"], "2000-01-01");
    assert_eq!(old["to"], "2000-01-01");
    assert_eq!(old["issued"], 0);
    app.stop().await;
}

/// The user themself, managers of their branch and admins may read; other
/// clerks, devices, managers of other branches may not.
async fn who_may_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let clerk0 = app.user_id(&office.clerks[0]).await;
    let path = format!("/api/v1/users/{clerk0}/stats");
    for (who, token) in [
        ("self", &office.clerks[0]),
        ("manager", &office.manager),
        ("admin", &office.admin),
    ] {
        let (s, body) = app.get(token, &path).await;
        assert_eq!(s, StatusCode::OK, "{who}: {body}");
        assert_eq!(body["user_id"], clerk0, "{who}");
    }
    for (who, token) in [
        ("other clerk", &office.clerks[1]),
        ("kiosk", &office.kiosk),
        ("display", &office.display),
    ] {
        let (s, body) = app.get(token, &path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}: {body}");
        assert_error(&body, "forbidden");
    }
    // A manager of another branch.
    let other = app.office(0).await;
    let (s, body) = app.get(&other.manager, &path).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    // No token.
    let (s, body) = app.send(reqwest::Method::GET, None, &path, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    app.stop().await;
}

/// Unknown users 404; bad dates, reversed periods and an admin (no branch)
/// 422, with the JSON error body.
async fn bad_requests(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let clerk0 = app.user_id(&office.clerks[0]).await;
    let path = format!("/api/v1/users/{clerk0}/stats");
    let (s, body) = app.get(&office.admin, "/api/v1/users/999999/stats").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
    for query in [
        "?from=yesterday",
        "?from=2026-02-30",
        "?from=2026-03-02&to=2026-03-01",
        "?from=2020-01-01&to=2026-01-01",
    ] {
        let (s, body) = app.get(&office.clerks[0], &format!("{path}{query}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_error(&body, "invalid");
    }
    let admin_id = app.user_id(&office.admin).await;
    let (s, body) = app
        .get(&office.admin, &format!("/api/v1/users/{admin_id}/stats"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "invalid");
    // The route is in the OpenAPI document.
    let (s, doc) = app
        .send(reqwest::Method::GET, None, "/api/openapi.json", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        doc["paths"]["/api/v1/users/{id}/stats"]["get"].is_object(),
        "missing from the OpenAPI document"
    );
    app.stop().await;
}

backend_tests!(own_figures_of_today, who_may_read, bad_requests);
