//! Two `waitwell serve` processes on one PostgreSQL database: numbers stay
//! unique and every ticket is called exactly once, whichever instance the
//! desks and kiosks talk to.

use std::collections::HashSet;

use e2e::{Api, ScratchDb, Server};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "WAITWELL_TEST_POSTGRES_URL was not set when the tests were built"
)]
async fn two_instances_exactly_once() {
    let db = ScratchDb::postgres()
        .await
        .unwrap()
        .expect("WAITWELL_TEST_POSTGRES_URL is set");
    let a = Server::start(&db.url, &[]).await.unwrap();
    let b = Server::start(&db.url, &[]).await.unwrap();
    let api_a = Api::new(&a.base);
    let api_b = Api::new(&b.base);
    let office = e2e::office(&api_a, &["A"], 8).await.unwrap();

    // Issue 240 tickets, half through each instance, concurrently.
    let mut issuers = Vec::new();
    for i in 0..16 {
        let api = if i % 2 == 0 {
            api_a.clone()
        } else {
            api_b.clone()
        };
        let (kiosk, branch, service) = (office.kiosk.clone(), office.branch, office.services[0]);
        issuers.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            for _ in 0..15 {
                let t = api
                    .post_ok(
                        &kiosk,
                        &format!("/api/v1/branches/{branch}/tickets"),
                        json!({ "service_id": service }),
                        StatusCode::CREATED,
                    )
                    .await
                    .unwrap();
                numbers.push(t["number"].as_str().unwrap().to_owned());
            }
            numbers
        }));
    }
    let mut numbers = Vec::new();
    for t in issuers {
        numbers.extend(t.await.unwrap());
    }
    let distinct: HashSet<&String> = numbers.iter().collect();
    assert_eq!(
        distinct.len(),
        240,
        "a number was issued twice across instances"
    );

    // Each desk is driven from both instances at once.
    for (i, desk) in office.desks.iter().enumerate() {
        api_a
            .post_ok(
                &office.clerks[i],
                &format!("/api/v1/desks/{desk}/open"),
                json!({}),
                StatusCode::OK,
            )
            .await
            .unwrap();
    }
    let mut callers = Vec::new();
    for i in 0..16 {
        let api = if i % 2 == 0 {
            api_a.clone()
        } else {
            api_b.clone()
        };
        let desk = office.desks[i % 8];
        let token = office.clerks[i % 8].clone();
        callers.push(tokio::spawn(async move {
            let mut called = Vec::new();
            loop {
                let (s, t) = api
                    .send(
                        reqwest::Method::POST,
                        Some(&token),
                        &format!("/api/v1/desks/{desk}/call-next"),
                        None,
                    )
                    .await
                    .unwrap();
                match s {
                    StatusCode::OK => {
                        called.push(t["id"].as_i64().unwrap());
                        let (s, _) = api
                            .send(
                                reqwest::Method::POST,
                                Some(&token),
                                &format!("/api/v1/desks/{desk}/finish"),
                                None,
                            )
                            .await
                            .unwrap();
                        assert!(
                            s == StatusCode::OK || s == StatusCode::CONFLICT,
                            "finish: {s}"
                        );
                    }
                    StatusCode::NO_CONTENT => break,
                    StatusCode::CONFLICT => tokio::task::yield_now().await,
                    other => panic!("call-next: {other} {t}"),
                }
            }
            called
        }));
    }
    let mut called = Vec::new();
    for c in callers {
        called.extend(c.await.unwrap());
    }
    let distinct: HashSet<i64> = called.iter().copied().collect();
    assert_eq!(
        called.len(),
        240,
        "tickets called {} times for 240 tickets",
        called.len()
    );
    assert_eq!(distinct.len(), 240);
    a.terminate().await.unwrap();
    b.terminate().await.unwrap();
    let (ok, report) = e2e::audit_verify(&db.url).await.unwrap();
    assert!(ok, "{report}");
    db.remove().await;
}

