//! Fault tests: a live client that stops reading is cut off instead of
//! being buffered for without bound, while other clients carry on; a
//! PostgreSQL restart or outage (on a PostgreSQL server of the test's own)
//! is caught up with and answered quickly.

use std::time::{Duration, Instant};

use e2e::{Api, OwnPostgres, ScratchDb, Server};
use futures_util::StreamExt as _;
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_live_client_is_cut_off_and_memory_stays_bounded() {
    let db = ScratchDb::sqlite();
    let server = Server::start(&db.url, &[]).await.unwrap();
    let api = Api::new(&server.base);
    let office = e2e::office(&api, &["A"], 1).await.unwrap();
    // A staff stream: its events carry the whole ticket, desk and service
    // summary (a display's public projection is a fraction of that), so
    // the 6,000 events below are more than the kernel's socket buffers hold
    // and the server really has to give up on the stalled client.
    let url = format!(
        "{}/api/v1/branches/{}/live?token={}",
        server.base.replacen("http", "ws", 1),
        office.branch,
        office.admin
    );
    // A small receive buffer so the stall reaches the server quickly.
    let config =
        tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096);
    let (mut stalled, _) =
        tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), false)
            .await
            .unwrap();
    let first = stalled.next().await.unwrap().unwrap();
    assert!(matches!(first, Message::Text(_)), "snapshot first");
    let (mut healthy, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    healthy.next().await.unwrap().unwrap();
    let rss_before = server.rss_kib().unwrap();

    // 6,000 tickets (several MB of events, more than the kernel buffers) while the stalled client reads
    // nothing; the healthy one must get every event.
    let n = 6000;
    let issue = {
        let api = api.clone();
        let kiosk = office.kiosk.clone();
        let (branch, service) = (office.branch, office.services[0]);
        tokio::spawn(async move {
            for _ in 0..n {
                api.post_ok(
                    &kiosk,
                    &format!("/api/v1/branches/{branch}/tickets"),
                    json!({ "service_id": service }),
                    StatusCode::CREATED,
                )
                .await
                .unwrap();
            }
        })
    };
    let mut received = 0;
    while received < n {
        match tokio::time::timeout(Duration::from_secs(20), healthy.next())
            .await
            .expect("healthy client keeps receiving")
        {
            Some(Ok(Message::Text(t))) if t.contains("ticket.issued") => received += 1,
            Some(Ok(_)) => {}
            other => panic!("healthy client lost its connection: {other:?}"),
        }
    }
    issue.await.unwrap();
    let rss_after = server.rss_kib().unwrap();
    assert!(
        rss_after < rss_before + 64 * 1024,
        "server memory grew from {rss_before} KiB to {rss_after} KiB with one stalled client"
    );

    // The stalled client: the server closes it once a send has not completed
    // for 10 s or the client has not answered pings for 25 s, whichever
    // comes first. Reading before then would answer the pings, so wait.
    let started = Instant::now();
    tokio::time::sleep(server_gives_up_after()).await;
    let mut got = 0;
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(5), stalled.next()).await {
            Ok(Some(Ok(Message::Text(_)))) => got += 1,
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => break true,
            Ok(Some(Ok(_))) => {}
            Err(_) => break false,
        }
    };
    assert!(
        closed,
        "the server kept a stalled client open ({got} messages drained)"
    );
    assert!(
        got < n,
        "the stalled client received everything; the test did not stall it"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    server.terminate().await.unwrap();
    db.remove().await;
}

/// The longest the server keeps a client that reads nothing: DEAD_AFTER
/// (25 s) rounded up to the next heartbeat (every 10 s) in
/// server/src/http/live.rs, plus a margin.
fn server_gives_up_after() -> Duration {
    Duration::from_secs(37)
}

