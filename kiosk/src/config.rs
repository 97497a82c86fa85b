//! The agent's configuration file (TOML). See the README section "Kiosk
//! printer" for an annotated example.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;

use crate::codepage::CodePage;
use crate::layout::{Logo, PaperWidth};
use crate::printer::Connection;
use crate::raster::Fonts;

/// Everything the agent needs.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Base URL of the server, e.g. `http://10.0.0.5:8080`.
    pub server_url: String,
    /// The kiosk's device token.
    pub token: String,
    /// Base URL visitors reach the server at, for the QR code; defaults to
    /// `server_url`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Where the seq of the last handled print job is kept; defaults to
    /// `waitwell-kiosk.state` next to the configuration file.
    #[serde(default)]
    pub state_file: Option<PathBuf>,
    /// A print job not printed within this many seconds (printer broken)
    /// is dropped: the visitor has the ticket on screen by then.
    #[serde(default = "default_job_expiry_s")]
    pub job_expiry_s: u64,
    /// First retry delay after a failed print, in milliseconds; doubles up
    /// to `retry_max_ms`.
    #[serde(default = "default_retry_min_ms")]
    pub retry_min_ms: u64,
    /// Longest retry delay, in milliseconds.
    #[serde(default = "default_retry_max_ms")]
    pub retry_max_ms: u64,
    /// Tickets issued before the agent started (while it was down) are
    /// printed only when issued at most this many seconds ago: older ones'
    /// visitors have left the kiosk, and a pile of strangers' tickets, whose
    /// QR codes open (and cancel) their tickets, is worse than none. At most
    /// `job_expiry_s`; 0 prints none of them.
    #[serde(default = "default_startup_window_s")]
    pub startup_window_s: u64,
    /// How often the printer's state is checked and reported while idle,
    /// in seconds (also keeps the device "online" for managers).
    #[serde(default = "default_status_interval_s")]
    pub status_interval_s: u64,
    /// The printer.
    pub printer: PrinterConfig,
}

// The token must not reach logs.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("server_url", &self.server_url)
            .field("token", &"<redacted>")
            .field("public_url", &self.public_url)
            .field("state_file", &self.state_file)
            .field("printer", &self.printer)
            .finish_non_exhaustive()
    }
}

/// The `[printer]` table.
#[derive(Debug, Clone, Deserialize)]
pub struct PrinterConfig {
    /// How it is connected (`connection = "tcp" | "usb" | "serial" | "file"`
    /// plus `address` or `path`).
    #[serde(flatten)]
    pub connection: Connection,
    /// 58 or 80 (mm).
    #[serde(default)]
    pub paper_width: PaperWidth,
    /// `"auto"` (by the ticket's language) or one page for every ticket.
    #[serde(default)]
    pub code_page: CodePageChoice,
    /// Per-language overrides of the automatic choice, e.g.
    /// `{ pl = "wpc1250" }`.
    #[serde(default)]
    pub code_pages: BTreeMap<String, CodePage>,
    /// A binary PBM (P4) image printed above the office name.
    #[serde(default)]
    pub logo: Option<PathBuf>,
    /// Ask the printer for its state before and after each ticket; defaults
    /// to true for TCP, false for device files.
    #[serde(default)]
    pub status_query: Option<bool>,
    /// Font files (TrueType, OpenType or `.ttc`) for lines drawn as images
    /// whose letters the shipped DejaVu Sans lacks, tried in order: e.g.
    /// `["/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"]` for Chinese
    /// and Japanese. Loaded at start; a bad file stops the agent.
    #[serde(default)]
    pub fallback_fonts: Vec<PathBuf>,
}

/// The `code_page` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(untagged)]
pub enum CodePageChoice {
    /// One page for all tickets.
    Fixed(CodePage),
    /// `"auto"`.
    #[default]
    #[serde(deserialize_with = "auto")]
    Auto,
}

fn auto<'de, D: serde::Deserializer<'de>>(d: D) -> Result<(), D::Error> {
    let s = String::deserialize(d)?;
    if s == "auto" {
        Ok(())
    } else {
        Err(serde::de::Error::custom(format!(
            "unknown code page {s:?} (auto, pc437, pc852, pc857, pc858, pc865, pc866, wpc1250, wpc1251, wpc1252)"
        )))
    }
}

fn default_job_expiry_s() -> u64 {
    600
}
fn default_startup_window_s() -> u64 {
    120
}
fn default_retry_min_ms() -> u64 {
    1_000
}
fn default_retry_max_ms() -> u64 {
    30_000
}
fn default_status_interval_s() -> u64 {
    60
}

