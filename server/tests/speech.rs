//! Pre-rendered announcements: `GET /api/v1/branches/{id}/announce`.

mod common;

use common::{Backend, TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::Value;

fn espeak_installed() -> bool {
    std::process::Command::new("espeak-ng")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn announce_path(branch: i64, text: &str, lang: &str) -> String {
    let query: String = url_encode(&[("text", text), ("lang", lang)]);
    format!("/api/v1/branches/{branch}/announce?{query}")
}

fn url_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn announce_checks_input_scope_and_renders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let other = app.office(1).await;
    let b = office.branch_id;

    // Bad input: 422 with the JSON error, for every kind of mistake.
    for path in [
        announce_path(b, "", "en"),
        announce_path(b, "   ", "en"),
        announce_path(b, &"x".repeat(201), "en"),
        announce_path(b, "Ticket A 42\n-v", "en"),
        announce_path(b, "Ticket A 42", "--stdout"),
        announce_path(b, "Ticket A 42", "english please"),
    ] {
        let (s, body) = app.get(&office.display, &path).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert_error(&body, "invalid");
    }
    // A malformed query string is a bad request, as everywhere in the API.
    for path in [
        format!("/api/v1/branches/{b}/announce?text=hi"),
        format!("/api/v1/branches/{b}/announce?text=hi&lang=en&extra=1"),
    ] {
        let (s, body) = app.get(&office.display, &path).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_error(&body, "bad_request");
    }

    // Scope: another branch's display and clerks may not; no token at all is 401.
    let path = announce_path(b, "Ticket A 1, desk 1", "en");
    let (s, body) = app.get(&other.display, &path).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    assert_error(&body, "forbidden");
    let (s, body) = app.get(&other.clerks[0], &path).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, _) = app.send(Method::GET, None, &path, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Staff of the branch may use it too (and get the same input checks).
    let (s, _) = app
        .get(&office.clerks[0], &announce_path(b, "", "en"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Rendering: a WAV when espeak-ng is installed, else 503 with the JSON error.
    for (token, text, lang) in [
        (&office.display, "Ticket A 42, desk 5", "en"),
        (&office.clerks[0], "Numer A 42, stanowisko 5. Zażółć", "pl"),
        (&office.display, "Nummer A 42, skranke 5. Ø", "da"),
    ] {
        let (s, headers, bytes) = get_bytes(&app, token, &announce_path(b, text, lang)).await;
        if espeak_installed() {
            assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&bytes));
            assert_eq!(headers["content-type"], "audio/wav");
            assert_eq!(&bytes[..4], b"RIFF");
            assert_eq!(&bytes[8..12], b"WAVE");
            let riff = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
            assert_eq!(riff as usize, bytes.len() - 8, "RIFF size is filled in");
            assert!(bytes.len() > 10_000, "some audio: {} bytes", bytes.len());
        } else {
            assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
            let body: Value = serde_json::from_slice(&bytes).unwrap();
            assert_error(&body, "unavailable");
        }
    }
    if espeak_installed() {
        // A well-formed tag espeak-ng has no voice for.
        let (s, _, bytes) =
            get_bytes(&app, &office.display, &announce_path(b, "hello", "qqq")).await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            String::from_utf8_lossy(&bytes)
        );
    }

    // The endpoint is in the OpenAPI document.
    let (s, doc) = app.send(Method::GET, None, "/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["paths"]["/api/v1/branches/{id}/announce"]["get"].is_object());
    app.stop().await;
}

async fn get_bytes(
    app: &TestApp,
    token: &str,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap_or_default().to_vec();
    (status, headers, bytes)
}

backend_tests!(announce_checks_input_scope_and_renders);
