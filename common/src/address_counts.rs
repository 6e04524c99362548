//! Requests counted per client address in fixed windows, in the database, so every store
//! process of a chain counts the same address together (Web Sign's limits on opening and
//! submitting its form). The caller names what it counts and passes a keyed hash of the
//! address, never the address; a row lives until its window has ended: [`forget_ended`],
//! which each store process runs once a minute, removes the rest.
//!
//! Counted outside any write transaction, so an opening does not wait for a push or an
//! import to commit. The store counts here on PostgreSQL; a SQLite store, served by one
//! process whose one writer an import holds for minutes, counts in memory.

use crate::db::{Connection, params};
use crate::error::Result;

/// The longest window any caller counts in, in seconds: rows older than this are gone.
pub const LONGEST_WINDOW: i64 = 600;

/// Counts one request under `key` at `now` (unix seconds) in windows of `length` seconds:
/// `Err(seconds to wait)` once `max` were counted in the window under way.
pub fn count(
    conn: &Connection,
    key: &str,
    max: u32,
    length: i64,
    now: i64,
) -> Result<std::result::Result<(), u64>> {
    let (started, n): (i64, i64) = conn
        .prepare_cached(
            "INSERT INTO address_counts(key, started, n) VALUES (?1, ?2, 1)
             ON CONFLICT (key) DO UPDATE SET
               n = CASE WHEN address_counts.started <= ?3 THEN 1 ELSE address_counts.n + 1 END,
               started = CASE WHEN address_counts.started <= ?3 THEN ?2 ELSE address_counts.started END
             RETURNING started, n",
        )?
        .query_row(params![key, now, now - length], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if n > i64::from(max) {
        return Ok(Err((started + length - now).max(1) as u64));
    }
    Ok(Ok(()))
}

/// Forgets the counts whose windows have ended by `now`; how many.
pub fn forget_ended(conn: &Connection, now: i64) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM address_counts WHERE started <= ?1")?
        .execute([now - LONGEST_WINDOW])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_refuses_past_its_count_and_starts_again_after() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open_dir(dir.path()).unwrap();
        let c = db.conn();
        let t = 1_000_000;
        assert_eq!(count(c, "open:a", 2, 60, t).unwrap(), Ok(()));
        assert_eq!(count(c, "open:a", 2, 60, t).unwrap(), Ok(()));
        assert_eq!(count(c, "open:a", 2, 60, t + 10).unwrap(), Err(50));
        assert_eq!(
            count(c, "open:b", 2, 60, t).unwrap(),
            Ok(()),
            "each key its own"
        );
        assert_eq!(count(c, "submit:a", 2, 60, t).unwrap(), Ok(()));
        assert_eq!(
            count(c, "open:a", 2, 60, t + 60).unwrap(),
            Ok(()),
            "a new window"
        );
        // Ended windows are forgotten.
        assert_eq!(
            count(c, "open:c", 2, 60, t + LONGEST_WINDOW + 61).unwrap(),
            Ok(())
        );
        assert_eq!(forget_ended(c, t + LONGEST_WINDOW + 61).unwrap(), 3);
        let left: i64 = c
            .query_row("SELECT count(*) FROM address_counts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 1);
    }
}
