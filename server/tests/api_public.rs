//! The visitor's public API, without authentication: the ticket view by
//! public token (fields, no secrets, transfers followed), 404 and never a
//! 5xx for any other token, the QR code of the ticket page, and the
//! translations with their plural forms.

mod common;

use common::{Backend, Office, TestApp, assert_error};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use waitwell_server::domain::visitor::{qr_svg, ticket_url};

async fn public(app: &TestApp, token: &str) -> (StatusCode, Value) {
    app.send(
        Method::GET,
        None,
        &format!("/api/v1/public/tickets/{token}"),
        None,
    )
    .await
}

async fn issue_lang(app: &TestApp, office: &Office, service_id: i64, lang: &str) -> Value {
    let (s, t) = app
        .post(
            &office.kiosk,
            &format!("/api/v1/branches/{}/tickets", office.branch_id),
            json!({ "service_id": service_id, "language": lang }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    t
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// The view has exactly the visitor's fields, in the ticket's language,
/// follows the ticket from waiting to called, serving and done, and follows
/// a transfer to the new queue.
async fn public_view(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let (a, b) = (office.services[0], office.services[1]);
    let (s, svc) = app
        .patch(
            &office.manager,
            &format!("/api/v1/services/{a}"),
            json!({ "names": { "pl": "Paszporty" } }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{svc}");
    let t1 = issue_lang(&app, &office, a, "pl").await;
    let t2 = issue_lang(&app, &office, a, "en").await;
    let token1 = t1["public_token"].as_str().unwrap().to_owned();
    let token2 = t2["public_token"].as_str().unwrap().to_owned();
    assert_eq!(token1.len(), 64);

    let (s, v) = public(&app, &token1).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        keys(&v),
        [
            "branch_id",
            "branch_name",
            "called_at",
            "can_cancel",
            "can_postpone",
            "desk_name",
            "desk_names",
            "estimated_wait_s",
            "feedback",
            "feedback_rating",
            "language",
            "languages",
            "no_open_desk",
            "number",
            "position",
            "postponed",
            "predicted_range_s",
            "predicted_wait_s",
            "service_name",
            "status"
        ]
    );
    assert_eq!(v["number"], "A001");
    assert_eq!(v["status"], "waiting");
    assert_eq!(v["language"], "pl");
    assert_eq!(v["languages"], json!(["en", "pl", "da"]));
    assert_eq!(v["service_name"], "Paszporty");
    assert_eq!(v["position"], 0);
    assert_eq!(v["estimated_wait_s"], 0);
    // No desk is open: no predicted number, and the view says why.
    assert_eq!(v["no_open_desk"], true);
    assert_eq!(v["predicted_wait_s"], Value::Null);
    assert_eq!(v["desk_name"], Value::Null);
    assert_eq!(v["branch_name"], "Test Office");
    assert_eq!(v["branch_id"], office.branch_id);
    let text = v.to_string();
    assert!(!text.contains(&token1) && !text.contains(&token2));

    let (_, v2) = public(&app, &token2).await;
    assert_eq!(v2["number"], "A002");
    assert_eq!(v2["service_name"], "Passports");
    assert_eq!(v2["position"], 1);
    assert!(v2["estimated_wait_s"].as_i64().unwrap() > 0);

    app.open_desk(&office, 0).await;
    let desk = format!("/api/v1/desks/{}", office.desks[0]);
    let (s, called) = app
        .post_empty(&office.clerks[0], &format!("{desk}/call-next"))
        .await;
    assert_eq!(s, StatusCode::OK, "{called}");
    assert_eq!(called["number"], "A001");
    let (_, v) = public(&app, &token1).await;
    assert_eq!(v["status"], "called");
    assert_eq!(v["desk_name"], "Desk 1");
    assert_eq!(v["called_at"], called["called_at"]);
    assert_eq!(v["position"], Value::Null);
    assert_eq!(v["estimated_wait_s"], Value::Null);
    let (_, v2) = public(&app, &token2).await;
    assert_eq!(v2["position"], 0);

    let (s, _) = app
        .post_empty(&office.clerks[0], &format!("{desk}/start"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = public(&app, &token1).await;
    assert_eq!(
        (v["status"].as_str(), v["desk_name"].as_str()),
        (Some("serving"), Some("Desk 1"))
    );
    let (s, _) = app
        .post(&office.clerks[0], &format!("{desk}/finish"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = public(&app, &token1).await;
    assert_eq!(v["status"], "done");
    assert_eq!(v["desk_name"], Value::Null);

    // A transfer issues a new row with a new token; the visitor's token
    // follows it.
    let (s, _) = app
        .post_empty(&office.clerks[0], &format!("{desk}/call-next"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, moved) = app
        .post(
            &office.clerks[0],
            &format!("{desk}/transfer"),
            json!({ "service_id": b }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    let (_, v2) = public(&app, &token2).await;
    assert_eq!(v2["number"], "A002");
    assert_eq!(v2["status"], "waiting");
    assert_eq!(v2["service_name"], "ID cards");
    assert_eq!(v2["desk_name"], Value::Null);
    app.stop().await;
}

/// Percent-encodes everything but ASCII letters and digits.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Malformed and unknown tokens are 404 with the JSON error, on the view
/// and the QR code, and no string whatsoever gets a 5xx.
async fn bad_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let t = app.issue(&office, office.services[0], "normal").await;
    let token = t["public_token"].as_str().unwrap().to_owned();
    let mut wrong = vec![
        String::new(),
        "0".into(),
        "a".repeat(63),
        "a".repeat(65),
        "0".repeat(64),
        token.to_uppercase(),
        format!("{token}0"),
        token[..63].to_owned(),
        "g".repeat(64),
        "1 or 1=1".into(),
        t["id"].to_string(),
    ];
    let mut runner = TestRunner::deterministic();
    let strings = proptest::string::string_regex("(\\PC|[/%?#. ]){0,80}").unwrap();
    let hex_like = proptest::string::string_regex("[0-9a-f]{64}").unwrap();
    for _ in 0..48 {
        wrong.push(strings.new_tree(&mut runner).unwrap().current());
    }
    for _ in 0..8 {
        wrong.push(hex_like.new_tree(&mut runner).unwrap().current());
    }
    for w in wrong.iter().filter(|w| **w != token) {
        let e = encode(w);
        for path in [
            format!("/api/v1/public/tickets/{e}"),
            format!("/api/v1/public/tickets/{e}/qr.svg"),
        ] {
            let (s, body) = app.send(Method::GET, None, &path, None).await;
            assert!(!s.is_server_error(), "{path}: {s} {body}");
            assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {body}");
            assert_error(&body, "not_found");
        }
    }
    let (s, _) = public(&app, &token).await;
    assert_eq!(s, StatusCode::OK);
    app.stop().await;
}

/// The QR code is an SVG document, the same one the qrcode crate draws for
/// the ticket page's URL.
async fn qr_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let t = app.issue(&office, office.services[0], "normal").await;
    let token = t["public_token"].as_str().unwrap();
    let (s, headers, body) = app
        .send_raw(
            Method::GET,
            None,
            &format!("/api/v1/public/tickets/{token}/qr.svg"),
            &[],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert!(
        body.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{body}"
    );
    assert!(body.trim_end().ends_with("</svg>"));
    let url = ticket_url(&app.state.config.public_url, token);
    assert_eq!(url, format!("http://127.0.0.1/ticket/?t={token}"));
    assert_eq!(body, qr_svg(&url).unwrap());
    assert_ne!(body, qr_svg(&format!("{url}0")).unwrap());
    app.stop().await;
}

async fn i18n(app: &TestApp, path: &str) -> (StatusCode, Value) {
    app.send(Method::GET, None, path, None).await
}

/// Translations: Polish plural forms for 1, 2, 5 and 22, every bundle in
/// every shipped language, 404 for unknown languages and bundles, 422 for
/// bad numbers.
async fn translations(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let expected = [
        (1, "1 osoba przed Tobą", "około 1 minuty"),
        (2, "2 osoby przed Tobą", "około 2 minut"),
        (5, "5 osób przed Tobą", "około 5 minut"),
        (22, "22 osoby przed Tobą", "około 22 minut"),
    ];
    for bundle in ["kiosk", "ticket"] {
        for (n, ahead, wait) in expected {
            let (s, m) = i18n(
                &app,
                &format!("/api/v1/i18n/{bundle}/pl?ahead={n}&wait_min={n}"),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{m}");
            assert_eq!(m["ahead"], ahead, "{bundle} {n}");
            assert!(
                m["wait"].as_str().unwrap().ends_with(wait),
                "{bundle} {n}: {}",
                m["wait"]
            );
            assert_eq!(m["language-name"], "Polski");
        }
        for (lang, name, five) in [
            ("en", "English", "5 people ahead of you"),
            ("da", "Dansk", "5 personer foran dig"),
        ] {
            let (s, m) = i18n(&app, &format!("/api/v1/i18n/{bundle}/{lang}?ahead=5")).await;
            assert_eq!(s, StatusCode::OK, "{m}");
            assert_eq!(m["language-name"], name);
            assert_eq!(m["ahead"], five);
        }
        // The predicted range, in every language.
        for (lang, range) in [
            ("en", "Expected wait: 15–25 minutes"),
            ("pl", "Przewidywany czas oczekiwania: 15–25 min"),
            ("da", "Forventet ventetid: 15–25 minutter"),
        ] {
            let (s, m) = i18n(
                &app,
                &format!("/api/v1/i18n/{bundle}/{lang}?low_min=15&high_min=25"),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{m}");
            // Fluent isolates placeables with Unicode marks.
            let text = m["wait-range"]
                .as_str()
                .unwrap()
                .replace(['\u{2068}', '\u{2069}'], "");
            assert_eq!(text, range, "{bundle} {lang}");
            assert!(m["no-desk"].as_str().is_some_and(|t| !t.is_empty()));
        }
        for lang in ["xx", "de", "en-XX", "..%2Fen", "e%20n"] {
            let (s, m) = i18n(&app, &format!("/api/v1/i18n/{bundle}/{lang}")).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{lang}: {m}");
            assert_error(&m, "not_found");
        }
        for query in [
            "ahead=-1",
            "ahead=x",
            "wait_min=1.5",
            "low_min=-5",
            "high_min=many",
            "ahead=99999999999",
            "foo=1",
        ] {
            let (s, m) = i18n(&app, &format!("/api/v1/i18n/{bundle}/en?{query}")).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {m}");
            assert_error(&m, "invalid");
        }
    }
    let (s, m) = i18n(&app, "/api/v1/i18n/nonsense/en").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{m}");
    // The manager console: a plural of a number only the page knows comes
    // as one text per variant, with the number left for the page.
    for (lang, name, forms) in [
        (
            "en",
            "English",
            &[("one", "{$count} waiting"), ("other", "{$count} waiting")][..],
        ),
        (
            "pl",
            "Polski",
            &[
                ("one", "{$count} osoba czeka"),
                ("few", "{$count} osoby czekają"),
                ("many", "{$count} osób czeka"),
            ][..],
        ),
        (
            "da",
            "Dansk",
            &[("one", "{$count} venter"), ("other", "{$count} venter")][..],
        ),
    ] {
        let (s, m) = i18n(&app, &format!("/api/v1/i18n/manager/{lang}")).await;
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(m["language-name"], name);
        for (key, text) in forms {
            assert_eq!(m[format!("waiting-count[{key}]")], *text, "{lang} {key}");
        }
    }
    app.stop().await;
}

backend_tests!(public_view, bad_tokens, qr_code, translations);
