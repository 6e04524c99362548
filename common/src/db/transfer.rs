//! Moving a shop's SQLite store into an empty PostgreSQL database, for a shop that grows
//! into a chain: every table is copied in one PostgreSQL transaction, then read back and
//! checked table by table, by its row count and a hash of its rows, before it commits. A
//! copy that does not check out leaves the PostgreSQL database as it was.
//!
//! The copy is generic over the schema: the tables, their columns and the order foreign
//! keys impose come from PostgreSQL's catalog, so a later migration pair needs nothing
//! here. A column the SQLite store has and PostgreSQL lacks stops the move before anything
//! is written.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::types::{Value, ValueRef};
use sha2::{Digest, Sha256};

use super::conn::Connection;
use super::{Db, OptionalExtension, params_from_iter};
use crate::error::{Error, Result};

/// The `meta` key a moved SQLite store keeps: where it went, so it is not served again.
pub const MOVED_TO: &str = "moved_to";

/// Values sent in one `INSERT` at most (PostgreSQL takes up to 65,535).
const VALUES_PER_INSERT: usize = 8_000;
/// Bytes of text and blobs sent in one `INSERT` at most: a release with its signatures is
/// tens of kilobytes, and a statement is held whole in memory on both sides.
const BYTES_PER_INSERT: usize = 8 << 20;
/// Rows read back from PostgreSQL at a time (a page is held whole).
const READ_BACK_PAGE: usize = 500;

/// One table moved: its rows, and the hash both sides agreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMoved {
    pub table: String,
    pub rows: u64,
    /// A hash of the table's rows whatever their order (see [`RowsHash`]).
    pub hash: [u8; 32],
}

impl TableMoved {
    /// The hash's first 16 hex digits, enough to compare by eye.
    pub fn short_hash(&self) -> String {
        crate::crypto::hex(&self.hash[..8])
    }
}

/// Copies the SQLite store `from` into the PostgreSQL store `to` (described as `place`),
/// which must hold no store yet (opened, so migrated, with the same key). Returns every
/// table with its count and hash, in the order copied.
///
/// The source's write lock is held from the first read to the end: nothing another process
/// writes there can be left behind. Once PostgreSQL committed, the source is marked as
/// moved ([`MOVED_TO`]) in that same transaction, and both audit logs say so.
pub fn sqlite_to_postgres(from: &Db, to: &Db, place: &str) -> Result<Vec<TableMoved>> {
    let source = from.conn().sqlite_only()?;
    if !to.conn().is_postgres() {
        return Err(Error::Invalid(
            "the store can only be moved into a PostgreSQL database".into(),
        ));
    }
    crate::sync::refuse_on_device(from.conn(), "a device's database is not a store: move")?;
    let source_tx = from.conn().begin_write()?;
    let tx = to.conn().begin_write()?;
    let target: &Connection = &tx;

    let tables = tables_in_order(target)?;
    let source_tables = sqlite_tables(source)?;
    if let Some(extra) = source_tables.iter().find(|t| !tables.contains(t)) {
        return Err(Error::Invalid(format!(
            "the SQLite store has a table `{extra}` the PostgreSQL schema lacks: this build cannot move it"
        )));
    }
    refuse_unless_empty(target, &tables)?;

    let mut moved = Vec::new();
    for table in tables.iter().filter(|t| source_tables.contains(*t)) {
        let in_table = |e: Error| Error::Invalid(format!("table {table}: {e}; nothing was moved"));
        let columns = columns(source, target, table)?;
        let copied = copy_table(source, target, table, &columns).map_err(in_table)?;
        set_identities_past(target, table).map_err(in_table)?;
        let stored = read_back(target, table, &columns).map_err(in_table)?;
        if stored != copied {
            return Err(Error::Invalid(format!(
                "table {table}: {} rows read from SQLite (hash {}), {} rows in PostgreSQL (hash {}); nothing was moved",
                copied.rows,
                copied.short_hash(),
                stored.rows,
                stored.short_hash()
            )));
        }
        tracing::info!(table = %table, rows = copied.rows, "moved");
        moved.push(copied);
    }
    let from_place = from
        .path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let summary = summary(&moved, &from_place, place);
    crate::audit::record(&tx, ACTOR, "store.moved_in", None, &summary)?;
    tx.commit()?;
    source_tx.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [MOVED_TO, place],
    )?;
    crate::audit::record(&source_tx, ACTOR, "store.moved_out", None, &summary)?;
    source_tx.commit()?;
    Ok(moved)
}

