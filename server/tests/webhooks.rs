//! Webhooks: management API, and delivery to a receiver on 127.0.0.1 that
//! is down at first (connection refused, then 500) and then up: it gets
//! every event exactly once, in order, signed; paused and deleted webhooks
//! stop. Every test runs on both backends.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxStatus};
use common::{ADMIN_PASSWORD, Backend, Office, TestApp, TestDb, assert_error};
use hmac::{KeyInit as _, Mac as _};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use waitwell_server::config::Config;

/// What the receiver accepted (answered 2xx to), and how to answer.
#[derive(Default)]
struct Inbox {
    accepted: Vec<(HeaderMap, String)>,
    /// Answer 500 to this many requests first.
    fail_next: usize,
    failed: usize,
}

type Shared = Arc<Mutex<Inbox>>;

async fn hook(State(inbox): State<Shared>, headers: HeaderMap, body: String) -> AxStatus {
    let mut inbox = inbox.lock().unwrap();
    if inbox.fail_next > 0 {
        inbox.fail_next -= 1;
        inbox.failed += 1;
        return AxStatus::INTERNAL_SERVER_ERROR;
    }
    inbox.accepted.push((headers, body));
    AxStatus::NO_CONTENT
}

/// Serves the receiver on `listener` until the test ends.
fn receive(listener: tokio::net::TcpListener, inbox: Shared) {
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(inbox);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
}

async fn spawn(backend: Backend) -> TestApp {
    let db = TestDb::create(&backend).await;
    let mut config = Config::for_tests(&db.url);
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.webhook_retry_base_ms = 100;
    config.webhook_retry_max_ms = 400;
    config.webhook_poll_ms = 50;
    TestApp::spawn_with(config, Some(db)).await
}

async fn webhook(app: &TestApp, office: &Office, id: i64) -> Value {
    let (s, w) = app
        .get(&office.manager, &format!("/api/v1/webhooks/{id}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{w}");
    w
}

async fn branch_seq(app: &TestApp, branch_id: i64) -> i64 {
    app.event_types(branch_id).await.last().map_or(0, |e| e.0)
}

/// Waits (at most 20 s) until `f` holds.
async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn check_signature(secret: &str, headers: &HeaderMap, body: &str) {
    let sig = headers["waitwell-signature"].to_str().unwrap();
    let (t, v1) = sig
        .strip_prefix("t=")
        .and_then(|s| s.split_once(",v1="))
        .unwrap_or_else(|| panic!("bad signature header {sig}"));
    let t: i64 = t.parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - t).abs() < 120, "{t}");
    let mut mac = hmac::Hmac::<sha2_next::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    assert_eq!(
        v1,
        hex::encode(mac.finalize().into_bytes()),
        "signature of {body}"
    );
}

