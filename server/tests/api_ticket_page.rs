//! The visitor's actions on the ticket page, by public token: postponing
//! once (behind everyone waiting, recorded, refused the second time),
//! cancelling (counters, the desk freed, recorded as the visitor's), and
//! the live stream of the ticket view (first view at once, a call pushed,
//! unknown tokens 404, the stream ends when the ticket settles and when the
//! server shuts down).

mod common;

use std::time::Duration;

use common::{Backend, Office, TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use waitwell_server::error::AppError;
use waitwell_server::store::{Exec as _, q, read};

async fn public(app: &TestApp, token: &str) -> (StatusCode, Value) {
    app.send(
        Method::GET,
        None,
        &format!("/api/v1/public/tickets/{token}"),
        None,
    )
    .await
}

async fn act(app: &TestApp, token: &str, action: &str) -> (StatusCode, Value) {
    app.send(
        Method::POST,
        None,
        &format!("/api/v1/public/tickets/{token}/{action}"),
        None,
    )
    .await
}

fn token(t: &Value) -> String {
    t["public_token"].as_str().unwrap().to_owned()
}

/// The payload of the branch's last event of a type.
async fn last_event(app: &TestApp, branch_id: i64, kind: &str) -> (String, Value) {
    let db = &app.state.db;
    let kind = kind.to_owned();
    let row: Result<(String, String), AppError> = async {
        read!(db, |c| c
            .one(
                q("select actor, payload from events where branch_id = $1 and type = $2 order by seq desc limit 1")
                    .bind(branch_id)
                    .bind(kind.as_str())
            )
            .await
            .map_err(AppError::from))
    }
    .await;
    let (actor, payload) = row.unwrap();
    (actor, serde_json::from_str(&payload).unwrap())
}

async fn waiting_numbers(app: &TestApp, office: &Office) -> Vec<String> {
    let (s, q) = app
        .get(
            &office.manager,
            &format!("/api/v1/branches/{}/queue", office.branch_id),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    q["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["number"].as_str().unwrap().to_owned())
        .collect()
}

/// Postponing moves a waiting ticket behind everyone waiting, once; the
/// second time, and on a called ticket, it is a clear 409 that changes
/// nothing.
async fn postpone_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let a = office.services[0];
    let t1 = app.issue(&office, a, "normal").await;
    let t2 = app.issue(&office, a, "normal").await;
    let t3 = app.issue(&office, a, "normal").await;
    // Another service's queue is not touched.
    app.issue(&office, office.services[1], "normal").await;
    let (s, v) = public(&app, &token(&t1)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["can_postpone"], true);
    assert_eq!(v["postponed"], false);
    assert_eq!(v["position"], 0);

    let (s, v) = act(&app, &token(&t1), "postpone").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "waiting");
    assert_eq!(v["position"], 2, "behind the two waiting: {v}");
    assert_eq!(v["can_postpone"], false);
    assert_eq!(v["postponed"], true);
    assert_eq!(
        waiting_numbers(&app, &office).await,
        ["A002", "A003", "B001", "A001"]
    );
    let (actor, payload) = last_event(&app, office.branch_id, "ticket.postponed").await;
    assert_eq!(actor, "system");
    assert_eq!(payload["by"], "visitor");
    assert_eq!(payload["ticket"]["number"], "A001");
    assert_eq!(payload["queued_at_before"], t1["queued_at"]);
    assert!(payload["service"]["waiting"].as_i64().is_some());
    assert!(!payload.to_string().contains(&token(&t1)));

    let before = app.event_count(office.branch_id).await;
    let (s, e) = act(&app, &token(&t1), "postpone").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_error(&e, "conflict");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("already postponed once"),
        "{e}"
    );
    assert_eq!(app.event_count(office.branch_id).await, before);
    assert_eq!(
        waiting_numbers(&app, &office).await,
        ["A002", "A003", "B001", "A001"]
    );

    // A called ticket cannot be postponed.
    app.open_desk(&office, 0).await;
    let (s, called) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/call-next", office.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{called}");
    assert_eq!(called["number"], "A002");
    let (_, v) = public(&app, &token(&t2)).await;
    assert_eq!(v["can_postpone"], false);
    let (s, e) = act(&app, &token(&t2), "postpone").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["message"], "a called ticket cannot be postponed");
    // The next call takes A003, then the postponed A001.
    let (_, v3) = public(&app, &token(&t3)).await;
    assert_eq!(v3["position"], 0);

    // A transfer starts a new leg in another queue; the visitor's token
    // follows it, and the one postponement is spent for the whole visit.
    let desk = format!("/api/v1/desks/{}", office.desks[0]);
    for expected in ["A003", "B001", "A001"] {
        let (s, v) = app
            .post(&office.clerks[0], &format!("{desk}/finish"), json!({}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = app
            .post_empty(&office.clerks[0], &format!("{desk}/call-next"))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["number"], expected);
    }
    let (s, v) = app
        .post(
            &office.clerks[0],
            &format!("{desk}/transfer"),
            json!({ "service_id": office.services[1] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = public(&app, &token(&t1)).await;
    assert_eq!(v["status"], "waiting", "{v}");
    assert_eq!(v["postponed"], true, "{v}");
    assert_eq!(v["can_postpone"], false, "{v}");
    let (s, e) = act(&app, &token(&t1), "postpone").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");

    for bad in ["nope", &"0".repeat(64), &"A".repeat(64)] {
        let (s, e) = act(&app, bad, "postpone").await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{bad}: {e}");
        assert_error(&e, "not_found");
    }
    let report = app.verify_chain(office.branch_id).await;
    assert_eq!(report.broken, None);
    app.stop().await;
}

/// The visitor cancels a waiting ticket (the queue shrinks) and a called
/// one (the desk is free again); a second cancel is a 409.
async fn visitor_cancel(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let a = office.services[0];
    let t1 = app.issue(&office, a, "normal").await;
    let t2 = app.issue(&office, a, "normal").await;
    let t3 = app.issue(&office, a, "normal").await;

    let (s, v) = act(&app, &token(&t2), "cancel").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "cancelled");
    assert_eq!(v["can_cancel"], false);
    assert_eq!(v["can_postpone"], false);
    assert_eq!(waiting_numbers(&app, &office).await, ["A001", "A003"]);
    let (_, v3) = public(&app, &token(&t3)).await;
    assert_eq!(v3["position"], 1);
    let (actor, payload) = last_event(&app, office.branch_id, "ticket.cancelled").await;
    assert_eq!(actor, "system");
    assert_eq!(payload["by"], "visitor");
    assert_eq!(payload["service"]["waiting"], 2);

    let (s, e) = act(&app, &token(&t2), "cancel").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["message"], "a cancelled ticket cannot be cancelled");

    // Called, then cancelled by the visitor: the desk may call the next.
    app.open_desk(&office, 0).await;
    let desk = format!("/api/v1/desks/{}", office.desks[0]);
    let (s, called) = app
        .post_empty(&office.clerks[0], &format!("{desk}/call-next"))
        .await;
    assert_eq!(s, StatusCode::OK, "{called}");
    assert_eq!(called["number"], "A001");
    let (_, v1) = public(&app, &token(&t1)).await;
    assert_eq!(v1["can_cancel"], true);
    let (s, v) = act(&app, &token(&t1), "cancel").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, next) = app
        .post_empty(&office.clerks[0], &format!("{desk}/call-next"))
        .await;
    assert_eq!(s, StatusCode::OK, "{next}");
    assert_eq!(next["number"], "A003");
    // Being served: too late to cancel from the page.
    let (s, _) = app
        .post_empty(&office.clerks[0], &format!("{desk}/start"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = act(&app, &token(&t3), "cancel").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_error(&e, "conflict");
    let (_, v3) = public(&app, &token(&t3)).await;
    assert_eq!(v3["status"], "serving");

    let (s, e) = act(&app, &"f".repeat(64), "cancel").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert_eq!(app.verify_chain(office.branch_id).await.broken, None);
    app.stop().await;
}

/// Reads server-sent events from a response until `want` accepts one
/// (returns its data) or the stream ends (returns None).
struct Sse {
    resp: reqwest::Response,
    buf: String,
}

impl Sse {
    async fn open(app: &TestApp, token: &str) -> Sse {
        let resp = app
            .client
            .get(app.url(&format!("/api/v1/public/tickets/{token}/live")))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Sse {
            resp,
            buf: String::new(),
        }
    }

    /// The next `ticket` event's JSON, or None when the stream ends.
    async fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = "";
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim_start());
                    }
                }
                if event == "ticket" {
                    return Some(serde_json::from_str(&data).unwrap());
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.resp.chunk())
                .await
                .expect("the stream sends within 10 s");
            match chunk {
                Ok(Some(bytes)) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(None) | Err(_) => return None,
            }
        }
    }
}

