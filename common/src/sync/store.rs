//! The store's side of sync: paired devices, applying what they push, and serving what
//! they may pull.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::*;
use crate::audit;
use crate::customer::ContactKind;
use crate::customers::{PROFILE_COLUMNS, profile_from_row};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::mutation::{self, Applied};
use crate::release::hex;
use crate::users::{Actor, Permission};

/// How long a pairing code works.
pub const PAIRING_CODE_HOURS: i64 = 24;
/// Letters and digits nobody confuses when reading a code aloud (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A paired device, as the store knows it from its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuth {
    pub id: Uuid,
    pub name: String,
    pub role: DeviceRole,
    pub medical: bool,
}

impl DeviceAuth {
    /// The device as an actor, for permission checks and the audit log.
    pub fn actor(&self) -> Actor {
        Actor {
            name: format!("{}:{}", self.role, self.name),
            role: self.role.role(),
        }
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.role.role().has(permission)
            || (self.medical && permission == Permission::MedicalCustomer)
    }
}

/// A device just added: the one-time code to pair it with.
#[derive(Debug, Clone, Serialize)]
pub struct NewDevice {
    pub id: Uuid,
    pub name: String,
    pub role: DeviceRole,
    pub medical: bool,
    pub code: String,
    pub expires_at: String,
}

/// A device in the store's list (never its token).
#[derive(Debug, Clone, Serialize)]
pub struct DeviceRecord {
    pub id: Uuid,
    pub name: String,
    pub role: DeviceRole,
    pub medical: bool,
    pub created_at: String,
    pub created_by: String,
    pub paired_at: Option<String>,
    pub last_seen_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// Adds a device and makes its one-time pairing code (needs `manage:devices`; a counter
/// allowed medical details also needs `medical:customer`).
pub fn add_device(
    db: &mut Db,
    actor: &Actor,
    name: &str,
    role: DeviceRole,
    medical: bool,
) -> Result<NewDevice> {
    actor.require(Permission::ManageDevices)?;
    if medical {
        if role == DeviceRole::Kiosk {
            return Err(Error::Invalid(
                "a lobby kiosk never holds medical details: --medical is for counter displays"
                    .into(),
            ));
        }
        actor.require(Permission::MedicalCustomer)?;
    }
    let name = name.trim();
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(Error::Invalid(format!(
            "{name:?} is not a device name: use 1 to 64 letters, digits, '-', '_' or '.'"
        )));
    }
    let code = new_code();
    let id = Uuid::now_v7();
    let expires_at = crate::time::format(Utc::now() + Duration::hours(PAIRING_CODE_HOURS));
    let tx = db.write()?;
    let taken: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM devices WHERE name = ?1)",
        [name],
        |r| r.get(0),
    )?;
    if taken {
        return Err(Error::Invalid(format!(
            "a device named {name:?} exists already: pick another name"
        )));
    }
    tx.execute(
        "INSERT INTO devices(id, name, role, medical, code_hash, code_expires_at, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            name,
            role.name(),
            medical,
            code_hash(&code),
            expires_at,
            crate::time::now(),
            actor.name
        ],
    )?;
    audit::record(
        &tx,
        &actor.name,
        "device.add",
        None,
        &format!(
            "{role} {name}{}",
            if medical { " with medical details" } else { "" }
        ),
    )?;
    tx.commit()?;
    Ok(NewDevice {
        id,
        name: name.to_string(),
        role,
        medical,
        code,
        expires_at,
    })
}

