//! Settings: defaults, then an optional TOML file, then `WAITWELL_*`
//! environment variables, then command-line flags (clap reads flags and
//! environment together; flags win).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;
use serde::Deserialize;

/// Settings as given on the command line or in the environment.
#[derive(Debug, Clone, Default, Args)]
pub struct Settings {
    /// TOML file with any of the settings below (keys in snake_case, e.g.
    /// `listen = "0.0.0.0:8080"`). Flags and environment override it.
    #[arg(long, env = "WAITWELL_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "WAITWELL_LISTEN", global = true)]
    pub listen: Option<String>,
    /// Database URL: sqlite://FILE (created if missing) or postgres://…
    /// [default: sqlite://waitwell.db].
    #[arg(long, env = "WAITWELL_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Creates user `admin` with this password when the database has no users.
    #[arg(
        long,
        env = "WAITWELL_ADMIN_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub admin_password: Option<String>,
    /// How long a sign-in lasts, in hours [default: 12].
    #[arg(long, env = "WAITWELL_SESSION_HOURS", global = true)]
    pub session_hours: Option<u32>,
    /// Login attempts allowed per user name and address per minute [default: 10].
    #[arg(long, env = "WAITWELL_LOGIN_ATTEMPTS_PER_MINUTE", global = true)]
    pub login_attempts_per_minute: Option<u32>,
    /// Public base URL of the server, used in links printed on tickets
    /// [default: http://LISTEN].
    #[arg(long, env = "WAITWELL_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Days a visitor's phone number and e-mail address are kept after the
    /// ticket was issued; 0 clears them at the next hourly run [default: 30].
    #[arg(long, env = "WAITWELL_CONTACT_RETENTION_DAYS", global = true)]
    pub contact_retention_days: Option<u32>,
    /// Remote tickets one client address may take per minute [default: 5].
    #[arg(long, env = "WAITWELL_REMOTE_TICKETS_PER_MINUTE", global = true)]
    pub remote_tickets_per_minute: Option<u32>,
    /// Appointments one client address may book per minute [default: 10].
    #[arg(long, env = "WAITWELL_BOOKINGS_PER_MINUTE", global = true)]
    pub bookings_per_minute: Option<u32>,
    /// Booking-code lookups (the public booking page, its QR code,
    /// cancelling; separately, check-ins at kiosks) one client address may
    /// make per minute [default: 20].
    #[arg(long, env = "WAITWELL_CODE_LOOKUPS_PER_MINUTE", global = true)]
    pub code_lookups_per_minute: Option<u32>,
    /// Behind a reverse proxy: take the client address for rate limits from
    /// the last entry of X-Forwarded-For (the one the proxy added) [default: false].
    #[arg(long, env = "WAITWELL_TRUST_FORWARDED_FOR", global = true)]
    pub trust_forwarded_for: Option<bool>,
    /// Bearer token a Prometheus scraper sends to read /metrics; without
    /// it /metrics answers 404 [default: none].
    #[arg(
        long,
        env = "WAITWELL_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// Seconds a client has to send a request's complete headers, counted
    /// from connecting or from the previous response; then the connection
    /// is closed [default: 10].
    #[arg(long, env = "WAITWELL_HEADER_TIMEOUT_SECS", global = true)]
    pub header_timeout_secs: Option<u64>,
    /// Seconds a connection may pass without a byte in either direction
    /// before it is closed [default: 60].
    #[arg(long, env = "WAITWELL_IDLE_TIMEOUT_SECS", global = true)]
    pub idle_timeout_secs: Option<u64>,
    /// Connections one client IP address may hold open at once, live
    /// websockets included; more are closed at once [default: 256].
    #[arg(long, env = "WAITWELL_MAX_CONNECTIONS_PER_ADDRESS", global = true)]
    pub max_connections_per_address: Option<usize>,
    /// Comma-separated hosts (names or addresses) webhooks may reach even
    /// though they are internal: loopback, private, link-local and similar
    /// addresses are refused otherwise [default: none].
    #[arg(long, env = "WAITWELL_WEBHOOK_ALLOW_HOSTS", global = true)]
    pub webhook_allow_hosts: Option<String>,
}

