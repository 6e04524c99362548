//! The device's side of sync: its credentials, its outbox, and applying what it pulls.

use crate::db::{Connection, OptionalExtension, Transaction, params};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::devices::decode_key;
use super::*;
use crate::crypto::Sealer;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::release::Returning;
use crate::webhook::payload::DeletionReason;

/// An empty blob: where a device keeps a record whose sealed content stays on the store.
const EMPTY: &[u8] = &[];
/// What a paired device needs to talk to its store.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub store_url: String,
    /// SHA-256 of the store's certificate (hex), pinned at pairing; `None` for plain HTTP.
    pub fingerprint: Option<String>,
    pub token: String,
    pub device: DeviceInfo,
}

/// Makes this database a device of the store at `store_url`. Pairing again (with a new
/// code) starts pulling from the beginning; the outbox is kept and pushed to the new store.
pub fn configure(
    db: &mut Db,
    store_url: &str,
    fingerprint: Option<&str>,
    paired: &PairResponse,
) -> Result<()> {
    let tx = db.write()?;
    let own: i64 = tx.query_row("SELECT count(*) FROM customers", [], |r| r.get(0))?;
    if own > 0 && meta(&tx, "sync_role")?.as_deref() != Some("device") {
        return Err(Error::Invalid(format!(
            "this database is a store of its own with {own} customer(s): pairing would leave them \
             behind. Export them and import them on the store, or pair a fresh data directory"
        )));
    }
    let pairs = [
        (KEY_STORE_URL, store_url.trim_end_matches('/').to_string()),
        (KEY_FINGERPRINT, fingerprint.unwrap_or_default().to_string()),
        (KEY_TOKEN, paired.token.clone()),
        (KEY_DEVICE_ID, paired.device_id.to_string()),
        (KEY_DEVICE_NAME, paired.name.clone()),
        (KEY_DEVICE_ROLE, paired.role.name().to_string()),
        (
            KEY_MEDICAL,
            if paired.medical { "1" } else { "0" }.to_string(),
        ),
        (
            KEY_RECOGNITION,
            paired.recognition_key.clone().unwrap_or_default(),
        ),
        (KEY_CURSOR, "0".to_string()),
        (KEY_LAST_ERROR, String::new()),
        ("sync_role", "device".to_string()),
    ];
    for (key, value) in pairs {
        set_meta(&tx, key, &value)?;
    }
    crate::audit::record(
        &tx,
        &format!("{}:{}", paired.role, paired.name),
        "device.paired",
        None,
        &format!("paired with {store_url}"),
    )?;
    tx.commit()?;
    Ok(())
}

/// The credentials, if this database belongs to a paired device.
pub fn credentials(conn: &Connection) -> Result<Option<Credentials>> {
    let Some(device) = status(conn)?.device else {
        return Ok(None);
    };
    Ok(Some(Credentials {
        store_url: device.store.clone(),
        fingerprint: meta(conn, KEY_FINGERPRINT)?.filter(|f| !f.is_empty()),
        token: meta(conn, KEY_TOKEN)?.unwrap_or_default(),
        device,
    }))
}

/// Up to `limit` mutations waiting in the outbox after position `after` (0: from the
/// start), in order, with the position of the last one.
pub fn next_batch(db: &Db, after: i64, limit: usize) -> Result<(Vec<Mutation>, i64)> {
    let (raw, last) = next_batch_raw(db, after, limit)?;
    let parsed = raw
        .iter()
        .map(|m| {
            serde_json::from_str(m.get())
                .map_err(|e| Error::Invalid(format!("an outbox entry is not a mutation: {e}")))
        })
        .collect::<Result<_>>()?;
    Ok((parsed, last))
}

