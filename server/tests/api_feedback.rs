//! Visitor feedback: a rating on the ticket page (by public token) and on
//! the exit tablet (kiosk token, ticket number of today); only for done
//! tickets of today, once; bad input is a 422 that changes nothing; the
//! event carries the rating but never the comment; the manager's report and
//! CSV show ratings per service, desk and clerk with the comments.

mod common;

use common::{Backend, Office, TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use waitwell_server::error::AppError;
use waitwell_server::store::{Exec as _, q, read, write};

fn token(t: &Value) -> String {
    t["public_token"].as_str().unwrap().to_owned()
}

async fn rate(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.send(
        Method::POST,
        None,
        &format!("/api/v1/public/tickets/{token}/feedback"),
        Some(body),
    )
    .await
}

async fn tablet(app: &TestApp, auth: &str, branch_id: i64, body: Value) -> (StatusCode, Value) {
    app.post(
        auth,
        &format!("/api/v1/branches/{branch_id}/feedback"),
        body,
    )
    .await
}

/// Issues a ticket and serves it to the end at desk `desk`.
async fn served(app: &TestApp, office: &Office, service: usize, desk: usize) -> Value {
    let t = app.issue(office, office.services[service], "normal").await;
    let path = format!("/api/v1/desks/{}", office.desks[desk]);
    let clerk = &office.clerks[desk];
    let (s, c) = app
        .post(
            clerk,
            &format!("{path}/call"),
            json!({ "ticket_id": t["id"], "reason": "test order" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let (s, d) = app.post_empty(clerk, &format!("{path}/finish")).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["status"], "done");
    t
}

async fn feedback_rows(app: &TestApp) -> i64 {
    let db = &app.state.db;
    let n: Result<(i64,), AppError> = async {
        read!(db, |c| c
            .one(q("select count(*) from feedback"))
            .await
            .map_err(AppError::from))
    }
    .await;
    n.unwrap().0
}

async fn all_payloads(app: &TestApp, branch_id: i64) -> String {
    let db = &app.state.db;
    let rows: Result<Vec<(String, String)>, AppError> = async {
        read!(db, |c| c
            .all(
                q("select type, payload from events where branch_id = $1 order by seq")
                    .bind(branch_id)
            )
            .await
            .map_err(AppError::from))
    }
    .await;
    rows.unwrap()
        .into_iter()
        .map(|(t, p)| format!("{t} {p}\n"))
        .collect()
}

/// The ticket page: 409 before the visit is done, 201 once, 409 the
/// second time; bad ratings and comments are 422s that store nothing; the
/// event has the rating and not the comment.
async fn ticket_page_feedback(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    app.open_desk(&office, 0).await;
    let waiting = app.issue(&office, office.services[0], "normal").await;
    let (s, e) = rate(&app, &token(&waiting), json!({ "rating": 5 })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("not finished yet"),
        "{e}"
    );
    let (_, v) = app
        .send(
            Method::GET,
            None,
            &format!("/api/v1/public/tickets/{}", token(&waiting)),
            None,
        )
        .await;
    assert_eq!(v["feedback"], "none");

    let t = served(&app, &office, 1, 0).await;
    let (_, v) = app
        .send(
            Method::GET,
            None,
            &format!("/api/v1/public/tickets/{}", token(&t)),
            None,
        )
        .await;
    assert_eq!(v["feedback"], "open");
    assert_eq!(v["feedback_rating"], Value::Null);

    for bad in [
        json!({ "rating": 0 }),
        json!({ "rating": 6 }),
        json!({ "rating": "5" }),
        json!({ "rating": 4.5 }),
        json!({}),
        json!({ "rating": 3, "comment": "x".repeat(501) }),
        json!({ "rating": 3, "stars": 3 }),
    ] {
        let (s, e) = rate(&app, &token(&t), bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
        assert_error(&e, "invalid");
    }
    assert_eq!(feedback_rows(&app).await, 0);
    let before = app.event_count(office.branch_id).await;

    let comment = "Quick, but clerk Jane Doe (+45 1234 5678) was rude";
    let (s, f) = rate(
        &app,
        &token(&t),
        json!({ "rating": 2, "comment": format!("  {comment}\n") }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    assert_eq!(f["rating"], 2);
    assert_eq!(f["comment"], comment);
    assert_eq!(f["source"], "ticket_page");
    assert_eq!(f["ticket_id"], t["id"]);
    assert_eq!(app.event_count(office.branch_id).await, before + 1);
    let log = all_payloads(&app, office.branch_id).await;
    let line = log
        .lines()
        .find(|l| l.starts_with("feedback.given "))
        .unwrap();
    assert!(line.contains("\"rating\":2"), "{line}");
    assert!(line.contains("\"has_comment\":true"), "{line}");
    assert!(
        // The phone number as written: bare digits like "1234" also turn
        // up in timestamps and hashes of the log.
        !log.contains("Jane") && !log.contains("1234 5678") && !log.contains("rude"),
        "no comment text in the event log: {log}"
    );

    let (s, e) = rate(&app, &token(&t), json!({ "rating": 5 })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_error(&e, "conflict");
    assert!(
        e["message"].as_str().unwrap().contains("already given"),
        "{e}"
    );
    assert_eq!(feedback_rows(&app).await, 1);
    let (_, v) = app
        .send(
            Method::GET,
            None,
            &format!("/api/v1/public/tickets/{}", token(&t)),
            None,
        )
        .await;
    assert_eq!(v["feedback"], "given");
    assert_eq!(v["feedback_rating"], 2);

    // Unknown and malformed tokens.
    for bad in ["x", &"0".repeat(64)] {
        let (s, e) = rate(&app, bad, json!({ "rating": 5 })).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    }
    assert_eq!(app.verify_chain(office.branch_id).await.broken, None);
    app.stop().await;
}

/// A finished ticket of an earlier business day can no longer be rated.
async fn feedback_window_is_the_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    app.open_desk(&office, 0).await;
    let t = served(&app, &office, 0, 0).await;
    let id = t["id"].as_i64().unwrap();
    let done: Result<(), AppError> = write!(app.state.db, |c, _out| async move {
        c.run(q("update tickets set business_day = '2020-01-01' where id = $1").bind(id))
            .await?;
        Ok(())
    });
    done.unwrap();
    let (_, v) = app
        .send(
            Method::GET,
            None,
            &format!("/api/v1/public/tickets/{}", token(&t)),
            None,
        )
        .await;
    assert_eq!(v["feedback"], "none");
    let (s, e) = rate(&app, &token(&t), json!({ "rating": 5 })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("end of its day"),
        "{e}"
    );
    assert_eq!(feedback_rows(&app).await, 0);
    app.stop().await;
}

/// The exit tablet: a kiosk of the branch rates today's ticket by number
/// (any case); displays and other branches' kiosks may not; unknown
/// numbers 404, unfinished 409, twice 409, malformed 422.
async fn exit_tablet(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let other = app.office(1).await;
    app.open_desk(&office, 0).await;
    let t = served(&app, &office, 0, 0).await;
    let waiting = app.issue(&office, office.services[1], "normal").await;
    let b = office.branch_id;

    let (s, e) = tablet(
        &app,
        &office.display,
        b,
        json!({ "number": "A001", "rating": 5 }),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, e) = tablet(
        &app,
        &other.kiosk,
        b,
        json!({ "number": "A001", "rating": 5 }),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, e) = app
        .send(
            Method::POST,
            None,
            &format!("/api/v1/branches/{b}/feedback"),
            Some(json!({ "number": "A001", "rating": 5 })),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    for bad in [
        json!({ "number": "A-1", "rating": 5 }),
        json!({ "number": "", "rating": 5 }),
        json!({ "number": "A001", "rating": 9 }),
        json!({ "number": 1, "rating": 5 }),
    ] {
        let (s, e) = tablet(&app, &office.kiosk, b, bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
        assert_error(&e, "invalid");
    }
    let (s, e) = tablet(
        &app,
        &office.kiosk,
        b,
        json!({ "number": "A999", "rating": 5 }),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert_error(&e, "not_found");
    let (s, e) = tablet(
        &app,
        &office.kiosk,
        b,
        json!({ "number": waiting["number"], "rating": 5 }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(feedback_rows(&app).await, 0);

    let (s, f) = tablet(
        &app,
        &office.kiosk,
        b,
        json!({ "number": " a001 ", "rating": 5, "comment": "Great" }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    assert_eq!(f["ticket_id"], t["id"]);
    assert_eq!(f["source"], "exit_tablet");
    let (s, e) = tablet(
        &app,
        &office.kiosk,
        b,
        json!({ "number": "A001", "rating": 1 }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    // The ticket page agrees.
    let (s, e) = rate(&app, &token(&t), json!({ "rating": 1 })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let log = all_payloads(&app, b).await;
    assert!(log.contains("\"source\":\"exit_tablet\""), "{log}");
    assert!(!log.contains("Great"), "{log}");
    app.stop().await;
}

/// The report: ratings per service, desk and clerk, the comments; the CSV
/// has each ticket's rating and comment.
async fn report_shows_feedback(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    app.open_desk(&office, 0).await;
    app.open_desk(&office, 1).await;
    let a1 = served(&app, &office, 0, 0).await;
    let a2 = served(&app, &office, 0, 1).await;
    let b1 = served(&app, &office, 1, 0).await;
    for (t, rating, comment) in [
        (&a1, 5, None),
        (&a2, 2, Some("=too slow, sorry")),
        (&b1, 4, None),
    ] {
        let body = match comment {
            Some(c) => json!({ "rating": rating, "comment": c }),
            None => json!({ "rating": rating }),
        };
        let (s, f) = rate(&app, &token(t), body).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
    }
    let day = a1["business_day"].as_str().unwrap();
    let b = office.branch_id;
    let (s, r) = app
        .get(
            &office.manager,
            &format!("/api/v1/branches/{b}/reports?from={day}&to={day}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let fb = &r["feedback"];
    assert_eq!(fb["total"]["responses"], 3);
    assert_eq!(fb["total"]["avg_rating"], 3.67);
    assert_eq!(fb["total"]["counts"], json!([0, 1, 0, 1, 1]));
    let services = fb["services"].as_array().unwrap();
    assert_eq!(services.len(), 2);
    assert_eq!(services[0]["code"], "A");
    assert_eq!(services[0]["name"], "Passports");
    assert_eq!(services[0]["responses"], 2);
    assert_eq!(services[0]["avg_rating"], 3.5);
    assert_eq!(services[1]["code"], "B");
    assert_eq!(services[1]["avg_rating"], 4.0);
    let desks = fb["desks"].as_array().unwrap();
    assert_eq!(desks[0]["name"], "Desk 1");
    assert_eq!(desks[0]["responses"], 2);
    assert_eq!(desks[0]["avg_rating"], 4.5);
    assert_eq!(desks[1]["name"], "Desk 2");
    assert_eq!(desks[1]["avg_rating"], 2.0);
    let clerks = fb["clerks"].as_array().unwrap();
    assert_eq!(clerks[0]["name"], format!("clerk{b}_1"));
    assert_eq!(clerks[0]["avg_rating"], 4.5);
    assert_eq!(clerks[1]["name"], format!("clerk{b}_2"));
    let comments = fb["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["number"], "A002");
    assert_eq!(comments[0]["desk_name"], "Desk 2");
    assert_eq!(comments[0]["rating"], 2);
    assert_eq!(comments[0]["comment"], "=too slow, sorry");

    // Another period has none; the clerk of another branch may not read.
    let (s, r) = app
        .get(
            &office.manager,
            &format!("/api/v1/branches/{b}/reports?from=2020-01-01&to=2020-01-02"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["feedback"]["total"]["responses"], 0);
    assert_eq!(r["feedback"]["total"]["counts"], json!([0, 0, 0, 0, 0]));

    let (s, _, csv) = app
        .send_raw(
            Method::GET,
            Some(&office.manager),
            &format!("/api/v1/branches/{b}/reports.csv?from={day}&to={day}"),
            &[],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert!(
        lines[0].ends_with(",outcome,feedback_rating,feedback_comment"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("A001,") && lines[1].ends_with(",5,"),
        "{}",
        lines[1]
    );
    // A comment is free text: quoted, and guarded against formulas.
    assert!(
        lines[2].starts_with("A002,") && lines[2].ends_with(",2,\"'=too slow, sorry\""),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("B001,") && lines[3].ends_with(",4,"),
        "{}",
        lines[3]
    );
    app.stop().await;
}

/// Every route of the ticket page and feedback is in the OpenAPI document.
async fn documented(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, doc) = app.send(Method::GET, None, "/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    for (path, method) in [
        ("/api/v1/public/tickets/{token}/feedback", "post"),
        ("/api/v1/public/tickets/{token}/cancel", "post"),
        ("/api/v1/public/tickets/{token}/postpone", "post"),
        ("/api/v1/public/tickets/{token}/live", "get"),
        ("/api/v1/branches/{id}/feedback", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    app.stop().await;
}

backend_tests!(
    documented,
    ticket_page_feedback,
    feedback_window_is_the_day,
    exit_tablet,
    report_shows_feedback
);