impl PrinterConfig {
    /// A printer config with defaults for everything but the connection.
    pub fn new(connection: Connection) -> PrinterConfig {
        PrinterConfig {
            connection,
            paper_width: PaperWidth::default(),
            code_page: CodePageChoice::Auto,
            code_pages: BTreeMap::new(),
            logo: None,
            status_query: None,
            fallback_fonts: Vec::new(),
        }
    }

    /// The page for a language.
    pub fn code_page_for(&self, language: &str) -> CodePage {
        if let CodePageChoice::Fixed(page) = self.code_page {
            return page;
        }
        let primary = language.split(['-', '_']).next().unwrap_or_default();
        self.code_pages
            .get(primary)
            .copied()
            .unwrap_or_else(|| CodePage::for_language(language))
    }

    /// Whether to send status queries.
    pub fn queries(&self) -> bool {
        self.status_query
            .unwrap_or_else(|| self.connection.queries_by_default())
    }

    /// Loads the shipped font and the `fallback_fonts`.
    ///
    /// # Errors
    /// A fallback font file is unreadable or not a font; the message names
    /// the file.
    pub fn load_fonts(&self) -> anyhow::Result<Fonts> {
        let fonts = Fonts::with_fallbacks(&self.fallback_fonts)?;
        if !fonts.fallback_families().is_empty() {
            tracing::info!(fallbacks = ?fonts.fallback_families(), "fallback fonts loaded");
        }
        Ok(fonts)
    }

    /// Reads the logo file, if one is configured.
    ///
    /// # Errors
    /// Unreadable or not a P4 PBM file.
    pub fn load_logo(&self) -> anyhow::Result<Option<Logo>> {
        let Some(path) = &self.logo else {
            return Ok(None);
        };
        let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let logo = Logo::from_pbm(&data)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("reading {}", path.display()))?;
        if logo.width > self.paper_width.dots() {
            anyhow::bail!(
                "logo {} is {} dots wide; the paper takes {}",
                path.display(),
                logo.width,
                self.paper_width.dots()
            );
        }
        Ok(Some(logo))
    }
}

impl Config {
    /// A configuration with defaults for everything optional.
    pub fn new(server_url: &str, token: &str, printer: PrinterConfig) -> Config {
        Config {
            server_url: server_url.to_owned(),
            token: token.to_owned(),
            public_url: None,
            state_file: None,
            job_expiry_s: default_job_expiry_s(),
            startup_window_s: default_startup_window_s(),
            retry_min_ms: default_retry_min_ms(),
            retry_max_ms: default_retry_max_ms(),
            status_interval_s: default_status_interval_s(),
            printer,
        }
    }

