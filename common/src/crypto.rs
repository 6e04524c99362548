//! Field-level encryption for medical details (XChaCha20-Poly1305).
//!
//! The key lives in its own file beside (or away from) the database, readable by its owner
//! only, made on first use. Each sealed value is `1 | nonce (24) | ciphertext+tag` and is
//! bound by associated data to the row and column it belongs to, so a sealed value moved
//! to another row fails to open.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

/// Seals and opens medical details.
pub struct Sealer {
    cipher: XChaCha20Poly1305,
    fingerprint: String,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl Sealer {
    /// Loads the key at `path`, making a new random one (mode 0600) if none exists.
    /// Refuses a key file that others can read.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        if path.exists() {
            return Self::load(path);
        }
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key).map_err(|e| Error::Key {
            path: path.to_path_buf(),
            problem: format!("no randomness: {e}"),
        })?;
        match publish_private(path, &key) {
            Ok(()) => {
                tracing::info!(path = %path.display(), "made a new encryption key");
                Ok(Self::from_key(&key))
            }
            // Another process made it first: use theirs.
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::load(path)
            }
            Err(e) => Err(e),
        }
    }

    /// Loads the key at `path`, which must exist.
    pub fn load(path: &Path) -> Result<Self> {
        let key_err = |problem: String| Error::Key {
            path: path.to_path_buf(),
            problem,
        };
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(key_err(
                    "is missing, and the database holds data sealed with it: restore the key from your backup".into(),
                ));
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        check_private(path)?;
        let key: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| key_err(format!("holds {} bytes; a key is {KEY_LEN}", bytes.len())))?;
        Ok(Self::from_key(&key))
    }

    pub fn from_key(key: &[u8; KEY_LEN]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"intake key fingerprint v1")
            .chain_update(key)
            .finalize();
        let fingerprint = hex(&digest[..8]);
        let cipher = XChaCha20Poly1305::new_from_slice(key).expect("a 32-byte key");
        Self {
            cipher,
            fingerprint,
        }
    }

    /// A short, non-secret name for the key, stored in the database to catch a wrong key early.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the system's random source works");
        let nonce_arr = XNonce::from(nonce);
        let ct = self
            .cipher
            .encrypt(
                &nonce_arr,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != VERSION {
            return Err(Error::Decrypt);
        }
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN]
            .try_into()
            .map_err(|_| Error::Decrypt)?;
        self.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed[1 + NONCE_LEN..],
                    aad,
                },
            )
            .map_err(|_| Error::Decrypt)
    }

    pub fn seal_json<T: serde::Serialize>(&self, aad: &[u8], value: &T) -> Vec<u8> {
        let json = serde_json::to_vec(value).expect("domain values serialise");
        self.seal(aad, &json)
    }

    pub fn open_json<T: serde::de::DeserializeOwned>(
        &self,
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<T> {
        let plain = self.open(aad, sealed)?;
        serde_json::from_slice(&plain).map_err(|_| Error::Decrypt)
    }
}

/// Puts `bytes` at `path` all at once, or fails with `AlreadyExists`: written and synced to
/// a private file first, then hard-linked into place (a link never replaces a file), so no
/// one can ever read a half-written key.
fn publish_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|e| Error::Key {
        path: path.to_path_buf(),
        problem: format!("no randomness: {e}"),
    })?;
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.new", u64::from_le_bytes(suffix)));
    let staging = path.with_file_name(name);
    write_private(&staging, bytes)?;
    let linked = fs::hard_link(&staging, path);
    let _ = fs::remove_file(&staging);
    linked.map_err(|e| Error::io(path, e))
}

/// Writes `bytes` to a new file only its owner can read, failing if it exists.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    f.sync_all().map_err(|e| Error::io(path, e))?;
    Ok(())
}

/// Writes a file of personal details through `write`: into a new file only its owner can
/// read, beside `path`, synced and renamed into place when complete, so a failure leaves no
/// half file and a reader never sees one.
pub fn write_private_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<u64>,
) -> Result<u64> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    let tmp = path.with_file_name(name);
    let create = || {
        let mut options = std::fs::OpenOptions::new();
        // A new file, never one found there (nor what a link found there points at).
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(&tmp)
    };
    let mut file = match create() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Left by an export that was killed: remove it (a link is removed, not followed).
            std::fs::remove_file(&tmp).map_err(|e| Error::io(&tmp, e))?;
            create()
        }
        other => other,
    }
    .map_err(|e| Error::io(&tmp, e))?;
    let written = write(&mut file).and_then(|n| {
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        Ok(n)
    });
    let n = written.inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    Ok(n)
}

fn check_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(Error::Key {
                path: PathBuf::from(path),
                problem: format!(
                    "is readable by others (mode {:o}); run: chmod 600 {}",
                    mode & 0o777,
                    path.display()
                ),
            });
        }
    }
    Ok(())
}

/// `bytes` as lowercase hexadecimal, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// HMAC-SHA256 under `key` of `parts`, one after the other (a caller puts its own purpose
/// first and separators between variable parts).
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_bound_to_their_place() {
        let s = Sealer::from_key(&[7; 32]);
        let sealed = s.seal(b"row-1", b"latex allergy");
        assert!(!sealed.windows(5).any(|w| w == b"latex"));
        assert_eq!(s.open(b"row-1", &sealed).unwrap(), b"latex allergy");
        assert!(matches!(s.open(b"row-2", &sealed), Err(Error::Decrypt)));
        let other = Sealer::from_key(&[8; 32]);
        assert!(other.open(b"row-1", &sealed).is_err());
        assert_ne!(s.fingerprint(), other.fingerprint());
    }

    #[test]
    fn key_file_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let a = Sealer::load_or_create(&path).unwrap();
        let b = Sealer::load_or_create(&path).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            let err = Sealer::load_or_create(&path).unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
    }
}