async fn manage_webhooks(backend: Backend) {
    let app = spawn(backend).await;
    let office = app.office(1).await;
    let path = format!("/api/v1/branches/{}/webhooks", office.branch_id);
    let (s, created) = app
        .post(
            &office.manager,
            &path,
            json!({ "url": "https://sms.example.org/in?key=s3cret", "event_types": ["ticket.*"] }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.len() >= 32);
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["event_types"], json!(["ticket.*"]));
    assert_eq!(created["active"], true);

    // The secret is shown once; the log has neither it nor the URL's query.
    let (s, list) = app.get(&office.manager, &path).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("secret").is_none(), "{list}");
    let events = app.event_types(office.branch_id).await;
    assert_eq!(events.last().unwrap().1, "webhook.created");
    let log = payloads(&app, office.branch_id).await;
    assert!(
        !log.contains(secret) && !log.contains("s3cret") && log.contains("sms.example.org"),
        "{log}"
    );

    let (s, w) = app
        .patch(
            &office.manager,
            &format!("/api/v1/webhooks/{id}"),
            json!({ "active": false, "event_types": [] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{w}");
    assert_eq!(w["active"], false);
    assert_eq!(w["event_types"], json!([]));

    for bad in [
        json!({ "url": "ftp://x.org/" }),
        json!({ "url": "not a url" }),
        json!({ "url": "http://x.org/", "event_types": ["Ticket Called"] }),
        json!({ "url": "http://x.org/", "secret": "mine" }),
    ] {
        let before = app.event_count(office.branch_id).await;
        let (s, body) = app.post(&office.manager, &path, bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_error(&body, "invalid");
        assert_eq!(app.event_count(office.branch_id).await, before);
    }
    // Clerks and kiosks may not see or change webhooks.
    let (s, _) = app.get(&office.clerks[0], &path).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .get(&office.kiosk, &format!("/api/v1/webhooks/{id}"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, _) = app
        .send(
            Method::DELETE,
            Some(&office.manager),
            &format!("/api/v1/webhooks/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, body) = app
        .get(&office.manager, &format!("/api/v1/webhooks/{id}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    assert_eq!(
        app.event_types(office.branch_id).await.last().unwrap().1,
        "webhook.deleted"
    );
    assert_eq!(
        app.verify_chain(office.branch_id).await.broken,
        None,
        "chain intact"
    );
    app.stop().await;
}

async fn payloads(app: &TestApp, branch_id: i64) -> String {
    use waitwell_server::db::{Exec as _, q, read};
    let db = &app.state.db;
    let r: Result<Vec<(String,)>, waitwell_server::error::AppError> = async {
        read!(db, |c| c
            .all(q("select payload from events where branch_id = $1").bind(branch_id))
            .await
            .map_err(waitwell_server::error::AppError::from))
    }
    .await;
    r.unwrap()
        .into_iter()
        .map(|(p,)| p)
        .collect::<Vec<_>>()
        .join("\n")
}

async fn delivers_everything_in_order_after_an_outage(backend: Backend) {
    let app = spawn(backend).await;
    let office = app.office(1).await;
    // A port with nobody listening: connection refused until the receiver
    // starts on it.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let path = format!("/api/v1/branches/{}/webhooks", office.branch_id);
    let (s, created) = app
        .post(
            &office.manager,
            &path,
            json!({ "url": format!("http://127.0.0.1:{port}/hook") }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let first_seq = created["cursor_seq"].as_i64().unwrap() + 1;

    // A remote ticket with contacts, kiosk tickets, a call.
    let (s, _) = app
        .patch(
            &office.manager,
            &format!("/api/v1/services/{}", office.services[0]),
            json!({ "remote_enabled": true }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, remote) = app
        .send(
            Method::POST,
            None,
            &format!("/api/v1/public/branches/{}/tickets", office.branch_id),
            Some(json!({ "service_id": office.services[0], "phone": "+45 11 22 33 44", "email": "visitor@example.dk" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{remote}");
    app.issue(&office, office.services[1], "normal").await;

    eventually("a recorded failure", || async {
        let w = webhook(&app, &office, id).await;
        w["failures"].as_i64().unwrap() >= 1 && w["last_error"].is_string()
    })
    .await;
    let w = webhook(&app, &office, id).await;
    assert_eq!(
        w["cursor_seq"].as_i64().unwrap(),
        first_seq - 1,
        "nothing delivered: {w}"
    );

    // The receiver comes up, answers 500 twice, then accepts.
    let inbox: Shared = Arc::new(Mutex::new(Inbox {
        fail_next: 2,
        ..Inbox::default()
    }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    receive(listener, inbox.clone());
    app.open_desk(&office, 0).await;
    let (s, called) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/call-next", office.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{called}");
    app.issue(&office, office.services[2], "normal").await;

    let last = branch_seq(&app, office.branch_id).await;
    eventually("every event delivered", || async {
        webhook(&app, &office, id).await["cursor_seq"]
            .as_i64()
            .unwrap()
            == last
    })
    .await;
    let w = webhook(&app, &office, id).await;
    assert_eq!(w["failures"], 0, "{w}");
    assert_eq!(w["last_error"], Value::Null, "{w}");
    assert!(w["last_success_at"].is_i64(), "{w}");

    let log = app.event_types(office.branch_id).await;
    let (failed, accepted) = {
        let inbox = inbox.lock().unwrap();
        (inbox.failed, inbox.accepted.clone())
    };
    assert_eq!(failed, 2);
    let seqs: Vec<i64> = accepted
        .iter()
        .map(|(_, b)| {
            serde_json::from_str::<Value>(b).unwrap()["seq"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        seqs,
        (first_seq..=last).collect::<Vec<_>>(),
        "exactly once, in order"
    );
    for (headers, body) in &accepted {
        check_signature(&secret, headers, body);
        let v: Value = serde_json::from_str(body).unwrap();
        let seq = v["seq"].as_i64().unwrap();
        assert_eq!(
            headers["waitwell-event-id"].to_str().unwrap(),
            format!("{}-{seq}", office.branch_id)
        );
        assert_eq!(v["id"], format!("{}-{seq}", office.branch_id));
        let kind = &log.iter().find(|e| e.0 == seq).unwrap().1;
        assert_eq!(v["type"], kind.as_str());
        assert_eq!(headers["waitwell-event-type"].to_str().unwrap(), kind);
        assert_eq!(
            headers["content-type"].to_str().unwrap(),
            "application/json"
        );
    }
    // The remote ticket's events carry its contact and page, read from the
    // tickets table; kiosk tickets have none.
    let issued: Vec<Value> = accepted
        .iter()
        .map(|(_, b)| serde_json::from_str::<Value>(b).unwrap())
        .filter(|v| v["type"] == "ticket.issued")
        .collect();
    assert_eq!(issued.len(), 3);
    assert_eq!(issued[0]["ticket"]["id"], remote["id"]);
    assert_eq!(issued[0]["ticket"]["channel"], "remote");
    assert_eq!(
        issued[0]["contact"],
        json!({ "phone": "+4511223344", "email": "visitor@example.dk" })
    );
    assert_eq!(issued[0]["ticket_url"], remote["ticket_url"]);
    assert!(issued[0]["ticket"].get("public_token").is_none());
    assert_eq!(issued[0]["data"]["ticket"]["id"], remote["id"]);
    assert!(issued[1].get("contact").is_none());
    assert_eq!(issued[1]["ticket"]["channel"], "kiosk");

    // Paused: nothing is sent; resumed: the backlog follows in order.
    let (s, _) = app
        .patch(
            &office.manager,
            &format!("/api/v1/webhooks/{id}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let paused_at = inbox.lock().unwrap().accepted.len();
    app.issue(&office, office.services[0], "normal").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        inbox.lock().unwrap().accepted.len(),
        paused_at,
        "a paused webhook sends nothing"
    );
    let (s, _) = app
        .patch(
            &office.manager,
            &format!("/api/v1/webhooks/{id}"),
            json!({ "active": true }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let last = branch_seq(&app, office.branch_id).await;
    eventually("the backlog after resuming", || async {
        webhook(&app, &office, id).await["cursor_seq"]
            .as_i64()
            .unwrap()
            == last
    })
    .await;
    let types: Vec<String> = inbox.lock().unwrap().accepted[paused_at..]
        .iter()
        .map(|(_, b)| {
            serde_json::from_str::<Value>(b).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        types,
        ["webhook.updated", "ticket.issued", "webhook.updated"]
    );

    // Deleted: nothing more.
    let (s, _) = app
        .send(
            Method::DELETE,
            Some(&office.manager),
            &format!("/api/v1/webhooks/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let deleted_at = inbox.lock().unwrap().accepted.len();
    app.issue(&office, office.services[0], "normal").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        inbox.lock().unwrap().accepted.len(),
        deleted_at,
        "a deleted webhook sends nothing"
    );
    app.stop().await;
}

async fn filter_by_event_type(backend: Backend) {
    let app = spawn(backend).await;
    let office = app.office(1).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox: Shared = Arc::default();
    receive(listener, inbox.clone());
    let (s, created) = app
        .post(
            &office.manager,
            &format!("/api/v1/branches/{}/webhooks", office.branch_id),
            json!({ "url": format!("http://127.0.0.1:{port}/hook"), "event_types": ["ticket.called"] }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let t = app.issue(&office, office.services[0], "normal").await;
    app.open_desk(&office, 0).await;
    let (s, _) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/call-next", office.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let last = branch_seq(&app, office.branch_id).await;
    eventually("the cursor past every event", || async {
        webhook(&app, &office, id).await["cursor_seq"]
            .as_i64()
            .unwrap()
            == last
    })
    .await;
    let got: Vec<Value> = inbox
        .lock()
        .unwrap()
        .accepted
        .iter()
        .map(|(_, b)| serde_json::from_str::<Value>(b).unwrap())
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["type"], "ticket.called");
    assert_eq!(got[0]["ticket"]["id"], t["id"]);
    assert_eq!(got[0]["ticket"]["status"], "called");
    app.stop().await;
}

/// Two servers on one PostgreSQL database: the lease lets one deliver at a
/// time, so the receiver still gets every event once and in order. (SQLite
/// is one server per file; there the test runs a single instance.)
async fn one_instance_delivers_at_a_time(backend: Backend) {
    let app = spawn(backend.clone()).await;
    let second = match &backend {
        Backend::Postgres(_) => {
            let mut config = Config::for_tests(&app.db.as_ref().unwrap().url);
            config.webhook_retry_base_ms = 100;
            config.webhook_poll_ms = 50;
            Some(TestApp::spawn_with(config, None).await)
        }
        Backend::Sqlite => None,
    };
    let office = app.office(1).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox: Shared = Arc::default();
    receive(listener, inbox.clone());
    let (s, created) = app
        .post(
            &office.manager,
            &format!("/api/v1/branches/{}/webhooks", office.branch_id),
            json!({ "url": format!("http://127.0.0.1:{port}/hook") }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let first_seq = created["cursor_seq"].as_i64().unwrap() + 1;
    for i in 0..30 {
        let via = match (&second, i % 2) {
            (Some(second), 1) => second,
            _ => &app,
        };
        let (s, t) = via
            .post(
                &office.kiosk,
                &format!("/api/v1/branches/{}/tickets", office.branch_id),
                json!({ "service_id": office.services[i % 3] }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
    }
    let last = branch_seq(&app, office.branch_id).await;
    eventually("every event delivered", || async {
        webhook(&app, &office, id).await["cursor_seq"]
            .as_i64()
            .unwrap()
            == last
    })
    .await;
    let seqs: Vec<i64> = inbox
        .lock()
        .unwrap()
        .accepted
        .iter()
        .map(|(_, b)| {
            serde_json::from_str::<Value>(b).unwrap()["seq"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, (first_seq..=last).collect::<Vec<_>>());
    if let Some(second) = second {
        second.stop().await;
    }
    app.stop().await;
}

/// A server stopping mid-delivery hands its lease back, so the next server
/// (or the same one restarted) delivers at once instead of after the lease.
async fn shutdown_releases_the_lease(backend: Backend) {
    let mut app = spawn(backend).await;
    let office = app.office(1).await;
    // A receiver that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            keep.lock().unwrap().push(conn);
        }
    });
    let (s, created) = app
        .post(
            &office.manager,
            &format!("/api/v1/branches/{}/webhooks", office.branch_id),
            json!({ "url": format!("http://127.0.0.1:{port}/hook") }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    app.issue(&office, office.services[0], "normal").await;
    eventually("a delivery in progress", || async {
        !held.lock().unwrap().is_empty()
    })
    .await;
    let url = app.db.as_ref().unwrap().url.clone();
    let lease = |url: String| async move {
        use sqlx::Connection as _;
        let sql = "select lease_owner from webhooks where id = $1";
        if url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query_scalar::<_, Option<String>>(sql)
                .bind(id)
                .fetch_one(&mut c)
                .await
                .unwrap()
        } else {
            let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query_scalar::<_, Option<String>>(sql)
                .bind(id)
                .fetch_one(&mut c)
                .await
                .unwrap()
        }
    };
    assert!(lease(url.clone()).await.is_some(), "leased while sending");
    let stopping = std::time::Instant::now();
    app.stop_server().await;
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "the pending request does not hold up shutdown"
    );
    assert_eq!(lease(url).await, None, "lease handed back");
    if let Some(db) = app.db.take() {
        db.drop_db().await;
    }
}

backend_tests!(
    shutdown_releases_the_lease,
    one_instance_delivers_at_a_time,
    manage_webhooks,
    delivers_everything_in_order_after_an_outage,
    filter_by_event_type,
);
