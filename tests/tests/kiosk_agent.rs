//! The kiosk agent against the real server: a printer stand-in on a
//! loopback port (`e2e::printer`) records what the agent prints, answers
//! `DLE EOT` and `GS r` status queries, and resets connections or holds
//! confirmations on request.
//!
//! - tickets issued with the kiosk's token are printed once, in the
//!   ticket's language, across a dropped connection (events replayed with
//!   `since`), an agent restart (state file) and a ticket issued while
//!   the agent was down;
//! - a printer out of paper is reported as `paper_out`, an unreachable one
//!   as `offline`, and the job prints once the printer is back;
//! - a ticket cut off half-way (connection reset) is not taken for printed:
//!   the real state is reported and the whole ticket printed again;
//! - a `kill -9` while the printer holds a ticket leaves an in-flight mark
//!   and the ticket is printed again, whole, once (at-least-once); a `kill
//!   -9` after the done mark prints nothing again;
//! - on start, only tickets issued within `startup_window_s` are printed;
//! - a roll near its end is reported as `paper_low`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use e2e::printer::{PAPER_LOW, PAPER_OUT, Printer, READY};
use e2e::{Api, KioskProcess, ScratchDb, Server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use waitwell_kiosk::config::PrinterConfig;
use waitwell_kiosk::layout::text_of;
use waitwell_kiosk::printer::Connection;

/// A TCP proxy to the server that can drop every connection and refuse
/// new ones, to cut the agent off without stopping the server.
struct Proxy {
    base: String,
    open: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    task: JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}

impl Proxy {
    async fn start(upstream: &str) -> Proxy {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let open = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (o, c) = (open.clone(), conns.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !o.load(Ordering::SeqCst) {
                    continue;
                }
                let upstream = upstream.clone();
                c.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        });
        Proxy {
            base,
            open,
            conns,
            task,
        }
    }

    /// Drops every connection.
    fn cut(&self) {
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }
}

/// A running agent and the means to stop it.
struct Agent {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Agent {
    fn start(config: waitwell_kiosk::Config) -> Agent {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(waitwell_kiosk::run(config, async {
            let _ = stopped.await;
        }));
        Agent {
            stop: Some(stop),
            task,
        }
    }

    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .expect("agent stops")
            .expect("agent task")
            .expect("agent result");
    }
}

fn config(
    server: &str,
    token: &str,
    printer_port: u16,
    dir: &std::path::Path,
) -> waitwell_kiosk::Config {
    let mut config = waitwell_kiosk::Config::new(
        server,
        token,
        PrinterConfig::new(Connection::Tcp {
            address: format!("127.0.0.1:{printer_port}"),
        }),
    );
    config.state_file = Some(dir.join("kiosk.state"));
    config.public_url = Some("https://queue.example.org".into());
    config.retry_min_ms = 100;
    config.retry_max_ms = 400;
    config.status_interval_s = 1;
    config
}

fn scratch_dir() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "waitwell-kiosk-e2e-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits until `check` holds, polling for up to 20 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The kiosk's printer state as managers see it.
async fn printer_state(api: &Api, admin: &str, branch: i64) -> Option<String> {
    let (s, v) = api
        .send(
            Method::GET,
            Some(admin),
            &format!("/api/v1/branches/{branch}/devices/status"),
            None,
        )
        .await
        .ok()?;
    assert_eq!(s, StatusCode::OK, "{v}");
    let list = v.get("items").unwrap_or(&v).as_array()?.clone();
    let kiosk = list.iter().find(|d| d["kind"] == "kiosk")?;
    kiosk["printer"].as_str().map(str::to_owned)
}

async fn issue(api: &Api, kiosk: &str, branch: i64, service: i64, language: &str) -> Value {
    api.post_ok(
        kiosk,
        &format!("/api/v1/branches/{branch}/tickets"),
        json!({ "service_id": service, "language": language }),
        StatusCode::CREATED,
    )
    .await
    .expect("issue ticket")
}

