//! Settings: defaults, then an optional TOML file, then `WAITWELL_*`
//! environment variables, then command-line flags (clap reads flags and
//! environment together; flags win).
//!
//! Each setting is declared once, as a field of [`Settings`]: the field's
//! name is the flag (`--session-hours`) and the file key (`session_hours`),
//! its `env` the variable, its doc comment the `--help` text.
//! [`Settings::resolve`] lays the file under flags and environment without
//! naming any setting, then turns each one into its [`Config`] field in one
//! expression: its default and its check, in the same order as here.

use std::fmt;
use std::net::SocketAddr;
use std::ops::{Deref, RangeInclusive};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::events::anchor::AuditKey;

/// Every setting, as given on the command line, in the environment or (all
/// but `config`) in the TOML file. `None` means not given at that layer.
#[derive(Debug, Clone, Default, Args, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// TOML file with any of the settings below (keys in snake_case, e.g.
    /// `listen = "0.0.0.0:8080"`). Flags and environment override it.
    #[arg(long, env = "WAITWELL_CONFIG", global = true)]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "WAITWELL_LISTEN", global = true)]
    pub listen: Option<String>,
    /// Database URL: sqlite://FILE (created if missing) or postgres://…
    /// [default: sqlite://waitwell.db].
    #[arg(long, env = "WAITWELL_DATABASE_URL", global = true)]
    pub database_url: Option<DatabaseUrl>,
    /// Creates user `admin` with this password when the database has no users.
    #[arg(
        long,
        env = "WAITWELL_ADMIN_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub admin_password: Option<Secret>,
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
    pub metrics_token: Option<Secret>,
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
    /// File with the ed25519 private key (PKCS#8 PEM, as written by
    /// `waitwell audit keygen`) that signs each business day's audit chain
    /// head. Keep it outside the database and its backups. Without it no
    /// checkpoints are signed [default: none].
    #[arg(long, env = "WAITWELL_AUDIT_KEY_FILE", global = true)]
    pub audit_key_file: Option<PathBuf>,
}

/// A setting that must not reach logs: `Debug` prints `***`. The text
/// itself is read through `Deref`.
///
/// It serialises as plain text only because [`Settings::resolve`] layers
/// settings through serde; nothing else serialises settings.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A database URL whose `Debug` hides the password (see
/// [`crate::store::redact_url`]). The URL itself is read through `Deref`.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&crate::store::redact_url(&self.0), f)
    }
}

/// The conversions both text wrappers need: from the command line (clap
/// parses through `From<String>`), from literals in tests, and back to
/// `&str` where the text is used.
macro_rules! text_wrapper {
    ($($wrapper:ident),*) => {$(
        impl From<String> for $wrapper {
            fn from(text: String) -> Self {
                $wrapper(text)
            }
        }

        impl From<&str> for $wrapper {
            fn from(text: &str) -> Self {
                $wrapper(text.to_owned())
            }
        }

        impl Deref for $wrapper {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }
    )*};
}

text_wrapper!(Secret, DatabaseUrl);

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listen address.
    pub listen: SocketAddr,
    /// Database URL.
    pub database_url: DatabaseUrl,
    /// Initial admin password, if given.
    pub admin_password: Option<Secret>,
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
    pub metrics_token: Option<Secret>,
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
    /// The key that signs each business day's chain head, read from
    /// `WAITWELL_AUDIT_KEY_FILE` at startup; `None` signs nothing. See
    /// `events/anchor.rs` and `domain/audit.rs`.
    pub audit_key: Option<AuditKey>,
    /// Hash new passwords with the smallest argon2 cost. Not a flag: only
    /// [`Config::for_tests`] sets it, so that test offices do not spend
    /// seconds of CPU on hashing; stored hashes carry their own cost, so
    /// verifying is unaffected.
    pub cheap_password_hashing: bool,
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
            database_url: database_url.into(),
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
            audit_key: None,
            cheap_password_hashing: true,
        }
    }
}

