//! The database: opening it (pragmas, migrations, the key check), the store's change
//! sequence, and the layer every statement runs through.

mod conn;
mod error;
mod params;
mod pg;
mod schema;
pub mod scratch;
pub mod transfer;

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
#[derive(Clone)]
enum Place {
    /// An SQLite file.
    File(PathBuf),
    /// A PostgreSQL connection string.
    Postgres(String),
}

impl std::fmt::Debug for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::File(path) => f.debug_tuple("File").field(path).finish(),
            // The connection string may hold a password.
            Place::Postgres(url) => f.debug_tuple("Postgres").field(&describe_url(url)).finish(),
        }
    }
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
        // A store moved to PostgreSQL stays as it was at the move: opening it would let
        // devices and admins work on a copy nobody else sees.
        if let Some(place) = transfer::moved_to(&conn)? {
            return Err(Error::Invalid(format!(
                "the store in {} moved to PostgreSQL ({place}) with `store migrate`: use it there, with --database URL (INTAKE_DATABASE_URL); this file is kept as it was at the move",
                path.display()
            )));
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
        let conn = Connection::connect_postgres(url).map_err(|source| Error::Unreachable {
            place: place.clone(),
            source,
        })?;
        schema::migrate_postgres(&conn, &place)?;
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

    /// On SQLite, moves what the WAL holds into the database and empties it, so no old page
    /// image of what was just deleted stays on disk. A reader holding an old snapshot keeps
    /// it from finishing: it is tried for about a second, then left to the next time
    /// (logged). `true` when the WAL is empty (always on PostgreSQL, where there is none of
    /// ours).
    pub fn empty_wal(&self) -> bool {
        let Some(conn) = self.conn.sqlite() else {
            return true;
        };
        for attempt in 0..20 {
            let busy = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            });
            match busy {
                Ok(0) => return true,
                _ if attempt < 19 => std::thread::sleep(Duration::from_millis(50)),
                other => tracing::warn!(
                    ?other,
                    "the WAL could not be emptied now: a reader holds it"
                ),
            }
        }
        false
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
    // Every connection overwrites what it deletes or replaces: an erased customer, a
    // kiosk's outbox once the store has it, a value edited away. The file keeps no free
    // space holding them.
    conn.pragma_update(None, "secure_delete", "ON")?;
    schema::migrate(conn, path)?;
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
mod tests;
