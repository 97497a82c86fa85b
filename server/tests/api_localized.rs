//! Office texts with a value per language (issue 19): service categories,
//! desks' visitor-facing names and the kiosk message are set on create and
//! PATCH, read back, carried by the live stream and chosen with the one
//! fallback rule (exact tag, primary subtag, default) where the server
//! names a desk for a visitor. Bad values are refused with a stable reason
//! and change nothing. On both backends.

mod common;

use std::time::Duration;

use common::{Backend, Office, TestApp, assert_error};
use futures_util::StreamExt as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// The desk 0 of `office` with a Polish and a Brazilian name.
async fn name_desk(app: &TestApp, office: &Office) -> Value {
    let (s, d) = app
        .patch(
            &office.manager,
            &format!("/api/v1/desks/{}", office.desks[0]),
            json!({ "names": { "pl": " Stanowisko 1 ", "pt-BR": "Guichê 1" } }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    d
}

/// Managers set each text per language on PATCH and on create; reads
/// return what was stored (trimmed).
async fn texts_are_set_and_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;

    let (s, svc) = app
        .patch(
            &office.manager,
            &format!("/api/v1/services/{}", office.services[0]),
            json!({ "category": "Documents", "category_names": { "pl": "Dokumenty", "da": "Dokumenter" } }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{svc}");
    assert_eq!(
        svc["category_names"],
        json!({ "da": "Dokumenter", "pl": "Dokumenty" })
    );
    let (s, list) = app
        .get(&office.manager, &format!("/api/v1/branches/{b}/services"))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let listed = common_items(&list)
        .into_iter()
        .find(|s| s["id"] == office.services[0])
        .unwrap();
    assert_eq!(listed["category_names"]["pl"], "Dokumenty");
    // A service never given any reads an empty object.
    let other = common_items(&list)
        .into_iter()
        .find(|s| s["id"] == office.services[1])
        .unwrap();
    assert_eq!(other["category_names"], json!({}));

    let d = name_desk(&app, &office).await;
    assert_eq!(
        d["names"],
        json!({ "pl": "Stanowisko 1", "pt-BR": "Guichê 1" })
    );
    assert_eq!(d["name"], "Desk 1", "staff keep the default name");
    let (s, desks) = app
        .get(&office.manager, &format!("/api/v1/branches/{b}/desks"))
        .await;
    assert_eq!(s, StatusCode::OK, "{desks}");
    assert_eq!(common_items(&desks)[0]["names"]["pl"], "Stanowisko 1");

    let (s, branch) = app
        .patch(
            &office.manager,
            &format!("/api/v1/branches/{b}"),
            json!({ "kiosk_message": "Thank you", "kiosk_messages": { "pl": "Dziękujemy" } }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{branch}");
    assert_eq!(branch["kiosk_messages"], json!({ "pl": "Dziękujemy" }));
    let (s, branch) = app
        .get(&office.manager, &format!("/api/v1/branches/{b}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{branch}");
    assert_eq!(branch["kiosk_messages"]["pl"], "Dziękujemy");

    // Create endpoints take them too.
    let (s, svc) = app
        .post(
            &office.manager,
            &format!("/api/v1/branches/{b}/services"),
            json!({ "code": "D", "name": "Tax", "category": "Money", "category_names": { "pl": "Pieniądze" } }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{svc}");
    assert_eq!(svc["category_names"]["pl"], "Pieniądze");
    let (s, desk) = app
        .post(
            &office.manager,
            &format!("/api/v1/branches/{b}/desks"),
            json!({ "name": "Cashier", "names": { "pl": "Kasa" } }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{desk}");
    assert_eq!(desk["names"]["pl"], "Kasa");
    let (s, branch) = app
        .post(
            &office.admin,
            "/api/v1/branches",
            json!({ "name": "Second", "timezone": "Europe/Warsaw", "languages": ["pl"], "kiosk_messages": { "pl": "Witamy" } }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{branch}");
    assert_eq!(branch["kiosk_messages"]["pl"], "Witamy");
    app.stop().await;
}

fn common_items(v: &Value) -> Vec<Value> {
    v.as_array()
        .or_else(|| v["items"].as_array())
        .cloned()
        .unwrap_or_default()
}

/// Issues a ticket in `language` at the kiosk, then desk 0 calls it.
async fn called_in(app: &TestApp, office: &Office, language: &str) -> String {
    let (s, t) = app
        .post(
            &office.kiosk,
            &format!("/api/v1/branches/{}/tickets", office.branch_id),
            json!({ "service_id": office.services[0], "language": language }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let (s, called) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/call-next", office.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{called}");
    assert_eq!(called["id"], t["id"]);
    t["public_token"].as_str().unwrap().to_owned()
}

async fn public_view(app: &TestApp, token: &str) -> Value {
    let (s, v) = app
        .send(
            Method::GET,
            None,
            &format!("/api/v1/public/tickets/{token}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// The visitor's ticket view names the desk in the ticket's language, and
/// carries the name in each of the branch's languages for the page;
/// a language without a value reads the default name.
async fn public_ticket_names_the_desk_in_its_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    name_desk(&app, &office).await;
    app.open_desk(&office, 0).await;

    let token = called_in(&app, &office, "pl").await;
    let v = public_view(&app, &token).await;
    assert_eq!(v["desk_name"], "Stanowisko 1", "{v}");
    // The branch offers en, pl and da; da has no value of its own.
    assert_eq!(
        v["desk_names"],
        json!({ "en": "Desk 1", "pl": "Stanowisko 1", "da": "Desk 1" })
    );

    let (s, done) = app
        .post_empty(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/no-show", office.desks[0]),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let token = called_in(&app, &office, "da").await;
    let v = public_view(&app, &token).await;
    assert_eq!(v["desk_name"], "Desk 1", "no Danish name: the default");
    app.stop().await;
}

/// Displays get the desk's names in the snapshot's calls and in the call
/// event; a new value reaches them with `desk.updated`.
async fn live_calls_carry_desk_names(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    name_desk(&app, &office).await;
    app.open_desk(&office, 0).await;
    called_in(&app, &office, "pl").await;

    let url = format!(
        "{}/api/v1/branches/{}/live?token={}",
        app.base.replacen("http", "ws", 1),
        office.branch_id,
        office.display
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let snap = loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a snapshot within 5 s")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            break serde_json::from_str::<Value>(&t).unwrap();
        }
    };
    assert_eq!(snap["type"], "snapshot", "{snap}");
    assert_eq!(snap["calls"][0]["desk_name"], "Desk 1");
    assert_eq!(snap["calls"][0]["desk_names"]["pl"], "Stanowisko 1");
    let desk = &snap["desks"][0];
    assert_eq!(desk["names"]["pt-BR"], "Guichê 1", "{desk}");
    app.stop().await;
}

/// A bad language tag, an empty or too long text and too many languages
/// are 422 `invalid` with a stable reason, and change nothing.
async fn bad_texts_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let b = office.branch_id;
    name_desk(&app, &office).await;
    let service = format!("/api/v1/services/{}", office.services[0]);
    let desk = format!("/api/v1/desks/{}", office.desks[0]);
    let branch = format!("/api/v1/branches/{b}");
    let before = (
        app.get(&office.manager, &service).await.1,
        app.get(&office.manager, &format!("/api/v1/branches/{b}/desks"))
            .await
            .1,
        app.get(&office.manager, &branch).await.1,
    );
    let many: serde_json::Map<String, Value> = (0..21)
        .map(|i| (format!("x{}", char::from(b'a' + i)), json!("t")))
        .collect();
    let cases = [
        (
            &service,
            json!({ "category_names": { "Polish": "Dokumenty" } }),
            "invalid_language_tag",
        ),
        (
            &service,
            json!({ "category": "New", "category_names": { "pl": "x".repeat(81) } }),
            "invalid_text",
        ),
        (&service, json!({ "names": { "pl": "  " } }), "invalid_text"),
        (
            &desk,
            json!({ "name": "Renamed", "names": { "pl_PL": "Stanowisko" } }),
            "invalid_language_tag",
        ),
        (
            &desk,
            json!({ "names": { "pl": "x".repeat(81) } }),
            "invalid_text",
        ),
        (
            &desk,
            json!({ "names": { "pl": "a\u{7}b" } }),
            "invalid_text",
        ),
        (
            &branch,
            json!({ "kiosk_messages": { "pl": "x".repeat(501) } }),
            "invalid_text",
        ),
        (
            &branch,
            json!({ "name": "Renamed", "kiosk_messages": many }),
            "too_many_languages",
        ),
        (
            &branch,
            json!({ "kiosk_messages": { "": "x" } }),
            "invalid_language_tag",
        ),
    ];
    for (path, body, reason) in cases {
        let (s, err) = app.patch(&office.manager, path, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert_error(&err, "invalid");
        assert_eq!(err["reason"], reason, "{body}: {err}");
    }
    let (s, err) = app
        .post(
            &office.manager,
            &format!("/api/v1/branches/{b}/desks"),
            json!({ "name": "Desk 9", "names": { "PL": "Stanowisko 9" } }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["reason"], "invalid_language_tag");
    // Not a map of strings: the JSON extractor's own 422.
    let (s, err) = app
        .patch(&office.manager, &desk, json!({ "names": ["pl"] }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err}");

    let after = (
        app.get(&office.manager, &service).await.1,
        app.get(&office.manager, &format!("/api/v1/branches/{b}/desks"))
            .await
            .1,
        app.get(&office.manager, &branch).await.1,
    );
    assert_eq!(before, after, "nothing changed");
    app.stop().await;
}

backend_tests!(
    texts_are_set_and_read,
    public_ticket_names_the_desk_in_its_language,
    live_calls_carry_desk_names,
    bad_texts_are_refused,
);
