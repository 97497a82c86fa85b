//! Authentication and authorisation over the REST API: sessions, device
//! tokens, rate limits, roles and branch scopes, desk staffing.

mod common;

use common::{ADMIN_PASSWORD, Backend, PASSWORD, TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Runs one statement against the test database.
async fn sql(app: &TestApp, stmt: &'static str, args: Vec<waitwell_server::store::Arg>) {
    use waitwell_server::store::{Exec as _, q, write};
    let db = app.state.db.clone();
    let r: Result<u64, waitwell_server::error::AppError> = async {
        write!(db, |c, _out| async move {
            let mut query = q(stmt);
            for a in args {
                query = query.bind(a);
            }
            Ok(c.run(query).await?)
        })
    }
    .await;
    r.unwrap();
}

async fn login_raw(app: &TestApp, username: &str, password: &str) -> (StatusCode, Value) {
    app.send(
        Method::POST,
        None,
        "/api/v1/auth/login",
        Some(json!({ "username": username, "password": password })),
    )
    .await
}

/// Login returns a token that works on /auth/me; logout revokes it.
async fn login_me_logout(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, body) = login_raw(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("wws_"), "{token}");
    assert_eq!(body["user"]["username"], "admin");
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["user"]["branch_id"], Value::Null);
    assert!(body["user"].get("password_hash").is_none(), "{body}");
    let expires_at = body["expires_at"].as_i64().unwrap();
    let now = waitwell_server::now_ms();
    // Test config: 12 hour sessions.
    assert!(
        (expires_at - now - 12 * 3_600_000).abs() < 60_000,
        "{expires_at} vs {now}"
    );

    let (s, me) = app.get(&token, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["kind"], "user");
    assert_eq!(me["user"]["username"], "admin");
    assert_eq!(me["user"]["id"], body["user"]["id"]);

    // A second session is independent of the first.
    let other = app.admin().await;
    assert_ne!(other, token);

    let (s, out) = app.post_empty(&token, "/api/v1/auth/logout").await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{out}");
    assert_eq!(out, Value::Null);
    let (s, me) = app.get(&token, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_error(&me, "unauthorized");
    let (s, again) = app.post_empty(&token, "/api/v1/auth/logout").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_error(&again, "unauthorized");
    let (s, _) = app.get(&other, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::OK, "logout ended another session");
    app.stop().await;
}

/// Wrong password and unknown user fail identically.
async fn bad_credentials_look_the_same(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s1, wrong) = login_raw(&app, "admin", "not-the-password").await;
    let (s2, unknown) = login_raw(&app, "nobody-here", "not-the-password").await;
    let (s3, case) = login_raw(&app, "ADMIN", ADMIN_PASSWORD).await;
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!(s2, StatusCode::UNAUTHORIZED);
    assert_eq!(
        s3,
        StatusCode::UNAUTHORIZED,
        "user names are case sensitive: {case}"
    );
    assert_error(&wrong, "unauthorized");
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, case);
    // No session row was created by the failures.
    let (s, _) = login_raw(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
    app.stop().await;
}

