//! Events from the change sequence.
//!
//! Every change to a customer, every deletion or merge, and every filed release takes a
//! number in the store's change sequence (the same one devices pull by). The producer reads
//! the sequence after its cursor, makes one message per customer per pass, queues a
//! delivery for each endpoint that subscribed, and moves the cursor, all in one
//! transaction: a crash leaves either all of it or none. Whatever path made the change (a
//! kiosk, the counter, an import, a merge, a push from a device), it is announced, and a
//! 100,000-row import becomes a steady stream of short transactions rather than one long one.

use std::collections::BTreeMap;

use crate::db::{Transaction, params};
use chrono::Utc;
use serde_json::Value;
use uuid::Uuid;

use crate::crypto::Sealer;
use crate::customer::MedicalCondition;
use crate::customers::{SELECT_CUSTOMER, customer_from_row};
use crate::db::Db;
use crate::error::Result;
use crate::webhook::payload::{
    CustomerDeleted, CustomerEvent, CustomerMerged, DeletionReason, Envelope, ReleaseSigned,
};

/// How many numbers of the change sequence one pass reads: a pass holds the write lock for
/// a few milliseconds, so kiosks and imports never wait long behind it.
pub const PASS: i64 = 500;

/// An endpoint, as the producer needs it.
struct Subscriber {
    id: String,
    events: Vec<String>,
    medical: bool,
    since: i64,
}

/// One event before it is written.
struct Event {
    /// Its place in the change sequence: events for one customer go out in this order.
    seq: i64,
    kind: &'static str,
    customer: Uuid,
    data: Value,
    /// Whether the customer's medical details go with it, to endpoints allowed them.
    medical: bool,
}

/// A message ready to write.
struct Prepared {
    id: String,
    kind: &'static str,
    customer: Uuid,
    body: String,
    medical: Option<Vec<u8>>,
    to: Vec<String>,
}

/// Makes the messages for the changes after the cursor, at most [`PASS`] sequence numbers
/// of them; returns how many messages it made and whether more changes are waiting.
///
/// The changes are read and the messages built in a read transaction, which in WAL mode
/// blocks no one; only the inserts and the cursor's move take the write lock.
pub fn produce(db: &mut Db, now_ms: i64) -> Result<(usize, bool)> {
    let (cursor, hi, current, prepared) = {
        let read = db.conn().begin_read()?;
        let cursor = meta_int(&read, "webhook_seq")?;
        let current = meta_int(&read, "change_seq")?;
        if cursor >= current {
            return Ok((0, false));
        }
        let hi = current.min(cursor + PASS);
        let prepared = prepare(&read, db.sealer(), cursor, hi)?;
        (cursor, hi, current, prepared)
    };
    let tx = db.write()?;
    if meta_int(&tx, "webhook_seq")? != cursor {
        // Another producer got there first; look again.
        return Ok((0, true));
    }
    let timestamp = crate::time::format(crate::webhook::queue::ms_to_time(now_ms));
    {
        let mut insert_message = tx.prepare_cached(
            "INSERT INTO webhook_messages(id, event_type, customer_id, body, medical, created_at, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING seq",
        )?;
        // Behind an older message to the same customer that is waiting for a retry, a new
        // one is due no earlier than that retry, so the worker does not look at it before.
        let mut insert_delivery = tx.prepare_cached(
            "INSERT INTO webhook_deliveries(endpoint_id, message_seq, customer_id, state, next_attempt_ms)
             VALUES (?1, ?2, ?3, 'pending',
                     COALESCE((SELECT max(next_attempt_ms)
                               FROM webhook_deliveries INDEXED BY webhook_deliveries_order
                               WHERE endpoint_id = ?1 AND customer_id = ?3
                                 AND state = 'pending' AND next_attempt_ms > ?4), ?4))",
        )?;
        // An endpoint disabled since the changes were read gets nothing.
        let enabled: std::collections::HashSet<String> = tx
            .prepare_cached("SELECT id FROM webhook_endpoints WHERE enabled = 1")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for m in &prepared {
            let seq: i64 = insert_message.query_row(
                params![
                    m.id, m.kind, m.customer, m.body, m.medical, timestamp, now_ms
                ],
                |r| r.get(0),
            )?;
            for endpoint in m.to.iter().filter(|e| enabled.contains(*e)) {
                insert_delivery.execute(params![endpoint, seq, m.customer, now_ms])?;
            }
        }
    }
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'webhook_seq'",
        [hi.to_string()],
    )?;
    tx.commit()?;
    Ok((prepared.len(), hi < current))
}

