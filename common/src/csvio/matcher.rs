//! Finding the stored customer an imported row identifies, by e-mail or phone key.
//!
//! Small files ask the database's indexes row by row. Large files use in-memory maps from a
//! 64-bit hash of each key to the rows holding it, loaded once from the table and kept up to
//! date as rows are written; every hit is checked against the stored row, so a hash collision
//! or a changed key can never match the wrong customer. That lets a large import drop the
//! table's secondary indexes and rebuild them sorted at the end.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use crate::db::{OptionalExtension, Transaction};

use crate::error::Result;

/// Which key a look-up is by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    Email,
    Phone,
}

/// What a look-up found: no row, one row (its rowid), or several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lookup {
    None,
    One(i64),
    Many,
}

/// Rows per key hash: the first in a compact map (16 bytes an entry), any further ones —
/// a shared e-mail, or a hash collision — in a small overflow map.
#[derive(Debug, Default)]
pub(super) struct KeyMap {
    first: HashMap<u64, i64>,
    more: HashMap<u64, Vec<i64>>,
}

impl KeyMap {
    fn add(&mut self, hash: u64, rowid: i64) {
        match self.first.get(&hash) {
            None => {
                self.first.insert(hash, rowid);
            }
            Some(r) if *r == rowid => {}
            Some(_) => {
                let more = self.more.entry(hash).or_default();
                if !more.contains(&rowid) {
                    more.push(rowid);
                }
            }
        }
    }

    fn rows(&self, hash: u64) -> impl Iterator<Item = i64> + '_ {
        self.first
            .get(&hash)
            .copied()
            .into_iter()
            .chain(self.more.get(&hash).into_iter().flatten().copied())
    }
}

// There is one matcher per import; its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(super) enum Matcher {
    /// Ask the table's indexes.
    Indexed,
    /// Ask the in-memory maps (the indexes may be gone for the duration of the import).
    InMemory {
        hasher: RandomState,
        email: KeyMap,
        phone: KeyMap,
    },
}

impl Matcher {
    /// Loads every stored e-mail and phone key into memory.
    pub(super) fn in_memory(tx: &Transaction<'_>) -> Result<Self> {
        let hasher = RandomState::new();
        let mut email = KeyMap::default();
        let mut phone = KeyMap::default();
        let mut stmt = tx.prepare(
            "SELECT rowid, email_key, phone_key FROM customers
             WHERE email_key IS NOT NULL OR phone_key IS NOT NULL",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let rowid: i64 = row.get(0)?;
            if let Some(k) = row.get_ref(1)?.as_str_or_null()? {
                email.add(hasher.hash_one(k), rowid);
            }
            if let Some(k) = row.get_ref(2)?.as_str_or_null()? {
                phone.add(hasher.hash_one(k), rowid);
            }
        }
        Ok(Matcher::InMemory {
            hasher,
            email,
            phone,
        })
    }

    pub(super) fn lookup(
        &self,
        tx: &Transaction<'_>,
        key: Key,
        value: Option<&str>,
    ) -> Result<Lookup> {
        let Some(value) = value else {
            return Ok(Lookup::None);
        };
        match self {
            Matcher::Indexed => {
                let sql = match key {
                    Key::Email => "SELECT rowid FROM customers WHERE email_key = ?1 LIMIT 2",
                    Key::Phone => "SELECT rowid FROM customers WHERE phone_key = ?1 LIMIT 2",
                };
                let mut stmt = tx.prepare_cached(sql)?;
                let mut rows = stmt.query([value])?;
                let first: Option<i64> = rows.next()?.map(|r| r.get(0)).transpose()?;
                let more = rows.next()?.is_some();
                Ok(match (first, more) {
                    (None, _) => Lookup::None,
                    (Some(r), false) => Lookup::One(r),
                    (Some(_), true) => Lookup::Many,
                })
            }
            Matcher::InMemory {
                hasher,
                email,
                phone,
            } => {
                let map = if key == Key::Email { email } else { phone };
                let hash = hasher.hash_one(value);
                let sql = match key {
                    Key::Email => "SELECT email_key FROM customers WHERE rowid = ?1",
                    Key::Phone => "SELECT phone_key FROM customers WHERE rowid = ?1",
                };
                let mut stmt = tx.prepare_cached(sql)?;
                let mut found = Lookup::None;
                for rowid in map.rows(hash) {
                    let stored: Option<String> =
                        stmt.query_row([rowid], |r| r.get(0)).optional()?.flatten();
                    if stored.as_deref() == Some(value) {
                        found = match found {
                            Lookup::None => Lookup::One(rowid),
                            _ => return Ok(Lookup::Many),
                        };
                    }
                }
                Ok(found)
            }
        }
    }

    /// Notes that row `rowid` now holds `value` as its `key`.
    pub(super) fn remember(&mut self, key: Key, value: Option<&str>, rowid: i64) {
        if let (
            Matcher::InMemory {
                hasher,
                email,
                phone,
            },
            Some(value),
        ) = (self, value)
        {
            let map = if key == Key::Email { email } else { phone };
            map.add(hasher.hash_one(value), rowid);
        }
    }
}

/// Indexes whose keys only grow as rows are added: cheaper to keep than to rebuild.
const KEEP_INDEXES: &str = r#"["customers_change_seq"]"#;

/// Drops the customer table's secondary, non-unique indexes (a unique one keeps enforcing
/// its rule during the import), returning the SQL that recreates them.
/// Inside the import's transaction: a failed or killed import brings them back with everything else.
///
/// On SQLite only. PostgreSQL keeps them: dropping one there would lock the whole table
/// against every other store process's readers until the import commits.
pub(super) fn drop_secondary_indexes(tx: &Transaction<'_>) -> Result<Vec<String>> {
    if tx.sqlite().is_none() {
        return Ok(Vec::new());
    }
    let indexes: Vec<(String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'index' AND tbl_name = 'customers' AND sql IS NOT NULL
               AND sql NOT LIKE 'CREATE UNIQUE%'
               AND name NOT IN (SELECT value FROM json_each(?1))",
        )?;
        let rows = stmt.query_map([KEEP_INDEXES], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (name, _) in &indexes {
        tx.execute(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")), [])?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}

/// Recreates what [`drop_secondary_indexes`] dropped.
pub(super) fn restore_indexes(tx: &Transaction<'_>, sql: &[String]) -> Result<()> {
    for statement in sql {
        tx.execute(statement, [])?;
    }
    Ok(())
}
