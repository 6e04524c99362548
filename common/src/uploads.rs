//! The staff console's uploads waiting for their import, kept in the database so that any
//! store process of a chain answers any step: the upload, the mapping page, the check, the
//! import's progress and its report. The file itself is sealed with the store's key, in
//! parts of at most [`PART`] bytes; the report too (its errors quote the file's values).
//!
//! Each upload belongs to the staff member who sent it: every function here takes their
//! name, and another's upload is not found. The console checks `import:customer` before it
//! calls any of them.

use uuid::Uuid;

use crate::csvio::ImportReport;
use crate::db::{Connection, Db, OptionalExtension, Row, Transaction, params};
use crate::error::Result;

/// The largest part of a file sealed as one.
pub const PART: usize = 1 << 20;

/// Where an upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Its file still arriving: its place is taken, the upload not yet shown.
    Receiving,
    /// Whole, its mapping not yet confirmed.
    Ready,
    /// Its import under way, in some store process.
    Running,
    /// Its import ended; the report (or why it failed) is kept.
    Done,
}

impl State {
    fn of(word: &str) -> State {
        match word {
            "receiving" => State::Receiving,
            "ready" => State::Ready,
            "running" => State::Running,
            _ => State::Done,
        }
    }
}

/// An upload as the pages show it.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: Uuid,
    /// The file's name as the browser gave it.
    pub name: String,
    pub bytes: u64,
    pub state: State,
    /// Bytes of the file its import has read, while it runs.
    pub progress: u64,
}

/// The finished import: its report, or why it did not happen.
pub type Outcome = std::result::Result<ImportReport, String>;

/// How many uploads may wait at once: per staff member, and in all.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_user: u64,
    pub in_all: u64,
    /// Seconds an upload waits for its import before it is forgotten.
    pub keep: i64,
}

const COLUMNS: &str = "id, file_name, bytes, state, progress";

fn upload_of(r: &Row<'_>) -> crate::db::Result<Upload> {
    let id: String = r.get(0)?;
    Ok(Upload {
        id: Uuid::parse_str(&id).unwrap_or_default(),
        name: r.get(1)?,
        bytes: r.get::<_, i64>(2)?.max(0) as u64,
        state: State::of(&r.get::<_, String>(3)?),
        progress: r.get::<_, i64>(4)?.max(0) as u64,
    })
}

/// Forgets uploads that waited more than `keep` seconds (an import under way is never cut
/// short: [`recover`] decides about those), with their files.
fn sweep(tx: &Transaction<'_>, now: i64, keep: i64) -> Result<()> {
    let old = now - keep;
    tx.prepare_cached(
        "DELETE FROM console_upload_parts WHERE upload IN
         (SELECT id FROM console_uploads WHERE made < ?1 AND state <> 'running')",
    )?
    .execute([old])?;
    tx.prepare_cached("DELETE FROM console_uploads WHERE made < ?1 AND state <> 'running'")?
        .execute([old])?;
    Ok(())
}

/// Forgets the uploads that waited more than `keep` seconds, with their files.
pub fn expire(db: &mut Db, now: i64, keep: i64) -> Result<()> {
    let tx = db.write()?;
    sweep(&tx, now, keep)?;
    Ok(tx.commit()?)
}

