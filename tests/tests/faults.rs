//! Fault tests: a live client that stops reading is cut off instead of
//! being buffered for without bound, while other clients carry on.

use std::time::{Duration, Instant};

use e2e::{Api, ScratchDb, Server};
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
