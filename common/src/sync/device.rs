//! The device's side of sync: its credentials, its outbox, and applying what it pulls
//! ([`pull`]).

use crate::db::{Connection, OptionalExtension, params};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::devices::decode_key;
use super::*;
use crate::crypto::Sealer;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::release::Returning;

mod pull;
pub use pull::{Pulled, apply_pull};

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
