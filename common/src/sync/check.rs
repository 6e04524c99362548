//! The consistency check: does a device hold what the store says its role should hold?
//!
//! The store summarises, for the device's role, what it held up to the device's pull
//! cursor: how many records and a SHA-256 over them in id order (a counter: each
//! customer's id, times, field versions and profile; a kiosk: each recognition entry's
//! customer and lookup). Customers changed or deleted after the cursor are named and left
//! out on both sides, so a store that moves on while the device checks is no mismatch.
//! The device works out the same over its replica. With an empty outbox the two must
//! agree; a difference is data no queued mutation explains (a change made here that never
//! reached the store, or one the store has that never arrived here).

use std::collections::HashSet;

use crate::db::{Connection, OptionalExtension, ValueRef};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::device::recognition_keys;
use super::devices::decode_key;
use super::{DeviceAuth, DeviceRole, KEY_DEVICE_ROLE, meta, set_meta};
use crate::db::Db;
use crate::error::{Error, Result};

/// At most this many customers changed after the cursor are named; beyond that the device
/// is too far behind to compare (it pulls first).
pub const MAX_CHANGED_AFTER: usize = 2000;

/// Where the last check's report is kept (JSON), for `status`.
pub const KEY_LAST_CHECK: &str = "sync_last_check";

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckRequest {
    pub protocol: u32,
    /// The device's pull cursor.
    pub cursor: i64,
}

/// The store's summary for one device.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckAnswer {
    pub cursor: i64,
    /// The store's change sequence now.
    pub head: i64,
    /// How many records the device should hold (customers or recognition entries).
    pub held: i64,
    /// SHA-256 (hex) over those records in id order.
    pub hash: String,
    /// Customers changed or gone after the cursor: left out on both sides.
    pub changed_after: Vec<Uuid>,
    /// More than [`MAX_CHANGED_AFTER`] changed after the cursor: not compared.
    pub behind: bool,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    pub checked_at: String,
    pub role: DeviceRole,
    pub cursor: i64,
    /// Records the store says this device should hold, and what it holds.
    pub store_held: i64,
    pub device_held: i64,
    pub agree: bool,
    /// Mutations waiting in the outbox (a check with any waiting is not conclusive).
    pub pending: i64,
    /// Left out because they changed on the store after the cursor.
    pub left_out: usize,
    /// What to make of it, in words.
    pub verdict: String,
}

/// The store's side: the summary for `device` up to `cursor`, in one read snapshot.
pub fn store_summary(db: &Db, device: &DeviceAuth, cursor: i64) -> Result<CheckAnswer> {
    let conn = db.conn();
    let tx = conn.begin_read()?;
    let head: i64 = tx.query_row(
        "SELECT coalesce(CAST(value AS BIGINT), 0) FROM meta WHERE key = 'change_seq'",
        [],
        |r| r.get(0),
    )?;
    let mut changed_after: Vec<Uuid> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT id FROM customers WHERE change_seq > ?1
             UNION SELECT customer_id FROM tombstones WHERE change_seq > ?1 LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            crate::db::params![cursor, MAX_CHANGED_AFTER as i64 + 1],
            |r| r.get(0),
        )?;
        for id in rows {
            changed_after.push(id?);
        }
    }
    if changed_after.len() > MAX_CHANGED_AFTER {
        return Ok(CheckAnswer {
            cursor,
            head,
            held: 0,
            hash: String::new(),
            changed_after: Vec::new(),
            behind: true,
        });
    }
    changed_after.sort();
    let (held, hash) = match device.role {
        DeviceRole::Counter => customers_digest(
            &tx,
            "WHERE change_seq <= ?1",
            crate::db::params![cursor],
            &HashSet::new(),
        )?,
        DeviceRole::Kiosk => {
            // The kiosk's own key; none until its first pull made one.
            let key: Option<String> = tx
                .prepare_cached("SELECT recognition_key FROM devices WHERE id = ?1")?
                .query_row([device.id], |r| r.get::<_, Option<String>>(0))
                .optional()?
                .flatten();
            let key = key.map(|k| decode_key(&k)).transpose()?;
            let mut digest = Digest64::default();
            if let Some(key) = key {
                let mut stmt = tx.prepare(
                    "SELECT id, phone_key, birthdate FROM customers
                     WHERE change_seq <= ?1 AND phone_key IS NOT NULL AND birthdate IS NOT NULL
                     ORDER BY id",
                )?;
                let mut rows = stmt.query([cursor])?;
                while let Some(row) = rows.next()? {
                    let id: Uuid = row.get(0)?;
                    let phone: String = row.get(1)?;
                    let born: String = row.get(2)?;
                    let (lookup, _) = recognition_keys(&key, &phone, &born);
                    digest.record(&[Some(id.as_bytes().as_slice()), Some(lookup.as_bytes())]);
                }
            }
            digest.finish()
        }
    };
    Ok(CheckAnswer {
        cursor,
        head,
        held,
        hash,
        changed_after,
        behind: false,
    })
}

