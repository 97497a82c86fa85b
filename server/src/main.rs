//! The `waitwell` command: serve, migrate, add users, verify the audit log
//! and make its signing key, replay days through the wait predictors.

use std::io::Read as _;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use waitwell_server::config::Settings;
use waitwell_server::domain::auth::Role;
use waitwell_server::domain::{audit, branches, replay, services, users};
use waitwell_server::events::{Actor, Hub};
use waitwell_server::store::{Db, read};
use waitwell_server::{anyhow_from, demo, events};

/// Waitwell: queue management and ticketing for public offices.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the server.
    Serve {
        /// Seeds a demo office (services, desks, users, a kiosk and a
        /// display) when the database has no branch, and prints how to use it.
        #[arg(long)]
        demo: bool,
    },
    /// Applies pending database migrations and exits.
    Migrate,
    /// Manages users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Checks the tamper-evident event log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Runs days through both wait predictors (the simulation and the old
    /// people-ahead formula) and prints their accuracy. Without --branch:
    /// generated days of a made-up office with known distributions (no
    /// database needed); with --branch and --day: that recorded day.
    Replay {
        /// Replay this branch's recorded day (needs --day).
        #[arg(long, requires = "day")]
        branch: Option<i64>,
        /// Business day YYYY-MM-DD of the recorded day.
        #[arg(long, requires = "branch")]
        day: Option<String>,
        /// Generated days to replay.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=365))]
        days: u32,
        /// Seed of the generated days and of the predictions.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Simulated futures per prediction.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=2000))]
        runs: u32,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Adds a user. The password is read from WAITWELL_NEW_PASSWORD or, if
    /// unset, from the first line of standard input.
    Add {
        /// Sign-in name.
        #[arg(long)]
        username: String,
        /// admin, manager or clerk.
        #[arg(long)]
        role: String,
        /// Branch id (managers and clerks).
        #[arg(long)]
        branch: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Checks every branch's log and names the first problem: the hash
    /// chain; each signed checkpoint (its signature, and that the log still
    /// has its head); no event added to a signed day; every tickets row
    /// equal to what its last event says. Exits with status 1 if anything
    /// fails.
    Verify {
        /// Only this branch.
        #[arg(long)]
        branch: Option<i64>,
        /// Trusted public key that signed the checkpoints: 64 hex digits,
        /// or a file with a PEM public key, hex, or the private key. May be
        /// repeated (after a key change). Without it, the configured
        /// WAITWELL_AUDIT_KEY_FILE's public key is trusted.
        #[arg(long = "public-key", value_name = "HEX_OR_FILE")]
        public_keys: Vec<String>,
        /// Checkpoints saved earlier from
        /// /api/v1/public/branches/{id}/audit/checkpoints (a file, or an
        /// http(s) URL to fetch them from): each must still be in the log.
        #[arg(long, value_name = "FILE_OR_URL")]
        published: Vec<String>,
    },
    /// Writes a new ed25519 audit key (PKCS#8 PEM, mode 0600) to FILE for
    /// WAITWELL_AUDIT_KEY_FILE, and prints its public key. Never overwrites.
    Keygen {
        /// Where to write the key; must not exist.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("WAITWELL_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let cli = Cli::parse();
    // Before the settings: making the key must work while
    // WAITWELL_AUDIT_KEY_FILE already names the file it is about to write.
    if let Command::Audit {
        command: AuditCommand::Keygen { out },
    } = &cli.command
    {
        let key = events::anchor::write_new_key(out)?;
        println!("wrote a new audit key to {}", out.display());
        println!("public key: {}", key.public_hex());
        println!(
            "Set WAITWELL_AUDIT_KEY_FILE={} and keep a copy of the file outside the database and its backups.",
            out.display()
        );
        return Ok(());
    }
    // Every live display and clerk page holds a socket: lift the soft limit
    // on open files to the hard limit.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        tracing::warn!(error = %e, "cannot raise the open-file limit");
    }
    let config = cli.settings.resolve()?;
    match cli.command {
        Command::Serve { demo } => serve(config, demo).await,
        Command::Migrate => {
            let db = Db::connect(&config.database_url, Hub::new(1)).await?;
            db.close().await;
            println!("database is up to date");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    branch,
                },
        } => {
            let role = Role::parse(&role).map_err(anyhow_from)?;
            let password = match std::env::var("WAITWELL_NEW_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_to_string(&mut line)
                        .context("reading the password from standard input")?;
                    line.lines().next().unwrap_or_default().to_owned()
                }
            };
            let db = Db::connect(&config.database_url, Hub::new(1)).await?;
            let user = users::create(
                &db,
                branch,
                users::NewUser {
                    username,
                    password,
                    role,
                },
                Actor::System,
            )
            .await
            .map_err(anyhow_from);
            db.close().await;
            let user = user?;
            println!(
                "created user {} ({}) with id {}",
                user.username, user.role, user.id
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Keygen { .. },
        } => unreachable!("handled before the settings are read"),
        Command::Audit {
            command:
                AuditCommand::Verify {
                    branch,
                    public_keys,
                    published,
                },
        } => {
            let mut trusted = public_keys
                .iter()
                .map(|k| events::anchor::parse_public_key(k).context("--public-key"))
                .collect::<anyhow::Result<Vec<_>>>()?;
            if trusted.is_empty()
                && let Some(key) = &config.audit_key
            {
                trusted.push(key.public());
            }
            let mut heads = Vec::new();
            for source in &published {
                heads.extend(load_published(source).await?);
            }
            let db = Db::connect(&config.database_url, Hub::new(1)).await?;
            let result = verify(&db, branch, &trusted, &heads, !published.is_empty()).await;
            db.close().await;
            if !result? {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Replay {
            branch,
            day,
            days,
            seed,
            runs,
        } => {
            let opts = waitwell_queue::PredictOptions {
                runs,
                seed,
                ..waitwell_queue::PredictOptions::default()
            };
            let (eval, names) = match (branch, day) {
                (Some(branch), Some(day)) => {
                    let db = Db::connect(&config.database_url, Hub::new(1)).await?;
                    let recorded = read!(db, |c| replay::recorded_day(c, branch, &day).await)
                        .map_err(anyhow_from);
                    let names = read!(db, |c| services::list(c, branch).await).map_err(anyhow_from);
                    db.close().await;
                    let names = names?.into_iter().map(|s| (s.id, s.code)).collect();
                    println!("Replaying branch {branch}, {day}:");
                    (waitwell_queue::evaluate(&recorded?, &opts), names)
                }
                _ => {
                    let plan = waitwell_queue::DayPlan::standard();
                    let names = plan
                        .services
                        .iter()
                        .map(|s| (s.id, s.name.to_owned()))
                        .collect();
                    println!(
                        "Replaying {days} generated day(s), seed {seed}, {runs} futures per prediction:"
                    );
                    (
                        waitwell_queue::replay_generated(&plan, days, seed, &opts),
                        names,
                    )
                }
            };
            print!("{}", replay::format_report(&eval, &names));
            Ok(())
        }
    }
}

/// Runs the audit of every branch (or one) and of the published heads,
/// printing a line per branch; true when everything agrees.
async fn verify(
    db: &Db,
    only: Option<i64>,
    trusted: &[ed25519_dalek::VerifyingKey],
    published: &[audit::PublishedHead],
    any_published: bool,
) -> anyhow::Result<bool> {
    let branches = match only {
        Some(id) => vec![read!(db, |c| branches::get(c, id).await).map_err(anyhow_from)?],
        None => read!(db, |c| branches::list(c).await).map_err(anyhow_from)?,
    };
    if trusted.is_empty() {
        println!(
            "note: no trusted public key (WAITWELL_AUDIT_KEY_FILE or --public-key): checkpoint signatures are checked against the key stored beside them, which whoever rewrote the database could have replaced"
        );
    }
    let mut all_ok = true;
    for b in branches {
        let report =
            read!(db, |c| audit::audit_branch(c, &b, trusted).await).map_err(anyhow_from)?;
        match report.problem {
            None => println!(
                "branch {} ({}): {} events, chain intact; {} signed checkpoints hold; {} tickets agree with their events, so figures computed from them rest on the log",
                b.id, b.name, report.events, report.checkpoints, report.tickets
            ),
            Some(what) => {
                all_ok = false;
                println!("branch {} ({}): BROKEN {what}", b.id, b.name);
            }
        }
    }
    let published: Vec<_> = published
        .iter()
        .filter(|h| only.is_none_or(|id| id == h.branch_id))
        .cloned()
        .collect();
    if any_published {
        match read!(db, |c| audit::check_published(c, &published).await).map_err(anyhow_from)? {
            None => println!(
                "published checkpoints: {} found in the log",
                published.len()
            ),
            Some(what) => {
                all_ok = false;
                println!("published checkpoints: BROKEN {what}");
            }
        }
    }
    Ok(all_ok)
}

/// Reads published checkpoints from a file or an http(s) URL.
async fn load_published(source: &str) -> anyhow::Result<Vec<audit::PublishedHead>> {
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        let response = reqwest::get(source)
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("fetching the published checkpoints from {source}"))?;
        response
            .text()
            .await
            .with_context(|| format!("reading the published checkpoints from {source}"))?
    } else {
        std::fs::read_to_string(source)
            .with_context(|| format!("cannot read the published checkpoints file {source}"))?
    };
    audit::parse_published(&text)
        .with_context(|| format!("{source} is not a list of checkpoints (--published)"))
}