    /// Parses a configuration file's text.
    ///
    /// # Errors
    /// Invalid TOML or missing settings.
    pub fn parse(text: &str) -> anyhow::Result<Config> {
        let config: Config = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks settings that are each valid alone but not together.
    ///
    /// # Errors
    /// `job_expiry_s` is 0, or `startup_window_s` exceeds it.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.job_expiry_s == 0 {
            anyhow::bail!("job_expiry_s must be at least 1 (seconds)");
        }
        if self.startup_window_s > self.job_expiry_s {
            anyhow::bail!(
                "startup_window_s ({}) must be between 0 and job_expiry_s ({}) seconds",
                self.startup_window_s,
                self.job_expiry_s
            );
        }
        Ok(())
    }

    /// Reads a configuration file; a relative `state_file` (and the default
    /// one) is taken relative to the file's directory.
    ///
    /// # Errors
    /// Unreadable or invalid file.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut config =
            Config::parse(&text).with_context(|| format!("reading {}", path.display()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        config.state_file = Some(
            dir.join(
                config
                    .state_file
                    .take()
                    .unwrap_or_else(|| PathBuf::from("waitwell-kiosk.state")),
            ),
        );
        Ok(config)
    }

    /// The base URL for QR codes.
    pub fn public_url(&self) -> &str {
        self.public_url
            .as_deref()
            .unwrap_or(&self.server_url)
            .trim_end_matches('/')
    }

    /// The state file.
    pub fn state_file(&self) -> PathBuf {
        self.state_file
            .clone()
            .unwrap_or_else(|| PathBuf::from("waitwell-kiosk.state"))
    }

    /// See [`Config::startup_window_s`].
    pub fn startup_window(&self) -> Duration {
        Duration::from_secs(self.startup_window_s)
    }

    /// First retry delay.
    pub fn retry_min(&self) -> Duration {
        Duration::from_millis(self.retry_min_ms.max(1))
    }

    /// Longest retry delay.
    pub fn retry_max(&self) -> Duration {
        Duration::from_millis(self.retry_max_ms.max(self.retry_min_ms).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_example() {
        let config = Config::parse(
            r#"
server_url = "http://10.0.0.5:8080"
token = "secret"
public_url = "https://queue.example.org/"

[printer]
connection = "tcp"
address = "192.168.1.50:9100"
paper_width = 58
code_page = "auto"
code_pages = { pl = "wpc1250" }
"#,
        )
        .unwrap();
        assert_eq!(config.public_url(), "https://queue.example.org");
        assert_eq!(config.printer.paper_width, PaperWidth::Mm58);
        assert_eq!(
            config.printer.connection,
            Connection::Tcp {
                address: "192.168.1.50:9100".into()
            }
        );
        assert_eq!(config.printer.code_page_for("pl-PL"), CodePage::Wpc1250);
        assert_eq!(config.printer.code_page_for("da"), CodePage::Pc858);
        assert_eq!(config.printer.code_page_for("en"), CodePage::Pc437);
        assert!(config.printer.queries());
        assert!(!format!("{config:?}").contains("secret"));

        let serial = Config::parse(
            r#"
server_url = "http://x"
token = "t"
[printer]
connection = "serial"
path = "/dev/ttyUSB0"
baud = 19200
code_page = "pc865"
"#,
        )
        .unwrap();
        assert_eq!(
            serial.printer.connection,
            Connection::Serial {
                path: "/dev/ttyUSB0".into(),
                baud: Some(19200)
            }
        );
        assert_eq!(serial.printer.code_page_for("pl"), CodePage::Pc865);
        assert_eq!(serial.printer.paper_width, PaperWidth::Mm80);
        assert!(!serial.printer.queries());
        assert!(serial.printer.fallback_fonts.is_empty());

        assert_eq!(config.startup_window_s, 120);
        assert_eq!(config.job_expiry_s, 600);
        assert!(
            Config::parse(
                "server_url = \"x\"\ntoken = \"t\"\n[printer]\nconnection = \"usb\"\npath = \"/dev/usb/lp0\"\npaper_width = 70\n"
            )
            .is_err()
        );
        assert!(
            Config::parse(
                "server_url = \"x\"\ntoken = \"t\"\n[printer]\nconnection = \"usb\"\npath = \"/dev/usb/lp0\"\ncode_page = \"utf8\"\n"
            )
            .is_err()
        );
    }

    #[test]
    fn fallback_fonts_are_loaded_or_named() {
        let with = |fonts: &str| {
            Config::parse(&format!(
                "server_url = \"x\"\ntoken = \"t\"\n[printer]\nconnection = \"file\"\npath = \"/tmp/t\"\nfallback_fonts = {fonts}\n"
            ))
            .unwrap()
        };
        let config = with("[\"/nonexistent/cjk.ttc\"]");
        let err = format!("{:#}", config.printer.load_fonts().unwrap_err());
        assert!(err.contains("/nonexistent/cjk.ttc"), "{err}");
        assert!(with("[]").printer.load_fonts().is_ok());
        // Greek: no Greek page among the agent's, so a Western one for the
        // digits, and the Greek lines as images.
        assert_eq!(with("[]").printer.code_page_for("el"), CodePage::Pc858);
        assert_eq!(with("[]").printer.code_page_for("ar-EG"), CodePage::Pc858);
        assert_eq!(with("[]").printer.code_page_for("tr"), CodePage::Pc857);
    }

    #[test]
    fn startup_window_is_validated() {
        let with = |extra: &str| {
            Config::parse(&format!(
                "server_url = \"x\"\ntoken = \"t\"\n{extra}\n[printer]\nconnection = \"file\"\npath = \"/tmp/t\"\n"
            ))
        };
        assert_eq!(with("startup_window_s = 30").unwrap().startup_window_s, 30);
        assert_eq!(with("startup_window_s = 0").unwrap().startup_window_s, 0);
        let err = with("startup_window_s = 900").err().unwrap().to_string();
        assert_eq!(
            err,
            "startup_window_s (900) must be between 0 and job_expiry_s (600) seconds"
        );
        assert!(with("startup_window_s = 900\njob_expiry_s = 1200").is_ok());
        let err = format!("{:#}", with("startup_window_s = -5").err().unwrap());
        assert!(err.contains("startup_window_s"), "{err}");
        let err = format!("{:#}", with("startup_window_s = \"2m\"").err().unwrap());
        assert!(err.contains("startup_window_s"), "{err}");
        assert!(with("job_expiry_s = 0\nstartup_window_s = 0").is_err());
    }
}