/// The device's side: its own summary, leaving out what the store named, compared with
/// the store's answer. The report is kept for `status`.
pub fn compare(db: &Db, answer: &CheckAnswer) -> Result<CheckReport> {
    let conn = db.conn();
    let role = meta(conn, KEY_DEVICE_ROLE)?
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| Error::Invalid("this database is not a paired device".into()))?;
    let pending: i64 = conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
    let left_out: HashSet<Uuid> = answer.changed_after.iter().copied().collect();
    let tx = conn.begin_read()?;
    // A kiosk keeps customers only while they wait to be pushed.
    let mut kept = 0i64;
    let (device_held, hash) = match role {
        DeviceRole::Counter => customers_digest(&tx, "", [], &left_out)?,
        DeviceRole::Kiosk => {
            if pending == 0 {
                kept = tx.query_row("SELECT count(*) FROM customers", [], |r| r.get(0))?;
            }
            let mut digest = Digest64::default();
            let mut stmt =
                tx.prepare("SELECT customer_id, lookup FROM recognition ORDER BY customer_id")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let id: Uuid = row.get(0)?;
                if left_out.contains(&id) {
                    continue;
                }
                let lookup: String = row.get(1)?;
                digest.record(&[Some(id.as_bytes().as_slice()), Some(lookup.as_bytes())]);
            }
            digest.finish()
        }
    };
    drop(tx);
    let agree = !answer.behind && device_held == answer.held && hash == answer.hash && kept == 0;
    let verdict = if answer.behind {
        "not compared: more than 2000 customers changed on the store since the last pull; sync first"
            .to_string()
    } else if kept > 0 {
        format!(
            "this kiosk keeps {kept} customer(s) with nothing waiting to be pushed: they should have gone once the store had them"
        )
    } else if agree && pending == 0 {
        "this device holds what the store holds for it".to_string()
    } else if agree {
        format!("agrees with the store; {pending} change(s) made here wait to be pushed")
    } else if pending > 0 {
        format!(
            "differs from the store, and {pending} change(s) made here wait to be pushed: check again after they are"
        )
    } else {
        format!(
            "differs from the store with nothing waiting to be pushed: the store has {} record(s) for this {role}, this device {}. Data here that the store lacks never reached it; pair a fresh data directory to start over from the store",
            answer.held, device_held
        )
    };
    let report = CheckReport {
        checked_at: crate::time::now(),
        role,
        cursor: answer.cursor,
        store_held: answer.held,
        device_held,
        agree,
        pending,
        left_out: answer.changed_after.len(),
        verdict,
    };
    let json = serde_json::to_string(&report).map_err(|e| Error::Invalid(e.to_string()))?;
    set_meta(conn, KEY_LAST_CHECK, &json)?;
    Ok(report)
}

/// The last check's report, if a check ran.
pub fn last_check(conn: &Connection) -> Result<Option<CheckReport>> {
    Ok(meta(conn, KEY_LAST_CHECK)?.and_then(|j| serde_json::from_str(&j).ok()))
}

/// Count and digest of customers (`filter` after FROM), in id order, skipping `left_out`.
fn customers_digest(
    conn: &Connection,
    filter: &str,
    params: impl crate::db::Params,
    left_out: &HashSet<Uuid>,
) -> Result<(i64, String)> {
    let columns = 4 + crate::customer::Field::COUNT;
    let mut stmt = conn.prepare(&format!(
        "SELECT id, created_at, updated_at, versions, {} FROM customers {filter} ORDER BY id",
        *crate::customers::PROFILE_COLUMNS
    ))?;
    let mut rows = stmt.query(params)?;
    let mut digest = Digest64::default();
    while let Some(row) = rows.next()? {
        let id: Uuid = row.get(0)?;
        if left_out.contains(&id) {
            continue;
        }
        let mut cells: Vec<Option<&[u8]>> = Vec::with_capacity(columns);
        for i in 0..columns {
            cells.push(match row.get_ref(i)? {
                ValueRef::Null => None,
                ValueRef::Text(t) | ValueRef::Blob(t) => Some(t),
                // Customers hold text and ids only; anything else still counts as present.
                ValueRef::Integer(_) | ValueRef::Real(_) => Some(b"#".as_slice()),
            });
        }
        digest.record(&cells);
    }
    Ok(digest.finish())
}

/// SHA-256 over records of length-prefixed cells (`None` marked apart from empty).
#[derive(Default)]
struct Digest64 {
    hasher: Sha256,
    n: i64,
}

impl Digest64 {
    fn record(&mut self, cells: &[Option<&[u8]>]) {
        self.n += 1;
        self.hasher.update((cells.len() as u32).to_le_bytes());
        for cell in cells {
            match cell {
                None => self.hasher.update([0u8]),
                Some(bytes) => {
                    self.hasher.update([1u8]);
                    self.hasher.update((bytes.len() as u64).to_le_bytes());
                    self.hasher.update(bytes);
                }
            }
        }
    }

    fn finish(self) -> (i64, String) {
        (self.n, crate::crypto::hex(&self.hasher.finalize()))
    }
}
