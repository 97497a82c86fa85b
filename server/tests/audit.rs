//! The audit chain anchored outside the database: checkpoints signed at day
//! end, and `waitwell audit verify` (the real binary) catching each way of
//! rewriting history that the hash chain alone does not: a consistent
//! re-hash, a truncated or wiped log, a forged event appended after a
//! checkpoint, an edited `tickets` row, a forged signature, and a
//! published head the log no longer has.

mod common;

use std::path::PathBuf;

use common::{Backend, Office, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection as _;
use waitwell_server::config::Config;
use waitwell_server::domain::audit;
use waitwell_server::events::Event;
use waitwell_server::events::anchor::{self, AuditKey};

const DAY_MS: i64 = 86_400_000;

/// A key file in a fresh directory, and the key.
fn key_file() -> (PathBuf, AuditKey) {
    let dir = std::env::temp_dir().join(format!(
        "waitwell-audit-test-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.pem");
    let key = anchor::write_new_key(&path).unwrap();
    (path, key)
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed) * 1_000_000
        + u64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .subsec_micros(),
        )
}

/// A server whose audit key is `key`.
async fn spawn_keyed(backend: Backend, key: &AuditKey) -> TestApp {
    let key = key.clone();
    TestApp::spawn_tuned(backend, move |c: &mut Config| c.audit_key = Some(key)).await
}

/// An office with a day's work: one ticket served start to finish, one
/// called, one waiting.
async fn busy_day(app: &TestApp) -> Office {
    let office = app.office(1).await;
    let service = office.services[0];
    for _ in 0..3 {
        app.issue(&office, service, "normal").await;
    }
    app.open_desk(&office, 0).await;
    let desk = office.desks[0];
    let clerk = &office.clerks[0];
    for step in ["call-next", "start", "finish", "call-next"] {
        let (s, body) = app
            .post_empty(clerk, &format!("/api/v1/desks/{desk}/{step}"))
            .await;
        assert_eq!(s, StatusCode::OK, "{step}: {body}");
    }
    office
}

/// Signs as the day-end job would tomorrow: today is then a closed day.
async fn sign_today(app: &TestApp, key: &AuditKey) -> usize {
    audit::sign_all(&app.state.db, key, waitwell_server::now_ms() + DAY_MS)
        .await
        .unwrap()
}

/// A keyed server with a busy day that is signed: the start of every
/// attack below.
async fn signed_day(backend: Backend) -> (TestApp, Office, AuditKey) {
    let (_, key) = key_file();
    let app = spawn_keyed(backend, &key).await;
    let office = busy_day(&app).await;
    assert_eq!(sign_today(&app, &key).await, 1);
    (app, office, key)
}

