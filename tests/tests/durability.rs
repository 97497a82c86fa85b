//! kill -9 while tickets are being issued: every acknowledged ticket is
//! there after a restart, numbers are unique, and the event chain verifies.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use e2e::{Api, ScratchDb, Server};
use reqwest::StatusCode;
use serde_json::json;

async fn kill9_loses_no_acknowledged_ticket(db: ScratchDb) {
    let server = Server::start(&db.url, &[]).await.unwrap();
    let api = Api::new(&server.base);
    let office = e2e::office(&api, &["A", "B"], 1).await.unwrap();

    // 16 clients issue tickets as fast as they can; each remembers what the
    // server acknowledged (201 with a body).
    let stop_at = Instant::now() + Duration::from_millis(1500);
    let mut clients = Vec::new();
    for c in 0..16 {
        let api = Api::new(&server.base);
        let kiosk = office.kiosk.clone();
        let services = office.services.clone();
        let branch = office.branch;
        clients.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut i = 0;
            // Keep going past the kill: requests then fail and are not acknowledged.
            while Instant::now() < stop_at + Duration::from_millis(500) {
                let body = json!({ "service_id": services[i % 2] });
                match api
                    .send(
                        reqwest::Method::POST,
                        Some(&kiosk),
                        &format!("/api/v1/branches/{branch}/tickets"),
                        Some(&body),
                    )
                    .await
                {
                    Ok((StatusCode::CREATED, t)) => acked.push((
                        t["id"].as_i64().unwrap(),
                        t["number"].as_str().unwrap().to_owned(),
                    )),
                    Ok((s, t)) => panic!("client {c}: unexpected {s} {t}"),
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
                i += 1;
            }
            acked
        }));
    }
    tokio::time::sleep_until((stop_at - Duration::from_millis(700)).into()).await;
    server.kill9().await;
    let mut acked = Vec::new();
    for c in clients {
        acked.extend(c.await.unwrap());
    }
    assert!(
        acked.len() > 50,
        "too few tickets issued before the kill ({}) to mean anything",
        acked.len()
    );

    let server = Server::start(&db.url, &[]).await.unwrap();
    let api = Api::new(&server.base);
    let admin = api.login("admin", e2e::ADMIN_PASSWORD).await.unwrap();
    for (id, number) in &acked {
        let (s, t) = api
            .send(
                reqwest::Method::GET,
                Some(&admin),
                &format!("/api/v1/tickets/{id}"),
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            s,
            StatusCode::OK,
            "acknowledged ticket {id} ({number}) is gone"
        );
        assert_eq!(t["number"].as_str(), Some(number.as_str()));
    }
    let (s, queue) = api
        .send(
            reqwest::Method::GET,
            Some(&admin),
            &format!("/api/v1/branches/{}/queue", office.branch),
            None,
        )
        .await
        .unwrap();
    assert_eq!(s, StatusCode::OK);
    let numbers: Vec<&str> = queue["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["number"].as_str().unwrap())
        .collect();
    let distinct: HashSet<&&str> = numbers.iter().collect();
    assert_eq!(
        distinct.len(),
        numbers.len(),
        "duplicate numbers after restart"
    );
    assert!(
        numbers.len() >= acked.len(),
        "fewer tickets than acknowledged"
    );
    // Issuing continues after the last number given out before the crash.
    let next = api
        .post_ok(
            &office.kiosk,
            &format!("/api/v1/branches/{}/tickets", office.branch),
            json!({ "service_id": office.services[0] }),
            StatusCode::CREATED,
        )
        .await
        .unwrap();
    let next_number = next["number"].as_str().unwrap();
    assert!(
        !distinct.contains(&next_number),
        "number {next_number} issued twice"
    );
    let by_id: HashMap<i64, &str> = acked.iter().map(|(i, n)| (*i, n.as_str())).collect();
    assert!(!by_id.values().any(|n| *n == next_number));
    server.terminate().await.unwrap();

    let (ok, report) = e2e::audit_verify(&db.url).await.unwrap();
    assert!(ok, "audit verify failed after the crash: {report}");
    db.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_sqlite() {
    kill9_loses_no_acknowledged_ticket(ScratchDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(postgres_tests),
    ignore = "WAITWELL_TEST_POSTGRES_URL was not set when the tests were built"
)]
async fn kill9_postgres() {
    let db = ScratchDb::postgres()
        .await
        .unwrap()
        .expect("WAITWELL_TEST_POSTGRES_URL is set");
    kill9_loses_no_acknowledged_ticket(db).await;
}
