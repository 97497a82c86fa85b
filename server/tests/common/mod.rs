//! Test harness: a real server on 127.0.0.1 port 0 over a fresh database
//! (a new SQLite file, or a new PostgreSQL database when
//! `WAITWELL_TEST_POSTGRES_URL` is set), an HTTP client, and fixtures.
//!
//! `backend_tests!(a, b)` turns `async fn a(backend: Backend)` into one test
//! per backend, so every behaviour is checked on SQLite and PostgreSQL.

#![allow(dead_code, unreachable_pub)]

use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use waitwell_server::app::AppState;
use waitwell_server::config::Config;

/// Password of the admin every test server starts with.
pub const ADMIN_PASSWORD: &str = "admin-password-1";
/// Password of the fixture users.
pub const PASSWORD: &str = "fixture-password";

/// Which database a test runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// PostgreSQL, for a test that runs only where it is configured.
    ///
    /// # Panics
    /// When `WAITWELL_TEST_POSTGRES_URL` was set at build time but is not now.
    pub fn require_postgres() -> Backend {
        Backend::postgres().expect(
            "WAITWELL_TEST_POSTGRES_URL was set when the tests were built but is not set now",
        )
    }

    /// PostgreSQL when `WAITWELL_TEST_POSTGRES_URL` is set.
    pub fn postgres() -> Option<Backend> {
        std::env::var("WAITWELL_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .map(Backend::Postgres)
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    format!(
        "ww_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand_suffix()
    )
}

fn rand_suffix() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos();
    nanos % 100_000
}

/// Replaces the database name of a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// A fresh, empty database for one test.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub async fn create(backend: &Backend) -> TestDb {
        let name = unique_name();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}", dir.join("waitwell.db").display());
                TestDb {
                    url,
                    cleanup: Cleanup::Dir(dir),
                }
            }
            Backend::Postgres(admin_url) => {
                use sqlx::Connection as _;
                let mut conn = sqlx::PgConnection::connect(admin_url)
                    .await
                    .expect("WAITWELL_TEST_POSTGRES_URL is set but PostgreSQL is unreachable");
                sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.ok();
                TestDb {
                    url: with_database(admin_url, &name),
                    cleanup: Cleanup::Postgres {
                        admin_url: admin_url.clone(),
                        name,
                    },
                }
            }
        }
    }

    pub async fn drop_db(self) {
        match self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                use sqlx::Connection as _;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "drop database if exists {name} with (force)"
                    )))
                    .execute(&mut conn)
                    .await;
                    conn.close().await.ok();
                }
            }
        }
    }
}