/// The file form of [`Settings`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    database_url: Option<String>,
    admin_password: Option<String>,
    session_hours: Option<u32>,
    login_attempts_per_minute: Option<u32>,
    public_url: Option<String>,
    contact_retention_days: Option<u32>,
    remote_tickets_per_minute: Option<u32>,
    bookings_per_minute: Option<u32>,
    code_lookups_per_minute: Option<u32>,
    trust_forwarded_for: Option<bool>,
    metrics_token: Option<String>,
    header_timeout_secs: Option<u64>,
    idle_timeout_secs: Option<u64>,
    max_connections_per_address: Option<usize>,
    webhook_allow_hosts: Option<String>,
}

/// Validated settings.
#[derive(Clone)]
pub struct Config {
    /// Listen address.
    pub listen: SocketAddr,
    /// Database URL.
    pub database_url: String,
    /// Initial admin password, if given.
    pub admin_password: Option<String>,
    /// Session lifetime in hours.
    pub session_hours: u32,
    /// Login attempts per user name and address per minute.
    pub login_attempts_per_minute: u32,
    /// Public base URL, without a trailing slash.
    pub public_url: String,
    /// Days contact details (phone, e-mail) are kept; see `jobs/retention.rs`.
    pub contact_retention_days: u32,
    /// Remote tickets per client address per minute; see `remote.rs`.
    pub remote_tickets_per_minute: u32,
    /// Bookings per client address per minute; see `appointments.rs`.
    pub bookings_per_minute: u32,
    /// Booking-code lookups per client address per minute; see
    /// `appointments.rs`.
    pub code_lookups_per_minute: u32,
    /// Whether X-Forwarded-For names the client (behind a reverse proxy).
    pub trust_forwarded_for: bool,
    /// The scrape token of /metrics; `None` turns /metrics off.
    pub metrics_token: Option<String>,
    /// Seconds to wait for a request's headers; see `serve.rs`.
    pub header_timeout_secs: u64,
    /// Seconds a connection may stay silent; see `serve.rs`.
    pub idle_timeout_secs: u64,
    /// Connections per client IP address; see `serve.rs`.
    pub max_connections_per_address: usize,
    /// Longest a request may take, reading its body included (408 after).
    /// Not a flag; tests shorten it.
    pub request_timeout_ms: u64,
    /// Internal hosts webhooks may reach, normalised (see
    /// `destinations::normalize_host`); matched exactly against a
    /// webhook URL's host.
    pub webhook_allow_hosts: Vec<String>,
    /// Webhook retry back-off: the first delay, doubled per failure up to
    /// `webhook_retry_max_ms`, with jitter. Not a flag; tests shorten it.
    pub webhook_retry_base_ms: u64,
    /// Longest webhook retry delay.
    pub webhook_retry_max_ms: u64,
    /// How often the webhook worker looks for undelivered events when no
    /// live event wakes it.
    pub webhook_poll_ms: u64,
    /// Hash new passwords with the smallest argon2 cost. Not a flag: only
    /// [`Config::for_tests`] sets it, so that test offices do not spend
    /// seconds of CPU on hashing; stored hashes carry their own cost, so
    /// verifying is unaffected.
    pub cheap_password_hashing: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field(
                "database_url",
                &crate::store::redact_url(&self.database_url),
            )
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "***"),
            )
            .field("session_hours", &self.session_hours)
            .field("login_attempts_per_minute", &self.login_attempts_per_minute)
            .field("public_url", &self.public_url)
            .field("contact_retention_days", &self.contact_retention_days)
            .field("remote_tickets_per_minute", &self.remote_tickets_per_minute)
            .field("bookings_per_minute", &self.bookings_per_minute)
            .field("code_lookups_per_minute", &self.code_lookups_per_minute)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("header_timeout_secs", &self.header_timeout_secs)
            .field("idle_timeout_secs", &self.idle_timeout_secs)
            .field(
                "max_connections_per_address",
                &self.max_connections_per_address,
            )
            .field("request_timeout_ms", &self.request_timeout_ms)
            .field("webhook_allow_hosts", &self.webhook_allow_hosts)
            .field("webhook_retry_base_ms", &self.webhook_retry_base_ms)
            .field("webhook_retry_max_ms", &self.webhook_retry_max_ms)
            .field("webhook_poll_ms", &self.webhook_poll_ms)
            .finish()
    }
}

