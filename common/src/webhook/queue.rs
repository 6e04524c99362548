//! The delivery queue: which deliveries are due, and what an attempt's outcome does.
//!
//! Time comes in as an argument (Unix milliseconds), never from the clock, so the retry
//! schedule is tested by moving a number.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use crate::audit;
use crate::db::Db;
use crate::error::Result;

/// Standard Webhooks' schedule: the first attempt at once, then after each failure these
/// waits. After the last attempt fails, the message has failed.
pub const SCHEDULE: [Duration; 8] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// An endpoint that has failed without a success for this long is disabled.
pub const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::days(5);

/// The longest `Retry-After` taken at its word.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Jitter: each wait is stretched or shrunk by up to this fraction.
pub const JITTER: f64 = 0.1;

/// The wait before attempt `next` (2 for the first retry), with jitter from `unit` in [0, 1).
pub fn retry_delay(next: u32, unit: f64) -> Duration {
    let base = SCHEDULE[(next as usize - 1).min(SCHEDULE.len() - 1)];
    base.mul_f64(1.0 + JITTER * (2.0 * unit - 1.0))
}

/// A delivery ready to send.
#[derive(Debug, Clone)]
pub struct Due {
    pub endpoint_id: String,
    pub message_seq: i64,
    pub message_id: String,
    pub event_type: String,
    pub customer_id: Option<Uuid>,
    pub url: String,
    /// This attempt's number, from 1.
    pub attempt: u32,
    /// The exact body to send.
    pub body: String,
    /// The `webhook-signature` header for `timestamp`.
    pub secrets: Vec<super::Secret>,
    /// Whether the body carries medical details (each delivery of those is audited).
    pub medical: bool,
}

impl Due {
    /// The three Standard Webhooks headers for an attempt at `timestamp` (Unix seconds).
    pub fn headers(&self, timestamp: i64) -> [(&'static str, String); 3] {
        [
            ("webhook-id", self.message_id.clone()),
            ("webhook-timestamp", timestamp.to_string()),
            (
                "webhook-signature",
                super::signature_header(&self.secrets, &self.message_id, timestamp, &self.body),
            ),
        ]
    }
}

/// Up to `limit` deliveries due at `now_ms`, skipping those in `busy` (being sent). Per
/// endpoint and customer only the oldest waiting message is ever due, so a customer's
/// events arrive in order even while one of them is being retried.
pub fn due(db: &Db, now_ms: i64, limit: usize, busy: &HashSet<(String, i64)>) -> Result<Vec<Due>> {
    let conn = db.conn();
    let mut stmt = conn.prepare_cached(
        "SELECT d.endpoint_id, d.message_seq, m.id, m.event_type, m.customer_id, e.url,
                d.attempts, m.body, m.medical, e.medical
         FROM webhook_deliveries d
         JOIN webhook_messages m ON m.seq = d.message_seq
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.state = 'pending' AND d.next_attempt_ms <= ?1 AND e.enabled = 1
           AND NOT EXISTS (
               -- Without the hint SQLite walks the primary key through every earlier
               -- delivery of the endpoint, delivered ones too.
               SELECT 1 FROM webhook_deliveries o INDEXED BY webhook_deliveries_order
               WHERE o.state = 'pending' AND o.endpoint_id = d.endpoint_id
                 AND o.customer_id = d.customer_id AND o.message_seq < d.message_seq)
         ORDER BY d.next_attempt_ms, d.message_seq
         LIMIT ?2",
    )?;
    let mut rows = stmt.query(params![now_ms, (limit + busy.len()) as i64])?;
    let now = ms_to_time(now_ms);
    let mut secrets: HashMap<String, Vec<super::Secret>> = HashMap::new();
    let mut broken: Vec<(String, i64, String)> = Vec::new();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let endpoint_id: String = r.get(0)?;
        let message_seq: i64 = r.get(1)?;
        if busy.contains(&(endpoint_id.clone(), message_seq)) {
            continue;
        }
        let message_id: String = r.get(2)?;
        let medical: Option<Vec<u8>> = r.get(8)?;
        let endpoint_medical: bool = r.get(9)?;
        // A row that cannot be sent (damaged, or sealed with another key) fails on its
        // own, with the reason; it must not stop every other delivery.
        let prepared = super::events::body_for(
            db.sealer(),
            &message_id,
            &r.get::<_, String>(7)?,
            medical.as_deref(),
            endpoint_medical,
        )
        .and_then(|body| {
            let keys = match secrets.get(&endpoint_id) {
                Some(k) => k.clone(),
                None => {
                    let k = super::secrets(conn, db.sealer(), &endpoint_id, now)?;
                    secrets.insert(endpoint_id.clone(), k.clone());
                    k
                }
            };
            Ok((body, keys))
        });
        let (body, keys) = match prepared {
            Ok(p) => p,
            Err(e) => {
                broken.push((endpoint_id, message_seq, e.to_string()));
                continue;
            }
        };
        out.push(Due {
            endpoint_id,
            message_seq,
            message_id,
            event_type: r.get(3)?,
            customer_id: r.get(4)?,
            url: r.get(5)?,
            attempt: r.get::<_, u32>(6)? + 1,
            body,
            secrets: keys,
            medical: medical.is_some() && endpoint_medical,
        });
        if out.len() == limit {
            break;
        }
    }
    drop(rows);
    for (endpoint, seq, why) in broken {
        tracing::error!(endpoint = %endpoint, message = seq, error = %why, "a webhook message cannot be sent");
        conn.prepare_cached(
            "UPDATE webhook_deliveries SET state = 'failed', last_error = ?3
             WHERE endpoint_id = ?1 AND message_seq = ?2 AND state = 'pending'",
        )?
        .execute(params![endpoint, seq, format!("cannot be sent: {why}")])?;
    }
    Ok(out)
}

