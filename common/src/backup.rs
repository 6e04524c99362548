//! Backups: a consistent copy of the database, taken with SQLite's online backup while the
//! kiosk and the agent keep working, sealed with the shop's key.
//!
//! A backup file is `INTAKE-BACKUP 1\n`, a length-prefixed JSON manifest in the clear (when,
//! which key, how much), then the database in 1 MiB chunks, each sealed with
//! XChaCha20-Poly1305 under the shop's key, bound to the manifest, its position and whether
//! it is the last. A lost, reordered, truncated or altered chunk fails the restore; so does
//! the wrong key. The key itself is never in the backup: a backup alone is useless to a
//! thief, and a restore needs the key kept somewhere else.

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::Sealer;
use crate::db::{DB_FILE, Db, KEY_FILE};
use crate::error::{Error, Result};

const MAGIC: &[u8] = b"INTAKE-BACKUP 1\n";
const CHUNK: usize = 1 << 20;

/// What a backup says about itself, in the clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: String,
    pub made_by: String,
    pub schema_version: i64,
    /// The fingerprint of the key that sealed it (not the key).
    pub key_fingerprint: String,
    pub database_bytes: u64,
    pub customers: i64,
    pub releases: i64,
}

/// Backs up the database in `data_dir` to `out` (written whole, then renamed into place,
/// readable by its owner only). Safe while other processes write: the copy is one read
/// snapshot, which in WAL mode blocks no writer.
pub fn backup(data_dir: &Path, out: &Path) -> Result<Manifest> {
    if !data_dir.join(DB_FILE).exists() {
        return Err(Error::Invalid(format!(
            "{} holds no database to back up",
            data_dir.display()
        )));
    }
    let db = Db::open_dir(data_dir)?;
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .ok_or_else(|| Error::Invalid(format!("{}: name a file to write", out.display())))?
        .to_string_lossy()
        .into_owned();
    // The copy in the clear stays inside the private data directory; only sealed bytes
    // ever reach the backup's medium. Unique names let two backups run at once.
    let unique = uuid::Uuid::now_v7().simple().to_string();
    let copy = data_dir.join(format!(".backup-{unique}.db.partial"));
    let sealed = dir.join(format!(".{name}.{unique}.partial"));
    let result = (|| {
        let manifest = snapshot(&db, &copy)?;
        write_sealed(db.sealer(), &manifest, &copy, &sealed)?;
        fs::rename(&sealed, out).map_err(|e| Error::io(out, e))?;
        sync_dir(dir);
        crate::audit::record(
            db.conn(),
            "backup",
            "backup",
            None,
            &format!(
                "{} ({} customers, {} releases)",
                out.display(),
                manifest.customers,
                manifest.releases
            ),
        )?;
        Ok(manifest)
    })();
    let _ = fs::remove_file(&copy);
    let _ = fs::remove_file(&sealed);
    result
}

/// Copies the database to `copy` with the online backup API in one step (one consistent
/// read), checks the copy, and describes it.
fn snapshot(db: &Db, copy: &Path) -> Result<Manifest> {
    let _ = fs::remove_file(copy);
    create_private(copy)?;
    {
        let mut dst = Connection::open(copy)?;
        let backup = rusqlite::backup::Backup::new(db.conn().sqlite_only()?, &mut dst)?;
        // -1: every page in one step, under one read transaction.
        backup.step(-1)?;
    }
    let conn = Connection::open(copy)?;
    // A standalone file: no WAL beside it.
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(Error::Invalid(format!(
            "the copy failed SQLite's integrity check: {check}"
        )));
    }
    let manifest = Manifest {
        format: 1,
        created_at: crate::time::now(),
        made_by: concat!("intake ", env!("CARGO_PKG_VERSION")).into(),
        schema_version: conn.pragma_query_value(None, "user_version", |r| r.get(0))?,
        key_fingerprint: db.sealer().fingerprint().to_string(),
        database_bytes: fs::metadata(copy).map_err(|e| Error::io(copy, e))?.len(),
        customers: conn.query_row("SELECT count(*) FROM customers", [], |r| r.get(0))?,
        releases: conn.query_row("SELECT count(*) FROM releases", [], |r| r.get(0))?,
    };
    drop(conn);
    Ok(manifest)
}

fn chunk_aad(manifest_digest: &[u8], index: u64, last: bool) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64);
    aad.extend_from_slice(b"intake backup chunk v1");
    aad.extend_from_slice(manifest_digest);
    aad.extend_from_slice(&index.to_be_bytes());
    aad.push(u8::from(last));
    aad
}