impl Settings {
    /// Lays the file (if any) under these settings, applies the defaults
    /// and validates. Every error names the setting.
    ///
    /// # Errors
    /// An unreadable file or an invalid value.
    pub fn resolve(&self) -> anyhow::Result<Config> {
        let s = match &self.config {
            Some(path) => read_file(path)?.overlaid_with(self)?,
            None => self.clone(),
        };
        let listen_text = s.listen.unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen_text.parse().with_context(|| {
            format!("WAITWELL_LISTEN (--listen) must be an address like 127.0.0.1:8080, got {listen_text:?}")
        })?;
        Ok(Config {
            listen,
            database_url: {
                let url = s.database_url.unwrap_or_else(|| "sqlite://waitwell.db".into());
                crate::store::Kind::from_url(&url)?;
                url
            },
            admin_password: match s.admin_password {
                Some(p) if crate::domain::auth::validate_password(&p).is_err() => bail!(
                    "WAITWELL_ADMIN_PASSWORD must be {} to 256 characters long and not a common password",
                    crate::domain::auth::MIN_PASSWORD_CHARS
                ),
                p => p,
            },
            session_hours: within("WAITWELL_SESSION_HOURS", s.session_hours, 12, 1..=24 * 30)?,
            login_attempts_per_minute: within(
                "WAITWELL_LOGIN_ATTEMPTS_PER_MINUTE",
                s.login_attempts_per_minute,
                10,
                1..=10_000,
            )?,
            public_url: {
                let url = s.public_url.unwrap_or_else(|| format!("http://{listen}"));
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    bail!("WAITWELL_PUBLIC_URL must start with http:// or https://, got {url:?}");
                }
                url.trim_end_matches('/').to_owned()
            },
            contact_retention_days: within(
                "WAITWELL_CONTACT_RETENTION_DAYS",
                s.contact_retention_days,
                30,
                0..=3650,
            )?,
            remote_tickets_per_minute: within(
                "WAITWELL_REMOTE_TICKETS_PER_MINUTE",
                s.remote_tickets_per_minute,
                5,
                1..=10_000,
            )?,
            bookings_per_minute: within(
                "WAITWELL_BOOKINGS_PER_MINUTE",
                s.bookings_per_minute,
                10,
                1..=10_000,
            )?,
            code_lookups_per_minute: within(
                "WAITWELL_CODE_LOOKUPS_PER_MINUTE",
                s.code_lookups_per_minute,
                20,
                1..=10_000,
            )?,
            trust_forwarded_for: s.trust_forwarded_for.unwrap_or(false),
            metrics_token: match s.metrics_token {
                Some(t) if !(16..=256).contains(&t.len()) => {
                    bail!("WAITWELL_METRICS_TOKEN must be 16 to 256 characters long")
                }
                t => t,
            },
            header_timeout_secs: within(
                "WAITWELL_HEADER_TIMEOUT_SECS",
                s.header_timeout_secs,
                10,
                1..=3600,
            )?,
            idle_timeout_secs: within(
                "WAITWELL_IDLE_TIMEOUT_SECS",
                s.idle_timeout_secs,
                60,
                1..=86_400,
            )?,
            max_connections_per_address: within(
                "WAITWELL_MAX_CONNECTIONS_PER_ADDRESS",
                s.max_connections_per_address,
                256,
                1..=1_000_000,
            )?,
            request_timeout_ms: 30_000,
            webhook_allow_hosts: s
                .webhook_allow_hosts
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|entry| match crate::domain::destinations::normalize_host(entry) {
                    Some(host) => Ok(host),
                    None => bail!(
                        "WAITWELL_WEBHOOK_ALLOW_HOSTS must list host names or addresses without ports, separated by commas; {entry:?} is not one"
                    ),
                })
                .collect::<anyhow::Result<_>>()?,
            webhook_retry_base_ms: 1_000,
            webhook_retry_max_ms: 600_000,
            webhook_poll_ms: 1_000,
            // A key file that is named but unusable stops the server: an
            // office that asked for signed checkpoints must not run
            // without them unnoticed.
            audit_key: s
                .audit_key_file
                .as_deref()
                .map(AuditKey::load)
                .transpose()?,
            cheap_password_hashing: false,
        })
    }

    /// `above` laid over `self`: each setting `above` leaves unset comes
    /// from `self`. Goes through serde so that no setting is named here.
    fn overlaid_with(self, above: &Settings) -> anyhow::Result<Settings> {
        let mut merged = given(&self)?;
        merged.extend(given(above)?);
        let mut merged: Settings = serde_json::from_value(Value::Object(merged))
            .context("merging the config file with flags and environment")?;
        merged.config.clone_from(&above.config);
        Ok(merged)
    }
}

