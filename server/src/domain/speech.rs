//! Pre-rendered voice announcements for displays whose browser has no
//! speech synthesis voice: `GET /api/v1/branches/{id}/announce?text=…&lang=…`
//! renders the text with `espeak-ng` (when installed on the server) and
//! returns a WAV file.
//!
//! The text goes to espeak-ng on its standard input (never through a shell,
//! never as an argument it could read as an option); the process is killed
//! after [`TIMEOUT`], and at most [`MAX_CONCURRENT`] run at once.

use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::AsyncWriteExt as _;
use tokio::sync::Semaphore;

use crate::domain::branches;
use crate::error::{AppError, Result};

/// Longest text rendered, in characters.
pub const MAX_TEXT: usize = 200;
/// How long espeak-ng may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Renderings running at once; further requests wait.
pub const MAX_CONCURRENT: usize = 4;
/// The program run.
pub const PROGRAM: &str = "espeak-ng";

static SLOTS: Semaphore = Semaphore::const_new(MAX_CONCURRENT);

/// Query parameters of the announce endpoint.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AnnounceQuery {
    /// What to say, at most 200 characters, e.g. "Ticket A 42, desk 5".
    pub text: String,
    /// Language tag of the voice, e.g. `en`, `pl`, `pt-BR`.
    pub lang: String,
}

pub(crate) fn check(query: &AnnounceQuery) -> Result<(String, String)> {
    let text = query.text.trim();
    if text.is_empty() {
        return Err(AppError::invalid("text must not be empty"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(AppError::invalid(format!(
            "text must be at most {MAX_TEXT} characters"
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "text must not contain control characters",
        ));
    }
    if !branches::is_language_tag(&query.lang) {
        return Err(AppError::invalid(format!(
            "{:?} is not a language tag like \"en\" or \"pt-BR\"",
            query.lang
        )));
    }
    // espeak-ng names its voices in lower case ("en-us", "pt-br").
    Ok((text.to_owned(), query.lang.to_ascii_lowercase()))
}

/// espeak-ng writes WAV to a pipe with placeholder sizes (it cannot seek
/// back); some browsers refuse such files, so fill in the real sizes.
fn fix_wav_sizes(wav: &mut [u8]) {
    if wav.len() < 12 || &wav[..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return;
    }
    let riff = u32::try_from(wav.len() - 8).unwrap_or(u32::MAX);
    wav[4..8].copy_from_slice(&riff.to_le_bytes());
    let mut at = 12;
    while at + 8 <= wav.len() {
        let size = u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]);
        if &wav[at..at + 4] == b"data" {
            let data = u32::try_from(wav.len() - at - 8).unwrap_or(u32::MAX);
            wav[at + 4..at + 8].copy_from_slice(&data.to_le_bytes());
            return;
        }
        let Ok(size) = usize::try_from(size) else {
            return;
        };
        at = at.saturating_add(8).saturating_add(size + (size & 1));
    }
}

pub(crate) enum Rendered {
    Wav(Vec<u8>),
    Missing,
    NoVoice,
}

pub(crate) async fn render(text: &str, lang: &str) -> Result<Rendered> {
    let _slot = SLOTS
        .acquire()
        .await
        .map_err(|_| AppError::shutting_down())?;
    let child = tokio::process::Command::new(PROGRAM)
        .args(["-v", lang, "--stdout", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Rendered::Missing),
        Err(e) => return Err(AppError::internal(format!("starting {PROGRAM}: {e}"))),
    };
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| AppError::internal("no stdin"))?;
    let input = format!("{text}\n");
    let run = async move {
        // A write error means espeak-ng exited early; its status says why.
        let _ = stdin.write_all(input.as_bytes()).await;
        drop(stdin);
        child.wait_with_output().await
    };
    let output = tokio::time::timeout(TIMEOUT, run)
        .await
        .map_err(|_| AppError::internal(format!("{PROGRAM} took longer than {TIMEOUT:?}")))?
        .map_err(|e| AppError::internal(format!("running {PROGRAM}: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("voice does not exist") {
            return Ok(Rendered::NoVoice);
        }
        return Err(AppError::internal(format!(
            "{PROGRAM} failed ({}): {}",
            output.status,
            stderr.trim()
        )));
    }
    let mut wav = output.stdout;
    if !wav.starts_with(b"RIFF") {
        return Err(AppError::internal(format!("{PROGRAM} returned no WAV")));
    }
    fix_wav_sizes(&mut wav);
    Ok(Rendered::Wav(wav))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_sizes_are_filled_in() {
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF");
        wav.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        wav.extend_from_slice(&16u32.to_le_bytes());
        wav.extend_from_slice(&[0; 16]);
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
        wav.extend_from_slice(&[1, 2, 3, 4]);
        fix_wav_sizes(&mut wav);
        assert_eq!(
            &wav[4..8],
            &u32::try_from(wav.len() - 8).unwrap().to_le_bytes()
        );
        assert_eq!(&wav[40..44], &4u32.to_le_bytes());
    }

    #[test]
    fn input_is_checked() {
        let q = |text: &str, lang: &str| AnnounceQuery {
            text: text.into(),
            lang: lang.into(),
        };
        assert_eq!(
            check(&q(" Ticket A 42, desk 5 ", "pt-BR")).unwrap(),
            ("Ticket A 42, desk 5".to_owned(), "pt-br".to_owned())
        );
        assert!(check(&q("", "en")).is_err());
        assert!(check(&q(&"a".repeat(201), "en")).is_err());
        assert!(check(&q("a\nb", "en")).is_err());
        assert!(check(&q("hi", "-x")).is_err());
        assert!(check(&q("hi", "EN")).is_err());
    }
}
