//! Erasing a customer, and expiring what passed its date: how the two mutations apply, and
//! the front door staff erase through.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Reason;
use crate::db::{Db, Transaction, params};
use crate::error::{Error, Result};
use crate::mutation::{Applied, Mutation, Op};
use crate::release::ReleaseContent;
use crate::settings::Retention;
use crate::users::{Actor, Permission};

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Erased {
    pub customer: Uuid,
    pub erased_at: String,
    /// Releases still under retention, kept restricted until their date.
    pub kept: usize,
    /// Releases already past their date, gone with the rest.
    pub purged: usize,
    /// `false` when the customer had been erased before: nothing changed.
    pub applied: bool,
}

/// Erases `customer` on `actor`'s word (`legal:customer`): everything of theirs goes at
/// once but the releases `policy` still keeps, which stay restricted until their date.
/// Refused on a paired device: the store erases, and its devices follow at their next
/// pull.
pub fn erase(
    db: &mut Db,
    actor: &Actor,
    customer: Uuid,
    policy: &Retention,
    adult_age: u32,
    now: DateTime<Utc>,
) -> Result<Erased> {
    actor.require(Permission::LegalCustomer)?;
    crate::sync::refuse_on_device(db.conn(), "customers are erased")?;
    let id = crate::db::resolve_customer(db.conn(), customer)?;
    if let Some((at, _)) = super::erased(db.conn(), id)? {
        return Ok(Erased {
            customer: id,
            erased_at: at,
            kept: 0,
            purged: 0,
            applied: false,
        });
    }
    let dates = release_dates(db, id, policy, adult_age)?;
    let total = dates.len();
    let purge: Vec<Uuid> = dates
        .into_iter()
        .filter(|d| d.kept_until <= now)
        .map(|d| d.id)
        .collect();
    let purged = purge.len();
    let m = Mutation::new(
        actor.name.clone(),
        Op::EraseCustomer {
            customer: id,
            reason: Reason::Request,
            purge,
            seen: None,
        },
    );
    let applied = crate::mutation::submit(db, &m)? == Applied::Applied;
    let erased_at = crate::time::format(m.at);
    super::log::append(db, &[(id, erased_at.clone(), Reason::Request)])?;
    db.empty_wal();
    Ok(Erased {
        customer: id,
        erased_at,
        kept: total - purged,
        purged,
        applied,
    })
}

/// A customer's signed release, and until when the policy keeps it.
#[derive(Debug, Clone)]
pub struct ReleaseDate {
    pub id: Uuid,
    pub signed_at: String,
    pub kept_until: DateTime<Utc>,
}

/// Until when `policy` keeps each of `customer`'s signed releases, oldest first: what an
/// erasure keeps restricted, and what it purges at once. The birthdate is the one on file,
/// or, with none on file any more, the one each release was signed with, as the pass reads
/// it: a minor's release is never purged early because a birthdate was cleared.
pub fn release_dates(
    db: &crate::db::Db,
    customer: Uuid,
    policy: &Retention,
    adult_age: u32,
) -> Result<Vec<ReleaseDate>> {
    let conn = db.conn();
    let on_file = crate::settings::birthdate(
        crate::customers::get(conn, customer)?
            .profile
            .get(crate::Field::Birthdate),
    );
    let mut stmt = conn.prepare(
        "SELECT id, signed_at, sealed FROM releases WHERE customer_id = ?1 ORDER BY signed_at, id",
    )?;
    let mut rows = stmt.query([customer])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let (id, signed_at): (Uuid, String) = (r.get(0)?, r.get(1)?);
        let born = match on_file {
            Some(born) => Some(born),
            None => super::restricted::signed_birthdate(db, id, r.get_ref(2)?.as_blob()?),
        };
        out.push(ReleaseDate {
            id,
            kept_until: super::kept_until(policy, &signed_at, born, adult_age),
            signed_at,
        });
    }
    Ok(out)
}

