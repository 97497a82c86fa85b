//! `bench`: Waitwell's benchmark. Starts its own release-built server on
//! 127.0.0.1 over a fresh database (SQLite by default, PostgreSQL with
//! `--database-url`), runs bounded loads, and prints a table and a JSON file.
//!
//! ```sh
//! cargo run --release -p e2e --bin bench              # full run
//! cargo run --release -p e2e --bin bench -- --quick   # small sizes, ~30 s
//! cargo run --release -p e2e --bin bench -- --live-only  # call → live clients only
//! ```
//!
//! Every load is bounded in count and time and stops by itself; all
//! traffic goes to 127.0.0.1.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use e2e::{Api, ScratchDb, Server};
use futures_util::StreamExt as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Every bench client connects from 127.0.0.1: lift the per-address
/// connection cap (256 by default) above the 1,000 live clients. An
/// environment variable, which older builds being compared ignore.
const SERVER_ENV: &[(&str, &str)] = &[("WAITWELL_MAX_CONNECTIONS_PER_ADDRESS", "100000")];

#[derive(Debug, Parser)]
#[command(about = "Benchmarks a fresh waitwell server on 127.0.0.1")]
struct Args {
    /// Database URL; default: a new SQLite file. A postgres:// URL must name
    /// a server where the user may create databases: a scratch database is
    /// created next to the one named.
    #[arg(long)]
    database_url: Option<String>,
    /// Small sizes for a quick look (and for CI).
    #[arg(long)]
    quick: bool,
    /// Live clients for the call → client latency.
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Seconds per issuance load.
    #[arg(long, default_value_t = 3)]
    seconds: u64,
    /// Skip the growth runs (100,000 waiting, 1,000,000 history).
    #[arg(long)]
    skip_growth: bool,
    /// Only the issuance loads, e.g. to compare two builds (with
    /// `--server-bin`) run after run.
    #[arg(long, conflicts_with = "live_only")]
    issuance_only: bool,
    /// Only the call → live clients run, e.g. to compare two builds.
    #[arg(long)]
    live_only: bool,
    /// Only the read ratios against `/healthz`.
    #[arg(long, conflicts_with_all = ["live_only", "issuance_only"])]
    reads_only: bool,
    /// Open visitors' ticket pages (server-sent event streams) for the
    /// call → page latency.
    #[arg(long, default_value_t = 10_000)]
    pages: usize,
    /// With a PostgreSQL `--database-url`: issuing across this many
    /// branches on one server instance, then on two over the same
    /// database (and nothing else).
    #[arg(long)]
    branches: Option<usize>,
    /// Only the call → open ticket pages run.
    #[arg(long, conflicts_with_all = ["live_only", "issuance_only", "reads_only"])]
    pages_only: bool,
    /// Where to write the JSON results.
    #[arg(long, default_value = "bench.json")]
    out: String,
    /// Use the debug build of the server (faster to build, slower to run).
    #[arg(long)]
    debug: bool,
    /// Benchmark this server binary instead of building one, e.g. to
    /// compare two builds on the same machine minutes apart.
    #[arg(long)]
    server_bin: Option<std::path::PathBuf>,
}

/// Latency summary in milliseconds.
fn summary(mut v: Vec<f64>) -> (f64, f64, f64) {
    if v.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    v.sort_by(f64::total_cmp);
    let pick = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    (pick(0.5), pick(0.99), v[v.len() - 1])
}

struct Row {
    name: String,
    count: usize,
    per_s: Option<f64>,
    p50: f64,
    p99: f64,
    max: f64,
    note: String,
}

impl Row {
    fn json(&self) -> Value {
        json!({ "name": self.name, "count": self.count, "per_s": self.per_s, "p50_ms": self.p50, "p99_ms": self.p99, "max_ms": self.max, "note": self.note })
    }
}

