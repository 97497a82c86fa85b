//! Trust boundaries, tested as an attacker would: device tokens never hold
//! a visitor's credential and see only the public projection of the live
//! stream; revoked credentials lose their open sockets; tokens are taken
//! from headers, not URLs; sign-in limits hold across addresses and behind a
//! proxy; accounts need strong passwords; browser hardening headers — on
//! both backends.

mod common;

use std::time::{Duration, Instant};

use common::{Backend, Office, PASSWORD, TestApp};
use futures_util::StreamExt as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, branch: i64, token: &str) -> Ws {
    let url = format!(
        "{}/api/v1/branches/{branch}/live?token={token}",
        app.base.replacen("http", "ws", 1)
    );
    tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects")
        .0
}

/// Every text message until one with `seq >= upto` (heartbeats skipped).
async fn messages_until(ws: &mut Ws, upto: i64) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(15), ws.next())
            .await
            .expect("a message within 15 s")
            .expect("stream open")
            .expect("no error");
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "heartbeat" {
                if v["seq"].as_i64() >= Some(upto) {
                    return out;
                }
                continue;
            }
            let seq = v["seq"].as_i64().unwrap();
            out.push(v);
            if seq >= upto {
                return out;
            }
        }
    }
}

/// Waits for the socket to be closed by the server; returns the close code.
async fn close_code(ws: &mut Ws, within: Duration) -> Option<u16> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, ws.next()).await {
            Err(_) => panic!("socket still open after {within:?}"),
            Ok(None) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
        }
    }
}

async fn head(app: &TestApp, branch: i64) -> i64 {
    app.event_types(branch).await.last().unwrap().0
}

fn assert_no_token(text: &str, token: &str, what: &str) {
    assert!(!text.contains(token), "{what} carries the public token");
    assert!(!text.contains("public_token"), "{what} names public_token");
}