/// When the next waiting delivery falls due, if any is waiting.
pub fn next_due_ms(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            // Disabling an endpoint fails what waited for it, so every pending delivery
            // belongs to an enabled one; the partial index answers this at once.
            "SELECT next_attempt_ms FROM webhook_deliveries WHERE state = 'pending'
             ORDER BY next_attempt_ms LIMIT 1",
        )?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub endpoint_id: String,
    pub message_seq: i64,
    pub customer_id: Option<Uuid>,
    pub attempt: u32,
    pub medical: bool,
    /// When the attempt started, Unix milliseconds.
    pub at_ms: i64,
    pub duration_ms: i64,
    /// The HTTP status, if the receiver answered.
    pub status: Option<u16>,
    /// What went wrong without an answer (connection refused, timeout, refused address).
    pub error: Option<String>,
    /// The receiver's `Retry-After`, if it gave one.
    pub retry_after: Option<Duration>,
    /// The start of the receiver's answer, at most [`ANSWER_EXCERPT`] characters.
    pub answer: Option<String>,
}

/// How much of a receiver's answer the delivery log keeps, in characters.
pub const ANSWER_EXCERPT: usize = 256;

/// The delivery log's excerpt of an answer: the first [`ANSWER_EXCERPT`] characters of
/// its start, control characters replaced; `None` for an empty answer.
pub fn excerpt(start: &[u8]) -> Option<String> {
    let text: String = String::from_utf8_lossy(start)
        .chars()
        .take(ANSWER_EXCERPT)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// An endpoint the outcomes disabled, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disabled {
    pub endpoint_id: String,
    pub reason: String,
}

