//! Webhooks, as Standard Webhooks (standardwebhooks.com) describes them: endpoints and
//! their `whsec_` secrets, signing, the events made from the change sequence
//! ([`events`]), and the durable delivery queue ([`queue`]). The HTTP side lives in the
//! agent; everything here is SQLite and arithmetic, so it runs the same under a test's clock.

mod address;
mod deliveries;
pub mod events;
pub mod payload;
pub mod queue;

pub use address::{AddressPolicy, check_url, is_public, special_range};
pub use deliveries::{Deliveries, Delivery, deliveries, delivery, endpoint};

use crate::db::{Connection, OptionalExtension, params};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::audit;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::users::{Actor, Permission};

/// The events an endpoint can subscribe to.
pub const EVENT_TYPES: [&str; 5] = [
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "customer.merged",
    "release.signed",
];

/// The event `webhook test` sends.
pub const PING: &str = "webhook.ping";

/// How long a rotated-out secret keeps signing beside the new one.
pub const OLD_SECRET_GRACE: Duration = Duration::hours(24);

/// A signing secret: `whsec_` and the base64 of its key bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// 32 random bytes.
    pub fn generate() -> Self {
        let mut key = vec![0u8; 32];
        getrandom::fill(&mut key).expect("the system's random source works");
        Self(key)
    }

    /// Parses `whsec_<base64>` (24 to 64 bytes of key).
    pub fn parse(text: &str) -> Result<Self> {
        let b64 = text
            .strip_prefix("whsec_")
            .ok_or_else(|| Error::Invalid("a webhook secret starts with whsec_".into()))?;
        let key = BASE64
            .decode(b64)
            .map_err(|e| Error::Invalid(format!("a webhook secret's base64 is damaged: {e}")))?;
        if !(24..=64).contains(&key.len()) {
            return Err(Error::Invalid(format!(
                "a webhook secret holds 24 to 64 bytes, not {}",
                key.len()
            )));
        }
        Ok(Self(key))
    }

    /// The signature of one message: `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        let timestamp = timestamp.to_string();
        let mac = crate::crypto::hmac_sha256(
            &self.0,
            &[
                id.as_bytes(),
                b".",
                timestamp.as_bytes(),
                b".",
                body.as_bytes(),
            ],
        );
        format!("v1,{}", BASE64.encode(mac))
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "whsec_{}", BASE64.encode(&self.0))
    }
}

/// The `webhook-signature` header: one signature per secret in use, space-separated, so a
/// receiver holding either the old or the new secret accepts the message while a rotation
/// settles.
pub fn signature_header(secrets: &[Secret], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .map(|s| s.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks a `webhook-signature` header the way a receiver does: true when any of its
/// signatures matches (compared in constant time).
pub fn verify(secret: &Secret, id: &str, timestamp: i64, body: &str, header: &str) -> bool {
    let expected = secret.sign(id, timestamp, body);
    header.split(' ').any(|sig| {
        sig.len() == expected.len()
            && sig
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    })
}

/// An endpoint as admins see it.
#[derive(Debug, Clone, Serialize)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub medical: bool,
    pub enabled: bool,
    pub disabled_at: Option<String>,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<String>,
    pub created_at: String,
    pub created_by: String,
    /// Messages waiting for this endpoint.
    pub pending: i64,
    /// Messages that ran out of attempts (or were stopped by the endpoint's disabling).
    pub failed: i64,
}

/// A new endpoint and its secret, shown once.
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    pub id: String,
    pub secret: String,
}

/// Parses `customer.created,customer.updated` (or `*` for every event).
pub fn parse_events(list: &str) -> Result<Vec<String>> {
    let mut events = Vec::new();
    for e in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if e == "*" {
            return Ok(EVENT_TYPES.iter().map(|e| e.to_string()).collect());
        }
        if !EVENT_TYPES.contains(&e) {
            return Err(Error::Invalid(format!(
                "unknown event {e:?}; the events are {}",
                EVENT_TYPES.join(", ")
            )));
        }
        if !events.iter().any(|x| x == e) {
            events.push(e.to_string());
        }
    }
    if events.is_empty() {
        return Err(Error::Invalid(
            "name at least one event, e.g. --events customer.created,customer.updated".into(),
        ));
    }
    Ok(events)
}