/// What was moved, in a line: how many tables and customers, from where to where.
pub fn summary(moved: &[TableMoved], from: &str, to: &str) -> String {
    let customers = moved
        .iter()
        .find(|t| t.table == "customers")
        .map_or(0, |t| t.rows);
    format!(
        "{} tables, {customers} customers, from {from} to {to}",
        moved.len()
    )
}

/// Who the audit logs say moved the store.
const ACTOR: &str = "intake-agent";

/// The store's tables on PostgreSQL, each after the tables its foreign keys point to.
fn tables_in_order(conn: &Connection) -> Result<Vec<String>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT table_name FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
               AND table_name <> 'schema_version'
             ORDER BY table_name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let edges: Vec<(String, String)> = conn
        .prepare(
            "SELECT c.relname, p.relname FROM pg_constraint k
             JOIN pg_class c ON c.oid = k.conrelid
             JOIN pg_class p ON p.oid = k.confrelid
             WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut needs: BTreeMap<&str, BTreeSet<&str>> = names
        .iter()
        .map(|n| (n.as_str(), BTreeSet::new()))
        .collect();
    for (child, parent) in &edges {
        if child != parent
            && let Some(set) = needs.get_mut(child.as_str())
        {
            set.insert(parent.as_str());
        }
    }
    let mut order: Vec<String> = Vec::with_capacity(names.len());
    while order.len() < names.len() {
        let ready: Vec<&str> = needs
            .iter()
            .filter(|(name, parents)| {
                !order.iter().any(|o| o == *name)
                    && parents.iter().all(|p| order.iter().any(|o| o == p))
            })
            .map(|(name, _)| *name)
            .collect();
        if ready.is_empty() {
            return Err(Error::Invalid(
                "the PostgreSQL schema's foreign keys go round in a circle".into(),
            ));
        }
        order.extend(ready.into_iter().map(str::to_owned));
    }
    Ok(order)
}

fn sqlite_tables(conn: &rusqlite::Connection) -> Result<BTreeSet<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )?;
    let names = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(names)
}

/// Refuses a database that already holds a store's data (`meta` holds only what opening
/// it wrote).
fn refuse_unless_empty(conn: &Connection, tables: &[String]) -> Result<()> {
    for table in tables.iter().filter(|t| *t != "meta") {
        let any = conn
            .query_row(&format!("SELECT 1 FROM {table} LIMIT 1"), [], |_| Ok(()))
            .optional()?;
        if any.is_some() {
            return Err(Error::Invalid(format!(
                "the PostgreSQL database already holds a store (its table {table} has rows): move into an empty database"
            )));
        }
    }
    Ok(())
}

/// The columns to copy, in PostgreSQL's order: every one SQLite has (SQLite's implicit
/// `rowid` included where PostgreSQL made it a column).
fn columns(source: &rusqlite::Connection, target: &Connection, table: &str) -> Result<Vec<String>> {
    let theirs: Vec<(String, bool)> = target
        .prepare(
            "SELECT column_name, is_nullable = 'YES' OR column_default IS NOT NULL OR is_identity = 'YES'
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1
             ORDER BY ordinal_position",
        )?
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let ours: BTreeSet<String> = source
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if let Some(missing) = ours.iter().find(|c| !theirs.iter().any(|(t, _)| t == *c)) {
        return Err(Error::Invalid(format!(
            "table {table}: the SQLite store has a column `{missing}` the PostgreSQL schema lacks: this build cannot move it"
        )));
    }
    let mut copied = Vec::new();
    for (column, optional) in theirs {
        if ours.contains(&column) || column == "rowid" {
            copied.push(column);
        } else if !optional {
            return Err(Error::Invalid(format!(
                "table {table}: PostgreSQL needs a value for `{column}`, which the SQLite store does not have"
            )));
        }
    }
    Ok(copied)
}