async fn serve(config: waitwell_server::config::Config, demo: bool) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {} (WAITWELL_LISTEN)", config.listen))?;
    let addr = listener.local_addr()?;
    let public_url = config.public_url.clone();
    let state = waitwell_server::prepare(config).await?;
    if demo {
        match demo::seed(&state).await.map_err(anyhow_from)? {
            Some(d) => print_demo(&public_url, &d),
            None => println!("The database already has a branch; demo data was not added."),
        }
    }
    let users = read!(state.db, |c| users::count(c).await).map_err(anyhow_from)?;
    if users == 0 {
        println!(
            "No users yet. Create the first admin with\n  WAITWELL_ADMIN_PASSWORD=... waitwell serve\nor\n  waitwell user add --username admin --role admin"
        );
    }
    if !matches!(
        state.db.kind(),
        waitwell_server::store::Kind::Sqlite | waitwell_server::store::Kind::Postgres
    ) {
        bail!("unsupported database");
    }
    tracing::info!(%addr, "listening");
    println!("Waitwell is listening on http://{addr}");
    waitwell_server::run(
        state,
        listener,
        waitwell_server::shutdown::shutdown_signal(),
    )
    .await
}

fn print_demo(url: &str, d: &demo::Demo) {
    println!("Demo office created (branch {}).", d.branch_id);
    println!("  API:            {url}/api/v1   (OpenAPI: {url}/api/openapi.json)");
    for (name, password, role) in &d.users {
        println!("  {role:<8} sign in as {name} / {password}");
    }
    println!("  kiosk token:    {}", d.kiosk_token);
    println!("  display token:  {}", d.display_token);
    println!("  clerk console:  {url}/clerk/      manager console: {url}/manager/");
    println!("  kiosk:          {url}/kiosk/#token={}", d.kiosk_token);
    println!("  waiting room:   {url}/display/#token={}", d.display_token);
    println!("  exit tablet:    {url}/feedback/#token={}", d.kiosk_token);
    println!("Device tokens are shown once; rotate them with POST /api/v1/devices/ID/token.");
}
