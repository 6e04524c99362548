//! The store's side of sync: applying what devices push (through the checks in
//! `boundary`), and serving what each may pull.

use crate::db::{Connection, params};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use uuid::Uuid;

use super::boundary::{admit, grant};
use super::devices::kiosk_secrets;
use super::*;
use crate::audit;
use crate::customer::ContactKind;
use crate::customers::{PROFILE_COLUMNS, profile_from_row};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::mutation::{self, Applied};
use crate::webhook::payload::DeletionReason;

/// Applies a pushed batch in one durable transaction and answers for every mutation.
///
/// A mutation the device may not make, or that can never apply (its customer was
/// deleted), is refused alone and the rest still apply: the batch first runs straight
/// through, and only if something in it fails does it run again with a savepoint around
/// each mutation. An error that may pass (the database busy, the disk full) fails the
/// whole batch, which the device sends again.
pub fn apply_push(db: &mut Db, device: &DeviceAuth, ms: &[Mutation]) -> Result<Vec<PushResult>> {
    apply_push_through(db, device, ms, None)
}

/// Where a batch stands in its device's outbox.
#[derive(Debug, Clone, Copy)]
pub struct Through {
    /// The outbox position the batch ends at.
    pub last: i64,
    /// Whether it opens a round (it waits for no batch before it): the mark is set to
    /// `last` even when that is lower, as after a device's outbox started over.
    pub first: bool,
}

/// [`apply_push`] for a batch that ends at the device's outbox position `through`, recorded
/// with the batch (see [`pushed_through`]).
pub fn apply_push_through(
    db: &mut Db,
    device: &DeviceAuth,
    ms: &[Mutation],
    through: Option<Through>,
) -> Result<Vec<PushResult>> {
    if let Some(results) = apply_batch(db, device, ms, through, false)? {
        return Ok(results);
    }
    Ok(apply_batch(db, device, ms, through, true)?
        .expect("a batch with savepoints always finishes"))
}

/// The outbox position `device`'s applied batches reach: the one a batch sent after it
/// waits for. In the database, so every store process on it sees the same.
pub fn pushed_through(conn: &Connection, device: Uuid) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT pushed_through FROM devices WHERE id = ?1")?
        .query_row([device], |r| r.get(0))
        .optional()?
        .flatten())
}

/// One pass over the batch. Without savepoints, `None` as soon as a mutation fails (the
/// transaction is rolled back).
fn apply_batch(
    db: &mut Db,
    device: &DeviceAuth,
    ms: &[Mutation],
    through: Option<Through>,
    savepoints: bool,
) -> Result<Option<Vec<PushResult>>> {
    let now = Utc::now();
    let (tx, sealer) = db.write_sealed()?;
    let mut results = Vec::with_capacity(ms.len());
    for m in ms {
        // The store decides who made it, when, and whether this device may.
        let admitted = match admit(&tx, device, m, now)? {
            Ok(admitted) => admitted,
            Err(reason) => {
                tracing::warn!(device = %device.name, mutation = %m.id, %reason, "refused a pushed mutation");
                results.push(PushResult {
                    id: m.id,
                    outcome: Outcome::Rejected { reason },
                });
                continue;
            }
        };
        if savepoints {
            tx.prepare_cached("SAVEPOINT push_one")?.execute([])?;
        }
        let applied = mutation::apply(&tx, sealer, &admitted.mutation).and_then(|a| {
            if let Some(customer) = admitted.grant {
                grant(&tx, device, customer, now)?;
            }
            Ok(a)
        });
        let outcome = match applied {
            Ok(Applied::Applied) => Outcome::Applied,
            Ok(Applied::AlreadyApplied) => Outcome::AlreadyApplied,
            Err(e) if is_transient(&e) => return Err(e),
            Err(_) if !savepoints => return Ok(None), // dropped: rolled back
            Err(e) => Outcome::Rejected {
                reason: e.to_string(),
            },
        };
        if savepoints {
            if matches!(outcome, Outcome::Rejected { .. }) {
                tx.prepare_cached("ROLLBACK TO push_one")?.execute([])?;
                tracing::warn!(device = %device.name, mutation = %m.id, ?outcome, "refused a pushed mutation");
            }
            tx.prepare_cached("RELEASE push_one")?.execute([])?;
        }
        results.push(PushResult { id: m.id, outcome });
    }
    // Within a round never backwards: a batch replayed from earlier in it leaves the mark
    // where it is. A round's first batch sets it.
    tx.execute(
        "UPDATE devices SET last_seen_at = ?2,
             pushed_through = CASE WHEN ?4 OR pushed_through < ?3 OR pushed_through IS NULL
                                   THEN coalesce(?3, pushed_through) ELSE pushed_through END
         WHERE id = ?1",
        params![
            device.id,
            crate::time::now(),
            through.map(|t| t.last),
            through.is_some_and(|t| t.first)
        ],
    )?;
    tx.commit()?;
    Ok(Some(results))
}