/// Takes a place for `user`'s new upload `id` before its file arrives: `false` when they,
/// or everyone together, already have as many waiting as `limits` allow. Counted and taken
/// in one write transaction, so uploads sent at once, to any store process, cannot each
/// pass the count.
pub fn reserve(db: &mut Db, id: Uuid, user: &str, now: i64, limits: Limits) -> Result<bool> {
    let tx = db.write()?;
    sweep(&tx, now, limits.keep)?;
    let (mine, all): (i64, i64) = tx.query_row(
        "SELECT count(CASE WHEN user_name = ?1 THEN 1 END), count(*) FROM console_uploads",
        [user],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if mine as u64 >= limits.per_user || all as u64 >= limits.in_all {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO console_uploads(id, user_name, file_name, bytes, made, state)
         VALUES (?1, ?2, '', 0, ?3, 'receiving')",
        params![id.to_string(), user, now],
    )?;
    tx.commit()?;
    Ok(true)
}

fn part_aad(id: Uuid, n: i64) -> Vec<u8> {
    format!("intake console upload\0{id}\0{n}").into_bytes()
}

fn report_aad(id: Uuid) -> Vec<u8> {
    format!("intake console import report\0{id}").into_bytes()
}

/// Stores part `n` of upload `id`'s file, sealed.
pub fn add_part(db: &mut Db, id: Uuid, n: i64, bytes: &[u8]) -> Result<()> {
    let (tx, sealer) = db.write_sealed()?;
    let sealed = sealer.seal(&part_aad(id, n), bytes);
    let receiving = tx
        .prepare_cached("SELECT 1 FROM console_uploads WHERE id = ?1 AND state = 'receiving'")?
        .exists([id.to_string()])?;
    if !receiving {
        return Err(crate::Error::Invalid(format!(
            "upload {id} is not receiving a file"
        )));
    }
    tx.execute(
        "INSERT INTO console_upload_parts(upload, n, sealed) VALUES (?1, ?2, ?3)",
        params![id.to_string(), n, sealed],
    )?;
    Ok(tx.commit()?)
}

/// The whole file has arrived: the upload is ready, and waits [`Limits::keep`] from `now`.
pub fn received(db: &mut Db, id: Uuid, name: &str, bytes: u64, now: i64) -> Result<()> {
    let tx = db.write()?;
    tx.execute(
        "UPDATE console_uploads SET file_name = ?2, bytes = ?3, made = ?4, state = 'ready'
         WHERE id = ?1 AND state = 'receiving'",
        params![id.to_string(), name, bytes as i64, now],
    )?;
    Ok(tx.commit()?)
}

/// `user`'s upload `id`, unless it is still arriving (or is another's, or gone).
pub fn get(conn: &Connection, id: Uuid, user: &str) -> Result<Option<Upload>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM console_uploads
             WHERE id = ?1 AND user_name = ?2 AND state <> 'receiving'"
        ))?
        .query_row(params![id.to_string(), user], upload_of)
        .optional()?)
}

/// `user`'s uploads that have arrived, oldest first.
pub fn list(conn: &Connection, user: &str) -> Result<Vec<Upload>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM console_uploads
         WHERE user_name = ?1 AND state <> 'receiving' ORDER BY id"
    ))?;
    let rows = stmt.query_map([user], upload_of)?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// The uploads whose import is under way, or was until its process died.
pub fn running(conn: &Connection) -> Result<Vec<Uuid>> {
    ids_of(
        conn,
        "SELECT id FROM console_uploads WHERE state = 'running'",
    )
}

/// Every upload's id, of any state and anyone (to tell which files a process keeps are
/// still wanted).
pub fn ids(conn: &Connection) -> Result<Vec<Uuid>> {
    ids_of(conn, "SELECT id FROM console_uploads")
}

fn ids_of(conn: &Connection, sql: &str) -> Result<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows
        .filter_map(|id| id.ok().and_then(|id| Uuid::parse_str(&id).ok()))
        .collect())
}

/// Writes upload `id`'s file to `out`, each part opened with the store's key; the bytes
/// written.
pub fn write_file(db: &Db, id: Uuid, out: &mut dyn std::io::Write) -> Result<u64> {
    let gone = || crate::Error::Invalid(format!("upload {id} is gone"));
    let bytes: i64 = db
        .conn()
        .prepare_cached(
            "SELECT bytes FROM console_uploads WHERE id = ?1 AND state IN ('ready', 'running')",
        )?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?
        .ok_or_else(gone)?;
    let mut stmt = db.conn().prepare_cached(
        "SELECT n, sealed FROM console_upload_parts WHERE upload = ?1 ORDER BY n",
    )?;
    let mut rows = stmt.query([id.to_string()])?;
    let (mut written, mut expected) = (0u64, 0i64);
    while let Some(row) = rows.next()? {
        let n: i64 = row.get(0)?;
        if n != expected {
            return Err(crate::Error::Invalid(format!(
                "upload {id} is missing part {expected} of its file"
            )));
        }
        let sealed: Vec<u8> = row.get(1)?;
        let plain = db.sealer().open(&part_aad(id, n), &sealed)?;
        out.write_all(&plain)
            .map_err(|e| crate::Error::Invalid(format!("writing upload {id}: {e}")))?;
        written += plain.len() as u64;
        expected += 1;
    }
    // Imported, discarded or expired meanwhile: its parts went with it.
    if written != bytes as u64 {
        return Err(gone());
    }
    Ok(written)
}

/// Marks `user`'s ready upload `id` as running: `false` when it is not ready (imported
/// already, under way, or gone), so a second post for the same upload starts nothing.
pub fn claim(db: &mut Db, id: Uuid, user: &str) -> Result<bool> {
    let tx = db.write()?;
    let claimed = tx.execute(
        "UPDATE console_uploads SET state = 'running', progress = 0,
           audit_from = (SELECT coalesce(max(seq), 0) FROM audit_log)
         WHERE id = ?1 AND user_name = ?2 AND state = 'ready'",
        params![id.to_string(), user],
    )?;
    tx.commit()?;
    Ok(claimed == 1)
}

