//! Anchoring the event chain outside the database: an ed25519 key, held in
//! a file the database never sees (`WAITWELL_AUDIT_KEY_FILE`), signs each
//! business day's last chain head. The signed heads ("checkpoints") are
//! stored and published (`domain/audit.rs`); whoever saved one can later
//! show that the log still contains it, and whoever holds the public key can
//! check that the server signed it.
//!
//! Here: the key ([`AuditKey`], PKCS#8 PEM, the form
//! `openssl genpkey -algorithm ed25519` writes too), the canonical message
//! a checkpoint signs ([`checkpoint_message`]) and checking a signature
//! ([`verify_checkpoint`]). Nothing here touches the database.

use std::fmt;
use std::path::Path;

use anyhow::{Context as _, bail};
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _, EncodePrivateKey as _};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

/// The first line of every checkpoint message: a signature made for
/// anything else (another program, another message version) can never pass
/// as a checkpoint signature.
pub const CHECKPOINT_DOMAIN: &str = "waitwell-audit-checkpoint-v1";

/// The text a checkpoint signs: [`CHECKPOINT_DOMAIN`], then one
/// `name=value` line per field, each line ending in `\n`:
///
/// ```text
/// waitwell-audit-checkpoint-v1
/// branch_id=1
/// day=2026-12-06
/// seq=42
/// hash=<64 hex digits>
/// ```
///
/// The fields are numbers, a `YYYY-MM-DD` date and a hex hash, none of
/// which can contain a newline, so the text is unambiguous.
pub fn checkpoint_message(branch_id: i64, day: &str, seq: i64, hash: &str) -> String {
    format!("{CHECKPOINT_DOMAIN}\nbranch_id={branch_id}\nday={day}\nseq={seq}\nhash={hash}\n")
}

/// The private key that signs checkpoints. `Debug` shows only the public
/// half; the secret bytes are wiped when the key is dropped.
#[derive(Clone)]
pub struct AuditKey {
    signing: SigningKey,
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditKey(public {})", self.public_hex())
    }
}

impl AuditKey {
    /// A new random key (`waitwell audit keygen`, tests). The seed comes
    /// from `rand`'s thread generator, a CSPRNG seeded by the OS.
    pub fn generate() -> AuditKey {
        AuditKey {
            signing: SigningKey::from_bytes(&rand::random::<[u8; 32]>()),
        }
    }

    /// Reads a PKCS#8 PEM private key file. Every error names the file.
    ///
    /// # Errors
    /// An unreadable file, or one that is not an ed25519 private key in
    /// PKCS#8 PEM form.
    pub fn load(path: &Path) -> anyhow::Result<AuditKey> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the audit key file {} (WAITWELL_AUDIT_KEY_FILE)",
                path.display()
            )
        })?;
        let key = AuditKey::from_pem(&text).with_context(|| {
            format!(
                "the audit key file {} (WAITWELL_AUDIT_KEY_FILE) is not an ed25519 private key in PKCS#8 PEM form; make one with `waitwell audit keygen --out FILE`",
                path.display()
            )
        })?;
        warn_if_readable_by_others(path);
        Ok(key)
    }

    /// Parses a PKCS#8 PEM private key.
    ///
    /// # Errors
    /// Text that is not an ed25519 PKCS#8 PEM private key.
    pub fn from_pem(text: &str) -> anyhow::Result<AuditKey> {
        let signing = SigningKey::from_pkcs8_pem(text.trim())
            .map_err(|e| anyhow::anyhow!("not an ed25519 PKCS#8 private key: {e}"))?;
        Ok(AuditKey { signing })
    }

    /// The key as a PKCS#8 PEM document (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    /// Encoding errors (none are expected for a valid key).
    pub fn to_pem(&self) -> anyhow::Result<String> {
        let pem = self
            .signing
            .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .map_err(|e| anyhow::anyhow!("encoding the key: {e}"))?;
        Ok(pem.to_string())
    }

    /// The public key.
    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The public key as 64 hex digits, the form checkpoints carry.
    pub fn public_hex(&self) -> String {
        hex::encode(self.public().as_bytes())
    }

    /// Signs a checkpoint; returns the signature as 128 hex digits.
    pub fn sign_checkpoint(&self, branch_id: i64, day: &str, seq: i64, hash: &str) -> String {
        let message = checkpoint_message(branch_id, day, seq, hash);
        hex::encode(self.signing.sign(message.as_bytes()).to_bytes())
    }
}

/// Writes a new key to `path` with mode 0600, refusing to overwrite a file
/// that exists. Returns the key.
///
/// # Errors
/// The file exists or cannot be written.
pub fn write_new_key(path: &Path) -> anyhow::Result<AuditKey> {
    use std::io::Write as _;
    let key = AuditKey::generate();
    let pem = key.to_pem()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the key file {}", path.display()))?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write the key file {}", path.display()))?;
    Ok(key)
}

