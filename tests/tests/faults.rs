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
    let display = e2e::display_token(&api, &office).await.unwrap();
    let url = format!(
        "{}/api/v1/branches/{}/live?token={display}",
        server.base.replacen("http", "ws", 1),
        office.branch
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
/// server/src/live.rs, plus a margin.
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

    pg.stop_immediate().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
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
