//! Configuration over the REST API: branches, services, desks and their
//! allocation, users, devices. Every rejected change leaves the object and
//! the event log as they were.

mod common;

use common::{Backend, PASSWORD, TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}

/// Branches: create with defaults, list, read, update; invalid timezone,
/// rollover, languages and policy are 422 and change nothing.
async fn branch_crud(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let (s, b) = app
        .post(
            &admin,
            "/api/v1/branches",
            json!({ "name": "  City Hall ", "timezone": "Europe/Copenhagen" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_i64().unwrap();
    assert_eq!(b["name"], "City Hall");
    assert_eq!(b["timezone"], "Europe/Copenhagen");
    assert_eq!(b["rollover"], "00:00");
    assert_eq!(b["languages"], json!(["en"]));
    assert_eq!(b["kiosk_message"], "");
    assert_eq!(
        b["policy"],
        json!({ "priority_credit_s": 600, "appointment_credit_s": 900, "weight_step_s": 300, "priority_interleave": 0 })
    );
    assert_eq!(b["active"], true);
    assert_eq!(b["event_seq"], 1);
    assert_eq!(
        app.event_types(id).await,
        vec![(1, "branch.created".to_owned())]
    );

    let (s, b2) = app
        .post(
            &admin,
            "/api/v1/branches",
            json!({ "name": "Tax Office", "timezone": "America/New_York", "rollover": "03:30", "languages": ["en", "es"],
                    "kiosk_message": "Welcome", "policy": { "priority_credit_s": 60, "appointment_credit_s": 0, "weight_step_s": 0, "priority_interleave": 2 } }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b2}");
    assert_eq!(b2["rollover"], "03:30");
    assert_eq!(b2["policy"]["priority_interleave"], 2);
    let id2 = b2["id"].as_i64().unwrap();

    let (s, list) = app.get(&admin, "/api/v1/branches").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ids(&list), vec![id, id2]);
    let (s, got) = app.get(&admin, &format!("/api/v1/branches/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got, b);

    let (s, patched) = app
        .patch(
            &admin,
            &format!("/api/v1/branches/{id}"),
            json!({ "name": "Town Hall", "rollover": "02:00", "languages": ["da", "en"] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{patched}");
    assert_eq!(patched["name"], "Town Hall");
    assert_eq!(patched["rollover"], "02:00");
    assert_eq!(patched["languages"], json!(["da", "en"]));
    assert_eq!(patched["timezone"], "Europe/Copenhagen");
    assert_eq!(patched["event_seq"], 2);
    let (_, got) = app.get(&admin, &format!("/api/v1/branches/{id}")).await;
    assert_eq!(got, patched);

    for bad in [
        json!({ "timezone": "Mars/Base" }),
        json!({ "rollover": "25:00" }),
        json!({ "rollover": "7pm" }),
        json!({ "languages": [] }),
        json!({ "languages": ["English"] }),
        json!({ "languages": ["en", "en"] }),
        json!({ "name": "   " }),
        json!({ "kiosk_message": "x".repeat(501) }),
        json!({ "policy": { "priority_credit_s": -1, "appointment_credit_s": 900, "weight_step_s": 300, "priority_interleave": 0 } }),
        json!({ "policy": { "priority_credit_s": 600, "appointment_credit_s": 900, "weight_step_s": 3601, "priority_interleave": 0 } }),
        json!({ "policy": { "priority_credit_s": 600, "appointment_credit_s": 900, "weight_step_s": 300, "priority_interleave": 101 } }),
        json!({ "name": "Fine", "timezone": "Mars/Base" }),
    ] {
        let (s, body) = app
            .patch(&admin, &format!("/api/v1/branches/{id}"), bad.clone())
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_error(&body, "invalid");
    }
    let (_, got) = app.get(&admin, &format!("/api/v1/branches/{id}")).await;
    assert_eq!(got, patched, "a rejected update changed the branch");
    assert_eq!(app.event_count(id).await, 2);

    for bad in [
        json!({ "name": "X", "timezone": "Mars/Base" }),
        json!({ "name": "X", "timezone": "UTC", "rollover": "24:00" }),
        json!({ "name": "", "timezone": "UTC" }),
    ] {
        let (s, body) = app.post(&admin, "/api/v1/branches", bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (_, list) = app.get(&admin, "/api/v1/branches").await;
    assert_eq!(ids(&list), vec![id, id2]);

    let (s, body) = app.get(&admin, "/api/v1/branches/999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    let (s, _) = app
        .patch(
            &admin,
            "/api/v1/branches/999999",
            json!({ "name": "Ghost" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}

/// Managers may update their branch but not (de)activate it; deactivating
/// closes it for new tickets.
async fn branch_activation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;
    let (s, body) = app
        .patch(
            &office.manager,
            &format!("/api/v1/branches/{b}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, body) = app
        .patch(
            &office.manager,
            &format!("/api/v1/branches/{b}"),
            json!({ "kiosk_message": "Hello" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["kiosk_message"], "Hello");
    let (s, body) = app
        .patch(
            &office.admin,
            &format!("/api/v1/branches/{b}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["active"], false);
    // Device tokens of an inactive branch stop working.
    let (s, body) = app
        .post(
            &office.kiosk,
            &format!("/api/v1/branches/{b}/tickets"),
            json!({ "service_id": office.services[0] }),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    // So do its users' sessions; an admin issuing there is refused.
    let (s, body) = app.get(&office.manager, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    let before = app.event_count(b).await;
    let (s, body) = app
        .post(
            &office.admin,
            &format!("/api/v1/branches/{b}/tickets"),
            json!({ "service_id": office.services[0] }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict");
    assert_eq!(app.event_count(b).await, before);
    app.stop().await;
}

/// Services: create, list, read, update; duplicate code 409; bad fields 422;
/// an inactive service issues nothing.
async fn service_crud(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;
    let m = &office.manager;
    let (s, svc) = app
        .post(
            m,
            &format!("/api/v1/branches/{b}/services"),
            json!({ "code": "TX", "name": "Taxes", "names": { "pl": "Podatki" }, "category": "Money",
                    "standard_wait_s": 1200, "expected_service_s": 420, "priority_allowed": false }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{svc}");
    let id = svc["id"].as_i64().unwrap();
    assert_eq!(
        svc,
        json!({ "id": id, "branch_id": b, "code": "TX", "name": "Taxes", "names": { "pl": "Podatki" }, "category": "Money",
                "category_names": {}, "standard_wait_s": 1200, "expected_service_s": 420, "priority_allowed": false, "active": true,
                "remote_enabled": false, "remote_daily_cap": null, "remote_walk_in_share": 0,
                "appointments_enabled": false, "slot_length_s": null, "walk_in_share": 50 })
    );
    let (_, a) = app
        .get(m, &format!("/api/v1/services/{}", office.services[0]))
        .await;
    assert_eq!(a["standard_wait_s"], 900);
    assert_eq!(a["expected_service_s"], 300);
    assert_eq!(a["priority_allowed"], true);
    assert_eq!(a["names"], json!({}));
    assert_eq!(a["category"], "");
    assert_eq!(
        app.event_types(b).await.last().unwrap().1,
        "service.created"
    );

    let (s, list) = app.get(m, &format!("/api/v1/branches/{b}/services")).await;
    assert_eq!(s, StatusCode::OK);
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["A", "B", "C", "TX"]);
    let (s, got) = app.get(m, &format!("/api/v1/services/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got, svc);

    let (s, patched) = app
        .patch(
            m,
            &format!("/api/v1/services/{id}"),
            json!({ "name": "Tax returns", "standard_wait_s": 600 }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{patched}");
    assert_eq!(patched["name"], "Tax returns");
    assert_eq!(patched["standard_wait_s"], 600);
    assert_eq!(patched["code"], "TX");
    assert_eq!(
        app.event_types(b).await.last().unwrap().1,
        "service.updated"
    );

    let before = app.event_count(b).await;
    let (s, body) = app
        .post(
            m,
            &format!("/api/v1/branches/{b}/services"),
            json!({ "code": "A", "name": "Again" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict");
    for bad in [
        json!({ "code": "a", "name": "Lower" }),
        json!({ "code": "ABCD", "name": "Long" }),
        json!({ "code": "", "name": "Empty" }),
        json!({ "code": "Å", "name": "Umlaut" }),
        json!({ "code": "D", "name": " " }),
        json!({ "code": "D", "name": "D", "standard_wait_s": 0 }),
        json!({ "code": "D", "name": "D", "expected_service_s": 86401 }),
        json!({ "code": "D", "name": "D", "names": { "Polish": "x" } }),
    ] {
        let (s, body) = app
            .post(m, &format!("/api/v1/branches/{b}/services"), bad.clone())
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_error(&body, "invalid");
    }
    for bad in [
        json!({ "name": "" }),
        json!({ "standard_wait_s": -5 }),
        json!({ "names": { "EN": "x" } }),
    ] {
        let (s, body) = app
            .patch(m, &format!("/api/v1/services/{id}"), bad.clone())
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    assert_eq!(app.event_count(b).await, before);
    let (_, got) = app.get(m, &format!("/api/v1/services/{id}")).await;
    assert_eq!(got, patched);
    let (s, _) = app.get(m, "/api/v1/services/999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Deactivating a service stops issuing for it: 409, nothing recorded.
    let (s, off) = app
        .patch(
            m,
            &format!("/api/v1/services/{}", office.services[0]),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{off}");
    assert_eq!(off["active"], false);
    let before = app.event_count(b).await;
    let (s, body) = app
        .post(
            &office.kiosk,
            &format!("/api/v1/branches/{b}/tickets"),
            json!({ "service_id": office.services[0] }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict");
    assert_eq!(body["message"], "service A is not available");
    assert_eq!(app.event_count(b).await, before);
    let (s, _) = app
        .patch(
            m,
            &format!("/api/v1/services/{}", office.services[0]),
            json!({ "active": true }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let t = app.issue(&office, office.services[0], "normal").await;
    assert_eq!(t["number"], "A001");
    app.stop().await;
}

/// Desks: create, list, read, rename, deactivate; duplicate names 409.
async fn desk_crud(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;
    let m = &office.manager;
    let (s, d) = app
        .post(
            m,
            &format!("/api/v1/branches/{b}/desks"),
            json!({ "name": "Counter 7" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_i64().unwrap();
    assert_eq!(d["status"], "closed");
    assert_eq!(d["branch_id"], b);
    assert_eq!(d["active"], true);
    assert_eq!(d["current_ticket_id"], Value::Null);
    assert_eq!(d["user_id"], Value::Null);
    assert_eq!(d["calls_since_priority"], 0);
    assert_eq!(app.event_types(b).await.last().unwrap().1, "desk.created");
    let (s, list) = app.get(m, &format!("/api/v1/branches/{b}/desks")).await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Counter 7", "Desk 1"]);
    let (s, got) = app.get(m, &format!("/api/v1/desks/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got, d);

    let before = app.event_count(b).await;
    let (s, body) = app
        .post(
            m,
            &format!("/api/v1/branches/{b}/desks"),
            json!({ "name": "Desk 1" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict");
    let (s, body) = app
        .patch(
            m,
            &format!("/api/v1/desks/{id}"),
            json!({ "name": " Desk 1 " }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let (s, body) = app
        .post(
            m,
            &format!("/api/v1/branches/{b}/desks"),
            json!({ "name": "" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, body) = app
        .post(
            m,
            &format!("/api/v1/branches/{b}/desks"),
            json!({ "name": "x".repeat(81) }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(app.event_count(b).await, before);
    let (_, got) = app.get(m, &format!("/api/v1/desks/{id}")).await;
    assert_eq!(got["name"], "Counter 7");

    let (s, renamed) = app
        .patch(
            m,
            &format!("/api/v1/desks/{id}"),
            json!({ "name": "Counter 8" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["name"], "Counter 8");
    // Renaming to its own name is fine.
    let (s, _) = app
        .patch(
            m,
            &format!("/api/v1/desks/{id}"),
            json!({ "name": "Counter 8" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // An open desk cannot be deactivated; a closed one can, and then
    // cannot be opened.
    app.open_desk(&office, 0).await;
    let before = app.event_count(b).await;
    let (s, body) = app
        .patch(
            m,
            &format!("/api/v1/desks/{}", office.desks[0]),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(app.event_count(b).await, before);
    let (s, off) = app
        .patch(
            m,
            &format!("/api/v1/desks/{id}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{off}");
    assert_eq!(off["active"], false);
    let before = app.event_count(b).await;
    let (s, body) = app.post_empty(m, &format!("/api/v1/desks/{id}/open")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["message"], "Counter 8 is deactivated");
    assert_eq!(app.event_count(b).await, before);
    let (s, _) = app.get(m, "/api/v1/desks/999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}

/// Allocation: PUT replaces it and records desk.allocation_changed; weights
/// outside 1..=10, unknown or foreign services and duplicates are 422 and
/// change nothing.
async fn desk_allocation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let other = app.office(1).await;
    let b = office.branch_id;
    let m = &office.manager;
    let desk = office.desks[0];
    let path = format!("/api/v1/desks/{desk}/services");
    let (s, alloc) = app.get(m, &path).await;
    assert_eq!(s, StatusCode::OK);
    let initial: Vec<Value> = office
        .services
        .iter()
        .map(|s| json!({ "service_id": s, "weight": 1 }))
        .collect();
    assert_eq!(alloc, Value::Array(initial));

    let (a, bb, c) = (office.services[0], office.services[1], office.services[2]);
    let (s, alloc) = app
        .put(
            m,
            &path,
            json!([{ "service_id": c, "weight": 10 }, { "service_id": a, "weight": 3 }]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{alloc}");
    let expected = json!([{ "service_id": a, "weight": 3 }, { "service_id": c, "weight": 10 }]);
    assert_eq!(alloc, expected);
    let (_, got) = app.get(&office.clerks[0], &path).await;
    assert_eq!(got, expected);
    let types = app.event_types(b).await;
    assert_eq!(types.last().unwrap().1, "desk.allocation_changed");

    let before = app.event_count(b).await;
    let other_before = app.event_count(other.branch_id).await;
    let rejected = [
        json!([{ "service_id": a, "weight": 0 }]),
        json!([{ "service_id": a, "weight": 11 }]),
        json!([{ "service_id": a, "weight": 1 }, { "service_id": 999_999, "weight": 1 }]),
        json!([{ "service_id": other.services[0], "weight": 1 }]),
        json!([{ "service_id": bb, "weight": 2 }, { "service_id": bb, "weight": 3 }]),
    ];
    for bad in rejected {
        let (s, body) = app.put(m, &path, bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_error(&body, "invalid");
    }
    // Wrong types never reach the rules.
    for bad in [
        json!([{ "service_id": a, "weight": -1 }]),
        json!([{ "service_id": a }]),
        json!({ "service_id": a, "weight": 1 }),
    ] {
        let (s, body) = app.put(m, &path, bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    assert_eq!(app.event_count(b).await, before);
    let (_, got) = app.get(m, &path).await;
    assert_eq!(got, expected, "a rejected allocation changed the desk");
    assert_eq!(app.event_count(other.branch_id).await, other_before);

    // An empty allocation serves nothing: call-next finds nobody.
    app.issue(&office, a, "normal").await;
    let (s, alloc) = app.put(m, &path, json!([])).await;
    assert_eq!(s, StatusCode::OK, "{alloc}");
    assert_eq!(alloc, json!([]));
    app.open_desk(&office, 0).await;
    let (s, body) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{desk}/call-next"),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    let (s, _) = app.put(m, "/api/v1/desks/999999/services", json!([])).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}

/// Users: create, list, read, update; validation and duplicates.
async fn user_crud(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;
    let m = &office.manager;
    let (s, u) = app
        .post(
            m,
            &format!("/api/v1/branches/{b}/users"),
            json!({ "username": "anna.k", "password": PASSWORD, "role": "clerk" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{u}");
    let id = u["id"].as_i64().unwrap();
    assert_eq!(u["username"], "anna.k");
    assert_eq!(u["role"], "clerk");
    assert_eq!(u["branch_id"], b);
    assert_eq!(u["active"], true);
    assert!(
        u.get("password").is_none() && u.get("password_hash").is_none(),
        "{u}"
    );
    assert_eq!(app.event_types(b).await.last().unwrap().1, "user.created");

    let (s, list) = app.get(m, &format!("/api/v1/branches/{b}/users")).await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["anna.k", &format!("clerk{b}_1"), &format!("manager{b}")]
    );
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|u| u.get("password_hash").is_none())
    );
    let (s, got) = app.get(m, &format!("/api/v1/users/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got, u);
    // Users read themselves, not each other.
    let anna = app.login("anna.k", PASSWORD).await;
    let (s, _) = app.get(&anna, &format!("/api/v1/users/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let clerk_id = app.user_id(&office.clerks[0]).await;
    let (s, _) = app.get(&anna, &format!("/api/v1/users/{clerk_id}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .patch(
            &anna,
            &format!("/api/v1/users/{clerk_id}"),
            json!({ "password": "takeover-pass" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let before = app.event_count(b).await;
    let (s, body) = app
        .post(
            m,
            &format!("/api/v1/branches/{b}/users"),
            json!({ "username": "anna.k", "password": PASSWORD, "role": "clerk" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict");
    for bad in [
        json!({ "username": "ab", "password": PASSWORD, "role": "clerk" }),
        json!({ "username": "has space", "password": PASSWORD, "role": "clerk" }),
        json!({ "username": "okname", "password": "short", "role": "clerk" }),
        json!({ "username": "okname", "password": PASSWORD, "role": "boss" }),
    ] {
        let (s, body) = app
            .post(m, &format!("/api/v1/branches/{b}/users"), bad.clone())
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_error(&body, "invalid");
    }
    assert_eq!(app.event_count(b).await, before);
    let (_, list) = app.get(m, &format!("/api/v1/branches/{b}/users")).await;
    assert_eq!(list.as_array().unwrap().len(), 3);

    let (s, patched) = app
        .patch(
            m,
            &format!("/api/v1/users/{id}"),
            json!({ "role": "manager" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{patched}");
    assert_eq!(patched["role"], "manager");
    let (s, _) = app.get(&anna, &format!("/api/v1/branches/{b}/users")).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the new role applies to the existing session"
    );
    let (s, _) = app.get(m, "/api/v1/users/999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}

/// Devices: the token is returned at creation only; rotation kills the old
/// token; deactivation kills the device's access.
async fn device_crud(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;
    let m = &office.manager;
    let (s, d) = app
        .post(
            m,
            &format!("/api/v1/branches/{b}/devices"),
            json!({ "kind": "kiosk", "name": "Lobby kiosk", "config": { "services": ["A"] } }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_i64().unwrap();
    let token = d["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("wwd_") && token.len() > 40, "{token}");
    assert_eq!(d["kind"], "kiosk");
    assert_eq!(d["name"], "Lobby kiosk");
    assert_eq!(d["config"], json!({ "services": ["A"] }));
    assert_eq!(d["active"], true);
    assert!(!d.to_string().contains("token_hash"));

    let (s, got) = app.get(m, &format!("/api/v1/devices/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(got.get("token").is_none(), "{got}");
    assert!(
        !got.to_string().contains(&token[4..]),
        "the token leaked: {got}"
    );
    let mut without = d.clone();
    without.as_object_mut().unwrap().remove("token");
    assert_eq!(got, without);
    let (s, list) = app.get(m, &format!("/api/v1/branches/{b}/devices")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|d| d.get("token").is_none())
    );
    assert!(!list.to_string().contains(&token[4..]));
    // A device reads itself, not others.
    let (s, _) = app.get(&token, &format!("/api/v1/devices/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .get(&office.kiosk, &format!("/api/v1/devices/{id}"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, patched) = app
        .patch(
            m,
            &format!("/api/v1/devices/{id}"),
            json!({ "name": "Entrance", "config": {} }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{patched}");
    assert_eq!(patched["name"], "Entrance");
    assert_eq!(patched["config"], json!({}));
    let before = app.event_count(b).await;
    for bad in [
        json!({ "config": [1, 2] }),
        json!({ "config": "text" }),
        json!({ "name": "" }),
    ] {
        let (s, body) = app
            .patch(m, &format!("/api/v1/devices/{id}"), bad.clone())
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    for bad in [
        json!({ "kind": "printer", "name": "P" }),
        json!({ "kind": "kiosk", "name": "" }),
        json!({ "kind": "kiosk", "name": "K", "config": 3 }),
    ] {
        let (s, body) = app
            .post(m, &format!("/api/v1/branches/{b}/devices"), bad.clone())
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    assert_eq!(app.event_count(b).await, before);

    // Rotation: new token works, old one is 401.
    let t = app
        .post(
            &token,
            &format!("/api/v1/branches/{b}/tickets"),
            json!({ "service_id": office.services[0] }),
        )
        .await;
    assert_eq!(t.0, StatusCode::CREATED);
    let (s, rotated) = app
        .post_empty(m, &format!("/api/v1/devices/{id}/token"))
        .await;
    assert_eq!(s, StatusCode::OK, "{rotated}");
    let new_token = rotated["token"].as_str().unwrap().to_owned();
    assert_ne!(new_token, token);
    assert_eq!(rotated["id"], id);
    assert_eq!(
        app.event_types(b).await.last().unwrap().1,
        "device.token_rotated"
    );
    let (s, body) = app
        .post(
            &token,
            &format!("/api/v1/branches/{b}/tickets"),
            json!({ "service_id": office.services[0] }),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    assert_error(&body, "unauthorized");
    let (s, t) = app
        .post(
            &new_token,
            &format!("/api/v1/branches/{b}/tickets"),
            json!({ "service_id": office.services[0] }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(t["number"], "A002");
    let (s, _) = app
        .post_empty(&office.clerks[0], &format!("/api/v1/devices/{id}/token"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, off) = app
        .patch(
            m,
            &format!("/api/v1/devices/{id}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{off}");
    let (s, _) = app.get(&new_token, "/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.get(m, "/api/v1/devices/999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}

backend_tests!(
    branch_crud,
    branch_activation,
    service_crud,
    desk_crud,
    desk_allocation,
    user_crud,
    device_crud
);
