//! The live stream: snapshot then gap-free events, resume, filters, scopes,
//! convergence after reconnects, and clean shutdown — on both backends.

mod common;

use std::time::Duration;

use common::{Backend, Office, TestApp};
use futures_util::StreamExt as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use waitwell_client::{LiveClient, LiveConfig, LiveState, Update};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, branch: i64, token: &str, extra: &str) -> Ws {
    let url = format!(
        "{}/api/v1/branches/{branch}/live?token={token}{extra}",
        app.base.replacen("http", "ws", 1)
    );
    tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects")
        .0
}

/// Next JSON text message (skipping pings and heartbeats), within 5 s.
async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a message within 5 s")
            .expect("stream open")
            .expect("no error");
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] != "heartbeat" {
                return v;
            }
        }
    }
}

async fn busy_office(app: &TestApp) -> Office {
    let office = app.office(2).await;
    app.open_desk(&office, 0).await;
    office
}

async fn snapshot_then_events_in_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = busy_office(&app).await;
    let waiting = app.issue(&office, office.services[0], "normal").await;
    let mut ws = connect(&app, office.branch_id, &office.display, "").await;
    let snap = next_json(&mut ws).await;
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snap["protocol"], 1);
    let head = app.event_types(office.branch_id).await.last().unwrap().0;
    assert_eq!(snap["seq"], head);
    assert_eq!(snap["tickets"][0]["number"], waiting["number"]);
    assert!(
        snap["tickets"][0].get("public_token").is_none(),
        "displays must not see ticket secrets"
    );
    assert_eq!(snap["services"].as_array().unwrap().len(), 3);
    assert_eq!(snap["services"][0]["waiting"], 1);
    assert_eq!(snap["desks"].as_array().unwrap().len(), 2);
    // A connected display counts as seen (managers watch for dark screens).
    let (_, devices) = app
        .get(
            &office.manager,
            &format!("/api/v1/branches/{}/devices", office.branch_id),
        )
        .await;
    let display = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "display")
        .unwrap();
    assert!(display["last_seen_at"].as_i64().is_some(), "{display}");

    let (s, called) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/call-next", office.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let e = next_json(&mut ws).await;
    assert_eq!(e["type"], "ticket.called");
    assert_eq!(e["seq"], head + 1);
    assert_eq!(e["prev_seq"], head);
    assert_eq!(e["data"]["ticket"]["number"], called["number"]);
    assert_eq!(e["data"]["desk"]["name"], "Desk 1");
    assert_eq!(e["data"]["service"]["waiting"], 0);
    let (s, _) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/recall", office.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let e2 = next_json(&mut ws).await;
    assert_eq!(
        (
            e2["type"].as_str(),
            e2["seq"].as_i64(),
            e2["prev_seq"].as_i64()
        ),
        (Some("ticket.recalled"), Some(head + 2), Some(head + 1))
    );
    app.stop().await;
}

async fn resume_replays_and_old_resume_gets_snapshot(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = busy_office(&app).await;
    let mut ws = connect(&app, office.branch_id, &office.display, "").await;
    let snap = next_json(&mut ws).await;
    let seq = snap["seq"].as_i64().unwrap();
    ws.close(None).await.ok();
    for _ in 0..3 {
        app.issue(&office, office.services[1], "normal").await;
    }
    let mut ws = connect(
        &app,
        office.branch_id,
        &office.display,
        &format!("&since={seq}"),
    )
    .await;
    for i in 1..=3 {
        let e = next_json(&mut ws).await;
        assert_eq!(e["type"], "ticket.issued");
        assert_eq!(e["seq"], seq + i);
        assert_eq!(e["prev_seq"], seq + i - 1);
    }
    // A seq from the future (e.g. a restored database) gets a snapshot.
    let mut ws = connect(&app, office.branch_id, &office.display, "&since=999999").await;
    let snap = next_json(&mut ws).await;
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snap["seq"], seq + 3);
    app.stop().await;
}