/// Like [`next_batch`], but each mutation stays the JSON it was sealed as: a push sends it
/// on without parsing and writing it again.
pub fn next_batch_raw(
    db: &Db,
    after: i64,
    limit: usize,
) -> Result<(Vec<Box<serde_json::value::RawValue>>, i64)> {
    let mut stmt = db.conn().prepare_cached(
        "SELECT seq, mutation_id, sealed FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut rows = stmt.query(params![after, limit as i64])?;
    let mut out = Vec::new();
    let mut last = after;
    while let Some(row) = rows.next()? {
        last = row.get(0)?;
        let id: Uuid = row.get(1)?;
        let json = db
            .sealer()
            .open(id.as_bytes(), row.get_ref(2)?.as_blob()?)?;
        let json = String::from_utf8(json)
            .map_err(|_| Error::Invalid(format!("outbox entry {id} is not UTF-8 JSON")))?;
        out.push(
            serde_json::value::RawValue::from_string(json)
                .map_err(|e| Error::Invalid(format!("outbox entry {id}: {e}")))?,
        );
    }
    Ok((out, last))
}

/// Gives new ids to the queued mutations whose ids are dated more than
/// [`CLOCK_TOLERANCE_SECS`] after `store_now`: made while this device's clock ran ahead, the
/// store would refuse them for good, and last-writer-wins must not rank them in the future.
/// The new ids are the store's time, one millisecond apart in outbox order (so two edits of
/// one field keep their order). Safe because the store never applied them: it refuses such
/// ids, so none can be a replay. Returns how many were given new ids.
pub fn remint_future_ids(db: &mut Db, store_now: chrono::DateTime<chrono::Utc>) -> Result<usize> {
    let limit = store_now + chrono::Duration::seconds(CLOCK_TOLERANCE_SECS);
    let (tx, sealer) = db.write_sealed()?;
    let rows: Vec<(i64, Uuid, Vec<u8>)> = tx
        .prepare("SELECT seq, mutation_id, sealed FROM outbox ORDER BY seq")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<crate::db::Result<_>>()?;
    let mut reminted = 0usize;
    for (seq, id, sealed) in rows {
        let dated = id
            .get_timestamp()
            .map(|t| t.to_unix())
            .and_then(|(secs, nanos)| {
                chrono::DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)
            });
        if dated.is_none_or(|at| at <= limit) {
            continue;
        }
        let mut m: crate::mutation::Mutation = sealer.open_json(id.as_bytes(), &sealed)?;
        let at = store_now + chrono::Duration::milliseconds(i64::try_from(reminted).unwrap_or(0));
        let ts = uuid::Timestamp::from_unix(
            uuid::NoContext,
            u64::try_from(at.timestamp()).unwrap_or(0),
            at.timestamp_subsec_nanos(),
        );
        m.id = Uuid::new_v7(ts);
        m.at = at;
        tx.execute(
            "UPDATE outbox SET mutation_id = ?2, sealed = ?3 WHERE seq = ?1",
            params![seq, m.id, sealer.seal_json(m.id.as_bytes(), &m)],
        )?;
        tracing::info!(old = %id, new = %m.id, "a mutation made while the clock ran ahead got a new id");
        reminted += 1;
    }
    tx.commit()?;
    Ok(reminted)
}

/// What the store's answer did to the outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Acknowledged {
    pub removed: usize,
    pub rejected: usize,
}

/// Takes the mutations the store answered for out of the outbox; refused ones move to
/// `outbox_rejected` with the store's reason. Ids the store did not name stay queued.
pub fn acknowledge(db: &mut Db, results: &[PushResult]) -> Result<Acknowledged> {
    let tx = db.write()?;
    let mut done = Acknowledged::default();
    let now = crate::time::now();
    for r in results {
        if let Outcome::Rejected { reason } = &r.outcome {
            let moved = tx.execute(
                "INSERT INTO outbox_rejected(seq, mutation_id, sealed, created_at, rejected_at, reason)
                 SELECT seq, mutation_id, sealed, created_at, ?2, ?3 FROM outbox WHERE mutation_id = ?1
                 ON CONFLICT DO NOTHING",
                params![r.id, now, reason],
            )?;
            done.rejected += moved;
            if moved > 0 {
                tracing::warn!(mutation = %r.id, %reason, "the store refused a mutation; kept aside");
            }
        }
        done.removed += tx
            .prepare_cached("DELETE FROM outbox WHERE mutation_id = ?1")?
            .execute([r.id])?;
    }
    tx.commit()?;
    Ok(done)
}

/// A lobby kiosk keeps customers only until the store has them: once the outbox is empty,
/// everything but the recognition entries goes. Returns how many customers were dropped.
pub fn purge_kiosk_replica(db: &mut Db) -> Result<usize> {
    if role(db.conn())? != Some(DeviceRole::Kiosk) {
        return Ok(0);
    }
    // (Freed pages are zeroed: every connection deletes securely, see `db::prepare`.)
    let tx = db.write()?;
    let held: i64 = tx.query_row("SELECT count(*) FROM customers", [], |r| r.get(0))?;
    if held == 0 || outbox_waiting(&tx)? {
        return Ok(0);
    }
    let n = tx.execute("DELETE FROM customers", [])?;
    tx.execute("DELETE FROM tombstones", [])?;
    tx.execute("DELETE FROM merged_customers", [])?;
    tx.commit()?;
    // The WAL still holds the old pages: copy the zeroed ones back and empty it.
    db.empty_wal();
    Ok(n)
}