/// Missing, garbage, wrong-scheme, expired and device-looking tokens: 401.
async fn bad_tokens_are_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.admin().await;
    let (s, body) = app.send(Method::GET, None, "/api/v1/auth/me", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthorized");
    for garbage in [
        "garbage",
        "wws_garbage",
        "wwd_garbage",
        "wws_",
        &format!("{token}x"),
    ] {
        let (s, body) = app.get(garbage, "/api/v1/auth/me").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{garbage}");
        assert_error(&body, "unauthorized");
        let (s, body) = app.get(garbage, "/api/v1/branches").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{garbage}");
        assert_error(&body, "unauthorized");
    }
    let basic = format!("Basic {token}");
    let (s, _, text) = app
        .send_raw(
            Method::GET,
            None,
            "/api/v1/auth/me",
            &[("Authorization", basic.as_str())],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{text}");

    // The token still works, then expires.
    let (s, _) = app.get(&token, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::OK);
    sql(
        &app,
        "update sessions set expires_at = $2 where token_hash = $1",
        vec![
            waitwell_server::domain::auth::token_hash(&token).into(),
            (waitwell_server::now_ms() - 1).into(),
        ],
    )
    .await;
    let (s, body) = app.get(&token, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthorized");
    app.stop().await;
}

/// After 10 attempts in a minute for one user name, the 11th gets 429 with
/// Retry-After even with the right password; other users are unaffected.
async fn login_rate_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for i in 0..10 {
        let (s, body) = login_raw(&app, "admin", "wrong-password").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "attempt {i}: {body}");
    }
    let login = json!({ "username": "admin", "password": ADMIN_PASSWORD })
        .to_string()
        .into_bytes();
    let (s, headers, text) = app
        .send_raw(
            Method::POST,
            None,
            "/api/v1/auth/login",
            &[],
            Some(("application/json", login)),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_error(&body, "rate_limited");
    let retry: u64 = headers
        .get("retry-after")
        .expect("Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    // Another user name from the same address still gets through to the
    // password check.
    let (s, body) = login_raw(&app, "someone-else", "wrong-password").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    app.stop().await;
}

/// A deactivated user cannot sign in and their sessions stop working;
/// reactivating lets them sign in again.
async fn deactivated_user_locked_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let clerk = &office.clerks[0];
    let clerk_id = app.user_id(clerk).await;
    let username = format!("clerk{}_1", office.branch_id);
    let before = app.event_count(office.branch_id).await;
    let (s, user) = app
        .patch(
            &office.manager,
            &format!("/api/v1/users/{clerk_id}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{user}");
    assert_eq!(user["active"], false);
    assert_eq!(user["username"], username.as_str());
    let types = app.event_types(office.branch_id).await;
    assert_eq!(types.len(), before + 1);
    assert_eq!(types.last().unwrap().1, "user.updated");

    let (s, body) = app.get(clerk, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthorized");
    let (s, body) = app
        .post_empty(clerk, &format!("/api/v1/desks/{}/open", office.desks[0]))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    let (s, body) = login_raw(&app, &username, PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthorized");

    let (s, user) = app
        .patch(
            &office.manager,
            &format!("/api/v1/users/{clerk_id}"),
            json!({ "active": true }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{user}");
    // Old sessions stay dead; a new sign-in works.
    let (s, _) = app.get(clerk, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let fresh = app.login(&username, PASSWORD).await;
    assert_eq!(app.user_id(&fresh).await, clerk_id);
    app.stop().await;
}

/// Changing one's password ends the user's other sessions (the one used
/// for the change keeps working); the old password stops working. A bad new
/// password changes nothing.
async fn password_change_revokes_other_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let username = format!("clerk{}_1", office.branch_id);
    let first = office.clerks[0].clone();
    let second = app.login(&username, PASSWORD).await;
    let id = app.user_id(&first).await;

    let before = app.event_count(office.branch_id).await;
    let (s, body) = app
        .patch(
            &first,
            &format!("/api/v1/users/{id}"),
            json!({ "password": "short" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&body, "invalid");
    assert_eq!(app.event_count(office.branch_id).await, before);
    let (s, _) = app.get(&second, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::OK, "a rejected change revoked sessions");

    let (s, body) = app
        .patch(
            &first,
            &format!("/api/v1/users/{id}"),
            json!({ "password": "brand-new-password", "current_password": PASSWORD }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["id"], id);
    let (s, _) = app.get(&second, "/api/v1/auth/me").await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the other session survived a password change"
    );
    let (s, _) = app.get(&first, "/api/v1/auth/me").await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the session that changed the password was ended"
    );
    let (s, _) = login_raw(&app, &username, PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.login(&username, "brand-new-password").await;

    // A manager resetting the clerk's password ends all the clerk's sessions.
    let third = app.login(&username, "brand-new-password").await;
    let (s, body) = app
        .patch(
            &office.manager,
            &format!("/api/v1/users/{id}"),
            json!({ "password": "reset-by-manager" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    for t in [&first, &third] {
        let (s, _) = app.get(t, "/api/v1/auth/me").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, _) = app.get(&office.manager, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::OK);
    app.stop().await;
}

/// Clerks do desk work only; configuration and reports are 403 and change
/// nothing.
async fn clerk_cannot_configure(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let clerk = &office.clerks[0];
    let b = office.branch_id;
    let before = app.event_count(b).await;
    let attempts: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            format!("/api/v1/branches/{b}/services"),
            Some(json!({ "code": "Z", "name": "Zoning" })),
        ),
        (
            Method::PATCH,
            format!("/api/v1/services/{}", office.services[0]),
            Some(json!({ "name": "Renamed" })),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/desks"),
            Some(json!({ "name": "Desk 99" })),
        ),
        (
            Method::PATCH,
            format!("/api/v1/desks/{}", office.desks[0]),
            Some(json!({ "name": "Mine" })),
        ),
        (
            Method::PUT,
            format!("/api/v1/desks/{}/services", office.desks[0]),
            Some(json!([{ "service_id": office.services[0], "weight": 10 }])),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/users"),
            Some(json!({ "username": "newclerk", "password": PASSWORD, "role": "clerk" })),
        ),
        (Method::GET, format!("/api/v1/branches/{b}/users"), None),
        (
            Method::POST,
            format!("/api/v1/branches/{b}/devices"),
            Some(json!({ "kind": "kiosk", "name": "K2" })),
        ),
        (Method::GET, format!("/api/v1/branches/{b}/devices"), None),
        (
            Method::PATCH,
            format!("/api/v1/branches/{b}"),
            Some(json!({ "name": "Mine" })),
        ),
        (
            Method::POST,
            "/api/v1/branches".to_owned(),
            Some(json!({ "name": "New", "timezone": "UTC" })),
        ),
        (Method::GET, format!("/api/v1/branches/{b}/stats"), None),
    ];
    for (method, path, body) in attempts {
        let (s, resp) = app.send(method.clone(), Some(clerk), &path, body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{method} {path}: {resp}");
        assert_error(&resp, "forbidden");
    }
    assert_eq!(app.event_count(b).await, before);
    let (_, services) = app
        .get(clerk, &format!("/api/v1/branches/{b}/services"))
        .await;
    assert_eq!(services.as_array().unwrap().len(), 3);
    // Reading the branch's configuration is allowed.
    let (s, _) = app.get(clerk, &format!("/api/v1/branches/{b}/desks")).await;
    assert_eq!(s, StatusCode::OK);
    app.stop().await;
}

/// A manager of one branch has no access to another.
async fn manager_scoped_to_branch(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let one = app.office(1).await;
    let two = app.office(1).await;
    let b2 = two.branch_id;
    let before = app.event_count(b2).await;
    let t2 = app.issue(&two, two.services[0], "normal").await;
    let before = before + 1;
    let attempts: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/branches/{b2}"), None),
        (
            Method::PATCH,
            format!("/api/v1/branches/{b2}"),
            Some(json!({ "name": "Taken over" })),
        ),
        (Method::GET, format!("/api/v1/branches/{b2}/services"), None),
        (
            Method::POST,
            format!("/api/v1/branches/{b2}/services"),
            Some(json!({ "code": "Z", "name": "Zoning" })),
        ),
        (
            Method::GET,
            format!("/api/v1/services/{}", two.services[0]),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/services/{}", two.services[0]),
            Some(json!({ "active": false })),
        ),
        (Method::GET, format!("/api/v1/branches/{b2}/desks"), None),
        (
            Method::POST,
            format!("/api/v1/branches/{b2}/desks"),
            Some(json!({ "name": "Desk 9" })),
        ),
        (Method::GET, format!("/api/v1/desks/{}", two.desks[0]), None),
        (
            Method::PUT,
            format!("/api/v1/desks/{}/services", two.desks[0]),
            Some(json!([])),
        ),
        (
            Method::POST,
            format!("/api/v1/desks/{}/open", two.desks[0]),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/desks/{}/call-next", two.desks[0]),
            None,
        ),
        (Method::GET, format!("/api/v1/branches/{b2}/users"), None),
        (
            Method::POST,
            format!("/api/v1/branches/{b2}/users"),
            Some(json!({ "username": "spy", "password": PASSWORD, "role": "clerk" })),
        ),
        (Method::GET, format!("/api/v1/branches/{b2}/devices"), None),
        (
            Method::POST,
            format!("/api/v1/branches/{b2}/devices"),
            Some(json!({ "kind": "kiosk", "name": "Spy" })),
        ),
        (
            Method::POST,
            format!("/api/v1/branches/{b2}/tickets"),
            Some(json!({ "service_id": two.services[0] })),
        ),
        (Method::GET, format!("/api/v1/tickets/{}", t2["id"]), None),
        (
            Method::POST,
            format!("/api/v1/tickets/{}/cancel", t2["id"]),
            None,
        ),
        (Method::GET, format!("/api/v1/branches/{b2}/queue"), None),
        (Method::GET, format!("/api/v1/branches/{b2}/stats"), None),
    ];
    for (method, path, body) in attempts {
        let (s, resp) = app
            .send(method.clone(), Some(&one.manager), &path, body)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{method} {path}: {resp}");
        assert_error(&resp, "forbidden");
    }
    assert_eq!(app.event_count(b2).await, before);
    let (s, t) = app
        .get(&two.manager, &format!("/api/v1/tickets/{}", t2["id"]))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(t["status"], "waiting");
    // The branch list shows only the manager's own branch; admins see both.
    let (_, list) = app.get(&one.manager, "/api/v1/branches").await;
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![one.branch_id]);
    let (_, list) = app.get(&one.admin, "/api/v1/branches").await;
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![one.branch_id, b2]);
    app.stop().await;
}

/// A kiosk issues tickets in its own branch only and does no desk work.
async fn kiosk_scope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let one = app.office(1).await;
    let two = app.office(1).await;
    let (s, me) = app.get(&one.kiosk, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["kind"], "device");
    assert_eq!(me["device_kind"], "kiosk");
    assert_eq!(me["branch_id"], one.branch_id);

    let t = app.issue(&one, one.services[0], "normal").await;
    assert_eq!(t["number"], "A001");
    let before_two = app.event_count(two.branch_id).await;
    let (s, body) = app
        .post(
            &one.kiosk,
            &format!("/api/v1/branches/{}/tickets", two.branch_id),
            json!({ "service_id": two.services[0] }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert_error(&body, "forbidden");
    // Its own branch id with the other branch's service: not found.
    let (s, body) = app
        .post(
            &one.kiosk,
            &format!("/api/v1/branches/{}/tickets", one.branch_id),
            json!({ "service_id": two.services[0] }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert_error(&body, "not_found");
    assert_eq!(app.event_count(two.branch_id).await, before_two);

    let before = app.event_count(one.branch_id).await;
    for action in [
        "open",
        "call-next",
        "close",
        "recall",
        "start",
        "finish",
        "no-show",
        "park",
    ] {
        let (s, body) = app
            .post_empty(
                &one.kiosk,
                &format!("/api/v1/desks/{}/{action}", one.desks[0]),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{action}: {body}");
        assert_error(&body, "forbidden");
    }
    let (s, _) = app
        .post(
            &one.kiosk,
            &format!("/api/v1/branches/{}/services", one.branch_id),
            json!({ "code": "Z", "name": "Z" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .get(
            &one.kiosk,
            &format!("/api/v1/branches/{}/stats", one.branch_id),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.event_count(one.branch_id).await, before);
    // Devices have no session to end.
    let (s, body) = app.post_empty(&one.kiosk, "/api/v1/auth/logout").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "invalid");
    // It can read its branch's queue, but not cancel anyone's ticket: a
    // visitor cancels on the ticket page, staff at a desk.
    let (s, q) = app
        .get(
            &one.kiosk,
            &format!("/api/v1/branches/{}/queue", one.branch_id),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(q["waiting"].as_array().unwrap().len(), 1);
    let (s, c) = app
        .post_empty(&one.kiosk, &format!("/api/v1/tickets/{}/cancel", t["id"]))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{c}");
    let (_, t) = app
        .get(&one.manager, &format!("/api/v1/tickets/{}", t["id"]))
        .await;
    assert_eq!(t["status"], "waiting");
    app.stop().await;
}

/// A display reads its branch but cannot issue or act.
async fn display_scope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let other = app.office(1).await;
    let t = app.issue(&office, office.services[0], "normal").await;
    let (s, me) = app.get(&office.display, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["device_kind"], "display");
    let (s, q) = app
        .get(
            &office.display,
            &format!("/api/v1/branches/{}/queue", office.branch_id),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(q["waiting"][0]["number"], "A001");
    let (s, _) = app
        .get(&office.display, &format!("/api/v1/tickets/{}", t["id"]))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .get(
            &office.display,
            &format!("/api/v1/branches/{}/queue", other.branch_id),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let before = app.event_count(office.branch_id).await;
    let (s, body) = app
        .post(
            &office.display,
            &format!("/api/v1/branches/{}/tickets", office.branch_id),
            json!({ "service_id": office.services[0] }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert_error(&body, "forbidden");
    let (s, _) = app
        .post_empty(
            &office.display,
            &format!("/api/v1/tickets/{}/cancel", t["id"]),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post_empty(
            &office.display,
            &format!("/api/v1/desks/{}/call-next", office.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.event_count(office.branch_id).await, before);
    app.stop().await;
}

/// Only admins create admins; managers manage their branch's staff.
async fn manager_cannot_create_admin(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;
    let before = app.event_count(b).await;
    let (s, body) = app
        .post(
            &office.manager,
            &format!("/api/v1/branches/{b}/users"),
            json!({ "username": "boss", "password": PASSWORD, "role": "admin" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert_error(&body, "forbidden");
    assert_eq!(app.event_count(b).await, before);
    let (s, body) = login_raw(&app, "boss", PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");

    let clerk_id = app.user_id(&office.clerks[0]).await;
    let (s, body) = app
        .patch(
            &office.manager,
            &format!("/api/v1/users/{clerk_id}"),
            json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, body) = app
        .patch(
            &office.manager,
            &format!("/api/v1/users/{clerk_id}"),
            json!({ "role": "manager" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["role"], "manager");
    // Nobody changes their own role or access.
    let manager_id = app.user_id(&office.manager).await;
    let (s, body) = app
        .patch(
            &office.manager,
            &format!("/api/v1/users/{manager_id}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, body) = app
        .patch(
            &office.clerks[0],
            &format!("/api/v1/users/{clerk_id}"),
            json!({ "role": "clerk" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");

    // Admins may create an admin; it has no branch, and every branch's log
    // records it (admins act on every branch).
    let before = app.event_count(b).await;
    let (s, body) = app
        .post(
            &office.admin,
            &format!("/api/v1/branches/{b}/users"),
            json!({ "username": "boss", "password": PASSWORD, "role": "admin" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["role"], "admin");
    assert_eq!(body["branch_id"], Value::Null);
    assert_eq!(app.event_count(b).await, before + 1);
    let boss = app.login("boss", PASSWORD).await;
    let (s, _) = app.get(&boss, &format!("/api/v1/branches/{b}/stats")).await;
    assert_eq!(s, StatusCode::OK);
    // A manager cannot touch an admin.
    let boss_id = body["id"].as_i64().unwrap();
    let (s, _) = app
        .get(&office.manager, &format!("/api/v1/users/{boss_id}"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .patch(
            &office.manager,
            &format!("/api/v1/users/{boss_id}"),
            json!({ "password": "hijacked-password" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.login("boss", PASSWORD).await;
    app.stop().await;
}

/// A clerk who opened a desk is the only clerk who may act on it; another
/// clerk gets 409; a manager may act on it.
async fn desk_staffed_by_one_clerk(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(2).await;
    let desk = office.desks[0];
    let (s, d) = app
        .post_empty(&office.clerks[0], &format!("/api/v1/desks/{desk}/open"))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let clerk0 = app.user_id(&office.clerks[0]).await;
    assert_eq!(d["user_id"], clerk0);
    assert_eq!(d["status"], "open");
    app.issue(&office, office.services[0], "normal").await;
    app.issue(&office, office.services[0], "normal").await;

    let before = app.event_count(office.branch_id).await;
    for action in ["open", "call-next", "close"] {
        let (s, body) = app
            .post_empty(&office.clerks[1], &format!("/api/v1/desks/{desk}/{action}"))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{action}: {body}");
        assert_error(&body, "conflict");
        assert_eq!(
            body["message"], "Desk 1 is staffed by another clerk",
            "{action}"
        );
    }
    let (s, body) = app
        .post(
            &office.clerks[1],
            &format!("/api/v1/desks/{desk}/pause"),
            json!({ "reason": "mine now" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(app.event_count(office.branch_id).await, before);
    let (_, d) = app
        .get(&office.manager, &format!("/api/v1/desks/{desk}"))
        .await;
    assert_eq!(d["user_id"], clerk0);
    assert_eq!(d["current_ticket_id"], Value::Null);

    // The clerk calls; the other clerk cannot act on the called ticket.
    let (s, t) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{desk}/call-next"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["called_by"], clerk0);
    for action in ["recall", "start", "finish", "no-show", "park"] {
        let (s, body) = app
            .post_empty(&office.clerks[1], &format!("/api/v1/desks/{desk}/{action}"))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{action}: {body}");
        assert_eq!(body["message"], "Desk 1 is staffed by another clerk");
    }
    // A manager may.
    let (s, done) = app
        .post_empty(&office.manager, &format!("/api/v1/desks/{desk}/finish"))
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "done");
    let (s, t2) = app
        .post_empty(&office.manager, &format!("/api/v1/desks/{desk}/call-next"))
        .await;
    assert_eq!(s, StatusCode::OK, "{t2}");
    assert_eq!(t2["number"], "A002");
    let manager_id = app.user_id(&office.manager).await;
    assert_eq!(t2["called_by"], manager_id);
    let (_, d) = app
        .get(&office.manager, &format!("/api/v1/desks/{desk}"))
        .await;
    assert_eq!(
        d["user_id"], clerk0,
        "a manager acting keeps the clerk on the desk"
    );
    let (s, _) = app
        .post_empty(&office.clerks[0], &format!("/api/v1/desks/{desk}/finish"))
        .await;
    assert_eq!(s, StatusCode::OK);
    // Once closed, the desk is free for the other clerk.
    let (s, d) = app
        .post_empty(&office.clerks[0], &format!("/api/v1/desks/{desk}/close"))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["user_id"], Value::Null);
    let (s, d) = app
        .post_empty(&office.clerks[1], &format!("/api/v1/desks/{desk}/open"))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["user_id"], app.user_id(&office.clerks[1]).await);
    app.stop().await;
}

backend_tests!(
    login_me_logout,
    bad_credentials_look_the_same,
    bad_tokens_are_401,
    login_rate_limited,
    deactivated_user_locked_out,
    password_change_revokes_other_sessions,
    clerk_cannot_configure,
    manager_scoped_to_branch,
    kiosk_scope,
    display_scope,
    manager_cannot_create_admin,
    desk_staffed_by_one_clerk,
);
