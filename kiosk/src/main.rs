//! `waitwell-kiosk`: the kiosk agent's command line. `run` (the default)
//! prints the kiosk's tickets until SIGINT/SIGTERM; `print-test` prints a
//! sample ticket, or writes its bytes to a file with `--dry-run`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use waitwell_kiosk::codepage::CodePage;
use waitwell_kiosk::config::{Config, PrinterConfig};
use waitwell_kiosk::layout::{self, PaperWidth};
use waitwell_kiosk::printer::Connection;

#[derive(Parser)]
#[command(
    version,
    about = "Waitwell kiosk agent: prints tickets on an ESC/POS printer"
)]
struct Cli {
    /// Configuration file.
    #[arg(
        long,
        short,
        env = "WAITWELL_KIOSK_CONFIG",
        default_value = "waitwell-kiosk.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Print this kiosk's tickets (the default).
    Run,
    /// Print a sample ticket on the configured printer.
    PrintTest {
        /// Write the ESC/POS bytes to this file instead (the configuration
        /// file is optional then).
        #[arg(long, value_name = "FILE")]
        dry_run: Option<PathBuf>,
        /// Language of the sample (en, pl, da, de, uk, tr, el, ar, zh).
        #[arg(long, default_value = "en")]
        language: String,
        /// Override the paper width (58 or 80).
        #[arg(long)]
        width: Option<u16>,
        /// Override the code page (pc437, pc852, pc857, pc858, pc865, pc866,
        /// wpc1250, wpc1251, wpc1252).
        #[arg(long)]
        code_page: Option<String>,
        /// A font for lines drawn as images, tried after the configured
        /// `fallback_fonts` (e.g. a CJK font for `--language zh`); may be
        /// repeated.
        #[arg(long = "fallback-font", value_name = "FILE")]
        fallback_fonts: Vec<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("WAITWELL_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => {
            let config = Config::load(&cli.config)?;
            waitwell_kiosk::run(config, shutdown_signal()).await
        }
        Command::PrintTest {
            dry_run,
            language,
            width,
            code_page,
            fallback_fonts,
        } => {
            let mut printer = match (&dry_run, Config::load(&cli.config)) {
                (_, Ok(config)) => config.printer,
                (Some(file), Err(_)) => PrinterConfig::new(Connection::File { path: file.clone() }),
                (None, Err(e)) => return Err(e),
            };
            let width = match width {
                Some(w) => PaperWidth::try_from(w).map_err(anyhow::Error::msg)?,
                None => printer.paper_width,
            };
            let page = match code_page {
                Some(p) => serde_json::from_value::<CodePage>(serde_json::Value::String(p))
                    .context("unknown code page")?,
                None => printer.code_page_for(&language),
            };
            let mut ticket = layout::sample(&language, width, Some(page));
            ticket.logo = printer.load_logo()?;
            printer.fallback_fonts.extend(fallback_fonts);
            let fonts = printer.load_fonts()?;
            let bytes = layout::encode_with(&ticket, &fonts);
            // Lines the page cannot print went out as images (lines
            // printed one after another count as one).
            let images = layout::images_of(&bytes)
                .len()
                .saturating_sub(usize::from(ticket.logo.is_some()));
            let how = if images == 0 {
                format!("{page}")
            } else {
                format!("{page}; lines it lacks as {images} image(s)")
            };
            if let Some(file) = dry_run {
                std::fs::write(&file, &bytes)
                    .with_context(|| format!("writing {}", file.display()))?;
                println!(
                    "wrote {} bytes ({how}, {} mm) to {}",
                    bytes.len(),
                    u16::from(width),
                    file.display()
                );
                return Ok(());
            }
            let mut io = waitwell_kiosk::printer::open(&printer.connection).await?;
            let printed =
                waitwell_kiosk::printer::print(&mut io, &bytes, printer.queries()).await?;
            let what = if printed.confirmed {
                "printed a sample ticket (confirmed by the printer)"
            } else {
                "sent a sample ticket (status queries off: not confirmed)"
            };
            println!("{what} ({how}, {} mm)", u16::from(width));
            if let Some(note) = printed.after.and_then(|s| s.detail()) {
                println!("the printer now reports: {note}");
            }
            Ok(())
        }
    }
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