/// Where a device refuses webhook commands: "… on the store" (the store sends them).
pub const WEBHOOKS_ARE: &str = "webhooks are managed and sent";

/// Adds an endpoint (needs `manage:webhooks`; with `medical`, also `medical:customer`).
/// Only changes made from now on are sent to it.
pub fn add(
    db: &mut Db,
    actor: &Actor,
    url: &str,
    events: &[String],
    medical: bool,
    policy: AddressPolicy,
) -> Result<Added> {
    actor.require(Permission::ManageWebhooks)?;
    if medical {
        actor.require(Permission::MedicalCustomer)?;
    }
    crate::sync::refuse_on_device(db.conn(), WEBHOOKS_ARE)?;
    let url = check_url(url, policy)?;
    if events.is_empty() {
        return Err(Error::Invalid("name at least one event".into()));
    }
    let id = format!("ep_{}", Uuid::now_v7().simple());
    let secret = Secret::generate();
    let (tx, sealer) = db.write_sealed()?;
    let since = crate::db::change_seq(&tx)?;
    tx.execute(
        "INSERT INTO webhook_endpoints(id, url, events, medical, secret, since_seq, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            url.as_str(),
            events.join(","),
            medical,
            sealer.seal(id.as_bytes(), secret.to_string().as_bytes()),
            since,
            crate::time::now(),
            actor.name
        ],
    )?;
    audit::record(
        &tx,
        &actor.name,
        "webhook.add",
        None,
        &format!(
            "{id} {url} events={} medical={}",
            events.join(","),
            if medical { "yes" } else { "no" }
        ),
    )?;
    tx.commit()?;
    Ok(Added {
        id,
        secret: secret.to_string(),
    })
}

/// Every endpoint, oldest first (needs `manage:webhooks`).
pub fn list(conn: &Connection, actor: &Actor) -> Result<Vec<Endpoint>> {
    actor.require(Permission::ManageWebhooks)?;
    select_endpoints(conn, None)
}

