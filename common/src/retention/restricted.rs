//! The releases an erasure kept: listed by what identifies them and until when they are
//! kept, opened only with `legal:customer`, each view audited, the fingerprint checked.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::db::{Db, OptionalExtension, params};
use crate::error::{Error, Result};
use crate::release::ReleaseContent;
use crate::settings::Retention;
use crate::users::{Actor, Permission};

/// A restricted release in a listing: no name (there is none left), no content; until when
/// the policy in force keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct Restricted {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub template_id: String,
    pub template_version: u32,
    pub signed_at: String,
    pub device: String,
    pub sha256: String,
    pub restricted_at: String,
    pub kept_until: DateTime<Utc>,
}

/// The restricted releases, one erased customer's when `customer` is given, newest first,
/// each with the date `policy` keeps it until (by the birthdate it was signed with, read
/// from its sealed content). For a minor's release that date tells the birthdate to
/// whoever lists it: only `legal:customer` may, and a listing that shows any is audited
/// (`release.list-restricted`, with how many).
pub fn list(
    db: &Db,
    actor: &Actor,
    customer: Option<Uuid>,
    policy: &Retention,
    adult_age: u32,
) -> Result<Vec<Restricted>> {
    actor.require(Permission::LegalCustomer)?;
    let customer = customer
        .map(|c| crate::db::resolve_customer(db.conn(), c))
        .transpose()?;
    let mut stmt = db.conn().prepare(
        "SELECT id, customer_id, template_id, template_version, signed_at, device,
                content_sha256, restricted_at, sealed
         FROM restricted_releases WHERE customer_id = ?1 OR ?1 IS NULL
         ORDER BY signed_at DESC, id DESC",
    )?;
    let mut rows = stmt.query(params![customer])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let id: Uuid = r.get(0)?;
        let signed_at: String = r.get(4)?;
        let born = signed_birthdate(db, id, r.get_ref(8)?.as_blob()?);
        out.push(Restricted {
            id,
            customer_id: r.get(1)?,
            template_id: r.get(2)?,
            template_version: r.get(3)?,
            kept_until: super::kept_until(policy, &signed_at, born, adult_age),
            signed_at,
            device: r.get(5)?,
            sha256: r.get(6)?,
            restricted_at: r.get(7)?,
        });
    }
    if !out.is_empty() {
        crate::audit::record(
            db.conn(),
            &actor.name,
            "release.list-restricted",
            customer,
            &format!("{} listed", out.len()),
        )?;
    }
    Ok(out)
}

/// Whether `id` is a restricted release.
pub fn is_restricted(db: &Db, id: Uuid) -> Result<bool> {
    Ok(db.conn().query_row(
        "SELECT EXISTS(SELECT 1 FROM restricted_releases WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )?)
}

/// Whether `id` is a restricted release of the erased customer `customer` (after merges).
pub fn holds(db: &Db, customer: Uuid, id: Uuid) -> Result<bool> {
    let customer = crate::db::resolve_customer(db.conn(), customer)?;
    Ok(db.conn().query_row(
        "SELECT EXISTS(SELECT 1 FROM restricted_releases WHERE id = ?1 AND customer_id = ?2)",
        params![id, customer],
        |r| r.get(0),
    )?)
}

/// A restricted release, opened for `actor` (`legal:customer`), its fingerprint checked;
/// the view is audited.
pub fn open(db: &Db, actor: &Actor, id: Uuid) -> Result<ReleaseContent> {
    actor.require(Permission::LegalCustomer)?;
    let row: Option<(Uuid, Vec<u8>, String)> = db
        .conn()
        .query_row(
            "SELECT customer_id, sealed, content_sha256 FROM restricted_releases WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (customer, sealed, sha) =
        row.ok_or_else(|| Error::Invalid(format!("no restricted release with id {id}")))?;
    crate::release::verified_view(
        db,
        actor,
        "release.view-restricted",
        id,
        customer,
        &sealed,
        &sha,
    )
}

pub(crate) fn open_sealed(db: &Db, id: Uuid, sealed: &[u8]) -> Result<ReleaseContent> {
    db.sealer().open_json(id.as_bytes(), sealed)
}

/// The birthdate a release was signed with, read from its sealed content (none for a
/// device's copy, or content that does not open: then it counts as an adult's).
pub(crate) fn signed_birthdate(db: &Db, id: Uuid, sealed: &[u8]) -> Option<chrono::NaiveDate> {
    if sealed.is_empty() {
        return None;
    }
    let content = open_sealed(db, id, sealed).ok()?;
    crate::settings::birthdate(
        content
            .customer
            .get(crate::Field::Birthdate.column())
            .map(String::as_str),
    )
}