/// The messages for sequence numbers in `(lo, hi]`, in order, each with its endpoints.
fn prepare(tx: &Transaction<'_>, sealer: &Sealer, lo: i64, hi: i64) -> Result<Vec<Prepared>> {
    let subscribers = subscribers(tx)?;
    if subscribers.is_empty() {
        return Ok(Vec::new());
    }
    let mut events = changes(tx, lo, hi)?;
    events.sort_by_key(|e| e.seq);
    let any_medical = subscribers.iter().any(|s| s.medical);
    let timestamp = crate::time::format(Utc::now());
    let mut out = Vec::new();
    for event in events {
        let to: Vec<&Subscriber> = subscribers
            .iter()
            .filter(|s| event.seq > s.since && s.events.iter().any(|e| e == event.kind))
            .collect();
        if to.is_empty() {
            continue;
        }
        let id = format!("msg_{}", Uuid::now_v7().simple());
        let body = serde_json::to_string(&Envelope {
            kind: event.kind,
            timestamp: timestamp.clone(),
            data: &event.data,
        })
        .map_err(|e| crate::Error::Invalid(format!("a webhook body: {e}")))?;
        let medical = if event.medical && any_medical && to.iter().any(|s| s.medical) {
            let conditions = medical_conditions(tx, sealer, event.customer)?;
            Some(sealer.seal_json(id.as_bytes(), &conditions))
        } else {
            None
        };
        out.push(Prepared {
            id,
            kind: event.kind,
            customer: event.customer,
            body,
            medical,
            to: to.iter().map(|s| s.id.clone()).collect(),
        });
    }
    Ok(out)
}

fn to_value(data: &impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(data).map_err(|e| crate::Error::Invalid(format!("a webhook body: {e}")))
}