async fn issuance(
    server: &Server,
    api: &Api,
    office: &e2e::Office,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<Row> {
    let bench_cpu_before = e2e::cpu_ms_of("/proc/self/stat").unwrap_or(0.0);
    // One client (one keep-alive connection) per task, each going round
    // the services from its own starting point.
    let requests: Vec<Request> = office
        .services
        .iter()
        .map(|s| Request::issue(office.branch, &office.kiosk, *s))
        .collect();
    let (count, per_s, server_us, latencies) =
        timed_loop(server, &api.base, clients, seconds, &requests).await?;
    // CPU per ticket, less noisy than throughput on a shared machine.
    let bench_cpu_ms = e2e::cpu_ms_of("/proc/self/stat").unwrap_or(0.0) - bench_cpu_before;
    let (p50, p99, max) = summary(latencies);
    Ok(Row {
        name: format!("issue ticket, {clients} clients"),
        count,
        per_s: Some(per_s),
        p50,
        p99,
        max,
        note: format!(
            "CPU per ticket: server {server_us:.0} µs, clients {:.0} µs",
            bench_cpu_ms * 1000.0 / count.max(1) as f64
        ),
    })
}

async fn call_next(api: &Api, office: &e2e::Office) -> anyhow::Result<Row> {
    for (i, desk) in office.desks.iter().enumerate() {
        api.post_ok(
            &office.clerks[i],
            &format!("/api/v1/desks/{desk}/open"),
            json!({}),
            StatusCode::OK,
        )
        .await?;
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, desk) in office.desks.iter().copied().enumerate() {
        let api = Api::new(&api.base);
        let token = office.clerks[i].clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut called = Vec::new();
            let stop = Instant::now() + Duration::from_secs(30);
            while Instant::now() < stop {
                let t0 = Instant::now();
                let (s, t) = api
                    .send(
                        reqwest::Method::POST,
                        Some(&token),
                        &format!("/api/v1/desks/{desk}/call-next"),
                        None,
                    )
                    .await?;
                match s {
                    StatusCode::OK => {
                        lat.push(t0.elapsed().as_secs_f64() * 1000.0);
                        called.push(t["id"].as_i64().unwrap_or_default());
                        let (s, _) = api
                            .send(
                                reqwest::Method::POST,
                                Some(&token),
                                &format!("/api/v1/desks/{desk}/finish"),
                                None,
                            )
                            .await?;
                        if s != StatusCode::OK {
                            bail!("finish: {s}");
                        }
                    }
                    StatusCode::NO_CONTENT => break,
                    other => bail!("call-next: {other} {t}"),
                }
            }
            Ok::<_, anyhow::Error>((lat, called))
        }));
    }
    let mut lat = Vec::new();
    let mut called = Vec::new();
    for t in tasks {
        let (l, c) = t.await??;
        lat.extend(l);
        called.extend(c);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let distinct: HashSet<i64> = called.iter().copied().collect();
    let exactly_once = distinct.len() == called.len();
    if !exactly_once {
        bail!("a ticket was called twice");
    }
    let (p50, p99, max) = summary(lat);
    Ok(Row {
        name: format!("call-next + finish, {} desks", office.desks.len()),
        count: called.len(),
        per_s: Some(called.len() as f64 / elapsed),
        p50,
        p99,
        max,
        note: format!("every ticket called exactly once: {exactly_once}"),
    })
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn live(
    server: &Server,
    api: &Api,
    office: &e2e::Office,
    display: &str,
    clients: usize,
    calls: usize,
) -> anyhow::Result<(Row, Value)> {
    let idle_kib = server.rss_kib().unwrap_or(0);
    let url = format!(
        "{}/api/v1/branches/{}/live?token={display}",
        server.base.replacen("http", "ws", 1),
        office.branch
    );
    let mut sockets: Vec<Ws> = Vec::with_capacity(clients);
    for _ in 0..clients {
        // tungstenite's default 128 KiB read buffer is zeroed on every
        // read, which made the clients cost more CPU than the server they
        // measure; the server reads with 4 KiB too.
        let config = WebSocketConfig::default().read_buffer_size(4096);
        let (mut ws, _) =
            tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), false)
                .await
                .context("connecting a live client")?;
        // Wait for the snapshot.
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(_))) => break,
                Some(Ok(_)) => continue,
                other => bail!("no snapshot: {other:?}"),
            }
        }
        sockets.push(ws);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let connected_kib = server.rss_kib().unwrap_or(0);
    // Each client reads until it has seen `calls` ticket.called events and
    // reports when each arrived.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(i64, Instant)>();
    let messages = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut readers = Vec::new();
    for mut ws in sockets {
        let tx = tx.clone();
        let messages = messages.clone();
        readers.push(tokio::spawn(async move {
            let mut seen = 0;
            while seen < calls {
                match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) => {
                        let at = Instant::now();
                        messages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if t.contains("\"type\":\"ticket.called\"") {
                            let v: Value = serde_json::from_str(&t).unwrap_or_default();
                            let _ = tx.send((v["ticket_id"].as_i64().unwrap_or_default(), at));
                            seen += 1;
                        }
                    }
                    Ok(Some(Ok(_))) => {}
                    _ => break,
                }
            }
            ws
        }));
    }
    drop(tx);
    let server_cpu_before = server.cpu_ms().unwrap_or(0.0);
    let bench_cpu_before = e2e::cpu_ms_of("/proc/self/stat").unwrap_or(0.0);
    for _ in 0..calls {
        api.post_ok(
            &office.kiosk,
            &format!("/api/v1/branches/{}/tickets", office.branch),
            json!({ "service_id": office.services[0] }),
            StatusCode::CREATED,
        )
        .await?;
    }
    let desk = office.desks[0];
    let clerk = &office.clerks[0];
    let mut sent_at = std::collections::HashMap::new();
    let mut answered = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t0 = Instant::now();
        let t = api
            .post_ok(
                clerk,
                &format!("/api/v1/desks/{desk}/call-next"),
                json!({}),
                StatusCode::OK,
            )
            .await?;
        answered.push(t0.elapsed().as_secs_f64() * 1000.0);
        sent_at.insert(t["id"].as_i64().unwrap_or_default(), t0);
        // Let the call reach every client before the desk finishes: a clerk
        // serves a visitor for minutes, not microseconds, and a finish
        // fanned out at the same moment would be timed as part of the call.
        tokio::time::sleep(Duration::from_millis(100)).await;
        api.post_ok(
            clerk,
            &format!("/api/v1/desks/{desk}/finish"),
            json!({}),
            StatusCode::OK,
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut lat = Vec::new();
    let mut first = std::collections::HashMap::<i64, f64>::new();
    while let Some((id, at)) = rx.recv().await {
        if let Some(t0) = sent_at.get(&id) {
            let ms = at.duration_since(*t0).as_secs_f64() * 1000.0;
            lat.push(ms);
            let earliest = first.entry(id).or_insert(ms);
            *earliest = earliest.min(ms);
        }
    }
    // Where the time goes: the call's own write (answered), then the
    // fan-out from the first client to the last.
    let (answered_p50, answered_p99, _) = summary(answered);
    let (first_p50, _, _) = summary(first.into_values().collect());
    let mut sockets = Vec::new();
    for r in readers {
        sockets.push(r.await?);
    }
    // CPU per delivered message on each side: with every client on this
    // machine, the last client of a call cannot hear it before roughly
    // clients × (server + client cost) / cores.
    let server_cpu_ms = server.cpu_ms().unwrap_or(0.0) - server_cpu_before;
    let bench_cpu_ms = e2e::cpu_ms_of("/proc/self/stat").unwrap_or(0.0) - bench_cpu_before;
    let expected = clients * calls;
    let received = lat.len();
    if received != expected {
        // The stream promises every event to every client, lagging or not.
        bail!("live clients heard {received} of {expected} calls");
    }
    drop(sockets);
    let (p50, p99, max) = summary(lat);
    let per_conn_kib = connected_kib.saturating_sub(idle_kib) as f64 / clients as f64;
    let messages = messages.load(std::sync::atomic::Ordering::Relaxed).max(1) as f64;
    let server_us = server_cpu_ms * 1000.0 / messages;
    let bench_us = bench_cpu_ms * 1000.0 / messages;
    let memory = json!({ "rss_idle_kib": idle_kib, "rss_with_clients_kib": connected_kib, "per_connection_kib": per_conn_kib, "clients": clients,
                         "server_cpu_us_per_message": server_us, "client_cpu_us_per_message": bench_us,
                         "call_answered_p50_ms": answered_p50, "call_answered_p99_ms": answered_p99, "first_client_p50_ms": first_p50 });
    Ok((
        Row {
            name: format!("call → {clients} live clients"),
            count: received,
            per_s: None,
            p50,
            p99,
            max,
            note: format!(
                "{received}/{expected} deliveries; call-next answered p50 {answered_p50:.2} / p99 {answered_p99:.2} ms, first client p50 {first_p50:.2} ms; RSS {idle_kib} KiB idle, {connected_kib} KiB connected ({per_conn_kib:.1} KiB/connection); CPU per message: server {server_us:.1} µs, clients {bench_us:.1} µs"
            ),
        },
        memory,
    ))
}