fn copy_table(
    source: &rusqlite::Connection,
    target: &Connection,
    table: &str,
    columns: &[String],
) -> Result<TableMoved> {
    let list = columns.join(", ");
    let skip = if table == "meta" {
        // The target's own rows (its key fingerprint, its counters) give way to the
        // store's; where the store moved to stays behind.
        target.execute("DELETE FROM meta", [])?;
        format!(" WHERE key <> '{MOVED_TO}'")
    } else {
        String::new()
    };
    let mut read = source.prepare(&format!("SELECT {list} FROM {table}{skip}"))?;
    let mut rows = read.query([])?;
    let per_insert = (VALUES_PER_INSERT / columns.len()).max(1);
    let mut hash = RowsHash::default();
    let mut pending: Vec<Value> = Vec::with_capacity(per_insert * columns.len());
    let mut pending_bytes = 0;
    while let Some(row) = rows.next()? {
        let values = (0..columns.len())
            .map(|i| row.get::<_, Value>(i))
            .collect::<Result<Vec<_>, _>>()?;
        hash.add(values.iter().map(ValueRef::from));
        pending_bytes += values
            .iter()
            .map(|v| match v {
                Value::Text(t) => t.len(),
                Value::Blob(b) => b.len(),
                _ => 8,
            })
            .sum::<usize>();
        pending.extend(values);
        if pending.len() == per_insert * columns.len() || pending_bytes >= BYTES_PER_INSERT {
            insert(target, table, &list, columns.len(), &mut pending)?;
            pending_bytes = 0;
        }
    }
    insert(target, table, &list, columns.len(), &mut pending)?;
    Ok(hash.finish(table))
}

/// Inserts the rows in `values` (`width` to a row) in one statement, and empties it.
fn insert(
    conn: &Connection,
    table: &str,
    list: &str,
    width: usize,
    values: &mut Vec<Value>,
) -> Result<()> {
    if values.is_empty() {
        return Ok(());
    }
    let rows = values.len() / width;
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let marks: Vec<String> = (1..=width).map(|c| format!("?{}", r * width + c)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    conn.prepare_cached(&format!(
        "INSERT INTO {table} ({list}) VALUES {}",
        tuples.join(", ")
    ))?
    .execute(params_from_iter(values.iter()))?;
    values.clear();
    Ok(())
}

/// Moves the table's identity columns past the numbers copied into them, so the next row
/// PostgreSQL numbers itself does not collide.
fn set_identities_past(conn: &Connection, table: &str) -> Result<()> {
    let identities: Vec<String> = conn
        .prepare(
            "SELECT column_name FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1 AND is_identity = 'YES'",
        )?
        .query_map([table], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for column in identities {
        conn.query_row(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), max({column}))
                 FROM {table} HAVING max({column}) IS NOT NULL"
            ),
            [],
            |_| Ok(()),
        )
        .optional()?;
    }
    Ok(())
}

