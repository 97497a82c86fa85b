//! Webhooks: management API, and delivery to a receiver on 127.0.0.1 that
//! is down at first (connection refused, then 500) and then up: it gets
//! every event exactly once, in order, signed; paused and deleted webhooks
//! stop. Destinations inside the network are refused at creation and at
//! delivery unless allow-listed (the tests allow-list 127.0.0.1 for their
//! receivers), and failures are recorded without the receiver's details.
//! Every test runs on both backends.

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

/// A server whose webhooks may reach the test receivers on 127.0.0.1.
async fn spawn(backend: Backend) -> TestApp {
    spawn_allowing(backend, &["127.0.0.1"]).await
}

/// Test settings (fast retries) allowing webhooks to reach `allow`.
fn config(url: &str, allow: &[&str]) -> Config {
    let mut config = Config::for_tests(url);
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.webhook_retry_base_ms = 100;
    config.webhook_retry_max_ms = 400;
    config.webhook_poll_ms = 50;
    config.webhook_allow_hosts = allow.iter().map(|h| (*h).to_owned()).collect();
    config
}

async fn spawn_allowing(backend: Backend, allow: &[&str]) -> TestApp {
    let db = TestDb::create(&backend).await;
    TestApp::spawn_with(config(&db.url, allow), Some(db)).await
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
    use waitwell_server::store::{Exec as _, q, read};
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
            let mut config = config(&app.db.as_ref().unwrap().url, &["127.0.0.1"]);
            config.admin_password = None;
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

/// Answers every request with a 500 that gives internals away.
async fn leaky() -> (AxStatus, [(&'static str, &'static str); 1], String) {
    (
        AxStatus::INTERNAL_SERVER_ERROR,
        [("x-backend", "billing-db-7.corp:5432")],
        "FATAL: password authentication failed for user \"billing\"".to_owned(),
    )
}

/// A manager cannot point a webhook inside the server's network: every
/// spelling of loopback, private, shared, link-local, unspecified,
/// multicast and broadcast addresses is refused on create and on change,
/// with a message naming the setting that allows it, and nothing changes.
/// The operator's allow-list lets exactly the listed host through.
async fn internal_destinations_are_refused(backend: Backend) {
    let app = spawn_allowing(backend, &[]).await;
    let office = app.office(1).await;
    let path = format!("/api/v1/branches/{}/webhooks", office.branch_id);
    let refused = [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://LocalHost./hook",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://017700000001/",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://10.0.0.5/",
        "http://172.16.0.1/",
        "http://172.31.255.254/",
        "http://192.168.1.1/",
        "http://[fc00::1]/",
        "http://[fd00:ec2::254]/",
        "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://0.0.0.0:22/",
        "http://[::]/",
        "http://224.0.0.251/",
        "http://[ff02::1]/",
        "http://255.255.255.255/",
        "https://user:pw@127.0.0.1/",
    ];
    let before = app.event_count(office.branch_id).await;
    for url in refused {
        let (s, body) = app
            .post(&office.manager, &path, json!({ "url": url }))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert_error(&body, "invalid");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains("internal") && message.contains("WAITWELL_WEBHOOK_ALLOW_HOSTS"),
            "{url}: {message}"
        );
    }
    assert_eq!(app.event_count(office.branch_id).await, before);
    let (_, list) = app.get(&office.manager, &path).await;
    assert_eq!(list, json!([]));

    // A public receiver is fine (its name is not resolved by anyone here:
    // a name that does not resolve is left to delivery); changing it to an
    // internal address is refused and leaves it as it was.
    let (s, created) = app
        .post(
            &office.manager,
            &path,
            json!({ "url": "https://sms.example.org/in" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    for url in [
        "http://127.0.0.1:9/",
        "http://[::1]/",
        "http://169.254.169.254/",
    ] {
        let (s, body) = app
            .patch(
                &office.manager,
                &format!("/api/v1/webhooks/{id}"),
                json!({ "url": url }),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
    }
    assert_eq!(
        webhook(&app, &office, id).await["url"],
        "https://sms.example.org/in"
    );
    app.stop().await;

    // Allow-listed: exactly that host, in any spelling of it.
    let app = spawn_allowing(Backend::Sqlite, &["127.0.0.1"]).await;
    let office = app.office(1).await;
    let path = format!("/api/v1/branches/{}/webhooks", office.branch_id);
    for url in [
        "http://127.0.0.1:9000/hook",
        "http://127.1/",
        "http://2130706433:81/",
    ] {
        let (s, body) = app
            .post(&office.manager, &path, json!({ "url": url }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {body}");
    }
    for url in [
        "http://localhost/",
        "http://127.0.0.2/",
        "http://[::1]/",
        "http://10.0.0.1/",
    ] {
        let (s, body) = app
            .post(&office.manager, &path, json!({ "url": url }))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
    }
    app.stop().await;
}

/// What the API says about a failed delivery is generic: it does not
/// echo the receiver's error text, headers or body, and a redirect is
/// neither followed nor detailed.
async fn failures_are_recorded_without_details(backend: Backend) {
    let app = spawn(backend).await;
    let office = app.office(1).await;
    let path = format!("/api/v1/branches/{}/webhooks", office.branch_id);
    // Nobody listening.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // A receiver whose errors give internals away, and one that redirects
    // to another (which must get nothing).
    let leaky_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let leaky_port = leaky_listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let app = axum::Router::new().route("/hook", axum::routing::post(leaky));
        let _ = axum::serve(leaky_listener, app).await;
    });
    let target = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target_port = target.local_addr().unwrap().port();
    let inbox: Shared = Arc::default();
    receive(target, inbox.clone());
    let redirecting = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let redirect_port = redirecting.local_addr().unwrap().port();
    let location = format!("http://127.0.0.1:{target_port}/hook");
    tokio::spawn(async move {
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move || {
                let location = location.clone();
                async move { axum::response::Redirect::temporary(&location) }
            }),
        );
        let _ = axum::serve(redirecting, app).await;
    });

    let mut ids = Vec::new();
    for port in [closed, leaky_port, redirect_port] {
        let (s, created) = app
            .post(
                &office.manager,
                &path,
                json!({ "url": format!("http://127.0.0.1:{port}/hook") }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        ids.push(created["id"].as_i64().unwrap());
    }
    app.issue(&office, office.services[0], "normal").await;
    for (id, expected) in ids
        .iter()
        .zip(["connection failed", "HTTP 500", "HTTP 307"])
    {
        eventually(&format!("webhook {id} failing"), || async {
            webhook(&app, &office, *id).await["failures"].as_i64() >= Some(1)
        })
        .await;
        let w = webhook(&app, &office, *id).await;
        assert_eq!(w["last_error"], expected, "{w}");
    }
    assert!(
        inbox.lock().unwrap().accepted.is_empty(),
        "redirect followed"
    );
    app.stop().await;
}

/// Delivery checks the destination again, after resolving it: webhooks
/// created while the operator allowed `localhost` and 127.0.0.1 send
/// nothing once the server runs without that permission. The `localhost`
/// one goes through the client's resolver (the name is looked up from the
/// hosts file, no DNS server involved), which refuses its loopback
/// addresses; without that resolver the request would reach the receiver.
async fn delivery_checks_the_destination_again(backend: Backend) {
    let mut app = spawn_allowing(backend, &["localhost", "127.0.0.1"]).await;
    let office = app.office(1).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox: Shared = Arc::default();
    receive(listener, inbox.clone());
    let path = format!("/api/v1/branches/{}/webhooks", office.branch_id);
    let mut ids = Vec::new();
    for host in ["localhost", "127.0.0.1"] {
        let (s, created) = app
            .post(
                &office.manager,
                &path,
                json!({ "url": format!("http://{host}:{port}/hook"), "active": false }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        ids.push(created["id"].as_i64().unwrap());
    }
    app.stop_server().await;

    // The same database; `localhost` is no longer allowed, 127.0.0.1 only
    // for the second server below.
    let db = app.db.take();
    let url = db.as_ref().unwrap().url.clone();
    for (allow, refused) in [(&["127.0.0.1"][..], &ids[..1]), (&[][..], &ids[1..])] {
        let mut config = config(&url, allow);
        config.admin_password = None;
        let mut again = TestApp::spawn_with(config, None).await;
        // Sessions live in the database: the manager is still signed in.
        let manager = office.manager.clone();
        for id in refused {
            let (s, w) = again
                .patch(
                    &manager,
                    &format!("/api/v1/webhooks/{id}"),
                    json!({ "active": true }),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{w}");
        }
        for id in refused {
            eventually("a refused delivery", || async {
                let (_, w) = again.get(&manager, &format!("/api/v1/webhooks/{id}")).await;
                w["failures"].as_i64() >= Some(1)
            })
            .await;
            let (_, w) = again.get(&manager, &format!("/api/v1/webhooks/{id}")).await;
            assert_eq!(w["last_error"], "destination not allowed", "{w}");
            assert_eq!(w["last_success_at"], Value::Null, "{w}");
        }
        let (s, _) = again
            .patch(
                &manager,
                &format!("/api/v1/webhooks/{}", refused[0]),
                json!({ "active": false }),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        again.stop_server().await;
    }
    assert!(
        inbox.lock().unwrap().accepted.is_empty(),
        "nothing reached the receiver"
    );
    if let Some(db) = db {
        db.drop_db().await;
    }
}

backend_tests!(
    shutdown_releases_the_lease,
    one_instance_delivers_at_a_time,
    manage_webhooks,
    delivers_everything_in_order_after_an_outage,
    filter_by_event_type,
    internal_destinations_are_refused,
    failures_are_recorded_without_details,
    delivery_checks_the_destination_again,
);
