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

/// Every message a staff client and a display receive is exactly a
/// `waitwell-proto` type (it reads back into the type and serialises to
/// the same JSON), and the OpenAPI document describes every field served.
async fn served_messages_are_the_proto_types(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = busy_office(&app).await;
    let mut staff = connect(&app, office.branch_id, &office.manager, "").await;
    let mut display = connect(&app, office.branch_id, &office.display, "").await;
    let desk = office.desks[0];
    let clerk = office.clerks[0].as_str();
    let (a, b) = (office.services[0], office.services[1]);
    for _ in 0..4 {
        app.issue(&office, a, "normal").await;
    }
    let steps: Vec<(&str, String, Value)> = vec![
        (clerk, format!("/api/v1/desks/{desk}/call-next"), json!({})),
        (clerk, format!("/api/v1/desks/{desk}/recall"), json!({})),
        (clerk, format!("/api/v1/desks/{desk}/start"), json!({})),
        (clerk, format!("/api/v1/desks/{desk}/finish"), json!({})),
        (clerk, format!("/api/v1/desks/{desk}/call-next"), json!({})),
        (clerk, format!("/api/v1/desks/{desk}/no-show"), json!({})),
        (clerk, format!("/api/v1/desks/{desk}/call-next"), json!({})),
        (clerk, format!("/api/v1/desks/{desk}/park"), json!({})),
        (clerk, format!("/api/v1/desks/{desk}/call-next"), json!({})),
        (
            clerk,
            format!("/api/v1/desks/{desk}/transfer"),
            json!({ "service_id": b }),
        ),
        (
            clerk,
            format!("/api/v1/desks/{desk}/pause"),
            json!({ "reason": "lunch" }),
        ),
    ];
    for (token, path, body) in &steps {
        let (s, v) = app.post(token, path, body.clone()).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    let victim = app.issue(&office, b, "normal").await;
    let cancel = format!("/api/v1/tickets/{}/cancel", victim["id"]);
    let (s, v) = app.post(&office.manager, &cancel, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .put(
            &office.manager,
            &format!("/api/v1/desks/{desk}/services"),
            json!([{ "service_id": a, "weight": 2 }]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .patch(
            &office.manager,
            &format!("/api/v1/services/{a}"),
            json!({ "standard_wait_s": 1200 }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .patch(
            &office.manager,
            &format!("/api/v1/branches/{}", office.branch_id),
            json!({ "kiosk_message": "Welcome" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let head = app.event_types(office.branch_id).await.last().unwrap().0;

    let (_, doc) = app
        .send(reqwest::Method::GET, None, "/api/openapi.json", None)
        .await;
    let schemas = &doc["components"]["schemas"];
    let mut kinds = std::collections::BTreeSet::new();
    for (who, ws) in [("staff", &mut staff), ("display", &mut display)] {
        let snapshot = next_json(ws).await;
        round_trip::<waitwell_proto::Snapshot>(&snapshot);
        fields_documented(schemas, "Snapshot", &snapshot);
        loop {
            let message = next_json(ws).await;
            round_trip::<waitwell_proto::EventMessage>(&message);
            let kind = message["type"].as_str().unwrap().to_owned();
            let data_schema = match kind.split('.').next().unwrap() {
                "ticket" => Some("TicketChange"),
                "desk" => Some("DeskChange"),
                "branch" => Some("Branch"),
                _ => None,
            };
            if let Some(name) = data_schema {
                fields_documented(schemas, name, &message["data"]);
            }
            if who == "display" {
                let text = message["data"].to_string();
                for hidden in [
                    "lunch",
                    "called_by",
                    "out_of_turn",
                    "public_token",
                    "\"allocation\"",
                ] {
                    assert!(!text.contains(hidden), "{hidden} reached a display: {text}");
                }
            }
            kinds.insert(format!("{who} {kind}"));
            if message["seq"] == head {
                break;
            }
        }
    }
    for kind in [
        "ticket.called",
        "ticket.recalled",
        "ticket.started",
        "ticket.finished",
        "ticket.no_show",
        "ticket.parked",
        "ticket.transferred",
        "ticket.issued",
        "ticket.cancelled",
        "desk.paused",
        "desk.allocation_changed",
        "service.updated",
        "branch.updated",
    ] {
        for who in ["staff", "display"] {
            assert!(
                kinds.contains(&format!("{who} {kind}")),
                "{who} got no {kind}: {kinds:?}"
            );
        }
    }
    app.stop().await;
}

/// `value` reads back into `T` and `T` writes the same JSON: no field the
/// type does not know, none it would add.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value) {
    let typed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("not a {}: {e}: {value}", std::any::type_name::<T>()));
    assert_eq!(
        &serde_json::to_value(typed).unwrap(),
        value,
        "{}",
        std::any::type_name::<T>()
    );
}

/// Every top-level field of `value` is a property of the named schema (or
/// of a schema it is composed of).
fn fields_documented(schemas: &Value, name: &str, value: &Value) {
    let mut documented = std::collections::BTreeSet::new();
    let mut pending = vec![&schemas[name]];
    while let Some(schema) = pending.pop() {
        if let Some(props) = schema["properties"].as_object() {
            documented.extend(props.keys().cloned());
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for part in schema[key].as_array().into_iter().flatten() {
                match part["$ref"].as_str() {
                    Some(r) => pending.push(&schemas[r.rsplit('/').next().unwrap()]),
                    None => pending.push(part),
                }
            }
        }
    }
    assert!(
        !documented.is_empty(),
        "no schema {name} in the OpenAPI document"
    );
    for key in value.as_object().unwrap().keys() {
        assert!(
            documented.contains(key),
            "{name}.{key} is served but not documented"
        );
    }
}

backend_tests!(
    served_messages_are_the_proto_types,
    snapshot_then_events_in_order,
    resume_replays_and_old_resume_gets_snapshot,
    scopes_and_bad_requests,
    filters_hide_events_without_breaking_the_chain,
    reconnecting_client_converges,
    shutdown_closes_sockets_promptly,
);
