//! End-to-end test helpers: build and start the real `waitwell` binary on a
//! free loopback port over a scratch database, talk to it over HTTP, and
//! kill it (gracefully or with SIGKILL); the same for the `waitwell-kiosk`
//! agent, and a network printer stand-in ([`printer`]).

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

pub mod printer;

/// Password of the admin each scratch server starts with.
pub const ADMIN_PASSWORD: &str = "e2e-admin-password";

/// Path of the `waitwell` binary, built once per test process.
///
/// # Panics
/// If the build fails.
pub fn binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| build_binary(false)).clone()
}

/// Builds `waitwell` (release or debug) and returns its path.
///
/// # Panics
/// If the build fails.
pub fn build_binary(release: bool) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args = vec!["build", "-q", "-p", "waitwell-server", "--bin", "waitwell"];
    if release {
        args.push("--release");
    }
    let status = std::process::Command::new(env!("CARGO"))
        .args(&args)
        .current_dir(&root)
        .status()
        .expect("running cargo build");
    assert!(status.success(), "building waitwell failed");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    target
        .join(if release { "release" } else { "debug" })
        .join("waitwell")
}

/// Path of the `waitwell-kiosk` binary, built once per test process.
///
/// # Panics
/// If the build fails.
pub fn kiosk_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "-q",
                "-p",
                "waitwell-kiosk",
                "--bin",
                "waitwell-kiosk",
            ])
            .current_dir(&root)
            .status()
            .expect("running cargo build");
        assert!(status.success(), "building waitwell-kiosk failed");
        std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root.join("target"), PathBuf::from)
            .join("debug")
            .join("waitwell-kiosk")
    })
    .clone()
}

/// A running `waitwell-kiosk` process.
pub struct KioskProcess {
    child: Child,
}

impl KioskProcess {
    /// Starts the agent with a configuration file.
    ///
    /// # Errors
    /// If the process cannot be started.
    pub fn start(config: &std::path::Path) -> anyhow::Result<KioskProcess> {
        let child = Command::new(kiosk_binary())
            .arg("--config")
            .arg(config)
            .env("WAITWELL_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting waitwell-kiosk")?;
        Ok(KioskProcess { child })
    }

    /// SIGKILL: no chance to save anything.
    pub async fn kill9(mut self) {
        let _ = self.child.kill().await;
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A scratch database: a SQLite file in a fresh directory, or a new
/// PostgreSQL database on the server named by `WAITWELL_TEST_POSTGRES_URL`.
pub struct ScratchDb {
    /// URL for `WAITWELL_DATABASE_URL`.
    pub url: String,
    dir: Option<PathBuf>,
    pg: Option<(String, String)>,
}

impl ScratchDb {
    /// A new SQLite database.
    pub fn sqlite() -> ScratchDb {
        let dir = std::env::temp_dir().join(format!(
            "waitwell-e2e-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        ScratchDb {
            url: format!("sqlite://{}", dir.join("waitwell.db").display()),
            dir: Some(dir),
            pg: None,
        }
    }

    /// A new PostgreSQL database, or `None` when `WAITWELL_TEST_POSTGRES_URL`
    /// is unset.
    ///
    /// # Errors
    /// PostgreSQL unreachable.
    pub async fn postgres() -> anyhow::Result<Option<ScratchDb>> {
        match std::env::var("WAITWELL_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin) => ScratchDb::postgres_at(&admin).await.map(Some),
            None => Ok(None),
        }
    }

    /// A new database on the PostgreSQL server of `admin` (a URL whose user
    /// may create databases).
    ///
    /// # Errors
    /// PostgreSQL unreachable.
    pub async fn postgres_at(admin: &str) -> anyhow::Result<ScratchDb> {
        let admin = admin.to_owned();
        use sqlx::Connection as _;
        let name = format!(
            "ww_e2e_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .context("connecting to PostgreSQL")?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "drop database if exists {name} with (force)"
        )))
        .execute(&mut conn)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&mut conn)
            .await?;
        conn.close().await.ok();
        let url = with_database(&admin, &name);
        Ok(ScratchDb {
            url,
            dir: None,
            pg: Some((admin, name)),
        })
    }

    /// Removes the database.
    pub async fn remove(self) {
        if let Some(dir) = self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = self.pg {
            use sqlx::Connection as _;
            if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "drop database if exists {name} with (force)"
                )))
                .execute(&mut conn)
                .await;
            }
        }
    }
}