fn meta_int(tx: &Transaction<'_>, key: &str) -> Result<i64> {
    Ok(tx
        .prepare_cached("SELECT CAST(value AS BIGINT) FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))?)
}

fn subscribers(tx: &Transaction<'_>) -> Result<Vec<Subscriber>> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, events, medical, since_seq FROM webhook_endpoints WHERE enabled = 1",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Subscriber {
            id: r.get(0)?,
            events: r
                .get::<_, String>(1)?
                .split(',')
                .map(str::to_string)
                .collect(),
            medical: r.get(2)?,
            since: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The events for sequence numbers in `(lo, hi]`.
fn changes(tx: &Transaction<'_>, lo: i64, hi: i64) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    // A customer created in the range is announced as created (with how it is now), even
    // if a later change has moved its row past the range; that later change then comes as
    // an update in its own pass.
    let mut stmt = tx.prepare_cached(&format!(
        "{} WHERE (change_seq > ?1 AND change_seq <= ?2)
            OR (created_seq > 0 AND created_seq > ?1 AND created_seq <= ?2)",
        SELECT_CUSTOMER.replacen(
            " FROM customers",
            ", created_seq, change_seq FROM customers",
            1
        )
    ))?;
    let mut rows = stmt.query(params![lo, hi])?;
    while let Some(row) = rows.next()? {
        let customer = customer_from_row(&row)?;
        let created_seq: i64 = row.get(crate::customer::Field::ALL.len() + 3)?;
        let change_seq: i64 = row.get(crate::customer::Field::ALL.len() + 4)?;
        let created = created_seq > lo && created_seq <= hi;
        events.push(Event {
            seq: if created { created_seq } else { change_seq },
            kind: if created {
                "customer.created"
            } else {
                "customer.updated"
            },
            customer: customer.id,
            data: to_value(&CustomerEvent {
                customer,
                medical_conditions: None,
            })?,
            medical: true,
        });
    }
    drop(rows);

    let mut stmt = tx.prepare_cached(
        "SELECT id, customer_id, template_id, template_version, signed_at, device, content_sha256,
                change_seq
         FROM releases WHERE change_seq > ?1 AND change_seq <= ?2",
    )?;
    let mut rows = stmt.query(params![lo, hi])?;
    while let Some(r) = rows.next()? {
        let id: Uuid = r.get(0)?;
        let customer: Uuid = r.get(1)?;
        events.push(Event {
            seq: r.get(7)?,
            kind: "release.signed",
            customer,
            data: to_value(&ReleaseSigned {
                id,
                customer_id: customer,
                template_id: r.get(2)?,
                template_version: r.get(3)?,
                signed_at: r.get(4)?,
                device: r.get(5)?,
                content_sha256: r.get(6)?,
            })?,
            medical: false,
        });
    }
    drop(rows);

    // Deletions; a merged-away customer is a deletion that names its survivor, and each
    // survivor gets one customer.merged naming everyone merged into it.
    let mut stmt = tx.prepare_cached(
        "SELECT t.customer_id, t.change_seq, t.deleted_at, m.survivor_id, t.reason
         FROM tombstones t LEFT JOIN merged_customers m ON m.merged_id = t.customer_id
         WHERE t.change_seq > ?1 AND t.change_seq <= ?2",
    )?;
    let mut rows = stmt.query(params![lo, hi])?;
    let mut merges: BTreeMap<Uuid, (i64, Vec<Uuid>)> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let customer: Uuid = r.get(0)?;
        let seq: i64 = r.get(1)?;
        let survivor: Option<Uuid> = r.get(3)?;
        let erased: Option<String> = r.get(4)?;
        let reason = DeletionReason::of_tombstone(erased.as_deref(), survivor);
        events.push(Event {
            seq,
            kind: "customer.deleted",
            customer,
            data: to_value(&CustomerDeleted {
                id: customer,
                deleted_at: r.get(2)?,
                merged_into: survivor,
                reason,
            })?,
            medical: false,
        });
        if let Some(s) = survivor {
            let entry = merges.entry(s).or_insert((seq, Vec::new()));
            entry.0 = entry.0.max(seq);
            entry.1.push(customer);
        }
    }
    for (survivor, (seq, merged)) in merges {
        events.push(Event {
            seq,
            kind: "customer.merged",
            customer: survivor,
            data: to_value(&CustomerMerged {
                id: survivor,
                merged,
            })?,
            medical: false,
        });
    }
    Ok(events)
}

fn medical_conditions(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    customer: Uuid,
) -> Result<Vec<MedicalCondition>> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, sealed FROM medical_conditions
         WHERE customer_id = ?1 AND length(sealed) > 0 ORDER BY created_at, id",
    )?;
    let mut rows = stmt.query([customer])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let id: Uuid = r.get(0)?;
        out.push(sealer.open_json(id.as_bytes(), r.get_ref(1)?.as_blob()?)?);
    }
    Ok(out)
}

/// The body an endpoint receives: the message's body, with the customer's medical details
/// under `data.medical_conditions` for an endpoint allowed them.
pub fn body_for(
    sealer: &Sealer,
    message_id: &str,
    body: &str,
    medical: Option<&[u8]>,
    endpoint_medical: bool,
) -> Result<String> {
    let (Some(sealed), true) = (medical, endpoint_medical) else {
        return Ok(body.to_string());
    };
    let conditions: Vec<MedicalCondition> = sealer.open_json(message_id.as_bytes(), sealed)?;
    let mut value: Value = serde_json::from_str(body)
        .map_err(|e| crate::Error::Invalid(format!("a stored webhook body is damaged: {e}")))?;
    value["data"]["medical_conditions"] = serde_json::to_value(conditions)
        .map_err(|e| crate::Error::Invalid(format!("medical details: {e}")))?;
    Ok(value.to_string())
}

/// Whether changes are waiting for the producer (a cheap read).
pub fn waiting(conn: &crate::db::Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT (SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'change_seq')
                  > (SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'webhook_seq')",
        )?
        .query_row([], |r| r.get(0))?)
}