/// Adds `count` tickets directly in the database: waiting ones for today,
/// or finished ones spread evenly over the past year (history), day by day.
async fn bulk_tickets(
    db_url: &str,
    branch: i64,
    service: i64,
    count: usize,
    history: bool,
) -> anyhow::Result<()> {
    use sqlx::Connection as _;
    let now = chrono_like_now_ms();
    let day_ms = 86_400_000_i64;
    macro_rules! fill {
        ($conn:expr) => {{
            let mut done = 0;
            while done < count {
                let mut tx = $conn.begin().await?;
                for i in done..(done + 10_000).min(count) {
                    let i64i = i as i64;
                    // History is written in the order it happened, oldest
                    // day first, as a real office's table grows.
                    let (day_offset, status) = if history {
                        (365 - i64i * 365 / count as i64, "done")
                    } else {
                        (0, "waiting")
                    };
                    let at = now - day_offset * day_ms - (i64i % 1000);
                    let day = format_day(at);
                    sqlx::query(
                        "insert into tickets (branch_id, service_id, business_day, seq, number, priority, status, issued_at, queued_at, called_at, started_at, finished_at, call_count, public_token, updated_at)
                         values ($1, $2, $3, null, $4, 'normal', $5, $6, $6, $7, $7, $8, $9, $10, $6)",
                    )
                    .bind(branch)
                    .bind(service)
                    .bind(day)
                    .bind(format!("Z{i}"))
                    .bind(status)
                    .bind(at)
                    .bind(if history { Some(at + 60_000) } else { None })
                    .bind(if history { Some(at + 300_000) } else { None })
                    .bind(i64::from(history))
                    .bind(format!("bulk-{history}-{i}"))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                done = (done + 10_000).min(count);
            }
            if !history {
                sqlx::query("update services set waiting = waiting + $2 where id = $1").bind(service).bind(count as i64).execute(&mut $conn).await?;
            }
        }};
    }
    if db_url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(db_url).await?;
        fill!(conn);
    } else {
        let mut conn = sqlx::PgConnection::connect(db_url).await?;
        fill!(conn);
    }
    Ok(())
}

