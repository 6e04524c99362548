//! The settings files saved from the console, kept in the database as last saved, so that
//! every store process of a chain puts a save in force, not only the one that made it.
//! Each save is numbered (`generation`). A settings directory remembers the number of the
//! last save it holds (in `.saved-generation`); a store process follows the saves numbered
//! above it, at its start and every few seconds, writing their files into its own
//! directory by the same checked, atomic path a save takes ([`super::save`]), and a save
//! follows them first, so it is made over the newest settings.
//!
//! A file edited by hand after the directory's last save stays as edited until the next
//! save of that file.

use std::path::Path;

use super::Settings;
use super::save::{SAVING, check_files, write_files};
use crate::db::{Connection, Db, Transaction, params};
use crate::error::{Error, Result};
use crate::release::{self, TemplateRef};

/// The file, in the settings directory, holding the number of the last save it holds.
pub const GENERATION_FILE: &str = ".saved-generation";

/// Keeps `files`, just checked for a save of `by`'s, as the newest save; its number.
pub(super) fn record(tx: &Transaction<'_>, files: &[(String, Vec<u8>)], by: &str) -> Result<i64> {
    let next = generation(tx)? + 1;
    let now = crate::time::now();
    for (name, bytes) in files {
        tx.execute(
            "INSERT INTO settings_saved(name, content, generation, saved_at, saved_by)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name) DO UPDATE SET content = excluded.content,
               generation = excluded.generation, saved_at = excluded.saved_at,
               saved_by = excluded.saved_by",
            params![name, bytes, next, now, by],
        )?;
    }
    Ok(next)
}

/// The newest save's number; 0 before any.
pub fn generation(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT coalesce(max(generation), 0) FROM settings_saved",
        [],
        |r| r.get(0),
    )?)
}

/// The number of the last save the settings directory `dir` holds; 0 when it holds none.
pub fn applied(dir: &Path) -> i64 {
    std::fs::read_to_string(dir.join(GENERATION_FILE))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// Notes that the settings directory `dir` holds every save up to number `generation`.
pub(super) fn mark_applied(dir: &Path, generation: i64) -> Result<()> {
    write_files(
        dir,
        &[(
            GENERATION_FILE.to_owned(),
            generation.to_string().into_bytes(),
        )],
    )
}

/// A file name a save may write: in the directory itself, never a hidden file.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Puts in force, in the settings directory `dir`, every save (by any store process)
/// numbered above the last one it holds: their files are written where they differ, and
/// the settings loaded again. `None` when there is none; else the newest save's number,
/// the settings and the release template they sign under.
pub fn follow(db: &mut Db, dir: &Path) -> Result<Option<(i64, Settings, TemplateRef)>> {
    let _one_at_a_time = SAVING.lock().unwrap_or_else(|p| p.into_inner());
    follow_locked(db, dir)
}

/// [`follow`], for a caller that holds the saves' lock.
pub(super) fn follow_locked(
    db: &mut Db,
    dir: &Path,
) -> Result<Option<(i64, Settings, TemplateRef)>> {
    let since = applied(dir);
    let newest = generation(db.conn())?;
    if newest <= since {
        return Ok(None);
    }
    let mut stmt = db.conn().prepare(
        "SELECT name, content FROM settings_saved WHERE generation > ?1 ORDER BY generation",
    )?;
    let rows = stmt.query_map([since], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
    let saved: Vec<(String, Vec<u8>)> = rows.collect::<crate::db::Result<_>>()?;
    drop(stmt);
    if let Some((name, _)) = saved.iter().find(|(name, _)| !plain(name)) {
        return Err(Error::Invalid(format!(
            "a saved settings file is named {name:?}, outside the settings directory"
        )));
    }
    let changed: Vec<(String, Vec<u8>)> = saved
        .into_iter()
        .filter(|(name, bytes)| std::fs::read(dir.join(name)).ok().as_ref() != Some(bytes))
        .collect();
    let settings = check_files(dir, &changed)?;
    write_files(dir, &changed)?;
    mark_applied(dir, newest)?;
    let template = release::register_template(db, &settings.template)?;
    tracing::info!(
        generation = newest,
        files = changed.len(),
        "settings saves put in force"
    );
    Ok(Some((newest, settings, template)))
}