/// Follows a live stream until `pred` holds, for at most `limit`.
async fn live_until(
    client: &mut waitwell_client::LiveClient,
    state: &mut waitwell_client::LiveState,
    limit: Duration,
    pred: impl Fn(&waitwell_client::LiveState) -> bool,
) -> bool {
    use waitwell_client::Update;
    let deadline = tokio::time::Instant::now() + limit;
    while !pred(state) {
        match tokio::time::timeout_at(deadline, client.next()).await {
            Ok(Some(Update::Snapshot(v) | Update::Event(v))) => state.apply(&v),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return false,
        }
    }
    true
}

/// Two instances on one PostgreSQL, a quiet office, the database restarts:
/// the first ticket after it reaches every live client of both instances
/// within 5 s, though its notification may have been sent before an
/// instance was listening again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_after_a_postgres_restart_reach_every_instance() {
    use waitwell_client::{LiveClient, LiveConfig, LiveState};

    let Some(pg) = OwnPostgres::start().await.unwrap() else {
        eprintln!("no PostgreSQL server binaries or not root; skipped");
        return;
    };
    let url = pg.url("postgres");
    let a = Server::start(&url, &[]).await.unwrap();
    let b = Server::start(&url, &[]).await.unwrap();
    let api_a = Api::new(&a.base);
    let api_b = Api::new(&b.base);
    let office = e2e::office(&api_a, &["A"], 1).await.unwrap();
    let display = e2e::display_token(&api_a, &office).await.unwrap();
    let mut clients = Vec::new();
    for base in [&a.base, &b.base, &a.base, &b.base] {
        let mut client = LiveClient::start(LiveConfig::new(
            vec![base.clone()],
            office.branch,
            display.clone(),
        ));
        let mut state = LiveState::default();
        assert!(
            live_until(&mut client, &mut state, Duration::from_secs(10), |s| s.seq
                > 0)
            .await
        );
        clients.push((client, state));
    }

    // Down long enough that an instance retrying its connection has backed
    // off, so the first write after the restart commits before every
    // instance listens again.
    pg.stop_immediate().unwrap();
    tokio::time::sleep(Duration::from_secs(6)).await;
    pg.start_again().await.unwrap();

    // The first write after the restart, as soon as an instance takes it.
    let issued_at = Instant::now();
    let ticket = loop {
        let (s, t) = api_a
            .send(
                reqwest::Method::POST,
                Some(&office.kiosk),
                &format!("/api/v1/branches/{}/tickets", office.branch),
                Some(&json!({ "service_id": office.services[0] })),
            )
            .await
            .unwrap();
        if s == StatusCode::CREATED {
            break t;
        }
        assert!(
            issued_at.elapsed() < Duration::from_secs(20),
            "no ticket after the restart: {s} {t}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let id = ticket["id"].as_i64().unwrap();
    for (i, (client, state)) in clients.iter_mut().enumerate() {
        let shown = live_until(client, state, Duration::from_secs(5), |s| {
            s.tickets.contains_key(&id)
        })
        .await;
        assert!(
            shown,
            "live client {i} (instance {}) did not show the ticket within 5 s",
            if i % 2 == 0 { "A" } else { "B" }
        );
    }
    let _ = api_b;
    a.terminate().await.unwrap();
    b.terminate().await.unwrap();
}

/// With PostgreSQL down, requests fail within about 2 s with a 503 JSON and
/// `Retry-After` instead of hanging; `/readyz` says 503 while `/healthz`
/// stays 200, and both recover when the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_answers_503_at_once_and_readyz_follows() {
    let Some(pg) = OwnPostgres::start().await.unwrap() else {
        eprintln!("no PostgreSQL server binaries or not root; skipped");
        return;
    };
    let server = Server::start(&pg.url("postgres"), &[]).await.unwrap();
    let api = Api::new(&server.base);
    let office = e2e::office(&api, &["A"], 1).await.unwrap();
    let tickets = format!("/api/v1/branches/{}/tickets", office.branch);
    let queue = format!("/api/v1/branches/{}/queue", office.branch);
    let get = |path: &str| api.client.get(format!("{}{path}", server.base));
    assert_eq!(
        get("/readyz").send().await.unwrap().status(),
        StatusCode::OK
    );

    pg.stop_immediate().unwrap();
    let requests = [
        api.client
            .post(format!("{}{tickets}", server.base))
            .bearer_auth(&office.kiosk)
            .json(&json!({ "service_id": office.services[0] })),
        get(&queue).bearer_auth(&office.admin),
        get("/readyz"),
    ];
    for request in requests {
        let started = Instant::now();
        let r = request.send().await.unwrap();
        let elapsed = started.elapsed();
        let status = r.status();
        let retry_after = r.headers().get("retry-after").cloned();
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(
            elapsed < Duration::from_millis(2500),
            "answered after {elapsed:?}"
        );
        assert!(retry_after.is_some(), "no Retry-After: {body}");
        assert_eq!(body["error"], "unavailable", "{body}");
    }
    assert_eq!(
        get("/healthz").send().await.unwrap().status(),
        StatusCode::OK
    );

    pg.start_again().await.unwrap();
    let back = Instant::now();
    while get("/readyz").send().await.unwrap().status() != StatusCode::OK {
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "/readyz stayed 503 after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    api.post_ok(
        &office.kiosk,
        &tickets,
        json!({ "service_id": office.services[0] }),
        StatusCode::CREATED,
    )
    .await
    .unwrap();
    server.terminate().await.unwrap();
}

