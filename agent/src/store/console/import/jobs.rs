//! What one store process keeps of the console's uploads, which themselves are in the
//! database (`intake_common::uploads`): its own copy of each file to read, each file's
//! layout as last read, the progress of the imports it runs, and the lock that tells the
//! other processes an import is still under way.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use intake_common::db::Db;
use intake_common::uploads;
use uuid::Uuid;

use super::super::super::State as StoreState;
use super::super::super::error::{ApiError, ApiResult};
use super::super::super::files::{UPLOADS, private_dir};
use super::Read;

/// This process's side of the console's uploads.
#[derive(Default)]
pub struct Jobs {
    /// Imports this process runs: bytes of the file read so far.
    running: Mutex<HashMap<Uuid, Arc<AtomicU64>>>,
    /// Each upload's file as last read, and the layout (`from`) it was read as: the
    /// mapping page, its check and its run read the file once (a workbook is converted
    /// whole).
    read: Mutex<HashMap<Uuid, (String, Read)>>,
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Jobs {
    /// The progress of `id`'s import, if this process runs it.
    pub fn progress(&self, id: Uuid) -> Option<Arc<AtomicU64>> {
        locked(&self.running).get(&id).cloned()
    }

    pub fn started(&self, id: Uuid, read: Arc<AtomicU64>) {
        locked(&self.running).insert(id, read);
    }

    /// The imports this process runs.
    pub fn running_here(&self) -> Vec<Uuid> {
        locked(&self.running).keys().copied().collect()
    }

    pub fn ended(&self, id: Uuid) {
        locked(&self.running).remove(&id);
    }

    /// The file as read as `from` before, if it was.
    pub fn read_as(&self, id: Uuid, from: &str) -> Option<Read> {
        locked(&self.read)
            .get(&id)
            .filter(|(read_as, _)| read_as == from)
            .map(|(_, read)| Arc::clone(read))
    }

    pub fn keep_read(&self, id: Uuid, from: &str, read: Read) {
        locked(&self.read).insert(id, (from.to_string(), read));
    }

    /// Forgets what this process keeps of uploads the database no longer holds (imported,
    /// discarded or expired, on this process or another), with its copies of their files,
    /// and half-written copies a crash left behind.
    pub fn sweep(&self, dir: &Path, wanted: &[Uuid]) {
        locked(&self.read).retain(|id, _| wanted.contains(id));
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let stale = || {
                entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > std::time::Duration::from_secs(3600))
            };
            if name.to_string_lossy().starts_with(&format!(".{PREFIX}")) && stale() {
                let _ = std::fs::remove_file(entry.path());
                continue;
            }
            let Some(id) = name
                .to_str()
                .and_then(|n| n.strip_prefix(PREFIX))
                .and_then(|n| n.split('.').next())
                .and_then(|id| Uuid::parse_str(id).ok())
            else {
                continue;
            };
            if !wanted.contains(&id) && !locked(&self.running).contains_key(&id) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The start of the names of the console's files in `uploads/`: `console-ID.csv`, and
/// `console-ID.running` (the lock of an import under way on SQLite).
pub const PREFIX: &str = "console-";

/// `uploads/console-ID.EXT` in `data_dir`: upload `id`'s file (`csv`) or run lock (`running`).
pub fn upload_path(data_dir: &Path, id: Uuid, ext: &str) -> PathBuf {
    data_dir.join(UPLOADS).join(format!("{PREFIX}{id}.{ext}"))
}

/// Settles the imports among `ids` found running that no process runs any more (theirs
/// died): done if their import was stored, else ready to run again. Each is settled
/// holding its run lock, so an import another process runs (or runs again) is never
/// touched. `here` are those this process runs.
pub fn settle_cut_short(
    db: &mut Db,
    data_dir: &Path,
    ids: &[Uuid],
    here: &[Uuid],
) -> ApiResult<()> {
    for &id in ids.iter().filter(|id| !here.contains(id)) {
        let Some(lock) = RunLock::try_take(db, data_dir, id)? else {
            continue;
        };
        tracing::warn!(%id, "an import's store process stopped while it ran");
        let settled = uploads::recover(db, id);
        lock.release(db, data_dir, id);
        settled?;
    }
    Ok(())
}

/// [`settle_cut_short`] for every upload found running.
fn settle_all(db: &mut Db, data_dir: &Path, here: &[Uuid]) -> ApiResult<()> {
    let running = uploads::running(db.conn())?;
    settle_cut_short(db, data_dir, &running, here)
}

/// Runs `f` on a database handle once every import cut short by a process that died is
/// settled: until then they hold their places, and show as still running.
pub async fn settled<T: Send + 'static>(
    state: &Arc<StoreState>,
    f: impl FnOnce(&mut Db) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let here = state.console.imports.running_here();
    let data_dir = state.data_dir.clone();
    state
        .pool
        .run(move |db| {
            settle_all(db, &data_dir, &here)?;
            f(db)
        })
        .await
}

/// This process's copy of upload `id`'s file, written from the database (owner-only) if it
/// has none yet.
pub async fn local_file(state: &Arc<StoreState>, id: Uuid) -> ApiResult<PathBuf> {
    let dir = state.data_dir.join(UPLOADS);
    let path = upload_path(&state.data_dir, id, "csv");
    if path.exists() {
        return Ok(path);
    }
    let target = path.clone();
    state
        .pool
        .run(move |db| {
            let fail = |e: std::io::Error| ApiError::internal(format!("{}: {e}", dir.display()));
            private_dir(&dir).map_err(fail)?;
            // Written beside, then renamed: a process reading it never sees half a file.
            let mut tmp = tempfile::Builder::new()
                .prefix(&format!(".{PREFIX}"))
                .tempfile_in(&dir)
                .map_err(fail)?;
            let mut out = std::io::BufWriter::new(tmp.as_file_mut());
            uploads::write_file(db, id, &mut out)?;
            std::io::Write::flush(&mut out).map_err(fail)?;
            drop(out);
            tmp.persist(&target).map_err(|e| fail(e.error))?;
            Ok(())
        })
        .await?;
    Ok(path)
}

/// Removes this process's copy of upload `id`'s file.
pub fn remove_local(data_dir: &Path, id: Uuid) {
    let _ = std::fs::remove_file(upload_path(data_dir, id, "csv"));
}

/// Held by the process running upload `id`'s import, until it ends: the server (a
/// PostgreSQL advisory lock on the import's connection) or the system (a lock on a file in
/// the data directory, which the store processes of a SQLite store share) lets it go when
/// the process dies, however it dies. Another process that finds the upload running but
/// can take the lock knows the import was cut short.
pub struct RunLock(Option<std::fs::File>);

/// The advisory lock key of upload `id`'s import: a namespace of its own in the top 16
/// bits, then 48 of the id's random bits.
fn lock_key(id: Uuid) -> i64 {
    let b = id.as_bytes();
    let low = i64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]]);
    (0x4950_i64 << 48) | low
}

