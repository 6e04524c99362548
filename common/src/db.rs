//! The database: opening it (pragmas, migrations, the key check), the store's change
//! sequence, and the layer every statement runs through.

mod conn;
mod error;
mod params;
mod pg;
pub mod scratch;

use std::path::{Path, PathBuf};
use std::time::Duration;

use uuid::Uuid;

pub use conn::{ColumnIndex, Connection, MappedRows, Row, Rows, Statement, Transaction};
pub use error::{DbError, OptionalExtension, Result};
pub use params::{Params, ParamsFromIter, params_from_iter};
pub use pg::may_block;
pub use rusqlite::params;
pub use rusqlite::types::{ToSql, Value, ValueRef};

use crate::crypto::Sealer;
use crate::error::Error;

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
    (14, include_str!("../migrations/V14__push_order.sql")),
];

/// The PostgreSQL store's migrations: one baseline equal to SQLite's V13, then each later
/// version beside its SQLite twin, with the same number.
const PG_MIGRATIONS: &[(i64, &str)] = &[
    (13, include_str!("../migrations/pg/V13__baseline.sql")),
    (14, include_str!("../migrations/pg/V14__push_order.sql")),
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
    place: Place,
}

/// Where the database is.
#[derive(Debug, Clone)]
enum Place {
    /// An SQLite file.
    File(PathBuf),
    /// A PostgreSQL connection string.
    Postgres(String),
}

/// SQL functions for the V13 migration's backfill of the stored name keys: `search_key(text)`
/// is [`crate::normalize::search_key`] (NULL stays NULL). Queries bind keys worked out in
/// Rust instead, so their SQL is the same on any database.
fn add_functions(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
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
    pub fn open_dir(dir: &Path) -> crate::Result<Self> {
        create_private_dir(dir)?;
        Self::open(&dir.join(DB_FILE), &dir.join(KEY_FILE))
    }

    /// Opens the database at `path` with the key at `key_path`.
    pub fn open(path: &Path, key_path: &Path) -> crate::Result<Self> {
        let mut conn = rusqlite::Connection::open(path)?;
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
        loop {
            match prepare(&mut conn, path) {
                Err(Error::Db(e)) if e.is_busy() && attempt < 100 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(5 + attempt * 5));
                }
                other => break other?,
            }
        }
        let conn = Connection::from_sqlite(conn);
        let sealer = load_key(&conn, key_path, &path.display().to_string())?;
        Ok(Self {
            conn,
            sealer,
            place: Place::File(path.to_path_buf()),
        })
    }

    /// [`Db::open_postgres`] with the key in the data directory `dir` (made if missing).
    pub fn open_postgres_in(url: &str, dir: &Path) -> crate::Result<Self> {
        create_private_dir(dir)?;
        Self::open_postgres(url, &dir.join(KEY_FILE))
    }

    /// Opens the store on the PostgreSQL database at `url` with the key at `key_path`:
    /// migrates it (one process at a time) and checks the key, as [`Db::open`] does.
    pub fn open_postgres(url: &str, key_path: &Path) -> crate::Result<Self> {
        let place = describe_url(url);
        let conn = Connection::connect_postgres(url).map_err(|e| {
            Error::Invalid(format!("cannot reach the PostgreSQL database {place}: {e}"))
        })?;
        migrate_postgres(&conn, &place)?;
        let sealer = load_key(&conn, key_path, &place)?;
        Ok(Self {
            conn,
            sealer,
            place: Place::Postgres(url.to_owned()),
        })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// The SQLite file; `None` on PostgreSQL.
    pub fn path(&self) -> Option<&Path> {
        match &self.place {
            Place::File(p) => Some(p),
            Place::Postgres(_) => None,
        }
    }

    /// `n` read-only connections beside this one, each in a read transaction that sees the
    /// database exactly as `lock` (a write transaction on this handle) sees it, so work
    /// split between them reads one state. They stay pinned until dropped.
    pub fn pinned_readers(
        &self,
        lock: &Transaction<'_>,
        n: usize,
    ) -> crate::Result<Vec<Connection>> {
        match &self.place {
            Place::File(path) => (0..n)
                .map(|_| {
                    let conn = rusqlite::Connection::open_with_flags(
                        path,
                        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    conn.busy_timeout(Duration::from_secs(10))?;
                    // No commit lands while `lock` is held: the first read pins the same
                    // state.
                    conn.execute_batch("BEGIN")?;
                    conn.query_row("SELECT count(*) FROM meta", [], |_| Ok(()))?;
                    Ok(Connection::from_sqlite(conn))
                })
                .collect(),
            Place::Postgres(url) => {
                let snapshot: String =
                    lock.query_row("SELECT pg_export_snapshot()", [], |r| r.get(0))?;
                (0..n)
                    .map(|_| {
                        let conn = Connection::connect_postgres(url)?;
                        conn.execute_batch(&format!(
                            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \
                             SET TRANSACTION SNAPSHOT '{}'",
                            snapshot.replace('\'', "")
                        ))?;
                        Ok(conn)
                    })
                    .collect()
            }
        }
    }

    /// Starts a write transaction (taking the write lock at once, so it never fails half-way
    /// for want of it).
    pub fn write(&mut self) -> crate::Result<Transaction<'_>> {
        Ok(self.conn.begin_write()?)
    }

    /// A write transaction together with the sealer, for writes that touch medical details.
    pub fn write_sealed(&mut self) -> crate::Result<(Transaction<'_>, &Sealer)> {
        Ok((self.conn.begin_write()?, &self.sealer))
    }

    /// `PRAGMA integrity_check`: `ok`, or what is wrong.
    pub fn integrity_check(&self) -> crate::Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

/// Pragmas and migrations: what `open` does to the SQLite file before the handle is ready.
fn prepare(conn: &mut rusqlite::Connection, path: &Path) -> crate::Result<()> {
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
    Ok(())
}

/// The key that seals the database's medical details: the one it was first sealed with.
fn load_key(conn: &Connection, key_path: &Path, place: &str) -> crate::Result<Sealer> {
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
    // The first opener records the key's fingerprint; everyone after must match it. (Only
    // the first writes: opening never waits for another writer.)
    if !sealed_before {
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('key_fingerprint', ?1) ON CONFLICT(key) DO NOTHING",
            params![sealer.fingerprint()],
        )?;
    }
    let stored: String = conn.query_row(
        "SELECT value FROM meta WHERE key = 'key_fingerprint'",
        [],
        |r| r.get(0),
    )?;
    if stored == sealer.fingerprint() {
        Ok(sealer)
    } else {
        Err(Error::Key {
            path: key_path.to_path_buf(),
            problem: format!("{place} was sealed with a different encryption key"),
        })
    }
}