/// Reads the table back from PostgreSQL, a page at a time in its physical order, and hashes
/// it as [`copy_table`] hashed what it read.
fn read_back(conn: &Connection, table: &str, columns: &[String]) -> Result<TableMoved> {
    let sql = format!(
        "SELECT CAST(ctid AS TEXT), {} FROM {table}
         WHERE ctid > CAST(CAST(?1 AS TEXT) AS tid) ORDER BY ctid LIMIT {READ_BACK_PAGE}",
        columns.join(", ")
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut hash = RowsHash::default();
    let mut after = "(0,0)".to_owned();
    loop {
        let mut rows = stmt.query([&after])?;
        let mut seen = 0;
        while let Some(row) = rows.next()? {
            after = row.get(0)?;
            let values = (1..=columns.len())
                .map(|i| row.get_ref(i))
                .collect::<Result<Vec<_>, _>>()?;
            hash.add(values.into_iter());
            seen += 1;
        }
        if seen < READ_BACK_PAGE {
            return Ok(hash.finish(table));
        }
    }
}

/// A hash of a set of rows that does not depend on their order: the sum (modulo 2^256) of
/// each row's SHA-256 over its values, with the count beside it.
#[derive(Default)]
struct RowsHash {
    sum: [u64; 4],
    rows: u64,
}

impl RowsHash {
    fn add<'a>(&mut self, values: impl Iterator<Item = ValueRef<'a>>) {
        let mut h = Sha256::new();
        for value in values {
            match value {
                ValueRef::Null => h.update([0]),
                ValueRef::Integer(i) => {
                    h.update([1]);
                    h.update(i.to_be_bytes());
                }
                ValueRef::Real(f) => {
                    h.update([2]);
                    h.update(f.to_bits().to_be_bytes());
                }
                ValueRef::Text(b) | ValueRef::Blob(b) => {
                    // Text and bytes apart by their tag; a length so values cannot run
                    // into each other.
                    h.update([if matches!(value, ValueRef::Text(_)) {
                        3
                    } else {
                        4
                    }]);
                    h.update((b.len() as u64).to_be_bytes());
                    h.update(b);
                }
            }
        }
        let digest = h.finalize();
        let mut carry = 0u128;
        for (i, word) in digest.chunks_exact(8).rev().enumerate() {
            let limb = 3 - i;
            let add = u64::from_be_bytes(word.try_into().unwrap_or_default());
            let total = u128::from(self.sum[limb]) + u128::from(add) + carry;
            self.sum[limb] = total as u64;
            carry = total >> 64;
        }
        self.rows += 1;
    }

    fn finish(self, table: &str) -> TableMoved {
        let mut hash = [0u8; 32];
        for (i, limb) in self.sum.iter().enumerate() {
            hash[i * 8..i * 8 + 8].copy_from_slice(&limb.to_be_bytes());
        }
        TableMoved {
            table: table.to_owned(),
            rows: self.rows,
            hash,
        }
    }
}

/// Where the SQLite store on `conn` was moved to, if it was ([`crate::Db::open`] refuses to
/// open such a store).
pub(crate) fn moved_to(conn: &rusqlite::Connection) -> rusqlite::Result<Option<String>> {
    match conn.query_row("SELECT value FROM meta WHERE key = ?1", [MOVED_TO], |r| {
        r.get(0)
    }) {
        Ok(place) => Ok(Some(place)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(rows: &[&[Value]]) -> TableMoved {
        let mut h = RowsHash::default();
        for row in rows {
            h.add(row.iter().map(ValueRef::from));
        }
        h.finish("t")
    }

    #[test]
    fn the_rows_hash_ignores_order_and_sees_every_value() {
        let a: &[Value] = &[Value::Integer(1), Value::Text("ann".into())];
        let b: &[Value] = &[Value::Integer(2), Value::Blob(b"ann".to_vec())];
        assert_eq!(hash_of(&[a, b]), hash_of(&[b, a]));
        let text_for_blob: &[Value] = &[Value::Integer(2), Value::Text("ann".into())];
        assert_ne!(hash_of(&[a, b]), hash_of(&[a, text_for_blob]));
        let shifted: &[Value] = &[Value::Integer(1), Value::Text("an".into())];
        assert_ne!(hash_of(&[a]), hash_of(&[shifted]));
        assert_ne!(hash_of(&[a]).hash, hash_of(&[a, a]).hash);
        assert_eq!(hash_of(&[]).rows, 0);
    }
}
