//! Opening the SQLite database: pragmas, migrations, the key check.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

use crate::crypto::Sealer;
use crate::error::{Error, Result};

/// Append-only migrations: (version, SQL). Released files are never edited.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/V1__initial.sql")),
    (2, include_str!("../migrations/V2__release_templates.sql")),
    (3, include_str!("../migrations/V3__sync.sql")),
    (4, include_str!("../migrations/V4__webhooks.sql")),
    (5, include_str!("../migrations/V5__webhook_retention.sql")),
    (6, include_str!("../migrations/V6__sessions.sql")),
    (7, include_str!("../migrations/V7__sign_in_throttle.sql")),
    (8, include_str!("../migrations/V8__device_boundary.sql")),
    (
        9,
        include_str!("../migrations/V9__webhook_answer_excerpt.sql"),
    ),
    (10, include_str!("../migrations/V10__phone_key_regions.sql")),
    (11, include_str!("../migrations/V11__visit_links.sql")),
    (
        12,
        include_str!("../migrations/V12__duplicates_by_creation.sql"),
    ),
    (13, include_str!("../migrations/V13__console.sql")),
];

/// The database file's name inside a data directory.
pub const DB_FILE: &str = "intake.db";
/// SQLite's page cache for ordinary work, in KiB (negative, as `PRAGMA cache_size` takes it).
pub const CACHE_KIB: i64 = -32_000;

/// The encryption key's file name inside a data directory.
pub const KEY_FILE: &str = "secret.key";

/// An open database with its key: the one handle every operation goes through.
#[derive(Debug)]
pub struct Db {
    conn: Connection,
    sealer: Sealer,
    path: PathBuf,
}

/// SQL functions for the V13 migration's backfill of the stored name keys: `search_key(text)`
/// is [`crate::normalize::search_key`] (NULL stays NULL). Queries bind keys worked out in
/// Rust instead, so their SQL is the same on any database.
fn add_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    use rusqlite::types::ValueRef;
    // `search_name(first, last, nickname)`: what a name search reads (see
    // `normalize::search_name`).
    conn.create_scalar_function(
        "search_name",
        3,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let text = |i: usize| -> rusqlite::Result<Option<String>> {
                Ok(match ctx.get_raw(i) {
                    ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                    _ => None,
                })
            };
            Ok(crate::normalize::search_name(
                text(0)?.as_deref(),
                text(1)?.as_deref(),
                text(2)?.as_deref(),
            ))
        },
    )?;
    conn.create_scalar_function(
        "search_key",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Text(text) => {
                    Some(crate::normalize::search_key(&String::from_utf8_lossy(text)))
                }
                _ => None,
            })
        },
    )
}

impl Db {
    /// Opens (creating if needed) the database and key in `dir`.
    pub fn open_dir(dir: &Path) -> Result<Self> {
        create_private_dir(dir)?;
        Self::open(&dir.join(DB_FILE), &dir.join(KEY_FILE))
    }

    /// Opens the database at `path` with the key at `key_path`.
    pub fn open(path: &Path, key_path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        add_functions(&conn)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
        // Wait up to 10 s for another writer, looking again every millisecond. (SQLite's
        // own timeout backs off to 100 ms between looks, so a writer can keep missing the
        // short gaps between a busy neighbour's transactions.)
        conn.busy_handler(Some(busy_wait))?;
        // Processes starting together (the kiosk and the agent at boot) can meet SQLITE_BUSY
        // in the one-time set-up without the busy handler being asked (switching a new file
        // to WAL, for one): each step is safe to repeat, so repeat it a little later.
        let mut attempt = 0u64;
        let sealer = loop {
            match prepare(&mut conn, path, key_path) {
                Err(Error::Db(rusqlite::Error::SqliteFailure(e, _)))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy && attempt < 100 =>
                {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(5 + attempt * 5));
                }
                other => break other?,
            }
        };
        Ok(Self {
            conn,
            sealer,
            path: path.to_path_buf(),
        })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a write transaction (taking the write lock at once, so it never fails half-way
    /// for want of it).
    pub fn write(&mut self) -> Result<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    /// A write transaction together with the sealer, for writes that touch medical details.
    pub fn write_sealed(&mut self) -> Result<(Transaction<'_>, &Sealer)> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        Ok((tx, &self.sealer))
    }

    /// `PRAGMA integrity_check`: `ok`, or what is wrong.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

/// Pragmas, migrations and the key: everything `open` does before the handle is ready.
fn prepare(conn: &mut Connection, path: &Path, key_path: &Path) -> Result<Sealer> {
    // WAL, and a commit is on disk before it returns (a confirmation means durable).
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", CACHE_KIB)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    migrate(conn, path)?;
    // On a lobby kiosk every connection overwrites what it deletes (the outbox once the
    // store has it, the customers it drops): a stolen disk keeps no free pages of them.
    let kiosk: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM meta WHERE key = 'sync_device_role' AND value = 'kiosk')",
        [],
        |r| r.get(0),
    )?;
    if kiosk {
        conn.pragma_update(None, "secure_delete", "ON")?;
    }
    // A database that has sealed data with a key must get that key back, never a new one.
    let sealed_before: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM meta WHERE key = 'key_fingerprint')",
        [],
        |r| r.get(0),
    )?;
    let sealer = if sealed_before {
        Sealer::load(key_path)?
    } else {
        Sealer::load_or_create(key_path)?
    };
    check_key(conn, &sealer, path)?;
    Ok(sealer)
}

