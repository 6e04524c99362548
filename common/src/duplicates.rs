//! Finding and merging duplicate customers.
//!
//! Candidates share a birthdate and a last name (ignoring case and surrounding spaces).
//! The target is the first created. Merging fills the target's empty fields from the
//! duplicates, most recently entered first, moves everything attached to them, deletes
//! them, and leaves their ids resolving to the target forever.

use std::collections::HashSet;

use crate::db::{Transaction, params};
use serde::Serialize;
use uuid::Uuid;

use crate::audit;
use crate::customer::{Customer, Field};
use crate::customers::{SELECT_CUSTOMER, customer_from_row};
use crate::db::{Db, next_change_seq, resolve_customer};
use crate::error::{Error, Result};
use crate::mutation::{self, Applied, Mutation, Op};
use crate::users::{Actor, Permission};

mod listing;
pub use listing::{Cursor, Group, find, for_each_group};

/// What a merge did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct MergeReport {
    pub target: Uuid,
    pub merged: Vec<Uuid>,
    pub fields_filled: Vec<String>,
    pub records_moved: i64,
}

/// Merges `duplicates` into `target` as `actor` (who needs `merge:customer`).
pub fn merge(db: &mut Db, actor: &Actor, target: Uuid, duplicates: &[Uuid]) -> Result<MergeReport> {
    actor.require(Permission::MergeCustomer)?;
    if duplicates.is_empty() {
        return Err(Error::Invalid(
            "name at least one duplicate to merge".into(),
        ));
    }
    let m = Mutation::new(
        actor.name.clone(),
        Op::MergeCustomers {
            target,
            duplicates: duplicates.to_vec(),
        },
    );
    // On a paired device the merge goes to the store through the outbox, or, if the store
    // would not take it from this device, is refused before anything changes.
    let queue = crate::sync::queue_or_refuse(db.conn(), &m.op, MERGES_ARE)?;
    let (tx, sealer) = db.write_sealed()?;
    mutation::record_id(&tx, m.id, m.op.kind(), &crate::time::format(m.at))?;
    let report = merge_in(
        &tx,
        target,
        duplicates,
        &m.actor,
        &crate::time::format(m.at),
    )?;
    if queue {
        crate::sync::paired::queue(&tx, sealer, &m)?;
    }
    tx.commit()?;
    Ok(report)
}

/// Where a device refuses merges: "… on the store".
pub const MERGES_ARE: &str = "merges and not-duplicate marks are decided";

/// Marks two customers as not duplicates of each other.
pub fn mark_not_duplicate(db: &mut Db, actor: &Actor, a: Uuid, b: Uuid) -> Result<Applied> {
    actor.require(Permission::MergeCustomer)?;
    let m = Mutation::new(actor.name.clone(), Op::MarkNotDuplicate { a, b });
    // `submit` queues it on a device; the store must be willing to take it.
    crate::sync::queue_or_refuse(db.conn(), &m.op, MERGES_ARE)?;
    crate::customers::get(db.conn(), a)?;
    crate::customers::get(db.conn(), b)?;
    mutation::submit(db, &m)
}

const CHILD_TABLES: [&str; 7] = [
    "medical_conditions",
    "safety_acks",
    "flags",
    "notes",
    "services",
    "releases",
    "files",
];

/// The duplicates, resolved, without the target, most recently entered first.
fn load_duplicates(
    tx: &Transaction<'_>,
    target: Uuid,
    duplicates: &[Uuid],
) -> Result<Vec<Customer>> {
    let mut seen = HashSet::new();
    let mut dups = Vec::new();
    for raw in duplicates {
        let id = resolve_customer(tx, *raw)?;
        if id == target || !seen.insert(id) {
            continue; // merged already (a replay), or named twice
        }
        let c = tx
            .prepare_cached(&format!("{} WHERE id = ?1", *SELECT_CUSTOMER))?
            .query_row([id], customer_from_row)
            .map_err(|_| Error::CustomerNotFound(raw.to_string()))?;
        dups.push(c);
    }
    let mut keyed = dups
        .into_iter()
        .map(|c| Ok((profile_entered_at(tx, &c)?, c)))
        .collect::<Result<Vec<_>>>()?;
    keyed.sort_by(|(a, ca), (b, cb)| b.cmp(a).then(cb.id.cmp(&ca.id)));
    Ok(keyed.into_iter().map(|(_, c)| c).collect())
}