pub fn list_devices(db: &Db, actor: &Actor) -> Result<Vec<DeviceRecord>> {
    actor.require(Permission::ManageDevices)?;
    let mut stmt = db.conn().prepare(
        "SELECT id, name, role, medical, created_at, created_by, paired_at, last_seen_at, revoked_at
         FROM devices ORDER BY created_at, name",
    )?;
    let rows = stmt.query_map([], |r| {
        let role: String = r.get(2)?;
        Ok(DeviceRecord {
            id: r.get(0)?,
            name: r.get(1)?,
            role: role.parse().unwrap_or(DeviceRole::Kiosk),
            medical: r.get(3)?,
            created_at: r.get(4)?,
            created_by: r.get(5)?,
            paired_at: r.get(6)?,
            last_seen_at: r.get(7)?,
            revoked_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Revokes a device: its next request is refused, and its code (if unused) no longer pairs.
pub fn revoke_device(db: &mut Db, actor: &Actor, name: &str) -> Result<()> {
    actor.require(Permission::ManageDevices)?;
    let tx = db.write()?;
    let changed = tx.execute(
        "UPDATE devices SET revoked_at = ?2, code_hash = NULL WHERE name = ?1 AND revoked_at IS NULL",
        params![name.trim(), crate::time::now()],
    )?;
    if changed == 0 {
        return Err(Error::Invalid(format!(
            "no active device named {:?}: `device list` shows them",
            name.trim()
        )));
    }
    audit::record(&tx, &actor.name, "device.revoke", None, name.trim())?;
    tx.commit()?;
    Ok(())
}

/// Pairs the device whose code this is: the code is used up, and the device gets its token.
pub fn pair(db: &mut Db, code: &str) -> Result<PairResponse> {
    let tx = db.write()?;
    let found: Option<(Uuid, String, String, bool, Option<String>)> = tx
        .query_row(
            "SELECT id, name, role, medical, code_expires_at FROM devices
             WHERE code_hash = ?1 AND revoked_at IS NULL",
            [code_hash(code)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let now = crate::time::now();
    let Some((id, name, role, medical, expires)) = found else {
        audit::record(&tx, "pairing", "device.pair_failed", None, "unknown code")?;
        tx.commit()?;
        return Err(Error::BadPairingCode);
    };
    if expires.is_some_and(|e| e < now) {
        audit::record(
            &tx,
            "pairing",
            "device.pair_failed",
            None,
            &format!("expired code for {name}"),
        )?;
        tx.commit()?;
        return Err(Error::BadPairingCode);
    }
    let role: DeviceRole = role.parse().map_err(Error::Invalid)?;
    let token = format!("ik_{}", URL_SAFE_NO_PAD.encode(random::<32>()));
    tx.execute(
        "UPDATE devices SET token_hash = ?2, code_hash = NULL, code_expires_at = NULL, paired_at = ?3
         WHERE id = ?1",
        params![id, token_hash(&token), now],
    )?;
    let recognition_key = match role {
        DeviceRole::Kiosk => Some(recognition_key(&tx)?),
        DeviceRole::Counter => None,
    };
    audit::record(
        &tx,
        &format!("{role}:{name}"),
        "device.pair",
        None,
        "paired",
    )?;
    tx.commit()?;
    Ok(PairResponse {
        device_id: id,
        name,
        role,
        medical,
        token,
        recognition_key,
    })
}

/// The device a bearer token belongs to, if it is paired and not revoked.
pub fn authenticate(conn: &Connection, token: &str) -> Result<Option<DeviceAuth>> {
    let found = conn
        .prepare_cached(
            "SELECT id, name, role, medical FROM devices
             WHERE token_hash = ?1 AND revoked_at IS NULL",
        )?
        .query_row([token_hash(token)], |r| {
            let role: String = r.get(2)?;
            Ok((r.get(0)?, r.get(1)?, role, r.get(3)?))
        })
        .optional()?;
    Ok(match found {
        Some((id, name, role, medical)) => Some(DeviceAuth {
            id,
            name,
            role: role.parse().map_err(Error::Invalid)?,
            medical,
        }),
        None => None,
    })
}

/// Applies a pushed batch in one durable transaction and answers for every mutation.
///
/// A mutation the device may not make, or that can never apply (its customer was
/// deleted), is refused alone and the rest still apply: the batch first runs straight
/// through, and only if something in it fails does it run again with a savepoint around
/// each mutation. An error that may pass (the database busy, the disk full) fails the
/// whole batch, which the device sends again.
pub fn apply_push(db: &mut Db, device: &DeviceAuth, ms: &[Mutation]) -> Result<Vec<PushResult>> {
    if let Some(results) = apply_batch(db, device, ms, false)? {
        return Ok(results);
    }
    Ok(apply_batch(db, device, ms, true)?.expect("a batch with savepoints always finishes"))
}

/// One pass over the batch. Without savepoints, `None` as soon as a mutation fails (the
/// transaction is rolled back).
fn apply_batch(
    db: &mut Db,
    device: &DeviceAuth,
    ms: &[Mutation],
    savepoints: bool,
) -> Result<Option<Vec<PushResult>>> {
    let (tx, sealer) = db.write_sealed()?;
    let mut results = Vec::with_capacity(ms.len());
    for m in ms {
        if let Err(p) = m.op.permitted(device.role.role(), device.medical) {
            results.push(PushResult {
                id: m.id,
                outcome: Outcome::Rejected {
                    reason: format!(
                        "{} {} may not {} (needs {p})",
                        device.role,
                        device.name,
                        m.op.kind()
                    ),
                },
            });
            continue;
        }
        if savepoints {
            tx.prepare_cached("SAVEPOINT push_one")?.execute([])?;
        }
        let outcome = match mutation::apply(&tx, sealer, m) {
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
    tx.execute(
        "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1",
        params![device.id, crate::time::now()],
    )?;
    tx.commit()?;
    Ok(Some(results))
}

/// Whether an error may pass if the same work is tried again later.
pub fn is_transient(e: &Error) -> bool {
    match e {
        Error::Db(rusqlite::Error::SqliteFailure(f, _)) => matches!(
            f.code,
            rusqlite::ErrorCode::DatabaseBusy
                | rusqlite::ErrorCode::DatabaseLocked
                | rusqlite::ErrorCode::SystemIoFailure
                | rusqlite::ErrorCode::DiskFull
                | rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::OutOfMemory
        ),
        Error::Io { .. } => true,
        _ => false,
    }
}

/// The changes after `cursor` that `device` may hold, at most `limit`.
pub fn pull(db: &Db, device: &DeviceAuth, cursor: i64, limit: u32) -> Result<PullResponse> {
    let limit = limit.clamp(1, PULL_BATCH);
    let conn = db.conn();
    let tx = conn.unchecked_transaction()?; // one snapshot for the whole answer
    let mut seqs: Vec<(i64, Uuid, Option<Option<Uuid>>)> = Vec::new();
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
            "SELECT t.change_seq, t.customer_id, m.survivor_id FROM tombstones t
             LEFT JOIN merged_customers m ON m.merged_id = t.customer_id
             WHERE t.change_seq > ?1 ORDER BY t.change_seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![cursor, limit + 1], |r| {
            Ok((r.get(0)?, r.get(1)?, Some(r.get(2)?)))
        })?;
        for row in rows {
            seqs.push(row?);
        }
    }
    seqs.sort_by_key(|(seq, _, _)| *seq);
    let more = seqs.len() > limit as usize;
    seqs.truncate(limit as usize);
    let next_cursor = seqs.last().map_or(cursor, |(seq, _, _)| *seq);
    let key = match device.role {
        DeviceRole::Kiosk => Some(recognition_key_bytes(&tx)?),
        DeviceRole::Counter => None,
    };
    let mut changes = Vec::with_capacity(seqs.len());
    let mut medical_sent = 0usize;
    for (_, id, gone) in seqs {
        if let Some(survivor) = gone {
            changes.push(Change::Gone {
                customer: id,
                survivor,
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
    if medical_sent > 0 {
        audit::record(
            &tx,
            &format!("{}:{}", device.role, device.name),
            "medical.sync",
            None,
            &format!("sent medical records of {medical_sent} customer(s) to the device"),
        )?;
    }
    let users = synced_users(&tx)?;
    tx.commit()?;
    Ok(PullResponse {
        changes,
        cursor: next_cursor,
        more,
        users,
    })
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
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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
        "SELECT id, template_id, template_version, signed_at, device, content_sha256 FROM releases
         WHERE customer_id = ?1 ORDER BY signed_at, id",
        id,
        |r| {
            Ok(ReleaseRow {
                id: r.get(0)?,
                template_id: r.get(1)?,
                template_version: r.get(2)?,
                signed_at: r.get(3)?,
                device: r.get(4)?,
                sha256: r.get(5)?,
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
    f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mapped = stmt.query_map([id], f)?;
    Ok(mapped.collect::<rusqlite::Result<_>>()?)
}

/// The store's key for kiosk recognition entries, made on first use.
fn recognition_key(conn: &Connection) -> Result<String> {
    if let Some(key) = meta(conn, "recognition_key")? {
        return Ok(key);
    }
    let key = STANDARD.encode(random::<32>());
    set_meta(conn, "recognition_key", &key)?;
    Ok(key)
}

fn recognition_key_bytes(conn: &Connection) -> Result<[u8; 32]> {
    decode_key(&recognition_key(conn)?)
}

pub(crate) fn decode_key(b64: &str) -> Result<[u8; 32]> {
    STANDARD
        .decode(b64)
        .ok()
        .and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
        .ok_or_else(|| Error::Invalid("the recognition key is damaged".into()))
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

pub(crate) fn code_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex(&Sha256::digest(
        format!("intake pairing code v1:{normal}").as_bytes(),
    ))
}

pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.trim().as_bytes()))
}

fn new_code() -> String {
    // Rejection sampling keeps every letter equally likely: 12 of 31 symbols, 59 bits.
    let limit = 256 - 256 % CODE_ALPHABET.len();
    let mut chars = Vec::with_capacity(12);
    while chars.len() < 12 {
        for b in random::<16>() {
            if (b as usize) < limit && chars.len() < 12 {
                chars.push(CODE_ALPHABET[b as usize % CODE_ALPHABET.len()] as char);
            }
        }
    }
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

pub(crate) fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the system's random source works");
    bytes
}