impl Config {
    /// Session lifetime in milliseconds.
    pub fn session_ttl_ms(&self) -> i64 {
        i64::from(self.session_hours) * 3_600_000
    }

    /// Settings for tests: port 0 and the given database.
    pub fn for_tests(database_url: &str) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.to_owned(),
            admin_password: None,
            session_hours: 12,
            login_attempts_per_minute: 10,
            public_url: "http://127.0.0.1".into(),
            contact_retention_days: 30,
            remote_tickets_per_minute: 5,
            // Tests book many slots from one address; the limit's own test
            // lowers this.
            bookings_per_minute: 1_000,
            // Likewise for lookups by booking code.
            code_lookups_per_minute: 1_000,
            trust_forwarded_for: false,
            metrics_token: None,
            header_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections_per_address: 256,
            request_timeout_ms: 30_000,
            // Tests that run a webhook receiver on 127.0.0.1 allow it.
            webhook_allow_hosts: Vec::new(),
            webhook_retry_base_ms: 1_000,
            webhook_retry_max_ms: 600_000,
            webhook_poll_ms: 1_000,
            cheap_password_hashing: true,
        }
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

impl Settings {
    /// Merges file and defaults and validates. Every error names the setting.
    ///
    /// # Errors
    /// An unreadable file or an invalid value.
    pub fn resolve(&self) -> anyhow::Result<Config> {
        let file = match &self.config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let listen_text = self
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen_text.parse().with_context(|| {
            format!("WAITWELL_LISTEN (--listen) must be an address like 127.0.0.1:8080, got {listen_text:?}")
        })?;
        let database_url = self
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| "sqlite://waitwell.db".into());
        crate::store::Kind::from_url(&database_url)?;
        let admin_password = self.admin_password.clone().or(file.admin_password);
        if let Some(p) = &admin_password
            && crate::auth::validate_password(p).is_err()
        {
            bail!(
                "WAITWELL_ADMIN_PASSWORD must be {} to 256 characters long and not a common password",
                crate::auth::MIN_PASSWORD_CHARS
            );
        }
        let session_hours = self.session_hours.or(file.session_hours).unwrap_or(12);
        if !(1..=24 * 30).contains(&session_hours) {
            bail!("WAITWELL_SESSION_HOURS must be 1 to 720, got {session_hours}");
        }
        let login_attempts_per_minute = self
            .login_attempts_per_minute
            .or(file.login_attempts_per_minute)
            .unwrap_or(10);
        if !(1..=10_000).contains(&login_attempts_per_minute) {
            bail!(
                "WAITWELL_LOGIN_ATTEMPTS_PER_MINUTE must be 1 to 10000, got {login_attempts_per_minute}"
            );
        }
        let public_url = self
            .public_url
            .clone()
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            bail!("WAITWELL_PUBLIC_URL must start with http:// or https://, got {public_url:?}");
        }
        let contact_retention_days = self
            .contact_retention_days
            .or(file.contact_retention_days)
            .unwrap_or(30);
        if contact_retention_days > 3650 {
            bail!(
                "WAITWELL_CONTACT_RETENTION_DAYS must be 0 to 3650, got {contact_retention_days}"
            );
        }
        let remote_tickets_per_minute = self
            .remote_tickets_per_minute
            .or(file.remote_tickets_per_minute)
            .unwrap_or(5);
        if !(1..=10_000).contains(&remote_tickets_per_minute) {
            bail!(
                "WAITWELL_REMOTE_TICKETS_PER_MINUTE must be 1 to 10000, got {remote_tickets_per_minute}"
            );
        }
        let bookings_per_minute = self
            .bookings_per_minute
            .or(file.bookings_per_minute)
            .unwrap_or(10);
        if !(1..=10_000).contains(&bookings_per_minute) {
            bail!("WAITWELL_BOOKINGS_PER_MINUTE must be 1 to 10000, got {bookings_per_minute}");
        }
        let code_lookups_per_minute = self
            .code_lookups_per_minute
            .or(file.code_lookups_per_minute)
            .unwrap_or(20);
        if !(1..=10_000).contains(&code_lookups_per_minute) {
            bail!(
                "WAITWELL_CODE_LOOKUPS_PER_MINUTE must be 1 to 10000, got {code_lookups_per_minute}"
            );
        }
        let trust_forwarded_for = self
            .trust_forwarded_for
            .or(file.trust_forwarded_for)
            .unwrap_or(false);
        let metrics_token = self.metrics_token.clone().or(file.metrics_token);
        if let Some(t) = &metrics_token
            && !(16..=256).contains(&t.len())
        {
            bail!("WAITWELL_METRICS_TOKEN must be 16 to 256 characters long");
        }
        let header_timeout_secs = self
            .header_timeout_secs
            .or(file.header_timeout_secs)
            .unwrap_or(10);
        if !(1..=3600).contains(&header_timeout_secs) {
            bail!("WAITWELL_HEADER_TIMEOUT_SECS must be 1 to 3600, got {header_timeout_secs}");
        }
        let idle_timeout_secs = self
            .idle_timeout_secs
            .or(file.idle_timeout_secs)
            .unwrap_or(60);
        if !(1..=86_400).contains(&idle_timeout_secs) {
            bail!("WAITWELL_IDLE_TIMEOUT_SECS must be 1 to 86400, got {idle_timeout_secs}");
        }
        let max_connections_per_address = self
            .max_connections_per_address
            .or(file.max_connections_per_address)
            .unwrap_or(256);
        if !(1..=1_000_000).contains(&max_connections_per_address) {
            bail!(
                "WAITWELL_MAX_CONNECTIONS_PER_ADDRESS must be 1 to 1000000, got {max_connections_per_address}"
            );
        }
        let mut webhook_allow_hosts = Vec::new();
        for entry in self
            .webhook_allow_hosts
            .clone()
            .or(file.webhook_allow_hosts)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let Some(host) = crate::destinations::normalize_host(entry) else {
                bail!(
                    "WAITWELL_WEBHOOK_ALLOW_HOSTS must list host names or addresses without ports, separated by commas; {entry:?} is not one"
                );
            };
            webhook_allow_hosts.push(host);
        }
        Ok(Config {
            listen,
            database_url,
            admin_password,
            session_hours,
            login_attempts_per_minute,
            public_url: public_url.trim_end_matches('/').to_owned(),
            contact_retention_days,
            remote_tickets_per_minute,
            bookings_per_minute,
            code_lookups_per_minute,
            trust_forwarded_for,
            metrics_token,
            header_timeout_secs,
            idle_timeout_secs,
            max_connections_per_address,
            request_timeout_ms: 30_000,
            webhook_allow_hosts,
            webhook_retry_base_ms: 1_000,
            webhook_retry_max_ms: 600_000,
            webhook_poll_ms: 1_000,
            cheap_password_hashing: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = Settings::default().resolve().unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://waitwell.db");
        assert_eq!(c.session_hours, 12);
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert_eq!(c.contact_retention_days, 30);
        assert_eq!(c.remote_tickets_per_minute, 5);
        assert_eq!(c.bookings_per_minute, 10);
        assert_eq!(c.code_lookups_per_minute, 20);
        assert!(!c.trust_forwarded_for);
        assert_eq!(c.header_timeout_secs, 10);
        assert_eq!(c.idle_timeout_secs, 60);
        assert_eq!(c.max_connections_per_address, 256);
        assert!(c.webhook_allow_hosts.is_empty());
    }

    #[test]
    fn errors_name_the_setting() {
        let bad = |s: Settings| format!("{:#}", s.resolve().unwrap_err());
        assert!(
            bad(Settings {
                listen: Some("nope".into()),
                ..Default::default()
            })
            .contains("WAITWELL_LISTEN")
        );
        assert!(
            bad(Settings {
                database_url: Some("mysql://x".into()),
                ..Default::default()
            })
            .contains("WAITWELL_DATABASE_URL")
        );
        assert!(
            bad(Settings {
                admin_password: Some("short".into()),
                ..Default::default()
            })
            .contains("WAITWELL_ADMIN_PASSWORD")
        );
        assert!(
            bad(Settings {
                session_hours: Some(0),
                ..Default::default()
            })
            .contains("WAITWELL_SESSION_HOURS")
        );
        assert!(
            bad(Settings {
                contact_retention_days: Some(5000),
                ..Default::default()
            })
            .contains("WAITWELL_CONTACT_RETENTION_DAYS")
        );
        assert!(
            bad(Settings {
                remote_tickets_per_minute: Some(0),
                ..Default::default()
            })
            .contains("WAITWELL_REMOTE_TICKETS_PER_MINUTE")
        );
        assert!(
            bad(Settings {
                bookings_per_minute: Some(0),
                ..Default::default()
            })
            .contains("WAITWELL_BOOKINGS_PER_MINUTE")
        );
        assert!(
            bad(Settings {
                header_timeout_secs: Some(0),
                ..Default::default()
            })
            .contains("WAITWELL_HEADER_TIMEOUT_SECS")
        );
        assert!(
            bad(Settings {
                max_connections_per_address: Some(0),
                ..Default::default()
            })
            .contains("WAITWELL_MAX_CONNECTIONS_PER_ADDRESS")
        );
        assert!(
            bad(Settings {
                code_lookups_per_minute: Some(0),
                ..Default::default()
            })
            .contains("WAITWELL_CODE_LOOKUPS_PER_MINUTE")
        );
        for entry in ["10.0.0.1:8080", "http://x.org/", "a b", "x.org/path"] {
            assert!(
                bad(Settings {
                    webhook_allow_hosts: Some(format!("gw.example, {entry}")),
                    ..Default::default()
                })
                .contains("WAITWELL_WEBHOOK_ALLOW_HOSTS"),
                "{entry}"
            );
        }
    }

    #[test]
    fn webhook_allow_hosts_are_normalised() {
        let c = Settings {
            webhook_allow_hosts: Some(" GW.Internal. , 127.1,[::1], 0x7f.0.0.2 ,".into()),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert_eq!(
            c.webhook_allow_hosts,
            ["gw.internal", "127.0.0.1", "[::1]", "127.0.0.2"]
        );
    }

    #[test]
    fn file_is_overridden_by_flags() {
        let dir = std::env::temp_dir().join(format!("waitwell-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("waitwell.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\nsession_hours = 2\n").unwrap();
        let from_file = Settings {
            config: Some(path.clone()),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert_eq!(from_file.listen.port(), 9000);
        assert_eq!(from_file.session_hours, 2);
        let flag = Settings {
            config: Some(path.clone()),
            listen: Some("127.0.0.1:9001".into()),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert_eq!(flag.listen.port(), 9001);
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let err = format!(
            "{:#}",
            Settings {
                config: Some(path),
                ..Default::default()
            }
            .resolve()
            .unwrap_err()
        );
        assert!(err.contains("lisen"), "{err}");
    }

    #[test]
    fn debug_redacts_secrets() {
        let mut c = Config::for_tests("postgres://u:secret@localhost/db");
        c.admin_password = Some("hunter2hunter2".into());
        let text = format!("{c:?}");
        assert!(
            !text.contains("secret") && !text.contains("hunter2"),
            "{text}"
        );
    }
}