/// A running server.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub db: Option<TestDb>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        let db = TestDb::create(&backend).await;
        let mut config = Config::for_tests(&db.url);
        config.admin_password = Some(ADMIN_PASSWORD.into());
        TestApp::spawn_with(config, Some(db)).await
    }

    /// A server on a fresh database with the admin, its settings adjusted
    /// by `tune` (lower limits, a metrics token, …).
    pub async fn spawn_tuned(backend: Backend, tune: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::create(&backend).await;
        let mut config = Config::for_tests(&db.url);
        config.admin_password = Some(ADMIN_PASSWORD.into());
        tune(&mut config);
        TestApp::spawn_with(config, Some(db)).await
    }

    /// A server over an existing database (e.g. a second instance).
    pub async fn spawn_with(config: Config, db: Option<TestDb>) -> TestApp {
        let state = waitwell_server::prepare(config)
            .await
            .expect("server prepares");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(waitwell_server::run(state.clone(), listener, async move {
            let _ = rx.await;
        }));
        TestApp {
            base,
            client: reqwest::Client::new(),
            state,
            db,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// Stops the server and drops its database.
    pub async fn stop(mut self) {
        self.stop_server().await;
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
    }

    /// Stops the server, keeping the database.
    pub async fn stop_server(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request; returns status and JSON body (Null when empty).
    pub async fn send(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, Some(token), path, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, Some(token), path, Some(body)).await
    }

    pub async fn post_empty(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.send(Method::POST, Some(token), path, None).await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PATCH, Some(token), path, Some(body))
            .await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PUT, Some(token), path, Some(body)).await
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let (status, body) = self
            .send(
                Method::POST,
                None,
                "/api/v1/auth/login",
                Some(json!({ "username": username, "password": password })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn admin(&self) -> String {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// A branch with services A, B, C; desks "Desk 1".."Desk n_desks" each
    /// serving every service with weight 1; a manager, `n_desks` clerks, a
    /// kiosk and a display.
    pub async fn office(&self, n_desks: usize) -> Office {
        let admin = self.admin().await;
        let (s, branch) = self
            .post(&admin, "/api/v1/branches", json!({ "name": "Test Office", "timezone": "Europe/Warsaw", "languages": ["en", "pl", "da"] }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{branch}");
        let branch_id = branch["id"].as_i64().unwrap();
        let mut services = Vec::new();
        for (code, name) in [("A", "Passports"), ("B", "ID cards"), ("C", "Licences")] {
            let (s, svc) = self
                .post(
                    &admin,
                    &format!("/api/v1/branches/{branch_id}/services"),
                    json!({ "code": code, "name": name }),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{svc}");
            services.push(svc["id"].as_i64().unwrap());
        }
        let (s, m) = self
            .post(&admin, &format!("/api/v1/branches/{branch_id}/users"), json!({ "username": format!("manager{branch_id}"), "password": PASSWORD, "role": "manager" }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        let manager = self.login(&format!("manager{branch_id}"), PASSWORD).await;
        let mut desks = Vec::new();
        let mut clerks = Vec::new();
        for i in 1..=n_desks {
            let (s, d) = self
                .post(
                    &manager,
                    &format!("/api/v1/branches/{branch_id}/desks"),
                    json!({ "name": format!("Desk {i}") }),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{d}");
            let desk_id = d["id"].as_i64().unwrap();
            let allocation: Vec<Value> = services
                .iter()
                .map(|s| json!({ "service_id": s, "weight": 1 }))
                .collect();
            let (s, a) = self
                .put(
                    &manager,
                    &format!("/api/v1/desks/{desk_id}/services"),
                    Value::Array(allocation),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{a}");
            let username = format!("clerk{branch_id}_{i}");
            let (s, c) = self
                .post(
                    &manager,
                    &format!("/api/v1/branches/{branch_id}/users"),
                    json!({ "username": username, "password": PASSWORD, "role": "clerk" }),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{c}");
            clerks.push(self.login(&username, PASSWORD).await);
            desks.push(desk_id);
        }
        let (s, k) = self
            .post(
                &manager,
                &format!("/api/v1/branches/{branch_id}/devices"),
                json!({ "kind": "kiosk", "name": "Kiosk" }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{k}");
        let (s, d) = self
            .post(
                &manager,
                &format!("/api/v1/branches/{branch_id}/devices"),
                json!({ "kind": "display", "name": "TV" }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        Office {
            branch_id,
            services,
            desks,
            admin,
            manager,
            clerks,
            kiosk: k["token"].as_str().unwrap().to_owned(),
            display: d["token"].as_str().unwrap().to_owned(),
        }
    }

    /// Issues a ticket from the kiosk; panics unless 201.
    pub async fn issue(&self, office: &Office, service_id: i64, priority: &str) -> Value {
        let (s, t) = self
            .post(
                &office.kiosk,
                &format!("/api/v1/branches/{}/tickets", office.branch_id),
                json!({ "service_id": service_id, "priority": priority }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        t
    }

    /// Opens desk `i` as its clerk.
    pub async fn open_desk(&self, office: &Office, i: usize) {
        let (s, d) = self
            .post_empty(
                &office.clerks[i],
                &format!("/api/v1/desks/{}/open", office.desks[i]),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
    }

    /// Every event row of a branch's log as (seq, type).
    pub async fn event_types(&self, branch_id: i64) -> Vec<(i64, String)> {
        use waitwell_server::store::{Exec as _, q, read};
        let db = &self.state.db;
        let rows: Result<Vec<(i64, String)>, waitwell_server::error::AppError> = async {
            read!(db, |c| c
                .all(
                    q("select seq, type from events where branch_id = $1 order by seq")
                        .bind(branch_id)
                )
                .await
                .map_err(waitwell_server::error::AppError::from))
        }
        .await;
        rows.unwrap()
    }
}

/// Helpers added for the API tests.
impl TestApp {
    /// Opens every day around the clock for bookings of the office's first
    /// service with no walk-in share, books the first slot of the last
    /// bookable day (with the `extra` fields, e.g. contact details) and
    /// returns the confirmation code.
    pub async fn book_any(&self, office: &Office, extra: Value) -> String {
        let day = json!([["00:00", "23:59"]]);
        let hours = json!({ "mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day });
        let b = office.branch_id;
        let (s, r) = self
            .patch(
                &office.manager,
                &format!("/api/v1/branches/{b}"),
                json!({ "appointments": { "opening_hours": hours } }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let a = office.services[0];
        let (s, r) = self
            .patch(
                &office.manager,
                &format!("/api/v1/services/{a}"),
                json!({ "appointments_enabled": true, "walk_in_share": 0 }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let (_, info) = self
            .send(
                Method::GET,
                None,
                &format!("/api/v1/public/branches/{b}/booking"),
                None,
            )
            .await;
        let day = info["last_day"].as_str().unwrap();
        let (s, slots) = self
            .send(
                Method::GET,
                None,
                &format!("/api/v1/public/branches/{b}/slots?service_id={a}&day={day}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{slots}");
        let mut body = json!({ "service_id": a, "start": slots[0]["start"] });
        if let (Some(map), Value::Object(extra)) = (body.as_object_mut(), extra) {
            map.extend(extra);
        }
        let (s, booked) = self
            .send(
                Method::POST,
                None,
                &format!("/api/v1/public/branches/{b}/appointments"),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{booked}");
        booked["code"].as_str().unwrap().to_owned()
    }
    /// Sends a request with extra headers and a raw body (content type,
    /// bytes); returns status, response headers and the body text.
    pub async fn send_raw(
        &self,
        method: Method,
        token: Option<&str>,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some((content_type, bytes)) = body {
            if !content_type.is_empty() {
                req = req.header(reqwest::header::CONTENT_TYPE, content_type);
            }
            req = req.body(bytes);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        (status, headers, text)
    }

    /// Issues a ticket from the kiosk with an `Idempotency-Key`.
    pub async fn issue_keyed(
        &self,
        office: &Office,
        body: Value,
        key: &str,
    ) -> (StatusCode, Value) {
        let (s, _, text) = self
            .send_raw(
                Method::POST,
                Some(&office.kiosk),
                &format!("/api/v1/branches/{}/tickets", office.branch_id),
                &[("Idempotency-Key", key)],
                Some(("application/json", body.to_string().into_bytes())),
            )
            .await;
        (
            s,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Number of events in a branch's log.
    pub async fn event_count(&self, branch_id: i64) -> usize {
        self.event_types(branch_id).await.len()
    }

    /// Recomputes a branch's hash chain.
    pub async fn verify_chain(&self, branch_id: i64) -> waitwell_server::events::ChainReport {
        use waitwell_server::store::read;
        let db = &self.state.db;
        let report: Result<waitwell_server::events::ChainReport, waitwell_server::error::AppError> =
            async { read!(db, |c| waitwell_server::events::verify(c, branch_id).await) }.await;
        report.unwrap()
    }

    /// The user id behind a session token.
    pub async fn user_id(&self, token: &str) -> i64 {
        let (s, me) = self.get(token, "/api/v1/auth/me").await;
        assert_eq!(s, StatusCode::OK, "{me}");
        me["user"]["id"].as_i64().unwrap()
    }
}

/// Asserts the standard error body `{"error": code, "message": text}`,
/// with at most a string `reason` beside them.
pub fn assert_error(body: &Value, code: &str) {
    let map = body
        .as_object()
        .unwrap_or_else(|| panic!("error body is not an object: {body}"));
    let reason = usize::from(map.get("reason").is_some_and(Value::is_string));
    assert_eq!(map.len(), 2 + reason, "error body has other fields: {body}");
    assert_eq!(
        map.get("error").and_then(Value::as_str),
        Some(code),
        "{body}"
    );
    let message = map
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(!message.is_empty(), "error message is empty: {body}");
}

/// Fixture office.
pub struct Office {
    pub branch_id: i64,
    pub services: Vec<i64>,
    pub desks: Vec<i64>,
    pub admin: String,
    pub manager: String,
    pub clerks: Vec<String>,
    pub kiosk: String,
    pub display: String,
}

/// One `#[tokio::test]` per backend for each named `async fn(Backend)`.
/// The PostgreSQL tests are reported as ignored when
/// `WAITWELL_TEST_POSTGRES_URL` was unset at build time (`build.rs`); CI
/// always sets it.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(
                    not(postgres_tests),
                    ignore = "WAITWELL_TEST_POSTGRES_URL was not set when the tests were built"
                )]
                async fn $name() {
                    super::$name($crate::common::Backend::require_postgres()).await;
                }
            )*
        }
    };
}
