//! Signed releases as stored: listed by what identifies them, opened (with permission,
//! audited, the fingerprint checked) for what they say.

use crate::db::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::ReleaseContent;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::settings::Lang;
use crate::users::{Actor, Permission};

/// A release in a listing: what identifies it, not what it says.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub template_id: String,
    pub template_version: u32,
    pub signed_at: String,
    pub device: String,
    pub sha256: String,
}

/// Signed releases, newest first; one customer's when `customer` is given.
pub fn list(db: &Db, actor: &Actor, customer: Option<Uuid>, limit: u32) -> Result<Vec<Summary>> {
    actor.require(Permission::ReadCustomer)?;
    let customer = customer
        .map(|c| crate::db::resolve_customer(db.conn(), c))
        .transpose()?;
    let mut stmt = db.conn().prepare(
        "SELECT r.id, r.customer_id, c.first_name, c.last_name, r.template_id,
                r.template_version, r.signed_at, r.device, r.content_sha256
         FROM releases r JOIN customers c ON c.id = r.customer_id
         WHERE r.customer_id = ?1 OR ?1 IS NULL
         ORDER BY r.signed_at DESC, r.id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![customer, limit], |r| {
        let first: Option<String> = r.get(2)?;
        let last: Option<String> = r.get(3)?;
        Ok(Summary {
            id: r.get(0)?,
            customer_id: r.get(1)?,
            customer_name: [first, last]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
            template_id: r.get(4)?,
            template_version: r.get(5)?,
            signed_at: r.get(6)?,
            device: r.get(7)?,
            sha256: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// A signed release, opened. It holds health answers, so it takes `medical:customer`, and
/// the view is audited. The stored fingerprint is checked against the content.
pub fn open(db: &Db, actor: &Actor, id: Uuid) -> Result<ReleaseContent> {
    actor.require(Permission::ReadCustomer)?;
    actor.require(Permission::MedicalCustomer)?;
    let row: Option<(Uuid, Vec<u8>, String)> = db
        .conn()
        .query_row(
            "SELECT customer_id, sealed, content_sha256 FROM releases WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((customer, sealed, sha)) = row else {
        // A release an erasure kept: restricted to legal:customer.
        if crate::retention::restricted::is_restricted(db, id)? {
            return crate::retention::restricted::open(db, actor, id);
        }
        return Err(Error::Invalid(format!("no release with id {id}")));
    };
    if sealed.is_empty() {
        return Err(Error::Invalid(format!(
            "release {id} is kept on the shop's store: this device holds its record only"
        )));
    }
    verified_view(db, actor, "release.view", id, customer, &sealed, &sha)
}

/// Release `id`'s sealed content opened, checked against its recorded fingerprint, and the
/// view written to the audit log as `action`.
pub(crate) fn verified_view(
    db: &Db,
    actor: &Actor,
    action: &str,
    id: Uuid,
    customer: Uuid,
    sealed: &[u8],
    sha: &str,
) -> Result<ReleaseContent> {
    let content: ReleaseContent = db.sealer().open_json(id.as_bytes(), sealed)?;
    if content.sha256() != sha {
        return Err(Error::Invalid(format!(
            "release {id}: its content does not match its recorded SHA-256"
        )));
    }
    crate::audit::record(
        db.conn(),
        &actor.name,
        action,
        Some(customer),
        &id.to_string(),
    )?;
    Ok(content)
}

/// A guardian as a listing names them: no signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuardianName {
    pub name: String,
    pub relationship: String,
}

/// What a listing may say of a release beyond its record: no health answer, no clause,
/// no signature, so reading it is not a view of medical details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facts {
    pub language: Lang,
    pub age_at_signing: u32,
    pub guardian: Option<GuardianName>,
}

/// The facts of release `id`, or `None` when this device holds its record only (a paired
/// device: the content stays on the store). Callers check `read:customer`.
pub(crate) fn facts(db: &Db, id: Uuid) -> Result<Option<Facts>> {
    let sealed: Option<Vec<u8>> = db
        .conn()
        .query_row("SELECT sealed FROM releases WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(sealed) = sealed.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let content: ReleaseContent = db.sealer().open_json(id.as_bytes(), &sealed)?;
    Ok(Some(Facts {
        language: content.language,
        age_at_signing: content.age_at_signing,
        guardian: content.guardian.map(|g| GuardianName {
            name: g.name,
            relationship: g.relationship,
        }),
    }))
}

/// A customer's signed releases, newest first, each with its [`Facts`] where this device
/// holds them. Needs `read:customer`.
pub fn list_with_facts(
    db: &Db,
    actor: &Actor,
    customer: Uuid,
    limit: u32,
) -> Result<Vec<(Summary, Option<Facts>)>> {
    list(db, actor, Some(customer), limit)?
        .into_iter()
        .map(|s| {
            let facts = facts(db, s.id)?;
            Ok((s, facts))
        })
        .collect()
}