/// 3,000 half-sent requests from one neighbouring address (127.0.0.2)
/// against a server limited to 1,024 open files: a kiosk at 127.0.0.1
/// still gets its ticket at once, and the connections the server did take
/// are closed after the header timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_connections_do_not_lock_out_a_kiosk() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    rlimit::increase_nofile_limit(8192).unwrap();
    let db = ScratchDb::sqlite();
    let server = Server::start_with(&e2e::binary(), &db.url, &[], &[], Some(1024))
        .await
        .unwrap();
    let api = Api::new(&server.base);
    let office = e2e::office(&api, &["A"], 1).await.unwrap();
    let target: std::net::SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    let head = format!(
        "POST /api/v1/branches/{}/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n",
        office.branch
    );

    let mut held = Vec::new();
    for _ in 0..6 {
        let batch: Vec<_> = (0..500)
            .map(|_| {
                let head = head.clone();
                tokio::spawn(async move {
                    let socket = tokio::net::TcpSocket::new_v4().ok()?;
                    socket.bind(([127, 0, 0, 2], 0).into()).ok()?;
                    let mut stream =
                        tokio::time::timeout(Duration::from_secs(2), socket.connect(target))
                            .await
                            .ok()?
                            .ok()?;
                    let _ = stream.write_all(head.as_bytes()).await;
                    Some(stream)
                })
            })
            .collect();
        for task in batch {
            if let Some(stream) = task.await.unwrap() {
                held.push(stream);
            }
        }
    }
    eprintln!("{} of 3000 half-sent connections opened", held.len());

    let kiosk = Api::new(&server.base);
    let started = Instant::now();
    let issued = tokio::time::timeout(
        Duration::from_secs(5),
        kiosk.post_ok(
            &office.kiosk,
            &format!("/api/v1/branches/{}/tickets", office.branch),
            json!({ "service_id": office.services[0] }),
            StatusCode::CREATED,
        ),
    )
    .await;
    assert!(
        matches!(issued, Ok(Ok(_))),
        "the kiosk got no ticket within 5 s of the attack: {issued:?}"
    );
    eprintln!("ticket issued in {:?}", started.elapsed());

    // The ones the server took are closed after the header timeout (10 s).
    for stream in held.iter_mut().take(20) {
        let mut buf = [0u8; 512];
        let closed = loop {
            match tokio::time::timeout(Duration::from_secs(15), stream.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => break true,
                Ok(Ok(_)) => {}
                Err(_) => break false,
            }
        };
        assert!(closed, "a half-sent connection was held for over 15 s");
    }
    drop(held);
    server.terminate().await.unwrap();
    db.remove().await;
}