fn write_sealed(sealer: &Sealer, manifest: &Manifest, copy: &Path, out: &Path) -> Result<()> {
    let manifest_json = serde_json::to_vec(manifest).expect("a manifest serialises");
    let digest = Sha256::digest(&manifest_json);
    let _ = fs::remove_file(out);
    let file = create_private(out)?;
    let mut w = BufWriter::new(file);
    let io = |e| Error::io(out, e);
    w.write_all(MAGIC).map_err(io)?;
    w.write_all(&(manifest_json.len() as u32).to_be_bytes())
        .map_err(io)?;
    w.write_all(&manifest_json).map_err(io)?;
    let mut src = BufReader::new(File::open(copy).map_err(|e| Error::io(copy, e))?);
    let total = manifest.database_bytes;
    let mut done = 0u64;
    let mut index = 0u64;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let want = CHUNK.min((total - done) as usize);
        src.read_exact(&mut buf[..want])
            .map_err(|e| Error::io(copy, e))?;
        done += want as u64;
        let last = done == total;
        let sealed = sealer.seal(&chunk_aad(&digest, index, last), &buf[..want]);
        w.write_all(&(sealed.len() as u32).to_be_bytes())
            .map_err(io)?;
        w.write_all(&sealed).map_err(io)?;
        index += 1;
        if last {
            break;
        }
    }
    let file = w.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok(())
}

/// Reads a backup's manifest without the key.
pub fn read_manifest(file: &Path) -> Result<Manifest> {
    let mut r = BufReader::new(File::open(file).map_err(|e| Error::io(file, e))?);
    Ok(manifest_from(&mut r, file)?.0)
}

fn manifest_from(r: &mut impl Read, file: &Path) -> Result<(Manifest, Vec<u8>)> {
    let bad = |what: &str| Error::Invalid(format!("{}: {what}", file.display()));
    let mut magic = [0u8; MAGIC.len()];
    r.read_exact(&mut magic)
        .map_err(|_| bad("not an Intake backup (too short)"))?;
    if magic != MAGIC {
        return Err(bad(
            "not an Intake backup (it does not start INTAKE-BACKUP 1)",
        ));
    }
    let mut len = [0u8; 4];
    r.read_exact(&mut len)
        .map_err(|_| bad("the manifest is cut short"))?;
    let len = u32::from_be_bytes(len) as usize;
    if len > 1 << 20 {
        return Err(bad("the manifest's length is damaged"));
    }
    let mut json = vec![0u8; len];
    r.read_exact(&mut json)
        .map_err(|_| bad("the manifest is cut short"))?;
    let manifest: Manifest =
        serde_json::from_slice(&json).map_err(|e| bad(&format!("the manifest is damaged: {e}")))?;
    if manifest.format != 1 {
        return Err(bad(&format!(
            "backup format {} is from a newer Intake",
            manifest.format
        )));
    }
    Ok((manifest, json))
}

/// How a restore goes.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// The key file to restore with (copied into the data directory); without it, the key
    /// already in the data directory.
    pub key: Option<PathBuf>,
    /// Replace a database that is already there (it is kept beside, renamed, not deleted).
    pub replace: bool,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    pub manifest: Manifest,
    /// Where the database that was there before now is, if there was one.
    pub set_aside: Option<PathBuf>,
    /// Customers erased after the backup was taken, erased again in the restored copy.
    pub erasures_reapplied: usize,
}

