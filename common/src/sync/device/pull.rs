//! Applying what a device pulls: customers (or, on a kiosk, recognition entries), who is
//! gone and why, and the staff a counter signs in offline, in one transaction with the
//! cursor. What was kept aside as refused for someone erased leaves with them.

use crate::db::{Transaction, params};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use uuid::Uuid;

use super::super::*;
use super::{KEY_LOCATION, outbox_waiting, role};
use crate::crypto::Sealer;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::webhook::payload::DeletionReason;

/// An empty blob: where a device keeps a record whose sealed content stays on the store.
const EMPTY: &[u8] = &[];

/// What applying a pull did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pulled {
    pub applied: usize,
    /// Not applied: mutations made here wait to be pushed first, or the store's state
    /// would hide them until they are.
    pub deferred: bool,
    /// A kiosk was given its own recognition key: it dropped the entries it held and pulls
    /// again from the start.
    pub restarted: bool,
}

/// Applies a pull's changes to the local replica and moves the cursor, in one transaction.
///
/// A kiosk keeps no staff: any users rows it holds (from before kiosks stopped receiving
/// them) are deleted and their pages zeroed; it keeps its exit code's hash in `meta`
/// ([`KEY_KIOSK_EXIT`]) instead.
///
/// Each pull also says which chain location the device belongs to ([`own_location`]).
pub fn apply_pull(db: &mut Db, pulled: &PullResponse) -> Result<Pulled> {
    let kiosk = role(db.conn())? == Some(DeviceRole::Kiosk);
    let (tx, sealer) = db.write_sealed()?;
    let mut wiped = 0;
    let mut erased = std::collections::HashSet::new();
    if kiosk {
        wiped += tx.execute("DELETE FROM users", [])?;
        match &pulled.kiosk_exit_hash {
            Some(hash) => set_meta(&tx, KEY_KIOSK_EXIT, hash)?,
            None => {
                tx.execute("DELETE FROM meta WHERE key = ?1", [KEY_KIOSK_EXIT])?;
            }
        }
        let held = meta(&tx, KEY_RECOGNITION)?.unwrap_or_default();
        if let Some(key) = pulled.recognition_key.as_ref().filter(|k| **k != held) {
            decode_key(key)?;
            set_meta(&tx, KEY_RECOGNITION, key)?;
            tx.execute("DELETE FROM recognition", [])?;
            set_meta(&tx, KEY_CURSOR, "0")?;
            tx.commit()?;
            db.empty_wal();
            return Ok(Pulled {
                restarted: true,
                ..Pulled::default()
            });
        }
    }
    match &pulled.location {
        Some(location) => set_meta(
            &tx,
            KEY_LOCATION,
            &serde_json::to_string(location).map_err(|e| Error::Invalid(e.to_string()))?,
        )?,
        None => {
            tx.execute("DELETE FROM meta WHERE key = ?1", [KEY_LOCATION])?;
        }
    }
    if outbox_waiting(&tx)? {
        tx.commit()?;
        if wiped > 0 {
            db.empty_wal();
        }
        return Ok(Pulled {
            deferred: true,
            ..Pulled::default()
        });
    }
    for change in &pulled.changes {
        match change {
            Change::Customer(record) => apply_customer(&tx, sealer, record)?,
            Change::Recognition(entry) => {
                tx.execute(
                    "DELETE FROM recognition WHERE customer_id = ?1",
                    [entry.customer],
                )?;
                let sealed = STANDARD
                    .decode(&entry.sealed)
                    .map_err(|_| Error::Invalid("a recognition entry is not base64".into()))?;
                tx.execute(
                    "INSERT INTO recognition(lookup, customer_id, sealed) VALUES (?1, ?2, ?3)
                     ON CONFLICT(lookup, customer_id) DO UPDATE SET sealed = excluded.sealed",
                    params![entry.lookup, entry.customer, sealed],
                )?;
            }
            Change::Gone {
                customer,
                survivor,
                reason,
            } => {
                // Deleted, merged or erased: the WAL is emptied afterwards, so no old page
                // of them stays on this device's disk either.
                wiped += 1;
                tx.execute("DELETE FROM recognition WHERE customer_id = ?1", [customer])?;
                // Erased: what was kept aside for them must not stay on this device. Gone
                // for any other reason (deleted, merged, or on a kiosk nothing to recognise
                // them by), it stays for staff to redo.
                if reason.is_some_and(DeletionReason::is_erasure) {
                    erased.insert(*customer);
                }
                if let Some(survivor) = survivor {
                    tx.execute(
                        "INSERT INTO merged_customers(merged_id, survivor_id, merged_at) VALUES (?1, ?2, ?3)
                         ON CONFLICT(merged_id) DO UPDATE SET survivor_id = excluded.survivor_id",
                        params![customer, survivor, crate::time::now()],
                    )?;
                }
                tx.execute("DELETE FROM customers WHERE id = ?1", [customer])?;
            }
        }
    }
    settle_rejected(&tx, sealer, &erased)?;
    if !kiosk {
        replace_users(&tx, &pulled.users)?;
    }
    set_meta(&tx, KEY_CURSOR, &pulled.cursor.to_string())?;
    tx.commit()?;
    if wiped > 0 {
        db.empty_wal();
    }
    Ok(Pulled {
        applied: pulled.changes.len(),
        ..Pulled::default()
    })
}

