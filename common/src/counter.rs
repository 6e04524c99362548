//! What the counter display reads and does: today's check-ins, search, the Safety Panel,
//! and staff's changes (each checked against the signed-in user's permissions).

use crate::db::{Connection, params};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::customer::Customer;
use crate::customers::{SELECT_CUSTOMER, customer_from_row};
use crate::db::{Db, resolve_customer};
use crate::error::Result;
use crate::mutation::Op;
use crate::users::{Actor, Permission};

/// A customer who signed a release in the window asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckIn {
    pub customer: Uuid,
    pub name: String,
    /// When the newest release in the window was signed (RFC 3339, UTC).
    pub signed_at: String,
    pub device: String,
    pub flags: i64,
    pub medical: i64,
    /// Whether staff acknowledged the Safety Panel since this check-in.
    pub acknowledged: bool,
    /// The customer's birthdate (`YYYY-MM-DD`), when known.
    pub birthdate: Option<String>,
    /// The adult who signed the newest release with a minor, when there was one and this
    /// device holds the release's content.
    pub guardian: Option<crate::release::GuardianName>,
}

/// Customers who signed a release between `from` and `to`, newest first; one entry each.
/// Names and counts only: reading needs `read:customer`. On a device placed at a chain
/// location, only the releases signed there (and those signed at no location: Web Sign's,
/// and any from before the chain had locations).
pub fn check_ins(
    db: &Db,
    actor: &Actor,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<CheckIn>> {
    actor.require(Permission::ReadCustomer)?;
    let here = crate::sync::own_location(db.conn())?.map(|l| l.id);
    let mut list = check_ins_in(db.conn(), from, to, here.as_deref())?;
    for (check_in, release) in &mut list {
        check_in.guardian = crate::release::facts(db, *release)?.and_then(|f| f.guardian);
    }
    Ok(list.into_iter().map(|(c, _)| c).collect())
}

/// The check-ins, each with its newest release's id (of two signed in the same
/// millisecond, the later id).
fn check_ins_in(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    location: Option<&str>,
) -> Result<Vec<(CheckIn, Uuid)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.first_name, c.nickname, c.last_name, r.signed_at, r.device,
                (SELECT count(*) FROM flags f WHERE f.customer_id = c.id),
                (SELECT count(*) FROM medical_conditions m WHERE m.customer_id = c.id),
                EXISTS(SELECT 1 FROM safety_acks a
                       WHERE a.customer_id = c.id AND a.acknowledged_at >= r.signed_at),
                c.birthdate, r.id
         FROM (SELECT customer_id, signed_at, device, id,
                      ROW_NUMBER() OVER (PARTITION BY customer_id
                                         ORDER BY signed_at DESC, id DESC) AS newest
               FROM releases WHERE signed_at >= ?1 AND signed_at < ?2
                                 AND (location = ?3 OR location IS NULL OR ?3 IS NULL)) r
         JOIN customers c ON c.id = r.customer_id
         WHERE r.newest = 1
         ORDER BY r.signed_at DESC, c.id",
    )?;
    let rows = stmt.query_map(
        params![crate::time::format(from), crate::time::format(to), location],
        |r| {
            let first: Option<String> = r.get(1)?;
            let nick: Option<String> = r.get(2)?;
            let last: Option<String> = r.get(3)?;
            let given = nick.or(first).unwrap_or_default();
            let check_in = CheckIn {
                customer: r.get(0)?,
                name: format!("{given} {}", last.unwrap_or_default())
                    .trim()
                    .to_string(),
                signed_at: r.get(4)?,
                device: r.get(5)?,
                flags: r.get(6)?,
                medical: r.get(7)?,
                acknowledged: r.get(8)?,
                birthdate: r.get(9)?,
                guardian: None,
            };
            Ok((check_in, r.get(10)?))
        },
    )?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// Customers whose name, e-mail or phone matches `query`, by name; at most `limit`.
/// A query of digits also matches phone numbers as stored (E.164).
pub fn search(db: &Db, actor: &Actor, query: &str, limit: u32) -> Result<Vec<Customer>> {
    actor.require(Permission::ReadCustomer)?;
    let query = query.trim();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let (like, phone_like) = crate::browse::patterns(query);
    let sql = format!(
        "{} WHERE {} ORDER BY sort_last, sort_first, id LIMIT ?3",
        *SELECT_CUSTOMER,
        crate::browse::MATCHES
    );
    let mut stmt = db.conn().prepare_cached(&sql)?;
    let rows = stmt.query_map(params![like, phone_like, limit], customer_from_row)?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// The newest acknowledgement of a customer's Safety Panel: who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledgement {
    pub by: String,
    pub at: String,
}

pub fn last_acknowledgement(conn: &Connection, customer: Uuid) -> Result<Option<Acknowledgement>> {
    let id = resolve_customer(conn, customer)?;
    let mut stmt = conn.prepare_cached(
        "SELECT acknowledged_by, acknowledged_at FROM safety_acks WHERE customer_id = ?1
         ORDER BY acknowledged_at DESC, id DESC LIMIT 1",
    )?;
    let mut rows = stmt.query([id])?;
    Ok(match rows.next()? {
        Some(r) => Some(Acknowledgement {
            by: r.get(0)?,
            at: r.get(1)?,
        }),
        None => None,
    })
}

/// Makes a change as `actor`, who must be allowed it: through the front door every change
/// takes ([`crate::change::submit`]). Returns the mutation's id.
pub fn act(db: &mut Db, actor: &Actor, op: Op) -> Result<Uuid> {
    crate::change::submit(db, &crate::change::Caller::Staff(actor.clone()), op)
}