/// Applies [`Op::EraseCustomer`] inside `tx`. A customer erased before stays erased (a
/// replay changes nothing). Releases named in `purge` go; the others move to
/// `restricted_releases`, sealed as they were.
pub(crate) fn apply_erase(
    tx: &Transaction<'_>,
    actor: &str,
    customer: Uuid,
    reason: Reason,
    purge: &[Uuid],
    seen: Option<i64>,
    at: &str,
) -> Result<()> {
    let id = crate::db::resolve_customer(tx, customer)?;
    if reason == Reason::Retention && id != customer {
        // Merged into someone else since the pass looked: the survivor is not due.
        return Ok(());
    }
    if super::erased(tx, id)?.is_some() {
        return Ok(());
    }
    if !crate::mutation::exists(tx, id)? {
        return match reason {
            // Deleted since the pass looked: nothing left to erase.
            Reason::Retention => Ok(()),
            Reason::Request => Err(Error::CustomerNotFound(customer.to_string())),
        };
    }
    if let Some(seen) = seen {
        let now: i64 = tx
            .prepare_cached("SELECT change_seq FROM customers WHERE id = ?1")?
            .query_row([id], |r| r.get(0))?;
        if now > seen {
            // They came back, or were changed, since the pass looked.
            return Ok(());
        }
    }
    let releases: Vec<Uuid> = tx
        .prepare_cached("SELECT id FROM releases WHERE customer_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    if reason == Reason::Retention && releases.iter().any(|r| !purge.contains(r)) {
        // They signed again since the pass looked: there is something to keep after all.
        return Ok(());
    }
    let mut kept = 0;
    for release in &releases {
        if purge.contains(release) {
            continue;
        }
        kept += tx
            .prepare_cached(
                "INSERT INTO restricted_releases(id, customer_id, template_id, template_version,
                     signed_at, device, sealed, content_sha256, location, restricted_at)
                 SELECT id, customer_id, template_id, template_version, signed_at, device,
                        sealed, content_sha256, location, ?2
                 FROM releases WHERE id = ?1
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![release, at])?;
    }
    // What else names them: webhook messages (their bodies are the customer as sent, also
    // under ids merged into this one), links made for them, a kiosk's grant, pairs marked
    // not duplicates.
    let named = "customer_id = ?1
        OR customer_id IN (SELECT merged_id FROM merged_customers WHERE survivor_id = ?1)";
    for table in ["webhook_deliveries", "webhook_attempts"] {
        // An attempt's answer excerpt is the receiver's, and may quote what was sent.
        tx.execute(
            &format!(
                "DELETE FROM {table} WHERE message_seq IN
                   (SELECT seq FROM webhook_messages WHERE {named})"
            ),
            [id],
        )?;
    }
    tx.execute(&format!("DELETE FROM webhook_messages WHERE {named}"), [id])?;
    let release_ids: Vec<String> = releases.iter().map(Uuid::to_string).collect();
    let merged: Vec<Uuid> = tx
        .prepare_cached("SELECT merged_id FROM merged_customers WHERE survivor_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<crate::db::Result<_>>()?;
    for named in std::iter::once(id).chain(merged) {
        tx.prepare_cached("DELETE FROM visit_links WHERE customer_id = ?1")?
            .execute([named.to_string()])?;
    }
    for release in &release_ids {
        tx.prepare_cached("DELETE FROM visit_links WHERE release_id = ?1")?
            .execute([release])?;
    }
    tx.execute("DELETE FROM device_customers WHERE customer_id = ?1", [id])?;
    tx.execute("DELETE FROM not_duplicates WHERE a = ?1 OR b = ?1", [id])?;
    // The row goes, and with it (by its foreign keys) medical records, flags, notes,
    // contacts, services, Safety Panel checks and releases; the trigger leaves a tombstone.
    tx.execute("DELETE FROM customers WHERE id = ?1", [id])?;
    tx.execute(
        "UPDATE tombstones SET reason = ?2 WHERE customer_id = ?1",
        params![id, reason.as_str()],
    )?;
    tx.execute(
        "INSERT INTO erasures(customer_id, erased_at, reason) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        params![id, at, reason.as_str()],
    )?;
    if reason == Reason::Request {
        crate::audit::record(
            tx,
            actor,
            "customer.erase",
            Some(id),
            &format!(
                "erased on request: {kept} release(s) kept restricted, {} past their date purged",
                releases.len() - kept
            ),
        )?;
    }
    Ok(())
}

/// Applies [`Op::Expire`] inside `tx`: the named releases (a customer's, or restricted
/// ones of an erased customer) and medical records go. A customer still here is touched,
/// so the devices holding them pull them again without what went.
pub(crate) fn apply_expire(
    tx: &Transaction<'_>,
    customer: Uuid,
    releases: &[Uuid],
    medical: &[Uuid],
    at: &str,
) -> Result<()> {
    let id = crate::db::resolve_customer(tx, customer)?;
    for release in releases {
        tx.prepare_cached("DELETE FROM releases WHERE id = ?1 AND customer_id = ?2")?
            .execute(params![release, id])?;
        tx.prepare_cached("DELETE FROM restricted_releases WHERE id = ?1 AND customer_id = ?2")?
            .execute(params![release, id])?;
        tx.prepare_cached("DELETE FROM visit_links WHERE release_id = ?1")?
            .execute([release.to_string()])?;
    }
    for record in medical {
        tx.prepare_cached("DELETE FROM medical_conditions WHERE id = ?1 AND customer_id = ?2")?
            .execute(params![record, id])?;
    }
    if crate::mutation::exists(tx, id)? {
        crate::mutation::touch(tx, id, at)?;
    }
    Ok(())
}

/// A release signed for a customer erased meanwhile (a device that was offline): the shop
/// must keep it, so it is filed restricted, as the erasure would have filed it.
pub(crate) fn file_restricted(
    tx: &Transaction<'_>,
    sealer: &crate::crypto::Sealer,
    customer: Uuid,
    release: &ReleaseContent,
    claimed_sha256: Option<&str>,
    at: &str,
) -> Result<()> {
    let (sealed, sha) = crate::release::seal_content(sealer, release, claimed_sha256)?;
    tx.prepare_cached(
        "INSERT INTO restricted_releases(id, customer_id, template_id, template_version,
             signed_at, device, sealed, content_sha256, location, restricted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                 (SELECT location FROM devices WHERE name = ?6 AND revoked_at IS NULL), ?9)
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![
        release.release_id,
        customer,
        release.template.id,
        release.template.version,
        crate::time::format(release.signed_at),
        release.device,
        sealed,
        sha,
        at
    ])?;
    Ok(())
}