/// Replaces the database name in a PostgreSQL URL, keeping any query.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let root = base[host_start..]
        .find('/')
        .map_or(base, |i| &base[..host_start + i]);
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// A running `waitwell serve`.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    child: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Server {
    /// Starts `waitwell serve` over `db_url` with extra arguments and waits
    /// until `/healthz` answers.
    ///
    /// # Errors
    /// If the server does not become healthy within 30 s.
    pub async fn start(db_url: &str, extra: &[&str]) -> anyhow::Result<Server> {
        Server::start_binary(&binary(), db_url, extra).await
    }

    /// Like [`Server::start`] with a given binary.
    ///
    /// # Errors
    /// If the server does not become healthy within 30 s.
    pub async fn start_binary(
        bin: &std::path::Path,
        db_url: &str,
        extra: &[&str],
    ) -> anyhow::Result<Server> {
        Server::start_with(bin, db_url, extra, &[], None).await
    }

    /// Like [`Server::start_binary`] with extra environment variables and,
    /// when `open_files` is given, that limit on open files (soft and hard,
    /// through util-linux `prlimit`), as on a host with the common 1,024.
    ///
    /// # Errors
    /// If the server does not become healthy within 30 s.
    pub async fn start_with(
        bin: &std::path::Path,
        db_url: &str,
        extra: &[&str],
        env: &[(&str, &str)],
        open_files: Option<u64>,
    ) -> anyhow::Result<Server> {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut command = match open_files {
            Some(n) => {
                let mut c = Command::new("prlimit");
                c.arg(format!("--nofile={n}:{n}")).arg("--").arg(bin);
                c
            }
            None => Command::new(bin),
        };
        let child = command
            .envs(env.iter().copied())
            .arg("serve")
            .args(extra)
            .env("WAITWELL_LISTEN", format!("127.0.0.1:{port}"))
            .env("WAITWELL_DATABASE_URL", db_url)
            .env("WAITWELL_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("WAITWELL_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting waitwell")?;
        let server = Server { base, child };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = client.get(format!("{}/healthz", server.base)).send().await
                && r.status() == StatusCode::OK
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("waitwell did not become healthy at {}", server.base)
    }

    /// The server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The server's resident memory in KiB (Linux), from /proc.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// CPU time the server has used so far (user + system), in milliseconds
    /// (Linux, from /proc; resolution one clock tick).
    pub fn cpu_ms(&self) -> Option<f64> {
        cpu_ms_of(&format!("/proc/{}/stat", self.pid()?))
    }

    /// Takes the server's standard output (once).
    pub fn stdout(&mut self) -> Option<tokio::process::ChildStdout> {
        self.child.stdout.take()
    }

    /// SIGKILL: no chance to flush or clean up.
    pub async fn kill9(mut self) {
        let _ = self.child.kill().await;
    }

    /// SIGTERM and wait for a clean exit; returns whether it exited 0.
    ///
    /// # Errors
    /// If it does not exit within 15 s.
    pub async fn terminate(mut self) -> anyhow::Result<bool> {
        if let Some(pid) = self.child.id() {
            std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()?;
        }
        let status = tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .context("waitwell did not stop after SIGTERM")??;
        Ok(status.success())
    }
}

/// A small JSON client.
#[derive(Clone)]
pub struct Api {
    /// Base URL.
    pub base: String,
    /// HTTP client (keep-alive).
    pub client: reqwest::Client,
}

impl Api {
    /// Client for `base`.
    pub fn new(base: &str) -> Api {
        Api {
            base: base.to_owned(),
            client: reqwest::Client::new(),
        }
    }