/// What this device kept aside as refused for customers now `erased` (or merged into
/// someone now erased) leaves it: kept for staff to redo, it would otherwise hold their
/// details for good. A release they signed goes back in the outbox instead, so nothing
/// signed is lost: the store files a release for someone erased among the releases it
/// keeps restricted until their date.
fn settle_rejected(
    tx: &Transaction<'_>,
    sealer: &crate::crypto::Sealer,
    erased: &std::collections::HashSet<Uuid>,
) -> Result<()> {
    if erased.is_empty() {
        return Ok(());
    }
    let (mut forget, mut requeue) = (Vec::new(), Vec::new());
    {
        let mut stmt = tx.prepare_cached("SELECT seq, mutation_id, sealed FROM outbox_rejected")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (seq, id): (i64, Uuid) = (r.get(0)?, r.get(1)?);
            let m: std::result::Result<crate::mutation::Mutation, _> =
                sealer.open_json(id.as_bytes(), r.get_ref(2)?.as_blob()?);
            let Ok(m) = m else { continue };
            // A change names the customer as this device knew them: someone merged away
            // since is their survivor.
            let Some(customer) = m.op.customer() else {
                continue;
            };
            if !erased.contains(&crate::db::resolve_customer(tx, customer)?) {
                continue;
            }
            match m.op {
                crate::mutation::Op::SignRelease { .. } => requeue.push(seq),
                _ => forget.push(seq),
            }
        }
    }
    for seq in requeue {
        tx.execute(
            "INSERT INTO outbox(mutation_id, sealed, created_at)
             SELECT mutation_id, sealed, created_at FROM outbox_rejected WHERE seq = ?1",
            [seq],
        )?;
        tx.execute("DELETE FROM outbox_rejected WHERE seq = ?1", [seq])?;
    }
    for seq in forget {
        tx.execute("DELETE FROM outbox_rejected WHERE seq = ?1", [seq])?;
    }
    Ok(())
}

fn replace_users(tx: &Transaction<'_>, users: &[SyncedUser]) -> Result<()> {
    tx.execute("DELETE FROM users", [])?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO users(id, name, role, pin_hash, created_at, disabled) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for u in users {
        stmt.execute(params![
            u.id,
            u.name,
            u.role,
            u.pin_hash,
            u.created_at,
            u.disabled
        ])?;
    }
    Ok(())
}

/// Replaces the local copy of one customer with the store's.
fn apply_customer(tx: &Transaction<'_>, sealer: &Sealer, c: &CustomerRecord) -> Result<()> {
    let seq = crate::db::next_change_seq(tx)?;
    let exists: bool = tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM customers WHERE id = ?1)")?
        .query_row([c.id], |r| r.get(0))?;
    if !exists {
        crate::mutation::insert_customer_keyed(
            tx,
            c.id,
            &c.profile,
            &c.profile.keys(crate::phone_keys::region(tx)?),
            &c.created_at,
            seq,
        )?;
    }
    crate::mutation::overwrite_customer(
        tx,
        c.id,
        &c.profile,
        c.versions.as_deref(),
        &c.updated_at,
        seq,
    )?;
    tx.execute(
        "UPDATE customers SET created_at = ?2 WHERE id = ?1",
        params![c.id, c.created_at],
    )?;
    for table in [
        "flags",
        "notes",
        "contacts",
        "services",
        "safety_acks",
        "releases",
        "medical_conditions",
        "files",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE customer_id = ?1"),
            [c.id],
        )?;
    }
    for f in &c.flags {
        tx.execute(
            "INSERT INTO flags(id, customer_id, kind, note, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![f.id, c.id, f.kind, f.note, f.created_at, f.created_by],
        )?;
    }
    for n in &c.notes {
        tx.execute(
            "INSERT INTO notes(id, customer_id, body, author, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![n.id, c.id, n.body, n.author, n.created_at],
        )?;
    }
    for k in &c.contacts {
        tx.execute(
            "INSERT INTO contacts(customer_id, kind, name, phone, relation, updated_at, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                c.id,
                k.contact.kind.as_str(),
                k.contact.name,
                k.contact.phone,
                k.contact.relation,
                k.updated_at,
                k.version
            ],
        )?;
    }
    for s in &c.services {
        tx.execute(
            "INSERT INTO services(id, customer_id, description, artist, started_at, ended_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![s.id, c.id, s.description, s.artist, s.started_at, s.ended_at, s.created_at],
        )?;
    }
    for a in &c.acknowledgements {
        tx.execute(
            "INSERT INTO safety_acks(id, customer_id, acknowledged_by, acknowledged_at, flags, medical)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![a.id, c.id, a.by, a.at, a.flags, a.medical],
        )?;
    }
    for r in &c.releases {
        // The record only: the sealed content stays on the store (an empty blob here).
        tx.execute(
            "INSERT INTO releases(id, customer_id, template_id, template_version, signed_at, device, sealed, content_sha256, location)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8, ?7, ?9)",
            params![r.id, c.id, r.template_id, r.template_version, r.signed_at, r.device, r.sha256, EMPTY, r.location],
        )?;
    }
    match &c.medical {
        MedicalRows::Details { records } => {
            for m in records {
                tx.execute(
                    "INSERT INTO medical_conditions(id, customer_id, sealed, created_at, created_by)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![m.id, c.id, sealer.seal_json(m.id.as_bytes(), &m.condition), m.created_at, m.created_by],
                )?;
            }
        }
        MedicalRows::Count { count } => {
            // Placeholders (empty blobs) so the count shows; the details stay on the store.
            for _ in 0..*count {
                tx.execute(
                    "INSERT INTO medical_conditions(id, customer_id, sealed, created_at, created_by)
                     VALUES (?1, ?2, ?4, ?3, 'store')",
                    params![Uuid::now_v7(), c.id, c.updated_at, EMPTY],
                )?;
            }
        }
    }
    Ok(())
}
