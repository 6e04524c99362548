//! Sign-in throttling, kept in the database so that a restart forgives nothing.
//!
//! Each key counts failed attempts: `name:<folded user name>`, `client:<address>`,
//! `pinpad:<device>`. An attempt is counted *before* its PIN is checked, so parallel
//! guesses cannot all slip in before the first failure is written, and taken back when it
//! succeeds. From a key's `allowed`-th failure on it is locked: one minute, doubling with
//! each further failure, at most an hour. A key quiet for a day starts again from zero.
//!
//! Times are passed in (Unix seconds in the table), so tests move the clock themselves.

use crate::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// The first lock's length.
pub const FIRST_LOCK_SECS: i64 = 60;
/// The longest lock.
pub const MAX_LOCK_SECS: i64 = 3600;
/// A key with no failure for this long is forgotten.
pub const FORGET_AFTER_SECS: i64 = 24 * 3600;

/// A key and how many failures it is allowed before it locks.
#[derive(Debug, Clone, Copy)]
pub struct Key<'a> {
    pub key: &'a str,
    pub allowed: u32,
}

/// Where a key stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// Failures counted (within the last day).
    pub failures: u32,
    /// Locked until then, when the lock is still in force.
    pub locked_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy)]
struct Row {
    failures: u32,
    locked_until: Option<i64>,
    last_failure: i64,
}

fn read(conn: &Connection, key: &str) -> Result<Option<Row>> {
    Ok(conn
        .prepare_cached(
            "SELECT failures, locked_until, last_failure FROM sign_in_throttle WHERE key = ?1",
        )?
        .query_row([key], |r| {
            Ok(Row {
                failures: r.get(0)?,
                locked_until: r.get(1)?,
                last_failure: r.get(2)?,
            })
        })
        .optional()?)
}

/// How long the lock is after `failures` failures on a key allowed `allowed`.
fn lock_secs(failures: u32, allowed: u32) -> Option<i64> {
    let over = failures.checked_sub(allowed.max(1))?;
    Some(
        FIRST_LOCK_SECS
            .saturating_mul(1i64 << over.min(16))
            .min(MAX_LOCK_SECS),
    )
}

/// Seconds left on a lock at `now`, if it is still in force. A lock is never honoured for
/// longer than [`MAX_LOCK_SECS`] from now, so a clock that jumped back cannot lock anyone out
/// for longer than that.
fn left(row: &Row, now: i64) -> Option<i64> {
    row.locked_until
        .map(|until| until - now)
        .filter(|left| *left > 0)
        .map(|left| left.min(MAX_LOCK_SECS))
}

fn throttled(secs: i64) -> Error {
    Error::Throttled {
        retry_after_secs: u64::try_from(secs.max(1)).unwrap_or(1),
    }
}