/// The live stream sends the view at once, pushes the call with the desk,
/// and ends once the ticket is done and rated.
/// A ticket may have `STREAMS_PER_TICKET` live streams open; one more is a
/// 429 (the page polls instead), and a closed stream frees its place.
async fn live_streams_capped_per_ticket(backend: Backend) {
    use waitwell_server::domain::visitor::STREAMS_PER_TICKET;
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let t = app.issue(&office, office.services[0], "normal").await;
    let other = app.issue(&office, office.services[0], "normal").await;
    let mut open = Vec::new();
    for _ in 0..STREAMS_PER_TICKET {
        let mut sse = Sse::open(&app, &token(&t)).await;
        assert_eq!(sse.next().await.unwrap()["number"], "A001");
        open.push(sse);
    }
    let url = app.url(&format!("/api/v1/public/tickets/{}/live", token(&t)));
    let refused = app
        .client
        .get(&url)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    // Another ticket is not affected.
    let mut sse = Sse::open(&app, &token(&other)).await;
    assert_eq!(sse.next().await.unwrap()["number"], "A002");
    // Closing one stream frees its place once the server notices.
    drop(open.pop());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while app.state.ticket_streams.count(&token(&t)) >= STREAMS_PER_TICKET {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the place was not freed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut again = Sse::open(&app, &token(&t)).await;
    assert_eq!(again.next().await.unwrap()["number"], "A001");
    app.stop().await;
}

async fn live_stream(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let a = office.services[0];
    let t1 = app.issue(&office, a, "normal").await;
    let t2 = app.issue(&office, a, "normal").await;
    let mut sse = Sse::open(&app, &token(&t2)).await;
    let v = sse.next().await.unwrap();
    assert_eq!(v["number"], "A002");
    assert_eq!(v["status"], "waiting");
    assert_eq!(v["position"], 1);

    // Someone ahead leaves: pushed.
    let (s, _) = act(&app, &token(&t1), "cancel").await;
    assert_eq!(s, StatusCode::OK);
    let v = sse.next().await.unwrap();
    assert_eq!(v["position"], 0, "{v}");

    app.open_desk(&office, 0).await;
    let desk = format!("/api/v1/desks/{}", office.desks[0]);
    let (s, called) = app
        .post_empty(&office.clerks[0], &format!("{desk}/call-next"))
        .await;
    assert_eq!(s, StatusCode::OK, "{called}");
    // Opening the desk may have pushed a new estimate first.
    let mut v = sse.next().await.unwrap();
    while v["status"] == "waiting" {
        v = sse.next().await.unwrap();
    }
    assert_eq!(v["status"], "called");
    assert_eq!(v["desk_name"], "Desk 1");

    let (s, _) = app
        .post_empty(&office.clerks[0], &format!("{desk}/finish"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let v = sse.next().await.unwrap();
    assert_eq!(v["status"], "done");
    assert_eq!(v["feedback"], "open");
    let (s, f) = app
        .send(
            Method::POST,
            None,
            &format!("/api/v1/public/tickets/{}/feedback", token(&t2)),
            Some(json!({ "rating": 4 })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let v = sse.next().await.unwrap();
    assert_eq!(v["feedback"], "given");
    assert_eq!(v["feedback_rating"], 4);
    assert_eq!(sse.next().await, None, "a settled ticket's stream ends");

    // A client that does not accept an event stream is told so.
    let t3 = app.issue(&office, a, "normal").await;
    let (s, e) = app
        .send(
            Method::GET,
            None,
            &format!("/api/v1/public/tickets/{}/live", token(&t3)),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_ACCEPTABLE, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("text/event-stream"),
        "{e}"
    );

    // Unknown tokens: a JSON 404, no stream.
    for bad in ["x", &"0".repeat(64)] {
        let (s, e) = app
            .send(
                Method::GET,
                None,
                &format!("/api/v1/public/tickets/{bad}/live"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        assert_error(&e, "not_found");
    }
    app.stop().await;
}

/// A waiting visitor's open stream ends when the server shuts down, and
/// the shutdown does not wait for the visitor.
async fn live_stream_ends_at_shutdown(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let t = app.issue(&office, office.services[0], "normal").await;
    let mut sse = Sse::open(&app, &token(&t)).await;
    assert_eq!(sse.next().await.unwrap()["status"], "waiting");
    tokio::time::timeout(Duration::from_secs(10), app.stop_server())
        .await
        .expect("shutdown completes with a live stream open");
    assert_eq!(sse.next().await, None);
    if let Some(db) = app.db.take() {
        db.drop_db().await;
    }
}

backend_tests!(
    postpone_once,
    visitor_cancel,
    live_stream,
    live_stream_ends_at_shutdown,
    live_streams_capped_per_ticket,
);