fn role(conn: &Connection) -> Result<Option<DeviceRole>> {
    Ok(meta(conn, KEY_DEVICE_ROLE)?.and_then(|r| r.parse().ok()))
}

fn outbox_waiting(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS(SELECT 1 FROM outbox)", [], |r| r.get(0))?)
}

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
            checkpoint(db)?;
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
            checkpoint(db)?;
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
                if matches!(
                    reason,
                    Some(DeletionReason::Erased | DeletionReason::Retention)
                ) {
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
        checkpoint(db)?;
    }
    Ok(Pulled {
        applied: pulled.changes.len(),
        ..Pulled::default()
    })
}

/// What this device kept aside as refused for customers now `erased` leaves it: kept for
/// staff to redo, it would otherwise hold their details for good. A release they signed
/// goes back in the outbox instead, so nothing signed is lost: the store files a release
/// for someone erased among the releases it keeps restricted until their date.
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
            if !m.op.customer().is_some_and(|c| erased.contains(&c)) {
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

/// Copies the WAL's pages into the database and empties it, so what was deleted is gone
/// from both files.
fn checkpoint(db: &Db) -> Result<()> {
    db.empty_wal();
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

/// Notes a sync attempt's outcome for `status`.
pub fn record_attempt(db: &Db, error: Option<&str>) -> Result<()> {
    let now = crate::time::now();
    let conn = db.conn();
    set_meta(conn, KEY_LAST_ATTEMPT, &now)?;
    match error {
        None => {
            set_meta(conn, KEY_LAST_SUCCESS, &now)?;
            set_meta(conn, KEY_LAST_ERROR, "")?;
        }
        Some(e) => set_meta(conn, KEY_LAST_ERROR, e)?,
    }
    Ok(())
}

/// The pull cursor this device has reached.
pub fn cursor(conn: &Connection) -> Result<i64> {
    Ok(meta(conn, KEY_CURSOR)?
        .and_then(|c| c.parse().ok())
        .unwrap_or(0))
}

/// What a kiosk's recognition entry holds, sealed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Recognised {
    pub profile: crate::customer::Profile,
    pub emergency: Option<Contact>,
    pub physician: Option<Contact>,
}

/// The lookup hash and the sealing key for one phone and birthdate.
pub(crate) fn recognition_keys(
    key: &[u8; 32],
    phone_key: &str,
    birthdate: &str,
) -> (String, Sealer) {
    let derive = |purpose: &str| -> [u8; 32] {
        crate::crypto::hmac_sha256(
            key,
            &[
                purpose.as_bytes(),
                b"\0",
                phone_key.as_bytes(),
                b"\0",
                birthdate.as_bytes(),
            ],
        )
    };
    let lookup = crate::crypto::hex(&derive("intake recognition lookup v1"));
    let sealer = Sealer::from_key(&derive("intake recognition seal v1"));
    (lookup, sealer)
}

/// On a kiosk device: the customer whose recognition entry this phone and birthdate open,
/// if exactly one does.
pub fn find_recognised(
    conn: &Connection,
    phone_key: &str,
    birthdate: NaiveDate,
) -> Result<Option<Returning>> {
    let Some(key) = meta(conn, KEY_RECOGNITION)?.filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    let key = decode_key(&key)?;
    let (lookup, sealer) =
        recognition_keys(&key, phone_key, &birthdate.format("%Y-%m-%d").to_string());
    let mut stmt = conn
        .prepare_cached("SELECT customer_id, sealed FROM recognition WHERE lookup = ?1 LIMIT 2")?;
    let found: Vec<(Uuid, Vec<u8>)> = stmt
        .query_map([lookup], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<crate::db::Result<_>>()?;
    let [(id, sealed)] = &found[..] else {
        return Ok(None);
    };
    let r: Recognised = sealer.open_json(id.as_bytes(), sealed)?;
    Ok(Some(Returning {
        id: *id,
        profile: r.profile,
        emergency: r.emergency,
        physician: r.physician,
    }))
}

/// Whether this database holds a customer row for `id` (a kiosk's replica often does not).
pub(crate) fn holds_customer(conn: &Connection, id: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM customers WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The `meta` key of the chain location the store last said this device belongs to (JSON).
const KEY_LOCATION: &str = "sync_location";

/// The chain location this device belongs to, as its last pull said; `None` in a single
/// shop, on a device not placed, and on the store.
pub fn own_location(conn: &Connection) -> Result<Option<Location>> {
    meta(conn, KEY_LOCATION)?
        .map(|json| {
            serde_json::from_str(&json)
                .map_err(|e| Error::Invalid(format!("the stored location does not read: {e}")))
        })
        .transpose()
}
