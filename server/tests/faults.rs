//! Faults inside one server: `/readyz` probes writes; a full disk is a 507
//! that says so and the server recovers when space returns; slow,
//! half-sent and idle connections are closed; one address cannot hold
//! every connection; bad input is not echoed back whole.

mod common;

use std::time::{Duration, Instant};

use common::{ADMIN_PASSWORD, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use waitwell_server::config::Config;

async fn readyz_answers_200_and_is_documented(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({ "status": "ready" }));
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["paths"]["/readyz"]["get"].is_object(),
        "{}",
        doc["paths"]
    );
    assert!(
        doc["paths"]["/readyz"]["get"]["responses"]["503"].is_object(),
        "the 503 is documented"
    );
    app.stop().await;
}

backend_tests!(readyz_answers_200_and_is_documented);

async fn spawn_sqlite(tune: impl FnOnce(&mut Config)) -> TestApp {
    TestApp::spawn_tuned(Backend::Sqlite, tune).await
}

/// Reads until the peer closes; returns what arrived, or `None` if the
/// connection was still open after `limit`.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_bad_value_is_not_echoed_back() {
    let app = spawn_sqlite(|_| {}).await;
    let office = app.office(1).await;
    let long = "A".repeat(10 * 1024);
    let (s, body) = app
        .post(
            &office.kiosk,
            &format!("/api/v1/branches/{}/tickets", office.branch_id),
            json!({ "service_id": long }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "invalid");
    let message = body["message"].as_str().unwrap();
    assert!(message.len() < 400, "{} bytes: {message}", message.len());
    assert!(message.contains("AAAA"), "the start is kept: {message}");
    // A path parameter and a query parameter, too.
    let (s, body) = app
        .get(&office.admin, &format!("/api/v1/tickets/{long}"))
        .await;
    assert!(s.is_client_error(), "{s}");
    assert!(body.to_string().len() < 500, "{body}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_body_never_comes_gets_a_json_408() {
    let app = spawn_sqlite(|c| c.request_timeout_ms = 500).await;
    let mut stream = TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("an answer within 5 s")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"error\":\"timeout\""), "{text}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_and_idle_connections_are_closed() {
    let app = spawn_sqlite(|c| {
        c.header_timeout_secs = 1;
        c.idle_timeout_secs = 2;
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();

    // Headers that never end.
    let mut half = TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    assert!(
        read_until_closed(&mut half, Duration::from_secs(4))
            .await
            .is_some(),
        "a half-sent request was held for 4 s"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A connection that never sends anything.
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    assert!(
        read_until_closed(&mut silent, Duration::from_secs(4))
            .await
            .is_some(),
        "a silent connection was held for 4 s"
    );

    // A kept-alive connection after its response.
    let mut kept = TcpStream::connect(&addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut kept, Duration::from_secs(4))
        .await
        .expect("an idle kept-alive connection is closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_hold_every_connection() {
    let app = spawn_sqlite(|c| c.max_connections_per_address = 3).await;
    let port = app.base.rsplit(':').next().unwrap().parse::<u16>().unwrap();
    let from = |ip: [u8; 4]| async move {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((ip, 0).into()).unwrap();
        socket.connect(([127, 0, 0, 1], port).into()).await.unwrap()
    };
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut s = from([127, 0, 0, 2]).await;
        s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
        held.push(s);
    }
    // Give the server time to accept them.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fourth = from([127, 0, 0, 2]).await;
    assert!(
        read_until_closed(&mut fourth, Duration::from_secs(1))
            .await
            .is_some(),
        "a fourth connection from one address was kept"
    );
    let mut other = from([127, 0, 0, 3]).await;
    other
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut other, Duration::from_secs(3))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Closing one gives its slot back.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = from([127, 0, 0, 2]).await;
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut again, Duration::from_secs(3))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    app.stop().await;
}

/// Mounts a small tmpfs, or `None` where that is not allowed.
fn small_tmpfs(size: &str) -> Option<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("waitwell-full-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(&dir)
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    status.success().then_some(dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_507_that_says_so_and_passes() {
    let Some(dir) = small_tmpfs("3m") else {
        eprintln!("cannot mount a tmpfs (needs root); skipped");
        return;
    };
    let url = format!("sqlite://{}", dir.join("waitwell.db").display());
    let mut config = Config::for_tests(&url);
    config.admin_password = Some(ADMIN_PASSWORD.into());
    let mut app = TestApp::spawn_with(config, None).await;
    let office = app.office(1).await;
    let path = format!("/api/v1/branches/{}/tickets", office.branch_id);
    let ticket = json!({ "service_id": office.services[0] });
    let (s, body) = app.post(&office.kiosk, &path, ticket.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");

    // Fill the file system.
    let filler = dir.join("filler");
    {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 16 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    }
    let mut full = None;
    for _ in 0..5_000 {
        let (s, body) = app.post(&office.kiosk, &path, ticket.clone()).await;
        if s != StatusCode::CREATED {
            full = Some((s, body));
            break;
        }
    }
    let (s, body) = full.expect("tickets kept being stored on a full disk");
    assert_eq!(s, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert_eq!(body["error"], "storage_full", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("storage full"),
        "{body}"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));

    // Space comes back: so do writes and readiness.
    std::fs::remove_file(&filler).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (s, body) = app.post(&office.kiosk, &path, ticket).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    app.stop_server().await;
    let _ = std::process::Command::new("umount")
        .arg("-l")
        .arg(&dir)
        .status();
    let _ = std::fs::remove_dir_all(&dir);
}