/// The next value of the store's change sequence.
pub fn next_change_seq(tx: &Transaction<'_>) -> Result<i64> {
    Ok(tx
        .prepare_cached(
            "UPDATE meta SET value = CAST(value AS BIGINT) + 1 WHERE key = 'change_seq' RETURNING CAST(value AS BIGINT)",
        )?
        .query_row([], |r| r.get(0))?)
}

/// The change sequence's current value (for a bulk writer that advances it in memory).
pub fn change_seq(tx: &Transaction<'_>) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'change_seq'",
        [],
        |r| r.get(0),
    )?)
}

/// Stores the change sequence a bulk writer advanced to.
pub fn set_change_seq(tx: &Transaction<'_>, value: i64) -> Result<()> {
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'change_seq'",
        [value.to_string()],
    )?;
    Ok(())
}

/// Where a customer id resolves to: itself, or the survivor it was merged into.
pub fn resolve_customer(conn: &Connection, id: Uuid) -> Result<Uuid> {
    let survivor: Option<Uuid> = conn
        .prepare_cached("SELECT survivor_id FROM merged_customers WHERE merged_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(survivor.unwrap_or(id))
}

/// How many times [`busy_wait`] waits (a millisecond each) before giving up.
const BUSY_WAITS: i32 = 10_000;

fn busy_wait(waited: i32) -> bool {
    if waited >= BUSY_WAITS {
        return false;
    }
    std::thread::sleep(Duration::from_millis(1));
    true
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        // Read under the lock: another process may have migrated while this one waited.
        let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current > known {
            return Err(Error::SchemaTooNew {
                path: path.to_path_buf(),
                found: current,
                known,
            });
        }
        if *version <= current {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}

fn check_key(conn: &Connection, sealer: &Sealer, path: &Path) -> Result<()> {
    // The first opener records the key's fingerprint; everyone after must match it.
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('key_fingerprint', ?1) ON CONFLICT(key) DO NOTHING",
        params![sealer.fingerprint()],
    )?;
    let stored: String = conn.query_row(
        "SELECT value FROM meta WHERE key = 'key_fingerprint'",
        [],
        |r| r.get(0),
    )?;
    if stored == sealer.fingerprint() {
        Ok(())
    } else {
        Err(Error::Key {
            path: path.to_path_buf(),
            problem: "this database was sealed with a different encryption key".into(),
        })
    }
}

pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_migrates_and_rejects_a_foreign_key() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        assert_eq!(db.integrity_check().unwrap(), "ok");
        let mode: String = db
            .conn()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(db);
        // Reopening is a no-op migration.
        Db::open_dir(dir.path()).unwrap();
        // Without its key it does not open, and no new key is made for it.
        std::fs::rename(dir.path().join(KEY_FILE), dir.path().join("moved.key")).unwrap();
        let err = Db::open_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("is missing"), "{err}");
        assert!(!dir.path().join(KEY_FILE).exists());
        std::fs::rename(dir.path().join("moved.key"), dir.path().join(KEY_FILE)).unwrap();
        Db::open_dir(dir.path()).unwrap();
        // Another key cannot open it.
        let other = dir.path().join("other.key");
        Sealer::load_or_create(&other).unwrap();
        let err = Db::open(&dir.path().join(DB_FILE), &other).unwrap_err();
        assert!(
            err.to_string().contains("different encryption key"),
            "{err}"
        );
    }

    #[test]
    fn processes_starting_together_share_one_schema_and_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    Db::open_dir(&path).map(|db| db.sealer().fingerprint().to_string())
                })
            })
            .collect();
        let prints: Vec<String> = threads
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect();
        assert!(prints.windows(2).all(|w| w[0] == w[1]), "{prints:?}");
    }

    #[test]
    fn audit_log_is_append_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        db.conn()
            .execute(
                "INSERT INTO audit_log(at, actor, action, detail) VALUES ('t', 'a', 'x', '')",
                [],
            )
            .unwrap();
        assert!(
            db.conn()
                .execute("UPDATE audit_log SET actor = 'b'", [])
                .is_err()
        );
        assert!(db.conn().execute("DELETE FROM audit_log", []).is_err());
    }
}