/// Whether an error may pass if the same work is tried again later.
pub fn is_transient(e: &Error) -> bool {
    match e {
        Error::Db(e) => e.is_transient(),
        Error::Io { .. } | Error::Unreachable { .. } => true,
        _ => false,
    }
}

/// The changes after `cursor` that `device` may hold, at most `limit`.
///
/// A kiosk gets no staff, only its exit code's hash, and entries sealed under its own
/// recognition key (made now for a kiosk paired before each kiosk had its own).
pub fn pull(db: &Db, device: &DeviceAuth, cursor: i64, limit: u32) -> Result<PullResponse> {
    let limit = limit.clamp(1, PULL_BATCH);
    let (kiosk_key, kiosk_exit_hash) = match device.role {
        DeviceRole::Kiosk => {
            let (key, exit) = kiosk_secrets(db, device)?;
            let key = key.ok_or_else(|| {
                Error::Invalid(format!("kiosk {} has no recognition key", device.name))
            })?;
            (Some(key), exit)
        }
        DeviceRole::Counter => (None, None),
    };
    let recognition_key = kiosk_key.as_ref().map(|(_, b64)| b64.clone());
    let conn = db.conn();
    let tx = conn.begin_read()?; // one snapshot for the whole answer
    // (change, customer, and for a tombstone its survivor and why it is gone)
    type Tombstone = (Option<Uuid>, DeletionReason);
    let mut seqs: Vec<(i64, Uuid, Option<Tombstone>)> = Vec::new();
    {
        let mut stmt = tx.prepare_cached(
            "SELECT change_seq, id FROM customers WHERE change_seq > ?1 ORDER BY change_seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![cursor, limit + 1], |r| {
            Ok((r.get(0)?, r.get(1)?, None))
        })?;
        for row in rows {
            seqs.push(row?);
        }
        let mut stmt = tx.prepare_cached(
            "SELECT t.change_seq, t.customer_id, m.survivor_id, t.reason FROM tombstones t
             LEFT JOIN merged_customers m ON m.merged_id = t.customer_id
             WHERE t.change_seq > ?1 ORDER BY t.change_seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![cursor, limit + 1], |r| {
            let survivor: Option<Uuid> = r.get(2)?;
            let erasure: Option<String> = r.get(3)?;
            let reason = DeletionReason::of_tombstone(erasure.as_deref(), survivor);
            Ok((r.get(0)?, r.get(1)?, Some((survivor, reason))))
        })?;
        for row in rows {
            seqs.push(row?);
        }
    }
    seqs.sort_by_key(|(seq, _, _)| *seq);
    let more = seqs.len() > limit as usize;
    seqs.truncate(limit as usize);
    let next_cursor = seqs.last().map_or(cursor, |(seq, _, _)| *seq);
    let key = kiosk_key.map(|(key, _)| key);
    let mut changes = Vec::with_capacity(seqs.len());
    let mut medical_sent = 0usize;
    for (_, id, gone) in seqs {
        if let Some((survivor, reason)) = gone {
            changes.push(Change::Gone {
                customer: id,
                survivor,
                reason: gone_reason(device.role, reason),
            });
            continue;
        }
        match &key {
            Some(key) => changes.push(match recognition_entry(&tx, key, id)? {
                Some(entry) => Change::Recognition(entry),
                // No phone or no birthdate: nothing to recognise them by.
                None => Change::Gone {
                    customer: id,
                    survivor: None,
                    reason: None,
                },
            }),
            None => {
                let record = customer_record(db, &tx, id, device.medical)?;
                if matches!(&record.medical, MedicalRows::Details { records } if !records.is_empty())
                {
                    medical_sent += 1;
                }
                changes.push(Change::Customer(record));
            }
        }
    }
    // PIN hashes go to counters only, which need them to sign staff in offline.
    let users = match device.role {
        DeviceRole::Counter => synced_users(&tx)?,
        DeviceRole::Kiosk => Vec::new(),
    };
    let location = device_location(&tx, device.id)?;
    tx.commit()?;
    // Audited before anything is sent, in a write transaction of its own: written inside
    // the read snapshot, it would fail whenever another writer committed meanwhile (SQLite
    // cannot move a snapshot that fell behind up to a write).
    if medical_sent > 0 {
        let audit_tx = conn.begin_write()?;
        audit::record(
            &audit_tx,
            &format!("{}:{}", device.role, device.name),
            "medical.sync",
            None,
            &format!("sent medical records of {medical_sent} customer(s) to the device"),
        )?;
        audit_tx.commit()?;
    }
    Ok(PullResponse {
        changes,
        cursor: next_cursor,
        more,
        users,
        kiosk_exit_hash,
        recognition_key,
        store_time: Some(Utc::now()),
        location,
    })
}