fn lock_file(data_dir: &Path, id: Uuid) -> ApiResult<std::fs::File> {
    let dir = data_dir.join(UPLOADS);
    let fail = |e: std::io::Error| ApiError::internal(format!("{}: {e}", dir.display()));
    private_dir(&dir).map_err(fail)?;
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(upload_path(data_dir, id, "running"))
        .map_err(fail)
}

impl RunLock {
    /// Takes the lock of `id`'s import, unless a process holds it (runs the import, or is
    /// settling it): `None` then.
    pub fn try_take(db: &Db, data_dir: &Path, id: Uuid) -> ApiResult<Option<Self>> {
        if db.conn().is_postgres() {
            let taken: bool = db
                .conn()
                .query_row("SELECT pg_try_advisory_lock(?1)", [lock_key(id)], |r| {
                    r.get(0)
                })
                .map_err(intake_common::Error::from)?;
            return Ok(taken.then_some(Self(None)));
        }
        let file = lock_file(data_dir, id)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self(Some(file)))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(ApiError::internal(format!("locking upload {id}: {e}")))
            }
        }
    }

    /// Lets the lock go (on PostgreSQL, on the connection that took it).
    pub fn release(self, db: &Db, data_dir: &Path, id: Uuid) {
        if db.conn().is_postgres() {
            if let Err(e) =
                db.conn()
                    .query_row("SELECT pg_advisory_unlock(?1)", [lock_key(id)], |_| Ok(()))
            {
                tracing::warn!(error = %e, %id, "could not let an import's lock go");
            }
        } else {
            drop(self.0);
            let _ = std::fs::remove_file(upload_path(data_dir, id, "running"));
        }
    }
}
