//! Stored phone keys follow the shop's region.
//!
//! A key is the E.164 form of a customer's number read in a region (see
//! [`crate::normalize::phone_key`]), so changing the region changes what national numbers
//! mean. A migration cannot know the region (it lives in `shop.toml`): the kiosk and the
//! agent call [`align`] once they have opened the database with their settings. When the
//! region differs from the one the stored keys were made in — or none is recorded, as in a
//! database from before regions, whose keys read every number as North American — every
//! key is recomputed in one transaction, each change audited, and the run recorded in
//! `phone_key_regions`. A number that does not read in the new region keeps its old key
//! and is reported; nothing is dropped.

use crate::db::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::audit;
use crate::db::{Db, next_change_seq};
use crate::error::Result;
use crate::normalize::{Region, phone_key};

/// How many customers one read of the recompute holds in memory.
const CHUNK: i64 = 5_000;

/// The region the stored keys were made in, if any run was recorded.
pub fn recorded(conn: &Connection) -> Result<Option<Region>> {
    let code: Option<String> = conn
        .prepare_cached("SELECT region FROM phone_key_regions ORDER BY id DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    // A code this build does not know is as good as none: the next align recomputes.
    Ok(code.and_then(|c| c.parse().ok()))
}

/// The region new keys in this database are made in: the recorded one, else US (how keys
/// were read before regions existed, and the shipped default).
pub fn region(conn: &Connection) -> Result<Region> {
    Ok(recorded(conn)?.unwrap_or_default())
}

/// A customer whose key the recompute changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub customer: Uuid,
    pub phone: String,
    pub old: Option<String>,
    pub new: String,
}

/// A customer whose number does not read in the new region: the old key stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub customer: Uuid,
    pub phone: String,
    pub key: Option<String>,
    pub problem: String,
}

/// What one recompute did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recomputed {
    /// The region the keys were made in before, if one was recorded.
    pub from: Option<Region>,
    pub region: Region,
    /// Customers with a phone number, all looked at.
    pub customers: u64,
    pub changed: Vec<Changed>,
    pub kept: Vec<Kept>,
}

/// Makes every stored phone key one of `region`'s, unless they already are. Returns what
/// a recompute did, or `None` when none was needed. `actor` names the program in the audit
/// log.
pub fn align(db: &mut Db, region: Region, actor: &str) -> Result<Option<Recomputed>> {
    if recorded(db.conn())? == Some(region) {
        return Ok(None);
    }
    let tx = db.write()?;
    // Read again under the write lock: another process may have just done it.
    let from = recorded(&tx)?;
    if from == Some(region) {
        return Ok(None);
    }
    let mut done = Recomputed {
        from,
        region,
        customers: 0,
        changed: Vec::new(),
        kept: Vec::new(),
    };
    let mut after = 0i64;
    loop {
        let rows: Vec<(i64, Uuid, String, Option<String>)> = tx
            .prepare_cached(
                "SELECT rowid, id, phone, phone_key FROM customers
                 WHERE phone IS NOT NULL AND rowid > ?1 ORDER BY rowid LIMIT ?2",
            )?
            .query_map(params![after, CHUNK], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<crate::db::Result<_>>()?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for (rowid, customer, phone, old) in rows {
            done.customers += 1;
            match phone_key(&phone, region) {
                Ok(new) if old.as_deref() == Some(new.as_str()) => {}
                Ok(new) => {
                    // A new change number, so devices take the customer again (a kiosk's
                    // recognition entry is found by this key).
                    let seq = next_change_seq(&tx)?;
                    tx.prepare_cached(
                        "UPDATE customers SET phone_key = ?2, change_seq = ?3 WHERE rowid = ?1",
                    )?
                    .execute(params![rowid, new, seq])?;
                    let detail = format!(
                        "phone {phone:?} read in region {region}: key {} -> {new}",
                        old.as_deref().unwrap_or("(none)")
                    );
                    audit::record(&tx, actor, "customer.phone-key", Some(customer), &detail)?;
                    done.changed.push(Changed {
                        customer,
                        phone,
                        old,
                        new,
                    });
                }
                Err(problem) => {
                    let detail =
                        format!("{problem}; key {} kept", old.as_deref().unwrap_or("(none)"));
                    audit::record(
                        &tx,
                        actor,
                        "customer.phone-key-kept",
                        Some(customer),
                        &detail,
                    )?;
                    done.kept.push(Kept {
                        customer,
                        phone,
                        key: old,
                        problem,
                    });
                }
            }
        }
    }
    tx.execute(
        "INSERT INTO phone_key_regions(region, at, customers, changed, kept)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            region.code(),
            crate::time::now(),
            i64::try_from(done.customers).unwrap_or(i64::MAX),
            i64::try_from(done.changed.len()).unwrap_or(i64::MAX),
            i64::try_from(done.kept.len()).unwrap_or(i64::MAX)
        ],
    )?;
    tx.commit()?;
    report(&done);
    Ok(Some(done))
}

fn report(done: &Recomputed) {
    let from = done
        .from
        .map_or("none recorded".to_string(), |r| r.to_string());
    if done.changed.is_empty() && done.kept.is_empty() {
        tracing::info!(
            region = %done.region,
            from = %from,
            customers = done.customers,
            "phone keys recomputed for the shop's region: none changed"
        );
        return;
    }
    // Customer ids only: the numbers themselves are in the audit log, not in logs.
    let kept: Vec<String> = done
        .kept
        .iter()
        .take(20)
        .map(|k| k.customer.to_string())
        .collect();
    tracing::warn!(
        region = %done.region,
        from = %from,
        customers = done.customers,
        changed = done.changed.len(),
        kept = done.kept.len(),
        kept_customers = %kept.join(", "),
        "phone keys recomputed for the shop's region: {} changed, {} numbers do not read in \
         region {} and keep their old key (each is in the audit log)",
        done.changed.len(),
        done.kept.len(),
        done.region
    );
}