fn chrono_like_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// `YYYY-MM-DD` (UTC) of a millisecond timestamp; days since the epoch to a
/// civil date (Howard Hinnant's algorithm).
fn format_day(ms: i64) -> String {
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

async fn timed<F, Fut>(n: usize, mut f: F) -> anyhow::Result<(f64, f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut lat = Vec::new();
    for _ in 0..n {
        let t0 = Instant::now();
        f().await?;
        lat.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(summary(lat))
}

async fn growth(
    server_bin: &std::path::Path,
    db_url: &str,
    quick: bool,
) -> anyhow::Result<Vec<Row>> {
    let (waiting, history) = if quick {
        (10_000, 100_000)
    } else {
        (100_000, 1_000_000)
    };
    let mut rows = Vec::new();
    let server = Server::start_with(server_bin, db_url, &[], SERVER_ENV, None).await?;
    let api = Api::new(&server.base);
    let office = e2e::office(&api, &["G"], 2).await?;
    let manager = office.admin.clone();
    server.terminate().await?;
    bulk_tickets(db_url, office.branch, office.services[0], history, true).await?;
    bulk_tickets(db_url, office.branch, office.services[0], waiting, false).await?;
    let server = Server::start_with(server_bin, db_url, &[], SERVER_ENV, None).await?;
    let api = Api::new(&server.base);
    let clerk = api.login("clerk1", "clerk-password").await?;
    api.post_ok(
        &clerk,
        &format!("/api/v1/desks/{}/open", office.desks[0]),
        json!({}),
        StatusCode::OK,
    )
    .await?;
    let desk = office.desks[0];
    let (p50, p99, max) = timed(200, || {
        let api = api.clone();
        let clerk = clerk.clone();
        async move {
            api.post_ok(
                &clerk,
                &format!("/api/v1/desks/{desk}/call-next"),
                json!({}),
                StatusCode::OK,
            )
            .await?;
            api.post_ok(
                &clerk,
                &format!("/api/v1/desks/{desk}/finish"),
                json!({}),
                StatusCode::OK,
            )
            .await?;
            Ok(())
        }
    })
    .await?;
    rows.push(Row {
        name: format!("call-next + finish, {waiting} waiting, {history} history"),
        count: 200,
        per_s: None,
        p50,
        p99,
        max,
        note: String::new(),
    });
    let branch = office.branch;
    let (p50, p99, max) = timed(50, || {
        let api = api.clone();
        let manager = manager.clone();
        async move {
            let (s, _) = api
                .send(
                    reqwest::Method::GET,
                    Some(&manager),
                    &format!("/api/v1/branches/{branch}/stats"),
                    None,
                )
                .await?;
            if s != StatusCode::OK {
                bail!("stats: {s}");
            }
            Ok(())
        }
    })
    .await?;
    rows.push(Row {
        name: format!("stats (today, {waiting} tickets), {history} history"),
        count: 50,
        per_s: None,
        p50,
        p99,
        max,
        note: String::new(),
    });
    // A day of the history: an office's ordinary day (the history spreads
    // over a year), every ticket called and finished.
    let past_day = format_day(chrono_like_now_ms() - 10 * 86_400_000);
    let (p50, p99, max) = timed(50, || {
        let api = api.clone();
        let manager = manager.clone();
        let path = format!("/api/v1/branches/{branch}/stats?from={past_day}&to={past_day}");
        async move {
            let (s, body) = api
                .send(reqwest::Method::GET, Some(&manager), &path, None)
                .await?;
            if s != StatusCode::OK || body["total"]["issued"].as_i64().unwrap_or(0) == 0 {
                bail!("stats of a past day: {s} {body}");
            }
            Ok(())
        }
    })
    .await?;
    rows.push(Row {
        name: format!(
            "stats (a past day, ~{} tickets), {history} history",
            history / 365
        ),
        count: 50,
        per_s: None,
        p50,
        p99,
        max,
        note: String::new(),
    });
    let (p50, p99, max) = timed(200, || {
        let api = api.clone();
        let kiosk = office.kiosk.clone();
        let service = office.services[0];
        async move {
            api.post_ok(
                &kiosk,
                &format!("/api/v1/branches/{branch}/tickets"),
                json!({ "service_id": service }),
                StatusCode::CREATED,
            )
            .await?;
            Ok(())
        }
    })
    .await?;
    rows.push(Row {
        name: format!("issue ticket, {waiting} waiting"),
        count: 200,
        per_s: None,
        p50,
        p99,
        max,
        note: String::new(),
    });
    server.terminate().await?;
    Ok(rows)
}

/// A fresh database for one server: a new SQLite file, or a scratch
/// database next to the PostgreSQL one named.
async fn scratch(url: Option<&str>) -> anyhow::Result<ScratchDb> {
    match url {
        Some(u) if u.starts_with("postgres") => ScratchDb::postgres_at(u).await,
        Some(u) => {
            bail!("--database-url must be a postgres:// URL (SQLite is the default), got {u}")
        }
        None => Ok(ScratchDb::sqlite()),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let bin = match &args.server_bin {
        Some(path) => path.clone(),
        None => e2e::build_binary(!args.debug),
    };
    let clients = if args.quick {
        args.clients.min(200)
    } else {
        args.clients
    };
    let seconds = if args.quick {
        args.seconds.min(2)
    } else {
        args.seconds
    };
    let backend = if args.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite (synchronous=FULL)"
    };
    println!(
        "waitwell bench — {backend}, {} build, {} cores",
        if args.debug { "debug" } else { "release" },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    if let Some(n) = args.branches {
        let rows = branches(&args, &bin, n, seconds).await?;
        return write_results(&args, backend, &rows, &[], &Value::Null);
    }
    if args.pages_only {
        let pages = if args.quick {
            args.pages.min(1000)
        } else {
            args.pages
        };
        let rows = ticket_pages(&args, &bin, pages).await?;
        return write_results(&args, backend, &rows, &[], &Value::Null);
    }
    let reads = if args.live_only || args.issuance_only {
        Vec::new()
    } else {
        read_ratios(&args, &bin, seconds).await?
    };
    if args.reads_only {
        return write_results(&args, backend, &[], &reads, &Value::Null);
    }
    let mut rows = Vec::new();
    if !args.live_only {
        rows.extend(throughput(&args, &bin, seconds).await?);
    }
    if args.issuance_only {
        print_rows(&rows);
        return Ok(());
    }

    // A server of its own for the live clients: the loads above leave tens
    // of thousands of tickets waiting, and every client's first message
    // would be a snapshot of all of them.
    let db = scratch(args.database_url.as_deref()).await?;
    let server = Server::start_with(&bin, &db.url, &[], SERVER_ENV, None).await?;
    let api = Api::new(&server.base);
    let office = e2e::office(&api, &["A"], 1).await?;
    api.post_ok(
        &office.clerks[0],
        &format!("/api/v1/desks/{}/open", office.desks[0]),
        json!({}),
        StatusCode::OK,
    )
    .await?;
    let display = e2e::display_token(&api, &office).await?;
    let (live_row, memory) = live(
        &server,
        &api,
        &office,
        &display,
        clients,
        if args.quick { 10 } else { 30 },
    )
    .await?;
    rows.push(live_row);
    progress(&rows);
    server.terminate().await?;
    db.remove().await;
    if !args.live_only {
        let pages = if args.quick {
            args.pages.min(1000)
        } else {
            args.pages
        };
        rows.extend(ticket_pages(&args, &bin, pages).await?);
        progress(&rows);
    }

    if !args.skip_growth && !args.live_only {
        let db = scratch(args.database_url.as_deref()).await?;
        rows.extend(growth(&bin, &db.url, args.quick).await?);
        db.remove().await;
    }

    write_results(&args, backend, &rows, &reads, &memory)
}

/// Prints the tables and writes the JSON file.
fn write_results(
    args: &Args,
    backend: &str,
    rows: &[Row],
    reads: &[Ratio],
    memory: &Value,
) -> anyhow::Result<()> {
    print_ratios(reads);
    if !rows.is_empty() {
        print_rows(rows);
    }
    let out = json!({ "backend": backend, "release": !args.debug,
                      "rows": rows.iter().map(Row::json).collect::<Vec<_>>(),
                      "reads": reads.iter().map(Ratio::json).collect::<Vec<_>>(),
                      "memory": memory });
    std::fs::write(&args.out, serde_json::to_string_pretty(&out)?)
        .with_context(|| format!("writing {}", args.out))?;
    println!("results written to {}", args.out);
    Ok(())
}

/// One request the read loads send.
#[derive(Clone)]
struct Request {
    method: reqwest::Method,
    path: String,
    token: Option<String>,
    body: Option<Value>,
    expect: StatusCode,
}

impl Request {
    fn get(path: String, token: Option<&str>) -> Request {
        Request {
            method: reqwest::Method::GET,
            path,
            token: token.map(str::to_owned),
            body: None,
            expect: StatusCode::OK,
        }
    }

    /// A kiosk issuing a ticket of `service` in `branch`.
    fn issue(branch: i64, kiosk: &str, service: i64) -> Request {
        Request {
            method: reqwest::Method::POST,
            path: format!("/api/v1/branches/{branch}/tickets"),
            token: Some(kiosk.to_owned()),
            body: Some(json!({ "service_id": service })),
            expect: StatusCode::CREATED,
        }
    }
}

/// A load's cost and rate, and both against `/healthz` measured on the
/// same server in the same run.
struct Ratio {
    name: String,
    count: usize,
    per_s: f64,
    cpu_us: f64,
    /// The HTTP floor: `/healthz`'s rate and CPU per request.
    floor: (f64, f64),
    /// What the issue set out as the target, in words.
    target: &'static str,
}

impl Ratio {
    fn json(&self) -> Value {
        json!({ "name": self.name, "count": self.count, "per_s": self.per_s,
                "server_cpu_us_per_request": self.cpu_us,
                "throughput_vs_healthz": self.per_s / self.floor.0,
                "cpu_vs_healthz": self.cpu_us / self.floor.1, "target": self.target })
    }
}

/// `clients` keep-alive connections send `requests` (round robin) for
/// `seconds`; returns the count, the rate and the server's CPU per request
/// in µs.
async fn closed_loop(
    server: &Server,
    base: &str,
    clients: usize,
    seconds: u64,
    requests: &[Request],
) -> anyhow::Result<(usize, f64, f64)> {
    let (count, per_s, cpu_us, _) = timed_loop(server, base, clients, seconds, requests).await?;
    Ok((count, per_s, cpu_us))
}

/// [`closed_loop`] with every request's latency in ms.
async fn timed_loop(
    server: &Server,
    base: &str,
    clients: usize,
    seconds: u64,
    requests: &[Request],
) -> anyhow::Result<(usize, f64, f64, Vec<f64>)> {
    let cpu_before = server.cpu_ms().unwrap_or(0.0);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = reqwest::Client::new();
        let base = base.to_owned();
        let requests = requests.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = c;
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let r = &requests[i % requests.len()];
                let mut req = client.request(r.method.clone(), format!("{base}{}", r.path));
                if let Some(t) = &r.token {
                    req = req.bearer_auth(t);
                }
                if let Some(b) = &r.body {
                    req = req.json(b);
                }
                let resp = req.send().await?;
                let status = resp.status();
                resp.bytes().await?;
                if status != r.expect {
                    bail!("{} {}: {status}", r.method, r.path);
                }
                latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
                i += 1;
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await??);
    }
    let count = latencies.len();
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_ms = server.cpu_ms().unwrap_or(0.0) - cpu_before;
    Ok((
        count,
        count as f64 / elapsed,
        cpu_ms * 1000.0 / count.max(1) as f64,
        latencies,
    ))
}

/// Each hot read (and issuing) against the HTTP floor, `/healthz`, on one
/// server in one run: a branch with 300 tickets waiting over four
/// services, two desks open, 64 clients per load.
async fn read_ratios(
    args: &Args,
    bin: &std::path::Path,
    seconds: u64,
) -> anyhow::Result<Vec<Ratio>> {
    const CLIENTS: usize = 64;
    const WAITING: usize = 300;
    let db = scratch(args.database_url.as_deref()).await?;
    let server = Server::start_with(bin, &db.url, &[], SERVER_ENV, None).await?;
    let api = Api::new(&server.base);
    let office = e2e::office(&api, &["A", "B", "C", "D"], 4).await?;
    for (clerk, desk) in office.clerks.iter().zip(&office.desks).take(2) {
        api.post_ok(
            clerk,
            &format!("/api/v1/desks/{desk}/open"),
            json!({}),
            StatusCode::OK,
        )
        .await?;
    }
    let b = office.branch;
    let mut tokens = Vec::new();
    for i in 0..WAITING {
        let t = api
            .post_ok(
                &office.kiosk,
                &format!("/api/v1/branches/{b}/tickets"),
                json!({ "service_id": office.services[i % office.services.len()] }),
                StatusCode::CREATED,
            )
            .await?;
        tokens.push(t["public_token"].as_str().unwrap_or_default().to_owned());
    }
    let admin = Some(office.admin.as_str());
    let loads: Vec<(String, Vec<Request>, &'static str)> = vec![
        (
            "GET /healthz (the HTTP floor)".into(),
            vec![Request::get("/healthz".into(), None)],
            "",
        ),
        (
            format!("GET /api/v1/branches/{b} (one branch)"),
            vec![Request::get(format!("/api/v1/branches/{b}"), admin)],
            "CPU ≤ 3× the floor",
        ),
        (
            "GET /api/v1/public/tickets/{token} (visitor page)".into(),
            tokens
                .iter()
                .map(|t| Request::get(format!("/api/v1/public/tickets/{t}"), None))
                .collect(),
            "CPU ≤ 3× the floor",
        ),
        (
            format!("GET /api/v1/branches/{b}/queue ({WAITING} waiting)"),
            vec![Request::get(format!("/api/v1/branches/{b}/queue"), admin)],
            "CPU ≤ 10× the floor",
        ),
    ];
    let mut out = Vec::new();
    let mut floor = (1.0, 1.0);
    for (name, requests, target) in loads {
        let (count, per_s, cpu_us) =
            closed_loop(&server, &server.base, CLIENTS, seconds, &requests).await?;
        if out.is_empty() {
            floor = (per_s, cpu_us);
        }
        println!("  {name}");
        out.push(Ratio {
            name,
            count,
            per_s,
            cpu_us,
            floor,
            target,
        });
    }
    // Issuing last, so the reads above saw 300 waiting. First to a service
    // no desk serves (a prediction costs one read: "no open desk"), as
    // the issue's first measurement did; then to a served one, where each
    // ticket's prediction is made inside its write.
    let unserved = api
        .post_ok(
            &office.admin,
            &format!("/api/v1/branches/{b}/services"),
            json!({ "code": "E", "name": "Unserved" }),
            StatusCode::CREATED,
        )
        .await?;
    let issue = |service: i64| Request::issue(b, &office.kiosk, service);
    for (name, service) in [
        (
            "POST ticket, no open desk serves it",
            unserved["id"].as_i64().unwrap_or_default(),
        ),
        (
            "POST ticket, 2 desks open (predicted in the write)",
            office.services[3],
        ),
    ] {
        let (count, per_s, cpu_us) =
            closed_loop(&server, &server.base, CLIENTS, seconds, &[issue(service)]).await?;
        println!("  {name}");
        out.push(Ratio {
            name: name.to_owned(),
            count,
            per_s,
            cpu_us,
            floor,
            target: "rate ≥ 20 % of the floor's (SQLite)",
        });
    }
    server.terminate().await?;
    db.remove().await;
    Ok(out)
}

/// Calls reaching `pages` open ticket pages: each page is a visitor's
/// phone holding `GET /api/v1/public/tickets/{token}/live`, an SSE stream
/// of its ticket's view. One desk calls the front ticket; every waiting
/// page's view changes (one person fewer ahead) and the called page's
/// says "called". Measures, per call, the time from the clerk's request
/// to each page's update, the clerk's call-next and finish meanwhile, and
/// the server's CPU per page update.
async fn ticket_pages(
    args: &Args,
    bin: &std::path::Path,
    pages: usize,
) -> anyhow::Result<Vec<Row>> {
    let calls = if args.quick { 5 } else { 20 };
    let db = scratch(args.database_url.as_deref()).await?;
    let server = Server::start_with(bin, &db.url, &[], SERVER_ENV, None).await?;
    let api = Api::new(&server.base);
    let office = e2e::office(&api, &["A"], 1).await?;
    let (clerk, desk) = (&office.clerks[0], office.desks[0]);
    let b = office.branch;
    let mut tokens = vec![String::new(); pages];
    let mut issued = futures_util::stream::iter(0..pages)
        .map(|i| {
            let api = &api;
            let kiosk = &office.kiosk;
            let service = office.services[0];
            async move {
                let t = api
                    .post_ok(
                        kiosk,
                        &format!("/api/v1/branches/{b}/tickets"),
                        json!({ "service_id": service }),
                        StatusCode::CREATED,
                    )
                    .await?;
                Ok::<_, anyhow::Error>((
                    i,
                    t["public_token"].as_str().unwrap_or_default().to_owned(),
                ))
            }
        })
        .buffer_unordered(16);
    while let Some(done) = issued.next().await {
        let (i, token) = done?;
        tokens[i] = token;
    }
    drop(issued);
    api.post_ok(
        clerk,
        &format!("/api/v1/desks/{desk}/open"),
        json!({}),
        StatusCode::OK,
    )
    .await?;

    // Every page's frames, as (page, arrival time).
    let (frames_tx, mut frames) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    let client = reqwest::Client::new();
    let opening = std::sync::Arc::new(tokio::sync::Semaphore::new(256));
    let mut streams = Vec::with_capacity(pages);
    for (i, token) in tokens.iter().enumerate() {
        let url = format!("{}/api/v1/public/tickets/{token}/live", server.base);
        let (client, frames_tx, opening) = (client.clone(), frames_tx.clone(), opening.clone());
        streams.push(tokio::spawn(async move {
            let permit = opening.acquire_owned().await?;
            let mut resp = client
                .get(url)
                .header(reqwest::header::ACCEPT, "text/event-stream")
                .send()
                .await?;
            if resp.status() != StatusCode::OK {
                bail!("ticket stream: {}", resp.status());
            }
            let mut permit = Some(permit);
            let mut buf: Vec<u8> = Vec::new();
            while let Some(chunk) = resp.chunk().await? {
                buf.extend_from_slice(&chunk);
                while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
                    let frame: Vec<u8> = buf.drain(..end + 2).collect();
                    if frame.starts_with(b"event: ticket") {
                        // The first view is in: let the next page open.
                        drop(permit.take());
                        let _ = frames_tx.send((i, Instant::now()));
                    }
                }
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    drop(frames_tx);
    let mut connected = HashSet::new();
    let open_by = Instant::now() + Duration::from_secs(300);
    while connected.len() < pages {
        match tokio::time::timeout_at(open_by.into(), frames.recv()).await {
            Ok(Some((i, _))) => {
                connected.insert(i);
            }
            _ => {
                let mut why = String::new();
                for s in streams.iter_mut().filter(|s| s.is_finished()).take(3) {
                    if let Ok(Err(e)) = s.await {
                        why.push_str(&format!("; {e:#}"));
                    }
                }
                bail!(
                    "only {} of {pages} ticket pages opened{why}",
                    connected.len()
                )
            }
        }
    }
    let rss_connected = server.rss_kib().unwrap_or(0);
    // The first views' own follow-ups settle before measuring.
    tokio::time::sleep(Duration::from_secs(1)).await;
    while frames.try_recv().is_ok() {}

    let cpu_before = server.cpu_ms().unwrap_or(0.0);
    let mut latencies = Vec::new();
    let mut clerk_ms = Vec::new();
    let mut pushes = 0usize;
    let mut missing = 0usize;
    for k in 0..calls {
        let t0 = Instant::now();
        let (s, v) = api
            .send(
                reqwest::Method::POST,
                Some(clerk),
                &format!("/api/v1/desks/{desk}/call-next"),
                None,
            )
            .await?;
        clerk_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        if s != StatusCode::OK {
            bail!("call-next: {s} {v}");
        }
        // Every page still waiting, and the one just called.
        let expected = pages - k;
        let mut heard = HashSet::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while heard.len() < expected {
            match tokio::time::timeout_at(deadline.into(), frames.recv()).await {
                Ok(Some((i, at))) => {
                    pushes += 1;
                    if heard.insert(i) {
                        latencies.push(at.duration_since(t0).as_secs_f64() * 1000.0);
                    }
                }
                _ => break,
            }
        }
        missing += expected - heard.len();
        // Finishing while the pages are still being updated.
        let t1 = Instant::now();
        api.post_ok(
            clerk,
            &format!("/api/v1/desks/{desk}/finish"),
            json!({}),
            StatusCode::OK,
        )
        .await?;
        clerk_ms.push(t1.elapsed().as_secs_f64() * 1000.0);
        // The finish's own updates (a page updates at most every 400 ms).
        let settle = Instant::now() + Duration::from_millis(1500);
        while let Ok(Some(_)) = tokio::time::timeout_at(settle.into(), frames.recv()).await {
            pushes += 1;
        }
    }
    let cpu_ms = server.cpu_ms().unwrap_or(0.0) - cpu_before;
    for s in &streams {
        s.abort();
    }
    server.terminate().await?;
    db.remove().await;
    let (p50, p99, max) = summary(latencies.clone());
    let (c50, c99, cmax) = summary(clerk_ms.clone());
    let cpu_us = cpu_ms * 1000.0 / pushes.max(1) as f64;
    Ok(vec![
        Row {
            name: format!("call → {pages} open ticket pages (SSE)"),
            count: latencies.len(),
            per_s: None,
            p50,
            p99,
            max,
            note: format!(
                "{calls} calls; {missing} page updates missing; server CPU per page update {cpu_us:.1} µs \
                 ({pushes} updates); server RSS with the pages open {} MiB",
                rss_connected / 1024
            ),
        },
        Row {
            name: format!("clerk's call-next and finish, {pages} pages open"),
            count: clerk_ms.len(),
            per_s: None,
            p50: c50,
            p99: c99,
            max: cmax,
            note: String::new(),
        },
    ])
}

/// Issuing across `n` branches of one PostgreSQL database: 64 clients on
/// one server instance, then 32 on each of two; every request goes to the
/// next branch in turn.
async fn branches(
    args: &Args,
    bin: &std::path::Path,
    n: usize,
    seconds: u64,
) -> anyhow::Result<Vec<Row>> {
    let Some(url) = args
        .database_url
        .as_deref()
        .filter(|u| u.starts_with("postgres"))
    else {
        bail!(
            "--branches compares server instances over one PostgreSQL database: give --database-url postgres://…"
        );
    };
    if n == 0 {
        bail!("--branches must be at least 1");
    }
    let db = scratch(Some(url)).await?;
    let first = Server::start_with(bin, &db.url, &[], SERVER_ENV, None).await?;
    let second = Server::start_with(bin, &db.url, &[], SERVER_ENV, None).await?;
    let api = Api::new(&first.base);
    let mut issue = Vec::new();
    let admin = api.login("admin", e2e::ADMIN_PASSWORD).await?;
    for _ in 0..n {
        // One service and a kiosk; no desks, so no clerks' names to clash.
        let office = e2e::office_as(&api, admin.clone(), &["A"], 0).await?;
        issue.push(Request::issue(
            office.branch,
            &office.kiosk,
            office.services[0],
        ));
    }
    let (count, per_s, cpu_us, latencies) =
        timed_loop(&first, &first.base, 64, seconds, &issue).await?;
    let (p50, p99, max) = summary(latencies);
    let mut rows = vec![Row {
        name: format!("issue across {n} branches, 1 instance, 64 clients"),
        count,
        per_s: Some(per_s),
        p50,
        p99,
        max,
        note: format!("server CPU per ticket {cpu_us:.0} µs"),
    }];
    println!("  {}", rows[0].name);
    let (a, b) = tokio::join!(
        timed_loop(&first, &first.base, 32, seconds, &issue),
        timed_loop(&second, &second.base, 32, seconds, &issue)
    );
    let ((count_a, per_s_a, cpu_a, mut lat), (count_b, per_s_b, cpu_b, lat_b)) = (a?, b?);
    lat.extend(lat_b);
    let (p50, p99, max) = summary(lat);
    rows.push(Row {
        name: format!("issue across {n} branches, 2 instances × 32 clients"),
        count: count_a + count_b,
        per_s: Some(per_s_a + per_s_b),
        p50,
        p99,
        max,
        note: format!(
            "server CPU per ticket {:.0} µs; {:.2}× one instance's rate",
            (cpu_a * count_a as f64 + cpu_b * count_b as f64) / (count_a + count_b).max(1) as f64,
            (per_s_a + per_s_b) / per_s.max(1.0)
        ),
    });
    println!("  {}", rows[1].name);
    first.terminate().await?;
    second.terminate().await?;
    db.remove().await;
    Ok(rows)
}

/// Prints the read ratios.
fn print_ratios(reads: &[Ratio]) {
    if reads.is_empty() {
        return;
    }
    println!();
    println!(
        "| {:<52} | {:>9} | {:>10} | {:>13} | {:>10} | {:<36} |",
        "request (64 clients)", "per s", "vs floor", "server µs/req", "vs floor", "target"
    );
    println!(
        "|{:-<54}|{:->11}|{:->12}|{:->15}|{:->12}|{:-<38}|",
        "", "", "", "", "", ""
    );
    for r in reads {
        println!(
            "| {:<52} | {:>9.0} | {:>9.1} % | {:>13.1} | {:>9.2}× | {:<36} |",
            r.name,
            r.per_s,
            100.0 * r.per_s / r.floor.0,
            r.cpu_us,
            r.cpu_us / r.floor.1,
            r.target
        );
    }
}

/// The issuance loads at 1, 8 and 64 clients, then call-next from 16 desks
/// over the tickets they left waiting (unless `--issuance-only`).
async fn throughput(args: &Args, bin: &std::path::Path, seconds: u64) -> anyhow::Result<Vec<Row>> {
    let db = scratch(args.database_url.as_deref()).await?;
    let server = Server::start_with(bin, &db.url, &[], SERVER_ENV, None).await?;
    let api = Api::new(&server.base);
    let office = e2e::office(&api, &["A", "B", "C", "D"], 16).await?;
    let mut rows = Vec::new();
    for c in [1, 8, 64] {
        rows.push(issuance(&server, &api, &office, c, seconds).await?);
        progress(&rows);
    }
    if !args.issuance_only {
        rows.push(call_next(&api, &office).await?);
        progress(&rows);
    }
    server.terminate().await?;
    db.remove().await;
    Ok(rows)
}

/// Prints the name of the row just measured, to show progress.
fn progress(rows: &[Row]) {
    if let Some(row) = rows.last() {
        println!("  {}", row.name);
    }
}

/// Prints the table of results and each row's note.
fn print_rows(rows: &[Row]) {
    println!();
    println!(
        "| {:<52} | {:>8} | {:>9} | {:>8} | {:>8} | {:>8} |",
        "measurement", "count", "per s", "p50 ms", "p99 ms", "max ms"
    );
    println!(
        "|{:-<54}|{:->10}|{:->11}|{:->10}|{:->10}|{:->10}|",
        "", "", "", "", "", ""
    );
    for r in rows {
        let per_s = r
            .per_s
            .map_or_else(|| "—".to_owned(), |p| format!("{p:.0}"));
        println!(
            "| {:<52} | {:>8} | {:>9} | {:>8.2} | {:>8.2} | {:>8.2} |",
            r.name, r.count, per_s, r.p50, r.p99, r.max
        );
    }
    for r in rows.iter().filter(|r| !r.note.is_empty()) {
        println!("  {}: {}", r.name, r.note);
    }
}
