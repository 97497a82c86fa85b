//! Exactly-once under real concurrency: many desks calling at once never
//! get the same ticket, and tickets issued at once never share a number.

mod common;

use std::collections::HashSet;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

/// 32 tasks issue 320 tickets at once: all numbers are distinct and
/// contiguous per service.
async fn concurrent_issuance_numbers_unique(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let mut tasks = Vec::new();
    for task in 0..32 {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/branches/{}/tickets", office.branch_id));
        let kiosk = office.kiosk.clone();
        let services = office.services.clone();
        tasks.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            for i in 0..10 {
                let service_id = services[(task + i) % 2];
                let resp = client
                    .post(&url)
                    .bearer_auth(&kiosk)
                    .json(&serde_json::json!({ "service_id": service_id }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), StatusCode::CREATED);
                let t: Value = resp.json().await.unwrap();
                numbers.push(t["number"].as_str().unwrap().to_owned());
            }
            numbers
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), 320, "duplicate numbers issued");
    for prefix in ["A", "B"] {
        let mut seqs: Vec<u32> = all
            .iter()
            .filter_map(|n| n.strip_prefix(prefix))
            .map(|d| d.parse().unwrap())
            .collect();
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (1..=160).collect::<Vec<u32>>(),
            "numbers of {prefix} are not 1..=160"
        );
    }
    app.stop().await;
}

/// 16 desks, two clerks' worth of tasks each, call-next racing over 300
/// waiting tickets: every ticket is called exactly once.
async fn concurrent_call_next_exactly_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(16).await;
    for _ in 0..300 {
        app.issue(&office, office.services[0], "normal").await;
    }
    for i in 0..16 {
        app.open_desk(&office, i).await;
    }
    let mut tasks = Vec::new();
    // Two tasks per desk: the second races the first on the same desk,
    // which must answer 409 (desk busy) rather than call a second ticket.
    for task in 0..32 {
        let desk = office.desks[task % 16];
        let token = office.clerks[task % 16].clone();
        let client = app.client.clone();
        let base = app.base.clone();
        tasks.push(tokio::spawn(async move {
            let mut called = Vec::new();
            loop {
                let resp = client
                    .post(format!("{base}/api/v1/desks/{desk}/call-next"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                match resp.status() {
                    StatusCode::OK => {
                        let t: Value = resp.json().await.unwrap();
                        called.push(t["id"].as_i64().unwrap());
                        let resp = client
                            .post(format!("{base}/api/v1/desks/{desk}/finish"))
                            .bearer_auth(&token)
                            .send()
                            .await
                            .unwrap();
                        assert!(
                            resp.status() == StatusCode::OK
                                || resp.status() == StatusCode::CONFLICT,
                            "finish: {}",
                            resp.status()
                        );
                    }
                    StatusCode::NO_CONTENT => break,
                    StatusCode::CONFLICT => tokio::task::yield_now().await,
                    other => panic!(
                        "call-next answered {other}: {}",
                        resp.text().await.unwrap_or_default()
                    ),
                }
            }
            called
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let distinct: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 300, "some tickets were called twice or never");
    assert_eq!(distinct.len(), 300);
    let (s, stats) = app
        .get(
            &office.manager,
            &format!("/api/v1/branches/{}/stats", office.branch_id),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(stats["total"]["served"], 300, "{stats}");
    assert_waiting_counters(&app).await;
    app.stop().await;
}

/// The per-service waiting counters equal a count of the waiting tickets.
async fn assert_waiting_counters(app: &TestApp) {
    use waitwell_server::error::AppError;
    use waitwell_server::store::{Exec as _, q, read};
    let rows: Vec<(i64, i64, i64)> = read!(app.state.db, |c| c
        .all(q("select s.id, s.waiting, (select count(*) from tickets t where t.service_id = s.id and t.status = 'waiting') from services s"))
        .await
        .map_err(AppError::from))
    .unwrap();
    for (service, counter, actual) in rows {
        assert_eq!(
            counter, actual,
            "service {service}: counter {counter}, {actual} waiting"
        );
    }
}

backend_tests!(
    concurrent_issuance_numbers_unique,
    concurrent_call_next_exactly_once
);