/// How far the running import of `id` has read, for the pages other store processes
/// serve. Written outside a write transaction, since the import holds the write lock; on
/// SQLite every writer waits for that lock, so nothing is written there and the progress
/// shows only where the import runs.
pub fn note_progress(conn: &Connection, id: Uuid, read: u64) -> Result<()> {
    if conn.is_postgres() {
        conn.execute(
            "UPDATE console_uploads SET progress = ?2 WHERE id = ?1 AND state = 'running'",
            params![id.to_string(), read as i64],
        )?;
    }
    Ok(())
}

/// The import of `id` has ended: its outcome is kept (sealed) and the file is removed.
pub fn finish(db: &mut Db, id: Uuid, outcome: &Outcome) -> Result<()> {
    let (tx, sealer) = db.write_sealed()?;
    let sealed = sealer.seal_json(&report_aad(id), outcome);
    tx.execute(
        "UPDATE console_uploads SET state = 'done', report = ?2 WHERE id = ?1",
        params![id.to_string(), sealed],
    )?;
    drop_file(&tx, id)?;
    Ok(tx.commit()?)
}

/// The outcome of `user`'s finished import `id`, if it has finished.
pub fn outcome(db: &Db, id: Uuid, user: &str) -> Result<Option<Outcome>> {
    let sealed: Option<Option<Vec<u8>>> = db
        .conn()
        .prepare_cached(
            "SELECT report FROM console_uploads WHERE id = ?1 AND user_name = ?2 AND state = 'done'",
        )?
        .query_row(params![id.to_string(), user], |r| r.get(0))
        .optional()?;
    match sealed.flatten() {
        Some(sealed) => Ok(Some(db.sealer().open_json(&report_aad(id), &sealed)?)),
        None => Ok(None),
    }
}

/// Forgets `user`'s upload `id` and its file, unless its import is under way: `false` when
/// there was none to forget.
pub fn discard(db: &mut Db, id: Uuid, user: &str) -> Result<bool> {
    let tx = db.write()?;
    let gone = tx.execute(
        "DELETE FROM console_uploads WHERE id = ?1 AND user_name = ?2 AND state IN ('ready', 'done')",
        params![id.to_string(), user],
    )?;
    if gone == 1 {
        drop_file(&tx, id)?;
    }
    tx.commit()?;
    Ok(gone == 1)
}

/// Forgets upload `id` whose file did not arrive whole.
pub fn abandon(db: &mut Db, id: Uuid) -> Result<()> {
    let tx = db.write()?;
    // Only while it is still arriving: a file that arrived whole just as its request went
    // away stays.
    let gone = tx.execute(
        "DELETE FROM console_uploads WHERE id = ?1 AND state = 'receiving'",
        [id.to_string()],
    )?;
    if gone == 1 {
        drop_file(&tx, id)?;
    }
    Ok(tx.commit()?)
}

/// Removes upload `id`'s file.
fn drop_file(tx: &Transaction<'_>, id: Uuid) -> Result<()> {
    tx.prepare_cached("DELETE FROM console_upload_parts WHERE upload = ?1")?
        .execute([id.to_string()])?;
    Ok(())
}

/// Settles an import whose store process ended while it ran. Its import is one
/// transaction, so either it committed (the audit log holds its entry, after the claim,
/// whose file name carries the upload's id) and the upload is done, or nothing of it was
/// stored and the upload is ready to run again. The caller holds the import's run lock
/// (so no process runs it); of two that settle it at once, one does.
pub fn recover(db: &mut Db, id: Uuid) -> Result<State> {
    let (tx, sealer) = db.write_sealed()?;
    let committed = tx
        .prepare_cached(
            "SELECT 1 FROM audit_log WHERE action = 'customer.import'
             AND seq > (SELECT coalesce(audit_from, 0) FROM console_uploads WHERE id = ?1)
             AND detail LIKE '%/console-' || ?1 || '.csv%' AND detail NOT LIKE 'dry run of %'",
        )?
        .exists([id.to_string()])?;
    let settled = if committed {
        let ended: Outcome = Err(
            "the import was stored, but the store process running it stopped before it kept its report: the audit log has its counts"
                .to_string(),
        );
        tx.execute(
            "UPDATE console_uploads SET state = 'done', report = ?2 WHERE id = ?1 AND state = 'running'",
            params![id.to_string(), sealer.seal_json(&report_aad(id), &ended)],
        )?
    } else {
        tx.execute(
            "UPDATE console_uploads SET state = 'ready', progress = 0 WHERE id = ?1 AND state = 'running'",
            [id.to_string()],
        )?
    };
    if settled == 1 && committed {
        drop_file(&tx, id)?;
    }
    tx.commit()?;
    Ok(if committed { State::Done } else { State::Ready })
}