/// The settings that are set, by file key.
fn given(settings: &Settings) -> anyhow::Result<Map<String, Value>> {
    let Value::Object(mut fields) = serde_json::to_value(settings)? else {
        bail!("settings do not serialise to a map");
    };
    fields.retain(|_, value| !value.is_null());
    Ok(fields)
}

/// The setting `var`'s value, or `default` when it is not given, if it lies
/// in `range`.
fn within<T>(var: &str, value: Option<T>, default: T, range: RangeInclusive<T>) -> anyhow::Result<T>
where
    T: PartialOrd + fmt::Display,
{
    let value = value.unwrap_or(default);
    if !range.contains(&value) {
        bail!(
            "{var} must be {} to {}, got {value}",
            range.start(),
            range.end()
        );
    }
    Ok(value)
}

fn read_file(path: &Path) -> anyhow::Result<Settings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = Settings::default().resolve().unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(&*c.database_url, "sqlite://waitwell.db");
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
        assert!(c.audit_key.is_none());
    }

    #[test]
    fn a_named_audit_key_must_be_usable() {
        let dir = std::env::temp_dir().join(format!("waitwell-audit-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.pem");
        let err = format!(
            "{:#}",
            Settings {
                audit_key_file: Some(missing.clone()),
                ..Default::default()
            }
            .resolve()
            .unwrap_err()
        );
        assert!(err.contains("WAITWELL_AUDIT_KEY_FILE"), "{err}");
        assert!(err.contains(missing.to_str().unwrap()), "{err}");
        let good = dir.join("good.pem");
        let _ = std::fs::remove_file(&good);
        let key = crate::events::anchor::write_new_key(&good).unwrap();
        let c = Settings {
            audit_key_file: Some(good),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert_eq!(c.audit_key.unwrap().public_hex(), key.public_hex());
        let _ = std::fs::remove_dir_all(dir);
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
    fn file_lies_under_every_given_flag_and_only_those() {
        let dir = std::env::temp_dir().join(format!("waitwell-layers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("waitwell.toml");
        std::fs::write(
            &path,
            "trust_forwarded_for = true\nbookings_per_minute = 7\nmetrics_token = \"from-the-file-0123\"\n",
        )
        .unwrap();
        let c = Settings {
            config: Some(path.clone()),
            trust_forwarded_for: Some(false),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert!(!c.trust_forwarded_for, "a flag set to false still wins");
        assert_eq!(c.bookings_per_minute, 7);
        assert_eq!(c.metrics_token.as_deref(), Some("from-the-file-0123"));
        assert_eq!(c.session_hours, 12, "neither gives it: the default");
        // The file cannot name another file.
        std::fs::write(&path, "config = \"other.toml\"\n").unwrap();
        let err = Settings {
            config: Some(path),
            ..Default::default()
        }
        .resolve()
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown field `config`"),
            "{err:#}"
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let mut c = Config::for_tests("postgres://u:secret@localhost/db");
        c.admin_password = Some("hunter2hunter2".into());
        c.metrics_token = Some("scrape-token-0123456789".into());
        let settings = Settings {
            database_url: Some("postgres://u:secret@localhost/db".into()),
            admin_password: Some("hunter2hunter2".into()),
            metrics_token: Some("scrape-token-0123456789".into()),
            ..Default::default()
        };
        for text in [format!("{c:?}"), format!("{settings:?}")] {
            assert!(
                !text.contains("secret") && !text.contains("hunter2") && !text.contains("scrape"),
                "{text}"
            );
            assert!(text.contains("postgres://u:***@localhost/db"), "{text}");
        }
    }
}