async fn patch(api: &Api, token: &str, path: &str, body: Value) -> anyhow::Result<()> {
    let (s, v) = api
        .send(Method::PATCH, Some(token), path, Some(&body))
        .await?;
    anyhow::ensure!(s.is_success(), "PATCH {path}: {s} {v}");
    Ok(())
}

#[tokio::test]
async fn prints_each_ticket_once_across_reconnects_and_restarts() -> anyhow::Result<()> {
    let db = ScratchDb::sqlite();
    let server = Server::start(&db.url, &[]).await?;
    let api = Api::new(&server.base);
    let office = e2e::office(&api, &["A"], 1).await?;
    let (branch, service) = (office.branch, office.services[0]);
    patch(
        &api,
        &office.admin,
        &format!("/api/v1/branches/{branch}"),
        json!({ "languages": ["pl", "en"], "kiosk_message": "Thank you - have a nice day!",
                "kiosk_messages": { "pl": "Dziękujemy - miłego dnia!" } }),
    )
    .await?;
    patch(
        &api,
        &office.admin,
        &format!("/api/v1/services/{service}"),
        json!({ "names": { "pl": "Paszporty", "en": "Passports" } }),
    )
    .await?;

    let printer = Printer::start(READY).await;
    let proxy = Proxy::start(&server.base).await;
    let dir = scratch_dir();
    let agent = Agent::start(config(&proxy.base, &office.kiosk, printer.port, &dir));
    // The agent reports its printer once it follows the live stream.
    eventually("the agent to report ok", || async {
        printer_state(&api, &office.admin, branch).await.as_deref() == Some("ok")
    })
    .await;

    let first = issue(&api, &office.kiosk, branch, service, "pl").await;
    let number = first["number"].as_str().context("number")?.to_owned();
    eventually("the first ticket", || async { printer.prints().len() == 1 }).await;
    let text = text_of(&printer.prints()[0]);
    assert!(text.contains(&format!("\n{number}\n")), "{text}");
    assert!(text.contains("Paszporty"), "{text}");
    assert!(text.contains("Twój numer"), "{text}");
    assert!(text.contains("E2E Office"), "{text}");
    // The message in the ticket's language, not the default text.
    assert!(text.contains("Dziękujemy - miłego dnia!"), "{text}");
    assert!(!text.contains("Thank you"), "{text}");
    let token = first["public_token"].as_str().unwrap_or_default();
    assert!(
        text.contains(&format!("[QR https://queue.example.org/ticket/?t={token}]")),
        "{text}"
    );
    // PC852 for Polish: ESC t 18, and no UTF-8 of ę or ł.
    let bytes = &printer.prints()[0];
    assert!(bytes.windows(3).any(|w| w == [0x1B, 0x74, 18]));
    assert!(
        !bytes
            .windows(2)
            .any(|w| w == "ę".as_bytes() || w == "ł".as_bytes())
    );

    // Cut the agent off; a ticket issued meanwhile is printed after the
    // reconnect (replayed with `since`), the first one not again.
    proxy.open.store(false, Ordering::SeqCst);
    proxy.cut();
    let second = issue(&api, &office.kiosk, branch, service, "en").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(printer.prints().len(), 1, "nothing printed while cut off");
    proxy.open.store(true, Ordering::SeqCst);
    eventually("the second ticket", || async {
        printer.prints().len() >= 2
    })
    .await;
    let text = text_of(&printer.prints()[1]);
    assert!(text.contains(second["number"].as_str().unwrap()), "{text}");
    assert!(
        text.contains("Passports") && text.contains("Your ticket"),
        "{text}"
    );

    // Stop the agent; a ticket issued while it is down is printed when it
    // starts again with the same state file (resumed from the saved seq,
    // in Polish from the branch read over REST), and nothing is reprinted.
    agent.stop().await;
    let third = issue(&api, &office.kiosk, branch, service, "pl").await;
    let agent = Agent::start(config(&proxy.base, &office.kiosk, printer.port, &dir));
    eventually("the ticket issued while the agent was down", || async {
        printer.prints().len() >= 3
    })
    .await;
    let text = text_of(&printer.prints()[2]);
    assert!(text.contains(third["number"].as_str().unwrap()), "{text}");
    assert!(
        text.contains("Paszporty") && text.contains("E2E Office"),
        "{text}"
    );
    let fourth = issue(&api, &office.kiosk, branch, service, "pl").await;
    eventually("the fourth ticket", || async {
        printer.prints().len() >= 4
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let prints = printer.prints();
    assert_eq!(prints.len(), 4, "each ticket printed exactly once");
    assert!(text_of(&prints[3]).contains(fourth["number"].as_str().unwrap()));

    // Tickets issued by staff (not this kiosk) are not print jobs.
    issue(&api, &office.admin, branch, service, "en").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(printer.prints().len(), 4);

    agent.stop().await;
    drop(server);
    db.remove().await;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[tokio::test]
async fn printer_problems_are_reported_and_jobs_retried() -> anyhow::Result<()> {
    let db = ScratchDb::sqlite();
    let server = Server::start(&db.url, &[]).await?;
    let api = Api::new(&server.base);
    let office = e2e::office(&api, &["B"], 1).await?;
    let (branch, service) = (office.branch, office.services[0]);
    patch(
        &api,
        &office.admin,
        &format!("/api/v1/branches/{branch}"),
        json!({ "languages": ["da", "en"] }),
    )
    .await?;
    let dir = scratch_dir();

    // Unreachable: a port nobody listens on (yet).
    let reserved = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = reserved.local_addr()?.port();
    drop(reserved);
    let agent = Agent::start(config(&server.base, &office.kiosk, port, &dir));
    eventually("offline reported", || async {
        printer_state(&api, &office.admin, branch).await.as_deref() == Some("offline")
    })
    .await;
    let ticket = issue(&api, &office.kiosk, branch, service, "da").await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The printer comes up out of paper: reported, still nothing printed.
    let printer = Printer::on(TcpListener::bind(("127.0.0.1", port)).await?, PAPER_OUT);
    eventually("paper_out reported", || async {
        printer_state(&api, &office.admin, branch).await.as_deref() == Some("paper_out")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(printer.prints().is_empty());

    // Paper loaded: the job prints, once, and the state is ok again.
    printer.set_status(READY);
    eventually("the ticket", || async { !printer.prints().is_empty() }).await;
    eventually("ok reported", || async {
        printer_state(&api, &office.admin, branch).await.as_deref() == Some("ok")
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let prints = printer.prints();
    assert_eq!(prints.len(), 1);
    let text = text_of(&prints[0]);
    assert!(text.contains(ticket["number"].as_str().unwrap()), "{text}");
    assert!(text.contains("Dit nummer"), "{text}");

    agent.stop().await;
    drop(server);
    db.remove().await;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// ESC/POS partial cut: the last bytes of every whole ticket.
const CUT: [u8; 3] = [0x1D, 0x56, 0x01];

/// A scratch server with one kiosk whose branch prints in English.
async fn office_with_kiosk(code: &str) -> anyhow::Result<(ScratchDb, Server, Api, e2e::Office)> {
    let db = ScratchDb::sqlite();
    let server = Server::start(&db.url, &[]).await?;
    let api = Api::new(&server.base);
    let office = e2e::office(&api, &[code], 1).await?;
    Ok((db, server, api, office))
}

#[tokio::test]
async fn a_ticket_cut_off_half_way_is_reported_and_printed_again_whole() -> anyhow::Result<()> {
    let (db, server, api, office) = office_with_kiosk("C").await?;
    let (branch, service) = (office.branch, office.services[0]);
    let printer = Printer::start(READY).await;
    let dir = scratch_dir();
    let agent = Agent::start(config(&server.base, &office.kiosk, printer.port, &dir));
    eventually("the agent to report ok", || async {
        printer_state(&api, &office.admin, branch).await.as_deref() == Some("ok")
    })
    .await;

    // The printer resets the connection 40 bytes into every ticket: the
    // writes succeed, the ticket does not print. Not "ok", and no end.
    printer.reset_mid_ticket(Some(40));
    let ticket = issue(&api, &office.kiosk, branch, service, "en").await;
    eventually("the failed print reported", || async {
        printer_state(&api, &office.admin, branch).await.as_deref() == Some("error")
    })
    .await;
    let partial = printer.prints();
    assert!(!partial.is_empty());
    assert!(partial.iter().all(|p| p.len() == 40), "only half tickets");

    // The printer recovers: the whole ticket (QR code, cut) is printed,
    // once, and the state is ok again.
    printer.reset_mid_ticket(None);
    eventually("the whole ticket", || async {
        printer.prints().iter().any(|p| p.ends_with(&CUT))
    })
    .await;
    eventually("ok reported", || async {
        printer_state(&api, &office.admin, branch).await.as_deref() == Some("ok")
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let prints = printer.prints();
    let whole: Vec<_> = prints.iter().filter(|p| p.ends_with(&CUT)).collect();
    assert_eq!(whole.len(), 1, "the whole ticket printed once");
    assert_eq!(prints.last(), Some(whole[0]), "nothing after it");
    let text = text_of(whole[0]);
    assert!(text.contains(ticket["number"].as_str().unwrap()), "{text}");
    let token = ticket["public_token"].as_str().unwrap_or_default();
    assert!(text.contains(&format!("/ticket/?t={token}]")), "{text}");
    // Every attempt starts from the top of the ticket.
    for p in &prints[..prints.len() - 1] {
        assert_eq!(p[..], whole[0][..40]);
    }

    agent.stop().await;
    drop(server);
    db.remove().await;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// The agent's configuration file for `waitwell-kiosk --config`.
fn config_file(
    server: &str,
    token: &str,
    printer_port: u16,
    dir: &std::path::Path,
) -> std::path::PathBuf {
    let path = dir.join("waitwell-kiosk.toml");
    std::fs::write(
        &path,
        format!(
            "server_url = \"{server}\"\ntoken = \"{token}\"\npublic_url = \"https://queue.example.org\"\n\
             state_file = \"kiosk.state\"\nretry_min_ms = 100\nretry_max_ms = 400\nstatus_interval_s = 1\n\
             [printer]\nconnection = \"tcp\"\naddress = \"127.0.0.1:{printer_port}\"\n"
        ),
    )
    .unwrap();
    path
}

#[tokio::test]
async fn kill9_while_the_printer_has_a_ticket_prints_it_again_once() -> anyhow::Result<()> {
    use waitwell_kiosk::agent::Persisted;
    let (db, server, api, office) = office_with_kiosk("D").await?;
    let (branch, service) = (office.branch, office.services[0]);
    let printer = Printer::start(READY).await;
    let dir = scratch_dir();
    let file = config_file(&server.base, &office.kiosk, printer.port, &dir);
    let state = dir.join("kiosk.state");
    let agent = KioskProcess::start(&file)?;
    eventually("the agent to report ok", || async {
        printer_state(&api, &office.admin, branch).await.as_deref() == Some("ok")
    })
    .await;

    // The printer has the whole ticket but has not confirmed it yet: the
    // state file says so.
    printer.hold_confirmations(true);
    let first = issue(&api, &office.kiosk, branch, service, "en").await;
    eventually("the ticket at the printer", || async {
        printer.held() == 1
    })
    .await;
    let marked = Persisted::load(&state);
    let in_flight = marked.in_flight.context("an in-flight mark")?;
    assert_eq!(in_flight.ticket_id, first["id"].as_i64().unwrap());
    assert!(marked.seq < in_flight.seq, "{marked:?}");

    // kill -9 now: whether it printed is unknown, and the agent prints it
    // again after the restart, whole, once (at-least-once).
    agent.kill9().await;
    printer.hold_confirmations(false);
    let agent = KioskProcess::start(&file)?;
    eventually("the ticket printed again", || async {
        printer.prints().len() >= 2
    })
    .await;
    eventually("the done mark", || async {
        let p = Persisted::load(&state);
        p.in_flight.is_none() && p.seq == in_flight.seq
    })
    .await;
    let prints = printer.prints();
    assert_eq!(prints.len(), 2, "printed again once");
    for p in &prints {
        assert!(p.ends_with(&CUT));
        assert!(text_of(p).contains(first["number"].as_str().unwrap()));
    }

    // kill -9 right after a confirmed ticket's done mark: not again.
    let second = issue(&api, &office.kiosk, branch, service, "en").await;
    eventually("the second ticket done", || async {
        let p = Persisted::load(&state);
        p.in_flight.is_none() && p.seq > in_flight.seq
    })
    .await;
    assert_eq!(printer.prints().len(), 3);
    agent.kill9().await;
    let agent = KioskProcess::start(&file)?;
    let third = issue(&api, &office.kiosk, branch, service, "en").await;
    eventually("the third ticket", || async { printer.prints().len() >= 4 }).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let prints = printer.prints();
    assert_eq!(prints.len(), 4, "the second ticket not again");
    assert!(text_of(&prints[2]).contains(second["number"].as_str().unwrap()));
    assert!(text_of(&prints[3]).contains(third["number"].as_str().unwrap()));

    agent.kill9().await;
    drop(server);
    db.remove().await;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[tokio::test]
async fn on_start_only_tickets_within_the_startup_window_print() -> anyhow::Result<()> {
    let (db, server, api, office) = office_with_kiosk("E").await?;
    let (branch, service) = (office.branch, office.services[0]);
    let printer = Printer::start(READY).await;
    let dir = scratch_dir();
    let mut cfg = config(&server.base, &office.kiosk, printer.port, &dir);
    cfg.startup_window_s = 3;
    let agent = Agent::start(cfg.clone());
    eventually("the agent to report ok", || async {
        printer_state(&api, &office.admin, branch).await.as_deref() == Some("ok")
    })
    .await;
    issue(&api, &office.kiosk, branch, service, "en").await;
    eventually("the first ticket", || async { printer.prints().len() == 1 }).await;
    agent.stop().await;

    // Issued while the agent is down: one older than the window, one
    // younger. Only the younger one prints on start.
    let old = issue(&api, &office.kiosk, branch, service, "en").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let young = issue(&api, &office.kiosk, branch, service, "en").await;
    let agent = Agent::start(cfg);
    eventually("the young ticket", || async { printer.prints().len() >= 2 }).await;
    // A ticket issued after the start gets job_expiry_s as before.
    let later = issue(&api, &office.kiosk, branch, service, "en").await;
    eventually("the later ticket", || async { printer.prints().len() >= 3 }).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let prints = printer.prints();
    assert_eq!(prints.len(), 3);
    let old = old["number"].as_str().unwrap();
    assert!(
        prints.iter().all(|p| !text_of(p).contains(old)),
        "{old} printed"
    );
    assert!(text_of(&prints[1]).contains(young["number"].as_str().unwrap()));
    assert!(text_of(&prints[2]).contains(later["number"].as_str().unwrap()));

    agent.stop().await;
    drop(server);
    db.remove().await;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[tokio::test]
async fn a_roll_near_its_end_is_reported_as_paper_low() -> anyhow::Result<()> {
    let (db, server, api, office) = office_with_kiosk("F").await?;
    let (branch, service) = (office.branch, office.services[0]);
    let printer = Printer::start(PAPER_LOW).await;
    let dir = scratch_dir();
    let agent = Agent::start(config(&server.base, &office.kiosk, printer.port, &dir));
    eventually("paper_low reported", || async {
        printer_state(&api, &office.admin, branch).await.as_deref() == Some("paper_low")
    })
    .await;

    // Paper low still prints, and stays reported after the ticket.
    let ticket = issue(&api, &office.kiosk, branch, service, "en").await;
    eventually("the ticket", || async { printer.confirmed() >= 1 }).await;
    let prints = printer.prints();
    assert_eq!(prints.len(), 1);
    assert!(text_of(&prints[0]).contains(ticket["number"].as_str().unwrap()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        printer_state(&api, &office.admin, branch).await.as_deref(),
        Some("paper_low")
    );

    // A new roll: ok again.
    printer.set_status(READY);
    eventually("ok reported", || async {
        printer_state(&api, &office.admin, branch).await.as_deref() == Some("ok")
    })
    .await;

    agent.stop().await;
    drop(server);
    db.remove().await;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