/// Why someone is gone, as much as `role` acts on. A counter hears the whole reason. A
/// kiosk only has to know who was erased, to forget what it kept aside for them: it
/// never learns whether that was on their request or by the retention policy, nor a
/// deletion from a customer it merely cannot recognise (a merge still names its survivor).
fn gone_reason(role: DeviceRole, reason: DeletionReason) -> Option<DeletionReason> {
    match role {
        DeviceRole::Counter => Some(reason),
        DeviceRole::Kiosk => reason.is_erasure().then_some(DeletionReason::Erased),
    }
}

fn synced_users(conn: &Connection) -> Result<Vec<SyncedUser>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, role, pin_hash, created_at, disabled FROM users ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SyncedUser {
            id: r.get(0)?,
            name: r.get(1)?,
            role: r.get(2)?,
            pin_hash: r.get(3)?,
            created_at: r.get(4)?,
            disabled: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

fn customer_record(db: &Db, conn: &Connection, id: Uuid, medical: bool) -> Result<CustomerRecord> {
    let (profile, versions, created_at, updated_at) = conn
        .prepare_cached(&format!(
            "SELECT versions, created_at, updated_at, {} FROM customers WHERE id = ?1",
            *PROFILE_COLUMNS
        ))?
        .query_row([id], |r| {
            Ok((profile_from_row(r, 3)?, r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let flags = rows(
        conn,
        "SELECT id, kind, note, created_at, created_by FROM flags WHERE customer_id = ?1 ORDER BY created_at, id",
        id,
        |r| {
            Ok(FlagRow {
                id: r.get(0)?,
                kind: r.get(1)?,
                note: r.get(2)?,
                created_at: r.get(3)?,
                created_by: r.get(4)?,
            })
        },
    )?;
    let notes = rows(
        conn,
        "SELECT id, body, author, created_at FROM notes WHERE customer_id = ?1 ORDER BY created_at, id",
        id,
        |r| {
            Ok(NoteRow {
                id: r.get(0)?,
                body: r.get(1)?,
                author: r.get(2)?,
                created_at: r.get(3)?,
            })
        },
    )?;
    let contacts = rows(
        conn,
        "SELECT kind, name, phone, relation, updated_at, version FROM contacts WHERE customer_id = ?1",
        id,
        |r| {
            let kind: String = r.get(0)?;
            Ok(ContactRow {
                contact: Contact {
                    kind: if kind == "physician" {
                        ContactKind::Physician
                    } else {
                        ContactKind::Emergency
                    },
                    name: r.get(1)?,
                    phone: r.get(2)?,
                    relation: r.get(3)?,
                },
                updated_at: r.get(4)?,
                version: r.get(5)?,
            })
        },
    )?;
    let services = rows(
        conn,
        "SELECT id, description, artist, started_at, ended_at, created_at FROM services
         WHERE customer_id = ?1 ORDER BY started_at, id",
        id,
        |r| {
            Ok(ServiceRow {
                id: r.get(0)?,
                description: r.get(1)?,
                artist: r.get(2)?,
                started_at: r.get(3)?,
                ended_at: r.get(4)?,
                created_at: r.get(5)?,
            })
        },
    )?;
    let acknowledgements = rows(
        conn,
        "SELECT id, acknowledged_by, acknowledged_at, flags, medical FROM safety_acks
         WHERE customer_id = ?1 ORDER BY acknowledged_at, id",
        id,
        |r| {
            Ok(AckRow {
                id: r.get(0)?,
                by: r.get(1)?,
                at: r.get(2)?,
                flags: r.get(3)?,
                medical: r.get(4)?,
            })
        },
    )?;
    let releases = rows(
        conn,
        "SELECT id, template_id, template_version, signed_at, device, content_sha256, location
         FROM releases WHERE customer_id = ?1 ORDER BY signed_at, id",
        id,
        |r| {
            Ok(ReleaseRow {
                id: r.get(0)?,
                template_id: r.get(1)?,
                template_version: r.get(2)?,
                signed_at: r.get(3)?,
                device: r.get(4)?,
                sha256: r.get(5)?,
                location: r.get(6)?,
            })
        },
    )?;
    let medical = if medical {
        let sealed = rows(
            conn,
            "SELECT id, sealed, created_at, created_by FROM medical_conditions
             WHERE customer_id = ?1 AND length(sealed) > 0 ORDER BY created_at, id",
            id,
            |r| {
                Ok((
                    r.get::<_, Uuid>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get(2)?,
                    r.get(3)?,
                ))
            },
        )?;
        let mut records = Vec::with_capacity(sealed.len());
        for (mid, bytes, created_at, created_by) in sealed {
            records.push(MedicalRow {
                id: mid,
                condition: db.sealer().open_json(mid.as_bytes(), &bytes)?,
                created_at,
                created_by,
            });
        }
        MedicalRows::Details { records }
    } else {
        MedicalRows::Count {
            count: conn.query_row(
                "SELECT count(*) FROM medical_conditions WHERE customer_id = ?1",
                [id],
                |r| r.get(0),
            )?,
        }
    };
    Ok(CustomerRecord {
        id,
        profile,
        versions,
        created_at,
        updated_at,
        flags,
        notes,
        contacts,
        services,
        acknowledgements,
        releases,
        medical,
    })
}

fn rows<T>(
    conn: &Connection,
    sql: &str,
    id: Uuid,
    f: impl FnMut(&crate::db::Row<'_>) -> crate::db::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mapped = stmt.query_map([id], f)?;
    Ok(mapped.collect::<crate::db::Result<_>>()?)
}

fn recognition_entry(
    conn: &Connection,
    key: &[u8; 32],
    id: Uuid,
) -> Result<Option<RecognitionEntry>> {
    let (phone_key, birthdate): (Option<String>, Option<String>) = conn
        .prepare_cached("SELECT phone_key, birthdate FROM customers WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let (Some(phone_key), Some(birthdate)) = (phone_key, birthdate) else {
        return Ok(None);
    };
    let customer = crate::customers::get(conn, id)?;
    let recognised = Recognised {
        profile: customer.profile,
        emergency: crate::customers::contact(conn, id, ContactKind::Emergency)?,
        physician: crate::customers::contact(conn, id, ContactKind::Physician)?,
    };
    let (lookup, sealer) = recognition_keys(key, &phone_key, &birthdate);
    Ok(Some(RecognitionEntry {
        customer: id,
        lookup,
        sealed: STANDARD.encode(sealer.seal_json(id.as_bytes(), &recognised)),
    }))
}