    /// Sends a request and returns status and JSON body (Null if empty).
    ///
    /// # Errors
    /// Transport errors (e.g. the server was killed).
    pub async fn send(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        Ok((
            status,
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            },
        ))
    }

    /// POST expecting `expected`; returns the body.
    ///
    /// # Errors
    /// Transport errors or another status.
    pub async fn post_ok(
        &self,
        token: &str,
        path: &str,
        body: Value,
        expected: StatusCode,
    ) -> anyhow::Result<Value> {
        let (s, v) = self
            .send(reqwest::Method::POST, Some(token), path, Some(&body))
            .await?;
        if s != expected {
            bail!("POST {path}: expected {expected}, got {s}: {v}");
        }
        Ok(v)
    }

    /// Signs in and returns the token.
    ///
    /// # Errors
    /// Wrong credentials.
    pub async fn login(&self, username: &str, password: &str) -> anyhow::Result<String> {
        let (s, v) = self
            .send(
                reqwest::Method::POST,
                None,
                "/api/v1/auth/login",
                Some(&json!({ "username": username, "password": password })),
            )
            .await?;
        if s != StatusCode::OK {
            bail!("login {username}: {s} {v}");
        }
        Ok(v["token"].as_str().unwrap_or_default().to_owned())
    }
}

/// A branch with one service per code, `desks` desks serving all of them,
/// one clerk per desk, and a kiosk.
pub struct Office {
    /// Branch id.
    pub branch: i64,
    /// Service ids.
    pub services: Vec<i64>,
    /// Desk ids.
    pub desks: Vec<i64>,
    /// One clerk token per desk.
    pub clerks: Vec<String>,
    /// Kiosk token.
    pub kiosk: String,
    /// Admin token.
    pub admin: String,
}

/// Creates an [`Office`] through the API.
///
/// # Errors
/// Any API failure.
pub async fn office(api: &Api, codes: &[&str], desks: usize) -> anyhow::Result<Office> {
    let admin = api.login("admin", ADMIN_PASSWORD).await?;
    office_as(api, admin, codes, desks).await
}

/// [`office`] with an admin token already signed in: for creating many
/// offices, more than the sign-in limit lets one address sign in for.
///
/// # Errors
/// Any API failure.
pub async fn office_as(
    api: &Api,
    admin: String,
    codes: &[&str],
    desks: usize,
) -> anyhow::Result<Office> {
    let branch = api
        .post_ok(
            &admin,
            "/api/v1/branches",
            json!({ "name": "E2E Office", "timezone": "Europe/Oslo" }),
            StatusCode::CREATED,
        )
        .await?;
    let branch = branch["id"].as_i64().context("branch id")?;
    let mut services = Vec::new();
    for code in codes {
        let s = api
            .post_ok(
                &admin,
                &format!("/api/v1/branches/{branch}/services"),
                json!({ "code": code, "name": format!("Service {code}") }),
                StatusCode::CREATED,
            )
            .await?;
        services.push(s["id"].as_i64().context("service id")?);
    }
    let mut desk_ids = Vec::new();
    let mut clerks = Vec::new();
    for i in 0..desks {
        let d = api
            .post_ok(
                &admin,
                &format!("/api/v1/branches/{branch}/desks"),
                json!({ "name": format!("Desk {}", i + 1) }),
                StatusCode::CREATED,
            )
            .await?;
        let id = d["id"].as_i64().context("desk id")?;
        let alloc: Vec<Value> = services
            .iter()
            .map(|s| json!({ "service_id": s, "weight": 1 }))
            .collect();
        let (s, v) = api
            .send(
                reqwest::Method::PUT,
                Some(&admin),
                &format!("/api/v1/desks/{id}/services"),
                Some(&Value::Array(alloc)),
            )
            .await?;
        if s != StatusCode::OK {
            bail!("allocation: {s} {v}");
        }
        let name = format!("clerk{}", i + 1);
        api.post_ok(
            &admin,
            &format!("/api/v1/branches/{branch}/users"),
            json!({ "username": name, "password": "clerk-password", "role": "clerk" }),
            StatusCode::CREATED,
        )
        .await?;
        clerks.push(api.login(&name, "clerk-password").await?);
        desk_ids.push(id);
    }
    let kiosk = api
        .post_ok(
            &admin,
            &format!("/api/v1/branches/{branch}/devices"),
            json!({ "kind": "kiosk", "name": "Kiosk" }),
            StatusCode::CREATED,
        )
        .await?;
    Ok(Office {
        branch,
        services,
        desks: desk_ids,
        clerks,
        kiosk: kiosk["token"].as_str().unwrap_or_default().to_owned(),
        admin,
    })
}

/// Registers a display device in the office's branch and returns its token.
///
/// # Errors
/// Transport errors or a refused request.
pub async fn display_token(api: &Api, office: &Office) -> anyhow::Result<String> {
    let device = api
        .post_ok(
            &office.admin,
            &format!("/api/v1/branches/{}/devices", office.branch),
            json!({ "kind": "display", "name": "TV" }),
            StatusCode::CREATED,
        )
        .await?;
    device["token"]
        .as_str()
        .map(str::to_owned)
        .context("display token")
}