/// The next value of the store's change sequence.
pub fn next_change_seq(tx: &Transaction<'_>) -> crate::Result<i64> {
    Ok(tx
        .prepare_cached(
            "UPDATE meta SET value = CAST(value AS BIGINT) + 1 WHERE key = 'change_seq' RETURNING CAST(value AS BIGINT)",
        )?
        .query_row([], |r| r.get(0))?)
}

/// The change sequence's current value (for a bulk writer that advances it in memory).
pub fn change_seq(tx: &Transaction<'_>) -> crate::Result<i64> {
    Ok(tx.query_row(
        "SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'change_seq'",
        [],
        |r| r.get(0),
    )?)
}

/// Stores the change sequence a bulk writer advanced to.
pub fn set_change_seq(tx: &Transaction<'_>, value: i64) -> crate::Result<()> {
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'change_seq'",
        [value.to_string()],
    )?;
    Ok(())
}

/// Where a customer id resolves to: itself, or the survivor it was merged into.
pub fn resolve_customer(conn: &Connection, id: Uuid) -> crate::Result<Uuid> {
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

fn migrate(conn: &mut rusqlite::Connection, path: &Path) -> crate::Result<()> {
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    // Up to date: nothing to lock for (a writer may hold the lock for a while).
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current == known {
        return Ok(());
    }
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

/// Brings a PostgreSQL store's schema up to date. The write lock makes processes starting
/// together take turns: the first migrates, the others find it done.
fn migrate_postgres(conn: &Connection, place: &str) -> crate::Result<()> {
    let known = PG_MIGRATIONS.last().map_or(0, |m| m.0);
    // Up to date: nothing to lock for (a writer may hold the lock for a while).
    if postgres_schema_version(conn)? == known {
        return Ok(());
    }
    for (version, sql) in PG_MIGRATIONS {
        let tx = conn.begin_write()?;
        let current = postgres_schema_version(&tx)?;
        if current > known {
            return Err(Error::SchemaTooNew {
                path: PathBuf::from(place),
                found: current,
                known,
            });
        }
        if *version <= current {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.execute("DELETE FROM schema_version", [])?;
        tx.execute("INSERT INTO schema_version(version) VALUES (?1)", [version])?;
        tx.commit()?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}

/// The PostgreSQL store's schema version; 0 before the first migration.
fn postgres_schema_version(conn: &Connection) -> crate::Result<i64> {
    let started: bool = conn.query_row(
        "SELECT to_regclass('schema_version') IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    if !started {
        return Ok(0);
    }
    Ok(conn
        .query_row("SELECT max(version) FROM schema_version", [], |r| {
            r.get::<_, Option<i64>>(0)
        })?
        .unwrap_or(0))
}

/// A PostgreSQL connection string said without its password: `postgres://user@host/db`.
pub fn describe_url(url: &str) -> String {
    match url.parse::<postgres::Config>() {
        Ok(c) => {
            let host = c
                .get_hosts()
                .first()
                .map(|h| match h {
                    postgres::config::Host::Tcp(h) => h.clone(),
                    postgres::config::Host::Unix(p) => p.display().to_string(),
                })
                .unwrap_or_default();
            format!(
                "postgres://{}@{}/{}",
                c.get_user().unwrap_or(""),
                host,
                c.get_dbname().unwrap_or("")
            )
        }
        Err(_) => "a PostgreSQL database (its address does not read)".into(),
    }
}

pub(crate) fn create_private_dir(dir: &Path) -> crate::Result<()> {
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
            .sqlite()
            .unwrap()
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

    #[test]
    fn a_postgres_store_migrates_once_keeps_its_key_and_refuses_another() {
        let url = scratch::Server::shared().fresh_database("db_open");
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join(KEY_FILE);
        // Processes starting together: one migrates, the others find it done.
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (url, key) = (url.clone(), key.clone());
                std::thread::spawn(move || {
                    Db::open_postgres(&url, &key).map(|db| db.sealer().fingerprint().to_string())
                })
            })
            .collect();
        let prints: Vec<String> = threads
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect();
        assert!(prints.windows(2).all(|w| w[0] == w[1]), "{prints:?}");
        let mut db = Db::open_postgres(&url, &key).unwrap();
        assert!(db.path().is_none());
        let version: i64 = db
            .conn()
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 14);
        // The change sequence, and a write transaction that rolls back when dropped.
        {
            let tx = db.write().unwrap();
            assert_eq!(next_change_seq(&tx).unwrap(), 1);
        }
        let tx = db.write().unwrap();
        assert_eq!(next_change_seq(&tx).unwrap(), 1);
        tx.commit().unwrap();
        // The audit log stays append-only.
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
        // Another key cannot open it.
        let other = dir.path().join("other.key");
        Sealer::load_or_create(&other).unwrap();
        let err = Db::open_postgres(&url, &other).unwrap_err();
        assert!(
            err.to_string().contains("different encryption key"),
            "{err}"
        );
        // A server that does not answer is named without its password.
        let err = Db::open_postgres("postgres://ana:hunter2@127.0.0.1:1/none", &key).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("postgres://ana@127.0.0.1/none"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn values_cross_to_postgres_and_back_as_they_do_on_sqlite() {
        let url = scratch::Server::shared().fresh_database("db_values");
        let dir = tempfile::tempdir().unwrap();
        let pg = Db::open_postgres(&url, &dir.path().join(KEY_FILE)).unwrap();
        let lite = Db::open_dir(dir.path()).unwrap();
        let id = Uuid::now_v7();
        for db in [&pg, &lite] {
            let c = db.conn();
            // A uuid, text, an integer into a text column.
            c.execute(
                "INSERT INTO audit_log(at, actor, action, customer_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                params!["2026-01-01T00:00:00.000Z", "ana", 7, id, ""],
            )
            .unwrap();
            let (seq, action, back, n, exists): (i64, String, Uuid, i64, bool) = c
                .query_row(
                    "SELECT seq, action, customer_id, (SELECT count(*) FROM audit_log), \
                     EXISTS(SELECT 1 FROM audit_log WHERE actor = ?1) FROM audit_log",
                    ["ana"],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .unwrap();
            assert_eq!(
                (seq, action.as_str(), back, n, exists),
                (1, "7", id, 1, true)
            );
            // Unnumbered placeholders, a sum, no row at all.
            let total: i64 = c
                .query_row(
                    "SELECT sum(seq) + ? FROM audit_log WHERE actor = ?",
                    params![2, "ana"],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(total, 3);
            let none = c
                .query_row("SELECT seq FROM audit_log WHERE actor = ?1", ["bo"], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()
                .unwrap();
            assert_eq!(none, None);
            // A value bound but not used by the statement (`?1` here).
            let seq: i64 = c
                .query_row(
                    "SELECT seq FROM audit_log WHERE actor = ?2 LIMIT ?3",
                    params![999, "ana", 5],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(seq, 1);
            // A value that does not fit the column says which column.
            let err = c
                .query_row("SELECT actor FROM audit_log", [], |r| r.get::<_, i64>(0))
                .unwrap_err();
            assert!(err.to_string().contains('0'), "{err}");
        }
    }
}