/// A key file others can read is still used (refusing would stop the
/// server over a permission bit), but said loudly.
fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                file = %path.display(),
                "the audit key file is readable by other users; chmod 600 it"
            );
        }
    }
}

/// Reads a public key given as 64 hex digits, or a file holding that, a
/// PEM public key (`-----BEGIN PUBLIC KEY-----`) or the private key itself.
///
/// # Errors
/// Neither a valid key nor a readable file with one.
pub fn parse_public_key(given: &str) -> anyhow::Result<VerifyingKey> {
    if let Ok(key) = public_key_from_text(given) {
        return Ok(key);
    }
    let path = Path::new(given);
    if !path.exists() {
        bail!("{given:?} is neither an ed25519 public key in hex (64 digits) nor a file");
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the public key file {given}"))?;
    public_key_from_text(&text).with_context(|| format!("no ed25519 public key in {given}"))
}

fn public_key_from_text(text: &str) -> anyhow::Result<VerifyingKey> {
    let text = text.trim();
    if text.contains("BEGIN PUBLIC KEY") {
        return VerifyingKey::from_public_key_pem(text).map_err(|e| anyhow::anyhow!("{e}"));
    }
    if text.contains("BEGIN PRIVATE KEY") {
        return Ok(AuditKey::from_pem(text)?.public());
    }
    public_key_from_hex(text)
}

/// A public key from 64 hex digits.
///
/// # Errors
/// Not 32 bytes of hex, or not a valid curve point.
pub fn public_key_from_hex(text: &str) -> anyhow::Result<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .context("an ed25519 public key is 64 hex digits")?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("invalid ed25519 public key: {e}"))
}

/// Whether `signature_hex` is `key`'s signature of the checkpoint. Uses
/// strict verification, so a signature cannot be altered into another
/// valid one for the same message.
pub fn verify_checkpoint(
    key: &VerifyingKey,
    branch_id: i64,
    day: &str,
    seq: i64,
    hash: &str,
    signature_hex: &str,
) -> bool {
    let Some(bytes) = hex::decode(signature_hex)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
    else {
        return false;
    };
    let message = checkpoint_message(branch_id, day, seq, hash);
    key.verify_strict(message.as_bytes(), &Signature::from_bytes(&bytes))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_fixed_text() {
        assert_eq!(
            checkpoint_message(7, "2026-12-06", 42, "ab01"),
            "waitwell-audit-checkpoint-v1\nbranch_id=7\nday=2026-12-06\nseq=42\nhash=ab01\n"
        );
    }

    #[test]
    fn signatures_round_trip_and_bind_every_field() {
        let key = AuditKey::generate();
        let public = key.public();
        let hash = "0f".repeat(32);
        let sig = key.sign_checkpoint(3, "2026-12-06", 10, &hash);
        assert_eq!(sig.len(), 128);
        assert!(verify_checkpoint(&public, 3, "2026-12-06", 10, &hash, &sig));
        assert!(!verify_checkpoint(
            &public,
            4,
            "2026-12-06",
            10,
            &hash,
            &sig
        ));
        assert!(!verify_checkpoint(
            &public,
            3,
            "2026-12-07",
            10,
            &hash,
            &sig
        ));
        assert!(!verify_checkpoint(
            &public,
            3,
            "2026-12-06",
            11,
            &hash,
            &sig
        ));
        assert!(!verify_checkpoint(
            &public,
            3,
            "2026-12-06",
            10,
            &"1f".repeat(32),
            &sig
        ));
        assert!(!verify_checkpoint(
            &AuditKey::generate().public(),
            3,
            "2026-12-06",
            10,
            &hash,
            &sig
        ));
        assert!(!verify_checkpoint(
            &public,
            3,
            "2026-12-06",
            10,
            &hash,
            "zz"
        ));
    }

    #[test]
    fn keys_survive_pem_and_hex() {
        let key = AuditKey::generate();
        let pem = key.to_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
        let back = AuditKey::from_pem(&pem).unwrap();
        assert_eq!(back.public_hex(), key.public_hex());
        assert_eq!(parse_public_key(&key.public_hex()).unwrap(), key.public());
        assert!(
            AuditKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
                .is_err()
        );
        assert!(format!("{key:?}").contains(&key.public_hex()));
    }

    #[test]
    fn key_files_are_private_and_not_overwritten() {
        let dir = std::env::temp_dir().join(format!("waitwell-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.pem");
        let _ = std::fs::remove_file(&path);
        let key = write_new_key(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            AuditKey::load(&path).unwrap().public_hex(),
            key.public_hex()
        );
        assert_eq!(
            parse_public_key(path.to_str().unwrap()).unwrap(),
            key.public()
        );
        assert!(write_new_key(&path).is_err());
        std::fs::write(&path, "not a key").unwrap();
        let err = format!("{:#}", AuditKey::load(&path).unwrap_err());
        assert!(err.contains(path.to_str().unwrap()), "{err}");
        assert!(err.contains("WAITWELL_AUDIT_KEY_FILE"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
