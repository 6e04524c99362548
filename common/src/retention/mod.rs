//! Retention and erasure: what the law asks a studio to keep is kept for as long as it
//! asks, and no longer; a customer who asks to be erased is erased, except for what must
//! still be kept.
//!
//! - The policy is the shop's ([`crate::settings::Retention`], `[retention]` in
//!   `shop.toml`).
//! - [`erase`] erases a customer at once: profile, notes, contacts, medical records, flags,
//!   services, Safety Panel checks, webhook messages about them and the Web Sign links made
//!   for them go; releases still under retention move to `restricted_releases`, sealed as
//!   they were signed, and open only with `legal:customer` ([`restricted`]), each view
//!   audited, until their date.
//! - The retention pass ([`pass`]) deletes what passed its date, daily on the store and by
//!   `intake-agent retention run [--dry-run]`.
//! - Both work by mutations ([`crate::Op::EraseCustomer`], [`crate::Op::Expire`]): the
//!   deletion of a customer leaves a tombstone with its reason, which every paired device
//!   pulls and every webhook endpoint hears as `customer.deleted`.
//! - Every erasure is kept in the erasure log (ids and dates only: the `erasures` table and
//!   `erasures.log` beside an SQLite database), which a restore re-applies ([`log`]).
//!
//! On SQLite every connection deletes securely (freed space is zeroed), and an erasure
//! ends by emptying the WAL, so the database files keep no copy of what was erased.

mod erase;
pub mod log;
pub mod pass;
pub mod restricted;

pub use erase::{Erased, ReleaseDate, erase, release_dates};
pub(crate) use erase::{apply_erase, apply_expire, file_restricted};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::{Connection, OptionalExtension};
use crate::error::Result;

/// Why a customer was erased.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reason {
    /// They asked (GDPR article 17, CCPA).
    #[serde(rename = "erased")]
    Request,
    /// The retention pass: nothing of theirs was left to keep.
    #[serde(rename = "retention")]
    Retention,
}

impl Reason {
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::Request => "erased",
            Reason::Retention => "retention",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "erased" => Some(Reason::Request),
            "retention" => Some(Reason::Retention),
            _ => None,
        }
    }
}

/// When `id` (or the survivor it was merged into) was erased, and why; `None` for anyone
/// not erased.
pub fn erased(conn: &Connection, id: Uuid) -> Result<Option<(String, Reason)>> {
    Ok(erasure(conn, id)?.map(|(_, at, reason)| (at, reason)))
}

/// The erasure `id` resolves to, following a merge to its survivor, in one statement (every
/// mutation applied asks): the id erased, when, and why.
fn erasure(conn: &Connection, id: Uuid) -> Result<Option<(Uuid, String, Reason)>> {
    let row: Option<(Uuid, String, String)> = conn
        .prepare_cached(
            "SELECT customer_id, erased_at, reason FROM erasures WHERE customer_id = ?1
               OR customer_id = (SELECT survivor_id FROM merged_customers WHERE merged_id = ?1)",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(row.map(|(id, at, reason)| (id, at, Reason::parse(&reason).unwrap_or(Reason::Request))))
}

/// The erased customer `op` is about (after merges), unless `op` is itself an erasure or an
/// expiry, which deal with erased customers themselves. What a device made for someone
/// erased meanwhile is accepted and changes nothing (a release is filed restricted).
pub(crate) fn erased_target(conn: &Connection, op: &crate::Op) -> Result<Option<Uuid>> {
    use crate::Op;
    if matches!(op, Op::EraseCustomer { .. } | Op::Expire { .. }) {
        return Ok(None);
    }
    let Some(customer) = op.customer() else {
        return Ok(None);
    };
    Ok(erasure(conn, customer)?.map(|(id, _, _)| id))
}

/// Until when `policy` keeps a release signed at `signed_at` by someone born on `born`
/// (the one rule the pass, an erasure and the listings follow). A signing time that does
/// not read keeps the release: nothing goes by mistake.
pub(crate) fn kept_until(
    policy: &crate::settings::Retention,
    signed_at: &str,
    born: Option<chrono::NaiveDate>,
    adult_age: u32,
) -> chrono::DateTime<chrono::Utc> {
    crate::time::parse(signed_at).map_or(chrono::DateTime::<chrono::Utc>::MAX_UTC, |t| {
        policy.release_due(t, born, adult_age)
    })
}

/// The error for a customer that is not there: erased (with its date), or unknown.
pub fn missing(conn: &Connection, id: Uuid) -> crate::Error {
    match erased(conn, id) {
        Ok(Some((at, _))) => crate::Error::CustomerErased {
            id: id.to_string(),
            at,
        },
        _ => crate::Error::CustomerNotFound(id.to_string()),
    }
}