/// When the profile itself was last entered, in Unix milliseconds: its creation or the
/// newest field edit (notes, flags and the like do not count).
fn profile_entered_at(tx: &Transaction<'_>, c: &Customer) -> Result<i64> {
    let newest_edit = mutation::field_versions(tx, c.id)?
        .into_values()
        .filter_map(|id| id.get_timestamp())
        .map(|ts| {
            let (secs, nanos) = ts.to_unix();
            i64::try_from(secs).unwrap_or(i64::MAX) * 1000 + i64::from(nanos / 1_000_000)
        })
        .max()
        .unwrap_or(i64::MIN);
    Ok(newest_edit.max(c.created_at.timestamp_millis()))
}

/// The merge itself, inside the mutation's transaction; reports what it did.
pub(crate) fn merge_in(
    tx: &Transaction<'_>,
    target: Uuid,
    duplicates: &[Uuid],
    actor: &str,
    at: &str,
) -> Result<MergeReport> {
    let target_id = resolve_customer(tx, target)?;
    let target_c = crate::customers::get(tx, target_id)?;
    let dups = load_duplicates(tx, target_id, duplicates)?;
    let mut report = MergeReport {
        target: target_id,
        merged: dups.iter().map(|c| c.id).collect(),
        ..MergeReport::default()
    };
    if dups.is_empty() {
        return Ok(report); // merged already: a replay
    }
    let versions = dups
        .iter()
        .map(|d| mutation::field_versions(tx, d.id))
        .collect::<Result<Vec<_>>>()?;
    let seq = next_change_seq(tx)?;
    // Fill the target's gaps, most recently entered duplicate first. Each value keeps the
    // version it had on the duplicate, so an edit made to it before the merge (arriving
    // late from an offline device) still lands on the survivor.
    let mut changes = Vec::new();
    for f in Field::ALL {
        if target_c.profile.get(f).is_some() {
            continue;
        }
        if let Some((value, version)) = dups
            .iter()
            .zip(&versions)
            .find_map(|(d, v)| d.profile.get(f).map(|value| (value, v.get(&f))))
        {
            changes.push((
                f,
                Some(value.to_string()),
                version.copied().unwrap_or(Uuid::nil()),
            ));
            report.fields_filled.push(f.column().to_string());
        }
    }
    mutation::update_customer_versioned(tx, target_id, &changes, seq)?;
    for d in &dups {
        for table in CHILD_TABLES {
            report.records_moved += tx.execute(
                &format!("UPDATE {table} SET customer_id = ?1 WHERE customer_id = ?2"),
                params![target_id, d.id],
            )? as i64;
        }
        // A contact moves only where the target has none of that kind.
        tx.execute(
            "UPDATE contacts SET customer_id = ?1 WHERE customer_id = ?2
               AND kind NOT IN (SELECT kind FROM contacts WHERE customer_id = ?1)",
            params![target_id, d.id],
        )?;
        // "Not a duplicate" marks carry over to the survivor.
        tx.execute(
            "INSERT INTO not_duplicates(a, b, marked_by, marked_at)
             SELECT CASE WHEN ?1 < other THEN ?1 ELSE other END,
                    CASE WHEN ?1 < other THEN other ELSE ?1 END, marked_by, marked_at FROM (
               SELECT CASE WHEN a = ?2 THEN b ELSE a END AS other, marked_by, marked_at
               FROM not_duplicates WHERE a = ?2 OR b = ?2) AS marks
             WHERE other <> ?1
             ON CONFLICT DO NOTHING",
            params![target_id, d.id],
        )?;
        tx.execute("DELETE FROM not_duplicates WHERE a = ?1 OR b = ?1", [d.id])?;
        tx.execute(
            "UPDATE merged_customers SET survivor_id = ?1 WHERE survivor_id = ?2",
            params![target_id, d.id],
        )?;
        tx.execute(
            "INSERT INTO merged_customers(merged_id, survivor_id, merged_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(merged_id) DO UPDATE SET survivor_id = excluded.survivor_id",
            params![d.id, target_id, at],
        )?;
        tx.execute("DELETE FROM customers WHERE id = ?1", [d.id])?;
    }
    tx.execute(
        "UPDATE customers SET change_seq = ?2,
           updated_at = CASE WHEN updated_at > ?3 THEN updated_at ELSE ?3 END WHERE id = ?1",
        params![target_id, seq, at],
    )?;
    let names: Vec<String> = dups.iter().map(|d| d.id.to_string()).collect();
    audit::record(
        tx,
        actor,
        "customer.merge",
        Some(target_id),
        &format!("merged {} into {target_id}", names.join(", ")),
    )?;
    Ok(report)
}