/// Records outcomes in one transaction: the log, delivered or rescheduled or failed, and
/// endpoints disabled by a 410 or by five days of failing. `unit` gives jitter in [0, 1).
pub fn record(
    db: &mut Db,
    outcomes: &[Outcome],
    now_ms: i64,
    mut unit: impl FnMut() -> f64,
) -> Result<Vec<Disabled>> {
    let tx = db.write()?;
    let mut disabled = Vec::new();
    let now = ms_to_time(now_ms);
    let now_text = crate::time::format(now);
    for o in outcomes {
        let at = crate::time::format(ms_to_time(o.at_ms));
        tx.prepare_cached(
            "INSERT INTO webhook_attempts(endpoint_id, message_seq, attempt, at, status, error, duration_ms, answer)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            o.endpoint_id,
            o.message_seq,
            o.attempt,
            at,
            o.status,
            o.error,
            o.duration_ms,
            o.answer.as_deref().and_then(|a| excerpt(a.as_bytes()))
        ])?;
        let error = o.error.clone().or_else(|| {
            o.status
                .filter(|_| !o.succeeded())
                .map(|s| format!("HTTP {s}"))
        });
        if o.succeeded() {
            tx.prepare_cached(
                "UPDATE webhook_deliveries SET state = 'delivered', attempts = ?3, last_attempt_at = ?4,
                        last_status = ?5, last_error = NULL, delivered_at = ?6
                 WHERE endpoint_id = ?1 AND message_seq = ?2 AND state = 'pending'",
            )?
            .execute(params![
                o.endpoint_id,
                o.message_seq,
                o.attempt,
                at,
                o.status,
                now_text
            ])?;
            tx.prepare_cached(
                "UPDATE webhook_endpoints SET failing_since = NULL
                 WHERE id = ?1 AND failing_since IS NOT NULL",
            )?
            .execute([&o.endpoint_id])?;
            if o.medical {
                audit::record(
                    &tx,
                    "webhook",
                    "webhook.medical",
                    o.customer_id,
                    &format!("medical details sent to {}", o.endpoint_id),
                )?;
            }
            continue;
        }
        let (failing_since,): (Option<String>,) = tx
            .prepare_cached("SELECT failing_since FROM webhook_endpoints WHERE id = ?1")?
            .query_row([&o.endpoint_id], |r| Ok((r.get(0)?,)))?;
        let failing_since = match failing_since.as_deref().and_then(crate::time::parse) {
            Some(t) => t,
            None => {
                tx.prepare_cached("UPDATE webhook_endpoints SET failing_since = ?2 WHERE id = ?1")?
                    .execute(params![o.endpoint_id, at])?;
                ms_to_time(o.at_ms)
            }
        };
        let last = error.clone().unwrap_or_default();
        let gone = o.status == Some(410);
        let given_up = now - failing_since >= GIVE_UP_AFTER;
        let (state, next_ms) = if gone || given_up || o.attempt as usize >= SCHEDULE.len() {
            ("failed", now_ms)
        } else {
            let wait = match o.retry_after {
                Some(r) => r.min(MAX_RETRY_AFTER),
                None => retry_delay(o.attempt + 1, unit()),
            };
            ("pending", now_ms + wait.as_millis() as i64)
        };
        tx.prepare_cached(
            "UPDATE webhook_deliveries SET state = ?3, attempts = ?4, next_attempt_ms = ?5,
                    last_attempt_at = ?6, last_status = ?7, last_error = ?8
             WHERE endpoint_id = ?1 AND message_seq = ?2 AND state = 'pending'",
        )?
        .execute(params![
            o.endpoint_id,
            o.message_seq,
            state,
            o.attempt,
            next_ms,
            at,
            o.status,
            error
        ])?;
        if state == "pending" {
            // The customer's later messages wait behind this one: due no earlier.
            tx.prepare_cached(
                "UPDATE webhook_deliveries INDEXED BY webhook_deliveries_order
                 SET next_attempt_ms = CASE WHEN next_attempt_ms > ?4 THEN next_attempt_ms ELSE ?4 END
                 WHERE endpoint_id = ?1 AND customer_id = ?2 AND state = 'pending'
                   AND message_seq > ?3",
            )?
            .execute(params![
                o.endpoint_id,
                o.customer_id,
                o.message_seq,
                next_ms
            ])?;
        }
        if gone || given_up {
            let reason = if gone {
                format!("the endpoint answered 410 Gone at {at}")
            } else {
                format!(
                    "failing since {} (5 days without a success); last: {last}",
                    crate::time::format(failing_since)
                )
            };
            super::disable_in(&tx, &o.endpoint_id, &reason)?;
            audit::record(&tx, "webhook", "webhook.disabled", None, &reason)?;
            disabled.push(Disabled {
                endpoint_id: o.endpoint_id.clone(),
                reason,
            });
        }
    }
    tx.commit()?;
    Ok(disabled)
}

