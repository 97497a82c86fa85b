//! Personal-data retention: contact details older than the retention
//! period are cleared by the job, the tickets themselves stay, the event
//! log records the erasure without personal data and stays intact. Runs on
//! both backends.

mod common;

use common::{Backend, Office, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;
use waitwell_server::error::AppError;
use waitwell_server::jobs::retention::erase_expired;
use waitwell_server::store::{Exec as _, q, read};

async fn remote(app: &TestApp, office: &Office, phone: &str, email: &str) -> i64 {
    let (s, t) = app
        .send(
            Method::POST,
            None,
            &format!("/api/v1/public/branches/{}/tickets", office.branch_id),
            Some(json!({ "service_id": office.services[0], "phone": phone, "email": email })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    t["id"].as_i64().unwrap()
}

type Contact = (Option<String>, Option<String>, String);

async fn contact(app: &TestApp, id: i64) -> Contact {
    let db = &app.state.db;
    let r: Result<Contact, AppError> = async {
        read!(db, |c| c
            .one(
                q("select contact_phone, contact_email, number from tickets where id = $1")
                    .bind(id)
            )
            .await
            .map_err(AppError::from))
    }
    .await;
    r.unwrap()
}

async fn contacts_vanish_after_the_retention_period(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let (s, _) = app
        .patch(
            &office.manager,
            &format!("/api/v1/services/{}", office.services[0]),
            json!({ "remote_enabled": true }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let old = remote(&app, &office, "+4512345678", "old@example.org").await;
    // Make the first ticket ten days old.
    let ten_days = 10 * 86_400_000_i64;
    let db = &app.state.db;
    let r: Result<u64, AppError> = async {
        waitwell_server::store::write!(db, |c, _out| async move {
            Ok(c.run(
                q("update tickets set issued_at = issued_at - $2 where id = $1")
                    .bind(old)
                    .bind(ten_days),
            )
            .await?)
        })
    }
    .await;
    assert_eq!(r.unwrap(), 1);
    let new = remote(&app, &office, "+4587654321", "new@example.org").await;
    let events = app.event_count(office.branch_id).await;
    let now = waitwell_server::now_ms();

    // 30 days: nothing is old enough.
    assert_eq!(erase_expired(&app.state.db, now, 30).await.unwrap(), 0);
    assert_eq!(contact(&app, old).await.0.as_deref(), Some("+4512345678"));
    assert_eq!(app.event_count(office.branch_id).await, events);

    // 1 day: the old ticket loses its contact and stays; the new one keeps it.
    assert_eq!(erase_expired(&app.state.db, now, 1).await.unwrap(), 1);
    let (phone, email, number) = contact(&app, old).await;
    assert_eq!((phone, email), (None, None));
    assert_eq!(number, "A001");
    assert_eq!(
        contact(&app, new).await.1.as_deref(),
        Some("new@example.org")
    );
    let log = app.event_types(office.branch_id).await;
    assert_eq!(log.len(), events + 1);
    assert_eq!(log.last().unwrap().1, "contacts.erased");
    // The ticket is still readable.
    let (s, t) = app
        .get(&office.manager, &format!("/api/v1/tickets/{old}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");

    // Again: nothing more to do, no new event.
    assert_eq!(erase_expired(&app.state.db, now, 1).await.unwrap(), 0);
    assert_eq!(app.event_count(office.branch_id).await, events + 1);

    // 0 days: everything issued before now goes.
    assert_eq!(erase_expired(&app.state.db, now + 1, 0).await.unwrap(), 1);
    assert_eq!(contact(&app, new).await.0, None);
    assert_eq!(app.verify_chain(office.branch_id).await.broken, None);
    app.stop().await;
}

async fn booking_contact(app: &TestApp, code: &str) -> (Option<String>, Option<String>) {
    let db = &app.state.db;
    let code = code.to_owned();
    let r: Result<(Option<String>, Option<String>), AppError> = async {
        read!(db, |c| c
            .one(
                q("select contact_phone, contact_email from appointments where code = $1")
                    .bind(code.as_str())
            )
            .await
            .map_err(AppError::from))
    }
    .await;
    r.unwrap()
}

/// Bookings keep their contact until the retention period after the
/// appointment itself (not after booking), so a visitor who books weeks
/// ahead can still be reached before the visit.
async fn booking_contacts_count_from_the_slot(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let code = app
        .book_any(
            &office,
            json!({ "contact_phone": "+4512345678", "contact_email": "visitor@example.org" }),
        )
        .await;
    let now = waitwell_server::now_ms();
    // Booked for weeks ahead: even with 0 days nothing goes yet.
    assert_eq!(erase_expired(&app.state.db, now, 0).await.unwrap(), 0);
    assert_eq!(
        booking_contact(&app, &code).await,
        (
            Some("+4512345678".to_owned()),
            Some("visitor@example.org".to_owned())
        )
    );
    // A hundred days on (bookings reach at most 60 days ahead), a one-day
    // retention clears it.
    let slot_passed = now + 100 * 86_400_000_i64;
    assert_eq!(
        erase_expired(&app.state.db, slot_passed, 1).await.unwrap(),
        1
    );
    assert_eq!(booking_contact(&app, &code).await, (None, None));
    assert_eq!(app.verify_chain(office.branch_id).await.broken, None);
    app.stop().await;
}

/// A visitor's feedback comment is cleared like contact details; the
/// rating stays for the reports.
async fn feedback_comments_are_cleared(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    app.open_desk(&office, 0).await;
    let t = app.issue(&office, office.services[0], "normal").await;
    let desk = format!("/api/v1/desks/{}", office.desks[0]);
    let (s, r) = app
        .post(
            &office.clerks[0],
            &format!("{desk}/call"),
            json!({ "ticket_id": t["id"], "reason": "test order" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, r) = app
        .post_empty(&office.clerks[0], &format!("{desk}/finish"))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let token = t["public_token"].as_str().unwrap();
    let (s, r) = app
        .send(
            Method::POST,
            None,
            &format!("/api/v1/public/tickets/{token}/feedback"),
            Some(json!({ "rating": 4, "comment": "Desk 1 was kind" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let db = &app.state.db;
    let read_back = || async {
        let r: Result<(i64, Option<String>), AppError> = read!(db, |c| c
            .one(q("select rating, comment from feedback"))
            .await
            .map_err(AppError::from));
        r.unwrap()
    };
    let now = waitwell_server::now_ms();
    assert_eq!(erase_expired(db, now, 1).await.unwrap(), 0);
    assert_eq!(read_back().await, (4, Some("Desk 1 was kind".to_owned())));
    assert_eq!(erase_expired(db, now + 2 * 86_400_000, 1).await.unwrap(), 1);
    assert_eq!(read_back().await, (4, None));
    app.stop().await;
}

backend_tests!(
    contacts_vanish_after_the_retention_period,
    booking_contacts_count_from_the_slot,
    feedback_comments_are_cleared
);
