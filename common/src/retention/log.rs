//! The erasure log: who was erased (their id), when and why, and nothing else. It is the
//! `erasures` table, and beside an SQLite database also `erasures.log`, one line per
//! erasure, so a restore can re-apply every erasure made after its backup was taken even
//! when the database it replaces is damaged.

use std::io::Write;
use std::path::{Path, PathBuf};

use uuid::Uuid;

use super::Reason;
use crate::db::{Connection, Db};
use crate::error::{Error, Result};
use crate::mutation::{Mutation, Op};

/// The file's name, beside the database.
pub const LOG_FILE: &str = "erasures.log";

/// One erasure: the customer's id, when, and why.
pub type Entry = (Uuid, String, Reason);

fn log_path(db_path: &Path) -> PathBuf {
    db_path.with_file_name(LOG_FILE)
}

/// Appends `entries` to `erasures.log` beside an SQLite database (owner-only, synced);
/// nothing for a PostgreSQL store, whose backups are the server's.
pub(crate) fn append(db: &Db, entries: &[Entry]) -> Result<()> {
    let Some(path) = db.path().map(log_path) else {
        return Ok(());
    };
    if entries.is_empty() {
        return Ok(());
    }
    let mut o = std::fs::OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(&path).map_err(|e| Error::io(&path, e))?;
    let mut text = String::new();
    for (id, at, reason) in entries {
        text.push_str(&format!("{id}\t{at}\t{}\n", reason.as_str()));
    }
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io(&path, e))
}

/// The erasures `erasures.log` beside `db_path` holds; a line that does not read is
/// skipped with a warning (the table holds them too).
pub fn read_file(db_path: &Path) -> Result<Vec<Entry>> {
    let path = log_path(db_path);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut parts = line.split('\t');
        let entry = (|| {
            let id = Uuid::parse_str(parts.next()?).ok()?;
            let at = parts.next()?.to_owned();
            crate::time::parse(&at)?;
            let reason = Reason::parse(parts.next()?)?;
            Some((id, at, reason))
        })();
        match entry {
            Some(e) => out.push(e),
            None => {
                tracing::warn!(file = %path.display(), line = n + 1, "an erasure log line does not read; skipped")
            }
        }
    }
    Ok(out)
}

/// The erasures the `erasures` table of `conn` holds.
pub fn read_table(conn: &Connection) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare("SELECT customer_id, erased_at, reason FROM erasures")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Uuid>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, at, reason) = row?;
        out.push((id, at, Reason::parse(&reason).unwrap_or(Reason::Request)));
    }
    Ok(out)
}

/// Erases again, in `db` (a database just restored), everyone in `entries` it still
/// holds, with their first erasure's date and reason. Someone erased on request keeps
/// every release restricted (the next retention pass purges what is past its date);
/// someone the pass erased had nothing left to keep, and their releases go. How many were
/// erased again.
pub fn reapply(db: &mut Db, entries: &[Entry]) -> Result<usize> {
    let mut ms = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (id, at, reason) in entries {
        if !seen.insert(*id) || super::erased(db.conn(), *id)?.is_some() {
            continue;
        }
        if !crate::mutation::exists(db.conn(), crate::db::resolve_customer(db.conn(), *id)?)? {
            continue;
        }
        let purge = match reason {
            Reason::Request => Vec::new(),
            Reason::Retention => db
                .conn()
                .prepare("SELECT id FROM releases WHERE customer_id = ?1")?
                .query_map([*id], |r| r.get(0))?
                .collect::<crate::db::Result<_>>()?,
        };
        let mut m = Mutation::new(
            "restore",
            Op::EraseCustomer {
                customer: *id,
                reason: *reason,
                purge,
                seen: None,
            },
        );
        m.at = crate::time::parse(at).unwrap_or(m.at);
        ms.push(m);
    }
    if ms.is_empty() {
        return Ok(0);
    }
    crate::mutation::submit_all_with(db, &ms, |tx| {
        let mut again = 0;
        for m in &ms {
            if let Some(id) = m.op.customer() {
                let gone: bool = tx.query_row(
                    "SELECT NOT EXISTS(SELECT 1 FROM customers WHERE id = ?1)",
                    [id],
                    |r| r.get(0),
                )?;
                again += usize::from(gone);
            }
        }
        crate::audit::record(
            tx,
            "restore",
            "retention.reapply",
            None,
            &format!("{again} erasure(s) made after the backup applied again"),
        )
    })?;
    db.empty_wal();
    let again = ms
        .iter()
        .filter_map(|m| m.op.customer())
        .filter(|id| matches!(super::erased(db.conn(), *id), Ok(Some(_))))
        .count();
    Ok(again)
}