async fn devices_never_see_public_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let branch = office.branch_id;
    // The issuing answer carries the token (the kiosk prints it).
    let t = app.issue(&office, office.services[0], "normal").await;
    let token = t["public_token"].as_str().unwrap().to_owned();
    let id = t["id"].as_i64().unwrap();
    let path = format!("/api/v1/tickets/{id}");

    let (s, v) = app.get(&office.display, &path).await;
    assert_eq!(s, StatusCode::OK);
    assert_no_token(&v.to_string(), &token, "a display's ticket read");
    let (s, v) = app.get(&office.clerks[0], &path).await;
    assert_eq!(s, StatusCode::OK);
    assert_no_token(&v.to_string(), &token, "a clerk's ticket read");
    // The issuing kiosk's agent reads it to print the QR code.
    let (s, v) = app.get(&office.kiosk, &path).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["public_token"], token.as_str());
    // Another kiosk of the branch does not.
    let (_, other) = app
        .post(
            &office.manager,
            &format!("/api/v1/branches/{branch}/devices"),
            json!({ "kind": "kiosk", "name": "Kiosk 2" }),
        )
        .await;
    let other = other["token"].as_str().unwrap().to_owned();
    let (_, v) = app.get(&other, &path).await;
    assert_no_token(&v.to_string(), &token, "another kiosk's ticket read");
    // Replaying the issuing request is only answered with the token for
    // the kiosk that issued it.
    let (s, first) = app
        .issue_keyed(
            &office,
            json!({ "service_id": office.services[1] }),
            "key-1",
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, again) = app
        .issue_keyed(
            &office,
            json!({ "service_id": office.services[1] }),
            "key-1",
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["public_token"], first["public_token"]);

    // Parked tickets in the queue view, read by a display.
    app.open_desk(&office, 0).await;
    let desk = office.desks[0];
    let (s, called) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{desk}/call-next"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{called}");
    assert_no_token(&called.to_string(), &token, "a clerk's call-next answer");
    let (s, _) = app
        .post_empty(&office.clerks[0], &format!("/api/v1/desks/{desk}/park"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, queue) = app
        .get(&office.display, &format!("/api/v1/branches/{branch}/queue"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(queue["parked"].as_array().unwrap().len(), 1);
    assert_no_token(&queue.to_string(), &token, "the queue view");

    // Neither the snapshot nor the events a display receives carry it.
    let mut ws = connect(&app, branch, &office.display).await;
    let upto = head(&app, branch).await;
    let all: Vec<String> = messages_until(&mut ws, upto)
        .await
        .iter()
        .map(Value::to_string)
        .collect();
    assert_no_token(&all.join("\n"), &token, "the display's live stream");

    // A device cannot cancel anyone's ticket, with or without the id.
    let second = app.issue(&office, office.services[0], "normal").await;
    for device in [&office.display, &office.kiosk] {
        let (s, _) = app
            .post_empty(device, &format!("/api/v1/tickets/{}/cancel", second["id"]))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (_, v) = app
        .get(
            &office.clerks[0],
            &format!("/api/v1/tickets/{}", second["id"]),
        )
        .await;
    assert_eq!(v["status"], "waiting");
    app.stop().await;
}

async fn displays_get_the_public_projection(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let branch = office.branch_id;
    app.open_desk(&office, 0).await;
    app.open_desk(&office, 1).await;
    let mut display = connect(&app, branch, &office.display).await;
    let mut staff = connect(&app, branch, &office.manager).await;
    let start = head(&app, branch).await;
    let _ = messages_until(&mut display, start).await;
    let _ = messages_until(&mut staff, start).await;

    let a = app.issue(&office, office.services[0], "priority").await;
    let b = app.issue(&office, office.services[0], "normal").await;
    let (d0, d1) = (office.desks[0], office.desks[1]);
    let clerk = &office.clerks[0];
    let (s, _) = app
        .post(
            clerk,
            &format!("/api/v1/desks/{d0}/call"),
            json!({ "ticket_id": b["id"], "reason": "secret-out-of-turn" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            clerk,
            &format!("/api/v1/desks/{d0}/finish"),
            json!({ "outcome": "secret-outcome" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            &office.clerks[1],
            &format!("/api/v1/desks/{d1}/pause"),
            json!({ "reason": "secret-pause" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            &office.manager,
            &format!("/api/v1/branches/{branch}/users"),
            json!({ "username": "secret-user", "password": PASSWORD, "role": "clerk" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let end = head(&app, branch).await;

    let seen = messages_until(&mut display, end).await;
    let text: String = seen.iter().map(Value::to_string).collect();
    for secret in [
        "secret-out-of-turn",
        "secret-outcome",
        "secret-pause",
        "secret-user",
        "out_of_turn_reason",
        "called_by",
        "\"actor\":\"user:",
        "user_id",
        "\"priority\"",
    ] {
        assert!(!text.contains(secret), "{secret} reached a display: {text}");
    }
    let kinds: Vec<&str> = seen.iter().filter_map(|m| m["type"].as_str()).collect();
    assert!(kinds.contains(&"ticket.called"), "{kinds:?}");
    assert!(kinds.iter().all(|k| !k.starts_with("user.")), "{kinds:?}");
    let call = seen.iter().find(|m| m["type"] == "ticket.called").unwrap();
    assert_eq!(call["data"]["ticket"]["number"], b["number"]);
    assert_eq!(call["data"]["desk"]["name"], "Desk 1");
    // prev_seq links each message to the previous one the display got.
    for pair in seen.windows(2) {
        assert_eq!(pair[1]["prev_seq"], pair[0]["seq"]);
    }
    // A fresh snapshot is the same projection.
    let mut again = connect(&app, branch, &office.display).await;
    let snap = messages_until(&mut again, end).await;
    let snap_text = snap[0].to_string();
    assert!(!snap_text.contains("secret-pause"), "{snap_text}");
    assert!(!snap_text.contains("user_id"), "{snap_text}");
    // Reads over the API are the same projection.
    for path in [
        format!("/api/v1/branches/{branch}/desks"),
        format!("/api/v1/desks/{d1}"),
        format!("/api/v1/tickets/{}", b["id"]),
        format!("/api/v1/tickets/{}", a["id"]),
        format!("/api/v1/branches/{branch}/queue"),
    ] {
        let (s, v) = app.get(&office.display, &path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        let text = v.to_string();
        for secret in [
            "secret-out-of-turn",
            "secret-outcome",
            "secret-pause",
            "out_of_turn_reason",
            "called_by",
            "user_id",
            "\"priority\"",
            "language",
        ] {
            assert!(!text.contains(secret), "{path}: {secret} in {text}");
        }
        let (_, staff_view) = app.get(&office.manager, &path).await;
        assert_ne!(staff_view, v, "{path}: staff see more");
    }

    // Staff still see everything.
    let staff_seen = messages_until(&mut staff, end).await;
    let staff_text: String = staff_seen.iter().map(Value::to_string).collect();
    for secret in [
        "secret-out-of-turn",
        "secret-outcome",
        "secret-pause",
        "secret-user",
    ] {
        assert!(staff_text.contains(secret), "{secret} missing for staff");
    }
    app.stop().await;
}

async fn revoked_credentials_lose_their_sockets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let branch = office.branch_id;

    // Logout.
    let session = app.login(&format!("manager{branch}"), PASSWORD).await;
    let mut ws = connect(&app, branch, &session).await;
    let _ = messages_until(&mut ws, 0).await;
    let (s, _) = app.post_empty(&session, "/api/v1/auth/logout").await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        close_code(&mut ws, Duration::from_secs(10)).await,
        Some(1008)
    );

    // A deactivated user.
    let clerk_id = app.user_id(&office.clerks[0]).await;
    let mut ws = connect(&app, branch, &office.clerks[0]).await;
    let _ = messages_until(&mut ws, 0).await;
    let (s, _) = app
        .patch(
            &office.manager,
            &format!("/api/v1/users/{clerk_id}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        close_code(&mut ws, Duration::from_secs(10)).await,
        Some(1008)
    );

    // A display whose token was replaced.
    let (_, devices) = app
        .get(
            &office.manager,
            &format!("/api/v1/branches/{branch}/devices"),
        )
        .await;
    let display_id = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "display")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let mut ws = connect(&app, branch, &office.display).await;
    let _ = messages_until(&mut ws, 0).await;
    let (s, rotated) = app
        .post_empty(
            &office.manager,
            &format!("/api/v1/devices/{display_id}/token"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{rotated}");
    assert_eq!(
        close_code(&mut ws, Duration::from_secs(10)).await,
        Some(1008)
    );

    // Sockets of a live session stay open.
    let mut ws = connect(&app, branch, &office.manager).await;
    let _ = messages_until(&mut ws, 0).await;
    let quiet = tokio::time::timeout(Duration::from_secs(6), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(quiet.is_err(), "a valid session's socket was closed");
    app.stop().await;
}

async fn tokens_are_taken_from_headers_not_urls(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(0).await;
    let branch = office.branch_id;
    let (s, _, _) = app
        .send_raw(
            Method::GET,
            None,
            &format!("/api/v1/branches/{branch}?token={}", office.manager),
            &[],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .get(&office.manager, &format!("/api/v1/branches/{branch}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    // Live streams (browsers cannot set headers on a websocket) still may.
    let mut ws = connect(&app, branch, &office.display).await;
    let snap = messages_until(&mut ws, 0).await;
    assert_eq!(snap[0]["type"], "snapshot");
    app.stop().await;
}

async fn browser_hardening_headers(backend: Backend) {
    let app = TestApp::spawn_tuned(backend, |c| {
        c.metrics_token = Some("scrape-token-0123456789".into());
    })
    .await;
    let admin = app.admin().await;
    for path in [
        "/",
        "/display/",
        "/clerk/",
        "/manager/",
        "/ticket/",
        "/api/v1/auth/me",
    ] {
        let (_, headers, _) = app
            .send_raw(Method::GET, Some(&admin), path, &[], None)
            .await;
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    }
    let (_, headers, _) = app
        .send_raw(Method::GET, Some(&admin), "/api/v1/auth/me", &[], None)
        .await;
    assert_eq!(headers["cache-control"], "no-store");
    let (_, headers, _) = app
        .send_raw(
            Method::POST,
            None,
            "/api/v1/auth/login",
            &[],
            Some((
                "application/json",
                json!({ "username": "admin", "password": common::ADMIN_PASSWORD })
                    .to_string()
                    .into_bytes(),
            )),
        )
        .await;
    assert_eq!(headers["cache-control"], "no-store");
    // /metrics needs the scrape token.
    let (s, _, _) = app.send_raw(Method::GET, None, "/metrics", &[], None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _, _) = app
        .send_raw(Method::GET, Some(&admin), "/metrics", &[], None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _, body) = app
        .send_raw(
            Method::GET,
            Some("scrape-token-0123456789"),
            "/metrics",
            &[],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("waitwell"), "{body}");
    app.stop().await;
}

async fn metrics_are_off_without_a_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let (s, _, _) = app
        .send_raw(Method::GET, Some(&admin), "/metrics", &[], None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn login_from(app: &TestApp, user: &str, password: &str, addr: &str) -> StatusCode {
    let (s, _, _) = app
        .send_raw(
            Method::POST,
            None,
            "/api/v1/auth/login",
            &[("x-forwarded-for", addr)],
            Some((
                "application/json",
                json!({ "username": user, "password": password })
                    .to_string()
                    .into_bytes(),
            )),
        )
        .await;
    s
}

async fn sign_in_limits_hold_across_addresses(backend: Backend) {
    let app = TestApp::spawn_tuned(backend, |c| c.trust_forwarded_for = true).await;
    let office = app.office(1).await;
    let manager = format!("manager{}", office.branch_id);
    let clerk = format!("clerk{}_1", office.branch_id);

    // Behind the proxy, each forwarded address has its own budget: one
    // client guessing does not lock out the office.
    for _ in 0..10 {
        assert_eq!(
            login_from(&app, &clerk, "wrong-password-x", "203.0.113.7").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login_from(&app, &clerk, "wrong-password-x", "203.0.113.7").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login_from(&app, &clerk, PASSWORD, "203.0.113.8").await,
        StatusCode::OK
    );
    // IPv6 addresses count per /64.
    for i in 0..10 {
        let addr = format!("2001:db8:1:2::{i:x}");
        assert_eq!(
            login_from(&app, &clerk, "wrong-password-x", &addr).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login_from(&app, &clerk, "wrong-password-x", "2001:db8:1:2:ffff::1").await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // 30 wrong passwords for one account from 10 addresses: the account is
    // locked for a while, even from a new address and with the right password.
    for i in 0..30 {
        let addr = format!("198.51.100.{}", i % 10);
        let s = login_from(&app, &manager, "wrong-password-x", &addr).await;
        assert!(
            s == StatusCode::UNAUTHORIZED || s == StatusCode::TOO_MANY_REQUESTS,
            "{s}"
        );
    }
    let (s, headers, body) = app
        .send_raw(
            Method::POST,
            None,
            "/api/v1/auth/login",
            &[("x-forwarded-for", "192.0.2.99")],
            Some((
                "application/json",
                json!({ "username": manager, "password": PASSWORD })
                    .to_string()
                    .into_bytes(),
            )),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(headers.contains_key("retry-after"));
    // Other accounts are not affected.
    assert_eq!(
        login_from(&app, &clerk, PASSWORD, "192.0.2.99").await,
        StatusCode::OK
    );
    app.stop().await;
}

async fn accounts_need_strong_passwords_and_the_current_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let branch = office.branch_id;
    let clerk = &office.clerks[0];
    let id = app.user_id(clerk).await;
    let path = format!("/api/v1/users/{id}");
    // Changing one's own password needs the current one.
    let (s, body) = app
        .patch(clerk, &path, json!({ "password": "brand-new-password-1" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, _) = app
        .patch(
            clerk,
            &path,
            json!({ "password": "brand-new-password-1", "current_password": "not-the-password" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = app
        .patch(
            clerk,
            &path,
            json!({ "password": "brand-new-password-1", "current_password": PASSWORD }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // Too short, or among the most common passwords.
    for weak in ["nine-char", "1234567890", "Password123", "aaaaaaaaaaaa"] {
        let (s, body) = app
            .post(
                &office.manager,
                &format!("/api/v1/branches/{branch}/users"),
                json!({ "username": "weakling", "password": weak, "role": "clerk" }),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{weak}: {body}");
    }
    app.stop().await;
}

async fn users_of_a_closed_branch_cannot_sign_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let branch = office.branch_id;
    let (s, body) = app
        .patch(
            &office.admin,
            &format!("/api/v1/branches/{branch}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, _) = app.get(&office.clerks[0], "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .post(
            &office.admin,
            "/api/v1/auth/login",
            json!({ "username": format!("clerk{branch}_1"), "password": PASSWORD }),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn admins_are_listed_and_their_changes_recorded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office: Office = app.office(0).await;
    let before = app.event_types(office.branch_id).await.len();
    let (s, created) = app
        .post(
            &office.admin,
            &format!("/api/v1/branches/{}/users", office.branch_id),
            json!({ "username": "second-admin", "password": PASSWORD, "role": "admin" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (s, _) = app
        .patch(
            &office.admin,
            &format!("/api/v1/users/{id}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let kinds = app.event_types(office.branch_id).await;
    let new: Vec<&str> = kinds[before..].iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(new, ["user.created", "user.updated"]);
    assert!(app.verify_chain(office.branch_id).await.broken.is_none());

    let (s, admins) = app.get(&office.admin, "/api/v1/admins").await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = admins
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "second-admin"]);
    let (s, _) = app.get(&office.manager, "/api/v1/admins").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.stop().await;
}

backend_tests!(
    devices_never_see_public_tokens,
    displays_get_the_public_projection,
    revoked_credentials_lose_their_sockets,
    tokens_are_taken_from_headers_not_urls,
    browser_hardening_headers,
    metrics_are_off_without_a_token,
    sign_in_limits_hold_across_addresses,
    accounts_need_strong_passwords_and_the_current_one,
    users_of_a_closed_branch_cannot_sign_in,
    admins_are_listed_and_their_changes_recorded,
);