/// Runs `waitwell audit verify` on a database; returns (success, stdout).
///
/// # Errors
/// If the command cannot run.
pub async fn audit_verify(db_url: &str) -> anyhow::Result<(bool, String)> {
    let out = Command::new(binary())
        .args(["audit", "verify"])
        .env("WAITWELL_DATABASE_URL", db_url)
        .env("WAITWELL_LOG", "warn")
        .output()
        .await?;
    Ok((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

/// CPU time (user + system) of the process whose `/proc/…/stat` is at
/// `path`, in milliseconds. Linux reports it in clock ticks, 100 per second
/// on every mainstream configuration.
pub fn cpu_ms_of(path: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 * 10.0)
}

/// A PostgreSQL server of the test's own (initdb + pg_ctl in a temporary
/// directory, on a free loopback port), for tests that stop and restart the
/// database. Needs the PostgreSQL server binaries and root (the server runs
/// as user `postgres`); [`OwnPostgres::start`] returns `None` without them.
pub struct OwnPostgres {
    /// Data directory (also holds the log and the Unix socket).
    dir: PathBuf,
    /// Loopback port.
    pub port: u16,
}

/// Where the PostgreSQL server binaries live (Debian layout), overridable
/// with `WAITWELL_TEST_PG_BIN`.
fn pg_bin(name: &str) -> PathBuf {
    let dir = std::env::var_os("WAITWELL_TEST_PG_BIN").map_or_else(
        || PathBuf::from("/usr/lib/postgresql/15/bin"),
        PathBuf::from,
    );
    dir.join(name)
}

fn as_postgres(program: &std::path::Path, args: &[&str]) -> anyhow::Result<()> {
    let out = std::process::Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", program.display()))?;
    if !out.status.success() {
        bail!(
            "{} {args:?}: {}{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

impl OwnPostgres {
    /// Creates and starts a fresh cluster, or `None` when the binaries or
    /// the `postgres` user are missing.
    ///
    /// # Errors
    /// initdb or the start failed.
    pub async fn start() -> anyhow::Result<Option<OwnPostgres>> {
        let running_as_root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if !pg_bin("initdb").exists() || !running_as_root {
            return Ok(None);
        }
        let dir = std::env::temp_dir().join(format!(
            "waitwell-pg-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let status = std::process::Command::new("chown")
            .args(["postgres:", &dir.display().to_string()])
            .status()?;
        if !status.success() {
            bail!("chown {}", dir.display());
        }
        let data = dir.join("data");
        let data_text = data.display().to_string();
        let initdb = pg_bin("initdb");
        tokio::task::spawn_blocking(move || {
            as_postgres(
                &initdb,
                &[
                    "-D", &data_text, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                ],
            )
        })
        .await??;
        let pg = OwnPostgres {
            dir,
            port: free_port(),
        };
        pg.start_again().await?;
        Ok(Some(pg))
    }

    /// URL of a database on this server.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn pg_ctl(&self, args: &[&str]) -> anyhow::Result<()> {
        let data = self.dir.join("data").display().to_string();
        let mut all = vec!["-D", data.as_str()];
        all.extend_from_slice(args);
        as_postgres(&pg_bin("pg_ctl"), &all)
    }

    /// Starts the (stopped) server and waits until it accepts connections.
    ///
    /// # Errors
    /// It did not start.
    pub async fn start_again(&self) -> anyhow::Result<()> {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=200",
            self.port,
            self.dir.join("data").display()
        );
        let log = self
            .dir
            .join("data")
            .join("server.log")
            .display()
            .to_string();
        let this = (options, log);
        let data = self.dir.join("data").display().to_string();
        tokio::task::spawn_blocking(move || {
            as_postgres(
                &pg_bin("pg_ctl"),
                &["-D", &data, "-o", &this.0, "-l", &this.1, "-w", "start"],
            )
        })
        .await?
    }

    /// Stops the server at once, like a crash (`pg_ctl stop -m immediate`).
    ///
    /// # Errors
    /// pg_ctl failed.
    pub fn stop_immediate(&self) -> anyhow::Result<()> {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"])
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