/// Every endpoint, or only the one whose id is exactly `only`.
fn select_endpoints(conn: &Connection, only: Option<&str>) -> Result<Vec<Endpoint>> {
    let mut stmt = conn.prepare(
        "SELECT e.id, e.url, e.events, e.medical, e.enabled, e.disabled_at, e.disabled_reason,
                e.failing_since, e.created_at, e.created_by,
                (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.state = 'pending'),
                (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.state = 'failed')
         FROM webhook_endpoints e WHERE e.id = ?1 OR ?1 IS NULL ORDER BY e.created_at, e.id",
    )?;
    let rows = stmt.query_map([only], |r| {
        Ok(Endpoint {
            id: r.get(0)?,
            url: r.get(1)?,
            events: r
                .get::<_, String>(2)?
                .split(',')
                .map(str::to_string)
                .collect(),
            medical: r.get(3)?,
            enabled: r.get(4)?,
            disabled_at: r.get(5)?,
            disabled_reason: r.get(6)?,
            failing_since: r.get(7)?,
            created_at: r.get(8)?,
            created_by: r.get(9)?,
            pending: r.get(10)?,
            failed: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The endpoint `id` names: the whole id, or enough of its start to be unique.
pub fn resolve(conn: &Connection, id: &str) -> Result<String> {
    let id = id.trim();
    if id.len() < 4 {
        return Err(Error::Invalid(format!(
            "{id:?} is too short to name a webhook endpoint"
        )));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM webhook_endpoints WHERE id = ?1 OR substr(id, 1, length(?1)) = ?1 LIMIT 2",
    )?;
    let found: Vec<String> = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::WebhookNotFound(id.to_string())),
        _ => Err(Error::Invalid(format!(
            "{id} names more than one webhook endpoint: give more of its id"
        ))),
    }
}

/// Disables an endpoint: nothing more is sent to it, and what was waiting for it fails
/// with `reason` (`webhook recover` sends it again once the endpoint is enabled).
pub(crate) fn disable_in(conn: &Connection, id: &str, reason: &str) -> Result<()> {
    let now = crate::time::now();
    conn.prepare_cached(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_at = ?2, disabled_reason = ?3
         WHERE id = ?1 AND enabled = 1",
    )?
    .execute(params![id, now, reason])?;
    conn.prepare_cached(
        "UPDATE webhook_deliveries SET state = 'failed', last_error = ?2
         WHERE endpoint_id = ?1 AND state = 'pending'",
    )?
    .execute(params![id, format!("endpoint disabled: {reason}")])?;
    Ok(())
}

/// Enables or disables an endpoint (needs `manage:webhooks`).
pub fn set_enabled(db: &mut Db, actor: &Actor, id: &str, enabled: bool) -> Result<String> {
    actor.require(Permission::ManageWebhooks)?;
    let id = resolve(db.conn(), id)?;
    let tx = db.write()?;
    if enabled {
        tx.execute(
            "UPDATE webhook_endpoints SET enabled = 1, disabled_at = NULL, disabled_reason = NULL,
                    failing_since = NULL
             WHERE id = ?1",
            [&id],
        )?;
    } else {
        disable_in(&tx, &id, &format!("disabled by {}", actor.name))?;
    }
    audit::record(
        &tx,
        &actor.name,
        if enabled {
            "webhook.enable"
        } else {
            "webhook.disable"
        },
        None,
        &id,
    )?;
    tx.commit()?;
    Ok(id)
}

/// Gives an endpoint a new secret; the old one keeps signing beside it for
/// [`OLD_SECRET_GRACE`] from `now`, so the receiver can switch without losing a message.
pub fn rotate_secret(db: &mut Db, actor: &Actor, id: &str, now: DateTime<Utc>) -> Result<Added> {
    actor.require(Permission::ManageWebhooks)?;
    let id = resolve(db.conn(), id)?;
    let secret = Secret::generate();
    let (tx, sealer) = db.write_sealed()?;
    let until = crate::time::format(now + OLD_SECRET_GRACE);
    tx.execute(
        "UPDATE webhook_endpoints SET old_secret = secret, old_secret_until = ?2, secret = ?3
         WHERE id = ?1",
        params![
            id,
            until,
            sealer.seal(id.as_bytes(), secret.to_string().as_bytes())
        ],
    )?;
    audit::record(&tx, &actor.name, "webhook.rotate-secret", None, &id)?;
    tx.commit()?;
    Ok(Added {
        id,
        secret: secret.to_string(),
    })
}

/// The secrets that sign for an endpoint now: the current one, and the old one while its
/// grace lasts.
pub(crate) fn secrets(
    conn: &Connection,
    sealer: &crate::crypto::Sealer,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Secret>> {
    let (secret, old, until): (Vec<u8>, Option<Vec<u8>>, Option<String>) = conn
        .prepare_cached(
            "SELECT secret, old_secret, old_secret_until FROM webhook_endpoints WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let open = |sealed: &[u8]| -> Result<Secret> {
        let text = sealer.open(id.as_bytes(), sealed)?;
        Secret::parse(std::str::from_utf8(&text).map_err(|_| Error::Decrypt)?)
    };
    let mut out = vec![open(&secret)?];
    if let (Some(old), Some(until)) = (old, until)
        && crate::time::parse(&until).is_some_and(|u| u > now)
    {
        out.push(open(&old)?);
    }
    Ok(out)
}

/// Sends a message again to the endpoints it went to (or only to `endpoint`), with the
/// same `webhook-id`. Returns how many deliveries were queued.
pub fn replay(
    db: &mut Db,
    actor: &Actor,
    message: &str,
    endpoint: Option<&str>,
    now_ms: i64,
) -> Result<usize> {
    actor.require(Permission::ManageWebhooks)?;
    let endpoint = endpoint.map(|e| resolve(db.conn(), e)).transpose()?;
    let tx = db.write()?;
    let seq: i64 = tx
        .query_row(
            "SELECT seq FROM webhook_messages WHERE id = ?1",
            [message.trim()],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::WebhookMessageNotFound(message.trim().to_string()))?;
    let n = tx.execute(
        "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_ms = ?2
         WHERE message_seq = ?1 AND (endpoint_id = ?3 OR ?3 IS NULL)
           AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE enabled = 1)",
        params![seq, now_ms, endpoint],
    )?;
    if n == 0 {
        return Err(Error::Invalid(format!(
            "message {message} has no delivery to an enabled endpoint{}",
            endpoint.map(|e| format!(" {e}")).unwrap_or_default()
        )));
    }
    audit::record(&tx, &actor.name, "webhook.replay", None, message.trim())?;
    tx.commit()?;
    Ok(n)
}

/// Sends again every delivery that failed at or after `since` (to one endpoint, or all
/// enabled ones). Returns how many were queued.
pub fn recover(
    db: &mut Db,
    actor: &Actor,
    endpoint: Option<&str>,
    since: DateTime<Utc>,
    now_ms: i64,
) -> Result<usize> {
    actor.require(Permission::ManageWebhooks)?;
    let endpoint = endpoint.map(|e| resolve(db.conn(), e)).transpose()?;
    let tx = db.write()?;
    let n = tx.execute(
        "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_ms = ?1
         WHERE state = 'failed' AND (endpoint_id = ?3 OR ?3 IS NULL)
           -- One never tried (failed when its endpoint was disabled) counts from when it was made.
           AND COALESCE(last_attempt_at,
                        (SELECT created_at FROM webhook_messages m WHERE m.seq = message_seq)) >= ?2
           AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE enabled = 1)",
        params![now_ms, crate::time::format(since), endpoint],
    )?;
    audit::record(
        &tx,
        &actor.name,
        "webhook.recover",
        None,
        &format!(
            "since {} {}: {n} queued",
            crate::time::format(since),
            endpoint.as_deref().unwrap_or("all endpoints")
        ),
    )?;
    tx.commit()?;
    Ok(n)
}

/// One attempt in an endpoint's delivery log.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub at: String,
    pub message: String,
    pub event: String,
    pub attempt: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// The start of the receiver's answer (at most 256 characters).
    pub answer: Option<String>,
}

/// An endpoint's newest attempts, newest first (needs `manage:webhooks`).
pub fn log(conn: &Connection, actor: &Actor, endpoint: &str, limit: u32) -> Result<Vec<Attempt>> {
    actor.require(Permission::ManageWebhooks)?;
    let id = resolve(conn, endpoint)?;
    let mut stmt = conn.prepare(
        "SELECT a.at, m.id, m.event_type, a.attempt, a.status, a.error, a.duration_ms, a.answer
         FROM webhook_attempts a JOIN webhook_messages m ON m.seq = a.message_seq
         WHERE a.endpoint_id = ?1 ORDER BY a.seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![id, limit], |r| {
        Ok(Attempt {
            at: r.get(0)?,
            message: r.get(1)?,
            event: r.get(2)?,
            attempt: r.get(3)?,
            status: r.get(4)?,
            error: r.get(5)?,
            duration_ms: r.get(6)?,
            answer: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specs_test_vector() {
        let secret = Secret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let body = r#"{"email":"test@example.com","username":"test_user"}"#;
        let sig = secret.sign("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body);
        assert_eq!(sig, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
        assert!(verify(
            &secret,
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            body,
            &format!("v1,bm90IGl0 {sig}")
        ));
        assert!(!verify(
            &secret,
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367554,
            body,
            &sig
        ));
        assert_eq!(secret.to_string(), "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    }

    #[test]
    fn secrets_are_checked() {
        assert!(Secret::parse("C2FVsBQIhrscChlQIMV+b5sSYspob7oD").is_err());
        assert!(Secret::parse("whsec_c2hvcnQ=").is_err());
        assert!(Secret::parse("whsec_!!!").is_err());
        let fresh = Secret::generate();
        assert_eq!(Secret::parse(&fresh.to_string()).unwrap(), fresh);
    }

    #[test]
    fn events_are_named() {
        assert_eq!(
            parse_events("customer.created, customer.updated,customer.created").unwrap(),
            ["customer.created", "customer.updated"]
        );
        assert_eq!(parse_events("*").unwrap().len(), EVENT_TYPES.len());
        let err = parse_events("customer.create").unwrap_err().to_string();
        assert!(err.contains("customer.create") && err.contains("release.signed"));
        assert!(parse_events(" , ").is_err());
    }
}