pub fn ms_to_time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// A random number in [0, 1), for jitter.
pub fn random_unit() -> f64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("the system's random source works");
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// A `webhook.ping` for one endpoint (needs `manage:webhooks`), to send at once. It is
/// logged like any delivery but never retried: whoever asked for it sees the outcome.
pub fn ping(db: &mut Db, actor: &crate::Actor, endpoint: &str, now_ms: i64) -> Result<Due> {
    actor.require(crate::Permission::ManageWebhooks)?;
    let endpoint = super::resolve(db.conn(), endpoint)?;
    let id = format!("msg_{}", Uuid::now_v7().simple());
    let now = ms_to_time(now_ms);
    let body = serde_json::json!({
        "type": super::PING,
        "timestamp": crate::time::format(now),
        "data": { "endpoint": endpoint, "sent_by": actor.name },
    })
    .to_string();
    let tx = db.write()?;
    let seq: i64 = tx.query_row(
        "INSERT INTO webhook_messages(id, event_type, customer_id, body, medical, created_at, created_ms)
         VALUES (?1, ?2, NULL, ?3, NULL, ?4, ?5) RETURNING seq",
        params![id, super::PING, body, crate::time::format(now), now_ms],
        |r| r.get(0),
    )?;
    // The last attempt of its schedule, and never due: the worker leaves it alone.
    tx.execute(
        "INSERT INTO webhook_deliveries(endpoint_id, message_seq, customer_id, state, attempts, next_attempt_ms)
         VALUES (?1, ?2, NULL, 'pending', ?3, ?4)",
        params![endpoint, seq, SCHEDULE.len() as i64 - 1, i64::MAX],
    )?;
    let url: String = tx.query_row(
        "SELECT url FROM webhook_endpoints WHERE id = ?1",
        [&endpoint],
        |r| r.get(0),
    )?;
    tx.commit()?;
    Ok(Due {
        secrets: super::secrets(db.conn(), db.sealer(), &endpoint, now)?,
        endpoint_id: endpoint,
        message_seq: seq,
        message_id: id,
        event_type: super::PING.into(),
        customer_id: None,
        url,
        attempt: SCHEDULE.len() as u32,
        body,
        medical: false,
    })
}

/// How long finished messages (delivered, or failed for good), their deliveries and their
/// log are kept: long enough to look back and `webhook recover`, short enough that a busy
/// shop's database does not grow without end.
pub const KEEP: chrono::Duration = chrono::Duration::days(30);

/// Deletes up to `limit` messages made before `before_ms` that nothing waits to send any
/// more, with their deliveries and log; returns how many went.
pub fn prune(db: &mut Db, before_ms: i64, limit: usize) -> Result<usize> {
    let tx = db.write()?;
    let seqs: Vec<i64> = tx
        .prepare_cached(
            "SELECT m.seq FROM webhook_messages m
             WHERE m.created_ms < ?1
               AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                               WHERE d.message_seq = m.seq AND d.state = 'pending')
             ORDER BY m.seq LIMIT ?2",
        )?
        .query_map(params![before_ms, limit as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for seq in &seqs {
        tx.prepare_cached("DELETE FROM webhook_attempts WHERE message_seq = ?1")?
            .execute([seq])?;
        tx.prepare_cached("DELETE FROM webhook_deliveries WHERE message_seq = ?1")?
            .execute([seq])?;
        tx.prepare_cached("DELETE FROM webhook_messages WHERE seq = ?1")?
            .execute([seq])?;
    }
    tx.commit()?;
    Ok(seqs.len())
}