/// A live client on instance B sees a call made on instance A; when the
/// instance clients are connected to is killed with SIGKILL, they move to
/// the other and end up in the same state as a client that never moved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "WAITWELL_TEST_POSTGRES_URL was not set when the tests were built"
)]
async fn live_across_instances_and_failover() {
    use waitwell_client::{LiveClient, LiveConfig, LiveState, Update};

    let db = ScratchDb::postgres()
        .await
        .unwrap()
        .expect("WAITWELL_TEST_POSTGRES_URL is set");
    let a = Server::start(&db.url, &[]).await.unwrap();
    let b = Server::start(&db.url, &[]).await.unwrap();
    let api_a = Api::new(&a.base);
    let api_b = Api::new(&b.base);
    let office = e2e::office(&api_a, &["A", "B"], 2).await.unwrap();
    let display = e2e::display_token(&api_a, &office).await.unwrap();

    async fn until(
        client: &mut LiveClient,
        state: &mut LiveState,
        pred: impl Fn(&LiveState) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
        while !pred(state) {
            let next = tokio::time::timeout_at(deadline, client.next())
                .await
                .expect("state reached within 15 s");
            if let Some(Update::Snapshot(v) | Update::Event(v)) = next {
                state.apply(&v);
            }
        }
    }

    // Watching B (with A as its fallback), and watching A (with B as fallback).
    let mut on_b = LiveClient::start(LiveConfig::new(
        vec![b.base.clone(), a.base.clone()],
        office.branch,
        display.clone(),
    ));
    let mut on_a = LiveClient::start(LiveConfig::new(
        vec![a.base.clone(), b.base.clone()],
        office.branch,
        display.clone(),
    ));
    let mut state_b = LiveState::default();
    let mut state_a = LiveState::default();
    until(&mut on_b, &mut state_b, |s| s.seq > 0).await;
    until(&mut on_a, &mut state_a, |s| s.seq > 0).await;

    api_a
        .post_ok(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/open", office.desks[0]),
            json!({}),
            StatusCode::OK,
        )
        .await
        .unwrap();
    let t = api_a
        .post_ok(
            &office.kiosk,
            &format!("/api/v1/branches/{}/tickets", office.branch),
            json!({ "service_id": office.services[0] }),
            StatusCode::CREATED,
        )
        .await
        .unwrap();
    let called = api_a
        .post_ok(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/call-next", office.desks[0]),
            json!({}),
            StatusCode::OK,
        )
        .await
        .unwrap();
    assert_eq!(called["id"], t["id"]);
    until(&mut on_b, &mut state_b, |s| {
        s.calls
            .front()
            .is_some_and(|c| called["number"] == c.number.as_str())
    })
    .await;

    // Kill A while a client is connected to it; keep working through B.
    a.kill9().await;
    for _ in 0..3 {
        api_b
            .post_ok(
                &office.kiosk,
                &format!("/api/v1/branches/{}/tickets", office.branch),
                json!({ "service_id": office.services[1] }),
                StatusCode::CREATED,
            )
            .await
            .unwrap();
    }
    api_b
        .post_ok(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/finish", office.desks[0]),
            json!({}),
            StatusCode::OK,
        )
        .await
        .unwrap();
    let recalled = api_b
        .post_ok(
            &office.clerks[0],
            &format!("/api/v1/desks/{}/call-next", office.desks[0]),
            json!({}),
            StatusCode::OK,
        )
        .await
        .unwrap();
    let (_, head) = api_b
        .send(
            reqwest::Method::GET,
            Some(&office.admin),
            &format!("/api/v1/branches/{}", office.branch),
            None,
        )
        .await
        .unwrap();
    let head = head["event_seq"].as_i64().unwrap();
    until(&mut on_a, &mut state_a, |s| s.seq >= head).await;
    until(&mut on_b, &mut state_b, |s| s.seq >= head).await;
    let mut fresh = LiveClient::start(LiveConfig::new(
        vec![b.base.clone()],
        office.branch,
        display,
    ));
    let mut state_fresh = LiveState::default();
    until(&mut fresh, &mut state_fresh, |s| s.seq >= head).await;
    assert_eq!(
        state_a, state_fresh,
        "the client that failed over differs from a fresh one"
    );
    assert_eq!(state_b, state_fresh);
    assert_eq!(
        recalled["number"],
        state_fresh.calls.front().unwrap().number.as_str()
    );
    b.terminate().await.unwrap();
    db.remove().await;
}