async fn scopes_and_bad_requests(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let other = app.office(1).await;
    let live = |branch: i64, q: &str| format!("/api/v1/branches/{branch}/live{q}");
    // A display of another branch, no token, a garbage token.
    let (s, body) = app.get(&other.display, &live(office.branch_id, "")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, body) = app
        .send(
            reqwest::Method::GET,
            None,
            &live(office.branch_id, ""),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "unauthorized");
    // Not a websocket request: a JSON error, not a hang.
    let (s, body) = app.get(&office.display, &live(office.branch_id, "")).await;
    assert!(s.is_client_error(), "{s}");
    assert_eq!(body["error"], "bad_request", "{body}");
    let (s, body) = app
        .get(&office.display, &live(office.branch_id, "?since=-1"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, body) = app
        .get(&office.display, &live(office.branch_id, "?services=a,b"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, body) = app
        .get(&office.display, &live(office.branch_id, "?bogus=1"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, _) = app.get(&office.display, &live(987_654, "")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.stop().await;
}

async fn filters_hide_events_without_breaking_the_chain(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = busy_office(&app).await;
    let a = office.services[0];
    let mut ws = connect(
        &app,
        office.branch_id,
        &office.display,
        &format!("&services={a}"),
    )
    .await;
    let snap = next_json(&mut ws).await;
    assert_eq!(snap["services"].as_array().unwrap().len(), 1);
    let seq = snap["seq"].as_i64().unwrap();
    app.issue(&office, office.services[1], "normal").await; // hidden
    app.issue(&office, office.services[2], "normal").await; // hidden
    let shown = app.issue(&office, a, "normal").await;
    let e = next_json(&mut ws).await;
    assert_eq!(e["data"]["ticket"]["id"], shown["id"]);
    assert_eq!(e["seq"], seq + 3);
    assert_eq!(
        e["prev_seq"], seq,
        "prev_seq must point at the last message this client got"
    );
    app.stop().await;
}

/// Three clients: one never disconnects, one is cut off repeatedly and
/// resumes, one connects at the end. All three hold the same state.
async fn reconnecting_client_converges(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = busy_office(&app).await;
    app.open_desk(&office, 1).await;
    let config = LiveConfig::new(
        vec![app.base.clone()],
        office.branch_id,
        office.display.clone(),
    );
    let mut steady = LiveClient::start(config.clone());
    let mut steady_state = LiveState::default();
    let mut flaky_state = LiveState::default();
    let head = || async { app.event_types(office.branch_id).await.last().unwrap().0 };

    async fn drain(client: &mut LiveClient, state: &mut LiveState, until: i64) {
        while state.seq < until {
            match tokio::time::timeout(Duration::from_secs(5), client.next())
                .await
                .expect("update within 5 s")
            {
                Some(Update::Snapshot(v) | Update::Event(v)) => state.apply(&v),
                Some(_) => {}
                None => panic!("client ended"),
            }
        }
    }

    for round in 0..4 {
        // The flaky client lives only for part of each round.
        let mut flaky = LiveClient::start(config.clone());
        for i in 0..3 {
            app.issue(
                &office,
                office.services[(round + i) % 3],
                if i == 1 { "priority" } else { "normal" },
            )
            .await;
        }
        let (s, _) = app
            .post_empty(
                &office.clerks[round % 2],
                &format!("/api/v1/desks/{}/call-next", office.desks[round % 2]),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let h = head().await;
        drain(&mut flaky, &mut flaky_state, h).await;
        drop(flaky);
        // Changes while the flaky client is away.
        let (s, _) = app
            .post_empty(
                &office.clerks[round % 2],
                &format!("/api/v1/desks/{}/finish", office.desks[round % 2]),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = app
            .patch(
                &office.manager,
                &format!("/api/v1/services/{}", office.services[2]),
                json!({ "expected_service_s": 100 + round }),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, _) = app
        .post(
            &office.manager,
            &format!("/api/v1/desks/{}/pause", office.desks[1]),
            json!({ "reason": "lunch" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let h = head().await;
    drain(&mut steady, &mut steady_state, h).await;
    let mut flaky = LiveClient::start(config.clone());
    drain(&mut flaky, &mut flaky_state, h).await;
    let mut fresh = LiveClient::start(config);
    let mut fresh_state = LiveState::default();
    drain(&mut fresh, &mut fresh_state, h).await;
    assert_eq!(
        steady_state, fresh_state,
        "a never-disconnected client differs from a fresh snapshot"
    );
    assert_eq!(
        flaky_state, fresh_state,
        "a resumed client differs from a fresh snapshot"
    );
    assert_eq!(fresh_state.desks.len(), 2);
    assert!(!fresh_state.calls.is_empty());
    app.stop().await;
}

async fn shutdown_closes_sockets_promptly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let mut sockets = Vec::new();
    for _ in 0..5 {
        let mut ws = connect(&app, office.branch_id, &office.display, "").await;
        next_json(&mut ws).await;
        sockets.push(ws);
    }
    let started = std::time::Instant::now();
    let stopping = tokio::spawn(app.stop());
    for mut ws in sockets {
        let close = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Close(frame) = msg {
                    return frame.map(|f| u16::from(f.code));
                }
            }
            None
        })
        .await
        .expect("socket closed within 5 s");
        assert_eq!(close, Some(1012));
    }
    tokio::time::timeout(Duration::from_secs(5), stopping)
        .await
        .expect("server stopped")
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
}

backend_tests!(
    snapshot_then_events_in_order,
    resume_replays_and_old_resume_gets_snapshot,
    scopes_and_bad_requests,
    filters_hide_events_without_breaking_the_chain,
    reconnecting_client_converges,
    shutdown_closes_sockets_promptly,
);