/// Runs SQL on the test database directly, as someone holding the
/// database (not the key) would.
async fn sql(url: &str, statements: &[String]) {
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        for s in statements {
            sqlx::query(sqlx::AssertSqlSafe(s.clone()))
                .execute(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        c.close().await.ok();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        for s in statements {
            sqlx::query(sqlx::AssertSqlSafe(s.clone()))
                .execute(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        c.close().await.ok();
    }
}

/// A branch's events, read directly.
async fn events_of(url: &str, branch_id: i64) -> Vec<Event> {
    let q = "select branch_id, seq, type, ticket_id, desk_id, payload, actor, at, prev_hash, hash
             from events where branch_id = $1 order by seq";
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_as(q)
            .bind(branch_id)
            .fetch_all(&mut c)
            .await
            .unwrap()
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as(q)
            .bind(branch_id)
            .fetch_all(&mut c)
            .await
            .unwrap()
    }
}

/// SQL text literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Statements that store `events` (from `events[0].seq` on) as they are,
/// re-hashed into a consistent chain, and move the branch head to the end:
/// a rewrite the chain alone cannot tell from the real log.
fn rewrite_chain(mut events: Vec<Event>, prev_hash: &str) -> Vec<String> {
    let mut prev = prev_hash.to_owned();
    let mut out = Vec::new();
    for e in &mut events {
        e.prev_hash = prev.clone();
        e.hash = e.compute_hash();
        prev = e.hash.clone();
        out.push(format!(
            "update events set payload = {}, at = {}, prev_hash = {}, hash = {} where branch_id = {} and seq = {}",
            lit(&e.payload),
            e.at,
            lit(&e.prev_hash),
            lit(&e.hash),
            e.branch_id,
            e.seq
        ));
    }
    if let Some(last) = events.last() {
        out.push(format!(
            "update branches set event_seq = {}, event_hash = {} where id = {}",
            last.seq,
            lit(&last.hash),
            last.branch_id
        ));
    }
    out
}

/// `waitwell audit verify ARGS` against the test database: success and
/// what it printed.
async fn verify(db_url: &str, env: &[(&str, &str)], args: &[&str]) -> (bool, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_waitwell"));
    cmd.args(["audit", "verify"])
        .args(args)
        .env("WAITWELL_DATABASE_URL", db_url)
        .env("WAITWELL_LOG", "warn")
        .env_remove("WAITWELL_AUDIT_KEY_FILE")
        .env_remove("WAITWELL_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().await.unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn db_url(app: &TestApp) -> String {
    app.db.as_ref().unwrap().url.clone()
}

async fn checkpoints(app: &TestApp, branch_id: i64) -> Vec<Value> {
    let (s, body) = app
        .send(
            reqwest::Method::GET,
            None,
            &format!("/api/v1/public/branches/{branch_id}/audit/checkpoints"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

async fn signing_at_day_end_produces_a_verifiable_checkpoint(backend: Backend) {
    let (path, key) = key_file();
    let mut app = spawn_keyed(backend, &key).await;
    let office = busy_day(&app).await;
    let branch = office.branch_id;
    assert!(checkpoints(&app, branch).await.is_empty(), "today is open");
    // Two servers at the day's end at once: one checkpoint.
    let (a, b) = tokio::join!(sign_today(&app, &key), sign_today(&app, &key));
    assert_eq!(a + b, 1, "{a} {b}");
    assert_eq!(sign_today(&app, &key).await, 0, "signing is idempotent");
    let list = checkpoints(&app, branch).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let cp: audit::Checkpoint = serde_json::from_value(list[0].clone()).unwrap();
    let events = events_of(&db_url(&app), branch).await;
    let head = events.last().unwrap();
    assert_eq!((cp.seq, cp.hash.as_str()), (head.seq, head.hash.as_str()));
    assert_eq!(cp.public_key, key.public_hex());
    assert!(cp.signed_by(&key.public()));
    let (_, today) = app
        .get(&office.manager, &format!("/api/v1/branches/{branch}"))
        .await;
    assert_eq!(today["event_seq"], head.seq);
    let latest = {
        use waitwell_server::store::read;
        let db = &app.state.db;
        let r: Result<_, waitwell_server::error::AppError> =
            async { read!(db, |c| audit::latest(c, branch).await) }.await;
        r.unwrap()
    };
    assert_eq!(latest.as_ref(), Some(&cp));
    // The open data behind the standards page publishes the same head.
    let performance = format!("/api/v1/public/branches/{branch}/performance");
    let (s, perf) = app
        .send(reqwest::Method::GET, None, &performance, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{perf}");
    assert_eq!(perf["audit_checkpoint"], list[0], "{perf}");
    let (s, info) = app
        .send(reqwest::Method::GET, None, "/api/v1/public/audit/key", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{info}");
    assert_eq!(info["public_key"], key.public_hex());
    assert_eq!(info["algorithm"], "ed25519");
    // The published list as a URL, while the server runs.
    let url = db_url(&app);
    let published = app.url(&format!(
        "/api/v1/public/branches/{branch}/audit/checkpoints"
    ));
    let key_env = [("WAITWELL_AUDIT_KEY_FILE", path.to_str().unwrap())];
    let (ok, out) = verify(&url, &key_env, &["--published", &published]).await;
    assert!(ok, "{out}");
    assert!(out.contains("1 signed checkpoints hold"), "{out}");
    assert!(out.contains("published checkpoints: 1 found"), "{out}");
    app.stop_server().await;
    let (ok, out) = verify(&url, &[], &["--public-key", &key.public_hex()]).await;
    assert!(ok, "{out}");
    app.stop().await;
}

async fn days_missed_while_down_are_signed_at_startup(backend: Backend) {
    let (_, key) = key_file();
    // A day's work on a server without a key.
    let mut app = TestApp::spawn(backend).await;
    let office = busy_day(&app).await;
    let b = office.branch_id;
    app.stop_server().await;
    let url = db_url(&app);
    // Move it all two days back (consistently), as if the server had been
    // down since.
    let mut events = events_of(&url, b).await;
    for e in &mut events {
        e.at -= 2 * DAY_MS;
    }
    let head = events.last().unwrap().seq;
    let mut statements = rewrite_chain(events, "");
    statements.push(format!(
        "update branches set created_at = created_at - {} where id = {b}",
        2 * DAY_MS
    ));
    sql(&url, &statements).await;
    // Started with the key: its first round signs the latest closed day.
    let mut config = Config::for_tests(&url);
    config.audit_key = Some(key.clone());
    let app = TestApp::spawn_with(config, app.db.take()).await;
    let mut list = Vec::new();
    for _ in 0..100 {
        list = checkpoints(&app, b).await;
        if !list.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let yesterday = (chrono::Utc::now().with_timezone(&chrono_tz::Europe::Warsaw)
        - chrono::Duration::days(1))
    .date_naive()
    .format("%Y-%m-%d")
    .to_string();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["day"], yesterday, "{list:?}");
    assert_eq!(list[0]["seq"], head, "{list:?}");
    app.stop().await;
}

async fn a_consistent_rehash_is_caught_by_the_checkpoint(backend: Backend) {
    let (path, key) = key_file();
    let mut app = spawn_keyed(backend, &key).await;
    let office = busy_day(&app).await;
    assert_eq!(sign_today(&app, &key).await, 1);
    app.stop_server().await;
    let url = db_url(&app);
    let mut events = events_of(&url, office.branch_id).await;
    // Edit the branch's first event (not a ticket: the replay stays
    // satisfied) and re-hash everything after it.
    let first = events.remove(0);
    let mut edited = first;
    edited.payload = edited.payload.replace("Test Office", "Other Office");
    let mut rest = vec![edited];
    rest.extend(events);
    sql(&url, &rewrite_chain(rest, "")).await;
    let key_env = [("WAITWELL_AUDIT_KEY_FILE", path.to_str().unwrap())];
    let (ok, out) = verify(&url, &key_env, &[]).await;
    assert!(!ok, "{out}");
    assert!(out.contains("the log was rewritten"), "{out}");
    assert!(
        out.contains(&format!("branch {}", office.branch_id)),
        "{out}"
    );
    app.stop().await;
}

async fn a_truncated_log_is_caught(backend: Backend) {
    let (mut app, office, key) = signed_day(backend).await;
    app.stop_server().await;
    let url = db_url(&app);
    let events = events_of(&url, office.branch_id).await;
    let keep = &events[events.len() - 4];
    sql(
        &url,
        &[
            format!(
                "delete from events where branch_id = {} and seq > {}",
                office.branch_id, keep.seq
            ),
            format!(
                "update branches set event_seq = {}, event_hash = {} where id = {}",
                keep.seq,
                lit(&keep.hash),
                office.branch_id
            ),
        ],
    )
    .await;
    let (ok, out) = verify(&url, &[], &["--public-key", &key.public_hex()]).await;
    assert!(!ok, "{out}");
    let head = events.last().unwrap().seq;
    assert!(
        out.contains(&format!("is event {head}, which the log no longer has")),
        "{out}"
    );
    app.stop().await;
}

/// Appends a forged `ticket.finished` event dated `at` that moves the
/// served ticket's finish 30 s earlier, chained onto the head, with the
/// branch head and the tickets row to match: chain and replay both agree.
/// Returns its seq.
async fn forge_earlier_finish(url: &str, branch_id: i64, at: i64) -> i64 {
    let events = events_of(url, branch_id).await;
    let head = events.last().unwrap().clone();
    let finished = events
        .iter()
        .rev()
        .find(|e| e.kind == "ticket.finished")
        .unwrap()
        .clone();
    let mut payload: Value = serde_json::from_str(&finished.payload).unwrap();
    let ticket_id = payload["ticket"]["id"].as_i64().unwrap();
    let forged_finish = payload["ticket"]["finished_at"].as_i64().unwrap() - 30_000;
    payload["ticket"]["finished_at"] = json!(forged_finish);
    let mut forged = finished;
    forged.seq = head.seq + 1;
    forged.prev_hash = head.hash;
    forged.at = at;
    forged.payload = payload.to_string();
    forged.hash = forged.compute_hash();
    sql(
        url,
        &[
            format!(
                "insert into events (branch_id, seq, type, ticket_id, desk_id, payload, actor, at, prev_hash, hash)
                 values ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                forged.branch_id,
                forged.seq,
                lit(&forged.kind),
                ticket_id,
                forged.desk_id.map_or("null".to_owned(), |d| d.to_string()),
                lit(&forged.payload),
                lit(&forged.actor),
                forged.at,
                lit(&forged.prev_hash),
                lit(&forged.hash)
            ),
            format!(
                "update branches set event_seq = {}, event_hash = {} where id = {}",
                forged.seq,
                lit(&forged.hash),
                forged.branch_id
            ),
            format!("update tickets set finished_at = {forged_finish} where id = {ticket_id}"),
        ],
    )
    .await;
    forged.seq
}

async fn a_forged_event_after_a_checkpoint_is_caught(backend: Backend) {
    let (mut app, office, key) = signed_day(backend).await;
    app.stop_server().await;
    let url = db_url(&app);
    // Dated inside the signed day.
    let at = waitwell_server::now_ms() - 3_600_000;
    let seq = forge_earlier_finish(&url, office.branch_id, at).await;
    let (ok, out) = verify(&url, &[], &["--public-key", &key.public_hex()]).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("event {seq} (ticket.finished)")),
        "{out}"
    );
    assert!(out.contains("added to a signed day"), "{out}");
    app.stop().await;
}

async fn only_the_day_end_expiry_may_change_a_signed_days_ticket(backend: Backend) {
    let (mut app, office, key) = signed_day(backend).await;
    // The day end after the signature (as when a server catches up on
    // both at once): its expiries are allowed.
    let later = waitwell_server::now_ms() + DAY_MS + 10 * 60_000;
    let expired = waitwell_server::expire_all(&app.state.db, later)
        .await
        .unwrap();
    assert_eq!(expired, 2, "the called and the waiting ticket");
    app.stop_server().await;
    let url = db_url(&app);
    let public_key = key.public_hex();
    let (ok, out) = verify(&url, &[], &["--public-key", &public_key]).await;
    assert!(ok, "{out}");
    // Anything else, dated after the signature, is not.
    let seq = forge_earlier_finish(&url, office.branch_id, later + 60_000).await;
    let (ok, out) = verify(&url, &[], &["--public-key", &public_key]).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("at event {seq} (ticket.finished)")),
        "{out}"
    );
    assert!(out.contains("only the day-end expiry may"), "{out}");
    app.stop().await;
}

async fn a_wiped_branch_is_caught(backend: Backend) {
    let (mut app, office, key) = signed_day(backend).await;
    app.stop_server().await;
    let url = db_url(&app);
    let b = office.branch_id;
    sql(
        &url,
        &[
            format!("delete from events where branch_id = {b}"),
            format!("update branches set event_seq = 0, event_hash = '' where id = {b}"),
        ],
    )
    .await;
    let (ok, out) = verify(&url, &[], &["--public-key", &key.public_hex()]).await;
    assert!(!ok, "{out}");
    assert!(out.contains("which the log no longer has"), "{out}");
    app.stop().await;
}

async fn an_edited_tickets_row_is_caught_by_the_replay(backend: Backend) {
    // No key: the replay needs none.
    let mut app = TestApp::spawn(backend).await;
    let office = busy_day(&app).await;
    app.stop_server().await;
    let url = db_url(&app);
    let (ok, out) = verify(&url, &[], &[]).await;
    assert!(ok, "{out}");
    assert!(out.contains("tickets agree with their events"), "{out}");
    // A shorter wait: the served ticket called a minute earlier.
    sql(
        &url,
        &[format!(
            "update tickets set called_at = called_at - 60000 where branch_id = {} and status = 'done'",
            office.branch_id
        )],
    )
    .await;
    let (ok, out) = verify(&url, &[], &[]).await;
    assert!(!ok, "{out}");
    assert!(out.contains("A001"), "{out}");
    assert!(out.contains("called_at is"), "{out}");
    assert!(out.contains("ticket.finished"), "{out}");
    // Put it back, then mark the waiting ticket served.
    sql(
        &url,
        &[
            format!(
                "update tickets set called_at = called_at + 60000 where branch_id = {} and status = 'done'",
                office.branch_id
            ),
            format!(
                "update tickets set status = 'done' where branch_id = {} and status = 'waiting'",
                office.branch_id
            ),
        ],
    )
    .await;
    let (ok, out) = verify(&url, &[], &[]).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("A003")
            && out.contains(r#"status is "done" in the tickets table but "waiting""#),
        "{out}"
    );
    app.stop().await;
}

async fn a_forged_signature_is_caught(backend: Backend) {
    let (mut app, office, key) = signed_day(backend).await;
    app.stop_server().await;
    let url = db_url(&app);
    let cp: audit::Checkpoint =
        serde_json::from_value(checkpoints_direct(&url, office.branch_id).await).unwrap();
    // Another key's signature of the same head.
    let thief = AuditKey::generate();
    let forged = thief.sign_checkpoint(cp.branch_id, &cp.day, cp.seq, &cp.hash);
    sql(
        &url,
        &[format!(
            "update audit_checkpoints set signature = {} where branch_id = {}",
            lit(&forged),
            cp.branch_id
        )],
    )
    .await;
    let (ok, out) = verify(&url, &[], &[]).await;
    assert!(!ok, "{out}");
    assert!(out.contains("signature does not verify"), "{out}");
    // With the thief's public key stored beside it, only a trusted key
    // tells.
    sql(
        &url,
        &[format!(
            "update audit_checkpoints set public_key = {} where branch_id = {}",
            lit(&thief.public_hex()),
            cp.branch_id
        )],
    )
    .await;
    let (ok, out) = verify(&url, &[], &[]).await;
    assert!(ok, "{out}");
    assert!(out.contains("no trusted public key"), "{out}");
    let (ok, out) = verify(&url, &[], &["--public-key", &key.public_hex()]).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("does not verify with the trusted public key"),
        "{out}"
    );
    app.stop().await;
}

/// The stored checkpoint of a branch, as JSON.
async fn checkpoints_direct(url: &str, branch_id: i64) -> Value {
    let q = "select branch_id, day, seq, hash, signature, public_key, signed_at
             from audit_checkpoints where branch_id = $1";
    let cp: audit::Checkpoint = if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_as(q)
            .bind(branch_id)
            .fetch_one(&mut c)
            .await
            .unwrap()
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as(q)
            .bind(branch_id)
            .fetch_one(&mut c)
            .await
            .unwrap()
    };
    serde_json::to_value(cp).unwrap()
}

async fn a_published_head_the_log_no_longer_has_is_caught(backend: Backend) {
    let (path, key) = key_file();
    let mut app = spawn_keyed(backend, &key).await;
    let office = busy_day(&app).await;
    assert_eq!(sign_today(&app, &key).await, 1);
    let saved = path.with_file_name("published.json");
    let list = checkpoints(&app, office.branch_id).await;
    std::fs::write(&saved, Value::Array(list).to_string()).unwrap();
    app.stop_server().await;
    let url = db_url(&app);
    // Rewrite consistently and remove the stored checkpoints too: nothing
    // inside the database shows it any more.
    let mut events = events_of(&url, office.branch_id).await;
    events[0].payload = events[0].payload.replace("Test Office", "Other Office");
    let mut statements = rewrite_chain(events, "");
    statements.push(format!(
        "delete from audit_checkpoints where branch_id = {}",
        office.branch_id
    ));
    sql(&url, &statements).await;
    let key_env = [("WAITWELL_AUDIT_KEY_FILE", path.to_str().unwrap())];
    let (ok, out) = verify(&url, &key_env, &[]).await;
    assert!(ok, "inside the database the rewrite is invisible: {out}");
    let (ok, out) = verify(&url, &key_env, &["--published", saved.to_str().unwrap()]).await;
    assert!(!ok, "{out}");
    assert!(out.contains("published checkpoint of"), "{out}");
    assert!(out.contains("the log was rewritten"), "{out}");
    app.stop().await;
}

async fn without_a_key_nothing_is_signed(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let office = busy_day(&app).await;
    // Let the background tick run past its first round.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(checkpoints(&app, office.branch_id).await.is_empty());
    let performance = format!("/api/v1/public/branches/{}/performance", office.branch_id);
    let (s, perf) = app
        .send(reqwest::Method::GET, None, &performance, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{perf}");
    assert_eq!(perf["audit_checkpoint"], Value::Null, "{perf}");
    let (s, body) = app
        .send(reqwest::Method::GET, None, "/api/v1/public/audit/key", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["public_key"], Value::Null, "{body}");
    let (_, doc) = app
        .send(reqwest::Method::GET, None, "/api/openapi.json", None)
        .await;
    for path in [
        "/api/v1/public/branches/{id}/audit/checkpoints",
        "/api/v1/public/audit/key",
    ] {
        assert!(
            doc["paths"][path]["get"].is_object(),
            "{path} is documented"
        );
    }
    let (s, body) = app
        .send(
            reqwest::Method::GET,
            None,
            "/api/v1/public/branches/999999/audit/checkpoints",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, body) = app
        .send(
            reqwest::Method::GET,
            None,
            &format!(
                "/api/v1/public/branches/{}/audit/checkpoints?limit=0",
                office.branch_id
            ),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    app.stop_server().await;
    let (ok, out) = verify(&db_url(&app), &[], &[]).await;
    assert!(ok, "{out}");
    assert!(out.contains("0 signed checkpoints"), "{out}");
    app.stop().await;
}

backend_tests!(
    signing_at_day_end_produces_a_verifiable_checkpoint,
    days_missed_while_down_are_signed_at_startup,
    a_consistent_rehash_is_caught_by_the_checkpoint,
    a_truncated_log_is_caught,
    a_forged_event_after_a_checkpoint_is_caught,
    only_the_day_end_expiry_may_change_a_signed_days_ticket,
    a_wiped_branch_is_caught,
    an_edited_tickets_row_is_caught_by_the_replay,
    a_forged_signature_is_caught,
    a_published_head_the_log_no_longer_has_is_caught,
    without_a_key_nothing_is_signed,
);

/// `waitwell serve` with a key file that is missing or not a key stops at
/// once and names the file and the setting.
#[tokio::test]
async fn a_bad_key_file_stops_startup_naming_it() {
    let (path, _) = key_file();
    let garbage = path.with_file_name("garbage.pem");
    std::fs::write(&garbage, "-----BEGIN PRIVATE KEY-----\nnope\n").unwrap();
    let missing = path.with_file_name("missing.pem");
    for file in [&garbage, &missing] {
        let out = run(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "sqlite::memory:",
        ])
        .env("WAITWELL_AUDIT_KEY_FILE", file)
        .output()
        .await
        .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(file.to_str().unwrap()), "{err}");
        assert!(err.contains("WAITWELL_AUDIT_KEY_FILE"), "{err}");
    }
}

/// `waitwell audit keygen` writes a private (0600) key that the server
/// reads, and never overwrites one.
#[tokio::test]
async fn keygen_writes_a_private_key_once() {
    let (path, _) = key_file();
    let out_path = path.with_file_name("new.pem");
    let out = run(&["audit", "keygen", "--out", out_path.to_str().unwrap()])
        // Naming the file about to be written must not stop keygen.
        .env("WAITWELL_AUDIT_KEY_FILE", &out_path)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let key = AuditKey::load(&out_path).unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&key.public_hex()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&out_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = run(&["audit", "keygen", "--out", out_path.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert!(!again.status.success());
    assert_eq!(
        AuditKey::load(&out_path).unwrap().public_hex(),
        key.public_hex()
    );
}

fn run(args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_waitwell"));
    cmd.args(args)
        .env("WAITWELL_LOG", "warn")
        .env_remove("WAITWELL_AUDIT_KEY_FILE")
        .env_remove("WAITWELL_CONFIG")
        .env_remove("WAITWELL_DATABASE_URL");
    cmd
}