/// Restores `file` into `data_dir`. Everything is checked (key, every chunk, SQLite's
/// integrity check) before the database in place is touched; a database already there is
/// renamed aside, never deleted. Stop the kiosk and the agent first.
pub fn restore(file: &Path, data_dir: &Path, options: &RestoreOptions) -> Result<Restored> {
    crate::db::create_private_dir(data_dir)?;
    let key_path = data_dir.join(KEY_FILE);
    let sealer = match &options.key {
        Some(k) => {
            let given = Sealer::load(k)?;
            if key_path.exists() {
                let here = Sealer::load(&key_path)?;
                if here.fingerprint() != given.fingerprint() {
                    return Err(Error::Invalid(format!(
                        "{} already holds a different key ({}); move it aside before restoring with {}",
                        key_path.display(),
                        here.fingerprint(),
                        k.display()
                    )));
                }
            }
            given
        }
        None => Sealer::load(&key_path)?,
    };
    let mut r = BufReader::new(File::open(file).map_err(|e| Error::io(file, e))?);
    let (manifest, json) = manifest_from(&mut r, file)?;
    if manifest.key_fingerprint != sealer.fingerprint() {
        return Err(Error::Invalid(format!(
            "{} was sealed with the key whose fingerprint is {}, and the key given is {}: restore with that key (--key FILE)",
            file.display(),
            manifest.key_fingerprint,
            sealer.fingerprint()
        )));
    }
    let db_path = data_dir.join(DB_FILE);
    if db_path.exists() && !options.replace {
        return Err(Error::Invalid(format!(
            "{} already holds a database: stop the kiosk and the agent, then restore with --replace (the database there is kept, renamed)",
            data_dir.display()
        )));
    }
    let digest = Sha256::digest(&json);
    let restoring = data_dir.join(format!("{DB_FILE}.restoring"));
    let result = (|| {
        let _ = fs::remove_file(&restoring);
        let mut w = BufWriter::new(create_private(&restoring)?);
        let damaged = |what: String| Error::Invalid(format!("{}: {what}", file.display()));
        let mut written = 0u64;
        let mut index = 0u64;
        loop {
            let mut len = [0u8; 4];
            r.read_exact(&mut len).map_err(|_| {
                damaged(format!(
                    "cut short after {written} of {} bytes",
                    manifest.database_bytes
                ))
            })?;
            let len = u32::from_be_bytes(len) as usize;
            if len > CHUNK + 64 {
                return Err(damaged(format!("chunk {index} has a damaged length")));
            }
            let mut sealed = vec![0u8; len];
            r.read_exact(&mut sealed)
                .map_err(|_| damaged(format!("chunk {index} is cut short")))?;
            let last_expected = written + CHUNK as u64 >= manifest.database_bytes;
            let plain = sealer
                .open(&chunk_aad(&digest, index, last_expected), &sealed)
                .map_err(|_| {
                    damaged(format!(
                        "chunk {index} does not open: the file is damaged or was altered"
                    ))
                })?;
            w.write_all(&plain).map_err(|e| Error::io(&restoring, e))?;
            written += plain.len() as u64;
            index += 1;
            if last_expected {
                break;
            }
        }
        let mut extra = [0u8; 1];
        if r.read(&mut extra).map_err(|e| Error::io(file, e))? != 0
            || written != manifest.database_bytes
        {
            return Err(damaged("holds more or less than its manifest says".into()));
        }
        let f = w
            .into_inner()
            .map_err(|e| Error::io(&restoring, e.into_error()))?;
        f.sync_all().map_err(|e| Error::io(&restoring, e))?;
        let conn = Connection::open_with_flags(&restoring, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(damaged(format!(
                "the restored database fails SQLite's integrity check: {check}"
            )));
        }
        drop(conn);
        // The erasures made since the backup: the log beside the database, and the
        // table of the database in place (when it still opens).
        let mut erasures = crate::retention::log::read_file(&db_path)?;
        if db_path.exists()
            && let Ok(old) = Connection::open_with_flags(&db_path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        {
            let old = crate::db::Connection::from_sqlite(old);
            if let Ok(mut more) = crate::retention::log::read_table(&old) {
                erasures.append(&mut more);
            }
        }
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        if db_path.exists() {
            // Fold the old database's WAL into it first, so what is set aside is whole.
            if let Ok(old) = Connection::open(&db_path) {
                let _ = old.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            }
        }
        // Its WAL and shared-memory files go aside first (even without a database: a stray
        // WAL must never be replayed over the restored one), the database last.
        for suffix in ["-wal", "-shm"] {
            let side = data_dir.join(format!("{DB_FILE}{suffix}"));
            if side.exists() {
                let moved = data_dir.join(format!("{DB_FILE}.before-restore-{stamp}{suffix}"));
                fs::rename(&side, &moved).map_err(|e| Error::io(&side, e))?;
            }
        }
        let set_aside = if db_path.exists() {
            let aside = data_dir.join(format!("{DB_FILE}.before-restore-{stamp}"));
            fs::rename(&db_path, &aside).map_err(|e| Error::io(&db_path, e))?;
            Some(aside)
        } else {
            None
        };
        if let Some(k) = &options.key
            && !key_path.exists()
        {
            let bytes = fs::read(k).map_err(|e| Error::io(k, e))?;
            crate::crypto::write_private(&key_path, &bytes)?;
        }
        fs::rename(&restoring, &db_path).map_err(|e| Error::io(&db_path, e))?;
        sync_dir(data_dir);
        Ok((set_aside, erasures))
    })();
    let _ = fs::remove_file(&restoring);
    let (set_aside, erasures) = result?;
    // Opening it checks the key against the database and brings the schema up to date.
    let mut db = Db::open_dir(data_dir)?;
    let erasures_reapplied = crate::retention::log::reapply(&mut db, &erasures)?;
    crate::audit::record(
        db.conn(),
        "restore",
        "restore",
        None,
        &format!("from {} made {}", file.display(), manifest.created_at),
    )?;
    Ok(Restored {
        manifest,
        set_aside,
        erasures_reapplied,
    })
}

fn create_private(path: &Path) -> Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|e| Error::io(path, e))
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
