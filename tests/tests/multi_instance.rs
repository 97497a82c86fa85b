//! Two `waitwell serve` processes on one PostgreSQL database: numbers stay
//! unique and every ticket is called exactly once, whichever instance the
//! desks and kiosks talk to.

use std::collections::HashSet;

use e2e::{Api, ScratchDb, Server};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_exactly_once() {
    let Some(db) = ScratchDb::postgres().await.unwrap() else {
        eprintln!("WAITWELL_TEST_POSTGRES_URL is not set; skipped");
        return;
    };
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