fn to_time(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

/// Where `key` stands at `now`; `None` when nothing is counted against it.
pub fn state(conn: &Connection, key: &str, now: DateTime<Utc>) -> Result<Option<State>> {
    let now = now.timestamp();
    Ok(read(conn, key)?
        .filter(|row| now - row.last_failure <= FORGET_AFTER_SECS)
        .map(|row| State {
            failures: row.failures,
            locked_until: left(&row, now).and_then(|secs| to_time(now + secs)),
        }))
}

/// Refuses with [`Error::Throttled`] when any of `keys` is locked at `now`.
pub fn check(conn: &Connection, keys: &[Key<'_>], now: DateTime<Utc>) -> Result<()> {
    let now = now.timestamp();
    let mut wait = 0;
    for key in keys {
        if let Some(secs) = read(conn, key.key)?.and_then(|row| left(&row, now)) {
            wait = wait.max(secs);
        }
    }
    if wait > 0 {
        Err(throttled(wait))
    } else {
        Ok(())
    }
}

/// Counts one attempt against every key, refusing (and counting nothing) when one is
/// locked. Call inside a write transaction. Returns the lock this attempt will have caused
/// should it fail: the seconds to wait, when it is the attempt that locks a key.
pub fn reserve(conn: &Connection, keys: &[Key<'_>], now: DateTime<Utc>) -> Result<Option<u64>> {
    check(conn, keys, now)?;
    let now = now.timestamp();
    conn.prepare_cached(
        "DELETE FROM sign_in_throttle WHERE last_failure < ?1 AND (locked_until IS NULL OR locked_until <= ?2)",
    )?
    .execute(params![now - FORGET_AFTER_SECS, now])?;
    let mut locks = None;
    for key in keys {
        let before = read(conn, key.key)?
            .filter(|row| now - row.last_failure <= FORGET_AFTER_SECS)
            .map_or(0, |row| row.failures);
        let failures = before.saturating_add(1);
        let lock = lock_secs(failures, key.allowed);
        conn.prepare_cached(
            "INSERT INTO sign_in_throttle(key, failures, locked_until, last_failure) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(key) DO UPDATE SET failures = excluded.failures,
                 locked_until = excluded.locked_until, last_failure = excluded.last_failure",
        )?
        .execute(params![key.key, failures, lock.map(|s| now + s), now])?;
        if let Some(secs) = lock {
            locks = Some(locks.unwrap_or(0).max(u64::try_from(secs).unwrap_or(0)));
        }
    }
    Ok(locks)
}

/// Takes back the attempt [`reserve`] counted against `key` (it succeeded), lifting the
/// lock it caused.
pub fn release(conn: &Connection, key: Key<'_>) -> Result<()> {
    let Some(row) = read(conn, key.key)? else {
        return Ok(());
    };
    let failures = row.failures.saturating_sub(1);
    if failures == 0 {
        return clear(conn, key.key);
    }
    let lock = lock_secs(failures, key.allowed).map(|s| row.last_failure + s);
    conn.prepare_cached(
        "UPDATE sign_in_throttle SET failures = ?2, locked_until = ?3 WHERE key = ?1",
    )?
    .execute(params![key.key, failures, lock])?;
    Ok(())
}

/// Forgets every failure counted against `key`.
pub fn clear(conn: &Connection, key: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM sign_in_throttle WHERE key = ?1")?
        .execute([key])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn locks_after_the_allowed_failures_and_doubles_to_an_hour() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        let conn = db.conn();
        let key = Key {
            key: "name:olive",
            allowed: 5,
        };
        for _ in 0..4 {
            assert_eq!(reserve(conn, &[key], at(0)).unwrap(), None);
        }
        assert_eq!(reserve(conn, &[key], at(0)).unwrap(), Some(60));
        assert!(matches!(
            reserve(conn, &[key], at(59)),
            Err(Error::Throttled {
                retry_after_secs: 1
            })
        ));
        assert_eq!(reserve(conn, &[key], at(60)).unwrap(), Some(120));
        let mut t = 60;
        let mut waits = Vec::new();
        for _ in 0..8 {
            t += 3600;
            waits.push(reserve(conn, &[key], at(t)).unwrap().unwrap());
        }
        assert_eq!(waits, [240, 480, 960, 1920, 3600, 3600, 3600, 3600]);
        // A success takes its own attempt back; the earlier failures still count.
        let s = state(conn, "name:olive", at(t)).unwrap().unwrap();
        assert_eq!(s.failures, 14);
        release(conn, key).unwrap();
        let s = state(conn, "name:olive", at(t)).unwrap().unwrap();
        assert_eq!(s.failures, 13);
        // A quiet day forgets.
        let later = t + FORGET_AFTER_SECS + 1;
        assert_eq!(state(conn, "name:olive", at(later)).unwrap(), None);
        assert_eq!(reserve(conn, &[key], at(later)).unwrap(), None);
        assert_eq!(
            state(conn, "name:olive", at(later))
                .unwrap()
                .unwrap()
                .failures,
            1
        );
    }

    #[test]
    fn a_clock_that_jumped_back_never_locks_for_more_than_an_hour() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        let key = Key {
            key: "pinpad:kiosk:lobby",
            allowed: 1,
        };
        reserve(db.conn(), &[key], at(0)).unwrap();
        // The clock now reads a week earlier.
        match check(db.conn(), &[key], at(-7 * 24 * 3600)) {
            Err(Error::Throttled { retry_after_secs }) => {
                assert_eq!(retry_after_secs, 3600);
            }
            other => panic!("{other:?}"),
        }
    }
}
